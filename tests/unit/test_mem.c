/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_mem.c - the counted allocator: hard cap, peak, fail-the-Nth, threads, wiping. */
#include "harness.h"

#include <pdbridge/limits.h>
#include <pdbridge/mem.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static size_t current(void)
{
	struct mem_stats s;

	mem_get_stats(&s);
	return s.current;
}

static void counts_bytes_and_peak(void)
{
	size_t base = current();
	struct mem_stats s;
	char *a, *b;

	mem_reset_peak();
	a = mem_malloc(1000);
	b = mem_malloc(500);
	T_CHECK(a && b);
	T_EQ_INT(current() - base, 1500);
	mem_free(a);
	mem_get_stats(&s);
	T_EQ_INT(s.current - base, 500);
	T_EQ_INT(s.peak - base, 1500);
	mem_free(b);
	T_EQ_INT(current(), base);
}

static void hard_cap_refuses_and_recovers(void)
{
	size_t base = current();
	struct mem_stats s1, s2;
	char *a, *b;

	mem_set_limit(base + 4096);
	a = mem_malloc(3000);
	T_CHECK(a);
	mem_get_stats(&s1);
	b = mem_malloc(2000); /* would cross the cap */
	mem_get_stats(&s2);
	T_CHECK(b == NULL);
	T_EQ_INT(s2.failures - s1.failures, 1);
	T_EQ_INT(current() - base, 3000);
	b = mem_malloc(1096); /* exactly at the cap */
	T_CHECK(b);
	mem_free(a);
	a = mem_malloc(2000); /* room again after a free */
	T_CHECK(a);
	mem_free(a);
	mem_free(b);
	mem_set_limit(0);
	mem_get_stats(&s1);
	T_EQ_INT(s1.limit, PDB_HEAP_HARD_LIMIT);
}

static void limit_above_hard_cap_is_clamped(void)
{
	struct mem_stats s;

	mem_set_limit((size_t)PDB_HEAP_HARD_LIMIT * 4);
	mem_get_stats(&s);
	T_EQ_INT(s.limit, PDB_HEAP_HARD_LIMIT);
	T_CHECK(mem_malloc((size_t)PDB_ALLOC_MAX + 1) == NULL);
}

static void zero_bytes_is_a_unique_pointer(void)
{
	void *a = mem_malloc(0), *b = mem_malloc(0);

	T_CHECK(a && b && a != b);
	mem_free(a);
	mem_free(b);
}

static void fail_the_nth_allocation(void)
{
	void *p[5];
	int i;

	mem_fail_at(3);
	for (i = 0; i < 5; i++)
		p[i] = mem_malloc(16);
	T_CHECK(p[0] && p[1] && p[3] && p[4]);
	T_CHECK(p[2] == NULL);
	T_EQ_INT(mem_fail_counted(), 5);
	for (i = 0; i < 5; i++)
		mem_free(p[i]);
	mem_fail_at(0);
	p[0] = mem_malloc(16);
	T_CHECK(p[0]);
	mem_free(p[0]);
}

static void failed_realloc_keeps_the_block(void)
{
	size_t base = current();
	char *p = mem_malloc(8), *q;

	T_CHECK(p);
	memcpy(p, "abcdefg", 8);
	mem_set_limit(base + 100);
	q = mem_realloc(p, 200);
	T_CHECK(q == NULL);
	T_EQ_STR(p, "abcdefg");
	T_EQ_INT(current() - base, 8);
	q = mem_realloc(p, 4); /* shrinking always fits */
	T_CHECK(q);
	T_EQ_INT(current() - base, 4);
	T_CHECK(mem_realloc(q, 0) == NULL); /* frees */
	T_EQ_INT(current(), base);
}

static void calloc_zeroes_and_checks_overflow(void)
{
	unsigned char *p = mem_calloc(10, 10);
	int i;

	T_CHECK(p);
	for (i = 0; i < 100; i++)
		T_EQ_INT(p[i], 0);
	mem_free(p);
	T_CHECK(mem_calloc(SIZE_MAX / 2, 4) == NULL);
}

