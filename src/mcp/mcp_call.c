/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mcp_call.c - tools/call: the deferral to the executor, the worker side of
 * a call (progress, log, server-to-client requests, asking the user in
 * either era), and the result: content, an error, or (2026-07-28) the
 * input_required question of a multi round-trip call.
 *
 * Lifetime: a call is created on the loop thread, linked into its session's
 * in-flight list and given a session reference before it is handed to the
 * executor; from then on only its worker touches it, except the `cancelled`
 * flag, which the loop sets under the session lock. The worker unlinks it,
 * sends the final message (unless cancelled or the session closed) and
 * drops the reference, all in one place: run_call(). Every wait a worker
 * does here is on the session's condition variable with a deadline, and
 * both cancellation and mcp_session_close() broadcast it.
 */
#include "mcp_int.h"

#include <pdbridge/jsonx.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <cjson/cJSON.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Bound of one notification (progress, log): small by nature, so far below PDB_MCP_MSG_MAX. */
#define NOTE_MAX (PDB_MCP_MSG_MAX / 32u)

static void call_free(struct mcp_call *c)
{
	jsonx_free(c->args);
	jsonx_free(c->structured);
	jsonx_free(c->answers);
	mcp__rounds_free(&c->rounds);
	mcp__out_free(&c->out);
	mem_free(c);
}

static void unlink_call(struct mcp_session *s, struct mcp_call *c)
{
	struct mcp_call **pp;

	for (pp = &s->calls; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			s->n_calls--;
			return;
		}
	}
}

/* Send @b on the call's stream unless the call is cancelled or the session closed. */
static void send_note(struct mcp_call *c, const struct buf *b)
{
	struct mcp_session *s = c->s;

	pthread_mutex_lock(&s->mu);
	if (!s->closed && !c->cancelled)
		s->send(s->send_ud, c->stream, buf_cstr(b), buf_len(b), 0);
	pthread_mutex_unlock(&s->mu);
}

/* Put the serialized JSON of structuredContent into a text block (SHOULD, for older clients). */
static enum pdb_rc structured_as_text(struct mcp_call *c)
{
	struct buf t;
	enum pdb_rc rc;

	buf_init(&t, PDB_MCP_MSG_MAX);
	rc = jsonx_print(c->structured, &t);
	if (!rc)
		rc = mcp_out_text(&c->out, buf_cstr(&t));
	buf_free(&t);
	return rc;
}

/* The CallToolResult object, consuming the call's content and structuredContent. */
static cJSON *result_json(struct mcp_call *c)
{
	cJSON *res = cJSON_CreateObject(), *arr;

	if (!res)
		return NULL;
	if (c->structured && !c->out.n && structured_as_text(c))
		goto fail;
	arr = mcp__out_take(&c->out);
	if (!arr || !cJSON_AddItemToObject(res, "content", arr)) { /* takes arr */
		cJSON_Delete(arr);
		goto fail;
	}
	if (c->structured && (c->features & MCP_F_STRUCTURED)) {
		if (!cJSON_AddItemToObject(res, "structuredContent", c->structured))
			goto fail;
		c->structured = NULL; /* res owns it now */
	}
	if (c->is_error && !cJSON_AddTrueToObject(res, "isError"))
		goto fail;
	return res;
fail:
	cJSON_Delete(res);
	return NULL;
}

/* A CallToolResult of one text block with isError:true. */
static cJSON *error_result(const char *text)
{
	cJSON *res = cJSON_CreateObject(), *arr, *blk;

	arr = res ? cJSON_AddArrayToObject(res, "content") : NULL;
	blk = cJSON_CreateObject();
	if (!arr || !blk || !cJSON_AddStringToObject(blk, "type", "text") ||
	    !cJSON_AddStringToObject(blk, "text", text) ||
	    !cJSON_AddItemToArray(arr, blk)) { /* takes blk on success only */
		cJSON_Delete(blk);
		cJSON_Delete(res);
		return NULL;
	}
	if (!cJSON_AddTrueToObject(res, "isError")) {
		cJSON_Delete(res);
		return NULL;
	}
	return res;
}

/* Write @res (taken; NULL: out of memory) as the call's response, finished for its era. */
static enum pdb_rc write_result(struct mcp_call *c, cJSON *res, struct buf *out)
{
	enum pdb_rc rc = PDB_E_NOMEM;

	if (res && (!(c->features & MCP_F_STATELESS) || mcp__finish_result(c->s->srv, res, false)))
		rc = rpc_write_result(out, &c->id, res);
	cJSON_Delete(res);
	return rc;
}

