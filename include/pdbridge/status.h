/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * status.h - the status poller: who is on call and which incidents are open,
 * polled on an interval and published for physical displays.
 *
 * Every interval a job on the worker pool asks PagerDuty for the on-calls of
 * the watched escalation policies and schedules, for the on-calls of "me"
 * (the token's user, resolved once with GET /users/me) and for the open
 * incidents of the watched services and teams. The loop thread then turns
 * the result into a snapshot (bounded: PDB_STATUS_ONCALLS_MAX on-call
 * entries, PDB_STATUS_INCIDENTS_MAX incidents kept, all counted), diffs it
 * against the previous one, and publishes only what changed, through the
 * publish callback (app binds it to mq). The topics and payloads are
 * documented in docs/mqtt.md.
 *
 * After stale_after failed polls in a row the state becomes stale=true,
 * level=unknown: a display never shows a green that is not true. The first
 * good poll after that publishes the truth again.
 *
 * Commands arrive through status_on_message(): <base>/cmd/refresh polls now;
 * <base>/cmd/ack acknowledges the triggered incidents shown at the given seq,
 * only when write mode is on and a From address is set, otherwise it is
 * refused with the reason; <base>/cmd/mute (with on_mute) silences the
 * buzzer; results go to <base>/cmd/<verb>/result.
 * homeassistant/status = online republishes the discovery messages.
 * A retained oncall/<id> topic (or its discovery config) of a policy not
 * published now, left by an earlier run, is cleared once a good poll has
 * said which policies are current.
 *
 * Threads: every function here is for the loop thread. PagerDuty calls run
 * on the pool; their results come back with ev_post().
 */
#ifndef PDBRIDGE_STATUS_H
#define PDBRIDGE_STATUS_H

#include <pdbridge/err.h>
#include <pdbridge/limits.h>
#include <pdbridge/pd.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct ev_pool;
struct status;

/*
 * Publish @len bytes of @payload to @topic. Returns PDB_OK, or an error when
 * the message could not be handed over (not connected, queue full): the
 * poller then marks that topic unpublished and tries again on the next
 * change or status_republish().
 */
typedef enum pdb_rc (*status_publish_fn)(void *ud, const char *topic, const char *payload,
                                         size_t len, int qos, bool retain);

/*
 * What a view on the board itself (the board page, the lamps) is told after
 * every poll, good or failed, and after every acknowledgement: the same state
 * the MQTT state topic carries, plus what a lamp or a buzzer needs without
 * parsing it. Everything is borrowed for the call only.
 */
struct status_view {
	uint64_t seq;           /* of the state; goes up only when its content changes */
	bool changed;           /* the content changed with this call */
	bool valid;             /* a good poll has been seen */
	bool stale;             /* poll.stale_after failed polls in a row: level "unknown" */
	const char *level;      /* "ok", "acked", "triggered" or "unknown" */
	int64_t ts_ms;          /* wall clock of the last content change */
	int64_t last_good_ms;   /* wall clock of the last good poll; 0: none yet */
	unsigned triggered;     /* open incidents, counted by PagerDuty */
	unsigned acknowledged;  /* likewise */
	bool triggered_high;    /* a shown triggered incident has high urgency */
	unsigned new_triggered; /* shown triggered incidents that were not triggered before */
	const char *state_json; /* the state topic's payload (with seq and ts) */
	size_t state_len;
};
typedef void (*status_view_fn)(void *ud, const struct status_view *v);

/*
 * A <base>/cmd/mute message: silence the buzzer for @minutes (-1: the
 * configured length, 0: unmute). Returns PDB_OK, or the refusal with its
 * reason in @err; the result goes to <base>/cmd/mute/result either way.
 */
typedef enum pdb_rc (*status_mute_fn)(void *ud, int minutes, struct pdb_err *err);

/* Settings. Everything is copied by status_new() / status_reconfigure(). */
struct status_conf {
	struct ev_loop *loop;      /* borrowed for the life of the poller */
	struct ev_pool *pool;      /* borrowed; PagerDuty calls run here */
	const struct pd_conf *pd;  /* the poller's own client is made from this */
	int64_t interval_ms;       /* between two polls */
	unsigned stale_after;      /* failed polls in a row before stale (>= 1) */
	struct pd_watch watch;     /* policies, schedules, services, teams, urgency */
	const char *topic_base;    /* "pdbridge/<node_id>": no trailing slash */
	const char *node_id;       /* Home Assistant unique ids and device */
	bool ha_discovery;         /* publish homeassistant/... config messages */
	bool write;                /* cmd/ack may write (also needs pd->from_email) */
	status_publish_fn publish; /* required */
	void *publish_ud;
	status_view_fn on_view; /* optional: the board page, the lamps */
	status_mute_fn on_mute; /* optional: subscribes <base>/cmd/mute (the buzzer) */
	void *view_ud;          /* for both */
};

/**
 * status_new: check and copy @c; nothing is polled yet. Caller frees with
 * status_free(). Returns PDB_OK, PDB_E_INVAL (with the reason) or
 * PDB_E_NOMEM.
 */
enum pdb_rc status_new(const struct status_conf *c, struct status **out,
                       struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * status_start: log the request rate the settings imply (requests a poll,
 * a minute, against PagerDuty's 960 a minute) and poll now, then every
 * interval.
 */
void status_start(struct status *s);

/**
 * status_reconfigure: new settings, applied from the next poll (a poll in
 * flight finishes with the old ones). Topics that change are republished.
 * Returns as status_new(); on error the old settings stay.
 */
enum pdb_rc status_reconfigure(struct status *s, const struct status_conf *c,
                               struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * status_subscriptions: the topic filters the poller wants messages from
 * (its cmd/ topics, its own oncall/+ topics, and homeassistant/status and
 * its node's sensor configs when discovery is on). Borrowed until the next
 * status_reconfigure() or status_free().
 */
const char *const *status_subscriptions(const struct status *s, size_t *n);

/** status_on_message: a message on one of status_subscriptions(). */
void status_on_message(struct status *s, const char *topic, const char *payload, size_t len);

/**
 * status_ack: acknowledge the triggered incidents shown at @seq that are still
 * triggered, exactly as <base>/cmd/ack {"seq":@seq} does (the button's path);
 * @source names the asker in the log ("button"). The result is published on
 * <base>/cmd/ack/result either way. Returns PDB_OK when the acknowledgement
 * was started, else PDB_E_DENIED (write mode off, no From address, unknown
 * seq, nothing to acknowledge) or PDB_E_BUSY-like PDB_E_DENIED (one running)
 * with the reason in @err.
 */
enum pdb_rc status_ack(struct status *s, uint64_t seq, const char *source, struct pdb_err *err);

/** status_refresh: poll now (the button's short press); no result is published. */
void status_refresh(struct status *s);

/**
 * status_republish: publish every retained topic of the current state
 * (and discovery when on), changed or not: after each (re)connect, since the
 * broker may have lost them.
 */
void status_republish(struct status *s);

/* Counters, for logs, tests and bench/. */
struct status_stats {
	unsigned long polls; /* polls finished, good or bad */
	unsigned long polls_failed;
	unsigned long requests;            /* PagerDuty requests made */
	unsigned long published;           /* messages handed to the publish callback */
	unsigned long last_poll_published; /* of those, by the latest poll */
	uint64_t seq;                      /* the current state's seq */
	bool stale;
};
void status_get_stats(const struct status *s, struct status_stats *out);

/**
 * status_free: stop polling and free; NULL is a no-op. Call it after
 * ev_pool_free() of the pool it was given, so no job of its is left running.
 */
void status_free(struct status *s);

#endif /* PDBRIDGE_STATUS_H */
