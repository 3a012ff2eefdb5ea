/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * app.h - the top layer: subcommands, each built from the lower modules.
 *
 * Every subcommand has the signature of main() minus the subcommand name and
 * returns a process exit status (APP_EXIT_*).
 */
#ifndef PDBRIDGE_APP_H
#define PDBRIDGE_APP_H

#include <pdbridge/cfg.h>
#include <pdbridge/err.h>
#include <pdbridge/limits.h>
#include <pdbridge/mcp.h>
#include <pdbridge/pd.h>

#include <stdbool.h>
#include <stdio.h>

enum {
	APP_EXIT_OK = 0,
	APP_EXIT_FAIL = 1,  /* the command ran and failed */
	APP_EXIT_USAGE = 2, /* bad command line */
};

/* --- options from a table (opts.c) --------------------------------------- */

enum app_opt_kind {
	APP_OPT_FLAG,   /* target: bool *, set to true */
	APP_OPT_STRING, /* target: const char **, borrowed from argv */
	APP_OPT_LIST,   /* target: struct app_list *, repeatable */
};

/* A repeatable option's values, borrowed from argv. */
struct app_list {
	const char *v[PDB_WATCH_IDS_MAX];
	size_t n;
};

struct app_opt {
	const char *name; /* without the leading "--" */
	enum app_opt_kind kind;
	void *target;
	const char *metavar; /* the value's name in help ("URL"); NULL for flags */
	const char *help;
};

/**
 * app_parse_opts: parse argv[1..argc-1] against @opts, storing into each
 * row's target. Returns PDB_OK or PDB_E_INVAL / PDB_E_TOO_LARGE with the
 * offending argument in @err.
 */
