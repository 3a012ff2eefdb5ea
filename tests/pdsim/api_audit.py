"""The audit trail: `GET /audit/records`, and the records the simulator keeps.

PagerDuty records who changed users, teams, schedules, escalation policies
and services, and how (`method`: `api_token` with the last four characters
of the token, `browser`, `oauth`, ...). The simulator does the same: every
successful write to one of those resources made with a token adds a record
(server.py calls `note_write`), and the control API adds records made
"elsewhere" (`POST /_sim/audit`), such as changes with another token of the
same user.

The list follows the spec (`listAuditRecords`): newest first, `since`
defaults to 24 hours ago and `until` to now, `until` at most 31 days after
`since`, the filters `actor_type`, `actor_id` (only with `actor_type`),
`method_type`, `method_truncated_token` (only with `method_type`),
`actions[]` and `root_resource_types[]`, and cursor pagination (`limit`
default 10, at most 100; `next_cursor` null on the last page). Only admins,
account owners and account-level keys may read it: any other user's key gets
403 (2010).
"""

from util import ApiError, fmt_time_ms, invalid

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
MAX_WINDOW_S = 31 * 86400

# root resource collection -> its reference type (the spec's root_resource_types[])
ROOT_TYPES = {"users": "user_reference", "teams": "team_reference",
              "schedules": "schedule_reference", "escalation_policies": "escalation_policy_reference",
              "services": "service_reference"}
ACTIONS = {"POST": "create", "PUT": "update", "DELETE": "delete"}
METHOD_TYPES = ("browser", "oauth", "api_token", "identity_provider", "other")
ACTOR_TYPES = ("user_reference", "api_key_reference", "app_reference")
READERS = ("owner", "admin")


def add(store, at, root_type, root_id, action, method_type, truncated_token=None, actor_id=None,
        summary=None):
    """Append one record; `actor_id` None means an account-level key did it."""
    store.audit_seq += 1
    actor = ({"id": actor_id, "type": "user_reference", "summary": store.users[actor_id]["name"]}
             if actor_id else {"id": "PAPIKEY", "type": "api_key_reference", "summary": "API key"})
    method = {"type": method_type}
    if truncated_token is not None:
        method["truncated_token"] = truncated_token
    root = {"id": root_id, "type": ROOT_TYPES[root_type], "summary": summary or root_id}
    rec = {"id": "PAUDIT%05d" % store.audit_seq, "at": at, "actors": [actor], "method": method,
           "root_resource": root, "action": action,
           "execution_context": {"request_id": "sim-%d" % store.audit_seq, "remote_address": "127.0.0.1"},
           "details": {"resource": root}}
    store.audit.append(rec)
    return rec


def note_write(store, now, method, path, status, obj, token, token_user):
    """After an API answer: record a successful token write to an audited resource."""
    if method not in ACTIONS or not 200 <= status < 300:
        return
    parts = path.strip("/").split("/")
    if parts[0] not in ROOT_TYPES:
        return
    root_id = parts[1] if len(parts) > 1 else None
    if root_id is None and isinstance(obj, dict):
        made = next((v for v in obj.values() if isinstance(v, dict) and "id" in v), None)
        root_id = made["id"] if made else None
    if root_id is None:
        return
    add(store, now, parts[0], root_id, ACTIONS[method], "api_token", token[-4:], token_user)


def render(rec):
    out = {k: v for k, v in rec.items() if k != "at"}
    out["execution_time"] = fmt_time_ms(rec["at"])
    return out


def list_audit_records(req):
    q, store = req.q, req.store
    if req.token_user_id is not None and store.users[req.token_user_id].get("role") not in READERS:
        raise ApiError(403, 2010, "Access Denied", ["Only admins and account owners can read the audit trail"])
    until = q.time("until") or req.now
    since = q.time("since") or until - 86400
    if since > until:
        raise invalid("since must be before until")
    if until - since > MAX_WINDOW_S:
        raise invalid("until may not be more than 31 days after since")
    actor_type, actor_id = q.get("actor_type"), q.get("actor_id")
    method_type, token = q.get("method_type"), q.get("method_truncated_token")
    if actor_type and actor_type not in ACTOR_TYPES:
        raise invalid("actor_type must be one of %s" % ", ".join(ACTOR_TYPES))
    if actor_id and not actor_type:
        raise invalid("actor_id must be qualified by actor_type")
    if method_type and method_type not in METHOD_TYPES:
        raise invalid("method_type must be one of %s" % ", ".join(METHOD_TYPES))
    if token and not method_type:
        raise invalid("method_truncated_token must be qualified by method_type")
    actions = q.list("actions")
    roots = q.list("root_resource_types")
    for a in actions:
        if a not in ACTIONS.values():
            raise invalid("actions[] must be create, update or delete")
    for t in roots:
        if t not in ROOT_TYPES:
            raise invalid("root_resource_types[] must be one of %s" % ", ".join(ROOT_TYPES))
    limit = q.int("limit", DEFAULT_LIMIT)
    if limit < 1:
        raise invalid("limit must be greater than 0")
    limit = min(limit, MAX_LIMIT)
    root_refs = {ROOT_TYPES[t] for t in roots}

    def keep(r):
        actor = r["actors"][0]
        return (since <= r["at"] <= until
                and (not actor_type or actor["type"] == actor_type)
                and (not actor_id or actor["id"] == actor_id)
                and (not method_type or r["method"]["type"] == method_type)
                and (not token or r["method"].get("truncated_token") == token)
                and (not actions or r["action"] in actions)
                and (not root_refs or r["root_resource"]["type"] in root_refs))

    recs = sorted((r for r in store.audit if keep(r)), key=lambda r: (r["at"], r["id"]), reverse=True)
    start = 0
    cursor = q.get("cursor")
    if cursor:
        ids = [r["id"] for r in recs]
        if cursor not in ids:
            raise invalid("cursor is not valid")
        start = ids.index(cursor) + 1
    page = recs[start:start + limit]
    more = start + limit < len(recs)
    return 200, {"records": [render(r) for r in page], "limit": limit,
                 "next_cursor": page[-1]["id"] if more and page else None}
