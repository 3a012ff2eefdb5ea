/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cfg.h - the settings of pdbridge: one schema table, an immutable snapshot
 * built from four layers, and the power-loss-safe store that keeps one of
 * them in flash.
 *
 * The schema (cfg_field(), one row per key) is the single source of every
 * key's type, default, bounds, secrecy, environment variable, flag and
 * description: parsing, validation, defaults, `config show` and the
 * reference in docs/config.md all come from it.
 *
 * Layers, highest first: command-line flag > environment > flash > default.
 * cfg_build() resolves them into a struct cfg, which never changes after it
 * is built; a reload builds and validates a new one, then the caller swaps
 * the pointer and frees the old one.
 *
 * The flash layer is a struct cfg_doc: the stored key=value entries,
 * including keys this version does not know (kept, never dropped). The store
 * (cfg_store_*) keeps it in two slots, A and B, each a record of
 * `magic | header length | schema | sequence | length | flags | CRC32s |
 * payload`; loading takes the newest valid slot, saving writes the other one
 * and only when the record would differ. Backends: a pair of files
 * (<path>.a, <path>.b, each replaced by write-temp, fsync, rename, fsync of
 * the directory) or a raw MTD partition (one erase-block-aligned region per
 * slot, erased before it is written). docs/config.md has the format.
 *
 * Secrets (token, passwords) are never formatted into an error or a log line
 * by this module, and can be sealed at rest with AES-256-GCM under a key
 * derived from the board's serial number (struct cfg_seal): a sealed value
 * copied to another device fails with "<key> sealed for another device",
 * never with garbage.
 *
 * Threads: none of this is thread-safe; app builds snapshots on the main
 * thread and hands out read-only pointers.
 */
#ifndef PDBRIDGE_CFG_H
#define PDBRIDGE_CFG_H

#include <pdbridge/buf.h>
#include <pdbridge/err.h>
#include <pdbridge/limits.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The schema version this build writes; older records are migrated on load. */
#define CFG_SCHEMA 2

/* Every key, in schema order (the order of `config show` and the docs). */
enum cfg_key {
	CFG_REGION = 0,
	CFG_API_HOST,
	CFG_TOKEN,
	CFG_FROM_EMAIL,
	CFG_CA_FILE,
	CFG_CONNECT_TO,
	CFG_POLL_INTERVAL,
	CFG_POLL_STALE_AFTER,
	CFG_WATCH_SCHEDULES,
	CFG_WATCH_ESCALATION_POLICIES,
	CFG_WATCH_SERVICES,
	CFG_WATCH_TEAMS,
	CFG_WATCH_URGENCY,
	CFG_MQTT_URL,
	CFG_MQTT_USERNAME,
	CFG_MQTT_PASSWORD,
	CFG_MQTT_CLIENT_ID,
	CFG_MQTT_BASE_TOPIC,
	CFG_MQTT_NODE_ID,
	CFG_MQTT_HA_DISCOVERY,
	CFG_MCP_LISTEN,
	CFG_MCP_AUTH_TOKEN,
	CFG_WRITE_TOOLS,
	CFG_TOOLS_ALLOW,
	CFG_TOOLS_DENY,
	CFG_LOG_LEVEL,
	CFG_SECRETS_SEAL,
	CFG_BOARD_LISTEN,
	CFG_BOARD_TOKEN,
	CFG_BOARD_THEME,
	CFG_LAMP_OK,
	CFG_LAMP_ACKED,
	CFG_LAMP_TRIGGERED,
	CFG_LAMP_UNKNOWN,
	CFG_LAMP_BUZZER,
	CFG_LAMP_SYSFS,
	CFG_BUZZER_REPEAT,
	CFG_BUZZER_QUIET,
	CFG_BUZZER_MUTE,
	CFG_BUTTON_DEVICE,
	CFG_BUTTON_KEY,
	CFG_BUTTON_ROOT,
	CFG_WRITE_CONFIRM,
	CFG_KEYS /* the count, not a key */
};

enum cfg_type {
	CFG_T_STR = 0,  /* text in a form; min/max bound its length */
	CFG_T_INT = 1,  /* decimal integer; min/max bound the value */
	CFG_T_BOOL = 2, /* true|false (also yes|no, on|off, 1|0 on input) */
	CFG_T_ENUM = 3, /* one of `choices` */
	CFG_T_LIST = 4, /* comma-separated items in a form; min/max bound the count */
};

