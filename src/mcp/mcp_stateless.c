/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mcp_stateless.c - MCP 2026-07-28: a request served on its own, with
 * nothing carried over from the session it arrived on.
 *
 * Such a request names its protocol version and the client's capabilities
 * in params._meta; both are required (-32602 without them), the version
 * must be one served statelessly (-32022, listing ours), and on Streamable
 * HTTP the MCP-Protocol-Version, Mcp-Method and Mcp-Name headers must say
 * what the body says (-32020). Those refusals come before any method runs
 * and are flagged `rejected` (HTTP 400); an unknown method, a removed one
 * (initialize, ping, logging/setLevel, resources/subscribe) included, is
 * -32601 and flagged `no_method` (HTTP 404).
 *
 * The methods themselves are the legacy handlers, run with the request's
 * own features, capabilities and log level instead of the session's; this
 * file adds what the revision changed around them: server/discover, a
 * resultType and _meta serverInfo on every result, ttlMs and cacheScope on
 * the cacheable ones, -32602 instead of -32002 for an unknown resource, the
 * inputResponses and requestState of the methods that may answer
 * input_required (mcp_rounds.c), and subscriptions/listen (mcp_listen.c).
 */
#include "mcp_int.h"

#include <pdbridge/jsonx.h>
#include <pdbridge/mem.h>

#include <cjson/cJSON.h>

#include <string.h>

#define META_VERSION "io.modelcontextprotocol/protocolVersion"
#define META_CAPS    "io.modelcontextprotocol/clientCapabilities"
#define META_LOG     "io.modelcontextprotocol/logLevel"
#define META_SERVER  "io.modelcontextprotocol/serverInfo"

/* The header value prefix and suffix of a base64-encoded Mcp-Name. */
#define B64_OPEN  "=?base64?"
#define B64_CLOSE "?="

/* How a method's result is finished. */
#define M_LIST   1u /* cacheable for PDB_MCP_LIST_TTL_MS */
#define M_READ   2u /* cacheable, but live content: ttlMs 0 */
#define M_ROUNDS 4u /* may answer input_required: takes inputResponses and requestState */

static enum pdb_rc discover(struct mcp_req *r);

static const struct {
	const char *name;
	enum pdb_rc (*fn)(struct mcp_req *r);
	unsigned needs;
	unsigned flags;
	const char *name_key; /* the member Mcp-Name mirrors and a request state binds to */
	const char *args_key; /* the arguments a request state binds to */
} methods[] = {
    {"server/discover", discover, 0, M_LIST, NULL, NULL},
    {"tools/list", mcp__tools_list, NEED_TOOLS, M_LIST, NULL, NULL},
    {"tools/call", mcp__tools_call, NEED_TOOLS, M_ROUNDS, "name", "arguments"},
    {"resources/list", mcp__resources_list, NEED_RESOURCES, M_LIST, NULL, NULL},
    {"resources/templates/list", mcp__templates_list, NEED_RESOURCES, M_LIST, NULL, NULL},
    {"resources/read", mcp__resources_read, NEED_RESOURCES, M_READ | M_ROUNDS, "uri", NULL},
    {"prompts/list", mcp__prompts_list, NEED_PROMPTS, M_LIST, NULL, NULL},
    {"prompts/get", mcp__prompts_get, NEED_PROMPTS, M_ROUNDS, "name", "arguments"},
    {"completion/complete", mcp__complete, NEED_COMPLETE, 0, NULL, NULL},
    {"subscriptions/listen", mcp__listen, 0, 0, NULL, NULL},
};

/* Methods only this revision has: a request for one is stateless even without _meta. */
static bool only_stateless(const char *method)
{
	return !strcmp(method, "server/discover") || !strcmp(method, "subscriptions/listen");
}

bool mcp__wants_stateless(const struct rpc_msg *m)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(m->params, "_meta");

	return only_stateless(m->method) ||
	       (cJSON_IsObject(meta) && (cJSON_GetObjectItemCaseSensitive(meta, META_VERSION) ||
	                                 cJSON_GetObjectItemCaseSensitive(meta, META_CAPS)));
}

static enum pdb_rc oom(struct mcp_req *r)
{
	return mcp__fail(r, RPC_INTERNAL_ERROR, "Internal error: out of memory");
}

/* Refuse the request before any method ran (HTTP 400). */
static enum pdb_rc reject(struct mcp_req *r, int code, const char *msg, const char *detail)
{
	r->rejected = true;
	return mcp__fail(r, code, "%s%.200s", msg, detail ? detail : "");
}

/* --- results ---------------------------------------------------------------------- */

