/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cfg_schema.c - the schema: one row per key, and the validation of a value
 * against its row.
 *
 * Everything that knows about keys reads this table: the layers in
 * cfg_snap.c, the stored document in cfg_doc.c, `pdbridge config` in app,
 * and docs/config.md (cfg_schema_doc()). A key is added here and nowhere
 * else. Rows are indexed by enum cfg_key through designated initialisers, so
 * the enum and the table cannot drift apart.
 *
 * Values are checked, then canonicalised (trimmed, booleans spelled
 * true/false, lists joined with bare commas), so two spellings of one value
 * are one value and "did it change?" is a string compare. A secret's text is
 * never put into an error message.
 */
#include "cfg_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET CFG_SECRET

/* clang-format off */
static const struct cfg_field schema[CFG_KEYS] = {
    [CFG_REGION] = {
        .key = "region", .type = CFG_T_ENUM, .form = CFG_F_TEXT, .def = "us", .choices = "us|eu",
        .flag = "--region",
        .help = "PagerDuty region: us (api.pagerduty.com) or eu (api.eu.pagerduty.com)",
    },
    [CFG_API_HOST] = {
        .key = "api.host", .type = CFG_T_STR, .form = CFG_F_URL, .def = "", .min = 1,
        .max = PDB_PD_URL_MAX - 1, .choices = "https|http", .env = "PAGERDUTY_API_HOST",
        .flag = "--api-host",
        .help = "API base URL, overrides region (http:// only to a loopback host)",
    },
    [CFG_TOKEN] = {
        .key = "token", .type = CFG_T_STR, .form = CFG_F_TEXT, .def = "", .min = 1,
        .max = PDB_SECRET_MAX, .flags = SECRET, .env = "PAGERDUTY_USER_API_KEY",
        .help = "PagerDuty REST API key (no flag: flags land in shell history and /proc)",
    },
    [CFG_FROM_EMAIL] = {
        .key = "from_email", .type = CFG_T_STR, .form = CFG_F_EMAIL, .def = "", .min = 3,
        .max = PDB_PD_NAME_MAX - 1, .flag = "--from",
        .help = "From address PagerDuty requires on some writes",
    },
    [CFG_CA_FILE] = {
        .key = "ca_file", .type = CFG_T_STR, .form = CFG_F_TEXT, .def = "", .min = 1,
        .max = PDB_CFG_PATH_MAX, .flag = "--ca-file",
        .help = "PEM bundle that verifies PagerDuty (unset: the system's)",
    },
    [CFG_CONNECT_TO] = {
        .key = "connect_to", .type = CFG_T_STR, .form = CFG_F_TEXT, .def = "", .min = 1,
        .max = PDB_PD_URL_MAX - 1, .flag = "--connect-to",
        .help = "HOST:PORT:ADDR:PORT as curl --connect-to (split DNS, tests)",
    },
    [CFG_POLL_INTERVAL] = {
        .key = "poll.interval", .type = CFG_T_INT, .form = CFG_F_TEXT, .def = "30",
        .min = PDB_POLL_INTERVAL_MIN_S, .max = PDB_POLL_INTERVAL_MAX_S, .flag = "--poll-interval",
        .help = "seconds between two status polls",
    },
    [CFG_POLL_STALE_AFTER] = {
        .key = "poll.stale_after", .type = CFG_T_INT, .form = CFG_F_TEXT, .def = "3", .min = 1,
        .max = PDB_STATUS_STALE_AFTER_MAX,
        .help = "failed polls in a row before displays see stale=true, level=unknown",
    },
    [CFG_WATCH_SCHEDULES] = {
        .key = "watch.schedules", .type = CFG_T_LIST, .form = CFG_F_WORD, .def = "", .min = 1,
        .max = PDB_WATCH_IDS_MAX, .flag = "--schedule",
        .help = "schedule IDs to watch (unset: all)",
    },
    [CFG_WATCH_ESCALATION_POLICIES] = {
        .key = "watch.escalation_policies", .type = CFG_T_LIST, .form = CFG_F_WORD, .def = "",
        .min = 1, .max = PDB_WATCH_IDS_MAX, .flag = "--escalation-policy",
        .help = "escalation policy IDs to watch (unset: all)",
    },
    [CFG_WATCH_SERVICES] = {
        .key = "watch.services", .type = CFG_T_LIST, .form = CFG_F_WORD, .def = "", .min = 1,
        .max = PDB_WATCH_IDS_MAX, .flag = "--service",
        .help = "service IDs whose incidents count (unset: all)",
    },
    [CFG_WATCH_TEAMS] = {
        .key = "watch.teams", .type = CFG_T_LIST, .form = CFG_F_WORD, .def = "", .min = 1,
        .max = PDB_WATCH_IDS_MAX, .flag = "--team",
        .help = "team IDs whose incidents count (unset: all)",
    },
    [CFG_WATCH_URGENCY] = {
        .key = "watch.urgency", .type = CFG_T_ENUM, .form = CFG_F_TEXT, .def = "any",
        .choices = "any|high",
        .help = "incidents that count: any urgency, or high only",
    },
    [CFG_MQTT_URL] = {
        .key = "mqtt.url", .type = CFG_T_STR, .form = CFG_F_URL, .def = "", .min = 1,
        .max = PDB_CFG_PATH_MAX, .choices = "mqtt|mqtts|tcp|ssl|ws|wss", .flag = "--mqtt-url",
        .help = "MQTT broker (unset: do not publish)",
    },
    [CFG_MQTT_USERNAME] = {
        .key = "mqtt.username", .type = CFG_T_STR, .form = CFG_F_TEXT, .def = "", .min = 1,
        .max = PDB_SECRET_MAX,
        .help = "MQTT user name",
    },
    [CFG_MQTT_PASSWORD] = {
        .key = "mqtt.password", .type = CFG_T_STR, .form = CFG_F_TEXT, .def = "", .min = 1,
        .max = PDB_SECRET_MAX, .flags = SECRET,
        .help = "MQTT password",
    },
    [CFG_MQTT_CLIENT_ID] = {
        .key = "mqtt.client_id", .type = CFG_T_STR, .form = CFG_F_WORD, .def = "", .min = 1,
        .max = PDB_CFG_WORD_MAX,
        .help = "MQTT client id (unset: pdbridge-<node_id>)",
    },
    [CFG_MQTT_BASE_TOPIC] = {
        .key = "mqtt.base_topic", .type = CFG_T_STR, .form = CFG_F_TOPIC, .def = "pdbridge",
        .min = 1, .max = PDB_CFG_WORD_MAX,
        .help = "first topic levels: <base_topic>/<node_id>/...",
    },
    [CFG_MQTT_NODE_ID] = {
        .key = "mqtt.node_id", .type = CFG_T_STR, .form = CFG_F_WORD, .def = "", .min = 1,
        .max = PDB_CFG_WORD_MAX, .flag = "--node-id",
        .help = "this board's topic level (unset: the host name)",
    },
    [CFG_MQTT_HA_DISCOVERY] = {
        .key = "mqtt.ha_discovery", .type = CFG_T_BOOL, .form = CFG_F_TEXT, .def = "false",
        .help = "publish Home Assistant discovery messages",
    },
    [CFG_MCP_LISTEN] = {
        .key = "mcp.listen", .type = CFG_T_LIST, .form = CFG_F_URL, .def = "", .min = 1,
        .max = PDB_TR_LISTEN_MAX, .choices = "tcp|http", .flag = "--listen",
        .help = "MCP listeners: tcp://HOST:PORT, http://HOST:PORT/PATH",
    },
    [CFG_MCP_AUTH_TOKEN] = {
        .key = "mcp.auth_token", .type = CFG_T_STR, .form = CFG_F_TEXT, .def = "", .min = 1,
        .max = PDB_SECRET_MAX, .flags = SECRET,
        .help = "bearer token MCP network clients present",
    },
    [CFG_WRITE_TOOLS] = {
        .key = "write_tools", .type = CFG_T_BOOL, .form = CFG_F_TEXT, .def = "false",
        .flag = "--enable-write-tools",
        .help = "also serve the MCP tools that change PagerDuty",
    },
    [CFG_TOOLS_ALLOW] = {
        .key = "tools.allow", .type = CFG_T_LIST, .form = CFG_F_GLOB, .def = "", .min = 1,
        .max = PDB_CFG_LIST_MAX, .flag = "--tools",
        .help = "serve only these MCP tools (unset: all)",
    },
    [CFG_TOOLS_DENY] = {
        .key = "tools.deny", .type = CFG_T_LIST, .form = CFG_F_GLOB, .def = "", .min = 1,
        .max = PDB_CFG_LIST_MAX, .flag = "--exclude-tools",
        .help = "never serve these MCP tools",
    },
    [CFG_LOG_LEVEL] = {
        .key = "log.level", .type = CFG_T_ENUM, .form = CFG_F_TEXT, .def = "info",
        .choices = "error|warn|info|debug", .flag = "--log-level",
        .help = "lines above this level are dropped",
    },
    [CFG_SECRETS_SEAL] = {
        .key = "secrets.seal", .type = CFG_T_BOOL, .form = CFG_F_TEXT, .def = "true",
        .help = "seal secrets with the device-bound key when they are stored",
    },
    [CFG_BOARD_LISTEN] = {
        .key = "board.listen", .type = CFG_T_STR, .form = CFG_F_URL, .def = "", .min = 1,
        .max = PDB_CFG_PATH_MAX, .choices = "http", .flag = "--board-listen",
        .help = "board page: http://HOST:PORT/ (unset: none)",
    },
    [CFG_BOARD_TOKEN] = {
        .key = "board.token", .type = CFG_T_STR, .form = CFG_F_WORD, .def = "", .min = 16,
        .max = PDB_CFG_WORD_MAX, .flags = SECRET,
        .help = "board page's access token, required off loopback (16+ of A-Za-z0-9_-)",
    },
    [CFG_BOARD_THEME] = {
        .key = "board.theme", .type = CFG_T_ENUM, .form = CFG_F_TEXT, .def = "light",
        .choices = "light|dark",
        .help = "board page colours",
    },
    [CFG_LAMP_OK] = {
        .key = "lamp.ok", .type = CFG_T_STR, .form = CFG_F_TEXT, .def = "", .min = 1,
        .max = PDB_LAMP_NAME_MAX,
        .help = "LED (a name under lamp.sysfs) lit while nothing is open, e.g. pd-green",
    },
    [CFG_LAMP_ACKED] = {
        .key = "lamp.acked", .type = CFG_T_STR, .form = CFG_F_TEXT, .def = "", .min = 1,
        .max = PDB_LAMP_NAME_MAX,
        .help = "LED lit while open incidents are all acknowledged, e.g. pd-yellow",
    },
    [CFG_LAMP_TRIGGERED] = {
        .key = "lamp.triggered", .type = CFG_T_STR, .form = CFG_F_TEXT, .def = "", .min = 1,
        .max = PDB_LAMP_NAME_MAX,
        .help = "LED lit while an incident is triggered (fast blink: high urgency)",
    },
    [CFG_LAMP_UNKNOWN] = {
        .key = "lamp.unknown", .type = CFG_T_STR, .form = CFG_F_TEXT, .def = "", .min = 1,
        .max = PDB_LAMP_NAME_MAX,
        .help = "LED lit while the state is unknown or stale, and when pdbridge is not running",
    },
    [CFG_LAMP_BUZZER] = {
        .key = "lamp.buzzer", .type = CFG_T_STR, .form = CFG_F_TEXT, .def = "", .min = 1,
        .max = PDB_LAMP_NAME_MAX,
        .help = "LED-class device wired to an active buzzer: beeps for new triggered incidents",
    },
    [CFG_LAMP_SYSFS] = {
        .key = "lamp.sysfs", .type = CFG_T_STR, .form = CFG_F_TEXT, .def = "/sys/class/leds",
        .min = 1, .max = PDB_CFG_PATH_MAX,
        .help = "the LED class directory (another one for tests)",
    },
    [CFG_BUZZER_REPEAT] = {
        .key = "buzzer.repeat", .type = CFG_T_INT, .form = CFG_F_TEXT, .def = "60",
        .max = PDB_BUZZER_REPEAT_MAX_S,
        .help = "seconds between two beeps while a triggered incident is not acknowledged (0: "
                "once)",
    },
    [CFG_BUZZER_QUIET] = {
        .key = "buzzer.quiet", .type = CFG_T_STR, .form = CFG_F_TEXT, .def = "", .min = 1,
        .max = 11,
        .help = "HH:MM-HH:MM local time when the buzzer stays silent, e.g. 22:00-07:00",
    },
    [CFG_BUZZER_MUTE] = {
        .key = "buzzer.mute", .type = CFG_T_INT, .form = CFG_F_TEXT, .def = "30", .min = 1,
        .max = PDB_LAMP_MUTE_MAX_MIN,
        .help = "minutes a short press (or cmd/mute without a number) mutes the buzzer",
    },
    [CFG_BUTTON_DEVICE] = {
        .key = "button.device", .type = CFG_T_STR, .form = CFG_F_TEXT, .def = "", .min = 1,
        .max = PDB_CFG_PATH_MAX,
        .help = "acknowledge button: an input event device or its name, e.g. pd-ack",
    },
    [CFG_BUTTON_KEY] = {
        .key = "button.key", .type = CFG_T_INT, .form = CFG_F_TEXT, .def = "28", .min = 1,
        .max = PDB_LAMP_KEY_MAX,
        .help = "key code of the button (28: KEY_ENTER, the gpio-key overlay's keycode=28)",
    },
    [CFG_BUTTON_ROOT] = {
        .key = "button.root", .type = CFG_T_STR, .form = CFG_F_TEXT, .def = "/", .min = 1,
        .max = PDB_CFG_PATH_MAX,
        .help = "where sys/class/input and dev/input are, to find button.device by name",
    },
    [CFG_WRITE_CONFIRM] = {
        .key = "write_confirm", .type = CFG_T_BOOL, .form = CFG_F_TEXT, .def = "false",
        .help = "MCP write tools ask the user to confirm first when the client can ask",
    },
};
/* clang-format on */

