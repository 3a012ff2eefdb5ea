"""The MCP transports (stdio, TCP, Streamable HTTP) against hostile clients.

Each test drives build/tests/mcp_fixture (the real ev/rpc/mcp/transport code
with the conformance fixtures) over 127.0.0.1 or a pipe, and checks what a
client would notice: the right JSON-RPC error or HTTP status for bad input,
no crash, the server still answering afterwards, bounded memory, timeouts
that drop slow or idle clients without hurting others, and a clean exit
with nothing left on the heap. Run with PDB_BUILD=build-san to do all of it
under ASan+UBSan, where a leak fails the exit status check.
"""

import http.client
import json
import os
import socket
import subprocess
import threading
import time
import unittest

from mcpfixture import (INIT, Fixture, HttpClient, TcpClient, line, sanitized, sse_messages,
                        wait_until)
from simfixture import build_dir

PING = {"jsonrpc": "2.0", "id": 99, "method": "ping"}
TOKEN = "mcp-test-token-5f1c"

HOSTILE = [
    # (bytes sent, expected error code)
    (b"{\n", -32700),
    (b"not json at all\n", -32700),
    (b"[1,2\n", -32700),
    (b'{"jsonrpc":"2.0","id":1,"method":"ping"} trailing\n', -32700),
    (b'{"jsonrpc":"2.0","id":1,\x00"method":"ping"}\n', -32700),
    (b'\xff\xfe{}\n', -32700),
    (b'"just a string"\n', -32600),
    (b"42\n", -32600),
    (b'{"jsonrpc":"1.0","id":1,"method":"ping"}\n', -32600),
    (b'{"jsonrpc":"2.0","id":true,"method":"ping"}\n', -32600),
    (b'{"jsonrpc":"2.0","id":1.5,"method":"ping"}\n', -32600),
    (b'{"jsonrpc":"2.0","id":{},"method":"ping"}\n', -32600),
    (b'{"jsonrpc":"2.0","id":null,"method":"ping"}\n', -32600),
    (b'{"jsonrpc":"2.0","id":5,"method":42}\n', -32600),
    (b'{"jsonrpc":"2.0","id":6,"method":"ping","params":"x"}\n', -32600),
    (b'[{"jsonrpc":"2.0","id":7,"method":"ping"}]\n', -32600),  # no batches in 2025-11-25
    (b'{"jsonrpc":"2.0","id":8,"method":"no/such/method"}\n', -32601),
    (b'{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"nope"}}\n', -32602),
    (b'{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":5}}\n', -32602),
    (b'{"jsonrpc":"2.0","id":11,"method":"tools/list","params":{"cursor":"bogus"}}\n', -32602),
    (b'{"jsonrpc":"2.0","id":12,"method":"resources/read","params":{"uri":"test://nope"}}\n',
     -32002),
    (b'{"jsonrpc":"2.0","id":13,"method":"prompts/get","params":{"name":"nope"}}\n', -32602),
    (b'{"jsonrpc":"2.0","id":14,"method":"logging/setLevel","params":{"level":"loud"}}\n',
     -32602),
]


def session_lines(*objs):
    return b"".join(line(o) for o in (INIT,) + objs)


