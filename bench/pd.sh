#!/usr/bin/env bash
# pd.sh - figures for the PagerDuty client, against the bundled simulator
# over HTTPS on 127.0.0.1 (not pass/fail):
#   - per-call cost of N kept-alive GETs through pdbridge's client, next to
#     the curl command-line tool fetching the same URL N times on one
#     connection, and one cold call of each (process start + TLS handshake);
#   - peak RSS and heap while paging through 10,000 incidents.
# Usage: bench/pd.sh [N]   (default 200; builds the host board if needed)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-200}
dir=$("$top/scripts/build.sh" host 2>/dev/null | tail -1)
probe="$dir/tests/pd_probe"
tmp=$(mktemp -d)
trap 'kill "$sim" 2>/dev/null; wait "$sim" 2>/dev/null; rm -rf "$tmp"' EXIT
sh "$top/tests/pdsim/mkcerts.sh" "$tmp/certs" >/dev/null
python3 "$top/tests/pdsim/pdsim.py" --port 0 --port-file "$tmp/port" --incidents 10000 \
	--clock 2026-11-27T10:00:00Z --tls-cert "$tmp/certs/server.pem" \
	--tls-key "$tmp/certs/server.key" >/dev/null 2>&1 &
sim=$!
for _ in $(seq 300); do [[ -s $tmp/port ]] && break; sleep 0.1; done
[[ -s $tmp/port ]] || { echo "the simulator did not start" >&2; exit 1; }
url="https://127.0.0.1:$(cat "$tmp/port")"
export PAGERDUTY_USER_API_KEY=pdsim-test-token PAGERDUTY_API_HOST=$url \
	PDBRIDGE_CA_FILE=$tmp/certs/ca.pem
hdr=(-H "Authorization: Token token=$PAGERDUTY_USER_API_KEY"
	-H "Accept: application/vnd.pagerduty+json;version=2" -H "Content-Type: application/json")

ms() { date +%s%N | cut -c1-13; }
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.readline())['$1'])"; }

t0=$(ms); "$probe" get /priorities >/dev/null; t1=$(ms)
curl -s --cacert "$tmp/certs/ca.pem" "${hdr[@]}" "$url/priorities" >/dev/null; t2=$(ms)
echo "cold single call (process start, TLS handshake, GET /priorities):"
echo "  pdbridge client: $((t1 - t0)) ms   curl CLI: $((t2 - t1)) ms"

t0=$(ms); "$probe" --repeat "$n" get /priorities >/dev/null; t1=$(ms)
urls=(); for ((i = 0; i < n; i++)); do urls+=("$url/priorities"); done
curl -s --cacert "$tmp/certs/ca.pem" "${hdr[@]}" "${urls[@]}" >/dev/null; t2=$(ms)
echo "$n kept-alive GET /priorities on one connection:"
awk -v a=$((t1 - t0)) -v b=$((t2 - t1)) -v n="$n" \
	'BEGIN { printf "  pdbridge client: %.2f ms/call   curl CLI: %.2f ms/call\n", a/n, b/n }'

out=$(/usr/bin/time -f "%M" -o "$tmp/rss" "$probe" walk incidents /incidents date_range=all)
echo "paging through every incident (10,000, pages of 100, one page in memory):"
echo "  records: $(field records <<<"$out")   requests: $(field requests <<<"$out")" \
	"  peak heap through mem: $(field mem_peak <<<"$out") bytes   peak RSS: $(cat "$tmp/rss") KiB"
