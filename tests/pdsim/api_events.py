"""Endpoint handlers for the event pipeline: change events, event
orchestrations and alert grouping settings.

Owns `/change_events` (list, get, update, create from an Events-API-style
body), a service's change events, an incident's related change events
(same service in the 7 days before it: `most_recent`; a service of the same
team or linked by a dependency in the 24 hours before it: `related_service`),
`/event_orchestrations` (list, get; router, global and unrouted paths, get
and replace), service orchestrations (get, replace, active flag), and
`/alert_grouping_settings` (list with `after`/`before` cursors, get, create,
update, delete; a service belongs to at most one setting). Replacing an
orchestration path keeps the ID of a rule it already has and gives every
other rule a new one (so a client's placeholder ID is replaced), drops
null-valued actions, bumps `version` and records who changed it. Each handler returns (status, body).
"""

import base64
import re

import render as r
from api_common import body_object, get_or_404, limit_offset, page, ref_id
from store import MAX_CHANGE_EVENTS, MAX_OBJECTS
from util import ApiError, invalid, not_found, parse_time

DAY = 86400
UTC_SUFFIX = re.compile(r"(Z|z|[+-]00:?00)$")
OFFSET_SUFFIX = re.compile(r"[+-]\d{2}(:?\d{2})?$")
MAX_RULES = 200
MAX_SETS = 20
RELATED_LIMIT = 25


# ------------------------------------------------------------ change events

def _utc(req, name):
    v = req.q.get(name)
    if not v:
        return None
    text = v.strip()
    if "T" in text and OFFSET_SUFFIX.search(text) and not UTC_SUFFIX.search(text):
        raise invalid("%s must be a UTC time (ending in Z)" % name, code=2004,
                      message="Invalid time values in 'since' and/or 'until' parameters")
    return req.q.time(name)


def _change_events(req, service_id=None):
    s = req.store
    since, until = _utc(req, "since"), _utc(req, "until")
    if since is not None and until is not None and until < since:
        raise invalid("until must not be before since", code=2005, message="Invalid Query Date Range")
    teams = set(req.q.list("team_ids"))
    integrations = set(req.q.list("integration_ids"))
    out = []
    for ce in s.change_events.values():
        if service_id and service_id not in ce["service_ids"]:
            continue
        if since is not None and ce["timestamp"] < since:
            continue
        if until is not None and ce["timestamp"] >= until:
            continue
        if integrations and ce["integration_id"] not in integrations:
            continue
        if teams and not any(teams.intersection(s.services[x]["team_ids"]) for x in ce["service_ids"]
                             if x in s.services):
            continue
        out.append(ce)
    out.sort(key=lambda ce: (-ce["timestamp"], ce["id"]))
    return page(req, "change_events", out, lambda ce: r.change_event(req.ctx, ce))


def list_change_events(req):
    return _change_events(req)


def list_service_change_events(req):
    get_or_404(req.store.services, req.params["id"], "Service")
    return _change_events(req, req.params["id"])


def get_change_event(req):
    ce = get_or_404(req.store.change_events, req.params["id"], "Change Event")
    return 200, {"change_event": r.change_event(req.ctx, ce)}


def update_change_event(req):
    ce = get_or_404(req.store.change_events, req.params["id"], "Change Event")
    body = req.wrapped("change_event")
    if body.get("summary") is not None:
        if not isinstance(body["summary"], str) or not body["summary"].strip() or len(body["summary"]) > 1024:
            raise invalid("summary must be 1 to 1024 characters")
        ce["summary"] = body["summary"]
    if body.get("custom_details") is not None:
        if not isinstance(body["custom_details"], dict):
            raise invalid("custom_details must be an object")
        ce["custom_details"] = body["custom_details"]
    return 200, {"change_event": r.change_event(req.ctx, ce)}


