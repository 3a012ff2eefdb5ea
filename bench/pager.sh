#!/usr/bin/env bash
# pager.sh - PagerDuty requests a status read costs (not pass/fail), against the
# bundled simulator over HTTPS on 127.0.0.1 with 10, 1,000 and 10,000 open
# incidents, and against the simulator answering like an OpenAPI contract mock
# (every page: one item, "more": true, no total):
#   - requests of one `pdbridge status --json`;
#   - requests of one poll of `pdbridge run` (a cmd/refresh once the first poll
#     is done; the first poll makes one more, for /users/me), through a local
#     mosquitto.
# Usage: bench/pager.sh [BUILD_DIR]   (default: builds the host board)
# Give BUILD_DIR the build of another revision to compare (the simulator is
# this tree's). A client that pages the mock until PagerDuty's offset
# ceiling is cut off after 60 s and shown as such.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$("$top/scripts/build.sh" host 2>/dev/null | tail -1)}
bin="$dir/pdbridge"
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
sh "$top/tests/pdsim/mkcerts.sh" "$tmp/certs" >/dev/null
mqport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n%s\n' "$mqport" \
	"$([[ $(id -u) == 0 ]] && echo "user root")" >"$tmp/mosquitto.conf"
/usr/sbin/mosquitto -c "$tmp/mosquitto.conf" >"$tmp/mosquitto.log" 2>&1 &
pids+=($!)
node=bench
cut=60

# ctl METHOD PATH [JSON]: the simulator's control API; prints the API request count for stats
ctl() {
	curl -sf --cacert "$tmp/certs/ca.pem" -X "$1" -H "Content-Type: application/json" \
		${3:+-d "$3"} "$url$2" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("requests", ""))'
}

# start_sim OPEN [FAULT]: a fresh simulator with OPEN open incidents
start_sim() {
	local seeded=$(($1 * 5 / 4 + 180))
	rm -f "$tmp/port"
	python3 "$top/tests/pdsim/pdsim.py" --port 0 --port-file "$tmp/port" --incidents "$seeded" \
		--open "$1" --clock 2026-11-27T10:00:00Z --tls-cert "$tmp/certs/server.pem" \
		--tls-key "$tmp/certs/server.key" >/dev/null 2>&1 &
	sim=$!
	while [[ ! -s $tmp/port ]]; do sleep 0.1; done
	url="https://127.0.0.1:$(cat "$tmp/port")"
	[[ -z ${2:-} ]] || ctl POST /_sim/faults "$2" >/dev/null
}

stop_sim() { kill "$sim"; wait "$sim" 2>/dev/null || true; }

envs() {
	echo PAGERDUTY_USER_API_KEY=pdsim-test-token PAGERDUTY_API_HOST="$url" \
		PDBRIDGE_CA_FILE="$tmp/certs/ca.pem" PDBRIDGE_CONFIG="$tmp/config.bin" \
		PDBRIDGE_DEVICE_ID_FILE="$tmp/serial" PDBRIDGE_MQTT_URL="mqtt://127.0.0.1:$mqport" \
		PDBRIDGE_MQTT_NODE_ID="$node" PDBRIDGE_POLL_INTERVAL=3600
}

# status: requests of one `pdbridge status --json`, and its wall time
status() {
	local t0 t1 rc=0
	ctl DELETE /_sim/stats >/dev/null
	t0=$(date +%s%N)
	env $(envs) timeout "$cut" "$bin" status --json >/dev/null 2>&1 || rc=$?
	t1=$(date +%s%N)
	printf '%s in %.1f s%s' "$(ctl GET /_sim/stats)" "$(((t1 - t0) / 1000000))e-3" \
		"$([[ $rc == 124 ]] && echo ", cut off")"
}

# The last request of a poll asks whether the key's user is on call (user_ids[]).
polled() {
	curl -sf --cacert "$tmp/certs/ca.pem" "$url/_sim/requests?limit=20" |
		python3 -c 'import json,sys; sys.exit(not any("user_ids[]" in r["query"] for r in json.load(sys.stdin)["requests"]))'
}

# poll NAME: requests of one poll of `pdbridge run` as node NAME (a cmd/refresh after the first)
poll() {
	local d n i
	node=bench-$1
	ctl DELETE /_sim/stats >/dev/null
	env $(envs) "$bin" run 2>"$tmp/daemon.log" &
	d=$!
	i=$((SECONDS + cut))
	until polled || ((SECONDS >= i)); do sleep 0.2; done
	if ! polled; then
		kill "$d"
		wait "$d" 2>/dev/null || true
		echo "no first poll within $cut s ($(ctl GET /_sim/stats) requests so far)"
		return
	fi
	ctl DELETE /_sim/stats >/dev/null
	timeout 60 mosquitto_sub -h 127.0.0.1 -p "$mqport" -t "pdbridge/$node/cmd/refresh/result" \
		-C 1 >/dev/null &
	n=$!
	sleep 0.3
	mosquitto_pub -h 127.0.0.1 -p "$mqport" -t "pdbridge/$node/cmd/refresh" -n
	wait "$n" || true
	ctl GET /_sim/stats
	kill "$d"
	wait "$d" 2>/dev/null || true
}

echo 10000000a1b2c3d4 >"$tmp/serial"
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$mqport") 2>/dev/null && break; sleep 0.1; done
mock='{"kind":"contract_page","path":"^/(incidents|oncalls)$","count":-1}'
echo "PagerDuty requests of $bin ($(git -C "$top" rev-parse --short HEAD) simulator):"
printf '  %-48s %-26s %s\n' "open incidents" "pdbridge status" "one poll of pdbridge run"
for open in 10 1000 10000; do
	start_sim "$open"
	printf '  %-48s %-26s %s\n' "$open" "$(status)" "$(poll "$open")"
	stop_sim
done
start_sim 10 "$mock"
printf '  %-48s %-26s %s\n' "10, every list answered like the contract mock" "$(status)" "$(poll mock)"
stop_sim
