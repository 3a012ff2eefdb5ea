/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd_run.c - `pdbridge run`: the daemon that turns a board into a status
 * display's bridge. The status poller publishes to MQTT (when mqtt.url is
 * set), feeds the board page (when board.listen is set) and drives the
 * board's lamps, buzzer and button (lamp.*, button.*: run_lamps.c), and the
 * MCP listeners of mcp.listen serve agents, all on one event loop in one
 * process, with the worker pool for PagerDuty calls and paho's threads as
 * the only other threads (docs/adr-threads.md).
 *
 * With MQTT it also publishes the PagerDuty usage counts, retained, to
 * <base>/stats, at most once a minute and only when they changed
 * (stats_topic.c).
 *
 * Signals: SIGTERM and SIGINT stop it cleanly (MCP sessions closed, "offline"
 * published to <base>/status, calls finished); SIGHUP reloads the settings
 * (flag > environment > flash > default, the flags as given at start). A
 * reload that does not validate is logged and the running settings stay. The
 * poller and MQTT take the new settings at once (MQTT reconnects only when
 * its own settings changed; a newly set mqtt.url starts them), the board
 * page its theme; the MCP listeners, the board page's listener and token,
 * the tool gating and the PagerDuty settings of the tools are fixed at
 * start: restart for those.
 *
 * Start order: signals are taken before any thread exists, then the HTTPS
 * client, the pool, MCP, the board page, the lamps, the poller and MQTT.
 * Stop order: MCP closes (its calls cancelled), the board page's viewers
 * are let go, the lamps go to rest, MQTT says "offline", the pool finishes
 * and joins, and only then are the poller, the board, the tables and the
 * clients freed.
 */
#include <pdbridge/app.h>
#include <pdbridge/board.h>
#include <pdbridge/ev.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>
#include <pdbridge/mq.h>
#include <pdbridge/status.h>
#include <pdbridge/transport.h>

#include <stdio.h>
#include <string.h>

/* The IDs of the four watch lists, borrowed from a snapshot. */
struct watch_ids {
	const char *v[4][PDB_WATCH_IDS_MAX];
};

struct daemon {
	struct app_settings set;      /* the reloadable snapshot: poller, MQTT, log level */
	const struct cfg_flag *flags; /* every flag layer, for start and each reload */
	size_t n_flags;
	size_t n_own_flags; /* those before the PagerDuty ones */
	struct app_engine eng;
	struct app_mcp mcp;
	struct status *st;
	struct app_stats stats; /* the retained <base>/stats topic */
	struct app_lamps lamps;
	struct mq *mq;
	char mq_key[PDB_CFG_VALUE_MAX * 2]; /* the settings the running mq was made from */
	char node[PDB_CFG_WORD_MAX + 1];
	char base[2 * PDB_CFG_WORD_MAX + 2]; /* <mqtt.base_topic>/<node> */
	char will[2 * PDB_CFG_WORD_MAX + 9]; /* <base>/status */
	char client_id[PDB_CFG_WORD_MAX + 1];
	struct board *board;        /* the board page, when board.listen is set */
	struct tr_server *board_tr; /* its listener, with board.token */
	struct tr_pages *pages;
};

/* The poller runs for whoever shows the state: MQTT, the board page, the lamps. */
static bool wants_status(const struct daemon *d, const struct cfg *c)
{
	return *cfg_str(c, CFG_MQTT_URL) || d->board || d->lamps.lamp;
}

/* Names and topics of snapshot @c: node id, topic base, will topic, client id. */
static void names_from(struct daemon *d, const struct cfg *c)
{
	const char *id = cfg_str(c, CFG_MQTT_CLIENT_ID);

	snprintf(d->node, sizeof(d->node), "%s", app_node_id(c));
	snprintf(d->base, sizeof(d->base), "%.*s/%.*s", PDB_CFG_WORD_MAX,
	         cfg_str(c, CFG_MQTT_BASE_TOPIC), PDB_CFG_WORD_MAX, d->node);
	snprintf(d->will, sizeof(d->will), "%s/status", d->base);
	if (*id)
		snprintf(d->client_id, sizeof(d->client_id), "%s", id);
	else
		snprintf(d->client_id, sizeof(d->client_id), "pdbridge-%.*s",
		         (int)(sizeof(d->client_id) - sizeof("pdbridge-")), d->node);
}

