/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mcp_server.c - the server, its sessions, and mcp_handle(): parsing,
 * classification, batches, the legacy method table, the lifecycle
 * (initialize, version negotiation, ping) and routing of responses to our
 * own requests. A request to serve statelessly (2026-07-28) goes to
 * mcp_stateless.c instead, whatever the session negotiated.
 *
 * Version negotiation (every legacy version, "Lifecycle"): a supported
 * requested version is echoed; anything else is answered with the latest
 * version we speak, never with an error. The session then keeps the
 * feature bits of the negotiated version, and the method handlers shape
 * their output by those bits, not by comparing version strings.
 */
#include "mcp_int.h"

#include <pdbridge/jsonx.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <cjson/cJSON.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

const struct mcp_version mcp__versions[] = {
    {"2024-11-05", 0},
    {"2025-03-26", MCP_F_BATCH | MCP_F_ANNOTATIONS | MCP_F_COMPLETIONS},
    {"2025-06-18", MCP_F_ANNOTATIONS | MCP_F_COMPLETIONS | MCP_F_STRUCTURED | MCP_F_ELICITATION},
    {"2025-11-25", MCP_F_ANNOTATIONS | MCP_F_COMPLETIONS | MCP_F_STRUCTURED | MCP_F_ELICITATION},
};
const size_t mcp__n_versions = PDB_N_OF(mcp__versions);

static int version_index(const char *v)
{
	size_t i;

	for (i = 0; i < mcp__n_versions; i++)
		if (!strcmp(v, mcp__versions[i].name))
			return (int)i;
	return -1;
}

bool mcp_version_supported(const char *v)
{
	return v && version_index(v) >= 0;
}

bool mcp_version_stateless(const char *v)
{
	return v && !strcmp(v, MCP_VERSION_STATELESS);
}

enum pdb_rc mcp__fail(struct mcp_req *r, int code, const char *fmt, ...)
{
	va_list ap;

	r->code = code;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return PDB_E_INVAL;
}

/* --- the server ------------------------------------------------------------ */

