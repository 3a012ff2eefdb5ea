"""Shift-based (v3) schedule maths: events, recurrences, custom shifts, overrides.

A v3 schedule holds rotations; a rotation holds up to 5 events. An event is one
shift (`start_time` .. `end_time`, each read in its own IANA time zone) that
repeats by an RFC 5545 recurrence, limited to its effective window
[`effective_since`, `effective_until`). The simulator understands this subset
of recurrences (anything else is a 400 when the event is written):
  RRULE:FREQ=DAILY|WEEKLY[;INTERVAL=n][;BYDAY=MO,TU,...][;COUNT=n][;UNTIL=...]
  EXDATE[;TZID=zone]:20250310T090000[Z][,...]   (occurrence starts to skip)
Repetitions keep the wall-clock start time in the event's time zone (a 09:00
handoff stays at 09:00 across DST); the shift length is end - start. An
EXDATE removes a shift but still counts as a turn of the rotation.
  * rotating_member_assignment_strategy: occurrence k (counted from the
    event's first occurrence) goes to members[(k // shifts_per_member) % n];
  * every_member_assignment_strategy: every member is on call in every shift.
Custom shifts are one-off (start, end, member). An override replaces its
`overridden_member` by its `overriding_member` inside [start, end) on the shifts
of its rotation (or custom shift). Shifts of different rotations may overlap:
everyone in a covering shift is on call. Times are epoch seconds.
"""

import datetime as _dt
import re

from util import get_tz, parse_time

DAY = 86400
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_OCCURRENCES = 20000  # per event and request: a guard against absurd ranges


class RecurrenceError(ValueError):
    pass


def parse_recurrence(lines, tz_name):
    """The supported RRULE/EXDATE subset as a dict; RecurrenceError when unsupported."""
    if not isinstance(lines, list) or not lines or not all(isinstance(x, str) for x in lines):
        raise RecurrenceError("recurrence must be a non-empty array of strings")
    rules = [x for x in lines if x.upper().startswith("RRULE:")]
    if len(rules) != 1:
        raise RecurrenceError("recurrence must hold exactly one RRULE")
    out = {"freq": None, "interval": 1, "byday": None, "count": None, "until": None, "exdates": set()}
    for part in rules[0][6:].split(";"):
        if not part:
            continue
        key, _, val = part.partition("=")
        key = key.upper()
        if key == "FREQ":
            if val.upper() not in ("DAILY", "WEEKLY"):
                raise RecurrenceError("only FREQ=DAILY and FREQ=WEEKLY are supported")
            out["freq"] = val.upper()
        elif key == "INTERVAL":
            if not val.isdigit() or not 1 <= int(val) <= 520:
                raise RecurrenceError("INTERVAL must be an integer from 1 to 520")
            out["interval"] = int(val)
        elif key == "BYDAY":
            days = [d.strip().upper() for d in val.split(",") if d.strip()]
            if not days or any(d not in WEEKDAYS for d in days):
                raise RecurrenceError("BYDAY must list MO, TU, WE, TH, FR, SA or SU")
            out["byday"] = {WEEKDAYS.index(d) for d in days}
        elif key == "COUNT":
            if not val.isdigit() or int(val) < 1:
                raise RecurrenceError("COUNT must be a positive integer")
            out["count"] = int(val)
        elif key == "UNTIL":
            out["until"] = _rfc5545_time(val, tz_name)
        elif key == "WKST":
            continue
        else:
            raise RecurrenceError("%s is not supported in RRULE" % key)
    if out["freq"] is None:
        raise RecurrenceError("RRULE needs FREQ")
    for line in lines:
        m = re.match(r"^EXDATE(?:;TZID=([^:]+))?:(.+)$", line, re.I)
        if m:
            for v in m.group(2).split(","):
                out["exdates"].add(_rfc5545_time(v.strip(), m.group(1) or tz_name))
        elif not line.upper().startswith("RRULE:"):
            raise RecurrenceError("only RRULE and EXDATE lines are supported")
    return out


