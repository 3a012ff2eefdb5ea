/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_mcp.c - the MCP core with fake tool, resource and prompt tables, a
 * fake executor and a fake transport: every method, every error path,
 * version negotiation, batches, pagination, logging levels, progress,
 * cancellation, and server-to-client requests (including the session
 * closing under a waiting worker).
 */
#include "harness.h"
#include "mcp_fakes.h"

#include <pdbridge/jsonx.h>
#include <pdbridge/mcp.h>
#include <pdbridge/mem.h>
#include <pdbridge/rpc.h>

#include <cjson/cJSON.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* --- fake tables ------------------------------------------------------------------ */

static enum pdb_rc tool_echo(struct mcp_call *c, const cJSON *args, void *ud, struct pdb_err *err)
{
	const char *m;

	(void)ud;
	(void)err;
	if (jsonx_get_str(args, "msg", &m))
		m = "(none)";
	return mcp_out_text(mcp_call_out(c), m);
}

static enum pdb_rc tool_fail(struct mcp_call *c, const cJSON *args, void *ud, struct pdb_err *err)
{
	(void)c;
	(void)args;
	(void)ud;
	return pdb_err_set(err, PDB_E_NOTFOUND, "incident Q123 does not exist");
}

static enum pdb_rc tool_structured(struct mcp_call *c, const cJSON *args, void *ud,
                                   struct pdb_err *err)
{
	cJSON *o = cJSON_CreateObject();

	(void)args;
	(void)ud;
	(void)err;
	if (!o || !cJSON_AddNumberToObject(o, "count", 3)) {
		cJSON_Delete(o);
		return PDB_E_NOMEM;
	}
	if (mcp_call_structured(c, cJSON_CreateArray()) != PDB_E_TYPE)
		return PDB_E_INTERNAL;
	return mcp_call_structured(c, o);
}

static enum pdb_rc tool_progress(struct mcp_call *c, const cJSON *args, void *ud,
                                 struct pdb_err *err)
{
	char text[32];
	enum pdb_rc rc;

	(void)args;
	(void)ud;
	if (mcp_call_progress(c, 0, 100, "start") || mcp_call_progress(c, 50, 100, NULL) ||
	    mcp_call_progress(c, 100, 100, "done"))
		return pdb_err_set(err, PDB_E_INTERNAL, "progress failed");
	/* progress must increase: the core refuses to go back (when there is a token) */
	snprintf(text, sizeof(text), "rc=%d", (int)mcp_call_progress(c, 60, 100, NULL));
	rc = mcp_out_text(mcp_call_out(c), "progressed");
	return rc ? rc : mcp_out_text(mcp_call_out(c), text);
}

static enum pdb_rc tool_logs(struct mcp_call *c, const cJSON *args, void *ud, struct pdb_err *err)
{
	(void)args;
	(void)ud;
	(void)err;
	if (mcp_call_log(c, MCP_LOG_DEBUG, "test", "debug %d", 1) ||
	    mcp_call_log(c, MCP_LOG_INFO, "test", "info %d", 2) ||
	    mcp_call_log(c, MCP_LOG_WARNING, NULL, "warning %d", 3))
		return PDB_E_NOMEM;
	return mcp_out_text(mcp_call_out(c), "logged");
}

/* Ask the client (sampling), answer with what it said. */
static enum pdb_rc tool_ask(struct mcp_call *c, const cJSON *args, void *ud, struct pdb_err *err)
{
	const cJSON *content;
	const char *text = NULL;
	cJSON *params = cJSON_CreateObject(), *result = NULL;
	enum pdb_rc rc;

	(void)args;
	(void)ud;
	if (params)
		cJSON_AddNumberToObject(params, "maxTokens", 10);
	rc = mcp_call_request(c, "sampling/createMessage", params, 0, &result, err);
	if (rc)
		return rc;
	if (jsonx_get_obj(result, "content", &content) || jsonx_get_str(content, "text", &text))
		text = "(no text)";
	rc = mcp_out_text(mcp_call_out(c), text);
	jsonx_free(result);
	return rc;
}

/* Wait until cancelled (at most 5 s). */
static enum pdb_rc tool_block(struct mcp_call *c, const cJSON *args, void *ud, struct pdb_err *err)
{
	int i;

	(void)args;
	(void)ud;
	for (i = 0; i < 500 && !mcp_call_cancelled(c); i++)
		sleep_ms(10);
	return pdb_err_set(err, PDB_E_TIMEOUT, "stopped");
}

#define ECHO_SCHEMA                                                                            \
	"{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","   \
	"\"$defs\":{\"m\":{\"type\":\"string\"}},\"properties\":{\"msg\":{\"$ref\":\"#/$defs/" \
	"m\"}},\"additionalProperties\":false}"

static const struct mcp_tool tools[] = {
    {"echo",
     "Echo",
     "Echo msg back.",
     ECHO_SCHEMA,
     NULL,
     {MCP_HINT_TRUE, MCP_HINT_FALSE, MCP_HINT_TRUE, MCP_HINT_FALSE},
     tool_echo,
     NULL,
     0},
    {"fail", NULL, "Always fails.", NULL, NULL, {0}, tool_fail, NULL, 0},
    {"structured",
     "Structured",
     "Counts.",
     NULL,
     "{\"type\":\"object\",\"properties\":{\"count\":{\"type\":\"integer\"}}}",
     {0},
     tool_structured,
     NULL,
     0},
    {"progress", NULL, "Reports progress.", NULL, NULL, {0}, tool_progress, NULL, 0},
    {"logs", NULL, "Logs at three levels.", NULL, NULL, {0}, tool_logs, NULL, 0},
    {"ask", NULL, "Asks the client.", NULL, NULL, {0}, tool_ask, NULL, 0},
    {"block", NULL, "Waits for cancellation.", NULL, NULL, {0}, tool_block, NULL, 0},
};

static enum pdb_rc r_static(const char *uri, struct mcp_out *out, void *ud, struct pdb_err *err)
{
	(void)ud;
	(void)err;
	return mcp_out_resource_text(out, uri, "text/plain", "static text");
}

static enum pdb_rc r_template(const char *uri, struct mcp_out *out, void *ud, struct pdb_err *err)
{
	(void)ud;
	if (strstr(uri, "/missing/"))
		return pdb_err_set(err, PDB_E_NOTFOUND, "no such item");
	return mcp_out_resource_blob(out, uri, "application/octet-stream", "AAEC");
}

static enum pdb_rc complete_ids(const char *arg, const char *value, struct mcp_out *out, void *ud)
{
	static const char *const ids[] = {"alpha", "beta", "alpine"};
	size_t i;
	enum pdb_rc rc = PDB_OK;

	(void)ud;
	if (strcmp(arg, "arg1") && strcmp(arg, "id"))
		return PDB_OK;
	for (i = 0; i < 3 && !rc; i++)
		if (!strncmp(ids[i], value, strlen(value)))
			rc = mcp_out_value(out, ids[i]);
	return rc;
}

static const struct mcp_resource resources[] = {
    {"test://static", "static", "Static", "A static text.", "text/plain", r_static, NULL},
    {"test://watched", "watched", NULL, NULL, "text/plain", r_static, NULL},
};