/* MCP 2025-11-25 tool names: 1 to 128 of [A-Za-z0-9_.-]. */
static bool tool_name_ok(const char *name)
{
	size_t i, n = name ? strlen(name) : 0;

	if (n < 1 || n > 128)
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* Parse a schema text that must be a JSON object. */
static enum pdb_rc parse_schema(const char *tool, const char *text, cJSON **out,
                                struct pdb_err *err)
{
	enum pdb_rc rc = jsonx_parse(text, strlen(text), out, err);

	if (rc)
		return pdb_err_set(err, rc == PDB_E_NOMEM ? rc : PDB_E_INVAL,
		                   "tool %s: schema is not JSON: %s", tool, pdb_err_text(err));
	if (!cJSON_IsObject(*out)) {
		jsonx_free(*out);
		*out = NULL;
		return pdb_err_set(err, PDB_E_INVAL, "tool %s: schema is not an object", tool);
	}
	return PDB_OK;
}

static enum pdb_rc load_tools(struct mcp_server *srv, struct pdb_err *err)
{
	const struct mcp_conf *c = &srv->conf;
	size_t i, j;
	enum pdb_rc rc;

	if (c->n_tools && !c->exec)
		return pdb_err_set(err, PDB_E_INVAL, "tools need an executor");
	srv->in_schemas = mem_calloc(c->n_tools ? c->n_tools : 1, sizeof(cJSON *));
	srv->out_schemas = mem_calloc(c->n_tools ? c->n_tools : 1, sizeof(cJSON *));
	if (!srv->in_schemas || !srv->out_schemas)
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory loading tools");
	for (i = 0; i < c->n_tools; i++) {
		const struct mcp_tool *t = &c->tools[i];

		if (!tool_name_ok(t->name) || !t->description || !t->fn)
			return pdb_err_set(err, PDB_E_INVAL,
			                   "tool %zu (%s): needs a valid name, a description and a "
			                   "handler",
			                   i, t->name ? t->name : "?");
		for (j = 0; j < i; j++)
			if (!strcmp(c->tools[j].name, t->name))
				return pdb_err_set(err, PDB_E_INVAL, "tool %s listed twice",
				                   t->name);
		rc = parse_schema(t->name,
		                  t->input_schema
		                      ? t->input_schema
		                      : "{\"type\":\"object\",\"additionalProperties\":false}",
		                  &srv->in_schemas[i], err);
		if (!rc && t->output_schema)
			rc = parse_schema(t->name, t->output_schema, &srv->out_schemas[i], err);
		if (rc)
			return rc;
	}
	return PDB_OK;
}

enum pdb_rc mcp_server_new(const struct mcp_conf *conf, struct mcp_server **out,
                           struct pdb_err *err)
{
	struct mcp_server *srv;
	enum pdb_rc rc;
	size_t i;

	*out = NULL;
	srv = mem_calloc(1, sizeof(*srv));
	if (!srv)
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory");
	srv->conf = *conf;
	if (!srv->conf.page_size)
		srv->conf.page_size = PDB_MCP_PAGE_SIZE;
	if (srv->conf.request_timeout_ms <= 0)
		srv->conf.request_timeout_ms = PDB_MCP_REQUEST_TIMEOUT_MS;
	if (!srv->conf.name)
		srv->conf.name = "pdbridge";
	if (!srv->conf.version)
		srv->conf.version = "0";
	pthread_mutex_init(&srv->mu, NULL);
	rc = load_tools(srv, err);
	if (rc) {
		mcp_server_free(srv);
		return rc;
	}
	for (i = 0; i < conf->n_prompts; i++)
		srv->can_complete |= conf->prompts[i].complete != NULL;
	for (i = 0; i < conf->n_templates; i++)
		srv->can_complete |= conf->templates[i].complete != NULL;
	*out = srv;
	return PDB_OK;
}

void mcp_server_free(struct mcp_server *srv)
{
	size_t i;

	if (!srv)
		return;
	for (i = 0; i < srv->conf.n_tools; i++) {
		if (srv->in_schemas)
			jsonx_free(srv->in_schemas[i]);
		if (srv->out_schemas)
			jsonx_free(srv->out_schemas[i]);
	}
	mem_free(srv->in_schemas);
	mem_free(srv->out_schemas);
	pthread_mutex_destroy(&srv->mu);
	mem_free(srv);
}

/* --- sessions ---------------------------------------------------------------- */

enum pdb_rc mcp_session_new(struct mcp_server *srv, mcp_send_fn send, void *send_ud,
                            struct mcp_session **out)
{
	struct mcp_session *s;
	pthread_condattr_t ca;

	*out = NULL;
	s = mem_calloc(1, sizeof(*s));
	if (!s)
		return PDB_E_NOMEM;
	s->srv = srv;
	s->send = send;
	s->send_ud = send_ud;
	s->refs = 1;
	s->version = -1;
	s->log_level = MCP_LOG_INFO;
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* timeouts on clk_now_ms()'s clock */
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_lock(&srv->mu);
	if (srv->n_sessions == PDB_MCP_SESSIONS_MAX) {
		pthread_mutex_unlock(&srv->mu);
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		mem_free(s);
		return PDB_E_TOO_LARGE;
	}
	s->next = srv->sessions;
	if (srv->sessions)
		srv->sessions->prev = s;
	srv->sessions = s;
	srv->n_sessions++;
	pthread_mutex_unlock(&srv->mu);
	*out = s;
	return PDB_OK;
}

void mcp__session_unref(struct mcp_session *s)
{
	bool last;
	size_t i;

	pthread_mutex_lock(&s->mu);
	last = --s->refs == 0;
	pthread_mutex_unlock(&s->mu);
	if (!last)
		return;
	for (i = 0; i < PDB_MCP_SUBS_MAX; i++)
		mem_free(s->subs[i]);
	for (i = 0; i < PDB_MCP_PENDING_MAX; i++)
		jsonx_free(s->pending[i].result);
	mcp__listen_free(s);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	mem_free(s);
}

void mcp_session_close(struct mcp_session *s)
{
	struct mcp_server *srv;
	struct mcp_call *c;

	if (!s)
		return;
	srv = s->srv;
	pthread_mutex_lock(&srv->mu);
	if (s->prev)
		s->prev->next = s->next;
	else
		srv->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	srv->n_sessions--;
	pthread_mutex_unlock(&srv->mu);

	pthread_mutex_lock(&s->mu);
	s->closed = true;
	for (c = s->calls; c; c = c->next)
		c->cancelled = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	mcp__session_unref(s);
}

void mcp_session_cancel_stream(struct mcp_session *s, uint64_t stream)
{
	struct mcp_call *c;

	pthread_mutex_lock(&s->mu);
	for (c = s->calls; c; c = c->next)
		if (c->stream == stream)
			c->cancelled = true;
	mcp__listen_cancel(s, NULL, stream);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

void mcp__cancel_call(struct mcp_session *s, const struct rpc_id *id)
{
	struct mcp_call *c;

	pthread_mutex_lock(&s->mu);
	for (c = s->calls; c; c = c->next)
		if (rpc_id_equal(&c->id, id))
			c->cancelled = true;
	mcp__listen_cancel(s, id, 0);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

bool mcp_session_initialized(struct mcp_session *s)
{
	return s->version >= 0;
}

void mcp_resource_updated(struct mcp_server *srv, const char *uri)
{
	struct buf msg;
	struct mcp_session *s;
	cJSON *params = cJSON_CreateObject();
	size_t i;

	buf_init(&msg, PDB_MCP_MSG_MAX);
	if (!params || !cJSON_AddStringToObject(params, "uri", uri) ||
	    rpc_write_notification(&msg, "notifications/resources/updated", params)) {
		LOG_WARN("mcp", "cannot build resources/updated: out of memory");
		goto out;
	}
	pthread_mutex_lock(&srv->mu);
	for (s = srv->sessions; s; s = s->next) {
		pthread_mutex_lock(&s->mu);
		for (i = 0; i < PDB_MCP_SUBS_MAX; i++) {
			if (s->subs[i] && !strcmp(s->subs[i], uri)) {
				if (!s->closed)
					s->send(s->send_ud, 0, buf_cstr(&msg), buf_len(&msg), 0);
				break;
			}
		}
		if (!s->closed)
			mcp__listen_notify(s, uri);
		pthread_mutex_unlock(&s->mu);
	}
	pthread_mutex_unlock(&srv->mu);
out:
	buf_free(&msg);
	cJSON_Delete(params);
}

bool mcp_resource_watched(struct mcp_server *srv, const char *uri)
{
	struct mcp_session *s;
	bool yes = false;
	size_t i, j;

	pthread_mutex_lock(&srv->mu);
	for (s = srv->sessions; s && !yes; s = s->next) {
		pthread_mutex_lock(&s->mu);
		for (i = 0; i < PDB_MCP_SUBS_MAX && !yes; i++)
			yes = s->subs[i] && !strcmp(s->subs[i], uri);
		for (i = 0; i < PDB_MCP_LISTENS_MAX && !yes; i++)
			for (j = 0; s->listens[i].used && j < s->listens[i].n_uris && !yes; j++)
				yes = !strcmp(s->listens[i].uris[j], uri);
		pthread_mutex_unlock(&s->mu);
	}
	pthread_mutex_unlock(&srv->mu);
	return yes;
}

/* --- lifecycle methods ------------------------------------------------------ */

unsigned mcp__client_caps(const cJSON *caps)
{
	unsigned c = 0;

	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(caps, "sampling")))
		c |= MCP_CLIENT_SAMPLING;
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(caps, "elicitation")))
		c |= MCP_CLIENT_ELICITATION;
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(caps, "roots")))
		c |= MCP_CLIENT_ROOTS;
	return c;
}

