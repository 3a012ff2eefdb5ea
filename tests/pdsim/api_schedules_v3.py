"""Endpoint handlers for shift-based (v3) schedules: `/v3/schedules/...`.

Owns schedules (list, get with the computed final schedule, create, update,
delete), rotations (list, get, create, delete), rotation events (list, get,
create, update, delete), custom shifts and overrides (list in a time range,
get, create in bulk, update, delete). The shift maths is schedule_v3.py; the
on-call side (an escalation policy targeting a `schedule_v3_reference`) is in
schedule.py. Validation errors use the v3 error body, whose `errors` maps a
field path to messages. Limits (spec): 5 events per rotation, events of a
rotation must not overlap, at most 20 members per event; the simulator also
caps rotations (20), custom shifts and overrides (1,000 each) per schedule
and v3 schedules in all (2,000). Each handler returns (status, body).
"""

import data
import render as r
import schedule_v3
from api_common import body_object, page
from store import MAX_OBJECTS
from util import ApiError, get_tz, invalid_fields, not_found, parse_time

MAX_ROTATIONS = 20
MAX_EVENTS = 5
MAX_MEMBERS = 20
MAX_SHIFTS = 1000
MAX_RANGE = 366 * 86400
STRATEGIES = ("rotating_member_assignment_strategy", "every_member_assignment_strategy")
# stored field -> request field, for "only effective_until can change on an active event"
EVENT_FIELDS = {"name": "name", "start": "start_time", "start_tz": "start_time", "end": "end_time",
                "end_tz": "end_time", "effective_since": "effective_since", "recurrence": "recurrence",
                "strategy": "assignment_strategy"}


# --------------------------------------------------------------- lookups

def _schedule(req):
    sc = req.store.v3_schedules.get(req.params["id"])
    if sc is None:
        raise not_found("Schedule not found")
    return sc


def _rotation(req, sc):
    rot = sc["rotations"].get(req.params["rotation_id"])
    if rot is None:
        raise not_found("Rotation not found")
    return rot


def _wrapped(req, key):
    body = body_object(req)
    if not isinstance(body.get(key), dict):
        raise invalid_fields({key: "must be an object"})
    return body[key]


def _time(value, field, tz=None):
    if not isinstance(value, str):
        raise invalid_fields({field: "must be an ISO 8601 date-time"})
    try:
        return parse_time(value, tz) if tz else parse_time(value)
    except ValueError:
        raise invalid_fields({field: "must be an ISO 8601 date-time"}) from None


def _tz(value, field):
    try:
        if not isinstance(value, str) or not value:
            raise ValueError
        get_tz(value)
    except ValueError:
        raise invalid_fields({field: "must be an IANA time zone"}) from None
    return value


def _member(value, field, s, allow_empty=True):
    if not isinstance(value, dict) or value.get("type") not in ("user_member", "empty_member"):
        raise invalid_fields({field: "must be a user_member or empty_member"})
    if value["type"] == "empty_member":
        if not allow_empty:
            raise invalid_fields({field: "must be a user_member"})
        return {"type": "empty_member"}
    if value.get("user_id") not in s.users:
        raise invalid_fields({field + ".user_id": "must be a user of the account"})
    return {"type": "user_member", "user_id": value["user_id"]}


def _range(req, required):
    since, until = req.q.get("since"), req.q.get("until")
    if required and (not since or not until):
        raise invalid_fields({"since": "is required", "until": "is required"})
    if not since and not until:
        return None
    if not since or not until:
        missing, given = ("since", "until") if not since else ("until", "since")
        raise invalid_fields({missing: "is required with %s" % given})
    a, b = _time(since, "since", req.ctx.tz), _time(until, "until", req.ctx.tz)
    if b <= a:
        raise invalid_fields({"until": "must be after since"})
    if b - a > MAX_RANGE:
        raise invalid_fields({"until": "the range cannot exceed 366 days"})
    return a, b


# ------------------------------------------------------------- schedules

def list_schedules(req):
    s = req.store
    text = (req.q.get("query") or "").lower()
    teams = set(req.q.list("team_ids"))
    items = [x for x in s.v3_schedules.values()
             if (not text or text in x["name"].lower()) and (not teams or teams.intersection(x["team_ids"]))]
    items.sort(key=lambda x: x["name"].lower())
    return page(req, "schedules", [x["id"] for x in items], lambda sid: r.schedule_v3_ref(req.ctx, sid),
                default=100, maximum=1000, total_key=False)