static const struct mcp_template templates[] = {
    {"test://item/{id}/data", "item", NULL, "Item data", "application/octet-stream", r_template,
     complete_ids, NULL},
};

static enum pdb_rc p_greet(const cJSON *args, struct mcp_out *out, void *ud, struct pdb_err *err)
{
	const char *a1 = "", *a2 = "";
	char text[256];
	enum pdb_rc rc;

	(void)ud;
	(void)err;
	if (jsonx_get_str(args, "arg1", &a1) || jsonx_get_str(args, "arg2", &a2))
		a2 = "-";
	snprintf(text, sizeof(text), "hello %s and %s", a1, a2);
	rc = mcp_out_text(out, text);
	mcp_out_role(out, MCP_ROLE_ASSISTANT);
	if (!rc)
		rc = mcp_out_image(out, "iVBORw0KGgo=", "image/png");
	return rc;
}

static const struct mcp_prompt_arg greet_args[] = {
    {"arg1", "First", true},
    {"arg2", "Second", false},
};

static const struct mcp_prompt prompts[] = {
    {"greet", "Greet", "Greets two names.", greet_args, 2, p_greet, complete_ids, NULL},
};

static struct mcp_conf base_conf(void)
{
	struct mcp_conf c = {
	    .name = "test-server",
	    .version = "1.2.3",
	    .title = "Test Server",
	    .tools = tools,
	    .n_tools = PDB_N_OF(tools),
	    .resources = resources,
	    .n_resources = 2,
	    .templates = templates,
	    .n_templates = 1,
	    .prompts = prompts,
	    .n_prompts = 1,
	    .exec = fake_exec,
	};
	return c;
}

/* --- lifecycle ----------------------------------------------------------------------- */

static void versions_are_negotiated_exactly(void)
{
	static const char *const asked[] = {"2024-11-05", "2025-03-26", "2025-06-18",
	                                    "2025-11-25", "1999-01-01", "2026-07-28"};
	static const char *const got[] = {"2024-11-05", "2025-03-26", "2025-06-18",
	                                  "2025-11-25", "2025-11-25", "2025-11-25"};
	struct mcp_conf c = base_conf();
	size_t i;

	for (i = 0; i < 6; i++) {
		struct fx f;
		cJSON *r;

		T_CHECK(fx_open(&f, &c));
		r = fx_rpc(&f,
		           "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
		           "\"protocolVersion\":\"%s\",\"capabilities\":{},\"clientInfo\":{"
		           "\"name\":\"c\",\"version\":\"1\"}}}",
		           asked[i]);
		T_CHECK(r);
		T_EQ_STR(str_at(r, "result.protocolVersion"), got[i]);
		T_EQ_STR(str_at(r, "result.serverInfo.name"), "test-server");
		T_CHECK(at(r, "result.capabilities.tools"));
		T_CHECK(at(r, "result.capabilities.logging"));
		T_CHECK(cJSON_IsTrue(at(r, "result.capabilities.resources.subscribe")));
		T_CHECK(at(r, "result.capabilities.prompts"));
		/* completions: a 2025-03-26 capability */
		T_EQ_INT(at(r, "result.capabilities.completions") != NULL, i > 0);
		/* Implementation.title: 2025-06-18 on */
		T_EQ_INT(at(r, "result.serverInfo.title") != NULL, i > 1);
		T_CHECK(mcp_session_initialized(f.s));
		jsonx_free(r);
		fx_close(&f);
	}
	T_CHECK(mcp_version_supported("2025-03-26"));
	T_CHECK(!mcp_version_supported("2024-10-07"));
	T_CHECK(!mcp_version_supported(NULL));
}

static void initialize_errors(void)
{
	struct mcp_conf c = base_conf();
	struct fx f;
	cJSON *r;

	T_CHECK(fx_open(&f, &c));
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}");
	T_EQ_INT(err_code(r), RPC_INVALID_PARAMS);
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
	               "\"protocolVersion\":20250618}}");
	T_EQ_INT(err_code(r), RPC_INVALID_PARAMS);
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
	               "\"protocolVersion\":\"2025-06-18\",\"capabilities\":[]}}");
	T_EQ_INT(err_code(r), RPC_INVALID_PARAMS);
	jsonx_free(r);
	T_CHECK(!mcp_session_initialized(f.s));
	/* before initialize: ping only */
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
	T_EQ_INT(err_code(r), RPC_INVALID_REQUEST);
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}");
	T_CHECK(cJSON_IsObject(result_of(r)));
	jsonx_free(r);
	T_CHECK(fx_init(&f, "2025-06-18", "{}"));
	/* twice */
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"initialize\",\"params\":{"
	               "\"protocolVersion\":\"2025-06-18\"}}");
	T_EQ_INT(err_code(r), RPC_INVALID_REQUEST);
	jsonx_free(r);
	fx_close(&f);
}

static void ping_unknown_methods_and_notifications(void)
{
	struct mcp_conf c = base_conf();
	struct fx f;
	cJSON *r;

	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-11-25", "{}"));
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"ping\"}");
	T_EQ_STR(str_at(r, "id"), "p");
	T_EQ_INT(cJSON_GetArraySize(result_of(r)), 0);
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"nosuch/method\"}");
	T_EQ_INT(err_code(r), RPC_METHOD_NOT_FOUND);
	T_EQ_INT(at(r, "id")->valueint, 5);
	jsonx_free(r);
	/* notifications are never answered, known or not */
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"method\":\"nosuch/notification\"}"));
	T_CHECK(!f.res.reply);
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
	                    "\"params\":{\"requestId\":999}}"));
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\"}"));
	/* params must be an object for MCP */
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/list\",\"params\":[]}");
	T_EQ_INT(err_code(r), RPC_INVALID_PARAMS);
	jsonx_free(r);
	/* a response nobody waits for is dropped silently */
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":77,\"result\":{}}"));
	T_CHECK(!f.res.reply);
	fx_close(&f);
}

static void bad_input_is_answered_not_fatal(void)
{
	static const char *const texts[] = {
	    "{",
	    "not json",
	    "[1,",
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} trailing",
	    "\"a string\"",
	    "42",
	    "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}",
	    "{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"ping\"}",
	};
	static const char nul[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\0\"method\":\"ping\"}";
	struct mcp_conf c = base_conf();
	struct fx f;
	size_t i;
	cJSON *r;

	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-11-25", "{}"));
	for (i = 0; i < PDB_N_OF(texts); i++) {
		r = fx_rpc(&f, "%s", texts[i]);
		T_CHECK(r);
		T_CHECK(f.res.bad_input);
		T_CHECK(err_code(r) == RPC_PARSE_ERROR || err_code(r) == RPC_INVALID_REQUEST);
		T_CHECK(cJSON_IsNull(at(r, "id")));
		jsonx_free(r);
	}
	buf_reset(&f.out);
	f.res = mcp_handle(f.s, nul, sizeof(nul) - 1, 1, &f.out);
	T_CHECK(f.res.reply && f.res.bad_input);
	T_CHECK(strstr(buf_cstr(&f.out), "-32700"));
	/* and the session still works */
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}");
	T_CHECK(result_of(r));
	jsonx_free(r);
	fx_close(&f);
}

