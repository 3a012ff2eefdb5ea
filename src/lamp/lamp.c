/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lamp.c - the lamps' life: settings, what each LED shows, the buzzer's
 * rings, the button's presses, and the one loop timer that does what is due.
 *
 * Everything happens in lamp__tick(): it asks the clock for now, lets the
 * press decide, opens the button again when its backoff is over, beeps when
 * a ring is due, gives every LED the pattern the state calls for and writes
 * the segments that are due, then sets the timer for the earliest next
 * thing. lamp_show(), lamp_mute(), input and the timer all end in it, so
 * there is one path from "what should be" to the files, and a test steps it
 * on a fake clock without waiting.
 */
#include "lamp_int.h"

#include <pdbridge/clock.h>
#include <pdbridge/ev.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const role_keys[LAMP_ROLES] = {
    [LAMP_OK] = "lamp.ok",
    [LAMP_ACKED] = "lamp.acked",
    [LAMP_TRIGGERED] = "lamp.triggered",
    [LAMP_UNKNOWN] = "lamp.unknown",
    [LAMP_BUZZER] = "lamp.buzzer",
};

static const char *const mode_names[] = {
    [LED_MODE_BRIGHT] = "brightness only",
    [LED_MODE_TIMER] = "timer trigger",
    [LED_MODE_TRANSIENT] = "transient trigger: dark within the dead-man time if pdbridge dies",
};

static int64_t real_now(void *ud)
{
	(void)ud;
	return clk_now_ms();
}

static int real_minute(void *ud)
{
	time_t t = time(NULL);
	struct tm tm;

	(void)ud;
	return localtime_r(&t, &tm) ? tm.tm_hour * 60 + tm.tm_min : 0;
}

int64_t lamp__now(const struct lamp *l)
{
	return l->clock.now_ms(l->clock.ud);
}

/* "lamp.acked,lamp.triggered": the keys naming an LED of @roles. */
static const char *roles_text(unsigned roles, char *out, size_t len)
{
	size_t at = 0;
	int r;

	out[0] = '\0';
	for (r = 0; r < LAMP_ROLES; r++)
		if (roles & (1u << r) && at < len)
			at += (size_t)snprintf(out + at, len - at, "%s%s", at ? "," : "",
			                       role_keys[r]);
	return out;
}

/* --- settings ------------------------------------------------------------------- */

static bool empty(const char *s)
{
	return !s || !*s;
}

bool lamp_wanted(const struct lamp_conf *c)
{
	int r;

	for (r = 0; r < LAMP_ROLES; r++)
		if (!empty(c->led[r]))
			return true;
	return !empty(c->button_device);
}

static enum pdb_rc copy_path(char *dst, size_t len, const char *src, const char *def,
                             const char *key, struct pdb_err *err)
{
	if (empty(src))
		src = def;
	if (strlen(src) >= len)
		return pdb_err_set(err, PDB_E_TOO_LARGE, "%s is longer than %zu bytes", key,
		                   len - 1);
	memcpy(dst, src, strlen(src) + 1);
	return PDB_OK;
}

/* lamp.<role>: an LED's name, a directory of lamp.sysfs (@s->sysfs is set). */
static enum pdb_rc copy_name(struct lamp_settings *s, int role, const char *n, struct pdb_err *err)
{
	if (empty(n))
		return PDB_OK;
	if (strlen(n) > PDB_LAMP_NAME_MAX || strchr(n, '/') || !strcmp(n, ".") || !strcmp(n, ".."))
		return pdb_err_set(err, PDB_E_INVAL,
		                   "%s must be the name of an LED (a directory of %s), not '%.80s'",
		                   role_keys[role], s->sysfs, n);
	memcpy(s->led[role], n, strlen(n) + 1);
	return PDB_OK;
}

static enum pdb_rc settings_from(const struct lamp_conf *c, struct lamp_settings *s,
                                 struct pdb_err *err)
{
	enum pdb_rc rc;
	int r;