/* Serialize the outcome of the handler (@rc, @err) as the call's response into @out. */
static void write_outcome(struct mcp_call *c, enum pdb_rc rc, const struct pdb_err *err,
                          struct buf *out)
{
	char text[PDB_ERRMSG_MAX + 64];
	cJSON *res;

	if (rc) {
		/* A failing tool is a result the model can read, not a protocol error. */
		snprintf(text, sizeof(text), "%s", pdb_err_text(err));
		res = error_result(text);
	} else if (mcp__rounds_asked(&c->rounds)) {
		res = mcp__rounds_result(c->s->srv, &c->rounds, text, sizeof(text));
		if (!res)
			res = error_result(text);
	} else {
		res = result_json(c);
	}
	rc = write_result(c, res, out);
	if (rc == PDB_E_TOO_LARGE) {
		snprintf(text, sizeof(text), "the result of %s exceeds %u bytes", c->tool->name,
		         (unsigned)PDB_MCP_MSG_MAX);
		rc = write_result(c, error_result(text), out);
	}
	if (rc &&
	    rpc_write_error(out, &c->id, RPC_INTERNAL_ERROR, "Internal error: out of memory", NULL))
		LOG_ERROR("mcp", "%s: cannot write any reply", c->tool->name);
}

/* The job: runs on a worker thread. */
static void run_call(void *job)
{
	struct mcp_call *c = job;
	struct mcp_session *s = c->s;
	struct pdb_err err;
	struct buf out;
	enum pdb_rc rc = PDB_OK;
	bool cancelled;

	pthread_mutex_lock(&s->mu);
	cancelled = c->cancelled;
	pthread_mutex_unlock(&s->mu);
	pdb_err_clear(&err);
	if (!cancelled) {
		rc = c->tool->fn(c, c->args, c->tool->ud, &err);
		if (rc && !err.msg[0])
			pdb_err_set(&err, rc, "%s failed: %s", c->tool->name, pdb_strerror(rc));
	}
	buf_init(&out, PDB_MCP_MSG_MAX);
	pthread_mutex_lock(&s->mu);
	cancelled = c->cancelled;
	pthread_mutex_unlock(&s->mu);
	if (!cancelled)
		write_outcome(c, rc, &err, &out);
	pthread_mutex_lock(&s->mu);
	unlink_call(s, c);
	/* "SHOULD NOT send a response for the cancelled request": FINAL with no message. */
	if (!s->closed)
		s->send(s->send_ud, c->stream, cancelled || !buf_len(&out) ? NULL : buf_cstr(&out),
		        cancelled ? 0 : buf_len(&out), MCP_SEND_FINAL);
	pthread_mutex_unlock(&s->mu);
	buf_free(&out);
	call_free(c);
	mcp__session_unref(s);
}

static const struct mcp_tool *find_tool(const struct mcp_server *srv, const char *name,
                                        size_t *index)
{
	size_t i;

	for (i = 0; i < srv->conf.n_tools; i++) {
		if (!strcmp(srv->conf.tools[i].name, name)) {
			*index = i;
			return &srv->conf.tools[i];
		}
	}
	return NULL;
}

/* Build the call for the request in @r, or fail @r. */
static struct mcp_call *new_call(struct mcp_req *r)
{
	const cJSON *p = r->m->params, *args, *meta, *tok;
	const struct mcp_tool *tool;
	struct mcp_call *c;
	const char *name;
	size_t index = 0;

