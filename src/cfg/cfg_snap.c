/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cfg_snap.c - the snapshot: every key resolved through flag > environment
 * > flash > default, validated, and frozen.
 *
 * A struct cfg is built in one go and never changed afterwards, so any
 * number of readers may hold it without locks; a reload builds a new one and
 * the owner swaps pointers (mosquitto's config_reload). Each value keeps
 * where it came from, for `pdbridge config show --origin`.
 *
 * A sealed secret is unsealed only if the flash layer is the one that wins:
 * a token given in the environment makes a token sealed for another device
 * irrelevant, and a token that cannot be unsealed fails only the reader
 * that asks for it (cfg_secret()), so `config show` on a copied card still
 * shows everything else.
 */
#include "cfg_int.h"

#include <pdbridge/mem.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Why a secret has no value. */
enum unavailable {
	AVAILABLE = 0,
	OTHER_DEVICE = 1, /* sealed under another device's key */
	DAMAGED = 2,      /* sealed under this device's key, but it does not open */
	NO_KEY = 3,       /* this device has no identity, so no key to try */
};

struct cfg_val {
	char *text;  /* canonical, mem-owned; "" when unset */
	char *items; /* lists: the items NUL-separated; else NULL */
	size_t n_items;
	long long num;
	enum cfg_origin origin;
	char detail[PDB_CFG_KEY_MAX + 16]; /* the variable or flag name */
	bool sealed;
	enum unavailable unavailable;
};

struct cfg {
	struct cfg_val v[CFG_KEYS];
};

static void val_free(struct cfg_val *v)
{
	if (v->text)
		cfg_wipe(v->text, strlen(v->text));
	mem_free(v->text);
	mem_free(v->items);
}

void cfg_free(struct cfg *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < CFG_KEYS; i++)
		val_free(&c->v[i]);
	mem_free(c);
}

/* The winning raw value of @k and where it came from; NULL for the default. */
static const char *pick(const struct cfg_sources *src, enum cfg_key k, struct cfg_val *v,
                        const struct cfg_entry **stored)
{
	const struct cfg_field *f = cfg_field(k);
	const char *val, *found = NULL;
	char env[PDB_CFG_KEY_MAX + 16];
	size_t i;

	*stored = NULL;
	for (i = 0; i < src->n_flags; i++)
		if (src->flags[i].key == k && src->flags[i].value && src->flags[i].value[0]) {
			found = src->flags[i].value;
			v->origin = CFG_ORIGIN_FLAG;
			snprintf(v->detail, sizeof(v->detail), "%s",
			         src->flags[i].name ? src->flags[i].name : "");
		}
	if (found)
		return found;
	cfg_env_name(k, env, sizeof(env));
	for (i = 0; src->getenv && i < 2; i++) {
		const char *name = i == 0 ? f->env : env;

		val = name ? src->getenv(name) : NULL;
		if (val && val[0]) {
			v->origin = CFG_ORIGIN_ENV;
			snprintf(v->detail, sizeof(v->detail), "%s", name);
			return val;
		}
	}
	*stored = src->flash ? cfg_doc_find(src->flash, f->key) : NULL;
	if (*stored) {
		v->origin = CFG_ORIGIN_FLASH;
		return (*stored)->value;
	}
	v->origin = CFG_ORIGIN_DEFAULT;
	return NULL;
}

/* "--region: " / "PDBRIDGE_REGION: " / "stored " before a validation error. */
static enum pdb_rc prefixed(struct pdb_err *err, const struct cfg_val *v, const struct pdb_err *why)
{
	switch (v->origin) {
	case CFG_ORIGIN_FLAG:
	case CFG_ORIGIN_ENV:
		return pdb_err_set(err, why->rc, "%s: %s", v->detail, pdb_err_text(why));
	case CFG_ORIGIN_FLASH:
		return pdb_err_set(err, why->rc, "stored %s (pdbridge config set or unset it)",
		                   pdb_err_text(why));
	case CFG_ORIGIN_DEFAULT:
		return pdb_err_set(err, PDB_E_INTERNAL, "bad default: %s", pdb_err_text(why));
	}
	return PDB_E_INTERNAL;
}

/* Fill the typed forms of a validated value. */
static enum pdb_rc derive(const struct cfg_field *f, struct cfg_val *v)
{
	size_t i;

	switch (f->type) {
	case CFG_T_INT:
		v->num = v->text[0] ? strtoll(v->text, NULL, 10) : 0;
		return PDB_OK;
	case CFG_T_BOOL:
		v->num = !strcmp(v->text, "true");
		return PDB_OK;
	case CFG_T_LIST:
		if (!v->text[0])
			return PDB_OK;
		v->items = mem_strdup(v->text);
		if (!v->items)
			return PDB_E_NOMEM;
		v->n_items = 1;
		for (i = 0; v->items[i]; i++)
			if (v->items[i] == ',') {
				v->items[i] = '\0';
				v->n_items++;
			}
		return PDB_OK;
	case CFG_T_STR:
	case CFG_T_ENUM:
		return PDB_OK;
	}
	return PDB_E_INTERNAL;
}

