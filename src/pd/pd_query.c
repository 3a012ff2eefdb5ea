/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_query.c - query strings for PagerDuty requests, and the one
 * percent-encoder (pd_encode) they and the tools' request paths share.
 *
 * Both keys and values are percent-encoded as they are appended (RFC 3986
 * unreserved characters pass through), so a filter value taken from an
 * agent's tool call can never add a parameter of its own, and array
 * parameters go out as "statuses%5B%5D=triggered", which PagerDuty accepts.
 * A path segment escapes '.' as well: see enum pd_enc.
 */
#include <pdbridge/pd.h>

#include <string.h>

static bool unreserved(unsigned char c, enum pd_enc mode)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '~' || (c == '.' && mode == PD_ENC_QUERY);
}

enum pdb_rc pd_encode(struct buf *b, const char *s, enum pd_enc mode)
{
	static const char hex[] = "0123456789ABCDEF";
	enum pdb_rc rc = PDB_OK;

	for (; *s && rc == PDB_OK; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[3] = {'%', hex[c >> 4], hex[c & 15u]};

		rc = unreserved(c, mode) ? buf_addc(b, (char)c) : buf_add(b, esc, sizeof(esc));
	}
	return rc;
}

void pd_query_init(struct pd_query *q)
{
	buf_init(&q->b, PDB_PD_URL_LEN_MAX);
}

void pd_query_free(struct pd_query *q)
{
	buf_free(&q->b);
}

enum pdb_rc pd_query_add(struct pd_query *q, const char *key, const char *value)
{
	enum pdb_rc rc = PDB_OK;

	if (buf_len(&q->b))
		rc = buf_addc(&q->b, '&');
	if (!rc)
		rc = pd_encode(&q->b, key, PD_ENC_QUERY);
	if (!rc)
		rc = buf_addc(&q->b, '=');
	if (!rc)
		rc = pd_encode(&q->b, value, PD_ENC_QUERY);
	return rc;
}
