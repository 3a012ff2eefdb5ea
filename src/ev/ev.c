/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ev.c - the poll(2) loop: fds, timers, posts from other threads, signals
 * (see ev.h).
 *
 * Invariants: every table is fixed-size and allocated once in ev_new(); a
 * callback may add or remove fds and timers, and the current turn never calls
 * anything that was removed (each fd slot carries a generation number, and
 * due timers are looked up again by id before they fire). Posts are the only
 * state shared with other threads: a ring under a mutex, plus an eventfd that
 * makes poll(2) return.
 */
#define _GNU_SOURCE /* eventfd, signalfd */
#include <pdbridge/clock.h>
#include <pdbridge/ev.h>
#include <pdbridge/limits.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

struct ev_fdent {
	int fd; /* -1: slot free */
	unsigned events;
	unsigned gen; /* bumped on every add, so a stale poll result is recognised */
	ev_fd_fn fn;
	void *ud;
};

struct ev_timer {
	unsigned id; /* 0: slot free */
	int64_t due; /* clk_now_ms() deadline */
	ev_fn fn;
	void *ud;
};

struct ev_postent {
	ev_fn fn;
	void *ud;
};

struct ev_loop {
	struct ev_fdent fds[PDB_EV_FDS_MAX];
	struct pollfd pfd[PDB_EV_FDS_MAX];
	unsigned pfd_slot[PDB_EV_FDS_MAX]; /* pfd[i] came from fds[pfd_slot[i]] ... */
	unsigned pfd_gen[PDB_EV_FDS_MAX];  /* ... as it was at that generation */
	unsigned gen;
	struct ev_timer timers[PDB_EV_TIMERS_MAX];
	unsigned next_timer_id;

	pthread_mutex_t post_mu; /* guards the ring below */
	struct ev_postent posts[PDB_EV_POST_MAX];
	size_t post_head, post_count;
	int wake_fd; /* eventfd: readable while posts are queued */

	atomic_int stop;
	atomic_int stop_sig;
	int sig_fd; /* -1 until ev_signals() */
	sigset_t old_mask;
	ev_fn on_hup;
	void *hup_ud;
};

