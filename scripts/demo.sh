#!/usr/bin/env bash
# demo.sh - the main job on a fresh machine: build pdbridge for this machine
# and run it against the bundled PagerDuty simulator (tests/pdsim) over HTTPS
# on 127.0.0.1: `pdbridge status`, then the daemon (`pdbridge run`) publishing
# to a local mosquitto and serving the board page while an incident is
# triggered, acknowledged from an MQTT command and resolved, then `pdbridge
# mcp` as an MCP client runs it.
# Needs no PagerDuty account: the key used is the simulator's own test key,
# which real PagerDuty would reject.
# Usage: scripts/demo.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$("$top/scripts/build.sh" host | tail -1)
bin="$dir/pdbridge"
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
"$top/scripts/install-packages.sh" >/dev/null # mosquitto, mosquitto-clients

echo "== built $bin ($(stat -c %s "$bin") bytes, $(file -b "$bin" | grep -o 'statically linked'))"
"$bin" --version
echo
echo "== starting the PagerDuty simulator on 127.0.0.1 (HTTPS, its own test CA)"
sh "$top/tests/pdsim/mkcerts.sh" "$tmp/certs" >/dev/null
python3 "$top/tests/pdsim/pdsim.py" --port 0 --port-file "$tmp/port" \
	--epoch now --tls-cert "$tmp/certs/server.pem" --tls-key "$tmp/certs/server.key" \
	>/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 300); do [[ -s $tmp/port ]] && break; sleep 0.1; done
[[ -s $tmp/port ]] || { echo "the simulator did not start" >&2; exit 1; }
export PAGERDUTY_USER_API_KEY=pdsim-test-token
export PAGERDUTY_API_HOST="https://127.0.0.1:$(cat "$tmp/port")"
export PDBRIDGE_CA_FILE="$tmp/certs/ca.pem"

echo "== pdbridge status"
"$bin" status
echo
# sim_api METHOD PATH [JSON]: the simulator's API (with the test key) or its /_sim control API.
sim_api() {
	DEMO_FROM=${from:-} python3 - "$PAGERDUTY_API_HOST" "$PDBRIDGE_CA_FILE" "$@" <<'PY'
import json, os, ssl, sys, urllib.request
url, ca, method, path = sys.argv[1:5]
body = sys.argv[5].encode() if len(sys.argv) > 5 else None
ctx = ssl.create_default_context(cafile=ca)
hdr = {"Authorization": "Token token=pdsim-test-token", "From": os.environ["DEMO_FROM"],
       "Accept": "application/vnd.pagerduty+json;version=2", "Content-Type": "application/json"}
r = urllib.request.Request(url + path, data=body, method=method, headers=hdr)
print(urllib.request.urlopen(r, context=ctx).read().decode())
PY
}
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

echo "== pdbridge run: the daemon, publishing to a local mosquitto on 127.0.0.1"
mqport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n%s\n' "$mqport" \
	"$([[ $(id -u) == 0 ]] && echo "user root")" >"$tmp/mosquitto.conf"
/usr/sbin/mosquitto -c "$tmp/mosquitto.conf" >"$tmp/mosquitto.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$mqport") 2>/dev/null && break; sleep 0.1; done
mosquitto_sub -h 127.0.0.1 -p "$mqport" -v -t 'pdbridge/#' >"$tmp/mqtt" 2>/dev/null &
pids+=($!)
export PDBRIDGE_CONFIG="$tmp/config.bin" PDBRIDGE_DEVICE_ID_FILE="$tmp/serial"
echo 10000000d3e0d3e0 >"$tmp/serial"
"$bin" config set mqtt.url "mqtt://127.0.0.1:$mqport" >/dev/null
"$bin" config set mqtt.node_id desk >/dev/null
"$bin" config set poll.interval 5 >/dev/null
boardport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" config set board.listen "http://127.0.0.1:$boardport/" >/dev/null # the board page
"$bin" config set write_tools true >/dev/null # lets a display's button acknowledge
from=$(sim_api GET /users/me | field 'd["user"]["email"]') # PagerDuty wants a user's
"$bin" config set from_email "$from" >/dev/null
# Lamps on a fake LED class tree (docs/board.md), watched the way a person would.
python3 "$top/tests/integration/lampfixture.py" --make "$tmp/leds" pd-green pd-yellow pd-red pd-white
"$bin" config set lamp.sysfs "$tmp/leds" >/dev/null
for k in ok=pd-green acked=pd-yellow triggered=pd-red unknown=pd-white; do
	"$bin" config set "lamp.${k%=*}" "${k#*=}" >/dev/null
done
"$bin" run 2>"$tmp/daemon.log" &
daemon=$!
pids+=("$daemon")
show() { # the plain topics a tiny display reads, as they are now
	sleep "$1"
	for t in status state/level state/triggered state/acknowledged state/oncall_me; do
		printf '  %-28s %s\n' "pdbridge/desk/$t" \
			"$(grep "^pdbridge/desk/$t " "$tmp/mqtt" | tail -1 | cut -d' ' -f2-)"
	done
	printf '  %-28s %s\n' "board page (level)" \
		"$(curl -s "http://127.0.0.1:$boardport/state.json" | field 'd["level"]')"
	echo "  lamps: $(python3 "$top/tests/integration/lampfixture.py" "$tmp/leds" pd-white)"
}
show 4
grep -m1 "requests a poll" "$tmp/daemon.log" | sed 's/^.*status: /  poller: /' || true
echo "  board page: http://127.0.0.1:$boardport/ (open it in a browser on this machine;" \
	"/state.json, /events)"
echo
echo "== a new incident is triggered in the simulator; the next poll publishes it"
inc=$(sim_api POST /_sim/trigger \
	'{"service_id":"'"$(sim_api GET /services | field 'd["services"][0]["id"]')"'","title":"Demo: the lamp on the desk turns red"}' |
	field 'd["incident"]["id"]')
echo "  triggered $inc"
show 6
grep "^pdbridge/desk/event " "$tmp/mqtt" | grep "$inc" | tail -1 | cut -c1-160 | sed 's/^/  /'
echo
echo "== a display's button acknowledges what it showed: cmd/ack with the state's seq"
seq=$(grep "^pdbridge/desk/state " "$tmp/mqtt" | tail -1 | cut -d' ' -f2- | field 'd["seq"]')
mosquitto_pub -h 127.0.0.1 -p "$mqport" -q 1 -t pdbridge/desk/cmd/ack -m "{\"seq\":$seq}"
sleep 2
grep "^pdbridge/desk/cmd/ack/result " "$tmp/mqtt" | tail -1 | cut -c1-200 | sed 's/^/  /'
show 5
echo
echo "== the incident is resolved in PagerDuty; the display clears"
sim_api PUT "/incidents/$inc" '{"incident":{"type":"incident_reference","status":"resolved"}}' >/dev/null
show 6
echo
echo "== SIGTERM: the daemon says offline (retained) and exits"
kill -TERM "$daemon"
wait "$daemon" && echo "  exit status 0"
echo "  lamps: $(python3 "$top/tests/integration/lampfixture.py" "$tmp/leds" pd-white)"
sleep 0.5
grep "^pdbridge/desk/status " "$tmp/mqtt" | tail -1 | sed 's/^/  /'
echo "  $(wc -l <"$tmp/mqtt") MQTT messages in all; the token on none of them:" \
	"$(grep -c pdsim-test-token "$tmp/mqtt" || true) hits"
unset PDBRIDGE_CONFIG PDBRIDGE_DEVICE_ID_FILE
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
