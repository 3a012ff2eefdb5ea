/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_log.c - levels, redaction of secrets, no stdout, no forged lines. */
#include "harness.h"

#include <pdbridge/limits.h>
#include <pdbridge/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define TOKEN "u+ZzSecretTok3n_-abc"

/* Run @fn with the log sink on a pipe; return what was written. */
static char captured[PDB_LOG_LINE_MAX * 4];

static void capture(void (*fn)(void))
{
	int fds[2];
	ssize_t n;

	captured[0] = '\0';
	if (pipe(fds))
		return;
	log_set_fd(fds[1]);
	fn();
	log_set_fd(2);
	close(fds[1]);
	n = read(fds[0], captured, sizeof(captured) - 1);
	captured[n > 0 ? n : 0] = '\0';
	close(fds[0]);
}

static void emit_levels(void)
{
	LOG_ERROR("pd", "e%d", 1);
	LOG_WARN("pd", "w%d", 2);
	LOG_INFO("pd", "i%d", 3);
	LOG_DEBUG("pd", "d%d", 4);
}

static void levels_filter(void)
{
	log_set_level(LOG_LVL_WARN);
	capture(emit_levels);
	T_EQ_STR(captured, "pdbridge error pd: e1\npdbridge warn pd: w2\n");
	log_set_level(LOG_LVL_DEBUG);
	capture(emit_levels);
	T_CHECK(strstr(captured, "d4") != NULL);
	log_set_level(LOG_LVL_INFO);
}

static void parse_level_names(void)
{
	enum log_level l;

	T_EQ_INT(log_parse_level("debug", &l), PDB_OK);
	T_EQ_INT(l, LOG_LVL_DEBUG);
	T_EQ_INT(log_parse_level("verbose", &l), PDB_E_INVAL);
	T_EQ_STR(log_level_name(LOG_LVL_WARN), "warn");
}

static void emit_secret(void)
{
	LOG_ERROR("pd", "request failed, Authorization: Token token=%s (again: %s)", TOKEN, TOKEN);
}

static void secrets_are_redacted(void)
{
	log_clear_secrets();
	T_EQ_INT(log_add_secret(TOKEN), PDB_OK);
	capture(emit_secret);
	T_CHECK(strstr(captured, TOKEN) == NULL);
	T_CHECK(strstr(captured, "token=" LOG_REDACTED " (again: " LOG_REDACTED ")") != NULL);
	log_clear_secrets();
}

static void emit_long_with_secret_at_cut(void)
{
	char filler[PDB_LOG_LINE_MAX];

	memset(filler, 'x', sizeof(filler));
	filler[PDB_LOG_LINE_MAX - 30] = '\0';
	LOG_ERROR("pd", "%s%s", filler, TOKEN);
}

static void truncated_secret_is_still_redacted(void)
{
	log_clear_secrets();
	T_EQ_INT(log_add_secret(TOKEN), PDB_OK);
	capture(emit_long_with_secret_at_cut);
	T_CHECK(strstr(captured, "u+ZzSecret") == NULL);
	T_CHECK(strlen(captured) <= PDB_LOG_LINE_MAX + 1);
	log_clear_secrets();
}

static void emit_forged(void)
{
	LOG_WARN("mq", "topic %s", "a\npdbridge error app: forged");
}

static void control_characters_cannot_forge_lines(void)
{
	capture(emit_forged);
	T_EQ_STR(captured, "pdbridge warn mq: topic a?pdbridge error app: forged\n");
}

static void try_stdout_then_log(void)
{
	log_set_fd(1); /* refused: the line must still reach the capture pipe */
	LOG_ERROR("app", "still on the sink");
}

static void stdout_is_refused_as_a_sink(void)
{
	capture(try_stdout_then_log);
	T_EQ_STR(captured, "pdbridge error app: still on the sink\n");
}

static void secret_table_is_bounded(void)
{
	char s[16];
	int i;
	enum pdb_rc rc = PDB_OK;

	log_clear_secrets();
	for (i = 0; i <= PDB_LOG_SECRETS_MAX && rc == PDB_OK; i++) {
		snprintf(s, sizeof(s), "sec%d", i);
		rc = log_add_secret(s);
	}
	T_EQ_INT(rc, PDB_E_TOO_LARGE);
	T_EQ_INT(i, PDB_LOG_SECRETS_MAX + 1);
	log_clear_secrets();
}

/*
 * Under systemd the sink is the journal's stream (JOURNAL_STREAM names its
 * device and inode): every line carries its syslog priority for the journal.
 * Any other sink, even with the variable set, gets the plain line.
 */
static void journal_lines_carry_their_priority(void)
{
	char path[] = "/tmp/pdb-test-log-XXXXXX", text[512], js[64];
	int fd = mkstemp(path);
	struct stat st;
	ssize_t n;

	T_CHECK(fd >= 0);
	unlink(path);
	T_EQ_INT(fstat(fd, &st), 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
	         (unsigned long long)st.st_ino);
	T_EQ_INT(setenv("JOURNAL_STREAM", js, 1), 0);
	log_set_fd(fd);
	LOG_ERROR("pd", "e%d", 1);
	LOG_WARN("pd", "w%d", 2);
	LOG_INFO("pd", "i%d", 3);
	log_set_fd(2);
	n = pread(fd, text, sizeof(text) - 1, 0);
	text[n > 0 ? n : 0] = '\0';
	T_EQ_STR(text,
	         "<3>pdbridge error pd: e1\n<4>pdbridge warn pd: w2\n<6>pdbridge info pd: i3\n");
	capture(emit_levels); /* a pipe is not the journal's stream */
	T_CHECK(strncmp(captured, "pdbridge error pd: e1\n", 22) == 0);
	unsetenv("JOURNAL_STREAM");
	close(fd);
}

static const struct t_case cases[] = {
    {"journal_lines_carry_their_priority", journal_lines_carry_their_priority},
    {"levels_filter", levels_filter},
    {"parse_level_names", parse_level_names},
    {"secrets_are_redacted", secrets_are_redacted},
    {"truncated_secret_is_still_redacted", truncated_secret_is_still_redacted},
    {"control_characters_cannot_forge_lines", control_characters_cannot_forge_lines},
    {"stdout_is_refused_as_a_sink", stdout_is_refused_as_a_sink},
    {"secret_table_is_bounded", secret_table_is_bounded},
};

T_MAIN(cases)
