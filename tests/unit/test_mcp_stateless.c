/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_mcp_stateless.c - the MCP core's 2026-07-28 side: which requests are
 * stateless, the _meta, version and header checks with their errors and
 * flags, server/discover and what every result carries, tool calls with the
 * request's own capabilities and log level, multi round-trip results and
 * their request state (MAC, binding, expiry window, single use), asking the
 * user in either era, and subscriptions/listen. The MAC here is a stand-in
 * (keyed, deterministic, not cryptographic): what is tested is what the core
 * does with whatever MAC it is given; pdbridge's is HMAC-SHA256.
 */
#include "harness.h"
#include "mcp_fakes.h"

#include <pdbridge/jsonx.h>
#include <pdbridge/mem.h>

#include <stdio.h>
#include <string.h>

#define P    "io.modelcontextprotocol/"
#define META "\"_meta\":{\"" P "protocolVersion\":\"2026-07-28\",\"" P "clientCapabilities\":"
/* A stateless request: id, method, client capabilities (JSON), more params (may be ""). */
#define REQ(id, method, caps, more)                                                           \
	"{\"jsonrpc\":\"2.0\",\"id\":" id ",\"method\":\"" method "\",\"params\":{" META caps \
	"}" more "}}"

/* --- a stand-in MAC ------------------------------------------------------------------ */

static enum pdb_rc test_mac(void *ud, const void *msg, size_t len, unsigned char out[MCP_MAC_LEN])
{
	const unsigned char *m = msg;
	uint64_t h;
	size_t i, k;

	(void)ud;
	for (k = 0; k < MCP_MAC_LEN; k++) { /* FNV-1a per output byte, salted by its index */
		h = 1469598103934665603ull ^ (k * 0x9e3779b97f4a7c15ull);
		for (i = 0; i < len; i++)
			h = (h ^ m[i]) * 1099511628211ull;
		out[k] = (unsigned char)(h >> 32);
	}
	return PDB_OK;
}

/* --- tables ------------------------------------------------------------------------ */

static enum pdb_rc t_echo(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	(void)a, (void)ud, (void)e;
	return mcp_out_text(mcp_call_out(c), "echo");
}

static enum pdb_rc t_logs(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	(void)a, (void)ud, (void)e;
	if (mcp_call_log(c, MCP_LOG_DEBUG, NULL, "debug") ||
	    mcp_call_log(c, MCP_LOG_WARNING, NULL, "warning"))
		return PDB_E_NOMEM;
	return mcp_out_text(mcp_call_out(c), "logged");
}

/* Keeps "round=N" across rounds; says which round it sees. */
static enum pdb_rc t_keeper(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	struct mcp_out *o = mcp_call_out(c);
	const char *st = mcp_out_state(o);
	char next[32];
	int round = st ? st[6] - '0' : 0;
	enum pdb_rc rc;

	(void)a, (void)ud;
	if (round == 2)
		return mcp_out_text(o, "done after round=2");
	snprintf(next, sizeof(next), "round=%d", round + 1);
	rc = mcp_out_keep(o, next);
	return rc ? pdb_err_set(e, rc, "cannot keep: %s", pdb_strerror(rc)) : PDB_OK;
}

/* Asks the user to confirm (either era); says what the answer was. */
static enum pdb_rc t_asker(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	cJSON *q = NULL;
	const cJSON *answer = NULL;
	const char *action = "?";
	enum pdb_rc rc;

	(void)a, (void)ud;
	static const char question[] =
	    "{\"message\":\"Sure?\",\"requestedSchema\":{\"type\":"
	    "\"object\",\"properties\":{\"ok\":{\"type\":\"boolean\"}}}}";

	if (jsonx_parse(question, sizeof(question) - 1, &q, e))
		return PDB_E_NOMEM;
	rc = mcp_call_elicit(c, "confirm", q, &answer, e);
	if (rc || !answer)
		return rc;
	if (jsonx_get_str(answer, "action", &action))
		action = "?";
	return mcp_out_text(mcp_call_out(c), action);
}

static enum pdb_rc t_request(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	cJSON *res = NULL;

	(void)a, (void)ud;
	return mcp_call_request(c, "roots/list", NULL, 10, &res, e);
}

