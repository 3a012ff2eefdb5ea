/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_lamp.c - the lamps, the buzzer and the button against a fake LED
 * class tree and a fake input device, on a fake clock.
 *
 * Each case makes a temp dir with LED directories (brightness,
 * max_brightness, trigger, delay_on, delay_off, state, duration, activate:
 * plain files that keep what was written last) and, for the button, a
 * sys/class/input/event3/device/name of "pd-ack" with a FIFO at
 * dev/input/event3 carrying struct input_event records. Time is the fake
 * clock: a case moves it and calls lamp__tick() the way the loop's timer
 * would, so blinks, beeps, debouncing and quiet hours run in no time.
 */
#define _FILE_OFFSET_BITS 64 /* stat() and readdir() of 64-bit inode numbers on 32-bit boards */

#include "harness.h"

#include "../../src/lamp/lamp_int.h"

#include <pdbridge/ev.h>
#include <pdbridge/log.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define T0 1000000

static int64_t fake_ms = T0;
static int fake_minute = 12 * 60;

static int64_t fake_now(void *ud)
{
	(void)ud;
	return fake_ms;
}

static int fake_local_minute(void *ud)
{
	(void)ud;
	return fake_minute;
}

static const struct lamp_clock fake_clock = {fake_now, fake_local_minute, NULL};

static unsigned n_acks, n_refresh;
static uint64_t ack_seq;
static enum pdb_rc ack_answer;

static enum pdb_rc fake_ack(void *ud, uint64_t seq, struct pdb_err *err)
{
	(void)ud;
	n_acks++;
	ack_seq = seq;
	if (ack_answer)
		return pdb_err_set(err, ack_answer, "write mode is off: set write_tools=true");
	return PDB_OK;
}

static void fake_refresh(void *ud)
{
	(void)ud;
	n_refresh++;
}

/* --- the fake tree ----------------------------------------------------------------- */

struct fx {
	char root[64];
	char leds[96];
	struct ev_loop *loop;
	struct lamp *l;
	struct lamp_conf c;
	int logfd;
	int wfd; /* the writer of the button's FIFO; -1: none */
};

static void rm_rf(const char *path)
{
	char sub[512];
	struct dirent *e;
	struct stat st;
	DIR *d;

	if (lstat(path, &st))
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	d = opendir(path);
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		rm_rf(sub);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror(path);
		close(fd);
	}
}

/* An LED @name offering @triggers (NULL: no trigger file at all). */
static void make_led(struct fx *f, const char *name, const char *triggers, const char *max)
{
	static const char *const attrs[] = {"delay_on", "delay_off", "state",
	                                    "duration", "activate",  "brightness"};
	char path[256];
	size_t i;

	snprintf(path, sizeof(path), "%s/%s", f->leds, name);
	mkdir(path, 0755);
	for (i = 0; i < PDB_N_OF(attrs); i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", f->leds, name, attrs[i]);
		write_file(path, "0\n");
	}
	snprintf(path, sizeof(path), "%s/%s/max_brightness", f->leds, name);
	write_file(path, max);
	if (triggers) {
		snprintf(path, sizeof(path), "%s/%s/trigger", f->leds, name);
		write_file(path, triggers);
	}
}

/* make_led(), and LED @name serves role @r. */
static void led_for(struct fx *f, enum lamp_role r, const char *name, const char *triggers,
                    const char *max)
{
	make_led(f, name, triggers, max);
	f->c.led[r] = name;
}

/* What @attr of LED @name holds, without the newline ("" when unreadable). */
static const char *attr(struct fx *f, const char *name, const char *a)
{
	static char out[8][128];
	static unsigned k;
	char path[256], *s = out[k++ % 8];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", f->leds, name, a);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, s, 127);
		close(fd);
	}
	s[n > 0 ? n : 0] = '\0';
	s[strcspn(s, "\n")] = '\0';
	return s;
}

static void set_attr(struct fx *f, const char *name, const char *a, const char *v)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s/%s", f->leds, name, a);
	write_file(path, v);
}

static bool fx_open(struct fx *f)
{
	char path[128];

	memset(f, 0, sizeof(*f));
	f->wfd = -1;
	snprintf(f->root, sizeof(f->root), "/tmp/pdb-lamp-XXXXXX");
	if (!mkdtemp(f->root))
		return false;
	snprintf(f->leds, sizeof(f->leds), "%s/leds", f->root);
	mkdir(f->leds, 0755);
	snprintf(path, sizeof(path), "%s/log", f->root);
	f->logfd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	log_set_fd(f->logfd);
	fake_ms = T0;
	fake_minute = 12 * 60;
	n_acks = n_refresh = 0;
	ack_seq = 0;
	ack_answer = PDB_OK;
	f->c = (struct lamp_conf){
	    .sysfs = f->leds,
	    .buzzer_repeat_s = 60,
	    .mute_min = 30,
	    .button_root = f->root,
	    .button_key = KEY_ENTER,
	    .on_ack = fake_ack,
	    .on_refresh = fake_refresh,
	    .clock = &fake_clock,
	};
	if (f->logfd < 0 || ev_new(&f->loop))
		return false;
	f->c.loop = f->loop;
	return true;
}

static bool fx_start(struct fx *f)
{
	struct pdb_err err;

	pdb_err_clear(&err);
	if (lamp_new(&f->c, &f->l, &err)) {
		fprintf(stderr, "lamp_new: %s\n", pdb_err_text(&err));
		return false;
	}
	return true;
}

static void fx_close(struct fx *f)
{
	lamp_free(f->l);
	f->l = NULL;
	if (f->wfd >= 0)
		close(f->wfd);
	ev_free(f->loop);
	log_set_fd(2);
	close(f->logfd);
	rm_rf(f->root);
}

/* Did the log get a line containing @needle? */
static bool logged(struct fx *f, const char *needle)
{
	static char text[65536];
	ssize_t n = pread(f->logfd, text, sizeof(text) - 1, 0);

	text[n > 0 ? n : 0] = '\0';
	return strstr(text, needle) != NULL;
}

