/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_client.c - one PagerDuty REST call: headers, one reused connection,
 * bounded body, retries inside a deadline, errors with PagerDuty's words.
 *
 * The curl handle lives as long as the client, so curl keeps the TLS
 * connection open between calls (one handshake, not one per poll). Every
 * option that differs between calls (method, body, headers) is set on every
 * call, so nothing leaks from one request into the next.
 *
 * The token appears in exactly one place: the Authorization line of the
 * header lists, built once. It is never formatted into a message, and every
 * error text is scrubbed of it before pd_call() returns, in case a proxy or
 * a hostile server echoes it back. Every copy we make (the client's, the
 * lines on the stack, the header lists) is wiped before it is released.
 *
 * Errors say what to do: a 401 names the host that refused the key and the
 * likely causes, a 403 says the key's user lacks the permission, a missing
 * key says where the caller looked (conf.no_key_hint). Every answered
 * request is counted for the usage view under the client's caller
 * (pd_usage.c), with the ratelimit-* headers it carried.
 */
#include "pd_int.h"

#include <pdbridge/clock.h>
#include <pdbridge/host.h>
#include <pdbridge/jsonx.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>
#include <pdbridge/pd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MOD "pd"

struct pd_client {
	CURL *curl;
	struct curl_slist *hdr;      /* Accept, Content-Type, Authorization, Expect */
	struct curl_slist *hdr_from; /* the same plus From */
	struct curl_slist *connect_to;
	char *base;  /* "https://api.pagerduty.com", no trailing slash */
	char *token; /* kept only to scrub error texts */
	char *ca_file;
	char *user_agent;
	char *no_key_hint;
	char caller[PDB_PD_CALLER_MAX]; /* the usage counts' name of the requests */
	long connect_timeout_ms;
	long deadline_ms;
	int max_retries;
	bool has_from; /* hdr_from carries a From line */
	uint32_t rng;  /* jitter; no security value */
	/* state of the attempt in flight */
	struct buf body;
	enum pdb_rc body_rc; /* why the write callback refused, if it did */
	long wait_hint_s;    /* ratelimit-reset or Retry-After, -1 when absent */
	struct pd_ratelimit rl;
	char curl_err[CURL_ERROR_SIZE];
};

void pd_conf_init(struct pd_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->region = PD_REGION_US;
	conf->max_retries = -1;
}

/* --- global initialisation: allocators first, then the libraries -------- */

static void *w_malloc(size_t n)
{
	return mem_malloc(n);
}

static void *w_realloc(void *p, size_t n)
{
	return mem_realloc(p, n);
}

static void w_free(void *p)
{
	mem_free(p);
}

static char *w_strdup(const char *s)
{
	return mem_strdup(s);
}

static void *w_calloc(size_t n, size_t size)
{
	return mem_calloc(n, size);
}

enum pdb_rc pd_global_init(void)
{
	if (wolfSSL_SetAllocators(w_malloc, w_free, w_realloc) != 0)
		return PDB_E_TLS;
	if (curl_global_init_mem(CURL_GLOBAL_ALL, w_malloc, w_free, w_realloc, w_strdup,
	                         w_calloc) != CURLE_OK)
		return PDB_E_NOMEM;
	pd_usage_reset();
	return PDB_OK;
}

void pd_global_cleanup(void)
{
	curl_global_cleanup();
}

/* --- the client ----------------------------------------------------------- */

/* Accept "https://host[:port]" and, for loopback hosts, "http://...". */
static enum pdb_rc check_base(const char *base, struct pdb_err *err)
{
	const char *host, *end;

	if (!strncmp(base, "https://", 8)) {
		host = base + 8;
	} else if (!strncmp(base, "http://", 7)) {
		host = base + 7;
		end = host[0] == '[' ? strchr(host, ']') : host + strcspn(host, ":/");
		if (!end || !host_is_loopback(host, (size_t)(end - host) + (host[0] == '[')))
			return pdb_err_set(err, PDB_E_INVAL,
			                   "plain http:// is allowed only to a loopback host: %s",
			                   base);
	} else {
		return pdb_err_set(err, PDB_E_INVAL, "API host must start with https://: %s", base);
	}
	if (!*host || strpbrk(host, " \t\r\n?#@"))
		return pdb_err_set(err, PDB_E_INVAL, "invalid API host: %s", base);
	return PDB_OK;
}

