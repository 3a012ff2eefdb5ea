/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * board.c - the board page's state and events (board.h says what they are).
 *
 * The page is compiled in (board_page.h); the light theme is served from the
 * array as it is, the dark one from a copy with the theme attribute changed,
 * made once when the theme is set. The latest state JSON is kept as the
 * poller rendered it, so /state.json and the MQTT state topic are the same
 * bytes.
 *
 * How long a page may trust what it shows without hearing from us: a good
 * poll comes every interval, after stale_after failed polls in a row the
 * poller itself says stale, and one poll may take PDB_PD_DEADLINE_MS. Past
 * (stale_after + 1) intervals plus that deadline, silence means the daemon
 * or the network is gone, and the page turns grey on its own.
 */
#include "board_page.h"

#include <pdbridge/board.h>
#include <pdbridge/buf.h>
#include <pdbridge/clock.h>
#include <pdbridge/limits.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <stdio.h>
#include <string.h>

#define THEME_ATTR "data-theme=\""

static const char *const themes[] = {"light", "dark"}; /* the page's own is the first */

struct board {
	struct board_conf c;
	char theme[8];
	struct buf page;  /* the themed copy; empty for the page's own theme */
	struct buf state; /* the latest state JSON */
	struct buf ev;    /* events are written here */
	uint64_t seq;
	int64_t last_good_ms;
	bool have_state;
};

static enum pdb_rc check(const struct board_conf *c, size_t *theme, struct pdb_err *err)
{
	for (*theme = 0; *theme < PDB_N_OF(themes); (*theme)++)
		if (c->theme && !strcmp(c->theme, themes[*theme]))
			break;
	if (*theme == PDB_N_OF(themes))
		return pdb_err_set(err, PDB_E_INVAL, "board theme must be light or dark");
	if (!c->send || c->interval_ms <= 0 || !c->stale_after)
		return pdb_err_set(err, PDB_E_INVAL,
		                   "board needs a send callback, an interval and "
		                   "stale_after");
	return PDB_OK;
}

/* The page in theme @theme (an index of themes[]) into @out; empty for the page's own. */
static enum pdb_rc themed(size_t theme, struct buf *out)
{
	const char *at = strstr(board_page_html, THEME_ATTR);
	size_t head;

	buf_reset(out);
	if (!theme)
		return PDB_OK;
	if (!at)
		return PDB_E_INTERNAL;
	head = (size_t)(at - board_page_html) + strlen(THEME_ATTR);
	if (buf_add(out, board_page_html, head) || buf_adds(out, themes[theme]) ||
	    buf_adds(out, at + strlen(THEME_ATTR) + strlen(themes[0])))
		return PDB_E_NOMEM;
	return PDB_OK;
}

static enum pdb_rc apply(struct board *b, const struct board_conf *c, struct pdb_err *err)
{
	struct buf page;
	size_t theme;
	enum pdb_rc rc = check(c, &theme, err);

	if (rc)
		return rc;
	buf_init(&page, PDB_BOARD_PAGE_MAX + 16);
	rc = themed(theme, &page);
	if (rc) {
		buf_free(&page);
		return pdb_err_set(err, rc, "cannot make the %s page: %s", themes[theme],
		                   pdb_strerror(rc));
	}
	buf_free(&b->page);
	b->page = page;
	b->c = *c;
	snprintf(b->theme, sizeof(b->theme), "%s", themes[theme]);
	b->c.theme = b->theme;
	return PDB_OK;
}

enum pdb_rc board_new(const struct board_conf *c, struct board **out, struct pdb_err *err)
{
	struct board *b;
	enum pdb_rc rc;

	*out = NULL;
	b = mem_calloc(1, sizeof(*b));
	if (!b)
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory");
	buf_init(&b->page, PDB_BOARD_PAGE_MAX + 16);
	buf_init(&b->state, PDB_MQ_MSG_MAX);
	buf_init(&b->ev, PDB_BOARD_EVENT_MAX);
	rc = apply(b, c, err);
	if (rc) {
		board_free(b);
		return rc;
	}
	*out = b;
	return PDB_OK;
}

enum pdb_rc board_reconfigure(struct board *b, const struct board_conf *c, struct pdb_err *err)
{
	return apply(b, c, err);
}

/* One event into b->ev: "state" with the state, or "poll" with its seq. */
static enum pdb_rc compose(struct board *b, bool with_state)
{
	int64_t trust = ((int64_t)b->c.stale_after + 1) * b->c.interval_ms + PDB_PD_DEADLINE_MS;
	struct buf *e = &b->ev;
	enum pdb_rc rc;

	buf_reset(e);
	rc = buf_addf(e, "event: %s\ndata: {\"now\":%lld,\"last_good\":",
	              with_state ? "state" : "poll", (long long)clk_wall_ms());
	if (!rc)
		rc = b->last_good_ms ? buf_addf(e, "%lld", (long long)b->last_good_ms)
		                     : buf_adds(e, "null");
	if (!rc)
		rc = buf_addf(e, ",\"trust_ms\":%lld,", (long long)trust);
	if (!rc && with_state)
		rc = buf_adds(e, "\"state\":");
	if (!rc && with_state)
		rc = buf_add(e, buf_cstr(&b->state), buf_len(&b->state));
	if (!rc && !with_state)
		rc = buf_addf(e, "\"seq\":%llu", (unsigned long long)b->seq);
	if (!rc)
		rc = buf_adds(e, "}\n\n");
	return rc;
}

void board_update(struct board *b, const struct board_update *u)
{
	bool fresh = u->changed || !b->have_state;
	enum pdb_rc rc;

	/* One SSE data line holds the whole state: compact JSON has no newline. */
	if (!u->state_json || memchr(u->state_json, '\n', u->state_len)) {
		LOG_ERROR("board", "a state without JSON, or with a newline: not shown");
		return;
	}
	buf_reset(&b->state);
	rc = buf_add(&b->state, u->state_json, u->state_len);
	if (rc) {
		LOG_ERROR("board", "the state does not fit: %s", pdb_strerror(rc));
		b->have_state = false;
		return;
	}
	b->have_state = true;
	b->seq = u->seq;
	b->last_good_ms = u->last_good_ms;
	rc = compose(b, fresh);
	if (!rc)
		rc = b->c.send(b->c.send_ud, buf_cstr(&b->ev), buf_len(&b->ev));
	if (rc)
		LOG_WARN("board", "the viewers were not told seq %llu: %s",
		         (unsigned long long)u->seq, pdb_strerror(rc));
}

enum pdb_rc board_page(void *ud, const char **body, size_t *len)
{
	struct board *b = ud;

	*body = buf_len(&b->page) ? buf_cstr(&b->page) : board_page_html;
	*len = buf_len(&b->page) ? buf_len(&b->page) : board_page_len;
	return PDB_OK;
}

enum pdb_rc board_state(void *ud, const char **body, size_t *len)
{
	struct board *b = ud;

	if (!b->have_state)
		return PDB_E_MISSING;
	*body = buf_cstr(&b->state);
	*len = buf_len(&b->state);
	return PDB_OK;
}

enum pdb_rc board_first_event(void *ud, const char **body, size_t *len)
{
	struct board *b = ud;
	enum pdb_rc rc;

	if (!b->have_state)
		return PDB_E_MISSING;
	rc = compose(b, true);
	*body = buf_cstr(&b->ev);
	*len = buf_len(&b->ev);
	return rc;
}

void board_free(struct board *b)
{
	if (!b)
		return;
	buf_free(&b->page);
	buf_free(&b->state);
	buf_free(&b->ev);
	mem_free(b);
}
