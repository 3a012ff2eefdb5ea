/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd_config.c - `pdbridge config`: read and change the flash-stored
 * settings.
 *
 *   show [--origin]              every setting in effect, secrets redacted
 *   get KEY [--include-secrets]  one setting in effect
 *   set KEY VALUE                store one (VALUE "-": read from stdin)
 *   unset KEY                    remove one from the store
 *   import FILE [--remove-source]  store key=value lines, then wipe FILE
 *   export [--include-secrets]   the stored settings as key=value lines
 *   verify                       both slots, and whether sealed secrets open
 *   schema-doc                   (hidden) the reference table of docs/config.md
 *
 * show and get answer with every layer applied (the same flags as status,
 * then the environment, the store, the defaults); set, unset, import and
 * export work on the store alone. A secret is printed only by get and export
 * with --include-secrets, never by show and never in an error: `set token -`
 * reads it from stdin (without echo on a terminal) so it stays out of shell
 * history and /proc/<pid>/cmdline.
 */
#include <pdbridge/app.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define SHOW_KEY_WIDTH 26
#define SHOW_VAL_WIDTH 28

/* Options, each for the actions that name it in `uses`. */
enum {
	USE_ORIGIN = 1u,
	USE_SECRETS = 2u,
	USE_REMOVE = 4u,
	USE_PD = 8u,
};

struct ctx {
	struct app_pd_flags pd;
	bool origin, include_secrets, remove_source, help;
	struct app_list words; /* action and its arguments */
	struct app_settings set;
	struct pdb_err err;
};

struct action {
	const char *name;
	size_t n_args;
	const char *args;    /* for the usage line */
	unsigned uses;       /* options it takes */
	const char *summary; /* NULL: hidden */
	int (*run)(struct ctx *c);
};

/* Fail with the message in c->err. */
static int failed(struct ctx *c)
{
	fprintf(stderr, "pdbridge config: %s\n", pdb_err_text(&c->err));
	return APP_EXIT_FAIL;
}

/* The key named by argument @i, or a usage error. */
static int key_arg(struct ctx *c, size_t i, enum cfg_key *k)
{
	if (!cfg_key_find(c->words.v[i], k))
		return APP_EXIT_OK;
	fprintf(stderr, "pdbridge config: unknown key '%s' (pdbridge config show lists them)\n",
	        c->words.v[i]);
	return APP_EXIT_USAGE;
}

/* Open the store and build the snapshot over every layer. */
static int load_all(struct ctx *c)
{
	struct cfg_flag flags[CFG_KEYS];
	size_t n = 0;

	app_pd_flags_to_cfg(&c->pd, flags, &n);
	if (app_settings_open(&c->set, c->pd.config, false, &c->err) ||
	    app_settings_build(&c->set, flags, n, &c->err))
		return failed(c);
	return APP_EXIT_OK;
}

/* --- show, get ------------------------------------------------------------- */

/* What show and get print for @k: secrets redacted unless @reveal. */
static const char *shown(struct ctx *c, enum cfg_key k, bool reveal, enum pdb_rc *rc)
{
	const char *v;

	*rc = PDB_OK;
	if (!(cfg_field(k)->flags & CFG_SECRET))
		return cfg_str(c->set.cfg, k);
	*rc = cfg_secret(c->set.cfg, k, &v, &c->err);
	if (*rc && reveal)
		return NULL;
	if (*rc)
		return *rc == PDB_E_CORRUPT ? "[sealed, damaged]"
		       : c->set.seal.ok     ? "[sealed for another device]"
		                            : "[sealed, no device identity here]";
	return reveal || !*v ? v : LOG_REDACTED;
}

