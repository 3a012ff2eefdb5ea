/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd_usage.c - `pdbridge usage`: is anyone else using this key?
 *
 * PagerDuty's setup guide asks users to monitor their token's usage to
 * detect unauthorized access; this command does the looking:
 *
 *   1. GET /users/me: whose key this is (an account-level key has no user).
 *   2. GET /audit/records for that user, method_type=api_token, over the
 *      last --days days (PagerDuty allows 31): the changes made with any of
 *      the user's API tokens, summarised by method and truncated token (the
 *      last four characters PagerDuty keeps). The token that is this key is
 *      marked; changes made with the user's other tokens stand out.
 *   3. The ratelimit-* headers of those answers: how much of the key's
 *      minute budget is left for every user of the key together.
 *
 * The audit trail needs an Admin or Account Owner on a plan with the Audit
 * Trail feature: a 403 or 402 there is one plain sentence and exit status 0,
 * since the rest of the answer stands. The running daemon's own counts are
 * on its MQTT stats topic and the pagerduty://usage resource; this command
 * counts only its own requests.
 */
#include <pdbridge/app.h>
#include <pdbridge/clock.h>
#include <pdbridge/jsonx.h>
#include <pdbridge/pd.h>

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_NOTE                                                                             \
	"PagerDuty's audit trail is not open to this key: it needs an Admin or Account Owner " \
	"on a plan with the Audit Trail feature."
#define ACCOUNT_KEY_NOTE                                                                        \
	"This is an account-level key: it has no user, so its changes cannot be picked out of " \
	"the audit trail by user."
#define DAYS_DEFAULT 7
#define DAYS_MAX     31 /* PagerDuty: until may be at most 31 days after since */

/* The actions the audit trail names, counted per token; the last is the rest. */
static const char *const actions[] = {"create", "update", "delete", "other"};
#define N_ACTIONS (PDB_N_OF(actions))

/* One method and truncated token, and what was done with it. */
struct audit_key {
	char method[24];
	char token[16]; /* "" for methods without one */
	unsigned long n, by_action[N_ACTIONS];
	int64_t first_ms, last_ms;
};

struct audit {
	struct audit_key keys[PDB_USAGE_AUDIT_KEYS_MAX];
	size_t n_keys;
	unsigned long records, unkept; /* unkept: records of keys past the table */
	bool truncated;                /* more than PDB_USAGE_AUDIT_MAX records */
	int64_t since_ms;              /* until is PagerDuty's now: a board's clock may lag */
	const char *note; /* set when the trail could not be read: why, in one sentence */
};

struct me {
	char id[PDB_PD_ID_MAX], name[PDB_PD_NAME_MAX], email[PDB_PD_NAME_MAX];
	bool known;
};

/* The string member @key of @o, or @def when it is absent, null or not a string. */
static const char *str_or(const cJSON *o, const char *key, const char *def)
{
	const char *v;

	return o && !jsonx_get_str(o, key, &v) ? v : def;
}

/* The number member @key of @o, or -1 when it is absent or null. */
static long long num_or_none(const cJSON *o, const char *key)
{
	const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;

	return cJSON_IsNumber(v) ? (long long)v->valuedouble : -1;
}

/* GET /users/me; an account-level key (PagerDuty answers 400) leaves me->known false. */
static enum pdb_rc fetch_me(struct pd_client *c, struct me *me, struct pdb_err *err)
{
	struct pd_response resp;
	const cJSON *user;
	enum pdb_rc rc = pd_call(c, PD_GET, "/users/me", NULL, NULL, 0, &resp, err);

	if (rc == PDB_E_HTTP && resp.status == 400) {
		pdb_err_clear(err);
		return PDB_OK;
	}
	if (rc)
		return rc;
	if (jsonx_get_obj(resp.json, "user", &user) ||
	    jsonx_copy_str(user, "id", me->id, sizeof(me->id)))
		rc = pdb_err_set(err, PDB_E_PARSE, "GET /users/me: PagerDuty sent no user.id");
	else
		me->known = true;
	if (!rc) { /* shown only: a missing name or e-mail is no error */
		snprintf(me->name, sizeof(me->name), "%s", str_or(user, "name", ""));
		snprintf(me->email, sizeof(me->email), "%s", str_or(user, "email", ""));
	}
	pd_response_free(&resp);
	return rc;
}

static size_t action_of(const char *a)
{
	size_t i;

	for (i = 0; i + 1 < N_ACTIONS; i++)
		if (!strcmp(a, actions[i]))
			return i;
	return N_ACTIONS - 1;
}

