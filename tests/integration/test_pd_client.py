"""The PagerDuty client (src/pd) and `pdbridge status` against the simulator.

Each test drives the real client through tests/integration/pd_probe.c or the
real pdbridge binary over HTTPS with the project's own wolfSSL build, and
checks what a user would notice: the exact requests PagerDuty receives, the
errors, the retries and their timing, the bounds, and that the key never
shows up in any output. Run with PDB_BUILD=build-san to do all of it under
ASan+UBSan, where a leak fails the test too.
"""

import json
import os
import subprocess
import time
import unittest

from simfixture import TOKEN, Sim, build_dir

MIB = 1024 * 1024


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


if __name__ == "__main__":
    unittest.main()
