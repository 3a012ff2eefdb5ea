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

/* --- the write models ------------------------------------------------------------- */

static const char *const default_roles[] = {"manager", "none", NULL};
static const char *const member_roles[] = {"observer", "responder", "manager", NULL};
static const char *const user_roles[] = {"admin", "limited_user", "observer", "owner",
	"read_only_user", "restricted_access", "read_only_limited_user", "user", NULL};
static const char *const target_types[] = {"user_reference", "schedule_reference",
	"schedule_v3_reference", NULL};
static const char *const strategies[] = {"round_robin", "assign_to_everyone", NULL};
static const char *const handoffs[] = {"if_has_services", "always", NULL};

static const struct tool_param team_props[] = {
	{.name = "name", .type = TT_STR, .flags = TP_REQ},
	{.name = "description", .type = TT_STR, .flags = TP_NULL},
	{.name = "default_role", .type = TT_STR, .flags = TP_NULL, .def = "\"manager\"",
	 .enums = default_roles},
};
static const struct tool_param team_model[] = {
	{.name = "team", .type = TT_OBJ, .flags = TP_REQ, PROPS(team_props)},
};
static const struct tool_param create_team_params[] = {
	{.name = "create_model", .type = TT_OBJ, .flags = TP_REQ | TP_SPREAD, PROPS(team_model)},
};
static const struct tool_param update_team_params[] = {
	P_ID("team_id"),
	{.name = "update_model", .type = TT_OBJ, .flags = TP_REQ | TP_SPREAD, PROPS(team_model)},
};
static const struct tool_param member_props[] = {
	P_ID("user_id"),
	{.name = "role", .type = TT_STR, .def = "\"manager\"", .enums = member_roles},
};
static const struct tool_param add_member_params[] = {
	P_ID("team_id"),
	{.name = "member_data", .type = TT_OBJ, .flags = TP_REQ | TP_SPREAD, PROPS(member_props)},
};
static const struct tool_param team_user_ids[] = {P_ID("team_id"), P_ID("user_id")};
static const struct tool_param user_props[] = {
	{.name = "name", .type = TT_STR, .flags = TP_REQ},
	{.name = "email", .type = TT_STR, .flags = TP_REQ},
	{.name = "role", .type = TT_STR, .def = "\"user\"", .enums = user_roles},
	{.name = "time_zone", .type = TT_STR, .def = "\"UTC\""},
};
static const struct tool_param create_user_params[] = {
	{.name = "request", .type = TT_OBJ, .flags = TP_REQ, .key = "user", PROPS(user_props)},
};
static const struct tool_param target_props[] = {
	P_ID("id"),
	{.name = "type", .type = TT_STR, .flags = TP_REQ, .enums = target_types},
	{.name = "summary", .type = TT_STR},
};
static const struct tool_param target_item = {.name = "item", .type = TT_OBJ, PROPS(target_props)};
static const struct tool_param rule_props[] = {
	{.name = "id", .type = TT_STR},
	{.name = "escalation_delay_in_minutes", .type = TT_INT, .flags = TP_REQ},
	{.name = "targets", .type = TT_ARR, .flags = TP_REQ, .min_items = 1, .items = &target_item},
	{.name = "escalation_rule_assignment_strategy", .type = TT_STR, .enums = strategies},
};
static const struct tool_param rule_item = {.name = "item", .type = TT_OBJ, PROPS(rule_props)};
static const struct tool_param ep_create_props[] = {
	{.name = "name", .type = TT_STR, .flags = TP_REQ},
	{.name = "escalation_rules", .type = TT_ARR, .flags = TP_REQ, .min_items = 1,
	 .items = &rule_item},
	{.name = "num_loops", .type = TT_INT, .def = "0"},
	{.name = "on_call_handoff_notifications", .type = TT_STR, .flags = TP_NULL,
	 .def = "\"if_has_services\"", .enums = handoffs},
	{.name = "description", .type = TT_STR},
	{.name = "services", .type = TT_ARR, .desc = "service references"},
	{.name = "teams", .type = TT_ARR, .desc = "team references"},
};
static const struct tool_param ep_create_model[] = {
	{.name = "escalation_policy", .type = TT_OBJ, .flags = TP_REQ, PROPS(ep_create_props)},
};
/* Update: only the fields given are sent, so nothing has a default. */
static const struct tool_param ep_update_props[] = {
	{.name = "name", .type = TT_STR},
	{.name = "description", .type = TT_STR},
	{.name = "escalation_rules", .type = TT_ARR, .items = &rule_item},
	{.name = "num_loops", .type = TT_INT},
	{.name = "on_call_handoff_notifications", .type = TT_STR, .enums = handoffs},
	{.name = "teams", .type = TT_ARR, .desc = "team references"},
};
static const struct tool_param ep_update_model[] = {
	{.name = "escalation_policy", .type = TT_OBJ, .flags = TP_REQ, PROPS(ep_update_props)},
};
static const struct tool_param create_ep_params[] = {
	{.name = "escalation_policy_data", .type = TT_OBJ, .flags = TP_REQ | TP_SPREAD,
	 PROPS(ep_create_model)},
};
static const struct tool_param update_ep_params[] = {
	P_ID("policy_id"),
	{.name = "escalation_policy_data", .type = TT_OBJ, .flags = TP_REQ | TP_SPREAD,
	 PROPS(ep_update_model)},
};
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
			rc = pd_encode(&path, id->valuestring, PD_ENC_PATH);
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

