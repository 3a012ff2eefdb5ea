#!/usr/bin/env bash
# tsan-repeat.sh - the MCP transport tests under ThreadSanitizer, N times in a row
# (default 20), to show that a race or a stall does not hide behind a lucky run.
# Not part of the test command (it takes a while); rerun it after touching the
# transports or the event loop. Each run has the per-test deadlines of
# tests/pyrun.py, so a stall fails its run instead of hanging this script.
# Prints one line per run and ends with "N passed, N failed".
# Usage: scripts/tsan-repeat.sh [N]        Logs: build-tsan/repeat-<i>.log
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-20}
"$top/scripts/tsan.sh" --build-only || exit 1
export TSAN_OPTIONS="halt_on_error=1 exitcode=66" PDB_BUILD="$top/build-tsan"
passed=0 failed=0
cd "$top/tests/integration" || exit 1
for ((i = 1; i <= runs; i++)); do
	log="$top/build-tsan/repeat-$i.log"
	t0=$SECONDS
	if timeout -k 10 900 python3 "$top/tests/pyrun.py" -v test_mcp_transports >"$log" 2>&1; then
		passed=$((passed + 1))
		echo "run $i: pass ($((SECONDS - t0)) s)"
	else
		failed=$((failed + 1))
		echo "run $i: FAIL ($((SECONDS - t0)) s, log: $log)"
	fi
done
echo "$passed passed, $failed failed"
((failed == 0))