	if (jsonx_get_str(p, "name", &name)) {
		mcp__fail(r, RPC_INVALID_PARAMS, "Invalid params: name must be a string");
		return NULL;
	}
	tool = find_tool(r->s->srv, name, &index);
	if (!tool) {
		mcp__fail(r, RPC_INVALID_PARAMS, "Invalid params: unknown tool %.64s", name);
		return NULL;
	}
	if ((r->features & MCP_F_STATELESS) && (tool->needs & ~r->caps)) {
		mcp__refuse_caps(r, tool->needs & ~r->caps);
		return NULL;
	}
	args = cJSON_GetObjectItemCaseSensitive(p, "arguments");
	if (args && !cJSON_IsNull(args) && !cJSON_IsObject(args)) {
		mcp__fail(r, RPC_INVALID_PARAMS, "Invalid params: arguments must be an object");
		return NULL;
	}
	c = mem_calloc(1, sizeof(*c));
	if (!c) {
		mcp__fail(r, RPC_INTERNAL_ERROR, "Internal error: out of memory");
		return NULL;
	}
	c->s = r->s;
	c->tool = tool;
	c->tool_index = index;
	c->id = r->m->id;
	c->stream = r->stream;
	c->features = r->features;
	c->caps = r->caps;
	c->log_min = r->log_min;
	mcp__out_init(&c->out, MCP_OUT_CONTENT);
	/* The request document dies with mcp_handle(): the call keeps its own copy. */
	c->args = cJSON_IsObject(args) ? cJSON_Duplicate(args, true) : cJSON_CreateObject();
	if (mcp__rounds_move(&c->rounds, &r->rounds)) {
		mcp__fail(r, RPC_INTERNAL_ERROR, "Internal error: out of memory");
		call_free(c);
		return NULL;
	}
	/* a new request state binds to what the call keeps, not to the dying document */
	c->rounds.method = "tools/call";
	c->rounds.name = tool->name;
	c->rounds.args = c->args;
	c->out.rounds = c->rounds.on ? &c->rounds : NULL;
	meta = cJSON_GetObjectItemCaseSensitive(p, "_meta");
	tok = cJSON_GetObjectItemCaseSensitive(meta, "progressToken");
	if (tok && rpc_read_id(tok, &c->token)) {
		mcp__fail(r, RPC_INVALID_PARAMS,
		          "Invalid params: progressToken must be a string or an integer");
		call_free(c);
		return NULL;
	}
	c->has_token = tok != NULL;
	if (!c->args) {
		mcp__fail(r, RPC_INTERNAL_ERROR, "Internal error: out of memory");
		call_free(c);
		return NULL;
	}
	return c;
}

/* Link @c into its session (loop thread). Returns false, with @r failed, when over a bound. */
static bool admit(struct mcp_req *r, struct mcp_call *c)
{
	struct mcp_session *s = r->s;
	struct mcp_call *o;
	bool ok = true;

	pthread_mutex_lock(&s->mu);
	for (o = s->calls; o && ok; o = o->next)
		if (rpc_id_equal(&o->id, &c->id))
			ok = false;
	if (!ok || mcp__listen_has(s, &c->id))
		ok = !mcp__fail(r, RPC_INVALID_REQUEST,
		                "Invalid Request: request id already in flight");
	if (ok && s->n_calls >= PDB_MCP_INFLIGHT_MAX)
		ok = !mcp__fail(r, RPC_SERVER_ERROR,
		                "Server error: more than %d tool calls in flight on this session",
		                PDB_MCP_INFLIGHT_MAX);
	if (ok) {
		c->next = s->calls;
		s->calls = c;
		s->n_calls++;
		s->refs++; /* the call's own reference, dropped by run_call() */
	}
	pthread_mutex_unlock(&s->mu);
	return ok;
}

enum pdb_rc mcp__tools_call(struct mcp_req *r)
{
	struct mcp_session *s = r->s;
	const struct mcp_conf *conf = &s->srv->conf;
	struct mcp_call *c = new_call(r);
	enum pdb_rc rc;

	if (!c)
		return PDB_E_INVAL;
	if (!admit(r, c)) {
		call_free(c);
		return PDB_E_INVAL;
	}
	rc = conf->exec(conf->exec_ud, run_call, c);
	if (rc == PDB_OK) {
		r->deferred = true;
		return PDB_OK;
	}
	pthread_mutex_lock(&s->mu);
	unlink_call(s, c);
	s->refs--; /* never the last: the transport still holds its own */
	pthread_mutex_unlock(&s->mu);
	call_free(c);
	/* Busy is the model's business (it may retry later): a tool error, not a protocol one. */
	LOG_WARN("mcp", "tools/call refused: the worker queue is full");
	r->result = error_result("server busy: every worker is occupied and the queue is full; "
	                         "try again shortly");
	return r->result ? PDB_OK
	                 : mcp__fail(r, RPC_INTERNAL_ERROR, "Internal error: out of memory");
}

/* --- the worker's side ---------------------------------------------------------- */

struct mcp_out *mcp_call_out(struct mcp_call *c)
{
	return &c->out;
}

enum pdb_rc mcp_call_structured(struct mcp_call *c, struct cJSON *obj)
{
	if (!cJSON_IsObject(obj)) {
		jsonx_free(obj);
		return PDB_E_TYPE;
	}
	if (c->structured) {
		jsonx_free(obj);
		return PDB_E_INVAL;
	}
	c->structured = obj;
	return PDB_OK;
}

