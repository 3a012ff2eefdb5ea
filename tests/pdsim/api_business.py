"""Endpoint handlers for the business view: business services, service
dependencies and status pages.

Owns `/business_services` (list, get, create, update, delete),
`/service_dependencies/...` (a business or technical service's immediate
relationships; associate; disassociate) and `/status_pages/...` (pages, their
severities, impacts, statuses and services, posts and post updates with
create, update, delete). Dependencies are relationships between a
`supporting_service` and a `dependent_service`; a technical service cannot
depend on a business service. A status page post's updates must use that
page's statuses, severities, services and impacts of the post's type. Each
handler returns (status, body).
"""

import render as r
from api_common import body_object, get_or_404, page, ref_id
from store import MAX_DEPENDENCIES, MAX_OBJECTS
from util import ApiError, invalid, not_found, parse_time

MAX_POSTS = 500
MAX_POST_UPDATES = 200
POST_TYPES = ("incident", "maintenance")
DEP_TYPES = {"service": "service", "technical_service": "service", "technical_service_reference": "service",
             "service_reference": "service", "business_service": "business_service",
             "business_service_reference": "business_service"}


# ------------------------------------------------------ business services

def _bs_fields(req, bs, body, creating):
    s = req.store
    if creating or body.get("name") is not None:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 255:
            raise invalid("name is required (at most 255 characters)")
        for other in s.business_services.values():
            if other["id"] != bs.get("id") and other["name"].lower() == name.lower():
                raise invalid("Name has already been taken")
        bs["name"] = name
    for key in ("description", "point_of_contact"):
        if body.get(key) is not None:
            if not isinstance(body[key], str) or len(body[key]) > 1024:
                raise invalid("%s must be a string" % key)
            bs[key] = body[key]
    if "team" in body:
        if body["team"] is None:
            bs["team_id"] = None
        else:
            tid = ref_id(body["team"], "team")
            if tid not in s.teams:
                raise ApiError(400, 6001, "Team Not Found", ["Team %s not found" % tid])
            bs["team_id"] = tid


def list_business_services(req):
    items = sorted(req.store.business_services.values(), key=lambda b: b["name"].lower())
    return page(req, "business_services", [b["id"] for b in items], lambda bid: r.business_service(req.ctx, bid))


def get_business_service(req):
    get_or_404(req.store.business_services, req.params["id"], "Business Service")
    return 200, {"business_service": r.business_service(req.ctx, req.params["id"])}


def create_business_service(req):
    s = req.store
    body = req.wrapped("business_service")
    s.check_cap(s.business_services, MAX_OBJECTS, "business services")
    bs = {"description": "", "point_of_contact": "", "team_id": None}
    _bs_fields(req, bs, body, True)
    bs["id"] = s.ids.new()
    s.business_services[bs["id"]] = bs
    return 200, {"business_service": r.business_service(req.ctx, bs["id"])}


def update_business_service(req):
    bs = get_or_404(req.store.business_services, req.params["id"], "Business Service")
    _bs_fields(req, bs, req.wrapped("business_service"), False)
    return 200, {"business_service": r.business_service(req.ctx, bs["id"])}


def delete_business_service(req):
    s = req.store
    bs = get_or_404(s.business_services, req.params["id"], "Business Service")
    for dep_id in [d for d, dep in s.dependencies.items() if ("business_service", bs["id"]) in
                   (dep["supporting"], dep["dependent"])]:
        del s.dependencies[dep_id]
    for sp in s.status_pages.values():
        sp["services"] = [x for x in sp["services"] if x["business_service_id"] != bs["id"]]
    del s.business_services[bs["id"]]
    return 204, None


# ---------------------------------------------------- service dependencies

def _relationships(req, kind):
    s = req.store
    table = s.business_services if kind == "business_service" else s.services
    ident = req.params["id"]
    if ident not in table:
        raise not_found("%s not found" % ("Business service" if kind == "business_service" else "Service"))
    rels = [r.dependency(req.ctx, d, dep) for d, dep in s.dependencies.items()
            if (kind, ident) in (dep["supporting"], dep["dependent"])]
    return 200, {"relationships": rels}