/* Count one audit record into its method and token's row. */
static void take_record(struct audit *a, const cJSON *rec)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(rec, "method");
	const char *method = str_or(m, "type", "other"), *token = str_or(m, "truncated_token", "");
	struct audit_key *k = NULL;
	int64_t t = 0;
	size_t i;

	if (clk_parse_iso(str_or(rec, "execution_time", ""), &t))
		t = 0;
	a->records++;
	for (i = 0; i < a->n_keys && !k; i++)
		if (!strcmp(a->keys[i].method, method) && !strcmp(a->keys[i].token, token))
			k = &a->keys[i];
	if (!k && a->n_keys == PDB_USAGE_AUDIT_KEYS_MAX) {
		a->unkept++;
		return;
	}
	if (!k) {
		k = &a->keys[a->n_keys++];
		snprintf(k->method, sizeof(k->method), "%s", method);
		snprintf(k->token, sizeof(k->token), "%s", token);
	}
	k->n++;
	k->by_action[action_of(str_or(rec, "action", ""))]++;
	if (t && (!k->first_ms || t < k->first_ms))
		k->first_ms = t;
	if (t > k->last_ms)
		k->last_ms = t;
}

/* The query of one page: the user's API-token changes over the window, from @cursor. */
static enum pdb_rc audit_query(const struct me *me, const struct audit *a, const char *cursor,
                               struct pd_query *q)
{
	char since[CLK_ISO_LEN];
	enum pdb_rc rc;

	clk_format_iso(a->since_ms, since);
	rc = pd_query_add(q, "actor_type", "user_reference");
	if (!rc)
		rc = pd_query_add(q, "actor_id", me->id);
	if (!rc)
		rc = pd_query_add(q, "method_type", "api_token");
	if (!rc)
		rc = pd_query_add(q, "since", since);
	if (!rc)
		rc = pd_query_add(q, "limit", "100");
	if (!rc && cursor)
		rc = pd_query_add(q, "cursor", cursor);
	return rc;
}

/*
 * Read the audit trail page by page (cursor pagination) into @a, at most
 * PDB_USAGE_AUDIT_MAX records. A refusal (403, 402) sets a->note, not an error.
 */
static enum pdb_rc read_audit(struct pd_client *c, const struct me *me, struct audit *a,
                              struct pdb_err *err)
{
	char cursor[256] = "";
	const cJSON *recs, *rec;
	const char *next;
	struct pd_response resp;
	struct pd_query q;
	enum pdb_rc rc;

	do {
		pd_query_init(&q);
		rc = audit_query(me, a, cursor[0] ? cursor : NULL, &q);
		if (rc)
			rc = pdb_err_set(err, rc, "audit query too long");
		else
			rc = pd_call(c, PD_GET, "/audit/records", &q, NULL, 0, &resp, err);
		pd_query_free(&q);
		if (rc == PDB_E_DENIED || (rc == PDB_E_HTTP && resp.status == 402)) {
			pdb_err_clear(err);
			a->note = AUDIT_NOTE;
			return PDB_OK;
		}
		if (rc)
			return rc;
		cursor[0] = '\0';
		if (jsonx_get_arr(resp.json, "records", &recs)) {
			pd_response_free(&resp);
			return pdb_err_set(err, PDB_E_PARSE, "GET /audit/records: no records list");
		}
		cJSON_ArrayForEach(rec, recs)
		{
			if (a->records == PDB_USAGE_AUDIT_MAX) {
				a->truncated = true;
				break;
			}
			take_record(a, rec);
		}
		if (!a->truncated && !jsonx_get_str(resp.json, "next_cursor", &next) && *next)
			snprintf(cursor, sizeof(cursor), "%s", next);
		pd_response_free(&resp);
	} while (cursor[0]);
	return PDB_OK;
}

/* The last four characters of the key, as PagerDuty's audit trail shows them. */
static void key_tail(const char *token, char out[16])
{
	size_t n = token ? strlen(token) : 0;

	snprintf(out, 16, "%s", n >= 4 ? token + n - 4 : "");
}

/* --- output --------------------------------------------------------------------------- */