/* Append "Name: value" to @list; the line is wiped from the stack afterwards. */
static enum pdb_rc add_header(struct curl_slist **list, const char *name, const char *value)
{
	char line[PDB_SECRET_MAX + 64];
	struct curl_slist *n;
	int len = snprintf(line, sizeof(line), "%s: %s", name, value);

	if (len < 0 || (size_t)len >= sizeof(line)) {
		mem_wipe(line, sizeof(line));
		return PDB_E_TOO_LARGE;
	}
	n = curl_slist_append(*list, line);
	mem_wipe(line, sizeof(line));
	if (!n)
		return PDB_E_NOMEM;
	*list = n;
	return PDB_OK;
}

/* Free a header list; its Authorization line is a copy of the token, so every line is wiped. */
static void free_headers(struct curl_slist *l)
{
	struct curl_slist *n;

	for (n = l; n; n = n->next)
		mem_wipe(n->data, strlen(n->data));
	curl_slist_free_all(l);
}

/* One header list: the common lines, then From when @from is set. */
static enum pdb_rc build_list(const struct pd_client *c, struct curl_slist **l, const char *from)
{
	char auth[PDB_SECRET_MAX + 16];
	enum pdb_rc rc;

	if (c->token &&
	    (size_t)snprintf(auth, sizeof(auth), "Token token=%s", c->token) >= sizeof(auth)) {
		mem_wipe(auth, sizeof(auth));
		return PDB_E_TOO_LARGE;
	}
	rc = add_header(l, "Accept", "application/vnd.pagerduty+json;version=2");
	if (!rc)
		rc = add_header(l, "Content-Type", "application/json");
	if (!rc)
		rc = add_header(l, "Expect", ""); /* no 100-continue round trip */
	if (!rc && c->token)
		rc = add_header(l, "Authorization", auth);
	if (!rc && from)
		rc = add_header(l, "From", from);
	mem_wipe(auth, sizeof(auth));
	return rc;
}

static enum pdb_rc build_headers(struct pd_client *c, const struct pd_conf *conf)
{
	const char *from = conf->from_email && *conf->from_email ? conf->from_email : NULL;
	enum pdb_rc rc = build_list(c, &c->hdr, NULL);

	if (!rc)
		rc = build_list(c, &c->hdr_from, from);
	c->has_from = !rc && from;
	return rc;
}

enum pdb_rc pd_client_set_from(struct pd_client *c, const char *email)
{
	struct curl_slist *l = NULL;
	enum pdb_rc rc;

	/* a header value: a CR or LF would start a header of the caller's choosing */
	if (!*email || strlen(email) >= PDB_PD_NAME_MAX || strpbrk(email, "\r\n"))
		return PDB_E_INVAL;
	rc = build_list(c, &l, email);
	if (rc) {
		free_headers(l);
		return rc;
	}
	free_headers(c->hdr_from);
	c->hdr_from = l;
	c->has_from = true;
	return PDB_OK;
}

bool pd_client_has_from(const struct pd_client *c)
{
	return c->has_from;
}

void pd_client_set_caller(struct pd_client *c, const char *caller)
{
	snprintf(c->caller, sizeof(c->caller), "%s", caller && *caller ? caller : "other");
}

/* "pdbridge/<version>", and " (node <id>)" when the node has a printable id. */
static char *user_agent(const struct pd_conf *conf, enum pdb_rc *rc)
{
	const char *node = conf->node_id;
	char ua[64 + PDB_PD_NAME_MAX];
	size_t i;
	char *d;

	if (conf->user_agent && *conf->user_agent) {
		snprintf(ua, sizeof(ua), "%s", conf->user_agent);
	} else {
		for (i = 0; node && node[i]; i++)
			if ((unsigned char)node[i] < 0x20 || node[i] == 0x7f)
				node = NULL; /* a header line of its own: never */
		snprintf(ua, sizeof(ua), node && *node ? "pdbridge/%s (node %.*s)" : "pdbridge/%s",
		         PDB_VERSION, PDB_PD_NAME_MAX, node ? node : "");
	}
	d = mem_strdup(ua);
	if (!d)
		*rc = PDB_E_NOMEM;
	return d;
}

static char *dup_opt(const char *s, enum pdb_rc *rc)
{
	char *d;

	if (!s || !*s)
		return NULL;
	d = mem_strdup(s);
	if (!d)
		*rc = PDB_E_NOMEM;
	return d;
}

