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
 * error.message plus its first errors[] entries and the hint of what to do
 * (a 401 names the host and the likely causes), short enough to live on the
 * stack of every caller.
 */
#ifndef PDB_ERRMSG_MAX
#define PDB_ERRMSG_MAX 512
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

/*
 * poll.stale_after ceiling: failed polls in a row before the state goes
 * stale. More than this at the longest interval is days of a display
 * pretending to know.
 */
#ifndef PDB_STATUS_STALE_AFTER_MAX
#define PDB_STATUS_STALE_AFTER_MAX 100
#endif

/* IDs in one watch filter (escalation policies, schedules, services, ...). */
#ifndef PDB_WATCH_IDS_MAX
#define PDB_WATCH_IDS_MAX 32
#endif

/* --- ev: the event loop ------------------------------------------------ */

/*
 * File descriptors one loop watches: every TCP client, the listeners, the
 * HTTP daemon's epoll fd, stdio, the wake and signal fds. Sized for the TCP
 * and HTTP connection caps below plus headroom; poll(2) scans them all on
 * every turn, so the bound also bounds the cost of one turn.
 */
#ifndef PDB_EV_FDS_MAX
#define PDB_EV_FDS_MAX 320
#endif
#if PDB_EV_FDS_MAX < 8 || PDB_EV_FDS_MAX > 4096
#error "PDB_EV_FDS_MAX out of range 8..4096"
#endif

/* Pending one-shot timers (sweeps, HTTP daemon timeout, tests): a few per module. */
#ifndef PDB_EV_TIMERS_MAX
#define PDB_EV_TIMERS_MAX 32
#endif

/*
 * Callbacks other threads may queue for the loop thread (ev_post). Posters
 * coalesce (one outstanding post per connection or session), so the queue
 * needs one slot per connection plus a margin; when it is full ev_post says
 * PDB_E_TOO_LARGE and the poster relies on the next periodic sweep instead.
 */
#ifndef PDB_EV_POST_MAX
#define PDB_EV_POST_MAX 512
#endif

/*
 * Worker threads for blocking work (PagerDuty calls made by MCP tools), and
 * the jobs that may wait for one. Four keep a few slow API calls from
 * blocking quick ones without straining a single-core Pi Zero; each worker
 * has a PDB_EV_WORKER_STACK stack.
 */
#ifndef PDB_EV_WORKERS
#define PDB_EV_WORKERS 4
#endif
#if PDB_EV_WORKERS < 1 || PDB_EV_WORKERS > 32
#error "PDB_EV_WORKERS out of range 1..32"
#endif
#ifndef PDB_EV_JOBS_MAX
#define PDB_EV_JOBS_MAX 32
#endif
#ifndef PDB_EV_WORKER_STACK
#define PDB_EV_WORKER_STACK (256u * 1024u)
#endif

/* --- rpc: JSON-RPC 2.0 ------------------------------------------------- */

/*
 * Longest string request id kept (and echoed). Real clients use small
 * integers or UUIDs; a longer id is refused rather than copied.
 */
#ifndef PDB_RPC_ID_MAX
#define PDB_RPC_ID_MAX 128
#endif

/* Messages in one batch array (2025-03-26 only): one reply array must stay bounded. */
#ifndef PDB_RPC_BATCH_MAX
#define PDB_RPC_BATCH_MAX 32
#endif

/* --- mcp: the protocol ------------------------------------------------- */

/*
 * Largest message pdbridge sends (a tools/list page, a tool result, a
 * resource). Tool results are shaped by the tools layer far below this;
 * anything larger becomes an error the client can read instead.
 */
#ifndef PDB_MCP_MSG_MAX
#define PDB_MCP_MSG_MAX (2u * 1024u * 1024u)
#endif
#if PDB_MCP_MSG_MAX > PDB_MAX_JSON_TEXT
#error "PDB_MCP_MSG_MAX cannot exceed PDB_MAX_JSON_TEXT"
#endif

/*
 * Items per page of resources/list, resources/templates/list and
 * prompts/list. tools/list is not paged: the whole catalog (103 tools) goes
 * in one page, since many clients never follow nextCursor.
 */
#ifndef PDB_MCP_PAGE_SIZE
#define PDB_MCP_PAGE_SIZE 64
#endif

/*
 * Tool calls one session may have running or queued. A client that fires
 * more gets an error for the extra calls, so one agent cannot occupy every
 * worker and the whole job queue.
 */
#ifndef PDB_MCP_INFLIGHT_MAX
#define PDB_MCP_INFLIGHT_MAX 8
#endif
#if PDB_MCP_INFLIGHT_MAX > PDB_EV_JOBS_MAX
#error "PDB_MCP_INFLIGHT_MAX above PDB_EV_JOBS_MAX lets one session fill the queue"
#endif

/* Server-to-client requests (sampling, elicitation) one session may have outstanding. */
#ifndef PDB_MCP_PENDING_MAX
#define PDB_MCP_PENDING_MAX 8
#endif

/*
 * How long a tool waits for the client to answer a server-to-client request.
 * A human may be answering an elicitation form, so minutes, not seconds.
 */