static const struct mcp_tool tools[] = {
    {"echo", "Echo", "Echoes.", NULL, NULL, {0}, t_echo, NULL, 0},
    {"logs", NULL, "Logs twice.", NULL, NULL, {0}, t_logs, NULL, 0},
    {"keeper", NULL, "Keeps its round.", NULL, NULL, {0}, t_keeper, NULL, 0},
    {"asker", NULL, "Asks the user.", NULL, NULL, {0}, t_asker, NULL, 0},
    {"request", NULL, "Asks the client directly.", NULL, NULL, {0}, t_request, NULL, 0},
    {"sampler", NULL, "Needs sampling.", NULL, NULL, {0}, t_echo, NULL, MCP_CLIENT_SAMPLING},
};

static enum pdb_rc r_text(const char *uri, struct mcp_out *o, void *ud, struct pdb_err *e)
{
	(void)ud, (void)e;
	if (strstr(uri, "/0/"))
		return PDB_E_NOTFOUND;
	return mcp_out_resource_text(o, uri, "text/plain", "text");
}

static const struct mcp_resource resources[] = {
    {"test://static", "static", NULL, NULL, "text/plain", r_text, NULL},
};
static enum pdb_rc complete(const char *arg, const char *value, struct mcp_out *o, void *ud)
{
	(void)arg, (void)ud;
	return mcp_out_value(o, value);
}

static const struct mcp_template templates[] = {
    {"test://item/{id}/data", "item", NULL, NULL, NULL, r_text, complete, NULL},
};

/* Asks who to greet (2026-07-28), then greets. */
static enum pdb_rc p_greet(const cJSON *a, struct mcp_out *o, void *ud, struct pdb_err *e)
{
	const cJSON *in = mcp_out_input(o, "who"), *content;
	const char *name;

	(void)a, (void)ud, (void)e;
	if (!jsonx_get_obj(in, "content", &content) && !jsonx_get_str(content, "name", &name))
		return mcp_out_text(o, name);
	return mcp_out_ask(o, "who", "elicitation/create", NULL);
}

static const struct mcp_prompt prompts[] = {
    {"greet", NULL, "Greets.", NULL, 0, p_greet, NULL, NULL},
};

static struct mcp_conf conf(void)
{
	struct mcp_conf c = {
	    .name = "srv",
	    .version = "9",
	    .instructions = "be nice",
	    .tools = tools,
	    .n_tools = PDB_N_OF(tools),
	    .resources = resources,
	    .n_resources = 1,
	    .templates = templates,
	    .n_templates = 1,
	    .prompts = prompts,
	    .n_prompts = 1,
	    .exec = fake_exec,
	    .mac = test_mac,
	};
	return c;
}

/* Member @key (which may hold dots) of the object at @path. */
static const cJSON *meta_of(const cJSON *r, const char *path, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(at(r, path), key);
}

static const char *str_of(const cJSON *v)
{
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A tool call's final message (after running the queued job), parsed; NULL if none. */
static cJSON *call_result(void)
{
	run_jobs();
	return sent_wait(1) >= 1 ? sent_json(tr.n - 1) : NULL;
}

/* --- cases ---------------------------------------------------------------------------- */

static void which_requests_are_stateless(void)
{
	static const struct {
		const char *text;
		bool yes;
	} cases[] = {
	    {REQ("1", "tools/list", "{}", ""), true},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\"}", true},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"subscriptions/listen\",\"params\":{}}",
	     true},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{\"_meta\":{"
	     "\"" P "clientCapabilities\":{}}}}",
	     true},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{\"_meta\":{"
	     "\"progressToken\":1}}}",
	     false},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{\"x\":\"" P
	     "protocolVersion\"}}",
	     false},
	    {"{\"jsonrpc\":\"2.0\",\"method\":\"server/discover\"}", false}, /* a notification */
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\"", false},
	    {"", false},
	};
	size_t i;

	for (i = 0; i < PDB_N_OF(cases); i++)
		if (mcp_is_stateless(cases[i].text, strlen(cases[i].text)) != cases[i].yes)
			t_fail(__FILE__, __LINE__, "case %zu: %s", i, cases[i].text);
	T_CHECK(mcp_version_stateless("2026-07-28"));
	T_CHECK(!mcp_version_stateless("2025-11-25") && !mcp_version_stateless(NULL));
	T_CHECK(!mcp_version_supported("2026-07-28")); /* not through initialize */
}

