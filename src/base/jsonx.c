/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * jsonx.c - bounded parsing and typed getters over cJSON (see jsonx.h).
 *
 * The pre-scan walks the text once, outside and inside strings, so that
 * cJSON's recursive descent only ever sees input whose depth, size and
 * encoding are already known to be sane.
 */
#include <pdbridge/clock.h>
#include <pdbridge/jsonx.h>
#include <pdbridge/limits.h>
#include <pdbridge/mem.h>

#include <cjson/cJSON.h>

#include <math.h>
#include <string.h>

static void *hook_malloc(size_t n)
{
	return mem_malloc(n);
}

static void hook_free(void *p)
{
	mem_free(p);
}

void jsonx_init(void)
{
	cJSON_Hooks hooks = {.malloc_fn = hook_malloc, .free_fn = hook_free};

	cJSON_InitHooks(&hooks);
}

const char *jsonx_lib_version(void)
{
	return cJSON_Version();
}

/* Length of the UTF-8 sequence at @s (at most @left bytes), 0 if malformed. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
	unsigned c = s[0];
	size_t n, i;
	unsigned long cp;

	if (c < 0x80u)
		return 1;
	if (c >= 0xC2u && c <= 0xDFu)
		n = 2, cp = c & 0x1Fu;
	else if (c >= 0xE0u && c <= 0xEFu)
		n = 3, cp = c & 0x0Fu;
	else if (c >= 0xF0u && c <= 0xF4u)
		n = 4, cp = c & 0x07u;
	else
		return 0;
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0u) != 0x80u)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3Fu);
	}
	if ((n == 3 && cp < 0x800u) || (n == 4 && cp < 0x10000ul) || cp > 0x10FFFFul ||
	    (cp >= 0xD800u && cp <= 0xDFFFu))
		return 0;
	return n;
}

bool jsonx_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		n = utf8_seq(p + i, len - i);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

/* Depth, NUL and "\u0000" check; @err gets the offset of the first problem. */
static enum pdb_rc prescan(const char *t, size_t len, struct pdb_err *err)
{
	size_t i, depth = 0;
	bool in_str = false;

	for (i = 0; i < len; i++) {
		char c = t[i];

		if (c == '\0')
			return pdb_err_set(err, PDB_E_PARSE, "NUL byte at offset %zu", i);
		if (in_str) {
			if (c == '\\' && i + 1 < len) {
				if (t[i + 1] == 'u' && i + 5 < len && !memcmp(t + i + 2, "0000", 4))
					return pdb_err_set(err, PDB_E_PARSE,
					                   "\\u0000 in string at offset %zu", i);
				i++;
			} else if (c == '"') {
				in_str = false;
			}
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++depth > PDB_MAX_JSON_DEPTH)
				return pdb_err_set(err, PDB_E_PARSE,
				                   "nesting deeper than %d at offset %zu",
				                   PDB_MAX_JSON_DEPTH, i);
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return PDB_OK;
}

enum pdb_rc jsonx_parse(const char *text, size_t len, struct cJSON **out, struct pdb_err *err)
{
	const char *end = NULL;
	struct mem_stats before, after;
	cJSON *doc;
	enum pdb_rc rc;

	*out = NULL;
	if (len > PDB_MAX_JSON_TEXT)
		return pdb_err_set(err, PDB_E_TOO_LARGE, "JSON text of %zu bytes exceeds %u", len,
		                   (unsigned)PDB_MAX_JSON_TEXT);
	if (!jsonx_utf8_valid(text, len))
		return pdb_err_set(err, PDB_E_PARSE, "JSON text is not valid UTF-8");
	rc = prescan(text, len, err);
	if (rc)
		return rc;
	mem_get_stats(&before);
	doc = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!doc) {
		/* cJSON reports an allocation failure as a syntax error: ask mem. */
		mem_get_stats(&after);
		if (after.failures != before.failures)
			return pdb_err_set(err, PDB_E_NOMEM, "out of memory parsing JSON");
		return pdb_err_set(err, PDB_E_PARSE, "invalid JSON at offset %zu",
		                   (size_t)(end - text));
	}
	while (end < text + len && strchr(" \t\r\n", *end))
		end++;
	if (end != text + len) {
		cJSON_Delete(doc);
		return pdb_err_set(err, PDB_E_PARSE, "unexpected data after JSON at offset %zu",
		                   (size_t)(end - text));
	}
	*out = doc;
	return PDB_OK;
}