#ifndef PDB_MCP_REQUEST_TIMEOUT_MS
#define PDB_MCP_REQUEST_TIMEOUT_MS 120000
#endif

/* Resource subscriptions per session, and the longest URI kept. */
#ifndef PDB_MCP_SUBS_MAX
#define PDB_MCP_SUBS_MAX 32
#endif
#ifndef PDB_MCP_URI_MAX
#define PDB_MCP_URI_MAX 512
#endif

/* Values one completion/complete answer may carry (the spec's own cap). */
#define PDB_MCP_COMPLETE_MAX 100

/*
 * MCP sessions alive at once (stdio: 1; TCP: one per connection; HTTP: one
 * per legacy session and one per 2026-07-28 request in progress, see below).
 */
#ifndef PDB_MCP_SESSIONS_MAX
#define PDB_MCP_SESSIONS_MAX 320
#endif

/* --- tools: the PagerDuty tool catalog ----------------------------------- */

/*
 * Records one list tool returns at most: the official server's MAX_RESULTS.
 * A `limit` argument may ask for fewer, never for more.
 */
#ifndef PDB_TOOL_RECORDS_MAX
#define PDB_TOOL_RECORDS_MAX 1000
#endif
#if PDB_TOOL_RECORDS_MAX > PDB_PD_LIST_RECORDS_MAX
#error "PDB_TOOL_RECORDS_MAX cannot pass what one PagerDuty list can page through"
#endif

/*
 * Bytes of one tool result (its structuredContent, compact JSON). A model
 * reads every byte as tokens: 256 KiB is already ~64k tokens. A list past it
 * is cut with a notice that says how to narrow the query; a single object
 * past it is an error with the same advice. The reply carries the result
 * twice (structuredContent and its text block), which must fit
 * PDB_MCP_MSG_MAX.
 */
#ifndef PDB_TOOL_RESULT_MAX
#define PDB_TOOL_RESULT_MAX (256u * 1024u)
#endif
#if 2u * PDB_TOOL_RESULT_MAX + 65536u > PDB_MCP_MSG_MAX
#error "two copies of a tool result must fit one MCP message"
#endif

/*
 * One argument string (a note, a description, a message) and the elements
 * of one array argument. PagerDuty's own longest text fields are 25,000
 * characters; 100 IDs in one filter already make an 8 KiB URL.
 */
#ifndef PDB_TOOL_ARG_STR_MAX
#define PDB_TOOL_ARG_STR_MAX 32768
#endif
#ifndef PDB_TOOL_ARRAY_MAX
#define PDB_TOOL_ARRAY_MAX 100
#endif

/* Names and globs in --tools / --exclude-tools. */
#ifndef PDB_TOOL_PATTERNS_MAX
#define PDB_TOOL_PATTERNS_MAX 32
#endif

/* Teams of the current user kept for request_scope=teams and scope=my. */
#ifndef PDB_TOOL_MY_TEAMS_MAX
#define PDB_TOOL_MY_TEAMS_MAX 32
#endif

/*
 * GET /v3/schedules/{id} name look-ups one list_schedules makes at most
 * (the official server's bound), and services one list_oncalls resolves.
 */
#ifndef PDB_TOOL_LOOKUPS_MAX
#define PDB_TOOL_LOOKUPS_MAX 50
#endif

/*
 * Resources pagerduty://oncall/now and pagerduty://incidents/open: a read
 * older than the TTL starts a refresh on a worker, and refreshes start at
 * most once per interval, however often clients read (PagerDuty's rate
 * limit is shared with the tools).
 */
#ifndef PDB_TOOL_RES_TTL_MS
#define PDB_TOOL_RES_TTL_MS 30000
#endif
#ifndef PDB_TOOL_RES_REFRESH_MIN_MS
#define PDB_TOOL_RES_REFRESH_MIN_MS 5000
#endif

/* --- transport: stdio, TCP, Streamable HTTP ---------------------------- */

/*
 * Host part of an HTTP Host or Origin header that is compared with our own
 * names: a DNS name is at most 253 characters, so anything longer is not one
 * of ours and is refused without being copied.
 */
#ifndef PDB_TR_HOSTNAME_MAX
#define PDB_TR_HOSTNAME_MAX 256
#endif

/*
 * Longest NDJSON line (one message) from an authenticated peer, and from
 * one that has not authenticated yet: like Redis's small unauthenticated
 * query buffer, a stranger cannot make the board buffer a megabyte.
 */
#ifndef PDB_TR_LINE_MAX
#define PDB_TR_LINE_MAX (1024u * 1024u)
#endif
#ifndef PDB_TR_PREAUTH_LINE_MAX
#define PDB_TR_PREAUTH_LINE_MAX 1024
#endif
#if PDB_TR_LINE_MAX > PDB_MAX_JSON_TEXT || PDB_TR_PREAUTH_LINE_MAX > PDB_TR_LINE_MAX
#error "PDB_TR_LINE_MAX must fit PDB_MAX_JSON_TEXT, and the pre-auth limit must be smaller"
#endif

