/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * harness.c - runs a table of test cases (see harness.h).
 */
#include "harness.h"

#include <pdbridge/mem.h>

#include <stdarg.h>
#include <stdio.h>

static int case_failed;

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
