#!/usr/bin/env bash
# mcp.sh - figures for the MCP server (not pass/fail), against mcp_fixture on
# 127.0.0.1 and over a pipe:
#   - ping and tools/list round trips per second over stdio, TCP and
#     Streamable HTTP (one client, sequential requests);
#   - the server's RSS with 100 idle, initialized TCP clients.
# The client is bench/mcp_load.py (Python stdlib), so the rates are a floor
# set largely by the client. Usage: bench/mcp.sh [N] [IDLE]   (default 2000 100)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-2000}
idle=${2:-100}
dir=$("$top/scripts/build.sh" host 2>/dev/null | tail -1)
python3 "$top/bench/mcp_load.py" "$dir/tests/mcp_fixture" "$n" "$idle"
