/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_pages.c - the transport's page listeners in one process, on a real
 * event loop and raw sockets on 127.0.0.1: routes and refusals, the access
 * token once as ?token= then as a cookie, event streams up to their bound,
 * and a viewer that never reads while thousands of large events go out: the
 * allocator's count stays at two events for it, and a viewer that reads gets
 * the newest event. No MCP server is made: page listeners need none.
 */
#include "harness.h"

#include <pdbridge/clock.h>
#include <pdbridge/ev.h>
#include <pdbridge/mem.h>
#include <pdbridge/transport.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define PAGE "<!doctype html><p>board</p>"

static char first[64] = "event: state\ndata: {\"n\":0}\n\n";

static enum pdb_rc page(void *ud, const char **body, size_t *len)
{
	(void)ud;
	*body = PAGE;
	*len = sizeof(PAGE) - 1;
	return PDB_OK;
}

static enum pdb_rc first_event(void *ud, const char **body, size_t *len)
{
	(void)ud;
	*body = first;
	*len = strlen(first);
	return PDB_OK;
}

static const struct tr_route routes[] = {
    {"/", "text/html; charset=utf-8", page, false},
    {"/events", "text/event-stream", first_event, true},
};

struct env {
	struct ev_loop *loop;
	struct tr_server *tr;
	struct tr_pages *pages;
	int port;
};

static bool env_open(struct env *e, const char *token)
{
	struct tr_pages_conf pc = {routes, PDB_N_OF(routes), NULL};
	struct tr_conf tc = {0};
	struct pdb_err err;
	char bound[128];

	memset(e, 0, sizeof(*e));
	if (ev_new(&e->loop))
		return false;
	tc.loop = e->loop;
	tc.token = token;
	if (tr_new(&tc, &e->tr, &err) || tr_listen_pages(e->tr, "http://127.0.0.1:0/", &pc,
	                                                 &e->pages, bound, sizeof(bound), &err))
		return false;
	return sscanf(bound, "http://127.0.0.1:%d/", &e->port) == 1;
}

static void env_close(struct env *e)
{
	tr_free(e->tr);
	ev_free(e->loop);
}

static int dial(const struct env *e, int rcvbuf)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)e->port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Run the loop and read from @fd until @want shows up in @out (or 10 s pass). */
static bool read_until(struct env *e, int fd, const char *want, char *out, size_t len, size_t *n)
{
	int64_t deadline = clk_now_ms() + 10000; /* a hang guard only */
	ssize_t r;

	while (clk_now_ms() < deadline && *n + 1 < len) {
		if (ev_run_once(e->loop, 5))
			return false;
		r = recv(fd, out + *n, len - 1 - *n, MSG_DONTWAIT);
		if (r > 0)
			*n += (size_t)r;
		out[*n] = '\0';
		if (strstr(out, want))
			return true;
		if (r == 0)
			return false;
	}
	return false;
}

