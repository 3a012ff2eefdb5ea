/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * status_cmd.c - commands from the broker: cmd/refresh, cmd/ack, cmd/mute
 * (handed to the buzzer through on_mute), and Home Assistant's birth
 * message.
 *
 * cmd/ack is the only way MQTT can change PagerDuty, so it is gated three
 * times: write mode must be on, a From address must be set (PagerDuty
 * records who acknowledged), and the payload must name the seq the display
 * showed. Only the incidents that were triggered in the top list of that
 * seq, and are still triggered now, are acknowledged: a press never
 * acknowledges an incident that arrived after the human looked. Every
 * refusal is a result message with the reason; no payload can crash or
 * stall the loop (it is parsed with the bounded jsonx parser or as a
 * plain number, nothing else).
 */
#include "status_int.h"

#include <pdbridge/jsonx.h>
#include <pdbridge/log.h>

#include <cjson/cJSON.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#define ERR_WRITE_OFF "write mode is off: set write_tools=true"
#define ERR_NO_FROM   "no From address: set from_email (PagerDuty records who acknowledged)"
#define ERR_PAYLOAD   "bad payload: expected {\"seq\":N} or N, N the seq the display shows"
#define ERR_BUSY      "an acknowledgement is already running: try again when it ends"
#define ERR_MUTE      "bad payload: expected {\"minutes\":N}, N, or nothing for the default"

/* Longest plain-number payload: 2^53 has 16 digits. */
#define SEQ_DIGITS_MAX 16

void status__cmd_result(struct status *s, const char *verb, const char *json)
{
	char topic[PDB_MQ_TOPIC_MAX];

	snprintf(topic, sizeof(topic), "%s/cmd/%s/result", s->cfg->c.topic_base, verb);
	if (status__publish(s, topic, json, strlen(json), false))
		LOG_DEBUG(STATUS_LOG, "the %s result was not published", verb);
}

/*
 * Publish @o (owned: deleted here) as the result of @verb; when building it
 * failed (!@ok) or it does not print, a fixed out-of-memory result instead,
 * so a command is never left without an answer.
 */
static void send_result(struct status *s, const char *verb, cJSON *o, bool ok)
{
	struct buf out;

	buf_init(&out, PDB_MQ_MSG_MAX);
	if (ok && !jsonx_print(o, &out))
		status__cmd_result(s, verb, buf_cstr(&out));
	else
		status__cmd_result(s, verb, "{\"ok\":false,\"error\":\"out of memory\"}");
	cJSON_Delete(o);
	buf_free(&out);
}

/* {"ok":..,"seq":..,"acknowledged":[..],"error":..} from the ack fields. */
static void ack_result(struct status *s, bool have_seq, uint64_t seq, const char *error)
{
	cJSON *o = cJSON_CreateObject(), *arr;
	size_t i;
	bool ok;

	ok = o && cJSON_AddBoolToObject(o, "ok", !error) &&
	     (have_seq ? cJSON_AddNumberToObject(o, "seq", (double)seq) != NULL
	               : cJSON_AddNullToObject(o, "seq") != NULL) &&
	     (arr = cJSON_AddArrayToObject(o, "acknowledged")) != NULL;
	for (i = 0; ok && !error && i < s->n_ack; i++) {
		cJSON *id;

		if (!s->ack_done[i])
			continue;
		id = cJSON_CreateString(s->ack_ids[i]);
		ok = id && cJSON_AddItemToArray(arr, id);
		if (!ok)
			cJSON_Delete(id);
	}
	if (ok && error)
		ok = cJSON_AddStringToObject(o, "error", error) != NULL;
	send_result(s, "ack", o, ok);
}

void status__refresh_reply(struct status *s, enum pdb_rc rc, const char *error)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o && cJSON_AddBoolToObject(o, "ok", rc == PDB_OK) &&
	          cJSON_AddNumberToObject(o, "seq", (double)s->cur->seq) &&
	          (rc == PDB_OK || cJSON_AddStringToObject(o, "error", error));

	send_result(s, "refresh", o, ok);
}

