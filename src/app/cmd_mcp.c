/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd_mcp.c - `pdbridge mcp` and `pdbridge serve`: the MCP server.
 *
 *   pdbridge mcp                      stdio (what an MCP client config spawns)
 *   pdbridge mcp --transport streamable-http [--host H] [--port P]
 *   pdbridge serve --listen URL [--listen URL]...   tcp://H:P and http://H:P/mcp
 *
 * The flags of the official server keep their names and defaults
 * (--enable-write-tools, --transport stdio|streamable-http, --host 127.0.0.1
 * or $MCP_HOST, --port 8000 or $MCP_PORT), so a client config switches by
 * changing the command to pdbridge and putting "mcp" first in its args
 * (docs/clients.md). The MCP side itself (catalog, server,
 * transport, token) is mcp_stack.c's, shared with the daemon.
 *
 * Every setting is layered like any other command's: flag > environment >
 * flash > default (write_tools, tools.allow, tools.deny, log.level,
 * mcp.auth_token, and mcp.listen for `serve`). `pdbridge mcp` takes its
 * listeners from flags only: an MCP client that spawns it speaks stdio, and
 * a listener stored for the daemon must not take that away.
 *
 * Resources a client subscribes to or listens for are refreshed every
 * poll.interval seconds (this process has no status poller feeding them, as
 * `pdbridge run` has), so a listener hears of a change without reading.
 *
 * Start order: signals are taken before any thread exists, the HTTPS client
 * is initialised, then the worker pool, the MCP server and the transport.
 * Stop order is the reverse: the transport closes its sessions (cancelling
 * their calls), the pool finishes and joins, and only then are the tables
 * and clients freed.
 */
#include <pdbridge/app.h>
#include <pdbridge/ev.h>
#include <pdbridge/log.h>
#include <pdbridge/tools.h>
#include <pdbridge/transport.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct mcp_opts {
	const char *transport;
	const char *host;
	const char *port;
	bool help;
	struct app_mcp_opts mcp;
	struct app_pd_flags pd;
};

/* The official server's host rules, then the URL of its streamable-http endpoint. */
static enum pdb_rc http_url(const struct mcp_opts *o, char *url, size_t len, struct pdb_err *err)
{
	const char *host = o->host ? o->host : getenv("MCP_HOST");
	const char *port = o->port ? o->port : getenv("MCP_PORT");
	char *end;
	long p;
	size_t i;

	host = host && *host ? host : "127.0.0.1";
	port = port && *port ? port : "8000";
	for (i = 0; host[i]; i++)
		if ((unsigned char)host[i] < 0x20 || host[i] == 0x7f)
			return pdb_err_set(err, PDB_E_INVAL,
			                   "Host must not contain control characters");
	if (strpbrk(host, " \t"))
		return pdb_err_set(err, PDB_E_INVAL, "Host must not contain whitespace");
	if (host[0] != '[' && strchr(host, ':') && strchr(host, ':') == strrchr(host, ':'))
		return pdb_err_set(err, PDB_E_INVAL,
		                   "Host must not include a port - use --port to specify the port "
		                   "separately");
	errno = 0;
	p = strtol(port, &end, 10);
	if (errno || *end || p < 1 || p > 65535)
		return pdb_err_set(err, PDB_E_INVAL, "Port must be between 1 and 65535, got %s",
		                   port);
	if (p < 1024)
		LOG_WARN("mcp",
		         "Port %ld is a privileged port - binding may fail on non-root processes.",
		         p);
	/* A bare IPv6 literal gets its brackets. */
	snprintf(url, len,
	         host[0] != '[' && strchr(host, ':') ? "http://[%s]:%ld/mcp" : "http://%s:%ld/mcp",
	         host, p);
	return PDB_OK;
}

/* Everything one server run owns, freed in reverse order. */
struct run {
	struct app_engine eng;
	struct app_mcp mcp;
	int64_t poll_ms; /* poll.interval: watched resources are refreshed this often */
};

static void on_poll(struct ev_loop *l, void *ud)
{
	struct run *r = ud;

	tool_catalog_poll(r->mcp.cat);
	if (ev_timer_add(l, r->poll_ms, on_poll, r, NULL))
		LOG_WARN("mcp", "no timer left: watched resources refresh only when read");
}

