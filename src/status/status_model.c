/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * status_model.c - the status snapshot and every payload rendered from it.
 *
 * Pure: no I/O, no clock, no settings beyond what is passed in, so the unit
 * test can check each payload byte for byte. The snapshot keeps decoded
 * structs (fixed arrays), never JSON; the texts here are rebuilt on each
 * poll and compared by status_pub.c, which is how an unchanged poll
 * publishes nothing.
 *
 * Privacy: the payloads carry names and PagerDuty ids, never e-mail
 * addresses (a home broker is often open to every device of the house), and
 * never anything of the token.
 */
#include "status_int.h"

#include <pdbridge/jsonx.h>

#include <cjson/cJSON.h>

#include <stdio.h>
#include <string.h>

static const char *const level_names[] = {
    [STATUS_OK] = "ok",
    [STATUS_ACKED] = "acked",
    [STATUS_TRIGGERED] = "triggered",
    [STATUS_UNKNOWN] = "unknown",
};

const char *status_level_name(enum status_level l)
{
	return (unsigned)l <= STATUS_UNKNOWN ? level_names[l] : "unknown";
}

enum status_level status_level_of(const struct status_snap *s)
{
	if (!s->valid || s->stale)
		return STATUS_UNKNOWN;
	if (s->pd.counts.triggered)
		return STATUS_TRIGGERED;
	if (s->pd.counts.acknowledged)
		return STATUS_ACKED;
	return STATUS_OK;
}

void status_snap_from(struct status_snap *out, const struct status_result *r)
{
	memset(out, 0, sizeof(*out));
	out->valid = true;
	out->oncall_me = r->oncall_me;
	out->pd = r->pd; /* pd_fetch_status() keeps n_oncalls and n_incidents in bounds */
	out->level = status_level_of(out);
}

void status_snap_make_stale(struct status_snap *s)
{
	s->stale = true;
	s->level = status_level_of(s);
}

size_t status_snap_policies(const struct status_snap *s, const struct pd_oncall **first, size_t cap)
{
	size_t n = 0, i, j;

	for (i = 0; i < s->pd.n_oncalls; i++) {
		for (j = 0; j < n && strcmp(first[j]->ep_id, s->pd.oncalls[i].ep_id); j++)
			;
		if (j == n && n < cap)
			first[n++] = &s->pd.oncalls[i];
	}
	return n;
}

/* --- JSON pieces ------------------------------------------------------------ */

static bool add_num(cJSON *o, const char *key, double v)
{
	return cJSON_AddNumberToObject(o, key, v) != NULL;
}

static bool add_str(cJSON *o, const char *key, const char *v)
{
	return cJSON_AddStringToObject(o, key, v) != NULL;
}

static bool add_item(cJSON *arr, cJSON *item)
{
	if (item && cJSON_AddItemToArray(arr, item))
		return true;
	cJSON_Delete(item);
	return false;
}

/* One incident as displays get it. */
static cJSON *incident_json(const struct pd_incident *i)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !add_str(o, "id", i->id) || !add_num(o, "number", (double)i->number) ||
	    !add_str(o, "title", i->title) || !add_str(o, "status", pd_status_name(i->status)) ||
	    !add_str(o, "urgency", pd_urgency_name(i->urgency)) ||
	    !(i->priority[0] ? add_str(o, "priority", i->priority)
	                     : cJSON_AddNullToObject(o, "priority") != NULL) ||
	    !add_str(o, "service", i->service_name) ||
	    !jsonx_add_time(o, "created", i->created_ms) || !add_str(o, "url", i->html_url) ||
	    !(i->acked_by[0] ? add_str(o, "acknowledged_by", i->acked_by)
	                     : cJSON_AddNullToObject(o, "acknowledged_by") != NULL)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* One on-call entry; @with_policy adds the policy id and name (the state list). */
