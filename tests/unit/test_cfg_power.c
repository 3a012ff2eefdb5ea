/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_cfg_power.c - the power-loss harness: the store is cut off at every
 * step of a save, on both backends, and whatever the medium kept must load
 * as the complete old config or the complete new one - never a mix, never
 * nothing while a valid slot exists, and a clear "corrupt" only when no slot
 * survived.
 *
 * File backend: the store's system calls run against a modelled file system
 * that keeps, for every inode and for the directory, what has been written
 * and what has been made durable (fsync of the file, fsync of the
 * directory). A cut at step N stops the writer there (a write in flight
 * lands partly), then the "reboot" sees one of five outcomes of what the
 * medium had not been told to keep: only what was synced; everything; new
 * names with old data (the classic zero-length file after rename); old names
 * with new data; and torn, a chunk-by-chunk mix of new and old data.
 * A correct writer loads old or new under all five; a writer that skipped
 * an fsync fails under one of them.
 *
 * MTD backend: a file-backed fake flash chip that erases to 0xFF and refuses
 * any write to a byte that is not erased; a cut tears the erase or the write
 * in flight.
 *
 * On top: error returns (EIO) at every step without a cut, short writes,
 * and damage injected into either slot or both after the fact (bit flips,
 * torn chunks, truncation). Every injected fault is counted; the suite
 * requires at least 1,000 and prints how many ran.
 */
#include "harness.h"

#include "../../src/cfg/cfg_int.h"

#include <pdbridge/cfg.h>
#include <pdbridge/mem.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MIN_FAULTS 1000

static unsigned long faults;  /* injected faults, all cases together */
static uint32_t rng = 12345u; /* deterministic: a failure reproduces */

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* --- a modelled file system ------------------------------------------------------ */

#define INODES   24
#define NAMES    8
#define DATA_MAX 2048
#define FDS      8
#define FD_BASE  100

struct inode {
	uint8_t cur[DATA_MAX]; /* what a read sees now */
	size_t cur_len;
	uint8_t dur[DATA_MAX]; /* what fsync made durable */
	size_t dur_len;
};

struct name {
	char s[160];
	int ino; /* -1: free */
};

struct fault_plan {
	int crash_at;         /* the step that loses power (0: none) */
	int fail_at;          /* the step that returns EIO and carries on (0: none) */
	size_t tear;          /* bytes of an interrupted write (or erase) that land */
	unsigned short_every; /* every Nth write is cut short (0: none) */
};

/* Where a writer is in its plan: the steps taken, and whether the power is gone. */
struct faults {
	struct fault_plan plan;
	int step;
	bool dead;
	unsigned writes;
};

struct fs {
	struct inode in[INODES];
	int n_in;
	struct name cur[NAMES], dur[NAMES]; /* the directory now, and as synced */
	int fd[FDS];                        /* fd -> inode, -1 closed */
	struct faults f;
};

static struct fs fs_now;

static struct name *name_find(struct name *t, const char *path)
{
	int i;

	for (i = 0; i < NAMES; i++)
		if (t[i].ino >= 0 && !strcmp(t[i].s, path))
			return &t[i];
	return NULL;
}

static void name_set(struct name *t, const char *path, int ino)
{
	struct name *n = name_find(t, path);
	int i;

	for (i = 0; !n && i < NAMES; i++)
		if (t[i].ino < 0)
			n = &t[i];
	if (!n)
		abort(); /* the model is sized for the store's few names */
	snprintf(n->s, sizeof(n->s), "%s", path);
	n->ino = ino;
}

static void fs_reset(struct fs *f)
{
	int i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < NAMES; i++)
		f->cur[i].ino = f->dur[i].ino = -1;
	for (i = 0; i < FDS; i++)
		f->fd[i] = -1;
}

/*
 * One step of the writer. Returns 0 to go on, 1 when the power goes now
 * (the caller applies what lands, then fails), -1 when it must fail (dead
 * already, or an injected error).
 */
static int tick(struct faults *f)
{
	if (f->dead) {
		errno = EIO;
		return -1;
	}
	f->step++;
	if (f->step == f->plan.crash_at) {
		f->dead = true;
		errno = EIO;
		return 1;
	}
	if (f->step == f->plan.fail_at) {
		errno = EIO;
		return -1;
	}
	return 0;
}

