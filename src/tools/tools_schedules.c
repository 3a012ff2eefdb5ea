/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tools_schedules.c - schedules, both kinds: layer-based (the v2 API) and
 * shift-based (the v3 API), and the v3 sub-resources (rotations, their
 * events, custom shifts, overrides).
 *
 * list_schedules asks both APIs and says which answered: a list missing
 * half the schedules must never look complete. get_schedule asks v2 first
 * and falls back to v3 when PagerDuty says the schedule is shift-based
 * (or goes straight to one when kind is given).
 */
#include "tools_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const kinds[] = {"layer_based", "shift_based", NULL};

/* clang-format off */
static const struct tool_param list_q[] = {
	{.name = "query", .type = TT_STR},
	{.name = "team_ids", .type = TT_ARR, .items = &tool__str_item},
	{.name = "user_ids", .type = TT_ARR, .items = &tool__str_item},
	{.name = "include", .type = TT_ARR, .items = &tool__str_item},
	{.name = "limit", .type = TT_INT, .flags = TP_LIMIT, .def = "20", .min = 1, .max = 100},
};
static const struct tool_param list_params[] = {
	{.name = "query_model", .type = TT_OBJ, .flags = TP_REQ | TP_SPREAD | TP_CLOSED,
	 PROPS(list_q)},
	{.name = "enrich", .type = TT_BOOL, .flags = TP_LOCAL, .def = "true",
	 .desc = "look up the names of shift-based schedules"},
};
static const struct tool_param get_params[] = {
	P_ID("schedule_id"),
	{.name = "kind", .type = TT_STR, .flags = TP_NULL | TP_LOCAL, .enums = kinds,
	 .desc = "skip the v2 try when known"},
};
static const struct tool_param schedule_id[] = {P_ID("schedule_id")};
static const struct tool_param rotation_ids[] = {P_ID("schedule_id"), P_ID("rotation_id")};
static const struct tool_param event_ids[] = {
	P_ID("schedule_id"), P_ID("rotation_id"), P_ID("event_id"),
};
static const struct tool_param shifts_params[] = {
	P_ID("schedule_id"),
	{.name = "since", .type = TT_STR, .flags = TP_REQ | TP_TIME},
	{.name = "until", .type = TT_STR, .flags = TP_REQ | TP_TIME},
};
static const struct tool_param shift_ids[] = {P_ID("schedule_id"), P_ID("custom_shift_id")};
static const struct tool_param override_ids[] = {P_ID("schedule_id"), P_ID("override_id")};

/* --- the write models ------------------------------------------------------------- */

static const char *const strategy_types[] = {"rotating_member_assignment_strategy",
	"every_member_assignment_strategy", NULL};
static const char *const member_types[] = {"user_member", "empty_member", NULL};
static const char *const custom_shift[] = {"custom_shift", NULL};
static const char *const shift_assignment[] = {"shift_assignment", NULL};
static const char *const override_shift[] = {"override_shift", NULL};

static const struct tool_param any_object = {.name = "item", .type = TT_OBJ};
static const struct tool_param v3_create_props[] = {
	{.name = "name", .type = TT_STR, .flags = TP_REQ},
	{.name = "description", .type = TT_STR},
	{.name = "time_zone", .type = TT_STR, .flags = TP_REQ},
	{.name = "teams", .type = TT_ARR, .items = &any_object},
	{.name = "rotations", .type = TT_ARR, .items = &any_object},
};
static const struct tool_param v3_update_props[] = {
	{.name = "name", .type = TT_STR},
	{.name = "description", .type = TT_STR},
	{.name = "time_zone", .type = TT_STR},
	{.name = "teams", .type = TT_ARR, .items = &any_object},
	{.name = "rotations", .type = TT_ARR, .items = &any_object},
};
static const struct tool_param create_params[] = {
	{.name = "schedule_data", .type = TT_OBJ, .flags = TP_REQ, .key = "schedule",
	 PROPS(v3_create_props)},
};
static const struct tool_param update_params[] = {
	P_ID("schedule_id"),
	{.name = "schedule_data", .type = TT_OBJ, .flags = TP_REQ, .key = "schedule",
	 .desc = "name and time_zone are kept when left out", PROPS(v3_update_props)},
};
static const struct tool_param override_props[] = {
	{.name = "start", .type = TT_STR, .flags = TP_REQ | TP_TIME},
	{.name = "end", .type = TT_STR, .flags = TP_REQ | TP_TIME},
	P_ID("user_id"),
};
static const struct tool_param override_item = {.name = "item", .type = TT_OBJ,
                                                PROPS(override_props)};
