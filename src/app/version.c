/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * version.c - `pdbridge --version`: our version and git revision, the board
 * and triplet built for, and each linked library as the library itself
 * reports it, next to the Debian package it was built from.
 */
#include <pdbridge/app.h>
#include <pdbridge/jsonx.h>
#include <pdbridge/mq.h>
#include <pdbridge/pd.h>
#include <pdbridge/transport.h>

#include "build_info.h"
#include "gitrev.h"

#include <string.h>

void app_print_versions(FILE *out)
{
	const char *paho = mq_lib_version();

	fprintf(out, "pdbridge %s (git %s) for %s (%s)\n", PDB_VERSION, PDB_GIT_REV, PDB_BOARD,
	        PDB_TRIPLET);
	fprintf(out, "libcurl %s (Debian %s), HTTP and HTTPS only\n", pd_curl_version(),
	        PDB_DEB_CURL);
	fprintf(out, "wolfSSL %s (Debian %s)\n", pd_tls_version(), PDB_DEB_WOLFSSL);
	fprintf(out, "c-ares %s (Debian %s)\n", pd_resolver_version(), PDB_DEB_CARES);
	fprintf(out, "cJSON %s (Debian %s)\n", jsonx_lib_version(), PDB_DEB_CJSON);
	/* Debian's 1.3.12 build carries upstream's stale "1.3.11" version string. */
	if (strcmp(paho, PDB_PAHO_VERSION))
		fprintf(out, "paho.mqtt.c %s (Debian %s; the library calls itself %s)\n",
		        PDB_PAHO_VERSION, PDB_DEB_PAHO, paho);
	else
		fprintf(out, "paho.mqtt.c %s (Debian %s)\n", paho, PDB_DEB_PAHO);
	fprintf(out, "libmicrohttpd %s (Debian %s)\n", tr_http_version(), PDB_DEB_MHD);
}

int app_cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	app_print_versions(stdout);
	return APP_EXIT_OK;
}