/* Add capability @name: an object with up to two boolean members (NULL key: none). */
static bool add_cap(cJSON *caps, const char *name, const char *k1, bool v1, const char *k2, bool v2)
{
	cJSON *o = cJSON_AddObjectToObject(caps, name);

	return o && (!k1 || cJSON_AddBoolToObject(o, k1, v1)) &&
	       (!k2 || cJSON_AddBoolToObject(o, k2, v2));
}

/* Our capabilities: only what this server (its tables) and the version implement. */
cJSON *mcp__server_caps(const struct mcp_server *srv, unsigned features)
{
	const struct mcp_conf *c = &srv->conf;
	cJSON *caps = cJSON_CreateObject();
	bool ok = caps != NULL;

	ok = ok && (!c->n_tools || add_cap(caps, "tools", "listChanged", false, NULL, false));
	ok = ok && (!(c->n_resources || c->n_templates) ||
	            add_cap(caps, "resources", "subscribe", true, "listChanged", false));
	ok = ok && (!c->n_prompts || add_cap(caps, "prompts", "listChanged", false, NULL, false));
	ok = ok && add_cap(caps, "logging", NULL, false, NULL, false);
	ok = ok && (!srv->can_complete || !(features & MCP_F_COMPLETIONS) ||
	            add_cap(caps, "completions", NULL, false, NULL, false));
	if (!ok) {
		cJSON_Delete(caps);
		return NULL;
	}
	return caps;
}

