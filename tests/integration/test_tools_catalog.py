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
    first = lambda path, key: sim.api(path)[key][0]["id"]  # noqa: E731
    incidents = sim.api("/incidents?statuses[]=triggered&limit=5")["incidents"]
    ids = {
        "ME": sim.api("/users/me")["user"]["id"],
        "ME_EMAIL": sim.api("/users/me")["user"]["email"],
        "USER": first("/users?limit=3", "users"),
        "TEAM": first("/teams", "teams"),
        "SERVICE": first("/services", "services"),
        "EP": first("/escalation_policies", "escalation_policies"),
        "SCHEDULE": first("/schedules", "schedules"),
        "INC": incidents[0]["id"],
        "INC2": incidents[1]["id"],
    }
    svc = sim.api("/services/" + ids["SERVICE"])["service"]
    ids["SERVICE_EP"] = svc["escalation_policy"]["id"]
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
        covered = {c["tool"] for c in CASES}
        official = {"tools": [t for t in self.official["tools"] if t["name"] in covered]}
        for proc, write in ((self.ro, False), (self.rw, True)):
            tools = proc.tools()
            self.outputs.append(json.dumps(tools))
            self.assertEqual(compare(tools, official, write_enabled=write, out=None), [])
            for t in tools:
                self.assertTrue(t.get("title"), t["name"])
                self.assertNotIn("$ref", json.dumps(t["inputSchema"]), t["name"])
                self.assertEqual(t["inputSchema"]["type"], "object")
                a = t["annotations"]
                self.assertEqual(a["readOnlyHint"], not a["destructiveHint"], t["name"])
                self.assertEqual(a["idempotentHint"], a["readOnlyHint"], t["name"])
                self.assertTrue(a["openWorldHint"])
                self.assertIn("outputSchema", t)

    def test_every_tool_has_a_case(self):
        names = {t["name"] for t in self.rw.tools()}
        self.assertEqual(names, {c["tool"] for c in CASES})

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
                self.run_case(fill(case, self.ids))

    def run_case(self, case):
        self.sim.reset()
        proc = self.rw
        res = proc.call(case["tool"], case.get("args", {}))
        self.outputs.append(json.dumps(res))
        if case.get("error"):
            self.assertTrue(res.get("isError"), res)
            self.assertIn(case["error"], res["content"][0]["text"])
        else:
            self.assertFalse(res.get("isError"), res)
        got = [r for r in self.sim.requests()
               if not (r["path"] == "/users/me" and case["tool"] != "get_user_data"
                       and not case.get("me"))]
        want = case.get("reqs", [])
        self.assertEqual([(r["method"], r["path"]) for r in got],
                         [(w[0], w[1]) for w in want])
        for r, w in zip(got, want):
            self.assertEqual(query_of(r), w[2] if len(w) > 2 and w[2] is not None else {},
                             "query of %s %s" % (r["method"], r["path"]))
            body = json.loads(r["body"]) if r["body"] else None
            if len(w) > 3:
                self.assertEqual(body, w[3], "body of %s %s" % (r["method"], r["path"]))
            if case.get("write") and r["method"] != "GET":
                self.assertEqual(r["headers"].get("From"), self.ids["ME_EMAIL"])
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
            case["check"](self, sc, self.ids)


if __name__ == "__main__":
    unittest.main()