static size_t count_logged(struct fx *f, const char *needle)
{
	static char text[65536];
	ssize_t n = pread(f->logfd, text, sizeof(text) - 1, 0);
	size_t c = 0;
	const char *p = text;

	text[n > 0 ? n : 0] = '\0';
	while ((p = strstr(p, needle)) != NULL) {
		c++;
		p++;
	}
	return c;
}

/* The clock @ms after T0, and the tick the loop's timer would make. */
static void at(struct fx *f, int64_t ms)
{
	fake_ms = T0 + ms;
	lamp__tick(f->l);
}

/* Walk the clock from now to @until in 10 ms steps; count arms ("activate" 0 -> 1) of @led. */
static unsigned arms_until(struct fx *f, const char *led, int64_t until)
{
	unsigned rises = 0;
	bool was = !strcmp(attr(f, led, "activate"), "1");

	while (fake_ms < T0 + until) {
		bool on;

		fake_ms += 10;
		lamp__tick(f->l);
		on = !strcmp(attr(f, led, "activate"), "1");
		rises += on && !was;
		was = on;
	}
	return rises;
}

static void show(struct fx *f, uint64_t seq, const char *level, bool high, unsigned fresh)
{
	struct lamp_view v = {.seq = seq,
	                      .valid = true,
	                      .level = level,
	                      .triggered_high = high,
	                      .new_triggered = fresh};

	lamp_show(f->l, &v);
}

static void show_stale(struct fx *f, uint64_t seq)
{
	struct lamp_view v = {.seq = seq, .valid = true, .stale = true, .level = "unknown"};

	lamp_show(f->l, &v);
}

/* --- the button's fake device ------------------------------------------------------- */

/* mkdir -p @root/@rel */
static void make_dirs(const char *root, const char *rel)
{
	char path[256];
	size_t i, n = (size_t)snprintf(path, sizeof(path), "%s/%s", root, rel);

	for (i = strlen(root) + 1; i <= n && i < sizeof(path); i++) {
		char c = path[i];

		if (c != '/' && c != '\0')
			continue;
		path[i] = '\0';
		mkdir(path, 0755);
		path[i] = c;
	}
}

/* Input devices under the fixture's root: event1 a keyboard, event3 "pd-ack" on a FIFO. */
static void make_button(struct fx *f)
{
	char path[256];

	make_dirs(f->root, "sys/class/input/event1/device");
	snprintf(path, sizeof(path), "%s/sys/class/input/event1/device/name", f->root);
	write_file(path, "Some Keyboard\n");
	make_dirs(f->root, "sys/class/input/event3/device");
	snprintf(path, sizeof(path), "%s/sys/class/input/event3/device/name", f->root);
	write_file(path, "pd-ack\n");
	make_dirs(f->root, "dev/input");
	snprintf(path, sizeof(path), "%s/dev/input/event3", f->root);
	mkfifo(path, 0600);
	f->c.button_device = "pd-ack";
}

static bool plug(struct fx *f)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/dev/input/event3", f->root);
	f->wfd = open(path, O_WRONLY | O_NONBLOCK);
	return f->wfd >= 0;
}

static void unplug(struct fx *f)
{
	close(f->wfd);
	f->wfd = -1;
}

/* A red lamp for triggered and the button, started and plugged in. */
static bool button_board(struct fx *f)
{
	if (!fx_open(f))
		return false;
	led_for(f, LAMP_TRIGGERED, "red", "none transient\n", "1\n");
	make_button(f);
	return fx_start(f) && plug(f);
}

/* Let the loop read what was written (fd callbacks only; the fake clock stands still). */
static void pump(struct fx *f)
{
	int i;

	for (i = 0; i < 4; i++)
		if (ev_run_once(f->loop, 0))
			fprintf(stderr, "ev_run_once failed\n");
}

static void record(struct fx *f, unsigned short type, unsigned short code, int value, int64_t t)
{
	struct input_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.input_event_sec = (__typeof__(ev.input_event_sec))(t / 1000);
	ev.input_event_usec = (__typeof__(ev.input_event_usec))(t % 1000 * 1000);
	ev.type = type;
	ev.code = code;
	ev.value = value;
	if (write(f->wfd, &ev, sizeof(ev)) != (ssize_t)sizeof(ev))
		perror("fifo");
}

/* The key going down (1), up (0) or repeating (2) at T0 + @t ms, then a sync. */
static void key(struct fx *f, int value, int64_t t)
{
	record(f, EV_KEY, KEY_ENTER, value, T0 + t);
	record(f, EV_SYN, SYN_REPORT, 0, T0 + t);
}

/* --- cases ---------------------------------------------------------------------------- */

static void t_patterns_for_roles(void)
{
	const unsigned ok = 1u << LAMP_OK, acked = 1u << LAMP_ACKED, trig = 1u << LAMP_TRIGGERED,
	               unknown = 1u << LAMP_UNKNOWN, all = ok | acked | trig | unknown;

	/* one meaning: lit while it holds, fast for high urgency */
	T_EQ_INT(lamp__pattern_for(ok, LAMP_OK, false), PAT_ON);
	T_EQ_INT(lamp__pattern_for(ok, LAMP_TRIGGERED, false), PAT_OFF);
	T_EQ_INT(lamp__pattern_for(trig, LAMP_TRIGGERED, false), PAT_ON);
	T_EQ_INT(lamp__pattern_for(trig, LAMP_TRIGGERED, true), PAT_FAST);
	T_EQ_INT(lamp__pattern_for(unknown, LAMP_UNKNOWN, false), PAT_ON);
	/* the one-lamp board */
	T_EQ_INT(lamp__pattern_for(all, LAMP_OK, false), PAT_OFF);
	T_EQ_INT(lamp__pattern_for(all, LAMP_ACKED, false), PAT_SLOW);
	T_EQ_INT(lamp__pattern_for(all, LAMP_TRIGGERED, false), PAT_FAST);
	T_EQ_INT(lamp__pattern_for(all, LAMP_UNKNOWN, false), PAT_DOUBLE);
	T_EQ_INT(lamp__pattern_for(acked | trig, LAMP_OK, false), PAT_OFF);
	T_EQ_INT(lamp__level_role("acked"), LAMP_ACKED);
	T_EQ_INT(lamp__level_role("something else"), LAMP_UNKNOWN);
	T_EQ_INT(lamp__level_role(NULL), LAMP_UNKNOWN);
}

