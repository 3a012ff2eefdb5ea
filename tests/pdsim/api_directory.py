"""Endpoint handlers for the directory objects and on-call data.

Owns users (`/users`, `/users/me`, `/users/{id}`, create), teams (create,
update, delete) and members (list, add, remove), layer-based (v2) schedules
(list, get with rendered layers/final schedule, users, overrides, create,
update; a shift-based schedule's ID answers 400 pointing at `/v3/schedules`),
escalation policies (list, get, create, update), services (list, get,
create, update), priorities and `/oncalls` (computed from the schedules at
request time by schedule.py). Each handler returns (status, body).
"""

import render as r
import schedule as sched_mod
from api_common import by_name, get_or_404, name_query, page, ref_id, window
from store import MAX_OBJECTS
from util import ApiError, get_tz, invalid, parse_time

DAY = 86400
MAX_MEMBERS = 1000
ACCOUNT_KEY_ME_ERROR = ("Because this request was made using an account-level access token, we were unable "
                        "to determine the user's identity. Please use a user-level token.")


# ----------------------------------------------------------------------- users

def list_users(req):
    s, q = req.store, req.q
    users = name_query(list(s.users.values()), q, ("name", "email"))
    teams = set(q.list("team_ids"))
    if teams:
        users = [u for u in users if teams.intersection(u["team_ids"])]
    return page(req, "users", [u["id"] for u in by_name(users)], lambda uid: r.user(req.ctx, uid))


def get_me(req):
    if req.token_user_id is None:
        err = ApiError(400, 2001, ACCOUNT_KEY_ME_ERROR)
        err.raw = {"error": ACCOUNT_KEY_ME_ERROR}
        raise err
    return 200, {"user": r.user(req.ctx, req.token_user_id)}


def get_user(req):
    get_or_404(req.store.users, req.params["id"], "User")
    return 200, {"user": r.user(req.ctx, req.params["id"])}


# ----------------------------------------------------------------------- teams

def list_teams(req):
    teams = by_name(name_query(list(req.store.teams.values()), req.q))
    return page(req, "teams", [t["id"] for t in teams], lambda tid: r.team(req.ctx, tid))


def get_team(req):
    get_or_404(req.store.teams, req.params["id"], "Team")
    return 200, {"team": r.team(req.ctx, req.params["id"])}


def list_team_members(req):
    team = get_or_404(req.store.teams, req.params["id"], "Team")
    full = req.ctx.inc_("users")
    return page(req, "members", team["members"],
                lambda m: {"user": r.user(req.ctx.plain(), m[0]) if full else r.ref(req.ctx, "user", m[0]),
                           "role": m[1]})


# ------------------------------------------------------------------- schedules

def list_schedules(req):
    s, q = req.store, req.q
    scheds = name_query(list(s.schedules.values()), q)
    teams = set(q.list("team_ids"))
    if teams:
        scheds = [x for x in scheds if teams.intersection(x["team_ids"])]
    parts = tuple(p for p in ("schedule_layers", "overrides_subschedule", "final_schedule") if req.ctx.inc_(p))
    nxt = q.get("include_next_oncall_for_user")
    since, until = window(q, req.ctx.tz, req.now, 14 * DAY, 5 * 366 * DAY)

    def one(sid):
        if parts or nxt:
            return r.schedule_full(req.ctx, sid, since, until, False, parts, nxt, req.now)
        return r.schedule_summary(req.ctx, sid)
    return page(req, "schedules", [x["id"] for x in by_name(scheds)], one)


SHIFT_BASED = ("This schedule is shift-based; use the v3 Schedules API (GET /v3/schedules/%s) "
               "for shift-based schedules")


def _schedule(req):
    if req.params["id"] in req.store.v3_schedules:
        raise ApiError(400, 2001, SHIFT_BASED % req.params["id"])
    return get_or_404(req.store.schedules, req.params["id"], "Schedule")


