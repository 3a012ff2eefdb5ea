/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cfg_seal.c - secrets at rest: AES-256-GCM under a key derived from the
 * board's identity. The only file of cfg that includes wolfSSL (the at-rest
 * crypto adapter; src/pd is the TLS one), so scripts/check-deps names it.
 *
 * Key: HKDF-SHA256 over the identity (the board serial from the device tree
 * or /proc/cpuinfo, else /etc/machine-id), with a fixed salt and one label
 * for the AES key and another for a 4-byte key id. The key id is stored
 * with every sealed value, so a value from another device is told apart
 * from a damaged one: "token sealed for another device", not garbage and not
 * a misleading "corrupt".
 *
 * Sealed value: hex of  version(1) | key id(4) | nonce(12) | ciphertext | tag(16).
 * The nonce comes from getrandom(2); a value is sealed at most a few times a
 * day, so random 96-bit nonces are far from any collision bound.
 *
 * What this protects against, and what it does not, is in docs/config.md:
 * the serial is not a secret, so sealing binds a value to a device; it does
 * not hide it from root on that device.
 *
 * The same file holds the process MAC key (struct cfg_mac): HMAC-SHA256
 * under 32 random bytes drawn at start, which the MCP server uses to make
 * the request states it hands to clients tamper-evident. It is here so that
 * every wolfCrypt call of pdbridge outside TLS stays in one adapter file;
 * the key never leaves memory, so a restart invalidates every state out.
 */
#include "cfg_int.h"

#include <pdbridge/mem.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/hmac.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define SEAL_VERSION 1
#define KID_LEN      4
#define NONCE_LEN    12
#define TAG_LEN      16
#define OVERHEAD     (1 + KID_LEN + NONCE_LEN + TAG_LEN)

static const char salt[] = "pdbridge/cfg/seal";
static const char key_label[] = "pdbridge config seal key v1";
static const char kid_label[] = "pdbridge config seal key id v1";
static const char aad[] = "pdbridge config seal v1";

/* The identity sources, in the order they are tried. */
static const struct {
	enum cfg_id_source src;
	const char *path;
} sources[] = {
    {CFG_ID_DEVICE_TREE, "/proc/device-tree/serial-number"},
    {CFG_ID_CPUINFO, "/proc/cpuinfo"},
    {CFG_ID_MACHINE_ID, "/etc/machine-id"},
};

const char *cfg_id_source_name(enum cfg_id_source src)
{
	switch (src) {
	case CFG_ID_NONE:
		return "none";
	case CFG_ID_FILE:
		return "device id file";
	case CFG_ID_DEVICE_TREE:
		return "device-tree serial-number";
	case CFG_ID_CPUINFO:
		return "/proc/cpuinfo Serial";
	case CFG_ID_MACHINE_ID:
		return "/etc/machine-id";
	}
	return "?";
}