/* Bytes read from a socket or pipe in one go (a stack buffer). */
#ifndef PDB_TR_READ_CHUNK
#define PDB_TR_READ_CHUNK 16384
#endif

/*
 * Bytes waiting to be written to one peer. A client that stops reading
 * stops being read (back-pressure at half of this); one that still
 * overflows it is dropped rather than buffered without end.
 */
#ifndef PDB_TR_OUTBOX_MAX
#define PDB_TR_OUTBOX_MAX (3u * PDB_MCP_MSG_MAX)
#endif

/* TCP clients at once; one more is told "server busy" and closed. */
#ifndef PDB_TR_TCP_CONN_MAX
#define PDB_TR_TCP_CONN_MAX 128
#endif

/* Pending connections the kernel queues for one listener (listen(2) backlog). */
#ifndef PDB_TR_BACKLOG
#define PDB_TR_BACKLOG 64
#endif

/* Connections accepted in one go before the loop serves the others again. */
#ifndef PDB_TR_ACCEPT_BURST
#define PDB_TR_ACCEPT_BURST 32
#endif

/* --listen URLs one process serves. */
#ifndef PDB_TR_LISTEN_MAX
#define PDB_TR_LISTEN_MAX 4
#endif

/*
 * A peer that sends no complete message for this long (and has no call in
 * flight) is dropped, and so is a line that takes longer than the line
 * timeout to arrive (slow-loris), and a TCP client that has not
 * authenticated within the auth timeout.
 */
#ifndef PDB_TR_IDLE_MS
#define PDB_TR_IDLE_MS (10 * 60 * 1000)
#endif
#ifndef PDB_TR_LINE_TIMEOUT_MS
#define PDB_TR_LINE_TIMEOUT_MS 30000
#endif
#ifndef PDB_TR_AUTH_TIMEOUT_MS
#define PDB_TR_AUTH_TIMEOUT_MS 10000
#endif

/* After stdin's EOF, how long in-flight calls may finish before they are cancelled. */
#ifndef PDB_TR_DRAIN_MS
#define PDB_TR_DRAIN_MS 5000
#endif

/*
 * Streamable HTTP: connections libmicrohttpd accepts, sessions kept (the
 * least recently used idle one is evicted for a new one), the POST body
 * limit, and the per-connection memory libmicrohttpd uses for headers.
 */
#ifndef PDB_TR_HTTP_CONN_MAX
#define PDB_TR_HTTP_CONN_MAX 64
#endif
#ifndef PDB_TR_HTTP_SESSIONS_MAX
#define PDB_TR_HTTP_SESSIONS_MAX 64
#endif
#ifndef PDB_TR_HTTP_BODY_MAX
#define PDB_TR_HTTP_BODY_MAX PDB_TR_LINE_MAX
#endif
#ifndef PDB_TR_HTTP_CONN_MEMORY
#define PDB_TR_HTTP_CONN_MEMORY (32u * 1024u)
#endif
#if PDB_TR_TCP_CONN_MAX + PDB_TR_HTTP_CONN_MAX + 32 > PDB_EV_FDS_MAX
#error "PDB_EV_FDS_MAX must cover the TCP and HTTP connection caps"
#endif
#if PDB_TR_TCP_CONN_MAX + PDB_TR_HTTP_SESSIONS_MAX + PDB_TR_HTTP_CONN_MAX + 1 > PDB_MCP_SESSIONS_MAX
#error "PDB_MCP_SESSIONS_MAX must cover every TCP connection, HTTP session and request, stdio"
#endif
#if PDB_TR_TCP_CONN_MAX + PDB_TR_HTTP_SESSIONS_MAX + PDB_TR_HTTP_CONN_MAX + 64 > PDB_EV_POST_MAX
#error "PDB_EV_POST_MAX must hold one post per connection and session"
#endif

/* An HTTP session with no request and no open stream for this long is closed. */
#ifndef PDB_TR_HTTP_SESSION_IDLE_MS
#define PDB_TR_HTTP_SESSION_IDLE_MS (30 * 60 * 1000)
#endif

/*
 * SSE streams get a comment line after this much silence: idle proxies keep
 * the stream open, and a client that has gone away is noticed (a suspended
 * libmicrohttpd connection does not see disconnects by itself).
 */
#ifndef PDB_TR_SSE_KEEPALIVE_MS
#define PDB_TR_SSE_KEEPALIVE_MS 15000
#endif

/*
 * How often the transports sweep their connections for timeouts (idle,
 * slow lines, authentication, SSE keep-alives): the precision of every
 * timeout above.
 */
#ifndef PDB_TR_SWEEP_MS
#define PDB_TR_SWEEP_MS 250
#endif

/* Random bytes in an Mcp-Session-Id (hex-encoded: twice as many characters). */
#define PDB_TR_SESSION_ID_BYTES 16

/* --- cfg: settings and the flash store --------------------------------- */

/*
 * Longest setting name ("watch.escalation_policies" is 25) and the longest
 * value text. A value is one line a person types or an import file holds;
 * the largest real one is a tools.allow list naming most of the 103 tools
 * (about 3 KiB).
 */
