/* Calendar dates, RFC 3339 instants and the clinic's time zone. Pure: no I/O beyond the
 * C library's time zone data. */
#ifndef COLLAGENDA_DOMAIN_DATES_H
#define COLLAGENDA_DOMAIN_DATES_H

#include <stdbool.h>
#include <stdint.h>

/* A calendar date. */
struct cdate {
	int year;
	int month; /* 1-12 */
	int day;   /* 1-31 */
};

/* Room for any string these functions format, with the NUL. */
#define DATES_BUF 64

/* True when y-m-d is a real date of the Gregorian calendar within years 1-9999. */
bool dates_valid(int year, int month, int day);

/* Parses exactly "YYYY-MM-DD" into out; 0, or -ERR_VALIDATION_FAILED for anything else
 * (including 2023-02-29). */
int dates_parse_date(const char *s, struct cdate *out) __attribute__((warn_unused_result));

/* A date as people type it: "YYYY-MM-DD", "DD.MM.YYYY", or with slashes "DD/MM/YYYY"
 * (month_first false) or "MM/DD/YYYY" (month_first true); day and month may have one
 * digit. 0, or -ERR_VALIDATION_FAILED when s is none of these or no real date. */
int dates_parse_typed(const char *s, bool month_first, struct cdate *out)
    __attribute__((warn_unused_result));

/* Formats d as "YYYY-MM-DD" into buf (DATES_BUF bytes). */
void dates_format_date(const struct cdate *d, char *buf);

/* Formats the date of a day number (days since 1970-01-01) as "YYYY-MM-DD" into buf. */
void dates_format_day(int64_t day, char *buf);

/* Days since 1970-01-01 of d (negative before), and back. */
int64_t dates_to_days(const struct cdate *d);
struct cdate dates_from_days(int64_t days);

/* The span of instants the API takes and writes: 1900-01-01T00:00:00Z to
 * 2200-12-31T23:59:59Z. Outside it a time is refused, whatever its form. */
#define DATES_WIRE_MIN (-2208988800LL)
#define DATES_WIRE_MAX (7289654399LL)
bool dates_on_wire(int64_t t);
/* The same span for a calendar date: the years 1900 to 2200. */
bool dates_date_on_wire(const struct cdate *d);

/* ISO weekday of a day number: 1 = Monday ... 7 = Sunday. */
int dates_weekday(int64_t days);

/* Whole years between birth and on, as a birthday counts them (a 29 February birthday
 * is reached on 1 March in common years). */
int dates_age_years(const struct cdate *birth, const struct cdate *on);

/* Parses an RFC 3339 date-time with a required offset ("2026-01-12T09:30:00+01:00",
 * "...Z", optional fraction, which is dropped) into Unix seconds; 0 or
 * -ERR_VALIDATION_FAILED. */
int dates_parse_instant(const char *s, int64_t *out) __attribute__((warn_unused_result));

/* Sets the clinic's time zone (an IANA name such as "Europe/Berlin"), process-wide;
 * call once at start, before threads. NULL or "" keeps the process's TZ. */
void dates_set_zone(const char *zone);

/* Formats t as RFC 3339 in the clinic's zone with its offset into buf. */
void dates_format_instant(int64_t t, char *buf);

/* Formats t as RFC 3339 in UTC ("...Z") into buf. */
void dates_format_utc(int64_t t, char *buf);

/* The clinic zone's offset from UTC at instant t, in seconds east. */
long dates_zone_offset(int64_t t);

/* The clinic-local calendar day (days since 1970-01-01) that contains instant t. */
int64_t dates_local_day(int64_t t);

/* The clinic-local date that contains instant t. */
struct cdate dates_local_date(int64_t t);

/* Minutes since local midnight of instant t in the clinic's zone (0-1439). */
int dates_local_minute(int64_t t);

/* The instant of local wall-clock time day + minute (0-1440) in the clinic's zone. A
 * time that does not exist (skipped by a DST change) moves forward by the gap; an
 * ambiguous one takes the earlier instant. */
int64_t dates_local_to_instant(int64_t day, int minute);

/* Parses "HH:MM" (00:00-24:00) into minutes since midnight; 0 or -ERR_VALIDATION_FAILED. */
int dates_parse_hhmm(const char *s, int *minutes) __attribute__((warn_unused_result));

/* Formats minutes since midnight as "HH:MM" into buf. */
void dates_format_hhmm(int minutes, char *buf);

#endif