/* --- batches ------------------------------------------------------------------------- */

static void batches_only_under_2025_03_26(void)
{
	static const char *const versions[] = {"2024-11-05", "2025-06-18", "2025-11-25"};
	struct mcp_conf c = base_conf();
	struct fx f;
	size_t i;
	cJSON *r;

	for (i = 0; i < 3; i++) {
		T_CHECK(fx_open(&f, &c));
		T_CHECK(fx_init(&f, versions[i], "{}"));
		r = fx_rpc(&f, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]");
		T_EQ_INT(err_code(r), RPC_INVALID_REQUEST);
		T_CHECK(f.res.bad_input);
		jsonx_free(r);
		fx_close(&f);
	}
	T_CHECK(fx_open(&f, &c));
	/* not before initialize either */
	r = fx_rpc(&f, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]");
	T_EQ_INT(err_code(r), RPC_INVALID_REQUEST);
	jsonx_free(r);
	T_CHECK(fx_init(&f, "2025-03-26", "{}"));
	r = fx_rpc(&f, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
	               "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"},"
	               "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"nosuch\"},"
	               "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"initialize\",\"params\":{}},"
	               "7,"
	               "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{"
	               "\"name\":\"echo\",\"arguments\":{\"msg\":\"b\"}}}]");
	T_CHECK(cJSON_IsArray(r));
	T_EQ_INT(cJSON_GetArraySize(r), 4); /* ping, nosuch, initialize, 7; the call is deferred */
	T_EQ_INT(at(r, "0.id")->valueint, 1);
	T_EQ_INT(err_code(at(r, "1")), RPC_METHOD_NOT_FOUND);
	T_EQ_INT(err_code(at(r, "2")), RPC_INVALID_REQUEST);
	T_EQ_INT(err_code(at(r, "3")), RPC_INVALID_REQUEST);
	T_EQ_INT(f.res.deferred, 1);
	jsonx_free(r);
	run_jobs();
	T_EQ_INT(sent_wait(1), 1);
	T_CHECK(tr.v[0].flags & MCP_SEND_FINAL);
	T_CHECK(strstr(tr.v[0].msg, "\"id\":4"));
	/* only notifications: no reply at all */
	T_CHECK(!fx_rpc(&f, "[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"}]"));
	T_CHECK(!f.res.reply);
	r = fx_rpc(&f, "[]");
	T_EQ_INT(err_code(r), RPC_INVALID_REQUEST);
	jsonx_free(r);
	fx_close(&f);
}

/* --- tools -------------------------------------------------------------------------- */

static void tools_list_keeps_schemas_verbatim_and_shapes_by_version(void)
{
	struct mcp_conf c = base_conf();
	struct fx f;
	cJSON *r, *want = NULL;
	struct pdb_err e;

	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-11-25", "{}"));
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
	T_EQ_INT(cJSON_GetArraySize(at(r, "result.tools")), 7);
	T_CHECK(!at(r, "result.nextCursor"));
	T_EQ_STR(str_at(r, "result.tools.0.name"), "echo");
	T_EQ_STR(str_at(r, "result.tools.0.title"), "Echo");
	T_EQ_STR(str_at(r, "result.tools.0.description"), "Echo msg back.");
	T_EQ_INT(jsonx_parse(ECHO_SCHEMA, strlen(ECHO_SCHEMA), &want, &e), PDB_OK);
	T_CHECK(cJSON_Compare(at(r, "result.tools.0.inputSchema"), want, true));
	jsonx_free(want);
	T_EQ_STR(str_at(r, "result.tools.0.inputSchema.$schema"),
	         "https://json-schema.org/draft/2020-12/schema");
	T_CHECK(cJSON_IsTrue(at(r, "result.tools.0.annotations.readOnlyHint")));
	T_CHECK(cJSON_IsFalse(at(r, "result.tools.0.annotations.destructiveHint")));
	T_CHECK(!at(r, "result.tools.1.annotations")); /* none set: none sent */
	T_EQ_STR(str_at(r, "result.tools.1.inputSchema.type"), "object");
	T_CHECK(at(r, "result.tools.2.outputSchema"));
	jsonx_free(r);
	fx_close(&f);

	/* 2025-03-26: annotations (with the title inside), no outputSchema */
	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-03-26", "{}"));
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
	T_CHECK(!at(r, "result.tools.0.title"));
	T_EQ_STR(str_at(r, "result.tools.0.annotations.title"), "Echo");
	T_CHECK(!at(r, "result.tools.2.outputSchema"));
	jsonx_free(r);
	fx_close(&f);

	/* 2024-11-05: neither */
	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2024-11-05", "{}"));
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
	T_CHECK(!at(r, "result.tools.0.annotations"));
	T_CHECK(!at(r, "result.tools.0.title"));
	jsonx_free(r);
	fx_close(&f);
}

/* Items of list @key in @r, or -1 when @r is no result. */
static int list_size(const cJSON *r, const char *key)
{
	char path[64];

	snprintf(path, sizeof(path), "result.%s", key);
	return at(r, path) ? cJSON_GetArraySize(at(r, path)) : -1;
}

static void pagination_follows_opaque_cursors(void)
{
	static const char *const bad[] = {"\"x\"",  "\"t\"",   "\"t0\"", "\"t7\"", "\"t99\"",
	                                  "\"r2\"", "\"t2x\"", "5",      "\"t-2\""};
	struct mcp_conf c = base_conf();
	char cursor[32] = "";
	struct fx f;
	int pages = 0, seen = 0;
	size_t i;
	cJSON *r;

	c.page_size = 1;
	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-11-25", "{}"));
	/* tools/list: every tool in one page, whatever the page size */
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
	T_EQ_INT(list_size(r, "tools"), 7);
	T_CHECK(!at(r, "result.nextCursor"));
	jsonx_free(r);
	/* a cursor from a server that paged still names where to start */
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\","
	               "\"params\":{\"cursor\":\"t3\"}}");
	T_EQ_INT(list_size(r, "tools"), 4);
	T_CHECK(!at(r, "result.nextCursor"));
	jsonx_free(r);
	/* the other lists page, and their cursors lead through every item */
	do {
		if (cursor[0])
			r = fx_rpc(&f,
			           "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/list\","
			           "\"params\":{\"cursor\":\"%s\"}}",
			           cursor);
		else
			r = fx_rpc(&f,
			           "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/list\"}");
		T_CHECK(r);
		seen += list_size(r, "resources");
		snprintf(cursor, sizeof(cursor), "%s",
		         str_at(r, "result.nextCursor") ? str_at(r, "result.nextCursor") : "");
		pages++;
		jsonx_free(r);
	} while (cursor[0] && pages < 10);
	T_EQ_INT(pages, 2);
	T_EQ_INT(seen, 2);
	for (i = 0; i < PDB_N_OF(bad); i++) {
		r = fx_rpc(&f,
		           "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{"
		           "\"cursor\":%s}}",
		           bad[i]);
		if (err_code(r) != RPC_INVALID_PARAMS) {
			jsonx_free(r);
			t_fail(__FILE__, __LINE__, "cursor %s accepted", bad[i]);
			break;
		}
		jsonx_free(r);
	}
	/* a null cursor is the first page */
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/list\",\"params\":{"
	               "\"cursor\":null}}");
	T_EQ_INT(cJSON_GetArraySize(at(r, "result.prompts")), 1);
	jsonx_free(r);
	fx_close(&f);
}

