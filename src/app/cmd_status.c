/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd_status.c - `pdbridge status`: who is on call now, per escalation policy
 * and level, and the open incidents; human-readable, or --json for scripts.
 *
 * One snapshot: pd_fetch_status() (two reads, on-calls then open incidents)
 * into fixed arrays; --json adds the requests it made and PagerDuty's
 * ratelimit headers ("usage", as pd_usage_json()). Exit status 0 with a
 * snapshot, 1 with a one-line reason on stderr when PagerDuty cannot be read,
 * 2 for a bad command line.
 */
#include <pdbridge/app.h>
#include <pdbridge/clock.h>
#include <pdbridge/jsonx.h>
#include <pdbridge/log.h>
#include <pdbridge/pd.h>

#include <cjson/cJSON.h>

#include <stdlib.h>
#include <string.h>

static int by_policy_then_level(const void *a, const void *b)
{
	const struct pd_oncall *x = a, *y = b;
	int d = strcmp(x->ep_name, y->ep_name);

	if (!d)
		d = strcmp(x->ep_id, y->ep_id);
	return d ? d : x->level - y->level;
}

/* Triggered before acknowledged, high before low urgency, then newest first. */
static int by_severity(const void *a, const void *b)
{
	const struct pd_incident *x = a, *y = b;

	if (x->status != y->status)
		return (int)x->status - (int)y->status;
	if (x->urgency != y->urgency)
		return (int)x->urgency - (int)y->urgency;
	return (x->created_ms < y->created_ms) - (x->created_ms > y->created_ms);
}

static void time_or(int64_t ms, const char *none, char out[CLK_ISO_LEN])
{
	if (ms)
		clk_format_iso(ms, out);
	else
		snprintf(out, CLK_ISO_LEN, "%s", none);
}

static void print_text(const struct pd_status *s, const char *base)
{
	char until[CLK_ISO_LEN];
	const char *ep = NULL;
	size_t i;

	printf("On call now (%s):\n", base);
	if (!s->n_oncalls)
		printf("  nobody\n");
	for (i = 0; i < s->n_oncalls; i++) {
		const struct pd_oncall *o = &s->oncalls[i];

		if (!ep || strcmp(ep, o->ep_id)) {
			printf("  %s (%s)\n", o->ep_name[0] ? o->ep_name : "?", o->ep_id);
			ep = o->ep_id;
		}
		time_or(o->end_ms, "always", until);
		printf("    level %d  %s%s%s%s  until %s\n", o->level,
		       o->user_name[0] ? o->user_name : o->user_id, o->user_email[0] ? " <" : "",
		       o->user_email, o->user_email[0] ? ">" : "", until);
	}
	if (s->oncalls_truncated)
		printf("  (more on-call entries than the %d shown)\n", PDB_STATUS_ONCALLS_MAX);
	printf("Open incidents: %zu triggered, %zu acknowledged%s\n", s->counts.triggered,
	       s->counts.acknowledged, s->counts.truncated ? " (at least)" : "");
	for (i = 0; i < s->n_incidents; i++) {
		const struct pd_incident *in = &s->incidents[i];

		printf("  #%-5lld %-12s %-4s %-3s %s  [%s]\n", (long long)in->number,
		       pd_status_name(in->status), pd_urgency_name(in->urgency),
		       in->priority[0] ? in->priority : "-", in->title,
		       in->service_name[0] ? in->service_name : in->service_id);
	}
	if (s->n_incidents < s->counts.triggered + s->counts.acknowledged)
		printf("  (%zu more not shown)\n",
		       s->counts.triggered + s->counts.acknowledged - s->n_incidents);
}

/* Add @key: ISO time, or null when @ms is 0. */
static bool add_time(cJSON *obj, const char *key, int64_t ms)
{
	char iso[CLK_ISO_LEN];

	if (!ms)
		return cJSON_AddNullToObject(obj, key) != NULL;
	clk_format_iso(ms, iso);
	return cJSON_AddStringToObject(obj, key, iso) != NULL;
}