static const struct tool_param override_req[] = {
	{.name = "overrides", .type = TT_ARR, .flags = TP_REQ, .min_items = 1,
	 .items = &override_item},
};
static const struct tool_param override_params[] = {
	P_ID("schedule_id"),
	{.name = "override_request", .type = TT_OBJ, .flags = TP_REQ | TP_SPREAD | TP_LOCAL,
	 PROPS(override_req)},
};
static const struct tool_param clock_props[] = {
	{.name = "date_time", .type = TT_STR, .flags = TP_REQ},
	{.name = "time_zone", .type = TT_STR, .flags = TP_REQ},
};
static const struct tool_param member_props[] = {
	{.name = "type", .type = TT_STR, .flags = TP_REQ, .enums = member_types},
	{.name = "user_id", .type = TT_STR},
};
static const struct tool_param member_item = {.name = "item", .type = TT_OBJ, PROPS(member_props)};
static const struct tool_param strategy_props[] = {
	{.name = "type", .type = TT_STR, .flags = TP_REQ, .enums = strategy_types},
	{.name = "members", .type = TT_ARR, .flags = TP_REQ, .max_items = 20,
	 .items = &member_item},
	{.name = "shifts_per_member", .type = TT_INT},
};
static const struct tool_param event_props[] = {
	{.name = "name", .type = TT_STR, .flags = TP_REQ},
	{.name = "start_time", .type = TT_OBJ, .flags = TP_REQ, PROPS(clock_props)},
	{.name = "end_time", .type = TT_OBJ, .flags = TP_REQ, PROPS(clock_props)},
	{.name = "effective_since", .type = TT_STR, .flags = TP_REQ},
	{.name = "effective_until", .type = TT_STR, .flags = TP_NULL},
	{.name = "recurrence", .type = TT_ARR, .flags = TP_REQ, .min_items = 1,
	 .desc = "one RRULE (FREQ=DAILY|WEEKLY), optional EXDATE/RDATE lines",
	 .items = &tool__str_item},
	{.name = "assignment_strategy", .type = TT_OBJ, .flags = TP_REQ, PROPS(strategy_props)},
};
static const struct tool_param create_event_params[] = {
	P_ID("schedule_id"), P_ID("rotation_id"),
	{.name = "event_data", .type = TT_OBJ, .flags = TP_REQ, .key = "event", PROPS(event_props)},
};
static const struct tool_param update_event_params[] = {
	P_ID("schedule_id"), P_ID("rotation_id"), P_ID("event_id"),
	{.name = "event_data", .type = TT_OBJ, .flags = TP_REQ, .key = "event",
	 .desc = "the whole event (full replace)", PROPS(event_props)},
};
static const struct tool_param shift_member = {
	.name = "member", .type = TT_OBJ, .flags = TP_REQ, .desc = "{type: user_member, user_id}",
	PROPS(member_props)};
static const struct tool_param shift_assignment_props[] = {
	{.name = "type", .type = TT_STR, .flags = TP_HIDE, .def = "\"shift_assignment\"", .enums = shift_assignment},
	shift_member,
};
static const struct tool_param shift_assignment_item = {.name = "item", .type = TT_OBJ,
                                                        PROPS(shift_assignment_props)};
