"""The soak's storm: one thread an actor, each seeded, each doing one kind of harm.

- Faults: a new simulator fault rule every few seconds on the GETs the daemon
  and the MCP tools make: 429s, 5xx, connection resets, slow drips, latency.
- Incidents: triggered at random in the simulator, one or two at a time (a
  level that miscounts shows with few), held triggered 10-60 s,
  then acknowledged or resolved through the PagerDuty API (writes are never
  faulted, so the simulator's truth moves when the actor says it does).
- Mqtt: `cmd/ack` (the seq on display, an old one, or garbage), `cmd/refresh`,
  and now and then mosquitto stopped or killed (SIGKILL) and started again. One thing at a time,
  each waited for, so no request is lost with a broker that dies.
- McpClient (20 of them): connect over TCP or Streamable HTTP, initialize,
  call a tool; a third vanish with the call in flight.
- Board: the page, `state.json`, and `/events` streams left after one event.
- Hup: SIGHUP to the daemon every 5-10 s.
- Watcher (not storm: it runs the whole soak): the simulator's triggered
  incidents twice a second, read past every fault (`GET /_sim/incidents`).
Every actor counts what it did in the shared Tally; an actor's unexpected
exception is counted as "<actor> errors" and remembered, never silent.
"""

import collections
import http.client
import json
import os
import random
import signal
import threading
import time

from mcpfixture import INIT, HttpClient, TcpClient
from mqfixture import publish

HOLD_S = (10, 60)  # how long an incident of the storm stays triggered
CALLS = [("get_user_data", {}), ("list_incidents", {"statuses": ["triggered"], "limit": 5}),
         ("list_services", {"limit": 3}), ("list_oncalls", {"limit": 3}),
         ("list_teams", {}), ("list_escalation_policies", {"limit": 2})]
FAULT_PATHS = ["^/incidents", "^/oncalls", "^/users", "^/services", "^/(incidents|oncalls)$"]


class Tally:
    def __init__(self):
        self._lock = threading.Lock()
        self.counts = collections.Counter()
        self.notes = []

    def add(self, key, n=1):
        with self._lock:
            self.counts[key] += n

    def note(self, text):
        with self._lock:
            if len(self.notes) < 50:
                self.notes.append(text)


class Actor(threading.Thread):
    """step() until @stop is set; @ctx is the soak (addresses, fixtures, tally)."""

    def __init__(self, ctx, stop, seed, name=None):
        super().__init__(daemon=True, name=name or type(self).__name__)
        self.ctx, self.stop, self.rng = ctx, stop, random.Random(seed)

    def run(self):
        while not self.stop.is_set():
            try:
                self.step()
            except Exception as exc:  # counted and shown in the report, not hidden
                self.ctx.tally.add(self.name + " errors")
                self.ctx.tally.note("%s: %r" % (self.name, exc))
                self.pause(0.5, 1)

    def pause(self, lo, hi):
        self.stop.wait(self.rng.uniform(lo, hi))


class Faults(Actor):
    def step(self):
        sim = self.ctx.sim
        if len(sim.control("GET", "/_sim/faults")["faults"]) > 30:  # rules nobody hit
            sim.control("DELETE", "/_sim/faults")
        kind = self.rng.choice(["429", "5xx", "reset", "slow_drip", "latency"])
        spec = {"kind": kind, "path": self.rng.choice(FAULT_PATHS), "method": "GET",
                "count": self.rng.randint(1, 4)}
        if kind == "429":
            spec["ratelimit_reset"] = 1
        elif kind == "5xx":
            spec["status"] = self.rng.choice([500, 502, 503, 504])
        elif kind == "slow_drip":
            spec.update(chunk=512, delay_ms=30, count=1)
        elif kind == "latency":
            spec["ms"] = self.rng.randint(300, 3000)
        sim.control("POST", "/_sim/faults", spec)
        self.ctx.tally.add("fault " + kind)
        self.pause(1, 5)


