/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * transport.h - how MCP messages reach pdbridge: stdio, TCP, Streamable
 * HTTP (libmicrohttpd), all on the one event loop.
 *
 * stdio and TCP share one NDJSON framer (struct tr_framer): one JSON-RPC
 * message per line, CRLF tolerated, blank lines ignored, a line over the
 * limit answered with -32600 and discarded up to its newline. Streamable
 * HTTP is libmicrohttpd driven from the loop (its epoll fd is one of the
 * loop's fds; no thread of its own), with SSE for tool calls so that
 * progress, log messages and server-to-client requests can flow while a
 * call runs. docs/mcp-transports.md has every rule and limit.
 *
 * Authentication: a bearer token (never logged, compared in constant time)
 * is required for any listener not bound to loopback; tr_listen() refuses
 * such a listener without one. HTTP carries it as "Authorization: Bearer";
 * a TCP client sends {"auth":"<token>"} as its first line.
 *
 * This is the only module that includes libmicrohttpd's header; nothing of
 * its appears here. Everything runs on the loop thread except the session
 * send callbacks, which workers call and which only queue and ev_post().
 */
#ifndef PDBRIDGE_TRANSPORT_H
#define PDBRIDGE_TRANSPORT_H

#include <pdbridge/buf.h>
#include <pdbridge/err.h>
#include <pdbridge/limits.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct mcp_server;
struct tr_server;

/** tr_http_version: the linked libmicrohttpd's version. Static string. */
const char *tr_http_version(void);

/* --- the NDJSON framer ------------------------------------------------------ */

struct tr_framer {
	struct buf in;   /* unconsumed bytes; lines are found in place */
	size_t start;    /* first byte not yet returned */
	size_t scan;     /* bytes before this (from start) hold no newline */
	size_t max;      /* longest line accepted */
	bool discarding; /* inside an over-long line: drop up to its newline */
};

enum tr_frame_ev {
	TR_FRAME_NONE = 0,     /* no complete line buffered: push more bytes */
	TR_FRAME_LINE = 1,     /* *line / *len is one message (no CR/LF) */
	TR_FRAME_TOO_LONG = 2, /* a line passed max; its bytes up to the newline are dropped */
};

/** tr_frame_init: a framer for lines of at most @max bytes; allocates nothing. */
void tr_frame_init(struct tr_framer *f, size_t max);

/** tr_frame_free: release the buffer; safe more than once. */
void tr_frame_free(struct tr_framer *f);

/** tr_frame_set_max: change the line limit (raised after authentication). */
void tr_frame_set_max(struct tr_framer *f, size_t max);

/**
 * tr_frame_push: append @n bytes (at most PDB_TR_READ_CHUNK) read from the
 * peer. Call only after tr_frame_next() returned TR_FRAME_NONE, so at most
 * max + PDB_TR_READ_CHUNK bytes are ever buffered. Returns PDB_OK,
 * PDB_E_TOO_LARGE (called out of turn) or PDB_E_NOMEM.
 */
enum pdb_rc tr_frame_push(struct tr_framer *f, const char *p, size_t n) PDB_WARN_UNUSED;

/**
 * tr_frame_next: the next event. For TR_FRAME_LINE, *@line (borrowed until
 * the next call) holds *@len bytes without the newline or a trailing CR.
 * Blank lines are skipped.
 */
enum tr_frame_ev tr_frame_next(struct tr_framer *f, const char **line, size_t *len);

/**
 * tr_frame_finish: at end of input, the unterminated last line if any
 * (TR_FRAME_LINE, or TR_FRAME_TOO_LONG / TR_FRAME_NONE); the framer is empty
 * afterwards.
 */
enum tr_frame_ev tr_frame_finish(struct tr_framer *f, const char **line, size_t *len);

/** tr_frame_pending: bytes of a line that has started but not ended. */
size_t tr_frame_pending(const struct tr_framer *f);

/* --- the server --------------------------------------------------------------- */

struct tr_conf {
	struct ev_loop *loop;    /* required; everything runs on it */
	struct mcp_server *mcp;  /* must outlive the transport; NULL: page listeners only */
	const char *token;       /* bearer token; NULL/"": none (loopback only). Borrowed. */
	int64_t idle_ms;         /* 0: PDB_TR_IDLE_MS (TCP connections) */
	int64_t session_idle_ms; /* 0: PDB_TR_HTTP_SESSION_IDLE_MS (HTTP sessions) */
	int64_t line_timeout_ms; /* 0: PDB_TR_LINE_TIMEOUT_MS */
	int64_t auth_timeout_ms; /* 0: PDB_TR_AUTH_TIMEOUT_MS */
	int64_t drain_ms;        /* 0: PDB_TR_DRAIN_MS */
};

/**
 * tr_new: a transport with no listeners yet. Registers the token with
 * log_add_secret(). Caller frees with tr_free(). Returns PDB_OK,
 * PDB_E_INVAL (no loop, token too long) or PDB_E_NOMEM.
 */
enum pdb_rc tr_new(const struct tr_conf *conf, struct tr_server **out,
                   struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * tr_listen: serve @url: "tcp://HOST:PORT" or "http://HOST:PORT/PATH"
 * (HOST an IPv4 address, [IPv6] or localhost; PORT 0 picks a free one).
 * The URL actually bound (port filled in) goes to @bound (@bound_len bytes).
 * Returns PDB_OK, PDB_E_INVAL (bad URL, non-loopback without a token, or no
 * MCP server), PDB_E_TOO_LARGE (PDB_TR_LISTEN_MAX listeners), PDB_E_IO
 * (bind/listen failed) or PDB_E_NOMEM, with the reason in @err.
 */
enum pdb_rc tr_listen(struct tr_server *t, const char *url, char *bound, size_t bound_len,
                      struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * tr_stdio: serve one session on @in_fd/@out_fd (normally 0 and 1). When it
 * ends (EOF on @in_fd, after in-flight calls finished or PDB_TR_DRAIN_MS
 * passed), the loop is stopped. Returns PDB_OK, PDB_E_INVAL (twice) or
 * PDB_E_NOMEM.
 */
enum pdb_rc tr_stdio(struct tr_server *t, int in_fd, int out_fd,
                     struct pdb_err *err) PDB_WARN_UNUSED;

/* --- pages: read-only GET routes beside MCP (the board page) ------------------ */

/*
 * A route's answer: *@body (borrowed until the call returns; it is copied)
 * of *@len bytes. Anything but PDB_OK is answered 503.
 */
typedef enum pdb_rc (*tr_body_fn)(void *ud, const char **body, size_t *len);

/* One GET route of a page listener. */
struct tr_route {
	const char *path; /* exact match: "/", "/state.json" */
	const char *type; /* Content-Type of the answer */
	tr_body_fn body;  /* the answer; for a stream, its first event */
	bool stream;      /* an SSE stream (type text/event-stream) that tr_pages_send() feeds */
};

struct tr_pages_conf {
	const struct tr_route *routes; /* borrowed for the listener's life */
	size_t n_routes;
	void *ud; /* for every body() */
};

struct tr_pages;

/**
 * tr_listen_pages: serve @pc's routes on @url, "http://HOST:PORT" or
 * "http://HOST:PORT/" (HOST as for tr_listen()), GET only. The transport
 * may have been made without an MCP server for this. Checks, in order:
 * Host (403) and Origin (403) as for MCP, then the token when the
 * transport has one: a request carrying ?token=<token> gets it as an
 * HttpOnly, SameSite=Strict cookie and a 303 to the same path without the
 * query; without the cookie or with a wrong token it is 401. Then the
 * method (405), the path (404), and for a stream the bound
 * (PDB_TR_PAGE_STREAMS_MAX, then 503). The token is never logged. *@out is
 * owned by the transport (freed by tr_free()); the bound URL goes to
 * @bound. Returns as tr_listen().
 */
enum pdb_rc tr_listen_pages(struct tr_server *t, const char *url, const struct tr_pages_conf *pc,
                            struct tr_pages **out, char *bound, size_t bound_len,
                            struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * tr_pages_send: @len bytes of whole SSE events to every stream of @p. A
 * stream that has not started sending an earlier event gets this one
 * instead (only the newest state matters to a page); a stream that is
 * mid-event finishes that one first. Streams get a keep-alive comment
 * after PDB_TR_SSE_KEEPALIVE_MS of silence. Returns PDB_OK or PDB_E_NOMEM.
 */
enum pdb_rc tr_pages_send(struct tr_pages *p, const char *event, size_t len) PDB_WARN_UNUSED;

/** tr_pages_streams: the event streams open now (tests, bench/). */
size_t tr_pages_streams(const struct tr_pages *p);

/**
 * tr_free: close every connection, session and listener (their calls are
 * cancelled) and free the transport; NULL is a no-op. Call on the loop
 * thread, before the worker pool is joined and mcp_server_free().
 */
void tr_free(struct tr_server *t);

#endif /* PDBRIDGE_TRANSPORT_H */