static int m_open(void *ud, const char *path, int flags, mode_t mode)
{
	struct fs *f = ud;
	struct name *n = name_find(f->cur, path);
	int i, t;

	(void)mode;
	if (flags & O_CREAT) {
		t = tick(&f->f);
		if (t)
			return -1;
		if (n && (flags & O_EXCL)) {
			errno = EEXIST;
			return -1;
		}
		if (!n) {
			if (f->n_in == INODES) {
				errno = ENOSPC;
				return -1;
			}
			memset(&f->in[f->n_in], 0, sizeof(f->in[0]));
			name_set(f->cur, path, f->n_in++);
			n = name_find(f->cur, path);
		}
	} else if (f->f.dead) {
		errno = EIO;
		return -1;
	} else if (!n) {
		errno = ENOENT;
		return -1;
	}
	for (i = 0; i < FDS; i++)
		if (f->fd[i] < 0) {
			f->fd[i] = n->ino;
			return FD_BASE + i;
		}
	errno = EMFILE;
	return -1;
}

static struct inode *inode_of(struct fs *f, int fd)
{
	return &f->in[f->fd[fd - FD_BASE]];
}

static int m_close(void *ud, int fd)
{
	struct fs *f = ud;

	f->fd[fd - FD_BASE] = -1;
	return 0;
}

static ssize_t m_pread(void *ud, int fd, void *p, size_t n, off_t off)
{
	struct fs *f = ud;
	struct inode *in = inode_of(f, fd);

	if (f->f.dead) {
		errno = EIO;
		return -1;
	}
	if ((size_t)off >= in->cur_len)
		return 0;
	n = n < in->cur_len - (size_t)off ? n : in->cur_len - (size_t)off;
	memcpy(p, in->cur + off, n);
	return (ssize_t)n;
}

static ssize_t m_pwrite(void *ud, int fd, const void *p, size_t n, off_t off)
{
	struct fs *f = ud;
	struct inode *in = inode_of(f, fd);
	int t = tick(&f->f);
	size_t land = n;

	if (t < 0)
		return -1;
	if (t > 0)
		land = f->f.plan.tear < n ? f->f.plan.tear : n;
	else if (f->f.plan.short_every && ++f->f.writes % f->f.plan.short_every == 0 && n > 1)
		land = 1 + rnd() % (n - 1);
	if ((size_t)off + land > DATA_MAX) {
		errno = EFBIG;
		return -1;
	}
	memcpy(in->cur + off, p, land);
	if ((size_t)off + land > in->cur_len)
		in->cur_len = (size_t)off + land;
	return t > 0 ? -1 : (ssize_t)land;
}

static int m_fsync(void *ud, int fd)
{
	struct fs *f = ud;
	struct inode *in = inode_of(f, fd);

	if (tick(&f->f))
		return -1;
	memcpy(in->dur, in->cur, in->cur_len);
	in->dur_len = in->cur_len;
	return 0;
}

static int m_fstat(void *ud, int fd, struct stat *st)
{
	struct fs *f = ud;

	memset(st, 0, sizeof(*st));
	st->st_size = (off_t)inode_of(f, fd)->cur_len;
	st->st_mode = S_IFREG | 0600;
	return 0;
}

static int m_rename(void *ud, const char *from, const char *to)
{
	struct fs *f = ud;
	struct name *n;

	if (tick(&f->f))
		return -1;
	n = name_find(f->cur, from);
	if (!n) {
		errno = ENOENT;
		return -1;
	}
	name_set(f->cur, to, n->ino);
	n = name_find(f->cur, from);
	n->ino = -1;
	return 0;
}

static int m_unlink(void *ud, const char *path)
{
	struct fs *f = ud;
	struct name *n;

	if (tick(&f->f))
		return -1;
	n = name_find(f->cur, path);
	if (!n) {
		errno = ENOENT;
		return -1;
	}
	n->ino = -1;
	return 0;
}

static int m_mkdir(void *ud, const char *path, mode_t mode)
{
	(void)ud, (void)path, (void)mode;
	errno = EEXIST;
	return -1;
}

static int m_syncdir(void *ud, const char *dir)
{
	struct fs *f = ud;

	(void)dir;
	if (tick(&f->f))
		return -1;
	memcpy(f->dur, f->cur, sizeof(f->cur));
	return 0;
}

/* The model has one user: a new file already belongs to the directory's owner. */
static int m_adopt(void *ud, int fd, const char *dir)
{
	(void)ud, (void)fd, (void)dir;
	return 0;
}

