#!/usr/bin/env bash
# soak.sh - a day of faults compressed: `pdbridge run` at a 5 s poll with MQTT,
# MCP (TCP and HTTP) and the board page on, against the bundled simulator and
# a local mosquitto on 127.0.0.1, driven through a storm for S seconds: 429s,
# 5xx, resets, slow drips and latency from PagerDuty; incidents triggered,
# acknowledged and resolved at random; mosquitto killed and restarted; 20 MCP
# clients connecting, calling and vanishing mid-call; board viewers; SIGHUP
# reloads. Unlike the other benchmarks it also passes or fails: RSS and heap
# back at rest, fds constant, every cmd/ack answered once, never level=ok
# while PagerDuty holds a triggered incident, nothing after offline, exit 0
# (tests/soak/soak.py has the list and the figures it prints).
# Usage: bench/soak.sh [--sanitize] [S]   (default 600 s; the test command runs
# 90 s, and 60 s under ASan+UBSan with --sanitize; builds the host board)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
san=()
if [[ ${1:-} == --sanitize ]]; then
	san=(--sanitize)
	shift
fi
seconds=${1:-600}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! dir=$("$top/scripts/build.sh" "${san[@]}" host 2>"$log" | tail -1); then
	tail -30 "$log" >&2
	exit 1
fi
python3 "$top/tests/pyrun.py" discover -s "$top/tests/soak" # the checks fail on planted faults
PDB_BUILD=$(basename "$dir") python3 "$top/tests/soak/soak.py" --duration "$seconds"
