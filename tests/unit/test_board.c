/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_board.c - the board page's state and events without a listener: the
 * compiled-in page and its themes, /state.json as the poller's bytes, a
 * "state" event per change and a "poll" event per unchanged poll (each with
 * the clock, the last good poll and how long a page may trust it), and the
 * settings it refuses.
 */
#include "harness.h"

#include <pdbridge/board.h>
#include <pdbridge/limits.h>

#include <stdio.h>
#include <stdlib.h>

#define STATE1 "{\"seq\":7,\"level\":\"ok\",\"incidents\":[]}"
#define STATE2 "{\"seq\":8,\"level\":\"triggered\",\"incidents\":[{\"id\":\"P1\"}]}"

static char sent[4096];
static int n_sent;

static enum pdb_rc record(void *ud, const char *events, size_t len)
{
	(void)ud;
	snprintf(sent, sizeof(sent), "%.*s", (int)len, events);
	n_sent++;
	return PDB_OK;
}

static struct board_conf conf(const char *theme)
{
	return (struct board_conf){.theme = theme,
	                           .interval_ms = 30000,
	                           .stale_after = 3,
	                           .send = record,
	                           .send_ud = NULL};
}

static void the_page_in_both_themes(void)
{
	struct board_conf c = conf("light");
	const char *light, *dark;
	size_t light_len, dark_len;
	struct pdb_err err;
	struct board *b;

	T_EQ_INT(board_new(&c, &b, &err), PDB_OK);
	T_EQ_INT(board_page(b, &light, &light_len), PDB_OK);
	T_CHECK(light_len > 1000 && light_len <= PDB_BOARD_PAGE_MAX);
	T_EQ_INT(strlen(light), light_len);
	T_CHECK(!strncmp(light, "<!doctype html>", 15));
	T_CHECK(strstr(light, "data-theme=\"light\""));
	T_CHECK(strstr(light, "<style>") && strstr(light, "<script>")); /* inlined */
	T_CHECK(!strstr(light, "href=\"board.css\"") && !strstr(light, "src=\"board.js\""));
	c = conf("dark");
	T_EQ_INT(board_reconfigure(b, &c, &err), PDB_OK);
	T_EQ_INT(board_page(b, &dark, &dark_len), PDB_OK);
	T_EQ_INT(dark_len, light_len - 1);
	T_CHECK(strstr(dark, "data-theme=\"dark\""));
	T_CHECK(!strstr(dark, "data-theme=\"light\""));
	c = conf("sepia");
	T_EQ_INT(board_reconfigure(b, &c, &err), PDB_E_INVAL);
	T_CHECK(strstr(pdb_err_text(&err), "light or dark"));
	T_EQ_INT(board_page(b, &dark, &dark_len), PDB_OK); /* the old settings stay */
	T_CHECK(strstr(dark, "data-theme=\"dark\""));
	board_free(b);
}

static void a_state_event_per_change_a_poll_event_otherwise(void)
{
	struct board_conf c = conf("light");
	const char *body;
	size_t len;
	struct pdb_err err;
	struct board *b;
	char want[256];
	long long trust = 4LL * 30000 + PDB_PD_DEADLINE_MS;

	T_EQ_INT(board_new(&c, &b, &err), PDB_OK);
	T_EQ_INT(board_state(b, &body, &len), PDB_E_MISSING);
	T_EQ_INT(board_first_event(b, &body, &len), PDB_E_MISSING);
	n_sent = 0;
	board_update(b, &(struct board_update){.seq = 7,
	                                       .changed = false, /* the first one is news anyway */
	                                       .last_good_ms = 0,
	                                       .state_json = STATE1,
	                                       .state_len = sizeof(STATE1) - 1});
	T_EQ_INT(n_sent, 1);
	T_CHECK(!strncmp(sent, "event: state\ndata: {\"now\":", 26));
	snprintf(want, sizeof(want),
	         ",\"last_good\":null,\"trust_ms\":%lld,\"state\":" STATE1 "}\n\n", trust);
	T_CHECK(strstr(sent, want));
	T_EQ_INT(board_state(b, &body, &len), PDB_OK);
	T_EQ_INT(len, sizeof(STATE1) - 1);
	T_CHECK(!memcmp(body, STATE1, len));

	board_update(b, &(struct board_update){.seq = 7,
	                                       .changed = false,
	                                       .last_good_ms = 1796000000123,
	                                       .state_json = STATE1,
	                                       .state_len = sizeof(STATE1) - 1});
	T_EQ_INT(n_sent, 2);
	T_CHECK(!strncmp(sent, "event: poll\ndata: {\"now\":", 25));
	snprintf(want, sizeof(want),
	         ",\"last_good\":1796000000123,\"trust_ms\":%lld,\"seq\":7}\n\n", trust);
	T_CHECK(strstr(sent, want));

	board_update(b, &(struct board_update){.seq = 8,
	                                       .changed = true,
	                                       .last_good_ms = 1796000030123,
	                                       .state_json = STATE2,
	                                       .state_len = sizeof(STATE2) - 1});
	T_EQ_INT(n_sent, 3);
	T_CHECK(strstr(sent, "\"state\":" STATE2 "}\n\n"));
	T_EQ_INT(board_first_event(b, &body, &len), PDB_OK);
	T_CHECK(!strncmp(body, "event: state\n", 13));
	T_CHECK(strstr(body, ",\"last_good\":1796000030123,"));
	T_CHECK(len > sizeof(STATE2) && !memcmp(body + len - sizeof(STATE2) - 2, STATE2, 5));

	/* A state with a raw newline would break the event's one data line: refused. */
	board_update(b,
	             &(struct board_update){
	                 .seq = 9, .changed = true, .state_json = "{\"a\":\n1}", .state_len = 8});
	T_EQ_INT(n_sent, 3);
	T_EQ_INT(board_state(b, &body, &len), PDB_OK);
	T_CHECK(!memcmp(body, STATE2, len));
	board_free(b);
}

static void settings_are_checked(void)
{
	struct board_conf c = conf("light");
	struct pdb_err err;
	struct board *b = NULL;

	c.send = NULL;
	T_EQ_INT(board_new(&c, &b, &err), PDB_E_INVAL);
	T_CHECK(!b);
	c = conf(NULL);
	T_EQ_INT(board_new(&c, &b, &err), PDB_E_INVAL);
	c = conf("dark");
	c.interval_ms = 0;
	T_EQ_INT(board_new(&c, &b, &err), PDB_E_INVAL);
	board_free(NULL);
}

static const struct t_case cases[] = {
    {"the_page_in_both_themes", the_page_in_both_themes},
    {"a_state_event_per_change_a_poll_event_otherwise",
     a_state_event_per_change_a_poll_event_otherwise},
    {"settings_are_checked", settings_are_checked},
};

T_MAIN(cases)
