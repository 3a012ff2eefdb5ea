/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mcp_methods.c - the synchronous methods: the four lists (with cursor
 * pagination), resources/read and subscriptions, prompts/get,
 * completion/complete and logging/setLevel.
 *
 * Everything here runs on the loop thread inside mcp_handle(): it reads the
 * embedder's tables and the session, and builds one result object. The
 * list cursors are opaque to clients ("the server picks the page size") but
 * simple for us: a letter naming the list and the offset of the page. A
 * cursor that is not one we could have issued is -32602, as the spec says.
 * tools/list picks a page as large as the catalog.
 */
#include "mcp_int.h"

#include <pdbridge/jsonx.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 5424 severities, lowest first, as logging/setLevel spells them. */
static const char *const level_names[] = {
    [MCP_LOG_DEBUG] = "debug",   [MCP_LOG_INFO] = "info",
    [MCP_LOG_NOTICE] = "notice", [MCP_LOG_WARNING] = "warning",
    [MCP_LOG_ERROR] = "error",   [MCP_LOG_CRITICAL] = "critical",
    [MCP_LOG_ALERT] = "alert",   [MCP_LOG_EMERGENCY] = "emergency",
};

enum pdb_rc mcp__log_level_parse(const char *name, enum mcp_log_level *out)
{
	size_t i;

	for (i = 0; i < PDB_N_OF(level_names); i++) {
		if (!strcmp(name, level_names[i])) {
			*out = (enum mcp_log_level)i;
			return PDB_OK;
		}
	}
	return PDB_E_INVAL;
}

const char *mcp__log_level_name(enum mcp_log_level lvl)
{
	return (unsigned)lvl < PDB_N_OF(level_names) ? level_names[lvl] : "info";
}

static enum pdb_rc oom(struct mcp_req *r)
{
	return mcp__fail(r, RPC_INTERNAL_ERROR, "Internal error: out of memory");
}

/* --- pagination ------------------------------------------------------------------ */

/*
 * The page of @n items the request's cursor names: items [*first, *end),
 * at most @page of them.
 */
static enum pdb_rc page_of(struct mcp_req *r, char kind, size_t n, size_t page, size_t *first,
                           size_t *end)
{
	const cJSON *cur = cJSON_GetObjectItemCaseSensitive(r->m->params, "cursor");
	unsigned long long off = 0;
	const char *s;
	char *e;

	if (cur && !cJSON_IsNull(cur)) {
		s = cJSON_IsString(cur) ? cur->valuestring : "";
		if (s[0] != kind || s[1] < '0' || s[1] > '9')
			return mcp__fail(r, RPC_INVALID_PARAMS, "Invalid params: invalid cursor");
		off = strtoull(s + 1, &e, 10);
		if (*e || off == 0 || off >= n)
			return mcp__fail(r, RPC_INVALID_PARAMS, "Invalid params: invalid cursor");
	}
	*first = (size_t)off;
	*end = n - *first > page ? *first + page : n;
	return PDB_OK;
}

/* A result {@key: [], nextCursor?} for a page ending at @end of @n; *@arr gets the array. */
static cJSON *page_result(const char *key, char kind, size_t end, size_t n, cJSON **arr)
{
	cJSON *res = cJSON_CreateObject();
	char cursor[32];

	*arr = res ? cJSON_AddArrayToObject(res, key) : NULL;
	if (*arr && end < n) { /* "omit nextCursor on the last page" */
		snprintf(cursor, sizeof(cursor), "%c%zu", kind, end);
		if (!cJSON_AddStringToObject(res, "nextCursor", cursor))
			*arr = NULL;
	}
	if (!*arr) {
		cJSON_Delete(res);
		return NULL;
	}
	return res;
}

/* Add string @key: @v unless @v is NULL. */
static bool opt_str(cJSON *o, const char *key, const char *v)
{
	return !v || cJSON_AddStringToObject(o, key, v);
}

/* Add @item (ownership taken) to @arr. */
static bool push(cJSON *arr, cJSON *item)
{
	if (item && cJSON_AddItemToArray(arr, item))
		return true;
	cJSON_Delete(item);
	return false;
}