/* What a string or a list item may look like. */
enum cfg_form {
	CFG_F_TEXT = 0,  /* printable, no control characters */
	CFG_F_WORD = 1,  /* [A-Za-z0-9_-], at most PDB_CFG_WORD_MAX (IDs, tool names) */
	CFG_F_URL = 2,   /* scheme://rest with a scheme from `choices`, no spaces */
	CFG_F_EMAIL = 3, /* one '@' between two non-empty parts, no spaces */
	CFG_F_TOPIC = 4, /* MQTT topic levels: no wildcards, spaces or empty levels */
	CFG_F_GLOB = 5,  /* a word that may hold '*' (tool names and patterns) */
};

#define CFG_SECRET 1u /* redacted everywhere; sealed at rest when secrets.seal is on */

/* One row of the schema. */
struct cfg_field {
	const char *key;     /* "mqtt.url" */
	enum cfg_type type;  /* how the text is read */
	enum cfg_form form;  /* CFG_T_STR and CFG_T_LIST items */
	const char *def;     /* the default as text; "" means unset */
	long long min, max;  /* see enum cfg_type */
	const char *choices; /* CFG_T_ENUM values, CFG_F_URL schemes: "us|eu" */
	unsigned flags;      /* CFG_SECRET */
	const char
	    *env; /* a variable read before PDBRIDGE_<KEY> (the official server's), or NULL */
	const char *flag; /* the command-line flag that sets it ("--region"), or NULL */
	const char *help; /* one line */
};

/** cfg_field: the schema row of @k (k < CFG_KEYS). */
const struct cfg_field *cfg_field(enum cfg_key k);

/**
 * cfg_key_find: the key named @name ("mqtt.url").
 * Returns PDB_OK or PDB_E_NOTFOUND.
 */
enum pdb_rc cfg_key_find(const char *name, enum cfg_key *out) PDB_WARN_UNUSED;

/** cfg_env_name: "PDBRIDGE_" + the key upper-cased, dots as underscores, into @out. */
void cfg_env_name(enum cfg_key k, char *out, size_t len);

/**
 * cfg_check: validate @text for @k and write its canonical form into @canon
 * ("yes" -> "true", " a , b" -> "a,b"). Returns PDB_OK, PDB_E_INVAL,
 * PDB_E_RANGE, PDB_E_TYPE or PDB_E_TOO_LARGE, with a message naming the key
 * and, for non-secrets only, the value.
 */
