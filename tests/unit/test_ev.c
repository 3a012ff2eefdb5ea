/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ev.c - the event loop (fds, timers, posts, signals) and the worker pool. */
#define _GNU_SOURCE /* pipe2 */
#include "harness.h"

#include <pdbridge/clock.h>
#include <pdbridge/ev.h>
#include <pdbridge/limits.h>
#include <pdbridge/log.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

struct rec {
	int calls;
	unsigned events;
	int order[8];
	int n;
	struct ev_loop *l;
	int other_fd; /* removed by the first callback */
};

static void on_fd(struct ev_loop *l, int fd, unsigned events, void *ud)
{
	struct rec *r = ud;
	char c;

	r->calls++;
	r->events = events;
	if (events & EV_READ)
		(void)!read(fd, &c, 1);
	if (r->other_fd >= 0)
		ev_fd_del(l, r->other_fd);
}

static void fds_report_readiness(void)
{
	struct ev_loop *l;
	struct rec r = {.other_fd = -1};
	int p[2];

	T_EQ_INT(ev_new(&l), PDB_OK);
	T_EQ_INT(pipe2(p, O_NONBLOCK), 0);
	T_EQ_INT(ev_fd_add(l, p[0], EV_READ, on_fd, &r), PDB_OK);
	T_EQ_INT(ev_fd_add(l, p[0], EV_READ, on_fd, &r), PDB_E_INVAL); /* once only */
	T_EQ_INT(ev_run_once(l, 0), PDB_OK);
	T_EQ_INT(r.calls, 0);
	T_EQ_INT(write(p[1], "x", 1), 1);
	T_EQ_INT(ev_run_once(l, 1000), PDB_OK);
	T_EQ_INT(r.calls, 1);
	T_EQ_INT(r.events, EV_READ);
	/* write interest on the other end */
	T_EQ_INT(ev_fd_add(l, p[1], EV_WRITE, on_fd, &r), PDB_OK);
	T_EQ_INT(ev_run_once(l, 1000), PDB_OK);
	T_EQ_INT(r.calls, 2);
	T_EQ_INT(r.events, EV_WRITE);
	T_EQ_INT(ev_fd_mod(l, p[1], 0), PDB_OK);
	T_EQ_INT(ev_fd_mod(l, 999, 0), PDB_E_INVAL);
	T_EQ_INT(ev_run_once(l, 0), PDB_OK);
	T_EQ_INT(r.calls, 2);
	/* hang-up: the reader sees EV_READ | EV_ERROR */
	close(p[1]);
	ev_fd_del(l, p[1]);
	T_EQ_INT(ev_run_once(l, 1000), PDB_OK);
	T_EQ_INT(r.calls, 3);
	T_CHECK(r.events & EV_ERROR);
	T_CHECK(r.events & EV_READ);
	ev_fd_del(l, p[0]);
	close(p[0]);
	ev_free(l);
}

static void a_removed_fd_gets_no_callback_in_the_same_turn(void)
{
	struct ev_loop *l;
	struct rec a = {.other_fd = -1}, b = {.other_fd = -1};
	int p[2], q[2];

	T_EQ_INT(ev_new(&l), PDB_OK);
	T_EQ_INT(pipe2(p, O_NONBLOCK), 0);
	T_EQ_INT(pipe2(q, O_NONBLOCK), 0);
	a.other_fd = q[0];
	b.other_fd = p[0];
	T_EQ_INT(ev_fd_add(l, p[0], EV_READ, on_fd, &a), PDB_OK);
	T_EQ_INT(ev_fd_add(l, q[0], EV_READ, on_fd, &b), PDB_OK);
	T_EQ_INT(write(p[1], "x", 1), 1);
	T_EQ_INT(write(q[1], "x", 1), 1);
	T_EQ_INT(ev_run_once(l, 1000), PDB_OK);
	/* whichever ran first removed the other */
	T_EQ_INT(a.calls + b.calls, 1);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	ev_free(l);
}

static void the_fd_table_is_bounded(void)
{
	static int fds[PDB_EV_FDS_MAX + 4];
	struct ev_loop *l;
	struct rec r = {.other_fd = -1};
	int p[2], i, n = 0, added = 0;

	T_EQ_INT(ev_new(&l), PDB_OK);
	T_EQ_INT(pipe2(p, O_NONBLOCK), 0);
	/* the same fd cannot be added twice, so use dup()s */
	for (i = 0; i < PDB_EV_FDS_MAX + 4; i++) {
		fds[n] = dup(p[0]);
		if (fds[n] < 0)
			break;
		if (ev_fd_add(l, fds[n++], EV_READ, on_fd, &r) == PDB_OK)
			added++;
	}
	ev_free(l);
	while (n)
		close(fds[--n]);
	close(p[0]);
	close(p[1]);
	T_EQ_INT(added, PDB_EV_FDS_MAX - 1); /* one slot is the loop's own wake fd */
}