class StdioTest(unittest.TestCase):
    def run_stdio(self, data, timeout=30):
        exe = os.path.join(build_dir(), "tests", "mcp_fixture")
        p = subprocess.run([exe], input=data, capture_output=True, timeout=timeout)
        self.assertEqual(p.returncode, 0, p.stderr.decode()[-3000:])
        self.assertIn(b"heap in use at exit: 0 bytes", p.stderr)
        msgs = []
        for ln in p.stdout.split(b"\n")[:-1]:
            msgs.append(json.loads(ln))  # stdout carries nothing but JSON-RPC lines
            self.assertEqual(msgs[-1]["jsonrpc"], "2.0")
        self.assertTrue(p.stdout.endswith(b"\n") or not p.stdout)
        return msgs

    def test_a_session_and_exit_on_eof(self):
        msgs = self.run_stdio(session_lines(
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
            {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
             "params": {"name": "test_simple_text", "arguments": {}}}))
        by_id = {m.get("id"): m for m in msgs}
        self.assertEqual(by_id[0]["result"]["protocolVersion"], "2025-11-25")
        self.assertEqual(len(by_id[1]["result"]["tools"]), 14 + 11)  # legacy + 2026-07-28 fixtures
        self.assertEqual(by_id[2]["result"]["content"][0]["text"],
                         "This is a simple text response for testing.")

    def test_in_flight_calls_finish_after_eof(self):
        msgs = self.run_stdio(session_lines(
            {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
             "params": {"name": "test_tool_with_progress", "arguments": {},
                        "_meta": {"progressToken": 7}}}))
        self.assertEqual([m["params"]["progress"] for m in msgs
                          if m.get("method") == "notifications/progress"], [0, 50, 100])
        self.assertIn("result", msgs[-1])

    def test_hostile_lines_each_get_their_error(self):
        data = line(INIT) + b"".join(h[0] for h in HOSTILE) + line(PING)
        msgs = self.run_stdio(data)
        errors = [m["error"]["code"] for m in msgs if "error" in m]
        self.assertEqual(errors, [h[1] for h in HOSTILE])
        self.assertEqual(msgs[-1], {"jsonrpc": "2.0", "id": 99, "result": {}})

    def test_an_over_long_line_is_refused_and_skipped(self):
        big = b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"' + b"a" * (2 << 20) + b'"}}\n'
        msgs = self.run_stdio(line(INIT) + big + line(PING))
        self.assertEqual(msgs[1]["error"]["code"], -32600)
        self.assertIsNone(msgs[1]["id"])
        self.assertEqual(msgs[2]["id"], 99)

    def test_eof_while_the_reader_lags_loses_nothing(self):
        exe = os.path.join(build_dir(), "tests", "mcp_fixture")
        p = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        n = 3000  # about 10 MiB of replies: the server stops reading while they wait
        data = line(INIT) + b"".join(line({"jsonrpc": "2.0", "id": i, "method": "tools/list"})
                                     for i in range(1, n + 1))
        data += b'{"jsonrpc":"2.0","id":"last","method":"ping"}'  # no newline, then EOF

        def feed():
            p.stdin.write(data)
            p.stdin.close()

        writer = threading.Thread(target=feed)
        writer.start()
        time.sleep(1)
        ids = [json.loads(ln)["id"] for ln in p.stdout]
        writer.join()
        self.assertEqual(p.wait(30), 0)
        self.assertEqual(ids, list(range(0, n + 1)) + ["last"])
        p.stdout.close()
        self.assertIn(b"heap in use at exit: 0 bytes", p.stderr.read())
        p.stderr.close()

    def test_a_message_split_at_every_byte_position(self):
        exe = os.path.join(build_dir(), "tests", "mcp_fixture")
        p = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        p.stdin.write(line(INIT))
        p.stdin.flush()
        json.loads(p.stdout.readline())
        msg = line({"jsonrpc": "2.0", "id": "split", "method": "ping"})
        for k in range(1, len(msg)):
            p.stdin.write(msg[:k])
            p.stdin.flush()
            time.sleep(0.002)
            p.stdin.write(msg[k:])
            p.stdin.flush()
            self.assertEqual(json.loads(p.stdout.readline())["id"], "split")
        p.stdin.close()
        self.assertEqual(p.wait(30), 0)
        p.stdout.close()
        self.assertIn(b"heap in use at exit: 0 bytes", p.stderr.read())
        p.stderr.close()