static int act_show(struct ctx *c)
{
	const char *v, *detail;
	enum cfg_origin o;
	enum pdb_rc rc;
	size_t k;

	if (load_all(c))
		return APP_EXIT_FAIL;
	for (k = 0; k < CFG_KEYS; k++) {
		v = shown(c, (enum cfg_key)k, false, &rc);
		if (!c->origin) {
			printf("%-*s = %s\n", SHOW_KEY_WIDTH, cfg_field((enum cfg_key)k)->key, v);
			continue;
		}
		o = cfg_origin(c->set.cfg, (enum cfg_key)k, &detail);
		printf("%-*s = %-*s (%s%s%s%s)\n", SHOW_KEY_WIDTH, cfg_field((enum cfg_key)k)->key,
		       SHOW_VAL_WIDTH, v, cfg_origin_name(o), detail ? " " : "",
		       detail ? detail : "",
		       cfg_sealed(c->set.cfg, (enum cfg_key)k) ? ", sealed" : "");
	}
	return APP_EXIT_OK;
}

static int act_get(struct ctx *c)
{
	enum cfg_key k;
	enum pdb_rc rc;
	const char *v;
	int st = key_arg(c, 1, &k);

	if (st || load_all(c))
		return st ? st : APP_EXIT_FAIL;
	v = shown(c, k, c->include_secrets, &rc);
	if (!v)
		return failed(c);
	printf("%s\n", v);
	return APP_EXIT_OK;
}

/* --- set, unset, import: edit the stored document ------------------------------- */

/* Read one line from stdin into @out, without echo when stdin is a terminal. */
static enum pdb_rc read_stdin_line(const char *key, char *out, size_t len, struct pdb_err *err)
{
	struct termios saved, quiet;
	bool tty = isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &saved);
	size_t got = 0;
	ssize_t n;
	char ch;

	if (tty) {
		fprintf(stderr, "%s: ", key);
		quiet = saved;
		quiet.c_lflag &= (tcflag_t) ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	/* Byte by byte up to the newline: whatever follows stays unread. */
	while (got < len) {
		n = read(STDIN_FILENO, &ch, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || ch == '\n')
			break;
		out[got++] = ch;
	}
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		fputc('\n', stderr);
	}
	if (got == len) {
		cfg_wipe(out, len);
		return pdb_err_set(err, PDB_E_TOO_LARGE,
		                   "the value on stdin is longer than %d bytes", PDB_CFG_VALUE_MAX);
	}
	while (got && out[got - 1] == '\r')
		got--;
	out[got] = '\0';
	return got ? PDB_OK : pdb_err_set(err, PDB_E_INVAL, "no value on stdin");
}

/* Seal the document's plain secrets if secrets.seal (stored, else its default) says so. */
static enum pdb_rc seal_if_wanted(struct ctx *c, bool *sealed)
{
	const struct cfg_entry *e = cfg_doc_find(&c->set.doc, cfg_field(CFG_SECRETS_SEAL)->key);
	const char *want = e ? e->value : cfg_field(CFG_SECRETS_SEAL)->def;

	*sealed = !strcmp(want, "true");
	if (!*sealed)
		return PDB_OK;
	if (!c->set.seal.ok) {
		size_t i;

		for (i = 0; i < c->set.doc.n; i++) {
			enum cfg_key k;

			if (!c->set.doc.e[i].sealed && !cfg_key_find(c->set.doc.e[i].key, &k) &&
			    (cfg_field(k)->flags & CFG_SECRET))
				return pdb_err_set(
				    &c->err, PDB_E_MISSING,
				    "cannot seal %s: this device has no identity (device-tree "
				    "serial, "
				    "/proc/cpuinfo Serial, /etc/machine-id); `pdbridge config set "
				    "secrets.seal false` stores secrets unsealed (mode 0600 only)",
				    c->set.doc.e[i].key);
		}
		return PDB_OK;
	}
	return cfg_doc_seal(&c->set.doc, &c->set.seal, &c->err);
}

/* Seal and save the edited document; *@sealed says whether secrets were sealed. */
static enum pdb_rc save(struct ctx *c, bool *written, bool *sealed)
{
	enum pdb_rc rc = seal_if_wanted(c, sealed);

	return rc ? rc : cfg_store_save(c->set.store, &c->set.doc, written, &c->err);
}

