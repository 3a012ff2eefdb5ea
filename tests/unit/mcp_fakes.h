/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mcp_fakes.h - what the MCP core's unit tests share: a fake transport that
 * records what send() delivered, a fake executor (queued jobs run on the
 * test's thread, or each on a thread of its own), a server-and-session
 * fixture, and small readers of JSON-RPC replies.
 */
#ifndef PDB_TEST_MCP_FAKES_H
#define PDB_TEST_MCP_FAKES_H

#include <pdbridge/buf.h>
#include <pdbridge/mcp.h>

#include <cjson/cJSON.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

void sleep_ms(long ms);

/* --- the fake transport: records what send() delivered --- */

#define SENT_MAX 64

struct sent {
	uint64_t stream;
	unsigned flags;
	char *msg; /* NULL: a silent FINAL */
};

struct fake_tr {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct sent v[SENT_MAX];
	int n;
};
extern struct fake_tr tr;

void fake_send(void *ud, uint64_t stream, const char *msg, size_t len, unsigned flags);
void sent_clear(void);
/* Wait until @n messages were sent (worker threads), at most 5 s; returns how many were. */
int sent_wait(int n);
/* The @i-th sent message, parsed (caller frees), NULL when it was silent. */
cJSON *sent_json(int i);

/* --- the fake executor --- */

#define JOBS_MAX 32

struct fake_ex {
	void (*run[JOBS_MAX])(void *);
	void *job[JOBS_MAX];
	int n;
	bool busy;     /* refuse everything */
	bool threaded; /* run each job on its own thread right away */
	pthread_t threads[JOBS_MAX];
	int n_threads;
};
extern struct fake_ex ex;

enum pdb_rc fake_exec(void *ud, void (*run)(void *job), void *job);
/* Run the queued jobs on this thread, in order. */
void run_jobs(void);
void join_threads(void);

/* --- a server with one session --- */

struct fx {
	struct mcp_server *srv;
	struct mcp_session *s;
	struct buf out;
	struct mcp_result res;
};

bool fx_open(struct fx *f, const struct mcp_conf *c);
void fx_close(struct fx *f);
/* Send one message (printf-style) on stream 1; returns the parsed reply or NULL. */
cJSON *fx_rpc(struct fx *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* initialize with @version and @caps (JSON text), then notifications/initialized. */
bool fx_init(struct fx *f, const char *version, const char *caps);

/* --- reading replies --- */

/* The error code of reply @r, or 0 when it is not an error. */
int err_code(const cJSON *r);
const cJSON *result_of(const cJSON *r);
/* Dotted path lookup: "result.tools.0.name". */
const cJSON *at(const cJSON *v, const char *path);
const char *str_at(const cJSON *v, const char *path);

#endif /* PDB_TEST_MCP_FAKES_H */