bool mcp__meta_server_info(const struct mcp_server *srv, cJSON *res)
{
	const struct mcp_conf *c = &srv->conf;
	cJSON *meta = cJSON_GetObjectItemCaseSensitive(res, "_meta"), *info;

	if (!meta)
		meta = cJSON_AddObjectToObject(res, "_meta");
	if (!cJSON_IsObject(meta))
		return false;
	if (cJSON_GetObjectItemCaseSensitive(meta, META_SERVER))
		return true;
	info = cJSON_AddObjectToObject(meta, META_SERVER);
	return info && cJSON_AddStringToObject(info, "name", c->name) &&
	       cJSON_AddStringToObject(info, "version", c->version) &&
	       (!c->title || cJSON_AddStringToObject(info, "title", c->title));
}

/* @ttl_ms < 0: not cacheable. */
static bool finish(const struct mcp_server *srv, cJSON *res, int64_t ttl_ms)
{
	bool complete = !cJSON_GetObjectItemCaseSensitive(res, "resultType");

	if (complete && !cJSON_AddStringToObject(res, "resultType", "complete"))
		return false;
	if (!mcp__meta_server_info(srv, res))
		return false;
	/* an input_required result is not the answer, so nothing to cache */
	if (ttl_ms < 0 || !complete)
		return true;
	/* private: PagerDuty data belongs to one account, and a shared cache must not mix them */
	return cJSON_AddNumberToObject(res, "ttlMs", (double)ttl_ms) &&
	       cJSON_AddStringToObject(res, "cacheScope", "private");
}

bool mcp__finish_result(const struct mcp_server *srv, cJSON *res, bool cacheable)
{
	return finish(srv, res, cacheable ? PDB_MCP_LIST_TTL_MS : -1);
}

/* --- server/discover ---------------------------------------------------------------- */

static cJSON *versions_json(void)
{
	cJSON *arr = cJSON_CreateArray(), *v = cJSON_CreateString(MCP_VERSION_STATELESS);

	if (!arr || !v || !cJSON_AddItemToArray(arr, v)) { /* takes v on success only */
		cJSON_Delete(v);
		cJSON_Delete(arr);
		return NULL;
	}
	return arr;
}

static enum pdb_rc discover(struct mcp_req *r)
{
	const struct mcp_server *srv = r->s->srv;
	cJSON *res = cJSON_CreateObject(), *caps = mcp__server_caps(srv, MCP_F_MODERN);
	cJSON *versions = versions_json();
	bool ok = res && caps && versions;

	/* Only the stateless version: the legacy ones are reached by initialize, not by _meta. */
	if (ok && cJSON_AddItemToObject(res, "supportedVersions", versions))
		versions = NULL;
	else
		ok = false;
	if (ok && cJSON_AddItemToObject(res, "capabilities", caps))
		caps = NULL;
	else
		ok = false;
	ok = ok && (!srv->conf.instructions ||
	            cJSON_AddStringToObject(res, "instructions", srv->conf.instructions));
	cJSON_Delete(versions);
	cJSON_Delete(caps);
	if (!ok) {
		cJSON_Delete(res);
		return oom(r);
	}
	r->result = res;
	return PDB_OK;
}

/* --- the envelope ------------------------------------------------------------------- */

/* -32022 with data {supported, requested}. */
static enum pdb_rc unsupported_version(struct mcp_req *r, const char *requested)
{
	cJSON *data = cJSON_CreateObject(), *versions = versions_json();

	if (!data || !versions || !cJSON_AddItemToObject(data, "supported", versions)) {
		cJSON_Delete(versions); /* not taken */
		cJSON_Delete(data);
		return oom(r);
	}
	if (!cJSON_AddStringToObject(data, "requested", requested)) {
		cJSON_Delete(data);
		return oom(r);
	}
	r->data = data;
	return reject(r, RPC_UNSUPPORTED_VERSION, "Unsupported protocol version: ", requested);
}

/*
 * Header value @got says @want: compared as an RFC 9110 field value (spaces
 * and tabs around it are not part of it), and when @b64 allows it, decoded
 * from "=?base64?...?=" first (Mcp-Name; a name that is not plain ASCII).
 */
static bool header_says(const char *got, const char *want, bool b64)
{
	unsigned char raw[PDB_MCP_URI_MAX + 1];
	size_t n, lo = sizeof(B64_OPEN) - 1, lc = sizeof(B64_CLOSE) - 1, len;

	got += strspn(got, " \t");
	for (n = strlen(got); n && (got[n - 1] == ' ' || got[n - 1] == '\t'); n--)
		;
	if (!b64 || n < lo + lc || strncmp(got, B64_OPEN, lo) ||
	    strncmp(got + n - lc, B64_CLOSE, lc))
		return n == strlen(want) && !memcmp(got, want, n);
	if (mcp__b64_decode(got + lo, n - lo - lc, false, raw, sizeof(raw), &len))
		return false;
	return len == strlen(want) && !memcmp(raw, want, len);
}

/* Check _meta, the headers (HTTP) and the version; fill r's features, caps and log level. */
static enum pdb_rc envelope(struct mcp_req *r)
{
	const struct mcp_http_headers *h = r->hdr;
	const cJSON *params = r->m->params, *meta, *caps;
	const char *version, *level;
	enum mcp_log_level lvl;

