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
 * changing only the command. The bearer token for network listeners comes
 * from --auth-token-file or the mcp.auth_token setting, never from a flag
 * value (shell history, /proc/<pid>/cmdline).
 *
 * Every setting is layered like any other command's: flag > environment >
 * flash > default (write_tools, tools.allow, tools.deny, log.level,
 * mcp.auth_token, and mcp.listen for `serve`). `pdbridge mcp` takes its
 * listeners from flags only: an MCP client that spawns it speaks stdio, and
 * a listener stored for the daemon must not take that away.
 *
 * Start order: signals are taken before any thread exists, the HTTPS client
 * is initialised, then the worker pool, the MCP server and the transport.
 * Stop order is the reverse: the transport closes its sessions (cancelling
 * their calls), the pool finishes and joins, and only then are the tables
 * and clients freed.
 */
#include <pdbridge/app.h>
#include <pdbridge/ev.h>
#include <pdbridge/jsonx.h>
#include <pdbridge/log.h>
#include <pdbridge/mcp.h>
#include <pdbridge/tools.h>
#include <pdbridge/transport.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INSTRUCTIONS                                                                              \
	"When the user asks for information about their resources, first get the user data and "  \
	"scope any requests using the user id.\n\nREAD operations are safe to use, but be "       \
	"cautious with WRITE operations as they can modify the live environment. Always confirm " \
	"with the user before using any tool marked as destructive."

struct mcp_opts {
	struct app_list listen;
	const char *transport;
	const char *host;
	const char *port;
	const char *token_file;
	const char *log_level;
	const char *only_tools;
	const char *exclude_tools;
	bool write_tools;
	bool help;
	struct app_pd_flags pd;
};

/* Read the token: the file's first line, trimmed; refused if others may read it. */
static enum pdb_rc read_token(const char *path, char *tok, size_t len, struct pdb_err *err)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return pdb_err_set(err, PDB_E_IO, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) || (st.st_mode & 077)) {
		close(fd);
		return pdb_err_set(err, PDB_E_DENIED,
		                   "%s is readable by others: chmod 600 it (it holds a secret)",
		                   path);
	}
	n = read(fd, tok, len - 1);
	close(fd);
	if (n < 0)
		return pdb_err_set(err, PDB_E_IO, "cannot read %s: %s", path, strerror(errno));
	tok[n] = '\0';
	tok[strcspn(tok, "\r\n")] = '\0';
	n = (ssize_t)strlen(tok);
	while (n && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
		tok[--n] = '\0';
	if (!n)
		return pdb_err_set(err, PDB_E_INVAL, "%s holds no token", path);
	if ((size_t)n >= len - 1)
		return pdb_err_set(err, PDB_E_TOO_LARGE, "the token in %s is longer than %zu bytes",
		                   path, len - 2);
	return PDB_OK;
}

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

static enum pdb_rc exec_on_pool(void *pool, void (*run)(void *job), void *job)
{
	return ev_pool_submit(pool, run, job);
}

/* Everything one server run owns, freed in reverse order. */
struct run {
	struct ev_loop *loop;
	struct ev_pool *pool;
	struct tool_catalog *cat;
	struct mcp_server *mcp;
	struct tr_server *tr;
	bool pd_inited;
};

static void run_free(struct run *r)
{
	tr_free(r->tr);        /* sessions closed, their calls cancelled */
	ev_pool_free(r->pool); /* workers finish (every PagerDuty call has a deadline) */
	if (r->cat)
		tool_catalog_attach(r->cat, NULL);
	mcp_server_free(r->mcp);
	tool_catalog_free(r->cat);
	if (r->pd_inited)
		pd_global_cleanup();
	ev_free(r->loop);
}

/* The settings that are lists or secrets, read once from the snapshot. */
struct mcp_settings {
	const char *listen[PDB_TR_LISTEN_MAX];
	size_t n_listen;
	const char *token; /* bearer token; NULL: none */
	bool write;
	const char *only, *exclude; /* comma lists; NULL: none */
};

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

