"""The PagerDuty tool catalog against the simulator, one declarative case per tool.

Each case in tool_cases.CASES names a tool, its arguments, the exact REST
requests the simulator must log (method, path, query, body, and From for
writes) and the shape of the result. Every tool of the catalog must have a
case, and every write tool must be absent without --enable-write-tools.
tools/list is compared with the independently transcribed official table
(tests/tools/official_tools.json): names, parameter names, required sets.
"""

import json
import os
import sys
import unittest

from simfixture import TOKEN, Sim
from toolfixture import Stdio, fill, query_of, structured
from tool_cases import CASES

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
from check_official_table import compare, load_official  # noqa: E402


def seeded_ids(sim):
    """The IDs the cases refer to, from the seeded data (stable across resets)."""
    def first(path, key="", where=None):
        items = sim.api(path)[key or path.split("?")[0].rsplit("/", 1)[-1]]
        return next(i for i in items if where is None or where(i))["id"]

    me = sim.api("/users/me")["user"]
    incidents = sim.api("/incidents?statuses[]=triggered&limit=25")["incidents"]
    ids = {
        "ME": me["id"], "ME_EMAIL": me["email"],
        "USER": first("/users?limit=3", "users", lambda u: u["id"] != me["id"]),
        "TEAM": first("/teams"),
        "SERVICE": first("/services"),
        "CHECKOUT": first("/services?limit=100", "services", lambda s: s["name"] == "Checkout API"),
        "EP": first("/escalation_policies"),
        "SCHEDULE": first("/schedules"),
        "INC": incidents[0]["id"],
        "INC2": incidents[1]["id"],
        "INC_NOTES": next(i["id"] for i in incidents
                          if sim.api("/incidents/%s/notes" % i["id"])["notes"]),
        "PRI": first("/priorities"),
        "BS": first("/business_services"),
        "LOG": first("/log_entries?limit=1", "log_entries"),
        "CHANGE": first("/change_events?limit=1", "change_events"),
        "EO": first("/event_orchestrations", "orchestrations"),
        "AGS": first("/alert_grouping_settings"),
        "SP": first("/status_pages", "status_pages", lambda p: p["status_page_type"] == "public"),
        "WF": first("/incident_workflows"),
        "WH": first("/webhook_subscriptions"),
        "ES": first("/extension_schemas"),
        "V3": first("/v3/schedules", "schedules"),
    }
    ids["SERVICE_EP"] = sim.api("/services/" + ids["SERVICE"])["service"]["escalation_policy"]["id"]
    ids["ME_TEAM"] = me["teams"][0]["id"]
    ids["ME_TEAMS"] = [t["id"] for t in me["teams"]]
    ids["ALERT"] = first("/incidents/%s/alerts" % ids["INC"], "alerts")
    ids["POST"] = first("/status_pages/%s/posts" % ids["SP"], "posts")
    ids["CE_SERVICE"] = sim.api("/change_events/" + ids["CHANGE"])["change_event"]["services"][0]["id"]
    ids["PROD_EO"] = first("/event_orchestrations", "orchestrations",
                           lambda o: o["name"] == "Production Events")
    ids["WF_ON"] = first("/incident_workflows", "", lambda w: w["is_enabled"])
    statuses = sim.api("/status_pages/%s/statuses" % ids["SP"])["statuses"]
    severities = sim.api("/status_pages/%s/severities" % ids["SP"])["severities"]
    for pt, tag in (("maintenance", "M"), ("incident", "I")):
        ids["SP_STATUS_" + tag] = next(x["id"] for x in statuses if x["post_type"] == pt)
        ids["SP_SEV_" + tag] = next(x["id"] for x in severities if x["post_type"] == pt)
    time_ags = next(a for a in sim.api("/alert_grouping_settings")["alert_grouping_settings"]
                    if a["type"] == "time")
    ids["AGS_TIME"], ids["AGS_TIME_SVC"] = time_ags["id"], time_ags["services"][0]["id"]
    v3 = "/v3/schedules/" + ids["V3"]
    ids["ROT"] = first(v3 + "/rotations")
    ids["EVT"] = first(v3 + "/rotations/%s/events" % ids["ROT"], "events")
    window = "?since=2026-11-01T00:00:00Z&until=2026-12-30T00:00:00Z"
    ids["SHIFT"] = first(v3 + "/custom_shifts" + window, "custom_shifts")
    ids["OVR"] = first(v3 + "/overrides" + window, "overrides")
    return ids


