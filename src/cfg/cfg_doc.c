/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cfg_doc.c - the stored document: its entries, how they are edited, how
 * they become a payload and back, the migrations between schema versions,
 * and the import-file parser.
 *
 * The payload is U-Boot-environment style text: "key=value\0" entries, a
 * '*' before the key marking a sealed value (hex, see cfg_seal.c). Keys are
 * [a-z0-9_.]; values hold no control characters, so a NUL can only end an
 * entry. Known keys are written in schema order, then the keys this version
 * does not know, exactly as they were read: a downgrade followed by an
 * upgrade loses nothing.
 *
 * Migrations are one function per schema step, run in order on load
 * (Tasmota's SettingsDelta() chain). A step renames or converts entries; it
 * never sees a sealed value's plain text, and sealing does not bind a value
 * to its key name, so a rename keeps a sealed value readable.
 */
#include "cfg_int.h"

#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cfg_wipe(void *p, size_t n)
{
	mem_wipe(p, n);
}

static void entry_free(struct cfg_entry *e)
{
	if (e->value)
		cfg_wipe(e->value, strlen(e->value));
	mem_free(e->key);
	mem_free(e->value);
	e->key = e->value = NULL;
	e->sealed = false;
}

void cfg_doc_init(struct cfg_doc *d)
{
	memset(d, 0, sizeof(*d));
	d->schema = CFG_SCHEMA;
}

void cfg_doc_free(struct cfg_doc *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		entry_free(&d->e[i]);
	cfg_doc_init(d);
}

static struct cfg_entry *find(const struct cfg_doc *d, const char *key)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->e[i].key, key))
			return (struct cfg_entry *)&d->e[i];
	return NULL;
}

const struct cfg_entry *cfg_doc_find(const struct cfg_doc *d, const char *key)
{
	return find(d, key);
}

enum pdb_rc cfg__doc_put(struct cfg_doc *d, const char *key, const char *value, bool sealed)
{
	struct cfg_entry *e = find(d, key);
	char *v = mem_strdup(value), *k = NULL;

	if (!v)
		return PDB_E_NOMEM;
	if (!e) {
		if (d->n == PDB_CFG_ENTRIES_MAX) {
			mem_free(v);
			return PDB_E_TOO_LARGE;
		}
		k = mem_strdup(key);
		if (!k) {
			mem_free(v);
			return PDB_E_NOMEM;
		}
		e = &d->e[d->n++];
		e->key = k;
	} else {
		cfg_wipe(e->value, strlen(e->value));
		mem_free(e->value);
	}
	e->value = v;
	e->sealed = sealed;
	return PDB_OK;
}

void cfg__doc_remove(struct cfg_doc *d, size_t i)
{
	entry_free(&d->e[i]);
	memmove(&d->e[i], &d->e[i + 1], (d->n - i - 1) * sizeof(d->e[0]));
	d->n--;
	memset(&d->e[d->n], 0, sizeof(d->e[0]));
}

/* Is the stored value of @e equal to the canonical @canon? */
static bool same_value(const struct cfg_entry *e, const char *canon, const struct cfg_seal *seal)
{
	char plain[PDB_CFG_VALUE_MAX + 1];
	bool same;

	if (!e->sealed)
		return !strcmp(e->value, canon);
	if (cfg__unseal_value(seal, e->value, plain, sizeof(plain)))
		return false; /* cannot tell: replace it */
	same = !strcmp(plain, canon);
	cfg_wipe(plain, sizeof(plain));
	return same;
}

