/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tools_events.c - log entries, change events, event orchestrations and
 * alert grouping settings.
 *
 * list_log_entries asks for the last 7 days when no range is given, as the
 * official server does. list_alert_grouping_settings follows PagerDuty's
 * after-cursor up to the record cap (the official server reads one page).
 */
#include "tools_int.h"

#include <pdbridge/clock.h>

#include <stdio.h>
#include <string.h>

static const char *const sorts[] = {"name:asc",    "name:desc",      "routes:asc",
                                    "routes:desc", "created_at:asc", "created_at:desc",
                                    NULL};

/* clang-format off */
static const struct tool_param log_q[] = {
	P_TIME("since"),
	P_TIME("until"),
	{.name = "limit", .type = TT_INT, .flags = TP_LIMIT, .def = "100", .min = 1, .max = 1000},
	{.name = "offset", .type = TT_INT, .flags = TP_OFFSET, .def = "0"},
	{.name = "is_overview", .type = TT_BOOL},
	{.name = "include", .type = TT_ARR, .desc = "incidents, services, channels, teams",
	 .items = &tool__str_item},
	{.name = "team_ids", .type = TT_ARR, .items = &tool__str_item},
	{.name = "time_zone", .type = TT_STR},
	{.name = "total", .type = TT_BOOL},
};
static const struct tool_param log_params[] = {
	{.name = "query_model", .type = TT_OBJ, .flags = TP_NULL | TP_SPREAD | TP_CLOSED,
	 .desc = "since/until default to the last 7 days", PROPS(log_q)},
};
static const struct tool_param log_entry_id[] = {P_ID("log_entry_id")};
static const struct tool_param change_params[] = {
	P_TIME("since"), P_TIME("until"), P_LIMIT("100"), P_OFFSET(NULL),
	P_BOOL("total"), P_IDS("team_ids"), P_IDS("integration_ids"),
};
static const struct tool_param service_change_params[] = {
	P_ID("service_id"), P_TIME("since"), P_TIME("until"), P_LIMIT("100"), P_OFFSET(NULL),
	P_BOOL("total"), P_IDS("team_ids"), P_IDS("integration_ids"),
};
static const struct tool_param change_event_id[] = {P_ID("change_event_id")};
static const struct tool_param incident_change_params[] = {P_ID("incident_id"), P_LIMIT(NULL)};
static const struct tool_param eo_list_params[] = {
	P_LIMIT("100"), P_OFFSET(NULL),
	{.name = "sort_by", .type = TT_STR, .flags = TP_NULL, .def = "\"name:asc\"",
	 .enums = sorts},
};
static const struct tool_param orchestration_id[] = {P_ID("orchestration_id")};
static const struct tool_param service_id[] = {P_ID("service_id")};
static const struct tool_param ags_list_params[] = {
	P_IDS("service_ids"),
	P_LIMIT("1000"),
	{.name = "after", .type = TT_STR, .flags = TP_NULL | TP_LOCAL, .desc = "cursor"},
	{.name = "before", .type = TT_STR, .flags = TP_NULL | TP_LOCAL, .desc = "cursor"},
	{.name = "total", .type = TT_BOOL, .def = "false"},
};
static const struct tool_param setting_id[] = {P_ID("setting_id")};

/* --- the write models ------------------------------------------------------------- */

static const char *const router[] = {"router", NULL};
static const char *const ags_types[] = {"content_based", "content_based_intelligent",
	"intelligent", "time", NULL};
static const char *const aggregates[] = {"all", "any", NULL};
static const char *const service_ref[] = {"service_reference", NULL};

static const struct tool_param condition_props[] = {
	{.name = "expression", .type = TT_STR, .flags = TP_REQ, .desc = "PCL, e.g. "
	 "event.summary matches part 'db'"},
};
static const struct tool_param condition_item = {.name = "item", .type = TT_OBJ,
                                                 PROPS(condition_props)};