bool mcp_call_cancelled(struct mcp_call *c)
{
	bool yes;

	pthread_mutex_lock(&c->s->mu);
	yes = c->cancelled || c->s->closed;
	pthread_mutex_unlock(&c->s->mu);
	return yes;
}

bool mcp_call_client_can(struct mcp_call *c, enum mcp_client_cap cap)
{
	return (c->caps & (unsigned)cap) != 0; /* fixed when the call was made */
}

enum pdb_rc mcp_call_progress(struct mcp_call *c, double progress, double total,
                              const char *message)
{
	cJSON *p, *tok;
	struct buf b;
	enum pdb_rc rc = PDB_E_NOMEM;

	if (!c->has_token)
		return PDB_OK;
	if (c->any_progress && !(progress > c->last_progress))
		return PDB_E_RANGE; /* "The progress value MUST increase with each notification" */
	p = cJSON_CreateObject();
	tok = rpc_id_json(&c->token);
	buf_init(&b, NOTE_MAX);
	if (!p || !tok || !cJSON_AddItemToObject(p, "progressToken", tok)) { /* takes tok */
		cJSON_Delete(tok);
		goto out;
	}
	if (!cJSON_AddNumberToObject(p, "progress", progress) ||
	    (total > 0 && !cJSON_AddNumberToObject(p, "total", total)) ||
	    (message && (c->features & MCP_F_ANNOTATIONS) &&
	     !cJSON_AddStringToObject(p, "message", message)))
		goto out;
	rc = rpc_write_notification(&b, "notifications/progress", p);
	if (rc)
		goto out;
	c->any_progress = true;
	c->last_progress = progress;
	send_note(c, &b);
out:
	buf_free(&b);
	cJSON_Delete(p);
	return rc;
}

enum pdb_rc mcp_call_log(struct mcp_call *c, enum mcp_log_level lvl, const char *logger,
                         const char *fmt, ...)
{
	char text[PDB_LOG_LINE_MAX];
	int min = c->log_min;
	struct buf b;
	va_list ap;
	cJSON *p;
	size_t n;
	enum pdb_rc rc = PDB_E_NOMEM;

	if (min == MCP_LOG_SESSION) { /* logging/setLevel may change it while the call runs */
		pthread_mutex_lock(&c->s->mu);
		min = (int)c->s->log_level;
		pthread_mutex_unlock(&c->s->mu);
	}
	if ((int)lvl < min)
		return PDB_OK; /* "at or above the level set"; 2026-07-28 without logLevel: none */
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (n = strlen(text); n && !jsonx_utf8_valid(text, n); n--)
		text[n - 1] = '\0'; /* vsnprintf may have cut a character in half */
	buf_init(&b, NOTE_MAX);
	p = cJSON_CreateObject();
	if (p && cJSON_AddStringToObject(p, "level", mcp__log_level_name(lvl)) &&
	    (!logger || cJSON_AddStringToObject(p, "logger", logger)) &&
	    cJSON_AddStringToObject(p, "data", text))
		rc = rpc_write_notification(&b, "notifications/message", p);
	if (!rc)
		send_note(c, &b);
	cJSON_Delete(p);
	buf_free(&b);
	return rc;
}

unsigned mcp__cap_for(const char *method)
{
	static const struct {
		const char *method;
		unsigned cap;
	} table[] = {
	    {"sampling/createMessage", MCP_CLIENT_SAMPLING},
	    {"elicitation/create", MCP_CLIENT_ELICITATION},
	    {"roots/list", MCP_CLIENT_ROOTS},
	};
	size_t i;

	for (i = 0; i < PDB_N_OF(table); i++)
		if (!strcmp(table[i].method, method))
			return table[i].cap;
	return 0;
}

/* Claim a pending slot and an id (under s->mu). NULL when all are taken. */
static struct mcp_pending *claim(struct mcp_session *s)
{
	size_t i;

	for (i = 0; i < PDB_MCP_PENDING_MAX; i++) {
		struct mcp_pending *p = &s->pending[i];

		if (p->used)
			continue;
		memset(p, 0, sizeof(*p));
		p->used = true;
		p->id = ++s->next_id;
		return p;
	}
	return NULL;
}

/* Wait (s->mu held) until @p is answered, the call is cancelled, the session closes or @deadline.
 */
static void wait_answer(struct mcp_call *c, struct mcp_pending *p, int64_t timeout_ms)
{
	struct timespec ts;
	int e = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(timeout_ms / 1000);
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (!p->done && !c->cancelled && !c->s->closed && e != ETIMEDOUT)
		e = pthread_cond_timedwait(&c->s->cv, &c->s->mu, &ts);
}

