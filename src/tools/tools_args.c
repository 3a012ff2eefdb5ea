/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tools_args.c - tool arguments checked against the row's parameter specs.
 *
 * Nothing reaches PagerDuty before this passes, and every refusal is a
 * message the model can act on: which argument, what it must be, what it
 * was. Works on a copy, which it normalises for the engine:
 *
 *   - null is "absent" (the official schemas mark optional parameters
 *     nullable, and models send null for "no filter");
 *   - a non-string parameter given as a string of JSON ("[\"P1\"]", "5",
 *     "true", "{}") is parsed, as FastMCP does: several clients send
 *     nested objects that way (official issue #54), and one bad encoding
 *     should not cost a turn;
 *   - an alias is renamed (team_ids where the official name is teams_ids);
 *   - defaults are filled in, nested ones too, so the request carries what
 *     the official server's models would send;
 *   - a required object whose fields are all optional (the official
 *     query_model quirk) may be left out: it means {}.
 *
 * Top-level arguments are closed (an unknown one is an error: usually a
 * typo); nested models pass unknown fields through to PagerDuty, which
 * knows its own schema better than a transcription of it.
 */
#include "tools_int.h"

#include <pdbridge/clock.h>

#include <stdio.h>
#include <string.h>

/* The dotted path of the value being checked, for messages. */
#define WHERE_MAX 160

static enum pdb_rc check_object(const struct tool_param *props, size_t n, bool closed, cJSON *obj,
                                const char *where, struct pdb_err *err);

static const char *const kind_names[] = {"a string",  "an integer", "a number",
                                         "a boolean", "an array",   "an object"};

static bool type_ok(enum tool_type t, const cJSON *v)
{
	switch (t) {
	case TT_STR:
		return cJSON_IsString(v);
	case TT_INT:
	case TT_NUM:
		return cJSON_IsNumber(v);
	case TT_BOOL:
		return cJSON_IsBool(v);
	case TT_ARR:
		return cJSON_IsArray(v);
	case TT_OBJ:
		return cJSON_IsObject(v);
	}
	return false;
}

/* A string of JSON where another type is wanted: parse it and swap it in. */
static void coerce(const struct tool_param *p, cJSON *parent, cJSON **v)
{
	cJSON *parsed = NULL;
	const char *s = (*v)->valuestring;

	if (p->type == TT_STR || !cJSON_IsString(*v) || !*s)
		return;
	if (jsonx_parse(s, strlen(s), &parsed, NULL))
		return;
	/* in an object the replacement needs the member's name, which ViaPointer does not copy */
	if (!type_ok(p->type, parsed) ||
	    !(cJSON_IsObject(parent)
	          ? cJSON_ReplaceItemInObjectCaseSensitive(parent, (*v)->string, parsed)
	          : cJSON_ReplaceItemViaPointer(parent, *v, parsed))) {
		jsonx_free(parsed);
		return;
	}
	*v = parsed; /* the parent owns it now */
}

static enum pdb_rc check_enum(const struct tool_param *p, const char *s, const char *where,
                              struct pdb_err *err)
{
	char list[PDB_ERRMSG_MAX / 2] = "";
	size_t i, len = 0;

	for (i = 0; p->enums[i]; i++)
		if (!strcmp(p->enums[i], s))
			return PDB_OK;
	for (i = 0; p->enums[i] && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
		                        p->enums[i]);
	return pdb_err_set(err, PDB_E_INVAL, "%s must be one of: %s (got \"%.40s\")", where, list,
	                   s);
}

/* ISO 8601 date-time, or a bare date (midnight UTC), as pydantic accepts. */
static bool time_ok(const char *s)
{
	char full[32];
	int64_t ms;

	if (strlen(s) == 10) {
		snprintf(full, sizeof(full), "%sT00:00:00Z", s);
		return !clk_parse_iso(full, &ms);
	}
	return !clk_parse_iso(s, &ms);
}

static enum pdb_rc check_string(const struct tool_param *p, const cJSON *v, const char *where,
                                struct pdb_err *err)
{
	const char *s = v->valuestring;

	if (strlen(s) > PDB_TOOL_ARG_STR_MAX)
		return pdb_err_set(err, PDB_E_TOO_LARGE, "%s is longer than %d characters", where,
		                   PDB_TOOL_ARG_STR_MAX);
	if (p->enums)
		return check_enum(p, s, where, err);
	if ((p->flags & TP_TIME) && !time_ok(s))
		return pdb_err_set(err, PDB_E_INVAL,
		                   "%s must be an ISO 8601 date-time such as "
		                   "2026-11-27T10:00:00Z (got \"%.40s\")",
		                   where, s);
	return PDB_OK;
}

static enum pdb_rc check_int(const struct tool_param *p, const cJSON *v, const char *where,
                             struct pdb_err *err)
{
	double d = v->valuedouble;
	int64_t lo = p->min || p->max ? p->min : -JSONX_INT_MAX;
	int64_t hi = p->min || p->max ? p->max : JSONX_INT_MAX;

	if (p->flags & (TP_LIMIT | TP_OFFSET))
		lo = (p->flags & TP_LIMIT) ? 1 : 0;
	if (d != d || d < (double)lo || d > (double)hi || d != (double)(int64_t)d)
		return pdb_err_set(err, PDB_E_RANGE, "%s must be an integer from %lld to %lld",
		                   where, (long long)lo, (long long)hi);
	return PDB_OK;
}

static enum pdb_rc check_value(const struct tool_param *p, cJSON *parent, cJSON *v,
                               const char *where, struct pdb_err *err);

static enum pdb_rc check_array(const struct tool_param *p, cJSON *v, const char *where,
                               struct pdb_err *err)
{
	unsigned max = p->max_items ? p->max_items : PDB_TOOL_ARRAY_MAX;
	char w[WHERE_MAX];
	int n = cJSON_GetArraySize(v), i = 0;
	cJSON *e, *next;
	enum pdb_rc rc;

	if ((unsigned)n > max)
		return pdb_err_set(err, PDB_E_TOO_LARGE, "%s holds %d elements, at most %u allowed",
		                   where, n, max);
	if ((unsigned)n < p->min_items)
		return pdb_err_set(err, PDB_E_INVAL, "%s needs at least %u element(s)", where,
		                   p->min_items);
	if (!p->items)
		return PDB_OK;
	for (e = v->child; e; e = next, i++) {
		next = e->next; /* check_value may swap e for its parsed form */
		snprintf(w, sizeof(w), "%s[%d]", where, i);
		if (cJSON_IsNull(e))
			return pdb_err_set(err, PDB_E_TYPE, "%s must not be null", w);
		rc = check_value(p->items, v, e, w, err);
		if (rc)
			return rc;
	}
	return PDB_OK;
}

static enum pdb_rc check_value(const struct tool_param *p, cJSON *parent, cJSON *v,
                               const char *where, struct pdb_err *err)
{
	coerce(p, parent, &v);
	if (!type_ok(p->type, v))
		return pdb_err_set(err, PDB_E_TYPE, "%s must be %s", where, kind_names[p->type]);
	switch (p->type) {
	case TT_STR:
		return check_string(p, v, where, err);
	case TT_INT:
		return check_int(p, v, where, err);
	case TT_NUM:
	case TT_BOOL:
		return PDB_OK;
	case TT_ARR:
		return check_array(p, v, where, err);
	case TT_OBJ:
		return p->n_props
		           ? check_object(p->props, p->n_props, p->flags & TP_CLOSED, v, where, err)
		           : PDB_OK;
	}
	return PDB_E_INTERNAL;
}

static const struct tool_param *find(const struct tool_param *props, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(props[i].name, name))
			return &props[i];
	return NULL;
}

