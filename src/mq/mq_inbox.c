/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mq_inbox.c - the only code of src/mq that runs on paho's threads: its
 * callbacks, the bounded inbox they fill, and the registry that keeps them
 * away from freed memory.
 *
 * Lifetime. paho offers no way to wait for a callback that is already
 * running when MQTTAsync_destroy() is called, so it is never given a
 * pointer. Its contexts are numbers: a client id (message arrived,
 * connection lost) or a session id, new for every connect attempt (connect,
 * send and subscribe completions). Each callback takes mq__lock, looks the
 * number up in the registry of live clients and, if found, copies what it
 * needs into the inbox and posts one wake-up (coalesced: at most one queued
 * per client). mq_free() unregisters under the same lock before it destroys
 * the paho client, so whatever paho calls later finds nothing; a wake-up
 * still queued on the loop carries the client id too and is ignored the same
 * way. Completions of an earlier session (sends that were in flight when
 * the connection dropped) do not match the current session id, so they
 * cannot disturb the in-flight count of the new one.
 *
 * One process-wide mutex guards the registry and every inbox. It is held only
 * to copy a message or set a flag, and the loop never calls paho while it
 * holds it (paho may hold its own mutex while calling us). Lock order:
 * mq__lock, then the loop's post queue.
 */
#include "mq_int.h"

#include <pdbridge/clock.h>
#include <pdbridge/ev.h>
#include <pdbridge/mem.h>

#include <pthread.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct mq *registry; /* live clients, under lock */
static uintptr_t next_id;   /* client and session ids, under lock; 0 is never used */

void mq__lock(void)
{
	pthread_mutex_lock(&lock);
}

void mq__unlock(void)
{
	pthread_mutex_unlock(&lock);
}

static uintptr_t new_id(void)
{
	if (++next_id == 0)
		++next_id;
	return next_id;
}

void mq__register(struct mq *m)
{
	mq__lock();
	m->id = new_id();
	m->in.next = registry;
	registry = m;
	mq__unlock();
}

void mq__unregister(struct mq *m)
{
	struct mq **pp;

	mq__lock();
	for (pp = &registry; *pp; pp = &(*pp)->in.next)
		if (*pp == m) {
			*pp = m->in.next;
			break;
		}
	mq__unlock();
}

uintptr_t mq__new_session(struct mq *m)
{
	m->in.sess = new_id();
	m->in.done = 0;
	return m->in.sess;
}

/* by_id, by_sess: the live client a context names, or NULL. Under lock. */
static struct mq *by_id(void *ctx)
{
	struct mq *m;

	for (m = registry; m; m = m->in.next)
		if (m->id == (uintptr_t)ctx)
			return m;
	return NULL;
}

static struct mq *by_sess(void *ctx)
{
	struct mq *m;

	for (m = registry; m; m = m->in.next)
		if (m->in.sess == (uintptr_t)ctx)
			return m;
	return NULL;
}

static void on_post(struct ev_loop *l, void *ud)
{
	struct mq *m;

	(void)l;
	mq__lock();
	m = by_id(ud);
	if (m)
		m->in.posted = false;
	mq__unlock();
	/* Only the loop thread frees a client, and this is the loop thread. */
	if (m)
		mq__drain(m);
}

/* wake: have the loop drain @m; under lock. A full post queue is covered by the sweep timer. */
static void wake(struct mq *m)
{
	if (m->in.posted)
		return;
	if (ev_post(m->loop, on_post, (void *)m->id) == PDB_OK)
		m->in.posted = true;
}

static void event(void *ctx, unsigned ev, int code, bool sess)
{
	struct mq *m;

	mq__lock();
	m = sess ? by_sess(ctx) : by_id(ctx);
	if (m) {
		m->in.events |= ev;
		if (ev == MQ_EV_CONNECT_FAIL)
			m->in.fail_code = code;
		wake(m);
	}
	mq__unlock();
}

