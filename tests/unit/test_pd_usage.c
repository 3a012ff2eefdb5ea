/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_pd_usage.c - the PagerDuty usage counts (src/pd/pd_usage.c): per
 * caller, busiest first, the last minute sliding in 5 s buckets, 429s and the
 * latest ratelimit headers, a full table counting on as "other", nothing
 * changing while nothing happens, and many threads counting at once.
 */
#include "harness.h"

#include <pdbridge/jsonx.h>
#include <pdbridge/pd.h>

#include <cjson/cJSON.h>

#include <pthread.h>
#include <stdio.h>

/* A base far from 0, as a monotonic clock is. */
#define T0 1000000000LL

static const cJSON *caller(const cJSON *u, const char *name)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(u, "callers"))
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(c, "caller");

		if (cJSON_IsString(n) && !strcmp(n->valuestring, name))
			return c;
	}
	return NULL;
}

static long long num(const cJSON *o, const char *key)
{
	const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;

	return cJSON_IsNumber(v) ? (long long)v->valuedouble : -1;
}

static void counts_per_caller_busiest_first(void)
{
	const struct pd_ratelimit rl = {960, 955, 42}, none = {-1, -1, -1};
	cJSON *u;
	int i;

	pd_usage_reset();
	for (i = 0; i < 3; i++)
		pd_usage_count("list_incidents", 200, &none, T0);
	pd_usage_count("poller", 200, &rl, T0);
	pd_usage_count("poller", 429, &none, T0 + 1);
	pd_usage_count(NULL, 200, NULL, T0 + 2);
	u = pd_usage_json(T0 + 3);
	T_CHECK(u);
	T_EQ_INT(num(u, "requests"), 6);
	T_EQ_INT(num(u, "last_minute"), 6);
	T_EQ_INT(num(u, "rate_limited"), 1);
	T_EQ_STR(cJSON_GetArrayItem(cJSON_GetObjectItem(u, "callers"), 0)->child->valuestring,
	         "list_incidents");
	T_EQ_INT(num(caller(u, "poller"), "requests"), 2);
	T_EQ_INT(num(caller(u, "poller"), "rate_limited"), 1);
	T_EQ_INT(num(caller(u, "other"), "requests"), 1);
	/* the headers of the last answer that had any: a bare 429 does not wipe them */
	T_EQ_INT(num(cJSON_GetObjectItem(u, "ratelimit"), "limit"), 960);
	T_EQ_INT(num(cJSON_GetObjectItem(u, "ratelimit"), "remaining"), 955);
	T_EQ_INT(num(cJSON_GetObjectItem(u, "ratelimit"), "reset_seconds"), 42);
	jsonx_free(u);
}

static void the_last_minute_slides(void)
{
	cJSON *u;

	pd_usage_reset();
	u = pd_usage_json(T0);
	T_CHECK(cJSON_IsNull(cJSON_GetObjectItem(u, "ratelimit")));
	T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(u, "callers")), 0);
	jsonx_free(u);
	pd_usage_count("poller", 200, NULL, T0);
	pd_usage_count("poller", 200, NULL, T0 + 30000);
	u = pd_usage_json(T0 + 59000);
	T_EQ_INT(num(caller(u, "poller"), "last_minute"), 2);
	jsonx_free(u);
	u = pd_usage_json(T0 + 61000); /* the first request is over a minute old */
	T_EQ_INT(num(caller(u, "poller"), "last_minute"), 1);
	T_EQ_INT(num(caller(u, "poller"), "requests"), 2);
	jsonx_free(u);
	/* a bucket reused a ring later counts only the new request */
	pd_usage_count("poller", 200, NULL, T0 + 120000);
	u = pd_usage_json(T0 + 120000);
	T_EQ_INT(num(caller(u, "poller"), "last_minute"), 1);
	T_EQ_INT(num(u, "requests"), 3);
	jsonx_free(u);
	u = pd_usage_json(T0 + 500000);
	T_EQ_INT(num(u, "last_minute"), 0);
	T_EQ_INT(num(u, "requests"), 3);
	jsonx_free(u);
}

static void a_full_table_counts_on_as_other(void)
{
	char name[32];
	cJSON *u;
	int i;

	pd_usage_reset();
	for (i = 0; i < PDB_PD_USAGE_CALLERS_MAX + 20; i++) {
		snprintf(name, sizeof(name), "tool_%d", i);
		pd_usage_count(name, 200, NULL, T0);
	}
	u = pd_usage_json(T0);
	T_EQ_INT(num(u, "requests"), PDB_PD_USAGE_CALLERS_MAX + 20);
	T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(u, "callers")), PDB_PD_USAGE_CALLERS_MAX);
	T_EQ_INT(num(caller(u, "other"), "requests"), 21);
	T_CHECK(!caller(u, "tool_170"));
	jsonx_free(u);
}

static void nothing_changes_while_nothing_happens(void)
{
	struct buf a, b;
	cJSON *u;

	pd_usage_reset();
	pd_usage_count("ack", 200, NULL, T0);
	buf_init(&a, 4096);
	buf_init(&b, 4096);
	u = pd_usage_json(T0 + 1000);
	T_CHECK(!jsonx_print(u, &a));
	jsonx_free(u);
	u = pd_usage_json(T0 + 4000); /* same bucket window: the same text */
	T_CHECK(!jsonx_print(u, &b));
	jsonx_free(u);
	T_EQ_STR(buf_cstr(&a), buf_cstr(&b));
	buf_reset(&b);
	u = pd_usage_json(T0 + 70000); /* the minute went by: last_minute fell */
	T_CHECK(!jsonx_print(u, &b));
	jsonx_free(u);
	T_CHECK(strcmp(buf_cstr(&a), buf_cstr(&b)) != 0);
	buf_free(&a);
	buf_free(&b);
}

static void *count_many(void *arg)
{
	int i;

	for (i = 0; i < 5000; i++)
		pd_usage_count(arg, 200, NULL, T0 + i);
	return NULL;
}

static void threads_count_every_request(void)
{
	static char names[4][8] = {"a", "b", "c", "d"};
	pthread_t t[4];
	cJSON *u;
	int i;

	pd_usage_reset();
	for (i = 0; i < 4; i++)
		T_EQ_INT(pthread_create(&t[i], NULL, count_many, names[i]), 0);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	u = pd_usage_json(T0 + 5000);
	T_EQ_INT(num(u, "requests"), 20000);
	T_EQ_INT(num(caller(u, "c"), "requests"), 5000);
	jsonx_free(u);
}

static const struct t_case cases[] = {
    {"counts_per_caller_busiest_first", counts_per_caller_busiest_first},
    {"the_last_minute_slides", the_last_minute_slides},
    {"a_full_table_counts_on_as_other", a_full_table_counts_on_as_other},
    {"nothing_changes_while_nothing_happens", nothing_changes_while_nothing_happens},
    {"threads_count_every_request", threads_count_every_request},
};

T_MAIN(cases)