static void push(struct ev_loop *l, void *ud)
{
	struct rec *r = ud;

	(void)l;
	if (r->n < 8)
		r->order[r->n++] = r->calls;
	r->calls++;
}

static void tag(struct ev_loop *l, void *ud)
{
	int *slot = ud;

	(void)l;
	*slot += 1;
}

static void timers_fire_in_order_and_can_be_cancelled(void)
{
	struct ev_loop *l;
	int a = 0, b = 0, c = 0, i;
	unsigned id_b, id;
	int64_t t0 = clk_now_ms();

	T_EQ_INT(ev_new(&l), PDB_OK);
	T_EQ_INT(ev_timer_add(l, 30, tag, &a, NULL), PDB_OK);
	T_EQ_INT(ev_timer_add(l, 10, tag, &b, &id_b), PDB_OK);
	T_EQ_INT(ev_timer_add(l, 0, tag, &c, NULL), PDB_OK);
	T_CHECK(id_b != 0);
	T_EQ_INT(ev_run_once(l, -1), PDB_OK);
	T_EQ_INT(c, 1);
	T_EQ_INT(a + b, 0);
	ev_timer_cancel(l, id_b);
	ev_timer_cancel(l, id_b); /* twice is harmless */
	ev_timer_cancel(l, 0);
	T_EQ_INT(ev_run_once(l, -1), PDB_OK); /* sleeps until the 30 ms timer */
	T_EQ_INT(a, 1);
	T_EQ_INT(b, 0);
	T_CHECK(clk_now_ms() - t0 >= 30);
	/* bounded */
	for (i = 0; i < PDB_EV_TIMERS_MAX; i++)
		T_EQ_INT(ev_timer_add(l, 100000, tag, &a, &id), PDB_OK);
	T_EQ_INT(ev_timer_add(l, 1, tag, &a, &id), PDB_E_TOO_LARGE);
	ev_free(l);
}

struct poster {
	struct ev_loop *l;
	struct rec *r;
	int n;
	atomic_int failed;
};

static void *post_many(void *arg)
{
	struct poster *p = arg;
	int i;

	for (i = 0; i < p->n; i++)
		if (ev_post(p->l, push, p->r))
			atomic_fetch_add(&p->failed, 1);
	return NULL;
}

static void posts_from_another_thread_wake_the_loop(void)
{
	struct ev_loop *l;
	struct rec r = {.other_fd = -1};
	struct poster p = {.r = &r, .n = 5};
	pthread_t t;
	int64_t t0;

	T_EQ_INT(ev_new(&l), PDB_OK);
	p.l = l;
	T_EQ_INT(pthread_create(&t, NULL, post_many, &p), 0);
	t0 = clk_now_ms();
	while (r.calls < 5 && clk_now_ms() - t0 < 5000)
		T_EQ_INT(ev_run_once(l, 1000), PDB_OK);
	pthread_join(t, NULL);
	T_EQ_INT(r.calls, 5);
	T_EQ_INT(atomic_load(&p.failed), 0);
	T_EQ_INT(r.order[0], 0);
	T_EQ_INT(r.order[4], 4); /* in posting order */
	ev_free(l);
}

static void the_post_queue_is_bounded(void)
{
	struct ev_loop *l;
	struct rec r = {.other_fd = -1};
	int i;

	T_EQ_INT(ev_new(&l), PDB_OK);
	for (i = 0; i < PDB_EV_POST_MAX; i++)
		T_EQ_INT(ev_post(l, push, &r), PDB_OK);
	T_EQ_INT(ev_post(l, push, &r), PDB_E_TOO_LARGE);
	T_EQ_INT(ev_run_once(l, 0), PDB_OK);
	T_EQ_INT(r.calls, PDB_EV_POST_MAX);
	T_EQ_INT(ev_post(l, push, &r), PDB_OK); /* room again */
	ev_free(l);                             /* a queued post is dropped, not run */
	T_EQ_INT(r.calls, PDB_EV_POST_MAX);
}

static void *stop_later(void *arg)
{
	usleep(20000);
	ev_stop(arg);
	return NULL;
}

static void stop_from_another_thread(void)
{
	struct ev_loop *l;
	pthread_t t;

	T_EQ_INT(ev_new(&l), PDB_OK);
	T_EQ_INT(pthread_create(&t, NULL, stop_later, l), 0);
	T_EQ_INT(ev_run(l), 0);
	T_CHECK(ev_stopped(l));
	pthread_join(t, NULL);
	ev_free(l);
}

