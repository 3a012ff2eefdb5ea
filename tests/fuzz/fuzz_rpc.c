/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_rpc.c - libFuzzer target over the NDJSON framer, JSON-RPC parsing and
 * classification, and the whole MCP core behind them.
 *
 * The input is a byte stream as a client would send it. The first byte
 * picks the read chunk size (1..64, so every split pattern is reachable);
 * the rest is pushed through tr_framer, each line goes to rpc_parse() +
 * rpc_classify() and then to mcp_handle() on one session with a small fake
 * tool/resource/prompt table, and queued tool calls run on this thread
 * right away. The same line also goes to mcp_handle_http() on a session of
 * its own (as a 2026-07-28 POST, with headers that match the body or not,
 * picked by the chunk byte), and after each line the watched resources
 * change, so listens get notified. The request-state MAC is a constant:
 * the fuzzer can forge states and so reach everything behind the check
 * (payloads, expiry, the single-use window). Every input must end with the
 * mem funnel back at zero. Built and run by tests/fuzz/run.sh.
 */
#include <pdbridge/jsonx.h>
#include <pdbridge/log.h>
#include <pdbridge/mcp.h>
#include <pdbridge/mem.h>
#include <pdbridge/rpc.h>
#include <pdbridge/transport.h>

#include <cjson/cJSON.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define JOBS_MAX 64

static struct {
	void (*run[JOBS_MAX])(void *);
	void *job[JOBS_MAX];
	int n;
} jobs;

static enum pdb_rc fake_exec(void *ud, void (*run)(void *job), void *job)
{
	(void)ud;
	if (jobs.n == JOBS_MAX)
		return PDB_E_TOO_LARGE;
	jobs.run[jobs.n] = run;
	jobs.job[jobs.n++] = job;
	return PDB_OK;
}

static void run_jobs(void)
{
	int i, n = jobs.n;

	jobs.n = 0;
	for (i = 0; i < n; i++)
		jobs.run[i](jobs.job[i]);
}

static void sink(void *ud, uint64_t stream, const char *msg, size_t len, unsigned flags)
{
	(void)ud, (void)stream, (void)flags;
	if (msg && len && msg[len - 1] == '\n')
		abort(); /* a message must never carry its own newline */
}

static enum pdb_rc t_echo(struct mcp_call *c, const cJSON *args, void *ud, struct pdb_err *err)
{
	const char *m;
	enum pdb_rc rc;

	(void)ud;
	if (jsonx_get_str(args, "msg", &m))
		return pdb_err_set(err, PDB_E_INVAL, "msg must be a string");
	rc = mcp_call_progress(c, 1, 2, m);
	if (!rc)
		rc = mcp_call_log(c, MCP_LOG_WARNING, "fuzz", "%s", m);
	return rc ? rc : mcp_out_text(mcp_call_out(c), m);
}

static enum pdb_rc t_ask(struct mcp_call *c, const cJSON *args, void *ud, struct pdb_err *err)
{
	cJSON *res = NULL;
	enum pdb_rc rc;

	(void)args, (void)ud;
	rc = mcp_call_request(c, "sampling/createMessage", cJSON_CreateObject(), 1, &res, err);
	jsonx_free(res);
	return rc;
}

static enum pdb_rc t_structured(struct mcp_call *c, const cJSON *args, void *ud,
                                struct pdb_err *err)
{
	(void)ud, (void)err;
	return mcp_call_structured(c, cJSON_Duplicate(args, true));
}

/* Keeps a state across rounds and asks for input; answers with what it got. */
static enum pdb_rc t_rounds(struct mcp_call *c, const cJSON *args, void *ud, struct pdb_err *err)
{
	struct mcp_out *o = mcp_call_out(c);
	const cJSON *in = mcp_out_input(o, "x");
	const char *st = mcp_out_state(o), *keep;
	enum pdb_rc rc;

	(void)ud;
	if (in || st)
		return mcp_out_text(o, st ? st : "answered");
	rc = mcp_out_ask(o, "x", "elicitation/create", NULL);
	if (!rc && !jsonx_get_str(args, "keep", &keep))
		rc = mcp_out_keep(o, keep);
	return rc ? pdb_err_set(err, rc, "cannot ask") : PDB_OK;
}

static enum pdb_rc t_confirm(struct mcp_call *c, const cJSON *args, void *ud, struct pdb_err *err)
{
	const cJSON *answer = NULL;

	(void)args, (void)ud;
	return mcp_call_elicit(c, "ok", cJSON_CreateObject(), &answer, err);
}

/* Not a MAC: a constant, so that forged request states pass (see the top). */
static enum pdb_rc fake_mac(void *ud, const void *msg, size_t len, unsigned char out[MCP_MAC_LEN])
{
	(void)ud, (void)msg, (void)len;
	memset(out, 0, MCP_MAC_LEN);
	return PDB_OK;
}

static const struct mcp_tool tools[] = {
    {"echo", "Echo", "Echoes msg.", NULL, NULL, {MCP_HINT_TRUE, 0, 0, 0}, t_echo, NULL, 0},
    {"ask", NULL, "Asks the client.", NULL, NULL, {0}, t_ask, NULL, 0},
    {"structured", NULL, "Structured.", NULL, "{\"type\":\"object\"}", {0}, t_structured, NULL, 0},
    {"rounds", NULL, "Rounds.", NULL, NULL, {0}, t_rounds, NULL, 0},
    {"confirm", NULL, "Confirms.", NULL, NULL, {0}, t_confirm, NULL, MCP_CLIENT_ELICITATION},
};

