/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ev.h - the one event loop, and the fixed pool of worker threads for work
 * that blocks.
 *
 * One struct ev_loop runs on the main thread and owns everything that
 * happens there: file descriptors (poll(2), at most PDB_EV_FDS_MAX), one-shot
 * timers on the monotonic clock (at most PDB_EV_TIMERS_MAX), callbacks other
 * threads queue with ev_post() (a bounded queue, woken through an eventfd),
 * and SIGINT/SIGTERM/SIGHUP through a signalfd. Callbacks run on the loop
 * thread, one at a time, so the state they touch needs no locks; the only
 * calls other threads may make are ev_post(), ev_stop() and the pool's.
 *
 * The pool (struct ev_pool) is the only other source of threads: a fixed
 * number of workers (PDB_EV_WORKERS) taking jobs from a bounded queue
 * (PDB_EV_JOBS_MAX). A job that must report back does so with ev_post().
 * docs/adr-threads.md is the whole thread model.
 */
#ifndef PDBRIDGE_EV_H
#define PDBRIDGE_EV_H

#include <pdbridge/err.h>

#include <stdint.h>

struct ev_loop;
struct ev_pool;

/* Readiness bits, for interest and for what happened. */
#define EV_READ  1u
#define EV_WRITE 2u
#define EV_ERROR 4u /* error or hang-up; reported whatever the interest */

/*
 * An fd is ready: @events is a set of EV_* bits. On EV_ERROR the callback
 * must close or ev_fd_del() the fd, or it is reported again on every turn.
 */
typedef void (*ev_fd_fn)(struct ev_loop *l, int fd, unsigned events, void *ud);

/* A timer expired, a posted callback runs, or SIGHUP arrived. */
typedef void (*ev_fn)(struct ev_loop *l, void *ud);

/**
 * ev_new: a loop with no fds, timers or posts. Caller frees with ev_free().
 * Returns PDB_OK, PDB_E_NOMEM or PDB_E_IO (no eventfd).
 */
enum pdb_rc ev_new(struct ev_loop **out) PDB_WARN_UNUSED;

/**
 * ev_free: free the loop; NULL is a no-op. Posts still queued are dropped
 * without running. The fds it watched are not closed (they are the
 * caller's).
 */
void ev_free(struct ev_loop *l);

/**
 * ev_fd_add: watch @fd for @events (EV_READ | EV_WRITE; 0 watches errors
 * only) and call @fn with @ud when it is ready. @fd stays the caller's.
 * Returns PDB_OK, PDB_E_TOO_LARGE (PDB_EV_FDS_MAX already watched) or
 * PDB_E_INVAL (negative, or already watched).
 */
enum pdb_rc ev_fd_add(struct ev_loop *l, int fd, unsigned events, ev_fd_fn fn,
                      void *ud) PDB_WARN_UNUSED;

/** ev_fd_mod: change the interest of a watched @fd. Returns PDB_OK or PDB_E_INVAL (not watched). */
enum pdb_rc ev_fd_mod(struct ev_loop *l, int fd, unsigned events) PDB_WARN_UNUSED;

/**
 * ev_fd_del: stop watching @fd; unknown fds are ignored. Safe from inside any
 * callback: a removed fd gets no further callback, even in the current turn.
 */
void ev_fd_del(struct ev_loop *l, int fd);

/**
 * ev_timer_add: call @fn(@ud) once, @delay_ms from now (0: next turn).
 * *@id (if not NULL) gets a non-zero id for ev_timer_cancel().
 * Returns PDB_OK or PDB_E_TOO_LARGE (PDB_EV_TIMERS_MAX pending).
 */
enum pdb_rc ev_timer_add(struct ev_loop *l, int64_t delay_ms, ev_fn fn, void *ud,
                         unsigned *id) PDB_WARN_UNUSED;

/** ev_timer_cancel: forget a pending timer; an id that fired or is 0 is ignored. */
void ev_timer_cancel(struct ev_loop *l, unsigned id);

/**
 * ev_post: from any thread, have @fn(@l, @ud) run on the loop thread soon,
 * in posting order. Returns PDB_OK, or PDB_E_TOO_LARGE when PDB_EV_POST_MAX
 * callbacks are already queued (nothing is queued then).
 */
enum pdb_rc ev_post(struct ev_loop *l, ev_fn fn, void *ud) PDB_WARN_UNUSED;

/**
 * ev_signals: take SIGINT and SIGTERM (ev_run() returns), SIGHUP (@on_hup,
 * may be NULL) and SIGUSR1 (the heap counters are logged, after mem_trim(),
 * as "heap: in use N bytes, peak M, allocations K": what a soak or an
 * operator reads to see memory come back) through a signalfd, and ignore
 * SIGPIPE (writes to a closed peer fail with EPIPE instead). The signals are
 * blocked in the calling thread, so call this before any thread is started:
 * threads inherit the mask, and the signal is then only ever seen by the loop.
 * Returns PDB_OK or PDB_E_IO.
 */
enum pdb_rc ev_signals(struct ev_loop *l, ev_fn on_hup, void *ud) PDB_WARN_UNUSED;

/**
 * ev_run: run until ev_stop() (or SIGINT/SIGTERM). Returns the signal number
 * that stopped the loop, or 0.
 */
int ev_run(struct ev_loop *l);

/**
 * ev_run_once: one turn: wait at most @max_wait_ms (-1: until something
 * happens, 0: do not wait) and dispatch what is ready. Returns PDB_OK or
 * PDB_E_IO (poll failed for a reason other than a signal).
 */
enum pdb_rc ev_run_once(struct ev_loop *l, int64_t max_wait_ms) PDB_WARN_UNUSED;

/** ev_stop: make ev_run() return after the current callback; any thread. */
void ev_stop(struct ev_loop *l);

/** ev_stopped: true once ev_stop() was called or a stop signal arrived. */
int ev_stopped(struct ev_loop *l);

/* --- the worker pool ------------------------------------------------------ */

/* A job: runs on a worker thread. */
typedef void (*ev_job_fn)(void *job);

/**
 * ev_pool_new: start @workers threads (0: PDB_EV_WORKERS; at most that)
 * sharing a queue of PDB_EV_JOBS_MAX jobs. Caller frees with ev_pool_free().
 * Returns PDB_OK, PDB_E_NOMEM or PDB_E_IO (a thread could not be started).
 */
enum pdb_rc ev_pool_new(unsigned workers, struct ev_pool **out) PDB_WARN_UNUSED;

/**
 * ev_pool_submit: queue @fn(@job) for the next free worker; any thread.
 * Returns PDB_OK, PDB_E_TOO_LARGE (the queue is full) or PDB_E_INVAL (the
 * pool is shutting down). On error the job was not queued.
 */
enum pdb_rc ev_pool_submit(struct ev_pool *p, ev_job_fn fn, void *job) PDB_WARN_UNUSED;

/**
 * ev_pool_free: let the queued and running jobs finish, then join the
 * workers and free the pool; NULL is a no-op. Jobs must end by themselves
 * (every blocking wait in pdbridge has a deadline).
 */
void ev_pool_free(struct ev_pool *p);

#endif /* PDBRIDGE_EV_H */