def get_schedule(req):
    sc = _schedule(req)
    req.ctx.tz = req.q.tz(get_tz(sc["time_zone"]))
    since, until = window(req.q, req.ctx.tz, req.now, 14 * DAY, 5 * 366 * DAY)
    return 200, {"schedule": r.schedule_full(req.ctx, sc["id"], since, until, req.q.bool("overflow"),
                                             next_for_user=req.q.get("include_next_oncall_for_user"), now=req.now)}


def list_schedule_users(req):
    s = req.store
    sc = _schedule(req)
    if not req.q.has("since") and not req.q.has("until"):
        uids = s.schedule_user_ids(sc)
    else:
        since, until = window(req.q, req.ctx.tz, req.now, 14 * DAY, 5 * 366 * DAY)
        uids = []
        for _, _, u in sched_mod.entries(s, sc, since, until, False):
            if u not in uids:
                uids.append(u)
    return 200, {"users": [r.user(req.ctx, u) for u in uids]}


def list_overrides(req):
    sc = _schedule(req)
    if not req.q.get("since") or not req.q.get("until"):
        raise invalid("since and until are required")
    since, until = window(req.q, req.ctx.tz, req.now, 14 * DAY)
    editable = req.q.bool("editable")
    overflow = req.q.bool("overflow")
    out = []
    for ov in sorted(req.store.overrides.get(sc["id"], []), key=lambda o: o["start"]):
        if ov["end"] <= since or ov["start"] >= until:
            continue
        if editable and ov["end"] <= req.now:
            continue
        shown = ov if overflow else dict(ov, start=max(ov["start"], since), end=min(ov["end"], until))
        out.append(r.override(req.ctx, shown))
    return 200, {"overrides": out}


def _override_from_body(req, sc, body):
    """(override dict for the reply, error list); creates the override when valid."""
    s = req.store
    errors = []
    tz = req.ctx.tz
    if isinstance(body.get("time_zone"), str):
        try:
            tz = get_tz(body["time_zone"])
        except ValueError:
            errors.append("time_zone is not a valid time zone")
    times = {}
    for field in ("start", "end"):
        try:
            times[field] = parse_time(body.get(field), tz) if isinstance(body.get(field), str) else None
        except ValueError:
            times[field] = None
        if times[field] is None:
            errors.append("%s must be an ISO 8601 time" % field)
    uid = body.get("user", {}).get("id") if isinstance(body.get("user"), dict) else None
    if uid not in s.users:
        errors.append("User not found")
    if not errors and times["end"] <= times["start"]:
        errors.append("Override must end after its start")
    shown = {"start": body.get("start"), "end": body.get("end"),
             "user": r.ref(req.ctx, "user", uid) if uid in s.users else body.get("user")}
    if errors:
        return shown, errors
    ov = s.add_override(sc["id"], times["start"], times["end"], uid)
    if ov is None:
        return shown, ["Too many overrides on this schedule"]
    return r.override(req.ctx, ov), None


def create_overrides(req):
    sc = _schedule(req)
    body = req.json()
    if isinstance(body, dict) and isinstance(body.get("override"), dict):
        shown, errors = _override_from_body(req, sc, body["override"])
        if errors:
            raise ApiError(400, 4004, "Invalid Override", errors)
        return 201, {"override": shown}
    items = body.get("overrides") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise invalid("overrides must be a non-empty array")
    if len(items) > 100:
        raise invalid("At most 100 overrides can be created at once")
    out = []
    for item in items:
        shown, errors = _override_from_body(req, sc, item if isinstance(item, dict) else {})
        out.append({"status": 201, "override": shown} if not errors
                   else {"status": 400, "errors": errors, "override": shown})
    return 201, out


def delete_override(req):
    sc = _schedule(req)
    lst = req.store.overrides.get(sc["id"], [])
    ov = next((o for o in lst if o["id"] == req.params["override_id"]), None)
    if ov is None:
        raise ApiError(404, 4004, "Override Not Found")
    if ov["start"] < req.now < ov["end"]:
        ov["end"] = req.now
        return 200, {"override": r.override(req.ctx, ov)}
    lst.remove(ov)
    return 204, None


# --------------------------------------------------------- escalation policies

