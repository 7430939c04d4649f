/* Unit tests for domain/dates: the calendar, RFC 3339 instants and the clinic's zone
 * across DST changes. */
#include "unit.h"

#include <time.h>

#include "domain/dates.h"
#include "util/err.h"

/* The instant of an RFC 3339 string that must parse (for writing tables in UTC). */
static int64_t at(const char *s)
{
	int64_t t = 0;
	if (dates_parse_instant(s, &t) != 0)
		fail_msg("bad instant in a table: %s", s);
	return t;
}

/* The day number of a "YYYY-MM-DD" string that must parse. */
static int64_t day_of(const char *s)
{
	struct cdate d;
	if (dates_parse_date(s, &d) != 0)
		fail_msg("bad date in a table: %s", s);
	return dates_to_days(&d);
}

static void valid_dates(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		int y, m, d;
		bool ok;
	} rows[] = {
		{2024, 2, 29, true},   {2023, 2, 29, false}, {1900, 2, 29, false},
		{2000, 2, 29, true},   {2100, 2, 29, false}, {2400, 2, 29, true},
		{2023, 2, 28, true},   {2026, 1, 31, true},  {2026, 4, 31, false},
		{2026, 4, 30, true},   {2026, 6, 31, false}, {2026, 9, 31, false},
		{2026, 11, 31, false}, {2026, 12, 31, true}, {2026, 13, 1, false},
		{2026, 0, 1, false},   {2026, 1, 0, false},  {2026, 1, 32, false},
		{1, 1, 1, true},       {0, 12, 31, false},   {9999, 12, 31, true},
		{10000, 1, 1, false},  {-1, 1, 1, false},    {2026, -1, 1, false},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		row_check(&bad, dates_valid(rows[i].y, rows[i].m, rows[i].d) == rows[i].ok,
			  "row %zu: %04d-%02d-%02d should be %s", i, rows[i].y, rows[i].m,
			  rows[i].d, rows[i].ok ? "valid" : "invalid");
	assert_int_equal(bad, 0);
}

static void parse_date(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *s;
		int y, m, d; /* 0: rejected */
	} rows[] = {
		{"2026-01-05", 2026, 1, 5},
		{"2024-02-29", 2024, 2, 29},
		{"0001-01-01", 1, 1, 1},
		{"9999-12-31", 9999, 12, 31},
		{"2023-02-29", 0, 0, 0},
		{"2026-1-05", 0, 0, 0},
		{"2026-01-5", 0, 0, 0},
		{"2026-01-05x", 0, 0, 0},
		{" 2026-01-05", 0, 0, 0},
		{"2026-01-05 ", 0, 0, 0},
		{"", 0, 0, 0},
		{"2026", 0, 0, 0},
		{"2026/01/05", 0, 0, 0},
		{"2026-13-01", 0, 0, 0},
		{"2026-00-10", 0, 0, 0},
		{"2026-04-31", 0, 0, 0},
		{"0000-01-01", 0, 0, 0},
		{"+026-01-05", 0, 0, 0},
		{"2026-0a-05", 0, 0, 0},
		{"2026-01-05T00:00:00Z", 0, 0, 0},
		{"20260105", 0, 0, 0},
		{"２０２６-01-05", 0, 0, 0},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct cdate d = {-7, -7, -7};
		int rc = dates_parse_date(rows[i].s, &d);
		if (rows[i].y) {
			row_check(&bad,
				  rc == 0 && d.year == rows[i].y && d.month == rows[i].m &&
				      d.day == rows[i].d,
				  "row %zu: \"%s\" gave rc %d, %d-%d-%d", i, rows[i].s, rc, d.year,
				  d.month, d.day);
		} else {
			row_check(&bad, rc == -ERR_VALIDATION_FAILED && d.year == -7,
				  "row %zu: \"%s\" should be rejected, untouched (rc %d)", i,
				  rows[i].s, rc);
		}
	}
	struct cdate d;
	row_check(&bad, dates_parse_date(NULL, &d) == -ERR_VALIDATION_FAILED, "NULL accepted");
	assert_int_equal(bad, 0);
}

