/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_jsonx.c - bounded parsing and typed getters on hostile JSON. */
#include "harness.h"

#include <pdbridge/jsonx.h>
#include <pdbridge/limits.h>
#include <pdbridge/mem.h>

#include <cjson/cJSON.h>

static struct cJSON *parse(const char *text)
{
	struct cJSON *doc = NULL;
	struct pdb_err e;

	if (jsonx_parse(text, strlen(text), &doc, &e))
		return NULL;
	return doc;
}

static enum pdb_rc parse_rc(const char *text, size_t len, struct pdb_err *e)
{
	struct cJSON *doc = NULL;
	enum pdb_rc rc = jsonx_parse(text, len, &doc, e);

	jsonx_free(doc);
	return rc;
}

static void getters_read_well_typed_fields(void)
{
	struct cJSON *d = parse("{\"id\":\"PABC123\",\"n\":42,\"ok\":true,\"o\":{},\"a\":[1]}");
	const struct cJSON *o, *a;
	const char *s;
	int64_t n;
	bool b;

	T_CHECK(d);
	T_EQ_INT(jsonx_get_str(d, "id", &s), PDB_OK);
	T_EQ_STR(s, "PABC123");
	T_EQ_INT(jsonx_get_int(d, "n", 0, 100, &n), PDB_OK);
	T_EQ_INT(n, 42);
	T_EQ_INT(jsonx_get_bool(d, "ok", &b), PDB_OK);
	T_CHECK(b);
	T_EQ_INT(jsonx_get_obj(d, "o", &o), PDB_OK);
	T_EQ_INT(jsonx_get_arr(d, "a", &a), PDB_OK);
	jsonx_free(d);
}

static void wrong_types_are_type_errors(void)
{
	struct cJSON *d = parse("{\"id\":7,\"n\":\"42\",\"ok\":1,\"o\":[],\"a\":{},\"f\":1.5}");
	const struct cJSON *v;
	const char *s;
	int64_t n;
	bool b;

	T_CHECK(d);
	T_EQ_INT(jsonx_get_str(d, "id", &s), PDB_E_TYPE);
	T_EQ_INT(jsonx_get_int(d, "n", 0, 100, &n), PDB_E_TYPE);
	T_EQ_INT(jsonx_get_bool(d, "ok", &b), PDB_E_TYPE);
	T_EQ_INT(jsonx_get_obj(d, "o", &v), PDB_E_TYPE);
	T_EQ_INT(jsonx_get_arr(d, "a", &v), PDB_E_TYPE);
	T_EQ_INT(jsonx_get_int(d, "f", 0, 100, &n), PDB_E_TYPE); /* a fraction is no integer */
	T_EQ_INT(jsonx_get_str(d, "absent", &s), PDB_E_MISSING);
	jsonx_free(d);
	d = parse("[1,2]"); /* not an object at all */
	T_CHECK(d);
	T_EQ_INT(jsonx_get_str(d, "id", &s), PDB_E_TYPE);
	jsonx_free(d);
}

static void null_counts_as_missing(void)
{
	struct cJSON *d = parse("{\"total\":null}");
	int64_t n;

	T_CHECK(d);
	T_EQ_INT(jsonx_get_int(d, "total", 0, 10, &n), PDB_E_MISSING);
	jsonx_free(d);
}

static void huge_numbers_are_range_errors(void)
{
	struct cJSON *d = parse("{\"a\":1e400,\"b\":-1e400,\"c\":9007199254740993,"
	                        "\"d\":123456789012345678901234567890,\"e\":101,\"f\":-1}");
	int64_t n = 7;

	T_CHECK(d);
	T_EQ_INT(jsonx_get_int(d, "a", INT64_MIN, INT64_MAX, &n), PDB_E_RANGE);
	T_EQ_INT(jsonx_get_int(d, "b", INT64_MIN, INT64_MAX, &n), PDB_E_RANGE);
	T_EQ_INT(jsonx_get_int(d, "c", INT64_MIN, INT64_MAX, &n), PDB_E_RANGE);
	T_EQ_INT(jsonx_get_int(d, "d", INT64_MIN, INT64_MAX, &n), PDB_E_RANGE);
	T_EQ_INT(jsonx_get_int(d, "e", 0, 100, &n), PDB_E_RANGE);
	T_EQ_INT(jsonx_get_int(d, "f", 0, 100, &n), PDB_E_RANGE);
	T_EQ_INT(n, 7); /* untouched on error */
	jsonx_free(d);
}

static void deep_nesting_is_refused_before_parsing(void)
{
	char text[PDB_MAX_JSON_DEPTH * 2 + 8];
	struct pdb_err e;
	size_t i, n = 0;

	/* exactly the limit parses */
	for (i = 0; i < PDB_MAX_JSON_DEPTH; i++)
		text[n++] = '[';
	for (i = 0; i < PDB_MAX_JSON_DEPTH; i++)
		text[n++] = ']';
	T_EQ_INT(parse_rc(text, n, &e), PDB_OK);
	/* one more level does not */
	n = 0;
	for (i = 0; i <= PDB_MAX_JSON_DEPTH; i++)
		text[n++] = '[';
	T_EQ_INT(parse_rc(text, n, &e), PDB_E_PARSE);
	T_CHECK(strstr(e.msg, "nesting") != NULL);
	/* brackets inside strings do not count */
	n = 0;
	text[n++] = '"';
	for (i = 0; i <= PDB_MAX_JSON_DEPTH; i++)
		text[n++] = '[';
	text[n++] = '"';
	T_EQ_INT(parse_rc(text, n, &e), PDB_OK);
}

