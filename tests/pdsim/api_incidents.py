"""Endpoint handlers for incidents and what hangs off them.

Owns `/incidents` (list with filters/sort/date range, bulk update, create),
`/incidents/{id}` (get by ID or number, update), alerts (list, get, update one
or many, move), notes (list, add, edit, delete), incident log entries, snooze,
merge, responder requests, status updates, and the read-only analysis the
official MCP server's tools use: outlier incident, past incidents and related
incidents (computed from the seeded incidents' title templates, services and
service dependencies). Writes go through Store operations, which append log
entries. `PUT /incidents` and `PUT /incidents/{id}/alerts` are
all-or-nothing: on any error every touched incident is restored. Each handler
returns (status, body).
"""

import zlib

from api_common import get_or_404, limit_offset, page, ref_id
from render import alert as r_alert
from render import incident as r_incident
from render import incident_ref, log_entry, note as r_note
from render import responder_request as r_responder_request
from render import status_update as r_status_update
from util import ApiError, invalid, not_found

STATUSES = ("triggered", "acknowledged", "resolved")
URGENCIES = ("high", "low")
MONTH = 30 * 86400
SORT_FIELDS = ("incident_number", "created_at", "resolved_at", "urgency")
OVERVIEW_EXCLUDED = ("notify",)


def _incident(req):
    inc = req.store.find_incident(req.params["id"])
    if inc is None:
        raise not_found("Incident Not Found")
    return inc


def _check_values(values, allowed, name):
    bad = [v for v in values if v not in allowed]
    if bad:
        raise invalid("%s contains invalid value(s): %s" % (name, ", ".join(bad)))


# ------------------------------------------------------------------- reading

def list_incidents(req):
    q, s = req.q, req.store
    tz = req.ctx.tz
    statuses, urgencies = q.list("statuses"), q.list("urgencies")
    _check_values(statuses, STATUSES, "statuses")
    _check_values(urgencies, URGENCIES, "urgencies")
    service_ids, team_ids, user_ids = set(q.list("service_ids")), set(q.list("team_ids")), set(q.list("user_ids"))
    priority_ids = set(q.list("priority_ids"))
    key = q.get("incident_key")
    date_range = q.get("date_range")
    if date_range not in (None, "", "all"):
        raise invalid("date_range must be 'all'")
    since = until = None
    if date_range != "all":
        since, until = q.time("since", tz), q.time("until", tz)
        if since is None and until is None:
            since, until = req.now - MONTH, req.now + 1  # include incidents created this second
        elif since is None:
            since = until - MONTH
        elif until is None:
            until = since + MONTH
        if until < since:
            raise invalid("until must not be before since", code=2005, message="Invalid Query Date Range")
        if until - since > 6 * 31 * 86400:
            raise invalid("The date range cannot exceed 6 months", code=2005, message="Invalid Query Date Range")
    out = []
    for inc in s.incidents.values():
        if since is not None and not since <= inc["created_at"] < until:
            continue
        if statuses and inc["status"] not in statuses:
            continue
        if urgencies and inc["urgency"] not in urgencies:
            continue
        if service_ids and inc["service_id"] not in service_ids:
            continue
        if team_ids and not team_ids.intersection(inc["team_ids"]):
            continue
        if user_ids and not user_ids.intersection(u for _, u in inc["assignments"]):
            continue
        if priority_ids and inc["priority_id"] not in priority_ids:
            continue
        if key and inc["incident_key"] != key:
            continue
        out.append(inc)
    out.sort(key=lambda i: i["number"])
    spec = [x for x in (q.get("sort_by") or "").split(",") if x]
    if len(spec) > 2:
        raise invalid("sort_by takes at most two fields")
    for item in reversed(spec):
        field, _, direction = item.partition(":")
        if field not in SORT_FIELDS or direction not in ("", "asc", "desc"):
            raise invalid("sort_by %r is not supported" % item)
        src = "number" if field == "incident_number" else field
        out.sort(key=lambda i, f=src: i[f] if f == "urgency" else (i[f] is None, i[f] or 0),
                 reverse=(direction == "desc"))
    return page(req, "incidents", [i["id"] for i in out], lambda iid: r_incident(req.ctx, iid))


def get_incident(req):
    return 200, {"incident": r_incident(req.ctx, _incident(req)["id"])}


