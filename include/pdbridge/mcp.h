/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mcp.h - the Model Context Protocol in both eras: the legacy one
 * (2024-11-05, 2025-03-26, 2025-06-18, 2025-11-25: initialize, sessions,
 * server-to-client requests) and the stateless one (2026-07-28: every
 * request carries its version and client capabilities in _meta; discovery,
 * multi round-trip results, subscriptions/listen). Tools, resources,
 * prompts, logging, progress, cancellation and completion serve both.
 *
 * mcp_handle() is the core: one complete message in, at most one reply out
 * (into a struct buf), no I/O. Tools, resources and prompts are tables the
 * embedder passes to mcp_server_new(); mcp never knows what they do.
 *
 * Execution model. Tool handlers may block (PagerDuty calls), so tools/call
 * is deferred: mcp_handle() hands the call to the embedder's executor
 * (struct mcp_conf.exec, normally a fixed worker pool) and returns with
 * `deferred` counted instead of a reply. The worker runs the handler with a
 * struct mcp_call, through which it may send progress and log
 * notifications and make blocking server-to-client requests (sampling,
 * elicitation) that complete when mcp_handle() later receives the client's
 * response. The finished result goes out through the session's send
 * callback, flagged MCP_SEND_FINAL.
 *
 * Eras. A request whose _meta names a protocol version or client
 * capabilities (or whose method exists only in 2026-07-28) is served
 * statelessly, whatever the session did before; everything else follows the
 * session's initialize. Both may share one stdio process or TCP connection.
 * In 2026-07-28 a tool that needs the user asks through its output
 * (mcp_out_ask(): the result becomes input_required, and the client retries
 * with the answers); the state it keeps between rounds travels with the
 * client, authenticated with the embedder's MAC (struct mcp_conf.mac) and
 * bound to the request, its expiry and single use.
 *
 * Threads: one thread (the loop) calls mcp_handle(), mcp_session_new() and
 * mcp_session_close() for a given session; workers call only the mcp_call_*
 * and mcp_out_* functions of their own call. A session is reference-counted:
 * the transport holds one reference until mcp_session_close(), every call in
 * flight holds one, and the memory goes with the last. After
 * mcp_session_close() returns, send is never called again for that session,
 * every blocked server-to-client request wakes up, and every call is marked
 * cancelled, so no worker waits on a closed session for longer than its
 * current PagerDuty request.
 */
#ifndef PDBRIDGE_MCP_H
#define PDBRIDGE_MCP_H

#include <pdbridge/buf.h>
#include <pdbridge/err.h>
#include <pdbridge/limits.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct mcp_server;
struct mcp_session;
struct mcp_call;
struct mcp_out;

/* The newest legacy version (offered to an initialize that asks for an unknown one). */
#define MCP_VERSION_LATEST "2025-11-25"
/* The stateless version, served to requests that carry it in their _meta. */
#define MCP_VERSION_STATELESS "2026-07-28"

/* Bytes of a request-state MAC (HMAC-SHA256). */
#define MCP_MAC_LEN 32

/* --- what the embedder supplies: tables ------------------------------------ */

/* A tool annotation hint: left out of tools/list, or false, or true. */
enum mcp_hint {
	MCP_HINT_UNSET = 0,
	MCP_HINT_FALSE = 1,
	MCP_HINT_TRUE = 2,
};

struct mcp_hints {
	enum mcp_hint read_only;   /* readOnlyHint (spec default false) */
	enum mcp_hint destructive; /* destructiveHint (spec default true) */
	enum mcp_hint idempotent;  /* idempotentHint (spec default false) */
	enum mcp_hint open_world;  /* openWorldHint (spec default true) */
};

/**
 * mcp_tool_fn: run a tool on a worker thread. @args is the "arguments"
 * object (an empty object when the client sent none), borrowed for the call.
 * Add content with mcp_out_*(mcp_call_out(@call)) and optionally
 * mcp_call_structured(). Return PDB_OK for a result; any other code makes a
 * result with isError:true whose text is @err's detail (the model reads it:
 * say what to fix). Validation of @args is the tool's job and is a tool
 * error, not a protocol error (MCP 2025-11-25).
 */
