/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_query.c - query strings for PagerDuty requests.
 *
 * Both keys and values are percent-encoded as they are appended (RFC 3986
 * unreserved characters pass through), so a filter value taken from an
 * agent's tool call can never add a parameter of its own, and array
 * parameters go out as "statuses%5B%5D=triggered", which PagerDuty accepts.
 */
#include <pdbridge/pd.h>

#include <string.h>

static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

static enum pdb_rc add_encoded(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	enum pdb_rc rc = PDB_OK;

	for (; *s && rc == PDB_OK; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[3] = {'%', hex[c >> 4], hex[c & 15u]};

		rc = unreserved(c) ? buf_addc(b, (char)c) : buf_add(b, esc, sizeof(esc));
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
		rc = add_encoded(&q->b, key);
	if (!rc)
		rc = buf_addc(&q->b, '=');
	if (!rc)
		rc = add_encoded(&q->b, value);
	return rc;
}
