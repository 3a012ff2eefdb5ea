/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_decode.c - PagerDuty on-call and incident objects into plain structs.
 *
 * The status poller keeps these structs, not JSON, so its memory is a fixed
 * array whatever PagerDuty sends. Decoding is strict where a wrong value
 * would mislead a display (IDs, status, urgency, times) and lenient where
 * PagerDuty itself is (names may be absent, references may be null).
 */
#include <pdbridge/clock.h>
#include <pdbridge/jsonx.h>
#include <pdbridge/pd.h>

#include <cjson/cJSON.h>

#include <string.h>

/* Copy a text field, cut at a UTF-8 boundary when it does not fit. */
static void copy_text(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0u) == 0x80u)
			n--; /* src[n] is now the lead byte of the cut sequence: drop it */
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The "id" of @obj's member @key (a reference), into @dst. */
static enum pdb_rc ref_id(const cJSON *obj, const char *key, char *dst, size_t cap,
                          struct pdb_err *err)
{
	const cJSON *ref;
	enum pdb_rc rc = jsonx_get_obj(obj, key, &ref);

	if (!rc)
		rc = jsonx_copy_str(ref, "id", dst, cap);
	if (rc)
		return pdb_err_set(err, rc, "%s.id: %s", key, pdb_strerror(rc));
	return PDB_OK;
}

/* The display name of a reference: "name" when expanded, else "summary". */
static void ref_name(const cJSON *obj, const char *key, char *dst, size_t cap)
{
	const cJSON *ref;
	const char *s = "";

	dst[0] = '\0';
	if (jsonx_get_obj(obj, key, &ref))
		return;
	if (jsonx_get_str(ref, "name", &s) && jsonx_get_str(ref, "summary", &s))
		s = "";
	copy_text(dst, cap, s);
}

/* The name of the last entry of acknowledgements[] (PagerDuty appends), "" when none. */
static void latest_acknowledger(const cJSON *obj, char *dst, size_t cap)
{
	const cJSON *acks;
	int n;

	dst[0] = '\0';
	n = jsonx_get_arr(obj, "acknowledgements", &acks) ? 0 : cJSON_GetArraySize(acks);
	if (n > 0)
		ref_name(cJSON_GetArrayItem(acks, n - 1), "acknowledger", dst, cap);
}

/* An ISO-8601 time member, 0 when absent or null; a malformed one is an error. */
static enum pdb_rc time_field(const cJSON *obj, const char *key, int64_t *out, struct pdb_err *err)
{
	const char *s;
	enum pdb_rc rc = jsonx_get_str(obj, key, &s);

	*out = 0;
	if (rc == PDB_E_MISSING)
		return PDB_OK;
	if (!rc)
		rc = clk_parse_iso(s, out);
	if (rc)
		return pdb_err_set(err, rc, "%s: not an ISO-8601 time", key);
	return PDB_OK;
}

enum pdb_rc pd_decode_oncall(const struct cJSON *obj, struct pd_oncall *out, struct pdb_err *err)
{
	const cJSON *user;
	const char *email;
	int64_t level;
	enum pdb_rc rc;

	memset(out, 0, sizeof(*out));
	rc = ref_id(obj, "escalation_policy", out->ep_id, sizeof(out->ep_id), err);
	if (!rc)
		rc = ref_id(obj, "user", out->user_id, sizeof(out->user_id), err);
	if (rc)
		return rc;
	rc = jsonx_get_int(obj, "escalation_level", 1, 1000, &level);
	if (rc)
		return pdb_err_set(err, rc, "escalation_level: %s", pdb_strerror(rc));
	out->level = (int)level;
	ref_name(obj, "escalation_policy", out->ep_name, sizeof(out->ep_name));
	ref_name(obj, "user", out->user_name, sizeof(out->user_name));
	if (!jsonx_get_obj(obj, "user", &user) && !jsonx_get_str(user, "email", &email))
		copy_text(out->user_email, sizeof(out->user_email), email);
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(obj, "schedule"))) {
		rc = ref_id(obj, "schedule", out->schedule_id, sizeof(out->schedule_id), err);
		if (rc)
			return rc;
	}
	rc = time_field(obj, "start", &out->start_ms, err);
	if (!rc)
		rc = time_field(obj, "end", &out->end_ms, err);
	return rc;
}

/* Table lookups for the two enums PagerDuty sends as strings. */
static const char *const status_names[] = {"triggered", "acknowledged", "resolved"};
static const char *const urgency_names[] = {"high", "low"};

static int lookup(const char *s, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
}

const char *pd_status_name(enum pd_incident_status s)
{
	return (size_t)s < 3 ? status_names[s] : "?";
}

const char *pd_urgency_name(enum pd_urgency u)
{
	return (size_t)u < 2 ? urgency_names[u] : "?";
}

static enum pdb_rc enum_field(const cJSON *obj, const char *key, const char *const *names, size_t n,
                              int *out, struct pdb_err *err)
{
	const char *s;
	enum pdb_rc rc = jsonx_get_str(obj, key, &s);

	if (rc)
		return pdb_err_set(err, rc, "%s: %s", key, pdb_strerror(rc));
	*out = lookup(s, names, n);
	if (*out < 0)
		return pdb_err_set(err, PDB_E_INVAL, "%s: unknown value", key);
	return PDB_OK;
}

enum pdb_rc pd_decode_incident(const struct cJSON *obj, struct pd_incident *out,
                               struct pdb_err *err)
{
	const char *s;
	int status, urgency;
	enum pdb_rc rc;

	memset(out, 0, sizeof(*out));
	rc = jsonx_copy_str(obj, "id", out->id, sizeof(out->id));
	if (rc)
		return pdb_err_set(err, rc, "id: %s", pdb_strerror(rc));
	rc = jsonx_get_int(obj, "incident_number", 0, JSONX_INT_MAX, &out->number);
	if (rc)
		return pdb_err_set(err, rc, "incident_number: %s", pdb_strerror(rc));
	rc = enum_field(obj, "status", status_names, 3, &status, err);
	if (!rc)
		rc = enum_field(obj, "urgency", urgency_names, 2, &urgency, err);
	if (!rc)
		rc = ref_id(obj, "service", out->service_id, sizeof(out->service_id), err);
	if (!rc)
		rc = time_field(obj, "created_at", &out->created_ms, err);
	if (rc)
		return rc;
	out->status = (enum pd_incident_status)status;
	out->urgency = (enum pd_urgency)urgency;
	if (!jsonx_get_str(obj, "title", &s))
		copy_text(out->title, sizeof(out->title), s);
	if (!jsonx_get_str(obj, "html_url", &s))
		copy_text(out->html_url, sizeof(out->html_url), s);
	ref_name(obj, "service", out->service_name, sizeof(out->service_name));
	ref_name(obj, "priority", out->priority, sizeof(out->priority));
	latest_acknowledger(obj, out->acked_by, sizeof(out->acked_by));
	return PDB_OK;
}
