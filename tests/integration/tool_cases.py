"""One declarative case per tool of the catalog (test_tools_catalog.py runs them).

A case: "tool", "args", "reqs" = the exact requests the simulator must log,
each (METHOD, path, query, body) with the query as {key: value or [values]}
(or a function (test, query, ids) that checks it) and the body as parsed JSON (left out: not
compared); "shape" = list | object | result | text; "write" for write tools
(their requests must carry From); "setup" runs after the simulator's reset;
"check" = extra assertions on structuredContent; "error" = the tool must
fail with this text instead. {NAME} is replaced by a seeded ID
(test_tools_catalog.seeded_ids). Several cases may cover one tool ("note").
"""

import json

PAGE = {"limit": "100", "offset": "0"}


def page(limit="100", **q):
    """A paged list's query: the filters plus limit and offset 0."""
    return dict(q, limit=limit, offset="0")


def count(n):
    return lambda t, sc, ids: t.assertEqual(len(sc["response"]), n, sc["response_summary"])


def has_id(key):
    return lambda t, sc, ids: t.assertEqual(sc["id"], ids[key])


def text_json(check):
    """The result is JSON text; run @check on the decoded value."""
    return lambda t, sc, ids: check(t, json.loads(sc["result"]), ids)


def _oncalls_of_ep(t, sc, ids):
    t.assertTrue(sc["response"])
    for o in sc["response"]:
        t.assertEqual(o["escalation_policy"]["id"], ids["SERVICE_EP"])


def _my_teams(t, sc, ids):
    t.assertTrue(sc["response"])
    for team in sc["response"]:
        t.assertIn(team["id"], ids["ME_TEAMS"])


def _last_week(t, q, ids):
    import datetime
    since = datetime.datetime.fromisoformat(q.pop("since").replace("Z", "+00:00"))
    until = datetime.datetime.fromisoformat(q.pop("until").replace("Z", "+00:00"))
    t.assertEqual(until - since, datetime.timedelta(days=7))
    t.assertEqual(q, page("100"))


def _schedules(degraded):
    def check(t, sc, ids):
        kinds = {s["kind"] for s in sc["response"]}
        t.assertEqual(sc["degraded"], degraded)
        t.assertEqual([s["api"] for s in sc["sources"]], ["v2", "v3"])
        if degraded:
            t.assertEqual(kinds, {"layer_based"})
            t.assertEqual(sc["sources"][1]["status"], "error")
            t.assertIn("INCOMPLETE", sc["warning"])
        else:
            t.assertEqual(kinds, {"layer_based", "shift_based"})
            t.assertTrue(all(s.get("name") for s in sc["response"]), sc["response"])
    return check


def _fail_v3_list(sim, ids):
    sim.control("POST", "/_sim/faults", {"path": "^/v3/schedules$", "method": "GET",
                                         "kind": "status", "status": 400, "count": -1})


def _kind(k):
    return lambda t, sc, ids: t.assertEqual(sc["result"]["kind"], k)


WINDOW = {"since": "2026-11-01T00:00:00Z", "until": "2026-12-30T00:00:00Z"}
RANGE = {"created_at_start": "2026-11-01T00:00:00Z", "created_at_end": "2026-11-27T00:00:00Z"}
DRANGE = {"date_range_start": "2026-11-01T00:00:00Z", "date_range_end": "2026-11-27T00:00:00Z"}

