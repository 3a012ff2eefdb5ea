/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.c - the logger (see log.h).
 *
 * The sink, level and secret table are the logger's process-wide state, one
 * of the three globals pdbridge allows. The secret table is guarded by a
 * mutex because the PagerDuty workers log while the main thread may be
 * reloading the config.
 */
#include <pdbridge/limits.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static atomic_int cur_level = LOG_LVL_INFO;
static atomic_int sink_fd = 2;
static pthread_mutex_t secrets_lock = PTHREAD_MUTEX_INITIALIZER;
static char secrets[PDB_LOG_SECRETS_MAX][PDB_SECRET_MAX + 1];
static size_t n_secrets;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

#define N_LEVELS (PDB_N_OF(level_names))

void log_set_level(enum log_level lvl)
{
	atomic_store(&cur_level, (int)lvl);
}

enum pdb_rc log_parse_level(const char *name, enum log_level *out)
{
	size_t i;

	for (i = 0; i < N_LEVELS; i++) {
		if (!strcmp(name, level_names[i])) {
			*out = (enum log_level)i;
			return PDB_OK;
		}
	}
	return PDB_E_INVAL;
}

const char *log_level_name(enum log_level lvl)
{
	return (size_t)lvl < N_LEVELS ? level_names[lvl] : "?";
}

void log_set_fd(int fd)
{
	if (fd != 1 && fd >= 0)
		atomic_store(&sink_fd, fd);
}

enum pdb_rc log_add_secret(const char *secret)
{
	size_t len = strlen(secret), i;
	enum pdb_rc rc = PDB_OK;

	if (len == 0)
		return PDB_OK;
	if (len > PDB_SECRET_MAX)
		return PDB_E_TOO_LARGE;
	pthread_mutex_lock(&secrets_lock);
	for (i = 0; i < n_secrets; i++)
		if (!strcmp(secrets[i], secret))
			goto out; /* already redacted: a reload must not fill the table */
	if (n_secrets == PDB_LOG_SECRETS_MAX)
		rc = PDB_E_TOO_LARGE;
	else
		memcpy(secrets[n_secrets++], secret, len + 1);
out:
	pthread_mutex_unlock(&secrets_lock);
	return rc;
}

void log_clear_secrets(void)
{
	pthread_mutex_lock(&secrets_lock);
	mem_wipe(secrets, sizeof(secrets));
	n_secrets = 0;
	pthread_mutex_unlock(&secrets_lock);
}

/*
 * Length of the secret that starts at @p, or 0. When the line was cut short
 * (@cut), a secret's prefix running to the end of the line counts too: a
 * truncated token is still a leaked token.
 */
static size_t secret_at(const char *p, bool cut)
{
	size_t i, len, left;

	for (i = 0; i < n_secrets; i++) {
		len = strlen(secrets[i]);
		left = strnlen(p, len);
		if (!strncmp(p, secrets[i], left) && (left == len || (cut && p[left] == '\0')))
			return left;
	}
	return 0;
}

static void redact(char *line, bool cut)
{
	char out[PDB_LOG_LINE_MAX];
	size_t o = 0, n, r;
	const char *p = line;

	pthread_mutex_lock(&secrets_lock);
	while (*p && o + 1 < sizeof(out)) {
		n = secret_at(p, cut);
		if (n) {
			r = strlen(LOG_REDACTED);
			if (r > sizeof(out) - 1 - o)
				r = sizeof(out) - 1 - o;
			memcpy(out + o, LOG_REDACTED, r);
			o += r;
			p += n;
		} else {
			out[o++] = *p++;
		}
	}
	pthread_mutex_unlock(&secrets_lock);
	out[o] = '\0';
	memcpy(line, out, o + 1);
}

/* Control characters would let a value forge a second log line. */
static void escape_controls(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20u || *s == 0x7f)
			*s = '?';
}

/* @fd is the journal's stream: JOURNAL_STREAM ("<device>:<inode>") names it. */
static bool is_journal(int fd)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && !fstat(fd, &st) &&
	       (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static void emit(enum log_level lvl, char *line, size_t len)
{
	/* syslog priorities: err, warning, info, debug */
	static const char *const prio[] = {"<3>", "<4>", "<6>", "<7>"};
	int fd = atomic_load(&sink_fd);
	struct iovec v[2] = {{.iov_base = (void *)prio[lvl], .iov_len = 3},
	                     {.iov_base = line, .iov_len = len + 1}};
	bool journal = is_journal(fd);
	ssize_t w;

	line[len] = '\n';
	do { /* one writev(2): lines of different threads never interleave */
		w = writev(fd, journal ? v : v + 1, journal ? 2 : 1);
	} while (w < 0 && errno == EINTR);
}

void log_msg(enum log_level lvl, const char *module, const char *fmt, ...)
{
	char line[PDB_LOG_LINE_MAX + 1]; /* + 1: room for the newline emit() adds */
	va_list ap;
	int head, body;
	size_t len;

	if ((int)lvl > atomic_load(&cur_level) || (size_t)lvl >= N_LEVELS)
		return;
	head = snprintf(line, PDB_LOG_LINE_MAX, "pdbridge %s %s: ", level_names[lvl], module);
	if (head < 0 || head >= PDB_LOG_LINE_MAX)
		return;
	va_start(ap, fmt);
	body = vsnprintf(line + head, PDB_LOG_LINE_MAX - (size_t)head, fmt, ap);
	va_end(ap);
	redact(line, body < 0 || body >= PDB_LOG_LINE_MAX - head);
	escape_controls(line);
	len = strlen(line);
	emit(lvl, line, len);
}
