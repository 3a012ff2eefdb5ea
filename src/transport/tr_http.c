/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tr_http.c - Streamable HTTP (MCP 2025-03-26 .. 2025-11-25, and
 * 2026-07-28 beside them) on libmicrohttpd, driven from the event loop.
 *
 * libmicrohttpd runs with MHD_USE_EPOLL and no thread of its own: its epoll
 * fd is one of the loop's fds, MHD_run() is called when it is readable or
 * when MHD_get_timeout() says so, so every callback below runs on the loop
 * thread. One endpoint path serves POST (a message), GET (the session's SSE
 * stream for server-initiated notifications) and DELETE (end the session).
 *
 * A POST that starts tool calls gets an SSE response: the stream is
 * registered before mcp_handle() runs (a fast worker may answer at once),
 * workers append events under the session mutex and post one wake-up, and
 * the content reader suspends the connection whenever it has nothing to
 * send (MHD_ALLOW_SUSPEND_RESUME) until that wake-up resumes it. The
 * stream ends after its last FINAL; a stream whose client went away
 * cancels its calls.
 *
 * MHD_run() is never re-entered: a callback that resumes a connection (a
 * DELETE or an eviction ending another session's streams) only asks the
 * running drive() for one more turn.
 *
 * Checks, in order, before a body is read: path (404), Host (403: DNS
 * rebinding), Origin (403), bearer token (401), method (405; also GET and
 * DELETE that say 2026-07-28), MCP-Protocol-Version of a GET or DELETE
 * (400), Content-Type (415), Accept (406), Content-Length (413). Then a
 * POST is either a 2026-07-28 request (its body says so, or it has no
 * session and its header names no legacy version): served on an MCP
 * session of its own that ends with its response, Mcp-Session-Id and
 * Last-Event-ID ignored, headers checked against the body by mcp (400),
 * an unknown method 404; or a legacy one: MCP-Protocol-Version (400), a
 * missing Mcp-Session-Id on anything but initialize 400, an unknown or
 * deleted one 404.
 */
#include "tr_int.h"

#include <pdbridge/clock.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <microhttpd.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#define SID_LEN       (2 * PDB_TR_SESSION_ID_BYTES)
#define SSE_BLOCK     (16u * 1024u)
#define SSE_PREFIX    "event: message\ndata: "
#define SSE_KEEPALIVE ": keepalive\n\n"

struct http_session;

/* One SSE response: a POST whose tool calls are running, or the session's GET stream. */
struct http_stream {
	struct http_session *hs;
	uint64_t id;                 /* the MCP stream id; 0 for the GET stream */
	struct MHD_Connection *conn; /* to resume it */
	bool suspended;              /* loop thread */
	int64_t last_ms;             /* last byte handed to MHD, for keep-alives */
	/* under hs->mu */
	struct buf q;      /* SSE bytes not yet handed to MHD */
	unsigned expected; /* deferred calls (UINT_MAX until mcp_handle() returned) */
	unsigned finals;
	bool failed; /* the queue overflowed: end the stream */
	struct http_stream *next;
};

struct http_session {
	struct tr_http *h;
	char id[SID_LEN + 1];
	struct mcp_session *mcp; /* NULL once closed */
	int64_t used_ms;
	struct http_session *prev, *next; /* in h->sessions, while open */
	/* under mu */
	pthread_mutex_t mu;
	struct http_stream *streams;
	struct http_stream *get_stream;
	unsigned refs; /* the table, each stream, each queued post */
	bool posted;
	bool closed;
	bool oneshot; /* a 2026-07-28 request's: no id, not in the table, ends with its stream */
};

struct tr_http {
	struct tr_server *t;
	struct MHD_Daemon *d;
	int epoll_fd;
	unsigned timer;
	struct tr_addr addr;
	struct http_session *sessions;
	size_t n_sessions;
	struct http_session *oneshots; /* of 2026-07-28 requests in progress */
	uint64_t next_stream;
	bool in_run; /* inside MHD_run(): callbacks must not re-enter it */
	bool rerun;  /* a connection was resumed from inside: run again */
	/* a page listener: tr_page.c answers its requests, no MCP here */
	struct tr_pages *pages;
};

/* Per request state (MHD's con_cls). */
struct http_req {
	struct buf body;
	bool too_large;
};

static void drive(struct tr_http *h);

/* --- sessions ---------------------------------------------------------------------- */

static void hs_unref(struct http_session *hs)
{
	bool last;

	pthread_mutex_lock(&hs->mu);
	last = --hs->refs == 0;
	pthread_mutex_unlock(&hs->mu);
	if (!last)
		return;
	pthread_mutex_destroy(&hs->mu);
	mem_free(hs);
}

/* Resume every suspended stream that has something to do (data, or its end). */
static void resume_ready(struct http_session *hs, bool all)
{
	struct http_stream *st;
	bool any = false;

	pthread_mutex_lock(&hs->mu);
	for (st = hs->streams; st; st = st->next) {
		bool ready = all || buf_len(&st->q) || st->failed || hs->closed ||
		             (st->id && st->finals >= st->expected);

		if (st->suspended && ready) {
			st->suspended = false;
			MHD_resume_connection(st->conn);
			any = true;
		}
	}
	pthread_mutex_unlock(&hs->mu);
	if (any)
		drive(hs->h);
}

static void hs_close(struct http_session *hs, const char *why)
{
	struct tr_http *h = hs->h;

	if (hs->closed)
		return;
	LOG_DEBUG("http", "session %.8s... closed: %s", hs->id, why);
	mcp_session_close(hs->mcp); /* from here on no worker calls hs_send() */
	hs->mcp = NULL;
	pthread_mutex_lock(&hs->mu);
	hs->closed = true;
	pthread_mutex_unlock(&hs->mu);
	if (hs->prev)
		hs->prev->next = hs->next;
	else if (hs->oneshot)
		h->oneshots = hs->next;
	else
		h->sessions = hs->next;
	if (hs->next)
		hs->next->prev = hs->prev;
	if (!hs->oneshot)
		h->n_sessions--;
	resume_ready(hs, true); /* open streams see the end */
	hs_unref(hs);           /* the table's reference */
}

static void on_post(struct ev_loop *l, void *ud)
{
	struct http_session *hs = ud;

	(void)l;
	pthread_mutex_lock(&hs->mu);
	hs->posted = false;
	pthread_mutex_unlock(&hs->mu);
	resume_ready(hs, false);
	hs_unref(hs); /* the post's reference */
}

static struct http_stream *find_stream(struct http_session *hs, uint64_t id)
{
	struct http_stream *st;

	if (!id)
		return hs->get_stream;
	for (st = hs->streams; st; st = st->next)
		if (st->id == id)
			return st;
	return NULL;
}

/* Append @msg as one SSE event to @st (hs->mu held). */
static void sse_event(struct http_stream *st, const char *msg, size_t len)
{
	if (st->failed)
		return;
	if (buf_adds(&st->q, SSE_PREFIX) || buf_add(&st->q, msg, len) || buf_adds(&st->q, "\n\n"))
		st->failed = true; /* over PDB_TR_OUTBOX_MAX: the client is not reading */
}

/* mcp_send_fn: any thread, MCP session lock held. Queue and post, nothing more. */
static void hs_send(void *ud, uint64_t stream, const char *msg, size_t len, unsigned flags)
{
	struct http_session *hs = ud;
	struct http_stream *st;
	bool post = false;

	pthread_mutex_lock(&hs->mu);
	st = find_stream(hs, stream);
	if (st) { /* else: the client went away, or no GET stream is open for it */
		if (msg)
			sse_event(st, msg, len);
		if (flags & MCP_SEND_FINAL)
			st->finals++;
		if (!hs->posted) {
			hs->posted = post = true;
			hs->refs++;
		}
	}
	pthread_mutex_unlock(&hs->mu);
	if (post && ev_post(hs->h->t->conf.loop, on_post, hs)) {
		pthread_mutex_lock(&hs->mu); /* the sweep resumes it instead */
		hs->posted = false;
		hs->refs--;
		pthread_mutex_unlock(&hs->mu);
	}
}

static bool random_id(char out[SID_LEN + 1])
{
	unsigned char raw[PDB_TR_SESSION_ID_BYTES];
	ssize_t n = getrandom(raw, sizeof(raw), 0);
	size_t i;

	if (n != (ssize_t)sizeof(raw)) { /* old kernel or emulator: the device then */
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

		n = fd >= 0 ? read(fd, raw, sizeof(raw)) : -1;
		if (fd >= 0)
			close(fd);
		if (n != (ssize_t)sizeof(raw))
			return false;
	}
	for (i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return true;
}

/* Make room for one more session: evict the least recently used one without a stream. */
static bool make_room(struct tr_http *h)
{
	struct http_session *hs, *lru = NULL;

	if (h->n_sessions < PDB_TR_HTTP_SESSIONS_MAX)
		return true;
	for (hs = h->sessions; hs; hs = hs->next)
		if (!hs->streams && (!lru || hs->used_ms < lru->used_ms))
			lru = hs;
	if (!lru)
		return false;
	hs_close(lru, "evicted for a new session");
	return true;
}

/* A session with its MCP session, linked at the head of @list; @with_id: a legacy one. */
static struct http_session *hs_alloc(struct tr_http *h, struct http_session **list, bool with_id)
{
	struct http_session *hs = mem_calloc(1, sizeof(*hs));

	if (!hs)
		return NULL;
	hs->h = h;
	hs->refs = 1;
	hs->used_ms = clk_now_ms();
	hs->oneshot = !with_id;
	pthread_mutex_init(&hs->mu, NULL);
	if ((with_id && !random_id(hs->id)) ||
	    mcp_session_new(h->t->conf.mcp, hs_send, hs, &hs->mcp)) {
		pthread_mutex_destroy(&hs->mu);
		mem_free(hs);
		return NULL;
	}
	hs->next = *list;
	if (*list)
		(*list)->prev = hs;
	*list = hs;
	return hs;
}

static struct http_session *hs_new(struct tr_http *h)
{
	struct http_session *hs;

	if (!make_room(h))
		return NULL;
	hs = hs_alloc(h, &h->sessions, true);
	if (hs)
		h->n_sessions++;
	return hs;
}

static struct http_session *hs_find(struct tr_http *h, const char *id)
{
	struct http_session *hs;
	unsigned char diff;
	size_t i;

	if (strlen(id) != SID_LEN)
		return NULL;
	for (hs = h->sessions; hs; hs = hs->next) {
		for (diff = 0, i = 0; i < SID_LEN; i++) /* ids are secrets: no early exit */
			diff |= (unsigned char)(hs->id[i] ^ id[i]);
		if (!diff)
			return hs;
	}
	return NULL;
}

/* --- responses ----------------------------------------------------------------------- */

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status, const char *type,
                               const char *body, size_t len, const char *sid)
{
	struct MHD_Response *r;
	enum MHD_Result ok;

	r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	if (type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (sid)
		MHD_add_response_header(r, "Mcp-Session-Id", sid);
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		                        "Bearer realm=\"mcp\"");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, POST, DELETE");
	ok = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ok;
}

/* The pdb_rc behind an HTTP refusal, for the JSON-RPC code of its body. */
static enum pdb_rc status_rc(unsigned status)
{
	static const struct {
		unsigned status;
		enum pdb_rc rc;
	} table[] = {
	    {MHD_HTTP_UNAUTHORIZED, PDB_E_AUTH},
	    {MHD_HTTP_CONTENT_TOO_LARGE, PDB_E_TOO_LARGE},
	    {MHD_HTTP_SERVICE_UNAVAILABLE, PDB_E_RATELIMIT},
	};
	size_t i;

	for (i = 0; i < PDB_N_OF(table); i++)
		if (table[i].status == status)
			return table[i].rc;
	return PDB_E_DENIED; /* 400, 403, 404, 405, 406, 409, 415: an invalid request */
}

/* An HTTP error whose body is a JSON-RPC error without an id (spec: MAY). */
static enum MHD_Result refuse(struct tr_http *h, struct MHD_Connection *conn, unsigned status,
                              const char *msg)
{
	struct buf *b = &h->t->scratch;

	LOG_DEBUG("http", "%u: %s", status, msg);
	tr__json_error(b, status_rc(status), msg);
	return respond(conn, status, "application/json", buf_cstr(b), buf_len(b), NULL);
}

/* 405 for GET and DELETE that say 2026-07-28: that revision has POST alone. */
static enum MHD_Result refuse_stateless_method(struct tr_http *h, struct MHD_Connection *conn)
{
	struct buf *b = &h->t->scratch;
	struct MHD_Response *r;
	enum MHD_Result ok;

	tr__json_error(b, PDB_E_DENIED,
	               "Method Not Allowed: protocol 2026-07-28 takes POST only (no GET stream, no "
	               "sessions to delete)");
	r = MHD_create_response_from_buffer(buf_len(b), (void *)buf_cstr(b), MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "POST");
	ok = MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, r);
	MHD_destroy_response(r);
	return ok;
}