/* The initialize result for version index @v. */
static cJSON *init_result(const struct mcp_server *srv, int v)
{
	const struct mcp_conf *c = &srv->conf;
	unsigned f = mcp__versions[v].features;
	cJSON *res = cJSON_CreateObject(), *caps = mcp__server_caps(srv, f);
	cJSON *info = cJSON_CreateObject();
	bool ok;

	ok = res && caps && info &&
	     cJSON_AddStringToObject(res, "protocolVersion", mcp__versions[v].name) &&
	     cJSON_AddStringToObject(info, "name", c->name) &&
	     cJSON_AddStringToObject(info, "version", c->version) &&
	     (!c->title || !(f & MCP_F_STRUCTURED) ||
	      cJSON_AddStringToObject(info, "title", c->title)) &&
	     (!c->instructions || cJSON_AddStringToObject(res, "instructions", c->instructions));
	if (ok && cJSON_AddItemToObject(res, "capabilities", caps)) /* takes caps */
		caps = NULL;
	else
		ok = false;
	if (ok && cJSON_AddItemToObject(res, "serverInfo", info)) /* takes info */
		info = NULL;
	else
		ok = false;
	cJSON_Delete(caps);
	cJSON_Delete(info);
	if (!ok) {
		cJSON_Delete(res);
		return NULL;
	}
	return res;
}

static enum pdb_rc h_initialize(struct mcp_req *r)
{
	struct mcp_session *s = r->s;
	const cJSON *p = r->m->params, *caps;
	const char *requested;
	cJSON *res;
	int v;

	if (s->version >= 0)
		return mcp__fail(r, RPC_INVALID_REQUEST, "Invalid Request: already initialized");
	if (jsonx_get_str(p, "protocolVersion", &requested))
		return mcp__fail(r, RPC_INVALID_PARAMS,
		                 "Invalid params: protocolVersion must be a string");
	caps = cJSON_GetObjectItemCaseSensitive(p, "capabilities");
	if (caps && !cJSON_IsObject(caps))
		return mcp__fail(r, RPC_INVALID_PARAMS,
		                 "Invalid params: capabilities must be an object");
	/* MUST echo a supported version; otherwise offer our latest (never an error). */
	v = version_index(requested);
	if (v < 0)
		v = (int)mcp__n_versions - 1;
	res = init_result(s->srv, v);
	if (!res)
		return mcp__fail(r, RPC_INTERNAL_ERROR, "Internal error: out of memory");
	pthread_mutex_lock(&s->mu);
	s->version = v;
	s->features = mcp__versions[v].features;
	s->caps = mcp__client_caps(caps);
	pthread_mutex_unlock(&s->mu);
	LOG_DEBUG("mcp", "initialize: client asked %.32s, serving %s", requested,
	          mcp__versions[v].name);
	r->result = res;
	return PDB_OK;
}

static enum pdb_rc h_ping(struct mcp_req *r)
{
	r->result = cJSON_CreateObject();
	return r->result ? PDB_OK
	                 : mcp__fail(r, RPC_INTERNAL_ERROR, "Internal error: out of memory");
}

