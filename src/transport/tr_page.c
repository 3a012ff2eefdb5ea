/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tr_page.c - page listeners: a few read-only GET routes (the board page,
 * its state, its event stream) on libmicrohttpd, beside MCP but without it.
 *
 * A page listener is a struct tr_http whose requests come here: tr_http.c
 * drives libmicrohttpd from the loop and owns the Host/Origin rules, this
 * file answers. Everything runs on the loop thread, so nothing is locked.
 *
 * Access: when the transport has a token (required off loopback), a browser
 * brings it once as ?token=...; the answer is a cookie (HttpOnly: no script
 * reads it; SameSite=Strict: no other site's page makes the browser send it)
 * and a 303 to the same path without the query, so the token leaves the
 * address bar and the history. The cookie's name carries the port: two
 * boards on one host keep theirs apart. The token is never logged (the path
 * libmicrohttpd hands over has no query).
 *
 * Event streams: an event is one reference-counted blob that every stream
 * shares. A stream holds the blob it is sending (and how far it got) and the
 * newest one waiting; a newer event replaces the waiting one. A viewer that
 * stops reading therefore holds two events at most, and libmicrohttpd drops
 * it once nothing could be written for the connection timeout. A stream with
 * nothing to send is suspended: no timer and no polling per viewer; the
 * transport's sweep gives a silent one a keep-alive comment.
 */
#include "tr_int.h"

#include <pdbridge/clock.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <microhttpd.h>

#include <stdio.h>
#include <string.h>

#define KEEPALIVE     ": keepalive\n\n"
#define COOKIE_AGE_S  (400L * 24 * 3600) /* browsers keep a cookie 400 days at most */
#define RETRY_AFTER_S "10"
/* Pages are self-contained: nothing is loaded from anywhere, nothing framed, no forms. */
#define CSP                                                                              \
	"default-src 'none'; connect-src 'self'; style-src 'unsafe-inline'; script-src " \
	"'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; "          \
	"frame-ancestors 'none'"

/* One event, shared by the streams that still have to send it. */
struct blob {
	unsigned refs;
	size_t len;
	char data[];
};

struct stream {
	struct tr_pages *p;
	struct MHD_Connection *conn;
	struct blob *cur;  /* being sent */
	size_t off;        /* bytes of cur handed to libmicrohttpd */
	struct blob *next; /* the newest event, not started */
	bool keepalive;    /* a comment is due */
	bool suspended;
	int64_t last_ms; /* last bytes handed over */
	struct stream *prev, *nx;
};

struct tr_pages {
	struct tr_server *t;
	struct tr_http *h;
	struct tr_pages_conf conf;
	char cookie[32]; /* the cookie's name */
	struct stream *streams;
	size_t n_streams;
	bool closing;
};

/* --- blobs and streams ------------------------------------------------------------- */

static struct blob *blob_new(const char *p, size_t len)
{
	struct blob *b = mem_malloc(sizeof(*b) + len);

	if (!b)
		return NULL;
	b->refs = 1;
	b->len = len;
	memcpy(b->data, p, len);
	return b;
}

static struct blob *blob_ref(struct blob *b)
{
	b->refs++;
	return b;
}

static void blob_unref(struct blob *b)
{
	if (b && !--b->refs)
		mem_free(b);
}

/* Resume a parked stream; true when libmicrohttpd has to run for it. */
static bool wake(struct stream *st)
{
	if (!st->suspended)
		return false;
	st->suspended = false;
	MHD_resume_connection(st->conn);
	return true;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct stream *st = cls;
	size_t n;

	(void)pos;
	if (st->cur) {
		n = st->cur->len - st->off < max ? st->cur->len - st->off : max;
		memcpy(out, st->cur->data + st->off, n);
		st->off += n;
		if (st->off == st->cur->len) {
			blob_unref(st->cur);
			st->cur = st->next;
			st->next = NULL;
			st->off = 0;
		}
		st->last_ms = clk_now_ms();
		st->keepalive = false;
		return (ssize_t)n;
	}
	if (st->p->closing)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (st->keepalive && max >= sizeof(KEEPALIVE) - 1) {
		st->keepalive = false;
		st->last_ms = clk_now_ms();
		memcpy(out, KEEPALIVE, sizeof(KEEPALIVE) - 1);
		return (ssize_t)(sizeof(KEEPALIVE) - 1);
	}
	/* Nothing to send: park the connection until tr_pages_send() or the sweep wakes it. */
	st->suspended = true;
	MHD_suspend_connection(st->conn);
	return 0;
}

static void stream_free(void *cls)
{
	struct stream *st = cls;
	struct tr_pages *p = st->p;

	if (st->prev)
		st->prev->nx = st->nx;
	else
		p->streams = st->nx;
	if (st->nx)
		st->nx->prev = st->prev;
	p->n_streams--;
	blob_unref(st->cur);
	blob_unref(st->next);
	mem_free(st);
	LOG_DEBUG("page", "event stream closed (%zu open)", p->n_streams);
}

/* --- answers --------------------------------------------------------------------------- */

/* @extra: NULL or name, value, ..., NULL. The body is copied. */
static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status, const char *type,
                              const char *body, size_t len, const char *const *extra)
{
	static const char *const fixed[] = {
	    MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-store",
	    "X-Content-Type-Options",
	    "nosniff",
	    "Referrer-Policy",
	    "no-referrer",
	    "X-Frame-Options",
	    "DENY",
	    "Content-Security-Policy",
	    CSP,
	    NULL,
	};
	struct MHD_Response *r;
	enum MHD_Result ok;
	size_t i;

	r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	for (i = 0; fixed[i]; i += 2)
		MHD_add_response_header(r, fixed[i], fixed[i + 1]);
	for (i = 0; extra && extra[i]; i += 2)
		MHD_add_response_header(r, extra[i], extra[i + 1]);
	ok = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ok;
}

