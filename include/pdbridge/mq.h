/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mq.h - MQTT over paho.mqtt.c (asynchronous client library).
 *
 * One struct mq is one broker connection: it connects in the background,
 * sets the last will (<will_topic> = "offline", retained), publishes
 * "online" (retained) on every connect, subscribes to the configured
 * filters, and reconnects with a bounded exponential backoff when the broker
 * goes away. Every callback of ours runs on the event loop thread: paho's
 * threads only copy what arrived into a bounded queue and ev_post(), as
 * docs/adr-threads.md says.
 *
 * Publishing copies the message; at most PDB_MQ_OUTBOX_MAX messages are in
 * flight (sent, not yet completed by paho) at once, and a publish beyond that
 * or while disconnected is refused with PDB_E_TOO_LARGE / PDB_E_IO instead
 * of being buffered without bound. Nothing is lost that matters: the owner
 * republishes its full retained state from on_connect after each reconnect.
 *
 * Broker names: the binary is static glibc, and paho resolves the host with
 * getaddrinfo(). Numeric IPv4 and IPv6 addresses ([::1]) need no NSS and
 * "localhost" is mapped to 127.0.0.1 by mq itself, so those always work;
 * any other name goes to getaddrinfo(), which in a static binary needs the
 * board's NSS modules and may fail.
 *
 * The callbacks may call mq_publish() and mq_connected(), never mq_free().
 *
 * This is the only module that includes paho's headers; nothing of theirs
 * appears here.
 */
#ifndef PDBRIDGE_MQ_H
#define PDBRIDGE_MQ_H

#include <pdbridge/err.h>

#include <stdbool.h>
#include <stddef.h>

struct ev_loop;
struct mq;

/* A message arrived on a subscribed filter. @topic and @payload are borrowed for the call. */
typedef void (*mq_message_fn)(const char *topic, const char *payload, size_t len, void *ud);

/* The connection came up (again): republish retained state here. */
typedef void (*mq_connect_fn)(void *ud);

/* Settings. Strings are copied by mq_new(); NULL means unset. */
struct mq_conf {
	struct ev_loop *loop;   /* where every callback runs; borrowed for the life of the mq */
	const char *url;        /* mqtt://HOST[:PORT] (also tcp://); mqtts:// is refused */
	const char *username;   /* NULL: none */
	const char *password;   /* NULL: none; a secret, never logged */
	const char *client_id;  /* required */
	const char *will_topic; /* "<base>/<node>/status": "offline" as will, "online" on connect */
	const char *const *subs;  /* filters subscribed at QoS 1 on every connect */
	size_t n_subs;            /* at most PDB_MQ_SUBS_MAX */
	mq_connect_fn on_connect; /* may be NULL */
	mq_message_fn on_message; /* may be NULL */
	void *ud;                 /* for both callbacks */
};

/**
 * mq_new: check @c (URL scheme and host, lengths) and create the client; no
 * connection is made yet. Caller frees with mq_free(). Returns PDB_OK,
 * PDB_E_INVAL with the reason ("mqtts:// is not supported by this build: ...")
 * or PDB_E_NOMEM.
 */
enum pdb_rc mq_new(const struct mq_conf *c, struct mq **out, struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * mq_start: begin connecting; returns at once. Failures to reach the broker
 * are logged and retried with backoff, never returned. Returns PDB_OK or
 * PDB_E_IO (paho refused to start).
 */
enum pdb_rc mq_start(struct mq *m, struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * mq_publish: send @len bytes of @payload to @topic (copied). Loop thread
 * only. Returns PDB_OK, PDB_E_IO (not connected) or PDB_E_TOO_LARGE (the
 * in-flight bound is reached, or the message is larger than PDB_MQ_MSG_MAX).
 */
enum pdb_rc mq_publish(struct mq *m, const char *topic, const char *payload, size_t len, int qos,
                       bool retain) PDB_WARN_UNUSED;

/** mq_connected: true between a connect and the next connection loss. */
bool mq_connected(const struct mq *m);

/* Counters, for logs, tests and bench/. */
struct mq_stats {
	unsigned long connects;  /* successful connects, the first included */
	unsigned long published; /* messages handed to the broker */
	unsigned long refused;   /* publishes refused (disconnected or full) */
	unsigned long received;  /* messages delivered to on_message */
	unsigned long dropped;   /* arrivals dropped (queue full or too large) */
};
void mq_get_stats(const struct mq *m, struct mq_stats *out);

/**
 * mq_free: a clean stop: publish "offline" (retained) to the will topic,
 * disconnect with a deadline of PDB_MQ_STOP_MS, and free; NULL is a no-op.
 * Loop thread only.
 */
void mq_free(struct mq *m);

/** mq_lib_version: the version string the linked paho library reports. Static string. */
const char *mq_lib_version(void);

#endif /* PDBRIDGE_MQ_H */
