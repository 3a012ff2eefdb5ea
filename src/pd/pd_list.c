/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_list.c - classic offset pagination, bounded three ways.
 *
 * Pages are requested as large as PagerDuty allows (100), or just as large as
 * the records still wanted, so a list takes the fewest requests. The offset
 * advances by the number of items actually received (PagerDuty may return
 * fewer than asked) and never past PagerDuty's 10,000 ceiling; the record
 * cap and, for the collecting variant, a byte cap stop a list early and say
 * so. Only one page is held in memory at a time.
 */
#include <pdbridge/jsonx.h>
#include <pdbridge/pd.h>

#include <cjson/cJSON.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The page query: the caller's filters plus limit and offset. */
static enum pdb_rc page_query(const struct pd_query *q, size_t limit, size_t offset,
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
	return rc;
}

static void add_stats(struct pd_stats *to, const struct pd_stats *from)
{
	to->requests += from->requests;
	to->retries += from->retries;
	to->bytes += from->bytes;
}

/* Pass the items of one page to @fn; *@more tells whether the API has more. */
static enum pdb_rc walk_page(const cJSON *page, const char *key, size_t max_records, pd_item_fn fn,
                             void *ctx, struct pd_list_result *res, size_t *got, bool *more,
                             struct pdb_err *err)
{
	const cJSON *items, *item;
	enum pdb_rc rc;

	rc = jsonx_get_arr(page, key, &items);
	if (rc)
		return pdb_err_set(err, PDB_E_TYPE, "PagerDuty response has no '%s' list", key);
	if (jsonx_get_bool(page, "more", more))
		*more = false; /* absent or null: PagerDuty's own clients treat it as the end */
	*got = 0;
	cJSON_ArrayForEach(item, items)
	{
		if (res->records == max_records) {
			res->truncated = true;
			*more = false;
			return PDB_OK;
		}
		rc = fn(item, ctx, err);
		if (rc)
			return rc;
		res->records++;
		(*got)++;
	}
	return PDB_OK;
}

static enum pdb_rc list_pages(struct pd_client *c, const char *path, const char *key,
                              const struct pd_query *q, size_t offset, size_t max_records,
                              size_t max_bytes, pd_item_fn fn, void *ctx,
                              struct pd_list_result *res, struct pdb_err *err)
{
	size_t limit, got = 0;
	struct pd_response resp;
	struct pd_query pq;
	bool more = true;
	enum pdb_rc rc = PDB_OK;

	memset(res, 0, sizeof(*res));
	if (!max_records || max_records > PDB_PD_LIST_RECORDS_MAX)
		max_records = PDB_PD_LIST_RECORDS_MAX;
	while (more) {
		limit = max_records - res->records;
		if (limit > PDB_PD_PAGE_LIMIT)
			limit = PDB_PD_PAGE_LIMIT;
		if (offset + limit > PDB_PD_OFFSET_MAX)
			limit = offset < PDB_PD_OFFSET_MAX ? PDB_PD_OFFSET_MAX - offset : 0;
		if (limit == 0 || res->stats.bytes >= max_bytes) {
			res->truncated = true; /* more exists, but a bound says stop */
			break;
		}
		rc = page_query(q, limit, offset, &pq);
		if (rc) {
			pd_query_free(&pq);
			return pdb_err_set(err, rc, "list query too long");
		}
		rc = pd_call(c, PD_GET, path, &pq, NULL, 0, &resp, err);
		pd_query_free(&pq);
		add_stats(&res->stats, &resp.stats);
		if (rc)
			return rc;
		rc = walk_page(resp.json, key, max_records, fn, ctx, res, &got, &more, err);
		pd_response_free(&resp);
		if (rc)
			return rc;
		if (got == 0)
			break; /* an empty page that claims more would loop forever */
		offset += got;
	}
	return PDB_OK;
}

enum pdb_rc pd_list(struct pd_client *c, const char *path, const char *key,
                    const struct pd_query *q, size_t max_records, pd_item_fn fn, void *ctx,
                    struct pd_list_result *res, struct pdb_err *err)
{
	return list_pages(c, path, key, q, 0, max_records, SIZE_MAX, fn, ctx, res, err);
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
	enum pdb_rc rc;

	*items = cJSON_CreateArray();
	if (!*items)
		return pdb_err_set(err, PDB_E_NOMEM, "out of memory");
	rc = list_pages(c, path, key, q, offset, max_records,
	                max_bytes ? max_bytes : PDB_PD_LIST_BYTES_MAX, collect, *items, res, err);
	if (rc) {
		cJSON_Delete(*items);
		*items = NULL;
	}
	return rc;
}