	if (h && !h->protocol_version)
		return reject(r, RPC_HEADER_MISMATCH,
		              "Header mismatch: the MCP-Protocol-Version header is missing", NULL);
	meta = cJSON_IsObject(params) ? cJSON_GetObjectItemCaseSensitive(params, "_meta") : NULL;
	caps = cJSON_GetObjectItemCaseSensitive(meta, META_CAPS);
	if (!cJSON_IsObject(meta) || jsonx_get_str(meta, META_VERSION, &version) ||
	    !cJSON_IsObject(caps))
		return reject(r, RPC_INVALID_PARAMS,
		              "Invalid params: _meta must carry " META_VERSION
		              " (a string) and " META_CAPS " (an object)",
		              NULL);
	if (h && !header_says(h->protocol_version, version, false))
		return reject(r, RPC_HEADER_MISMATCH,
		              "Header mismatch: MCP-Protocol-Version differs from _meta's ",
		              version);
	if (!mcp_version_stateless(version))
		return unsupported_version(r, version);
	if (h && (!h->method || !header_says(h->method, r->m->method, false)))
		return reject(r, RPC_HEADER_MISMATCH,
		              "Header mismatch: Mcp-Method must be the body's method ",
		              r->m->method);
	r->log_min = MCP_LOG_OFF; /* no logLevel: no notifications/message at all */
	if (cJSON_GetObjectItemCaseSensitive(meta, META_LOG)) {
		if (jsonx_get_str(meta, META_LOG, &level) || mcp__log_level_parse(level, &lvl))
			return reject(
			    r, RPC_INVALID_PARAMS,
			    "Invalid params: " META_LOG
			    " must be one of debug, info, notice, warning, error, critical, "
			    "alert, emergency",
			    NULL);
		r->log_min = (int)lvl;
	}
	r->features = MCP_F_MODERN;
	r->caps = mcp__client_caps(caps);
	return PDB_OK;
}

/* Mcp-Name must mirror the member that names what the request is about. */
static enum pdb_rc name_header(struct mcp_req *r, const char *key)
{
	const char *want;

	if (!r->hdr || !key || jsonx_get_str(r->m->params, key, &want))
		return PDB_OK; /* not HTTP, or no name: the method says what is wrong */
	if (!r->hdr->name)
		return reject(r, RPC_HEADER_MISMATCH,
		              "Header mismatch: the Mcp-Name header is missing for ", r->m->method);
	if (!header_says(r->hdr->name, want, true))
		return reject(r, RPC_HEADER_MISMATCH,
		              "Header mismatch: Mcp-Name differs from the body's ", key);
	return PDB_OK;
}

enum pdb_rc mcp__refuse_caps(struct mcp_req *r, unsigned missing)
{
	static const struct {
		unsigned cap;
		const char *name;
	} names[] = {
	    {MCP_CLIENT_SAMPLING, "sampling"},
	    {MCP_CLIENT_ELICITATION, "elicitation"},
	    {MCP_CLIENT_ROOTS, "roots"},
	};
	cJSON *req;
	size_t i;

	r->data = cJSON_CreateObject();
	req = r->data ? cJSON_AddObjectToObject(r->data, "requiredCapabilities") : NULL;
	for (i = 0; req && i < PDB_N_OF(names); i++)
		if ((missing & names[i].cap) && !cJSON_AddObjectToObject(req, names[i].name))
			req = NULL;
	if (!req) {
		cJSON_Delete(r->data);
		r->data = NULL;
		return oom(r);
	}
	return reject(r, RPC_MISSING_CAPABILITY,
	              "Missing required client capability: declare it in _meta's " META_CAPS, NULL);
}

void mcp__serve_stateless(struct mcp_req *r)
{
	size_t i;

	if (envelope(r))
		return;
	for (i = 0; i < PDB_N_OF(methods); i++)
		if (!strcmp(methods[i].name, r->m->method))
			break;
	/* Unknown, removed in this revision, or a capability we do not have. */
	if (i == PDB_N_OF(methods) || !mcp__have(r->s->srv, methods[i].needs)) {
		r->no_method = true;
		mcp__fail(r, RPC_METHOD_NOT_FOUND, "Method not found: %.64s", r->m->method);
		return;
	}
	if (name_header(r, methods[i].name_key))
		return;
	if ((methods[i].flags & M_ROUNDS) &&
	    mcp__rounds_open(r, methods[i].name_key, methods[i].args_key))
		return;
	(void)methods[i].fn(r); /* the outcome is in r */
	if (r->code == RPC_RESOURCE_NOT_FOUND)
		r->code = RPC_INVALID_PARAMS; /* this revision's code for it, data.uri kept */
	if (r->result &&
	    !finish(r->s->srv, r->result,
	            methods[i].flags & M_LIST ? PDB_MCP_LIST_TTL_MS
	                                      : (methods[i].flags & M_READ ? 0 : -1))) {
		cJSON_Delete(r->result);
		r->result = NULL;
		oom(r);
	}
}
