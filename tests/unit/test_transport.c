/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_transport.c - the transports in one process, on a real event loop:
 * stdio over pipes (replies, a deferred tool call, EOF ends the loop), TCP on
 * 127.0.0.1 (token line, refusal), Streamable HTTP over a raw socket (Host
 * check, session header), and the listen-URL rules. Runs under qemu-user for
 * the ARM boards too, where the Python integration tests do not.
 */
#define _GNU_SOURCE /* pipe2 */
#include "harness.h"

#include <pdbridge/clock.h>
#include <pdbridge/ev.h>
#include <pdbridge/jsonx.h>
#include <pdbridge/mcp.h>
#include <pdbridge/mem.h>
#include <pdbridge/transport.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static enum pdb_rc t_echo(struct mcp_call *c, const struct cJSON *args, void *ud,
                          struct pdb_err *err)
{
	(void)args, (void)ud, (void)err;
	return mcp_out_text(mcp_call_out(c), "echoed");
}

static const struct mcp_tool tools[] = {
    {"echo", NULL, "Echoes.", NULL, NULL, {0}, t_echo, NULL, 0},
};

/* A tool whose description makes every tools/list reply BIG_DESC bytes long. */
#define BIG_DESC 16384
static char big_desc[BIG_DESC];
static const struct mcp_tool big_tools[] = {
    {.name = "big", .description = big_desc, .fn = t_echo},
};

static enum pdb_rc on_pool(void *pool, void (*run)(void *job), void *job)
{
	return ev_pool_submit(pool, run, job);
}

struct env {
	struct ev_loop *loop;
	struct ev_pool *pool;
	struct mcp_server *mcp;
	struct tr_server *tr;
};

static bool env_open_with(struct env *e, const char *token, const struct mcp_tool *t)
{
	struct mcp_conf mc = {.tools = t, .n_tools = 1, .exec = on_pool};
	struct tr_conf tc = {0};
	struct pdb_err err;

	memset(e, 0, sizeof(*e));
	if (ev_new(&e->loop) || ev_pool_new(1, &e->pool))
		return false;
	mc.exec_ud = e->pool;
	if (mcp_server_new(&mc, &e->mcp, &err))
		return false;
	tc.loop = e->loop;
	tc.mcp = e->mcp;
	tc.token = token;
	return tr_new(&tc, &e->tr, &err) == PDB_OK;
}

static bool env_open(struct env *e, const char *token)
{
	return env_open_with(e, token, tools);
}

static void env_close(struct env *e)
{
	tr_free(e->tr);
	ev_pool_free(e->pool);
	mcp_server_free(e->mcp);
	ev_free(e->loop);
}

/* Turn the loop until @fd has a line (read into @out) or 5 s pass. */
static bool read_line(struct env *e, int fd, char *out, size_t len)
{
	size_t n = 0;
	/* a hang guard only: qemu emulating an ARMv6 on a busy machine is slow */
	int64_t deadline = clk_now_ms() + 30000;
	ssize_t r;

	while (clk_now_ms() < deadline && n + 1 < len) {
		r = read(fd, out + n, 1);
		if (r == 1) {
			if (out[n] == '\n') {
				out[n] = '\0';
				return true;
			}
			n++;
			continue;
		}
		if (r == 0)
			break;
		if (ev_run_once(e->loop, 20))
			return false;
	}
	out[n] = '\0';
	return false;
}

#define INIT                                                                                       \
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":" \
	"\"2025-06-18\"}}\n"

static void stdio_serves_and_ends_on_eof(void)
{
	static const char in[] =
	    INIT "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
	         "\"echo\"}}\n"
	         "not json\n"
	         "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}";
	char line[4096];
	struct env e;
	struct pdb_err err;
	int to_srv[2], from_srv[2], i, got_call = 0, got_ping = 0, got_err = 0;

	T_CHECK(env_open(&e, NULL));
	T_EQ_INT(pipe2(to_srv, O_CLOEXEC), 0);
	T_EQ_INT(pipe2(from_srv, O_CLOEXEC | O_NONBLOCK), 0);
	T_EQ_INT(tr_stdio(e.tr, to_srv[0], from_srv[1], &err), PDB_OK);
	T_EQ_INT(tr_stdio(e.tr, to_srv[0], from_srv[1], &err), PDB_E_INVAL); /* once */
	T_EQ_INT(write(to_srv[1], in, sizeof(in) - 1), (ssize_t)sizeof(in) - 1);
	close(to_srv[1]); /* EOF: the last line has no newline */
	for (i = 0; i < 4; i++) {
		T_CHECK(read_line(&e, from_srv[0], line, sizeof(line)));
		got_call += strstr(line, "\"id\":2") && strstr(line, "echoed");
		got_ping += !strcmp(line, "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}");
		got_err += strstr(line, "-32700") != NULL;
	}
	T_EQ_INT(got_call + got_ping + got_err, 3);
	T_EQ_INT(ev_run(e.loop), 0); /* the stdio session ended: the loop stops by itself */
	T_CHECK(ev_stopped(e.loop));
	env_close(&e);
	close(to_srv[0]);
	close(from_srv[0]);
	close(from_srv[1]);
}