static void t_quiet_hours(void)
{
	struct lamp_quiet q;
	struct pdb_err err;

	T_EQ_INT(lamp__quiet_parse("22:00-07:00", &q, &err), PDB_OK);
	T_CHECK(lamp__quiet_at(&q, 22 * 60));
	T_CHECK(lamp__quiet_at(&q, 3 * 60));
	T_CHECK(lamp__quiet_at(&q, 6 * 60 + 59));
	T_CHECK(!lamp__quiet_at(&q, 7 * 60));
	T_CHECK(!lamp__quiet_at(&q, 21 * 60 + 59));
	T_EQ_INT(lamp__quiet_parse("9:30-17:00", &q, &err), PDB_OK);
	T_CHECK(lamp__quiet_at(&q, 12 * 60) && !lamp__quiet_at(&q, 9 * 60 + 29));
	T_EQ_INT(lamp__quiet_parse("", &q, &err), PDB_OK);
	T_CHECK(!lamp__quiet_at(&q, 0));
	T_EQ_INT(lamp__quiet_parse("24:00-07:00", &q, &err), PDB_E_INVAL);
	T_CHECK(strstr(err.msg, "HH:MM-HH:MM") && strstr(err.msg, "24:00-07:00"));
	T_EQ_INT(lamp__quiet_parse("22:00", &q, &err), PDB_E_INVAL);
	T_EQ_INT(lamp__quiet_parse("22:60-07:00", &q, &err), PDB_E_INVAL);
	T_EQ_INT(lamp__quiet_parse("22:00-07:00x", &q, &err), PDB_E_INVAL);
	T_EQ_INT(lamp__quiet_parse("07:00-07:00", &q, &err), PDB_E_INVAL);
}

static void t_press_machine(void)
{
	struct lamp_press p;
	int i, acts = 0;

	memset(&p, 0, sizeof(p));
	/* short: down, up, and the release lasts the debounce */
	T_EQ_INT(lamp__press_edge(&p, true, 0, 5), ACT_NONE);
	T_EQ_INT(lamp__press_edge(&p, false, 200, 5), ACT_NONE);
	T_EQ_INT(lamp__press_due(&p), 200 + PDB_LAMP_DEBOUNCE_MS);
	T_EQ_INT(lamp__press_tick(&p, 200 + PDB_LAMP_DEBOUNCE_MS - 1), ACT_NONE);
	T_EQ_INT(lamp__press_tick(&p, 200 + PDB_LAMP_DEBOUNCE_MS), ACT_SHORT);
	T_EQ_INT(lamp__press_due(&p), LAMP_NEVER);
	/* long, seen while held; held on, it never decides again */
	T_EQ_INT(lamp__press_edge(&p, true, 1000, 6), ACT_NONE);
	T_EQ_INT(lamp__press_due(&p), 1000 + PDB_LAMP_LONG_PRESS_MS);
	T_EQ_INT(lamp__press_tick(&p, 1000 + PDB_LAMP_LONG_PRESS_MS), ACT_LONG);
	T_EQ_INT(p.seq, 6);
	T_EQ_INT(lamp__press_tick(&p, 9000), ACT_NONE);
	T_EQ_INT(lamp__press_edge(&p, true, 9000, 6), ACT_NONE); /* autorepeat */
	T_EQ_INT(lamp__press_edge(&p, false, 9500, 6), ACT_NONE);
	T_EQ_INT(lamp__press_tick(&p, 9600),
	         ACT_NONE); /* the end of a long press is no short one */
	T_CHECK(!p.active);
	/* long, from the time of the up edge */
	T_EQ_INT(lamp__press_edge(&p, true, 20000, 7), ACT_NONE);
	T_EQ_INT(lamp__press_edge(&p, false, 20000 + PDB_LAMP_LONG_PRESS_MS, 7), ACT_LONG);
	T_EQ_INT(lamp__press_tick(&p, 30000), ACT_NONE);
	/* 20 edges in 38 ms are one short press */
	for (i = 0; i < 20; i++)
		acts += lamp__press_edge(&p, i % 2 == 0, 40000 + 2 * i, 8) != ACT_NONE;
	for (i = 0; i < 200; i++)
		acts += lamp__press_tick(&p, 40000 + 2 * i) == ACT_SHORT ? 100 : 0;
	T_EQ_INT(acts, 100);
	/* chatter, then held: one long press */
	for (i = 0; i < 21; i++)
		T_EQ_INT(lamp__press_edge(&p, i % 2 == 0, 50000 + 2 * i, 9), ACT_NONE);
	T_EQ_INT(lamp__press_tick(&p, 50000 + PDB_LAMP_LONG_PRESS_MS), ACT_LONG);
	T_EQ_INT(lamp__press_tick(&p, 59000), ACT_NONE);
	/* an up with nothing down, and an edge from the past, decide nothing */
	memset(&p, 0, sizeof(p));
	T_EQ_INT(lamp__press_edge(&p, false, 100, 1), ACT_NONE);
	T_CHECK(!p.active);
	T_EQ_INT(lamp__press_edge(&p, true, 5000, 1), ACT_NONE);
	T_EQ_INT(lamp__press_edge(&p, false, 10, 1), ACT_NONE);
	T_EQ_INT(p.up_ms, 5000);
}

