/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mcp_fakes.c - the fakes of mcp_fakes.h.
 */
#include "mcp_fakes.h"

#include <pdbridge/jsonx.h>
#include <pdbridge/mem.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* --- the fake transport: records what send() delivered ------------------------ */

struct fake_tr tr = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {{0, 0, NULL}}, 0};

void fake_send(void *ud, uint64_t stream, const char *msg, size_t len, unsigned flags)
{
	(void)ud;
	pthread_mutex_lock(&tr.mu);
	if (tr.n < SENT_MAX) {
		tr.v[tr.n].stream = stream;
		tr.v[tr.n].flags = flags;
		tr.v[tr.n].msg = msg ? mem_strndup(msg, len) : NULL;
		/* a failure a sweep injected into this fake's own copy: the copy is not under test
		 */
		if (msg && !tr.v[tr.n].msg)
			tr.v[tr.n].msg = mem_strndup(msg, len);
		tr.n++;
	}
	pthread_cond_broadcast(&tr.cv);
	pthread_mutex_unlock(&tr.mu);
}

void sent_clear(void)
{
	int i;

	pthread_mutex_lock(&tr.mu);
	for (i = 0; i < tr.n; i++)
		mem_free(tr.v[i].msg);
	tr.n = 0;
	pthread_mutex_unlock(&tr.mu);
}

/* Wait until @n messages were sent (worker threads), at most 5 s. */
int sent_wait(int n)
{
	struct timespec ts;
	int got;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	pthread_mutex_lock(&tr.mu);
	while (tr.n < n && pthread_cond_timedwait(&tr.cv, &tr.mu, &ts) == 0)
		;
	got = tr.n;
	pthread_mutex_unlock(&tr.mu);
	return got;
}

/* The @i-th sent message, parsed (caller frees), NULL when it was silent. */
cJSON *sent_json(int i)
{
	struct pdb_err e;
	cJSON *d = NULL;
	const char *m;

	pthread_mutex_lock(&tr.mu);
	m = i < tr.n ? tr.v[i].msg : NULL;
	if (m && jsonx_parse(m, strlen(m), &d, &e))
		d = NULL;
	pthread_mutex_unlock(&tr.mu);
	return d;
}

/* --- the fake executor ---------------------------------------------------------- */

struct fake_ex ex;

struct thread_job {
	void (*run)(void *);
	void *job;
};

static void *thread_main(void *arg)
{
	struct thread_job tj = *(struct thread_job *)arg;

	mem_free(arg);
	tj.run(tj.job);
	return NULL;
}

enum pdb_rc fake_exec(void *ud, void (*run)(void *job), void *job)
{
	struct thread_job *tj;

	(void)ud;
	if (ex.busy)
		return PDB_E_TOO_LARGE;
	if (ex.threaded) {
		tj = mem_malloc(sizeof(*tj));
		if (!tj)
			return PDB_E_NOMEM;
		tj->run = run;
		tj->job = job;
		if (pthread_create(&ex.threads[ex.n_threads], NULL, thread_main, tj)) {
			mem_free(tj);
			return PDB_E_TOO_LARGE;
		}
		ex.n_threads++;
		return PDB_OK;
	}
	if (ex.n == JOBS_MAX)
		return PDB_E_TOO_LARGE;
	ex.run[ex.n] = run;
	ex.job[ex.n++] = job;
	return PDB_OK;
}

/* Run the queued jobs on this thread, in order. */
void run_jobs(void)
{
	int i, n = ex.n;

	ex.n = 0;
	for (i = 0; i < n; i++)
		ex.run[i](ex.job[i]);
}

void join_threads(void)
{
	while (ex.n_threads)
		pthread_join(ex.threads[--ex.n_threads], NULL);
}

/* --- helpers ------------------------------------------------------------------------ */

bool fx_open(struct fx *f, const struct mcp_conf *c)
{
	struct pdb_err e;

	memset(&ex, 0, sizeof(ex));
	sent_clear();
	buf_init(&f->out, PDB_MCP_MSG_MAX);
	if (mcp_server_new(c, &f->srv, &e))
		return false;
	return mcp_session_new(f->srv, fake_send, NULL, &f->s) == PDB_OK;
}

void fx_close(struct fx *f)
{
	mcp_session_close(f->s);
	run_jobs();
	join_threads();
	mcp_server_free(f->srv);
	buf_free(&f->out);
	sent_clear();
}

/* Send one message (printf-style) on stream 1; returns the parsed reply or NULL. */
cJSON *fx_rpc(struct fx *f, const char *fmt, ...)
{
	char text[8192];
	struct pdb_err e;
	cJSON *d = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	buf_reset(&f->out);
	f->res = mcp_handle(f->s, text, strlen(text), 1, &f->out);
	if (!f->res.reply)
		return NULL;
	if (jsonx_parse(buf_cstr(&f->out), buf_len(&f->out), &d, &e))
		return NULL;
	return d;
}

bool fx_init(struct fx *f, const char *version, const char *caps)
{
	cJSON *r = fx_rpc(f,
	                  "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
	                  "\"protocolVersion\":\"%s\",\"capabilities\":%s,\"clientInfo\":{"
	                  "\"name\":\"t\",\"version\":\"0\"}}}",
	                  version, caps);
	bool ok = r && cJSON_GetObjectItem(r, "result");

	jsonx_free(r);
	r = fx_rpc(f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
	return ok && !r && !f->res.reply;
}

/* The error code of reply @r, or 0 when it is not an error. */
int err_code(const cJSON *r)
{
	const cJSON *e = cJSON_GetObjectItem(r, "error");

	return e ? cJSON_GetObjectItem(e, "code")->valueint : 0;
}

const cJSON *result_of(const cJSON *r)
{
	return cJSON_GetObjectItem(r, "result");
}

/* Dotted path lookup: "result.tools.0.name". */
const cJSON *at(const cJSON *v, const char *path)
{
	char key[64];
	const char *dot;
	size_t n;

	while (v && *path) {
		dot = strchr(path, '.');
		n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		if (cJSON_IsArray(v) && key[0] >= '0' && key[0] <= '9')
			v = cJSON_GetArrayItem(v, (int)strtol(key, NULL, 10));
		else
			v = cJSON_GetObjectItemCaseSensitive(v, key);
		path += n + (dot ? 1 : 0);
	}
	return v;
}

const char *str_at(const cJSON *v, const char *path)
{
	const cJSON *x = at(v, path);

	return cJSON_IsString(x) ? x->valuestring : NULL;
}