def list_escalation_policies(req):
    s, q = req.store, req.q
    eps = name_query(list(s.escalation_policies.values()), q)
    teams, users = set(q.list("team_ids")), set(q.list("user_ids"))
    if teams:
        eps = [e for e in eps if teams.intersection(e["team_ids"])]
    if users:
        def targets_users(ep):
            for rule in ep["rules"]:
                for kind, tid in rule["targets"]:
                    ids = [tid] if kind == "user" else s.schedule_user_ids_any(kind, tid)
                    if users.intersection(ids):
                        return True
            return False
        eps = [e for e in eps if targets_users(e)]
    return page(req, "escalation_policies", [e["id"] for e in by_name(eps, q)],
                lambda eid: r.escalation_policy(req.ctx, eid))


def get_escalation_policy(req):
    get_or_404(req.store.escalation_policies, req.params["id"], "Escalation Policy")
    return 200, {"escalation_policy": r.escalation_policy(req.ctx, req.params["id"])}


# -------------------------------------------------------------------- services

def list_services(req):
    s, q = req.store, req.q
    svcs = name_query(list(s.services.values()), q)
    if q.get("name"):
        svcs = [x for x in svcs if x["name"].lower() == q.get("name").lower()]
    teams = set(q.list("team_ids"))
    if teams:
        svcs = [x for x in svcs if teams.intersection(x["team_ids"])]
    return page(req, "services", [x["id"] for x in by_name(svcs, q)], lambda sid: r.service(req.ctx, sid))


def get_service(req):
    get_or_404(req.store.services, req.params["id"], "Service")
    return 200, {"service": r.service(req.ctx, req.params["id"])}


# ------------------------------------------------------------------ priorities

def list_priorities(req):
    prios = sorted(req.store.priorities.values(), key=lambda p: p["order"])
    return page(req, "priorities", [p["id"] for p in prios], lambda pid: r.priority(req.ctx, pid))


# --------------------------------------------------------------------- oncalls

def list_oncalls(req):
    q = req.q
    since, until = q.time("since", req.ctx.tz), q.time("until", req.ctx.tz)
    if since is None:
        since = req.now if until is None or until >= req.now else until
    if until is None:
        until = max(since, req.now)
    if until < since:
        raise invalid("until must not be before since", code=2005, message="Invalid Query Date Range")
    if until - since > 90 * DAY:
        raise invalid("The range cannot exceed 90 days", code=2005, message="Invalid Query Date Range")
    recs = sched_mod.oncalls(req.store, since, until, set(q.list("escalation_policy_ids")),
                             set(q.list("schedule_ids")), set(q.list("user_ids")), q.bool("earliest"))
    return page(req, "oncalls", recs, lambda rec: r.oncall(req.ctx, rec))



# ------------------------------------------------------------------- writing

ROLES = ("admin", "limited_user", "observer", "owner", "read_only_user", "restricted_access",
         "read_only_limited_user", "user")
MEMBER_ROLES = ("observer", "responder", "manager")
COLORS = ("green", "red", "purple", "blue", "teal", "orange", "brown", "turquoise", "dark-slate-blue")


def _kind_check(body, kind):
    """`type` is required by the spec, but the official MCP server leaves it out:
    a missing type is accepted, a wrong one is a 400."""
    if body.get("type") not in (None, kind):
        raise invalid("type must be '%s'" % kind)


def _text(body, key, required=False, maxlen=1024):
    v = body.get(key)
    if v is None:
        if required:
            raise invalid("%s is required" % key)
        return None
    if not isinstance(v, str) or (required and not v.strip()) or len(v) > maxlen:
        raise invalid("%s must be a string of at most %d characters" % (key, maxlen))
    return v


def _unique_name(table, name, skip=None):
    for obj in table.values():
        if obj["id"] != skip and obj["name"].lower() == name.lower():
            raise invalid("Name has already been taken")


def _team_ids(s, value, field="teams"):
    if value is None:
        return None
    if not isinstance(value, list):
        raise invalid("%s must be an array of team references" % field)
    out = []
    for t in value:
        tid = ref_id(t, field + "[]")
        if tid not in s.teams:
            raise ApiError(400, 6001, "Team Not Found", ["Team %s not found" % tid])
        if tid not in out:
            out.append(tid)
    return out