static const struct {
	const char *name;
	enum pdb_rc (*fn)(struct mcp_req *r);
	unsigned needs;
} requests[] = {
    {"initialize", h_initialize, 0},
    {"ping", h_ping, 0},
    {"tools/list", mcp__tools_list, NEED_INIT | NEED_TOOLS},
    {"tools/call", mcp__tools_call, NEED_INIT | NEED_TOOLS},
    {"resources/list", mcp__resources_list, NEED_INIT | NEED_RESOURCES},
    {"resources/read", mcp__resources_read, NEED_INIT | NEED_RESOURCES},
    {"resources/templates/list", mcp__templates_list, NEED_INIT | NEED_RESOURCES},
    {"resources/subscribe", mcp__subscribe, NEED_INIT | NEED_RESOURCES},
    {"resources/unsubscribe", mcp__unsubscribe, NEED_INIT | NEED_RESOURCES},
    {"prompts/list", mcp__prompts_list, NEED_INIT | NEED_PROMPTS},
    {"prompts/get", mcp__prompts_get, NEED_INIT | NEED_PROMPTS},
    {"logging/setLevel", mcp__set_level, NEED_INIT},
    {"completion/complete", mcp__complete, NEED_INIT | NEED_COMPLETE},
};

bool mcp__have(const struct mcp_server *srv, unsigned needs)
{
	const struct mcp_conf *c = &srv->conf;

	return (!(needs & NEED_TOOLS) || c->n_tools) &&
	       (!(needs & NEED_RESOURCES) || c->n_resources || c->n_templates) &&
	       (!(needs & NEED_PROMPTS) || c->n_prompts) &&
	       (!(needs & NEED_COMPLETE) || srv->can_complete);
}

static void serve_request(struct mcp_req *r)
{
	size_t i;

	pthread_mutex_lock(&r->s->mu);
	r->features = r->s->features;
	r->caps = r->s->caps;
	pthread_mutex_unlock(&r->s->mu);
	r->log_min = MCP_LOG_SESSION;

	for (i = 0; i < PDB_N_OF(requests); i++) {
		if (strcmp(requests[i].name, r->m->method))
			continue;
		/* A capability we did not declare is an unknown method (spec: -32601). */
		if (!mcp__have(r->s->srv, requests[i].needs))
			break;
		if ((requests[i].needs & NEED_INIT) && r->s->version < 0) {
			mcp__fail(r, RPC_INVALID_REQUEST, "Invalid Request: send initialize first");
			return;
		}
		if (r->m->params && !cJSON_IsObject(r->m->params)) {
			mcp__fail(r, RPC_INVALID_PARAMS,
			          "Invalid params: params must be an object");
			return;
		}
		(void)requests[i].fn(r); /* the outcome is in r */
		return;
	}
	mcp__fail(r, RPC_METHOD_NOT_FOUND, "Method not found: %.64s", r->m->method);
}

static void serve_notification(struct mcp_session *s, const struct rpc_msg *m)
{
	const cJSON *id;
	struct rpc_id rid;

	if (!strcmp(m->method, "notifications/initialized")) {
		s->client_ready = true;
	} else if (!strcmp(m->method, "notifications/cancelled")) {
		/* "Ignore unknown or finished ids"; initialize is never in flight. */
		id = cJSON_GetObjectItemCaseSensitive(m->params, "requestId");
		if (id && !rpc_read_id(id, &rid))
			mcp__cancel_call(s, &rid);
	}
	/* Everything else (progress, roots/list_changed, unknown): no reply, by rule. */
}

/* A response to one of our server-to-client requests: hand it to the waiting worker. */
static void serve_response(struct mcp_session *s, const struct rpc_msg *m)
{
	size_t i;

	if (m->id.type != RPC_ID_INT)
		return;
	pthread_mutex_lock(&s->mu);
	for (i = 0; i < PDB_MCP_PENDING_MAX; i++) {
		struct mcp_pending *p = &s->pending[i];

		if (!p->used || p->done || p->id != m->id.num)
			continue;
		if (m->kind == RPC_RESULT)
			p->result = cJSON_Duplicate(m->result, true);
		else
			snprintf(p->err, sizeof(p->err), "client error %lld: %s",
			         (long long)m->code, m->message);
		if (m->kind == RPC_RESULT && !p->result)
			snprintf(p->err, sizeof(p->err), "out of memory reading the response");
		p->done = true;
		pthread_cond_broadcast(&s->cv);
		break;
	}
	pthread_mutex_unlock(&s->mu);
}

