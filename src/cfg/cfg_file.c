/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cfg_file.c - the file backend: slot A is <path>.a, slot B is <path>.b.
 *
 * Each slot is its own file, replaced whole the way a file system can make
 * durable: create <slot>.tmp (mode 0600, O_EXCL, in the same directory so
 * the rename cannot cross file systems), write it all, fsync it, close it,
 * rename it over the slot, then fsync the directory, without which the
 * rename itself may not survive a power cut (OpenWrt's UCI misses this
 * step). Two files rather than two regions of one: a region can only be
 * rewritten in place, which no file system makes atomic, and rewriting one
 * file holding both slots would put both at risk in every save. With two
 * files the slot not being written is never opened for writing at all.
 *
 * A stale <slot>.tmp left by a cut is removed before the next write. A slot
 * file readable by group or others still loads, with a warning: it holds
 * secrets. Whenever a slot is written it is a new 0600 file, owned by the
 * owner of the directory when root writes it: the store has one owner, the
 * service that reads it, whoever edits it (docs/packaging.md).
 */
#include "cfg_int.h"

#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#define NAME_MAX_LEN (PDB_CFG_PATH_MAX + 8) /* path + ".a.tmp" */

static void slot_name(const struct cfg_store *s, int slot, const char *suffix, char *out,
                      size_t len)
{
	snprintf(out, len, "%s.%c%s", s->path, 'a' + slot, suffix);
}

static void file_where(const struct cfg_store *s, int slot, char *out, size_t len)
{
	slot_name(s, slot, "", out, len);
}

/* The directory holding the slots ("." for a bare name). */
static void dir_of(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(out, len, ".");
	else if (slash == path)
		snprintf(out, len, "/");
	else
		snprintf(out, len, "%.*s", (int)(slash - path), path);
}

static enum pdb_rc file_read(struct cfg_store *s, int slot, struct cfg__slot_read *out,
                             struct pdb_err *err)
{
	const struct cfg__io *io = s->io;
	char name[NAME_MAX_LEN];
	struct stat st;
	size_t want, got = 0;
	ssize_t n;
	int fd;

	memset(out, 0, sizeof(*out));
	slot_name(s, slot, "", name, sizeof(name));
	fd = io->open(io->ud, name, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) {
		if (errno == ENOENT)
			return PDB_OK; /* CFG_SLOT_EMPTY */
		if (errno == EACCES || errno == EPERM)
			return cfg__io_fail(err, errno, "open", name);
		out->state = CFG_SLOT_UNREADABLE;
		out->err_no = errno;
		return PDB_OK;
	}
	if (io->fstat(io->ud, fd, &st)) {
		out->err_no = errno;
		goto unreadable;
	}
	if (st.st_mode & 077)
		LOG_WARN(CFG_MOD, "%s is readable by others: it holds secrets (chmod 600 it)",
		         name);
	/* One byte more than a record may have: a longer file is then seen as too long. */
	want =
	    (size_t)st.st_size > PDB_CFG_RECORD_MAX ? PDB_CFG_RECORD_MAX + 1 : (size_t)st.st_size;
	out->bytes = mem_malloc(want ? want : 1);
	if (!out->bytes) {
		io->close(io->ud, fd);
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory");
	}
	while (got < want) {
		n = io->pread(io->ud, fd, out->bytes + got, want - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			out->err_no = errno;
			goto unreadable;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	io->close(io->ud, fd);
	out->len = got;
	out->state = got ? CFG_SLOT_VALID : CFG_SLOT_TRUNCATED;
	return PDB_OK;
unreadable:
	io->close(io->ud, fd);
	mem_free(out->bytes);
	out->bytes = NULL;
	out->state = CFG_SLOT_UNREADABLE;
	return PDB_OK;
}

static enum pdb_rc write_all(const struct cfg__io *io, int fd, const uint8_t *p, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = io->pwrite(io->ud, fd, p + done, len - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = EIO;
			return PDB_E_IO;
		}
		done += (size_t)n; /* a short write is not an error: write the rest */
	}
	return PDB_OK;
}

static enum pdb_rc file_write(struct cfg_store *s, int slot, const uint8_t *rec, size_t len,
                              struct pdb_err *err)
{
	const struct cfg__io *io = s->io;
	char name[NAME_MAX_LEN], tmp[NAME_MAX_LEN], dir[NAME_MAX_LEN];
	int fd;

	slot_name(s, slot, "", name, sizeof(name));
	slot_name(s, slot, ".tmp", tmp, sizeof(tmp));
	dir_of(s->path, dir, sizeof(dir));
	/* The config directory is private: secrets live in it. Only the last level is made. */
	if (io->mkdir(io->ud, dir, 0700) && errno != EEXIST)
		return cfg__io_fail(err, errno, "create", dir);
	if (io->unlink(io->ud, tmp) && errno != ENOENT)
		return cfg__io_fail(err, errno, "remove", tmp);
	fd = io->open(io->ud, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return cfg__io_fail(err, errno, "create", tmp);
	if (io->adopt(io->ud, fd, dir)) {
		io->close(io->ud, fd);
		return cfg__io_fail(err, errno, "chown", tmp);
	}
	if (write_all(io, fd, rec, len)) {
		io->close(io->ud, fd);
		return cfg__io_fail(err, errno, "write", tmp);
	}
	/* The data must be on the medium before the name points at it. */
	if (io->fsync(io->ud, fd)) {
		io->close(io->ud, fd);
		return cfg__io_fail(err, errno, "fsync", tmp);
	}
	if (io->close(io->ud, fd))
		return cfg__io_fail(err, errno, "close", tmp);
	if (io->rename(io->ud, tmp, name))
		return cfg__io_fail(err, errno, "rename", tmp);
	/* rename() is atomic but not durable until the directory is synced. */
	if (io->syncdir(io->ud, dir))
		return cfg__io_fail(err, errno, "fsync", dir);
	return PDB_OK;
}

const struct cfg__backend cfg__file_backend = {
    .read = file_read,
    .write = file_write,
    .where = file_where,
    .exact = true,
};