#ifndef PDB_CFG_KEY_MAX
#define PDB_CFG_KEY_MAX 64
#endif
#ifndef PDB_CFG_VALUE_MAX
#define PDB_CFG_VALUE_MAX 4096
#endif
#if PDB_CFG_VALUE_MAX < PDB_SECRET_MAX || PDB_CFG_VALUE_MAX > 65536
#error "PDB_CFG_VALUE_MAX must hold a secret and stay below 64 KiB"
#endif

/*
 * Single words (PagerDuty IDs, tool names, MQTT client and node ids): one
 * rule for all of them, short enough to be an ID, long enough for any tool
 * name. Must fit a decoded PagerDuty ID field.
 */
#ifndef PDB_CFG_WORD_MAX
#define PDB_CFG_WORD_MAX 63
#endif
#if PDB_CFG_WORD_MAX >= PDB_PD_ID_MAX
#error "PDB_CFG_WORD_MAX must fit PDB_PD_ID_MAX (a watched ID is copied into one)"
#endif

/* Items in one list setting (tools.allow may name every tool of the catalog). */
#ifndef PDB_CFG_LIST_MAX
#define PDB_CFG_LIST_MAX 128
#endif

/*
 * Entries one stored document keeps: every schema key plus room for keys a
 * newer pdbridge wrote (preserved, never dropped, on the way through).
 */
#ifndef PDB_CFG_ENTRIES_MAX
#define PDB_CFG_ENTRIES_MAX 64
#endif

/*
 * The stored payload ("key=value\0" entries) and the whole record (the
 * 32-byte header plus the payload). 16 KiB holds every key at a realistic
 * length with sealed secrets, fits one erase block of any NOR chip (4-64
 * KiB), and is read into memory whole.
 */
#ifndef PDB_CFG_PAYLOAD_MAX
#define PDB_CFG_PAYLOAD_MAX (16u * 1024u)
#endif
#define PDB_CFG_RECORD_MAX (PDB_CFG_PAYLOAD_MAX + 32u)
#if PDB_CFG_PAYLOAD_MAX < 2u * PDB_CFG_VALUE_MAX || PDB_CFG_PAYLOAD_MAX > 1024u * 1024u
#error "PDB_CFG_PAYLOAD_MAX must hold two full values and stay below 1 MiB"
#endif

/*
 * Raw MTD geometry the store accepts: an erase block up to 1 MiB (large
 * NAND), a write unit up to 16 KiB (NAND page). Larger values mean a device
 * this backend was not written for.
 */
#ifndef PDB_CFG_MTD_ERASE_MAX
#define PDB_CFG_MTD_ERASE_MAX (1024u * 1024u)
#endif
#ifndef PDB_CFG_MTD_WRITE_MAX
#define PDB_CFG_MTD_WRITE_MAX (16u * 1024u)
#endif

/*
 * An import file (key=value lines dropped on the boot partition): a full
 * config with comments is a few KiB; anything near this is not one.
 */
#ifndef PDB_CFG_IMPORT_MAX
#define PDB_CFG_IMPORT_MAX (64u * 1024u)
#endif

/*
 * Bytes read from a device-identity source (/proc/cpuinfo is the largest:
 * ~1-4 KiB on a Pi), and the longest identity kept (a serial is 16 hex
 * digits, a machine-id 32).
 */
#ifndef PDB_CFG_ID_READ_MAX
#define PDB_CFG_ID_READ_MAX (16u * 1024u)
#endif
#ifndef PDB_CFG_ID_MAX
#define PDB_CFG_ID_MAX 128
#endif

/* Bytes read, or overwritten with zeros, in one go by config import (a stack buffer). */
#ifndef PDB_CFG_IO_CHUNK
#define PDB_CFG_IO_CHUNK 4096
#endif

/* A store or import path (PATH_MAX is 4096; ours are short, and one is formatted into errors). */
#ifndef PDB_CFG_PATH_MAX
#define PDB_CFG_PATH_MAX 512
#endif

/* --- mq: MQTT ---------------------------------------------------------- */

/*
 * Messages handed to paho and not yet completed. One full republish is
 * about 10 + 2 per escalation policy + 5 discovery messages; twice the
 * largest of those fits, and a broker that stops acknowledging does not
 * grow the heap.
 */
#ifndef PDB_MQ_OUTBOX_MAX
#define PDB_MQ_OUTBOX_MAX 256
#endif

/*
 * Arrived messages waiting for the loop thread, by count and by bytes. Besides
 * the rare, small commands, every connect brings back the poller's own
 * retained topics it subscribes to (on-call and discovery, two per policy,
 * PDB_STATUS_POLICIES_MAX) and any left by an earlier run: a command must not
 * be crowded out by that burst. The byte bound keeps a broker that sends
 * large messages to a fixed share of the heap.
 */
#ifndef PDB_MQ_INBOX_MAX
#define PDB_MQ_INBOX_MAX 128
#endif
#ifndef PDB_MQ_INBOX_BYTES_MAX
#define PDB_MQ_INBOX_BYTES_MAX (1024u * 1024u)
#endif

