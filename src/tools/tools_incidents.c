/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tools_incidents.c - incidents, their notes, alerts and neighbours.
 *
 * Official names kept: list_incidents.priorities holds priority IDs and
 * goes out as priority_ids[]; get_incident and the outlier/past/related
 * tools take a query_model object (required where the official one is,
 * although {} or nothing at all is accepted).
 */
#include "tools_int.h"

#include <string.h>

static const char *const statuses[] = {"triggered", "acknowledged", "resolved", NULL};
static const char *const urgencies[] = {"high", "low", NULL};

static const struct tool_param status_item = {.name = "item", .type = TT_STR, .enums = statuses};
static const struct tool_param urgency_item = {.name = "item", .type = TT_STR, .enums = urgencies};

/* clang-format off */
static const struct tool_param list_params[] = {
	{.name = "request_scope", .type = TT_STR, .flags = TP_NULL | TP_LOCAL,
	 .desc = "all | assigned (to me) | teams (my teams)"},
	{.name = "statuses", .type = TT_ARR, .flags = TP_NULL, .items = &status_item},
	P_TIME("since"),
	P_TIME("until"),
	{.name = "urgencies", .type = TT_ARR, .flags = TP_NULL, .items = &urgency_item},
	{.name = "priorities", .type = TT_ARR, .flags = TP_NULL, .key = "priority_ids[]",
	 .desc = "priority IDs (list_priorities)", .items = &tool__str_item},
	P_LIMIT(NULL),
};
static const struct tool_param include_q[] = {
	{.name = "include", .type = TT_ARR, .flags = TP_NULL, .desc = "users, services, "
	 "assignments, acknowledgers, teams, escalation_policies, notes, priorities, ...",
	 .items = &tool__str_item},
};
static const struct tool_param get_params[] = {
	{.name = "incident_id", .type = TT_STR, .flags = TP_REQ, .desc = "ID or number"},
	{.name = "query_model", .type = TT_OBJ, .flags = TP_NULL | TP_SPREAD | TP_CLOSED,
	 PROPS(include_q)},
};
static const struct tool_param since_q[] = {P_TIME("since")};
static const struct tool_param outlier_params[] = {
	P_ID("incident_id"),
	{.name = "query_model", .type = TT_OBJ, .flags = TP_REQ | TP_SPREAD, PROPS(since_q)},
};
static const struct tool_param past_q[] = {
	{.name = "limit", .type = TT_INT, .def = "5", .min = 1, .max = 999},
	{.name = "total", .type = TT_BOOL, .def = "false"},
};
static const struct tool_param past_params[] = {
	P_ID("incident_id"),
	{.name = "query_model", .type = TT_OBJ, .flags = TP_REQ | TP_SPREAD, PROPS(past_q)},
};
static const struct tool_param related_q[] = {
	{.name = "additional_details", .type = TT_ARR, .flags = TP_NULL, .desc = "incident",
	 .items = &tool__str_item},
};
static const struct tool_param related_params[] = {
	P_ID("incident_id"),
	{.name = "query_model", .type = TT_OBJ, .flags = TP_REQ | TP_SPREAD, PROPS(related_q)},
};
static const struct tool_param incident_id[] = {P_ID("incident_id")};
static const struct tool_param alerts_params[] = {
	P_ID("incident_id"), P_LIMIT("100"), P_OFFSET("0"),
};
static const struct tool_param alert_params[] = {P_ID("incident_id"), P_ID("alert_id")};
/* clang-format on */

/* request_scope: assigned to me (user_ids[]) or my teams (team_ids[]). */
static enum pdb_rc list_incidents(struct tool_ctx *x)
{
	const cJSON *scope = tool__arg(x, "request_scope");
	struct pd_query extra;
	struct tool_me me;
	enum pdb_rc rc = PDB_OK;
	size_t i;

