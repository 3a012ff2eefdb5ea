/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mcp_int.h - what the files of the mcp module share, and nobody else sees.
 *
 * Locking: mcp_server.mu guards the session list; mcp_session.mu guards
 * everything of a session that a worker can reach (reference count, closed
 * flag, calls in flight, pending server-to-client requests, log level,
 * subscriptions) and is held around every send. Order: server, then session.
 */
#ifndef PDBRIDGE_MCP_INT_H
#define PDBRIDGE_MCP_INT_H

#include <pdbridge/mcp.h>
#include <pdbridge/rpc.h>

#include <pthread.h>
#include <stdbool.h>

/* Features a protocol version adds; a session keeps the bits of the one it negotiated. */
#define MCP_F_BATCH       1u  /* 2025-03-26 only: JSON-RPC batches */
#define MCP_F_ANNOTATIONS 2u  /* tool annotations, audio content, progress message */
#define MCP_F_COMPLETIONS 4u  /* the completions capability is declared */
#define MCP_F_STRUCTURED  8u  /* structuredContent, outputSchema, title fields */
#define MCP_F_ELICITATION 16u /* elicitation/create */
#define MCP_F_STATELESS   32u /* 2026-07-28: per-request _meta, resultType, rounds, listens */

/* The features a stateless request is served with. */
#define MCP_F_MODERN                                                                    \
	(MCP_F_ANNOTATIONS | MCP_F_COMPLETIONS | MCP_F_STRUCTURED | MCP_F_ELICITATION | \
	 MCP_F_STATELESS)

/* A call's log level when its request did not ask for logs (2026-07-28: none at all). */
#define MCP_LOG_OFF 8
/* A call's log level when the session's (logging/setLevel) applies. */
#define MCP_LOG_SESSION (-1)

struct mcp_version {
	const char *name;
	unsigned features;
};

extern const struct mcp_version mcp__versions[];
extern const size_t mcp__n_versions;

enum mcp_out_kind {
	MCP_OUT_CONTENT = 0,  /* tool result content blocks */
	MCP_OUT_MESSAGES = 1, /* prompt messages {role, content} */
	MCP_OUT_CONTENTS = 2, /* resources/read contents entries */
	MCP_OUT_VALUES = 3,   /* completion values */
};

/*
 * The rounds of one 2026-07-28 request that may answer input_required
 * (tools/call, prompts/get, resources/read): what came in with the retry,
 * what this round asks, and what the request state binds to.
 */
struct mcp_rounds {
	bool on;       /* a stateless request of such a method */
	bool can_keep; /* the server has a MAC: state can travel between rounds */
	unsigned caps; /* its client capabilities (enum mcp_client_cap) */
	/* inputResponses, an object of objects, or NULL; borrowed, or own_inputs */
	const struct cJSON *inputs;
	struct cJSON *own_inputs; /* a copy the call owns (the request document dies first) */
	char *state;              /* the verified payload of the echoed requestState, owned */
	struct cJSON *asks;       /* inputRequests of this round, owned */
	size_t n_asks;
	char *keep; /* the payload for the next round, owned */
	/* what a new state binds to: method, name (tool, prompt, URI) and arguments,
	 * borrowed from the call or the request */
	const char *method;
	const char *name;
	const struct cJSON *args;
};

struct mcp_out {
	enum mcp_out_kind kind;
	/* NULL outside a stateless tools/call, prompts/get or resources/read */
	struct mcp_rounds *rounds;
	struct cJSON *arr; /* owned; NULL until the first item */
	enum mcp_role role;
	size_t bytes;  /* estimate of the printed size, against PDB_MCP_MSG_MAX */
	size_t n;      /* items */
	bool has_more; /* completion values beyond PDB_MCP_COMPLETE_MAX */
};

struct mcp_server {
	struct mcp_conf conf;
	struct cJSON **in_schemas;  /* per tool, parsed once */
	struct cJSON **out_schemas; /* per tool, NULL when none */
	bool can_complete;          /* some prompt or template completes */
	pthread_mutex_t mu;
	struct mcp_session *sessions;
	size_t n_sessions;
	/* request states (under mu): the next sequence number, and which of the last
	 * PDB_MCP_STATE_WINDOW ones were used */
	uint64_t state_seq;
	unsigned char state_used[PDB_MCP_STATE_WINDOW / 8];
};

/* One open subscriptions/listen (2026-07-28). */
struct mcp_listen {
	bool used;
	struct rpc_id id; /* the request's id: also the subscription id */
	uint64_t stream;
	char *uris[PDB_MCP_SUBS_MAX]; /* resources it listens to, owned */
	size_t n_uris;
};

/* One server-to-client request waiting for its response. */
struct mcp_pending {
	bool used;
	bool done;
	int64_t id;
	struct cJSON *result; /* owned once done (NULL for an error response) */
	char err[PDB_ERRMSG_MAX];
};