typedef enum pdb_rc (*mcp_tool_fn)(struct mcp_call *call, const struct cJSON *args, void *ud,
                                   struct pdb_err *err);

/* One tool: the row shape of the tool catalog. Strings are static. */
struct mcp_tool {
	const char *name;          /* 1-128 characters of [A-Za-z0-9_.-] */
	const char *title;         /* display name, or NULL */
	const char *description;   /* what the model reads; required */
	const char *input_schema;  /* a JSON object, sent verbatim; NULL: no arguments */
	const char *output_schema; /* a JSON object or NULL; then mcp_call_structured() */
	struct mcp_hints hints;
	mcp_tool_fn fn;
	void *ud;
	unsigned needs; /* enum mcp_client_cap bits the tool cannot work without: a 2026-07-28
	                   request that does not declare them is refused (-32021) */
};

/**
 * mcp_read_fn: read the resource @uri into @out with mcp_out_resource_text()
 * or mcp_out_resource_blob(). Runs on the loop thread: must not block.
 * Return PDB_E_NOTFOUND for a URI the template matched but that names
 * nothing (answered -32002), anything else for a failure (-32603).
 */
typedef enum pdb_rc (*mcp_read_fn)(const char *uri, struct mcp_out *out, void *ud,
                                   struct pdb_err *err);

/**
 * mcp_complete_fn: suggest values for argument @arg whose text so far is
 * @value, with mcp_out_value() (at most PDB_MCP_COMPLETE_MAX are kept).
 * Runs on the loop thread: must not block.
 */
typedef enum pdb_rc (*mcp_complete_fn)(const char *arg, const char *value, struct mcp_out *out,
                                       void *ud);

struct mcp_resource {
	const char *uri;
	const char *name;
	const char *title;       /* or NULL */
	const char *description; /* or NULL */
	const char *mime_type;   /* or NULL */
	mcp_read_fn read;
	void *ud;
};

/* A resource template: RFC 6570 level 1 ("test://template/{id}/data"; {x} matches no '/'). */
struct mcp_template {
	const char *uri_template;
	const char *name;
	const char *title;       /* or NULL */
	const char *description; /* or NULL */
	const char *mime_type;   /* or NULL */
	mcp_read_fn read;
	mcp_complete_fn complete; /* or NULL */
	void *ud;
};

struct mcp_prompt_arg {
	const char *name;
	const char *description; /* or NULL */
	bool required;
};

/**
 * mcp_prompt_fn: render prompt messages into @out (mcp_out_role() then
 * content blocks; each block is one message). @args is the "arguments"
 * object of string values (required ones checked already). Loop thread:
 * must not block. Return PDB_OK, or a code and @err for -32602/-32603.
 */
typedef enum pdb_rc (*mcp_prompt_fn)(const struct cJSON *args, struct mcp_out *out, void *ud,
                                     struct pdb_err *err);

struct mcp_prompt {
	const char *name;
	const char *title;       /* or NULL */
	const char *description; /* required (clients list it) */
	const struct mcp_prompt_arg *args;
	size_t n_args;
	mcp_prompt_fn get;
	mcp_complete_fn complete; /* or NULL */
	void *ud;
};

/**
 * mcp_exec_fn: run @run(@job) soon on a worker thread, never on the caller's
 * (the loop's) thread. Return PDB_OK, or PDB_E_TOO_LARGE when the queue is
 * full (the call is then answered "server busy").
 */
typedef enum pdb_rc (*mcp_exec_fn)(void *exec_ud, void (*run)(void *job), void *job);

/**
 * mcp_mac_fn: the keyed MAC (HMAC-SHA256 under a key only the embedder
 * holds) of @len bytes at @msg into @mac. Any thread. Returns PDB_OK or a
 * failure, which refuses the request state being made or checked.
 */