static const struct tool_param shift_props[] = {
	{.name = "type", .type = TT_STR, .flags = TP_HIDE, .def = "\"custom_shift\"", .enums = custom_shift},
	{.name = "start_time", .type = TT_STR, .flags = TP_REQ | TP_TIME},
	{.name = "end_time", .type = TT_STR, .flags = TP_REQ | TP_TIME},
	{.name = "assignments", .type = TT_ARR, .flags = TP_REQ, .min_items = 1, .max_items = 1,
	 .items = &shift_assignment_item},
};
static const struct tool_param shift_item = {.name = "item", .type = TT_OBJ, PROPS(shift_props)};
static const struct tool_param create_shifts_params[] = {
	P_ID("schedule_id"),
	{.name = "custom_shifts", .type = TT_ARR, .flags = TP_REQ, .min_items = 1,
	 .items = &shift_item},
};
static const struct tool_param update_shift_params[] = {
	P_ID("schedule_id"), P_ID("custom_shift_id"),
	{.name = "shift_data", .type = TT_OBJ, .flags = TP_REQ, .key = "custom_shift",
	 PROPS(shift_props)},
};
static const struct tool_param v3_override_props[] = {
	{.name = "type", .type = TT_STR, .flags = TP_HIDE, .def = "\"override_shift\"", .enums = override_shift},
	{.name = "rotation_id", .type = TT_STR, .desc = "either this or custom_shift_id"},
	{.name = "custom_shift_id", .type = TT_STR},
	{.name = "start_time", .type = TT_STR, .flags = TP_REQ | TP_TIME},
	{.name = "end_time", .type = TT_STR, .flags = TP_REQ | TP_TIME},
	{.name = "overridden_member", .type = TT_OBJ, .flags = TP_REQ, PROPS(member_props)},
	{.name = "overriding_member", .type = TT_OBJ, .flags = TP_REQ, PROPS(member_props)},
};
static const struct tool_param v3_override_item = {.name = "item", .type = TT_OBJ,
                                                   PROPS(v3_override_props)};
static const struct tool_param create_overrides_params[] = {
	P_ID("schedule_id"),
	{.name = "overrides", .type = TT_ARR, .flags = TP_REQ, .min_items = 1,
	 .items = &v3_override_item},
};
static const struct tool_param update_override_params[] = {
	P_ID("schedule_id"), P_ID("override_id"),
	{.name = "start_time", .type = TT_STR, .flags = TP_REQ | TP_TIME, .key = "override.start_time"},
	{.name = "end_time", .type = TT_STR, .flags = TP_REQ | TP_TIME, .key = "override.end_time"},
	{.name = "overridden_member_type", .type = TT_STR, .flags = TP_REQ, .enums = member_types,
	 .key = "override.overridden_member.type"},
	{.name = "overriding_member_type", .type = TT_STR, .flags = TP_REQ, .enums = member_types,
	 .key = "override.overriding_member.type"},
	{.name = "overridden_member_user_id", .type = TT_STR, .flags = TP_NULL,
	 .key = "override.overridden_member.user_id"},
	{.name = "overriding_member_user_id", .type = TT_STR, .flags = TP_NULL,
	 .key = "override.overriding_member.user_id"},
};
/* clang-format on */

/* --- list_schedules ------------------------------------------------------------------ */