static void envelope_refusals(void)
{
	static const struct {
		const char *text;
		int code;
		bool rejected, no_method;
	} cases[] = {
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\"}", -32602, true, false},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\",\"params\":[1]}", -32602,
	     true, false},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{\"_meta\":{\"" P
	     "protocolVersion\":\"2026-07-28\"}}}",
	     -32602, true, false},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{\"_meta\":{\"" P
	     "protocolVersion\":\"2025-11-25\",\"" P "clientCapabilities\":{}}}}",
	     -32022, true, false},
	    {REQ("1", "tools/list", "{},\"" P "logLevel\":\"loud\"", ""), -32602, true, false},
	    {REQ("1", "ping", "{}", ""), -32601, false, true},
	    {REQ("1", "initialize", "{}", ""), -32601, false, true},
	    {REQ("1", "resources/unsubscribe", "{}", ",\"uri\":\"test://static\""), -32601, false,
	     true},
	    {REQ("1", "tools/call", "{}", ",\"name\":\"sampler\""), -32021, true, false},
	    {REQ("1", "tools/call", "{}", ",\"name\":\"nope\""), -32602, false, false},
	    {REQ("1", "resources/read", "{}", ",\"uri\":\"test://item/0/data\""), -32602, false,
	     false},
	};
	struct mcp_conf c = conf();
	struct fx f;
	size_t i;
	cJSON *r;

	T_CHECK(fx_open(&f, &c));
	for (i = 0; i < PDB_N_OF(cases); i++) {
		r = fx_rpc(&f, "%s", cases[i].text);
		if (err_code(r) != cases[i].code || f.res.rejected != cases[i].rejected ||
		    f.res.no_method != cases[i].no_method || !at(r, "id") ||
		    at(r, "id")->valueint != 1)
			t_fail(__FILE__, __LINE__, "case %zu: code %d rejected %d no_method %d", i,
			       err_code(r), f.res.rejected, f.res.no_method);
		if (cases[i].code == -32022) {
			T_EQ_STR(str_at(r, "error.data.supported.0"), "2026-07-28");
			T_EQ_STR(str_at(r, "error.data.requested"), "2025-11-25");
		}
		if (cases[i].code == -32021)
			T_CHECK(cJSON_IsObject(at(r, "error.data.requiredCapabilities.sampling")));
		if (i == 10) /* not found: the code of this revision, the URI kept */
			T_EQ_STR(str_at(r, "error.data.uri"), "test://item/0/data");
		jsonx_free(r);
	}
	T_EQ_INT(ex.n, 0); /* nothing refused ever reached the executor */
	fx_close(&f);
}