static void tools_call_errors_are_protocol_errors(void)
{
	struct mcp_conf c = base_conf();
	struct fx f;
	cJSON *r;

	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-11-25", "{}"));
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
	               "\"name\":\"nosuch\"}}");
	T_EQ_INT(err_code(r), RPC_INVALID_PARAMS);
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{}}");
	T_EQ_INT(err_code(r), RPC_INVALID_PARAMS);
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{"
	               "\"name\":\"echo\",\"arguments\":[1]}}");
	T_EQ_INT(err_code(r), RPC_INVALID_PARAMS);
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{"
	               "\"name\":\"echo\",\"_meta\":{\"progressToken\":true}}}");
	T_EQ_INT(err_code(r), RPC_INVALID_PARAMS);
	jsonx_free(r);
	T_EQ_INT(ex.n, 0);
	fx_close(&f);
}

static void tools_call_results_arrive_through_send(void)
{
	struct mcp_conf c = base_conf();
	struct fx f;
	cJSON *r;

	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-06-18", "{}"));
	T_CHECK(!fx_rpc(&f,
	                "{\"jsonrpc\":\"2.0\",\"id\":\"c1\",\"method\":\"tools/call\","
	                "\"params\":{\"name\":\"echo\",\"arguments\":{\"msg\":\"hi\\nthere\"}}}"));
	T_EQ_INT(f.res.deferred, 1);
	T_CHECK(!f.res.reply);
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
	                    "\"name\":\"fail\"}}"));
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{"
	                    "\"name\":\"structured\",\"arguments\":null}}"));
	T_EQ_INT(tr.n, 0); /* nothing until the worker runs */
	run_jobs();
	T_EQ_INT(sent_wait(3), 3);
	r = sent_json(0);
	T_EQ_INT(tr.v[0].stream, 1);
	T_CHECK(tr.v[0].flags & MCP_SEND_FINAL);
	T_CHECK(!strchr(tr.v[0].msg, '\n'));
	T_EQ_STR(str_at(r, "id"), "c1");
	T_EQ_STR(str_at(r, "result.content.0.type"), "text");
	T_EQ_STR(str_at(r, "result.content.0.text"), "hi\nthere");
	T_CHECK(!at(r, "result.isError"));
	jsonx_free(r);
	r = sent_json(1);
	T_CHECK(cJSON_IsTrue(at(r, "result.isError")));
	T_EQ_STR(str_at(r, "result.content.0.text"), "incident Q123 does not exist");
	jsonx_free(r);
	r = sent_json(2);
	T_EQ_INT(at(r, "result.structuredContent.count")->valueint, 3);
	T_EQ_STR(str_at(r, "result.content.0.text"), "{\"count\":3}");
	jsonx_free(r);
	fx_close(&f);

	/* 2025-03-26 has no structuredContent: the text block only */
	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-03-26", "{}"));
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{"
	                    "\"name\":\"structured\"}}"));
	run_jobs();
	r = sent_json(0);
	T_CHECK(!at(r, "result.structuredContent"));
	T_EQ_STR(str_at(r, "result.content.0.text"), "{\"count\":3}");
	jsonx_free(r);
	fx_close(&f);
}

static void in_flight_calls_are_bounded(void)
{
	struct mcp_conf c = base_conf();
	struct fx f;
	cJSON *r;
	int i;

	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-11-25", "{}"));
	for (i = 0; i < PDB_MCP_INFLIGHT_MAX; i++) {
		T_CHECK(!fx_rpc(&f,
		                "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\","
		                "\"params\":{\"name\":\"echo\"}}",
		                i));
		T_EQ_INT(f.res.deferred, 1);
	}
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":100,\"method\":\"tools/call\",\"params\":{"
	               "\"name\":\"echo\"}}");
	T_EQ_INT(err_code(r), RPC_SERVER_ERROR);
	jsonx_free(r);
	run_jobs();
	T_EQ_INT(sent_wait(PDB_MCP_INFLIGHT_MAX), PDB_MCP_INFLIGHT_MAX);
	/* room again; and an id still in flight cannot be reused */
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{"
	                    "\"name\":\"echo\"}}"));
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{"
	               "\"name\":\"echo\"}}");
	T_EQ_INT(err_code(r), RPC_INVALID_REQUEST);
	jsonx_free(r);
	fx_close(&f);
}

static void a_full_executor_answers_server_busy(void)
{
	struct mcp_conf c = base_conf();
	struct fx f;
	cJSON *r;

	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-11-25", "{}"));
	ex.busy = true;
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
	               "\"name\":\"echo\"}}");
	T_EQ_INT(f.res.deferred, 0);
	T_CHECK(cJSON_IsTrue(at(r, "result.isError")));
	T_CHECK(strstr(str_at(r, "result.content.0.text"), "busy"));
	jsonx_free(r);
	fx_close(&f);
}

static void cancellation_suppresses_the_result(void)
{
	struct mcp_conf c = base_conf();
	struct fx f;

	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-11-25", "{}"));
	/* cancelled before it ran: the handler never runs, a silent FINAL ends it */
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"tools/call\","
	                    "\"params\":{\"name\":\"echo\"}}"));
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
	                    "\"params\":{\"requestId\":\"x\",\"reason\":\"user\"}}"));
	run_jobs();
	T_EQ_INT(sent_wait(1), 1);
	T_CHECK(!tr.v[0].msg);
	T_EQ_INT(tr.v[0].flags, MCP_SEND_FINAL);
	sent_clear();
	/* cancelled while running, on a real thread */
	ex.threaded = true;
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\","
	                    "\"params\":{\"name\":\"block\"}}"));
	sleep_ms(20);
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
	                    "\"params\":{\"requestId\":9}}"));
	T_EQ_INT(sent_wait(1), 1);
	T_CHECK(!tr.v[0].msg);
	join_threads();
	/* cancelling by stream (the HTTP response went away) */
	sent_clear();
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/call\","
	                    "\"params\":{\"name\":\"block\"}}"));
	sleep_ms(20);
	mcp_session_cancel_stream(f.s, 2); /* another stream: no effect */
	mcp_session_cancel_stream(f.s, 1);
	T_EQ_INT(sent_wait(1), 1);
	T_CHECK(!tr.v[0].msg);
	join_threads();
	fx_close(&f);
}