enum pdb_rc app_parse_opts(const struct app_opt *opts, size_t n, int argc, char **argv,
                           struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * app_parse_args: as app_parse_opts(), and words that are not options go
 * into @pos in order ("-" is a word; "--" ends the options).
 */
enum pdb_rc app_parse_args(const struct app_opt *opts, size_t n, int argc, char **argv,
                           struct app_list *pos, struct pdb_err *err) PDB_WARN_UNUSED;

/** app_print_opts: one help line per option. */
void app_print_opts(FILE *out, const struct app_opt *opts, size_t n);

/* The event loop, the HTTPS client and the worker pool of a serving command (engine.c). */
struct app_engine {
	struct ev_loop *loop;
	struct ev_pool *pool;
	bool pd_inited;
};

/**
 * app_engine_start: the loop (SIGINT and SIGTERM stop it, SIGHUP calls
 * @on_hup with @ud; NULL: ignored), the HTTPS client, the workers. On error
 * the two calls below still release what was made. Returns PDB_OK, PDB_E_IO
 * or PDB_E_TLS.
 */
enum pdb_rc app_engine_start(struct app_engine *e, void (*on_hup)(struct ev_loop *, void *),
                             void *ud, struct pdb_err *err) PDB_WARN_UNUSED;

/** app_engine_join: let the workers finish their calls and join them. */
void app_engine_join(struct app_engine *e);

/** app_engine_free: after app_engine_join() and after freeing what used the pool. */
void app_engine_free(struct app_engine *e);

/**
 * app_usage: the answer to --help (@help) or to bad options (@err): the
 * error line "pdbridge @cmd: ..." unless @help, then the usage line and the
 * options, on @out for help and on stderr for an error. Returns the exit
 * status: APP_EXIT_OK for help, APP_EXIT_USAGE otherwise.
 */
int app_usage(FILE *out, const char *cmd, const struct app_opt *opts, size_t n, bool help,
              const struct pdb_err *err);

/* --- settings: flag > environment > flash > default (pdconf.c) ---------------- */

/* The PagerDuty options every subcommand that talks to PagerDuty takes. */
struct app_pd_flags {
	const char *config; /* the config store; not a setting itself */
	const char *region;
	const char *api_host;
	const char *ca_file;
	const char *connect_to;
	const char *from_email;
};

/* The option rows for @f, to be placed in a subcommand's table. */
/* clang-format off */
#define APP_PD_OPTS(f) \
	{"config", APP_OPT_STRING, &(f)->config, "PATH", \
	 "config store (default: $PDBRIDGE_CONFIG, else the board's)"}, \
	{"region", APP_OPT_STRING, &(f)->region, "us|eu", "PagerDuty region (default us)"}, \
	{"api-host", APP_OPT_STRING, &(f)->api_host, "URL", "API base URL, overrides --region"}, \
	{"ca-file", APP_OPT_STRING, &(f)->ca_file, "PEM", "CA bundle that verifies PagerDuty"}, \
	{"connect-to", APP_OPT_STRING, &(f)->connect_to, "H:P:ADDR:P", \
	 "connect to ADDR:P when asked for H:P (as curl --connect-to)"}, \
	{"from", APP_OPT_STRING, &(f)->from_email, "EMAIL", "From address for writes"}
/* clang-format on */

/*
 * Everything one command's settings come from: the store, its document (the
 * flash layer), this device's sealing key and the snapshot built over them.
 * Caller-owned; app_settings_free() releases it.
 */
struct app_settings {
	struct cfg_store *store;
	struct cfg_doc doc;   /* the flash layer, as stored */
	struct cfg_seal seal; /* seal.ok is false on a device without an identity */
	struct cfg *cfg;      /* NULL until app_settings_build() */
};

/** app_store_spec: @flag, else $PDBRIDGE_CONFIG, else the board's config.path. */
const char *app_store_spec(const char *flag);

/**
 * app_settings_open: open the store named by @config_flag (app_store_spec),
 * load its newest valid record and derive the device key (from
 * $PDBRIDGE_DEVICE_ID_FILE when set). @editing: a store with no valid slot
 * is reported as a warning and edited from empty, instead of failing. When
 * not editing, the board's store (neither --config nor $PDBRIDGE_CONFIG
 * named it) that the caller may not read is skipped with one warning, as if
 * nothing were stored. Returns PDB_OK or the error of cfg_store_load() /
 * cfg_seal_init().
 */
enum pdb_rc app_settings_open(struct app_settings *s, const char *config_flag, bool editing,
                              struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * app_settings_build: a new snapshot over @s's flash layer, the environment
 * and @flags; every secret in it is registered with the log for redaction.
 * Only a snapshot that built and validated replaces s->cfg (a reload with a
 * bad value keeps the old one). Returns PDB_OK or the error of cfg_build().
 */
enum pdb_rc app_settings_build(struct app_settings *s, const struct cfg_flag *flags, size_t n,
                               struct pdb_err *err) PDB_WARN_UNUSED;

/** app_settings_free: release everything (secrets wiped); safe on a zeroed struct. */
void app_settings_free(struct app_settings *s);

/**
 * app_pd_flags_to_cfg: the flags of @f as layers, appended at @out[*@n]
 * (*@n grows). A command's flag array needs one row per key at most:
 * struct cfg_flag flags[CFG_KEYS].
 */
void app_pd_flags_to_cfg(const struct app_pd_flags *f, struct cfg_flag *out, size_t *n);

/**
 * app_list_flag: a repeatable option's values as one list-valued flag layer
 * for @k (joined with commas into @buf), appended at @out[*@n] when any
 * were given. Returns PDB_OK or PDB_E_TOO_LARGE (they do not fit @len).
 */
enum pdb_rc app_list_flag(const struct app_list *l, enum cfg_key k, const char *name, char *buf,
                          size_t len, struct cfg_flag *out, size_t *n,
                          struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * app_node_id: this board's name in MQTT topics and the User-Agent:
 * mqtt.node_id of @c, else the host name as a topic level ("pdbridge"
 * when there is none). Borrowed from @c or process-wide.
 */
const char *app_node_id(const struct cfg *c);

/** app_apply_log_level: make log.level of snapshot @c the log's level. */
void app_apply_log_level(const struct cfg *c);

/**
 * app_pd_conf_from: the client settings of snapshot @c. Strings are borrowed
 * from @c or process-wide. Returns PDB_OK or PDB_E_AUTH ("token sealed for
 * another device (config store PATH): set the key again ...").
 */
enum pdb_rc app_pd_conf_from(const struct cfg *c, struct pd_conf *conf,
                             struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * app_settings_once: app_settings_open() + app_settings_build() over the
 * PagerDuty flags of @f and @n_extra more flag layers; *@out is the
 * snapshot, kept until the process exits (a server's clients borrow its
 * strings). For commands that build their settings once. Returns as those
 * functions.
 */
enum pdb_rc app_settings_once(const struct app_pd_flags *f, const struct cfg_flag *extra,
                              size_t n_extra, const struct cfg **out,
                              struct pdb_err *err) PDB_WARN_UNUSED;

/** app_cmd_config: `pdbridge config ACTION ...`. */
int app_cmd_config(int argc, char **argv);

/* --- the MCP side of a process (mcp_stack.c) ------------------------------------ */

struct ev_loop;
struct ev_pool;
struct tool_catalog;
struct tr_server;

/* The MCP options of `mcp`, `serve` and `run`; strings borrowed from argv. */
struct app_mcp_opts {
	struct app_list listen;
	const char *token_file;
	const char *only_tools;
	const char *exclude_tools;
	const char *log_level;
	bool write_tools;
};

/* clang-format off */
#define APP_MCP_OPTS(m) \
	{"listen", APP_OPT_LIST, &(m)->listen, "URL", \
	 "serve MCP on tcp://HOST:PORT or http://HOST:PORT/PATH (repeatable)"}, \
	{"enable-write-tools", APP_OPT_FLAG, &(m)->write_tools, NULL, \
	 "also serve the tools that change PagerDuty"}, \
	{"tools", APP_OPT_STRING, &(m)->only_tools, "NAMES", \
	 "serve only these tools (comma list, * globs)"}, \
	{"exclude-tools", APP_OPT_STRING, &(m)->exclude_tools, "NAMES", \
	 "do not serve these tools (comma list, * globs)"}, \
	{"auth-token-file", APP_OPT_STRING, &(m)->token_file, "PATH", \
	 "bearer token for network clients (required off loopback)"}, \
	{"log-level", APP_OPT_STRING, &(m)->log_level, "LEVEL", "error|warn|info|debug (stderr)"}
/* clang-format on */

/* The MCP settings of one snapshot, borrowed from it (the token from a static). */
struct app_mcp_settings {
	const char *listen[PDB_TR_LISTEN_MAX];
	size_t n_listen;
	const char *token; /* bearer token; NULL: none */
	bool write;
	bool confirm;               /* write_confirm */
	const char *only, *exclude; /* comma lists; NULL: none */
};

/* A running MCP side: the catalog, the server and the transport. Zero it first. */
struct app_mcp {
	struct pd_conf pd; /* the catalog's clients are made from it; strings borrowed */
	struct tool_catalog *cat;
	struct mcp_server *mcp;
	struct tr_server *tr;
	struct cfg_mac key; /* authenticates the request states handed to MCP clients */
};

/**
 * app_mcp_flags: the flags of @o as layers, appended at @out[*@n]. Returns
 * PDB_OK or PDB_E_TOO_LARGE (--listen values do not fit one list).
 */
enum pdb_rc app_mcp_flags(const struct app_mcp_opts *o, struct cfg_flag *out, size_t *n,
                          struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * app_mcp_settings_from: the MCP settings of snapshot @c. Listeners come from
 * mcp.listen only when @stored_listeners or --listen was given (`pdbridge
 * mcp` is spawned by MCP clients over stdio: a stored listener is the
 * daemon's). The token of --auth-token-file wins over mcp.auth_token.
 * Returns PDB_OK, a token file error or PDB_E_AUTH (sealed elsewhere).
 */
enum pdb_rc app_mcp_settings_from(const struct cfg *c, const struct app_mcp_opts *o,
                                  bool stored_listeners, struct app_mcp_settings *m,
                                  struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * app_mcp_start: the tool catalog (PagerDuty settings of @c, which must
 * outlive @a), the MCP server and the transport on @loop, calls run on
 * @pool, listening on m->listen. Returns PDB_OK or the first error; on error
 * app_mcp_free() releases what was made.
 */
enum pdb_rc app_mcp_start(struct app_mcp *a, struct ev_loop *loop, struct ev_pool *pool,
                          const struct cfg *c, const struct app_mcp_settings *m,
                          struct pdb_err *err) PDB_WARN_UNUSED;

/** app_mcp_close: close the listeners and sessions (their calls cancelled). Before ev_pool_free().
 */
void app_mcp_close(struct app_mcp *a);

/** app_mcp_free: app_mcp_close(), then free the rest; after ev_pool_free(). */
void app_mcp_free(struct app_mcp *a);

/* --- the retained <base>/stats topic of the daemon (stats_topic.c) ------------ */

/* Hand @len bytes of @payload to MQTT; PDB_OK when it was taken. */
typedef enum pdb_rc (*app_publish_fn)(void *ud, const char *topic, const char *payload, size_t len,
                                      int qos, bool retain);

/* The stats publisher's state; zero it first. Loop thread only. */
struct app_stats {
	struct ev_loop *loop;   /* borrowed */
	const char *base;       /* "<mqtt.base_topic>/<node>", borrowed: read at every look */
	app_publish_fn publish; /* required */
	void *ud;
	unsigned timer;
	char *last; /* the payload last handed over (mem-owned), NULL: none */
};

/**
 * app_stats_start: publish pd_usage_json() retained to <@base>/stats a few
 * seconds from now, then every PDB_USAGE_STATS_INTERVAL_MS when it changed.
 */
void app_stats_start(struct app_stats *st, struct ev_loop *l, const char *base,
                     app_publish_fn publish, void *ud);

/** app_stats_forget: after a (re)connect: the next look publishes, changed or not. */
void app_stats_forget(struct app_stats *st);

/** app_stats_stop: no more looks; frees what it holds. Safe on a zeroed struct. */
void app_stats_stop(struct app_stats *st);

/* --- the MCP server (cmd_mcp.c) ---------------------------------------------- */

/** app_cmd_mcp: `pdbridge mcp` (stdio unless told otherwise). */
int app_cmd_mcp(int argc, char **argv);

/** app_cmd_serve: `pdbridge serve --listen URL...`. */
int app_cmd_serve(int argc, char **argv);

/** app_cmd_run: `pdbridge run`, the daemon (cmd_run.c). */
int app_cmd_run(int argc, char **argv);

/** app_cmd_status: `pdbridge status`. */
int app_cmd_status(int argc, char **argv);

/** app_cmd_usage: `pdbridge usage` (cmd_usage.c). */
int app_cmd_usage(int argc, char **argv);

/** app_print_versions: pdbridge's version, git revision, board and every linked library. */
void app_print_versions(FILE *out);

/** app_cmd_version: `pdbridge version` (also `--version`). */
int app_cmd_version(int argc, char **argv);

/* --- the lamps, buzzer and button of `run` (run_lamps.c) --------------------- */

struct lamp;
struct status;
struct status_view;

/* The lamps of the daemon. Zero it first; set st once the poller exists. */
struct app_lamps {
	struct lamp *lamp; /* NULL: none configured */
	struct status *st; /* borrowed: where the button's acks and refreshes go */
};

/** app_lamps_wanted: does snapshot @c configure a lamp, the buzzer or the button? */
bool app_lamps_wanted(const struct cfg *c);

/**
 * app_lamps_apply: the lamps of snapshot @c on @loop, made the first time
 * and reconfigured after. Returns PDB_OK or a settings error (then the
 * running lamps stay as they were).
 */
enum pdb_rc app_lamps_apply(struct app_lamps *a, struct ev_loop *loop, const struct cfg *c,
                            struct pdb_err *err) PDB_WARN_UNUSED;

/** app_lamps_view: show the poller's view (its on_view). */
void app_lamps_view(struct app_lamps *a, const struct status_view *v);

/** app_lamps_mute: MQTT cmd/mute (the poller's on_mute). */
enum pdb_rc app_lamps_mute(struct app_lamps *a, int minutes, struct pdb_err *err);

/** app_lamps_free: every lamp to its rest state, the button closed, all freed. */
void app_lamps_free(struct app_lamps *a);

#endif /* PDBRIDGE_APP_H */