static void results_carry_the_revision(void)
{
	static const struct {
		const char *method, *more;
		int ttl; /* -1: not cacheable */
	} cases[] = {
	    {"server/discover", "", 300000},
	    {"tools/list", "", 300000},
	    {"resources/list", "", 300000},
	    {"resources/templates/list", "", 300000},
	    {"prompts/list", "", 300000},
	    {"resources/read", ",\"uri\":\"test://item/7/data\"", 0},
	    {"completion/complete",
	     ",\"ref\":{\"type\":\"ref/resource\",\"uri\":\"test://item/{id}/data\"},"
	     "\"argument\":{\"name\":\"id\",\"value\":\"7\"}",
	     -1},
	};
	struct mcp_conf c = conf();
	char text[512];
	struct fx f;
	size_t i;
	cJSON *r;

	T_CHECK(fx_open(&f, &c));
	for (i = 0; i < PDB_N_OF(cases); i++) {
		snprintf(text, sizeof(text),
		         "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"%s\",\"params\":{" META
		         "{}}%s}}",
		         cases[i].method, cases[i].more);
		r = fx_rpc(&f, "%s", text);
		T_EQ_STR(str_at(r, "result.resultType"), "complete");
		T_EQ_STR(str_at(meta_of(r, "result._meta", P "serverInfo"), "name"), "srv");
		if (cases[i].ttl < 0)
			T_CHECK(!at(r, "result.ttlMs"));
		else
			T_EQ_INT(at(r, "result.ttlMs")->valueint, cases[i].ttl);
		if (cases[i].ttl >= 0)
			T_EQ_STR(str_at(r, "result.cacheScope"), "private");
		jsonx_free(r);
	}
	r = fx_rpc(&f, REQ("3", "server/discover", "{}", ""));
	T_EQ_STR(str_at(r, "result.supportedVersions.0"), "2026-07-28");
	T_CHECK(!at(r, "result.supportedVersions.1"));
	T_CHECK(cJSON_IsTrue(at(r, "result.capabilities.resources.subscribe")));
	T_CHECK(cJSON_IsObject(at(r, "result.capabilities.completions")));
	T_EQ_STR(str_at(r, "result.instructions"), "be nice");
	jsonx_free(r);
	/* titles are served, as in 2025-11-25 */
	r = fx_rpc(&f, REQ("4", "tools/list", "{}", ""));
	T_EQ_STR(str_at(r, "result.tools.0.title"), "Echo");
	jsonx_free(r);
	fx_close(&f);
}

static void http_headers_must_match_the_body(void)
{
	static const struct {
		const char *version, *method, *name;
		bool ok;
	} cases[] = {
	    {"2026-07-28", "tools/call", "echo", true},
	    {" 2026-07-28\t", "tools/call ", "  echo ", true},
	    {"2026-07-28", "tools/call", "=?base64?ZWNobw==?=", true},
	    {"2026-07-28", "tools/call", "=?base64?ZWNobw?=", true},
	    {NULL, "tools/call", "echo", false},
	    {"2025-11-25", "tools/call", "echo", false},
	    {"2026-07-28", NULL, "echo", false},
	    {"2026-07-28", "tools/list", "echo", false},
	    {"2026-07-28", "tools/call", NULL, false},
	    {"2026-07-28", "tools/call", "ECHO", false},
	    {"2026-07-28", "tools/call", "=?base64?bG9ncw==?=", false},
	    {"2026-07-28", "tools/call", "=?base64?ZWNobw=?=", false},
	    {"2026-07-28", "tools/call", "=?base64?ZWNob3?=", false},
	    {"2026-07-28", "tools/call", "=?BASE64?ZWNobw==?=", false},
	};
	static const char body[] = REQ("5", "tools/call", "{}", ",\"name\":\"echo\"");
	struct mcp_conf c = conf();
	struct fx f;
	size_t i;

	T_CHECK(fx_open(&f, &c));
	for (i = 0; i < PDB_N_OF(cases); i++) {
		struct mcp_http_headers h = {cases[i].version, cases[i].method, cases[i].name};
		cJSON *r = NULL;
		struct pdb_err e;

		buf_reset(&f.out);
		f.res = mcp_handle_http(f.s, body, sizeof(body) - 1, 1, &h, &f.out);
		if (f.res.reply && jsonx_parse(buf_cstr(&f.out), buf_len(&f.out), &r, &e))
			r = NULL;
		if (cases[i].ok != (f.res.deferred == 1) ||
		    (!cases[i].ok && (err_code(r) != -32020 || !f.res.rejected)))
			t_fail(__FILE__, __LINE__, "case %zu: deferred %u code %d", i,
			       f.res.deferred, err_code(r));
		jsonx_free(r);
		run_jobs();
	}
	/* a batch is not a request of this revision either */
	{
		static const char batch[] = "[" REQ("6", "tools/list", "{}", "") "]";
		struct mcp_http_headers h = {"2026-07-28", "tools/list", NULL};

		buf_reset(&f.out);
		f.res = mcp_handle_http(f.s, batch, sizeof(batch) - 1, 1, &h, &f.out);
		T_CHECK(f.res.bad_input && strstr(buf_cstr(&f.out), "-32600"));
	}
	fx_close(&f);
}