class Incidents(Actor):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.live = {}  # id -> (when to move it on, its status)
        self.services = [s["id"] for s in self.ctx.sim.api("/services?limit=10")["services"]]

    def set_status(self, iid, status):
        for attempt in range(3):
            try:
                self.ctx.sim.write("PUT", "/incidents/" + iid,
                                   {"incident": {"type": "incident_reference", "status": status}})
                self.ctx.tally.add("incident " + status)
                return
            except OSError as exc:  # HTTPError included: e.g. acknowledging a resolved one
                last = exc
        self.ctx.tally.note("PUT %s %s: %r" % (iid, status, last))

    def step(self):
        now = time.monotonic()
        if len(self.live) < 2 and self.rng.random() < 0.3:
            inc = self.ctx.sim.control("POST", "/_sim/trigger", {
                "service_id": self.rng.choice(self.services), "title": "soak storm",
                "urgency": self.rng.choice(["high", "low"])})["incident"]
            self.live[inc["id"]] = (now + self.rng.uniform(*HOLD_S), "triggered")
            self.ctx.tally.add("incident triggered")
        for iid, (ripe, status) in list(self.live.items()):
            if now < ripe:
                continue
            if status == "triggered" and self.rng.random() < 0.5:
                self.set_status(iid, "acknowledged")
                self.live[iid] = (now + self.rng.uniform(5, 15), "acknowledged")
            else:
                self.set_status(iid, "resolved")
                del self.live[iid]
        self.pause(0.5, 2)


class Mqtt(Actor):
    RESTART_EVERY_S = 45

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.last_restart = time.monotonic() - self.RESTART_EVERY_S + 10  # one early: in the warm-up

    def result(self, topic, mark, timeout=30):
        return self.ctx.sub.wait_for(lambda m: m[0] == topic, timeout, since=mark)

    def shown_seq(self):
        for m in reversed(self.ctx.sub.messages()):
            if m[0] == self.ctx.base + "/state":
                return json.loads(m[1])["seq"]
        return None

    def command(self, name, payload, seq=None):
        mark = len(self.ctx.sub.messages())
        if name == "ack":
            self.ctx.acks_sent.append(seq)
        publish(self.ctx.broker, self.ctx.base + "/cmd/" + name, payload)
        self.ctx.tally.add("mqtt " + name)
        if not self.result(self.ctx.base + "/cmd/%s/result" % name, mark):
            self.ctx.tally.note("no cmd/%s/result within 30 s" % name)

    def restart(self):
        start = time.monotonic()
        mark = len(self.ctx.sub.messages())
        if self.rng.random() < 0.5:
            self.ctx.broker.kill()  # SIGKILL: no clean close, the daemon finds out on its own
            self.ctx.tally.add("mqtt broker killed")
        self.ctx.broker.restart(down_s=self.rng.uniform(0.5, 2))
        self.ctx.sub.wait_subscribed()
        online = self.ctx.sub.wait_for(
            lambda m: m[0] == self.ctx.base + "/status" and m[1] == "online", 60, since=mark)
        self.ctx.blind.append((start, time.monotonic() + 2))  # + the retained state again
        self.last_restart = time.monotonic()
        self.ctx.tally.add("mqtt broker restart")
        if not online:
            self.ctx.tally.note("the daemon was not back online within 60 s of a broker restart")

    def step(self):
        r = self.rng.random()
        seq = self.shown_seq()
        if r < 0.1 and seq:  # seldom: acknowledged, an incident leaves the truth's triggered
            self.command("ack", json.dumps({"seq": seq}), seq)
        elif r < 0.15 and seq:
            self.command("ack", str(max(1, seq - 1000)), max(1, seq - 1000))  # long gone
        elif r < 0.2:
            self.command("ack", "press", None)  # not a seq: refused, seq null
        elif r < 0.5:
            self.command("refresh", "")
        elif time.monotonic() - self.last_restart > self.RESTART_EVERY_S:
            self.restart()
        self.pause(2, 6)


class _HttpAddr:
    def __init__(self, host, port, path):
        self.http_addr = (host, port, path)


