/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rpc.c - JSON-RPC 2.0 messages (see rpc.h).
 *
 * Classification follows the JSON-RPC 2.0 specification section by section
 * (4 Request object, 4.1 Notification, 4.2 Parameter structures, 5 Response
 * object, 5.1 Error object), with MCP's one tightening: a request id is never
 * null. Replies are built as cJSON objects that borrow the payload by
 * reference and are printed once, compact, into a bounded buffer.
 */
#include <pdbridge/jsonx.h>
#include <pdbridge/rpc.h>

#include <cjson/cJSON.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The one map from enum pdb_rc to a JSON-RPC error code (aesthetics: Core Lightning). */
static const struct {
	enum pdb_rc rc;
	int code;
} code_table[] = {
    {PDB_OK, RPC_INTERNAL_ERROR}, /* success has no code; asking is a bug */
    {PDB_E_NOMEM, RPC_INTERNAL_ERROR},    {PDB_E_TOO_LARGE, RPC_INVALID_REQUEST},
    {PDB_E_INVAL, RPC_INVALID_PARAMS},    {PDB_E_PARSE, RPC_PARSE_ERROR},
    {PDB_E_TYPE, RPC_INVALID_PARAMS},     {PDB_E_MISSING, RPC_INVALID_PARAMS},
    {PDB_E_RANGE, RPC_INVALID_PARAMS},    {PDB_E_IO, RPC_INTERNAL_ERROR},
    {PDB_E_TIMEOUT, RPC_REQUEST_TIMEOUT}, {PDB_E_TLS, RPC_INTERNAL_ERROR},
    {PDB_E_CONNECT, RPC_INTERNAL_ERROR},  {PDB_E_HTTP, RPC_INTERNAL_ERROR},
    {PDB_E_AUTH, RPC_SERVER_ERROR},       {PDB_E_RATELIMIT, RPC_SERVER_ERROR},
    {PDB_E_NOTFOUND, RPC_INVALID_PARAMS}, /* unknown tool or prompt: -32602 per MCP */
    {PDB_E_DENIED, RPC_INVALID_REQUEST},  {PDB_E_UNSUPPORTED, RPC_METHOD_NOT_FOUND},
    {PDB_E_CORRUPT, RPC_INTERNAL_ERROR},  {PDB_E_INTERNAL, RPC_INTERNAL_ERROR},
};

static const struct {
	int code;
	const char *text;
} code_names[] = {
    {RPC_PARSE_ERROR, "Parse error"},           {RPC_INVALID_REQUEST, "Invalid Request"},
    {RPC_METHOD_NOT_FOUND, "Method not found"}, {RPC_INVALID_PARAMS, "Invalid params"},
    {RPC_INTERNAL_ERROR, "Internal error"},     {RPC_SERVER_ERROR, "Server error"},
    {RPC_REQUEST_TIMEOUT, "Request timed out"}, {RPC_RESOURCE_NOT_FOUND, "Resource not found"},
};

int rpc_code_of(enum pdb_rc rc)
{
	size_t i;

	for (i = 0; i < PDB_N_OF(code_table); i++)
		if (code_table[i].rc == rc)
			return code_table[i].code;
	return RPC_INTERNAL_ERROR;
}

const char *rpc_code_message(int code)
{
	size_t i;

	for (i = 0; i < PDB_N_OF(code_names); i++)
		if (code_names[i].code == code)
			return code_names[i].text;
	return "Error";
}

static enum pdb_rc fault(struct rpc_fault *f, int code, const struct rpc_id *id, const char *fmt,
                         ...) PDB_PRINTF(4, 5);

static enum pdb_rc fault(struct rpc_fault *f, int code, const struct rpc_id *id, const char *fmt,
                         ...)
{
	va_list ap;

	f->code = code;
	if (id && id->type != RPC_ID_NONE)
		f->id = *id;
	else
		f->id = (struct rpc_id){.type = RPC_ID_NULL};
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
	return code == RPC_PARSE_ERROR ? PDB_E_PARSE : PDB_E_INVAL;
}

enum pdb_rc rpc_parse(const char *text, size_t len, struct cJSON **doc, struct rpc_fault *f)
{
	struct pdb_err err;
	enum pdb_rc rc;

	pdb_err_clear(&err);
	rc = jsonx_parse(text, len, doc, &err);
	if (rc == PDB_E_PARSE)
		fault(f, RPC_PARSE_ERROR, NULL, "Parse error: %s", pdb_err_text(&err));
	else if (rc == PDB_E_TOO_LARGE)
		fault(f, RPC_INVALID_REQUEST, NULL, "%s", pdb_err_text(&err));
	else if (rc)
		fault(f, RPC_INTERNAL_ERROR, NULL, "%s", pdb_err_text(&err));
	return rc;
}

enum pdb_rc rpc_read_id(const struct cJSON *v, struct rpc_id *out)
{
	size_t n;
	double d;

