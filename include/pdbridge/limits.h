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

/*
 * Largest PagerDuty response body read into memory. A page of 100 incidents
 * with include[] expansions is about 300 KiB; /schedules/{id} with a long
 * final_schedule range is the largest real response. 4 MiB is generous for
 * both and still a small slice of PDB_HEAP_HARD_LIMIT.
 */
#ifndef PDB_PD_BODY_MAX
#define PDB_PD_BODY_MAX (4u * 1024u * 1024u)
#endif
#if PDB_PD_BODY_MAX > PDB_MAX_JSON_TEXT
#error "PDB_PD_BODY_MAX cannot exceed PDB_MAX_JSON_TEXT: every body is parsed"
#endif

/*
 * Longest request URL (base, path and query) and longest request body sent
 * to PagerDuty. Filters with a few dozen IDs fit the URL easily; the largest
 * body is a bulk update of 250 incidents (PagerDuty's own ceiling).
 */
#ifndef PDB_PD_URL_LEN_MAX
#define PDB_PD_URL_LEN_MAX 8192
#endif
#ifndef PDB_PD_REQ_BODY_MAX
#define PDB_PD_REQ_BODY_MAX (256u * 1024u)
#endif

/* PagerDuty's page size ceiling for classic pagination (API rule). */
#define PDB_PD_PAGE_LIMIT 100

/* PagerDuty answers 400 when offset + limit passes this (API rule). */
#define PDB_PD_OFFSET_MAX 10000

/*
 * Records one list call collects before it stops and says it truncated:
 * PagerDuty itself cannot page past 10,000.
 */
#ifndef PDB_PD_LIST_RECORDS_MAX
#define PDB_PD_LIST_RECORDS_MAX PDB_PD_OFFSET_MAX
#endif

/*
 * Raw response bytes one accumulating list call may gather across its pages
 * (the parsed form is 3-5 times larger, so 4 MiB of text stays well inside
 * the heap cap).
 */
#ifndef PDB_PD_LIST_BYTES_MAX
#define PDB_PD_LIST_BYTES_MAX (4u * 1024u * 1024u)
#endif

/*
 * Retries of one call after 429, 408, 5xx or a transport error. PagerDuty's
 * own client retries 429 forever, which hangs its MCP server; three bounded
 * retries inside a deadline ride out a blip and then say so.
 */
#ifndef PDB_PD_RETRIES
#define PDB_PD_RETRIES 3
#endif
#if PDB_PD_RETRIES > 10
#error "PDB_PD_RETRIES above 10 turns an outage into a hang"
#endif

/* First backoff step and the ceiling of one wait between attempts. */
#ifndef PDB_PD_BACKOFF_MS
#define PDB_PD_BACKOFF_MS 500
#endif
#ifndef PDB_PD_WAIT_MAX_MS
#define PDB_PD_WAIT_MAX_MS 30000
#endif

/*
 * Whole-call deadline, retries and waits included, and the TCP+TLS connect
 * timeout within it. A poller on a 30 s interval must never be stuck longer
 * than a couple of intervals.
 */
#ifndef PDB_PD_DEADLINE_MS
#define PDB_PD_DEADLINE_MS 60000
#endif
#ifndef PDB_PD_CONNECT_TIMEOUT_MS
#define PDB_PD_CONNECT_TIMEOUT_MS 10000
#endif

/*
 * Fixed-size text fields of the decoded structs. PagerDuty IDs are 7 to 26
 * characters today; 64 leaves room without assuming a length. Longer names
 * and titles are cut at a UTF-8 boundary, longer IDs are an error.
 */
#define PDB_PD_ID_MAX    64
#define PDB_PD_NAME_MAX  128
#define PDB_PD_TITLE_MAX 256
#define PDB_PD_URL_MAX   256

/*
 * On-call entries and open incidents one status snapshot keeps (each in a
 * fixed array of decoded structs). Open incidents beyond the cap are still
 * counted, only not kept; a display shows a handful anyway.
 */
#ifndef PDB_STATUS_ONCALLS_MAX
#define PDB_STATUS_ONCALLS_MAX 128
#endif
#ifndef PDB_STATUS_INCIDENTS_MAX
#define PDB_STATUS_INCIDENTS_MAX 50
#endif

/* IDs in one watch filter (escalation policies, schedules, services, ...). */
#ifndef PDB_WATCH_IDS_MAX
#define PDB_WATCH_IDS_MAX 32
#endif

#endif /* PDBRIDGE_LIMITS_H */
