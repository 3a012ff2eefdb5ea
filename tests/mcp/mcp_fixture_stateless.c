/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mcp_fixture_stateless.c - the fixture tools and prompt that the
 * conformance suite's 2026-07-28 scenarios call (server-stateless and the
 * input-required-result-* ones), added to mcp_fixture.c's tables.
 *
 * The multi round-trip ones ask through mcp_out_ask() and keep their round
 * in a request state (mcp_out_keep()), which the MCP core authenticates;
 * they serve a legacy session an error instead, since that era has no
 * rounds. The names, keys and texts are the ones the scenarios expect.
 */
#include "mcp_fixture.h"

#include <pdbridge/jsonx.h>

#include <cjson/cJSON.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NO_ARGS "{\"type\":\"object\",\"properties\":{}}"

/* A legacy session has no rounds: say so instead of answering half. */
static enum pdb_rc no_rounds(enum pdb_rc rc, struct pdb_err *e)
{
	if (rc == PDB_E_UNSUPPORTED)
		return pdb_err_set(e, rc, "this tool needs protocol 2026-07-28 (input_required)");
	return rc ? pdb_err_set(e, rc, "cannot ask: %s", pdb_strerror(rc)) : PDB_OK;
}

/* Ask for a form of one field @field of JSON type @type. */
static enum pdb_rc ask_form(struct mcp_out *o, const char *key, const char *message,
                            const char *field, const char *type)
{
	cJSON *p = cJSON_CreateObject(), *schema, *props, *f, *req;

	schema = p ? cJSON_AddObjectToObject(p, "requestedSchema") : NULL;
	props = schema ? cJSON_AddObjectToObject(schema, "properties") : NULL;
	f = props ? cJSON_AddObjectToObject(props, field) : NULL;
	req = schema ? cJSON_AddArrayToObject(schema, "required") : NULL;
	if (!f || !req || !cJSON_AddStringToObject(p, "message", message) ||
	    !cJSON_AddStringToObject(schema, "type", "object") ||
	    !cJSON_AddStringToObject(f, "type", type) ||
	    !cJSON_AddItemToArray(req, cJSON_CreateString(field))) {
		cJSON_Delete(p);
		return PDB_E_NOMEM;
	}
	return mcp_out_ask(o, key, "elicitation/create", p);
}

static enum pdb_rc ask_sampling(struct mcp_out *o, const char *key, const char *text)
{
	cJSON *p = cJSON_CreateObject(), *msgs, *m, *c;

	msgs = p ? cJSON_AddArrayToObject(p, "messages") : NULL;
	m = cJSON_CreateObject();
	c = m ? cJSON_AddObjectToObject(m, "content") : NULL;
	if (!msgs || !c || !cJSON_AddStringToObject(m, "role", "user") ||
	    !cJSON_AddStringToObject(c, "type", "text") ||
	    !cJSON_AddStringToObject(c, "text", text) ||
	    !cJSON_AddNumberToObject(p, "maxTokens", 100) || !cJSON_AddItemToArray(msgs, m)) {
		cJSON_Delete(m);
		cJSON_Delete(p);
		return PDB_E_NOMEM;
	}
	return mcp_out_ask(o, key, "sampling/createMessage", p);
}

/* The accepted answer's content.@field (a string), or NULL. */
static const char *answer(const struct mcp_out *o, const char *key, const char *field)
{
	const cJSON *in = mcp_out_input(o, key), *content;
	const char *action, *v;

	if (!in || jsonx_get_str(in, "action", &action) || strcmp(action, "accept") ||
	    jsonx_get_obj(in, "content", &content) || jsonx_get_str(content, field, &v))
		return NULL;
	return v;
}

/* Is the state the previous round kept @want? */
static bool state_is(const struct mcp_out *o, const char *want)
{
	const char *s = mcp_out_state(o);

	return s && !strcmp(s, want);
}

static enum pdb_rc say(struct mcp_out *o, const char *fmt, ...) PDB_PRINTF(2, 3);

static enum pdb_rc say(struct mcp_out *o, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return mcp_out_text(o, text);
}

/* --- server-stateless ---------------------------------------------------------------- */

static enum pdb_rc t_needs_sampling(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	(void)a, (void)ud, (void)e;
	return mcp_out_text(mcp_call_out(c), "The client declared sampling.");
}