def list_alerts(req):
    inc = _incident(req)
    statuses = req.q.list("statuses")
    _check_values(statuses, ("triggered", "resolved"), "statuses")
    key = req.q.get("alert_key")
    alerts = [req.store.alerts[a] for a in inc["alert_ids"]]
    alerts = [a for a in alerts if (not statuses or a["status"] in statuses) and (not key or a["alert_key"] == key)]
    order = req.q.get("sort_by") or "created_at"
    field, _, direction = order.partition(":")
    if field not in ("created_at", "resolved_at") or direction not in ("", "asc", "desc"):
        raise invalid("sort_by %r is not supported" % order)
    alerts.sort(key=lambda a: (a[field] is None, a[field] or 0), reverse=(direction == "desc"))
    return page(req, "alerts", [a["id"] for a in alerts], lambda aid: r_alert(req.ctx, aid))


def get_alert(req):
    inc = _incident(req)
    aid = req.params["alert_id"]
    if aid not in inc["alert_ids"]:
        raise not_found("Alert Not Found")
    return 200, {"alert": r_alert(req.ctx, aid)}


def list_notes(req):
    inc = _incident(req)
    return 200, {"notes": [r_note(req.ctx, n) for n in req.store.notes[inc["id"]]]}


def _log_ids(req, ids, team_ids=None):
    q, s = req.q, req.store
    since, until = q.time("since", req.ctx.tz), q.time("until", req.ctx.tz)
    if since is not None and until is not None and until < since:
        raise invalid("until must not be before since", code=2005, message="Invalid Query Date Range")
    overview = q.bool("is_overview")
    out = []
    for lid in ids:
        le = s.log_entries[lid]
        if since is not None and le["created_at"] < since:
            continue
        if until is not None and le["created_at"] >= until:
            continue
        if overview and le["kind"] in OVERVIEW_EXCLUDED:
            continue
        if team_ids and not team_ids.intersection(le["team_ids"]):
            continue
        out.append(le)
    out.sort(key=lambda le: (le["created_at"], le["seq"]), reverse=True)
    return [le["id"] for le in out]


def list_incident_log_entries(req):
    inc = _incident(req)
    ids = _log_ids(req, [i for i in inc["log_ids"] if i in req.store.log_entries])
    return page(req, "log_entries", ids, lambda lid: log_entry(req.ctx, lid))


def list_log_entries(req):
    ids = _log_ids(req, list(req.store.log_entries), set(req.q.list("team_ids")))
    return page(req, "log_entries", ids, lambda lid: log_entry(req.ctx, lid))


def get_log_entry(req):
    get_or_404(req.store.log_entries, req.params["id"], "Log Entry")
    return 200, {"log_entry": log_entry(req.ctx, req.params["id"])}


# ------------------------------------------------------------------- writing

def _priority_id(s, value):
    if value is None:
        return None
    if isinstance(value, str):
        for p in s.priorities.values():
            if p["name"] == value:
                return p["id"]
        raise ApiError(400, 1020, "Invalid Priority", ["No priority named %r" % value])
    pid = ref_id(value, "priority")
    if pid not in s.priorities:
        raise ApiError(400, 1020, "Invalid Priority", ["Priority %s not found" % pid])
    return pid


def _assignee_ids(s, assignments):
    if not isinstance(assignments, list) or not assignments:
        raise invalid("assignments must be a non-empty array")
    uids = []
    for a in assignments:
        uid = ref_id(a.get("assignee") if isinstance(a, dict) else None, "assignments[].assignee")
        if uid not in s.users:
            raise ApiError(400, 1007, "Assigned To User Not Found", ["User %s not found" % uid])
        if uid not in uids:
            uids.append(uid)
    return uids