/* Move @o's array into @obj as @key; false (and everything freed) on OOM. */
static bool add_out(cJSON *obj, const char *key, struct mcp_out *o)
{
	cJSON *arr = mcp__out_take(o);

	if (arr && cJSON_AddItemToObject(obj, key, arr)) /* takes arr */
		return true;
	cJSON_Delete(arr);
	return false;
}

/*
 * Reply with the page of @n items the request's cursor names, at most @page
 * of them, as {@key: [...], nextCursor?}; @item builds item @i (NULL on OOM).
 */
static enum pdb_rc list_page(struct mcp_req *r, const char *key, char kind, size_t n, size_t page,
                             cJSON *(*item)(const struct mcp_req *r, size_t i))
{
	size_t i, first = 0, end = 0;
	cJSON *res, *arr = NULL;

	if (page_of(r, kind, n, page, &first, &end))
		return PDB_E_INVAL;
	res = page_result(key, kind, end, n, &arr);
	if (!res)
		return oom(r);
	for (i = first; i < end; i++)
		if (!push(arr, item(r, i)))
			goto fail;
	r->result = res;
	return PDB_OK;
fail:
	cJSON_Delete(res);
	return oom(r);
}

/* --- tools/list ----------------------------------------------------------------- */

static bool add_hint(cJSON *o, const char *key, enum mcp_hint h)
{
	return h == MCP_HINT_UNSET || cJSON_AddBoolToObject(o, key, h == MCP_HINT_TRUE);
}

static bool add_annotations(cJSON *t, const struct mcp_tool *tool, unsigned features)
{
	const struct mcp_hints *h = &tool->hints;
	bool title = tool->title && !(features & MCP_F_STRUCTURED);
	cJSON *a;

	if (!(features & MCP_F_ANNOTATIONS))
		return true;
	if (!title && h->read_only == MCP_HINT_UNSET && h->destructive == MCP_HINT_UNSET &&
	    h->idempotent == MCP_HINT_UNSET && h->open_world == MCP_HINT_UNSET)
		return true;
	a = cJSON_AddObjectToObject(t, "annotations");
	/* 2025-03-26 has no top-level title, only annotations.title. */
	return a && (!title || cJSON_AddStringToObject(a, "title", tool->title)) &&
	       add_hint(a, "readOnlyHint", h->read_only) &&
	       add_hint(a, "destructiveHint", h->destructive) &&
	       add_hint(a, "idempotentHint", h->idempotent) &&
	       add_hint(a, "openWorldHint", h->open_world);
}

/* tools/list's item @i: the tool as @r's protocol version spells it. */
static cJSON *tool_item(const struct mcp_req *r, size_t i)
{
	const struct mcp_server *srv = r->s->srv;
	const struct mcp_tool *tool = &srv->conf.tools[i];
	unsigned features = r->features;
	bool structured = features & MCP_F_STRUCTURED;
	cJSON *t = cJSON_CreateObject();

	/* Schemas go by reference: kept verbatim ($schema, $defs, ...) and not copied. */
	if (!t || !cJSON_AddStringToObject(t, "name", tool->name) ||
	    !opt_str(t, "title", structured ? tool->title : NULL) ||
	    !cJSON_AddStringToObject(t, "description", tool->description) ||
	    !rpc_add_ref(t, "inputSchema", srv->in_schemas[i]) ||
	    (structured && srv->out_schemas[i] &&
	     !rpc_add_ref(t, "outputSchema", srv->out_schemas[i])) ||
	    !add_annotations(t, tool, features)) {
		cJSON_Delete(t);
		return NULL;
	}
	return t;
}

/*
 * The whole catalog from the cursor on, in one page: many clients never
 * follow nextCursor and would silently lose every tool past the first
 * page. A cursor (from a server that paged) still names where to start.
 */
enum pdb_rc mcp__tools_list(struct mcp_req *r)
{
	size_t n = r->s->srv->conf.n_tools;

	return list_page(r, "tools", 't', n, n, tool_item);
}

/* --- resources ------------------------------------------------------------------ */

static cJSON *described(const char *ukey, const char *uri, const char *name, const char *title,
                        const char *desc, const char *mime, unsigned features)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddStringToObject(o, ukey, uri) ||
	    !cJSON_AddStringToObject(o, "name", name) ||
	    !opt_str(o, "title", features & MCP_F_STRUCTURED ? title : NULL) ||
	    !opt_str(o, "description", desc) || !opt_str(o, "mimeType", mime)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* resources/list's item @i. */
