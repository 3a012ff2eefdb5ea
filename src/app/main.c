/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main.c - the pdbridge entry point: finds the subcommand in one table and
 * runs it. Global options (--help, --version) are table rows too, so the
 * help text and the dispatch cannot disagree.
 */
#include <pdbridge/app.h>
#include <pdbridge/jsonx.h>

#include <stdio.h>
#include <string.h>

struct app_cmd {
	const char *name;
	const char *alias;   /* an option spelling, or NULL */
	const char *summary; /* one line for --help */
	int (*run)(int argc, char **argv);
};

static int cmd_help(int argc, char **argv);

static const struct app_cmd commands[] = {
    {"help", "--help", "list the subcommands", cmd_help},
    {"config", NULL, "show and change the stored settings (show, get, set, import, ...)",
     app_cmd_config},
    {"mcp", NULL, "serve MCP on stdio (an MCP client's command)", app_cmd_mcp},
    {"run", NULL, "the daemon: status to MQTT and MCP listeners, from the settings", app_cmd_run},
    {"serve", NULL, "serve MCP on TCP and Streamable HTTP (--listen URL)", app_cmd_serve},
    {"status", NULL, "print who is on call now and the open incidents", app_cmd_status},
    {"usage", NULL, "who used this API key: PagerDuty's audit trail and rate limit", app_cmd_usage},
    {"version", "--version", "print the versions of pdbridge and its libraries", app_cmd_version},
};

#define N_COMMANDS (PDB_N_OF(commands))

static void usage(FILE *out)
{
	size_t i;

	fputs("usage: pdbridge <command> [options]\n\ncommands:\n", out);
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nOptions --help and --version do what help and version do.\n", out);
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return APP_EXIT_OK;
}

static const struct app_cmd *find(const char *word)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (!strcmp(word, commands[i].name) ||
		    (commands[i].alias && !strcmp(word, commands[i].alias)))
			return &commands[i];
	if (!strcmp(word, "-h"))
		return &commands[0];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct app_cmd *cmd;

	if (argc < 2) {
		usage(stderr);
		return APP_EXIT_USAGE;
	}
	jsonx_init();
	cmd = find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "pdbridge: unknown command '%s'\n\n", argv[1]);
		usage(stderr);
		return APP_EXIT_USAGE;
	}
	return cmd->run(argc - 1, argv + 1);
}