CASES = [
    # --- incidents and alerts -------------------------------------------------------
    dict(tool="list_incidents",
         args={"statuses": ["triggered"], "urgencies": ["high"], "since": "2026-11-01T00:00:00Z",
               "priorities": ["{PRI}"], "limit": 5},
         reqs=[("GET", "/incidents", page("5", **{"statuses[]": ["triggered"],
                                                  "urgencies[]": ["high"],
                                                  "since": "2026-11-01T00:00:00Z",
                                                  "priority_ids[]": ["{PRI}"]}))],
         shape="list"),
    dict(tool="list_incidents", note="assigned to me", args={"request_scope": "assigned"},
         reqs=[("GET", "/incidents", page(**{"user_ids[]": ["{ME}"]}))], shape="list"),
    dict(tool="list_incidents", note="my teams", args={"request_scope": "teams", "limit": 3},
         reqs=[("GET", "/incidents", lambda t, q, ids: t.assertEqual(
             q, {"team_ids[]": ids["ME_TEAMS"], "limit": "3", "offset": "0"}))], shape="list"),
    dict(tool="list_incidents", note="bad enum", args={"statuses": ["open"]},
         error="statuses[0] must be one of: triggered, acknowledged, resolved"),
    dict(tool="get_incident",
         args={"incident_id": "{INC}", "query_model": {"include": ["assignees"]}},
         reqs=[("GET", "/incidents/{INC}", {"include[]": ["assignees"]})], shape="object",
         check=has_id("INC")),
    dict(tool="get_outlier_incident",
         args={"incident_id": "{INC}", "query_model": {"since": "2026-08-01T00:00:00Z"}},
         reqs=[("GET", "/incidents/{INC}/outlier_incident", {"since": "2026-08-01T00:00:00Z"})],
         shape="object", check=lambda t, sc, ids: t.assertIn("incident", sc["outlier_incident"])),
    dict(tool="get_past_incidents", args={"incident_id": "{INC}", "query_model": {}},
         reqs=[("GET", "/incidents/{INC}/past_incidents", {"limit": "5", "total": "false"})],
         shape="object", check=lambda t, sc, ids: t.assertIn("past_incidents", sc)),
    dict(tool="get_related_incidents",
         args={"incident_id": "{INC}", "query_model": {"additional_details": ["incident"]}},
         reqs=[("GET", "/incidents/{INC}/related_incidents",
                {"additional_details[]": ["incident"]})],
         shape="object", check=lambda t, sc, ids: t.assertIn("related_incidents", sc)),
    dict(tool="list_incident_notes", args={"incident_id": "{INC_NOTES}"},
         reqs=[("GET", "/incidents/{INC_NOTES}/notes")], shape="list",
         check=lambda t, sc, ids: t.assertTrue(sc["response"])),
    dict(tool="list_alerts_from_incident", args={"incident_id": "{INC}", "limit": 2},
         reqs=[("GET", "/incidents/{INC}/alerts", page("2"))], shape="list"),
    dict(tool="get_alert_from_incident", args={"incident_id": "{INC}", "alert_id": "{ALERT}"},
         reqs=[("GET", "/incidents/{INC}/alerts/{ALERT}")], shape="object",
         check=has_id("ALERT")),
    dict(tool="get_alert_from_incident", note="blank id",
         args={"incident_id": "{INC}", "alert_id": " \"\" "},
         error="alert_id must be a non-empty ID"),

    # --- services and business services ---------------------------------------------
    dict(tool="list_services", note="team_ids is an alias of teams_ids",
         args={"query": "a", "team_ids": ["{TEAM}"], "limit": 3},
         reqs=[("GET", "/services", page("3", query="a", **{"team_ids[]": ["{TEAM}"]}))],
         shape="list"),
    dict(tool="get_service", args={"service_id": "{SERVICE}"},
         reqs=[("GET", "/services/{SERVICE}")], shape="object", check=has_id("SERVICE")),
    dict(tool="get_technical_service_dependencies", args={"service_id": "{SERVICE}"},
         reqs=[("GET", "/service_dependencies/technical_services/{SERVICE}")], shape="text",
         check=text_json(lambda t, v, ids: t.assertIsInstance(v["relationships"], list))),
    dict(tool="list_business_services", reqs=[("GET", "/business_services", PAGE)],
         shape="text", check=text_json(lambda t, v, ids: t.assertEqual(len(v["response"]), 3))),
    dict(tool="get_business_service_dependencies", args={"business_service_id": "{BS}"},
         reqs=[("GET", "/service_dependencies/business_services/{BS}")], shape="text",
         check=text_json(lambda t, v, ids: t.assertTrue(v["relationships"]))),

    # --- users, teams, on-calls, escalation policies -------------------------------
    dict(tool="get_user_data", reqs=[("GET", "/users/me")], shape="object", check=has_id("ME")),
    dict(tool="list_users", args={"teams_ids": ["{TEAM}"], "query": "a"},
         reqs=[("GET", "/users", page(query="a", **{"team_ids[]": ["{TEAM}"]}))],
         shape="list"),
    dict(tool="list_teams", args={"query": "a", "limit": 2},
         reqs=[("GET", "/teams", page("2", query="a"))], shape="list"),
    dict(tool="list_teams", note="scope my", args={"scope": "my"},
         reqs=[("GET", "/teams", PAGE)], shape="list", check=_my_teams),
    dict(tool="get_team", args={"team_id": "{TEAM}"}, reqs=[("GET", "/teams/{TEAM}")],
         shape="object", check=has_id("TEAM")),
    dict(tool="list_team_members", args={"team_id": "{TEAM}"},
         reqs=[("GET", "/teams/{TEAM}/members", PAGE)], shape="list",
         check=lambda t, sc, ids: t.assertTrue(sc["response"])),
    dict(tool="list_oncalls",
         args={"service_ids": ["{SERVICE}"], "since": "2026-11-27T10:00:00Z", "limit": 3,
               "earliest": False},
         reqs=[("GET", "/services/{SERVICE}"),
               ("GET", "/oncalls", page("3", since="2026-11-27T10:00:00Z", earliest="false",
                                        **{"escalation_policy_ids[]": ["{SERVICE_EP}"]}))],
         shape="list", check=_oncalls_of_ep),
    dict(tool="list_escalation_policies",
         args={"user_ids": ["{USER}"], "include": ["targets"], "query": "a"},
         reqs=[("GET", "/escalation_policies",
                page(query="a", **{"user_ids[]": ["{USER}"], "include[]": ["targets"]}))],
         shape="list"),
    dict(tool="get_escalation_policy", args={"policy_id": "{EP}"},
         reqs=[("GET", "/escalation_policies/{EP}")], shape="object", check=has_id("EP")),

    # --- schedules -----------------------------------------------------------------------
    dict(tool="list_schedules", args={"query_model": {}},
         reqs=[("GET", "/schedules", page("20")), ("GET", "/v3/schedules", page("20")),
               ("GET", "/v3/schedules/{V3}"), ("GET", "/v3/schedules/PZL33H8")],
         shape="list", check=_schedules(False)),
    dict(tool="list_schedules", note="v3 fails: degraded",
         args={"query_model": {"query": "a", "limit": 5}, "enrich": False}, setup=_fail_v3_list,
         reqs=[("GET", "/schedules", page("5", query="a")),
               ("GET", "/v3/schedules", page("5", query="a"))],
         shape="list", check=_schedules(True)),
    dict(tool="get_schedule", args={"schedule_id": "{SCHEDULE}"},
         reqs=[("GET", "/schedules/{SCHEDULE}")], shape="result", check=_kind("layer_based")),
    dict(tool="get_schedule", note="v3 fallback", args={"schedule_id": "{V3}"},
         reqs=[("GET", "/schedules/{V3}"), ("GET", "/v3/schedules/{V3}")], shape="result",
         check=_kind("shift_based")),
    dict(tool="get_schedule", note="kind given", args={"schedule_id": "{V3}",
                                                       "kind": "shift_based"},
         reqs=[("GET", "/v3/schedules/{V3}")], shape="result", check=_kind("shift_based")),
    dict(tool="list_schedule_users", args={"schedule_id": "{SCHEDULE}"},
         reqs=[("GET", "/schedules/{SCHEDULE}/users")], shape="list",
         check=lambda t, sc, ids: t.assertTrue(sc["response"])),
    dict(tool="list_schedule_v3_rotations", args={"schedule_id": "{V3}"},
         reqs=[("GET", "/v3/schedules/{V3}/rotations", PAGE)], shape="list", check=count(2)),
    dict(tool="get_schedule_v3_rotation", args={"schedule_id": "{V3}", "rotation_id": "{ROT}"},
         reqs=[("GET", "/v3/schedules/{V3}/rotations/{ROT}")], shape="object",
         check=has_id("ROT")),
    dict(tool="list_schedule_v3_rotation_events",
         args={"schedule_id": "{V3}", "rotation_id": "{ROT}"},
         reqs=[("GET", "/v3/schedules/{V3}/rotations/{ROT}/events", PAGE)], shape="list",
         check=count(1)),
    dict(tool="get_schedule_v3_rotation_event",
         args={"schedule_id": "{V3}", "rotation_id": "{ROT}", "event_id": "{EVT}"},
         reqs=[("GET", "/v3/schedules/{V3}/rotations/{ROT}/events/{EVT}")], shape="object",
         check=has_id("EVT")),
    dict(tool="list_schedule_v3_custom_shifts", args=dict(WINDOW, schedule_id="{V3}"),
         reqs=[("GET", "/v3/schedules/{V3}/custom_shifts", page(**WINDOW))], shape="list",
         check=count(1)),
    dict(tool="get_schedule_v3_custom_shift",
         args={"schedule_id": "{V3}", "custom_shift_id": "{SHIFT}"},
         reqs=[("GET", "/v3/schedules/{V3}/custom_shifts/{SHIFT}")], shape="object",
         check=has_id("SHIFT")),
    dict(tool="list_schedule_v3_overrides", args=dict(WINDOW, schedule_id="{V3}"),
         reqs=[("GET", "/v3/schedules/{V3}/overrides", page(**WINDOW))], shape="list",
         check=count(1)),
    dict(tool="get_schedule_v3_override", args={"schedule_id": "{V3}", "override_id": "{OVR}"},
         reqs=[("GET", "/v3/schedules/{V3}/overrides/{OVR}")], shape="object",
         check=has_id("OVR")),

    # --- log entries, change events, orchestrations, alert grouping -------------------
    dict(tool="list_log_entries",
         args={"query_model": {"since": "2026-11-26T00:00:00Z", "until": "2026-11-27T00:00:00Z",
                               "limit": 3, "include": ["incidents"], "is_overview": True}},
         reqs=[("GET", "/log_entries", page("3", since="2026-11-26T00:00:00Z",
                                            until="2026-11-27T00:00:00Z", is_overview="true",
                                            **{"include[]": ["incidents"]}))],
         shape="list", check=count(3)),
    dict(tool="list_log_entries", note="default: the last 7 days",
         reqs=[("GET", "/log_entries", _last_week)], shape="list"),
    dict(tool="get_log_entry", args={"log_entry_id": "{LOG}"},
         reqs=[("GET", "/log_entries/{LOG}")], shape="object", check=has_id("LOG")),
    dict(tool="list_change_events",
         args={"since": "2026-11-01T00:00:00Z", "until": "2026-11-27T00:00:00Z", "limit": 5,
               "total": True},
         reqs=[("GET", "/change_events", page("5", since="2026-11-01T00:00:00Z",
                                              until="2026-11-27T00:00:00Z", total="true"))],
         shape="list", check=count(5)),
    dict(tool="get_change_event", args={"change_event_id": "{CHANGE}"},
         reqs=[("GET", "/change_events/{CHANGE}")], shape="object", check=has_id("CHANGE")),
    dict(tool="list_service_change_events", args={"service_id": "{CE_SERVICE}"},
         reqs=[("GET", "/services/{CE_SERVICE}/change_events", PAGE)], shape="list",
         check=lambda t, sc, ids: t.assertTrue(sc["response"])),
    dict(tool="list_incident_change_events", args={"incident_id": "{INC}", "limit": 5},
         reqs=[("GET", "/incidents/{INC}/related_change_events", {"limit": "5"})],
         shape="list"),
    dict(tool="list_event_orchestrations",
         reqs=[("GET", "/event_orchestrations", page(sort_by="name:asc"))], shape="list",
         check=count(2)),
    dict(tool="get_event_orchestration", args={"orchestration_id": "{EO}"},
         reqs=[("GET", "/event_orchestrations/{EO}")], shape="object", check=has_id("EO")),
    dict(tool="get_event_orchestration_router", args={"orchestration_id": "{EO}"},
         reqs=[("GET", "/event_orchestrations/{EO}/router")], shape="object",
         check=lambda t, sc, ids: t.assertEqual(sc["orchestration_path"]["type"], "router")),
    dict(tool="get_event_orchestration_service", args={"service_id": "{CHECKOUT}"},
         reqs=[("GET", "/event_orchestrations/services/{CHECKOUT}")], shape="object",
         check=lambda t, sc, ids: t.assertEqual(sc["orchestration_path"]["type"], "service")),
    dict(tool="get_event_orchestration_global", args={"orchestration_id": "{EO}"},
         reqs=[("GET", "/event_orchestrations/{EO}/global")], shape="object",
         check=lambda t, sc, ids: t.assertEqual(sc["orchestration_path"]["type"], "global")),
    dict(tool="list_alert_grouping_settings",
         reqs=[("GET", "/alert_grouping_settings", {"total": "false", "limit": "100"})],
         shape="list", check=count(3)),
    dict(tool="list_alert_grouping_settings", note="cursor pages up to the limit",
         args={"service_ids": ["{CHECKOUT}"], "limit": 1},
         reqs=[("GET", "/alert_grouping_settings",
                {"service_ids[]": ["{CHECKOUT}"], "total": "false", "limit": "1"})],
         shape="list", check=count(1)),
    dict(tool="get_alert_grouping_setting", args={"setting_id": "{AGS}"},
         reqs=[("GET", "/alert_grouping_settings/{AGS}")], shape="object",
         check=has_id("AGS")),

    # --- status pages ---------------------------------------------------------------------
    dict(tool="list_status_pages", reqs=[("GET", "/status_pages", page("20"))], shape="list",
         check=count(2)),
    dict(tool="list_status_pages", note="query_model",
         args={"query_model": {"status_page_type": "public", "limit": 1}},
         reqs=[("GET", "/status_pages", page("1", status_page_type="public"))], shape="list",
         check=count(1)),
    dict(tool="list_status_page_severities",
         args={"status_page_id": "{SP}", "query_model": {"post_type": "incident"}},
         reqs=[("GET", "/status_pages/{SP}/severities", page("20", post_type="incident"))],
         shape="list", check=lambda t, sc, ids: t.assertTrue(sc["response"])),
    dict(tool="list_status_page_impacts", args={"status_page_id": "{SP}", "query_model": None},
         reqs=[("GET", "/status_pages/{SP}/impacts", page("20"))], shape="list"),
    dict(tool="list_status_page_statuses", args={"status_page_id": "{SP}"},
         reqs=[("GET", "/status_pages/{SP}/statuses", page("20"))], shape="list"),
    dict(tool="get_status_page_post",
         args={"status_page_id": "{SP}", "post_id": "{POST}",
               "query_model": {"include": ["status_page_post_update"]}},
         reqs=[("GET", "/status_pages/{SP}/posts/{POST}",
                {"include[]": ["status_page_post_update"]})], shape="object",
         check=has_id("POST")),
    dict(tool="list_status_page_post_updates",
         args={"status_page_id": "{SP}", "post_id": "{POST}",
               "query_model": {"reviewed_status": "approved"}},
         reqs=[("GET", "/status_pages/{SP}/posts/{POST}/post_updates",
                page("20", reviewed_status="approved"))], shape="list"),

    # --- incident workflows, webhooks, extension schemas -----------------------------------
    dict(tool="list_incident_workflows", args={"include": ["steps"]},
         reqs=[("GET", "/incident_workflows", page(**{"include[]": ["steps"]}))], shape="list",
         check=count(3)),
    dict(tool="get_incident_workflow", args={"workflow_id": "{WF}"},
         reqs=[("GET", "/incident_workflows/{WF}")], shape="object", check=has_id("WF")),
    dict(tool="list_webhook_subscriptions", args={"filter_type": "account_reference"},
         reqs=[("GET", "/webhook_subscriptions", page(filter_type="account_reference"))],
         shape="list"),
    dict(tool="get_webhook_subscription", args={"subscription_id": "{WH}"},
         reqs=[("GET", "/webhook_subscriptions/{WH}")], shape="object", check=has_id("WH")),
    dict(tool="list_extension_schemas", args={"limit": 2},
         reqs=[("GET", "/extension_schemas", page("2"))], shape="list", check=count(2)),
    dict(tool="get_extension_schema", args={"schema_id": "{ES}"},
         reqs=[("GET", "/extension_schemas/{ES}")], shape="object", check=has_id("ES")),

    # --- analytics and priorities -----------------------------------------------------------
    dict(tool="get_responder_metrics",
         args=dict(DRANGE, team_ids=["{TEAM}"], urgency="high", order="desc"),
         reqs=[("POST", "/analytics/metrics/responders/teams", None,
                {"filters": dict(DRANGE, team_ids=["{TEAM}"], urgency="high"),
                 "order": "desc"})], shape="text"),
    dict(tool="get_incident_metrics_by_service", args=dict(RANGE, service_ids=["{SERVICE}"]),
         reqs=[("POST", "/analytics/metrics/incidents/services", None,
                {"filters": dict(RANGE, service_ids=["{SERVICE}"])})], shape="text",
         check=text_json(lambda t, v, ids: t.assertEqual(len(v["response"]), 1))),
    dict(tool="get_incident_metrics_by_team",
         args=dict(RANGE, aggregate_unit="week", time_zone="UTC"),
         reqs=[("POST", "/analytics/metrics/incidents/teams", None,
                {"filters": RANGE, "aggregate_unit": "week", "time_zone": "UTC"})],
         shape="text", check=text_json(lambda t, v, ids: t.assertTrue(v["response"]))),
    dict(tool="get_responder_load_metrics", args=DRANGE,
         reqs=[("POST", "/analytics/metrics/responders/all", None, {"filters": DRANGE})],
         shape="text", check=text_json(lambda t, v, ids: t.assertTrue(v["response"]))),
    dict(tool="get_incident_metrics_all", args=RANGE,
         reqs=[("POST", "/analytics/metrics/incidents/all", None, {"filters": RANGE})],
         shape="text",
         check=text_json(lambda t, v, ids: t.assertIn("total_incident_count", v))),
    dict(tool="list_priorities", reqs=[("GET", "/priorities", PAGE)], shape="text",
         check=text_json(lambda t, v, ids: t.assertEqual(len(v["response"]), 5))),
]
