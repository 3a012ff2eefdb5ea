/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tr_server.c - the transport as a whole: --listen URLs, binding, the auth
 * rule (no token, no listener off loopback), token comparison, and the
 * periodic sweep that enforces every timeout.
 *
 * Hosts are IP literals or "localhost", never names to resolve: binding
 * must not wait on DNS, and "which address is this really" must not be a
 * question when deciding whether a token is required.
 */
#define _GNU_SOURCE /* SOCK_NONBLOCK, SOCK_CLOEXEC */
#include "tr_int.h"

#include <pdbridge/clock.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *prefix;
	enum tr_scheme scheme;
} schemes[] = {
    {"tcp://", TR_SCHEME_TCP},
    {"http://", TR_SCHEME_HTTP},
};

/* Split "HOST:PORT[/PATH]" into @a. */
static enum pdb_rc parse_hostport(const char *s, struct tr_addr *a, struct pdb_err *err)
{
	const char *colon, *path, *h = s, *hend;
	char host[64], *end;
	long port;

	if (*s == '[') {
		hend = strchr(s, ']');
		if (!hend)
			return pdb_err_set(err, PDB_E_INVAL, "missing ']' in '%.64s'", s);
		h = s + 1;
		colon = hend + 1;
	} else {
		colon = strchr(s, ':');
		hend = colon;
	}
	if (!colon || *colon != ':' || hend == h || (size_t)(hend - h) >= sizeof(host))
		return pdb_err_set(err, PDB_E_INVAL, "expected HOST:PORT in '%.64s'", s);
	memcpy(host, h, (size_t)(hend - h));
	host[hend - h] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || port < 0 || port > 65535 || (*end && *end != '/'))
		return pdb_err_set(err, PDB_E_INVAL, "port must be 0..65535 in '%.64s'", s);
	path = *end ? end : "/mcp";
	if (strlen(path) >= sizeof(a->path) || strpbrk(path, "?# "))
		return pdb_err_set(err, PDB_E_INVAL, "bad path '%.64s'", path);
	snprintf(a->path, sizeof(a->path), "%s", path);
	a->port = (int)port;
	snprintf(a->host, sizeof(a->host), *s == '[' ? "[%s]" : "%s", host);
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	memset(&a->ss, 0, sizeof(a->ss));
	if (*s != '[') {
		struct sockaddr_in *in = (struct sockaddr_in *)&a->ss;

		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return pdb_err_set(err, PDB_E_INVAL,
			                   "host must be an IPv4 address, [IPv6] or localhost, not "
			                   "'%.64s'",
			                   host);
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		a->ss_len = sizeof(*in);
		a->wildcard = in->sin_addr.s_addr == htonl(INADDR_ANY);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;

		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return pdb_err_set(err, PDB_E_INVAL, "bad IPv6 address '%.64s'", host);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		a->ss_len = sizeof(*in6);
		a->wildcard = IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
	}
	a->loopback = host_addr_is_loopback((const struct sockaddr *)(const void *)&a->ss);
	return PDB_OK;
}

enum pdb_rc tr__parse_url(const char *url, struct tr_addr *a, struct pdb_err *err)
{
	size_t i, n;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < PDB_N_OF(schemes); i++) {
		n = strlen(schemes[i].prefix);
		if (strncmp(url, schemes[i].prefix, n))
			continue;
		a->scheme = schemes[i].scheme;
		if (parse_hostport(url + n, a, err))
			return PDB_E_INVAL;
		if (a->scheme == TR_SCHEME_TCP && strchr(url + n, '/')) /* hosts hold no '/' */
			return pdb_err_set(err, PDB_E_INVAL, "tcp:// takes no path: '%.64s'", url);
		return PDB_OK;
	}
	return pdb_err_set(err, PDB_E_INVAL,
	                   "listen URL must be tcp://HOST:PORT or "
	                   "http://HOST:PORT/PATH, not '%.64s'",
	                   url);
}

enum pdb_rc tr__bind(struct tr_addr *a, int *out, struct pdb_err *err)
{
	int fd, one = 1;
	struct sockaddr_storage got;
	socklen_t len = sizeof(got);

	*out = -1;
	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return pdb_err_set(err, PDB_E_IO, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a->ss, a->ss_len) || listen(fd, PDB_TR_BACKLOG) ||
	    getsockname(fd, (struct sockaddr *)&got, &len)) {
		enum pdb_rc rc = pdb_err_set(err, PDB_E_IO, "cannot listen on %s:%d: %s", a->host,
		                             a->port, strerror(errno));

		close(fd);
		return rc;
	}
	a->port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
	                                          : ((struct sockaddr_in *)&got)->sin_port);
	*out = fd;
	return PDB_OK;
}

