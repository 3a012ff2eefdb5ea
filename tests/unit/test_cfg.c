/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_cfg.c - the config module: the schema table and every value type,
 * the stored document and its payload, migrations (an old-schema record
 * loaded byte for byte), the import parser, the layers (flag > environment >
 * flash > default, for every key), sealing, and the file store.
 */
#include "harness.h"

#include "../../src/cfg/cfg_int.h"

#include <pdbridge/cfg.h>
#include <pdbridge/mem.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- helpers ------------------------------------------------------------------ */

static char tmpdir[64];

static const char *mktmp(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pdb-cfg-XXXXXX");
	return mkdtemp(tmpdir);
}

static void rmtmp(void)
{
	static const char *const names[] = {"cfg.a",     "cfg.b", "cfg.a.tmp",
	                                    "cfg.b.tmp", "id1",   "id2"};
	char p[128];
	size_t i;

	for (i = 0; i < PDB_N_OF(names); i++) {
		snprintf(p, sizeof(p), "%s/%s", tmpdir, names[i]);
		unlink(p);
	}
	rmdir(tmpdir);
}

static void path_in(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", tmpdir, name);
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f) {
		fwrite(p, 1, n, f);
		fclose(f);
	}
	chmod(path, 0600);
}

static size_t read_file(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0;

	if (f) {
		n = fread(out, 1, cap, f);
		fclose(f);
	}
	return n;
}

/* Does @n bytes at @p hold the string @s? */
static bool contains(const char *p, size_t n, const char *s)
{
	size_t len = strlen(s), i;

	for (i = 0; i + len <= n; i++)
		if (!memcmp(p + i, s, len))
			return true;
	return false;
}

/* A fake environment: NAME=value pairs. */
static const char *fake_env[8][2];

static const char *env_get(const char *name)
{
	size_t i;

	for (i = 0; i < 8 && fake_env[i][0]; i++)
		if (!strcmp(fake_env[i][0], name))
			return fake_env[i][1];
	return NULL;
}

static void env_clear(void)
{
	memset(fake_env, 0, sizeof(fake_env));
}

static void env_put(const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < 7 && fake_env[i][0]; i++)
		;
	fake_env[i][0] = name;
	fake_env[i][1] = value;
}

static enum pdb_rc check(enum cfg_key k, const char *text, char *canon, struct pdb_err *err)
{
	pdb_err_clear(err);
	return cfg_check(k, text, canon, err);
}

/* --- the schema table ------------------------------------------------------------ */

static void every_row_is_complete_and_its_default_valid(void)
{
	char canon[PDB_CFG_VALUE_MAX + 1], env[96], env2[96];
	struct pdb_err err;
	enum cfg_key k;
	size_t i, j;

	for (i = 0; i < CFG_KEYS; i++) {
		const struct cfg_field *f = cfg_field((enum cfg_key)i);

		T_CHECK(f->key && f->help && f->def);
		T_CHECK(cfg__key_ok(f->key, strlen(f->key)));
		T_EQ_INT(cfg_key_find(f->key, &k), PDB_OK);
		T_EQ_INT(k, i);
		if (f->def[0]) {
			T_EQ_INT(check((enum cfg_key)i, f->def, canon, &err), PDB_OK);
			T_EQ_STR(canon, f->def); /* defaults are written canonically */
		}
		if (f->flags & CFG_SECRET) {
			T_EQ_INT(f->type, CFG_T_STR);
			T_CHECK(f->max <= PDB_SECRET_MAX); /* the log must be able to redact it */
			T_CHECK(!f->flag);                 /* never on a command line */
		}
		if (f->type == CFG_T_ENUM || f->form == CFG_F_URL)
			T_CHECK(f->choices && f->choices[0]);
		cfg_env_name((enum cfg_key)i, env, sizeof(env));
		for (j = 0; j < i; j++) {
			T_CHECK(strcmp(f->key, cfg_field((enum cfg_key)j)->key));
			cfg_env_name((enum cfg_key)j, env2, sizeof(env2));
			T_CHECK(strcmp(env, env2));
		}
	}
	T_EQ_INT(cfg_key_find("no.such.key", &k), PDB_E_NOTFOUND);
}

static void environment_names_follow_the_rule(void)
{
	static const struct {
		enum cfg_key k;
		const char *env;
	} want[] = {
	    {CFG_REGION, "PDBRIDGE_REGION"},
	    {CFG_TOKEN, "PDBRIDGE_TOKEN"},
	    {CFG_MQTT_URL, "PDBRIDGE_MQTT_URL"},
	    {CFG_CA_FILE, "PDBRIDGE_CA_FILE"},
	    {CFG_FROM_EMAIL, "PDBRIDGE_FROM_EMAIL"},
	    {CFG_CONNECT_TO, "PDBRIDGE_CONNECT_TO"},
	    {CFG_API_HOST, "PDBRIDGE_API_HOST"},
	    {CFG_POLL_INTERVAL, "PDBRIDGE_POLL_INTERVAL"},
	    {CFG_WATCH_ESCALATION_POLICIES, "PDBRIDGE_WATCH_ESCALATION_POLICIES"},
	};
	char env[96];
	size_t i;

	for (i = 0; i < PDB_N_OF(want); i++) {
		cfg_env_name(want[i].k, env, sizeof(env));
		T_EQ_STR(env, want[i].env);
	}
	T_EQ_STR(cfg_field(CFG_TOKEN)->env, "PAGERDUTY_USER_API_KEY");
	T_EQ_STR(cfg_field(CFG_API_HOST)->env, "PAGERDUTY_API_HOST");
}

/* --- each type --------------------------------------------------------------------- */

static void strings_in_each_form(void)
{
	char canon[PDB_CFG_VALUE_MAX + 1], big[PDB_CFG_VALUE_MAX + 2];
	struct pdb_err err;

	T_EQ_INT(check(CFG_API_HOST, "  https://api.example.com  ", canon, &err), PDB_OK);
	T_EQ_STR(canon, "https://api.example.com");
	T_EQ_INT(check(CFG_API_HOST, "http://127.0.0.1:8080", canon, &err), PDB_OK);
	T_EQ_INT(check(CFG_API_HOST, "ftp://x", canon, &err), PDB_E_INVAL);
	T_CHECK(strstr(err.msg, "https|http"));
	T_EQ_INT(check(CFG_API_HOST, "https://", canon, &err), PDB_E_INVAL);
	T_EQ_INT(check(CFG_API_HOST, "https://a b", canon, &err), PDB_E_INVAL);
	T_EQ_INT(check(CFG_API_HOST, "api.pagerduty.com", canon, &err), PDB_E_INVAL);
	memset(big, 'a', PDB_PD_URL_MAX + 8);
	memcpy(big, "https://", 8);
	big[PDB_PD_URL_MAX + 8] = '\0';
	T_EQ_INT(check(CFG_API_HOST, big, canon, &err), PDB_E_TOO_LARGE);
	T_EQ_INT(check(CFG_FROM_EMAIL, "ops@example.com", canon, &err), PDB_OK);
	T_EQ_INT(check(CFG_FROM_EMAIL, "ops", canon, &err), PDB_E_INVAL);
	T_EQ_INT(check(CFG_FROM_EMAIL, "a@b@c", canon, &err), PDB_E_INVAL);
	T_EQ_INT(check(CFG_FROM_EMAIL, "@example.com", canon, &err), PDB_E_INVAL);
	T_EQ_INT(check(CFG_MQTT_BASE_TOPIC, "home/pagerduty", canon, &err), PDB_OK);
	T_EQ_INT(check(CFG_MQTT_BASE_TOPIC, "home/+/x", canon, &err), PDB_E_INVAL);
	T_EQ_INT(check(CFG_MQTT_BASE_TOPIC, "home/#", canon, &err), PDB_E_INVAL);
	T_EQ_INT(check(CFG_MQTT_BASE_TOPIC, "/home", canon, &err), PDB_E_INVAL);
	T_EQ_INT(check(CFG_MQTT_BASE_TOPIC, "home//x", canon, &err), PDB_E_INVAL);
	T_EQ_INT(check(CFG_MQTT_BASE_TOPIC, "$SYS", canon, &err), PDB_E_INVAL);
	T_EQ_INT(check(CFG_MQTT_NODE_ID, "desk-pi_2", canon, &err), PDB_OK);
	T_EQ_INT(check(CFG_MQTT_NODE_ID, "desk pi", canon, &err), PDB_E_INVAL);
	T_EQ_INT(check(CFG_MQTT_NODE_ID, "desk/pi", canon, &err), PDB_E_INVAL);
	T_EQ_INT(check(CFG_MQTT_URL, "mqtts://broker.lan:8883", canon, &err), PDB_OK);
	T_EQ_INT(check(CFG_MQTT_URL, "https://broker.lan", canon, &err), PDB_E_INVAL);
	T_EQ_INT(check(CFG_CA_FILE, "/etc/ssl/certs/ca-certificates.crt", canon, &err), PDB_OK);
	T_EQ_INT(check(CFG_CA_FILE, "a\tb", canon, &err), PDB_E_INVAL); /* a control character */
	T_EQ_INT(check(CFG_CA_FILE, "   ", canon, &err), PDB_E_INVAL);
	T_CHECK(strstr(err.msg, "unset"));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	T_EQ_INT(check(CFG_CA_FILE, big, canon, &err), PDB_E_TOO_LARGE);
}