int mq__cb_arrived(void *ctx, char *topic, int topic_len, MQTTAsync_message *msg)
{
	size_t tlen = topic_len > 0 ? (size_t)topic_len : strlen(topic);
	size_t plen = msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0;
	struct mq_msg *q;
	struct mq *m;

	mq__lock();
	m = by_id(ctx);
	if (!m)
		goto out;
	if (m->in.n >= PDB_MQ_INBOX_MAX || tlen > PDB_MQ_TOPIC_MAX || plen > PDB_MQ_MSG_MAX ||
	    m->in.bytes + tlen + plen > PDB_MQ_INBOX_BYTES_MAX || memchr(topic, 0, tlen)) {
		m->in.dropped++;
		goto out;
	}
	q = mem_malloc(sizeof(*q) + tlen + 1 + plen + 1);
	if (!q) {
		m->in.dropped++;
		goto out;
	}
	memcpy(q->topic, topic, tlen);
	q->topic[tlen] = 0;
	q->payload = q->topic + tlen + 1;
	if (plen)
		memcpy(q->payload, msg->payload, plen);
	q->payload[plen] = 0;
	q->len = plen;
	m->in.q[(m->in.head + m->in.n) % PDB_MQ_INBOX_MAX] = q;
	m->in.n++;
	m->in.bytes += tlen + plen;
	wake(m);
out:
	mq__unlock();
	MQTTAsync_freeMessage(&msg);
	MQTTAsync_free(topic);
	return 1; /* taken: paho must not deliver it again */
}

void mq__cb_lost(void *ctx, char *cause)
{
	(void)cause; /* paho passes NULL for most causes; the loop logs the fact */
	event(ctx, MQ_EV_LOST, 0, false);
}

void mq__cb_connect_ok(void *ctx, MQTTAsync_successData *resp)
{
	(void)resp;
	event(ctx, MQ_EV_CONNECTED, 0, true);
}

void mq__cb_connect_fail(void *ctx, MQTTAsync_failureData *resp)
{
	event(ctx, MQ_EV_CONNECT_FAIL, resp ? resp->code : MQTTASYNC_FAILURE, true);
}

void mq__cb_sub_fail(void *ctx, MQTTAsync_failureData *resp)
{
	(void)resp;
	event(ctx, MQ_EV_SUB_FAIL, 0, true);
}

static void send_done(void *ctx, bool ok)
{
	struct mq *m;

	mq__lock();
	m = by_sess(ctx);
	if (m) {
		m->in.done++;
		if (ok)
			m->in.delivered++;
		wake(m);
	}
	mq__unlock();
}

void mq__cb_send_ok(void *ctx, MQTTAsync_successData *resp)
{
	(void)resp;
	send_done(ctx, true);
}

void mq__cb_send_fail(void *ctx, MQTTAsync_failureData *resp)
{
	(void)resp;
	send_done(ctx, false);
}

static void stop_done(void *ctx)
{
	struct mq *m;

	mq__lock();
	m = by_id(ctx);
	if (m)
		m->in.stop_done = true;
	mq__unlock();
}

void mq__cb_stop_ok(void *ctx, MQTTAsync_successData *resp)
{
	(void)resp;
	stop_done(ctx);
}

void mq__cb_stop_fail(void *ctx, MQTTAsync_failureData *resp)
{
	(void)resp;
	stop_done(ctx);
}

void mq__stop_reset(struct mq *m)
{
	mq__lock();
	m->in.stop_done = false;
	mq__unlock();
}

/*
 * A short poll rather than a condition variable: this runs once, in
 * mq_free(), for at most PDB_MQ_STOP_MS.
 */
void mq__wait_stop(struct mq *m, int64_t deadline_ms)
{
	const struct timespec step = {0, 10 * 1000 * 1000};
	bool done;

	for (;;) {
		mq__lock();
		done = m->in.stop_done;
		mq__unlock();
		if (done || clk_now_ms() >= deadline_ms)
			return;
		nanosleep(&step, NULL);
	}
}

void mq__inbox_clear(struct mq *m)
{
	while (m->in.n) {
		mem_free(m->in.q[m->in.head]);
		m->in.head = (m->in.head + 1) % PDB_MQ_INBOX_MAX;
		m->in.n--;
	}
	m->in.bytes = 0;
}