def _reject_nested(body):
    """`rotations` and `escalation_policies` are rejected; null or empty counts as absent."""
    bad = {k: "is not accepted; use the rotation endpoints" for k in ("rotations", "escalation_policies")
           if body.get(k)}
    if bad:
        raise invalid_fields({"schedule." + k: v for k, v in bad.items()})


def _teams(s, value):
    if not isinstance(value, list):
        raise invalid_fields({"schedule.teams": "must be an array of team references"})
    out = []
    for t in value:
        if not isinstance(t, dict) or t.get("id") not in s.teams:
            raise invalid_fields({"schedule.teams": "must reference teams of the account"})
        if t["id"] not in out:
            out.append(t["id"])
    return out


def _meta(body, sc, creating):
    if creating or body.get("name") is not None:
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 255:
            raise invalid_fields({"schedule.name": "must be 1 to 255 characters"})
        sc["name"] = name
    if creating or body.get("time_zone") is not None:
        sc["time_zone"] = _tz(body.get("time_zone"), "schedule.time_zone")
    if body.get("description") is not None:
        if not isinstance(body["description"], str) or len(body["description"]) > 1024:
            raise invalid_fields({"schedule.description": "must be at most 1024 characters"})
        sc["description"] = body["description"]


def create_schedule(req):
    s = req.store
    body = _wrapped(req, "schedule")
    _reject_nested(body)
    probe = {"description": ""}
    _meta(body, probe, True)
    teams = _teams(s, body["teams"]) if body.get("teams") is not None else []
    s.check_cap(s.v3_schedules, MAX_OBJECTS, "v3 schedules")
    sc = data.new_v3_schedule(s, probe["name"], probe["time_zone"], probe["description"], teams, req.now)
    return 201, {"schedule": r.schedule_v3(req.ctx, sc["id"])}


def get_schedule(req):
    sc = _schedule(req)
    req.ctx.tz = req.q.tz()
    includes = req.ctx.includes
    rng = _range(req, False)
    final = None
    if "final_schedule" in includes and rng is not None:
        final = (rng[0], rng[1], req.q.bool("overflow"))
    return 200, {"schedule": r.schedule_v3(req.ctx, sc["id"], final=final, users="users" in includes)}


def update_schedule(req):
    sc = _schedule(req)
    body = _wrapped(req, "schedule")
    _reject_nested(body)
    probe = dict(sc)
    _meta(body, probe, False)
    sc.update({k: probe[k] for k in ("name", "time_zone", "description")})
    return 200, {"schedule": r.schedule_v3(req.ctx, sc["id"])}


def delete_schedule(req):
    s = req.store
    sc = _schedule(req)
    eps = s.eps_of_schedule(sc["id"], "schedule_v3")
    if eps:
        raise ApiError(400, 2001, "Invalid Request",
                       {"schedule": ["is used by escalation policies %s" % ", ".join(eps)]})
    del s.v3_schedules[sc["id"]]
    return 204, None


# ------------------------------------------------------------- rotations

def list_rotations(req):
    sc = _schedule(req)
    return page(req, "rotations", list(sc["rotations"].values()), lambda rot: r.rotation(req.ctx, sc["id"], rot))


def create_rotation(req):
    s = req.store
    sc = _schedule(req)
    if req.raw_body.strip():
        body = body_object(req)
        if body:
            raise invalid_fields({"rotation": "the request body must be empty or {}"})
    if len(sc["rotations"]) >= MAX_ROTATIONS:
        raise invalid_fields({"schedule.rotations": "at most %d rotations per schedule" % MAX_ROTATIONS})
    rot = {"id": s.ids.long26(), "events": {}}
    sc["rotations"][rot["id"]] = rot
    return 201, {"rotation": r.rotation(req.ctx, sc["id"], rot)}


def get_rotation(req):
    sc = _schedule(req)
    return 200, {"rotation": r.rotation(req.ctx, sc["id"], _rotation(req, sc))}


def delete_rotation(req):
    sc = _schedule(req)
    rot = _rotation(req, sc)
    del sc["rotations"][rot["id"]]
    for oid in [o["id"] for o in sc["overrides"].values() if o.get("rotation_id") == rot["id"]]:
        del sc["overrides"][oid]
    return 204, None


# ---------------------------------------------------------------- events