	if (!scope || !strcmp(scope->valuestring, "all"))
		return tool__run(x, NULL);
	if (strcmp(scope->valuestring, "assigned") && strcmp(scope->valuestring, "teams"))
		return pdb_err_set(x->err, PDB_E_INVAL,
		                   "request_scope must be 'all', 'assigned' or 'teams'");
	if (tool__me(x->cat, x->pc, &me, x->err))
		return pdb_err_set(x->err, PDB_E_AUTH,
		                   "Cannot filter incidents by \"%s\" with account-level auth. "
		                   "Please provide a user token, or scope the request differently.",
		                   scope->valuestring);
	pd_query_init(&extra);
	if (!strcmp(scope->valuestring, "assigned"))
		rc = pd_query_add(&extra, "user_ids[]", me.id);
	for (i = 0; !rc && !strcmp(scope->valuestring, "teams") && i < me.n_teams; i++)
		rc = pd_query_add(&extra, "team_ids[]", me.teams[i]);
	if (!rc && !strcmp(scope->valuestring, "teams") && !me.n_teams)
		rc = pdb_err_set(x->err, PDB_E_INVAL,
		                 "the current user is on no team: use request_scope 'all'");
	else if (!rc)
		rc = tool__run(x, &extra);
	pd_query_free(&extra);
	return rc;
}

/* The outlier endpoint answers {} when it knows nothing: say so, as the official server. */
static enum pdb_rc get_outlier_incident(struct tool_ctx *x)
{
	struct pd_response resp;
	struct pd_query q;
	struct buf path;
	const cJSON *o;
	enum pdb_rc rc;

	buf_init(&path, PDB_PD_URL_LEN_MAX);
	pd_query_init(&q);
	rc = tool__path(x, x->def->path, &path);
	if (!rc)
		rc = tool__query(x, &q);
	if (!rc)
		rc = tool__call(x, PD_GET, buf_cstr(&path), &q, NULL, &resp);
	buf_free(&path);
	pd_query_free(&q);
	if (rc)
		return rc;
	if (jsonx_get_obj(resp.json, "outlier_incident", &o) || !o->child) {
		pd_response_free(&resp);
		return pdb_err_set(x->err, PDB_E_NOTFOUND,
		                   "Empty response from outlier incident endpoint");
	}
	return tool__emit_object(x, resp.json); /* takes the body */
}

/* clang-format off */
static const struct tool_def rows[] = {
	{.name = "list_incidents", .title = "List incidents",
	 .desc = "Incidents by status, urgency, priority and time (PagerDuty's default window: "
	         "the last 30 days). request_scope narrows to the current user.",
	 PARAMS(list_params), .method = PD_GET, .path = "/incidents", .unwrap = "incidents",
	 .type = "Incident", .result = TR_LIST, .paging = TPG_OFFSET,
	 .cap = PDB_TOOL_RECORDS_MAX, .fn = list_incidents},
	{.name = "get_incident", .title = "Get incident",
	 .desc = "One incident by ID or number; query_model.include expands references.",
	 PARAMS(get_params), .method = PD_GET, .path = "/incidents/{incident_id}",
	 .unwrap = "incident"},
	{.name = "get_outlier_incident", .title = "Outlier incident",
	 .desc = "How unusual an incident is compared with its service's history.",
	 PARAMS(outlier_params), .method = PD_GET,
	 .path = "/incidents/{incident_id}/outlier_incident", .fn = get_outlier_incident},
	{.name = "get_past_incidents", .title = "Past incidents",
	 .desc = "Earlier incidents similar to this one, with similarity scores.",
	 PARAMS(past_params), .method = PD_GET,
	 .path = "/incidents/{incident_id}/past_incidents"},
	{.name = "get_related_incidents", .title = "Related incidents",
	 .desc = "Open incidents related to this one, and how they relate.",
	 PARAMS(related_params), .method = PD_GET,
	 .path = "/incidents/{incident_id}/related_incidents"},
	{.name = "list_incident_notes", .title = "List incident notes",
	 .desc = "The notes of an incident, oldest first.", PARAMS(incident_id),
	 .method = PD_GET, .path = "/incidents/{incident_id}/notes", .unwrap = "notes",
	 .type = "IncidentNote", .result = TR_LIST, .cap = PDB_TOOL_RECORDS_MAX},
	{.name = "list_alerts_from_incident", .title = "List incident alerts",
	 .desc = "The alerts of an incident, with their full body (details, contexts).",
	 PARAMS(alerts_params), .method = PD_GET, .path = "/incidents/{incident_id}/alerts",
	 .unwrap = "alerts", .type = "Alert", .result = TR_LIST, .paging = TPG_OFFSET,
	 .cap = 100},
	{.name = "get_alert_from_incident", .title = "Get incident alert",
	 .desc = "One alert of an incident (list_alerts_from_incident lists them).",
	 PARAMS(alert_params), .method = PD_GET,
	 .path = "/incidents/{incident_id}/alerts/{alert_id}", .unwrap = "alert"},
};
/* clang-format on */

const struct tool_area tool__incidents = {rows, N_OF(rows)};
