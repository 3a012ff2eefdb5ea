"""JSON shapes: turns stored objects into PagerDuty's response objects.

This module owns the wire format of every object: references
(`{id, type:"<kind>_reference", summary, self, html_url}`), full objects
(`type:"<kind>"`), `include[]` expansion of references into full objects, and
the URLs in `self`/`html_url`. `self` uses the scheme and Host header of the
request (so a client talking to api.eu.pagerduty.com sees EU URLs); `html_url`
points at a web subdomain of the matching region. Times are rendered in the
request's `time_zone` (Ctx.tz). Nothing here changes state.
"""

import schedule as sched_mod
import schedule_v3 as shifts
from util import UTC, fmt_naive, fmt_time, fmt_time_ms

CHANNEL_NOTE = {"summary": "The PagerDuty website or APIs"}


class Ctx:
    """Per-request rendering context."""

    def __init__(self, store, host, scheme, tz=UTC, includes=()):
        self.store = store
        self.host = host or "api.pagerduty.com"
        self.base = "%s://%s" % (scheme, self.host)
        eu = ".eu." in self.host or self.host.startswith("eu.")
        self.web = "https://pdsim.eu.pagerduty.com" if eu else "https://pdsim.pagerduty.com"
        self.tz = tz
        self.includes = set(includes)

    def plain(self):
        """The context for objects nested inside an expanded one: no includes."""
        if not self.includes:
            return self
        c = Ctx.__new__(Ctx)
        c.__dict__.update(self.__dict__)
        c.includes = set()
        return c

    def t(self, secs):
        return fmt_time(secs, self.tz)

    def inc_(self, *names):
        return any(n in self.includes for n in names)


# ------------------------------------------------------------------ references

_PATHS = {"user": ("users", "users"), "team": ("teams", "teams"), "schedule": ("schedules", "schedules"),
          "schedule_v3": ("v3/schedules", "schedules"),
          "escalation_policy": ("escalation_policies", "escalation_policies"),
          "service": ("services", "service-directory"), "incident": ("incidents", "incidents"),
          "priority": ("priorities", None), "business_service": ("business_services", "service-directory"),
          "incident_workflow": ("incident_workflows", "flex-workflows/workflows"),
          "status_page": ("status_pages", None)}


def ref(ctx, kind, ident):
    s = ctx.store
    if kind == "priority":
        p = s.priorities[ident]
        return {"id": ident, "type": "priority_reference", "summary": p["name"],
                "self": "%s/priorities/%s" % (ctx.base, ident)}
    if kind == "incident":
        inc = s.incidents[ident]
        summary = "[#%d] %s" % (inc["number"], inc["title"])
    else:
        table = {"user": s.users, "team": s.teams, "schedule": s.schedules, "schedule_v3": s.v3_schedules,
                 "escalation_policy": s.escalation_policies, "service": s.services,
                 "business_service": s.business_services, "incident_workflow": s.workflows,
                 "status_page": s.status_pages}[kind]
        summary = table[ident]["name"]
    api, web = _PATHS[kind]
    return {"id": ident, "type": kind + "_reference", "summary": summary,
            "self": "%s/%s/%s" % (ctx.base, api, ident),
            "html_url": "%s/%s/%s" % (ctx.web, web, ident) if web else None}


def agent_ref(ctx, agent):
    return ref(ctx, agent[0], agent[1]) if agent else None


def _obj(ctx, kind, ident, *include_names):
    """Reference, or the full object when include[] names one of `include_names`.

    Objects nested inside an expanded object stay references (ctx.plain()).
    """
    if ident is None:
        return None
    if ctx.inc_(*include_names):
        return FULL[kind](ctx.plain(), ident)
    return ref(ctx, kind, ident)


def _ftl(ctx, le):
    """first_trigger_log_entry: reference, or full with include[]=first_trigger_log_entries."""
    if le is None:
        return None
    if ctx.inc_("first_trigger_log_entries"):
        return log_entry(ctx.plain(), le["id"])
    return log_ref(ctx, le)


def _base(ctx, kind, ident, name, api, web):
    out = {"id": ident, "type": kind, "summary": name, "self": "%s/%s/%s" % (ctx.base, api, ident)}
    if web:
        out["html_url"] = "%s/%s/%s" % (ctx.web, web, ident)
    return out


# ----------------------------------------------------------------------- users

def contact_method(ctx, user, m, full):
    out = {"id": m["id"], "type": m["type"] + ("" if full else "_reference"), "summary": m["label"],
           "self": "%s/users/%s/contact_methods/%s" % (ctx.base, user["id"], m["id"]), "html_url": None}
    if full:
        out.update({k: v for k, v in m.items() if k not in ("id", "type")})
    return out


