#!/usr/bin/env bash
# tsan.sh - the threaded parts under ThreadSanitizer: builds the ev and mcp
# unit tests, the MCP fixture server and the MQTT probe (paho's threads hand
# over to the loop) with -fsanitize=thread into build-tsan/, runs the unit
# tests, then the transport and MQTT integration tests against those (any
# data race report fails: the programs must exit 0).
# The CMake build has no TSan mode because TSan and ASan cannot be combined,
# and only these programs have threads of their own.
# Usage: scripts/tsan.sh [--build-only]    (needs the host deps: PDB_DEPS_DIR or .deps/)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
deps="${PDB_DEPS_DIR:-$top/.deps}/x86_64-linux-gnu"
out="$top/build-tsan"
[[ -f $deps/lib/libcjson.a ]] || { echo "tsan.sh: no host deps in $deps" >&2; exit 2; }
mkdir -p "$out/tests"
cc=(gcc -std=c11 -D_POSIX_C_SOURCE=200809L -DPDB_DEBUG=1 -fsanitize=thread -g -O1
	-Wall -Wextra -Werror -I"$top/include" -I"$deps/include")
core=("$top"/src/base/*.c "$top/src/log/log.c" "$top"/src/ev/*.c "$top/src/rpc/rpc.c"
	"$top"/src/mcp/*.c)
libs=("$deps/lib/libcjson.a" -lm -lpthread)
"${cc[@]}" "${core[@]}" "$top/tests/unit/harness.c" "$top/tests/unit/test_ev.c" "${libs[@]}" \
	-o "$out/tests/test_ev"
"${cc[@]}" "${core[@]}" "$top/tests/unit/harness.c" "$top/tests/unit/mcp_fakes.c" \
	"$top/tests/unit/test_mcp.c" "${libs[@]}" -o "$out/tests/test_mcp"
"${cc[@]}" "${core[@]}" "$top/tests/unit/harness.c" "$top/tests/unit/mcp_fakes.c" \
	"$top/tests/unit/test_mcp_stateless.c" "${libs[@]}" -o "$out/tests/test_mcp_stateless"
"${cc[@]}" "${core[@]}" "$top"/src/transport/*.c "$top"/src/cfg/*.c "$top"/tests/mcp/*.c \
	"$deps/lib/libmicrohttpd.a" "$deps/lib/libwolfssl.a" "${libs[@]}" -o "$out/tests/mcp_fixture"
"${cc[@]}" "$top"/src/base/*.c "$top/src/log/log.c" "$top"/src/ev/*.c "$top"/src/mq/*.c \
	"$top/tests/integration/mq_probe.c" "$deps/lib/libpaho-mqtt3a.a" "${libs[@]}" \
	-o "$out/tests/mq_probe"
[[ ${1:-} == --build-only ]] && exit 0
export TSAN_OPTIONS="halt_on_error=1 exitcode=66"
"$out/tests/test_ev" 2>/dev/null | tail -1
"$out/tests/test_mcp" 2>/dev/null | tail -1
"$out/tests/test_mcp_stateless" 2>/dev/null | tail -1
cd "$top/tests/integration"
PDB_BUILD="$out" python3 "$top/tests/pyrun.py" test_mcp_transports test_mcp_stateless test_mq
