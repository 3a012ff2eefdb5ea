/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_host.c - the one loopback rule, for host strings and for addresses:
 * every spelling of this machine's loopback that the PagerDuty client, the
 * HTTP transport and the listeners must accept, and the look-alikes they
 * must refuse.
 */
#include "harness.h"

#include <pdbridge/host.h>

#include <arpa/inet.h>
#include <netinet/in.h>

static bool is_lo(const char *host)
{
	return host_is_loopback(host, strlen(host));
}

static void loopback_spellings_are_loopback(void)
{
	static const char *const yes[] = {
	    "localhost",
	    "LOCALHOST",
	    "LocalHost",
	    "localhost.",
	    "127.0.0.1",
	    "127.0.0.2",
	    "127.255.255.254",
	    "::1",
	    "[::1]",
	    "[0:0:0:0:0:0:0:1]",
	    "::ffff:127.0.0.1",
	    "[::ffff:127.0.0.1]",
	    "[::FFFF:127.9.8.7]",
	};
	size_t i;

	for (i = 0; i < PDB_N_OF(yes); i++)
		if (!is_lo(yes[i])) {
			t_fail(__FILE__, __LINE__, "'%s' is loopback", yes[i]);
			return;
		}
}

static void look_alikes_are_not(void)
{
	static const char *const no[] = {
	    "",
	    "localhost.evil.com",
	    "evil.localhost.com",
	    "localhost..",
	    "localhostx",
	    "127.0.0.1.nip.io",
	    "127.0.0.1.",
	    "127.1",
	    "0x7f.0.0.1",
	    "0177.0.0.1",
	    "[127.0.0.1]",
	    "0.0.0.0",
	    "128.0.0.1",
	    "10.0.0.1",
	    "::",
	    "[::]",
	    "[::ffff:10.0.0.1]",
	    "::ffff:0.0.0.0",
	    "[::2]",
	    "::1%lo",
	    "[::1",
	    "::1]",
	    "[]",
	};
	size_t i;

	for (i = 0; i < PDB_N_OF(no); i++)
		if (is_lo(no[i])) {
			t_fail(__FILE__, __LINE__, "'%s' is not loopback", no[i]);
			return;
		}
	T_CHECK(!host_is_loopback("127.0.0.1\0.evil", 15)); /* a NUL cannot cut a name short */
}

static void the_length_bounds_the_host(void)
{
	/* callers pass a host inside a longer URL: only @len bytes count */
	T_CHECK(host_is_loopback("127.0.0.1:8080/x", 9));
	T_CHECK(host_is_loopback("[::1]:8080", 5));
	T_CHECK(host_is_loopback("localhost:80", 9));
	T_CHECK(!host_is_loopback("localhost.evil.com", 9 + 5));
	T_CHECK(!host_is_loopback("127.0.0.10", 8)); /* "127.0.0." */
}

static bool addr_is_lo(int family, const char *text)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET)
		inet_pton(AF_INET, text, &((struct sockaddr_in *)(void *)&ss)->sin_addr);
	else
		inet_pton(AF_INET6, text, &((struct sockaddr_in6 *)(void *)&ss)->sin6_addr);
	return host_addr_is_loopback((const struct sockaddr *)(const void *)&ss);
}

static void addresses_follow_the_same_rule(void)
{
	struct sockaddr_storage unix_like;

	T_CHECK(addr_is_lo(AF_INET, "127.0.0.1"));
	T_CHECK(addr_is_lo(AF_INET, "127.0.0.2"));
	T_CHECK(addr_is_lo(AF_INET6, "::1"));
	T_CHECK(addr_is_lo(AF_INET6, "::ffff:127.0.0.1"));
	T_CHECK(!addr_is_lo(AF_INET, "0.0.0.0"));
	T_CHECK(!addr_is_lo(AF_INET, "192.168.1.5"));
	T_CHECK(!addr_is_lo(AF_INET6, "::"));
	T_CHECK(!addr_is_lo(AF_INET6, "::ffff:10.0.0.1"));
	T_CHECK(!addr_is_lo(AF_INET6, "fe80::1"));
	memset(&unix_like, 0, sizeof(unix_like));
	unix_like.ss_family = AF_UNIX;
	T_CHECK(!host_addr_is_loopback((const struct sockaddr *)(const void *)&unix_like));
}

static const struct t_case cases[] = {
    {"loopback_spellings_are_loopback", loopback_spellings_are_loopback},
    {"look_alikes_are_not", look_alikes_are_not},
    {"the_length_bounds_the_host", the_length_bounds_the_host},
    {"addresses_follow_the_same_rule", addresses_follow_the_same_rule},
};

T_MAIN(cases)
