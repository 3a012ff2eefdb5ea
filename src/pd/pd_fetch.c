/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_fetch.c - the two reads behind every status display: who is on call
 * now, and which incidents are open; pd_fetch_status() makes both.
 *
 * Both decode straight into a caller-owned fixed array, so the memory of a
 * snapshot does not depend on what PagerDuty sends. The on-call entries are
 * a list the display shows, paged up to the array. The open incidents are
 * not paged: their counts come from PagerDuty's own `total` (total=true).
 * One request asks for the newest PDB_STATUS_INCIDENTS_MAX open incidents
 * with their total; when that page holds them all the counts are read off
 * it. Otherwise two more requests ask for the newest triggered ones (merged
 * in, pushing out the oldest acknowledged, so a display shows what needs a
 * human) and the high-urgency total. So a status read costs the same with
 * 60 open incidents as with 10,000, and a display that says "3 triggered"
 * is never saying "the first 3 I kept". A total that is absent or cannot be
 * true (below what the page held) is not believed: the counts are then
 * what the pages held, marked truncated ("at least"), and the log says why.
 */
#include "pd_int.h"

#include <pdbridge/clock.h>
#include <pdbridge/log.h>

#include <cjson/cJSON.h>

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static enum pdb_rc add_ids(struct pd_query *q, const char *key, const struct pd_ids *ids)
{
	enum pdb_rc rc = PDB_OK;
	size_t i;

	for (i = 0; i < ids->n && !rc; i++)
		rc = pd_query_add(q, key, ids->v[i]);
	return rc;
}

struct oncall_ctx {
	struct pd_oncall *out;
	size_t n;
};

/* earliest=true gives one entry per policy, level and user: a repeat is a page served twice. */
static bool repeated(const struct oncall_ctx *o, const struct pd_oncall *e)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (o->out[i].level == e->level && !strcmp(o->out[i].ep_id, e->ep_id) &&
		    !strcmp(o->out[i].user_id, e->user_id))
			return true;
	return false;
}

static enum pdb_rc take_oncall(const cJSON *item, void *ctx, struct pdb_err *err)
{
	struct oncall_ctx *o = ctx;
	enum pdb_rc rc = pd_decode_oncall(item, &o->out[o->n], err);

	if (!rc && !repeated(o, &o->out[o->n]))
		o->n++;
	return rc;
}

static enum pdb_rc fetch_oncalls(struct pd_client *c, const struct pd_watch *w,
                                 struct pd_oncall *out, size_t cap, size_t *n, bool *truncated,
                                 struct pd_budget *b, struct pd_stats *stats, struct pdb_err *err)
{
	struct oncall_ctx o = {.out = out};
	struct pd_list_result res = {0};
	struct pd_list_spec s = {.path = "/oncalls", .key = "oncalls", .max_records = cap};
	struct pd_query q;
	enum pdb_rc rc;

	pd_query_init(&q);
	rc = pd_query_add(&q, "earliest", "true");
	if (!rc)
		rc = pd_query_add(&q, "include[]", "users");
	if (!rc)
		rc = add_ids(&q, "escalation_policy_ids[]", &w->escalation_policies);
	if (!rc)
		rc = add_ids(&q, "schedule_ids[]", &w->schedules);
	if (!rc)
		rc = add_ids(&q, "user_ids[]", &w->users);
	s.q = &q;
	if (rc)
		rc = pdb_err_set(err, rc, "on-call query too long");
	else if (cap) /* the record cap stops the list once the array is full */
		rc = pd__list(c, &s, b, take_oncall, &o, &res, NULL, err);
	pd_query_free(&q);
	*n = o.n;
	*truncated = res.truncated;
	pd__add_stats(stats, &res.stats);
	return rc;
}

enum pdb_rc pd_fetch_oncalls(struct pd_client *c, const struct pd_watch *w, struct pd_oncall *out,
                             size_t cap, size_t *n, bool *truncated, struct pdb_err *err)
{
	struct pd_budget b = pd__budget(c, PDB_PD_LIST_PAGES_MAX);
	struct pd_stats stats = {0};

	return fetch_oncalls(c, w, out, cap, n, truncated, &b, &stats, err);
}

/* --- open incidents ------------------------------------------------------------- */

/* Open incidents taken so far: kept newest first until the triggered ones are merged. */
struct open_ctx {
	struct pd_incident *out;
	size_t cap, n;
	size_t seen[2]; /* distinct incidents seen, by status (triggered, acknowledged) */
	size_t seen_high;
	bool high_only;
	bool merge; /* a second page: skip those held, push out the oldest acknowledged */
};