static const struct cfg__io fs_io = {
    .open = m_open,
    .close = m_close,
    .pread = m_pread,
    .pwrite = m_pwrite,
    .fsync = m_fsync,
    .fstat = m_fstat,
    .rename = m_rename,
    .unlink = m_unlink,
    .mkdir = m_mkdir,
    .syncdir = m_syncdir,
    .adopt = m_adopt,
    .ud = &fs_now,
};

enum cut {
	CUT_SYNCED = 0,    /* only what was synced survives */
	CUT_ALL = 1,       /* everything reached the medium */
	CUT_NEW_NAMES = 2, /* directory updated, data not (zero-length files) */
	CUT_OLD_NAMES = 3, /* data written, directory not */
	CUT_TORN = 4,      /* a chunk-by-chunk mix of new and old data */
	CUTS = 5,
};

/* The reboot: what the medium kept becomes both the current and the durable state. */
static void power_cut(struct fs *f, enum cut how)
{
	bool names_new = how == CUT_ALL || how == CUT_NEW_NAMES || (how == CUT_TORN && rnd() % 2);
	size_t c;
	int i;

	if (names_new)
		memcpy(f->dur, f->cur, sizeof(f->cur));
	else
		memcpy(f->cur, f->dur, sizeof(f->cur));
	for (i = 0; i < f->n_in; i++) {
		struct inode *in = &f->in[i];

		switch (how) {
		case CUT_SYNCED:
		case CUT_NEW_NAMES:
			memcpy(in->cur, in->dur, in->dur_len);
			in->cur_len = in->dur_len;
			break;
		case CUT_ALL:
		case CUT_OLD_NAMES:
			break;
		case CUT_TORN:
			for (c = 0; c < DATA_MAX; c += 64)
				if (rnd() % 2)
					memcpy(in->cur + c, in->dur + c, 64);
			if (rnd() % 2)
				in->cur_len = in->dur_len;
			break;
		case CUTS:
			break;
		}
		memcpy(in->dur, in->cur, in->cur_len);
		in->dur_len = in->cur_len;
	}
	for (i = 0; i < FDS; i++)
		f->fd[i] = -1;
	f->f.dead = false;
	memset(&f->f.plan, 0, sizeof(f->f.plan));
}

/* --- a fake MTD chip over a file ------------------------------------------------- */

#define MTD_ERASE 4096u
#define MTD_WRITE 16u
#define MTD_SIZE  (2u * ((PDB_CFG_RECORD_MAX + MTD_ERASE - 1) / MTD_ERASE * MTD_ERASE) + MTD_ERASE)

struct chip {
	char path[64];
	int fd;
	struct faults f;
	unsigned violations; /* writes to bytes that were not erased */
	uint8_t image[MTD_SIZE];
};

static struct chip chip;

static int c_open(void *ud, const char *path, int flags, mode_t mode)
{
	struct chip *c = ud;

	(void)flags, (void)mode;
	if (strcmp(path, "/dev/mtd-fake")) {
		errno = ENOENT;
		return -1;
	}
	return c->fd;
}

static int c_close(void *ud, int fd)
{
	(void)ud, (void)fd;
	return 0;
}

static ssize_t c_pread(void *ud, int fd, void *p, size_t n, off_t off)
{
	struct chip *c = ud;

	if (c->f.dead) {
		errno = EIO;
		return -1;
	}
	return pread(fd, p, n, off);
}

static ssize_t c_pwrite(void *ud, int fd, const void *p, size_t n, off_t off)
{
	struct chip *c = ud;
	uint8_t old[MTD_ERASE * 8];
	int t = tick(&c->f);
	size_t land = n, i;

	if (t < 0)
		return -1;
	if (n > sizeof(old) || (size_t)off + n > MTD_SIZE || pread(fd, old, n, off) != (ssize_t)n) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i++)
		if (old[i] != 0xff) {
			c->violations++; /* flash cannot do this: erase first */
			errno = EIO;
			return -1;
		}
	if (t > 0)
		land = c->f.plan.tear < n ? c->f.plan.tear : n;
	else if (c->f.plan.short_every && ++c->f.writes % c->f.plan.short_every == 0 && n > 1)
		land = 1 + rnd() % (n - 1);
	if (land && pwrite(fd, p, land, off) != (ssize_t)land)
		return -1;
	return t > 0 ? -1 : (ssize_t)land;
}

static int c_mtd_info(void *ud, int fd, struct cfg__mtd_info *info)
{
	(void)ud, (void)fd;
	info->size = MTD_SIZE;
	info->erasesize = MTD_ERASE;
	info->writesize = MTD_WRITE;
	info->nand = false;
	return 0;
}