static enum pdb_rc t_streaming(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	(void)a, (void)ud;
	if (mcp_call_progress(c, 50, 100, "halfway"))
		return pdb_err_set(e, PDB_E_NOMEM, "cannot report progress");
	return mcp_out_text(mcp_call_out(c), "Streaming complete");
}

static enum pdb_rc t_logging(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	(void)a, (void)ud;
	/* sent only when the request asked for logs at info or below */
	if (mcp_call_log(c, MCP_LOG_INFO, "mcp-fixture", "Diagnostic trace logging activated"))
		return pdb_err_set(e, PDB_E_NOMEM, "cannot log");
	return mcp_out_text(mcp_call_out(c), "Logging evaluated");
}

/* --- input-required-result-* ----------------------------------------------------------- */

static enum pdb_rc t_elicitation(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	struct mcp_out *o = mcp_call_out(c);
	const char *name = answer(o, "user_name", "name");

	(void)a, (void)ud;
	if (name)
		return say(o, "Hello, %s!", name);
	return no_rounds(ask_form(o, "user_name", "What is your name?", "name", "string"), e);
}

static enum pdb_rc t_sampling(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	struct mcp_out *o = mcp_call_out(c);
	const cJSON *in = mcp_out_input(o, "capital_question"), *content;
	const char *text;

	(void)a, (void)ud;
	if (in && !jsonx_get_obj(in, "content", &content) && !jsonx_get_str(content, "text", &text))
		return say(o, "The client's model said: %s", text);
	return no_rounds(ask_sampling(o, "capital_question", "What is the capital of France?"), e);
}

static enum pdb_rc t_roots(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	struct mcp_out *o = mcp_call_out(c);
	const cJSON *roots, *r;
	const char *uri = "(none)";

	(void)a, (void)ud;
	if (!jsonx_get_arr(mcp_out_input(o, "client_roots"), "roots", &roots)) {
		r = cJSON_GetArrayItem(roots, 0);
		if (r && jsonx_get_str(r, "uri", &uri))
			uri = "(no uri)";
		return say(o, "Roots received; the first is %s", uri);
	}
	return no_rounds(mcp_out_ask(o, "client_roots", "roots/list", NULL), e);
}

/* Ask to confirm, keeping @state; or, confirmed under that state, say @done. */
static enum pdb_rc confirm_round(struct mcp_call *c, const char *state, const char *done,
                                 struct pdb_err *e)
{
	struct mcp_out *o = mcp_call_out(c);
	enum pdb_rc rc;

	if (state_is(o, state) && mcp_out_input(o, "confirm"))
		return mcp_out_text(o, done);
	rc = ask_form(o, "confirm", "Please confirm", "ok", "boolean");
	return no_rounds(rc ? rc : mcp_out_keep(o, state), e);
}

static enum pdb_rc t_request_state(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	(void)a, (void)ud;
	return confirm_round(c, "request-state", "state-ok: the request state came back intact", e);
}

static enum pdb_rc t_tampered(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	(void)a, (void)ud;
	return confirm_round(c, "tamper-test", "integrity-ok: state verified", e);
}

static enum pdb_rc t_multiple(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	struct mcp_out *o = mcp_call_out(c);
	enum pdb_rc rc;

	(void)a, (void)ud;
	if (state_is(o, "multiple") && mcp_out_input(o, "user_name") &&
	    mcp_out_input(o, "greeting") && mcp_out_input(o, "client_roots"))
		return mcp_out_text(o, "All three inputs received");
	rc = ask_form(o, "user_name", "What is your name?", "name", "string");
	if (!rc)
		rc = ask_sampling(o, "greeting", "Generate a greeting");
	if (!rc)
		rc = mcp_out_ask(o, "client_roots", "roots/list", NULL);
	return no_rounds(rc ? rc : mcp_out_keep(o, "multiple"), e);
}

static enum pdb_rc t_multi_round(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	struct mcp_out *o = mcp_call_out(c);
	const char *st = mcp_out_state(o), *name = answer(o, "step1", "name");
	const char *color = answer(o, "step2", "color");
	char keep[160];
	enum pdb_rc rc;

	(void)a, (void)ud;
	if (st && !strncmp(st, "round=2;name=", 13) && color)
		return say(o, "Multi-round complete for %s who likes %s", st + 13, color);
	if (st && !strcmp(st, "round=1") && name) {
		snprintf(keep, sizeof(keep), "round=2;name=%.64s", name);
		rc =
		    ask_form(o, "step2", "Step 2: What is your favorite color?", "color", "string");
		return no_rounds(rc ? rc : mcp_out_keep(o, keep), e);
	}
	rc = ask_form(o, "step1", "Step 1: What is your name?", "name", "string");
	return no_rounds(rc ? rc : mcp_out_keep(o, "round=1"), e);
}

