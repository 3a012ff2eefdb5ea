/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mcp_rounds.c - multi round-trip requests (MCP 2026-07-28): the answers a
 * retry brings (inputResponses), the questions a handler asks
 * (inputRequests), and the request state that carries what the handler
 * kept from one round to the next through the client.
 *
 * The client holds the state, so it is attacker-controlled input. It is
 *
 *   "1." base64url(body) "." base64url(MAC)
 *   body = "<seq>.<expires>.<payload>"
 *   MAC  = mac("mcp-state/1\n" body "\n" method "\n" name "\n" canon(arguments))
 *
 * under the embedder's key (struct mcp_conf.mac, HMAC-SHA256), so a state
 * that was changed, made up, or presented with another method, tool,
 * prompt, URI or other arguments than it was issued for fails its MAC; one
 * past its expiry (PDB_MCP_STATE_TTL_MS on the monotonic clock: the key
 * does not outlive the process either) is refused; and each sequence number
 * is good once: the server keeps one bit per state for the last
 * PDB_MCP_STATE_WINDOW it issued and refuses an older one as too old, so a
 * confirmed write cannot be replayed and the memory is fixed. The payload
 * itself is the handler's own short text and is not secret, only
 * authentic. canon() is an unambiguous form of the arguments with object
 * keys sorted, so a client that re-serialises them in another key order
 * still matches.
 */
#include "mcp_int.h"

#include <pdbridge/clock.h>
#include <pdbridge/jsonx.h>
#include <pdbridge/mem.h>

#include <cjson/cJSON.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATE_VERSION "1."
#define MAC_LABEL     "mcp-state/1\n"
/* The body: two numbers of at most 20 digits, two dots, the payload. */
#define BODY_MAX (PDB_MCP_STATE_PAYLOAD_MAX + 48)

/* --- the canonical form of the arguments ------------------------------------------- */

static int by_key(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

	return strcmp(x->string, y->string);
}

/* Strings are length-prefixed, so no content can imitate structure. */
static enum pdb_rc canon_str(const char *s, struct buf *out)
{
	enum pdb_rc rc = buf_addf(out, "s%zu:", strlen(s));

	return rc ? rc : buf_adds(out, s);
}

static enum pdb_rc canon(const cJSON *v, struct buf *out)
{
	const cJSON **kids, *k;
	size_t n = 0, i;
	enum pdb_rc rc;

	if (cJSON_IsString(v))
		return canon_str(v->valuestring, out);
	if (cJSON_IsNumber(v))
		return buf_addf(out, "d%.17g;", v->valuedouble);
	if (cJSON_IsBool(v))
		return buf_addc(out, cJSON_IsTrue(v) ? 't' : 'f');
	if (!cJSON_IsArray(v) && !cJSON_IsObject(v))
		return buf_addc(out, 'n');
	cJSON_ArrayForEach(k, v) n++;
	kids = mem_calloc(n ? n : 1, sizeof(*kids));
	if (!kids)
		return PDB_E_NOMEM;
	n = 0;
	cJSON_ArrayForEach(k, v) kids[n++] = k;
	if (cJSON_IsObject(v))
		qsort(kids, n, sizeof(*kids), by_key);
	rc = buf_addc(out, cJSON_IsObject(v) ? '{' : '[');
	for (i = 0; i < n && !rc; i++) {
		if (cJSON_IsObject(v))
			rc = canon_str(kids[i]->string, out);
		if (!rc)
			rc = canon(kids[i], out);
	}
	if (!rc)
		rc = buf_addc(out, cJSON_IsObject(v) ? '}' : ']');
	mem_free(kids);
	return rc;
}

/* The MAC of @body bound to the request in @rd. */
static enum pdb_rc mac_of(const struct mcp_server *srv, const struct mcp_rounds *rd,
                          const char *body, size_t body_len, unsigned char mac[MCP_MAC_LEN])
{
	struct buf b;
	enum pdb_rc rc;

	buf_init(&b, PDB_MCP_MSG_MAX);
	rc = buf_adds(&b, MAC_LABEL);
	if (!rc)
		rc = buf_add(&b, body, body_len);
	if (!rc)
		rc = buf_addf(&b, "\n%s\n%s\n", rd->method, rd->name ? rd->name : "");
	if (!rc) /* no arguments are the empty object, as a tool sees them */
		rc = rd->args && !cJSON_IsNull(rd->args) ? canon(rd->args, &b) : buf_adds(&b, "{}");
	if (!rc)
		rc = srv->conf.mac(srv->conf.mac_ud, buf_cstr(&b), buf_len(&b), mac);
	buf_free(&b);
	return rc;
}

/* Compare without an early exit: a MAC check must not tell how much was right. */
static bool same_mac(const unsigned char *a, const unsigned char *b)
{
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < MCP_MAC_LEN; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return !d;
}

/* --- opening a state ---------------------------------------------------------------- */