static int c_mtd_erase(void *ud, int fd, uint32_t off, uint32_t len)
{
	struct chip *c = ud;
	static uint8_t ff[MTD_SIZE];
	int t = tick(&c->f);

	if (t < 0)
		return -1;
	if (off % MTD_ERASE || len % MTD_ERASE || off + len > MTD_SIZE) {
		errno = EINVAL;
		return -1;
	}
	memset(ff, 0xff, sizeof(ff));
	if (t > 0) /* an interrupted erase leaves part of the block as it was */
		len = (uint32_t)(c->f.plan.tear < len ? c->f.plan.tear : len);
	if (len && pwrite(fd, ff, len, (off_t)off) != (ssize_t)len)
		return -1;
	return t > 0 ? -1 : 0;
}

static int unused_fsync(void *ud, int fd)
{
	(void)ud, (void)fd;
	errno = EINVAL;
	return -1;
}

static const struct cfg__io chip_io = {
    .open = c_open,
    .close = c_close,
    .pread = c_pread,
    .pwrite = c_pwrite,
    .fsync = unused_fsync,
    .mtd_info = c_mtd_info,
    .mtd_erase = c_mtd_erase,
    .ud = &chip,
};

static bool chip_setup(void)
{
	snprintf(chip.path, sizeof(chip.path), "/tmp/pdb-mtd-XXXXXX");
	chip.fd = mkstemp(chip.path);
	memset(chip.image, 0xff, sizeof(chip.image));
	return chip.fd >= 0 && pwrite(chip.fd, chip.image, MTD_SIZE, 0) == MTD_SIZE;
}

static void chip_teardown(void)
{
	close(chip.fd);
	unlink(chip.path);
}

/* --- configs, and what a load may return ---------------------------------------- */

/* Generation @g: region, interval and token all differ between generations. */
static void make_gen(struct cfg_doc *d, int g, bool new_secret)
{
	char v[64];
	bool ch;
	struct pdb_err err;

	cfg_doc_init(d);
	if (g == 0)
		return;
	snprintf(v, sizeof(v), "%d", 10 + g);
	(void)!cfg_doc_set(d, CFG_POLL_INTERVAL, v, NULL, &ch, &err);
	(void)!cfg_doc_set(d, CFG_REGION, g % 2 ? "eu" : "us", NULL, &ch, &err);
	snprintf(v, sizeof(v), "tok-%d", new_secret ? g : 1);
	(void)!cfg_doc_set(d, CFG_TOKEN, v, NULL, &ch, &err);
	snprintf(v, sizeof(v), "mqtt://broker-%d.lan", g);
	(void)!cfg_doc_set(d, CFG_MQTT_URL, v, NULL, &ch, &err);
	d->secret_changed = new_secret;
}

/* The payload of @d, to compare loads with. */
static void payload_of(const struct cfg_doc *d, char *out, size_t *len)
{
	struct buf b;

	buf_init(&b, PDB_CFG_PAYLOAD_MAX);
	*len = 0;
	if (!cfg__payload_encode(d, &b)) {
		*len = buf_len(&b);
		memcpy(out, buf_cstr(&b), *len);
	}
	buf_free(&b);
}

struct expect {
	char old[1024], new[1024];
	size_t old_len, new_len;
	bool had_valid; /* a valid slot existed before the save */
};

/* Does any slot decode as a valid record, reading through @io's store? */
static bool any_valid(struct cfg_store *s)
{
	struct cfg_slot_info slots[2];
	struct pdb_err err;

	return !cfg_store_verify(s, slots, &err) &&
	       (slots[0].state == CFG_SLOT_VALID || slots[1].state == CFG_SLOT_VALID);
}

/*
 * Load and judge. @damaged: slots were damaged after the fact. @committed:
 * the save said it succeeded, so only the new config will do.
 */
static bool judge(struct cfg_store *s, const struct expect *x, bool damaged, bool committed)
{
	char got[1024];
	size_t len;
	struct cfg_doc d;
	struct pdb_err err;
	enum pdb_rc rc;
	bool ok;

	cfg_doc_init(&d);
	rc = cfg_store_load(s, &d, &err);
	if (rc == PDB_E_CORRUPT) {
		/* Allowed only when no slot survived, and something explains that. */
		ok = !any_valid(s) && (damaged || !x->had_valid);
		if (!ok)
			printf("#   corrupt while a slot is valid or nothing was damaged: %s\n",
			       err.msg);
		return ok;
	}
	if (rc) {
		printf("#   load failed: %s\n", err.msg);
		return false;
	}
	payload_of(&d, got, &len);
	cfg_doc_free(&d);
	if (len == x->new_len && !memcmp(got, x->new, len))
		return true;
	if (committed && !damaged) {
		printf("#   a committed save did not load as the new config\n");
		return false;
	}
	if (len == x->old_len && !memcmp(got, x->old, len))
		return true;
	printf("#   loaded neither the old nor the new config (%zu bytes)\n", len);
	return false;
}