bool tr__token_ok(const struct tr_server *t, const char *got, size_t len)
{
	unsigned char diff = (unsigned char)(len != t->token_len);
	size_t i;

	/* Time depends on the configured token's length only, never on where they differ. */
	for (i = 0; i < t->token_len; i++)
		diff |= (unsigned char)(t->token[i] ^ (i < len ? got[i] : 0));
	return t->token_len && !diff;
}

void tr__json_error(struct buf *out, enum pdb_rc rc, const char *msg)
{
	buf_reset(out);
	if (mcp_write_error(out, rc, msg))
		LOG_ERROR("tr", "cannot write an error body");
}

static void sweep(struct ev_loop *l, void *ud)
{
	struct tr_server *t = ud;
	int64_t now = clk_now_ms();
	size_t i;

	(void)l;
	for (i = 0; i < t->n_tcp; i++) {
		struct tr_listener *tl = &t->tcp[i];

		if (tl->paused_until && now >= tl->paused_until) {
			tl->paused_until = 0;
			if (ev_fd_mod(t->conf.loop, tl->fd, EV_READ))
				LOG_WARN("tr", "cannot resume accepting");
		}
	}
	tr__conns_sweep(t, now);
	for (i = 0; i < t->n_http; i++)
		tr__http_sweep(t->http[i], now);
	for (i = 0; i < t->n_pages; i++)
		tr__pages_sweep(t->pages[i], now);
	if (ev_timer_add(t->conf.loop, PDB_TR_SWEEP_MS, sweep, t, &t->sweep_timer)) {
		t->sweep_timer = 0;
		LOG_ERROR("tr", "no timer left for the sweep: timeouts are not enforced");
	}
}

enum pdb_rc tr_new(const struct tr_conf *conf, struct tr_server **out, struct pdb_err *err)
{
	struct tr_server *t;
	size_t n = conf->token ? strlen(conf->token) : 0;

	*out = NULL;
	if (!conf->loop)
		return pdb_err_set(err, PDB_E_INVAL, "transport needs a loop");
	if (n > PDB_SECRET_MAX)
		return pdb_err_set(err, PDB_E_INVAL, "auth token longer than %d bytes",
		                   PDB_SECRET_MAX);
	if (n && log_add_secret(conf->token))
		return pdb_err_set(err, PDB_E_INVAL,
		                   "cannot register the auth token for redaction");
	t = mem_calloc(1, sizeof(*t));
	if (!t)
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory");
	t->conf = *conf;
	t->conf.token = NULL; /* the copy below is the only one kept */
	if (!t->conf.idle_ms)
		t->conf.idle_ms = PDB_TR_IDLE_MS;
	if (!t->conf.session_idle_ms)
		t->conf.session_idle_ms = PDB_TR_HTTP_SESSION_IDLE_MS;
	if (!t->conf.line_timeout_ms)
		t->conf.line_timeout_ms = PDB_TR_LINE_TIMEOUT_MS;
	if (!t->conf.auth_timeout_ms)
		t->conf.auth_timeout_ms = PDB_TR_AUTH_TIMEOUT_MS;
	if (!t->conf.drain_ms)
		t->conf.drain_ms = PDB_TR_DRAIN_MS;
	memcpy(t->token, conf->token ? conf->token : "", n + 1);
	t->token_len = n;
	buf_init(&t->scratch, PDB_MCP_MSG_MAX);
	if (ev_timer_add(t->conf.loop, PDB_TR_SWEEP_MS, sweep, t, &t->sweep_timer)) {
		mem_free_secret(t); /* it holds the token */
		return pdb_err_set(err, PDB_E_TOO_LARGE, "no timer left for the transport");
	}
	*out = t;
	return PDB_OK;
}

/*
 * Room for one more listener, @url parsed into @a, the token rule (@need says
 * which token), and a bound socket in *@fd.
 */
static enum pdb_rc open_listener(struct tr_server *t, const char *url, const char *need,
                                 struct tr_addr *a, int *fd, struct pdb_err *err)
{
	enum pdb_rc rc;

