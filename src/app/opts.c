/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * opts.c - command-line options from a table.
 *
 * Each subcommand declares its options as rows (name, kind, target, help);
 * parsing and the usage text both come from that table, so they cannot
 * disagree. "--name value" and "--name=value" are both accepted; words that
 * are not options ("-" included) are positional arguments where a command
 * takes them, and "--" ends the options.
 */
#include <pdbridge/app.h>

#include <stdio.h>
#include <string.h>

static const struct app_opt *find_opt(const struct app_opt *opts, size_t n, const char *name,
                                      size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(opts[i].name) == len && !strncmp(opts[i].name, name, len))
			return &opts[i];
	return NULL;
}

static enum pdb_rc store(const struct app_opt *o, const char *value, struct pdb_err *err)
{
	struct app_list *l;

	switch (o->kind) {
	case APP_OPT_FLAG:
		*(bool *)o->target = true;
		return PDB_OK;
	case APP_OPT_STRING:
		*(const char **)o->target = value;
		return PDB_OK;
	case APP_OPT_LIST:
		l = o->target;
		if (l->n == PDB_WATCH_IDS_MAX)
			return pdb_err_set(err, PDB_E_TOO_LARGE, "--%s given more than %d times",
			                   o->name, PDB_WATCH_IDS_MAX);
		l->v[l->n++] = value;
		return PDB_OK;
	}
	return PDB_E_INTERNAL;
}

enum pdb_rc app_parse_opts(const struct app_opt *opts, size_t n, int argc, char **argv,
                           struct pdb_err *err)
{
	return app_parse_args(opts, n, argc, argv, NULL, err);
}

/* A word that is not an option: kept in @pos, or refused when there is no @pos. */
static enum pdb_rc positional(struct app_list *pos, const char *arg, struct pdb_err *err)
{
	if (!pos)
		return pdb_err_set(err, PDB_E_INVAL, "unexpected argument '%s'", arg);
	if (pos->n == PDB_WATCH_IDS_MAX)
		return pdb_err_set(err, PDB_E_TOO_LARGE, "too many arguments");
	pos->v[pos->n++] = arg;
	return PDB_OK;
}

enum pdb_rc app_parse_args(const struct app_opt *opts, size_t n, int argc, char **argv,
                           struct app_list *pos, struct pdb_err *err)
{
	const struct app_opt *o;
	const char *arg, *eq, *value;
	bool only_words = false;
	enum pdb_rc rc;
	int i;

	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (!only_words && pos && !strcmp(arg, "--")) {
			only_words = true; /* "--" ends the options: a value may start with "--" */
			continue;
		}
		if (only_words || strncmp(arg, "--", 2)) {
			rc = positional(pos, arg, err);
			if (rc)
				return rc;
			continue;
		}
		arg += 2;
		eq = strchr(arg, '=');
		o = find_opt(opts, n, arg, eq ? (size_t)(eq - arg) : strlen(arg));
		if (!o)
			return pdb_err_set(err, PDB_E_INVAL, "unknown option '%s'", argv[i]);
		value = NULL;
		if (o->kind != APP_OPT_FLAG) {
			if (eq)
				value = eq + 1;
			else if (i + 1 < argc)
				value = argv[++i];
			else
				return pdb_err_set(err, PDB_E_INVAL, "--%s needs a value", o->name);
		} else if (eq) {
			return pdb_err_set(err, PDB_E_INVAL, "--%s takes no value", o->name);
		}
		if (store(o, value, err))
			return err->rc;
	}
	return PDB_OK;
}

int app_usage(FILE *out, const char *cmd, const struct app_opt *opts, size_t n, bool help,
              const struct pdb_err *err)
{
	if (!help) {
		fprintf(stderr, "pdbridge %s: %s\n", cmd, pdb_err_text(err));
		out = stderr;
	}
	fprintf(out, "usage: pdbridge %s [options]\n", cmd);
	app_print_opts(out, opts, n);
	return help ? APP_EXIT_OK : APP_EXIT_USAGE;
}

void app_print_opts(FILE *out, const struct app_opt *opts, size_t n)
{
	char left[64];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(left, sizeof(left), "--%s%s%s", opts[i].name, opts[i].metavar ? " " : "",
		         opts[i].metavar ? opts[i].metavar : "");
		fprintf(out, "  %-28s %s\n", left, opts[i].help);
	}
}
