/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tools_run.c - the engine: a row and its checked arguments become one
 * PagerDuty request (or a bounded run of pages), and the answer becomes the
 * tool result.
 *
 * Requests: path parameters are percent-encoded into the template (an ID
 * can never add a path segment or a query of its own), query arrays go out
 * as key[] per element, bodies are the row's constant base with the
 * arguments merged over it. Writes carry From.
 *
 * Results keep the official shapes: an object as is, a list as
 * {"response": [...], "response_summary": "..."}, unions and strings under
 * "result". Every result is bounded twice: by records (the limit argument,
 * else the row's cap) and by PDB_TOOL_RESULT_MAX bytes. A list over the
 * byte cap is cut, and its summary says so and how to narrow the query; an
 * object over it is an error with the same advice.
 */
#include "tools_int.h"

#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Room kept below PDB_TOOL_RESULT_MAX for the list wrapper and its summary. */
#define SUMMARY_ROOM 1024

enum pdb_rc tool__oom(struct tool_ctx *x)
{
	return pdb_err_set(x->err, PDB_E_NOMEM, "out of memory");
}

/* --- arguments by name ------------------------------------------------------------ */

const cJSON *tool__arg(const struct tool_ctx *x, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(x->args, name);
	size_t i;

	for (i = 0; !v && i < x->def->n_params; i++)
		if (x->def->params[i].flags & TP_SPREAD)
			v = cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(x->args, x->def->params[i].name),
			    name);
	return v;
}

/* The first parameter (or spread property) carrying @flag, and its value. */
static const cJSON *flagged(const struct tool_ctx *x, unsigned flag)
{
	const struct tool_param *p;
	size_t i, j;

	for (i = 0; i < x->def->n_params; i++) {
		p = &x->def->params[i];
		if (p->flags & flag)
			return tool__arg(x, p->name);
		for (j = 0; (p->flags & TP_SPREAD) && j < p->n_props; j++)
			if (p->props[j].flags & flag)
				return tool__arg(x, p->props[j].name);
	}
	return NULL;
}

size_t tool__cap(const struct tool_ctx *x)
{
	const cJSON *limit = flagged(x, TP_LIMIT);
	size_t cap = x->def->cap ? x->def->cap : PDB_TOOL_RECORDS_MAX;

	if (cJSON_IsNumber(limit))
		cap = (size_t)limit->valuedouble;
	return cap > PDB_TOOL_RECORDS_MAX ? PDB_TOOL_RECORDS_MAX : cap;
}

/* --- where each value goes --------------------------------------------------------- */

enum loc {
	LOC_NONE = 0,
	LOC_PATH = 1,
	LOC_QUERY = 2,
	LOC_BODY = 3,
};

static bool in_path(const char *path, const char *name)
{
	const char *s = path;
	size_t n = strlen(name);

	while ((s = strchr(s, '{')) != NULL) {
		if (!strncmp(s + 1, name, n) && s[1 + n] == '}')
			return true;
		s++;
	}
	return false;
}

static enum loc loc_of(const struct tool_def *d, const struct tool_param *p)
{
	if (in_path(d->path, p->name))
		return LOC_PATH;
	if (p->flags & TP_LOCAL)
		return LOC_NONE;
	if (d->paging == TPG_OFFSET && (p->flags & (TP_LIMIT | TP_OFFSET)))
		return LOC_NONE; /* pd_list sends its own limit and offset */
	if (p->flags & TP_QUERY)
		return LOC_QUERY;
	if (p->flags & TP_BODY)
		return LOC_BODY;
	return d->method == PD_GET || d->method == PD_DELETE ? LOC_QUERY : LOC_BODY;
}

/* --- the path ------------------------------------------------------------------------- */

/* Empty, whitespace, quotes or a placeholder word: what models send when they have no ID. */
static bool blank_id(const char *s)
{
	static const char *const words[] = {"null", "none", "undefined", "nil", ".", ".."};
	size_t i;

	if (!s[strspn(s, " \t\r\n\"'`\\")])
		return true;
	for (i = 0; i < PDB_N_OF(words); i++)
		if (!strcasecmp(s, words[i]))
			return true;
	return false;
}

enum pdb_rc tool__path(struct tool_ctx *x, const char *tmpl, struct buf *out)
{
	char name[64];
	const char *s = tmpl, *open, *close;
	const cJSON *v;
	enum pdb_rc rc = PDB_OK;
	size_t n;

