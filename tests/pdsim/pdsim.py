#!/usr/bin/env python3
"""pdsim: a local PagerDuty REST API v2 simulator for tests (Python 3 stdlib only).

This file owns the command line and the process lifecycle: parse options,
build the seeded data set, bind a loopback address (port 0 picks a free
port), optionally wrap connections in TLS, write the chosen port to
--port-file once listening, serve until SIGTERM/SIGINT, then shut down
cleanly (exit status 0). Everything else lives in the sibling modules:
data.py (seeded data), store.py (state machine), schedule.py and
schedule_v3.py (on-call and shift maths), render.py (JSON shapes), api_*.py
+ routes.py (endpoints; ENDPOINTS.md lists them), faults.py (fault
injection), control.py (/_sim/ API), server.py (HTTP).

Example:
  python3 tests/pdsim/pdsim.py --port 0 --port-file "$TMP/pd.port" \\
      --tls-cert certs/server.pem --tls-key certs/server.key --seed 1 \\
      --clock 2026-11-27T10:00:00Z
"""

import argparse
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import control  # noqa: E402
import server as server_mod  # noqa: E402
from util import fmt_time, parse_time  # noqa: E402

DEFAULT_EPOCH = "2026-11-27T10:00:00Z"


def parse_args(argv):
    p = argparse.ArgumentParser(prog="pdsim.py", description="Local PagerDuty REST API simulator for tests.")
    p.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1; ::1 works)")
    p.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one (default 0)")
    p.add_argument("--port-file", help="write the chosen port here once listening")
    p.add_argument("--tls-cert", help="PEM certificate (chain) to serve HTTPS")
    p.add_argument("--tls-key", help="PEM private key for --tls-cert")
    p.add_argument("--seed", type=int, default=1, help="data set seed (default 1)")
    p.add_argument("--epoch", default=DEFAULT_EPOCH,
                   help="anchor of the seeded data (ISO-8601, or 'now'); default %s" % DEFAULT_EPOCH)
    p.add_argument("--clock", default=None,
                   help="'running' (default: starts at the epoch and advances), 'real' (wall clock), "
                        "or an ISO-8601 instant to pin")
    p.add_argument("--log", help="append the request log here as JSON lines (contains Authorization headers)")
    p.add_argument("--token", default="pdsim-test-token", help="the valid user-level API key")
    p.add_argument("--account-token", help="optional account-level key (no user: /users/me answers 400)")
    p.add_argument("--readonly-token", help="optional read-only key (writes answer 403)")
    p.add_argument("--incidents", type=int, default=180,
                   help="seeded incidents (default 180; up to 15000 for paging benchmarks)")
    p.add_argument("--open", type=int, dest="open_count",
                   help="exactly N open incidents (the newest; triggered and acknowledged in turn), "
                        "the rest resolved; about 1.25 N seeded incidents are needed")
    p.add_argument("--rate-limit", type=int, help="enforce N requests per 60 s per key (default: report only)")
    args = p.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        p.error("--tls-cert and --tls-key go together")
    if args.open_count is not None and not 0 <= args.open_count <= args.incidents:
        p.error("--open must be between 0 and --incidents")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.epoch == "now":
        epoch = int(time.time()) // 60 * 60
    else:
        epoch = parse_time(args.epoch)
    if args.clock in (None, "running"):
        clock = control.Clock(epoch, "running")
    elif args.clock == "real":
        clock = control.Clock(None, "real")
    else:
        clock = control.Clock(parse_time(args.clock), "fixed")
    tls_ctx = server_mod.tls_context(args.tls_cert, args.tls_key) if args.tls_cert else None
    try:
        sim = server_mod.Sim(args.seed, epoch, args.token, clock, args.log, tls_ctx is not None,
                             args.account_token, args.readonly_token, args.rate_limit,
                             args.incidents, args.open_count)
    except ValueError as exc:
        print("pdsim: %s" % exc, file=sys.stderr)
        return 2
    try:
        srv = server_mod.Server(args.host, args.port, sim, tls_ctx)
    except (ValueError, OSError) as exc:
        print("pdsim: cannot listen on %s:%d: %s" % (args.host, args.port, exc), file=sys.stderr)
        return 2
    port = srv.server_address[1]

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    print("pdsim listening on %s://%s:%d (seed %d, epoch %s, clock %s)" % (
        "https" if tls_ctx else "http", args.host, port, args.seed, fmt_time(epoch), clock.mode),
        file=sys.stderr, flush=True)
    while not stop.wait(0.2):
        pass
    srv.shutdown()
    srv.server_close()
    sim.close()
    print("pdsim stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
