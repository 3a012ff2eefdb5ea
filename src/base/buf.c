/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * buf.c - the bounded buffer (see buf.h).
 *
 * Growth doubles the allocation, clamped to max + 1 for the terminator, so a
 * buffer near its bound never allocates more than it may ever use.
 */
#include <pdbridge/buf.h>
#include <pdbridge/mem.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_MAGIC     0xB0FFE12u
#define BUF_MIN_ALLOC 64u

static void check(const struct buf *b)
{
	if (b->magic != BUF_MAGIC)
		abort(); /* used before buf_init(): a bug, never input-dependent */
}

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->max = max;
	b->magic = BUF_MAGIC;
}

void buf_free(struct buf *b)
{
	check(b);
	mem_free(b->data);
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
}

/* Make room for @n more bytes plus the terminator. */
static enum pdb_rc grow(struct buf *b, size_t n)
{
	size_t need, want;
	char *p;

	if (n > b->max - b->len) {
		buf_free(b);
		return PDB_E_TOO_LARGE;
	}
	need = b->len + n + 1;
	if (need <= b->alloc)
		return PDB_OK;
	want = b->alloc ? b->alloc : BUF_MIN_ALLOC;
	while (want < need)
		want = want > SIZE_MAX / 2 ? need : want * 2;
	if (want > b->max + 1)
		want = b->max + 1;
	p = mem_realloc(b->data, want);
	if (!p) {
		buf_free(b);
		return PDB_E_NOMEM;
	}
	b->data = p;
	b->alloc = want;
	return PDB_OK;
}

enum pdb_rc buf_add(struct buf *b, const void *p, size_t n)
{
	enum pdb_rc rc;

	check(b);
	if (n == 0)
		return PDB_OK;
	rc = grow(b, n);
	if (rc)
		return rc;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return PDB_OK;
}

enum pdb_rc buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

enum pdb_rc buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

enum pdb_rc buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	enum pdb_rc rc;

	check(b);
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		buf_free(b);
		return PDB_E_INVAL;
	}
	if (n == 0)
		return PDB_OK;
	rc = grow(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return PDB_OK;
}

const char *buf_cstr(const struct buf *b)
{
	check(b);
	return b->data ? b->data : "";
}

size_t buf_len(const struct buf *b)
{
	check(b);
	return b->len;
}

void buf_reset(struct buf *b)
{
	check(b);
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_drop_front(struct buf *b, size_t n)
{
	check(b);
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

char *buf_take(struct buf *b, size_t *len)
{
	char *p;

	check(b);
	p = b->data;
	if (len)
		*len = b->len;
	if (b->len == 0) {
		buf_free(b);
		return NULL;
	}
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	return p;
}