	while (!rc && (open = strchr(s, '{')) != NULL) {
		close = strchr(open, '}');
		n = close ? (size_t)(close - open - 1) : sizeof(name);
		if (n >= sizeof(name))
			return pdb_err_set(x->err, PDB_E_INTERNAL, "bad path template %s", tmpl);
		memcpy(name, open + 1, n);
		name[n] = '\0';
		v = tool__arg(x, name);
		if (!cJSON_IsString(v) || blank_id(v->valuestring))
			return pdb_err_set(x->err, PDB_E_INVAL, "%s must be a non-empty ID", name);
		rc = buf_add(out, s, (size_t)(open - s));
		if (!rc)
			rc = pd_encode(out, v->valuestring, PD_ENC_PATH);
		s = close + 1;
	}
	if (!rc)
		rc = buf_adds(out, s);
	return rc ? pdb_err_set(x->err, rc, "request path too long") : PDB_OK;
}

/* --- the query ---------------------------------------------------------------------- */

static enum pdb_rc query_scalar(struct pd_query *q, const char *key, const cJSON *v)
{
	char num[32];

	if (cJSON_IsString(v))
		return pd_query_add(q, key, v->valuestring);
	if (cJSON_IsBool(v))
		return pd_query_add(q, key, cJSON_IsTrue(v) ? "true" : "false");
	if (!cJSON_IsNumber(v))
		return PDB_E_TYPE;
	if (v->valuedouble == (double)(int64_t)v->valuedouble)
		snprintf(num, sizeof(num), "%lld", (long long)v->valuedouble);
	else
		snprintf(num, sizeof(num), "%.17g", v->valuedouble);
	return pd_query_add(q, key, num);
}

static enum pdb_rc query_value(struct pd_query *q, const struct tool_param *p, const cJSON *v)
{
	char key[96];
	const char *k = p->key ? p->key : p->name;
	size_t n = strlen(k);
	const cJSON *e;
	enum pdb_rc rc = PDB_OK;

	if (!cJSON_IsArray(v))
		return query_scalar(q, k, v);
	/* PagerDuty's arrays: key[]=a&key[]=b */
	snprintf(key, sizeof(key), "%s%s", k, n > 2 && !strcmp(k + n - 2, "[]") ? "" : "[]");
	cJSON_ArrayForEach(e, v)
	{
		rc = query_scalar(q, key, e);
		if (rc)
			break;
	}
	return rc;
}

enum pdb_rc tool__query(struct tool_ctx *x, struct pd_query *q)
{
	const struct tool_def *d = x->def;
	const struct tool_param *p;
	const cJSON *v, *obj;
	size_t i, j;
	enum pdb_rc rc = PDB_OK;

	for (i = 0; i < d->n_params && !rc; i++) {
		p = &d->params[i];
		obj = cJSON_GetObjectItemCaseSensitive(x->args, p->name);
		if (!obj)
			continue;
		if (!(p->flags & TP_SPREAD)) {
			if (loc_of(d, p) == LOC_QUERY)
				rc = query_value(q, p, obj);
			continue;
		}
		for (j = 0; j < p->n_props && !rc; j++) {
			v = cJSON_GetObjectItemCaseSensitive(obj, p->props[j].name);
			if (v && loc_of(d, &p->props[j]) == LOC_QUERY)
				rc = query_value(q, &p->props[j], v);
		}
	}
	return rc ? pdb_err_set(x->err, rc, "the request's query is too long") : PDB_OK;
}

/* --- the body ------------------------------------------------------------------------- */

bool tool__merge(cJSON *dst, const cJSON *src)
{
	const cJSON *m;
	cJSON *have, *copy;

	cJSON_ArrayForEach(m, src)
	{
		have = cJSON_GetObjectItemCaseSensitive(dst, m->string);
		if (cJSON_IsObject(have) && cJSON_IsObject(m)) {
			if (!tool__merge(have, m))
				return false;
			continue;
		}
		copy = cJSON_Duplicate(m, true);
		if (!copy)
			return false;
		if (have ? !cJSON_ReplaceItemViaPointer(dst, have, copy)
		         : !cJSON_AddItemToObject(dst, m->string, copy)) { /* takes copy */
			cJSON_Delete(copy);
			return false;
		}
	}
	return true;
}

