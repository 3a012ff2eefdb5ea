"""Self-test of the PagerDuty simulator (unittest, stdlib only).

Makes a test PKI with mkcerts.sh in a temporary directory, starts pdsim.py on
port 0 over HTTPS in a subprocess (clock pinned, fixed seed) and talks to it
with http.client + ssl trusting the test CA, mapping api.pagerduty.com and
api.eu.pagerduty.com to 127.0.0.1 the way a client with a resolver override
would. Covers envelopes and pagination, auth and From errors, writes read
back, on-calls against rendered schedules, every fault kind, keep-alive
connection counting, the EU host name, determinism and clean shutdown.
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


if __name__ == "__main__":
    unittest.main()
