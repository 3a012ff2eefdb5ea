/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_status.c - the status poller without PagerDuty: poll results are fed
 * to status__poll_done() as the pool job would, and a fake publisher
 * records every (topic, payload, retain). No network: nothing here submits
 * a job (status_start() is not called), so the pool stays idle.
 */
#include "harness.h"

#include "../../src/status/status_int.h"

#include <pdbridge/ev.h>
#include <pdbridge/jsonx.h>
#include <pdbridge/mem.h>

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSGS_MAX    256
#define PAYLOAD_MAX 16384
#define BASE        "pdbridge/desk"
#define TOKEN       "u+SECRETTOKEN123456"

struct msg {
	char topic[PDB_MQ_TOPIC_MAX];
	char payload[PAYLOAD_MAX];
	size_t len;
	bool retain;
	int qos;
};

static struct msg msgs[MSGS_MAX];
static size_t n_msgs;
static bool refuse; /* the fake broker is away */

static enum pdb_rc fake_publish(void *ud, const char *topic, const char *payload, size_t len,
                                int qos, bool retain)
{
	struct msg *m;

	(void)ud;
	if (refuse)
		return PDB_E_IO;
	if (n_msgs == MSGS_MAX || len >= PAYLOAD_MAX)
		return PDB_E_TOO_LARGE;
	m = &msgs[n_msgs++];
	snprintf(m->topic, sizeof(m->topic), "%s", topic);
	memcpy(m->payload, payload, len);
	m->payload[len] = '\0';
	m->len = len;
	m->retain = retain;
	m->qos = qos;
	return PDB_OK;
}

static const struct msg *find(const char *topic)
{
	size_t i;

	for (i = n_msgs; i-- > 0;)
		if (!strcmp(msgs[i].topic, topic))
			return &msgs[i];
	return NULL;
}

static size_t count(const char *topic)
{
	size_t i, n = 0;

	for (i = 0; i < n_msgs; i++)
		n += !strcmp(msgs[i].topic, topic);
	return n;
}

/* --- fixtures -------------------------------------------------------------------- */

struct fx {
	struct ev_loop *loop;
	struct ev_pool *pool;
	struct pd_conf pd;
	struct status_conf c;
	struct status *s;
	struct status_result *r;
};

static bool fx_open(struct fx *f, bool write, const char *from, bool ha)
{
	struct pdb_err err;

	memset(f, 0, sizeof(*f));
	n_msgs = 0;
	refuse = false;
	jsonx_init(); /* JSON through mem, as in pdbridge: counted, capped, and swept */
	if (ev_new(&f->loop) || ev_pool_new(1, &f->pool))
		return false;
	pd_conf_init(&f->pd);
	f->pd.api_host = "http://127.0.0.1:9";
	f->pd.token = TOKEN;
	f->pd.from_email = from;
	f->c.loop = f->loop;
	f->c.pool = f->pool;
	f->c.pd = &f->pd;
	f->c.interval_ms = 30000;
	f->c.stale_after = 3;
	f->c.topic_base = BASE;
	f->c.node_id = "desk.local";
	f->c.ha_discovery = ha;
	f->c.write = write;
	f->c.publish = fake_publish;
	f->r = mem_calloc(1, sizeof(*f->r));
	return f->r && !status_new(&f->c, &f->s, &err);
}

static void fx_close(struct fx *f)
{
	ev_pool_free(f->pool);
	status_free(f->s);
	ev_free(f->loop);
	mem_free(f->r);
}

static void add_incident(struct status_result *r, const char *id, enum pd_incident_status st)
{
	struct pd_incident *in = &r->pd.incidents[r->pd.n_incidents++];

	memset(in, 0, sizeof(*in));
	snprintf(in->id, sizeof(in->id), "%s", id);
	in->number = (int64_t)r->pd.n_incidents;
	snprintf(in->title, sizeof(in->title), "Disk full on %s", id);
	in->status = st;
	snprintf(in->service_name, sizeof(in->service_name), "Web");
	snprintf(in->html_url, sizeof(in->html_url), "https://x.pagerduty.com/incidents/%s", id);
	in->created_ms = 1795000000000LL;
	if (st == PD_TRIGGERED)
		r->pd.counts.triggered++;
	else
		r->pd.counts.acknowledged++;
}

static void add_oncall(struct status_result *r, const char *ep, int level, const char *user)
{
	struct pd_oncall *o = &r->pd.oncalls[r->pd.n_oncalls++];

	memset(o, 0, sizeof(*o));
	snprintf(o->ep_id, sizeof(o->ep_id), "%s", ep);
	snprintf(o->ep_name, sizeof(o->ep_name), "Policy %s", ep);
	o->level = level;
	snprintf(o->user_id, sizeof(o->user_id), "U%s", user);
	snprintf(o->user_name, sizeof(o->user_name), "%s", user);
	snprintf(o->user_email, sizeof(o->user_email), "%s@example.com", user);
	o->end_ms = 1795100000000LL;
}

/* A good poll: one policy (EP1, Alice at level 1), @n_trig triggered incidents. */
static void base_result(struct status_result *r, int n_trig)
{
	int i;
	char id[16];

	memset(r, 0, sizeof(*r));
	add_oncall(r, "EP1", 1, "Alice");
	for (i = 0; i < n_trig; i++) {
		snprintf(id, sizeof(id), "PINC%d", i);
		add_incident(r, id, PD_TRIGGERED);
	}
}

static void poll_ok(struct fx *f)
{
	n_msgs = 0;
	status__poll_done(f->s, f->r);
}

