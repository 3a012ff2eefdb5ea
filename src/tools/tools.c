/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tools.c - the catalog: which rows are served, their struct mcp_tool rows
 * with generated schemas, the PagerDuty client pool and the current user.
 *
 * Selection follows the official server and then narrows it: read-only
 * rows always, write rows only with --enable-write-tools, then --tools
 * (keep what matches) and --exclude-tools (drop what matches). A pattern
 * that matches no tool at all is refused at start, so a typo never turns
 * into a silently missing tool.
 *
 * Every served tool calls run_tool() below: check the arguments against the
 * row, for a write under write_confirm ask the user first (tools_confirm.c),
 * borrow a client, run the row's handler or the engine, give the client
 * back. The clients are made on first use, at most one per worker, and each
 * is used by one thread at a time, as pd.h requires.
 */
#include "tools_int.h"

#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <string.h>

static const struct tool_area *const areas[] = {
    &tool__incidents, &tool__services,     &tool__people,     &tool__schedules,
    &tool__events,    &tool__status_pages, &tool__automation, &tool__analytics,
};

const struct tool_param tool__str_item = {.name = "item", .type = TT_STR};

size_t tool_catalog_size(size_t *n_write)
{
	size_t a, i, n = 0, w = 0;

	for (a = 0; a < PDB_N_OF(areas); a++) {
		for (i = 0; i < areas[a]->n; i++)
			w += (areas[a]->rows[i].flags & TD_WRITE) != 0;
		n += areas[a]->n;
	}
	if (n_write)
		*n_write = w;
	return n;
}

/* --- names and globs ------------------------------------------------------------ */