typedef enum pdb_rc (*mcp_mac_fn)(void *mac_ud, const void *msg, size_t len,
                                  unsigned char mac[MCP_MAC_LEN]);

struct mcp_conf {
	const char *name;         /* serverInfo.name */
	const char *version;      /* serverInfo.version */
	const char *title;        /* serverInfo.title (2025-06-18 on), or NULL */
	const char *instructions; /* initialize instructions, or NULL */
	const struct mcp_tool *tools;
	size_t n_tools;
	const struct mcp_resource *resources;
	size_t n_resources;
	const struct mcp_template *templates;
	size_t n_templates;
	const struct mcp_prompt *prompts;
	size_t n_prompts;
	mcp_exec_fn exec; /* required when there are tools */
	void *exec_ud;
	unsigned page_size;         /* lists but tools/list (one page); 0: PDB_MCP_PAGE_SIZE */
	int64_t request_timeout_ms; /* server-to-client requests; 0: PDB_MCP_REQUEST_TIMEOUT_MS */
	mcp_mac_fn mac;             /* authenticates requestState; NULL: no state across rounds */
	void *mac_ud;
};

/**
 * mcp_server_new: a server for @conf, whose tables and strings must outlive
 * it. Checks every tool name and parses every schema once. Caller frees
 * with mcp_server_free() after every session is closed and every worker has
 * finished. Returns PDB_OK, PDB_E_INVAL (a bad name or schema, with which
 * in @err) or PDB_E_NOMEM.
 */
enum pdb_rc mcp_server_new(const struct mcp_conf *conf, struct mcp_server **out,
                           struct pdb_err *err) PDB_WARN_UNUSED;

/** mcp_server_free: free the server; NULL is a no-op. */
void mcp_server_free(struct mcp_server *srv);

/* --- sessions ----------------------------------------------------------------- */

/* The message is the last one of a deferred call (its result, or NULL when cancelled). */
#define MCP_SEND_FINAL 1u

/**
 * mcp_send_fn: deliver @len bytes of @msg (one JSON-RPC message, no newline;
 * NULL with MCP_SEND_FINAL when a cancelled call ends silently) that belongs
 * to @stream: the stream a request arrived on (as given to mcp_handle()), or
 * 0 for session-level messages (notifications/resources/updated). Called on
 * the loop thread or a worker, with the session's lock held: it must copy
 * what it needs and return without blocking or calling into mcp.
 */
typedef void (*mcp_send_fn)(void *ud, uint64_t stream, const char *msg, size_t len, unsigned flags);

/**
 * mcp_session_new: a session of @srv whose outgoing messages go to
 * @send(@send_ud, ...). Caller ends it with mcp_session_close(). Returns
 * PDB_OK, PDB_E_TOO_LARGE (PDB_MCP_SESSIONS_MAX alive) or PDB_E_NOMEM.
 */
enum pdb_rc mcp_session_new(struct mcp_server *srv, mcp_send_fn send, void *send_ud,
                            struct mcp_session **out) PDB_WARN_UNUSED;

/**
 * mcp_session_close: end the session: cancel its calls, wake their waits,
 * and stop sending. The memory is freed now or when the last call ends.
 * NULL is a no-op.
 */
void mcp_session_close(struct mcp_session *s);

/** mcp_session_cancel_stream: cancel the calls that arrived on @stream (its HTTP response went
 * away). */
void mcp_session_cancel_stream(struct mcp_session *s, uint64_t stream);

/* What mcp_handle() did with one message. */
struct mcp_result {
	bool reply;        /* @out holds one message (an object, or a batch's array) */
	bool bad_input;    /* the input was not valid JSON-RPC at all (HTTP: 400) */
	unsigned deferred; /* tool calls and listens whose end will arrive through send, FINAL */
	bool rejected;     /* 2026-07-28: the request's _meta, headers, version or capabilities were
	                      refused before its method ran (HTTP: 400) */
	bool no_method;    /* 2026-07-28: -32601, no such method (HTTP: 404) */
};