/* A client socket connected to 127.0.0.1 at the port of @bound ("scheme://127.0.0.1:PORT..."). */
static int dial(const char *bound)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	const char *colon = strrchr(bound, ':');
	int fd;

	a.sin_port = htons((uint16_t)strtol(colon + 1, NULL, 10));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Listen on @url and connect a client to it. */
static int connect_to(struct env *e, const char *url, char *bound, size_t len)
{
	struct pdb_err err;

	if (tr_listen(e->tr, url, bound, len, &err))
		return -1;
	return dial(bound);
}

/* Like read_line, for a socket whose reads time out after 20 ms. */
static bool sock_line(struct env *e, int fd, char *out, size_t len)
{
	size_t n = 0;
	/* a hang guard only: qemu emulating an ARMv6 on a busy machine is slow */
	int64_t deadline = clk_now_ms() + 30000;
	ssize_t r;

	while (clk_now_ms() < deadline && n + 1 < len) {
		if (ev_run_once(e->loop, 0))
			return false;
		r = recv(fd, out + n, 1, MSG_DONTWAIT);
		if (r == 1) {
			if (out[n] == '\n') {
				out[n] = '\0';
				return true;
			}
			n++;
		} else if (r == 0) {
			break;
		} else {
			if (ev_run_once(e->loop, 10))
				return false;
		}
	}
	out[n] = '\0';
	return false;
}

static void tcp_needs_the_token_first(void)
{
	char bound[128], line[4096];
	struct env e;
	int fd;

	T_CHECK(env_open(&e, "s3cret"));
	fd = connect_to(&e, "tcp://127.0.0.1:0", bound, sizeof(bound));
	T_CHECK(fd >= 0);
	T_CHECK(!strncmp(bound, "tcp://127.0.0.1:", 16));
	T_EQ_INT(write(fd, "{\"auth\":\"s3cret\"}\n" INIT, 18 + sizeof(INIT) - 1),
	         (ssize_t)(18 + sizeof(INIT) - 1));
	T_CHECK(sock_line(&e, fd, line, sizeof(line)));
	T_CHECK(strstr(line, "\"protocolVersion\":\"2025-06-18\""));
	close(fd);
	/* a wrong token: one error line, then the connection closes */
	fd = dial(bound);
	T_CHECK(fd >= 0);
	T_EQ_INT(write(fd, "{\"auth\":\"nope\"}\n", 16), 16);
	T_CHECK(sock_line(&e, fd, line, sizeof(line)));
	T_CHECK(strstr(line, "Unauthorized"));
	T_CHECK(!strstr(line, "s3cret"));
	T_CHECK(!sock_line(&e, fd, line, sizeof(line))); /* closed */
	close(fd);
	env_close(&e);
}

/* Send a raw HTTP request and collect the response head's status code. */
static int http_status(struct env *e, int fd, const char *req, char *resp, size_t len)
{
	size_t n = 0;
	/* a hang guard only: qemu emulating an ARMv6 on a busy machine is slow */
	int64_t deadline = clk_now_ms() + 30000;
	ssize_t r;
	int status = 0;

	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		return -1;
	while (clk_now_ms() < deadline && n + 1 < len) {
		if (ev_run_once(e->loop, 10))
			return -1;
		r = recv(fd, resp + n, len - 1 - n, MSG_DONTWAIT);
		if (r > 0)
			n += (size_t)r;
		resp[n] = '\0';
		if (strstr(resp, "\r\n\r\n") && sscanf(resp, "HTTP/1.1 %d", &status) == 1 &&
		    (strstr(resp, "}") || status == 202 || status == 200))
			break;
		if (r == 0)
			break;
	}
	return status;
}

static void http_checks_host_and_session(void)
{
	char bound[128], req[1024], resp[8192];
	const char *body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
	                   "{\"protocolVersion\":\"2025-11-25\"}}";
	struct env e;
	int fd;

	T_CHECK(env_open(&e, NULL));
	fd = connect_to(&e, "http://127.0.0.1:0/mcp", bound, sizeof(bound));
	T_CHECK(fd >= 0);
	T_CHECK(strstr(bound, "/mcp"));
	snprintf(
	    req, sizeof(req),
	    "POST /mcp HTTP/1.1\r\nHost: evil.example.com\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n%s",
	    strlen(body), body);
	T_EQ_INT(http_status(&e, fd, req, resp, sizeof(resp)), 403);
	close(fd);
	fd = dial(bound);
	T_CHECK(fd >= 0);
	snprintf(req, sizeof(req),
	         "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
	         "Content-Length: %zu\r\n\r\n%s",
	         strlen(body), body);
	memset(resp, 0, sizeof(resp));
	T_EQ_INT(http_status(&e, fd, req, resp, sizeof(resp)), 200);
	T_CHECK(strstr(resp, "Mcp-Session-Id: "));
	close(fd);
	fd = dial(bound);
	T_CHECK(fd >= 0);
	snprintf(req, sizeof(req),
	         "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
	         "Content-Length: 40\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}");
	memset(resp, 0, sizeof(resp));
	T_EQ_INT(http_status(&e, fd, req, resp, sizeof(resp)), 400); /* no session header */
	close(fd);
	env_close(&e);
}