static void progress_goes_with_the_token(void)
{
	struct mcp_conf c = base_conf();
	struct fx f;
	cJSON *r;
	int i;

	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-11-25", "{}"));
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
	                    "\"name\":\"progress\",\"_meta\":{\"progressToken\":\"p-1\"}}}"));
	run_jobs();
	T_EQ_INT(sent_wait(4), 4);
	for (i = 0; i < 3; i++) {
		r = sent_json(i);
		T_EQ_STR(str_at(r, "method"), "notifications/progress");
		T_EQ_STR(str_at(r, "params.progressToken"), "p-1");
		T_EQ_INT(at(r, "params.progress")->valueint, i * 50);
		T_EQ_INT(at(r, "params.total")->valueint, 100);
		T_EQ_INT(tr.v[i].flags, 0);
		T_EQ_INT(tr.v[i].stream, 1);
		jsonx_free(r);
	}
	r = sent_json(0);
	T_EQ_STR(str_at(r, "params.message"), "start");
	jsonx_free(r);
	r = sent_json(3);
	T_EQ_STR(str_at(r, "result.content.0.text"), "progressed");
	T_EQ_STR(str_at(r, "result.content.1.text"), "rc=7"); /* PDB_E_RANGE */
	jsonx_free(r);
	sent_clear();
	/* integer token; and without a token nothing but the result */
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
	                    "\"name\":\"progress\",\"_meta\":{\"progressToken\":42}}}"));
	run_jobs();
	r = sent_json(0);
	T_EQ_INT(at(r, "params.progressToken")->valueint, 42);
	jsonx_free(r);
	sent_clear();
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{"
	                    "\"name\":\"progress\"}}"));
	run_jobs();
	T_EQ_INT(sent_wait(1), 1);
	T_CHECK(tr.v[0].flags & MCP_SEND_FINAL);
	r = sent_json(0);
	T_EQ_STR(str_at(r, "result.content.1.text"), "rc=0"); /* no token: nothing to check */
	jsonx_free(r);
	fx_close(&f);
}

static void log_notifications_respect_the_level(void)
{
	struct mcp_conf c = base_conf();
	struct fx f;
	cJSON *r;

	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-11-25", "{}"));
	/* default: info and above */
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
	                    "\"name\":\"logs\"}}"));
	run_jobs();
	T_EQ_INT(sent_wait(3), 3);
	r = sent_json(0);
	T_EQ_STR(str_at(r, "method"), "notifications/message");
	T_EQ_STR(str_at(r, "params.level"), "info");
	T_EQ_STR(str_at(r, "params.logger"), "test");
	T_EQ_STR(str_at(r, "params.data"), "info 2");
	jsonx_free(r);
	sent_clear();
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"logging/setLevel\",\"params\":{"
	               "\"level\":\"debug\"}}");
	T_CHECK(cJSON_IsObject(result_of(r)));
	jsonx_free(r);
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{"
	                    "\"name\":\"logs\"}}"));
	run_jobs();
	T_EQ_INT(sent_wait(4), 4);
	sent_clear();
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"logging/setLevel\",\"params\":{"
	               "\"level\":\"warning\"}}");
	jsonx_free(r);
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{"
	                    "\"name\":\"logs\"}}"));
	run_jobs();
	T_EQ_INT(sent_wait(2), 2);
	r = sent_json(0);
	T_EQ_STR(str_at(r, "params.level"), "warning");
	T_CHECK(!at(r, "params.logger"));
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"logging/setLevel\",\"params\":{"
	               "\"level\":\"loud\"}}");
	T_EQ_INT(err_code(r), RPC_INVALID_PARAMS);
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"logging/setLevel\",\"params\":{"
	               "\"level\":3}}");
	T_EQ_INT(err_code(r), RPC_INVALID_PARAMS);
	jsonx_free(r);
	fx_close(&f);
}

/* --- server-to-client requests -------------------------------------------------- */

/* Wait for the sampling request the worker sent and return its id. */
static int64_t pending_request_id(int index)
{
	cJSON *r;
	int64_t id = -1;

	if (sent_wait(index + 1) < index + 1)
		return -1;
	r = sent_json(index);
	if (r && !strcmp(str_at(r, "method"), "sampling/createMessage"))
		id = (int64_t)at(r, "id")->valuedouble;
	jsonx_free(r);
	return id;
}

static void sampling_round_trip(void)
{
	struct mcp_conf c = base_conf();
	struct fx f;
	int64_t id;
	cJSON *r;

	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-11-25", "{\"sampling\":{}}"));
	ex.threaded = true;
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
	                    "\"name\":\"ask\"}}"));
	id = pending_request_id(0);
	T_CHECK(id > 0);
	T_EQ_INT(tr.v[0].flags, 0);
	T_EQ_INT(tr.v[0].stream, 1);
	/* a response with a wrong id is ignored, then the right one completes the call */
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{}}", (long long)id + 5));
	T_CHECK(!fx_rpc(&f,
	                "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"role\":\"assistant\","
	                "\"content\":{\"type\":\"text\",\"text\":\"sampled!\"},\"model\":\"m\"}}",
	                (long long)id));
	T_EQ_INT(sent_wait(2), 2);
	join_threads();
	r = sent_json(1);
	T_EQ_STR(str_at(r, "result.content.0.text"), "sampled!");
	jsonx_free(r);
	sent_clear();
	/* the client answers with an error: a tool error carrying its message */
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
	                    "\"name\":\"ask\"}}"));
	id = pending_request_id(0);
	T_CHECK(!fx_rpc(&f,
	                "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":{\"code\":-1,\"message\":"
	                "\"user rejected\"}}",
	                (long long)id));
	T_EQ_INT(sent_wait(2), 2);
	join_threads();
	r = sent_json(1);
	T_CHECK(cJSON_IsTrue(at(r, "result.isError")));
	T_CHECK(strstr(str_at(r, "result.content.0.text"), "user rejected"));
	jsonx_free(r);
	fx_close(&f);
}

static void server_requests_need_the_capability_and_time_out(void)
{
	struct mcp_conf c = base_conf();
	struct fx f;
	cJSON *r;

	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-11-25", "{\"elicitation\":{}}"));
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
	                    "\"name\":\"ask\"}}"));
	run_jobs();
	r = sent_json(0); /* no request went out: the result says why */
	T_CHECK(cJSON_IsTrue(at(r, "result.isError")));
	T_CHECK(strstr(str_at(r, "result.content.0.text"), "does not support"));
	jsonx_free(r);
	fx_close(&f);

	c.request_timeout_ms = 50;
	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-11-25", "{\"sampling\":{}}"));
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
	                    "\"name\":\"ask\"}}"));
	run_jobs(); /* on this thread: nobody answers, so it times out */
	T_EQ_INT(tr.n, 2);
	r = sent_json(1);
	T_CHECK(cJSON_IsTrue(at(r, "result.isError")));
	T_CHECK(strstr(str_at(r, "result.content.0.text"), "no answer"));
	jsonx_free(r);
	fx_close(&f);
}

static void closing_the_session_releases_a_waiting_worker(void)
{
	struct mcp_conf c = base_conf();
	struct fx f;
	int n;

	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-11-25", "{\"sampling\":{}}"));
	ex.threaded = true;
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
	                    "\"name\":\"ask\"}}"));
	T_CHECK(!fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
	                    "\"name\":\"block\"}}"));
	T_CHECK(pending_request_id(0) > 0);
	mcp_session_close(f.s); /* the worker still holds the session */
	f.s = NULL;
	join_threads(); /* both workers return promptly, sending nothing */
	n = tr.n;
	T_EQ_INT(n, 1); /* only the sampling request went out */
	mcp_server_free(f.srv);
	buf_free(&f.out);
	sent_clear();
}

