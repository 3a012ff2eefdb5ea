/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tools_schema.c - a row's parameter specs as JSON Schema 2020-12.
 *
 * The schema is what the model reads, so it is as small as the facts
 * allow: nested models are written in place (no $defs, no $ref: several
 * clients cannot resolve them), and only what the engine also enforces is
 * stated. A nullable parameter is spelled as the official server spells it,
 * anyOf a branch of its one type (with every constraint) and {"type":
 * "null"}, never a type array: clients that map schemas onto a
 * single-"type" dialect (Gemini's OpenAPI subset) reject or flatten arrays.
 * The properties and the required set are the official server's, name for
 * name.
 */
#include "tools_int.h"

#include <pdbridge/mem.h>

#include <string.h>

static const char *const type_names[] = {"string",  "integer", "number",
                                         "boolean", "array",   "object"};

static cJSON *param_schema(const struct tool_param *p);

static bool add_enum(cJSON *s, const struct tool_param *p)
{
	cJSON *e;
	size_t i;

	if (!p->enums)
		return true;
	e = cJSON_AddArrayToObject(s, "enum");
	for (i = 0; e && p->enums[i]; i++)
		if (!cJSON_AddItemToArray(e, cJSON_CreateString(p->enums[i])))
			return false;
	return e != NULL;
}

static bool add_bounds(cJSON *s, const struct tool_param *p)
{
	if (p->type == TT_INT && (p->min || p->max) &&
	    (!cJSON_AddNumberToObject(s, "minimum", (double)p->min) ||
	     !cJSON_AddNumberToObject(s, "maximum", (double)p->max)))
		return false;
	if (p->type == TT_ARR && p->min_items &&
	    !cJSON_AddNumberToObject(s, "minItems", p->min_items))
		return false;
	return p->type != TT_ARR || !p->max_items ||
	       cJSON_AddNumberToObject(s, "maxItems", p->max_items);
}

/* "properties", "required" (when any) and, for closed objects, additionalProperties:false. */
static bool add_props(cJSON *s, const struct tool_param *props, size_t n, bool closed)
{
	cJSON *pr = cJSON_AddObjectToObject(s, "properties"), *req = NULL, *ps;
	size_t i;

	for (i = 0; pr && i < n; i++) {
		if (props[i].flags & TP_HIDE)
			continue; /* a model never needs to send a constant */
		ps = param_schema(&props[i]);
		if (!ps || !cJSON_AddItemToObject(pr, props[i].name, ps)) { /* takes ps */
			cJSON_Delete(ps);
			return false;
		}
		if (!(props[i].flags & TP_REQ))
			continue;
		if (!req && !(req = cJSON_CreateArray()))
			return false;
		if (!cJSON_AddItemToArray(req, cJSON_CreateString(props[i].name)))
			goto fail;
	}
	if (!pr || (req && !cJSON_AddItemToObject(s, "required", req))) /* takes req */
		goto fail;
	return !closed || cJSON_AddFalseToObject(s, "additionalProperties");
fail:
	cJSON_Delete(req);
	return false;
}

/* What @p's one type allows: type, format, enum, bounds, items, properties. */
static bool add_constraints(cJSON *s, const struct tool_param *p)
{
	cJSON *it;

	if (!cJSON_AddStringToObject(s, "type", type_names[p->type]) ||
	    ((p->flags & TP_TIME) && !cJSON_AddStringToObject(s, "format", "date-time")) ||
	    !add_enum(s, p) || !add_bounds(s, p))
		return false;
	if (p->type == TT_ARR && p->items) {
		it = param_schema(p->items);
		if (!it || !cJSON_AddItemToObject(s, "items", it)) { /* takes it */
			cJSON_Delete(it);
			return false;
		}
	}
	return p->type != TT_OBJ || !p->n_props ||
	       add_props(s, p->props, p->n_props, p->flags & TP_CLOSED);
}

/* {"anyOf": [{<@p's type and constraints>}, {"type": "null"}]} into @s. */
static bool add_nullable(cJSON *s, const struct tool_param *p)
{
	cJSON *any = cJSON_AddArrayToObject(s, "anyOf"), *branch = cJSON_CreateObject();
	cJSON *null = cJSON_CreateObject();

	if (!any || !branch || !cJSON_AddItemToArray(any, branch)) { /* takes branch */
		cJSON_Delete(branch);
		cJSON_Delete(null);
		return false;
	}
	if (!null || !cJSON_AddItemToArray(any, null)) { /* takes null */
		cJSON_Delete(null);
		return false;
	}
	return cJSON_AddStringToObject(null, "type", "null") && add_constraints(branch, p);
}

static cJSON *param_schema(const struct tool_param *p)
{
	cJSON *s = cJSON_CreateObject(), *d = NULL;

	if (!s || !((p->flags & TP_NULL) ? add_nullable(s, p) : add_constraints(s, p)) ||
	    (p->desc && !cJSON_AddStringToObject(s, "description", p->desc)))
		goto fail;
	if (p->def) {
		if (jsonx_parse(p->def, strlen(p->def), &d, NULL) ||
		    !cJSON_AddItemToObject(s, "default", d)) { /* takes d */
			jsonx_free(d);
			goto fail;
		}
	}
	return s;
fail:
	cJSON_Delete(s);
	return NULL;
}

char *tool__input_schema(const struct tool_def *def)
{
	cJSON *s = cJSON_CreateObject();
	struct buf b;
	char *text = NULL;

	buf_init(&b, PDB_MCP_MSG_MAX);
	if (s && cJSON_AddStringToObject(s, "type", "object") &&
	    add_props(s, def->params, def->n_params, true) && !jsonx_print(s, &b))
		text = buf_take(&b, NULL);
	buf_free(&b);
	cJSON_Delete(s);
	return text;
}

const char *tool__output_schema(const struct tool_def *def)
{
	if ((def->flags & TD_TEXT) || def->result == TR_DONE)
		return "{\"type\":\"object\",\"properties\":{\"result\":{\"type\":\"string\"}},"
		       "\"required\":[\"result\"]}";
	if (def->result == TR_LIST)
		return "{\"type\":\"object\",\"properties\":{\"response\":{\"type\":\"array\"},"
		       "\"response_summary\":{\"type\":\"string\"}},"
		       "\"required\":[\"response\",\"response_summary\"]}";
	if (def->result == TR_WRAP) /* a schedule or a responder request; the overrides made */
		return "{\"type\":\"object\",\"properties\":{\"result\":{\"anyOf\":[{\"type\":"
		       "\"object\"},{\"type\":\"array\"}]}},\"required\":[\"result\"]}";
	return "{\"type\":\"object\"}";
}