static enum pdb_rc start(struct run *r, const struct mcp_opts *o, const struct mcp_settings *m,
                         const struct cfg *c, bool serve, struct pdb_err *err)
{
	struct mcp_conf mc = {.name = "PagerDuty MCP Server",
	                      .version = PDB_VERSION,
	                      .title = "pdbridge",
	                      .instructions = INSTRUCTIONS,
	                      .exec = exec_on_pool};
	struct tr_conf tc = {0};
	struct tool_conf cc = {0};
	static struct pd_conf pc; /* the catalog keeps a pointer until run_free() */
	char url[160], bound[160];
	bool stdio = !m->n_listen && (o->transport ? !strcmp(o->transport, "stdio") : !serve);
	size_t i;
	enum pdb_rc rc;

	if (o->transport && strcmp(o->transport, "stdio") &&
	    strcmp(o->transport, "streamable-http"))
		return pdb_err_set(err, PDB_E_INVAL,
		                   "--transport must be stdio or streamable-http, not '%s'",
		                   o->transport);
	if (stdio && (o->host || o->port))
		LOG_WARN("mcp",
		         "host=%s and port=%s have no effect when --transport stdio is used.",
		         o->host ? o->host : "127.0.0.1", o->port ? o->port : "8000");
	rc = app_pd_conf_from(c, &pc, err);
	if (rc || ev_new(&r->loop) || ev_signals(r->loop, NULL, NULL))
		return rc ? rc : pdb_err_set(err, PDB_E_IO, "cannot set up the event loop");
	if (pd_global_init())
		return pdb_err_set(err, PDB_E_TLS, "cannot initialise the HTTPS client");
	r->pd_inited = true;
	if (ev_pool_new(0, &r->pool))
		return pdb_err_set(err, PDB_E_IO, "cannot start the worker threads");
	cc.pd = &pc;
	cc.write = m->write;
	cc.only = m->only;
	cc.exclude = m->exclude;
	cc.exec = exec_on_pool;
	cc.exec_ud = r->pool;
	rc = tool_catalog_new(&cc, &r->cat, err);
	if (rc)
		return rc;
	mc.exec_ud = r->pool;
	mc.tools = tool_catalog_tools(r->cat, &mc.n_tools);
	mc.resources = tool_catalog_resources(r->cat, &mc.n_resources);
	mc.prompts = tool_catalog_prompts(r->cat, &mc.n_prompts);
	rc = mcp_server_new(&mc, &r->mcp, err);
	if (rc)
		return rc;
	tool_catalog_attach(r->cat, r->mcp);
	tc.loop = r->loop;
	tc.mcp = r->mcp;
	tc.token = m->token;
	rc = tr_new(&tc, &r->tr, err);
	if (rc)
		return rc;
	for (i = 0; i < m->n_listen && !rc; i++)
		rc = tr_listen(r->tr, m->listen[i], bound, sizeof(bound), err);
	if (!rc && !stdio && !m->n_listen) {
		rc = http_url(o, url, sizeof(url), err);
		if (!rc)
			rc = tr_listen(r->tr, url, bound, sizeof(bound), err);
	}
	if (!rc && stdio)
		rc = tr_stdio(r->tr, STDIN_FILENO, STDOUT_FILENO, err);
	if (!rc)
		LOG_INFO("mcp", "Starting PagerDuty MCP Server. %s",
		         m->write ? "Write tools are enabled."
		                  : "Use the --enable-write-tools flag to enable write tools.");
	return rc;
}

/*
 * The settings of this run: the flags of @o as the top layer over the
 * environment, flash and defaults, then read out of the snapshot into @m.
 * @token holds the token of --auth-token-file, which wins over
 * mcp.auth_token.
 */
static enum pdb_rc settings(const struct mcp_opts *o, bool serve, struct mcp_settings *m,
                            char *token, size_t token_len, const struct cfg **out,
                            struct pdb_err *err)
{
	static char listen[PDB_CFG_VALUE_MAX + 1];
	struct cfg_flag flags[] = {
	    {CFG_MCP_LISTEN, NULL, "--listen"},
	    {CFG_WRITE_TOOLS, o->write_tools ? "true" : NULL, "--enable-write-tools"},
	    {CFG_TOOLS_ALLOW, o->only_tools, "--tools"},
	    {CFG_TOOLS_DENY, o->exclude_tools, "--exclude-tools"},
	    {CFG_LOG_LEVEL, o->log_level, "--log-level"},
	};
	const struct cfg *c;
	const char *secret;
	enum log_level lvl;
	size_t i, at = 0;
	enum pdb_rc rc;