static void integers(void)
{
	char canon[PDB_CFG_VALUE_MAX + 1];
	struct pdb_err err;

	T_EQ_INT(check(CFG_POLL_INTERVAL, "30", canon, &err), PDB_OK);
	T_EQ_STR(canon, "30");
	T_EQ_INT(check(CFG_POLL_INTERVAL, " 45 ", canon, &err), PDB_OK);
	T_EQ_STR(canon, "45");
	T_EQ_INT(check(CFG_POLL_INTERVAL, "5", canon, &err), PDB_OK);
	T_EQ_INT(check(CFG_POLL_INTERVAL, "3600", canon, &err), PDB_OK);
	T_EQ_INT(check(CFG_POLL_INTERVAL, "4", canon, &err), PDB_E_RANGE);
	T_EQ_STR(err.msg, "poll.interval must be between 5 and 3600, not 4");
	T_EQ_INT(check(CFG_POLL_INTERVAL, "3601", canon, &err), PDB_E_RANGE);
	T_EQ_INT(check(CFG_POLL_INTERVAL, "-30", canon, &err), PDB_E_RANGE);
	T_EQ_INT(check(CFG_POLL_INTERVAL, "+30", canon, &err), PDB_E_TYPE);
	T_EQ_INT(check(CFG_POLL_INTERVAL, "30s", canon, &err), PDB_E_TYPE);
	T_EQ_INT(check(CFG_POLL_INTERVAL, "thirty", canon, &err), PDB_E_TYPE);
	T_EQ_INT(check(CFG_POLL_INTERVAL, "99999999999999999999", canon, &err), PDB_E_TYPE);
	T_EQ_INT(check(CFG_POLL_INTERVAL, "", canon, &err), PDB_E_INVAL);
}

static void booleans(void)
{
	static const char *const yes[] = {"true", "yes", "on", "1", " true "};
	static const char *const no[] = {"false", "no", "off", "0"};
	char canon[PDB_CFG_VALUE_MAX + 1];
	struct pdb_err err;
	size_t i;

	for (i = 0; i < PDB_N_OF(yes); i++) {
		T_EQ_INT(check(CFG_WRITE_TOOLS, yes[i], canon, &err), PDB_OK);
		T_EQ_STR(canon, "true");
	}
	for (i = 0; i < PDB_N_OF(no); i++) {
		T_EQ_INT(check(CFG_MQTT_HA_DISCOVERY, no[i], canon, &err), PDB_OK);
		T_EQ_STR(canon, "false");
	}
	T_EQ_INT(check(CFG_WRITE_TOOLS, "maybe", canon, &err), PDB_E_TYPE);
	T_EQ_STR(err.msg, "write_tools must be true or false, not 'maybe'");
	T_EQ_INT(check(CFG_WRITE_TOOLS, "2", canon, &err), PDB_E_TYPE);
}

static void enums(void)
{
	char canon[PDB_CFG_VALUE_MAX + 1];
	struct pdb_err err;

	T_EQ_INT(check(CFG_REGION, "eu", canon, &err), PDB_OK);
	T_EQ_STR(canon, "eu");
	T_EQ_INT(check(CFG_REGION, "us", canon, &err), PDB_OK);
	T_EQ_INT(check(CFG_REGION, "EU", canon, &err), PDB_E_INVAL);
	T_EQ_INT(check(CFG_REGION, "mars", canon, &err), PDB_E_INVAL);
	T_EQ_STR(err.msg, "region must be one of us|eu, not 'mars'");
	T_EQ_INT(check(CFG_REGION, "u", canon, &err), PDB_E_INVAL);
	T_EQ_INT(check(CFG_LOG_LEVEL, "debug", canon, &err), PDB_OK);
	T_EQ_INT(check(CFG_LOG_LEVEL, "trace", canon, &err), PDB_E_INVAL);
}

static void lists(void)
{
	char canon[PDB_CFG_VALUE_MAX + 1], many[PDB_CFG_VALUE_MAX];
	struct pdb_err err;
	size_t i, n = 0;

	T_EQ_INT(check(CFG_WATCH_SCHEDULES, " PABC123 ,PDEF456,  P1 ", canon, &err), PDB_OK);
	T_EQ_STR(canon, "PABC123,PDEF456,P1");
	T_EQ_INT(check(CFG_WATCH_SCHEDULES, "PABC123", canon, &err), PDB_OK);
	T_EQ_INT(check(CFG_WATCH_SCHEDULES, "PA,,PB", canon, &err), PDB_E_INVAL);
	T_EQ_INT(check(CFG_WATCH_SCHEDULES, "PA,", canon, &err), PDB_E_INVAL);
	T_EQ_INT(check(CFG_WATCH_SCHEDULES, "PA,PB,PA", canon, &err), PDB_E_INVAL);
	T_CHECK(strstr(err.msg, "twice"));
	T_EQ_INT(check(CFG_WATCH_TEAMS, "P A", canon, &err), PDB_E_INVAL);
	for (i = 0; i <= PDB_WATCH_IDS_MAX; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "%sP%zu", i ? "," : "", i);
	T_EQ_INT(check(CFG_WATCH_SERVICES, many, canon, &err), PDB_E_TOO_LARGE);
	T_EQ_INT(check(CFG_TOOLS_ALLOW, many, canon, &err), PDB_OK); /* a longer list */
	/* Tool lists take the globs of --tools / --exclude-tools; ID lists do not. */
	T_EQ_INT(check(CFG_TOOLS_ALLOW, "list_*, get_user_data", canon, &err), PDB_OK);
	T_EQ_STR(canon, "list_*,get_user_data");
	T_EQ_INT(check(CFG_TOOLS_DENY, "*_incident?", canon, &err), PDB_E_INVAL);
	T_EQ_STR(err.msg,
	         "tools.deny may hold only letters, digits, '_', '-' and '*', not '*_incident?'");
	T_EQ_INT(check(CFG_WATCH_TEAMS, "P*", canon, &err), PDB_E_INVAL);
	T_EQ_INT(
	    check(CFG_MCP_LISTEN, "tcp://127.0.0.1:7000, http://127.0.0.1:8000/mcp", canon, &err),
	    PDB_OK);
	T_EQ_STR(canon, "tcp://127.0.0.1:7000,http://127.0.0.1:8000/mcp");
	T_EQ_INT(check(CFG_MCP_LISTEN, "udp://127.0.0.1:1", canon, &err), PDB_E_INVAL);
	T_EQ_INT(
	    check(CFG_MCP_LISTEN, "tcp://a:1,tcp://b:1,tcp://c:1,tcp://d:1,tcp://e:1", canon, &err),
	    PDB_E_TOO_LARGE);
}

static void secrets_never_reach_an_error_text(void)
{
	char canon[PDB_CFG_VALUE_MAX + 1], big[PDB_SECRET_MAX + 40];
	static const enum cfg_key keys[] = {CFG_TOKEN, CFG_MQTT_PASSWORD, CFG_MCP_AUTH_TOKEN};
	struct pdb_err err;
	size_t i;

	memset(big, 'S', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "SECRET", 6);
	for (i = 0; i < 3; i++) {
		T_EQ_INT(check(keys[i], big, canon, &err), PDB_E_TOO_LARGE);
		T_CHECK(!strstr(err.msg, "SECRET"));
		T_EQ_INT(check(keys[i], "SECRET\x01x", canon, &err), PDB_E_INVAL);
		T_CHECK(!strstr(err.msg, "SECRET"));
		T_EQ_INT(check(keys[i], "u+abc/DEF=", canon, &err), PDB_OK);
	}
}