	if (cJSON_IsString(v)) {
		n = strlen(v->valuestring);
		if (n > PDB_RPC_ID_MAX)
			return PDB_E_TOO_LARGE;
		out->type = RPC_ID_STR;
		memcpy(out->str, v->valuestring, n + 1);
		return PDB_OK;
	}
	if (!cJSON_IsNumber(v))
		return PDB_E_TYPE;
	d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || fabs(d) > (double)JSONX_INT_MAX)
		return PDB_E_TYPE;
	out->type = RPC_ID_INT;
	out->num = (int64_t)d;
	return PDB_OK;
}

bool rpc_id_equal(const struct rpc_id *a, const struct rpc_id *b)
{
	if (a->type != b->type)
		return false;
	if (a->type == RPC_ID_INT)
		return a->num == b->num;
	if (a->type == RPC_ID_STR)
		return !strcmp(a->str, b->str);
	return true;
}

struct cJSON *rpc_id_json(const struct rpc_id *id)
{
	char num[24];

	switch (id->type) {
	case RPC_ID_INT:
		/* Raw digits: cJSON prints doubles with 15 significant digits, which
		 * would echo 9007199254740991 as 9.00719925474099e+15. */
		snprintf(num, sizeof(num), "%lld", (long long)id->num);
		return cJSON_CreateRaw(num);
	case RPC_ID_STR:
		return cJSON_CreateString(id->str);
	case RPC_ID_NONE:
	case RPC_ID_NULL:
		break;
	}
	return cJSON_CreateNull();
}

/* The error member of a response: {code: integer, message: string, data?}. */
static enum pdb_rc classify_error(const cJSON *e, struct rpc_msg *m, struct rpc_fault *f)
{
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");

	if (!cJSON_IsObject(e))
		return fault(f, RPC_INVALID_REQUEST, NULL,
		             "Invalid Request: error must be an object");
	if (!cJSON_IsNumber(code) || code->valuedouble != floor(code->valuedouble) ||
	    fabs(code->valuedouble) > (double)JSONX_INT_MAX)
		return fault(f, RPC_INVALID_REQUEST, NULL,
		             "Invalid Request: error.code must be an integer");
	if (!cJSON_IsString(msg))
		return fault(f, RPC_INVALID_REQUEST, NULL,
		             "Invalid Request: error.message must be a string");
	m->kind = RPC_ERROR;
	m->code = (int64_t)code->valuedouble;
	m->message = msg->valuestring;
	m->data = cJSON_GetObjectItemCaseSensitive(e, "data");
	return PDB_OK;
}

/* A message without a method: a response to one of our requests (JSON-RPC 2.0 section 5). */
static enum pdb_rc classify_response(const cJSON *v, struct rpc_msg *m, struct rpc_fault *f)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(v, "id");
	const cJSON *result = cJSON_GetObjectItemCaseSensitive(v, "result");
	const cJSON *error = cJSON_GetObjectItemCaseSensitive(v, "error");

	if (!id)
		return fault(f, RPC_INVALID_REQUEST, NULL, "Invalid Request: no method and no id");
	if (cJSON_IsNull(id)) {
		m->id.type = RPC_ID_NULL;
	} else if (rpc_read_id(id, &m->id)) {
		return fault(f, RPC_INVALID_REQUEST, NULL,
		             "Invalid Request: id must be a string or an integer");
	}
	if (!result == !error)
		return fault(f, RPC_INVALID_REQUEST, NULL,
		             "Invalid Request: a response has exactly one of result and error");
	if (error)
		return classify_error(error, m, f);
	if (m->id.type == RPC_ID_NULL)
		return fault(f, RPC_INVALID_REQUEST, NULL, "Invalid Request: a result needs an id");
	m->kind = RPC_RESULT;
	m->result = result;
	return PDB_OK;
}

enum pdb_rc rpc_classify(const struct cJSON *v, struct rpc_msg *m, struct rpc_fault *f)
{
	const cJSON *ver, *method, *id, *params;
	enum pdb_rc rc;

