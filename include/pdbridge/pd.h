/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd.h - the PagerDuty REST client: libcurl over wolfSSL, c-ares resolver.
 *
 * One struct pd_client holds one curl handle, so calls reuse one kept-alive
 * TLS connection. Every call is bounded: the body by conf.body_max (checked
 * against Content-Length before reading, and while reading), the time by
 * conf.deadline_ms (retries and waits included), the retries by
 * conf.max_retries. 429 is retried after ratelimit-reset (or Retry-After);
 * 408, 5xx and transport errors only for idempotent methods. Errors carry
 * PagerDuty's status, error.message and errors[], never the token.
 *
 * Threads: pd_global_init() once before any thread starts; then each client
 * is used by one thread at a time (the worker that owns it).
 *
 * This is the only module that includes curl or wolfSSL headers; nothing of
 * theirs appears here.
 */
#ifndef PDBRIDGE_PD_H
#define PDBRIDGE_PD_H

#include <pdbridge/buf.h>
#include <pdbridge/err.h>
#include <pdbridge/limits.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct pd_client;

#define PD_HOST_US "https://api.pagerduty.com"
#define PD_HOST_EU "https://api.eu.pagerduty.com"

/* The official server's words, so agents that match on them keep working. */
#define PD_ERR_NO_KEY "An API key is required to call the PagerDuty API."

enum pd_region {
	PD_REGION_US = 0,
	PD_REGION_EU = 1,
};

/* Client settings. Strings are copied by pd_client_new(); NULL means unset. */
struct pd_conf {
	enum pd_region region;   /* used when api_host is NULL */
	const char *api_host;    /* "https://host[:port]"; http:// only for loopback */
	const char *token;       /* REST API key; NULL or "": every call fails with PD_ERR_NO_KEY */
	const char *from_email;  /* From header for the writes that require it */
	const char *ca_file;     /* PEM bundle; NULL: the system default */
	const char *connect_to;  /* "HOST:PORT:ADDR:PORT" as curl --connect-to, NULL: none */
	const char *user_agent;  /* NULL: "pdbridge/<version>" and the node, see node_id */
	long connect_timeout_ms; /* 0: PDB_PD_CONNECT_TIMEOUT_MS */
	long deadline_ms;        /* 0: PDB_PD_DEADLINE_MS */
	int max_retries;         /* -1: PDB_PD_RETRIES */
	size_t body_max;         /* 0: PDB_PD_BODY_MAX */
	const char *node_id;     /* named in the User-Agent: "pdbridge/0.1.0 (node kitchen)" */
	const char *caller;      /* the usage counts' name of its requests; NULL: "other" */
	const char *no_key_hint; /* said after PD_ERR_NO_KEY: where the key was looked for */
};

/** pd_conf_init: every field at its default (US region, no token). */
void pd_conf_init(struct pd_conf *conf);

/**
 * pd_global_init: route curl's and wolfSSL's allocations through mem and
 * initialise both. Once per process, before any thread is started.
 * Returns PDB_OK or PDB_E_TLS / PDB_E_NOMEM.
 */
enum pdb_rc pd_global_init(void) PDB_WARN_UNUSED;

/** pd_global_cleanup: undo pd_global_init() after every client is freed. */
void pd_global_cleanup(void);

/**
 * pd_client_new: a client for @conf. Caller frees with pd_client_free().
 * Returns PDB_OK, PDB_E_INVAL (bad host, http:// to a non-loopback host) or
 * PDB_E_NOMEM.
 */
enum pdb_rc pd_client_new(const struct pd_conf *conf, struct pd_client **out,
                          struct pdb_err *err) PDB_WARN_UNUSED;

/** pd_client_free: close the connection and free the client; NULL is a no-op. */
void pd_client_free(struct pd_client *c);

/**
 * pd_client_set_from: send From: @email (copied) on the PD_FROM calls from
 * now on, replacing any address set before. Returns PDB_OK, PDB_E_INVAL (empty,
 * longer than PDB_PD_NAME_MAX or holding a line break) or PDB_E_NOMEM.
 */
enum pdb_rc pd_client_set_from(struct pd_client *c, const char *email) PDB_WARN_UNUSED;

/** pd_client_has_from: PD_FROM calls would carry a From header. */
bool pd_client_has_from(const struct pd_client *c);

/** pd_client_base_url: the base URL in use ("https://api.eu.pagerduty.com"). Borrowed. */
const char *pd_client_base_url(const struct pd_client *c);

enum pd_method {
	PD_GET = 0,
	PD_POST = 1,
	PD_PUT = 2,
	PD_DELETE = 3,
};

/* Request flags. */
#define PD_FROM 1u /* send the From header; fails with PDB_E_MISSING when no from_email */

