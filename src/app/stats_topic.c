/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stats_topic.c - the daemon's retained <base>/stats topic: the PagerDuty
 * usage counts (pd_usage_json()), so a dashboard or Home Assistant can watch
 * how much of the key's rate limit this board spends, and on what.
 *
 * A timer looks every PDB_USAGE_STATS_INTERVAL_MS (the first time a few
 * seconds after start, when the first poll has been counted) and publishes
 * only when the text differs from what it last handed over: an idle board
 * publishes nothing, a busy one at most once a minute. After a reconnect the
 * broker may have lost the retained message, so the next look publishes
 * whatever the text.
 */
#include <pdbridge/app.h>
#include <pdbridge/clock.h>
#include <pdbridge/ev.h>
#include <pdbridge/jsonx.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <cjson/cJSON.h>

#include <stdio.h>
#include <string.h>

/* The first look, after start: time for the first poll to be counted. */
#define FIRST_LOOK_MS 3000

static void look(struct ev_loop *l, void *ud);

static void arm(struct app_stats *st, int64_t delay_ms)
{
	if (ev_timer_add(st->loop, delay_ms, look, st, &st->timer))
		LOG_WARN("run", "cannot schedule the stats topic: it stops");
}

/* Publish the counts when they differ from the last text handed over. */
static void look(struct ev_loop *l, void *ud)
{
	struct app_stats *st = ud;
	char topic[2 * PDB_CFG_WORD_MAX + 16];
	cJSON *doc = pd_usage_json(clk_now_ms());
	struct buf b;
	char *text;

	(void)l;
	st->timer = 0;
	buf_init(&b, PDB_MQ_MSG_MAX);
	if (doc && !jsonx_print(doc, &b) && (!st->last || strcmp(st->last, buf_cstr(&b)))) {
		snprintf(topic, sizeof(topic), "%s/stats", st->base);
		if (!st->publish(st->ud, topic, buf_cstr(&b), buf_len(&b), 1, true)) {
			text = buf_take(&b, NULL);
			mem_free(st->last);
			st->last = text;
		}
	}
	buf_free(&b);
	jsonx_free(doc);
	arm(st, PDB_USAGE_STATS_INTERVAL_MS);
}

void app_stats_start(struct app_stats *st, struct ev_loop *l, const char *base,
                     app_publish_fn publish, void *ud)
{
	app_stats_stop(st);
	*st = (struct app_stats){.loop = l, .base = base, .publish = publish, .ud = ud};
	arm(st, FIRST_LOOK_MS);
}

void app_stats_forget(struct app_stats *st)
{
	mem_free(st->last);
	st->last = NULL;
}

void app_stats_stop(struct app_stats *st)
{
	if (st->loop && st->timer)
		ev_timer_cancel(st->loop, st->timer);
	app_stats_forget(st);
	memset(st, 0, sizeof(*st));
}
