/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mq_probe.c - drives the mq module on a real event loop for the
 * integration tests (tests/integration/test_mq.py) against a real mosquitto.
 *
 *   mq_probe [options] URL
 * options: --client-id ID  --will TOPIC  --sub FILTER (repeatable)
 *          --user NAME  --debug
 * The password comes from PDB_MQ_PASSWORD (not argv, where ps shows it).
 *
 * Commands, one per line on stdin:
 *   pub TOPIC RETAIN PAYLOAD     (RETAIN 0|1, QoS 1; PAYLOAD is the rest of the line)
 *   big TOPIC BYTES              (one QoS 1 publish of BYTES 'x's)
 *   burst N TOPIC BYTES          (N QoS 1 publishes back to back)
 *   block MS                     (hold the loop thread, so arrivals queue up)
 *   stats
 * Every event is one JSON line on stdout: {"event":"connect","connects":N},
 * {"event":"message",...}, {"event":"pub","rc":...}, {"event":"burst",...},
 * {"event":"stats",...}, {"event":"error",...} if mq_new or mq_start fails,
 * and last {"event":"exit","mem_current":N} after mq_free on SIGTERM.
 */
#include <pdbridge/ev.h>
#include <pdbridge/jsonx.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>
#include <pdbridge/mq.h>

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#define LINE_MAX_PROBE 4096

static const char *const rc_names[] = {
    "OK",        "NOMEM",    "TOO_LARGE", "INVAL",       "PARSE",   "TYPE",     "MISSING",
    "RANGE",     "IO",       "TIMEOUT",   "TLS",         "CONNECT", "HTTP",     "AUTH",
    "RATELIMIT", "NOTFOUND", "DENIED",    "UNSUPPORTED", "CORRUPT", "INTERNAL",
};

struct probe {
	struct ev_loop *loop;
	struct mq *mq;
	char line[LINE_MAX_PROBE];
	size_t n;
};

static void emit(cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);

	printf("%s\n", text ? text : "{\"event\":\"nomem\"}");
	fflush(stdout);
	cJSON_free(text);
	cJSON_Delete(o);
}

static cJSON *event(const char *name)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "event", name);
	return o;
}

static void add_stats(cJSON *o, const struct mq *m)
{
	struct mq_stats st;

	mq_get_stats(m, &st);
	cJSON_AddNumberToObject(o, "connects", (double)st.connects);
	cJSON_AddNumberToObject(o, "published", (double)st.published);
	cJSON_AddNumberToObject(o, "refused", (double)st.refused);
	cJSON_AddNumberToObject(o, "received", (double)st.received);
	cJSON_AddNumberToObject(o, "dropped", (double)st.dropped);
	cJSON_AddBoolToObject(o, "connected", mq_connected(m));
}

static void on_connect(void *ud)
{
	struct probe *p = ud;
	cJSON *o = event("connect");

	add_stats(o, p->mq);
	emit(o);
}

static void on_message(const char *topic, const char *payload, size_t len, void *ud)
{
	cJSON *o = event("message");

	(void)ud;
	cJSON_AddStringToObject(o, "topic", topic);
	cJSON_AddStringToObject(o, "payload", payload);
	cJSON_AddNumberToObject(o, "len", (double)len);
	emit(o);
}

static char *filled(size_t n)
{
	char *s = mem_malloc(n + 1);

	if (s) {
		memset(s, 'x', n);
		s[n] = 0;
	}
	return s;
}

static void publish_one(struct probe *p, const char *topic, const char *payload, size_t len,
                        bool retain)
{
	enum pdb_rc rc = mq_publish(p->mq, topic, payload, len, 1, retain);
	cJSON *o = event("pub");

	cJSON_AddStringToObject(o, "topic", topic);
	cJSON_AddStringToObject(o, "rc", rc_names[rc]);
	add_stats(o, p->mq);
	emit(o);
}