def create_change_event(req):
    """POST /change_events: an Events API v2 change event; 202 and no body."""
    s = req.store
    body = body_object(req)
    key = body.get("routing_key")
    svc = next((x for x in s.services.values() if x["integration"] and x["integration"]["key"] == key), None)
    if svc is None:
        raise invalid("routing_key does not match an integration")
    payload = body.get("payload")
    if not isinstance(payload, dict) or not isinstance(payload.get("summary"), str) or \
            not 1 <= len(payload["summary"]) <= 1024:
        raise invalid("payload.summary is required (at most 1024 characters)")
    ts = req.now
    if payload.get("timestamp") is not None:
        try:
            ts = parse_time(str(payload["timestamp"]))
        except ValueError:
            raise invalid("payload.timestamp must be an ISO 8601 time") from None
    links = body.get("links") or []
    images = body.get("images") or []
    if not isinstance(links, list) or not isinstance(images, list):
        raise invalid("links and images must be arrays")
    ce = {"id": s.ids.long26(), "timestamp": ts, "summary": payload["summary"],
          "source": str(payload.get("source") or ""), "service_ids": [svc["id"]],
          "integration_id": svc["integration"]["id"], "routing_key": key,
          "links": [{"href": str(x.get("href")), "text": str(x.get("text") or "")}
                    for x in links if isinstance(x, dict)],
          "images": [{"src": str(x.get("src")), "href": x.get("href"), "alt": x.get("alt")}
                     for x in images if isinstance(x, dict)],
          "custom_details": payload.get("custom_details") if isinstance(payload.get("custom_details"), dict) else {}}
    s.change_events[ce["id"]] = ce
    while len(s.change_events) > MAX_CHANGE_EVENTS:
        s.change_events.popitem(last=False)
    return 202, None


def _linked(s, a, b):
    if a == b:
        return True
    if set(s.services[a]["team_ids"]) & set(s.services[b]["team_ids"]):
        return True
    return any({dep["supporting"], dep["dependent"]} == {("service", a), ("service", b)}
               for dep in s.dependencies.values())


def related_change_events(req):
    s = req.store
    inc = s.find_incident(req.params["id"])
    if inc is None:
        raise not_found("Incident Not Found")
    limit = req.q.int("limit")
    if limit is not None and limit < 1:
        raise invalid("limit must be greater than 0")
    recent, related = [], []
    for ce in s.change_events.values():
        age = inc["created_at"] - ce["timestamp"]
        if age < 0:
            continue
        if inc["service_id"] in ce["service_ids"] and age <= 7 * DAY:
            recent.append(ce)
        elif age <= DAY and any(x in s.services and _linked(s, inc["service_id"], x) for x in ce["service_ids"]):
            related.append(ce)
    recent.sort(key=lambda ce: -ce["timestamp"])
    related.sort(key=lambda ce: -ce["timestamp"])
    items = [(ce, "most_recent") for ce in recent[:3]] + [(ce, "related_service") for ce in related]
    items = items[:min(limit or RELATED_LIMIT, RELATED_LIMIT)]
    return 200, {"change_events": [r.change_event(req.ctx, ce, reason) for ce, reason in items],
                 "limit": limit, "offset": None, "total": None, "more": False}


# ---------------------------------------------------- event orchestrations

SORTS = {"name": lambda o: o["name"].lower(), "routes": lambda o: sum(len(x["rules"]) for x in o["router"]["sets"]),
         "created_at": lambda o: o["created_at"]}


def list_orchestrations(req):
    order = req.q.get("sort_by") or "name:asc"
    field, _, direction = order.partition(":")
    if field not in SORTS or direction not in ("asc", "desc"):
        raise invalid("sort_by must be one of name, routes, created_at with :asc or :desc")
    items = sorted(req.store.orchestrations.values(), key=lambda o: (SORTS[field](o), o["id"]),
                   reverse=direction == "desc")
    return page(req, "orchestrations", [o["id"] for o in items], lambda oid: r.orchestration(req.ctx, oid, False))