/* Write the reply for a served request into @out; a reply that does not fit becomes an error. */
static void write_reply(struct mcp_req *r, struct buf *out)
{
	enum pdb_rc rc;

	if (r->result)
		rc = rpc_write_result(out, &r->m->id, r->result);
	else
		rc = rpc_write_error(out, &r->m->id, r->code, r->msg, r->data);
	if (rc == PDB_OK)
		return;
	rc = rpc_write_error(out, &r->m->id, RPC_INTERNAL_ERROR,
	                     rc == PDB_E_TOO_LARGE ? "Internal error: response too large"
	                                           : "Internal error: out of memory",
	                     NULL);
	if (rc)
		LOG_ERROR("mcp", "cannot write even an error reply: %s", pdb_strerror(rc));
}

/* The notification a listen answers with now (its acknowledgement), into @out. */
static void write_note(struct mcp_req *r, struct buf *out)
{
	cJSON *method = cJSON_DetachItemFromObjectCaseSensitive(r->note, "method");
	cJSON *params = cJSON_DetachItemFromObjectCaseSensitive(r->note, "params");

	if (!cJSON_IsString(method) || rpc_write_notification(out, method->valuestring, params))
		LOG_ERROR("mcp", "cannot write a notification");
	cJSON_Delete(method);
	cJSON_Delete(params);
}

/* Serve one parsed message; a reply (if any) goes to @out. Returns true when one was written. */
static bool serve_one(struct mcp_session *s, const cJSON *v, uint64_t stream, bool in_batch,
                      const struct mcp_http_headers *hdr, struct buf *out, struct mcp_result *res)
{
	struct rpc_msg m;
	struct rpc_fault f;
	struct mcp_req r;

	if (rpc_classify(v, &m, &f)) {
		res->bad_input = !in_batch && f.id.type == RPC_ID_NULL;
		if (rpc_write_fault(out, &f))
			LOG_ERROR("mcp", "cannot write an error reply");
		return true;
	}
	if (m.kind == RPC_NOTIFICATION) {
		serve_notification(s, &m);
		return false;
	}
	if (m.kind == RPC_RESULT || m.kind == RPC_ERROR) {
		serve_response(s, &m);
		return false;
	}
	memset(&r, 0, sizeof(r));
	r.s = s;
	r.m = &m;
	r.stream = stream;
	r.hdr = hdr;
	if (hdr || mcp__wants_stateless(&m))
		mcp__serve_stateless(&r);
	else if (in_batch && !strcmp(m.method, "initialize")) /* 2025-03-26: MUST NOT be batched */
		mcp__fail(&r, RPC_INVALID_REQUEST, "Invalid Request: initialize cannot be batched");
	else
		serve_request(&r);
	res->rejected = r.rejected;
	res->no_method = r.no_method;
	mcp__rounds_free(&r.rounds);
	if (r.deferred) {
		res->deferred++;
		if (!r.note)
			return false;
		write_note(&r, out);
		cJSON_Delete(r.note);
		return true;
	}
	write_reply(&r, out);
	cJSON_Delete(r.result);
	cJSON_Delete(r.data);
	return true;
}

static void serve_batch(struct mcp_session *s, const cJSON *arr, uint64_t stream, struct buf *out,
                        struct mcp_result *res)
{
	struct rpc_id null_id = {.type = RPC_ID_NULL};
	struct buf one;
	const cJSON *v;
	size_t replies = 0;
	bool ok;