/* A refusal a person reading it in a browser understands. */
static enum MHD_Result refuse(struct MHD_Connection *conn, unsigned status, const char *msg,
                              const char *const *extra)
{
	char page[512];
	int n = snprintf(page, sizeof(page),
	                 "<!doctype html><meta charset=utf-8><title>%u</title><p>%s</p>\n", status,
	                 msg);

	LOG_DEBUG("page", "%u: %s", status, msg);
	return answer(conn, status, "text/html; charset=utf-8", page,
	              n > 0 && (size_t)n < sizeof(page) ? (size_t)n : 0, extra);
}

enum access {
	ACCESS_OK = 0,
	ACCESS_GRANT = 1, /* a right ?token=: set the cookie, redirect */
	ACCESS_DENIED = 2,
};

static enum access access_of(const struct tr_pages *p, struct MHD_Connection *conn)
{
	const struct tr_server *t = p->t;
	const char *v;

	if (!t->token_len)
		return ACCESS_OK;
	v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "token");
	if (v)
		return tr__token_ok(t, v, strlen(v)) ? ACCESS_GRANT : ACCESS_DENIED;
	v = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, p->cookie);
	return v && tr__token_ok(t, v, strlen(v)) ? ACCESS_OK : ACCESS_DENIED;
}

/* The cookie for a right ?token=, and the same path without the query. */
static enum MHD_Result grant(const struct tr_pages *p, struct MHD_Connection *conn, const char *url)
{
	char cookie[PDB_SECRET_MAX + 128];
	const char *extra[] = {MHD_HTTP_HEADER_SET_COOKIE, cookie, MHD_HTTP_HEADER_LOCATION, url,
	                       NULL};
	enum MHD_Result ok;

	snprintf(cookie, sizeof(cookie), "%s=%.*s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Strict",
	         p->cookie, (int)p->t->token_len, p->t->token, COOKIE_AGE_S);
	ok = answer(conn, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", "", 0, extra);
	memset(cookie, 0, sizeof(cookie));
	LOG_INFO("page", "a browser brought the access token: it has the cookie now");
	return ok;
}

/*
 * Full: every parked stream gets its keep-alive now. A parked connection
 * does not see its viewer leave; resumed, it does (the closed socket reads
 * EOF, the write fails), and the slot is free for the next try.
 */
static void probe(struct tr_pages *p)
{
	struct stream *st;
	bool run = false;

	for (st = p->streams; st; st = st->nx) {
		st->keepalive = true;
		run |= wake(st);
	}
	if (run)
		tr__http_drive(p->h);
}

static enum MHD_Result open_stream(struct tr_pages *p, struct MHD_Connection *conn,
                                   const char *first, size_t len)
{
	static const char *const busy[] = {MHD_HTTP_HEADER_RETRY_AFTER, RETRY_AFTER_S, NULL};
	struct MHD_Response *r;
	struct stream *st;
	enum MHD_Result ok;

	if (p->n_streams >= PDB_TR_PAGE_STREAMS_MAX || p->closing) {
		probe(p);
		return refuse(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		              "Too many viewers are connected: try again later.", busy);
	}
	st = mem_calloc(1, sizeof(*st));
	if (!st || !(st->cur = blob_new(first, len))) {
		mem_free(st);
		return refuse(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "Out of memory.", busy);
	}
	st->p = p;
	st->conn = conn;
	st->last_ms = clk_now_ms();
	st->nx = p->streams;
	if (p->streams)
		p->streams->prev = st;
	p->streams = st;
	p->n_streams++;
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, PDB_TR_PAGE_BLOCK, stream_read, st,
	                                      stream_free);
	if (!r) {
		stream_free(st);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ok = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r); /* libmicrohttpd keeps its reference; stream_free runs when done */
	LOG_DEBUG("page", "event stream opened (%zu open)", p->n_streams);
	return ok;
}

