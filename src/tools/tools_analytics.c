/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tools_analytics.c - analytics metrics and priorities.
 *
 * The analytics endpoints are POSTs that only read: their filters go in
 * the body under "filters". Like the official server, these tools and
 * list_priorities return JSON text under "result".
 */
#include "tools_int.h"

/* clang-format off */
#define COMMON_FILTERS                                                                   \
	{.name = "team_ids", .type = TT_ARR, .flags = TP_NULL, .key = "filters.team_ids",   \
	 .items = &tool__str_item},                                                          \
	{.name = "urgency", .type = TT_STR, .flags = TP_NULL, .key = "filters.urgency",     \
	 .desc = "high | low"},                                                              \
	P_STR("time_zone"),                                                                  \
	{.name = "order", .type = TT_STR, .flags = TP_NULL, .desc = "asc | desc"},          \
	{.name = "order_by", .type = TT_STR, .flags = TP_NULL, .desc = "a field of the rows"}

#define RANGE(a, b)                                                                      \
	{.name = a, .type = TT_STR, .flags = TP_REQ | TP_TIME, .key = "filters." a},        \
	{.name = b, .type = TT_STR, .flags = TP_REQ | TP_TIME, .key = "filters." b}

#define IDS(n) {.name = n, .type = TT_ARR, .flags = TP_NULL, .key = "filters." n,       \
	        .items = &tool__str_item}

static const struct tool_param responder_params[] = {
	RANGE("date_range_start", "date_range_end"), IDS("responder_ids"), COMMON_FILTERS,
};
static const struct tool_param load_params[] = {
	RANGE("date_range_start", "date_range_end"), COMMON_FILTERS,
};
static const struct tool_param service_params[] = {
	RANGE("created_at_start", "created_at_end"), IDS("service_ids"), COMMON_FILTERS,
};
static const struct tool_param team_params[] = {
	RANGE("created_at_start", "created_at_end"), IDS("service_ids"), COMMON_FILTERS,
	{.name = "aggregate_unit", .type = TT_STR, .flags = TP_NULL, .desc = "day | week | month"},
};

static const struct tool_def rows[] = {
	{.name = "get_responder_metrics", .title = "Responder metrics",
	 .desc = "Per-responder on-call time, incidents, interruptions and ack times in a date "
	         "range (JSON text).",
	 PARAMS(responder_params), .method = PD_POST,
	 .path = "/analytics/metrics/responders/teams", .unwrap = "data",
	 .type = "AnalyticsResponderMetrics", .result = TR_LIST, .cap = PDB_TOOL_RECORDS_MAX,
	 .flags = TD_TEXT},
	{.name = "get_incident_metrics_by_service", .title = "Incident metrics by service",
	 .desc = "Per-service incident counts, MTTA, MTTR, escalations, uptime (JSON text).",
	 PARAMS(service_params), .method = PD_POST,
	 .path = "/analytics/metrics/incidents/services", .unwrap = "data",
	 .type = "AnalyticsServiceMetrics", .result = TR_LIST, .cap = PDB_TOOL_RECORDS_MAX,
	 .flags = TD_TEXT},
	{.name = "get_incident_metrics_by_team", .title = "Incident metrics by team",
	 .desc = "Per-team incident metrics, optionally per day/week/month (JSON text).",
	 PARAMS(team_params), .method = PD_POST, .path = "/analytics/metrics/incidents/teams",
	 .unwrap = "data", .type = "AnalyticsTeamMetrics", .result = TR_LIST,
	 .cap = PDB_TOOL_RECORDS_MAX, .flags = TD_TEXT},
	{.name = "get_responder_load_metrics", .title = "Responder load metrics",
	 .desc = "Incident load and interruptions of every responder (JSON text).",
	 PARAMS(load_params), .method = PD_POST, .path = "/analytics/metrics/responders/all",
	 .unwrap = "data", .type = "AnalyticsResponderLoad", .result = TR_LIST,
	 .cap = PDB_TOOL_RECORDS_MAX, .flags = TD_TEXT},
	{.name = "get_incident_metrics_all", .title = "Incident metrics",
	 .desc = "Account-wide incident count, MTTA/MTTR and their percentiles (JSON text).",
	 PARAMS(service_params), .method = PD_POST, .path = "/analytics/metrics/incidents/all",
	 .unwrap = "data", .type = "AnalyticsAggregatedMetrics", .result = TR_LIST,
	 .flags = TD_TEXT | TD_FIRST},
	{.name = "list_priorities", .title = "List priorities",
	 .desc = "The account's incident priorities (P1...), with the IDs list_incidents "
	         "filters by (JSON text).",
	 .method = PD_GET, .path = "/priorities", .unwrap = "priorities",
	 .type = "PriorityReference", .result = TR_LIST, .paging = TPG_OFFSET, .cap = 100,
	 .flags = TD_TEXT},
};
/* clang-format on */

const struct tool_area tool__analytics = {rows, PDB_N_OF(rows)};