static void on_hup(struct ev_loop *l, void *ud)
{
	(void)l;
	*(int *)ud += 1;
}

static void signals_arrive_through_the_loop(void)
{
	struct ev_loop *l;
	char line[PDB_LOG_LINE_MAX * 2];
	int hups = 0, logs[2];
	ssize_t n;

	T_EQ_INT(ev_new(&l), PDB_OK);
	T_EQ_INT(ev_signals(l, on_hup, &hups), PDB_OK);
	T_EQ_INT(ev_signals(l, on_hup, &hups), PDB_E_INVAL); /* once */
	T_EQ_INT(kill(getpid(), SIGHUP), 0);
	T_EQ_INT(ev_run_once(l, 1000), PDB_OK);
	T_EQ_INT(hups, 1);
	T_CHECK(!ev_stopped(l));
	T_EQ_INT(pipe(logs), 0);
	log_set_fd(logs[1]);
	T_EQ_INT(kill(getpid(), SIGUSR1), 0); /* the heap counters, logged; the loop goes on */
	T_EQ_INT(ev_run_once(l, 1000), PDB_OK);
	log_set_fd(2);
	close(logs[1]);
	n = read(logs[0], line, sizeof(line) - 1);
	close(logs[0]);
	line[n > 0 ? n : 0] = '\0';
	T_CHECK(strstr(line, "heap: in use ") != NULL);
	T_CHECK(strstr(line, " bytes, peak ") != NULL);
	T_CHECK(!ev_stopped(l));
	T_EQ_INT(kill(getpid(), SIGPIPE), 0); /* ignored, not fatal */
	T_EQ_INT(kill(getpid(), SIGTERM), 0);
	T_EQ_INT(ev_run(l), SIGTERM);
	ev_free(l); /* restores the signal mask */
}

struct jobs {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int started, ran;
	bool gate; /* jobs wait until it opens */
};

static void job(void *arg)
{
	struct jobs *j = arg;

	pthread_mutex_lock(&j->mu);
	j->started++;
	pthread_cond_broadcast(&j->cv);
	while (!j->gate)
		pthread_cond_wait(&j->cv, &j->mu);
	j->ran++;
	pthread_mutex_unlock(&j->mu);
}

static void the_pool_runs_jobs_and_bounds_its_queue(void)
{
	struct jobs j = {.gate = false};
	struct ev_pool *p;
	int i;

	pthread_mutex_init(&j.mu, NULL);
	pthread_cond_init(&j.cv, NULL);
	T_EQ_INT(ev_pool_new(2, &p), PDB_OK);
	/* occupy both workers first, so the queue's fill is exact */
	T_EQ_INT(ev_pool_submit(p, job, &j), PDB_OK);
	T_EQ_INT(ev_pool_submit(p, job, &j), PDB_OK);
	pthread_mutex_lock(&j.mu);
	while (j.started < 2)
		pthread_cond_wait(&j.cv, &j.mu);
	pthread_mutex_unlock(&j.mu);
	for (i = 0; i < PDB_EV_JOBS_MAX; i++)
		T_EQ_INT(ev_pool_submit(p, job, &j), PDB_OK);
	T_EQ_INT(ev_pool_submit(p, job, &j), PDB_E_TOO_LARGE);
	pthread_mutex_lock(&j.mu);
	j.gate = true;
	pthread_cond_broadcast(&j.cv);
	pthread_mutex_unlock(&j.mu);
	ev_pool_free(p); /* runs everything accepted, then joins */
	T_EQ_INT(j.ran, PDB_EV_JOBS_MAX + 2);
	pthread_cond_destroy(&j.cv);
	pthread_mutex_destroy(&j.mu);
}

static const struct t_case cases[] = {
    {"fds_report_readiness", fds_report_readiness},
    {"a_removed_fd_gets_no_callback_in_the_same_turn",
     a_removed_fd_gets_no_callback_in_the_same_turn},
    {"the_fd_table_is_bounded", the_fd_table_is_bounded},
    {"timers_fire_in_order_and_can_be_cancelled", timers_fire_in_order_and_can_be_cancelled},
    {"posts_from_another_thread_wake_the_loop", posts_from_another_thread_wake_the_loop},
    {"the_post_queue_is_bounded", the_post_queue_is_bounded},
    {"stop_from_another_thread", stop_from_another_thread},
    {"signals_arrive_through_the_loop", signals_arrive_through_the_loop},
    {"the_pool_runs_jobs_and_bounds_its_queue", the_pool_runs_jobs_and_bounds_its_queue},
};

T_MAIN(cases)