/* --- the stored document ---------------------------------------------------------- */

static void set_and_unset_report_changes(void)
{
	struct cfg_doc d;
	struct pdb_err err;
	bool ch;

	cfg_doc_init(&d);
	T_EQ_INT(cfg_doc_set(&d, CFG_REGION, "eu", NULL, &ch, &err), PDB_OK);
	T_CHECK(ch);
	T_CHECK(!d.secret_changed);
	T_EQ_INT(cfg_doc_set(&d, CFG_REGION, " eu ", NULL, &ch, &err), PDB_OK);
	T_CHECK(!ch); /* the same value, spelled differently */
	T_EQ_INT(cfg_doc_set(&d, CFG_REGION, "mars", NULL, &ch, &err), PDB_E_INVAL);
	T_EQ_STR(cfg_doc_find(&d, "region")->value, "eu");
	T_EQ_INT(cfg_doc_set(&d, CFG_WRITE_TOOLS, "yes", NULL, &ch, &err), PDB_OK);
	T_EQ_STR(cfg_doc_find(&d, "write_tools")->value, "true");
	T_EQ_INT(cfg_doc_set(&d, CFG_TOKEN, "tok", NULL, &ch, &err), PDB_OK);
	T_CHECK(ch && d.secret_changed);
	cfg_doc_unset(&d, CFG_REGION, &ch);
	T_CHECK(ch);
	T_CHECK(!cfg_doc_find(&d, "region"));
	cfg_doc_unset(&d, CFG_REGION, &ch);
	T_CHECK(!ch);
	T_EQ_INT(d.n, 2);
	cfg_doc_free(&d);
}

static void payload_round_trip_keeps_unknown_keys(void)
{
	static const char raw[] = "zz.future=1\0region=eu\0poll.interval=60\0";
	struct cfg_doc d, back;
	struct buf p;
	struct pdb_err err;

	T_EQ_INT(cfg__payload_decode((const uint8_t *)raw, sizeof(raw) - 1, CFG_SCHEMA, &d, &err),
	         PDB_OK);
	T_EQ_INT(d.n, 3);
	buf_init(&p, PDB_CFG_PAYLOAD_MAX);
	T_EQ_INT(cfg__payload_encode(&d, &p), PDB_OK);
	/* schema order first, unknown keys after */
	T_EQ_INT(buf_len(&p), sizeof(raw) - 1);
	T_CHECK(!memcmp(buf_cstr(&p), "region=eu\0poll.interval=60\0zz.future=1\0", buf_len(&p)));
	T_EQ_INT(cfg__payload_decode((const uint8_t *)buf_cstr(&p), buf_len(&p), CFG_SCHEMA, &back,
	                             &err),
	         PDB_OK);
	T_EQ_STR(cfg_doc_find(&back, "zz.future")->value, "1");
	cfg_doc_free(&back);
	cfg_doc_free(&d);
	buf_free(&p);
}

static void payload_decode_refuses_malformed_entries(void)
{
	static const struct {
		const char *p;
		size_t n;
	} bad[] = {
	    {"region=eu", 9},               /* unterminated */
	    {"Region=eu\0", 10},            /* key characters */
	    {"=eu\0", 4},                   /* empty key */
	    {"region\0", 7},                /* no '=' */
	    {"region=eu\0region=us\0", 20}, /* twice */
	    {"region=mars\0", 12},          /* a value the schema refuses */
	    {"region=e\x01u\0", 11},        /* a control character */
	    {"*region=0100\0", 13},         /* a sealed value that is not one */
	    {"*token=zz\0", 10},            /* not hex */
	    {"poll.interval=4\0", 16},      /* out of range */
	};
	struct cfg_doc d;
	struct pdb_err err;
	size_t i;

	for (i = 0; i < PDB_N_OF(bad); i++) {
		T_EQ_INT(
		    cfg__payload_decode((const uint8_t *)bad[i].p, bad[i].n, CFG_SCHEMA, &d, &err),
		    PDB_E_CORRUPT);
		T_EQ_INT(d.n, 0);
	}
	T_EQ_INT(cfg__payload_decode((const uint8_t *)"", 0, CFG_SCHEMA, &d, &err), PDB_OK);
	T_EQ_INT(cfg__payload_decode((const uint8_t *)"", 0, 0, &d, &err), PDB_E_CORRUPT);
}

/*
 * A record written by a schema-1 (pre-release) build, byte for byte: magic,
 * header length 32, schema 1, sequence 7, payload length 95, flags 0,
 * payload CRC, reserved, header CRC; then
 * "pagerduty.region=eu\0pagerduty.token=v1-token\0poll.interval_ms=45000\0"
 * "mqtt.url=mqtt://broker.lan\0" - written out once, never regenerated from
 * the code under test.
 */
static const uint8_t schema1_record[] = {
    0x50, 0x44, 0x43, 0x46, 0x20, 0x00, 0x01, 0x00, 0x07, 0x00, 0x00, 0x00, 0x5f, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x21, 0xd5, 0x58, 0xea, 0x00, 0x00, 0x00, 0x00, 0x14, 0xd4, 0x5e, 0xd3,
    0x70, 0x61, 0x67, 0x65, 0x72, 0x64, 0x75, 0x74, 0x79, 0x2e, 0x72, 0x65, 0x67, 0x69, 0x6f, 0x6e,
    0x3d, 0x65, 0x75, 0x00, 0x70, 0x61, 0x67, 0x65, 0x72, 0x64, 0x75, 0x74, 0x79, 0x2e, 0x74, 0x6f,
    0x6b, 0x65, 0x6e, 0x3d, 0x76, 0x31, 0x2d, 0x74, 0x6f, 0x6b, 0x65, 0x6e, 0x00, 0x70, 0x6f, 0x6c,
    0x6c, 0x2e, 0x69, 0x6e, 0x74, 0x65, 0x72, 0x76, 0x61, 0x6c, 0x5f, 0x6d, 0x73, 0x3d, 0x34, 0x35,
    0x30, 0x30, 0x30, 0x00, 0x6d, 0x71, 0x74, 0x74, 0x2e, 0x75, 0x72, 0x6c, 0x3d, 0x6d, 0x71, 0x74,
    0x74, 0x3a, 0x2f, 0x2f, 0x62, 0x72, 0x6f, 0x6b, 0x65, 0x72, 0x2e, 0x6c, 0x61, 0x6e, 0x00,
};

static void an_old_schema_record_loads_migrated_and_saves_as_new(void)
{
	struct cfg_slot_info slots[2];
	struct cfg_store *s = NULL;
	struct cfg_doc d;
	struct pdb_err err;
	char base[96], a[96];
	bool written;

	T_CHECK(mktmp());
	path_in(base, sizeof(base), "cfg");
	path_in(a, sizeof(a), "cfg.a");
	write_file(a, schema1_record, sizeof(schema1_record));
	T_EQ_INT(cfg_store_open(base, &s, &err), PDB_OK);
	T_EQ_INT(cfg_store_verify(s, slots, &err), PDB_OK);
	T_EQ_INT(slots[0].state, CFG_SLOT_VALID);
	T_EQ_INT(slots[0].schema, 1);
	T_EQ_INT(slots[0].seq, 7);
	cfg_doc_init(&d);
	T_EQ_INT(cfg_store_load(s, &d, &err), PDB_OK);
	T_EQ_INT(d.schema, CFG_SCHEMA);
	T_EQ_STR(cfg_doc_find(&d, "region")->value, "eu");
	T_EQ_STR(cfg_doc_find(&d, "token")->value, "v1-token");
	T_EQ_STR(cfg_doc_find(&d, "poll.interval")->value, "45");
	T_EQ_STR(cfg_doc_find(&d, "mqtt.url")->value, "mqtt://broker.lan");
	T_CHECK(!cfg_doc_find(&d, "pagerduty.region"));
	T_CHECK(!cfg_doc_find(&d, "poll.interval_ms"));
	/* The migrated payload differs from the stored one, so it is written, as schema 2. */
	T_EQ_INT(cfg_store_save(s, &d, &written, &err), PDB_OK);
	T_CHECK(written);
	T_EQ_INT(cfg_store_verify(s, slots, &err), PDB_OK);
	T_CHECK(slots[1].newest && slots[1].schema == CFG_SCHEMA && slots[1].seq == 8);
	T_EQ_INT(slots[0].schema, 1); /* the old record stays as the fallback */
	cfg_doc_free(&d);
	cfg_store_close(s);
	rmtmp();
}

