"""The catalog's bounds and failure paths against the simulator.

Record caps and the byte cap (with the notice that says how to narrow the
query), 429 through the client's bounded retries, PagerDuty's errors as
isError results with PagerDuty's message, the From address (configured, or
the current user's), and --tools / --exclude-tools. The API key must never
appear in anything pdbridge printed.
"""

import json
import os
import subprocess
import unittest

from simfixture import TOKEN, Sim, build_dir
from toolfixture import Stdio

RESULT_MAX = 256 * 1024  # PDB_TOOL_RESULT_MAX


class BoundsTest(unittest.TestCase):
    outputs = []

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim()
        cls.mcp = Stdio(cls.sim.env())

    @classmethod
    def tearDownClass(cls):
        rc, err = cls.mcp.close()
        cls.outputs.append(err)
        cls.sim.stop()
        assert rc == 0, err[-2000:]
        assert TOKEN not in "\n".join(cls.outputs), "the API key appeared in output"

    def setUp(self):
        self.sim.reset()

    def call(self, proc, name, args):
        res = proc.call(name, args)
        self.outputs.append(json.dumps(res))
        return res

    def fault(self, **rule):
        self.sim.control("POST", "/_sim/faults", rule)

    def test_record_cap_says_there_may_be_more(self):
        res = self.call(self.mcp, "list_incidents", {"limit": 3})
        sc = res["structuredContent"]
        self.assertEqual(len(sc["response"]), 3)
        self.assertIn("WARNING: The number of records equals the response limit",
                      sc["response_summary"])
        # limit is honoured where the official server ignores it, too
        sc = self.call(self.mcp, "list_services", {"limit": 2})["structuredContent"]
        self.assertEqual(len(sc["response"]), 2)

    def test_byte_cap_cuts_the_list_and_says_how_to_narrow(self):
        res = self.call(self.mcp, "list_log_entries", {"query_model": {
            "since": "2026-10-01T00:00:00Z", "until": "2026-11-28T00:00:00Z", "limit": 1000}})
        self.assertNotIn("isError", res)
        sc = res["structuredContent"]
        self.assertIn("TRUNCATED", sc["response_summary"])
        self.assertIn("Narrow the query", sc["response_summary"])
        self.assertLessEqual(len(json.dumps(sc, separators=(",", ":"))), RESULT_MAX)
        self.assertGreater(len(sc["response"]), 10)

    def test_oversize_answer_is_an_error_not_an_oom(self):
        self.fault(path="^/incidents$", method="GET", kind="oversize", bytes=8 * 1024 * 1024)
        res = self.call(self.mcp, "list_incidents", {})
        self.assertTrue(res["isError"])
        self.assertIn("narrow the query", res["content"][0]["text"])

    def test_429_is_retried_then_succeeds(self):
        self.fault(path="^/teams$", method="GET", kind="429", count=1, ratelimit_reset=1)
        res = self.call(self.mcp, "list_teams", {})
        self.assertNotIn("isError", res)
        self.assertEqual([r["status"] for r in self.sim.requests() if r["path"] == "/teams"],
                         [429, 200])

    def test_429_forever_ends_in_a_clear_error(self):
        self.fault(path="^/teams$", method="GET", kind="429", count=-1, ratelimit_reset=1)
        res = self.call(self.mcp, "list_teams", {})
        self.assertTrue(res["isError"])
        self.assertIn("429", res["content"][0]["text"])
        self.assertLessEqual(len([r for r in self.sim.requests() if r["path"] == "/teams"]), 4)

    def test_pagerduty_errors_carry_pagerdutys_message(self):
        res = self.call(self.mcp, "get_team", {"team_id": "PNOSUCH"})
        self.assertTrue(res["isError"])
        text = res["content"][0]["text"]
        self.assertIn("GET /teams/PNOSUCH", text)
        self.assertIn("404", text)
        self.assertNotIn(self.sim.url, text)  # no host in what the model reads

    def test_path_ids_are_percent_encoded(self):
        res = self.call(self.mcp, "get_team", {"team_id": "../users/me"})
        self.assertTrue(res["isError"])
        # dots too: curl would squash a literal "/.." before PagerDuty saw it
        self.assertEqual([r["path"] for r in self.sim.requests()],
                         ["/teams/%2E%2E%2Fusers%2Fme"])

    def test_configured_from_wins_and_needs_no_lookup(self):
        user = self.sim.api("/users?limit=3")["users"][1]
        inc = self.sim.api("/incidents?statuses[]=triggered&limit=1")["incidents"][0]["id"]
        proc = Stdio(self.sim.env(PDBRIDGE_FROM_EMAIL=user["email"]),
                     args=["--enable-write-tools"])
        self.sim.control("DELETE", "/_sim/requests")
        try:
            res = self.call(proc, "add_note_to_incident", {"incident_id": inc, "note": "hi"})
        finally:
            rc, err = proc.close()
        self.outputs.append(err)
        self.assertEqual(rc, 0)
        self.assertNotIn("isError", res)
        reqs = self.sim.requests()
        self.assertEqual([(r["method"], r["path"]) for r in reqs],
                         [("POST", "/incidents/%s/notes" % inc)])
        self.assertEqual(reqs[0]["headers"]["From"], user["email"])
        self.assertEqual(res["structuredContent"]["user"]["id"], user["id"])

    def test_client_key_names_are_sent_as_named(self):
        # An open model's other members go to PagerDuty as named: a '.' does not nest them,
        # so a 70-character part or a name beside a non-object is no error (once "out of memory")
        ep = self.sim.api("/escalation_policies?limit=1")["escalation_policies"][0]["id"]
        long_name = "p" * 70 + ".y"
        proc = Stdio(self.sim.env(), args=["--enable-write-tools"])
        self.sim.control("DELETE", "/_sim/requests")
        try:
            res = self.call(proc, "create_service", {"service_data": {
                "service": {"name": "Dots", "escalation_policy": {"id": ep}},
                "a": "x", "a.b": 1, long_name: 2}})
        finally:
            rc, err = proc.close()
        self.outputs.append(err)
        self.assertEqual(rc, 0, err)
        self.assertNotIn("out of memory", json.dumps(res))
        posts = [r for r in self.sim.requests() if r["method"] == "POST"]
        self.assertEqual([r["path"] for r in posts], ["/services"])
        body = json.loads(posts[0]["body"])
        self.assertEqual((body["a"], body["a.b"], body[long_name]), ("x", 1, 2))
        self.assertEqual(body["service"]["escalation_policy"],
                         {"id": ep, "type": "escalation_policy_reference"})

    def test_tools_and_exclude_tools(self):
        proc = Stdio(self.sim.env(), args=["--enable-write-tools", "--tools",
                                           "list_*,get_incident,create_*",
                                           "--exclude-tools", "list_incident*,create_schedule*"])
        try:
            names = {t["name"] for t in proc.tools()}
        finally:
            rc, err = proc.close()
        self.assertEqual(rc, 0, err)
        self.assertIn("get_incident", names)
        self.assertIn("list_teams", names)
        self.assertIn("create_incident", names)
        self.assertNotIn("list_incidents", names)
        self.assertNotIn("create_schedule_v3_overrides", names)
        self.assertNotIn("get_team", names)
        self.assertFalse([n for n in names if not n.startswith(("list_", "get_", "create_"))])
        p = subprocess.run([os.path.join(build_dir(), "pdbridge"), "mcp", "--tools", "lst_*"],
                           capture_output=True, text=True, env=self.sim.env(), timeout=30,
                           input="")
        self.assertEqual(p.returncode, 1)
        self.assertIn("'lst_*' matches no tool", p.stderr)
        self.assertEqual(p.stdout, "")


class AccountKeyTest(unittest.TestCase):
    """An account-level key has no current user: the tools that need one say so."""

    def test_tools_that_need_a_user_say_so(self):
        sim = Sim(args=["--account-token", "pdsim-account-key-7d"])
        proc = Stdio(sim.env(PAGERDUTY_USER_API_KEY="pdsim-account-key-7d"),
                     args=["--enable-write-tools"])
        try:
            res = proc.call("list_incidents", {"request_scope": "assigned"})
            self.assertTrue(res["isError"])
            self.assertIn('Cannot filter incidents by "assigned" with account-level auth',
                          res["content"][0]["text"])
            res = proc.call("list_teams", {"scope": "my"})
            self.assertIn("Cannot fetch 'my' teams", res["content"][0]["text"])
            res = proc.call("list_incidents", {"limit": 1})  # everything else works
            self.assertNotIn("isError", res)
        finally:
            rc, err = proc.close()
            sim.stop()
        self.assertEqual(rc, 0, err)
        self.assertNotIn("pdsim-account-key-7d", err)


if __name__ == "__main__":
    unittest.main()