def notification_rule(ctx, user, r, full):
    out = {"id": r["id"], "type": "assignment_notification_rule" + ("" if full else "_reference"),
           "summary": "%s urgency rule" % r["urgency"].capitalize(),
           "self": "%s/users/%s/notification_rules/%s" % (ctx.base, user["id"], r["id"]), "html_url": None}
    if full:
        method = next(m for m in user["contact_methods"] if m["id"] == r["contact_method_id"])
        out.update({"start_delay_in_minutes": r["start_delay_in_minutes"], "urgency": r["urgency"],
                    "created_at": ctx.t(r["created_at"]),
                    "contact_method": contact_method(ctx, user, method, False)})
    return out


def user(ctx, uid):
    u = ctx.store.users[uid]
    out = _base(ctx, "user", uid, u["name"], "users", "users")
    out.update({"name": u["name"], "email": u["email"], "time_zone": u["time_zone"], "color": u["color"],
                "role": u["role"], "avatar_url": "https://secure.gravatar.com/avatar/%s.png?d=mm&r=PG" % uid.lower(),
                "description": u["description"], "job_title": u["job_title"],
                "invitation_sent": u["invitation_sent"],
                "contact_methods": [contact_method(ctx, u, m, ctx.inc_("contact_methods")) for m in u["contact_methods"]],
                "notification_rules": [notification_rule(ctx, u, r, ctx.inc_("notification_rules"))
                                       for r in u["notification_rules"]],
                "teams": [team(ctx.plain(), t) if ctx.inc_("teams") else ref(ctx, "team", t) for t in u["team_ids"]],
                "coordinated_incidents": []})
    return out


# ------------------------------------------------------------- teams, services

def team(ctx, tid):
    t = ctx.store.teams[tid]
    out = _base(ctx, "team", tid, t["name"], "teams", "teams")
    out.update({"name": t["name"], "description": t["description"], "default_role": t["default_role"],
                "parent": None})
    return out


def service_status(store, svc):
    if svc["fixed_status"]:
        return svc["fixed_status"]
    open_ = [i for i in store.incidents.values() if i["service_id"] == svc["id"] and i["status"] != "resolved"]
    if any(i["status"] == "triggered" and i["urgency"] == "high" for i in open_):
        return "critical"
    if open_:
        return "warning"
    return "active"


def service(ctx, sid):
    s = ctx.store
    svc = s.services[sid]
    out = _base(ctx, "service", sid, svc["name"], "services", "service-directory")
    last = max((i["created_at"] for i in s.incidents.values() if i["service_id"] == sid), default=None)
    integrations = []
    integ = svc["integration"]
    if integ is not None:
        kind = "events_api_v2_inbound_integration" + ("" if ctx.inc_("integrations") else "_reference")
        iref = {"id": integ["id"], "type": kind,
                "summary": "Events API V2", "self": "%s/services/%s/integrations/%s" % (ctx.base, sid, integ["id"]),
                "html_url": "%s/services/%s/integrations/%s" % (ctx.web, sid, integ["id"])}
        if ctx.inc_("integrations"):
            iref.update({"name": "Events API V2", "integration_key": integ["key"],
                         "service": ref(ctx, "service", sid), "created_at": ctx.t(svc["created_at"])})
        integrations.append(iref)
    out.update({"name": svc["name"], "description": svc["description"],
                "auto_resolve_timeout": svc.get("auto_resolve_timeout"),
                "acknowledgement_timeout": svc.get("acknowledgement_timeout"),
                "created_at": ctx.t(svc["created_at"]), "updated_at": ctx.t(svc.get("updated_at", svc["created_at"])),
                "status": service_status(s, svc), "last_incident_timestamp": ctx.t(last),
                "escalation_policy": _obj(ctx, "escalation_policy", svc["ep_id"], "escalation_policies"),
                "teams": [_obj(ctx, "team", t, "teams") for t in svc["team_ids"]],
                "integrations": integrations,
                "incident_urgency_rule": svc.get("urgency_rule") or {"type": "constant", "urgency": "high"},
                "support_hours": None, "scheduled_actions": [],
                "alert_creation": svc.get("alert_creation", "create_alerts_and_incidents"),
                "alert_grouping_parameters": {"type": None, "config": None},
                "auto_pause_notifications_parameters": {"enabled": False, "timeout": None},
                "addons": [], "response_play": None})
    return out


def priority(ctx, pid):
    p = ctx.store.priorities[pid]
    return {"id": pid, "type": "priority", "summary": p["name"], "self": "%s/priorities/%s" % (ctx.base, pid),
            "name": p["name"], "description": p["description"]}


# ------------------------------------------------------- escalation policies

