/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mcp_listen.c - subscriptions/listen (MCP 2026-07-28): a request that
 * stays open and carries the change notifications its client opted in to.
 *
 * It replaces resources/subscribe and the HTTP GET stream. The server first
 * answers with notifications/subscriptions/acknowledged (the reply
 * mcp_handle() writes, the request staying deferred), naming the subset of
 * the filter it honours: the resources it can read. Every notification
 * after that carries the listen's request id as
 * _meta["io.modelcontextprotocol/subscriptionId"] and goes out on the
 * stream the listen arrived on. The lists of tools, prompts and resources
 * never change while the process runs, so their list_changed types are
 * never acknowledged (and never sent).
 *
 * A listen ends when its client cancels it (notifications/cancelled on
 * stdio and TCP, a closed response stream on HTTP), when its session closes,
 * or gracefully with its result at the end of input
 * (mcp_session_end_listens()). Either way its FINAL goes out once, so a
 * transport counting open requests sees it end. Everything here runs under
 * the session lock; a listen never blocks.
 */
#include "mcp_int.h"

#include <pdbridge/jsonx.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <cjson/cJSON.h>

#include <string.h>

#define META_SUB "io.modelcontextprotocol/subscriptionId"

/* Notification size: a URI and an id, far below PDB_MCP_MSG_MAX. */
#define NOTE_MAX (PDB_MCP_URI_MAX + PDB_RPC_ID_MAX + 512u)

static void drop(struct mcp_listen *l)
{
	size_t i;

	for (i = 0; i < l->n_uris; i++)
		mem_free(l->uris[i]);
	memset(l, 0, sizeof(*l));
}

/* {"_meta": {subscriptionId: @id}} as a new params object, or NULL on OOM. */
static cJSON *params_for(const struct rpc_id *id)
{
	cJSON *p = cJSON_CreateObject(), *meta = p ? cJSON_AddObjectToObject(p, "_meta") : NULL;
	cJSON *v = rpc_id_json(id);

	if (!meta || !v || !cJSON_AddItemToObject(meta, META_SUB, v)) { /* takes v on success */
		cJSON_Delete(v);
		cJSON_Delete(p);
		return NULL;
	}
	return p;
}

/* Read the filter: booleans and an array of URI strings. Fails @r (-32602) when malformed. */
static enum pdb_rc read_filter(struct mcp_req *r, const cJSON **uris)
{
	static const char *const flags[] = {"toolsListChanged", "promptsListChanged",
	                                    "resourcesListChanged"};
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(r->m->params, "notifications"), *v;
	size_t i, n = 0;

	if (!cJSON_IsObject(f))
		return mcp__fail(r, RPC_INVALID_PARAMS,
		                 "Invalid params: notifications must be an object (the filter)");
	for (i = 0; i < PDB_N_OF(flags); i++) {
		v = cJSON_GetObjectItemCaseSensitive(f, flags[i]);
		if (v && !cJSON_IsBool(v))
			return mcp__fail(r, RPC_INVALID_PARAMS,
			                 "Invalid params: notifications.%s must be a boolean",
			                 flags[i]);
	}
	*uris = cJSON_GetObjectItemCaseSensitive(f, "resourceSubscriptions");
	if (*uris && !cJSON_IsArray(*uris))
		return mcp__fail(r, RPC_INVALID_PARAMS,
		                 "Invalid params: resourceSubscriptions must be an array of URIs");
	cJSON_ArrayForEach(v, *uris)
	{
		if (!cJSON_IsString(v) || strlen(v->valuestring) > PDB_MCP_URI_MAX)
			return mcp__fail(
			    r, RPC_INVALID_PARAMS,
			    "Invalid params: resourceSubscriptions holds URIs of at most "
			    "%d bytes",
			    PDB_MCP_URI_MAX);
		if (++n > PDB_MCP_SUBS_MAX)
			return mcp__fail(r, RPC_INVALID_PARAMS,
			                 "Invalid params: at most %d resourceSubscriptions",
			                 PDB_MCP_SUBS_MAX);
	}
	return PDB_OK;
}

/* Keep the URIs of @uris this server can read in @l; the acknowledgement lists them in @ack. */
static enum pdb_rc keep_uris(const struct mcp_server *srv, struct mcp_listen *l, const cJSON *uris,
                             cJSON *ack)
{
	cJSON *arr = NULL, *v;
	size_t i;

	cJSON_ArrayForEach(v, uris)
	{
		for (i = 0; i < l->n_uris && strcmp(l->uris[i], v->valuestring); i++)
			;
		if (i < l->n_uris || !mcp__resource_known(srv, v->valuestring))
			continue; /* twice, or nothing we serve: not honoured */
		if (!arr)
			arr = cJSON_AddArrayToObject(ack, "resourceSubscriptions");
		l->uris[l->n_uris] = mem_strdup(v->valuestring);
		if (!l->uris[l->n_uris])
			return PDB_E_NOMEM;
		l->n_uris++;
		if (!arr || !cJSON_AddItemToArray(arr, cJSON_CreateString(v->valuestring)))
			return PDB_E_NOMEM;
	}
	return PDB_OK;
}

/* A free slot of @s, or NULL; fails @r when the id is in use or every slot is taken. */
static struct mcp_listen *slot_for(struct mcp_req *r)
{
	struct mcp_session *s = r->s;
	struct mcp_call *c;
	size_t i;