static struct pd_ids ids_of(const struct cfg *c, enum cfg_key k, const char **v)
{
	return (struct pd_ids){.v = v, .n = cfg_list(c, k, v, PDB_WATCH_IDS_MAX)};
}

static enum pdb_rc publish(void *ud, const char *topic, const char *payload, size_t len, int qos,
                           bool retain)
{
	struct daemon *d = ud;

	if (!d->mq) /* no broker set is no failure; a broker away is (the poller retries) */
		return *cfg_str(d->set.cfg, CFG_MQTT_URL) ? PDB_E_IO : PDB_OK;
	return mq_publish(d->mq, topic, payload, len, qos, retain);
}

/* Every state the poller applied, to the views on the board itself. */
static void on_view(void *ud, const struct status_view *v)
{
	struct daemon *d = ud;

	if (d->board)
		board_update(d->board, &(struct board_update){.seq = v->seq,
		                                              .changed = v->changed,
		                                              .last_good_ms = v->last_good_ms,
		                                              .state_json = v->state_json,
		                                              .state_len = v->state_len});
	app_lamps_view(&d->lamps, v);
}

static enum pdb_rc on_mute(void *ud, int minutes, struct pdb_err *err)
{
	struct daemon *d = ud;

	return app_lamps_mute(&d->lamps, minutes, err);
}

/* The poller's settings from snapshot @c; @pd and @ids back it for the call. */
static enum pdb_rc status_conf_from(struct daemon *d, const struct cfg *c, struct pd_conf *pd,
                                    struct watch_ids *ids, struct status_conf *sc,
                                    struct pdb_err *err)
{
	enum pdb_rc rc = app_pd_conf_from(c, pd, err);

	if (rc)
		return rc;
	names_from(d, c);
	*sc = (struct status_conf){
	    .loop = d->eng.loop,
	    .pool = d->eng.pool,
	    .pd = pd,
	    .interval_ms = cfg_int(c, CFG_POLL_INTERVAL) * 1000,
	    .stale_after = (unsigned)cfg_int(c, CFG_POLL_STALE_AFTER),
	    .watch =
	        {
	            .escalation_policies = ids_of(c, CFG_WATCH_ESCALATION_POLICIES, ids->v[0]),
	            .schedules = ids_of(c, CFG_WATCH_SCHEDULES, ids->v[1]),
	            .services = ids_of(c, CFG_WATCH_SERVICES, ids->v[2]),
	            .teams = ids_of(c, CFG_WATCH_TEAMS, ids->v[3]),
	            .high_urgency_only = !strcmp(cfg_str(c, CFG_WATCH_URGENCY), "high"),
	        },
	    .topic_base = d->base,
	    .node_id = d->node,
	    .ha_discovery = cfg_bool(c, CFG_MQTT_HA_DISCOVERY),
	    .write = cfg_bool(c, CFG_WRITE_TOOLS),
	    .publish = publish,
	    .publish_ud = d,
	    .on_view = on_view,
	    .on_mute = on_mute,
	    .view_ud = d,
	};
	return PDB_OK;
}

static void on_connect(void *ud)
{
	struct daemon *d = ud;

	status_republish(d->st);
	app_stats_forget(&d->stats);
}

static void on_message(const char *topic, const char *payload, size_t len, void *ud)
{
	struct daemon *d = ud;

	status_on_message(d->st, topic, payload, len);
}

/*
 * (Re)make the MQTT client when its settings differ from the running one's
 * (all of them, the password and the subscriptions included, in one key
 * that never leaves this struct).
 */
static enum pdb_rc start_mqtt(struct daemon *d, const struct cfg *c, struct pdb_err *err)
{
	char key[sizeof(d->mq_key)];
	struct mq_conf mc = {.loop = d->eng.loop,
	                     .url = cfg_str(c, CFG_MQTT_URL),
	                     .username = cfg_str(c, CFG_MQTT_USERNAME),
	                     .client_id = d->client_id,
	                     .will_topic = d->will,
	                     .on_connect = on_connect,
	                     .on_message = on_message,
	                     .ud = d};
	struct mq *next = NULL;
	const char *password;
	size_t i;
	int at;
	enum pdb_rc rc = cfg_secret(c, CFG_MQTT_PASSWORD, &password, err);

