/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tools_int.h - inside the tools module: the row types of the catalog and
 * the engine functions that area files and custom handlers share.
 *
 * A parameter is a struct tool_param: its name (verbatim as the official
 * server), JSON type, flags (required, nullable, date-time, where it goes),
 * the upstream name where it differs, a default, an enum, bounds, and for
 * arrays and objects the spec of the items or properties. The same spec
 * makes the inputSchema (tools_schema.c), checks and normalises arguments
 * (tools_args.c) and builds the request (tools_run.c), so the three can
 * never disagree.
 *
 * Where a value goes: a parameter named in the path template ("{team_id}",
 * also a property of a spread object) fills the path, percent-encoded;
 * otherwise TP_QUERY / TP_BODY / TP_LOCAL say, and without them GET and
 * DELETE send it in the query and POST and PUT in the body. Query arrays go
 * out as key[] once per element. A row's body key may be dotted
 * ("note.content") to build nested objects; a name the client sent is
 * never split. A TP_SPREAD object sends its properties as if
 * they were parameters (the official query_model and *_data wrappers).
 */
#ifndef PDBRIDGE_TOOLS_INT_H
#define PDBRIDGE_TOOLS_INT_H

#include <pdbridge/jsonx.h>
#include <pdbridge/tools.h>

#include <cjson/cJSON.h>

#include <pthread.h>

enum tool_type {
	TT_STR = 0,
	TT_INT = 1,
	TT_NUM = 2,
	TT_BOOL = 3,
	TT_ARR = 4,
	TT_OBJ = 5, /* with props: a model; without: any object (a free-form dict) */
};

/* struct tool_param.flags */
#define TP_REQ    0x001u /* required */
#define TP_NULL   0x002u /* nullable: the schema allows null (null always means "absent") */
#define TP_TIME   0x004u /* a string in ISO 8601 date-time format, checked */
#define TP_QUERY  0x008u /* sent in the query string */
#define TP_BODY   0x010u /* sent in the JSON body */
#define TP_LOCAL  0x020u /* not sent: the handler reads it */
#define TP_SPREAD 0x040u /* an object whose properties are sent as parameters */
#define TP_CLOSED 0x080u /* an object that accepts no other properties (extra="forbid") */
#define TP_LIMIT  0x100u /* caps the records returned (paged lists: not sent) */
#define TP_OFFSET 0x200u /* the first record of a paged list (not sent) */
#define TP_HIDE   0x400u /* a constant with a default: filled and checked, not in the schema */

struct tool_param {
	const char *name;
	enum tool_type type;
	unsigned flags;
	const char *key;                /* upstream name when it differs ("priority_ids[]") */
	const char *alias;              /* a second accepted name, not in the schema */
	const char *def;                /* default as JSON text ("100", "\"manager\""), or NULL */
	const char *desc;               /* a short description for the model, or NULL */
	const char *const *enums;       /* NULL-terminated allowed values, or NULL */
	int64_t min, max;               /* TT_INT bounds; min == max == 0: none */
	unsigned min_items, max_items;  /* TT_ARR bounds; max_items 0: PDB_TOOL_ARRAY_MAX */
	const struct tool_param *items; /* TT_ARR: the spec of every element */
	const struct tool_param *props; /* TT_OBJ: the properties */
	size_t n_props;
};

/* How a row's result is shaped. */
enum tool_result {
	TR_OBJECT = 0, /* the unwrapped object is structuredContent */
	TR_LIST = 1,   /* {"response": [...], "response_summary": "..."} */
	TR_WRAP = 2,   /* {"result": <value>} (the official union results) */
	TR_DONE = 3,   /* {"result": "<message>"} from the row's done template */
};

/* How a list is fetched. */
enum tool_paging {
	TPG_ONE = 0,    /* one request */
	TPG_OFFSET = 1, /* classic limit/offset pages until the cap */
};

/* struct tool_def.flags */
#define TD_WRITE 0x01u /* changes PagerDuty: needs --enable-write-tools, sends From */
#define TD_TEXT  0x02u /* the shaped result goes out as JSON text in {"result": "..."} */
#define TD_FIRST 0x04u /* the first element of the unwrapped list ({} when empty) */

struct tool_ctx;

/* A custom handler: the arguments are checked already; emit a result or fail. */
typedef enum pdb_rc (*tool_fn)(struct tool_ctx *x);

struct tool_def {
	const char *name;
	const char *title;
	const char *desc;
	const struct tool_param *params;
	size_t n_params;
	enum pd_method method;
	const char *path;   /* "/incidents/{incident_id}/notes" */
	const char *unwrap; /* the answer's member holding the result; NULL: the whole body */
	const char *type;   /* record type named in response_summary ("Incident") */
	enum tool_result result;
	enum tool_paging paging;
	unsigned cap;          /* records at most without a limit (the official cap) */
	unsigned flags;        /* TD_* */
	const char *body_base; /* JSON object the arguments are merged over, or NULL */
	const char *done;      /* TR_DONE message; "{name}" is replaced by that argument */
	tool_fn fn;            /* custom handler, or NULL for the engine */
};

