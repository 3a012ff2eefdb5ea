/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cfg_store.c - the A/B record store: the record format, choosing the slot
 * to load and the slot to write, and the promise that a power cut at any
 * instant leaves the complete old or the complete new config.
 *
 * Record (little-endian, 32-byte header, then the payload):
 *
 *   0 magic "PDCF"   4 header length (32)   6 schema   8 sequence
 *  12 payload length  16 flags (0)  20 payload CRC32  24 reserved (0)
 *  28 header CRC32 over bytes 0..27
 *
 * Load: read both slots, keep those whose magic, header CRC, fields,
 * length and payload CRC check out, take the newer sequence number (serial
 * arithmetic, so the counter may wrap), and fall back to the other valid
 * slot if the newer one's entries do not parse. Save: write the slot that
 * does not hold the newest record, with sequence + 1; the newest record is
 * never touched, so an interrupted save leaves it in place. Nothing is
 * written when the newest record already holds the same payload (flash
 * wears; Tasmota saves only when the CRC changed). When a secret changed,
 * or no valid record existed, the other slot is written too, so the old
 * secret survives in neither and a fresh store starts with two copies.
 * After each write the slot is read back and checked.
 */
#include "cfg_int.h"

#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* --- CRC-32 and the record ------------------------------------------------------ */

