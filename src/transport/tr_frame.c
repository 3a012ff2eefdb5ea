/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tr_frame.c - the NDJSON framer shared by stdio and TCP (see transport.h).
 *
 * MCP stdio: "Messages are delimited by newlines, and MUST NOT contain
 * embedded newlines." Lines are found in place in one bounded buffer; the
 * consumed prefix is dropped only when more bytes are pushed, so a burst of
 * small messages costs one memmove per read, not one per message. `scan`
 * remembers how far a previous search for '\n' got, so a line that arrives
 * one byte at a time is scanned once in total, not once per byte.
 *
 * Bound: the caller pushes only when no complete line is buffered, so the
 * buffer never holds more than one line limit plus one read chunk.
 */
#include <pdbridge/limits.h>
#include <pdbridge/transport.h>

#include <string.h>

void tr_frame_init(struct tr_framer *f, size_t max)
{
	buf_init(&f->in, PDB_TR_LINE_MAX + PDB_TR_READ_CHUNK + 1);
	f->start = 0;
	f->scan = 0;
	f->max = max < PDB_TR_LINE_MAX ? max : PDB_TR_LINE_MAX;
	f->discarding = false;
}

void tr_frame_free(struct tr_framer *f)
{
	buf_free(&f->in);
	f->start = f->scan = 0;
}

void tr_frame_set_max(struct tr_framer *f, size_t max)
{
	f->max = max < PDB_TR_LINE_MAX ? max : PDB_TR_LINE_MAX;
}

enum pdb_rc tr_frame_push(struct tr_framer *f, const char *p, size_t n)
{
	size_t have;

	if (f->start) {
		buf_drop_front(&f->in, f->start);
		f->scan -= f->start;
		f->start = 0;
	}
	have = buf_len(&f->in);
	/* +1: a line of exactly max bytes may still be waiting for its CR LF */
	if (n > PDB_TR_READ_CHUNK || have > f->max + 1)
		return PDB_E_TOO_LARGE;
	return buf_add(&f->in, p, n);
}

size_t tr_frame_pending(const struct tr_framer *f)
{
	return buf_len(&f->in) - f->start + (f->discarding ? 1u : 0u);
}

/* Cut the line [@from, @to) out: strip one trailing CR. */
static size_t cut(const struct tr_framer *f, size_t from, size_t to, const char **line)
{
	const char *d = buf_cstr(&f->in);
	size_t n = to - from;

	if (n && d[from + n - 1] == '\r')
		n--;
	*line = d + from;
	return n;
}

enum tr_frame_ev tr_frame_next(struct tr_framer *f, const char **line, size_t *len)
{
	const char *d, *nl;
	size_t total;

	for (;;) {
		d = buf_cstr(&f->in);
		total = buf_len(&f->in);
		nl = f->scan < total ? memchr(d + f->scan, '\n', total - f->scan) : NULL;
		if (!nl) {
			f->scan = total;
			if (f->discarding || total - f->start > f->max + 1) {
				/* Over the limit and still no newline: drop what we have. */
				bool first = !f->discarding;

				f->discarding = true;
				f->start = f->scan = total;
				if (first)
					return TR_FRAME_TOO_LONG;
			}
			return TR_FRAME_NONE;
		}
		*len = cut(f, f->start, (size_t)(nl - d), line);
		f->start = f->scan = (size_t)(nl - d) + 1;
		if (f->discarding) { /* the end of an over-long line, already reported */
			f->discarding = false;
			continue;
		}
		if (*len > f->max)
			return TR_FRAME_TOO_LONG;
		if (*len)
			return TR_FRAME_LINE;
		/* a blank line (keep-alive habit of some clients): skip */
	}
}

enum tr_frame_ev tr_frame_finish(struct tr_framer *f, const char **line, size_t *len)
{
	size_t total = buf_len(&f->in), from = f->start;

	f->start = f->scan = total;
	if (f->discarding || from == total) {
		f->discarding = false;
		return TR_FRAME_NONE;
	}
	*len = cut(f, from, total, line);
	if (*len > f->max)
		return TR_FRAME_TOO_LONG;
	return *len ? TR_FRAME_LINE : TR_FRAME_NONE;
}
