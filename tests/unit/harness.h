/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * harness.h - the unit-test harness: a table of cases, assertion macros that
 * end the case on the first failure, and a leak check after every case.
 *
 * Each test program is `T_MAIN(cases)` over a `static const struct t_case
 * cases[]`. After each case the harness compares the mem funnel's byte count
 * with its value before the case, so a case that leaks through mem fails even
 * if every assertion held. Output is TAP-like ("ok 3 - name"), closed by the
 * line "N passed, N failed"; the exit status is non-zero on any failure.
 * An argument runs only the cases whose name contains it.
 *
 * Allocation-failure sweeps are written once, here: t_oom_sweep() runs a
 * case's exchange with each of its allocations failing in turn, until the
 * failure falls past the last one.
 */
#ifndef PDB_TEST_HARNESS_H
#define PDB_TEST_HARNESS_H

#include <pdbridge/err.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct t_case {
	const char *name;
	void (*fn)(void);
};

void t_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int t_main(const struct t_case *cases, size_t n, int argc, char **argv);

/**
 * t_oom_sweep: run @fn(@ud) with allocation n failing, for n = 1, 2, ...
 * @fn sets up, calls t_oom_arm(), runs the exchange under test, calls
 * t_oom_disarm(), then checks what a user would see (T_CHECK and friends)
 * and cleans up. The n-th allocation after t_oom_arm() fails, once. The
 * sweep ends when a run's armed part made fewer than n allocations: the
 * failure fell past the last one, so every allocation of the exchange has
 * failed once, and that last run is a clean one. The case fails, naming n,
 * when a run fails a check, leaks through mem or never arms, and when n
 * passes @max (a bound against an exchange that never stops allocating).
 */
void t_oom_sweep(void (*fn)(void *ud), void *ud, uint64_t max);

/* t_oom_arm: from here on in this run, the sweep's n-th allocation fails. */
void t_oom_arm(void);

/* t_oom_disarm: stop failing allocations (before checking; idempotent). */
void t_oom_disarm(void);

/* t_oom_hit: after t_oom_disarm(), whether this run's armed part had an allocation fail. */
bool t_oom_hit(void);

#define T_MAIN(cases)                                              \
	int main(int argc, char **argv)                            \
	{                                                          \
		return t_main(cases, PDB_N_OF(cases), argc, argv); \
	}

#define T_CHECK(cond)                                                          \
	do {                                                                   \
		if (!(cond)) {                                                 \
			t_fail(__FILE__, __LINE__, "check failed: %s", #cond); \
			return;                                                \
		}                                                              \
	} while (0)

#define T_EQ_INT(a, b)                                                                        \
	do {                                                                                  \
		long long a_ = (long long)(a), b_ = (long long)(b);                           \
		if (a_ != b_) {                                                               \
			t_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_); \
			return;                                                               \
		}                                                                             \
	} while (0)

#define T_EQ_STR(a, b)                                                                   \
	do {                                                                             \
		const char *a_ = (a), *b_ = (b);                                         \
		if (!a_ || !b_ || strcmp(a_, b_)) {                                      \
			t_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, \
			       a_ ? a_ : "(null)", b_ ? b_ : "(null)");                  \
			return;                                                          \
		}                                                                        \
	} while (0)

#endif /* PDB_TEST_HARNESS_H */