/* Mark @seq used. Returns NULL, or why it cannot be (too old, used, never issued). */
static const char *spend(struct mcp_server *srv, uint64_t seq)
{
	const char *why = NULL;
	size_t bit = (size_t)(seq % PDB_MCP_STATE_WINDOW);
	unsigned char mask = (unsigned char)(1u << (bit % 8));

	pthread_mutex_lock(&srv->mu);
	if (seq >= srv->state_seq)
		why = "was not issued by this server";
	else if (srv->state_seq - seq > PDB_MCP_STATE_WINDOW)
		why = "is too old: start the request again without it";
	else if (srv->state_used[bit / 8] & mask)
		why = "was already used: start the request again without it";
	else
		srv->state_used[bit / 8] |= mask;
	pthread_mutex_unlock(&srv->mu);
	return why;
}

/* Verify @state for the request in @rd; on success rd->state is its payload. */
static const char *open_state(struct mcp_server *srv, struct mcp_rounds *rd, const char *state)
{
	unsigned char body[BODY_MAX + 1], mac[MCP_MAC_LEN], want[MCP_MAC_LEN];
	const char *dot, *end = state + strlen(state), *why;
	unsigned long long seq;
	long long expires;
	size_t n, m;
	int used = 0;

	if (!srv->conf.mac)
		return "was not issued by this server";
	dot = strncmp(state, STATE_VERSION, 2) ? NULL : strchr(state + 2, '.');
	if (!dot ||
	    mcp__b64_decode(state + 2, (size_t)(dot - state - 2), true, body, BODY_MAX, &n) ||
	    mcp__b64_decode(dot + 1, (size_t)(end - dot - 1), true, mac, sizeof(mac), &m) ||
	    m != MCP_MAC_LEN)
		return "is malformed";
	body[n] = '\0';
	if (mac_of(srv, rd, (const char *)body, n, want) || !same_mac(mac, want))
		return "failed verification (changed, or issued for another request)";
	/* authentic from here on: the body is ours */
	if (strlen((const char *)body) != n ||
	    sscanf((const char *)body, "%llu.%lld.%n", &seq, &expires, &used) != 2 || !used)
		return "is malformed";
	if (clk_now_ms() > expires)
		return "has expired: start the request again without it";
	why = spend(srv, (uint64_t)seq);
	if (why)
		return why;
	rd->state = mem_strdup((const char *)body + used);
	return rd->state ? NULL : "could not be kept: out of memory";
}

enum pdb_rc mcp__rounds_open(struct mcp_req *r, const char *name_key, const char *args_key)
{
	struct mcp_rounds *rd = &r->rounds;
	const cJSON *p = r->m->params, *in, *v, *st;
	const char *why;

	rd->on = true;
	rd->can_keep = r->s->srv->conf.mac != NULL;
	rd->caps = r->caps;
	rd->method = r->m->method;
	if (jsonx_get_str(p, name_key, &rd->name))
		rd->name = NULL;
	rd->args = args_key ? cJSON_GetObjectItemCaseSensitive(p, args_key) : NULL;
	in = cJSON_GetObjectItemCaseSensitive(p, "inputResponses");
	if (in && !cJSON_IsObject(in))
		return mcp__fail(r, RPC_INVALID_PARAMS,
		                 "Invalid params: inputResponses must be an object");
	cJSON_ArrayForEach(v, in)
	{
		if (!cJSON_IsObject(v))
			return mcp__fail(r, RPC_INVALID_PARAMS,
			                 "Invalid params: inputResponses.%.64s must be an object "
			                 "(the client's result for that input request)",
			                 v->string);
	}
	rd->inputs = in;
	st = cJSON_GetObjectItemCaseSensitive(p, "requestState");
	if (!st)
		return PDB_OK;
	if (!cJSON_IsString(st))
		return mcp__fail(r, RPC_INVALID_PARAMS,
		                 "Invalid params: requestState must be a string");
	if (strlen(st->valuestring) > PDB_MCP_STATE_MAX)
		return mcp__fail(r, RPC_INVALID_PARAMS,
		                 "Invalid params: requestState is longer than %d bytes",
		                 PDB_MCP_STATE_MAX);
	why = open_state(r->s->srv, rd, st->valuestring);
	if (why)
		return mcp__fail(r, RPC_INVALID_PARAMS, "Invalid params: requestState %s", why);
	return PDB_OK;
}

/* --- the next round --------------------------------------------------------------------- */

bool mcp__rounds_asked(const struct mcp_rounds *rd)
{
	return rd->on && (rd->asks || rd->keep);
}

/* The request state for rd->keep, into @out. */
static enum pdb_rc seal(struct mcp_server *srv, const struct mcp_rounds *rd, struct buf *out)
{
	unsigned char mac[MCP_MAC_LEN];
	char body[BODY_MAX + 1];
	uint64_t seq;
	int n;
	enum pdb_rc rc;