enum pdb_rc pd_client_new(const struct pd_conf *conf, struct pd_client **out, struct pdb_err *err)
{
	const char *base = conf->api_host && *conf->api_host ? conf->api_host
	                   : conf->region == PD_REGION_EU    ? PD_HOST_EU
	                                                     : PD_HOST_US;
	struct pd_client *c;
	enum pdb_rc rc;

	*out = NULL;
	rc = check_base(base, err);
	if (rc)
		return rc;
	if (conf->token && strlen(conf->token) > PDB_SECRET_MAX)
		return pdb_err_set(err, PDB_E_INVAL, "API key longer than %d characters",
		                   PDB_SECRET_MAX);
	c = mem_calloc(1, sizeof(*c));
	if (!c)
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory creating the client");
	buf_init(&c->body, conf->body_max ? conf->body_max : PDB_PD_BODY_MAX);
	c->connect_timeout_ms =
	    conf->connect_timeout_ms ? conf->connect_timeout_ms : PDB_PD_CONNECT_TIMEOUT_MS;
	c->deadline_ms = conf->deadline_ms ? conf->deadline_ms : PDB_PD_DEADLINE_MS;
	c->max_retries = conf->max_retries < 0 ? PDB_PD_RETRIES : conf->max_retries;
	c->rng = (uint32_t)clk_now_ms() | 1u;
	c->base = mem_strndup(base, strlen(base) - (base[strlen(base) - 1] == '/'));
	if (!c->base)
		rc = PDB_E_NOMEM;
	c->token = dup_opt(conf->token, &rc);
	c->ca_file = dup_opt(conf->ca_file, &rc);
	c->user_agent = user_agent(conf, &rc);
	c->no_key_hint = dup_opt(conf->no_key_hint, &rc);
	pd_client_set_caller(c, conf->caller);
	if (!rc)
		rc = build_headers(c, conf);
	if (!rc && conf->connect_to && *conf->connect_to) {
		c->connect_to = curl_slist_append(NULL, conf->connect_to);
		if (!c->connect_to)
			rc = PDB_E_NOMEM;
	}
	if (!rc) {
		c->curl = curl_easy_init();
		if (!c->curl)
			rc = PDB_E_NOMEM;
	}
	if (!rc && c->token && log_add_secret(c->token)) {
		pd_client_free(c);
		return pdb_err_set(err, PDB_E_TOO_LARGE, "too many secrets to redact from logs");
	}
	if (rc) {
		pd_client_free(c);
		return pdb_err_set(err, rc, "cannot create the PagerDuty client: %s",
		                   pdb_strerror(rc));
	}
	*out = c;
	return PDB_OK;
}

void pd_client_free(struct pd_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free_headers(c->hdr);
	free_headers(c->hdr_from);
	curl_slist_free_all(c->connect_to);
	buf_free(&c->body);
	mem_free(c->base);
	mem_free_secret(c->token);
	mem_free(c->ca_file);
	mem_free(c->user_agent);
	mem_free(c->no_key_hint);
	mem_free(c);
}

struct pd_budget pd__budget(const struct pd_client *c, unsigned pages)
{
	return (struct pd_budget){.pages = pages, .deadline = clk_deadline(c->deadline_ms)};
}

const char *pd_client_base_url(const struct pd_client *c)
{
	return c->base;
}

void pd_response_free(struct pd_response *r)
{
	jsonx_free(r->json);
	r->json = NULL;
}

/* --- one attempt ------------------------------------------------------------ */

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct pd_client *c = ud;
	enum pdb_rc rc = buf_add(&c->body, p, size * n);

	if (rc) {
		c->body_rc = rc;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	return size * n;
}