def create_user(req):
    s = req.store
    body = req.wrapped("user")
    _kind_check(body, "user")
    name = _text(body, "name", True, 100)
    email = _text(body, "email", True, 254)
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise invalid("email is not a valid email address")
    if s.user_by_email(email) is not None:
        raise invalid("Email has already been taken")
    role = body.get("role") or "user"
    if role not in ROLES:
        raise invalid("role must be one of %s" % ", ".join(ROLES))
    tz = body.get("time_zone") or "Etc/UTC"
    try:
        get_tz(tz)
    except ValueError:
        raise invalid("time_zone is not a valid time zone") from None
    color = body.get("color") or COLORS[len(s.users) % len(COLORS)]
    s.check_cap(s.users, MAX_OBJECTS, "users")
    uid = s.ids.new()
    method = {"id": s.ids.new(), "type": "email_contact_method", "label": "Default", "address": email,
              "send_short_email": False}
    s.users[uid] = {"id": uid, "name": name, "email": email, "time_zone": tz, "color": color, "role": role,
                    "description": _text(body, "description") or "", "job_title": _text(body, "job_title") or "",
                    "invitation_sent": False, "team_ids": [], "contact_methods": [method],
                    "notification_rules": [{"id": s.ids.new(), "start_delay_in_minutes": 0,
                                            "contact_method_id": method["id"], "urgency": "high",
                                            "created_at": req.now}]}
    return 201, {"user": r.user(req.ctx, uid)}


def create_team(req):
    s = req.store
    body = req.wrapped("team")
    _kind_check(body, "team")
    name = _text(body, "name", True, 100)
    _unique_name(s.teams, name)
    role = body.get("default_role") or "manager"
    if role not in ("manager", "none"):
        raise invalid("default_role must be 'manager' or 'none'")
    s.check_cap(s.teams, MAX_OBJECTS, "teams")
    tid = s.ids.new()
    s.teams[tid] = {"id": tid, "name": name, "description": _text(body, "description") or "",
                    "default_role": role, "members": []}
    return 201, {"team": r.team(req.ctx, tid)}


def update_team(req):
    s = req.store
    team = get_or_404(s.teams, req.params["id"], "Team")
    body = req.wrapped("team")
    _kind_check(body, "team")
    if body.get("name") is not None:
        name = _text(body, "name", True, 100)
        _unique_name(s.teams, name, team["id"])
        team["name"] = name
    if body.get("description") is not None:
        team["description"] = _text(body, "description")
    if body.get("default_role") is not None:
        if body["default_role"] not in ("manager", "none"):
            raise invalid("default_role must be 'manager' or 'none'")
        team["default_role"] = body["default_role"]
    return 200, {"team": r.team(req.ctx, team["id"])}


def delete_team(req):
    s = req.store
    team = get_or_404(s.teams, req.params["id"], "Team")
    to = req.q.get("reassignment_team")
    if to is not None and (to not in s.teams or to == team["id"]):
        raise ApiError(400, 6001, "Team Not Found", ["reassignment_team %s not found" % to])
    s.delete_team(team["id"], to)
    return 204, None


def add_team_member(req):
    s = req.store
    team = get_or_404(s.teams, req.params["id"], "Team")
    get_or_404(s.users, req.params["user_id"], "User")
    role = None
    if req.raw_body:
        body = req.json()
        if not isinstance(body, dict):
            raise invalid("The request body must be an object")
        role = body.get("role")
    if role is None:
        role = "manager" if team["default_role"] == "manager" else "responder"
    if role not in MEMBER_ROLES:
        raise invalid("role must be one of %s" % ", ".join(MEMBER_ROLES))
    if len(team["members"]) >= MAX_MEMBERS:
        raise ApiError(400, 2019, "Product Limit Reached", ["A team can have at most %d members" % MAX_MEMBERS])
    s.add_team_member(team["id"], req.params["user_id"], role)
    return 204, None


