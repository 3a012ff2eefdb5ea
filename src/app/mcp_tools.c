/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mcp_tools.c - the PagerDuty tools pdbridge serves over MCP until the full
 * catalog lands (src/tools): get_user_data and list_oncalls, with the
 * official server's names, parameters and output shape.
 *
 * Rows are struct mcp_tool, the shape the catalog uses. Arguments are checked
 * against a parameter table (name, kind, query key, bound) before anything is
 * sent: an unknown argument, a wrong type or a list over PDB_WATCH_IDS_MAX is
 * a tool error the model can fix, never a request PagerDuty sees.
 *
 * Handlers run on the worker threads; each borrows a pd_client from a small
 * pool (one per worker at most, each used by one thread at a time as pd.h
 * requires) so every call reuses a kept-alive TLS connection.
 */
#include <pdbridge/app.h>
#include <pdbridge/clock.h>
#include <pdbridge/ev.h>
#include <pdbridge/jsonx.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <cjson/cJSON.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* Records one list_oncalls call returns at most (the official server's MAX_RESULTS). */
#define ONCALLS_CAP 1000

struct app_pd_pool {
	pthread_mutex_t mu;
	struct pd_conf conf;
	struct pd_client *idle[PDB_EV_WORKERS];
	size_t n_idle;
	size_t made;
};

enum pdb_rc app_pd_pool_new(const struct pd_conf *conf, struct app_pd_pool **out,
                            struct pdb_err *err)
{
	struct app_pd_pool *p = mem_calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory");
	pthread_mutex_init(&p->mu, NULL);
	p->conf = *conf; /* strings borrowed from argv and the environment, as conf's are */
	*out = p;
	return PDB_OK;
}

void app_pd_pool_free(struct app_pd_pool *p)
{
	if (!p)
		return;
	while (p->n_idle)
		pd_client_free(p->idle[--p->n_idle]);
	pthread_mutex_destroy(&p->mu);
	mem_free(p);
}

/* A client for this worker: an idle one, or a new one (at most one per worker). */
static enum pdb_rc pool_get(struct app_pd_pool *p, struct pd_client **c, struct pdb_err *err)
{
	enum pdb_rc rc = PDB_OK;

