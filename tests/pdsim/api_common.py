"""What every endpoint handler shares: the request object and list helpers.

`Req` is what a handler receives (path params, parsed query, JSON body, the
rendering context, the store, "now", the acting user from `From`, the token's
user). `page()` implements PagerDuty's classic pagination (limit default 25,
clamped to 100 unless an endpoint says otherwise; offset+limit > 10000 is a
400; `total` null unless `total=true`; `more`). The cursor styles some newer
endpoints use live with them (`after`/`before` in api_events.py, analytics'
`starting_after`/`ending_before` in api_analytics.py). The remaining helpers
validate bodies and references.
"""

import json

from util import ApiError, invalid, not_found

MAX_LIMIT = 100
DEFAULT_LIMIT = 25
MAX_WINDOW = 10000


class Req:
    def __init__(self, method, path, params, q, body, headers, store, ctx, now, actor_id, token_user_id, sim):
        self.method = method
        self.path = path
        self.params = params
        self.q = q
        self.raw_body = body
        self.headers = headers
        self.store = store
        self.ctx = ctx
        self.now = now
        self.actor_id = actor_id
        self.token_user_id = token_user_id
        self.sim = sim

    def json(self):
        if not self.raw_body:
            raise invalid("A JSON request body is required")
        try:
            return json.loads(self.raw_body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise invalid("The request body is not valid JSON") from None

    def wrapped(self, key):
        body = self.json()
        if not isinstance(body, dict) or not isinstance(body.get(key), dict):
            raise invalid("%s must be an object" % key)
        return body[key]


def limit_offset(q, default=DEFAULT_LIMIT, maximum=MAX_LIMIT):
    limit = q.int("limit", default)
    offset = q.int("offset", 0)
    if limit < 1:
        raise invalid("limit must be greater than 0")
    if offset < 0:
        raise invalid("offset must be greater than or equal to 0")
    limit = min(limit, maximum)
    if offset + limit > MAX_WINDOW:
        raise ApiError(400, 2002, "Arguments Caused Error", [
            "Offset+limit exceeds maximum allowed value of 10000. Please try to refine your search to "
            "reduce the returned set of records below this number, like adding a date range."])
    return limit, offset


def page(req, key, items, render, default=DEFAULT_LIMIT, maximum=MAX_LIMIT, total_key=True):
    """Classic pagination over `items`, rendering only the returned page.

    `total_key=False` is for envelopes whose schema has no `total` (v3 schedules):
    it then appears only when `total=true` asks for it."""
    limit, offset = limit_offset(req.q, default, maximum)
    chunk = items[offset:offset + limit]
    out = {key: [render(x) for x in chunk], "limit": limit, "offset": offset,
           "more": offset + len(chunk) < len(items)}
    if total_key or req.q.bool("total"):
        out["total"] = len(items) if req.q.bool("total") else None
    return 200, out


def body_object(req):
    """The JSON body as an object, or a 400."""
    body = req.json()
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object")
    return body


def get_or_404(table, ident, what):
    obj = table.get(ident)
    if obj is None:
        raise not_found("%s not found" % what)
    return obj


def ref_id(value, field):
    """The `id` of a `{id, type}` reference in a body, or a 400."""
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        raise invalid("%s must be a reference object with an id" % field)
    return value["id"]


def name_query(items, q, fields=("name",)):
    """Case-insensitive substring match of `query` against the given fields."""
    text = (q.get("query") or "").lower()
    if not text:
        return items
    return [x for x in items if any(text in (x.get(f) or "").lower() for f in fields)]


def by_name(items, q=None, allowed=("name", "name:asc", "name:desc")):
    order = (q.get("sort_by") if q else None) or "name"
    if order not in allowed:
        raise invalid("sort_by must be one of %s" % ", ".join(allowed))
    return sorted(items, key=lambda x: x["name"].lower(), reverse=order.endswith(":desc"))


def window(q, tz, now, span, max_span=None):
    """(since, until) with each defaulting to `span` either side of the other."""
    since, until = q.time("since", tz), q.time("until", tz)
    if since is None and until is None:
        since, until = now, now + span
    elif since is None:
        since = until - span
    elif until is None:
        until = since + span
    if until < since:
        raise invalid("until must not be before since", code=2005, message="Invalid Query Date Range")
    if max_span is not None and until - since > max_span:
        raise invalid("The date range is too long", code=2005, message="Invalid Query Date Range")
    return since, until
