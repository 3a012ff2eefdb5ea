/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_err.c - error descriptions and detail text. */
#include "harness.h"

#include <pdbridge/err.h>

static void every_code_has_its_own_text(void)
{
	int i, j;

	for (i = PDB_OK; i <= PDB_E_INTERNAL; i++) {
		const char *a = pdb_strerror((enum pdb_rc)i);

		T_CHECK(a && *a);
		T_CHECK(strcmp(a, "unknown error"));
		for (j = PDB_OK; j < i; j++)
			T_CHECK(strcmp(a, pdb_strerror((enum pdb_rc)j)));
	}
	T_EQ_STR(pdb_strerror((enum pdb_rc)999), "unknown error");
}

static void codes_are_stable(void)
{
	/* These numbers are in logs and JSON-RPC errors: they may never move. */
	T_EQ_INT(PDB_E_NOMEM, 1);
	T_EQ_INT(PDB_E_TOO_LARGE, 2);
	T_EQ_INT(PDB_E_TIMEOUT, 9);
	T_EQ_INT(PDB_E_RATELIMIT, 14);
	T_EQ_INT(PDB_E_INTERNAL, 19);
}

static void set_formats_and_returns_code(void)
{
	struct pdb_err e;

	pdb_err_clear(&e);
	T_EQ_STR(pdb_err_text(&e), "success");
	T_EQ_INT(pdb_err_set(&e, PDB_E_HTTP, "status %d: %s", 404, "Not Found"), PDB_E_HTTP);
	T_EQ_INT(e.rc, PDB_E_HTTP);
	T_EQ_STR(pdb_err_text(&e), "status 404: Not Found");
	T_EQ_INT(pdb_err_set(NULL, PDB_E_IO, "ignored"), PDB_E_IO);
	pdb_err_clear(&e);
	T_EQ_INT(e.rc, PDB_OK);
}

static void empty_detail_falls_back_to_description(void)
{
	struct pdb_err e;

	pdb_err_set(&e, PDB_E_TIMEOUT, "%s", "");
	T_EQ_STR(pdb_err_text(&e), "timed out");
}

static void long_detail_is_cut_on_a_utf8_boundary(void)
{
	struct pdb_err e;
	char big[PDB_ERRMSG_MAX * 2];
	size_t i, len;

	/* "é" is two bytes; with an odd prefix one of them straddles the cut. */
	big[0] = 'x';
	for (i = 1; i + 2 < sizeof(big); i += 2) {
		big[i] = (char)0xC3;
		big[i + 1] = (char)0xA9;
	}
	big[i] = '\0';
	pdb_err_set(&e, PDB_E_PARSE, "%s", big);
	len = strlen(e.msg);
	T_CHECK(len < PDB_ERRMSG_MAX);
	T_CHECK(len >= PDB_ERRMSG_MAX - 3);
	T_EQ_INT((unsigned char)e.msg[len - 1], 0xA9); /* ends with a whole "é" */
	big[2] = 'y'; /* even prefix: the lead byte would be cut alone */
	pdb_err_set(&e, PDB_E_PARSE, "%s", big + 1);
	len = strlen(e.msg);
	T_CHECK(((unsigned char)e.msg[len - 1] & 0xC0u) != 0xC0u);
}

static const struct t_case cases[] = {
    {"every_code_has_its_own_text", every_code_has_its_own_text},
    {"codes_are_stable", codes_are_stable},
    {"set_formats_and_returns_code", set_formats_and_returns_code},
    {"empty_detail_falls_back_to_description", empty_detail_falls_back_to_description},
    {"long_detail_is_cut_on_a_utf8_boundary", long_detail_is_cut_on_a_utf8_boundary},
};

T_MAIN(cases)
