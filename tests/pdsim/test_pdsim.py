"""Self-test of the PagerDuty simulator (unittest, stdlib only).

Makes a test PKI with mkcerts.sh in a temporary directory, starts pdsim.py on
port 0 over HTTPS in a subprocess (clock pinned, fixed seed) and talks to it
with http.client + ssl trusting the test CA, mapping api.pagerduty.com and
api.eu.pagerduty.com to 127.0.0.1 the way a client with a resolver override
would. Covers envelopes and pagination, auth and From errors, writes read
back, on-calls against rendered schedules, every fault kind, keep-alive
connection counting, the EU host name, determinism and clean shutdown; and,
for every resource kind the official MCP server's tools reach (ENDPOINTS.md),
the list shape and pagination style, a get, a write read back and a 404.
Run: python3 -m unittest discover -s tests/pdsim -v
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN = "pdsim-test-token"
CLOCK = "2026-11-27T10:00:00Z"
SEED = 7
ID_RE = re.compile(r"^(P[A-Z0-9]{6}|Q[A-Z0-9]{13})$")
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")


def parse_ts(text):
    from datetime import datetime
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


class MappedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 while verifying and sending SNI/Host for `host`."""

    def __init__(self, host, port, context, timeout=20):
        super().__init__(host, port, context=context, timeout=timeout)

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def start_sim(tmp, name, *args):
    port_file = os.path.join(tmp, name + ".port")
    err = open(os.path.join(tmp, name + ".stderr"), "wb")
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "pdsim.py"), "--port", "0",
                             "--port-file", port_file] + list(args),
                            stdout=subprocess.DEVNULL, stderr=err)
    err.close()
    deadline = time.time() + 15
    while time.time() < deadline:
        if os.path.exists(port_file):
            with open(port_file) as f:
                text = f.read().strip()
            if text:
                return proc, int(text)
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    proc.kill()
    with open(os.path.join(tmp, name + ".stderr")) as f:
        raise RuntimeError("simulator did not start: " + f.read())


