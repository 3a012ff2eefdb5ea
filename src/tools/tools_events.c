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
};
/* clang-format on */

const struct tool_area tool__events = {rows, N_OF(rows)};
