/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tr_int.h - what the files of the transport module share.
 *
 * Threads: everything here runs on the loop thread, except the two send
 * callbacks (tr_stream.c, tr_http.c) that MCP workers call. Those only take
 * the connection's or HTTP session's own mutex, append to a bounded queue
 * and ev_post() a flush; they never touch a socket. Lock order: the MCP
 * session lock (held by the caller of send), then ours.
 */
#ifndef PDBRIDGE_TR_INT_H
#define PDBRIDGE_TR_INT_H

#include <pdbridge/ev.h>
#include <pdbridge/host.h>
#include <pdbridge/mcp.h>
#include <pdbridge/transport.h>

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>

struct tr_conn;
struct tr_http;

enum tr_scheme {
	TR_SCHEME_TCP = 0,
	TR_SCHEME_HTTP = 1,
};

/* A parsed --listen URL. */
struct tr_addr {
	enum tr_scheme scheme;
	struct sockaddr_storage ss;
	socklen_t ss_len;
	char host[72]; /* as written in the URL ("127.0.0.1", "[::1]"); "localhost" kept */
	int port;
	char path[64]; /* HTTP endpoint, "/mcp" by default */
	bool loopback; /* host_addr_is_loopback(): 127.0.0.0/8, ::1, ::ffff:127.x.y.z */
	bool wildcard; /* 0.0.0.0 or :: */
};

struct tr_listener {
	struct tr_server *t;
	int fd;
	bool loopback;
	int64_t paused_until; /* out of fds: stop accepting until then */
};

struct tr_server {
	struct tr_conf conf;
	char token[PDB_SECRET_MAX + 1];
	size_t token_len; /* 0: no token */
	struct tr_listener tcp[PDB_TR_LISTEN_MAX];
	size_t n_tcp;
	struct tr_http *http[PDB_TR_LISTEN_MAX];
	size_t n_http;
	struct tr_pages *pages[PDB_TR_LISTEN_MAX]; /* page listeners (tr_page.c) */
	size_t n_pages;
	struct tr_conn *conns; /* TCP connections, and the stdio one */
	size_t n_tcp_conns;
	bool have_stdio;
	unsigned sweep_timer;
	struct buf scratch; /* mcp_handle() output; loop thread only */
	bool closing;       /* tr_free() is running: do not stop the loop */
};

/** tr__parse_url: @url into @a. Returns PDB_OK or PDB_E_INVAL with the reason in @err. */
enum pdb_rc tr__parse_url(const char *url, struct tr_addr *a, struct pdb_err *err);

/** tr__bind: a non-blocking listening socket for @a; fills in a->port when it was 0. */
enum pdb_rc tr__bind(struct tr_addr *a, int *fd, struct pdb_err *err);

/** tr__token_ok: @len bytes at @got are the token, compared in constant time. */
bool tr__token_ok(const struct tr_server *t, const char *got, size_t len);

/** tr__json_error: @out = a JSON-RPC error with a null id for @rc (refusals, HTTP bodies). */
void tr__json_error(struct buf *out, enum pdb_rc rc, const char *msg);

/* tr_stream.c: NDJSON connections (stdio and TCP). */
enum pdb_rc tr__tcp_start(struct tr_server *t, struct tr_listener *l, struct pdb_err *err);
enum pdb_rc tr__stdio_start(struct tr_server *t, int in_fd, int out_fd, struct pdb_err *err);
void tr__conns_sweep(struct tr_server *t, int64_t now);
void tr__conns_close_all(struct tr_server *t);

/* tr_http.c: Streamable HTTP; with @pages, a page listener whose requests tr_page.c answers. */
enum pdb_rc tr__http_new(struct tr_server *t, const struct tr_addr *a, int fd,
                         struct tr_pages *pages, struct tr_http **out, struct pdb_err *err);
void tr__http_sweep(struct tr_http *h, int64_t now);
void tr__http_free(struct tr_http *h);

/* For tr_page.c: libmicrohttpd's types stay in the .c files that include it. */
struct MHD_Connection;

/** tr__http_names_ok: the Host and Origin of @conn pass the DNS-rebinding rules. */
bool tr__http_names_ok(const struct tr_http *h, struct MHD_Connection *conn);

/** tr__http_drive: run libmicrohttpd now (after resuming connections). */
void tr__http_drive(struct tr_http *h);

/* tr_page.c: page listeners. tr__pages_request returns an enum MHD_Result. */
enum pdb_rc tr__pages_new(struct tr_server *t, const struct tr_addr *a, int fd,
                          const struct tr_pages_conf *pc, struct tr_pages **out,
                          struct pdb_err *err);
int tr__pages_request(struct tr_pages *p, struct MHD_Connection *conn, const char *url,
                      const char *method);
void tr__pages_sweep(struct tr_pages *p, int64_t now);
void tr__pages_free(struct tr_pages *p);

#endif /* PDBRIDGE_TR_INT_H */