static void poll_fail(struct fx *f)
{
	struct status_result bad;

	memset(&bad, 0, sizeof(bad));
	bad.rc = PDB_E_CONNECT;
	pdb_err_set(&bad.err, PDB_E_CONNECT, "connection refused");
	n_msgs = 0;
	status__poll_done(f->s, &bad);
}

static bool has(const struct msg *m, const char *needle)
{
	return m && strstr(m->payload, needle) != NULL;
}

/* --- cases ----------------------------------------------------------------------- */

static void t_level_rules(void)
{
	static struct status_snap s;

	memset(&s, 0, sizeof(s));
	T_EQ_INT(status_level_of(&s), STATUS_UNKNOWN); /* before the first good poll */
	s.valid = true;
	T_EQ_INT(status_level_of(&s), STATUS_OK);
	s.pd.counts.acknowledged = 2;
	T_EQ_INT(status_level_of(&s), STATUS_ACKED);
	s.pd.counts.triggered = 1;
	T_EQ_INT(status_level_of(&s), STATUS_TRIGGERED);
	s.stale = true;
	T_EQ_INT(status_level_of(&s), STATUS_UNKNOWN);
	T_EQ_STR(status_level_name(STATUS_ACKED), "acked");
	T_EQ_STR(status_level_name(STATUS_UNKNOWN), "unknown");
}

static void t_first_poll_then_quiet(void)
{
	struct fx f;
	struct status_stats st;
	const struct msg *m;
	uint64_t seq;

	T_CHECK(fx_open(&f, false, NULL, false));
	base_result(f.r, 0);
	poll_ok(&f);
	T_EQ_STR(find(BASE "/state/level")->payload, "ok");
	T_EQ_STR(find(BASE "/state/triggered")->payload, "0");
	T_EQ_STR(find(BASE "/state/acknowledged")->payload, "0");
	T_EQ_STR(find(BASE "/state/oncall_me")->payload, "false");
	T_CHECK(find(BASE "/incidents") != NULL);
	m = find(BASE "/oncall/EP1");
	T_CHECK(has(m, "\"name\":\"Policy EP1\""));
	T_CHECK(has(m, "\"user\":\"Alice\""));
	T_CHECK(has(m, "\"until\":\"2026-"));
	T_CHECK(!has(m, "example.com")); /* no e-mail on the broker */
	m = find(BASE "/state");
	T_CHECK(m && m->retain && m->qos == 1);
	T_CHECK(has(m, "\"stale\":false,\"level\":\"ok\""));
	T_CHECK(!has(m, "example.com"));
	T_EQ_INT(count(BASE "/event"), 0); /* the first state is not news */
	T_EQ_INT(n_msgs, 7);
	status_get_stats(f.s, &st);
	seq = st.seq;
	T_CHECK(seq > 0);
	T_EQ_INT(st.last_poll_published, 7);

	poll_ok(&f); /* nothing changed: nothing at all is published */
	T_EQ_INT(n_msgs, 0);
	status_get_stats(f.s, &st);
	T_EQ_INT(st.seq, seq);
	T_EQ_INT(st.last_poll_published, 0);
	T_EQ_INT(st.polls, 2);
	fx_close(&f);
}

static void t_triggered_then_resolved(void)
{
	struct fx f;
	const struct msg *m;
	struct status_stats st;
	uint64_t seq;

	T_CHECK(fx_open(&f, false, NULL, false));
	base_result(f.r, 0);
	poll_ok(&f);
	status_get_stats(f.s, &st);
	seq = st.seq;

	base_result(f.r, 1);
	poll_ok(&f);
	T_EQ_STR(find(BASE "/state/level")->payload, "triggered");
	T_EQ_STR(find(BASE "/state/triggered")->payload, "1");
	T_CHECK(find(BASE "/state/acknowledged") == NULL); /* unchanged: not sent */
	T_CHECK(find(BASE "/state/oncall_me") == NULL);
	T_CHECK(find(BASE "/oncall/EP1") == NULL);
	T_CHECK(has(find(BASE "/incidents"), "\"id\":\"PINC0\""));
	m = find(BASE "/state");
	T_CHECK(has(m, "\"level\":\"triggered\""));
	T_CHECK(has(m, "\"title\":\"Disk full on PINC0\""));
	m = find(BASE "/event");
	T_CHECK(m && !m->retain);
	T_CHECK(has(m, "\"event\":\"triggered\""));
	T_CHECK(has(m, "\"id\":\"PINC0\""));
	T_EQ_INT(n_msgs, 5);
	status_get_stats(f.s, &st);
	T_EQ_INT(st.seq, seq + 1);

	f.r->pd.incidents[0].status = PD_ACKNOWLEDGED;
	f.r->pd.counts.triggered = 0;
	f.r->pd.counts.acknowledged = 1;
	poll_ok(&f);
	T_EQ_STR(find(BASE "/state/level")->payload, "acked");
	T_CHECK(has(find(BASE "/event"), "\"event\":\"acknowledged\""));

	base_result(f.r, 0);
	poll_ok(&f);
	T_EQ_STR(find(BASE "/state/level")->payload, "ok");
	T_EQ_STR(find(BASE "/state/acknowledged")->payload, "0");
	T_CHECK(has(find(BASE "/event"), "\"event\":\"resolved\""));
	T_CHECK(has(find(BASE "/incidents"), "\"incidents\":[]"));
	status_get_stats(f.s, &st);
	T_EQ_INT(st.seq, seq + 3);
	fx_close(&f);
}