static void run_free(struct run *r)
{
	app_mcp_close(&r->mcp);
	app_engine_join(&r->eng);
	app_mcp_free(&r->mcp);
	app_engine_free(&r->eng);
}

static enum pdb_rc start(struct run *r, const struct mcp_opts *o, bool serve, struct pdb_err *err)
{
	struct cfg_flag flags[CFG_KEYS];
	struct app_mcp_settings m;
	const struct cfg *c;
	char url[160], bound[160];
	size_t n = 0;
	bool stdio;
	enum pdb_rc rc;

	if (o->transport && strcmp(o->transport, "stdio") &&
	    strcmp(o->transport, "streamable-http"))
		return pdb_err_set(err, PDB_E_INVAL,
		                   "--transport must be stdio or streamable-http, not '%s'",
		                   o->transport);
	rc = app_mcp_flags(&o->mcp, flags, &n, err);
	if (!rc)
		rc = app_settings_once(&o->pd, flags, n, &c, err);
	if (rc)
		return rc;
	app_apply_log_level(c);
	rc = app_mcp_settings_from(c, &o->mcp, serve, &m, err);
	if (rc)
		return rc;
	stdio = !m.n_listen && (o->transport ? !strcmp(o->transport, "stdio") : !serve);
	if (stdio && (o->host || o->port))
		LOG_WARN("mcp",
		         "host=%s and port=%s have no effect when --transport stdio is used.",
		         o->host ? o->host : "127.0.0.1", o->port ? o->port : "8000");
	rc = app_engine_start(&r->eng, NULL, NULL, err);
	if (rc)
		return rc;
	rc = app_mcp_start(&r->mcp, r->eng.loop, r->eng.pool, c, &m, err);
	if (!rc && !stdio && !m.n_listen) {
		rc = http_url(o, url, sizeof(url), err);
		if (!rc)
			rc = tr_listen(r->mcp.tr, url, bound, sizeof(bound), err);
	}
	if (!rc && stdio)
		rc = tr_stdio(r->mcp.tr, STDIN_FILENO, STDOUT_FILENO, err);
	r->poll_ms = cfg_int(c, CFG_POLL_INTERVAL) * 1000;
	if (!rc && ev_timer_add(r->eng.loop, r->poll_ms, on_poll, r, NULL))
		rc = pdb_err_set(err, PDB_E_TOO_LARGE, "no timer for the resource refresh");
	if (!rc)
		LOG_INFO("mcp", "Starting PagerDuty MCP Server. %s",
		         m.write ? "Write tools are enabled."
		                 : "Use the --enable-write-tools flag to enable write tools.");
	return rc;
}

static int run_server(int argc, char **argv, bool serve)
{
	static struct mcp_opts o;
	const struct app_opt opts[] = {
	    {"transport", APP_OPT_STRING, &o.transport, "stdio|streamable-http",
	     serve ? "without --listen: streamable-http (default)" : "default stdio"},
	    {"host", APP_OPT_STRING, &o.host, "HOST", "streamable-http host (default 127.0.0.1)"},
	    {"port", APP_OPT_STRING, &o.port, "PORT", "streamable-http port (default 8000)"},
	    APP_MCP_OPTS(&o.mcp),
	    APP_PD_OPTS(&o.pd),
	    {"help", APP_OPT_FLAG, &o.help, NULL, "this text"},
	};
	const size_t n_opts = PDB_N_OF(opts);
	const char *name = serve ? "serve" : "mcp";
	struct run r = {0};
	struct pdb_err err;
	int status = APP_EXIT_FAIL;

	pdb_err_clear(&err);
	if (app_parse_opts(opts, n_opts, argc, argv, &err) || o.help) /* stdout is the protocol's */
		return app_usage(stderr, name, opts, n_opts, o.help, &err);
	if (start(&r, &o, serve, &err))
		goto out;
	ev_run(r.eng.loop);
	status = APP_EXIT_OK;
out:
	if (status != APP_EXIT_OK)
		fprintf(stderr, "pdbridge %s: %s\n", name, pdb_err_text(&err));
	run_free(&r);
	return status;
}

int app_cmd_mcp(int argc, char **argv)
{
	return run_server(argc, argv, false);
}

int app_cmd_serve(int argc, char **argv)
{
	return run_server(argc, argv, true);
}
