"""Token usage a user can see, and errors that say what to do, against the simulator.

What a user would notice: `pdbridge usage` naming the changes made with the
key user's other API tokens (PagerDuty's audit trail) and saying in one
sentence when the trail is closed to the key; every request counted per
caller (each MCP tool, the status command, the poller) with the 429s and
PagerDuty's ratelimit headers, in `status --json`, the MCP resource
`pagerduty://usage` and the daemon's retained MQTT `stats` topic (at most
once a minute); the User-Agent naming pdbridge, its version and the node;
and the texts of a 401, a 403 and a missing key. The key never appears in
anything printed or published.
Run with PDB_BUILD=build-san to do all of it under ASan+UBSan.
"""

import json
import os
import subprocess
import tempfile
import time
import unittest

from mcpfixture import INIT, StdioClient
from mqfixture import Broker, Subscriber
from simfixture import TOKEN, Sim, build_dir

ACCOUNT_KEY = "pdsim-account-key"
NODE = "usageboard"
AUDIT_NOTE = ("PagerDuty's audit trail is not open to this key: it needs an Admin or Account Owner "
              "on a plan with the Audit Trail feature.")


def call(i, name, args=None):
    return {"jsonrpc": "2.0", "id": i, "method": "tools/call",
            "params": {"name": name, "arguments": args or {}}}


def version():
    out = subprocess.run([os.path.join(build_dir(), "pdbridge"), "--version"],
                         capture_output=True, text=True, timeout=30).stdout
    return out.split()[1]