static void t_stale_and_recovery(void)
{
	struct fx f;
	const struct msg *m;
	struct status_stats st;

	T_CHECK(fx_open(&f, false, NULL, false));
	base_result(f.r, 1);
	poll_ok(&f);
	poll_fail(&f);
	T_EQ_INT(n_msgs, 0);
	poll_fail(&f);
	T_EQ_INT(n_msgs, 0);
	poll_fail(&f); /* the third in a row: stale */
	T_EQ_STR(find(BASE "/state/level")->payload, "unknown");
	m = find(BASE "/state");
	T_CHECK(has(m, "\"stale\":true,\"level\":\"unknown\""));
	T_CHECK(has(m, "\"id\":\"PINC0\"")); /* the last known lists are kept */
	T_CHECK(has(find(BASE "/oncall/EP1"), "\"stale\":true"));
	T_EQ_INT(count(BASE "/event"), 0);
	status_get_stats(f.s, &st);
	T_CHECK(st.stale);
	T_EQ_INT(st.polls_failed, 3);
	poll_fail(&f);
	T_EQ_INT(n_msgs, 0); /* still stale: nothing new to say */

	poll_ok(&f); /* the truth again */
	T_EQ_STR(find(BASE "/state/level")->payload, "triggered");
	T_CHECK(has(find(BASE "/state"), "\"stale\":false,\"level\":\"triggered\""));
	status_get_stats(f.s, &st);
	T_CHECK(!st.stale);
	fx_close(&f);
}

static void t_stale_before_first_poll(void)
{
	struct fx f;

	T_CHECK(fx_open(&f, false, NULL, false));
	poll_fail(&f);
	poll_fail(&f);
	poll_fail(&f);
	T_EQ_STR(find(BASE "/state/level")->payload, "unknown");
	T_CHECK(has(find(BASE "/state"), "\"stale\":true"));
	fx_close(&f);
}

static void t_policy_gone_and_oncall_event(void)
{
	struct fx f;
	const struct msg *m;

	T_CHECK(fx_open(&f, false, NULL, false));
	base_result(f.r, 0);
	add_oncall(f.r, "EP2", 1, "Bob");
	poll_ok(&f);
	T_CHECK(has(find(BASE "/oncall/EP2"), "\"user\":\"Bob\""));

	base_result(f.r, 0);
	poll_ok(&f);
	m = find(BASE "/oncall/EP2");
	T_CHECK(m && m->retain && m->len == 0); /* cleared on the broker */
	m = find(BASE "/event");
	T_CHECK(has(m, "\"event\":\"oncall_changed\""));
	T_CHECK(has(m, "\"users\":[]"));
	T_CHECK(has(m, "\"previous\":[{\"id\":\"UBob\",\"name\":\"Bob\"}]"));

	poll_ok(&f); /* cleared once, not again */
	T_EQ_INT(n_msgs, 0);

	base_result(f.r, 0);
	snprintf(f.r->pd.oncalls[0].user_name, sizeof(f.r->pd.oncalls[0].user_name), "Carol");
	snprintf(f.r->pd.oncalls[0].user_id, sizeof(f.r->pd.oncalls[0].user_id), "UCarol");
	poll_ok(&f);
	T_CHECK(has(find(BASE "/oncall/EP1"), "\"user\":\"Carol\""));
	T_CHECK(has(find(BASE "/event"), "\"users\":[{\"id\":\"UCarol\",\"name\":\"Carol\"}]"));
	fx_close(&f);
}

static void t_bounds(void)
{
	struct fx f;
	const cJSON *arr;
	cJSON *doc = NULL;
	const struct msg *m;
	struct pdb_err err;

	T_CHECK(fx_open(&f, false, NULL, false));
	base_result(f.r, PDB_STATUS_INCIDENTS_MAX);
	f.r->pd.counts.triggered = PDB_STATUS_INCIDENTS_MAX + 25; /* more than were kept */
	f.r->pd.counts.truncated = false;
	poll_ok(&f);
	T_EQ_INT(strtol(find(BASE "/state/triggered")->payload, NULL, 10),
	         PDB_STATUS_INCIDENTS_MAX + 25);
	m = find(BASE "/state");
	T_CHECK(m != NULL);
	T_EQ_INT(jsonx_parse(m->payload, m->len, &doc, &err), PDB_OK);
	T_EQ_INT(jsonx_get_arr(doc, "incidents", &arr), PDB_OK);
	T_EQ_INT(cJSON_GetArraySize(arr), PDB_STATUS_TOP_MAX);
	jsonx_free(doc);
	doc = NULL;
	m = find(BASE "/incidents");
	T_EQ_INT(jsonx_parse(m->payload, m->len, &doc, &err), PDB_OK);
	T_EQ_INT(jsonx_get_arr(doc, "incidents", &arr), PDB_OK);
	T_EQ_INT(cJSON_GetArraySize(arr), PDB_STATUS_TOP_MAX);
	jsonx_free(doc);

	/* a storm of new incidents: events are capped */
	base_result(f.r, 0);
	poll_ok(&f);
	T_EQ_INT(count(BASE "/event"), PDB_STATUS_EVENTS_MAX);
	fx_close(&f);
}

/* Counts that are lower bounds (a server with no usable total): still the truth a lamp needs. */
static void t_lower_bound_counts(void)
{
	struct fx f;

	T_CHECK(fx_open(&f, false, NULL, false));
	base_result(f.r, 1);
	f.r->pd.counts.truncated = true;
	f.r->pd.oncalls_truncated = true;
	poll_ok(&f);
	T_EQ_STR(find(BASE "/state/level")->payload, "triggered");
	T_EQ_STR(find(BASE "/state/triggered")->payload, "1");
	T_CHECK(has(find(BASE "/state"), "\"counts_truncated\":true"));
	T_CHECK(has(find(BASE "/state"), "\"id\":\"PINC0\""));
	T_CHECK(has(find(BASE "/incidents"), "\"id\":\"PINC0\""));
	fx_close(&f);
}