class McpClient(Actor):
    def call_msg(self):
        name, args = self.rng.choice(CALLS)
        return {"jsonrpc": "2.0", "id": self.rng.randint(1, 1 << 30), "method": "tools/call",
                "params": {"name": name, "arguments": args}}

    def judge(self, msg, want_id):
        if not msg or msg.get("id") != want_id:
            self.ctx.tally.add("mcp no reply")
            self.ctx.tally.note("MCP: no reply to call %s: %r" % (want_id, msg))
        elif "error" in msg:
            self.ctx.tally.add("mcp rpc error")
            self.ctx.tally.note("MCP: JSON-RPC error %r" % msg["error"])
        elif msg["result"].get("isError"):
            self.ctx.tally.add("mcp tool error")  # PagerDuty failed under a fault: reported
        else:
            self.ctx.tally.add("mcp call ok")

    def over_tcp(self, vanish):
        c = TcpClient(self.ctx.mcp_tcp, timeout=60)
        try:
            if "result" not in (c.call(INIT) or {}):
                self.ctx.tally.add("mcp no reply")
                return
            c.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
            msg = self.call_msg()
            c.send(msg)
            if not vanish:
                self.judge(c.recv(), msg["id"])
        finally:
            c.close()

    def over_http(self, vanish):
        c = HttpClient(_HttpAddr(*self.ctx.mcp_http), timeout=60)
        try:
            status, _, _ = c.initialize()
            if status != 200 or not c.sid:
                self.ctx.tally.add("mcp no reply")
                return
            msg = self.call_msg()
            if vanish:  # the request goes out, nobody reads the answer, no DELETE
                c.conn.request("POST", c.path, body=json.dumps(msg).encode(), headers=c.headers())
                return
            _, _, msgs = c.post(msg)
            self.judge(msgs[-1] if msgs else None, msg["id"])
            c.request("DELETE", headers=c.headers()).read()
        finally:
            c.close()

    def step(self):
        vanish = self.rng.random() < 1 / 3
        http_ = self.rng.random() < 0.5
        (self.over_http if http_ else self.over_tcp)(vanish)
        self.ctx.tally.add("mcp %s%s" % ("http" if http_ else "tcp", " vanished" if vanish else ""))
        self.pause(0.3, 2)


class Board(Actor):
    def step(self):
        host, port = self.ctx.board
        c = http.client.HTTPConnection(host, port, timeout=30)
        try:
            what = self.rng.choice(["/", "/state.json", "/events"])
            c.request("GET", what)
            r = c.getresponse()
            if r.status != 200:
                self.ctx.tally.note("board %s: HTTP %d" % (what, r.status))
                self.ctx.tally.add("board errors")
                return
            if what == "/events":  # one event, then the viewer goes away mid-stream
                while not r.readline().startswith(b"data:"):
                    pass
            elif what == "/state.json":
                json.loads(r.read())
            else:
                r.read()
            self.ctx.tally.add("board " + what)
        finally:
            c.close()
        self.pause(0.5, 2)


class Hup(Actor):
    def step(self):
        self.pause(5, 10)
        if not self.stop.is_set():
            os.kill(self.ctx.daemon.pid, signal.SIGHUP)
            self.ctx.tally.add("sighup")


class Watcher(Actor):
    def step(self):
        got = self.ctx.sim.control("GET", "/_sim/incidents?status=triggered")["incidents"]
        self.ctx.snapshots.append((time.monotonic(), {i["id"] for i in got}))
        self.stop.wait(0.5)


def storm(ctx, stop, seed, clients=20):
    """The storm's actors, started; set @stop, then join them."""
    actors = [Faults(ctx, stop, seed), Incidents(ctx, stop, seed + 1), Mqtt(ctx, stop, seed + 2),
              Board(ctx, stop, seed + 3), Hup(ctx, stop, seed + 4)]
    actors += [McpClient(ctx, stop, seed + 10 + k, name="McpClient%d" % k) for k in range(clients)]
    for a in actors:
        a.start()
    return actors

