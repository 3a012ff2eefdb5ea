/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rpc.c - JSON-RPC 2.0 classification, ids, batches, replies and the code table. */
#include "harness.h"

#include <pdbridge/jsonx.h>
#include <pdbridge/rpc.h>

#include <cjson/cJSON.h>

#include <stdio.h>

/* Classify @text; returns the rc, @m and @f filled. */
static enum pdb_rc classify(const char *text, struct rpc_msg *m, struct rpc_fault *f,
                            struct cJSON **doc)
{
	enum pdb_rc rc = rpc_parse(text, strlen(text), doc, f);

	if (rc)
		return rc;
	return rpc_classify(*doc, m, f);
}

static void requests_and_notifications(void)
{
	struct rpc_msg m;
	struct rpc_fault f;
	struct cJSON *d = NULL;

	T_EQ_INT(classify("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}", &m, &f, &d),
	         PDB_OK);
	T_EQ_INT(m.kind, RPC_REQUEST);
	T_EQ_INT(m.id.type, RPC_ID_INT);
	T_EQ_INT(m.id.num, 7);
	T_EQ_STR(m.method, "ping");
	T_CHECK(!m.params);
	jsonx_free(d);
	T_EQ_INT(classify("{\"jsonrpc\":\"2.0\",\"id\":\"a-1\",\"method\":\"x\",\"params\":{}}", &m,
	                  &f, &d),
	         PDB_OK);
	T_EQ_INT(m.id.type, RPC_ID_STR);
	T_EQ_STR(m.id.str, "a-1");
	T_CHECK(cJSON_IsObject(m.params));
	jsonx_free(d);
	T_EQ_INT(
	    classify("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", &m, &f, &d),
	    PDB_OK);
	T_EQ_INT(m.kind, RPC_NOTIFICATION);
	T_EQ_INT(m.id.type, RPC_ID_NONE);
	jsonx_free(d);
	/* params may be an array in JSON-RPC (MCP then refuses it with -32602) */
	T_EQ_INT(
	    classify("{\"jsonrpc\":\"2.0\",\"id\":-3,\"method\":\"x\",\"params\":[1]}", &m, &f, &d),
	    PDB_OK);
	T_EQ_INT(m.id.num, -3);
	jsonx_free(d);
}

static void responses_and_errors(void)
{
	struct rpc_msg m;
	struct rpc_fault f;
	struct cJSON *d = NULL;

	T_EQ_INT(classify("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":1}}", &m, &f, &d),
	         PDB_OK);
	T_EQ_INT(m.kind, RPC_RESULT);
	T_CHECK(cJSON_IsObject(m.result));
	jsonx_free(d);
	T_EQ_INT(classify("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":"
	                  "\"bad\",\"data\":[1]}}",
	                  &m, &f, &d),
	         PDB_OK);
	T_EQ_INT(m.kind, RPC_ERROR);
	T_EQ_INT(m.id.type, RPC_ID_NULL);
	T_EQ_INT(m.code, -32700);
	T_EQ_STR(m.message, "bad");
	T_CHECK(cJSON_IsArray(m.data));
	jsonx_free(d);
}

struct bad {
	const char *text;
	int code;
	enum rpc_id_type id_type;
};