/* Tell the user when the environment hides what was just stored. */
static void note_override(enum cfg_key k)
{
	const struct cfg_field *f = cfg_field(k);
	char env[PDB_CFG_KEY_MAX + 16];
	const char *v;

	cfg_env_name(k, env, sizeof(env));
	v = f->env ? getenv(f->env) : NULL;
	if (v && *v) {
		fprintf(stderr, "note: %s is set and overrides the stored %s\n", f->env, f->key);
		return;
	}
	v = getenv(env);
	if (v && *v)
		fprintf(stderr, "note: %s is set and overrides the stored %s\n", env, f->key);
}

static int act_set(struct ctx *c)
{
	char value[PDB_CFG_VALUE_MAX + 1];
	const char *text = c->words.v[2];
	bool changed = false, written = false, sealed = false;
	enum cfg_key k;
	enum pdb_rc rc;
	int st = key_arg(c, 1, &k);

	if (st)
		return st;
	if (!strcmp(text, "-")) {
		rc = read_stdin_line(cfg_field(k)->key, value, sizeof(value), &c->err);
		if (rc)
			return failed(c);
		text = value;
	} else if (cfg_field(k)->flags & CFG_SECRET) {
		fprintf(stderr,
		        "note: a secret on the command line lands in shell history and "
		        "/proc; `pdbridge config set %s -` reads it from stdin\n",
		        cfg_field(k)->key);
	}
	rc = app_settings_open(&c->set, c->pd.config, true, &c->err);
	if (!rc)
		rc = cfg_doc_set(&c->set.doc, k, text, c->set.seal.ok ? &c->set.seal : NULL,
		                 &changed, &c->err);
	cfg_wipe(value, sizeof(value));
	if (!rc && changed)
		rc = save(c, &written, &sealed);
	if (rc)
		return failed(c);
	if (!changed)
		printf("%s unchanged\n", cfg_field(k)->key);
	else if (cfg_field(k)->flags & CFG_SECRET)
		printf("%s stored%s in %s\n", cfg_field(k)->key,
		       sealed ? " sealed" : " (not sealed)", cfg_store_where(c->set.store));
	else
		printf("%s = %s stored in %s\n", cfg_field(k)->key,
		       cfg_doc_find(&c->set.doc, cfg_field(k)->key)->value,
		       cfg_store_where(c->set.store));
	note_override(k);
	return APP_EXIT_OK;
}

static int act_unset(struct ctx *c)
{
	bool changed = false, written = false, sealed;
	enum cfg_key k;
	int st = key_arg(c, 1, &k);

	if (st)
		return st;
	if (app_settings_open(&c->set, c->pd.config, true, &c->err))
		return failed(c);
	cfg_doc_unset(&c->set.doc, k, &changed);
	if (changed && save(c, &written, &sealed))
		return failed(c);
	printf(changed ? "%s removed from %s\n" : "%s was not stored in %s\n", cfg_field(k)->key,
	       cfg_store_where(c->set.store));
	return APP_EXIT_OK;
}

/* Read all of @path (at most PDB_CFG_IMPORT_MAX bytes) into @out. */
static enum pdb_rc read_import(const char *path, struct buf *out, off_t *size, struct pdb_err *err)
{
	char chunk[PDB_CFG_IO_CHUNK];
	struct stat st;
	ssize_t n;
	enum pdb_rc rc = PDB_OK;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return pdb_err_set(err, PDB_E_IO, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return pdb_err_set(err, PDB_E_INVAL, "%s is not a regular file", path);
	}
	*size = st.st_size;
	while (!rc) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc =
			    pdb_err_set(err, PDB_E_IO, "cannot read %s: %s", path, strerror(errno));
		if (n <= 0)
			break;
		rc = buf_add(out, chunk, (size_t)n);
		if (rc == PDB_E_TOO_LARGE)
			pdb_err_set(err, rc, "%s is over %u bytes: not an import file", path,
			            PDB_CFG_IMPORT_MAX);
		else if (rc)
			pdb_err_set(err, rc, "out of memory");
	}
	cfg_wipe(chunk, sizeof(chunk));
	close(fd);
	return rc;
}

/*
 * Wipe @path: overwrite it with zeros, sync, remove it, sync its directory.
 * On flash behind an FTL the old blocks may survive the overwrite
 * (docs/config.md); this is the most a program can do.
 */