enum pdb_rc cfg_doc_set(struct cfg_doc *d, enum cfg_key k, const char *text,
                        const struct cfg_seal *seal, bool *changed, struct pdb_err *err)
{
	const struct cfg_field *f = cfg_field(k);
	const struct cfg_entry *e = find(d, f->key);
	char canon[PDB_CFG_VALUE_MAX + 1];
	enum pdb_rc rc;

	*changed = false;
	rc = cfg_check(k, text, canon, err);
	if (!rc && !(e && same_value(e, canon, seal))) {
		rc = cfg__doc_put(d, f->key, canon, false);
		if (rc == PDB_E_TOO_LARGE)
			pdb_err_set(err, rc, "the stored config holds %d entries already",
			            PDB_CFG_ENTRIES_MAX);
		else if (rc)
			pdb_err_set(err, rc, "out of memory");
		*changed = !rc;
		if (!rc && (f->flags & CFG_SECRET))
			d->secret_changed = true;
	}
	cfg_wipe(canon, sizeof(canon));
	return rc;
}

void cfg_doc_unset(struct cfg_doc *d, enum cfg_key k, bool *changed)
{
	const struct cfg_field *f = cfg_field(k);
	size_t i;

	*changed = false;
	for (i = 0; i < d->n; i++)
		if (!strcmp(d->e[i].key, f->key)) {
			cfg__doc_remove(d, i);
			*changed = true;
			if (f->flags & CFG_SECRET)
				d->secret_changed = true;
			return;
		}
}

/* --- payload: encode ----------------------------------------------------------- */

static enum pdb_rc put_entry(struct buf *out, const struct cfg_entry *e)
{
	enum pdb_rc rc = PDB_OK;

	if (e->sealed)
		rc = buf_addc(out, '*');
	if (!rc)
		rc = buf_addf(out, "%s=%s", e->key, e->value);
	return rc ? rc : buf_addc(out, '\0');
}

enum pdb_rc cfg__payload_encode(const struct cfg_doc *d, struct buf *out)
{
	const struct cfg_entry *e;
	enum cfg_key k;
	enum pdb_rc rc = PDB_OK;
	size_t i;

	buf_reset(out);
	for (i = 0; !rc && i < CFG_KEYS; i++) {
		e = find(d, cfg_field((enum cfg_key)i)->key);
		if (e)
			rc = put_entry(out, e);
	}
	for (i = 0; !rc && i < d->n; i++)
		if (cfg_key_find(d->e[i].key, &k))
			rc = put_entry(out, &d->e[i]);
	return rc;
}

/* --- payload: decode ----------------------------------------------------------- */

/* One "[*]key=value" entry of @n bytes (no NUL) into @d, unvalidated against the schema. */
static enum pdb_rc parse_entry(const char *s, size_t n, struct cfg_doc *d, struct pdb_err *err)
{
	char key[PDB_CFG_KEY_MAX + 1];
	bool sealed = n && s[0] == '*';
	const char *eq;
	enum pdb_rc rc;
	size_t klen, i;

	if (sealed) {
		s++;
		n--;
	}
	eq = memchr(s, '=', n);
	klen = eq ? (size_t)(eq - s) : 0;
	if (!eq || !cfg__key_ok(s, klen))
		return pdb_err_set(err, PDB_E_CORRUPT, "a stored entry has a malformed key");
	memcpy(key, s, klen);
	key[klen] = '\0';
	for (i = klen + 1; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return pdb_err_set(err, PDB_E_CORRUPT,
			                   "stored %s holds a control character", key);
	if (find(d, key))
		return pdb_err_set(err, PDB_E_CORRUPT, "%s is stored twice", key);
	if (sealed && !cfg__sealed_ok(eq + 1))
		return pdb_err_set(err, PDB_E_CORRUPT, "stored %s is not a sealed value", key);
	rc = cfg__doc_put(d, key, eq + 1, sealed);
	if (rc == PDB_E_TOO_LARGE)
		return pdb_err_set(err, PDB_E_CORRUPT, "more than %d stored entries",
		                   PDB_CFG_ENTRIES_MAX);
	return rc ? pdb_err_set(err, rc, "out of memory") : PDB_OK;
}

/* Entries of known keys must pass the schema, and are kept in canonical form. */
static enum pdb_rc check_known(struct cfg_doc *d, struct pdb_err *err)
{
	char canon[PDB_CFG_VALUE_MAX + 1];
	struct pdb_err why;
	enum cfg_key k;
	enum pdb_rc rc = PDB_OK;
	size_t i;