/* --- SSE streams ---------------------------------------------------------------------- */

static ssize_t sse_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct http_stream *st = cls;
	struct http_session *hs = st->hs;
	size_t n;
	bool done;

	(void)pos;
	pthread_mutex_lock(&hs->mu);
	n = buf_len(&st->q) < max ? buf_len(&st->q) : max;
	if (n) {
		memcpy(out, buf_cstr(&st->q), n);
		buf_drop_front(&st->q, n);
	}
	done = hs->closed || st->failed || (st->id && st->finals >= st->expected);
	pthread_mutex_unlock(&hs->mu);
	if (n) {
		st->last_ms = clk_now_ms();
		return (ssize_t)n;
	}
	if (done)
		return MHD_CONTENT_READER_END_OF_STREAM;
	/* Nothing yet: park the connection until hs_send() posts a wake-up. */
	st->suspended = true;
	MHD_suspend_connection(st->conn);
	return 0;
}

static void sse_free(void *cls)
{
	struct http_stream *st = cls;
	struct http_session *hs = st->hs;
	struct http_stream **pp;
	bool unfinished, closed;

	pthread_mutex_lock(&hs->mu);
	for (pp = &hs->streams; *pp; pp = &(*pp)->next) {
		if (*pp == st) {
			*pp = st->next;
			break;
		}
	}
	if (hs->get_stream == st)
		hs->get_stream = NULL;
	unfinished = st->id && st->finals < st->expected;
	closed = hs->closed;
	pthread_mutex_unlock(&hs->mu);
	/* The client went away mid-call: "a closed response stream is the cancellation". */
	if (unfinished && !closed)
		mcp_session_cancel_stream(hs->mcp, st->id);
	if (hs->oneshot) /* its only request is over */
		hs_close(hs, "request done");
	buf_free(&st->q);
	mem_free(st);
	hs_unref(hs);
}

