#!/usr/bin/env bash
# daemon.sh - figures for `pdbridge run` (not pass/fail), against the bundled
# PagerDuty simulator and a local mosquitto, both on 127.0.0.1:
#   - resident memory (now and peak) and CPU time of the daemon over a window
#     of S seconds at a 5 s poll interval, PagerDuty unchanged;
#   - PagerDuty requests a poll, and MQTT messages a poll when nothing
#     changed (the goal is 0).
# Usage: bench/daemon.sh [S]   (default 60; builds the host board if needed)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
window=${1:-60}
poll=5
dir=$("$top/scripts/build.sh" host 2>/dev/null | tail -1)
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

sh "$top/tests/pdsim/mkcerts.sh" "$tmp/certs" >/dev/null
python3 "$top/tests/pdsim/pdsim.py" --port 0 --port-file "$tmp/port" \
	--clock 2026-11-27T10:00:00Z --tls-cert "$tmp/certs/server.pem" \
	--tls-key "$tmp/certs/server.key" >/dev/null 2>&1 &
pids+=($!)
mqport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n%s\n' "$mqport" \
	"$([[ $(id -u) == 0 ]] && echo "user root")" >"$tmp/mosquitto.conf"
/usr/sbin/mosquitto -c "$tmp/mosquitto.conf" >"$tmp/mosquitto.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do [[ -s $tmp/port ]] && break; sleep 0.1; done
[[ -s $tmp/port ]] || { echo "the simulator did not start" >&2; exit 1; }
sim="https://127.0.0.1:$(cat "$tmp/port")"
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$mqport") 2>/dev/null && break; sleep 0.1; done

mosquitto_sub -h 127.0.0.1 -p "$mqport" -v -t 'pdbridge/#' >"$tmp/messages" 2>/dev/null &
pids+=($!)
ident="$tmp/serial"
echo 10000000a1b2c3d4 >"$ident"
PAGERDUTY_USER_API_KEY=pdsim-test-token PAGERDUTY_API_HOST=$sim \
	PDBRIDGE_CA_FILE=$tmp/certs/ca.pem PDBRIDGE_CONFIG=$tmp/config.bin \
	PDBRIDGE_DEVICE_ID_FILE=$ident PDBRIDGE_MQTT_URL=mqtt://127.0.0.1:$mqport \
	PDBRIDGE_MQTT_NODE_ID=bench PDBRIDGE_POLL_INTERVAL=$poll PDBRIDGE_MQTT_HA_DISCOVERY=true \
	"$dir/pdbridge" run 2>"$tmp/daemon.log" &
daemon=$!
pids+=("$daemon")

ctl() { python3 - "$sim" "$tmp/certs/ca.pem" "$1" <<'PY'
import json, ssl, sys, urllib.request
url, ca, path = sys.argv[1:]
ctx = ssl.create_default_context(cafile=ca)
m = "DELETE" if path.startswith("-") else "GET"
r = urllib.request.Request(url + path.lstrip("-"), method=m)
print(len(json.loads(urllib.request.urlopen(r, context=ctx).read()).get("requests", [])))
PY
}
cpu() { awk '{ print $14 + $15 }' "/proc/$daemon/stat"; }
# Settle: the first poll and the retained state, then measure from a clean slate.
sleep $((poll + 2))
ctl -/_sim/requests >/dev/null
msgs0=$(wc -l <"$tmp/messages")
cpu0=$(cpu)
sleep "$window"
cpu1=$(cpu)
msgs1=$(wc -l <"$tmp/messages")
reqs=$(ctl /_sim/requests)
hz=$(getconf CLK_TCK)
polls=$((window / poll))
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$daemon/status")
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$daemon/status")
kill -TERM "$daemon"
wait "$daemon" || true

echo "pdbridge run, ${window} s at a ${poll} s poll interval (about $polls polls), PagerDuty unchanged:"
awk -v c=$((cpu1 - cpu0)) -v hz="$hz" -v w="$window" \
	'BEGIN { printf "  CPU time: %.2f s (%.2f%% of one core)\n", c / hz, 100 * c / hz / w }'
echo "  RSS: $rss KiB now, $hwm KiB peak"
awk -v r="$reqs" -v p="$polls" -v s="$poll" \
	'BEGIN { printf "  PagerDuty requests: %d (%.1f a poll, %.0f a minute; the limit is 960)\n", r, r / p, r / p * 60 / s }'
awk -v m=$((msgs1 - msgs0)) -v p="$polls" \
	'BEGIN { printf "  MQTT messages while nothing changed: %d (%.2f a poll; the goal is 0)\n", m, m / p }'
echo "  retained state at start: $msgs0 messages; rate line of the daemon:"
grep -m1 -i "request" "$tmp/daemon.log" | sed 's/^/    /' || true