/* Read a non-negative whole number of seconds from a header value. */
static long header_seconds(const char *v, size_t len)
{
	long s = 0;
	size_t i = 0;

	while (i < len && (v[i] == ' ' || v[i] == '\t'))
		i++;
	if (i == len || v[i] < '0' || v[i] > '9')
		return -1;
	for (; i < len && v[i] >= '0' && v[i] <= '9'; i++)
		if ((s = s * 10 + (v[i] - '0')) > 86400)
			return 86400; /* a day: longer than any deadline anyway */
	return s;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	static const char *const names[] = {
	    "ratelimit-reset:", "retry-after:", "ratelimit-limit:", "ratelimit-remaining:"};
	struct pd_client *c = ud;
	long *const seen[] = {&c->rl.reset_s, NULL, &c->rl.limit, &c->rl.remaining};
	size_t len = size * n, i, nl;
	long s;

	for (i = 0; i < PDB_N_OF(names); i++) {
		nl = strlen(names[i]);
		if (len <= nl || strncasecmp(p, names[i], nl))
			continue;
		s = header_seconds(p + nl, len - nl);
		if (s >= 0 && i < 2 && (c->wait_hint_s < 0 || s > c->wait_hint_s))
			c->wait_hint_s = s;
		if (s >= 0 && seen[i])
			*seen[i] = s;
	}
	return len;
}

static const char *const method_names[] = {"GET", "POST", "PUT", "DELETE"};

static CURLcode perform(struct pd_client *c, enum pd_method m, const char *url, const char *body,
                        unsigned flags, long timeout_ms)
{
	CURL *h = c->curl;

	buf_reset(&c->body);
	c->body_rc = PDB_OK;
	c->wait_hint_s = -1;
	c->rl = (struct pd_ratelimit){-1, -1, -1};
	c->curl_err[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	curl_easy_setopt(h, CURLOPT_CONNECT_TO, c->connect_to);
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, (flags & PD_FROM) ? c->hdr_from : c->hdr);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	                 c->connect_timeout_ms < timeout_ms ? c->connect_timeout_ms : timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->body.max);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_err);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
	if (m == PD_GET && !body) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)(body ? strlen(body) : 0));
		if (m != PD_POST)
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method_names[m]);
	}
	return curl_easy_perform(h);
}

/* --- turning outcomes into pdb_rc -------------------------------------------- */

static bool tls_failure(CURLcode cc)
{
	static const CURLcode tls[] = {
	    CURLE_SSL_CONNECT_ERROR,
	    CURLE_SSL_CERTPROBLEM,
	    CURLE_SSL_CIPHER,
	    CURLE_PEER_FAILED_VERIFICATION,
	    CURLE_SSL_CACERT_BADFILE,
	    CURLE_SSL_SHUTDOWN_FAILED,
	    CURLE_SSL_CRL_BADFILE,
	    CURLE_SSL_ISSUER_ERROR,
	    CURLE_SSL_PINNEDPUBKEYNOTMATCH,
	    CURLE_SSL_INVALIDCERTSTATUS,
	    CURLE_SSL_ENGINE_NOTFOUND,
	    CURLE_SSL_ENGINE_SETFAILED,
	};
	size_t i;

	for (i = 0; i < PDB_N_OF(tls); i++)
		if (cc == tls[i])
			return true;
	return false;
}

static enum pdb_rc transport_error(struct pd_client *c, CURLcode cc, struct pdb_err *err)
{
	const char *why = c->curl_err[0] ? c->curl_err : curl_easy_strerror(cc);

	if (cc == CURLE_WRITE_ERROR && c->body_rc == PDB_E_NOMEM)
		return pdb_err_set(err, PDB_E_NOMEM,
		                   "out of memory reading the PagerDuty response");
	if ((cc == CURLE_WRITE_ERROR && c->body_rc) || cc == CURLE_FILESIZE_EXCEEDED)
		return pdb_err_set(err, PDB_E_TOO_LARGE,
		                   "PagerDuty response larger than %zu bytes: narrow the query",
		                   c->body.max);
	if (cc == CURLE_OUT_OF_MEMORY)
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory talking to PagerDuty");
	if (tls_failure(cc))
		return pdb_err_set(err, PDB_E_TLS, "TLS verification failed for %s: %s", c->base,
		                   why);
	if (cc == CURLE_OPERATION_TIMEDOUT)
		return pdb_err_set(err, PDB_E_TIMEOUT, "PagerDuty did not answer in time: %s", why);
	return pdb_err_set(err, PDB_E_CONNECT, "cannot reach %s: %s", c->base, why);
}

/* printf onto the end of @out, keeping what fits when the text is too long. */
static void append(char *out, size_t cap, const char *fmt, ...) PDB_PRINTF(3, 4);