	pthread_mutex_lock(&srv->mu);
	seq = srv->state_seq++;
	/* the slot's bit now belongs to seq: anything older that used it is refused as too old */
	srv->state_used[(seq % PDB_MCP_STATE_WINDOW) / 8] &=
	    (unsigned char)~(1u << ((seq % PDB_MCP_STATE_WINDOW) % 8));
	pthread_mutex_unlock(&srv->mu);
	n = snprintf(body, sizeof(body), "%" PRIu64 ".%lld.%s", seq,
	             (long long)(clk_now_ms() + PDB_MCP_STATE_TTL_MS), rd->keep);
	if (n < 0 || (size_t)n >= sizeof(body))
		return PDB_E_TOO_LARGE;
	rc = mac_of(srv, rd, body, (size_t)n, mac);
	if (!rc)
		rc = buf_adds(out, STATE_VERSION);
	if (!rc)
		rc = mcp__b64_encode(body, (size_t)n, true, out);
	if (!rc)
		rc = buf_addc(out, '.');
	return rc ? rc : mcp__b64_encode(mac, sizeof(mac), true, out);
}

cJSON *mcp__rounds_result(struct mcp_server *srv, struct mcp_rounds *rd, char *why, size_t why_len)
{
	cJSON *res = cJSON_CreateObject();
	struct buf st;
	enum pdb_rc rc = res && cJSON_AddStringToObject(res, "resultType", "input_required")
	                     ? PDB_OK
	                     : PDB_E_NOMEM;

	buf_init(&st, PDB_MCP_STATE_MAX);
	if (!rc && rd->asks) {
		if (cJSON_AddItemToObject(res, "inputRequests", rd->asks))
			rd->asks = NULL; /* res owns them now */
		else
			rc = PDB_E_NOMEM;
	}
	if (!rc && rd->keep) {
		rc = seal(srv, rd, &st);
		if (!rc && !cJSON_AddStringToObject(res, "requestState", buf_cstr(&st)))
			rc = PDB_E_NOMEM;
	}
	buf_free(&st);
	if (!rc)
		return res;
	snprintf(why, why_len, "cannot ask the client for input: %s", pdb_strerror(rc));
	cJSON_Delete(res);
	return NULL;
}

enum pdb_rc mcp__rounds_move(struct mcp_rounds *to, struct mcp_rounds *from)
{
	*to = *from;
	memset(from, 0, sizeof(*from));
	if (!to->inputs)
		return PDB_OK;
	to->own_inputs = cJSON_Duplicate(to->inputs, true);
	to->inputs = to->own_inputs;
	return to->inputs ? PDB_OK : PDB_E_NOMEM;
}

void mcp__rounds_free(struct mcp_rounds *rd)
{
	jsonx_free(rd->own_inputs);
	jsonx_free(rd->asks);
	mem_free(rd->state);
	mem_free(rd->keep);
	memset(rd, 0, sizeof(*rd));
}

/* --- what handlers call ------------------------------------------------------------------ */

const struct cJSON *mcp_out_input(const struct mcp_out *o, const char *key)
{
	return o->rounds ? cJSON_GetObjectItemCaseSensitive(o->rounds->inputs, key) : NULL;
}

const char *mcp_out_state(const struct mcp_out *o)
{
	return o->rounds ? o->rounds->state : NULL;
}

static enum pdb_rc ask(struct mcp_rounds *rd, const char *key, const char *method, cJSON **params)
{
	unsigned cap = mcp__cap_for(method); /* 0: not a request an input can be */
	size_t n = strlen(key);
	cJSON *q;

	if (!rd || !rd->on)
		return PDB_E_UNSUPPORTED;
	if (!cap || n < 1 || n > PDB_MCP_INPUT_KEY_MAX ||
	    cJSON_GetObjectItemCaseSensitive(rd->asks, key))
		return PDB_E_INVAL;
	if (!(rd->caps & cap))
		return PDB_E_UNSUPPORTED; /* MUST NOT ask what the client did not declare */
	if (rd->n_asks == PDB_MCP_INPUTS_MAX)
		return PDB_E_TOO_LARGE;
	if (!*params)
		*params = cJSON_CreateObject();
	if (!rd->asks)
		rd->asks = cJSON_CreateObject();
	q = rd->asks && *params ? cJSON_AddObjectToObject(rd->asks, key) : NULL;
	if (!q || !cJSON_AddStringToObject(q, "method", method) ||
	    !cJSON_AddItemToObject(q, "params", *params))
		return PDB_E_NOMEM;
	*params = NULL; /* taken */
	rd->n_asks++;
	return PDB_OK;
}

enum pdb_rc mcp_out_ask(struct mcp_out *o, const char *key, const char *method,
                        struct cJSON *params)
{
	enum pdb_rc rc = ask(o->rounds, key, method, &params);

	cJSON_Delete(params);
	return rc;
}

enum pdb_rc mcp_out_keep(struct mcp_out *o, const char *state)
{
	size_t i, n = strlen(state);
	char *copy;

	if (!o->rounds || !o->rounds->on || !o->rounds->can_keep)
		return PDB_E_UNSUPPORTED;
	if (n > PDB_MCP_STATE_PAYLOAD_MAX)
		return PDB_E_TOO_LARGE;
	for (i = 0; i < n; i++)
		if ((unsigned char)state[i] < 0x20 || state[i] == 0x7f)
			return PDB_E_INVAL;
	copy = mem_strdup(state);
	if (!copy)
		return PDB_E_NOMEM;
	mem_free(o->rounds->keep);
	o->rounds->keep = copy;
	return PDB_OK;
}