static void format_date(void **state)
{
	(void)state;
	static const struct {
		struct cdate d;
		const char *want;
	} rows[] = {
	    {{2026, 3, 7}, "2026-03-07"},
	    {{1, 1, 1}, "0001-01-01"},
	    {{9999, 12, 31}, "9999-12-31"},
	    {{1990, 10, 20}, "1990-10-20"},
	    /* Outside four digits, as printf writes it. */
	    {{10000, 1, 2}, "10000-01-02"},
	    {{-1, 1, 2}, "-001-01-02"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char buf[DATES_BUF];
		dates_format_date(&rows[i].d, buf);
		assert_string_equal(buf, rows[i].want);
	}
}

static void day_numbers(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		int y, m, d;
		int64_t days;
		int weekday;
	} rows[] = {
		{1970, 1, 1, 0, 4},         {1969, 12, 31, -1, 3},     {1970, 1, 2, 1, 5},
		{2000, 2, 29, 11016, 2},    {2000, 3, 1, 11017, 3},    {1900, 3, 1, -25508, 4},
		{1600, 2, 29, -135081, 2},  {2026, 1, 1, 20454, 4},    {2026, 11, 21, 20778, 6},
		{1, 1, 1, -719162, 1},      {9999, 12, 31, 2932896, 5}, {1969, 12, 28, -4, 7},
		{2026, 11, 23, 20780, 1},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct cdate d = {rows[i].y, rows[i].m, rows[i].d};
		int64_t n = dates_to_days(&d);
		struct cdate back = dates_from_days(rows[i].days);
		row_check(&bad, n == rows[i].days, "row %zu: to_days %lld, want %lld", i,
			  (long long)n, (long long)rows[i].days);
		row_check(&bad, back.year == d.year && back.month == d.month && back.day == d.day,
			  "row %zu: from_days gave %d-%d-%d", i, back.year, back.month, back.day);
		row_check(&bad, dates_weekday(rows[i].days) == rows[i].weekday,
			  "row %zu: weekday %d, want %d", i, dates_weekday(rows[i].days),
			  rows[i].weekday);
	}
	assert_int_equal(bad, 0);
}

/* Every day from 0001-01-01 to 9999-12-31: each day number gives a valid date that is the
 * calendar successor of the one before, and converts back to the same number. */
static void day_numbers_round_trip(void **state)
{
	(void)state;
	struct cdate first = {1, 1, 1}, last = {9999, 12, 31};
	int64_t lo = dates_to_days(&first), hi = dates_to_days(&last);
	struct cdate prev = dates_from_days(lo);
	assert_int_equal(prev.year, 1);
	assert_int_equal(prev.month, 1);
	assert_int_equal(prev.day, 1);
	int bad = 0;
	for (int64_t n = lo + 1; n <= hi && bad < 10; n++) {
		struct cdate d = dates_from_days(n);
		bool next_day =
		    d.year == prev.year && d.month == prev.month && d.day == prev.day + 1;
		bool next_month = d.year == prev.year && d.month == prev.month + 1 && d.day == 1;
		bool next_year = d.year == prev.year + 1 && d.month == 1 && d.day == 1 &&
				 prev.month == 12 && prev.day == 31;
		row_check(&bad,
			  dates_valid(d.year, d.month, d.day) &&
			      (next_day || next_month || next_year),
			  "day %lld: %d-%d-%d does not follow %d-%d-%d", (long long)n, d.year,
			  d.month, d.day, prev.year, prev.month, prev.day);
		row_check(&bad, !next_month || !dates_valid(prev.year, prev.month, prev.day + 1),
			  "day %lld: month ended early after %d-%d-%d", (long long)n, prev.year,
			  prev.month, prev.day);
		row_check(&bad, dates_to_days(&d) == n, "day %lld: does not round-trip",
			  (long long)n);
		row_check(&bad, dates_weekday(n) == (dates_weekday(n - 1) % 7) + 1,
			  "day %lld: weekday does not follow", (long long)n);
		prev = d;
	}
	assert_int_equal(bad, 0);
	assert_int_equal(prev.year, 9999);
	assert_int_equal(prev.month, 12);
	assert_int_equal(prev.day, 31);
}