/* The common parameter shapes. */
#define P_ID(n)                                              \
	{                                                    \
		.name = (n), .type = TT_STR, .flags = TP_REQ \
	}
#define P_STR(n)                                              \
	{                                                     \
		.name = (n), .type = TT_STR, .flags = TP_NULL \
	}
#define P_TIME(n)                                                       \
	{                                                               \
		.name = (n), .type = TT_STR, .flags = TP_NULL | TP_TIME \
	}
#define P_BOOL(n)                                              \
	{                                                      \
		.name = (n), .type = TT_BOOL, .flags = TP_NULL \
	}
#define P_IDS(n)                                                                        \
	{                                                                               \
		.name = (n), .type = TT_ARR, .flags = TP_NULL, .items = &tool__str_item \
	}
#define P_LIMIT(d)                                                                       \
	{                                                                                \
		.name = "limit", .type = TT_INT, .flags = TP_NULL | TP_LIMIT, .def = (d) \
	}
#define P_OFFSET(d)                                                                        \
	{                                                                                  \
		.name = "offset", .type = TT_INT, .flags = TP_NULL | TP_OFFSET, .def = (d) \
	}
#define PROPS(a)  .props = (a), .n_props = PDB_N_OF(a)
#define PARAMS(a) .params = (a), .n_params = PDB_N_OF(a)

/* The rows of each area, in the official registration order (tools_<area>.c). */
struct tool_area {
	const struct tool_def *rows;
	size_t n;
};

extern const struct tool_area tool__incidents, tool__services, tool__people, tool__schedules,
    tool__events, tool__status_pages, tool__automation, tool__analytics;

/* Spec of a plain string element, shared by every list-of-strings parameter. */
extern const struct tool_param tool__str_item;

/* --- the catalog (tools.c) ------------------------------------------------------ */

/* The current user, from GET /users/me, fetched once. */
struct tool_me {
	char id[PDB_PD_ID_MAX];
	char email[PDB_PD_NAME_MAX];
	char teams[PDB_TOOL_MY_TEAMS_MAX][PDB_PD_ID_MAX];
	size_t n_teams;
	bool teams_truncated;
};

/* One served tool: its row and the catalog, the user data of its struct mcp_tool. */
struct tool_entry {
	const struct tool_def *def;
	struct tool_catalog *cat;
};

struct tool_cache; /* the resource cache (tools_res.c) */

/* Resources and prompts the catalog serves (tools_res.c): the cached ones, then usage. */
#define TOOL_RESOURCES 2
#define TOOL_PROMPTS   2

struct tool_catalog {
	struct tool_conf conf;
	struct tool_entry *entries;
	struct mcp_tool *tools;
	size_t n_tools;
	char **schemas; /* generated inputSchema texts, one per served tool */
	pthread_mutex_t mu;
	struct pd_client *idle[PDB_EV_WORKERS + 1];
	size_t n_idle, made;
	bool me_known;
	struct tool_me me;
	struct tool_cache *cache;
	struct mcp_server *srv; /* for resources/updated; under mu */
	struct mcp_resource resources[TOOL_RESOURCES + 1];
	struct mcp_prompt prompts[TOOL_PROMPTS];
	size_t n_resources, n_prompts;
};

/* What a tool call works with. */
struct tool_ctx {
	struct tool_catalog *cat;
	const struct tool_def *def;
	struct mcp_call *call;
	cJSON *args;          /* checked and normalised: defaults filled, JSON strings parsed */
	struct pd_client *pc; /* borrowed from the catalog's pool for the call */
	struct pdb_err *err;
};

/*
 * tool__client_get/put: a PagerDuty client for this worker, from the pool.
 * Returns as pd_client_new().
 */
enum pdb_rc tool__client_get(struct tool_catalog *cat, struct pd_client **c,
                             struct pdb_err *err) PDB_WARN_UNUSED;
void tool__client_put(struct tool_catalog *cat, struct pd_client *c);

/**
 * tool__me: the current user (GET /users/me, once per process; a failure
 * is not cached). Returns PDB_OK or pd_call()'s code with @err set.
 */
enum pdb_rc tool__me(struct tool_catalog *cat, struct pd_client *pc, struct tool_me *me,
                     struct pdb_err *err) PDB_WARN_UNUSED;

struct tool_ctx;

/**
 * tool__need_me: tool__me() for a tool that cannot work without a user:
 * with an account-level key the error says @no_user (the official words).
 */
enum pdb_rc tool__need_me(struct tool_ctx *x, struct tool_me *me,
                          const char *no_user) PDB_WARN_UNUSED;

/** tool__glob: @name matches @pat, where '*' stands for any run of characters. */
bool tool__glob(const char *pat, const char *name);

/**
 * tool__confirm: write_confirm for the write call @x: ask the user when the
 * client can (tools_confirm.c). Returns PDB_OK with *@go set to run the
 * write, PDB_OK with *@go false when the question went out (the call
 * returns at once: its result is the question), PDB_E_DENIED (@x->err says
 * the user declined) or the asking's failure.
 */
