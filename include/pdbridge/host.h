/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * host.h - the one loopback rule: does a host string or an address name
 * this machine's loopback interface.
 *
 * Three places decide by it and must agree: the PagerDuty client (plain
 * http:// only to a loopback API host), the HTTP transport (a Host or
 * Origin header naming us, the guard against DNS rebinding) and the
 * listeners (no auth token, no listener off loopback). No name is ever
 * resolved: a name someone else's DNS answers for ("localhost.evil.com",
 * "127.0.0.1.nip.io") is not loopback, whatever it resolves to, and an
 * unusual spelling of an address ("127.1", "0x7f.1") is not either. A false
 * "no" only refuses something; a false "yes" would let it through.
 */
#ifndef PDBRIDGE_HOST_H
#define PDBRIDGE_HOST_H

#include <stdbool.h>
#include <stddef.h>

struct sockaddr;

/**
 * host_is_loopback: the @len bytes at @host (a host as written in a URL or a
 * Host header, without the port) are "localhost" in any case with at most
 * one trailing dot, an IPv4 address in 127.0.0.0/8 in dotted-quad form, or
 * ::1 or an IPv4-mapped ::ffff:127.x.y.z, bare or in brackets.
 */
bool host_is_loopback(const char *host, size_t len);

/** host_addr_is_loopback: @sa (AF_INET or AF_INET6) is a loopback address by the same rule. */
bool host_addr_is_loopback(const struct sockaddr *sa);

#endif /* PDBRIDGE_HOST_H */
