/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mcp_stack.c - the MCP side of a process, shared by `pdbridge mcp`,
 * `pdbridge serve` and the `pdbridge run` daemon: the options every one of
 * them takes, the settings read from a snapshot, and the tool catalog, MCP
 * server and transport started over a loop and a pool the caller owns.
 *
 * The bearer token for network listeners comes from --auth-token-file or
 * the mcp.auth_token setting, never from a flag value (shell history,
 * /proc/<pid>/cmdline). A token file others may read is refused.
 *
 * The request states MCP 2026-07-28 clients carry between rounds (a
 * write_confirm question and its answer) are authenticated with HMAC-SHA256
 * under a key drawn at start (cfg's, the one wolfCrypt adapter outside TLS):
 * mcp itself has no crypto, it calls mac() below.
 */
#include <pdbridge/app.h>
#include <pdbridge/ev.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>
#include <pdbridge/tools.h>
#include <pdbridge/transport.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INSTRUCTIONS                                                                              \
	"When the user asks for information about their resources, first get the user data and "  \
	"scope any requests using the user id.\n\nREAD operations are safe to use, but be "       \
	"cautious with WRITE operations as they can modify the live environment. Always confirm " \
	"with the user before using any tool marked as destructive."

/* The token of --auth-token-file: one per process, wiped by app_mcp_free(). */
static char file_token[PDB_SECRET_MAX + 2];

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

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

enum pdb_rc app_mcp_flags(const struct app_mcp_opts *o, struct cfg_flag *out, size_t *n,
                          struct pdb_err *err)
{
	static char listen[PDB_CFG_VALUE_MAX + 1];
	const struct cfg_flag rows[] = {
	    {CFG_WRITE_TOOLS, o->write_tools ? "true" : NULL, "--enable-write-tools"},
	    {CFG_TOOLS_ALLOW, o->only_tools, "--tools"},
	    {CFG_TOOLS_DENY, o->exclude_tools, "--exclude-tools"},
	    {CFG_LOG_LEVEL, o->log_level, "--log-level"},
	};
	size_t i;

	for (i = 0; i < PDB_N_OF(rows); i++)
		out[(*n)++] = rows[i];
	/* A repeated --listen is one list value, as in the store. */
	return app_list_flag(&o->listen, CFG_MCP_LISTEN, "--listen", listen, sizeof(listen), out, n,
	                     err);
}

enum pdb_rc app_mcp_settings_from(const struct cfg *c, const struct app_mcp_opts *o,
                                  bool stored_listeners, struct app_mcp_settings *m,
                                  struct pdb_err *err)
{
	const char *secret;
	enum pdb_rc rc;

	memset(m, 0, sizeof(*m));
	if (stored_listeners || o->listen.n)
		m->n_listen = cfg_list(c, CFG_MCP_LISTEN, m->listen, PDB_TR_LISTEN_MAX);
	m->write = cfg_bool(c, CFG_WRITE_TOOLS);
	m->confirm = cfg_bool(c, CFG_WRITE_CONFIRM);
	m->only = nonempty(cfg_str(c, CFG_TOOLS_ALLOW));
	m->exclude = nonempty(cfg_str(c, CFG_TOOLS_DENY));
	if (o->token_file) {
		rc = read_token(o->token_file, file_token, sizeof(file_token), err);
		m->token = file_token;
		return rc;
	}
	rc = cfg_secret(c, CFG_MCP_AUTH_TOKEN, &secret, err);
	m->token = nonempty(secret);
	return rc;
}

static enum pdb_rc exec_on_pool(void *pool, void (*run)(void *job), void *job)
{
	return ev_pool_submit(pool, run, job);
}

static enum pdb_rc mac(void *key, const void *msg, size_t len, unsigned char out[MCP_MAC_LEN])
{
	return cfg_mac_sign(key, msg, len, out);
}

enum pdb_rc app_mcp_start(struct app_mcp *a, struct ev_loop *loop, struct ev_pool *pool,
                          const struct cfg *c, const struct app_mcp_settings *m,
                          struct pdb_err *err)
{
	struct mcp_conf mc = {.name = "PagerDuty MCP Server",
	                      .version = PDB_VERSION,
	                      .title = "pdbridge",
	                      .instructions = INSTRUCTIONS,
	                      .exec = exec_on_pool,
	                      .exec_ud = pool,
	                      .mac = mac,
	                      .mac_ud = &a->key};
	struct tool_conf cc = {.pd = &a->pd,
	                       .write = m->write,
	                       .confirm = m->confirm,
	                       .only = m->only,
	                       .exclude = m->exclude,
	                       .exec = exec_on_pool,
	                       .exec_ud = pool};
	struct tr_conf tc = {.loop = loop, .token = m->token};
	char bound[160];
	size_t i;
	enum pdb_rc rc;

	if (cfg_mac_init(&a->key))
		return pdb_err_set(err, PDB_E_IO, "no random bytes for the request-state key");
	rc = app_pd_conf_from(c, &a->pd, err);
	if (!rc)
		rc = tool_catalog_new(&cc, &a->cat, err);
	if (rc)
		return rc;
	mc.tools = tool_catalog_tools(a->cat, &mc.n_tools);
	mc.resources = tool_catalog_resources(a->cat, &mc.n_resources);
	mc.prompts = tool_catalog_prompts(a->cat, &mc.n_prompts);
	rc = mcp_server_new(&mc, &a->mcp, err);
	if (rc)
		return rc;
	tool_catalog_attach(a->cat, a->mcp);
	tc.mcp = a->mcp;
	rc = tr_new(&tc, &a->tr, err);
	for (i = 0; !rc && i < m->n_listen; i++)
		rc = tr_listen(a->tr, m->listen[i], bound, sizeof(bound), err);
	return rc;
}

void app_mcp_close(struct app_mcp *a)
{
	tr_free(a->tr); /* sessions closed, their calls cancelled */
	a->tr = NULL;
}

void app_mcp_free(struct app_mcp *a)
{
	app_mcp_close(a);
	if (a->cat)
		tool_catalog_attach(a->cat, NULL);
	mcp_server_free(a->mcp);
	tool_catalog_free(a->cat);
	cfg_mac_wipe(&a->key);
	memset(a, 0, sizeof(*a));
	mem_wipe(file_token, sizeof(file_token));
}