/* Dedicated lamps on the transient trigger: what each state arms, and the re-arm. */
static void t_transient_lamps_and_dead_man(void)
{
	struct fx f;

	T_CHECK(fx_open(&f));
	led_for(&f, LAMP_OK, "green", "[none] timer oneshot transient mmc0\n", "1\n");
	led_for(&f, LAMP_TRIGGERED, "red", "none timer transient [heartbeat]\n", "1\n");
	led_for(&f, LAMP_UNKNOWN, "white", "none transient\n", "255\n");
	T_CHECK(fx_start(&f));
	T_CHECK(logged(&f, "lamp.ok: LED "));
	T_CHECK(logged(&f, "transient trigger"));
	/* nothing known yet: unknown is the rest state of the white lamp, lit */
	T_EQ_STR(attr(&f, "white", "trigger"), "transient");
	T_EQ_STR(attr(&f, "white", "brightness"), "255");
	T_EQ_STR(attr(&f, "white", "activate"), "0");
	T_EQ_STR(attr(&f, "green", "brightness"), "0");
	T_EQ_STR(attr(&f, "green", "activate"), "0");

	show(&f, 1, "ok", false, 0);
	T_EQ_STR(attr(&f, "green", "state"), "1");
	T_EQ_STR(attr(&f, "green", "duration"), "15000");
	T_EQ_STR(attr(&f, "green", "activate"), "1");
	T_EQ_STR(attr(&f, "white", "state"), "0"); /* held dark: it lights if we die */
	T_EQ_STR(attr(&f, "white", "duration"), "15000");
	T_EQ_STR(attr(&f, "white", "activate"), "1");
	T_EQ_STR(attr(&f, "red", "activate"), "0");
	/* re-armed every PDB_LAMP_REARM_MS, well inside the dead-man time */
	set_attr(&f, "green", "activate", "x");
	at(&f, PDB_LAMP_REARM_MS - 1);
	T_EQ_STR(attr(&f, "green", "activate"), "x");
	at(&f, PDB_LAMP_REARM_MS);
	T_EQ_STR(attr(&f, "green", "activate"), "1");
	T_CHECK(PDB_LAMP_REARM_MS * 2 <= PDB_LAMP_DEADMAN_MS);

	/* triggered, high urgency: the red lamp flashes, one arm per flash */
	show(&f, 2, "triggered", true, 1);
	T_EQ_STR(attr(&f, "green", "activate"), "0");
	T_EQ_STR(attr(&f, "red", "state"), "1");
	T_EQ_STR(attr(&f, "red", "duration"), "150");
	T_EQ_INT(arms_until(&f, "red", PDB_LAMP_REARM_MS + 3000), 10);

	/* stale: unknown, whatever the last poll said */
	show_stale(&f, 2);
	T_EQ_STR(attr(&f, "red", "activate"), "0");
	T_EQ_STR(attr(&f, "white", "activate"), "0");

	/* a clean stop leaves the rest state, with no trigger to run out */
	lamp_free(f.l);
	f.l = NULL;
	T_EQ_STR(attr(&f, "white", "trigger"), "none");
	T_EQ_STR(attr(&f, "white", "brightness"), "255");
	T_EQ_STR(attr(&f, "green", "trigger"), "none");
	T_EQ_STR(attr(&f, "green", "brightness"), "0");
	T_EQ_STR(attr(&f, "red", "brightness"), "0");
	fx_close(&f);
}

/* The Pi's ACT LED as a one-lamp board: every state a pattern, dark ones armed. */
static void t_one_lamp_board(void)
{
	struct fx f;
	int r;

	T_CHECK(fx_open(&f));
	make_led(&f, "ACT", "none timer transient [mmc0] actpwr\n", "1\n");
	for (r = LAMP_OK; r <= LAMP_UNKNOWN; r++)
		f.c.led[r] = "ACT";
	T_CHECK(fx_start(&f));
	T_CHECK(logged(&f, "lamp.ok,lamp.acked,lamp.triggered,lamp.unknown: LED "));
	/* unknown: double blink; lit is its rest, so the dark gaps are armed */
	T_EQ_STR(attr(&f, "ACT", "activate"), "0");
	at(&f, 120);
	T_EQ_STR(attr(&f, "ACT", "state"), "0");
	T_EQ_STR(attr(&f, "ACT", "duration"), "180");
	T_EQ_STR(attr(&f, "ACT", "activate"), "1");
	at(&f, 300);
	T_EQ_STR(attr(&f, "ACT", "activate"), "0");
	at(&f, 420);
	T_EQ_STR(attr(&f, "ACT", "duration"), "1080");
	T_EQ_STR(attr(&f, "ACT", "activate"), "1");
	/* ok: dark, held by an arm that runs out into lit if pdbridge dies */
	show(&f, 3, "ok", false, 0);
	T_EQ_STR(attr(&f, "ACT", "state"), "0");
	T_EQ_STR(attr(&f, "ACT", "duration"), "15000");
	T_EQ_STR(attr(&f, "ACT", "activate"), "1");
	/* acknowledged: slow blink */
	show(&f, 4, "acked", false, 0);
	T_EQ_STR(attr(&f, "ACT", "activate"), "0");
	at(&f, 420 + 1000);
	T_EQ_STR(attr(&f, "ACT", "duration"), "1000");
	T_EQ_STR(attr(&f, "ACT", "activate"), "1");
	/* triggered: fast blink, low urgency too */
	show(&f, 5, "triggered", false, 1);
	at(&f, 420 + 1000 + 150);
	T_EQ_STR(attr(&f, "ACT", "duration"), "150");
	T_EQ_STR(attr(&f, "ACT", "activate"), "1");
	lamp_free(f.l);
	f.l = NULL;
	T_EQ_STR(attr(&f, "ACT", "trigger"), "none");
	T_EQ_STR(attr(&f, "ACT", "brightness"), "1"); /* stopped: lit, "not watching" */
	fx_close(&f);
}

