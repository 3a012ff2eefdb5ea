/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_usage.c - how many PagerDuty requests this process made, per caller,
 * in the last minute and since start, with the 429s and the latest
 * ratelimit-* headers PagerDuty sent.
 *
 * PagerDuty's rate limit belongs to the key, not to the board: every tool
 * call, every poll and every ack spends it, and so does anyone else using
 * the same key. These counts say what this process spent and on what; the
 * headers say what is left for all of them. A user who sees far fewer
 * requests "remaining" than this board explains knows the key is in use
 * elsewhere.
 *
 * One table, process-wide, under one mutex: a row per caller (a tool's name,
 * "poller", "ack", ...), each with a total, its 429s and PDB_PD_USAGE_BUCKETS
 * buckets of PDB_PD_USAGE_BUCKET_MS for the last minute. The buckets are a
 * ring shared by all rows: stamp[i] says which 5 s slot column i holds, and a
 * column is zeroed for every row when the ring comes round to it. A caller
 * past the table counts as "other", in the last row.
 */
#include <pdbridge/clock.h>
#include <pdbridge/jsonx.h>
#include <pdbridge/mem.h>
#include <pdbridge/pd.h>

#include <cjson/cJSON.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OTHER "other"

struct row {
	char name[PDB_PD_CALLER_MAX];
	uint64_t requests;
	uint64_t limited; /* answered 429 */
	uint32_t bucket[PDB_PD_USAGE_BUCKETS];
};

static struct {
	pthread_mutex_t mu;
	int64_t since_wall_ms;
	int64_t stamp[PDB_PD_USAGE_BUCKETS]; /* the 5 s slot each column counts; -1: none */
	struct row rows[PDB_PD_USAGE_CALLERS_MAX];
	size_t n_rows;
	struct pd_ratelimit rl; /* the latest answer's that carried any */
	int64_t rl_wall_ms;     /* 0: no answer carried one yet */
} u = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* Zero the counts (caller holds u.mu). */
static void reset_locked(void)
{
	size_t i;

	memset(u.rows, 0, sizeof(u.rows));
	u.n_rows = 0;
	for (i = 0; i < PDB_PD_USAGE_BUCKETS; i++)
		u.stamp[i] = -1;
	u.rl_wall_ms = 0;
	u.since_wall_ms = clk_wall_ms();
}

void pd_usage_reset(void)
{
	pthread_mutex_lock(&u.mu);
	reset_locked();
	pthread_mutex_unlock(&u.mu);
}

/* The row of @name, made when new; the last row ("other") when the table is full. */
static struct row *row_of(const char *name)
{
	struct row *r;
	size_t i;

	for (i = 0; i < u.n_rows; i++)
		if (!strcmp(u.rows[i].name, name))
			return &u.rows[i];
	r = &u.rows[u.n_rows < PDB_PD_USAGE_CALLERS_MAX - 1 ? u.n_rows
	                                                    : PDB_PD_USAGE_CALLERS_MAX - 1];
	if (u.n_rows == PDB_PD_USAGE_CALLERS_MAX - 1)
		name = OTHER;
	if (u.n_rows < PDB_PD_USAGE_CALLERS_MAX) {
		snprintf(r->name, sizeof(r->name), "%s", name);
		u.n_rows++;
	}
	return r;
}

void pd_usage_count(const char *caller, long status, const struct pd_ratelimit *rl, int64_t now_ms)
{
	int64_t slot = now_ms / PDB_PD_USAGE_BUCKET_MS;
	size_t col = (size_t)(slot % PDB_PD_USAGE_BUCKETS), i;
	struct row *r;

	pthread_mutex_lock(&u.mu);
	if (!u.since_wall_ms)
		reset_locked(); /* counted before pd_global_init(): a test's own program */
	if (u.stamp[col] != slot) {
		for (i = 0; i < u.n_rows; i++)
			u.rows[i].bucket[col] = 0;
		u.stamp[col] = slot;
	}
	r = row_of(caller && *caller ? caller : OTHER);
	r->requests++;
	r->bucket[col]++;
	r->limited += status == 429;
	if (rl && (rl->limit >= 0 || rl->remaining >= 0 || rl->reset_s >= 0)) {
		u.rl = *rl;
		u.rl_wall_ms = clk_wall_ms();
	}
	pthread_mutex_unlock(&u.mu);
}