static const struct tool_param actions_props[] = {
	{.name = "route_to", .type = TT_STR, .desc = "a service ID"},
	{.name = "dynamic_route_to", .type = TT_OBJ},
};
static const struct tool_param rule_props[] = {
	P_ID("id"),
	{.name = "label", .type = TT_STR},
	{.name = "conditions", .type = TT_ARR, .flags = TP_REQ, .items = &condition_item},
	{.name = "actions", .type = TT_OBJ, .flags = TP_REQ, PROPS(actions_props)},
	{.name = "disabled", .type = TT_BOOL, .def = "false"},
};
static const struct tool_param rule_item = {.name = "item", .type = TT_OBJ, PROPS(rule_props)};
static const struct tool_param set_props[] = {
	{.name = "id", .type = TT_STR, .def = "\"start\""},
	{.name = "rules", .type = TT_ARR, .flags = TP_REQ, .items = &rule_item},
};
static const struct tool_param set_item = {.name = "item", .type = TT_OBJ, PROPS(set_props)};
static const struct tool_param catch_all_props[] = {
	{.name = "actions", .type = TT_OBJ, .flags = TP_REQ, PROPS(actions_props)},
};
static const struct tool_param path_props[] = {
	{.name = "type", .type = TT_STR, .flags = TP_HIDE, .def = "\"router\"", .enums = router},
	{.name = "sets", .type = TT_ARR, .flags = TP_REQ, .max_items = 1, .items = &set_item},
	{.name = "catch_all", .type = TT_OBJ, .flags = TP_REQ, PROPS(catch_all_props)},
};
static const struct tool_param router_model[] = {
	{.name = "orchestration_path", .type = TT_OBJ, .flags = TP_REQ, PROPS(path_props)},
};
static const struct tool_param update_router_params[] = {
	P_ID("orchestration_id"),
	{.name = "router_update", .type = TT_OBJ, .flags = TP_REQ | TP_SPREAD,
	 .desc = "the whole router: it replaces the current one", PROPS(router_model)},
};
static const struct tool_param new_rule_props[] = {
	{.name = "label", .type = TT_STR},
	{.name = "conditions", .type = TT_ARR, .flags = TP_REQ, .items = &condition_item},
	{.name = "actions", .type = TT_OBJ, .flags = TP_REQ, PROPS(actions_props)},
	{.name = "disabled", .type = TT_BOOL, .def = "false"},
};
static const struct tool_param append_rule_params[] = {
	P_ID("orchestration_id"),
	{.name = "new_rule", .type = TT_OBJ, .flags = TP_REQ | TP_LOCAL, PROPS(new_rule_props)},
};
static const struct tool_param config_props[] = {
	{.name = "aggregate", .type = TT_STR, .enums = aggregates},
	{.name = "fields", .type = TT_ARR, .items = &tool__str_item},
	{.name = "time_window", .type = TT_INT, .desc = "seconds, 300-86400 (300-3600 intelligent)"},
	{.name = "recommended_time_window", .type = TT_INT},
	{.name = "timeout", .type = TT_INT, .desc = "seconds, 60-86400 (type time)"},
	{.name = "iag_fields", .type = TT_ARR, .items = &tool__str_item},
};
static const struct tool_param service_ref_props[] = {
	P_ID("id"),
	{.name = "summary", .type = TT_STR, .flags = TP_NULL},
	{.name = "type", .type = TT_STR, .flags = TP_HIDE, .def = "\"service_reference\"", .enums = service_ref},
};
static const struct tool_param service_item = {.name = "item", .type = TT_OBJ,
                                               PROPS(service_ref_props)};
static const struct tool_param ags_props[] = {
	{.name = "name", .type = TT_STR},
	{.name = "description", .type = TT_STR},
	{.name = "type", .type = TT_STR, .flags = TP_REQ, .enums = ags_types},
	{.name = "config", .type = TT_OBJ, .flags = TP_REQ, .desc = "content_based*: aggregate, "
	 "fields, time_window; time: timeout; intelligent: time_window, iag_fields",
	 PROPS(config_props)},
	{.name = "services", .type = TT_ARR, .flags = TP_REQ, .min_items = 1,
	 .items = &service_item},
};
static const struct tool_param ags_model[] = {
	{.name = "alert_grouping_setting", .type = TT_OBJ, .flags = TP_REQ, PROPS(ags_props)},
};
static const struct tool_param create_ags_params[] = {
	{.name = "create_model", .type = TT_OBJ, .flags = TP_REQ | TP_SPREAD, PROPS(ags_model)},
};
static const struct tool_param update_ags_params[] = {
	P_ID("setting_id"),
	{.name = "update_model", .type = TT_OBJ, .flags = TP_REQ | TP_SPREAD, PROPS(ags_model)},
};
/* clang-format on */

