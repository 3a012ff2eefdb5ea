#!/usr/bin/env bash
# test.sh - the whole test suite, from a fresh Debian machine to a verdict.
#
# Installs what it needs (Debian packages, the pinned dependencies, cached
# under .deps/), builds every board, and runs, in order: the source gates,
# the unit tests natively, under ASan+UBSan, and under qemu-user for each ARM
# board, then the checks on the binaries themselves, the integration tests
# (PagerDuty simulator, MCP transports) on both host builds, the threaded
# code under ThreadSanitizer, and bounded libFuzzer runs over framing,
# JSON-RPC and the MCP core, and over the config store's decoders and
# import parser. Every step runs even if
# an earlier one failed; the last line is "N passed, N failed" over the steps
# and the exit status is non-zero if any step failed.
# Usage: scripts/test.sh            Logs: build-test/<step>.log
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
logs="$top/build-test"
mkdir -p "$logs"
passed=0 failed=0 failed_steps=()

# step NAME CMD...: run one step, its output in $logs/NAME.log, tail shown on failure.
step() {
	local name=$1 t0=$SECONDS
	shift
	if "$@" >"$logs/$name.log" 2>&1; then
		passed=$((passed + 1))
		printf 'PASS %-28s %4ds\n' "$name" $((SECONDS - t0))
	else
		failed=$((failed + 1))
		failed_steps+=("$name")
		printf 'FAIL %-28s %4ds  (log: %s)\n' "$name" $((SECONDS - t0)) "$logs/$name.log"
		tail -25 "$logs/$name.log" | sed 's/^/    /'
	fi
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
	ctest --test-dir "$1" --output-on-failure -j2
}

build_and_ctest() {
	local dir
	dir=$(scripts/build.sh "$@" | tail -1) && ctest_in "$dir"
}

step packages scripts/install-packages.sh
step check-format scripts/check-format
step check-src scripts/check-src
step check-deps scripts/check-deps
step gates-self-test gates_catch_violations
step unit-host build_and_ctest host
step unit-asan-ubsan build_and_ctest --sanitize host
for board in rpi-4 rpi-zero-2-w rpi-5 generic-armhf rpi-zero-w; do
	step "unit-qemu-$board" build_and_ctest "$board"
done
# Also run by unit-*; here on its own so its log keeps the count of injected faults.
step power-loss-harness build/tests/test_cfg_power
step binaries tests/smoke/binaries.sh
step pdsim-self-test python3 -m unittest discover -s tests/pdsim
step official-tool-table python3 tests/tools/check_official_table.py --self-test
step integration-host env PDB_BUILD=build python3 -m unittest discover -v -s tests/integration
step integration-asan-ubsan env PDB_BUILD=build-san python3 -m unittest discover -v -s tests/integration
step tsan scripts/tsan.sh
step fuzz-rpc tests/fuzz/run.sh 30
step fuzz-cfg tests/fuzz/run_cfg.sh 30
step mcp-conformance-and-sdk tests/mcp-node/run.sh "$top/build"

# Packaging (docs/packaging.md): the release into dist/, the amd64 package installed in a
# Debian 12 root, the ARM packages under qemu-user, lintian, the container image run from a
# chroot against the simulator, and a second release from nothing giving the same bytes.
version=$(sed -n 's/^project(pdbridge VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
step release timeout 1800 scripts/release.sh
step install-deb timeout 900 tests/install/install.sh "dist/pdbridge_${version}_amd64.deb"
step arm-packages timeout 600 tests/install/arm.sh dist
step lintian timeout 600 tests/install/lintian.sh dist
step image timeout 300 python3 -m unittest discover -v -s tests/install -p "test_*.py"
step reproducible timeout 1800 tests/install/repro.sh dist/SHA256SUMS

# The simulator's key, the MCP tests' bearer token and the config tests' token must not
# appear in anything any step printed.
no_key_in_logs() {
	local hits
	hits=$(grep -lE "pdsim-test-token|mcp-test-token-5f1c|cfg-test-token-9d2e|mcp-bearer-7c41e9" "$logs"/*.log |
		grep -v "/no-key-in-logs.log$" || true)
	[[ -z $hits ]] || { echo "a secret appears in: $hits"; return 1; }
	echo "no step log contains a secret ($(ls "$logs"/*.log | wc -l) logs checked)"
}
step no-key-in-logs no_key_in_logs

echo "steps that failed: ${failed_steps[*]:-none}"
echo "$passed passed, $failed failed"
((failed == 0))