static void wake(struct ev_loop *l)
{
	uint64_t one = 1;

	/* EAGAIN means the counter is already non-zero: the loop will wake anyway. */
	if (write(l->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		LOG_WARN("ev", "cannot wake the loop: %s", strerror(errno));
}

static void drain_posts(struct ev_loop *l)
{
	struct ev_postent e;
	size_t budget;

	/* Run what was queued when we started, so a post that posts cannot starve the fds. */
	pthread_mutex_lock(&l->post_mu);
	budget = l->post_count;
	pthread_mutex_unlock(&l->post_mu);
	while (budget--) {
		pthread_mutex_lock(&l->post_mu);
		if (!l->post_count) {
			pthread_mutex_unlock(&l->post_mu);
			break;
		}
		e = l->posts[l->post_head];
		l->post_head = (l->post_head + 1) % PDB_EV_POST_MAX;
		l->post_count--;
		pthread_mutex_unlock(&l->post_mu);
		e.fn(l, e.ud);
	}
}

static void on_wake(struct ev_loop *l, int fd, unsigned events, void *ud)
{
	uint64_t n;

	(void)events;
	(void)ud;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		LOG_WARN("ev", "wake fd: %s", strerror(errno));
	drain_posts(l);
}

enum pdb_rc ev_new(struct ev_loop **out)
{
	struct ev_loop *l;
	size_t i;
	enum pdb_rc rc;

	*out = NULL;
	l = mem_calloc(1, sizeof(*l));
	if (!l)
		return PDB_E_NOMEM;
	for (i = 0; i < PDB_EV_FDS_MAX; i++)
		l->fds[i].fd = -1;
	l->sig_fd = -1;
	l->next_timer_id = 1;
	pthread_mutex_init(&l->post_mu, NULL);
	l->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->wake_fd < 0) {
		LOG_ERROR("ev", "eventfd: %s", strerror(errno));
		pthread_mutex_destroy(&l->post_mu);
		mem_free(l);
		return PDB_E_IO;
	}
	rc = ev_fd_add(l, l->wake_fd, EV_READ, on_wake, NULL);
	if (rc) {
		ev_free(l);
		return rc;
	}
	*out = l;
	return PDB_OK;
}

void ev_free(struct ev_loop *l)
{
	if (!l)
		return;
	if (l->sig_fd >= 0) {
		close(l->sig_fd);
		pthread_sigmask(SIG_SETMASK, &l->old_mask, NULL);
	}
	close(l->wake_fd);
	pthread_mutex_destroy(&l->post_mu);
	mem_free(l);
}

static struct ev_fdent *find_fd(struct ev_loop *l, int fd)
{
	size_t i;

	for (i = 0; i < PDB_EV_FDS_MAX; i++)
		if (l->fds[i].fd == fd)
			return &l->fds[i];
	return NULL;
}

enum pdb_rc ev_fd_add(struct ev_loop *l, int fd, unsigned events, ev_fd_fn fn, void *ud)
{
	struct ev_fdent *e;

	if (fd < 0 || find_fd(l, fd))
		return PDB_E_INVAL;
	e = find_fd(l, -1);
	if (!e)
		return PDB_E_TOO_LARGE;
	e->fd = fd;
	e->events = events;
	e->gen = ++l->gen;
	e->fn = fn;
	e->ud = ud;
	return PDB_OK;
}

enum pdb_rc ev_fd_mod(struct ev_loop *l, int fd, unsigned events)
{
	struct ev_fdent *e = fd >= 0 ? find_fd(l, fd) : NULL;

	if (!e)
		return PDB_E_INVAL;
	e->events = events;
	return PDB_OK;
}

void ev_fd_del(struct ev_loop *l, int fd)
{
	struct ev_fdent *e = fd >= 0 ? find_fd(l, fd) : NULL;

	if (e)
		e->fd = -1;
}

enum pdb_rc ev_timer_add(struct ev_loop *l, int64_t delay_ms, ev_fn fn, void *ud, unsigned *id)
{
	size_t i;

	for (i = 0; i < PDB_EV_TIMERS_MAX; i++) {
		struct ev_timer *t = &l->timers[i];

		if (t->id)
			continue;
		t->id = l->next_timer_id++;
		if (!l->next_timer_id) /* wrapped: 0 means "no timer" */
			l->next_timer_id = 1;
		t->due = clk_now_ms() + (delay_ms > 0 ? delay_ms : 0);
		t->fn = fn;
		t->ud = ud;
		if (id)
			*id = t->id;
		return PDB_OK;
	}
	return PDB_E_TOO_LARGE;
}

void ev_timer_cancel(struct ev_loop *l, unsigned id)
{
	size_t i;

	for (i = 0; id && i < PDB_EV_TIMERS_MAX; i++)
		if (l->timers[i].id == id)
			l->timers[i].id = 0;
}

enum pdb_rc ev_post(struct ev_loop *l, ev_fn fn, void *ud)
{
	pthread_mutex_lock(&l->post_mu);
	if (l->post_count == PDB_EV_POST_MAX) {
		pthread_mutex_unlock(&l->post_mu);
		return PDB_E_TOO_LARGE;
	}
	l->posts[(l->post_head + l->post_count) % PDB_EV_POST_MAX] =
	    (struct ev_postent){.fn = fn, .ud = ud};
	l->post_count++;
	pthread_mutex_unlock(&l->post_mu);
	wake(l);
	return PDB_OK;
}

/* SIGUSR1: what the allocation funnel counts, after the free pages went back. */
static void log_heap(void)
{
	struct mem_stats ms;

	mem_trim();
	mem_get_stats(&ms);
	LOG_INFO("ev", "heap: in use %zu bytes, peak %zu, allocations %llu", ms.current, ms.peak,
	         (unsigned long long)ms.allocs);
}

static void on_signal(struct ev_loop *l, int fd, unsigned events, void *ud)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)ud;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			LOG_INFO("ev", "SIGHUP");
			if (l->on_hup)
				l->on_hup(l, l->hup_ud);
			continue;
		}
		if (si.ssi_signo == SIGUSR1) {
			log_heap();
			continue;
		}
		LOG_INFO("ev", "signal %u: stopping", si.ssi_signo);
		atomic_store(&l->stop_sig, (int)si.ssi_signo);
		atomic_store(&l->stop, 1);
	}
}

enum pdb_rc ev_signals(struct ev_loop *l, ev_fn on_hup, void *ud)
{
	struct sigaction ign;
	sigset_t set;
	enum pdb_rc rc;

