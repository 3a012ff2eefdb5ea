/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * err.c - descriptions of enum pdb_rc and the detail-text helpers.
 *
 * The switch has no default so the compiler (-Wswitch) flags a code added to
 * the enum without a description here.
 */
#include <pdbridge/err.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *pdb_strerror(enum pdb_rc rc)
{
	switch (rc) {
	case PDB_OK:
		return "success";
	case PDB_E_NOMEM:
		return "out of memory";
	case PDB_E_TOO_LARGE:
		return "too large";
	case PDB_E_INVAL:
		return "invalid argument";
	case PDB_E_PARSE:
		return "parse error";
	case PDB_E_TYPE:
		return "wrong type";
	case PDB_E_MISSING:
		return "missing value";
	case PDB_E_RANGE:
		return "out of range";
	case PDB_E_IO:
		return "I/O error";
	case PDB_E_TIMEOUT:
		return "timed out";
	case PDB_E_TLS:
		return "TLS error";
	case PDB_E_CONNECT:
		return "connection failed";
	case PDB_E_HTTP:
		return "HTTP error";
	case PDB_E_AUTH:
		return "authentication failed";
	case PDB_E_RATELIMIT:
		return "rate limited";
	case PDB_E_NOTFOUND:
		return "not found";
	case PDB_E_DENIED:
		return "denied";
	case PDB_E_UNSUPPORTED:
		return "not supported";
	case PDB_E_CORRUPT:
		return "corrupt data";
	case PDB_E_INTERNAL:
		return "internal error";
	}
	return "unknown error";
}

/* Drop a UTF-8 sequence that truncation cut short at the end of @s. */
static void trim_partial_utf8(char *s)
{
	size_t n = strlen(s), start = n, need;
	unsigned char lead;

	while (start > 0 && n - start < 4 && ((unsigned char)s[start - 1] & 0xC0u) == 0x80u)
		start--;
	if (start == 0)
		return;
	lead = (unsigned char)s[start - 1];
	if (lead < 0xC0u)
		return; /* ASCII, or a stray continuation byte: nothing cut */
	need = lead >= 0xF0u ? 4 : lead >= 0xE0u ? 3 : 2;
	if (n - (start - 1) < need)
		s[start - 1] = '\0';
}

enum pdb_rc pdb_err_set(struct pdb_err *err, enum pdb_rc rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err)
		return rc;
	err->rc = rc;
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		err->msg[0] = '\0';
	else if ((size_t)n >= sizeof(err->msg))
		trim_partial_utf8(err->msg);
	return rc;
}

void pdb_err_clear(struct pdb_err *err)
{
	if (!err)
		return;
	err->rc = PDB_OK;
	err->msg[0] = '\0';
}

const char *pdb_err_text(const struct pdb_err *err)
{
	if (!err)
		return pdb_strerror(PDB_E_INTERNAL);
	return err->msg[0] ? err->msg : pdb_strerror(err->rc);
}
