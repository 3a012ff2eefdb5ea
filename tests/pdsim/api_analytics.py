"""Endpoint handlers for `/analytics`: aggregated incident and responder
metrics and raw incident data, computed from the stored incidents.

Every endpoint takes a JSON body (`filters`, `time_zone`, `order`,
`order_by`, `aggregate_unit`, and for raw data `limit`, `starting_after`,
`ending_before`) and answers an unwrapped object with `data`. The numbers
come from each incident's log entries:
  * seconds to first ack / to resolve: first acknowledge / resolve entry
    minus creation; engaged seconds: from each acknowledgement to the
    resolve (or now); snoozed seconds from snooze entries;
  * notifications: notify entries; interruptions: notifications of
    high-urgency incidents, split by the local time (in `time_zone`) into
    business hours (Mon-Fri 08:00-18:00), sleep hours (22:00-08:00) and off
    hours (the rest);
  * escalations: escalate entries (timeout when the service escalated,
    manual when a user did); reassignments: assign entries by a user;
  * seconds on call (responders): the on-call records of the range, level 1
    and level 2+ separately; `up_time_pct`: the share of the range without an
    open major high-urgency incident of a service (averaged over the services
    of a row); a "major" incident has priority P1 or P2.
Raw data pages with `starting_after`/`ending_before` cursors and answers
`first`, `last`, `more`. Each handler returns (status, body).
"""

import base64
import datetime as _dt

import schedule as sched_mod
from api_common import body_object
from util import fmt_naive, get_tz, invalid, not_found, parse_time

MAX_RANGE = 366 * 86400
MAJOR = ("P1", "P2")
UNITS = ("day", "week", "month")
ORDER_BY_RAW = ("created_at", "seconds_to_resolve")


# ------------------------------------------------------------- the body

class Body:
    """Parsed and validated request body."""

    def __init__(self, req, start_key="created_at_start", end_key="created_at_end", raw=False):
        body = body_object(req) if req.raw_body.strip() else {}
        f = body.get("filters", {})
        if not isinstance(f, dict):
            raise invalid("filters must be an object")
        self.raw_filters = f
        self.tz_name = body.get("time_zone") or "Etc/UTC"
        try:
            self.tz = get_tz(self.tz_name)
        except ValueError:
            raise invalid("time_zone must be an IANA time zone") from None
        self.start = self._time(f.get(start_key), "filters." + start_key)
        self.end = self._time(f.get(end_key), "filters." + end_key)
        if self.end <= self.start:
            raise invalid("filters.%s must be after filters.%s" % (end_key, start_key))
        if self.end - self.start > MAX_RANGE:
            raise invalid("The date range cannot exceed 366 days")
        self.urgency = f.get("urgency")
        if self.urgency not in (None, "high", "low"):
            raise invalid("filters.urgency must be high or low")
        self.major = f.get("major")
        if self.major is not None and not isinstance(self.major, bool):
            raise invalid("filters.major must be a boolean")
        self.lists = {}
        for key in ("team_ids", "service_ids", "escalation_policy_ids", "priority_ids", "priority_names",
                    "responder_ids", "incident_type_ids"):
            v = f.get(key)
            if v is not None and (not isinstance(v, list) or not all(isinstance(x, str) for x in v)):
                raise invalid("filters.%s must be an array of strings" % key)
            self.lists[key] = set(v or [])
        self.mins = {}
        for key, field in (("min_ackowledgements", "ack"), ("min_timeout_escalations", "timeout_esc"),
                           ("min_manual_escalations", "manual_esc")):
            v = f.get(key)
            if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
                raise invalid("filters.%s must be a non-negative integer" % key)
            self.mins[field] = v
        self.updated_after = self._time(f["updated_after"], "filters.updated_after") if f.get("updated_after") else None
        self.order = body.get("order") or ("desc" if raw else "asc")
        if self.order not in ("asc", "desc"):
            raise invalid("order must be asc or desc")
        self.order_by = body.get("order_by")
        self.unit = body.get("aggregate_unit")
        if self.unit not in (None,) + UNITS:
            raise invalid("aggregate_unit must be day, week or month")
        self.limit = body.get("limit", 20 if raw else None)
        if raw and (not isinstance(self.limit, int) or isinstance(self.limit, bool) or not 1 <= self.limit <= 1000):
            raise invalid("limit must be an integer from 1 to 1000")
        self.starting_after = body.get("starting_after")
        self.ending_before = body.get("ending_before")
        if self.starting_after and self.ending_before:
            raise invalid("starting_after and ending_before cannot both be given")

    def _time(self, value, field):
        if not isinstance(value, str):
            raise invalid("%s is required (ISO 8601)" % field)
        try:
            return parse_time(value, self.tz)
        except ValueError:
            raise invalid("%s must be an ISO 8601 date-time" % field) from None

    def echo(self, **extra):
        out = {"filters": self.raw_filters, "time_zone": self.tz_name}
        if self.order_by:
            out["order_by"] = self.order_by
        out["order"] = self.order
        if self.unit:
            out["aggregate_unit"] = self.unit
        out.update(extra)
        return out


