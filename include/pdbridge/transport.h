/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * transport.h - how MCP messages reach pdbridge: stdio, TCP, Streamable
 * HTTP (libmicrohttpd).
 *
 * This is the only module that includes libmicrohttpd's header; nothing of
 * its appears here.
 */
#ifndef PDBRIDGE_TRANSPORT_H
#define PDBRIDGE_TRANSPORT_H

/* tr_http_version: the linked libmicrohttpd's version. Static string. */
const char *tr_http_version(void);

#endif /* PDBRIDGE_TRANSPORT_H */