def business_service_dependencies(req):
    return _relationships(req, "business_service")


def technical_service_dependencies(req):
    return _relationships(req, "service")


def _pairs(req):
    s = req.store
    items = body_object(req).get("relationships")
    if not isinstance(items, list) or not items or len(items) > 100:
        raise invalid("relationships must hold 1 to 100 relationships")
    out = []
    for item in items:
        ends = []
        for side in ("supporting_service", "dependent_service"):
            ref = item.get(side) if isinstance(item, dict) else None
            kind = DEP_TYPES.get(ref.get("type")) if isinstance(ref, dict) else None
            if kind is None or not isinstance(ref.get("id"), str):
                raise invalid("%s needs an id and a type of service or business_service" % side)
            table = s.business_services if kind == "business_service" else s.services
            if ref["id"] not in table:
                raise ApiError(404, 2100, "Not Found", ["%s %s not found" % (ref["type"], ref["id"])])
            ends.append((kind, ref["id"]))
        if ends[0] == ends[1]:
            raise invalid("A service cannot depend on itself")
        if ends[1][0] == "service" and ends[0][0] == "business_service":
            raise invalid("A technical service cannot depend on a business service")
        out.append(tuple(ends))
    return out


def associate(req):
    s = req.store
    pairs = _pairs(req)
    out = []
    for sup, dep in pairs:
        found = next((d for d, x in s.dependencies.items() if x["supporting"] == sup and x["dependent"] == dep), None)
        if found is None:
            s.check_cap(s.dependencies, MAX_DEPENDENCIES, "service dependencies")
            found = s.ids.new("D", 16)
            s.dependencies[found] = {"supporting": sup, "dependent": dep}
        out.append(r.dependency(req.ctx, found, s.dependencies[found]))
    return 200, {"relationships": out}


def disassociate(req):
    s = req.store
    pairs = _pairs(req)
    found = []
    for sup, dep in pairs:
        d = next((d for d, x in s.dependencies.items() if x["supporting"] == sup and x["dependent"] == dep), None)
        if d is None:
            raise ApiError(404, 2100, "Not Found", ["No dependency of %s %s on %s %s" % (dep + sup)])
        found.append(d)
    out = [r.dependency(req.ctx, d, s.dependencies[d]) for d in found]
    for d in found:
        s.dependencies.pop(d, None)
    return 200, {"relationships": out}


# ----------------------------------------------------------- status pages

def _page(req):
    return get_or_404(req.store.status_pages, req.params["id"], "Status Page")


def list_status_pages(req):
    kind = req.q.get("status_page_type")
    if kind not in (None, "", "public", "private"):
        raise invalid("status_page_type must be public or private")
    pages = [p for p in req.store.status_pages.values() if not kind or p["status_page_type"] == kind]
    return page(req, "status_pages", [p["id"] for p in pages], lambda spid: r.status_page(req.ctx, spid))


def _post_type_filter(req):
    pt = req.q.get("post_type")
    if pt not in (None, "") + POST_TYPES:
        raise invalid("post_type must be incident or maintenance")
    return pt


def _items(kind):
    def handler(req):
        sp = _page(req)
        pt = _post_type_filter(req)
        items = [x for x in sp[kind] if not pt or x["post_type"] == pt]
        return page(req, kind, items, lambda x: r.status_page_item(req.ctx, sp["id"], kind, x))
    return handler


def _item(kind, param):
    single = {"severities": "severity", "impacts": "impact", "statuses": "status"}[kind]

    def handler(req):
        sp = _page(req)
        item = next((x for x in sp[kind] if x["id"] == req.params[param]), None)
        if item is None:
            raise not_found("Status page %s not found" % single)
        return 200, {single: r.status_page_item(req.ctx, sp["id"], kind, item)}
    return handler


list_severities, get_severity = _items("severities"), _item("severities", "severity_id")
list_impacts, get_impact = _items("impacts"), _item("impacts", "impact_id")
list_statuses, get_status = _items("statuses"), _item("statuses", "status_id")


