"""The simulator clock and the `/_sim/` control API (no auth, loopback only).

Clock modes: "running" (starts at a chosen instant and advances in real time;
the default starts at the data set's epoch), "fixed" (a pinned instant), and
"real" (wall-clock time). Control endpoints, all JSON:
  GET    /_sim/health                 {"ok":true}
  GET    /_sim/info                   seed, epoch, now, current user, counts, limits
  POST   /_sim/faults                 add a rule (object) or rules (array) -> 201 {"faults":[...]}
  GET    /_sim/faults                 {"faults":[...]}
  DELETE /_sim/faults[/{id}]          remove all rules (or one) -> {"cleared":N}
  GET    /_sim/requests[?limit=N]     {"requests":[...]} oldest first (last 10,000 kept)
  DELETE /_sim/requests               {"cleared":N}
  GET    /_sim/incidents[?status=S]   {"incidents":[{"id","status","service_id","updated_at"}]} oldest
                                      first: the store itself, never faulted nor rate limited
  GET    /_sim/records[?kind=&incident_id=]  {"records":[...]} status updates, responder requests and
                                      workflow instances (writes PagerDuty has no GET for), oldest first
  POST   /_sim/audit                  {"truncated_token","action","root_resource_type","root_resource_id",
                                      "method","actor_id","at"} -> 201 {"record":{...}}: an audit record
                                      made elsewhere (another token of the user, the browser)
  GET    /_sim/stats                  {"connections_accepted","tls_handshakes","requests",...}
  DELETE /_sim/stats                  zero the counters
  POST   /_sim/reset                  rebuild the seeded data set -> {"reset":true,...}
  POST   /_sim/trigger                {"service_id","title","urgency","incident_key","severity","details"}
                                      -> 201 {"incident":{...}} (triggered, with one alert)
  GET    /_sim/clock                  {"now":ISO,"mode":"running|fixed|real"}
  POST   /_sim/clock                  {"now":ISO[,"running":true]} or {"advance":seconds}
  DELETE /_sim/clock                  back to real time
  GET/POST/DELETE /_sim/ratelimit     {"limit":N,"window":S,"enforce":bool}
Handlers get (sim, request handler, path match), return (status, body) and
raise util.ApiError on bad input.
"""

import json
import re
import threading
import time

import api_audit
from api_incidents import sim_trigger
from faults import FaultError
from render import Ctx, incident
from util import fmt_time, invalid, not_found, parse_time


class Clock:
    def __init__(self, start=None, mode="running"):
        self._lock = threading.Lock()
        self.set(start, mode)

    def set(self, start, mode):
        with self._lock:
            self.mode = mode
            self._base = start if start is not None else int(time.time())
            self._t0 = time.monotonic()

    def now(self):
        with self._lock:
            if self.mode == "real":
                return int(time.time())
            if self.mode == "fixed":
                return self._base
            return self._base + int(time.monotonic() - self._t0)

    def advance(self, seconds):
        now = self.now()
        self.set(now + seconds, "fixed" if self.mode == "fixed" else "running")