static void calls_use_the_request_capabilities_and_log_level(void)
{
	struct mcp_conf c = conf();
	struct fx f;
	cJSON *r;
	int i;

	T_CHECK(fx_open(&f, &c));
	/* no logLevel: no notifications/message at all */
	T_CHECK(!fx_rpc(&f, REQ("1", "tools/call", "{}", ",\"name\":\"logs\"")));
	T_EQ_INT(f.res.deferred, 1);
	r = call_result();
	T_EQ_INT(tr.n, 1);
	T_EQ_STR(str_at(r, "result.resultType"), "complete");
	T_EQ_STR(str_at(meta_of(r, "result._meta", P "serverInfo"), "version"), "9");
	T_EQ_STR(str_at(r, "result.content.0.text"), "logged");
	jsonx_free(r);
	sent_clear();
	/* warning asked: the warning, not the debug line */
	T_CHECK(!fx_rpc(
	    &f, REQ("2", "tools/call", "{},\"" P "logLevel\":\"warning\"", ",\"name\":\"logs\"")));
	r = call_result();
	jsonx_free(r);
	T_EQ_INT(tr.n, 2);
	r = sent_json(0);
	T_EQ_STR(str_at(r, "params.level"), "warning");
	jsonx_free(r);
	sent_clear();
	/* with sampling declared the tool runs; without, it was refused before (see above) */
	T_CHECK(!fx_rpc(&f, REQ("3", "tools/call", "{\"sampling\":{}}", ",\"name\":\"sampler\"")));
	r = call_result();
	T_EQ_STR(str_at(r, "result.content.0.text"), "echo");
	jsonx_free(r);
	sent_clear();
	/* no server-to-client requests in this revision, whatever the client declares */
	T_CHECK(!fx_rpc(&f, REQ("4", "tools/call", "{\"roots\":{}}", ",\"name\":\"request\"")));
	r = call_result();
	T_CHECK(cJSON_IsTrue(at(r, "result.isError")));
	T_CHECK(strstr(str_at(r, "result.content.0.text"), "input_required"));
	T_EQ_STR(str_at(r, "result.resultType"), "complete");
	jsonx_free(r);
	sent_clear();
	/* an id in flight is refused, as in the legacy era */
	for (i = 0; i < 2; i++) {
		r = fx_rpc(&f, REQ("7", "tools/call", "{}", ",\"name\":\"echo\""));
		T_CHECK(i ? err_code(r) == -32600 : !r);
		jsonx_free(r);
	}
	fx_close(&f);
}

/* The requestState of a keeper call with @args; NULL and a failure if none. */
static char *keeper_state(struct fx *f, const char *state, const char *args, int *code)
{
	char text[4096];
	cJSON *r;
	char *s = NULL;

	sent_clear();
	snprintf(text, sizeof(text),
	         REQ("8", "tools/call", "{}", ",\"name\":\"keeper\",\"arguments\":%s%s%s%s"), args,
	         state ? ",\"requestState\":\"" : "", state ? state : "", state ? "\"" : "");
	r = fx_rpc(f, "%s", text);
	*code = err_code(r);
	jsonx_free(r);
	if (*code)
		return NULL;
	r = call_result();
	if (str_at(r, "result.requestState"))
		s = mem_strdup(str_at(r, "result.requestState"));
	else if (str_at(r, "result.content.0.text"))
		s = mem_strdup(str_at(r, "result.content.0.text"));
	jsonx_free(r);
	return s;
}