/* --- resources, prompts, completion --------------------------------------------- */

static void resources_list_read_and_templates(void)
{
	struct mcp_conf c = base_conf();
	char uri[PDB_MCP_URI_MAX + 16];
	struct fx f;
	cJSON *r;

	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-11-25", "{}"));
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/list\"}");
	T_EQ_INT(cJSON_GetArraySize(at(r, "result.resources")), 2);
	T_EQ_STR(str_at(r, "result.resources.0.uri"), "test://static");
	T_EQ_STR(str_at(r, "result.resources.0.name"), "static");
	T_EQ_STR(str_at(r, "result.resources.0.mimeType"), "text/plain");
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/templates/list\"}");
	T_EQ_STR(str_at(r, "result.resourceTemplates.0.uriTemplate"), "test://item/{id}/data");
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\",\"params\":{"
	               "\"uri\":\"test://static\"}}");
	T_EQ_STR(str_at(r, "result.contents.0.uri"), "test://static");
	T_EQ_STR(str_at(r, "result.contents.0.text"), "static text");
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/read\",\"params\":{"
	               "\"uri\":\"test://item/123/data\"}}");
	T_EQ_STR(str_at(r, "result.contents.0.uri"), "test://item/123/data");
	T_EQ_STR(str_at(r, "result.contents.0.blob"), "AAEC");
	jsonx_free(r);
	/* unknown: -32002 with data.uri; the template's own "not found" likewise */
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/read\",\"params\":{"
	               "\"uri\":\"test://nope\"}}");
	T_EQ_INT(err_code(r), RPC_RESOURCE_NOT_FOUND);
	T_EQ_STR(str_at(r, "error.data.uri"), "test://nope");
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"resources/read\",\"params\":{"
	               "\"uri\":\"test://item/missing/data\"}}");
	T_EQ_INT(err_code(r), RPC_RESOURCE_NOT_FOUND);
	jsonx_free(r);
	/* a template variable never matches empty or across '/' */
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"resources/read\",\"params\":{"
	               "\"uri\":\"test://item//data\"}}");
	T_EQ_INT(err_code(r), RPC_RESOURCE_NOT_FOUND);
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"resources/read\",\"params\":{"
	               "\"uri\":\"test://item/a/b/data\"}}");
	T_EQ_INT(err_code(r), RPC_RESOURCE_NOT_FOUND);
	jsonx_free(r);
	r = fx_rpc(&f,
	           "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"resources/read\",\"params\":{}}");
	T_EQ_INT(err_code(r), RPC_INVALID_PARAMS);
	jsonx_free(r);
	memset(uri, 'a', sizeof(uri) - 1);
	uri[sizeof(uri) - 1] = '\0';
	r = fx_rpc(&f,
	           "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"resources/read\",\"params\":{"
	           "\"uri\":\"%s\"}}",
	           uri);
	T_EQ_INT(err_code(r), RPC_INVALID_PARAMS);
	jsonx_free(r);
	fx_close(&f);
}

static void subscriptions_route_updates(void)
{
	struct mcp_conf c = base_conf();
	struct mcp_session *other;
	struct fx f;
	cJSON *r;

	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-11-25", "{}"));
	T_EQ_INT(mcp_session_new(f.srv, fake_send, NULL, &other), PDB_OK);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/subscribe\","
	               "\"params\":{\"uri\":\"test://watched\"}}");
	T_CHECK(cJSON_IsObject(result_of(r)));
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/subscribe\","
	               "\"params\":{\"uri\":\"test://watched\"}}"); /* twice is fine */
	T_CHECK(cJSON_IsObject(result_of(r)));
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/subscribe\","
	               "\"params\":{\"uri\":\"test://nope\"}}");
	T_EQ_INT(err_code(r), RPC_RESOURCE_NOT_FOUND);
	jsonx_free(r);
	mcp_resource_updated(f.srv, "test://watched");
	mcp_resource_updated(f.srv, "test://static"); /* nobody subscribed */
	T_EQ_INT(tr.n, 1);                            /* one session, once */
	r = sent_json(0);
	T_EQ_STR(str_at(r, "method"), "notifications/resources/updated");
	T_EQ_STR(str_at(r, "params.uri"), "test://watched");
	T_EQ_INT(tr.v[0].stream, 0); /* session level */
	jsonx_free(r);
	sent_clear();
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/unsubscribe\","
	               "\"params\":{\"uri\":\"test://watched\"}}");
	T_CHECK(cJSON_IsObject(result_of(r)));
	jsonx_free(r);
	mcp_resource_updated(f.srv, "test://watched");
	T_EQ_INT(tr.n, 0);
	mcp_session_close(other);
	fx_close(&f);
}

static void subscriptions_are_bounded(void)
{
	struct mcp_conf c = base_conf();
	struct fx f;
	cJSON *r;
	int i, ok = 0;

	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-11-25", "{}"));
	for (i = 0; i <= PDB_MCP_SUBS_MAX; i++) {
		r = fx_rpc(&f,
		           "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"resources/subscribe\","
		           "\"params\":{\"uri\":\"test://item/%d/data\"}}",
		           i, i);
		ok += result_of(r) != NULL;
		if (i == PDB_MCP_SUBS_MAX)
			T_EQ_INT(err_code(r), RPC_INVALID_REQUEST);
		jsonx_free(r);
	}
	T_EQ_INT(ok, PDB_MCP_SUBS_MAX);
	fx_close(&f);
}

static void prompts_list_and_get(void)
{
	struct mcp_conf c = base_conf();
	struct fx f;
	cJSON *r;

	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-11-25", "{}"));
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/list\"}");
	T_EQ_STR(str_at(r, "result.prompts.0.name"), "greet");
	T_EQ_STR(str_at(r, "result.prompts.0.description"), "Greets two names.");
	T_EQ_STR(str_at(r, "result.prompts.0.arguments.0.name"), "arg1");
	T_CHECK(cJSON_IsTrue(at(r, "result.prompts.0.arguments.0.required")));
	T_CHECK(cJSON_IsFalse(at(r, "result.prompts.0.arguments.1.required")));
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"prompts/get\",\"params\":{"
	               "\"name\":\"greet\",\"arguments\":{\"arg1\":\"ann\",\"arg2\":\"bob\"}}}");
	T_EQ_STR(str_at(r, "result.messages.0.role"), "user");
	T_EQ_STR(str_at(r, "result.messages.0.content.text"), "hello ann and bob");
	T_EQ_STR(str_at(r, "result.messages.1.role"), "assistant");
	T_EQ_STR(str_at(r, "result.messages.1.content.type"), "image");
	T_EQ_STR(str_at(r, "result.description"), "Greets two names.");
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"prompts/get\",\"params\":{"
	               "\"name\":\"greet\",\"arguments\":{\"arg2\":\"bob\"}}}");
	T_EQ_INT(err_code(r), RPC_INVALID_PARAMS); /* arg1 is required */
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"prompts/get\",\"params\":{"
	               "\"name\":\"greet\"}}");
	T_EQ_INT(err_code(r), RPC_INVALID_PARAMS);
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"prompts/get\",\"params\":{"
	               "\"name\":\"nosuch\"}}");
	T_EQ_INT(err_code(r), RPC_INVALID_PARAMS);
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"prompts/get\",\"params\":{"
	               "\"name\":\"greet\",\"arguments\":{\"arg1\":7}}}");
	T_EQ_INT(err_code(r), RPC_INVALID_PARAMS);
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"prompts/get\",\"params\":{"
	               "\"name\":\"greet\",\"arguments\":\"x\"}}");
	T_EQ_INT(err_code(r), RPC_INVALID_PARAMS);
	jsonx_free(r);
	fx_close(&f);
}