void status__ack_reply(struct status *s, enum pdb_rc rc, const char *error)
{
	size_t i, n = 0;

	for (i = 0; i < s->n_ack; i++)
		n += s->ack_done[i];
	if (rc)
		LOG_WARN(STATUS_LOG, "cmd/ack of seq %llu failed: %s",
		         (unsigned long long)s->ack_seq, error);
	else
		LOG_INFO(STATUS_LOG, "cmd/ack of seq %llu: %zu of %zu acknowledged",
		         (unsigned long long)s->ack_seq, n, s->n_ack);
	ack_result(s, true, s->ack_seq, rc ? error : NULL);
	if (!rc)
		status__poll_now(s); /* displays see the ack at once */
}

/*
 * The number in @p: {"@key":N} or a plain N, N >= @min (whitespace around
 * either is fine). Returns PDB_OK, PDB_E_NOMEM (the payload may be fine) or
 * PDB_E_INVAL.
 */
static enum pdb_rc parse_num(const char *p, size_t len, const char *key, int64_t min, uint64_t *out)
{
	struct pdb_err err;
	cJSON *doc = NULL;
	int64_t v = 0;
	size_t i;
	bool ok;

	while (len && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++, len--;
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r' ||
	               p[len - 1] == '\n'))
		len--;
	*out = 0;
	if (!len)
		return PDB_E_INVAL;
	if (p[0] == '{') {
		if (jsonx_parse(p, len, &doc, &err) == PDB_E_NOMEM)
			return PDB_E_NOMEM;
		ok = doc && !jsonx_get_int(doc, key, min, JSONX_INT_MAX, &v);
		jsonx_free(doc);
	} else {
		ok = len <= SEQ_DIGITS_MAX;
		for (i = 0; ok && i < len; i++) {
			ok = p[i] >= '0' && p[i] <= '9';
			v = v * 10 + (p[i] - '0');
		}
		ok = ok && v >= min;
	}
	*out = ok ? (uint64_t)v : 0;
	return ok ? PDB_OK : PDB_E_INVAL;
}

/* Still triggered now: in the current snapshot's kept incidents with that status. */
static bool triggered_now(const struct status *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->cur->pd.n_incidents; i++)
		if (!strcmp(s->cur->pd.incidents[i].id, id))
			return s->cur->pd.incidents[i].status == PD_TRIGGERED;
	return false;
}

/*
 * Start acknowledging what was shown at @seq (@have: a seq was given at all).
 * Every refusal is published as the result and returned with its reason.
 */
static enum pdb_rc start_ack(struct status *s, bool have, uint64_t seq, const char *source,
                             struct pdb_err *err)
{
	const struct status_shown *sh;
	const char *from = s->cfg->pd.from_email;
	size_t i;

	if (!s->cfg->c.write)
		pdb_err_set(err, PDB_E_DENIED, ERR_WRITE_OFF);
	else if (!from || !*from)
		pdb_err_set(err, PDB_E_DENIED, ERR_NO_FROM);
	else if (!have)
		pdb_err_set(err, PDB_E_INVAL, ERR_PAYLOAD);
	else if (s->ack_pending || (s->busy && s->kind == JOB_ACK))
		pdb_err_set(err, PDB_E_DENIED, ERR_BUSY);
	else if ((sh = &s->shown[seq % PDB_STATUS_ACK_SEQS])->seq != seq)
		pdb_err_set(err, PDB_E_DENIED,
		            "seq %llu is unknown or too old: the current seq is %llu (the last %d "
		            "are kept)",
		            (unsigned long long)seq, (unsigned long long)s->cur->seq,
		            PDB_STATUS_ACK_SEQS);
	else {
		s->n_ack = 0;
		memset(s->ack_done, 0, sizeof(s->ack_done));
		for (i = 0; i < sh->n; i++)
			if (triggered_now(s, sh->ids[i]))
				memcpy(s->ack_ids[s->n_ack++], sh->ids[i], PDB_PD_ID_MAX);
		if (s->n_ack) {
			s->ack_seq = seq;
			LOG_INFO(STATUS_LOG, "%s: acknowledging %zu incidents shown at seq %llu",
			         source, s->n_ack, (unsigned long long)seq);
			return status__submit_ack(s);
		}
		pdb_err_set(err, PDB_E_DENIED, "nothing to acknowledge at seq %llu",
		            (unsigned long long)seq);
	}
	LOG_INFO(STATUS_LOG, "%s ack refused: %s", source, pdb_err_text(err));
	ack_result(s, have, seq, pdb_err_text(err));
	return err->rc;
}

