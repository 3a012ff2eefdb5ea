/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tr_stream.c - NDJSON connections: the stdio session and TCP clients.
 *
 * A connection reads a chunk, frames lines, hands each to mcp_handle() and
 * appends replies to its write buffer; results of deferred tool calls come
 * back from workers through conn_send(), which appends them to a separate
 * mutex-guarded outbox and posts one flush to the loop (coalesced: at most
 * one post per connection is ever queued). Back-pressure: while more than
 * half of PDB_TR_OUTBOX_MAX waits to be written, the connection is not read,
 * so a client that never reads cannot make the board buffer without end; one
 * that still overflows the bound is dropped.
 *
 * Every event (input, output room, worker output, EOF) ends in drive(), the one
 * place that serves lines, writes, lifts the pause once the backlog is below
 * half and sets what poll(2) watches. A pause is never left for a later write
 * event to lift: when a single write drains the whole backlog (a fast reader,
 * a file) no such event comes, and a stalled session would wait for ever.
 *
 * Lifetime: the transport holds one reference, every queued post one more;
 * the memory goes with the last (always on the loop thread). Closing calls
 * mcp_session_close() first, after which no worker calls conn_send().
 *
 * MCP stdio: stdout carries protocol bytes only (logs go to stderr), and on
 * stdin's EOF the server exits once in-flight calls are done, or cancels them
 * after PDB_TR_DRAIN_MS.
 */
#define _GNU_SOURCE /* accept4 */
#include "tr_int.h"

#include <pdbridge/clock.h>
#include <pdbridge/jsonx.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <cjson/cJSON.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUSY_REPLY                                                                                \
	"{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32000,\"message\":\"Server busy: " \
	"too many connections\"}}\n"

struct tr_conn {
	struct tr_server *t;
	int in_fd, out_fd; /* the same socket for TCP */
	bool is_stdio;
	int in_flags, out_flags; /* stdio: fcntl flags to restore */
	char peer[64];
	struct tr_framer fr;
	struct mcp_session *session;
	/* loop thread only */
	struct buf wbuf;   /* replies waiting to be written */
	size_t woff;       /* bytes of wbuf already written */
	bool authed;       /* TCP with a token: the auth line was right */
	bool eof;          /* the peer finished sending */
	bool paused;       /* not reading: too much waits to be written */
	bool closed;       /* closed, waiting for its last reference */
	bool bye;          /* close once wbuf is written (refused auth) */
	bool in_watched;   /* stdio: stdin is registered with the loop */
	bool tail_done;    /* after EOF: the unterminated last line was served */
	unsigned expected; /* deferred calls handed out */
	int64_t created_ms, active_ms, line_ms, drain_ms;
	struct tr_conn *prev, *next;
	/* shared with workers */
	pthread_mutex_t mu;
	struct buf outbox; /* NDJSON lines from workers */
	unsigned finals;   /* MCP_SEND_FINAL received */
	unsigned refs;
	bool posted;   /* a flush is queued on the loop */
	bool overflow; /* outbox over its bound: drop the client */
};

static void conn_close(struct tr_conn *c, const char *why);
static void on_io(struct ev_loop *l, int fd, unsigned events, void *ud);

static void conn_unref(struct tr_conn *c)
{
	bool last;

	pthread_mutex_lock(&c->mu);
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->mu);
	if (!last)
		return;
	buf_free(&c->outbox);
	pthread_mutex_destroy(&c->mu);
	mem_free(c);
}

/*
 * Calls not yet finished, plus one if worker output still waits in the outbox:
 * a result counts as delivered only once it is in the write buffer (a worker
 * may finish before mcp_handle() has even returned its deferred count).
 */
static unsigned in_flight(struct tr_conn *c)
{
	unsigned n;

	pthread_mutex_lock(&c->mu);
	n = c->expected - c->finals + (buf_len(&c->outbox) || c->overflow ? 1u : 0u);
	pthread_mutex_unlock(&c->mu);
	return n;
}

/* What we want poll(2) to tell us. */
static void update_interest(struct tr_conn *c)
{
	struct ev_loop *l = c->t->conf.loop;
	bool writing = c->woff < buf_len(&c->wbuf);
	bool reading = !c->eof && !c->paused && !c->bye;

	if (!c->is_stdio) {
		if (ev_fd_mod(l, c->in_fd, (reading ? EV_READ : 0) | (writing ? EV_WRITE : 0)))
			LOG_DEBUG("tr", "%s not watched", c->peer);
		return;
	}
	/* stdin is unwatched rather than watched for nothing: a closed pipe reports
	 * HUP on every turn, and its unread bytes must wait for us, not be lost. */
	if (reading && !c->in_watched)
		c->in_watched = !ev_fd_add(l, c->in_fd, EV_READ, on_io, c);
	else if (!reading && c->in_watched) {
		ev_fd_del(l, c->in_fd);
		c->in_watched = false;
	}
	if (ev_fd_mod(l, c->out_fd, writing ? EV_WRITE : 0))
		LOG_DEBUG("tr", "stdout not watched");
}

