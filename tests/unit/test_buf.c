/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_buf.c - the bounded buffer at, and past, its limit. */
#include "harness.h"

#include <pdbridge/buf.h>
#include <pdbridge/mem.h>

static void fills_exactly_to_the_limit(void)
{
	struct buf b;
	char chunk[100];
	int i;

	memset(chunk, 'a', sizeof(chunk));
	buf_init(&b, 1000);
	for (i = 0; i < 10; i++)
		T_EQ_INT(buf_add(&b, chunk, sizeof(chunk)), PDB_OK);
	T_EQ_INT(buf_len(&b), 1000);
	T_EQ_INT(strlen(buf_cstr(&b)), 1000); /* terminated, not counted */
	buf_free(&b);
}

static void one_byte_past_the_limit_fails_and_empties(void)
{
	struct buf b;

	buf_init(&b, 5);
	T_EQ_INT(buf_adds(&b, "12345"), PDB_OK);
	T_EQ_INT(buf_addc(&b, '6'), PDB_E_TOO_LARGE);
	T_EQ_INT(buf_len(&b), 0);
	T_EQ_STR(buf_cstr(&b), "");
	/* still usable after the error */
	T_EQ_INT(buf_adds(&b, "ok"), PDB_OK);
	T_EQ_STR(buf_cstr(&b), "ok");
	buf_free(&b);
}

static void huge_add_is_refused_without_allocating(void)
{
	struct buf b;
	struct mem_stats s1, s2;

	buf_init(&b, 64);
	mem_get_stats(&s1);
	T_EQ_INT(buf_add(&b, "x", SIZE_MAX), PDB_E_TOO_LARGE);
	mem_get_stats(&s2);
	T_EQ_INT(s2.allocs, s1.allocs);
	buf_free(&b);
}

static void allocation_failure_is_nomem_and_empties(void)
{
	struct buf b;
	char chunk[100];

	memset(chunk, 'b', sizeof(chunk));
	buf_init(&b, 100000);
	T_EQ_INT(buf_add(&b, chunk, sizeof(chunk)), PDB_OK);
	mem_fail_at(1);
	T_EQ_INT(buf_add(&b, chunk, sizeof(chunk)), PDB_E_NOMEM);
	T_EQ_INT(buf_len(&b), 0);
	buf_free(&b);
}

static void never_allocates_beyond_max_plus_nul(void)
{
	struct buf b;
	struct mem_stats s;
	size_t base;

	mem_get_stats(&s);
	base = s.current;
	buf_init(&b, 3000);
	T_EQ_INT(buf_add(&b, "0123456789", 10), PDB_OK);
	while (buf_len(&b) + 10 <= 3000)
		T_EQ_INT(buf_add(&b, "0123456789", 10), PDB_OK);
	mem_get_stats(&s);
	T_CHECK(s.current - base <= 3001);
	buf_free(&b);
}

static void addf_formats_within_bound(void)
{
	struct buf b;

	buf_init(&b, 16);
	T_EQ_INT(buf_addf(&b, "%s=%d", "seq", 42), PDB_OK);
	T_EQ_STR(buf_cstr(&b), "seq=42");
	T_EQ_INT(buf_addf(&b, "%020d", 7), PDB_E_TOO_LARGE);
	T_EQ_INT(buf_len(&b), 0);
	buf_free(&b);
}

static void take_transfers_ownership(void)
{
	struct buf b;
	size_t len = 99;
	char *p;

	buf_init(&b, 64);
	T_CHECK(buf_take(&b, &len) == NULL);
	T_EQ_INT(len, 0);
	T_EQ_INT(buf_adds(&b, "hello"), PDB_OK);
	p = buf_take(&b, &len);
	T_EQ_STR(p, "hello");
	T_EQ_INT(len, 5);
	T_EQ_INT(buf_len(&b), 0);
	mem_free(p);
	buf_free(&b);
	buf_free(&b); /* idempotent */
}

static void drop_front_keeps_the_rest(void)
{
	struct buf b;

	buf_init(&b, 64);
	T_EQ_INT(buf_adds(&b, "{\"a\":1}\n{\"b\""), PDB_OK);
	buf_drop_front(&b, 8);
	T_EQ_STR(buf_cstr(&b), "{\"b\"");
	buf_drop_front(&b, 100);
	T_EQ_INT(buf_len(&b), 0);
	buf_reset(&b);
	T_EQ_STR(buf_cstr(&b), "");
	buf_free(&b);
}

static const struct t_case cases[] = {
    {"fills_exactly_to_the_limit", fills_exactly_to_the_limit},
    {"one_byte_past_the_limit_fails_and_empties", one_byte_past_the_limit_fails_and_empties},
    {"huge_add_is_refused_without_allocating", huge_add_is_refused_without_allocating},
    {"allocation_failure_is_nomem_and_empties", allocation_failure_is_nomem_and_empties},
    {"never_allocates_beyond_max_plus_nul", never_allocates_beyond_max_plus_nul},
    {"addf_formats_within_bound", addf_formats_within_bound},
    {"take_transfers_ownership", take_transfers_ownership},
    {"drop_front_keeps_the_rest", drop_front_keeps_the_rest},
};

T_MAIN(cases)
