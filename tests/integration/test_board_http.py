"""The board page's HTTP side against `pdbridge run`, without a browser and without MQTT.

What a viewer, or someone who should not be one, would notice: the page, the state
(the MQTT state topic's object) and the event stream served with no broker at all;
the access token asked for once (401 without it, a cookie and a redirect with it),
never echoed in a page, the state or the log; a foreign Host or Origin refused; a
listener off loopback refused without a token (before anything is bound); over-long
URLs, other methods and unknown paths answered with their status while the daemon
goes on; one event stream past the bound answered 503; viewers that never read do
not make the daemon grow (tests/unit/test_pages.c counts it exactly), and do not hold
up the others. 127.0.0.1 only.
Run with PDB_BUILD=build-san to do all of it under ASan+UBSan.
"""

import http.client
import os
import re
import socket
import subprocess
import tempfile
import time
import unittest

from mcpfixture import sanitized
from simfixture import TOKEN, Sim, build_dir
from test_daemon import Daemon

POLL_S = 5
BOARD_TOKEN = "board-token-3f9a1c77e2"
STREAMS_MAX = 8  # PDB_TR_PAGE_STREAMS_MAX


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


class Stream:
    """A raw GET /events; reads with a deadline, or never (a slow viewer)."""

    def __init__(self, port, headers="", rcvbuf=None):
        self.s = socket.socket()
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.settimeout(10)
        self.s.connect(("127.0.0.1", port))
        self.s.sendall(("GET /events HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s\r\n"
                        % (port, headers)).encode())
        self.buf = b""

    def read_until(self, marker, timeout=15):
        deadline = time.monotonic() + timeout
        while marker not in self.buf:
            self.s.settimeout(max(deadline - time.monotonic(), 0.01))
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            self.buf += chunk
        return marker in self.buf

    def close(self):
        self.s.close()


class BoardHttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = Sim()

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="pdb-board-")
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            rc, out, err = d.stop()
            self.assertEqual(rc, 0, err[-3000:])
            self.assertEqual(out, b"")
            for secret in (TOKEN, BOARD_TOKEN):
                self.assertNotIn(secret, err, "a secret reached the log")
        self.tmp.cleanup()

    def env(self, **extra):
        ident = os.path.join(self.tmp.name, "serial")
        with open(ident, "w") as f:
            f.write("10000000a1b2c3d4\n")
        base = dict(PDBRIDGE_CONFIG=os.path.join(self.tmp.name, "config.bin"),
                    PDBRIDGE_DEVICE_ID_FILE=ident, PDBRIDGE_POLL_INTERVAL=str(POLL_S),
                    PDBRIDGE_LOG_LEVEL="debug")
        base.update(extra)
        return self.sim.env(**base)

    def start(self, listen="http://127.0.0.1:0/", **extra):
        d = Daemon(self.env(**extra), ("--board-listen", listen))
        self.daemons.append(d)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            m = re.search(r"board page at http://127\.0\.0\.1:(\d+)/", d.stderr())
            if m:
                self.port = int(m.group(1))
                return d
            self.assertIsNone(d.proc.poll(), d.stderr()[-2000:])
            time.sleep(0.05)
        self.fail("no board page: " + d.stderr()[-2000:])

    def get(self, path, headers=None, method="GET"):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            c.request(method, path, headers=headers or {})
            r = c.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            c.close()

    def wait_state(self, headers=None):
        deadline = time.monotonic() + 3 * POLL_S
        while time.monotonic() < deadline:
            status, h, body = self.get("/state.json", headers)
            if status == 200 and b'"level":"unknown"' not in body:
                return status, h, body
            time.sleep(0.2)
        self.fail("no good state: %s %s" % (status, body[:200]))

    # --- the tests ------------------------------------------------------------------

    def test_the_page_needs_no_broker(self):
        d = self.start()
        status, h, body = self.wait_state()
        self.assertEqual(h["Content-Type"], "application/json")
        self.assertRegex(body.decode(), r'^\{"seq":\d+,"ts":"[^"]+","stale":false,"level":"')
        status, h, page = self.get("/")
        self.assertEqual(status, 200)
        self.assertEqual(h["Content-Type"], "text/html; charset=utf-8")
        self.assertLessEqual(len(page), 24 * 1024)
        self.assertNotRegex(page.decode(), r"(src|href)=\"?(https?:)?//", "the page loads nothing")
        self.assertIn("default-src 'none'", h["Content-Security-Policy"])
        s = Stream(self.port)
        self.assertTrue(s.read_until(b"event: state\ndata: {\"now\":"), s.buf[:300])
        self.assertTrue(s.read_until(b"event: poll\n", POLL_S + 5), s.buf[-300:])
        s.close()
        self.assertIn("mqtt.url is unset", d.stderr())

    def test_the_token_once_then_a_cookie(self):
        d = self.start(PDBRIDGE_BOARD_TOKEN=BOARD_TOKEN)
        for path in ("/", "/state.json", "/events", "/?token=wrong-token-0000000",
                     "/nothing-here"):
            status, h, body = self.get(path)
            self.assertEqual(status, 401, path)
            self.assertNotIn(BOARD_TOKEN.encode(), body)
            self.assertIn(b"?token=", body)  # says how to get in
        status, h, body = self.get("/state.json?token=" + BOARD_TOKEN)
        self.assertEqual(status, 303)
        self.assertEqual(h["Location"], "/state.json")
        cookie = h["Set-Cookie"]
        for attr in ("HttpOnly", "SameSite=Strict", "Path=/"):
            self.assertIn(attr, cookie)
        jar = {"Cookie": cookie.split(";")[0]}
        status, h, body = self.wait_state(jar)
        self.assertNotIn(BOARD_TOKEN.encode(), body)
        status, h, page = self.get("/", jar)
        self.assertEqual(status, 200)
        self.assertNotIn(BOARD_TOKEN.encode(), page)
        self.assertEqual(self.get("/", {"Cookie": "pdbridge_%d=%s" % (self.port, "x" * 22)})[0],
                         401)
        # DNS rebinding: the cookie does not help a foreign name.
        for bad in ({"Host": "evil.example"}, {"Origin": "http://evil.example"}):
            self.assertEqual(self.get("/", dict(jar, **bad))[0], 403, bad)
        s = Stream(self.port, "Cookie: %s\r\n" % jar["Cookie"])
        self.assertTrue(s.read_until(b"event: state\n"), s.buf[:300])
        self.assertNotIn(BOARD_TOKEN.encode(), s.buf)
        s.close()
        self.assertIn("a browser brought the access token", d.stderr())

    def test_off_loopback_needs_a_token(self):
        p = subprocess.run([os.path.join(build_dir(), "pdbridge"), "run", "--board-listen",
                            "http://0.0.0.0:0/"], env=self.env(), capture_output=True,
                           text=True, timeout=30)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(p.stdout, "")
        self.assertIn("board.listen: 0.0.0.0 is not a loopback address: an access token is "
                      "required", p.stderr)

    def test_bad_requests_get_their_status_and_the_daemon_goes_on(self):
        self.start()
        self.wait_state()
        self.assertEqual(self.get("/x" * 40000)[0], 414)
        self.assertEqual(self.get("/", {"X-Big": "y" * 40000})[0], 431)
        self.assertEqual(self.get("/", method="POST")[0], 405)
        self.assertEqual(self.get("/", method="HEAD")[0], 405)
        self.assertEqual(self.get("/../etc/passwd")[0], 404)
        self.assertEqual(self.get("/", {"Host": "127.0.0.1.evil.example"})[0], 403)
        self.assertEqual(self.get("/")[0], 200)

    def test_viewers_past_the_bound_get_503(self):
        self.start()
        self.wait_state()
        streams = [Stream(self.port) for _ in range(STREAMS_MAX)]
        for s in streams:
            self.assertTrue(s.read_until(b"event: state\n"), s.buf[:200])
        status, h, body = self.get("/events")
        self.assertEqual(status, 503)
        self.assertIn("Retry-After", h)
        self.assertEqual(self.get("/")[0], 200)  # pages still load
        self.assertEqual(self.get("/state.json")[0], 200)
        streams.pop().close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            s = Stream(self.port)
            if s.read_until(b"event: state\n", 2):
                break
            s.close()
        self.assertIn(b"event: state\n", s.buf)
        for s in streams + [s]:
            s.close()

    def test_viewers_that_never_read_cost_a_bounded_amount(self):
        d = self.start()
        self.wait_state()
        reader = Stream(self.port)
        self.assertTrue(reader.read_until(b"event: state\n"))

        def polls(n):  # each an event to every viewer; the reader gets every one
            for i in range(n):
                reader.buf = b""
                self.assertTrue(reader.read_until(b"event: poll\n", POLL_S + 5), i)

        polls(3)  # the daemon's own memory settles (TLS, the workers' first polls)
        before = rss_kib(d.proc.pid)
        slow = [Stream(self.port, rcvbuf=2048) for _ in range(STREAMS_MAX - 1)]
        polls(3)
        grown = rss_kib(d.proc.pid) - before
        if not sanitized():  # ASan's own allocator and quarantine say nothing of ours
            self.assertLess(grown, 512, "RSS grew by %d KiB with %d viewers not reading"
                            % (grown, len(slow)))
        for s in slow + [reader]:
            s.close()


if __name__ == "__main__":
    unittest.main()
