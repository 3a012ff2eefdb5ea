/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_fetch.c - the two reads behind every status display: who is on call
 * now, and which incidents are open; pd_fetch_status() makes both.
 *
 * Both page through PagerDuty with pd_list() and decode each record straight
 * into a caller-owned fixed array, so the memory of a snapshot does not
 * depend on what PagerDuty sends. Open incidents past the array are still
 * counted: a display that says "3 triggered" must not be saying "the first
 * 3 I kept".
 */
#include <pdbridge/pd.h>

#include <cjson/cJSON.h>

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
	size_t cap, n;
	bool truncated;
};

static enum pdb_rc take_oncall(const cJSON *item, void *ctx, struct pdb_err *err)
{
	struct oncall_ctx *o = ctx;
	enum pdb_rc rc;

	if (o->n == o->cap) {
		o->truncated = true;
		return PDB_OK;
	}
	rc = pd_decode_oncall(item, &o->out[o->n], err);

	if (rc)
		return rc;
	o->n++;
	return PDB_OK;
}

enum pdb_rc pd_fetch_oncalls(struct pd_client *c, const struct pd_watch *w, struct pd_oncall *out,
                             size_t cap, size_t *n, bool *truncated, struct pdb_err *err)
{
	struct oncall_ctx o = {.out = out, .cap = cap};
	struct pd_list_result res = {0};
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
	if (rc)
		rc = pdb_err_set(err, rc, "on-call query too long");
	else
		rc = pd_list(c, "/oncalls", "oncalls", &q, 0, take_oncall, &o, &res, err);
	pd_query_free(&q);
	*n = o.n;
	*truncated = o.truncated || res.truncated;
	return rc;
}

struct incident_ctx {
	struct pd_incident *out;
	size_t cap, n;
	struct pd_open_counts *counts;
	bool high_only;
};

static enum pdb_rc take_incident(const cJSON *item, void *ctx, struct pdb_err *err)
{
	struct incident_ctx *ic = ctx;
	struct pd_incident tmp, *dst = ic->n < ic->cap ? &ic->out[ic->n] : &tmp;
	enum pdb_rc rc = pd_decode_incident(item, dst, err);

	if (rc)
		return rc;
	if (ic->high_only && dst->urgency != PD_URGENCY_HIGH)
		return PDB_OK;
	if (dst->status == PD_TRIGGERED)
		ic->counts->triggered++;
	else if (dst->status == PD_ACKNOWLEDGED)
		ic->counts->acknowledged++;
	else
		return PDB_OK; /* resolved while we paged: not open */
	ic->counts->high += dst->urgency == PD_URGENCY_HIGH;
	if (dst != &tmp)
		ic->n++;
	return PDB_OK;
}

enum pdb_rc pd_fetch_open_incidents(struct pd_client *c, const struct pd_watch *w,
                                    struct pd_incident *out, size_t cap, size_t *n,
                                    struct pd_open_counts *counts, struct pdb_err *err)
{
	struct incident_ctx ic = {
	    .out = out, .cap = cap, .counts = counts, .high_only = w->high_urgency_only};
	struct pd_list_result res = {0};
	struct pd_query q;
	enum pdb_rc rc;

	memset(counts, 0, sizeof(*counts));
	pd_query_init(&q);
	rc = pd_query_add(&q, "statuses[]", "triggered");
	if (!rc)
		rc = pd_query_add(&q, "statuses[]", "acknowledged");
	if (!rc) /* without it PagerDuty looks back one month only */
		rc = pd_query_add(&q, "date_range", "all");
	if (!rc)
		rc = pd_query_add(&q, "sort_by", "created_at:desc");
	if (!rc && w->high_urgency_only)
		rc = pd_query_add(&q, "urgencies[]", "high");
	if (!rc)
		rc = add_ids(&q, "service_ids[]", &w->services);
	if (!rc)
		rc = add_ids(&q, "team_ids[]", &w->teams);
	if (rc)
		rc = pdb_err_set(err, rc, "incident query too long");
	else
		rc = pd_list(c, "/incidents", "incidents", &q, 0, take_incident, &ic, &res, err);
	pd_query_free(&q);
	*n = ic.n;
	counts->truncated = res.truncated;
	return rc;
}

enum pdb_rc pd_fetch_status(struct pd_client *c, const struct pd_watch *w, struct pd_status *out,
                            struct pdb_err *err)
{
	enum pdb_rc rc;

	rc = pd_fetch_oncalls(c, w, out->oncalls, PDB_STATUS_ONCALLS_MAX, &out->n_oncalls,
	                      &out->oncalls_truncated, err);
	if (!rc)
		rc = pd_fetch_open_incidents(c, w, out->incidents, PDB_STATUS_INCIDENTS_MAX,
		                             &out->n_incidents, &out->counts, err);
	return rc;
}
