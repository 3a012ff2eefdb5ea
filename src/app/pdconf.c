/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pdconf.c - where every command's settings come from: a flag wins over the
 * environment, which wins over the flash config, which wins over the
 * built-in default (the layering itself is cfg's; this file picks the store,
 * the device key and the flags, and turns a snapshot into a PagerDuty client
 * configuration).
 *
 * The variable names are the official PagerDuty MCP server's where it has
 * one (PAGERDUTY_USER_API_KEY, PAGERDUTY_API_HOST), then PDBRIDGE_<KEY> for
 * every key (PDBRIDGE_REGION, PDBRIDGE_CA_FILE, ...), so an existing setup
 * works unchanged. The token has no flag on purpose: a flag would put it in
 * the shell history and in /proc/<pid>/cmdline for every user to read.
 *
 * The client settings also carry what makes errors and PagerDuty's logs
 * useful: the node id for the User-Agent (which board called), and, for a
 * missing key, the sentence that says where pdbridge looked for one.
 */
#include <pdbridge/app.h>
#include <pdbridge/log.h>

#include "build_info.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The store this process opened (a flag, the environment's or the board's: all outlive it). */
static const char *opened_store;

const char *app_store_spec(const char *flag)
{
	const char *env = getenv("PDBRIDGE_CONFIG");

	if (flag && *flag)
		return flag;
	return env && *env ? env : PDB_CONFIG_PATH;
}

/* Whether the caller chose the store (--config or PDBRIDGE_CONFIG) rather than the board. */
static bool store_named(const char *flag)
{
	const char *env = getenv("PDBRIDGE_CONFIG");

	return (flag && *flag) || (env && *env);
}

static const char *env_get(const char *name)
{
	return getenv(name);
}

enum pdb_rc app_settings_open(struct app_settings *s, const char *config_flag, bool editing,
                              struct pdb_err *err)
{
	const char *id_file = getenv("PDBRIDGE_DEVICE_ID_FILE");
	struct pdb_err why;
	enum pdb_rc rc;

	memset(s, 0, sizeof(*s));
	cfg_doc_init(&s->doc);
	opened_store = app_store_spec(config_flag);
	rc = cfg_store_open(opened_store, &s->store, err);
	if (!rc)
		rc = cfg_store_load(s->store, &s->doc, err);
	if (rc == PDB_E_CORRUPT && editing) {
		LOG_WARN("config", "%s; starting from an empty config", pdb_err_text(err));
		pdb_err_clear(err);
		rc = PDB_OK;
	}
	/*
	 * The board's store belongs to the service user. Another user's MCP
	 * client or shell, with everything it needs in flags and environment,
	 * must not fail on it; a store the caller named stays an error.
	 */
	if (rc == PDB_E_DENIED && !editing && !store_named(config_flag)) {
		LOG_WARN("config",
		         "%s; skipping the board's config store (flags and environment "
		         "still apply)",
		         pdb_err_text(err));
		cfg_doc_free(&s->doc);
		pdb_err_clear(err);
		rc = PDB_OK;
	}
	if (rc)
		return rc;
	/* No identity at all is not an error: secrets then stay unsealed or unreadable. */
	pdb_err_clear(&why);
	rc = cfg_seal_init(&s->seal, id_file && *id_file ? id_file : NULL, &why);
	if (rc == PDB_E_NOTFOUND)
		return PDB_OK;
	return rc ? pdb_err_set(err, rc, "%s", pdb_err_text(&why)) : PDB_OK;
}

enum pdb_rc app_settings_build(struct app_settings *s, const struct cfg_flag *flags, size_t n,
                               struct pdb_err *err)
{
	struct cfg_sources src = {.flash = &s->doc,
	                          .getenv = env_get,
	                          .flags = flags,
	                          .n_flags = n,
	                          .seal = s->seal.ok ? &s->seal : NULL};
	struct cfg *next = NULL;
	const char *v;
	enum pdb_rc rc;
	size_t k;

	/* Build and check the new snapshot first; the old one stays until it is good. */
	rc = cfg_build(&src, &next, err);
	for (k = 0; !rc && k < CFG_KEYS; k++) {
		if (!(cfg_field((enum cfg_key)k)->flags & CFG_SECRET))
			continue;
		v = cfg_str(next, (enum cfg_key)k);
		if (v && *v && log_add_secret(v))
			rc = pdb_err_set(err, PDB_E_TOO_LARGE,
			                 "too many secrets to redact from the log");
	}
	if (rc) {
		cfg_free(next);
		return rc;
	}
	cfg_free(s->cfg);
	s->cfg = next;
	return PDB_OK;
}

void app_settings_free(struct app_settings *s)
{
	cfg_free(s->cfg);
	cfg_doc_free(&s->doc);
	cfg_store_close(s->store);
	cfg_seal_wipe(&s->seal);
	memset(s, 0, sizeof(*s));
}