def apply_update(req, inc, upd, single):
    """Apply one incident update (the body of PUT /incidents/{id} or one bulk item)."""
    s, at, actor = req.store, req.now, req.actor_id
    agent = ("user", actor)
    if upd.get("type") not in ("incident", "incident_reference"):
        raise invalid("type must be 'incident' or 'incident_reference'")
    status = upd.get("status")
    if "status" in upd and status not in STATUSES:
        raise ApiError(400, 1003, "Invalid Status Provided", ["status must be one of %s" % ", ".join(STATUSES)])
    if "resolution" in upd and status != "resolved":
        raise invalid("resolution may only be given with status 'resolved'")
    if "title" in upd:
        if not isinstance(upd["title"], str) or not upd["title"].strip():
            raise invalid("title must be a non-empty string")
        inc["title"] = upd["title"]
        inc["updated_at"] = at
    if "priority" in upd:
        inc["priority_id"] = _priority_id(s, upd["priority"])
        inc["updated_at"] = at
    if "urgency" in upd:
        if upd["urgency"] not in URGENCIES:
            raise invalid("urgency must be 'high' or 'low'")
        s.change_urgency(inc, upd["urgency"], at, agent)
    if "conference_bridge" in upd:
        cb = upd["conference_bridge"]
        if cb is not None and not isinstance(cb, dict):
            raise invalid("conference_bridge must be an object")
        inc["conference_bridge"] = None if cb is None else {
            "conference_number": cb.get("conference_number"), "conference_url": cb.get("conference_url")}
    if "service" in upd:
        if not single:
            raise invalid("service can only be changed with PUT /incidents/{id}")
        sid = ref_id(upd["service"], "service")
        svc = s.services.get(sid)
        if svc is None:
            raise ApiError(400, 5002, "Service Not Found", ["Service %s not found" % sid])
        inc["service_id"], inc["team_ids"] = sid, list(svc["team_ids"])
    assignees = _assignee_ids(s, upd["assignments"]) if "assignments" in upd else None
    ep_id = None
    if "escalation_policy" in upd:
        ep_id = ref_id(upd["escalation_policy"], "escalation_policy")
        if ep_id not in s.escalation_policies:
            raise ApiError(400, 1014, "Escalation Policy Not Found", ["Escalation policy %s not found" % ep_id])
    if assignees and ep_id:
        raise invalid("assignments and escalation_policy cannot both be given")
    reopening = inc["status"] == "resolved" and status in ("triggered", "acknowledged")
    if ep_id and not reopening:
        if inc["status"] == "resolved":
            raise ApiError(400, 1011, "Cannot process reassign action", ["Incident is resolved"])
        inc["ep_id"] = ep_id
        s.escalate(inc, 1, at, agent, kind="assign")
    if assignees and not reopening:
        if inc["status"] == "resolved":
            raise ApiError(400, 1011, "Cannot process reassign action", ["Incident is resolved"])
        s.assign(inc, at, agent, assignees)
    if "escalation_level" in upd:
        level = upd["escalation_level"]
        if not isinstance(level, int) or isinstance(level, bool) or inc["status"] == "resolved":
            raise ApiError(400, 1006, "Cannot Escalate", ["escalation_level must be an integer on an open incident"])
        s.escalate(inc, level, at, agent)
    if status == "acknowledged":
        if reopening:
            s.reopen(inc, "acknowledged", at, actor)
        elif actor not in [u for _, u in inc["acknowledgements"]]:
            s.acknowledge(inc, at, actor)
    elif status == "resolved":
        if inc["status"] == "resolved":
            raise ApiError(400, 1001, "Incident Already Resolved", ["Incident %s is already resolved" % inc["id"]])
        resolution = upd.get("resolution")
        if resolution is not None and not isinstance(resolution, str):
            raise invalid("resolution must be a string")
        s.resolve(inc, at, agent, resolution=resolution)
    elif status == "triggered":
        if reopening:
            if ep_id:
                inc["ep_id"] = ep_id
            s.reopen(inc, "triggered", at, actor, assignees)
        elif inc["status"] == "acknowledged":
            s.unacknowledge(inc, at, agent, {"type": "api"},
                            "Unacknowledged by %s." % s.users[actor]["name"])
    inc["updated_at"] = max(inc["updated_at"], at)


def _transaction(req, incs, fn):
    snap = req.store.snapshot([i["id"] for i in incs])
    try:
        fn()
    except Exception:
        req.store.restore(snap)
        raise


