/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lamp_button.c - the acknowledge button: an input event device (a gpio-key
 * overlay, a USB keypad) read on the loop, and the press it makes.
 *
 * button.device is a path, or the name of an input device: the eventN under
 * <root>/sys/class/input whose device/name it is, opened as
 * <root>/dev/input/eventN. Reads are whole struct input_event records, cut
 * records kept for the next read; only EV_KEY records of button.key with a
 * value of 0, 1 or 2 mean anything, the rest (sync, scan codes, garbage) is
 * skipped. An event's own time is used, on CLOCK_MONOTONIC (EVIOCSCLOCKID;
 * the clock of lamp__now()), unless it is further than
 * PDB_LAMP_EVENT_SKEW_MS from now. A device that is missing, unreadable or
 * gone (end of file, ENODEV) is closed and looked for again, backing off
 * from PDB_LAMP_BACKOFF_MIN_MS to PDB_LAMP_BACKOFF_MAX_MS; the trouble is
 * logged once, and its end.
 *
 * The press (pure): it begins at the first down edge and ends once the key
 * has been up for PDB_LAMP_DEBOUNCE_MS, so chatter is one press. Held for
 * PDB_LAMP_LONG_PRESS_MS (seen while held, or from the time of the up edge)
 * it is a long press, decided once; a press that ends before is a short one.
 */
#define _FILE_OFFSET_BITS 64 /* stat() and readdir() of 64-bit inode numbers on 32-bit boards */

#include "lamp_int.h"

#include <pdbridge/ev.h>
#include <pdbridge/log.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

_Static_assert(sizeof(struct input_event) <= sizeof(((struct lamp_button *)0)->part),
               "a cut record must fit lamp_button.part");

/* --- the press ------------------------------------------------------------------- */

enum lamp_action lamp__press_edge(struct lamp_press *p, bool down, int64_t t, uint64_t seq)
{
	if (!p->active) {
		if (down)
			*p = (struct lamp_press){
			    .active = true, .down = true, .start_ms = t, .seq = seq};
		return ACT_NONE;
	}
	if (t < p->start_ms)
		t = p->start_ms;
	if (t < p->up_ms)
		t = p->up_ms;
	p->down = down;
	if (down)
		return ACT_NONE;
	p->up_ms = t;
	if (!p->long_done && t - p->start_ms >= PDB_LAMP_LONG_PRESS_MS) {
		p->long_done = true;
		return ACT_LONG;
	}
	return ACT_NONE;
}

enum lamp_action lamp__press_tick(struct lamp_press *p, int64_t now)
{
	if (!p->active)
		return ACT_NONE;
	if (p->down) {
		if (p->long_done || now - p->start_ms < PDB_LAMP_LONG_PRESS_MS)
			return ACT_NONE;
		p->long_done = true;
		return ACT_LONG;
	}
	if (now - p->up_ms < PDB_LAMP_DEBOUNCE_MS)
		return ACT_NONE;
	p->active = false;
	return p->long_done ? ACT_NONE : ACT_SHORT;
}

int64_t lamp__press_due(const struct lamp_press *p)
{
	if (!p->active)
		return LAMP_NEVER;
	if (p->down)
		return p->long_done ? LAMP_NEVER : p->start_ms + PDB_LAMP_LONG_PRESS_MS;
	return p->up_ms + PDB_LAMP_DEBOUNCE_MS;
}

/* --- the device ------------------------------------------------------------------- */

/* @root without a trailing '/' ("" for "/"). */
static int root_len(const char *root)
{
	size_t n = strlen(root);

	while (n && root[n - 1] == '/')
		n--;
	return (int)n;
}

/* The first line of @path into @out (at most @len - 1 bytes); false if unreadable. */
static bool read_line(const char *path, char *out, size_t len)
{
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, out, len - 1);
		close(fd);
	}
	if (n < 0)
		return false;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	return true;
}

/* b->path from button.device: the path itself, or the event device of that name. */
static enum pdb_rc find(struct lamp_button *b, struct pdb_err *err)
{
	char dir[LAMP_DIR_MAX], path[PDB_LAMP_PATH_MAX], name[PDB_LAMP_INPUT_NAME_MAX];
	int rl = root_len(b->root);
	struct dirent *e;
	unsigned seen = 0;
	DIR *dh;

	if (b->spec[0] == '/') {
		snprintf(b->path, sizeof(b->path), "%s", b->spec);
		return PDB_OK;
	}
	snprintf(dir, sizeof(dir), "%.*s/sys/class/input", rl, b->root);
	dh = opendir(dir);
	if (!dh)
		return pdb_err_set(err, PDB_E_NOTFOUND, "%s: %s", dir, strerror(errno));
	while ((e = readdir(dh)) && seen++ < PDB_LAMP_INPUT_SCAN_MAX) {
		if (strncmp(e->d_name, "event", 5))
			continue;
		snprintf(path, sizeof(path), "%s/%.64s/device/name", dir, e->d_name);
		if (!read_line(path, name, sizeof(name)) || strcmp(name, b->spec))
			continue;
		snprintf(b->path, sizeof(b->path), "%.*s/dev/input/%.64s", rl, b->root, e->d_name);
		closedir(dh);
		return PDB_OK;
	}
	closedir(dh);
	return pdb_err_set(err, PDB_E_NOTFOUND, "no input device named '%s' in %s", b->spec, dir);
}