/**
 * mcp_handle: serve one complete message (@len bytes of @in, no framing) of
 * session @s that arrived on @stream. A reply, if any, is appended to @out
 * (whose bound limits it: a reply that does not fit becomes a -32603
 * error). Pure apart from handing tool calls to the executor: no I/O, and
 * send is called from here only for the silent FINAL of a
 * subscriptions/listen that a notifications/cancelled ends.
 */
struct mcp_result mcp_handle(struct mcp_session *s, const char *in, size_t len, uint64_t stream,
                             struct buf *out);

/* The Streamable HTTP headers that mirror a 2026-07-28 request's body; NULL: absent. */
struct mcp_http_headers {
	const char *protocol_version; /* MCP-Protocol-Version */
	const char *method;           /* Mcp-Method */
	const char *name;             /* Mcp-Name, maybe "=?base64?...?=" */
};

/**
 * mcp_handle_http: mcp_handle() for a POST the transport took for a
 * 2026-07-28 request (mcp_is_stateless(), or its header names no legacy
 * version): the message is served statelessly and @h is checked against
 * its body (-32020 HeaderMismatch, rejected).
 */
struct mcp_result mcp_handle_http(struct mcp_session *s, const char *in, size_t len,
                                  uint64_t stream, const struct mcp_http_headers *h,
                                  struct buf *out);

/**
 * mcp_is_stateless: @len bytes of @in are one request to serve statelessly
 * (its _meta names a protocol version or client capabilities, or its method
 * exists only in 2026-07-28). Cheap for anything else: parses only when the
 * text mentions one of those.
 */
bool mcp_is_stateless(const char *in, size_t len);

/** mcp_session_initialized: initialize has been answered. */
bool mcp_session_initialized(struct mcp_session *s);

/** mcp_version_supported: @v (a NUL-terminated header value) is a legacy version this server
 * speaks. */
bool mcp_version_supported(const char *v);

/** mcp_version_stateless: @v is a version served statelessly (2026-07-28). */
bool mcp_version_stateless(const char *v);

/**
 * mcp_session_end_listens: end the session's subscriptions/listen requests
 * gracefully (their result, FINAL), as at the end of input: a listen is
 * open until its client cancels it, and nothing else ends it.
 */
void mcp_session_end_listens(struct mcp_session *s);

/**
 * mcp_is_initialize: @len bytes of @in are one initialize request (HTTP needs
 * to know before a session exists). Anything unparsable is "no".
 */
bool mcp_is_initialize(const char *in, size_t len);

/**
 * mcp_write_error: append a JSON-RPC error with a null id for a message the
 * transport refuses before mcp_handle() sees it (over-long line, failed
 * authentication, HTTP refusals). The code comes from @rc through the one
 * pdb_rc-to-code table. Returns as rpc_write_error().
 */
enum pdb_rc mcp_write_error(struct buf *out, enum pdb_rc rc, const char *msg) PDB_WARN_UNUSED;

/**
 * mcp_resource_updated: tell every session subscribed to @uri and every
 * subscriptions/listen that asked for it (notifications/resources/updated).
 * Any thread.
 */
void mcp_resource_updated(struct mcp_server *srv, const char *uri);

/** mcp_resource_watched: some client subscribed to or listens for @uri now. Any thread. */
bool mcp_resource_watched(struct mcp_server *srv, const char *uri);

/* --- inside a tool call (worker thread) -------------------------------------- */

/* RFC 5424 severities, as logging/setLevel names them. */
enum mcp_log_level {
	MCP_LOG_DEBUG = 0,
	MCP_LOG_INFO = 1,
	MCP_LOG_NOTICE = 2,
	MCP_LOG_WARNING = 3,
	MCP_LOG_ERROR = 4,
	MCP_LOG_CRITICAL = 5,
	MCP_LOG_ALERT = 6,
	MCP_LOG_EMERGENCY = 7,
};