	memset(s, 0, sizeof(*s));
	rc = copy_path(s->sysfs, sizeof(s->sysfs), c->sysfs, "/sys/class/leds", "lamp.sysfs", err);
	if (!rc)
		rc = copy_path(s->button, sizeof(s->button), c->button_device, "", "button.device",
		               err);
	if (!rc)
		rc = copy_path(s->root, sizeof(s->root), c->button_root, "/", "button.root", err);
	if (!rc)
		rc = lamp__quiet_parse(c->buzzer_quiet, &s->quiet, err);
	for (r = 0; !rc && r < LAMP_ROLES; r++)
		rc = copy_name(s, r, c->led[r], err);
	if (rc)
		return rc;
	for (r = 0; r < LAMP_BUZZER; r++)
		if (s->led[LAMP_BUZZER][0] && !strcmp(s->led[r], s->led[LAMP_BUZZER]))
			return pdb_err_set(err, PDB_E_INVAL,
			                   "lamp.buzzer and %s name the same LED (%s): the buzzer "
			                   "needs its own",
			                   role_keys[r], s->led[r]);
	if (c->buzzer_repeat_s > PDB_BUZZER_REPEAT_MAX_S)
		return pdb_err_set(err, PDB_E_RANGE, "buzzer.repeat must be at most %d s",
		                   PDB_BUZZER_REPEAT_MAX_S);
	if (c->mute_min < 1 || c->mute_min > PDB_LAMP_MUTE_MAX_MIN)
		return pdb_err_set(err, PDB_E_RANGE, "buzzer.mute must be 1 to %d minutes",
		                   PDB_LAMP_MUTE_MAX_MIN);
	if (s->button[0] && (c->button_key < 1 || c->button_key > PDB_LAMP_KEY_MAX))
		return pdb_err_set(err, PDB_E_RANGE, "button.key must be a key code 1 to %d",
		                   PDB_LAMP_KEY_MAX);
	if (s->button[0] && !c->on_ack)
		return pdb_err_set(err, PDB_E_INTERNAL, "a button needs an acknowledgement path");
	s->repeat_s = c->buzzer_repeat_s;
	s->mute_min = c->mute_min;
	s->key = c->button_key;
	if (s->quiet.on)
		snprintf(s->quiet_text, sizeof(s->quiet_text), "%s", c->buzzer_quiet);
	return PDB_OK;
}

/* --- devices ----------------------------------------------------------------------- */

/* One struct lamp_led per distinct LED, opened; one that does not open is left out. */
static void open_leds(struct lamp *l)
{
	char keys[96];
	struct pdb_err err;
	size_t i;
	int r;

	l->n_led = 0;
	l->buzzer = NULL;
	for (r = 0; r < LAMP_ROLES; r++) {
		const char *name = l->set.led[r];
		struct lamp_led *d = NULL;

		if (!name[0])
			continue;
		for (i = 0; i < l->n_led && !d; i++)
			d = strcmp(l->led[i].name, name) ? NULL : &l->led[i];
		if (!d) {
			d = &l->led[l->n_led++];
			memset(d, 0, sizeof(*d));
			memcpy(d->name, name, strlen(name) + 1);
		}
		d->roles |= 1u << r;
	}
	for (i = 0; i < l->n_led; i++) {
		struct lamp_led *d = &l->led[i];

		d->rest_lit = d->roles & (1u << LAMP_UNKNOWN);
		d->pat = PAT_COUNT; /* none yet: the first tick gives it one */
		d->next_ms = LAMP_NEVER;
		if (d->roles & (1u << LAMP_BUZZER))
			l->buzzer = d;
		roles_text(d->roles, keys, sizeof(keys));
		pdb_err_clear(&err);
		if (lamp__led_open(d, l->set.sysfs, &err)) {
			LOG_ERROR(LAMP_LOG, "%s: %s: running without it", keys, pdb_err_text(&err));
			continue;
		}
		LOG_INFO(LAMP_LOG, "%s: LED %s (%s)", keys, d->dir, mode_names[d->mode]);
		if (d->mode != LED_MODE_TRANSIENT)
			LOG_WARN(
			    LAMP_LOG,
			    "%s: the kernel offers %s no transient trigger (modprobe "
			    "ledtrig-transient): if pdbridge is killed it keeps its last state",
			    keys, d->name);
	}
	if (l->buzzer && l->buzzer->open)
		l->buzzer->pat = PAT_OFF;
}