def bulk_update(req):
    body = req.json()
    items = body.get("incidents") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise invalid("incidents must be a non-empty array")
    if len(items) > 250:
        raise ApiError(413, 2001, "Request Entity Too Large", ["At most 250 incidents can be updated at once"])
    pairs = []
    for upd in items:
        if not isinstance(upd, dict) or not isinstance(upd.get("id"), str):
            raise invalid("every incident needs an id")
        inc = req.store.find_incident(upd["id"])
        if inc is None:
            raise ApiError(404, 5001, "Incident Not Found", ["Incident %s not found" % upd["id"]])
        pairs.append((inc, upd))
    _transaction(req, [p[0] for p in pairs], lambda: [apply_update(req, inc, upd, False) for inc, upd in pairs])
    limit, offset = limit_offset(req.q)
    return 200, {"incidents": [r_incident(req.ctx, inc["id"]) for inc, _ in pairs],
                 "limit": limit, "offset": offset, "more": False,
                 "total": len(pairs) if req.q.bool("total") else None}


def update_incident(req):
    inc = _incident(req)
    upd = req.wrapped("incident")
    _transaction(req, [inc], lambda: apply_update(req, inc, upd, True))
    return 200, {"incident": r_incident(req.ctx, inc["id"])}


def create_incident(req):
    s = req.store
    body = req.wrapped("incident")
    if body.get("type") != "incident":
        raise invalid("type must be 'incident'")
    title = body.get("title")
    if not isinstance(title, str) or not title.strip():
        raise invalid("title is required")
    sid = ref_id(body.get("service"), "service")
    svc = s.services.get(sid)
    if svc is None:
        raise invalid("Service %s not found" % sid)
    if svc["fixed_status"] == "disabled":
        raise invalid("Service %s is disabled" % sid)
    if "assignments" in body and "escalation_policy" in body:
        raise invalid("assignments and escalation_policy cannot both be given")
    urgency = body.get("urgency", "high")
    if urgency not in URGENCIES:
        raise invalid("urgency must be 'high' or 'low'")
    details = None
    if "body" in body:
        b = body["body"]
        if not isinstance(b, dict) or not isinstance(b.get("details", ""), str):
            raise invalid("body.details must be a string")
        details = b.get("details")
    key = body.get("incident_key")
    if key is not None:
        if not isinstance(key, str):
            raise invalid("incident_key must be a string")
        for other in s.incidents.values():
            if other["service_id"] == sid and other["incident_key"] == key and other["status"] != "resolved":
                raise invalid("Open incident with key '%s' already exists for this service" % key)
    assignees = _assignee_ids(s, body["assignments"]) if "assignments" in body else None
    ep_id = None
    if "escalation_policy" in body:
        ep_id = ref_id(body["escalation_policy"], "escalation_policy")
        if ep_id not in s.escalation_policies:
            raise ApiError(400, 1014, "Escalation Policy Not Found")
    pid = _priority_id(s, body["priority"]) if "priority" in body else None
    inc = s.create_incident(sid, title, req.now, ("user", req.actor_id), {"type": "api"}, urgency=urgency,
                            priority_id=pid, incident_key=key, details=details, assignee_ids=assignees,
                            ep_id=ep_id, long_id=True)
    if isinstance(body.get("conference_bridge"), dict):
        cb = body["conference_bridge"]
        inc["conference_bridge"] = {"conference_number": cb.get("conference_number"),
                                    "conference_url": cb.get("conference_url")}
    if assignees == [req.actor_id]:
        s.acknowledge(inc, req.now, req.actor_id)
    return 201, {"incident": r_incident(req.ctx, inc["id"])}


def create_note(req):
    inc = _incident(req)
    body = req.wrapped("note")
    content = body.get("content")
    if not isinstance(content, str) or not content.strip():
        raise invalid("content is required")
    if len(content) > 25000:
        raise invalid("content is too long")
    note = req.store.add_note(inc, req.now, req.actor_id, content)
    return 200, {"note": r_note(req.ctx, note)}


def snooze(req):
    inc = _incident(req)
    body = req.json()
    duration = body.get("duration") if isinstance(body, dict) else None
    if not isinstance(duration, int) or isinstance(duration, bool) or not 1 <= duration <= 604800:
        raise ApiError(400, 1013, "Snooze Duration is Invalid", ["duration must be 1..604800 seconds"])
    if inc["status"] != "acknowledged":
        raise ApiError(400, 1012, "Incident is not Acknowledged", ["Only acknowledged incidents can be snoozed"])
    req.store.snooze(inc, req.now, req.actor_id, duration)
    return 201, {"incident": r_incident(req.ctx, inc["id"])}