/* Which slot holds the newest record now (the other one is written next). */
static int newest_slot(struct cfg_store *s)
{
	struct cfg_slot_info slots[2];
	struct pdb_err err;

	if (cfg_store_verify(s, slots, &err))
		return -1;
	return slots[0].newest ? 0 : slots[1].newest ? 1 : -1;
}

/* --- damage after the fact ----------------------------------------------------------- */

enum damage {
	DMG_BITFLIP = 0,
	DMG_TORN = 1,
	DMG_TRUNCATE = 2,
	DAMAGES = 3,
};

/* Damage the file of slot @slot in the modelled file system. */
static void damage_file(const char *base, int slot, enum damage how)
{
	char path[200];
	struct name *n;
	struct inode *in;
	size_t at;

	snprintf(path, sizeof(path), "%s.%c", base, 'a' + slot);
	n = name_find(fs_now.cur, path);
	if (!n)
		return;
	in = &fs_now.in[n->ino];
	if (!in->cur_len)
		return;
	at = rnd() % in->cur_len;
	switch (how) {
	case DMG_BITFLIP:
		in->cur[at] ^= (uint8_t)(1u << (rnd() % 8));
		break;
	case DMG_TORN:
		at -= at % 64;
		memset(in->cur + at, rnd() % 2 ? 0x00 : 0xff, 64);
		break;
	case DMG_TRUNCATE:
		in->cur_len = at;
		break;
	case DAMAGES:
		break;
	}
	memcpy(in->dur, in->cur, DATA_MAX);
	in->dur_len = in->cur_len;
}

/* Damage slot @slot of the fake chip. */
static void damage_chip(uint32_t slot_size, int slot, enum damage how)
{
	uint8_t b[64];
	off_t at = (off_t)slot * (off_t)slot_size + (off_t)(rnd() % 256);

	if (pread(chip.fd, b, sizeof(b), at) != (ssize_t)sizeof(b))
		return;
	if (how == DMG_BITFLIP)
		b[0] ^= (uint8_t)(1u << (rnd() % 8));
	else
		memset(b, how == DMG_TORN ? 0x00 : 0xff, sizeof(b));
	(void)!pwrite(chip.fd, b, sizeof(b), at);
}

/* --- the file-system trials ------------------------------------------------------------ */

#define BASE "/var/lib/pdbridge/config.bin"

enum start {
	START_EMPTY = 0,     /* nothing stored yet: the first save */
	START_SAME = 1,      /* both slots hold the old config */
	START_DIFFERENT = 2, /* the older slot holds an even older config */
	STARTS = 3,
};

/* Build the starting state in fs_now; fill @x->old. */
static bool fs_start(enum start st, struct expect *x)
{
	struct cfg_store *s = NULL;
	struct cfg_doc d;
	struct pdb_err err;
	bool w, ok = true;

	fs_reset(&fs_now);
	memset(x, 0, sizeof(*x));
	if (cfg__store_open_io(BASE, CFG_BACKEND_FILE, &fs_io, &s, &err))
		return false;
	if (st != START_EMPTY) {
		make_gen(&d, st == START_SAME ? 1 : 0, true);
		ok = !cfg_store_save(s, &d, &w, &err);
		cfg_doc_free(&d);
		if (st == START_DIFFERENT) {
			make_gen(&d, 1, false); /* one slot: an older config stays in the other */
			ok = ok && !cfg_store_save(s, &d, &w, &err);
			cfg_doc_free(&d);
		}
		make_gen(&d, 1, false);
		payload_of(&d, x->old, &x->old_len);
		cfg_doc_free(&d);
		x->had_valid = true;
	}
	power_cut(&fs_now, CUT_SYNCED);
	cfg_store_close(s);
	return ok;
}

/* One save of generation 2 under @plan; returns whether it reported success. */
static bool fs_save(bool secret, const struct fault_plan *plan, struct expect *x)
{
	struct cfg_store *s = NULL;
	struct cfg_doc d;
	struct pdb_err err;
	bool w = false, ok;

	if (cfg__store_open_io(BASE, CFG_BACKEND_FILE, &fs_io, &s, &err))
		return false;
	make_gen(&d, 2, secret);
	payload_of(&d, x->new, &x->new_len);
	fs_now.f = (struct faults){.plan = *plan};
	ok = !cfg_store_save(s, &d, &w, &err);
	cfg_doc_free(&d);
	cfg_store_close(s);
	return ok;
}

