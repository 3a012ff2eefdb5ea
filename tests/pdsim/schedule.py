"""Schedule rendering and on-call computation, done at request time.

This module owns the rules that turn stored schedules into who is on call:
  * a layer hands off every `turn` seconds counted from `rvs` (its
    rotation_virtual_start), cycling through its users, active from `start`
    to `end` (or forever), and only inside its restriction windows if it has
    any (`daily_restriction` / `weekly_restriction`, read in the schedule's
    time zone, DST-aware);
  * layers later in the list take precedence over earlier ones (Layer 2 over
    Layer 1), and overrides take precedence over every layer (the newest
    override wins where two overlap);
  * on-calls come from escalation policies: a user target is on call
    permanently (start/end null), a schedule target yields one on-call per
    final-schedule entry overlapping the asked range; a shift-based (v3)
    schedule target yields one per shift (schedule_v3.py does that maths).
Segments are (start, end, user_id) with times in epoch seconds.
"""

import bisect
import datetime as _dt

import schedule_v3
from util import get_tz, local_date, local_to_epoch

DAY = 86400
PAD = 35 * DAY  # how far outside a range whole ("overflow") entries are looked for


def _restriction_windows(layer, tz, a, b):
    wins = []
    first = local_date(a, tz) - _dt.timedelta(days=8)
    last = local_date(b, tz) + _dt.timedelta(days=1)
    for r in layer["restrictions"]:
        d = first
        while d <= last:
            if r["type"] == "daily_restriction" or d.isoweekday() == r.get("start_day_of_week"):
                ws = local_to_epoch(d, r["start_time_of_day"], tz)
                we = ws + r["duration_seconds"]
                if we > a and ws < b:
                    wins.append((max(ws, a), min(we, b)))
            d += _dt.timedelta(days=1)
    wins.sort()
    merged = []
    for ws, we in wins:
        if merged and ws <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], we))
        else:
            merged.append((ws, we))
    return merged


def _merge(segs):
    out = []
    for s, e, u in segs:
        if out and out[-1][2] == u and out[-1][1] == s:
            out[-1] = (out[-1][0], e, u)
        elif e > s:
            out.append((s, e, u))
    return out


_WALL0 = _dt.datetime(1970, 1, 1)


def _to_wall(t, tz):
    """Epoch seconds -> wall-clock seconds in tz (local time read as if UTC)."""
    return int((_dt.datetime.fromtimestamp(t, tz).replace(tzinfo=None) - _WALL0).total_seconds())


def _from_wall(w, tz):
    return int((_WALL0 + _dt.timedelta(seconds=w)).replace(tzinfo=tz).timestamp())


def layer_segments(layer, tz, a, b):
    """Who a layer puts on call during [a, b).

    Turns are counted in the schedule's wall-clock time, so a 09:00 handoff
    stays at 09:00 local across DST changes.
    """
    lo = max(a, layer["start"])
    hi = b if layer.get("end") is None else min(b, layer["end"])
    if lo >= hi or not layer["users"]:
        return []
    windows = _restriction_windows(layer, tz, lo, hi) if layer["restrictions"] else [(lo, hi)]
    n, turn = len(layer["users"]), layer["turn"]
    wall_rvs = _to_wall(layer["rvs"], tz)
    segs = []
    for ws, we in windows:
        t = ws
        while t < we:
            k = (_to_wall(t, tz) - wall_rvs) // turn
            e = _from_wall(wall_rvs + (k + 1) * turn, tz)
            if e <= t:  # inside a DST gap/fold: step past it
                e = t + 3600
            e = min(e, we)
            segs.append((t, e, layer["users"][k % n]))
            t = e
    return _merge(segs)


def override_segments(overrides, a, b):
    segs = [(max(o["start"], a), min(o["end"], b), o["user_id"])
            for o in overrides if o["end"] > a and o["start"] < b]
    return sorted(segs)


def _covering(segs, starts, t):
    i = bisect.bisect_right(starts, t) - 1
    if i >= 0 and segs[i][0] <= t < segs[i][1]:
        return segs[i][2]
    return None