static bool holds(const struct open_ctx *o, const char *id)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (!strcmp(o->out[i].id, id))
			return true;
	return false;
}

/* The slot for a triggered incident when the array is full: the oldest acknowledged one. */
static size_t oldest_acknowledged(const struct open_ctx *o)
{
	size_t i, at = o->n;

	for (i = 0; i < o->n; i++)
		if (o->out[i].status == PD_ACKNOWLEDGED &&
		    (at == o->n || o->out[i].created_ms < o->out[at].created_ms))
			at = i;
	return at;
}

static enum pdb_rc take_open(const cJSON *item, void *ctx, struct pdb_err *err)
{
	struct open_ctx *o = ctx;
	struct pd_incident in;
	size_t at;
	enum pdb_rc rc = pd_decode_incident(item, &in, err);

	if (rc)
		return rc;
	if (in.status == PD_RESOLVED || (o->high_only && in.urgency != PD_URGENCY_HIGH))
		return PDB_OK; /* resolved since it was listed, or not asked for */
	if (o->merge && holds(o, in.id))
		return PDB_OK;
	o->seen[in.status]++;
	o->seen_high += in.urgency == PD_URGENCY_HIGH;
	at = o->n < o->cap ? o->n++ : o->merge ? oldest_acknowledged(o) : o->n;
	if (at < o->n)
		o->out[at] = in;
	return PDB_OK;
}

static enum pdb_rc count_only(const cJSON *item, void *ctx, struct pdb_err *err)
{
	(void)item;
	(void)ctx;
	(void)err;
	return PDB_OK;
}

static int newest_first(const void *a, const void *b)
{
	const struct pd_incident *x = a, *y = b;

	return (x->created_ms < y->created_ms) - (x->created_ms > y->created_ms);
}

/* The open-incident query of @w: @status ("triggered") or both, maybe high urgency only. */
static enum pdb_rc open_query(const struct pd_watch *w, const char *status, bool high,
                              struct pd_query *q)
{
	enum pdb_rc rc;

	pd_query_init(q);
	rc = pd_query_add(q, "statuses[]", status ? status : "triggered");
	if (!rc && !status)
		rc = pd_query_add(q, "statuses[]", "acknowledged");
	if (!rc) /* without it PagerDuty looks back one month only */
		rc = pd_query_add(q, "date_range", "all");
	if (!rc)
		rc = pd_query_add(q, "sort_by", "created_at:desc");
	if (!rc && (high || w->high_urgency_only))
		rc = pd_query_add(q, "urgencies[]", "high");
	if (!rc)
		rc = add_ids(q, "service_ids[]", &w->services);
	if (!rc)
		rc = add_ids(q, "team_ids[]", &w->teams);
	return rc;
}

/* One request of the open-incident read, and what it counted. */
struct open_page {
	const char *status; /* NULL: triggered and acknowledged */
	bool high;          /* high urgency only */
	size_t limit;
	size_t records;  /* items the page held (up to the limit) */
	int64_t count;   /* PagerDuty's total, else the items when the page said no more; -1 */
	const char *why; /* why the total was not believed, NULL when it was or not asked */
};

static enum pdb_rc open_page(struct pd_client *c, const struct pd_watch *w, struct open_page *p,
                             struct open_ctx *o, struct pd_budget *b, struct pd_stats *stats,
                             struct pdb_err *err)
{
	struct pd_list_spec s = {
	    .path = "/incidents", .key = "incidents", .max_records = p->limit, .one_page = true};
	struct pd_list_result res = {0};
	struct pd_total total = {.value = -1};
	struct pd_query q;
	enum pdb_rc rc = open_query(w, p->status, p->high, &q);

	s.q = &q;
	if (rc)
		rc = pdb_err_set(err, rc, "incident query too long");
	else
		rc = pd__list(c, &s, b, p->high ? count_only : take_open, o, &res, &total, err);
	pd_query_free(&q);
	pd__add_stats(stats, &res.stats);
	p->records = res.records;
	p->why = total.value < 0 ? total.why : NULL;
	p->count = total.value >= 0 ? total.value : res.truncated ? -1 : (int64_t)res.records;
	return rc;
}

/* @count when known (never below what was seen), else what was seen, flagged. */
static size_t at_least(int64_t count, size_t seen, bool *truncated)
{
	if (count < 0) {
		*truncated = true;
		return seen;
	}
	return (uint64_t)count > seen ? (size_t)count : seen;
}