/* Steps a clean save takes from @st. */
static int fs_steps(enum start st, bool secret)
{
	struct fault_plan none = {0};
	struct expect x;

	if (!fs_start(st, &x) || !fs_save(secret, &none, &x))
		return -1;
	return fs_now.f.step;
}

static bool fs_judge(const struct expect *x, bool damaged, bool committed)
{
	struct cfg_store *s = NULL;
	struct pdb_err err;
	bool ok;

	if (cfg__store_open_io(BASE, CFG_BACKEND_FILE, &fs_io, &s, &err))
		return false;
	ok = judge(s, x, damaged, committed);
	cfg_store_close(s);
	return ok;
}

/* After any fault, the next save must work and load (a stale .tmp is no obstacle). */
static bool fs_recovers(void)
{
	struct fault_plan none = {0};
	struct expect x;

	memset(&x, 0, sizeof(x));
	x.had_valid = true;
	return fs_save(true, &none, &x) && fs_judge(&x, false, true);
}

static void file_store_survives_a_cut_at_every_step(void)
{
	enum start st;
	struct expect x;
	int steps, at, secret;
	unsigned cut, tear;
	unsigned long before = faults;

	for (st = START_EMPTY; st < STARTS; st++)
		for (secret = 0; secret < 2; secret++) {
			steps = fs_steps(st, secret);
			T_CHECK(steps >= 6); /* unlink, create, write, fsync, rename, fsync(dir) */
			for (at = 1; at <= steps; at++)
				for (cut = 0; cut < CUTS; cut++)
					for (tear = 0; tear < 3; tear++) {
						struct fault_plan p = {.crash_at = at};

						T_CHECK(fs_start(st, &x));
						p.tear = tear == 0 ? 0 : tear == 1 ? 40 : 100000;
						T_CHECK(!fs_save(secret, &p, &x));
						power_cut(&fs_now, (enum cut)cut);
						faults++;
						if (!fs_judge(&x, false, false)) {
							printf("#   start %d secret %d cut at step "
							       "%d, "
							       "outcome %u, tear %u\n",
							       st, secret, at, cut, tear);
							T_CHECK(0);
						}
						T_CHECK(fs_recovers());
					}
		}
	printf("# file store: %lu power cuts, each judged and recovered\n", faults - before);
}

static void file_store_survives_errors_short_writes_and_a_late_cut(void)
{
	enum start st;
	struct expect x;
	int steps, at, secret;
	unsigned every;
	unsigned long before = faults;

	for (st = START_EMPTY; st < STARTS; st++)
		for (secret = 0; secret < 2; secret++) {
			steps = fs_steps(st, secret);
			for (at = 1; at <= steps; at++) {
				struct fault_plan p = {.fail_at = at};

				T_CHECK(fs_start(st, &x));
				T_CHECK(!fs_save(secret, &p, &x)); /* the error is reported */
				faults++;
				T_CHECK(fs_judge(&x, false, false));
				T_CHECK(fs_recovers());
			}
			for (every = 1; every <= 3; every++) {
				struct fault_plan p = {.short_every = every};

				T_CHECK(fs_start(st, &x));
				T_CHECK(fs_save(secret, &p, &x)); /* short writes are finished */
				faults++;
				T_CHECK(fs_judge(&x, false, true));
			}
			/* A save that returned success survives the strictest cut. */
			{
				struct fault_plan none = {0};

				T_CHECK(fs_start(st, &x));
				T_CHECK(fs_save(secret, &none, &x));
				power_cut(&fs_now, CUT_SYNCED);
				faults++;
				T_CHECK(fs_judge(&x, false, true));
			}
		}
	printf("# file store: %lu errors, short writes and post-commit cuts\n", faults - before);
}

