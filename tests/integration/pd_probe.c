/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_probe.c - drives the pd module for the integration tests: one call, one
 * list, or the same call N times, then one JSON line on stdout with the
 * outcome, the counters and the allocator's figures.
 *
 *   pd_probe [options] get|post|put|delete PATH [QUERY [BODY]]
 *   pd_probe [options] list KEY PATH [QUERY]    (collects the items)
 *   pd_probe [options] walk KEY PATH [QUERY]    (streams them, one page in memory)
 *   pd_probe [options] fetch            (the status snapshot: pd_fetch_status)
 * options: --from EMAIL  --max-records N  --max-bytes N  --repeat N
 *          --heap-limit BYTES  --deadline-ms N  --retries N  --region us|eu
 * The client settings come from the same variables pdbridge reads:
 * PAGERDUTY_USER_API_KEY, PAGERDUTY_API_HOST, PDBRIDGE_CA_FILE,
 * PDBRIDGE_CONNECT_TO. QUERY is "k=v&k=v" (values unencoded).
 */
#include <pdbridge/clock.h>
#include <pdbridge/jsonx.h>
#include <pdbridge/mem.h>
#include <pdbridge/pd.h>

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct probe {
	struct pd_conf conf;
	size_t max_records, max_bytes, heap_limit;
	long repeat;
	const char *verb, *path, *key, *query, *body;
};

static const char *const rc_names[] = {
    "OK",        "NOMEM",    "TOO_LARGE", "INVAL",       "PARSE",   "TYPE",     "MISSING",
    "RANGE",     "IO",       "TIMEOUT",   "TLS",         "CONNECT", "HTTP",     "AUTH",
    "RATELIMIT", "NOTFOUND", "DENIED",    "UNSUPPORTED", "CORRUPT", "INTERNAL",
};

static long num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || v < 0) {
		fprintf(stderr, "pd_probe: not a number: %s\n", s);
		exit(2);
	}
	return v;
}

static int parse_args(struct probe *p, int argc, char **argv)
{
	int i = 1;

	pd_conf_init(&p->conf);
	p->repeat = 1;
	for (; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		const char *o = argv[i] + 2, *v = argv[i + 1];

		if (!strcmp(o, "from"))
			p->conf.from_email = v;
		else if (!strcmp(o, "max-records"))
			p->max_records = (size_t)num(v);
		else if (!strcmp(o, "max-bytes"))
			p->max_bytes = (size_t)num(v);
		else if (!strcmp(o, "repeat"))
			p->repeat = num(v);
		else if (!strcmp(o, "heap-limit"))
			p->heap_limit = (size_t)num(v);
		else if (!strcmp(o, "deadline-ms"))
			p->conf.deadline_ms = num(v);
		else if (!strcmp(o, "retries"))
			p->conf.max_retries = (int)num(v);
		else if (!strcmp(o, "region"))
			p->conf.region = strcmp(v, "eu") ? PD_REGION_US : PD_REGION_EU;
		else
			return -1;
	}
	if (i >= argc)
		return -1;
	p->verb = argv[i++];
	if ((!strcmp(p->verb, "list") || !strcmp(p->verb, "walk")) && i < argc)
		p->key = argv[i++];
	p->path = i < argc ? argv[i++] : "";
	p->query = i < argc ? argv[i++] : "";
	p->body = i < argc ? argv[i++] : NULL;
	p->conf.token = getenv("PAGERDUTY_USER_API_KEY");
	p->conf.api_host = getenv("PAGERDUTY_API_HOST");
	p->conf.ca_file = getenv("PDBRIDGE_CA_FILE");
	p->conf.connect_to = getenv("PDBRIDGE_CONNECT_TO");
	return 0;
}

/* "a=1&b[]=x" into @q. */
static enum pdb_rc build_query(const char *text, struct pd_query *q)
{
	char pair[1024], *eq;
	const char *p = text, *amp;
	enum pdb_rc rc = PDB_OK;

	while (*p && !rc) {
		amp = strchr(p, '&');
		snprintf(pair, sizeof(pair), "%.*s", (int)(amp ? amp - p : (long)strlen(p)), p);
		eq = strchr(pair, '=');
		if (eq) {
			*eq = '\0';
			rc = pd_query_add(q, pair, eq + 1);
		}
		p = amp ? amp + 1 : p + strlen(p);
	}
	return rc;
}

static enum pd_method method_of(const char *verb)
{
	static const char *const names[] = {"get", "post", "put", "delete"};
	size_t i;

	for (i = 0; i < 4; i++)
		if (!strcmp(verb, names[i]))
			return (enum pd_method)i;
	return PD_GET;
}

static enum pdb_rc run_fetch(struct pd_client *c, cJSON *out, unsigned *requests,
                             struct pdb_err *err)
{
	static struct pd_status st;
	struct pd_watch w = {0};
	cJSON *kept = cJSON_AddArrayToObject(out, "incidents");
	enum pdb_rc rc;
	size_t i;