/* Requests of @r in the buckets of the minute up to slot @now (caller holds u.mu). */
static uint64_t last_minute(const struct row *r, int64_t now)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < PDB_PD_USAGE_BUCKETS; i++)
		if (u.stamp[i] > now - PDB_PD_USAGE_BUCKETS && u.stamp[i] <= now)
			n += r->bucket[i];
	return n;
}

/* A row as the JSON shows it: copied out of the table, with its last minute summed. */
struct view {
	struct row r;
	uint64_t minute;
};

static int busiest_first(const void *a, const void *b)
{
	const struct view *x = a, *y = b;

	if (x->r.requests != y->r.requests)
		return x->r.requests < y->r.requests ? 1 : -1;
	return strcmp(x->r.name, y->r.name);
}

/* Add a number, or null when @v is negative (an absent header). */
static bool add_count(cJSON *o, const char *key, long long v)
{
	return v < 0 ? cJSON_AddNullToObject(o, key) != NULL
	             : cJSON_AddNumberToObject(o, key, (double)v) != NULL;
}

static bool add_ratelimit(cJSON *root, const struct pd_ratelimit *rl, int64_t at)
{
	cJSON *o;

	if (!at)
		return cJSON_AddNullToObject(root, "ratelimit") != NULL;
	o = cJSON_AddObjectToObject(root, "ratelimit");
	return o && add_count(o, "limit", rl->limit) && add_count(o, "remaining", rl->remaining) &&
	       add_count(o, "reset_seconds", rl->reset_s) && jsonx_add_time(o, "at", at);
}

static bool add_caller(cJSON *arr, const struct view *v)
{
	cJSON *c = cJSON_CreateObject();

	if (!c || !cJSON_AddItemToArray(arr, c)) { /* takes c */
		cJSON_Delete(c);
		return false;
	}
	return cJSON_AddStringToObject(c, "caller", v->r.name) &&
	       cJSON_AddNumberToObject(c, "requests", (double)v->r.requests) &&
	       cJSON_AddNumberToObject(c, "last_minute", (double)v->minute) &&
	       cJSON_AddNumberToObject(c, "rate_limited", (double)v->r.limited);
}

cJSON *pd_usage_json(int64_t now_ms)
{
	struct view *v = mem_calloc(PDB_PD_USAGE_CALLERS_MAX, sizeof(*v));
	uint64_t total = 0, recent = 0, limited = 0;
	int64_t slot = now_ms / PDB_PD_USAGE_BUCKET_MS, since, rl_at;
	struct pd_ratelimit rl;
	cJSON *root = v ? cJSON_CreateObject() : NULL, *arr = NULL;
	size_t n = 0, i;
	bool ok;

	pthread_mutex_lock(&u.mu);
	if (!u.since_wall_ms)
		reset_locked();
	for (n = 0; v && n < u.n_rows; n++) {
		v[n].r = u.rows[n];
		v[n].minute = last_minute(&u.rows[n], slot);
	}
	since = u.since_wall_ms;
	rl = u.rl;
	rl_at = u.rl_wall_ms;
	pthread_mutex_unlock(&u.mu);
	if (v)
		qsort(v, n, sizeof(v[0]), busiest_first);
	for (i = 0; i < n; i++) {
		total += v[i].r.requests;
		recent += v[i].minute;
		limited += v[i].r.limited;
	}
	ok = root && jsonx_add_time(root, "since", since) &&
	     cJSON_AddNumberToObject(root, "requests", (double)total) &&
	     cJSON_AddNumberToObject(root, "last_minute", (double)recent) &&
	     cJSON_AddNumberToObject(root, "rate_limited", (double)limited) &&
	     add_ratelimit(root, &rl, rl_at) && (arr = cJSON_AddArrayToObject(root, "callers"));
	for (i = 0; ok && i < n; i++)
		ok = add_caller(arr, &v[i]);
	mem_free(v);
	if (!ok) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}