/* A kernel without the transient trigger: the timer trigger blinks, and it is said. */
static void t_timer_trigger_without_transient(void)
{
	struct fx f;

	T_CHECK(fx_open(&f));
	make_led(&f, "amber", "[none] timer heartbeat\n", "1\n");
	led_for(&f, LAMP_OK, "green", "none timer\n", "255\n");
	f.c.led[LAMP_ACKED] = "amber";
	f.c.led[LAMP_TRIGGERED] = "amber";
	T_CHECK(fx_start(&f));
	T_CHECK(logged(&f, "no transient trigger (modprobe ledtrig-transient)"));
	show(&f, 1, "acked", false, 0);
	T_EQ_STR(attr(&f, "amber", "trigger"), "timer");
	T_EQ_STR(attr(&f, "amber", "delay_on"), "1000");
	T_EQ_STR(attr(&f, "amber", "delay_off"), "1000");
	at(&f, 5000); /* the kernel blinks: nothing for us to do */
	T_EQ_STR(attr(&f, "amber", "delay_on"), "1000");
	show(&f, 2, "triggered", true, 1);
	T_EQ_STR(attr(&f, "amber", "delay_on"), "150");
	T_EQ_STR(attr(&f, "amber", "delay_off"), "150");
	show(&f, 3, "ok", false, 0);
	T_EQ_STR(attr(&f, "amber", "trigger"), "none");
	T_EQ_STR(attr(&f, "amber", "brightness"), "0");
	T_EQ_STR(attr(&f, "green", "trigger"), "none");
	T_EQ_STR(attr(&f, "green", "brightness"), "255");
	fx_close(&f);
}

/* No trigger file at all: brightness, timed by the loop. */
static void t_brightness_only(void)
{
	struct fx f;

	T_CHECK(fx_open(&f));
	make_led(&f, "bare", NULL, "1\n");
	f.c.led[LAMP_UNKNOWN] = "bare";
	f.c.led[LAMP_OK] = "bare";
	T_CHECK(fx_start(&f));
	T_EQ_STR(attr(&f, "bare", "brightness"), "1"); /* double blink: lit */
	at(&f, 119);
	T_EQ_STR(attr(&f, "bare", "brightness"), "1");
	at(&f, 120);
	T_EQ_STR(attr(&f, "bare", "brightness"), "0");
	at(&f, 300);
	T_EQ_STR(attr(&f, "bare", "brightness"), "1");
	at(&f, 420);
	T_EQ_STR(attr(&f, "bare", "brightness"), "0");
	at(&f, 1499);
	T_EQ_STR(attr(&f, "bare", "brightness"), "0");
	at(&f, 1500);
	T_EQ_STR(attr(&f, "bare", "brightness"), "1");
	show(&f, 1, "ok", false, 0);
	T_EQ_STR(attr(&f, "bare", "brightness"), "0");
	fx_close(&f);
}

/* A missing LED and one that cannot be written: said with the path; the rest works. */
static void t_missing_and_unwritable_leds(void)
{
	char path[256];
	struct fx f;
	int i;

	T_CHECK(fx_open(&f));
	led_for(&f, LAMP_OK, "green", "none transient\n", "1\n");
	led_for(&f, LAMP_ACKED, "stuck", "none transient\n", "1\n");
	snprintf(path, sizeof(path), "%s/stuck/brightness", f.leds);
	unlink(path);
	mkdir(path, 0755); /* not writable, even for root */
	f.c.led[LAMP_TRIGGERED] = "pd-nope";
	T_CHECK(fx_start(&f));
	snprintf(path, sizeof(path), "lamp.triggered: %s/pd-nope: no such LED", f.leds);
	T_CHECK(logged(&f, path));
	snprintf(path, sizeof(path), "lamp.acked: %s/stuck/brightness: Is a directory", f.leds);
	T_CHECK(logged(&f, path));
	T_CHECK(count_logged(&f, "running without it") == 2);
	show(&f, 1, "ok", false, 0);
	T_EQ_STR(attr(&f, "green", "activate"), "1");

	/* a write that keeps failing is retried, then given up, with the path */
	snprintf(path, sizeof(path), "%s/green/activate", f.leds);
	unlink(path);
	mkdir(path, 0755);
	for (i = 0; i < PDB_LAMP_FAILS_MAX - 1; i++)
		at(&f, PDB_LAMP_REARM_MS + PDB_LAMP_RETRY_MS * i);
	T_CHECK(!logged(&f, "green/activate"));
	at(&f, PDB_LAMP_REARM_MS + PDB_LAMP_RETRY_MS * i);
	snprintf(path, sizeof(path), "lamp.ok: cannot write %s/green/activate: Is a directory",
	         f.leds);
	T_CHECK(logged(&f, path));
	T_CHECK(count_logged(&f, "running without it") == 3);
	T_EQ_STR(attr(&f, "green", "trigger"), "none"); /* left at rest */
	at(&f, 60000);
	fx_close(&f);
}

/* The buzzer: a beep pattern for a new incident, repeated until it is acknowledged. */
static void t_buzzer_rings_until_acknowledged(void)
{
	struct fx f;

	T_CHECK(fx_open(&f));
	led_for(&f, LAMP_BUZZER, "buzz", "none timer transient\n", "1\n");
	f.c.buzzer_repeat_s = 20;
	T_CHECK(fx_start(&f));
	show(&f, 1, "ok", false, 0);
	T_EQ_INT(arms_until(&f, "buzz", 1000), 0);
	show(&f, 2, "triggered", false, 1);
	T_EQ_STR(attr(&f, "buzz", "duration"), "200");
	T_EQ_INT(arms_until(&f, "buzz", 1000 + 15000) + 1, 3); /* three beeps, counting the first */
	T_EQ_STR(attr(&f, "buzz", "activate"), "0");
	T_EQ_INT(arms_until(&f, "buzz", 1000 + 25000), 3); /* again after buzzer.repeat */
	T_EQ_INT(count_logged(&f, "buzzer: beep"), 2);
	/* a poll that says nothing new does not start it over; still triggered, it goes on */
	show(&f, 2, "triggered", false, 0);
	T_EQ_INT(arms_until(&f, "buzz", 1000 + 45000), 3);
	/* acknowledged: quiet from now on */
	show(&f, 3, "acked", false, 0);
	T_CHECK(logged(&f, "buzzer: nothing is triggered any more"));
	T_EQ_INT(arms_until(&f, "buzz", 1000 + 130000), 0);
	fx_close(&f);

	/* buzzer.repeat 0: once */
	T_CHECK(fx_open(&f));
	led_for(&f, LAMP_BUZZER, "buzz", "none timer transient\n", "1\n");
	f.c.buzzer_repeat_s = 0;
	T_CHECK(fx_start(&f));
	show(&f, 4, "triggered", false, 1);
	T_EQ_INT(arms_until(&f, "buzz", 400000) + 1, 3);
	fx_close(&f);
}

