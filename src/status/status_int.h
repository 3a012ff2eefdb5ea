/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * status_int.h - what the files of src/status share, and what the unit test
 * drives directly (it feeds poll results to status__poll_done() without a
 * pool or PagerDuty).
 *
 *   status_model.c  the snapshot and every payload rendered from it (pure)
 *   status_pub.c    the retained-topic table: diff, seq, publish, events
 *   status_poll.c   settings, timers, the pool job, stale counting
 *   status_cmd.c    cmd/refresh, cmd/ack, homeassistant/status
 *
 * Everything here runs on the loop thread, except the job functions of
 * status_poll.c (a worker, one job at a time, touching only the job's own
 * fields).
 */
#ifndef PDBRIDGE_STATUS_INT_H
#define PDBRIDGE_STATUS_INT_H

#include <pdbridge/buf.h>
#include <pdbridge/status.h>

#include <stdatomic.h>

#define STATUS_LOG "status"

enum status_level {
	STATUS_OK = 0,
	STATUS_ACKED = 1,
	STATUS_TRIGGERED = 2,
	STATUS_UNKNOWN = 3,
};

/* One state of the world as displays see it. */
struct status_snap {
	uint64_t seq;  /* set by status_pub.c when the content changed */
	int64_t ts_ms; /* wall time of that change */
	bool valid;    /* built from a good poll (false: nothing known yet) */
	bool stale;
	enum status_level level;
	bool oncall_me;
	struct pd_status pd; /* what the poll read */
};

/* What one poll found: written by the job, read by the loop after it ends. */
struct status_result {
	unsigned watch_gen; /* of the settings the poll ran with */
	enum pdb_rc rc;
	struct pdb_err err;
	unsigned requests;
	bool me_none; /* /users/me said the token has no user (logged once) */
	bool oncall_me;
	struct pd_status pd; /* filled by pd_fetch_status() */
};

/* Names of the topics, derived from the settings. */
struct status_names {
	const char *base; /* "pdbridge/desk" */
	const char *node; /* Home Assistant node id: [a-zA-Z0-9_-] only */
};

/* --- status_model.c: pure ------------------------------------------------ */

const char *status_level_name(enum status_level l);

/** status_level_of: triggered > acked > ok; unknown when stale or not valid. */
enum status_level status_level_of(const struct status_snap *s);

/** status_snap_from: a valid, fresh snapshot of @r (seq and ts unset). */
void status_snap_from(struct status_snap *out, const struct status_result *r);

/** status_snap_stale: @s, kept lists, made stale (level unknown). */
void status_snap_make_stale(struct status_snap *s);

/* Escalation policies of @s in order of first appearance, at most @cap; returns the count. */
size_t status_snap_policies(const struct status_snap *s, const struct pd_oncall **first,
                            size_t cap);

/*
 * Payload renderers: append to @out (bounded by its max). @with_meta false
 * leaves seq and ts out of the state JSON: that text is what "changed"
 * means. Return PDB_OK, PDB_E_TOO_LARGE or PDB_E_NOMEM.
 */
enum pdb_rc status_render_state(const struct status_snap *s, bool with_meta, struct buf *out);
enum pdb_rc status_render_plain(const struct status_snap *s, int which, struct buf *out);
enum pdb_rc status_render_incidents(const struct status_snap *s, struct buf *out);
enum pdb_rc status_render_policy(const struct status_snap *s, const char *ep_id, struct buf *out);

/*
 * Events between @prev and @cur: each is passed to @fn (rendered JSON), at
 * most PDB_STATUS_EVENTS_MAX. Returns how many more there were.
 */
typedef void (*status_event_fn)(void *ud, const char *json, size_t len);
size_t status_render_events(const struct status_snap *prev, const struct status_snap *cur,
                            struct buf *scratch, status_event_fn fn, void *ud);