struct mcp_session {
	struct mcp_server *srv;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* a pending request was answered, or a call cancelled, or closed */
	unsigned refs;
	bool closed;
	mcp_send_fn send;
	void *send_ud;
	int version;       /* index into mcp__versions; -1 before initialize */
	unsigned features; /* of that version */
	unsigned caps;     /* enum mcp_client_cap bits */
	bool client_ready; /* notifications/initialized arrived */
	enum mcp_log_level log_level;
	char *subs[PDB_MCP_SUBS_MAX]; /* subscribed URIs, owned */
	struct mcp_listen listens[PDB_MCP_LISTENS_MAX];
	struct mcp_call *calls; /* in flight */
	unsigned n_calls;
	struct mcp_pending pending[PDB_MCP_PENDING_MAX];
	int64_t next_id; /* ids of our own requests */
	struct mcp_session *prev, *next;
};

struct mcp_call {
	struct mcp_session *s; /* holds a reference */
	const struct mcp_tool *tool;
	size_t tool_index;
	struct rpc_id id;
	uint64_t stream;
	struct cJSON *args; /* owned */
	bool has_token;
	struct rpc_id token;
	bool any_progress;
	double last_progress;
	bool cancelled; /* under s->mu */
	unsigned features;
	unsigned caps; /* the client's capabilities for this call */
	int log_min;   /* enum mcp_log_level, MCP_LOG_OFF or MCP_LOG_SESSION */
	struct mcp_rounds rounds;
	struct cJSON *answers; /* what legacy elicitation requests answered, owned */
	struct mcp_out out;
	struct cJSON *structured; /* owned */
	bool is_error;
	struct mcp_call *next;
};

/* One request being served on the loop thread. */
struct mcp_req {
	struct mcp_session *s;
	const struct rpc_msg *m;
	uint64_t stream;
	unsigned features; /* of the session's version, or MCP_F_MODERN */
	unsigned caps;     /* the client's capabilities (the session's, or this request's) */
	int log_min;       /* as struct mcp_call.log_min */
	const struct mcp_http_headers *hdr; /* a stateless HTTP POST's headers, or NULL */
	struct mcp_rounds rounds;
	struct cJSON *result; /* set on success, owned */
	int code;             /* set on failure */
	char msg[PDB_ERRMSG_MAX];
	struct cJSON *data; /* optional error data, owned */
	struct cJSON *note; /* a notification to send now instead of a reply (listen), owned */
	bool deferred;      /* a tool call went to the executor, or a listen opened: no reply now */
	bool rejected;      /* see struct mcp_result */
	bool no_method;
};

/** mcp__fail: record a JSON-RPC error for @r. Returns PDB_E_INVAL. */
enum pdb_rc mcp__fail(struct mcp_req *r, int code, const char *fmt, ...) PDB_PRINTF(3, 4);

/* Capabilities a method needs from our tables (mcp__have()). */
#define NEED_INIT      1u /* only after initialize (legacy era) */
#define NEED_TOOLS     2u
#define NEED_RESOURCES 4u
#define NEED_PROMPTS   8u
#define NEED_COMPLETE  16u

/** mcp__have: the server's tables hold what @needs names. */
bool mcp__have(const struct mcp_server *srv, unsigned needs);

/** mcp__server_caps: our capabilities object for @features (caller frees; NULL on OOM). */
struct cJSON *mcp__server_caps(const struct mcp_server *srv, unsigned features);

/** mcp__client_caps: enum mcp_client_cap bits of a ClientCapabilities object. */
unsigned mcp__client_caps(const struct cJSON *caps);

/* Method handlers (mcp_methods.c, mcp_call.c, mcp_stateless.c, mcp_listen.c). */
enum pdb_rc mcp__tools_list(struct mcp_req *r);
enum pdb_rc mcp__tools_call(struct mcp_req *r);
enum pdb_rc mcp__resources_list(struct mcp_req *r);
enum pdb_rc mcp__resources_read(struct mcp_req *r);
enum pdb_rc mcp__templates_list(struct mcp_req *r);
enum pdb_rc mcp__subscribe(struct mcp_req *r);
enum pdb_rc mcp__unsubscribe(struct mcp_req *r);
enum pdb_rc mcp__prompts_list(struct mcp_req *r);
enum pdb_rc mcp__prompts_get(struct mcp_req *r);
enum pdb_rc mcp__complete(struct mcp_req *r);
enum pdb_rc mcp__set_level(struct mcp_req *r);
enum pdb_rc mcp__listen(struct mcp_req *r);

/* --- 2026-07-28 (mcp_stateless.c) --- */

/** mcp__wants_stateless: @m is to be served statelessly (see mcp_is_stateless()). */
bool mcp__wants_stateless(const struct rpc_msg *m);

