"""MCP 2026-07-28 requests against hostile clients, over stdio, TCP and Streamable HTTP.

The fixture server (tests/mcp/mcp_fixture, the real transport and MCP code)
gets what a broken or malicious 2026-07-28 client sends: missing or
malformed _meta, versions it does not serve, headers that disagree with the
body, request states that are oversize, garbage, tampered with, replayed or
moved to another request, input answers of the wrong type, listens beyond
their bounds. Each must get its specified error (and HTTP status) with the
request's id, leave no trace, and the server must go on serving both eras.
Run with PDB_BUILD=build-san for the same under ASan+UBSan.
"""

import base64
import http.client
import json
import os
import subprocess
import time
import unittest

from mcpfixture import INIT, Fixture
from modern import CAPS_ALL, P, Http, Lines, meta, request
from simfixture import build_dir

ASK = "test_input_required_result_request_state"
CONFIRM = {"action": "accept", "content": {"ok": True}}


def envelope_cases():
    """(request, error code, words of the message) every channel must refuse the same way."""
    m = meta()
    no_version = {k: v for k, v in m.items() if k != P + "protocolVersion"}
    no_caps = {k: v for k, v in m.items() if k != P + "clientCapabilities"}
    return [
        (request(1, "server/discover", bare=True), -32602, "_meta must carry"),
        (request(2, "server/discover", {"_meta": no_version}, bare=True), -32602, "_meta"),
        (request(3, "tools/list", {"_meta": no_caps}, bare=True), -32602, "_meta"),
        (request(4, "tools/list", {"_meta": dict(m, **{P + "protocolVersion": 7})}, bare=True),
         -32602, "_meta"),
        (request(5, "tools/list", {"_meta": dict(m, **{P + "clientCapabilities": []})},
                 bare=True), -32602, "_meta"),
        (request(6, "tools/list", {"_meta": meta(version="2027-01-01")}, bare=True), -32022,
         "Unsupported protocol version"),
        (request(7, "tools/list", log="loud"), -32602, "logLevel"),
        (request(8, "ping"), -32601, "ping"),
        (request(9, "initialize"), -32601, "initialize"),
        (request(10, "logging/setLevel", {"level": "debug"}), -32601, "setLevel"),
        (request("s", "resources/subscribe", {"uri": "test://static-text"}), -32601, ""),
        (request(11, "tools/call", {"name": "test_missing_capability"}), -32021,
         "capability"),
        (request(12, "resources/read", {"uri": "test://nope"}), -32602, "not found"),
        (request(13, "tools/call", {"name": ASK, "inputResponses": None}), -32602,
         "inputResponses must be an object"),
        (request(14, "tools/call", {"name": ASK, "inputResponses": {"confirm": 12345}}),
         -32602, "inputResponses.confirm"),
        (request(15, "tools/call", {"name": ASK, "requestState": "1." + "A" * 1100}), -32602,
         "longer than 1024"),
        (request(16, "tools/call", {"name": ASK, "requestState": "hello"}), -32602, "malformed"),
        (request(17, "tools/call", {"name": ASK, "requestState": ["x"]}), -32602,
         "must be a string"),
        (request(18, "subscriptions/listen", {}), -32602, "notifications must be an object"),
        (request(19, "subscriptions/listen", {"notifications": {"toolsListChanged": 1}}),
         -32602, "boolean"),
        (request(20, "subscriptions/listen",
                 {"notifications": {"resourceSubscriptions": "test://static-text"}}),
         -32602, "array"),
        (request(21, "subscriptions/listen", {"notifications": {
            "resourceSubscriptions": ["test://r%d" % i for i in range(33)]}}), -32602,
         "at most 32"),
    ]