	for (i = 0; !rc && i < d->n; i++) {
		struct cfg_entry *e = &d->e[i];

		if (cfg_key_find(e->key, &k))
			continue; /* kept for a newer version */
		if (e->sealed) {
			if (!(cfg_field(k)->flags & CFG_SECRET))
				rc = pdb_err_set(err, PDB_E_CORRUPT, "stored %s is sealed", e->key);
			continue;
		}
		if (cfg_check(k, e->value, canon, &why)) {
			rc = pdb_err_set(err, PDB_E_CORRUPT, "stored %s", pdb_err_text(&why));
			continue;
		}
		if (strcmp(canon, e->value))
			rc = cfg__doc_put(d, e->key, canon, false);
	}
	cfg_wipe(canon, sizeof(canon));
	return rc;
}

/* --- migrations ------------------------------------------------------------------- */

/* Schema 1 (pre-release builds) named the PagerDuty keys "pagerduty.*". */
static const struct {
	const char *from, *to;
} renames_1_2[] = {
    {"pagerduty.region", "region"},
    {"pagerduty.token", "token"},
    {"pagerduty.api_host", "api.host"},
    {"pagerduty.from", "from_email"},
};

/* Rename @from to @to unless @to is set already (then the old entry just goes). */
static enum pdb_rc rename_key(struct cfg_doc *d, const char *from, const char *to)
{
	struct cfg_entry *e = find(d, from);
	char *k;

	if (!e)
		return PDB_OK;
	if (find(d, to)) {
		cfg__doc_remove(d, (size_t)(e - d->e));
		return PDB_OK;
	}
	k = mem_strdup(to);
	if (!k)
		return PDB_E_NOMEM;
	mem_free(e->key);
	e->key = k;
	return PDB_OK;
}

/* 1 -> 2: the renames above; poll.interval_ms (milliseconds) became poll.interval (seconds). */
static enum pdb_rc migrate_1_2(struct cfg_doc *d)
{
	struct cfg_entry *e;
	char secs[24], *end;
	long long ms, s;
	enum pdb_rc rc = PDB_OK;
	size_t i;

	for (i = 0; !rc && i < PDB_N_OF(renames_1_2); i++)
		rc = rename_key(d, renames_1_2[i].from, renames_1_2[i].to);
	e = find(d, "poll.interval_ms");
	if (rc || !e)
		return rc;
	errno = 0;
	ms = strtoll(e->value, &end, 10);
	/* Whole seconds, rounded up; no arithmetic near the ends of the range (found by fuzz_cfg).
	 */
	if (!*end && end != e->value && !errno && !find(d, "poll.interval")) {
		s = ms <= 0 ? 0 : ms / 1000 + (ms % 1000 != 0);
		s = s < PDB_POLL_INTERVAL_MIN_S ? PDB_POLL_INTERVAL_MIN_S : s;
		s = s > PDB_POLL_INTERVAL_MAX_S ? PDB_POLL_INTERVAL_MAX_S : s;
		snprintf(secs, sizeof(secs), "%lld", s);
		rc = cfg__doc_put(d, "poll.interval", secs, false);
	}
	e = find(d, "poll.interval_ms");
	if (!rc && e)
		cfg__doc_remove(d, (size_t)(e - d->e));
	return rc;
}

/* Step N runs on a document of schema N and leaves one of schema N + 1. */
static const struct {
	uint16_t from;
	enum pdb_rc (*run)(struct cfg_doc *d);
} migrations[] = {
    {1, migrate_1_2},
};

static enum pdb_rc migrate(struct cfg_doc *d, uint16_t schema, struct pdb_err *err)
{
	size_t i;
	uint16_t v;

