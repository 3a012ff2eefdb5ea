/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * status_pub.c - from a new snapshot to the fewest MQTT messages.
 *
 * Every retained topic has a slot in a fixed table (ST_TOPICS: the state
 * topics, the discovery topics and two per escalation policy) holding a hash
 * of the payload the broker has from us. A new snapshot renders each
 * topic's payload and publishes only those whose bytes differ, so a poll
 * that found nothing new publishes nothing at all.
 *
 * "Changed" is decided on the state JSON without seq and ts: only then does
 * seq go up and ts become now. ts is therefore the time the state last
 * changed, not the time of the last poll (a poll time would force a
 * republish every interval); a display learns that the data is current from
 * <base>/status being online and stale being false.
 *
 * A topic whose subject is gone (an escalation policy nobody is on call for
 * any more, discovery switched off) gets an empty retained payload, which
 * clears it on the broker. A publish the callback refuses leaves the slot as
 * it was, so the next poll or status_republish() tries again.
 *
 * A policy's topics left on the broker by an earlier run (other watch
 * settings, a policy deleted while we were down) have no slot: the poller
 * subscribes to its own per-policy topics, so the broker hands them over on
 * connect, and any with a payload for a policy without slots is cleared the
 * same way. Only once a good poll says which policies are current: before
 * that (and while stale) they are remembered, a bounded few.
 */
#include "status_int.h"

#include <pdbridge/clock.h>
#include <pdbridge/log.h>

#include <stdio.h>
#include <string.h>

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 14695981039346656037ull;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ull;
	}
	return h;
}

void status__names(const struct status *s, struct status_names *n)
{
	n->base = s->cfg->c.topic_base;
	n->node = s->cfg->node_ha;
}

enum pdb_rc status__publish(struct status *s, const char *topic, const char *payload, size_t len,
                            bool retain)
{
	enum pdb_rc rc = s->cfg->c.publish(s->cfg->c.publish_ud, topic, payload, len, 1, retain);

	if (!rc) {
		s->stats.published++;
		s->stats.last_poll_published++;
	}
	return rc;
}

/* The names of the fixed slots, from the settings. */
static void fixed_topics(struct status *s)
{
	static const char *const rel[ST_HA_FIRST] = {
	    [ST_STATE] = "state",
	    [ST_LEVEL] = "state/level",
	    [ST_TRIGGERED] = "state/triggered",
	    [ST_ACKED] = "state/acknowledged",
	    [ST_ONCALL_ME] = "state/oncall_me",
	    [ST_INCIDENTS] = "incidents",
	};
	struct status_names n;
	int i;

	status__names(s, &n);
	for (i = 0; i < ST_HA_FIRST; i++)
		snprintf(s->slot[i].topic, sizeof(s->slot[i].topic), "%s/%s", n.base, rel[i]);
	for (i = 0; i < STATUS_HA_FIXED; i++)
		status_ha_topic(&n, i, NULL, s->slot[ST_HA_FIRST + i].topic,
		                sizeof(s->slot[0].topic));
}

static bool has_policy(const struct status_snap *snap, const char *ep_id)
{
	size_t i;

	for (i = 0; i < snap->pd.n_oncalls; i++)
		if (!strcmp(snap->pd.oncalls[i].ep_id, ep_id))
			return true;
	return false;
}

/* Give each policy of the current snapshot a pair of slots (while any is free). */
static void assign_policies(struct status *s)
{
	const struct pd_oncall *first[PDB_STATUS_POLICIES_MAX];
	struct status_names n;
	size_t np = status_snap_policies(s->cur, first, PDB_STATUS_POLICIES_MAX), i;
	int p, free_p;

	status__names(s, &n);
	for (i = 0; i < np; i++) {
		for (p = 0, free_p = -1; p < PDB_STATUS_POLICIES_MAX; p++) {
			if (!strcmp(s->pol_ep[p], first[i]->ep_id))
				break;
			if (free_p < 0 && !s->pol_ep[p][0])
				free_p = p;
		}
		if (p < PDB_STATUS_POLICIES_MAX)
			continue; /* has its slots */
		if (free_p < 0) {
			if (!s->policies_full_logged)
				LOG_WARN(
				    STATUS_LOG,
				    "more than %d escalation policies have someone on call: "
				    "policy %s and later ones get no oncall/ topic (watch fewer)",
				    PDB_STATUS_POLICIES_MAX, first[i]->ep_id);
			s->policies_full_logged = true;
			continue;
		}
		snprintf(s->pol_ep[free_p], sizeof(s->pol_ep[0]), "%s", first[i]->ep_id);
		snprintf(s->slot[ST_FIXED + 2 * free_p].topic, sizeof(s->slot[0].topic),
		         "%s/oncall/%s", n.base, first[i]->ep_id);
		status_ha_topic(&n, 0, first[i]->ep_id, s->slot[ST_FIXED + 2 * free_p + 1].topic,
		                sizeof(s->slot[0].topic));
	}
}