static void append(char *out, size_t cap, const char *fmt, ...)
{
	size_t len = strlen(out);
	va_list ap;

	if (len + 1 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(out + len, cap - len, fmt, ap);
	va_end(ap);
}

/* PagerDuty's error texts from an error body, in any of its shapes, or "". */
static void describe_error_body(const struct buf *body, char *out, size_t cap)
{
	const cJSON *e, *item;
	struct cJSON *doc = NULL;
	const char *msg;
	int64_t code;

	out[0] = '\0';
	if (!buf_len(body) || jsonx_parse(buf_cstr(body), buf_len(body), &doc, NULL))
		return; /* empty or not JSON (a proxy's page, a bare 429): status alone */
	if (!jsonx_get_str(doc, "error", &msg)) { /* GET /users/me with an account key */
		append(out, cap, ": %s", msg);
	} else if (!jsonx_get_obj(doc, "error", &e)) {
		if (!jsonx_get_str(e, "message", &msg))
			append(out, cap, ": %s", msg);
		if (!jsonx_get_int(e, "code", 0, INT32_MAX, &code))
			append(out, cap, " (code %lld)", (long long)code);
		cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(e, "errors"))
		{
			if (cJSON_IsString(item))
				append(out, cap, "; %s", item->valuestring);
			else if (item->string) /* v3: {"field": ["msg"]} */
				append(out, cap, "; %s is invalid", item->string);
		}
	}
	jsonx_free(doc);
}

static enum pdb_rc http_error(struct pd_client *c, long status, struct pdb_err *err)
{
	char detail[PDB_ERRMSG_MAX];
	enum pdb_rc rc = status == 401   ? PDB_E_AUTH
	                 : status == 403 ? PDB_E_DENIED
	                 : status == 404 ? PDB_E_NOTFOUND
	                 : status == 429 ? PDB_E_RATELIMIT
	                                 : PDB_E_HTTP;

	describe_error_body(&c->body, detail, sizeof(detail));
	if (status == 401)
		return pdb_err_set(
		    err, rc,
		    "PagerDuty API error 401%s. %s refused the API key: it may be revoked or "
		    "mistyped, belong to an account in the other region (EU accounts answer on %s, "
		    "US ones on %s), or be an account key where a user key is needed. "
		    "`pdbridge config show --origin` shows which key and host are in use.",
		    detail, c->base, PD_HOST_EU, PD_HOST_US);
	if (status == 403)
		return pdb_err_set(
		    err, rc,
		    "PagerDuty API error 403%s. The key was accepted, but its user's "
		    "role lacks the permission for this (a read-only key cannot "
		    "change anything; Freemium accounts can do less).",
		    detail);
	return pdb_err_set(err, rc, "PagerDuty API error %ld%s", status, detail);
}

/* --- retries ------------------------------------------------------------------- */

static uint32_t next_rand(struct pd_client *c)
{
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 17;
	c->rng ^= c->rng << 5;
	return c->rng;
}

/* How long to wait before attempt @attempt + 1: the server's hint, else backoff. */
static int64_t wait_ms(struct pd_client *c, int attempt)
{
	int64_t w;

	if (c->wait_hint_s >= 0) {
		w = c->wait_hint_s * 1000;
	} else {
		w = (int64_t)PDB_PD_BACKOFF_MS << (attempt < 10 ? attempt : 10);
		if (w > PDB_PD_WAIT_MAX_MS)
			w = PDB_PD_WAIT_MAX_MS;
	}
	return w + (int64_t)(next_rand(c) % PDB_PD_BACKOFF_MS); /* jitter */
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000),
	                      .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0)
		;
}

static bool retryable(enum pdb_rc rc, long status, bool idempotent)
{
	if (status == 429)
		return true; /* rate limited: the request was not processed */
	if (!idempotent)
		return false;
	return (rc == PDB_E_HTTP && (status == 408 || status >= 500)) || rc == PDB_E_CONNECT ||
	       rc == PDB_E_TIMEOUT;
}

/* Replace the token in @err's text, should any answer have echoed it. */
static void scrub(const struct pd_client *c, struct pdb_err *err)
{
	char *hit;
	size_t tl;

	if (!err || !c->token)
		return;
	tl = strlen(c->token);
	while ((hit = strstr(err->msg, c->token)) != NULL) {
		memset(hit, '*', tl);
	}
}

static enum pdb_rc build_url(struct pd_client *c, const char *path, const struct pd_query *q,
                             struct buf *url)
{
	enum pdb_rc rc = buf_adds(url, c->base);