/* Rename alias members to their parameter's name (when that name is not also given). */
static enum pdb_rc rename_aliases(const struct tool_param *props, size_t n, cJSON *obj)
{
	cJSON *v;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!props[i].alias || cJSON_GetObjectItemCaseSensitive(obj, props[i].name))
			continue;
		v = cJSON_DetachItemFromObjectCaseSensitive(obj, props[i].alias);
		if (v && !cJSON_AddItemToObject(obj, props[i].name, v)) { /* takes v */
			cJSON_Delete(v);
			return PDB_E_NOMEM;
		}
	}
	return PDB_OK;
}

static void join(char *out, size_t len, const char *where, const char *name)
{
	snprintf(out, len, "%s%s%s", where, *where ? "." : "", name);
}

static enum pdb_rc unknown(const struct tool_param *props, size_t n, const char *where,
                           const char *name, struct pdb_err *err)
{
	char list[PDB_ERRMSG_MAX / 2] = "";
	size_t i, len = 0;

	for (i = 0; i < n && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
		                        props[i].name);
	if (!n)
		return pdb_err_set(err, PDB_E_INVAL, "unknown argument '%.40s': %s takes none",
		                   name, *where ? where : "this tool");
	return pdb_err_set(err, PDB_E_INVAL, "unknown argument '%.40s%s%.40s'; expected: %s", where,
	                   *where ? "." : "", name, list);
}