static cJSON *oncall_json(const struct pd_oncall *o)
{
	cJSON *j = cJSON_CreateObject();
	bool ok = j && cJSON_AddStringToObject(j, "escalation_policy_id", o->ep_id) &&
	          cJSON_AddStringToObject(j, "escalation_policy", o->ep_name) &&
	          cJSON_AddNumberToObject(j, "level", o->level) &&
	          cJSON_AddStringToObject(j, "user_id", o->user_id) &&
	          cJSON_AddStringToObject(j, "user", o->user_name) &&
	          cJSON_AddStringToObject(j, "email", o->user_email) &&
	          cJSON_AddStringToObject(j, "schedule_id", o->schedule_id) &&
	          add_time(j, "start", o->start_ms) && add_time(j, "end", o->end_ms);

	if (!ok) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

static cJSON *incident_json(const struct pd_incident *in)
{
	cJSON *j = cJSON_CreateObject();
	bool ok = j && cJSON_AddStringToObject(j, "id", in->id) &&
	          cJSON_AddNumberToObject(j, "number", (double)in->number) &&
	          cJSON_AddStringToObject(j, "title", in->title) &&
	          cJSON_AddStringToObject(j, "status", pd_status_name(in->status)) &&
	          cJSON_AddStringToObject(j, "urgency", pd_urgency_name(in->urgency)) &&
	          cJSON_AddStringToObject(j, "priority", in->priority) &&
	          cJSON_AddStringToObject(j, "service_id", in->service_id) &&
	          cJSON_AddStringToObject(j, "service", in->service_name) &&
	          cJSON_AddStringToObject(j, "html_url", in->html_url) &&
	          add_time(j, "created_at", in->created_ms);

	if (!ok) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* Append @n items made by @make from @base, @size apart, to a new array @key of @root. */
static bool add_array(cJSON *root, const char *key, const void *base, size_t size, size_t n,
                      cJSON *(*make)(const void *))
{
	cJSON *arr = cJSON_AddArrayToObject(root, key), *item;
	size_t i;

	for (i = 0; arr && i < n; i++) {
		item = make((const char *)base + i * size);
		if (!item || !cJSON_AddItemToArray(arr, item)) /* takes ownership of item */
			return false;
	}
	return arr != NULL;
}

static cJSON *make_oncall(const void *p)
{
	return oncall_json(p);
}

static cJSON *make_incident(const void *p)
{
	return incident_json(p);
}

static enum pdb_rc print_json(const struct pd_status *s)
{
	cJSON *root = cJSON_CreateObject(), *counts;
	struct buf out;
	enum pdb_rc rc = PDB_E_NOMEM;

	buf_init(&out, PDB_MAX_JSON_TEXT);
	if (!root ||
	    !add_array(root, "oncalls", s->oncalls, sizeof(s->oncalls[0]), s->n_oncalls,
	               make_oncall) ||
	    !add_array(root, "incidents", s->incidents, sizeof(s->incidents[0]), s->n_incidents,
	               make_incident))
		goto out;
	counts = cJSON_AddObjectToObject(root, "counts");
	if (!counts || !cJSON_AddNumberToObject(counts, "triggered", (double)s->counts.triggered) ||
	    !cJSON_AddNumberToObject(counts, "acknowledged", (double)s->counts.acknowledged) ||
	    !cJSON_AddNumberToObject(counts, "high_urgency", (double)s->counts.high) ||
	    !cJSON_AddBoolToObject(counts, "truncated", s->counts.truncated) ||
	    !cJSON_AddBoolToObject(root, "oncalls_truncated", s->oncalls_truncated) ||
	    !cJSON_AddItemToObject(root, "usage", pd_usage_json(clk_now_ms())))
		goto out;
	rc = jsonx_print(root, &out);
	if (!rc)
		printf("%s\n", buf_cstr(&out));
out:
	buf_free(&out);
	cJSON_Delete(root);
	return rc;
}

static enum pdb_rc take_snapshot(struct pd_client *c, const struct pd_watch *w, struct pd_status *s,
                                 struct pdb_err *err)
{
	enum pdb_rc rc;

	rc = pd_fetch_status(c, w, s, err);
	if (rc)
		return rc;
	qsort(s->oncalls, s->n_oncalls, sizeof(s->oncalls[0]), by_policy_then_level);
	qsort(s->incidents, s->n_incidents, sizeof(s->incidents[0]), by_severity);
	return PDB_OK;
}

/* The values of a repeated flag as one list value ("A,B"), a flag layer of @k. */
/* A watch list of snapshot @c: the items borrowed from it, into @ids. */
static struct pd_ids watch_list(const struct cfg *c, enum cfg_key k,
                                const char *ids[PDB_WATCH_IDS_MAX])
{
	return (struct pd_ids){.v = ids, .n = cfg_list(c, k, ids, PDB_WATCH_IDS_MAX)};
}

/* Settings of every layer; the watch lists take their flags as list values. */
static enum pdb_rc settings(struct app_settings *set, const struct app_pd_flags *pf,
                            const struct app_list lists[4], struct pdb_err *err)
{
	static const struct {
		enum cfg_key key;
		const char *flag;
	} watch[4] = {
	    {CFG_WATCH_ESCALATION_POLICIES, "--escalation-policy"},
	    {CFG_WATCH_SCHEDULES, "--schedule"},
	    {CFG_WATCH_SERVICES, "--service"},
	    {CFG_WATCH_TEAMS, "--team"},
	};
	static char joined[4][PDB_CFG_VALUE_MAX + 1];
	struct cfg_flag flags[CFG_KEYS];
	size_t n = 0, i;
	enum pdb_rc rc = PDB_OK;

	app_pd_flags_to_cfg(pf, flags, &n);
	for (i = 0; i < 4 && !rc; i++)
		rc = app_list_flag(&lists[i], watch[i].key, watch[i].flag, joined[i],
		                   sizeof(joined[i]), flags, &n, err);
	if (!rc)
		rc = app_settings_open(set, pf->config, false, err);
	if (!rc)
		rc = app_settings_build(set, flags, n, err);
	if (!rc)
		app_apply_log_level(set->cfg);
	return rc;
}

int app_cmd_status(int argc, char **argv)
{
	static struct pd_status snap;    /* ~50 KiB: off the stack of small boards */
	static struct app_list lists[4]; /* policies, schedules, services, teams */
	static const char *ids[4][PDB_WATCH_IDS_MAX];
	struct app_pd_flags pf = {0};
	bool json = false, help = false;
	const struct app_opt opts[] = {
	    {"json", APP_OPT_FLAG, &json, NULL, "print one JSON object instead of text"},
	    {"escalation-policy", APP_OPT_LIST, &lists[0], "ID", "only this policy (repeatable)"},
	    {"schedule", APP_OPT_LIST, &lists[1], "ID", "only this schedule (repeatable)"},
	    {"service", APP_OPT_LIST, &lists[2], "ID", "incidents of this service (repeatable)"},
	    {"team", APP_OPT_LIST, &lists[3], "ID", "incidents of this team (repeatable)"},
	    APP_PD_OPTS(&pf),
	    {"help", APP_OPT_FLAG, &help, NULL, "this text"},
	};
	const size_t n_opts = PDB_N_OF(opts);
	struct app_settings set = {0};
	struct pd_client *client = NULL;
	struct pd_watch watch = {0};
	struct pd_conf conf;
	struct pdb_err err;
	int status = APP_EXIT_FAIL;

	pdb_err_clear(&err);
	if (app_parse_opts(opts, n_opts, argc, argv, &err) || help)
		return app_usage(stdout, "status", opts, n_opts, help, &err);
	if (pd_global_init()) {
		pdb_err_set(&err, PDB_E_TLS, "cannot initialise the HTTPS client");
		goto out;
	}
	if (settings(&set, &pf, lists, &err) || app_pd_conf_from(set.cfg, &conf, &err))
		goto out;
	watch.escalation_policies = watch_list(set.cfg, CFG_WATCH_ESCALATION_POLICIES, ids[0]);
	watch.schedules = watch_list(set.cfg, CFG_WATCH_SCHEDULES, ids[1]);
	watch.services = watch_list(set.cfg, CFG_WATCH_SERVICES, ids[2]);
	watch.teams = watch_list(set.cfg, CFG_WATCH_TEAMS, ids[3]);
	conf.caller = "status";
	if (pd_client_new(&conf, &client, &err) || take_snapshot(client, &watch, &snap, &err))
		goto out;
	if (json) {
		if (print_json(&snap)) {
			pdb_err_set(&err, PDB_E_NOMEM, "out of memory rendering JSON");
			goto out;
		}
	} else {
		print_text(&snap, pd_client_base_url(client));
	}
	status = APP_EXIT_OK;
out:
	if (status != APP_EXIT_OK)
		fprintf(stderr, "pdbridge status: %s\n", pdb_err_text(&err));
	pd_client_free(client);
	pd_global_cleanup();
	app_settings_free(&set);
	return status;
}