/* poll.interval_ms of schema 1 becomes whole seconds, clamped, whatever the number. */
static void the_interval_migration_survives_any_number(void)
{
	static const struct {
		const char *ms, *want;
	} cases[] = {
	    {"45000", "45"},
	    {"45001", "46"},
	    {"1", "5"},
	    {"0", "5"},
	    {"-5000", "5"},
	    {"7200000", "3600"},
	    {"9223372036854775807", "3600"},   /* the largest long long */
	    {"99999999999999999999999", NULL}, /* out of range: dropped, default applies */
	    {"12abc", NULL},                   /* not a number: dropped */
	};
	char payload[128];
	struct cfg_doc d;
	struct pdb_err err;
	const struct cfg_entry *e;
	size_t i;
	int n;

	for (i = 0; i < PDB_N_OF(cases); i++) {
		n = snprintf(payload, sizeof(payload), "poll.interval_ms=%s", cases[i].ms);
		T_EQ_INT(cfg__payload_decode((const uint8_t *)payload, (size_t)n + 1, 1, &d, &err),
		         PDB_OK);
		e = cfg_doc_find(&d, "poll.interval");
		T_CHECK(!cfg_doc_find(&d, "poll.interval_ms"));
		if (cases[i].want)
			T_EQ_STR(e ? e->value : "(none)", cases[i].want);
		else
			T_CHECK(!e);
		cfg_doc_free(&d);
	}
}

static void a_newer_schema_is_kept_and_never_overwritten(void)
{
	static const char payload[] = "region=eu\0from.the.future=x\0";
	struct cfg_store *s = NULL;
	struct cfg_doc d;
	struct pdb_err err;
	struct buf rec;
	char base[96], a[96];
	bool written;

	T_CHECK(mktmp());
	path_in(base, sizeof(base), "cfg");
	path_in(a, sizeof(a), "cfg.a");
	buf_init(&rec, PDB_CFG_RECORD_MAX);
	T_EQ_INT(cfg__rec_encode(CFG_SCHEMA + 1, 3, payload, sizeof(payload) - 1, &rec), PDB_OK);
	write_file(a, buf_cstr(&rec), buf_len(&rec));
	buf_free(&rec);
	T_EQ_INT(cfg_store_open(base, &s, &err), PDB_OK);
	cfg_doc_init(&d);
	T_EQ_INT(cfg_store_load(s, &d, &err), PDB_OK);
	T_EQ_INT(d.schema, CFG_SCHEMA + 1);
	T_EQ_STR(cfg_doc_find(&d, "from.the.future")->value, "x");
	T_EQ_INT(cfg_store_save(s, &d, &written, &err), PDB_E_UNSUPPORTED);
	T_CHECK(!written);
	T_CHECK(strstr(err.msg, "newer pdbridge"));
	cfg_doc_free(&d);
	cfg_store_close(s);
	rmtmp();
}

/* --- import files ------------------------------------------------------------------- */

static void import_applies_all_lines_or_none(void)
{
	static const char good[] = "# pdbridge settings\r\n"
	                           "\n"
	                           "region = eu\r\n"
	                           "  token=u+abc-123  \n"
	                           "watch.services = PA, PB\n"
	                           "write_tools=on\n"
	                           "mqtt.url=\n" /* an empty value unsets */
	                           "region=us";  /* the last line wins, no newline needed */
	struct cfg_doc d;
	struct pdb_err err;
	size_t changed;
	bool ch;

	cfg_doc_init(&d);
	T_EQ_INT(cfg_doc_set(&d, CFG_MQTT_URL, "mqtt://old", NULL, &ch, &err), PDB_OK);
	T_EQ_INT(cfg_import_parse(&d, good, sizeof(good) - 1, NULL, &changed, &err), PDB_OK);
	T_EQ_INT(changed, 5);
	T_EQ_STR(cfg_doc_find(&d, "region")->value, "us");
	T_EQ_STR(cfg_doc_find(&d, "token")->value, "u+abc-123");
	T_EQ_STR(cfg_doc_find(&d, "watch.services")->value, "PA,PB");
	T_EQ_STR(cfg_doc_find(&d, "write_tools")->value, "true");
	T_CHECK(!cfg_doc_find(&d, "mqtt.url"));
	T_CHECK(d.secret_changed);
	/* a bad line anywhere leaves the document as it was */
	T_EQ_INT(cfg_import_parse(&d, "region=eu\npoll.interval=4\n", 26, NULL, &changed, &err),
	         PDB_E_RANGE);
	T_EQ_STR(err.msg, "line 2: poll.interval must be between 5 and 3600, not 4");
	T_EQ_STR(cfg_doc_find(&d, "region")->value, "us");
	T_EQ_INT(changed, 0);
	T_EQ_INT(cfg_import_parse(&d, "region=eu\nnope=1\n", 17, NULL, &changed, &err),
	         PDB_E_PARSE);
	T_EQ_STR(err.msg, "line 2: unknown key 'nope'");
	T_EQ_INT(cfg_import_parse(&d, "region eu\n", 10, NULL, &changed, &err), PDB_E_PARSE);
	T_EQ_STR(err.msg, "line 1: expected key=value");
	T_EQ_INT(cfg_import_parse(&d, "Token=x\n", 8, NULL, &changed, &err), PDB_E_PARSE);
	T_EQ_INT(cfg_import_parse(&d, "region=e\0u\n", 11, NULL, &changed, &err), PDB_E_PARSE);
	T_EQ_STR(cfg_doc_find(&d, "region")->value, "us");
	cfg_doc_free(&d);
}

static void import_errors_never_show_a_secret(void)
{
	char text[PDB_SECRET_MAX + 64];
	struct cfg_doc d;
	struct pdb_err err;
	size_t changed;
	int n;

	cfg_doc_init(&d);
	n = snprintf(text, sizeof(text), "token=TOPSECRET");
	memset(text + n, 'x', PDB_SECRET_MAX);
	text[n + PDB_SECRET_MAX] = '\0';
	T_EQ_INT(cfg_import_parse(&d, text, strlen(text), NULL, &changed, &err), PDB_E_TOO_LARGE);
	T_CHECK(!strstr(err.msg, "TOPSECRET"));
	T_EQ_INT(cfg_import_parse(&d, "mqtt.password=TOPSECRET\x02\n", 25, NULL, &changed, &err),
	         PDB_E_INVAL);
	T_CHECK(!strstr(err.msg, "TOPSECRET"));
	T_EQ_INT(d.n, 0);
	cfg_doc_free(&d);
}

/* --- the layers ----------------------------------------------------------------------- */

#define PAD "--------------------------------"

/* Two different valid values of @k. */
static void two_values(enum cfg_key k, char v1[64], char v2[64])
{
	const struct cfg_field *f = cfg_field(k);

	switch (f->type) {
	case CFG_T_INT:
		snprintf(v1, 64, "%lld", f->min);
		snprintf(v2, 64, "%lld", f->max);
		return;
	case CFG_T_BOOL:
		snprintf(v1, 64, "true");
		snprintf(v2, 64, "false");
		return;
	case CFG_T_ENUM:
		snprintf(v1, 64, "%.*s", (int)strcspn(f->choices, "|"), f->choices);
		snprintf(v2, 64, "%s", strrchr(f->choices, '|') + 1);
		return;
	case CFG_T_STR:
	case CFG_T_LIST:
		break;
	}
	switch (f->form) {
	case CFG_F_URL: /* the first scheme and the last (the same when there is one) */
		snprintf(v1, 64, "%.*s://one", (int)strcspn(f->choices, "|"), f->choices);
		snprintf(v2, 64, "%s://two",
		         strrchr(f->choices, '|') ? strrchr(f->choices, '|') + 1 : f->choices);
		return;
	case CFG_F_EMAIL:
		snprintf(v1, 64, "one@example.com");
		snprintf(v2, 64, "two@example.com");
		return;
	case CFG_F_TEXT:
	case CFG_F_WORD:
	case CFG_F_TOPIC:
	case CFG_F_GLOB: /* padded to the shortest a key takes (board.token: 16) */
		snprintf(v1, 64, "one%.*s", f->min > 3 ? (int)f->min - 3 : 0, PAD);
		snprintf(v2, 64, "two%.*s", f->min > 3 ? (int)f->min - 3 : 0, PAD);
		return;
	}
}