/* Largest message either way: the state JSON with its bounded lists fits. */
#ifndef PDB_MQ_MSG_MAX
#define PDB_MQ_MSG_MAX (64u * 1024u)
#endif

/* Topic length, ours and arriving ones. */
#ifndef PDB_MQ_TOPIC_MAX
#define PDB_MQ_TOPIC_MAX 256
#endif

/* Subscriptions of one client. */
#ifndef PDB_MQ_SUBS_MAX
#define PDB_MQ_SUBS_MAX 8
#endif

/* Reconnect backoff: doubles from the first to the last, with jitter. */
#ifndef PDB_MQ_BACKOFF_MIN_MS
#define PDB_MQ_BACKOFF_MIN_MS 1000
#endif
#ifndef PDB_MQ_BACKOFF_MAX_MS
#define PDB_MQ_BACKOFF_MAX_MS 60000
#endif

/* MQTT keep-alive, seconds: how soon a dead broker (or we, to it) is noticed. */
#ifndef PDB_MQ_KEEPALIVE_S
#define PDB_MQ_KEEPALIVE_S 30
#endif

/* A clean stop waits this long for "offline" and the disconnect. */
#ifndef PDB_MQ_STOP_MS
#define PDB_MQ_STOP_MS 2000
#endif

/*
 * Longest broker URL, client id and user name. MQTT allows 64 KiB strings;
 * a broker address or a client id longer than this is a mistake, not a name.
 */
#ifndef PDB_MQ_NAME_MAX
#define PDB_MQ_NAME_MAX 256
#endif

/* One connection attempt (TCP connect and CONNACK), seconds: a dead host is retried, not waited on.
 */
#ifndef PDB_MQ_CONNECT_TIMEOUT_S
#define PDB_MQ_CONNECT_TIMEOUT_S 10
#endif

/*
 * The loop looks at the inbox this often even without a wake-up, in case
 * ev_post() was full when a paho thread tried to wake it (ev.h).
 */
#ifndef PDB_MQ_SWEEP_MS
#define PDB_MQ_SWEEP_MS 1000
#endif
#if PDB_MQ_BACKOFF_MIN_MS < 100 || PDB_MQ_BACKOFF_MIN_MS > PDB_MQ_BACKOFF_MAX_MS
#error "PDB_MQ_BACKOFF_MIN_MS must be at least 100 and at most PDB_MQ_BACKOFF_MAX_MS"
#endif
#if PDB_MQ_MSG_MAX > PDB_ALLOC_MAX / 4
#error "PDB_MQ_MSG_MAX too large for the heap funnel"
#endif
#if PDB_MQ_INBOX_BYTES_MAX < 2u * PDB_MQ_MSG_MAX || PDB_MQ_INBOX_BYTES_MAX > PDB_HEAP_HARD_LIMIT / 8
#error \
    "PDB_MQ_INBOX_BYTES_MAX must hold two of the largest messages and stay a small share of the heap"
#endif

/* --- status: the poller -------------------------------------------------- */

/*
 * Incidents on the incidents topic and in the state JSON: a display shows a
 * handful; all are still counted.
 */
#ifndef PDB_STATUS_TOP_MAX
#define PDB_STATUS_TOP_MAX 10
#endif

/* Escalation policies that get an oncall/<id> topic and a discovery entity. */
#ifndef PDB_STATUS_POLICIES_MAX
#define PDB_STATUS_POLICIES_MAX 32
#endif

/* Past snapshots a cmd/ack's seq may name (older is refused: nobody sees it now). */
#ifndef PDB_STATUS_ACK_SEQS
#define PDB_STATUS_ACK_SEQS 4
#endif

/*
 * Messages on <base>/event after one poll. A storm (or the first poll after
 * a long outage) is summed up by the state topics anyway; the rest of the
 * events of that poll are dropped and counted in the log.
 */
#ifndef PDB_STATUS_EVENTS_MAX
#define PDB_STATUS_EVENTS_MAX 20
#endif

/*
 * Retained oncall/<id> topics (and their discovery configs) of an earlier
 * run, seen while the poller does not yet know which policies are current
 * (before the first good poll, or stale): cleared after the next good poll.
 * More are dropped here; the broker sends them again on the next connect.
 */
#ifndef PDB_STATUS_LEFTOVERS_MAX
#define PDB_STATUS_LEFTOVERS_MAX 32
#endif
#if PDB_STATUS_LEFTOVERS_MAX < 1 || PDB_STATUS_LEFTOVERS_MAX > 256
#error "PDB_STATUS_LEFTOVERS_MAX out of range 1..256"
#endif

/* --- poll interval ---------------------------------------------------------- */

/*
 * poll.interval bounds, in seconds. PagerDuty allows about 960 REST calls a
 * minute per key and one poll makes three or four (36-48 a minute at 5 s),
 * which leaves the key room for MCP tools and other integrations. A display
 * older than an hour says nothing useful.
 */