	for (c = s->calls; c; c = c->next)
		if (rpc_id_equal(&c->id, &r->m->id))
			break;
	if (c || mcp__listen_has(s, &r->m->id)) {
		mcp__fail(r, RPC_INVALID_REQUEST, "Invalid Request: request id already in flight");
		return NULL;
	}
	for (i = 0; i < PDB_MCP_LISTENS_MAX; i++)
		if (!s->listens[i].used)
			return &s->listens[i];
	mcp__fail(r, RPC_INVALID_REQUEST,
	          "Invalid Request: more than %d subscriptions/listen open here; cancel one first",
	          PDB_MCP_LISTENS_MAX);
	return NULL;
}

enum pdb_rc mcp__listen(struct mcp_req *r)
{
	struct mcp_session *s = r->s;
	const cJSON *uris = NULL;
	struct mcp_listen *l;
	cJSON *note, *params, *ack;
	enum pdb_rc rc = PDB_OK;
	bool ok;

	if (read_filter(r, &uris))
		return PDB_E_INVAL;
	note = cJSON_CreateObject();
	params = params_for(&r->m->id);
	ack = params ? cJSON_AddObjectToObject(params, "notifications") : NULL;
	ok = note && ack &&
	     cJSON_AddStringToObject(note, "method", "notifications/subscriptions/acknowledged");
	if (ok && cJSON_AddItemToObject(note, "params", params))
		params = NULL; /* note owns it; ack still points into it */
	else
		ok = false;
	cJSON_Delete(params);
	if (!ok) {
		cJSON_Delete(note);
		return mcp__fail(r, RPC_INTERNAL_ERROR, "Internal error: out of memory");
	}
	pthread_mutex_lock(&s->mu);
	l = slot_for(r);
	if (l) {
		l->id = r->m->id;
		l->stream = r->stream;
		rc = keep_uris(s->srv, l, uris, ack);
		if (rc)
			drop(l);
		else
			l->used = true;
	}
	pthread_mutex_unlock(&s->mu);
	if (!l || rc) {
		cJSON_Delete(note);
		return l ? mcp__fail(r, RPC_INTERNAL_ERROR, "Internal error: out of memory")
		         : PDB_E_INVAL;
	}
	r->note = note;
	r->deferred = true; /* open until cancelled: its end is a FINAL */
	return PDB_OK;
}

bool mcp__listen_has(const struct mcp_session *s, const struct rpc_id *id)
{
	size_t i;

	for (i = 0; i < PDB_MCP_LISTENS_MAX; i++)
		if (s->listens[i].used && rpc_id_equal(&s->listens[i].id, id))
			return true;
	return false;
}

void mcp__listen_notify(struct mcp_session *s, const char *uri)
{
	struct mcp_listen *l;
	struct buf msg;
	cJSON *p;
	size_t i, j;

	buf_init(&msg, NOTE_MAX);
	for (i = 0; i < PDB_MCP_LISTENS_MAX; i++) {
		l = &s->listens[i];
		for (j = 0; l->used && j < l->n_uris && strcmp(l->uris[j], uri); j++)
			;
		if (!l->used || j == l->n_uris)
			continue;
		buf_reset(&msg);
		p = params_for(&l->id);
		if (!p || !cJSON_AddStringToObject(p, "uri", uri) ||
		    rpc_write_notification(&msg, "notifications/resources/updated", p))
			LOG_WARN("mcp", "cannot build resources/updated: out of memory");
		else
			s->send(s->send_ud, l->stream, buf_cstr(&msg), buf_len(&msg), 0);
		cJSON_Delete(p);
	}
	buf_free(&msg);
}

void mcp__listen_cancel(struct mcp_session *s, const struct rpc_id *id, uint64_t stream)
{
	struct mcp_listen *l;
	size_t i;

	for (i = 0; i < PDB_MCP_LISTENS_MAX; i++) {
		l = &s->listens[i];
		if (!l->used || (id ? !rpc_id_equal(&l->id, id) : l->stream != stream))
			continue;
		/* cancelled: no response, but the transport learns it is over */
		if (!s->closed)
			s->send(s->send_ud, l->stream, NULL, 0, MCP_SEND_FINAL);
		drop(l);
	}
}

void mcp_session_end_listens(struct mcp_session *s)
{
	struct mcp_listen *l;
	struct buf msg;
	cJSON *res;
	size_t i;

	buf_init(&msg, NOTE_MAX);
	pthread_mutex_lock(&s->mu);
	for (i = 0; i < PDB_MCP_LISTENS_MAX; i++) {
		l = &s->listens[i];
		if (!l->used)
			continue;
		/* the graceful end: a result carrying the subscription id */
		buf_reset(&msg);
		res = params_for(&l->id);
		if (!res || !cJSON_AddStringToObject(res, "resultType", "complete") ||
		    !mcp__meta_server_info(s->srv, res) || rpc_write_result(&msg, &l->id, res))
			buf_reset(&msg); /* out of memory: end it without a response */
		if (!s->closed)
			s->send(s->send_ud, l->stream, buf_len(&msg) ? buf_cstr(&msg) : NULL,
			        buf_len(&msg), MCP_SEND_FINAL);
		cJSON_Delete(res);
		drop(l);
	}
	pthread_mutex_unlock(&s->mu);
	buf_free(&msg);
}

void mcp__listen_free(struct mcp_session *s)
{
	size_t i;

	for (i = 0; i < PDB_MCP_LISTENS_MAX; i++)
		if (s->listens[i].used)
			drop(&s->listens[i]);
}
