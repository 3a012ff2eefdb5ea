#!/usr/bin/env python3
"""soak.py - a day of faults compressed: `pdbridge run` under a storm, judged.

The daemon runs at poll.interval=5 with everything on (MQTT to a real
mosquitto, MCP on TCP and HTTP, the board page, write mode) against the
bundled simulator, on 127.0.0.1 only. The storm (storm.py) runs for a
warm-up, then the first measurement, then the run proper, then the second
measurement, then SIGTERM. A measurement is taken at rest, the same rest both
times: the storm stopped, the simulator's faults cleared and its data reset
to the seed, the HTTP session table filled with fresh sessions and emptied
(evicting those of clients that vanished), every PagerDuty client of the tools
made to hold a live connection, a wait of two polls and an SSE
keep-alive (viewers that left are noticed), then SIGUSR1: the daemon trims
and logs its heap, and its RSS and fd count are read.

Checks (checks.py; each printed with its figures, exit 1 if any fails):
RSS growth <= 64 KiB (not under sanitizers: their allocator is not ours),
heap in use back to the baseline (+16 KiB), fds equal, every cmd/ack answered
exactly once, every state's level agreeing with its own counts, never
level=ok (nor acked) on the display while the simulator held an incident
triggered for longer than a poll's worth of lag (30 s, 60 under sanitizers), nothing after
offline, exit 0 on SIGTERM, every SIGHUP a reload, no MCP call unanswered or
answered with a protocol error, every board request served, no actor
failing, no sanitizer report, never the API key in the log or on MQTT.

RSS is measured with glibc's allocator pinned to one arena and no per-thread
cache (GLIBC_TUNABLES), so freed memory is where malloc_trim can give it
back; the daemon as shipped keeps glibc's defaults.

Usage: PDB_BUILD=build python3 tests/soak/soak.py [--duration S] [--warmup S] [--seed N]
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)

import checks  # noqa: E402
import storm  # noqa: E402
from mcpfixture import INIT, HttpClient, TcpClient, rss_kb, sanitized  # noqa: E402
from mqfixture import Broker, Subscriber  # noqa: E402
from simfixture import TOKEN, Sim, build_dir, limit  # noqa: E402

POLL_S = 5
STALE_AFTER = 2
# Longest a display may lag PagerDuty: two polls, the failed ones before stale, retries, and
# the poll's wait behind the MCP calls in the shared worker pool; sanitizers slow all of it.
LAG_S = 60 if sanitized() else 30
RSS_SLACK_KB = 64
# The rest is not byte-identical: buffers keep the size of the last message they carried, and
# clean runs ended between -6.4 and +2.8 KiB of their baseline. A leak of 16 bytes a tool
# call already goes past it within the 90 s run (about 1,500 calls).
HEAP_SLACK = 16 * 1024
NODE = "soak"
BASE = "pdbridge/" + NODE
REST_S = 2 * POLL_S + 17  # two polls, and an SSE keep-alive (15 s) to find viewers gone


class Soak:
    def __init__(self, seed):
        self.seed = seed
        self.t0 = time.monotonic()
        self.tmp = tempfile.TemporaryDirectory(prefix="pdb-soak-")
        self.tally = storm.Tally()
        self.acks_sent, self.blind, self.snapshots, self.samples = [], [], [], []
        self.base = BASE
        self.sim = Sim(args=("--open", "0"))  # the level is what the storm makes it
        self.broker = Broker()
        self.sub = Subscriber(self.broker, BASE + "/#")
        self.daemon = None
        self.log_path = os.path.join(self.tmp.name, "daemon.log")

    # --- the daemon ------------------------------------------------------------

    def start_daemon(self):
        ident = os.path.join(self.tmp.name, "serial")
        with open(ident, "w") as f:
            f.write("10000000a1b2c3d4\n")
        env = self.sim.env(
            PDBRIDGE_CONFIG=os.path.join(self.tmp.name, "config.bin"),
            PDBRIDGE_DEVICE_ID_FILE=ident, PDBRIDGE_MQTT_URL=self.broker.url,
            PDBRIDGE_MQTT_NODE_ID=NODE, PDBRIDGE_POLL_INTERVAL=str(POLL_S),
            PDBRIDGE_POLL_STALE_AFTER=str(STALE_AFTER),
            PDBRIDGE_MCP_LISTEN="tcp://127.0.0.1:0,http://127.0.0.1:0/mcp",
            PDBRIDGE_BOARD_LISTEN="http://127.0.0.1:0/", PDBRIDGE_WRITE_TOOLS="true",
            PDBRIDGE_FROM_EMAIL=self.sim.api("/users/me")["user"]["email"])
        if not sanitized():
            env["GLIBC_TUNABLES"] = "glibc.malloc.arena_max=1:glibc.malloc.tcache_count=0"
        self.logf = open(self.log_path, "w")
        self.daemon = subprocess.Popen([os.path.join(build_dir(), "pdbridge"), "run"],
                                       stdin=subprocess.DEVNULL, stdout=self.logf,
                                       stderr=subprocess.STDOUT, env=env)
        want = {"tcp": r"listening on tcp://([\d.]+):(\d+)",
                "http": r"listening on http://([\d.]+):(\d+)(/\S*)",
                "board": r"board page at http://([\d.]+):(\d+)/"}
        deadline = time.monotonic() + 30
        while True:
            found = {k: re.search(rx, self.log()) for k, rx in want.items()}
            if all(found.values()):
                break
            if self.daemon.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the daemon did not start:\n" + self.log()[-3000:])
            time.sleep(0.1)
        t, h, b = found["tcp"], found["http"], found["board"]
        self.mcp_tcp = (t.group(1), int(t.group(2)))
        self.mcp_http = (h.group(1), int(h.group(2)), h.group(3))
        self.board = (b.group(1), int(b.group(2)))
        good = self.sub.wait_for(lambda m: m[0] == BASE + "/state/level" and m[1] != "unknown", 60)
        if not good:
            raise RuntimeError("no good poll within 60 s:\n" + self.log()[-3000:])

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.daemon.pid))

    # --- phases ----------------------------------------------------------------

    def sampler(self, stop):
        while not stop.wait(1):
            try:
                self.samples.append((self.fds(), rss_kb(self.daemon.pid)))
            except (OSError, RuntimeError):
                return

    def run_storm(self, seconds):
        stop = threading.Event()
        actors = storm.storm(self, stop, self.seed)
        stop.wait(seconds)
        stop.set()
        for a in actors:
            a.join(90)
            if a.is_alive():
                self.tally.note("%s did not stop within 90 s" % a.name)

    def empty_http_sessions(self):
        """Fill the session table with fresh sessions, evicting every idle one, then delete them."""
        addr = storm._HttpAddr(*self.mcp_http)
        clients = []
        for _ in range(limit("PDB_TR_HTTP_SESSIONS_MAX")):
            c = HttpClient(addr)
            c.initialize()
            clients.append(c)
        for c in clients:
            c.request("DELETE", headers=c.headers()).read()
            c.close()

    def use_every_client(self):
        """Twice as many slow tool calls at once as there are workers, so each of the tools'
        PagerDuty clients ends with a live connection: one a reset fault closed would
        otherwise stay closed (and its TLS state freed) until its client's next call, and the
        rest would differ by a connection or three."""
        n = 2 * limit("PDB_EV_WORKERS")
        self.sim.control("POST", "/_sim/faults", {"kind": "latency", "path": "^/teams",
                                                  "method": "GET", "ms": 1000, "count": n})

        def call():
            c = TcpClient(self.mcp_tcp, timeout=60)
            c.call(INIT)
            c.call({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                    "params": {"name": "list_teams", "arguments": {}}})
            c.close()

        callers = [threading.Thread(target=call) for _ in range(n)]
        for th in callers:
            th.start()
        for th in callers:
            th.join(60)
        self.sim.control("DELETE", "/_sim/faults")

    def measure(self):
        """The daemon at rest: heap in use and its peak, RSS and its anonymous part, fds."""
        self.sim.control("DELETE", "/_sim/faults")
        self.sim.control("POST", "/_sim/reset")
        self.empty_http_sessions()
        self.use_every_client()
        time.sleep(REST_S)
        n = len(checks.heap_lines(self.log()))
        self.daemon.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while len(checks.heap_lines(self.log())) == n and time.monotonic() < deadline:
            time.sleep(0.05)
        lines = checks.heap_lines(self.log())
        if len(lines) == n:
            raise RuntimeError("no heap line after SIGUSR1:\n" + self.log()[-2000:])
        with open("/proc/%d/status" % self.daemon.pid) as f:
            anon = int(re.search(r"RssAnon:\s+(\d+)", f.read()).group(1))
        return {"heap": lines[-1][0], "peak": lines[-1][1], "rss": rss_kb(self.daemon.pid),
                "anon": anon, "fds": self.fds()}

    def stop_daemon(self):
        self.daemon.send_signal(signal.SIGTERM)
        try:
            rc = self.daemon.wait(60)
        except subprocess.TimeoutExpired:
            self.daemon.kill()
            rc = "killed after 60 s"
        self.logf.close()
        self.sub.wait_for(lambda m: m[0] == BASE + "/status" and m[1] == "offline", 10)
        time.sleep(1)  # anything that would come after offline
        return rc

    def close(self):
        if self.daemon and self.daemon.poll() is None:
            self.daemon.kill()
            self.daemon.wait()
        self.sub.stop()
        self.broker.stop()
        self.sim.stop()
        self.tmp.cleanup()


def judge(s, base, end, rc, log):
    msgs = s.sub.timed_messages()
    t = s.tally.counts
    levels = [(m[0] - s.t0, m[2]) for m in msgs if m[1] == BASE + "/state/level"]
    truth = checks.Truth([(t - s.t0, ids) for t, ids in s.snapshots])
    blind = [(a - s.t0, b - s.t0) for a, b in s.blind]  # all times from the soak's start
    results = [m[2] for m in msgs if m[1] == BASE + "/cmd/ack/result"]
    states = [m[2] for m in msgs if m[1] == BASE + "/state"]
    reloads = log.count("settings reloaded")
    lags = checks.calm_lags(levels, truth, blind) + [(0, 0.0, [])]
    max_fds = max((f for f, _ in s.samples), default=0)
    max_rss = max((r for _, r in s.samples), default=0)
    rows = [
        ("RSS at rest %d -> %d KiB (%+d; anonymous %d -> %d; %d at most in the storm)"
         % (base["rss"], end["rss"], end["rss"] - base["rss"], base["anon"], end["anon"],
            max_rss),
         None if sanitized() else
         checks.bounded_growth("RSS", base["rss"], end["rss"], RSS_SLACK_KB, "KiB")),
        ("heap in use at rest %d -> %d bytes (%+d; peak %d)"
         % (base["heap"], end["heap"], end["heap"] - base["heap"], end["peak"]),
         checks.bounded_growth("heap in use", base["heap"], end["heap"], HEAP_SLACK, "bytes")),
        ("fds at rest %d -> %d (%d at most in the storm)" % (base["fds"], end["fds"], max_fds),
         checks.equal("fds", base["fds"], end["fds"])),
        ("cmd/ack: %d sent, %d results" % (len(s.acks_sent), len(results)),
         checks.acks_answered_once(s.acks_sent, results)),
        ("level never ok or acked while PagerDuty held an incident triggered > %d s (%d levels, %d "
         "snapshots, %d blind spans; longest lag seen %.1f s)"
         % (LAG_S, len(levels), len(s.snapshots), len(s.blind), max(l for _, l, _ in lags)),
         checks.calm_violations(lags, LAG_S)),
        ("every state's level agrees with its counts and list (%d states)" % len(states),
         checks.state_level_violations(states)),
        ("nothing after offline (%d messages)" % len(msgs),
         checks.nothing_after_offline(msgs, BASE + "/status", BASE)),
        ("exit status on SIGTERM: %s" % rc, [] if rc == 0 else ["exit status %s" % rc]),
        ("SIGHUP: %d sent, %d reloads" % (t["sighup"], reloads),
         checks.equal("reloads", t["sighup"], reloads) + (
             ["a reload failed"] if "reload failed" in log else [])),
        ("MCP: %d calls ok, %d tool errors (PagerDuty faulted), %d vanished mid-call"
         % (t["mcp call ok"], t["mcp tool error"],
            t["mcp tcp vanished"] + t["mcp http vanished"]),
         ["%d calls without a reply" % t["mcp no reply"]] * bool(t["mcp no reply"]) +
         ["%d JSON-RPC errors" % t["mcp rpc error"]] * bool(t["mcp rpc error"]) +
         ["no call succeeded"] * (not t["mcp call ok"])),
        ("board: %d pages, %d state.json, %d event streams left mid-stream"
         % (t["board /"], t["board /state.json"], t["board /events"]),
         ["%d board requests failed" % t["board errors"]] * bool(t["board errors"])),
        ("actors: %s" % ", ".join("%s %d" % kv for kv in sorted(t.items())
                                   if kv[0].startswith(("fault", "incident", "mqtt"))),
         ["%s: %d" % kv for kv in sorted(t.items()) if kv[0].endswith(" errors")
          and not kv[0].startswith("board")] + s.tally.notes[:10]),
        ("no sanitizer report in the log",
         [ln for ln in log.splitlines() if "runtime error" in ln or "Sanitizer" in ln][:5]),
        ("the API key on no MQTT message and not in the log",
         ["the key is in the log"] * (TOKEN in log) +
         ["the key was published"] * any(TOKEN in m[1] or TOKEN in m[2] for m in msgs)),
    ]
    failed = 0
    for text, bad in rows:
        verdict = "----" if bad is None else ("PASS" if not bad else "FAIL")
        failed += verdict == "FAIL"
        print("%s  %s" % (verdict, text))
        for b in (bad or [])[:8]:
            print("        " + b)
    print("soak: %d checks, %d failed" % (len(rows), failed))
    return failed == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=int, default=600, help="storm seconds after the baseline")
    ap.add_argument("--warmup", type=int, default=None, help="storm seconds before it (D/5, >= 30)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dump", help="write what was recorded (MQTT, snapshots) to this JSON file")
    a = ap.parse_args()
    warmup = a.warmup if a.warmup is not None else max(30, a.duration // 5)
    s = Soak(a.seed)
    t0 = s.t0
    stop_bg = threading.Event()
    try:
        s.start_daemon()
        bg = [threading.Thread(target=s.sampler, args=(stop_bg,), daemon=True),
              storm.Watcher(s, stop_bg, a.seed)]
        for th in bg:
            th.start()
        print("soak: %s, warm-up %d s, storm %d s, seed %d" % (build_dir(), warmup, a.duration,
                                                               a.seed), flush=True)
        s.run_storm(warmup)
        base = s.measure()
        print("soak: baseline at +%d s: %s" % (time.monotonic() - t0, base), flush=True)
        s.run_storm(a.duration)
        end = s.measure()
        print("soak: end at +%d s: %s" % (time.monotonic() - t0, end), flush=True)
        stop_bg.set()
        for th in bg:
            th.join(30)
        rc = s.stop_daemon()
        log = s.log()
        if a.dump:
            with open(a.dump, "w") as f:
                json.dump({"t0": t0, "mqtt": s.sub.timed_messages(), "blind": s.blind,
                           "snapshots": [(t, sorted(ids)) for t, ids in s.snapshots]}, f)
        ok = judge(s, base, end, rc, log)
        if not ok:
            print("--- the daemon's log, last lines ---\n" + log[-4000:])
        print("soak: %d s in all" % (time.monotonic() - t0))
        return 0 if ok else 1
    finally:
        stop_bg.set()
        s.close()


if __name__ == "__main__":
    sys.exit(main())