/* Quiet hours (local time from the clock) and mutes keep it silent. */
static void t_buzzer_quiet_hours_and_mute(void)
{
	struct pdb_err err;
	struct fx f;

	T_CHECK(fx_open(&f));
	led_for(&f, LAMP_BUZZER, "buzz", "none transient\n", "1\n");
	f.c.buzzer_quiet = "22:00-07:00";
	f.c.buzzer_repeat_s = 60;
	T_CHECK(fx_start(&f));
	fake_minute = 23 * 60 + 30;
	show(&f, 1, "triggered", true, 1);
	T_EQ_STR(attr(&f, "buzz", "activate"), "0");
	T_CHECK(logged(&f, "buzzer: quiet hours (22:00-07:00): silent"));
	T_EQ_INT(arms_until(&f, "buzz", 130000), 0);
	fake_minute = 7 * 60; /* morning, still not acknowledged */
	T_EQ_INT(arms_until(&f, "buzz", 190000), 3);
	T_EQ_INT(count_logged(&f, "quiet hours"), 1);

	/* a mute stops a beep under way and holds for its minutes */
	show(&f, 2, "triggered", true, 1);
	T_EQ_STR(attr(&f, "buzz", "activate"), "1");
	T_EQ_INT(lamp_mute(f.l, 2, "test", &err), PDB_OK);
	T_EQ_STR(attr(&f, "buzz", "activate"), "0");
	T_CHECK(logged(&f, "buzzer muted for 2 min (test)"));
	T_EQ_INT(arms_until(&f, "buzz", 190000 + 119000), 0);
	T_EQ_INT(arms_until(&f, "buzz", 190000 + 130000), 3);
	/* 0 unmutes; more than a day is refused */
	T_EQ_INT(lamp_mute(f.l, 30, "test", &err), PDB_OK);
	T_EQ_INT(lamp_mute(f.l, 0, "test", &err), PDB_OK);
	T_CHECK(logged(&f, "buzzer unmuted (test)"));
	T_EQ_INT(arms_until(&f, "buzz", 190000 + 200000), 3);
	T_EQ_INT(lamp_mute(f.l, PDB_LAMP_MUTE_MAX_MIN + 1, "test", &err), PDB_E_RANGE);
	fx_close(&f);

	/* without a buzzer there is nothing to mute */
	T_CHECK(fx_open(&f));
	led_for(&f, LAMP_OK, "green", "none transient\n", "1\n");
	T_CHECK(fx_start(&f));
	T_EQ_INT(lamp_mute(f.l, 5, "test", &err), PDB_E_MISSING);
	T_CHECK(strstr(err.msg, "lamp.buzzer"));
	fx_close(&f);
}

/* The button found by name: a short press mutes and refreshes, a long one acknowledges. */
static void t_button_presses(void)
{
	struct fx f;
	int i;

	T_CHECK(fx_open(&f));
	led_for(&f, LAMP_TRIGGERED, "red", "none transient\n", "1\n");
	led_for(&f, LAMP_BUZZER, "buzz", "none transient\n", "1\n");
	make_button(&f);
	T_CHECK(fx_start(&f));
	T_CHECK(logged(&f, "/dev/input/event3 (key 28)"));
	T_CHECK(plug(&f));
	show(&f, 7, "triggered", false, 1);
	T_EQ_STR(attr(&f, "buzz", "activate"), "1");

	/* short: the buzzer stops, a refresh is asked for */
	key(&f, 1, 0);
	key(&f, 0, 120);
	pump(&f);
	T_EQ_INT(n_refresh, 0); /* not before the release has lasted the debounce */
	at(&f, 120 + PDB_LAMP_DEBOUNCE_MS);
	T_EQ_INT(n_refresh, 1);
	T_EQ_INT(n_acks, 0);
	T_EQ_STR(attr(&f, "buzz", "activate"), "0");
	T_CHECK(logged(&f, "buzzer muted for 30 min (button)"));

	/* long: the seq shown when the press began, even if a newer one came meanwhile */
	key(&f, 1, 1000);
	pump(&f);
	show(&f, 8, "triggered", false, 1);
	at(&f, 1000 + PDB_LAMP_LONG_PRESS_MS - 1);
	T_EQ_INT(n_acks, 0);
	at(&f, 1000 + PDB_LAMP_LONG_PRESS_MS);
	T_EQ_INT(n_acks, 1);
	T_EQ_INT(ack_seq, 7);
	for (i = 0; i < 30; i++) /* held, autorepeating */
		key(&f, 2, 1000 + PDB_LAMP_LONG_PRESS_MS + 33 * i);
	key(&f, 0, 4000);
	pump(&f);
	at(&f, 4500);
	T_EQ_INT(n_acks, 1);
	T_EQ_INT(n_refresh, 1);

	/* chattering: 20 edges in 38 ms are one action */
	for (i = 0; i < 20; i++)
		key(&f, i % 2 == 0, 5000 + 2 * i);
	pump(&f);
	at(&f, 5100);
	T_EQ_INT(n_refresh, 2);
	T_EQ_INT(n_acks, 1);
	/* chattering into a hold: one acknowledgement */
	for (i = 0; i < 21; i++)
		key(&f, i % 2 == 0, 6000 + 2 * i);
	pump(&f);
	at(&f, 6000 + PDB_LAMP_LONG_PRESS_MS + 10);
	at(&f, 9000);
	key(&f, 0, 9000);
	pump(&f);
	at(&f, 9100);
	T_EQ_INT(n_acks, 2);
	T_EQ_INT(ack_seq, 8);
	T_EQ_INT(n_refresh, 2);

	/* a long press told from the up edge's time alone */
	key(&f, 1, 10000);
	key(&f, 0, 10000 + PDB_LAMP_LONG_PRESS_MS + 100);
	pump(&f);
	T_EQ_INT(n_acks, 3);
	at(&f, 12000);
	T_EQ_INT(n_refresh, 2);
	fx_close(&f);
}

