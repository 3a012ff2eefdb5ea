/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_frame.c - the NDJSON framer: messages split at every byte position and
 * fed in every chunk size, CRLF, blank lines, over-long lines (also arriving
 * byte by byte), NUL bytes, the unterminated last line, and the bound.
 */
#include "harness.h"

#include <pdbridge/limits.h>
#include <pdbridge/transport.h>

#include <stdio.h>

#define OUT_MAX 16

/* What the framer produced: lines joined by '|', over-long lines as '#'. */
struct got {
	char text[4096];
	size_t n;
	int lines, too_long;
};

static void record(struct got *g, enum tr_frame_ev ev, const char *line, size_t len)
{
	if (ev == TR_FRAME_LINE) {
		if (g->n + len + 1 < sizeof(g->text)) {
			memcpy(g->text + g->n, line, len);
			g->n += len;
			g->text[g->n++] = '|';
		}
		g->lines++;
	} else if (ev == TR_FRAME_TOO_LONG) {
		if (g->n + 1 < sizeof(g->text))
			g->text[g->n++] = '#';
		g->too_long++;
	}
	g->text[g->n] = '\0';
}

/* Drain every event now available. */
static void drain(struct tr_framer *f, struct got *g)
{
	enum tr_frame_ev ev;
	const char *line;
	size_t len;

	while ((ev = tr_frame_next(f, &line, &len)) != TR_FRAME_NONE)
		record(g, ev, line, len);
}

/* Feed @text in pieces of @chunk bytes (0: split once at @split). */
static int feed(const char *text, size_t n, size_t max, size_t chunk, size_t split, bool finish,
                struct got *g)
{
	struct tr_framer f;
	size_t off = 0, k;
	const char *line;
	size_t len;
	enum tr_frame_ev ev;

	memset(g, 0, sizeof(*g));
	tr_frame_init(&f, max);
	while (off < n) {
		k = chunk ? chunk : (off < split ? split - off : n - off);
		if (k > n - off)
			k = n - off;
		if (tr_frame_push(&f, text + off, k)) {
			tr_frame_free(&f);
			return -1;
		}
		off += k;
		drain(&f, g);
	}
	if (finish) {
		ev = tr_frame_finish(&f, &line, &len);
		record(g, ev, line, len);
	}
	tr_frame_free(&f);
	return 0;
}

static void lines_crlf_and_blank_lines(void)
{
	static const char in[] = "{\"a\":1}\n{\"b\":2}\r\n\n\r\n{\"c\":3}\n";
	struct got g;

	T_EQ_INT(feed(in, sizeof(in) - 1, 100, 1000, 0, false, &g), 0);
	T_EQ_STR(g.text, "{\"a\":1}|{\"b\":2}|{\"c\":3}|");
	T_EQ_INT(g.lines, 3);
}

