#!/usr/bin/env bash
# board.sh - figures for the board page (not pass/fail), against the bundled
# PagerDuty simulator on 127.0.0.1, no MQTT:
#   - the page's bytes (HTML, CSS and JS in one response; the budget is 24 KiB);
#   - time to first state in headless Chromium: from navigation to the level
#     word drawn from the first event (median of 5 loads);
#   - the daemon's resident memory with 0 viewers and with 4 viewers on /events
#     (the budget: at most 512 KiB more), each after S seconds at a 5 s poll.
# Usage: bench/board.sh [S]   (default 20; builds the host board if needed)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
settle=${1:-20}
dir=$("$top/scripts/build.sh" host 2>/dev/null | tail -1)
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

sh "$top/tests/pdsim/mkcerts.sh" "$tmp/certs" >/dev/null
python3 "$top/tests/pdsim/pdsim.py" --port 0 --port-file "$tmp/port" --epoch now --clock real \
	--tls-cert "$tmp/certs/server.pem" --tls-key "$tmp/certs/server.key" >/dev/null 2>&1 &
pids+=($!)
while [[ ! -s $tmp/port ]]; do sleep 0.1; done
echo 10000000a1b2c3d4 >"$tmp/serial"
PAGERDUTY_USER_API_KEY=pdsim-test-token PAGERDUTY_API_HOST="https://127.0.0.1:$(cat "$tmp/port")" \
	PDBRIDGE_CA_FILE=$tmp/certs/ca.pem PDBRIDGE_CONFIG=$tmp/config.bin \
	PDBRIDGE_DEVICE_ID_FILE=$tmp/serial PDBRIDGE_POLL_INTERVAL=5 \
	"$dir/pdbridge" run --board-listen http://127.0.0.1:0/ 2>"$tmp/daemon.log" &
daemon=$!
pids+=("$daemon")
for _ in $(seq 100); do grep -qs "board page at" "$tmp/daemon.log" && break; sleep 0.1; done
url=$(grep -o 'board page at http://[^ ]*' "$tmp/daemon.log" | cut -d' ' -f4)
rss() { awk '/VmRSS/ { print $2 }' "/proc/$daemon/status"; }

echo "board page: $url"
printf '  page bytes            %s (budget 24576)\n' "$(curl -s "$url" | wc -c)"
printf '  state.json bytes      %s\n' "$(curl -s "${url}state.json" | wc -c)"

PYTHONPATH="$top/tests/board" python3 - "$url" <<'PY'
import statistics, sys, time
from cdp import Browser
url = sys.argv[1]
b = Browser()
tab = b.tab(1920, 1080)
times = []
for _ in range(5):
    tab.navigate("about:blank")
    t0 = time.monotonic()
    tab.navigate(url)
    tab.wait("+document.getElementById('band').dataset.seq > 0", 15, "the first state")
    times.append((time.monotonic() - t0) * 1000)
b.close()
print("  first state in Chromium %.0f ms median (%s)" % (statistics.median(times),
      ", ".join("%.0f" % t for t in times)))
PY

sleep "$settle"
r0=$(rss)
for i in 1 2 3 4; do
	curl -s -N "${url}events" >"$tmp/viewer$i" &
	pids+=($!)
done
sleep "$settle"
r4=$(rss)
printf '  RSS, 0 viewers        %s KiB\n' "$r0"
printf '  RSS, 4 viewers        %s KiB (+%s KiB; budget +512)\n' "$r4" $((r4 - r0))
printf '  events each viewer got %s bytes in %s s\n' "$(wc -c <"$tmp/viewer1")" "$settle"
