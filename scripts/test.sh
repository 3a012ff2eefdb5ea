#!/usr/bin/env bash
# test.sh - the whole test suite, from a fresh Debian machine to a verdict.
#
# Installs what it needs (Debian packages, the pinned dependencies, cached
# under .deps/), builds every board, and runs, in order: the source gates,
# the unit tests natively, under ASan+UBSan, and under qemu-user for each ARM
# board, then the checks on the binaries themselves, the integration tests
# (PagerDuty simulator, MCP transports) on both host builds, the threaded
# code under ThreadSanitizer, the soak (the daemon through a storm of faults),
# and bounded libFuzzer runs over framing,
# JSON-RPC and the MCP core, and over the config store's decoders and
# import parser, and the board page in headless Chromium. Every step runs even if
# an earlier one failed; the last line is "N passed, N failed" over the steps
# and the exit status is non-zero if any step failed.
#
# No step can hang the suite: each runs under a wall-clock limit (its own,
# else STEP_LIMIT_S) in a process group of its own, which is killed when the
# step ends, so whatever it started goes with it; a step past its limit
# fails with its name. The whole suite has a budget (PDB_TEST_BUDGET_S, 38
# minutes): no step's limit reaches past it, and steps left when it is spent
# fail without running. Python tests run through tests/pyrun.py, which gives
# every test its own deadline.
# Usage: scripts/test.sh            Logs: build-test/<step>.log
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
logs="$top/build-test"
mkdir -p "$logs"
passed=0 failed=0 failed_steps=()
STEP_LIMIT_S=600
budget_end=$((SECONDS + ${PDB_TEST_BUDGET_S:-2280}))
export top logs

fail_step() { # NAME T0 WHY
	failed=$((failed + 1))
	failed_steps+=("$1")
	printf 'FAIL %-28s %4ds  %s\n' "$1" $((SECONDS - $2)) "$3"
}

# step NAME [--limit S] CMD...: run one step, its output in $logs/NAME.log, tail shown on
# failure. CMD may be a function of this script (they are exported).
step() {
	local name=$1 t0=$SECONDS limit=$STEP_LIMIT_S pid rc left
	shift
	if [[ $1 == --limit ]]; then
		limit=$2
		shift 2
	fi
	left=$((budget_end - SECONDS))
	if ((left < 10)); then
		fail_step "$name" "$t0" "(not run: the suite's time budget is spent)"
		return
	fi
	((limit <= left)) || limit=$left
	timeout -k 10 "$limit" bash -c '"$@"' "$name" "$@" >"$logs/$name.log" 2>&1 </dev/null &
	pid=$!
	wait "$pid"
	rc=$?
	kill -KILL -- "-$pid" 2>/dev/null # what the step left running (timeout led its group)
	if ((rc == 0)); then
		passed=$((passed + 1))
		printf 'PASS %-28s %4ds\n' "$name" $((SECONDS - t0))
		return
	fi
	if ((rc == 124 || rc == 137)); then
		echo "step $name: killed after its limit of $limit s" >>"$logs/$name.log"
		fail_step "$name" "$t0" "(timed out after $limit s; log: $logs/$name.log)"
	else
		fail_step "$name" "$t0" "(log: $logs/$name.log)"
	fi
	tail -25 "$logs/$name.log" | sed 's/^/    /'
}

# A gate that passes everything is no gate: it must reject a planted violation.
gates_catch_violations() {
	local bad
	bad=$(mktemp --suffix=.c)
	printf 'void f(char *d){ strcpy(d, "x"); free(d); }\n' >"$bad"
	if scripts/check-src "$bad"; then
		rm -f "$bad"
		echo "check-src accepted strcpy/free"
		return 1
	fi
	rm -f "$bad"
	echo "check-src rejects planted violations"
}

ctest_in() {
	ctest --test-dir "$1" --output-on-failure -j2 --timeout 300
}

build_and_ctest() {
	local dir
	dir=$(scripts/build.sh "$@" | tail -1) && ctest_in "$dir"
}


export -f gates_catch_violations ctest_in build_and_ctest

step packages --limit 900 scripts/install-packages.sh
step check-format scripts/check-format
step check-src scripts/check-src
step check-deps scripts/check-deps
step gates-self-test gates_catch_violations
# The pinned dependencies of every board, two triplets at a time (a no-op when cached).
step deps --limit 1800 scripts/deps.sh
step unit-host --limit 1200 build_and_ctest host
step unit-asan-ubsan build_and_ctest --sanitize host
for board in rpi-4 rpi-zero-2-w rpi-5 generic-armhf rpi-zero-w; do
	step "unit-qemu-$board" --limit 1200 build_and_ctest "$board"
done
# Also run by unit-*; here on its own so its log keeps the count of injected faults.
step power-loss-harness build/tests/test_cfg_power
step binaries tests/smoke/binaries.sh
step pdsim-self-test python3 tests/pyrun.py discover -s tests/pdsim
step official-tool-table python3 tests/tools/check_official_table.py --self-test
step integration-host --limit 900 env PDB_BUILD=build python3 tests/pyrun.py -j 2 discover -s tests/integration -v
step integration-asan-ubsan --limit 1200 env PDB_BUILD=build-san python3 tests/pyrun.py -j 2 discover -s tests/integration -v
step tsan --limit 900 scripts/tsan.sh
# The daemon through a compressed day of faults (bench/soak.sh), short forms: 90 s, and 60 s
# under ASan+UBSan (leaks and memory errors; RSS is not judged there).
step soak --limit 600 bench/soak.sh 90
step soak-asan-ubsan --limit 600 bench/soak.sh --sanitize 60
step fuzz-rpc tests/fuzz/run.sh 30
step fuzz-cfg tests/fuzz/run_cfg.sh 30
step mcp-conformance-and-sdk tests/mcp-node/run.sh "$top/build"
# The board page in headless Chromium, and the kiosk script (about a minute; the bound
# is a hang guard).
step board-page --limit 600 env PDB_BUILD=build python3 tests/pyrun.py discover -v -s tests/board
step mcp-inspector --limit 600 tests/inspector/run.sh "$top/build"

# Packaging (docs/packaging.md): the release into dist/, the amd64 package installed in a
# Debian 12 root, the ARM packages under qemu-user, lintian, the container image run from a
# chroot against the simulator, and a second release from nothing giving the same bytes.
version=$(sed -n 's/^project(pdbridge VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
step release --limit 1800 scripts/release.sh
step install-deb --limit 900 tests/install/install.sh "dist/pdbridge_${version}_amd64.deb"
step arm-packages --limit 600 tests/install/arm.sh dist
step lintian --limit 600 tests/install/lintian.sh dist
step image-and-boot --limit 300 python3 tests/pyrun.py discover -v -s tests/install -p "test_*.py"
step reproducible --limit 1800 tests/install/repro.sh dist/SHA256SUMS

# The simulator's key, the MCP tests' bearer token and the config tests' token must not
# appear in anything any step printed.
no_key_in_logs() {
	local hits
	hits=$(grep -lE "pdsim-test-token|mcp-test-token-5f1c|cfg-test-token-9d2e|mcp-bearer-7c41e9|board-token-3f9a1c77e2" "$logs"/*.log |
		grep -v "/no-key-in-logs.log$" || true)
	[[ -z $hits ]] || { echo "a secret appears in: $hits"; return 1; }
	echo "no step log contains a secret ($(ls "$logs"/*.log | wc -l) logs checked)"
}
export -f no_key_in_logs
step no-key-in-logs no_key_in_logs

echo "steps that failed: ${failed_steps[*]:-none}"
echo "$passed passed, $failed failed"
((failed == 0))
