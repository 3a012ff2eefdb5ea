/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mq_url.c - the broker URL: which schemes this build speaks, and the exact
 * URI paho gets.
 *
 * Only plain MQTT over TCP is built in (Debian's static paho is the non-TLS
 * library), so mqtts://, ssl://, ws:// and wss:// are refused up front with
 * the way out, instead of failing later inside paho with a bare code.
 *
 * Names: pdbridge is a static glibc binary, and paho resolves the host with
 * getaddrinfo(), which for a name needs the NSS modules a static binary
 * cannot load. Numeric IPv4 and IPv6 addresses need no NSS, and "localhost"
 * is mapped to 127.0.0.1 here, so the usual set-up (a broker on the board)
 * works everywhere; any other name is left to getaddrinfo().
 *
 * Credentials in the URL (user:pass@host) are refused: the URL is logged,
 * the password never is, so it has its own setting.
 */
#include "mq_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_PORT 1883

static const char *const plain_schemes[] = {"mqtt://", "tcp://"};
static const char *const refused_schemes[] = {"mqtts://", "ssl://", "ws://", "wss://"};

static bool host_char(char c, bool bracketed)
{
	if (bracketed)
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
		       c == ':' || c == '.';
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '.' || c == '-' || c == '_';
}

static enum pdb_rc parse_port(const char *s, unsigned *port, struct pdb_err *err)
{
	unsigned long v = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9' && p - s < 6; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	if (p == s || (*p && strcmp(p, "/")) || v == 0 || v > 65535)
		return pdb_err_set(err, PDB_E_INVAL, "MQTT URL: the port must be 1..65535");
	*port = (unsigned)v;
	return PDB_OK;
}

enum pdb_rc mq__url_parse(const char *url, char *uri, size_t cap, struct pdb_err *err)
{
	const char *host = NULL, *end, *rest;
	bool bracketed;
	unsigned port = DEFAULT_PORT;
	size_t i, hlen;
	int n;

	if (!url || !*url)
		return pdb_err_set(err, PDB_E_INVAL, "no MQTT broker URL");
	if (strlen(url) > PDB_MQ_NAME_MAX)
		return pdb_err_set(err, PDB_E_INVAL, "MQTT URL longer than %d bytes",
		                   PDB_MQ_NAME_MAX);
	for (i = 0; i < PDB_N_OF(refused_schemes); i++)
		if (!strncasecmp(url, refused_schemes[i], strlen(refused_schemes[i])))
			return pdb_err_set(
			    err, PDB_E_INVAL,
			    "%.*s is not supported by this build: it has no TLS (or WebSocket) "
			    "for MQTT; use mqtt:// to a local broker that bridges to the remote "
			    "one (docs/mqtt.md, 'TLS to a remote broker')",
			    (int)strlen(refused_schemes[i]), refused_schemes[i]);
	for (i = 0; i < PDB_N_OF(plain_schemes); i++)
		if (!strncasecmp(url, plain_schemes[i], strlen(plain_schemes[i])))
			host = url + strlen(plain_schemes[i]);
	if (!host)
		return pdb_err_set(
		    err, PDB_E_INVAL,
		    "MQTT URL must start with mqtt:// or tcp:// (mqtt://HOST[:PORT])");

	bracketed = *host == '[';
	if (bracketed)
		host++;
	for (end = host; *end && host_char(*end, bracketed); end++)
		;
	hlen = (size_t)(end - host);
	if (*end == '@' || strchr(host, '@'))
		return pdb_err_set(
		    err, PDB_E_INVAL,
		    "MQTT URL: put the user name and password in their own settings, "
		    "not in the URL");
	if (!hlen)
		return pdb_err_set(err, PDB_E_INVAL, "MQTT URL has no host (mqtt://HOST[:PORT])");
	rest = end;
	if (bracketed) {
		if (*rest != ']')
			return pdb_err_set(err, PDB_E_INVAL,
			                   "MQTT URL: an IPv6 address needs a closing ']'");
		rest++;
	}
	if (*rest == ':') {
		enum pdb_rc rc = parse_port(rest + 1, &port, err);

		if (rc)
			return rc;
	} else if (*rest && strcmp(rest, "/")) {
		return pdb_err_set(err, PDB_E_INVAL,
		                   "MQTT URL: unexpected text after the host (mqtt://HOST[:PORT])");
	}

	if (!bracketed && hlen == strlen("localhost") && !strncasecmp(host, "localhost", hlen))
		n = snprintf(uri, cap, "tcp://127.0.0.1:%u", port);
	else if (bracketed)
		n = snprintf(uri, cap, "tcp://[%.*s]:%u", (int)hlen, host, port);
	else
		n = snprintf(uri, cap, "tcp://%.*s:%u", (int)hlen, host, port);
	if (n < 0 || (size_t)n >= cap)
		return pdb_err_set(err, PDB_E_INVAL, "MQTT URL too long");
	return PDB_OK;
}
