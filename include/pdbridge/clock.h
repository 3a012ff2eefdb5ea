/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * clock.h - time: a monotonic clock for deadlines and timers, wall time for
 * what users see, and ISO-8601 (the format PagerDuty uses) both ways.
 *
 * Deadlines are always computed on the monotonic clock so that an NTP step on
 * a board that booted without a real-time clock (every Raspberry Pi) cannot
 * stretch or cut a timeout.
 */
#ifndef PDBRIDGE_CLOCK_H
#define PDBRIDGE_CLOCK_H

#include <pdbridge/err.h>

#include <stdint.h>

/* "2026-11-27T21:52:07Z" plus the NUL. */
#define CLK_ISO_LEN 21

/** clk_now_ms: milliseconds on the monotonic clock (arbitrary origin). */
int64_t clk_now_ms(void);

/** clk_wall_ms: milliseconds since the Unix epoch, UTC. */
int64_t clk_wall_ms(void);

/** clk_deadline: the monotonic time @timeout_ms from now. */
int64_t clk_deadline(int64_t timeout_ms);

/** clk_remaining_ms: milliseconds until @deadline, 0 once it has passed. */
int64_t clk_remaining_ms(int64_t deadline);

/** clk_format_iso: @epoch_ms as "YYYY-MM-DDTHH:MM:SSZ" into @out. */
void clk_format_iso(int64_t epoch_ms, char out[CLK_ISO_LEN]);

/**
 * clk_parse_iso: parse "YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|-HH:MM]" (a
 * missing zone means UTC) into milliseconds since the epoch.
 * Returns PDB_OK or PDB_E_PARSE (with nothing written) for anything else,
 * including out-of-range fields such as month 13 or February 30.
 */
enum pdb_rc clk_parse_iso(const char *s, int64_t *epoch_ms) PDB_WARN_UNUSED;

#endif /* PDBRIDGE_CLOCK_H */
