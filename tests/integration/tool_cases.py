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


def _new_rotation(sim, ids):
    rot = sim.write("POST", "/v3/schedules/%s/rotations" % ids["V3"], {})["rotation"]
    return {"NEW_ROT": rot["id"]}


def _event_args(sim, ids):
    """The active event sent back unchanged except effective_until (all a started event allows)."""
    e = sim.api("/v3/schedules/%s/rotations/%s/events/%s" % (ids["V3"], ids["ROT"], ids["EVT"]))
    keep = ("name", "start_time", "end_time", "effective_since", "recurrence",
            "assignment_strategy")
    data = {k: e["event"][k] for k in keep}
    data["effective_until"] = "2027-06-01T00:00:00Z"
    return {"schedule_id": ids["V3"], "rotation_id": ids["ROT"], "event_id": ids["EVT"],
            "event_data": data}


def _event_body(t, body, ids):
    t.assertEqual(body["event"]["effective_until"], "2027-06-01T00:00:00Z")
    t.assertEqual(body["event"]["name"], "Weekly primary")


def _appended_rule(t, body, ids):
    rules = body["orchestration_path"]["sets"][0]["rules"]
    t.assertEqual(body["orchestration_path"]["type"], "router")
    t.assertIn("catch_all", body["orchestration_path"])
    t.assertEqual(rules[-1], {"id": "temp_id_will_be_replaced_by_api", "label": "db",
                              "conditions": [{"expression": "event.summary matches part 'db'"}],
                              "actions": {"route_to": "{SERVICE}".replace("{SERVICE}",
                                                                          ids["SERVICE"])},
                              "disabled": False})
    t.assertEqual(len(rules), 4)


def _rule_ids(t, sc, ids):
    rules = sc["orchestration_path"]["sets"][0]["rules"]
    t.assertEqual(len(rules), 4)
    t.assertNotIn("temp_id_will_be_replaced_by_api", [r["id"] for r in rules])


def _done(text):
    return lambda t, sc, ids: t.assertEqual(sc["result"], fill_ids(text, ids))