/* A refused long press flickers the lamps, then they show the state again. */
static void t_refused_long_press(void)
{
	struct fx f;

	T_CHECK(button_board(&f));
	/* nothing shown yet: refused here */
	key(&f, 1, 0);
	key(&f, 0, 2000);
	pump(&f);
	T_EQ_INT(n_acks, 0);
	T_CHECK(logged(&f, "button: refused (the lamps flicker): nothing is shown yet"));
	at(&f, 2000 + PDB_LAMP_REFUSE_MS);
	show(&f, 3, "triggered", false, 1);
	T_EQ_STR(attr(&f, "red", "duration"), "15000");
	ack_answer = PDB_E_DENIED;
	fake_ms = T0 + 12000; /* the refusal lasts from when it is decided */
	key(&f, 1, 10000);
	key(&f, 0, 12000);
	pump(&f);
	T_EQ_INT(n_acks, 1);
	T_CHECK(logged(&f, "button: refused (the lamps flicker): write mode is off"));
	T_EQ_STR(attr(&f, "red", "duration"), "50");
	T_EQ_STR(attr(&f, "red", "activate"), "1");
	at(&f, 12000 + PDB_LAMP_REFUSE_MS - 10);
	T_EQ_STR(attr(&f, "red", "duration"), "50");
	at(&f, 12000 + PDB_LAMP_REFUSE_MS);
	T_EQ_STR(attr(&f, "red", "duration"), "15000");
	T_EQ_STR(attr(&f, "red", "activate"), "1");
	fx_close(&f);
}

/* Garbage on the device, records cut in two, other keys: none of it is a press. */
static void t_button_garbage(void)
{
	unsigned char junk[sizeof(struct input_event) * 50];
	struct input_event ev;
	uint32_t x = 12345;
	struct fx f;
	size_t i;

	T_CHECK(button_board(&f));
	show(&f, 3, "triggered", false, 1);
	for (i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (unsigned char)(x >> 16);
	}
	for (i = 0; i + sizeof(ev) <= sizeof(junk); i += sizeof(ev)) {
		memcpy(&ev, junk + i, sizeof(ev));
		if (ev.type == EV_KEY && ev.code == KEY_ENTER)
			ev.code = KEY_A; /* random bytes, but never our key */
		memcpy(junk + i, &ev, sizeof(ev));
	}
	T_CHECK(write(f.wfd, junk, sizeof(junk)) == (ssize_t)sizeof(junk));
	record(&f, EV_KEY, KEY_ENTER, 7, T0);  /* not a key value */
	record(&f, EV_KEY, KEY_ENTER, -1, T0); /* nor this */
	record(&f, EV_KEY, KEY_SPACE, 1, T0);  /* another key */
	pump(&f);
	at(&f, 5000);
	T_EQ_INT(n_acks + n_refresh, 0);
	/* a record cut in two by the writer still counts once whole */
	memset(&ev, 0, sizeof(ev));
	ev.input_event_sec = (__typeof__(ev.input_event_sec))((T0 + 6000) / 1000);
	ev.type = EV_KEY;
	ev.code = KEY_ENTER;
	ev.value = 1;
	T_CHECK(write(f.wfd, &ev, 5) == 5);
	pump(&f);
	T_CHECK(write(f.wfd, (char *)&ev + 5, sizeof(ev) - 5) == (ssize_t)(sizeof(ev) - 5));
	pump(&f);
	key(&f, 0, 6100);
	pump(&f);
	at(&f, 6200);
	T_EQ_INT(n_refresh, 1);
	/* a time far from now (a device on the wall clock) is taken as now */
	record(&f, EV_KEY, KEY_ENTER, 1, 5);
	pump(&f);
	at(&f, 6300 + PDB_LAMP_LONG_PRESS_MS);
	T_EQ_INT(n_acks, 1);
	fx_close(&f);
}

/* The device goes away (unplugged) and comes back: found again, with backoff. */
static void t_button_goes_and_comes_back(void)
{
	char path[256];
	struct fx f;

	T_CHECK(button_board(&f));
	show(&f, 3, "triggered", false, 1);
	key(&f, 1, 0); /* a press cut off by the unplug does nothing */
	unplug(&f);
	pump(&f);
	T_CHECK(logged(&f, "went away (end of file): looking for it again"));
	at(&f, 5000);
	T_EQ_INT(n_acks + n_refresh, 0);
	T_CHECK(logged(&f, "found again: "));
	T_CHECK(plug(&f));
	key(&f, 1, 6000);
	key(&f, 0, 6100);
	pump(&f);
	at(&f, 6200);
	T_EQ_INT(n_refresh, 1);

	/* gone for good for a while: one warning, retries backing off, then back */
	snprintf(path, sizeof(path), "%s/dev/input/event3", f.root);
	unlink(path);
	unplug(&f);
	pump(&f);
	at(&f, 6200 + PDB_LAMP_BACKOFF_MIN_MS);
	at(&f, 6200 + PDB_LAMP_BACKOFF_MIN_MS * 2);
	at(&f, 6200 + PDB_LAMP_BACKOFF_MIN_MS * 4);
	T_EQ_INT(f.l->btn.backoff_ms, PDB_LAMP_BACKOFF_MIN_MS * 8);
	T_EQ_INT(count_logged(&f, "trying again"), 0);
	T_EQ_INT(count_logged(&f, "went away"), 2);
	mkfifo(path, 0600);
	at(&f, 6200 + PDB_LAMP_BACKOFF_MIN_MS * 12);
	T_EQ_INT(count_logged(&f, "found again: "), 2);
	T_CHECK(plug(&f));
	key(&f, 1, 20000);
	key(&f, 0, 20000 + PDB_LAMP_LONG_PRESS_MS);
	pump(&f);
	T_EQ_INT(n_acks, 1);

	/* a device that is not there at start: said once, found when it appears */
	fx_close(&f);
	T_CHECK(fx_open(&f));
	f.c.button_device = "pd-ack";
	T_CHECK(fx_start(&f));
	T_CHECK(logged(&f, "button: no input device named 'pd-ack'") ||
	        logged(&f, "sys/class/input: No such file or directory"));
	make_button(&f);
	at(&f, 60000);
	T_CHECK(logged(&f, "found again: "));
	fx_close(&f);
}