enum pdb_rc mcp_call_request(struct mcp_call *c, const char *method, struct cJSON *params,
                             int64_t timeout_ms, struct cJSON **result, struct pdb_err *err)
{
	struct mcp_session *s = c->s;
	struct mcp_pending *p = NULL;
	struct rpc_id id = {.type = RPC_ID_INT};
	unsigned need = mcp__cap_for(method);
	struct buf b;
	enum pdb_rc rc;

	*result = NULL;
	buf_init(&b, PDB_MCP_MSG_MAX);
	if (timeout_ms <= 0)
		timeout_ms = s->srv->conf.request_timeout_ms;
	pthread_mutex_lock(&s->mu);
	if (c->features & MCP_F_STATELESS) {
		rc = pdb_err_set(err, PDB_E_UNSUPPORTED,
		                 "%s: a 2026-07-28 request gets no requests from the server; it is "
		                 "asked with input_required",
		                 method);
		goto out;
	}
	if (need && !(c->caps & need)) {
		rc = pdb_err_set(err, PDB_E_UNSUPPORTED, "the client does not support %s", method);
		goto out;
	}
	if (s->closed || c->cancelled) {
		rc = pdb_err_set(err, PDB_E_TIMEOUT, "%s: the call was cancelled", method);
		goto out;
	}
	p = claim(s);
	if (!p) {
		rc =
		    pdb_err_set(err, PDB_E_TOO_LARGE, "more than %d requests to the client pending",
		                PDB_MCP_PENDING_MAX);
		goto out;
	}
	id.num = p->id;
	pthread_mutex_unlock(&s->mu);
	rc = rpc_write_request(&b, &id, method, params);
	pthread_mutex_lock(&s->mu);
	if (rc) {
		pdb_err_set(err, rc, "cannot write %s: %s", method, pdb_strerror(rc));
		goto out;
	}
	if (!s->closed && !c->cancelled)
		s->send(s->send_ud, c->stream, buf_cstr(&b), buf_len(&b), 0);
	wait_answer(c, p, timeout_ms);
	if (p->done && p->result) {
		*result = p->result;
		p->result = NULL;
		rc = PDB_OK;
	} else if (p->done) {
		rc = pdb_err_set(err, PDB_E_DENIED, "%s: %s", method, p->err);
	} else {
		rc = pdb_err_set(err, PDB_E_TIMEOUT, "%s: %s", method,
		                 c->cancelled || s->closed ? "the call was cancelled"
		                                           : "no answer from the client in time");
	}
out:
	if (p)
		p->used = false; /* a late answer finds no slot and is dropped */
	pthread_mutex_unlock(&s->mu);
	buf_free(&b);
	cJSON_Delete(params);
	return rc;
}

enum pdb_rc mcp_call_elicit(struct mcp_call *c, const char *key, struct cJSON *params,
                            const struct cJSON **answer, struct pdb_err *err)
{
	char mark[PDB_MCP_INPUT_KEY_MAX + 16];
	const cJSON *in;
	cJSON *res = NULL;
	enum pdb_rc rc;

	*answer = NULL;
	if (!(c->caps & MCP_CLIENT_ELICITATION)) {
		cJSON_Delete(params);
		return pdb_err_set(err, PDB_E_UNSUPPORTED,
		                   "the client cannot ask the user (no elicitation capability)");
	}
	if (!(c->features & MCP_F_STATELESS)) { /* legacy: ask now, wait for the answer */
		rc = mcp_call_request(c, "elicitation/create", params, 0, &res, err);
		if (rc)
			return rc;
		if (!c->answers)
			c->answers = cJSON_CreateArray();
		if (!c->answers || !cJSON_AddItemToArray(c->answers, res)) { /* takes res */
			cJSON_Delete(res);
			return pdb_err_set(err, PDB_E_NOMEM, "out of memory keeping the answer");
		}
		*answer = res;
		return PDB_OK;
	}
	/* 2026-07-28: an answer counts only with the state issued with this very question */
	snprintf(mark, sizeof(mark), "elicit:%s", key);
	in = mcp_out_input(&c->out, key);
	if (in && c->rounds.state && !strcmp(c->rounds.state, mark)) {
		cJSON_Delete(params);
		*answer = in;
		return PDB_OK;
	}
	rc = mcp_out_ask(&c->out, key, "elicitation/create", params);
	if (!rc)
		rc = mcp_out_keep(&c->out, mark);
	return rc ? pdb_err_set(err, rc, "cannot ask the user: %s", pdb_strerror(rc)) : PDB_OK;
}