def list_page_services(req):
    sp = _page(req)
    return page(req, "services", sp["services"], lambda x: r.status_page_service(req.ctx, sp["id"], x))


def get_page_service(req):
    sp = _page(req)
    item = next((x for x in sp["services"] if x["id"] == req.params["service_id"]), None)
    if item is None:
        raise not_found("Status page service not found")
    return 200, {"service": r.status_page_service(req.ctx, sp["id"], item)}


def _post(req, sp):
    post = sp["posts"].get(req.params["post_id"])
    if post is None:
        raise not_found("Status page post not found")
    return post


def _opt_time(value, field):
    if value is None:
        return None
    try:
        return parse_time(value)
    except (ValueError, AttributeError):
        raise invalid("%s must be an ISO 8601 date-time" % field) from None


def _update_fields(req, sp, post_type, body, field):
    """A post update's stored form, validated against the page and the post type."""
    def own(kind, value, what):
        ident = ref_id(value, "%s.%s" % (field, what))
        item = next((x for x in sp[kind] if x["id"] == ident), None)
        if item is None or item["post_type"] != post_type:
            raise invalid("%s.%s %s is not a %s %s of this status page" % (field, what, ident, post_type, what))
        return ident
    if not isinstance(body, dict):
        raise invalid("%s must be an object" % field)
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        raise invalid("%s.message is required" % field)
    impacted = []
    for x in body.get("impacted_services") or []:
        svc_id = ref_id(x.get("service") if isinstance(x, dict) else None, field + ".impacted_services[].service")
        if not any(sv["id"] == svc_id for sv in sp["services"]):
            raise invalid("%s: %s is not a service of this status page" % (field, svc_id))
        impacted.append((svc_id, own("impacts", x.get("impact"), "impact")))
    freq = body.get("update_frequency_ms")
    if freq is not None and (not isinstance(freq, int) or isinstance(freq, bool) or freq < 0):
        raise invalid("%s.update_frequency_ms must be a non-negative integer or null" % field)
    return {"message": message, "status_id": own("statuses", body.get("status"), "status"),
            "severity_id": own("severities", body.get("severity"), "severity"), "impacted_services": impacted,
            "update_frequency_ms": freq, "notify_subscribers": bool(body.get("notify_subscribers", False)),
            "reported_at": _opt_time(body.get("reported_at"), field + ".reported_at") or req.now,
            "reviewed_status": "approved"}


def _post_fields(req, sp, post, body, creating):
    if creating or body.get("type") is not None:
        if body.get("type") != "status_page_post":
            raise invalid("type must be status_page_post")
    if creating or body.get("post_type") is not None:
        if body.get("post_type") not in POST_TYPES:
            raise invalid("post_type must be incident or maintenance")
        if not creating and body["post_type"] != post["post_type"]:
            raise invalid("post_type cannot change")
        post["post_type"] = body["post_type"]
    if creating or body.get("title") is not None:
        title = body.get("title")
        if not isinstance(title, str) or not title.strip():
            raise invalid("title is required")
        post["title"] = title
    for key in ("starts_at", "ends_at"):
        if creating or key in body:
            post[key] = _opt_time(body.get(key), key)
    if post["post_type"] == "maintenance" and (post["starts_at"] is None or post["ends_at"] is None):
        raise invalid("A maintenance post needs starts_at and ends_at")
    if post["starts_at"] is not None and post["ends_at"] is not None and post["ends_at"] < post["starts_at"]:
        raise invalid("ends_at must not be before starts_at")
    if creating or body.get("status_page") is not None:
        if ref_id(body.get("status_page"), "status_page") != sp["id"]:
            raise invalid("status_page.id must be the status page of the URL")