def _body(h):
    if not h.req_body:
        return {}
    try:
        return json.loads(h.req_body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise invalid("The request body is not valid JSON") from None


def health(sim, h, m):
    return 200, {"ok": True}


def info(sim, h, m):
    s = sim.store
    with s.lock:
        me = s.users[s.current_user_id]
        return 200, {"seed": s.seed, "epoch": fmt_time(s.epoch), "now": fmt_time(sim.clock.now()),
                     "clock": sim.clock.mode, "tls": sim.tls,
                     "current_user": {"id": me["id"], "email": me["email"], "name": me["name"]},
                     "counts": {"users": len(s.users), "teams": len(s.teams), "schedules": len(s.schedules),
                                "escalation_policies": len(s.escalation_policies), "services": len(s.services),
                                "priorities": len(s.priorities), "incidents": len(s.incidents),
                                "alerts": len(s.alerts), "log_entries": len(s.log_entries),
                                "notes": sum(len(n) for n in s.notes.values()),
                                "business_services": len(s.business_services),
                                "service_dependencies": len(s.dependencies),
                                "v3_schedules": len(s.v3_schedules), "change_events": len(s.change_events),
                                "event_orchestrations": len(s.orchestrations),
                                "incident_workflows": len(s.workflows), "status_pages": len(s.status_pages),
                                "alert_grouping_settings": len(s.alert_grouping),
                                "webhook_subscriptions": len(s.webhooks),
                                "extension_schemas": len(s.extension_schemas), "records": len(s.records)}}


def add_faults(sim, h, m):
    body = _body(h)
    specs = body if isinstance(body, list) else [body]
    try:
        return 201, {"faults": [sim.faults.add(spec) for spec in specs]}
    except FaultError as exc:
        raise invalid(str(exc)) from None


def list_faults(sim, h, m):
    return 200, {"faults": sim.faults.list()}


def clear_faults(sim, h, m):
    return 200, {"cleared": sim.faults.clear(m.groupdict().get("id"))}


def get_requests(sim, h, m):
    limit = None
    q = h.sim_query
    if q.get("limit"):
        try:
            limit = int(q.get("limit"))
        except ValueError:
            raise invalid("limit must be an integer") from None
    return 200, {"requests": sim.reqlog.entries(limit)}


def clear_requests(sim, h, m):
    return 200, {"cleared": sim.reqlog.clear()}


INCIDENT_STATUSES = ("triggered", "acknowledged", "resolved")


def get_incidents(sim, h, m):
    """The incidents as the store holds them, read past faults and rate limits: the truth a
    test judges a client's view against."""
    status = h.sim_query.get("status")
    if status and status not in INCIDENT_STATUSES:
        raise invalid("status must be one of %s" % ", ".join(INCIDENT_STATUSES))
    s = sim.store
    with s.lock:
        incs = [{"id": i["id"], "status": i["status"], "service_id": i["service_id"],
                 "updated_at": fmt_time(i["updated_at"])}
                for i in sorted(s.incidents.values(), key=lambda i: i["number"])
                if not status or i["status"] == status]
    return 200, {"incidents": incs}


RECORD_KINDS = ("status_update", "responder_request", "workflow_instance")


def get_records(sim, h, m):
    """Writes PagerDuty offers no GET for, oldest first; `kind` and `incident_id` filter them."""
    q = h.sim_query
    kind, iid = q.get("kind"), q.get("incident_id")
    if kind and kind not in RECORD_KINDS:
        raise invalid("kind must be one of %s" % ", ".join(RECORD_KINDS))
    s = sim.store
    with s.lock:
        recs = [dict(r, at=fmt_time(r["at"])) for r in s.records
                if (not kind or r["kind"] == kind) and (not iid or r.get("incident_id") == iid)]
    return 200, {"records": recs}


def add_audit(sim, h, m):
    """An audit record made elsewhere: defaults are an update of the first team by the current
    user with an API token ending in "9xyz", now."""
    body = _body(h)
    if not isinstance(body, dict):
        raise invalid("body must be an object")
    s = sim.store
    with s.lock:
        root_type = body.get("root_resource_type", "teams")
        if root_type not in api_audit.ROOT_TYPES:
            raise invalid("root_resource_type must be one of %s" % ", ".join(api_audit.ROOT_TYPES))
        method = body.get("method", "api_token")
        if method not in api_audit.METHOD_TYPES:
            raise invalid("method must be one of %s" % ", ".join(api_audit.METHOD_TYPES))
        action = body.get("action", "update")
        if action not in api_audit.ACTIONS.values():
            raise invalid("action must be create, update or delete")
        actor = body.get("actor_id", s.current_user_id)
        if actor is not None and actor not in s.users:
            raise invalid("actor_id must be a user ID or null (an account-level key)")
        try:
            at = parse_time(str(body["at"])) if "at" in body else sim.clock.now()
        except ValueError:
            raise invalid("at must be an ISO 8601 time") from None
        table = getattr(s, root_type)
        root_id = body.get("root_resource_id") or next(iter(sorted(table)))
        token = body.get("truncated_token", "9xyz" if method == "api_token" else None)
        rec = api_audit.add(s, at, root_type, root_id, action, method, token, actor)
        return 201, {"record": api_audit.render(rec)}


def get_stats(sim, h, m):
    return 200, sim.stats.snapshot()


def clear_stats(sim, h, m):
    sim.stats.reset()
    return 200, sim.stats.snapshot()


def reset(sim, h, m):
    sim.reset_data()
    return 200, {"reset": True, "seed": sim.seed, "epoch": fmt_time(sim.epoch)}


def trigger(sim, h, m):
    body = _body(h)
    if not isinstance(body, dict):
        raise invalid("body must be an object")
    s = sim.store
    with s.lock:
        inc = sim_trigger(sim, s, body, sim.clock.now())
        ctx = Ctx(s, h.headers.get("Host"), h.scheme)
        return 201, {"incident": incident(ctx, inc["id"])}


def clock_get(sim, h, m):
    return 200, {"now": fmt_time(sim.clock.now()), "mode": sim.clock.mode}


def clock_set(sim, h, m):
    body = _body(h)
    if not isinstance(body, dict):
        raise invalid("body must be an object")
    if "advance" in body:
        if not isinstance(body["advance"], (int, float)):
            raise invalid("advance must be a number of seconds")
        sim.clock.advance(int(body["advance"]))
    else:
        try:
            t = parse_time(str(body.get("now")))
        except ValueError:
            raise invalid("now must be an ISO 8601 time") from None
        sim.clock.set(t, "running" if body.get("running") else "fixed")
    return clock_get(sim, h, m)


def clock_real(sim, h, m):
    sim.clock.set(None, "real")
    return clock_get(sim, h, m)


def ratelimit_get(sim, h, m):
    return 200, sim.limiter.config()


def ratelimit_set(sim, h, m):
    body = _body(h)
    if not isinstance(body, dict):
        raise invalid("body must be an object")
    try:
        sim.limiter.configure(body.get("limit"), body.get("window"), body.get("enforce", True))
    except ValueError as exc:
        raise invalid(str(exc)) from None
    return 200, sim.limiter.config()


def ratelimit_off(sim, h, m):
    sim.limiter.configure(None, None, False)
    return 200, sim.limiter.config()


ROUTES = [
    ("GET", r"/_sim/health", health),
    ("GET", r"/_sim/info", info),
    ("POST", r"/_sim/faults", add_faults),
    ("GET", r"/_sim/faults", list_faults),
    ("DELETE", r"/_sim/faults(?:/(?P<id>[^/]+))?", clear_faults),
    ("GET", r"/_sim/requests", get_requests),
    ("DELETE", r"/_sim/requests", clear_requests),
    ("GET", r"/_sim/incidents", get_incidents),
    ("GET", r"/_sim/records", get_records),
    ("POST", r"/_sim/audit", add_audit),
    ("GET", r"/_sim/stats", get_stats),
    ("DELETE", r"/_sim/stats", clear_stats),
    ("POST", r"/_sim/reset", reset),
    ("POST", r"/_sim/trigger", trigger),
    ("GET", r"/_sim/clock", clock_get),
    ("POST", r"/_sim/clock", clock_set),
    ("DELETE", r"/_sim/clock", clock_real),
    ("GET", r"/_sim/ratelimit", ratelimit_get),
    ("POST", r"/_sim/ratelimit", ratelimit_set),
    ("DELETE", r"/_sim/ratelimit", ratelimit_off),
]
_TABLE = [(m, re.compile("^" + p + "/?$"), fn) for m, p, fn in ROUTES]


def handle(sim, h, method, path):
    for m, rx, fn in _TABLE:
        mt = rx.match(path)
        if mt and m == method:
            return fn(sim, h, mt)
    raise not_found("No such control endpoint: %s %s" % (method, path))

