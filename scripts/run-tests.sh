#!/usr/bin/env bash
# The README's test command: system tools, build, lint, every test, and a plain count line.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh || exit 1
npm run build || exit 1
npm run lint || exit 1
# The store tests run on PostgreSQL too: a local cluster on 127.0.0.1 (scripts/pg-start.sh).
if [ -z "${WARDWATCH_TEST_PG:-}" ]; then
  WARDWATCH_TEST_PG="$(bash scripts/pg-start.sh)" || { echo "run-tests: cannot start PostgreSQL" >&2; exit 1; }
  export WARDWATCH_TEST_PG
fi
report=.vitest-report.json
rm -f "$report"
npx vitest run --reporter=default --reporter=json --outputFile.json="$report"
status=$?
node scripts/test-summary.mjs "$report" || status=1
exit $status
