"""The PagerDuty client (src/pd) and `pdbridge status` against the simulator.

Each test drives the real client through tests/integration/pd_probe.c or the
real pdbridge binary over HTTPS with the project's own wolfSSL build, and
checks what a user would notice: the exact requests PagerDuty receives, the
errors, the retries and their timing, the bounds, and that the key never
shows up in any output. Against a server that pages like an OpenAPI contract
mock (every page one item, `more` always true, no usable `total`) a list and
a status read make a bounded number of requests, keep and show the triggered
incidents they were given and say why the counts are lower bounds; against
an honest one the counts come from `total=true` in one request (three when
the open incidents do not fit one page). Run with PDB_BUILD=build-san to do
all of it under ASan+UBSan, where a leak fails the test too.
"""

import json
import os
import subprocess
import time
import unittest

from simfixture import TOKEN, Sim, build_dir, limit

MIB = 1024 * 1024
PAGES_MAX = limit("PDB_PD_LIST_PAGES_MAX")
STATUS_PAGES_MAX = limit("PDB_PD_STATUS_PAGES_MAX")
KEPT_MAX = limit("PDB_STATUS_INCIDENTS_MAX")
NEWEST = "/incidents?date_range=all&sort_by=created_at:desc&limit=1&statuses[]="


class PdClientTest(unittest.TestCase):
    outputs = []  # everything any client printed, for the token check at the end

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim()
        cls.probe_bin = os.path.join(build_dir(), "tests", "pd_probe")
        cls.pdbridge = os.path.join(build_dir(), "pdbridge")

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()
        joined = "\n".join(cls.outputs)
        assert TOKEN not in joined, "the API key appeared in client output"

    def setUp(self):
        self.sim.reset()

    def run_cmd(self, argv, env, timeout=60):
        p = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
        self.outputs.extend([p.stdout, p.stderr])
        return p

    def probe(self, *args, env=None):
        t0 = time.monotonic()
        p = self.run_cmd([self.probe_bin, *args], env or self.sim.env())
        self.assertEqual(p.returncode, 0, "probe crashed or leaked:\n" + p.stderr[-3000:])
        lines = p.stdout.splitlines()
        out = json.loads(lines[0])
        self.assertEqual(json.loads(lines[1])["mem_current"], 0, "memory leaked through mem")
        out["wall"] = time.monotonic() - t0
        out["stderr"] = p.stderr
        return out

    # --- requests as PagerDuty sees them ----------------------------------

    def test_exact_headers_on_reads_and_writes(self):
        self.assertEqual(self.probe("get", "/users/me")["rc"], "OK")
        out = self.probe("--from", "ops@example.com", "put", "/incidents", "",
                         '{"incidents":[]}')
        self.assertIn(out["rc"], ("OK", "HTTP"))
        get, put = self.sim.requests()[-2:]
        for r in (get, put):
            h = {k.lower(): v for k, v in r["headers"].items()}
            self.assertEqual(h["authorization"], "Token token=" + TOKEN)
            self.assertEqual(h["accept"], "application/vnd.pagerduty+json;version=2")
            self.assertEqual(h["content-type"], "application/json")
            self.assertEqual(h["user-agent"], "pdbridge/0.1.0")
            self.assertNotIn("expect", h)
        self.assertNotIn("from", {k.lower() for k in get["headers"]})
        self.assertEqual({k.lower(): v for k, v in put["headers"].items()}["from"],
                         "ops@example.com")
        self.assertEqual(put["method"], "PUT")

    def test_from_is_required_where_pagerduty_requires_it(self):
        out = self.probe("put", "/incidents", "", '{"incidents":[]}')
        self.assertEqual(out["rc"], "HTTP")
        self.assertIn("400", out["error"])
        self.assertIn("From", out["error"])

    def test_regions_use_their_hosts(self):
        for region, host in (("us", "api.pagerduty.com"), ("eu", "api.eu.pagerduty.com")):
            env = self.sim.env(PAGERDUTY_API_HOST=None,
                               PDBRIDGE_CONNECT_TO="%s:443:127.0.0.1:%d" % (host, self.sim.port))
            self.sim.control("DELETE", "/_sim/requests")
            out = self.probe("--region", region, "get", "/priorities", env=env)
            self.assertEqual(out["rc"], "OK", out["error"])
            req = self.sim.requests()[-1]
            self.assertEqual(req["host"], host)
            self.assertEqual(req["sni"], host)

    def test_pagination_collects_everything_in_fewest_requests(self):
        info = self.sim.control("GET", "/_sim/info")
        total = info["counts"]["incidents"]
        self.assertGreater(total, 150)
        out = self.probe("list", "incidents", "/incidents", "date_range=all")
        self.assertEqual(out["rc"], "OK", out["error"])
        self.assertEqual(out["records"], total)
        self.assertEqual(len({i["id"] for i in out["body"]}), total)
        self.assertEqual(out["requests"], -(-total // 100))
        self.assertFalse(out["truncated"])
        queries = [r["query"] for r in self.sim.requests()]
        self.assertEqual([q["limit"] for q in queries], [["100"]] * out["requests"])

    def test_record_cap_holds(self):
        out = self.probe("--max-records", "30", "list", "incidents", "/incidents",
                         "date_range=all")
        self.assertEqual((out["rc"], out["records"], out["requests"]), ("OK", 30, 1))
        self.assertTrue(out["truncated"])
        self.assertEqual(self.sim.requests()[-1]["query"]["limit"], ["30"])

    def test_byte_cap_holds(self):
        out = self.probe("--max-bytes", "20000", "list", "incidents", "/incidents",
                         "date_range=all")
        self.assertEqual(out["rc"], "OK", out["error"])
        self.assertTrue(out["truncated"])
        self.assertEqual(out["requests"], 1)

    # --- rate limits and retries ---------------------------------------------

    def test_429_is_retried_after_ratelimit_reset(self):
        self.sim.control("POST", "/_sim/faults", {"path": "^/priorities$", "kind": "429",
                                                  "count": 2, "ratelimit_reset": 1})
        out = self.probe("get", "/priorities")
        self.assertEqual(out["rc"], "OK", out["error"])
        self.assertEqual((out["requests"], out["retries"]), (3, 2))
        self.assertGreaterEqual(out["ms"], 2000)  # waited ratelimit-reset each time

    def test_persistent_429_ends_with_a_clear_error_in_time(self):
        self.sim.control("POST", "/_sim/faults", {"path": "^/priorities$", "kind": "429",
                                                  "count": -1, "ratelimit_reset": 1})
        out = self.probe("--deadline-ms", "6000", "get", "/priorities")
        self.assertEqual(out["rc"], "RATELIMIT")
        self.assertIn("429", out["error"])
        self.assertIn("Rate Limit Exceeded", out["error"])
        self.assertEqual(out["requests"], 4)  # the first try and 3 retries, no more
        self.assertLess(out["wall"], 8)

    def test_bare_429_without_headers_backs_off_and_gives_up(self):
        self.sim.control("POST", "/_sim/faults", {"path": "^/priorities$", "kind": "429",
                                                  "count": -1, "bare": True})
        out = self.probe("--retries", "2", "get", "/priorities")
        self.assertEqual(out["rc"], "RATELIMIT")
        self.assertEqual(out["requests"], 3)

    def test_rate_limit_wait_past_the_deadline_fails_at_once(self):
        self.sim.control("POST", "/_sim/faults", {"path": "^/priorities$", "kind": "429",
                                                  "count": -1, "ratelimit_reset": 60})
        out = self.probe("--deadline-ms", "3000", "get", "/priorities")
        self.assertEqual((out["rc"], out["requests"]), ("RATELIMIT", 1))
        self.assertLess(out["wall"], 3)

    def test_5xx_retried_on_get_not_on_post(self):
        self.sim.control("POST", "/_sim/faults", {"path": "^/priorities$", "kind": "5xx",
                                                  "status": 503, "count": 1})
        out = self.probe("get", "/priorities")
        self.assertEqual((out["rc"], out["requests"]), ("OK", 2))
        self.sim.control("POST", "/_sim/faults", {"path": "^/incidents$", "kind": "5xx",
                                                  "status": 503, "count": 1})
        out = self.probe("--from", "ops@example.com", "post", "/incidents", "",
                         '{"incident":{"type":"incident","title":"x"}}')
        self.assertEqual((out["rc"], out["requests"]), ("HTTP", 1))
        self.assertIn("503", out["error"])

    def test_connection_reset_is_retried_on_get(self):
        self.sim.control("POST", "/_sim/faults", {"path": "^/priorities$", "kind": "reset",
                                                  "count": 1})
        out = self.probe("get", "/priorities")
        self.assertEqual((out["rc"], out["requests"]), ("OK", 2))

    # --- hostile bodies ----------------------------------------------------------

    def test_truncated_body_is_an_error(self):
        self.sim.control("POST", "/_sim/faults", {"path": "^/priorities$", "kind": "truncate",
                                                  "count": -1})
        out = self.probe("--retries", "1", "get", "/priorities")
        self.assertEqual(out["rc"], "CONNECT")
        self.assertEqual(out["requests"], 2)

    def test_invalid_json_is_a_parse_error(self):
        self.sim.control("POST", "/_sim/faults", {"path": "^/priorities$",
                                                  "kind": "invalid_json", "count": 1})
        out = self.probe("get", "/priorities")
        self.assertEqual(out["rc"], "PARSE")
        self.assertIn("unreadable", out["error"])

    def test_oversize_body_is_refused_within_the_heap_cap(self):
        self.sim.control("POST", "/_sim/faults", {"path": "^/priorities$", "kind": "oversize",
                                                  "bytes": 64 * MIB, "count": 1})
        out = self.probe("--heap-limit", str(8 * MIB), "get", "/priorities")
        self.assertEqual(out["rc"], "TOO_LARGE")
        self.assertIn("larger than", out["error"])
        self.assertLess(out["mem_peak"], 8 * MIB)

    def test_wrong_field_types_are_named(self):
        self.sim.control("POST", "/_sim/faults", {
            "path": "^/incidents$", "kind": "invalid_json", "count": 1,
            "body": '{"incidents":[{"id":"P1","incident_number":"seven"}],"more":false}'})
        out = self.probe("fetch")
        self.assertEqual(out["rc"], "TYPE")
        self.assertIn("incident_number", out["error"])

    # --- TLS and connection reuse ---------------------------------------------------

    def test_wrong_ca_is_a_tls_error_and_no_data(self):
        out = self.probe("get", "/priorities", env=self.sim.env(PDBRIDGE_CA_FILE=self.sim.wrong_ca))
        self.assertEqual(out["rc"], "TLS")
        self.assertNotIn("body", out)
        self.assertEqual(self.sim.requests(), [])

    def test_hostname_mismatch_is_rejected(self):
        env = self.sim.env(PAGERDUTY_API_HOST="https://otherhost.example",
                           PDBRIDGE_CONNECT_TO="otherhost.example:443:127.0.0.1:%d" % self.sim.port)
        out = self.probe("get", "/priorities", env=env)
        self.assertEqual(out["rc"], "TLS")
        self.assertEqual(self.sim.requests(), [])

    def test_100_sequential_calls_use_one_connection(self):
        out = self.probe("--repeat", "100", "get", "/priorities")
        self.assertEqual((out["rc"], out["requests"]), ("OK", 100))
        stats = self.sim.control("GET", "/_sim/stats")
        self.assertEqual(stats["api_connections"], 1)
        self.assertEqual(stats["requests"], 100)

    # --- auth ----------------------------------------------------------------------------

    def test_no_key_gives_the_official_message(self):
        out = self.probe("get", "/priorities", env=self.sim.env(PAGERDUTY_USER_API_KEY=None))
        self.assertEqual(out["rc"], "AUTH")
        self.assertEqual(out["error"], "An API key is required to call the PagerDuty API.")

    def test_bad_key_is_401_with_pagerdutys_message(self):
        out = self.probe("get", "/priorities", env=self.sim.env(PAGERDUTY_USER_API_KEY="nope"))
        self.assertEqual(out["rc"], "AUTH")
        self.assertIn("401", out["error"])
        self.assertIn("Authentication failed", out["error"])

    def test_http_to_a_remote_host_is_refused(self):
        out = self.probe("get", "/x", env=self.sim.env(PAGERDUTY_API_HOST="http://example.com"))
        self.assertEqual(out["rc"], "INVAL")
        self.assertIn("loopback", out["error"])
        # names that only look like loopback: refused before any lookup
        for host in ("http://127.0.0.1.nip.io", "http://localhost.evil.com:8080",
                     "http://0.0.0.0:%d" % self.sim.port, "http://[::ffff:10.0.0.1]"):
            out = self.probe("get", "/x", env=self.sim.env(PAGERDUTY_API_HOST=host))
            self.assertEqual((out["rc"], "loopback" in out["error"]), ("INVAL", True), host)
        self.assertEqual(self.sim.requests(), [])

    def test_http_to_loopback_is_allowed_in_any_spelling(self):
        # the simulator speaks TLS only, so the plain request fails, but later than the check
        for host in ("http://LOCALHOST:%d", "http://[::ffff:127.0.0.1]:%d"):
            out = self.probe("--retries", "0", "get", "/x",
                             env=self.sim.env(PAGERDUTY_API_HOST=host % self.sim.port))
            self.assertEqual(out["rc"], "CONNECT", host)
            self.assertNotIn("loopback", out["error"], host)

    # --- pdbridge status -------------------------------------------------------------------

    def status(self, *args, env=None):
        return self.run_cmd([self.pdbridge, "status", *args], env or self.sim.env())

    def test_status_json_matches_pagerduty(self):
        p = self.status("--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        snap = json.loads(p.stdout)
        for status in ("triggered", "acknowledged"):
            self.assertEqual(snap["counts"][status],
                             self.sim.count("/incidents?date_range=all&statuses[]=" + status))
        self.assertTrue(snap["oncalls"])
        for o in snap["oncalls"]:
            self.assertTrue(o["user"] and o["email"] and o["escalation_policy_id"])
        first = snap["incidents"][0]
        self.assertEqual(first["status"], "triggered")

    def test_status_shows_a_new_incident_and_names_people(self):
        svc = self.sim.api("/services")["services"][0]["id"]
        self.sim.control("POST", "/_sim/trigger", {"service_id": svc, "title": "Lamp test 42"})
        p = self.status()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Lamp test 42", p.stdout)
        self.assertIn("On call now", p.stdout)
        self.assertIn("@example.com>", p.stdout)

    def test_status_failure_is_one_clear_line(self):
        p = self.status(env=self.sim.env(PAGERDUTY_USER_API_KEY="wrong-key"))
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout, "")
        self.assertIn("pdbridge status: PagerDuty API error 401", p.stderr)
        p = self.status("--region", "mars")
        self.assertEqual(p.returncode, 1)
        self.assertIn("region must be", p.stderr)
        p = self.status("--bogus")
        self.assertEqual(p.returncode, 2)


    # --- paging against servers that page badly --------------------------------------------
    # A contract mock generated from PagerDuty's OpenAPI spec answers every page of a list with
    # one example item and {"limit":1,"offset":0,"more":true}, with no usable total; the
    # simulator's contract_page fault answers the same way, with real records.

    def fault(self, **spec):
        self.sim.control("POST", "/_sim/faults", dict(spec, count=-1))

    def mock(self, path="^/(incidents|oncalls)$", **spec):
        """Answer lists like the OpenAPI contract mock, from now on."""
        self.sim.control("DELETE", "/_sim/requests")
        self.fault(kind="contract_page", path=path, **spec)

    def requests(self, path=None):
        return [r for r in self.sim.requests() if path is None or r["path"] == path]

    def newest(self, status):
        return self.sim.api(NEWEST + status)["incidents"][0]


    def test_a_list_against_the_mock_stops_at_the_page_cap(self):
        self.mock()
        for verb in ("walk", "list"):
            self.sim.control("DELETE", "/_sim/requests")
            out = self.probe(verb, "incidents", "/incidents", "date_range=all")
            err = out["stderr"]
            self.assertEqual(out["rc"], "OK", out["error"])
            self.assertEqual((out["requests"], out["records"]), (PAGES_MAX, PAGES_MAX))
            self.assertTrue(out["truncated"] and out["capped"])
            sent = [r["query"] for r in self.requests("/incidents")]
            self.assertEqual(len(sent), PAGES_MAX)
            # offsets advance by what was received, limits are what was asked: never the echoes
            self.assertEqual([q["offset"] for q in sent], [[str(i)] for i in range(PAGES_MAX)])
            self.assertEqual({q["limit"][0] for q in sent}, {"100"})
            self.assertIn("GET /incidents: PagerDuty still said more after %d requests" % PAGES_MAX,
                          err)
            self.assertIn("stopped at the page cap", err)

    def test_an_empty_page_that_claims_more_ends_the_list(self):
        self.fault(kind="invalid_json", path="^/incidents$",
                   body='{"incidents":[],"limit":100,"offset":0,"more":true,"total":null}')
        out = self.probe("walk", "incidents", "/incidents")
        self.assertEqual((out["rc"], out["requests"], out["records"]), ("OK", 1, 0))
        self.assertTrue(out["truncated"])
        self.assertFalse(out["capped"])

    def test_a_page_gives_no_more_than_was_asked(self):
        items = ",".join('{"id":"P%d","type":"incident"}' % i for i in range(5))
        self.fault(kind="invalid_json", path="^/incidents$",
                   body='{"incidents":[%s],"limit":1,"offset":0,"more":false}' % items)
        out = self.probe("--max-records", "3", "list", "incidents", "/incidents")
        self.assertEqual((out["rc"], out["requests"], out["records"]), ("OK", 1, 3))
        self.assertEqual([i["id"] for i in out["body"]], ["P0", "P1", "P2"])
        self.assertTrue(out["truncated"])
        self.assertEqual(self.requests("/incidents")[0]["query"]["limit"], ["3"])

    def test_no_page_starts_once_the_deadline_has_passed(self):
        entries = self.sim.count("/log_entries")
        self.assertGreater(entries, 500)  # at least 6 pages
        self.fault(kind="latency", path="^/log_entries$", ms=400)
        out = self.probe("--deadline-ms", "1000", "walk", "log_entries", "/log_entries")
        self.assertEqual(out["rc"], "OK", out["error"])
        self.assertIn(out["requests"], (2, 3))  # pages start at 0, 0.4, 0.8 s; none after 1 s
        self.assertEqual(out["records"], 100 * out["requests"])
        self.assertTrue(out["truncated"] and out["capped"])
        self.assertIn("stopped at the time cap", out["stderr"])
        self.assertLess(out["wall"], 10)

    # --- the status read: counts from total=true ---------------------------------------------

    def status_ok(self, *args):
        p = self.status(*args)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p


    def test_status_against_the_mock_is_bounded_and_shows_what_it_saw(self):
        trig = self.newest("triggered")
        for total, why in ((False, "absent or null"), (None, "absent or null"),
                           (-1, "negative or out of range"),
                           (0, "smaller than the items of the page")):
            with self.subTest(total=total):
                self.sim.control("DELETE", "/_sim/faults")
                self.mock(**({} if total is False else {"total": total}))
                t0 = time.monotonic()
                p = self.status_ok("--json")
                wall = time.monotonic() - t0
                snap = json.loads(p.stdout)
                self.assertLessEqual(len(self.requests()), STATUS_PAGES_MAX)
                self.assertEqual(len(self.requests("/incidents")), 3)
                self.assertLess(wall, 20)
                self.assertTrue(snap["counts"]["truncated"])
                self.assertGreaterEqual(snap["counts"]["triggered"], 1)
                shown = {i["id"]: i["status"] for i in snap["incidents"]}
                self.assertEqual(shown.get(trig["id"]), "triggered")
                self.assertTrue(snap["oncalls_truncated"])
                self.assertEqual(len(snap["oncalls"]), 1)  # the one entry served again and again
                self.assertIn("GET /incidents: PagerDuty's total (total=true) was %s" % why,
                              p.stderr)
                self.assertIn("the open-incident counts are lower bounds", p.stderr)
        p = self.status_ok()
        self.assertRegex(p.stdout, r"Open incidents: [1-9]\d* triggered, \d+ acknowledged \(at least\)")
        self.assertIn(trig["title"], p.stdout)

    def test_status_counts_come_from_total_in_one_request(self):
        p = self.status_ok("--json")
        snap = json.loads(p.stdout)
        incidents = self.requests("/incidents")
        self.assertEqual(len(incidents), 1)
        self.assertEqual(len(self.requests()), 2)  # and one for the on-calls
        q = incidents[0]["query"]
        self.assertEqual((q["total"], q["limit"], q["offset"]), (["true"], [str(KEPT_MAX)], ["0"]))
        self.assertFalse(snap["counts"]["truncated"])
        for status in ("triggered", "acknowledged"):
            self.assertEqual(snap["counts"][status],
                             self.sim.count("/incidents?date_range=all&statuses[]=" + status))
        self.assertEqual(snap["counts"]["high_urgency"], self.sim.count(
            "/incidents?date_range=all&statuses[]=triggered&statuses[]=acknowledged"
            "&urgencies[]=high"))
        self.assertNotIn("lower bounds", p.stderr)

    def test_status_with_more_open_than_kept_takes_three_requests_and_keeps_the_triggered(self):
        svc = self.sim.api("/services")["services"][0]["id"]
        before = self.sim.count("/incidents?date_range=all&statuses[]=triggered&statuses[]=acknowledged")
        for i in range(KEPT_MAX + 10 - before):
            self.sim.control("POST", "/_sim/trigger", {"service_id": svc, "title": "Load %d" % i,
                                                       "urgency": "low" if i % 3 else "high"})
        # the newest 50 open leave older triggered ones out: the second request brings them in
        self.sim.control("DELETE", "/_sim/requests")
        p = self.status_ok("--json")
        snap = json.loads(p.stdout)
        incidents = self.requests("/incidents")
        self.assertEqual(len(incidents), 3)
        self.assertLessEqual(len(self.requests()), 4)
        queries = [r["query"] for r in incidents]
        self.assertEqual([q["total"] for q in queries], [["true"]] * 3)
        self.assertEqual([q["statuses[]"] for q in queries],
                         [["triggered", "acknowledged"], ["triggered"], ["triggered", "acknowledged"]])
        self.assertEqual(queries[2]["urgencies[]"], ["high"])
        counts = snap["counts"]
        self.assertFalse(counts["truncated"])
        trig = self.sim.count("/incidents?date_range=all&statuses[]=triggered")
        self.assertEqual(counts["triggered"], trig)
        self.assertEqual(counts["acknowledged"],
                         self.sim.count("/incidents?date_range=all&statuses[]=acknowledged"))
        self.assertEqual(counts["high_urgency"], self.sim.count(
            "/incidents?date_range=all&statuses[]=triggered&statuses[]=acknowledged"
            "&urgencies[]=high"))
        self.assertEqual(len(snap["incidents"]), KEPT_MAX)
        self.assertEqual(sum(i["status"] == "triggered" for i in snap["incidents"]),
                         min(trig, KEPT_MAX))

if __name__ == "__main__":
    unittest.main()