	if (rc)
		return rc;
	mc.subs = status_subscriptions(d->st, &mc.n_subs);
	at = snprintf(key, sizeof(key), "%s\n%s\n%s\n%s\n%s", mc.url, mc.username, password,
	              mc.client_id, mc.will_topic);
	for (i = 0; i < mc.n_subs && at > 0 && (size_t)at < sizeof(key); i++)
		at += snprintf(key + at, sizeof(key) - (size_t)at, "\n%s", mc.subs[i]);
	if (d->mq && !strcmp(key, d->mq_key)) {
		mem_wipe(key, sizeof(key));
		return PDB_OK;
	}
	mc.username = *mc.username ? mc.username : NULL;
	mc.password = *password ? password : NULL;
	/*
	 * Checked before the old client goes; the old one says "offline" and
	 * disconnects before the new one connects, so two clients never share
	 * the client id (the broker would throw one out, will and all).
	 */
	rc = mq_new(&mc, &next, err);
	if (!rc) {
		mq_free(d->mq);
		d->mq = next;
		memcpy(d->mq_key, key, sizeof(key));
		rc = mq_start(next, err);
	}
	if (rc && d->mq == next) { /* paho would not start: none, and the next reload tries */
		mq_free(next);
		d->mq = NULL;
		mem_wipe(d->mq_key, sizeof(d->mq_key));
	}
	mem_wipe(key, sizeof(key));
	if (!rc)
		LOG_INFO("run", "publishing to MQTT under %s/ as client %s", d->base, d->client_id);
	return rc;
}

/* The poller and MQTT (when mqtt.url is set) from snapshot @c, started. */
static enum pdb_rc start_status(struct daemon *d, const struct cfg *c, struct pdb_err *err)
{
	struct status_conf sc;
	struct watch_ids ids;
	struct pd_conf pd;
	enum pdb_rc rc = status_conf_from(d, c, &pd, &ids, &sc, err);

	if (!rc)
		rc = status_new(&sc, &d->st, err);
	d->lamps.st = d->st; /* the button's acks and refreshes */
	if (!rc && *cfg_str(c, CFG_MQTT_URL))
		rc = start_mqtt(d, c, err);
	if (!rc) {
		status_start(d->st);
		app_stats_start(&d->stats, d->eng.loop, d->base, publish, d);
	}
	return rc;
}

/* --- the board page ----------------------------------------------------------- */

static const struct tr_route board_routes[] = {
    {"/", "text/html; charset=utf-8", board_page, false},
    {"/state.json", "application/json", board_state, false},
    {"/events", "text/event-stream", board_first_event, true},
};

static enum pdb_rc board_send(void *ud, const char *events, size_t len)
{
	struct daemon *d = ud;

	return d->pages ? tr_pages_send(d->pages, events, len) : PDB_OK;
}

static struct board_conf board_conf_from(struct daemon *d, const struct cfg *c)
{
	return (struct board_conf){.theme = cfg_str(c, CFG_BOARD_THEME),
	                           .interval_ms = cfg_int(c, CFG_POLL_INTERVAL) * 1000,
	                           .stale_after = (unsigned)cfg_int(c, CFG_POLL_STALE_AFTER),
	                           .send = board_send,
	                           .send_ud = d};
}

/* The board page on board.listen, with board.token off loopback. */
static enum pdb_rc start_board(struct daemon *d, const struct cfg *c, struct pdb_err *err)
{
	struct board_conf bc = board_conf_from(d, c);
	struct tr_pages_conf pc = {board_routes, PDB_N_OF(board_routes), NULL};
	char bound[PDB_CFG_PATH_MAX + 16], why[PDB_ERRMSG_MAX];
	const char *token;
	enum pdb_rc rc = cfg_secret(c, CFG_BOARD_TOKEN, &token, err);