static enum pdb_rc wipe_file(const char *path, off_t size, struct pdb_err *err)
{
	static const char zeros[PDB_CFG_IO_CHUNK];
	char dir[PDB_CFG_PATH_MAX + 1];
	const char *slash = strrchr(path, '/');
	off_t done = 0;
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return pdb_err_set(err, PDB_E_IO, "cannot open %s to wipe it: %s", path,
		                   strerror(errno));
	while (done < size) {
		n = write(fd, zeros,
		          size - done < (off_t)sizeof(zeros) ? (size_t)(size - done)
		                                             : sizeof(zeros));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += n;
	}
	if (done < size || fsync(fd)) {
		close(fd);
		return pdb_err_set(err, PDB_E_IO, "cannot overwrite %s: %s", path, strerror(errno));
	}
	close(fd);
	if (unlink(path))
		return pdb_err_set(err, PDB_E_IO, "cannot remove %s: %s", path, strerror(errno));
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) + (slash == path) : 1,
	         slash ? path : ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)!fsync(
		    fd); /* some boot partitions (FAT) refuse; the file is gone either way */
		close(fd);
	}
	return PDB_OK;
}

static int act_import(struct ctx *c)
{
	const char *path = c->words.v[1];
	bool written = false, sealed;
	size_t changed = 0;
	struct buf text;
	off_t size = 0;
	enum pdb_rc rc;

	buf_init(&text, PDB_CFG_IMPORT_MAX);
	rc = read_import(path, &text, &size, &c->err);
	if (!rc)
		rc = app_settings_open(&c->set, c->pd.config, true, &c->err);
	if (!rc)
		rc = cfg_import_parse(&c->set.doc, buf_cstr(&text), buf_len(&text),
		                      c->set.seal.ok ? &c->set.seal : NULL, &changed, &c->err);
	if (text.data)
		cfg_wipe(text.data, text.alloc);
	buf_free(&text);
	if (!rc && changed)
		rc = save(c, &written, &sealed);
	if (rc) {
		fprintf(stderr, "pdbridge config: %s: %s\n", path, pdb_err_text(&c->err));
		return APP_EXIT_FAIL;
	}
	printf("%s: %zu setting%s changed, stored in %s\n", path, changed, changed == 1 ? "" : "s",
	       cfg_store_where(c->set.store));
	if (c->remove_source) {
		if (wipe_file(path, size, &c->err))
			return failed(c);
		printf("%s wiped and removed\n", path);
	}
	return APP_EXIT_OK;
}

/* --- export, verify -------------------------------------------------------------- */

static enum pdb_rc export_entry(struct ctx *c, const struct cfg_entry *e, struct buf *out)
{
	char plain[PDB_CFG_VALUE_MAX + 1];
	enum cfg_key k;
	enum pdb_rc rc;

	if (cfg_key_find(e->key, &k))
		return buf_addf(out, "# %s: kept for a newer pdbridge, not shown\n", e->key);
	if (!(cfg_field(k)->flags & CFG_SECRET))
		return buf_addf(out, "%s=%s\n", e->key, e->value);
	if (!c->include_secrets)
		return buf_addf(out, "# %s=%s (add --include-secrets)\n", e->key, LOG_REDACTED);
	rc = cfg_doc_reveal(e, c->set.seal.ok ? &c->set.seal : NULL, plain, sizeof(plain), &c->err);
	if (!rc)
		rc = buf_addf(out, "%s=%s\n", e->key, plain);
	cfg_wipe(plain, sizeof(plain));
	return rc;
}

