"""Resources and prompts beyond the official server, over stdio against the simulator.

pagerduty://oncall/now and pagerduty://incidents/open come from a cache: the
first read says "loading" and queues a refresh, subscribers are told when the
content lands, and reads within the TTL never reach PagerDuty again. The
prompts incident_briefing and oncall_handoff are built from that cache.
"""

import json
import time
import unittest

from simfixture import TOKEN, Sim
from toolfixture import Stdio

ONCALL = "pagerduty://oncall/now"
OPEN = "pagerduty://incidents/open"


class ResourcesTest(unittest.TestCase):
    outputs = []

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim()

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()
        assert TOKEN not in "\n".join(cls.outputs), "the API key appeared in output"

    def setUp(self):
        self.sim.reset()
        self.mcp = Stdio(self.sim.env())

    def tearDown(self):
        rc, err = self.mcp.close()
        self.outputs.append(err)
        self.assertEqual(rc, 0, err[-2000:])

    def read(self, uri):
        r = self.mcp.request("resources/read", {"uri": uri})
        self.outputs.append(json.dumps(r))
        c = r["result"]["contents"][0]
        self.assertEqual((c["uri"], c["mimeType"]), (uri, "application/json"))
        return json.loads(c["text"])

    def settled(self, uri):
        """Subscribe, read (which starts the refresh), wait for the update, read again."""
        self.assertEqual(self.mcp.request("resources/subscribe", {"uri": uri})["result"], {})
        first = self.read(uri)
        if first["status"] == "loading":
            note = self.mcp.wait_note("notifications/resources/updated")
            self.assertEqual(note["params"]["uri"], uri)
        doc = self.read(uri)
        self.assertEqual(doc["status"], "ok", doc)
        return doc

    def test_lists(self):
        res = self.mcp.request("resources/list")["result"]["resources"]
        self.assertEqual({r["uri"] for r in res}, {ONCALL, OPEN, "pagerduty://usage"})
        prompts = self.mcp.request("prompts/list")["result"]["prompts"]
        self.assertEqual({p["name"] for p in prompts}, {"incident_briefing", "oncall_handoff"})

    def test_open_incidents_from_the_cache(self):
        doc = self.settled(OPEN)
        self.assertEqual(doc["counts"]["triggered"],
                         self.sim.count("/incidents?statuses[]=triggered"))
        self.assertEqual(doc["counts"]["acknowledged"],
                         self.sim.count("/incidents?statuses[]=acknowledged"))
        self.assertTrue(doc["incidents"])
        self.assertFalse(doc["stale"])
        for i in doc["incidents"]:
            self.assertIn(i["status"], ("triggered", "acknowledged"))
        # within the TTL a read never reaches PagerDuty
        self.sim.control("DELETE", "/_sim/requests")
        for _ in range(5):
            self.read(OPEN)
        self.assertEqual(self.sim.requests(), [])

    def test_oncall_now_from_the_cache(self):
        doc = self.settled(ONCALL)
        self.assertTrue(doc["oncalls"])
        for o in doc["oncalls"]:
            self.assertTrue(o["user"]["id"] and o["escalation_policy"]["id"])
            self.assertGreaterEqual(o["level"], 1)
        paths = {r["path"] for r in self.sim.requests()}
        self.assertEqual(paths, {"/oncalls"})

    def test_a_failed_refresh_is_reported_not_hidden(self):
        self.sim.control("POST", "/_sim/faults", {"path": "^/oncalls$", "method": "GET",
                                                  "kind": "status", "status": 403,
                                                  "count": -1})
        self.read(ONCALL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            time.sleep(0.2)
            doc = self.read(ONCALL)
            if doc.get("error"):
                break
        self.assertEqual(doc["status"], "loading")
        self.assertIn("403", doc["error"])

    def test_incident_briefing(self):
        inc = self.sim.api("/incidents?statuses[]=triggered&limit=1")["incidents"][0]["id"]
        r = self.mcp.request("prompts/get", {"name": "incident_briefing",
                                             "arguments": {"incident_id": inc}})
        msgs = r["result"]["messages"]
        self.assertEqual(msgs[0]["role"], "user")
        self.assertIn(inc, msgs[0]["content"]["text"])
        self.assertIn("get_incident", msgs[0]["content"]["text"])
        r = self.mcp.request("prompts/get", {"name": "incident_briefing", "arguments": {}})
        self.assertEqual(r["error"]["code"], -32602)
        # incident_id completes from the open incidents once they are cached
        self.settled(OPEN)
        r = self.mcp.request("completion/complete", {
            "ref": {"type": "ref/prompt", "name": "incident_briefing"},
            "argument": {"name": "incident_id", "value": inc[:2]}})
        self.assertIn(inc, r["result"]["completion"]["values"])

    def test_oncall_handoff_embeds_both_resources(self):
        self.settled(ONCALL)
        self.settled(OPEN)
        r = self.mcp.request("prompts/get", {"name": "oncall_handoff"})
        msgs = r["result"]["messages"]
        self.assertIn("handoff", msgs[0]["content"]["text"])
        embedded = {m["content"]["resource"]["uri"]: json.loads(m["content"]["resource"]["text"])
                    for m in msgs[1:]}
        self.assertEqual(set(embedded), {ONCALL, OPEN})
        self.assertEqual(embedded[OPEN]["status"], "ok")


if __name__ == "__main__":
    unittest.main()