# ------------------------------------------------------ per-incident facts

def _hour_class(t, tz):
    d = _dt.datetime.fromtimestamp(t, tz)
    if d.hour >= 22 or d.hour < 8:
        return "sleep"
    if d.weekday() < 5 and 8 <= d.hour < 18:
        return "business"
    return "off"


def facts(s, inc, now, tz):
    """Metrics of one incident from its log entries."""
    les = sorted((s.log_entries[x] for x in inc["log_ids"] if x in s.log_entries),
                 key=lambda le: (le["created_at"], le["seq"]))
    end = inc["resolved_at"] if inc["resolved_at"] is not None else now
    acks, notifies, assigned, moves = [], [], [], []
    snoozed = esc = timeout_esc = manual_esc = reassign = 0
    resolver = None
    current, started = set(), False
    for le in les:
        kind = le["kind"]
        if kind == "acknowledge":
            acks.append((le["created_at"], le["agent"][1]))
        elif kind == "notify":
            notifies.append((le["created_at"], le["user_id"]))
            if le["user_id"] not in assigned:
                assigned.append(le["user_id"])
            if not started:
                current.add(le["user_id"])
        elif kind in ("escalate", "assign"):
            started = True
            to = list(le.get("assignee_ids", []))
            by_user = le["agent"][0] == "user"
            if kind == "escalate":
                esc += 1
                if by_user:
                    manual_esc += 1
                else:
                    timeout_esc += 1
                move = "manual" if by_user else "timeout"
            else:
                move = "reassign" if by_user else None
                if by_user:
                    reassign += 1
            if move:
                moves.append((move, set(current), set(to), le["created_at"]))
            current = set(to)
            for u in to:
                if u not in assigned:
                    assigned.append(u)
        elif kind == "snooze":
            for c in le.get("changed_actions", []):
                snoozed += max(0, min(c["at"], end) - le["created_at"])
        elif kind == "resolve":
            resolver = le["agent"]
    first_ack = acks[0][0] if acks else None
    engaged = {}
    for at, uid in acks:
        engaged[uid] = engaged.get(uid, 0) + max(0, end - at)
    high = inc["urgency"] == "high"
    classes = {"business": 0, "off": 0, "sleep": 0}
    if high:
        for at, _ in notifies:
            classes[_hour_class(at, tz)] += 1
    prio = s.priorities.get(inc["priority_id"]) if inc["priority_id"] else None
    return {"inc": inc, "created": inc["created_at"], "resolved": inc["resolved_at"], "end": end,
            "to_ack": None if first_ack is None else first_ack - inc["created_at"],
            "to_resolve": None if inc["resolved_at"] is None else inc["resolved_at"] - inc["created_at"],
            "acks": acks, "ack": len(acks), "notifies": notifies, "assigned": assigned, "moves": moves,
            "engaged": engaged, "engaged_total": sum(engaged.values()),
            "engaged_users": len(engaged), "snoozed": snoozed, "esc": esc, "timeout_esc": timeout_esc,
            "manual_esc": manual_esc, "reassign": reassign, "classes": classes, "resolver": resolver,
            "priority": prio, "major": bool(prio and prio["name"] in MAJOR),
            "auto_resolved": bool(resolver and resolver[0] == "service")}


