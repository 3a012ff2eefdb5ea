/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * status_poll.c - the poller's life: settings, the interval timer, the one
 * job on the pool, and what a finished poll means for the state.
 *
 * One job runs at a time (a poll or an ack), so the job may own the
 * poller's PagerDuty client without a lock: it is made on the job's first
 * use from the copied pd_conf and made again after a reconfigure (the job
 * compares the generation of the settings it runs with). Settings are one
 * deep-copied block; a block a running job still uses is retired and freed
 * when the job ends.
 *
 * A job reports back twice: an atomic "done" flag, then ev_post(). If the
 * post queue is full the next timer tick sees the flag and finishes the job,
 * so a lost post delays a result by one interval instead of stopping the
 * poller for good.
 *
 * Failures: after stale_after failed polls in a row the current snapshot
 * (its lists kept) is republished with stale=true and level=unknown; the
 * first good poll publishes the truth again.
 */
#include "status_int.h"

#include <pdbridge/clock.h>
#include <pdbridge/ev.h>
#include <pdbridge/jsonx.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <cjson/cJSON.h>

#include <stdio.h>
#include <string.h>

/* PagerDuty's REST limit a minute per key, for the start-up log line. */
#define PD_RATE_PER_MIN 960

/* --- settings --------------------------------------------------------------------- */

/* Copies strings into one block: a first pass (p == NULL) only counts. */
struct bump {
	char *p;
	size_t used;
};

static const char *bump_str(struct bump *b, const char *s)
{
	size_t n;
	char *at;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	at = b->p ? b->p + b->used : NULL;
	if (at)
		memcpy(at, s, n);
	b->used += n;
	return at;
}

/* Copy @src's ids: the pointer array at *@slots (advanced), the strings through @b. */
static void copy_ids(struct pd_ids *dst, const struct pd_ids *src, const char ***slots,
                     struct bump *b)
{
	size_t i;

	dst->n = src->n;
	dst->v = *slots;
	for (i = 0; i < src->n; i++) {
		const char *c = bump_str(b, src->v[i]);

		if (*slots)
			(*slots)[i] = c;
	}
	if (*slots)
		*slots += src->n;
}

static void copy_all(struct status_cfg *d, const struct status_conf *c, const char **slots,
                     struct bump *b)
{
	const struct pd_conf *p = c->pd;

	d->c = *c;
	d->pd = *p;
	d->c.pd = &d->pd;
	d->c.topic_base = bump_str(b, c->topic_base);
	d->c.node_id = bump_str(b, c->node_id);
	d->pd.api_host = bump_str(b, p->api_host);
	d->pd.token = bump_str(b, p->token);
	d->pd.from_email = bump_str(b, p->from_email);
	d->pd.ca_file = bump_str(b, p->ca_file);
	d->pd.connect_to = bump_str(b, p->connect_to);
	d->pd.user_agent = bump_str(b, p->user_agent);
	copy_ids(&d->c.watch.escalation_policies, &c->watch.escalation_policies, &slots, b);
	copy_ids(&d->c.watch.schedules, &c->watch.schedules, &slots, b);
	copy_ids(&d->c.watch.users, &c->watch.users, &slots, b);
	copy_ids(&d->c.watch.services, &c->watch.services, &slots, b);
	copy_ids(&d->c.watch.teams, &c->watch.teams, &slots, b);
}

static enum pdb_rc check_ids(const struct pd_ids *ids, const char *what, struct pdb_err *err)
{
	size_t i;

	if (ids->n > PDB_WATCH_IDS_MAX)
		return pdb_err_set(err, PDB_E_INVAL, "status: more than %d %s", PDB_WATCH_IDS_MAX,
		                   what);
	for (i = 0; i < ids->n; i++)
		if (!ids->v || !ids->v[i] || !ids->v[i][0] || strlen(ids->v[i]) >= PDB_PD_ID_MAX)
			return pdb_err_set(err, PDB_E_INVAL, "status: a bad id among the %s", what);
	return PDB_OK;
}

static enum pdb_rc check_conf(const struct status_conf *c, struct pdb_err *err)
{
	const struct pd_watch *w = &c->watch;
	enum pdb_rc rc = PDB_OK;
	size_t n;

