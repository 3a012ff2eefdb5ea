#!/usr/bin/env bash
# demo.sh - the main job on a fresh machine: build pdbridge for this machine
# and show what it does. Needs no PagerDuty account or token.
# Usage: scripts/demo.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$("$top/scripts/build.sh" host | tail -1)
bin="$dir/pdbridge"
echo "== built $bin ($(stat -c %s "$bin") bytes, $(file -b "$bin" | cut -d, -f4 | sed 's/^ //'))"
echo "== pdbridge --version"
"$bin" --version
echo "== pdbridge --help"
"$bin" --help
