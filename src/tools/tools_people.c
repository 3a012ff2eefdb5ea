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

/* clang-format off */
static const struct tool_param users_params[] = {
	P_STR("query"),
	{.name = "teams_ids", .type = TT_ARR, .flags = TP_NULL, .key = "team_ids[]",
	 .alias = "team_ids", .items = &tool__str_item},
	P_LIMIT("100"),
};
static const struct tool_param team_id[] = {P_ID("team_id")};
static const struct tool_param teams_params[] = {
	{.name = "scope", .type = TT_STR, .flags = TP_NULL | TP_LOCAL, .desc = "all | my"},
	P_STR("query"),
	P_LIMIT(NULL),
};
static const struct tool_param eps_params[] = {
	P_STR("query"), P_IDS("user_ids"), P_IDS("team_ids"), P_IDS("include"), P_LIMIT(NULL),
};
static const struct tool_param policy_id[] = {P_ID("policy_id")};
/* clang-format on */

/* --- teams ----------------------------------------------------------------------- */

/* Keep only the teams of @items whose id is one of @me's. */
static void keep_my_teams(cJSON *items, const struct tool_me *me)
{
	cJSON *t = items->child, *next;
	const char *id;
	size_t i;
	bool mine;

	for (; t; t = next) {
		next = t->next;
		mine = false;
		for (i = 0; !jsonx_get_str(t, "id", &id) && i < me->n_teams && !mine; i++)
			mine = !strcmp(id, me->teams[i]);
		if (!mine)
			cJSON_Delete(cJSON_DetachItemViaPointer(items, t));
	}
}

/* scope "my": every team (up to the record cap), then only the current user's. */
static enum pdb_rc list_teams(struct tool_ctx *x)
{
	const cJSON *scope = tool__arg(x, "scope");
	size_t cap = tool__cap(x);
	struct tool_list l;
	struct tool_me me;
	struct pd_query q;
	enum pdb_rc rc;

	if (!scope || !strcmp(scope->valuestring, "all"))
		return tool__run(x, NULL);
	if (strcmp(scope->valuestring, "my"))
		return pdb_err_set(x->err, PDB_E_INVAL, "scope must be 'all' or 'my'");
	if (tool__me(x->cat, x->pc, &me, x->err))
		return pdb_err_set(
		    x->err, PDB_E_AUTH,
		    "Cannot fetch 'my' teams with account-level auth. Please provide "
		    "a user token, or scope the request differently.");
	pd_query_init(&q);
	rc = tool__query(x, &q);
	if (!rc)
		rc = tool__list(x, "/teams", "teams", &q, 0, PDB_TOOL_RECORDS_MAX, &l);
	pd_query_free(&q);
	if (rc)
		return rc;
	keep_my_teams(l.items, &me);
	l.more = false;
	while ((size_t)cJSON_GetArraySize(l.items) > cap) {
		cJSON_DeleteItemFromArray(l.items, (int)cap);
		l.more = true;
	}
	return tool__emit_list(x, &l, NULL);
}

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
    {.name = "list_users",
     .title = "List users",
     .desc = "Users of the account, filtered by name/email query and teams.",
     PARAMS(users_params),
     .method = PD_GET,
     .path = "/users",
     .unwrap = "users",
     .type = "User",
     .result = TR_LIST,
     .paging = TPG_OFFSET,
     .cap = PDB_TOOL_RECORDS_MAX},
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
    {.name = "list_teams",
     .title = "List teams",
     .desc = "Teams of the account (scope=my: the current user's teams), by name query.",
     PARAMS(teams_params),
     .method = PD_GET,
     .path = "/teams",
     .unwrap = "teams",
     .type = "Team",
     .result = TR_LIST,
     .paging = TPG_OFFSET,
     .cap = PDB_TOOL_RECORDS_MAX,
     .fn = list_teams},
    {.name = "get_team",
     .title = "Get team",
     .desc = "One team by ID.",
     PARAMS(team_id),
     .method = PD_GET,
     .path = "/teams/{team_id}",
     .unwrap = "team"},
    {.name = "list_team_members",
     .title = "List team members",
     .desc = "Members of a team, each with the user and the team role.",
     PARAMS(team_id),
     .method = PD_GET,
     .path = "/teams/{team_id}/members",
     .unwrap = "members",
     .type = "TeamMember",
     .result = TR_LIST,
     .paging = TPG_OFFSET,
     .cap = PDB_TOOL_RECORDS_MAX},
    {.name = "list_escalation_policies",
     .title = "List escalation policies",
     .desc = "Escalation policies, by name query, users and teams; include[] expands "
             "references (services, teams, targets).",
     PARAMS(eps_params),
     .method = PD_GET,
     .path = "/escalation_policies",
     .unwrap = "escalation_policies",
     .type = "EscalationPolicy",
     .result = TR_LIST,
     .paging = TPG_OFFSET,
     .cap = PDB_TOOL_RECORDS_MAX},
    {.name = "get_escalation_policy",
     .title = "Get escalation policy",
     .desc = "One escalation policy by ID: its levels, targets and loops.",
     PARAMS(policy_id),
     .method = PD_GET,
     .path = "/escalation_policies/{policy_id}",
     .unwrap = "escalation_policy"},
};

const struct tool_area tool__people = {rows, N_OF(rows)};