enum pdb_rc cfg_check(enum cfg_key k, const char *text, char canon[PDB_CFG_VALUE_MAX + 1],
                      struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * cfg_schema_doc: the schema as a Markdown table (the generated part of
 * docs/config.md). Returns PDB_OK, PDB_E_TOO_LARGE or PDB_E_NOMEM.
 */
enum pdb_rc cfg_schema_doc(struct buf *out) PDB_WARN_UNUSED;

/** cfg_wipe: mem_wipe() under the name cfg's callers use (see mem.h). */
void cfg_wipe(void *p, size_t n);

/* --- the stored document (the flash layer) ------------------------------ */

/* One stored entry. Strings are owned by the document. */
struct cfg_entry {
	char *key;   /* a schema key, or one this version does not know */
	char *value; /* canonical text; for a sealed entry, the sealed blob in hex */
	bool sealed; /* value is sealed with a device key (struct cfg_seal) */
};

/* Caller-owned; set up with cfg_doc_init(), released with cfg_doc_free(). */
struct cfg_doc {
	struct cfg_entry e[PDB_CFG_ENTRIES_MAX];
	size_t n;
	uint16_t schema;     /* CFG_SCHEMA, or the newer schema it was read from */
	bool secret_changed; /* a secret was set or removed since the load */
};

void cfg_doc_init(struct cfg_doc *d);

/** cfg_doc_free: release every entry (values are wiped first); the doc is left empty. */
void cfg_doc_free(struct cfg_doc *d);

/** cfg_doc_find: the entry for @key, or NULL. Borrowed until the doc changes. */
const struct cfg_entry *cfg_doc_find(const struct cfg_doc *d, const char *key);

/**
 * cfg_doc_set: set @k to @text, validated and canonicalised by cfg_check().
 * An equal value (a sealed one is compared after unsealing with @seal, which
 * may be NULL) leaves the doc untouched and *@changed false.
 * Returns PDB_OK, the errors of cfg_check(), PDB_E_TOO_LARGE (entries full)
 * or PDB_E_NOMEM.
 */
struct cfg_seal;
enum pdb_rc cfg_doc_set(struct cfg_doc *d, enum cfg_key k, const char *text,
                        const struct cfg_seal *seal, bool *changed,
                        struct pdb_err *err) PDB_WARN_UNUSED;

/** cfg_doc_unset: remove @k; *@changed says whether it was there. */
void cfg_doc_unset(struct cfg_doc *d, enum cfg_key k, bool *changed);

/**
 * cfg_import_parse: apply "key=value" lines (blank lines and '#' comments
 * skipped, spaces around key and value trimmed, an empty value unsets) from
 * @text to @d, all or nothing: every line is validated before any is
 * applied. *@changed counts the keys whose value changed.
 * Returns PDB_OK, PDB_E_PARSE ("line N: ..."), the errors of cfg_check()
 * (with the line number), PDB_E_TOO_LARGE or PDB_E_NOMEM.
 */
enum pdb_rc cfg_import_parse(struct cfg_doc *d, const char *text, size_t len,
                             const struct cfg_seal *seal, size_t *changed,
                             struct pdb_err *err) PDB_WARN_UNUSED;

/* --- sealing secrets with a device-bound key ---------------------------- */

/* Where the device identity came from (docs/config.md: the threat model). */
enum cfg_id_source {
	CFG_ID_NONE = 0,
	CFG_ID_FILE = 1,        /* the file the caller named (PDBRIDGE_DEVICE_ID_FILE) */
	CFG_ID_DEVICE_TREE = 2, /* /proc/device-tree/serial-number */
	CFG_ID_CPUINFO = 3,     /* /proc/cpuinfo "Serial" */
	CFG_ID_MACHINE_ID = 4,  /* /etc/machine-id: lives on the same card, so weak */
};

/* A device key. Caller-owned; wipe with cfg_seal_wipe(). */
struct cfg_seal {
	bool ok;                   /* a key was derived */
	enum cfg_id_source source; /* where its identity came from */
	uint8_t key[32];           /* HKDF-SHA256(identity) for AES-256-GCM */
	uint8_t kid[4];            /* key id: tells "another device" from "damaged" */
};

/**
 * cfg_seal_init: derive the device key from @id_file when it is not NULL
 * (its trimmed contents are the identity), else from the first of the
 * device-tree serial, /proc/cpuinfo's Serial and /etc/machine-id that holds
 * a non-zero identity. Returns PDB_OK, PDB_E_NOTFOUND (no identity: @s->ok
 * is false), PDB_E_IO (@id_file unreadable) or PDB_E_INTERNAL (crypto).
 */
enum pdb_rc cfg_seal_init(struct cfg_seal *s, const char *id_file,
                          struct pdb_err *err) PDB_WARN_UNUSED;

/** cfg_seal_wipe: forget the key. */
void cfg_seal_wipe(struct cfg_seal *s);

/** cfg_id_source_name: "device-tree serial-number", ... */
const char *cfg_id_source_name(enum cfg_id_source src);

/**
 * cfg_doc_seal: seal every secret entry of @d that is not sealed yet (and
 * mark the doc secret_changed when one was, so the save rewrites both slots
 * and no plain copy survives). Returns PDB_OK, PDB_E_MISSING (no device
 * key), PDB_E_NOMEM or PDB_E_INTERNAL.
 */
enum pdb_rc cfg_doc_seal(struct cfg_doc *d, const struct cfg_seal *seal,
                         struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * cfg_doc_reveal: the plain value of entry @e into @out (at most @len - 1
 * bytes), unsealing it with @seal when it is sealed. Returns PDB_OK,
 * PDB_E_AUTH ("<key> sealed for another device", or "<key> is sealed, and
 * this device has no identity to open it" when @seal is NULL or not ok),
 * PDB_E_CORRUPT (sealed with this device's key but damaged) or
 * PDB_E_TOO_LARGE.
 */
enum pdb_rc cfg_doc_reveal(const struct cfg_entry *e, const struct cfg_seal *seal, char *out,
                           size_t len, struct pdb_err *err) PDB_WARN_UNUSED;

/* --- a process key for MACs (request states the MCP server hands out) ----- */

/* Bytes of the key and of one MAC (HMAC-SHA256). */
#define CFG_MAC_KEY_LEN 32
#define CFG_MAC_LEN     32

/* A random key that lives and dies with the process. Caller-owned; wipe with cfg_mac_wipe(). */
struct cfg_mac {
	uint8_t key[CFG_MAC_KEY_LEN];
};

/** cfg_mac_init: draw a fresh key from the kernel's random source. Returns PDB_OK or PDB_E_IO. */
enum pdb_rc cfg_mac_init(struct cfg_mac *m) PDB_WARN_UNUSED;

/**
 * cfg_mac_sign: HMAC-SHA256 under @m's key of @len bytes at @msg into @out.
 * Any thread. Returns PDB_OK or PDB_E_INTERNAL.
 */
enum pdb_rc cfg_mac_sign(const struct cfg_mac *m, const void *msg, size_t len,
                         uint8_t out[CFG_MAC_LEN]) PDB_WARN_UNUSED;

/** cfg_mac_wipe: forget the key. */
void cfg_mac_wipe(struct cfg_mac *m);

/* --- the snapshot --------------------------------------------------------- */

enum cfg_origin {
	CFG_ORIGIN_DEFAULT = 0,
	CFG_ORIGIN_FLASH = 1,
	CFG_ORIGIN_ENV = 2,
	CFG_ORIGIN_FLAG = 3,
};

/* A value given on the command line. */
struct cfg_flag {
	enum cfg_key key;
	const char *value; /* NULL or "": not given */
	const char *name;  /* as typed, for --origin ("--region") */
};

/* What cfg_build() reads. Everything is borrowed for the call only. */
struct cfg_sources {
	const struct cfg_doc *flash;             /* NULL: nothing stored */
	const char *(*getenv)(const char *name); /* NULL: no environment layer */
	const struct cfg_flag *flags;            /* may be NULL when n_flags is 0 */
	size_t n_flags;
	const struct cfg_seal *seal; /* unseals flash secrets; may be NULL */
};

struct cfg;

/**
 * cfg_build: resolve every key through the layers into a new snapshot.
 * An empty environment variable or flag counts as not given. A sealed flash
 * secret that cannot be unsealed does not fail the build: reading it does
 * (cfg_secret()). Caller frees with cfg_free().
 * Returns PDB_OK, or the first invalid value's error prefixed with where it
 * came from ("PDBRIDGE_REGION: region must be one of us|eu, not 'mars'"),
 * PDB_E_NOMEM.
 */
enum pdb_rc cfg_build(const struct cfg_sources *src, struct cfg **out,
                      struct pdb_err *err) PDB_WARN_UNUSED;

/** cfg_free: release @c (secrets wiped); NULL is a no-op. */
void cfg_free(struct cfg *c);

/** cfg_str: the canonical text of @k, "" when unset, NULL for a secret that cannot be unsealed. */
const char *cfg_str(const struct cfg *c, enum cfg_key k);

/** cfg_int: the value of a CFG_T_INT key. */
long long cfg_int(const struct cfg *c, enum cfg_key k);

/** cfg_bool: the value of a CFG_T_BOOL key. */
bool cfg_bool(const struct cfg *c, enum cfg_key k);

/**
 * cfg_list: up to @cap items of a CFG_T_LIST key into @out, borrowed from
 * @c. Returns the number of items (at most the schema's max).
 */
size_t cfg_list(const struct cfg *c, enum cfg_key k, const char **out, size_t cap);

/**
 * cfg_secret: the plain value of secret @k ("" when unset), borrowed from @c.
 * Returns PDB_OK, PDB_E_AUTH ("token sealed for another device", or "token
 * is sealed, and this device has no identity to open it") or PDB_E_CORRUPT
 * ("token is sealed for this device but damaged").
 */
enum pdb_rc cfg_secret(const struct cfg *c, enum cfg_key k, const char **out,
                       struct pdb_err *err) PDB_WARN_UNUSED;

/** cfg_sealed: whether the value of @k came sealed from flash. */
bool cfg_sealed(const struct cfg *c, enum cfg_key k);

/**
 * cfg_origin: where the value of @k came from; *@detail (may be NULL) gets
 * the variable or flag name, or NULL.
 */
enum cfg_origin cfg_origin(const struct cfg *c, enum cfg_key k, const char **detail);

/** cfg_origin_name: "default", "flash", "env", "flag". */
const char *cfg_origin_name(enum cfg_origin o);

/* --- the store ------------------------------------------------------------ */

struct cfg_store;

/* What one slot holds, as cfg_store_verify() reports it. */
enum cfg_slot_state {
	CFG_SLOT_EMPTY = 0,       /* never written (no file, or erased flash) */
	CFG_SLOT_VALID = 1,       /* magic, both CRCs and the length check out */
	CFG_SLOT_BAD_HEADER = 2,  /* wrong magic, header CRC or header fields */
	CFG_SLOT_TRUNCATED = 3,   /* shorter (or longer) than its header says */
	CFG_SLOT_BAD_PAYLOAD = 4, /* payload CRC mismatch, or entries that do not parse */
	CFG_SLOT_UNREADABLE = 5,  /* the read itself failed */
};

struct cfg_slot_info {
	char where[PDB_CFG_PATH_MAX + 16]; /* "<path>.a", "/dev/mtd3 @ 0x0" */
	enum cfg_slot_state state;
	uint32_t seq;    /* valid slots only */
	uint16_t schema; /* valid slots only */
	uint32_t length; /* payload bytes, valid slots only */
	bool newest;     /* the slot a load uses */
};

/** cfg_slot_state_name: "valid", "empty", "corrupt header", ... */
const char *cfg_slot_state_name(enum cfg_slot_state st);

/**
 * cfg_store_open: the store at @spec: "mtd:PATH" or a path under /dev/mtd
 * is a raw MTD partition, anything else the base name of a file pair
 * (<spec>.a, <spec>.b). Opening touches nothing on disk.
 * Caller frees with cfg_store_close(). Returns PDB_OK, PDB_E_INVAL
 * (empty or too long) or PDB_E_NOMEM.
 */
enum pdb_rc cfg_store_open(const char *spec, struct cfg_store **out,
                           struct pdb_err *err) PDB_WARN_UNUSED;

/** cfg_store_close: free @s; NULL is a no-op. */
void cfg_store_close(struct cfg_store *s);

/** cfg_store_where: the path given to cfg_store_open(), without "mtd:". Borrowed. */
const char *cfg_store_where(const struct cfg_store *s);

/**
 * cfg_store_load: the newest valid slot into @d (initialised by the caller;
 * left empty when nothing is stored), migrated to CFG_SCHEMA. A file store
 * readable by group or others is loaded with a warning in the log.
 * Returns PDB_OK, PDB_E_CORRUPT ("both slots are corrupt"), PDB_E_IO,
 * PDB_E_DENIED (no permission to read) or PDB_E_NOMEM.
 */
enum pdb_rc cfg_store_load(struct cfg_store *s, struct cfg_doc *d,
                           struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * cfg_store_save: write @d into the slot not holding the newest record, with
 * the next sequence number, unless the newest valid record already holds the
 * same payload (then *@written is false and nothing is touched). When
 * @d->secret_changed, the other slot is written too, so no slot keeps the old
 * secret. Returns PDB_OK, PDB_E_UNSUPPORTED (@d came from a newer schema),
 * PDB_E_TOO_LARGE, PDB_E_IO, PDB_E_DENIED or PDB_E_NOMEM.
 */
enum pdb_rc cfg_store_save(struct cfg_store *s, const struct cfg_doc *d, bool *written,
                           struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * cfg_store_verify: read and check both slots into @out[0] (A) and @out[1]
 * (B). Returns PDB_OK when at least one slot is valid or both are empty,
 * PDB_E_CORRUPT when none is valid and one is not empty.
 */
enum pdb_rc cfg_store_verify(struct cfg_store *s, struct cfg_slot_info out[2],
                             struct pdb_err *err) PDB_WARN_UNUSED;

#endif /* PDBRIDGE_CFG_H */
