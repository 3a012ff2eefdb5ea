"""The simulator's mutable state and the incident state machine.

`Store` owns every stored object (users, teams, schedules and their overrides,
escalation policies, services, priorities, incidents, alerts, notes, log
entries; business services and service dependencies, shift-based (v3)
schedules, change events, event orchestrations, incident workflows, status
pages, alert grouping settings, webhook subscriptions, extension schemas) as
plain dicts with internal field names, plus the operations that change
incidents: trigger, assign, acknowledge, unacknowledge, resolve, reopen,
escalate, urgency change, note, snooze, merge, responder requests, status
updates, alert updates. Each operation writes the log entries PagerDuty would,
so tests can read effects back; writes PagerDuty offers no GET for (status
updates, responder requests, workflow instances) are also kept in `records`,
which `/_sim/records` lists. The seeded data set (data.py) is built with these
same operations. Growth is bounded: every collection a request can grow has a
cap (`check_cap`), and `records` keeps the newest MAX_RECORDS.
Callers hold `store.lock` around every read and write.
"""

import collections
import copy
import threading

import schedule as sched_mod
from util import ApiError, IdGen, invalid

MAX_INCIDENTS = 20000
MAX_NOTES = 2000
MAX_ALERTS = 1000
MAX_OVERRIDES = 1000
MAX_LOG_ENTRIES = 50000
MAX_OBJECTS = 2000          # objects of one kind a request can create (users, teams, services, ...)
MAX_CHANGE_EVENTS = 5000    # the oldest are dropped
MAX_RECORDS = 2000          # status updates, responder requests, workflow instances (oldest dropped)
MAX_RESPONDERS = 100        # responder requests per incident
MAX_DEPENDENCIES = 2000

API_CHANNEL = {"type": "api"}


def user_agent(uid):
    return ("user", uid)