def _orchestration(req):
    return get_or_404(req.store.orchestrations, req.params["id"], "Orchestration")


def get_orchestration(req):
    return 200, {"orchestration": r.orchestration(req.ctx, _orchestration(req)["id"])}


def _new_path(req, kind, old, body):
    """Validate a replacement orchestration path; keep known rule IDs."""
    s = req.store
    p = body.get("orchestration_path") if isinstance(body, dict) else None
    if not isinstance(p, dict):
        raise invalid("orchestration_path must be an object")
    sets = p.get("sets")
    if not isinstance(sets, list) or not sets:
        raise invalid("orchestration_path.sets must be a non-empty array")
    if kind == "router" and len(sets) != 1:
        raise invalid("A router has exactly one set")
    if len(sets) > MAX_SETS:
        raise invalid("At most %d sets" % MAX_SETS)
    known = {rule["id"] for st in old["sets"] for rule in st["rules"]}
    set_ids = []
    for st in sets:
        if not isinstance(st, dict) or not isinstance(st.get("id"), str) or not st["id"]:
            raise invalid("every set needs an id")
        if st["id"] in set_ids:
            raise invalid("set ids must be unique")
        set_ids.append(st["id"])
    if set_ids[0] != "start":
        raise invalid("the first set must be 'start'")
    out_sets = []
    for st in sets:
        rules = st.get("rules", [])
        if not isinstance(rules, list) or len(rules) > MAX_RULES:
            raise invalid("rules must be an array of at most %d rules" % MAX_RULES)
        out_rules = []
        for rule in rules:
            if not isinstance(rule, dict):
                raise invalid("every rule must be an object")
            conds = rule.get("conditions", [])
            if not isinstance(conds, list) or not all(isinstance(c, dict) and isinstance(c.get("expression"), str)
                                                      for c in conds):
                raise invalid("conditions must be an array of {expression}")
            actions = rule.get("actions")
            if not isinstance(actions, dict):
                raise invalid("every rule needs actions")
            target = actions.get("route_to")
            if kind == "router":
                if target is None and not isinstance(actions.get("dynamic_route_to"), dict):
                    raise invalid("a router rule needs actions.route_to or actions.dynamic_route_to")
                if target is not None and target not in s.services:
                    raise invalid("route_to %s is not a service" % target)
            elif target is not None and (target not in set_ids or target == st["id"]):
                raise invalid("route_to %s is not another set of this path" % target)
            rid = rule.get("id") if rule.get("id") in known else s.ids.hexkey(8)
            kept = {"label": rule.get("label"), "id": rid, "conditions": [{"expression": c["expression"]}
                                                                           for c in conds],
                    "actions": {k: v for k, v in actions.items() if v is not None},
                    "disabled": bool(rule.get("disabled", False))}
            out_rules.append(kept)
        out_sets.append({"id": st["id"], "rules": out_rules})
    catch_all = p.get("catch_all") or {"actions": {}}
    if not isinstance(catch_all, dict) or not isinstance(catch_all.get("actions", {}), dict):
        raise invalid("catch_all.actions must be an object")
    actions = {k: v for k, v in (catch_all.get("actions") or {}).items() if v is not None}
    if kind == "router":
        target = actions.get("route_to") or "unrouted"
        if target != "unrouted" and target not in s.services:
            raise invalid("catch_all route_to must be 'unrouted' or a service")
        actions["route_to"] = target
    new = dict(old)
    new.update({"sets": out_sets, "catch_all": {"actions": actions}, "updated_at": req.now,
                "updated_by": req.token_user_id or s.current_user_id, "version": s.ids.hexkey(32)})
    return new


