/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * clock.c - monotonic and wall time, and ISO-8601 conversion (see clock.h).
 *
 * Calendar arithmetic is done here with the days-from-civil algorithm rather
 * than timegm()/gmtime_r(), which are not in C11 and whose static-glibc
 * versions may consult time zone files we do not want to depend on.
 */
#include <pdbridge/clock.h>

#include <stdio.h>
#include <time.h>

#define MS_PER_S  1000
#define S_PER_DAY 86400

static int64_t read_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * MS_PER_S + ts.tv_nsec / 1000000;
}

int64_t clk_now_ms(void)
{
	return read_clock(CLOCK_MONOTONIC);
}

int64_t clk_wall_ms(void)
{
	return read_clock(CLOCK_REALTIME);
}

int64_t clk_deadline(int64_t timeout_ms)
{
	return clk_now_ms() + timeout_ms;
}

int64_t clk_remaining_ms(int64_t deadline)
{
	int64_t left = deadline - clk_now_ms();

	return left > 0 ? left : 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

void clk_format_iso(int64_t epoch_ms, char out[CLK_ISO_LEN])
{
	int64_t secs = epoch_ms / MS_PER_S, days, rem;
	int y, m, d;

	if (epoch_ms < 0 && epoch_ms % MS_PER_S)
		secs--;
	days = secs / S_PER_DAY;
	rem = secs % S_PER_DAY;
	if (rem < 0) {
		rem += S_PER_DAY;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	/* The modulos only tell the compiler each field's width; none changes a value. */
	snprintf(out, CLK_ISO_LEN, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)y % 10000u,
	         (unsigned)m % 100u, (unsigned)d % 100u, (unsigned)(rem / 3600) % 100u,
	         (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
}

/* Read exactly @n decimal digits from *@s. */
static int digits(const char **s, int n, int *out)
{
	int v = 0;

	while (n--) {
		if (**s < '0' || **s > '9')
			return -1;
		v = v * 10 + (**s - '0');
		(*s)++;
	}
	*out = v;
	return 0;
}

static int expect(const char **s, char c)
{
	if (**s != c)
		return -1;
	(*s)++;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return mdays[m - 1] + (m == 2 && leap);
}

/* Parse the zone suffix into an offset east of UTC in seconds. */
static int parse_zone(const char **s, int *offset)
{
	int sign, hh, mm;

	*offset = 0;
	if (**s == '\0')
		return 0;
	if (**s == 'Z') {
		(*s)++;
		return 0;
	}
	if (**s != '+' && **s != '-')
		return -1;
	sign = **s == '-' ? -1 : 1;
	(*s)++;
	if (digits(s, 2, &hh) || expect(s, ':') || digits(s, 2, &mm) || hh > 23 || mm > 59)
		return -1;
	*offset = sign * (hh * 3600 + mm * 60);
	return 0;
}

enum pdb_rc clk_parse_iso(const char *s, int64_t *epoch_ms)
{
	int y, mo, d, h, mi, sec, ms = 0, offset;
	int64_t secs;

	if (digits(&s, 4, &y) || expect(&s, '-') || digits(&s, 2, &mo) || expect(&s, '-') ||
	    digits(&s, 2, &d) || expect(&s, 'T') || digits(&s, 2, &h) || expect(&s, ':') ||
	    digits(&s, 2, &mi) || expect(&s, ':') || digits(&s, 2, &sec))
		return PDB_E_PARSE;
	if (*s == '.') {
		int places = 0;

		for (s++; *s >= '0' && *s <= '9'; s++, places++)
			if (places < 3)
				ms = ms * 10 + (*s - '0');
		if (places == 0)
			return PDB_E_PARSE;
		for (; places < 3; places++)
			ms *= 10;
	}
	if (parse_zone(&s, &offset) || *s != '\0')
		return PDB_E_PARSE;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
		return PDB_E_PARSE;
	secs = days_from_civil(y, mo, d) * S_PER_DAY + h * 3600 + mi * 60 + sec - offset;
	*epoch_ms = secs * MS_PER_S + ms;
	return PDB_OK;
}