static void t_publish_refused_then_retried(void)
{
	struct fx f;

	T_CHECK(fx_open(&f, false, NULL, false));
	refuse = true;
	base_result(f.r, 1);
	poll_ok(&f);
	T_EQ_INT(n_msgs, 0);
	refuse = false;
	poll_ok(&f); /* same content, but the broker never got it */
	T_EQ_STR(find(BASE "/state/level")->payload, "triggered");
	T_EQ_INT(n_msgs, 7);
	poll_ok(&f);
	T_EQ_INT(n_msgs, 0);
	status_republish(f.s); /* after a reconnect: all of it */
	T_EQ_INT(n_msgs, 7);
	fx_close(&f);
}

static void t_ha_discovery(void)
{
	static const char *const keys[] = {
	    "\"name\":",
	    "\"unique_id\":\"pdbridge_desk_local_",
	    "\"state_topic\":\"" BASE "/",
	    "\"availability_topic\":\"" BASE "/status\"",
	    "\"payload_available\":\"online\"",
	    "\"payload_not_available\":\"offline\"",
	    "\"device\":{\"identifiers\":[\"pdbridge_desk_local\"]",
	    "\"manufacturer\":\"pdbridge\"",
	    "\"sw_version\":",
	    "\"icon\":\"mdi:",
	};
	static const char *const topics[] = {
	    "homeassistant/sensor/desk_local/level/config",
	    "homeassistant/sensor/desk_local/triggered/config",
	    "homeassistant/sensor/desk_local/acknowledged/config",
	    "homeassistant/binary_sensor/desk_local/oncall_me/config",
	    "homeassistant/sensor/desk_local/oncall_EP1/config",
	};
	struct fx f;
	const struct msg *m;
	size_t i, k, nsubs;
	const char *const *subs;

	T_CHECK(fx_open(&f, false, NULL, true));
	subs = status_subscriptions(f.s, &nsubs);
	T_EQ_INT(nsubs, 5);
	T_EQ_STR(subs[0], BASE "/cmd/refresh");
	T_EQ_STR(subs[1], BASE "/cmd/ack");
	T_EQ_STR(subs[2], BASE "/oncall/+");
	T_EQ_STR(subs[3], "homeassistant/status");
	T_EQ_STR(subs[4], "homeassistant/sensor/desk_local/+/config");
	base_result(f.r, 0);
	poll_ok(&f);
	for (i = 0; i < PDB_N_OF(topics); i++) {
		m = find(topics[i]);
		T_CHECK(m && m->retain);
		for (k = 0; k < PDB_N_OF(keys); k++)
			if (!has(m, keys[k])) {
				t_fail(__FILE__, __LINE__, "%s lacks %s", topics[i], keys[k]);
				return;
			}
	}
	T_CHECK(has(find(topics[3]), "\"payload_on\":\"true\",\"payload_off\":\"false\""));
	T_CHECK(has(find(topics[4]), "\"value_template\":"));
	T_CHECK(has(find(topics[4]), "\"json_attributes_topic\":\"" BASE "/oncall/EP1\""));
	T_CHECK(has(find(topics[4]), "\"name\":\"On call: Policy EP1\""));

	n_msgs = 0;
	status_on_message(f.s, "homeassistant/status", "offline", 7);
	T_EQ_INT(n_msgs, 0);
	status_on_message(f.s, "homeassistant/status", "online", 6);
	T_EQ_INT(n_msgs, 5); /* discovery only */
	for (i = 0; i < n_msgs; i++)
		T_CHECK(!strncmp(msgs[i].topic, "homeassistant/", 14));

	/* discovery switched off: the entities are removed */
	f.c.ha_discovery = false;
	{
		struct pdb_err err;

		n_msgs = 0;
		T_EQ_INT(status_reconfigure(f.s, &f.c, &err), PDB_OK);
		status_republish(f.s);
		T_EQ_INT(find(topics[0])->len, 0);
		T_EQ_INT(find(topics[4])->len, 0);
		subs = status_subscriptions(f.s, &nsubs);
		T_EQ_INT(nsubs, 3);
		T_EQ_STR(subs[2], BASE "/oncall/+");
	}
	fx_close(&f);
}

static void ack(struct fx *f, const char *payload)
{
	n_msgs = 0;
	status_on_message(f->s, BASE "/cmd/ack", payload, strlen(payload));
}

static const char *ack_result(void)
{
	const struct msg *m = find(BASE "/cmd/ack/result");

	return m && !m->retain && m->qos == 1 ? m->payload : "(none)";
}