def _selected(req, b, extra=None):
    """Facts of the incidents created in the body's range that pass its filters."""
    s = req.store
    out = []
    L = b.lists
    for inc in s.incidents.values():
        if not b.start <= inc["created_at"] < b.end:
            continue
        if b.urgency and inc["urgency"] != b.urgency:
            continue
        if L["service_ids"] and inc["service_id"] not in L["service_ids"]:
            continue
        if L["team_ids"] and not L["team_ids"].intersection(inc["team_ids"]):
            continue
        if L["escalation_policy_ids"] and inc["ep_id"] not in L["escalation_policy_ids"]:
            continue
        if L["priority_ids"] and inc["priority_id"] not in L["priority_ids"]:
            continue
        if L["priority_names"] and (not inc["priority_id"] or
                                    s.priorities[inc["priority_id"]]["name"] not in L["priority_names"]):
            continue
        if b.updated_after is not None and inc["updated_at"] < b.updated_after:
            continue
        f = facts(s, inc, req.now, b.tz)
        if b.major is not None and f["major"] != b.major:
            continue
        if any(v is not None and f[k] < v for k, v in b.mins.items()):
            continue
        if extra and not extra(f):
            continue
        out.append(f)
    return out


# ---------------------------------------------------------- aggregation

def _pct(values, p):
    vals = sorted(v for v in values if v is not None)
    if not vals:
        return None
    k = max(0, min(len(vals) - 1, int(-(-p * len(vals) // 100)) - 1))
    return vals[k]


def _mean(values):
    vals = [v for v in values if v is not None]
    return int(round(sum(vals) / float(len(vals)))) if vals else None


def _uptime(fs, a, b):
    """Mean over the incidents' services of the share of [a, b) without an open major high-urgency incident."""
    by_service = {}
    for f in fs:
        by_service.setdefault(f["inc"]["service_id"], []).append(f)
    if not by_service:
        return 100.0
    return round(sum(_service_uptime(x, a, b) for x in by_service.values()) / len(by_service), 4)


def _service_uptime(fs, a, b):
    spans = sorted((max(f["created"], a), min(f["end"], b)) for f in fs
                   if f["major"] and f["inc"]["urgency"] == "high" and f["end"] > a and f["created"] < b)
    down, edge = 0, a
    for lo, hi in spans:
        if hi <= edge:
            continue
        down += hi - max(lo, edge)
        edge = hi
    return round(100.0 * (1 - down / float(b - a)), 4) if b > a else 100.0


def incident_metrics(fs, a, b):
    to_ack = [f["to_ack"] for f in fs]
    to_res = [f["to_resolve"] for f in fs]
    out = {"mean_assignment_count": _mean([len(f["assigned"]) for f in fs]),
           "mean_engaged_seconds": _mean([f["engaged_total"] for f in fs]),
           "mean_engaged_user_count": _mean([f["engaged_users"] for f in fs]),
           "mean_seconds_to_engage": _mean(to_ack), "mean_seconds_to_first_ack": _mean(to_ack),
           "mean_seconds_to_mobilize": _mean(to_ack), "mean_seconds_to_resolve": _mean(to_res),
           "mean_user_defined_engaged_seconds": _mean([f["engaged_total"] for f in fs])}
    for p in (50, 75, 90, 95):
        out["p%d_seconds_to_first_ack" % p] = _pct(to_ack, p)
        out["p%d_seconds_to_resolve" % p] = _pct(to_res, p)
    out.update({"total_business_hour_interruptions": sum(f["classes"]["business"] for f in fs),
                "total_engaged_seconds": sum(f["engaged_total"] for f in fs),
                "total_escalation_count": sum(f["esc"] for f in fs),
                "total_incident_count": len(fs),
                "total_incidents_acknowledged": sum(1 for f in fs if f["ack"]),
                "total_incidents_auto_resolved": sum(1 for f in fs if f["auto_resolved"]),
                "total_incidents_manual_escalated": sum(1 for f in fs if f["manual_esc"]),
                "total_incidents_reassigned": sum(1 for f in fs if f["reassign"]),
                "total_incidents_timeout_escalated": sum(1 for f in fs if f["timeout_esc"]),
                "total_interruptions": sum(sum(f["classes"].values()) for f in fs),
                "total_notifications": sum(len(f["notifies"]) for f in fs),
                "total_off_hour_interruptions": sum(f["classes"]["off"] for f in fs),
                "total_sleep_hour_interruptions": sum(f["classes"]["sleep"] for f in fs),
                "total_snoozed_seconds": sum(f["snoozed"] for f in fs),
                "total_user_defined_engaged_seconds": sum(f["engaged_total"] for f in fs),
                "up_time_pct": _uptime(fs, a, b)})
    return out


def _bucket(t, unit, tz):
    d = _dt.datetime.fromtimestamp(t, tz).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    if unit == "week":
        d -= _dt.timedelta(days=d.weekday())
    elif unit == "month":
        d = d.replace(day=1)
    return d


def _grouped(b, fs, key_fn, describe):
    """Rows of incident metrics per group key (and per time bucket with aggregate_unit)."""
    groups = {}
    for f in fs:
        for key in key_fn(f):
            bucket = _bucket(f["created"], b.unit, b.tz) if b.unit else None
            groups.setdefault((key, bucket), []).append(f)
    rows = []
    for (key, bucket), members in groups.items():
        row = {}
        if bucket is not None:
            row["range_start"] = bucket.strftime("%Y-%m-%dT%H:%M:%S")
        row.update(describe(key))
        row.update(incident_metrics(members, b.start, b.end))
        rows.append(row)
    return _order(b, rows, default=lambda r: (r.get("range_start") or "", str(r.get("service_name") or
                                                                               r.get("team_name") or "")))


def _order(b, rows, default):
    field = b.order_by
    if field:
        if rows and field not in rows[0]:
            raise invalid("order_by %r is not a field of this data" % field)
        rows.sort(key=lambda r: (r[field] is None, r[field] if r[field] is not None else 0, default(r)),
                  reverse=b.order == "desc")
    else:
        rows.sort(key=default, reverse=b.order == "desc")
    return rows


def metrics_incidents_all(req):
    b = Body(req)
    fs = _selected(req, b)
    if b.unit:
        rows = _grouped(b, fs, lambda f: [None], lambda key: {})
    else:
        rows = [incident_metrics(fs, b.start, b.end)] if fs else []
    return 200, dict(b.echo(), data=rows)


def _service_row(s, sid):
    svc = s.services.get(sid)
    tid = svc["team_ids"][0] if svc and svc["team_ids"] else None
    return {"service_id": sid, "service_name": svc["name"] if svc else None, "team_id": tid,
            "team_name": s.teams[tid]["name"] if tid in s.teams else None}


def metrics_incidents_services(req):
    s = req.store
    b = Body(req)
    fs = _selected(req, b)
    rows = _grouped(b, fs, lambda f: [f["inc"]["service_id"]], lambda sid: _service_row(s, sid))
    return 200, dict(b.echo(), data=rows)


def metrics_incidents_teams(req):
    s = req.store
    b = Body(req)
    fs = _selected(req, b)
    want = b.lists["team_ids"]
    rows = _grouped(b, fs, lambda f: [t for t in f["inc"]["team_ids"] if not want or t in want],
                    lambda tid: {"team_id": tid, "team_name": s.teams[tid]["name"] if tid in s.teams else None})
    return 200, dict(b.echo(), data=rows)


# ------------------------------------------------------------ responders

def _union(spans):
    total, edge = 0, None
    for lo, hi in sorted(spans):
        if edge is None or lo > edge:
            total += hi - lo
            edge = hi
        elif hi > edge:
            total += hi - edge
            edge = hi
    return total


def _oncall_seconds(s, a, b):
    """{user_id: (total, level 1, level 2+)} seconds on call in [a, b)."""
    spans = {}
    for ep_id, level, sid, uid, start, end, kind in sched_mod.oncalls(s, a, b):
        lo = a if start is None else max(a, start)
        hi = b if end is None else min(b, end)
        if hi > lo:
            spans.setdefault(uid, []).append((level, lo, hi))
    out = {}
    for uid, items in spans.items():
        out[uid] = (_union([(lo, hi) for _, lo, hi in items]), _union([(lo, hi) for lv, lo, hi in items if lv == 1]),
                    _union([(lo, hi) for lv, lo, hi in items if lv > 1]))
    return out


def responder_rows(req, b, by_team):
    s = req.store
    fs = _selected(req, b)
    want_users = b.lists["responder_ids"]
    want_teams = b.lists["team_ids"]
    stats = {}

    def st(uid):
        return stats.setdefault(uid, {"incidents": set(), "acked": set(), "notifications": 0,
                                      "classes": {"business": 0, "off": 0, "sleep": 0}, "ack_times": [],
                                      "engaged": 0, "moves": {}})
    for f in fs:
        inc = f["inc"]
        first_notice = {}
        for at, uid in f["notifies"]:
            x = st(uid)
            x["incidents"].add(inc["id"])
            x["notifications"] += 1
            first_notice.setdefault(uid, at)
            if inc["urgency"] == "high":
                x["classes"][_hour_class(at, b.tz)] += 1
        for at, uid in f["acks"]:
            x = st(uid)
            x["incidents"].add(inc["id"])
            x["acked"].add(inc["id"])
            x["ack_times"].append(at - first_notice.get(uid, inc["created_at"]))
        for uid, secs in f["engaged"].items():
            st(uid)["engaged"] += secs
        for move, frm, to, _ in f["moves"]:
            for uid in frm:
                key = "total_incidents_%s_from" % ("reassigned" if move == "reassign" else move + "_escalated")
                st(uid)["moves"][key] = st(uid)["moves"].get(key, 0) + 1
            for uid in to:
                key = "total_incidents_%s_to" % ("reassigned" if move == "reassign" else move + "_escalated")
                st(uid)["moves"][key] = st(uid)["moves"].get(key, 0) + 1
    oncall = _oncall_seconds(s, b.start, b.end)
    for uid in oncall:
        st(uid)
    rows = []
    for uid, x in stats.items():
        if uid not in s.users or (want_users and uid not in want_users):
            continue
        teams = s.users[uid]["team_ids"]
        if want_teams and not want_teams.intersection(teams):
            continue
        total, l1, l2 = oncall.get(uid, (0, 0, 0))
        n_acked = len(x["acked"])
        row = {"mean_engaged_seconds": int(round(x["engaged"] / float(n_acked))) if n_acked else None,
               "mean_time_to_acknowledge_seconds": _mean(x["ack_times"]),
               "responder_id": uid, "responder_name": s.users[uid]["name"],
               "total_business_hour_interruptions": x["classes"]["business"],
               "total_engaged_seconds": x["engaged"], "total_incident_count": len(x["incidents"]),
               "total_incidents_acknowledged": n_acked,
               "total_interruptions": sum(x["classes"].values()), "total_notifications": x["notifications"],
               "total_off_hour_interruptions": x["classes"]["off"], "total_seconds_on_call": total,
               "total_seconds_on_call_level_1": l1, "total_seconds_on_call_level_2_plus": l2,
               "total_sleep_hour_interruptions": x["classes"]["sleep"]}
        for key in ("manual_escalated", "reassigned", "timeout_escalated"):
            for side in ("from", "to"):
                k = "total_incidents_%s_%s" % (key, side)
                row[k] = x["moves"].get(k, 0)
        if by_team:
            for tid in teams:
                if want_teams and tid not in want_teams:
                    continue
                rows.append(dict(row, team_id=tid, team_name=s.teams[tid]["name"]))
        else:
            rows.append(row)
    return _order(b, rows, default=lambda r: (r["responder_name"], r.get("team_name") or ""))


def metrics_responders_all(req):
    b = Body(req, "date_range_start", "date_range_end")
    return 200, dict(b.echo(), data=responder_rows(req, b, False))


def metrics_responders_teams(req):
    b = Body(req, "date_range_start", "date_range_end")
    return 200, dict(b.echo(), data=responder_rows(req, b, True))


# ------------------------------------------------------------- raw data

def raw_incident(s, f, tz):
    inc = f["inc"]
    ep = s.escalation_policies.get(inc["ep_id"])
    svc = s.services[inc["service_id"]]
    tid = inc["team_ids"][0] if inc["team_ids"] else None
    ack_users = list(dict.fromkeys(u for _, u in f["acks"]))
    resolver = f["resolver"] if f["resolver"] and f["resolver"][0] == "user" else None
    prio = f["priority"]
    return {"acknowledged_user_ids": ack_users,
            "acknowledged_user_names": [s.users[u]["name"] for u in ack_users],
            "acknowledgement_count": f["ack"], "active_user_count": len(set(f["assigned"]) | set(ack_users)),
            "assigned_user_ids": list(f["assigned"]),
            "assigned_user_names": [s.users[u]["name"] for u in f["assigned"]],
            "assignment_count": len(f["assigned"]), "auto_resolved": f["auto_resolved"],
            "business_hour_interruptions": f["classes"]["business"],
            "created_at": fmt_naive(inc["created_at"], tz), "updated_at": fmt_naive(inc["updated_at"], tz),
            "description": inc["title"], "engaged_seconds": f["engaged_total"],
            "engaged_user_count": f["engaged_users"], "escalation_count": f["esc"],
            "escalation_policy_id": inc["ep_id"], "escalation_policy_name": ep["name"] if ep else None,
            "id": inc["id"], "incident_number": inc["number"], "incident_type_id": "PINCTYP",
            "incident_type_name": "incident_default", "joined_user_ids": ack_users,
            "joined_user_names": [s.users[u]["name"] for u in ack_users], "major": f["major"],
            "manual_escalation_count": f["manual_esc"], "off_hour_interruptions": f["classes"]["off"],
            "priority_id": inc["priority_id"], "priority_name": prio["name"] if prio else None,
            "priority_order": prio["order"] if prio else None, "reassignment_count": f["reassign"],
            "resolved_at": fmt_naive(inc["resolved_at"], tz),
            "resolved_by_user_id": resolver[1] if resolver else None,
            "resolved_by_user_name": s.users[resolver[1]]["name"] if resolver else None,
            "seconds_to_engage": f["to_ack"], "seconds_to_first_ack": f["to_ack"],
            "seconds_to_mobilize": f["to_ack"], "seconds_to_resolve": f["to_resolve"],
            "service_id": svc["id"], "service_name": svc["name"],
            "sleep_hour_interruptions": f["classes"]["sleep"], "snoozed_seconds": f["snoozed"],
            "status": inc["status"], "team_id": tid, "team_name": s.teams[tid]["name"] if tid in s.teams else None,
            "timeout_escalation_count": f["timeout_esc"],
            "total_interruptions": sum(f["classes"].values()), "total_notifications": len(f["notifies"]),
            "urgency": inc["urgency"], "user_defined_effort_seconds": None}


def _cursor(ident):
    return base64.urlsafe_b64encode(("raw:" + ident).encode()).decode().rstrip("=")


def _uncursor(text, ids):
    try:
        raw = base64.urlsafe_b64decode(str(text) + "=" * (-len(str(text)) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raw = ""
    if not raw.startswith("raw:") or raw[4:] not in ids:
        raise invalid("starting_after/ending_before is not a valid cursor")
    return ids.index(raw[4:])


def _raw_page(b, rows, key, order_fields):
    field = b.order_by or order_fields[0]
    if field not in order_fields:
        raise invalid("order_by must be one of %s" % ", ".join(order_fields))
    rows.sort(key=lambda r: (r[field] is None, r[field] if r[field] is not None else 0, r[key]),
              reverse=b.order == "desc")
    ids = [r[key] for r in rows]
    if b.starting_after:
        lo = _uncursor(b.starting_after, ids) + 1
        hi = lo + b.limit
    elif b.ending_before:
        hi = _uncursor(b.ending_before, ids)
        lo = max(0, hi - b.limit)
    else:
        lo, hi = 0, b.limit
    chunk = rows[lo:hi]
    return {"first": _cursor(chunk[0][key]) if chunk else None, "last": _cursor(chunk[-1][key]) if chunk else None,
            "limit": b.limit, "more": hi < len(rows), "order": b.order, "order_by": field, "data": chunk}


def raw_incidents(req):
    s = req.store
    b = Body(req, raw=True)
    rows = [raw_incident(s, f, b.tz) for f in _selected(req, b)]
    out = _raw_page(b, rows, "id", ORDER_BY_RAW)
    out.update({"filters": b.raw_filters, "time_zone": b.tz_name})
    return 200, out


def raw_incident_one(req):
    s = req.store
    inc = s.find_incident(req.params["id"])
    if inc is None:
        raise not_found("Incident Not Found")
    tz = get_tz("Etc/UTC")
    return 200, {"time_zone": "Etc/UTC", "data": raw_incident(s, facts(s, inc, req.now, tz), tz)}


def raw_responder_incidents(req):
    s = req.store
    uid = req.params["responder_id"]
    if uid not in s.users:
        raise not_found("Responder Not Found")
    b = Body(req, raw=True)
    involved = _selected(req, b, lambda f: uid in f["assigned"] or any(u == uid for _, u in f["acks"]))
    rows = []
    for f in involved:
        inc = f["inc"]
        svc = s.services[inc["service_id"]]
        tid = svc["team_ids"][0] if svc["team_ids"] else None
        prio = f["priority"]
        mine_acks = [at for at, u in f["acks"] if u == uid]
        notices = [at for at, u in f["notifies"] if u == uid]
        classes = {"business": 0, "off": 0, "sleep": 0}
        if inc["urgency"] == "high":
            for at in notices:
                classes[_hour_class(at, b.tz)] += 1
        moves = {}
        for move, frm, to, _ in f["moves"]:
            name = "reassignments" if move == "reassign" else move + "_escalations"
            if uid in frm:
                moves["total_%s_from" % name] = moves.get("total_%s_from" % name, 0) + 1
            if uid in to:
                moves["total_%s_to" % name] = moves.get("total_%s_to" % name, 0) + 1
        row = {"incident_created_at": fmt_naive(inc["created_at"], b.tz), "incident_description": inc["title"],
               "incident_id": inc["id"], "incident_number": inc["number"],
               "incident_priority_id": inc["priority_id"], "incident_priority_name": prio["name"] if prio else None,
               "incident_priority_order": prio["order"] if prio else None, "incident_urgency": inc["urgency"],
               "mean_time_to_acknowledge_seconds": (mine_acks[0] - (notices[0] if notices else inc["created_at"]))
               if mine_acks else None,
               "responder_id": uid, "responder_name": s.users[uid]["name"], "service_id": svc["id"],
               "service_name": svc["name"], "service_team_id": tid,
               "service_team_name": s.teams[tid]["name"] if tid in s.teams else None,
               "total_acknowledgements": len(mine_acks),
               "total_business_hour_interruptions": classes["business"],
               "total_engaged_seconds": f["engaged"].get(uid, 0), "total_interruptions": sum(classes.values()),
               "total_off_hour_interruptions": classes["off"], "total_sleep_hour_interruptions": classes["sleep"]}
        for name in ("manual_escalations", "reassignments", "timeout_escalations"):
            for side in ("from", "to"):
                row["total_%s_%s" % (name, side)] = moves.get("total_%s_%s" % (name, side), 0)
        rows.append(row)
    out = _raw_page(b, rows, "incident_id", ("incident_created_at",))
    out.update({"responder_id": uid, "filters": b.raw_filters, "time_zone": b.tz_name})
    return 200, out