class UsageTest(unittest.TestCase):
    outputs = []

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim(args=("--account-token", ACCOUNT_KEY))
        cls.bin = os.path.join(build_dir(), "pdbridge")
        cls.tmp = tempfile.TemporaryDirectory(prefix="pdb-usage-")

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()
        cls.tmp.cleanup()
        assert TOKEN not in "\n".join(cls.outputs), "the API key appeared in output"

    def setUp(self):
        self.sim.reset()
        self.sim.control("DELETE", "/_sim/clock")  # the board's clock and PagerDuty's agree

    def env(self, **extra):
        base = dict(PDBRIDGE_CONFIG=os.path.join(self.tmp.name, "config.bin"))
        base.update(extra)
        return self.sim.env(**base)

    def run_cmd(self, *args, env=None, stdin=None):
        p = subprocess.run([self.bin, *args], capture_output=True, text=True, input=stdin,
                           env=env or self.env(), timeout=60)
        self.outputs.extend([p.stdout, p.stderr])
        return p

    def mcp(self, *msgs, env=None):
        data = "".join(json.dumps(m) + "\n" for m in msgs)
        p = self.run_cmd("mcp", env=env, stdin=data)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        return {m["id"]: m for m in map(json.loads, p.stdout.splitlines()) if "id" in m}

    def api_requests(self, path=None):
        return [r for r in self.sim.requests() if path is None or r["path"] == path]

    # --- usage counts ----------------------------------------------------------------

    def test_every_tool_call_is_counted_in_the_usage_resource(self):
        self.sim.control("POST", "/_sim/faults", {"path": "^/oncalls$", "kind": "429", "count": 1,
                                                  "ratelimit_reset": 0})
        s = StdioClient([self.bin, "mcp"], self.env())
        try:
            for i, msg in enumerate([INIT, call(1, "get_user_data"), call(2, "get_user_data"),
                                     call(3, "list_oncalls")]):
                self.assertIn("result", s.request(msg), i)  # one at a time: all counted
            r = s.request({"jsonrpc": "2.0", "id": 4, "method": "resources/read",
                           "params": {"uri": "pagerduty://usage"}})
        finally:
            self.outputs.append(s.close())
        usage = json.loads(r["result"]["contents"][0]["text"])
        callers = {c["caller"]: c for c in usage["callers"]}
        self.assertEqual(callers["get_user_data"]["requests"], 2)
        # the 429 and its retry are both requests PagerDuty answered
        self.assertEqual(callers["list_oncalls"]["requests"],
                         len(self.api_requests("/oncalls")))
        self.assertEqual(callers["list_oncalls"]["rate_limited"], 1)
        self.assertEqual(usage["rate_limited"], 1)
        self.assertEqual(usage["requests"], len(self.api_requests()))
        self.assertEqual(usage["last_minute"], usage["requests"])
        self.assertEqual(usage["ratelimit"]["limit"], 960)
        self.assertLess(usage["ratelimit"]["remaining"], 960)

    def test_status_json_counts_its_requests(self):
        p = self.run_cmd("status", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        usage = json.loads(p.stdout)["usage"]
        self.assertEqual([c["caller"] for c in usage["callers"]], ["status"])
        self.assertEqual(usage["requests"], len(self.api_requests()))
        self.assertEqual(usage["ratelimit"]["limit"], 960)

    def test_user_agent_names_pdbridge_its_version_and_the_node(self):
        self.assertEqual(self.run_cmd("status", env=self.env(PDBRIDGE_MQTT_NODE_ID=NODE))
                         .returncode, 0)
        agents = {r["headers"].get("User-Agent") for r in self.api_requests()}
        self.assertEqual(agents, {"pdbridge/%s (node %s)" % (version(), NODE)})

    # --- pdbridge usage: the audit trail ----------------------------------------------

    def me(self):
        return self.sim.api("/users/me")["user"]

    def test_usage_names_the_changes_of_other_tokens(self):
        me = self.me()
        team = self.sim.api("/teams")["teams"][0]["id"]
        p = self.mcp(INIT, call(1, "update_team", {"team_id": team,
                                                   "update_model": {"team": {"name": "Renamed"}}}),
                     env=self.env(PDBRIDGE_WRITE_TOOLS="true"))
        self.assertNotIn("isError", p[1]["result"], p[1])
        self.sim.control("POST", "/_sim/audit", {"truncated_token": "9xyz", "action": "delete"})
        self.sim.control("POST", "/_sim/audit", {"method": "browser"})  # not an API token
        p = self.run_cmd("usage", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["user"]["id"], me["id"])
        tokens = {t["truncated_token"]: t for t in doc["audit"]["tokens"]}
        self.assertEqual(set(tokens), {TOKEN[-4:], "9xyz"})
        self.assertEqual((tokens[TOKEN[-4:]]["this_key"], tokens[TOKEN[-4:]]["actions"]),
                         (True, {"update": 1}))
        self.assertEqual((tokens["9xyz"]["this_key"], tokens["9xyz"]["actions"]),
                         (False, {"delete": 1}))
        self.assertIsNone(doc["audit_note"])
        q = self.api_requests("/audit/records")[-1]["query"]
        self.assertEqual((q["actor_type"], q["actor_id"], q["method_type"]),
                         (["user_reference"], [me["id"]], ["api_token"]))
        p = self.run_cmd("usage")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"api_token +\.\.\.9xyz +1 change \(1 delete\).*ANOTHER TOKEN")
        self.assertRegex(p.stdout, r"\.\.\.%s +1 change \(1 update\).*this key" % TOKEN[-4:])
        self.assertIn("revoke them in PagerDuty", p.stdout)
        self.assertRegex(p.stdout, r"Rate limit: \d+ of 960 requests left")

    def test_usage_reads_every_page_of_the_trail(self):
        for _ in range(105):
            self.sim.control("POST", "/_sim/audit", {"truncated_token": "abcd"})
        p = self.run_cmd("usage", "--json", "--days", "2")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["audit"]["tokens"][0]["changes"], 105)
        self.assertEqual(len(self.api_requests("/audit/records")), 2)

    def test_a_closed_audit_trail_is_one_sentence(self):
        for status in (403, 402):
            self.sim.control("POST", "/_sim/faults", {"path": "^/audit/records$", "kind": "status",
                                                      "status": status})
            p = self.run_cmd("usage")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout.strip().splitlines()[-1], AUDIT_NOTE)
            self.assertNotIn("PagerDuty API error", p.stdout + p.stderr)

    def test_an_account_key_has_no_user_to_audit(self):
        p = self.run_cmd("usage", env=self.env(PAGERDUTY_USER_API_KEY=ACCOUNT_KEY))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("account-level key", p.stdout)
        self.assertFalse(self.api_requests("/audit/records"))

    def test_usage_refuses_a_bad_window(self):
        for days in ("0", "32", "x"):
            p = self.run_cmd("usage", "--days", days)
            self.assertEqual((p.returncode, p.stderr.splitlines()[0]),
                             (2, "pdbridge usage: --days must be 1 to 31"))

    # --- errors that say what to do ----------------------------------------------------

    def test_401_names_the_host_and_the_likely_causes(self):
        p = self.run_cmd("status", env=self.env(PAGERDUTY_USER_API_KEY="revoked-key-0000"))
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr, (
            "pdbridge status: PagerDuty API error 401: Authentication failed (code 2006). %s "
            "refused the API key: it may be revoked or mistyped, belong to an account in the "
            "other region (EU accounts answer on https://api.eu.pagerduty.com, US ones on "
            "https://api.pagerduty.com), or be an account key where a user key is needed. "
            "`pdbridge config show --origin` shows which key and host are in use.\n") % self.sim.url)

    def test_403_says_the_role_lacks_the_permission(self):
        self.sim.control("POST", "/_sim/faults", {"path": "^/oncalls$", "kind": "status",
                                                  "status": 403})
        p = self.run_cmd("status")
        self.assertEqual(p.returncode, 1)
        self.assertIn("PagerDuty API error 403", p.stderr)
        self.assertIn("The key was accepted, but its user's role lacks the permission for this "
                      "(a read-only key cannot change anything; Freemium accounts can do less).",
                      p.stderr)

    def test_a_missing_key_says_where_pdbridge_looked(self):
        store = os.path.join(self.tmp.name, "empty.bin")
        p = self.run_cmd("status", env=self.env(PAGERDUTY_USER_API_KEY=None,
                                                PDBRIDGE_CONFIG=store))
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr, (
            "pdbridge status: An API key is required to call the PagerDuty API. pdbridge looked "
            "in PAGERDUTY_USER_API_KEY and PDBRIDGE_TOKEN (there is no flag, on purpose) and in "
            "the config store %s: set it with `pdbridge config set token -`.\n") % store)
        self.assertFalse(self.api_requests())