/* The member of @o named by the @n bytes at @name, or NULL. */
static cJSON *member_n(const cJSON *o, const char *name, size_t n)
{
	cJSON *c;

	for (c = o->child; c; c = c->next)
		if (c->string && !strncmp(c->string, name, n) && !c->string[n])
			return c;
	return NULL;
}

/*
 * Put @v at @key of @body, merging into what is there. Only a key of the
 * row's (@dotted: "note.content") names nested objects, made as needed; a
 * member name the client sent is one name, a '.' in it included. Errors
 * name argument @arg: PDB_E_INVAL when another argument put a value that is
 * not an object where this key needs one, PDB_E_NOMEM.
 */
static enum pdb_rc body_set(struct tool_ctx *x, cJSON *body, const char *key, bool dotted,
                            const char *arg, const cJSON *v)
{
	const char *dot, *at = key;
	cJSON *child, *wrap;
	char *seg;
	bool ok;

	while (dotted && (dot = strchr(at, '.')) != NULL) {
		child = member_n(body, at, (size_t)(dot - at));
		if (!child) {
			seg = mem_strndup(at, (size_t)(dot - at));
			child = seg ? cJSON_AddObjectToObject(body, seg) : NULL;
			mem_free(seg);
			if (!child)
				return tool__oom(x);
		}
		if (!cJSON_IsObject(child))
			return pdb_err_set(
			    x->err, PDB_E_INVAL,
			    "argument '%s' goes in the request body at '%s', but '%.*s' "
			    "there is already a value that is not an object",
			    arg, key, (int)(dot - key), key);
		body = child;
		at = dot + 1;
	}
	wrap = cJSON_CreateObject();
	if (!wrap || !cJSON_AddItemReferenceToObject(wrap, at, (cJSON *)v)) {
		cJSON_Delete(wrap);
		return tool__oom(x);
	}
	ok = tool__merge(body, wrap);
	cJSON_Delete(wrap); /* deletes only the reference */
	return ok ? PDB_OK : tool__oom(x);
}

static const struct tool_param *prop_of(const struct tool_param *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_props; i++)
		if (!strcmp(p->props[i].name, name))
			return &p->props[i];
	return NULL;
}

enum pdb_rc tool__body(struct tool_ctx *x, cJSON **out)
{
	const struct tool_def *d = x->def;
	const struct tool_param *p, *prop;
	const cJSON *v, *obj;
	cJSON *body = NULL;
	size_t i, j;
	enum pdb_rc rc = PDB_OK;

	if (d->body_base)
		rc = jsonx_parse(d->body_base, strlen(d->body_base), &body, NULL);
	else if (!(body = cJSON_CreateObject()))
		rc = PDB_E_NOMEM;
	if (rc)
		return rc == PDB_E_NOMEM
		           ? tool__oom(x)
		           : pdb_err_set(x->err, PDB_E_INTERNAL, "%s: bad body base", d->name);
	for (i = 0; !rc && i < d->n_params; i++) {
		p = &d->params[i];
		obj = cJSON_GetObjectItemCaseSensitive(x->args, p->name);
		if (!obj)
			continue;
		if (!(p->flags & TP_SPREAD)) {
			if (loc_of(d, p) == LOC_BODY)
				rc = body_set(x, body, p->key ? p->key : p->name, true, p->name,
				              obj);
			continue;
		}
		for (j = 0; !rc && j < p->n_props; j++) {
			prop = &p->props[j];
			v = cJSON_GetObjectItemCaseSensitive(obj, prop->name);
			if (v && loc_of(d, prop) == LOC_BODY)
				rc = body_set(x, body, prop->key ? prop->key : prop->name, true,
				              prop->name, v);
		}
		/* a spread object's other members (fields PagerDuty knows and we do not) */
		for (v = obj->child; !rc && v; v = v->next)
			if (!prop_of(p, v->string))
				rc = body_set(x, body, v->string, false, v->string, v);
	}
	if (rc) {
		jsonx_free(body);
		return rc;
	}
	*out = body;
	return PDB_OK;
}

/* --- requests ------------------------------------------------------------------------- */

static const char *const method_names[] = {"GET", "POST", "PUT", "DELETE"};

/*
 * "METHOD path: <what pd said>", except the missing-key text, which starts
 * with the official words (agents match on them) and then says where the key
 * was looked for.
 */
static enum pdb_rc with_context(struct tool_ctx *x, enum pd_method m, const char *path,
                                enum pdb_rc rc)
{
	char msg[PDB_ERRMSG_MAX];

