/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_tools.c - the catalog without PagerDuty: selection and globs, the
 * generated schemas, argument checks and normalisation, and how arguments
 * become a path, a query and a body. Requests themselves are tested against
 * the simulator (tests/integration/test_tools_catalog.py).
 */
#include "harness.h"

#include "../../src/tools/tools_int.h"

#include <pdbridge/mem.h>

#include <stdio.h>

static struct pd_conf pdc;

static struct tool_catalog *catalog(bool write, const char *only, const char *exclude,
                                    struct pdb_err *err)
{
	struct tool_conf c = {.pd = &pdc, .write = write, .only = only, .exclude = exclude};
	struct tool_catalog *cat = NULL;

	jsonx_init(); /* JSON through mem, so the harness sees leaks */
	pd_conf_init(&pdc);
	pdb_err_clear(err);
	if (tool_catalog_new(&c, &cat, err))
		return NULL;
	return cat;
}

static const struct tool_def *row(const struct tool_catalog *cat, const char *name)
{
	size_t i;

	for (i = 0; i < cat->n_tools; i++)
		if (!strcmp(cat->entries[i].def->name, name))
			return cat->entries[i].def;
	return NULL;
}

static cJSON *parse(const char *text)
{
	cJSON *doc = NULL;

	if (jsonx_parse(text, strlen(text), &doc, NULL))
		return NULL;
	return doc;
}

static void globs_match_like_a_shell(void)
{
	T_CHECK(tool__glob("list_*", "list_incidents"));
	T_CHECK(tool__glob("*", "x"));
	T_CHECK(tool__glob("*_incident*", "get_past_incidents"));
	T_CHECK(tool__glob("get_user_data", "get_user_data"));
	T_CHECK(!tool__glob("get_user", "get_user_data"));
	T_CHECK(!tool__glob("*x", "list"));
	T_CHECK(tool__glob("a*b*c", "aXXbYYc"));
	T_CHECK(!tool__glob("a*b*c", "aXXbYY"));
}

static void write_tools_only_with_the_flag(void)
{
	struct pdb_err err;
	struct tool_catalog *ro = catalog(false, NULL, NULL, &err);
	struct tool_catalog *rw = catalog(true, NULL, NULL, &err);
	size_t n_write, total = tool_catalog_size(&n_write), i;

	T_CHECK(ro && rw);
	T_EQ_INT(rw->n_tools, total);
	T_EQ_INT(ro->n_tools, total - n_write);
	for (i = 0; i < ro->n_tools; i++)
		T_CHECK(!(ro->entries[i].def->flags & TD_WRITE));
	tool_catalog_free(ro);
	tool_catalog_free(rw);
}

static void tools_and_exclude_tools_select(void)
{
	struct pdb_err err;
	struct tool_catalog *cat = catalog(false, " list_* , get_user_data", "list_on*", &err);
	size_t i;

	T_CHECK(cat);
	T_CHECK(row(cat, "get_user_data"));
	T_CHECK(!row(cat, "list_oncalls"));
	for (i = 0; i < cat->n_tools; i++)
		T_CHECK(!strncmp(cat->tools[i].name, "list_", 5) ||
		        !strcmp(cat->tools[i].name, "get_user_data"));
	tool_catalog_free(cat);
	T_CHECK(!catalog(false, "lst_*", NULL, &err));
	T_EQ_INT(err.rc, PDB_E_INVAL);
	T_CHECK(strstr(err.msg, "lst_*"));
	T_CHECK(!catalog(false, NULL, "*", &err));
	T_CHECK(strstr(err.msg, "no tool"));
}

static void schemas_are_objects_without_refs(void)
{
	struct pdb_err err;
	struct tool_catalog *cat = catalog(true, NULL, NULL, &err);
	const struct mcp_tool *t;
	size_t i, n;
	cJSON *s;

	T_CHECK(cat);
	t = tool_catalog_tools(cat, &n);
	for (i = 0; i < n; i++) {
		T_CHECK(!strstr(t[i].input_schema, "$ref"));
		s = parse(t[i].input_schema);
		T_CHECK(s);
		T_CHECK(cJSON_IsFalse(cJSON_GetObjectItem(s, "additionalProperties")));
		T_EQ_STR(cJSON_GetObjectItem(s, "type")->valuestring, "object");
		jsonx_free(s);
		s = parse(t[i].output_schema);
		T_CHECK(s);
		jsonx_free(s);
		T_CHECK(t[i].title && t[i].description);
		T_EQ_INT(t[i].hints.open_world, MCP_HINT_TRUE);
	}
	tool_catalog_free(cat);
}

