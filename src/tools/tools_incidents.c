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

#include <stdio.h>
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

/* --- the write models ------------------------------------------------------------- */

static const char *const user_ref[] = {"user_reference", NULL};
static const char *const service_ref[] = {"service_reference", NULL};
static const char *const manage_statuses[] = {"acknowledged", "resolved", NULL};
static const char *const target_types[] = {"user_reference", "escalation_policy_reference", NULL};

static const struct tool_param user_props[] = {
	P_ID("id"),
	{.name = "summary", .type = TT_STR},
	{.name = "type", .type = TT_STR, .flags = TP_HIDE, .def = "\"user_reference\"", .enums = user_ref},
};
static const struct tool_param service_props[] = {
	P_ID("id"),
	{.name = "summary", .type = TT_STR, .flags = TP_NULL},
	{.name = "type", .type = TT_STR, .flags = TP_HIDE, .def = "\"service_reference\"", .enums = service_ref},
};
static const struct tool_param details_props[] = {{.name = "details", .type = TT_STR, .flags = TP_REQ}};
static const struct tool_param assignment_props[] = {
	{.name = "assignee", .type = TT_OBJ, .flags = TP_REQ, PROPS(user_props)},
};
static const struct tool_param assignment_item = {.name = "item", .type = TT_OBJ,
                                                  PROPS(assignment_props)};
static const struct tool_param create_props[] = {
	{.name = "title", .type = TT_STR, .flags = TP_REQ},
	{.name = "service", .type = TT_OBJ, .flags = TP_REQ, PROPS(service_props)},
	{.name = "urgency", .type = TT_STR, .flags = TP_NULL, .def = "\"high\"", .enums = urgencies},
	{.name = "body", .type = TT_OBJ, .flags = TP_NULL, PROPS(details_props)},
	{.name = "assignments", .type = TT_ARR, .flags = TP_NULL, .items = &assignment_item},
};
static const struct tool_param create_params[] = {
	{.name = "incident", .type = TT_OBJ, .flags = TP_REQ, PROPS(create_props)},
};
static const struct tool_param manage_props[] = {
	{.name = "incident_ids", .type = TT_ARR, .flags = TP_REQ, .items = &tool__str_item},
	{.name = "assignement", .type = TT_OBJ, .flags = TP_NULL, .alias = "assignment",
	 .desc = "the new assignee (official spelling)", PROPS(user_props)},
	{.name = "status", .type = TT_STR, .flags = TP_NULL, .enums = manage_statuses},
	{.name = "urgency", .type = TT_STR, .flags = TP_NULL, .enums = urgencies},
	{.name = "escalation_level", .type = TT_INT, .flags = TP_NULL, .min = 1, .max = 20},
};
static const struct tool_param manage_params[] = {
	{.name = "manage_request", .type = TT_OBJ, .flags = TP_REQ | TP_SPREAD | TP_LOCAL,
	 .desc = "one PUT per field given", PROPS(manage_props)},
};
static const struct tool_param target_props[] = {
	P_ID("id"),
	{.name = "type", .type = TT_STR, .flags = TP_REQ, .enums = target_types},
};
static const struct tool_param target_wrap[] = {
	{.name = "responder_request_target", .type = TT_OBJ, .flags = TP_REQ, PROPS(target_props)},
};
static const struct tool_param target_item = {.name = "item", .type = TT_OBJ, PROPS(target_wrap)};
static const struct tool_param responder_props[] = {
	{.name = "message", .type = TT_STR, .flags = TP_REQ},
	{.name = "responder_request_targets", .type = TT_ARR, .flags = TP_REQ, .min_items = 1,
	 .items = &target_item},
};
static const struct tool_param responder_params[] = {
	P_ID("incident_id"),
	{.name = "request", .type = TT_OBJ, .flags = TP_REQ | TP_SPREAD, PROPS(responder_props)},
};
static const struct tool_param note_params[] = {
	P_ID("incident_id"),
	{.name = "note", .type = TT_STR, .flags = TP_REQ, .key = "note.content"},
};
/* clang-format on */

/* request_scope: assigned to me (user_ids[]) or my teams (team_ids[]). */
static enum pdb_rc list_incidents(struct tool_ctx *x)
{
	const cJSON *scope = tool__arg(x, "request_scope");
	char no_user[PDB_ERRMSG_MAX];
	struct pd_query extra;
	struct tool_me me;
	enum pdb_rc rc = PDB_OK;
	size_t i;