/* Build from the layers and return the text and origin of @k. */
static enum pdb_rc resolve(const struct cfg_doc *flash, const struct cfg_flag *flags, size_t nf,
                           enum cfg_key k, char *out, enum cfg_origin *origin, struct pdb_err *err)
{
	struct cfg_sources src = {.flash = flash, .getenv = env_get, .flags = flags, .n_flags = nf};
	struct cfg *c;
	enum pdb_rc rc = cfg_build(&src, &c, err);

	if (rc)
		return rc;
	snprintf(out, 64, "%s", cfg_str(c, k));
	*origin = cfg_origin(c, k, NULL);
	cfg_free(c);
	return PDB_OK;
}

static void every_key_follows_flag_env_flash_default(void)
{
	char v1[64], v2[64], got[64], env[96];
	enum cfg_origin o;
	struct cfg_doc d;
	struct pdb_err err;
	size_t i;
	bool ch;

	for (i = 0; i < CFG_KEYS; i++) {
		const struct cfg_field *f = cfg_field((enum cfg_key)i);
		struct cfg_flag flag = {(enum cfg_key)i, NULL, "--flag"};

		two_values((enum cfg_key)i, v1, v2);
		cfg_env_name((enum cfg_key)i, env, sizeof(env));
		env_clear();
		cfg_doc_init(&d);
		T_EQ_INT(resolve(&d, NULL, 0, (enum cfg_key)i, got, &o, &err), PDB_OK);
		T_EQ_STR(got, f->def);
		T_EQ_INT(o, CFG_ORIGIN_DEFAULT);
		T_EQ_INT(cfg_doc_set(&d, (enum cfg_key)i, v1, NULL, &ch, &err), PDB_OK);
		T_EQ_INT(resolve(&d, NULL, 0, (enum cfg_key)i, got, &o, &err), PDB_OK);
		T_EQ_STR(got, v1);
		T_EQ_INT(o, CFG_ORIGIN_FLASH);
		env_put(env, v2);
		T_EQ_INT(resolve(&d, NULL, 0, (enum cfg_key)i, got, &o, &err), PDB_OK);
		T_EQ_STR(got, v2);
		T_EQ_INT(o, CFG_ORIGIN_ENV);
		flag.value = v1;
		T_EQ_INT(resolve(&d, &flag, 1, (enum cfg_key)i, got, &o, &err), PDB_OK);
		T_EQ_STR(got, v1);
		T_EQ_INT(o, CFG_ORIGIN_FLAG);
		flag.value = ""; /* an empty flag is no flag */
		T_EQ_INT(resolve(&d, &flag, 1, (enum cfg_key)i, got, &o, &err), PDB_OK);
		T_EQ_INT(o, CFG_ORIGIN_ENV);
		cfg_doc_free(&d);
	}
	env_clear();
}

static void official_variables_come_first_and_empty_ones_do_not_count(void)
{
	struct cfg_sources src = {.getenv = env_get};
	const char *detail, *tok;
	struct pdb_err err;
	struct cfg *c;

	env_clear();
	env_put("PDBRIDGE_API_HOST", "https://second.example");
	env_put("PAGERDUTY_API_HOST", "https://first.example");
	env_put("PDBRIDGE_TOKEN", "second-token");
	env_put("PAGERDUTY_USER_API_KEY", "");
	T_EQ_INT(cfg_build(&src, &c, &err), PDB_OK);
	T_EQ_STR(cfg_str(c, CFG_API_HOST), "https://first.example");
	T_EQ_INT(cfg_origin(c, CFG_API_HOST, &detail), CFG_ORIGIN_ENV);
	T_EQ_STR(detail, "PAGERDUTY_API_HOST");
	T_EQ_INT(cfg_secret(c, CFG_TOKEN, &tok, &err), PDB_OK);
	T_EQ_STR(tok, "second-token");
	cfg_origin(c, CFG_TOKEN, &detail);
	T_EQ_STR(detail, "PDBRIDGE_TOKEN");
	cfg_free(c);
	env_clear();
}

static void a_bad_value_names_its_source(void)
{
	struct cfg_flag flag = {CFG_REGION, "mars", "--region"};
	struct cfg_sources src = {.getenv = env_get};
	struct cfg_doc d;
	struct pdb_err err;
	struct cfg *c;

	env_clear();
	env_put("PDBRIDGE_REGION", "mars");
	T_EQ_INT(cfg_build(&src, &c, &err), PDB_E_INVAL);
	T_CHECK(!c);
	T_EQ_STR(err.msg, "PDBRIDGE_REGION: region must be one of us|eu, not 'mars'");
	src.flags = &flag;
	src.n_flags = 1;
	T_EQ_INT(cfg_build(&src, &c, &err), PDB_E_INVAL);
	T_EQ_STR(err.msg, "--region: region must be one of us|eu, not 'mars'");
	env_clear();
	env_put("PAGERDUTY_USER_API_KEY", "TOPSECRET\x01");
	src.n_flags = 0;
	T_EQ_INT(cfg_build(&src, &c, &err), PDB_E_INVAL);
	T_EQ_STR(err.msg, "PAGERDUTY_USER_API_KEY: token contains a control character");
	env_clear();
	/* a stored value that a stricter build refuses */
	cfg_doc_init(&d);
	T_EQ_INT(cfg__doc_put(&d, "poll.interval", "4", false), PDB_OK);
	src.flash = &d;
	T_EQ_INT(cfg_build(&src, &c, &err), PDB_E_RANGE);
	T_CHECK(strstr(err.msg, "stored poll.interval"));
	cfg_doc_free(&d);
}

static void typed_readers(void)
{
	struct cfg_sources src = {.getenv = env_get};
	const char *items[PDB_WATCH_IDS_MAX];
	struct pdb_err err;
	struct cfg *c;

	env_clear();
	env_put("PDBRIDGE_WATCH_TEAMS", "PT1, PT2,PT3");
	env_put("PDBRIDGE_POLL_INTERVAL", "120");
	env_put("PDBRIDGE_WRITE_TOOLS", "yes");
	T_EQ_INT(cfg_build(&src, &c, &err), PDB_OK);
	T_EQ_INT(cfg_list(c, CFG_WATCH_TEAMS, items, PDB_WATCH_IDS_MAX), 3);
	T_EQ_STR(items[0], "PT1");
	T_EQ_STR(items[2], "PT3");
	T_EQ_INT(cfg_list(c, CFG_WATCH_TEAMS, items, 2), 2);
	T_EQ_INT(cfg_list(c, CFG_WATCH_SERVICES, items, PDB_WATCH_IDS_MAX), 0);
	T_EQ_INT(cfg_int(c, CFG_POLL_INTERVAL), 120);
	T_CHECK(cfg_bool(c, CFG_WRITE_TOOLS));
	T_CHECK(!cfg_bool(c, CFG_MQTT_HA_DISCOVERY));
	T_CHECK(cfg_bool(c, CFG_SECRETS_SEAL));
	T_EQ_STR(cfg_str(c, CFG_MQTT_BASE_TOPIC), "pdbridge");
	T_EQ_STR(cfg_str(c, CFG_TOKEN), "");
	T_EQ_STR(cfg_origin_name(cfg_origin(c, CFG_REGION, NULL)), "default");
	cfg_free(c);
	env_clear();
}

/* --- sealing ---------------------------------------------------------------------------- */

static enum pdb_rc seal_with(struct cfg_seal *s, const char *name, const char *id)
{
	char p[96];
	struct pdb_err err;

	path_in(p, sizeof(p), name);
	write_file(p, id, strlen(id));
	return cfg_seal_init(s, p, &err);
}