/* A query string under construction: pairs are URL-encoded as they are added. */
struct pd_query {
	struct buf b;
};

void pd_query_init(struct pd_query *q);
void pd_query_free(struct pd_query *q);

/**
 * pd_query_add: append key=value, both percent-encoded ("statuses[]" is sent
 * as "statuses%5B%5D"). Returns PDB_OK, PDB_E_TOO_LARGE or PDB_E_NOMEM.
 */
enum pdb_rc pd_query_add(struct pd_query *q, const char *key, const char *value) PDB_WARN_UNUSED;

/* What pd_encode() encodes for: the two differ only in '.'. */
enum pd_enc {
	PD_ENC_QUERY = 0, /* a query key or value: '.' passes, as every RFC 3986 unreserved byte */
	PD_ENC_PATH = 1,  /* one path segment: '.' is escaped too, so an ID of "." or ".." never
	                     becomes a dot-segment that curl squashes ("/teams/.." is "/") */
};

/**
 * pd_encode: append @s to @b percent-encoded for @mode: A-Z a-z 0-9 - _ ~
 * (and '.' for PD_ENC_QUERY) as they are, every other byte as %XX in
 * upper-case hex, so a value taken from a tool call can add no path
 * segment, parameter or fragment of its own. Returns PDB_OK,
 * PDB_E_TOO_LARGE (past @b's bound) or PDB_E_NOMEM; on either error @b is
 * left empty, as buf_add() leaves it.
 */
enum pdb_rc pd_encode(struct buf *b, const char *s, enum pd_enc mode) PDB_WARN_UNUSED;

/* Counters of one call or one list, for callers and tests. */
struct pd_stats {
	unsigned requests; /* HTTP requests sent, retries included */
	unsigned retries;  /* of those, how many were retries */
	size_t bytes;      /* response body bytes read */
};

/* A response: status and parsed body. Free with pd_response_free(). */
struct pd_response {
	long status;        /* HTTP status of the last attempt */
	struct cJSON *json; /* parsed body of a 2xx response, NULL when empty */
	struct pd_stats stats;
};

void pd_response_free(struct pd_response *r);

/**
 * pd_call: one REST call: @path ("/incidents") below the base URL, query @q
 * (may be NULL), JSON @body (may be NULL), @flags (PD_FROM).
 * On PDB_OK, @resp holds a 2xx status and its parsed body (caller frees with
 * pd_response_free()). Returns PDB_OK, PDB_E_AUTH (401, or no token),
 * PDB_E_DENIED (403), PDB_E_NOTFOUND (404), PDB_E_RATELIMIT (429 after the
 * retries), PDB_E_HTTP (other statuses), PDB_E_TLS, PDB_E_CONNECT,
 * PDB_E_TIMEOUT, PDB_E_TOO_LARGE (body over body_max), PDB_E_PARSE (a 2xx
 * body that is not JSON), PDB_E_MISSING (PD_FROM without from_email),
 * PDB_E_NOMEM; @err says which and PagerDuty's message.
 */
