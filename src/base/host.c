/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * host.c - the loopback rule (see host.h).
 *
 * A host string is parsed, never resolved: inet_pton() takes only the
 * strict forms (dotted quad, RFC 4291 text), so what it accepts is an
 * address and nothing else, and the address then decides. The rule for an
 * address is written once, in addr4_loopback()/addr6_loopback().
 */
#include <pdbridge/host.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

static const char localhost[] = "localhost";

static bool addr4_loopback(const struct in_addr *a)
{
	return (ntohl(a->s_addr) >> 24) == 127;
}

static bool addr6_loopback(const struct in6_addr *a)
{
	struct in_addr v4;

	if (IN6_IS_ADDR_LOOPBACK(a))
		return true;
	if (!IN6_IS_ADDR_V4MAPPED(a))
		return false;
	memcpy(&v4.s_addr, &a->s6_addr[12], sizeof(v4.s_addr));
	return addr4_loopback(&v4);
}

bool host_addr_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return addr4_loopback(&((const struct sockaddr_in *)(const void *)sa)->sin_addr);
	if (sa->sa_family == AF_INET6)
		return addr6_loopback(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
	return false;
}

bool host_is_loopback(const char *host, size_t len)
{
	char lit[INET6_ADDRSTRLEN];
	size_t n = sizeof(localhost) - 1;
	bool bracketed = len >= 2 && host[0] == '[' && host[len - 1] == ']';
	struct in_addr a4;
	struct in6_addr a6;

	if ((len == n || (len == n + 1 && host[n] == '.')) && !strncasecmp(host, localhost, n))
		return true;
	if (bracketed) {
		host++;
		len -= 2;
	}
	if (!len || len >= sizeof(lit) || memchr(host, '\0', len))
		return false;
	memcpy(lit, host, len);
	lit[len] = '\0';
	if (!bracketed && inet_pton(AF_INET, lit, &a4) == 1)
		return addr4_loopback(&a4);
	return inet_pton(AF_INET6, lit, &a6) == 1 && addr6_loopback(&a6);
}