/** mcp__serve_stateless: check @r's envelope and serve it; the outcome is in @r. */
void mcp__serve_stateless(struct mcp_req *r);

/**
 * mcp__finish_result: make @res a 2026-07-28 result: resultType (complete
 * unless set), _meta serverInfo, and for a cacheable one ttlMs/cacheScope.
 * Returns false on OOM.
 */
bool mcp__finish_result(const struct mcp_server *srv, struct cJSON *res, bool cacheable);

/**
 * mcp__refuse_caps: fail @r with -32021 whose data.requiredCapabilities
 * names the @missing enum mcp_client_cap bits (rejected). Returns PDB_E_INVAL.
 */
enum pdb_rc mcp__refuse_caps(struct mcp_req *r, unsigned missing);

/* --- base64 (mcp_b64.c): request states (url alphabet, no padding) and Mcp-Name --- */

/** mcp__b64_encode: append the base64 (@url: base64url, unpadded) of @len bytes at @p to @out. */
enum pdb_rc mcp__b64_encode(const void *p, size_t len, bool url, struct buf *out);

/**
 * mcp__b64_decode: decode @len characters at @in into @out (at most @max
 * bytes, *@n written). Standard alphabet with optional padding, or @url
 * without. Returns PDB_OK, PDB_E_PARSE or PDB_E_TOO_LARGE.
 */
enum pdb_rc mcp__b64_decode(const char *in, size_t len, bool url, unsigned char *out, size_t max,
                            size_t *n);

/* --- rounds (mcp_rounds.c) --- */

/**
 * mcp__rounds_open: take @r's inputResponses and requestState (name from
 * params member @name_key, arguments from @args_key or none) into r->rounds,
 * checking both. Returns PDB_OK or fails @r (-32602).
 */
enum pdb_rc mcp__rounds_open(struct mcp_req *r, const char *name_key, const char *args_key);

/** mcp__rounds_asked: the handler asked for input or kept state: the result is input_required. */
bool mcp__rounds_asked(const struct mcp_rounds *rd);

/**
 * mcp__rounds_result: the InputRequiredResult of this round (the asks are
 * moved into it, the kept state sealed). NULL with @why set on failure.
 */
struct cJSON *mcp__rounds_result(struct mcp_server *srv, struct mcp_rounds *rd, char *why,
                                 size_t why_len);

/** mcp__rounds_move: hand @from to @to, keeping a copy of the inputs (loop thread, for a call). */
enum pdb_rc mcp__rounds_move(struct mcp_rounds *to, struct mcp_rounds *from);

/** mcp__rounds_free: release what @rd owns. */
void mcp__rounds_free(struct mcp_rounds *rd);

/* --- listens (mcp_listen.c) --- */

/** mcp__resource_known: some resource or template of @srv serves @uri. */
bool mcp__resource_known(const struct mcp_server *srv, const char *uri);

/** mcp__listen_notify: send @uri's update to @s's listens for it (s->mu held). */
void mcp__listen_notify(struct mcp_session *s, const char *uri);

/** mcp__listen_has: a listen of @s has request id @id (s->mu held). */
bool mcp__listen_has(const struct mcp_session *s, const struct rpc_id *id);

/** mcp__listen_cancel: end the listens with id @id or, @id NULL, on @stream; silently (s->mu held).
 */
void mcp__listen_cancel(struct mcp_session *s, const struct rpc_id *id, uint64_t stream);

/** mcp__listen_free: free every listen of @s (the session's last reference). */
void mcp__listen_free(struct mcp_session *s);

/** mcp__meta_server_info: {"io.modelcontextprotocol/serverInfo": {...}} added to _meta of @res. */
bool mcp__meta_server_info(const struct mcp_server *srv, struct cJSON *res);

/** mcp__out_init, mcp__out_take, mcp__out_free: an output of @kind; take hands over the array. */
void mcp__out_init(struct mcp_out *o, enum mcp_out_kind kind);
struct cJSON *mcp__out_take(struct mcp_out *o);
void mcp__out_free(struct mcp_out *o);

/** mcp__session_unref: drop one reference; the last frees the session. */
void mcp__session_unref(struct mcp_session *s);

/** mcp__cancel_call: mark the call with request id @id cancelled (loop thread). */
void mcp__cancel_call(struct mcp_session *s, const struct rpc_id *id);

/**
 * mcp__cap_for: the client capability (enum mcp_client_cap) a request to the
 * client with @method needs: sampling/createMessage, elicitation/create,
 * roots/list; 0 for any other method.
 */
unsigned mcp__cap_for(const char *method);

/** mcp__log_level_parse: "debug".."emergency" into @out. Returns PDB_OK or PDB_E_INVAL. */
enum pdb_rc mcp__log_level_parse(const char *name, enum mcp_log_level *out);
const char *mcp__log_level_name(enum mcp_log_level lvl);

#endif /* PDBRIDGE_MCP_INT_H */