def fill_ids(text, ids):
    for k, v in ids.items():
        if isinstance(v, str):
            text = text.replace("{%s}" % k, v)
    return text


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

    # --- write tools: incidents ---------------------------------------------------------
    dict(tool="create_incident", write=True,
         args={"incident": {"title": "Disk full on db-1", "service": {"id": "{SERVICE}"},
                            "body": {"details": "95% used"}}},
         reqs=[("POST", "/incidents", None,
                {"incident": {"type": "incident", "title": "Disk full on db-1",
                              "service": {"id": "{SERVICE}", "type": "service_reference"},
                              "urgency": "high", "body": {"details": "95% used"}}})],
         shape="object", check=lambda t, sc, ids: t.assertEqual(sc["title"], "Disk full on db-1")),
    dict(tool="manage_incidents", write=True,
         args={"manage_request": {"incident_ids": ["{INC}", "{INC2}"], "status": "acknowledged",
                                  "urgency": "low"}},
         reqs=[("PUT", "/incidents", None,
                {"incidents": [{"type": "incident_reference", "id": "{INC}",
                                "status": "acknowledged"},
                               {"type": "incident_reference", "id": "{INC2}",
                                "status": "acknowledged"}]}),
               ("PUT", "/incidents", None,
                {"incidents": [{"type": "incident_reference", "id": "{INC}", "urgency": "low"},
                               {"type": "incident_reference", "id": "{INC2}",
                                "urgency": "low"}]})],
         shape="list", check=lambda t, sc, ids: t.assertEqual(
             [(i["status"], i["urgency"]) for i in sc["response"]],
             [("acknowledged", "low")] * 2)),
    dict(tool="manage_incidents", write=True, note="reassign (assignment alias)",
         args={"manage_request": {"incident_ids": ["{INC}"], "assignment": {"id": "{USER}"}}},
         reqs=[("PUT", "/incidents", None,
                {"incidents": [{"type": "incident_reference", "id": "{INC}",
                                "assignments": [{"assignee": {"type": "user_reference",
                                                              "id": "{USER}"}}]}]})],
         shape="list", check=lambda t, sc, ids: t.assertEqual(
             sc["response"][0]["assignments"][0]["assignee"]["id"], ids["USER"])),
    dict(tool="manage_incidents", write=True, note="nothing to change",
         args={"manage_request": {"incident_ids": ["{INC}"]}}, reqs=[], shape="list",
         check=count(0)),
    dict(tool="add_responders", write=True,
         args={"incident_id": "{INC}",
               "request": {"message": "Need DB help", "responder_request_targets": [
                   {"responder_request_target": {"id": "{USER}", "type": "user_reference"}}]}},
         reqs=[("POST", "/incidents/{INC}/responder_requests", None,
                {"message": "Need DB help", "requester_id": "{ME}",
                 "responder_request_targets": [{"responder_request_target": {
                     "id": "{USER}", "type": "user_reference"}}]})],
         shape="result",
         check=lambda t, sc, ids: t.assertEqual(sc["result"]["message"], "Need DB help")),
    dict(tool="add_note_to_incident", write=True,
         args={"incident_id": "{INC}", "note": "Rolled back"},
         reqs=[("POST", "/incidents/{INC}/notes", None, {"note": {"content": "Rolled back"}})],
         shape="object", check=lambda t, sc, ids: t.assertEqual(sc["content"], "Rolled back")),

    # --- write tools: services, teams, users, escalation policies ----------------------
    dict(tool="create_service", write=True,
         args={"service_data": {"service": {"name": "Catalog Svc",
                                            "escalation_policy": {"id": "{EP}"}}}},
         reqs=[("POST", "/services", None,
                {"service": {"name": "Catalog Svc", "escalation_policy": {
                    "id": "{EP}", "type": "escalation_policy_reference"}}})],
         shape="object", check=lambda t, sc, ids: t.assertEqual(sc["name"], "Catalog Svc")),
    dict(tool="update_service", write=True,
         args={"service_id": "{SERVICE}",
               "service_data": {"service": {"description": "new words",
                                            "escalation_policy": {"id": "{EP}"}}}},
         reqs=[("PUT", "/services/{SERVICE}", None,
                {"service": {"description": "new words", "escalation_policy": {
                    "id": "{EP}", "type": "escalation_policy_reference"}}})],
         shape="object",
         check=lambda t, sc, ids: t.assertEqual(sc["description"], "new words")),
    dict(tool="create_team", write=True, args={"create_model": {"team": {"name": "Cat Team"}}},
         reqs=[("POST", "/teams", None, {"team": {"name": "Cat Team",
                                                  "default_role": "manager"}})],
         shape="object", check=lambda t, sc, ids: t.assertEqual(sc["name"], "Cat Team")),
    dict(tool="update_team", write=True,
         args={"team_id": "{TEAM}", "update_model": {"team": {"name": "Renamed",
                                                              "description": "d"}}},
         reqs=[("PUT", "/teams/{TEAM}", None, {"team": {"name": "Renamed", "description": "d",
                                                        "default_role": "manager"}})],
         shape="object", check=lambda t, sc, ids: t.assertEqual(sc["name"], "Renamed")),
    dict(tool="delete_team", write=True, args={"team_id": "{TEAM}"},
         reqs=[("DELETE", "/teams/{TEAM}")], shape="text",
         check=_done("Successfully deleted team {TEAM}")),
    dict(tool="add_team_member", write=True,
         args={"team_id": "{TEAM}", "member_data": {"user_id": "{USER}", "role": "responder"}},
         reqs=[("PUT", "/teams/{TEAM}/users/{USER}", None, {"role": "responder"})],
         shape="text", check=_done("Successfully added user to team")),
    dict(tool="remove_team_member", write=True, args={"team_id": "{TEAM}", "user_id": "{USER}"},
         reqs=[("DELETE", "/teams/{TEAM}/users/{USER}")], shape="text",
         check=_done("Successfully removed user {USER} from team {TEAM}")),
    dict(tool="create_user", write=True,
         args={"request": {"name": "New Person", "email": "new.person@example.com"}},
         reqs=[("POST", "/users", None, {"user": {"name": "New Person",
                                                  "email": "new.person@example.com",
                                                  "role": "user", "time_zone": "UTC"}})],
         shape="object",
         check=lambda t, sc, ids: t.assertEqual(sc["email"], "new.person@example.com")),
    dict(tool="create_escalation_policy", write=True,
         args={"escalation_policy_data": {"escalation_policy": {
             "name": "Catalog EP", "escalation_rules": [
                 {"escalation_delay_in_minutes": 30,
                  "targets": [{"id": "{USER}", "type": "user_reference"}]}]}}},
         reqs=[("POST", "/escalation_policies", None,
                {"escalation_policy": {"name": "Catalog EP", "num_loops": 0,
                                       "on_call_handoff_notifications": "if_has_services",
                                       "escalation_rules": [
                                           {"escalation_delay_in_minutes": 30,
                                            "targets": [{"id": "{USER}",
                                                         "type": "user_reference"}]}]}})],
         shape="object", check=lambda t, sc, ids: t.assertEqual(sc["name"], "Catalog EP")),
    dict(tool="update_escalation_policy", write=True,
         args={"policy_id": "{EP}",
               "escalation_policy_data": {"escalation_policy": {"num_loops": 2}}},
         reqs=[("PUT", "/escalation_policies/{EP}", None,
                {"escalation_policy": {"num_loops": 2}})],
         shape="object", check=lambda t, sc, ids: t.assertEqual(sc["num_loops"], 2)),

    # --- write tools: schedules ------------------------------------------------------------
    dict(tool="create_schedule", write=True,
         args={"schedule_data": {"name": "Catalog v3", "time_zone": "UTC"}},
         reqs=[("POST", "/v3/schedules", None,
                {"schedule": {"name": "Catalog v3", "time_zone": "UTC"}})],
         shape="result", check=lambda t, sc, ids: t.assertEqual(sc["result"]["name"],
                                                                "Catalog v3")),
    dict(tool="update_schedule", write=True,
         args={"schedule_id": "{V3}", "schedule_data": {"description": "nightly"}},
         reqs=[("GET", "/v3/schedules/{V3}"),
               ("PUT", "/v3/schedules/{V3}", None,
                {"schedule": {"description": "nightly", "name": "Platform Shift-Based",
                              "time_zone": "America/New_York"}})],
         shape="result", check=lambda t, sc, ids: t.assertEqual(sc["result"]["description"],
                                                                "nightly")),
    dict(tool="create_schedule_override", write=True,
         args={"schedule_id": "{SCHEDULE}", "override_request": {"overrides": [
             {"start": "2026-11-28T10:00:00Z", "end": "2026-11-28T12:00:00Z",
              "user_id": "{USER}"}]}},
         reqs=[("POST", "/schedules/{SCHEDULE}/overrides", None,
                {"overrides": [{"start": "2026-11-28T10:00:00Z", "end": "2026-11-28T12:00:00Z",
                                "user": {"id": "{USER}", "type": "user_reference"}}]})],
         shape="result", check=lambda t, sc, ids: t.assertEqual(len(sc["result"]), 1)),
    dict(tool="delete_schedule_v3", write=True, args={"schedule_id": "{V3}"},
         reqs=[("DELETE", "/v3/schedules/{V3}")], shape="text",
         check=_done("Schedule {V3} deleted successfully.")),
    dict(tool="create_schedule_v3_rotation", write=True, args={"schedule_id": "{V3}"},
         reqs=[("POST", "/v3/schedules/{V3}/rotations", None, {})], shape="object",
         check=lambda t, sc, ids: t.assertTrue(sc["id"])),
    dict(tool="delete_schedule_v3_rotation", write=True,
         args={"schedule_id": "{V3}", "rotation_id": "{ROT}"},
         reqs=[("DELETE", "/v3/schedules/{V3}/rotations/{ROT}")], shape="text",
         check=_done("Rotation {ROT} deleted from schedule {V3}.")),
    dict(tool="create_schedule_v3_rotation_event", write=True, setup=_new_rotation,
         args={"schedule_id": "{V3}", "rotation_id": "{NEW_ROT}", "event_data": {
             "name": "Weekend", "start_time": {"date_time": "2026-12-05T09:00:00Z",
                                               "time_zone": "UTC"},
             "end_time": {"date_time": "2026-12-05T17:00:00Z", "time_zone": "UTC"},
             "effective_since": "2026-12-01T00:00:00Z",
             "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=SA,SU"],
             "assignment_strategy": {"type": "every_member_assignment_strategy",
                                     "members": [{"type": "user_member", "user_id": "{ME}"}]}}},
         reqs=[("POST", "/v3/schedules/{V3}/rotations/{NEW_ROT}/events", None,
                {"event": {"name": "Weekend",
                           "start_time": {"date_time": "2026-12-05T09:00:00Z",
                                          "time_zone": "UTC"},
                           "end_time": {"date_time": "2026-12-05T17:00:00Z", "time_zone": "UTC"},
                           "effective_since": "2026-12-01T00:00:00Z",
                           "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=SA,SU"],
                           "assignment_strategy": {
                               "type": "every_member_assignment_strategy",
                               "members": [{"type": "user_member", "user_id": "{ME}"}]}}})],
         shape="object", check=lambda t, sc, ids: t.assertEqual(sc["name"], "Weekend")),
    dict(tool="update_schedule_v3_rotation_event", write=True, args=_event_args,
         reqs=[("PUT", "/v3/schedules/{V3}/rotations/{ROT}/events/{EVT}", None, _event_body)],
         shape="object", check=lambda t, sc, ids: t.assertEqual(sc["effective_until"],
                                                                "2027-06-01T00:00:00Z")),
    dict(tool="delete_schedule_v3_rotation_event", write=True,
         args={"schedule_id": "{V3}", "rotation_id": "{ROT}", "event_id": "{EVT}"},
         reqs=[("DELETE", "/v3/schedules/{V3}/rotations/{ROT}/events/{EVT}")], shape="text",
         check=_done("Event {EVT} deleted from rotation {ROT}.")),
    dict(tool="create_schedule_v3_custom_shifts", write=True,
         args={"schedule_id": "{V3}", "custom_shifts": [
             {"start_time": "2026-12-01T10:00:00Z", "end_time": "2026-12-01T12:00:00Z",
              "assignments": [{"member": {"type": "user_member", "user_id": "{ME}"}}]}]},
         reqs=[("POST", "/v3/schedules/{V3}/custom_shifts", None,
                {"custom_shifts": [{"type": "custom_shift", "start_time": "2026-12-01T10:00:00Z",
                                    "end_time": "2026-12-01T12:00:00Z",
                                    "assignments": [{"type": "shift_assignment", "member": {
                                        "type": "user_member", "user_id": "{ME}"}}]}]})],
         shape="list", check=count(1)),
    dict(tool="update_schedule_v3_custom_shift", write=True,
         args={"schedule_id": "{V3}", "custom_shift_id": "{SHIFT}", "shift_data": {
             "start_time": "2026-11-28T16:00:00Z", "end_time": "2026-11-28T21:00:00Z",
             "assignments": [{"member": {"type": "user_member", "user_id": "{ME}"}}]}},
         reqs=[("PUT", "/v3/schedules/{V3}/custom_shifts/{SHIFT}", None,
                {"custom_shift": {"type": "custom_shift", "start_time": "2026-11-28T16:00:00Z",
                                  "end_time": "2026-11-28T21:00:00Z",
                                  "assignments": [{"type": "shift_assignment", "member": {
                                      "type": "user_member", "user_id": "{ME}"}}]}})],
         shape="object", check=lambda t, sc, ids: t.assertEqual(sc["start_time"],
                                                                "2026-11-28T16:00:00Z")),
    dict(tool="delete_schedule_v3_custom_shift", write=True,
         args={"schedule_id": "{V3}", "custom_shift_id": "{SHIFT}"},
         reqs=[("DELETE", "/v3/schedules/{V3}/custom_shifts/{SHIFT}")], shape="text",
         check=_done("Custom shift {SHIFT} deleted from schedule {V3}.")),
    dict(tool="create_schedule_v3_overrides", write=True,
         args={"schedule_id": "{V3}", "overrides": [
             {"rotation_id": "{ROT}", "start_time": "2026-12-02T14:00:00Z",
              "end_time": "2026-12-02T18:00:00Z",
              "overridden_member": {"type": "user_member", "user_id": "PH60D5K"},
              "overriding_member": {"type": "user_member", "user_id": "{ME}"}}]},
         reqs=[("POST", "/v3/schedules/{V3}/overrides", None,
                {"overrides": [{"type": "override_shift", "rotation_id": "{ROT}",
                                "start_time": "2026-12-02T14:00:00Z",
                                "end_time": "2026-12-02T18:00:00Z",
                                "overridden_member": {"type": "user_member",
                                                      "user_id": "PH60D5K"},
                                "overriding_member": {"type": "user_member",
                                                      "user_id": "{ME}"}}]})],
         shape="list", check=count(1)),
    dict(tool="update_schedule_v3_override", write=True,
         args={"schedule_id": "{V3}", "override_id": "{OVR}",
               "start_time": "2026-11-28T14:00:00Z", "end_time": "2026-11-29T01:00:00Z",
               "overridden_member_type": "user_member", "overridden_member_user_id": "PH60D5K",
               "overriding_member_type": "user_member", "overriding_member_user_id": "{ME}"},
         reqs=[("PUT", "/v3/schedules/{V3}/overrides/{OVR}", None,
                {"override": {"type": "override_shift", "start_time": "2026-11-28T14:00:00Z",
                              "end_time": "2026-11-29T01:00:00Z",
                              "overridden_member": {"type": "user_member",
                                                    "user_id": "PH60D5K"},
                              "overriding_member": {"type": "user_member",
                                                    "user_id": "{ME}"}}})],
         shape="object", check=lambda t, sc, ids: t.assertEqual(sc["end_time"],
                                                                "2026-11-29T01:00:00Z")),
    dict(tool="delete_schedule_v3_override", write=True,
         args={"schedule_id": "{V3}", "override_id": "{OVR}"},
         reqs=[("DELETE", "/v3/schedules/{V3}/overrides/{OVR}")], shape="text",
         check=_done("Override {OVR} deleted from schedule {V3}.")),

    # --- write tools: orchestrations, workflows, status pages, grouping, webhooks ---------
    dict(tool="update_event_orchestration_router", write=True,
         args={"orchestration_id": "{EO}", "router_update": {"orchestration_path": {
             "sets": [{"rules": [{"id": "r1", "conditions": [{"expression": "event.summary "
                                                               "matches part 'db'"}],
                                  "actions": {"route_to": "{SERVICE}"}}]}],
             "catch_all": {"actions": {"route_to": "unrouted"}}}}},
         reqs=[("PUT", "/event_orchestrations/{EO}/router", None,
                {"orchestration_path": {
                    "type": "router",
                    "sets": [{"id": "start", "rules": [
                        {"id": "r1", "conditions": [{"expression": "event.summary matches "
                                                                   "part 'db'"}],
                         "actions": {"route_to": "{SERVICE}"}, "disabled": False}]}],
                    "catch_all": {"actions": {"route_to": "unrouted"}}}})],
         shape="object", check=lambda t, sc, ids: t.assertEqual(
             len(sc["orchestration_path"]["sets"][0]["rules"]), 1)),
    dict(tool="append_event_orchestration_router_rule", write=True,
         args={"orchestration_id": "{PROD_EO}", "new_rule": {
             "label": "db", "conditions": [{"expression": "event.summary matches part 'db'"}],
             "actions": {"route_to": "{SERVICE}"}}},
         reqs=[("GET", "/event_orchestrations/{PROD_EO}/router"),
               ("PUT", "/event_orchestrations/{PROD_EO}/router", None, _appended_rule)],
         shape="object", check=_rule_ids),
    dict(tool="start_incident_workflow", write=True,
         args={"workflow_id": "{WF_ON}", "instance_request": {
             "incident_workflow_instance": {"incident": {"id": "{INC}"}}}},
         reqs=[("POST", "/incident_workflows/{WF_ON}/instances", None,
                {"incident_workflow_instance": {"incident": {"id": "{INC}"}}})],
         shape="object",
         check=lambda t, sc, ids: t.assertEqual(sc["incident"]["id"], ids["INC"])),
    dict(tool="create_status_page_post", write=True,
         args={"status_page_id": "{SP}", "create_model": {"post": {
             "title": "DB maintenance", "post_type": "maintenance",
             "starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-12-01T02:00:00Z",
             "updates": [{"message": "Planned", "status": {"id": "{SP_STATUS_M}"},
                          "severity": {"id": "{SP_SEV_M}"}}],
             "status_page": {"id": "{SP}"}}}},
         reqs=[("POST", "/status_pages/{SP}/posts", None,
                {"post": {"type": "status_page_post", "title": "DB maintenance",
                          "post_type": "maintenance", "starts_at": "2026-12-01T00:00:00Z",
                          "ends_at": "2026-12-01T02:00:00Z",
                          "updates": [{"message": "Planned",
                                       "status": {"id": "{SP_STATUS_M}",
                                                  "type": "status_page_status"},
                                       "severity": {"id": "{SP_SEV_M}",
                                                    "type": "status_page_severity"},
                                       "impacted_services": [], "notify_subscribers": False}],
                          "status_page": {"id": "{SP}", "type": "status_page"}}})],
         shape="object", check=lambda t, sc, ids: t.assertEqual(sc["title"], "DB maintenance")),
    dict(tool="create_status_page_post_update", write=True,
         args={"status_page_id": "{SP}", "post_id": "{POST}", "create_model": {"post_update": {
             "message": "All clear", "status": {"id": "{SP_STATUS_I}"},
             "severity": {"id": "{SP_SEV_I}"}, "notify_subscribers": True}}},
         reqs=[("POST", "/status_pages/{SP}/posts/{POST}/post_updates", None,
                {"post_update": {"message": "All clear",
                                 "status": {"id": "{SP_STATUS_I}", "type": "status_page_status"},
                                 "severity": {"id": "{SP_SEV_I}",
                                              "type": "status_page_severity"},
                                 "impacted_services": [], "notify_subscribers": True}})],
         shape="object", check=lambda t, sc, ids: t.assertEqual(sc["message"], "All clear")),
    dict(tool="create_alert_grouping_setting", write=True,
         args={"create_model": {"alert_grouping_setting": {
             "name": "Cat grouping", "type": "time", "config": {"timeout": 600},
             "services": [{"id": "{SERVICE}"}]}}},
         reqs=[("POST", "/alert_grouping_settings", None,
                {"alert_grouping_setting": {"name": "Cat grouping", "type": "time",
                                            "config": {"timeout": 600},
                                            "services": [{"id": "{SERVICE}",
                                                          "type": "service_reference"}]}})],
         shape="object", check=lambda t, sc, ids: t.assertEqual(sc["type"], "time")),
    dict(tool="update_alert_grouping_setting", write=True,
         args={"setting_id": "{AGS_TIME}", "update_model": {"alert_grouping_setting": {
             "type": "time", "config": {"timeout": 900}, "services": [{"id": "{AGS_TIME_SVC}"}]}}},
         reqs=[("PUT", "/alert_grouping_settings/{AGS_TIME}", None,
                {"alert_grouping_setting": {"type": "time", "config": {"timeout": 900},
                                            "services": [{"id": "{AGS_TIME_SVC}",
                                                          "type": "service_reference"}]}})],
         shape="object", check=lambda t, sc, ids: t.assertEqual(sc["config"]["timeout"], 900)),
    dict(tool="delete_alert_grouping_setting", write=True, args={"setting_id": "{AGS}"},
         reqs=[("DELETE", "/alert_grouping_settings/{AGS}")], shape="text",
         check=_done("Successfully deleted alert grouping setting {AGS}")),
    dict(tool="create_webhook_subscription", write=True,
         args={"webhook_data": {"delivery_method": {"url": "https://hooks.example.com/pd"},
                                "events": ["incident.triggered"],
                                "filter": {"type": "account_reference"}}},
         reqs=[("POST", "/webhook_subscriptions", None,
                {"webhook_subscription": {"type": "webhook_subscription",
                                          "delivery_method": {"type": "http_delivery_method",
                                                              "url": "https://hooks.example.com/pd"},
                                          "events": ["incident.triggered"],
                                          "filter": {"type": "account_reference"}}})],
         shape="object",
         check=lambda t, sc, ids: t.assertEqual(sc["events"], ["incident.triggered"])),
    dict(tool="update_webhook_subscription", write=True,
         args={"subscription_id": "{WH}", "webhook_data": {"active": False}},
         reqs=[("PUT", "/webhook_subscriptions/{WH}", None,
                {"webhook_subscription": {"active": False}})],
         shape="object", check=lambda t, sc, ids: t.assertFalse(sc["active"])),
    dict(tool="delete_webhook_subscription", write=True, args={"subscription_id": "{WH}"},
         reqs=[("DELETE", "/webhook_subscriptions/{WH}")], shape="text",
         check=_done("Webhook subscription {WH} deleted.")),
]
