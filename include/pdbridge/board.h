/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * board.h - the board page: what a screen on the board (Chromium in kiosk
 * mode), a touchscreen or a TV on the LAN shows, from the same state the
 * MQTT state topic carries.
 *
 * The board keeps the latest state and answers the page's three routes:
 *   /            the page (HTML, CSS and JS compiled in, themed)
 *   /state.json  the state object, exactly the state topic's payload
 *   /events      SSE: on connect one "state" event, then one "state" event
 *                per change and one small "poll" event per unchanged poll
 * Each event's data is {"now":ms,"last_good":ms|null,"trust_ms":ms, then
 * "state":{...} or "seq":N}: the server's clock (ages are right on a screen
 * whose clock is wrong), the last good poll, and how long the page may go
 * without hearing anything before it must stop trusting what it shows.
 *
 * It does no I/O of its own: app hands it every status view (board_update)
 * and serves its routes through transport's page listener; board_conf.send
 * is how its events reach the viewers. Everything is for the loop thread.
 */
#ifndef PDBRIDGE_BOARD_H
#define PDBRIDGE_BOARD_H

#include <pdbridge/err.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct board;

/* Send @len bytes of whole SSE events to every viewer. */
typedef enum pdb_rc (*board_send_fn)(void *ud, const char *events, size_t len);

/* Settings; copied by board_new() and board_reconfigure(). */
struct board_conf {
	const char *theme;    /* "light" or "dark" */
	int64_t interval_ms;  /* poll.interval */
	unsigned stale_after; /* poll.stale_after */
	board_send_fn send;   /* required */
	void *send_ud;
};

/* A state applied by the poller: the part of a status view the board uses. Borrowed. */
struct board_update {
	uint64_t seq;
	bool changed;         /* the content changed: a "state" event, else a "poll" event */
	int64_t last_good_ms; /* wall clock; 0: no good poll yet */
	const char *state_json;
	size_t state_len;
};

/**
 * board_new: a board with no state yet. Caller frees with board_free().
 * Returns PDB_OK, PDB_E_INVAL (bad theme, no send, interval or stale_after
 * 0) or PDB_E_NOMEM.
 */
enum pdb_rc board_new(const struct board_conf *c, struct board **out,
                      struct pdb_err *err) PDB_WARN_UNUSED;

/** board_reconfigure: new settings (a reload); on error the old ones stay. Returns as board_new().
 */
enum pdb_rc board_reconfigure(struct board *b, const struct board_conf *c,
                              struct pdb_err *err) PDB_WARN_UNUSED;

/** board_update: keep @u's state and tell the viewers. */
void board_update(struct board *b, const struct board_update *u);

/*
 * The routes' answers, as transport's tr_body_fn (@ud is the board): *@body
 * is borrowed until the next call on the board. board_state and
 * board_first_event return PDB_E_MISSING until the first board_update();
 * board_page never fails.
 */
enum pdb_rc board_page(void *ud, const char **body, size_t *len);
enum pdb_rc board_state(void *ud, const char **body, size_t *len);
enum pdb_rc board_first_event(void *ud, const char **body, size_t *len);

/** board_free: NULL is a no-op. */
void board_free(struct board *b);

#endif /* PDBRIDGE_BOARD_H */