static cJSON *resource_item(const struct mcp_req *r, size_t i)
{
	const struct mcp_resource *x = &r->s->srv->conf.resources[i];

	return described("uri", x->uri, x->name, x->title, x->description, x->mime_type,
	                 r->features);
}

/* resources/templates/list's item @i. */
static cJSON *template_item(const struct mcp_req *r, size_t i)
{
	const struct mcp_template *x = &r->s->srv->conf.templates[i];

	return described("uriTemplate", x->uri_template, x->name, x->title, x->description,
	                 x->mime_type, r->features);
}

/* resources/list: the page of resources the cursor names. */
enum pdb_rc mcp__resources_list(struct mcp_req *r)
{
	const struct mcp_conf *c = &r->s->srv->conf;

	return list_page(r, "resources", 'r', c->n_resources, c->page_size, resource_item);
}

/* resources/templates/list: the page of templates the cursor names. */
enum pdb_rc mcp__templates_list(struct mcp_req *r)
{
	const struct mcp_conf *c = &r->s->srv->conf;

	return list_page(r, "resourceTemplates", 'u', c->n_templates, c->page_size, template_item);
}

/*
 * RFC 6570 level 1 matching: literal text must match exactly, and each {var}
 * matches one or more characters other than '/' up to the next literal.
 */
static bool template_match(const char *t, const char *u)
{
	while (*t) {
		if (*t != '{') {
			if (*t++ != *u++)
				return false;
			continue;
		}
		t = strchr(t, '}');
		if (!t)
			return false;
		t++;
		if (!*u || *u == '/' || *u == *t)
			return false; /* a variable is never empty */
		while (*u && *u != '/' && *u != *t)
			u++;
	}
	return !*u;
}

/* The read function and user data that serve @uri, or NULL. */
static mcp_read_fn find_reader(const struct mcp_conf *c, const char *uri, void **ud)
{
	size_t i;

	for (i = 0; i < c->n_resources; i++) {
		if (!strcmp(c->resources[i].uri, uri)) {
			*ud = c->resources[i].ud;
			return c->resources[i].read;
		}
	}
	for (i = 0; i < c->n_templates; i++) {
		if (template_match(c->templates[i].uri_template, uri)) {
			*ud = c->templates[i].ud;
			return c->templates[i].read;
		}
	}
	return NULL;
}

bool mcp__resource_known(const struct mcp_server *srv, const char *uri)
{
	void *ud;

	return find_reader(&srv->conf, uri, &ud) != NULL;
}

/* The "uri" string param, at most PDB_MCP_URI_MAX bytes. */
static enum pdb_rc uri_param(struct mcp_req *r, const char **uri)
{
	if (jsonx_get_str(r->m->params, "uri", uri))
		return mcp__fail(r, RPC_INVALID_PARAMS, "Invalid params: uri must be a string");
	if (strlen(*uri) > PDB_MCP_URI_MAX)
		return mcp__fail(r, RPC_INVALID_PARAMS, "Invalid params: uri longer than %d bytes",
		                 PDB_MCP_URI_MAX);
	return PDB_OK;
}

/* The handler asked for input (2026-07-28): the result is the question. */
static enum pdb_rc input_required(struct mcp_req *r)
{
	char why[PDB_ERRMSG_MAX];

	r->result = mcp__rounds_result(r->s->srv, &r->rounds, why, sizeof(why));
	return r->result ? PDB_OK : mcp__fail(r, RPC_INTERNAL_ERROR, "Internal error: %s", why);
}

static enum pdb_rc not_found(struct mcp_req *r, const char *uri)
{
	/* Legacy era: -32002 with data.uri (2026-07-28 moves to -32602). */
	r->data = cJSON_CreateObject();
	if (r->data && !cJSON_AddStringToObject(r->data, "uri", uri)) {
		cJSON_Delete(r->data);
		r->data = NULL;
	}
	return mcp__fail(r, RPC_RESOURCE_NOT_FOUND, "Resource not found: %.200s", uri);
}

