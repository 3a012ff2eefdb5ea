/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd.h - the PagerDuty REST client (libcurl over wolfSSL, resolver c-ares).
 *
 * This is the only module that includes curl or wolfSSL headers; nothing of
 * theirs appears here.
 */
#ifndef PDBRIDGE_PD_H
#define PDBRIDGE_PD_H

/* pd_curl_version, pd_tls_version, pd_resolver_version: versions of the linked
 * libcurl, wolfSSL and c-ares, as the libraries report them. Static strings. */
const char *pd_curl_version(void);
const char *pd_tls_version(void);
const char *pd_resolver_version(void);

#endif /* PDBRIDGE_PD_H */