static cJSON *oncall_json(const struct pd_oncall *e, bool with_policy)
{
	cJSON *o = cJSON_CreateObject();

	if (!o ||
	    (with_policy &&
	     (!add_str(o, "policy_id", e->ep_id) || !add_str(o, "policy", e->ep_name))) ||
	    !add_num(o, "level", e->level) || !add_str(o, "user_id", e->user_id) ||
	    !add_str(o, "user", e->user_name) || !jsonx_add_time(o, "until", e->end_ms)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static size_t top_count(const struct status_snap *s)
{
	return s->pd.n_incidents < PDB_STATUS_TOP_MAX ? s->pd.n_incidents : PDB_STATUS_TOP_MAX;
}

static bool add_top(cJSON *o, const struct status_snap *s)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "incidents");
	size_t i, n = top_count(s);

	for (i = 0; arr && i < n; i++)
		if (!add_item(arr, incident_json(&s->pd.incidents[i])))
			return false;
	return arr != NULL;
}

static enum pdb_rc finish(cJSON *o, bool ok, struct buf *out)
{
	enum pdb_rc rc = ok ? jsonx_print(o, out) : PDB_E_NOMEM;

	cJSON_Delete(o);
	return rc;
}

/* --- the topics ----------------------------------------------------------------- */

/*
 * The state JSON. When its on-call list would not fit one MQTT message, the
 * list is left out and "oncall_truncated" says so (oncall/<id> still has it).
 */
static enum pdb_rc render_state(const struct status_snap *s, bool with_meta, bool with_oncall,
                                struct buf *out)
{
	cJSON *o = cJSON_CreateObject(), *arr = NULL;
	bool ok = o != NULL;
	size_t i;

	if (ok && with_meta) {
		ok = add_num(o, "seq", (double)s->seq) && jsonx_add_time(o, "ts", s->ts_ms);
	}
	ok = ok && cJSON_AddBoolToObject(o, "stale", s->stale) &&
	     add_str(o, "level", status_level_name(s->level)) &&
	     add_num(o, "triggered", (double)s->pd.counts.triggered) &&
	     add_num(o, "acknowledged", (double)s->pd.counts.acknowledged) &&
	     add_num(o, "high_urgency", (double)s->pd.counts.high) &&
	     cJSON_AddBoolToObject(o, "counts_truncated", s->pd.counts.truncated) &&
	     cJSON_AddBoolToObject(o, "oncall_me", s->oncall_me) &&
	     (arr = cJSON_AddArrayToObject(o, "oncall")) != NULL;
	for (i = 0; ok && with_oncall && i < s->pd.n_oncalls; i++)
		ok = add_item(arr, oncall_json(&s->pd.oncalls[i], true));
	ok =
	    ok &&
	    cJSON_AddBoolToObject(o, "oncall_truncated", s->pd.oncalls_truncated || !with_oncall) &&
	    add_top(o, s);
	return finish(o, ok, out);
}

enum pdb_rc status_render_state(const struct status_snap *s, bool with_meta, struct buf *out)
{
	enum pdb_rc rc = render_state(s, with_meta, true, out);

	if (rc == PDB_E_TOO_LARGE)
		rc = render_state(s, with_meta, false, out);
	return rc;
}

enum pdb_rc status_render_plain(const struct status_snap *s, int which, struct buf *out)
{
	switch (which) {
	case ST_LEVEL:
		return buf_adds(out, status_level_name(s->level));
	case ST_TRIGGERED:
		return buf_addf(out, "%zu", s->pd.counts.triggered);
	case ST_ACKED:
		return buf_addf(out, "%zu", s->pd.counts.acknowledged);
	case ST_ONCALL_ME:
		return buf_adds(out, s->oncall_me ? "true" : "false");
	default:
		return PDB_E_INVAL;
	}
}

enum pdb_rc status_render_incidents(const struct status_snap *s, struct buf *out)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o && cJSON_AddBoolToObject(o, "stale", s->stale) &&
	          add_num(o, "triggered", (double)s->pd.counts.triggered) &&
	          add_num(o, "acknowledged", (double)s->pd.counts.acknowledged) &&
	          add_num(o, "shown", (double)top_count(s)) && add_top(o, s);

	return finish(o, ok, out);
}

enum pdb_rc status_render_policy(const struct status_snap *s, const char *ep_id, struct buf *out)
{
	cJSON *o = cJSON_CreateObject(), *arr = NULL;
	const char *name = "";
	bool ok;
	int level, next;
	size_t i;

