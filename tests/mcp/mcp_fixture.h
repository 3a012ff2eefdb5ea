/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mcp_fixture.h - what the two files of the conformance fixture share: the
 * 2026-07-28 tools and prompt (mcp_fixture_stateless.c) that mcp_fixture.c
 * serves after its own.
 */
#ifndef PDB_MCP_FIXTURE_H
#define PDB_MCP_FIXTURE_H

#include <pdbridge/mcp.h>

#include <stddef.h>

extern const struct mcp_tool fixture_stateless_tools[];
extern const size_t fixture_stateless_n_tools;
extern const struct mcp_prompt fixture_stateless_prompts[];
extern const size_t fixture_stateless_n_prompts;

#endif /* PDB_MCP_FIXTURE_H */