	if (!scope || !strcmp(scope->valuestring, "all"))
		return tool__run(x, NULL);
	if (strcmp(scope->valuestring, "assigned") && strcmp(scope->valuestring, "teams"))
		return pdb_err_set(x->err, PDB_E_INVAL,
		                   "request_scope must be 'all', 'assigned' or 'teams'");
	snprintf(no_user, sizeof(no_user),
	         "Cannot filter incidents by \"%s\" with account-level auth. Please provide a "
	         "user token, or scope the request differently.",
	         scope->valuestring);
	rc = tool__need_me(x, &me, no_user);
	if (rc)
		return rc;
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

/* --- writes --------------------------------------------------------------------------- */

/* One incident_reference of a bulk update, carrying @field = @v. */
static cJSON *bulk_entry(const char *id, const char *field, const cJSON *v)
{
	cJSON *e = cJSON_CreateObject(), *a, *asg, *who;

	if (!e || !cJSON_AddStringToObject(e, "type", "incident_reference") ||
	    !cJSON_AddStringToObject(e, "id", id))
		goto fail;
	if (strcmp(field, "assignement")) {
		if (!cJSON_AddItemToObject(e, field, cJSON_Duplicate(v, true)))
			goto fail;
		return e;
	}
	a = cJSON_AddArrayToObject(e, "assignments");
	asg = cJSON_CreateObject();
	if (!a || !asg || !cJSON_AddItemToArray(a, asg)) {
		cJSON_Delete(asg);
		goto fail;
	}
	who = cJSON_AddObjectToObject(asg, "assignee");
	if (!who || !cJSON_AddStringToObject(who, "type", "user_reference") ||
	    !cJSON_AddItemToObject(who, "id", cJSON_Duplicate(cJSON_GetObjectItem(v, "id"), true)))
		goto fail;
	return e;
fail:
	cJSON_Delete(e);
	return NULL;
}

/*
 * One PUT /incidents per field given, in the official order; the incidents of
 * the last one are the result (none given: an empty list, nothing sent).
 */
static enum pdb_rc manage_incidents(struct tool_ctx *x)
{
	static const char *const fields[] = {"status", "urgency", "assignement",
	                                     "escalation_level"};
	const cJSON *ids = tool__arg(x, "incident_ids"), *v, *id;
	struct tool_list l = {.items = NULL};
	struct pd_response resp;
	cJSON *body, *arr, *e;
	enum pdb_rc rc = PDB_OK;
	size_t i;

	for (i = 0; i < PDB_N_OF(fields) && !rc; i++) {
		v = tool__arg(x, fields[i]);
		if (!v)
			continue;
		body = cJSON_CreateObject();
		arr = body ? cJSON_AddArrayToObject(body, "incidents") : NULL;
		cJSON_ArrayForEach(id, ids)
		{
			if (!arr)
				break;
			e = bulk_entry(id->valuestring, fields[i], v);
			if (!e || !cJSON_AddItemToArray(arr, e)) {
				cJSON_Delete(e);
				arr = NULL;
				break;
			}
		}
		rc = arr ? tool__call(x, PD_PUT, "/incidents", NULL, body, &resp) : tool__oom(x);
		jsonx_free(body);
		if (rc)
			break;
		jsonx_free(l.items);
		l.items = cJSON_DetachItemFromObjectCaseSensitive(resp.json, "incidents");
		pd_response_free(&resp);
	}
	if (rc) {
		jsonx_free(l.items);
		return rc;
	}
	if (!cJSON_IsArray(l.items)) {
		jsonx_free(l.items);
		l.items = cJSON_CreateArray();
	}
	return tool__emit_list(x, &l, NULL);
}

/* The request as given, plus requester_id: the current user. */
static enum pdb_rc add_responders(struct tool_ctx *x)
{
	struct pd_response resp;
	struct tool_me me;
	struct buf path;
	cJSON *body = NULL;
	enum pdb_rc rc;

	if (tool__me(x->cat, x->pc, &me, x->err))
		return pdb_err_set(
		    x->err, PDB_E_AUTH,
		    "Cannot add responders with account level auth. Please provide a "
		    "user token.");
	buf_init(&path, PDB_PD_URL_LEN_MAX);
	rc = tool__path(x, x->def->path, &path);
	if (!rc)
		rc = tool__body(x, &body);
	if (!rc && !cJSON_AddStringToObject(body, "requester_id", me.id))
		rc = tool__oom(x);
	if (!rc)
		rc = tool__call(x, PD_POST, buf_cstr(&path), NULL, body, &resp);
	jsonx_free(body);
	buf_free(&path);
	if (rc)
		return rc;
	body = cJSON_DetachItemFromObjectCaseSensitive(resp.json, "responder_request");
	pd_response_free(&resp);
	return body ? tool__emit_wrap(x, body)
	            : pdb_err_set(x->err, PDB_E_PARSE, "Unexpected response format");
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
	{.name = "create_incident", .title = "Create incident",
	 .desc = "Open an incident on a service (pages its escalation policy).",
	 PARAMS(create_params), .method = PD_POST, .path = "/incidents", .unwrap = "incident",
	 .flags = TD_WRITE, .body_base = "{\"incident\":{\"type\":\"incident\"}}"},
	{.name = "manage_incidents", .title = "Manage incidents",
	 .desc = "Acknowledge or resolve incidents, change urgency, reassign or escalate; "
	         "returns the incidents as updated.",
	 PARAMS(manage_params), .method = PD_PUT, .path = "/incidents", .type = "Incident",
	 .result = TR_LIST, .flags = TD_WRITE, .fn = manage_incidents},
	{.name = "add_responders", .title = "Add responders",
	 .desc = "Ask users or escalation policies to join an incident, with a message.",
	 PARAMS(responder_params), .method = PD_POST,
	 .path = "/incidents/{incident_id}/responder_requests", .result = TR_WRAP,
	 .flags = TD_WRITE, .fn = add_responders},
	{.name = "add_note_to_incident", .title = "Add incident note",
	 .desc = "Add a note to an incident's timeline.", PARAMS(note_params), .method = PD_POST,
	 .path = "/incidents/{incident_id}/notes", .unwrap = "note", .flags = TD_WRITE},
};
/* clang-format on */

const struct tool_area tool__incidents = {rows, PDB_N_OF(rows)};
