"""The endpoint table: which method + path template runs which handler.

Adding an endpoint is one row here plus a small handler function in
api_incidents.py or api_directory.py (or a new api_*.py module). A row's
`needs_from` marks the writes for which PagerDuty requires a `From` header
naming a known user (pagerduty-api.md section 2); the server checks it before
the handler runs. `{name}` in a template matches one path segment and is
passed to the handler as `req.params[name]`.
"""

import re

import api_directory as d
import api_incidents as i

# (method, path template, handler, needs_from)
ROUTES = [
    ("GET", "/incidents", i.list_incidents, False),
    ("PUT", "/incidents", i.bulk_update, True),
    ("POST", "/incidents", i.create_incident, True),
    ("GET", "/incidents/{id}", i.get_incident, False),
    ("PUT", "/incidents/{id}", i.update_incident, True),
    ("GET", "/incidents/{id}/alerts", i.list_alerts, False),
    ("GET", "/incidents/{id}/alerts/{alert_id}", i.get_alert, False),
    ("GET", "/incidents/{id}/notes", i.list_notes, False),
    ("POST", "/incidents/{id}/notes", i.create_note, True),
    ("GET", "/incidents/{id}/log_entries", i.list_incident_log_entries, False),
    ("POST", "/incidents/{id}/snooze", i.snooze, True),
    ("PUT", "/incidents/{id}/merge", i.merge, True),
    ("GET", "/log_entries", i.list_log_entries, False),
    ("GET", "/log_entries/{id}", i.get_log_entry, False),
    ("GET", "/oncalls", d.list_oncalls, False),
    ("GET", "/users", d.list_users, False),
    ("GET", "/users/me", d.get_me, False),
    ("GET", "/users/{id}", d.get_user, False),
    ("GET", "/teams", d.list_teams, False),
    ("GET", "/teams/{id}", d.get_team, False),
    ("GET", "/teams/{id}/members", d.list_team_members, False),
    ("GET", "/schedules", d.list_schedules, False),
    ("GET", "/schedules/{id}", d.get_schedule, False),
    ("GET", "/schedules/{id}/users", d.list_schedule_users, False),
    ("GET", "/schedules/{id}/overrides", d.list_overrides, False),
    ("POST", "/schedules/{id}/overrides", d.create_overrides, False),
    ("DELETE", "/schedules/{id}/overrides/{override_id}", d.delete_override, False),
    ("GET", "/escalation_policies", d.list_escalation_policies, False),
    ("GET", "/escalation_policies/{id}", d.get_escalation_policy, False),
    ("GET", "/services", d.list_services, False),
    ("GET", "/services/{id}", d.get_service, False),
    ("GET", "/priorities", d.list_priorities, False),
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