/*
 * The payload slot @i should have now into s->out; false when the topic
 * should not exist (or rendering failed: then the slot is left alone, and
 * *@skip says so).
 */
static bool desired(struct status *s, int i, bool *skip)
{
	const struct status_snap *c = s->cur;
	struct status_names n;
	enum pdb_rc rc = PDB_OK;
	bool ha = s->cfg->c.ha_discovery;
	const char *ep;
	int p;

	*skip = false;
	buf_reset(&s->out);
	status__names(s, &n);
	if (i == ST_STATE) {
		rc = status_render_state(c, true, &s->out);
	} else if (i < ST_INCIDENTS) {
		rc = status_render_plain(c, i, &s->out);
	} else if (i == ST_INCIDENTS) {
		rc = status_render_incidents(c, &s->out);
	} else if (i < ST_FIXED) {
		if (!ha)
			return false;
		rc = status_render_ha(&n, i - ST_HA_FIRST, &s->out);
	} else {
		p = (i - ST_FIXED) / 2;
		ep = s->pol_ep[p];
		if (!has_policy(c, ep) || ((i - ST_FIXED) % 2 && !ha))
			return false;
		if ((i - ST_FIXED) % 2 == 0) {
			rc = status_render_policy(c, ep, &s->out);
		} else {
			size_t k;
			const char *name = "";

			for (k = 0; k < c->pd.n_oncalls; k++)
				if (!strcmp(c->pd.oncalls[k].ep_id, ep)) {
					name = c->pd.oncalls[k].ep_name;
					break;
				}
			rc = status_render_ha_policy(&n, ep, name, &s->out);
		}
	}
	if (rc) {
		LOG_WARN(STATUS_LOG, "rendering %s: %s", s->slot[i].topic, pdb_strerror(rc));
		*skip = true;
		return false;
	}
	return true;
}

static void sync_slot(struct status *s, int i, bool force)
{
	struct status_slot *sl = &s->slot[i];
	bool skip, want;
	uint64_t h;

	if (!sl->topic[0])
		return;
	want = desired(s, i, &skip);
	if (skip)
		return;
	if (want) {
		h = fnv1a(buf_cstr(&s->out), buf_len(&s->out));
		if (!force && sl->present && sl->hash == h && sl->len == buf_len(&s->out))
			return;
		if (status__publish(s, sl->topic, buf_cstr(&s->out), buf_len(&s->out), true))
			return;
		sl->present = true;
		sl->hash = h;
		sl->len = buf_len(&s->out);
	} else if (sl->present && !status__publish(s, sl->topic, "", 0, true)) {
		sl->present = false;
	}
}

/* Free the slots of policies that are gone and cleared. */
static void release_policies(struct status *s)
{
	int p;

	for (p = 0; p < PDB_STATUS_POLICIES_MAX; p++) {
		struct status_slot *d = &s->slot[ST_FIXED + 2 * p], *h = d + 1;

		if (!s->pol_ep[p][0] || has_policy(s->cur, s->pol_ep[p]) || d->present ||
		    h->present)
			continue;
		s->pol_ep[p][0] = '\0';
		d->topic[0] = h->topic[0] = '\0';
	}
}

/* Every slot, the state topic last (a display that reads it sees the rest done). */
static void sync_all(struct status *s, bool force, bool ha_only)
{
	int i;

	if (!s->slot[ST_STATE].topic[0])
		fixed_topics(s);
	for (i = 1; i < ST_TOPICS; i++) {
		bool is_ha =
		    (i >= ST_HA_FIRST && i < ST_FIXED) || (i >= ST_FIXED && (i - ST_FIXED) % 2);

		if (!ha_only || is_ha)
			sync_slot(s, i, force);
	}
	if (!ha_only)
		sync_slot(s, ST_STATE, force);
	release_policies(s);
}