def _event_fields(req, body, ev, partial):
    """Validate `body` (an `event` object) into the stored event `ev`."""
    s = req.store
    errors = {}

    def want(key):
        return not partial or body.get(key) is not None
    if want("name"):
        if not isinstance(body.get("name"), str) or not body["name"].strip():
            errors["event.name"] = ["is required"]
        else:
            ev["name"] = body["name"]
    for key in ("start_time", "end_time"):
        if want(key):
            v = body.get(key)
            if not isinstance(v, dict):
                errors["event." + key] = ["must be {date_time, time_zone}"]
                continue
            try:
                tz_name = _tz(v.get("time_zone"), "event.%s.time_zone" % key)
                ev[key[:-5]] = _time(v.get("date_time"), "event.%s.date_time" % key, get_tz(tz_name))
                ev[key[:-5] + "_tz"] = tz_name
            except ApiError as exc:
                errors.update(exc.errors)
    if want("effective_since"):
        try:
            ev["effective_since"] = _time(body.get("effective_since"), "event.effective_since")
        except ApiError as exc:
            errors.update(exc.errors)
    if "effective_until" in body and (not partial or "effective_until" in body):
        try:
            ev["effective_until"] = (None if body["effective_until"] is None
                                     else _time(body["effective_until"], "event.effective_until"))
        except ApiError as exc:
            errors.update(exc.errors)
    elif not partial:
        ev["effective_until"] = None
    if want("assignment_strategy"):
        st = body.get("assignment_strategy")
        if not isinstance(st, dict) or st.get("type") not in STRATEGIES:
            errors["event.assignment_strategy.type"] = ["must be one of %s" % ", ".join(STRATEGIES)]
        else:
            members = st.get("members")
            per = st.get("shifts_per_member")
            if not isinstance(members, list) or not 1 <= len(members) <= MAX_MEMBERS:
                errors["event.assignment_strategy.members"] = ["must hold 1 to %d members" % MAX_MEMBERS]
            elif per is not None and (not isinstance(per, int) or isinstance(per, bool) or per < 1):
                errors["event.assignment_strategy.shifts_per_member"] = ["must be a positive integer"]
            else:
                if st["type"] == STRATEGIES[0]:
                    per = per or 1
                else:
                    per = None
                try:
                    ev["strategy"] = {"type": st["type"], "shifts_per_member": per,
                                      "members": [_member(m, "event.assignment_strategy.members", s) for m in members]}
                except ApiError as exc:
                    errors.update(exc.errors)
    if want("recurrence"):
        try:
            ev["rule"] = schedule_v3.parse_recurrence(body.get("recurrence"), ev.get("start_tz") or "Etc/UTC")
            ev["recurrence"] = list(body["recurrence"])
        except schedule_v3.RecurrenceError as exc:
            errors["event.recurrence"] = [str(exc)]
    if errors:
        raise ApiError(400, 2001, "Invalid Request", errors)
    if ev["end"] <= ev["start"]:
        raise invalid_fields({"event.end_time": "must be after start_time"})


def _no_overlap(rot, ev):
    for other in rot["events"].values():
        if other["id"] == ev["id"]:
            continue
        a_end = ev["effective_until"] if ev["effective_until"] is not None else float("inf")
        b_end = other["effective_until"] if other["effective_until"] is not None else float("inf")
        if ev["effective_since"] < b_end and other["effective_since"] < a_end:
            raise invalid_fields({"rotation.events": "events of a rotation cannot overlap (event %s)" % other["id"]})


def list_events(req):
    sc = _schedule(req)
    rot = _rotation(req, sc)
    evs = sorted(rot["events"].values(), key=lambda e: e["start"])
    return page(req, "events", evs, lambda ev: r.v3_event(req.ctx, sc["id"], rot["id"], ev))


def _event(req, rot):
    ev = rot["events"].get(req.params["event_id"])
    if ev is None:
        raise not_found("Event not found")
    return ev


def get_event(req):
    sc = _schedule(req)
    rot = _rotation(req, sc)
    return 200, {"event": r.v3_event(req.ctx, sc["id"], rot["id"], _event(req, rot))}


def create_event(req):
    s = req.store
    sc = _schedule(req)
    rot = _rotation(req, sc)
    body = _wrapped(req, "event")
    if len(rot["events"]) >= MAX_EVENTS:
        raise invalid_fields({"rotation.events": "a rotation can have at most %d events" % MAX_EVENTS})
    ev = {"id": None}
    _event_fields(req, body, ev, False)
    ev["effective_since"] = max(ev["effective_since"], req.now)  # past values are clamped to now (spec)
    if ev["effective_until"] is not None and ev["effective_until"] <= ev["effective_since"]:
        raise invalid_fields({"event.effective_until": "must be after effective_since"})
    _no_overlap(rot, ev)
    ev["id"] = s.ids.long26()
    rot["events"][ev["id"]] = ev
    return 201, {"event": r.v3_event(req.ctx, sc["id"], rot["id"], ev)}