	if (l->sig_fd >= 0)
		return PDB_E_INVAL;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	if (pthread_sigmask(SIG_BLOCK, &set, &l->old_mask))
		return PDB_E_IO;
	l->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->sig_fd < 0) {
		LOG_ERROR("ev", "signalfd: %s", strerror(errno));
		pthread_sigmask(SIG_SETMASK, &l->old_mask, NULL);
		return PDB_E_IO;
	}
	l->on_hup = on_hup;
	l->hup_ud = ud;
	rc = ev_fd_add(l, l->sig_fd, EV_READ, on_signal, NULL);
	if (rc) {
		close(l->sig_fd);
		l->sig_fd = -1;
		pthread_sigmask(SIG_SETMASK, &l->old_mask, NULL);
	}
	return rc;
}

/* Milliseconds poll(2) may sleep: until the first timer, at most @max_wait_ms (-1: no cap). */
static int poll_timeout(struct ev_loop *l, int64_t max_wait_ms)
{
	int64_t now = clk_now_ms(), wait = max_wait_ms;
	size_t i;

	for (i = 0; i < PDB_EV_TIMERS_MAX; i++) {
		int64_t left;

		if (!l->timers[i].id)
			continue;
		left = l->timers[i].due > now ? l->timers[i].due - now : 0;
		if (wait < 0 || left < wait)
			wait = left;
	}
	if (wait > INT32_MAX)
		wait = INT32_MAX;
	return (int)wait;
}

static void run_timers(struct ev_loop *l)
{
	unsigned due[PDB_EV_TIMERS_MAX];
	size_t i, j, n = 0;
	int64_t now = clk_now_ms();

	/* Snapshot first: a timer added by a callback waits for the next turn. */
	for (i = 0; i < PDB_EV_TIMERS_MAX; i++)
		if (l->timers[i].id && l->timers[i].due <= now)
			due[n++] = l->timers[i].id;
	for (j = 0; j < n; j++) {
		for (i = 0; i < PDB_EV_TIMERS_MAX; i++) {
			struct ev_timer *t = &l->timers[i];

			if (t->id != due[j])
				continue;
			t->id = 0;
			t->fn(l, t->ud);
			break;
		}
	}
}

static unsigned to_poll(unsigned events)
{
	return (events & EV_READ ? POLLIN : 0u) | (events & EV_WRITE ? POLLOUT : 0u);
}

/* What to report for @revents, given the interest @events. */
static unsigned from_poll(short revents, unsigned events)
{
	unsigned r = (unsigned)revents, ev = 0;

	if ((r & POLLIN) && (events & EV_READ))
		ev |= EV_READ;
	if ((r & POLLOUT) && (events & EV_WRITE))
		ev |= EV_WRITE;
	if (r & (POLLERR | POLLHUP | POLLNVAL))
		ev |= EV_ERROR | (events & EV_READ); /* a reader sees the hang-up as EOF */
	return ev;
}

enum pdb_rc ev_run_once(struct ev_loop *l, int64_t max_wait_ms)
{
	nfds_t n = 0;
	size_t i;
	int ready;

	for (i = 0; i < PDB_EV_FDS_MAX; i++) {
		if (l->fds[i].fd < 0)
			continue;
		l->pfd[n].fd = l->fds[i].fd;
		l->pfd[n].events = (short)to_poll(l->fds[i].events);
		l->pfd[n].revents = 0;
		l->pfd_slot[n] = (unsigned)i;
		l->pfd_gen[n] = l->fds[i].gen;
		n++;
	}
	ready = poll(l->pfd, n, poll_timeout(l, max_wait_ms));
	if (ready < 0) {
		if (errno == EINTR)
			return PDB_OK;
		LOG_ERROR("ev", "poll: %s", strerror(errno));
		return PDB_E_IO;
	}
	for (i = 0; ready > 0 && i < n; i++) {
		struct ev_fdent *e = &l->fds[l->pfd_slot[i]];
		unsigned ev;

		if (!l->pfd[i].revents)
			continue;
		ready--;
		if (e->fd != l->pfd[i].fd || e->gen != l->pfd_gen[i])
			continue; /* removed (or replaced) by an earlier callback this turn */
		ev = from_poll(l->pfd[i].revents, e->events);
		if (ev)
			e->fn(l, e->fd, ev, e->ud);
		if (atomic_load(&l->stop))
			return PDB_OK;
	}
	run_timers(l);
	return PDB_OK;
}

int ev_run(struct ev_loop *l)
{
	while (!atomic_load(&l->stop))
		if (ev_run_once(l, -1))
			break;
	return atomic_load(&l->stop_sig);
}

void ev_stop(struct ev_loop *l)
{
	atomic_store(&l->stop, 1);
	wake(l);
}

int ev_stopped(struct ev_loop *l)
{
	return atomic_load(&l->stop);
}
