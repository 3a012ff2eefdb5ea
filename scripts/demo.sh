#!/usr/bin/env bash
# demo.sh - the main job on a fresh machine: build pdbridge for this machine
# and run it against the bundled PagerDuty simulator (tests/pdsim) over HTTPS
# on 127.0.0.1. Needs no PagerDuty account: the key used is the simulator's
# own test key, which real PagerDuty would reject.
# Usage: scripts/demo.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$("$top/scripts/build.sh" host | tail -1)
bin="$dir/pdbridge"
tmp=$(mktemp -d)
sim=
trap '[[ -n $sim ]] && kill "$sim" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

echo "== built $bin ($(stat -c %s "$bin") bytes, $(file -b "$bin" | grep -o 'statically linked'))"
"$bin" --version
echo
echo "== starting the PagerDuty simulator on 127.0.0.1 (HTTPS, its own test CA)"
sh "$top/tests/pdsim/mkcerts.sh" "$tmp/certs" >/dev/null
python3 "$top/tests/pdsim/pdsim.py" --port 0 --port-file "$tmp/port" \
	--epoch now --tls-cert "$tmp/certs/server.pem" --tls-key "$tmp/certs/server.key" \
	>/dev/null 2>&1 &
sim=$!
while [[ ! -s $tmp/port ]]; do sleep 0.1; done
export PAGERDUTY_USER_API_KEY=pdsim-test-token
export PAGERDUTY_API_HOST="https://127.0.0.1:$(cat "$tmp/port")"
export PDBRIDGE_CA_FILE="$tmp/certs/ca.pem"

echo "== pdbridge status"
"$bin" status
echo
echo "== a new incident is triggered in the simulator, and status shows it"
python3 - "$PAGERDUTY_API_HOST" "$PDBRIDGE_CA_FILE" <<'PY'
import json, ssl, sys, urllib.request
url, ca = sys.argv[1], sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)
hdr = {"Authorization": "Token token=pdsim-test-token",
       "Accept": "application/vnd.pagerduty+json;version=2"}
svc = json.load(urllib.request.urlopen(urllib.request.Request(url + "/services", headers=hdr),
                                       context=ctx))["services"][0]
body = json.dumps({"service_id": svc["id"], "title": "Demo: the lamp on the desk turns red"})
urllib.request.urlopen(urllib.request.Request(url + "/_sim/trigger", data=body.encode(),
                       headers={"Content-Type": "application/json"}), context=ctx)
print("triggered on", svc["name"])
PY
"$bin" status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
print("counts:", s["counts"])
print("newest triggered:", s["incidents"][0]["title"])'
echo
echo "== pdbridge mcp (stdio, as an MCP client runs it): initialize, tools/list, tools/call"
printf '%s\n' \
	'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"demo","version":"1"}}}' \
	'{"jsonrpc":"2.0","method":"notifications/initialized"}' \
	'{"jsonrpc":"2.0","id":2,"method":"tools/list"}' \
	'{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_user_data","arguments":{}}}' |
	"$bin" mcp | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    r = m.get("result", {})
    if m.get("id") == 1:
        print("server:", r["serverInfo"]["name"], r["serverInfo"]["version"], "protocol", r["protocolVersion"])
    elif m.get("id") == 2:
        print("tools:", ", ".join(t["name"] for t in r["tools"]))
    elif m.get("id") == 3:
        print("get_user_data:", r["content"][0]["text"][:200].replace("\n", " "), "...")'