static void remember_shown(struct status *s)
{
	struct status_shown *sh = &s->shown[s->cur->seq % PDB_STATUS_ACK_SEQS];
	size_t i, n = s->cur->pd.n_incidents < PDB_STATUS_TOP_MAX ? s->cur->pd.n_incidents
	                                                          : PDB_STATUS_TOP_MAX;

	sh->seq = s->cur->seq;
	sh->n = 0;
	for (i = 0; i < n; i++)
		if (s->cur->pd.incidents[i].status == PD_TRIGGERED)
			memcpy(sh->ids[sh->n++], s->cur->pd.incidents[i].id, PDB_PD_ID_MAX);
}

static void publish_event(void *ud, const char *json, size_t len)
{
	struct status *s = ud;
	char topic[PDB_MQ_TOPIC_MAX];

	snprintf(topic, sizeof(topic), "%s/event", s->cfg->c.topic_base);
	if (status__publish(s, topic, json, len, false))
		LOG_DEBUG(STATUS_LOG, "an event was not published (broker not connected)");
}

static bool was_triggered(const struct status_snap *snap, const char *id)
{
	size_t i;

	for (i = 0; snap->valid && i < snap->pd.n_incidents; i++)
		if (snap->pd.incidents[i].status == PD_TRIGGERED &&
		    !strcmp(snap->pd.incidents[i].id, id))
			return true;
	return false;
}

/* Tell the view (board page, lamps) the state just applied; s->out holds the state JSON. */
static void notify_view(struct status *s, bool changed)
{
	const struct status_snap *c = s->cur;
	struct status_view v = {
	    .seq = c->seq,
	    .changed = changed,
	    .valid = c->valid,
	    .stale = c->stale,
	    .level = status_level_name(c->level),
	    .ts_ms = c->ts_ms,
	    .last_good_ms = s->last_good_ms,
	    .triggered = (unsigned)c->pd.counts.triggered,
	    .acknowledged = (unsigned)c->pd.counts.acknowledged,
	};
	size_t i;

	if (!s->cfg->c.on_view)
		return;
	for (i = 0; c->valid && !c->stale && i < c->pd.n_incidents; i++) {
		const struct pd_incident *in = &c->pd.incidents[i];

		if (in->status != PD_TRIGGERED)
			continue;
		v.triggered_high |= in->urgency == PD_URGENCY_HIGH;
		v.new_triggered += changed && !was_triggered(s->prev, in->id);
	}
	buf_reset(&s->out);
	if (status_render_state(c, true, &s->out))
		LOG_ERROR(STATUS_LOG, "the state does not render: the view gets none");
	v.state_json = buf_cstr(&s->out);
	v.state_len = buf_len(&s->out);
	s->cfg->c.on_view(s->cfg->c.view_ud, &v);
}

void status__apply(struct status *s, const struct status_snap *next, bool events)
{
	struct status_snap *t;
	uint64_t h;
	bool changed;
	size_t dropped;

	buf_reset(&s->scratch);
	if (status_render_state(next, false, &s->scratch)) {
		LOG_ERROR(STATUS_LOG, "the state does not render: not published");
		return;
	}
	h = fnv1a(buf_cstr(&s->scratch), buf_len(&s->scratch));
	changed = !s->have_content || h != s->content_hash;
	s->have_content = true;
	s->content_hash = h;
	t = s->prev;
	s->prev = s->cur;
	s->cur = t;
	if (s->cur != next)
		memcpy(s->cur, next, sizeof(*next));
	s->stats.last_poll_published = 0;
	if (changed) {
		s->cur->seq = ++s->seq;
		s->cur->ts_ms = clk_wall_ms();
		remember_shown(s);
	} else {
		s->cur->seq = s->prev->seq;
		s->cur->ts_ms = s->prev->ts_ms;
	}
	s->stats.seq = s->cur->seq;
	s->stats.stale = s->cur->stale;
	assign_policies(s);
	sync_all(s, false, false);
	if (events && changed && s->prev->valid && s->cur->valid && !s->cur->stale) {
		dropped = status_render_events(s->prev, s->cur, &s->scratch, publish_event, s);
		if (dropped)
			LOG_WARN(STATUS_LOG, "%zu events of seq %llu not sent (at most %d a poll)",
			         dropped, (unsigned long long)s->cur->seq, PDB_STATUS_EVENTS_MAX);
	}
	notify_view(s, changed);
}

void status__publish_all(struct status *s, bool force, bool ha_only)
{
	s->stats.last_poll_published = 0;
	assign_policies(s);
	sync_all(s, force, ha_only);
}

