/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lamp.h - lamps, a buzzer and an acknowledge button on the board itself,
 * through the kernel's LED class (<lamp.sysfs>/<name>/, /sys/class/leds) and
 * input devices (/dev/input/event*), as the Pi's gpio-led and gpio-key
 * overlays declare them (docs/board.md). No GPIO library and no root.
 *
 * Lamps. lamp.ok, lamp.acked, lamp.triggered and lamp.unknown each name an
 * LED; any may be unset and one LED may serve several. An LED with one
 * meaning is lit while that meaning holds (the triggered lamp blinks fast
 * while a shown triggered incident has high urgency). An LED with several
 * shows them as patterns: off = ok, slow blink = acknowledged, fast blink =
 * triggered, double blink = unknown (the Pi's ACT LED as a one-lamp board).
 * Not yet known or stale is unknown: never a green that is not true.
 *
 * Rest state and dead-man. At rest (not started, stopped, killed) a lamp that
 * shows unknown is lit and every other lamp is dark. Where the kernel has the
 * transient trigger, every moment a lamp differs from its rest state is a
 * kernel timer pdbridge arms: a steady state for PDB_LAMP_DEADMAN_MS,
 * re-armed every PDB_LAMP_REARM_MS; a blink, one arm per flash. When
 * pdbridge dies nothing re-arms, and within PDB_LAMP_DEADMAN_MS every lamp
 * is back at rest. Without that trigger a blink uses the timer trigger
 * (delay_on/delay_off) and a killed pdbridge leaves the last pattern (said
 * at start); lamp_free() always leaves the rest state.
 *
 * Buzzer. lamp.buzzer names an LED wired to an active buzzer. A short beep
 * pattern sounds when a new incident counts as triggered, again every
 * buzzer.repeat seconds until a good poll shows none triggered, except in
 * the buzzer.quiet hours (local time) and while muted (lamp_mute(): the
 * button, MQTT cmd/mute).
 *
 * Button. button.device is an event device path or an input device name
 * (found under <button.root>/sys/class/input, opened under
 * <button.root>/dev/input), button.key the key code. A short press mutes the
 * buzzer for buzzer.mute minutes and asks for a refresh; a press held for
 * PDB_LAMP_LONG_PRESS_MS acknowledges the incidents shown when it began
 * (the ack callback: app's status_ack()), once per press however long it is
 * held; a refusal flickers the lamps for PDB_LAMP_REFUSE_MS. Edges less than
 * PDB_LAMP_DEBOUNCE_MS apart belong to one press. Records are struct
 * input_event; anything else on the device is ignored. A device that is
 * missing or goes away is opened again, backing off.
 *
 * An LED that is missing or cannot be written is reported with its path and
 * left out; the rest keeps working.
 *
 * Threads: every function here is for the loop thread.
 */
#ifndef PDBRIDGE_LAMP_H
#define PDBRIDGE_LAMP_H

#include <pdbridge/err.h>
#include <pdbridge/limits.h>

#include <stdbool.h>
#include <stdint.h>

struct ev_loop;
struct lamp;

/* What an LED is for (the lamp.* keys). */
enum lamp_role {
	LAMP_OK = 0,
	LAMP_ACKED = 1,
	LAMP_TRIGGERED = 2,
	LAMP_UNKNOWN = 3,
	LAMP_BUZZER = 4,
	LAMP_ROLES
};

/* The clocks, injectable for tests. NULL in struct lamp_conf: the real ones. */
struct lamp_clock {
	int64_t (*now_ms)(void *ud);   /* monotonic ms, the clock of input event times */
	int (*local_minute)(void *ud); /* minute of the local day, 0..1439 */
	void *ud;
};

/*
 * A long press: acknowledge what was shown at @seq. Returns PDB_OK when the
 * acknowledgement started, else the refusal with its reason in @err.
 */
typedef enum pdb_rc (*lamp_ack_fn)(void *ud, uint64_t seq, struct pdb_err *err);
/* A short press: poll now. */
typedef void (*lamp_refresh_fn)(void *ud);

/* Settings; strings are copied by lamp_new() / lamp_reconfigure(). */
struct lamp_conf {
	struct ev_loop *loop;           /* borrowed for the life of the lamps */
	const char *sysfs;              /* LED class directory: "/sys/class/leds" */
	const char *led[LAMP_ROLES];    /* LED names; NULL or "": none */
	unsigned buzzer_repeat_s;       /* between two beeps; 0: once */
	const char *buzzer_quiet;       /* "HH:MM-HH:MM" local time; NULL or "": none */
	unsigned mute_min;              /* a mute without a length (1..PDB_LAMP_MUTE_MAX_MIN) */
	const char *button_device;      /* "/dev/input/event0" or "pd-ack"; NULL or "": none */
	const char *button_root;        /* "/": where sys/ and dev/ are looked up */
	unsigned button_key;            /* key code (28: KEY_ENTER) */
	lamp_ack_fn on_ack;             /* required with a button */
	lamp_refresh_fn on_refresh;     /* optional */
	void *ud;                       /* for both */
	const struct lamp_clock *clock; /* borrowed; NULL: the real clocks */
};

/* What the lamps show: the state a poll or an acknowledgement left. */
struct lamp_view {
	uint64_t seq;        /* of the state shown: a long press acknowledges it */
	bool valid;          /* a good poll has been seen */
	bool stale;          /* too many failed polls: unknown */
	const char *level;   /* "ok", "acked", "triggered" or "unknown" (borrowed for the call) */
	bool triggered_high; /* a shown triggered incident has high urgency */
	unsigned new_triggered; /* incidents triggered since the state before: the buzzer */
};

/** lamp_wanted: does @c configure any lamp, the buzzer or the button? */
bool lamp_wanted(const struct lamp_conf *c);

/**
 * lamp_new: check and copy @c, open every LED (one that is missing or not
 * writable is logged with its path and left out), show unknown and start
 * watching the button. Caller frees with lamp_free(). Returns PDB_OK,
 * PDB_E_INVAL (an LED name that is no name, bad quiet hours, the buzzer's
 * LED also a lamp), PDB_E_RANGE (buzzer.repeat, buzzer.mute, button.key),
 * PDB_E_TOO_LARGE (a path) or PDB_E_NOMEM, with the key in @err.
 */
enum pdb_rc lamp_new(const struct lamp_conf *c, struct lamp **out,
                     struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * lamp_reconfigure: new settings; when they differ, the LEDs and the button
 * are closed and opened again, keeping what is shown, the mute and the
 * buzzer. Returns as lamp_new(); on error the old settings stay.
 */
enum pdb_rc lamp_reconfigure(struct lamp *l, const struct lamp_conf *c,
                             struct pdb_err *err) PDB_WARN_UNUSED;

/** lamp_show: the state to show now; NULL @l is a no-op. */
void lamp_show(struct lamp *l, const struct lamp_view *v);

/**
 * lamp_mute: silence the buzzer for @minutes (-1: the configured length, 0:
 * unmute), stopping a beep under way; @source names the asker in the log.
 * Returns PDB_OK, PDB_E_RANGE (over PDB_LAMP_MUTE_MAX_MIN) or PDB_E_MISSING
 * (no buzzer), with the reason in @err.
 */
enum pdb_rc lamp_mute(struct lamp *l, int minutes, const char *source, struct pdb_err *err);

/** lamp_free: every lamp to its rest state, the button closed, freed; NULL is a no-op. */
void lamp_free(struct lamp *l);

#endif /* PDBRIDGE_LAMP_H */