static void file_store_survives_damage_to_either_slot(void)
{
	enum start st;
	struct expect x;
	int i, target, newest;
	enum damage how;
	unsigned long before = faults;
	struct cfg_store *s = NULL;
	struct pdb_err err;

	for (i = 0; i < 600; i++) {
		struct fault_plan p = {0};
		bool committed;

		st = (enum start)(1 + rnd() % 2);
		T_CHECK(fs_start(st, &x));
		T_CHECK(!cfg__store_open_io(BASE, CFG_BACKEND_FILE, &fs_io, &s, &err));
		newest = newest_slot(s);
		cfg_store_close(s);
		/* sometimes cut the save too, anywhere */
		if (rnd() % 2)
			p.crash_at = 1 + (int)(rnd() % 12);
		p.tear = rnd() % 200;
		committed = fs_save(rnd() % 2, &p, &x);
		if (p.crash_at)
			power_cut(&fs_now, (enum cut)(rnd() % CUTS));
		/*
		 * Starting from two different configs, only the slot being written may be
		 * damaged: damage to the newest one would rightly bring back the one
		 * before it, which is neither old nor new.
		 */
		target = st == START_DIFFERENT ? 1 - newest : (int)(rnd() % 3);
		how = (enum damage)(rnd() % DAMAGES);
		if (target == 2) {
			damage_file(BASE, 0, how);
			damage_file(BASE, 1, (enum damage)(rnd() % DAMAGES));
		} else {
			damage_file(BASE, target, how);
		}
		faults++;
		if (!fs_judge(&x, true, committed)) {
			printf("#   trial %d: start %d, target %d, damage %d, cut at %d\n", i, st,
			       target, how, p.crash_at);
			T_CHECK(0);
		}
		T_CHECK(fs_recovers());
	}
	printf("# file store: %lu damaged slots\n", faults - before);
}

/* --- the MTD trials ---------------------------------------------------------------------- */

static bool chip_start(enum start st, struct expect *x, uint32_t *slot_size)
{
	struct cfg_store *s = NULL;
	struct cfg_doc d;
	struct pdb_err err;
	bool w, ok = true;

	memset(x, 0, sizeof(*x));
	chip.f = (struct faults){0};
	memset(chip.image, 0xff, sizeof(chip.image));
	if (pwrite(chip.fd, chip.image, MTD_SIZE, 0) != MTD_SIZE)
		return false;
	if (cfg__store_open_io("/dev/mtd-fake", CFG_BACKEND_MTD, &chip_io, &s, &err))
		return false;
	if (st != START_EMPTY) {
		make_gen(&d, st == START_SAME ? 1 : 0, true);
		ok = !cfg_store_save(s, &d, &w, &err);
		cfg_doc_free(&d);
		if (st == START_DIFFERENT) {
			make_gen(&d, 1, false);
			ok = ok && !cfg_store_save(s, &d, &w, &err);
			cfg_doc_free(&d);
		}
		make_gen(&d, 1, false);
		payload_of(&d, x->old, &x->old_len);
		cfg_doc_free(&d);
		x->had_valid = true;
	}
	*slot_size = s->slot_size;
	cfg_store_close(s);
	return ok;
}

static bool chip_save(bool secret, const struct fault_plan *plan, struct expect *x)
{
	struct cfg_store *s = NULL;
	struct cfg_doc d;
	struct pdb_err err;
	bool w = false, ok;

	if (cfg__store_open_io("/dev/mtd-fake", CFG_BACKEND_MTD, &chip_io, &s, &err))
		return false;
	make_gen(&d, 2, secret);
	payload_of(&d, x->new, &x->new_len);
	chip.f = (struct faults){.plan = *plan};
	ok = !cfg_store_save(s, &d, &w, &err);
	cfg_doc_free(&d);
	cfg_store_close(s);
	chip.f.dead = false;
	chip.f.plan = (struct fault_plan){0};
	return ok;
}

static bool chip_judge(const struct expect *x, bool damaged, bool committed)
{
	struct cfg_store *s = NULL;
	struct pdb_err err;
	bool ok;

	if (cfg__store_open_io("/dev/mtd-fake", CFG_BACKEND_MTD, &chip_io, &s, &err))
		return false;
	ok = judge(s, x, damaged, committed);
	cfg_store_close(s);
	return ok;
}