static void request_state_is_authentic_bound_and_single_use(void)
{
	struct mcp_conf c = conf();
	char *s1, *s2, *x, bad[2048];
	struct fx f;
	int code, i;

	T_CHECK(fx_open(&f, &c));
	s1 = keeper_state(&f, NULL, "{\"a\":[1,{\"b\":true}],\"c\":null}", &code);
	T_CHECK(s1 && !strncmp(s1, "1.", 2));
	/* the same arguments in another key order are the same request */
	s2 = keeper_state(&f, s1, "{\"c\":null,\"a\":[1,{\"b\":true}]}", &code);
	T_CHECK(s2 && strcmp(s1, s2)); /* round 2 got a new state */
	x = keeper_state(&f, s1, "{\"a\":[1,{\"b\":true}],\"c\":null}", &code);
	T_CHECK(!x && code == -32602); /* used once already */
	x = keeper_state(&f, s2, "{\"a\":[1,{\"b\":false}],\"c\":null}", &code);
	T_CHECK(!x && code == -32602); /* other arguments */
	snprintf(bad, sizeof(bad), "%s", s2);
	bad[4] = bad[4] == 'A' ? 'B' : 'A';
	x = keeper_state(&f, bad, "{\"a\":[1,{\"b\":true}],\"c\":null}", &code);
	T_CHECK(!x && code == -32602); /* changed */
	x = keeper_state(&f, s2, "{\"a\":[1,{\"b\":true}],\"c\":null}", &code);
	T_EQ_STR(x, "done after round=2"); /* the untouched one still works, once */
	mem_free(x);
	mem_free(s1);
	mem_free(s2);
	/* a state older than the window is refused without any per-state memory */
	s1 = keeper_state(&f, NULL, "{}", &code);
	for (i = 0; i < PDB_MCP_STATE_WINDOW; i++) {
		x = keeper_state(&f, NULL, "{}", &code);
		T_CHECK(x);
		mem_free(x);
	}
	x = keeper_state(&f, s1, "{}", &code);
	T_CHECK(!x && code == -32602);
	mem_free(s1);
	/* too long, or not even ours */
	memset(bad, 'A', sizeof(bad) - 1);
	bad[sizeof(bad) - 1] = '\0';
	T_CHECK(!keeper_state(&f, bad, "{}", &code) && code == -32602);
	T_CHECK(!keeper_state(&f, "2.AAAA.AAAA", "{}", &code) && code == -32602);
	T_CHECK(!keeper_state(&f, "1.AAAA.AA=A", "{}", &code) && code == -32602);
	fx_close(&f);
	/* without a MAC there is no state to keep: the tool says so */
	c.mac = NULL;
	T_CHECK(fx_open(&f, &c));
	x = keeper_state(&f, NULL, "{}", &code);
	T_CHECK(x && strstr(x, "cannot keep"));
	mem_free(x);
	fx_close(&f);
}

static void asking_the_user_in_both_eras(void)
{
	struct mcp_conf c = conf();
	char text[2048], *state;
	struct fx f;
	cJSON *r, *ask;

	T_CHECK(fx_open(&f, &c));
	/* 2026-07-28: the question goes out as the result */
	T_CHECK(!fx_rpc(&f, REQ("1", "tools/call", "{\"elicitation\":{}}", ",\"name\":\"asker\"")));
	r = call_result();
	T_EQ_STR(str_at(r, "result.resultType"), "input_required");
	T_EQ_STR(str_at(r, "result.inputRequests.confirm.method"), "elicitation/create");
	T_EQ_STR(str_at(r, "result.inputRequests.confirm.params.message"), "Sure?");
	T_CHECK(!at(r, "result.content") && !at(r, "result.ttlMs"));
	state = mem_strdup(str_at(r, "result.requestState"));
	jsonx_free(r);
	/* an answer without the state is no answer: asked again */
	sent_clear();
	T_CHECK(!fx_rpc(&f, REQ("2", "tools/call", "{\"elicitation\":{}}",
	                        ",\"name\":\"asker\",\"inputResponses\":{\"confirm\":{\"action\":"
	                        "\"accept\"}}")));
	r = call_result();
	T_EQ_STR(str_at(r, "result.resultType"), "input_required");
	jsonx_free(r);
	sent_clear();
	snprintf(text, sizeof(text),
	         REQ("3", "tools/call", "{\"elicitation\":{}}",
	             ",\"name\":\"asker\",\"inputResponses\":{\"confirm\":{\"action\":\"decline\"},"
	             "\"extra\":{}},\"requestState\":\"%s\""),
	         state);
	T_CHECK(!fx_rpc(&f, "%s", text));
	r = call_result();
	T_EQ_STR(str_at(r, "result.content.0.text"), "decline");
	jsonx_free(r);
	mem_free(state);
	/* a client that cannot ask is not asked */
	sent_clear();
	T_CHECK(!fx_rpc(&f, REQ("4", "tools/call", "{}", ",\"name\":\"asker\"")));
	r = call_result();
	T_CHECK(cJSON_IsTrue(at(r, "result.isError")));
	jsonx_free(r);
	/* a legacy session that declared elicitation is asked with a request, and the call waits */
	sent_clear();
	T_CHECK(fx_init(&f, "2025-11-25", "{\"elicitation\":{}}"));
	ex.threaded = true;
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{"
	                    "\"name\":\"asker\"}}"));
	T_EQ_INT(sent_wait(1), 1);
	ask = sent_json(0);
	T_EQ_STR(str_at(ask, "method"), "elicitation/create");
	snprintf(text, sizeof(text),
	         "{\"jsonrpc\":\"2.0\",\"id\":%d,\"result\":{\"action\":\"accept\"}}",
	         at(ask, "id")->valueint);
	jsonx_free(ask);
	T_CHECK(!fx_rpc(&f, "%s", text));
	T_EQ_INT(sent_wait(2), 2);
	r = sent_json(1);
	T_EQ_STR(str_at(r, "result.content.0.text"), "accept");
	T_CHECK(!at(r, "result.resultType")); /* the legacy era's result */
	jsonx_free(r);
	fx_close(&f);
}