def _path_handlers(kind):
    def get(req):
        o = _orchestration(req)
        return 200, {"orchestration_path": r.orchestration_path(req.ctx, kind, o["id"], o[kind])}

    def put(req):
        o = _orchestration(req)
        o[kind] = _new_path(req, kind, o[kind], req.json())
        o["updated_at"], o["updated_by"], o["version"] = req.now, o[kind]["updated_by"], o[kind]["version"]
        return 200, {"orchestration_path": r.orchestration_path(req.ctx, kind, o["id"], o[kind]), "warnings": []}
    return get, put


get_router, update_router = _path_handlers("router")
get_global, update_global = _path_handlers("global")
get_unrouted, update_unrouted = _path_handlers("unrouted")


def _service_path(req):
    s = req.store
    sid = req.params["service_id"]
    get_or_404(s.services, sid, "Service")
    path = s.service_orchestrations.get(sid)
    if path is None:
        svc = s.services[sid]
        path = {"sets": [{"id": "start", "rules": []}], "catch_all": {"actions": {}},
                "created_at": svc["created_at"], "created_by": s.current_user_id, "updated_at": svc["created_at"],
                "updated_by": s.current_user_id, "version": "initial", "active": False}
    return sid, path


def get_service_orchestration(req):
    sid, path = _service_path(req)
    return 200, {"orchestration_path": r.orchestration_path(req.ctx, "service", sid, path)}


def update_service_orchestration(req):
    s = req.store
    sid, path = _service_path(req)
    new = _new_path(req, "service", path, req.json())
    if sid not in s.service_orchestrations:
        s.check_cap(s.service_orchestrations, MAX_OBJECTS, "service orchestrations")
    s.service_orchestrations[sid] = new
    return 200, {"orchestration_path": r.orchestration_path(req.ctx, "service", sid, new), "warnings": []}


def get_service_active(req):
    _, path = _service_path(req)
    return 200, {"active": bool(path.get("active"))}


def update_service_active(req):
    s = req.store
    sid, path = _service_path(req)
    body = body_object(req)
    if not isinstance(body.get("active"), bool):
        raise invalid("active must be a boolean")
    if sid not in s.service_orchestrations:
        s.check_cap(s.service_orchestrations, MAX_OBJECTS, "service orchestrations")
    path["active"] = body["active"]
    s.service_orchestrations[sid] = path
    return 200, {"active": path["active"]}


# ------------------------------------------------- alert grouping settings

AG_TYPES = ("content_based", "content_based_intelligent", "intelligent", "time")


def _cursor(agid):
    return base64.urlsafe_b64encode(("ags:" + agid).encode()).decode().rstrip("=")


def _uncursor(text, ids):
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raw = ""
    if not raw.startswith("ags:") or raw[4:] not in ids:
        raise invalid("after/before is not a valid cursor")
    return ids.index(raw[4:])


def list_alert_grouping_settings(req):
    s = req.store
    svc_ids = set(req.q.list("service_ids"))
    items = [ag for ag in s.alert_grouping.values() if not svc_ids or svc_ids.intersection(ag["service_ids"])]
    items.sort(key=lambda ag: (ag["created_at"], ag["id"]))
    ids = [ag["id"] for ag in items]
    limit, _ = limit_offset(req.q)
    after, before = req.q.get("after"), req.q.get("before")
    if after and before:
        raise invalid("after and before cannot both be given")
    if after:
        lo = _uncursor(after, ids) + 1
        hi = lo + limit
    elif before:
        hi = _uncursor(before, ids)
        lo = max(0, hi - limit)
    else:
        lo, hi = 0, limit
    chunk = items[lo:hi]
    return 200, {"alert_grouping_settings": [r.alert_grouping_setting(req.ctx, ag["id"]) for ag in chunk],
                 "after": _cursor(chunk[-1]["id"]) if chunk and hi < len(items) else None,
                 "before": _cursor(chunk[0]["id"]) if chunk and lo > 0 else None,
                 "limit": limit, "total": len(items) if req.q.bool("total") else None}


def _int_in(config, key, lo, hi, field):
    v = config.get(key)
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        raise invalid("%s.%s must be an integer from %d to %d" % (field, key, lo, hi))
    return v