/* No range given: the last 7 days, as the official server asks. */
static enum pdb_rc list_log_entries(struct tool_ctx *x)
{
	char since[CLK_ISO_LEN], until[CLK_ISO_LEN];
	int64_t now = clk_wall_ms();
	struct pd_query extra;
	enum pdb_rc rc = PDB_OK;

	pd_query_init(&extra);
	clk_format_iso(now - 7 * 24 * 3600 * 1000LL, since);
	clk_format_iso(now, until);
	if (!tool__arg(x, "since"))
		rc = pd_query_add(&extra, "since", since);
	if (!rc && !tool__arg(x, "until"))
		rc = pd_query_add(&extra, "until", until);
	if (!rc)
		rc = tool__run(x, &extra);
	pd_query_free(&extra);
	return rc;
}

/* Cursor pages: limit, after (then PagerDuty's next cursor), until the cap or the end. */
static enum pdb_rc list_alert_grouping_settings(struct tool_ctx *x)
{
	const cJSON *before = tool__arg(x, "before"), *after = tool__arg(x, "after"), *it;
	char cursor[PDB_PD_NAME_MAX] = "", num[16];
	size_t cap = tool__cap(x), page;
	struct tool_list l = {.items = cJSON_CreateArray()};
	struct pd_response resp;
	struct pd_query q;
	enum pdb_rc rc = l.items ? PDB_OK : tool__oom(x);

	if (after)
		snprintf(cursor, sizeof(cursor), "%s", after->valuestring);
	while (!rc) {
		page = cap - (size_t)cJSON_GetArraySize(l.items);
		snprintf(num, sizeof(num), "%zu",
		         page < PDB_PD_PAGE_LIMIT ? page : PDB_PD_PAGE_LIMIT);
		pd_query_init(&q);
		rc = tool__query(x, &q);
		if (!rc)
			rc = pd_query_add(&q, "limit", num);
		if (!rc && cursor[0])
			rc = pd_query_add(&q, "after", cursor);
		else if (!rc && before)
			rc = pd_query_add(&q, "before", before->valuestring);
		if (!rc)
			rc = tool__call(x, PD_GET, "/alert_grouping_settings", &q, NULL, &resp);
		pd_query_free(&q);
		if (rc)
			break;
		cJSON_ArrayForEach(
		    it, cJSON_GetObjectItemCaseSensitive(resp.json, "alert_grouping_settings"))
		{
			if ((size_t)cJSON_GetArraySize(l.items) == cap) {
				l.more = true;
				break;
			}
			if (!cJSON_AddItemToArray(l.items, cJSON_Duplicate(it, true)))
				rc = tool__oom(x);
		}
		if (jsonx_copy_str(resp.json, "after", cursor, sizeof(cursor)))
			cursor[0] = '\0';
		pd_response_free(&resp);
		if (!cursor[0] || before)
			break; /* the end, or a page backwards asked for */
		if ((size_t)cJSON_GetArraySize(l.items) >= cap) {
			l.more = true;
			break;
		}
	}
	if (rc) {
		jsonx_free(l.items);
		return rc;
	}
	return tool__emit_list(x, &l, NULL);
}

/*
 * Read the router, append the rule to its one set (with the placeholder ID
 * PagerDuty replaces), write the router back. Like the official tool this
 * is read-modify-write: a concurrent change between the two is lost.
 */
static enum pdb_rc append_router_rule(struct tool_ctx *x)
{
	const cJSON *id = tool__arg(x, "orchestration_id");
	cJSON *path_obj, *sets, *rules, *rule, *body = NULL;
	struct pd_response resp, put;
	struct buf path;
	enum pdb_rc rc;

