/* Calendar arithmetic (proleptic Gregorian), RFC 3339 parsing and the clinic's zone. */
#include "domain/dates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/err.h"

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

bool dates_valid(int year, int month, int day)
{
	return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
	       day <= days_in_month(year, month);
}

/* Reads exactly n decimal digits at s. */
static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool parse_ymd(const char *s, struct cdate *d)
{
	if (!digits(s, 4, &d->year) || s[4] != '-' || !digits(s + 5, 2, &d->month) || s[7] != '-' ||
	    !digits(s + 8, 2, &d->day))
		return false;
	return dates_valid(d->year, d->month, d->day);
}

int dates_parse_date(const char *s, struct cdate *out)
{
	struct cdate d;
	if (!s || strlen(s) != 10 || !parse_ymd(s, &d))
		return -ERR_VALIDATION_FAILED;
	*out = d;
	return 0;
}

/* Two decimal digits of v (0..99). */
static char *put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

void dates_format_date(const struct cdate *d, char *buf)
{
	if (d->year < 0 || d->year > 9999 || d->month < 0 || d->month > 99 || d->day < 0 ||
	    d->day > 99) {
		snprintf(buf, DATES_BUF, "%04d-%02d-%02d", d->year, d->month, d->day);
		return;
	}
	/* Without printf: a recall list formats hundreds of these. */
	char *p = put2(put2(buf, d->year / 100), d->year % 100);
	*p++ = '-';
	p = put2(p, d->month);
	*p++ = '-';
	p = put2(p, d->day);
	*p = '\0';
}

/* Days from 1970-01-01, counting in 400-year eras that start on 1 March so that the leap
 * day falls at the end of each year. */
int64_t dates_to_days(const struct cdate *d)
{
	int64_t y = d->year - (d->month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (d->month + 9) % 12; /* March = 0 */
	int64_t doy = (153 * mp + 2) / 5 + d->day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct cdate dates_from_days(int64_t days)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	struct cdate d;
	d.day = (int)(doy - (153 * mp + 2) / 5 + 1);
	d.month = (int)(mp < 10 ? mp + 3 : mp - 9);
	d.year = (int)(yoe + era * 400 + (d.month <= 2));
	return d;
}

int dates_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday (4). */
	int64_t w = (days + 3) % 7;
	if (w < 0)
		w += 7;
	return (int)w + 1;
}

int dates_age_years(const struct cdate *birth, const struct cdate *on)
{
	int age = on->year - birth->year;
	if (on->month < birth->month || (on->month == birth->month && on->day < birth->day))
		age--;
	return age;
}

int dates_parse_instant(const char *s, int64_t *out)
{
	struct cdate d;
	int hh, mm, ss, oh = 0, om = 0, sign = 0;
	if (!s || strlen(s) < 20 || strlen(s) > 35 || !parse_ymd(s, &d))
		return -ERR_VALIDATION_FAILED;
	if ((s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &hh) || s[13] != ':' ||
	    !digits(s + 14, 2, &mm) || s[16] != ':' || !digits(s + 17, 2, &ss))
		return -ERR_VALIDATION_FAILED;
	if (hh > 23 || mm > 59 || ss > 59)
		return -ERR_VALIDATION_FAILED;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -ERR_VALIDATION_FAILED;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return -ERR_VALIDATION_FAILED;
		p += 6;
	} else {
		return -ERR_VALIDATION_FAILED;
	}
	if (*p != '\0')
		return -ERR_VALIDATION_FAILED;
	int64_t t = dates_to_days(&d) * 86400 + hh * 3600 + mm * 60 + ss;
	t -= (int64_t)sign * (oh * 3600 + om * 60);
	*out = t;
	return 0;
}

void dates_set_zone(const char *zone)
{
	if (zone && *zone)
		setenv("TZ", zone, 1);
	tzset();
}

static void local_tm(int64_t t, struct tm *tm)
{
	time_t tt = (time_t)t;
	if (!localtime_r(&tt, tm))
		memset(tm, 0, sizeof *tm);
}

void dates_format_instant(int64_t t, char *buf)
{
	struct tm tm;
	local_tm(t, &tm);
	long off = tm.tm_gmtoff;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	int oh = (int)(off / 3600 % 24), om = (int)(off / 60 % 60);
	int year = tm.tm_year + 1900;
	if (year < 0 || year > 9999) {
		snprintf(buf, DATES_BUF, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", year,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, sign, oh, om);
		return;
	}
	/* The usual case without printf: day sheets format thousands of these. */
	char *p = buf;
	p = put2(put2(p, year / 100), year % 100);
	*p++ = '-';
	p = put2(p, tm.tm_mon + 1);
	*p++ = '-';
	p = put2(p, tm.tm_mday);
	*p++ = 'T';
	p = put2(p, tm.tm_hour);
	*p++ = ':';
	p = put2(p, tm.tm_min);
	*p++ = ':';
	p = put2(p, tm.tm_sec);
	*p++ = sign;
	p = put2(p, oh);
	*p++ = ':';
	p = put2(p, om);
	*p = '\0';
}

void dates_format_utc(int64_t t, char *buf)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400;
	struct cdate d = dates_from_days(days);
	snprintf(buf, DATES_BUF, "%04d-%02d-%02dT%02d:%02d:%02dZ", d.year, d.month, d.day,
		 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

struct cdate dates_local_date(int64_t t)
{
	struct tm tm;
	local_tm(t, &tm);
	struct cdate d = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
	return d;
}

int64_t dates_local_day(int64_t t)
{
	struct cdate d = dates_local_date(t);
	return dates_to_days(&d);
}

int dates_local_minute(int64_t t)
{
	struct tm tm;
	local_tm(t, &tm);
	return tm.tm_hour * 60 + tm.tm_min;
}

/* True when instant t shows the wall-clock reading wall (seconds, as if UTC). */
static bool reads_as(int64_t t, int64_t wall)
{
	struct tm tm;
	local_tm(t, &tm);
	return t + tm.tm_gmtoff == wall;
}

int64_t dates_local_to_instant(int64_t day, int minute)
{
	struct cdate d = dates_from_days(day + minute / 1440);
	minute %= 1440;
	/*
	 * The zone's offsets a day before and a day after the wall reading bracket any DST
	 * change near it, and each gives a candidate instant. When both read back as the
	 * wall time, it is ambiguous (fall back): take the earlier. When neither does, it was
	 * skipped (spring forward): the offset from before the change moves it forward by
	 * the gap (02:30 becomes 03:30). Checking only the offset at one guess is not enough:
	 * east of UTC it lands on the later side of a fall-back hour.
	 */
	int64_t wall = dates_to_days(&d) * 86400 + (int64_t)minute * 60;
	struct tm tm;
	local_tm(wall - 86400, &tm);
	int64_t before = wall - tm.tm_gmtoff;
	local_tm(wall + 86400, &tm);
	int64_t after = wall - tm.tm_gmtoff;
	if (reads_as(after, wall) && (after < before || !reads_as(before, wall)))
		return after;
	return before;
}

int dates_parse_hhmm(const char *s, int *minutes)
{
	int h, m;
	if (!s || strlen(s) != 5 || !digits(s, 2, &h) || s[2] != ':' || !digits(s + 3, 2, &m))
		return -ERR_VALIDATION_FAILED;
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return -ERR_VALIDATION_FAILED;
	*minutes = h * 60 + m;
	return 0;
}

void dates_format_hhmm(int minutes, char *buf)
{
	snprintf(buf, DATES_BUF, "%02d:%02d", minutes / 60, minutes % 60);
}