def remove_team_member(req):
    s = req.store
    team = get_or_404(s.teams, req.params["id"], "Team")
    get_or_404(s.users, req.params["user_id"], "User")
    s.remove_team_member(team["id"], req.params["user_id"])
    return 204, None


def _service_fields(req, svc, body, creating):
    s = req.store
    if creating or body.get("name") is not None:
        name = _text(body, "name", True, 255)
        _unique_name(s.services, name, svc.get("id"))
        svc["name"] = name
    if body.get("description") is not None:
        svc["description"] = _text(body, "description")
    if creating or body.get("escalation_policy") is not None:
        ep_id = ref_id(body.get("escalation_policy"), "escalation_policy")
        if ep_id not in s.escalation_policies:
            raise ApiError(400, 1014, "Escalation Policy Not Found", ["Escalation policy %s not found" % ep_id])
        svc["ep_id"] = ep_id
    teams = _team_ids(s, body.get("teams"))
    if teams is not None:
        svc["team_ids"] = teams
    for key in ("auto_resolve_timeout", "acknowledgement_timeout"):
        if body.get(key) is not None:
            v = body[key]
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise invalid("%s must be a non-negative integer (seconds)" % key)
            svc[key] = v or None
    if body.get("alert_creation") is not None:
        if body["alert_creation"] not in ("create_incidents", "create_alerts_and_incidents"):
            raise invalid("alert_creation must be create_incidents or create_alerts_and_incidents")
        svc["alert_creation"] = body["alert_creation"]
    if body.get("incident_urgency_rule") is not None:
        rule = body["incident_urgency_rule"]
        if not isinstance(rule, dict) or rule.get("type") not in ("constant", "use_support_hours"):
            raise invalid("incident_urgency_rule.type must be constant or use_support_hours")
        svc["urgency_rule"] = rule
    status = body.get("status")
    if status is not None:
        if status not in ("active", "disabled"):
            raise invalid("status can only be set to 'active' or 'disabled'")
        if status == "disabled":
            svc["fixed_status"] = "disabled"
        elif svc.get("fixed_status") == "disabled":
            svc["fixed_status"] = None


def create_service(req):
    s = req.store
    body = req.wrapped("service")
    _kind_check(body, "service")
    s.check_cap(s.services, MAX_OBJECTS, "services")
    svc = {"description": "", "team_ids": [], "created_at": req.now, "updated_at": req.now, "fixed_status": None,
           "integration": None}
    _service_fields(req, svc, body, True)
    if not svc["team_ids"]:
        svc["team_ids"] = list(s.escalation_policies[svc["ep_id"]]["team_ids"])
    svc["id"] = s.ids.new()
    s.services[svc["id"]] = svc
    return 201, {"service": r.service(req.ctx, svc["id"])}


def update_service(req):
    s = req.store
    svc = get_or_404(s.services, req.params["id"], "Service")
    body = req.wrapped("service")
    _kind_check(body, "service")
    _service_fields(req, svc, body, False)
    svc["updated_at"] = req.now
    return 200, {"service": r.service(req.ctx, svc["id"])}


TARGET_TYPES = {"user_reference": "user", "user": "user", "schedule_reference": "schedule", "schedule": "schedule",
                "schedule_v3_reference": "schedule_v3"}
STRATEGIES = ("round_robin", "assign_to_everyone")