def merge(req):
    s = req.store
    target = _incident(req)
    body = req.json()
    refs = body.get("source_incidents") if isinstance(body, dict) else None
    if not isinstance(refs, list) or not refs:
        raise invalid("source_incidents must be a non-empty array")
    if target["status"] == "resolved":
        raise ApiError(400, 1001, "Incident Already Resolved", ["The target incident is resolved"])
    sources = []
    for r in refs:
        src = s.find_incident(ref_id(r, "source_incidents[]"))
        if src is None:
            raise ApiError(400, 1004, "Invalid ID Provided", ["Incident %s not found" % r.get("id")])
        if src is target:
            raise invalid("An incident cannot be merged into itself")
        if src["resolve_reason"]:
            raise ApiError(400, 1019, "Incident Already Merged")
        if src["status"] == "resolved":
            raise ApiError(400, 1001, "Incident Already Resolved", ["Incident %s is resolved" % src["id"]])
        if src not in sources:
            sources.append(src)
    _transaction(req, [target] + sources, lambda: s.merge(target, sources, req.now, req.actor_id))
    return 200, {"incident": incident_ref(req.ctx, target["id"])}


def sim_trigger(sim, store, body, now):
    """Control API: a new triggered incident with one alert, as an event would make."""
    sid = body.get("service_id") or next(iter(store.services))
    svc = store.services.get(sid)
    if svc is None:
        raise not_found("Service %s not found" % sid)
    urgency = body.get("urgency", "high")
    if urgency not in URGENCIES:
        raise invalid("urgency must be 'high' or 'low'")
    title = body.get("title") or "Simulated alert on %s" % svc["name"]
    key = body.get("incident_key")
    inc = store.create_incident(sid, title, now, ("service", sid), {"type": "api"}, urgency=urgency,
                                incident_key=key, long_id=bool(body.get("long_id", True)),
                                alert={"summary": title, "severity": body.get("severity", "critical"),
                                       "details": body.get("details") or {}})
    return inc



# ------------------------------------------------ incident extras (MCP tools)

OUTLIER_LOOKBACK = 90 * 86400
PAST_WINDOW = 183 * 86400
RELATED_WINDOW = 12 * 3600
MAX_RELATED = 20


def _words(text):
    return set(w for w in "".join(c.lower() if c.isalnum() else " " for c in text).split() if w)


def _similarity(a, b):
    wa, wb = _words(a), _words(b)
    return len(wa & wb) / float(len(wa | wb)) if wa and wb else 0.0


def _mini_incident(ctx, inc):
    return {"id": inc["id"], "created_at": ctx.t(inc["created_at"]),
            "self": "%s/incidents/%s" % (ctx.base, inc["id"]), "title": inc["title"]}


def outlier_incident(req):
    inc = _incident(req)
    s, ctx = req.store, req.ctx
    until = req.now
    since = req.q.time("since", ctx.tz)
    if since is None:
        since = min(inc["created_at"], until) - OUTLIER_LOOKBACK
    if since > until:
        raise invalid("since must not be in the future", code=2005, message="Invalid Query Date Range")
    same = [i for i in s.incidents.values() if i["service_id"] == inc["service_id"]
            and i["template"] == inc["template"] and since <= i["created_at"] <= until]
    days = max(1.0, (until - since) / 86400.0)
    freq = round(len(same) / days, 2)
    category = "anomalous" if len(same) <= 1 else ("rare" if freq < 0.1 else "frequent")
    detail = _mini_incident(ctx, inc)
    if "incident" in req.q.list("additional_details"):
        detail = r_incident(ctx, inc["id"])
    detail["occurrence"] = {"count": len(same), "frequency": freq, "category": category,
                            "since": ctx.t(since), "until": ctx.t(until)}
    cluster = "%08X" % zlib.crc32(("%s|%s" % (inc["service_id"], inc["template"])).encode("utf-8"))
    return 200, {"outlier_incident": {"incident": detail, "incident_template": {
        "id": "P" + cluster[:6], "cluster_id": "P" + cluster[2:7], "mined_text": inc["template"]}}}


