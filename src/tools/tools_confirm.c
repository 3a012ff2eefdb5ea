/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tools_confirm.c - write_confirm: before a write tool changes PagerDuty,
 * the user says yes through the MCP client, when that client can ask.
 *
 * The question names the tool and the exact arguments. mcp_call_elicit()
 * asks the way the call's protocol era has: a 2026-07-28 call answers
 * input_required, and the client's retry brings the answer with the request
 * state issued for this very question, tool and arguments (so a yes cannot
 * be moved to another call, changed on the way, or replayed: the MCP core
 * checks the state's MAC, expiry and single use); a legacy session that
 * declared elicitation gets elicitation/create and the call waits for it.
 * A client that cannot ask is not asked: the write then goes as with
 * write_confirm off, which is what --enable-write-tools already allowed.
 */
#include "tools_int.h"

#include <pdbridge/log.h>

#include <stdio.h>
#include <string.h>

#define KEY "confirm"

/* The elicitation/create params: the question, and a yes/no form. */
static cJSON *question(const struct tool_ctx *x)
{
	cJSON *p = cJSON_CreateObject(), *schema, *props, *f, *req;
	char text[PDB_TOOL_CONFIRM_TEXT_MAX];
	struct buf args;

	buf_init(&args, sizeof(text) / 2);
	if (jsonx_print(x->args, &args))
		buf_reset(&args); /* too long to show: the tool name says what happens */
	snprintf(text, sizeof(text),
	         "pdbridge is about to change PagerDuty: %s (%s) with %s. Go ahead?",
	         x->def->title ? x->def->title : x->def->name, x->def->name,
	         buf_len(&args) ? buf_cstr(&args) : "the arguments given");
	buf_free(&args);
	schema = p ? cJSON_AddObjectToObject(p, "requestedSchema") : NULL;
	props = schema ? cJSON_AddObjectToObject(schema, "properties") : NULL;
	f = props ? cJSON_AddObjectToObject(props, KEY) : NULL;
	req = schema ? cJSON_AddArrayToObject(schema, "required") : NULL;
	if (!f || !req || !cJSON_AddStringToObject(p, "message", text) ||
	    !cJSON_AddStringToObject(schema, "type", "object") ||
	    !cJSON_AddStringToObject(f, "type", "boolean") ||
	    !cJSON_AddStringToObject(f, "title", "Apply this change in PagerDuty") ||
	    !cJSON_AddItemToArray(req, cJSON_CreateString(KEY))) {
		cJSON_Delete(p);
		return NULL;
	}
	return p;
}

enum pdb_rc tool__confirm(struct tool_ctx *x, bool *go)
{
	const cJSON *answer = NULL, *content;
	const char *action;
	bool yes = false;
	enum pdb_rc rc;

	*go = false;
	if (!mcp_call_client_can(x->call, MCP_CLIENT_ELICITATION)) {
		*go = true; /* nobody to ask */
		return PDB_OK;
	}
	rc = mcp_call_elicit(x->call, KEY, question(x), &answer, x->err);
	if (rc || !answer)
		return rc; /* failed, or the question went out with input_required */
	if (!jsonx_get_str(answer, "action", &action) && !strcmp(action, "accept") &&
	    !jsonx_get_obj(answer, "content", &content) && !jsonx_get_bool(content, KEY, &yes) &&
	    yes) {
		*go = true;
		return PDB_OK;
	}
	LOG_INFO("tools", "%s: the user did not confirm; nothing was changed", x->def->name);
	return pdb_err_set(x->err, PDB_E_DENIED,
	                   "Not done: the user did not confirm %s, so PagerDuty was not changed",
	                   x->def->name);
}