	buf_init(&one, out->max);
	ok = !buf_addc(out, '[');
	cJSON_ArrayForEach(v, arr)
	{
		/* Every element is served even once the reply no longer fits: its effects happen.
		 */
		buf_reset(&one);
		if (!serve_one(s, v, stream, true, NULL, &one, res) || !buf_len(&one))
			continue;
		if (ok && ((replies && buf_addc(out, ',')) ||
		           buf_add(out, buf_cstr(&one), buf_len(&one))))
			ok = false; /* out was emptied by buf's rule */
		replies++;
	}
	ok = ok && !buf_addc(out, ']');
	buf_free(&one);
	if (!replies) { /* only notifications and responses: no reply at all (JSON-RPC 6) */
		buf_reset(out);
		res->reply = false;
		return;
	}
	if (ok) {
		res->reply = true;
		return;
	}
	buf_reset(out);
	res->reply = !rpc_write_error(out, &null_id, RPC_INTERNAL_ERROR,
	                              "Internal error: batch reply too large", NULL);
}

static struct mcp_result handle(struct mcp_session *s, const char *in, size_t len, uint64_t stream,
                                const struct mcp_http_headers *hdr, struct buf *out)
{
	struct mcp_result res = {0};
	struct rpc_fault f;
	cJSON *doc = NULL;

	if (rpc_parse(in, len, &doc, &f)) {
		res.bad_input = true;
		res.reply = !rpc_write_fault(out, &f);
		return res;
	}
	if (cJSON_IsArray(doc)) {
		/* Batches exist only in 2025-03-26 ("MUST support receiving"); later versions
		 * removed them. */
		if (!(s->features & MCP_F_BATCH) || s->version < 0 || hdr) {
			f.code = RPC_INVALID_REQUEST;
			f.id.type = RPC_ID_NULL;
			snprintf(f.msg, sizeof(f.msg),
			         "Invalid Request: batches are only part of protocol 2025-03-26");
			res.bad_input = true;
			res.reply = !rpc_write_fault(out, &f);
		} else if (rpc_batch_check(doc, &f)) {
			res.bad_input = true;
			res.reply = !rpc_write_fault(out, &f);
		} else {
			serve_batch(s, doc, stream, out, &res);
		}
	} else {
		res.reply = serve_one(s, doc, stream, false, hdr, out, &res) && buf_len(out) > 0;
	}
	jsonx_free(doc);
	return res;
}

struct mcp_result mcp_handle(struct mcp_session *s, const char *in, size_t len, uint64_t stream,
                             struct buf *out)
{
	return handle(s, in, len, stream, NULL, out);
}

struct mcp_result mcp_handle_http(struct mcp_session *s, const char *in, size_t len,
                                  uint64_t stream, const struct mcp_http_headers *h,
                                  struct buf *out)
{
	static const struct mcp_http_headers none;

	return handle(s, in, len, stream, h ? h : &none, out);
}

enum pdb_rc mcp_write_error(struct buf *out, enum pdb_rc rc, const char *msg)
{
	struct rpc_id null_id = {.type = RPC_ID_NULL};

	return rpc_write_error(out, &null_id, rpc_code_of(rc), msg, NULL);
}

bool mcp_is_initialize(const char *in, size_t len)
{
	struct rpc_fault f;
	struct rpc_msg m;
	cJSON *doc = NULL;
	bool yes;

	if (rpc_parse(in, len, &doc, &f))
		return false;
	yes =
	    !rpc_classify(doc, &m, &f) && m.kind == RPC_REQUEST && !strcmp(m.method, "initialize");
	jsonx_free(doc);
	return yes;
}

/* @len bytes at @in hold the text @mark. */
static bool contains(const char *in, size_t len, const char *mark)
{
	size_t n = strlen(mark), i;

	for (i = 0; i + n <= len; i++)
		if (in[i] == mark[0] && !memcmp(in + i, mark, n))
			return true;
	return false;
}

bool mcp_is_stateless(const char *in, size_t len)
{
	static const char *const marks[] = {"io.modelcontextprotocol/", "server/discover",
	                                    "subscriptions/listen"};
	struct rpc_fault f;
	struct rpc_msg m;
	cJSON *doc = NULL;
	size_t i;
	bool yes = false;

	for (i = 0; i < PDB_N_OF(marks) && !yes; i++)
		yes = contains(in, len, marks[i]);
	if (!yes || rpc_parse(in, len, &doc, &f))
		return false;
	yes = !rpc_classify(doc, &m, &f) && m.kind == RPC_REQUEST && mcp__wants_stateless(&m);
	jsonx_free(doc);
	return yes;
}