static struct http_stream *stream_new(struct http_session *hs, uint64_t id,
                                      struct MHD_Connection *conn)
{
	struct http_stream *st = mem_calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->hs = hs;
	st->id = id;
	st->conn = conn;
	st->expected = (unsigned)-1; /* not done before mcp_handle() says how many */
	st->last_ms = clk_now_ms();
	buf_init(&st->q, PDB_TR_OUTBOX_MAX);
	pthread_mutex_lock(&hs->mu);
	hs->refs++;
	st->next = hs->streams;
	hs->streams = st;
	if (!id)
		hs->get_stream = st;
	pthread_mutex_unlock(&hs->mu);
	return st;
}

/* Queue the SSE response for @st; on failure the stream is freed. */
static enum MHD_Result sse_respond(struct MHD_Connection *conn, struct http_stream *st)
{
	struct MHD_Response *r;
	enum MHD_Result ok;

	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SSE_BLOCK, sse_read, st, sse_free);
	if (!r) {
		sse_free(st);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	MHD_add_response_header(r, "X-Accel-Buffering", "no"); /* proxies: pass events on now */
	if (!st->hs->oneshot)
		MHD_add_response_header(r, "Mcp-Session-Id", st->hs->id);
	ok = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r); /* MHD keeps its own reference; sse_free runs when it is done */
	return ok;
}