static void sealed_secrets_open_only_on_their_device(void)
{
	struct cfg_seal here, there;
	struct cfg_sources src = {.getenv = env_get};
	char plain[PDB_CFG_VALUE_MAX + 1], *hex;
	const struct cfg_entry *e;
	const char *tok;
	struct cfg_doc d;
	struct pdb_err err;
	struct cfg *c;
	bool ch;

	T_CHECK(mktmp());
	env_clear();
	T_EQ_INT(seal_with(&here, "id1", "10000000AbCdEf01\n"), PDB_OK);
	T_EQ_INT(seal_with(&there, "id2", "10000000deadbeef"), PDB_OK);
	T_EQ_INT(here.source, CFG_ID_FILE);
	cfg_doc_init(&d);
	T_EQ_INT(cfg_doc_set(&d, CFG_TOKEN, "u+TOPSECRET", NULL, &ch, &err), PDB_OK);
	T_EQ_INT(cfg_doc_set(&d, CFG_REGION, "eu", NULL, &ch, &err), PDB_OK);
	T_EQ_INT(cfg_doc_seal(&d, &here, &err), PDB_OK);
	e = cfg_doc_find(&d, "token");
	T_CHECK(e->sealed && !strstr(e->value, "TOPSECRET") && cfg__sealed_ok(e->value));
	T_CHECK(!cfg_doc_find(&d, "region")->sealed); /* only secrets */
	T_EQ_INT(cfg_doc_reveal(e, &here, plain, sizeof(plain), &err), PDB_OK);
	T_EQ_STR(plain, "u+TOPSECRET");
	/* Setting the same value again is no change, even though it is stored sealed. */
	T_EQ_INT(cfg_doc_set(&d, CFG_TOKEN, "u+TOPSECRET", &here, &ch, &err), PDB_OK);
	T_CHECK(!ch);
	/* On another device: a clear error, never the plain text or garbage. */
	T_EQ_INT(cfg_doc_reveal(e, &there, plain, sizeof(plain), &err), PDB_E_AUTH);
	T_EQ_STR(err.msg, "token sealed for another device");
	T_EQ_STR(plain, "");
	src.flash = &d;
	src.seal = &there;
	T_EQ_INT(cfg_build(&src, &c, &err), PDB_OK);
	T_EQ_STR(cfg_str(c, CFG_REGION), "eu"); /* everything else still loads */
	T_CHECK(!cfg_str(c, CFG_TOKEN));
	T_CHECK(cfg_sealed(c, CFG_TOKEN));
	T_EQ_INT(cfg_secret(c, CFG_TOKEN, &tok, &err), PDB_E_AUTH);
	T_EQ_STR(err.msg, "token sealed for another device");
	cfg_free(c);
	src.seal = NULL; /* a device with no identity says so */
	T_EQ_INT(cfg_build(&src, &c, &err), PDB_OK);
	T_EQ_INT(cfg_secret(c, CFG_TOKEN, &tok, &err), PDB_E_AUTH);
	T_EQ_STR(err.msg, "token is sealed, and this device has no identity to open it");
	cfg_free(c);
	T_EQ_INT(cfg_doc_reveal(e, NULL, plain, sizeof(plain), &err), PDB_E_AUTH);
	T_EQ_STR(err.msg, "token is sealed, and this device has no identity to open it");
	/* The environment wins over a sealed value it does not need to open. */
	env_put("PAGERDUTY_USER_API_KEY", "env-token");
	src.seal = &there;
	T_EQ_INT(cfg_build(&src, &c, &err), PDB_OK);
	T_EQ_INT(cfg_secret(c, CFG_TOKEN, &tok, &err), PDB_OK);
	T_EQ_STR(tok, "env-token");
	cfg_free(c);
	env_clear();
	/* Same device, damaged ciphertext: "damaged", not "another device". */
	hex = d.e[0].sealed ? d.e[0].value : d.e[1].value;
	hex[40] = hex[40] == '0' ? '1' : '0';
	T_EQ_INT(cfg_doc_reveal(e, &here, plain, sizeof(plain), &err), PDB_E_CORRUPT);
	T_CHECK(strstr(err.msg, "damaged"));
	cfg_doc_free(&d);
	cfg_seal_wipe(&here);
	cfg_seal_wipe(&there);
	rmtmp();
}

static void device_identity_is_normalised_and_checked(void)
{
	struct cfg_seal a, b;
	struct pdb_err err;

	T_CHECK(mktmp());
	T_EQ_INT(seal_with(&a, "id1", "  10000000ABCDEF01 \n"), PDB_OK);
	T_EQ_INT(seal_with(&b, "id2", "10000000abcdef01"), PDB_OK);
	T_CHECK(!memcmp(a.key, b.key, sizeof(a.key)) && !memcmp(a.kid, b.kid, sizeof(a.kid)));
	T_EQ_INT(seal_with(&b, "id2", "10000000abcdef02"), PDB_OK);
	T_CHECK(memcmp(a.key, b.key, sizeof(a.key)));
	T_EQ_INT(seal_with(&b, "id2", "0000000000000000\n"), PDB_E_IO); /* no identity */
	T_CHECK(!b.ok);
	T_EQ_INT(cfg_seal_init(&b, "/nonexistent/pdbridge-id", &err), PDB_E_IO);
	cfg_seal_wipe(&a);
	cfg_seal_wipe(&b);
	rmtmp();
}

/* What /proc/cpuinfo says on a Raspberry Pi 4 (64-bit OS), and on a PC. */
static const char cpuinfo_pi[] = "processor\t: 0\nBogoMIPS\t: 108.00\n"
                                 "Features\t: fp asimd evtstrm crc32 cpuid\n"
                                 "CPU implementer\t: 0x41\n\n"
                                 "Revision\t: c03114\nSerial\t\t: 10000000ABCDEF01\n"
                                 "Model\t\t: Raspberry Pi 4 Model B Rev 1.4\n";
static const char cpuinfo_pc[] = "processor\t: 0\nflags\t\t: fpu vme serialize sha_ni\n"
                                 "model name\t: Some CPU\n";

static void board_identities_from_their_real_formats(void)
{
	static const char dt[] = "10000000abcdef01\0"; /* device tree: NUL-terminated */
	struct cfg_seal from_dt, from_cpuinfo, other;
	struct pdb_err err;

	T_EQ_INT(cfg__seal_from_text(&from_dt, CFG_ID_DEVICE_TREE, dt, sizeof(dt) - 1, &err),
	         PDB_OK);
	T_EQ_INT(cfg__seal_from_text(&from_cpuinfo, CFG_ID_CPUINFO, cpuinfo_pi,
	                             sizeof(cpuinfo_pi) - 1, &err),
	         PDB_OK);
	T_EQ_INT(from_cpuinfo.source, CFG_ID_CPUINFO);
	/* one board, two ways to read its serial, one key */
	T_CHECK(!memcmp(from_dt.key, from_cpuinfo.key, sizeof(from_dt.key)));
	T_EQ_INT(
	    cfg__seal_from_text(&other, CFG_ID_CPUINFO, cpuinfo_pc, sizeof(cpuinfo_pc) - 1, &err),
	    PDB_E_NOTFOUND); /* "serialize" in the flags is not a serial */
	T_CHECK(!other.ok);
	T_EQ_INT(
	    cfg__seal_from_text(&other, CFG_ID_CPUINFO, "Serial\t\t: 0000000000000000\n", 27, &err),
	    PDB_E_NOTFOUND); /* some boards report zeros */
	T_EQ_INT(cfg__seal_from_text(&other, CFG_ID_MACHINE_ID,
	                             "3d1219c7c4c5404aaa1f6d2a48adfda4\n", 33, &err),
	         PDB_OK);
	T_CHECK(memcmp(other.key, from_dt.key, sizeof(other.key)));
	T_EQ_STR(cfg_id_source_name(CFG_ID_CPUINFO), "/proc/cpuinfo Serial");
	cfg_seal_wipe(&from_dt);
	cfg_seal_wipe(&from_cpuinfo);
	cfg_seal_wipe(&other);
}

/* --- the file store ------------------------------------------------------------------------ */