def _rfc5545_time(text, tz_name):
    m = re.match(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2}))?(Z?)$", text.strip().upper())
    if not m:
        raise RecurrenceError("bad date-time %r in recurrence" % text)
    y, mo, d, hh, mi, ss, z = m.groups()
    iso = "%s-%s-%sT%s:%s:%s%s" % (y, mo, d, hh or "00", mi or "00", ss or "00", "Z" if z else "")
    try:
        return parse_time(iso, get_tz(tz_name))
    except ValueError:
        raise RecurrenceError("bad date-time %r in recurrence" % text) from None


def _accepts(rule, first_day, day):
    """Whether `day` (a date on or after first_day) carries an occurrence."""
    delta = (day - first_day).days
    if rule["freq"] == "DAILY":
        if delta % rule["interval"]:
            return False
        return rule["byday"] is None or day.weekday() in rule["byday"]
    week0 = first_day - _dt.timedelta(days=first_day.weekday())
    week = (day - week0).days // 7
    if week % rule["interval"]:
        return False
    if rule["byday"] is None:
        return day.weekday() == first_day.weekday()
    return day.weekday() in rule["byday"]


def occurrences(event, a, b):
    """(k, start, end) of the event's occurrences that overlap [a, b), clipped to its
    effective window; k counts occurrences from the first one."""
    tz = get_tz(event["start_tz"])
    rule = event["rule"]
    first = _dt.datetime.fromtimestamp(event["start"], tz)
    first_day, tod = first.date(), first.time()
    length = event["end"] - event["start"]
    lo = max(a, event["effective_since"])
    hi = b if event["effective_until"] is None else min(b, event["effective_until"])
    if rule["until"] is not None:
        hi = min(hi, rule["until"] + length)
    if hi <= lo or length <= 0:
        return []
    # Jump over whole periods (the pattern repeats every 7 * interval days from the
    # first week) so a start years ago does not cost a day-by-day walk.
    period = 7 * rule["interval"]
    anchor = first_day if rule["freq"] == "DAILY" else first_day - _dt.timedelta(days=first_day.weekday())
    per_period = sum(1 for i in range(period) if _accepts(rule, first_day, anchor + _dt.timedelta(days=period + i)))
    first_count = sum(1 for i in range(period) if anchor + _dt.timedelta(days=i) >= first_day
                      and _accepts(rule, first_day, anchor + _dt.timedelta(days=i)))
    start_day = _dt.datetime.fromtimestamp(lo - length, tz).date() - _dt.timedelta(days=2)
    skip = max(0, (start_day - anchor).days // period - 1)
    k = 0
    day = first_day
    if skip >= 1:
        k = first_count + (skip - 1) * per_period
        day = anchor + _dt.timedelta(days=skip * period)
    out = []
    last_day = _dt.datetime.fromtimestamp(hi, tz).date() + _dt.timedelta(days=1)
    walked = 0
    while day <= last_day and walked < MAX_OCCURRENCES:
        walked += 1
        if day >= first_day and _accepts(rule, first_day, day):
            if rule["count"] is not None and k >= rule["count"]:
                break
            s = int(_dt.datetime.combine(day, tod, tzinfo=tz).timestamp())
            e = s + length
            in_rule = rule["until"] is None or s <= rule["until"]
            if in_rule and s not in rule["exdates"] and e > lo and s < hi:
                out.append((k, max(s, event["effective_since"]),
                            e if event["effective_until"] is None else min(e, event["effective_until"])))
            k += 1
        day += _dt.timedelta(days=1)
    return [(k, s, e) for k, s, e in out if e > s]


def _event_shifts(event, a, b):
    strat = event["strategy"]
    members = strat["members"]
    if not members:
        return []
    per = strat.get("shifts_per_member") or 1
    out = []
    for k, s, e in occurrences(event, a, b):
        if strat["type"] == "every_member_assignment_strategy":
            chosen = members
        else:
            chosen = [members[(k // per) % len(members)]]
        for m in chosen:
            out.append((s, e, dict(m)))
    return out


def _apply_overrides(shifts, overrides, src_key):
    """Split (s, e, member, source) shifts where an override replaces their member."""
    for ov in overrides:
        nxt = []
        for s, e, member, src in shifts:
            hit = (src.get(src_key) == ov.get(src_key) and ov.get(src_key) is not None
                   and member == ov["overridden"] and ov["start"] < e and ov["end"] > s)
            if not hit:
                nxt.append((s, e, member, src))
                continue
            lo, hi = max(s, ov["start"]), min(e, ov["end"])
            if s < lo:
                nxt.append((s, lo, member, src))
            kind = "schedule_rotation_override" if src_key == "rotation_id" else "custom_shift_override"
            osrc = dict(src, type=kind, override_id=ov["id"])
            nxt.append((lo, hi, dict(ov["overriding"]), osrc))
            if hi < e:
                nxt.append((hi, e, member, src))
        shifts = nxt
    return shifts


def assignments(sched, a, b):
    """(start, end, member, source) of every shift overlapping [a, b), sorted; not clipped."""
    out = []
    ovs = list(sched["overrides"].values())
    for rot in sched["rotations"].values():
        shifts = []
        for ev in rot["events"].values():
            for s, e, m in _event_shifts(ev, a, b):
                shifts.append((s, e, m, {"type": "schedule_rotation", "rotation_id": rot["id"]}))
        out.extend(_apply_overrides(shifts, [o for o in ovs if o.get("rotation_id") == rot["id"]], "rotation_id"))
    for cs in sched["custom_shifts"].values():
        if cs["end"] <= a or cs["start"] >= b:
            continue
        shifts = [(cs["start"], cs["end"], dict(x["member"]), {"type": "custom_shift", "shift_id": cs["id"]})
                  for x in cs["assignments"]]
        custom_ovs = [dict(o, shift_id=o["custom_shift_id"]) for o in ovs if o.get("custom_shift_id") == cs["id"]]
        out.extend(_apply_overrides(shifts, custom_ovs, "shift_id"))
    out = [x for x in out if x[1] > a and x[0] < b and x[1] > x[0]]
    out.sort(key=lambda x: (x[0], x[1], x[2].get("user_id") or ""))
    return out


def coverage(items, a, b):
    """Percentage of [a, b) with at least one user on call."""
    if b <= a:
        return 0.0
    spans = sorted((max(s, a), min(e, b)) for s, e, m, _ in items if m.get("user_id") and e > a and s < b)
    covered, end = 0, a
    for s, e in spans:
        if e <= end:
            continue
        covered += e - max(s, end)
        end = e
    return round(100.0 * covered / (b - a), 2)


def users_at(sched, t):
    out = []
    for s, e, m, _ in assignments(sched, t, t + 1):
        uid = m.get("user_id")
        if uid and s <= t < e and uid not in out:
            out.append(uid)
    return out


def entries(sched, a, b):
    """(start, end, user_id) of whole shifts overlapping [a, b] (for /oncalls)."""
    if a == b:
        return [(s, e, m["user_id"]) for s, e, m, _ in assignments(sched, a, a + 1) if m.get("user_id")]
    return [(s, e, m["user_id"]) for s, e, m, _ in assignments(sched, a, b) if m.get("user_id")]


def member_user_ids(sched):
    out = []
    for rot in sched["rotations"].values():
        for ev in rot["events"].values():
            for m in ev["strategy"]["members"]:
                if m.get("user_id") and m["user_id"] not in out:
                    out.append(m["user_id"])
    for cs in sched["custom_shifts"].values():
        for x in cs["assignments"]:
            uid = x["member"].get("user_id")
            if uid and uid not in out:
                out.append(uid)
    return out
