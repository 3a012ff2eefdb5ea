/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mcp_b64.c - base64 (RFC 4648) for the two places MCP 2026-07-28 puts
 * bytes into text: the request states this server hands out (base64url
 * without padding, section 5) and Mcp-Name header values a client had to
 * encode ("=?base64?...?=", the standard alphabet of section 4).
 *
 * Decoding is strict: characters outside the alphabet, padding in the
 * wrong place, a dangling sixth bit group or leftover bits that are not
 * zero are all refused, so one value has one spelling (a request state is
 * compared by its MAC, but nobody should get to try two spellings of it).
 */
#include "mcp_int.h"

#include <string.h>

static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

enum pdb_rc mcp__b64_encode(const void *p, size_t len, bool urlsafe, struct buf *out)
{
	const unsigned char *b = p;
	const char *abc = urlsafe ? url : std;
	char q[4];
	size_t i, k;
	unsigned v;
	enum pdb_rc rc = PDB_OK;

	for (i = 0; i < len && !rc; i += 3) {
		v = (unsigned)b[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)b[i + 1] << 8;
		if (i + 2 < len)
			v |= b[i + 2];
		q[0] = abc[(v >> 18) & 63];
		q[1] = abc[(v >> 12) & 63];
		q[2] = i + 1 < len ? abc[(v >> 6) & 63] : '=';
		q[3] = i + 2 < len ? abc[v & 63] : '=';
		k = urlsafe ? (len - i >= 3 ? 4 : len - i + 1) : 4; /* base64url: no padding */
		rc = buf_add(out, q, k);
	}
	return rc;
}

static int value_of(char c, const char *abc)
{
	const char *p = c ? strchr(abc, c) : NULL;

	return p ? (int)(p - abc) : -1;
}

enum pdb_rc mcp__b64_decode(const char *in, size_t len, bool urlsafe, unsigned char *out,
                            size_t max, size_t *n)
{
	const char *abc = urlsafe ? url : std;
	unsigned acc = 0;
	size_t i, bits = 0, pad = 0;
	int v;

	*n = 0;
	if (!urlsafe) { /* padding: at most two '=', only at the end, to a multiple of four */
		while (pad < 2 && pad < len && in[len - 1 - pad] == '=')
			pad++;
		if (pad && len % 4)
			return PDB_E_PARSE;
		len -= pad;
	}
	for (i = 0; i < len; i++) {
		v = value_of(in[i], abc);
		if (v < 0)
			return PDB_E_PARSE;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits < 8)
			continue;
		bits -= 8;
		if (*n == max)
			return PDB_E_TOO_LARGE;
		out[(*n)++] = (unsigned char)(acc >> bits);
		acc &= (1u << bits) - 1;
	}
	/* six bits alone are no byte; leftover bits must be zero */
	if (bits == 6 || acc)
		return PDB_E_PARSE;
	if (pad && (len + pad) / 4 * 3 - pad != *n)
		return PDB_E_PARSE;
	return PDB_OK;
}