def escalation_policy(ctx, eid):
    s = ctx.store
    ep = s.escalation_policies[eid]
    out = _base(ctx, "escalation_policy", eid, ep["name"], "escalation_policies", "escalation_policies")
    rules = []
    for r in ep["rules"]:
        targets = []
        for kind, tid in r["targets"]:
            if ctx.inc_("targets") and kind != "schedule_v3":
                targets.append(user(ctx.plain(), tid) if kind == "user" else schedule_summary(ctx.plain(), tid))
            else:
                targets.append(ref(ctx, kind, tid))
        rules.append({"id": r["id"], "escalation_delay_in_minutes": r["delay"], "targets": targets,
                      "escalation_rule_assignment_strategy": {"type": r.get("strategy", "assign_to_everyone")}})
    out.update({"name": ep["name"], "description": ep["description"], "num_loops": ep["num_loops"],
                "on_call_handoff_notifications": ep["on_call_handoff_notifications"],
                "escalation_rules": rules,
                "services": [_obj(ctx, "service", x, "services") for x in s.services_of_ep(eid)],
                "teams": [_obj(ctx, "team", t, "teams") for t in ep["team_ids"]]})
    return out


# ------------------------------------------------------------------- schedules

def schedule_summary(ctx, sid):
    s = ctx.store
    sc = s.schedules[sid]
    out = _base(ctx, "schedule", sid, sc["name"], "schedules", "schedules")
    out.update({"name": sc["name"], "description": sc["description"], "time_zone": sc["time_zone"],
                "escalation_policies": [ref(ctx, "escalation_policy", e) for e in s.eps_of_schedule(sid)],
                "users": [ref(ctx, "user", u) for u in s.schedule_user_ids(sc)],
                "teams": [ref(ctx, "team", t) for t in sc["team_ids"]]})
    return out


def _entries(ctx, segs):
    return [{"start": ctx.t(a), "end": ctx.t(b), "user": ref(ctx, "user", u)} for a, b, u in segs]


def _restrictions(r):
    out = {"type": r["type"], "start_time_of_day": r["start_time_of_day"], "duration_seconds": r["duration_seconds"]}
    if r["type"] == "weekly_restriction":
        out["start_day_of_week"] = r["start_day_of_week"]
    return out


SCHEDULE_PARTS = ("schedule_layers", "overrides_subschedule", "final_schedule")


def schedule_full(ctx, sid, since, until, overflow, parts=SCHEDULE_PARTS, next_for_user=None, now=None):
    """A schedule with layers / overrides / final schedule rendered over [since, until]."""
    s = ctx.store
    sc = s.schedules[sid]
    out = schedule_summary(ctx, sid)
    if until > since:
        rendered = sched_mod.render(s, sc, since, until)
    else:
        rendered = {"layers": [[]] * len(sc["layers"]), "overrides": [], "final": []}
    if overflow and until > since:
        wide = sched_mod.render(s, sc, since - sched_mod.PAD, until + sched_mod.PAD)
        pick = lambda segs: [x for x in segs if x[1] > since and x[0] < until]  # noqa: E731
        shown = {"layers": [pick(l) for l in wide["layers"]], "overrides": pick(wide["overrides"]),
                 "final": pick(wide["final"])}
    else:
        shown = rendered
    if "schedule_layers" in parts:
        layers = []
        for layer, segs, csegs in zip(sc["layers"], shown["layers"], rendered["layers"]):
            layers.append({"id": layer["id"], "name": layer["name"], "start": ctx.t(layer["start"]),
                           "end": ctx.t(layer["end"]), "rotation_virtual_start": ctx.t(layer["rvs"]),
                           "rotation_turn_length_seconds": layer["turn"],
                           "users": [{"user": ref(ctx, "user", u)} for u in layer["users"]],
                           "restrictions": [_restrictions(r) for r in layer["restrictions"]],
                           "rendered_schedule_entries": _entries(ctx, segs),
                           "rendered_coverage_percentage": sched_mod.coverage(csegs, since, until)})
        out["schedule_layers"] = layers
    if "overrides_subschedule" in parts:
        out["overrides_subschedule"] = {
            "name": "Overrides", "rendered_schedule_entries": _entries(ctx, shown["overrides"]),
            "rendered_coverage_percentage": sched_mod.coverage(rendered["overrides"], since, until)}
    if "final_schedule" in parts:
        out["final_schedule"] = {
            "name": "Final Schedule", "rendered_schedule_entries": _entries(ctx, shown["final"]),
            "rendered_coverage_percentage": sched_mod.coverage(rendered["final"], since, until)}
    if next_for_user:
        nxt = sched_mod.next_oncall_for_user(s, sc, next_for_user, now) if next_for_user in s.users else None
        out["next_oncall_for_user"] = None if nxt is None else {
            "start": ctx.t(nxt[0]), "end": ctx.t(nxt[1]), "user": [ref(ctx, "user", next_for_user)]}
    return out


def override(ctx, ov):
    return {"id": ov["id"], "start": ctx.t(ov["start"]), "end": ctx.t(ov["end"]),
            "user": ref(ctx, "user", ov["user_id"])}


# ------------------------------------------------------------------- incidents