static void invalid_utf8_is_refused(void)
{
	static const char *const bad[] = {
	    "\"\xC3\"",             /* truncated sequence */
	    "\"\xC0\xAF\"",         /* overlong '/' */
	    "\"\xED\xA0\x80\"",     /* UTF-16 surrogate */
	    "\"\xF4\x90\x80\x80\"", /* above U+10FFFF */
	    "\"\xFF\"",             /* never valid */
	};
	struct pdb_err e;
	size_t i;

	for (i = 0; i < PDB_N_OF(bad); i++)
		T_EQ_INT(parse_rc(bad[i], strlen(bad[i]), &e), PDB_E_PARSE);
	T_EQ_INT(parse_rc("\"\xE2\x82\xAC \xF0\x9F\x94\xA5\"", 10, &e), PDB_OK); /* euro, fire */
}

static void nul_bytes_and_escapes_are_refused(void)
{
	struct pdb_err e;

	T_EQ_INT(parse_rc("{\"a\":\"x\0y\"}", 11, &e), PDB_E_PARSE);
	T_EQ_INT(parse_rc("{\"a\":\"x\\u0000y\"}", 16, &e), PDB_E_PARSE);
	T_EQ_INT(parse_rc("{\"a\":\"x\\\\u0000y\"}", 17, &e), PDB_OK); /* escaped backslash */
}

static void syntax_errors_and_trailing_data(void)
{
	static const char *const bad[] = {
	    "", "{", "{\"a\":}", "[1,]", "{\"a\":1} x", "nul", "\"unterminated", "{\"a\" 1}"};
	struct pdb_err e;
	size_t i;

	for (i = 0; i < PDB_N_OF(bad); i++)
		T_EQ_INT(parse_rc(bad[i], strlen(bad[i]), &e), PDB_E_PARSE);
	T_EQ_INT(parse_rc(" {\"a\":1} \r\n", 11, &e), PDB_OK);
}

static void length_is_honoured_without_a_terminator(void)
{
	const char text[] = "{\"a\":1}GARBAGE";
	struct pdb_err e;

	T_EQ_INT(parse_rc(text, 7, &e), PDB_OK);
}

static void oversize_text_is_refused_unread(void)
{
	struct pdb_err e;

	T_EQ_INT(parse_rc("{}", (size_t)PDB_MAX_JSON_TEXT + 1, &e), PDB_E_TOO_LARGE);
}

/* One run of the sweep: the parse either works or says NOMEM, and only when memory ran out. */
static void oom_parse(void *ud)
{
	const char *text = ud;
	struct pdb_err e;
	enum pdb_rc rc;

	t_oom_arm();
	rc = parse_rc(text, strlen(text), &e);
	t_oom_disarm();
	T_EQ_INT(rc, t_oom_hit() ? PDB_E_NOMEM : PDB_OK);
}

static void out_of_memory_is_reported_as_such(void)
{
	char text[] = "{\"incidents\":[{\"id\":\"P1\"},{\"id\":\"P2\"}]}";

	t_oom_sweep(oom_parse, text, 200);
}

static void copy_str_respects_destination(void)
{
	struct cJSON *d = parse("{\"email\":\"oncall@example.com\"}");
	char small[8], big[64];

	T_CHECK(d);
	T_EQ_INT(jsonx_copy_str(d, "email", small, sizeof(small)), PDB_E_TOO_LARGE);
	T_EQ_STR(small, "");
	T_EQ_INT(jsonx_copy_str(d, "email", big, sizeof(big)), PDB_OK);
	T_EQ_STR(big, "oncall@example.com");
	jsonx_free(d);
}

static void print_is_bounded(void)
{
	struct cJSON *d = parse("{\"a\":[1,2,3],\"b\":\"text\"}");
	struct buf b;

	T_CHECK(d);
	buf_init(&b, 64);
	T_EQ_INT(jsonx_print(d, &b), PDB_OK);
	T_EQ_STR(buf_cstr(&b), "{\"a\":[1,2,3],\"b\":\"text\"}");
	buf_free(&b);
	buf_init(&b, 10);
	T_EQ_INT(jsonx_print(d, &b), PDB_E_TOO_LARGE);
	buf_free(&b);
	jsonx_free(d);
}

static const struct t_case cases[] = {
    {"getters_read_well_typed_fields", getters_read_well_typed_fields},
    {"wrong_types_are_type_errors", wrong_types_are_type_errors},
    {"null_counts_as_missing", null_counts_as_missing},
    {"huge_numbers_are_range_errors", huge_numbers_are_range_errors},
    {"deep_nesting_is_refused_before_parsing", deep_nesting_is_refused_before_parsing},
    {"invalid_utf8_is_refused", invalid_utf8_is_refused},
    {"nul_bytes_and_escapes_are_refused", nul_bytes_and_escapes_are_refused},
    {"syntax_errors_and_trailing_data", syntax_errors_and_trailing_data},
    {"length_is_honoured_without_a_terminator", length_is_honoured_without_a_terminator},
    {"oversize_text_is_refused_unread", oversize_text_is_refused_unread},
    {"out_of_memory_is_reported_as_such", out_of_memory_is_reported_as_such},
    {"copy_str_respects_destination", copy_str_respects_destination},
    {"print_is_bounded", print_is_bounded},
};

static int run(int argc, char **argv)
{
	jsonx_init();
	return t_main(cases, PDB_N_OF(cases), argc, argv);
}

int main(int argc, char **argv)
{
	return run(argc, argv);
}
