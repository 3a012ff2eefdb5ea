/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_cfg.c - libFuzzer target over everything the config store reads from
 * a medium or a file: the slot record decoder, the payload decoder with its
 * migrations, the import parser, and the sealed-value decoder.
 *
 * The first byte picks the path, the rest is the input:
 *   0, 1  a slot as a file (exact length) or as flash (padded); a valid
 *         record's payload is decoded under the schema in its header
 *   2     a payload, decoded under the schema in the next byte
 *   3     an import file applied to a document holding a few entries
 *   4     a sealed value, opened with a fixed key
 * Whatever decodes must encode again and decode to the same entries (a
 * stored config read back is the config written), and every input must end
 * with the mem funnel back at zero. Built and run by tests/fuzz/run_cfg.sh.
 */
#include "../../src/cfg/cfg_int.h"

#include <pdbridge/cfg.h>
#include <pdbridge/log.h>
#include <pdbridge/mem.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	log_set_level(LOG_LVL_ERROR); /* the store warns about damaged slots: expected here */
	return 0;
}

/* A decoded document must survive encode -> decode unchanged. */
static void round_trip(const struct cfg_doc *d)
{
	struct buf a, b;
	struct cfg_doc again;
	struct pdb_err err;

	buf_init(&a, PDB_CFG_PAYLOAD_MAX);
	buf_init(&b, PDB_CFG_PAYLOAD_MAX);
	if (cfg__payload_encode(d, &a)) {
		buf_free(&a);
		return; /* over the payload bound: refused at save, fine */
	}
	if (cfg__payload_decode((const uint8_t *)buf_cstr(&a), buf_len(&a), CFG_SCHEMA, &again,
	                        &err))
		abort(); /* we wrote something we cannot read back */
	if (cfg__payload_encode(&again, &b) || buf_len(&a) != buf_len(&b) ||
	    memcmp(buf_cstr(&a), buf_cstr(&b), buf_len(&a)))
		abort();
	cfg_doc_free(&again);
	buf_free(&a);
	buf_free(&b);
}

static void slot(const uint8_t *p, size_t n, bool exact)
{
	const uint8_t *payload;
	struct cfg__hdr h;
	struct cfg_doc d;
	struct pdb_err err;

	if (cfg__rec_decode(p, n, exact, &h, &payload) != CFG_SLOT_VALID)
		return;
	if (h.payload_len > n - CFG_REC_HDR)
		abort(); /* a valid record points inside its bytes */
	if (!cfg__payload_decode(payload, h.payload_len, h.schema, &d, &err)) {
		if (h.schema <= CFG_SCHEMA)
			round_trip(&d);
		cfg_doc_free(&d);
	}
}

static void payload(const uint8_t *p, size_t n)
{
	struct cfg_doc d;
	struct pdb_err err;

	if (!n)
		return;
	if (!cfg__payload_decode(p + 1, n - 1, p[0] % 4, &d, &err)) {
		round_trip(&d);
		cfg_doc_free(&d);
	}
}

static void import(const uint8_t *p, size_t n)
{
	struct cfg_doc d;
	struct pdb_err err;
	size_t changed;
	bool ch;

	cfg_doc_init(&d);
	if (cfg_doc_set(&d, CFG_REGION, "eu", NULL, &ch, &err) ||
	    cfg__doc_put(&d, "zz.future", "kept", false))
		abort();
	if (cfg_import_parse(&d, (const char *)p, n, NULL, &changed, &err)) {
		/* all or nothing: a refused file leaves the document as it was */
		if (d.n != 2 || strcmp(cfg_doc_find(&d, "region")->value, "eu"))
			abort();
	}
	round_trip(&d);
	cfg_doc_free(&d);
}

static void sealed(const uint8_t *p, size_t n)
{
	static const struct cfg_seal seal = {
	    .ok = true, .source = CFG_ID_FILE, .key = {1, 2, 3}, .kid = {0xa1, 0xb2, 0xc3, 0xd4}};
	char hex[2 * (PDB_CFG_VALUE_MAX + 64)], out[PDB_CFG_VALUE_MAX + 1];
	enum pdb_rc rc;

	if (n >= sizeof(hex))
		return;
	memcpy(hex, p, n);
	hex[n] = '\0';
	rc = cfg__unseal_value(&seal, hex, out, sizeof(out));
	if (!rc && strlen(out) >= sizeof(out))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem_stats st;

	if (!size)
		return 0;
	switch (data[0] % 5) {
	case 0:
	case 1:
		slot(data + 1, size - 1, data[0] % 5 == 0);
		break;
	case 2:
		payload(data + 1, size - 1);
		break;
	case 3:
		import(data + 1, size - 1);
		break;
	case 4:
		sealed(data + 1, size - 1);
		break;
	}
	mem_get_stats(&st);
	if (st.current)
		abort(); /* every path frees what it allocated */
	return 0;
}