class Store:
    def __init__(self, seed, epoch):
        self.lock = threading.RLock()
        self.seed = seed
        self.epoch = epoch
        self.ids = IdGen(seed)
        self.users = {}
        self.teams = {}
        self.schedules = {}
        self.overrides = {}
        self.escalation_policies = {}
        self.services = {}
        self.priorities = {}
        self.incidents = {}
        self.by_number = {}
        self.alerts = {}
        self.notes = {}
        self.log_entries = collections.OrderedDict()
        self.snoozed = set()
        self.next_number = 1
        self.override_seq = 0
        self.log_seq = 0
        self.current_user_id = None
        # kinds the official MCP server's tools reach beyond the incident core
        self.business_services = {}
        self.dependencies = collections.OrderedDict()   # id -> {"supporting": (kind, id), "dependent": (kind, id)}
        self.v3_schedules = {}
        self.change_events = collections.OrderedDict()
        self.orchestrations = {}
        self.service_orchestrations = {}                # service id -> orchestration path (made on first use)
        self.workflows = {}
        self.status_pages = {}
        self.alert_grouping = collections.OrderedDict()
        self.webhooks = collections.OrderedDict()
        self.extension_schemas = collections.OrderedDict()
        self.records = collections.deque(maxlen=MAX_RECORDS)
        self.record_seq = 0
        self.audit = collections.deque(maxlen=MAX_RECORDS)   # the audit trail (api_audit.py)
        self.audit_seq = 0

    def check_cap(self, table, cap, what):
        if len(table) >= cap:
            raise ApiError(400, 2019, "Product Limit Reached", ["At most %d %s in the simulator" % (cap, what)])

    def record(self, kind, at, **fields):
        """Keep a write PagerDuty offers no GET for; `/_sim/records` lists them."""
        self.record_seq += 1
        rec = {"seq": self.record_seq, "kind": kind, "at": at}
        rec.update(fields)
        self.records.append(rec)
        return rec

    # ------------------------------------------------------------- lookups

    def user_by_email(self, email):
        email = email.strip().lower()
        for u in self.users.values():
            if u["email"].lower() == email:
                return u
        return None

    def find_incident(self, ident):
        inc = self.incidents.get(ident)
        if inc is None and ident.isdigit():
            inc = self.by_number.get(int(ident))
        return inc

    def services_of_ep(self, ep_id):
        return [s["id"] for s in self.services.values() if s["ep_id"] == ep_id]

    def eps_of_schedule(self, sid, kind="schedule"):
        return [ep["id"] for ep in self.escalation_policies.values()
                if any(t == (kind, sid) for r in ep["rules"] for t in r["targets"])]

    def schedule_user_ids(self, sched):
        out = []
        for layer in sched["layers"]:
            for uid in layer["users"]:
                if uid not in out:
                    out.append(uid)
        return out

    def name(self, kind, ident):
        table = {"user": self.users, "service": self.services}[kind]
        return table[ident]["name"]

    def schedule_user_ids_any(self, kind, sid):
        """Users of a v2 (`schedule`) or v3 (`schedule_v3`) schedule target."""
        if kind == "schedule_v3":
            import schedule_v3
            return schedule_v3.member_user_ids(self.v3_schedules[sid])
        return self.schedule_user_ids(self.schedules[sid])

    # ---------------------------------------------------------- log entries

    def log(self, kind, inc, at, agent, channel, summary, **extra):
        self.log_seq += 1
        le = {"id": self.ids.long(), "seq": self.log_seq, "kind": kind, "created_at": at, "incident_id": inc["id"],
              "service_id": inc["service_id"], "team_ids": list(inc["team_ids"]),
              "agent": agent, "channel": dict(channel), "summary": summary}
        le.update(extra)
        self.log_entries[le["id"]] = le
        inc["log_ids"].append(le["id"])
        while len(self.log_entries) > MAX_LOG_ENTRIES:
            _, old = self.log_entries.popitem(last=False)
            owner = self.incidents.get(old["incident_id"])
            if owner and old["id"] in owner["log_ids"]:
                owner["log_ids"].remove(old["id"])
        return le

    def _agent_name(self, agent):
        return self.name(agent[0], agent[1])

    def _touch(self, inc, at, agent):
        inc["updated_at"] = max(inc["updated_at"], at)
        inc["last_status_change_at"] = at
        inc["last_status_change_by"] = agent

    # ------------------------------------------------------------ incidents

    def create_incident(self, service_id, title, at, agent, channel, urgency="high",
                        priority_id=None, incident_key=None, details=None,
                        assignee_ids=None, ep_id=None, alert=None, long_id=False):
        if len(self.incidents) >= MAX_INCIDENTS:
            raise ApiError(400, 2019, "Product Limit Reached", ["Too many incidents in the simulator"])
        svc = self.services[service_id]
        inc_id = self.ids.long() if long_id else self.ids.new()
        inc = {"id": inc_id, "number": self.next_number, "title": title, "created_at": at,
               "updated_at": at, "status": "triggered",
               "incident_key": incident_key or self.ids.hexkey(),
               "service_id": service_id, "ep_id": ep_id or svc["ep_id"],
               "team_ids": list(svc["team_ids"]), "urgency": urgency,
               "priority_id": priority_id, "assignments": [], "acknowledgements": [],
               "assigned_via": "escalation_policy", "escalation_level": 1,
               "last_status_change_at": at, "last_status_change_by": agent,
               "resolved_at": None, "resolve_reason": None, "first_trigger_log_id": None,
               "body_details": details, "conference_bridge": None, "alert_ids": [],
               "log_ids": [], "pending_actions": [], "template": title,
               "responder_requests": [], "responders": []}
        self.next_number += 1
        self.incidents[inc_id] = inc
        self.by_number[inc["number"]] = inc
        self.notes[inc_id] = []
        via = "the API" if channel.get("type") == "api" else "the website"
        trig = self.log("trigger", inc, at, agent, channel, "Triggered through %s" % via,
                        event_details={"description": title})
        inc["first_trigger_log_id"] = trig["id"]
        if alert is not None:
            self.add_alert(inc, at, **alert)
        if assignee_ids:
            self.assign(inc, at, agent, assignee_ids, via="direct_assignment")
        else:
            ep = self.escalation_policies[inc["ep_id"]]
            level, uids = sched_mod.first_staffed_level(self, ep, at)
            inc["escalation_level"] = level
            inc["assignments"] = [(at, u) for u in uids]
            for u in uids:
                self.notify(inc, at, u)
        return inc

    def notify(self, inc, at, uid):
        user = self.users[uid]
        method = user["contact_methods"][0]
        self.log("notify", inc, at, ("service", inc["service_id"]), {"type": "auto"},
                 "Notified %s by email." % user["name"], user_id=uid,
                 notification={"type": "email_notification", "status": "success",
                               "address": method["address"]})

    def assign(self, inc, at, agent, uids, via="direct_assignment"):
        inc["assignments"] = [(at, u) for u in uids]
        inc["assigned_via"] = via
        inc["updated_at"] = max(inc["updated_at"], at)
        names = ", ".join(self.users[u]["name"] for u in uids)
        self.log("assign", inc, at, agent, API_CHANNEL, "Assigned to %s." % names, assignee_ids=list(uids))
        for u in uids:
            self.notify(inc, at, u)

    def acknowledge(self, inc, at, uid, channel=API_CHANNEL):
        inc["status"] = "acknowledged"
        if uid not in [a for _, a in inc["acknowledgements"]]:
            inc["acknowledgements"].append((at, uid))
        self._touch(inc, at, user_agent(uid))
        self.log("acknowledge", inc, at, user_agent(uid), channel,
                 "Acknowledged by %s." % self.users[uid]["name"], acknowledgement_timeout=None)

    def unacknowledge(self, inc, at, agent, channel, summary):
        inc["status"] = "triggered"
        inc["acknowledgements"] = []
        inc["pending_actions"] = []
        self.snoozed.discard(inc["id"])
        self._touch(inc, at, agent)
        self.log("unacknowledge", inc, at, agent, channel, summary)

    def resolve(self, inc, at, agent, channel=API_CHANNEL, resolution=None, merged_into=None):
        inc["status"] = "resolved"
        inc["resolved_at"] = at
        inc["assignments"] = []
        inc["acknowledgements"] = []
        inc["pending_actions"] = []
        self.snoozed.discard(inc["id"])
        self._touch(inc, at, agent)
        for aid in inc["alert_ids"]:
            alert = self.alerts[aid]
            if alert["status"] != "resolved":
                alert["status"] = "resolved"
                alert["resolved_at"] = at
        if merged_into is not None:
            inc["resolve_reason"] = {"type": "merge_resolve_reason", "incident_id": merged_into["id"]}
            summary = "Resolved by merging into incident #%d." % merged_into["number"]
        elif agent[0] == "user":
            summary = "Resolved by %s." % self.users[agent[1]]["name"]
        else:
            summary = "Resolved through %s." % ("the API" if channel.get("type") == "api" else "a timeout")
        self.log("resolve", inc, at, agent, channel, summary)
        if resolution:
            self.add_note(inc, at, agent[1] if agent[0] == "user" else self.current_user_id, resolution)

    def reopen(self, inc, status, at, uid, assignee_ids=None):
        inc["resolved_at"] = None
        inc["resolve_reason"] = None
        inc["status"] = "triggered"
        for aid in inc["alert_ids"]:
            self.alerts[aid]["status"] = "triggered"
            self.alerts[aid]["resolved_at"] = None
        if status == "acknowledged":
            self.assign(inc, at, user_agent(uid), [uid])
            self.acknowledge(inc, at, uid)
        elif assignee_ids:
            self._touch(inc, at, user_agent(uid))
            self.assign(inc, at, user_agent(uid), assignee_ids)
        else:
            self._touch(inc, at, user_agent(uid))
            self.escalate(inc, 1, at, user_agent(uid), kind="assign")

    def escalate(self, inc, level, at, agent, kind="escalate"):
        ep = self.escalation_policies[inc["ep_id"]]
        if not 1 <= level <= len(ep["rules"]):
            raise ApiError(400, 1006, "Cannot Escalate", ["escalation_level must be between 1 and %d" % len(ep["rules"])])
        uids = sched_mod.level_user_ids(self, ep, level, at)
        if not uids:
            raise ApiError(400, 1015, "Escalation Policy Has No User On Call")
        inc["escalation_level"] = level
        inc["assignments"] = [(at, u) for u in uids]
        inc["assigned_via"] = "escalation_policy"
        inc["updated_at"] = max(inc["updated_at"], at)
        names = ", ".join(self.users[u]["name"] for u in uids)
        summary = ("Escalated to level %d: %s." % (level, names)) if kind == "escalate" else ("Assigned to %s." % names)
        self.log(kind, inc, at, agent, API_CHANNEL, summary, assignee_ids=list(uids))
        for u in uids:
            self.notify(inc, at, u)

    def change_urgency(self, inc, urgency, at, agent):
        if inc["urgency"] == urgency:
            return
        inc["urgency"] = urgency
        inc["updated_at"] = max(inc["updated_at"], at)
        self.log("urgency_change", inc, at, agent, API_CHANNEL, "Urgency changed to %s." % urgency)

    def add_note(self, inc, at, uid, content):
        notes = self.notes[inc["id"]]
        if len(notes) >= MAX_NOTES:
            raise invalid("An incident can have at most %d notes" % MAX_NOTES)
        note = {"id": self.ids.new(), "incident_id": inc["id"], "user_id": uid,
                "content": content, "created_at": at, "updated_at": at}
        notes.append(note)
        inc["updated_at"] = max(inc["updated_at"], at)
        self.log("annotate", inc, at, user_agent(uid), {"type": "note", "summary": content}, "Note added")
        return note

    def snooze(self, inc, at, uid, duration):
        until = at + duration
        inc["pending_actions"] = [{"type": "unacknowledge", "at": until}]
        inc["updated_at"] = max(inc["updated_at"], at)
        self.snoozed.add(inc["id"])
        hours = duration / 3600.0
        self.log("snooze", inc, at, user_agent(uid), API_CHANNEL,
                 "Snoozed for %g hours by %s." % (hours, self.users[uid]["name"]),
                 changed_actions=[{"type": "unacknowledge", "at": until}])

    def merge(self, target, sources, at, uid):
        for src in sources:
            if not src["alert_ids"]:
                self.add_alert(src, src["created_at"], summary=src["title"], severity="error",
                               alert_key=src["incident_key"], details={})
            for aid in list(src["alert_ids"]):
                if len(target["alert_ids"]) >= MAX_ALERTS:
                    raise invalid("An incident can hold at most %d alerts" % MAX_ALERTS)
                self.alerts[aid]["incident_id"] = target["id"]
                target["alert_ids"].append(aid)
            src["alert_ids"] = []
            self.resolve(src, at, user_agent(uid), merged_into=target)
        target["updated_at"] = max(target["updated_at"], at)

    def add_alert(self, inc, at, summary, severity="critical", alert_key=None, details=None,
                  status=None):
        if len(inc["alert_ids"]) >= MAX_ALERTS:
            raise invalid("An incident can hold at most %d alerts" % MAX_ALERTS)
        svc = self.services[inc["service_id"]]
        resolved = (status or ("resolved" if inc["status"] == "resolved" else "triggered")) == "resolved"
        alert = {"id": self.ids.long(), "incident_id": inc["id"], "created_at": at,
                 "status": "resolved" if resolved else "triggered",
                 "resolved_at": inc["resolved_at"] if resolved else None,
                 "alert_key": alert_key or self.ids.hexkey(), "service_id": svc["id"],
                 "summary": summary, "severity": severity, "details": details or {},
                 "first_trigger_log_id": inc["first_trigger_log_id"], "suppressed": False}
        self.alerts[alert["id"]] = alert
        inc["alert_ids"].append(alert["id"])
        return alert

    def tick(self, now):
        """Apply time-based transitions that are due (snooze expiry)."""
        for iid in sorted(self.snoozed):
            inc = self.incidents.get(iid)
            if inc is None or inc["status"] != "acknowledged":
                self.snoozed.discard(iid)
                continue
            due = [p for p in inc["pending_actions"] if p["type"] == "unacknowledge" and p["at"] <= now]
            if due:
                self.unacknowledge(inc, due[0]["at"], ("service", inc["service_id"]),
                                   {"type": "timeout"}, "Unacknowledged due to snooze timeout.")

    # --------------------------------------------------------- transactions

    def snapshot(self, incident_ids):
        """Enough state to undo a failed multi-incident write (see restore)."""
        incs = {i: copy.deepcopy(self.incidents[i]) for i in incident_ids}
        alerts = {a: dict(self.alerts[a]) for i in incident_ids for a in self.incidents[i]["alert_ids"]}
        notes = {i: list(self.notes[i]) for i in incident_ids}
        return (incs, alerts, notes, collections.OrderedDict(self.log_entries), set(self.snoozed),
                self.ids.state(), set(self.alerts), self.log_seq)

    def restore(self, snap):
        incs, alerts, notes, logs, snoozed, ids_state, alert_ids, self.log_seq = snap
        for iid, saved in incs.items():
            self.incidents[iid].clear()
            self.incidents[iid].update(saved)
        for aid in set(self.alerts) - alert_ids:
            del self.alerts[aid]
        for aid, saved in alerts.items():
            self.alerts[aid].clear()
            self.alerts[aid].update(saved)
        self.notes.update(notes)
        self.log_entries = logs
        self.snoozed = snoozed
        self.ids.restore(ids_state)

    # ------------------------------------------------------------ overrides

    def add_override(self, sid, start, end, uid):
        lst = self.overrides.setdefault(sid, [])
        if len(lst) >= MAX_OVERRIDES:
            return None
        self.override_seq += 1
        ov = {"id": self.ids.long(), "start": start, "end": end, "user_id": uid, "seq": self.override_seq}
        lst.append(ov)
        return ov


    # ------------------------------------------------- incident extras (MCP)

    def add_responder_request(self, inc, at, requester_id, message, targets):
        """A responder request: each target user (or the users on call at level 1 of a
        target escalation policy) becomes a pending responder on the incident."""
        if len(inc["responder_requests"]) >= MAX_RESPONDERS:
            raise invalid("An incident can have at most %d responder requests" % MAX_RESPONDERS)
        rr = {"id": self.ids.new(), "requester_id": requester_id, "at": at, "message": message, "targets": []}
        for kind, tid in targets:
            if kind == "user":
                uids = [tid]
            else:
                uids = sched_mod.level_user_ids(self, self.escalation_policies[tid], 1, at)
            entries = []
            for uid in uids:
                resp = {"user_id": uid, "state": "pending", "at": at, "message": message,
                        "requester_id": requester_id, "ep_id": tid if kind == "escalation_policy" else None}
                inc["responders"] = [r for r in inc["responders"] if r["user_id"] != uid] + [resp]
                entries.append(resp)
            rr["targets"].append((kind, tid, entries))
        inc["responder_requests"].append(rr)
        inc["updated_at"] = max(inc["updated_at"], at)
        self.record("responder_request", at, id=rr["id"], incident_id=inc["id"], requester_id=requester_id,
                    message=message, targets=[{"type": k, "id": t} for k, t, _ in rr["targets"]])
        return rr

    def add_status_update(self, inc, at, uid, message, subject=None, html_message=None):
        su = {"id": self.ids.new(), "incident_id": inc["id"], "user_id": uid, "at": at, "message": message,
              "subject": subject, "html_message": html_message}
        inc["updated_at"] = max(inc["updated_at"], at)
        self.record("status_update", at, id=su["id"], incident_id=inc["id"], sender_id=uid, message=message,
                    subject=subject, html_message=html_message)
        return su

    def update_note(self, inc, note, at, content):
        note["content"] = content
        note["updated_at"] = at
        inc["updated_at"] = max(inc["updated_at"], at)

    def delete_note(self, inc, note):
        self.notes[inc["id"]].remove(note)

    def set_alert_status(self, alert, status, at, uid):
        """Resolve or re-trigger one alert. Resolving the last open alert resolves its incident."""
        inc = self.incidents[alert["incident_id"]]
        if status == alert["status"]:
            return
        if status == "resolved":
            alert["status"], alert["resolved_at"] = "resolved", at
            inc["updated_at"] = max(inc["updated_at"], at)
            if inc["status"] != "resolved" and all(self.alerts[a]["status"] == "resolved" for a in inc["alert_ids"]):
                self.resolve(inc, at, user_agent(uid))
        else:
            if inc["status"] == "resolved":
                raise ApiError(400, 1001, "Incident Already Resolved",
                               ["An alert of a resolved incident cannot be re-triggered"])
            alert["status"], alert["resolved_at"] = "triggered", None
            inc["updated_at"] = max(inc["updated_at"], at)

    def move_alert(self, alert, target, at):
        src = self.incidents[alert["incident_id"]]
        if target is src:
            return
        if target["status"] == "resolved":
            raise ApiError(400, 1001, "Incident Already Resolved", ["Alerts cannot be moved to a resolved incident"])
        if len(target["alert_ids"]) >= MAX_ALERTS:
            raise invalid("An incident can hold at most %d alerts" % MAX_ALERTS)
        src["alert_ids"].remove(alert["id"])
        target["alert_ids"].append(alert["id"])
        alert["incident_id"] = target["id"]
        src["updated_at"] = max(src["updated_at"], at)
        target["updated_at"] = max(target["updated_at"], at)

    # ------------------------------------------------------ directory writes

    def add_team_member(self, tid, uid, role):
        team = self.teams[tid]
        team["members"] = [(u, r) for u, r in team["members"] if u != uid] + [(uid, role)]
        if tid not in self.users[uid]["team_ids"]:
            self.users[uid]["team_ids"].append(tid)

    def remove_team_member(self, tid, uid):
        team = self.teams[tid]
        team["members"] = [(u, r) for u, r in team["members"] if u != uid]
        if tid in self.users[uid]["team_ids"]:
            self.users[uid]["team_ids"].remove(tid)

    def delete_team(self, tid, reassign_to=None):
        """Drop a team everywhere it is referenced (or hand its objects to `reassign_to`)."""
        def swap(ids):
            out = [reassign_to if (x == tid and reassign_to) else x for x in ids if x != tid or reassign_to]
            return list(dict.fromkeys(out))
        for uid, _ in self.teams[tid]["members"]:
            self.users[uid]["team_ids"] = [t for t in self.users[uid]["team_ids"] if t != tid]
        for table in (self.services, self.schedules, self.escalation_policies, self.v3_schedules):
            for obj in table.values():
                obj["team_ids"] = swap(obj["team_ids"])
        for inc in self.incidents.values():
            inc["team_ids"] = swap(inc["team_ids"])
        for le in self.log_entries.values():
            if tid in le["team_ids"]:
                le["team_ids"] = swap(le["team_ids"])
        for table in (self.business_services, self.orchestrations, self.workflows):
            for obj in table.values():
                if obj.get("team_id") == tid:
                    obj["team_id"] = reassign_to
        for wh in self.webhooks.values():
            if wh["filter"] == ("team_reference", tid):
                wh["filter"] = ("account_reference", None)
        del self.teams[tid]
