/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tools_res.c - MCP resources and prompts beyond the official server.
 */
#include "tools_int.h"

enum pdb_rc tool__cache_new(struct tool_catalog *cat)
{
	cat->n_resources = 0;
	cat->n_prompts = 0;
	return PDB_OK;
}

void tool__cache_free(struct tool_catalog *cat)
{
	(void)cat;
}