void lamp__button_close(struct lamp *l)
{
	struct lamp_button *b = &l->btn;

	if (b->fd >= 0) {
		ev_fd_del(l->loop, b->fd);
		close(b->fd);
		b->fd = -1;
	}
	b->n_part = 0;
	b->press.active = false; /* a press cut off does nothing */
}

/* One record: a key edge of ours goes to the press. */
static void record(struct lamp *l, const struct input_event *ev)
{
	struct lamp_button *b = &l->btn;
	int64_t now = lamp__now(l), t;
	enum lamp_action a;

	if (ev->type != EV_KEY || ev->code != b->key || ev->value < 0 || ev->value > 2)
		return;
	t = (int64_t)ev->input_event_sec * 1000 + (int64_t)(ev->input_event_usec / 1000);
	if (t > now + PDB_LAMP_EVENT_SKEW_MS || t < now - PDB_LAMP_EVENT_SKEW_MS)
		t = now;
	a = lamp__press_edge(&b->press, ev->value != 0, t, l->seq);
	if (a)
		lamp__action(l, a);
}

static void gone(struct lamp *l, const char *why)
{
	struct lamp_button *b = &l->btn;

	LOG_WARN(LAMP_LOG, "button: %s went away (%s): looking for it again", b->path, why);
	lamp__button_close(l);
	b->said = true;
	b->reopen_ms = lamp__now(l) + b->backoff_ms;
}

static void on_input(struct ev_loop *loop, int fd, unsigned events, void *ud)
{
	unsigned char buf[(PDB_LAMP_EVENTS_READ + 1) * sizeof(struct input_event)];
	const size_t rec = sizeof(struct input_event);
	struct lamp *l = ud;
	struct lamp_button *b = &l->btn;
	struct input_event ev;
	size_t have = b->n_part, at;
	ssize_t n;

	(void)loop;
	memcpy(buf, b->part, have);
	n = read(fd, buf + have, PDB_LAMP_EVENTS_READ * rec);
	if (n < 0 && (errno == EAGAIN || errno == EINTR) && !(events & EV_ERROR))
		return;
	if (n <= 0) {
		gone(l, n == 0                     ? "end of file"
		        : n < 0 && errno != EAGAIN ? strerror(errno)
		                                   : "hang-up");
		lamp__tick(l);
		return;
	}
	have += (size_t)n;
	for (at = 0; at + rec <= have && b->fd >= 0; at += rec) {
		memcpy(&ev, buf + at, rec);
		record(l, &ev);
	}
	b->n_part = b->fd >= 0 ? have - at : 0;
	memcpy(b->part, buf + at, b->n_part);
	lamp__tick(l);
}

/* Open b->path as found; PDB_OK with the fd watched by the loop. */
static enum pdb_rc open_dev(struct lamp *l, struct pdb_err *err)
{
	struct lamp_button *b = &l->btn;
	int clock = CLOCK_MONOTONIC;
	struct stat st;
	int fd;

	fd = open(b->path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return pdb_err_set(err, PDB_E_IO, "%s: %s", b->path, strerror(errno));
	if (fstat(fd, &st) ||
	    !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
		close(fd);
		return pdb_err_set(err, PDB_E_INVAL, "%s is not an input device", b->path);
	}
	if (S_ISCHR(st.st_mode))
		(void)ioctl(fd, EVIOCSCLOCKID, &clock); /* else CLOCK_REALTIME: the skew check */
	if (ev_fd_add(l->loop, fd, EV_READ, on_input, l)) {
		close(fd);
		return pdb_err_set(err, PDB_E_TOO_LARGE, "no room in the loop for %s", b->path);
	}
	b->fd = fd;
	return PDB_OK;
}

void lamp__button_open(struct lamp *l, int64_t now)
{
	struct lamp_button *b = &l->btn;
	struct pdb_err err;
	enum pdb_rc rc;

	pdb_err_clear(&err);
	rc = find(b, &err);
	if (!rc)
		rc = open_dev(l, &err);
	if (rc) {
		if (b->said)
			LOG_DEBUG(LAMP_LOG, "button: %s", pdb_err_text(&err));
		else
			LOG_WARN(LAMP_LOG, "button: %s: trying again (every %d s at most)",
			         pdb_err_text(&err), PDB_LAMP_BACKOFF_MAX_MS / 1000);
		b->said = true;
		b->reopen_ms = now + b->backoff_ms;
		b->backoff_ms = b->backoff_ms * 2 > PDB_LAMP_BACKOFF_MAX_MS
		                    ? PDB_LAMP_BACKOFF_MAX_MS
		                    : b->backoff_ms * 2;
		return;
	}
	LOG_INFO(LAMP_LOG, "button: %s%s (key %u)", b->said ? "found again: " : "", b->path,
	         b->key);
	b->said = false;
	b->backoff_ms = PDB_LAMP_BACKOFF_MIN_MS;
	b->reopen_ms = LAMP_NEVER;
	b->n_part = 0;
	b->press.active = false;
}