class CatalogTest(unittest.TestCase):
    outputs = []

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim()
        cls.ids = seeded_ids(cls.sim)
        cls.ro = Stdio(cls.sim.env())
        cls.rw = Stdio(cls.sim.env(), args=["--enable-write-tools"])
        cls.official = load_official()

    @classmethod
    def tearDownClass(cls):
        for p in (cls.ro, cls.rw):
            rc, err = p.close()
            cls.outputs.append(err)
            assert rc == 0, err[-2000:]
        cls.sim.stop()
        assert TOKEN not in "\n".join(cls.outputs), "the API key appeared in output"

    def test_tools_list_matches_the_official_table(self):
        for proc, write, n in ((self.ro, False, 63), (self.rw, True, 103)):
            tools = proc.tools()
            self.outputs.append(json.dumps(tools))
            self.assertEqual(len(tools), n)
            self.assertEqual(compare(tools, self.official, write_enabled=write, out=None), [])
            # the official order: every read tool, then every write tool
            ro = [t["annotations"]["readOnlyHint"] for t in tools]
            self.assertEqual(ro, sorted(ro, reverse=True))
            for t in tools:
                self.assertTrue(t.get("title"), t["name"])
                self.assertNotIn("$ref", json.dumps(t["inputSchema"]), t["name"])
                self.assertEqual(t["inputSchema"]["type"], "object")
                a = t["annotations"]
                self.assertEqual(a["readOnlyHint"], not a["destructiveHint"], t["name"])
                self.assertEqual(a["idempotentHint"], a["readOnlyHint"], t["name"])
                self.assertTrue(a["openWorldHint"])
                self.assertIn("outputSchema", t)

    def test_every_tool_has_a_case_and_a_doc_row(self):
        names = {t["name"] for t in self.rw.tools()}
        self.assertEqual(names, {c["tool"] for c in CASES})
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "tools.md")) as f:
            doc = f.read()
        for n in names:
            self.assertIn("| `%s` |" % n, doc)

    def test_write_tools_absent_without_the_flag(self):
        listed = {t["name"] for t in self.ro.tools()}
        writes = [c["tool"] for c in CASES if c.get("write")]
        for name in writes:
            with self.subTest(tool=name):
                self.assertNotIn(name, listed)
                r = self.ro.request("tools/call", {"name": name, "arguments": {}})
                self.assertEqual(r["error"]["code"], -32602, r)

    def test_cases(self):
        for case in CASES:
            with self.subTest(tool=case["tool"], note=case.get("note", "")):
                self.run_case(case)

    def run_case(self, case):
        self.sim.reset()
        ids = dict(self.ids, **((case["setup"](self.sim, self.ids) or {})
                                if case.get("setup") else {}))
        case = fill(case, ids)
        args = case["args"](self.sim, ids) if callable(case.get("args")) else case.get("args", {})
        self.sim.control("DELETE", "/_sim/requests")  # what the setup asked is not the tool's
        res = self.rw.call(case["tool"], args)
        self.outputs.append(json.dumps(res))
        if case.get("error"):
            self.assertTrue(res.get("isError"), res)
            self.assertIn(case["error"], res["content"][0]["text"])
        else:
            self.assertFalse(res.get("isError"), res)
        # /users/me is asked once per process (the From address, request_scope): not per case
        got = [r for r in self.sim.requests()
               if r["path"] != "/users/me" or case["tool"] == "get_user_data"]
        want = case.get("reqs", [])
        self.assertEqual([(r["method"], r["path"]) for r in got],
                         [(w[0], w[1]) for w in want])
        for r, w in zip(got, want):
            want_q = w[2] if len(w) > 2 and w[2] is not None else {}
            if callable(want_q):
                want_q(self, query_of(r), ids)
            else:
                self.assertEqual(query_of(r), want_q, "query of %s %s" % (r["method"], r["path"]))
            body = json.loads(r["body"]) if r["body"] else None
            if len(w) > 3 and callable(w[3]):
                w[3](self, body, ids)
            elif len(w) > 3:
                self.assertEqual(body, w[3], "body of %s %s" % (r["method"], r["path"]))
            if case.get("write") and r["method"] != "GET":
                self.assertEqual(r["headers"].get("From"), ids["ME_EMAIL"])
            elif r["method"] == "GET":
                self.assertIsNone(r["headers"].get("From"))
        if case.get("error"):
            return
        sc = structured(res)
        shape = case["shape"]
        if shape == "list":
            self.assertIsInstance(sc["response"], list)
            self.assertIn("record(s) of type", sc["response_summary"])
        elif shape == "text":
            self.assertIsInstance(sc["result"], str)
            self.assertEqual(res["content"][0]["text"], sc["result"])
        elif shape == "result":
            self.assertIn("result", sc)
        else:
            self.assertIsInstance(sc, dict)
        if case.get("check"):
            case["check"](self, sc, ids)


if __name__ == "__main__":
    unittest.main()