void jsonx_free(struct cJSON *doc)
{
	cJSON_Delete(doc);
}

/*
 * The member @key of @obj when @is accepts it, else NULL with *@rc set:
 * PDB_E_MISSING when absent (JSON null counts as absent), PDB_E_TYPE when
 * @obj is no object or the member fails @is.
 */
static const cJSON *member(const cJSON *obj, const char *key, cJSON_bool (*is)(const cJSON *),
                           enum pdb_rc *rc)
{
	const cJSON *v;

	*rc = PDB_E_TYPE;
	if (!cJSON_IsObject(obj))
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v || cJSON_IsNull(v)) {
		*rc = PDB_E_MISSING;
		return NULL;
	}
	if (!is(v))
		return NULL;
	*rc = PDB_OK;
	return v;
}

enum pdb_rc jsonx_get_str(const struct cJSON *obj, const char *key, const char **out)
{
	enum pdb_rc rc;
	const cJSON *v = member(obj, key, cJSON_IsString, &rc);

	if (v)
		*out = v->valuestring;
	return rc;
}

enum pdb_rc jsonx_copy_str(const struct cJSON *obj, const char *key, char *dst, size_t dst_len)
{
	const char *s;
	enum pdb_rc rc = jsonx_get_str(obj, key, &s);
	size_t n;

	if (dst_len)
		dst[0] = '\0';
	if (rc)
		return rc;
	n = strlen(s);
	if (n >= dst_len)
		return PDB_E_TOO_LARGE;
	memcpy(dst, s, n + 1);
	return PDB_OK;
}

enum pdb_rc jsonx_get_int(const struct cJSON *obj, const char *key, int64_t min, int64_t max,
                          int64_t *out)
{
	enum pdb_rc rc;
	const cJSON *v = member(obj, key, cJSON_IsNumber, &rc);
	double d;

	if (!v)
		return rc;
	d = v->valuedouble;
	if (!isfinite(d) || d > (double)JSONX_INT_MAX || d < -(double)JSONX_INT_MAX)
		return PDB_E_RANGE;
	if (d != floor(d))
		return PDB_E_TYPE;
	if ((int64_t)d < min || (int64_t)d > max)
		return PDB_E_RANGE;
	*out = (int64_t)d;
	return PDB_OK;
}

enum pdb_rc jsonx_get_bool(const struct cJSON *obj, const char *key, bool *out)
{
	enum pdb_rc rc;
	const cJSON *v = member(obj, key, cJSON_IsBool, &rc);

	if (v)
		*out = cJSON_IsTrue(v);
	return rc;
}

enum pdb_rc jsonx_get_obj(const struct cJSON *obj, const char *key, const struct cJSON **out)
{
	enum pdb_rc rc;
	const cJSON *v = member(obj, key, cJSON_IsObject, &rc);

	if (v)
		*out = v;
	return rc;
}

enum pdb_rc jsonx_get_arr(const struct cJSON *obj, const char *key, const struct cJSON **out)
{
	enum pdb_rc rc;
	const cJSON *v = member(obj, key, cJSON_IsArray, &rc);

	if (v)
		*out = v;
	return rc;
}

bool jsonx_add_time(cJSON *o, const char *key, int64_t ms)
{
	char iso[CLK_ISO_LEN];

	if (!ms)
		return cJSON_AddNullToObject(o, key) != NULL;
	clk_format_iso(ms, iso);
	return cJSON_AddStringToObject(o, key, iso) != NULL;
}

enum pdb_rc jsonx_print(const struct cJSON *v, struct buf *out)
{
	char *text = cJSON_PrintUnformatted(v);
	enum pdb_rc rc;

	if (!text)
		return PDB_E_NOMEM;
	rc = buf_adds(out, text);
	cJSON_free(text);
	return rc;
}