static void start_devices(struct lamp *l)
{
	struct lamp_button *b = &l->btn;

	open_leds(l);
	memset(b, 0, sizeof(*b));
	b->fd = -1;
	memcpy(b->spec, l->set.button, sizeof(b->spec));
	memcpy(b->root, l->set.root, sizeof(b->root));
	b->key = l->set.key;
	b->backoff_ms = PDB_LAMP_BACKOFF_MIN_MS;
	b->reopen_ms = b->spec[0] ? lamp__now(l) : LAMP_NEVER;
	lamp__tick(l);
}

/* Every LED at rest, the button closed, no timer. */
static void stop_devices(struct lamp *l)
{
	size_t i;

	for (i = 0; i < l->n_led; i++)
		if (l->led[i].open)
			lamp__led_rest(&l->led[i]);
	l->n_led = 0;
	l->buzzer = NULL;
	lamp__button_close(l);
	if (l->timer)
		ev_timer_cancel(l->loop, l->timer);
	l->timer = 0;
}

enum pdb_rc lamp_new(const struct lamp_conf *c, struct lamp **out, struct pdb_err *err)
{
	struct lamp *l = mem_calloc(1, sizeof(*l));
	enum pdb_rc rc;

	*out = NULL;
	if (!l)
		return pdb_err_set(err, PDB_E_NOMEM, "no memory for the lamps");
	rc = settings_from(c, &l->set, err);
	if (rc) {
		mem_free(l);
		return rc;
	}
	l->loop = c->loop;
	l->clock = c->clock ? *c->clock : (struct lamp_clock){real_now, real_minute, NULL};
	l->on_ack = c->on_ack;
	l->on_refresh = c->on_refresh;
	l->ud = c->ud;
	l->level = LAMP_UNKNOWN;
	l->ring_ms = LAMP_NEVER;
	l->btn.fd = -1;
	start_devices(l);
	*out = l;
	return PDB_OK;
}

enum pdb_rc lamp_reconfigure(struct lamp *l, const struct lamp_conf *c, struct pdb_err *err)
{
	struct lamp_settings next;
	enum pdb_rc rc = settings_from(c, &next, err);

	if (rc || !memcmp(&next, &l->set, sizeof(next)))
		return rc;
	stop_devices(l);
	l->set = next;
	LOG_INFO(LAMP_LOG, "lamp settings changed: opening the LEDs and the button again");
	start_devices(l);
	return PDB_OK;
}

void lamp_free(struct lamp *l)
{
	if (!l)
		return;
	stop_devices(l);
	mem_free(l);
}

/* --- the state, the buzzer, the button ------------------------------------------- */

static void start_pattern(struct lamp_led *d, enum lamp_pat p, int64_t now)
{
	char keys[96];

	LOG_DEBUG(LAMP_LOG, "%s: %s", roles_text(d->roles, keys, sizeof(keys)),
	          lamp__pattern(p)->name);
	d->pat = p;
	d->seg = 0;
	d->next_ms = now;
}

void lamp_show(struct lamp *l, const struct lamp_view *v)
{
	enum lamp_role level;
	bool known;

	if (!l)
		return;
	known = v->valid && !v->stale;
	level = known ? lamp__level_role(v->level) : LAMP_UNKNOWN;
	if (level != l->level)
		LOG_INFO(LAMP_LOG, "the lamps show %s", known ? v->level : "unknown");
	l->seq = v->seq;
	l->level = level;
	l->high = level == LAMP_TRIGGERED && v->triggered_high;
	if (known && l->buzzer && v->new_triggered) {
		if (!l->ringing)
			l->said_quiet = false;
		l->ringing = true;
		l->ring_ms = lamp__now(l);
	} else if (known && l->ringing && l->buzzer && level != LAMP_TRIGGERED) {
		LOG_INFO(LAMP_LOG, "buzzer: nothing is triggered any more");
		l->ringing = false;
		l->ring_ms = LAMP_NEVER;
		if (l->buzzer->pat == PAT_BEEP)
			start_pattern(l->buzzer, PAT_OFF, lamp__now(l));
	}
	lamp__tick(l);
}