def update_event(req):
    sc = _schedule(req)
    rot = _rotation(req, sc)
    ev = _event(req, rot)
    body = _wrapped(req, "event")
    now = req.now
    if ev["effective_until"] is not None and ev["effective_until"] <= now:
        raise invalid_fields({"event": "past events cannot be modified"})
    new = dict(ev)
    _event_fields(req, body, new, True)
    if ev["effective_since"] <= now:
        # an active event: only effective_until may differ (sending the other fields unchanged is fine)
        changed = [k for k in EVENT_FIELDS if new[k] != ev[k]]
        if changed:
            raise invalid_fields({"event.%s" % EVENT_FIELDS[k]: "only effective_until can change on an active event"
                                  for k in changed})
        if new["effective_until"] is not None:
            new["effective_until"] = max(new["effective_until"], now)
    else:
        new["effective_since"] = max(new["effective_since"], now)
    if new["effective_until"] is not None and new["effective_until"] <= new["effective_since"]:
        raise invalid_fields({"event.effective_until": "must be after effective_since"})
    _no_overlap(rot, new)
    ev.update(new)
    return 200, {"event": r.v3_event(req.ctx, sc["id"], rot["id"], ev)}


def delete_event(req):
    sc = _schedule(req)
    rot = _rotation(req, sc)
    ev = _event(req, rot)
    del rot["events"][ev["id"]]
    return 204, None


# --------------------------------------------------------- custom shifts

def _custom_shift(req, sc):
    cs = sc["custom_shifts"].get(req.params["custom_shift_id"])
    if cs is None:
        raise not_found("Custom shift not found")
    return cs


def _in_range(items, rng, overflow):
    a, b = rng
    out = []
    for x in sorted(items, key=lambda x: (x["start"], x["id"])):
        if x["end"] <= a or x["start"] >= b:
            continue
        out.append(x if overflow else dict(x, start=max(x["start"], a), end=min(x["end"], b)))
    return out


def list_custom_shifts(req):
    sc = _schedule(req)
    req.ctx.tz = req.q.tz()
    shifts = _in_range(sc["custom_shifts"].values(), _range(req, True), req.q.bool("overflow"))
    return page(req, "custom_shifts", shifts, lambda cs: r.custom_shift(req.ctx, sc["id"], cs))


def _shift_times(body, field, cur=None):
    start = _time(body.get("start_time"), field + ".start_time") if body.get("start_time") is not None else None
    end = _time(body.get("end_time"), field + ".end_time") if body.get("end_time") is not None else None
    if cur is None and (start is None or end is None):
        raise invalid_fields({field + ".start_time": "is required", field + ".end_time": "is required"})
    start = cur["start"] if start is None else start
    end = cur["end"] if end is None else end
    if end <= start:
        raise invalid_fields({field + ".end_time": "must be after start_time"})
    return start, end


def _assignments(req, value, field):
    if not isinstance(value, list) or len(value) != 1:
        raise invalid_fields({field + ".assignments": "must hold exactly one assignment"})
    a = value[0]
    if not isinstance(a, dict):
        raise invalid_fields({field + ".assignments": "must hold shift_assignment objects"})
    return [{"id": req.store.ids.long26(), "member": _member(a.get("member"), field + ".assignments.member",
                                                            req.store)}]


def create_custom_shifts(req):
    sc = _schedule(req)
    items = body_object(req).get("custom_shifts")
    if not isinstance(items, list) or not items or len(items) > 100:
        raise invalid_fields({"custom_shifts": "must hold 1 to 100 custom shifts"})
    if len(sc["custom_shifts"]) + len(items) > MAX_SHIFTS:
        raise invalid_fields({"custom_shifts": "at most %d custom shifts per schedule" % MAX_SHIFTS})
    made = []
    for i, item in enumerate(items):
        field = "custom_shifts[%d]" % i
        if not isinstance(item, dict) or item.get("type", "custom_shift") != "custom_shift":
            raise invalid_fields({field + ".type": "must be custom_shift"})
        start, end = _shift_times(item, field)
        made.append({"start": start, "end": end, "assignments": _assignments(req, item.get("assignments"), field)})
    out = []
    for cs in made:
        cs["id"] = req.store.ids.long26()
        sc["custom_shifts"][cs["id"]] = cs
        out.append(r.custom_shift(req.ctx, sc["id"], cs))
    return 201, {"custom_shifts": out}


def get_custom_shift(req):
    sc = _schedule(req)
    return 200, {"custom_shift": r.custom_shift(req.ctx, sc["id"], _custom_shift(req, sc))}