static void invalid_messages_get_the_right_error(void)
{
	static const struct bad cases[] = {
	    {"7", RPC_INVALID_REQUEST, RPC_ID_NULL},
	    {"\"x\"", RPC_INVALID_REQUEST, RPC_ID_NULL},
	    {"null", RPC_INVALID_REQUEST, RPC_ID_NULL},
	    {"[]", RPC_INVALID_REQUEST, RPC_ID_NULL},
	    {"{}", RPC_INVALID_REQUEST, RPC_ID_NULL},
	    {"{\"id\":1,\"method\":\"x\"}", RPC_INVALID_REQUEST, RPC_ID_INT},
	    {"{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"x\"}", RPC_INVALID_REQUEST, RPC_ID_INT},
	    {"{\"jsonrpc\":2,\"id\":\"s\",\"method\":\"x\"}", RPC_INVALID_REQUEST, RPC_ID_STR},
	    {"{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"x\"}", RPC_INVALID_REQUEST,
	     RPC_ID_NULL},
	    {"{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"x\"}", RPC_INVALID_REQUEST,
	     RPC_ID_NULL},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"x\"}", RPC_INVALID_REQUEST, RPC_ID_NULL},
	    {"{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"x\"}", RPC_INVALID_REQUEST, RPC_ID_NULL},
	    {"{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"x\"}", RPC_INVALID_REQUEST, RPC_ID_NULL},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1e300,\"method\":\"x\"}", RPC_INVALID_REQUEST,
	     RPC_ID_NULL},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}", RPC_INVALID_REQUEST, RPC_ID_INT},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\"}", RPC_INVALID_REQUEST, RPC_ID_INT},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":\"p\"}",
	     RPC_INVALID_REQUEST, RPC_ID_INT},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":null}", RPC_INVALID_REQUEST,
	     RPC_ID_INT},
	    {"{\"jsonrpc\":\"2.0\",\"result\":{}}", RPC_INVALID_REQUEST, RPC_ID_NULL},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1}", RPC_INVALID_REQUEST, RPC_ID_NULL},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1,\"error\":{}}", RPC_INVALID_REQUEST,
	     RPC_ID_NULL},
	    {"{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":{}}", RPC_INVALID_REQUEST, RPC_ID_NULL},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"message\":\"m\"}}", RPC_INVALID_REQUEST,
	     RPC_ID_NULL},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1.5,\"message\":\"m\"}}",
	     RPC_INVALID_REQUEST, RPC_ID_NULL},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1}}", RPC_INVALID_REQUEST,
	     RPC_ID_NULL},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":\"e\"}", RPC_INVALID_REQUEST, RPC_ID_NULL},
	    {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\"", RPC_PARSE_ERROR, RPC_ID_NULL},
	    {"{\"jsonrpc\":\"2.0\"} x", RPC_PARSE_ERROR, RPC_ID_NULL},
	    {"", RPC_PARSE_ERROR, RPC_ID_NULL},
	    {"\xff", RPC_PARSE_ERROR, RPC_ID_NULL},
	};
	size_t i;

	for (i = 0; i < PDB_N_OF(cases); i++) {
		struct rpc_msg m;
		struct rpc_fault f;
		struct cJSON *d = NULL;
		enum pdb_rc rc = classify(cases[i].text, &m, &f, &d);

		jsonx_free(d);
		if (rc == PDB_OK || f.code != cases[i].code || f.id.type != cases[i].id_type) {
			t_fail(__FILE__, __LINE__, "case %zu %s: rc %d code %d id type %d", i,
			       cases[i].text, rc, f.code, f.id.type);
			return;
		}
		T_CHECK(f.msg[0]);
	}
}

static void ids_are_bounded_and_exact(void)
{
	char text[PDB_RPC_ID_MAX + 128];
	struct rpc_msg m;
	struct rpc_fault f;
	struct cJSON *d = NULL;
	struct buf b;

	/* the largest integer a double holds exactly echoes back exactly */
	T_EQ_INT(
	    classify("{\"jsonrpc\":\"2.0\",\"id\":9007199254740991,\"method\":\"x\"}", &m, &f, &d),
	    PDB_OK);
	jsonx_free(d);
	T_EQ_INT(m.id.num, 9007199254740991LL);
	buf_init(&b, 1024);
	T_EQ_INT(rpc_write_result(&b, &m.id, NULL), PDB_OK);
	T_EQ_STR(buf_cstr(&b), "{\"jsonrpc\":\"2.0\",\"id\":9007199254740991}");
	buf_free(&b);
	/* one past it is refused */
	T_EQ_INT(
	    classify("{\"jsonrpc\":\"2.0\",\"id\":9007199254740993,\"method\":\"x\"}", &m, &f, &d),
	    PDB_E_INVAL);
	jsonx_free(d);
	/* a string id of exactly the bound is kept, one more byte is refused */
	snprintf(text, sizeof(text), "{\"jsonrpc\":\"2.0\",\"id\":\"%0*d\",\"method\":\"x\"}",
	         PDB_RPC_ID_MAX, 0);
	T_EQ_INT(classify(text, &m, &f, &d), PDB_OK);
	T_EQ_INT(strlen(m.id.str), PDB_RPC_ID_MAX);
	jsonx_free(d);
	snprintf(text, sizeof(text), "{\"jsonrpc\":\"2.0\",\"id\":\"%0*d\",\"method\":\"x\"}",
	         PDB_RPC_ID_MAX + 1, 0);
	T_EQ_INT(classify(text, &m, &f, &d), PDB_E_INVAL);
	T_EQ_INT(f.id.type, RPC_ID_NULL);
	jsonx_free(d);
}

