/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lamp_pattern.c - what a lamp looks like: the patterns, which one an LED
 * shows for a state, and the buzzer's quiet hours. Pure: no I/O, no clock.
 *
 * Every pattern differs from the others in the length of what a dead-man
 * arm holds (a lit segment, or a dark one on an LED lit at rest), so the
 * kernel's transient files alone say what a lamp shows (docs/board.md has
 * the table; tests/integration/test_lamps.py reads the lamps that way).
 */
#include "lamp_int.h"

#include <string.h>

/* clang-format off */
static const struct lamp_pattern patterns[PAT_COUNT] = {
    [PAT_OFF] = {"off", {0}, 0, false},
    [PAT_ON] = {"on", {0}, 1, false},
    [PAT_SLOW] = {"slow blink", {1000, 1000}, 2, false},
    [PAT_FAST] = {"fast blink", {150, 150}, 2, false},
    [PAT_DOUBLE] = {"double blink", {120, 180, 120, 1080}, 4, false},
    [PAT_REFUSE] = {"refusal flicker", {50, 50}, 2, false},
    [PAT_BEEP] = {"beep", {200, 150, 200, 150, 200}, 5, true},
};
/* clang-format on */

/* An LED with several meanings shows the level as a pattern (the one-lamp board). */
static const enum lamp_pat shared[LAMP_BUZZER] = {
    [LAMP_OK] = PAT_OFF,
    [LAMP_ACKED] = PAT_SLOW,
    [LAMP_TRIGGERED] = PAT_FAST,
    [LAMP_UNKNOWN] = PAT_DOUBLE,
};

static const char *const level_names[LAMP_BUZZER] = {
    [LAMP_OK] = "ok",
    [LAMP_ACKED] = "acked",
    [LAMP_TRIGGERED] = "triggered",
    [LAMP_UNKNOWN] = "unknown",
};

const struct lamp_pattern *lamp__pattern(enum lamp_pat p)
{
	return &patterns[p];
}

void lamp__segment(const struct lamp_pattern *p, unsigned i, bool *lit, unsigned *ms)
{
	if (!p->n) {
		*lit = false;
		*ms = 0;
		return;
	}
	*lit = i % 2 == 0;
	*ms = p->seg[i % p->n];
}

enum lamp_role lamp__level_role(const char *level)
{
	int i;

	for (i = 0; level && i < LAMP_BUZZER; i++)
		if (!strcmp(level, level_names[i]))
			return (enum lamp_role)i;
	return LAMP_UNKNOWN;
}

enum lamp_pat lamp__pattern_for(unsigned roles, enum lamp_role level, bool high)
{
	roles &= (1u << LAMP_BUZZER) - 1;
	if (level >= LAMP_BUZZER || !(roles & (1u << level)))
		return PAT_OFF;
	if (roles & (roles - 1))
		return shared[level];
	return level == LAMP_TRIGGERED && high ? PAT_FAST : PAT_ON;
}

/* "H:MM" or "HH:MM" at *@s, advanced past it; -1 if it is not one. */
static int minute_of(const char **s)
{
	const char *p = *s;
	int h = 0, m, digits = 0;

	while (*p >= '0' && *p <= '9' && digits < 2) {
		h = h * 10 + (*p++ - '0');
		digits++;
	}
	if (!digits || h > 23 || *p != ':' || p[1] < '0' || p[1] > '5' || p[2] < '0' || p[2] > '9')
		return -1;
	m = (p[1] - '0') * 10 + (p[2] - '0');
	*s = p + 3;
	return h * 60 + m;
}

enum pdb_rc lamp__quiet_parse(const char *s, struct lamp_quiet *q, struct pdb_err *err)
{
	const char *p = s;

	memset(q, 0, sizeof(*q));
	if (!s || !*s)
		return PDB_OK;
	q->from = minute_of(&p);
	if (q->from >= 0 && *p == '-') {
		p++;
		q->to = minute_of(&p);
	} else {
		q->to = -1;
	}
	if (q->from < 0 || q->to < 0 || *p)
		return pdb_err_set(err, PDB_E_INVAL,
		                   "buzzer.quiet must be HH:MM-HH:MM in local time (e.g. "
		                   "22:00-07:00), not '%.40s'",
		                   s);
	if (q->from == q->to)
		return pdb_err_set(err, PDB_E_INVAL,
		                   "buzzer.quiet '%.40s' starts where it ends: unset it for none",
		                   s);
	q->on = true;
	return PDB_OK;
}

bool lamp__quiet_at(const struct lamp_quiet *q, int minute)
{
	if (!q->on)
		return false;
	if (q->from < q->to)
		return minute >= q->from && minute < q->to;
	return minute >= q->from || minute < q->to;
}
