"""The endpoint table: which method + path template runs which handler.

Adding an endpoint is one row here plus a small handler function in one of
the api_*.py modules. A row's `needs_from` marks the writes for which
PagerDuty requires a `From` header naming a known user (the spec's `From`
parameter, pagerduty-api.md section 2); the server checks it before the
handler runs. `FROM_OPTIONAL` (the spec lists `From` but does not require it)
checks the header only when it is sent. `{name}` in a template matches one
path segment and is passed to the handler as `req.params[name]`. When two
templates match a path, the earlier row wins, so fixed segments
(`/users/me`, `/event_orchestrations/services/...`) come before `{id}` rows.
ENDPOINTS.md lists every row with its pagination style and the official MCP
server tools that call it.
"""

import re

import api_analytics as an
import api_audit as audit
import api_automation as au
import api_business as b
import api_directory as d
import api_events as ev
import api_incidents as i
import api_schedules_v3 as v3

FROM_OPTIONAL = "optional"

# (method, path template, handler, needs_from)
ROUTES = [
    # incidents, alerts, notes, log entries
    ("GET", "/incidents", i.list_incidents, False),
    ("PUT", "/incidents", i.bulk_update, True),
    ("POST", "/incidents", i.create_incident, True),
    ("GET", "/incidents/{id}", i.get_incident, False),
    ("PUT", "/incidents/{id}", i.update_incident, True),
    ("GET", "/incidents/{id}/alerts", i.list_alerts, False),
    ("PUT", "/incidents/{id}/alerts", i.update_alerts, True),
    ("GET", "/incidents/{id}/alerts/{alert_id}", i.get_alert, False),
    ("PUT", "/incidents/{id}/alerts/{alert_id}", i.update_alert, True),
    ("GET", "/incidents/{id}/notes", i.list_notes, False),
    ("POST", "/incidents/{id}/notes", i.create_note, True),
    ("PUT", "/incidents/{id}/notes/{note_id}", i.update_note, True),
    ("DELETE", "/incidents/{id}/notes/{note_id}", i.delete_note, False),
    ("GET", "/incidents/{id}/log_entries", i.list_incident_log_entries, False),
    ("POST", "/incidents/{id}/snooze", i.snooze, True),
    ("PUT", "/incidents/{id}/merge", i.merge, True),
    ("POST", "/incidents/{id}/responder_requests", i.create_responder_request, False),
    ("POST", "/incidents/{id}/status_updates", i.create_status_update, True),
    ("GET", "/incidents/{id}/outlier_incident", i.outlier_incident, False),
    ("GET", "/incidents/{id}/past_incidents", i.past_incidents, False),
    ("GET", "/incidents/{id}/related_incidents", i.related_incidents, False),
    ("GET", "/incidents/{id}/related_change_events", ev.related_change_events, False),
    ("GET", "/log_entries", i.list_log_entries, False),
    ("GET", "/log_entries/{id}", i.get_log_entry, False),
    # on-call and directory
    ("GET", "/oncalls", d.list_oncalls, False),
    ("GET", "/users", d.list_users, False),
    ("POST", "/users", d.create_user, True),
    ("GET", "/users/me", d.get_me, False),
    ("GET", "/users/{id}", d.get_user, False),
    ("GET", "/teams", d.list_teams, False),
    ("POST", "/teams", d.create_team, False),
    ("GET", "/teams/{id}", d.get_team, False),
    ("PUT", "/teams/{id}", d.update_team, False),
    ("DELETE", "/teams/{id}", d.delete_team, False),
    ("GET", "/teams/{id}/members", d.list_team_members, False),
    ("PUT", "/teams/{id}/users/{user_id}", d.add_team_member, False),
    ("DELETE", "/teams/{id}/users/{user_id}", d.remove_team_member, False),
    ("GET", "/schedules", d.list_schedules, False),
    ("POST", "/schedules", d.create_schedule, False),
    ("GET", "/schedules/{id}", d.get_schedule, False),
    ("PUT", "/schedules/{id}", d.update_schedule, False),
    ("GET", "/schedules/{id}/users", d.list_schedule_users, False),
    ("GET", "/schedules/{id}/overrides", d.list_overrides, False),
    ("POST", "/schedules/{id}/overrides", d.create_overrides, False),
    ("DELETE", "/schedules/{id}/overrides/{override_id}", d.delete_override, False),
    ("GET", "/escalation_policies", d.list_escalation_policies, False),
    ("POST", "/escalation_policies", d.create_escalation_policy, FROM_OPTIONAL),
    ("GET", "/escalation_policies/{id}", d.get_escalation_policy, False),
    ("PUT", "/escalation_policies/{id}", d.update_escalation_policy, False),
    ("GET", "/services", d.list_services, False),
    ("POST", "/services", d.create_service, False),
    ("GET", "/services/{id}", d.get_service, False),
    ("PUT", "/services/{id}", d.update_service, False),
    ("GET", "/services/{id}/change_events", ev.list_service_change_events, False),
    ("GET", "/priorities", d.list_priorities, False),
    # shift-based (v3) schedules
    ("GET", "/v3/schedules", v3.list_schedules, False),
    ("POST", "/v3/schedules", v3.create_schedule, False),
    ("GET", "/v3/schedules/{id}", v3.get_schedule, False),
    ("PUT", "/v3/schedules/{id}", v3.update_schedule, False),
    ("DELETE", "/v3/schedules/{id}", v3.delete_schedule, False),
    ("GET", "/v3/schedules/{id}/rotations", v3.list_rotations, False),
    ("POST", "/v3/schedules/{id}/rotations", v3.create_rotation, False),
    ("GET", "/v3/schedules/{id}/rotations/{rotation_id}", v3.get_rotation, False),
    ("DELETE", "/v3/schedules/{id}/rotations/{rotation_id}", v3.delete_rotation, False),
    ("GET", "/v3/schedules/{id}/rotations/{rotation_id}/events", v3.list_events, False),
    ("POST", "/v3/schedules/{id}/rotations/{rotation_id}/events", v3.create_event, False),
    ("GET", "/v3/schedules/{id}/rotations/{rotation_id}/events/{event_id}", v3.get_event, False),
    ("PUT", "/v3/schedules/{id}/rotations/{rotation_id}/events/{event_id}", v3.update_event, False),
    ("DELETE", "/v3/schedules/{id}/rotations/{rotation_id}/events/{event_id}", v3.delete_event, False),
    ("GET", "/v3/schedules/{id}/custom_shifts", v3.list_custom_shifts, False),
    ("POST", "/v3/schedules/{id}/custom_shifts", v3.create_custom_shifts, False),
    ("GET", "/v3/schedules/{id}/custom_shifts/{custom_shift_id}", v3.get_custom_shift, False),
    ("PUT", "/v3/schedules/{id}/custom_shifts/{custom_shift_id}", v3.update_custom_shift, False),
    ("DELETE", "/v3/schedules/{id}/custom_shifts/{custom_shift_id}", v3.delete_custom_shift, False),
    ("GET", "/v3/schedules/{id}/overrides", v3.list_overrides, False),
    ("POST", "/v3/schedules/{id}/overrides", v3.create_overrides, False),
    ("GET", "/v3/schedules/{id}/overrides/{override_id}", v3.get_override, False),
    ("PUT", "/v3/schedules/{id}/overrides/{override_id}", v3.update_override, False),
    ("DELETE", "/v3/schedules/{id}/overrides/{override_id}", v3.delete_override, False),
    # business services, dependencies, status pages
    ("GET", "/business_services", b.list_business_services, False),
    ("POST", "/business_services", b.create_business_service, False),
    ("GET", "/business_services/{id}", b.get_business_service, False),
    ("PUT", "/business_services/{id}", b.update_business_service, False),
    ("DELETE", "/business_services/{id}", b.delete_business_service, False),
    ("GET", "/service_dependencies/business_services/{id}", b.business_service_dependencies, False),
    ("GET", "/service_dependencies/technical_services/{id}", b.technical_service_dependencies, False),
    ("POST", "/service_dependencies/associate", b.associate, False),
    ("POST", "/service_dependencies/disassociate", b.disassociate, False),
    ("GET", "/status_pages", b.list_status_pages, False),
    ("GET", "/status_pages/{id}/impacts", b.list_impacts, False),
    ("GET", "/status_pages/{id}/impacts/{impact_id}", b.get_impact, False),
    ("GET", "/status_pages/{id}/services", b.list_page_services, False),
    ("GET", "/status_pages/{id}/services/{service_id}", b.get_page_service, False),
    ("GET", "/status_pages/{id}/severities", b.list_severities, False),
    ("GET", "/status_pages/{id}/severities/{severity_id}", b.get_severity, False),
    ("GET", "/status_pages/{id}/statuses", b.list_statuses, False),
    ("GET", "/status_pages/{id}/statuses/{status_id}", b.get_status, False),
    ("GET", "/status_pages/{id}/posts", b.list_posts, False),
    ("POST", "/status_pages/{id}/posts", b.create_post, False),
    ("GET", "/status_pages/{id}/posts/{post_id}", b.get_post, False),
    ("PUT", "/status_pages/{id}/posts/{post_id}", b.update_post, False),
    ("DELETE", "/status_pages/{id}/posts/{post_id}", b.delete_post, False),
    ("GET", "/status_pages/{id}/posts/{post_id}/post_updates", b.list_post_updates, False),
    ("POST", "/status_pages/{id}/posts/{post_id}/post_updates", b.create_post_update, False),
    ("GET", "/status_pages/{id}/posts/{post_id}/post_updates/{post_update_id}", b.get_post_update, False),
    ("PUT", "/status_pages/{id}/posts/{post_id}/post_updates/{post_update_id}", b.update_post_update, False),
    ("DELETE", "/status_pages/{id}/posts/{post_id}/post_updates/{post_update_id}", b.delete_post_update, False),
    # change events, event orchestrations, alert grouping settings
    ("GET", "/change_events", ev.list_change_events, False),
    ("POST", "/change_events", ev.create_change_event, False),
    ("GET", "/change_events/{id}", ev.get_change_event, False),
    ("PUT", "/change_events/{id}", ev.update_change_event, False),
    ("GET", "/event_orchestrations", ev.list_orchestrations, False),
    ("GET", "/event_orchestrations/services/{service_id}", ev.get_service_orchestration, False),
    ("PUT", "/event_orchestrations/services/{service_id}", ev.update_service_orchestration, False),
    ("GET", "/event_orchestrations/services/{service_id}/active", ev.get_service_active, False),
    ("PUT", "/event_orchestrations/services/{service_id}/active", ev.update_service_active, False),
    ("GET", "/event_orchestrations/{id}", ev.get_orchestration, False),
    ("GET", "/event_orchestrations/{id}/router", ev.get_router, False),
    ("PUT", "/event_orchestrations/{id}/router", ev.update_router, False),
    ("GET", "/event_orchestrations/{id}/global", ev.get_global, False),
    ("PUT", "/event_orchestrations/{id}/global", ev.update_global, False),
    ("GET", "/event_orchestrations/{id}/unrouted", ev.get_unrouted, False),
    ("PUT", "/event_orchestrations/{id}/unrouted", ev.update_unrouted, False),
    ("GET", "/alert_grouping_settings", ev.list_alert_grouping_settings, False),
    ("POST", "/alert_grouping_settings", ev.create_alert_grouping_setting, False),
    ("GET", "/alert_grouping_settings/{id}", ev.get_alert_grouping_setting, False),
    ("PUT", "/alert_grouping_settings/{id}", ev.update_alert_grouping_setting, False),
    ("DELETE", "/alert_grouping_settings/{id}", ev.delete_alert_grouping_setting, False),
    # incident workflows, webhooks, extension schemas
    ("GET", "/incident_workflows", au.list_workflows, False),
    ("GET", "/incident_workflows/{id}", au.get_workflow, False),
    ("POST", "/incident_workflows/{id}/instances", au.start_workflow, False),
    ("GET", "/webhook_subscriptions", au.list_webhooks, False),
    ("POST", "/webhook_subscriptions", au.create_webhook, False),
    ("GET", "/webhook_subscriptions/{id}", au.get_webhook, False),
    ("PUT", "/webhook_subscriptions/{id}", au.update_webhook, False),
    ("DELETE", "/webhook_subscriptions/{id}", au.delete_webhook, False),
    ("GET", "/extension_schemas", au.list_extension_schemas, False),
    ("GET", "/extension_schemas/{id}", au.get_extension_schema, False),
    # analytics
    ("POST", "/analytics/metrics/incidents/all", an.metrics_incidents_all, False),
    ("POST", "/analytics/metrics/incidents/services", an.metrics_incidents_services, False),
    ("POST", "/analytics/metrics/incidents/teams", an.metrics_incidents_teams, False),
    ("POST", "/analytics/metrics/responders/all", an.metrics_responders_all, False),
    ("POST", "/analytics/metrics/responders/teams", an.metrics_responders_teams, False),
    ("POST", "/analytics/raw/incidents", an.raw_incidents, False),
    ("GET", "/analytics/raw/incidents/{id}", an.raw_incident_one, False),
    ("POST", "/analytics/raw/responders/{responder_id}/incidents", an.raw_responder_incidents, False),
    # the audit trail (pdbridge usage)
    ("GET", "/audit/records", audit.list_audit_records, False),
]


def _compile(template):
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "/?$")


_TABLE = [(m, _compile(t), h, f) for m, t, h, f in ROUTES]


def match(method, path):
    """(handler, params, needs_from) or (None, allowed_methods, None)."""
    allowed = []
    for m, rx, handler, needs_from in _TABLE:
        mt = rx.match(path)
        if not mt:
            continue
        if m == method:
            return handler, mt.groupdict(), needs_from
        allowed.append(m)
    return None, allowed, None