static void file_store_writes_two_private_slots_and_only_on_change(void)
{
	struct cfg_slot_info slots[2];
	struct cfg_store *s = NULL;
	struct cfg_doc d, back;
	struct pdb_err err;
	char base[96], a[96], b[96];
	struct stat st, st2;
	bool written, ch;

	T_CHECK(mktmp());
	path_in(base, sizeof(base), "cfg");
	path_in(a, sizeof(a), "cfg.a");
	path_in(b, sizeof(b), "cfg.b");
	T_EQ_INT(cfg_store_open(base, &s, &err), PDB_OK);
	cfg_doc_init(&d);
	cfg_doc_init(&back);
	T_EQ_INT(cfg_store_load(s, &back, &err), PDB_OK); /* nothing stored: empty */
	T_EQ_INT(back.n, 0);
	T_EQ_INT(cfg_store_verify(s, slots, &err), PDB_OK);
	T_EQ_INT(slots[0].state, CFG_SLOT_EMPTY);
	T_EQ_INT(cfg_doc_set(&d, CFG_REGION, "eu", NULL, &ch, &err), PDB_OK);
	T_EQ_INT(cfg_store_save(s, &d, &written, &err), PDB_OK);
	T_CHECK(written);
	/* The first save fills both slots; both are 0600. */
	T_EQ_INT(cfg_store_verify(s, slots, &err), PDB_OK);
	T_EQ_INT(slots[0].state, CFG_SLOT_VALID);
	T_EQ_INT(slots[1].state, CFG_SLOT_VALID);
	T_CHECK(slots[1].newest && slots[1].seq == 2 && slots[0].seq == 1);
	T_EQ_INT(stat(a, &st), 0);
	T_EQ_INT(st.st_mode & 0777, 0600);
	T_EQ_INT(stat(b, &st), 0);
	T_EQ_INT(st.st_mode & 0777, 0600);
	/* Saving the same thing again touches nothing. */
	T_EQ_INT(cfg_store_save(s, &d, &written, &err), PDB_OK);
	T_CHECK(!written);
	T_EQ_INT(stat(b, &st2), 0);
	T_EQ_INT(st2.st_ino, st.st_ino);
	/* A change goes into the older slot with the next sequence number. */
	T_EQ_INT(cfg_doc_set(&d, CFG_POLL_INTERVAL, "60", NULL, &ch, &err), PDB_OK);
	T_EQ_INT(cfg_store_save(s, &d, &written, &err), PDB_OK);
	T_CHECK(written);
	T_EQ_INT(cfg_store_verify(s, slots, &err), PDB_OK);
	T_CHECK(slots[0].newest && slots[0].seq == 3 && slots[1].seq == 2);
	T_EQ_INT(stat(b, &st2), 0);
	T_EQ_INT(st2.st_ino, st.st_ino); /* slot b was not touched */
	T_EQ_INT(cfg_store_load(s, &back, &err), PDB_OK);
	T_EQ_STR(cfg_doc_find(&back, "poll.interval")->value, "60");
	cfg_doc_free(&back);
	cfg_doc_free(&d);
	cfg_store_close(s);
	rmtmp();
}

static void a_damaged_slot_falls_back_and_two_are_reported(void)
{
	struct cfg_slot_info slots[2];
	struct cfg_store *s = NULL;
	struct cfg_doc d;
	struct pdb_err err;
	char base[96], a[96], b[96], bytes[PDB_CFG_RECORD_MAX];
	size_t n;
	bool written, ch;

	T_CHECK(mktmp());
	path_in(base, sizeof(base), "cfg");
	path_in(a, sizeof(a), "cfg.a");
	path_in(b, sizeof(b), "cfg.b");
	T_EQ_INT(cfg_store_open(base, &s, &err), PDB_OK);
	cfg_doc_init(&d);
	T_EQ_INT(cfg_doc_set(&d, CFG_REGION, "eu", NULL, &ch, &err), PDB_OK);
	T_EQ_INT(cfg_store_save(s, &d, &written, &err), PDB_OK); /* a: eu (1), b: eu (2) */
	T_EQ_INT(cfg_doc_set(&d, CFG_REGION, "us", NULL, &ch, &err), PDB_OK);
	T_EQ_INT(cfg_store_save(s, &d, &written, &err), PDB_OK); /* a: us (3) */
	/* flip one bit of the payload of the newest slot: the older one loads */
	n = read_file(a, bytes, sizeof(bytes));
	bytes[n - 3] ^= 0x10;
	write_file(a, bytes, n);
	T_EQ_INT(cfg_store_load(s, &d, &err), PDB_OK);
	T_EQ_STR(cfg_doc_find(&d, "region")->value, "eu");
	T_EQ_INT(cfg_store_verify(s, slots, &err), PDB_OK);
	T_EQ_INT(slots[0].state, CFG_SLOT_BAD_PAYLOAD);
	T_CHECK(slots[1].newest);
	/* cut the other one short: both gone, and said so */
	n = read_file(b, bytes, sizeof(bytes));
	write_file(b, bytes, n - 1);
	T_EQ_INT(cfg_store_load(s, &d, &err), PDB_E_CORRUPT);
	T_EQ_INT(d.n, 0);
	T_CHECK(strstr(err.msg, "slot a corrupt payload, slot b wrong length"));
	T_EQ_INT(cfg_store_verify(s, slots, &err), PDB_E_CORRUPT);
	/* a save recovers: both slots are rewritten */
	T_EQ_INT(cfg_doc_set(&d, CFG_REGION, "eu", NULL, &ch, &err), PDB_OK);
	T_EQ_INT(cfg_store_save(s, &d, &written, &err), PDB_OK);
	T_EQ_INT(cfg_store_verify(s, slots, &err), PDB_OK);
	T_CHECK(slots[0].state == CFG_SLOT_VALID && slots[1].state == CFG_SLOT_VALID);
	cfg_doc_free(&d);
	cfg_store_close(s);
	rmtmp();
}

static void a_changed_secret_leaves_no_old_copy(void)
{
	struct cfg_store *s = NULL;
	struct cfg_doc d;
	struct pdb_err err;
	char base[96], p[96], bytes[PDB_CFG_RECORD_MAX + 1];
	bool written, ch;
	size_t n;
	int i;

	T_CHECK(mktmp());
	path_in(base, sizeof(base), "cfg");
	T_EQ_INT(cfg_store_open(base, &s, &err), PDB_OK);
	cfg_doc_init(&d);
	T_EQ_INT(cfg_doc_set(&d, CFG_TOKEN, "OLD-TOKEN-1", NULL, &ch, &err), PDB_OK);
	T_EQ_INT(cfg_store_save(s, &d, &written, &err), PDB_OK);
	T_EQ_INT(cfg_doc_set(&d, CFG_REGION, "eu", NULL, &ch, &err), PDB_OK);
	d.secret_changed = false;
	T_EQ_INT(cfg_store_save(s, &d, &written, &err), PDB_OK); /* one slot: a non-secret change */
	T_EQ_INT(cfg_doc_set(&d, CFG_TOKEN, "NEW-TOKEN-2", NULL, &ch, &err), PDB_OK);
	T_EQ_INT(cfg_store_save(s, &d, &written, &err), PDB_OK);
	for (i = 0; i < 2; i++) {
		path_in(p, sizeof(p), i ? "cfg.b" : "cfg.a");
		n = read_file(p, bytes, sizeof(bytes) - 1);
		bytes[n] = '\0';
		T_CHECK(contains(bytes, n, "NEW-TOKEN-2"));
		T_CHECK(!contains(bytes, n, "OLD-TOKEN-1"));
	}
	cfg_doc_free(&d);
	cfg_store_close(s);
	rmtmp();
}