	if (!strncmp(x->err->msg, PD_ERR_NO_KEY, strlen(PD_ERR_NO_KEY)))
		return rc;
	snprintf(msg, sizeof(msg), "%s", pdb_err_text(x->err));
	return pdb_err_set(x->err, rc, "%s %.100s: %s", method_names[m], path, msg);
}

/* Changes carry From: the configured address, else the current user's, once known. */
static unsigned from_flag(struct tool_ctx *x, enum pd_method m)
{
	struct tool_me me;
	struct pdb_err ign;

	if (!(x->def->flags & TD_WRITE) || m == PD_GET)
		return 0;
	if (pd_client_has_from(x->pc))
		return PD_FROM;
	if (!tool__me(x->cat, x->pc, &me, &ign) && me.email[0] &&
	    !pd_client_set_from(x->pc, me.email))
		return PD_FROM;
	LOG_DEBUG("tools", "%s: no From address known (set --from or PDBRIDGE_FROM_EMAIL)",
	          x->def->name);
	return 0;
}

enum pdb_rc tool__call(struct tool_ctx *x, enum pd_method m, const char *path,
                       const struct pd_query *q, const cJSON *body, struct pd_response *resp)
{
	unsigned flags = from_flag(x, m);
	struct buf text;
	enum pdb_rc rc = PDB_OK;

	buf_init(&text, PDB_PD_REQ_BODY_MAX);
	if (body)
		rc = jsonx_print(body, &text);
	if (rc) {
		buf_free(&text);
		memset(resp, 0, sizeof(*resp));
		return pdb_err_set(x->err, rc, "the request body is longer than %u bytes",
		                   (unsigned)PDB_PD_REQ_BODY_MAX);
	}
	rc = pd_call(x->pc, m, path, q, body ? buf_cstr(&text) : NULL, flags, resp, x->err);
	buf_free(&text);
	return rc ? with_context(x, m, path, rc) : PDB_OK;
}

enum pdb_rc tool__list(struct tool_ctx *x, const char *path, const char *key,
                       const struct pd_query *q, size_t offset, size_t cap, struct tool_list *out)
{
	struct pd_list_result res;
	enum pdb_rc rc;

	out->items = NULL;
	out->more = false;
	rc = pd_list_json_from(x->pc, path, key, q, offset, cap, PDB_TOOL_RESULT_MAX, &out->items,
	                       &res, x->err);
	if (rc)
		return with_context(x, PD_GET, path, rc);
	out->more = res.truncated;
	return PDB_OK;
}

/* --- results ---------------------------------------------------------------------------- */

/* The compact JSON size of @v, or (size_t)-1 past PDB_TOOL_RESULT_MAX. */
static size_t json_size(const cJSON *v, struct buf *scratch)
{
	buf_reset(scratch);
	return jsonx_print(v, scratch) ? (size_t)-1 : buf_len(scratch);
}

static enum pdb_rc too_big(struct tool_ctx *x)
{
	return pdb_err_set(x->err, PDB_E_TOO_LARGE,
	                   "the answer is larger than the %u-byte result cap: narrow the query "
	                   "(fewer IDs, a shorter since/until range, a smaller limit)",
	                   (unsigned)PDB_TOOL_RESULT_MAX);
}

/* Hand @obj over as structuredContent (as JSON text in "result" for TD_TEXT rows). */
static enum pdb_rc emit(struct tool_ctx *x, cJSON *obj)
{
	struct buf b;
	enum pdb_rc rc;

	buf_init(&b, PDB_TOOL_RESULT_MAX);
	rc = jsonx_print(obj, &b);
	if (rc) {
		buf_free(&b);
		jsonx_free(obj);
		return rc == PDB_E_TOO_LARGE ? too_big(x) : tool__oom(x);
	}
	if (x->def->flags & TD_TEXT) {
		jsonx_free(obj);
		rc = tool__emit_text(x, buf_cstr(&b));
		buf_free(&b);
		return rc;
	}
	buf_free(&b);
	rc = mcp_call_structured(x->call, obj); /* takes obj */
	return rc ? tool__oom(x) : PDB_OK;
}

enum pdb_rc tool__emit_object(struct tool_ctx *x, cJSON *obj)
{
	if (!cJSON_IsObject(obj)) {
		jsonx_free(obj);
		return pdb_err_set(x->err, PDB_E_PARSE, "PagerDuty's answer holds no object");
	}
	return emit(x, obj);
}

