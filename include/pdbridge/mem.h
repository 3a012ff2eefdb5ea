/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mem.h - the one allocation funnel: counted, capped, and able to fail on
 * purpose.
 *
 * Everything pdbridge allocates goes through here, and so do cJSON, libcurl
 * and wolfSSL (their hooks are installed by the adapter modules). The funnel
 * keeps the current and peak byte counts and refuses any allocation that
 * would take the total past the limit (PDB_HEAP_HARD_LIMIT by default), so a
 * hostile peer gets PDB_E_NOMEM instead of the board's OOM killer. Tests use
 * mem_fail_at() to make the Nth allocation fail and prove every caller copes.
 *
 * Thread-safe: counters are C11 atomics (curl and wolfSSL allocate on the
 * PagerDuty worker threads). Blocks carry a small header with their size and
 * a magic word; freeing a pointer that did not come from here aborts.
 */
#ifndef PDBRIDGE_MEM_H
#define PDBRIDGE_MEM_H

#include <stddef.h>
#include <stdint.h>

struct mem_stats {
	size_t current;    /* bytes handed out now (payload, not headers) */
	size_t peak;       /* highest value of current since the last reset */
	size_t limit;      /* the cap in force */
	uint64_t allocs;   /* successful allocations, ever */
	uint64_t failures; /* allocations refused, ever */
};

/**
 * mem_malloc: @n bytes (0 counts as 1, so every success is a unique pointer),
 * or NULL when @n is above PDB_ALLOC_MAX, over the heap limit, or chosen to
 * fail by mem_fail_at(). Caller frees with mem_free().
 */
void *mem_malloc(size_t n);

/** mem_calloc: like mem_malloc for @count * @size zeroed bytes; NULL on overflow. */
void *mem_calloc(size_t count, size_t size);

/**
 * mem_realloc: resize @p (NULL acts as mem_malloc) to @n bytes. On failure
 * returns NULL and @p stays valid and owned by the caller; @n == 0 frees @p
 * and returns NULL.
 */
void *mem_realloc(void *p, size_t n);

/** mem_free: release @p from mem_malloc/calloc/realloc/strdup; NULL is a no-op. */
void mem_free(void *p);

/**
 * mem_wipe: zero @n bytes at @p that held a secret (a token, a password, a
 * key). A plain memset() before a free or before a buffer goes out of scope
 * is a dead store the compiler may remove; this one is kept (glibc's
 * explicit_bzero), so the bytes are gone before the memory is reused.
 */
void mem_wipe(void *p, size_t n);

/**
 * mem_free_secret: mem_wipe() the whole block @p (its size is in its header,
 * so the caller need not know it), then mem_free() it; NULL is a no-op. For
 * every block that held a secret, including structs with a secret inside.
 */
void mem_free_secret(void *p);

/** mem_strdup, mem_strndup: copies of @s (at most @n bytes); caller frees with mem_free(). */
char *mem_strdup(const char *s);
char *mem_strndup(const char *s, size_t n);

/** mem_get_stats: a snapshot of the counters. */
void mem_get_stats(struct mem_stats *out);

/**
 * mem_set_limit: change the cap (tests, or a board with less RAM). Values
 * above PDB_HEAP_HARD_LIMIT are clamped to it; 0 restores the default.
 * Lowering it below the current use refuses new allocations until use drops.
 */
void mem_set_limit(size_t bytes);

/** mem_reset_peak: start peak measurement again from the current use. */
void mem_reset_peak(void);

/**
 * mem_fail_at: make the @n-th allocation from now fail once (1 = the next
 * one); 0 turns it off. Reports how many allocations have been counted since
 * the last call through mem_fail_counted().
 */
void mem_fail_at(uint64_t n);

/** mem_fail_counted: allocations attempted since the last mem_fail_at(). */
uint64_t mem_fail_counted(void);

/**
 * mem_trim: hand the C library's free pages back to the kernel (glibc's
 * malloc_trim; a no-op elsewhere), so the resident size read right after
 * counts what is in use, not what was freed and kept for reuse. For
 * measurements (SIGUSR1, the soak), never on a hot path.
 */
void mem_trim(void);

#endif /* PDBRIDGE_MEM_H */