bool tool__glob(const char *pat, const char *name)
{
	const char *star = NULL, *resume = NULL;

	while (*name) {
		if (*pat == '*') {
			star = pat++;
			resume = name;
		} else if (*pat == *name) {
			pat++;
			name++;
		} else if (star) {
			pat = star + 1;
			name = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

/* A comma list split into trimmed patterns (views into @copy, which is modified). */
struct patterns {
	const char *v[PDB_TOOL_PATTERNS_MAX];
	size_t n;
};

static enum pdb_rc split_patterns(char *copy, const char *flag, struct patterns *p,
                                  struct pdb_err *err)
{
	char *s = copy, *end;

	p->n = 0;
	while (s && *s) {
		end = strchr(s, ',');
		if (end)
			*end++ = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		for (char *t = s + strlen(s); t > s && (t[-1] == ' ' || t[-1] == '\t');)
			*--t = '\0';
		if (*s) {
			if (p->n == PDB_TOOL_PATTERNS_MAX)
				return pdb_err_set(err, PDB_E_TOO_LARGE, "%s: at most %d names",
				                   flag, PDB_TOOL_PATTERNS_MAX);
			p->v[p->n++] = s;
		}
		s = end;
	}
	return PDB_OK;
}

static bool matches_any(const struct patterns *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (tool__glob(p->v[i], name))
			return true;
	return false;
}

/* Every pattern must name at least one tool of the whole catalog. */
static enum pdb_rc check_patterns(const struct patterns *p, const char *flag, struct pdb_err *err)
{
	size_t i, a, r;
	bool hit;

	for (i = 0; i < p->n; i++) {
		hit = false;
		for (a = 0; a < PDB_N_OF(areas) && !hit; a++)
			for (r = 0; r < areas[a]->n && !hit; r++)
				hit = tool__glob(p->v[i], areas[a]->rows[r].name);
		if (!hit)
			return pdb_err_set(err, PDB_E_INVAL, "%s: '%s' matches no tool", flag,
			                   p->v[i]);
	}
	return PDB_OK;
}

/* --- the client pool -------------------------------------------------------------- */

enum pdb_rc tool__client_get(struct tool_catalog *cat, struct pd_client **c, struct pdb_err *err)
{
	enum pdb_rc rc = PDB_OK;

	pthread_mutex_lock(&cat->mu);
	if (cat->n_idle) {
		*c = cat->idle[--cat->n_idle];
	} else if (cat->made < PDB_N_OF(cat->idle)) {
		rc = pd_client_new(cat->conf.pd, c, err);
		if (!rc)
			cat->made++;
	} else {
		rc = pdb_err_set(err, PDB_E_INTERNAL, "more PagerDuty clients than workers");
	}
	pthread_mutex_unlock(&cat->mu);
	return rc;
}

void tool__client_put(struct tool_catalog *cat, struct pd_client *c)
{
	pthread_mutex_lock(&cat->mu);
	cat->idle[cat->n_idle++] = c;
	pthread_mutex_unlock(&cat->mu);
}

/* --- the current user --------------------------------------------------------------- */

static enum pdb_rc decode_me(const cJSON *user, struct tool_me *me, struct pdb_err *err)
{
	const cJSON *teams, *t;

	memset(me, 0, sizeof(*me));
	if (jsonx_copy_str(user, "id", me->id, sizeof(me->id)))
		return pdb_err_set(err, PDB_E_PARSE, "GET /users/me: the answer has no user id");
	if (jsonx_copy_str(user, "email", me->email, sizeof(me->email)))
		me->email[0] = '\0';
	if (jsonx_get_arr(user, "teams", &teams))
		return PDB_OK;
	cJSON_ArrayForEach(t, teams)
	{
		if (me->n_teams == PDB_TOOL_MY_TEAMS_MAX) {
			me->teams_truncated = true;
			break;
		}
		if (!jsonx_copy_str(t, "id", me->teams[me->n_teams], PDB_PD_ID_MAX))
			me->n_teams++;
	}
	return PDB_OK;
}

enum pdb_rc tool__me(struct tool_catalog *cat, struct pd_client *pc, struct tool_me *me,
                     struct pdb_err *err)
{
	struct pd_response resp;
	const cJSON *user;
	enum pdb_rc rc;

	pthread_mutex_lock(&cat->mu);
	if (cat->me_known) {
		*me = cat->me;
		pthread_mutex_unlock(&cat->mu);
		return PDB_OK;
	}
	pthread_mutex_unlock(&cat->mu);
	rc = pd_call(pc, PD_GET, "/users/me", NULL, NULL, 0, &resp, err);
	if (rc)
		return rc;
	rc = jsonx_get_obj(resp.json, "user", &user);
	rc = rc ? pdb_err_set(err, PDB_E_PARSE, "GET /users/me: the answer has no user")
	        : decode_me(user, me, err);
	pd_response_free(&resp);
	if (rc)
		return rc;
	pthread_mutex_lock(&cat->mu);
	cat->me = *me;
	cat->me_known = true;
	pthread_mutex_unlock(&cat->mu);
	return PDB_OK;
}

enum pdb_rc tool__need_me(struct tool_ctx *x, struct tool_me *me, const char *no_user)
{
	enum pdb_rc rc = tool__me(x->cat, x->pc, me, x->err);

	/* an account-level key: /users/me answers 400; say it the official server's way */
	if (rc == PDB_E_HTTP || rc == PDB_E_PARSE)
		return pdb_err_set(x->err, PDB_E_AUTH, "%s", no_user);
	return rc;
}

/* --- one tool call ------------------------------------------------------------------- */

static enum pdb_rc run_tool(struct mcp_call *call, const cJSON *args, void *ud, struct pdb_err *err)
{
	const struct tool_entry *e = ud;
	struct tool_ctx x = {.cat = e->cat, .def = e->def, .call = call, .err = err};
	bool go = true;
	enum pdb_rc rc;

	rc = tool__check_args(e->def, args, &x.args, err);
	if (rc)
		return rc;
	if ((e->def->flags & TD_WRITE) && e->cat->conf.confirm)
		rc = tool__confirm(&x, &go);
	if (rc || !go) {
		jsonx_free(x.args);
		return rc;
	}
	rc = tool__client_get(e->cat, &x.pc, err);
	if (!rc) {
		pd_client_set_caller(x.pc, e->def->name); /* the usage counts, per tool */
		rc = e->def->fn ? e->def->fn(&x) : tool__run(&x, NULL);
		tool__client_put(e->cat, x.pc);
	}
	jsonx_free(x.args);
	if (rc && !err->msg[0])
		pdb_err_set(err, rc, "%s: %s", e->def->name, pdb_strerror(rc));
	return rc;
}

/* The official annotations, plus openWorldHint: every tool talks to PagerDuty. */
static struct mcp_hints hints_of(const struct tool_def *d)
{
	struct mcp_hints h = {MCP_HINT_TRUE, MCP_HINT_FALSE, MCP_HINT_TRUE, MCP_HINT_TRUE};

	if (d->flags & TD_WRITE) {
		h.read_only = MCP_HINT_FALSE;
		h.destructive = MCP_HINT_TRUE;
		h.idempotent = MCP_HINT_FALSE;
	}
	return h;
}

/* --- building the catalog ------------------------------------------------------------ */

static bool selected(const struct tool_conf *conf, const struct tool_def *d,
                     const struct patterns *only, const struct patterns *ex)
{
	if ((d->flags & TD_WRITE) && !conf->write)
		return false;
	if (only->n && !matches_any(only, d->name))
		return false;
	return !matches_any(ex, d->name);
}

static enum pdb_rc add_tool(struct tool_catalog *cat, const struct tool_def *d)
{
	size_t i = cat->n_tools;
	char *schema = tool__input_schema(d);

	if (!schema)
		return PDB_E_NOMEM;
	cat->schemas[i] = schema;
	cat->entries[i].def = d;
	cat->entries[i].cat = cat;
	cat->tools[i] = (struct mcp_tool){
	    .name = d->name,
	    .title = d->title,
	    .description = d->desc,
	    .input_schema = schema,
	    .output_schema = tool__output_schema(d),
	    .hints = hints_of(d),
	    .fn = run_tool,
	    .ud = &cat->entries[i],
	};
	cat->n_tools++;
	return PDB_OK;
}

/* Add the selected rows that are write tools (@write) or read tools (!@write). */
static enum pdb_rc add_rows(struct tool_catalog *cat, bool write, const struct patterns *only,
                            const struct patterns *ex)
{
	const struct tool_def *d;
	size_t a, r;

	for (a = 0; a < PDB_N_OF(areas); a++) {
		for (r = 0; r < areas[a]->n; r++) {
			d = &areas[a]->rows[r];
			if (((d->flags & TD_WRITE) != 0) == write &&
			    selected(&cat->conf, d, only, ex) && add_tool(cat, d))
				return PDB_E_NOMEM;
		}
	}
	return PDB_OK;
}

static enum pdb_rc select_tools(struct tool_catalog *cat, const struct patterns *only,
                                const struct patterns *ex, struct pdb_err *err)
{
	size_t total = tool_catalog_size(NULL);

	cat->entries = mem_calloc(total, sizeof(*cat->entries));
	cat->tools = mem_calloc(total, sizeof(*cat->tools));
	cat->schemas = mem_calloc(total, sizeof(*cat->schemas));
	/* the official order: every read tool, then every write tool */
	if (!cat->entries || !cat->tools || !cat->schemas || add_rows(cat, false, only, ex) ||
	    add_rows(cat, true, only, ex))
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory building the tool catalog");
	if (!cat->n_tools)
		return pdb_err_set(err, PDB_E_INVAL,
		                   "--tools and --exclude-tools leave no tool to serve");
	return PDB_OK;
}

static enum pdb_rc parse_selection(const struct tool_conf *conf, char **copies,
                                   struct patterns *only, struct patterns *ex, struct pdb_err *err)
{
	enum pdb_rc rc = PDB_OK;

	only->n = ex->n = 0;
	if (conf->only) {
		copies[0] = mem_strdup(conf->only);
		rc = copies[0] ? split_patterns(copies[0], "--tools", only, err) : PDB_E_NOMEM;
		if (!rc)
			rc = check_patterns(only, "--tools", err);
	}
	if (!rc && conf->exclude) {
		copies[1] = mem_strdup(conf->exclude);
		rc =
		    copies[1] ? split_patterns(copies[1], "--exclude-tools", ex, err) : PDB_E_NOMEM;
		if (!rc)
			rc = check_patterns(ex, "--exclude-tools", err);
	}
	if (rc == PDB_E_NOMEM)
		pdb_err_set(err, rc, "out of memory");
	return rc;
}

enum pdb_rc tool_catalog_new(const struct tool_conf *conf, struct tool_catalog **out,
                             struct pdb_err *err)
{
	struct tool_catalog *cat = mem_calloc(1, sizeof(*cat));
	struct patterns only, ex;
	char *copies[2] = {NULL, NULL};
	enum pdb_rc rc;

	*out = NULL;
	if (!cat)
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory");
	cat->conf = *conf;
	pthread_mutex_init(&cat->mu, NULL);
	rc = parse_selection(conf, copies, &only, &ex, err);
	if (!rc)
		rc = select_tools(cat, &only, &ex, err);
	if (!rc && tool__cache_new(cat))
		rc = pdb_err_set(err, PDB_E_NOMEM, "out of memory");
	mem_free(copies[0]);
	mem_free(copies[1]);
	if (rc) {
		tool_catalog_free(cat);
		return rc;
	}
	LOG_DEBUG("tools", "serving %zu of %zu tools", cat->n_tools, tool_catalog_size(NULL));
	*out = cat;
	return PDB_OK;
}

void tool_catalog_free(struct tool_catalog *cat)
{
	size_t i;

	if (!cat)
		return;
	tool__cache_free(cat);
	while (cat->n_idle)
		pd_client_free(cat->idle[--cat->n_idle]);
	for (i = 0; cat->schemas && i < cat->n_tools; i++)
		mem_free(cat->schemas[i]);
	mem_free(cat->schemas);
	mem_free(cat->tools);
	mem_free(cat->entries);
	pthread_mutex_destroy(&cat->mu);
	mem_free(cat);
}

const struct mcp_tool *tool_catalog_tools(const struct tool_catalog *cat, size_t *n)
{
	*n = cat->n_tools;
	return cat->tools;
}

const struct mcp_resource *tool_catalog_resources(const struct tool_catalog *cat, size_t *n)
{
	*n = cat->n_resources;
	return cat->resources;
}

const struct mcp_prompt *tool_catalog_prompts(const struct tool_catalog *cat, size_t *n)
{
	*n = cat->n_prompts;
	return cat->prompts;
}

void tool_catalog_attach(struct tool_catalog *cat, struct mcp_server *srv)
{
	pthread_mutex_lock(&cat->mu);
	cat->srv = srv;
	pthread_mutex_unlock(&cat->mu);
}
