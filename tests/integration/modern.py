"""A small MCP 2026-07-28 client for the tests (Python standard library only).

The TypeScript SDK does not speak the stateless revision yet, so the tests
carry their own: every request names the protocol version and the client's
capabilities in params._meta (no initialize), results carry resultType,
input_required answers are retried with inputResponses and requestState,
and subscriptions/listen streams notifications tagged with their
subscription id.

Two channels, both with a deadline on every read (no test hangs):
  Lines - stdio or TCP: one NDJSON channel shared by every request;
          answers are matched by id, notifications kept aside.
  Http  - Streamable HTTP: one POST per request with the standard headers
          (MCP-Protocol-Version, Mcp-Method, Mcp-Name); a JSON body or an
          SSE stream back; a listen is a POST whose stream stays open.
"""

import base64
import http.client
import json
import os
import select
import socket
import time

VERSION = "2026-07-28"
P = "io.modelcontextprotocol/"
TIMEOUT = 30
CAPS_ALL = {"elicitation": {}, "sampling": {}, "roots": {}}


def meta(caps=None, log=None, version=VERSION):
    m = {P + "protocolVersion": version, P + "clientCapabilities": caps or {},
         P + "clientInfo": {"name": "pdbridge-tests", "version": "1"}}
    if log:
        m[P + "logLevel"] = log
    return m


def request(i, method, params=None, caps=None, log=None, bare=False):
    """A request message; @bare: params exactly as given, without _meta."""
    p = dict(params or {})
    if not bare:
        p["_meta"] = dict(meta(caps, log), **p.get("_meta", {}))
    return {"jsonrpc": "2.0", "id": i, "method": method, "params": p}


def subscription_of(msg):
    return ((msg.get("params") or msg.get("result") or {}).get("_meta") or {}).get(
        P + "subscriptionId")


class Lines:
    """NDJSON over a pipe pair (stdio) or a socket (TCP)."""

    def __init__(self, rfd, write):
        self.rfd, self.write, self.buf = rfd, write, b""
        self.next_id, self.notes = 1, []

    @classmethod
    def tcp(cls, addr, token=None):
        sock = socket.create_connection(addr, timeout=TIMEOUT)
        c = cls(sock.fileno(), sock.sendall)
        c.sock = sock
        if token:
            c.send({"auth": token})
        return c

    def send(self, obj):
        self.write(obj if isinstance(obj, bytes) else
                   (json.dumps(obj, separators=(",", ":")) + "\n").encode())

    def read(self, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.rfd], [], [], left)[0]:
                raise TimeoutError("no message within %.1f s" % timeout)
            chunk = os.read(self.rfd, 65536)
            if not chunk:
                raise EOFError("the server closed the channel")
            self.buf += chunk
        ln, self.buf = self.buf.split(b"\n", 1)
        return json.loads(ln)

    def ask(self, msg, timeout=TIMEOUT):
        """Send a request and return its answer; everything else is kept in notes."""
        self.send(msg)
        while True:
            m = self.read(timeout)
            if m.get("id") == msg["id"] and "method" not in m:
                return m
            self.notes.append(m)

    def call(self, method, params=None, **kw):
        i = self.next_id
        self.next_id += 1
        return self.ask(request(i, method, params, **kw))

    def listen(self, notifications):
        """Open a subscriptions/listen; returns (its id, the acknowledgement)."""
        i = "listen-%d" % self.next_id
        self.next_id += 1
        self.send(request(i, "subscriptions/listen", {"notifications": notifications}))
        return i, self.note(i, "notifications/subscriptions/acknowledged")

    def note(self, sub, method, timeout=TIMEOUT):
        """The next kept or arriving notification @method of subscription @sub."""
        deadline = time.monotonic() + timeout
        while True:
            for n in self.notes:
                if n.get("method") == method and subscription_of(n) == sub:
                    self.notes.remove(n)
                    return n
            self.notes.append(self.read(max(0.01, deadline - time.monotonic())))

    def close(self):
        if hasattr(self, "sock"):
            self.sock.close()


class Http:
    """Streamable HTTP 2026-07-28: a new connection per request, as stateless as it gets."""

    def __init__(self, host, port, path, token=None):
        self.host, self.port, self.path, self.token = host, port, path, token
        self.next_id = 1

    def headers(self, method, params, extra=None):
        h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
             "MCP-Protocol-Version": VERSION, "Mcp-Method": method}
        name = (params or {}).get("uri" if method == "resources/read" else "name")
        if method in ("tools/call", "prompts/get", "resources/read") and isinstance(name, str):
            h["Mcp-Name"] = name if name.isascii() and name.isprintable() else \
                "=?base64?" + base64.b64encode(name.encode()).decode() + "?="
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        h.update(extra or {})
        return {k: v for k, v in h.items() if v is not None}

    def post(self, msg, extra=None, http_method="POST"):
        """One request; returns (status, response, [messages]) with the stream read to its end."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        body = msg if isinstance(msg, bytes) else json.dumps(msg).encode()
        method = msg.get("method", "") if isinstance(msg, dict) else ""
        params = msg.get("params") if isinstance(msg, dict) else None
        conn.request(http_method, self.path, body=body,
                     headers=self.headers(method, params, extra))
        r = conn.getresponse()
        msgs = messages(r)
        conn.close()
        return r.status, r, msgs

    def call(self, method, params=None, extra=None, **kw):
        i = self.next_id
        self.next_id += 1
        status, _, msgs = self.post(request(i, method, params, **kw), extra)
        answer = [m for m in msgs if m.get("id") == i and "method" not in m]
        return status, (answer[0] if answer else None), [m for m in msgs if "method" in m]

    def listen(self, notifications):
        """Open a listen; returns a Stream whose first message was the acknowledgement."""
        i = self.next_id
        self.next_id += 1
        return Stream(self, request(i, "subscriptions/listen", {"notifications": notifications}))


class Stream:
    """An open SSE response (a listen): notifications one at a time, with deadlines."""

    def __init__(self, client, msg):
        self.id = msg["id"]
        self.conn = http.client.HTTPConnection(client.host, client.port, timeout=TIMEOUT)
        self.conn.request("POST", client.path, body=json.dumps(msg).encode(),
                          headers=client.headers(msg["method"], msg["params"]))
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.ctype = self.resp.getheader("Content-Type") or ""
        self.ack = self.next(TIMEOUT) if self.ctype.startswith("text/event-stream") else None

    def next(self, timeout=TIMEOUT):
        self.conn.sock.settimeout(timeout)
        data = []
        while True:
            ln = self.resp.readline()
            if not ln:
                raise EOFError("the listen stream ended")
            ln = ln.decode().rstrip("\r\n")
            if ln.startswith("data:"):
                data.append(ln[5:].lstrip())
            elif ln == "" and data:
                return json.loads("\n".join(data))

    def note(self, method, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            m = self.next(max(0.01, deadline - time.monotonic()))
            if m.get("method") == method:
                return m

    def close(self):
        self.conn.close()


def messages(r):
    """The JSON-RPC messages of a response: the body, or every SSE event."""
    if (r.getheader("Content-Type") or "").startswith("text/event-stream"):
        out, data = [], []
        for ln in iter(r.readline, b""):
            ln = ln.decode().rstrip("\r\n")
            if ln.startswith("data:"):
                data.append(ln[5:].lstrip())
            elif ln == "" and data:
                out.append(json.loads("\n".join(data)))
                data = []
        return out
    body = r.read()
    return [json.loads(body)] if body else []