#ifndef PDB_POLL_INTERVAL_MIN_S
#define PDB_POLL_INTERVAL_MIN_S 5
#endif
#ifndef PDB_POLL_INTERVAL_MAX_S
#define PDB_POLL_INTERVAL_MAX_S 3600
#endif

/* --- pages: the board page's HTTP listener (transport) and the board ------- */

/*
 * Connections one page listener accepts (libmicrohttpd refuses more), and
 * the event streams (/events) among them: a TV, the kiosk and a few laptops.
 * The stream after the last gets 503 while the page loads go on. Each
 * stream holds at most two events (the one being sent, the newest one
 * waiting): a viewer that stops reading costs that much and no more, and is
 * dropped by libmicrohttpd once nothing was written for the line timeout.
 */
#ifndef PDB_TR_PAGE_CONN_MAX
#define PDB_TR_PAGE_CONN_MAX 16
#endif
#ifndef PDB_TR_PAGE_STREAMS_MAX
#define PDB_TR_PAGE_STREAMS_MAX 8
#endif
#if PDB_TR_PAGE_STREAMS_MAX >= PDB_TR_PAGE_CONN_MAX
#error "PDB_TR_PAGE_CONN_MAX must leave room for page loads beside the event streams"
#endif

/*
 * libmicrohttpd's memory for one page connection: the request line and
 * headers must fit (a longer URL is answered 414 URI Too Long), and so
 * must the write block of an event stream (PDB_TR_PAGE_BLOCK).
 */
#ifndef PDB_TR_PAGE_CONN_MEMORY
#define PDB_TR_PAGE_CONN_MEMORY (16u * 1024u)
#endif
#ifndef PDB_TR_PAGE_BLOCK
#define PDB_TR_PAGE_BLOCK 4096u
#endif
#if PDB_TR_PAGE_BLOCK * 2 > PDB_TR_PAGE_CONN_MEMORY
#error "PDB_TR_PAGE_CONN_MEMORY must hold the headers and one PDB_TR_PAGE_BLOCK"
#endif

/*
 * The board page's compiled-in HTML, CSS and JS together (the issue's
 * budget: a Pi Zero serves it in one go, a TV loads it in one round trip).
 * The build fails when src/board/page/ outgrows it.
 */
#define PDB_BOARD_PAGE_MAX (24u * 1024u)

/*
 * One board event: the state JSON (at most one MQTT message) and a little
 * meta around it.
 */
#define PDB_BOARD_EVENT_MAX (PDB_MQ_MSG_MAX + 256u)

/* --- PagerDuty usage counts -------------------------------------------------- */

/*
 * Callers told apart in the usage counts: every tool (103), the poller, the
 * acks, the resources and the commands, with room to spare. A caller past
 * the table is counted as "other", so the totals stay true.
 */
#ifndef PDB_PD_USAGE_CALLERS_MAX
#define PDB_PD_USAGE_CALLERS_MAX 160
#endif
#if PDB_PD_USAGE_CALLERS_MAX < 8 || PDB_PD_USAGE_CALLERS_MAX > 1024
#error "PDB_PD_USAGE_CALLERS_MAX out of range 8..1024"
#endif

/* A caller's name, NUL included: the longest tool name has 38 characters. */
#define PDB_PD_CALLER_MAX 48

/*
 * The "last minute" of the usage counts is this many buckets of 5 s, so it
 * is exact to 5 s and costs 4 bytes a bucket per caller.
 */
#define PDB_PD_USAGE_BUCKETS   12
#define PDB_PD_USAGE_BUCKET_MS 5000

/*
 * Audit records `pdbridge usage` reads at most (cursor pages of 100): a
 * user's API-token changes over the window asked for; more is reported as
 * truncated rather than read without end.
 */
#ifndef PDB_USAGE_AUDIT_MAX
#define PDB_USAGE_AUDIT_MAX 1000
#endif

/* Distinct method and token pairs the audit summary keeps; more count as "other". */
#define PDB_USAGE_AUDIT_KEYS_MAX 32

/* The MQTT stats topic is published at most this often, and only when it changed. */
#define PDB_USAGE_STATS_INTERVAL_MS 60000

/* --- paging caps ------------------------------------------------------------ */

/*
 * Pages one list call requests at most. Pages hold up to 100 records, so
 * the longest list anything asks for (PDB_TOOL_RECORDS_MAX) takes 10
 * pages; twice that leaves room for short pages, while a server that
 * answers every page with one item and more=true (as a contract mock made
 * from the OpenAPI examples does) costs 20 requests instead of 10,000. A
 * list also starts no page once one call's deadline (PDB_PD_DEADLINE_MS)
 * has passed since it began. A cap hit marks the list truncated.
 */
#ifndef PDB_PD_LIST_PAGES_MAX
#define PDB_PD_LIST_PAGES_MAX 20
#endif
#if PDB_TOOL_RECORDS_MAX * 2 > PDB_PD_LIST_PAGES_MAX * PDB_PD_PAGE_LIMIT
#error "PDB_PD_LIST_PAGES_MAX must page through PDB_TOOL_RECORDS_MAX twice over"
#endif