static int act_export(struct ctx *c)
{
	struct buf out;
	enum pdb_rc rc;
	size_t i;

	if (app_settings_open(&c->set, c->pd.config, false, &c->err))
		return failed(c);
	/* Built whole first: an error leaves no half export on stdout. */
	buf_init(&out, 2 * PDB_CFG_PAYLOAD_MAX);
	rc = buf_addf(&out, "# pdbridge config export (schema %u) of %s\n", CFG_SCHEMA,
	              cfg_store_where(c->set.store));
	for (i = 0; !rc && i < c->set.doc.n; i++)
		rc = export_entry(c, &c->set.doc.e[i], &out);
	if (!rc)
		fputs(buf_cstr(&out), stdout);
	if (out.data)
		cfg_wipe(out.data, out.alloc);
	buf_free(&out);
	if (rc == PDB_E_TOO_LARGE || rc == PDB_E_NOMEM)
		pdb_err_set(&c->err, rc, "out of memory");
	return rc ? failed(c) : APP_EXIT_OK;
}

/* Does each stored secret open on this device? Prints one line each; false if one does not. */
static bool verify_secrets(struct ctx *c)
{
	char plain[PDB_CFG_VALUE_MAX + 1];
	struct pdb_err why;
	bool ok = true;
	enum cfg_key k;
	size_t i;

	printf("device key: %s%s\n",
	       c->set.seal.ok ? cfg_id_source_name(c->set.seal.source) : "none (no identity)",
	       c->set.seal.source == CFG_ID_MACHINE_ID
	           ? " (on the same card: a copy of the whole card carries its key)"
	           : "");
	for (i = 0; i < c->set.doc.n; i++) {
		const struct cfg_entry *e = &c->set.doc.e[i];

		if (cfg_key_find(e->key, &k) || !(cfg_field(k)->flags & CFG_SECRET))
			continue;
		if (!e->sealed) {
			printf("%s: stored unsealed\n", e->key);
			continue;
		}
		if (cfg_doc_reveal(e, c->set.seal.ok ? &c->set.seal : NULL, plain, sizeof(plain),
		                   &why)) {
			printf("%s\n", pdb_err_text(&why)); /* names the key */
			ok = false;
		} else {
			printf("%s: sealed, opens on this device\n", e->key);
		}
		cfg_wipe(plain, sizeof(plain));
	}
	return ok;
}

static int act_verify(struct ctx *c)
{
	struct cfg_slot_info slots[2];
	enum pdb_rc rc;
	int i;

	if (cfg_store_open(app_store_spec(c->pd.config), &c->set.store, &c->err))
		return failed(c);
	rc = cfg_store_verify(c->set.store, slots, &c->err);
	if (rc && rc != PDB_E_CORRUPT)
		return failed(c);
	for (i = 0; i < 2; i++) {
		printf("slot %c: %s: %s", 'a' + i, slots[i].where,
		       cfg_slot_state_name(slots[i].state));
		if (slots[i].state == CFG_SLOT_VALID)
			printf(", sequence %u, schema %u, %u bytes%s", slots[i].seq,
			       slots[i].schema, slots[i].length,
			       slots[i].newest ? " (newest)" : "");
		printf("\n");
	}
	if (rc)
		return failed(c);
	if (slots[0].state == CFG_SLOT_EMPTY && slots[1].state == CFG_SLOT_EMPTY)
		printf("nothing stored: every setting comes from flags, environment or defaults\n");
	cfg_store_close(c->set.store);
	c->set.store = NULL;
	if (app_settings_open(&c->set, c->pd.config, false, &c->err))
		return failed(c);
	return verify_secrets(c) ? APP_EXIT_OK : APP_EXIT_FAIL;
}

static int act_schema_doc(struct ctx *c)
{
	struct buf out;
	enum pdb_rc rc;

	buf_init(&out, PDB_CFG_IMPORT_MAX);
	rc = cfg_schema_doc(&out);
	if (!rc)
		fputs(buf_cstr(&out), stdout);
	buf_free(&out);
	if (rc)
		pdb_err_set(&c->err, rc, "cannot render the schema");
	return rc ? failed(c) : APP_EXIT_OK;
}

/* --- the table and the entry point ----------------------------------------------- */