/* --- the checks before a body is read ------------------------------------------------- */

static const char *header(struct MHD_Connection *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/* The host part of "host[:port]" or "[v6][:port]" into @out. */
static void host_part(const char *hostport, char *out, size_t len)
{
	const char *end;

	if (hostport[0] == '[') {
		end = strchr(hostport, ']');
		end = end ? end + 1 : hostport + strlen(hostport);
	} else {
		end = strchr(hostport, ':');
		if (!end)
			end = hostport + strlen(hostport);
	}
	snprintf(out, len, "%.*s", (int)(end - hostport), hostport);
}

/* A name this server answers to: loopback names, or the address it is bound to. */
static bool our_name(const struct tr_http *h, const char *host)
{
	return host_is_loopback(host, strlen(host)) || !strcasecmp(host, h->addr.host);
}

/* DNS rebinding: a browser tricked into calling us carries a foreign Host. */
static bool host_ok(const struct tr_http *h, const char *value, char *host, size_t len)
{
	if (!value || !*value || strlen(value) >= len)
		return false;
	host_part(value, host, len);
	/* Bound to every interface, the board has names we cannot know; the token guards it. */
	return h->addr.wildcard || our_name(h, host);
}

/* Origin, when sent, must be one of our names or the Host the request itself used. */
static bool origin_ok(const struct tr_http *h, const char *origin, const char *req_host)
{
	char host[PDB_TR_HOSTNAME_MAX];
	const char *p;

	if (!origin)
		return true;
	p = strstr(origin, "://");
	if (!p || strlen(p + 3) >= sizeof(host) ||
	    (strncasecmp(origin, "http://", 7) && strncasecmp(origin, "https://", 8)))
		return false; /* "null", file://, garbage */
	host_part(p + 3, host, sizeof(host));
	return our_name(h, host) || (h->addr.wildcard && !strcasecmp(host, req_host));
}

bool tr__http_names_ok(const struct tr_http *h, struct MHD_Connection *conn)
{
	char host[PDB_TR_HOSTNAME_MAX];

	return host_ok(h, header(conn, MHD_HTTP_HEADER_HOST), host, sizeof(host)) &&
	       origin_ok(h, header(conn, MHD_HTTP_HEADER_ORIGIN), host);
}

static bool auth_ok(const struct tr_http *h, struct MHD_Connection *conn)
{
	const char *v = header(conn, MHD_HTTP_HEADER_AUTHORIZATION);

	if (!h->t->token_len)
		return true;
	if (!v || strncasecmp(v, "Bearer ", 7))
		return false;
	v += 7;
	while (*v == ' ')
		v++;
	return tr__token_ok(h->t, v, strlen(v));
}

/* The Accept header lists @type (or a wildcard), or is absent. */
static bool accepts(struct MHD_Connection *conn, const char *type)
{
	const char *a = header(conn, MHD_HTTP_HEADER_ACCEPT);

	return !a || strstr(a, type) || strstr(a, "*/*");
}

enum method {
	M_POST = 0,
	M_GET = 1,
	M_DELETE = 2,
	M_OTHER = 3,
};

static enum method method_of(const char *m)
{
	static const char *const names[] = {"POST", "GET", "DELETE"};
	size_t i;

	for (i = 0; i < PDB_N_OF(names); i++)
		if (!strcmp(m, names[i]))
			return (enum method)i;
	return M_OTHER;
}

/* Returns 0 when the request may go on, else the status it was refused with. */
static unsigned check_request(struct tr_http *h, struct MHD_Connection *conn, const char *url,
                              enum method m, enum MHD_Result *ret)
{
	char host[PDB_TR_HOSTNAME_MAX];
	const char *v;
	unsigned long long n;
	char *end;

#define REFUSE(status, msg)                              \
	do {                                             \
		*ret = refuse(h, conn, (status), (msg)); \
		return (status);                         \
	} while (0)

	if (strcmp(url, h->addr.path))
		REFUSE(MHD_HTTP_NOT_FOUND, "Not Found: the MCP endpoint is elsewhere");
	if (!host_ok(h, header(conn, MHD_HTTP_HEADER_HOST), host, sizeof(host)))
		REFUSE(MHD_HTTP_FORBIDDEN, "Forbidden: invalid Host header");
	if (!origin_ok(h, header(conn, MHD_HTTP_HEADER_ORIGIN), host))
		REFUSE(MHD_HTTP_FORBIDDEN, "Forbidden: Origin not allowed");
	if (!auth_ok(h, conn))
		REFUSE(MHD_HTTP_UNAUTHORIZED, "Unauthorized: a valid bearer token is required");
	if (m == M_OTHER)
		REFUSE(MHD_HTTP_METHOD_NOT_ALLOWED, "Method Not Allowed");
	v = header(conn, "MCP-Protocol-Version"); /* absent: assume 2025-03-26 */
	if (m != M_POST && mcp_version_stateless(v)) {
		*ret = refuse_stateless_method(h, conn);
		return MHD_HTTP_METHOD_NOT_ALLOWED;
	}
	/* a POST's version is checked once its body says which era it is */
	if (m != M_POST && v && !mcp_version_supported(v))
		REFUSE(MHD_HTTP_BAD_REQUEST, "Bad Request: unsupported MCP-Protocol-Version");
	if (m == M_GET && !accepts(conn, "text/event-stream"))
		REFUSE(MHD_HTTP_NOT_ACCEPTABLE, "Not Acceptable: GET needs text/event-stream");
	if (m != M_POST)
		return 0;
	v = header(conn, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!v || strncasecmp(v, "application/json", 16))
		REFUSE(MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		       "Unsupported Media Type: POST a JSON-RPC message as application/json");
	if (!accepts(conn, "application/json") || !accepts(conn, "text/event-stream"))
		REFUSE(MHD_HTTP_NOT_ACCEPTABLE,
		       "Not Acceptable: accept both application/json and text/event-stream");
	v = header(conn, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (v) {
		errno = 0;
		n = strtoull(v, &end, 10);
		if (errno || *end || n > PDB_TR_HTTP_BODY_MAX)
			REFUSE(MHD_HTTP_CONTENT_TOO_LARGE, "Content Too Large");
	}
#undef REFUSE
	return 0;
}

/* --- 2026-07-28: one POST, one request, no session ------------------------------------ */

/*
 * A POST is served statelessly when its body says so, or, without a legacy
 * session, when its MCP-Protocol-Version names no legacy version (mcp then
 * answers what is missing).
 */
static bool stateless_post(struct MHD_Connection *conn, const struct http_req *req)
{
	const char *v = header(conn, "MCP-Protocol-Version");

	if (mcp_is_stateless(buf_cstr(&req->body), buf_len(&req->body)))
		return true;
	return !header(conn, "Mcp-Session-Id") && v && !mcp_version_supported(v);
}

/* Put @msg first on @st (hs->mu held): a reply goes before what a worker already queued. */
static void sse_event_first(struct http_stream *st, const char *msg, size_t len)
{
	struct buf q;

	buf_init(&q, PDB_TR_OUTBOX_MAX);
	if (buf_adds(&q, SSE_PREFIX) || buf_add(&q, msg, len) || buf_adds(&q, "\n\n") ||
	    buf_add(&q, buf_cstr(&st->q), buf_len(&st->q)))
		st->failed = true;
	buf_free(&st->q);
	st->q = q;
}

/*
 * One stateless request on an MCP session of its own, which ends with the
 * response: a JSON reply at once, or an SSE stream for a tool call (its
 * progress and log notifications, then the result) or a subscriptions/listen
 * (its acknowledgement, then notifications until the client closes it).
 */
static enum MHD_Result do_post_stateless(struct tr_http *h, struct MHD_Connection *conn,
                                         const struct http_req *req)
{
	const struct mcp_http_headers hdr = {header(conn, "MCP-Protocol-Version"),
	                                     header(conn, "Mcp-Method"), header(conn, "Mcp-Name")};
	struct buf *out = &h->t->scratch;
	struct http_session *hs = hs_alloc(h, &h->oneshots, false);
	struct http_stream *st = hs ? stream_new(hs, ++h->next_stream, conn) : NULL;
	struct mcp_result res;
	unsigned status;

	if (!st) {
		if (hs)
			hs_close(hs, "out of memory");
		return refuse(h, conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		              "Service Unavailable: too many requests at once");
	}
	buf_reset(out);
	res =
	    mcp_handle_http(hs->mcp, buf_cstr(&req->body), buf_len(&req->body), st->id, &hdr, out);
	pthread_mutex_lock(&hs->mu);
	st->expected = res.deferred;
	if (res.deferred && res.reply)
		sse_event_first(st, buf_cstr(out), buf_len(out));
	pthread_mutex_unlock(&hs->mu);
	if (res.deferred)
		return sse_respond(conn, st); /* the session ends when the stream does */
	sse_free(st);                         /* and with it the session */
	if (!res.reply)
		return respond(conn, MHD_HTTP_ACCEPTED, NULL, "", 0, NULL);
	status = res.bad_input || res.rejected ? MHD_HTTP_BAD_REQUEST
	         : res.no_method               ? MHD_HTTP_NOT_FOUND
	                                       : MHD_HTTP_OK;
	return respond(conn, status, "application/json", buf_cstr(out), buf_len(out), NULL);
}

/* --- the three methods ------------------------------------------------------------------ */

static struct http_session *session_of(struct tr_http *h, struct MHD_Connection *conn,
                                       enum MHD_Result *ret)
{
	const char *sid = header(conn, "Mcp-Session-Id");
	struct http_session *hs;

	if (!sid) {
		*ret = refuse(h, conn, MHD_HTTP_BAD_REQUEST, "Bad Request: missing Mcp-Session-Id");
		return NULL;
	}
	hs = hs_find(h, sid);
	if (!hs) /* unknown, expired or deleted: the client re-initializes on 404 */
		*ret = refuse(h, conn, MHD_HTTP_NOT_FOUND, "Not Found: no such session");
	else
		hs->used_ms = clk_now_ms();
	return hs;
}

static enum MHD_Result do_get(struct tr_http *h, struct MHD_Connection *conn)
{
	struct http_session *hs;
	struct http_stream *st;
	enum MHD_Result ret = MHD_NO;
	bool busy;

	hs = session_of(h, conn, &ret);
	if (!hs)
		return ret;
	pthread_mutex_lock(&hs->mu);
	busy = hs->get_stream != NULL;
	pthread_mutex_unlock(&hs->mu);
	if (busy)
		return refuse(h, conn, MHD_HTTP_CONFLICT,
		              "Conflict: this session has a GET stream");
	st = stream_new(hs, 0, conn);
	if (!st)
		return refuse(h, conn, MHD_HTTP_SERVICE_UNAVAILABLE, "Service Unavailable");
	return sse_respond(conn, st);
}

static enum MHD_Result do_delete(struct tr_http *h, struct MHD_Connection *conn)
{
	struct http_session *hs;
	enum MHD_Result ret = MHD_NO;

	hs = session_of(h, conn, &ret);
	if (!hs)
		return ret;
	hs_close(hs, "DELETE");
	return respond(conn, MHD_HTTP_OK, NULL, "", 0, NULL);
}

static enum MHD_Result do_post(struct tr_http *h, struct MHD_Connection *conn, struct http_req *req)
{
	struct buf *out = &h->t->scratch;
	struct http_session *hs;
	struct http_stream *st;
	struct mcp_result res;
	enum MHD_Result ret = MHD_NO;
	bool created = false;
	const char *v;

	if (req->too_large)
		return refuse(h, conn, MHD_HTTP_CONTENT_TOO_LARGE, "Content Too Large");
	if (stateless_post(conn, req))
		return do_post_stateless(h, conn, req);
	v = header(conn, "MCP-Protocol-Version");
	if (v && !mcp_version_supported(v))
		return refuse(h, conn, MHD_HTTP_BAD_REQUEST,
		              "Bad Request: unsupported MCP-Protocol-Version");
	if (!header(conn, "Mcp-Session-Id") &&
	    mcp_is_initialize(buf_cstr(&req->body), buf_len(&req->body))) {
		hs = hs_new(h);
		if (!hs)
			return refuse(h, conn, MHD_HTTP_SERVICE_UNAVAILABLE,
			              "Service Unavailable: too many sessions");
		created = true;
	} else {
		hs = session_of(h, conn, &ret);
		if (!hs)
			return ret;
	}
	/* Registered before mcp_handle(): a worker may answer before it returns. */
	st = stream_new(hs, ++h->next_stream, conn);
	if (!st) {
		if (created)
			hs_close(hs, "out of memory");
		return refuse(h, conn, MHD_HTTP_SERVICE_UNAVAILABLE, "Service Unavailable");
	}
	buf_reset(out);
	res = mcp_handle(hs->mcp, buf_cstr(&req->body), buf_len(&req->body), st->id, out);
	pthread_mutex_lock(&hs->mu);
	st->expected = res.deferred;
	if (res.deferred && res.reply)
		sse_event(st, buf_cstr(out), buf_len(out));
	pthread_mutex_unlock(&hs->mu);
	if (res.deferred)
		return sse_respond(conn, st);
	sse_free(st);
	if (created && !mcp_session_initialized(hs->mcp)) { /* initialize failed: no session */
		ret = respond(conn, MHD_HTTP_OK, "application/json", buf_cstr(out), buf_len(out),
		              NULL);
		hs_close(hs, "initialize failed");
		return ret;
	}
	if (!res.reply) /* notifications and responses */
		return respond(conn, MHD_HTTP_ACCEPTED, NULL, "", 0, NULL);
	return respond(conn, res.bad_input ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_OK, "application/json",
	               buf_cstr(out), buf_len(out), hs->id);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	struct tr_http *h = cls;
	struct http_req *req = *con_cls;
	enum method m = method_of(method);
	enum MHD_Result ret = MHD_NO;

	(void)version;
	if (h->pages)
		return (enum MHD_Result)tr__pages_request(h->pages, conn, url, method);
	if (!req) { /* headers are in; no body read yet */
		if (check_request(h, conn, url, m, &ret))
			return ret;
		if (m == M_GET)
			return do_get(h, conn);
		if (m == M_DELETE)
			return do_delete(h, conn);
		req = mem_calloc(1, sizeof(*req));
		if (!req)
			return MHD_NO;
		buf_init(&req->body, PDB_TR_HTTP_BODY_MAX);
		*con_cls = req;
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* Past the limit (chunked uploads have no Content-Length): read and drop. */
		if (!req->too_large && buf_add(&req->body, upload_data, *upload_data_size))
			req->too_large = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	return do_post(h, conn, req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct http_req *req = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (!req)
		return;
	buf_free(&req->body);
	mem_free(req);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[PDB_LOG_LINE_MAX];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	LOG_DEBUG("http", "libmicrohttpd: %s", line);
}

/* --- driving libmicrohttpd from the loop ----------------------------------------------- */

static void on_timer(struct ev_loop *l, void *ud)
{
	struct tr_http *h = ud;

	(void)l;
	h->timer = 0;
	drive(h);
}

static void drive(struct tr_http *h)
{
	MHD_UNSIGNED_LONG_LONG to;
	struct ev_loop *l = h->t->conf.loop;

	if (h->in_run) { /* a callback resumed a connection: run again once this run returns */
		h->rerun = true;
		return;
	}
	h->in_run = true;
	do {
		h->rerun = false;
		MHD_run(h->d);
	} while (h->rerun);
	h->in_run = false;
	ev_timer_cancel(l, h->timer);
	h->timer = 0;
	if (MHD_get_timeout(h->d, &to) == MHD_YES &&
	    ev_timer_add(l, to > INT32_MAX ? INT32_MAX : (int64_t)to, on_timer, h, &h->timer))
		LOG_WARN("http", "no timer left: libmicrohttpd runs on the sweep only");
}

void tr__http_drive(struct tr_http *h)
{
	drive(h);
}

static void on_epoll(struct ev_loop *l, int fd, unsigned events, void *ud)
{
	(void)l;
	(void)fd;
	(void)events;
	drive(ud);
}

enum pdb_rc tr__http_new(struct tr_server *t, const struct tr_addr *a, int fd,
                         struct tr_pages *pages, struct tr_http **out, struct pdb_err *err)
{
	const union MHD_DaemonInfo *info;
	unsigned timeout_s = (unsigned)(t->conf.line_timeout_ms / 1000);
	struct tr_http *h;

	*out = NULL;
	h = mem_calloc(1, sizeof(*h));
	if (!h)
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory");
	h->t = t;
	h->addr = *a;
	h->pages = pages;
	h->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
	                            (a->ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
	                        0, NULL, NULL, on_request, h, MHD_OPTION_LISTEN_SOCKET, fd,
	                        MHD_OPTION_CONNECTION_LIMIT,
	                        (unsigned)(pages ? PDB_TR_PAGE_CONN_MAX : PDB_TR_HTTP_CONN_MAX),
	                        MHD_OPTION_CONNECTION_TIMEOUT, timeout_s ? timeout_s : 1u,
	                        MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	                        (size_t)(pages ? PDB_TR_PAGE_CONN_MEMORY : PDB_TR_HTTP_CONN_MEMORY),
	                        MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
	                        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h, MHD_OPTION_END);
	if (!h->d) {
		mem_free(h);
		return pdb_err_set(err, PDB_E_IO, "libmicrohttpd would not start on %s:%d", a->host,
		                   a->port);
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	h->epoll_fd = info ? info->epoll_fd : -1;
	if (h->epoll_fd < 0 || ev_fd_add(t->conf.loop, h->epoll_fd, EV_READ, on_epoll, h)) {
		MHD_stop_daemon(h->d);
		mem_free(h);
		return pdb_err_set(err, PDB_E_IO, "cannot watch libmicrohttpd's epoll fd");
	}
	drive(h);
	*out = h;
	return PDB_OK;
}

/* A parked stream gets a comment now and then: a client that went away is only
 * noticed when MHD writes to it. */
static void keep_alive(struct http_session *hs, int64_t now)
{
	struct http_stream *st;

	pthread_mutex_lock(&hs->mu);
	for (st = hs->streams; st; st = st->next) {
		if (st->suspended && now - st->last_ms > PDB_TR_SSE_KEEPALIVE_MS &&
		    !buf_adds(&st->q, SSE_KEEPALIVE)) {
			st->suspended = false;
			MHD_resume_connection(st->conn);
		}
	}
	pthread_mutex_unlock(&hs->mu);
	resume_ready(hs, false); /* also covers a wake-up that did not fit the post queue */
}

void tr__http_sweep(struct tr_http *h, int64_t now)
{
	struct http_session *hs, *next;

	for (hs = h->sessions; hs; hs = next) {
		next = hs->next;
		if (!hs->streams && now - hs->used_ms > h->t->conf.session_idle_ms) {
			hs_close(hs, "idle");
			continue;
		}
		keep_alive(hs, now);
	}
	for (hs = h->oneshots; hs; hs = next) {
		next = hs->next;
		keep_alive(hs, now);
	}
	drive(h); /* MHD's own timeouts ride on the sweep too */
}

void tr__http_free(struct tr_http *h)
{
	if (!h)
		return;
	while (h->sessions)
		hs_close(h->sessions, "shutting down"); /* resumes every parked stream */
	while (h->oneshots)
		hs_close(h->oneshots, "shutting down");
	ev_fd_del(h->t->conf.loop, h->epoll_fd);
	ev_timer_cancel(h->t->conf.loop, h->timer);
	MHD_stop_daemon(h->d); /* frees the streams still attached to connections */
	mem_free(h);
}
