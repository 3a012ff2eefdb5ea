/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_version.c - what libcurl, wolfSSL and c-ares say about themselves, for
 * `pdbridge --version`. Asking the linked code (not the headers) proves which
 * build actually went into the binary.
 */
#include <pdbridge/pd.h>

#include <curl/curl.h>
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

const char *pd_curl_version(void)
{
	return curl_version_info(CURLVERSION_NOW)->version;
}

const char *pd_tls_version(void)
{
	return wolfSSL_lib_version();
}

const char *pd_resolver_version(void)
{
	const char *v = curl_version_info(CURLVERSION_NOW)->ares;

	return v ? v : "none";
}