static void t_ack_refusals(void)
{
	struct fx f;
	struct status_stats st;
	char want[512], cmd[64];

	T_CHECK(fx_open(&f, false, "me@example.com", false));
	base_result(f.r, 1);
	poll_ok(&f);
	status_get_stats(f.s, &st);
	snprintf(cmd, sizeof(cmd), "{\"seq\":%llu}", (unsigned long long)st.seq);
	ack(&f, cmd);
	snprintf(
	    want, sizeof(want),
	    "{\"ok\":false,\"seq\":%llu,\"acknowledged\":[],\"error\":\"write mode is off: set "
	    "write_tools=true\"}",
	    (unsigned long long)st.seq);
	T_EQ_STR(ack_result(), want);
	fx_close(&f);

	T_CHECK(fx_open(&f, true, NULL, false));
	ack(&f, "7");
	T_EQ_STR(ack_result(), "{\"ok\":false,\"seq\":7,\"acknowledged\":[],\"error\":\"no From "
	                       "address: set from_email (PagerDuty records who acknowledged)\"}");
	fx_close(&f);

	T_CHECK(fx_open(&f, true, "me@example.com", false));
	base_result(f.r, 0);
	poll_ok(&f);
	status_get_stats(f.s, &st);
	{
		static const char *const bad[] = {"",
		                                  "  ",
		                                  "abc",
		                                  "{\"seq\":\"5\"}",
		                                  "{\"seq\":-1}",
		                                  "{\"seq\":1.5}",
		                                  "{",
		                                  "0",
		                                  "12345678901234567",
		                                  "[1]",
		                                  "{\"sq\":3}",
		                                  "5 6"};
		size_t i;

		for (i = 0; i < PDB_N_OF(bad); i++) {
			ack(&f, bad[i]);
			T_EQ_STR(ack_result(),
			         "{\"ok\":false,\"seq\":null,\"acknowledged\":[],\"error\":\"bad "
			         "payload: expected {\\\"seq\\\":N} or N, N the seq the display "
			         "shows\"}");
		}
	}
	/* a NUL byte inside, and a payload that is no text at all */
	n_msgs = 0;
	status_on_message(f.s, BASE "/cmd/ack", "1\0002", 3);
	T_CHECK(has(find(BASE "/cmd/ack/result"), "bad payload"));
	n_msgs = 0;
	status_on_message(f.s, BASE "/cmd/ack", NULL, 0);
	T_CHECK(has(find(BASE "/cmd/ack/result"), "bad payload"));

	snprintf(cmd, sizeof(cmd), " %llu\n", (unsigned long long)st.seq);
	ack(&f, cmd); /* a known seq with nothing triggered */
	snprintf(
	    want, sizeof(want),
	    "{\"ok\":false,\"seq\":%llu,\"acknowledged\":[],\"error\":\"nothing to acknowledge "
	    "at seq %llu\"}",
	    (unsigned long long)st.seq, (unsigned long long)st.seq);
	T_EQ_STR(ack_result(), want);

	snprintf(cmd, sizeof(cmd), "{\"seq\":%llu}", (unsigned long long)st.seq + 1);
	ack(&f, cmd); /* a seq never given out */
	snprintf(
	    want, sizeof(want),
	    "{\"ok\":false,\"seq\":%llu,\"acknowledged\":[],\"error\":\"seq %llu is unknown or "
	    "too old: the current seq is %llu (the last %d are kept)\"}",
	    (unsigned long long)st.seq + 1, (unsigned long long)st.seq + 1,
	    (unsigned long long)st.seq, PDB_STATUS_ACK_SEQS);
	T_EQ_STR(ack_result(), want);
	fx_close(&f);
}

static void t_ack_seq_window(void)
{
	struct fx f;
	struct status_stats st;
	uint64_t first;
	char cmd[64];
	int i;

	T_CHECK(fx_open(&f, true, "me@example.com", false));
	base_result(f.r, 1); /* PINC0 triggered at the first seq */
	poll_ok(&f);
	status_get_stats(f.s, &st);
	first = st.seq;
	/* the incident is acknowledged elsewhere: nothing left to ack at that seq */
	f.r->pd.incidents[0].status = PD_ACKNOWLEDGED;
	f.r->pd.counts.triggered = 0;
	f.r->pd.counts.acknowledged = 1;
	poll_ok(&f);
	snprintf(cmd, sizeof(cmd), "%llu", (unsigned long long)first);
	ack(&f, cmd);
	T_CHECK(strstr(ack_result(), "nothing to acknowledge") != NULL);
	/* PDB_STATUS_ACK_SEQS changes later, the first seq is forgotten */
	for (i = 0; i < PDB_STATUS_ACK_SEQS; i++) {
		base_result(f.r, i % 2);
		add_oncall(f.r, "EP9", 1, i % 2 ? "X" : "Y");
		poll_ok(&f);
	}
	ack(&f, cmd);
	T_CHECK(strstr(ack_result(), "is unknown or too old") != NULL);
	fx_close(&f);
}

static void t_no_token_anywhere(void)
{
	struct fx f;
	size_t i;

	T_CHECK(fx_open(&f, true, "me@example.com", true));
	base_result(f.r, 3);
	poll_ok(&f);
	status_republish(f.s);
	ack(&f, "{\"seq\":1}");
	for (i = 0; i < n_msgs; i++)
		T_CHECK(!strstr(msgs[i].payload, "SECRETTOKEN") &&
		        !strstr(msgs[i].topic, "SECRETTOKEN"));
	fx_close(&f);
}

static void t_bad_conf(void)
{
	struct fx f;
	struct status *s2 = NULL;
	struct pdb_err err;

	T_CHECK(fx_open(&f, false, NULL, false));
	f.c.stale_after = 0;
	T_EQ_INT(status_new(&f.c, &s2, &err), PDB_E_INVAL);
	f.c.stale_after = 3;
	f.c.topic_base = "pdbridge/desk/";
	T_EQ_INT(status_new(&f.c, &s2, &err), PDB_E_INVAL);
	f.c.topic_base = "pdbridge/#";
	T_EQ_INT(status_new(&f.c, &s2, &err), PDB_E_INVAL);
	f.c.topic_base = BASE;
	f.c.interval_ms = 10;
	T_EQ_INT(status_new(&f.c, &s2, &err), PDB_E_INVAL);
	T_EQ_INT(status_reconfigure(f.s, &f.c, &err), PDB_E_INVAL);
	T_CHECK(s2 == NULL);
	fx_close(&f);
}

