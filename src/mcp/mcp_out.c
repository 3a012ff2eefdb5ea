/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mcp_out.c - building tool content, prompt messages, resource contents and
 * completion values (see mcp.h).
 *
 * One builder for the four outputs, because they share the block shapes
 * (a prompt message is a content block with a role; a resource read is the
 * inner part of an embedded resource). Each output keeps a running estimate
 * of its printed size and refuses to grow past PDB_MCP_MSG_MAX, so a tool
 * that produces too much gets PDB_E_TOO_LARGE while it builds, not an
 * unsendable message at the end.
 */
#include "mcp_int.h"

#include <pdbridge/jsonx.h>

#include <cjson/cJSON.h>

#include <string.h>

/* Bytes of JSON punctuation and keys around one block, generously. */
#define OUT_BLOCK_OVERHEAD 96u

void mcp__out_init(struct mcp_out *o, enum mcp_out_kind kind)
{
	memset(o, 0, sizeof(*o));
	o->kind = kind;
}

struct cJSON *mcp__out_take(struct mcp_out *o)
{
	cJSON *a = o->arr;

	o->arr = NULL;
	o->n = 0;
	o->bytes = 0;
	return a ? a : cJSON_CreateArray();
}

void mcp__out_free(struct mcp_out *o)
{
	cJSON_Delete(o->arr);
	o->arr = NULL;
}

static size_t slen(const char *s)
{
	return s ? strlen(s) : 0;
}

/* Reserve room for about @n more bytes. */
static enum pdb_rc reserve(struct mcp_out *o, size_t n)
{
	n += OUT_BLOCK_OVERHEAD;
	if (n > PDB_MCP_MSG_MAX - o->bytes || o->bytes > PDB_MCP_MSG_MAX)
		return PDB_E_TOO_LARGE;
	if (!o->arr) {
		o->arr = cJSON_CreateArray();
		if (!o->arr)
			return PDB_E_NOMEM;
	}
	o->bytes += n;
	return PDB_OK;
}

/* Append @item (ownership taken), wrapped in a message for prompts. */
static enum pdb_rc append(struct mcp_out *o, cJSON *item)
{
	cJSON *msg;

	if (!item)
		return PDB_E_NOMEM;
	if (o->kind == MCP_OUT_MESSAGES) {
		msg = cJSON_CreateObject();
		if (!msg ||
		    !cJSON_AddStringToObject(msg, "role",
		                             o->role == MCP_ROLE_USER ? "user" : "assistant") ||
		    !cJSON_AddItemToObject(msg, "content", item)) { /* takes item */
			cJSON_Delete(msg);
			cJSON_Delete(item);
			return PDB_E_NOMEM;
		}
		item = msg;
	}
	if (!cJSON_AddItemToArray(o->arr, item)) { /* takes item */
		cJSON_Delete(item);
		return PDB_E_NOMEM;
	}
	o->n++;
	return PDB_OK;
}

/* {type: @type, @k1: @v1, @k2: @v2 (when @k2)} */
static cJSON *block(const char *type, const char *k1, const char *v1, const char *k2,
                    const char *v2)
{
	cJSON *b = cJSON_CreateObject();

	if (!b || !cJSON_AddStringToObject(b, "type", type) ||
	    !cJSON_AddStringToObject(b, k1, v1) || (k2 && !cJSON_AddStringToObject(b, k2, v2))) {
		cJSON_Delete(b);
		return NULL;
	}
	return b;
}

static enum pdb_rc add_block(struct mcp_out *o, const char *type, const char *k1, const char *v1,
                             const char *k2, const char *v2)
{
	enum pdb_rc rc;

	if (o->kind != MCP_OUT_CONTENT && o->kind != MCP_OUT_MESSAGES)
		return PDB_E_INVAL;
	rc = reserve(o, slen(v1) + slen(v2));
	if (rc)
		return rc;
	return append(o, block(type, k1, v1, k2, v2));
}

enum pdb_rc mcp_out_text(struct mcp_out *o, const char *text)
{
	return add_block(o, "text", "text", text, NULL, NULL);
}

enum pdb_rc mcp_out_image(struct mcp_out *o, const char *base64, const char *mime)
{
	return add_block(o, "image", "data", base64, "mimeType", mime);
}

enum pdb_rc mcp_out_audio(struct mcp_out *o, const char *base64, const char *mime)
{
	return add_block(o, "audio", "data", base64, "mimeType", mime);
}

/* {uri, mimeType?, @key: @value}: a contents entry, or the inside of an embedded resource. */
static cJSON *contents(const char *uri, const char *mime, const char *key, const char *value)
{
	cJSON *c = cJSON_CreateObject();

	if (!c || !cJSON_AddStringToObject(c, "uri", uri) ||
	    (mime && !cJSON_AddStringToObject(c, "mimeType", mime)) ||
	    !cJSON_AddStringToObject(c, key, value)) {
		cJSON_Delete(c);
		return NULL;
	}
	return c;
}

static enum pdb_rc add_resource(struct mcp_out *o, const char *uri, const char *mime,
                                const char *key, const char *value)
{
	cJSON *inner, *b;
	enum pdb_rc rc;

	if (o->kind == MCP_OUT_VALUES)
		return PDB_E_INVAL;
	rc = reserve(o, slen(uri) + slen(mime) + slen(value));
	if (rc)
		return rc;
	inner = contents(uri, mime, key, value);
	if (o->kind == MCP_OUT_CONTENTS)
		return append(o, inner);
	b = cJSON_CreateObject();
	if (!inner || !b || !cJSON_AddStringToObject(b, "type", "resource") ||
	    !cJSON_AddItemToObject(b, "resource", inner)) { /* takes inner only on success */
		cJSON_Delete(inner);
		cJSON_Delete(b);
		return PDB_E_NOMEM;
	}
	return append(o, b);
}

enum pdb_rc mcp_out_resource_text(struct mcp_out *o, const char *uri, const char *mime,
                                  const char *text)
{
	return add_resource(o, uri, mime, "text", text);
}

enum pdb_rc mcp_out_resource_blob(struct mcp_out *o, const char *uri, const char *mime,
                                  const char *base64)
{
	return add_resource(o, uri, mime, "blob", base64);
}

void mcp_out_role(struct mcp_out *o, enum mcp_role role)
{
	o->role = role;
}

enum pdb_rc mcp_out_value(struct mcp_out *o, const char *value)
{
	enum pdb_rc rc;

	if (o->kind != MCP_OUT_VALUES)
		return PDB_E_INVAL;
	if (o->n == PDB_MCP_COMPLETE_MAX) {
		o->has_more = true; /* the spec caps values at 100 and says so with hasMore */
		return PDB_OK;
	}
	rc = reserve(o, slen(value));
	if (rc)
		return rc;
	return append(o, cJSON_CreateString(value));
}
