/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_int.h - what the list engine (pd_list.c) gives the reads built on it
 * (pd_fetch.c): a list with its caps spelt out, and PagerDuty's `total`.
 *
 * pd_list() and friends are the public face with the default caps; a status
 * read needs more say: one budget of pages and time shared by its on-call
 * list and its open-incident requests, single pages, and the count that
 * total=true puts on a first page.
 */
#ifndef PDBRIDGE_PD_INT_H
#define PDBRIDGE_PD_INT_H

#include <pdbridge/pd.h>

#define PD_LOG "pd"

/*
 * Pages a run of list requests may still make, and the clk_now_ms() time
 * after which no further page starts. The first page of a list is exempt
 * from the time (every read gets an answer); a page in flight is bounded by
 * its own call's deadline, so a run ends within twice the client's
 * deadline_ms.
 */
struct pd_budget {
	unsigned pages;
	int64_t deadline;
};

/** pd__budget: @pages pages, and @c's deadline_ms (one call's) from now. */
struct pd_budget pd__budget(const struct pd_client *c, unsigned pages);

/** pd__add_stats: add @from's counters to @to. */
void pd__add_stats(struct pd_stats *to, const struct pd_stats *from);

/* What one list call asks for. */
struct pd_list_spec {
	const char *path, *key; /* "/incidents", "incidents" */
	const struct pd_query *q;
	size_t offset;
	size_t max_records; /* 0 or above PDB_PD_LIST_RECORDS_MAX: PDB_PD_LIST_RECORDS_MAX */
	size_t max_bytes;   /* of response text; 0: no bound */
	bool one_page;      /* one request by design: more=true then only sets truncated */
};

/* PagerDuty's count of the whole collection, from total=true on the first page. */
struct pd_total {
	int64_t value;   /* -1 when PagerDuty sent nothing believable */
	const char *why; /* when -1: what was wrong ("absent or null", ...) */
};

/**
 * pd__list: page through @s calling @fn per item, as pd_list() does, taking
 * each page from @b (a cap hit sets res->truncated and res->capped, and
 * logs once). With @total, the first page asks total=true and *@total says
 * what came back. Returns as pd_list().
 */
enum pdb_rc pd__list(struct pd_client *c, const struct pd_list_spec *s, struct pd_budget *b,
                     pd_item_fn fn, void *ctx, struct pd_list_result *res, struct pd_total *total,
                     struct pdb_err *err) PDB_WARN_UNUSED;

/**
 * pd__total: the `total` of @page believed only when it is a whole number,
 * not below the @received items of the page, and above them when the page
 * says @more. Pure, for the unit test.
 */
struct pd_total pd__total(const struct cJSON *page, size_t received, bool more);

#endif /* PDBRIDGE_PD_INT_H */