static void command(struct probe *p, char *line)
{
	char *arg[4] = {0};
	char *s = line;
	int i;

	for (i = 0; i < 4 && s; i++) {
		arg[i] = s;
		s = i < 3 ? strchr(s, ' ') : NULL;
		if (s)
			*s++ = 0;
	}
	if (!strcmp(arg[0], "pub") && arg[3]) {
		publish_one(p, arg[1], arg[3], strlen(arg[3]), arg[2][0] == '1');
	} else if (!strcmp(arg[0], "pub") && arg[2]) {
		publish_one(p, arg[1], "", 0, arg[2][0] == '1');
	} else if (!strcmp(arg[0], "big") && arg[2]) {
		size_t n = strtoul(arg[2], NULL, 10);
		char *payload = filled(n);

		if (payload)
			publish_one(p, arg[1], payload, n, false);
		mem_free(payload);
	} else if (!strcmp(arg[0], "burst") && arg[3]) {
		long n = strtol(arg[1], NULL, 10), k, ok = 0, io = 0, full = 0, other = 0;
		size_t len = strtoul(arg[3], NULL, 10);
		char *payload = filled(len);
		cJSON *o = event("burst");

		for (k = 0; payload && k < n; k++) {
			enum pdb_rc rc = mq_publish(p->mq, arg[2], payload, len, 1, false);

			if (rc == PDB_OK)
				ok++;
			else if (rc == PDB_E_IO)
				io++;
			else if (rc == PDB_E_TOO_LARGE)
				full++;
			else
				other++;
		}
		mem_free(payload);
		cJSON_AddNumberToObject(o, "ok", (double)ok);
		cJSON_AddNumberToObject(o, "io", (double)io);
		cJSON_AddNumberToObject(o, "too_large", (double)full);
		cJSON_AddNumberToObject(o, "other", (double)other);
		add_stats(o, p->mq);
		emit(o);
	} else if (!strcmp(arg[0], "block") && arg[1]) {
		struct timespec ts = {.tv_sec = strtol(arg[1], NULL, 10) / 1000,
		                      .tv_nsec = strtol(arg[1], NULL, 10) % 1000 * 1000000L};

		nanosleep(&ts, NULL);
		emit(event("block"));
	} else if (!strcmp(arg[0], "stats")) {
		cJSON *o = event("stats");
		struct mem_stats ms;

		add_stats(o, p->mq);
		mem_get_stats(&ms);
		cJSON_AddNumberToObject(o, "mem_current", (double)ms.current);
		emit(o);
	} else {
		cJSON *o = event("bad_command");

		cJSON_AddStringToObject(o, "line", arg[0]);
		emit(o);
	}
}

static void on_stdin(struct ev_loop *l, int fd, unsigned events, void *ud)
{
	struct probe *p = ud;
	ssize_t r;
	char *nl;

	(void)events;
	r = read(fd, p->line + p->n, sizeof(p->line) - 1 - p->n);
	if (r <= 0) {
		ev_fd_del(l, fd); /* EOF: keep running until SIGTERM */
		return;
	}
	p->n += (size_t)r;
	p->line[p->n] = 0;
	while ((nl = strchr(p->line, '\n'))) {
		size_t used = (size_t)(nl - p->line) + 1;

		*nl = 0;
		if (nl > p->line && nl[-1] == '\r')
			nl[-1] = 0;
		if (*p->line)
			command(p, p->line);
		memmove(p->line, p->line + used, p->n - used + 1);
		p->n -= used;
	}
	if (p->n == sizeof(p->line) - 1)
		p->n = 0; /* a line too long for the probe: dropped */
}

int main(int argc, char **argv)
{
	static const char *subs[PDB_MQ_SUBS_MAX];
	struct mq_conf c = {0};
	struct probe p = {0};
	struct mem_stats ms;
	struct pdb_err err;
	enum pdb_rc rc;
	cJSON *o;
	int i;

	c.client_id = "mq_probe";
	c.will_topic = "pdbridge/probe/status";
	for (i = 1; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		const char *opt = argv[i] + 2, *v = argv[i + 1];

		if (!strcmp(opt, "client-id"))
			c.client_id = v;
		else if (!strcmp(opt, "will"))
			c.will_topic = v;
		else if (!strcmp(opt, "user"))
			c.username = v;
		else if (!strcmp(opt, "sub") && c.n_subs < PDB_MQ_SUBS_MAX)
			subs[c.n_subs++] = v;
		else if (!strcmp(opt, "debug"))
			log_set_level(LOG_LVL_DEBUG), i--;
		else
			goto usage;
	}
	if (i != argc - 1)
		goto usage;
	c.url = argv[i];
	c.subs = subs;
	c.password = getenv("PDB_MQ_PASSWORD");
	c.on_connect = on_connect;
	c.on_message = on_message;
	c.ud = &p;
	jsonx_init();
	pdb_err_clear(&err);
	if (ev_new(&p.loop) || ev_signals(p.loop, NULL, NULL))
		return 1;
	c.loop = p.loop;
	rc = mq_new(&c, &p.mq, &err);
	if (!rc)
		rc = mq_start(p.mq, &err);
	if (rc) {
		o = event("error");
		cJSON_AddStringToObject(o, "rc", rc_names[rc]);
		cJSON_AddStringToObject(o, "error", pdb_err_text(&err));
		emit(o);
	} else if (ev_fd_add(p.loop, 0, EV_READ, on_stdin, &p) == PDB_OK) {
		ev_run(p.loop);
	}
	mq_free(p.mq);
	ev_free(p.loop);
	mem_get_stats(&ms);
	o = event("exit");
	cJSON_AddNumberToObject(o, "mem_current", (double)ms.current);
	emit(o);
	return rc ? 3 : 0;
usage:
	fprintf(stderr, "usage: see the comment at the top of mq_probe.c\n");
	return 2;
}