uint32_t cfg__crc32(uint32_t crc, const void *p, size_t n)
{
	const uint8_t *b = p;
	int k;

	crc = ~crc;
	while (n--) {
		crc ^= *b++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

bool cfg__seq_newer(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(a - b) < 0x80000000u;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

enum pdb_rc cfg__rec_encode(uint16_t schema, uint32_t seq, const char *payload, size_t len,
                            struct buf *out)
{
	uint8_t h[CFG_REC_HDR] = {0};
	enum pdb_rc rc;

	buf_reset(out);
	if (len > PDB_CFG_PAYLOAD_MAX)
		return PDB_E_TOO_LARGE;
	put32(h, CFG_REC_MAGIC);
	put16(h + 4, CFG_REC_HDR);
	put16(h + 6, schema);
	put32(h + 8, seq);
	put32(h + 12, (uint32_t)len);
	put32(h + 16, 0);
	put32(h + 20, cfg__crc32(0, payload, len));
	put32(h + 28, cfg__crc32(0, h, 28));
	rc = buf_add(out, h, sizeof(h));
	return rc ? rc : buf_add(out, payload, len);
}

enum cfg_slot_state cfg__rec_decode(const uint8_t *p, size_t len, bool exact, struct cfg__hdr *h,
                                    const uint8_t **payload)
{
	size_t i;

	/*
	 * Only flash is ever empty with bytes in it, and only when the whole slot
	 * is erased: a header that merely reads 0xff (a torn erase, a damaged
	 * sector) is damage, or a load could report "nothing stored" for a slot
	 * whose payload is still there. A file is empty only when it is absent.
	 */
	if (!exact) {
		for (i = 0; i < len && p[i] == 0xff; i++)
			;
		if (i == len)
			return CFG_SLOT_EMPTY;
	}
	if (len < CFG_REC_HDR)
		return CFG_SLOT_TRUNCATED;
	if (get32(p) != CFG_REC_MAGIC)
		return CFG_SLOT_BAD_HEADER;
	if (get32(p + 28) != cfg__crc32(0, p, 28) || get16(p + 4) != CFG_REC_HDR || !get16(p + 6) ||
	    get32(p + 16) || get32(p + 24) || get32(p + 12) > PDB_CFG_PAYLOAD_MAX)
		return CFG_SLOT_BAD_HEADER;
	h->schema = get16(p + 6);
	h->seq = get32(p + 8);
	h->payload_len = get32(p + 12);
	h->flags = 0;
	if (len < CFG_REC_HDR + h->payload_len || (exact && len != CFG_REC_HDR + h->payload_len))
		return CFG_SLOT_TRUNCATED;
	if (cfg__crc32(0, p + CFG_REC_HDR, h->payload_len) != get32(p + 20))
		return CFG_SLOT_BAD_PAYLOAD;
	*payload = p + CFG_REC_HDR;
	return CFG_SLOT_VALID;
}

const char *cfg_slot_state_name(enum cfg_slot_state st)
{
	switch (st) {
	case CFG_SLOT_EMPTY:
		return "empty";
	case CFG_SLOT_VALID:
		return "valid";
	case CFG_SLOT_BAD_HEADER:
		return "corrupt header";
	case CFG_SLOT_TRUNCATED:
		return "wrong length";
	case CFG_SLOT_BAD_PAYLOAD:
		return "corrupt payload";
	case CFG_SLOT_UNREADABLE:
		return "unreadable";
	}
	return "?";
}

/* --- opening -------------------------------------------------------------------- */

enum pdb_rc cfg__io_fail(struct pdb_err *err, int err_no, const char *op, const char *what)
{
	return pdb_err_set(err, err_no == EACCES || err_no == EPERM ? PDB_E_DENIED : PDB_E_IO,
	                   "cannot %s %s: %s", op, what, strerror(err_no));
}

enum pdb_rc cfg__store_open_io(const char *path, enum cfg__backend_kind kind,
                               const struct cfg__io *io, struct cfg_store **out,
                               struct pdb_err *err)
{
	struct cfg_store *s;

	*out = NULL;
	if (!path || !path[0] || strlen(path) > PDB_CFG_PATH_MAX)
		return pdb_err_set(err, PDB_E_INVAL, "the config path must be 1 to %d bytes",
		                   PDB_CFG_PATH_MAX);
	s = mem_calloc(1, sizeof(*s));
	if (!s)
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory");
	s->be = kind == CFG_BACKEND_MTD ? &cfg__mtd_backend : &cfg__file_backend;
	s->io = io;
	s->fd = -1;
	memcpy(s->path, path, strlen(path) + 1);
	*out = s;
	return PDB_OK;
}

enum pdb_rc cfg_store_open(const char *spec, struct cfg_store **out, struct pdb_err *err)
{
	if (spec && !strncmp(spec, "mtd:", 4))
		return cfg__store_open_io(spec + 4, CFG_BACKEND_MTD, cfg__io_real(), out, err);
	if (spec && !strncmp(spec, "/dev/mtd", 8))
		return cfg__store_open_io(spec, CFG_BACKEND_MTD, cfg__io_real(), out, err);
	return cfg__store_open_io(spec, CFG_BACKEND_FILE, cfg__io_real(), out, err);
}

void cfg_store_close(struct cfg_store *s)
{
	if (s && s->fd >= 0)
		s->io->close(s->io->ud, s->fd);
	mem_free(s);
}

const char *cfg_store_where(const struct cfg_store *s)
{
	return s->path;
}

/* --- scanning both slots ------------------------------------------------------------ */

struct scan {
	struct cfg__slot_read raw[2];
	enum cfg_slot_state st[2];
	struct cfg__hdr h[2];
	const uint8_t *payload[2];
	int newest; /* -1: no valid slot */
};

static void scan_free(struct scan *sc)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (sc->raw[i].bytes)
			cfg_wipe(sc->raw[i].bytes, sc->raw[i].len);
		mem_free(sc->raw[i].bytes);
	}
	memset(sc, 0, sizeof(*sc));
}

static void pick_newest(struct scan *sc)
{
	sc->newest = -1;
	if (sc->st[0] == CFG_SLOT_VALID)
		sc->newest = 0;
	if (sc->st[1] == CFG_SLOT_VALID &&
	    (sc->newest < 0 || cfg__seq_newer(sc->h[1].seq, sc->h[0].seq)))
		sc->newest = 1;
}

/* Read and check both slots. Fails only for allocation or a refused read (permissions). */
static enum pdb_rc scan(struct cfg_store *s, struct scan *sc, struct pdb_err *err)
{
	enum pdb_rc rc;
	int i;

	memset(sc, 0, sizeof(*sc));
	for (i = 0; i < 2; i++) {
		rc = s->be->read(s, i, &sc->raw[i], err);
		if (rc) {
			scan_free(sc);
			return rc;
		}
		sc->st[i] = sc->raw[i].state;
		if (sc->st[i] == CFG_SLOT_VALID)
			sc->st[i] = cfg__rec_decode(sc->raw[i].bytes, sc->raw[i].len, s->be->exact,
			                            &sc->h[i], &sc->payload[i]);
	}
	pick_newest(sc);
	return PDB_OK;
}

/* The error for a store with no valid slot, or PDB_OK when both are simply empty. */
static enum pdb_rc no_valid(struct cfg_store *s, const struct scan *sc, struct pdb_err *err)
{
	char w[2][PDB_CFG_PATH_MAX + 16];
	int i;

	for (i = 0; i < 2; i++)
		if (sc->st[i] == CFG_SLOT_UNREADABLE) {
			s->be->where(s, i, w[i], sizeof(w[i]));
			return cfg__io_fail(err, sc->raw[i].err_no, "read", w[i]);
		}
	if (sc->st[0] == CFG_SLOT_EMPTY && sc->st[1] == CFG_SLOT_EMPTY)
		return PDB_OK;
	return pdb_err_set(
	    err, PDB_E_CORRUPT,
	    "no valid config in %s: slot a %s, slot b %s (see pdbridge config verify)", s->path,
	    cfg_slot_state_name(sc->st[0]), cfg_slot_state_name(sc->st[1]));
}

enum pdb_rc cfg_store_load(struct cfg_store *s, struct cfg_doc *d, struct pdb_err *err)
{
	struct pdb_err why;
	struct scan sc;
	enum pdb_rc rc;
	int i;

	cfg_doc_free(d);
	rc = scan(s, &sc, err);
	if (rc)
		return rc;
	for (i = 0; i < 2 && sc.newest >= 0; i++) {
		int slot = sc.newest;

		rc = cfg__payload_decode(sc.payload[slot], sc.h[slot].payload_len,
		                         sc.h[slot].schema, d, &why);
		if (rc == PDB_E_NOMEM) {
			scan_free(&sc);
			return pdb_err_set(err, rc, "out of memory");
		}
		if (!rc)
			break;
		LOG_WARN(CFG_MOD, "slot %c of %s: %s", 'a' + slot, s->path, pdb_err_text(&why));
		sc.st[slot] = CFG_SLOT_BAD_PAYLOAD;
		pick_newest(&sc);
	}
	rc = sc.newest >= 0 ? PDB_OK : no_valid(s, &sc, err);
	scan_free(&sc);
	return rc;
}

/* Write @rec into @slot, then read it back: the bytes must be there and decode to @seq. */
static enum pdb_rc write_slot(struct cfg_store *s, int slot, const struct buf *rec, uint32_t seq,
                              struct pdb_err *err)
{
	struct cfg__slot_read back = {0};
	const uint8_t *payload;
	char where[PDB_CFG_PATH_MAX + 16];
	struct cfg__hdr h;
	enum pdb_rc rc;

	rc = s->be->write(s, slot, (const uint8_t *)buf_cstr(rec), buf_len(rec), err);
	if (!rc)
		rc = s->be->read(s, slot, &back, err);
	if (!rc &&
	    (back.state != CFG_SLOT_VALID || back.len < buf_len(rec) ||
	     memcmp(back.bytes, buf_cstr(rec), buf_len(rec)) ||
	     cfg__rec_decode(back.bytes, back.len, s->be->exact, &h, &payload) != CFG_SLOT_VALID ||
	     h.seq != seq)) {
		s->be->where(s, slot, where, sizeof(where));
		rc = pdb_err_set(err, PDB_E_IO, "%s does not read back what was written", where);
	}
	mem_free(back.bytes);
	return rc;
}

/* Payloads hold secrets (plain ones when sealing is off): wipe before freeing. */
static void wipe_free(struct buf *b)
{
	if (b->data)
		cfg_wipe(b->data, b->alloc);
	buf_free(b);
}

enum pdb_rc cfg_store_save(struct cfg_store *s, const struct cfg_doc *d, bool *written,
                           struct pdb_err *err)
{
	struct buf payload, rec;
	struct scan sc = {0};
	uint32_t seq = 1;
	int target = 0;
	enum pdb_rc rc;
	bool both;

	*written = false;
	if (d->schema > CFG_SCHEMA)
		return pdb_err_set(err, PDB_E_UNSUPPORTED,
		                   "the stored config was written by a newer pdbridge (schema %u): "
		                   "not overwriting it",
		                   d->schema);
	buf_init(&payload, PDB_CFG_PAYLOAD_MAX);
	buf_init(&rec, PDB_CFG_RECORD_MAX);
	rc = cfg__payload_encode(d, &payload);
	if (rc == PDB_E_TOO_LARGE)
		pdb_err_set(err, rc, "the config is over %u bytes stored", PDB_CFG_PAYLOAD_MAX);
	else if (rc)
		pdb_err_set(err, rc, "out of memory");
	if (rc)
		goto out;
	rc = scan(s, &sc, err);
	if (rc)
		goto out;
	if (sc.newest >= 0) {
		if (sc.h[sc.newest].schema == CFG_SCHEMA &&
		    sc.h[sc.newest].payload_len == buf_len(&payload) &&
		    !memcmp(sc.payload[sc.newest], buf_cstr(&payload), buf_len(&payload)))
			goto out; /* unchanged: flash is not touched */
		target = 1 - sc.newest;
		seq = sc.h[sc.newest].seq + 1;
	}
	both = d->secret_changed || sc.newest < 0;
	rc = cfg__rec_encode(CFG_SCHEMA, seq, buf_cstr(&payload), buf_len(&payload), &rec);
	if (!rc)
		rc = write_slot(s, target, &rec, seq, err);
	if (!rc && both) {
		/* The second copy is newer still, so a cut between the two leaves the first. */
		rc = cfg__rec_encode(CFG_SCHEMA, seq + 1, buf_cstr(&payload), buf_len(&payload),
		                     &rec);
		if (!rc)
			rc = write_slot(s, 1 - target, &rec, seq + 1, err);
	}
	if (rc == PDB_E_NOMEM || rc == PDB_E_TOO_LARGE)
		pdb_err_set(err, rc, "cannot build the record");
	*written = !rc;
out:
	scan_free(&sc);
	wipe_free(&rec);
	wipe_free(&payload);
	return rc;
}

enum pdb_rc cfg_store_verify(struct cfg_store *s, struct cfg_slot_info out[2], struct pdb_err *err)
{
	struct cfg_doc d;
	struct pdb_err why;
	struct scan sc;
	enum pdb_rc rc;
	int i;

	rc = scan(s, &sc, err);
	if (rc)
		return rc;
	for (i = 0; i < 2; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		s->be->where(s, i, out[i].where, sizeof(out[i].where));
		if (sc.st[i] == CFG_SLOT_VALID) {
			rc = cfg__payload_decode(sc.payload[i], sc.h[i].payload_len, sc.h[i].schema,
			                         &d, &why);
			cfg_doc_free(&d);
			if (rc == PDB_E_NOMEM) {
				scan_free(&sc);
				return pdb_err_set(err, rc, "out of memory");
			}
			if (rc)
				sc.st[i] = CFG_SLOT_BAD_PAYLOAD;
		}
		out[i].state = sc.st[i];
		if (sc.st[i] == CFG_SLOT_VALID) {
			out[i].seq = sc.h[i].seq;
			out[i].schema = sc.h[i].schema;
			out[i].length = sc.h[i].payload_len;
		}
	}
	pick_newest(&sc);
	if (sc.newest >= 0)
		out[sc.newest].newest = true;
	rc = sc.newest >= 0 ? PDB_OK : no_valid(s, &sc, err);
	scan_free(&sc);
	return rc;
}