/* Write what we can; false when the connection was closed. */
static bool flush(struct tr_conn *c)
{
	ssize_t n;

	while (c->woff < buf_len(&c->wbuf)) {
		n = write(c->out_fd, buf_cstr(&c->wbuf) + c->woff, buf_len(&c->wbuf) - c->woff);
		if (n > 0) {
			c->woff += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		conn_close(c, n < 0 ? strerror(errno) : "write returned 0");
		return false;
	}
	if (c->woff == buf_len(&c->wbuf)) {
		buf_reset(&c->wbuf);
		c->woff = 0;
		if (c->bye) {
			conn_close(c, "refused");
			return false;
		}
	}
	return true;
}

/* Append one message and its newline to the write buffer; false when the client was dropped. */
static bool queue_line(struct tr_conn *c, const char *msg, size_t len)
{
	if (c->woff && c->woff >= buf_len(&c->wbuf) / 2) {
		buf_drop_front(&c->wbuf, c->woff);
		c->woff = 0;
	}
	if (buf_add(&c->wbuf, msg, len) || buf_addc(&c->wbuf, '\n')) {
		conn_close(c, "not reading its replies (write buffer full)");
		return false;
	}
	return true;
}

static bool queue_error(struct tr_conn *c, enum pdb_rc rc, const char *msg)
{
	struct buf *b = &c->t->scratch;

	tr__json_error(b, rc, msg);
	return queue_line(c, buf_cstr(b), buf_len(b));
}

/* The first line of a TCP client when a token is configured: {"auth":"<token>"}. */
static bool auth_line_ok(struct tr_conn *c, const char *line, size_t len)
{
	struct pdb_err err;
	cJSON *doc = NULL;
	const char *tok;
	bool ok;

	if (jsonx_parse(line, len, &doc, &err))
		doc = NULL;
	ok = doc && !jsonx_get_str(doc, "auth", &tok) && tr__token_ok(c->t, tok, strlen(tok));
	if (ok)
		mem_wipe((char *)tok, strlen(tok)); /* the token's copy in doc, ours */
	jsonx_free(doc);
	/* The line lies in the framer's buffer (ours too) and holds the token as sent. */
	mem_wipe((char *)line, len);
	return ok;
}

/* One complete line from the peer. Returns false when the connection went away. */
static bool handle_line(struct tr_conn *c, const char *line, size_t len)
{
	struct buf *out = &c->t->scratch;
	struct mcp_result res;

	c->active_ms = clk_now_ms();
	if (!c->authed) {
		if (auth_line_ok(c, line, len)) {
			c->authed = true;
			tr_frame_set_max(&c->fr, PDB_TR_LINE_MAX);
			LOG_DEBUG("tr", "%s authenticated", c->peer);
			return true;
		}
		LOG_WARN("tr", "%s: authentication failed; closing", c->peer);
		c->bye = true;
		return queue_error(c, PDB_E_AUTH,
		                   "Unauthorized: the first line must be "
		                   "{\"auth\":\"<token>\"}");
	}
	buf_reset(out);
	res = mcp_handle(c->session, line, len, 0, out);
	c->expected += res.deferred;
	if (res.reply)
		return queue_line(c, buf_cstr(out), buf_len(out));
	return true;
}

static bool handle_too_long(struct tr_conn *c)
{
	char msg[96];

	if (!c->authed) {
		LOG_WARN("tr", "%s: over-long line before authentication; closing", c->peer);
		c->bye = true;
		return queue_error(c, PDB_E_TOO_LARGE, "Invalid Request: line too long");
	}
	snprintf(msg, sizeof(msg), "Invalid Request: message longer than %zu bytes", c->fr.max);
	return queue_error(c, PDB_E_TOO_LARGE, msg);
}

static size_t backlog(const struct tr_conn *c)
{
	return buf_len(&c->wbuf) - c->woff;
}

/* Serve buffered lines while the write buffer has room. False when closed. */
static bool process(struct tr_conn *c)
{
	enum tr_frame_ev ev;
	const char *line;
	size_t len;

	while (!c->bye) {
		if (backlog(c) > PDB_TR_OUTBOX_MAX / 2) {
			c->paused = true; /* lifted by drive() once the backlog is below half */
			break;
		}
		ev = tr_frame_next(&c->fr, &line, &len);
		if (ev == TR_FRAME_NONE)
			break;
		if (ev == TR_FRAME_LINE ? !handle_line(c, line, len) : !handle_too_long(c))
			return false;
	}
	if (!tr_frame_pending(&c->fr))
		c->line_ms = 0;
	else if (!c->line_ms)
		c->line_ms = clk_now_ms();
	return true;
}

/*
 * Close when the peer is done and nothing is left: EOF, no call in flight, all
 * written. Returns false when the connection was closed (and may be freed).
 */
static bool maybe_done(struct tr_conn *c)
{
	if (!c->eof || !c->tail_done)
		return true;
	if (in_flight(c) || backlog(c))
		return true;
	conn_close(c, "end of input");
	return false;
}

/*
 * Serve buffered lines; after EOF, once every complete line has been served
 * (not paused), also the last line if it lacks its newline. False when closed.
 */
static bool serve_input(struct tr_conn *c)
{
	enum tr_frame_ev ev;
	const char *line;
	size_t len;

	if (!process(c))
		return false;
	if (!c->eof || c->paused || c->tail_done || c->bye)
		return true;
	c->tail_done = true;
	ev = tr_frame_finish(&c->fr, &line, &len);
	if (ev == TR_FRAME_LINE && !handle_line(c, line, len))
		return false;
	if (ev == TR_FRAME_TOO_LONG && !handle_too_long(c))
		return false;
	return true;
}

/*
 * Serve, write, and lift the pause whenever the backlog has drained below half,
 * until nothing more can be done now; then watch for what can unblock us, and
 * close when all is done. Every event ends here. Each turn either serves lines
 * or stops, so the loop ends once the framer is empty or the peer stops
 * reading. Returns false when the connection was closed (and may be freed).
 */
static bool drive(struct tr_conn *c)
{
	for (;;) {
		if (!serve_input(c) || !flush(c))
			return false;
		if (!c->paused || backlog(c) > PDB_TR_OUTBOX_MAX / 2)
			break;
		c->paused = false;
		c->line_ms = 0; /* the line clock restarts: we were the ones not reading */
	}
	update_interest(c);
	return maybe_done(c);
}

static void on_eof(struct tr_conn *c)
{
	mcp_session_end_listens(c->session); /* open until cancelled: end them, do not wait */
	c->eof = true;
	c->drain_ms = clk_now_ms() + c->t->conf.drain_ms;
}

/* Read one chunk into the framer. False when the connection was closed. */
static bool read_some(struct tr_conn *c)
{
	char chunk[PDB_TR_READ_CHUNK];
	ssize_t n;

	if (c->paused || c->eof || c->bye)
		return true;
	n = read(c->in_fd, chunk, sizeof(chunk));
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return true;
	if (n < 0) {
		conn_close(c, strerror(errno));
		return false;
	}
	if (n == 0)
		on_eof(c);
	else if (tr_frame_push(&c->fr, chunk, (size_t)n)) {
		conn_close(c, "out of memory framing input");
		return false;
	}
	return true;
}

static void on_io(struct ev_loop *l, int fd, unsigned events, void *ud)
{
	struct tr_conn *c = ud;

	(void)l;
	if ((events & EV_READ) && fd == c->in_fd) {
		if (!read_some(c)) /* also sees EOF and errors */
			return;
	} else if (events & EV_ERROR) {
		if (!c->is_stdio || fd != c->in_fd) {
			conn_close(c, c->is_stdio ? "stdout closed" : "connection closed");
			return;
		}
		on_eof(c);
	}
	(void)drive(c); /* also writes when EV_WRITE said there is room */
}

/* Move worker output to the write buffer and write it. False when the connection closed. */
static bool pump(struct tr_conn *c)
{
	bool overflow;

	pthread_mutex_lock(&c->mu);
	overflow = c->overflow;
	if (!overflow && buf_len(&c->outbox)) {
		if (c->woff && c->woff >= buf_len(&c->wbuf) / 2) {
			buf_drop_front(&c->wbuf, c->woff);
			c->woff = 0;
		}
		overflow = buf_add(&c->wbuf, buf_cstr(&c->outbox), buf_len(&c->outbox)) != PDB_OK;
	}
	buf_reset(&c->outbox);
	pthread_mutex_unlock(&c->mu);
	if (overflow) {
		conn_close(c, "not reading its replies (outbox full)");
		return false;
	}
	return drive(c);
}

static void on_post(struct ev_loop *l, void *ud)
{
	struct tr_conn *c = ud;

	(void)l;
	pthread_mutex_lock(&c->mu);
	c->posted = false;
	pthread_mutex_unlock(&c->mu);
	if (!c->closed)
		(void)pump(c); /* even if it closes, the post's reference keeps c alive */
	conn_unref(c);         /* the post's reference */
}

/* mcp_send_fn: any thread, with the MCP session lock held. Queue and post, nothing more. */
static void conn_send(void *ud, uint64_t stream, const char *msg, size_t len, unsigned flags)
{
	struct tr_conn *c = ud;
	bool post = false;

	(void)stream; /* one connection, one stream */
	pthread_mutex_lock(&c->mu);
	if (msg && !c->overflow && (buf_add(&c->outbox, msg, len) || buf_addc(&c->outbox, '\n')))
		c->overflow = true;
	if (flags & MCP_SEND_FINAL)
		c->finals++;
	if (!c->posted) {
		c->posted = post = true;
		c->refs++;
	}
	pthread_mutex_unlock(&c->mu);
	if (post && ev_post(c->t->conf.loop, on_post, c)) {
		/* The queue is full: the next sweep flushes instead. Never the last reference. */
		pthread_mutex_lock(&c->mu);
		c->posted = false;
		c->refs--;
		pthread_mutex_unlock(&c->mu);
	}
}

static void conn_close(struct tr_conn *c, const char *why)
{
	struct tr_server *t = c->t;

	if (c->closed)
		return;
	c->closed = true;
	LOG_DEBUG("tr", "%s closed: %s", c->peer, why);
	mcp_session_close(c->session); /* from here on no worker calls conn_send() */
	c->session = NULL;
	ev_fd_del(t->conf.loop, c->in_fd);
	if (c->is_stdio) {
		ev_fd_del(t->conf.loop, c->out_fd);
		if (c->in_flags >= 0)
			fcntl(c->in_fd, F_SETFL, c->in_flags);
		if (c->out_flags >= 0)
			fcntl(c->out_fd, F_SETFL, c->out_flags);
		t->have_stdio = false;
		if (!t->closing)
			ev_stop(
			    t->conf.loop); /* the stdio session is the process's reason to run */
	} else {
		close(c->in_fd);
		t->n_tcp_conns--;
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		t->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	tr_frame_free(&c->fr);
	buf_free(&c->wbuf);
	conn_unref(c);
}

static enum pdb_rc conn_new(struct tr_server *t, int in_fd, int out_fd, bool is_stdio,
                            struct tr_conn **out)
{
	struct tr_conn *c = mem_calloc(1, sizeof(*c));
	enum pdb_rc rc;

	*out = NULL;
	if (!c)
		return PDB_E_NOMEM;
	c->t = t;
	c->in_fd = in_fd;
	c->out_fd = out_fd;
	c->is_stdio = is_stdio;
	c->refs = 1;
	c->authed = is_stdio || !t->token_len;
	c->created_ms = c->active_ms = clk_now_ms();
	pthread_mutex_init(&c->mu, NULL);
	tr_frame_init(&c->fr, c->authed ? PDB_TR_LINE_MAX : PDB_TR_PREAUTH_LINE_MAX);
	buf_init(&c->wbuf, PDB_TR_OUTBOX_MAX + PDB_MCP_MSG_MAX + 1);
	buf_init(&c->outbox, PDB_TR_OUTBOX_MAX);
	rc = mcp_session_new(t->conf.mcp, conn_send, c, &c->session);
	if (rc) {
		pthread_mutex_destroy(&c->mu);
		mem_free(c);
		return rc;
	}
	c->next = t->conns;
	if (t->conns)
		t->conns->prev = c;
	t->conns = c;
	*out = c;
	return PDB_OK;
}

static void peer_name(int fd, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char addr[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (!getpeername(fd, (struct sockaddr *)&ss, &sl)) {
		if (ss.ss_family == AF_INET6) {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, addr,
			          sizeof(addr));
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		} else {
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, addr,
			          sizeof(addr));
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		}
	}
	snprintf(out, len, "tcp %s:%d", addr, port);
}

static void accept_one(struct tr_server *t, int fd)
{
	struct tr_conn *c;
	int one = 1;

	if (t->n_tcp_conns >= PDB_TR_TCP_CONN_MAX) {
		/* Best effort: tell it why, then close. The socket is new, so this fits. */
		if (write(fd, BUSY_REPLY, sizeof(BUSY_REPLY) - 1) < 0)
			LOG_DEBUG("tr", "busy reply not sent: %s", strerror(errno));
		close(fd);
		LOG_WARN("tr", "refused a TCP client: %d connections already", PDB_TR_TCP_CONN_MAX);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); /* replies are small */
	if (conn_new(t, fd, fd, false, &c)) {
		close(fd);
		LOG_WARN("tr", "refused a TCP client: out of memory or sessions");
		return;
	}
	t->n_tcp_conns++;
	peer_name(fd, c->peer, sizeof(c->peer));
	if (ev_fd_add(t->conf.loop, fd, EV_READ, on_io, c)) {
		LOG_WARN("tr", "refused %s: no room in the event loop", c->peer);
		conn_close(c, "no room in the event loop");
		return;
	}
	LOG_DEBUG("tr", "%s connected", c->peer);
}

static void on_accept(struct ev_loop *l, int lfd, unsigned events, void *ud)
{
	struct tr_listener *tl = ud;
	int i, fd;

	(void)events;
	for (i = 0; i < PDB_TR_ACCEPT_BURST; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			accept_one(tl->t, fd);
			continue;
		}
		if (errno == EMFILE || errno == ENFILE) {
			/* Out of descriptors: stop accepting for a moment instead of spinning. */
			LOG_WARN("tr", "accept: %s; pausing for a second", strerror(errno));
			if (ev_fd_mod(l, lfd, 0))
				LOG_ERROR("tr", "cannot pause the listener");
			tl->paused_until = clk_now_ms() + 1000;
		}
		break;
	}
}