static void completion_complete(void)
{
	struct mcp_conf c = base_conf();
	struct fx f;
	cJSON *r;

	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-11-25", "{}"));
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"completion/complete\","
	               "\"params\":{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"greet\"},"
	               "\"argument\":{\"name\":\"arg1\",\"value\":\"al\"}}}");
	T_EQ_INT(cJSON_GetArraySize(at(r, "result.completion.values")), 2);
	T_EQ_STR(str_at(r, "result.completion.values.1"), "alpine");
	T_CHECK(cJSON_IsFalse(at(r, "result.completion.hasMore")));
	jsonx_free(r);
	r = fx_rpc(&f,
	           "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"completion/complete\","
	           "\"params\":{\"ref\":{\"type\":\"ref/resource\",\"uri\":"
	           "\"test://item/{id}/data\"},\"argument\":{\"name\":\"id\",\"value\":\"b\"}}}");
	T_EQ_STR(str_at(r, "result.completion.values.0"), "beta");
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"completion/complete\","
	               "\"params\":{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"nosuch\"},"
	               "\"argument\":{\"name\":\"a\",\"value\":\"\"}}}");
	T_EQ_INT(err_code(r), RPC_INVALID_PARAMS);
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"completion/complete\","
	               "\"params\":{\"ref\":{\"type\":\"ref/other\"},\"argument\":{\"name\":\"a\","
	               "\"value\":\"\"}}}");
	T_EQ_INT(err_code(r), RPC_INVALID_PARAMS);
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"completion/complete\","
	               "\"params\":{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"greet\"}}}");
	T_EQ_INT(err_code(r), RPC_INVALID_PARAMS);
	jsonx_free(r);
	fx_close(&f);
}

static void undeclared_capabilities_are_unknown_methods(void)
{
	struct mcp_conf c = base_conf();
	struct fx f;
	cJSON *r;

	c.n_resources = c.n_templates = c.n_prompts = 0;
	T_CHECK(fx_open(&f, &c));
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
	               "\"protocolVersion\":\"2025-11-25\"}}");
	T_CHECK(!at(r, "result.capabilities.resources"));
	T_CHECK(!at(r, "result.capabilities.prompts"));
	T_CHECK(!at(r, "result.capabilities.completions"));
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/list\"}");
	T_EQ_INT(err_code(r), RPC_METHOD_NOT_FOUND);
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"prompts/get\",\"params\":{}}");
	T_EQ_INT(err_code(r), RPC_METHOD_NOT_FOUND);
	jsonx_free(r);
	r = fx_rpc(&f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"completion/complete\"}");
	T_EQ_INT(err_code(r), RPC_METHOD_NOT_FOUND);
	jsonx_free(r);
	fx_close(&f);
}

static void bad_tables_are_refused(void)
{
	static const struct mcp_tool bad_name[] = {
	    {"has space", NULL, "d", NULL, NULL, {0}, tool_echo, NULL, 0}};
	static const struct mcp_tool bad_schema[] = {
	    {"ok", NULL, "d", "[1,2]", NULL, {0}, tool_echo, NULL, 0}};
	static const struct mcp_tool dup[] = {
	    {"a", NULL, "d", NULL, NULL, {0}, tool_echo, NULL, 0},
	    {"a", NULL, "d", NULL, NULL, {0}, tool_echo, NULL, 0}};
	static const struct mcp_tool no_desc[] = {
	    {"a", NULL, NULL, NULL, NULL, {0}, tool_echo, NULL, 0}};
	struct mcp_conf c = base_conf();
	struct mcp_server *srv;
	struct pdb_err e;

	c.tools = bad_name;
	c.n_tools = 1;
	T_EQ_INT(mcp_server_new(&c, &srv, &e), PDB_E_INVAL);
	c.tools = bad_schema;
	T_EQ_INT(mcp_server_new(&c, &srv, &e), PDB_E_INVAL);
	c.tools = no_desc;
	T_EQ_INT(mcp_server_new(&c, &srv, &e), PDB_E_INVAL);
	c.tools = dup;
	c.n_tools = 2;
	T_EQ_INT(mcp_server_new(&c, &srv, &e), PDB_E_INVAL);
	c = base_conf();
	c.exec = NULL;
	T_EQ_INT(mcp_server_new(&c, &srv, &e), PDB_E_INVAL);
}

static void a_reply_over_the_bound_becomes_an_error(void)
{
	static const char list[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}";
	struct mcp_conf c = base_conf();
	struct fx f;

	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-11-25", "{}"));
	buf_free(&f.out);
	buf_init(&f.out, 200);
	f.res = mcp_handle(f.s, list, strlen(list), 1, &f.out);
	T_CHECK(f.res.reply);
	T_CHECK(strstr(buf_cstr(&f.out), "-32603"));
	T_CHECK(strstr(buf_cstr(&f.out), "too large"));
	fx_close(&f);
}

static void a_batch_reply_over_the_bound_becomes_one_error(void)
{
	static const char batch[] = "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
	                            "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"},"
	                            "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"},"
	                            "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\"}]";
	struct mcp_conf c = base_conf();
	struct pdb_err e;
	cJSON *d = NULL;
	struct fx f;

	T_CHECK(fx_open(&f, &c));
	T_CHECK(fx_init(&f, "2025-03-26", "{}"));
	buf_free(&f.out);
	buf_init(&f.out, 120); /* each reply fits (37 bytes), the four together do not */
	f.res = mcp_handle(f.s, batch, strlen(batch), 1, &f.out);
	T_CHECK(f.res.reply);
	T_EQ_INT(jsonx_parse(buf_cstr(&f.out), buf_len(&f.out), &d, &e), PDB_OK);
	T_CHECK(cJSON_IsObject(d));
	T_EQ_INT(err_code(d), RPC_INTERNAL_ERROR);
	jsonx_free(d);
	fx_close(&f);
}

static void sessions_are_bounded(void)
{
	static struct mcp_session *s[PDB_MCP_SESSIONS_MAX];
	struct mcp_conf c = base_conf();
	struct mcp_server *srv;
	struct mcp_session *extra;
	struct pdb_err e;
	size_t i;

	T_EQ_INT(mcp_server_new(&c, &srv, &e), PDB_OK);
	for (i = 0; i < PDB_MCP_SESSIONS_MAX; i++)
		T_EQ_INT(mcp_session_new(srv, fake_send, NULL, &s[i]), PDB_OK);
	T_EQ_INT(mcp_session_new(srv, fake_send, NULL, &extra), PDB_E_TOO_LARGE);
	for (i = 0; i < PDB_MCP_SESSIONS_MAX; i++)
		mcp_session_close(s[i]);
	mcp_server_free(srv);
}

