/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cfg_int.h - what the files of src/cfg share, and the seams its tests use:
 * the system-call table every store backend goes through (so the power-loss
 * harness can interrupt, shorten and tear any step), the record codec and
 * the payload codec. Not a public header: only src/cfg and its tests
 * include it.
 */
#ifndef PDBRIDGE_CFG_INT_H
#define PDBRIDGE_CFG_INT_H

#include <pdbridge/cfg.h>

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define CFG_MOD "cfg"

/* --- the record ------------------------------------------------------------ */

#define CFG_REC_MAGIC 0x46434450u /* "PDCF" read as a little-endian u32 */
#define CFG_REC_HDR   32u

/* The decoded header of a valid record. */
struct cfg__hdr {
	uint16_t schema;
	uint32_t seq;
	uint32_t payload_len;
	uint32_t flags; /* 0; readers refuse bits they do not know */
};

/**
 * cfg__rec_encode: header + @payload into @out (reset first).
 * Returns PDB_OK, PDB_E_TOO_LARGE or PDB_E_NOMEM.
 */
enum pdb_rc cfg__rec_encode(uint16_t schema, uint32_t seq, const char *payload, size_t len,
                            struct buf *out) PDB_WARN_UNUSED;

/**
 * cfg__rec_decode: check the @len bytes at @p as one record. @exact: the
 * bytes must end where the payload ends (a file); otherwise trailing bytes
 * are padding and all-0xff bytes are an erased, empty slot (flash). Returns
 * the slot state; for CFG_SLOT_VALID fills @h and points *@payload into @p.
 */
enum cfg_slot_state cfg__rec_decode(const uint8_t *p, size_t len, bool exact, struct cfg__hdr *h,
                                    const uint8_t **payload);

/** cfg__crc32: CRC-32/ISO-HDLC (poly 0xEDB88320, as zlib), continuing from @crc (0 to start). */
uint32_t cfg__crc32(uint32_t crc, const void *p, size_t n);

/** cfg__seq_newer: @a is newer than @b in serial-number arithmetic (RFC 1982 style). */
bool cfg__seq_newer(uint32_t a, uint32_t b);

/* --- the payload ------------------------------------------------------------ */

/**
 * cfg__payload_encode: @d as "[*]key=value\0" entries (a '*' marks a sealed
 * value), in schema order, unknown keys last. Returns PDB_OK,
 * PDB_E_TOO_LARGE (over PDB_CFG_PAYLOAD_MAX) or PDB_E_NOMEM.
 */
enum pdb_rc cfg__payload_encode(const struct cfg_doc *d, struct buf *out) PDB_WARN_UNUSED;

/**
 * cfg__payload_decode: entries written under @schema into @d (empty on
 * entry), then the migrations from @schema up to CFG_SCHEMA. Values of
 * known keys are checked against the schema; unknown keys are kept as they
 * are. Returns PDB_OK, PDB_E_CORRUPT (malformed entries, duplicates, a value
 * the schema refuses), PDB_E_TOO_LARGE or PDB_E_NOMEM; @d is empty on error.
 */
enum pdb_rc cfg__payload_decode(const uint8_t *p, size_t len, uint16_t schema, struct cfg_doc *d,
                                struct pdb_err *err) PDB_WARN_UNUSED;

/** cfg__doc_put: add or replace @key (owned copies are made). Returns PDB_OK, PDB_E_TOO_LARGE,
 * PDB_E_NOMEM. */
enum pdb_rc cfg__doc_put(struct cfg_doc *d, const char *key, const char *value,
                         bool sealed) PDB_WARN_UNUSED;

/** cfg__doc_remove: drop entry @i, wiping its value. */
void cfg__doc_remove(struct cfg_doc *d, size_t i);

/** cfg__key_ok: @key is a well-formed key name ([a-z0-9_.], not empty, short enough). */
bool cfg__key_ok(const char *key, size_t len);

/* --- sealing (cfg_seal.c, the only wolfSSL user in this module) ---------------- */

/**
 * cfg__seal_value: seal @plain for the device of @seal into @hex (reset first).
 * Returns PDB_OK, PDB_E_TOO_LARGE, PDB_E_NOMEM or PDB_E_INTERNAL.
 */
enum pdb_rc cfg__seal_value(const struct cfg_seal *seal, const char *plain,
                            struct buf *hex) PDB_WARN_UNUSED;

/**
 * cfg__unseal_value: the plain text of the sealed @hex into @out (@len bytes
 * with the NUL). Returns PDB_OK, PDB_E_AUTH (another device's key, or no key),
 * PDB_E_CORRUPT (this device's key, damaged blob), PDB_E_TOO_LARGE.
 */