/* clang-format off */
static const struct tool_def rows[] = {
	{.name = "list_users", .title = "List users",
	 .desc = "Users of the account, filtered by name/email query and teams.",
	 PARAMS(users_params), .method = PD_GET, .path = "/users", .unwrap = "users",
	 .type = "User", .result = TR_LIST, .paging = TPG_OFFSET, .cap = PDB_TOOL_RECORDS_MAX},
	{.name = "get_user_data", .title = "Current user",
	 .desc = "The current user (the API key's owner): id, name, email, role, teams. Use the "
	         "id to scope other queries to the user.",
	 .method = PD_GET, .path = "/users/me", .unwrap = "user"},
	{.name = "list_oncalls", .title = "List on-calls",
	 .desc = "Who is on call: user, escalation policy and level, schedule, start/end. "
	         "earliest=true keeps one entry per user and level.",
	 PARAMS(oncall_params), .method = PD_GET, .path = "/oncalls", .unwrap = "oncalls",
	 .type = "Oncall", .result = TR_LIST, .paging = TPG_OFFSET, .cap = PDB_TOOL_RECORDS_MAX,
	 .fn = list_oncalls},
	{.name = "list_teams", .title = "List teams",
	 .desc = "Teams of the account (scope=my: the current user's teams), by name query.",
	 PARAMS(teams_params), .method = PD_GET, .path = "/teams", .unwrap = "teams",
	 .type = "Team", .result = TR_LIST, .paging = TPG_OFFSET, .cap = PDB_TOOL_RECORDS_MAX,
	 .fn = list_teams},
	{.name = "get_team", .title = "Get team", .desc = "One team by ID.", PARAMS(team_id),
	 .method = PD_GET, .path = "/teams/{team_id}", .unwrap = "team"},
	{.name = "list_team_members", .title = "List team members",
	 .desc = "Members of a team, each with the user and the team role.", PARAMS(team_id),
	 .method = PD_GET, .path = "/teams/{team_id}/members", .unwrap = "members",
	 .type = "TeamMember", .result = TR_LIST, .paging = TPG_OFFSET,
	 .cap = PDB_TOOL_RECORDS_MAX},
	{.name = "list_escalation_policies", .title = "List escalation policies",
	 .desc = "Escalation policies, by name query, users and teams; include[] expands "
	         "references (services, teams, targets).",
	 PARAMS(eps_params), .method = PD_GET, .path = "/escalation_policies",
	 .unwrap = "escalation_policies", .type = "EscalationPolicy", .result = TR_LIST,
	 .paging = TPG_OFFSET, .cap = PDB_TOOL_RECORDS_MAX},
	{.name = "get_escalation_policy", .title = "Get escalation policy",
	 .desc = "One escalation policy by ID: its levels, targets and loops.", PARAMS(policy_id),
	 .method = PD_GET, .path = "/escalation_policies/{policy_id}",
	 .unwrap = "escalation_policy"},
	{.name = "create_user", .title = "Create user",
	 .desc = "Add a user to the account (no invitation e-mail is sent).",
	 PARAMS(create_user_params), .method = PD_POST, .path = "/users", .unwrap = "user",
	 .flags = TD_WRITE},
	{.name = "create_team", .title = "Create team", .desc = "Create a team.",
	 PARAMS(create_team_params), .method = PD_POST, .path = "/teams", .unwrap = "team",
	 .flags = TD_WRITE},
	{.name = "update_team", .title = "Update team",
	 .desc = "Change a team's name, description or default role.", PARAMS(update_team_params),
	 .method = PD_PUT, .path = "/teams/{team_id}", .unwrap = "team", .flags = TD_WRITE},
	{.name = "delete_team", .title = "Delete team", .desc = "Delete a team.",
	 PARAMS(team_id), .method = PD_DELETE, .path = "/teams/{team_id}", .result = TR_DONE,
	 .flags = TD_WRITE, .done = "Successfully deleted team {team_id}"},
	{.name = "add_team_member", .title = "Add team member",
	 .desc = "Add a user to a team with a role (default manager).",
	 PARAMS(add_member_params), .method = PD_PUT, .path = "/teams/{team_id}/users/{user_id}",
	 .result = TR_DONE, .flags = TD_WRITE, .done = "Successfully added user to team"},
	{.name = "remove_team_member", .title = "Remove team member",
	 .desc = "Remove a user from a team.", PARAMS(team_user_ids), .method = PD_DELETE,
	 .path = "/teams/{team_id}/users/{user_id}", .result = TR_DONE, .flags = TD_WRITE,
	 .done = "Successfully removed user {user_id} from team {team_id}"},
	{.name = "create_escalation_policy", .title = "Create escalation policy",
	 .desc = "Create an escalation policy: levels of user/schedule targets with delays.",
	 PARAMS(create_ep_params), .method = PD_POST, .path = "/escalation_policies",
	 .unwrap = "escalation_policy", .flags = TD_WRITE},
	{.name = "update_escalation_policy", .title = "Update escalation policy",
	 .desc = "Change an escalation policy; only the fields given are sent.",
	 PARAMS(update_ep_params), .method = PD_PUT, .path = "/escalation_policies/{policy_id}",
	 .unwrap = "escalation_policy", .flags = TD_WRITE},
};
/* clang-format on */

const struct tool_area tool__people = {rows, PDB_N_OF(rows)};
