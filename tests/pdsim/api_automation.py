"""Endpoint handlers for automation and integrations: incident workflows,
webhook subscriptions and extension schemas.

Owns `/incident_workflows` (list with `query` and `include[]` steps/team, get)
and starting an instance (`POST /incident_workflows/{id}/instances`), which
runs the workflow's steps at once: "send status update" adds a status update,
"add conference bridge" sets the incident's bridge, "add responders" sends a
responder request to the escalation policy in its input. The instance itself
is kept in the store's records (`/_sim/records`). Also owns
`/webhook_subscriptions` (list filtered by `filter_type`/`filter_id`, get,
create, update, delete; the signing secret appears only in the create answer)
and `/extension_schemas` (list, get). Each handler returns (status, body).
"""

import re

import render as r
from api_common import get_or_404, page, ref_id
from store import MAX_OBJECTS
from util import invalid

EVENT_RE = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
FILTER_TYPES = {"account": "account_reference", "account_reference": "account_reference",
                "service": "service_reference", "service_reference": "service_reference",
                "team": "team_reference", "team_reference": "team_reference"}


# ------------------------------------------------------ incident workflows

def list_workflows(req):
    s = req.store
    text = (req.q.get("query") or "").lower()
    items = sorted((w for w in s.workflows.values() if not text or text in w["name"].lower()),
                   key=lambda w: w["name"].lower())
    steps, team = req.ctx.inc_("steps"), req.ctx.inc_("team")
    return page(req, "incident_workflows", [w["id"] for w in items],
                lambda wid: r.workflow(req.ctx, wid, steps=steps, team=team))


def get_workflow(req):
    get_or_404(req.store.workflows, req.params["id"], "Incident Workflow")
    return 200, {"incident_workflow": r.workflow(req.ctx, req.params["id"])}


def _input(step, name):
    return next((x["value"] for x in step["inputs"] if x["name"] == name), None)


def _run_step(req, step, inc):
    s = req.store
    action = step["action_id"]
    actor = req.token_user_id or s.current_user_id
    if ":send-status-update:" in action:
        s.add_status_update(inc, req.now, actor, _input(step, "Message") or step["name"])
    elif ":add-conference-bridge:" in action:
        inc["conference_bridge"] = {"conference_number": _input(step, "Conference Number"),
                                    "conference_url": _input(step, "Conference URL")}
        inc["updated_at"] = max(inc["updated_at"], req.now)
    elif ":add-responders:" in action:
        ep = _input(step, "Escalation Policy")
        if ep in s.escalation_policies and inc["status"] != "resolved":
            s.add_responder_request(inc, req.now, actor, _input(step, "Message") or step["name"],
                                    [("escalation_policy", ep)])


def start_workflow(req):
    s = req.store
    wf = get_or_404(s.workflows, req.params["id"], "Incident Workflow")
    body = req.wrapped("incident_workflow_instance")
    iid = ref_id(body.get("incident"), "incident_workflow_instance.incident")
    inc = s.find_incident(iid)
    if inc is None:
        raise invalid("Incident %s not found" % iid)
    if not wf["is_enabled"]:
        raise invalid("Incident workflow %s is disabled" % wf["id"])
    inst_id = body.get("id") if isinstance(body.get("id"), str) and body.get("id") else s.ids.new()
    for step in wf["steps"]:
        _run_step(req, step, inc)
    inst = {"id": inst_id, "incident_id": inc["id"]}
    s.record("workflow_instance", req.now, id=inst_id, workflow_id=wf["id"], incident_id=inc["id"],
             steps=[st["action_id"] for st in wf["steps"]])
    return 201, {"incident_workflow_instance": r.workflow_instance(req.ctx, inst)}


# --------------------------------------------------- webhook subscriptions

def _filter(s, value):
    if not isinstance(value, dict) or value.get("type") not in ("account_reference", "service_reference",
                                                                "team_reference"):
        raise invalid("filter.type must be account_reference, service_reference or team_reference")
    kind = value["type"]
    if kind == "account_reference":
        return kind, None
    table = s.services if kind == "service_reference" else s.teams
    if value.get("id") not in table:
        raise invalid("filter.id must be a %s of the account" % kind.split("_")[0])
    return kind, value["id"]