/* Check @args for tool @name; *@out gets the normalised copy on success. */
static enum pdb_rc check(const char *name, const char *args, cJSON **out, struct pdb_err *err)
{
	struct pdb_err e2;
	struct tool_catalog *cat = catalog(true, NULL, NULL, &e2);
	cJSON *a = parse(args);
	enum pdb_rc rc = PDB_E_INTERNAL;

	*out = NULL;
	pdb_err_clear(err);
	if (cat && a && row(cat, name))
		rc = tool__check_args(row(cat, name), a, out, err);
	jsonx_free(a);
	tool_catalog_free(cat);
	return rc;
}

static void bad_arguments_say_what_to_fix(void)
{
	static const struct {
		const char *args, *want;
	} bad[] = {
	    {"{\"nope\":1}", "unknown argument 'nope'"},
	    {"{\"limit\":0}", "limit must be an integer from 1"},
	    {"{\"limit\":2.5}", "limit must be an integer"},
	    {"{\"limit\":\"many\"}", "limit must be an integer"},
	    {"{\"user_ids\":\"P1\"}", "user_ids must be an array"},
	    {"{\"user_ids\":[1]}", "user_ids[0] must be a string"},
	    {"{\"user_ids\":[null]}", "user_ids[0] must not be null"},
	    {"{\"since\":\"yesterday\"}", "since must be an ISO 8601 date-time"},
	    {"{\"earliest\":\"yes\"}", "earliest must be a boolean"},
	};
	struct pdb_err err;
	cJSON *out;
	size_t i;

	for (i = 0; i < PDB_N_OF(bad); i++) {
		T_CHECK(check("list_oncalls", bad[i].args, &out, &err) != PDB_OK);
		T_CHECK(!out);
		if (!strstr(err.msg, bad[i].want)) {
			t_fail(__FILE__, __LINE__, "%s: got \"%s\"", bad[i].args, err.msg);
			return;
		}
	}
	T_CHECK(check("get_user_data", "{\"x\":1}", &out, &err) != PDB_OK);
	T_CHECK(strstr(err.msg, "takes none"));
}

static void arguments_are_normalised(void)
{
	struct pdb_err err;
	cJSON *out;

	/* null is absent, JSON text is parsed, defaults are filled */
	T_EQ_INT(check("list_oncalls",
	               "{\"time_zone\":null,\"limit\":\"7\",\"user_ids\":\"[\\\"PA\\\"]\","
	               "\"since\":\"2026-11-27\"}",
	               &out, &err),
	         PDB_OK);
	T_CHECK(!cJSON_GetObjectItem(out, "time_zone"));
	T_EQ_INT(cJSON_GetObjectItem(out, "limit")->valuedouble, 7);
	T_EQ_STR(cJSON_GetArrayItem(cJSON_GetObjectItem(out, "user_ids"), 0)->valuestring, "PA");
	T_CHECK(cJSON_IsTrue(cJSON_GetObjectItem(out, "earliest")));
	jsonx_free(out);
}

/* The path, query and body tool @name would send for @args. */
static enum pdb_rc request(const char *name, const char *args, struct buf *path, struct pd_query *q,
                           struct pdb_err *err)
{
	struct pdb_err e2;
	struct tool_catalog *cat = catalog(true, NULL, NULL, &e2);
	struct tool_ctx x = {.cat = cat, .err = err};
	cJSON *a = parse(args);
	enum pdb_rc rc = PDB_E_INTERNAL;

	pdb_err_clear(err);
	x.def = cat ? row(cat, name) : NULL;
	if (x.def && a && !tool__check_args(x.def, a, &x.args, err)) {
		rc = tool__path(&x, x.def->path, path);
		if (!rc)
			rc = tool__query(&x, q);
	}
	jsonx_free(x.args);
	jsonx_free(a);
	tool_catalog_free(cat);
	return rc;
}