def _ep_rules(req, value, old_rules):
    s = req.store
    if not isinstance(value, list) or not value:
        raise invalid("escalation_rules must be a non-empty array")
    if len(value) > 20:
        raise invalid("An escalation policy can have at most 20 rules")
    known = {r_["id"] for r_ in old_rules}
    rules = []
    for i, rule in enumerate(value):
        if not isinstance(rule, dict):
            raise invalid("escalation_rules[%d] must be an object" % i)
        delay = rule.get("escalation_delay_in_minutes")
        if not isinstance(delay, int) or isinstance(delay, bool) or delay < 1:
            raise invalid("escalation_rules[%d].escalation_delay_in_minutes must be a positive integer" % i)
        targets = rule.get("targets")
        if not isinstance(targets, list) or not 1 <= len(targets) <= 10:
            raise invalid("escalation_rules[%d].targets must hold 1 to 10 targets" % i)
        out = []
        for t in targets:
            kind = TARGET_TYPES.get(t.get("type")) if isinstance(t, dict) else None
            if kind is None or not isinstance(t.get("id"), str):
                raise invalid("targets need an id and a type of user_reference, schedule_reference or "
                              "schedule_v3_reference")
            table = {"user": s.users, "schedule": s.schedules, "schedule_v3": s.v3_schedules}[kind]
            if t["id"] not in table:
                raise invalid("%s %s not found" % (t["type"], t["id"]))
            if (kind, t["id"]) not in out:
                out.append((kind, t["id"]))
        strategy = rule.get("escalation_rule_assignment_strategy") or "assign_to_everyone"
        if isinstance(strategy, dict):
            strategy = strategy.get("type")
        if strategy not in STRATEGIES:
            raise invalid("escalation_rule_assignment_strategy must be round_robin or assign_to_everyone")
        rid = rule.get("id") if rule.get("id") in known else s.ids.new()
        rules.append({"id": rid, "delay": delay, "targets": out, "strategy": strategy})
    return rules


def _ep_fields(req, ep, body, creating):
    s = req.store
    if creating or body.get("name") is not None:
        name = _text(body, "name", True, 255)
        _unique_name(s.escalation_policies, name, ep.get("id"))
        ep["name"] = name
    if body.get("description") is not None:
        ep["description"] = _text(body, "description")
    if creating or body.get("escalation_rules") is not None:
        ep["rules"] = _ep_rules(req, body.get("escalation_rules"), ep.get("rules", []))
    if body.get("num_loops") is not None:
        n = body["num_loops"]
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= 9:
            raise invalid("num_loops must be an integer from 0 to 9")
        ep["num_loops"] = n
    if body.get("on_call_handoff_notifications") is not None:
        if body["on_call_handoff_notifications"] not in ("if_has_services", "always"):
            raise invalid("on_call_handoff_notifications must be if_has_services or always")
        ep["on_call_handoff_notifications"] = body["on_call_handoff_notifications"]
    teams = _team_ids(s, body.get("teams"))
    if teams is not None:
        ep["team_ids"] = teams


def create_escalation_policy(req):
    s = req.store
    body = req.wrapped("escalation_policy")
    _kind_check(body, "escalation_policy")
    s.check_cap(s.escalation_policies, MAX_OBJECTS, "escalation policies")
    ep = {"description": "", "num_loops": 0, "on_call_handoff_notifications": "if_has_services", "team_ids": []}
    _ep_fields(req, ep, body, True)
    ep["id"] = s.ids.new()
    s.escalation_policies[ep["id"]] = ep
    return 201, {"escalation_policy": r.escalation_policy(req.ctx, ep["id"])}


def update_escalation_policy(req):
    s = req.store
    ep = get_or_404(s.escalation_policies, req.params["id"], "Escalation Policy")
    body = req.wrapped("escalation_policy")
    _kind_check(body, "escalation_policy")
    _ep_fields(req, ep, body, False)
    return 200, {"escalation_policy": r.escalation_policy(req.ctx, ep["id"])}


def _tod(value, field):
    parts = value.split(":") if isinstance(value, str) else []
    if len(parts) != 3 or not all(p.isdigit() and len(p) == 2 for p in parts) or int(parts[0]) > 23 \
            or int(parts[1]) > 59 or int(parts[2]) > 59:
        raise invalid("%s must be HH:MM:SS" % field)
    return value