def update_custom_shift(req):
    sc = _schedule(req)
    cs = _custom_shift(req, sc)
    body = _wrapped(req, "custom_shift")
    start, end = _shift_times(body, "custom_shift", cs)
    assignments = cs["assignments"]
    if body.get("assignments") is not None:
        assignments = _assignments(req, body["assignments"], "custom_shift")
        if [a["member"] for a in assignments] == [a["member"] for a in cs["assignments"]]:
            assignments = cs["assignments"]
    if cs["start"] <= req.now:
        if cs["end"] <= req.now:
            raise invalid_fields({"custom_shift": "an ended shift cannot be modified"})
        changed = {}
        if start != cs["start"]:
            changed["custom_shift.start_time"] = "only end_time can change once a shift has started"
        if assignments is not cs["assignments"]:
            changed["custom_shift.assignments"] = "only end_time can change once a shift has started"
        if changed:
            raise invalid_fields(changed)
        end = max(end, req.now)
    cs.update({"start": start, "end": end, "assignments": assignments})
    return 200, {"custom_shift": r.custom_shift(req.ctx, sc["id"], cs)}


def delete_custom_shift(req):
    sc = _schedule(req)
    cs = _custom_shift(req, sc)
    if cs["end"] <= req.now:
        raise invalid_fields({"custom_shift": "the shift has already ended"})
    if cs["start"] <= req.now:
        cs["end"] = req.now
    else:
        del sc["custom_shifts"][cs["id"]]
        for oid in [o["id"] for o in sc["overrides"].values() if o.get("custom_shift_id") == cs["id"]]:
            del sc["overrides"][oid]
    return 204, None


# ------------------------------------------------------------- overrides

def _override(req, sc):
    ov = sc["overrides"].get(req.params["override_id"])
    if ov is None:
        raise not_found("Override not found")
    return ov


def list_overrides(req):
    sc = _schedule(req)
    req.ctx.tz = req.q.tz()
    ovs = _in_range(sc["overrides"].values(), _range(req, True), req.q.bool("overflow"))
    return page(req, "overrides", ovs, lambda ov: r.v3_override(req.ctx, sc["id"], ov))


def create_overrides(req):
    s = req.store
    sc = _schedule(req)
    items = body_object(req).get("overrides")
    if not isinstance(items, list) or not items or len(items) > 100:
        raise invalid_fields({"overrides": "must hold 1 to 100 overrides"})
    if len(sc["overrides"]) + len(items) > MAX_SHIFTS:
        raise invalid_fields({"overrides": "at most %d overrides per schedule" % MAX_SHIFTS})
    made = []
    for i, item in enumerate(items):
        field = "overrides[%d]" % i
        if not isinstance(item, dict) or item.get("type", "override_shift") != "override_shift":
            raise invalid_fields({field + ".type": "must be override_shift"})
        rid, cid = item.get("rotation_id"), item.get("custom_shift_id")
        if bool(rid) == bool(cid):
            raise invalid_fields({field: "needs either rotation_id or custom_shift_id (not both)"})
        if rid and rid not in sc["rotations"]:
            raise invalid_fields({field + ".rotation_id": "is not a rotation of this schedule"})
        if cid and cid not in sc["custom_shifts"]:
            raise invalid_fields({field + ".custom_shift_id": "is not a custom shift of this schedule"})
        start, end = _shift_times(item, field)
        made.append({"rotation_id": rid, "custom_shift_id": cid, "start": start, "end": end,
                     "overridden": _member(item.get("overridden_member"), field + ".overridden_member", s),
                     "overriding": _member(item.get("overriding_member"), field + ".overriding_member", s)})
    out = []
    for ov in made:
        ov["id"] = s.ids.long26()
        sc["overrides"][ov["id"]] = ov
        out.append(r.v3_override(req.ctx, sc["id"], ov))
    return 201, {"overrides": out}


def get_override(req):
    sc = _schedule(req)
    return 200, {"override": r.v3_override(req.ctx, sc["id"], _override(req, sc))}


def update_override(req):
    sc = _schedule(req)
    ov = _override(req, sc)
    body = _wrapped(req, "override")
    start, end = _shift_times(body, "override", ov)
    overriding = ov["overriding"]
    if body.get("overriding_member") is not None:
        overriding = _member(body["overriding_member"], "override.overriding_member", req.store)
    ov.update({"start": start, "end": end, "overriding": overriding})
    return 200, {"override": r.v3_override(req.ctx, sc["id"], ov)}


def delete_override(req):
    sc = _schedule(req)
    ov = _override(req, sc)
    del sc["overrides"][ov["id"]]
    return 204, None