static void id_helpers(void)
{
	struct rpc_id a = {.type = RPC_ID_INT, .num = 3}, b = a, s = {.type = RPC_ID_STR};
	struct cJSON *d = NULL, *j;
	struct rpc_fault f;
	struct buf out;

	T_CHECK(rpc_id_equal(&a, &b));
	b.num = 4;
	T_CHECK(!rpc_id_equal(&a, &b));
	memcpy(s.str, "3", 2);
	T_CHECK(!rpc_id_equal(&a, &s)); /* 3 and "3" are different ids */
	T_EQ_INT(rpc_parse("[\"tok\",5,true,null,2.5]", 23, &d, &f), PDB_OK);
	T_EQ_INT(rpc_read_id(cJSON_GetArrayItem(d, 0), &a), PDB_OK);
	T_EQ_STR(a.str, "tok");
	T_EQ_INT(rpc_read_id(cJSON_GetArrayItem(d, 1), &a), PDB_OK);
	T_EQ_INT(a.num, 5);
	T_EQ_INT(rpc_read_id(cJSON_GetArrayItem(d, 2), &a), PDB_E_TYPE);
	T_EQ_INT(rpc_read_id(cJSON_GetArrayItem(d, 3), &a), PDB_E_TYPE);
	T_EQ_INT(rpc_read_id(cJSON_GetArrayItem(d, 4), &a), PDB_E_TYPE);
	jsonx_free(d);
	j = rpc_id_json(&s);
	T_CHECK(cJSON_IsString(j));
	jsonx_free(j);
	a.type = RPC_ID_INT;
	a.num = -9007199254740991LL;
	j = rpc_id_json(&a);
	T_CHECK(j);
	buf_init(&out, 64);
	T_EQ_INT(jsonx_print(j, &out), PDB_OK);
	T_EQ_STR(buf_cstr(&out), "-9007199254740991");
	buf_free(&out);
	jsonx_free(j);
}

static void batches_are_checked(void)
{
	char text[4096];
	struct cJSON *d = NULL;
	struct rpc_fault f;
	size_t n = 0;
	int i;

	T_EQ_INT(rpc_parse("[]", 2, &d, &f), PDB_OK);
	T_EQ_INT(rpc_batch_check(d, &f), PDB_E_INVAL);
	T_EQ_INT(f.code, RPC_INVALID_REQUEST);
	jsonx_free(d);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "[");
	for (i = 0; i <= PDB_RPC_BATCH_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s1", i ? "," : "");
	n += (size_t)snprintf(text + n, sizeof(text) - n, "]");
	T_EQ_INT(rpc_parse(text, n, &d, &f), PDB_OK);
	T_EQ_INT(rpc_batch_check(d, &f), PDB_E_INVAL);
	jsonx_free(d);
	T_EQ_INT(rpc_parse("[1,2]", 5, &d, &f), PDB_OK);
	T_EQ_INT(rpc_batch_check(d, &f), PDB_OK);
	jsonx_free(d);
}

static void the_code_table_covers_every_rc(void)
{
	int rc;

	for (rc = PDB_OK; rc <= PDB_E_INTERNAL; rc++) {
		int code = rpc_code_of((enum pdb_rc)rc);

		T_CHECK(code <= -32000 && code >= -32768);
		T_CHECK(strcmp(rpc_code_message(code), "Error"));
	}
	T_EQ_INT(rpc_code_of(PDB_E_PARSE), RPC_PARSE_ERROR);
	T_EQ_INT(rpc_code_of(PDB_E_INVAL), RPC_INVALID_PARAMS);
	T_EQ_INT(rpc_code_of(PDB_E_TYPE), RPC_INVALID_PARAMS);
	T_EQ_INT(rpc_code_of(PDB_E_MISSING), RPC_INVALID_PARAMS);
	T_EQ_INT(rpc_code_of(PDB_E_NOTFOUND), RPC_INVALID_PARAMS);
	T_EQ_INT(rpc_code_of(PDB_E_UNSUPPORTED), RPC_METHOD_NOT_FOUND);
	T_EQ_INT(rpc_code_of(PDB_E_NOMEM), RPC_INTERNAL_ERROR);
	T_EQ_INT(rpc_code_of(PDB_E_TIMEOUT), RPC_REQUEST_TIMEOUT);
	T_EQ_STR(rpc_code_message(RPC_INVALID_PARAMS), "Invalid params");
}