enum pdb_rc tr__tcp_start(struct tr_server *t, struct tr_listener *l, struct pdb_err *err)
{
	if (ev_fd_add(t->conf.loop, l->fd, EV_READ, on_accept, l))
		return pdb_err_set(err, PDB_E_TOO_LARGE, "no room in the event loop");
	return PDB_OK;
}

/* Non-blocking only on pipes and sockets: a tty or file shared with others is left alone. */
static int make_nonblocking(int fd)
{
	struct stat st;
	int flags = fcntl(fd, F_GETFL);

	if (flags >= 0 && !fstat(fd, &st) && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	return flags;
}

enum pdb_rc tr__stdio_start(struct tr_server *t, int in_fd, int out_fd, struct pdb_err *err)
{
	struct tr_conn *c;
	enum pdb_rc rc;

	rc = conn_new(t, in_fd, out_fd, true, &c);
	if (rc)
		return pdb_err_set(err, rc, "cannot start the stdio session: %s", pdb_strerror(rc));
	snprintf(c->peer, sizeof(c->peer), "stdio");
	c->in_flags = make_nonblocking(in_fd);
	c->out_flags = make_nonblocking(out_fd);
	t->have_stdio = true;
	c->in_watched = !ev_fd_add(t->conf.loop, in_fd, EV_READ, on_io, c);
	if (!c->in_watched || ev_fd_add(t->conf.loop, out_fd, 0, on_io, c)) {
		conn_close(c, "no room in the event loop");
		return pdb_err_set(err, PDB_E_TOO_LARGE, "no room in the event loop");
	}
	return PDB_OK;
}

void tr__conns_sweep(struct tr_server *t, int64_t now)
{
	struct tr_conn *c, *next;
	bool stale;

	for (c = t->conns; c; c = next) {
		next = c->next; /* c may close */
		pthread_mutex_lock(&c->mu);
		stale = !c->posted && (buf_len(&c->outbox) || c->overflow);
		pthread_mutex_unlock(&c->mu);
		if (stale && !pump(c)) /* a post that did not fit the queue */
			continue;
		if (c->eof && now >= c->drain_ms) {
			conn_close(c, "calls still running after end of input: cancelled");
			continue;
		}
		if (!maybe_done(c)) /* a last FINAL whose wake-up did not fit the post queue */
			continue;
		if (c->is_stdio)
			continue; /* an agent may sit idle for hours; its pipe is its lifetime */
		if (!c->authed && now - c->created_ms > t->conf.auth_timeout_ms) {
			LOG_WARN("tr", "%s: no authentication in time; closing", c->peer);
			conn_close(c, "authentication timeout");
		} else if (!c->paused && c->line_ms && now - c->line_ms > t->conf.line_timeout_ms) {
			LOG_WARN("tr", "%s: a line took longer than %lld ms; closing", c->peer,
			         (long long)t->conf.line_timeout_ms);
			conn_close(c, "line timeout");
		} else if (!c->eof && now - c->active_ms > t->conf.idle_ms && !in_flight(c)) {
			conn_close(c, "idle");
		}
	}
}

void tr__conns_close_all(struct tr_server *t)
{
	while (t->conns)
		conn_close(t->conns, "shutting down");
}