/*
 * Requests of one status read (a poll, `pdbridge status`), which also
 * starts none once one call's deadline has passed since it began. The open
 * incidents take 1 request (the newest PDB_STATUS_INCIDENTS_MAX with
 * PagerDuty's total) or PDB_PD_OPEN_REQUESTS (plus the triggered and the
 * high-urgency totals), whatever their number; the on-call list takes the
 * rest, 2 pages for PDB_STATUS_ONCALLS_MAX entries from an honest server.
 * A poll adds at most 2 (/users/me once, and whether the key's user is on
 * call). A cap hit keeps what was read and marks it truncated.
 */
#define PDB_PD_OPEN_REQUESTS 3
#ifndef PDB_PD_STATUS_PAGES_MAX
#define PDB_PD_STATUS_PAGES_MAX 8
#endif
#if PDB_PD_STATUS_PAGES_MAX < \
    PDB_PD_OPEN_REQUESTS + (PDB_STATUS_ONCALLS_MAX + PDB_PD_PAGE_LIMIT - 1) / PDB_PD_PAGE_LIMIT
#error "PDB_PD_STATUS_PAGES_MAX must fit the open incidents and the on-call pages"
#endif
#if PDB_STATUS_INCIDENTS_MAX > PDB_PD_PAGE_LIMIT
#error "PDB_STATUS_INCIDENTS_MAX must fit one page: the open incidents are not paged"
#endif

/* --- lamp: the lamps, the buzzer and the button ----------------------------- */

/*
 * An LED class name (lamp.*): one directory under lamp.sysfs. Kernel LED
 * names are "devicename:color:function" at most; longer is a typo.
 */
#ifndef PDB_LAMP_NAME_MAX
#define PDB_LAMP_NAME_MAX 64
#endif

/* A path built from lamp.sysfs or button.root, a name and an attribute. */
#define PDB_LAMP_PATH_MAX (PDB_CFG_PATH_MAX + 2 * PDB_LAMP_NAME_MAX + 32)

/*
 * The dead-man (the LED transient trigger): a lit lamp is armed for
 * PDB_LAMP_DEADMAN_MS and re-armed every PDB_LAMP_REARM_MS, so if pdbridge
 * dies every lamp stops claiming a state within PDB_LAMP_DEADMAN_MS, and a
 * loop turn late by less than the difference never blinks a steady lamp.
 */
#ifndef PDB_LAMP_DEADMAN_MS
#define PDB_LAMP_DEADMAN_MS 15000
#endif
#ifndef PDB_LAMP_REARM_MS
#define PDB_LAMP_REARM_MS 5000
#endif
#if PDB_LAMP_REARM_MS < 1000 || 2 * PDB_LAMP_REARM_MS > PDB_LAMP_DEADMAN_MS || \
    PDB_LAMP_DEADMAN_MS > 60000
#error "PDB_LAMP_REARM_MS must be at least 1 s and at most half of PDB_LAMP_DEADMAN_MS (<= 60 s)"
#endif

/*
 * A lamp write that fails is tried again after PDB_LAMP_RETRY_MS (udev may
 * still be granting the files a trigger just made); after PDB_LAMP_FAILS_MAX
 * failures in a row the lamp is given up, with the path and the reason.
 */
#ifndef PDB_LAMP_RETRY_MS
#define PDB_LAMP_RETRY_MS 100
#endif
#ifndef PDB_LAMP_FAILS_MAX
#define PDB_LAMP_FAILS_MAX 20
#endif

/*
 * An LED's trigger file is read up to this much when looking for the
 * triggers it offers: it lists every trigger of the kernel (one per CPU,
 * disk and network device among them), not one page on a big machine.
 */
#ifndef PDB_LAMP_TRIGGERS_READ_MAX
#define PDB_LAMP_TRIGGERS_READ_MAX (64u * 1024u)
#endif

/* How long the lamps flicker when a long press is refused. */
#ifndef PDB_LAMP_REFUSE_MS
#define PDB_LAMP_REFUSE_MS 2000
#endif

/*
 * The button. Edges closer than PDB_LAMP_DEBOUNCE_MS are one press (a worn
 * switch chatters for a few ms); a press held PDB_LAMP_LONG_PRESS_MS is an
 * acknowledgement, long enough that a brush against it is not.
 */
#ifndef PDB_LAMP_DEBOUNCE_MS
#define PDB_LAMP_DEBOUNCE_MS 50
#endif
#ifndef PDB_LAMP_LONG_PRESS_MS
#define PDB_LAMP_LONG_PRESS_MS 1500
#endif
#if PDB_LAMP_DEBOUNCE_MS < 5 || PDB_LAMP_LONG_PRESS_MS < 4 * PDB_LAMP_DEBOUNCE_MS
#error "PDB_LAMP_LONG_PRESS_MS must be well above PDB_LAMP_DEBOUNCE_MS (>= 5 ms)"
#endif

/*
 * An event's own time is used (it is exact) unless it is further than this
 * from now: garbage, or a device that kept the wall clock.
 */
#ifndef PDB_LAMP_EVENT_SKEW_MS
#define PDB_LAMP_EVENT_SKEW_MS 10000
#endif