/* Home Assistant discovery: entity @which (STATUS_HA_*), or the policy @ep_id/@ep_name. */
enum status_ha {
	STATUS_HA_LEVEL = 0,
	STATUS_HA_TRIGGERED = 1,
	STATUS_HA_ACKED = 2,
	STATUS_HA_ONCALL_ME = 3,
	STATUS_HA_FIXED = 4,
};
enum pdb_rc status_render_ha(const struct status_names *n, int which, struct buf *out);
enum pdb_rc status_render_ha_policy(const struct status_names *n, const char *ep_id,
                                    const char *ep_name, struct buf *out);
void status_ha_topic(const struct status_names *n, int which, const char *ep_id, char *out,
                     size_t cap);

/* --- the poller's state ----------------------------------------------------- */

/* Retained topics: fixed ones, then two per escalation policy (data, discovery). */
enum status_topic {
	ST_STATE = 0,
	ST_LEVEL = 1,
	ST_TRIGGERED = 2,
	ST_ACKED = 3,
	ST_ONCALL_ME = 4,
	ST_INCIDENTS = 5,
	ST_HA_FIRST = 6, /* STATUS_HA_FIXED discovery topics */
	ST_FIXED = ST_HA_FIRST + STATUS_HA_FIXED,
	ST_TOPICS = ST_FIXED + 2 * PDB_STATUS_POLICIES_MAX,
};

struct status_slot {
	char topic[PDB_MQ_TOPIC_MAX]; /* "" when the slot is unused */
	uint64_t hash;                /* of the payload the broker has from us */
	size_t len;
	bool present; /* the broker holds a non-empty retained payload of ours */
};

/* Triggered incidents shown at one seq, for cmd/ack. */
struct status_shown {
	uint64_t seq; /* 0: unused */
	char ids[PDB_STATUS_TOP_MAX][PDB_PD_ID_MAX];
	size_t n;
};

/*
 * cmd/refresh, cmd/ack, oncall/+, with discovery homeassistant/status and
 * .../+/config, and cmd/mute with a buzzer
 */
#define STATUS_SUBS_MAX 6
#if STATUS_SUBS_MAX > PDB_MQ_SUBS_MAX
#error "PDB_MQ_SUBS_MAX must fit the status poller's subscriptions"
#endif

/* Settings, deep-copied into one block (freed with mem_free). */
struct status_cfg {
	struct status_conf c; /* strings and id lists point into this block */
	struct pd_conf pd;
	char node_ha[PDB_PD_ID_MAX];
	char sub_refresh[PDB_MQ_TOPIC_MAX];
	char sub_ack[PDB_MQ_TOPIC_MAX];
	char sub_mute[PDB_MQ_TOPIC_MAX];
	char sub_oncall[PDB_MQ_TOPIC_MAX]; /* <base>/oncall/+: leftovers of earlier runs */
	char sub_ha[PDB_MQ_TOPIC_MAX];     /* homeassistant/sensor/<node>/+/config: likewise */
	const char *subs[STATUS_SUBS_MAX];
	size_t n_subs;
	unsigned gen;
	unsigned watch_gen; /* goes up when the watch settings change */
};

enum job_kind {
	JOB_NONE = 0,
	JOB_POLL = 1,
	JOB_ACK = 2,
};

struct status {
	struct status_cfg *cfg;
	struct status_cfg *retired; /* the settings a running job still uses */
	unsigned gen;

