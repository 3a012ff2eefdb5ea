/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_clock.c - monotonic deadlines and ISO-8601 both ways. */
#include "harness.h"

#include <pdbridge/clock.h>

static void parses_pagerduty_times(void)
{
	int64_t ms;

	T_EQ_INT(clk_parse_iso("1970-01-01T00:00:00Z", &ms), PDB_OK);
	T_EQ_INT(ms, 0);
	T_EQ_INT(clk_parse_iso("2026-11-27T21:52:07Z", &ms), PDB_OK);
	T_EQ_INT(ms, 1795816327000LL);
	T_EQ_INT(clk_parse_iso("2026-11-27T16:52:07-05:00", &ms), PDB_OK);
	T_EQ_INT(ms, 1795816327000LL);
	T_EQ_INT(clk_parse_iso("2026-11-28T03:22:07+05:30", &ms), PDB_OK);
	T_EQ_INT(ms, 1795816327000LL);
	T_EQ_INT(clk_parse_iso("2026-11-27T21:52:07.25Z", &ms), PDB_OK);
	T_EQ_INT(ms, 1795816327250LL);
	T_EQ_INT(clk_parse_iso("2024-02-29T12:00:00", &ms), PDB_OK); /* leap day, no zone */
}

static void rejects_malformed_times(void)
{
	static const char *const bad[] = {
	    "",
	    "2026-11-27",
	    "2026-13-01T00:00:00Z",
	    "2026-02-30T00:00:00Z",
	    "2023-02-29T00:00:00Z",
	    "2026-11-27T24:00:00Z",
	    "2026-11-27T10:00:00+5:00",
	    "2026-11-27T10:00:00Zjunk",
	    "2026-11-27T10:00:00.Z",
	    "2O26-11-27T10:00:00Z",
	};
	int64_t ms = 42;
	size_t i;

	for (i = 0; i < PDB_N_OF(bad); i++)
		T_EQ_INT(clk_parse_iso(bad[i], &ms), PDB_E_PARSE);
	T_EQ_INT(ms, 42);
}

static void formats_and_round_trips(void)
{
	char out[CLK_ISO_LEN];
	int64_t ms, t;

	clk_format_iso(1795816327999LL, out);
	T_EQ_STR(out, "2026-11-27T21:52:07Z");
	clk_format_iso(951782400000LL, out); /* 2000-02-29 */
	T_EQ_STR(out, "2000-02-29T00:00:00Z");
	for (t = 0; t < 4102444800000LL; t += 86400000LL * 37 + 3601000) {
		clk_format_iso(t, out);
		T_EQ_INT(clk_parse_iso(out, &ms), PDB_OK);
		T_EQ_INT(ms, t);
	}
}

static void deadlines_count_down(void)
{
	int64_t a = clk_now_ms(), d = clk_deadline(60000), past = clk_deadline(-1);

	T_CHECK(clk_now_ms() >= a);
	T_CHECK(clk_remaining_ms(d) > 59000 && clk_remaining_ms(d) <= 60000);
	T_EQ_INT(clk_remaining_ms(past), 0);
	T_CHECK(clk_wall_ms() > 1700000000000LL);
}

static const struct t_case cases[] = {
    {"parses_pagerduty_times", parses_pagerduty_times},
    {"rejects_malformed_times", rejects_malformed_times},
    {"formats_and_round_trips", formats_and_round_trips},
    {"deadlines_count_down", deadlines_count_down},
};

T_MAIN(cases)
