/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * app.h - the top layer: subcommands, each built from the lower modules.
 *
 * Every subcommand has the signature of main() minus the subcommand name and
 * returns a process exit status (APP_EXIT_*).
 */
#ifndef PDBRIDGE_APP_H
#define PDBRIDGE_APP_H

#include <stdio.h>

enum {
	APP_EXIT_OK = 0,
	APP_EXIT_FAIL = 1,  /* the command ran and failed */
	APP_EXIT_USAGE = 2, /* bad command line */
};

/* app_print_versions: pdbridge's version, git revision, board and every linked library. */
void app_print_versions(FILE *out);

/* app_cmd_version: `pdbridge version` (also `--version`). */
int app_cmd_version(int argc, char **argv);

#endif /* PDBRIDGE_APP_H */