static void t_reconfigure_rename(void)
{
	struct fx f;
	struct pdb_err err;
	static const char *const pols[] = {"EP1", "EP2"};

	T_CHECK(fx_open(&f, false, NULL, false));
	base_result(f.r, 1);
	poll_ok(&f);
	n_msgs = 0;
	f.c.topic_base = "pdbridge/office";
	f.c.watch.escalation_policies.v = pols;
	f.c.watch.escalation_policies.n = 2;
	T_EQ_INT(status_reconfigure(f.s, &f.c, &err), PDB_OK);
	T_EQ_INT(find(BASE "/state")->len, 0); /* the old names are cleared */
	T_EQ_INT(find(BASE "/oncall/EP1")->len, 0);
	status_republish(f.s);
	T_CHECK(has(find("pdbridge/office/state"), "\"level\":\"triggered\""));
	T_CHECK(has(find("pdbridge/office/oncall/EP1"), "Alice"));
	fx_close(&f);
}

static void t_watch_change_quiet(void)
{
	static const char *const svcs[] = {"PSVC1"};
	struct fx f;
	struct pdb_err err;

	T_CHECK(fx_open(&f, false, NULL, false));
	base_result(f.r, 0);
	poll_ok(&f);
	f.c.watch.services.v = svcs;
	f.c.watch.services.n = 1;
	T_EQ_INT(status_reconfigure(f.s, &f.c, &err), PDB_OK);
	base_result(f.r, 2); /* what the new filter shows is not news */
	f.r->watch_gen = 1;
	poll_ok(&f);
	T_EQ_STR(find(BASE "/state/level")->payload, "triggered");
	T_EQ_INT(count(BASE "/event"), 0);
	base_result(f.r, 3); /* but a change after that is */
	f.r->watch_gen = 1;
	poll_ok(&f);
	T_EQ_INT(count(BASE "/event"), 1);
	T_EQ_INT(status_reconfigure(f.s, &f.c, &err), PDB_OK); /* the same watch: no new gen */
	base_result(f.r, 4);
	f.r->watch_gen = 1;
	poll_ok(&f);
	T_EQ_INT(count(BASE "/event"), 1);
	fx_close(&f);
}

/*
 * One run of the sweep: a poll (EP2 gone, EP3 new, incidents triggered), a
 * cmd/ack and a republish with one allocation failing. The command is
 * answered, nothing published is anything but a poll's truth, and the next
 * good poll heals it all.
 */
static void oom_poll(void *ud)
{
	const struct msg *ack;
	struct fx f;
	size_t i;

	(void)ud;
	T_CHECK(fx_open(&f, true, "me@example.com", true));
	base_result(f.r, 0);
	add_oncall(f.r, "EP2", 1, "Bob");
	poll_ok(&f);
	base_result(f.r, 2);
	add_oncall(f.r, "EP3", 1, "Carol");
	t_oom_arm();
	poll_ok(&f);
	status_on_message(f.s, BASE "/cmd/ack", "{\"seq\":1}", 9);
	status_republish(f.s);
	t_oom_disarm();
	T_EQ_INT(count(BASE "/cmd/ack/result"), 1);
	ack = find(BASE "/cmd/ack/result");
	T_CHECK(has(ack, "\"ok\":false"));
	T_CHECK(has(ack, "seq 1 is unknown") || (t_oom_hit() && has(ack, "out of memory")));
	for (i = 0; i < n_msgs; i++)
		if (!strcmp(msgs[i].topic, BASE "/state/level"))
			T_CHECK(!strcmp(msgs[i].payload, "ok") ||
			        !strcmp(msgs[i].payload, "triggered"));
	if (!t_oom_hit())
		T_EQ_STR(find(BASE "/state/level")->payload, "triggered");
	base_result(f.r, 1);
	poll_ok(&f);
	status_republish(f.s);
	T_EQ_STR(find(BASE "/state/level")->payload, "triggered");
	T_CHECK(has(find(BASE "/state"), "\"level\":\"triggered\""));
	T_CHECK(has(find(BASE "/oncall/EP1"), "Alice"));
	for (i = 0; i < ST_TOPICS; i++) /* the policies of the earlier polls are cleared */
		T_CHECK(!f.s->slot[i].present ||
		        (!strstr(f.s->slot[i].topic, "EP2") && !strstr(f.s->slot[i].topic, "EP3")));
	fx_close(&f);
}

/* One run of the sweep over status_new(): a poller, or an error and nothing. */
static void oom_new(void *ud)
{
	struct fx *f = ud;
	struct status *s2 = NULL;
	struct pdb_err err;
	enum pdb_rc rc;

	t_oom_arm();
	rc = status_new(&f->c, &s2, &err);
	t_oom_disarm();
	if (rc) {
		T_EQ_INT(rc, PDB_E_NOMEM);
		T_CHECK(s2 == NULL);
	}
	T_CHECK(rc == PDB_OK || t_oom_hit());
	status_free(s2);
}

/* Every allocation failing in turn: no crash, no leak, and the state heals on the next poll. */
static void t_out_of_memory(void)
{
	struct fx f;

	t_oom_sweep(oom_poll, NULL, 5000);
	T_CHECK(fx_open(&f, true, "me@example.com", true));
	t_oom_sweep(oom_new, &f, 100);
	fx_close(&f);
}

static void t_policy_cap(void)
{
	struct fx f;
	char ep[16];
	size_t i, n = 0;

	T_CHECK(fx_open(&f, false, NULL, false));
	base_result(f.r, 0);
	for (i = 0; i < PDB_STATUS_POLICIES_MAX + 8; i++) {
		snprintf(ep, sizeof(ep), "PX%zu", i);
		add_oncall(f.r, ep, 1, "Dana");
	}
	poll_ok(&f);
	for (i = 0; i < n_msgs; i++)
		n += !strncmp(msgs[i].topic, BASE "/oncall/", strlen(BASE "/oncall/"));
	T_EQ_INT(n, PDB_STATUS_POLICIES_MAX);
	snprintf(ep, sizeof(ep), "\"PX%d\"", PDB_STATUS_POLICIES_MAX + 7);
	T_CHECK(has(find(BASE "/state"), ep)); /* still listed in state */
	fx_close(&f);
}