static void replies_are_compact_single_lines(void)
{
	struct rpc_id id = {.type = RPC_ID_STR};
	struct cJSON *d = NULL;
	struct rpc_fault f;
	struct buf b;

	memcpy(id.str, "a\"\n", 4);
	buf_init(&b, 4096);
	T_EQ_INT(rpc_parse("{\"t\":\"x\\ny\"}", 12, &d, &f), PDB_OK);
	T_EQ_INT(rpc_write_result(&b, &id, d), PDB_OK);
	T_EQ_STR(buf_cstr(&b),
	         "{\"jsonrpc\":\"2.0\",\"id\":\"a\\\"\\n\",\"result\":{\"t\":\"x\\ny\"}}");
	T_CHECK(!strchr(buf_cstr(&b), '\n'));
	buf_reset(&b);
	T_EQ_INT(rpc_write_error(&b, NULL, RPC_METHOD_NOT_FOUND, NULL, d), PDB_OK);
	T_EQ_STR(buf_cstr(&b), "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32601,"
	                       "\"message\":\"Method not found\",\"data\":{\"t\":\"x\\ny\"}}}");
	buf_reset(&b);
	T_EQ_INT(rpc_write_notification(&b, "notifications/x", NULL), PDB_OK);
	T_EQ_STR(buf_cstr(&b), "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"}");
	buf_reset(&b);
	id.type = RPC_ID_INT;
	id.num = 12;
	T_EQ_INT(rpc_write_request(&b, &id, "sampling/createMessage", d), PDB_OK);
	T_EQ_STR(buf_cstr(&b),
	         "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"sampling/createMessage\","
	         "\"params\":{\"t\":\"x\\ny\"}}");
	buf_free(&b);
	/* a reply over the buffer's bound is refused, never cut */
	buf_init(&b, 20);
	T_EQ_INT(rpc_write_result(&b, &id, d), PDB_E_TOO_LARGE);
	T_EQ_INT(buf_len(&b), 0);
	buf_free(&b);
	jsonx_free(d);
}

static void faults_write_as_errors(void)
{
	struct rpc_msg m;
	struct rpc_fault f;
	struct cJSON *d = NULL;
	struct buf b;

	T_EQ_INT(classify("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":3}", &m, &f, &d), PDB_E_INVAL);
	jsonx_free(d);
	buf_init(&b, 4096);
	T_EQ_INT(rpc_write_fault(&b, &f), PDB_OK);
	T_CHECK(strstr(buf_cstr(&b), "\"id\":5,\"error\":{\"code\":-32600"));
	buf_free(&b);
}

static void parse_refuses_nul_and_oversize(void)
{
	static const char nul[] = "{\"jsonrpc\":\"2.0\",\0\"id\":1}";
	struct cJSON *d = NULL;
	struct rpc_fault f;

	T_EQ_INT(rpc_parse(nul, sizeof(nul) - 1, &d, &f), PDB_E_PARSE);
	T_EQ_INT(f.code, RPC_PARSE_ERROR);
	T_EQ_INT(f.id.type, RPC_ID_NULL);
	T_EQ_INT(rpc_parse("{}", (size_t)PDB_MAX_JSON_TEXT + 1, &d, &f), PDB_E_TOO_LARGE);
	T_EQ_INT(f.code, RPC_INVALID_REQUEST);
	T_CHECK(!d);
}

static const struct t_case cases[] = {
    {"requests_and_notifications", requests_and_notifications},
    {"responses_and_errors", responses_and_errors},
    {"invalid_messages_get_the_right_error", invalid_messages_get_the_right_error},
    {"ids_are_bounded_and_exact", ids_are_bounded_and_exact},
    {"id_helpers", id_helpers},
    {"batches_are_checked", batches_are_checked},
    {"the_code_table_covers_every_rc", the_code_table_covers_every_rc},
    {"replies_are_compact_single_lines", replies_are_compact_single_lines},
    {"faults_write_as_errors", faults_write_as_errors},
    {"parse_refuses_nul_and_oversize", parse_refuses_nul_and_oversize},
};

int main(int argc, char **argv)
{
	jsonx_init();
	return t_main(cases, PDB_N_OF(cases), argc, argv);
}
