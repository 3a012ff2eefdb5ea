/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_list.c - classic offset pagination, bounded by what the client asked.
 *
 * Pages are requested as large as PagerDuty allows (100), or just as large as
 * the records still wanted, so a list takes the fewest requests. Nothing the
 * server echoes steers the walk: its `offset` and `limit` are never read, a
 * page yields at most the items asked for, and the next offset is this one
 * plus the items taken. A list stops at more=false, at an empty page, at the
 * record cap, at PagerDuty's 10,000 ceiling, at the byte cap of the
 * collecting variant, and at its budget of pages and of time (the
 * client's deadline for one call: a list as a whole gets no longer, plus
 * the page in flight). The last two exist because a server that always says more=true (a contract
 * mock answering every page with one example item) would otherwise be paged until the offset
 * ceiling: thousands of requests. Every stop short of more=false sets truncated; only one page is
 * held in memory at a time.
 */
#include "pd_int.h"

#include <pdbridge/clock.h>
#include <pdbridge/jsonx.h>
#include <pdbridge/log.h>

#include <cjson/cJSON.h>

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The page query: the caller's filters plus limit, offset and maybe total. */
static enum pdb_rc page_query(const struct pd_query *q, size_t limit, size_t offset, bool total,
                              struct pd_query *out)
{
	char num[24];
	enum pdb_rc rc = PDB_OK;

	pd_query_init(out);
	if (q && buf_len(&q->b))
		rc = buf_add(&out->b, buf_cstr(&q->b), buf_len(&q->b));
	snprintf(num, sizeof(num), "%zu", limit);
	if (!rc)
		rc = pd_query_add(out, "limit", num);
	snprintf(num, sizeof(num), "%zu", offset);
	if (!rc)
		rc = pd_query_add(out, "offset", num);
	if (!rc && total)
		rc = pd_query_add(out, "total", "true");
	return rc;
}

void pd__add_stats(struct pd_stats *to, const struct pd_stats *from)
{
	to->requests += from->requests;
	to->retries += from->retries;
	to->bytes += from->bytes;
}

struct pd_total pd__total(const cJSON *page, size_t received, bool more)
{
	struct pd_total t = {.value = -1};
	int64_t v = -1;

	switch (jsonx_get_int(page, "total", 0, INT64_MAX, &v)) {
	case PDB_OK:
		if ((uint64_t)v < received)
			t.why = "smaller than the items of the page";
		else if ((uint64_t)v == received && more)
			t.why = "no larger than the page, which says more";
		else
			t.value = v;
		break;
	case PDB_E_MISSING:
		t.why = "absent or null";
		break;
	case PDB_E_RANGE:
		t.why = "negative or out of range";
		break;
	default:
		t.why = "not a whole number";
		break;
	}
	return t;
}

/* One page's outcome. */
struct page {
	size_t received; /* items the page held */
	size_t taken;    /* of those, passed to the callback (at most the limit asked) */
	bool more;       /* the page says more exist */
};

/* Pass up to @limit items of @page to @fn. */
static enum pdb_rc walk_page(const cJSON *page, const char *key, size_t limit, pd_item_fn fn,
                             void *ctx, struct pd_list_result *res, struct page *pg,
                             struct pdb_err *err)
{
	const cJSON *items, *item;
	enum pdb_rc rc;

	memset(pg, 0, sizeof(*pg));
	rc = jsonx_get_arr(page, key, &items);
	if (rc)
		return pdb_err_set(err, PDB_E_TYPE, "PagerDuty response has no '%s' list", key);
	if (jsonx_get_bool(page, "more", &pg->more))
		pg->more = false; /* absent or null: PagerDuty's own clients treat it as the end */
	pg->received = (size_t)cJSON_GetArraySize(items);
	cJSON_ArrayForEach(item, items)
	{
		if (pg->taken == limit)
			break; /* more than asked for: the rest is not ours to count */
		rc = fn(item, ctx, err);
		if (rc)
			return rc;
		res->records++;
		pg->taken++;
	}
	return PDB_OK;
}

/* Say once a process (then at debug level) that a cap cut a list short. */
static void log_capped(const char *path, const struct pd_list_result *res, bool by_time)
{
	static atomic_bool said;
	enum log_level lvl = atomic_exchange(&said, true) ? LOG_LVL_DEBUG : LOG_LVL_WARN;

	log_msg(lvl, PD_LOG,
	        "GET %s: PagerDuty still said more after %u requests and %zu records; stopped at "
	        "the %s cap, the list is marked truncated",
	        path, res->stats.requests, res->records, by_time ? "time" : "page");
}