	for (i = 0; i < s->pd.n_oncalls; i++)
		if (!strcmp(s->pd.oncalls[i].ep_id, ep_id)) {
			name = s->pd.oncalls[i].ep_name;
			break;
		}
	ok = o && add_str(o, "id", ep_id) && add_str(o, "name", name) &&
	     cJSON_AddBoolToObject(o, "stale", s->stale) &&
	     (arr = cJSON_AddArrayToObject(o, "oncall")) != NULL;
	/* by level, then in PagerDuty's order: a few entries, so a scan per level */
	for (level = 0; ok; level = next) {
		next = level;
		for (i = 0; i < s->pd.n_oncalls; i++) {
			const struct pd_oncall *e = &s->pd.oncalls[i];

			if (strcmp(e->ep_id, ep_id) || e->level <= level)
				continue;
			if (next == level || e->level < next)
				next = e->level;
		}
		if (next == level)
			break;
		for (i = 0; ok && i < s->pd.n_oncalls; i++)
			if (!strcmp(s->pd.oncalls[i].ep_id, ep_id) &&
			    s->pd.oncalls[i].level == next)
				ok = add_item(arr, oncall_json(&s->pd.oncalls[i], false));
	}
	return finish(o, ok, out);
}

/* --- events ---------------------------------------------------------------------- */

static const struct pd_incident *find_incident(const struct status_snap *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->pd.n_incidents; i++)
		if (!strcmp(s->pd.incidents[i].id, id))
			return &s->pd.incidents[i];
	return NULL;
}

static cJSON *event_head(const struct status_snap *cur, const char *name)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !add_str(o, "event", name) || !add_num(o, "seq", (double)cur->seq) ||
	    !jsonx_add_time(o, "ts", cur->ts_ms)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

struct ev_out {
	struct buf *scratch;
	status_event_fn fn;
	void *ud;
	size_t sent;
};

static void emit(struct ev_out *e, cJSON *o, bool ok)
{
	if (e->sent >= PDB_STATUS_EVENTS_MAX) {
		cJSON_Delete(o);
		return;
	}
	buf_reset(e->scratch);
	if (o && finish(o, ok, e->scratch) == PDB_OK) {
		e->fn(e->ud, buf_cstr(e->scratch), buf_len(e->scratch));
		e->sent++;
	}
}

static void incident_event(struct ev_out *e, const struct status_snap *cur, const char *name,
                           const struct pd_incident *in)
{
	cJSON *o = event_head(cur, name), *i = incident_json(in);
	bool ok = o && i && cJSON_AddItemToObject(o, "incident", i);

	if (!ok)
		cJSON_Delete(i);
	emit(e, o, ok);
}

/* Users on call at @ep_id, @level in @s, as a JSON array of {"id","name"}. */
static cJSON *users_at(const struct status_snap *s, const char *ep_id, int level)
{
	cJSON *arr = cJSON_CreateArray(), *u;
	size_t i;

	for (i = 0; arr && i < s->pd.n_oncalls; i++) {
		const struct pd_oncall *o = &s->pd.oncalls[i];

		if (strcmp(o->ep_id, ep_id) || o->level != level)
			continue;
		u = cJSON_CreateObject();
		if (!u || !add_str(u, "id", o->user_id) || !add_str(u, "name", o->user_name)) {
			cJSON_Delete(u);
			cJSON_Delete(arr);
			return NULL;
		}
		if (!add_item(arr, u)) {
			cJSON_Delete(arr);
			return NULL;
		}
	}
	return arr;
}

/* Whether the users at (@ep_id, @level) differ between @a and @b. */
static bool users_differ(const struct status_snap *a, const struct status_snap *b,
                         const char *ep_id, int level)
{
	const struct status_snap *x = a, *y = b;
	size_t i, j;
	int pass;

	for (pass = 0; pass < 2; pass++, x = b, y = a)
		for (i = 0; i < x->pd.n_oncalls; i++) {
			const struct pd_oncall *o = &x->pd.oncalls[i];
			bool found = false;

			if (strcmp(o->ep_id, ep_id) || o->level != level)
				continue;
			for (j = 0; j < y->pd.n_oncalls && !found; j++)
				found = !strcmp(y->pd.oncalls[j].ep_id, ep_id) &&
				        y->pd.oncalls[j].level == level &&
				        !strcmp(y->pd.oncalls[j].user_id, o->user_id);
			if (!found)
				return true;
		}
	return false;
}

