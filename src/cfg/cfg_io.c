/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cfg_io.c - the real system calls behind the store backends.
 *
 * The backends never call these directly but through struct cfg__io, so the
 * power-loss tests can stand a modelled file system or flash chip in their
 * place; this table is what a real board runs.
 */
#include "cfg_int.h"

#include <errno.h>
#include <fcntl.h>
#include <mtd/mtd-user.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int r_open(void *ud, const char *path, int flags, mode_t mode)
{
	(void)ud;
	return open(path, flags, mode);
}

static int r_close(void *ud, int fd)
{
	(void)ud;
	return close(fd);
}

static ssize_t r_pread(void *ud, int fd, void *p, size_t n, off_t off)
{
	(void)ud;
	return pread(fd, p, n, off);
}

static ssize_t r_pwrite(void *ud, int fd, const void *p, size_t n, off_t off)
{
	(void)ud;
	return pwrite(fd, p, n, off);
}

static int r_fsync(void *ud, int fd)
{
	(void)ud;
	return fsync(fd);
}

static int r_fstat(void *ud, int fd, struct stat *st)
{
	(void)ud;
	return fstat(fd, st);
}

static int r_rename(void *ud, const char *from, const char *to)
{
	(void)ud;
	return rename(from, to);
}

static int r_unlink(void *ud, const char *path)
{
	(void)ud;
	return unlink(path);
}

static int r_mkdir(void *ud, const char *path, mode_t mode)
{
	(void)ud;
	return mkdir(path, mode);
}

static int r_syncdir(void *ud, const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc, e;

	(void)ud;
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

/*
 * Root editing a store that belongs to a service user (`sudo pdbridge config
 * set ...` against /var/lib/pdbridge, owned by pdbridge) must leave files that
 * user can read: each new slot takes the owner of the directory it lands in.
 * Anyone else can only write where they own the files already.
 */
static int r_adopt(void *ud, int fd, const char *dir)
{
	struct stat st;

	(void)ud;
	if (geteuid() != 0)
		return 0;
	if (stat(dir, &st))
		return -1;
	return fchown(fd, st.st_uid, st.st_gid);
}

static int r_mtd_info(void *ud, int fd, struct cfg__mtd_info *info)
{
	struct mtd_info_user mi;

	(void)ud;
	if (ioctl(fd, MEMGETINFO, &mi))
		return -1;
	info->size = mi.size;
	info->erasesize = mi.erasesize;
	info->writesize = mi.writesize;
	info->nand = mi.type == MTD_NANDFLASH || mi.type == MTD_MLCNANDFLASH;
	return 0;
}

static int r_mtd_erase(void *ud, int fd, uint32_t off, uint32_t len)
{
	struct erase_info_user ei = {.start = off, .length = len};

	(void)ud;
	return ioctl(fd, MEMERASE, &ei);
}

static const struct cfg__io real = {
    .open = r_open,
    .close = r_close,
    .pread = r_pread,
    .pwrite = r_pwrite,
    .fsync = r_fsync,
    .fstat = r_fstat,
    .rename = r_rename,
    .unlink = r_unlink,
    .mkdir = r_mkdir,
    .syncdir = r_syncdir,
    .adopt = r_adopt,
    .mtd_info = r_mtd_info,
    .mtd_erase = r_mtd_erase,
    .ud = NULL,
};

const struct cfg__io *cfg__io_real(void)
{
	return &real;
}