const struct cfg_field *cfg_field(enum cfg_key k)
{
	return &schema[k];
}

enum pdb_rc cfg_key_find(const char *name, enum cfg_key *out)
{
	size_t i;

	for (i = 0; i < CFG_KEYS; i++)
		if (!strcmp(schema[i].key, name)) {
			*out = (enum cfg_key)i;
			return PDB_OK;
		}
	return PDB_E_NOTFOUND;
}

void cfg_env_name(enum cfg_key k, char *out, size_t len)
{
	const char *key = schema[k].key;
	size_t n, i;

	n = (size_t)snprintf(out, len, "PDBRIDGE_%s", key);
	for (i = sizeof("PDBRIDGE_") - 1; i < n && i < len; i++)
		out[i] = out[i] == '.'
		             ? '_'
		             : (char)(out[i] >= 'a' && out[i] <= 'z' ? out[i] - 32 : out[i]);
}

bool cfg__key_ok(const char *key, size_t len)
{
	size_t i;

	if (!len || len > PDB_CFG_KEY_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_.", key[i]) || !key[i])
			return false;
	return true;
}

/* --- forms ------------------------------------------------------------------ */

static bool is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* Is @s (@n bytes) one of the '|'-separated @choices? */
static bool in_choices(const char *choices, const char *s, size_t n)
{
	const char *c = choices, *bar;
	size_t len;

	while (c && *c) {
		bar = strchr(c, '|');
		len = bar ? (size_t)(bar - c) : strlen(c);
		if (len == n && !strncmp(c, s, n))
			return true;
		c = bar ? bar + 1 : NULL;
	}
	return false;
}

/* Why @s (@n bytes, no control characters) is not in form @f, or NULL when it is. */
static const char *form_error(const struct cfg_field *f, const char *s, size_t n)
{
	const char *at, *sep;
	size_t i;

	switch (f->form) {
	case CFG_F_TEXT:
		return NULL;
	case CFG_F_WORD:
	case CFG_F_GLOB:
		if (n > PDB_CFG_WORD_MAX)
			return "is too long for a word";
		for (i = 0; i < n; i++)
			if (!is_word_char(s[i]) && !(f->form == CFG_F_GLOB && s[i] == '*'))
				return f->form == CFG_F_GLOB
				           ? "may hold only letters, digits, '_', '-' and '*'"
				           : "may hold only letters, digits, '_' and '-'";
		return NULL;
	case CFG_F_URL:
		sep = memchr(s, ':', n);
		if (!sep || (size_t)(sep - s) + 3 >= n || strncmp(sep, "://", 3) ||
		    !in_choices(f->choices, s, (size_t)(sep - s)))
			return "must be a URL with a scheme of";
		for (i = 0; i < n; i++)
			if (s[i] == ' ' || s[i] == ',')
				return "must not contain spaces or commas";
		return NULL;
	case CFG_F_EMAIL:
		at = memchr(s, '@', n);
		if (!at || at == s || at == s + n - 1 ||
		    memchr(at + 1, '@', (size_t)(s + n - at - 1)))
			return "must be an e-mail address (name@domain)";
		for (i = 0; i < n; i++)
			if (s[i] == ' ' || s[i] == ',')
				return "must not contain spaces or commas";
		return NULL;
	case CFG_F_TOPIC:
		if (s[0] == '/' || s[n - 1] == '/' || s[0] == '$')
			return "must not start or end with '/' or start with '$'";
		for (i = 0; i < n; i++) {
			if (s[i] == '+' || s[i] == '#' || s[i] == ' ')
				return "must not contain '+', '#' or spaces";
			if (s[i] == '/' && s[i + 1] == '/')
				return "must not contain an empty topic level";
		}
		return NULL;
	}
	return "has an unknown form";
}

/* --- validation ---------------------------------------------------------------- */

/* A detail line for @f: the value only for non-secrets. */
static enum pdb_rc bad(struct pdb_err *err, enum pdb_rc rc, const struct cfg_field *f,
                       const char *what, const char *s, size_t n)
{
	if (f->flags & CFG_SECRET)
		return pdb_err_set(err, rc, "%s %s", f->key, what);
	return pdb_err_set(err, rc, "%s %s, not '%.*s'", f->key, what, (int)(n > 80 ? 80 : n), s);
}

static enum pdb_rc check_form(const struct cfg_field *f, const char *s, size_t n,
                              struct pdb_err *err)
{
	const char *why = form_error(f, s, n);
	char what[128];

	if (!why)
		return PDB_OK;
	if (f->form == CFG_F_URL && !strcmp(why, "must be a URL with a scheme of")) {
		snprintf(what, sizeof(what), "%s %s", why, f->choices);
		return bad(err, PDB_E_INVAL, f, what, s, n);
	}
	return bad(err, PDB_E_INVAL, f, why, s, n);
}

static enum pdb_rc check_int(const struct cfg_field *f, const char *s, size_t n, char *canon,
                             struct pdb_err *err)
{
	char tmp[32], *end;
	long long v;

	if (n >= sizeof(tmp))
		return bad(err, PDB_E_TYPE, f, "must be a whole number", s, n);
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	v = strtoll(tmp, &end, 10);
	if (errno || *end || end == tmp || tmp[0] == '+' || tmp[0] == ' ')
		return bad(err, PDB_E_TYPE, f, "must be a whole number", s, n);
	if (v < f->min || v > f->max)
		return pdb_err_set(err, PDB_E_RANGE, "%s must be between %lld and %lld, not %lld",
		                   f->key, f->min, f->max, v);
	snprintf(canon, PDB_CFG_VALUE_MAX + 1, "%lld", v);
	return PDB_OK;
}

static enum pdb_rc check_bool(const struct cfg_field *f, const char *s, size_t n, char *canon,
                              struct pdb_err *err)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	size_t i;

	for (i = 0; i < PDB_N_OF(yes); i++) {
		if (strlen(yes[i]) == n && !strncmp(yes[i], s, n)) {
			snprintf(canon, PDB_CFG_VALUE_MAX + 1, "true");
			return PDB_OK;
		}
		if (strlen(no[i]) == n && !strncmp(no[i], s, n)) {
			snprintf(canon, PDB_CFG_VALUE_MAX + 1, "false");
			return PDB_OK;
		}
	}
	return bad(err, PDB_E_TYPE, f, "must be true or false", s, n);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Trim spaces and tabs around [*s, *s + *n). */
static void trim(const char **s, size_t *n)
{
	while (*n && is_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_space((*s)[*n - 1]))
		(*n)--;
}

static enum pdb_rc check_list(const struct cfg_field *f, const char *s, size_t n, char *canon,
                              struct pdb_err *err)
{
	const char *item = s, *comma, *end = s + n, *prev;
	size_t len, out = 0, count = 0, plen;
	enum pdb_rc rc;

	while (item <= end) {
		comma = memchr(item, ',', (size_t)(end - item));
		len = comma ? (size_t)(comma - item) : (size_t)(end - item);
		trim(&item, &len);
		if (!len)
			return pdb_err_set(err, PDB_E_INVAL, "%s has an empty list item", f->key);
		rc = check_form(f, item, len, err);
		if (rc)
			return rc;
		/* A duplicate is a mistake worth saying: compare with the items kept so far. */
		for (prev = canon; prev < canon + out; prev += plen + 1) {
			plen = strcspn(prev, ",");
			if (plen == len && !strncmp(prev, item, len))
				return bad(err, PDB_E_INVAL, f, "lists an item twice", item, len);
		}
		if (++count > (size_t)f->max)
			return pdb_err_set(err, PDB_E_TOO_LARGE, "%s holds more than %lld items",
			                   f->key, f->max);
		if (out)
			canon[out++] = ',';
		memcpy(canon + out, item, len);
		out += len;
		canon[out] = '\0';
		if (!comma)
			break;
		item = comma + 1;
	}
	return PDB_OK;
}

enum pdb_rc cfg_check(enum cfg_key k, const char *text, char canon[PDB_CFG_VALUE_MAX + 1],
                      struct pdb_err *err)
{
	const struct cfg_field *f = &schema[k];
	const char *s = text;
	size_t n = strlen(text), i;
	enum pdb_rc rc;

	canon[0] = '\0';
	if (n > PDB_CFG_VALUE_MAX)
		return pdb_err_set(err, PDB_E_TOO_LARGE, "%s is longer than %d bytes", f->key,
		                   PDB_CFG_VALUE_MAX);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return pdb_err_set(err, PDB_E_INVAL, "%s contains a control character",
			                   f->key);
	trim(&s, &n);
	if (!n)
		return pdb_err_set(err, PDB_E_INVAL, "%s is empty (unset it instead)", f->key);
	switch (f->type) {
	case CFG_T_STR:
		if (n < (size_t)f->min || n > (size_t)f->max)
			return pdb_err_set(err, n > (size_t)f->max ? PDB_E_TOO_LARGE : PDB_E_INVAL,
			                   "%s must be %lld to %lld bytes long", f->key, f->min,
			                   f->max);
		rc = check_form(f, s, n, err);
		if (!rc) {
			memcpy(canon, s, n);
			canon[n] = '\0';
		}
		return rc;
	case CFG_T_INT:
		return check_int(f, s, n, canon, err);
	case CFG_T_BOOL:
		return check_bool(f, s, n, canon, err);
	case CFG_T_ENUM:
		if (!in_choices(f->choices, s, n)) {
			char what[96];

			snprintf(what, sizeof(what), "must be one of %s", f->choices);
			return bad(err, PDB_E_INVAL, f, what, s, n);
		}
		memcpy(canon, s, n);
		canon[n] = '\0';
		return PDB_OK;
	case CFG_T_LIST:
		rc = check_list(f, s, n, canon, err);
		if (rc)
			canon[0] = '\0';
		return rc;
	}
	return PDB_E_INTERNAL;
}

/* --- the reference table of docs/config.md ------------------------------------- */

static const char *type_name(const struct cfg_field *f)
{
	static const char *const forms[] = {
	    [CFG_F_TEXT] = "text",    [CFG_F_WORD] = "word",   [CFG_F_URL] = "URL",
	    [CFG_F_EMAIL] = "e-mail", [CFG_F_TOPIC] = "topic", [CFG_F_GLOB] = "name or glob",
	};

	switch (f->type) {
	case CFG_T_STR:
		return forms[f->form];
	case CFG_T_INT:
		return "integer";
	case CFG_T_BOOL:
		return "bool";
	case CFG_T_ENUM:
		return "enum";
	case CFG_T_LIST:
		return f->form == CFG_F_URL    ? "list of URLs"
		       : f->form == CFG_F_GLOB ? "list of names or globs"
		                               : "list of words";
	}
	return "?";
}

/* @s as Markdown table-cell text: '|' would end the cell, '<' start HTML. */
static enum pdb_rc add_cell(struct buf *out, const char *s)
{
	enum pdb_rc rc = PDB_OK;

	for (; !rc && *s; s++) {
		if (*s == '|')
			rc = buf_adds(out, ", ");
		else if (*s == '<')
			rc = buf_adds(out, "&lt;");
		else
			rc = buf_addc(out, *s);
	}
	return rc;
}

/* The "allowed" column: choices, schemes, a range or a length. */
static enum pdb_rc allowed(const struct cfg_field *f, struct buf *out)
{
	enum pdb_rc rc = PDB_OK;

	if (f->form == CFG_F_URL) {
		rc = buf_adds(out, "scheme ");
		if (!rc)
			rc = add_cell(out, f->choices);
		if (!rc)
			rc = buf_adds(out, "; ");
	}
	if (rc)
		return rc;
	switch (f->type) {
	case CFG_T_STR:
		return buf_addf(out, "%lld..%lld bytes", f->min, f->max);
	case CFG_T_INT:
		return buf_addf(out, "%lld..%lld", f->min, f->max);
	case CFG_T_BOOL:
		return buf_adds(out, "true, false");
	case CFG_T_ENUM:
		return add_cell(out, f->choices);
	case CFG_T_LIST:
		return buf_addf(out, "1..%lld items", f->max);
	}
	return PDB_E_INTERNAL;
}

enum pdb_rc cfg_schema_doc(struct buf *out)
{
	char env[PDB_CFG_KEY_MAX + 16];
	enum pdb_rc rc;
	size_t i;

	rc = buf_adds(out, "| key | type | default | allowed | environment | flag | description |\n"
	                   "|---|---|---|---|---|---|---|\n");
	for (i = 0; !rc && i < CFG_KEYS; i++) {
		const struct cfg_field *f = &schema[i];

		cfg_env_name((enum cfg_key)i, env, sizeof(env));
		rc = buf_addf(out, "| `%s` | %s%s | %s%s%s | ", f->key, type_name(f),
		              f->flags & CFG_SECRET ? ", **secret**" : "", f->def[0] ? "`" : "",
		              f->def[0] ? f->def : "unset", f->def[0] ? "`" : "");
		if (!rc)
			rc = allowed(f, out);
		if (!rc)
			rc = buf_addf(out, " | %s%s%s`%s` | %s%s%s | ", f->env ? "`" : "",
			              f->env ? f->env : "", f->env ? "`, " : "", env,
			              f->flag ? "`" : "", f->flag ? f->flag : "-",
			              f->flag ? "`" : "");
		if (!rc)
			rc = add_cell(out, f->help);
		if (!rc)
			rc = buf_adds(out, " |\n");
	}
	return rc;
}
