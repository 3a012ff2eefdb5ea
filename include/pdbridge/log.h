/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.h - levelled logging to stderr, never stdout, with secrets redacted.
 *
 * stdout belongs to the MCP stdio transport, so nothing here ever writes to
 * it. Each line is formatted into a stack buffer of PDB_LOG_LINE_MAX bytes
 * and written with one write(2): logging never allocates (it must still work
 * when the heap cap has been hit) and lines from different threads do not
 * interleave. Every registered secret (API token, passwords) is replaced by
 * "[redacted]" in the final text, whatever path it came in by, and control
 * characters are escaped so a hostile value cannot forge log lines.
 *
 * No syslog(3): under systemd, stderr already is the journal. When the sink
 * is the journal's own stream (JOURNAL_STREAM names its device and inode),
 * each line starts with the "<N>" priority prefix that the journal reads, so
 * `journalctl -p warning -u pdbridge` shows exactly the warnings and errors.
 */
#ifndef PDBRIDGE_LOG_H
#define PDBRIDGE_LOG_H

#include <pdbridge/err.h>

#include <stdbool.h>

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN = 1,
	LOG_LVL_INFO = 2,
	LOG_LVL_DEBUG = 3,
};

#define LOG_REDACTED "[redacted]"

/** log_set_level: lines above @lvl are dropped. Default: LOG_LVL_INFO. */
void log_set_level(enum log_level lvl);

/**
 * log_parse_level: "error", "warn", "info" or "debug" into *@out.
 * Returns PDB_OK or PDB_E_INVAL.
 */
enum pdb_rc log_parse_level(const char *name, enum log_level *out) PDB_WARN_UNUSED;

/** log_level_name: the name of @lvl, as log_parse_level() accepts it. */
const char *log_level_name(enum log_level lvl);

/**
 * log_set_fd: write lines to @fd (default 2, stderr). Tests point it at a
 * pipe or file. Passing 1 (stdout) is refused and leaves the sink unchanged.
 */
void log_set_fd(int fd);

/**
 * log_add_secret: redact @secret (copied, at most PDB_SECRET_MAX bytes) from
 * every later line. Empty strings and secrets already known are ignored.
 * Returns PDB_OK, or
 * PDB_E_TOO_LARGE when the table (PDB_LOG_SECRETS_MAX) is full or the secret
 * is too long to hold - callers must then not log anything derived from it.
 */
enum pdb_rc log_add_secret(const char *secret) PDB_WARN_UNUSED;

/** log_clear_secrets: forget every secret (tests, config reload). */
void log_clear_secrets(void);

/** log_msg: one line at @lvl from @module. Use the LOG_* macros. */
void log_msg(enum log_level lvl, const char *module, const char *fmt, ...) PDB_PRINTF(3, 4);

#define LOG_ERROR(mod, ...) log_msg(LOG_LVL_ERROR, mod, __VA_ARGS__)
#define LOG_WARN(mod, ...)  log_msg(LOG_LVL_WARN, mod, __VA_ARGS__)
#define LOG_INFO(mod, ...)  log_msg(LOG_LVL_INFO, mod, __VA_ARGS__)
#define LOG_DEBUG(mod, ...) log_msg(LOG_LVL_DEBUG, mod, __VA_ARGS__)

#endif /* PDBRIDGE_LOG_H */
