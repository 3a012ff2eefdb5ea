/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lamp_led.c - one LED of the kernel's LED class: <sysfs>/<name>/ with its
 * brightness, max_brightness and trigger files, and the files a trigger adds
 * (timer: delay_on, delay_off; transient: state, duration, activate).
 *
 * The mode follows what the kernel offers (the trigger file lists it):
 * transient when it can, so that everything a lamp shows away from its rest
 * state is a kernel timer that runs out unless pdbridge arms it again; the
 * timer trigger for a plain blink without it; brightness alone when neither
 * is there. A transient arm writes state and duration when they change and
 * then activate "0" and "1": a write of "1" to a running arm does not
 * restart it, "0" cancels it first.
 *
 * Every write opens, writes and closes (a trigger makes its files anew);
 * O_NONBLOCK so that a path that is a FIFO cannot stall the loop. What was
 * last written is remembered, so a value that did not change is not
 * written again.
 */
#define _FILE_OFFSET_BITS 64 /* stat() and readdir() of 64-bit inode numbers on 32-bit boards */

#include "lamp_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum trig { TRIG_NONE = 0, TRIG_TIMER, TRIG_TRANSIENT, TRIG_COUNT };

static const char *const trig_names[TRIG_COUNT] = {
    [TRIG_NONE] = "none",
    [TRIG_TIMER] = "timer",
    [TRIG_TRANSIENT] = "transient",
};

/* A token of the trigger file longer than our longest trigger name is not ours. */
#define TRIG_NAME_MAX sizeof("transient")

static int attr_path(const struct lamp_led *d, const char *attr, char *out, size_t len)
{
	return snprintf(out, len, "%s/%s", d->dir, attr);
}

/* Write @val to @attr of @d; on failure the path and the reason go to @err. */
static enum pdb_rc put(struct lamp_led *d, const char *attr, const char *val, struct pdb_err *err)
{
	char path[PDB_LAMP_PATH_MAX];
	size_t n = strlen(val);
	ssize_t w = -1;
	int fd;

	attr_path(d, attr, path, sizeof(path));
	fd = open(path, O_WRONLY | O_TRUNC | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0) {
		w = write(fd, val, n);
		d->error = w < 0 ? errno : EIO;
		close(fd);
	} else {
		d->error = errno;
	}
	if (w == (ssize_t)n)
		return PDB_OK;
	return pdb_err_set(err, PDB_E_IO, "cannot write %s: %s", path, strerror(d->error));
}

static enum pdb_rc put_num(struct lamp_led *d, const char *attr, long v, struct pdb_err *err)
{
	char num[24];

	snprintf(num, sizeof(num), "%ld", v);
	return put(d, attr, num, err);
}

static enum pdb_rc set_trigger(struct lamp_led *d, enum trig t, struct pdb_err *err)
{
	enum pdb_rc rc;

	if (!d->has_trigger || d->trigger == (int)t)
		return PDB_OK;
	rc = put(d, "trigger", trig_names[t], err);
	/* A trigger's files are new: what they hold is the kernel's, not ours. */
	d->trigger = rc ? -1 : (int)t;
	d->armed_lit = -1;
	d->armed_ms = d->timer_on = d->timer_off = -1;
	return rc;
}

/* A bit per enum trig for the triggers @tok (@n bytes) names. */
static unsigned trig_bit(const char *tok, size_t n)
{
	unsigned t;

	for (t = 0; t < TRIG_COUNT; t++)
		if (strlen(trig_names[t]) == n && !memcmp(tok, trig_names[t], n))
			return 1u << t;
	return 0;
}

/*
 * The triggers of ours that the trigger file of @d lists ("none timer
 * [mmc0] transient ..."), read in pieces; -1 when there is no such file.
 */
static int offered(const struct lamp_led *d)
{
	char path[PDB_LAMP_PATH_MAX], buf[512], tok[TRIG_NAME_MAX];
	size_t t = 0, total = 0;
	bool skip = false;
	unsigned have = 0;
	ssize_t n, i;
	int fd;

	attr_path(d, "trigger", path, sizeof(path));
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (total < PDB_LAMP_TRIGGERS_READ_MAX && (n = read(fd, buf, sizeof(buf))) > 0) {
		total += (size_t)n;
		for (i = 0; i < n; i++) {
			char c = buf[i];

			if (c == ' ' || c == '\n' || c == '\t') {
				have |= skip ? 0 : trig_bit(tok, t);
				t = 0;
				skip = false;
			} else if (c != '[' && c != ']') {
				if (t < sizeof(tok))
					tok[t++] = c;
				else
					skip = true;
			}
		}
	}
	if (!skip)
		have |= trig_bit(tok, t);
	close(fd);
	return (int)have;
}