/* --- leftovers of earlier runs ----------------------------------------------------- */

#define OLD_PAYLOAD "{\"id\":\"POLD\",\"stale\":false}"

static void retained(struct fx *f, const char *topic)
{
	status_on_message(f->s, topic, OLD_PAYLOAD, strlen(OLD_PAYLOAD));
}

/* An empty retained message on @topic was published, once. */
static bool cleared(const char *topic)
{
	const struct msg *m = find(topic);

	return count(topic) == 1 && m->len == 0 && m->retain;
}

/* Every message published so far comes back, as the broker does: nothing is published. */
static void echo_all(struct fx *f)
{
	static struct msg back[MSGS_MAX];
	size_t i, n = n_msgs;

	memcpy(back, msgs, n * sizeof(back[0]));
	n_msgs = 0;
	for (i = 0; i < n; i++)
		status_on_message(f->s, back[i].topic, back[i].payload, back[i].len);
	T_EQ_INT(n_msgs, 0);
}

static void t_leftover_before_first_poll(void)
{
	struct fx f;

	T_CHECK(fx_open(&f, false, NULL, false));
	n_msgs = 0;
	retained(&f, BASE "/oncall/POLD");
	retained(&f, BASE "/oncall/POLD"); /* a reconnect: the same one again */
	retained(&f, BASE "/oncall/EP1");  /* current after the poll: ours to keep */
	T_EQ_INT(n_msgs, 0);               /* which policies are current is not known yet */
	base_result(f.r, 0);
	poll_ok(&f);
	T_CHECK(cleared(BASE "/oncall/POLD"));
	T_EQ_INT(count(BASE "/oncall/EP1"), 1);
	T_CHECK(has(find(BASE "/oncall/EP1"), "Alice"));
	echo_all(&f);
	poll_ok(&f); /* remembered ones are cleared once */
	T_EQ_INT(n_msgs, 0);
	fx_close(&f);
}

static void t_leftover_after_first_poll(void)
{
	struct fx f;

	T_CHECK(fx_open(&f, false, NULL, false));
	base_result(f.r, 1);
	poll_ok(&f);
	echo_all(&f); /* our own topics, current ones included */
	retained(&f, BASE "/oncall/POLD");
	T_EQ_INT(n_msgs, 1);
	T_CHECK(cleared(BASE "/oncall/POLD"));
	echo_all(&f); /* the clear comes back empty */
	n_msgs = 0;
	retained(&f, BASE "/oncall/EP1"); /* a current id */
	status_on_message(f.s, BASE "/oncall/PGONE", "", 0);
	status_on_message(f.s, BASE "/oncall/", "x", 1);
	status_on_message(f.s, BASE "/oncall/A/B", "x", 1);
	status_on_message(f.s, "pdbridge/other/oncall/POLD", "x", 1);
	T_EQ_INT(n_msgs, 0);
	/* a policy that goes away is cleared by the poll, and that echo is ignored */
	base_result(f.r, 1);
	f.r->pd.oncalls[0].ep_id[2] = '2';
	poll_ok(&f);
	T_EQ_INT(find(BASE "/oncall/EP1")->len, 0);
	echo_all(&f);
	fx_close(&f);
}

static void t_leftover_while_stale(void)
{
	struct fx f;

	T_CHECK(fx_open(&f, false, NULL, false));
	poll_fail(&f);
	poll_fail(&f);
	poll_fail(&f); /* stale before any good poll */
	n_msgs = 0;
	retained(&f, BASE "/oncall/POLD");
	T_EQ_INT(n_msgs, 0);
	base_result(f.r, 0);
	poll_ok(&f);
	T_CHECK(cleared(BASE "/oncall/POLD"));
	poll_fail(&f);
	poll_fail(&f);
	poll_fail(&f); /* stale after good polls */
	n_msgs = 0;
	retained(&f, BASE "/oncall/PSTALE");
	T_EQ_INT(n_msgs, 0);
	poll_ok(&f);
	T_CHECK(cleared(BASE "/oncall/PSTALE"));
	fx_close(&f);
}

static void t_leftover_bound(void)
{
	struct fx f;
	char topic[PDB_MQ_TOPIC_MAX];
	size_t i, n = 0;

	T_CHECK(fx_open(&f, false, NULL, false));
	for (i = 0; i < PDB_STATUS_LEFTOVERS_MAX + 5; i++) {
		snprintf(topic, sizeof(topic), BASE "/oncall/POLD%zu", i);
		retained(&f, topic);
	}
	T_EQ_INT(f.s->n_leftovers, PDB_STATUS_LEFTOVERS_MAX);
	base_result(f.r, 0);
	poll_ok(&f);
	for (i = 0; i < n_msgs; i++)
		n += !strncmp(msgs[i].topic, BASE "/oncall/POLD", strlen(BASE "/oncall/POLD")) &&
		     msgs[i].len == 0;
	T_EQ_INT(n, PDB_STATUS_LEFTOVERS_MAX);
	T_EQ_INT(f.s->n_leftovers, 0);
	fx_close(&f);
}