static void sealing_a_plain_secret_later_leaves_no_plain_copy(void)
{
	struct cfg_store *s = NULL;
	struct cfg_seal seal;
	struct cfg_doc d;
	struct pdb_err err;
	char base[96], p[96], bytes[PDB_CFG_RECORD_MAX + 1];
	bool written, ch;
	size_t n;
	int i;

	T_CHECK(mktmp());
	T_EQ_INT(seal_with(&seal, "id1", "10000000feedf00d"), PDB_OK);
	path_in(base, sizeof(base), "cfg");
	T_EQ_INT(cfg_store_open(base, &s, &err), PDB_OK);
	cfg_doc_init(&d);
	T_EQ_INT(cfg_doc_set(&d, CFG_TOKEN, "PLAIN-TOKEN", NULL, &ch, &err), PDB_OK);
	T_EQ_INT(cfg_store_save(s, &d, &written, &err), PDB_OK); /* stored unsealed, both slots */
	T_EQ_INT(cfg_store_load(s, &d, &err), PDB_OK);
	T_CHECK(!d.secret_changed);
	T_EQ_INT(cfg_doc_set(&d, CFG_REGION, "eu", NULL, &ch, &err), PDB_OK);
	T_EQ_INT(cfg_doc_seal(&d, &seal, &err), PDB_OK);
	T_CHECK(d.secret_changed); /* sealing is a change of the stored secret */
	T_EQ_INT(cfg_store_save(s, &d, &written, &err), PDB_OK);
	for (i = 0; i < 2; i++) {
		path_in(p, sizeof(p), i ? "cfg.b" : "cfg.a");
		n = read_file(p, bytes, sizeof(bytes) - 1);
		T_CHECK(n > 0 && !contains(bytes, n, "PLAIN-TOKEN"));
		T_CHECK(contains(bytes, n, "region=eu"));
	}
	cfg_doc_free(&d);
	cfg_store_close(s);
	cfg_seal_wipe(&seal);
	rmtmp();
}

static void a_bad_rebuild_leaves_the_old_snapshot_alone(void)
{
	struct cfg_sources src = {.getenv = env_get};
	struct cfg *live, *next = NULL;
	struct pdb_err err;

	env_clear();
	env_put("PDBRIDGE_REGION", "eu");
	T_EQ_INT(cfg_build(&src, &live, &err), PDB_OK);
	env_clear();
	env_put("PDBRIDGE_REGION", "mars"); /* a reload that must not go live */
	T_EQ_INT(cfg_build(&src, &next, &err), PDB_E_INVAL);
	T_CHECK(!next);
	T_EQ_STR(cfg_str(live, CFG_REGION), "eu");
	cfg_free(live);
	env_clear();
}

static void records_reject_every_kind_of_damage(void)
{
	struct cfg__hdr h;
	const uint8_t *p;
	struct buf rec;
	uint8_t b[128];
	size_t n, i;

	buf_init(&rec, PDB_CFG_RECORD_MAX);
	T_EQ_INT(cfg__rec_encode(CFG_SCHEMA, 0xfffffffeu, "region=eu", 10, &rec), PDB_OK);
	n = buf_len(&rec);
	memcpy(b, buf_cstr(&rec), n);
	T_EQ_INT(cfg__rec_decode(b, n, true, &h, &p), CFG_SLOT_VALID);
	T_EQ_INT(h.seq, 0xfffffffeu);
	T_EQ_INT(cfg__rec_decode(b, n - 1, true, &h, &p), CFG_SLOT_TRUNCATED);
	T_EQ_INT(cfg__rec_decode(b, n + 1, true, &h, &p), CFG_SLOT_TRUNCATED);
	T_EQ_INT(cfg__rec_decode(b, n + 1, false, &h, &p), CFG_SLOT_VALID); /* flash padding */
	T_EQ_INT(cfg__rec_decode(b, 0, true, &h, &p), CFG_SLOT_TRUNCATED);
	for (i = 0; i < n * 8; i++) { /* every single bit flip is caught */
		b[i / 8] ^= (uint8_t)(1u << (i % 8));
		T_CHECK(cfg__rec_decode(b, n, true, &h, &p) != CFG_SLOT_VALID);
		b[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	memset(b, 0xff, sizeof(b));
	T_EQ_INT(cfg__rec_decode(b, sizeof(b), false, &h, &p), CFG_SLOT_EMPTY);     /* erased */
	T_EQ_INT(cfg__rec_decode(b, sizeof(b), true, &h, &p), CFG_SLOT_BAD_HEADER); /* a file */
	b[100] = 0; /* an erased-looking header over leftover bytes is damage, not empty */
	T_EQ_INT(cfg__rec_decode(b, sizeof(b), false, &h, &p), CFG_SLOT_BAD_HEADER);
	T_CHECK(cfg__seq_newer(1, 0xffffffffu)); /* the counter wraps */
	T_CHECK(!cfg__seq_newer(0xffffffffu, 1));
	T_CHECK(!cfg__seq_newer(5, 5));
	T_EQ_INT(cfg__crc32(0, "123456789", 9), 0xCBF43926u); /* the standard check value */
	buf_free(&rec);
}

/* One run of the sweep: an import parsed and built into a snapshot, or NOMEM and nothing. */
static void oom_import_build(void *ud)
{
	static const char import[] = "region=eu\ntoken=abc\nwatch.teams=PA,PB\n";
	struct cfg_sources src = {.getenv = env_get};
	struct cfg_doc d;
	struct pdb_err err;
	struct cfg *c = NULL;
	size_t changed;
	enum pdb_rc rc;

	(void)ud;
	cfg_doc_init(&d);
	t_oom_arm();
	rc = cfg_import_parse(&d, import, sizeof(import) - 1, NULL, &changed, &err);
	if (!rc) {
		src.flash = &d;
		rc = cfg_build(&src, &c, &err);
	}
	t_oom_disarm();
	T_CHECK(rc == PDB_OK || (rc == PDB_E_NOMEM && t_oom_hit()));
	T_CHECK(rc || !strcmp(cfg_str(c, CFG_REGION), "eu"));
	cfg_free(c);
	cfg_doc_free(&d);
}

static void allocation_failures_are_survived(void)
{
	env_clear();
	env_put("PDBRIDGE_WATCH_SERVICES", "PA,PB");
	t_oom_sweep(oom_import_build, NULL, 2000);
	env_clear();
}

static const struct t_case cases[] = {
    {"every_row_is_complete_and_its_default_valid", every_row_is_complete_and_its_default_valid},
    {"environment_names_follow_the_rule", environment_names_follow_the_rule},
    {"strings_in_each_form", strings_in_each_form},
    {"integers", integers},
    {"booleans", booleans},
    {"enums", enums},
    {"lists", lists},
    {"secrets_never_reach_an_error_text", secrets_never_reach_an_error_text},
    {"set_and_unset_report_changes", set_and_unset_report_changes},
    {"payload_round_trip_keeps_unknown_keys", payload_round_trip_keeps_unknown_keys},
    {"payload_decode_refuses_malformed_entries", payload_decode_refuses_malformed_entries},
    {"an_old_schema_record_loads_migrated_and_saves_as_new",
     an_old_schema_record_loads_migrated_and_saves_as_new},
    {"the_interval_migration_survives_any_number", the_interval_migration_survives_any_number},
    {"a_newer_schema_is_kept_and_never_overwritten", a_newer_schema_is_kept_and_never_overwritten},
    {"import_applies_all_lines_or_none", import_applies_all_lines_or_none},
    {"import_errors_never_show_a_secret", import_errors_never_show_a_secret},
    {"every_key_follows_flag_env_flash_default", every_key_follows_flag_env_flash_default},
    {"official_variables_come_first_and_empty_ones_do_not_count",
     official_variables_come_first_and_empty_ones_do_not_count},
    {"a_bad_value_names_its_source", a_bad_value_names_its_source},
    {"typed_readers", typed_readers},
    {"sealed_secrets_open_only_on_their_device", sealed_secrets_open_only_on_their_device},
    {"device_identity_is_normalised_and_checked", device_identity_is_normalised_and_checked},
    {"board_identities_from_their_real_formats", board_identities_from_their_real_formats},
    {"file_store_writes_two_private_slots_and_only_on_change",
     file_store_writes_two_private_slots_and_only_on_change},
    {"a_damaged_slot_falls_back_and_two_are_reported",
     a_damaged_slot_falls_back_and_two_are_reported},
    {"a_changed_secret_leaves_no_old_copy", a_changed_secret_leaves_no_old_copy},
    {"sealing_a_plain_secret_later_leaves_no_plain_copy",
     sealing_a_plain_secret_later_leaves_no_plain_copy},
    {"a_bad_rebuild_leaves_the_old_snapshot_alone", a_bad_rebuild_leaves_the_old_snapshot_alone},
    {"records_reject_every_kind_of_damage", records_reject_every_kind_of_damage},
    {"allocation_failures_are_survived", allocation_failures_are_survived},
};

T_MAIN(cases)