/* One request on a new connection; the response's head and start of body into @out. */
static int request(struct env *e, const char *req, char *out, size_t len)
{
	int fd = dial(e, 0), status = 0;
	size_t n = 0;

	if (fd < 0 || write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		return -1;
	read_until(e, fd, "\r\n\r\n", out, len, &n);
	close(fd);
	return sscanf(out, "HTTP/1.1 %d", &status) == 1 ? status : -1;
}

static void routes_and_refusals(void)
{
	char out[4096];
	struct env e;

	T_CHECK(env_open(&e, NULL));
	T_EQ_INT(request(&e, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", out, sizeof(out)), 200);
	T_CHECK(strstr(out, "Content-Type: text/html; charset=utf-8"));
	T_CHECK(strstr(out, "Content-Security-Policy: default-src 'none'"));
	T_EQ_INT(request(&e, "GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", out, sizeof(out)),
	         404);
	T_EQ_INT(request(&e, "DELETE / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", out, sizeof(out)),
	         405);
	T_EQ_INT(request(&e, "GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n", out, sizeof(out)),
	         403);
	T_EQ_INT(request(&e,
	                 "GET / HTTP/1.1\r\nHost: localhost\r\nOrigin: http://evil.example\r\n\r\n",
	                 out, sizeof(out)),
	         403);
	env_close(&e);
}

static void the_token_once_then_the_cookie(void)
{
	char out[4096], req[512];
	struct env e;

	T_CHECK(env_open(&e, "board-s3cret-token"));
	T_EQ_INT(request(&e, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", out, sizeof(out)), 401);
	T_CHECK(!strstr(out, "board-s3cret-token"));
	T_EQ_INT(
	    request(&e, "GET /?token=wrong HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", out, sizeof(out)),
	    401);
	T_EQ_INT(request(&e,
	                 "GET /events?token=board-s3cret-token HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
	                 out, sizeof(out)),
	         303);
	T_CHECK(strstr(out, "Location: /events\r\n"));
	snprintf(req, sizeof(req), "Set-Cookie: pdbridge_%d=board-s3cret-token; Path=/;", e.port);
	T_CHECK(strstr(out, req));
	T_CHECK(strstr(out, "; HttpOnly; SameSite=Strict\r\n"));
	snprintf(req, sizeof(req),
	         "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: a=b; "
	         "pdbridge_%d=board-s3cret-token\r\n\r\n",
	         e.port);
	T_EQ_INT(request(&e, req, out, sizeof(out)), 200);
	snprintf(
	    req, sizeof(req),
	    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: pdbridge_%d=board-s3cret-tokem\r\n\r\n",
	    e.port);
	T_EQ_INT(request(&e, req, out, sizeof(out)), 401);
	env_close(&e);
}

static void streams_past_the_bound_get_503(void)
{
	char out[4096];
	int fds[PDB_TR_PAGE_STREAMS_MAX], i;
	size_t n;
	struct env e;

	T_CHECK(env_open(&e, NULL));
	for (i = 0; i < PDB_TR_PAGE_STREAMS_MAX; i++) {
		fds[i] = dial(&e, 0);
		T_CHECK(fds[i] >= 0);
		T_CHECK(write(fds[i], "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 41) == 41);
		n = 0;
		T_CHECK(read_until(&e, fds[i], "data: {\"n\":0}\n\n", out, sizeof(out), &n));
	}
	T_EQ_INT(tr_pages_streams(e.pages), PDB_TR_PAGE_STREAMS_MAX);
	T_EQ_INT(request(&e, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", out, sizeof(out)),
	         503);
	T_CHECK(strstr(out, "Retry-After: "));
	T_EQ_INT(request(&e, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", out, sizeof(out)), 200);
	for (i = 0; i < PDB_TR_PAGE_STREAMS_MAX; i++)
		close(fds[i]);
	env_close(&e);
}

/* Read @fd until @want shows up, keeping only the tail of what came before. */
static bool saw(struct env *e, int fd, const char *want, char *buf, size_t len)
{
	int64_t deadline = clk_now_ms() + 10000; /* a hang guard only */
	size_t have = 0, keep = strlen(want);
	ssize_t r;

	while (clk_now_ms() < deadline) {
		if (ev_run_once(e->loop, 5))
			return false;
		r = recv(fd, buf + have, len - 1 - have, MSG_DONTWAIT);
		if (r == 0)
			return false;
		have += r > 0 ? (size_t)r : 0;
		buf[have] = '\0';
		if (strstr(buf, want))
			return true;
		if (have > len / 2) {
			memmove(buf, buf + have - keep, keep);
			have = keep;
		}
	}
	return false;
}

/* Events of @size bytes, numbered, each a whole SSE event. */
static void make_event(char *ev, size_t size, int k)
{
	int n = snprintf(ev, size, "event: state\ndata: {\"n\":%d,\"pad\":\"", k);

	memset(ev + n, 'x', size - (size_t)n - 4);
	memcpy(ev + size - 4, "\"}\n\n", 4);
}

static void a_viewer_that_never_reads_holds_two_events(void)
{
	enum { SIZE = 16 * 1024, EVENTS = 2000 };
	static char ev[SIZE + 1];
	char out[2 * SIZE + 4096], want[64];
	struct mem_stats before, now;
	size_t n = 0, worst = 0;
	int slow, fast, k;
	struct env e;

	T_CHECK(env_open(&e, NULL));
	slow = dial(&e, 2048);
	fast = dial(&e, 0);
	T_CHECK(slow >= 0 && fast >= 0);
	T_CHECK(write(slow, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 41) == 41);
	T_CHECK(write(fast, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 41) == 41);
	T_CHECK(read_until(&e, fast, "data: {\"n\":0}\n\n", out, sizeof(out), &n));
	T_EQ_INT(tr_pages_streams(e.pages), 2);
	mem_get_stats(&before);
	for (k = 1; k <= EVENTS; k++) { /* 32 MB in all: far past every socket buffer */
		make_event(ev, SIZE, k);
		T_EQ_INT(tr_pages_send(e.pages, ev, SIZE), PDB_OK);
		T_CHECK(!ev_run_once(e.loop, 0));
		if (k % 50 == 0) /* the fast viewer keeps up now and then */
			while (recv(fast, out, sizeof(out), MSG_DONTWAIT) > 0)
				;
		mem_get_stats(&now);
		if (now.current > before.current && now.current - before.current > worst)
			worst = now.current - before.current;
	}
	/*
	 * Each viewer holds the event it is in the middle of and the newest one,
	 * which they share: three events at most, however many went out.
	 */
	T_CHECK(worst <= 3 * (SIZE + 64));
	T_EQ_INT(tr_pages_streams(e.pages), 2);
	snprintf(want, sizeof(want), "data: {\"n\":%d,", EVENTS);
	T_CHECK(saw(&e, fast, want, out, sizeof(out)));
	close(slow);
	close(fast);
	env_close(&e);
}

static const struct t_case cases[] = {
    {"routes_and_refusals", routes_and_refusals},
    {"the_token_once_then_the_cookie", the_token_once_then_the_cookie},
    {"streams_past_the_bound_get_503", streams_past_the_bound_get_503},
    {"a_viewer_that_never_reads_holds_two_events", a_viewer_that_never_reads_holds_two_events},
};

T_MAIN(cases)