	if (!rc)
		rc = board_new(&bc, &d->board, err);
	if (!rc)
		rc = tr_new(&(struct tr_conf){.loop = d->eng.loop, .token = token}, &d->board_tr,
		            err);
	pc.ud = d->board;
	if (!rc)
		rc = tr_listen_pages(d->board_tr, cfg_str(c, CFG_BOARD_LISTEN), &pc, &d->pages,
		                     bound, sizeof(bound), err);
	if (rc) {
		snprintf(why, sizeof(why), "%s", pdb_err_text(err));
		return pdb_err_set(err, rc, "board.listen: %s", why);
	}
	LOG_INFO("run", "board page at %s (%s theme)", bound, bc.theme);
	return PDB_OK;
}

/* SIGHUP: the settings again, from every layer; the running ones stay on any error. */
static void on_hup(struct ev_loop *l, void *ud)
{
	struct daemon *d = ud;
	struct status_conf sc;
	struct watch_ids ids;
	struct pd_conf pd;
	struct pdb_err err;
	const char *url;
	enum pdb_rc rc;

	(void)l;
	pdb_err_clear(&err);
	cfg_doc_free(&d->set.doc);
	cfg_doc_init(&d->set.doc);
	rc = cfg_store_load(d->set.store, &d->set.doc, &err);
	if (!rc)
		rc = app_settings_build(&d->set, d->flags, d->n_flags, &err);
	if (rc) {
		LOG_ERROR("run", "reload failed, the running settings stay: %s",
		          pdb_err_text(&err));
		return;
	}
	app_apply_log_level(d->set.cfg);
	url = cfg_str(d->set.cfg, CFG_MQTT_URL);
	if (d->board) {
		struct board_conf bc = board_conf_from(d, d->set.cfg);

		rc = board_reconfigure(d->board, &bc, &err);
	}
	if (!rc)
		rc = app_lamps_apply(&d->lamps, d->eng.loop, d->set.cfg, &err);
	if (!rc && !d->st && wants_status(d, d->set.cfg))
		rc = start_status(d, d->set.cfg, &err);
	else if (!rc && d->mq && !*url)
		rc = pdb_err_set(&err, PDB_E_INVAL,
		                 "mqtt.url was removed: restart to stop publishing");
	else if (!rc && d->st) {
		rc = status_conf_from(d, d->set.cfg, &pd, &ids, &sc, &err);
		if (!rc)
			rc = status_reconfigure(d->st, &sc, &err);
		if (!rc && *url)
			rc = start_mqtt(d, d->set.cfg, &err);
	}
	if (rc)
		LOG_ERROR("run", "reload failed, the running settings stay: %s",
		          pdb_err_text(&err));
	else
		LOG_INFO("run", "settings reloaded");
}

static enum pdb_rc start(struct daemon *d, const struct app_mcp_opts *mo,
                         const struct app_pd_flags *pf, struct pdb_err *err)
{
	const struct cfg *mcp_cfg;
	struct app_mcp_settings ms;
	const struct cfg *c;
	enum pdb_rc rc;

	rc = app_settings_open(&d->set, pf->config, false, err);
	if (!rc)
		rc = app_settings_build(&d->set, d->flags, d->n_flags, err);
	if (rc)
		return rc;
	c = d->set.cfg;
	app_apply_log_level(c);
	/* MCP keeps a snapshot of its own: its tools borrow its strings for the whole run. */
	rc = app_settings_once(pf, d->flags, d->n_own_flags, &mcp_cfg, err);
	if (!rc)
		rc = app_mcp_settings_from(mcp_cfg, mo, true, &ms, err);
	if (rc)
		return rc;
	if (!*cfg_str(c, CFG_MQTT_URL) && !*cfg_str(c, CFG_BOARD_LISTEN) && !app_lamps_wanted(c) &&
	    !ms.n_listen)
		return pdb_err_set(
		    err, PDB_E_INVAL,
		    "nothing to run: set mqtt.url (status to MQTT), board.listen (the "
		    "board page), lamp.* (lamps on the board) or mcp.listen (MCP for agents), "
		    "e.g. pdbridge config set mqtt.url mqtt://127.0.0.1:1883");
	rc = app_engine_start(&d->eng, on_hup, d, err);
	if (rc)
		return rc;
	if (ms.n_listen) {
		rc = app_mcp_start(&d->mcp, d->eng.loop, d->eng.pool, mcp_cfg, &ms, err);
		if (rc)
			return rc;
		LOG_INFO("run", "serving MCP (%s)",
		         ms.write ? "write tools enabled" : "read-only tools");
	} else {
		LOG_INFO("run", "mcp.listen is unset: not serving MCP");
	}
	if (*cfg_str(c, CFG_BOARD_LISTEN)) {
		rc = start_board(d, c, err);
		if (rc)
			return rc;
	}
	rc = app_lamps_apply(&d->lamps, d->eng.loop, c, err);
	if (rc)
		return rc;
	if (!*cfg_str(c, CFG_MQTT_URL))
		LOG_INFO("run", "mqtt.url is unset: not publishing status (set it, then reload)");
	return wants_status(d, c) ? start_status(d, c, err) : PDB_OK;
}