enum pdb_rc mcp__resources_read(struct mcp_req *r)
{
	struct mcp_out out;
	struct pdb_err err;
	mcp_read_fn read;
	const char *uri;
	void *ud = NULL;
	enum pdb_rc rc;
	cJSON *res;

	if (uri_param(r, &uri))
		return PDB_E_INVAL;
	read = find_reader(&r->s->srv->conf, uri, &ud);
	if (!read)
		return not_found(r, uri);
	mcp__out_init(&out, MCP_OUT_CONTENTS);
	out.rounds = r->rounds.on ? &r->rounds : NULL;
	pdb_err_clear(&err);
	rc = read(uri, &out, ud, &err);
	if (rc == PDB_E_NOTFOUND) {
		mcp__out_free(&out);
		return not_found(r, uri);
	}
	if (!rc && mcp__rounds_asked(&r->rounds)) {
		mcp__out_free(&out);
		return input_required(r);
	}
	if (rc || !out.n) { /* "never an empty contents" */
		mcp__out_free(&out);
		return mcp__fail(r, RPC_INTERNAL_ERROR, "Internal error reading %.200s: %s", uri,
		                 rc ? pdb_err_text(&err) : "no contents");
	}
	res = cJSON_CreateObject();
	if (!res || !add_out(res, "contents", &out)) {
		mcp__out_free(&out);
		cJSON_Delete(res);
		return oom(r);
	}
	r->result = res;
	return PDB_OK;
}

static enum pdb_rc empty_result(struct mcp_req *r)
{
	r->result = cJSON_CreateObject();
	return r->result ? PDB_OK : oom(r);
}

enum pdb_rc mcp__subscribe(struct mcp_req *r)
{
	struct mcp_session *s = r->s;
	const char *uri;
	void *ud;
	size_t i, slot = PDB_MCP_SUBS_MAX;
	char *copy;

	if (uri_param(r, &uri))
		return PDB_E_INVAL;
	if (!find_reader(&s->srv->conf, uri, &ud))
		return not_found(r, uri);
	pthread_mutex_lock(&s->mu);
	for (i = 0; i < PDB_MCP_SUBS_MAX; i++) {
		if (s->subs[i] && !strcmp(s->subs[i], uri)) {
			pthread_mutex_unlock(&s->mu);
			return empty_result(r); /* already subscribed */
		}
		if (!s->subs[i] && slot == PDB_MCP_SUBS_MAX)
			slot = i;
	}
	pthread_mutex_unlock(&s->mu);
	if (slot == PDB_MCP_SUBS_MAX)
		return mcp__fail(r, RPC_INVALID_REQUEST,
		                 "Invalid Request: more than %d subscriptions", PDB_MCP_SUBS_MAX);
	copy = mem_strdup(uri);
	if (!copy)
		return oom(r);
	pthread_mutex_lock(&s->mu);
	s->subs[slot] = copy;
	pthread_mutex_unlock(&s->mu);
	return empty_result(r);
}

enum pdb_rc mcp__unsubscribe(struct mcp_req *r)
{
	struct mcp_session *s = r->s;
	const char *uri;
	size_t i;

	if (uri_param(r, &uri))
		return PDB_E_INVAL;
	pthread_mutex_lock(&s->mu);
	for (i = 0; i < PDB_MCP_SUBS_MAX; i++) {
		if (s->subs[i] && !strcmp(s->subs[i], uri)) {
			mem_free(s->subs[i]);
			s->subs[i] = NULL;
		}
	}
	pthread_mutex_unlock(&s->mu);
	return empty_result(r);
}

/* --- prompts ------------------------------------------------------------------------ */

static cJSON *prompt_arg_json(const struct mcp_prompt_arg *pa)
{
	cJSON *a = cJSON_CreateObject();

	if (!a || !cJSON_AddStringToObject(a, "name", pa->name) ||
	    !opt_str(a, "description", pa->description) ||
	    !cJSON_AddBoolToObject(a, "required", pa->required)) {
		cJSON_Delete(a);
		return NULL;
	}
	return a;
}

