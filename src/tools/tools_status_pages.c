/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tools_status_pages.c - status pages: their severities, impacts, statuses,
 * posts and post updates.
 *
 * The list tools take the official query_model objects; their limit (20 by
 * default, as the official models say) caps the records.
 */
#include "tools_int.h"

static const char *const page_types[] = {"public", "private", "audience_specific", NULL};
static const char *const post_types[] = {"incident", "maintenance", NULL};
static const char *const reviewed[] = {"approved", "not_reviewed", NULL};
static const char *const post_includes[] = {"status_page_post_update", NULL};

static const struct tool_param post_include_item = {
    .name = "item", .type = TT_STR, .enums = post_includes};

/* clang-format off */
static const struct tool_param pages_q[] = {
	{.name = "status_page_type", .type = TT_STR, .enums = page_types},
	{.name = "limit", .type = TT_INT, .flags = TP_LIMIT, .def = "20", .min = 1, .max = 100},
};
static const struct tool_param pages_params[] = {
	{.name = "query_model", .type = TT_OBJ, .flags = TP_NULL | TP_SPREAD, PROPS(pages_q)},
};
static const struct tool_param kind_q[] = {
	{.name = "post_type", .type = TT_STR, .enums = post_types},
	{.name = "limit", .type = TT_INT, .flags = TP_LIMIT, .def = "20"},
};
static const struct tool_param kind_params[] = {
	P_ID("status_page_id"),
	{.name = "query_model", .type = TT_OBJ, .flags = TP_NULL | TP_SPREAD, PROPS(kind_q)},
};
static const struct tool_param post_q[] = {
	{.name = "include", .type = TT_ARR, .items = &post_include_item},
};
static const struct tool_param post_params[] = {
	P_ID("status_page_id"),
	P_ID("post_id"),
	{.name = "query_model", .type = TT_OBJ, .flags = TP_REQ | TP_SPREAD, PROPS(post_q)},
};
static const struct tool_param updates_q[] = {
	{.name = "reviewed_status", .type = TT_STR, .enums = reviewed},
	{.name = "limit", .type = TT_INT, .flags = TP_LIMIT, .def = "20"},
};
static const struct tool_param updates_params[] = {
	P_ID("status_page_id"),
	P_ID("post_id"),
	{.name = "query_model", .type = TT_OBJ, .flags = TP_NULL | TP_SPREAD, PROPS(updates_q)},
};

/* --- the write models: references carry their type by default, as the official models --- */

#define REF(n, t, f) \
	{.name = n, .type = TT_OBJ, .flags = f, PROPS(t)}
static const struct tool_param status_ref[] = {
	P_ID("id"), {.name = "type", .type = TT_STR, .flags = TP_HIDE, .def = "\"status_page_status\""}};
static const struct tool_param severity_ref[] = {
	P_ID("id"), {.name = "type", .type = TT_STR, .flags = TP_HIDE, .def = "\"status_page_severity\""}};
static const struct tool_param service_ref[] = {
	P_ID("id"), {.name = "type", .type = TT_STR, .flags = TP_HIDE, .def = "\"status_page_service\""}};
static const struct tool_param impact_ref[] = {
	P_ID("id"), {.name = "type", .type = TT_STR, .flags = TP_HIDE, .def = "\"status_page_impact\""}};
static const struct tool_param post_ref[] = {
	P_ID("id"), {.name = "type", .type = TT_STR, .flags = TP_HIDE, .def = "\"status_page_post\""}};
static const struct tool_param page_ref[] = {
	P_ID("id"), {.name = "type", .type = TT_STR, .flags = TP_HIDE, .def = "\"status_page\""}};
static const struct tool_param impacted_props[] = {
	REF("service", service_ref, TP_REQ), REF("impact", impact_ref, TP_REQ),
};
static const struct tool_param impacted_item = {.name = "item", .type = TT_OBJ,
                                                PROPS(impacted_props)};
static const struct tool_param update_props[] = {
	{.name = "message", .type = TT_STR, .flags = TP_REQ},
	REF("status", status_ref, TP_REQ),
	REF("severity", severity_ref, TP_REQ),
	{.name = "impacted_services", .type = TT_ARR, .def = "[]", .items = &impacted_item},
	{.name = "update_frequency_ms", .type = TT_INT},
	{.name = "notify_subscribers", .type = TT_BOOL, .def = "false"},
	{.name = "reported_at", .type = TT_STR, .flags = TP_TIME},
	REF("post", post_ref, 0),
};
static const struct tool_param update_item = {.name = "item", .type = TT_OBJ,
                                              PROPS(update_props)};
