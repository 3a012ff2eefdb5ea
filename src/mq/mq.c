/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mq.c - one broker connection, driven from the loop thread: connect, the
 * "online"/"offline" status, subscriptions, reconnect backoff, bounded
 * publishing, and the clean stop.
 *
 * Reconnecting is ours, not paho's automaticReconnect: the loop arms one ev
 * timer per wait (PDB_MQ_BACKOFF_MIN_MS doubling to PDB_MQ_BACKOFF_MAX_MS,
 * each wait drawn from its upper half so a room full of boards does not
 * reconnect in step), and a state change is logged once - "connected",
 * "lost", "cannot connect" - not once per attempt. Every connect uses a
 * clean session, so after a reconnect the subscriptions are made again and
 * the owner republishes its retained state from on_connect.
 *
 * In flight: a publish counts from MQTTAsync_sendMessage() until paho
 * reports it complete (either way, mq_inbox.c); a new session starts the
 * count again, since a clean session forgets what the old one had in
 * flight.
 *
 * The password goes to paho and to log_add_secret(), nowhere else; our copy
 * is wiped when the client is freed.
 */
#include "mq_int.h"

#include <pdbridge/clock.h>
#include <pdbridge/ev.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <string.h>

#define MOD "mq"

#define URI_MAX (PDB_MQ_NAME_MAX + 32)

static const char online[] = "online";
static const char offline[] = "offline";

static void connect_now(struct mq *m);

/* --- creation ------------------------------------------------------------- */

static bool valid_topic(const char *t, bool filter)
{
	size_t n = t ? strlen(t) : 0;

	return n && n <= PDB_MQ_TOPIC_MAX && (filter || !strpbrk(t, "+#"));
}

static enum pdb_rc check_conf(const struct mq_conf *c, struct pdb_err *err)
{
	size_t i;

	if (!c->loop)
		return pdb_err_set(err, PDB_E_INVAL, "MQTT: no event loop");
	if (!c->client_id || !*c->client_id || strlen(c->client_id) > PDB_MQ_NAME_MAX)
		return pdb_err_set(err, PDB_E_INVAL, "MQTT client id must be 1..%d bytes",
		                   PDB_MQ_NAME_MAX);
	if (!valid_topic(c->will_topic, false))
		return pdb_err_set(err, PDB_E_INVAL,
		                   "MQTT status topic must be 1..%d bytes without + or #",
		                   PDB_MQ_TOPIC_MAX);
	if (c->username && strlen(c->username) > PDB_MQ_NAME_MAX)
		return pdb_err_set(err, PDB_E_INVAL, "MQTT user name longer than %d bytes",
		                   PDB_MQ_NAME_MAX);
	if (c->password && strlen(c->password) > PDB_SECRET_MAX)
		return pdb_err_set(err, PDB_E_INVAL, "MQTT password longer than %d bytes",
		                   PDB_SECRET_MAX);
	if (c->password && !c->username)
		return pdb_err_set(err, PDB_E_INVAL,
		                   "MQTT password set without a user name (MQTT 3.1.1 needs both)");
	if (c->n_subs > PDB_MQ_SUBS_MAX || (c->n_subs && !c->subs))
		return pdb_err_set(err, PDB_E_INVAL, "more than %d MQTT subscriptions",
		                   PDB_MQ_SUBS_MAX);
	for (i = 0; i < c->n_subs; i++)
		if (!valid_topic(c->subs[i], true))
			return pdb_err_set(err, PDB_E_INVAL,
			                   "MQTT subscription %zu must be 1..%d bytes", i + 1,
			                   PDB_MQ_TOPIC_MAX);
	return PDB_OK;
}

static bool dup(char **dst, const char *src)
{
	if (!src)
		return true;
	*dst = mem_strdup(src);
	return *dst != NULL;
}

static void free_fields(struct mq *m)
{
	size_t i;

	mem_free(m->uri);
	mem_free(m->username);
	mem_free_secret(m->password);
	mem_free(m->client_id);
	mem_free(m->will_topic);
	for (i = 0; i < m->n_subs; i++)
		mem_free(m->subs[i]);
	mem_free(m);
}

enum pdb_rc mq_new(const struct mq_conf *c, struct mq **out, struct pdb_err *err)
{
	MQTTAsync_createOptions co = MQTTAsync_createOptions_initializer;
	char uri[URI_MAX];
	struct mq *m;
	bool ok;
	size_t i;
	int prc;
	enum pdb_rc rc;