static void age_years(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *birth, *on;
		int age;
	} rows[] = {
		{"2000-05-10", "2026-05-10", 26}, /* birthday today */
		{"2000-05-10", "2026-05-09", 25}, /* the day before */
		{"2000-05-10", "2026-05-11", 26},
		{"2000-05-10", "2026-04-30", 25},
		{"2000-05-10", "2026-06-01", 26},
		{"2008-06-15", "2026-06-14", 17}, /* the eve of the 18th birthday */
		{"2008-06-15", "2026-06-15", 18},
		{"2008-02-29", "2026-02-28", 17}, /* leap-day birthday, common year */
		{"2008-02-29", "2026-03-01", 18}, /* reached on 1 March */
		{"2008-02-29", "2028-02-28", 19},
		{"2008-02-29", "2028-02-29", 20}, /* leap year: on the day */
		{"2007-12-31", "2025-12-30", 17},
		{"2007-12-31", "2025-12-31", 18},
		{"2008-01-01", "2025-12-31", 17},
		{"2026-03-07", "2026-03-07", 0}, /* born today */
		{"1926-03-07", "2026-03-06", 99},
		{"1926-03-07", "2026-03-07", 100},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct cdate b, on;
		assert_int_equal(dates_parse_date(rows[i].birth, &b), 0);
		assert_int_equal(dates_parse_date(rows[i].on, &on), 0);
		int age = dates_age_years(&b, &on);
		row_check(&bad, age == rows[i].age, "row %zu: born %s, on %s: %d, want %d", i,
			  rows[i].birth, rows[i].on, age, rows[i].age);
	}
	assert_int_equal(bad, 0);
}

static void parse_instant(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *s;
		bool ok;
		int64_t t;
	} rows[] = {
		{"2026-01-12T09:30:00Z", true, 1768210200},
		{"2026-01-12T09:30:00+00:00", true, 1768210200},
		{"2026-01-12T09:30:00-00:00", true, 1768210200},
		{"2026-01-12T09:30:00+01:00", true, 1768206600},
		{"2026-01-12T09:30:00-05:00", true, 1768228200},
		{"2026-03-01T00:30:00+05:30", true, 1772305200},
		{"2026-01-12T09:30:00.123Z", true, 1768210200},
		{"2026-01-12T09:30:00.999999999+01:00", true, 1768206600},
		{"2026-01-12T09:30:00.5-05:00", true, 1768228200},
		{"2026-01-12t09:30:00z", true, 1768210200},
		{"2026-01-12t09:30:00Z", true, 1768210200},
		{"2000-02-29T23:59:59Z", true, 951868799},
		{"1970-01-01T00:00:00Z", true, 0},
		{"1969-12-31T23:59:59Z", true, -1},
		{"1970-01-01T00:30:00+01:00", true, -1800},
		{"0001-01-01T00:00:00Z", true, -62135596800},
		{"9999-12-31T23:59:59Z", true, 253402300799},
		{"2026-01-12T00:00:00+23:59", true, 1768176000 - 86340},
		{"2026-01-12T09:30:00", false, 0},        /* no offset */
		{"2026-01-12T24:00:00Z", false, 0},       /* hour 24 */
		{"2026-01-12T23:60:00Z", false, 0},
		{"2026-01-12T23:59:60Z", false, 0},
		{"2026-02-30T10:00:00Z", false, 0},
		{"2023-02-29T10:00:00Z", false, 0},
		{"2026-13-01T10:00:00Z", false, 0},
		{"2026-01-12 09:30:00Z", false, 0},
		{"2026-01-12T09:30Z", false, 0},
		{"2026-01-12T9:30:00Z", false, 0},
		{"2026-01-12T09:30:00+0100", false, 0},
		{"2026-01-12T09:30:00+01", false, 0},
		{"2026-01-12T09:30:00+1:00", false, 0},
		{"2026-01-12T09:30:00+24:00", false, 0},
		{"2026-01-12T09:30:00+01:60", false, 0},
		{"2026-01-12T09:30:00.Z", false, 0},
		{"2026-01-12T09:30:00,5Z", false, 0},
		{"2026-01-12T09:30:00ZZ", false, 0},
		{"2026-01-12T09:30:00Z ", false, 0},
		{" 2026-01-12T09:30:00Z", false, 0},
		{"2026-01-12T09:30:00+01:00x", false, 0},
		{"2026-01-12", false, 0},
		{"", false, 0},
		{"2026-01-12T09:30:00.1234567890123456Z", false, 0}, /* over the length cap */
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int64_t t = 42;
		int rc = dates_parse_instant(rows[i].s, &t);
		if (rows[i].ok)
			row_check(&bad, rc == 0 && t == rows[i].t, "row %zu: \"%s\": rc %d, t %lld",
				  i, rows[i].s, rc, (long long)t);
		else
			row_check(&bad, rc == -ERR_VALIDATION_FAILED && t == 42,
				  "row %zu: \"%s\" should be rejected (rc %d)", i, rows[i].s, rc);
	}
	int64_t t;
	row_check(&bad, dates_parse_instant(NULL, &t) == -ERR_VALIDATION_FAILED, "NULL accepted");
	assert_int_equal(bad, 0);
}