enum pdb_rc pd_call(struct pd_client *c, enum pd_method m, const char *path,
                    const struct pd_query *q, const char *body, unsigned flags,
                    struct pd_response *resp, struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * pd_item_fn: called once per record of a list, in order. The item is
 * borrowed until the callback returns. Return PDB_OK to go on; anything else
 * stops the list with that code, and the detail the callback set in @err.
 */
typedef enum pdb_rc (*pd_item_fn)(const struct cJSON *item, void *ctx, struct pdb_err *err);

/* What a list call found. */
struct pd_list_result {
	size_t records;        /* items passed to the callback */
	bool truncated;        /* stopped by a bound while more existed (or PagerDuty said so) */
	bool capped;           /* of those, by the page or time cap: PagerDuty kept saying more */
	struct pd_stats stats; /* across every page */
};

/**
 * pd_list: page through a classic-pagination collection (@key is the
 * wrapper: "incidents"), calling @fn for each item, at most @max_records
 * (0: PDB_PD_LIST_RECORDS_MAX). Pages are as large as the API allows (or
 * just @max_records), so the fewest requests are made; only one page is in
 * memory at a time. The walk follows what was asked and received, never
 * the offset or limit PagerDuty echoes: a page gives at most the items
 * asked for, the next offset is this one plus those. Stops at more=false
 * or an empty page; stops with truncated set at max_records, at
 * PagerDuty's offset ceiling, after PDB_PD_LIST_PAGES_MAX pages, or once
 * the client's deadline_ms has passed since the list began (those two also
 * set capped, and log it).
 * Returns as pd_call(), or what @fn returned.
 */
enum pdb_rc pd_list(struct pd_client *c, const char *path, const char *key,
                    const struct pd_query *q, size_t max_records, pd_item_fn fn, void *ctx,
                    struct pd_list_result *res, struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * pd_list_json: pd_list() collecting the items into a new JSON array
 * (caller frees with jsonx_free()), bounded by @max_records and by
 * @max_bytes of raw response text (0: PDB_PD_LIST_BYTES_MAX); hitting either
 * sets res->truncated.
 */
enum pdb_rc pd_list_json(struct pd_client *c, const char *path, const char *key,
                         const struct pd_query *q, size_t max_records, size_t max_bytes,
                         struct cJSON **items, struct pd_list_result *res,
                         struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * pd_list_json_from: pd_list_json() starting at @offset instead of 0 (an
 * offset past PagerDuty's ceiling returns an empty, truncated list).
 */
enum pdb_rc pd_list_json_from(struct pd_client *c, const char *path, const char *key,
                              const struct pd_query *q, size_t offset, size_t max_records,
                              size_t max_bytes, struct cJSON **items, struct pd_list_result *res,
                              struct pdb_err *err) PDB_WARN_UNUSED;

/* --- Usage: the requests this process made, per caller ------------------- */

/*
 * Every request a client sends that PagerDuty answers (retries included) is
 * counted, process-wide, under the client's caller: a tool's name, "poller",
 * "ack", a command. The counts say how much of the key's rate limit this
 * board uses and for what; PagerDuty's own ratelimit-* headers say how much
 * is left for everyone using the key. Any thread.
 */

/** pd_client_set_caller: count this client's requests under @caller (copied) from now on. */
void pd_client_set_caller(struct pd_client *c, const char *caller);

/* The ratelimit-* headers of one answer; -1: the header was absent. */
struct pd_ratelimit {
	long limit;     /* requests allowed in the window */
	long remaining; /* of those, left */
	long reset_s;   /* seconds until the window resets */
};

/**
 * pd_usage_count: count one answered request of @caller (NULL: "other")
 * with HTTP @status at monotonic time @now_ms, and remember @rl when it
 * carries any header (may be NULL). pd_call() calls it; tests may too.
 */
void pd_usage_count(const char *caller, long status, const struct pd_ratelimit *rl, int64_t now_ms);

/**
 * pd_usage_json: the counts at monotonic time @now_ms as a new object
 * (caller frees with jsonx_free()), NULL when out of memory:
 * {"since": ISO, "requests", "last_minute", "rate_limited" (429s),
 *  "ratelimit": {"limit", "remaining", "reset_seconds", "at": ISO} or null,
 *  "callers": [{"caller", "requests", "last_minute", "rate_limited"}, ...]}
 * with the busiest caller first. Nothing in it changes unless a request is
 * made or a minute passes, so equal texts mean nothing happened.
 */
struct cJSON *pd_usage_json(int64_t now_ms);

/** pd_usage_reset: zero every count; "since" becomes now. pd_global_init() does it. */
void pd_usage_reset(void);

/* --- Decoded records for the status poller ------------------------------ */

enum pd_incident_status {
	PD_TRIGGERED = 0,
	PD_ACKNOWLEDGED = 1,
	PD_RESOLVED = 2,
};

enum pd_urgency {
	PD_URGENCY_HIGH = 0,
	PD_URGENCY_LOW = 1,
};

/* One on-call entry: who is on call for an escalation policy at a level. */
struct pd_oncall {
	char ep_id[PDB_PD_ID_MAX];
	char ep_name[PDB_PD_NAME_MAX];
	int level; /* escalation level, 1-based */
	char user_id[PDB_PD_ID_MAX];
	char user_name[PDB_PD_NAME_MAX];  /* "" unless include[]=users was asked */
	char user_email[PDB_PD_NAME_MAX]; /* likewise */
	char schedule_id[PDB_PD_ID_MAX];  /* "" when on call directly, not via a schedule */
	int64_t start_ms;                 /* 0: no start (always on call) */
	int64_t end_ms;                   /* 0: no end */
};

/* One incident, the fields a status display needs. */
struct pd_incident {
	char id[PDB_PD_ID_MAX];
	int64_t number;
	char title[PDB_PD_TITLE_MAX];
	enum pd_incident_status status;
	enum pd_urgency urgency;
	char priority[PDB_PD_NAME_MAX]; /* priority summary ("P1"), "" when none */
	char service_id[PDB_PD_ID_MAX];
	char service_name[PDB_PD_NAME_MAX];
	char html_url[PDB_PD_URL_MAX];
	int64_t created_ms;
	char acked_by[PDB_PD_NAME_MAX]; /* the latest acknowledger's name, "" when none */
};

/**
 * pd_decode_oncall, pd_decode_incident: fill @out from one API object.
 * Returns PDB_OK, PDB_E_MISSING / PDB_E_TYPE (with the field in @err) or
 * PDB_E_TOO_LARGE (an ID longer than PDB_PD_ID_MAX). Names and titles that
 * do not fit are cut at a UTF-8 boundary.
 */
enum pdb_rc pd_decode_oncall(const struct cJSON *obj, struct pd_oncall *out,
                             struct pdb_err *err) PDB_WARN_UNUSED;
enum pdb_rc pd_decode_incident(const struct cJSON *obj, struct pd_incident *out,
                               struct pdb_err *err) PDB_WARN_UNUSED;

/* A list of IDs to filter by; n == 0 means no filter. Strings borrowed. */
struct pd_ids {
	const char *const *v;
	size_t n;
};

/* What a status snapshot watches. */
struct pd_watch {
	struct pd_ids escalation_policies; /* on-calls: these policies only */
	struct pd_ids schedules;           /* on-calls: these schedules only */
	struct pd_ids users;    /* on-calls: these users only ("me" is resolved by the caller) */
	struct pd_ids services; /* incidents: these services only */
	struct pd_ids teams;    /* incidents: these teams only */
	bool high_urgency_only; /* incidents: drop low urgency */
};

/*
 * Counts of a snapshot, over every open incident, kept or not: PagerDuty's
 * own totals (total=true). When it sends none that can be true, or the
 * read runs out of requests or time, a count is what the pages held and
 * truncated says it is a lower bound; a count is never below the
 * incidents kept.
 */
struct pd_open_counts {
	size_t triggered;
	size_t acknowledged;
	size_t high;    /* open with high urgency */
	bool truncated; /* the counts are lower bounds ("at least") */
};

/**
 * pd_fetch_oncalls: who is on call now (earliest entry per policy, level and
 * user), names and e-mails included, for @w's policies, schedules and users;
 * at most @cap entries into @out, *@n set, *@truncated when more existed.
 * Returns as pd_list(), or a decode error naming the bad field.
 */
enum pdb_rc pd_fetch_oncalls(struct pd_client *c, const struct pd_watch *w, struct pd_oncall *out,
                             size_t cap, size_t *n, bool *truncated,
                             struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * pd_fetch_open_incidents: triggered and acknowledged incidents of @w's
 * services and teams, newest first; up to @cap (at most PDB_PD_PAGE_LIMIT)
 * into @out (*@n set), and all of them counted into @counts. One request
 * when they all fit @cap; else three (the newest, the newest triggered ones
 * taking the places of the oldest acknowledged, the high-urgency count),
 * never a page more. Returns as pd_fetch_oncalls().
 */
enum pdb_rc pd_fetch_open_incidents(struct pd_client *c, const struct pd_watch *w,
                                    struct pd_incident *out, size_t cap, size_t *n,
                                    struct pd_open_counts *counts,
                                    struct pdb_err *err) PDB_WARN_UNUSED;

/*
 * What one status read holds: who is on call and which incidents are open.
 * Fixed arrays bounded by limits.h, so its size does not depend on what
 * PagerDuty sends; n_oncalls and n_incidents never exceed the arrays.
 */
struct pd_status {
	struct pd_oncall oncalls[PDB_STATUS_ONCALLS_MAX];
	size_t n_oncalls;
	bool oncalls_truncated; /* more on-call entries existed than were kept */
	struct pd_incident incidents[PDB_STATUS_INCIDENTS_MAX]; /* newest first */
	size_t n_incidents;
	struct pd_open_counts counts; /* every open incident, kept or not */
	struct pd_stats stats;        /* the requests the read made */
};

/**
 * pd_fetch_status: pd_fetch_oncalls() then pd_fetch_open_incidents() for @w
 * into @out: 2 requests for up to 100 on-call entries and up to
 * PDB_STATUS_INCIDENTS_MAX open incidents, 4 for any number of incidents,
 * and never more than PDB_PD_STATUS_PAGES_MAX (the on-call list leaves the
 * incidents their 3); no request but the first of each read starts once
 * the client's deadline_ms has passed since the read began. The second
 * read is not made when the first fails; what @out holds then is partial.
 * Returns as pd_fetch_oncalls().
 */
enum pdb_rc pd_fetch_status(struct pd_client *c, const struct pd_watch *w, struct pd_status *out,
                            struct pdb_err *err) PDB_WARN_UNUSED;

/** pd_status_name, pd_urgency_name: "triggered", "high", ... */
const char *pd_status_name(enum pd_incident_status s);
const char *pd_urgency_name(enum pd_urgency u);

/** pd_curl_version, pd_tls_version, pd_resolver_version: versions of the linked
 * libcurl, wolfSSL and c-ares, as the libraries report them. Static strings. */
const char *pd_curl_version(void);
const char *pd_tls_version(void);
const char *pd_resolver_version(void);

#endif /* PDBRIDGE_PD_H */