def _layers(req, value, tz, old_layers):
    s = req.store
    if not isinstance(value, list) or not value:
        raise invalid("schedule_layers must be a non-empty array")
    if len(value) > 20:
        raise invalid("A schedule can have at most 20 layers")
    known = {l_["id"] for l_ in old_layers}
    layers = []
    for i, layer in enumerate(value):
        if not isinstance(layer, dict):
            raise invalid("schedule_layers[%d] must be an object" % i)
        try:
            start = parse_time(layer.get("start"), tz)
            rvs = parse_time(layer.get("rotation_virtual_start"), tz)
            end = parse_time(layer["end"], tz) if layer.get("end") else None
        except (ValueError, TypeError, AttributeError):
            raise invalid("schedule_layers[%d]: start, rotation_virtual_start and end must be ISO 8601 times" % i) \
                from None
        if end is not None and end <= start:
            raise invalid("schedule_layers[%d]: end must be after start" % i)
        turn = layer.get("rotation_turn_length_seconds")
        if not isinstance(turn, int) or isinstance(turn, bool) or not 3600 <= turn <= 365 * DAY:
            raise invalid("schedule_layers[%d].rotation_turn_length_seconds must be 3600 .. 31536000" % i)
        users = layer.get("users")
        if not isinstance(users, list) or not 1 <= len(users) <= 100:
            raise invalid("schedule_layers[%d].users must hold 1 to 100 users" % i)
        uids = []
        for u in users:
            uid = ref_id(u.get("user") if isinstance(u, dict) else None, "users[].user")
            if uid not in s.users:
                raise invalid("User %s not found" % uid)
            uids.append(uid)
        restrictions = []
        for rs in layer.get("restrictions") or []:
            if not isinstance(rs, dict) or rs.get("type") not in ("daily_restriction", "weekly_restriction"):
                raise invalid("restriction type must be daily_restriction or weekly_restriction")
            dur = rs.get("duration_seconds")
            if not isinstance(dur, int) or isinstance(dur, bool) or not 0 < dur <= 7 * DAY:
                raise invalid("restriction duration_seconds must be 1 .. 604800")
            out = {"type": rs["type"], "start_time_of_day": _tod(rs.get("start_time_of_day"), "start_time_of_day"),
                   "duration_seconds": dur}
            if rs["type"] == "weekly_restriction":
                day = rs.get("start_day_of_week")
                if not isinstance(day, int) or not 1 <= day <= 7:
                    raise invalid("start_day_of_week must be 1 (Monday) .. 7 (Sunday)")
                out["start_day_of_week"] = day
            restrictions.append(out)
        lid = layer.get("id") if layer.get("id") in known else s.ids.new()
        layers.append({"id": lid, "name": layer.get("name") or "Layer %d" % (i + 1), "start": start, "end": end,
                       "rvs": rvs, "turn": turn, "users": uids, "restrictions": restrictions})
    return layers


def _schedule_fields(req, sc, body, creating):
    tz_name = body.get("time_zone")
    if tz_name is None and not creating:
        tz_name = sc["time_zone"]
    try:
        tz = get_tz(tz_name)
        if not isinstance(tz_name, str):
            raise ValueError
    except ValueError:
        raise invalid("time_zone must be a valid time zone") from None
    sc["time_zone"] = tz_name
    if creating or body.get("name") is not None:
        sc["name"] = _text(body, "name", creating, 255) or "Schedule"
    if body.get("description") is not None:
        sc["description"] = _text(body, "description")
    if creating or body.get("schedule_layers") is not None:
        sc["layers"] = _layers(req, body.get("schedule_layers"), tz, sc.get("layers", []))


def _schedule_reply(req, sid):
    req.ctx.tz = req.q.tz(get_tz(req.store.schedules[sid]["time_zone"]))
    since, until = window(req.q, req.ctx.tz, req.now, 14 * DAY, 5 * 366 * DAY)
    return r.schedule_full(req.ctx, sid, since, until, req.q.bool("overflow"))


def create_schedule(req):
    s = req.store
    body = req.wrapped("schedule")
    _kind_check(body, "schedule")
    s.check_cap(s.schedules, MAX_OBJECTS, "schedules")
    sc = {"description": "", "team_ids": []}
    _schedule_fields(req, sc, body, True)
    sc["id"] = s.ids.new()
    s.schedules[sc["id"]] = sc
    return 201, {"schedule": _schedule_reply(req, sc["id"])}


def update_schedule(req):
    sc = _schedule(req)
    body = req.wrapped("schedule")
    _kind_check(body, "schedule")
    _schedule_fields(req, sc, body, False)
    return 200, {"schedule": _schedule_reply(req, sc["id"])}