/* Whether (@ep_id, @level) appears in @s before index @before. */
static bool seen_before(const struct status_snap *s, size_t before, const char *ep_id, int level)
{
	size_t i;

	for (i = 0; i < before; i++)
		if (!strcmp(s->pd.oncalls[i].ep_id, ep_id) && s->pd.oncalls[i].level == level)
			return true;
	return false;
}

static void oncall_event(struct ev_out *e, const struct status_snap *prev,
                         const struct status_snap *cur, const struct pd_oncall *key)
{
	cJSON *o = event_head(cur, "oncall_changed"), *now = NULL, *before = NULL;
	bool ok = o && add_str(o, "policy_id", key->ep_id) && add_str(o, "policy", key->ep_name) &&
	          add_num(o, "level", key->level);

	now = ok ? users_at(cur, key->ep_id, key->level) : NULL;
	ok = ok && now && cJSON_AddItemToObject(o, "users", now);
	if (!ok)
		cJSON_Delete(now);
	before = ok ? users_at(prev, key->ep_id, key->level) : NULL;
	ok = ok && before && cJSON_AddItemToObject(o, "previous", before);
	if (!ok && before)
		cJSON_Delete(before);
	emit(e, o, ok);
}

size_t status_render_events(const struct status_snap *prev, const struct status_snap *cur,
                            struct buf *scratch, status_event_fn fn, void *ud)
{
	struct ev_out e = {.scratch = scratch, .fn = fn, .ud = ud};
	size_t i, wanted = 0;

	for (i = 0; i < cur->pd.n_incidents; i++) {
		const struct pd_incident *in = &cur->pd.incidents[i],
		                         *was = find_incident(prev, in->id);

		if (!was || was->status != in->status) {
			wanted++;
			incident_event(&e, cur, pd_status_name(in->status), in);
		}
	}
	/* gone from a list that is not full: resolved (from a full list it may have been cut) */
	for (i = 0; cur->pd.n_incidents < PDB_STATUS_INCIDENTS_MAX && i < prev->pd.n_incidents; i++)
		if (!find_incident(cur, prev->pd.incidents[i].id)) {
			wanted++;
			incident_event(&e, cur, "resolved", &prev->pd.incidents[i]);
		}
	for (i = 0; i < cur->pd.n_oncalls; i++) {
		const struct pd_oncall *k = &cur->pd.oncalls[i];

		if (!seen_before(cur, i, k->ep_id, k->level) &&
		    users_differ(prev, cur, k->ep_id, k->level)) {
			wanted++;
			oncall_event(&e, prev, cur, k);
		}
	}
	for (i = 0; i < prev->pd.n_oncalls; i++) {
		const struct pd_oncall *k = &prev->pd.oncalls[i];

		if (!seen_before(prev, i, k->ep_id, k->level) &&
		    !seen_before(cur, cur->pd.n_oncalls, k->ep_id, k->level)) {
			wanted++;
			oncall_event(&e, prev, cur, k);
		}
	}
	return wanted - e.sent;
}

/* --- Home Assistant discovery -------------------------------------------------------- */

/*
 * Keys used, as Home Assistant's MQTT sensor and binary_sensor pages
 * document them (home-assistant.io/integrations/sensor.mqtt,
 * binary_sensor.mqtt, and mqtt "Discovery"): name, unique_id, state_topic,
 * availability_topic, payload_available, payload_not_available, device
 * (identifiers, name, manufacturer, model, sw_version), origin (name,
 * sw_version, support_url), icon, value_template, json_attributes_topic,
 * state_class, payload_on, payload_off. Not used on purpose: expire_after
 * (an unchanged poll publishes nothing, so a quiet sensor is not a dead
 * one; liveness is the availability topic and the stale flag).
 */
static const struct ha_entity {
	const char *component, *object, *name, *topic, *icon, *state_class, *attributes;
} ha_fixed[STATUS_HA_FIXED] = {
    [STATUS_HA_LEVEL] = {"sensor", "level", "Level", "state/level", "mdi:alarm-light", NULL,
                         "incidents"},
    [STATUS_HA_TRIGGERED] = {"sensor", "triggered", "Triggered incidents", "state/triggered",
                             "mdi:alert", "measurement", "incidents"},
    [STATUS_HA_ACKED] = {"sensor", "acknowledged", "Acknowledged incidents", "state/acknowledged",
                         "mdi:alert-circle-check", "measurement", NULL},
    [STATUS_HA_ONCALL_ME] = {"binary_sensor", "oncall_me", "On call (me)", "state/oncall_me",
                             "mdi:phone-ring", NULL, NULL},
};