void app_pd_flags_to_cfg(const struct app_pd_flags *f, struct cfg_flag *out, size_t *n)
{
	const struct cfg_flag rows[] = {
	    {CFG_REGION, f->region, "--region"},
	    {CFG_API_HOST, f->api_host, "--api-host"},
	    {CFG_CA_FILE, f->ca_file, "--ca-file"},
	    {CFG_CONNECT_TO, f->connect_to, "--connect-to"},
	    {CFG_FROM_EMAIL, f->from_email, "--from"},
	};
	size_t i;

	for (i = 0; i < PDB_N_OF(rows); i++)
		out[(*n)++] = rows[i];
}

enum pdb_rc app_list_flag(const struct app_list *l, enum cfg_key k, const char *name, char *buf,
                          size_t len, struct cfg_flag *out, size_t *n, struct pdb_err *err)
{
	size_t i, used = 0;
	int w;

	buf[0] = '\0';
	for (i = 0; i < l->n; i++) {
		w = snprintf(buf + used, len - used, "%s%s", i ? "," : "", l->v[i]);
		if (w < 0 || (size_t)w >= len - used)
			return pdb_err_set(err, PDB_E_TOO_LARGE, "%s: too many values", name);
		used += (size_t)w;
	}
	if (l->n)
		out[(*n)++] = (struct cfg_flag){k, buf, name};
	return PDB_OK;
}

void app_apply_log_level(const struct cfg *c)
{
	enum log_level lvl;

	if (!log_parse_level(cfg_str(c, CFG_LOG_LEVEL), &lvl))
		log_set_level(lvl);
}

/* "" means unset; pd_conf says that with NULL. */
static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

/* The host name as a topic level: [A-Za-z0-9_-] only, "pdbridge" when there is none. */
static void host_node(char *out, size_t len)
{
	char host[256] = "";
	size_t i, n = 0;

	if (gethostname(host, sizeof(host) - 1))
		host[0] = '\0';
	for (i = 0; host[i] && host[i] != '.' && n + 1 < len; i++) {
		char ch = host[i];
		bool word = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		            (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
		out[n++] = word ? ch : '-';
	}
	out[n] = '\0';
	if (!n)
		snprintf(out, len, "pdbridge");
}

const char *app_node_id(const struct cfg *c)
{
	static char host[PDB_CFG_WORD_MAX + 1]; /* written once, then only read */
	const char *node = cfg_str(c, CFG_MQTT_NODE_ID);

	if (*node)
		return node;
	if (!host[0])
		host_node(host, sizeof(host));
	return host;
}

/* Where a missing key was looked for, after the official "An API key is required ...". */
static const char *no_key_hint(void)
{
	static char hint[PDB_ERRMSG_MAX / 2]; /* written once, then only read */

	if (!hint[0])
		snprintf(
		    hint, sizeof(hint),
		    "pdbridge looked in PAGERDUTY_USER_API_KEY and PDBRIDGE_TOKEN (there is no "
		    "flag, on purpose) and in the config store %s: set it with `pdbridge config "
		    "set token -`.",
		    opened_store ? opened_store : app_store_spec(NULL));
	return hint;
}

enum pdb_rc app_pd_conf_from(const struct cfg *c, struct pd_conf *conf, struct pdb_err *err)
{
	const char *token;
	struct pdb_err why;
	enum pdb_rc rc;

	pd_conf_init(conf);
	pdb_err_clear(&why);
	rc = cfg_secret(c, CFG_TOKEN, &token, &why);
	if (rc == PDB_E_AUTH) /* the store's key cannot be opened on this board */
		return pdb_err_set(err, rc,
		                   "%s (config store %s): set the key again on this board with "
		                   "`pdbridge config set token -`, or give it in "
		                   "PAGERDUTY_USER_API_KEY",
		                   pdb_err_text(&why),
		                   opened_store ? opened_store : app_store_spec(NULL));
	if (rc)
		return pdb_err_set(err, rc, "%s", pdb_err_text(&why));
	conf->region = strcmp(cfg_str(c, CFG_REGION), "eu") ? PD_REGION_US : PD_REGION_EU;
	conf->api_host = nonempty(cfg_str(c, CFG_API_HOST));
	conf->token = nonempty(token);
	conf->from_email = nonempty(cfg_str(c, CFG_FROM_EMAIL));
	conf->ca_file = nonempty(cfg_str(c, CFG_CA_FILE));
	conf->connect_to = nonempty(cfg_str(c, CFG_CONNECT_TO));
	conf->node_id = app_node_id(c);
	conf->no_key_hint = no_key_hint();
	return PDB_OK;
}

enum pdb_rc app_settings_once(const struct app_pd_flags *f, const struct cfg_flag *extra,
                              size_t n_extra, const struct cfg **out, struct pdb_err *err)
{
	/*
	 * The one snapshot that outlives its caller: a server's clients borrow
	 * its strings until the process exits. Built once per process.
	 */
	static struct app_settings kept;
	struct cfg_flag flags[CFG_KEYS];
	size_t n = 0, i;
	enum pdb_rc rc;

	app_settings_free(&kept);
	app_pd_flags_to_cfg(f, flags, &n);
	for (i = 0; i < n_extra && n < CFG_KEYS; i++)
		flags[n++] = extra[i];
	rc = app_settings_open(&kept, f->config, false, err);
	if (!rc)
		rc = app_settings_build(&kept, flags, n, err);
	*out = rc ? NULL : kept.cfg;
	return rc;
}
