/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pdconf.c - PagerDuty client settings for the subcommands: a flag wins over
 * the environment, which wins over the default.
 *
 * The variable names are the official PagerDuty MCP server's where it has
 * one (PAGERDUTY_USER_API_KEY, PAGERDUTY_API_HOST), so an existing setup
 * works unchanged. The token has no flag on purpose: a flag would put it in
 * the shell history and in /proc/<pid>/cmdline for every user to read.
 */
#include <pdbridge/app.h>

#include <stdlib.h>
#include <string.h>

/* One setting: the flag value, then the first environment variable set. */
struct setting {
	const char *const *flag;
	const char *env[2];
	const char **dst;
};

static const char *pick(const char *flag, const char *const env[2])
{
	const char *v;
	size_t i;

	if (flag && *flag)
		return flag;
	for (i = 0; i < 2 && env[i]; i++) {
		v = getenv(env[i]);
		if (v && *v)
			return v;
	}
	return NULL;
}

enum pdb_rc app_pd_conf(const struct app_pd_flags *f, struct pd_conf *conf, struct pdb_err *err)
{
	const char *region = NULL;
	const struct setting table[] = {
	    {&f->region, {"PDBRIDGE_REGION", NULL}, &region},
	    {&f->api_host, {"PAGERDUTY_API_HOST", "PDBRIDGE_API_HOST"}, &conf->api_host},
	    {&f->ca_file, {"PDBRIDGE_CA_FILE", NULL}, &conf->ca_file},
	    {&f->connect_to, {"PDBRIDGE_CONNECT_TO", NULL}, &conf->connect_to},
	    {&f->from_email, {"PDBRIDGE_FROM_EMAIL", NULL}, &conf->from_email},
	    {NULL, {"PAGERDUTY_USER_API_KEY", "PDBRIDGE_TOKEN"}, &conf->token},
	};
	size_t i;

	pd_conf_init(conf);
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		*table[i].dst = pick(table[i].flag ? *table[i].flag : NULL, table[i].env);
	if (!region || !strcmp(region, "us"))
		conf->region = PD_REGION_US;
	else if (!strcmp(region, "eu"))
		conf->region = PD_REGION_EU;
	else
		return pdb_err_set(err, PDB_E_INVAL, "region must be 'us' or 'eu', not '%s'",
		                   region);
	return PDB_OK;
}