int tr__pages_request(struct tr_pages *p, struct MHD_Connection *conn, const char *url,
                      const char *method)
{
	static const char *const allow[] = {MHD_HTTP_HEADER_ALLOW, "GET", NULL};
	const struct tr_route *r = NULL;
	const char *body = NULL;
	size_t i, len = 0;

	if (!tr__http_names_ok(p->h, conn))
		return refuse(conn, MHD_HTTP_FORBIDDEN,
		              "Forbidden: this Host or Origin is not ours.", NULL);
	switch (access_of(p, conn)) {
	case ACCESS_GRANT:
		return grant(p, conn, url);
	case ACCESS_DENIED:
		return refuse(conn, MHD_HTTP_UNAUTHORIZED,
		              "This page needs its access token: open it once with ?token=... "
		              "added to its address (the board.token setting).",
		              NULL);
	case ACCESS_OK:
		break;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET))
		return refuse(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "Method Not Allowed: read-only.",
		              allow);
	for (i = 0; i < p->conf.n_routes && !r; i++)
		if (!strcmp(url, p->conf.routes[i].path))
			r = &p->conf.routes[i];
	if (!r)
		return refuse(conn, MHD_HTTP_NOT_FOUND, "Not Found.", NULL);
	if (r->body(p->conf.ud, &body, &len))
		return refuse(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "Not ready yet: try again soon.",
		              NULL);
	if (r->stream)
		return open_stream(p, conn, body, len);
	return answer(conn, MHD_HTTP_OK, r->type, body, len, NULL);
}

/* --- the listener ------------------------------------------------------------------------ */

/* The token travels in a URL and a cookie: unreserved URL characters only. */
static bool token_fits(const struct tr_server *t)
{
	size_t i;

	for (i = 0; i < t->token_len; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~",
		            t->token[i]))
			return false;
	return true;
}

enum pdb_rc tr__pages_new(struct tr_server *t, const struct tr_addr *a, int fd,
                          const struct tr_pages_conf *pc, struct tr_pages **out,
                          struct pdb_err *err)
{
	struct tr_pages *p;
	enum pdb_rc rc;

	*out = NULL;
	if (!token_fits(t))
		return pdb_err_set(err, PDB_E_INVAL,
		                   "a page's access token may hold only letters, digits and -._~");
	p = mem_calloc(1, sizeof(*p));
	if (!p)
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory");
	p->t = t;
	p->conf = *pc;
	snprintf(p->cookie, sizeof(p->cookie), "pdbridge_%d", a->port);
	rc = tr__http_new(t, a, fd, p, &p->h, err);
	if (rc) {
		mem_free(p);
		return rc;
	}
	*out = p;
	return PDB_OK;
}

enum pdb_rc tr_pages_send(struct tr_pages *p, const char *event, size_t len)
{
	struct stream *st;
	struct blob *b;
	bool run = false;

	if (!p->streams || !len)
		return PDB_OK;
	b = blob_new(event, len);
	if (!b)
		return PDB_E_NOMEM;
	for (st = p->streams; st; st = st->nx) {
		if (!st->cur || !st->off) { /* not started: the newer event replaces it */
			blob_unref(st->cur);
			st->cur = blob_ref(b);
			st->off = 0;
		} else {
			blob_unref(st->next);
			st->next = blob_ref(b);
		}
		run |= wake(st);
	}
	blob_unref(b);
	if (run)
		tr__http_drive(p->h);
	return PDB_OK;
}

size_t tr_pages_streams(const struct tr_pages *p)
{
	return p->n_streams;
}

void tr__pages_sweep(struct tr_pages *p, int64_t now)
{
	struct stream *st;

	for (st = p->streams; st; st = st->nx) {
		if (st->suspended && now - st->last_ms >= PDB_TR_SSE_KEEPALIVE_MS) {
			st->keepalive = true;
			wake(st);
		}
	}
	tr__http_sweep(p->h, now); /* runs libmicrohttpd, its own timeouts included */
}

void tr__pages_free(struct tr_pages *p)
{
	struct stream *st;

	if (!p)
		return;
	p->closing = true; /* every stream ends */
	for (st = p->streams; st; st = st->nx)
		wake(st);
	tr__http_drive(p->h);
	tr__http_free(p->h); /* frees the streams still attached to connections */
	mem_free(p);
}
