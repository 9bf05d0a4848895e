#!/usr/bin/env bash
# The main job (README "Set-up"): simulate a CMS8000 ward into a capture, then show what
# wardwatch finds in it — alerts, inventory and the breach report — in the terminal.
# Nothing is sent on any network: the simulator writes a file.
set -euo pipefail
cd "$(dirname "$0")/.."
ww() { node dist/cli/bin.js "$@"; }
mkdir -p demo
ww sim cms8000 --out demo/cms8000.pcap --duration 300s --seed 1
echo
echo "== wardwatch analyze demo/cms8000.pcap =="
ww analyze demo/cms8000.pcap --no-progress
if ww inventory --help >/dev/null 2>&1; then
  echo
  echo "== wardwatch inventory demo/cms8000.pcap =="
  ww inventory demo/cms8000.pcap
fi
if ww report --help >/dev/null 2>&1; then
  echo
  echo "== wardwatch report demo/cms8000.pcap (breach report) =="
  ww report demo/cms8000.pcap --format md
fi
