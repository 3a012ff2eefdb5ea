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

struct mcp_out {
	enum mcp_out_kind kind;
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
	struct mcp_call *calls;       /* in flight */
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
	struct cJSON *result; /* set on success, owned */
	int code;             /* set on failure */
	char msg[PDB_ERRMSG_MAX];
	struct cJSON *data; /* optional error data, owned */
	bool deferred;      /* a tool call went to the executor: no reply now */
};

/* mcp__fail: record a JSON-RPC error for @r. Returns PDB_E_INVAL. */
enum pdb_rc mcp__fail(struct mcp_req *r, int code, const char *fmt, ...) PDB_PRINTF(3, 4);

/* Method handlers (mcp_methods.c, mcp_call.c). */
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

/* mcp__out_init, mcp__out_take, mcp__out_free: an output of @kind; take hands over the array. */
void mcp__out_init(struct mcp_out *o, enum mcp_out_kind kind);
struct cJSON *mcp__out_take(struct mcp_out *o);
void mcp__out_free(struct mcp_out *o);

/* mcp__session_unref: drop one reference; the last frees the session. */
void mcp__session_unref(struct mcp_session *s);

/* mcp__cancel_call: mark the call with request id @id cancelled (loop thread). */
void mcp__cancel_call(struct mcp_session *s, const struct rpc_id *id);

/* mcp__log_level_parse: "debug".."emergency" into @out. Returns PDB_OK or PDB_E_INVAL. */
enum pdb_rc mcp__log_level_parse(const char *name, enum mcp_log_level *out);
const char *mcp__log_level_name(enum mcp_log_level lvl);

#endif /* PDBRIDGE_MCP_INT_H */