static void prompts_ask_and_inputs_are_checked(void)
{
	struct mcp_conf c = conf();
	struct fx f;
	cJSON *r;

	T_CHECK(fx_open(&f, &c));
	r = fx_rpc(&f, REQ("1", "prompts/get", "{}", ",\"name\":\"greet\""));
	T_CHECK(!at(r, "result") && err_code(r) == -32603); /* not declared: cannot be asked */
	jsonx_free(r);
	r = fx_rpc(&f, REQ("1", "prompts/get", "{\"elicitation\":{}}", ",\"name\":\"greet\""));
	T_EQ_STR(str_at(r, "result.resultType"), "input_required");
	T_CHECK(cJSON_IsObject(at(r, "result.inputRequests.who.params")));
	T_CHECK(!at(r, "result.requestState"));
	jsonx_free(r);
	r = fx_rpc(&f, REQ("2", "prompts/get", "{\"elicitation\":{}}",
	                   ",\"name\":\"greet\",\"inputResponses\":{\"who\":{\"action\":\"accept\","
	                   "\"content\":{\"name\":\"Ada\"}}}"));
	T_EQ_STR(str_at(r, "result.messages.0.content.text"), "Ada");
	T_EQ_STR(str_at(r, "result.resultType"), "complete");
	jsonx_free(r);
	r = fx_rpc(&f, REQ("3", "prompts/get", "{}", ",\"name\":\"greet\",\"inputResponses\":[]"));
	T_EQ_INT(err_code(r), -32602);
	jsonx_free(r);
	r = fx_rpc(&f, REQ("4", "prompts/get", "{}",
	                   ",\"name\":\"greet\",\"inputResponses\":{\"who\":\"Ada\"}"));
	T_EQ_INT(err_code(r), -32602);
	jsonx_free(r);
	fx_close(&f);
}

