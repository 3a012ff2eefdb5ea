/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tr_version.c - libmicrohttpd's own report of its version, for
 * `pdbridge --version`.
 */
#include <pdbridge/transport.h>

#include <microhttpd.h>

const char *tr_http_version(void)
{
	return MHD_get_version();
}