	if (!c || !c->loop || !c->pool || !c->pd || !c->publish)
		return pdb_err_set(err, PDB_E_INVAL,
		                   "status: loop, pool, pd and publish are required");
	if (!c->topic_base || !*c->topic_base)
		return pdb_err_set(err, PDB_E_INVAL, "status: no topic base");
	n = strlen(c->topic_base);
	/* "<base>/oncall/<id>" and "<base>/cmd/refresh/result" must fit a topic */
	if (n + 1 + 7 + PDB_PD_ID_MAX >= PDB_MQ_TOPIC_MAX || c->topic_base[n - 1] == '/' ||
	    strpbrk(c->topic_base, "+#"))
		return pdb_err_set(err, PDB_E_INVAL,
		                   "status: topic base must be under %d characters, without a "
		                   "trailing '/', '+' or '#'",
		                   PDB_MQ_TOPIC_MAX - 8 - PDB_PD_ID_MAX);
	if (!c->node_id || !*c->node_id || strlen(c->node_id) >= PDB_PD_ID_MAX)
		return pdb_err_set(err, PDB_E_INVAL, "status: node id empty or longer than %d",
		                   PDB_PD_ID_MAX - 1);
	if (c->interval_ms < PDB_POLL_INTERVAL_MIN_S * 1000LL ||
	    c->interval_ms > PDB_POLL_INTERVAL_MAX_S * 1000LL)
		return pdb_err_set(err, PDB_E_INVAL, "status: interval outside %d..%d s",
		                   PDB_POLL_INTERVAL_MIN_S, PDB_POLL_INTERVAL_MAX_S);
	if (c->stale_after < 1 || c->stale_after > PDB_STATUS_STALE_AFTER_MAX)
		return pdb_err_set(err, PDB_E_INVAL, "status: stale_after outside 1..%d",
		                   PDB_STATUS_STALE_AFTER_MAX);
	if (!rc)
		rc = check_ids(&w->escalation_policies, "escalation policies", err);
	if (!rc)
		rc = check_ids(&w->schedules, "schedules", err);
	if (!rc)
		rc = check_ids(&w->users, "users", err);
	if (!rc)
		rc = check_ids(&w->services, "services", err);
	if (!rc)
		rc = check_ids(&w->teams, "teams", err);
	return rc;
}

static bool same_ids(const struct pd_ids *a, const struct pd_ids *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return false;
	return true;
}

static bool same_watch(const struct pd_watch *a, const struct pd_watch *b)
{
	return same_ids(&a->escalation_policies, &b->escalation_policies) &&
	       same_ids(&a->schedules, &b->schedules) && same_ids(&a->users, &b->users) &&
	       same_ids(&a->services, &b->services) && same_ids(&a->teams, &b->teams) &&
	       a->high_urgency_only == b->high_urgency_only;
}

/* A checked, deep copy of @c. It holds the API token: caller frees with mem_free_secret(). */
static enum pdb_rc settings_new(const struct status_conf *c, struct status_cfg **out,
                                struct pdb_err *err)
{
	const struct pd_watch *w;
	struct status_cfg tmp, *d;
	struct bump b = {0};
	size_t nids, head, i;
	const char **slots;
	enum pdb_rc rc = check_conf(c, err);

