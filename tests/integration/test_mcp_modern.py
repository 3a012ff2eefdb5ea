"""`pdbridge mcp` and `pdbridge serve` as an MCP 2026-07-28 server, against the simulator.

A client written here (modern.py: no SDK speaks the revision yet) does
what a 2026-07-28 agent does over stdio, TCP and Streamable HTTP:
server/discover, tools/list, tools/call list_incidents, and reading and
listening to pagerduty://incidents/open while an incident is created in
PagerDuty behind pdbridge's back; the listener hears of it without reading
(poll.interval, 5 s here). Then write_confirm: a write tool asks the user
through input_required, the answer comes back with the authenticated
request state, and a replayed, tampered, moved or oversize state is
refused with nothing written; legacy sessions are asked with
elicitation/create; clients that cannot ask are not asked.
"""

import json
import os
import subprocess
import time
import unittest

import toolfixture

from mcpfixture import INIT, line
from modern import CAPS_ALL, P, Http, Lines, request
from simfixture import TOKEN, SimTest, build_dir
from test_mcp_pdbridge import Serve

OPEN = "pagerduty://incidents/open"
ACCEPT = {"action": "accept", "content": {"confirm": True}}


class Stdio(toolfixture.Stdio):
    """`pdbridge mcp` on pipes, driven through a Lines channel (no initialize)."""

    def __init__(self, env, args=()):
        super().__init__(env, args, initialize=False)
        self.c = Lines(self.proc.stdout.fileno(), self.write)

    def write(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()


class Via:
    """The same calls over a Lines channel (stdio, TCP) or over HTTP."""

    def __init__(self, lines=None, http=None):
        self.lines, self.http = lines, http

    def call(self, test, method, params=None, **kw):
        if self.lines:
            return self.lines.call(method, params, **kw)
        status, msg, _ = self.http.call(method, params, **kw)
        test.assertEqual(status, 200, msg)
        return msg

    def listen(self, notifications):
        """(subscription id, acknowledgement, a function waiting for the next update)."""
        if self.lines:
            sub, ack = self.lines.listen(notifications)
            return sub, ack, lambda t: self.lines.note(sub, "notifications/resources/updated", t)
        self.stream = self.http.listen(notifications)
        return (self.stream.id, self.stream.ack,
                lambda t: self.stream.note("notifications/resources/updated", t))

    def stop_listening(self, sub):
        if self.lines:
            self.lines.send({"jsonrpc": "2.0", "method": "notifications/cancelled",
                             "params": {"requestId": sub}})
        else:
            self.stream.close()


class Checked(SimTest):
    """Everything pdbridge printed or answered is kept; the API key must be in none of it."""

    outputs = []

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        assert TOKEN not in "\n".join(cls.outputs), "the API key appeared in output"


class ModernTest(Checked):
    def setUp(self):
        self.sim.reset()
        self.env = self.sim.env(PDBRIDGE_POLL_INTERVAL="5")

    def read_open(self, via):
        r = via.call(self, "resources/read", {"uri": OPEN})
        self.outputs.append(json.dumps(r))
        res = r["result"]
        self.assertEqual((res["resultType"], res["ttlMs"], res["cacheScope"]),
                         ("complete", 0, "private"))
        return json.loads(res["contents"][0]["text"])

    def agent(self, via):
        """What a 2026-07-28 agent does first, and what it must see."""
        d = via.call(self, "server/discover")["result"]
        self.assertEqual(d["supportedVersions"], ["2026-07-28"])
        self.assertEqual(d["resultType"], "complete")
        self.assertEqual(d["_meta"][P + "serverInfo"]["name"], "PagerDuty MCP Server")
        self.assertTrue(d["capabilities"]["resources"]["subscribe"])
        self.assertIn("tools", d["capabilities"])
        self.assertGreater(d["ttlMs"], 0)
        self.assertIn("READ operations are safe", d["instructions"])
        lists = [via.call(self, "tools/list")["result"] for _ in range(2)]
        names = [[t["name"] for t in r["tools"]] for r in lists]
        self.assertEqual(names[0], names[1], "tools/list order must not change")
        self.assertIn("list_incidents", names[0])
        self.assertEqual(lists[0]["cacheScope"], "private")
        res = via.call(self, "tools/call", {"name": "list_incidents",
                                            "arguments": {"statuses": ["triggered"]}})["result"]
        self.assertEqual(res["resultType"], "complete")
        self.assertNotIn("isError", res)
        self.assertEqual(len(res["structuredContent"]["response"]),
                         min(self.sim.count("/incidents?statuses[]=triggered"), 100))

    def listen_while_pagerduty_changes(self, via):
        sub, ack, update = via.listen({"resourceSubscriptions": [OPEN, "pagerduty://nope"],
                                       "toolsListChanged": True})
        self.assertEqual(ack["method"], "notifications/subscriptions/acknowledged")
        self.assertEqual(ack["params"]["_meta"][P + "subscriptionId"], sub)
        # honoured: the resource it serves; not a URI it does not, nor list changes
        self.assertEqual(ack["params"]["notifications"], {"resourceSubscriptions": [OPEN]})
        if self.read_open(via)["status"] == "loading":
            self.assertEqual(update(30)["params"]["uri"], OPEN)
        before = self.read_open(via)
        self.assertEqual(before["status"], "ok")
        title = "Checkout down %f" % time.time()
        inc = self.sim.write("POST", "/incidents", {"incident": {
            "type": "incident", "title": title,
            "service": {"id": self.sim.api("/services")["services"][0]["id"],
                        "type": "service_reference"}}})["incident"]
        note = update(30)  # no read: the poll refreshes what is watched
        self.assertEqual(note["params"]["uri"], OPEN)
        self.assertEqual(note["params"]["_meta"][P + "subscriptionId"], sub)
        after = self.read_open(via)
        self.assertIn(inc["id"], [i["id"] for i in after["incidents"]])
        self.assertNotIn(inc["id"], [i["id"] for i in before["incidents"]])
        self.assertEqual(after["counts"]["triggered"], before["counts"]["triggered"] + 1)
        via.stop_listening(sub)

    def test_stdio(self):
        s = Stdio(self.env)
        try:
            via = Via(lines=s.c)
            self.agent(via)
            self.listen_while_pagerduty_changes(via)
            # ping is gone for a 2026-07-28 request; the same process still speaks legacy
            self.assertEqual(s.c.call("ping")["error"]["code"], -32601)
            self.assertEqual(s.c.ask(INIT)["result"]["protocolVersion"], "2025-11-25")
            s.c.listen({"resourceSubscriptions": [OPEN]})  # left open: EOF ends it
        finally:
            t0 = time.monotonic()
            rc, err = s.close()
        self.outputs.append(err)
        self.assertEqual(rc, 0, err[-2000:])
        self.assertLess(time.monotonic() - t0, 3, "an open listen delayed the exit")

    def serve(self, url, body):
        """`pdbridge serve --listen @url` (a cache of its own), @body(urls, serve) against it."""
        s = Serve(["--listen", url], self.env, 1)
        try:
            body(s)
        finally:
            rc, out, err = s.stop()
        self.outputs.extend([out.decode(), err])
        self.assertEqual(rc, 0, err[-2000:])

    def test_tcp(self):
        def body(s):
            host, port = s.urls["tcp"][len("tcp://"):].rsplit(":", 1)
            tcp = Lines.tcp((host, int(port)))
            try:
                self.agent(Via(lines=tcp))
                self.listen_while_pagerduty_changes(Via(lines=tcp))
            finally:
                tcp.close()

        self.serve("tcp://127.0.0.1:0", body)

    def test_http(self):
        def body(s):
            via = Via(http=Http(*s.http_addr))
            self.agent(via)
            self.listen_while_pagerduty_changes(via)
            status, msg, _ = via.http.call("ping")
            self.assertEqual((status, msg["error"]["code"]), (404, -32601))

        self.serve("http://127.0.0.1:0/mcp", body)


class WriteConfirmTest(Checked):
    """write_confirm=true: a write asks first, when the client can ask."""

    def setUp(self):
        self.sim.reset()
        self.inc = self.sim.api("/incidents?statuses[]=triggered&limit=1")["incidents"][0]["id"]
        self.mcp = Stdio(self.sim.env(PDBRIDGE_WRITE_CONFIRM="true"),
                         ["--enable-write-tools"])
        self.c = self.mcp.c

    def tearDown(self):
        rc, err = self.mcp.close()
        self.outputs.append(err)
        self.assertEqual(rc, 0, err[-2000:])

    def notes_written(self):
        return [r for r in self.sim.requests()
                if r["method"] == "POST" and r["path"] == "/incidents/%s/notes" % self.inc]

    def note(self, text, caps=CAPS_ALL, incident=None, **extra):
        params = {"name": "add_note_to_incident",
                  "arguments": {"incident_id": incident or self.inc, "note": text}}
        params.update(extra)
        r = self.c.call("tools/call", params, caps=caps)
        self.outputs.append(json.dumps(r))
        return r

    def test_the_user_confirms_once(self):
        asked = self.note("Rolled back")["result"]
        self.assertEqual(asked["resultType"], "input_required")
        q = asked["inputRequests"]["confirm"]
        self.assertEqual(q["method"], "elicitation/create")
        self.assertIn("add_note_to_incident", q["params"]["message"])
        self.assertIn("Rolled back", q["params"]["message"])
        self.assertEqual(q["params"]["requestedSchema"]["required"], ["confirm"])
        self.assertEqual(self.notes_written(), [], "written before the user said yes")
        state = asked["requestState"]
        done = self.note("Rolled back", inputResponses={"confirm": ACCEPT},
                         requestState=state)["result"]
        self.assertEqual(done["resultType"], "complete")
        self.assertEqual(done["structuredContent"]["content"], "Rolled back")
        self.assertEqual(len(self.notes_written()), 1)
        replay = self.note("Rolled back", inputResponses={"confirm": ACCEPT}, requestState=state)
        self.assertEqual(replay["error"]["code"], -32602)
        self.assertIn("already used", replay["error"]["message"])
        self.assertEqual(len(self.notes_written()), 1, "a replayed yes wrote again")

    def test_a_state_does_not_travel(self):
        state = self.note("Rolled back")["result"]["requestState"]
        other = self.sim.api("/incidents?statuses[]=triggered&limit=2")["incidents"][1]["id"]
        flipped = state[:-3] + ("A" if state[-3] != "A" else "B") + state[-2:]
        cases = [
            ("tampered", {"note": "Rolled back", "requestState": flipped}, "failed verification"),
            ("other arguments", {"note": "Dropped the table", "requestState": state},
             "failed verification"),
            ("other incident", {"note": "Rolled back", "incident": other, "requestState": state},
             "failed verification"),
            ("oversize", {"note": "Rolled back", "requestState": "1." + "A" * 4000},
             "longer than"),
            ("not a string", {"note": "Rolled back", "requestState": 7}, "must be a string"),
            ("garbage", {"note": "Rolled back", "requestState": "hello"}, "malformed"),
        ]
        for what, kw, want in cases:
            text, inc, st = kw["note"], kw.get("incident"), kw["requestState"]
            r = self.note(text, incident=inc, inputResponses={"confirm": ACCEPT},
                          requestState=st)
            self.assertEqual(r.get("error", {}).get("code"), -32602, (what, r))
            self.assertIn(want, r["error"]["message"], what)
        bad = self.note("Rolled back", inputResponses={"confirm": 5}, requestState=state)
        self.assertEqual(bad["error"]["code"], -32602)
        # an answer with no question behind it is not a yes: it is asked again
        again = self.note("Rolled back", inputResponses={"confirm": ACCEPT})["result"]
        self.assertEqual(again["resultType"], "input_required")
        self.assertEqual(self.notes_written(), [])
        # the untouched state is still good once
        ok = self.note("Rolled back", inputResponses={"confirm": ACCEPT}, requestState=state)
        self.assertEqual(ok["result"]["resultType"], "complete")
        self.assertEqual(len(self.notes_written()), 1)

    def test_declined_or_unasked(self):
        state = self.note("Rolled back")["result"]["requestState"]
        no = self.note("Rolled back", inputResponses={"confirm": {"action": "decline"}},
                       requestState=state)["result"]
        self.assertTrue(no["isError"])
        self.assertIn("did not confirm", no["content"][0]["text"])
        self.assertEqual(self.notes_written(), [])
        # a client that cannot ask the user is not asked: write_confirm needs a form to show
        direct = self.note("Rolled back", caps={})["result"]
        self.assertEqual(direct["resultType"], "complete")
        self.assertEqual(len(self.notes_written()), 1)

    def test_a_legacy_session_is_asked_with_elicitation_create(self):
        init = json.loads(json.dumps(INIT))
        init["params"]["capabilities"] = {"elicitation": {}}
        self.assertIn("result", self.c.ask(init))
        self.c.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        for answer, written in ((ACCEPT, 1), ({"action": "cancel"}, 1)):
            self.c.send({"jsonrpc": "2.0", "id": "w", "method": "tools/call", "params": {
                "name": "add_note_to_incident",
                "arguments": {"incident_id": self.inc, "note": "Rolled back"}}})
            ask = self.c.read()
            self.assertEqual(ask["method"], "elicitation/create")
            self.assertIn("add_note_to_incident", ask["params"]["message"])
            self.c.send({"jsonrpc": "2.0", "id": ask["id"], "result": answer})
            res = self.c.read()
            self.assertEqual(res["id"], "w")
            self.assertEqual(res["result"].get("isError", False), answer is not ACCEPT)
            self.assertEqual(len(self.notes_written()), written)

    def test_over_http(self):
        s = Serve(["--listen", "http://127.0.0.1:0/mcp", "--enable-write-tools"],
                  self.sim.env(PDBRIDGE_WRITE_CONFIRM="true"), 1)
        try:
            h = Http(*s.http_addr)
            params = {"name": "add_note_to_incident",
                      "arguments": {"incident_id": self.inc, "note": "Über HTTP"}}
            status, r, _ = h.call("tools/call", params, caps=CAPS_ALL)
            self.assertEqual((status, r["result"]["resultType"]), (200, "input_required"))
            params.update(inputResponses={"confirm": ACCEPT},
                          requestState=r["result"]["requestState"])
            status, r, _ = h.call("tools/call", params, caps=CAPS_ALL)
            self.assertEqual((status, r["result"]["structuredContent"]["content"]),
                             (200, "Über HTTP"))
            self.assertEqual(len(self.notes_written()), 1)
        finally:
            rc, out, err = s.stop()
        self.outputs.append(err)
        self.assertEqual(rc, 0, err[-2000:])


class WriteConfirmOffTest(SimTest):
    def test_default_off_writes_at_once(self):
        inc = self.sim.api("/incidents?statuses[]=triggered&limit=1")["incidents"][0]["id"]
        p = subprocess.run(
            [os.path.join(build_dir(), "pdbridge"), "mcp", "--enable-write-tools"],
            input=line(request(1, "tools/call", {"name": "add_note_to_incident", "arguments": {
                "incident_id": inc, "note": "No questions"}}, caps=CAPS_ALL)),
            capture_output=True, env=self.sim.env(), timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr.decode()[-2000:])
        res = json.loads(p.stdout.split(b"\n")[0])["result"]
        self.assertEqual(res["resultType"], "complete")
        self.assertEqual(res["structuredContent"]["content"], "No questions")


if __name__ == "__main__":
    unittest.main()