	pthread_mutex_lock(&p->mu);
	if (p->n_idle) {
		*c = p->idle[--p->n_idle];
	} else if (p->made < PDB_EV_WORKERS) {
		rc = pd_client_new(&p->conf, c, err);
		if (!rc)
			p->made++;
	} else {
		rc = pdb_err_set(err, PDB_E_INTERNAL, "more PagerDuty clients than workers");
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

static void pool_put(struct app_pd_pool *p, struct pd_client *c)
{
	pthread_mutex_lock(&p->mu);
	p->idle[p->n_idle++] = c;
	pthread_mutex_unlock(&p->mu);
}

/* --- arguments from a table ---------------------------------------------------- */

enum arg_kind {
	ARG_STR = 0,  /* a string, sent as query key=value */
	ARG_IDS = 1,  /* a list of PagerDuty IDs, sent as key=v once per element */
	ARG_BOOL = 2, /* true/false, sent as "true"/"false" */
	ARG_INT = 3,  /* an integer in [min, max]; not sent (the handler uses it) */
	ARG_TIME = 4, /* an ISO 8601 date-time string, sent as is */
};

struct arg {
	const char *name;
	enum arg_kind kind;
	const char *query; /* PagerDuty query key, NULL: the handler's own */
	int64_t min, max;  /* ARG_INT */
};

/* A PagerDuty ID: letters and digits, as the API issues them (also keeps paths clean). */
static bool id_ok(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");

	return n && !s[n] && n < PDB_PD_ID_MAX;
}

static enum pdb_rc check_one(const struct arg *a, const cJSON *v, struct pd_query *q,
                             struct pdb_err *err)
{
	const cJSON *e;
	int64_t ms;
	int n = 0;

	switch (a->kind) {
	case ARG_STR:
	case ARG_TIME:
		if (!cJSON_IsString(v))
			return pdb_err_set(err, PDB_E_TYPE, "%s must be a string", a->name);
		if (a->kind == ARG_TIME && clk_parse_iso(v->valuestring, &ms))
			return pdb_err_set(err, PDB_E_INVAL,
			                   "%s must be an ISO 8601 date-time such as "
			                   "2026-11-27T10:00:00Z",
			                   a->name);
		return a->query ? pd_query_add(q, a->query, v->valuestring) : PDB_OK;
	case ARG_IDS:
		if (!cJSON_IsArray(v))
			return pdb_err_set(err, PDB_E_TYPE, "%s must be a list of IDs", a->name);
		cJSON_ArrayForEach(e, v)
		{
			if (++n > PDB_WATCH_IDS_MAX)
				return pdb_err_set(err, PDB_E_TOO_LARGE, "%s: at most %d IDs",
				                   a->name, PDB_WATCH_IDS_MAX);
			if (!cJSON_IsString(e) || !id_ok(e->valuestring))
				return pdb_err_set(err, PDB_E_INVAL,
				                   "%s: each element must be a PagerDuty ID "
				                   "(letters and digits)",
				                   a->name);
			if (a->query && pd_query_add(q, a->query, e->valuestring))
				return pdb_err_set(err, PDB_E_TOO_LARGE, "%s: too many IDs",
				                   a->name);
		}
		return PDB_OK;
	case ARG_BOOL:
		if (!cJSON_IsBool(v))
			return pdb_err_set(err, PDB_E_TYPE, "%s must be true or false", a->name);
		return a->query ? pd_query_add(q, a->query, cJSON_IsTrue(v) ? "true" : "false")
		                : PDB_OK;
	case ARG_INT:
		if (!cJSON_IsNumber(v) || v->valuedouble != (double)(int64_t)v->valuedouble ||
		    v->valuedouble < (double)a->min || v->valuedouble > (double)a->max)
			return pdb_err_set(err, PDB_E_RANGE,
			                   "%s must be an integer from %lld to %lld", a->name,
			                   (long long)a->min, (long long)a->max);
		return PDB_OK;
	}
	return PDB_E_INTERNAL;
}

/* Check @args against @table (nulls count as absent) and add the query parameters to @q. */
static enum pdb_rc check_args(const cJSON *args, const struct arg *table, size_t n,
                              struct pd_query *q, struct pdb_err *err)
{
	const cJSON *v;
	size_t i;
	enum pdb_rc rc;

	cJSON_ArrayForEach(v, args)
	{
		for (i = 0; i < n; i++)
			if (!strcmp(table[i].name, v->string))
				break;
		if (i == n)
			return pdb_err_set(err, PDB_E_INVAL, "unknown argument '%.64s'", v->string);
		if (cJSON_IsNull(v))
			continue;
		rc = check_one(&table[i], v, q, err);
		if (rc && !err->msg[0])
			pdb_err_set(err, rc, "%s: query too long", table[i].name);
		if (rc)
			return rc;
	}
	return PDB_OK;
}

/* --- get_user_data --------------------------------------------------------------- */

static enum pdb_rc get_user_data(struct mcp_call *call, const cJSON *args, void *ud,
                                 struct pdb_err *err)
{
	struct pd_response resp = {0};
	struct pd_client *pc;
	cJSON *user;
	enum pdb_rc rc;

	rc = check_args(args, NULL, 0, NULL, err);
	if (!rc)
		rc = pool_get(ud, &pc, err);
	if (rc)
		return rc;
	rc = pd_call(pc, PD_GET, "/users/me", NULL, NULL, 0, &resp, err);
	pool_put(ud, pc);
	if (rc)
		return rc;
	user = cJSON_DetachItemFromObjectCaseSensitive(resp.json, "user");
	pd_response_free(&resp);
	if (!cJSON_IsObject(user)) {
		jsonx_free(user);
		return pdb_err_set(err, PDB_E_PARSE, "PagerDuty sent no user object");
	}
	return mcp_call_structured(call, user);
}

/* --- list_oncalls ------------------------------------------------------------------ */

static const struct arg oncall_args[] = {
    {"time_zone", ARG_STR, "time_zone", 0, 0},
    {"user_ids", ARG_IDS, "user_ids[]", 0, 0},
    {"escalation_policy_ids", ARG_IDS, "escalation_policy_ids[]", 0, 0},
    {"schedule_ids", ARG_IDS, "schedule_ids[]", 0, 0},
    {"service_ids", ARG_IDS, NULL, 0, 0}, /* resolved to their escalation policies */
    {"since", ARG_TIME, "since", 0, 0},
    {"until", ARG_TIME, "until", 0, 0},
    {"earliest", ARG_BOOL, "earliest", 0, 0},
    {"limit", ARG_INT, NULL, 1, ONCALLS_CAP},
};

/* "service_ids is not an API parameter": each service's escalation policy is asked for instead. */
static enum pdb_rc add_service_policies(struct pd_client *pc, const cJSON *ids, struct pd_query *q,
                                        struct pdb_err *err)
{
	struct pd_response resp;
	const cJSON *id, *svc = NULL, *ep = NULL;
	const char *ep_id = NULL;
	char path[PDB_PD_ID_MAX + 16];
	enum pdb_rc rc = PDB_OK;

	cJSON_ArrayForEach(id, ids)
	{
		memset(&resp, 0, sizeof(resp));
		snprintf(path, sizeof(path), "/services/%s",
		         id->valuestring); /* checked by id_ok */
		rc = pd_call(pc, PD_GET, path, NULL, NULL, 0, &resp, err);
		if (!rc && (jsonx_get_obj(resp.json, "service", &svc) ||
		            jsonx_get_obj(svc, "escalation_policy", &ep) ||
		            jsonx_get_str(ep, "id", &ep_id)))
			rc = pdb_err_set(err, PDB_E_PARSE, "service %s has no escalation policy",
			                 id->valuestring);
		if (!rc && pd_query_add(q, "escalation_policy_ids[]", ep_id))
			rc = pdb_err_set(err, PDB_E_TOO_LARGE, "too many IDs");
		pd_response_free(&resp);
		if (rc)
			break;
	}
	return rc;
}

/* {"response": [...], "response_summary": "..."}: the official ListResponseModel shape. */
static enum pdb_rc list_result(struct mcp_call *call, cJSON *items, const char *type, size_t cap)
{
	cJSON *res = cJSON_CreateObject();
	char summary[256];
	int n = cJSON_GetArraySize(items);

	snprintf(summary, sizeof(summary),
	         "ListResponseModel<%s>:\n- Returned %d record(s) of type '%s'.%s", type, n, type,
	         (size_t)n >= cap ? "\n- WARNING: The number of records equals the response limit. "
	                            "There may be more records not included in this response."
	                          : "");
	if (!res || !cJSON_AddItemToObject(res, "response", items)) { /* takes items */
		jsonx_free(items);
		jsonx_free(res);
		return PDB_E_NOMEM;
	}
	if (!cJSON_AddStringToObject(res, "response_summary", summary)) {
		jsonx_free(res);
		return PDB_E_NOMEM;
	}
	return mcp_call_structured(call, res);
}

static enum pdb_rc list_oncalls(struct mcp_call *call, const cJSON *args, void *ud,
                                struct pdb_err *err)
{
	const size_t n_args = sizeof(oncall_args) / sizeof(oncall_args[0]);
	struct pd_list_result res = {0};
	struct pd_client *pc = NULL;
	const cJSON *services, *limit;
	cJSON *items = NULL;
	struct pd_query q;
	size_t cap = ONCALLS_CAP;
	enum pdb_rc rc;

	pd_query_init(&q);
	rc = check_args(args, oncall_args, n_args, &q, err);
	/* earliest defaults to true: one entry per user, policy and level */
	if (!rc && !cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(args, "earliest")))
		rc = pd_query_add(&q, "earliest", "true");
	limit = cJSON_GetObjectItemCaseSensitive(args, "limit");
	if (cJSON_IsNumber(limit))
		cap = (size_t)limit->valuedouble;
	if (!rc)
		rc = pool_get(ud, &pc, err);
	services = cJSON_GetObjectItemCaseSensitive(args, "service_ids");
	if (!rc && cJSON_IsArray(services))
		rc = add_service_policies(pc, services, &q, err);
	if (!rc)
		rc = pd_list_json(pc, "/oncalls", "oncalls", &q, cap, 0, &items, &res, err);
	if (pc)
		pool_put(ud, pc);
	pd_query_free(&q);
	if (rc)
		return rc;
	return list_result(call, items, "Oncall", cap);
}

/* --- the table ---------------------------------------------------------------------- */

/* The official annotations: reads are read-only, not destructive, idempotent. */
#define READ_HINTS                                                           \
	{                                                                    \
		MCP_HINT_TRUE, MCP_HINT_FALSE, MCP_HINT_TRUE, MCP_HINT_UNSET \
	}

static const struct mcp_tool catalog[] = {
    {"get_user_data", NULL,
     "Get the current user's data.\n\nReturns:\n    User: User name, role, id, and summary and "
     "teams",
     "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}", NULL, READ_HINTS,
     get_user_data, NULL},
    {"list_oncalls", NULL,
     "List on-call schedules: who is on call, for which escalation policy and level, and "
     "when.\n\nArgs:\n    time_zone, user_ids, escalation_policy_ids, schedule_ids, "
     "service_ids, since, until, earliest (default true), limit (1-1000)\n\nReturns:\n    "
     "List of on-call entries.",
     "{\"type\":\"object\",\"properties\":{"
     "\"time_zone\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}],\"default\":null},"
     "\"user_ids\":{\"anyOf\":[{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
     "{\"type\":\"null\"}],\"default\":null},"
     "\"escalation_policy_ids\":{\"anyOf\":[{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
     "{\"type\":\"null\"}],\"default\":null},"
     "\"schedule_ids\":{\"anyOf\":[{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
     "{\"type\":\"null\"}],\"default\":null},"
     "\"service_ids\":{\"anyOf\":[{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
     "{\"type\":\"null\"}],\"default\":null},"
     "\"since\":{\"anyOf\":[{\"type\":\"string\",\"format\":\"date-time\"},{\"type\":\"null\"}],"
     "\"default\":null},"
     "\"until\":{\"anyOf\":[{\"type\":\"string\",\"format\":\"date-time\"},{\"type\":\"null\"}],"
     "\"default\":null},"
     "\"earliest\":{\"anyOf\":[{\"type\":\"boolean\"},{\"type\":\"null\"}],\"default\":true},"
     "\"limit\":{\"anyOf\":[{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000},"
     "{\"type\":\"null\"}],\"default\":null}},\"additionalProperties\":false}",
     NULL, READ_HINTS, list_oncalls, NULL},
};

size_t app_mcp_tools(struct app_pd_pool *pool, bool write, struct mcp_tool *out, size_t cap)
{
	size_t i, n = 0;

	for (i = 0; i < sizeof(catalog) / sizeof(catalog[0]) && n < cap; i++) {
		/* Read-only unless --enable-write-tools, like the official server. */
		if (catalog[i].hints.read_only != MCP_HINT_TRUE && !write)
			continue;
		out[n] = catalog[i];
		out[n].ud = pool;
		n++;
	}
	return n;
}