static void stop(struct daemon *d)
{
	app_mcp_close(&d->mcp);
	tr_free(d->board_tr); /* the viewers' streams end */
	d->board_tr = NULL;
	d->pages = NULL;
	app_stats_stop(&d->stats);
	/* the lamps at rest first: a stopping daemon claims nothing */
	app_lamps_free(&d->lamps);
	mq_free(d->mq); /* "offline", before waiting for the pool */
	d->mq = NULL;
	app_engine_join(&d->eng);
	status_free(d->st);
	board_free(d->board);
	app_mcp_free(&d->mcp);
	app_engine_free(&d->eng);
	app_settings_free(&d->set);
	mem_wipe(d->mq_key, sizeof(d->mq_key));
}

int app_cmd_run(int argc, char **argv)
{
	static struct daemon d;
	static struct app_mcp_opts mo;
	static struct cfg_flag flags[CFG_KEYS];
	struct app_pd_flags pf = {0};
	const char *mqtt_url = NULL, *node_id = NULL, *interval = NULL, *board_listen = NULL;
	bool help = false;
	const struct app_opt opts[] = {
	    {"mqtt-url", APP_OPT_STRING, &mqtt_url, "URL", "MQTT broker, mqtt://HOST[:PORT]"},
	    {"node-id", APP_OPT_STRING, &node_id, "ID",
	     "topic level of this board (default: host)"},
	    {"poll-interval", APP_OPT_STRING, &interval, "SECONDS", "between two polls (30)"},
	    {"board-listen", APP_OPT_STRING, &board_listen, "URL",
	     "board page, http://HOST:PORT/ (off loopback: board.token)"},
	    APP_MCP_OPTS(&mo),
	    APP_PD_OPTS(&pf),
	    {"help", APP_OPT_FLAG, &help, NULL, "this text"},
	};
	const size_t n_opts = PDB_N_OF(opts);
	struct pdb_err err;
	size_t n = 0;
	int status = APP_EXIT_FAIL;

	pdb_err_clear(&err);
	if (app_parse_opts(opts, n_opts, argc, argv, &err) || help)
		return app_usage(stdout, "run", opts, n_opts, help, &err);
	flags[n++] = (struct cfg_flag){CFG_MQTT_URL, mqtt_url, "--mqtt-url"};
	flags[n++] = (struct cfg_flag){CFG_MQTT_NODE_ID, node_id, "--node-id"};
	flags[n++] = (struct cfg_flag){CFG_POLL_INTERVAL, interval, "--poll-interval"};
	flags[n++] = (struct cfg_flag){CFG_BOARD_LISTEN, board_listen, "--board-listen"};
	if (app_mcp_flags(&mo, flags, &n, &err))
		goto out;
	d.n_own_flags = n; /* the PagerDuty flags last: app_settings_once() adds its own */
	app_pd_flags_to_cfg(&pf, flags, &n);
	d.flags = flags;
	d.n_flags = n;
	if (start(&d, &mo, &pf, &err))
		goto out;
	ev_run(d.eng.loop);
	status = APP_EXIT_OK;
	LOG_INFO("run", "stopping");
out:
	if (status != APP_EXIT_OK)
		fprintf(stderr, "pdbridge run: %s\n", pdb_err_text(&err));
	stop(&d);
	return status;
}