static void mtd_store_survives_a_cut_at_every_step(void)
{
	static const size_t tears[] = {0, 1, 15, 16, 33, 100, 4095, 100000};
	struct fault_plan none = {0};
	struct expect x;
	uint32_t slot_size;
	enum start st;
	int steps, at, secret;
	size_t t;
	unsigned long before = faults;

	T_CHECK(chip_setup());
	for (st = START_EMPTY; st < STARTS; st++)
		for (secret = 0; secret < 2; secret++) {
			T_CHECK(chip_start(st, &x, &slot_size));
			T_CHECK(chip_save(secret, &none, &x));
			steps = chip.f.step;
			T_CHECK(steps >= 2); /* erase, write */
			for (at = 1; at <= steps; at++)
				for (t = 0; t < PDB_N_OF(tears); t++) {
					struct fault_plan p = {.crash_at = at, .tear = tears[t]};

					T_CHECK(chip_start(st, &x, &slot_size));
					T_CHECK(!chip_save(secret, &p, &x));
					faults++;
					T_CHECK(chip_judge(&x, false, false));
					x.had_valid = true;
					memcpy(x.old, x.new,
					       x.new_len); /* recovery writes new again */
					x.old_len = x.new_len;
					T_CHECK(chip_save(secret, &none, &x));
					T_CHECK(chip_judge(&x, false, true));
				}
			for (at = 1; at <= steps; at++) {
				struct fault_plan p = {.fail_at = at};

				T_CHECK(chip_start(st, &x, &slot_size));
				T_CHECK(!chip_save(secret, &p, &x));
				faults++;
				T_CHECK(chip_judge(&x, false, false));
			}
			{
				struct fault_plan p = {.short_every = 1};

				T_CHECK(chip_start(st, &x, &slot_size));
				T_CHECK(chip_save(secret, &p, &x));
				faults++;
				T_CHECK(chip_judge(&x, false, true));
			}
		}
	T_EQ_INT(chip.violations, 0); /* never a write to a byte that was not erased */
	chip_teardown();
	printf("# mtd store: %lu cuts, errors and short writes\n", faults - before);
}

static void mtd_store_survives_damage_to_either_slot(void)
{
	struct cfg_store *s = NULL;
	struct pdb_err err;
	struct expect x;
	uint32_t slot_size;
	enum start st;
	int i, target, newest;
	unsigned long before = faults;

	T_CHECK(chip_setup());
	for (i = 0; i < 300; i++) {
		struct fault_plan p = {0};
		bool committed;

		st = (enum start)(1 + rnd() % 2);
		T_CHECK(chip_start(st, &x, &slot_size));
		T_CHECK(!cfg__store_open_io("/dev/mtd-fake", CFG_BACKEND_MTD, &chip_io, &s, &err));
		newest = newest_slot(s);
		cfg_store_close(s);
		if (rnd() % 2)
			p.crash_at = 1 + (int)(rnd() % 4);
		p.tear = rnd() % 300;
		committed = chip_save(rnd() % 2, &p, &x);
		target = st == START_DIFFERENT ? 1 - newest : (int)(rnd() % 3);
		if (target == 2) {
			damage_chip(slot_size, 0, (enum damage)(rnd() % DAMAGES));
			damage_chip(slot_size, 1, (enum damage)(rnd() % DAMAGES));
		} else {
			damage_chip(slot_size, target, (enum damage)(rnd() % DAMAGES));
		}
		faults++;
		T_CHECK(chip_judge(&x, true, committed));
	}
	T_EQ_INT(chip.violations, 0);
	chip_teardown();
	printf("# mtd store: %lu damaged slots\n", faults - before);
}

static void mtd_geometry_is_checked(void)
{
	struct cfg_store *s = NULL;
	struct cfg_doc d;
	struct pdb_err err;

	T_CHECK(chip_setup());
	T_EQ_INT(cfg__store_open_io("/dev/mtd-other", CFG_BACKEND_MTD, &chip_io, &s, &err), PDB_OK);
	cfg_doc_init(&d);
	T_EQ_INT(cfg_store_load(s, &d, &err), PDB_E_IO); /* no such device */
	cfg_store_close(s);
	chip_teardown();
}

static void at_least_a_thousand_faults_were_injected(void)
{
	printf("# %lu faults injected in all\n", faults);
	T_CHECK(faults >= MIN_FAULTS);
}

static const struct t_case cases[] = {
    {"file_store_survives_a_cut_at_every_step", file_store_survives_a_cut_at_every_step},
    {"file_store_survives_errors_short_writes_and_a_late_cut",
     file_store_survives_errors_short_writes_and_a_late_cut},
    {"file_store_survives_damage_to_either_slot", file_store_survives_damage_to_either_slot},
    {"mtd_store_survives_a_cut_at_every_step", mtd_store_survives_a_cut_at_every_step},
    {"mtd_store_survives_damage_to_either_slot", mtd_store_survives_damage_to_either_slot},
    {"mtd_geometry_is_checked", mtd_geometry_is_checked},
    {"at_least_a_thousand_faults_were_injected", at_least_a_thousand_faults_were_injected},
};

T_MAIN(cases)