static enum pdb_rc r_read(const char *uri, struct mcp_out *o, void *ud, struct pdb_err *err)
{
	(void)ud, (void)err;
	if (strstr(uri, "/0/"))
		return PDB_E_NOTFOUND;
	return mcp_out_resource_text(o, uri, "text/plain", uri);
}

static enum pdb_rc complete(const char *arg, const char *value, struct mcp_out *o, void *ud)
{
	(void)arg, (void)ud;
	return mcp_out_value(o, value);
}

static const struct mcp_resource resources[] = {
    {"test://static", "static", NULL, NULL, "text/plain", r_read, NULL},
};
static const struct mcp_template templates[] = {
    {"test://item/{id}/data", "item", NULL, NULL, NULL, r_read, complete, NULL},
};

static enum pdb_rc p_get(const cJSON *args, struct mcp_out *o, void *ud, struct pdb_err *err)
{
	const char *who;

	(void)ud;
	if (jsonx_get_str(args, "who", &who))
		return pdb_err_set(err, PDB_E_MISSING, "who");
	return mcp_out_text(o, who);
}

static const struct mcp_prompt_arg args[] = {{"who", NULL, true}};
static const struct mcp_prompt prompts[] = {
    {"greet", NULL, "Greets.", args, 1, p_get, complete, NULL},
};

/* One framed line: parse and classify it, then serve it as a client message, twice. */
static void serve(struct mcp_server *srv, struct mcp_session *s, enum tr_frame_ev ev,
                  const char *line, size_t len, bool match, struct buf *out)
{
	struct mcp_http_headers h = {"2026-07-28", "tools/call", "rounds"};
	struct mcp_session *one = NULL;
	struct rpc_msg m;
	struct rpc_fault fault;
	cJSON *doc = NULL;

	if (ev != TR_FRAME_LINE)
		return;
	if (!rpc_parse(line, len, &doc, &fault) && !cJSON_IsArray(doc) &&
	    !rpc_classify(doc, &m, &fault) && match && m.method) {
		h.method = m.method; /* the headers say what the body says (name aside) */
		if (jsonx_get_str(m.params, "name", &h.name))
			h.name = NULL;
	}
	buf_reset(out);
	(void)mcp_handle(s, line, len, 1, out);
	if (memchr(buf_cstr(out), '\n', buf_len(out)))
		abort(); /* replies are single lines */
	run_jobs();
	if (!mcp_session_new(srv, sink, NULL, &one)) { /* an HTTP POST's session */
		buf_reset(out);
		(void)mcp_handle_http(one, line, len, 2, &h, out);
		if (memchr(buf_cstr(out), '\n', buf_len(out)))
			abort();
		run_jobs();
		mcp_session_close(one);
	}
	jsonx_free(doc); /* after: h points into it */
	mcp_resource_updated(srv, "test://static");
	mcp_resource_updated(srv, "test://item/7/data");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool once;
	struct mcp_conf conf = {
	    .tools = tools,
	    .n_tools = PDB_N_OF(tools),
	    .resources = resources,
	    .n_resources = 1,
	    .templates = templates,
	    .n_templates = 1,
	    .prompts = prompts,
	    .n_prompts = 1,
	    .exec = fake_exec,
	    .page_size = 2,
	    .request_timeout_ms = 1,
	    .mac = fake_mac,
	};
	struct mcp_server *srv = NULL;
	struct mcp_session *s = NULL;
	enum tr_frame_ev ev;
	struct tr_framer f;
	struct mem_stats st;
	struct pdb_err err;
	const char *line;
	struct buf out;
	size_t chunk, off, n, len;

	if (!once) {
		jsonx_init();
		log_set_level(LOG_LVL_ERROR);
		once = true;
	}
	if (!size)
		return 0;
	chunk = (size_t)(data[0] % 64) + 1; /* the read size: every split pattern is reachable */
	data++, size--;
	if (mcp_server_new(&conf, &srv, &err) || mcp_session_new(srv, sink, NULL, &s))
		abort();
	tr_frame_init(&f, 4096);
	buf_init(&out, PDB_MCP_MSG_MAX);
	for (off = 0; off < size; off += n) {
		n = size - off < chunk ? size - off : chunk;
		if (tr_frame_push(&f, (const char *)data + off, n))
			abort(); /* pushed only after NONE: never out of turn */
		while ((ev = tr_frame_next(&f, &line, &len)) != TR_FRAME_NONE)
			serve(srv, s, ev, line, len, chunk & 1, &out);
	}
	ev = tr_frame_finish(&f, &line, &len);
	serve(srv, s, ev, line, len, chunk & 1, &out);
	mcp_session_end_listens(s);
	buf_free(&out);
	tr_frame_free(&f);
	mcp_session_close(s);
	run_jobs();
	mcp_server_free(srv);
	mem_get_stats(&st);
	if (st.current)
		abort(); /* everything allocated through mem is freed */
	return 0;
}
