/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * buf.h - the one bounded, growable byte buffer.
 *
 * Every variable-length thing pdbridge builds or receives (HTTP bodies,
 * JSON-RPC lines, rendered JSON, MQTT payloads) grows in a struct buf with a
 * maximum fixed at init. Growth past the maximum returns PDB_E_TOO_LARGE;
 * allocation failure returns PDB_E_NOMEM. Either way the buffer is freed and
 * left empty (but still usable), so a half-built value can never be sent.
 * The contents are always NUL-terminated, and the terminator does not count
 * toward the maximum.
 *
 * Ownership: the buffer owns its memory until buf_take(); buf_free() is
 * idempotent. A struct buf must be set up with buf_init() before any other
 * call (a magic word catches use before init).
 */
#ifndef PDBRIDGE_BUF_H
#define PDBRIDGE_BUF_H

#include <pdbridge/err.h>

#include <stddef.h>

struct buf {
	char *data;     /* NULL until the first byte is added */
	size_t len;     /* bytes in use, excluding the NUL */
	size_t alloc;   /* bytes allocated, including room for the NUL */
	size_t max;     /* the bound on len, fixed at init */
	unsigned magic; /* BUF_MAGIC once initialised */
};

/** buf_init: an empty buffer that may hold up to @max bytes; cannot fail, allocates nothing. */
void buf_init(struct buf *b, size_t max);

/**
 * buf_add: append @n bytes from @p.
 * Returns PDB_OK, PDB_E_TOO_LARGE (len + n > max) or PDB_E_NOMEM; on either
 * error the buffer has been freed and is empty.
 */
enum pdb_rc buf_add(struct buf *b, const void *p, size_t n) PDB_WARN_UNUSED;

/** buf_adds: append the C string @s. Returns as buf_add(). */
enum pdb_rc buf_adds(struct buf *b, const char *s) PDB_WARN_UNUSED;

/** buf_addc: append one byte. Returns as buf_add(). */
enum pdb_rc buf_addc(struct buf *b, char c) PDB_WARN_UNUSED;

/** buf_addf: append printf-style text. Returns as buf_add(). */
enum pdb_rc buf_addf(struct buf *b, const char *fmt, ...) PDB_PRINTF(2, 3) PDB_WARN_UNUSED;

/** buf_cstr: the contents, NUL-terminated; "" when empty. Borrowed until the next change. */
const char *buf_cstr(const struct buf *b);

/** buf_len: bytes in use. */
size_t buf_len(const struct buf *b);

/** buf_reset: empty the buffer but keep its memory for reuse. */
void buf_reset(struct buf *b);

/** buf_drop_front: remove the first @n bytes (a consumed frame), keeping the rest. */
void buf_drop_front(struct buf *b, size_t n);

/**
 * buf_take: hand the contents to the caller, who frees them with mem_free();
 * NULL when empty. The buffer is left empty and usable.
 */
char *buf_take(struct buf *b, size_t *len);

/** buf_free: release the memory; safe to call more than once. */
void buf_free(struct buf *b);

#endif /* PDBRIDGE_BUF_H */