/* The summary of one schedule: the fields both APIs share, and which kind it is. */
static cJSON *summary_of(const cJSON *s, const char *kind)
{
	static const char *const keys[] = {"id", "name", "time_zone", "html_url", "summary"};
	cJSON *o = cJSON_CreateObject(), *v;
	size_t i;

	for (i = 0; o && i < PDB_N_OF(keys); i++) {
		v = cJSON_GetObjectItemCaseSensitive(s, keys[i]);
		if (v && !cJSON_AddItemToObject(o, keys[i], cJSON_Duplicate(v, true)))
			goto fail;
	}
	if (o && cJSON_AddStringToObject(o, "kind", kind))
		return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

/* Fill name and time_zone of a v3 list entry (which carries only a summary) from its GET. */
static void enrich_v3(struct tool_ctx *x, cJSON *sum)
{
	struct pd_response resp;
	const cJSON *sch, *v;
	const char *id;
	struct buf path;
	struct pdb_err ign;

	if (jsonx_get_str(sum, "id", &id) || cJSON_GetObjectItemCaseSensitive(sum, "name"))
		return;
	buf_init(&path, PDB_PD_URL_LEN_MAX);
	if (!buf_adds(&path, "/v3/schedules/") && !pd_encode(&path, id, PD_ENC_PATH) &&
	    !pd_call(x->pc, PD_GET, buf_cstr(&path), NULL, NULL, 0, &resp, &ign)) {
		if (!jsonx_get_obj(resp.json, "schedule", &sch)) {
			if ((v = cJSON_GetObjectItemCaseSensitive(sch, "name")) != NULL)
				cJSON_AddItemToObject(sum, "name", cJSON_Duplicate(v, true));
			if ((v = cJSON_GetObjectItemCaseSensitive(sch, "time_zone")) != NULL)
				cJSON_AddItemToObject(sum, "time_zone", cJSON_Duplicate(v, true));
		}
		pd_response_free(&resp);
	}
	buf_free(&path);
}

/* One API's answer: its schedules summarised into @out, and its entry in @sources. */
static enum pdb_rc add_source(struct tool_ctx *x, const char *api, const char *failed,
                              struct tool_list *l, cJSON *out, cJSON *sources, size_t *lookups)
{
	const char *kind = strcmp(api, "v2") ? "shift_based" : "layer_based";
	cJSON *src = cJSON_CreateObject(), *it, *sum, *items = failed ? NULL : l->items;
	int n = cJSON_GetArraySize(items);

	if (!src || !cJSON_AddItemToArray(sources, src) ||
	    !cJSON_AddStringToObject(src, "api", api) ||
	    !cJSON_AddStringToObject(src, "status", failed ? "error" : "ok") ||
	    !cJSON_AddNumberToObject(src, "count", n) ||
	    !cJSON_AddBoolToObject(src, "more", !failed && l->more) ||
	    (failed && !cJSON_AddStringToObject(src, "message", failed)))
		return PDB_E_NOMEM;
	cJSON_ArrayForEach(it, items)
	{
		sum = summary_of(it, kind);
		if (!sum || !cJSON_AddItemToArray(out, sum)) {
			cJSON_Delete(sum);
			return PDB_E_NOMEM;
		}
		if (strcmp(api, "v2") && *lookups < PDB_TOOL_LOOKUPS_MAX &&
		    !cJSON_GetObjectItemCaseSensitive(sum, "name")) {
			enrich_v3(x, sum);
			++*lookups;
		}
	}
	return PDB_OK;
}

/* Fetch one API's schedules; on failure its message goes to @failed. */
static const char *fetch(struct tool_ctx *x, const char *path, const struct pd_query *q,
                         struct tool_list *l, char *failed, size_t len)
{
	if (!tool__list(x, path, "schedules", q, 0, tool__cap(x), l))
		return NULL;
	snprintf(failed, len, "%s", pdb_err_text(x->err));
	pdb_err_clear(x->err);
	return failed;
}

static enum pdb_rc list_schedules(struct tool_ctx *x)
{
	const cJSON *query = tool__arg(x, "query");
	size_t lookups = cJSON_IsTrue(tool__arg(x, "enrich")) ? 0 : PDB_TOOL_LOOKUPS_MAX;
	struct tool_list v2 = {0}, v3 = {0}, all = {0};
	char buf2[PDB_ERRMSG_MAX], buf3[PDB_ERRMSG_MAX];
	const char *f2 = NULL, *f3 = NULL;
	cJSON *sources = NULL, *fields = cJSON_CreateObject();
	struct pd_query q2, q3;
	enum pdb_rc rc;

	pd_query_init(&q2);
	pd_query_init(&q3);
	rc = tool__query(x, &q2);
	if (!rc && cJSON_IsString(query) && pd_query_add(&q3, "query", query->valuestring))
		rc = pdb_err_set(x->err, PDB_E_TOO_LARGE, "query too long");
	if (!rc) {
		f2 = fetch(x, "/schedules", &q2, &v2, buf2, sizeof(buf2));
		f3 = fetch(x, "/v3/schedules", &q3, &v3, buf3, sizeof(buf3));
	}
	pd_query_free(&q2);
	pd_query_free(&q3);
	if (!rc && f2 && f3)
		rc = pdb_err_set(x->err, PDB_E_HTTP,
		                 "neither schedule API answered: %.110s; %.110s", f2, f3);
	all.items = rc ? NULL : cJSON_CreateArray();
	sources = fields ? cJSON_AddArrayToObject(fields, "sources") : NULL;
	if (!rc &&
	    (!all.items || !sources || add_source(x, "v2", f2, &v2, all.items, sources, &lookups) ||
	     add_source(x, "v3", f3, &v3, all.items, sources, &lookups) ||
	     !cJSON_AddBoolToObject(fields, "degraded", f2 || f3) ||
	     ((f2 || f3) &&
	      !cJSON_AddStringToObject(fields, "warning",
	                               f2 ? "the v2 (layer-based) source FAILED: this list "
	                                    "is INCOMPLETE"
	                                  : "the v3 (shift-based) source FAILED: this list "
	                                    "is INCOMPLETE"))))
		rc = tool__oom(x);
	all.more = v2.more || v3.more;
	jsonx_free(v2.items);
	jsonx_free(v3.items);
	if (rc) {
		jsonx_free(fields);
		jsonx_free(all.items);
		return rc;
	}
	return tool__emit_list(x, &all, fields);
}

/* --- get_schedule ------------------------------------------------------------------------ */

/* PagerDuty's 400 for a shift-based schedule asked for through v2. */
static bool says_shift_based(const char *msg)
{
	static const char *const marks[] = {"shift-based", "v3 schedules api", "/v3/schedules"};
	char low[PDB_ERRMSG_MAX];
	size_t i;

	for (i = 0; msg[i] && i + 1 < sizeof(low); i++)
		low[i] = (char)((msg[i] >= 'A' && msg[i] <= 'Z') ? msg[i] + 32 : msg[i]);
	low[i] = '\0';
	for (i = 0; i < PDB_N_OF(marks); i++)
		if (strstr(low, marks[i]))
			return true;
	return false;
}

static enum pdb_rc get_one(struct tool_ctx *x, const char *tmpl, const char *kind)
{
	struct pd_response resp;
	struct buf path;
	cJSON *s;
	enum pdb_rc rc;

	buf_init(&path, PDB_PD_URL_LEN_MAX);
	rc = tool__path(x, tmpl, &path);
	if (!rc)
		rc = tool__call(x, PD_GET, buf_cstr(&path), NULL, NULL, &resp);
	buf_free(&path);
	if (rc)
		return rc;
	s = cJSON_DetachItemFromObjectCaseSensitive(resp.json, "schedule");
	pd_response_free(&resp);
	if (!cJSON_IsObject(s)) {
		jsonx_free(s);
		return pdb_err_set(x->err, PDB_E_PARSE, "PagerDuty's answer has no schedule");
	}
	if (!cJSON_GetObjectItemCaseSensitive(s, "kind"))
		cJSON_AddStringToObject(s, "kind", kind);
	return tool__emit_wrap(x, s);
}

static enum pdb_rc get_schedule(struct tool_ctx *x)
{
	const cJSON *kind = tool__arg(x, "kind");
	enum pdb_rc rc;

	if (kind && !strcmp(kind->valuestring, "shift_based"))
		return get_one(x, "/v3/schedules/{schedule_id}", "shift_based");
	rc = get_one(x, "/schedules/{schedule_id}", "layer_based");
	if (rc != PDB_E_HTTP || kind || !says_shift_based(x->err->msg))
		return rc;
	pdb_err_clear(x->err);
	return get_one(x, "/v3/schedules/{schedule_id}", "shift_based");
}

/* --- writes ---------------------------------------------------------------------------- */

/* name and time_zone left out are kept: the v3 PUT replaces, so fetch them first. */
static enum pdb_rc update_schedule(struct tool_ctx *x)
{
	static const char *const keep[] = {"name", "time_zone"};
	struct pd_response resp = {0};
	const cJSON *old = NULL, *v;
	cJSON *body = NULL, *sch;
	struct buf path;
	enum pdb_rc rc;
	size_t i;

	buf_init(&path, PDB_PD_URL_LEN_MAX);
	rc = tool__path(x, "/v3/schedules/{schedule_id}", &path);
	if (!rc)
		rc = tool__body(x, &body);
	sch = cJSON_GetObjectItemCaseSensitive(body, "schedule");
	if (!rc &&
	    (!tool__arg(x, "schedule_data") || !cJSON_GetObjectItemCaseSensitive(sch, "name") ||
	     !cJSON_GetObjectItemCaseSensitive(sch, "time_zone"))) {
		rc = tool__call(x, PD_GET, buf_cstr(&path), NULL, NULL, &resp);
		if (!rc && jsonx_get_obj(resp.json, "schedule", &old))
			old = NULL;
	}
	for (i = 0; !rc && old && i < PDB_N_OF(keep); i++) {
		v = cJSON_GetObjectItemCaseSensitive(old, keep[i]);
		if (v && !cJSON_GetObjectItemCaseSensitive(sch, keep[i]) &&
		    !cJSON_AddItemToObject(sch, keep[i], cJSON_Duplicate(v, true)))
			rc = tool__oom(x);
	}
	pd_response_free(&resp);
	if (!rc)
		rc = tool__call(x, PD_PUT, buf_cstr(&path), NULL, body, &resp);
	jsonx_free(body);
	buf_free(&path);
	if (rc)
		return rc;
	sch = cJSON_DetachItemFromObjectCaseSensitive(resp.json, "schedule");
	pd_response_free(&resp);
	return sch ? tool__emit_wrap(x, sch)
	           : pdb_err_set(x->err, PDB_E_PARSE, "PagerDuty's answer has no schedule");
}

/* The official model's {start, end, user_id} become PagerDuty's {start, end, user}. */
static cJSON *override_body(const cJSON *overrides)
{
	cJSON *body = cJSON_CreateObject(), *arr, *o, *u;
	const cJSON *it;

	arr = body ? cJSON_AddArrayToObject(body, "overrides") : NULL;
	cJSON_ArrayForEach(it, overrides)
	{
		if (!arr)
			break;
		o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(arr, o))
			goto fail;
		if (!cJSON_AddItemToObject(
		        o, "start", cJSON_Duplicate(cJSON_GetObjectItem(it, "start"), true)) ||
		    !cJSON_AddItemToObject(o, "end",
		                           cJSON_Duplicate(cJSON_GetObjectItem(it, "end"), true)))
			goto fail;
		u = cJSON_AddObjectToObject(o, "user");
		if (!u ||
		    !cJSON_AddItemToObject(
		        u, "id", cJSON_Duplicate(cJSON_GetObjectItem(it, "user_id"), true)) ||
		    !cJSON_AddStringToObject(u, "type", "user_reference"))
			goto fail;
	}
	if (arr)
		return body;
fail:
	cJSON_Delete(body);
	return NULL;
}