def incident(ctx, iid):
    s = ctx.store
    inc = s.incidents[iid]
    out = _base(ctx, "incident", iid, "[#%d] %s" % (inc["number"], inc["title"]), "incidents", "incidents")
    ftl = s.log_entries.get(inc["first_trigger_log_id"])
    alerts = [s.alerts[a] for a in inc["alert_ids"]]
    trig = sum(1 for a in alerts if a["status"] == "triggered")
    agent = inc["last_status_change_by"]
    change_by = _obj(ctx, agent[0], agent[1], "agents", agent[0] + "s") if agent else None
    out.update({
        "incident_number": inc["number"], "title": inc["title"], "description": inc["title"],
        "created_at": ctx.t(inc["created_at"]), "updated_at": ctx.t(inc["updated_at"]),
        "status": inc["status"], "incident_key": inc["incident_key"],
        "service": _obj(ctx, "service", inc["service_id"], "services"),
        "assignments": [{"at": ctx.t(at), "assignee": _obj(ctx, "user", u, "assignees", "users")}
                        for at, u in inc["assignments"]],
        "assigned_via": inc["assigned_via"],
        "last_status_change_at": ctx.t(inc["last_status_change_at"]),
        "last_status_change_by": change_by,
        "resolved_at": ctx.t(inc["resolved_at"]),
        "first_trigger_log_entry": _ftl(ctx, ftl),
        "alert_counts": {"all": len(alerts), "triggered": trig, "resolved": len(alerts) - trig},
        "is_mergeable": inc["status"] != "resolved",
        "incident_type": {"name": "incident_default"},
        "escalation_policy": _obj(ctx, "escalation_policy", inc["ep_id"], "escalation_policies"),
        "teams": [_obj(ctx, "team", t, "teams") for t in inc["team_ids"]],
        "pending_actions": [{"type": p["type"], "at": ctx.t(p["at"])} for p in inc["pending_actions"]],
        "acknowledgements": [{"at": ctx.t(at), "acknowledger": _obj(ctx, "user", u, "acknowledgers", "users")}
                             for at, u in inc["acknowledgements"]],
        "alert_grouping": None if not alerts else {
            "grouping_type": "intelligent", "started_at": ctx.t(alerts[0]["created_at"]),
            "ended_at": None, "alert_grouping_active": inc["status"] != "resolved"},
        "priority": _obj(ctx, "priority", inc["priority_id"], "priorities"),
        "resolve_reason": None if not inc["resolve_reason"] else {
            "type": inc["resolve_reason"]["type"],
            "incident": ref(ctx, "incident", inc["resolve_reason"]["incident_id"])},
        "incidents_responders": [incidents_responder(ctx, iid, r) for r in inc["responders"]],
        "responder_requests": [responder_request(ctx, iid, rr) for rr in inc["responder_requests"]],
        "subscriber_requests": [],
        "urgency": inc["urgency"],
    })
    if ctx.inc_("conference_bridge"):
        out["conference_bridge"] = inc["conference_bridge"] or {"conference_number": None, "conference_url": None}
    if inc["body_details"] is not None:
        out["body"] = {"type": "incident_body", "details": inc["body_details"]}
    return out


def incident_ref(ctx, iid):
    return ref(ctx, "incident", iid)


def note(ctx, n):
    return {"id": n["id"], "user": ref(ctx, "user", n["user_id"]), "channel": dict(CHANNEL_NOTE),
            "content": n["content"], "created_at": ctx.t(n["created_at"]), "updated_at": ctx.t(n["updated_at"])}


def alert(ctx, aid):
    s = ctx.store
    a = s.alerts[aid]
    integ = s.services[a["service_id"]]["integration"]
    ftl = s.log_entries.get(a["first_trigger_log_id"])
    return {"id": aid, "type": "alert", "summary": a["summary"],
            "self": "%s/incidents/%s/alerts/%s" % (ctx.base, a["incident_id"], aid),
            "html_url": "%s/alerts/%s" % (ctx.web, aid),
            "created_at": ctx.t(a["created_at"]), "status": a["status"], "resolved_at": ctx.t(a["resolved_at"]),
            "alert_key": a["alert_key"],
            "service": _obj(ctx, "service", a["service_id"], "services"),
            "incident": _obj(ctx, "incident", a["incident_id"], "incidents"),
            "first_trigger_log_entry": _ftl(ctx, ftl),
            "suppressed": a["suppressed"], "severity": a["severity"],
            "integration": None if integ is None else {
                "id": integ["id"], "type": "events_api_v2_inbound_integration_reference", "summary": "Events API V2",
                "self": "%s/services/%s/integrations/%s" % (ctx.base, a["service_id"], integ["id"]),
                "html_url": "%s/services/%s/integrations/%s" % (ctx.web, a["service_id"], integ["id"])},
            "body": {"type": "alert_body", "contexts": [], "details": a["details"]}}


# ----------------------------------------------------------------- log entries