static enum pdb_rc t_capabilities(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	struct mcp_out *o = mcp_call_out(c);
	enum pdb_rc rc;
	int asked = 0;

	(void)a, (void)ud;
	if (mcp_out_input(o, "elicit_input") || mcp_out_input(o, "sample_input"))
		return mcp_out_text(o, "capabilities-ok: received the answers");
	/* ask only what the client declared: the core refuses the rest with UNSUPPORTED */
	rc = ask_form(o, "elicit_input", "Elicitation input", "value", "string");
	asked += !rc;
	if (rc == PDB_E_UNSUPPORTED)
		rc = PDB_OK;
	if (!rc) {
		rc = ask_sampling(o, "sample_input", "Sample request");
		asked += !rc;
		if (rc == PDB_E_UNSUPPORTED)
			rc = PDB_OK;
	}
	if (!rc && !asked)
		return mcp_out_text(o, "No supported capabilities declared");
	return no_rounds(rc, e);
}

static enum pdb_rc p_context(const cJSON *a, struct mcp_out *o, void *ud, struct pdb_err *e)
{
	const char *context = answer(o, "user_context", "context");

	(void)a, (void)ud;
	if (context)
		return say(o, "Prompt with context: %s", context);
	return no_rounds(
	    ask_form(o, "user_context", "What context should the prompt use?", "context", "string"),
	    e);
}

#define RO                                                                   \
	{                                                                    \
		MCP_HINT_TRUE, MCP_HINT_FALSE, MCP_HINT_TRUE, MCP_HINT_FALSE \
	}

const struct mcp_tool fixture_stateless_tools[] = {
    {"test_missing_capability", NULL, "Needs the client's sampling capability", NO_ARGS, NULL, RO,
     t_needs_sampling, NULL, MCP_CLIENT_SAMPLING},
    {"test_streaming_elicitation", NULL, "Answers on an SSE stream with a progress note first",
     NO_ARGS, NULL, RO, t_streaming, NULL, MCP_CLIENT_ELICITATION},
    {"test_logging_tool", NULL, "Logs at info: only when the request asked for logs", NO_ARGS, NULL,
     RO, t_logging, NULL, 0},
    {"test_input_required_result_elicitation", NULL,
     "MRTR: asks the user's name through input_required", NO_ARGS, NULL, RO, t_elicitation, NULL,
     0},
    {"test_input_required_result_sampling", NULL, "MRTR: asks the client's model a question",
     NO_ARGS, NULL, RO, t_sampling, NULL, 0},
    {"test_input_required_result_list_roots", NULL, "MRTR: asks for the client's roots", NO_ARGS,
     NULL, RO, t_roots, NULL, 0},
    {"test_input_required_result_request_state", NULL,
     "MRTR: asks to confirm and keeps a request state", NO_ARGS, NULL, RO, t_request_state, NULL,
     0},
    {"test_input_required_result_multiple_inputs", NULL,
     "MRTR: asks for elicitation, sampling and roots at once", NO_ARGS, NULL, RO, t_multiple, NULL,
     0},
    {"test_input_required_result_multi_round", NULL, "MRTR: two rounds of questions", NO_ARGS, NULL,
     RO, t_multi_round, NULL, 0},
    {"test_input_required_result_tampered_state", NULL, "MRTR: its request state is authenticated",
     NO_ARGS, NULL, RO, t_tampered, NULL, 0},
    {"test_input_required_result_capabilities", NULL, "MRTR: asks only what the client declared",
     NO_ARGS, NULL, RO, t_capabilities, NULL, 0},
};
const size_t fixture_stateless_n_tools = PDB_N_OF(fixture_stateless_tools);

const struct mcp_prompt fixture_stateless_prompts[] = {
    {"test_input_required_result_prompt", "Prompt With Input",
     "MRTR: a prompt that asks the user for context first", NULL, 0, p_context, NULL, NULL},
};
const size_t fixture_stateless_n_prompts = PDB_N_OF(fixture_stateless_prompts);