/* The limit of the next page, 0 when a bound on records or offset says stop. */
static size_t next_limit(size_t max_records, size_t records, size_t offset)
{
	size_t limit = max_records - records;

	if (limit > PDB_PD_PAGE_LIMIT)
		limit = PDB_PD_PAGE_LIMIT;
	if (offset + limit > PDB_PD_OFFSET_MAX)
		limit = offset < PDB_PD_OFFSET_MAX ? PDB_PD_OFFSET_MAX - offset : 0;
	return limit;
}

enum pdb_rc pd__list(struct pd_client *c, const struct pd_list_spec *s, struct pd_budget *b,
                     pd_item_fn fn, void *ctx, struct pd_list_result *res, struct pd_total *total,
                     struct pdb_err *err)
{
	size_t max = s->max_records, offset = s->offset, limit;
	struct pd_response resp;
	struct pd_query pq;
	struct page pg = {.more = true};
	bool first = true;
	enum pdb_rc rc;

	memset(res, 0, sizeof(*res));
	if (total)
		*total = (struct pd_total){.value = -1, .why = "not sent"};
	if (!max || max > PDB_PD_LIST_RECORDS_MAX)
		max = PDB_PD_LIST_RECORDS_MAX;
	while (pg.more) {
		limit = next_limit(max, res->records, offset);
		if (limit == 0 || (s->max_bytes && res->stats.bytes >= s->max_bytes)) {
			res->truncated = true; /* more exists, but a bound says stop */
			break;
		}
		if (!b->pages || (!first && !clk_remaining_ms(b->deadline))) {
			res->truncated = res->capped = true;
			log_capped(s->path, res, b->pages != 0);
			break;
		}
		b->pages--;
		rc = page_query(s->q, limit, offset, total && first, &pq);
		if (rc) {
			pd_query_free(&pq);
			return pdb_err_set(err, rc, "list query too long");
		}
		rc = pd_call(c, PD_GET, s->path, &pq, NULL, 0, &resp, err);
		pd_query_free(&pq);
		pd__add_stats(&res->stats, &resp.stats);
		if (rc)
			return rc;
		rc = walk_page(resp.json, s->key, limit, fn, ctx, res, &pg, err);
		if (!rc && total && first)
			*total = pd__total(resp.json, pg.received, pg.more);
		pd_response_free(&resp);
		if (rc)
			return rc;
		/* items left over, an empty page that claims more, or a single page by design */
		if (pg.received > pg.taken || (pg.more && (pg.taken == 0 || s->one_page))) {
			res->truncated = true;
			break;
		}
		offset += pg.taken;
		first = false;
	}
	return PDB_OK;
}

enum pdb_rc pd_list(struct pd_client *c, const char *path, const char *key,
                    const struct pd_query *q, size_t max_records, pd_item_fn fn, void *ctx,
                    struct pd_list_result *res, struct pdb_err *err)
{
	struct pd_list_spec s = {.path = path, .key = key, .q = q, .max_records = max_records};
	struct pd_budget b = pd__budget(c, PDB_PD_LIST_PAGES_MAX);

	return pd__list(c, &s, &b, fn, ctx, res, NULL, err);
}

static enum pdb_rc collect(const cJSON *item, void *ctx, struct pdb_err *err)
{
	cJSON *copy = cJSON_Duplicate(item, true);

	if (!copy || !cJSON_AddItemToArray(ctx, copy)) { /* takes ownership of copy */
		cJSON_Delete(copy);
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory collecting the list");
	}
	return PDB_OK;
}

enum pdb_rc pd_list_json(struct pd_client *c, const char *path, const char *key,
                         const struct pd_query *q, size_t max_records, size_t max_bytes,
                         struct cJSON **items, struct pd_list_result *res, struct pdb_err *err)
{
	return pd_list_json_from(c, path, key, q, 0, max_records, max_bytes, items, res, err);
}

enum pdb_rc pd_list_json_from(struct pd_client *c, const char *path, const char *key,
                              const struct pd_query *q, size_t offset, size_t max_records,
                              size_t max_bytes, struct cJSON **items, struct pd_list_result *res,
                              struct pdb_err *err)
{
	struct pd_list_spec s = {.path = path,
	                         .key = key,
	                         .q = q,
	                         .offset = offset,
	                         .max_records = max_records,
	                         .max_bytes = max_bytes ? max_bytes : PDB_PD_LIST_BYTES_MAX};
	struct pd_budget b = pd__budget(c, PDB_PD_LIST_PAGES_MAX);
	enum pdb_rc rc;

	*items = cJSON_CreateArray();
	if (!*items)
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory");
	rc = pd__list(c, &s, &b, collect, *items, res, NULL, err);
	if (rc) {
		cJSON_Delete(*items);
		*items = NULL;
	}
	return rc;
}