static void queries_repeat_array_keys(void)
{
	struct pdb_err err;
	struct buf path;
	struct pd_query q;

	buf_init(&path, PDB_PD_URL_LEN_MAX);
	pd_query_init(&q);
	T_EQ_INT(request("list_oncalls",
	                 "{\"user_ids\":[\"PA\",\"P B\"],\"earliest\":false,\"limit\":5,"
	                 "\"time_zone\":\"Europe/Berlin\"}",
	                 &path, &q, &err),
	         PDB_OK);
	T_EQ_STR(buf_cstr(&path), "/oncalls");
	/* limit is the record cap of a paged list, not a query parameter */
	T_EQ_STR(buf_cstr(&q.b), "time_zone=Europe%2FBerlin&user_ids%5B%5D=PA&user_ids%5B%5D=P%20B&"
	                         "earliest=false");
	buf_free(&path);
	pd_query_free(&q);
}

/* The body row @d would send for @args: *@out (caller frees) or an error in @err. */
static enum pdb_rc body_of(const struct tool_def *d, const char *args, cJSON **out,
                           struct pdb_err *err)
{
	struct tool_ctx x = {.def = d, .err = err};
	cJSON *a = parse(args);
	enum pdb_rc rc = PDB_E_INTERNAL;

	*out = NULL;
	pdb_err_clear(err);
	if (a && !tool__check_args(d, a, &x.args, err))
		rc = tool__body(&x, out);
	jsonx_free(x.args);
	jsonx_free(a);
	return rc;
}

static void client_member_names_are_never_split(void)
{
	static const char long_part[] =
	    "a-part-of-seventy-characters-0123456789-0123456789-0123456789-01234567";
	char args[512];
	struct pdb_err err, e2;
	struct tool_catalog *cat = catalog(true, NULL, NULL, &e2);
	const cJSON *v;
	cJSON *body;

	T_CHECK(cat && row(cat, "create_service"));
	T_EQ_INT(strlen(long_part), 70);
	/* an open spread's other members go to the body as named, dots and all */
	snprintf(args, sizeof(args),
	         "{\"service_data\":{\"service\":{\"name\":\"Web\",\"escalation_policy\":"
	         "{\"id\":\"PEP1\"}},\"a\":\"x\",\"a.b\":1,\"%s.y\":2}}",
	         long_part);
	T_EQ_INT(body_of(row(cat, "create_service"), args, &body, &err), PDB_OK);
	T_EQ_STR(cJSON_GetObjectItemCaseSensitive(body, "a")->valuestring, "x");
	T_EQ_INT(cJSON_GetObjectItemCaseSensitive(body, "a.b")->valueint, 1);
	snprintf(args, sizeof(args), "%s.y", long_part);
	v = cJSON_GetObjectItemCaseSensitive(body, args);
	T_CHECK(v && v->valueint == 2);
	T_CHECK(!cJSON_GetObjectItemCaseSensitive(body, long_part));
	/* the row's base and the model were merged as before */
	v = cJSON_GetObjectItemCaseSensitive(body, "service");
	T_EQ_STR(cJSON_GetObjectItemCaseSensitive(v, "name")->valuestring, "Web");
	v = cJSON_GetObjectItemCaseSensitive(v, "escalation_policy");
	T_EQ_STR(cJSON_GetObjectItemCaseSensitive(v, "type")->valuestring,
	         "escalation_policy_reference");
	T_EQ_STR(cJSON_GetObjectItemCaseSensitive(v, "id")->valuestring, "PEP1");
	jsonx_free(body);
	tool_catalog_free(cat);
}