/* Every property of @props is optional (so the object may be {}). */
static bool all_optional(const struct tool_param *props, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (props[i].flags & TP_REQ)
			return false;
	return true;
}

/* An absent property: its default, {} for an optional-only object, or an error. */
static enum pdb_rc fill_absent(const struct tool_param *p, cJSON *obj, const char *w,
                               struct pdb_err *err)
{
	cJSON *v = NULL;
	bool empty_obj = p->type == TT_OBJ && p->n_props && all_optional(p->props, p->n_props) &&
	                 ((p->flags & TP_SPREAD) || (p->flags & TP_REQ));

	if (empty_obj) {
		v = cJSON_CreateObject();
	} else if (p->flags & TP_REQ) {
		return pdb_err_set(err, PDB_E_MISSING, "%s is required", w);
	} else if (p->def && strcmp(p->def, "null")) {
		if (jsonx_parse(p->def, strlen(p->def), &v, NULL))
			return pdb_err_set(err, PDB_E_INTERNAL, "bad default for %s", w);
	} else {
		return PDB_OK;
	}
	if (!v || !cJSON_AddItemToObject(obj, p->name, v)) { /* takes v */
		cJSON_Delete(v);
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory");
	}
	return empty_obj ? check_object(p->props, p->n_props, p->flags & TP_CLOSED, v, w, err)
	                 : PDB_OK;
}

static enum pdb_rc check_object(const struct tool_param *props, size_t n, bool closed, cJSON *obj,
                                const char *where, struct pdb_err *err)
{
	const struct tool_param *p;
	cJSON *v, *next;
	char w[WHERE_MAX];
	size_t i;
	enum pdb_rc rc;

	if (rename_aliases(props, n, obj))
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory");
	for (v = obj->child; v; v = next) {
		next = v->next; /* v may be deleted or replaced */
		p = find(props, n, v->string);
		if (!p) {
			if (closed)
				return unknown(props, n, where, v->string, err);
			continue;
		}
		if (cJSON_IsNull(v)) {
			cJSON_DeleteItemFromObjectCaseSensitive(obj, v->string);
			continue;
		}
		join(w, sizeof(w), where, p->name);
		rc = check_value(p, obj, v, w, err);
		if (rc)
			return rc;
	}
	for (i = 0; i < n; i++) {
		if (cJSON_GetObjectItemCaseSensitive(obj, props[i].name))
			continue;
		join(w, sizeof(w), where, props[i].name);
		rc = fill_absent(&props[i], obj, w, err);
		if (rc)
			return rc;
	}
	return PDB_OK;
}

enum pdb_rc tool__check_args(const struct tool_def *def, const cJSON *args, cJSON **out,
                             struct pdb_err *err)
{
	cJSON *copy;
	enum pdb_rc rc;

	*out = NULL;
	if (!cJSON_IsObject(args))
		return pdb_err_set(err, PDB_E_TYPE, "the arguments must be an object");
	copy = cJSON_Duplicate(args, true);
	if (!copy)
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory");
	rc = check_object(def->params, def->n_params, true, copy, "", err);
	if (rc) {
		jsonx_free(copy);
		return rc;
	}
	*out = copy;
	return PDB_OK;
}