	for (v = schema; v < CFG_SCHEMA; v++) {
		for (i = 0; i < PDB_N_OF(migrations); i++)
			if (migrations[i].from == v)
				break;
		if (i == PDB_N_OF(migrations))
			return pdb_err_set(err, PDB_E_CORRUPT, "no migration from schema %u", v);
		if (migrations[i].run(d))
			return pdb_err_set(err, PDB_E_NOMEM, "out of memory migrating schema %u",
			                   v);
		LOG_DEBUG(CFG_MOD, "migrated the stored config from schema %u to %u", v, v + 1);
	}
	d->schema = schema > CFG_SCHEMA ? schema : CFG_SCHEMA;
	return PDB_OK;
}

enum pdb_rc cfg__payload_decode(const uint8_t *p, size_t len, uint16_t schema, struct cfg_doc *d,
                                struct pdb_err *err)
{
	const char *s = (const char *)p, *nul;
	enum pdb_rc rc = PDB_OK;
	size_t off = 0;

	cfg_doc_init(d);
	if (len > PDB_CFG_PAYLOAD_MAX)
		return pdb_err_set(err, PDB_E_TOO_LARGE, "stored payload over %u bytes",
		                   PDB_CFG_PAYLOAD_MAX);
	if (!schema)
		return pdb_err_set(err, PDB_E_CORRUPT, "stored schema 0");
	while (!rc && off < len) {
		nul = memchr(s + off, '\0', len - off);
		if (!nul) {
			rc = pdb_err_set(err, PDB_E_CORRUPT,
			                 "the last stored entry is unterminated");
			break;
		}
		rc = parse_entry(s + off, (size_t)(nul - (s + off)), d, err);
		off = (size_t)(nul - s) + 1;
	}
	if (!rc)
		rc = migrate(d, schema, err);
	if (!rc)
		rc = check_known(d, err);
	if (rc)
		cfg_doc_free(d);
	return rc;
}

/* --- import files ----------------------------------------------------------------- */

static bool space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* What one import line asks for, validated. */
struct pending {
	bool given;
	bool unset;
	char *canon; /* mem-owned */
};

static void pending_free(struct pending *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i].canon) {
			cfg_wipe(p[i].canon, strlen(p[i].canon));
			mem_free(p[i].canon);
		}
		p[i] = (struct pending){0};
	}
}

/* Validate one line (@n bytes, no newline) into @p. Values never reach an error text. */
static enum pdb_rc import_line(const char *s, size_t n, size_t no, struct pending *p,
                               struct pdb_err *err)
{
	char key[PDB_CFG_KEY_MAX + 1], *text;
	char canon[PDB_CFG_VALUE_MAX + 1];
	const char *eq, *v;
	size_t klen, vlen;
	struct pdb_err why;
	enum cfg_key k;
	enum pdb_rc rc;

	while (n && space(*s))
		s++, n--;
	while (n && space(s[n - 1]))
		n--;
	if (!n || s[0] == '#')
		return PDB_OK;
	if (memchr(s, '\0', n))
		return pdb_err_set(err, PDB_E_PARSE, "line %zu: holds a NUL byte", no);
	eq = memchr(s, '=', n);
	if (!eq)
		return pdb_err_set(err, PDB_E_PARSE, "line %zu: expected key=value", no);
	klen = (size_t)(eq - s);
	while (klen && space(s[klen - 1]))
		klen--;
	if (!cfg__key_ok(s, klen))
		return pdb_err_set(err, PDB_E_PARSE, "line %zu: malformed key", no);
	memcpy(key, s, klen);
	key[klen] = '\0';
	if (cfg_key_find(key, &k))
		return pdb_err_set(err, PDB_E_PARSE, "line %zu: unknown key '%s'", no, key);
	v = eq + 1;
	vlen = n - (size_t)(v - s);
	while (vlen && space(*v))
		v++, vlen--;
	if (p[k].canon) {
		cfg_wipe(p[k].canon, strlen(p[k].canon));
		mem_free(p[k].canon);
	}
	p[k] = (struct pending){.given = true, .unset = !vlen};
	if (!vlen)
		return PDB_OK;
	if (vlen > PDB_CFG_VALUE_MAX)
		return pdb_err_set(err, PDB_E_TOO_LARGE, "line %zu: %s is longer than %d bytes", no,
		                   key, PDB_CFG_VALUE_MAX);
	text = mem_strndup(v, vlen);
	if (!text)
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory");
	rc = cfg_check(k, text, canon, &why);
	cfg_wipe(text, vlen);
	mem_free(text);
	if (rc)
		return pdb_err_set(err, rc, "line %zu: %s", no, pdb_err_text(&why));
	p[k].canon = mem_strdup(canon);
	cfg_wipe(canon, sizeof(canon));
	return p[k].canon ? PDB_OK : pdb_err_set(err, PDB_E_NOMEM, "out of memory");
}

