/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * limits.h - every numeric bound in pdbridge, each with the reason it exists.
 *
 * A number that sizes a buffer, caps a count or bounds a wait belongs here and
 * nowhere else. Each default is an #ifndef so a board can override it from
 * boards/<board>/board.cmake (as a compile definition); each has a hard
 * ceiling enforced with #error, so an override cannot turn a bound into a
 * way to exhaust a 512 MB board.
 */
#ifndef PDBRIDGE_LIMITS_H
#define PDBRIDGE_LIMITS_H

/*
 * Heap hard limit for everything allocated through mem (our code, cJSON,
 * curl, wolfSSL). 32 MiB is an order of magnitude above the working set of a
 * busy daemon (a few MiB) and far below the RAM of the smallest board (Pi
 * Zero: 512 MB), so a runaway is refused instead of taking the board down.
 */
#ifndef PDB_HEAP_HARD_LIMIT
#define PDB_HEAP_HARD_LIMIT (32u * 1024u * 1024u)
#endif
#if PDB_HEAP_HARD_LIMIT > 256u * 1024u * 1024u
#error "PDB_HEAP_HARD_LIMIT above 256 MiB defeats its purpose"
#endif

/*
 * Largest single allocation. Refusing one request above this catches size
 * arithmetic gone wrong (negative lengths cast to size_t) before it reaches
 * the allocator.
 */
#ifndef PDB_ALLOC_MAX
#define PDB_ALLOC_MAX (16u * 1024u * 1024u)
#endif
#if PDB_ALLOC_MAX > PDB_HEAP_HARD_LIMIT
#error "PDB_ALLOC_MAX cannot exceed PDB_HEAP_HARD_LIMIT"
#endif

/*
 * Detail text carried with an error. Long enough for PagerDuty's
 * error.message plus its first errors[] entries, short enough to live on the
 * stack of every caller.
 */
#ifndef PDB_ERRMSG_MAX
#define PDB_ERRMSG_MAX 256
#endif
#if PDB_ERRMSG_MAX < 64 || PDB_ERRMSG_MAX > 4096
#error "PDB_ERRMSG_MAX out of range 64..4096"
#endif

/*
 * JSON nesting depth accepted from any peer. Real PagerDuty and MCP payloads
 * nest fewer than 16 levels; 64 leaves room while keeping cJSON's recursive
 * parser and printer far from the 128 KiB stack of a worker thread.
 */
#ifndef PDB_MAX_JSON_DEPTH
#define PDB_MAX_JSON_DEPTH 64
#endif
#if PDB_MAX_JSON_DEPTH > 512
#error "PDB_MAX_JSON_DEPTH above 512 risks stack exhaustion in cJSON"
#endif

/*
 * Largest JSON text parsed in one piece (a PagerDuty page, an MCP message).
 * A page of 100 incidents with includes is about 300 KiB.
 */
#ifndef PDB_MAX_JSON_TEXT
#define PDB_MAX_JSON_TEXT (4u * 1024u * 1024u)
#endif
#if PDB_MAX_JSON_TEXT > PDB_ALLOC_MAX
#error "PDB_MAX_JSON_TEXT cannot exceed PDB_ALLOC_MAX"
#endif

/*
 * Longest string value jsonx copies out of a document into a caller buffer
 * by default (IDs, names, e-mail addresses, ISO-8601 times).
 */
#ifndef PDB_MAX_JSON_STRING
#define PDB_MAX_JSON_STRING 1024
#endif

/*
 * One log line, formatted into a stack buffer: logging never allocates, so
 * it still works when the heap limit has been hit.
 */
#ifndef PDB_LOG_LINE_MAX
#define PDB_LOG_LINE_MAX 1024
#endif
#if PDB_LOG_LINE_MAX < 128 || PDB_LOG_LINE_MAX > 8192
#error "PDB_LOG_LINE_MAX out of range 128..8192"
#endif

/*
 * Secrets the logger redacts (API token, MQTT password, MCP auth token, and a
 * few spares), and the longest one it keeps a copy of.
 */
#ifndef PDB_LOG_SECRETS_MAX
#define PDB_LOG_SECRETS_MAX 8
#endif
#ifndef PDB_SECRET_MAX
#define PDB_SECRET_MAX 256
#endif

#endif /* PDBRIDGE_LIMITS_H */