	if (!rc && path[0] != '/')
		rc = buf_addc(url, '/');
	if (!rc)
		rc = buf_adds(url, path);
	if (!rc && q && buf_len(&q->b)) {
		rc = buf_addc(url, '?');
		if (!rc)
			rc = buf_add(url, buf_cstr(&q->b), buf_len(&q->b));
	}
	return rc;
}

/* One attempt's outcome, as a pdb_rc with @err filled on failure. */
static enum pdb_rc attempt(struct pd_client *c, enum pd_method m, const char *url, const char *body,
                           unsigned flags, long timeout_ms, struct pd_response *resp,
                           struct pdb_err *err)
{
	CURLcode cc = perform(c, m, url, body, flags, timeout_ms);
	long status = 0;

	resp->stats.requests++;
	resp->stats.bytes += buf_len(&c->body);
	if (cc != CURLE_OK)
		return transport_error(c, cc, err);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	resp->status = status;
	pd_usage_count(c->caller, status, &c->rl, clk_now_ms());
	if (status < 200 || status > 299)
		return http_error(c, status, err);
	return PDB_OK;
}

static enum pdb_rc parse_body(struct pd_client *c, struct pd_response *resp, struct pdb_err *err)
{
	struct pdb_err perr;
	enum pdb_rc rc;

	if (!buf_len(&c->body))
		return PDB_OK;
	rc = jsonx_parse(buf_cstr(&c->body), buf_len(&c->body), &resp->json, &perr);
	if (rc == PDB_E_NOMEM)
		return pdb_err_set(err, rc, "out of memory parsing the PagerDuty response");
	if (rc)
		return pdb_err_set(err, rc, "PagerDuty sent an unreadable body (HTTP %ld): %s",
		                   resp->status, pdb_err_text(&perr));
	return PDB_OK;
}

enum pdb_rc pd_call(struct pd_client *c, enum pd_method m, const char *path,
                    const struct pd_query *q, const char *body, unsigned flags,
                    struct pd_response *resp, struct pdb_err *err)
{
	int64_t deadline = clk_deadline(c->deadline_ms), w;
	bool idempotent = m != PD_POST;
	struct buf url;
	enum pdb_rc rc;
	int n;

	memset(resp, 0, sizeof(*resp));
	buf_init(&url, PDB_PD_URL_LEN_MAX);
	if (!c->token) {
		rc = pdb_err_set(err, PDB_E_AUTH, "%s%s%s", PD_ERR_NO_KEY,
		                 c->no_key_hint ? " " : "", c->no_key_hint ? c->no_key_hint : "");
		goto out;
	}
	if ((flags & PD_FROM) && !c->has_from) {
		rc = pdb_err_set(err, PDB_E_MISSING,
		                 "this change needs a From e-mail address: set from_email");
		goto out;
	}
	rc = build_url(c, path, q, &url);
	if (rc) {
		pdb_err_set(err, rc, "request URL longer than %d bytes", PDB_PD_URL_LEN_MAX);
		goto out;
	}
	if (body && strlen(body) > PDB_PD_REQ_BODY_MAX) {
		rc = pdb_err_set(err, PDB_E_TOO_LARGE, "request body longer than %u bytes",
		                 (unsigned)PDB_PD_REQ_BODY_MAX);
		goto out;
	}
	for (n = 0;; n++) {
		/* curl reads a timeout of 0 as "none": never hand it one */
		rc = attempt(c, m, buf_cstr(&url), body, flags,
		             (long)clk_remaining_ms(deadline) + 1, resp, err);
		if (!rc || n >= c->max_retries || !retryable(rc, resp->status, idempotent))
			break;
		w = wait_ms(c, n);
		if (w >= clk_remaining_ms(deadline)) {
			LOG_WARN(MOD, "%s %s: %s; no time left to retry", method_names[m], path,
			         pdb_err_text(err));
			break;
		}
		LOG_INFO(MOD, "%s %s: %s; retry %d in %lld ms", method_names[m], path,
		         pdb_err_text(err), n + 1, (long long)w);
		sleep_ms(w);
		resp->stats.retries++;
	}
	if (!rc)
		rc = parse_body(c, resp, err);
out:
	buf_free(&url);
	if (rc) {
		pd_response_free(resp);
		scrub(c, err);
	}
	return rc;
}