def render(store, sched, a, b):
    """Render a schedule over [a, b): per-layer, overrides and final segments."""
    tz = get_tz(sched["time_zone"])
    layers = [layer_segments(layer, tz, a, b) for layer in sched["layers"]]
    ovs = [o for o in store.overrides.get(sched["id"], []) if o["end"] > a and o["start"] < b]
    ovs_newest_first = sorted(ovs, key=lambda o: -o["seq"])
    points = {a, b}
    for segs in layers:
        for s, e, _ in segs:
            points.add(s)
            points.add(e)
    for o in ovs:
        points.add(max(o["start"], a))
        points.add(min(o["end"], b))
    points = sorted(p for p in points if a <= p <= b)
    layer_starts = [[s for s, _, _ in segs] for segs in layers]
    final = []
    for p, q in zip(points, points[1:]):
        user = None
        for o in ovs_newest_first:
            if o["start"] <= p < o["end"]:
                user = o["user_id"]
                break
        if user is None:
            for segs, starts in zip(reversed(layers), reversed(layer_starts)):
                user = _covering(segs, starts, p)
                if user is not None:
                    break
        if user is not None:
            final.append((p, q, user))
    return {"layers": layers, "overrides": override_segments(ovs, a, b), "final": _merge(final)}


def coverage(segs, a, b):
    if b <= a:
        return 0.0
    covered = sum(min(e, b) - max(s, a) for s, e, _ in segs if e > a and s < b)
    return round(100.0 * covered / (b - a), 2)


def entries(store, sched, a, b, overflow):
    """Final entries overlapping [a, b]; whole entries when `overflow`."""
    if not overflow:
        return render(store, sched, a, b)["final"] if b > a else []
    segs = render(store, sched, a - PAD, b + PAD)["final"]
    if a == b:
        return [s for s in segs if s[0] <= a < s[1]]
    return [s for s in segs if s[1] > a and s[0] < b]


def user_at(store, sched, t):
    final = render(store, sched, t, t + 1)["final"]
    return final[0][2] if final else None


def level_user_ids(store, ep, level, t):
    """User IDs on call at time t for a 1-based escalation level."""
    rules = ep["rules"]
    if not 1 <= level <= len(rules):
        return []
    out = []
    for kind, tid in rules[level - 1]["targets"]:
        if kind == "user":
            uids = [tid]
        elif kind == "schedule_v3":
            uids = schedule_v3.users_at(store.v3_schedules[tid], t)
        else:
            uids = [user_at(store, store.schedules[tid], t)]
        for uid in uids:
            if uid and uid not in out:
                out.append(uid)
    return out


def first_staffed_level(store, ep, t):
    """(level, user_ids) of the first level with anyone on call at t."""
    for level in range(1, len(ep["rules"]) + 1):
        uids = level_user_ids(store, ep, level, t)
        if uids:
            return level, uids
    return 1, []


def oncalls(store, since, until, ep_ids=None, schedule_ids=None, user_ids=None, earliest=False):
    """On-call records (ep_id, level, schedule_id|None, user_id, start, end, schedule kind|None)."""
    cache = {}
    out = []
    for ep in store.escalation_policies.values():
        if ep_ids and ep["id"] not in ep_ids:
            continue
        for level, rule in enumerate(ep["rules"], 1):
            for kind, tid in rule["targets"]:
                if kind == "user":
                    if schedule_ids and "null" not in schedule_ids:
                        continue
                    recs = [(ep["id"], level, None, tid, None, None, None)]
                else:
                    if schedule_ids and tid not in schedule_ids:
                        continue
                    if tid not in cache:
                        cache[tid] = (schedule_v3.entries(store.v3_schedules[tid], since, until)
                                      if kind == "schedule_v3" else
                                      entries(store, store.schedules[tid], since, until, True))
                    recs = [(ep["id"], level, tid, u, s, e, kind) for s, e, u in cache[tid]]
                out.extend(r for r in recs if not user_ids or r[3] in user_ids)
    order = {eid: i for i, eid in enumerate(store.escalation_policies)}
    out.sort(key=lambda r: (order[r[0]], r[1], -1 if r[4] is None else r[4]))
    if earliest:
        seen, kept = set(), []
        for r in out:
            key = (r[0], r[1], r[3])
            if key not in seen:
                seen.add(key)
                kept.append(r)
        out = kept
    return out


def next_oncall_for_user(store, sched, user_id, now, horizon=90 * DAY):
    for s, e, u in entries(store, sched, now, now + horizon, True):
        if u == user_id and e > now:
            return s, e
    return None