def _events(value):
    if not isinstance(value, list) or not value or not all(isinstance(e, str) and EVENT_RE.match(e) for e in value):
        raise invalid("events must be a non-empty array of event types such as incident.triggered")
    return list(dict.fromkeys(value))


def list_webhooks(req):
    s = req.store
    ftype = req.q.get("filter_type")
    if ftype and ftype not in FILTER_TYPES:
        raise invalid("filter_type must be account, service or team")
    fid = req.q.get("filter_id")
    items = [w for w in s.webhooks.values()
             if (not ftype or w["filter"][0] == FILTER_TYPES[ftype]) and (not fid or w["filter"][1] == fid)]
    return page(req, "webhook_subscriptions", [w["id"] for w in items], lambda wid: r.webhook(req.ctx, wid))


def get_webhook(req):
    get_or_404(req.store.webhooks, req.params["id"], "Webhook Subscription")
    return 200, {"webhook_subscription": r.webhook(req.ctx, req.params["id"])}


def create_webhook(req):
    s = req.store
    body = req.wrapped("webhook_subscription")
    if body.get("type", "webhook_subscription") != "webhook_subscription":
        raise invalid("type must be webhook_subscription")
    dm = body.get("delivery_method")
    if not isinstance(dm, dict) or dm.get("type", "http_delivery_method") != "http_delivery_method":
        raise invalid("delivery_method.type must be http_delivery_method")
    url = dm.get("url")
    if not isinstance(url, str) or not re.match(r"^https://[^\s/]+", url):
        raise invalid("delivery_method.url must be an https:// URL")
    headers = dm.get("custom_headers") or []
    if not isinstance(headers, list) or len(headers) > 10 or not all(
            isinstance(h, dict) and isinstance(h.get("name"), str) and isinstance(h.get("value"), str)
            for h in headers):
        raise invalid("delivery_method.custom_headers must be at most 10 {name, value} pairs")
    events = _events(body.get("events"))
    flt = _filter(s, body.get("filter"))
    active = body.get("active", True)
    if not isinstance(active, bool):
        raise invalid("active must be a boolean")
    desc = body.get("description")
    if desc is not None and not isinstance(desc, str):
        raise invalid("description must be a string")
    s.check_cap(s.webhooks, MAX_OBJECTS, "webhook subscriptions")
    wid = s.ids.new()
    s.webhooks[wid] = {"id": wid, "active": active, "description": desc or "", "events": events, "filter": flt,
                       "delivery": {"id": s.ids.new(), "secret": s.ids.hexkey(32), "temporarily_disabled": False,
                                    "url": url, "custom_headers": [{"name": h["name"], "value": h["value"]}
                                                                   for h in headers]}}
    return 200, {"webhook_subscription": r.webhook(req.ctx, wid, with_secret=True)}


def update_webhook(req):
    s = req.store
    w = get_or_404(s.webhooks, req.params["id"], "Webhook Subscription")
    body = req.wrapped("webhook_subscription")
    new = dict(w)
    if body.get("description") is not None:
        if not isinstance(body["description"], str):
            raise invalid("description must be a string")
        new["description"] = body["description"]
    if body.get("events") is not None:
        new["events"] = _events(body["events"])
    if body.get("filter") is not None:
        new["filter"] = _filter(s, body["filter"])
    if body.get("active") is not None:
        if not isinstance(body["active"], bool):
            raise invalid("active must be a boolean")
        new["active"] = body["active"]
    w.update(new)
    return 200, {"webhook_subscription": r.webhook(req.ctx, w["id"])}


def delete_webhook(req):
    get_or_404(req.store.webhooks, req.params["id"], "Webhook Subscription")
    del req.store.webhooks[req.params["id"]]
    return 204, None


# ------------------------------------------------------- extension schemas

def list_extension_schemas(req):
    items = list(req.store.extension_schemas.values())
    return page(req, "extension_schemas", items, lambda es: r.extension_schema(req.ctx, es))


def get_extension_schema(req):
    es = get_or_404(req.store.extension_schemas, req.params["id"], "Extension Schema")
    return 200, {"extension_schema": r.extension_schema(req.ctx, es)}