static void listen_urls_are_checked_before_binding(void)
{
	static const char *const bad[] = {
	    "ftp://127.0.0.1:1",      "tcp://example.com:1", "tcp://127.0.0.1",
	    "tcp://127.0.0.1:99999",  "tcp://127.0.0.1:1/x", "tcp://[::1:1",
	    "http://127.0.0.1:1/a b", "tcp://0.0.0.0:0",     "http://[::]:0/mcp",
	    "tcp://192.0.2.1:0",
	};
	char bound[128];
	struct pdb_err err;
	struct env e;
	size_t i;

	T_CHECK(env_open(&e, NULL));
	for (i = 0; i < PDB_N_OF(bad); i++) {
		if (tr_listen(e.tr, bad[i], bound, sizeof(bound), &err) != PDB_E_INVAL) {
			t_fail(__FILE__, __LINE__, "%s was accepted", bad[i]);
			break;
		}
	}
	T_CHECK(strstr(err.msg, "auth token is required"));
	env_close(&e);
}

/*
 * The stall of a fast reader: one read of requests makes more than half of
 * PDB_TR_OUTBOX_MAX of replies, so reading pauses; then a single write takes
 * all of them (stdout is a file here, the limit of a reader that keeps up).
 * No write event can come after that, so the pause must be lifted on the
 * spot: every request is answered and EOF ends the session. Before the fix
 * this turned the loop, watching nothing, until the deadline.
 */
static void stdio_a_reader_that_keeps_up_never_stalls(void)
{
	enum { N = 600 }; /* 30 KiB of requests (one pipe's worth): two reads, each over the half */
	char path[] = "/tmp/pdb-test-transport-XXXXXX", req[96], *text;
	int to_srv[2], out_fd, i, n, lines = 0;
	int64_t deadline = clk_now_ms() + 30000; /* a hang guard only (qemu is slow) */
	struct buf in;
	struct pdb_err err;
	struct env e;
	FILE *f;

	memset(big_desc, 'x', sizeof(big_desc) - 1);
	T_CHECK((size_t)(PDB_TR_READ_CHUNK / 48) * BIG_DESC > PDB_TR_OUTBOX_MAX / 2);
	T_CHECK(env_open_with(&e, NULL, big_tools));
	out_fd = mkstemp(path);
	T_CHECK(out_fd >= 0);
	unlink(path);
	T_EQ_INT(pipe2(to_srv, O_CLOEXEC), 0);
	buf_init(&in, 1 << 20);
	T_EQ_INT(buf_adds(&in, INIT), PDB_OK);
	for (i = 2; i <= N + 1; i++) { /* the initialize request is id 1 */
		n = snprintf(req, sizeof(req),
		             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/list\"}\n", i);
		T_EQ_INT(buf_add(&in, req, (size_t)n), PDB_OK);
	}
	T_EQ_INT(write(to_srv[1], buf_cstr(&in), buf_len(&in)), (ssize_t)buf_len(&in));
	close(to_srv[1]); /* EOF after the last request */
	T_EQ_INT(tr_stdio(e.tr, to_srv[0], out_fd, &err), PDB_OK);
	while (!ev_stopped(e.loop) && clk_now_ms() < deadline)
		T_EQ_INT(ev_run_once(e.loop, 20), 0);
	T_CHECK(ev_stopped(e.loop)); /* every reply written, EOF seen: the session ended */
	f = fdopen(out_fd, "r");
	T_CHECK(f != NULL);
	rewind(f);
	text = mem_malloc(BIG_DESC + 1024);
	T_CHECK(text != NULL);
	while (fgets(text, BIG_DESC + 1024, f)) {
		snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":%d,", lines + 1);
		lines += strncmp(text, req, strlen(req)) == 0;
	}
	T_EQ_INT(lines, N + 1); /* ids 1..N+1, in order */
	mem_free(text);
	fclose(f);
	buf_free(&in);
	env_close(&e);
	close(to_srv[0]);
}

static const struct t_case cases[] = {
    {"stdio_serves_and_ends_on_eof", stdio_serves_and_ends_on_eof},
    {"stdio_a_reader_that_keeps_up_never_stalls", stdio_a_reader_that_keeps_up_never_stalls},
    {"tcp_needs_the_token_first", tcp_needs_the_token_first},
    {"http_checks_host_and_session", http_checks_host_and_session},
    {"listen_urls_are_checked_before_binding", listen_urls_are_checked_before_binding},
};

int main(int argc, char **argv)
{
	jsonx_init();
	return t_main(cases, PDB_N_OF(cases), argc, argv);
}