	rc = pd_fetch_status(c, &w, &st, err);
	*requests = st.stats.requests;
	cJSON_AddNumberToObject(out, "oncalls", (double)st.n_oncalls);
	cJSON_AddBoolToObject(out, "oncalls_truncated", st.oncalls_truncated);
	for (i = 0; kept && i < st.n_incidents; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "id", st.incidents[i].id);
		cJSON_AddStringToObject(o, "status", pd_status_name(st.incidents[i].status));
		cJSON_AddItemToArray(kept, o);
	}
	if (!rc) {
		cJSON_AddNumberToObject(out, "triggered", (double)st.counts.triggered);
		cJSON_AddNumberToObject(out, "acknowledged", (double)st.counts.acknowledged);
		cJSON_AddNumberToObject(out, "high", (double)st.counts.high);
		cJSON_AddBoolToObject(out, "truncated", st.counts.truncated);
	}
	return rc;
}

static enum pdb_rc count_item(const cJSON *item, void *ctx, struct pdb_err *err)
{
	(void)item;
	(void)err;
	(*(size_t *)ctx)++;
	return PDB_OK;
}

static enum pdb_rc run(struct probe *p, struct pd_client *c, cJSON *out, struct pdb_err *err)
{
	struct pd_list_result lr;
	struct pd_response resp;
	struct pd_query q;
	cJSON *items = NULL;
	unsigned requests = 0, retries = 0;
	enum pdb_rc rc = PDB_OK;
	long i;

	pd_query_init(&q);
	if (build_query(p->query, &q)) {
		pd_query_free(&q);
		return pdb_err_set(err, PDB_E_INVAL, "bad query");
	}
	if (!strcmp(p->verb, "fetch")) {
		rc = run_fetch(c, out, &requests, err);
	} else if (!strcmp(p->verb, "walk")) {
		size_t seen = 0;

		rc = pd_list(c, p->path, p->key, &q, p->max_records, count_item, &seen, &lr, err);
		cJSON_AddNumberToObject(out, "records", (double)seen);
		cJSON_AddBoolToObject(out, "truncated", lr.truncated);
		cJSON_AddBoolToObject(out, "capped", lr.capped);
		requests = lr.stats.requests;
		retries = lr.stats.retries;
	} else if (!strcmp(p->verb, "list")) {
		rc = pd_list_json(c, p->path, p->key, &q, p->max_records, p->max_bytes, &items, &lr,
		                  err);
		cJSON_AddNumberToObject(out, "records", (double)lr.records);
		cJSON_AddBoolToObject(out, "truncated", lr.truncated);
		cJSON_AddBoolToObject(out, "capped", lr.capped);
		requests = lr.stats.requests;
		retries = lr.stats.retries;
		if (items)
			cJSON_AddItemToObject(out, "body", items); /* takes ownership */
	} else {
		for (i = 0; i < p->repeat && !rc; i++) {
			rc = pd_call(c, method_of(p->verb), p->path, &q, p->body,
			             p->conf.from_email ? PD_FROM : 0, &resp, err);
			requests += resp.stats.requests;
			retries += resp.stats.retries;
			cJSON_AddNumberToObject(out, "status", (double)resp.status);
			if (i + 1 == p->repeat && resp.json) {
				cJSON_AddItemToObject(out, "body", resp.json); /* takes ownership */
				resp.json = NULL;
			}
			pd_response_free(&resp);
		}
	}
	cJSON_AddNumberToObject(out, "requests", requests);
	cJSON_AddNumberToObject(out, "retries", retries);
	pd_query_free(&q);
	return rc;
}

int main(int argc, char **argv)
{
	struct probe p = {0};
	struct pd_client *c = NULL;
	struct mem_stats ms;
	struct pdb_err err;
	int64_t t0 = clk_now_ms();
	cJSON *out;
	char *text;
	enum pdb_rc rc;

	if (parse_args(&p, argc, argv)) {
		fprintf(stderr, "usage: see the comment at the top of pd_probe.c\n");
		return 2;
	}
	jsonx_init();
	if (pd_global_init())
		return 1;
	if (p.heap_limit)
		mem_set_limit(p.heap_limit);
	mem_reset_peak();
	pdb_err_clear(&err);
	out = cJSON_CreateObject();
	rc = pd_client_new(&p.conf, &c, &err);
	if (!rc)
		rc = run(&p, c, out, &err);
	pd_client_free(c);
	pd_global_cleanup();
	mem_get_stats(&ms);
	cJSON_AddStringToObject(out, "rc", rc_names[rc]);
	cJSON_AddStringToObject(out, "error", rc ? pdb_err_text(&err) : "");
	cJSON_AddNumberToObject(out, "ms", (double)(clk_now_ms() - t0));
	cJSON_AddNumberToObject(out, "mem_peak", (double)ms.peak);
	text = cJSON_PrintUnformatted(out);
	cJSON_Delete(out);
	printf("%s\n", text ? text : "{\"rc\":\"NOMEM\"}");
	cJSON_free(text);
	/* Everything is freed now: what mem still counts is a leak. */
	mem_get_stats(&ms);
	printf("{\"mem_current\":%zu}\n", ms.current);
	return 0;
}
