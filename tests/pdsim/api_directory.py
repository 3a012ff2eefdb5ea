"""Endpoint handlers for the directory objects and on-call data.

Owns users (`/users`, `/users/me`, `/users/{id}`), teams and members,
schedules (list, get with rendered layers/final schedule, users, overrides),
escalation policies, services, priorities and `/oncalls` (computed from the
schedules at request time by schedule.py). Only schedule overrides write.
Each handler returns (status, body).
"""

import render as r
import schedule as sched_mod
from api_common import by_name, get_or_404, name_query, page, window
from util import ApiError, get_tz, invalid, parse_time

DAY = 86400
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


def _schedule(req):
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
                    ids = [tid] if kind == "user" else s.schedule_user_ids(s.schedules[tid])
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