def log_ref(ctx, le):
    return {"id": le["id"], "type": le["kind"] + "_log_entry_reference", "summary": le["summary"],
            "self": "%s/log_entries/%s?incident_id=%s" % (ctx.base, le["id"], le["incident_id"]),
            "html_url": "%s/incidents/%s/log_entries/%s" % (ctx.web, le["incident_id"], le["id"])}


def log_entry(ctx, lid):
    s = ctx.store
    le = s.log_entries[lid]
    out = log_ref(ctx, le)
    out["type"] = le["kind"] + "_log_entry"
    agent = le["agent"]
    out.update({"created_at": ctx.t(le["created_at"]), "agent": agent_ref(ctx, agent),
                "channel": dict(le["channel"]),
                "service": _obj(ctx, "service", le["service_id"], "services"),
                "incident": _obj(ctx, "incident", le["incident_id"], "incidents"),
                "teams": [_obj(ctx, "team", t, "teams") for t in le["team_ids"]],
                "contexts": []})
    if "event_details" in le:
        out["event_details"] = le["event_details"]
    if "assignee_ids" in le:
        out["assignees"] = [ref(ctx, "user", u) for u in le["assignee_ids"]]
    if "user_id" in le:
        out["user"] = ref(ctx, "user", le["user_id"])
        if "notification" in le:
            out["channel"]["notification"] = dict(le["notification"])
    if "acknowledgement_timeout" in le:
        out["acknowledgement_timeout"] = le["acknowledgement_timeout"]
    if "changed_actions" in le:
        out["changed_actions"] = [{"type": c["type"], "at": ctx.t(c["at"])} for c in le["changed_actions"]]
    if le["kind"] == "resolve" and le["agent"][0] == "service":
        out["channel"].setdefault("summary", le["summary"])
    return out


# --------------------------------------------------------------------- oncalls

def oncall(ctx, rec):
    ep_id, level, sid, uid, start, end, kind = rec
    return {"escalation_policy": _obj(ctx, "escalation_policy", ep_id, "escalation_policies"),
            "escalation_level": level,
            "schedule": (ref(ctx, kind, sid) if kind == "schedule_v3" else _obj(ctx, "schedule", sid, "schedules")),
            "user": _obj(ctx, "user", uid, "users"),
            "start": ctx.t(start), "end": ctx.t(end)}


# ------------------------------------------------------ responders, status updates

def _user_ref_avatar(ctx, uid):
    out = ref(ctx, "user", uid)
    out["avatar_url"] = "https://secure.gravatar.com/avatar/%s.png?d=mm&r=PG" % uid.lower()
    return out


def incidents_responder(ctx, iid, r):
    return {"state": r["state"], "user": _user_ref_avatar(ctx, r["user_id"]), "incident": ref(ctx, "incident", iid),
            "updated_at": ctx.t(r["at"]), "message": r["message"],
            "requester": _user_ref_avatar(ctx, r["requester_id"]), "requested_at": ctx.t(r["at"]),
            "escalation_policy_requests": [] if r["ep_id"] is None else [ref(ctx, "escalation_policy", r["ep_id"])]}


def responder_request(ctx, iid, rr):
    targets = []
    for kind, tid, entries in rr["targets"]:
        targets.append({"responder_request_target": {
            "type": kind, "id": tid, "summary": ref(ctx, kind, tid)["summary"],
            "incidents_responders": [incidents_responder(ctx, iid, r) for r in entries]}})
    return {"id": rr["id"], "incident": ref(ctx, "incident", iid), "requester": ref(ctx, "user", rr["requester_id"]),
            "requested_at": ctx.t(rr["at"]), "message": rr["message"], "responder_request_targets": targets}


def status_update(ctx, su):
    return {"id": su["id"], "message": su["message"], "sender": ref(ctx, "user", su["user_id"]),
            "created_at": ctx.t(su["at"]), "subject": su["subject"], "html_message": su["html_message"]}


# ------------------------------------------- business services, dependencies

def business_service(ctx, bid):
    b = ctx.store.business_services[bid]
    team = None
    if b["team_id"]:
        team = {"id": b["team_id"], "type": "team_reference", "self": "%s/teams/%s" % (ctx.base, b["team_id"])}
    return {"id": bid, "type": "business_service", "summary": b["name"],
            "self": "%s/business_services/%s" % (ctx.base, bid), "html_url": None,
            "name": b["name"], "description": b["description"], "point_of_contact": b["point_of_contact"],
            "team": team}


DEP_KINDS = {"service": "technical_service_reference", "business_service": "business_service_reference"}


def dependency(ctx, dep_id, dep):
    return {"id": dep_id, "type": "service_dependency",
            "supporting_service": {"id": dep["supporting"][1], "type": DEP_KINDS[dep["supporting"][0]]},
            "dependent_service": {"id": dep["dependent"][1], "type": DEP_KINDS[dep["dependent"][0]]}}


