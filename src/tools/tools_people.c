/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tools_people.c - users, teams, on-calls and escalation policies.
 *
 * Official quirks kept on purpose: list_users and list_services say
 * teams_ids (team_ids is accepted too, as an alias), list_oncalls takes
 * service_ids although /oncalls does not (each service is resolved to its
 * escalation policy first), and list_teams scope "my" filters by the
 * current user's teams.
 */
#include "tools_int.h"

#include <string.h>

/* --- users ---------------------------------------------------------------------- */

/* --- on-calls ------------------------------------------------------------------- */

static const struct tool_param oncall_params[] = {
    P_STR("time_zone"),
    P_IDS("user_ids"),
    P_IDS("escalation_policy_ids"),
    P_IDS("schedule_ids"),
    {.name = "service_ids",
     .type = TT_ARR,
     .flags = TP_NULL | TP_LOCAL,
     .desc = "resolved to their escalation policies",
     .max_items = PDB_TOOL_LOOKUPS_MAX,
     .items = &tool__str_item},
    P_TIME("since"),
    P_TIME("until"),
    {.name = "earliest", .type = TT_BOOL, .flags = TP_NULL, .def = "true"},
    P_LIMIT(NULL),
};

/* service_ids is not an /oncalls filter: ask each service for its escalation policy. */
static enum pdb_rc list_oncalls(struct tool_ctx *x)
{
	const cJSON *id, *svc, *ep;
	struct pd_response resp;
	struct pd_query extra;
	const char *ep_id;
	struct buf path;
	enum pdb_rc rc = PDB_OK;

	pd_query_init(&extra);
	buf_init(&path, PDB_PD_URL_LEN_MAX);
	cJSON_ArrayForEach(id, tool__arg(x, "service_ids"))
	{
		buf_reset(&path);
		rc = buf_adds(&path, "/services/");
		if (!rc)
			rc = tool__encode(&path, id->valuestring);
		if (!rc)
			rc = tool__call(x, PD_GET, buf_cstr(&path), NULL, NULL, &resp);
		if (rc)
			break;
		if (jsonx_get_obj(resp.json, "service", &svc) ||
		    jsonx_get_obj(svc, "escalation_policy", &ep) || jsonx_get_str(ep, "id", &ep_id))
			rc = pdb_err_set(x->err, PDB_E_PARSE,
			                 "service %.64s has no escalation policy", id->valuestring);
		else if (pd_query_add(&extra, "escalation_policy_ids[]", ep_id))
			rc = pdb_err_set(x->err, PDB_E_TOO_LARGE, "too many services");
		pd_response_free(&resp);
		if (rc)
			break;
	}
	if (!rc)
		rc = tool__run(x, &extra);
	buf_free(&path);
	pd_query_free(&extra);
	return rc;
}

/* --- the rows ------------------------------------------------------------------------ */

static const struct tool_def rows[] = {
    {.name = "get_user_data",
     .title = "Current user",
     .desc = "The current user (the API key's owner): id, name, email, role, teams. Use the "
             "id to scope other queries to the user.",
     .method = PD_GET,
     .path = "/users/me",
     .unwrap = "user"},
    {.name = "list_oncalls",
     .title = "List on-calls",
     .desc = "Who is on call: user, escalation policy and level, schedule, start/end. "
             "earliest=true keeps one entry per user and level.",
     PARAMS(oncall_params),
     .method = PD_GET,
     .path = "/oncalls",
     .unwrap = "oncalls",
     .type = "Oncall",
     .result = TR_LIST,
     .paging = TPG_OFFSET,
     .cap = PDB_TOOL_RECORDS_MAX,
     .fn = list_oncalls},
};

const struct tool_area tool__people = {rows, N_OF(rows)};
