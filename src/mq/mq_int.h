/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mq_int.h - what the files of src/mq share: the client struct, the inbox
 * that paho's threads fill, and the URL check.
 *
 * The struct is split by thread. The fields under "loop" are touched only on
 * the loop thread. The fields under "inbox" are written by paho's threads and
 * read by the loop, always under mq__lock (mq_inbox.c), which also guards the
 * registry of live clients. paho gets no pointer to a struct mq: every
 * context it holds is a number (a client id or a session id) that
 * mq_inbox.c looks up in the registry under the lock, so a callback that
 * comes late, after mq_free(), finds nothing instead of freed memory.
 */
#ifndef PDBRIDGE_MQ_INT_H
#define PDBRIDGE_MQ_INT_H

#include <pdbridge/limits.h>
#include <pdbridge/mq.h>

#include <MQTTAsync.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One arrived message: topic, NUL, payload, NUL, in one mem_malloc block. */
struct mq_msg {
	size_t len; /* payload bytes */
	char *payload;
	char topic[]; /* NUL-terminated; the payload follows */
};

enum mq_state {
	MQ_IDLE,       /* created, mq_start() not called */
	MQ_WAITING,    /* the backoff timer runs */
	MQ_CONNECTING, /* a connect is in flight */
	MQ_CONNECTED,
	MQ_STOPPING, /* mq_free() runs */
};

/* Events a paho thread left for the loop (bits in inbox.events). */
#define MQ_EV_CONNECTED    1u
#define MQ_EV_CONNECT_FAIL 2u
#define MQ_EV_LOST         4u
#define MQ_EV_SUB_FAIL     8u

struct mq {
	/* set by mq_new(), read-only afterwards (any thread) */
	uintptr_t id; /* the registry key of the connection-wide callbacks */
	struct ev_loop *loop;
	MQTTAsync paho;
	char *uri; /* "tcp://HOST:PORT", what paho connects to */
	char *username, *password, *client_id, *will_topic;
	char *subs[PDB_MQ_SUBS_MAX];
	size_t n_subs;
	mq_connect_fn on_connect;
	mq_message_fn on_message;
	void *ud;

	/* loop thread only */
	enum mq_state state;
	unsigned timer;     /* backoff timer id, 0 when none */
	unsigned sweep;     /* sweep timer id */
	int64_t backoff_ms; /* the next wait */
	bool failing;       /* a connect failure was logged; quiet until a success */
	unsigned long sent; /* sends accepted by paho in this session */
	uint32_t rng;       /* jitter; no security value */
	struct mq_stats st; /* connects, refused, received are kept here */
	struct mq_msg *cur; /* the message being delivered (freed if the callback frees us) */

	/** inbox: under mq__lock */
	struct mq_inbox {
		struct mq *next;         /* registry list */
		uintptr_t sess;          /* the session id the connect/sends of now carry */
		bool posted;             /* a wake-up is queued on the loop */
		unsigned events;         /* MQ_EV_* */
		int fail_code;           /* paho's code of the last failed connect */
		unsigned long done;      /* sends of this session completed (either way) */
		unsigned long delivered; /* sends of any session completed well */
		unsigned long dropped;
		bool stop_done; /* the "offline" of mq_free or the disconnect completed */
		struct mq_msg *q[PDB_MQ_INBOX_MAX];
		size_t head, n;
		size_t bytes; /* topics and payloads queued, at most PDB_MQ_INBOX_BYTES_MAX */
	} in;
};

/* --- mq_url.c ------------------------------------------------------------- */

/**
 * mq__url_parse: check @url (mqtt:// or tcp://, HOST[:PORT]) and write the
 * URI paho gets ("tcp://HOST:PORT", localhost mapped to 127.0.0.1) into @uri
 * of @cap bytes. Returns PDB_OK or PDB_E_INVAL with the reason.
 */
enum pdb_rc mq__url_parse(const char *url, char *uri, size_t cap, struct pdb_err *err);

/* --- mq_inbox.c: registry, paho-thread callbacks, the lock --------------- */

void mq__lock(void);
void mq__unlock(void);

/** mq__register: give @m its id and make it findable by callbacks. */
void mq__register(struct mq *m);

/** mq__unregister: after this, no callback reaches @m and no post is run for it. */
void mq__unregister(struct mq *m);

/** mq__new_session: a fresh session id for the next connect; zeroes done. Under the lock. */
uintptr_t mq__new_session(struct mq *m);

/* The callbacks handed to paho (their context is an id, see above). */
int mq__cb_arrived(void *ctx, char *topic, int topic_len, MQTTAsync_message *msg);
void mq__cb_lost(void *ctx, char *cause);
void mq__cb_connect_ok(void *ctx, MQTTAsync_successData *resp);
void mq__cb_connect_fail(void *ctx, MQTTAsync_failureData *resp);
void mq__cb_send_ok(void *ctx, MQTTAsync_successData *resp);
void mq__cb_send_fail(void *ctx, MQTTAsync_failureData *resp);
void mq__cb_sub_fail(void *ctx, MQTTAsync_failureData *resp);
void mq__cb_stop_ok(void *ctx, MQTTAsync_successData *resp);
void mq__cb_stop_fail(void *ctx, MQTTAsync_failureData *resp);

/** mq__drain: runs on the loop for a wake-up or a sweep; defined in mq.c. */
void mq__drain(struct mq *m);

/** mq__stop_reset: clear stop_done before the next step of mq_free. */
void mq__stop_reset(struct mq *m);

/** mq__wait_stop: wait (loop thread, in mq_free) until stop_done or @deadline_ms passes. */
void mq__wait_stop(struct mq *m, int64_t deadline_ms);

/** mq__inbox_clear: free every queued message (mq_free, after unregistering). */
void mq__inbox_clear(struct mq *m);

#endif /* PDBRIDGE_MQ_INT_H */