/* One exchange of the allocation-failure sweep: five messages, ids 1 to 6. */
#define OOM_MSGS 5
#define OOM_IDS  6

static const char *const oom_msgs[OOM_MSGS] = {
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
    "\"protocolVersion\":\"2025-03-26\",\"capabilities\":{}}}",
    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}",
    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\",\"params\":{\"uri\":"
    "\"test://item/5/data\"}}",
    "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"prompts/get\",\"params\":{\"name\":"
    "\"greet\",\"arguments\":{\"arg1\":\"x\"}}}",
    "[{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"},{\"jsonrpc\":\"2.0\",\"id\":6,"
    "\"method\":\"tools/call\",\"params\":{\"name\":\"structured\"}}]",
};

/* What each message's reply answered: per id, 0 nothing, 1 a result, 2 an error. */
struct oom_seen {
	int id[OOM_IDS + 1];
	bool whole_error[OOM_MSGS]; /* an error with a null id: the message as a whole failed */
};

/* Note the responses in @r (an object, or a batch's array) of message @m. */
static bool note_replies(struct oom_seen *seen, size_t m, const cJSON *r)
{
	const cJSON *one = cJSON_IsArray(r) ? r->child : r, *id, *v;
	int kind;

	for (; one; one = cJSON_IsArray(r) ? one->next : NULL) {
		id = cJSON_GetObjectItem(one, "id");
		v = cJSON_GetObjectItem(one, "jsonrpc");
		kind = cJSON_GetObjectItem(one, "result")  ? 1
		       : cJSON_GetObjectItem(one, "error") ? 2
		                                           : 0;
		if (!kind || !id || !cJSON_IsString(v) || strcmp(v->valuestring, "2.0"))
			return false;
		if (cJSON_IsNull(id) && kind == 2)
			seen->whole_error[m] = true;
		else if (cJSON_IsNumber(id) && id->valueint >= 1 && id->valueint <= OOM_IDS)
			seen->id[id->valueint] = kind;
		else
			return false;
	}
	return true;
}

static void oom_exchange(void *ud)
{
	static char replies[OOM_MSGS][8192];
	struct mcp_result res[OOM_MSGS];
	struct oom_seen seen;
	struct pdb_err e;
	struct fx f;
	cJSON *r;
	size_t i, m;
	int id, k;

	memset(&seen, 0, sizeof(seen));
	T_CHECK(fx_open(&f, ud));
	t_oom_arm();
	for (i = 0; i < OOM_MSGS; i++) {
		buf_reset(&f.out);
		res[i] = mcp_handle(f.s, oom_msgs[i], strlen(oom_msgs[i]), 1, &f.out);
		T_CHECK(buf_len(&f.out) < sizeof(replies[i]));
		memcpy(replies[i], buf_cstr(&f.out), buf_len(&f.out) + 1);
	}
	run_jobs(); /* the tools/call, deferred to the executor */
	t_oom_disarm();
	for (i = 0; i < OOM_MSGS; i++) {
		r = NULL;
		T_CHECK(res[i].reply || res[i].deferred);
		if (res[i].reply)
			T_CHECK(!jsonx_parse(replies[i], strlen(replies[i]), &r, &e) &&
			        note_replies(&seen, i, r));
		jsonx_free(r);
	}
	for (k = 0; k < sent_wait(0); k++) { /* the deferred tools/call answers through send */
		r = sent_json(k);
		T_CHECK(!r || note_replies(&seen, OOM_MSGS - 1, r));
		jsonx_free(r);
	}
	/* every request has its answer: its own, or its message's error */
	for (id = 1; id <= OOM_IDS; id++) {
		m = (size_t)(id < OOM_IDS ? id - 1 : OOM_MSGS - 1);
		if (!seen.id[id] && !seen.whole_error[m])
			t_fail(__FILE__, __LINE__, "request %d has no answer", id);
		if (!t_oom_hit() && seen.id[id] != 1)
			t_fail(__FILE__, __LINE__, "request %d failed with no allocation failing",
			       id);
	}
	fx_close(&f);
}

/* Each allocation of a whole exchange failing in turn: every request is answered, never worse. */
static void allocation_failures_are_survived(void)
{
	struct mcp_conf c = base_conf();

	t_oom_sweep(oom_exchange, &c, 5000);
}

static const struct t_case cases[] = {
    {"versions_are_negotiated_exactly", versions_are_negotiated_exactly},
    {"initialize_errors", initialize_errors},
    {"ping_unknown_methods_and_notifications", ping_unknown_methods_and_notifications},
    {"bad_input_is_answered_not_fatal", bad_input_is_answered_not_fatal},
    {"batches_only_under_2025_03_26", batches_only_under_2025_03_26},
    {"tools_list_keeps_schemas_verbatim_and_shapes_by_version",
     tools_list_keeps_schemas_verbatim_and_shapes_by_version},
    {"pagination_follows_opaque_cursors", pagination_follows_opaque_cursors},
    {"tools_call_errors_are_protocol_errors", tools_call_errors_are_protocol_errors},
    {"tools_call_results_arrive_through_send", tools_call_results_arrive_through_send},
    {"in_flight_calls_are_bounded", in_flight_calls_are_bounded},
    {"a_full_executor_answers_server_busy", a_full_executor_answers_server_busy},
    {"cancellation_suppresses_the_result", cancellation_suppresses_the_result},
    {"progress_goes_with_the_token", progress_goes_with_the_token},
    {"log_notifications_respect_the_level", log_notifications_respect_the_level},
    {"sampling_round_trip", sampling_round_trip},
    {"server_requests_need_the_capability_and_time_out",
     server_requests_need_the_capability_and_time_out},
    {"closing_the_session_releases_a_waiting_worker",
     closing_the_session_releases_a_waiting_worker},
    {"resources_list_read_and_templates", resources_list_read_and_templates},
    {"subscriptions_route_updates", subscriptions_route_updates},
    {"subscriptions_are_bounded", subscriptions_are_bounded},
    {"prompts_list_and_get", prompts_list_and_get},
    {"completion_complete", completion_complete},
    {"undeclared_capabilities_are_unknown_methods", undeclared_capabilities_are_unknown_methods},
    {"bad_tables_are_refused", bad_tables_are_refused},
    {"a_reply_over_the_bound_becomes_an_error", a_reply_over_the_bound_becomes_an_error},
    {"a_batch_reply_over_the_bound_becomes_one_error",
     a_batch_reply_over_the_bound_becomes_one_error},
    {"sessions_are_bounded", sessions_are_bounded},
    {"allocation_failures_are_survived", allocation_failures_are_survived},
};

int main(int argc, char **argv)
{
	jsonx_init();
	return t_main(cases, PDB_N_OF(cases), argc, argv);
}