enum pdb_rc status_ack(struct status *s, uint64_t seq, const char *source, struct pdb_err *err)
{
	return start_ack(s, seq >= 1, seq, source, err);
}

static void cmd_ack(struct status *s, const char *payload, size_t len)
{
	struct pdb_err err;
	uint64_t seq = 0;
	enum pdb_rc rc = parse_num(payload, len, "seq", 1, &seq);

	if (rc == PDB_E_NOMEM) /* not the sender's fault: not "bad payload" */
		ack_result(s, false, 0, "out of memory: try again");
	else
		(void)start_ack(s, rc == PDB_OK, seq, "cmd/ack", &err);
}

/* cmd/mute: N minutes, {"minutes":N}, or nothing for the buzzer's default. */
static void cmd_mute(struct status *s, const char *payload, size_t len)
{
	cJSON *o = cJSON_CreateObject();
	struct pdb_err err;
	uint64_t minutes = 0;
	enum pdb_rc rc = len ? parse_num(payload, len, "minutes", 0, &minutes) : PDB_E_INVAL;
	bool have = rc == PDB_OK, ok;

	pdb_err_clear(&err);
	if (rc == PDB_E_NOMEM)
		pdb_err_set(&err, rc, "out of memory: try again");
	else if (len && !have)
		rc = pdb_err_set(&err, PDB_E_INVAL, ERR_MUTE);
	else if (!have)
		rc = s->cfg->c.on_mute(s->cfg->c.view_ud, -1, &err);
	else
		rc = s->cfg->c.on_mute(s->cfg->c.view_ud,
		                       minutes > INT_MAX ? INT_MAX : (int)minutes, &err);
	ok = o && cJSON_AddBoolToObject(o, "ok", rc == PDB_OK) &&
	     (have ? cJSON_AddNumberToObject(o, "minutes", (double)minutes) != NULL
	           : cJSON_AddNullToObject(o, "minutes") != NULL) &&
	     (rc == PDB_OK || cJSON_AddStringToObject(o, "error", pdb_err_text(&err)));
	send_result(s, "mute", o, ok);
}

void status_refresh(struct status *s)
{
	status__poll_now(s);
}

void status_on_message(struct status *s, const char *topic, const char *payload, size_t len)
{
	const struct status_cfg *c = s->cfg;

	if (!topic)
		return;
	if (!payload)
		len = 0;
	if (!strcmp(topic, c->sub_refresh)) {
		s->refresh_waiting = true;
		status__poll_now(s);
	} else if (!strcmp(topic, c->sub_ack)) {
		cmd_ack(s, payload ? payload : "", len);
	} else if (c->c.on_mute && !strcmp(topic, c->sub_mute)) {
		cmd_mute(s, payload ? payload : "", len);
	} else if (c->c.ha_discovery && !strcmp(topic, "homeassistant/status")) {
		if (len == 6 && !memcmp(payload, "online", 6))
			status__publish_all(s, true, true);
	} else if (!status__leftover(s, topic, len)) {
		LOG_DEBUG(STATUS_LOG, "a message on a topic that is not ours: ignored");
	}
}