static void t_settings_refused(void)
{
	struct pdb_err err;
	struct lamp *l = NULL;
	struct fx f;

	T_CHECK(fx_open(&f));
	f.c.led[LAMP_OK] = "a/b";
	T_EQ_INT(lamp_new(&f.c, &l, &err), PDB_E_INVAL);
	T_CHECK(strstr(err.msg, "lamp.ok") && strstr(err.msg, "a/b"));
	f.c.led[LAMP_OK] = "..";
	T_EQ_INT(lamp_new(&f.c, &l, &err), PDB_E_INVAL);
	f.c.led[LAMP_OK] = "pd-red";
	f.c.led[LAMP_BUZZER] = "pd-red";
	T_EQ_INT(lamp_new(&f.c, &l, &err), PDB_E_INVAL);
	T_CHECK(strstr(err.msg, "lamp.buzzer and lamp.ok"));
	f.c.led[LAMP_BUZZER] = "pd-buzz";
	f.c.buzzer_quiet = "late";
	T_EQ_INT(lamp_new(&f.c, &l, &err), PDB_E_INVAL);
	T_CHECK(strstr(err.msg, "buzzer.quiet"));
	f.c.buzzer_quiet = NULL;
	f.c.button_device = "pd-ack";
	f.c.button_key = PDB_LAMP_KEY_MAX + 1;
	T_EQ_INT(lamp_new(&f.c, &l, &err), PDB_E_RANGE);
	f.c.button_key = KEY_ENTER;
	f.c.mute_min = 0;
	T_EQ_INT(lamp_new(&f.c, &l, &err), PDB_E_RANGE);
	f.c.mute_min = 30;
	f.c.buzzer_repeat_s = PDB_BUZZER_REPEAT_MAX_S + 1;
	T_EQ_INT(lamp_new(&f.c, &l, &err), PDB_E_RANGE);
	T_CHECK(l == NULL);
	T_CHECK(lamp_wanted(&f.c));
	memset(&f.c.led, 0, sizeof(f.c.led));
	f.c.button_device = "";
	T_CHECK(!lamp_wanted(&f.c));
	lamp_show(NULL, NULL);
	lamp_free(NULL);
	fx_close(&f);
}

/* A reload with the same settings touches nothing; a change reopens and keeps the state. */
static void t_reconfigure(void)
{
	struct pdb_err err;
	struct fx f;

	T_CHECK(fx_open(&f));
	led_for(&f, LAMP_OK, "green", "none transient\n", "1\n");
	make_led(&f, "blue", "none transient\n", "1\n");
	T_CHECK(fx_start(&f));
	show(&f, 1, "ok", false, 0);
	set_attr(&f, "green", "trigger", "mark");
	T_EQ_INT(lamp_reconfigure(f.l, &f.c, &err), PDB_OK);
	T_EQ_STR(attr(&f, "green", "trigger"), "mark");
	f.c.buzzer_quiet = "bad";
	T_EQ_INT(lamp_reconfigure(f.l, &f.c, &err), PDB_E_INVAL);
	T_EQ_STR(attr(&f, "green", "trigger"), "mark");
	f.c.buzzer_quiet = NULL;
	f.c.led[LAMP_OK] = "blue";
	T_EQ_INT(lamp_reconfigure(f.l, &f.c, &err), PDB_OK);
	T_EQ_STR(attr(&f, "green", "trigger"), "none"); /* the old one left at rest */
	T_EQ_STR(attr(&f, "green", "brightness"), "0");
	T_EQ_STR(attr(&f, "blue", "state"), "1"); /* the new one shows ok at once */
	T_EQ_STR(attr(&f, "blue", "activate"), "1");
	fx_close(&f);
}

static const struct t_case cases[] = {
    {"patterns_for_roles", t_patterns_for_roles},
    {"quiet_hours", t_quiet_hours},
    {"press_machine", t_press_machine},
    {"transient_lamps_and_dead_man", t_transient_lamps_and_dead_man},
    {"one_lamp_board", t_one_lamp_board},
    {"timer_trigger_without_transient", t_timer_trigger_without_transient},
    {"brightness_only", t_brightness_only},
    {"missing_and_unwritable_leds", t_missing_and_unwritable_leds},
    {"buzzer_rings_until_acknowledged", t_buzzer_rings_until_acknowledged},
    {"buzzer_quiet_hours_and_mute", t_buzzer_quiet_hours_and_mute},
    {"button_presses", t_button_presses},
    {"refused_long_press", t_refused_long_press},
    {"button_garbage", t_button_garbage},
    {"button_goes_and_comes_back", t_button_goes_and_comes_back},
    {"settings_refused", t_settings_refused},
    {"reconfigure", t_reconfigure},
};

T_MAIN(cases)
