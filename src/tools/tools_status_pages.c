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
};
/* clang-format on */

const struct tool_area tool__status_pages = {rows, N_OF(rows)};