/* Client capabilities a tool may depend on. */
enum mcp_client_cap {
	MCP_CLIENT_SAMPLING = 1u,
	MCP_CLIENT_ELICITATION = 2u,
	MCP_CLIENT_ROOTS = 4u,
};

/** mcp_call_out: the content blocks of the call's result. Borrowed for the call. */
struct mcp_out *mcp_call_out(struct mcp_call *c);

/**
 * mcp_call_structured: set structuredContent (takes ownership of @obj, a JSON
 * object; also on failure). Under 2025-06-18 and later it is sent as is and,
 * when the handler added no content, as a text block too; earlier versions
 * get only the text block. Returns PDB_OK, PDB_E_TYPE or PDB_E_INVAL (twice).
 */
enum pdb_rc mcp_call_structured(struct mcp_call *c, struct cJSON *obj) PDB_WARN_UNUSED;

/** mcp_call_cancelled: the client cancelled the call or went away: stop early. */
bool mcp_call_cancelled(struct mcp_call *c);

/** mcp_call_client_can: the client declared @cap (at initialize, or in this request's _meta). */
bool mcp_call_client_can(struct mcp_call *c, enum mcp_client_cap cap);

/**
 * mcp_call_progress: send notifications/progress for the call's
 * progressToken (nothing when the client gave none). @total <= 0: unknown;
 * @message may be NULL. Returns PDB_OK, PDB_E_RANGE (not above the last
 * progress: the spec wants it to increase) or PDB_E_NOMEM.
 */
enum pdb_rc mcp_call_progress(struct mcp_call *c, double progress, double total,
                              const char *message) PDB_WARN_UNUSED;

/**
 * mcp_call_log: send notifications/message at @lvl from @logger (may be
 * NULL) when @lvl is at or above the level the client set (default: info).
 * The text is never a secret. Returns PDB_OK or PDB_E_NOMEM.
 */
enum pdb_rc mcp_call_log(struct mcp_call *c, enum mcp_log_level lvl, const char *logger,
                         const char *fmt, ...) PDB_PRINTF(4, 5) PDB_WARN_UNUSED;

/**
 * mcp_call_request: send the server-to-client request @method with @params
 * (ownership taken, also on failure; NULL: none) on the call's stream, and
 * wait for the client's answer, at most @timeout_ms (0: the server's
 * default). On PDB_OK *@result is the result object (caller frees with
 * jsonx_free()). Returns PDB_OK, PDB_E_UNSUPPORTED (the client did not
 * declare the capability @method needs), PDB_E_TOO_LARGE
 * (PDB_MCP_PENDING_MAX outstanding), PDB_E_TIMEOUT (no answer in time, or
 * the call was cancelled / the session closed), PDB_E_DENIED (the client
 * answered with an error: its message is in @err) or PDB_E_NOMEM.
 */
enum pdb_rc mcp_call_request(struct mcp_call *c, const char *method, struct cJSON *params,
                             int64_t timeout_ms, struct cJSON **result,
                             struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * mcp_call_elicit: ask the user through the client (elicitation/create with
 * @params, taken also on failure) in whichever way the call's era has. A
 * legacy session gets the request and the call waits for the answer; a
 * 2026-07-28 call asks with input_required under @key, and the answer comes
 * with the client's retry (only with the request state this server issued
 * for this question and these arguments). On PDB_OK *@answer is the
 * client's ElicitResult, borrowed until the call ends, or NULL when the
 * question went out: the handler then returns PDB_OK at once and its result
 * is the question. Returns PDB_OK, PDB_E_UNSUPPORTED (the client cannot
 * elicit) or mcp_call_request()'s and mcp_out_ask()'s failures.
 */
enum pdb_rc mcp_call_elicit(struct mcp_call *c, const char *key, struct cJSON *params,
                            const struct cJSON **answer, struct pdb_err *err) PDB_WARN_UNUSED;

/* --- building output: tool content, prompt messages, resource contents ------ */