enum pdb_rc tool__emit_wrap(struct tool_ctx *x, cJSON *value)
{
	cJSON *res = cJSON_CreateObject();

	if (!value || !res || !cJSON_AddItemToObject(res, "result", value)) { /* takes value */
		jsonx_free(value);
		jsonx_free(res);
		return tool__oom(x);
	}
	return emit(x, res);
}

enum pdb_rc tool__emit_text(struct tool_ctx *x, const char *text)
{
	cJSON *res = cJSON_CreateObject();

	/* the text itself is the content, as the official server's string results */
	if (!res || !cJSON_AddStringToObject(res, "result", text) ||
	    mcp_out_text(mcp_call_out(x->call), text)) {
		jsonx_free(res);
		return tool__oom(x);
	}
	return mcp_call_structured(x->call, res) ? tool__oom(x) : PDB_OK;
}

/* Drop the records past the byte cap; returns how many were kept. */
static size_t cut_to_bytes(cJSON *items, struct buf *scratch, size_t total)
{
	size_t used = 2, kept = 0, sz;
	cJSON *it = items->child, *next;

	for (; it; it = next) {
		next = it->next;
		sz = json_size(it, scratch);
		if (sz == (size_t)-1 || used + sz + 1 > PDB_TOOL_RESULT_MAX - SUMMARY_ROOM)
			break;
		used += sz + 1;
		kept++;
	}
	while (total-- > kept)
		cJSON_DeleteItemFromArray(items, (int)kept);
	return kept;
}

static bool add_summary(struct tool_ctx *x, cJSON *res, size_t n, size_t before, bool more)
{
	const char *type = x->def->type ? x->def->type : "Record";
	char text[PDB_ERRMSG_MAX * 2];
	size_t len;

	len = (size_t)snprintf(text, sizeof(text),
	                       "ListResponseModel<%s>:\n- Returned %zu record(s) of type '%s'.",
	                       type, n, type);
	if (more && n == before && len < sizeof(text))
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		                        "\n- WARNING: The number of records equals the response "
		                        "limit. There may be more records not included in this "
		                        "response. Narrow the query, or raise limit (at most %d).",
		                        PDB_TOOL_RECORDS_MAX);
	if (n < before && len < sizeof(text))
		snprintf(
		    text + len, sizeof(text) - len,
		    "\n- TRUNCATED: only the first %zu of %zu record(s) fit the %u-byte result "
		    "cap. Narrow the query (filters, a shorter since/until range) or pass a "
		    "smaller limit.",
		    n, before, (unsigned)PDB_TOOL_RESULT_MAX);
	return cJSON_AddStringToObject(res, "response_summary", text) != NULL;
}

enum pdb_rc tool__emit_list(struct tool_ctx *x, struct tool_list *l, cJSON *fields)
{
	cJSON *res = cJSON_CreateObject(), *items = l->items;
	size_t before = (size_t)cJSON_GetArraySize(items), n;
	struct buf scratch;
	bool ok;

	l->items = NULL;
	buf_init(&scratch, PDB_TOOL_RESULT_MAX);
	n = items ? cut_to_bytes(items, &scratch, before) : 0;
	buf_free(&scratch);
	ok = res && items && cJSON_AddItemToObject(res, "response", items); /* takes items */
	if (!ok)
		jsonx_free(items);
	ok = ok && (!fields || tool__merge(res, fields)) && add_summary(x, res, n, before, l->more);
	jsonx_free(fields);
	if (!ok) {
		jsonx_free(res);
		return tool__oom(x);
	}
	if (n < before)
		LOG_INFO("tools", "%s: result cut from %zu to %zu records at %u bytes",
		         x->def->name, before, n, (unsigned)PDB_TOOL_RESULT_MAX);
	return emit(x, res);
}

/* --- the engine ------------------------------------------------------------------------- */

/* The TR_DONE message: the row's template with {name} replaced by that argument. */
static enum pdb_rc emit_done(struct tool_ctx *x)
{
	char out[PDB_ERRMSG_MAX], name[64];
	const char *s = x->def->done, *open, *close;
	const cJSON *v;
	size_t len = 0, n;