enum pdb_rc tool__confirm(struct tool_ctx *x, bool *go) PDB_WARN_UNUSED;

/* --- schemas (tools_schema.c) ---------------------------------------------------- */

/**
 * tool__input_schema: the inputSchema of @def as compact JSON text (caller
 * frees with mem_free()), or NULL when out of memory.
 */
char *tool__input_schema(const struct tool_def *def);

/** tool__output_schema: the outputSchema text for @def's result shape (static). */
const char *tool__output_schema(const struct tool_def *def);

/* --- arguments (tools_args.c) ----------------------------------------------------- */

/**
 * tool__check_args: check @args against @def's parameters and return a
 * normalised copy in *@out (caller frees with jsonx_free()): aliases
 * renamed, nulls dropped, JSON text given for a non-string parameter
 * parsed, defaults filled in, absent spread objects made {}. Returns PDB_OK,
 * PDB_E_INVAL / PDB_E_TYPE / PDB_E_RANGE / PDB_E_MISSING / PDB_E_TOO_LARGE
 * with a message that names the argument and what it must be, or
 * PDB_E_NOMEM.
 */
enum pdb_rc tool__check_args(const struct tool_def *def, const cJSON *args, cJSON **out,
                             struct pdb_err *err) PDB_WARN_UNUSED;

/* --- running a row (tools_run.c) ---------------------------------------------------- */

/* What a list fetch found. */
struct tool_list {
	cJSON *items; /* owned until emitted */
	bool more;    /* PagerDuty has records beyond the cap */
};

/** tool__arg: the normalised argument @name (a property of a spread object too), or NULL. */
const cJSON *tool__arg(const struct tool_ctx *x, const char *name);

/** tool__cap: the record cap of this call: its limit argument, else the row's cap. */
size_t tool__cap(const struct tool_ctx *x);

/** tool__path: @tmpl with every {name} replaced by that argument, percent-encoded. */
enum pdb_rc tool__path(struct tool_ctx *x, const char *tmpl, struct buf *out) PDB_WARN_UNUSED;

/** tool__query: append the query-located arguments to @q. */
enum pdb_rc tool__query(struct tool_ctx *x, struct pd_query *q) PDB_WARN_UNUSED;

/** tool__merge: merge a copy of @src into @dst, objects member by member; false: no memory. */
bool tool__merge(cJSON *dst, const cJSON *src);

/**
 * tool__body: the JSON body from the row's body_base and the body-located
 * arguments. Returns PDB_OK, PDB_E_INVAL (naming the argument whose dotted
 * key meets a value that is not an object) or PDB_E_NOMEM, @x->err set.
 */
enum pdb_rc tool__body(struct tool_ctx *x, cJSON **out) PDB_WARN_UNUSED;

/**
 * tool__call: one request; writes carry From (configured, else the current
 * user's e-mail when known). On failure @err says "METHOD path: <PagerDuty's
 * message>". Returns as pd_call().
 */
enum pdb_rc tool__call(struct tool_ctx *x, enum pd_method m, const char *path,
                       const struct pd_query *q, const cJSON *body,
                       struct pd_response *resp) PDB_WARN_UNUSED;

/** tool__list: page through @path's @key records from @offset, at most @cap. */
enum pdb_rc tool__list(struct tool_ctx *x, const char *path, const char *key,
                       const struct pd_query *q, size_t offset, size_t cap,
                       struct tool_list *out) PDB_WARN_UNUSED;

/**
 * tool__run: the engine for @x's row: path, query (plus @extra, may be
 * NULL), body, request or pages, and the shaped result.
 */
enum pdb_rc tool__run(struct tool_ctx *x, const struct pd_query *extra) PDB_WARN_UNUSED;

/*
 * Emitting the result. Each takes ownership of its JSON argument, also on
 * failure. tool__emit_list cuts @l's items to the byte cap and writes the
 * summary; @fields, when not NULL, is merged into the list object (the
 * list_schedules sources).
 */
enum pdb_rc tool__emit_list(struct tool_ctx *x, struct tool_list *l, cJSON *fields) PDB_WARN_UNUSED;
enum pdb_rc tool__emit_object(struct tool_ctx *x, cJSON *obj) PDB_WARN_UNUSED;
enum pdb_rc tool__emit_wrap(struct tool_ctx *x, cJSON *value) PDB_WARN_UNUSED;
enum pdb_rc tool__emit_text(struct tool_ctx *x, const char *text) PDB_WARN_UNUSED;

/** tool__oom: record and return PDB_E_NOMEM. */
enum pdb_rc tool__oom(struct tool_ctx *x);

/* --- resources and prompts (tools_res.c) ---------------------------------------- */

/** tool__cache_new: the resource cache, and the resource and prompt rows of @cat. */
enum pdb_rc tool__cache_new(struct tool_catalog *cat) PDB_WARN_UNUSED;
void tool__cache_free(struct tool_catalog *cat);

#endif /* PDBRIDGE_TOOLS_INT_H */
