/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tools_services.c - technical services, business services and the
 * dependencies between them.
 *
 * The dependency tools and list_business_services return JSON text under
 * "result", as the official server's string results do (TD_TEXT).
 */
#include "tools_int.h"

/* clang-format off */
static const struct tool_param list_params[] = {
	P_STR("query"),
	{.name = "teams_ids", .type = TT_ARR, .flags = TP_NULL, .key = "team_ids[]",
	 .alias = "team_ids", .items = &tool__str_item},
	P_LIMIT(NULL),
};
static const struct tool_param service_id[] = {P_ID("service_id")};
static const struct tool_param business_service_id[] = {P_ID("business_service_id")};

static const char *const team_ref[] = {"team_reference", NULL};

static const struct tool_param ep_ref_props[] = {P_ID("id"), {.name = "summary", .type = TT_STR}};
static const struct tool_param team_ref_props[] = {
	P_ID("id"),
	{.name = "summary", .type = TT_STR},
	{.name = "type", .type = TT_STR, .flags = TP_HIDE, .def = "\"team_reference\"", .enums = team_ref},
};
static const struct tool_param team_item = {.name = "item", .type = TT_OBJ, PROPS(team_ref_props)};
static const struct tool_param service_props[] = {
	{.name = "id", .type = TT_STR},
	{.name = "name", .type = TT_STR},
	{.name = "description", .type = TT_STR},
	{.name = "escalation_policy", .type = TT_OBJ, .flags = TP_REQ, PROPS(ep_ref_props)},
	{.name = "teams", .type = TT_ARR, .items = &team_item},
	{.name = "status", .type = TT_STR, .desc = "active | warning | critical | maintenance | disabled"},
};
static const struct tool_param service_data[] = {
	{.name = "service", .type = TT_OBJ, .flags = TP_REQ, PROPS(service_props)},
};
static const struct tool_param create_params[] = {
	{.name = "service_data", .type = TT_OBJ, .flags = TP_REQ | TP_SPREAD, PROPS(service_data)},
};
static const struct tool_param update_params[] = {
	P_ID("service_id"),
	{.name = "service_data", .type = TT_OBJ, .flags = TP_REQ | TP_SPREAD, PROPS(service_data)},
};

/* The escalation policy reference needs its type, as the official model sends it. */
#define SERVICE_BASE "{\"service\":{\"escalation_policy\":{\"type\":\"escalation_policy_reference\"}}}"

static const struct tool_def rows[] = {
	{.name = "list_services", .title = "List services",
	 .desc = "Technical services, by name query and teams.", PARAMS(list_params),
	 .method = PD_GET, .path = "/services", .unwrap = "services", .type = "Service",
	 .result = TR_LIST, .paging = TPG_OFFSET, .cap = PDB_TOOL_RECORDS_MAX},
	{.name = "get_service", .title = "Get service",
	 .desc = "One service by ID: status, escalation policy, teams, settings.",
	 PARAMS(service_id), .method = PD_GET, .path = "/services/{service_id}",
	 .unwrap = "service"},
	{.name = "get_technical_service_dependencies", .title = "Service dependencies",
	 .desc = "What a technical service depends on and what depends on it (JSON text).",
	 PARAMS(service_id), .method = PD_GET,
	 .path = "/service_dependencies/technical_services/{service_id}", .flags = TD_TEXT},
	{.name = "list_business_services", .title = "List business services",
	 .desc = "Business services of the account (JSON text).", .method = PD_GET,
	 .path = "/business_services", .unwrap = "business_services",
	 .type = "BusinessService", .result = TR_LIST, .paging = TPG_OFFSET,
	 .cap = PDB_TOOL_RECORDS_MAX, .flags = TD_TEXT},
	{.name = "get_business_service_dependencies", .title = "Business service dependencies",
	 .desc = "The services a business service depends on (JSON text).",
	 PARAMS(business_service_id), .method = PD_GET,
	 .path = "/service_dependencies/business_services/{business_service_id}",
	 .flags = TD_TEXT},
	{.name = "create_service", .title = "Create service",
	 .desc = "Create a technical service on an escalation policy.", PARAMS(create_params),
	 .method = PD_POST, .path = "/services", .unwrap = "service", .flags = TD_WRITE,
	 .body_base = SERVICE_BASE},
	{.name = "update_service", .title = "Update service",
	 .desc = "Change a service's name, description, escalation policy, teams or status.",
	 PARAMS(update_params), .method = PD_PUT, .path = "/services/{service_id}",
	 .unwrap = "service", .flags = TD_WRITE, .body_base = SERVICE_BASE},
};
/* clang-format on */

const struct tool_area tool__services = {rows, PDB_N_OF(rows)};
