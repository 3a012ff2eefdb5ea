/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * jsonx.h - the cJSON adapter: bounded parsing and typed, checked getters.
 *
 * Every JSON text that comes from outside (PagerDuty, MCP clients, MQTT,
 * config imports) is parsed here and nowhere else. jsonx_parse() refuses,
 * before cJSON sees a byte: texts over PDB_MAX_JSON_TEXT, invalid UTF-8,
 * raw NUL bytes, "\u0000" escapes (cJSON would silently cut the string
 * there) and nesting deeper than PDB_MAX_JSON_DEPTH. The getters then turn
 * "the field is there and has the type and range I need" into one call that
 * returns PDB_E_MISSING, PDB_E_TYPE or PDB_E_RANGE instead of a NULL
 * dereference or a silently saturated integer.
 *
 * The document type is cJSON's own, passed through as an opaque struct cJSON:
 * modules that build JSON include <cJSON.h> themselves, but all memory comes
 * from the mem funnel once jsonx_init() has run.
 */
#ifndef PDBRIDGE_JSONX_H
#define PDBRIDGE_JSONX_H

#include <pdbridge/buf.h>
#include <pdbridge/err.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;

/* Largest integer a double tells apart from its neighbours (2^53 - 1). */
#define JSONX_INT_MAX 9007199254740991LL

/** jsonx_init: route cJSON's allocations through mem. Call once, before threads start. */
void jsonx_init(void);

/** jsonx_lib_version: the linked cJSON's version, e.g. "1.7.15". Static string. */
const char *jsonx_lib_version(void);

/**
 * jsonx_parse: parse @len bytes of @text (no NUL terminator needed) into
 * *@out. Caller frees with jsonx_free().
 * Returns PDB_OK, PDB_E_TOO_LARGE, PDB_E_PARSE (with the byte offset and
 * reason in @err) or PDB_E_NOMEM. Whitespace may follow the value; anything
 * else after it is a parse error.
 */
enum pdb_rc jsonx_parse(const char *text, size_t len, struct cJSON **out,
                        struct pdb_err *err) PDB_WARN_UNUSED;

/** jsonx_free: delete a document from jsonx_parse() or a cJSON builder; NULL is a no-op. */
void jsonx_free(struct cJSON *doc);

/**
 * jsonx_get_str: the string member @key of object @obj, borrowed from the
 * document. Returns PDB_OK, PDB_E_MISSING (absent or null), PDB_E_TYPE
 * (present but not a string, or @obj not an object).
 */
enum pdb_rc jsonx_get_str(const struct cJSON *obj, const char *key,
                          const char **out) PDB_WARN_UNUSED;

/**
 * jsonx_copy_str: like jsonx_get_str(), copied into @dst of @dst_len bytes.
 * Also returns PDB_E_TOO_LARGE when the string (plus NUL) does not fit; @dst
 * is then the empty string.
 */
enum pdb_rc jsonx_copy_str(const struct cJSON *obj, const char *key, char *dst,
                           size_t dst_len) PDB_WARN_UNUSED;

/**
 * jsonx_get_int: the integer member @key, which must be a whole number in
 * [@min, @max] (and within +-JSONX_INT_MAX). Returns PDB_OK, PDB_E_MISSING,
 * PDB_E_TYPE (not a number, or has a fraction) or PDB_E_RANGE.
 */
enum pdb_rc jsonx_get_int(const struct cJSON *obj, const char *key, int64_t min, int64_t max,
                          int64_t *out) PDB_WARN_UNUSED;

/** jsonx_get_bool: a true/false member. Returns PDB_OK, PDB_E_MISSING or PDB_E_TYPE. */
enum pdb_rc jsonx_get_bool(const struct cJSON *obj, const char *key, bool *out) PDB_WARN_UNUSED;

/** jsonx_get_obj, jsonx_get_arr: an object / array member, borrowed. Returns as jsonx_get_bool().
 */
enum pdb_rc jsonx_get_obj(const struct cJSON *obj, const char *key,
                          const struct cJSON **out) PDB_WARN_UNUSED;
enum pdb_rc jsonx_get_arr(const struct cJSON *obj, const char *key,
                          const struct cJSON **out) PDB_WARN_UNUSED;

/**
 * jsonx_print: append the compact text of @v to @out (bounded by @out's
 * maximum). Returns PDB_OK, PDB_E_TOO_LARGE or PDB_E_NOMEM.
 */
enum pdb_rc jsonx_print(const struct cJSON *v, struct buf *out) PDB_WARN_UNUSED;

/**
 * jsonx_add_time: add @key to object @o: the ISO-8601 UTC text of @ms
 * (milliseconds since the epoch), or null when @ms is 0 ("no time", as
 * PagerDuty's open-ended on-call). Returns false when cJSON could not
 * allocate.
 */
bool jsonx_add_time(struct cJSON *o, const char *key, int64_t ms);

/**
 * jsonx_utf8_valid: true when @len bytes at @s are well-formed UTF-8 (no
 * overlong forms, no surrogates, nothing above U+10FFFF).
 */
bool jsonx_utf8_valid(const char *s, size_t len);

#endif /* PDBRIDGE_JSONX_H */