/* lamp_mute() without the tick (a press mutes from inside one). */
static enum pdb_rc mute(struct lamp *l, int minutes, const char *source, struct pdb_err *err)
{
	int64_t now = lamp__now(l);

	if (!l->buzzer)
		return pdb_err_set(err, PDB_E_MISSING, "no buzzer to mute: lamp.buzzer is unset");
	if (minutes < 0)
		minutes = (int)l->set.mute_min;
	if (minutes > PDB_LAMP_MUTE_MAX_MIN)
		return pdb_err_set(err, PDB_E_RANGE, "a mute lasts at most %d minutes, not %d",
		                   PDB_LAMP_MUTE_MAX_MIN, minutes);
	l->mute_until = minutes ? now + (int64_t)minutes * 60000 : 0;
	if (minutes && l->buzzer->pat == PAT_BEEP)
		start_pattern(l->buzzer, PAT_OFF, now);
	if (minutes)
		LOG_INFO(LAMP_LOG, "buzzer muted for %d min (%s)", minutes, source);
	else
		LOG_INFO(LAMP_LOG, "buzzer unmuted (%s)", source);
	return PDB_OK;
}

enum pdb_rc lamp_mute(struct lamp *l, int minutes, const char *source, struct pdb_err *err)
{
	enum pdb_rc rc = mute(l, minutes, source, err);

	if (!rc)
		lamp__tick(l);
	return rc;
}

void lamp__action(struct lamp *l, enum lamp_action a)
{
	uint64_t seq = l->btn.press.seq;
	struct pdb_err err;
	enum pdb_rc rc;

	pdb_err_clear(&err);
	if (a == ACT_SHORT) {
		LOG_INFO(LAMP_LOG, "button: short press: %srefreshing",
		         l->buzzer ? "muting the buzzer and " : "");
		if (l->buzzer)
			(void)mute(l, -1, "button", &err);
		if (l->on_refresh)
			l->on_refresh(l->ud);
		return;
	}
	LOG_INFO(LAMP_LOG, "button: long press: acknowledging what seq %llu showed",
	         (unsigned long long)seq);
	rc = seq ? l->on_ack(l->ud, seq, &err)
	         : pdb_err_set(&err, PDB_E_DENIED, "nothing is shown yet (no good poll)");
	if (rc) {
		LOG_WARN(LAMP_LOG, "button: refused (the lamps flicker): %s", pdb_err_text(&err));
		l->refuse_until = lamp__now(l) + PDB_LAMP_REFUSE_MS;
	}
}

/* A beep, if one is due and neither a mute nor the quiet hours forbid it. */
static void ring(struct lamp *l, int64_t now)
{
	if (!l->ringing || !l->buzzer || now < l->ring_ms)
		return;
	l->ring_ms = l->set.repeat_s ? now + (int64_t)l->set.repeat_s * 1000 : LAMP_NEVER;
	l->ringing = l->set.repeat_s > 0;
	if (!l->buzzer->open)
		return;
	if (now < l->mute_until) {
		LOG_DEBUG(LAMP_LOG, "buzzer: muted, silent");
	} else if (lamp__quiet_at(&l->set.quiet, l->clock.local_minute(l->clock.ud))) {
		if (l->said_quiet)
			LOG_DEBUG(LAMP_LOG, "buzzer: quiet hours, silent");
		else
			LOG_INFO(LAMP_LOG, "buzzer: quiet hours (%s): silent", l->set.quiet_text);
		l->said_quiet = true;
	} else {
		LOG_INFO(LAMP_LOG, "buzzer: beep (a triggered incident is not acknowledged)");
		start_pattern(l->buzzer, PAT_BEEP, now);
	}
}