static void format_utc(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		int64_t t;
		const char *s;
	} rows[] = {
		{0, "1970-01-01T00:00:00Z"},
		{-1, "1969-12-31T23:59:59Z"},
		{-86400, "1969-12-31T00:00:00Z"},
		{-86401, "1969-12-30T23:59:59Z"},
		{1768210200, "2026-01-12T09:30:00Z"},
		{951868799, "2000-02-29T23:59:59Z"},
		{951868800, "2000-03-01T00:00:00Z"},
		{-62135596800, "0001-01-01T00:00:00Z"},
		{253402300799, "9999-12-31T23:59:59Z"},
	};
	/* clang-format on */
	int bad = 0;
	char buf[DATES_BUF];
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		dates_format_utc(rows[i].t, buf);
		row_check(&bad, strcmp(buf, rows[i].s) == 0, "row %zu: %lld gave %s, want %s", i,
			  (long long)rows[i].t, buf, rows[i].s);
	}
	/* Formatting then parsing gives the instant back, for a spread of instants. */
	for (int64_t t = -62135596800; t < 253402300799; t += 7777777) {
		int64_t back = 0;
		dates_format_utc(t, buf);
		row_check(&bad, dates_parse_instant(buf, &back) == 0 && back == t,
			  "%lld -> %s -> %lld", (long long)t, buf, (long long)back);
	}
	assert_int_equal(bad, 0);
}

static void hhmm(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *s;
		int min; /* -1: rejected */
	} rows[] = {
		{"00:00", 0},   {"09:30", 570}, {"23:59", 1439}, {"24:00", 1440}, {"24:01", -1},
		{"25:00", -1},  {"12:60", -1},  {"9:30", -1},    {"09:3", -1},    {"0930", -1},
		{"09:30 ", -1}, {"", -1},       {"ab:cd", -1},   {"-1:00", -1},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int m = -7;
		int rc = dates_parse_hhmm(rows[i].s, &m);
		if (rows[i].min >= 0) {
			char buf[DATES_BUF];
			dates_format_hhmm(m, buf);
			row_check(&bad, rc == 0 && m == rows[i].min && strcmp(buf, rows[i].s) == 0,
				  "row %zu: \"%s\": rc %d, %d, %s", i, rows[i].s, rc, m, buf);
		} else {
			row_check(&bad, rc == -ERR_VALIDATION_FAILED && m == -7,
				  "row %zu: \"%s\" should be rejected", i, rows[i].s);
		}
	}
	assert_int_equal(bad, 0);
}

