/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tools.h - the PagerDuty tool catalog: every tool of PagerDuty's official
 * MCP server, as rows of a table, plus two resources and two prompts.
 *
 * Each tool is a row (src/tools/tools_<area>.c): name, title, description,
 * a parameter spec table, the REST method and path, how arguments map to
 * query and body, how the answer is unwrapped, paged, capped and shaped.
 * One engine (tools.c, tools_args.c, tools_run.c) turns a row into a JSON
 * Schema, checks arguments against it, builds the request and shapes the
 * result; a row has its own handler only where the logic needs code.
 *
 * The catalog is built once, before the MCP server: tool_catalog_new()
 * selects the rows (read-only always, writes with conf.write, then the
 * --tools / --exclude-tools globs), generates their schemas and hands out
 * struct mcp_tool / mcp_resource / mcp_prompt arrays for struct mcp_conf.
 * mcp never includes this header: app passes the arrays in.
 *
 * Threads: the tool handlers run on the MCP workers, each borrowing one
 * PagerDuty client from the catalog's pool (one client per worker at most,
 * so every call reuses a kept-alive connection). Resource reads and prompts
 * run on the loop thread and never block: they serve a cache that a worker
 * refreshes.
 */
#ifndef PDBRIDGE_TOOLS_H
#define PDBRIDGE_TOOLS_H

#include <pdbridge/err.h>
#include <pdbridge/limits.h>
#include <pdbridge/mcp.h>
#include <pdbridge/pd.h>

#include <stdbool.h>
#include <stddef.h>

struct tool_catalog;

/* What the catalog serves and how it reaches PagerDuty. */
struct tool_conf {
	const struct pd_conf *pd; /* client settings; must outlive the catalog */
	bool write;               /* --enable-write-tools: also the tools that change PagerDuty */
	bool confirm;        /* write_confirm: a write asks the user first, if the client can */
	const char *only;    /* --tools: comma list of names and '*' globs, NULL: every tool */
	const char *exclude; /* --exclude-tools: likewise, applied after only */
	mcp_exec_fn exec;    /* runs resource refreshes on a worker; NULL: no refreshes */
	void *exec_ud;
};

/**
 * tool_catalog_new: the catalog for @conf. Caller frees with
 * tool_catalog_free() after the MCP server and every worker are gone.
 * Returns PDB_OK, PDB_E_INVAL (a --tools/--exclude-tools pattern that names
 * no tool, or an empty selection; @err says which) or PDB_E_NOMEM.
 */
enum pdb_rc tool_catalog_new(const struct tool_conf *conf, struct tool_catalog **out,
                             struct pdb_err *err) PDB_WARN_UNUSED;

/** tool_catalog_free: free the catalog and its PagerDuty clients; NULL is a no-op. */
void tool_catalog_free(struct tool_catalog *cat);

/* The selected tools, resources and prompts, for struct mcp_conf. Borrowed from @cat. */
const struct mcp_tool *tool_catalog_tools(const struct tool_catalog *cat, size_t *n);
const struct mcp_resource *tool_catalog_resources(const struct tool_catalog *cat, size_t *n);
const struct mcp_prompt *tool_catalog_prompts(const struct tool_catalog *cat, size_t *n);

/**
 * tool_catalog_attach: the server whose subscribers hear
 * notifications/resources/updated when a resource's content changes; NULL
 * detaches (before the server is freed).
 */
void tool_catalog_attach(struct tool_catalog *cat, struct mcp_server *srv);

/**
 * tool_catalog_feed: replace the content of resource @uri
 * ("pagerduty://oncall/now" with an "oncalls" member, or
 * "pagerduty://incidents/open" with "incidents") by the JSON object @json
 * (copied), as the status poller does; subscribers hear of a change. Any
 * thread. Returns PDB_OK, PDB_E_NOTFOUND (no such resource), PDB_E_INVAL
 * (not such an object) or PDB_E_NOMEM.
 */
enum pdb_rc tool_catalog_feed(struct tool_catalog *cat, const char *uri,
                              const char *json) PDB_WARN_UNUSED;

/**
 * tool_catalog_poll: refresh the resources some client subscribes to or
 * listens for (at most one refresh each per PDB_TOOL_RES_REFRESH_MIN_MS),
 * so their subscribers hear a change without reading. For a process with
 * no status poller feeding the cache: call it every poll.interval. Any
 * thread; never blocks.
 */
void tool_catalog_poll(struct tool_catalog *cat);

/** tool_catalog_size: how many tools the catalog knows, and of them how many write. */
size_t tool_catalog_size(size_t *n_write);

#endif /* PDBRIDGE_TOOLS_H */