	if (rc)
		return rc;
	w = &c->watch;
	nids = w->escalation_policies.n + w->schedules.n + w->users.n + w->services.n + w->teams.n;
	head = sizeof(*d) + nids * sizeof(char *);
	slots = NULL;
	copy_all(&tmp, c, slots, &b); /* counts the strings */
	d = mem_calloc(1, head + b.used);
	if (!d)
		return pdb_err_set(err, PDB_E_NOMEM, "status: no memory for the settings");
	b.p = (char *)d + head;
	b.used = 0;
	copy_all(d, c, nids ? (const char **)(void *)(d + 1) : NULL, &b);
	/* Home Assistant ids allow [a-zA-Z0-9_-]: anything else becomes '_' */
	for (i = 0; c->node_id[i]; i++) {
		char ch = c->node_id[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		          (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';

		d->node_ha[i] = ok ? ch : '_';
	}
	snprintf(d->sub_refresh, sizeof(d->sub_refresh), "%s/cmd/refresh", d->c.topic_base);
	snprintf(d->sub_ack, sizeof(d->sub_ack), "%s/cmd/ack", d->c.topic_base);
	snprintf(d->sub_mute, sizeof(d->sub_mute), "%s/cmd/mute", d->c.topic_base);
	snprintf(d->sub_oncall, sizeof(d->sub_oncall), "%s/oncall/+", d->c.topic_base);
	snprintf(d->sub_ha, sizeof(d->sub_ha), "homeassistant/sensor/%s/+/config", d->node_ha);
	d->subs[d->n_subs++] = d->sub_refresh;
	d->subs[d->n_subs++] = d->sub_ack;
	d->subs[d->n_subs++] = d->sub_oncall;
	if (d->c.ha_discovery) {
		d->subs[d->n_subs++] = "homeassistant/status";
		d->subs[d->n_subs++] = d->sub_ha;
	}
	if (d->c.on_mute)
		d->subs[d->n_subs++] = d->sub_mute;
	*out = d;
	return PDB_OK;
}

/* --- the job (a worker) ------------------------------------------------------------ */

static enum pdb_rc ensure_client(struct status *s, struct pdb_err *err)
{
	const struct status_cfg *cfg = s->job_cfg;
	enum pdb_rc rc;

	if (s->client && s->client_gen == cfg->gen)
		return PDB_OK;
	pd_client_free(s->client);
	s->client = NULL;
	s->me_state = 0; /* the token may have changed */
	rc = pd_client_new(&cfg->pd, &s->client, err);
	s->client_gen = cfg->gen;
	return rc;
}

/* GET /users/me: who "me" is. An account-level key has no user: PagerDuty answers 400. */
static enum pdb_rc fetch_me(struct status *s, struct status_result *r)
{
	struct pd_response resp = {0};
	const cJSON *user;
	enum pdb_rc rc;

	r->requests++;
	rc = pd_call(s->client, PD_GET, "/users/me", NULL, NULL, 0, &resp, &r->err);
	if (rc == PDB_E_HTTP || rc == PDB_E_NOTFOUND) {
		s->me_state = 2;
		r->me_none = true;
		pdb_err_clear(&r->err);
		rc = PDB_OK;
	} else if (!rc) {
		rc = jsonx_get_obj(resp.json, "user", &user);
		if (!rc)
			rc = jsonx_copy_str(user, "id", s->me_id, sizeof(s->me_id));
		if (rc)
			pdb_err_set(&r->err, rc, "/users/me: no user.id");
		else
			s->me_state = 1;
	}
	pd_response_free(&resp);
	return rc;
}

static void do_poll(struct status *s)
{
	struct status_result *r = s->res;
	const struct pd_watch *w = &s->job_cfg->c.watch;
	struct pd_oncall one[1];
	struct pd_watch mine = {0};
	const char *me;
	size_t n = 0;
	bool more = false;
	enum pdb_rc rc;

	memset(r, 0, sizeof(*r));
	r->watch_gen = s->job_cfg->watch_gen;
	rc = ensure_client(s, &r->err);
	if (!rc)
		pd_client_set_caller(s->client, "poller"); /* the usage counts */
	if (!rc && s->me_state == 0)
		rc = fetch_me(s, r);
	if (!rc) {
		rc = pd_fetch_status(s->client, w, &r->pd, &r->err);
		r->requests += r->pd.stats.requests;
	}
	if (!rc && s->me_state == 1) {
		me = s->me_id;
		mine.users.v = &me;
		mine.users.n = 1;
		r->requests++;
		rc = pd_fetch_oncalls(s->client, &mine, one, 1, &n, &more, &r->err);
		r->oncall_me = n > 0;
	}
	if (rc && !r->err.msg[0])
		pdb_err_set(&r->err, rc, "%s", pdb_strerror(rc));
	r->rc = rc;
}

/* PUT /incidents: acknowledge s->ack_ids; s->ack_done says which PagerDuty did. */
static void do_ack(struct status *s)
{
	struct pd_response resp = {0};
	cJSON *doc = cJSON_CreateObject(), *arr, *o;
	const cJSON *got, *item;
	const char *id, *st;
	struct buf body;
	enum pdb_rc rc = PDB_OK;
	size_t i;

	pdb_err_clear(&s->ack_err);
	memset(s->ack_done, 0, sizeof(s->ack_done));
	buf_init(&body, PDB_MQ_MSG_MAX);
	arr = doc ? cJSON_AddArrayToObject(doc, "incidents") : NULL;
	for (i = 0; arr && i < s->n_ack && !rc; i++) {
		o = cJSON_CreateObject();
		if (!o || !cJSON_AddStringToObject(o, "id", s->ack_ids[i]) ||
		    !cJSON_AddStringToObject(o, "type", "incident_reference") ||
		    !cJSON_AddStringToObject(o, "status", "acknowledged") ||
		    !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			rc = PDB_E_NOMEM;
		}
	}
	if (!arr)
		rc = PDB_E_NOMEM;
	if (!rc)
		rc = jsonx_print(doc, &body);
	jsonx_free(doc);
	if (!rc)
		rc = ensure_client(s, &s->ack_err);
	if (!rc)
		pd_client_set_caller(s->client, "ack");
	if (!rc)
		rc = pd_call(s->client, PD_PUT, "/incidents", NULL, buf_cstr(&body), PD_FROM, &resp,
		             &s->ack_err);
	if (!rc && !jsonx_get_arr(resp.json, "incidents", &got)) {
		cJSON_ArrayForEach(item, got)
		{
			if (jsonx_get_str(item, "id", &id) || jsonx_get_str(item, "status", &st) ||
			    strcmp(st, "acknowledged"))
				continue;
			for (i = 0; i < s->n_ack; i++)
				if (!strcmp(id, s->ack_ids[i]))
					s->ack_done[i] = true;
		}
	} else if (!rc) { /* a 2xx without the list: PagerDuty took them all */
		for (i = 0; i < s->n_ack; i++)
			s->ack_done[i] = true;
	}
	pd_response_free(&resp);
	buf_free(&body);
	if (rc && !s->ack_err.msg[0])
		pdb_err_set(&s->ack_err, rc, "%s", pdb_strerror(rc));
	s->ack_rc = rc;
}

static void finish_job(struct status *s);

static void job_posted(struct ev_loop *l, void *ud)
{
	(void)l;
	finish_job(ud);
}

static void job_run(void *arg)
{
	struct status *s = arg;
	/* read first: once job_done is set, the loop may free job_cfg and start another job */
	struct ev_loop *loop = s->job_cfg->c.loop;

	if (s->kind == JOB_ACK)
		do_ack(s);
	else
		do_poll(s);
	atomic_store_explicit(&s->job_done, true, memory_order_release);
	if (ev_post(loop, job_posted, s))
		LOG_WARN(STATUS_LOG, "loop queue full: the result waits for the next tick");
}

/* --- the loop side -------------------------------------------------------------------- */

static void start_job(struct status *s, enum job_kind kind)
{
	enum pdb_rc rc;

	if (s->busy)
		return;
	s->busy = true;
	s->kind = kind;
	s->job_cfg = s->cfg;
	atomic_store_explicit(&s->job_done, false, memory_order_relaxed);
	if (kind == JOB_POLL) {
		s->want_poll = false;
		s->refresh_in_job = s->refresh_in_job || s->refresh_waiting;
		s->refresh_waiting = false;
	} else {
		s->ack_pending = false;
	}
	rc = ev_pool_submit(s->cfg->c.pool, job_run, s);
	if (!rc)
		return;
	s->busy = false;
	s->kind = JOB_NONE;
	LOG_WARN(STATUS_LOG, "the worker queue is full: %s skipped",
	         kind == JOB_POLL ? "a poll" : "an acknowledgement");
	if (kind == JOB_ACK) {
		s->ack_rc = PDB_E_TOO_LARGE;
		pdb_err_set(&s->ack_err, rc, "busy: the worker queue is full, try again");
		status__ack_reply(s, s->ack_rc, pdb_err_text(&s->ack_err));
	} else if (s->refresh_in_job) {
		s->refresh_in_job = false;
		status__refresh_reply(s, PDB_E_TOO_LARGE,
		                      "busy: the worker queue is full, try again");
	}
}

static void next_job(struct status *s)
{
	if (s->ack_pending)
		start_job(s, JOB_ACK);
	else if (s->want_poll)
		start_job(s, JOB_POLL);
}

static void finish_job(struct status *s)
{
	enum job_kind kind = s->kind;

	if (!s->busy || !atomic_exchange_explicit(&s->job_done, false, memory_order_acquire))
		return;
	s->busy = false;
	s->kind = JOB_NONE;
	if (s->retired) {
		mem_free_secret(s->retired);
		s->retired = NULL;
	}
	if (kind == JOB_ACK)
		status__ack_reply(s, s->ack_rc, pdb_err_text(&s->ack_err));
	else
		status__poll_done(s, s->res);
	next_job(s);
}

void status__poll_now(struct status *s)
{
	if (s->busy)
		s->want_poll = true;
	else
		start_job(s, JOB_POLL);
}

enum pdb_rc status__submit_ack(struct status *s)
{
	s->ack_pending = true;
	if (!s->busy)
		start_job(s, JOB_ACK);
	return PDB_OK;
}

static void tick(struct ev_loop *l, void *ud)
{
	struct status *s = ud;

	s->timer = 0;
	if (ev_timer_add(l, s->cfg->c.interval_ms, tick, s, &s->timer))
		LOG_ERROR(STATUS_LOG, "no timer left: polling stops");
	finish_job(s); /* a result whose post was lost */
	if (!s->busy)
		start_job(s, JOB_POLL);
}

void status__poll_done(struct status *s, const struct status_result *r)
{
	unsigned k = s->cfg->c.stale_after;

	s->stats.polls++;
	s->stats.requests += r->requests;
	if (r->me_none && !s->me_none_logged) {
		LOG_INFO(STATUS_LOG, "the API key has no user (an account-level key?): "
		                     "oncall_me stays false");
		s->me_none_logged = true;
	}
	if (r->rc) {
		s->stats.polls_failed++;
		s->failures++;
		if (s->failures == 1 || s->failures == k)
			LOG_WARN(STATUS_LOG, "poll failed (%u in a row%s): %s", s->failures,
			         s->failures == k ? ", now stale" : "", pdb_err_text(&r->err));
		else
			LOG_DEBUG(STATUS_LOG, "poll failed (%u in a row): %s", s->failures,
			          pdb_err_text(&r->err));
		s->stats.last_poll_published = 0;
		if (s->failures >= k && !s->cur->stale) {
			memcpy(s->next, s->cur, sizeof(*s->next));
			status_snap_make_stale(s->next);
			status__apply(s, s->next, false);
		}
	} else {
		if (s->failures >= k)
			LOG_INFO(STATUS_LOG, "poll good again after %u failures", s->failures);
		s->failures = 0;
		s->last_good_ms = clk_wall_ms();
		if (r->pd.oncalls_truncated)
			LOG_DEBUG(STATUS_LOG,
			          "more than %d on-call entries: the rest are not shown",
			          PDB_STATUS_ONCALLS_MAX);
		status_snap_from(s->next, r);
		status__apply(s, s->next, r->watch_gen == s->last_watch_gen);
		s->last_watch_gen = r->watch_gen;
		status__clear_leftovers(s);
	}
	if (s->refresh_in_job) {
		s->refresh_in_job = false;
		status__refresh_reply(s, r->rc, pdb_err_text(&r->err));
	}
}

/* --- the public calls ------------------------------------------------------------------- */

enum pdb_rc status_new(const struct status_conf *c, struct status **out, struct pdb_err *err)
{
	struct status *s;
	enum pdb_rc rc;
	int64_t wall;

	*out = NULL;
	s = mem_calloc(1, sizeof(*s));
	if (!s)
		return pdb_err_set(err, PDB_E_NOMEM, "status: no memory");
	buf_init(&s->out, PDB_MQ_MSG_MAX);
	buf_init(&s->scratch, PDB_MQ_MSG_MAX);
	rc = settings_new(c, &s->cfg, err);
	s->cur = rc ? NULL : mem_calloc(1, sizeof(*s->cur));
	s->prev = s->cur ? mem_calloc(1, sizeof(*s->prev)) : NULL;
	s->next = s->prev ? mem_calloc(1, sizeof(*s->next)) : NULL;
	s->res = s->next ? mem_calloc(1, sizeof(*s->res)) : NULL;
	if (!rc && !s->res)
		rc = pdb_err_set(err, PDB_E_NOMEM, "status: no memory for the snapshots");
	if (rc) {
		status_free(s);
		return rc;
	}
	s->cfg->gen = s->gen = 1;
	s->cur->level = s->prev->level = STATUS_UNKNOWN;
	atomic_init(&s->job_done, false);
	/*
	 * seq starts at the wall clock's seconds: a display still showing a seq
	 * of the process before a restart names a seq this one never gave out
	 * (and so is refused) instead of a different state with the same number.
	 */
	wall = clk_wall_ms() / 1000;
	s->seq = wall > 0 ? (uint64_t)wall : 0;
	*out = s;
	return PDB_OK;
}

void status_start(struct status *s)
{
	const struct status_conf *c = &s->cfg->c;
	long long per_poll = 3, most = PDB_PD_STATUS_PAGES_MAX + 1,
	          per_min = per_poll * 60000LL / c->interval_ms;

	LOG_INFO(STATUS_LOG,
	         "polling every %lld ms: %lld PagerDuty requests a poll (5 with more than %d open "
	         "incidents, %lld at most; one more once for /users/me), about %lld a minute of "
	         "the %d a minute PagerDuty allows a key",
	         (long long)c->interval_ms, per_poll, PDB_STATUS_INCIDENTS_MAX, most, per_min,
	         PD_RATE_PER_MIN);
	if (s->started)
		return;
	s->started = true;
	status__apply(s, s->cur, false); /* "unknown" until the first poll lands */
	if (ev_timer_add(c->loop, c->interval_ms, tick, s, &s->timer))
		LOG_ERROR(STATUS_LOG, "no timer left: polling only on cmd/refresh");
	status__poll_now(s);
}

enum pdb_rc status_reconfigure(struct status *s, const struct status_conf *c, struct pdb_err *err)
{
	struct status_cfg *d, *old = s->cfg;
	enum pdb_rc rc = settings_new(c, &d, err);

	if (rc)
		return rc;
	if (strcmp(d->c.topic_base, old->c.topic_base) || strcmp(d->node_ha, old->node_ha))
		status__forget_topics(s); /* clears the old names on the broker */
	if (s->timer) {
		ev_timer_cancel(old->c.loop, s->timer);
		s->timer = 0;
	}
	d->gen = ++s->gen;
	d->watch_gen = old->watch_gen + !same_watch(&d->c.watch, &old->c.watch);
	s->cfg = d;
	if (s->busy && s->job_cfg == old && !s->retired)
		s->retired = old;
	else
		mem_free_secret(old);
	if (s->started) {
		if (ev_timer_add(d->c.loop, d->c.interval_ms, tick, s, &s->timer))
			LOG_ERROR(STATUS_LOG, "no timer left: polling only on cmd/refresh");
		status__publish_all(s, false, false);
	}
	return PDB_OK;
}

const char *const *status_subscriptions(const struct status *s, size_t *n)
{
	*n = s->cfg->n_subs;
	return s->cfg->subs;
}

void status_republish(struct status *s)
{
	status__publish_all(s, true, false);
}

void status_get_stats(const struct status *s, struct status_stats *out)
{
	*out = s->stats;
}

void status_free(struct status *s)
{
	if (!s)
		return;
	if (s->timer && s->cfg)
		ev_timer_cancel(s->cfg->c.loop, s->timer);
	pd_client_free(s->client);
	buf_free(&s->out);
	buf_free(&s->scratch);
	mem_free(s->res);
	mem_free(s->next);
	mem_free(s->prev);
	mem_free(s->cur);
	mem_free_secret(s->retired);
	mem_free_secret(s->cfg);
	mem_free(s);
}