/* Formatting and reading instants in a zone: offsets and local days, minutes, dates. */
static void zone_reading(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *zone, *utc, *local;
		const char *date;
		int minute;
	} rows[] = {
		{"America/New_York", "2026-01-12T14:30:00Z", "2026-01-12T09:30:00-05:00", "2026-01-12", 570},
		{"America/New_York", "2026-07-01T16:00:00Z", "2026-07-01T12:00:00-04:00", "2026-07-01", 720},
		{"America/New_York", "2026-01-13T03:00:00Z", "2026-01-12T22:00:00-05:00", "2026-01-12", 1320},
		{"America/New_York", "2026-01-13T05:00:00Z", "2026-01-13T00:00:00-05:00", "2026-01-13", 0},
		{"America/New_York", "2026-03-08T06:59:59Z", "2026-03-08T01:59:59-05:00", "2026-03-08", 119},
		{"America/New_York", "2026-03-08T07:00:00Z", "2026-03-08T03:00:00-04:00", "2026-03-08", 180},
		{"America/New_York", "2026-11-01T05:30:00Z", "2026-11-01T01:30:00-04:00", "2026-11-01", 90},
		{"America/New_York", "2026-11-01T06:30:00Z", "2026-11-01T01:30:00-05:00", "2026-11-01", 90},
		{"America/New_York", "2026-11-01T07:00:00Z", "2026-11-01T02:00:00-05:00", "2026-11-01", 120},
		{"Europe/Berlin", "2026-01-12T08:30:00Z", "2026-01-12T09:30:00+01:00", "2026-01-12", 570},
		{"Europe/Berlin", "2026-07-01T10:00:00Z", "2026-07-01T12:00:00+02:00", "2026-07-01", 720},
		{"Europe/Berlin", "2026-01-12T23:30:00Z", "2026-01-13T00:30:00+01:00", "2026-01-13", 30},
		{"Europe/Berlin", "2026-06-30T22:00:00Z", "2026-07-01T00:00:00+02:00", "2026-07-01", 0},
		{"Europe/Berlin", "2026-03-29T00:59:59Z", "2026-03-29T01:59:59+01:00", "2026-03-29", 119},
		{"Europe/Berlin", "2026-03-29T01:00:00Z", "2026-03-29T03:00:00+02:00", "2026-03-29", 180},
		{"Europe/Berlin", "2026-10-25T00:30:00Z", "2026-10-25T02:30:00+02:00", "2026-10-25", 150},
		{"Europe/Berlin", "2026-10-25T01:30:00Z", "2026-10-25T02:30:00+01:00", "2026-10-25", 150},
		{"Asia/Kolkata", "2026-01-12T04:00:00Z", "2026-01-12T09:30:00+05:30", "2026-01-12", 570},
		{"UTC", "2026-01-12T09:30:00Z", "2026-01-12T09:30:00+00:00", "2026-01-12", 570},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		dates_set_zone(rows[i].zone);
		int64_t t = at(rows[i].utc);
		char buf[DATES_BUF], dbuf[DATES_BUF];
		dates_format_instant(t, buf);
		struct cdate d = dates_local_date(t);
		dates_format_date(&d, dbuf);
		row_check(&bad, strcmp(buf, rows[i].local) == 0, "row %zu: %s in %s: %s, want %s",
			  i, rows[i].utc, rows[i].zone, buf, rows[i].local);
		row_check(&bad, dates_local_day(t) == day_of(rows[i].date),
			  "row %zu: local day %lld, want %s", i, (long long)dates_local_day(t),
			  rows[i].date);
		row_check(&bad, strcmp(dbuf, rows[i].date) == 0, "row %zu: local date %s, want %s",
			  i, dbuf, rows[i].date);
		dates_format_day(dates_local_day(t), dbuf);
		row_check(&bad, strcmp(dbuf, rows[i].date) == 0,
			  "row %zu: local day as text %s, want %s", i, dbuf, rows[i].date);
		row_check(&bad, dates_local_minute(t) == rows[i].minute,
			  "row %zu: local minute %d, want %d", i, dates_local_minute(t),
			  rows[i].minute);
		int64_t back = 0;
		row_check(&bad, dates_parse_instant(buf, &back) == 0 && back == t,
			  "row %zu: %s does not parse back", i, buf);
	}
	dates_set_zone("UTC");
	assert_int_equal(bad, 0);
}

/* Wall-clock times to instants: ordinary days, the spring-forward gap (moves forward by
 * the gap) and the fall-back hour (the earlier instant). */