/* Read at most PDB_CFG_ID_READ_MAX bytes of @path into @out (NUL-terminated). */
static ssize_t read_small(const char *path, char *out, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (got < len - 1) {
		n = read(fd, out + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	out[got] = '\0';
	return (ssize_t)got;
}

/* @s lower-cased and trimmed of spaces and NULs into @out; false when empty or all zeros. */
static bool normalise(const char *s, size_t n, char *out, size_t len)
{
	size_t i, o = 0;

	while (n && (s[n - 1] == '\0' || s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	for (i = 0; i < n && o < len - 1; i++)
		out[o++] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	out[o] = '\0';
	return o && strspn(out, "0") != o && !memchr(out, '\0', o);
}

/* The value of the "Serial : ..." line of /proc/cpuinfo text @s. */
static bool cpuinfo_serial(const char *s, char *out, size_t len)
{
	const char *line = s, *nl, *colon;

	for (; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (strncmp(line, "Serial", 6) ||
		    (line[6] != ' ' && line[6] != '\t' && line[6] != ':'))
			continue;
		colon = strchr(line, ':');
		if (!colon || (nl && colon > nl))
			return false;
		colon++;
		return normalise(colon, nl ? (size_t)(nl - colon) : strlen(colon), out, len);
	}
	return false;
}

/* Derive key and key id from @id. */
static enum pdb_rc derive(struct cfg_seal *s, const char *id, struct pdb_err *err)
{
	word32 idlen = (word32)strlen(id);

	if (wc_HKDF(WC_SHA256, (const byte *)id, idlen, (const byte *)salt, sizeof(salt) - 1,
	            (const byte *)key_label, sizeof(key_label) - 1, s->key, sizeof(s->key)) ||
	    wc_HKDF(WC_SHA256, (const byte *)id, idlen, (const byte *)salt, sizeof(salt) - 1,
	            (const byte *)kid_label, sizeof(kid_label) - 1, s->kid, sizeof(s->kid))) {
		cfg_seal_wipe(s);
		return pdb_err_set(err, PDB_E_INTERNAL, "key derivation failed");
	}
	s->ok = true;
	return PDB_OK;
}

enum pdb_rc cfg__seal_from_text(struct cfg_seal *s, enum cfg_id_source src, const char *text,
                                size_t n, struct pdb_err *err)
{
	char id[PDB_CFG_ID_MAX];
	bool found;
	enum pdb_rc rc;

	memset(s, 0, sizeof(*s));
	/* The same serial from the device tree or from cpuinfo gives the same key. */
	found = src == CFG_ID_CPUINFO ? cpuinfo_serial(text, id, sizeof(id))
	                              : normalise(text, n, id, sizeof(id));
	if (!found)
		return PDB_E_NOTFOUND;
	s->source = src;
	rc = derive(s, id, err);
	if (rc)
		s->source = CFG_ID_NONE;
	cfg_wipe(id, sizeof(id));
	return rc;
}

enum pdb_rc cfg_seal_init(struct cfg_seal *s, const char *id_file, struct pdb_err *err)
{
	char text[PDB_CFG_ID_READ_MAX + 1];
	enum pdb_rc rc = PDB_E_NOTFOUND;
	ssize_t n;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (id_file) {
		n = read_small(id_file, text, sizeof(text));
		if (n < 0)
			return pdb_err_set(err, PDB_E_IO, "cannot read the device id file %s: %s",
			                   id_file, strerror(errno));
		rc = cfg__seal_from_text(s, CFG_ID_FILE, text, (size_t)n, err);
		cfg_wipe(text, sizeof(text));
		if (rc == PDB_E_NOTFOUND)
			return pdb_err_set(err, PDB_E_IO, "the device id file %s holds no identity",
			                   id_file);
		return rc;
	}
	for (i = 0; rc == PDB_E_NOTFOUND && i < PDB_N_OF(sources); i++) {
		n = read_small(sources[i].path, text, sizeof(text));
		if (n > 0)
			rc = cfg__seal_from_text(s, sources[i].src, text, (size_t)n, err);
	}
	cfg_wipe(text, sizeof(text));
	if (rc == PDB_E_NOTFOUND)
		return pdb_err_set(err, rc,
		                   "no device identity (device-tree serial, /proc/cpuinfo Serial, "
		                   "/etc/machine-id) to seal secrets with");
	return rc;
}

void cfg_seal_wipe(struct cfg_seal *s)
{
	cfg_wipe(s, sizeof(*s));
}

/* --- values ------------------------------------------------------------------ */

static const char hexdig[] = "0123456789abcdef";

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool cfg__sealed_ok(const char *hex)
{
	size_t n = strlen(hex), i;

	if (n % 2 || n < 2 * OVERHEAD || n > 2 * (OVERHEAD + PDB_CFG_VALUE_MAX))
		return false;
	for (i = 0; i < n; i++)
		if (unhex(hex[i]) < 0)
			return false;
	return unhex(hex[0]) * 16 + unhex(hex[1]) == SEAL_VERSION;
}

enum pdb_rc cfg__seal_value(const struct cfg_seal *seal, const char *plain, struct buf *hex)
{
	uint8_t blob[OVERHEAD + PDB_CFG_VALUE_MAX];
	size_t n = strlen(plain), total = OVERHEAD + n, i;
	uint8_t *nonce = blob + 1 + KID_LEN, *ct = nonce + NONCE_LEN, *tag = ct + n;
	enum pdb_rc rc = PDB_OK;
	Aes aes;

	buf_reset(hex);
	if (!seal || !seal->ok)
		return PDB_E_MISSING;
	if (n > PDB_CFG_VALUE_MAX)
		return PDB_E_TOO_LARGE;
	blob[0] = SEAL_VERSION;
	memcpy(blob + 1, seal->kid, KID_LEN);
	if (getrandom(nonce, NONCE_LEN, 0) != NONCE_LEN)
		return PDB_E_INTERNAL;
	if (wc_AesInit(&aes, NULL, INVALID_DEVID))
		return PDB_E_INTERNAL;
	if (wc_AesGcmSetKey(&aes, seal->key, sizeof(seal->key)) ||
	    wc_AesGcmEncrypt(&aes, ct, (const byte *)plain, (word32)n, nonce, NONCE_LEN, tag,
	                     TAG_LEN, (const byte *)aad, sizeof(aad) - 1))
		rc = PDB_E_INTERNAL;
	wc_AesFree(&aes);
	cfg_wipe(&aes, sizeof(aes));
	for (i = 0; !rc && i < total; i++) {
		rc = buf_addc(hex, hexdig[blob[i] >> 4]);
		if (!rc)
			rc = buf_addc(hex, hexdig[blob[i] & 15]);
	}
	return rc;
}

enum pdb_rc cfg__unseal_value(const struct cfg_seal *seal, const char *hex, char *out, size_t len)
{
	uint8_t blob[OVERHEAD + PDB_CFG_VALUE_MAX];
	size_t total, n, i;
	enum pdb_rc rc = PDB_OK;
	const uint8_t *nonce, *ct, *tag;
	Aes aes;

	out[0] = '\0';
	if (!cfg__sealed_ok(hex))
		return PDB_E_CORRUPT;
	if (!seal || !seal->ok)
		return PDB_E_AUTH;
	total = strlen(hex) / 2;
	for (i = 0; i < total; i++)
		blob[i] = (uint8_t)(unhex(hex[2 * i]) * 16 + unhex(hex[2 * i + 1]));
	if (memcmp(blob + 1, seal->kid, KID_LEN))
		return PDB_E_AUTH;
	n = total - OVERHEAD;
	if (n >= len)
		return PDB_E_TOO_LARGE;
	nonce = blob + 1 + KID_LEN;
	ct = nonce + NONCE_LEN;
	tag = ct + n;
	if (wc_AesInit(&aes, NULL, INVALID_DEVID))
		return PDB_E_INTERNAL;
	if (wc_AesGcmSetKey(&aes, seal->key, sizeof(seal->key)) ||
	    wc_AesGcmDecrypt(&aes, (byte *)out, ct, (word32)n, nonce, NONCE_LEN, tag, TAG_LEN,
	                     (const byte *)aad, sizeof(aad) - 1))
		rc = PDB_E_CORRUPT;
	wc_AesFree(&aes);
	cfg_wipe(&aes, sizeof(aes));
	out[rc ? 0 : n] = '\0';
	/* Plain text that would not pass as a value is damage, not a value. */
	for (i = 0; !rc && i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			rc = PDB_E_CORRUPT;
	if (rc)
		cfg_wipe(out, len);
	return rc;
}

/* --- documents ------------------------------------------------------------------ */

enum pdb_rc cfg_doc_seal(struct cfg_doc *d, const struct cfg_seal *seal, struct pdb_err *err)
{
	struct buf hex;
	enum cfg_key k;
	enum pdb_rc rc = PDB_OK;
	size_t i;

	buf_init(&hex, 2 * (OVERHEAD + PDB_CFG_VALUE_MAX));
	for (i = 0; !rc && i < d->n; i++) {
		struct cfg_entry *e = &d->e[i];

		if (e->sealed || cfg_key_find(e->key, &k) || !(cfg_field(k)->flags & CFG_SECRET))
			continue;
		rc = cfg__seal_value(seal, e->value, &hex);
		if (rc == PDB_E_MISSING)
			rc = pdb_err_set(err, rc, "no device key to seal %s with", e->key);
		else if (rc)
			rc = pdb_err_set(err, rc, "cannot seal %s", e->key);
		else
			rc = cfg__doc_put(d, e->key, buf_cstr(&hex), true);
		/* The plain copy must leave both slots, as for a changed secret. */
		if (!rc)
			d->secret_changed = true;
	}
	buf_free(&hex);
	return rc;
}

enum pdb_rc cfg_doc_reveal(const struct cfg_entry *e, const struct cfg_seal *seal, char *out,
                           size_t len, struct pdb_err *err)
{
	enum pdb_rc rc;

	if (!e->sealed) {
		if (strlen(e->value) >= len)
			return pdb_err_set(err, PDB_E_TOO_LARGE, "%s is too long", e->key);
		memcpy(out, e->value, strlen(e->value) + 1);
		return PDB_OK;
	}
	rc = cfg__unseal_value(seal, e->value, out, len);
	if (rc == PDB_E_AUTH && !(seal && seal->ok))
		return pdb_err_set(
		    err, rc, "%s is sealed, and this device has no identity to open it", e->key);
	if (rc == PDB_E_AUTH)
		return pdb_err_set(err, rc, "%s sealed for another device", e->key);
	if (rc == PDB_E_CORRUPT)
		return pdb_err_set(err, rc, "%s is sealed for this device but damaged", e->key);
	return rc ? pdb_err_set(err, rc, "cannot unseal %s", e->key) : PDB_OK;
}

/* --- the process MAC key ---------------------------------------------------------- */

enum pdb_rc cfg_mac_init(struct cfg_mac *m)
{
	ssize_t n = getrandom(m->key, sizeof(m->key), 0);

	if (n == (ssize_t)sizeof(m->key))
		return PDB_OK;
	cfg_mac_wipe(m);
	return PDB_E_IO;
}

enum pdb_rc cfg_mac_sign(const struct cfg_mac *m, const void *msg, size_t len,
                         uint8_t out[CFG_MAC_LEN])
{
	Hmac h;
	int bad;

	if (len > 0xffffffffu || wc_HmacInit(&h, NULL, INVALID_DEVID))
		return PDB_E_INTERNAL;
	bad = wc_HmacSetKey(&h, WC_SHA256, m->key, sizeof(m->key)) ||
	      wc_HmacUpdate(&h, msg, (word32)len) || wc_HmacFinal(&h, out);
	wc_HmacFree(&h);
	return bad ? PDB_E_INTERNAL : PDB_OK;
}

void cfg_mac_wipe(struct cfg_mac *m)
{
	volatile uint8_t *p = m->key;
	size_t i;

	for (i = 0; i < sizeof(m->key); i++)
		p[i] = 0;
}
