/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ev_pool.c - the fixed pool of worker threads (see ev.h).
 *
 * A ring of PDB_EV_JOBS_MAX jobs under one mutex, one condition variable
 * for "a job or shutdown is waiting". Workers block every signal, so
 * signals reach only the loop thread's signalfd. Shutdown lets the queue
 * drain: a job that was accepted is always run.
 */
#include <pdbridge/ev.h>
#include <pdbridge/limits.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>

struct ev_job {
	ev_job_fn fn;
	void *job;
};

struct ev_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct ev_job q[PDB_EV_JOBS_MAX];
	size_t head, count;
	bool stopping;
	pthread_t threads[PDB_EV_WORKERS];
	unsigned n_threads;
};

static void *worker(void *arg)
{
	struct ev_pool *p = arg;
	struct ev_job j;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->count && !p->stopping)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->count)
			break; /* stopping, and nothing left to run */
		j = p->q[p->head];
		p->head = (p->head + 1) % PDB_EV_JOBS_MAX;
		p->count--;
		pthread_mutex_unlock(&p->mu);
		j.fn(j.job);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

enum pdb_rc ev_pool_new(unsigned workers, struct ev_pool **out)
{
	struct ev_pool *p;
	pthread_attr_t attr;
	unsigned i;
	int e;

	*out = NULL;
	if (!workers || workers > PDB_EV_WORKERS)
		workers = PDB_EV_WORKERS;
	p = mem_calloc(1, sizeof(*p));
	if (!p)
		return PDB_E_NOMEM;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, PDB_EV_WORKER_STACK);
	for (i = 0; i < workers; i++) {
		e = pthread_create(&p->threads[i], &attr, worker, p);
		if (e) {
			LOG_ERROR("ev", "cannot start worker %u: %s", i, strerror(e));
			break;
		}
		p->n_threads++;
	}
	pthread_attr_destroy(&attr);
	if (p->n_threads != workers) {
		ev_pool_free(p);
		return PDB_E_IO;
	}
	*out = p;
	return PDB_OK;
}

enum pdb_rc ev_pool_submit(struct ev_pool *p, ev_job_fn fn, void *job)
{
	enum pdb_rc rc = PDB_OK;

	pthread_mutex_lock(&p->mu);
	if (p->stopping)
		rc = PDB_E_INVAL;
	else if (p->count == PDB_EV_JOBS_MAX)
		rc = PDB_E_TOO_LARGE;
	else {
		p->q[(p->head + p->count) % PDB_EV_JOBS_MAX] = (struct ev_job){fn, job};
		p->count++;
		pthread_cond_signal(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

void ev_pool_free(struct ev_pool *p)
{
	unsigned i;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	mem_free(p);
}