static void local_to_instant(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *zone, *date;
		int minute;
		const char *utc;
	} rows[] = {
		{"America/New_York", "2026-01-12", 9 * 60 + 30, "2026-01-12T14:30:00Z"},
		{"America/New_York", "2026-07-01", 12 * 60, "2026-07-01T16:00:00Z"},
		{"America/New_York", "2026-03-08", 0, "2026-03-08T05:00:00Z"},
		{"America/New_York", "2026-03-08", 1 * 60 + 59, "2026-03-08T06:59:00Z"},
		{"America/New_York", "2026-03-08", 2 * 60, "2026-03-08T07:00:00Z"},      /* skipped */
		{"America/New_York", "2026-03-08", 2 * 60 + 30, "2026-03-08T07:30:00Z"}, /* 03:30 EDT */
		{"America/New_York", "2026-03-08", 3 * 60, "2026-03-08T07:00:00Z"},
		{"America/New_York", "2026-03-08", 3 * 60 + 30, "2026-03-08T07:30:00Z"},
		{"America/New_York", "2026-03-08", 1440, "2026-03-09T04:00:00Z"},
		{"America/New_York", "2026-11-01", 0, "2026-11-01T04:00:00Z"},
		{"America/New_York", "2026-11-01", 1 * 60, "2026-11-01T05:00:00Z"},      /* ambiguous */
		{"America/New_York", "2026-11-01", 1 * 60 + 30, "2026-11-01T05:30:00Z"}, /* EDT */
		{"America/New_York", "2026-11-01", 1 * 60 + 59, "2026-11-01T05:59:00Z"},
		{"America/New_York", "2026-11-01", 2 * 60, "2026-11-01T07:00:00Z"},
		{"America/New_York", "2026-11-01", 2 * 60 + 30, "2026-11-01T07:30:00Z"},
		{"America/New_York", "2026-10-31", 1440, "2026-11-01T04:00:00Z"},
		{"Europe/Berlin", "2026-01-12", 9 * 60 + 30, "2026-01-12T08:30:00Z"},
		{"Europe/Berlin", "2026-07-01", 12 * 60, "2026-07-01T10:00:00Z"},
		{"Europe/Berlin", "2026-07-01", 0, "2026-06-30T22:00:00Z"},
		{"Europe/Berlin", "2026-03-29", 1 * 60 + 30, "2026-03-29T00:30:00Z"},
		{"Europe/Berlin", "2026-03-29", 2 * 60, "2026-03-29T01:00:00Z"},      /* skipped */
		{"Europe/Berlin", "2026-03-29", 2 * 60 + 30, "2026-03-29T01:30:00Z"}, /* 03:30 CEST */
		{"Europe/Berlin", "2026-03-29", 3 * 60, "2026-03-29T01:00:00Z"},
		{"Europe/Berlin", "2026-10-25", 1 * 60 + 30, "2026-10-24T23:30:00Z"},
		{"Europe/Berlin", "2026-10-25", 2 * 60, "2026-10-25T00:00:00Z"},      /* ambiguous */
		{"Europe/Berlin", "2026-10-25", 2 * 60 + 30, "2026-10-25T00:30:00Z"}, /* CEST */
		{"Europe/Berlin", "2026-10-25", 2 * 60 + 59, "2026-10-25T00:59:00Z"},
		{"Europe/Berlin", "2026-10-25", 3 * 60, "2026-10-25T02:00:00Z"},
		{"Europe/Berlin", "2026-10-25", 1440, "2026-10-25T23:00:00Z"},
		{"Asia/Kolkata", "2026-01-12", 9 * 60 + 30, "2026-01-12T04:00:00Z"},
		{"UTC", "2026-01-12", 9 * 60 + 30, "2026-01-12T09:30:00Z"},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		dates_set_zone(rows[i].zone);
		int64_t t = dates_local_to_instant(day_of(rows[i].date), rows[i].minute);
		char buf[DATES_BUF];
		dates_format_utc(t, buf);
		row_check(&bad, t == at(rows[i].utc), "row %zu: %s %s %02d:%02d gave %s, want %s",
			  i, rows[i].zone, rows[i].date, rows[i].minute / 60, rows[i].minute % 60,
			  buf, rows[i].utc);
	}
	dates_set_zone("UTC");
	assert_int_equal(bad, 0);
}

/*
 * Every quarter hour of 2026 in each zone reads back through local_to_instant: the result
 * shows the same local day and minute and is the instant itself, except in the repeated
 * fall-back hour, where it is the earlier of the two (one hour before).
 */
static void local_round_trip(void **state)
{
	(void)state;
	static const char *const zones[] = {"America/New_York", "Europe/Berlin", "Australia/Sydney",
					    "Asia/Kolkata"};
	int bad = 0;
	for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
		dates_set_zone(zones[z]);
		int later = 0;
		for (int64_t t = at("2026-01-01T00:00:00Z"); t < at("2027-01-01T00:00:00Z");
		     t += 900) {
			int64_t day = dates_local_day(t);
			int minute = dates_local_minute(t);
			int64_t r = dates_local_to_instant(day, minute);
			bool same = dates_local_day(r) == day && dates_local_minute(r) == minute;
			row_check(&bad, same && (r == t || r == t - 3600),
				  "%s: t %lld (day %lld minute %d) gave %lld", zones[z],
				  (long long)t, (long long)day, minute, (long long)r);
			if (r != t)
				later++;
		}
		/* Only the zones with DST repeat an hour: four quarter hours once a year. */
		int want = strcmp(zones[z], "Asia/Kolkata") == 0 ? 0 : 4;
		row_check(&bad, later == want, "%s: %d repeated quarter hours, want %d", zones[z],
			  later, want);
	}
	dates_set_zone("UTC");
	assert_int_equal(bad, 0);
}

/*
 * Day counts run on the clinic's calendar: a session at 23:00 local and the next at 08:00
 * local 28 calendar days later are 28 days apart, whether or not a DST change lies
 * between, although fewer than 28 × 24 hours separate them.
 */