static const struct action actions[] = {
    {"show", 0, "", USE_ORIGIN | USE_PD,
     "every setting in effect, secrets redacted (--origin: where each came from)", act_show},
    {"get", 1, " KEY", USE_SECRETS | USE_PD, "one setting in effect", act_get},
    {"set", 2, " KEY VALUE", 0, "store a setting (VALUE -: read it from stdin, for secrets)",
     act_set},
    {"unset", 1, " KEY", 0, "remove a stored setting (its default applies again)", act_unset},
    {"import", 1, " FILE", USE_REMOVE,
     "store the key=value lines of FILE (--remove-source: then wipe FILE)", act_import},
    {"export", 0, "", USE_SECRETS, "the stored settings as key=value lines", act_export},
    {"verify", 0, "", 0, "check both slots of the store and the sealed secrets", act_verify},
    {"schema-doc", 0, "", 0, NULL, act_schema_doc},
};

#define N_ACTIONS (PDB_N_OF(actions))

static void usage(FILE *out, const struct app_opt *opts, size_t n_opts)
{
	char left[32];
	size_t i;

	fputs("usage: pdbridge config ACTION [ARGS] [options]\n\nactions:\n", out);
	for (i = 0; i < N_ACTIONS; i++) {
		if (!actions[i].summary)
			continue;
		snprintf(left, sizeof(left), "%s%s", actions[i].name, actions[i].args);
		fprintf(out, "  %-20s %s\n", left, actions[i].summary);
	}
	fputs("\noptions:\n", out);
	app_print_opts(out, opts, n_opts);
}

/* Options given to an action that does not take them. */
static const char *misplaced(const struct ctx *c, const struct action *a)
{
	if (c->origin && !(a->uses & USE_ORIGIN))
		return "--origin";
	if (c->include_secrets && !(a->uses & USE_SECRETS))
		return "--include-secrets";
	if (c->remove_source && !(a->uses & USE_REMOVE))
		return "--remove-source";
	if (!(a->uses & USE_PD) && (c->pd.region || c->pd.api_host || c->pd.ca_file ||
	                            c->pd.connect_to || c->pd.from_email))
		return "a setting flag (use set, or show/get to see its effect)";
	return NULL;
}

int app_cmd_config(int argc, char **argv)
{
	static struct ctx c; /* the stored document is a few KiB: off the stack */
	const struct app_opt opts[] = {
	    {"origin", APP_OPT_FLAG, &c.origin, NULL, "show: where each value came from"},
	    {"include-secrets", APP_OPT_FLAG, &c.include_secrets, NULL,
	     "get, export: print secrets in the clear"},
	    {"remove-source", APP_OPT_FLAG, &c.remove_source, NULL,
	     "import: wipe and remove FILE once it is stored"},
	    APP_PD_OPTS(&c.pd),
	    {"help", APP_OPT_FLAG, &c.help, NULL, "this text"},
	};
	const size_t n_opts = PDB_N_OF(opts);
	const struct action *a = NULL;
	const char *bad;
	size_t i;
	int status;

	memset(&c, 0, sizeof(c));
	pdb_err_clear(&c.err);
	if (app_parse_args(opts, n_opts, argc, argv, &c.words, &c.err) || c.help) {
		if (!c.help)
			fprintf(stderr, "pdbridge config: %s\n", pdb_err_text(&c.err));
		usage(c.help ? stdout : stderr, opts, n_opts);
		return c.help ? APP_EXIT_OK : APP_EXIT_USAGE;
	}
	for (i = 0; c.words.n && i < N_ACTIONS; i++)
		if (!strcmp(c.words.v[0], actions[i].name))
			a = &actions[i];
	if (!a || c.words.n != a->n_args + 1) {
		if (a)
			fprintf(stderr, "pdbridge config %s takes%s\n", a->name,
			        a->n_args ? a->args : " no arguments");
		else if (c.words.n)
			fprintf(stderr, "pdbridge config: unknown action '%s'\n", c.words.v[0]);
		usage(stderr, opts, n_opts);
		return APP_EXIT_USAGE;
	}
	bad = misplaced(&c, a);
	if (bad) {
		fprintf(stderr, "pdbridge config %s does not take %s\n", a->name, bad);
		return APP_EXIT_USAGE;
	}
	status = a->run(&c);
	app_settings_free(&c.set);
	return status;
}