	*out = NULL;
	rc = check_conf(c, err);
	if (!rc)
		rc = mq__url_parse(c->url, uri, sizeof(uri), err);
	if (rc)
		return rc;
	if (c->password && *c->password && log_add_secret(c->password))
		return pdb_err_set(err, PDB_E_TOO_LARGE, "too many secrets to redact from logs");
	m = mem_calloc(1, sizeof(*m));
	if (!m)
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory for the MQTT client");
	m->loop = c->loop;
	m->on_connect = c->on_connect;
	m->on_message = c->on_message;
	m->ud = c->ud;
	m->backoff_ms = PDB_MQ_BACKOFF_MIN_MS;
	m->rng = (uint32_t)clk_now_ms() | 1u;
	ok = dup(&m->uri, uri) && dup(&m->username, c->username) &&
	     dup(&m->password, c->password) && dup(&m->client_id, c->client_id) &&
	     dup(&m->will_topic, c->will_topic);
	for (i = 0; ok && i < c->n_subs; i++, m->n_subs++)
		ok = dup(&m->subs[i], c->subs[i]);
	if (!ok) {
		free_fields(m);
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory for the MQTT client");
	}
	co.MQTTVersion = MQTTVERSION_3_1_1;
	co.sendWhileDisconnected = 0;
	/*
	 * paho refuses sends beyond this many queued (default 100) even while
	 * connected; our own bound is the outbox, plus one for "offline".
	 */
	co.maxBufferedMessages = PDB_MQ_OUTBOX_MAX + 1;
	prc = MQTTAsync_createWithOptions(&m->paho, m->uri, m->client_id,
	                                  MQTTCLIENT_PERSISTENCE_NONE, NULL, &co);
	if (prc != MQTTASYNC_SUCCESS) {
		free_fields(m);
		return pdb_err_set(err, PDB_E_INVAL, "MQTT client for %s: %s", uri,
		                   MQTTAsync_strerror(prc));
	}
	mq__register(m);
	prc = MQTTAsync_setCallbacks(m->paho, (void *)m->id, mq__cb_lost, mq__cb_arrived, NULL);
	if (prc != MQTTASYNC_SUCCESS) {
		mq_free(m);
		return pdb_err_set(err, PDB_E_INTERNAL, "MQTT callbacks refused: %s",
		                   MQTTAsync_strerror(prc));
	}
	*out = m;
	return PDB_OK;
}

/* --- connecting and reconnecting ------------------------------------------ */

static uint32_t rnd(struct mq *m)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 17;
	m->rng ^= m->rng << 5;
	return m->rng;
}

static void on_backoff(struct ev_loop *l, void *ud)
{
	struct mq *m = ud;

	(void)l;
	m->timer = 0;
	if (m->state == MQ_WAITING)
		connect_now(m);
}

/* retry_later: wait for the next backoff step; MQ_WAITING with no timer is retried by the sweep. */
static void retry_later(struct mq *m)
{
	int64_t half = m->backoff_ms / 2;
	int64_t delay = half + (int64_t)(rnd(m) % (uint32_t)(half + 1));

	m->state = MQ_WAITING;
	m->backoff_ms *= 2;
	if (m->backoff_ms > PDB_MQ_BACKOFF_MAX_MS)
		m->backoff_ms = PDB_MQ_BACKOFF_MAX_MS;
	if (ev_timer_add(m->loop, delay, on_backoff, m, &m->timer))
		m->timer = 0;
}

static const char *connect_reason(int code)
{
	static const char *const connack[] = {
	    NULL,
	    "the broker refused the protocol version",
	    "the broker refused the client id",
	    "the broker is unavailable",
	    "bad user name or password",
	    "not authorized",
	};

	if (code > 0 && code < (int)(PDB_N_OF(connack)))
		return connack[code];
	if (code == MQTTASYNC_FAILURE)
		return "no connection (TCP connect, name or CONNACK timeout)";
	return MQTTAsync_strerror(code);
}

static void connect_failed(struct mq *m, int code)
{
	if (!m->failing)
		LOG_WARN(MOD, "cannot connect to %s: %s; retrying every %d..%d s", m->uri,
		         connect_reason(code), PDB_MQ_BACKOFF_MIN_MS / 1000,
		         PDB_MQ_BACKOFF_MAX_MS / 1000);
	else
		LOG_DEBUG(MOD, "connect to %s failed again: %s", m->uri, connect_reason(code));
	m->failing = true;
	retry_later(m);
}