# --------------------------------------------------- shift-based (v3) schedules

def _v3_self(ctx, sid, *rest):
    return "/".join(["%s/v3/schedules/%s" % (ctx.base, sid)] + list(rest))


def schedule_v3_ref(ctx, sid):
    sc = ctx.store.v3_schedules[sid]
    return {"id": sid, "type": "schedule_v3_reference", "summary": sc["name"], "self": _v3_self(ctx, sid),
            "html_url": "%s/schedules/%s" % (ctx.web, sid)}


def member(m):
    out = {"type": m["type"]}
    if m.get("user_id"):
        out["user_id"] = m["user_id"]
    return out


def v3_event(ctx, sid, rid, ev):
    strat = {"type": ev["strategy"]["type"], "members": [member(m) for m in ev["strategy"]["members"]]}
    if ev["strategy"]["type"] == "rotating_member_assignment_strategy":
        strat["shifts_per_member"] = ev["strategy"].get("shifts_per_member") or 1
    return {"id": ev["id"], "type": "schedule_event", "name": ev["name"],
            "start_time": {"date_time": ctx.t(ev["start"]), "time_zone": ev["start_tz"]},
            "end_time": {"date_time": ctx.t(ev["end"]), "time_zone": ev["end_tz"]},
            "effective_since": ctx.t(ev["effective_since"]), "effective_until": ctx.t(ev["effective_until"]),
            "recurrence": list(ev["recurrence"]), "assignment_strategy": strat,
            "self": _v3_self(ctx, sid, "rotations", rid, "events", ev["id"]),
            "html_url": "%s/schedules/%s" % (ctx.web, sid)}


def rotation(ctx, sid, rot):
    return {"id": rot["id"], "type": "schedule_rotation",
            "schedule": {"id": sid, "type": "schedule_v3_reference", "self": _v3_self(ctx, sid)},
            "events": [v3_event(ctx, sid, rot["id"], ev)
                       for ev in sorted(rot["events"].values(), key=lambda e: e["start"])],
            "self": _v3_self(ctx, sid, "rotations", rot["id"]), "html_url": "%s/schedules/%s" % (ctx.web, sid)}


def custom_shift(ctx, sid, cs):
    return {"id": cs["id"], "type": "custom_shift", "start_time": ctx.t(cs["start"]), "end_time": ctx.t(cs["end"]),
            "assignments": [{"id": a["id"], "type": "shift_assignment", "member": member(a["member"])}
                            for a in cs["assignments"]],
            "self": _v3_self(ctx, sid, "custom_shifts", cs["id"]), "html_url": "%s/schedules/%s" % (ctx.web, sid)}


def v3_override(ctx, sid, ov):
    out = {"id": ov["id"], "type": "override_shift"}
    if ov.get("rotation_id"):
        out["rotation_id"] = ov["rotation_id"]
    if ov.get("custom_shift_id"):
        out["custom_shift_id"] = ov["custom_shift_id"]
    out.update({"start_time": ctx.t(ov["start"]), "end_time": ctx.t(ov["end"]),
                "overridden_member": member(ov["overridden"]), "overriding_member": member(ov["overriding"]),
                "self": _v3_self(ctx, sid, "overrides", ov["id"]), "html_url": "%s/schedules/%s" % (ctx.web, sid)})
    return out


def schedule_v3(ctx, sid, final=None, users=False):
    """A v3 schedule; `final` = (since, until, overflow) adds the computed final schedule."""
    s = ctx.store
    sc = s.v3_schedules[sid]
    out = {"id": sid, "type": "schedule_v3", "summary": sc["name"], "name": sc["name"],
           "time_zone": sc["time_zone"], "description": sc["description"],
           "teams": [ref(ctx, "team", t) for t in sc["team_ids"]],
           "escalation_policies": [ref(ctx, "escalation_policy", e) for e in s.eps_of_schedule(sid, "schedule_v3")],
           "rotations": [rotation(ctx, sid, r) for r in sc["rotations"].values()]}
    if users:
        out["users"] = [ref(ctx, "user", u) for u in shifts.member_user_ids(sc) if u in s.users]
    if final is not None:
        since, until, overflow = final
        items = shifts.assignments(sc, since, until)
        shown = []
        for a, b, m, src in items:
            if not overflow:
                a, b = max(a, since), min(b, until)
            shown.append({"type": "computed_shift_assignment", "start_time": ctx.t(a), "end_time": ctx.t(b),
                          "member": member(m), "source": dict(src)})
        out["final_schedule"] = {"type": "final_schedule",
                                 "rendered_coverage_percentage": shifts.coverage(items, since, until),
                                 "computed_shift_assignments": shown}
    out.update({"http_cal_url": "%s/private/%s/feed/%s" % (ctx.web, sc["cal_key"], sid),
                "web_cal_url": "webcal://%s/private/%s/feed/%s" % (ctx.web.split("://", 1)[1], sc["cal_key"], sid),
                "self": _v3_self(ctx, sid), "html_url": "%s/schedules/%s" % (ctx.web, sid)})
    return out


