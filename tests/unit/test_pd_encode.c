/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_pd_encode.c - the PagerDuty client's one percent-encoder, without a
 * network: its query and path modes, and query strings built from it. Calls themselves are tested
 * against the simulator (tests/integration/test_pd_client.py).
 */
#include "harness.h"

#include <pdbridge/pd.h>

#include <stdio.h>

/* @s encoded for @mode, or "(failed)". */
static const char *encoded(const char *s, enum pd_enc mode)
{
	static char out[256];
	struct buf b;

	buf_init(&b, sizeof(out) - 1);
	snprintf(out, sizeof(out), "%s", pd_encode(&b, s, mode) ? "(failed)" : buf_cstr(&b));
	buf_free(&b);
	return out;
}

static void unreserved_bytes_pass_in_both_modes(void)
{
	static const char plain[] = "AZaz09-_~";

	T_EQ_STR(encoded(plain, PD_ENC_QUERY), plain);
	T_EQ_STR(encoded(plain, PD_ENC_PATH), plain);
	T_EQ_STR(encoded("", PD_ENC_PATH), "");
}

static void dots_pass_in_a_query_not_in_a_path(void)
{
	T_EQ_STR(encoded("Europe/Berlin.x", PD_ENC_QUERY), "Europe%2FBerlin.x");
	T_EQ_STR(encoded("..", PD_ENC_QUERY), "..");
	/* a path segment of "." or ".." would be squashed by curl: "/teams/.." is "/" */
	T_EQ_STR(encoded("..", PD_ENC_PATH), "%2E%2E");
	T_EQ_STR(encoded("../users/me", PD_ENC_PATH), "%2E%2E%2Fusers%2Fme");
	T_EQ_STR(encoded("P1.2", PD_ENC_PATH), "P1%2E2");
}

static void every_other_byte_is_escaped_in_upper_case_hex(void)
{
	/* nothing that could end a segment, start a query or fragment, or split a pair */
	T_EQ_STR(encoded("a b/c?d&e=f#g+h%i", PD_ENC_QUERY), "a%20b%2Fc%3Fd%26e%3Df%23g%2Bh%25i");
	T_EQ_STR(encoded("statuses[]", PD_ENC_QUERY), "statuses%5B%5D");
	T_EQ_STR(encoded("\xc3\xa9\r\n\x7f\xff", PD_ENC_PATH), "%C3%A9%0D%0A%7F%FF");
}

static void the_buffer_bound_holds(void)
{
	struct buf b;

	/* "////" is 12 bytes encoded: it fits 12, and fails 11 leaving nothing half-built */
	buf_init(&b, 12);
	T_EQ_INT(pd_encode(&b, "////", PD_ENC_PATH), PDB_OK);
	T_EQ_STR(buf_cstr(&b), "%2F%2F%2F%2F");
	buf_free(&b);
	buf_init(&b, 11);
	T_EQ_INT(pd_encode(&b, "////", PD_ENC_PATH), PDB_E_TOO_LARGE);
	T_EQ_INT(buf_len(&b), 0);
	buf_free(&b);
}

static void query_pairs_are_joined_and_encoded(void)
{
	struct pd_query q;

	pd_query_init(&q);
	T_EQ_INT(pd_query_add(&q, "statuses[]", "triggered"), PDB_OK);
	T_EQ_INT(pd_query_add(&q, "time_zone", "Europe/Berlin"), PDB_OK);
	T_EQ_INT(pd_query_add(&q, "query", "a&b=c"), PDB_OK);
	T_EQ_STR(buf_cstr(&q.b),
	         "statuses%5B%5D=triggered&time_zone=Europe%2FBerlin&query=a%26b%3Dc");
	pd_query_free(&q);
}

static const struct t_case cases[] = {
    {"unreserved_bytes_pass_in_both_modes", unreserved_bytes_pass_in_both_modes},
    {"dots_pass_in_a_query_not_in_a_path", dots_pass_in_a_query_not_in_a_path},
    {"every_other_byte_is_escaped_in_upper_case_hex",
     every_other_byte_is_escaped_in_upper_case_hex},
    {"the_buffer_bound_holds", the_buffer_bound_holds},
    {"query_pairs_are_joined_and_encoded", query_pairs_are_joined_and_encoded},
};

T_MAIN(cases)