static void a_dotted_row_key_names_its_argument_on_a_clash(void)
{
	static const struct tool_param params[] = {
	    {.name = "note", .type = TT_STR, .flags = TP_BODY},
	    {.name = "text", .type = TT_STR, .flags = TP_BODY, .key = "note.content"},
	};
	static const struct tool_def d = {
	    .name = "clash", PARAMS(params), .method = PD_POST, .path = "/x"};
	struct pdb_err err;
	cJSON *body;

	T_EQ_INT(body_of(&d, "{\"text\":\"hi\"}", &body, &err), PDB_OK);
	T_EQ_STR(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(body, "note"),
	                                          "content")
	             ->valuestring,
	         "hi");
	jsonx_free(body);
	/* "note" is a string, so "note.content" has nowhere to go: said, not "out of memory" */
	T_EQ_INT(body_of(&d, "{\"note\":\"x\",\"text\":\"hi\"}", &body, &err), PDB_E_INVAL);
	T_CHECK(!body);
	T_EQ_STR(err.msg, "argument 'text' goes in the request body at 'note.content', but 'note' "
	                  "there is already a value that is not an object");
}

static void from_addresses_cannot_inject_headers(void)
{
	struct pd_client *c = NULL;
	struct pdb_err err;

	pd_conf_init(&pdc);
	T_EQ_INT(pd_global_init(), PDB_OK);
	T_EQ_INT(pd_client_new(&pdc, &c, &err), PDB_OK);
	T_CHECK(!pd_client_has_from(c));
	T_EQ_INT(pd_client_set_from(c, "a@example.com\r\nX-Evil: 1"), PDB_E_INVAL);
	T_EQ_INT(pd_client_set_from(c, ""), PDB_E_INVAL);
	T_CHECK(!pd_client_has_from(c));
	T_EQ_INT(pd_client_set_from(c, "a@example.com"), PDB_OK);
	T_CHECK(pd_client_has_from(c));
	pd_client_free(c);
	pd_global_cleanup();
}

static void resources_take_fed_content(void)
{
	struct pdb_err err;
	struct tool_catalog *cat = catalog(false, NULL, NULL, &err);
	const struct mcp_resource *r;
	size_t n;

	T_CHECK(cat);
	r = tool_catalog_resources(cat, &n);
	T_EQ_INT(n, 3);
	T_EQ_STR(r[0].uri, "pagerduty://oncall/now");
	T_EQ_STR(r[1].uri, "pagerduty://incidents/open");
	T_EQ_STR(r[2].uri, "pagerduty://usage");
	T_EQ_INT(tool_catalog_feed(cat, "pagerduty://nothing", "{}"), PDB_E_NOTFOUND);
	T_EQ_INT(tool_catalog_feed(cat, r[2].uri, "{}"), PDB_E_NOTFOUND); /* counted, not fed */
	T_EQ_INT(tool_catalog_feed(cat, r[0].uri, "{\"incidents\":[]}"), PDB_E_INVAL);
	T_EQ_INT(tool_catalog_feed(cat, r[0].uri, "[1]"), PDB_E_INVAL);
	T_EQ_INT(tool_catalog_feed(cat, r[0].uri, "{\"oncalls\":[]}"), PDB_OK);
	T_EQ_INT(tool_catalog_feed(cat, r[1].uri, "{\"incidents\":[],\"counts\":{}}"), PDB_OK);
	T_EQ_INT(tool_catalog_prompts(cat, &n) != NULL, 1);
	T_EQ_INT(n, 2);
	tool_catalog_free(cat);
}

static const struct t_case cases[] = {
    {"globs_match_like_a_shell", globs_match_like_a_shell},
    {"write_tools_only_with_the_flag", write_tools_only_with_the_flag},
    {"tools_and_exclude_tools_select", tools_and_exclude_tools_select},
    {"schemas_are_objects_without_refs", schemas_are_objects_without_refs},
    {"bad_arguments_say_what_to_fix", bad_arguments_say_what_to_fix},
    {"arguments_are_normalised", arguments_are_normalised},
    {"queries_repeat_array_keys", queries_repeat_array_keys},
    {"client_member_names_are_never_split", client_member_names_are_never_split},
    {"a_dotted_row_key_names_its_argument_on_a_clash",
     a_dotted_row_key_names_its_argument_on_a_clash},
    {"from_addresses_cannot_inject_headers", from_addresses_cannot_inject_headers},
    {"resources_take_fed_content", resources_take_fed_content},
};

T_MAIN(cases)