	/* the loop side */
	struct status_snap *cur, *prev;
	struct status_slot slot[ST_TOPICS];
	char pol_ep[PDB_STATUS_POLICIES_MAX][PDB_PD_ID_MAX]; /* policy of slots ST_FIXED + 2p, +1 */
	uint64_t seq;                                        /* the last seq given out */
	bool have_content;
	int64_t last_good_ms; /* wall clock of the last good poll; 0: none yet */
	struct status_shown shown[PDB_STATUS_ACK_SEQS];
	uint64_t content_hash;
	bool started;
	unsigned timer;
	unsigned failures;
	bool me_none_logged;
	bool policies_full_logged;
	unsigned last_watch_gen; /* of the last good poll */
	bool want_poll;
	bool refresh_waiting; /* a cmd/refresh waits for the next poll to start */
	bool refresh_in_job;  /* ... and that poll is running */
	struct status_stats stats;
	struct buf out, scratch;
	/* per-policy topics of an earlier run, seen before the truth was known */
	char leftover[PDB_STATUS_LEFTOVERS_MAX][PDB_MQ_TOPIC_MAX];
	size_t n_leftovers;

	/* the job: one at a time; the loop touches these only when !busy */
	bool busy;
	enum job_kind kind;
	struct status_cfg *job_cfg;
	atomic_bool job_done;
	struct pd_client *client;
	unsigned client_gen;
	int me_state; /* 0 unknown, 1 known (me_id), 2 none */
	char me_id[PDB_PD_ID_MAX];
	struct status_result *res;
	/** ack: asked ids in, acknowledged ids out */
	uint64_t ack_seq;
	char ack_ids[PDB_STATUS_TOP_MAX][PDB_PD_ID_MAX];
	size_t n_ack;
	bool ack_done[PDB_STATUS_TOP_MAX];
	bool ack_pending; /* waits for the job in flight */
	enum pdb_rc ack_rc;
	struct pdb_err ack_err;
	struct status_snap *next; /* scratch for the snapshot being built */
};

/* --- status_pub.c --------------------------------------------------------------- */

/**
 * status__apply: @next becomes the current snapshot; publish what changed,
 * and the events of the change when @events (false: the first poll with
 * other watch settings, whose differences are not news).
 */
void status__apply(struct status *s, const struct status_snap *next, bool events);

/**
 * status__publish_all: every retained topic (@ha_only: the discovery ones);
 * @force: changed or not (a reconnect), else only what changed (new settings).
 */
void status__publish_all(struct status *s, bool force, bool ha_only);

/** status__forget_topics: clear (empty retained) every topic we hold, then forget them. */
void status__forget_topics(struct status *s);

/** status__publish: one message through the callback, counted. */
enum pdb_rc status__publish(struct status *s, const char *topic, const char *payload, size_t len,
                            bool retain);

/** status__names: the names of the current settings. */
void status__names(const struct status *s, struct status_names *n);

/**
 * status__leftover: a message on @topic, if it is a per-policy topic of ours
 * (<base>/oncall/<id>, or the oncall_<id> discovery config): one with a
 * payload for a policy we do not publish is left by an earlier run and is
 * cleared, now or (while the current policies are not known) after the next
 * good poll. Returns false when @topic is no such topic.
 */
bool status__leftover(struct status *s, const char *topic, size_t len);

/** status__clear_leftovers: after a good poll, clear those remembered that are still not current.
 */
void status__clear_leftovers(struct status *s);

/* --- status_poll.c ------------------------------------------------------------ */

/** status__poll_now: poll now, or right after the job in flight. */
void status__poll_now(struct status *s);

/** status__poll_done: the loop side of a finished poll (tests call it with their own result). */
void status__poll_done(struct status *s, const struct status_result *r);

/** status__submit_ack: run the ack job for s->ack_* now or after the job in flight. */
enum pdb_rc status__submit_ack(struct status *s);

/* --- status_cmd.c --------------------------------------------------------------- */

/** status__cmd_result: publish @json on <base>/cmd/<verb>/result. */
void status__cmd_result(struct status *s, const char *verb, const char *json);

/** status__refresh_reply: the poll a cmd/refresh waited for ended. */
void status__refresh_reply(struct status *s, enum pdb_rc rc, const char *error);

/** status__ack_reply: the ack job ended. */
void status__ack_reply(struct status *s, enum pdb_rc rc, const char *error);

#endif /* PDBRIDGE_STATUS_INT_H */