static const struct tool_param new_post_props[] = {
	{.name = "title", .type = TT_STR, .flags = TP_REQ},
	{.name = "post_type", .type = TT_STR, .flags = TP_REQ, .enums = post_types},
	{.name = "starts_at", .type = TT_STR, .flags = TP_REQ | TP_TIME},
	{.name = "ends_at", .type = TT_STR, .flags = TP_REQ | TP_TIME},
	{.name = "updates", .type = TT_ARR, .flags = TP_REQ, .min_items = 1, .items = &update_item},
	REF("status_page", page_ref, TP_REQ),
};
static const struct tool_param post_model[] = {
	{.name = "post", .type = TT_OBJ, .flags = TP_REQ, PROPS(new_post_props)},
};
static const struct tool_param create_post_params[] = {
	P_ID("status_page_id"),
	{.name = "create_model", .type = TT_OBJ, .flags = TP_REQ | TP_SPREAD, PROPS(post_model)},
};
static const struct tool_param post_update_model[] = {
	{.name = "post_update", .type = TT_OBJ, .flags = TP_REQ, PROPS(update_props)},
};
static const struct tool_param create_update_params[] = {
	P_ID("status_page_id"),
	P_ID("post_id"),
	{.name = "create_model", .type = TT_OBJ, .flags = TP_REQ | TP_SPREAD,
	 PROPS(post_update_model)},
};

static const struct tool_def rows[] = {
	{.name = "list_status_pages", .title = "List status pages",
	 .desc = "Status pages of the account.", PARAMS(pages_params), .method = PD_GET,
	 .path = "/status_pages", .unwrap = "status_pages", .type = "StatusPage",
	 .result = TR_LIST, .paging = TPG_OFFSET, .cap = 20},
	{.name = "list_status_page_severities", .title = "List status page severities",
	 .desc = "Severities a status page post may have.", PARAMS(kind_params),
	 .method = PD_GET, .path = "/status_pages/{status_page_id}/severities",
	 .unwrap = "severities", .type = "StatusPageSeverity", .result = TR_LIST,
	 .paging = TPG_OFFSET, .cap = 20},
	{.name = "list_status_page_impacts", .title = "List status page impacts",
	 .desc = "Impacts a post may give a service.", PARAMS(kind_params), .method = PD_GET,
	 .path = "/status_pages/{status_page_id}/impacts", .unwrap = "impacts",
	 .type = "StatusPageImpact", .result = TR_LIST, .paging = TPG_OFFSET, .cap = 20},
	{.name = "list_status_page_statuses", .title = "List status page statuses",
	 .desc = "Statuses a post update may have.", PARAMS(kind_params), .method = PD_GET,
	 .path = "/status_pages/{status_page_id}/statuses", .unwrap = "statuses",
	 .type = "StatusPageStatus", .result = TR_LIST, .paging = TPG_OFFSET, .cap = 20},
	{.name = "get_status_page_post", .title = "Get status page post",
	 .desc = "One post of a status page (include its updates with query_model.include).",
	 PARAMS(post_params), .method = PD_GET,
	 .path = "/status_pages/{status_page_id}/posts/{post_id}", .unwrap = "post"},
	{.name = "list_status_page_post_updates", .title = "List post updates",
	 .desc = "The updates of a status page post.", PARAMS(updates_params), .method = PD_GET,
	 .path = "/status_pages/{status_page_id}/posts/{post_id}/post_updates",
	 .unwrap = "post_updates", .type = "StatusPagePostUpdate", .result = TR_LIST,
	 .paging = TPG_OFFSET, .cap = 20},
	{.name = "create_status_page_post", .title = "Create status page post",
	 .desc = "Publish an incident or maintenance post with its first update.",
	 PARAMS(create_post_params), .method = PD_POST, .path = "/status_pages/{status_page_id}/posts",
	 .unwrap = "post", .flags = TD_WRITE,
	 .body_base = "{\"post\":{\"type\":\"status_page_post\"}}"},
	{.name = "create_status_page_post_update", .title = "Create post update",
	 .desc = "Add an update (message, status, severity, impacts) to a status page post.",
	 PARAMS(create_update_params), .method = PD_POST,
	 .path = "/status_pages/{status_page_id}/posts/{post_id}/post_updates",
	 .unwrap = "post_update", .flags = TD_WRITE},
};
/* clang-format on */

const struct tool_area tool__status_pages = {rows, PDB_N_OF(rows)};
