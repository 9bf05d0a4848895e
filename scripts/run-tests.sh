#!/usr/bin/env bash
# The README's test command: system tools, build, lint, every test, and a plain count line.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh || exit 1
npm run build || exit 1
npm run lint || exit 1
report=.vitest-report.json
rm -f "$report"
npx vitest run --reporter=default --reporter=json --outputFile.json="$report"
status=$?
node scripts/test-summary.mjs "$report" || status=1
exit $status