/* prompts/list's item @i: the prompt and its arguments, if any. */
static cJSON *prompt_item(const struct mcp_req *r, size_t i)
{
	const struct mcp_prompt *p = &r->s->srv->conf.prompts[i];
	unsigned features = r->features;
	cJSON *o = cJSON_CreateObject(), *args;
	size_t a;

	if (!o || !cJSON_AddStringToObject(o, "name", p->name) ||
	    !opt_str(o, "title", features & MCP_F_STRUCTURED ? p->title : NULL) ||
	    !opt_str(o, "description", p->description))
		goto fail;
	if (!p->n_args)
		return o;
	args = cJSON_AddArrayToObject(o, "arguments");
	if (!args)
		goto fail;
	for (a = 0; a < p->n_args; a++)
		if (!push(args, prompt_arg_json(&p->args[a])))
			goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

/* prompts/list: the page of prompts the cursor names. */
enum pdb_rc mcp__prompts_list(struct mcp_req *r)
{
	const struct mcp_conf *c = &r->s->srv->conf;

	return list_page(r, "prompts", 'p', c->n_prompts, c->page_size, prompt_item);
}

static const struct mcp_prompt *find_prompt(const struct mcp_conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n_prompts; i++)
		if (!strcmp(c->prompts[i].name, name))
			return &c->prompts[i];
	return NULL;
}

/* Check prompt arguments: an object of strings with every required one present. */
static enum pdb_rc check_prompt_args(struct mcp_req *r, const struct mcp_prompt *p,
                                     const cJSON *args)
{
	const cJSON *v;
	size_t i;

	if (args && !cJSON_IsObject(args))
		return mcp__fail(r, RPC_INVALID_PARAMS,
		                 "Invalid params: arguments must be an object");
	cJSON_ArrayForEach(v, args)
	{
		if (!cJSON_IsString(v))
			return mcp__fail(r, RPC_INVALID_PARAMS,
			                 "Invalid params: argument %.64s must be a string",
			                 v->string);
	}
	for (i = 0; i < p->n_args; i++)
		if (p->args[i].required && !cJSON_GetObjectItemCaseSensitive(args, p->args[i].name))
			return mcp__fail(r, RPC_INVALID_PARAMS,
			                 "Invalid params: missing required argument %.64s",
			                 p->args[i].name);
	return PDB_OK;
}

enum pdb_rc mcp__prompts_get(struct mcp_req *r)
{
	const struct mcp_prompt *p;
	const cJSON *args;
	struct mcp_out out;
	struct pdb_err err;
	cJSON *empty = NULL, *res;
	const char *name;
	enum pdb_rc rc;
	int code;

	if (jsonx_get_str(r->m->params, "name", &name))
		return mcp__fail(r, RPC_INVALID_PARAMS, "Invalid params: name must be a string");
	p = find_prompt(&r->s->srv->conf, name);
	if (!p)
		return mcp__fail(r, RPC_INVALID_PARAMS, "Invalid params: unknown prompt %.64s",
		                 name);
	args = cJSON_GetObjectItemCaseSensitive(r->m->params, "arguments");
	if (check_prompt_args(r, p, args))
		return PDB_E_INVAL;
	if (!args || cJSON_IsNull(args))
		args = empty = cJSON_CreateObject();
	if (!args)
		return oom(r);
	mcp__out_init(&out, MCP_OUT_MESSAGES);
	out.rounds = r->rounds.on ? &r->rounds : NULL;
	pdb_err_clear(&err);
	rc = p->get(args, &out, p->ud, &err);
	cJSON_Delete(empty);
	if (!rc && mcp__rounds_asked(&r->rounds)) {
		mcp__out_free(&out);
		return input_required(r);
	}
	if (rc) {
		mcp__out_free(&out);
		code =
		    rpc_code_of(rc) == RPC_INVALID_PARAMS ? RPC_INVALID_PARAMS : RPC_INTERNAL_ERROR;
		return mcp__fail(r, code, "%s: %s", rpc_code_message(code), pdb_err_text(&err));
	}
	res = cJSON_CreateObject();
	if (!res || !opt_str(res, "description", p->description) ||
	    !add_out(res, "messages", &out)) {
		mcp__out_free(&out);
		cJSON_Delete(res);
		return oom(r);
	}
	r->result = res;
	return PDB_OK;
}

/* --- completion/complete ------------------------------------------------------------ */

