/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * app.h - the top layer: subcommands, each built from the lower modules.
 *
 * Every subcommand has the signature of main() minus the subcommand name and
 * returns a process exit status (APP_EXIT_*).
 */
#ifndef PDBRIDGE_APP_H
#define PDBRIDGE_APP_H

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

/* app_print_opts: one help line per option. */
void app_print_opts(FILE *out, const struct app_opt *opts, size_t n);

/* --- PagerDuty settings: flag > environment > default (pdconf.c) ------------ */

/* The PagerDuty options every subcommand that talks to PagerDuty takes. */
struct app_pd_flags {
	const char *region;
	const char *api_host;
	const char *ca_file;
	const char *connect_to;
	const char *from_email;
};

/* The option rows for @f, to be placed in a subcommand's table. */
/* clang-format off */
#define APP_PD_OPTS(f) \
	{"region", APP_OPT_STRING, &(f)->region, "us|eu", "PagerDuty region (default us)"}, \
	{"api-host", APP_OPT_STRING, &(f)->api_host, "URL", "API base URL, overrides --region"}, \
	{"ca-file", APP_OPT_STRING, &(f)->ca_file, "PEM", "CA bundle that verifies PagerDuty"}, \
	{"connect-to", APP_OPT_STRING, &(f)->connect_to, "H:P:ADDR:P", \
	 "connect to ADDR:P when asked for H:P (as curl --connect-to)"}, \
	{"from", APP_OPT_STRING, &(f)->from_email, "EMAIL", "From address for writes"}
/* clang-format on */

/**
 * app_pd_conf: the client settings from @f, then the environment
 * (PAGERDUTY_USER_API_KEY, PAGERDUTY_API_HOST, PDBRIDGE_REGION,
 * PDBRIDGE_CA_FILE, PDBRIDGE_FROM_EMAIL), then defaults. Strings are
 * borrowed from argv and the environment. Returns PDB_OK or PDB_E_INVAL.
 */
enum pdb_rc app_pd_conf(const struct app_pd_flags *f, struct pd_conf *conf,
                        struct pdb_err *err) PDB_WARN_UNUSED;

/* --- the MCP server (cmd_mcp.c) ---------------------------------------------- */

/* app_cmd_mcp: `pdbridge mcp` (stdio unless told otherwise). */
int app_cmd_mcp(int argc, char **argv);

/* app_cmd_serve: `pdbridge serve --listen URL...`. */
int app_cmd_serve(int argc, char **argv);

/* app_cmd_status: `pdbridge status`. */
int app_cmd_status(int argc, char **argv);

/* app_print_versions: pdbridge's version, git revision, board and every linked library. */
void app_print_versions(FILE *out);

/* app_cmd_version: `pdbridge version` (also `--version`). */
int app_cmd_version(int argc, char **argv);

#endif /* PDBRIDGE_APP_H */