# ------------------------------------------------------------- change events

def change_event(ctx, ce, reason=None):
    s = ctx.store
    out = {"id": ce["id"], "type": "change_event", "summary": ce["summary"],
           "self": "%s/change_events/%s" % (ctx.base, ce["id"]), "html_url": None,
           "timestamp": fmt_time(ce["timestamp"]),
           "services": [ref(ctx, "service", x) for x in ce["service_ids"] if x in s.services],
           "integration": None if ce["integration_id"] is None else {
               "id": ce["integration_id"], "type": "inbound_integration_reference"},
           "routing_key": ce["routing_key"], "source": ce["source"],
           "links": [dict(x) for x in ce["links"]], "images": [dict(x) for x in ce["images"]],
           "custom_details": ce["custom_details"]}
    if reason:
        out["correlation_reason"] = {"reason": reason}
    return out


# -------------------------------------------------------- event orchestrations

def _actor(ctx, uid):
    return {"id": uid, "type": "user_reference", "self": "%s/users/%s" % (ctx.base, uid)}


def orchestration(ctx, oid, full=True):
    o = ctx.store.orchestrations[oid]
    team = None if not o["team_id"] else {"id": o["team_id"], "type": "team_reference",
                                          "self": "%s/teams/%s" % (ctx.base, o["team_id"])}
    out = {"id": oid, "self": "%s/event_orchestrations/%s" % (ctx.base, oid), "name": o["name"],
           "description": o["description"], "team": team}
    if full:
        out["integrations"] = [{"id": i["id"], "label": i["label"],
                                "parameters": {"routing_key": i["routing_key"], "type": "global"}}
                               for i in o["integrations"]]
    out.update({"routes": sum(len(st["rules"]) for st in o["router"]["sets"]),
                "created_at": fmt_time(o["created_at"]), "created_by": _actor(ctx, o["created_by"]),
                "updated_at": fmt_time(o["updated_at"]), "updated_by": _actor(ctx, o["updated_by"]),
                "version": o["version"]})
    return out


def orchestration_path(ctx, kind, parent_id, path):
    if kind == "service":
        parent = {"id": parent_id, "self": "%s/services/%s" % (ctx.base, parent_id), "type": "service_reference"}
        self_ = "%s/event_orchestrations/services/%s" % (ctx.base, parent_id)
    else:
        parent = {"id": parent_id, "self": "%s/event_orchestrations/%s" % (ctx.base, parent_id),
                  "type": "event_orchestration_reference"}
        self_ = "%s/event_orchestrations/%s/%s" % (ctx.base, parent_id, kind)
    return {"type": kind, "parent": parent, "self": self_,
            "sets": [{"id": st["id"], "rules": [dict(r) for r in st["rules"]]} for st in path["sets"]],
            "catch_all": {"actions": dict(path["catch_all"]["actions"])},
            "created_at": fmt_time(path["created_at"]), "created_by": _actor(ctx, path["created_by"]),
            "updated_at": fmt_time(path["updated_at"]), "updated_by": _actor(ctx, path["updated_by"]),
            "version": path["version"]}


# ---------------------------------------------------------- incident workflows

def workflow(ctx, wid, steps=True, team=True):
    w = ctx.store.workflows[wid]
    out = {"id": wid, "type": "incident_workflow", "summary": w["name"], "name": w["name"],
           "description": w["description"], "created_at": fmt_time_ms(w["created_at"]),
           "self": "%s/incident_workflows/%s" % (ctx.base, wid),
           "html_url": "%s/flex-workflows/workflows/%s" % (ctx.web, wid), "is_enabled": w["is_enabled"]}
    if team:
        out["team"] = None if not w["team_id"] else {"id": w["team_id"], "type": "team_reference"}
    if steps:
        out["steps"] = [{"id": st["id"], "type": "step", "name": st["name"], "description": st["description"],
                         "action_configuration": {
                             "action_id": st["action_id"], "description": st["description"],
                             "inputs": [dict(x) for x in st["inputs"]],
                             "outputs": [dict(x) for x in st["outputs"]]}}
                        for st in w["steps"]]
    return out


def workflow_instance(ctx, inst):
    return {"id": inst["id"], "type": "incident_workflow_instance",
            "incident": ref(ctx, "incident", inst["incident_id"])}


# --------------------------------------------------------------- status pages

def status_page(ctx, spid):
    sp = ctx.store.status_pages[spid]
    return {"id": spid, "type": "status_page", "name": sp["name"], "published_at": fmt_time_ms(sp["published_at"]),
            "status_page_type": sp["status_page_type"], "url": sp["url"]}