static enum pdb_rc resolve(const struct cfg_sources *src, enum cfg_key k, struct cfg_val *v,
                           struct pdb_err *err)
{
	const struct cfg_field *f = cfg_field(k);
	const struct cfg_entry *stored;
	char canon[PDB_CFG_VALUE_MAX + 1], plain[PDB_CFG_VALUE_MAX + 1];
	const char *raw = pick(src, k, v, &stored);
	struct pdb_err why;
	enum pdb_rc rc = PDB_OK;

	canon[0] = '\0';
	if (stored && stored->sealed) {
		v->sealed = true;
		rc = cfg__unseal_value(src->seal, stored->value, plain, sizeof(plain));
		if (rc) {
			v->unavailable = rc == PDB_E_CORRUPT          ? DAMAGED
			                 : src->seal && src->seal->ok ? OTHER_DEVICE
			                                              : NO_KEY;
			raw = NULL;
			rc = PDB_OK;
		} else {
			raw = plain;
		}
	} else if (!raw) {
		raw = f->def;
	}
	if (raw && raw[0]) {
		rc = cfg_check(k, raw, canon, &why);
		if (rc)
			rc = prefixed(err, v, &why);
	}
	if (!rc) {
		v->text = mem_strdup(canon);
		rc = v->text ? derive(f, v) : PDB_E_NOMEM;
		if (rc == PDB_E_NOMEM)
			pdb_err_set(err, rc, "out of memory");
	}
	cfg_wipe(plain, sizeof(plain));
	cfg_wipe(canon, sizeof(canon));
	return rc;
}

enum pdb_rc cfg_build(const struct cfg_sources *src, struct cfg **out, struct pdb_err *err)
{
	struct cfg *c = mem_calloc(1, sizeof(*c));
	enum pdb_rc rc = PDB_OK;
	size_t i;

	*out = NULL;
	if (!c)
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory");
	for (i = 0; !rc && i < CFG_KEYS; i++)
		rc = resolve(src, (enum cfg_key)i, &c->v[i], err);
	if (rc) {
		cfg_free(c);
		return rc;
	}
	*out = c;
	return PDB_OK;
}

const char *cfg_str(const struct cfg *c, enum cfg_key k)
{
	return c->v[k].unavailable ? NULL : c->v[k].text;
}

long long cfg_int(const struct cfg *c, enum cfg_key k)
{
	return c->v[k].num;
}

bool cfg_bool(const struct cfg *c, enum cfg_key k)
{
	return c->v[k].num != 0;
}

size_t cfg_list(const struct cfg *c, enum cfg_key k, const char **out, size_t cap)
{
	const struct cfg_val *v = &c->v[k];
	const char *item = v->items;
	size_t i;

	for (i = 0; i < v->n_items && i < cap; i++) {
		out[i] = item;
		item += strlen(item) + 1;
	}
	return i;
}

enum pdb_rc cfg_secret(const struct cfg *c, enum cfg_key k, const char **out, struct pdb_err *err)
{
	const char *key = cfg_field(k)->key;

	*out = NULL;
	switch (c->v[k].unavailable) {
	case AVAILABLE:
		*out = c->v[k].text;
		return PDB_OK;
	case OTHER_DEVICE:
		return pdb_err_set(err, PDB_E_AUTH, "%s sealed for another device", key);
	case DAMAGED:
		return pdb_err_set(err, PDB_E_CORRUPT, "%s is sealed for this device but damaged",
		                   key);
	case NO_KEY:
		return pdb_err_set(err, PDB_E_AUTH,
		                   "%s is sealed, and this device has no identity to open it", key);
	}
	return PDB_E_INTERNAL;
}

bool cfg_sealed(const struct cfg *c, enum cfg_key k)
{
	return c->v[k].sealed;
}

enum cfg_origin cfg_origin(const struct cfg *c, enum cfg_key k, const char **detail)
{
	if (detail)
		*detail = c->v[k].detail[0] ? c->v[k].detail : NULL;
	return c->v[k].origin;
}

const char *cfg_origin_name(enum cfg_origin o)
{
	switch (o) {
	case CFG_ORIGIN_DEFAULT:
		return "default";
	case CFG_ORIGIN_FLASH:
		return "flash";
	case CFG_ORIGIN_ENV:
		return "env";
	case CFG_ORIGIN_FLAG:
		return "flag";
	}
	return "?";
}