static void local_day_counts(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *zone, *from, *to;
		int days;
	} rows[] = {
		{"America/New_York", "2026-01-05", "2026-02-02", 28}, /* winter */
		{"America/New_York", "2026-02-20", "2026-03-20", 28}, /* across spring forward */
		{"America/New_York", "2026-03-01", "2026-03-29", 28},
		{"America/New_York", "2026-10-15", "2026-11-12", 28}, /* across fall back */
		{"America/New_York", "2026-10-31", "2026-11-28", 28},
		{"America/New_York", "2026-10-15", "2026-11-11", 27},
		{"America/New_York", "2026-06-01", "2026-06-29", 28}, /* summer */
		{"Europe/Berlin", "2026-01-05", "2026-02-02", 28},
		{"Europe/Berlin", "2026-03-10", "2026-04-07", 28}, /* across spring forward */
		{"Europe/Berlin", "2026-03-28", "2026-04-25", 28},
		{"Europe/Berlin", "2026-10-10", "2026-11-07", 28}, /* across fall back */
		{"Europe/Berlin", "2026-10-24", "2026-11-21", 28},
		{"Europe/Berlin", "2026-10-10", "2026-11-06", 27},
		{"Europe/Berlin", "2026-12-20", "2027-01-17", 28}, /* across the year */
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		dates_set_zone(rows[i].zone);
		int64_t a = dates_local_to_instant(day_of(rows[i].from), 23 * 60);
		int64_t b = dates_local_to_instant(day_of(rows[i].to), 8 * 60);
		int64_t days = dates_local_day(b) - dates_local_day(a);
		row_check(&bad, days == rows[i].days, "row %zu: %s %s 23:00 to %s 08:00: %lld days",
			  i, rows[i].zone, rows[i].from, rows[i].to, (long long)days);
		row_check(&bad, dates_local_minute(a) == 23 * 60 && dates_local_minute(b) == 8 * 60,
			  "row %zu: wall times do not read back", i);
		/* Elapsed time is short of the day count: counting seconds would be wrong. */
		row_check(&bad, (b - a) / 86400 == rows[i].days - 1,
			  "row %zu: %lld whole elapsed days", i, (long long)((b - a) / 86400));
	}
	dates_set_zone("UTC");
	assert_int_equal(bad, 0);
}

/* The C library's reading of t, as dates_format_instant writes it. */
static void libc_reading(int64_t t, char *buf)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!localtime_r(&tt, &tm))
		fail_msg("localtime_r failed at %lld", (long long)t);
	long off = tm.tm_gmtoff < 0 ? -tm.tm_gmtoff : tm.tm_gmtoff;
	snprintf(buf, DATES_BUF, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 tm.tm_gmtoff < 0 ? '-' : '+', off / 3600, off / 60 % 60);
}

/*
 * Readings of every instant in [from, to) of one zone, 7 minutes 13 seconds apart and at
 * each second around every change, against the C library's; the number of changes seen.
 */
static int compare_readings(const char *zone, int64_t from, int64_t to, int *bad)
{
	char ours[DATES_BUF], theirs[DATES_BUF];
	int changes = 0;
	dates_set_zone(zone);
	for (int64_t t = from; t < to && *bad < 20; t += 433) {
		dates_format_instant(t, ours);
		libc_reading(t, theirs);
		row_check(bad, strcmp(ours, theirs) == 0, "%s: %s, the C library %s", zone, ours,
			  theirs);
		libc_reading(t + 433, theirs);
		if (strcmp(ours + 19, theirs + 19) == 0)
			continue;
		/* An offset change lies ahead: read every second up to it and past it. */
		changes++;
		for (int64_t u = t; u <= t + 433 + 60; u++) {
			dates_format_instant(u, ours);
			libc_reading(u, theirs);
			row_check(bad, strcmp(ours, theirs) == 0, "%s: %s, the C library %s", zone,
				  ours, theirs);
		}
	}
	return changes;
}

/*
 * A zone's offset changes are found once and shared: the readings agree with the C
 * library's over 2025-2027 in zones that change by an hour, by half an hour (Lord Howe),
 * at quarter-hour offsets (Chatham, Kathmandu), west of UTC at a half hour (St John's),
 * twice a year around Ramadan (Casablanca) and not at all; over London's war years, with
 * four changes in some years; and before 1901 and after 2200, where nothing is kept. A new
 * zone is never read with the offsets of the one before.
 */