def list_posts(req):
    sp = _page(req)
    pt = _post_type_filter(req)
    reviewed = req.q.get("reviewed_status")
    statuses = set(req.q.list("status"))
    posts = []
    for post in sp["posts"].values():
        last = list(post["updates"].values())[-1] if post["updates"] else None
        if pt and post["post_type"] != pt:
            continue
        if reviewed and not any(u["reviewed_status"] == reviewed for u in post["updates"].values()):
            continue
        if statuses and (last is None or last["status_id"] not in statuses):
            continue
        posts.append(post)
    return page(req, "posts", posts, lambda p: r.status_page_post(req.ctx, sp["id"], p))


def create_post(req):
    s = req.store
    sp = _page(req)
    body = req.wrapped("post")
    if len(sp["posts"]) >= MAX_POSTS:
        raise ApiError(400, 2019, "Product Limit Reached", ["At most %d posts per status page" % MAX_POSTS])
    post = {"linked_incident_id": None, "updates": {}}
    _post_fields(req, sp, post, body, True)
    updates = body.get("updates")
    if not isinstance(updates, list) or not 1 <= len(updates) <= 10:
        raise invalid("updates must hold 1 to 10 post updates")
    made = [_update_fields(req, sp, post["post_type"], u, "updates[%d]" % i) for i, u in enumerate(updates)]
    post["id"] = s.ids.new()
    for u in made:
        u["id"] = s.ids.new()
        post["updates"][u["id"]] = u
    sp["posts"][post["id"]] = post
    return 201, {"post": r.status_page_post(req.ctx, sp["id"], post)}


def get_post(req):
    sp = _page(req)
    post = _post(req, sp)
    full = "status_page_post_update" in req.ctx.includes
    return 200, {"post": r.status_page_post(req.ctx, sp["id"], post, full_updates=full)}


def update_post(req):
    sp = _page(req)
    post = _post(req, sp)
    probe = dict(post)
    _post_fields(req, sp, probe, req.wrapped("post"), False)
    post.update(probe)
    return 200, {"post": r.status_page_post(req.ctx, sp["id"], post)}


def delete_post(req):
    sp = _page(req)
    del sp["posts"][_post(req, sp)["id"]]
    return 204, None


def list_post_updates(req):
    sp = _page(req)
    post = _post(req, sp)
    reviewed = req.q.get("reviewed_status")
    if reviewed not in (None, "", "approved", "not_reviewed"):
        raise invalid("reviewed_status must be approved or not_reviewed")
    ups = [u for u in post["updates"].values() if not reviewed or u["reviewed_status"] == reviewed]
    return page(req, "post_updates", ups, lambda u: r.post_update(req.ctx, sp["id"], post["id"], u))


def create_post_update(req):
    s = req.store
    sp = _page(req)
    post = _post(req, sp)
    body = req.wrapped("post_update")
    if body.get("post") is not None and ref_id(body["post"], "post") != post["id"]:
        raise invalid("post.id must be the post of the URL")
    if len(post["updates"]) >= MAX_POST_UPDATES:
        raise ApiError(400, 2019, "Product Limit Reached", ["At most %d updates per post" % MAX_POST_UPDATES])
    u = _update_fields(req, sp, post["post_type"], body, "post_update")
    u["id"] = s.ids.new()
    post["updates"][u["id"]] = u
    return 201, {"post_update": r.post_update(req.ctx, sp["id"], post["id"], u)}


def _post_update(req, post):
    u = post["updates"].get(req.params["post_update_id"])
    if u is None:
        raise not_found("Status page post update not found")
    return u


def get_post_update(req):
    sp = _page(req)
    post = _post(req, sp)
    return 200, {"post_update": r.post_update(req.ctx, sp["id"], post["id"], _post_update(req, post))}


def update_post_update(req):
    sp = _page(req)
    post = _post(req, sp)
    u = _post_update(req, post)
    new = _update_fields(req, sp, post["post_type"], req.wrapped("post_update"), "post_update")
    u.update(new)
    return 200, {"post_update": r.post_update(req.ctx, sp["id"], post["id"], u)}


def delete_post_update(req):
    sp = _page(req)
    post = _post(req, sp)
    u = _post_update(req, post)
    if len(post["updates"]) == 1:
        raise invalid("A post keeps at least one update")
    del post["updates"][u["id"]]
    return 204, None
