/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mcp_fixture.c - the MCP conformance fixture server: exactly the tools,
 * resources and prompts the official conformance suite calls (those of its
 * legacy scenarios here, those of its 2026-07-28 ones in
 * mcp_fixture_stateless.c), served by the real ev, rpc, mcp and transport
 * code, with request states authenticated by cfg's HMAC key as pdbridge's.
 *
 *   mcp_fixture [--listen URL]... [--auth-token-file PATH] [--idle-timeout-ms N]
 *               [--line-timeout-ms N] [--auth-timeout-ms N] [--update-interval-ms N]
 *               [--log-level error|warn|info|debug]
 *
 * Without --listen it serves stdio. With --listen, stdout carries only one
 * line per listener, "listening <url>" (the bound URL, so port 0 works),
 * and logs go to stderr. --update-interval-ms makes test://watched-resource
 * change periodically (notifications/resources/updated to subscribers). At
 * exit it reports the heap still in use on stderr ("heap in use at exit: N
 * bytes"), which the integration tests require to be 0.
 */
#include "mcp_fixture.h"

#include <pdbridge/cfg.h>
#include <pdbridge/ev.h>
#include <pdbridge/jsonx.h>
#include <pdbridge/log.h>
#include <pdbridge/mcp.h>
#include <pdbridge/mem.h>
#include <pdbridge/transport.h>

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A 1x1 red PNG and 8 samples of 8 kHz 16-bit mono silence as WAV: both real files. */
#define PNG_B64                                                                                    \
	"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSu" \
	"QmCC"
#define WAV_B64 "UklGRjQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YRAAAAAAAAAAAAAAAAAAAAAAAAAA"

#define NO_ARGS "{\"type\":\"object\",\"properties\":{}}"

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* --- tools ------------------------------------------------------------------------ */

static enum pdb_rc t_simple_text(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	(void)a, (void)ud, (void)e;
	return mcp_out_text(mcp_call_out(c), "This is a simple text response for testing.");
}

static enum pdb_rc t_image(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	(void)a, (void)ud, (void)e;
	return mcp_out_image(mcp_call_out(c), PNG_B64, "image/png");
}

static enum pdb_rc t_audio(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	(void)a, (void)ud, (void)e;
	return mcp_out_audio(mcp_call_out(c), WAV_B64, "audio/wav");
}

static enum pdb_rc t_embedded(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	(void)a, (void)ud, (void)e;
	return mcp_out_resource_text(mcp_call_out(c), "test://embedded-resource", "text/plain",
	                             "This is an embedded resource content.");
}

static enum pdb_rc t_multiple(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	struct mcp_out *o = mcp_call_out(c);
	enum pdb_rc rc;

	(void)a, (void)ud, (void)e;
	rc = mcp_out_text(o, "Multiple content types test:");
	if (!rc)
		rc = mcp_out_image(o, PNG_B64, "image/png");
	if (!rc)
		rc = mcp_out_resource_text(o, "test://mixed-content-resource", "application/json",
		                           "{\"test\":\"data\",\"value\":123}");
	return rc;
}

static enum pdb_rc t_logging(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	static const char *const steps[] = {"Tool execution started", "Tool processing data",
	                                    "Tool execution completed"};
	size_t i;

	(void)a, (void)ud, (void)e;
	for (i = 0; i < 3; i++) {
		if (i)
			sleep_ms(50);
		if (mcp_call_log(c, MCP_LOG_INFO, "mcp-fixture", "%s", steps[i]))
			return PDB_E_NOMEM;
	}
	return mcp_out_text(mcp_call_out(c), "Tool with logging executed successfully");
}

static enum pdb_rc t_error(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	(void)c, (void)a, (void)ud;
	return pdb_err_set(e, PDB_E_INVAL, "This tool intentionally returns an error for testing");
}

static enum pdb_rc t_progress(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	char msg[64];
	int step;

	(void)a, (void)ud;
	for (step = 0; step <= 100; step += 50) {
		if (step)
			sleep_ms(50);
		snprintf(msg, sizeof(msg), "Completed step %d of 100", step);
		if (mcp_call_progress(c, step, 100, msg))
			return pdb_err_set(e, PDB_E_NOMEM, "cannot report progress");
	}
	return mcp_out_text(mcp_call_out(c), "Progress reported: 0, 50, 100 of 100");
}

static enum pdb_rc t_reconnection(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	(void)a, (void)ud, (void)e;
	sleep_ms(100); /* best effort: this server does not close the stream mid-call */
	return mcp_out_text(mcp_call_out(c), "Reconnection test completed successfully.");
}

/* Parse a constant JSON text (the fixtures below are all valid). */
static cJSON *json(const char *text, struct pdb_err *e)
{
	cJSON *doc = NULL;

	if (jsonx_parse(text, strlen(text), &doc, e))
		return NULL;
	return doc;
}

static enum pdb_rc t_sampling(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	const cJSON *content;
	const char *prompt, *text;
	cJSON *params, *msg, *res = NULL;
	char out[PDB_ERRMSG_MAX + 32];
	enum pdb_rc rc;

	(void)ud;
	if (jsonx_get_str(a, "prompt", &prompt))
		return pdb_err_set(e, PDB_E_INVAL, "prompt (a string) is required");
	params = json("{\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\"}}],"
	              "\"maxTokens\":100}",
	              e);
	msg = params
	          ? cJSON_GetObjectItem(
	                cJSON_GetArrayItem(cJSON_GetObjectItem(params, "messages"), 0), "content")
	          : NULL;
	if (!msg || !cJSON_AddStringToObject(msg, "text", prompt)) {
		jsonx_free(params);
		return PDB_E_NOMEM;
	}
	rc = mcp_call_request(c, "sampling/createMessage", params, 0, &res, e);
	if (rc)
		return rc;
	if (jsonx_get_obj(res, "content", &content) || jsonx_get_str(content, "text", &text))
		text = "No response";
	snprintf(out, sizeof(out), "LLM response: %s", text);
	jsonx_free(res);
	return mcp_out_text(mcp_call_out(c), out);
}

/* Ask the client with @schema (JSON text) and @message; report what it answered. */
static enum pdb_rc elicit(struct mcp_call *c, const char *message, const char *schema,
                          struct pdb_err *e)
{
	cJSON *params = cJSON_CreateObject(), *s = json(schema, e), *res = NULL;
	const cJSON *content;
	const char *action;
	struct buf text, body;
	enum pdb_rc rc;

	if (!params || !s || !cJSON_AddStringToObject(params, "message", message) ||
	    !cJSON_AddItemToObject(params, "requestedSchema", s)) {
		jsonx_free(s);
		jsonx_free(params);
		return PDB_E_NOMEM;
	}
	rc = mcp_call_request(c, "elicitation/create", params, 0, &res, e);
	if (rc)
		return rc;
	if (jsonx_get_str(res, "action", &action))
		action = "?";
	buf_init(&body, PDB_MCP_MSG_MAX / 4);
	buf_init(&text, PDB_MCP_MSG_MAX / 2);
	if (jsonx_get_obj(res, "content", &content))
		rc = buf_adds(&body, "{}");
	else
		rc = jsonx_print(content, &body);
	if (!rc)
		rc = buf_addf(&text, "User response: action=%s, content=%s", action,
		              buf_cstr(&body));
	if (!rc)
		rc = mcp_out_text(mcp_call_out(c), buf_cstr(&text));
	buf_free(&body);
	buf_free(&text);
	jsonx_free(res);
	return rc;
}

static enum pdb_rc t_elicitation(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	const char *message;

	(void)ud;
	if (jsonx_get_str(a, "message", &message))
		return pdb_err_set(e, PDB_E_INVAL, "message (a string) is required");
	return elicit(c, message,
	              "{\"type\":\"object\",\"properties\":{"
	              "\"username\":{\"type\":\"string\",\"description\":\"User's response\"},"
	              "\"email\":{\"type\":\"string\",\"description\":\"User's email address\"}},"
	              "\"required\":[\"username\",\"email\"]}",
	              e);
}

static enum pdb_rc t_sep1034(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	(void)a, (void)ud;
	return elicit(c, "Please review and update the form fields with defaults",
	              "{\"type\":\"object\",\"properties\":{"
	              "\"name\":{\"type\":\"string\",\"description\":\"User name\","
	              "\"default\":\"John Doe\"},"
	              "\"age\":{\"type\":\"integer\",\"description\":\"User age\",\"default\":30},"
	              "\"score\":{\"type\":\"number\",\"description\":\"User score\","
	              "\"default\":95.5},"
	              "\"status\":{\"type\":\"string\",\"description\":\"User status\","
	              "\"enum\":[\"active\",\"inactive\",\"pending\"],\"default\":\"active\"},"
	              "\"verified\":{\"type\":\"boolean\",\"description\":\"Verification status\","
	              "\"default\":true}},\"required\":[]}",
	              e);
}

static enum pdb_rc t_sep1330(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	(void)a, (void)ud;
	return elicit(
	    c, "Please select options from the enum fields",
	    "{\"type\":\"object\",\"properties\":{"
	    "\"untitledSingle\":{\"type\":\"string\",\"description\":\"Select one option\","
	    "\"enum\":[\"option1\",\"option2\",\"option3\"]},"
	    "\"titledSingle\":{\"type\":\"string\",\"description\":\"Select one option with "
	    "titles\","
	    "\"oneOf\":[{\"const\":\"value1\",\"title\":\"First Option\"},"
	    "{\"const\":\"value2\",\"title\":\"Second Option\"},"
	    "{\"const\":\"value3\",\"title\":\"Third Option\"}]},"
	    "\"legacyEnum\":{\"type\":\"string\",\"description\":\"Select one option (legacy)\","
	    "\"enum\":[\"opt1\",\"opt2\",\"opt3\"],"
	    "\"enumNames\":[\"Option One\",\"Option Two\",\"Option Three\"]},"
	    "\"untitledMulti\":{\"type\":\"array\",\"description\":\"Select multiple options\","
	    "\"minItems\":1,\"maxItems\":3,"
	    "\"items\":{\"type\":\"string\",\"enum\":[\"option1\",\"option2\",\"option3\"]}},"
	    "\"titledMulti\":{\"type\":\"array\",\"description\":\"Select multiple options with "
	    "titles\",\"minItems\":1,\"maxItems\":3,\"items\":{\"anyOf\":["
	    "{\"const\":\"value1\",\"title\":\"First Choice\"},"
	    "{\"const\":\"value2\",\"title\":\"Second Choice\"},"
	    "{\"const\":\"value3\",\"title\":\"Third Choice\"}]}}},\"required\":[]}",
	    e);
}

static enum pdb_rc t_schema_2020(struct mcp_call *c, const cJSON *a, void *ud, struct pdb_err *e)
{
	struct buf b;
	enum pdb_rc rc;

	(void)ud, (void)e;
	buf_init(&b, PDB_MCP_MSG_MAX / 2);
	rc = buf_adds(&b, "JSON Schema 2020-12 tool called with: ");
	if (!rc)
		rc = jsonx_print(a, &b);
	if (!rc)
		rc = mcp_out_text(mcp_call_out(c), buf_cstr(&b));
	buf_free(&b);
	return rc;
}

#define RO                                                                   \
	{                                                                    \
		MCP_HINT_TRUE, MCP_HINT_FALSE, MCP_HINT_TRUE, MCP_HINT_FALSE \
	}

static const struct mcp_tool tools[] = {
    {"test_simple_text", NULL, "Tests simple text content response", NO_ARGS, NULL, RO,
     t_simple_text, NULL, 0},
    {"test_image_content", NULL, "Tests image content response", NO_ARGS, NULL, RO, t_image, NULL,
     0},
    {"test_audio_content", NULL, "Tests audio content response", NO_ARGS, NULL, RO, t_audio, NULL,
     0},
    {"test_embedded_resource", NULL, "Tests embedded resource content response", NO_ARGS, NULL, RO,
     t_embedded, NULL, 0},
    {"test_multiple_content_types", NULL,
     "Tests response with multiple content types (text, image, resource)", NO_ARGS, NULL, RO,
     t_multiple, NULL, 0},
    {"test_tool_with_logging", NULL, "Tests tool that emits log messages during execution", NO_ARGS,
     NULL, RO, t_logging, NULL, 0},
    {"test_error_handling", NULL, "Tests error response handling", NO_ARGS, NULL, RO, t_error, NULL,
     0},
    {"test_tool_with_progress", NULL, "Tests tool that reports progress notifications", NO_ARGS,
     NULL, RO, t_progress, NULL, 0},
    {"test_sampling", NULL, "Tests server-initiated sampling (LLM completion request)",
     "{\"type\":\"object\",\"properties\":{\"prompt\":{\"type\":\"string\","
     "\"description\":\"The prompt to send to the LLM\"}},\"required\":[\"prompt\"]}",
     NULL, RO, t_sampling, NULL, 0},
    {"test_elicitation", NULL, "Tests server-initiated elicitation (user input request)",
     "{\"type\":\"object\",\"properties\":{\"message\":{\"type\":\"string\","
     "\"description\":\"The message to show the user\"}},\"required\":[\"message\"]}",
     NULL, RO, t_elicitation, NULL, 0},
    {"test_elicitation_sep1034_defaults", NULL,
     "Tests elicitation with default values per SEP-1034", NO_ARGS, NULL, RO, t_sep1034, NULL, 0},
    {"test_elicitation_sep1330_enums", NULL,
     "Tests elicitation with enum schema improvements per SEP-1330", NO_ARGS, NULL, RO, t_sep1330,
     NULL, 0},
    {"json_schema_2020_12_tool", NULL,
     "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)",
     "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
     "\"$defs\":{\"address\":{\"$anchor\":\"addressDef\",\"type\":\"object\",\"properties\":"
     "{\"street\":{\"type\":\"string\"},\"city\":{\"type\":\"string\"}}}},\"properties\":"
     "{\"name\":{\"type\":\"string\"},\"address\":{\"$ref\":\"#/$defs/address\"},"
     "\"contactMethod\":{\"type\":\"string\",\"enum\":[\"phone\",\"email\"]},\"phone\":"
     "{\"type\":\"string\"},\"email\":{\"type\":\"string\"}},\"allOf\":[{\"anyOf\":["
     "{\"required\":[\"phone\"]},{\"required\":[\"email\"]}]}],\"if\":{\"properties\":"
     "{\"contactMethod\":{\"const\":\"phone\"}},\"required\":[\"contactMethod\"]},\"then\":"
     "{\"required\":[\"phone\"]},\"else\":{\"required\":[\"email\"]},"
     "\"additionalProperties\":false}",
     NULL, RO, t_schema_2020, NULL, 0},
    {"test_reconnection", NULL,
     "Tests SSE stream disconnection and client reconnection (SEP-1699); best effort here", NO_ARGS,
     NULL, RO, t_reconnection, NULL, 0},
};

/* --- resources -------------------------------------------------------------------- */

static enum pdb_rc r_text(const char *uri, struct mcp_out *o, void *ud, struct pdb_err *e)
{
	(void)ud, (void)e;
	return mcp_out_resource_text(o, uri, "text/plain",
	                             "This is the content of the static text resource.");
}

static enum pdb_rc r_binary(const char *uri, struct mcp_out *o, void *ud, struct pdb_err *e)
{
	(void)ud, (void)e;
	return mcp_out_resource_blob(o, uri, "image/png", PNG_B64);
}

static enum pdb_rc r_watched(const char *uri, struct mcp_out *o, void *ud, struct pdb_err *e)
{
	char text[64];

	(void)e;
	snprintf(text, sizeof(text), "Watched resource content, version %u", *(unsigned *)ud);
	return mcp_out_resource_text(o, uri, "text/plain", text);
}

static enum pdb_rc r_template(const char *uri, struct mcp_out *o, void *ud, struct pdb_err *e)
{
	static const char prefix[] = "test://template/";
	char text[PDB_MCP_URI_MAX + 96];
	size_t n;

	(void)ud;
	/* The template matched "test://template/{id}/data": the id sits between. */
	n = strlen(uri) - (sizeof(prefix) - 1) - strlen("/data");
	if (n > PDB_MCP_URI_MAX || strspn(uri + sizeof(prefix) - 1, "0123456789abcdefghijklmnopq"
	                                                            "rstuvwxyzABCDEFGHIJKLMNOPQ"
	                                                            "RSTUVWXYZ-_") < n)
		return pdb_err_set(e, PDB_E_NOTFOUND, "no such item");
	snprintf(text, sizeof(text),
	         "{\"id\":\"%.*s\",\"templateTest\":true,\"data\":\"Data for "
	         "ID: %.*s\"}",
	         (int)n, uri + sizeof(prefix) - 1, (int)n, uri + sizeof(prefix) - 1);
	return mcp_out_resource_text(o, uri, "application/json", text);
}

static unsigned watched_version;

static const struct mcp_resource resources[] = {
    {"test://static-text", "static-text", "Static Text Resource",
     "A static text resource for testing", "text/plain", r_text, NULL},
    {"test://static-binary", "static-binary", "Static Binary Resource",
     "A static binary resource (image) for testing", "image/png", r_binary, NULL},
    {"test://watched-resource", "watched-resource", "Watched Resource",
     "A resource that changes when --update-interval-ms is given", "text/plain", r_watched,
     &watched_version},
};

static const struct mcp_template templates[] = {
    {"test://template/{id}/data", "template", "Resource Template",
     "A resource template with parameter substitution", "application/json", r_template, NULL, NULL},
};

/* --- prompts ------------------------------------------------------------------------ */

static enum pdb_rc p_simple(const cJSON *a, struct mcp_out *o, void *ud, struct pdb_err *e)
{
	(void)a, (void)ud, (void)e;
	return mcp_out_text(o, "This is a simple prompt for testing.");
}

static enum pdb_rc p_args(const cJSON *a, struct mcp_out *o, void *ud, struct pdb_err *e)
{
	const char *a1 = "", *a2 = "";
	char text[2 * PDB_MCP_URI_MAX];

	(void)ud;
	if (jsonx_get_str(a, "arg1", &a1) || jsonx_get_str(a, "arg2", &a2))
		return pdb_err_set(e, PDB_E_MISSING, "arg1 and arg2 are required");
	snprintf(text, sizeof(text), "Prompt with arguments: arg1='%s', arg2='%s'", a1, a2);
	return mcp_out_text(o, text);
}

static enum pdb_rc p_embedded(const cJSON *a, struct mcp_out *o, void *ud, struct pdb_err *e)
{
	const char *uri;
	enum pdb_rc rc;

	(void)ud;
	if (jsonx_get_str(a, "resourceUri", &uri))
		return pdb_err_set(e, PDB_E_MISSING, "resourceUri is required");
	rc = mcp_out_resource_text(o, uri, "text/plain", "Embedded resource content for testing.");
	return rc ? rc : mcp_out_text(o, "Please process the embedded resource above.");
}

static enum pdb_rc p_image(const cJSON *a, struct mcp_out *o, void *ud, struct pdb_err *e)
{
	enum pdb_rc rc;

	(void)a, (void)ud, (void)e;
	rc = mcp_out_image(o, PNG_B64, "image/png");
	return rc ? rc : mcp_out_text(o, "Please analyze the image above.");
}

static enum pdb_rc complete_arg1(const char *arg, const char *value, struct mcp_out *o, void *ud)
{
	static const char *const words[] = {"paris", "park", "party", "london", "lisbon"};
	size_t i;
	enum pdb_rc rc = PDB_OK;

	(void)ud;
	if (strcmp(arg, "arg1"))
		return PDB_OK;
	for (i = 0; i < PDB_N_OF(words) && !rc; i++)
		if (!strncmp(words[i], value, strlen(value)))
			rc = mcp_out_value(o, words[i]);
	return rc;
}

static const struct mcp_prompt_arg args_two[] = {
    {"arg1", "First test argument", true},
    {"arg2", "Second test argument", true},
};
static const struct mcp_prompt_arg args_uri[] = {
    {"resourceUri", "URI of the resource to embed", true},
};

static const struct mcp_prompt prompts[] = {
    {"test_simple_prompt", "Simple Test Prompt", "A simple prompt without arguments", NULL, 0,
     p_simple, NULL, NULL},
    {"test_prompt_with_arguments", "Prompt With Arguments", "A prompt with required arguments",
     args_two, 2, p_args, complete_arg1, NULL},
    {"test_prompt_with_embedded_resource", "Prompt With Embedded Resource",
     "A prompt that includes an embedded resource", args_uri, 1, p_embedded, NULL, NULL},
    {"test_prompt_with_image", "Prompt With Image", "A prompt that includes image content", NULL, 0,
     p_image, NULL, NULL},
};

/* --- the program ----------------------------------------------------------------------- */

struct opts {
	const char *listen[PDB_TR_LISTEN_MAX];
	size_t n_listen;
	const char *token_file;
	long idle_ms, line_ms, auth_ms, update_ms;
	const char *log_level;
};

struct fixture {
	struct ev_loop *loop;
	struct mcp_server *mcp;
	long update_ms;
	struct cfg_mac key; /* request states */
	struct mcp_tool *tools;
	struct mcp_prompt *prompts;
};

static enum pdb_rc mac(void *ud, const void *msg, size_t len, unsigned char out[MCP_MAC_LEN])
{
	return cfg_mac_sign(ud, msg, len, out);
}

/* One table of @a (@na rows of @size bytes) then @b (@nb), for struct mcp_conf. */
static void *join(const void *a, size_t na, const void *b, size_t nb, size_t size)
{
	char *v = mem_calloc(na + nb, size);

	if (v) {
		memcpy(v, a, na * size);
		memcpy(v + na * size, b, nb * size);
	}
	return v;
}

static enum pdb_rc exec_on_pool(void *pool, void (*run)(void *job), void *job)
{
	return ev_pool_submit(pool, run, job);
}

static void on_update(struct ev_loop *l, void *ud)
{
	struct fixture *f = ud;

	watched_version++;
	mcp_resource_updated(f->mcp, "test://watched-resource");
	if (ev_timer_add(l, f->update_ms, on_update, f, NULL))
		fprintf(stderr, "mcp_fixture: no timer for updates\n");
}

static int usage(void)
{
	fprintf(stderr, "usage: mcp_fixture [--listen URL]... [--auth-token-file PATH]\n"
	                "       [--idle-timeout-ms N] [--line-timeout-ms N] [--auth-timeout-ms N]\n"
	                "       [--update-interval-ms N] [--log-level LEVEL]\n");
	return 2;
}

static int parse(int argc, char **argv, struct opts *o)
{
	const struct {
		const char *name;
		const char **str; /* one of these two */
		long *num;
	} table[] = {
	    {"--auth-token-file", &o->token_file, NULL},
	    {"--log-level", &o->log_level, NULL},
	    {"--idle-timeout-ms", NULL, &o->idle_ms},
	    {"--line-timeout-ms", NULL, &o->line_ms},
	    {"--auth-timeout-ms", NULL, &o->auth_ms},
	    {"--update-interval-ms", NULL, &o->update_ms},
	};
	char *end;
	size_t k;
	int i;

	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			return -1;
		if (!strcmp(argv[i], "--listen")) {
			if (o->n_listen == PDB_TR_LISTEN_MAX)
				return -1;
			o->listen[o->n_listen++] = argv[++i];
			continue;
		}
		for (k = 0; k < PDB_N_OF(table); k++)
			if (!strcmp(argv[i], table[k].name))
				break;
		if (k == PDB_N_OF(table))
			return -1;
		i++;
		if (table[k].str) {
			*table[k].str = argv[i];
			continue;
		}
		*table[k].num = strtol(argv[i], &end, 10);
		if (*end || *table[k].num < 0)
			return -1;
	}
	return 0;
}

