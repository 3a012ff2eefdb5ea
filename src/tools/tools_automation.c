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

/* --- the write models ------------------------------------------------------------- */

static const char *const filter_types[] = {"account_reference", "service_reference",
	"team_reference", NULL};

static const struct tool_param incident_ref[] = {P_ID("id"), {.name = "summary", .type = TT_STR}};
static const struct tool_param instance_props[] = {
	{.name = "id", .type = TT_STR},
	{.name = "incident", .type = TT_OBJ, .flags = TP_REQ, PROPS(incident_ref)},
};
static const struct tool_param instance_model[] = {
	{.name = "incident_workflow_instance", .type = TT_OBJ, .flags = TP_REQ,
	 PROPS(instance_props)},
};
static const struct tool_param start_params[] = {
	P_ID("workflow_id"),
	{.name = "instance_request", .type = TT_OBJ, .flags = TP_REQ | TP_SPREAD,
	 PROPS(instance_model)},
};
static const struct tool_param header_props[] = {
	{.name = "name", .type = TT_STR, .flags = TP_REQ},
	{.name = "value", .type = TT_STR, .flags = TP_REQ},
};
static const struct tool_param header_item = {.name = "item", .type = TT_OBJ, PROPS(header_props)};
static const struct tool_param delivery_props[] = {
	{.name = "type", .type = TT_STR, .flags = TP_HIDE, .def = "\"http_delivery_method\""},
	{.name = "url", .type = TT_STR, .flags = TP_REQ, .desc = "https://"},
	{.name = "custom_headers", .type = TT_ARR, .items = &header_item},
	{.name = "temporarily_disabled", .type = TT_BOOL},
};
static const struct tool_param filter_props[] = {
	{.name = "type", .type = TT_STR, .flags = TP_REQ, .enums = filter_types},
	{.name = "id", .type = TT_STR, .desc = "the service or team ID"},
};
static const struct tool_param webhook_create_props[] = {
	{.name = "type", .type = TT_STR, .flags = TP_HIDE, .def = "\"webhook_subscription\""},
	{.name = "delivery_method", .type = TT_OBJ, .flags = TP_REQ, PROPS(delivery_props)},
	{.name = "events", .type = TT_ARR, .flags = TP_REQ, .min_items = 1,
	 .desc = "e.g. incident.triggered, incident.resolved", .items = &tool__str_item},
	{.name = "filter", .type = TT_OBJ, .flags = TP_REQ, PROPS(filter_props)},
	{.name = "active", .type = TT_BOOL},
	{.name = "description", .type = TT_STR},
};
static const struct tool_param webhook_update_props[] = {
	{.name = "active", .type = TT_BOOL},
	{.name = "description", .type = TT_STR},
	{.name = "delivery_method", .type = TT_OBJ},
	{.name = "events", .type = TT_ARR, .items = &tool__str_item},
	{.name = "filter", .type = TT_OBJ, PROPS(filter_props)},
};
static const struct tool_param create_webhook_params[] = {
	{.name = "webhook_data", .type = TT_OBJ, .flags = TP_REQ, .key = "webhook_subscription",
	 PROPS(webhook_create_props)},
};
static const struct tool_param update_webhook_params[] = {
	P_ID("subscription_id"),
	{.name = "webhook_data", .type = TT_OBJ, .flags = TP_REQ, .key = "webhook_subscription",
	 PROPS(webhook_update_props)},
};

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
	{.name = "start_incident_workflow", .title = "Start incident workflow",
	 .desc = "Run an incident workflow on an incident.", PARAMS(start_params),
	 .method = PD_POST, .path = "/incident_workflows/{workflow_id}/instances",
	 .unwrap = "incident_workflow_instance", .flags = TD_WRITE},
	{.name = "create_webhook_subscription", .title = "Create webhook subscription",
	 .desc = "Send events of the account, a service or a team to an https URL (the answer "
	         "holds the signing secret, shown once).",
	 PARAMS(create_webhook_params), .method = PD_POST, .path = "/webhook_subscriptions",
	 .unwrap = "webhook_subscription", .flags = TD_WRITE},
	{.name = "update_webhook_subscription", .title = "Update webhook subscription",
	 .desc = "Change a webhook subscription.", PARAMS(update_webhook_params), .method = PD_PUT,
	 .path = "/webhook_subscriptions/{subscription_id}", .unwrap = "webhook_subscription",
	 .flags = TD_WRITE},
	{.name = "delete_webhook_subscription", .title = "Delete webhook subscription",
	 .desc = "Delete a webhook subscription.", PARAMS(subscription_id), .method = PD_DELETE,
	 .path = "/webhook_subscriptions/{subscription_id}", .result = TR_DONE,
	 .flags = TD_WRITE, .done = "Webhook subscription {subscription_id} deleted."},
};
/* clang-format on */

const struct tool_area tool__automation = {rows, PDB_N_OF(rows)};
