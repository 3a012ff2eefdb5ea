/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lamp_int.h - what the files of src/lamp share, and what the unit test
 * drives directly (it steps lamp__tick() on a fake clock instead of waiting
 * for the loop's timer).
 *
 *   lamp.c          the life: settings, what each LED shows, the buzzer, the tick
 *   lamp_pattern.c  patterns, which one an LED shows, quiet hours (pure)
 *   lamp_led.c      one LED class device: open, the writes of each mode, rest
 *   lamp_button.c   the input device (find, open, read, reopen) and the press
 *                   state machine (pure)
 */
#ifndef PDBRIDGE_LAMP_INT_H
#define PDBRIDGE_LAMP_INT_H

#include <pdbridge/lamp.h>

#include <stddef.h>

#define LAMP_LOG   "lamp"
#define LAMP_NEVER INT64_MAX

/* <lamp.sysfs>/<name>: an LED's directory. */
#define LAMP_DIR_MAX (PDB_CFG_PATH_MAX + PDB_LAMP_NAME_MAX + 2)

/* --- lamp_pattern.c: pure ----------------------------------------------------- */

enum lamp_pat {
	PAT_OFF = 0, /* dark for good */
	PAT_ON,      /* lit for good */
	PAT_SLOW,    /* acknowledged, on a shared LED */
	PAT_FAST,    /* triggered */
	PAT_DOUBLE,  /* unknown, on a shared LED */
	PAT_REFUSE,  /* a long press was refused */
	PAT_BEEP,    /* the buzzer, once */
	PAT_COUNT
};

/*
 * Segments in ms, lit first, then alternately dark and lit; a 0 holds for
 * good. n == 0: dark for good. A pattern that is not `once` loops.
 */
struct lamp_pattern {
	const char *name; /* for the log */
	unsigned short seg[6];
	unsigned char n;
	bool once; /* ends dark after its last segment */
};

const struct lamp_pattern *lamp__pattern(enum lamp_pat p);

/** lamp__segment: segment @i of @p: lit or not, for how long (0: for good). */
void lamp__segment(const struct lamp_pattern *p, unsigned i, bool *lit, unsigned *ms);

/* The level of a state, as the roles it lights (LAMP_OK..LAMP_UNKNOWN). */
enum lamp_role lamp__level_role(const char *level);

/**
 * lamp__pattern_for: what an LED serving @roles (a bit per enum lamp_role)
 * shows while the state is @level.
 */
enum lamp_pat lamp__pattern_for(unsigned roles, enum lamp_role level, bool high);

/* Quiet hours as minutes of the day: [from, to), across midnight when to < from. */
struct lamp_quiet {
	bool on;
	int from, to;
};

/**
 * lamp__quiet_parse: "HH:MM-HH:MM" (hours 0..23, "H:MM" too) into @q; NULL
 * or "" is none. Returns PDB_OK or PDB_E_INVAL with the reason.
 */
enum pdb_rc lamp__quiet_parse(const char *s, struct lamp_quiet *q, struct pdb_err *err);

bool lamp__quiet_at(const struct lamp_quiet *q, int minute);

/* --- lamp_led.c: one LED class device ---------------------------------------- */

/* How an LED is driven, from what its kernel offers (its trigger file). */
enum lamp_led_mode {
	LED_MODE_BRIGHT = 0, /* brightness only; blinks timed by the loop */
	LED_MODE_TIMER,      /* the timer trigger blinks; no dead-man */
	LED_MODE_TRANSIENT,  /* every state off rest is a kernel-armed timer */
};

struct lamp_led {
	char name[PDB_LAMP_NAME_MAX + 1];
	char dir[LAMP_DIR_MAX]; /* <sysfs>/<name> */
	unsigned roles;         /* a bit per enum lamp_role */
	bool open;              /* usable; false once given up */
	bool has_trigger;       /* it has a trigger file */
	enum lamp_led_mode mode;
	bool rest_lit; /* shows unknown: lit at rest, so a dead pdbridge leaves it lit */
	unsigned max;  /* max_brightness */
	/* what it shows */
	enum lamp_pat pat;
	unsigned seg;    /* the segment due at next_ms */
	int64_t next_ms; /* LAMP_NEVER: nothing to do */
	unsigned fails;  /* writes failed in a row */
	/* what was last written, so an unchanged value is not written again */
	int trigger;              /* enum in lamp_led.c; -1: unknown */
	int armed_lit;            /* transient state; -1: unknown */
	long armed_ms;            /* transient duration; -1: unknown */
	long timer_on, timer_off; /* delay_on, delay_off */
	int error;                /* errno of the last write that failed */
};

/**
 * lamp__led_open: check <sysfs>/<name>, read what it offers, and put it at
 * rest under its mode. Returns PDB_OK, or PDB_E_IO / PDB_E_NOTFOUND with the
 * path and the reason in @err.
 */
enum pdb_rc lamp__led_open(struct lamp_led *d, const char *sysfs, struct pdb_err *err);

/**
 * lamp__led_level: make @d lit or dark for @ms (0: until told otherwise; a
 * transient arm then holds PDB_LAMP_DEADMAN_MS). Returns PDB_OK or PDB_E_IO
 * with the path in @err.
 */
enum pdb_rc lamp__led_level(struct lamp_led *d, bool lit, unsigned ms, struct pdb_err *err);

/** lamp__led_blink: the timer trigger, @on_ms lit and @off_ms dark (LED_MODE_TIMER). */
enum pdb_rc lamp__led_blink(struct lamp_led *d, unsigned on_ms, unsigned off_ms,
                            struct pdb_err *err);

/** lamp__led_rest: no trigger, lit if rest_lit else dark; best effort (the stop path). */
void lamp__led_rest(struct lamp_led *d);

/* --- lamp_button.c ------------------------------------------------------------ */

/* One press of the button, debounced. */
struct lamp_press {
	bool active;    /* a press is under way (down, or up for less than the debounce) */
	bool down;      /* the switch is down now */
	bool long_done; /* this press has acknowledged already */
	int64_t start_ms, up_ms;
	uint64_t seq; /* the state shown when it began */
};

enum lamp_action { ACT_NONE = 0, ACT_SHORT, ACT_LONG };

/** lamp__press_edge: the key went down or up at @t ms; @seq is shown now. */
enum lamp_action lamp__press_edge(struct lamp_press *p, bool down, int64_t t, uint64_t seq);

/** lamp__press_tick: what @now decides (a long hold, a release that lasted). */
enum lamp_action lamp__press_tick(struct lamp_press *p, int64_t now);

/** lamp__press_due: when lamp__press_tick() has something to decide; LAMP_NEVER: nothing. */
int64_t lamp__press_due(const struct lamp_press *p);

struct lamp_button {
	char spec[PDB_CFG_PATH_MAX + 1]; /* button.device: a path or a name */
	char root[PDB_CFG_PATH_MAX + 1];
	unsigned key;
	int fd; /* -1: closed */
	char path[PDB_LAMP_PATH_MAX];
	int64_t reopen_ms; /* LAMP_NEVER while open */
	int64_t backoff_ms;
	bool said; /* the current trouble is logged (once, not every retry) */
	/* the start of a record a read cut (a struct input_event is 16 or 24 bytes) */
	unsigned char part[32];
	size_t n_part;
	struct lamp_press press;
};

struct lamp;

/** lamp__button_open: try to open the device now; on failure the next try is set. */
void lamp__button_open(struct lamp *l, int64_t now);

/** lamp__button_close: close it (no action for a press under way). */
void lamp__button_close(struct lamp *l);

/* --- lamp.c --------------------------------------------------------------------- */

struct lamp_settings {
	char sysfs[PDB_CFG_PATH_MAX + 1];
	char led[LAMP_ROLES][PDB_LAMP_NAME_MAX + 1];
	unsigned repeat_s;
	struct lamp_quiet quiet;
	char quiet_text[16];
	unsigned mute_min;
	char button[PDB_CFG_PATH_MAX + 1];
	char root[PDB_CFG_PATH_MAX + 1];
	unsigned key;
};

struct lamp {
	struct ev_loop *loop;
	struct lamp_clock clock;
	lamp_ack_fn on_ack;
	lamp_refresh_fn on_refresh;
	void *ud;
	struct lamp_settings set;
	struct lamp_led led[LAMP_ROLES]; /* distinct devices; n_led used */
	size_t n_led;
	struct lamp_led *buzzer; /* in led[], or NULL */
	/* the state shown */
	uint64_t seq;
	enum lamp_role level;
	bool high;
	int64_t refuse_until;
	/* the buzzer */
	bool ringing;
	int64_t ring_ms; /* the next beep; LAMP_NEVER: none */
	int64_t mute_until;
	bool said_quiet;
	struct lamp_button btn;
	unsigned timer; /* the loop timer of the next tick; 0: none */
	int64_t timer_at;
};

/** lamp__now: the clock's now. */
int64_t lamp__now(const struct lamp *l);

/** lamp__tick: do everything due at now and set the timer for what is next. */
void lamp__tick(struct lamp *l);

/** lamp__action: a short or long press decided (lamp_button.c calls it). */
void lamp__action(struct lamp *l, enum lamp_action a);

#endif /* PDBRIDGE_LAMP_INT_H */
