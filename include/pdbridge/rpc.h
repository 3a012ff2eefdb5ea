/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rpc.h - JSON-RPC 2.0: parse a message, classify it, write replies, and the
 * one table that maps enum pdb_rc to a JSON-RPC error code.
 *
 * Text is parsed through jsonx_parse() (bounded size, depth, UTF-8, no NUL);
 * rpc_classify() then decides what a parsed value is: a request, a
 * notification, a result or an error response, or an invalid message with
 * the error to answer it with. Ids are strings (at most PDB_RPC_ID_MAX
 * bytes) or integers (within +-2^53, so they echo back exactly); a request
 * id is never null, and booleans, fractions, objects and arrays are refused
 * with -32600. Batches are the caller's policy (MCP allows them only under
 * 2025-03-26): rpc only checks one array's shape.
 *
 * Everything rpc_classify() points to is borrowed from the parsed document
 * and valid until that document is freed.
 */
#ifndef PDBRIDGE_RPC_H
#define PDBRIDGE_RPC_H

#include <pdbridge/buf.h>
#include <pdbridge/err.h>
#include <pdbridge/limits.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;

/* JSON-RPC 2.0 codes. */
#define RPC_PARSE_ERROR      -32700
#define RPC_INVALID_REQUEST  -32600
#define RPC_METHOD_NOT_FOUND -32601
#define RPC_INVALID_PARAMS   -32602
#define RPC_INTERNAL_ERROR   -32603
/* Implementation-defined range (-32000..-32099), as the MCP SDKs use it. */
#define RPC_SERVER_ERROR       -32000 /* transport-level refusal: busy, bad session, unauthorized */
#define RPC_REQUEST_TIMEOUT    -32001 /* a deadline passed (the SDKs' RequestTimeout) */
#define RPC_RESOURCE_NOT_FOUND -32002 /* MCP (legacy era): resources/read of an unknown URI */
/*
 * MCP 2026-07-28 (its reserved -32020..-32099): headers that disagree with
 * the body or are missing; a client capability the request needs but did
 * not declare; a protocol version in _meta that is not served.
 */
#define RPC_HEADER_MISMATCH     -32020
#define RPC_MISSING_CAPABILITY  -32021
#define RPC_UNSUPPORTED_VERSION -32022

enum rpc_id_type {
	RPC_ID_NONE = 0, /* absent: a notification */
	RPC_ID_NULL = 1, /* null: only in error responses to unreadable messages */
	RPC_ID_INT = 2,
	RPC_ID_STR = 3,
};

/* A request id, held by value so it outlives the document it came from. */
struct rpc_id {
	enum rpc_id_type type;
	int64_t num;                  /* RPC_ID_INT */
	char str[PDB_RPC_ID_MAX + 1]; /* RPC_ID_STR, NUL-terminated */
};

enum rpc_kind {
	RPC_REQUEST = 0,      /* method and id */
	RPC_NOTIFICATION = 1, /* method, no id: never answered */
	RPC_RESULT = 2,       /* id and result */
	RPC_ERROR = 3,        /* id (maybe null) and error */
};

/* One classified message; pointers borrowed from the document. */
struct rpc_msg {
	enum rpc_kind kind;
	struct rpc_id id;
	const char *method;         /* RPC_REQUEST, RPC_NOTIFICATION */
	const struct cJSON *params; /* object or array; NULL when absent */
	const struct cJSON *result; /* RPC_RESULT */
	int64_t code;               /* RPC_ERROR */
	const char *message;        /* RPC_ERROR */
	const struct cJSON *data;   /* RPC_ERROR; NULL when absent */
};

/* Why a message cannot be served: the error reply to send (id may be RPC_ID_NULL). */
struct rpc_fault {
	int code;
	struct rpc_id id;
	char msg[PDB_ERRMSG_MAX];
};

/**
 * rpc_parse: parse @len bytes of @text into *@doc (caller frees with
 * jsonx_free()). Returns PDB_OK, or PDB_E_PARSE / PDB_E_TOO_LARGE /
 * PDB_E_NOMEM with @f set to the reply (-32700 or -32600, id null).
 */