class TcpTest(unittest.TestCase):
    def setUp(self):
        self.fx = Fixture("--line-timeout-ms", "1500", "--idle-timeout-ms", "4000",
                          listen=("tcp://127.0.0.1:0",))

    def tearDown(self):
        self.fx.stop(self)

    def client(self):
        c = TcpClient(self.fx.tcp_addr)
        self.assertIn("result", c.call(INIT))
        return c

    def test_hostile_input_then_still_serving(self):
        c = self.client()
        for data, code in HOSTILE:
            c.send(data)
            self.assertEqual(c.recv()["error"]["code"], code, data)
        c.send(b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"p":"' + b"z" * (1100 << 10)
               + b'"}}\r\n')
        self.assertEqual(c.recv()["error"]["code"], -32600)
        self.assertEqual(c.call(PING)["result"], {})
        c.close()

    def test_a_message_split_at_every_byte_position(self):
        c = self.client()
        msg = line({"jsonrpc": "2.0", "id": "s", "method": "ping"}).replace(b"\n", b"\r\n")
        for k in range(1, len(msg)):
            c.send(msg[:k])
            time.sleep(0.002)
            c.send(msg[k:])
            self.assertEqual(c.recv()["id"], "s")
        c.close()

    def test_a_thousand_clients_come_and_go(self):
        rss0 = self.fx.rss()

        def one(i):
            c = TcpClient(self.fx.tcp_addr)
            c.send(line(INIT) + line({"jsonrpc": "2.0", "id": i, "method": "ping"}))
            ok = c.recv()["id"] == 0 and c.recv()["id"] == i
            c.close()
            return ok

        results = []
        for batch in range(20):
            ts = [threading.Thread(target=lambda i=i: results.append(one(i)))
                  for i in range(batch * 50, batch * 50 + 50)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
        self.assertEqual(results.count(True), 1000)
        c = self.client()
        self.assertEqual(c.call(PING)["result"], {})
        c.close()
        if not sanitized():
            self.assertLess(self.fx.rss() - rss0, 8 * 1024, "RSS grew by more than 8 MiB")

    def test_connections_past_the_limit_are_told_busy(self):
        held = [TcpClient(self.fx.tcp_addr) for _ in range(128)]
        for c in held:  # every one accepted and served before the extra one connects
            self.assertIn("result", c.call(INIT))
        extra = TcpClient(self.fx.tcp_addr)
        self.assertEqual(extra.recv()["error"]["code"], -32000)
        self.assertTrue(extra.closed_by_peer())
        extra.close()
        for c in held:
            c.close()
        self.assertTrue(wait_until(lambda: self._can_connect()))

    def _can_connect(self):
        try:
            c = TcpClient(self.fx.tcp_addr, timeout=2)
            ok = c.call(INIT) is not None
            c.close()
            return ok
        except OSError:
            return False

    def test_slow_loris_is_dropped_and_others_are_served(self):
        loris = TcpClient(self.fx.tcp_addr)
        t0 = time.monotonic()
        dropped = False
        good = self.client()
        for b in b'{"jsonrpc":"2.0","id":1,"method":"ping"':
            try:
                loris.send(bytes([b]))
            except OSError:
                dropped = True
                break
            self.assertEqual(good.call(PING)["result"], {})
            time.sleep(0.1)
            if time.monotonic() - t0 > 6:
                break
        self.assertTrue(dropped or loris.closed_by_peer(5), "slow client was not dropped")
        self.assertLess(time.monotonic() - t0, 8)
        self.assertEqual(good.call(PING)["result"], {})
        loris.close()
        good.close()

    def test_an_idle_client_is_dropped(self):
        c = TcpClient(self.fx.tcp_addr)
        t0 = time.monotonic()
        self.assertTrue(c.closed_by_peer(10))
        self.assertGreater(time.monotonic() - t0, 3)
        c.close()

    def test_a_client_that_does_not_read_is_bounded(self):
        c = self.client()
        n = 3000
        req = b"".join(line({"jsonrpc": "2.0", "id": i, "method": "tools/list"})
                       for i in range(n))
        sender = threading.Thread(target=lambda: c.sock.sendall(req))
        sender.start()
        time.sleep(1.5)  # the server pauses reading instead of buffering 3000 replies
        if not sanitized():
            self.assertLess(self.fx.rss(), 64 * 1024)
        got = 0
        while got < n:
            m = c.recv()
            self.assertEqual(m["id"], got)
            got += 1
        sender.join()
        c.close()

    def test_sampling_round_trip_and_batches_under_2025_03_26(self):
        c = TcpClient(self.fx.tcp_addr)
        init = json.loads(json.dumps(INIT))
        init["params"]["protocolVersion"] = "2025-03-26"
        init["params"]["capabilities"] = {"sampling": {}}
        self.assertEqual(c.call(init)["result"]["protocolVersion"], "2025-03-26")
        c.send([{"jsonrpc": "2.0", "id": 1, "method": "ping"},
                {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                 "params": {"name": "test_sampling", "arguments": {"prompt": "2+2?"}}}])
        self.assertEqual(c.recv(), [{"jsonrpc": "2.0", "id": 1, "result": {}}])
        req = c.recv()
        self.assertEqual(req["method"], "sampling/createMessage")
        self.assertEqual(req["params"]["messages"][0]["content"]["text"], "2+2?")
        c.send({"jsonrpc": "2.0", "id": req["id"],
                "result": {"role": "assistant", "model": "m",
                           "content": {"type": "text", "text": "4"}}})
        res = c.recv()
        self.assertEqual(res["id"], 2)
        self.assertEqual(res["result"]["content"][0]["text"], "LLM response: 4")
        c.close()


class TcpAuthTest(unittest.TestCase):
    def setUp(self):
        self.fx = Fixture("--auth-timeout-ms", "1500", listen=("tcp://127.0.0.1:0",),
                          token=TOKEN)

    def tearDown(self):
        rc, err = self.fx.stop(self)
        self.assertNotIn(TOKEN, err)

    def test_the_right_token_opens_the_session(self):
        c = TcpClient(self.fx.tcp_addr)
        c.send({"auth": TOKEN})
        self.assertIn("result", c.call(INIT))
        c.close()

    def test_a_wrong_token_gets_an_error_and_a_close(self):
        for first in ({"auth": TOKEN + "x"}, {"auth": ""}, INIT, b"garbage\n"):
            c = TcpClient(self.fx.tcp_addr)
            c.send(first)
            err = c.recv()
            self.assertEqual(err["error"]["code"], -32000)
            self.assertNotIn(TOKEN, json.dumps(err))
            self.assertTrue(c.closed_by_peer())
            c.close()

    def test_a_long_line_before_auth_is_cut_short(self):
        c = TcpClient(self.fx.tcp_addr)
        try:
            c.send(b"{" + b" " * 64 * 1024)
        except OSError:
            pass
        self.assertTrue(c.closed_by_peer())
        c.close()

    def test_no_auth_in_time_is_dropped(self):
        c = TcpClient(self.fx.tcp_addr)
        t0 = time.monotonic()
        self.assertTrue(c.closed_by_peer(10))
        self.assertGreater(time.monotonic() - t0, 1)
        c.close()


class NonLoopbackTest(unittest.TestCase):
    """Refused before any socket is bound: nothing here listens off loopback."""

    def test_a_non_loopback_listener_needs_a_token(self):
        for url in ("tcp://0.0.0.0:0", "http://0.0.0.0:0/mcp", "tcp://[::]:0"):
            fx = Fixture(listen=(url,), expect_start=False)
            rc = fx.proc.wait(30)
            out = fx.proc.stdout.read()
            _, err = fx.stop()
            self.assertNotEqual(rc, 0)
            self.assertEqual(out, b"")
            self.assertIn("auth token is required", err)


class HttpTest(unittest.TestCase):
    def setUp(self):
        self.fx = Fixture("--update-interval-ms", "200", "--line-timeout-ms", "2000",
                          listen=("http://127.0.0.1:0/mcp",))

    def tearDown(self):
        self.fx.stop(self)

    def session(self, **kw):
        c = HttpClient(self.fx)
        status, msgs, status2 = c.initialize(**kw)
        self.assertEqual(status, 200)
        self.assertEqual(status2, 202)
        self.assertTrue(c.sid and len(c.sid) == 32 and all(33 <= ord(ch) <= 126 for ch in c.sid))
        return c

    def test_session_lifecycle(self):
        c = self.session()
        status, r, msgs = c.post({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        self.assertEqual(status, 200)
        self.assertEqual(r.getheader("Content-Type"), "application/json")
        self.assertEqual(len(msgs[0]["result"]["tools"]), 14 + 11)  # legacy + 2026-07-28 fixtures
        r = c.request("DELETE", None, c.headers())
        r.read()
        self.assertEqual(r.status, 200)
        status, _, msgs = c.post({"jsonrpc": "2.0", "id": 2, "method": "ping"})
        self.assertEqual(status, 404)  # the session is gone: re-initialize
        r = c.request("DELETE", None, c.headers())
        r.read()
        self.assertEqual(r.status, 404)
        c.close()

    def test_tool_calls_stream_progress_and_logs(self):
        c = self.session()
        status, r, msgs = c.post({"jsonrpc": "2.0", "id": 5, "method": "logging/setLevel",
                                  "params": {"level": "debug"}})
        self.assertEqual(msgs[0]["result"], {})
        status, r, msgs = c.post({"jsonrpc": "2.0", "id": 6, "method": "tools/call",
                                  "params": {"name": "test_tool_with_progress", "arguments": {},
                                             "_meta": {"progressToken": "progress-test-1"}}})
        self.assertEqual(r.getheader("Content-Type"), "text/event-stream")
        self.assertEqual([m["params"]["progress"] for m in msgs[:3]], [0, 50, 100])
        self.assertEqual(msgs[3]["id"], 6)
        status, r, msgs = c.post({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                                  "params": {"name": "test_tool_with_logging", "arguments": {}}})
        self.assertEqual(len([m for m in msgs if m.get("method") == "notifications/message"]), 3)
        self.assertEqual(msgs[-1]["id"], 7)
        c.close()

    def test_sampling_over_sse_and_a_posted_response(self):
        c = self.session(caps={"sampling": {}})
        r = c.request("POST", {"jsonrpc": "2.0", "id": 8, "method": "tools/call",
                               "params": {"name": "test_sampling",
                                          "arguments": {"prompt": "hi"}}}, c.headers())
        self.assertEqual(r.getheader("Content-Type"), "text/event-stream")
        events = sse_messages(r)
        req = next(events)
        self.assertEqual(req["method"], "sampling/createMessage")
        other = HttpClient(self.fx)
        other.sid = c.sid
        status, _, _ = other.post({"jsonrpc": "2.0", "id": req["id"],
                                   "result": {"role": "assistant", "model": "m",
                                              "content": {"type": "text", "text": "yo"}}})
        self.assertEqual(status, 202)
        self.assertEqual(next(events)["result"]["content"][0]["text"], "LLM response: yo")
        other.close()
        c.close()

    def test_get_stream_carries_resource_updates(self):
        c = self.session()
        status, _, msgs = c.post({"jsonrpc": "2.0", "id": 1, "method": "resources/subscribe",
                                  "params": {"uri": "test://watched-resource"}})
        self.assertEqual(msgs[0]["result"], {})
        g = HttpClient(self.fx)
        g.sid = c.sid
        r = g.request("GET", None, g.headers({"Accept": "text/event-stream"}))
        self.assertEqual(r.status, 200)
        note = next(sse_messages(r))
        self.assertEqual(note["method"], "notifications/resources/updated")
        self.assertEqual(note["params"]["uri"], "test://watched-resource")
        # one GET stream per session
        h = HttpClient(self.fx)
        h.sid = c.sid
        r2 = h.request("GET", None, h.headers({"Accept": "text/event-stream"}))
        r2.read()
        self.assertEqual(r2.status, 409)
        h.close()
        g.close()
        c.close()

    def test_delete_ends_the_open_streams(self):
        c = self.session(caps={"sampling": {}})
        g = HttpClient(self.fx)
        g.sid = c.sid
        get = g.request("GET", None, g.headers({"Accept": "text/event-stream"}))
        self.assertEqual(get.status, 200)
        p = HttpClient(self.fx)
        p.sid = c.sid
        call = p.request("POST", {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                                  "params": {"name": "test_sampling",
                                             "arguments": {"prompt": "wait"}}}, p.headers())
        events = sse_messages(call)
        self.assertEqual(next(events)["method"], "sampling/createMessage")
        r = c.request("DELETE", None, c.headers())  # both streams are parked right now
        r.read()
        self.assertEqual(r.status, 200)
        self.assertEqual(list(events), [])  # the call's stream ends, with no result
        get.read()  # and so does the GET stream
        fresh = self.session()
        self.assertEqual(fresh.post(PING)[2][0]["result"], {})
        for x in (fresh, p, g, c):
            x.close()

    def test_status_codes_for_bad_requests(self):
        c = self.session()
        host, port, path = self.fx.http_addr
        ping = json.dumps(PING).encode()
        cases = [
            # (method, path, headers, body, status)
            ("POST", path, {"Mcp-Session-Id": c.sid, "Host": "evil.example.com",
                            "Origin": "http://evil.example.com"}, ping, 403),
            ("POST", path, {"Mcp-Session-Id": c.sid, "Host": "evil.example.com"}, ping, 403),
            ("POST", path, {"Mcp-Session-Id": c.sid, "Origin": "http://evil.example.com"}, ping,
             403),
            ("POST", path, {"Mcp-Session-Id": c.sid, "Origin": "null"}, ping, 403),
            ("POST", path, {"Mcp-Session-Id": c.sid, "Origin": "http://localhost:3000"}, ping,
             200),
            ("POST", path, {"Mcp-Session-Id": c.sid, "Host": "localhost:%d" % port}, ping, 200),
            ("POST", path, {}, ping, 400),
            ("POST", path, {"Mcp-Session-Id": "0" * 32}, ping, 404),
            ("POST", path, {"Mcp-Session-Id": "short"}, ping, 404),
            ("POST", path, {"Mcp-Session-Id": c.sid, "MCP-Protocol-Version": "1999-01-01"},
             ping, 400),
            ("POST", path, {"Mcp-Session-Id": c.sid, "MCP-Protocol-Version": "2025-03-26"},
             ping, 200),
            ("POST", "/elsewhere", {"Mcp-Session-Id": c.sid}, ping, 404),
            ("PUT", path, {"Mcp-Session-Id": c.sid}, ping, 405),
            ("POST", path, {"Mcp-Session-Id": c.sid, "Content-Type": "text/plain"}, ping, 415),
            ("POST", path, {"Mcp-Session-Id": c.sid, "Accept": "text/html"}, ping, 406),
            ("POST", path, {"Mcp-Session-Id": c.sid}, b"{not json", 400),
            ("POST", path, {"Mcp-Session-Id": c.sid},
             b'{"jsonrpc":"2.0","method":"notifications/x"}', 202),
            ("GET", path, {"Mcp-Session-Id": c.sid, "Accept": "application/json"}, None, 406),
            ("GET", path, {"Accept": "text/event-stream"}, None, 400),
            ("DELETE", path, {}, None, 400),
        ]
        for method, p, extra, body, want in cases:
            conn = http.client.HTTPConnection(host, port, timeout=10)
            h = {"Content-Type": "application/json",
                 "Accept": "application/json, text/event-stream"}
            h.update(extra)
            conn.request(method, p, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            self.assertEqual(r.status, want, "%s %s %s -> %d %s" % (method, p, extra, r.status,
                                                                     data))
            if want >= 400 and data:
                self.assertIsNone(json.loads(data)["id"])
            conn.close()
        # a body over the limit: refused from its Content-Length, unread
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.putrequest("POST", path)
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Accept", "application/json, text/event-stream")
        conn.putheader("Mcp-Session-Id", c.sid)
        conn.putheader("Content-Length", str(64 << 20))
        conn.endheaders()
        r = conn.getresponse()
        r.read()
        self.assertEqual(r.status, 413)
        conn.close()
        status, _, msgs = c.post(PING)
        self.assertEqual(msgs[0]["result"], {})
        c.close()

    def test_many_sessions_evict_the_oldest(self):
        clients = []
        for _ in range(70):  # more sessions than PDB_TR_HTTP_SESSIONS_MAX (64) ...
            clients.append(self.session())
            clients[-1].conn.close()  # ... but not more connections than MHD takes
        status, _, _ = clients[0].post(PING)
        self.assertEqual(status, 404)  # evicted for a new one: re-initialize
        status, _, msgs = clients[-1].post(PING)
        self.assertEqual(msgs[0]["result"], {})
        for c in clients:
            c.close()

    def test_clients_come_and_go(self):
        rss0 = self.fx.rss()
        for i in range(300):
            c = self.session()
            r = c.request("DELETE", None, c.headers())
            r.read()
            self.assertEqual(r.status, 200)
            c.close()
        c = self.session()
        self.assertEqual(c.post(PING)[2][0]["result"], {})
        c.close()
        if not sanitized():
            self.assertLess(self.fx.rss() - rss0, 8 * 1024)

    def test_slow_headers_are_dropped_and_others_are_served(self):
        host, port, path = self.fx.http_addr
        s = socket.create_connection((host, port), timeout=10)
        s.sendall(b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        t0 = time.monotonic()
        c = self.session()
        closed = False
        while time.monotonic() - t0 < 8:
            self.assertEqual(c.post(PING)[2][0]["result"], {})
            s.settimeout(0.5)
            try:
                if s.recv(1024) == b"":
                    closed = True
                    break
            except socket.timeout:
                pass
        self.assertTrue(closed, "a stalled request was never dropped")
        s.close()
        c.close()


class HttpAuthTest(unittest.TestCase):
    def setUp(self):
        self.fx = Fixture(listen=("http://127.0.0.1:0/mcp",), token=TOKEN)

    def tearDown(self):
        rc, err = self.fx.stop(self)
        self.assertNotIn(TOKEN, err)

    def test_bearer_token(self):
        host, port, path = self.fx.http_addr
        for auth in (None, "Bearer wrong", "Basic " + TOKEN, "Bearer " + TOKEN + "x"):
            conn = http.client.HTTPConnection(host, port, timeout=10)
            h = {"Content-Type": "application/json",
                 "Accept": "application/json, text/event-stream"}
            if auth:
                h["Authorization"] = auth
            conn.request("POST", path, body=json.dumps(INIT), headers=h)
            r = conn.getresponse()
            body = r.read()
            self.assertEqual(r.status, 401)
            self.assertIn("Bearer", r.getheader("WWW-Authenticate"))
            self.assertEqual(json.loads(body)["error"]["code"], -32000)
            self.assertNotIn(TOKEN.encode(), body)
            conn.close()
        c = HttpClient(self.fx, token=TOKEN)
        status, msgs, _ = c.initialize()
        self.assertEqual(status, 200)
        self.assertEqual(c.post(PING)[2][0]["result"], {})
        c.close()


if __name__ == "__main__":
    unittest.main()
