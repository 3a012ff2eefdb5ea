/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * engine.c - what every serving command (mcp, serve, run) stands on: the
 * event loop with its signals, the HTTPS client's global state, and the
 * worker pool that PagerDuty calls run on. Started in that order and torn
 * down in two steps, because the pool must be joined before the modules
 * that hand it work are freed, and the loop freed only after them.
 */
#include <pdbridge/app.h>
#include <pdbridge/ev.h>
#include <pdbridge/pd.h>

enum pdb_rc app_engine_start(struct app_engine *e, ev_fn on_hup, void *ud, struct pdb_err *err)
{
	if (ev_new(&e->loop) || ev_signals(e->loop, on_hup, ud))
		return pdb_err_set(err, PDB_E_IO, "cannot set up the event loop");
	if (pd_global_init())
		return pdb_err_set(err, PDB_E_TLS, "cannot initialise the HTTPS client");
	e->pd_inited = true;
	if (ev_pool_new(0, &e->pool))
		return pdb_err_set(err, PDB_E_IO, "cannot start the worker threads");
	return PDB_OK;
}

void app_engine_join(struct app_engine *e)
{
	ev_pool_free(e->pool); /* workers finish: every PagerDuty call has a deadline */
	e->pool = NULL;
}

void app_engine_free(struct app_engine *e)
{
	if (e->pd_inited)
		pd_global_cleanup();
	e->pd_inited = false;
	ev_free(e->loop);
	e->loop = NULL;
}
