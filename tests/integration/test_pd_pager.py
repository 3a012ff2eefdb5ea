"""The PagerDuty pager against servers that page badly, and the status read's request count.

A contract mock generated from PagerDuty's OpenAPI spec answers every page of
a list with one example item and `{"limit":1,"offset":0,"more":true}`, with
no usable `total`; the simulator's `contract_page` fault answers the same way
(with real records, so what was shown can be checked). Against it a list
call, `pdbridge status` and a status read must make a bounded number of
requests (read from the simulator's request log), keep and show the
triggered incidents they were given, mark the counts as lower bounds and say
why in one log line. Against an honest simulator the counts come from
`total=true`: one request for the open incidents when they fit one page,
three when they do not, whatever their number. Every child has a deadline.
Run with PDB_BUILD=build-san to do all of it under ASan+UBSan.
"""

import json
import os
import subprocess
import time
import unittest

from simfixture import TOKEN, Sim, build_dir, limit

DEADLINE_S = 60  # for every child process

PAGES_MAX = limit("PDB_PD_LIST_PAGES_MAX")
STATUS_PAGES_MAX = limit("PDB_PD_STATUS_PAGES_MAX")
KEPT_MAX = limit("PDB_STATUS_INCIDENTS_MAX")
NEWEST = "/incidents?date_range=all&sort_by=created_at:desc&limit=1&statuses[]="


class PagerTest(unittest.TestCase):
    outputs = []

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim()
        cls.probe_bin = os.path.join(build_dir(), "tests", "pd_probe")
        cls.pdbridge = os.path.join(build_dir(), "pdbridge")

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()
        assert TOKEN not in "\n".join(cls.outputs), "the API key appeared in client output"

    def setUp(self):
        self.sim.reset()

    def run_cmd(self, argv, env=None):
        p = subprocess.run(argv, env=env or self.sim.env(), capture_output=True, text=True,
                           timeout=DEADLINE_S)
        self.outputs.extend([p.stdout, p.stderr])
        return p

    def probe(self, *args):
        p = self.run_cmd([self.probe_bin, *args])
        self.assertEqual(p.returncode, 0, "probe crashed or leaked:\n" + p.stderr[-3000:])
        lines = p.stdout.splitlines()
        self.assertEqual(json.loads(lines[1])["mem_current"], 0, "memory leaked through mem")
        return json.loads(lines[0]), p.stderr

    def status(self, *args):
        t0 = time.monotonic()
        p = self.run_cmd([self.pdbridge, "status", *args])
        self.assertEqual(p.returncode, 0, p.stderr)
        return p, time.monotonic() - t0

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

    # --- one list ---------------------------------------------------------------------

    def test_a_list_against_the_mock_stops_at_the_page_cap(self):
        self.mock()
        for verb in ("walk", "list"):
            self.sim.control("DELETE", "/_sim/requests")
            out, err = self.probe(verb, "incidents", "/incidents", "date_range=all")
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
        out, _ = self.probe("walk", "incidents", "/incidents")
        self.assertEqual((out["rc"], out["requests"], out["records"]), ("OK", 1, 0))
        self.assertTrue(out["truncated"])
        self.assertFalse(out["capped"])

    def test_a_page_gives_no_more_than_was_asked(self):
        items = ",".join('{"id":"P%d","type":"incident"}' % i for i in range(5))
        self.fault(kind="invalid_json", path="^/incidents$",
                   body='{"incidents":[%s],"limit":1,"offset":0,"more":false}' % items)
        out, _ = self.probe("--max-records", "3", "list", "incidents", "/incidents")
        self.assertEqual((out["rc"], out["requests"], out["records"]), ("OK", 1, 3))
        self.assertEqual([i["id"] for i in out["body"]], ["P0", "P1", "P2"])
        self.assertTrue(out["truncated"])
        self.assertEqual(self.requests("/incidents")[0]["query"]["limit"], ["3"])

    def test_no_page_starts_once_the_deadline_has_passed(self):
        entries = self.sim.count("/log_entries")
        self.assertGreater(entries, 500)  # at least 6 pages
        self.fault(kind="latency", path="^/log_entries$", ms=400)
        t0 = time.monotonic()
        out, err = self.probe("--deadline-ms", "1000", "walk", "log_entries", "/log_entries")
        wall = time.monotonic() - t0
        self.assertEqual(out["rc"], "OK", out["error"])
        self.assertIn(out["requests"], (2, 3))  # pages start at 0, 0.4, 0.8 s; none after 1 s
        self.assertEqual(out["records"], 100 * out["requests"])
        self.assertTrue(out["truncated"] and out["capped"])
        self.assertIn("stopped at the time cap", err)
        self.assertLess(wall, 10)

    # --- pdbridge status and the status read ------------------------------------------------

    def test_status_against_the_mock_is_bounded_and_shows_what_it_saw(self):
        trig = self.newest("triggered")
        for total, why in ((False, "absent or null"), (None, "absent or null"),
                           (-1, "negative or out of range"),
                           (0, "smaller than the items of the page")):
            with self.subTest(total=total):
                self.sim.control("DELETE", "/_sim/faults")
                self.mock(**({} if total is False else {"total": total}))
                p, wall = self.status("--json")
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
        p, _ = self.status()
        self.assertRegex(p.stdout, r"Open incidents: [1-9]\d* triggered, \d+ acknowledged \(at least\)")
        self.assertIn(trig["title"], p.stdout)

    def test_status_counts_come_from_total_in_one_request(self):
        p, _ = self.status("--json")
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
        p, _ = self.status("--json")
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
