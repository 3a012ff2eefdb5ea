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
 */
#ifndef PDB_TEST_HARNESS_H
#define PDB_TEST_HARNESS_H

#include <stddef.h>
#include <string.h>

struct t_case {
	const char *name;
	void (*fn)(void);
};

void t_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int t_main(const struct t_case *cases, size_t n, int argc, char **argv);

#define T_MAIN(cases)                                                               \
	int main(int argc, char **argv)                                             \
	{                                                                           \
		return t_main(cases, sizeof(cases) / sizeof(cases[0]), argc, argv); \
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
