/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mq_version.c - paho's own report of its version, for `pdbridge --version`.
 * paho answers with a table of name/value pairs; we want the "Version" row.
 */
#include <pdbridge/mq.h>

#include <MQTTAsync.h>

#include <string.h>

const char *mq_lib_version(void)
{
	MQTTAsync_nameValue *info = MQTTAsync_getVersionInfo();

	for (; info && info->name; info++)
		if (!strcmp(info->name, "Version"))
			return info->value;
	return "unknown";
}