class StreamChannels:
    """What stdio and TCP share: one NDJSON channel to the fixture."""

    def check_envelopes(self, c):
        for msg, code, words in envelope_cases():
            r = c.ask(msg)
            self.assertEqual(r["id"], msg["id"], msg)  # errors carry the request's id
            self.assertEqual(r.get("error", {}).get("code"), code, (msg, r))
            self.assertIn(words, r["error"]["message"], msg)
            if code == -32022:
                self.assertEqual(r["error"]["data"], {"supported": ["2026-07-28"],
                                                       "requested": "2027-01-01"})
            if code == -32021:
                self.assertEqual(r["error"]["data"], {"requiredCapabilities": {"sampling": {}}})
        # the same tool with the capability declared runs
        ok = c.call("tools/call", {"name": "test_missing_capability"}, caps={"sampling": {}})
        self.assertEqual(ok["result"]["resultType"], "complete")

    def check_states(self, c):
        """A state is good once, for the request it was issued for, unchanged."""
        first = c.call("tools/call", {"name": ASK}, caps=CAPS_ALL)["result"]
        self.assertEqual(first["resultType"], "input_required")
        state = first["requestState"]
        body, mac = state.split(".")[1:]
        forged = "1.%s.%s" % (base64.urlsafe_b64encode(
            base64.urlsafe_b64decode(body + "==").replace(b"request-state", b"tamper-test")
        ).decode().rstrip("="), mac)
        flipped = state[:-10] + ("A" if state[-10] != "A" else "B") + state[-9:]  # in the MAC
        for st, words in ((flipped, "verification"),
                          (forged, "verification"), (state + "-TAMPERED", "malformed")):
            r = c.call("tools/call", {"name": ASK, "inputResponses": {"confirm": CONFIRM},
                                      "requestState": st}, caps=CAPS_ALL)
            self.assertEqual(r["error"]["code"], -32602, st)
            self.assertIn(words, r["error"]["message"])
        moved = c.call("tools/call", {"name": "test_input_required_result_tampered_state",
                                      "inputResponses": {"confirm": CONFIRM},
                                      "requestState": state}, caps=CAPS_ALL)
        self.assertIn("verification", moved["error"]["message"])
        args = c.call("tools/call", {"name": ASK, "arguments": {"x": 1},
                                     "inputResponses": {"confirm": CONFIRM},
                                     "requestState": state}, caps=CAPS_ALL)
        self.assertIn("verification", args["error"]["message"])
        done = c.call("tools/call", {"name": ASK, "inputResponses": {"confirm": CONFIRM},
                                     "requestState": state}, caps=CAPS_ALL)["result"]
        self.assertIn("state-ok", done["content"][0]["text"])
        again = c.call("tools/call", {"name": ASK, "inputResponses": {"confirm": CONFIRM},
                                      "requestState": state}, caps=CAPS_ALL)
        self.assertIn("already used", again["error"]["message"])

    def check_logs(self, c):
        quiet = c.call("tools/call", {"name": "test_logging_tool"})
        self.assertEqual(quiet["result"]["content"][0]["text"], "Logging evaluated")
        loud = c.call("tools/call", {"name": "test_logging_tool"}, log="debug")
        self.assertIn("result", loud)
        logs = [n for n in c.notes if n.get("method") == "notifications/message"]
        self.assertEqual(len(logs), 1, "a log without logLevel, or none with it")
        c.notes.clear()

    def check_listens(self, c):
        """Listens: acknowledged, fed, bounded, cancelled."""
        subs = []
        for _ in range(4):
            sub, ack = c.listen({"resourceSubscriptions": ["test://watched-resource"]})
            self.assertEqual(ack["params"]["notifications"],
                             {"resourceSubscriptions": ["test://watched-resource"]})
            subs.append(sub)
        fifth = c.ask(request("five", "subscriptions/listen", {"notifications": {}}))
        self.assertEqual(fifth["error"]["code"], -32600)
        dup = c.ask(request(subs[0], "subscriptions/listen", {"notifications": {}}))
        self.assertEqual(dup["error"]["code"], -32600)
        for sub in subs:
            n = c.note(sub, "notifications/resources/updated", 10)
            self.assertEqual(n["params"]["uri"], "test://watched-resource")
        for sub in subs[1:]:
            c.send({"jsonrpc": "2.0", "method": "notifications/cancelled",
                    "params": {"requestId": sub}})
        c.call("server/discover")  # answered after the cancellations were served
        c.notes.clear()
        c.note(subs[0], "notifications/resources/updated", 10)
        c.note(subs[0], "notifications/resources/updated", 10)
        late = [n for n in c.notes
                if n.get("params", {}).get("_meta", {}).get(P + "subscriptionId") in subs[1:]]
        self.assertEqual(late, [], "a cancelled listen was still fed")
        sub, _ = c.listen({"resourceSubscriptions": ["test://watched-resource"]})  # room again
        c.send({"jsonrpc": "2.0", "method": "notifications/cancelled",
                "params": {"requestId": sub}})


