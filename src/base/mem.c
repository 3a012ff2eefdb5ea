/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mem.c - the counted, capped allocator (see mem.h).
 *
 * This is the only file allowed to call malloc/realloc/free. Each block is
 * prefixed by a header holding its payload size and a magic word, padded to
 * max_align_t so the payload keeps the alignment malloc guarantees. The byte
 * count is reserved with a compare-and-swap before calling malloc, so two
 * threads can never both squeeze under the limit.
 *
 * Wiping uses glibc's explicit_bzero (every build links glibc, static or
 * not): a memset whose result is never read again may be dropped by the
 * optimiser, explicit_bzero may not.
 */
#define _DEFAULT_SOURCE /* explicit_bzero */
#include <pdbridge/limits.h>
#include <pdbridge/mem.h>

#ifdef __GLIBC__
#include <malloc.h> /* malloc_trim */
#endif
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define MEM_MAGIC 0x5044424du /* "PDBM" */
#define MEM_FREED 0x46524545u /* "FREE": catches a double free */

struct mem_hdr {
	size_t size;
	uint32_t magic;
};

#define HDR_SIZE ((sizeof(struct mem_hdr) + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1))

static atomic_size_t cur_bytes;
static atomic_size_t peak_bytes;
static atomic_size_t limit_bytes = PDB_HEAP_HARD_LIMIT;
/*
 * Counters are unsigned long: 64-bit atomics need libatomic on ARMv5/v6
 * (armel), and a statistic that wraps after 4 billion allocations is harmless.
 */
static atomic_ulong n_allocs;
static atomic_ulong n_failures;
static atomic_ulong fail_target; /* 0: off */
static atomic_ulong fail_counter;

/* Count one attempt; true when mem_fail_at() chose this one to fail. */
static int injected_failure(void)
{
	unsigned long target = atomic_load(&fail_target);
	unsigned long nth = atomic_fetch_add(&fail_counter, 1) + 1;

	return target && nth == target;
}

/* Reserve @n bytes against the limit; 0 on success. */
static int reserve(size_t n)
{
	size_t cur = atomic_load(&cur_bytes), next, peak;

	do {
		if (n > atomic_load(&limit_bytes) || cur > atomic_load(&limit_bytes) - n)
			return -1;
		next = cur + n;
	} while (!atomic_compare_exchange_weak(&cur_bytes, &cur, next));
	peak = atomic_load(&peak_bytes);
	while (next > peak && !atomic_compare_exchange_weak(&peak_bytes, &peak, next))
		;
	return 0;
}

static void release(size_t n)
{
	atomic_fetch_sub(&cur_bytes, n);
}

static struct mem_hdr *header_of(void *p)
{
	struct mem_hdr *h = (struct mem_hdr *)(void *)((unsigned char *)p - HDR_SIZE);

	if (h->magic != MEM_MAGIC)
		abort(); /* not ours, or freed twice: continuing would corrupt the heap */
	return h;
}

static int refuse(size_t n)
{
	if (n > PDB_ALLOC_MAX || injected_failure() || reserve(n)) {
		atomic_fetch_add(&n_failures, 1);
		return 1;
	}
	return 0;
}

void *mem_malloc(size_t n)
{
	struct mem_hdr *h;

	if (n == 0)
		n = 1; /* like glibc: a unique pointer, which curl and wolfSSL expect */
	if (refuse(n))
		return NULL;
	h = malloc(HDR_SIZE + n);
	if (!h) {
		release(n);
		atomic_fetch_add(&n_failures, 1);
		return NULL;
	}
	h->size = n;
	h->magic = MEM_MAGIC;
	atomic_fetch_add(&n_allocs, 1);
	return (unsigned char *)h + HDR_SIZE;
}

void *mem_calloc(size_t count, size_t size)
{
	void *p;

	if (size && count > PDB_ALLOC_MAX / size)
		return NULL;
	p = mem_malloc(count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

void *mem_realloc(void *p, size_t n)
{
	struct mem_hdr *h, *nh;
	size_t old;

	if (!p)
		return mem_malloc(n);
	if (n == 0) {
		mem_free(p);
		return NULL;
	}
	h = header_of(p);
	old = h->size;
	if (n > old && refuse(n - old))
		return NULL;
	nh = realloc(h, HDR_SIZE + n);
	if (!nh) {
		if (n > old)
			release(n - old);
		atomic_fetch_add(&n_failures, 1);
		return NULL;
	}
	if (n < old)
		release(old - n);
	nh->size = n;
	atomic_fetch_add(&n_allocs, 1);
	return (unsigned char *)nh + HDR_SIZE;
}

void mem_free(void *p)
{
	struct mem_hdr *h;

	if (!p)
		return;
	h = header_of(p);
	release(h->size);
	h->magic = MEM_FREED;
	free(h);
}

void mem_wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

void mem_free_secret(void *p)
{
	if (!p)
		return;
	mem_wipe(p, header_of(p)->size);
	mem_free(p);
}

char *mem_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = mem_malloc(len + 1);

	if (!d)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *mem_strdup(const char *s)
{
	return mem_strndup(s, PDB_ALLOC_MAX - 1);
}

void mem_get_stats(struct mem_stats *out)
{
	out->current = atomic_load(&cur_bytes);
	out->peak = atomic_load(&peak_bytes);
	out->limit = atomic_load(&limit_bytes);
	out->allocs = atomic_load(&n_allocs);
	out->failures = atomic_load(&n_failures);
}

void mem_set_limit(size_t bytes)
{
	if (bytes == 0 || bytes > PDB_HEAP_HARD_LIMIT)
		bytes = PDB_HEAP_HARD_LIMIT;
	atomic_store(&limit_bytes, bytes);
}

void mem_reset_peak(void)
{
	atomic_store(&peak_bytes, atomic_load(&cur_bytes));
}

void mem_fail_at(uint64_t n)
{
	atomic_store(&fail_counter, 0);
	atomic_store(&fail_target, (unsigned long)n);
}

uint64_t mem_fail_counted(void)
{
	return atomic_load(&fail_counter);
}

void mem_trim(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}