	buf_init(&path, PDB_PD_URL_LEN_MAX);
	rc = tool__path(x, x->def->path, &path);
	if (!rc)
		rc = tool__call(x, PD_GET, buf_cstr(&path), NULL, NULL, &resp);
	if (rc) {
		buf_free(&path);
		return rc;
	}
	path_obj = cJSON_GetObjectItemCaseSensitive(resp.json, "orchestration_path");
	sets = cJSON_GetObjectItemCaseSensitive(path_obj, "sets");
	rules = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(sets, 0), "rules");
	if (!cJSON_IsArray(rules)) {
		pd_response_free(&resp);
		buf_free(&path);
		return pdb_err_set(x->err, PDB_E_PARSE,
		                   "Event orchestration %.64s has no valid router configuration",
		                   id->valuestring);
	}
	rule = cJSON_CreateObject();
	if (!rule || !cJSON_AddItemToArray(rules, rule) ||
	    !cJSON_AddStringToObject(rule, "id", "temp_id_will_be_replaced_by_api") ||
	    !tool__merge(rule, tool__arg(x, "new_rule")))
		rc = tool__oom(x);
	/* what the router PUT takes: type, sets and catch_all */
	body = rc ? NULL : cJSON_CreateObject();
	path_obj = body ? cJSON_AddObjectToObject(body, "orchestration_path") : NULL;
	if (!rc && (!path_obj || !cJSON_AddStringToObject(path_obj, "type", "router") ||
	            !cJSON_AddItemReferenceToObject(path_obj, "sets", sets) ||
	            !cJSON_AddItemReferenceToObject(
	                path_obj, "catch_all",
	                cJSON_GetObjectItemCaseSensitive(
	                    cJSON_GetObjectItemCaseSensitive(resp.json, "orchestration_path"),
	                    "catch_all"))))
		rc = tool__oom(x);
	if (!rc)
		rc = tool__call(x, PD_PUT, buf_cstr(&path), NULL, body, &put);
	jsonx_free(body); /* only references to the router read */
	pd_response_free(&resp);
	buf_free(&path);
	return rc ? rc : tool__emit_object(x, put.json); /* takes the body */
}