enum pdb_rc rpc_parse(const char *text, size_t len, struct cJSON **doc,
                      struct rpc_fault *f) PDB_WARN_UNUSED;

/**
 * rpc_classify: what the single message @v is. Returns PDB_OK with @m
 * filled, or PDB_E_INVAL with @f set (-32600 with the message's id when it
 * could be read, else null). An array is not a message: callers handle
 * batches with rpc_batch_check().
 */
enum pdb_rc rpc_classify(const struct cJSON *v, struct rpc_msg *m,
                         struct rpc_fault *f) PDB_WARN_UNUSED;

/**
 * rpc_batch_check: @v is an array; check it is a batch pdbridge will serve
 * (1 to PDB_RPC_BATCH_MAX elements). Returns PDB_OK or PDB_E_INVAL with @f
 * set (-32600, id null).
 */
enum pdb_rc rpc_batch_check(const struct cJSON *v, struct rpc_fault *f) PDB_WARN_UNUSED;

/**
 * rpc_read_id: read @v (a string or an integer) as an id, as used for
 * request ids, progress tokens and cancelled requestIds. Returns PDB_OK,
 * PDB_E_TYPE (null, bool, fraction, object, array, out of +-2^53) or
 * PDB_E_TOO_LARGE (a string over PDB_RPC_ID_MAX bytes).
 */
enum pdb_rc rpc_read_id(const struct cJSON *v, struct rpc_id *out) PDB_WARN_UNUSED;

/** rpc_id_equal: same type and value. */
bool rpc_id_equal(const struct rpc_id *a, const struct rpc_id *b);

/** rpc_id_json: @id as a new JSON value (null for NONE/NULL). Caller frees with jsonx_free(); NULL
 * on OOM. */
struct cJSON *rpc_id_json(const struct rpc_id *id);

/**
 * rpc_add_ref: add @item to object @obj under @key by reference: objects and
 * arrays are not copied (and not freed with @obj), scalars are copied. Unlike
 * cJSON_AddItemReferenceToObject(), nothing leaks when an allocation fails.
 * Returns false on allocation failure (@obj unchanged).
 */
bool rpc_add_ref(struct cJSON *obj, const char *key, const struct cJSON *item);

/**
 * rpc_code_of: the JSON-RPC code for a failure with @rc (from the one table;
 * PDB_OK maps to RPC_INTERNAL_ERROR, as success has no code).
 */
int rpc_code_of(enum pdb_rc rc);

/** rpc_code_message: the standard text of a JSON-RPC @code ("Invalid params"). Static string. */
const char *rpc_code_message(int code);

/**
 * rpc_write_result: append {"jsonrpc":"2.0","id":@id,"result":@result} to
 * @out, compact, on one line (no newline added). @result is borrowed.
 * Returns PDB_OK, PDB_E_TOO_LARGE (over @out's bound) or PDB_E_NOMEM; on
 * error @out is emptied (struct buf's rule).
 */
enum pdb_rc rpc_write_result(struct buf *out, const struct rpc_id *id,
                             const struct cJSON *result) PDB_WARN_UNUSED;

/**
 * rpc_write_error: append an error response: @code, @msg (NULL: the
 * standard text) and optional @data (borrowed). Returns as rpc_write_result().
 */
enum pdb_rc rpc_write_error(struct buf *out, const struct rpc_id *id, int code, const char *msg,
                            const struct cJSON *data) PDB_WARN_UNUSED;

/** rpc_write_fault: rpc_write_error() for @f. */
enum pdb_rc rpc_write_fault(struct buf *out, const struct rpc_fault *f) PDB_WARN_UNUSED;

/**
 * rpc_write_request, rpc_write_notification: append a request with @id (or
 * a notification) for @method with optional @params (borrowed). Returns as
 * rpc_write_result().
 */
enum pdb_rc rpc_write_request(struct buf *out, const struct rpc_id *id, const char *method,
                              const struct cJSON *params) PDB_WARN_UNUSED;
enum pdb_rc rpc_write_notification(struct buf *out, const char *method,
                                   const struct cJSON *params) PDB_WARN_UNUSED;

#endif /* PDBRIDGE_RPC_H */