def past_incidents(req):
    inc = _incident(req)
    s, ctx = req.store, req.ctx
    limit = req.q.int("limit", 5)
    if not 1 <= limit <= 999:
        raise invalid("limit must be between 1 and 999")
    found = []
    for other in s.incidents.values():
        if other is inc or other["service_id"] != inc["service_id"]:
            continue
        if not inc["created_at"] - PAST_WINDOW <= other["created_at"] < inc["created_at"]:
            continue
        score = 100.0 if other["template"] == inc["template"] else 60.0 * _similarity(other["title"], inc["title"])
        score = round(score - (inc["created_at"] - other["created_at"]) / 86400.0 * 0.05, 4)
        found.append((max(score, 0.0), other))
    found.sort(key=lambda x: (-x[0], -x[1]["created_at"]))
    return 200, {"past_incidents": [{"incident": _mini_incident(ctx, o), "score": sc} for sc, o in found[:limit]],
                 "total": len(found) if req.q.bool("total") else None, "limit": limit}


def _dependency_link(s, a, b):
    """(dependent, supporting) service refs when services a and b are linked by a dependency."""
    for dep in s.dependencies.values():
        pair = (dep["dependent"], dep["supporting"])
        if {pair[0], pair[1]} == {("service", a), ("service", b)}:
            return pair
    bizz = {}
    for dep in s.dependencies.values():
        if dep["supporting"][0] == "service" and dep["dependent"][0] == "business_service":
            bizz.setdefault(dep["dependent"][1], set()).add(dep["supporting"][1])
    for bid, svcs in bizz.items():
        if a in svcs and b in svcs:
            return ("business_service", bid), ("service", b)
    return None


def related_incidents(req):
    inc = _incident(req)
    s, ctx = req.store, req.ctx
    full = "incident" in req.q.list("additional_details")
    out = []
    for other in s.incidents.values():
        if other is inc or abs(other["created_at"] - inc["created_at"]) > RELATED_WINDOW:
            continue
        rels = []
        if other["template"] == inc["template"] and other["service_id"] != inc["service_id"]:
            n = int(inc["number"]) % 7
            rels.append({"type": "machine_learning_inferred", "metadata": {
                "grouping_classification": "similar_contents",
                "user_feedback": {"positive_feedback_count": 3 + n, "negative_feedback_count": n % 3}}})
        link = _dependency_link(s, inc["service_id"], other["service_id"]) \
            if other["service_id"] != inc["service_id"] else None
        if link:
            kinds = {"service": "technical_service_reference", "business_service": "business_service_reference"}
            paths = {"service": "services", "business_service": "business_services"}
            dep, sup = link
            rels.append({"type": "service_dependency", "metadata": {
                "dependent_services": {"id": dep[1], "type": kinds[dep[0]],
                                       "self": "%s/%s/%s" % (ctx.base, paths[dep[0]], dep[1])},
                "supporting_services": {"id": sup[1], "type": kinds[sup[0]],
                                        "self": "%s/%s/%s" % (ctx.base, paths[sup[0]], sup[1])}}})
        if rels:
            out.append((other, rels))
    out.sort(key=lambda x: (-x[0]["created_at"], x[0]["number"]))
    return 200, {"related_incidents": [
        {"incident": r_incident(ctx, o["id"]) if full else _mini_incident(ctx, o), "relationships": rels}
        for o, rels in out[:MAX_RELATED]]}


TARGET_KINDS = {"user_reference": "user", "user": "user",
                "escalation_policy_reference": "escalation_policy", "escalation_policy": "escalation_policy"}


def create_responder_request(req):
    inc = _incident(req)
    s = req.store
    body = req.json()
    if not isinstance(body, dict):
        raise invalid("The request body must be an object")
    requester = body.get("requester_id")
    if not isinstance(requester, str) or not requester:
        raise ApiError(400, 2011, "You must specify a requester_id to perform this action")
    if requester not in s.users:
        raise ApiError(400, 1008, "Requester User Not Found", ["User %s not found" % requester])
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        raise invalid("message is required")
    items = body.get("responder_request_targets")
    if not isinstance(items, list) or not items:
        raise invalid("responder_request_targets must be a non-empty array")
    if len(items) > 20:
        raise invalid("At most 20 responder request targets can be requested at once")
    targets = []
    for item in items:
        t = item.get("responder_request_target", item) if isinstance(item, dict) else None
        if not isinstance(t, dict) or t.get("type") not in TARGET_KINDS or not isinstance(t.get("id"), str):
            raise invalid("Each target needs an id and a type of user_reference or escalation_policy_reference")
        kind = TARGET_KINDS[t["type"]]
        table = s.users if kind == "user" else s.escalation_policies
        if t["id"] not in table:
            raise invalid("%s %s not found" % (kind.replace("_", " ").capitalize(), t["id"]))
        if (kind, t["id"]) not in targets:
            targets.append((kind, t["id"]))
    if inc["status"] == "resolved":
        raise invalid("Responders cannot be requested for a resolved incident")
    rr = req.store.add_responder_request(inc, req.now, requester, message, targets)
    return 200, {"responder_request": r_responder_request(req.ctx, inc["id"], rr)}


