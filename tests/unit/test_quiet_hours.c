/* Unit tests for domain/quiet_hours: when a text message due in quiet hours may go, in
 * the clinic's zone and across its DST changes. */
#include "unit.h"

#include "domain/dates.h"
#include "domain/quiet_hours.h"

static int64_t at(const char *rfc3339)
{
	int64_t t = 0;
	assert_int_equal(dates_parse_instant(rfc3339, &t), 0);
	return t;
}

static void next_allowed(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *zone, *due;
		int start, end;
		const char *expect;
	} rows[] = {
		/* The default window, 20:00-08:00, on an ordinary day in Berlin (UTC+1). */
		{"Europe/Berlin", "2026-01-12T12:00:00+01:00", 1200, 480, "2026-01-12T12:00:00+01:00"},
		{"Europe/Berlin", "2026-01-12T19:59:59+01:00", 1200, 480, "2026-01-12T19:59:59+01:00"},
		{"Europe/Berlin", "2026-01-12T20:00:00+01:00", 1200, 480, "2026-01-13T08:00:00+01:00"},
		{"Europe/Berlin", "2026-01-12T23:59:00+01:00", 1200, 480, "2026-01-13T08:00:00+01:00"},
		{"Europe/Berlin", "2026-01-13T00:00:00+01:00", 1200, 480, "2026-01-13T08:00:00+01:00"},
		{"Europe/Berlin", "2026-01-13T07:59:00+01:00", 1200, 480, "2026-01-13T08:00:00+01:00"},
		{"Europe/Berlin", "2026-01-13T08:00:00+01:00", 1200, 480, "2026-01-13T08:00:00+01:00"},
		/* The same instant written in UTC: the window is clinic time, not UTC. */
		{"Europe/Berlin", "2026-01-12T19:30:00Z", 1200, 480, "2026-01-13T07:00:00Z"},
		{"Europe/Berlin", "2026-01-12T18:30:00Z", 1200, 480, "2026-01-12T18:30:00Z"},
		/* Year end and a leap day. */
		{"Europe/Berlin", "2026-12-31T21:00:00+01:00", 1200, 480, "2027-01-01T08:00:00+01:00"},
		{"Europe/Berlin", "2028-02-28T22:00:00+01:00", 1200, 480, "2028-02-29T08:00:00+01:00"},
		/* Spring forward (29 March 2026, 02:00 -> 03:00): the night is an hour shorter,
		 * and 08:00 is already summer time. */
		{"Europe/Berlin", "2026-03-28T21:00:00+01:00", 1200, 480, "2026-03-29T08:00:00+02:00"},
		{"Europe/Berlin", "2026-03-29T01:30:00+01:00", 1200, 480, "2026-03-29T08:00:00+02:00"},
		{"Europe/Berlin", "2026-03-29T03:30:00+02:00", 1200, 480, "2026-03-29T08:00:00+02:00"},
		/* Fall back (25 October 2026, 03:00 -> 02:00): both 02:30s wait for 08:00 winter. */
		{"Europe/Berlin", "2026-10-24T20:30:00+02:00", 1200, 480, "2026-10-25T08:00:00+01:00"},
		{"Europe/Berlin", "2026-10-25T02:30:00+02:00", 1200, 480, "2026-10-25T08:00:00+01:00"},
		{"Europe/Berlin", "2026-10-25T02:30:00+01:00", 1200, 480, "2026-10-25T08:00:00+01:00"},
		/* A window ending inside the skipped hour ends when the clock jumps. */
		{"Europe/Berlin", "2026-03-29T01:00:00+01:00", 1320, 150, "2026-03-29T03:00:00+02:00"},
		/* A window ending inside the repeated hour ends at its first 02:30. */
		{"Europe/Berlin", "2026-10-25T01:00:00+02:00", 1320, 150, "2026-10-25T02:30:00+02:00"},
		/* New York changes on other dates (8 March, 1 November 2026). */
		{"America/New_York", "2026-03-07T22:00:00-05:00", 1200, 480, "2026-03-08T08:00:00-04:00"},
		{"America/New_York", "2026-10-31T23:00:00-04:00", 1200, 480, "2026-11-01T08:00:00-05:00"},
		{"America/New_York", "2026-03-28T21:00:00-04:00", 1200, 480, "2026-03-29T08:00:00-04:00"},
		/* Another window: 21:30-07:15, and one that does not wrap midnight. */
		{"Europe/Berlin", "2026-01-12T21:29:00+01:00", 1290, 435, "2026-01-12T21:29:00+01:00"},
		{"Europe/Berlin", "2026-01-12T21:30:00+01:00", 1290, 435, "2026-01-13T07:15:00+01:00"},
		{"Europe/Berlin", "2026-01-12T12:30:00+01:00", 720, 840, "2026-01-12T14:00:00+01:00"},
		{"Europe/Berlin", "2026-01-12T14:00:00+01:00", 720, 840, "2026-01-12T14:00:00+01:00"},
		{"Europe/Berlin", "2026-01-12T11:59:00+01:00", 720, 840, "2026-01-12T11:59:00+01:00"},
		/* No quiet hours at all. */
		{"Europe/Berlin", "2026-01-12T23:00:00+01:00", 0, 0, "2026-01-12T23:00:00+01:00"},
		/* Until midnight only (20:00-24:00). */
		{"Europe/Berlin", "2026-01-12T22:00:00+01:00", 1200, 1440, "2026-01-13T00:00:00+01:00"},
		/* A zone without DST. */
		{"Asia/Tokyo", "2026-03-29T23:00:00+09:00", 1200, 480, "2026-03-30T08:00:00+09:00"},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		dates_set_zone(rows[i].zone);
		int64_t got = quiet_next_allowed(at(rows[i].due), rows[i].start, rows[i].end);
		char buf[DATES_BUF];
		dates_format_instant(got, buf);
		row_check(&bad, got == at(rows[i].expect), "row %zu: %s -> %s, not %s", i,
			  rows[i].due, buf, rows[i].expect);
	}
	dates_set_zone("UTC");
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(next_allowed),
	};
	return cmocka_run_group_tests_name("unit_quiet_hours", tests, NULL, NULL);
}