/* clang-format off */
static const struct tool_def rows[] = {
	{.name = "list_log_entries", .title = "List log entries",
	 .desc = "The account's log: triggers, acks, escalations, notifications, notes.",
	 PARAMS(log_params), .method = PD_GET, .path = "/log_entries", .unwrap = "log_entries",
	 .type = "LogEntry", .result = TR_LIST, .paging = TPG_OFFSET, .cap = 100,
	 .fn = list_log_entries},
	{.name = "get_log_entry", .title = "Get log entry", .desc = "One log entry by ID.",
	 PARAMS(log_entry_id), .method = PD_GET, .path = "/log_entries/{log_entry_id}",
	 .unwrap = "log_entry"},
	{.name = "list_change_events", .title = "List change events",
	 .desc = "Change events (deploys, config changes) by time, teams and integrations.",
	 PARAMS(change_params), .method = PD_GET, .path = "/change_events",
	 .unwrap = "change_events", .type = "ChangeEvent", .result = TR_LIST,
	 .paging = TPG_OFFSET, .cap = 100},
	{.name = "get_change_event", .title = "Get change event", .desc = "One change event.",
	 PARAMS(change_event_id), .method = PD_GET, .path = "/change_events/{change_event_id}",
	 .unwrap = "change_event"},
	{.name = "list_service_change_events", .title = "List service change events",
	 .desc = "Change events of one service.", PARAMS(service_change_params),
	 .method = PD_GET, .path = "/services/{service_id}/change_events",
	 .unwrap = "change_events", .type = "ChangeEvent", .result = TR_LIST,
	 .paging = TPG_OFFSET, .cap = 100},
	{.name = "list_incident_change_events", .title = "List incident change events",
	 .desc = "Change events PagerDuty relates to an incident (likely causes).",
	 PARAMS(incident_change_params), .method = PD_GET,
	 .path = "/incidents/{incident_id}/related_change_events", .unwrap = "change_events",
	 .type = "ChangeEvent", .result = TR_LIST, .cap = 100},
	{.name = "list_event_orchestrations", .title = "List event orchestrations",
	 .desc = "Global event orchestrations and their integrations.", PARAMS(eo_list_params),
	 .method = PD_GET, .path = "/event_orchestrations", .unwrap = "orchestrations",
	 .type = "EventOrchestration", .result = TR_LIST, .paging = TPG_OFFSET,
	 .cap = PDB_TOOL_RECORDS_MAX},
	{.name = "get_event_orchestration", .title = "Get event orchestration",
	 .desc = "One event orchestration.", PARAMS(orchestration_id), .method = PD_GET,
	 .path = "/event_orchestrations/{orchestration_id}", .unwrap = "orchestration"},
	{.name = "get_event_orchestration_router", .title = "Get orchestration router",
	 .desc = "The router of an event orchestration: rules that route events to services.",
	 PARAMS(orchestration_id), .method = PD_GET,
	 .path = "/event_orchestrations/{orchestration_id}/router"},
	{.name = "get_event_orchestration_service", .title = "Get service orchestration",
	 .desc = "The service orchestration of a service: its event rules.", PARAMS(service_id),
	 .method = PD_GET, .path = "/event_orchestrations/services/{service_id}"},
	{.name = "get_event_orchestration_global", .title = "Get global orchestration",
	 .desc = "The global rules of an event orchestration.", PARAMS(orchestration_id),
	 .method = PD_GET, .path = "/event_orchestrations/{orchestration_id}/global"},
	{.name = "list_alert_grouping_settings", .title = "List alert grouping settings",
	 .desc = "Alert grouping settings, optionally of some services.", PARAMS(ags_list_params),
	 .method = PD_GET, .path = "/alert_grouping_settings",
	 .unwrap = "alert_grouping_settings", .type = "AlertGroupingSetting",
	 .result = TR_LIST, .paging = TPG_OFFSET, .cap = PDB_TOOL_RECORDS_MAX,
	 .fn = list_alert_grouping_settings},
	{.name = "get_alert_grouping_setting", .title = "Get alert grouping setting",
	 .desc = "One alert grouping setting.", PARAMS(setting_id), .method = PD_GET,
	 .path = "/alert_grouping_settings/{setting_id}", .unwrap = "alert_grouping_setting"},
	{.name = "update_event_orchestration_router", .title = "Update orchestration router",
	 .desc = "Replace the router of an event orchestration (all rules and the catch-all).",
	 PARAMS(update_router_params), .method = PD_PUT,
	 .path = "/event_orchestrations/{orchestration_id}/router", .flags = TD_WRITE},
	{.name = "append_event_orchestration_router_rule", .title = "Append router rule",
	 .desc = "Add one rule at the end of an event orchestration's router.",
	 PARAMS(append_rule_params), .method = PD_PUT,
	 .path = "/event_orchestrations/{orchestration_id}/router", .flags = TD_WRITE,
	 .fn = append_router_rule},
	{.name = "create_alert_grouping_setting", .title = "Create alert grouping setting",
	 .desc = "Group a service's alerts into fewer incidents (by content, time or ML).",
	 PARAMS(create_ags_params), .method = PD_POST, .path = "/alert_grouping_settings",
	 .unwrap = "alert_grouping_setting", .flags = TD_WRITE},
	{.name = "update_alert_grouping_setting", .title = "Update alert grouping setting",
	 .desc = "Replace an alert grouping setting.", PARAMS(update_ags_params),
	 .method = PD_PUT, .path = "/alert_grouping_settings/{setting_id}",
	 .unwrap = "alert_grouping_setting", .flags = TD_WRITE},
	{.name = "delete_alert_grouping_setting", .title = "Delete alert grouping setting",
	 .desc = "Delete an alert grouping setting.", PARAMS(setting_id), .method = PD_DELETE,
	 .path = "/alert_grouping_settings/{setting_id}", .result = TR_DONE, .flags = TD_WRITE,
	 .done = "Successfully deleted alert grouping setting {setting_id}"},
};
/* clang-format on */

const struct tool_area tool__events = {rows, PDB_N_OF(rows)};
