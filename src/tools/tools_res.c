/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tools_res.c - what pdbridge serves beyond the official server: three MCP
 * resources and two prompts.
 *
 *   pagerduty://oncall/now       who is on call now, per policy and level
 *   pagerduty://incidents/open   triggered and acknowledged incidents, counted
 *   pagerduty://usage            this process's PagerDuty requests, per caller
 *
 * The usage resource is read straight from pd's counters (no request).
 * Resource reads run on the loop thread and must not block, so they serve
 * a cache. A read that finds the content older than PDB_TOOL_RES_TTL_MS
 * queues a refresh on a worker, at most one per resource at a time and at
 * most one per PDB_TOOL_RES_REFRESH_MIN_MS however often clients read
 * (PagerDuty's rate limit is shared with the tools). Until the first
 * refresh lands a read says "loading"; subscribers (resources/subscribe,
 * subscriptions/listen) hear notifications/resources/updated whenever the
 * content changes, and tool_catalog_poll() refreshes what they watch even
 * when nobody reads it. A failed
 * refresh keeps the last content and marks it stale with the error.
 * tool_catalog_feed() lets the status poller fill the same cache.
 *
 * The prompts read the cache too (never PagerDuty): incident_briefing tells
 * the model which tools to use for one incident, and completes incident_id
 * from the open incidents; oncall_handoff embeds both resources.
 */
#include "tools_int.h"

#include <pdbridge/clock.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <stdio.h>
#include <string.h>

#define URI_ONCALL    "pagerduty://oncall/now"
#define URI_INCIDENTS "pagerduty://incidents/open"
#define URI_USAGE     "pagerduty://usage"
#define MIME          "application/json"

enum res_kind {
	RES_ONCALL = 0,
	RES_INCIDENTS = 1,
};

static const char *const uris[TOOL_RESOURCES] = {URI_ONCALL, URI_INCIDENTS};
static const char *const keys[TOOL_RESOURCES] = {"oncalls", "incidents"};

struct res_slot {
	char *data;         /* JSON text of the content, NULL before the first refresh */
	int64_t wall_ms;    /* when data was fetched (epoch) */
	int64_t fetched_ms; /* likewise, monotonic; 0: never */
	int64_t tried_ms;   /* when the last refresh was queued; 0: never */
	bool busy;          /* a refresh is queued or running */
	char error[PDB_ERRMSG_MAX];
};

struct res_job {
	struct tool_cache *cache;
	enum res_kind kind;
};

struct tool_cache {
	struct tool_catalog *cat;
	struct res_slot slot[TOOL_RESOURCES];
	struct res_job job[TOOL_RESOURCES];
	/* open incident IDs, for completing incident_briefing's argument */
	char open_ids[PDB_STATUS_INCIDENTS_MAX][PDB_PD_ID_MAX];
	size_t n_open;
};

/* --- rendering a snapshot ------------------------------------------------------------- */

static cJSON *oncall_json(const struct pd_oncall *e)
{
	cJSON *o = cJSON_CreateObject(), *ep, *u;

	ep = o ? cJSON_AddObjectToObject(o, "escalation_policy") : NULL;
	u = o ? cJSON_AddObjectToObject(o, "user") : NULL;
	if (!ep || !u || !cJSON_AddStringToObject(ep, "id", e->ep_id) ||
	    !cJSON_AddStringToObject(ep, "name", e->ep_name) ||
	    !cJSON_AddNumberToObject(o, "level", e->level) ||
	    !cJSON_AddStringToObject(u, "id", e->user_id) ||
	    !cJSON_AddStringToObject(u, "name", e->user_name) ||
	    !cJSON_AddStringToObject(u, "email", e->user_email) ||
	    (e->schedule_id[0] && !cJSON_AddStringToObject(o, "schedule_id", e->schedule_id)) ||
	    !jsonx_add_time(o, "start", e->start_ms) || !jsonx_add_time(o, "end", e->end_ms)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *incident_json(const struct pd_incident *i)
{
	cJSON *o = cJSON_CreateObject(), *svc;

	svc = o ? cJSON_AddObjectToObject(o, "service") : NULL;
	if (!svc || !cJSON_AddStringToObject(o, "id", i->id) ||
	    !cJSON_AddNumberToObject(o, "incident_number", (double)i->number) ||
	    !cJSON_AddStringToObject(o, "title", i->title) ||
	    !cJSON_AddStringToObject(o, "status", pd_status_name(i->status)) ||
	    !cJSON_AddStringToObject(o, "urgency", pd_urgency_name(i->urgency)) ||
	    (i->priority[0] && !cJSON_AddStringToObject(o, "priority", i->priority)) ||
	    !cJSON_AddStringToObject(svc, "id", i->service_id) ||
	    !cJSON_AddStringToObject(svc, "name", i->service_name) ||
	    !jsonx_add_time(o, "created_at", i->created_ms) ||
	    !cJSON_AddStringToObject(o, "html_url", i->html_url)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static enum pdb_rc fetch_oncalls(struct pd_client *pc, cJSON *out, struct pdb_err *err)
{
	struct pd_oncall *v = mem_calloc(PDB_STATUS_ONCALLS_MAX, sizeof(*v));
	struct pd_watch w = {0};
	cJSON *arr = cJSON_AddArrayToObject(out, "oncalls"), *e;
	size_t n = 0, i;
	bool more = false;
	enum pdb_rc rc = v && arr ? PDB_OK : PDB_E_NOMEM;

	if (!rc)
		rc = pd_fetch_oncalls(pc, &w, v, PDB_STATUS_ONCALLS_MAX, &n, &more, err);
	for (i = 0; !rc && i < n; i++) {
		e = oncall_json(&v[i]);
		if (!e || !cJSON_AddItemToArray(arr, e)) {
			cJSON_Delete(e);
			rc = PDB_E_NOMEM;
		}
	}
	if (!rc && !cJSON_AddBoolToObject(out, "truncated", more))
		rc = PDB_E_NOMEM;
	mem_free(v);
	return rc;
}

static enum pdb_rc fetch_incidents(struct pd_client *pc, cJSON *out, struct tool_cache *c,
                                   struct pdb_err *err)
{
	struct pd_incident *v = mem_calloc(PDB_STATUS_INCIDENTS_MAX, sizeof(*v));
	struct pd_open_counts counts = {0};
	struct pd_watch w = {0};
	cJSON *arr = cJSON_AddArrayToObject(out, "incidents"), *cnt, *e;
	size_t n = 0, i;
	enum pdb_rc rc = v && arr ? PDB_OK : PDB_E_NOMEM;

	if (!rc)
		rc = pd_fetch_open_incidents(pc, &w, v, PDB_STATUS_INCIDENTS_MAX, &n, &counts, err);
	cnt = rc ? NULL : cJSON_AddObjectToObject(out, "counts");
	if (!rc && (!cnt || !cJSON_AddNumberToObject(cnt, "triggered", (double)counts.triggered) ||
	            !cJSON_AddNumberToObject(cnt, "acknowledged", (double)counts.acknowledged) ||
	            !cJSON_AddNumberToObject(cnt, "high_urgency", (double)counts.high) ||
	            !cJSON_AddBoolToObject(cnt, "truncated", counts.truncated)))
		rc = PDB_E_NOMEM;
	for (i = 0; !rc && i < n; i++) {
		e = incident_json(&v[i]);
		if (!e || !cJSON_AddItemToArray(arr, e)) {
			cJSON_Delete(e);
			rc = PDB_E_NOMEM;
		}
	}
	if (!rc) {
		pthread_mutex_lock(&c->cat->mu);
		for (i = 0; i < n; i++)
			memcpy(c->open_ids[i], v[i].id, sizeof(c->open_ids[i]));
		c->n_open = n;
		pthread_mutex_unlock(&c->cat->mu);
	}
	mem_free(v);
	return rc;
}

/* --- the cache ----------------------------------------------------------------------- */

static int kind_of(const char *uri)
{
	int k;

	for (k = 0; k < TOOL_RESOURCES; k++)
		if (!strcmp(uri, uris[k]))
			return k;
	return -1;
}

/*
 * Store @data (taken) as resource @k's content, or record @error; tell
 * subscribers when the content changed. Any thread.
 */
static void store(struct tool_cache *c, int k, char *data, const char *error)
{
	struct res_slot *s = &c->slot[k];
	struct mcp_server *srv;
	bool changed;

	pthread_mutex_lock(&c->cat->mu);
	s->busy = false;
	changed = data && (!s->data || strcmp(s->data, data));
	if (data) {
		mem_free(s->data);
		s->data = data;
		s->wall_ms = clk_wall_ms();
		s->fetched_ms = clk_now_ms();
		s->error[0] = '\0';
	} else {
		snprintf(s->error, sizeof(s->error), "%s", error);
	}
	srv = c->cat->srv;
	pthread_mutex_unlock(&c->cat->mu);
	if (changed && srv)
		mcp_resource_updated(srv, uris[k]);
}

/* A worker: fetch one resource and store it. */
static void refresh(void *arg)
{
	const struct res_job *j = arg;
	struct tool_cache *c = j->cache;
	struct pd_client *pc = NULL;
	struct pdb_err err;
	struct buf b;
	cJSON *doc = cJSON_CreateObject();
	enum pdb_rc rc;

	pdb_err_clear(&err);
	buf_init(&b, PDB_MCP_MSG_MAX / 4);
	rc = doc ? tool__client_get(c->cat, &pc, &err) : PDB_E_NOMEM;
	if (!rc)
		pd_client_set_caller(pc, uris[j->kind]);
	if (!rc)
		rc = j->kind == RES_ONCALL ? fetch_oncalls(pc, doc, &err)
		                           : fetch_incidents(pc, doc, c, &err);
	if (pc)
		tool__client_put(c->cat, pc);
	if (!rc)
		rc = jsonx_print(doc, &b);
	jsonx_free(doc);
	if (rc && !err.msg[0])
		pdb_err_set(&err, rc, "%s", pdb_strerror(rc));
	if (rc)
		LOG_WARN("tools", "refreshing %s: %s", uris[j->kind], pdb_err_text(&err));
	store(c, (int)j->kind, rc ? NULL : buf_take(&b, NULL), pdb_err_text(&err));
	buf_free(&b);
}

/*
 * Queue a refresh of @k when its content is older than @max_age_ms and the
 * last try was long enough ago (caller holds cat->mu).
 */
static void maybe_refresh(struct tool_cache *c, int k, int64_t max_age_ms)
{
	struct res_slot *s = &c->slot[k];
	int64_t now = clk_now_ms();

	if (s->busy || !c->cat->conf.exec || (s->fetched_ms && now - s->fetched_ms < max_age_ms) ||
	    (s->tried_ms && now - s->tried_ms < PDB_TOOL_RES_REFRESH_MIN_MS))
		return;
	s->tried_ms = now;
	if (!c->cat->conf.exec(c->cat->conf.exec_ud, refresh, &c->job[k]))
		s->busy = true;
}

/* The served text: the content with its age, or "loading" before the first refresh. */
static enum pdb_rc render(struct tool_cache *c, int k, struct buf *out)
{
	const struct res_slot *s = &c->slot[k];
	char iso[CLK_ISO_LEN], err[PDB_ERRMSG_MAX * 2];
	struct buf e;
	cJSON *estr = cJSON_CreateString(s->error);
	enum pdb_rc rc;

	buf_init(&e, sizeof(err));
	rc = estr ? jsonx_print(estr, &e) : PDB_E_NOMEM;
	jsonx_free(estr);
	snprintf(err, sizeof(err), "%s", s->error[0] && !rc ? buf_cstr(&e) : "null");
	buf_free(&e);
	if (!s->data)
		return buf_addf(out,
		                "{\"uri\":\"%s\",\"status\":\"loading\",\"error\":%s,\"message\":"
		                "\"The first refresh is running: read again in a few seconds, or "
		                "subscribe to be told when it lands.\"}",
		                uris[k], err);
	clk_format_iso(s->wall_ms, iso);
	rc = buf_addf(out,
	              "{\"uri\":\"%s\",\"status\":\"ok\",\"as_of\":\"%s\",\"age_seconds\":%lld,"
	              "\"stale\":%s,\"error\":%s,",
	              uris[k], iso, (long long)((clk_now_ms() - s->fetched_ms) / 1000),
	              s->error[0] || clk_now_ms() - s->fetched_ms > 2 * PDB_TOOL_RES_TTL_MS
	                  ? "true"
	                  : "false",
	              err);
	/* the content's members follow the header's */
	return rc ? rc : buf_adds(out, s->data + 1);
}

static enum pdb_rc read_resource(const char *uri, struct mcp_out *out, void *ud,
                                 struct pdb_err *err)
{
	struct tool_catalog *cat = ud;
	struct buf b;
	int k = kind_of(uri);
	enum pdb_rc rc;

	if (k < 0)
		return PDB_E_NOTFOUND;
	buf_init(&b, PDB_MCP_MSG_MAX / 2);
	pthread_mutex_lock(&cat->mu);
	maybe_refresh(cat->cache, k, PDB_TOOL_RES_TTL_MS);
	rc = render(cat->cache, k, &b);
	pthread_mutex_unlock(&cat->mu);
	if (!rc)
		rc = mcp_out_resource_text(out, uri, MIME, buf_cstr(&b));
	buf_free(&b);
	return rc ? pdb_err_set(err, rc, "cannot serve %s: %s", uri, pdb_strerror(rc)) : PDB_OK;
}

/* pagerduty://usage: the counts as they are now; no PagerDuty request. */
static enum pdb_rc read_usage(const char *uri, struct mcp_out *out, void *ud, struct pdb_err *err)
{
	cJSON *doc = pd_usage_json(clk_now_ms());
	struct buf b;
	enum pdb_rc rc;

	(void)ud;
	buf_init(&b, PDB_MCP_MSG_MAX / 4);
	rc = doc ? jsonx_print(doc, &b) : PDB_E_NOMEM;
	jsonx_free(doc);
	if (!rc)
		rc = mcp_out_resource_text(out, uri, MIME, buf_cstr(&b));
	buf_free(&b);
	return rc ? pdb_err_set(err, rc, "cannot serve %s: %s", uri, pdb_strerror(rc)) : PDB_OK;
}

void tool_catalog_poll(struct tool_catalog *cat)
{
	struct mcp_server *srv;
	int k;

	pthread_mutex_lock(&cat->mu);
	srv = cat->srv;
	pthread_mutex_unlock(&cat->mu);
	for (k = 0; srv && k < TOOL_RESOURCES; k++) {
		/* it takes the server's locks: not under ours */
		if (!mcp_resource_watched(srv, uris[k]))
			continue;
		pthread_mutex_lock(&cat->mu);
		maybe_refresh(cat->cache, k, 0);
		pthread_mutex_unlock(&cat->mu);
	}
}

enum pdb_rc tool_catalog_feed(struct tool_catalog *cat, const char *uri, const char *json)
{
	cJSON *doc = NULL;
	char *copy;
	int k = kind_of(uri);

	if (k < 0)
		return PDB_E_NOTFOUND;
	if (jsonx_parse(json, strlen(json), &doc, NULL) || !cJSON_IsObject(doc) ||
	    !cJSON_GetObjectItemCaseSensitive(doc, keys[k])) {
		jsonx_free(doc);
		return PDB_E_INVAL;
	}
	jsonx_free(doc);
	copy = mem_strdup(json);
	if (!copy)
		return PDB_E_NOMEM;
	store(cat->cache, k, copy, "");
	return PDB_OK;
}

/* --- prompts ------------------------------------------------------------------------- */

static enum pdb_rc briefing(const cJSON *args, struct mcp_out *out, void *ud, struct pdb_err *err)
{
	char text[2048];
	const char *id = "";

	(void)ud;
	if (jsonx_get_str(args, "incident_id", &id) || !id[strspn(id, " \t")] ||
	    strlen(id) >= PDB_PD_ID_MAX || strpbrk(id, "\"\\\r\n"))
		return pdb_err_set(err, PDB_E_INVAL,
		                   "incident_id must be an incident ID or number");
	snprintf(text, sizeof(text),
	         "Brief me on PagerDuty incident %s.\n\n"
	         "Gather the facts with these tools (read-only): get_incident "
	         "(incident_id \"%s\", query_model {\"include\": [\"assignees\", "
	         "\"acknowledgers\", \"services\", \"priorities\"]}), list_alerts_from_incident, "
	         "list_incident_notes, list_incident_change_events, get_related_incidents and "
	         "get_past_incidents (query_model {}), and list_oncalls for the service's "
	         "escalation policy.\n\n"
	         "Then write the briefing, under 250 words:\n"
	         "1. What is broken, since when, urgency and priority, status.\n"
	         "2. Impact: services affected, related incidents.\n"
	         "3. Who is on it: assignees, acknowledgers, who is on call next.\n"
	         "4. Timeline from the alerts and notes.\n"
	         "5. Likely cause: recent changes, similar past incidents.\n"
	         "6. Suggested next steps. Do not change anything in PagerDuty.",
	         id, id);
	return mcp_out_text(out, text);
}

static enum pdb_rc complete_incident(const char *arg, const char *value, struct mcp_out *out,
                                     void *ud)
{
	struct tool_catalog *cat = ud;
	char ids[PDB_STATUS_INCIDENTS_MAX][PDB_PD_ID_MAX];
	size_t i, n;
	enum pdb_rc rc = PDB_OK;

	if (strcmp(arg, "incident_id"))
		return PDB_OK;
	pthread_mutex_lock(&cat->mu);
	maybe_refresh(cat->cache, RES_INCIDENTS, PDB_TOOL_RES_TTL_MS);
	n = cat->cache->n_open;
	memcpy(ids, cat->cache->open_ids, n * sizeof(ids[0]));
	pthread_mutex_unlock(&cat->mu);
	for (i = 0; i < n && !rc; i++)
		if (!strncmp(ids[i], value, strlen(value)))
			rc = mcp_out_value(out, ids[i]);
	return rc;
}

static enum pdb_rc handoff(const cJSON *args, struct mcp_out *out, void *ud, struct pdb_err *err)
{
	struct tool_catalog *cat = ud;
	struct buf b;
	enum pdb_rc rc;
	int k;

	(void)args;
	rc = mcp_out_text(
	    out, "Write my on-call handoff note.\n\n"
	         "Below are who is on call now and the open incidents, from pdbridge's cache "
	         "(see as_of; if a resource says loading or stale, read it again or use "
	         "list_oncalls and list_incidents). Also use list_incidents with since = 24 hours "
	         "ago for what happened during the shift, list_incident_notes on each open "
	         "incident, and list_oncalls with since/until for who takes over next.\n\n"
	         "Structure: 1. On call now and next. 2. Open incidents: status, owner, next "
	         "step. 3. What happened this shift. 4. Follow-ups and risks. Keep it short; do "
	         "not change anything in PagerDuty.");
	for (k = 0; k < TOOL_RESOURCES && !rc; k++) {
		buf_init(&b, PDB_MCP_MSG_MAX / 4);
		pthread_mutex_lock(&cat->mu);
		maybe_refresh(cat->cache, k, PDB_TOOL_RES_TTL_MS);
		rc = render(cat->cache, k, &b);
		pthread_mutex_unlock(&cat->mu);
		if (!rc)
			rc = mcp_out_resource_text(out, uris[k], MIME, buf_cstr(&b));
		buf_free(&b);
	}
	return rc ? pdb_err_set(err, rc, "cannot build the prompt: %s", pdb_strerror(rc)) : PDB_OK;
}

static const struct mcp_prompt_arg briefing_args[] = {
    {.name = "incident_id", .description = "the incident's ID or number", .required = true},
};

/* --- the rows --------------------------------------------------------------------------- */

enum pdb_rc tool__cache_new(struct tool_catalog *cat)
{
	struct tool_cache *c = mem_calloc(1, sizeof(*c));
	int k;

	if (!c)
		return PDB_E_NOMEM;
	c->cat = cat;
	for (k = 0; k < TOOL_RESOURCES; k++) {
		c->job[k].cache = c;
		c->job[k].kind = (enum res_kind)k;
	}
	cat->cache = c;
	cat->resources[RES_ONCALL] = (struct mcp_resource){
	    .uri = URI_ONCALL,
	    .name = "oncall-now",
	    .title = "On call now",
	    .description =
	        "Who is on call now for every escalation policy and level (cached; a read of stale "
	        "content refreshes it).",
	    .mime_type = MIME,
	    .read = read_resource,
	    .ud = cat,
	};
	cat->resources[RES_INCIDENTS] = (struct mcp_resource){
	    .uri = URI_INCIDENTS,
	    .name = "incidents-open",
	    .title = "Open incidents",
	    .description = "Triggered and acknowledged incidents, newest first, with counts "
	                   "(cached; a read of "
	                   "stale content refreshes it).",
	    .mime_type = MIME,
	    .read = read_resource,
	    .ud = cat,
	};
	cat->resources[TOOL_RESOURCES] = (struct mcp_resource){
	    .uri = URI_USAGE,
	    .name = "usage",
	    .title = "PagerDuty usage",
	    .description =
	        "The PagerDuty requests this pdbridge made since it started and in the last "
	        "minute, "
	        "per caller (each tool, the poller, acks), the 429s, and the ratelimit headers "
	        "PagerDuty sent last.",
	    .mime_type = MIME,
	    .read = read_usage,
	    .ud = NULL,
	};
	cat->prompts[0] = (struct mcp_prompt){
	    .name = "incident_briefing",
	    .title = "Incident briefing",
	    .description =
	        "Brief me on one incident: what, impact, who, timeline, likely cause, next steps.",
	    .args = briefing_args,
	    .n_args = PDB_N_OF(briefing_args),
	    .get = briefing,
	    .complete = complete_incident,
	    .ud = cat,
	};
	cat->prompts[1] = (struct mcp_prompt){
	    .name = "oncall_handoff",
	    .title = "On-call handoff",
	    .description =
	        "Write an on-call handoff note from who is on call and the open incidents.",
	    .args = NULL,
	    .n_args = 0,
	    .get = handoff,
	    .complete = NULL,
	    .ud = cat,
	};
	cat->n_resources = TOOL_RESOURCES + 1;
	cat->n_prompts = TOOL_PROMPTS;
	return PDB_OK;
}

void tool__cache_free(struct tool_catalog *cat)
{
	int k;

	if (!cat->cache)
		return;
	for (k = 0; k < TOOL_RESOURCES; k++)
		mem_free(cat->cache->slot[k].data);
	mem_free(cat->cache);
	cat->cache = NULL;
}