static void connect_now(struct mq *m)
{
	MQTTAsync_connectOptions o = MQTTAsync_connectOptions_initializer;
	MQTTAsync_willOptions w = MQTTAsync_willOptions_initializer;
	uintptr_t sess;
	int prc;

	mq__lock();
	sess = mq__new_session(m);
	mq__unlock();
	m->sent = 0;
	w.topicName = m->will_topic;
	w.message = offline;
	w.retained = 1;
	w.qos = 1;
	o.keepAliveInterval = PDB_MQ_KEEPALIVE_S;
	o.cleansession = 1;
	o.will = &w;
	o.username = m->username;
	o.password = m->password;
	o.connectTimeout = PDB_MQ_CONNECT_TIMEOUT_S;
	o.MQTTVersion = MQTTVERSION_3_1_1;
	o.automaticReconnect = 0;
	o.onSuccess = mq__cb_connect_ok;
	o.onFailure = mq__cb_connect_fail;
	o.context = (void *)sess;
	m->state = MQ_CONNECTING;
	prc = MQTTAsync_connect(m->paho, &o);
	if (prc != MQTTASYNC_SUCCESS)
		connect_failed(m, prc);
}

static void on_sweep(struct ev_loop *l, void *ud)
{
	struct mq *m = ud;

	(void)l;
	if (ev_timer_add(m->loop, PDB_MQ_SWEEP_MS, on_sweep, m, &m->sweep))
		m->sweep = 0;
	if (m->state == MQ_WAITING && !m->timer)
		connect_now(m);
	mq__drain(m);
}

enum pdb_rc mq_start(struct mq *m, struct pdb_err *err)
{
	if (m->state != MQ_IDLE)
		return pdb_err_set(err, PDB_E_INVAL, "MQTT client already started");
	if (ev_timer_add(m->loop, PDB_MQ_SWEEP_MS, on_sweep, m, &m->sweep))
		return pdb_err_set(err, PDB_E_IO, "MQTT: no timer left on the loop");
	LOG_INFO(MOD, "connecting to %s as %s", m->uri, m->client_id);
	connect_now(m);
	return PDB_OK;
}

static void subscribe(struct mq *m)
{
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	int qos[PDB_MQ_SUBS_MAX];
	size_t i;
	int prc;

	if (!m->n_subs)
		return;
	for (i = 0; i < m->n_subs; i++)
		qos[i] = 1;
	ro.onFailure = mq__cb_sub_fail;
	ro.context = (void *)m->in.sess;
	prc = MQTTAsync_subscribeMany(m->paho, (int)m->n_subs, m->subs, qos, &ro);
	if (prc != MQTTASYNC_SUCCESS)
		LOG_WARN(MOD, "cannot subscribe on %s: %s", m->uri, MQTTAsync_strerror(prc));
}

static void connected(struct mq *m)
{
	if (m->state != MQ_CONNECTING)
		return;
	m->state = MQ_CONNECTED;
	m->st.connects++;
	m->backoff_ms = PDB_MQ_BACKOFF_MIN_MS;
	if (m->failing || m->st.connects > 1)
		LOG_INFO(MOD, "connected to %s again", m->uri);
	else
		LOG_INFO(MOD, "connected to %s", m->uri);
	m->failing = false;
	if (mq_publish(m, m->will_topic, online, strlen(online), 1, true))
		LOG_WARN(MOD, "cannot publish %s on %s", online, m->will_topic);
	subscribe(m);
	if (m->on_connect)
		m->on_connect(m->ud);
}

static void lost(struct mq *m)
{
	if (m->state != MQ_CONNECTED)
		return;
	LOG_WARN(MOD, "connection to %s lost; reconnecting", m->uri);
	retry_later(m);
}

/* --- the loop side of the inbox ------------------------------------------- */

void mq__drain(struct mq *m)
{
	struct mq_msg *q;
	unsigned events;
	int code;

	if (m->state == MQ_STOPPING)
		return;
	mq__lock();
	events = m->in.events;
	code = m->in.fail_code;
	m->in.events = 0;
	mq__unlock();

	/* One session at a time: a connect result comes before its loss. */
	if (events & MQ_EV_CONNECT_FAIL && m->state == MQ_CONNECTING)
		connect_failed(m, code);
	if (events & MQ_EV_CONNECTED)
		connected(m);
	if (events & MQ_EV_SUB_FAIL)
		LOG_WARN(MOD, "the broker refused a subscription (check its ACL)");
	if (events & MQ_EV_LOST)
		lost(m);

	for (;;) {
		mq__lock();
		q = NULL;
		if (m->in.n) {
			q = m->in.q[m->in.head];
			m->in.head = (m->in.head + 1) % PDB_MQ_INBOX_MAX;
			m->in.n--;
			m->in.bytes -= strlen(q->topic) + q->len;
		}
		mq__unlock();
		if (!q)
			break;
		m->st.received++;
		if (m->on_message)
			m->on_message(q->topic, q->payload, q->len, m->ud);
		mem_free(q);
	}
}

