"""`pdbridge mcp` over stdio kept running, and the checks of one catalog case.

Stdio is driven the way MCP clients drive it: one JSON-RPC line in, lines
out until the answer with the same id (notifications are kept aside).
A case is declarative: a tool, its arguments, the exact REST requests the
simulator must see (method, path, query, body, From) and the shape of the
result. IDs in a case are written as {NAME} and filled from the simulator's
seeded data before the case runs.
"""

import json
import os
import select
import subprocess
import tempfile
import time

from mcpfixture import INIT, line
from simfixture import build_dir

READ_TIMEOUT = 60


class Stdio:
    """One `pdbridge mcp` process; request() sends and waits for the answer."""

    def __init__(self, env, args=(), initialize=True):
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([os.path.join(build_dir(), "pdbridge"), "mcp", *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.err, env=env)
        self.next_id = 1
        self.buf = b""
        self.notes = []
        if initialize:  # a 2026-07-28 client sends none
            self.init = self.request("initialize", INIT["params"])
            self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def send(self, msg):
        self.proc.stdin.write(line(msg))
        self.proc.stdin.flush()

    def read(self, timeout=READ_TIMEOUT):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                raise TimeoutError("no message from pdbridge mcp")
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                raise EOFError("pdbridge mcp closed stdout")
            self.buf += chunk
        ln, self.buf = self.buf.split(b"\n", 1)
        return json.loads(ln)

    def request(self, method, params=None):
        i = self.next_id
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": i, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        while True:
            m = self.read()
            if m.get("id") == i:
                return m
            self.notes.append(m)

    def wait_note(self, method, timeout=READ_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            for n in self.notes:
                if n.get("method") == method:
                    self.notes.remove(n)
                    return n
            self.notes.append(self.read(max(0.01, deadline - time.monotonic())))

    def call(self, name, args=None):
        r = self.request("tools/call", {"name": name, "arguments": args or {}})
        if "error" in r:
            raise AssertionError("tools/call %s: protocol error %s" % (name, r["error"]))
        return r["result"]

    def tools(self):
        tools, cursor = [], None
        while True:
            r = self.request("tools/list", {"cursor": cursor} if cursor else {})["result"]
            tools += r["tools"]
            cursor = r.get("nextCursor")
            if not cursor:
                return tools

    def close(self):
        """Close stdin and wait; returns (exit status, stderr text)."""
        self.proc.stdin.close()
        try:
            rc = self.proc.wait(30)
        finally:
            self.proc.stdout.close()
        self.err.seek(0)
        err = self.err.read().decode(errors="replace")
        self.err.close()
        return rc, err


def fill(value, ids):
    """Replace {NAME} placeholders in strings (also nested) with ids[NAME]."""
    if isinstance(value, str):
        for k, v in ids.items():
            if isinstance(v, str):
                value = value.replace("{%s}" % k, v)
        return value
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {fill(k, ids): fill(v, ids) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(fill(v, ids) for v in value)
    return value


def query_of(req):
    """The simulator's parsed query with single values unwrapped."""
    return {k: (v[0] if len(v) == 1 and not k.endswith("[]") else v)
            for k, v in req["query"].items()}


def structured(result):
    """structuredContent, checked against the text block the way the official server writes it."""
    sc = result.get("structuredContent")
    assert sc is not None, "no structuredContent: %s" % json.dumps(result)[:500]
    return sc