/* The token: the file's first line, without trailing whitespace. */
static int read_token(const char *path, char *tok, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f || !fgets(tok, (int)len, f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	n = strlen(tok);
	while (n && strchr(" \t\r\n", tok[n - 1]))
		tok[--n] = '\0';
	return n ? 0 : -1;
}

static int run(const struct opts *o)
{
	char token[PDB_SECRET_MAX + 2] = "", bound[160];
	struct mcp_conf mc = {
	    .name = "pdbridge-mcp-fixture",
	    .version = "1.0.0",
	    .title = "pdbridge MCP conformance fixture",
	    .n_tools = PDB_N_OF(tools) + fixture_stateless_n_tools,
	    .resources = resources,
	    .n_resources = PDB_N_OF(resources),
	    .templates = templates,
	    .n_templates = 1,
	    .n_prompts = PDB_N_OF(prompts) + fixture_stateless_n_prompts,
	    .exec = exec_on_pool,
	    .mac = mac,
	};
	struct fixture f = {.update_ms = o->update_ms};
	struct tr_conf tc = {0};
	struct tr_server *tr = NULL;
	struct ev_pool *pool = NULL;
	struct pdb_err err;
	int status = 1;
	size_t i;

	pdb_err_clear(&err);
	if (o->token_file && read_token(o->token_file, token, sizeof(token))) {
		fprintf(stderr, "mcp_fixture: cannot read a token from %s\n", o->token_file);
		return 2;
	}
	f.tools = join(tools, PDB_N_OF(tools), fixture_stateless_tools, fixture_stateless_n_tools,
	               sizeof(*f.tools));
	f.prompts = join(prompts, PDB_N_OF(prompts), fixture_stateless_prompts,
	                 fixture_stateless_n_prompts, sizeof(*f.prompts));
	if (!f.tools || !f.prompts || cfg_mac_init(&f.key) || ev_new(&f.loop) ||
	    ev_signals(f.loop, NULL, NULL) || ev_pool_new(0, &pool))
		goto out;
	mc.tools = f.tools;
	mc.prompts = f.prompts;
	mc.mac_ud = &f.key;
	mc.exec_ud = pool;
	if (mcp_server_new(&mc, &f.mcp, &err))
		goto out;
	tc.loop = f.loop;
	tc.mcp = f.mcp;
	tc.token = token;
	tc.idle_ms = o->idle_ms;
	tc.session_idle_ms = o->idle_ms;
	tc.line_timeout_ms = o->line_ms;
	tc.auth_timeout_ms = o->auth_ms;
	if (tr_new(&tc, &tr, &err))
		goto out;
	for (i = 0; i < o->n_listen; i++) {
		if (tr_listen(tr, o->listen[i], bound, sizeof(bound), &err))
			goto out;
		printf("listening %s\n", bound);
	}
	fflush(stdout);
	if (!o->n_listen && tr_stdio(tr, 0, 1, &err))
		goto out;
	if (f.update_ms > 0 && ev_timer_add(f.loop, f.update_ms, on_update, &f, NULL))
		goto out;
	ev_run(f.loop);
	status = 0;
out:
	if (status)
		fprintf(stderr, "mcp_fixture: %s\n", pdb_err_text(&err));
	tr_free(tr);        /* sessions closed: their calls are cancelled */
	ev_pool_free(pool); /* the workers finish and join */
	mcp_server_free(f.mcp);
	ev_free(f.loop);
	mem_free(f.tools);
	mem_free(f.prompts);
	cfg_mac_wipe(&f.key);
	return status;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	struct mem_stats st;
	enum log_level lvl;
	int status;

	if (parse(argc, argv, &o))
		return usage();
	if (o.log_level && log_parse_level(o.log_level, &lvl))
		return usage();
	log_set_level(o.log_level ? lvl : LOG_LVL_WARN);
	jsonx_init();
	status = run(&o);
	mem_get_stats(&st);
	fprintf(stderr, "mcp_fixture: heap in use at exit: %zu bytes (peak %zu)\n", st.current,
	        st.peak);
	return status;
}
