/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tools_automation.c - incident workflows, webhook subscriptions and
 * extension schemas.
 */
#include "tools_int.h"

static const char *const wf_includes[] = {"steps", "team", NULL};

static const struct tool_param wf_include_item = {
    .name = "item", .type = TT_STR, .enums = wf_includes};

/* clang-format off */
static const struct tool_param wf_list_params[] = {
	P_LIMIT("100"),
	P_STR("query"),
	{.name = "include", .type = TT_ARR, .flags = TP_NULL, .items = &wf_include_item},
};
static const struct tool_param workflow_id[] = {P_ID("workflow_id")};
static const struct tool_param wh_list_params[] = {
	{.name = "filter_type", .type = TT_STR, .flags = TP_NULL,
	 .desc = "account_reference | service_reference | team_reference"},
	P_LIMIT(NULL),
};
static const struct tool_param subscription_id[] = {P_ID("subscription_id")};
static const struct tool_param es_list_params[] = {P_LIMIT(NULL)};
static const struct tool_param schema_id[] = {P_ID("schema_id")};

static const struct tool_def rows[] = {
	{.name = "list_incident_workflows", .title = "List incident workflows",
	 .desc = "Incident workflows (automated response steps), by name query.",
	 PARAMS(wf_list_params), .method = PD_GET, .path = "/incident_workflows",
	 .unwrap = "incident_workflows", .type = "IncidentWorkflow", .result = TR_LIST,
	 .paging = TPG_OFFSET, .cap = 100},
	{.name = "get_incident_workflow", .title = "Get incident workflow",
	 .desc = "One incident workflow with its steps.", PARAMS(workflow_id), .method = PD_GET,
	 .path = "/incident_workflows/{workflow_id}", .unwrap = "incident_workflow"},
	{.name = "list_webhook_subscriptions", .title = "List webhook subscriptions",
	 .desc = "Webhook (v3) subscriptions, optionally of one scope.", PARAMS(wh_list_params),
	 .method = PD_GET, .path = "/webhook_subscriptions", .unwrap = "webhook_subscriptions",
	 .type = "WebhookSubscription", .result = TR_LIST, .paging = TPG_OFFSET,
	 .cap = PDB_TOOL_RECORDS_MAX},
	{.name = "get_webhook_subscription", .title = "Get webhook subscription",
	 .desc = "One webhook subscription.", PARAMS(subscription_id), .method = PD_GET,
	 .path = "/webhook_subscriptions/{subscription_id}", .unwrap = "webhook_subscription"},
	{.name = "list_extension_schemas", .title = "List extension schemas",
	 .desc = "Extension types (vendors) that can be added to services.",
	 PARAMS(es_list_params), .method = PD_GET, .path = "/extension_schemas",
	 .unwrap = "extension_schemas", .type = "ExtensionSchema", .result = TR_LIST,
	 .paging = TPG_OFFSET, .cap = PDB_TOOL_RECORDS_MAX},
	{.name = "get_extension_schema", .title = "Get extension schema",
	 .desc = "One extension schema.", PARAMS(schema_id), .method = PD_GET,
	 .path = "/extension_schemas/{schema_id}", .unwrap = "extension_schema"},
};
/* clang-format on */

const struct tool_area tool__automation = {rows, N_OF(rows)};