	memset(m, 0, sizeof(*m));
	if (cJSON_IsArray(v))
		return fault(f, RPC_INVALID_REQUEST, NULL,
		             "Invalid Request: batch not expected here");
	if (!cJSON_IsObject(v))
		return fault(f, RPC_INVALID_REQUEST, NULL, "Invalid Request: not a JSON object");
	ver = cJSON_GetObjectItemCaseSensitive(v, "jsonrpc");
	method = cJSON_GetObjectItemCaseSensitive(v, "method");
	id = cJSON_GetObjectItemCaseSensitive(v, "id");
	if (id && !cJSON_IsNull(id)) {
		rc = rpc_read_id(id, &m->id);
		if (rc == PDB_E_TOO_LARGE)
			return fault(f, RPC_INVALID_REQUEST, NULL,
			             "Invalid Request: id longer than %d bytes", PDB_RPC_ID_MAX);
		if (rc)
			return fault(f, RPC_INVALID_REQUEST, NULL,
			             "Invalid Request: id must be a string or an integer");
	}
	if (!cJSON_IsString(ver) || strcmp(ver->valuestring, "2.0"))
		return fault(f, RPC_INVALID_REQUEST, &m->id,
		             "Invalid Request: jsonrpc must be \"2.0\"");
	if (!method)
		return classify_response(v, m, f);
	if (!cJSON_IsString(method) || !method->valuestring[0])
		return fault(f, RPC_INVALID_REQUEST, &m->id,
		             "Invalid Request: method must be a non-empty string");
	if (id && cJSON_IsNull(id)) /* MCP: "the ID MUST NOT be null" */
		return fault(f, RPC_INVALID_REQUEST, NULL, "Invalid Request: id must not be null");
	params = cJSON_GetObjectItemCaseSensitive(v, "params");
	if (params && !cJSON_IsObject(params) && !cJSON_IsArray(params))
		return fault(f, RPC_INVALID_REQUEST, &m->id,
		             "Invalid Request: params must be an object or an array");
	m->kind = id ? RPC_REQUEST : RPC_NOTIFICATION;
	m->method = method->valuestring;
	m->params = params;
	return PDB_OK;
}

enum pdb_rc rpc_batch_check(const struct cJSON *v, struct rpc_fault *f)
{
	int n = cJSON_GetArraySize(v);

	if (n == 0)
		return fault(f, RPC_INVALID_REQUEST, NULL, "Invalid Request: empty batch");
	if (n > PDB_RPC_BATCH_MAX)
		return fault(f, RPC_INVALID_REQUEST, NULL,
		             "Invalid Request: batch of %d messages exceeds %d", n,
		             PDB_RPC_BATCH_MAX);
	return PDB_OK;
}

bool rpc_add_ref(struct cJSON *obj, const char *key, const struct cJSON *item)
{
	cJSON *ref;

	if (cJSON_IsObject(item))
		ref = cJSON_CreateObjectReference(item->child);
	else if (cJSON_IsArray(item))
		ref = cJSON_CreateArrayReference(item->child);
	else
		ref = cJSON_Duplicate(item, false); /* a scalar: copying is as cheap */
	if (!ref)
		return false;
	if (!cJSON_AddItemToObject(obj, key, ref)) { /* takes ref on success only */
		cJSON_Delete(ref);
		return false;
	}
	return true;
}

/* Print {"jsonrpc":"2.0", id?, method?, @key: @payload (borrowed)?} into @out. */
static enum pdb_rc write_msg(struct buf *out, const struct rpc_id *id, const char *method,
                             const char *key, const cJSON *payload)
{
	cJSON *o = cJSON_CreateObject(), *jid;
	enum pdb_rc rc = PDB_E_NOMEM;

	if (!o || !cJSON_AddStringToObject(o, "jsonrpc", "2.0"))
		goto out;
	if (id && id->type != RPC_ID_NONE) {
		jid = rpc_id_json(id);
		if (!jid || !cJSON_AddItemToObject(o, "id", jid)) { /* takes jid */
			cJSON_Delete(jid);
			goto out;
		}
	}
	if (method && !cJSON_AddStringToObject(o, "method", method))
		goto out;
	/* A reference: @payload stays the caller's and is not copied. */
	if (payload && !rpc_add_ref(o, key, payload))
		goto out;
	rc = jsonx_print(o, out);
out:
	if (rc == PDB_E_NOMEM)
		buf_free(out);
	cJSON_Delete(o);
	return rc;
}

enum pdb_rc rpc_write_result(struct buf *out, const struct rpc_id *id, const struct cJSON *result)
{
	return write_msg(out, id, NULL, "result", result);
}

enum pdb_rc rpc_write_error(struct buf *out, const struct rpc_id *id, int code, const char *msg,
                            const struct cJSON *data)
{
	struct rpc_id null_id = {.type = RPC_ID_NULL};
	cJSON *e = cJSON_CreateObject();
	enum pdb_rc rc = PDB_E_NOMEM;

	if (!e || !cJSON_AddNumberToObject(e, "code", code) ||
	    !cJSON_AddStringToObject(e, "message", msg ? msg : rpc_code_message(code)))
		goto out;
	if (data && !rpc_add_ref(e, "data", data))
		goto out;
	/* An error always carries an id, null when the request's could not be read. */
	rc = write_msg(out, id && id->type != RPC_ID_NONE ? id : &null_id, NULL, "error", e);
out:
	if (rc == PDB_E_NOMEM)
		buf_free(out);
	cJSON_Delete(e);
	return rc;
}

enum pdb_rc rpc_write_fault(struct buf *out, const struct rpc_fault *f)
{
	return rpc_write_error(out, &f->id, f->code, f->msg, NULL);
}

enum pdb_rc rpc_write_request(struct buf *out, const struct rpc_id *id, const char *method,
                              const struct cJSON *params)
{
	return write_msg(out, id, method, "params", params);
}

enum pdb_rc rpc_write_notification(struct buf *out, const char *method, const struct cJSON *params)
{
	return write_msg(out, NULL, method, "params", params);
}