/* The completer for @ref (ref/prompt by name, ref/resource by template); NULL + fail if none. */
static enum pdb_rc find_completer(struct mcp_req *r, const cJSON *ref, mcp_complete_fn *fn,
                                  void **ud)
{
	const struct mcp_conf *c = &r->s->srv->conf;
	const struct mcp_prompt *p;
	const char *type, *key;
	size_t i;

	if (jsonx_get_str(ref, "type", &type))
		return mcp__fail(r, RPC_INVALID_PARAMS,
		                 "Invalid params: ref.type must be a string");
	if (!strcmp(type, "ref/prompt")) {
		if (jsonx_get_str(ref, "name", &key))
			return mcp__fail(r, RPC_INVALID_PARAMS,
			                 "Invalid params: ref.name must be a string");
		p = find_prompt(c, key);
		if (!p)
			return mcp__fail(r, RPC_INVALID_PARAMS,
			                 "Invalid params: unknown prompt %.64s", key);
		*fn = p->complete;
		*ud = p->ud;
		return PDB_OK;
	}
	if (!strcmp(type, "ref/resource")) {
		if (jsonx_get_str(ref, "uri", &key))
			return mcp__fail(r, RPC_INVALID_PARAMS,
			                 "Invalid params: ref.uri must be a string");
		for (i = 0; i < c->n_templates; i++) {
			if (!strcmp(c->templates[i].uri_template, key)) {
				*fn = c->templates[i].complete;
				*ud = c->templates[i].ud;
				return PDB_OK;
			}
		}
		for (i = 0; i < c->n_resources; i++) {
			if (!strcmp(c->resources[i].uri, key)) {
				*fn = NULL; /* a fixed URI has nothing to complete */
				return PDB_OK;
			}
		}
		return mcp__fail(r, RPC_INVALID_PARAMS, "Invalid params: unknown resource %.200s",
		                 key);
	}
	return mcp__fail(r, RPC_INVALID_PARAMS, "Invalid params: unknown ref.type %.32s", type);
}

enum pdb_rc mcp__complete(struct mcp_req *r)
{
	const cJSON *ref = NULL, *arg = NULL;
	const char *name, *value;
	mcp_complete_fn fn = NULL;
	struct mcp_out out;
	void *ud = NULL;
	cJSON *res, *comp;
	size_t n;

	if (jsonx_get_obj(r->m->params, "ref", &ref) ||
	    jsonx_get_obj(r->m->params, "argument", &arg) || jsonx_get_str(arg, "name", &name) ||
	    jsonx_get_str(arg, "value", &value))
		return mcp__fail(r, RPC_INVALID_PARAMS,
		                 "Invalid params: needs ref and argument {name, value}");
	if (find_completer(r, ref, &fn, &ud))
		return PDB_E_INVAL;
	mcp__out_init(&out, MCP_OUT_VALUES);
	if (fn && fn(name, value, &out, ud)) {
		mcp__out_free(&out);
		return mcp__fail(r, RPC_INTERNAL_ERROR, "Internal error: completion failed");
	}
	n = out.n;
	res = cJSON_CreateObject();
	comp = res ? cJSON_AddObjectToObject(res, "completion") : NULL;
	if (!comp || !add_out(comp, "values", &out) ||
	    !cJSON_AddNumberToObject(comp, "total", (double)n) ||
	    !cJSON_AddBoolToObject(comp, "hasMore", out.has_more)) {
		mcp__out_free(&out);
		cJSON_Delete(res);
		return oom(r);
	}
	r->result = res;
	return PDB_OK;
}

/* --- logging/setLevel ------------------------------------------------------------- */

enum pdb_rc mcp__set_level(struct mcp_req *r)
{
	enum mcp_log_level lvl;
	const char *name;

	if (jsonx_get_str(r->m->params, "level", &name) || mcp__log_level_parse(name, &lvl))
		return mcp__fail(
		    r, RPC_INVALID_PARAMS,
		    "Invalid params: level must be one of debug, info, notice, warning, "
		    "error, critical, alert, emergency");
	pthread_mutex_lock(&r->s->mu);
	r->s->log_level = lvl;
	pthread_mutex_unlock(&r->s->mu);
	return empty_result(r);
}
