/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * run_lamps.c - the lamps, buzzer and button of `pdbridge run`: their
 * settings from a snapshot (lamp.*, buzzer.*, button.*), the poller's view
 * turned into what they show, and the button's presses turned back into the
 * poller's calls: a long press is status_ack() of the seq it saw (the
 * seq-guarded path of MQTT cmd/ack, result published on cmd/ack/result), a
 * short one status_refresh().
 */
#include <pdbridge/app.h>
#include <pdbridge/lamp.h>
#include <pdbridge/status.h>

static const enum cfg_key led_keys[LAMP_ROLES] = {
    [LAMP_OK] = CFG_LAMP_OK,
    [LAMP_ACKED] = CFG_LAMP_ACKED,
    [LAMP_TRIGGERED] = CFG_LAMP_TRIGGERED,
    [LAMP_UNKNOWN] = CFG_LAMP_UNKNOWN,
    [LAMP_BUZZER] = CFG_LAMP_BUZZER,
};

static enum pdb_rc on_ack(void *ud, uint64_t seq, struct pdb_err *err)
{
	struct app_lamps *a = ud;

	if (!a->st)
		return pdb_err_set(err, PDB_E_DENIED, "the poller is not running");
	return status_ack(a->st, seq, "button", err);
}

static void on_refresh(void *ud)
{
	struct app_lamps *a = ud;

	if (a->st)
		status_refresh(a->st);
}

static void conf_from(struct app_lamps *a, struct ev_loop *loop, const struct cfg *c,
                      struct lamp_conf *lc)
{
	int r;

	*lc = (struct lamp_conf){
	    .loop = loop,
	    .sysfs = cfg_str(c, CFG_LAMP_SYSFS),
	    .buzzer_repeat_s = (unsigned)cfg_int(c, CFG_BUZZER_REPEAT),
	    .buzzer_quiet = cfg_str(c, CFG_BUZZER_QUIET),
	    .mute_min = (unsigned)cfg_int(c, CFG_BUZZER_MUTE),
	    .button_device = cfg_str(c, CFG_BUTTON_DEVICE),
	    .button_root = cfg_str(c, CFG_BUTTON_ROOT),
	    .button_key = (unsigned)cfg_int(c, CFG_BUTTON_KEY),
	    .on_ack = on_ack,
	    .on_refresh = on_refresh,
	    .ud = a,
	};
	for (r = 0; r < LAMP_ROLES; r++)
		lc->led[r] = cfg_str(c, led_keys[r]);
}

bool app_lamps_wanted(const struct cfg *c)
{
	struct lamp_conf lc;

	conf_from(NULL, NULL, c, &lc);
	return lamp_wanted(&lc);
}

enum pdb_rc app_lamps_apply(struct app_lamps *a, struct ev_loop *loop, const struct cfg *c,
                            struct pdb_err *err)
{
	struct lamp_conf lc;

	conf_from(a, loop, c, &lc);
	if (a->lamp)
		return lamp_reconfigure(a->lamp, &lc, err);
	return lamp_wanted(&lc) ? lamp_new(&lc, &a->lamp, err) : PDB_OK;
}

void app_lamps_view(struct app_lamps *a, const struct status_view *v)
{
	struct lamp_view lv = {
	    .seq = v->seq,
	    .valid = v->valid,
	    .stale = v->stale,
	    .level = v->level,
	    .triggered_high = v->triggered_high,
	    .new_triggered = v->new_triggered,
	};

	lamp_show(a->lamp, &lv);
}

enum pdb_rc app_lamps_mute(struct app_lamps *a, int minutes, struct pdb_err *err)
{
	if (!a->lamp)
		return pdb_err_set(err, PDB_E_MISSING, "no buzzer to mute: lamp.buzzer is unset");
	return lamp_mute(a->lamp, minutes, "cmd/mute", err);
}

void app_lamps_free(struct app_lamps *a)
{
	lamp_free(a->lamp);
	a->lamp = NULL;
}