/* --- the segments --------------------------------------------------------------------- */

static void failed(struct lamp_led *d, int64_t now, const struct pdb_err *err)
{
	char keys[96];

	roles_text(d->roles, keys, sizeof(keys));
	if (++d->fails < PDB_LAMP_FAILS_MAX) {
		if (d->fails == 1)
			LOG_DEBUG(LAMP_LOG, "%s: %s: trying again", keys, pdb_err_text(err));
		d->next_ms = now + PDB_LAMP_RETRY_MS;
		return;
	}
	LOG_ERROR(LAMP_LOG, "%s: %s: running without it", keys, pdb_err_text(err));
	lamp__led_rest(d);
	d->open = false;
	d->next_ms = LAMP_NEVER;
}

/* Write the segment of @d that is due, and say when the next one is. */
static void segment_due(struct lamp_led *d, int64_t now)
{
	const struct lamp_pattern *p = lamp__pattern(d->pat);
	bool lit, kernel_blink;
	struct pdb_err err;
	enum pdb_rc rc;
	unsigned ms;

	if (p->once && d->seg >= p->n) {
		d->pat = PAT_OFF;
		d->seg = 0;
		p = lamp__pattern(PAT_OFF);
	}
	lamp__segment(p, d->seg, &lit, &ms);
	kernel_blink = d->mode == LED_MODE_TIMER && p->n == 2 && !p->once;
	pdb_err_clear(&err);
	rc = kernel_blink ? lamp__led_blink(d, p->seg[0], p->seg[1], &err)
	                  : lamp__led_level(d, lit, ms, &err);
	if (rc) {
		failed(d, now, &err);
		return;
	}
	d->fails = 0;
	if (kernel_blink)
		d->next_ms = LAMP_NEVER;
	else if (!ms)
		d->next_ms = d->mode == LED_MODE_TRANSIENT && lit != d->rest_lit
		                 ? now + PDB_LAMP_REARM_MS
		                 : LAMP_NEVER;
	else {
		d->next_ms = now + ms;
		d->seg = p->once || d->seg + 1 < p->n ? d->seg + 1 : 0;
	}
}

static void on_timer(struct ev_loop *loop, void *ud)
{
	struct lamp *l = ud;

	(void)loop;
	l->timer = 0;
	lamp__tick(l);
}

static int64_t earlier(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

void lamp__tick(struct lamp *l)
{
	struct lamp_button *b = &l->btn;
	int64_t now = lamp__now(l), next;
	enum lamp_action a;
	size_t i;

	a = lamp__press_tick(&b->press, now);
	if (a)
		lamp__action(l, a);
	if (b->fd < 0 && now >= b->reopen_ms)
		lamp__button_open(l, now);
	ring(l, now);
	next = earlier(lamp__press_due(&b->press), b->fd < 0 ? b->reopen_ms : LAMP_NEVER);
	next = earlier(next, l->ringing ? l->ring_ms : LAMP_NEVER);
	next = earlier(next, l->refuse_until > now ? l->refuse_until : LAMP_NEVER);
	for (i = 0; i < l->n_led; i++) {
		struct lamp_led *d = &l->led[i];
		enum lamp_pat want;

		if (!d->open)
			continue;
		if (d != l->buzzer) {
			want = now < l->refuse_until
			           ? PAT_REFUSE
			           : lamp__pattern_for(d->roles, l->level, l->high);
			if (want != d->pat)
				start_pattern(d, want, now);
		}
		if (d->next_ms <= now)
			segment_due(d, now);
		next = earlier(next, d->next_ms);
	}
	if (l->timer && l->timer_at == next)
		return;
	if (l->timer)
		ev_timer_cancel(l->loop, l->timer);
	l->timer = 0;
	if (next == LAMP_NEVER)
		return;
	l->timer_at = next;
	if (ev_timer_add(l->loop, next > now ? next - now : 0, on_timer, l, &l->timer))
		LOG_ERROR(LAMP_LOG, "no loop timer left: the lamps stop changing");
}