static enum pdb_rc create_schedule_override(struct tool_ctx *x)
{
	cJSON *body = override_body(tool__arg(x, "overrides")), *res;
	struct pd_response resp;
	struct buf path;
	enum pdb_rc rc;

	if (!body)
		return tool__oom(x);
	buf_init(&path, PDB_PD_URL_LEN_MAX);
	rc = tool__path(x, x->def->path, &path);
	if (!rc)
		rc = tool__call(x, PD_POST, buf_cstr(&path), NULL, body, &resp);
	jsonx_free(body);
	buf_free(&path);
	if (rc)
		return rc;
	/* PagerDuty answers a bare array here; accept the wrapped form too */
	res = cJSON_IsArray(resp.json)
	          ? resp.json
	          : cJSON_DetachItemFromObjectCaseSensitive(resp.json, "overrides");
	if (res == resp.json)
		resp.json = NULL;
	pd_response_free(&resp);
	return res ? tool__emit_wrap(x, res)
	           : pdb_err_set(x->err, PDB_E_PARSE, "PagerDuty's answer has no overrides");
}

/* clang-format off */
static const struct tool_def rows[] = {
	{.name = "list_schedules", .title = "List schedules",
	 .desc = "Schedules of both kinds (layer-based v2 and shift-based v3) by name query; "
	         "sources says which API answered, degraded that one failed.",
	 PARAMS(list_params), .method = PD_GET, .path = "/schedules", .type = "ScheduleSummary",
	 .result = TR_LIST, .paging = TPG_OFFSET, .cap = 20, .fn = list_schedules},
	{.name = "get_schedule", .title = "Get schedule",
	 .desc = "One schedule of either kind, with layers or rotations.", PARAMS(get_params),
	 .method = PD_GET, .path = "/schedules/{schedule_id}", .result = TR_WRAP,
	 .fn = get_schedule},
	{.name = "list_schedule_users", .title = "List schedule users",
	 .desc = "The users on a layer-based schedule.", PARAMS(schedule_id), .method = PD_GET,
	 .path = "/schedules/{schedule_id}/users", .unwrap = "users", .type = "User",
	 .result = TR_LIST, .cap = PDB_TOOL_RECORDS_MAX},
	{.name = "list_schedule_v3_rotations", .title = "List v3 rotations",
	 .desc = "Rotations of a shift-based schedule.", PARAMS(schedule_id), .method = PD_GET,
	 .path = "/v3/schedules/{schedule_id}/rotations", .unwrap = "rotations",
	 .type = "Rotation", .result = TR_LIST, .paging = TPG_OFFSET,
	 .cap = PDB_TOOL_RECORDS_MAX},
	{.name = "get_schedule_v3_rotation", .title = "Get v3 rotation",
	 .desc = "One rotation of a shift-based schedule.", PARAMS(rotation_ids),
	 .method = PD_GET, .path = "/v3/schedules/{schedule_id}/rotations/{rotation_id}",
	 .unwrap = "rotation"},
	{.name = "list_schedule_v3_rotation_events", .title = "List v3 rotation events",
	 .desc = "Events (recurring shift patterns) of a rotation.", PARAMS(rotation_ids),
	 .method = PD_GET, .path = "/v3/schedules/{schedule_id}/rotations/{rotation_id}/events",
	 .unwrap = "events", .type = "RotationEvent", .result = TR_LIST,
	 .paging = TPG_OFFSET, .cap = PDB_TOOL_RECORDS_MAX},
	{.name = "get_schedule_v3_rotation_event", .title = "Get v3 rotation event",
	 .desc = "One event of a rotation.", PARAMS(event_ids), .method = PD_GET,
	 .path = "/v3/schedules/{schedule_id}/rotations/{rotation_id}/events/{event_id}",
	 .unwrap = "event"},
	{.name = "list_schedule_v3_custom_shifts", .title = "List v3 custom shifts",
	 .desc = "Custom shifts of a shift-based schedule between since and until.",
	 PARAMS(shifts_params), .method = PD_GET,
	 .path = "/v3/schedules/{schedule_id}/custom_shifts", .unwrap = "custom_shifts",
	 .type = "CustomShift", .result = TR_LIST, .paging = TPG_OFFSET,
	 .cap = PDB_TOOL_RECORDS_MAX},
	{.name = "get_schedule_v3_custom_shift", .title = "Get v3 custom shift",
	 .desc = "One custom shift.", PARAMS(shift_ids), .method = PD_GET,
	 .path = "/v3/schedules/{schedule_id}/custom_shifts/{custom_shift_id}",
	 .unwrap = "custom_shift"},
	{.name = "list_schedule_v3_overrides", .title = "List v3 overrides",
	 .desc = "Overrides of a shift-based schedule between since and until.",
	 PARAMS(shifts_params), .method = PD_GET, .path = "/v3/schedules/{schedule_id}/overrides",
	 .unwrap = "overrides", .type = "OverrideShift", .result = TR_LIST,
	 .paging = TPG_OFFSET, .cap = PDB_TOOL_RECORDS_MAX},
	{.name = "get_schedule_v3_override", .title = "Get v3 override",
	 .desc = "One override.", PARAMS(override_ids), .method = PD_GET,
	 .path = "/v3/schedules/{schedule_id}/overrides/{override_id}", .unwrap = "override"},
	{.name = "create_schedule", .title = "Create schedule",
	 .desc = "Create a shift-based (v3) schedule; add rotations with the v3 tools.",
	 PARAMS(create_params), .method = PD_POST, .path = "/v3/schedules", .unwrap = "schedule",
	 .result = TR_WRAP, .flags = TD_WRITE},
	{.name = "update_schedule", .title = "Update schedule",
	 .desc = "Change a shift-based schedule (layer-based ones cannot be edited here).",
	 PARAMS(update_params), .method = PD_PUT, .path = "/v3/schedules/{schedule_id}",
	 .result = TR_WRAP, .flags = TD_WRITE, .fn = update_schedule},
	{.name = "create_schedule_override", .title = "Create schedule override",
	 .desc = "Put users on call on a layer-based schedule for given periods.",
	 PARAMS(override_params), .method = PD_POST, .path = "/schedules/{schedule_id}/overrides",
	 .result = TR_WRAP, .flags = TD_WRITE, .fn = create_schedule_override},
	{.name = "delete_schedule_v3", .title = "Delete v3 schedule",
	 .desc = "Delete a shift-based schedule.", PARAMS(schedule_id), .method = PD_DELETE,
	 .path = "/v3/schedules/{schedule_id}", .result = TR_DONE, .flags = TD_WRITE,
	 .done = "Schedule {schedule_id} deleted successfully."},
	{.name = "create_schedule_v3_rotation", .title = "Create v3 rotation",
	 .desc = "Add an empty rotation to a shift-based schedule (then add events).",
	 PARAMS(schedule_id), .method = PD_POST, .path = "/v3/schedules/{schedule_id}/rotations",
	 .unwrap = "rotation", .flags = TD_WRITE},
	{.name = "delete_schedule_v3_rotation", .title = "Delete v3 rotation",
	 .desc = "Delete a rotation.", PARAMS(rotation_ids), .method = PD_DELETE,
	 .path = "/v3/schedules/{schedule_id}/rotations/{rotation_id}", .result = TR_DONE,
	 .flags = TD_WRITE, .done = "Rotation {rotation_id} deleted from schedule {schedule_id}."},
	{.name = "create_schedule_v3_rotation_event", .title = "Create v3 rotation event",
	 .desc = "Add a recurring shift pattern (RRULE) with its members to a rotation.",
	 PARAMS(create_event_params), .method = PD_POST,
	 .path = "/v3/schedules/{schedule_id}/rotations/{rotation_id}/events", .unwrap = "event",
	 .flags = TD_WRITE},
	{.name = "update_schedule_v3_rotation_event", .title = "Update v3 rotation event",
	 .desc = "Replace a rotation event (a started one may only change effective_until).",
	 PARAMS(update_event_params), .method = PD_PUT,
	 .path = "/v3/schedules/{schedule_id}/rotations/{rotation_id}/events/{event_id}",
	 .unwrap = "event", .flags = TD_WRITE},
	{.name = "delete_schedule_v3_rotation_event", .title = "Delete v3 rotation event",
	 .desc = "Delete a rotation event.", PARAMS(event_ids), .method = PD_DELETE,
	 .path = "/v3/schedules/{schedule_id}/rotations/{rotation_id}/events/{event_id}",
	 .result = TR_DONE, .flags = TD_WRITE,
	 .done = "Event {event_id} deleted from rotation {rotation_id}."},
	{.name = "create_schedule_v3_custom_shifts", .title = "Create v3 custom shifts",
	 .desc = "Add one-off shifts, one member each, to a shift-based schedule.",
	 PARAMS(create_shifts_params), .method = PD_POST,
	 .path = "/v3/schedules/{schedule_id}/custom_shifts", .unwrap = "custom_shifts",
	 .type = "CustomShift", .result = TR_LIST, .cap = PDB_TOOL_RECORDS_MAX,
	 .flags = TD_WRITE},
	{.name = "update_schedule_v3_custom_shift", .title = "Update v3 custom shift",
	 .desc = "Replace a custom shift (a started one may only change end_time).",
	 PARAMS(update_shift_params), .method = PD_PUT,
	 .path = "/v3/schedules/{schedule_id}/custom_shifts/{custom_shift_id}",
	 .unwrap = "custom_shift", .flags = TD_WRITE},
	{.name = "delete_schedule_v3_custom_shift", .title = "Delete v3 custom shift",
	 .desc = "Delete a custom shift.", PARAMS(shift_ids), .method = PD_DELETE,
	 .path = "/v3/schedules/{schedule_id}/custom_shifts/{custom_shift_id}",
	 .result = TR_DONE, .flags = TD_WRITE,
	 .done = "Custom shift {custom_shift_id} deleted from schedule {schedule_id}."},
	{.name = "create_schedule_v3_overrides", .title = "Create v3 overrides",
	 .desc = "Replace a member by another for a time on a rotation or custom shift.",
	 PARAMS(create_overrides_params), .method = PD_POST,
	 .path = "/v3/schedules/{schedule_id}/overrides", .unwrap = "overrides",
	 .type = "OverrideShift", .result = TR_LIST, .cap = PDB_TOOL_RECORDS_MAX,
	 .flags = TD_WRITE},
	{.name = "update_schedule_v3_override", .title = "Update v3 override",
	 .desc = "Change an override's times or members.", PARAMS(update_override_params),
	 .method = PD_PUT, .path = "/v3/schedules/{schedule_id}/overrides/{override_id}",
	 .unwrap = "override", .flags = TD_WRITE,
	 .body_base = "{\"override\":{\"type\":\"override_shift\"}}"},
	{.name = "delete_schedule_v3_override", .title = "Delete v3 override",
	 .desc = "Delete an override.", PARAMS(override_ids), .method = PD_DELETE,
	 .path = "/v3/schedules/{schedule_id}/overrides/{override_id}", .result = TR_DONE,
	 .flags = TD_WRITE, .done = "Override {override_id} deleted from schedule {schedule_id}."},
};
/* clang-format on */

const struct tool_area tool__schedules = {rows, PDB_N_OF(rows)};