class StdioStatelessTest(unittest.TestCase, StreamChannels):
    def test_stdio(self):
        exe = os.path.join(build_dir(), "tests", "mcp_fixture")
        p = subprocess.Popen([exe, "--update-interval-ms", "200"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)

        def write(data):
            p.stdin.write(data)
            p.stdin.flush()

        c = Lines(p.stdout.fileno(), write)
        try:
            self.check_envelopes(c)
            self.check_states(c)
            self.check_logs(c)
            self.check_listens(c)
            # the legacy era on the same process, untouched by all of it
            self.assertEqual(c.ask(INIT)["result"]["protocolVersion"], "2025-11-25")
            self.assertEqual(c.ask({"jsonrpc": "2.0", "id": "p", "method": "ping"})["result"],
                             {})
            c.listen({"resourceSubscriptions": ["test://watched-resource"]})
        finally:
            p.stdin.close()
            rc = p.wait(10)  # an open listen ends at EOF: no drain wait
            err = p.stderr.read().decode(errors="replace")
            p.stdout.close()
            p.stderr.close()
        self.assertEqual(rc, 0, err[-3000:])
        self.assertIn("heap in use at exit: 0 bytes", err)


class TcpStatelessTest(unittest.TestCase, StreamChannels):
    def setUp(self):
        self.fx = Fixture("--update-interval-ms", "200", listen=("tcp://127.0.0.1:0",))

    def tearDown(self):
        self.fx.stop(self)

    def test_tcp(self):
        c = Lines.tcp(self.fx.tcp_addr)
        try:
            self.check_envelopes(c)
            self.check_states(c)
            self.check_logs(c)
            self.check_listens(c)
        finally:
            c.close()


class HttpStatelessTest(unittest.TestCase):
    def setUp(self):
        self.fx = Fixture("--update-interval-ms", "200", listen=("http://127.0.0.1:0/mcp",))
        self.h = Http(*self.fx.http_addr)

    def tearDown(self):
        self.fx.stop(self)

    def test_envelopes_with_their_status(self):
        for msg, code, words in envelope_cases():
            # the header says what _meta says, so the version itself is what is refused
            version = (msg["params"].get("_meta") or {}).get(P + "protocolVersion")
            extra = {"MCP-Protocol-Version": version} if code == -32022 else None
            status, _, msgs = self.h.post(msg, extra)
            answer = [m for m in msgs if m.get("id") == msg["id"]]
            self.assertTrue(answer, (msg, msgs))
            self.assertEqual(answer[0]["error"]["code"], code, msg)
            self.assertIn(words, answer[0]["error"]["message"], msg)
            # refused before the method ran: 400; no such method: 404; the method's own: 200
            envelope = code in (-32022, -32021) or "_meta" in words or "logLevel" in words
            want = 404 if code == -32601 else 400 if envelope else 200
            self.assertEqual(status, want, (msg, answer))

    def test_headers_must_say_what_the_body_says(self):
        call = request(1, "tools/call", {"name": "test_simple_text"})
        b64 = "=?base64?" + base64.b64encode(b"test_simple_text").decode() + "?="
        cases = [
            # (headers over the client's standard ones, status, error code or None)
            ({"MCP-Protocol-Version": None}, 400, -32020),
            ({"MCP-Protocol-Version": "2025-11-25"}, 400, -32020),
            ({"Mcp-Method": None}, 400, -32020),
            ({"Mcp-Method": "tools/list"}, 400, -32020),
            ({"Mcp-Method": "TOOLS/CALL"}, 400, -32020),
            ({"Mcp-Name": None}, 400, -32020),
            ({"Mcp-Name": "test_image_content"}, 400, -32020),
            ({"Mcp-Name": "=?base64?" + base64.b64encode(b"nope").decode() + "?="}, 400, -32020),
            ({"Mcp-Name": "=?base64?***?="}, 400, -32020),
            ({"Mcp-Name": b64}, 200, None),
            ({"Mcp-Name": "  test_simple_text\t"}, 200, None),
            ({"mcp-name": "test_simple_text", "mcp-method": "tools/call"}, 200, None),
            # sessions and resumption are not part of this revision: ignored, not refused
            ({"Mcp-Session-Id": "0" * 32, "Last-Event-ID": "7"}, 200, None),
        ]
        for extra, status, code in cases:
            st, _, msgs = self.h.post(call, extra)
            self.assertEqual(st, status, (extra, msgs))
            if code:
                self.assertEqual((msgs[0]["id"], msgs[0]["error"]["code"]), (1, code), extra)
            else:
                self.assertEqual(msgs[-1]["result"]["content"][0]["text"],
                                 "This is a simple text response for testing.")
        st, _, msgs = self.h.post(b'{"jsonrpc":"2.0","id":1,')
        self.assertEqual((st, msgs[0]["id"], msgs[0]["error"]["code"]), (400, None, -32700))
        st, _, msgs = self.h.post(json.dumps([call]).encode(), {"Mcp-Method": None})
        self.assertEqual((st, msgs[0]["error"]["code"]), (400, -32600))

    def test_get_and_delete_are_not_this_revision(self):
        for method in ("GET", "DELETE"):
            conn = http.client.HTTPConnection(*self.fx.http_addr[:2], timeout=10)
            conn.request(method, self.fx.http_addr[2], headers={
                "MCP-Protocol-Version": "2026-07-28", "Accept": "text/event-stream"})
            r = conn.getresponse()
            r.read()
            self.assertEqual((r.status, r.getheader("Allow")), (405, "POST"), method)
            conn.close()

    def test_states_over_http(self):
        params = {"name": ASK}
        st, r, _ = self.h.call("tools/call", params, caps=CAPS_ALL)
        state = r["result"]["requestState"]
        self.assertNotIn("Mcp-Session-Id", str(r))
        for extra_state, words in ((state + "x", "malformed"), ("1." + "A" * 5000, "longer")):
            st, r, _ = self.h.call("tools/call", dict(params, requestState=extra_state,
                                                      inputResponses={"confirm": CONFIRM}),
                                   caps=CAPS_ALL)
            self.assertEqual(r["error"]["code"], -32602)
            self.assertIn(words, r["error"]["message"])
        done = dict(params, requestState=state, inputResponses={"confirm": CONFIRM})
        st, r, _ = self.h.call("tools/call", done, caps=CAPS_ALL)
        self.assertIn("state-ok", r["result"]["content"][0]["text"])
        st, r, _ = self.h.call("tools/call", done, caps=CAPS_ALL)
        self.assertIn("already used", r["error"]["message"])

    def test_listens_are_streams_of_their_own(self):
        streams = [self.h.listen({"resourceSubscriptions": ["test://watched-resource"]})
                   for _ in range(6)]
        try:
            for s in streams:
                self.assertEqual(s.status, 200)
                self.assertTrue(s.ctype.startswith("text/event-stream"))
                self.assertEqual(s.ack["params"]["_meta"][P + "subscriptionId"], s.id)
                n = s.note("notifications/resources/updated", 10)
                self.assertEqual(n["params"]["_meta"][P + "subscriptionId"], s.id)
        finally:
            for s in streams:
                s.close()
        # the closed streams were cancellations: the server goes on, its heap checked at stop
        time.sleep(0.5)
        st, r, _ = self.h.call("server/discover")
        self.assertEqual(st, 200)

    def test_legacy_sessions_still_work_beside(self):
        conn = http.client.HTTPConnection(*self.fx.http_addr[:2], timeout=10)
        conn.request("POST", self.fx.http_addr[2], body=json.dumps(INIT), headers={
            "Content-Type": "application/json", "Accept": "application/json, text/event-stream"})
        r = conn.getresponse()
        r.read()
        self.assertEqual(r.status, 200)
        self.assertTrue(r.getheader("Mcp-Session-Id"))
        conn.close()
        st, r, _ = self.h.call("tools/list")
        self.assertEqual((st, r["result"]["resultType"]), (200, "complete"))


if __name__ == "__main__":
    unittest.main()