static void strdup_copies(void)
{
	char *a = mem_strdup("on-call"), *b = mem_strndup("incident", 3);

	T_EQ_STR(a, "on-call");
	T_EQ_STR(b, "inc");
	mem_free(a);
	mem_free(b);
	mem_free(NULL);
}

static void wipe_zeroes_exactly_the_range(void)
{
	unsigned char b[32];
	volatile unsigned char *v = b;
	size_t i;

	memset(b, 0xA5, sizeof(b));
	mem_wipe(b + 8, 16);
	for (i = 0; i < sizeof(b); i++)
		T_EQ_INT(v[i], i >= 8 && i < 24 ? 0 : 0xA5);
	mem_wipe(NULL, 16); /* no-ops */
	mem_wipe(b, 0);
	T_EQ_INT(v[0], 0xA5);
}

static void free_secret_releases_the_whole_block(void)
{
	size_t base = current();
	char *tok = mem_strdup("u+pd-token-0123456789"), *blk = mem_malloc(4096);

	T_CHECK(tok && blk);
	memset(blk, 'k', 4096);
	T_EQ_INT(current() - base, strlen("u+pd-token-0123456789") + 1 + 4096);
	mem_free_secret(tok);
	mem_free_secret(blk);
	mem_free_secret(NULL);
	T_EQ_INT(current(), base);
}

static void *churn(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 20000; i++) {
		void *p = mem_malloc((size_t)(i % 512) + 1);

		p = mem_realloc(p, (size_t)(i % 256) + 1);
		mem_free(p);
	}
	return NULL;
}

static void counters_survive_threads(void)
{
	size_t base = current();
	pthread_t t[4];
	int i;

	for (i = 0; i < 4; i++)
		T_CHECK(pthread_create(&t[i], NULL, churn, NULL) == 0);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	T_EQ_INT(current(), base);
}

/* Resident pages of this process, from /proc/self/statm (0 if unreadable). */
static long resident_pages(void)
{
	long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return resident;
}

/*
 * 8 MiB in 4 KiB blocks, all freed but the last (which pins the heap's top,
 * so the C library cannot shrink it on its own): only mem_trim() gives the
 * freed pages back. Sanitizers keep their own heap and qemu-user keeps the
 * guest's pages, so there only the call itself is exercised.
 */
static void trim_gives_free_pages_back(void)
{
	enum { N = 2048, SZ = 4096 };
	static void *blocks[N];
	long before, after;
	int i;

	for (i = 0; i < N; i++) {
		blocks[i] = mem_malloc(SZ);
		T_CHECK(blocks[i] != NULL);
		if (blocks[i])
			memset(blocks[i], 0x5a, SZ);
	}
	for (i = 0; i < N - 1; i++)
		mem_free(blocks[i]);
	before = resident_pages();
	mem_trim();
	after = resident_pages();
	mem_free(blocks[N - 1]);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || defined(T_EMULATED)
	(void)before;
	(void)after;
#else
	/* at least half of what was freed went back */
	T_CHECK(before - after >= (long)(N / 2) * SZ / sysconf(_SC_PAGESIZE));
#endif
}

static const struct t_case cases[] = {
    {"counts_bytes_and_peak", counts_bytes_and_peak},
    {"hard_cap_refuses_and_recovers", hard_cap_refuses_and_recovers},
    {"limit_above_hard_cap_is_clamped", limit_above_hard_cap_is_clamped},
    {"zero_bytes_is_a_unique_pointer", zero_bytes_is_a_unique_pointer},
    {"fail_the_nth_allocation", fail_the_nth_allocation},
    {"failed_realloc_keeps_the_block", failed_realloc_keeps_the_block},
    {"calloc_zeroes_and_checks_overflow", calloc_zeroes_and_checks_overflow},
    {"strdup_copies", strdup_copies},
    {"wipe_zeroes_exactly_the_range", wipe_zeroes_exactly_the_range},
    {"free_secret_releases_the_whole_block", free_secret_releases_the_whole_block},
    {"counters_survive_threads", counters_survive_threads},
    {"trim_gives_free_pages_back", trim_gives_free_pages_back},
};

T_MAIN(cases)