static void readings_match_the_c_library(void **state)
{
	(void)state;
	static const struct {
		const char *zone;
		int changes;
	} zones[] = {{"Europe/London", 6},	 {"America/New_York", 6},
		     {"Australia/Lord_Howe", 6}, {"Pacific/Chatham", 6},
		     {"Asia/Kathmandu", 0},	 {"America/St_Johns", 6},
		     {"Africa/Casablanca", 6},	 {"UTC", 0}};
	int bad = 0;
	int64_t from = at("2025-01-01T00:00:00Z"), to = at("2028-01-01T00:00:00Z");
	for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
		int changes = compare_readings(zones[z].zone, from, to, &bad);
		row_check(&bad, changes == zones[z].changes,
			  "%s: %d offset changes in three years, want %d", zones[z].zone, changes,
			  zones[z].changes);
	}
	int war = compare_readings("Europe/London", at("1940-01-01T00:00:00Z"),
				   at("1946-01-01T00:00:00Z"), &bad);
	row_check(&bad, war == 12, "London 1940-1945: %d offset changes, want 12", war);
	compare_readings("America/New_York", at("1883-11-01T00:00:00Z"), at("1883-12-01T00:00:00Z"),
			 &bad);
	compare_readings("Europe/London", at("2301-03-01T00:00:00Z"), at("2301-04-01T00:00:00Z"),
			 &bad);
	/* The same instant in one zone, then another: the second must not reuse the first. */
	int64_t t = at("2026-07-01T10:00:00Z");
	char buf[DATES_BUF];
	dates_set_zone("Europe/Berlin");
	dates_format_instant(t, buf);
	row_check(&bad, strcmp(buf, "2026-07-01T12:00:00+02:00") == 0, "Berlin: %s", buf);
	dates_set_zone("America/New_York");
	dates_format_instant(t, buf);
	row_check(&bad, strcmp(buf, "2026-07-01T06:00:00-04:00") == 0, "New York: %s", buf);
	row_check(&bad, dates_local_minute(t) == 6 * 60, "New York minute %d",
		  dates_local_minute(t));
	dates_set_zone("UTC");
	assert_int_equal(bad, 0);
}

/* Dates as the desk types them; slashes read by the clinic's order, dots day first. */
static void parse_typed(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *in;
		bool month_first;
		const char *out; /* NULL: refused */
	} rows[] = {
		{"1985-03-12", false, "1985-03-12"},
		{"1985-03-12", true, "1985-03-12"},
		{"12.03.1985", false, "1985-03-12"},
		{"12.03.1985", true, "1985-03-12"},	/* dots are day first everywhere */
		{"2.3.1985", false, "1985-03-02"},
		{"12/03/1985", false, "1985-03-12"},
		{"12/03/1985", true, "1985-12-03"},
		{"3/12/1985", true, "1985-03-12"},
		{"31/01/2000", false, "2000-01-31"},
		{"31/01/2000", true, NULL},		/* no month 31 */
		{"01/31/2000", true, "2000-01-31"},
		{"29.02.2000", false, "2000-02-29"},
		{"29.02.1900", false, NULL},		/* not a leap year */
		{"12.03.85", false, NULL},		/* four-digit years only */
		{"12-03-1985", false, NULL},
		{"12/03.1985", false, NULL},
		{"123/03/1985", false, NULL},
		{"12/03/1985x", false, NULL},
		{"", false, NULL},
		{"/", false, NULL},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct cdate d;
		char buf[DATES_BUF] = "";
		int rc = dates_parse_typed(rows[i].in, rows[i].month_first, &d);
		if (rc == 0)
			dates_format_date(&d, buf);
		if (rows[i].out)
			row_check(&bad, rc == 0 && strcmp(buf, rows[i].out) == 0,
				  "row %zu: \"%s\" -> %d \"%s\"", i, rows[i].in, rc, buf);
		else
			row_check(&bad, rc == -ERR_VALIDATION_FAILED, "row %zu: \"%s\" accepted", i,
				  rows[i].in);
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_dates),
		cmocka_unit_test(parse_date),
		cmocka_unit_test(parse_typed),
		cmocka_unit_test(format_date),
		cmocka_unit_test(day_numbers),
		cmocka_unit_test(day_numbers_round_trip),
		cmocka_unit_test(age_years),
		cmocka_unit_test(parse_instant),
		cmocka_unit_test(format_utc),
		cmocka_unit_test(hhmm),
		cmocka_unit_test(zone_reading),
		cmocka_unit_test(local_to_instant),
		cmocka_unit_test(local_round_trip),
		cmocka_unit_test(local_day_counts),
		cmocka_unit_test(readings_match_the_c_library),
	};
	/* clang-format on */
	dates_set_zone("UTC");
	return cmocka_run_group_tests_name("unit_dates", tests, NULL, NULL);
}
