/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_pd.c - what the PagerDuty client believes of a page's `total`: only a
 * whole number that can be true of the page it came with. The paging itself
 * is tested against the simulator (tests/integration/test_pd_client.py).
 */
#include "harness.h"

#include "../../src/pd/pd_int.h"

#include <pdbridge/jsonx.h>

#include <cjson/cJSON.h>

#include <stdio.h>

/* The total of @text as a page of @received items saying @more. */
static struct pd_total total_of(const char *text, size_t received, bool more)
{
	struct pd_total t = {.value = -2, .why = "unparsed"};
	struct cJSON *page = NULL;
	struct pdb_err err;

	if (!jsonx_parse(text, strlen(text), &page, &err))
		t = pd__total(page, received, more);
	jsonx_free(page);
	return t;
}

static void a_count_that_fits_the_page_is_believed(void)
{
	T_EQ_INT(total_of("{\"total\":7,\"more\":true}", 5, true).value, 7);
	T_EQ_INT(total_of("{\"total\":5,\"more\":false}", 5, false).value, 5);
	T_EQ_INT(total_of("{\"total\":0}", 0, false).value, 0);
	T_EQ_INT(total_of("{\"total\":10000000000}", 100, true).value, 10000000000LL);
	T_CHECK(total_of("{\"total\":7}", 5, true).why == NULL);
}

static void absent_or_odd_values_are_not_counts(void)
{
	static const struct {
		const char *page, *why;
	} cases[] = {
	    {"{\"more\":true}", "absent or null"},
	    {"{\"total\":null}", "absent or null"},
	    {"{\"total\":-1}", "negative or out of range"},
	    {"{\"total\":1e300}", "negative or out of range"},
	    {"{\"total\":2.5}", "not a whole number"},
	    {"{\"total\":\"7\"}", "not a whole number"},
	    {"{\"total\":true}", "not a whole number"},
	};
	size_t i;

	for (i = 0; i < PDB_N_OF(cases); i++) {
		struct pd_total t = total_of(cases[i].page, 1, true);

		T_EQ_INT(t.value, -1);
		T_EQ_STR(t.why, cases[i].why);
	}
}

static void a_count_the_page_contradicts_is_not_believed(void)
{
	struct pd_total t = total_of("{\"total\":0}", 1, true); /* a contract mock's answer */

	T_EQ_INT(t.value, -1);
	T_EQ_STR(t.why, "smaller than the items of the page");
	t = total_of("{\"total\":3}", 5, false);
	T_EQ_INT(t.value, -1);
	t = total_of("{\"total\":1}", 1, true); /* all of it, yet more */
	T_EQ_INT(t.value, -1);
	T_EQ_STR(t.why, "no larger than the page, which says more");
}

static const struct t_case cases[] = {
    {"a_count_that_fits_the_page_is_believed", a_count_that_fits_the_page_is_believed},
    {"absent_or_odd_values_are_not_counts", absent_or_odd_values_are_not_counts},
    {"a_count_the_page_contradicts_is_not_believed", a_count_the_page_contradicts_is_not_believed},
};

T_MAIN(cases)