void status_ha_topic(const struct status_names *n, int which, const char *ep_id, char *out,
                     size_t cap)
{
	if (ep_id)
		snprintf(out, cap, "homeassistant/sensor/%s/oncall_%s/config", n->node, ep_id);
	else
		snprintf(out, cap, "homeassistant/%s/%s/%s/config", ha_fixed[which].component,
		         n->node, ha_fixed[which].object);
}

static cJSON *ha_common(const struct status_names *n, const char *object, const char *name,
                        const char *icon)
{
	char topic[PDB_MQ_TOPIC_MAX], id[PDB_MQ_TOPIC_MAX], dev_name[PDB_MQ_TOPIC_MAX];
	cJSON *o = cJSON_CreateObject(), *dev, *ids, *org;
	bool ok;

	snprintf(topic, sizeof(topic), "%s/status", n->base);
	snprintf(id, sizeof(id), "pdbridge_%s_%s", n->node, object);
	snprintf(dev_name, sizeof(dev_name), "pdbridge %s", n->node);
	ok = o && add_str(o, "name", name) && add_str(o, "unique_id", id) &&
	     add_str(o, "availability_topic", topic) && add_str(o, "payload_available", "online") &&
	     add_str(o, "payload_not_available", "offline") && add_str(o, "icon", icon);
	dev = ok ? cJSON_AddObjectToObject(o, "device") : NULL;
	ids = dev ? cJSON_AddArrayToObject(dev, "identifiers") : NULL;
	snprintf(id, sizeof(id), "pdbridge_%s", n->node);
	ok = ids && add_item(ids, cJSON_CreateString(id)) && add_str(dev, "name", dev_name) &&
	     add_str(dev, "manufacturer", "pdbridge") && add_str(dev, "model", "pdbridge") &&
	     add_str(dev, "sw_version", PDB_VERSION);
	org = ok ? cJSON_AddObjectToObject(o, "origin") : NULL;
	ok = org && add_str(org, "name", "pdbridge") && add_str(org, "sw_version", PDB_VERSION);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static bool add_topic(cJSON *o, const char *key, const struct status_names *n, const char *rel)
{
	char topic[PDB_MQ_TOPIC_MAX];

	snprintf(topic, sizeof(topic), "%s/%s", n->base, rel);
	return add_str(o, key, topic);
}

enum pdb_rc status_render_ha(const struct status_names *n, int which, struct buf *out)
{
	const struct ha_entity *e;
	cJSON *o;
	bool ok;

	if (which < 0 || which >= STATUS_HA_FIXED)
		return PDB_E_INVAL;
	e = &ha_fixed[which];
	o = ha_common(n, e->object, e->name, e->icon);
	ok = o && add_topic(o, "state_topic", n, e->topic) &&
	     (!e->state_class || add_str(o, "state_class", e->state_class)) &&
	     (!e->attributes || add_topic(o, "json_attributes_topic", n, e->attributes));
	if (ok && which == STATUS_HA_ONCALL_ME)
		ok = add_str(o, "payload_on", "true") && add_str(o, "payload_off", "false");
	return finish(o, ok, out);
}

enum pdb_rc status_render_ha_policy(const struct status_names *n, const char *ep_id,
                                    const char *ep_name, struct buf *out)
{
	char object[PDB_PD_ID_MAX + 8], name[PDB_PD_NAME_MAX + 16], rel[PDB_PD_ID_MAX + 8];
	cJSON *o;
	bool ok;

	snprintf(object, sizeof(object), "oncall_%s", ep_id);
	snprintf(name, sizeof(name), "On call: %s", ep_name[0] ? ep_name : ep_id);
	snprintf(rel, sizeof(rel), "oncall/%s", ep_id);
	o = ha_common(n, object, name, "mdi:account-alert");
	ok = o && add_topic(o, "state_topic", n, rel) &&
	     add_str(o, "value_template",
	             "{{ value_json.oncall[0].user if value_json.oncall else 'nobody' }}") &&
	     add_topic(o, "json_attributes_topic", n, rel);
	return finish(o, ok, out);
}