enum pdb_rc cfg__unseal_value(const struct cfg_seal *seal, const char *hex, char *out,
                              size_t len) PDB_WARN_UNUSED;

/**
 * cfg__seal_from_text: derive @s from the @n bytes of an identity source as
 * read from @src (the whole "/proc/cpuinfo" text for CFG_ID_CPUINFO).
 * Returns PDB_OK, PDB_E_NOTFOUND (no identity in it, or all zeros) or
 * PDB_E_INTERNAL.
 */
enum pdb_rc cfg__seal_from_text(struct cfg_seal *s, enum cfg_id_source src, const char *text,
                                size_t n, struct pdb_err *err) PDB_WARN_UNUSED;

/** cfg__sealed_ok: @hex has the shape of a sealed value (checked on load). */
bool cfg__sealed_ok(const char *hex);

/* --- the system calls under the store ------------------------------------- */

/* Raw MTD geometry (the fields of MEMGETINFO the store needs). */
struct cfg__mtd_info {
	uint32_t size;      /* bytes in the partition */
	uint32_t erasesize; /* erase block */
	uint32_t writesize; /* smallest write unit (1 on NOR) */
	bool nand;          /* NAND: refused (bad blocks need UBI) */
};

/*
 * Every system call a backend makes. Each returns what the libc call would
 * and sets errno. cfg__io_real() is the real thing; tests pass their own
 * (a modelled file system that loses what was not synced, a flash chip that
 * refuses writes to bytes that are not erased).
 */
struct cfg__io {
	int (*open)(void *ud, const char *path, int flags, mode_t mode);
	int (*close)(void *ud, int fd);
	ssize_t (*pread)(void *ud, int fd, void *p, size_t n, off_t off);
	ssize_t (*pwrite)(void *ud, int fd, const void *p, size_t n, off_t off);
	int (*fsync)(void *ud, int fd);
	int (*fstat)(void *ud, int fd, struct stat *st);
	int (*rename)(void *ud, const char *from, const char *to);
	int (*unlink)(void *ud, const char *path);
	int (*mkdir)(void *ud, const char *path, mode_t mode);
	int (*syncdir)(void *ud, const char *dir); /* open(dir), fsync, close */
	/* chown the new file @fd to @dir's owner and group when the caller is root, else nothing */
	int (*adopt)(void *ud, int fd, const char *dir);
	int (*mtd_info)(void *ud, int fd, struct cfg__mtd_info *info);
	int (*mtd_erase)(void *ud, int fd, uint32_t off, uint32_t len);
	void *ud;
};

/** cfg__io_real: the table of real system calls. */
const struct cfg__io *cfg__io_real(void);

enum cfg__backend_kind {
	CFG_BACKEND_FILE = 0,
	CFG_BACKEND_MTD = 1,
};

/**
 * cfg__store_open_io: as cfg_store_open(), through @io (borrowed, must
 * outlive the store) and with the backend chosen by the caller.
 */
enum pdb_rc cfg__store_open_io(const char *path, enum cfg__backend_kind kind,
                               const struct cfg__io *io, struct cfg_store **out,
                               struct pdb_err *err) PDB_WARN_UNUSED;

/* One slot's raw bytes as a backend reads them. */
struct cfg__slot_read {
	enum cfg_slot_state state; /* EMPTY, UNREADABLE, or VALID meaning "bytes read" */
	uint8_t *bytes;            /* mem-owned, NULL when empty */
	size_t len;
	int err_no; /* for UNREADABLE */
};

/* A backend: reads and writes whole slots (0 = A, 1 = B). */
struct cfg__backend {
	enum pdb_rc (*read)(struct cfg_store *s, int slot, struct cfg__slot_read *out,
	                    struct pdb_err *err);
	enum pdb_rc (*write)(struct cfg_store *s, int slot, const uint8_t *rec, size_t len,
	                     struct pdb_err *err);
	void (*where)(const struct cfg_store *s, int slot, char *out, size_t len);
	bool exact; /* records fill the slot exactly (files), or are padded (flash) */
};

struct cfg_store {
	const struct cfg__backend *be;
	const struct cfg__io *io;
	char path[PDB_CFG_PATH_MAX + 1];
	int fd; /* MTD: the open device, -1 until first use */
	struct cfg__mtd_info mtd;
	uint32_t slot_size; /* MTD: bytes per slot, erase-block aligned */
};

extern const struct cfg__backend cfg__file_backend;
extern const struct cfg__backend cfg__mtd_backend;

/** cfg__io_fail: an error for a failed system call on @what, errno mapped to PDB_E_DENIED or
 * PDB_E_IO. */
enum pdb_rc cfg__io_fail(struct pdb_err *err, int err_no, const char *op, const char *what);

#endif /* PDBRIDGE_CFG_INT_H */
