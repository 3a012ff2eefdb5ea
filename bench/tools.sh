#!/usr/bin/env bash
# tools.sh - figures for the PagerDuty tool catalog (not pass/fail):
#   - the size of the whole tools/list answer in characters (the JSON of
#     every tool: name, title, description, inputSchema, outputSchema,
#     annotations), without and with --enable-write-tools, and of the
#     inputSchemas alone. PagerDuty's official server lists about 150,000
#     characters of schemas for its read tools alone;
#   - the latency of list_incidents over stdio against the simulator
#     (one `pdbridge mcp` process, sequential calls, 127.0.0.1 only).
# Usage: bench/tools.sh [N]   (N list_incidents calls, default 50)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-50}
dir=$("$top/scripts/build.sh" host 2>/dev/null | tail -1)
PDB_BUILD=$(basename "$dir") PYTHONPATH="$top/tests/integration" python3 - "$n" <<'PY'
import json, statistics, sys, time
from simfixture import Sim
from toolfixture import Stdio

n = int(sys.argv[1])
sim = Sim()
try:
    for args, label in (([], "read-only"), (["--enable-write-tools"], "with write tools")):
        p = Stdio(sim.env(), args=args)
        tools = p.tools()
        p.close()
        whole = len(json.dumps({"tools": tools}, separators=(",", ":")))
        schemas = sum(len(json.dumps(t["inputSchema"], separators=(",", ":"))) for t in tools)
        print("tools/list %-17s %3d tools  %6d characters  (inputSchemas %6d)"
              % (label, len(tools), whole, schemas))
    p = Stdio(sim.env())
    p.call("list_incidents", {"limit": 25})  # connection and TLS handshake once
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = p.call("list_incidents", {"limit": 25})
        times.append((time.perf_counter() - t0) * 1000)
        assert not r.get("isError"), r
    p.close()
    times.sort()
    print("list_incidents (25 records) over stdio, %d calls: median %.1f ms, p90 %.1f ms, "
          "max %.1f ms" % (n, statistics.median(times), times[int(0.9 * (n - 1))], times[-1]))
finally:
    sim.stop()
PY