static void t_leftover_discovery(void)
{
	static const char *const not_leftovers[] = {
	    "homeassistant/sensor/desk_local/level/config",
	    "homeassistant/sensor/desk_local/triggered/config",
	    "homeassistant/sensor/desk_local/acknowledged/config",
	    "homeassistant/sensor/desk_local/oncall_me/config",
	    "homeassistant/binary_sensor/desk_local/oncall_me/config",
	    "homeassistant/sensor/other_node/oncall_POLD/config",
	    "homeassistant/sensor/desk_local/oncall_/config",
	};
	struct fx f;
	size_t i;

	T_CHECK(fx_open(&f, false, NULL, true));
	n_msgs = 0;
	retained(&f, "homeassistant/sensor/desk_local/oncall_POLD/config");
	for (i = 0; i < PDB_N_OF(not_leftovers); i++)
		retained(&f, not_leftovers[i]);
	T_EQ_INT(n_msgs, 0);
	base_result(f.r, 0);
	poll_ok(&f);
	T_CHECK(cleared("homeassistant/sensor/desk_local/oncall_POLD/config"));
	for (i = 0; i < n_msgs; i++)
		T_CHECK(msgs[i].len > 0 || strstr(msgs[i].topic, "POLD"));
	echo_all(&f);
	retained(&f, "homeassistant/sensor/desk_local/oncall_PNEW/config");
	T_CHECK(cleared("homeassistant/sensor/desk_local/oncall_PNEW/config"));
	n_msgs = 0;
	retained(&f, "homeassistant/sensor/desk_local/oncall_EP1/config"); /* current */
	for (i = 0; i < PDB_N_OF(not_leftovers); i++)
		retained(&f, not_leftovers[i]);
	T_EQ_INT(n_msgs, 0);
	fx_close(&f);

	/* discovery off: its topics are not ours to clear */
	T_CHECK(fx_open(&f, false, NULL, false));
	base_result(f.r, 0);
	poll_ok(&f);
	n_msgs = 0;
	retained(&f, "homeassistant/sensor/desk_local/oncall_POLD/config");
	T_EQ_INT(n_msgs, 0);
	fx_close(&f);
}

/* cmd/mute, handed to on_mute: the minutes asked for, and the answer on cmd/mute/result. */
static int mute_minutes;
static unsigned n_mutes;

static enum pdb_rc fake_mute(void *ud, int minutes, struct pdb_err *err)
{
	(void)ud;
	n_mutes++;
	mute_minutes = minutes;
	if (minutes > 1440)
		return pdb_err_set(err, PDB_E_RANGE, "a mute lasts at most 1440 minutes");
	return PDB_OK;
}

static const char *mute(struct fx *f, const char *payload)
{
	const struct msg *m;

	n_msgs = 0;
	status_on_message(f->s, BASE "/cmd/mute", payload, strlen(payload));
	m = find(BASE "/cmd/mute/result");
	return m && !m->retain ? m->payload : "(none)";
}

static void t_mute_command(void)
{
	struct pdb_err err;
	const char *const *subs;
	size_t nsubs;
	struct fx f;

	T_CHECK(fx_open(&f, false, NULL, false));
	subs = status_subscriptions(f.s, &nsubs);
	T_EQ_INT(nsubs, 3); /* no buzzer behind it: not subscribed, not answered */
	T_EQ_STR(mute(&f, "5"), "(none)");
	f.c.on_mute = fake_mute;
	T_EQ_INT(status_reconfigure(f.s, &f.c, &err), PDB_OK);
	subs = status_subscriptions(f.s, &nsubs);
	T_EQ_INT(nsubs, 4);
	T_EQ_STR(subs[3], BASE "/cmd/mute");
	n_mutes = 0;
	T_EQ_STR(mute(&f, "5"), "{\"ok\":true,\"minutes\":5}");
	T_EQ_INT(mute_minutes, 5);
	T_EQ_STR(mute(&f, " {\"minutes\":0} "), "{\"ok\":true,\"minutes\":0}");
	T_EQ_INT(mute_minutes, 0);
	T_EQ_STR(mute(&f, ""), "{\"ok\":true,\"minutes\":null}");
	T_EQ_INT(mute_minutes, -1); /* the configured length */
	T_EQ_STR(mute(&f, "2000"),
	         "{\"ok\":false,\"minutes\":2000,\"error\":\"a mute lasts at most 1440 minutes\"}");
	T_EQ_INT(n_mutes, 4);
	T_CHECK(strstr(mute(&f, "soon"), "\"ok\":false") && strstr(mute(&f, "-3"), "bad payload"));
	T_EQ_INT(n_mutes, 4); /* a bad payload never reaches the buzzer */
	fx_close(&f);
}

static const struct t_case cases[] = {
    {"level_rules", t_level_rules},
    {"first_poll_then_quiet", t_first_poll_then_quiet},
    {"triggered_then_resolved", t_triggered_then_resolved},
    {"stale_and_recovery", t_stale_and_recovery},
    {"stale_before_first_poll", t_stale_before_first_poll},
    {"policy_gone_and_oncall_event", t_policy_gone_and_oncall_event},
    {"bounds", t_bounds},
    {"lower_bound_counts", t_lower_bound_counts},
    {"publish_refused_then_retried", t_publish_refused_then_retried},
    {"ha_discovery", t_ha_discovery},
    {"ack_refusals", t_ack_refusals},
    {"ack_seq_window", t_ack_seq_window},
    {"no_token_anywhere", t_no_token_anywhere},
    {"bad_conf", t_bad_conf},
    {"reconfigure_rename", t_reconfigure_rename},
    {"watch_change_quiet", t_watch_change_quiet},
    {"out_of_memory", t_out_of_memory},
    {"policy_cap", t_policy_cap},
    {"leftover_before_first_poll", t_leftover_before_first_poll},
    {"leftover_after_first_poll", t_leftover_after_first_poll},
    {"leftover_while_stale", t_leftover_while_stale},
    {"leftover_bound", t_leftover_bound},
    {"leftover_discovery", t_leftover_discovery},
    {"mute_command", t_mute_command},
};

T_MAIN(cases)