	out[0] = '\0';
	while ((open = strchr(s, '{')) != NULL && (close = strchr(open, '}')) != NULL) {
		n = (size_t)(close - open - 1);
		if (n >= sizeof(name))
			break;
		memcpy(name, open + 1, n);
		name[n] = '\0';
		v = tool__arg(x, name);
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%.*s%.80s", (int)(open - s),
		                        s, cJSON_IsString(v) ? v->valuestring : "?");
		s = close + 1;
		if (len >= sizeof(out))
			break;
	}
	if (len < sizeof(out))
		snprintf(out + len, sizeof(out) - len, "%s", s);
	return tool__emit_text(x, out);
}

/* The answer's list, cut to @cap. */
static enum pdb_rc emit_one_list(struct tool_ctx *x, cJSON *body)
{
	struct tool_list l = {0};
	size_t cap = tool__cap(x);
	cJSON *first;
	bool more = false;

	l.items =
	    x->def->unwrap ? cJSON_DetachItemFromObjectCaseSensitive(body, x->def->unwrap) : NULL;
	if (!cJSON_IsArray(l.items)) {
		jsonx_free(l.items);
		return pdb_err_set(x->err, PDB_E_PARSE, "PagerDuty's answer has no '%s' list",
		                   x->def->unwrap ? x->def->unwrap : "?");
	}
	if (x->def->flags & TD_FIRST) {
		first = cJSON_DetachItemFromArray(l.items, 0);
		jsonx_free(l.items);
		return tool__emit_object(x, first ? first : cJSON_CreateObject());
	}
	if (jsonx_get_bool(body, "more", &more))
		more = false;
	while ((size_t)cJSON_GetArraySize(l.items) > cap) {
		cJSON_DeleteItemFromArray(l.items, (int)cap);
		more = true;
	}
	l.more = more;
	return tool__emit_list(x, &l, NULL);
}

static enum pdb_rc shape(struct tool_ctx *x, struct pd_response *resp)
{
	const struct tool_def *d = x->def;
	cJSON *v;

	if (d->result == TR_DONE)
		return emit_done(x);
	if (!resp->json)
		return pdb_err_set(x->err, PDB_E_PARSE, "PagerDuty sent an empty answer");
	if (d->result == TR_LIST)
		return emit_one_list(x, resp->json);
	if (d->unwrap) {
		v = cJSON_DetachItemFromObjectCaseSensitive(resp->json, d->unwrap);
		if (!v)
			return pdb_err_set(x->err, PDB_E_PARSE, "PagerDuty's answer has no '%s'",
			                   d->unwrap);
	} else {
		v = resp->json;
		resp->json = NULL;
	}
	return d->result == TR_WRAP ? tool__emit_wrap(x, v) : tool__emit_object(x, v);
}

static enum pdb_rc run_paged(struct tool_ctx *x, const char *path, const struct pd_query *q)
{
	const cJSON *off = flagged(x, TP_OFFSET);
	struct tool_list l;
	enum pdb_rc rc;

	rc = tool__list(x, path, x->def->unwrap, q,
	                cJSON_IsNumber(off) ? (size_t)off->valuedouble : 0, tool__cap(x), &l);
	return rc ? rc : tool__emit_list(x, &l, NULL);
}

enum pdb_rc tool__run(struct tool_ctx *x, const struct pd_query *extra)
{
	const struct tool_def *d = x->def;
	struct pd_response resp = {0};
	struct pd_query q;
	struct buf path;
	cJSON *body = NULL;
	enum pdb_rc rc;

	buf_init(&path, PDB_PD_URL_LEN_MAX);
	pd_query_init(&q);
	rc = tool__path(x, d->path, &path);
	if (!rc)
		rc = tool__query(x, &q);
	if (!rc && extra && buf_len(&extra->b)) {
		if (buf_len(&q.b))
			rc = buf_addc(&q.b, '&');
		if (!rc)
			rc = buf_add(&q.b, buf_cstr(&extra->b), buf_len(&extra->b));
		if (rc)
			rc = pdb_err_set(x->err, rc, "the request's query is too long");
	}
	if (!rc && (d->method == PD_POST || d->method == PD_PUT))
		rc = tool__body(x, &body);
	if (!rc && d->paging == TPG_OFFSET) {
		rc = run_paged(x, buf_cstr(&path), &q);
	} else if (!rc) {
		rc = tool__call(x, d->method, buf_cstr(&path), &q, body, &resp);
		if (!rc)
			rc = shape(x, &resp);
		pd_response_free(&resp);
	}
	jsonx_free(body);
	pd_query_free(&q);
	buf_free(&path);
	return rc;
}
