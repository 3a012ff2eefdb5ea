/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mq.h - MQTT over paho.mqtt.c (asynchronous client library).
 *
 * This is the only module that includes paho's headers; nothing of theirs
 * appears here.
 */
#ifndef PDBRIDGE_MQ_H
#define PDBRIDGE_MQ_H

/* mq_lib_version: the version string the linked paho library reports. Static string. */
const char *mq_lib_version(void);

#endif /* PDBRIDGE_MQ_H */
