/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * harness.c - runs a table of test cases (see harness.h).
 */
#include "harness.h"

#include <pdbridge/mem.h>

#include <stdarg.h>
#include <stdio.h>

static int case_failed;

/* The sweep in progress: the allocation to fail, and what the run did. */
static struct {
	uint64_t n;
	uint64_t counted; /* allocations attempted while armed */
	bool armed, was_armed;
} oom;

void t_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	case_failed = 1;
	printf("#   %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void t_oom_arm(void)
{
	oom.armed = oom.was_armed = true;
	mem_fail_at(oom.n);
}

void t_oom_disarm(void)
{
	if (oom.armed)
		oom.counted = mem_fail_counted();
	oom.armed = false;
	mem_fail_at(0);
}

bool t_oom_hit(void)
{
	return oom.counted >= oom.n;
}

void t_oom_sweep(void (*fn)(void *ud), void *ud, uint64_t max)
{
	struct mem_stats before, after;

	if (case_failed)
		return; /* said already; the runs would only repeat it */
	for (oom.n = 1; oom.n <= max; oom.n++) {
		oom.counted = 0;
		oom.was_armed = false;
		mem_get_stats(&before);
		fn(ud);
		t_oom_disarm(); /* a check that failed returned before disarming */
		mem_get_stats(&after);
		if (!case_failed && after.current != before.current)
			t_fail(__FILE__, __LINE__, "mem use changed by %lld bytes in one run",
			       (long long)after.current - (long long)before.current);
		if (!case_failed && !oom.was_armed)
			t_fail(__FILE__, __LINE__, "the sweep's function never called t_oom_arm()");
		if (case_failed) {
			printf("#   (with allocation %llu failing)\n", (unsigned long long)oom.n);
			return;
		}
		if (oom.counted < oom.n) {
			printf("#   %llu allocations, each failed once\n",
			       (unsigned long long)oom.counted);
			return;
		}
	}
	t_fail(__FILE__, __LINE__, "still allocating past allocation %llu",
	       (unsigned long long)max);
}

int t_main(const struct t_case *cases, size_t n, int argc, char **argv)
{
	size_t i, passed = 0, failed = 0, run = 0;
	struct mem_stats before, after;

	for (i = 0; i < n; i++) {
		if (argc > 1 && !strstr(cases[i].name, argv[1]))
			continue;
		case_failed = 0;
		mem_fail_at(0);
		mem_set_limit(0);
		mem_get_stats(&before);
		cases[i].fn();
		mem_fail_at(0);
		mem_get_stats(&after);
		if (!case_failed && after.current != before.current)
			t_fail(__FILE__, __LINE__, "leaked %zu bytes through mem",
			       after.current - before.current);
		run++;
		printf("%s %zu - %s\n", case_failed ? "not ok" : "ok", run, cases[i].name);
		if (case_failed)
			failed++;
		else
			passed++;
	}
	printf("1..%zu\n%zu passed, %zu failed\n", run, passed, failed);
	fflush(stdout);
	return failed || run == 0 ? 1 : 0;
}