void status__forget_topics(struct status *s)
{
	int i;

	for (i = 0; i < ST_TOPICS; i++) {
		if (s->slot[i].present && s->slot[i].topic[0])
			(void)status__publish(s, s->slot[i].topic, "", 0, true);
		s->slot[i].topic[0] = '\0';
		s->slot[i].present = false;
	}
	memset(s->pol_ep, 0, sizeof(s->pol_ep));
}

/* --- leftovers of earlier runs ------------------------------------------------------- */

/* The fixed discovery entity "oncall_me": never a policy's, whatever its component. */
#define ONCALL_ME "me"

/*
 * The policy id in @topic (*@n its length) when @topic is <base>/oncall/<id>
 * or, with discovery on, homeassistant/sensor/<node>/oncall_<id>/config;
 * NULL for any other topic, the other discovery objects of the node included.
 */
static const char *policy_in(const struct status *s, const char *topic, size_t *n)
{
	static const char ha_pre[] = "homeassistant/sensor/", ha_suf[] = "/config";
	struct status_names nm;
	size_t bl, nl, tl = strlen(topic);
	const char *id = NULL;

	status__names(s, &nm);
	bl = strlen(nm.base);
	nl = strlen(nm.node);
	if (!strncmp(topic, nm.base, bl) && !strncmp(topic + bl, "/oncall/", 8)) {
		id = topic + bl + 8;
		*n = tl - bl - 8;
	} else if (s->cfg->c.ha_discovery && !strncmp(topic, ha_pre, sizeof(ha_pre) - 1) &&
	           !strncmp(topic + sizeof(ha_pre) - 1, nm.node, nl) &&
	           !strncmp(topic + sizeof(ha_pre) - 1 + nl, "/oncall_", 8) &&
	           tl > sizeof(ha_suf) - 1 && !strcmp(topic + tl - (sizeof(ha_suf) - 1), ha_suf)) {
		id = topic + sizeof(ha_pre) - 1 + nl + 8;
		if (id > topic + tl - (sizeof(ha_suf) - 1))
			return NULL; /* the prefix and the suffix overlap */
		*n = (size_t)(topic + tl - (sizeof(ha_suf) - 1) - id);
		if (*n == sizeof(ONCALL_ME) - 1 && !memcmp(id, ONCALL_ME, *n))
			return NULL;
	}
	if (!id || !*n || memchr(id, '/', *n))
		return NULL;
	return id;
}

/* A policy we publish (or are about to: it has its slots), so its topics are ours. */
static bool publishing(const struct status *s, const char *id, size_t n)
{
	int p;

	for (p = 0; p < PDB_STATUS_POLICIES_MAX; p++)
		if (strlen(s->pol_ep[p]) == n && !memcmp(s->pol_ep[p], id, n))
			return true;
	return false;
}

static void clear_leftover(struct status *s, const char *topic)
{
	if (status__publish(s, topic, "", 0, true))
		LOG_DEBUG(STATUS_LOG,
		          "not cleared (broker away), seen again on the next connect: %s", topic);
	else
		LOG_INFO(STATUS_LOG, "cleared a retained on-call topic left by an earlier run: %s",
		         topic);
}

static void remember_leftover(struct status *s, const char *topic)
{
	size_t i;

	for (i = 0; i < s->n_leftovers; i++)
		if (!strcmp(s->leftover[i], topic))
			return;
	if (s->n_leftovers == PDB_STATUS_LEFTOVERS_MAX || strlen(topic) >= sizeof(s->leftover[0])) {
		LOG_DEBUG(STATUS_LOG, "no room to remember %s: seen again on the next connect",
		          topic);
		return;
	}
	memcpy(s->leftover[s->n_leftovers++], topic, strlen(topic) + 1);
}

bool status__leftover(struct status *s, const char *topic, size_t len)
{
	size_t n;
	const char *id = policy_in(s, topic, &n);

	if (!id)
		return false;
	/* our own publishes come back here: a current policy, or a clear */
	if (!len || publishing(s, id, n))
		return true;
	/* stale or nothing polled yet: which policies are current is not known */
	if (!s->cur->valid || s->cur->stale)
		remember_leftover(s, topic);
	else
		clear_leftover(s, topic);
	return true;
}

void status__clear_leftovers(struct status *s)
{
	const char *id;
	size_t i, n;

	if (!s->cur->valid || s->cur->stale)
		return;
	/* the settings may have changed since: a topic no longer ours is dropped */
	for (i = 0; i < s->n_leftovers; i++) {
		id = policy_in(s, s->leftover[i], &n);
		if (id && !publishing(s, id, n))
			clear_leftover(s, s->leftover[i]);
	}
	s->n_leftovers = 0;
}