/* --- publishing ------------------------------------------------------------ */

enum pdb_rc mq_publish(struct mq *m, const char *topic, const char *payload, size_t len, int qos,
                       bool retain)
{
	MQTTAsync_message msg = MQTTAsync_message_initializer;
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	unsigned long done;
	int prc;

	if (len > PDB_MQ_MSG_MAX || (topic && strlen(topic) > PDB_MQ_TOPIC_MAX)) {
		m->st.refused++;
		return PDB_E_TOO_LARGE;
	}
	if (!valid_topic(topic, false) || qos < 0 || qos > 2 || (len && !payload)) {
		m->st.refused++;
		return PDB_E_INVAL;
	}
	if (m->state != MQ_CONNECTED) {
		m->st.refused++;
		return PDB_E_IO;
	}
	mq__lock();
	done = m->in.done;
	mq__unlock();
	if (m->sent - done >= PDB_MQ_OUTBOX_MAX) {
		m->st.refused++;
		return PDB_E_TOO_LARGE;
	}
	msg.payload = (void *)payload;
	msg.payloadlen = (int)len;
	msg.qos = qos;
	msg.retained = retain;
	ro.onSuccess = mq__cb_send_ok;
	ro.onFailure = mq__cb_send_fail;
	ro.context = (void *)m->in.sess;
	prc = MQTTAsync_sendMessage(m->paho, topic, &msg, &ro);
	if (prc != MQTTASYNC_SUCCESS) {
		m->st.refused++;
		return prc == MQTTASYNC_MAX_MESSAGES_INFLIGHT ||
		               prc == MQTTASYNC_MAX_BUFFERED_MESSAGES
		           ? PDB_E_TOO_LARGE
		           : PDB_E_IO;
	}
	m->sent++;
	return PDB_OK;
}

bool mq_connected(const struct mq *m)
{
	return m && m->state == MQ_CONNECTED;
}

void mq_get_stats(const struct mq *m, struct mq_stats *out)
{
	*out = m->st;
	mq__lock();
	out->published = m->in.delivered;
	out->dropped = m->in.dropped;
	mq__unlock();
}

/* --- the clean stop ---------------------------------------------------------- */

static void say_offline(struct mq *m, int64_t deadline)
{
	MQTTAsync_message msg = MQTTAsync_message_initializer;
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;

	msg.payload = (void *)offline;
	msg.payloadlen = (int)strlen(offline);
	msg.qos = 1;
	msg.retained = 1;
	ro.onSuccess = mq__cb_stop_ok;
	ro.onFailure = mq__cb_stop_fail;
	ro.context = (void *)m->id;
	mq__stop_reset(m);
	if (MQTTAsync_sendMessage(m->paho, m->will_topic, &msg, &ro) == MQTTASYNC_SUCCESS)
		mq__wait_stop(m, deadline);
}

static void disconnect(struct mq *m, int64_t deadline)
{
	MQTTAsync_disconnectOptions o = MQTTAsync_disconnectOptions_initializer;

	o.timeout = (int)clk_remaining_ms(deadline);
	o.onSuccess = mq__cb_stop_ok;
	o.onFailure = mq__cb_stop_fail;
	o.context = (void *)m->id;
	mq__stop_reset(m);
	if (MQTTAsync_disconnect(m->paho, &o) == MQTTASYNC_SUCCESS)
		mq__wait_stop(m, deadline);
}

void mq_free(struct mq *m)
{
	int64_t deadline = clk_deadline(PDB_MQ_STOP_MS);
	enum mq_state was;

	if (!m)
		return;
	was = m->state;
	m->state = MQ_STOPPING;
	ev_timer_cancel(m->loop, m->timer);
	ev_timer_cancel(m->loop, m->sweep);
	if (m->paho && was == MQ_CONNECTED)
		say_offline(m, deadline);
	if (m->paho && (was == MQ_CONNECTED || was == MQ_CONNECTING))
		disconnect(m, deadline);
	if (was == MQ_CONNECTED)
		LOG_INFO(MOD, "disconnected from %s", m->uri);
	/* From here on no paho callback and no queued wake-up can reach m. */
	mq__unregister(m);
	if (m->paho)
		MQTTAsync_destroy(&m->paho);
	mq__inbox_clear(m);
	free_fields(m);
}