def _config(kind, config):
    if not isinstance(config, dict):
        raise invalid("config must be an object")
    if kind == "time":
        return {"timeout": _int_in(config, "timeout", 60, 86400, "config")}
    if kind == "intelligent":
        fields = config.get("iag_fields", ["summary"])
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            raise invalid("config.iag_fields must be an array of strings")
        out = {"time_window": _int_in(config, "time_window", 300, 3600, "config"), "iag_fields": fields}
        if config.get("recommended_time_window") is not None:
            out["recommended_time_window"] = config["recommended_time_window"]
        return out
    if config.get("aggregate") not in ("all", "any"):
        raise invalid("config.aggregate must be all or any")
    fields = config.get("fields")
    if not isinstance(fields, list) or not fields or not all(isinstance(f, str) and f for f in fields):
        raise invalid("config.fields must be a non-empty array of strings")
    hi = 86400 if kind == "content_based" else 3600
    return {"aggregate": config["aggregate"], "fields": fields,
            "time_window": _int_in(config, "time_window", 300, hi, "config")}


def _ag_fields(req, ag, body, creating):
    s = req.store
    for key in ("name", "description"):
        if key in body:
            if body[key] is not None and (not isinstance(body[key], str) or len(body[key]) > 255):
                raise invalid("%s must be a string of at most 255 characters" % key)
            ag[key] = body[key]
    if creating or body.get("type") is not None:
        if body.get("type") not in AG_TYPES:
            raise invalid("type must be one of %s" % ", ".join(AG_TYPES))
        ag["type"] = body["type"]
    if creating or body.get("config") is not None or body.get("type") is not None:
        ag["config"] = _config(ag["type"], body.get("config", ag.get("config")))
    if creating or body.get("services") is not None:
        svcs = body.get("services")
        if not isinstance(svcs, list) or not svcs:
            raise invalid("services must be a non-empty array of service references")
        ids = []
        for x in svcs:
            sid = ref_id(x, "services[]")
            if sid not in s.services:
                raise ApiError(400, 5002, "Service Not Found", ["Service %s not found" % sid])
            other = next((o for o in s.alert_grouping.values() if o["id"] != ag.get("id") and sid in o["service_ids"]),
                         None)
            if other is not None:
                raise invalid("Service %s already belongs to alert grouping setting %s" % (sid, other["id"]))
            if sid not in ids:
                ids.append(sid)
        ag["service_ids"] = ids


def get_alert_grouping_setting(req):
    get_or_404(req.store.alert_grouping, req.params["id"], "Alert Grouping Setting")
    return 200, {"alert_grouping_setting": r.alert_grouping_setting(req.ctx, req.params["id"])}


def create_alert_grouping_setting(req):
    s = req.store
    body = req.wrapped("alert_grouping_setting")
    s.check_cap(s.alert_grouping, MAX_OBJECTS, "alert grouping settings")
    ag = {"name": None, "description": None, "created_at": req.now, "updated_at": req.now}
    _ag_fields(req, ag, body, True)
    ag["id"] = s.ids.new()
    s.alert_grouping[ag["id"]] = ag
    return 201, {"alert_grouping_setting": r.alert_grouping_setting(req.ctx, ag["id"])}


def update_alert_grouping_setting(req):
    ag = get_or_404(req.store.alert_grouping, req.params["id"], "Alert Grouping Setting")
    probe = dict(ag)
    _ag_fields(req, probe, req.wrapped("alert_grouping_setting"), False)
    probe["updated_at"] = req.now
    ag.update(probe)
    return 200, {"alert_grouping_setting": r.alert_grouping_setting(req.ctx, ag["id"])}


def delete_alert_grouping_setting(req):
    get_or_404(req.store.alert_grouping, req.params["id"], "Alert Grouping Setting")
    del req.store.alert_grouping[req.params["id"]]
    return 204, None