/* Input records taken in one read: one loop turn never reads without bound. */
#ifndef PDB_LAMP_EVENTS_READ
#define PDB_LAMP_EVENTS_READ 64
#endif

/* A button device that is missing or went away is reopened, backing off between these. */
#ifndef PDB_LAMP_BACKOFF_MIN_MS
#define PDB_LAMP_BACKOFF_MIN_MS 500
#endif
#ifndef PDB_LAMP_BACKOFF_MAX_MS
#define PDB_LAMP_BACKOFF_MAX_MS 30000
#endif
#if PDB_LAMP_BACKOFF_MIN_MS < 100 || PDB_LAMP_BACKOFF_MIN_MS > PDB_LAMP_BACKOFF_MAX_MS
#error "PDB_LAMP_BACKOFF_MIN_MS must be at least 100 and at most PDB_LAMP_BACKOFF_MAX_MS"
#endif

/*
 * An input device's name as read from sysfs to compare with button.device:
 * the kernel allows more, a button's is short; a longer one is not ours.
 */
#ifndef PDB_LAMP_INPUT_NAME_MAX
#define PDB_LAMP_INPUT_NAME_MAX 128
#endif

/* Entries of <root>/sys/class/input looked at when button.device is a name. */
#ifndef PDB_LAMP_INPUT_SCAN_MAX
#define PDB_LAMP_INPUT_SCAN_MAX 256
#endif

/* Highest key code (the kernel's KEY_MAX). */
#define PDB_LAMP_KEY_MAX 0x2ff

/* The longest mute (buzzer.mute, cmd/mute): a day; longer is "unplug the buzzer". */
#ifndef PDB_LAMP_MUTE_MAX_MIN
#define PDB_LAMP_MUTE_MAX_MIN 1440
#endif

/* buzzer.repeat: at most an hour between two reminders of an unacknowledged incident. */
#ifndef PDB_BUZZER_REPEAT_MAX_S
#define PDB_BUZZER_REPEAT_MAX_S 3600
#endif

/* --- mcp: 2026-07-28 (stateless requests, rounds, listens) ------------------ */

/*
 * ttlMs of server/discover and the four lists: they change only when the
 * process restarts with other settings, so a client may keep them a while.
 */
#ifndef PDB_MCP_LIST_TTL_MS
#define PDB_MCP_LIST_TTL_MS (5 * 60 * 1000)
#endif

/*
 * subscriptions/listen requests one session may keep open (a stdio process
 * or TCP connection; over HTTP each listen is a request of its own). Each
 * names at most PDB_MCP_SUBS_MAX resources.
 */
#ifndef PDB_MCP_LISTENS_MAX
#define PDB_MCP_LISTENS_MAX 4
#endif

/* Input requests one input_required result may carry, and the longest key. */
#ifndef PDB_MCP_INPUTS_MAX
#define PDB_MCP_INPUTS_MAX 8
#endif
#ifndef PDB_MCP_INPUT_KEY_MAX
#define PDB_MCP_INPUT_KEY_MAX 64
#endif

/*
 * What a handler keeps between two rounds, and the longest requestState
 * accepted back: the state is that text plus a sequence number, an expiry
 * and a MAC, base64url, so 256 bytes of it fit well under 1 KiB. A longer
 * one was not made here and is refused unread.
 */
#ifndef PDB_MCP_STATE_PAYLOAD_MAX
#define PDB_MCP_STATE_PAYLOAD_MAX 256
#endif
#ifndef PDB_MCP_STATE_MAX
#define PDB_MCP_STATE_MAX 1024
#endif
#if PDB_MCP_STATE_MAX < 2 * PDB_MCP_STATE_PAYLOAD_MAX
#error "PDB_MCP_STATE_MAX must hold an encoded PDB_MCP_STATE_PAYLOAD_MAX"
#endif

/*
 * How long a requestState stays good: a person answers a confirmation form,
 * so minutes; a replay after that is refused anyway.
 */
#ifndef PDB_MCP_STATE_TTL_MS
#define PDB_MCP_STATE_TTL_MS (10 * 60 * 1000)
#endif

/*
 * Request states remembered as used (one bit each): a state is good once.
 * One older than the last PDB_MCP_STATE_WINDOW issued is refused as too old,
 * so the memory stays 128 bytes whatever clients do.
 */
#ifndef PDB_MCP_STATE_WINDOW
#define PDB_MCP_STATE_WINDOW 1024
#endif
#if PDB_MCP_STATE_WINDOW < 64 || PDB_MCP_STATE_WINDOW > 65536 || PDB_MCP_STATE_WINDOW % 8
#error "PDB_MCP_STATE_WINDOW out of range 64..65536 or not a multiple of 8"
#endif

/*
 * The write_confirm question shows the tool and its arguments in at most
 * this many bytes: a form a person reads, not a report; longer arguments
 * are named, not shown.
 */
#ifndef PDB_TOOL_CONFIRM_TEXT_MAX
#define PDB_TOOL_CONFIRM_TEXT_MAX 2048
#endif

#endif /* PDBRIDGE_LIMITS_H */