	if (t->n_tcp + t->n_http + t->n_pages == PDB_TR_LISTEN_MAX)
		return pdb_err_set(err, PDB_E_TOO_LARGE, "more than %d listeners",
		                   PDB_TR_LISTEN_MAX);
	rc = tr__parse_url(url, a, err);
	if (rc)
		return rc;
	/* The rule: whatever is reachable from another machine needs the token. */
	if (!a->loopback && !t->token_len)
		return pdb_err_set(err, PDB_E_INVAL, "%s is not a loopback address: %s", a->host,
		                   need);
	return tr__bind(a, fd, err);
}

enum pdb_rc tr_listen(struct tr_server *t, const char *url, char *bound, size_t bound_len,
                      struct pdb_err *err)
{
	struct tr_addr a;
	enum pdb_rc rc;
	int fd;

	if (!t->conf.mcp)
		return pdb_err_set(err, PDB_E_INVAL, "no MCP server to serve on %.64s", url);
	rc = open_listener(t, url, "an auth token is required (--auth-token-file)", &a, &fd, err);
	if (rc)
		return rc;
	if (a.scheme == TR_SCHEME_TCP) {
		struct tr_listener *l = &t->tcp[t->n_tcp];

		l->t = t;
		l->fd = fd;
		l->loopback = a.loopback;
		rc = tr__tcp_start(t, l, err);
		if (!rc)
			t->n_tcp++;
	} else {
		rc = tr__http_new(t, &a, fd, NULL, &t->http[t->n_http], err);
		if (!rc)
			t->n_http++;
	}
	if (rc) {
		close(fd);
		return rc;
	}
	snprintf(bound, bound_len, "%s://%s:%d%s", a.scheme == TR_SCHEME_TCP ? "tcp" : "http",
	         a.host, a.port, a.scheme == TR_SCHEME_HTTP ? a.path : "");
	LOG_INFO("tr", "listening on %s%s", bound, t->token_len ? " (bearer token required)" : "");
	return PDB_OK;
}

/* A page listener's URL is http://HOST:PORT with no path but "/": the routes are the paths. */
static bool bare_http(const char *url)
{
	const char *host = url + 7, *v6_end = strchr(host, ']'), *slash;

	if (strncmp(url, "http://", 7))
		return false;
	slash = strchr(*host == '[' && v6_end ? v6_end : host, '/');
	return !slash || !strcmp(slash, "/");
}

enum pdb_rc tr_listen_pages(struct tr_server *t, const char *url, const struct tr_pages_conf *pc,
                            struct tr_pages **out, char *bound, size_t bound_len,
                            struct pdb_err *err)
{
	struct tr_addr a;
	enum pdb_rc rc;
	int fd;

	*out = NULL;
	if (!bare_http(url))
		return pdb_err_set(err, PDB_E_INVAL,
		                   "a page listener is http://HOST:PORT/ (no path), not '%.64s'",
		                   url);
	rc = open_listener(t, url, "an access token is required", &a, &fd, err);
	if (rc)
		return rc;
	rc = tr__pages_new(t, &a, fd, pc, out, err);
	if (rc) {
		close(fd);
		return rc;
	}
	t->pages[t->n_pages++] = *out;
	snprintf(bound, bound_len, "http://%s:%d/", a.host, a.port);
	LOG_INFO("tr", "serving pages on %s%s", bound,
	         t->token_len ? " (access token required)" : "");
	return PDB_OK;
}

enum pdb_rc tr_stdio(struct tr_server *t, int in_fd, int out_fd, struct pdb_err *err)
{
	if (!t->conf.mcp)
		return pdb_err_set(err, PDB_E_INVAL, "no MCP server to serve on stdio");
	if (t->have_stdio)
		return pdb_err_set(err, PDB_E_INVAL, "stdio is served once");
	return tr__stdio_start(t, in_fd, out_fd, err);
}

void tr_free(struct tr_server *t)
{
	size_t i;

	if (!t)
		return;
	t->closing = true;
	ev_timer_cancel(t->conf.loop, t->sweep_timer);
	tr__conns_close_all(t);
	for (i = 0; i < t->n_tcp; i++) {
		ev_fd_del(t->conf.loop, t->tcp[i].fd);
		close(t->tcp[i].fd);
	}
	for (i = 0; i < t->n_http; i++)
		tr__http_free(t->http[i]);
	for (i = 0; i < t->n_pages; i++)
		tr__pages_free(t->pages[i]);
	buf_free(&t->scratch);
	mem_free_secret(t); /* it holds the token */
}