class StatsTopicTest(unittest.TestCase):
    """The daemon's retained <base>/stats topic, on a real mosquitto."""

    def test_stats_are_retained_and_published_at_most_once_a_minute(self):
        sim, broker = Sim(), Broker()
        tmp = tempfile.TemporaryDirectory(prefix="pdb-stats-")
        base = "pdbridge/" + NODE
        sub = Subscriber(broker, base + "/stats")
        env = sim.env(PDBRIDGE_CONFIG=os.path.join(tmp.name, "config.bin"),
                      PDBRIDGE_MQTT_URL=broker.url, PDBRIDGE_MQTT_NODE_ID=NODE,
                      PDBRIDGE_POLL_INTERVAL="5")
        err = tempfile.TemporaryFile()
        proc = subprocess.Popen([os.path.join(build_dir(), "pdbridge"), "run"], env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        try:
            first = sub.wait_for(lambda m: m[0] == base + "/stats", 15)
            self.assertIsNotNone(first, "no stats within 15 s")
            stats = json.loads(first[1])
            self.assertEqual([c["caller"] for c in stats["callers"]], ["poller"])
            self.assertGreaterEqual(stats["requests"], 3)  # /users/me, on-calls, incidents
            self.assertEqual(stats["ratelimit"]["limit"], 960)
            self.assertNotIn(TOKEN, first[1])
            # polls go on every 5 s, yet the counts are not published again within the minute
            time.sleep(7)
            self.assertEqual(len([m for m in sub.messages() if m[0] == base + "/stats"]), 1)
            late = Subscriber(broker, base + "/stats")
            got = late.wait_for(lambda m: m[0] == base + "/stats", 10)
            late.stop()
            self.assertTrue(got and got[2], "stats not retained")
            agents = {r["headers"].get("User-Agent") for r in sim.requests()}
            self.assertEqual(agents, {"pdbridge/%s (node %s)" % (version(), NODE)})
        finally:
            proc.terminate()
            rc = proc.wait(60)
            err.seek(0)
            text = err.read().decode(errors="replace")
            err.close()
            sub.stop()
            broker.stop()
            sim.stop()
            tmp.cleanup()
        self.assertEqual(rc, 0, text[-3000:])
        self.assertNotIn(TOKEN, text)


if __name__ == "__main__":
    unittest.main()
