"""The MCP fixture server (tests/mcp/mcp_fixture.c) as a test fixture, and small clients.

Starts build/tests/mcp_fixture (PDB_BUILD picks the build directory, so the
same tests run under ASan+UBSan) on 127.0.0.1 with port 0, reads the bound
URLs from its stdout, and stops it with SIGTERM. stop() requires a clean exit:
status 0 (under ASan a leak makes it non-zero) and "heap in use at exit: 0
bytes". Everything talks to loopback only.
"""

import http.client
import json
import os
import re
import select
import signal
import socket
import subprocess
import tempfile
import time

from simfixture import build_dir

INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "pytest", "version": "0"}}}


def line(obj):
    return (json.dumps(obj, separators=(",", ":")) + "\n").encode()


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith("VmRSS:"):
                return int(ln.split()[1])
    raise RuntimeError("no VmRSS")


def sanitized():
    return "san" in os.path.basename(build_dir())


class Fixture:
    """One mcp_fixture process. `urls` maps "tcp"/"http" to the bound URL."""

    def __init__(self, *args, listen=("tcp://127.0.0.1:0", "http://127.0.0.1:0/mcp"),
                 token=None, expect_start=True):
        self.bin = os.path.join(build_dir(), "tests", "mcp_fixture")
        self.tmp = tempfile.TemporaryDirectory(prefix="mcpfx-")
        argv = [self.bin]
        for url in listen:
            argv += ["--listen", url]
        if token is not None:
            path = os.path.join(self.tmp.name, "token")
            with open(path, "w") as f:
                f.write(token + "\n")
            os.chmod(path, 0o600)
            argv += ["--auth-token-file", path]
        argv += list(args)
        self.stderr_path = os.path.join(self.tmp.name, "stderr")
        self.err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self.err)
        self.urls = {}
        if not expect_start:
            return
        for _ in listen:
            ln = self.proc.stdout.readline().decode()
            m = re.match(r"listening ((tcp|http)://\S+)\n$", ln)
            if not m:
                self.proc.kill()
                raise RuntimeError("fixture did not start: %r %s" % (ln, self.stderr()))
            self.urls[m.group(2)] = m.group(1)

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode(errors="replace")

    @property
    def tcp_addr(self):
        host, port = self.urls["tcp"][len("tcp://"):].rsplit(":", 1)
        return host, int(port)

    @property
    def http_addr(self):
        rest = self.urls["http"][len("http://"):]
        hostport, path = rest.split("/", 1)
        host, port = hostport.rsplit(":", 1)
        return host, int(port), "/" + path

    def rss(self):
        return rss_kb(self.proc.pid)

    def stop(self, testcase=None):
        """SIGTERM, then require exit 0, nothing more on stdout and an empty heap."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        extra = self.proc.stdout.read()
        self.proc.stdout.close()
        self.err.close()
        err = self.stderr()
        self.tmp.cleanup()
        if testcase is not None:
            testcase.assertEqual(rc, 0, "fixture exit status %d:\n%s" % (rc, err[-4000:]))
            testcase.assertEqual(extra, b"", "stdout carried more than the listening lines")
            testcase.assertIn("heap in use at exit: 0 bytes", err)
        return rc, err


class TcpClient:
    """NDJSON over TCP: send objects or raw bytes, read one JSON line at a time."""

    def __init__(self, addr, timeout=10):
        self.sock = socket.create_connection(addr, timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rfile = self.sock.makefile("rb")

    def send(self, obj):
        self.sock.sendall(line(obj) if not isinstance(obj, bytes) else obj)

    def recv(self):
        ln = self.rfile.readline()
        if not ln:
            return None
        return json.loads(ln)

    def call(self, obj):
        self.send(obj)
        return self.recv()

    def closed_by_peer(self, within=10):
        """True when the server closes the connection within @within seconds."""
        self.sock.settimeout(within)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
        except (socket.timeout, TimeoutError):
            return False
        except ConnectionResetError:
            return True

    def close(self):
        self.rfile.close()
        self.sock.close()


class HttpClient:
    """Streamable HTTP: one http.client connection, session id kept."""

    def __init__(self, fx, token=None, timeout=15):
        host, port, self.path = fx.http_addr
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)
        self.sid = None
        self.token = token

    def headers(self, extra=None, session=True):
        h = {"Content-Type": "application/json",
             "Accept": "application/json, text/event-stream"}
        if self.sid and session:
            h["Mcp-Session-Id"] = self.sid
            h["MCP-Protocol-Version"] = "2025-11-25"
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        h.update(extra or {})
        return h

    def request(self, method, body=None, headers=None, path=None):
        """One request; a kept-alive connection the server has closed is reopened once."""
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        for attempt in (0, 1):
            try:
                self.conn.request(method, path or self.path, body=data, headers=headers or {})
                return self.conn.getresponse()
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                self.conn.close()
                if attempt:
                    raise
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=15)

    def post(self, obj, extra=None, session=True):
        """POST; returns (status, headers, [messages]) with SSE events decoded."""
        r = self.request("POST", obj, self.headers(extra, session))
        return r.status, r, read_messages(r)

    def initialize(self, version="2025-11-25", caps=None):
        init = json.loads(json.dumps(INIT))
        init["params"]["protocolVersion"] = version
        init["params"]["capabilities"] = caps or {}
        status, r, msgs = self.post(init, session=False)
        self.sid = r.getheader("Mcp-Session-Id")
        status2, _, _ = self.post({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return status, msgs, status2

    def close(self):
        self.conn.close()


def read_messages(r):
    """The JSON-RPC messages of a response: the body, or every SSE data line."""
    ctype = r.getheader("Content-Type") or ""
    if ctype.startswith("text/event-stream"):
        return list(sse_messages(r))
    body = r.read()
    return [json.loads(body)] if body else []


def sse_messages(r):
    data = []
    while True:
        ln = r.readline()
        if not ln:
            return
        ln = ln.decode().rstrip("\r\n")
        if ln.startswith("data:"):
            data.append(ln[5:].lstrip())
        elif ln == "" and data:
            yield json.loads("\n".join(data))
            data = []


def wait_until(pred, timeout=10, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


class StdioClient:
    """An MCP server on stdio started from @argv: one request and its answer at a time, each
    within a deadline; close() returns its stderr."""

    def __init__(self, argv, env, deadline_s=60):
        self.deadline_s = deadline_s
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.err, env=env)
        self.buf = b""

    def send(self, msg):
        try:
            self.proc.stdin.write((json.dumps(msg) + "\n").encode())
            self.proc.stdin.flush()
        except BrokenPipeError:  # what a client sees when the server is gone
            raise AssertionError("the server exited: %s" % self.stderr()[-2000:]) from None

    def request(self, msg):
        self.send(msg)
        deadline = time.monotonic() + self.deadline_s
        while time.monotonic() < deadline:
            while b"\n" in self.buf:
                ln, self.buf = self.buf.split(b"\n", 1)
                if ln.strip():
                    got = json.loads(ln)
                    if got.get("id") == msg["id"]:
                        return got
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                self.buf += chunk
        raise AssertionError("no answer to %s within %ss: %s" % (msg["method"], self.deadline_s,
                                                                   self.stderr()[-2000:]))

    def stderr(self):
        self.err.seek(0)
        return self.err.read().decode(errors="replace")

    def close(self):
        try:
            self.proc.stdin.close()
        except BrokenPipeError:  # it exited with our last line unread
            pass
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        text = self.stderr()
        self.err.close()
        return text