static bool add_key(cJSON *arr, const struct audit_key *k, const char *mine)
{
	cJSON *o = cJSON_CreateObject(), *by;
	size_t i;

	if (!o || !cJSON_AddItemToArray(arr, o)) { /* takes o */
		cJSON_Delete(o);
		return false;
	}
	by = cJSON_AddObjectToObject(o, "actions");
	for (i = 0; by && i < N_ACTIONS; i++)
		if (k->by_action[i] &&
		    !cJSON_AddNumberToObject(by, actions[i], (double)k->by_action[i]))
			return false;
	return by && cJSON_AddStringToObject(o, "method", k->method) &&
	       (k->token[0] ? cJSON_AddStringToObject(o, "truncated_token", k->token) != NULL
	                    : cJSON_AddNullToObject(o, "truncated_token") != NULL) &&
	       cJSON_AddBoolToObject(o, "this_key", k->token[0] && !strcmp(k->token, mine)) &&
	       cJSON_AddNumberToObject(o, "changes", (double)k->n) &&
	       jsonx_add_time(o, "first", k->first_ms) && jsonx_add_time(o, "last", k->last_ms);
}

static cJSON *audit_json(const struct audit *a, const char *mine)
{
	cJSON *o = cJSON_CreateObject(), *arr = NULL;
	size_t i;
	bool ok = o && jsonx_add_time(o, "since", a->since_ms) &&
	          cJSON_AddNumberToObject(o, "records", (double)a->records) &&
	          cJSON_AddBoolToObject(o, "truncated", a->truncated) &&
	          (arr = cJSON_AddArrayToObject(o, "tokens"));

	for (i = 0; ok && i < a->n_keys; i++)
		ok = add_key(arr, &a->keys[i], mine);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static enum pdb_rc print_json(const struct pd_client *c, const struct me *me, const struct audit *a,
                              const char *mine)
{
	cJSON *root = cJSON_CreateObject(), *user = NULL;
	struct buf out;
	enum pdb_rc rc = PDB_E_NOMEM;
	const char *note = me->known ? a->note : ACCOUNT_KEY_NOTE;
	bool ok = root && cJSON_AddStringToObject(root, "api", pd_client_base_url(c));

	if (ok && me->known)
		ok = (user = cJSON_AddObjectToObject(root, "user")) &&
		     cJSON_AddStringToObject(user, "id", me->id) &&
		     cJSON_AddStringToObject(user, "name", me->name) &&
		     cJSON_AddStringToObject(user, "email", me->email);
	else if (ok)
		ok = cJSON_AddNullToObject(root, "user") != NULL;
	if (ok)
		ok = cJSON_AddItemToObject(root, "usage", pd_usage_json(clk_now_ms()));
	if (ok)
		ok = me->known && !a->note
		         ? cJSON_AddItemToObject(root, "audit", audit_json(a, mine))
		         : cJSON_AddNullToObject(root, "audit") != NULL;
	if (ok)
		ok = note ? cJSON_AddStringToObject(root, "audit_note", note) != NULL
		          : cJSON_AddNullToObject(root, "audit_note") != NULL;
	buf_init(&out, PDB_MAX_JSON_TEXT);
	if (ok)
		rc = jsonx_print(root, &out);
	if (!rc)
		printf("%s\n", buf_cstr(&out));
	buf_free(&out);
	cJSON_Delete(root);
	return rc;
}

/* "3 update, 1 create" */
static void actions_text(const struct audit_key *k, char *out, size_t len)
{
	size_t i, used = 0;
	int w;

	out[0] = '\0';
	for (i = 0; i < N_ACTIONS; i++) {
		if (!k->by_action[i])
			continue;
		w = snprintf(out + used, len - used, "%s%lu %s", used ? ", " : "", k->by_action[i],
		             actions[i]);
		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
	}
}

static void print_ratelimit(void)
{
	cJSON *u = pd_usage_json(clk_now_ms());
	const cJSON *rl = u ? cJSON_GetObjectItemCaseSensitive(u, "ratelimit") : NULL;
	long long limit = num_or_none(rl, "limit"), left = num_or_none(rl, "remaining");

	if (limit >= 0 && left >= 0)
		printf(
		    "Rate limit: %lld of %lld requests left for this key until the window resets "
		    "in %lld s (PagerDuty's count, for everyone using the key).\n",
		    left, limit,
		    num_or_none(rl, "reset_seconds") < 0 ? 0 : num_or_none(rl, "reset_seconds"));
	else
		printf("Rate limit: PagerDuty sent no ratelimit headers.\n");
	printf("This command made %lld requests.\n", num_or_none(u, "requests"));
	jsonx_free(u);
}

static void print_text(const struct pd_client *c, const struct me *me, const struct audit *a,
                       const char *mine, int days)
{
	char first[CLK_ISO_LEN], last[CLK_ISO_LEN], acts[96], tok[24];
	unsigned long others = 0;
	size_t i;

	if (me->known)
		printf("PagerDuty API key of %s <%s> (%s) at %s\n\n", me->name, me->email, me->id,
		       pd_client_base_url(c));
	else
		printf("PagerDuty account-level API key at %s\n\n", pd_client_base_url(c));
	print_ratelimit();
	putchar('\n');
	if (!me->known || a->note) {
		printf("%s\n", me->known ? a->note : ACCOUNT_KEY_NOTE);
		return;
	}
	printf("Changes made with %s's API tokens in the last %d days (PagerDuty's audit trail):\n",
	       me->name[0] ? me->name : me->id, days);
	if (!a->n_keys)
		printf("  none\n");
	for (i = 0; i < a->n_keys; i++) {
		const struct audit_key *k = &a->keys[i];
		bool this_key = k->token[0] && !strcmp(k->token, mine);

		clk_format_iso(k->first_ms, first);
		clk_format_iso(k->last_ms, last);
		actions_text(k, acts, sizeof(acts));
		snprintf(tok, sizeof(tok), k->token[0] ? "...%s" : "-", k->token);
		printf("  %-10s %-8s %5lu change%s (%s)  %s .. %s  %s\n", k->method, tok, k->n,
		       k->n == 1 ? "" : "s", acts, first, last,
		       this_key ? "this key" : "ANOTHER TOKEN");
		others += !this_key;
	}
	if (a->unkept)
		printf("  (%lu more records of tokens not listed)\n", a->unkept);
	if (a->truncated)
		printf("  (the first %d records only: ask for fewer --days)\n",
		       PDB_USAGE_AUDIT_MAX);
	if (others || a->unkept)
		printf(
		    "\nChanges were made with API tokens other than this key. If you do not know "
		    "them, revoke them in PagerDuty (My Profile > User Settings).\n");
}

int app_cmd_usage(int argc, char **argv)
{
	static struct audit audit;
	struct app_pd_flags pf = {0};
	const char *days_arg = NULL;
	bool json = false, help = false;
	const struct app_opt opts[] = {
	    {"days", APP_OPT_STRING, &days_arg, "N", "audit trail window, 1-31 days (default 7)"},
	    {"json", APP_OPT_FLAG, &json, NULL, "print one JSON object instead of text"},
	    APP_PD_OPTS(&pf),
	    {"help", APP_OPT_FLAG, &help, NULL, "this text"},
	};
	const size_t n_opts = PDB_N_OF(opts);
	struct pd_client *client = NULL;
	const struct cfg *c;
	struct me me = {0};
	struct pd_conf conf;
	struct pdb_err err;
	char mine[16];
	char *end = NULL;
	long days = DAYS_DEFAULT;
	int status = APP_EXIT_FAIL;

	pdb_err_clear(&err);
	if (!app_parse_opts(opts, n_opts, argc, argv, &err) && days_arg) {
		days = strtol(days_arg, &end, 10);
		if (end == days_arg || *end || days < 1 || days > DAYS_MAX)
			pdb_err_set(&err, PDB_E_RANGE, "--days must be 1 to %d", DAYS_MAX);
	}
	if (err.rc || help)
		return app_usage(stdout, "usage", opts, n_opts, help, &err);
	if (pd_global_init()) {
		pdb_err_set(&err, PDB_E_TLS, "cannot initialise the HTTPS client");
		goto out;
	}
	if (app_settings_once(&pf, NULL, 0, &c, &err))
		goto out;
	app_apply_log_level(c);
	if (app_pd_conf_from(c, &conf, &err))
		goto out;
	conf.caller = "usage";
	key_tail(conf.token, mine);
	memset(&audit, 0, sizeof(audit));
	audit.since_ms = clk_wall_ms() - days * 86400000LL;
	if (pd_client_new(&conf, &client, &err) || fetch_me(client, &me, &err) ||
	    (me.known && read_audit(client, &me, &audit, &err)))
		goto out;
	if (json) {
		if (print_json(client, &me, &audit, mine)) {
			pdb_err_set(&err, PDB_E_NOMEM, "out of memory rendering JSON");
			goto out;
		}
	} else {
		print_text(client, &me, &audit, mine, (int)days);
	}
	status = APP_EXIT_OK;
out:
	if (status != APP_EXIT_OK)
		fprintf(stderr, "pdbridge usage: %s\n", pdb_err_text(&err));
	pd_client_free(client);
	pd_global_cleanup();
	return status;
}