def create_status_update(req):
    inc = _incident(req)
    body = req.json()
    if not isinstance(body, dict):
        raise invalid("The request body must be an object")
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        raise invalid("message is required")
    for key in ("subject", "html_message"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise invalid("%s must be a string" % key)
    su = req.store.add_status_update(inc, req.now, req.actor_id, message, body.get("subject"),
                                     body.get("html_message"))
    return 200, {"status_update": r_status_update(req.ctx, su)}


def _note(req, inc):
    note = next((n for n in req.store.notes[inc["id"]] if n["id"] == req.params["note_id"]), None)
    if note is None:
        raise not_found("Note Not Found")
    return note


def update_note(req):
    inc = _incident(req)
    note = _note(req, inc)
    content = req.wrapped("note").get("content")
    if not isinstance(content, str) or not content.strip():
        raise invalid("content is required")
    if len(content) > 25000:
        raise invalid("content is too long")
    req.store.update_note(inc, note, req.now, content)
    return 200, {"note": r_note(req.ctx, note)}


def delete_note(req):
    inc = _incident(req)
    req.store.delete_note(inc, _note(req, inc))
    return 204, None


def _alert_change(req, inc, alert, upd, touched):
    """Apply {status?, incident?} to one alert of `inc`."""
    s = req.store
    if not isinstance(upd, dict):
        raise invalid("alert must be an object")
    status = upd.get("status")
    if status is not None and status not in ("triggered", "resolved"):
        raise invalid("status must be 'triggered' or 'resolved'")
    if upd.get("incident") is not None:
        target = s.find_incident(ref_id(upd["incident"], "incident"))
        if target is None:
            raise ApiError(404, 5001, "Incident Not Found", ["Incident %s not found" % upd["incident"].get("id")])
        touched.append(target)
        s.move_alert(alert, target, req.now)
    if status is not None:
        s.set_alert_status(alert, status, req.now, req.actor_id)


def update_alerts(req):
    inc = _incident(req)
    body = req.json()
    items = body.get("alerts") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise invalid("alerts must be a non-empty array")
    if len(items) > 250:
        raise ApiError(413, 2001, "Request Entity Too Large", ["At most 250 alerts can be updated at once"])
    pairs = []
    for item in items:
        aid = item.get("id") if isinstance(item, dict) else None
        if not isinstance(aid, str) or aid not in inc["alert_ids"]:
            raise ApiError(404, 2100, "Not Found", ["Alert %s not found on incident %s" % (aid, inc["id"])])
        pairs.append((req.store.alerts[aid], item))
    touched = [inc]
    for _, item in pairs:
        if isinstance(item.get("incident"), dict):
            other = req.store.find_incident(str(item["incident"].get("id")))
            if other is not None and other not in touched:
                touched.append(other)
    _transaction(req, touched, lambda: [_alert_change(req, inc, a, item, []) for a, item in pairs])
    limit, offset = limit_offset(req.q)
    return 200, {"alerts": [r_alert(req.ctx, a["id"]) for a, _ in pairs], "limit": limit, "offset": offset,
                 "more": False, "total": len(pairs) if req.q.bool("total") else None}


def update_alert(req):
    inc = _incident(req)
    aid = req.params["alert_id"]
    if aid not in inc["alert_ids"]:
        raise not_found("Alert Not Found")
    alert = req.store.alerts[aid]
    upd = req.wrapped("alert")
    touched = [inc]
    if isinstance(upd.get("incident"), dict):
        other = req.store.find_incident(str(upd["incident"].get("id")))
        if other is not None and other is not inc:
            touched.append(other)
    _transaction(req, touched, lambda: _alert_change(req, inc, alert, upd, []))
    return 200, {"alert": r_alert(req.ctx, aid)}