/* Say once a process (then at debug level) that the counts are lower bounds, and why. */
static void log_lower_bounds(const struct open_page *p, size_t n)
{
	static atomic_bool said;
	enum log_level lvl = atomic_exchange(&said, true) ? LOG_LVL_DEBUG : LOG_LVL_WARN;
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i].count < 0 && p[i].why) {
			log_msg(
			    lvl, PD_LOG,
			    "GET /incidents: PagerDuty's total (total=true) was %s and its page "
			    "said more: the open-incident counts are lower bounds, what the pages "
			    "held (truncated)",
			    p[i].why);
			return;
		}
	log_msg(lvl, PD_LOG,
	        "GET /incidents: the read ran out of requests or time before every count: the "
	        "open-incident counts are lower bounds, what the pages held (truncated)");
}

static enum pdb_rc fetch_open(struct pd_client *c, const struct pd_watch *w,
                              struct pd_incident *out, size_t cap, size_t *n,
                              struct pd_open_counts *counts, struct pd_budget *b,
                              struct pd_stats *stats, struct pdb_err *err)
{
	struct open_ctx o = {.out = out, .cap = cap, .high_only = w->high_urgency_only};
	struct open_page p[PDB_PD_OPEN_REQUESTS] = {
	    {.limit = cap ? cap : 1, .count = -1},
	    {.status = "triggered", .limit = cap ? cap : 1, .count = -1},
	    {.high = true, .limit = 1, .count = -1},
	};
	int64_t ack;
	size_t i;
	enum pdb_rc rc;

	memset(counts, 0, sizeof(*counts));
	rc = open_page(c, w, &p[0], &o, b, stats, err);
	*n = o.n;
	if (rc)
		return rc;
	if (p[0].count == (int64_t)p[0].records) { /* the page held them all */
		counts->triggered = o.seen[PD_TRIGGERED];
		counts->acknowledged = o.seen[PD_ACKNOWLEDGED];
		counts->high = o.seen_high;
		return PDB_OK;
	}
	o.merge = true;
	for (i = 1; i < PDB_PD_OPEN_REQUESTS && !rc; i++)
		if (!(p[i].high && w->high_urgency_only) && b->pages &&
		    clk_remaining_ms(b->deadline))
			rc = open_page(c, w, &p[i], &o, b, stats, err);
	qsort(out, o.n, sizeof(*out), newest_first);
	*n = o.n;
	if (rc)
		return rc;
	counts->triggered = at_least(p[1].count, o.seen[PD_TRIGGERED], &counts->truncated);
	ack = -1;
	if (p[0].count >= 0 && p[1].count >= 0) /* below 0: one changed between the two requests */
		ack = p[0].count > (int64_t)counts->triggered
		          ? p[0].count - (int64_t)counts->triggered
		          : 0;
	counts->acknowledged = at_least(ack, o.seen[PD_ACKNOWLEDGED], &counts->truncated);
	counts->high = w->high_urgency_only ? counts->triggered + counts->acknowledged
	                                    : at_least(p[2].count, o.seen_high, &counts->truncated);
	if (counts->truncated)
		log_lower_bounds(p, PDB_PD_OPEN_REQUESTS);
	return PDB_OK;
}

enum pdb_rc pd_fetch_open_incidents(struct pd_client *c, const struct pd_watch *w,
                                    struct pd_incident *out, size_t cap, size_t *n,
                                    struct pd_open_counts *counts, struct pdb_err *err)
{
	struct pd_budget b = pd__budget(c, PDB_PD_OPEN_REQUESTS);
	struct pd_stats stats = {0};

	return fetch_open(c, w, out, cap, n, counts, &b, &stats, err);
}

enum pdb_rc pd_fetch_status(struct pd_client *c, const struct pd_watch *w, struct pd_status *out,
                            struct pdb_err *err)
{
	struct pd_budget b = pd__budget(c, PDB_PD_STATUS_PAGES_MAX);
	struct pd_budget lists = {.pages = b.pages - PDB_PD_OPEN_REQUESTS, .deadline = b.deadline};
	enum pdb_rc rc;

	memset(&out->stats, 0, sizeof(out->stats));
	rc = fetch_oncalls(c, w, out->oncalls, PDB_STATUS_ONCALLS_MAX, &out->n_oncalls,
	                   &out->oncalls_truncated, &lists, &out->stats, err);
	b.pages = lists.pages + PDB_PD_OPEN_REQUESTS;
	if (!rc)
		rc = fetch_open(c, w, out->incidents, PDB_STATUS_INCIDENTS_MAX, &out->n_incidents,
		                &out->counts, &b, &out->stats, err);
	return rc;
}