	/* A repeated --listen is one list value, as in the store. */
	for (i = 0; i < o->listen.n; i++) {
		if (at + strlen(o->listen.v[i]) + 2 > sizeof(listen))
			return pdb_err_set(err, PDB_E_TOO_LARGE, "--listen: too many listeners");
		at += (size_t)snprintf(listen + at, sizeof(listen) - at, "%s%s", i ? "," : "",
		                       o->listen.v[i]);
	}
	flags[0].value = o->listen.n ? listen : NULL;
	rc = app_settings_once(&o->pd, flags, sizeof(flags) / sizeof(flags[0]), &c, err);
	if (rc)
		return rc;
	if (!log_parse_level(cfg_str(c, CFG_LOG_LEVEL), &lvl))
		log_set_level(lvl);
	memset(m, 0, sizeof(*m));
	/* `mcp` is spawned by MCP clients over stdio: a stored listener is the daemon's. */
	if (serve || o->listen.n)
		m->n_listen = cfg_list(c, CFG_MCP_LISTEN, m->listen, PDB_TR_LISTEN_MAX);
	m->write = cfg_bool(c, CFG_WRITE_TOOLS);
	m->only = nonempty(cfg_str(c, CFG_TOOLS_ALLOW));
	m->exclude = nonempty(cfg_str(c, CFG_TOOLS_DENY));
	if (o->token_file) {
		rc = read_token(o->token_file, token, token_len, err);
		m->token = token;
	} else {
		rc = cfg_secret(c, CFG_MCP_AUTH_TOKEN, &secret, err);
		m->token = nonempty(secret);
	}
	*out = c;
	return rc;
}

static int run_server(int argc, char **argv, bool serve)
{
	static char token[PDB_SECRET_MAX + 2];
	static struct mcp_opts o;
	const struct app_opt opts[] = {
	    {"listen", APP_OPT_LIST, &o.listen, "URL",
	     "serve tcp://HOST:PORT or http://HOST:PORT/PATH (repeatable)"},
	    {"transport", APP_OPT_STRING, &o.transport, "stdio|streamable-http",
	     serve ? "without --listen: streamable-http (default)" : "default stdio"},
	    {"host", APP_OPT_STRING, &o.host, "HOST", "streamable-http host (default 127.0.0.1)"},
	    {"port", APP_OPT_STRING, &o.port, "PORT", "streamable-http port (default 8000)"},
	    {"enable-write-tools", APP_OPT_FLAG, &o.write_tools, NULL,
	     "also serve the tools that change PagerDuty"},
	    {"tools", APP_OPT_STRING, &o.only_tools, "NAMES",
	     "serve only these tools (comma list, * globs)"},
	    {"exclude-tools", APP_OPT_STRING, &o.exclude_tools, "NAMES",
	     "do not serve these tools (comma list, * globs)"},
	    {"auth-token-file", APP_OPT_STRING, &o.token_file, "PATH",
	     "bearer token for network clients (required off loopback)"},
	    {"log-level", APP_OPT_STRING, &o.log_level, "LEVEL", "error|warn|info|debug (stderr)"},
	    APP_PD_OPTS(&o.pd),
	    {"help", APP_OPT_FLAG, &o.help, NULL, "this text"},
	};
	const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
	const char *name = serve ? "serve" : "mcp";
	struct mcp_settings m;
	const struct cfg *c = NULL;
	struct run r = {0};
	struct pdb_err err;
	int status = APP_EXIT_FAIL;

	pdb_err_clear(&err);
	if (app_parse_opts(opts, n_opts, argc, argv, &err) || o.help) {
		if (!o.help)
			fprintf(stderr, "pdbridge %s: %s\n", name, pdb_err_text(&err));
		/* Help goes to stderr too: stdout is the protocol's. */
		fprintf(stderr, "usage: pdbridge %s [options]\n", name);
		app_print_opts(stderr, opts, n_opts);
		return o.help ? APP_EXIT_OK : APP_EXIT_USAGE;
	}
	if (settings(&o, serve, &m, token, sizeof(token), &c, &err) ||
	    start(&r, &o, &m, c, serve, &err))
		goto out;
	ev_run(r.loop);
	status = APP_EXIT_OK;
out:
	if (status != APP_EXIT_OK)
		fprintf(stderr, "pdbridge %s: %s\n", name, pdb_err_text(&err));
	run_free(&r);
	memset(token, 0, sizeof(token));
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