/* max_brightness, or 1 (a GPIO LED) when it cannot be read. */
static unsigned max_brightness(const struct lamp_led *d)
{
	char path[PDB_LAMP_PATH_MAX], buf[16];
	unsigned long v = 0;
	ssize_t n = -1;
	char *end = NULL;
	int fd;

	attr_path(d, "max_brightness", path, sizeof(path));
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n > 0) {
		buf[n] = '\0';
		v = strtoul(buf, &end, 10);
	}
	return v >= 1 && v <= 65535 && end && (*end == '\n' || !*end) ? (unsigned)v : 1;
}

enum pdb_rc lamp__led_open(struct lamp_led *d, const char *sysfs, struct pdb_err *err)
{
	char path[PDB_LAMP_PATH_MAX];
	struct stat st;
	enum pdb_rc rc;
	int have, fd;

	snprintf(d->dir, sizeof(d->dir), "%s/%s", sysfs, d->name);
	if (stat(d->dir, &st) || !S_ISDIR(st.st_mode))
		return pdb_err_set(err, PDB_E_NOTFOUND, "%s: no such LED (see ls %s)", d->dir,
		                   sysfs);
	attr_path(d, "brightness", path, sizeof(path));
	fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return pdb_err_set(err, PDB_E_IO, "%s: %s", path, strerror(errno));
	close(fd);
	d->max = max_brightness(d);
	have = offered(d);
	d->has_trigger = have >= 0;
	d->mode = have < 0                       ? LED_MODE_BRIGHT
	          : have & (1 << TRIG_TRANSIENT) ? LED_MODE_TRANSIENT
	          : have & (1 << TRIG_TIMER)     ? LED_MODE_TIMER
	                                         : LED_MODE_BRIGHT;
	d->trigger = -1;
	d->fails = 0;
	rc = set_trigger(d, TRIG_NONE, err);
	if (!rc)
		rc = put_num(d, "brightness", d->rest_lit ? (long)d->max : 0, err);
	if (!rc && d->mode == LED_MODE_TRANSIENT)
		rc = set_trigger(d, TRIG_TRANSIENT, err);
	d->open = !rc;
	return rc;
}

/* A transient arm: @lit for @ms, then the kernel puts the LED back at rest. */
static enum pdb_rc arm(struct lamp_led *d, bool lit, long ms, struct pdb_err *err)
{
	enum pdb_rc rc = set_trigger(d, TRIG_TRANSIENT, err);

	if (!rc && d->armed_lit != (int)lit) {
		rc = put(d, "state", lit ? "1" : "0", err);
		d->armed_lit = rc ? -1 : (int)lit;
	}
	if (!rc && d->armed_ms != ms) {
		rc = put_num(d, "duration", ms, err);
		d->armed_ms = rc ? -1 : ms;
	}
	if (!rc)
		rc = put(d, "activate", "0", err);
	if (!rc)
		rc = put(d, "activate", "1", err);
	return rc;
}

enum pdb_rc lamp__led_level(struct lamp_led *d, bool lit, unsigned ms, struct pdb_err *err)
{
	enum pdb_rc rc;

	if (d->mode == LED_MODE_TRANSIENT) {
		if (lit != d->rest_lit)
			rc = arm(d, lit, ms ? (long)ms : PDB_LAMP_DEADMAN_MS, err);
		else if (!(rc = set_trigger(d, TRIG_TRANSIENT, err)))
			rc = put(d, "activate", "0", err); /* back at rest now */
	} else {
		rc = set_trigger(d, TRIG_NONE, err);
		if (!rc)
			rc = put_num(d, "brightness", lit ? (long)d->max : 0, err);
	}
	if (rc && d->error == ENOENT)
		d->trigger = -1; /* someone changed the trigger: set ours again */
	return rc;
}

enum pdb_rc lamp__led_blink(struct lamp_led *d, unsigned on_ms, unsigned off_ms,
                            struct pdb_err *err)
{
	enum pdb_rc rc = set_trigger(d, TRIG_TIMER, err);

	if (!rc && d->timer_on != (long)on_ms) {
		rc = put_num(d, "delay_on", (long)on_ms, err);
		d->timer_on = rc ? -1 : (long)on_ms;
	}
	if (!rc && d->timer_off != (long)off_ms) {
		rc = put_num(d, "delay_off", (long)off_ms, err);
		d->timer_off = rc ? -1 : (long)off_ms;
	}
	if (rc && d->error == ENOENT)
		d->trigger = -1;
	return rc;
}

void lamp__led_rest(struct lamp_led *d)
{
	struct pdb_err err;

	d->trigger = -1;
	(void)set_trigger(d, TRIG_NONE, &err);
	(void)put_num(d, "brightness", d->rest_lit ? (long)d->max : 0, &err);
}