def stop_sim(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


class SimTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pdsim-test-")
        cls.certs = os.path.join(cls.tmp, "certs")
        subprocess.run(["sh", os.path.join(HERE, "mkcerts.sh"), cls.certs], check=True)
        cls.proc, cls.port = start_sim(cls.tmp, "main", "--tls-cert", os.path.join(cls.certs, "server.pem"),
                                       "--tls-key", os.path.join(cls.certs, "server.key"),
                                       "--seed", str(SEED), "--clock", CLOCK,
                                       "--log", os.path.join(cls.tmp, "requests.jsonl"))
        cls.ctx = ssl.create_default_context(cafile=os.path.join(cls.certs, "ca.pem"))
        cls.me = cls.get("/users/me")[1]["user"]

    @classmethod
    def tearDownClass(cls):
        stop_sim(cls.proc)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.ctl("DELETE", "/_sim/faults")
        self.ctl("POST", "/_sim/reset")
        self.ctl("POST", "/_sim/clock", {"now": CLOCK})

    # ------------------------------------------------------------- helpers

    @classmethod
    def conn(cls, host="api.pagerduty.com"):
        return MappedHTTPSConnection(host, cls.port, cls.ctx)

    @classmethod
    def raw(cls, method, path, body=None, headers=None, token=TOKEN, frm=None, host="api.pagerduty.com", conn=None):
        hdrs = {"Accept": "application/vnd.pagerduty+json;version=2"}
        if token is not None:
            hdrs["Authorization"] = "Token token=" + token
        if frm is not None:
            hdrs["From"] = frm
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        own = conn is None
        c = conn or cls.conn(host)
        try:
            c.request(method, path, body=data, headers=hdrs)
            resp = c.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            if own:
                c.close()

    @classmethod
    def call(cls, method, path, body=None, **kw):
        status, headers, data = cls.raw(method, path, body, **kw)
        return status, (json.loads(data) if data else None), headers

    @classmethod
    def get(cls, path, **kw):
        return cls.call("GET", path, **kw)

    @classmethod
    def ctl(cls, method, path, body=None):
        status, data, _ = cls.call(method, path, body, token=None)
        return status, data

    def put_incidents(self, items, frm=None):
        return self.call("PUT", "/incidents", {"incidents": items}, frm=frm or self.me["email"])

    def first(self, query):
        status, body, _ = self.get("/incidents?date_range=all&limit=1&" + query)
        self.assertEqual(status, 200)
        return body["incidents"][0]

    def assert_error(self, status, body, want_status, code=None):
        self.assertEqual(status, want_status, body)
        self.assertIsInstance(body["error"]["message"], str)
        self.assertIsInstance(body["error"]["code"], int)
        if code is not None:
            self.assertEqual(body["error"]["code"], code)

    # ------------------------------------------------ envelopes, pagination

    def test_list_envelope_and_full_pagination(self):
        seen, offset, pages = [], 0, 0
        while True:
            status, body, headers = self.get("/incidents?date_range=all&total=true&limit=100&offset=%d" % offset)
            self.assertEqual(status, 200)
            self.assertEqual(headers["Content-Type"], "application/json")
            self.assertEqual(set(body), {"incidents", "limit", "offset", "more", "total"})
            self.assertEqual((body["limit"], body["offset"]), (100, offset))
            self.assertIsInstance(body["total"], int)
            seen.extend(body["incidents"])
            pages += 1
            offset += len(body["incidents"])
            if not body["more"]:
                break
        total = body["total"]
        self.assertGreaterEqual(total, 150)
        self.assertEqual(len(seen), total)
        self.assertEqual(pages, (total + 99) // 100)
        self.assertEqual(len({i["id"] for i in seen}), total)
        for inc in seen:
            self.assertRegex(inc["id"], ID_RE)
            self.assertRegex(inc["created_at"], TIME_RE)
            self.assertEqual(inc["type"], "incident")
            self.assertEqual(inc["summary"], "[#%d] %s" % (inc["incident_number"], inc["title"]))
            self.assertEqual(inc["service"]["type"], "service_reference")
            self.assertTrue(inc["self"].startswith("https://api.pagerduty.com:%d/incidents/" % self.port))
        self.assertEqual({i["status"] for i in seen}, {"triggered", "acknowledged", "resolved"})
        self.assertEqual({i["urgency"] for i in seen}, {"high", "low"})
        self.assertEqual({i["priority"]["summary"] if i["priority"] else None for i in seen},
                         {None, "P1", "P2", "P3", "P4", "P5"})
        self.assertTrue(any(len(i["id"]) == 14 for i in seen))
        status, body, _ = self.get("/incidents?date_range=all")
        self.assertEqual((body["limit"], body["offset"], body["more"], body["total"]), (25, 0, True, None))
        status, body, _ = self.get("/incidents?date_range=all&limit=500")
        self.assertEqual(body["limit"], 100)
        self.assertEqual(len(body["incidents"]), 100)

    def test_offset_cap(self):
        status, body, _ = self.get("/incidents?offset=9990&limit=25")
        self.assert_error(status, body, 400, 2002)
        self.assertIn("10000", body["error"]["errors"][0])
        status, body, _ = self.get("/incidents?offset=9900&limit=100")
        self.assertEqual(status, 200)
        self.assertEqual((body["incidents"], body["more"]), ([], False))

    def test_auth(self):
        for token in (None, "wrong-token"):
            status, body, headers = self.get("/incidents", token=token)
            self.assert_error(status, body, 401, 2006)
            self.assertEqual(headers["Content-Type"], "application/json")
        status, _, _ = self.get("/users/me", token=None, headers={"Authorization": "Bearer " + TOKEN})
        self.assertEqual(status, 200)
        status, _, _ = self.get("/users/me", token=None, headers={"Authorization": TOKEN})
        self.assertEqual(status, 401)

    def test_not_found(self):
        status, body, _ = self.get("/incidents/PNOPE00")
        self.assert_error(status, body, 404, 2100)
        status, body, _ = self.get("/no_such_collection")
        self.assert_error(status, body, 404)

    # --------------------------------------------------------------- writes

    def test_from_required(self):
        inc = self.first("statuses[]=triggered")
        item = [{"id": inc["id"], "type": "incident_reference", "status": "acknowledged"}]
        status, body, _ = self.call("PUT", "/incidents", {"incidents": item})
        self.assert_error(status, body, 400, 2016)
        self.assertIn("From", body["error"]["message"])
        status, body, _ = self.put_incidents(item, frm="nobody@example.com")
        self.assert_error(status, body, 400, 1008)
        status, body, _ = self.put_incidents(item, frm="not-an-email")
        self.assert_error(status, body, 400, 1028)
        status, body, _ = self.call("POST", "/incidents/%s/notes" % inc["id"], {"note": {"content": "x"}})
        self.assert_error(status, body, 400, 2016)
        self.assertEqual(self.get("/incidents/" + inc["id"])[1]["incident"]["status"], "triggered")

    def test_ack_then_read_back(self):
        inc = self.first("statuses[]=triggered")
        status, body, _ = self.put_incidents([{"id": inc["id"], "type": "incident_reference", "status": "acknowledged"}])
        self.assertEqual(status, 200, body)
        self.assertEqual(set(body), {"incidents", "limit", "offset", "more", "total"})
        self.assertEqual(body["incidents"][0]["status"], "acknowledged")
        got = self.get("/incidents/" + inc["id"])[1]["incident"]
        self.assertEqual(got["status"], "acknowledged")
        self.assertEqual(got["acknowledgements"][-1]["acknowledger"]["id"], self.me["id"])
        self.assertEqual(got["acknowledgements"][-1]["at"], CLOCK)
        self.assertEqual(got["last_status_change_by"]["id"], self.me["id"])
        by_number = self.get("/incidents/%d" % inc["incident_number"])[1]["incident"]
        self.assertEqual(by_number["id"], inc["id"])
        logs = self.get("/incidents/%s/log_entries" % inc["id"])[1]["log_entries"]
        self.assertEqual(logs[0]["type"], "acknowledge_log_entry")
        self.assertEqual(logs[0]["agent"]["id"], self.me["id"])
        self.assertEqual(logs[-1]["type"], "trigger_log_entry")
        status, body, _ = self.get("/incidents?date_range=all&statuses%5B%5D=triggered&total=true")
        self.assertNotIn(inc["id"], [i["id"] for i in body["incidents"]])

    def test_bulk_update_is_all_or_nothing(self):
        trig = self.first("statuses[]=triggered")
        done = self.first("statuses[]=resolved")
        status, body, _ = self.put_incidents([
            {"id": trig["id"], "type": "incident_reference", "status": "acknowledged"},
            {"id": done["id"], "type": "incident_reference", "status": "resolved"}])
        self.assert_error(status, body, 400, 1001)
        got = self.get("/incidents/" + trig["id"])[1]["incident"]
        self.assertEqual(got["status"], "triggered")
        self.assertEqual(got["acknowledgements"], [])

    def test_resolve_reassign_and_reopen(self):
        inc = self.first("statuses[]=acknowledged")
        other = next(u for u in self.get("/users?limit=100")[1]["users"] if u["id"] != self.me["id"])
        status, body, _ = self.call("PUT", "/incidents/" + inc["id"], {"incident": {
            "type": "incident_reference", "assignments": [{"assignee": {"id": other["id"], "type": "user_reference"}}],
            "urgency": "low", "priority": "P1", "title": "Renamed"}}, frm=self.me["email"])
        self.assertEqual(status, 200, body)
        got = body["incident"]
        self.assertEqual([a["assignee"]["id"] for a in got["assignments"]], [other["id"]])
        self.assertEqual((got["urgency"], got["priority"]["summary"], got["title"]), ("low", "P1", "Renamed"))
        self.assertEqual(got["assigned_via"], "direct_assignment")
        status, body, _ = self.call("PUT", "/incidents/" + inc["id"], {"incident": {
            "type": "incident_reference", "status": "resolved", "resolution": "Fixed by restart"}}, frm=self.me["email"])
        self.assertEqual(body["incident"]["status"], "resolved")
        self.assertEqual(body["incident"]["resolved_at"], CLOCK)
        self.assertEqual(body["incident"]["assignments"], [])
        notes = self.get("/incidents/%s/notes" % inc["id"])[1]["notes"]
        self.assertEqual(notes[-1]["content"], "Fixed by restart")
        types = [le["type"] for le in self.get("/incidents/%s/log_entries?limit=100" % inc["id"])[1]["log_entries"]]
        for t in ("resolve_log_entry", "assign_log_entry", "urgency_change_log_entry", "annotate_log_entry"):
            self.assertIn(t, types)
        status, body, _ = self.call("PUT", "/incidents/" + inc["id"], {"incident": {
            "type": "incident_reference", "status": "acknowledged"}}, frm=self.me["email"])
        self.assertEqual(body["incident"]["status"], "acknowledged")
        self.assertIsNone(body["incident"]["resolved_at"])
        self.assertEqual(body["incident"]["assignments"][0]["assignee"]["id"], self.me["id"])

    def test_notes_round_trip(self):
        inc = self.first("statuses[]=triggered")
        status, body, _ = self.call("POST", "/incidents/%s/notes" % inc["id"],
                                    {"note": {"content": "Investigating \u2713"}}, frm=self.me["email"])
        self.assertEqual(status, 200, body)
        note = body["note"]
        self.assertRegex(note["id"], ID_RE)
        self.assertEqual((note["content"], note["user"]["id"], note["created_at"]),
                         ("Investigating \u2713", self.me["id"], CLOCK))
        status, body, _ = self.get("/incidents/%s/notes" % inc["id"])
        self.assertEqual(set(body), {"notes"})
        self.assertEqual(body["notes"][-1], note)
        logs = self.get("/incidents/%s/log_entries" % inc["id"])[1]["log_entries"]
        self.assertEqual(logs[0]["type"], "annotate_log_entry")
        status, body, _ = self.call("POST", "/incidents/%s/notes" % inc["id"], {"note": {"content": ""}},
                                    frm=self.me["email"])
        self.assert_error(status, body, 400)

    def test_create_incident(self):
        svc = self.get("/services?query=checkout")[1]["services"][0]
        new = {"incident": {"type": "incident", "title": "Disk full on db-1", "urgency": "low",
                            "service": {"id": svc["id"], "type": "service_reference"},
                            "incident_key": "disk-db-1", "body": {"type": "incident_body", "details": "98%"}}}
        status, body, _ = self.call("POST", "/incidents", new)
        self.assert_error(status, body, 400, 2016)
        status, body, _ = self.call("POST", "/incidents", new, frm=self.me["email"])
        self.assertEqual(status, 201, body)
        inc = body["incident"]
        self.assertEqual((inc["status"], inc["urgency"], inc["incident_key"]), ("triggered", "low", "disk-db-1"))
        self.assertTrue(inc["assignments"])
        self.assertEqual(inc["created_at"], CLOCK)
        self.assertEqual(inc["incident_number"], self.get("/_sim/info", token=None)[1]["counts"]["incidents"])
        status, body, _ = self.call("POST", "/incidents", new, frm=self.me["email"])
        self.assert_error(status, body, 400, 2001)
        mine = {"incident": dict(new["incident"], incident_key="k2",
                                 assignments=[{"assignee": {"id": self.me["id"], "type": "user_reference"}}])}
        status, body, _ = self.call("POST", "/incidents", mine, frm=self.me["email"])
        self.assertEqual((status, body["incident"]["status"]), (201, "acknowledged"))

    def test_snooze_and_expiry(self):
        trig = self.first("statuses[]=triggered")
        status, body, _ = self.call("POST", "/incidents/%s/snooze" % trig["id"], {"duration": 3600}, frm=self.me["email"])
        self.assert_error(status, body, 400, 1012)
        self.put_incidents([{"id": trig["id"], "type": "incident_reference", "status": "acknowledged"}])
        status, body, _ = self.call("POST", "/incidents/%s/snooze" % trig["id"], {"duration": 3600}, frm=self.me["email"])
        self.assertEqual(status, 201, body)
        self.assertEqual(body["incident"]["pending_actions"],
                         [{"type": "unacknowledge", "at": iso(parse_ts(CLOCK) + 3600)}])
        self.ctl("POST", "/_sim/clock", {"advance": 3601})
        got = self.get("/incidents/" + trig["id"])[1]["incident"]
        self.assertEqual(got["status"], "triggered")
        types = [le["type"] for le in self.get("/incidents/%s/log_entries" % trig["id"])[1]["log_entries"]]
        self.assertEqual(types[:2], ["unacknowledge_log_entry", "snooze_log_entry"])

    def test_merge(self):
        body = self.get("/incidents?date_range=all&statuses[]=triggered&limit=2")[1]
        target, source = body["incidents"]
        status, body, _ = self.call("PUT", "/incidents/%s/merge" % target["id"],
                                    {"source_incidents": [{"id": source["id"], "type": "incident_reference"}]},
                                    frm=self.me["email"])
        self.assertEqual(status, 200, body)
        self.assertEqual(body["incident"]["type"], "incident_reference")
        self.assertEqual(body["incident"]["id"], target["id"])
        src = self.get("/incidents/" + source["id"])[1]["incident"]
        self.assertEqual(src["status"], "resolved")
        self.assertEqual(src["resolve_reason"]["type"], "merge_resolve_reason")
        self.assertEqual(src["resolve_reason"]["incident"]["id"], target["id"])
        tgt = self.get("/incidents/" + target["id"])[1]["incident"]
        self.assertEqual(tgt["alert_counts"]["all"], target["alert_counts"]["all"] + source["alert_counts"]["all"])
        alerts = self.get("/incidents/%s/alerts" % target["id"])[1]["alerts"]
        self.assertEqual(len(alerts), tgt["alert_counts"]["all"])
        one = self.get("/incidents/%s/alerts/%s" % (target["id"], alerts[0]["id"]))[1]["alert"]
        self.assertEqual(one["incident"]["id"], target["id"])

    def test_sim_trigger_and_reset(self):
        svc = self.get("/services?query=payments")[1]["services"][0]
        status, body = self.ctl("POST", "/_sim/trigger", {"service_id": svc["id"], "title": "Card auth failures"})
        self.assertEqual(status, 201, body)
        inc = body["incident"]
        self.assertEqual((inc["status"], inc["alert_counts"]["all"]), ("triggered", 1))
        ids = [i["id"] for i in self.get("/incidents?statuses[]=triggered&service_ids[]=%s" % svc["id"])[1]["incidents"]]
        self.assertIn(inc["id"], ids)
        self.assertEqual(self.get("/services/" + svc["id"])[1]["service"]["status"], "critical")
        self.ctl("POST", "/_sim/reset")
        self.assertEqual(self.get("/incidents/" + inc["id"])[0], 404)

    # ------------------------------------------------------- on-call data

    def oncall_consistency(self, now):
        status, body, _ = self.get("/oncalls?limit=100")
        self.assertEqual(status, 200)
        oncalls = body["oncalls"]
        self.assertTrue(oncalls)
        eps = self.get("/escalation_policies?limit=100")[1]["escalation_policies"]
        expected = set()
        for ep in eps:
            for level, rule in enumerate(ep["escalation_rules"], 1):
                for t in rule["targets"]:
                    if t["type"] == "user_reference":
                        expected.add((ep["id"], level, None, t["id"]))
                        continue
                    sched = self.get("/schedules/%s?since=%s&until=%s&time_zone=UTC"
                                     % (t["id"], iso(now), iso(now + 60)))[1]["schedule"]
                    for e in sched["final_schedule"]["rendered_schedule_entries"]:
                        if parse_ts(e["start"]) <= now < parse_ts(e["end"]):
                            expected.add((ep["id"], level, t["id"], e["user"]["id"]))
        got = {(o["escalation_policy"]["id"], o["escalation_level"], o["schedule"]["id"] if o["schedule"] else None,
                o["user"]["id"]) for o in oncalls}
        self.assertEqual(got, expected)
        for o in oncalls:
            if o["schedule"] is None:
                self.assertIsNone(o["start"])
                self.assertIsNone(o["end"])
            else:
                self.assertLessEqual(parse_ts(o["start"]), now)
                self.assertGreater(parse_ts(o["end"]), now)
        return oncalls

    def test_oncalls_consistent_with_schedules(self):
        now = parse_ts(CLOCK)
        first = self.oncall_consistency(now)
        self.assertTrue(any(o["escalation_level"] == 1 and o["schedule"] for o in first))
        later = now + 3 * 86400 + 10 * 3600
        self.ctl("POST", "/_sim/clock", {"now": iso(later)})
        second = self.oncall_consistency(later)
        self.assertNotEqual(first, second)

    def test_oncall_filters_and_includes(self):
        all_ = self.get("/oncalls?limit=100&include[]=users")[1]["oncalls"]
        self.assertIn("email", all_[0]["user"])
        sched_oc = next(o for o in all_ if o["schedule"])
        uid, sid, eid = sched_oc["user"]["id"], sched_oc["schedule"]["id"], sched_oc["escalation_policy"]["id"]
        for query, check in ((("user_ids%5B%5D=" + uid), lambda o: o["user"]["id"] == uid),
                             (("schedule_ids[]=" + sid), lambda o: o["schedule"] and o["schedule"]["id"] == sid),
                             (("escalation_policy_ids[]=" + eid), lambda o: o["escalation_policy"]["id"] == eid)):
            got = self.get("/oncalls?" + query)[1]["oncalls"]
            self.assertTrue(got, query)
            self.assertTrue(all(check(o) for o in got), query)
        week = "since=%s&until=%s" % (CLOCK, iso(parse_ts(CLOCK) + 7 * 86400))
        many = self.get("/oncalls?limit=100&" + week)[1]
        earliest = self.get("/oncalls?limit=100&earliest=true&" + week)[1]["oncalls"]
        self.assertGreater(len(many["oncalls"]), len(earliest))
        keys = [(o["escalation_policy"]["id"], o["escalation_level"], o["user"]["id"]) for o in earliest]
        self.assertEqual(len(keys), len(set(keys)))
        status, body, _ = self.get("/oncalls?since=%s&until=%s" % (CLOCK, iso(parse_ts(CLOCK) + 91 * 86400)))
        self.assert_error(status, body, 400)

    def test_override_changes_oncall(self):
        now = parse_ts(CLOCK)
        oc = next(o for o in self.get("/oncalls?limit=100")[1]["oncalls"] if o["schedule"] and o["escalation_level"] == 1)
        sid = oc["schedule"]["id"]
        other = next(u for u in self.get("/users?limit=100")[1]["users"] if u["id"] != oc["user"]["id"])
        req = {"overrides": [{"start": iso(now - 600), "end": iso(now + 7200),
                              "user": {"id": other["id"], "type": "user_reference"}},
                             {"start": iso(now), "end": iso(now), "user": {"id": other["id"], "type": "user_reference"}}]}
        status, body, _ = self.call("POST", "/schedules/%s/overrides" % sid, req)
        self.assertEqual(status, 201, body)
        self.assertIsInstance(body, list)
        self.assertEqual([x["status"] for x in body], [201, 400])
        self.assertRegex(body[0]["override"]["id"], ID_RE)
        self.assertIn("errors", body[1])
        got = self.get("/oncalls?schedule_ids[]=%s&escalation_policy_ids[]=%s" % (sid, oc["escalation_policy"]["id"]))[1]
        self.assertEqual([o["user"]["id"] for o in got["oncalls"]], [other["id"]])
        self.assertEqual(got["oncalls"][0]["start"], iso(now - 600))
        ovs = self.get("/schedules/%s/overrides?since=%s&until=%s" % (sid, iso(now - 3600), iso(now + 3600)))[1]
        self.assertIn(body[0]["override"]["id"], [o["id"] for o in ovs["overrides"]])
        sched = self.get("/schedules/%s?since=%s&until=%s" % (sid, iso(now), iso(now + 3600)))[1]["schedule"]
        self.assertEqual(sched["overrides_subschedule"]["rendered_schedule_entries"][0]["user"]["id"], other["id"])
        self.assertEqual(sched["final_schedule"]["rendered_schedule_entries"][0]["user"]["id"], other["id"])

    def test_schedule_rendering(self):
        scheds = self.get("/schedules?limit=100")[1]["schedules"]
        self.assertEqual(len(scheds), 6)
        now = parse_ts(CLOCK)
        multi = 0
        for s in scheds:
            full = self.get("/schedules/%s?since=%s&until=%s" % (s["id"], iso(now), iso(now + 7 * 86400)))[1]["schedule"]
            multi += len(full["schedule_layers"]) > 1
            entries = full["final_schedule"]["rendered_schedule_entries"]
            self.assertTrue(entries)
            for a, b in zip(entries, entries[1:]):
                self.assertLessEqual(parse_ts(a["end"]), parse_ts(b["start"]))
            self.assertGreaterEqual(parse_ts(entries[0]["start"]), now)
            self.assertLessEqual(parse_ts(entries[-1]["end"]), now + 7 * 86400)
            cov = full["final_schedule"]["rendered_coverage_percentage"]
            self.assertTrue(0 < cov <= 100)
            for layer in full["schedule_layers"]:
                self.assertIn(layer["rotation_turn_length_seconds"], (43200, 86400, 604800, 1209600))
                self.assertTrue(layer["users"])
            if full["time_zone"] != "Etc/UTC":
                self.assertNotEqual(entries[0]["start"][-1], "Z")
            users = self.get("/schedules/%s/users?since=%s&until=%s" % (s["id"], iso(now), iso(now + 7 * 86400)))[1]
            self.assertEqual({u["id"] for u in users["users"]}, {e["user"]["id"] for e in entries})
        self.assertGreaterEqual(multi, 2)
        self.assertTrue(any(self.get("/schedules/%s?since=%s&until=%s" % (s["id"], iso(now), iso(now + 86400)))[1]
                            ["schedule"]["final_schedule"]["rendered_coverage_percentage"] < 100 for s in scheds))

    # --------------------------------------------------- directory & filters

    def test_directory(self):
        users = self.get("/users?limit=100&include[]=contact_methods")[1]["users"]
        self.assertGreaterEqual(len(users), 20)
        for u in users:
            self.assertRegex(u["id"], ID_RE)
            self.assertIn("@", u["email"])
            self.assertTrue(u["contact_methods"] and u["notification_rules"])
            self.assertEqual(u["contact_methods"][0]["type"], "email_contact_method")
        self.assertEqual(self.get("/users/" + self.me["id"])[1]["user"], self.me)
        q = self.me["name"].split()[0].upper()
        self.assertIn(self.me["id"], [u["id"] for u in self.get("/users?query=" + urllib.parse.quote(q))[1]["users"]])
        teams = self.get("/teams")[1]["teams"]
        self.assertEqual(len(teams), 5)
        members = self.get("/teams/%s/members?include[]=users" % teams[0]["id"])[1]
        self.assertTrue(members["members"])
        self.assertIn(members["members"][0]["role"], ("manager", "responder", "observer"))
        self.assertEqual(members["members"][0]["user"]["type"], "user")
        eps = self.get("/escalation_policies")[1]["escalation_policies"]
        self.assertEqual(len(eps), 5)
        self.assertTrue(all(isinstance(e["num_loops"], int) and e["escalation_rules"] for e in eps))
        kinds = {t["type"] for e in eps for r in e["escalation_rules"] for t in r["targets"]}
        self.assertEqual(kinds, {"schedule_reference", "user_reference"})
        services = self.get("/services?limit=100&include[]=escalation_policies")[1]["services"]
        self.assertEqual(len(services), 12)
        self.assertEqual(services[0]["escalation_policy"]["type"], "escalation_policy")
        self.assertIn("disabled", {s["status"] for s in services})
        prios = self.get("/priorities")[1]["priorities"]
        self.assertEqual([p["name"] for p in prios], ["P1", "P2", "P3", "P4", "P5"])
        logs = self.get("/log_entries?limit=5&total=true")[1]
        self.assertEqual(len(logs["log_entries"]), 5)
        self.assertGreater(logs["total"], 500)
        one = self.get("/log_entries/" + logs["log_entries"][0]["id"])[1]["log_entry"]
        self.assertEqual(one["id"], logs["log_entries"][0]["id"])

    def test_filters_and_includes(self):
        a = self.get("/incidents?date_range=all&limit=100&statuses[]=triggered&statuses[]=acknowledged&urgencies[]=high")[1]
        b = self.get("/incidents?date_range=all&limit=100&statuses%5B%5D=triggered&statuses%5B%5D=acknowledged"
                     "&urgencies%5B%5D=high")[1]
        self.assertEqual(a, b)
        self.assertTrue(a["incidents"])
        self.assertTrue(all(i["status"] != "resolved" and i["urgency"] == "high" for i in a["incidents"]))
        team = self.get("/teams?query=data")[1]["teams"][0]
        got = self.get("/incidents?date_range=all&limit=100&team_ids[]=" + team["id"])[1]["incidents"]
        self.assertTrue(got and all(i["teams"][0]["id"] == team["id"] for i in got))
        mine = self.get("/incidents?limit=100&user_ids[]=" + self.me["id"])[1]["incidents"]
        self.assertTrue(all(self.me["id"] in [x["assignee"]["id"] for x in i["assignments"]] for i in mine))
        desc = self.get("/incidents?date_range=all&sort_by=created_at:desc&limit=5")[1]["incidents"]
        self.assertEqual([i["created_at"] for i in desc], sorted((i["created_at"] for i in desc), reverse=True))
        window = self.get("/incidents?since=2026-11-20T00:00:00Z&until=2026-11-21T00:00:00Z&limit=100")[1]["incidents"]
        self.assertTrue(all("2026-11-20" <= i["created_at"] < "2026-11-21" for i in window))
        inc = self.get("/incidents?limit=1&statuses[]=acknowledged&include[]=services&include[]=assignees"
                       "&include[]=acknowledgers&include[]=first_trigger_log_entries&include[]=teams"
                       "&include[]=escalation_policies&include[]=priorities")[1]["incidents"][0]
        self.assertEqual(inc["service"]["type"], "service")
        self.assertEqual(inc["escalation_policy"]["type"], "escalation_policy")
        self.assertEqual(inc["teams"][0]["type"], "team")
        self.assertIn("email", inc["assignments"][0]["assignee"])
        self.assertIn("email", inc["acknowledgements"][0]["acknowledger"])
        self.assertEqual(inc["first_trigger_log_entry"]["type"], "trigger_log_entry")
        status, body, _ = self.get("/incidents?statuses[]=bogus")
        self.assert_error(status, body, 400)

    # -------------------------------------------------------------- faults

    def add_fault(self, **spec):
        status, body = self.ctl("POST", "/_sim/faults", spec)
        self.assertEqual(status, 201, body)
        return body["faults"][0]

    def test_sim_incidents_is_the_truth_behind_the_faults(self):
        status, body = self.ctl("POST", "/_sim/trigger", {"service_id": self.first("")["service"]["id"],
                                                         "title": "truth"})
        self.assertEqual(status, 201)
        iid = body["incident"]["id"]
        self.add_fault(path="^/incidents", kind="5xx", status=500, count=-1)
        self.assertEqual(self.get("/incidents?statuses%5B%5D=triggered")[0], 500)
        status, body = self.ctl("GET", "/_sim/incidents?status=triggered")
        self.assertEqual(status, 200)
        self.assertIn(iid, [i["id"] for i in body["incidents"]])
        self.assertEqual({i["status"] for i in body["incidents"]}, {"triggered"})
        self.ctl("DELETE", "/_sim/faults")
        status, got, _ = self.put_incidents([{"id": iid, "type": "incident_reference", "status": "resolved"}])
        self.assertEqual(status, 200, got)
        triggered = [i["id"] for i in self.ctl("GET", "/_sim/incidents?status=triggered")[1]["incidents"]]
        self.assertNotIn(iid, triggered)
        every = self.ctl("GET", "/_sim/incidents")[1]["incidents"]
        self.assertEqual([i["status"] for i in every if i["id"] == iid], ["resolved"])
        self.assertEqual(self.ctl("GET", "/_sim/incidents?status=open")[0], 400)

    def test_fault_429_count(self):
        self.add_fault(path="^/incidents$", method="GET", kind="429", count=3, ratelimit_reset=1)
        for _ in range(3):
            status, body, headers = self.get("/incidents")
            self.assertEqual(status, 429)
            self.assertEqual(body, {"error": {"message": "Rate Limit Exceeded", "code": 2020}})
            self.assertEqual((headers["ratelimit-limit"], headers["ratelimit-remaining"], headers["ratelimit-reset"]),
                             ("960", "0", "1"))
        self.assertEqual(self.get("/incidents")[0], 200)
        self.assertEqual(self.ctl("GET", "/_sim/faults")[1], {"faults": []})
        self.add_fault(path="^/users/me$", kind="429", bare=True)
        status, headers, data = self.raw("GET", "/users/me")
        self.assertEqual((status, data, headers.get("ratelimit-reset")), (429, b"", None))

    def test_fault_5xx_and_method_filter(self):
        self.add_fault(path="^/incidents", method="PUT", kind="5xx", status=503, count=-1)
        self.assertEqual(self.get("/incidents")[0], 200)
        status, body, _ = self.put_incidents([{"id": "PNOPE00", "type": "incident_reference"}])
        self.assert_error(status, body, 503, 2000)
        self.assertEqual(self.put_incidents([{"id": "PNOPE00", "type": "incident_reference"}])[0], 503)
        self.assertEqual(self.ctl("DELETE", "/_sim/faults")[1], {"cleared": 1})
        self.assertEqual(self.put_incidents([{"id": "PNOPE00", "type": "incident_reference"}])[0], 404)

    def test_fault_after(self):
        self.add_fault(path="^/priorities$", kind="5xx", after=1, count=1)
        self.assertEqual([self.get("/priorities")[0] for _ in range(3)], [200, 500, 200])

    def test_fault_latency(self):
        self.add_fault(path="^/priorities$", kind="latency", ms=300)
        t0 = time.monotonic()
        self.assertEqual(self.get("/priorities")[0], 200)
        self.assertGreaterEqual(time.monotonic() - t0, 0.3)

    def test_fault_reset(self):
        self.add_fault(path="^/priorities$", kind="reset")
        with self.assertRaises(ConnectionResetError):
            self.get("/priorities")
        self.assertEqual(self.get("/priorities")[0], 200)
        log = self.ctl("GET", "/_sim/requests?limit=2")[1]["requests"]
        self.assertEqual((log[0]["fault"], log[0]["status"]), ("reset", "reset"))

    def test_fault_truncate(self):
        self.add_fault(path="^/priorities$", kind="truncate")
        conn = self.conn()
        conn.request("GET", "/priorities", headers={"Authorization": "Token token=" + TOKEN})
        resp = conn.getresponse()
        length = int(resp.headers["Content-Length"])
        with self.assertRaises(http.client.IncompleteRead) as cm:
            resp.read()
        self.assertEqual(len(cm.exception.partial), length // 2)
        conn.close()

    def test_fault_invalid_json(self):
        self.add_fault(path="^/incidents$", kind="invalid_json")
        status, headers, data = self.raw("GET", "/incidents")
        self.assertEqual((status, headers["Content-Type"]), (200, "application/json"))
        with self.assertRaises(ValueError):
            json.loads(data)

    def test_fault_oversize(self):
        self.add_fault(path="^/incidents$", kind="oversize", bytes=1 << 20)
        status, body, headers = self.get("/incidents")
        self.assertEqual((status, int(headers["Content-Length"])), (200, 1 << 20))
        self.assertGreater(len(body["incidents"]), 1000)
        self.add_fault(path="^/incidents$", kind="oversize")  # default 64 MiB
        conn = self.conn()
        conn.request("GET", "/incidents", headers={"Authorization": "Token token=" + TOKEN})
        resp = conn.getresponse()
        self.assertEqual(int(resp.headers["Content-Length"]), 64 << 20)
        total, head = 0, b""
        while True:
            piece = resp.read(1 << 20)
            if not piece:
                break
            head = head or piece[:16]
            total += len(piece)
        conn.close()
        self.assertEqual((total, head), (64 << 20, b'{"incidents":[{"'))

    def test_fault_slow_drip(self):
        self.add_fault(path="^/priorities$", kind="slow_drip", chunk=128, delay_ms=15)
        t0 = time.monotonic()
        status, headers, data = self.raw("GET", "/priorities")
        elapsed = time.monotonic() - t0
        self.assertEqual(status, 200)
        self.assertEqual(len(json.loads(data)["priorities"]), 5)
        self.assertGreaterEqual(elapsed, (len(data) // 128 - 1) * 0.015)

    def test_fault_contract_page_answers_like_the_openapi_mock(self):
        q = "/incidents?date_range=all&sort_by=created_at:desc&statuses%5B%5D=triggered"
        newest = self.get(q + "&limit=1")[1]["incidents"][0]["id"]
        self.add_fault(path="^/incidents$", kind="contract_page", count=-1)
        for offset in (0, 1, 57):  # every page: the same first item, whatever was asked
            status, body, _ = self.get(q + "&total=true&limit=100&offset=%d" % offset)
            self.assertEqual(status, 200)
            self.assertEqual(set(body), {"incidents", "limit", "offset", "more"})
            self.assertEqual((body["limit"], body["offset"], body["more"]), (1, 0, True))
            self.assertEqual([i["id"] for i in body["incidents"]], [newest])
            self.assertEqual(body["incidents"][0]["status"], "triggered")
        self.assertEqual(self.get(q + "&statuses%5B%5D=bogus")[0], 400)  # errors pass unchanged
        self.ctl("DELETE", "/_sim/faults")
        for total in (None, -3, 0, 2):
            self.add_fault(path="^/oncalls$", kind="contract_page", total=total, items=2)
            body = self.get("/oncalls?total=true")[1]
            self.assertEqual((len(body["oncalls"]), body["limit"], body["more"], body["total"]),
                             (2, 2, True, total))
        status, body = self.ctl("POST", "/_sim/faults", {"kind": "contract_page", "total": "7"})
        self.assert_error(status, body, 400)

    def test_total_is_the_count_of_the_filtered_list_only_when_asked(self):
        for path, key in (("/incidents?date_range=all&statuses%5B%5D=triggered", "incidents"),
                          ("/incidents?date_range=all&urgencies%5B%5D=high&statuses%5B%5D=acknowledged",
                           "incidents"),
                          ("/oncalls?earliest=true", "oncalls"), ("/users?", "users")):
            every = []
            while True:
                body = self.get(path + "&limit=100&offset=%d" % len(every))[1]
                every += body[key]
                if not body["more"]:
                    break
            for flag, want in (("true", len(every)), ("1", len(every)), ("false", None), ("", None)):
                body = self.get(path + "&limit=1&offset=1&total=" + flag)[1]
                self.assertEqual(body["total"], want, (path, flag))

    # ------------------------------------------------- transport & control

    def test_keepalive_counts_one_connection(self):
        self.ctl("DELETE", "/_sim/requests")
        before = self.ctl("GET", "/_sim/stats")[1]
        self.assertTrue(set(before) >= {"connections_accepted", "tls_handshakes", "requests"})
        conn = self.conn()
        for path in ("/users/me", "/priorities", "/incidents?limit=1", "/teams", "/services?limit=1"):
            status, _, _ = self.raw("GET", path, conn=conn)
            self.assertEqual(status, 200)
        conn.close()
        after = self.ctl("GET", "/_sim/stats")[1]
        self.assertEqual(after["requests"] - before["requests"], 5)
        self.assertEqual(after["api_connections"] - before["api_connections"], 1)
        # the keep-alive connection plus the fresh one that fetched `after`
        self.assertEqual(after["connections_accepted"] - before["connections_accepted"], 2)
        self.assertEqual(after["tls_handshakes"] - before["tls_handshakes"], 2)
        log = self.ctl("GET", "/_sim/requests")[1]["requests"]
        self.assertEqual(len(log), 5)
        self.assertEqual(len({e["conn"] for e in log}), 1)

    def test_eu_host_and_request_log(self):
        self.ctl("DELETE", "/_sim/requests")
        status, body, _ = self.get("/users/me?include%5B%5D=teams", host="api.eu.pagerduty.com")
        self.assertEqual(status, 200)
        self.assertTrue(body["user"]["self"].startswith("https://api.eu.pagerduty.com:%d/users/" % self.port))
        self.assertTrue(body["user"]["html_url"].startswith("https://pdsim.eu.pagerduty.com/"))
        self.put_incidents([{"id": "PNOPE00", "type": "incident_reference"}])
        log = self.ctl("GET", "/_sim/requests")[1]["requests"]
        self.assertEqual(len(log), 2)
        eu, put = log
        self.assertEqual(eu["host"], "api.eu.pagerduty.com:%d" % self.port)
        self.assertEqual(eu["sni"], "api.eu.pagerduty.com")
        self.assertEqual((eu["path"], eu["raw_query"], eu["query"]), ("/users/me", "include%5B%5D=teams",
                                                                      {"include[]": ["teams"]}))
        self.assertEqual(eu["headers"]["Authorization"], "Token token=" + TOKEN)
        self.assertEqual(eu["headers"]["Accept"], "application/vnd.pagerduty+json;version=2")
        self.assertEqual((put["method"], put["status"], put["headers"]["From"]), ("PUT", 404, self.me["email"]))
        self.assertEqual(json.loads(put["body"])["incidents"][0]["id"], "PNOPE00")
        with open(os.path.join(self.tmp, "requests.jsonl")) as f:
            self.assertTrue(any('"sni": "api.eu.pagerduty.com"' in line for line in f))

    def test_open_seeds_exactly_that_many_open_incidents(self):
        proc, port = start_sim(self.tmp, "open", "--seed", str(SEED), "--clock", CLOCK,
                               "--incidents", "300", "--open", "120")
        try:
            def total(query):
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                c.request("GET", "/incidents?date_range=all&limit=1&total=true&" + query,
                          headers={"Authorization": "Token token=" + TOKEN})
                body = json.loads(c.getresponse().read())
                c.close()
                return body["total"]

            self.assertEqual([total("statuses%5B%5D=" + s) for s in ("triggered", "acknowledged", "resolved")],
                             [60, 60, 180])
        finally:
            self.assertEqual(stop_sim(proc), 0)
        bad = subprocess.run([sys.executable, os.path.join(HERE, "pdsim.py"), "--incidents", "10", "--open", "11"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("--open", bad.stderr)

    def test_second_instance_plain_http_deterministic_and_sigterm(self):
        proc, port = start_sim(self.tmp, "plain", "--seed", str(SEED), "--clock", CLOCK)
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("GET", "/incidents?date_range=all&limit=100",
                      headers={"Authorization": "Token token=" + TOKEN, "Host": "api.pagerduty.com"})
            resp = c.getresponse()
            plain = json.loads(resp.read())
            c.close()
            tls = self.get("/incidents?date_range=all&limit=100")[1]
            self.assertEqual(plain["incidents"][0]["self"], "http://api.pagerduty.com/incidents/" + plain["incidents"][0]["id"])
            strip = lambda body: [(i["id"], i["status"], i["title"], i["created_at"]) for i in body["incidents"]]  # noqa: E731
            self.assertEqual(strip(plain), strip(tls))
        finally:
            self.assertEqual(stop_sim(proc), 0)

    def test_tls_negative_certificates(self):
        for cert, expect in (("otherhost", "match"), ("wrong-server", "issuer")):
            proc, port = start_sim(self.tmp, cert, "--tls-cert", os.path.join(self.certs, cert + ".pem"),
                                   "--tls-key", os.path.join(self.certs, cert + ".key"))
            try:
                c = MappedHTTPSConnection("api.pagerduty.com", port, self.ctx)
                with self.assertRaises(ssl.SSLCertVerificationError) as cm:
                    c.request("GET", "/users/me")
                self.assertIn(expect, str(cm.exception))
                c.close()
            finally:
                self.assertEqual(stop_sim(proc), 0)

    # ====================================================================
    # Endpoints the official MCP server's tools call (see ENDPOINTS.md)

    def w(self, method, path, body=None, frm=True):
        """A write (or read) with the current user's From header; (status, body)."""
        status, data, _ = self.call(method, path, body, frm=self.me["email"] if frm else None)
        return status, data

    def ok(self, path, key=None):
        status, body, _ = self.get(path)
        self.assertEqual(status, 200, body)
        return body[key] if key else body

    def assert_classic(self, body, key, limit=25):
        self.assertEqual(set(body), {key, "limit", "offset", "more", "total"})
        self.assertEqual((body["limit"], body["offset"]), (limit, 0))
        self.assertIsInstance(body["more"], bool)

    def assert_404(self, path, method="GET", body=None):
        status, data = self.w(method, path, body)
        self.assert_error(status, data, 404)

    def svc_id(self, name):
        return self.ok("/services?query=" + urllib.parse.quote(name), "services")[0]["id"]

    # ------------------------------------------------------ incident extras

    def test_incident_analysis(self):
        incs = self.ok("/incidents?date_range=all&limit=100", "incidents")
        inc = incs[-1]
        out = self.ok("/incidents/%s/outlier_incident" % inc["id"])["outlier_incident"]
        self.assertEqual(out["incident"]["id"], inc["id"])
        self.assertIn(out["incident"]["occurrence"]["category"], ("anomalous", "rare", "frequent"))
        self.assertGreaterEqual(out["incident"]["occurrence"]["count"], 1)
        self.assertIn("<*>", out["incident_template"]["mined_text"])
        full = self.ok("/incidents/%s/outlier_incident?additional_details[]=incident&since=2026-11-01T00:00:00Z"
                       % inc["id"])["outlier_incident"]["incident"]
        self.assertEqual((full["type"], full["occurrence"]["since"]), ("incident", "2026-11-01T00:00:00Z"))
        past = self.ok("/incidents/%s/past_incidents?limit=3&total=true" % inc["id"])
        self.assertEqual(set(past), {"past_incidents", "total", "limit"})
        self.assertEqual(past["limit"], 3)
        self.assertLessEqual(len(past["past_incidents"]), 3)
        self.assertGreaterEqual(past["total"], len(past["past_incidents"]))
        scores = [p["score"] for p in past["past_incidents"]]
        self.assertEqual(scores, sorted(scores, reverse=True))
        self.assertIsNone(self.ok("/incidents/%s/past_incidents" % inc["id"])["total"])
        found = 0
        for other in incs:
            rel = self.ok("/incidents/%s/related_incidents" % other["id"])["related_incidents"]
            for item in rel:
                found += 1
                self.assertEqual(set(item["incident"]), {"id", "created_at", "self", "title"})
                self.assertIn(item["relationships"][0]["type"], ("machine_learning_inferred", "service_dependency"))
            if found:
                break
        self.assertTrue(found)
        for sub in ("outlier_incident", "past_incidents", "related_incidents", "related_change_events"):
            self.assert_404("/incidents/PNOPE00/" + sub)
        status, body, _ = self.get("/incidents/%s/past_incidents?limit=1000" % inc["id"])
        self.assert_error(status, body, 400)

    def test_responder_request_and_status_update(self):
        inc = self.first("statuses[]=triggered")
        users = self.ok("/users?limit=100", "users")
        helper = next(u for u in users if u["id"] != self.me["id"])
        ep = self.ok("/escalation_policies", "escalation_policies")[0]
        req = {"requester_id": self.me["id"], "message": "Join the bridge",
               "responder_request_targets": [
                   {"responder_request_target": {"id": helper["id"], "type": "user_reference"}},
                   {"responder_request_target": {"id": ep["id"], "type": "escalation_policy_reference"}}]}
        status, body = self.w("POST", "/incidents/%s/responder_requests" % inc["id"], req, frm=False)
        self.assertEqual(status, 200, body)
        rr = body["responder_request"]
        self.assertEqual((rr["incident"]["id"], rr["requester"]["id"], rr["message"]),
                         (inc["id"], self.me["id"], "Join the bridge"))
        targets = [t["responder_request_target"] for t in rr["responder_request_targets"]]
        self.assertEqual([t["type"] for t in targets], ["user", "escalation_policy"])
        self.assertEqual(targets[0]["incidents_responders"][0]["state"], "pending")
        got = self.ok("/incidents/" + inc["id"], "incident")
        self.assertIn(helper["id"], [x["user"]["id"] for x in got["incidents_responders"]])
        self.assertEqual(got["responder_requests"][0]["message"], "Join the bridge")
        bad = dict(req, requester_id="PNOPE00")
        self.assert_error(*self.w("POST", "/incidents/%s/responder_requests" % inc["id"], bad), 400, 1008)
        bad = dict(req, responder_request_targets=[{"responder_request_target": {"id": "PNOPE00", "type": "user_reference"}}])
        self.assert_error(*self.w("POST", "/incidents/%s/responder_requests" % inc["id"], bad), 400)
        self.assert_404("/incidents/PNOPE00/responder_requests", "POST", req)
        upd = {"message": "Rollback in progress", "subject": "Checkout degraded"}
        status, body = self.w("POST", "/incidents/%s/status_updates" % inc["id"], upd, frm=False)
        self.assert_error(status, body, 400, 2016)
        status, body = self.w("POST", "/incidents/%s/status_updates" % inc["id"], upd)
        self.assertEqual(status, 200, body)
        self.assertEqual((body["status_update"]["message"], body["status_update"]["sender"]["id"]),
                         ("Rollback in progress", self.me["id"]))
        recs = self.ctl("GET", "/_sim/records?incident_id=" + inc["id"])[1]["records"]
        self.assertEqual([x["kind"] for x in recs], ["responder_request", "status_update"])
        self.assertEqual(recs[1]["subject"], "Checkout degraded")
        self.assertEqual(self.ctl("GET", "/_sim/records?kind=bogus")[0], 400)

    def test_note_edit_and_delete(self):
        inc = self.first("statuses[]=triggered")
        note = self.w("POST", "/incidents/%s/notes" % inc["id"], {"note": {"content": "first"}})[1]["note"]
        path = "/incidents/%s/notes/%s" % (inc["id"], note["id"])
        self.assert_error(*self.w("PUT", path, {"note": {"content": "second"}}, frm=False), 400, 2016)
        status, body = self.w("PUT", path, {"note": {"content": "second"}})
        self.assertEqual((status, body["note"]["content"], body["note"]["id"]), (200, "second", note["id"]))
        self.assertEqual(self.ok("/incidents/%s/notes" % inc["id"], "notes")[-1]["content"], "second")
        self.assertEqual(self.w("DELETE", path)[0], 204)
        self.assertNotIn(note["id"], [n["id"] for n in self.ok("/incidents/%s/notes" % inc["id"], "notes")])
        self.assert_404(path, "DELETE")
        self.assert_404(path, "PUT", {"note": {"content": "x"}})

    def test_alert_updates(self):
        incs = self.ok("/incidents?date_range=all&statuses[]=triggered&limit=100", "incidents")
        inc = next(i for i in incs if i["alert_counts"]["all"] >= 1)
        other = next(i for i in incs if i["id"] != inc["id"])
        alerts = self.ok("/incidents/%s/alerts" % inc["id"], "alerts")
        one = "/incidents/%s/alerts/%s" % (inc["id"], alerts[0]["id"])
        body = {"alert": {"type": "alert", "status": "resolved"}}
        self.assert_error(*self.w("PUT", one, body, frm=False), 400, 2016)
        status, got = self.w("PUT", one, body)
        self.assertEqual((status, got["alert"]["status"], got["alert"]["resolved_at"]), (200, "resolved", CLOCK))
        self.assertEqual(self.ok(one, "alert")["status"], "resolved")
        rest = [{"id": a["id"], "type": "alert", "status": "resolved"} for a in alerts[1:]]
        if rest:
            status, got = self.w("PUT", "/incidents/%s/alerts" % inc["id"], {"alerts": rest})
            self.assertEqual(status, 200, got)
            self.assertEqual(set(got), {"alerts", "limit", "offset", "more", "total"})
        self.assertEqual(self.ok("/incidents/" + inc["id"], "incident")["status"], "resolved")
        # move an alert of another open incident onto a third one
        src = next(i for i in incs if i["id"] not in (inc["id"], other["id"]) and i["alert_counts"]["all"] >= 1)
        aid = self.ok("/incidents/%s/alerts" % src["id"], "alerts")[0]["id"]
        status, got = self.w("PUT", "/incidents/%s/alerts/%s" % (src["id"], aid),
                             {"alert": {"incident": {"id": other["id"], "type": "incident_reference"}}})
        self.assertEqual((status, got["alert"]["incident"]["id"]), (200, other["id"]))
        self.assertIn(aid, [a["id"] for a in self.ok("/incidents/%s/alerts" % other["id"], "alerts")])
        self.assert_404("/incidents/%s/alerts/QNOPE000000000" % inc["id"], "PUT", body)
        self.assert_404("/incidents/%s/alerts" % inc["id"], "PUT", {"alerts": [{"id": "QNOPE000000000"}]})

    # ----------------------------------------------------------- directory

    def test_user_create(self):
        new = {"user": {"name": "Casey Quinn", "email": "casey.quinn@example.com", "role": "user",
                        "time_zone": "Europe/Berlin"}}
        self.assert_error(*self.w("POST", "/users", new, frm=False), 400, 2016)
        status, body = self.w("POST", "/users", new)
        self.assertEqual(status, 201, body)
        user = body["user"]
        self.assertEqual((user["email"], user["time_zone"], user["type"]), ("casey.quinn@example.com",
                                                                          "Europe/Berlin", "user"))
        self.assertEqual(self.ok("/users/" + user["id"], "user")["name"], "Casey Quinn")
        self.assertIn(user["id"], [u["id"] for u in self.ok("/users?query=casey", "users")])
        self.assert_error(*self.w("POST", "/users", new), 400, 2001)
        self.assert_error(*self.w("POST", "/users", {"user": {"name": "x", "email": "x@example.com",
                                                              "role": "emperor"}}), 400)
        self.assert_404("/users/PNOPE00")

    def test_team_writes(self):
        status, body = self.w("POST", "/teams", {"team": {"name": "SRE Guild", "description": "Reliability"}},
                              frm=False)
        self.assertEqual(status, 201, body)
        team = body["team"]
        self.assertEqual((team["name"], team["default_role"], team["type"]), ("SRE Guild", "manager", "team"))
        tid = team["id"]
        self.assert_error(*self.w("POST", "/teams", {"team": {"name": "sre guild"}}), 400)
        status, body = self.w("PUT", "/teams/" + tid, {"team": {"name": "SRE", "description": "Renamed"}})
        self.assertEqual((status, body["team"]["name"]), (200, "SRE"))
        self.assertEqual(self.ok("/teams/" + tid, "team")["description"], "Renamed")
        users = self.ok("/users?limit=100", "users")
        u1, u2 = users[0]["id"], users[1]["id"]
        self.assertEqual(self.w("PUT", "/teams/%s/users/%s" % (tid, u1), {"role": "responder"})[0], 204)
        self.assertEqual(self.w("PUT", "/teams/%s/users/%s" % (tid, u2))[0], 204)
        members = self.ok("/teams/%s/members" % tid)
        self.assert_classic(members, "members")
        self.assertEqual({(m["user"]["id"], m["role"]) for m in members["members"]}, {(u1, "responder"), (u2, "manager")})
        self.assertIn(tid, [t["id"] for t in self.ok("/users/" + u1, "user")["teams"]])
        self.assertIn(u1, [u["id"] for u in self.ok("/users?team_ids[]=" + tid, "users")])
        self.assert_error(*self.w("PUT", "/teams/%s/users/%s" % (tid, u1), {"role": "boss"}), 400)
        self.assertEqual(self.w("DELETE", "/teams/%s/users/%s" % (tid, u1))[0], 204)
        self.assertEqual([m["user"]["id"] for m in self.ok("/teams/%s/members" % tid, "members")], [u2])
        self.assert_404("/teams/%s/users/PNOPE00" % tid, "PUT", {"role": "observer"})
        self.assertEqual(self.w("DELETE", "/teams/" + tid)[0], 204)
        self.assert_404("/teams/" + tid)
        self.assertNotIn(tid, [t["id"] for t in self.ok("/users/" + u2, "user")["teams"]])
        self.assert_404("/teams/" + tid, "DELETE")
        # deleting the seeded teams keeps every reference readable
        for seeded in self.ok("/teams", "teams"):
            self.assertEqual(self.w("DELETE", "/teams/" + seeded["id"])[0], 204)
        self.assertEqual(len(self.ok("/incidents?date_range=all&limit=100&include[]=teams", "incidents")), 100)
        for path in ("/services?limit=100", "/log_entries?limit=100", "/schedules?limit=100", "/escalation_policies",
                     "/users?limit=100&include[]=teams", "/business_services", "/event_orchestrations",
                     "/incident_workflows?include[]=team", "/v3/schedules/%s" % self.ok("/v3/schedules", "schedules")[0]["id"]):
            self.assertEqual(self.get(path)[0], 200, path)

    def test_service_writes(self):
        ep = self.ok("/escalation_policies", "escalation_policies")[0]
        team = self.ok("/teams", "teams")[0]
        new = {"service": {"name": "Ledger", "description": "Double-entry ledger",
                           "escalation_policy": {"id": ep["id"], "type": "escalation_policy_reference"},
                           "teams": [{"id": team["id"], "type": "team_reference"}], "status": None}}
        status, body = self.w("POST", "/services", new)
        self.assertEqual(status, 201, body)
        svc = body["service"]
        self.assertEqual((svc["name"], svc["status"], svc["escalation_policy"]["id"], svc["teams"][0]["id"]),
                         ("Ledger", "active", ep["id"], team["id"]))
        self.assertEqual(svc["integrations"], [])
        upd = {"service": {"id": None, "name": "Ledger v2", "description": None, "status": "disabled",
                           "escalation_policy": {"id": ep["id"]}}}
        status, body = self.w("PUT", "/services/" + svc["id"], upd)
        self.assertEqual((status, body["service"]["name"], body["service"]["status"]), (200, "Ledger v2", "disabled"))
        got = self.ok("/services/" + svc["id"], "service")
        self.assertEqual((got["description"], got["status"]), ("Double-entry ledger", "disabled"))
        dup = {"service": dict(new["service"], name="ledger V2")}
        self.assert_error(*self.w("POST", "/services", dup), 400)
        self.assert_error(*self.w("POST", "/services", {"service": {"name": "X"}}), 400)
        self.assert_error(*self.w("POST", "/services", {"service": {"name": "Y", "type": "schedule",
                                                                    "escalation_policy": {"id": ep["id"]}}}), 400)
        self.assert_404("/services/PNOPE00", "PUT", upd)
        self.assertEqual(self.call("POST", "/incidents", {"incident": {
            "type": "incident", "title": "Ledger imbalance", "service": {"id": svc["id"], "type": "service_reference"}}},
            frm=self.me["email"])[0], 400)

    def test_business_services_and_dependencies(self):
        body = self.ok("/business_services")
        self.assert_classic(body, "business_services")
        self.assertEqual(len(body["business_services"]), 3)
        bs = body["business_services"][0]
        self.assertEqual(self.ok("/business_services/" + bs["id"], "business_service")["name"], bs["name"])
        team = self.ok("/teams", "teams")[1]
        status, got = self.w("POST", "/business_services", {"business_service": {
            "name": "Partner API", "description": "B2B", "point_of_contact": "ops@example.com",
            "team": {"id": team["id"]}}})
        self.assertEqual(status, 200, got)
        nb = got["business_service"]
        self.assertEqual((nb["type"], nb["team"]["id"]), ("business_service", team["id"]))
        status, got = self.w("PUT", "/business_services/" + nb["id"], {"business_service": {"description": "Partners"}})
        self.assertEqual((status, got["business_service"]["description"]), (200, "Partners"))
        rels = self.ok("/service_dependencies/business_services/" + bs["id"], "relationships")
        self.assertTrue(rels)
        for rel in rels:
            self.assertEqual(rel["type"], "service_dependency")
            self.assertIn(bs["id"], (rel["supporting_service"]["id"], rel["dependent_service"]["id"]))
        sid = self.svc_id("Checkout API")
        tech = self.ok("/service_dependencies/technical_services/" + sid, "relationships")
        self.assertTrue(any(r["supporting_service"]["type"] == "technical_service_reference" for r in tech))
        pair = {"relationships": [{"supporting_service": {"id": sid, "type": "service"},
                                   "dependent_service": {"id": nb["id"], "type": "business_service"}}]}
        status, got = self.w("POST", "/service_dependencies/associate", pair)
        self.assertEqual((status, got["relationships"][0]["dependent_service"]["type"]),
                         (200, "business_service_reference"))
        self.assertEqual(len(self.ok("/service_dependencies/business_services/" + nb["id"], "relationships")), 1)
        self.assertEqual(self.w("POST", "/service_dependencies/disassociate", pair)[0], 200)
        self.assertEqual(self.ok("/service_dependencies/business_services/" + nb["id"], "relationships"), [])
        self.assert_error(*self.w("POST", "/service_dependencies/disassociate", pair), 404)
        backwards = {"relationships": [{"supporting_service": {"id": nb["id"], "type": "business_service"},
                                        "dependent_service": {"id": sid, "type": "service"}}]}
        self.assert_error(*self.w("POST", "/service_dependencies/associate", backwards), 400)
        self.assertEqual(self.w("DELETE", "/business_services/" + nb["id"])[0], 204)
        self.assert_404("/business_services/" + nb["id"])
        self.assert_404("/service_dependencies/business_services/PNOPE00")
        self.assert_404("/service_dependencies/technical_services/PNOPE00")

    def test_escalation_policy_writes_and_v3_oncall(self):
        users = self.ok("/users?limit=100", "users")
        sched = self.ok("/schedules", "schedules")[0]
        v3 = self.ok("/v3/schedules", "schedules")[0]
        new = {"escalation_policy": {"name": "Ledger Escalation", "num_loops": 1, "escalation_rules": [
            {"escalation_delay_in_minutes": 10, "targets": [{"id": v3["id"], "type": "schedule_v3_reference"}]},
            {"escalation_delay_in_minutes": 20, "targets": [{"id": users[3]["id"], "type": "user_reference"},
                                                            {"id": sched["id"], "type": "schedule_reference"}],
             "escalation_rule_assignment_strategy": "round_robin"}]}}
        status, body = self.w("POST", "/escalation_policies", new, frm=False)
        self.assertEqual(status, 201, body)
        ep = body["escalation_policy"]
        self.assertEqual([t["type"] for t in ep["escalation_rules"][0]["targets"]], ["schedule_v3_reference"])
        self.assertEqual(ep["escalation_rules"][1]["escalation_rule_assignment_strategy"]["type"], "round_robin")
        self.assert_error(*self.w("POST", "/escalation_policies", new, frm=False)[:2], 400)
        self.assert_error(*self.call("POST", "/escalation_policies", new, frm="nobody@example.com")[:2], 400, 1008)
        oc = self.ok("/oncalls?escalation_policy_ids[]=%s&limit=100" % ep["id"], "oncalls")
        v3_oc = [o for o in oc if o["escalation_level"] == 1]
        self.assertTrue(v3_oc)
        self.assertEqual(v3_oc[0]["schedule"]["type"], "schedule_v3_reference")
        final = self.ok("/v3/schedules/%s?include[]=final_schedule&since=%s&until=%s"
                        % (v3["id"], CLOCK, iso(parse_ts(CLOCK) + 60)), "schedule")["final_schedule"]
        on_now = {a["member"]["user_id"] for a in final["computed_shift_assignments"]
                  if parse_ts(a["start_time"]) <= parse_ts(CLOCK) < parse_ts(a["end_time"])}
        self.assertEqual({o["user"]["id"] for o in v3_oc}, on_now)
        self.assertIn(ep["id"], [e["id"] for e in self.ok("/v3/schedules/" + v3["id"], "schedule")["escalation_policies"]])
        self.assert_error(*self.w("DELETE", "/v3/schedules/" + v3["id"]), 400)
        rule_id = ep["escalation_rules"][0]["id"]
        status, body = self.w("PUT", "/escalation_policies/" + ep["id"], {"escalation_policy": {"description": "d"}})
        self.assertEqual((status, body["escalation_policy"]["name"], body["escalation_policy"]["description"]),
                         (200, "Ledger Escalation", "d"))
        self.assertEqual(body["escalation_policy"]["escalation_rules"][0]["id"], rule_id)
        status, body = self.w("PUT", "/escalation_policies/" + ep["id"], {"escalation_policy": {"escalation_rules": [
            {"escalation_delay_in_minutes": 5, "targets": [{"id": users[4]["id"], "type": "user_reference"}]}]}})
        self.assertEqual(len(body["escalation_policy"]["escalation_rules"]), 1)
        self.assertEqual(self.ok("/escalation_policies/" + ep["id"], "escalation_policy")["num_loops"], 1)
        self.assert_404("/escalation_policies/PNOPE00", "PUT", {"escalation_policy": {"name": "x"}})
        bad = {"escalation_policy": {"name": "Bad", "escalation_rules": [
            {"escalation_delay_in_minutes": 5, "targets": [{"id": "PNOPE00", "type": "user_reference"}]}]}}
        self.assert_error(*self.w("POST", "/escalation_policies", bad), 400)

    def test_schedule_v2_create_update(self):
        users = self.ok("/users?limit=100", "users")
        new = {"schedule": {"type": "schedule", "name": "Ledger Rotation", "time_zone": "Europe/Paris",
                            "schedule_layers": [{"name": "Days", "start": "2026-11-01T09:00:00+01:00",
                                                 "rotation_virtual_start": "2026-11-01T09:00:00+01:00",
                                                 "rotation_turn_length_seconds": 86400,
                                                 "users": [{"user": {"id": users[0]["id"], "type": "user_reference"}},
                                                           {"user": {"id": users[1]["id"], "type": "user_reference"}}],
                                                 "restrictions": [{"type": "daily_restriction",
                                                                   "start_time_of_day": "09:00:00",
                                                                   "duration_seconds": 28800}]}]}}
        status, body = self.w("POST", "/schedules", new)
        self.assertEqual(status, 201, body)
        sc = body["schedule"]
        self.assertEqual((sc["name"], sc["time_zone"], len(sc["schedule_layers"])), ("Ledger Rotation", "Europe/Paris", 1))
        entries = sc["final_schedule"]["rendered_schedule_entries"]
        self.assertTrue(entries)
        self.assertTrue(all(e["start"].endswith("+01:00") for e in entries))
        layer_id = sc["schedule_layers"][0]["id"]
        layer = dict(new["schedule"]["schedule_layers"][0], id=layer_id, users=[{"user": {"id": users[2]["id"]}}])
        upd = {"schedule": {"name": "Ledger Days", "schedule_layers": [layer]}}
        status, body = self.w("PUT", "/schedules/" + sc["id"], upd)
        self.assertEqual((status, body["schedule"]["name"]), (200, "Ledger Days"))
        got = self.ok("/schedules/" + sc["id"], "schedule")
        self.assertEqual(got["schedule_layers"][0]["id"], layer_id)
        self.assertEqual([u["user"]["id"] for u in got["schedule_layers"][0]["users"]], [users[2]["id"]])
        self.assertEqual(len(self.ok("/schedules?limit=100", "schedules")), 7)
        bad = {"schedule": dict(new["schedule"], time_zone="Mars/Olympus")}
        self.assert_error(*self.w("POST", "/schedules", bad), 400)
        self.assert_404("/schedules/PNOPE00", "PUT", upd)

    # ----------------------------------------------------------- v3 schedules

    def test_v3_schedules(self):
        body = self.ok("/v3/schedules")
        self.assertEqual(set(body), {"schedules", "limit", "offset", "more"})
        self.assertEqual((body["limit"], len(body["schedules"])), (100, 2))
        self.assertEqual(body["schedules"][0]["type"], "schedule_v3_reference")
        self.assertIsNone(self.ok("/v3/schedules?total=true&limit=1")["total"] and None)
        self.assertTrue(self.ok("/v3/schedules?limit=1")["more"])
        seeded = body["schedules"][0]
        # the v2 endpoint points shift-based schedules at the v3 API (the MCP get_schedule fallback)
        status, err, _ = self.get("/schedules/" + seeded["id"])
        self.assert_error(status, err, 400)
        self.assertIn("shift-based", err["error"]["message"])
        self.assertNotIn(seeded["id"], [x["id"] for x in self.ok("/schedules?limit=100", "schedules")])
        team = self.ok("/teams", "teams")[0]
        status, body = self.w("POST", "/v3/schedules", {"schedule": {
            "name": "Ledger Shifts", "time_zone": "Europe/Berlin", "description": "v3",
            "teams": [{"id": team["id"], "type": "team_reference"}]}})
        self.assertEqual(status, 201, body)
        sc = body["schedule"]
        self.assertEqual((sc["type"], sc["rotations"], sc["teams"][0]["id"]), ("schedule_v3", [], team["id"]))
        sid = sc["id"]
        status, err = self.w("POST", "/v3/schedules", {"schedule": {"name": "x", "time_zone": "UTC",
                                                                     "rotations": [{}]}})
        self.assert_error(status, err, 400)
        self.assertIsInstance(err["error"]["errors"], dict)
        status, body = self.w("PUT", "/v3/schedules/" + sid, {"schedule": {"name": "Ledger Shifts 2"}})
        self.assertEqual((status, body["schedule"]["name"], body["schedule"]["time_zone"]),
                         (200, "Ledger Shifts 2", "Europe/Berlin"))
        status, rot = self.w("POST", "/v3/schedules/%s/rotations" % sid, {})
        self.assertEqual(status, 201, rot)
        rid = rot["rotation"]["id"]
        self.assertEqual(len(rid), 26)
        rots = self.ok("/v3/schedules/%s/rotations" % sid)
        self.assert_classic(rots, "rotations")
        users = self.ok("/users?limit=100", "users")
        a, b = users[0]["id"], users[1]["id"]
        event = {"event": {"name": "Daily", "start_time": {"date_time": "2026-11-30T08:00:00", "time_zone": "Europe/Berlin"},
                           "end_time": {"date_time": "2026-11-30T20:00:00", "time_zone": "Europe/Berlin"},
                           "effective_since": "2026-11-30T00:00:00Z", "recurrence": ["RRULE:FREQ=DAILY"],
                           "assignment_strategy": {"type": "rotating_member_assignment_strategy", "shifts_per_member": 1,
                                                   "members": [{"type": "user_member", "user_id": a},
                                                               {"type": "user_member", "user_id": b}]}}}
        evs = "/v3/schedules/%s/rotations/%s/events" % (sid, rid)
        status, body = self.w("POST", evs, event)
        self.assertEqual(status, 201, body)
        ev = body["event"]
        self.assertEqual((ev["type"], ev["start_time"]["date_time"]), ("schedule_event", "2026-11-30T07:00:00Z"))
        self.assertEqual(self.ok(evs, "events")[0]["id"], ev["id"])
        self.assert_error(*self.w("POST", evs, event), 400)  # overlaps the first one
        bad = {"event": dict(event["event"], recurrence=["RRULE:FREQ=MONTHLY"], effective_since="2027-06-01T00:00:00Z")}
        status, err = self.w("POST", evs, bad)
        self.assert_error(status, err, 400)
        self.assertIn("event.recurrence", err["error"]["errors"])
        status, body = self.w("PUT", "%s/%s" % (evs, ev["id"]), {"event": {"name": "Daily shift"}})
        self.assertEqual((status, body["event"]["name"]), (200, "Daily shift"))
        self.assertEqual(self.ok("%s/%s" % (evs, ev["id"]), "event")["name"], "Daily shift")
        since, until = "2026-11-30T00:00:00Z", "2026-12-03T00:00:00Z"
        final = self.ok("/v3/schedules/%s?include[]=final_schedule&since=%s&until=%s" % (sid, since, until),
                        "schedule")["final_schedule"]
        shifts = final["computed_shift_assignments"]
        self.assertEqual([x["member"]["user_id"] for x in shifts], [a, b, a])
        self.assertEqual((shifts[0]["start_time"], shifts[0]["end_time"]), ("2026-11-30T07:00:00Z", "2026-11-30T19:00:00Z"))
        self.assertEqual(final["rendered_coverage_percentage"], 50.0)
        cs = {"custom_shifts": [{"type": "custom_shift", "start_time": "2026-12-05T10:00:00Z",
                                 "end_time": "2026-12-05T14:00:00Z", "assignments": [
                                     {"type": "shift_assignment", "member": {"type": "user_member", "user_id": b}}]}]}
        status, body = self.w("POST", "/v3/schedules/%s/custom_shifts" % sid, cs)
        self.assertEqual(status, 201, body)
        csid = body["custom_shifts"][0]["id"]
        status, body, _ = self.get("/v3/schedules/%s/custom_shifts" % sid)
        self.assert_error(status, body, 400)
        listed = self.ok("/v3/schedules/%s/custom_shifts?since=2026-12-01T00:00:00Z&until=2026-12-08T00:00:00Z" % sid)
        self.assert_classic(listed, "custom_shifts")
        self.assertEqual([x["id"] for x in listed["custom_shifts"]], [csid])
        status, body = self.w("PUT", "/v3/schedules/%s/custom_shifts/%s" % (sid, csid),
                              {"custom_shift": {"end_time": "2026-12-05T16:00:00Z"}})
        self.assertEqual((status, body["custom_shift"]["end_time"]), (200, "2026-12-05T16:00:00Z"))
        ov = {"overrides": [{"type": "override_shift", "rotation_id": rid, "start_time": "2026-12-01T07:00:00Z",
                             "end_time": "2026-12-01T19:00:00Z", "overridden_member": {"type": "user_member", "user_id": b},
                             "overriding_member": {"type": "user_member", "user_id": users[2]["id"]}}]}
        status, body = self.w("POST", "/v3/schedules/%s/overrides" % sid, ov)
        self.assertEqual(status, 201, body)
        oid = body["overrides"][0]["id"]
        final = self.ok("/v3/schedules/%s?include[]=final_schedule&since=%s&until=%s" % (sid, since, until),
                        "schedule")["final_schedule"]
        self.assertEqual([x["member"]["user_id"] for x in final["computed_shift_assignments"]], [a, users[2]["id"], a])
        self.assertEqual(final["computed_shift_assignments"][1]["source"]["override_id"], oid)
        status, body = self.w("PUT", "/v3/schedules/%s/overrides/%s" % (sid, oid), {"override": {
            "start_time": "2026-12-01T07:00:00Z", "end_time": "2026-12-01T13:00:00Z",
            "overriding_member": {"type": "user_member", "user_id": users[3]["id"]}}})
        self.assertEqual((status, body["override"]["overriding_member"]["user_id"]), (200, users[3]["id"]))
        self.assertEqual(self.ok("/v3/schedules/%s/overrides/%s" % (sid, oid), "override")["end_time"],
                         "2026-12-01T13:00:00Z")
        self.assertEqual(len(self.ok("/v3/schedules/%s/overrides?since=%s&until=%s" % (sid, since, until), "overrides")), 1)
        for path in ("overrides/" + oid, "custom_shifts/" + csid, "rotations/%s/events/%s" % (rid, ev["id"]),
                     "rotations/" + rid):
            self.assertEqual(self.w("DELETE", "/v3/schedules/%s/%s" % (sid, path))[0], 204, path)
            self.assert_404("/v3/schedules/%s/%s" % (sid, path))
        self.assertEqual(self.w("DELETE", "/v3/schedules/" + sid)[0], 204)
        self.assert_404("/v3/schedules/" + sid)
        self.assert_404("/v3/schedules/%s/rotations" % sid)

    def test_v3_active_event_and_started_shift_rules(self):
        seeded = next(x for x in self.ok("/v3/schedules", "schedules") if x["summary"] == "Platform Shift-Based")
        sc = self.ok("/v3/schedules/" + seeded["id"], "schedule")
        rot = sc["rotations"][0]
        ev = rot["events"][0]
        path = "/v3/schedules/%s/rotations/%s/events/%s" % (seeded["id"], rot["id"], ev["id"])
        same = {k: ev[k] for k in ("name", "start_time", "end_time", "effective_since", "recurrence",
                                   "assignment_strategy")}
        status, body = self.w("PUT", path, {"event": dict(same, effective_until="2027-01-01T00:00:00Z")})
        self.assertEqual((status, body["event"]["effective_until"]), (200, "2027-01-01T00:00:00Z"), body)
        status, err = self.w("PUT", path, {"event": dict(same, name="Renamed")})
        self.assert_error(status, err, 400)
        self.assertIn("event.name", err["error"]["errors"])
        status, err = self.w("POST", "/v3/schedules/%s/rotations/%s/events" % (seeded["id"], rot["id"]),
                             {"event": dict(same, effective_since="2026-12-15T00:00:00Z")})
        self.assert_error(status, err, 400)  # overlaps the active event (now ending 2027-01-01)
        # a custom shift that has started: only end_time may change; deleting it ends it now
        users = self.ok("/users?limit=100", "users")
        cs = {"custom_shifts": [{"start_time": "2026-11-27T08:00:00Z", "end_time": "2026-11-27T18:00:00Z",
                                 "assignments": [{"member": {"type": "user_member", "user_id": users[0]["id"]}}]}]}
        created = self.w("POST", "/v3/schedules/%s/custom_shifts" % seeded["id"], cs)[1]["custom_shifts"][0]
        cpath = "/v3/schedules/%s/custom_shifts/%s" % (seeded["id"], created["id"])
        full = {"type": "custom_shift", "start_time": created["start_time"], "end_time": "2026-11-27T20:00:00Z",
                "assignments": [{"type": "shift_assignment", "member": created["assignments"][0]["member"]}]}
        status, body = self.w("PUT", cpath, {"custom_shift": full})
        self.assertEqual((status, body["custom_shift"]["end_time"]), (200, "2026-11-27T20:00:00Z"), body)
        status, err = self.w("PUT", cpath, {"custom_shift": dict(full, start_time="2026-11-27T07:00:00Z")})
        self.assert_error(status, err, 400)
        self.assertEqual(self.w("DELETE", cpath)[0], 204)
        self.assertEqual(self.ok(cpath, "custom_shift")["end_time"], CLOCK)
        self.assert_error(*self.w("DELETE", cpath), 400)

    # --------------------------------------------------- events pipeline

    def test_change_events(self):
        body = self.ok("/change_events?limit=5&total=true")
        self.assertEqual(set(body), {"change_events", "limit", "offset", "more", "total"})
        self.assertEqual((len(body["change_events"]), body["total"], body["more"]), (5, 48, True))
        ce = body["change_events"][0]
        self.assertEqual((len(ce["id"]), ce["type"]), (26, "change_event"))
        stamps = [c["timestamp"] for c in body["change_events"]]
        self.assertEqual(stamps, sorted(stamps, reverse=True))
        self.assertEqual(self.ok("/change_events/" + ce["id"], "change_event")["summary"], ce["summary"])
        status, got = self.w("PUT", "/change_events/" + ce["id"], {"change_event": {
            "summary": "Deploy #1 (annotated)", "custom_details": {"ticket": "OPS-1"}}})
        self.assertEqual(status, 200, got)
        self.assertEqual(self.ok("/change_events/" + ce["id"], "change_event")["custom_details"], {"ticket": "OPS-1"})
        status, err, _ = self.get("/change_events?since=2026-11-01T00:00:00-05:00")
        self.assert_error(status, err, 400)
        window = self.ok("/change_events?limit=100&since=2026-11-20T00:00:00Z&until=2026-11-21T00:00:00Z", "change_events")
        self.assertTrue(all("2026-11-20" <= c["timestamp"] < "2026-11-21" for c in window))
        svc = self.ok("/services/" + ce["services"][0]["id"] + "?include[]=integrations", "service")
        key = svc["integrations"][0]["integration_key"]
        status, raw_body, _ = self.call("POST", "/change_events", {
            "routing_key": key, "payload": {"summary": "Deploy #9001", "source": "ci", "custom_details": {"v": 2}},
            "links": [{"href": "https://ci.example.com/9001", "text": "build"}]})
        self.assertEqual((status, raw_body), (202, None))
        latest = self.ok("/services/%s/change_events?limit=1" % svc["id"], "change_events")[0]
        self.assertEqual((latest["summary"], latest["timestamp"]), ("Deploy #9001", CLOCK))
        self.assert_error(*self.w("POST", "/change_events", {"routing_key": "nope", "payload": {"summary": "x"}}), 400)
        team = svc["teams"][0]["id"]
        by_team = self.ok("/change_events?limit=100&team_ids[]=" + team, "change_events")
        self.assertTrue(by_team)
        # an incident created after a change event on its service sees it as related
        status, inc, _ = self.call("POST", "/incidents", {"incident": {
            "type": "incident", "title": "Errors after deploy", "service": {"id": svc["id"], "type": "service_reference"}}},
            frm=self.me["email"])
        rel = self.ok("/incidents/%s/related_change_events" % inc["incident"]["id"])
        self.assertEqual(rel["change_events"][0]["summary"], "Deploy #9001")
        self.assertEqual(rel["change_events"][0]["correlation_reason"]["reason"], "most_recent")
        self.assert_404("/change_events/01NOPE00000000000000000000")
        self.assert_404("/services/PNOPE00/change_events")

    def test_event_orchestrations(self):
        body = self.ok("/event_orchestrations")
        self.assert_classic(body, "orchestrations")
        names = [o["name"] for o in body["orchestrations"]]
        self.assertEqual(names, sorted(names))
        self.assertEqual([o["name"] for o in self.ok("/event_orchestrations?sort_by=name:desc", "orchestrations")],
                         sorted(names, reverse=True))
        oid = next(o["id"] for o in body["orchestrations"] if o["name"] == "Production Events")
        orch = self.ok("/event_orchestrations/" + oid, "orchestration")
        self.assertEqual((orch["routes"], orch["integrations"][0]["parameters"]["type"]), (3, "global"))
        router = self.ok("/event_orchestrations/%s/router" % oid, "orchestration_path")
        self.assertEqual((router["type"], router["parent"]["id"], len(router["sets"])), ("router", oid, 1))
        # the append_event_orchestration_router_rule flow: GET, append with a placeholder ID, PUT
        sid = self.svc_id("Mobile Push")
        rules = router["sets"][0]["rules"] + [{"id": "temp_id_will_be_replaced_by_api", "label": "Push storms",
                                               "conditions": [{"expression": "event.summary matches part 'apns'"}],
                                               "actions": {"route_to": sid}, "disabled": False}]
        put = {"orchestration_path": {"type": "router", "sets": [{"id": "start", "rules": rules}],
                                      "catch_all": router["catch_all"]}}
        status, got = self.w("PUT", "/event_orchestrations/%s/router" % oid, put)
        self.assertEqual(status, 200, got)
        self.assertEqual(got["warnings"], [])
        new_rules = got["orchestration_path"]["sets"][0]["rules"]
        self.assertEqual([r["id"] for r in new_rules[:3]], [r["id"] for r in router["sets"][0]["rules"]])
        self.assertNotEqual(new_rules[3]["id"], "temp_id_will_be_replaced_by_api")
        self.assertNotEqual(got["orchestration_path"]["version"], router["version"])
        again = self.ok("/event_orchestrations/%s/router" % oid, "orchestration_path")
        self.assertEqual(again["sets"][0]["rules"][3]["actions"]["route_to"], sid)
        self.assertEqual(self.ok("/event_orchestrations/" + oid, "orchestration")["routes"], 4)
        bad = {"orchestration_path": {"sets": [{"id": "start", "rules": [
            {"conditions": [], "actions": {"route_to": "PNOPE00"}}]}],
                                      "catch_all": {"actions": {"route_to": "unrouted"}}}}
        self.assert_error(*self.w("PUT", "/event_orchestrations/%s/router" % oid, bad), 400)
        for kind in ("global", "unrouted"):
            path = self.ok("/event_orchestrations/%s/%s" % (oid, kind), "orchestration_path")
            self.assertEqual((path["type"], path["sets"][0]["id"]), (kind, "start"))
        glob = {"orchestration_path": {"sets": [{"id": "start", "rules": [
            {"label": "to step two", "conditions": [], "actions": {"route_to": "step-two"}}]},
            {"id": "step-two", "rules": [{"label": "drop", "conditions": [{"expression": "event.source matches 'x'"}],
                                          "actions": {"drop_event": True}}]}], "catch_all": {"actions": {}}}}
        status, got = self.w("PUT", "/event_orchestrations/%s/global" % oid, glob)
        self.assertEqual((status, len(got["orchestration_path"]["sets"])), (200, 2))
        svc_path = self.ok("/event_orchestrations/services/" + sid, "orchestration_path")
        self.assertEqual((svc_path["type"], svc_path["parent"]["type"], svc_path["sets"][0]["rules"]),
                         ("service", "service_reference", []))
        self.assertEqual(self.ok("/event_orchestrations/services/%s/active" % sid), {"active": False})
        status, got = self.w("PUT", "/event_orchestrations/services/" + sid, {"orchestration_path": {
            "sets": [{"id": "start", "rules": [{"label": "suppress info", "conditions": [
                {"expression": "event.severity matches 'info'"}], "actions": {"suppress": True}}]}],
            "catch_all": {"actions": {}}}})
        self.assertEqual(status, 200, got)
        self.assertEqual(len(self.ok("/event_orchestrations/services/" + sid, "orchestration_path")["sets"][0]["rules"]), 1)
        self.assertEqual(self.w("PUT", "/event_orchestrations/services/%s/active" % sid, {"active": True}),
                         (200, {"active": True}))
        self.assertEqual(self.ok("/event_orchestrations/services/%s/active" % sid), {"active": True})
        checkout = self.svc_id("Checkout API")
        checkout_path = self.ok("/event_orchestrations/services/" + checkout, "orchestration_path")
        self.assertEqual(len(checkout_path["sets"][0]["rules"]), 1)
        self.assert_404("/event_orchestrations/00000000-0000-4000-8000-000000000000")
        self.assert_404("/event_orchestrations/00000000-0000-4000-8000-000000000000/router")
        self.assert_404("/event_orchestrations/services/PNOPE00")

    def test_alert_grouping_settings(self):
        first = self.ok("/alert_grouping_settings?limit=2")
        self.assertEqual(set(first), {"alert_grouping_settings", "after", "before", "limit", "total"})
        self.assertEqual((len(first["alert_grouping_settings"]), first["before"]), (2, None))
        self.assertIsNotNone(first["after"])
        second = self.ok("/alert_grouping_settings?limit=2&after=" + first["after"])
        self.assertEqual((len(second["alert_grouping_settings"]), second["after"]), (1, None))
        self.assertIsNotNone(second["before"])
        back = self.ok("/alert_grouping_settings?limit=2&before=" + second["before"])
        self.assertEqual([x["id"] for x in back["alert_grouping_settings"]],
                         [x["id"] for x in first["alert_grouping_settings"]])
        self.assertEqual(self.ok("/alert_grouping_settings?total=true")["total"], 3)
        status, body, _ = self.get("/alert_grouping_settings?after=garbage")
        self.assert_error(status, body, 400)
        sid = self.svc_id("Search Indexer")
        new = {"alert_grouping_setting": {"name": "Search time grouping", "type": "time", "config": {"timeout": 300},
                                          "services": [{"id": sid, "type": "service_reference"}]}}
        status, body = self.w("POST", "/alert_grouping_settings", new)
        self.assertEqual(status, 201, body)
        ag = body["alert_grouping_setting"]
        self.assertEqual((ag["type"], ag["config"], ag["services"][0]["id"]), ("time", {"timeout": 300}, sid))
        self.assertRegex(ag["created_at"], r"\.000Z$")
        self.assertEqual([x["id"] for x in self.ok("/alert_grouping_settings?service_ids[]=" + sid,
                                                   "alert_grouping_settings")], [ag["id"]])
        self.assert_error(*self.w("POST", "/alert_grouping_settings", new), 400)
        upd = {"alert_grouping_setting": {"type": "content_based", "config": {"aggregate": "any", "fields": ["summary"],
                                                                              "time_window": 600}}}
        status, body = self.w("PUT", "/alert_grouping_settings/" + ag["id"], upd)
        self.assertEqual((status, body["alert_grouping_setting"]["config"]["aggregate"]), (200, "any"))
        self.assertEqual(self.ok("/alert_grouping_settings/" + ag["id"], "alert_grouping_setting")["type"], "content_based")
        bad = {"alert_grouping_setting": {"type": "time", "config": {"timeout": 5}, "services": [{"id": sid}]}}
        self.assert_error(*self.w("PUT", "/alert_grouping_settings/" + ag["id"], bad), 400)
        self.assertEqual(self.w("DELETE", "/alert_grouping_settings/" + ag["id"])[0], 204)
        self.assert_404("/alert_grouping_settings/" + ag["id"])
        self.assert_404("/alert_grouping_settings/" + ag["id"], "DELETE")

    # ------------------------------------------------- workflows, webhooks

    def test_incident_workflows(self):
        body = self.ok("/incident_workflows")
        self.assert_classic(body, "incident_workflows")
        self.assertEqual(len(body["incident_workflows"]), 3)
        self.assertNotIn("steps", body["incident_workflows"][0])
        rich = self.ok("/incident_workflows?include[]=steps&include[]=team&query=kickoff", "incident_workflows")
        self.assertEqual(len(rich), 1)
        self.assertEqual(rich[0]["steps"][0]["type"], "step")
        wf = self.ok("/incident_workflows/" + rich[0]["id"], "incident_workflow")
        self.assertEqual(len(wf["steps"]), 2)
        self.assertRegex(wf["created_at"], r"\.000Z$")
        inc = self.first("statuses[]=triggered")
        start = {"incident_workflow_instance": {"incident": {"id": inc["id"], "type": "incident_reference"}}}
        status, got = self.w("POST", "/incident_workflows/%s/instances" % wf["id"], start, frm=False)
        self.assertEqual(status, 201, got)
        inst = got["incident_workflow_instance"]
        self.assertEqual((inst["type"], inst["incident"]["id"]), ("incident_workflow_instance", inc["id"]))
        bridge = self.ok("/incidents/%s?include[]=conference_bridge" % inc["id"], "incident")["conference_bridge"]
        self.assertEqual(bridge["conference_url"], "https://meet.example.com/major-incident")
        recs = self.ctl("GET", "/_sim/records?incident_id=" + inc["id"])[1]["records"]
        self.assertEqual([r["kind"] for r in recs], ["status_update", "workflow_instance"])
        self.assertEqual(recs[1]["id"], inst["id"])
        page_team = self.ok("/incident_workflows?query=database&include[]=steps", "incident_workflows")[0]
        self.w("POST", "/incident_workflows/%s/instances" % page_team["id"], start)
        self.assertTrue(self.ok("/incidents/" + inc["id"], "incident")["responder_requests"])
        disabled = self.ok("/incident_workflows?query=legacy", "incident_workflows")[0]
        self.assert_error(*self.w("POST", "/incident_workflows/%s/instances" % disabled["id"], start), 400)
        bad = {"incident_workflow_instance": {"incident": {"id": "PNOPE00"}}}
        self.assert_error(*self.w("POST", "/incident_workflows/%s/instances" % wf["id"], bad), 400)
        self.assert_404("/incident_workflows/PNOPE00")
        self.assert_404("/incident_workflows/PNOPE00/instances", "POST", start)

    def test_webhooks_and_extension_schemas(self):
        body = self.ok("/webhook_subscriptions")
        self.assert_classic(body, "webhook_subscriptions")
        self.assertEqual(len(body["webhook_subscriptions"]), 2)
        self.assertTrue(all(w["delivery_method"]["secret"] is None for w in body["webhook_subscriptions"]))
        for ft in ("service", "service_reference"):
            got = self.ok("/webhook_subscriptions?filter_type=" + ft, "webhook_subscriptions")
            self.assertEqual([w["filter"]["type"] for w in got], ["service_reference"])
        team = self.ok("/teams", "teams")[0]
        new = {"webhook_subscription": {"type": "webhook_subscription", "description": "Team feed",
                                        "delivery_method": {"type": "http_delivery_method",
                                                            "url": "https://hooks.example.com/t",
                                                            "custom_headers": [{"name": "X-Key", "value": "s3cret"}]},
                                        "events": ["incident.triggered", "incident.resolved"],
                                        "filter": {"id": team["id"], "type": "team_reference"}}}
        status, got = self.w("POST", "/webhook_subscriptions", new)
        self.assertEqual(status, 200, got)
        wh = got["webhook_subscription"]
        self.assertTrue(wh["delivery_method"]["secret"])
        self.assertEqual((wh["active"], wh["filter"]["id"]), (True, team["id"]))
        self.assertIsNone(self.ok("/webhook_subscriptions/" + wh["id"], "webhook_subscription")["delivery_method"]["secret"])
        status, got = self.w("PUT", "/webhook_subscriptions/" + wh["id"],
                             {"webhook_subscription": {"active": False, "events": ["incident.acknowledged"]}})
        self.assertEqual((status, got["webhook_subscription"]["active"]), (200, False))
        self.assertEqual(self.ok("/webhook_subscriptions/" + wh["id"], "webhook_subscription")["events"],
                         ["incident.acknowledged"])
        self.assert_error(*self.w("POST", "/webhook_subscriptions", {"webhook_subscription": dict(
            new["webhook_subscription"], delivery_method={"type": "http_delivery_method", "url": "http://insecure"})}), 400)
        self.assertEqual(self.w("DELETE", "/webhook_subscriptions/" + wh["id"])[0], 204)
        self.assert_404("/webhook_subscriptions/" + wh["id"])
        schemas = self.ok("/extension_schemas")
        self.assert_classic(schemas, "extension_schemas")
        es = schemas["extension_schemas"][0]
        self.assertEqual(self.ok("/extension_schemas/" + es["id"], "extension_schema")["key"], es["key"])
        self.assertEqual(es["type"], "extension_schema")
        self.assert_404("/extension_schemas/PNOPE00")

    # -------------------------------------------------------- status pages

    def test_status_pages(self):
        body = self.ok("/status_pages")
        self.assert_classic(body, "status_pages")
        self.assertEqual([p["status_page_type"] for p in self.ok("/status_pages?status_page_type=private",
                                                                 "status_pages")], ["private"])
        spid = next(p["id"] for p in body["status_pages"] if p["status_page_type"] == "public")
        for kind, single in (("severities", "severity"), ("impacts", "impact"), ("statuses", "status")):
            items = self.ok("/status_pages/%s/%s?post_type=incident" % (spid, kind))
            self.assert_classic(items, kind)
            self.assertTrue(all(x["post_type"] == "incident" for x in items[kind]))
            self.assertEqual(items[kind][0]["type"], "status_page_" + single)
            one = self.ok("/status_pages/%s/%s/%s" % (spid, kind, items[kind][0]["id"]), single)
            self.assertEqual(one["id"], items[kind][0]["id"])
        sev = self.ok("/status_pages/%s/severities?post_type=incident" % spid, "severities")[0]["id"]
        st = self.ok("/status_pages/%s/statuses?post_type=incident" % spid, "statuses")[0]["id"]
        imp = self.ok("/status_pages/%s/impacts?post_type=incident" % spid, "impacts")[1]["id"]
        svc = self.ok("/status_pages/%s/services" % spid, "services")[0]["id"]
        posts = self.ok("/status_pages/%s/posts" % spid)
        self.assert_classic(posts, "posts")
        self.assertEqual(len(posts["posts"]), 2)
        new = {"post": {"type": "status_page_post", "title": "Login errors", "post_type": "incident",
                        "starts_at": "2026-11-27T09:30:00Z", "ends_at": None,
                        "status_page": {"id": spid, "type": "status_page"},
                        "updates": [{"message": "Investigating login errors",
                                     "status": {"id": st, "type": "status_page_status"},
                                     "severity": {"id": sev, "type": "status_page_severity"},
                                     "impacted_services": [{"service": {"id": svc, "type": "status_page_service"},
                                                            "impact": {"id": imp, "type": "status_page_impact"}}],
                                     "update_frequency_ms": None, "notify_subscribers": False}]}}
        status, got = self.w("POST", "/status_pages/%s/posts" % spid, new)
        self.assertEqual(status, 201, got)
        post = got["post"]
        self.assertEqual((post["title"], post["starts_at"], len(post["updates"])),
                         ("Login errors", "2026-11-27T09:30:00.000Z", 1))
        full = self.ok("/status_pages/%s/posts/%s?include[]=status_page_post_update" % (spid, post["id"]), "post")
        self.assertEqual(full["updates"][0]["message"], "Investigating login errors")
        upd = {"post_update": {"message": "Fixed", "status": {"id": st}, "severity": {"id": sev},
                               "impacted_services": [], "update_frequency_ms": None}}
        status, got = self.w("POST", "/status_pages/%s/posts/%s/post_updates" % (spid, post["id"]), upd)
        self.assertEqual(status, 201, got)
        self.assertEqual(got["post_update"]["reviewed_status"], "approved")
        ups = self.ok("/status_pages/%s/posts/%s/post_updates" % (spid, post["id"]))
        self.assert_classic(ups, "post_updates")
        self.assertEqual([u["message"] for u in ups["post_updates"]], ["Investigating login errors", "Fixed"])
        maint_sev = self.ok("/status_pages/%s/severities?post_type=maintenance" % spid, "severities")[0]["id"]
        bad = {"post_update": dict(upd["post_update"], severity={"id": maint_sev})}
        self.assert_error(*self.w("POST", "/status_pages/%s/posts/%s/post_updates" % (spid, post["id"]), bad), 400)
        self.assertEqual(len(self.ok("/status_pages/%s/posts?post_type=incident" % spid, "posts")), 2)
        self.assert_404("/status_pages/PNOPE00/severities")
        self.assert_404("/status_pages/%s/posts/PNOPE00" % spid)
        self.assert_404("/status_pages/%s/posts/PNOPE00/post_updates" % spid)

    # ------------------------------------------------------------- analytics

    def test_analytics(self):
        since, until = "2026-11-13T00:00:00Z", "2026-11-27T00:00:00Z"
        count = self.ok("/incidents?since=%s&until=%s&total=true&limit=1" % (since, until))["total"]
        flt = {"filters": {"created_at_start": since, "created_at_end": until}}
        status, body = self.w("POST", "/analytics/metrics/incidents/all", flt)
        self.assertEqual(status, 200, body)
        row = body["data"][0]
        self.assertEqual(row["total_incident_count"], count)
        self.assertLessEqual(row["p50_seconds_to_resolve"], row["p95_seconds_to_resolve"])
        self.assertTrue(0 <= row["up_time_pct"] <= 100)
        self.assertEqual(row["total_interruptions"], row["total_business_hour_interruptions"] +
                         row["total_off_hour_interruptions"] + row["total_sleep_hour_interruptions"])
        daily = self.w("POST", "/analytics/metrics/incidents/all", dict(flt, aggregate_unit="day"))[1]
        self.assertEqual(daily["aggregate_unit"], "day")
        self.assertEqual(sum(x["total_incident_count"] for x in daily["data"]), count)
        self.assertRegex(daily["data"][0]["range_start"], r"^\d{4}-\d{2}-\d{2}T00:00:00$")
        svcs = self.w("POST", "/analytics/metrics/incidents/services",
                      dict(flt, order_by="total_incident_count", order="desc"))[1]["data"]
        self.assertEqual(sum(x["total_incident_count"] for x in svcs), count)
        self.assertEqual([x["total_incident_count"] for x in svcs],
                         sorted((x["total_incident_count"] for x in svcs), reverse=True))
        one = svcs[0]["service_id"]
        only = self.w("POST", "/analytics/metrics/incidents/services",
                      {"filters": dict(flt["filters"], service_ids=[one])})[1]["data"]
        self.assertEqual([x["service_id"] for x in only], [one])
        teams = self.w("POST", "/analytics/metrics/incidents/teams", dict(flt, aggregate_unit="week"))[1]["data"]
        self.assertTrue(teams and all("team_id" in x and "range_start" in x for x in teams))
        rflt = {"filters": {"date_range_start": since, "date_range_end": until}}
        resp = self.w("POST", "/analytics/metrics/responders/all", rflt)[1]["data"]
        self.assertTrue(resp)
        self.assertTrue(any(x["total_seconds_on_call"] > 0 for x in resp))
        for x in resp:
            self.assertEqual(x["total_seconds_on_call"] >= x["total_seconds_on_call_level_1"], True)
        by_team = self.w("POST", "/analytics/metrics/responders/teams", rflt)[1]["data"]
        self.assertTrue(all(x["team_id"] for x in by_team))
        seen, cursor, pages = [], None, 0
        while True:
            q = dict(flt, limit=50)
            if cursor:
                q["starting_after"] = cursor
            status, page = self.w("POST", "/analytics/raw/incidents", q)
            self.assertEqual(status, 200, page)
            self.assertTrue({"first", "last", "limit", "more", "order", "order_by", "data"} <= set(page))
            seen.extend(x["id"] for x in page["data"])
            pages += 1
            if not page["more"]:
                break
            cursor = page["last"]
        self.assertEqual((len(seen), len(set(seen)), pages), (count, count, (count + 49) // 50))
        one = self.ok("/analytics/raw/incidents/" + seen[0])
        self.assertEqual(one["data"]["id"], seen[0])
        user = resp[0]["responder_id"]
        mine = self.w("POST", "/analytics/raw/responders/%s/incidents" % user, dict(flt, limit=100))[1]
        self.assertTrue(all(x["responder_id"] == user for x in mine["data"]))
        self.assert_error(*self.w("POST", "/analytics/metrics/incidents/all", {"filters": {}}), 400)
        self.assert_error(*self.w("POST", "/analytics/metrics/incidents/all", dict(flt, time_zone="Nowhere/Land")), 400)
        self.assert_404("/analytics/raw/incidents/PNOPE00")
        self.assert_404("/analytics/raw/responders/PNOPE00/incidents", "POST", flt)

    # ---------------------------------------------- generic machinery still applies

    def test_endpoints_md_lists_every_route(self):
        sys.path.insert(0, HERE)
        import routes
        listed = set()
        with open(os.path.join(HERE, "ENDPOINTS.md"), encoding="utf-8") as f:
            section = False
            for line in f:
                if line.startswith("## "):
                    section = line.strip() == "## Endpoints"
                m = re.match(r"^\| (GET|PUT|POST|DELETE) \| `([^`]+)` \|", line)
                if section and m:
                    listed.add((m.group(1), m.group(2)))
        self.assertEqual(listed, {(m, p) for m, p, _, _ in routes.ROUTES})

    def test_new_endpoints_faults_log_and_reset(self):
        self.ctl("DELETE", "/_sim/requests")
        self.add_fault(path="^/v3/schedules$", kind="429", count=1)
        self.assertEqual(self.get("/v3/schedules")[0], 429)
        self.assertEqual(self.get("/v3/schedules")[0], 200)
        self.add_fault(path="^/analytics/", method="POST", kind="5xx", status=503)
        self.assertEqual(self.w("POST", "/analytics/metrics/incidents/all", {})[0], 503)
        log = self.ctl("GET", "/_sim/requests")[1]["requests"]
        self.assertEqual([(e["path"], e["status"], e["fault"]) for e in log],
                         [("/v3/schedules", 429, "429"), ("/v3/schedules", 200, None),
                          ("/analytics/metrics/incidents/all", 503, "5xx")])
        self.w("POST", "/teams", {"team": {"name": "Ephemeral"}})
        self.assertEqual(self.ctl("GET", "/_sim/info")[1]["counts"]["teams"], 6)
        self.ctl("POST", "/_sim/reset")
        self.assertEqual(self.ctl("GET", "/_sim/info")[1]["counts"]["teams"], 5)
        self.assertEqual(self.ctl("GET", "/_sim/info")[1]["counts"]["v3_schedules"], 2)
        status, body, _ = self.call("POST", "/v3/schedules", {"schedule": {"name": "x", "time_zone": "UTC"}},
                                    token=None)
        self.assert_error(status, body, 401, 2006)

    def test_audit_records_follow_token_writes_filters_and_cursors(self):
        me = self.me["id"]
        status, body = self.w("POST", "/teams", {"team": {"name": "Audited"}})
        self.assertEqual(status, 201, body)
        team = body["team"]["id"]
        self.assertEqual(self.w("PUT", "/teams/" + team, {"team": {"name": "Audited 2"}})[0], 200)
        self.assertEqual(self.get("/teams/" + team)[0], 200)  # a read is not audited
        self.assertEqual(self.ctl("POST", "/_sim/audit", {"truncated_token": "9xyz"})[0], 201)
        self.assertEqual(self.ctl("POST", "/_sim/audit", {"method": "browser"})[0], 201)
        q = "/audit/records?actor_type=user_reference&actor_id=%s&method_type=api_token" % me
        recs = self.ok(q + "&limit=100", "records")
        self.assertEqual([(r["method"]["truncated_token"], r["action"]) for r in recs],
                         [("9xyz", "update"), (TOKEN[-4:], "update"), (TOKEN[-4:], "create")])
        self.assertEqual(recs[1]["root_resource"], {"id": team, "type": "team_reference", "summary": team})
        self.assertEqual(recs[2]["actors"][0]["id"], me)
        # cursor pages: one record a page, the same three, then no cursor
        seen, cursor = [], None
        while True:
            body = self.ok(q + "&limit=1" + ("&cursor=" + cursor if cursor else ""))
            seen += [r["id"] for r in body["records"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
        self.assertEqual(seen, [r["id"] for r in recs])
        self.assertEqual(len(self.ok("/audit/records?method_type=browser", "records")), 1)
        self.assertEqual(self.ok(q + "&actions[]=create", "records")[0]["action"], "create")
        # the window: since defaults to a day ago; at most 31 days
        self.ctl("POST", "/_sim/clock", {"advance": 2 * 86400})
        self.assertEqual(self.ok(q, "records"), [])
        self.assert_error(*self.get(q + "&since=2026-01-01T00:00:00Z&until=2026-03-01T00:00:00Z")[:2], 400)
        self.assert_error(*self.get("/audit/records?actor_id=" + me)[:2], 400)
        self.assert_error(*self.get("/audit/records?cursor=nope")[:2], 400)


if __name__ == "__main__":
    unittest.main()