static void listens_acknowledge_carry_and_end(void)
{
	struct mcp_conf c = conf();
	struct fx f;
	cJSON *r;
	int i;

	T_CHECK(fx_open(&f, &c));
	r = fx_rpc(&f,
	           REQ("\"L1\"", "subscriptions/listen", "{}",
	               ",\"notifications\":{\"toolsListChanged\":true,\"resourceSubscriptions\":"
	               "[\"test://static\",\"test://item/3/data\",\"test://nope\"]}"));
	T_EQ_INT(f.res.deferred, 1); /* open: its acknowledgement is the reply */
	T_EQ_STR(str_at(r, "method"), "notifications/subscriptions/acknowledged");
	T_EQ_STR(str_of(meta_of(r, "params._meta", P "subscriptionId")), "L1");
	T_EQ_STR(str_at(r, "params.notifications.resourceSubscriptions.0"), "test://static");
	T_EQ_STR(str_at(r, "params.notifications.resourceSubscriptions.1"), "test://item/3/data");
	T_CHECK(!at(r, "params.notifications.resourceSubscriptions.2"));
	T_CHECK(!at(r, "params.notifications.toolsListChanged")); /* lists never change here */
	jsonx_free(r);
	T_CHECK(mcp_resource_watched(f.srv, "test://item/3/data"));
	T_CHECK(!mcp_resource_watched(f.srv, "test://nope"));
	mcp_resource_updated(f.srv, "test://item/3/data");
	mcp_resource_updated(f.srv, "test://nope");
	T_EQ_INT(tr.n, 1);
	r = sent_json(0);
	T_EQ_STR(str_at(r, "params.uri"), "test://item/3/data");
	T_EQ_STR(str_of(meta_of(r, "params._meta", P "subscriptionId")), "L1");
	T_EQ_INT(tr.v[0].stream, 1);
	jsonx_free(r);
	/* bounds: PDB_MCP_LISTENS_MAX open, ids unique */
	for (i = 2; i <= PDB_MCP_LISTENS_MAX; i++) {
		char text[512];

		snprintf(text, sizeof(text),
		         REQ("%d", "subscriptions/listen", "{}", ",\"notifications\":{}"), i);
		jsonx_free(fx_rpc(&f, "%s", text));
		T_EQ_INT(f.res.deferred, 1);
	}
	r = fx_rpc(&f, REQ("99", "subscriptions/listen", "{}", ",\"notifications\":{}"));
	T_EQ_INT(err_code(r), -32600);
	jsonx_free(r);
	r = fx_rpc(&f, REQ("\"L1\"", "tools/call", "{}", ",\"name\":\"echo\""));
	T_EQ_INT(err_code(r), -32600); /* the listen's id is in flight */
	jsonx_free(r);
	/* cancelled: silent, but its FINAL tells the transport it is over */
	sent_clear();
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
	                    "\"params\":{\"requestId\":\"L1\"}}"));
	T_EQ_INT(tr.n, 1);
	T_CHECK(!tr.v[0].msg && tr.v[0].flags == MCP_SEND_FINAL);
	T_CHECK(!mcp_resource_watched(f.srv, "test://item/3/data"));
	/* the end of input: every other listen ends with its result */
	sent_clear();
	mcp_session_end_listens(f.s);
	T_EQ_INT(tr.n, PDB_MCP_LISTENS_MAX - 1);
	r = sent_json(0);
	T_EQ_STR(str_at(r, "result.resultType"), "complete");
	T_CHECK(meta_of(r, "result._meta", P "subscriptionId"));
	T_CHECK(tr.v[0].flags & MCP_SEND_FINAL);
	jsonx_free(r);
	fx_close(&f);
}

static void one_session_serves_both_eras(void)
{
	struct mcp_conf c = conf();
	struct fx f;
	cJSON *r;

	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2024-11-05", "{}"));
	r = fx_rpc(&f, REQ("1", "tools/list", "{}", ""));
	T_EQ_STR(str_at(r, "result.tools.0.title"), "Echo"); /* the request's revision */
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
	T_CHECK(!at(r, "result.tools.0.title")); /* the session's: 2024-11-05 has none */
	T_CHECK(!at(r, "result.resultType"));
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}");
	T_CHECK(result_of(r));
	jsonx_free(r);
	fx_close(&f);
}

static const struct t_case cases[] = {
    {"which_requests_are_stateless", which_requests_are_stateless},
    {"envelope_refusals", envelope_refusals},
    {"results_carry_the_revision", results_carry_the_revision},
    {"http_headers_must_match_the_body", http_headers_must_match_the_body},
    {"calls_use_the_request_capabilities_and_log_level",
     calls_use_the_request_capabilities_and_log_level},
    {"request_state_is_authentic_bound_and_single_use",
     request_state_is_authentic_bound_and_single_use},
    {"asking_the_user_in_both_eras", asking_the_user_in_both_eras},
    {"prompts_ask_and_inputs_are_checked", prompts_ask_and_inputs_are_checked},
    {"listens_acknowledge_carry_and_end", listens_acknowledge_carry_and_end},
    {"one_session_serves_both_eras", one_session_serves_both_eras},
};

int main(int argc, char **argv)
{
	jsonx_init();
	return t_main(cases, PDB_N_OF(cases), argc, argv);
}
