/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cfg_mtd.c - the raw MTD backend: a NOR flash partition (/dev/mtdN) holds
 * slot A in its first erase-block-aligned region and slot B in the next.
 *
 * Flash can only turn 1 bits into 0 bits; only an erase (a whole erase
 * block, back to 0xFF) turns them back. So a slot is erased whole, then the
 * record is written padded with 0xFF to the write unit, then read back and
 * compared (U-Boot's redundant environment and libubootenv work the same
 * way). A cut during the erase or the write leaves that slot empty or
 * failing its CRC; the other slot, holding the newest record, is not
 * touched. Each slot is PDB_CFG_RECORD_MAX rounded up to whole erase
 * blocks, so one slot's erase can never reach into the other.
 *
 * Raw NAND is refused: it needs bad-block handling and ECC that UBI
 * provides; on NAND boards keep the file backend on a UBIFS volume.
 */
#include "cfg_int.h"

#include <pdbridge/mem.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

static void mtd_where(const struct cfg_store *s, int slot, char *out, size_t len)
{
	snprintf(out, len, "%s @ 0x%x", s->path, (unsigned)slot * s->slot_size);
}

/* Open the device and check its geometry once; the fd is kept until cfg_store_close(). */
static enum pdb_rc mtd_open(struct cfg_store *s, struct pdb_err *err)
{
	const struct cfg__io *io = s->io;
	struct cfg__mtd_info *m = &s->mtd;

	if (s->fd >= 0)
		return PDB_OK;
	s->fd = io->open(io->ud, s->path, O_RDWR | O_CLOEXEC, 0);
	if (s->fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS))
		s->fd = io->open(io->ud, s->path, O_RDONLY | O_CLOEXEC, 0); /* loading only */
	if (s->fd < 0)
		return cfg__io_fail(err, errno, "open", s->path);
	if (io->mtd_info(io->ud, s->fd, m))
		return cfg__io_fail(err, errno, "read the MTD geometry of", s->path);
	if (m->nand)
		return pdb_err_set(err, PDB_E_UNSUPPORTED,
		                   "%s is raw NAND: keep the config in a file on UBIFS instead",
		                   s->path);
	if (!m->erasesize || m->erasesize > PDB_CFG_MTD_ERASE_MAX || !m->writesize ||
	    m->writesize > PDB_CFG_MTD_WRITE_MAX || m->erasesize % m->writesize)
		return pdb_err_set(err, PDB_E_UNSUPPORTED,
		                   "%s: erase block %u / write unit %u not supported", s->path,
		                   m->erasesize, m->writesize);
	s->slot_size = (PDB_CFG_RECORD_MAX + m->erasesize - 1) / m->erasesize * m->erasesize;
	if (m->size / 2 < s->slot_size)
		return pdb_err_set(err, PDB_E_TOO_LARGE, "%s holds %u bytes; two slots need %u",
		                   s->path, m->size, 2 * s->slot_size);
	return PDB_OK;
}

static enum pdb_rc read_at(struct cfg_store *s, uint8_t *p, size_t len, off_t off)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = s->io->pread(s->io->ud, s->fd, p + got, len - got, off + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = EIO;
			return PDB_E_IO;
		}
		got += (size_t)n;
	}
	return PDB_OK;
}

static enum pdb_rc mtd_read(struct cfg_store *s, int slot, struct cfg__slot_read *out,
                            struct pdb_err *err)
{
	enum pdb_rc rc = mtd_open(s, err);

	memset(out, 0, sizeof(*out));
	if (rc)
		return rc;
	out->bytes = mem_malloc(PDB_CFG_RECORD_MAX);
	if (!out->bytes)
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory");
	/* An uncorrectable read error is a bad slot, not a failed load: the other may be fine. */
	if (read_at(s, out->bytes, PDB_CFG_RECORD_MAX, (off_t)slot * (off_t)s->slot_size)) {
		out->err_no = errno;
		out->state = CFG_SLOT_UNREADABLE;
		mem_free(out->bytes);
		out->bytes = NULL;
		return PDB_OK;
	}
	out->len = PDB_CFG_RECORD_MAX;
	out->state = CFG_SLOT_VALID;
	return PDB_OK;
}

static enum pdb_rc mtd_write(struct cfg_store *s, int slot, const uint8_t *rec, size_t len,
                             struct pdb_err *err)
{
	const struct cfg__io *io = s->io;
	char where[PDB_CFG_PATH_MAX + 16];
	off_t off = (off_t)slot * (off_t)s->slot_size;
	size_t padded, done = 0;
	uint8_t *page;
	ssize_t n;
	enum pdb_rc rc = mtd_open(s, err);

	if (rc)
		return rc;
	mtd_where(s, slot, where, sizeof(where));
	padded = (len + s->mtd.writesize - 1) / s->mtd.writesize * s->mtd.writesize;
	page = mem_malloc(padded);
	if (!page)
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory");
	memcpy(page, rec, len);
	memset(page + len, 0xff, padded - len);
	/* Erase first: a write can only clear bits. */
	if (io->mtd_erase(io->ud, s->fd, (uint32_t)off, s->slot_size)) {
		rc = cfg__io_fail(err, errno, "erase", where);
		goto out;
	}
	while (done < padded) {
		n = io->pwrite(io->ud, s->fd, page + done, padded - done, off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = cfg__io_fail(err, n ? errno : EIO, "write", where);
			goto out;
		}
		done += (size_t)n;
	}
out:
	cfg_wipe(page, padded);
	mem_free(page);
	return rc;
}

const struct cfg__backend cfg__mtd_backend = {
    .read = mtd_read,
    .write = mtd_write,
    .where = mtd_where,
    .exact = false,
};
