/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * err.h - the one error enum of pdbridge, and the detail text that travels
 * with it.
 *
 * Every fallible function returns enum pdb_rc. The numbers are stable forever
 * (they appear in logs and in the JSON-RPC application error range), so new
 * codes are appended, never inserted. Detail text goes into a caller-owned
 * struct pdb_err; it must never contain a secret, which is why the API token
 * is never passed to a formatting function.
 */
#ifndef PDBRIDGE_ERR_H
#define PDBRIDGE_ERR_H

#include <pdbridge/limits.h>

#if defined(__GNUC__)
#define PDB_WARN_UNUSED  __attribute__((warn_unused_result))
#define PDB_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define PDB_WARN_UNUSED
#define PDB_PRINTF(f, a)
#endif

/* PDB_N_OF: the number of elements of the array @a (an array, never a pointer). */
#define PDB_N_OF(a) (sizeof(a) / sizeof((a)[0]))

enum pdb_rc {
	PDB_OK = 0,             /* success */
	PDB_E_NOMEM = 1,        /* allocation refused: out of memory or over the heap cap */
	PDB_E_TOO_LARGE = 2,    /* input or output over its bound in limits.h */
	PDB_E_INVAL = 3,        /* invalid argument or value */
	PDB_E_PARSE = 4,        /* malformed input (JSON, config, framing) */
	PDB_E_TYPE = 5,         /* well-formed, but a value has the wrong type */
	PDB_E_MISSING = 6,      /* a required field or setting is absent */
	PDB_E_RANGE = 7,        /* a number outside its allowed range */
	PDB_E_IO = 8,           /* read/write/fsync failed */
	PDB_E_TIMEOUT = 9,      /* a deadline passed */
	PDB_E_TLS = 10,         /* TLS handshake or certificate verification failed */
	PDB_E_CONNECT = 11,     /* could not connect, or the connection dropped */
	PDB_E_HTTP = 12,        /* the peer answered with an HTTP error status */
	PDB_E_AUTH = 13,        /* missing or rejected credentials */
	PDB_E_RATELIMIT = 14,   /* rate limited, retries exhausted */
	PDB_E_NOTFOUND = 15,    /* no such object */
	PDB_E_DENIED = 16,      /* refused by policy (read-only mode, gating) */
	PDB_E_UNSUPPORTED = 17, /* not available in this build or protocol version */
	PDB_E_CORRUPT = 18,     /* stored data failed its integrity check */
	PDB_E_INTERNAL = 19,    /* a bug: an invariant did not hold */
};

/* Caller-owned error record: the code plus a human-readable detail line. */
struct pdb_err {
	enum pdb_rc rc;
	char msg[PDB_ERRMSG_MAX];
};

/**
 * pdb_strerror: the fixed description of @rc ("out of memory", ...).
 * Returns a static string; never NULL, also for values outside the enum.
 */
const char *pdb_strerror(enum pdb_rc rc);

/**
 * pdb_err_set: record @rc with a printf-style detail line in @err (which may
 * be NULL: then only @rc is returned). Detail longer than PDB_ERRMSG_MAX is
 * cut at a UTF-8 boundary. Returns @rc, so callers write
 * `return pdb_err_set(err, PDB_E_INVAL, "bad %s", what);`.
 */
enum pdb_rc pdb_err_set(struct pdb_err *err, enum pdb_rc rc, const char *fmt, ...) PDB_PRINTF(3, 4);

/** pdb_err_clear: reset @err to PDB_OK with an empty message. */
void pdb_err_clear(struct pdb_err *err);

/**
 * pdb_err_text: the detail line of @err, or pdb_strerror(err->rc) when no
 * detail was recorded. Borrowed; valid while @err is unchanged.
 */
const char *pdb_err_text(const struct pdb_err *err);

#endif /* PDBRIDGE_ERR_H */