/* Apply validated lines to @d; only allocation or a full entry table can fail here. */
static enum pdb_rc import_apply(struct cfg_doc *d, const struct pending *p,
                                const struct cfg_seal *seal, size_t *changed, struct pdb_err *err)
{
	enum pdb_rc rc = PDB_OK;
	bool ch;
	size_t i;

	for (i = 0; !rc && i < CFG_KEYS; i++) {
		if (!p[i].given)
			continue;
		ch = false;
		if (p[i].unset)
			cfg_doc_unset(d, (enum cfg_key)i, &ch);
		else
			rc = cfg_doc_set(d, (enum cfg_key)i, p[i].canon, seal, &ch, err);
		*changed += ch;
	}
	return rc;
}

/* A deep copy of @from into @to (initialised). */
static enum pdb_rc doc_copy(struct cfg_doc *to, const struct cfg_doc *from)
{
	size_t i;

	for (i = 0; i < from->n; i++)
		if (cfg__doc_put(to, from->e[i].key, from->e[i].value, from->e[i].sealed))
			return PDB_E_NOMEM;
	to->schema = from->schema;
	to->secret_changed = from->secret_changed;
	return PDB_OK;
}

enum pdb_rc cfg_import_parse(struct cfg_doc *d, const char *text, size_t len,
                             const struct cfg_seal *seal, size_t *changed, struct pdb_err *err)
{
	struct pending p[CFG_KEYS] = {{0}};
	struct cfg_doc *next = NULL;
	const char *line = text, *nl;
	enum pdb_rc rc = PDB_OK;
	size_t no = 0;

	*changed = 0;
	if (len > PDB_CFG_IMPORT_MAX)
		return pdb_err_set(err, PDB_E_TOO_LARGE, "an import file is at most %u bytes",
		                   PDB_CFG_IMPORT_MAX);
	while (!rc && line < text + len) {
		nl = memchr(line, '\n', (size_t)(text + len - line));
		rc = import_line(line, nl ? (size_t)(nl - line) : (size_t)(text + len - line), ++no,
		                 p, err);
		line = nl ? nl + 1 : text + len;
	}
	if (!rc) {
		/* All lines are valid: apply them to a copy, and swap only if all of it worked. */
		next = mem_malloc(sizeof(*next));
		rc = next ? PDB_OK : pdb_err_set(err, PDB_E_NOMEM, "out of memory");
	}
	if (!rc) {
		cfg_doc_init(next);
		rc = doc_copy(next, d);
		if (rc)
			pdb_err_set(err, rc, "out of memory");
	}
	if (!rc)
		rc = import_apply(next, p, seal, changed, err);
	if (!rc) {
		cfg_doc_free(d);
		*d = *next;
	} else if (next) {
		cfg_doc_free(next);
		*changed = 0;
	}
	mem_free(next);
	pending_free(p, CFG_KEYS);
	return rc;
}