def _sp_ref(spid):
    return {"id": spid, "type": "status_page"}


def status_page_item(ctx, spid, kind, item):
    """A severity, impact or status of a status page (kind: severities/impacts/statuses)."""
    single = {"severities": "severity", "impacts": "impact", "statuses": "status"}[kind]
    return {"id": item["id"], "self": "%s/status_pages/%s/%s/%s" % (ctx.base, spid, kind, item["id"]),
            "description": item["description"], "post_type": item["post_type"], "status_page": _sp_ref(spid),
            "type": "status_page_" + single}


def status_page_service(ctx, spid, item):
    bid = item["business_service_id"]
    return {"id": item["id"], "self": "%s/status_pages/%s/services/%s" % (ctx.base, spid, item["id"]),
            "name": item["name"], "status_page": _sp_ref(spid),
            "business_service": {"id": bid, "self": "%s/business_services/%s" % (ctx.base, bid),
                                 "type": "business_service"},
            "type": "status_page_service"}


def post_update(ctx, spid, pid, u):
    base = "%s/status_pages/%s/posts/%s" % (ctx.base, spid, pid)
    return {"id": u["id"], "self": "%s/post_updates/%s" % (base, u["id"]),
            "post": {"id": pid, "type": "status_page_post"}, "message": u["message"],
            "reviewed_status": u["reviewed_status"],
            "status": {"id": u["status_id"], "type": "status_page_status"},
            "severity": {"id": u["severity_id"], "type": "status_page_severity"},
            "impacted_services": [{"service": {"id": sv, "type": "status_page_service"},
                                   "impact": {"id": im, "type": "status_page_impact"}}
                                  for sv, im in u["impacted_services"]],
            "update_frequency_ms": u["update_frequency_ms"], "notify_subscribers": u["notify_subscribers"],
            "reported_at": fmt_time_ms(u["reported_at"]), "type": "status_page_post_update"}


def status_page_post(ctx, spid, post, full_updates=False):
    base = "%s/status_pages/%s/posts/%s" % (ctx.base, spid, post["id"])
    if full_updates:
        updates = [post_update(ctx, spid, post["id"], u) for u in post["updates"].values()]
    else:
        updates = [{"id": u["id"], "self": "%s/post_updates/%s" % (base, u["id"]), "type": "status_page_post_update"}
                   for u in post["updates"].values()]
    return {"id": post["id"], "self": base, "type": "status_page_post", "post_type": post["post_type"],
            "status_page": _sp_ref(spid),
            "linked_resource": None if not post["linked_incident_id"] else {
                "id": post["linked_incident_id"], "type": "incident_reference"},
            "postmortem": None, "title": post["title"], "starts_at": fmt_time_ms(post["starts_at"]),
            "ends_at": fmt_time_ms(post["ends_at"]), "updates": updates}


# ---------------------------------------------------- alert grouping settings

def alert_grouping_setting(ctx, agid):
    ag = ctx.store.alert_grouping[agid]
    svcs = []
    for sid in ag["service_ids"]:
        r = ref(ctx, "service", sid) if sid in ctx.store.services else {"id": sid, "type": "service_reference"}
        svcs.append(r)
    return {"id": agid, "type": ag["type"], "name": ag["name"], "description": ag["description"],
            "config": dict(ag["config"]), "services": svcs,
            "created_at": fmt_time_ms(ag["created_at"]), "updated_at": fmt_time_ms(ag["updated_at"])}


# ------------------------------------------- webhooks and extension schemas

def webhook(ctx, wid, with_secret=False):
    w = ctx.store.webhooks[wid]
    dm = w["delivery"]
    ftype, fid = w["filter"]
    flt = {"type": ftype}
    if fid:
        flt["id"] = fid
    return {"id": wid, "type": "webhook_subscription", "active": w["active"],
            "delivery_method": {"id": dm["id"], "secret": dm["secret"] if with_secret else None,
                                "temporarily_disabled": dm["temporarily_disabled"], "type": "http_delivery_method",
                                "url": dm["url"],
                                "custom_headers": [{"name": h["name"], "value": "-- redacted --"}
                                                   for h in dm["custom_headers"]]},
            "description": w["description"], "events": list(w["events"]), "filter": flt,
            "oauth_client": None}


def extension_schema(ctx, es):
    return {"id": es["id"], "type": "extension_schema", "summary": es["label"],
            "self": "%s/extension_schemas/%s" % (ctx.base, es["id"]), "description": es["description"],
            "guide_url": es["guide_url"], "icon_url": es["icon_url"], "key": es["key"], "label": es["label"],
            "logo_url": es["logo_url"], "send_types": list(es["send_types"]), "url": es["url"]}


def naive(t, tz):
    return fmt_naive(t, tz)


FULL = {"user": user, "team": team, "service": service, "priority": priority,
        "escalation_policy": escalation_policy, "schedule": schedule_summary, "incident": incident}