enum mcp_role {
	MCP_ROLE_USER = 0,
	MCP_ROLE_ASSISTANT = 1,
};

/*
 * Every mcp_out_* call returns PDB_OK, PDB_E_TOO_LARGE (the output would pass
 * PDB_MCP_MSG_MAX), PDB_E_INVAL (a kind this output does not take: resource
 * contents hold only resource_text/blob, completions only values) or
 * PDB_E_NOMEM. Strings are copied.
 */
enum pdb_rc mcp_out_text(struct mcp_out *o, const char *text) PDB_WARN_UNUSED;
enum pdb_rc mcp_out_image(struct mcp_out *o, const char *base64, const char *mime) PDB_WARN_UNUSED;
enum pdb_rc mcp_out_audio(struct mcp_out *o, const char *base64, const char *mime) PDB_WARN_UNUSED;
/* An embedded resource block, or (for resources/read) one contents entry. */
enum pdb_rc mcp_out_resource_text(struct mcp_out *o, const char *uri, const char *mime,
                                  const char *text) PDB_WARN_UNUSED;
enum pdb_rc mcp_out_resource_blob(struct mcp_out *o, const char *uri, const char *mime,
                                  const char *base64) PDB_WARN_UNUSED;
/* Prompts: the role of the messages added next (default user). */
void mcp_out_role(struct mcp_out *o, enum mcp_role role);
/* Completions: one suggested value; past PDB_MCP_COMPLETE_MAX only hasMore is set. */
enum pdb_rc mcp_out_value(struct mcp_out *o, const char *value) PDB_WARN_UNUSED;

/*
 * --- multi round-trip (2026-07-28 tools/call, prompts/get, resources/read) ---
 *
 * A handler that needs the client's input asks with mcp_out_ask() (and may
 * keep a short state with mcp_out_keep()) and returns PDB_OK: the result is
 * then {"resultType":"input_required", inputRequests, requestState} and the
 * content added is dropped. The client retries the same request with
 * inputResponses and the requestState; the handler finds the answers with
 * mcp_out_input() and its state with mcp_out_state(). The core checks the
 * state before the handler runs (MAC, the same method, name and arguments,
 * expiry, single use: anything else is refused -32602), and every input
 * answer is an object. In the legacy era there are no rounds: input and
 * state are NULL and asking is PDB_E_UNSUPPORTED.
 */

/** mcp_out_input: the client's answer to input request @key, an object, or NULL. Borrowed. */
const struct cJSON *mcp_out_input(const struct mcp_out *o, const char *key);

/** mcp_out_state: what the previous round kept (verified), or NULL. Borrowed. */
const char *mcp_out_state(const struct mcp_out *o);

/**
 * mcp_out_ask: ask the client for input @key: the request @method
 * (elicitation/create, sampling/createMessage or roots/list) with @params
 * (taken, also on failure; NULL: {}). Returns PDB_OK, PDB_E_UNSUPPORTED
 * (legacy era, or the client did not declare what @method needs),
 * PDB_E_INVAL (an unknown method, a key of 1 to PDB_MCP_INPUT_KEY_MAX bytes
 * asked twice), PDB_E_TOO_LARGE (PDB_MCP_INPUTS_MAX asked) or PDB_E_NOMEM.
 */
enum pdb_rc mcp_out_ask(struct mcp_out *o, const char *key, const char *method,
                        struct cJSON *params) PDB_WARN_UNUSED;

/**
 * mcp_out_keep: hand @state (printable text, at most
 * PDB_MCP_STATE_PAYLOAD_MAX bytes) to the next round. Returns PDB_OK,
 * PDB_E_UNSUPPORTED (legacy era, or no MAC configured), PDB_E_TOO_LARGE,
 * PDB_E_INVAL or PDB_E_NOMEM.
 */
enum pdb_rc mcp_out_keep(struct mcp_out *o, const char *state) PDB_WARN_UNUSED;

#endif /* PDBRIDGE_MCP_H */