static void a_message_split_at_every_byte_position(void)
{
	static const char in[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\r\n"
	                         "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
	                         "{\"jsonrpc\":\"2.0\",\"id\":\"\xc3\xa9\",\"method\":\"x\"}\n";
	const size_t n = sizeof(in) - 1;
	struct got want, g;
	size_t split, chunk;

	T_EQ_INT(feed(in, n, 200, n, 0, false, &want), 0);
	T_EQ_INT(want.lines, 3);
	for (split = 0; split <= n; split++) {
		T_EQ_INT(feed(in, n, 200, 0, split, false, &g), 0);
		if (strcmp(g.text, want.text)) {
			t_fail(__FILE__, __LINE__, "split at %zu: %s", split, g.text);
			return;
		}
	}
	for (chunk = 1; chunk <= n; chunk++) {
		T_EQ_INT(feed(in, n, 200, chunk, 0, false, &g), 0);
		if (strcmp(g.text, want.text)) {
			t_fail(__FILE__, __LINE__, "chunk %zu: %s", chunk, g.text);
			return;
		}
	}
}

static void over_long_lines_are_reported_once_and_skipped(void)
{
	char in[256];
	size_t n, chunk;
	struct got g;

	n = (size_t)snprintf(in, sizeof(in), "%s\n%s\nok\n", "0123456789abcdefXYZ0123456789",
	                     "0123456789abcdef");
	for (chunk = 1; chunk <= n; chunk++) {
		T_EQ_INT(feed(in, n, OUT_MAX, chunk, 0, false, &g), 0);
		if (strcmp(g.text, "#|0123456789abcdef|ok|") &&
		    strcmp(g.text, "#0123456789abcdef|ok|")) {
			t_fail(__FILE__, __LINE__, "chunk %zu: %s", chunk, g.text);
			return;
		}
		T_EQ_INT(g.too_long, 1);
		T_EQ_INT(g.lines, 2);
	}
	/* exactly the limit passes, with or without CR; one more byte does not */
	n = (size_t)snprintf(in, sizeof(in), "%.*s\r\n%.*s\n", OUT_MAX, "0123456789abcdefgh",
	                     OUT_MAX + 1, "0123456789abcdefgh");
	T_EQ_INT(feed(in, n, OUT_MAX, 1, 0, false, &g), 0);
	T_EQ_STR(g.text, "0123456789abcdef|#");
}

static void a_huge_line_never_grows_the_buffer(void)
{
	static char chunk[PDB_TR_READ_CHUNK];
	struct tr_framer f;
	struct got g;
	int i;

	memset(&g, 0, sizeof(g));
	memset(chunk, 'x', sizeof(chunk));
	tr_frame_init(&f, 1024);
	for (i = 0; i < 200; i++) { /* 3 MiB without a newline */
		T_EQ_INT(tr_frame_push(&f, chunk, sizeof(chunk)), PDB_OK);
		drain(&f, &g);
		T_CHECK(f.in.alloc <= 1024 + 2 * PDB_TR_READ_CHUNK + 64);
	}
	T_EQ_INT(g.too_long, 1);
	T_CHECK(tr_frame_pending(&f) > 0);
	T_EQ_INT(tr_frame_push(&f, "\n{}\n", 4), PDB_OK);
	drain(&f, &g);
	T_EQ_STR(g.text, "#{}|");
	T_EQ_INT(tr_frame_pending(&f), 0);
	tr_frame_free(&f);
}

static void nul_bytes_stay_in_the_line(void)
{
	static const char in[] = "{\"a\":\0}\n{}\n";
	struct tr_framer f;
	const char *line;
	size_t len;

	tr_frame_init(&f, 100);
	T_EQ_INT(tr_frame_push(&f, in, sizeof(in) - 1), PDB_OK);
	T_EQ_INT(tr_frame_next(&f, &line, &len), TR_FRAME_LINE);
	T_EQ_INT(len, 7); /* the NUL is data: the JSON parser refuses it with -32700 */
	T_CHECK(!memcmp(line, "{\"a\":\0}", 7));
	T_EQ_INT(tr_frame_next(&f, &line, &len), TR_FRAME_LINE);
	T_EQ_INT(tr_frame_next(&f, &line, &len), TR_FRAME_NONE);
	tr_frame_free(&f);
}

static void the_last_line_may_lack_its_newline(void)
{
	static const char in[] = "{\"a\":1}\n{\"b\":2}\r";
	struct got g;

	T_EQ_INT(feed(in, sizeof(in) - 1, 100, 3, 0, true, &g), 0);
	T_EQ_STR(g.text, "{\"a\":1}|{\"b\":2}|");
	T_EQ_INT(feed("\n\n", 2, 100, 1, 0, true, &g), 0);
	T_EQ_INT(g.lines, 0);
}

static void push_out_of_turn_is_refused(void)
{
	static char chunk[PDB_TR_READ_CHUNK + 1];
	struct tr_framer f;

	memset(chunk, 'x', sizeof(chunk));
	tr_frame_init(&f, 8);
	T_EQ_INT(tr_frame_push(&f, chunk, sizeof(chunk)), PDB_E_TOO_LARGE);
	T_EQ_INT(tr_frame_push(&f, chunk, 100), PDB_OK);
	/* 100 bytes buffered over a limit of 8, and next() not called: refused */
	T_EQ_INT(tr_frame_push(&f, chunk, 1), PDB_E_TOO_LARGE);
	tr_frame_free(&f);
}

static void the_limit_can_be_raised_after_auth(void)
{
	static const char in[] = "0123456789012345678901234567890123456789\n";
	struct tr_framer f;
	const char *line;
	size_t len;

	tr_frame_init(&f, 10);
	tr_frame_set_max(&f, 100);
	T_EQ_INT(tr_frame_push(&f, in, sizeof(in) - 1), PDB_OK);
	T_EQ_INT(tr_frame_next(&f, &line, &len), TR_FRAME_LINE);
	T_EQ_INT(len, 40);
	tr_frame_set_max(&f, (size_t)PDB_TR_LINE_MAX * 4); /* clamped */
	T_EQ_INT(f.max, PDB_TR_LINE_MAX);
	tr_frame_free(&f);
}

static const struct t_case cases[] = {
    {"lines_crlf_and_blank_lines", lines_crlf_and_blank_lines},
    {"a_message_split_at_every_byte_position", a_message_split_at_every_byte_position},
    {"over_long_lines_are_reported_once_and_skipped",
     over_long_lines_are_reported_once_and_skipped},
    {"a_huge_line_never_grows_the_buffer", a_huge_line_never_grows_the_buffer},
    {"nul_bytes_stay_in_the_line", nul_bytes_stay_in_the_line},
    {"the_last_line_may_lack_its_newline", the_last_line_may_lack_its_newline},
    {"push_out_of_turn_is_refused", push_out_of_turn_is_refused},
    {"the_limit_can_be_raised_after_auth", the_limit_can_be_raised_after_auth},
};

T_MAIN(cases)
