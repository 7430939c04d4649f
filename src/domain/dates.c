/* Calendar arithmetic (proleptic Gregorian), RFC 3339 parsing and the clinic's zone. */
#include "domain/dates.h"

#include <pthread.h>
#include <stdatomic.h>
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

/* One or two digits at *p, then sep; advances *p past sep. */
static bool small_number(const char **p, char sep, int *v)
{
	const char *s = *p;
	if (s[0] < '0' || s[0] > '9')
		return false;
	int n = s[0] - '0', len = 1;
	if (s[1] >= '0' && s[1] <= '9')
		n = n * 10 + (s[1] - '0'), len = 2;
	if (s[len] != sep)
		return false;
	*v = n;
	*p = s + len + 1;
	return true;
}

int dates_parse_typed(const char *s, bool month_first, struct cdate *out)
{
	struct cdate d;
	if (!s)
		return -ERR_VALIDATION_FAILED;
	if (dates_parse_date(s, out) == 0)
		return 0;
	const char *p = s;
	char sep = strchr(s, '.') ? '.' : '/';
	int a, b;
	if (!small_number(&p, sep, &a) || !small_number(&p, sep, &b) || strlen(p) != 4 ||
	    !digits(p, 4, &d.year))
		return -ERR_VALIDATION_FAILED;
	/* Dots are always day first (German, Polish, Czech...); slashes follow the clinic. */
	bool mdy = sep == '/' && month_first;
	d.month = mdy ? a : b;
	d.day = mdy ? b : a;
	if (!dates_valid(d.year, d.month, d.day))
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

bool dates_on_wire(int64_t t)
{
	return t >= DATES_WIRE_MIN && t <= DATES_WIRE_MAX;
}

bool dates_date_on_wire(const struct cdate *d)
{
	return d->year >= 1900 && d->year <= 2200;
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

/* Bumped by each zone change, so that no offsets found for an earlier zone are used. */
static _Atomic unsigned zone_generation = 1;

void dates_set_zone(const char *zone)
{
	if (zone && *zone)
		setenv("TZ", zone, 1);
	tzset();
	atomic_fetch_add_explicit(&zone_generation, 1, memory_order_acq_rel);
}

static long offset_at(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	return localtime_r(&tt, &tm) ? tm.tm_gmtoff : 0;
}

/*
 * The zone's UTC offset at t. The C library converts under a process-wide lock, and a day
 * sheet converts four instants per appointment, so the zone's changes are found once per
 * stretch of 2^25 s (about 388 days) and shared by every thread. A stretch is read hour by
 * hour, and an hour whose two ends differ is searched to the second: no zone changes its
 * offset twice within an hour, so that finds every change. Stretches from 1901 to 2200 are
 * kept; an instant outside them, or in a stretch with more changes than one holds, goes to
 * the C library each time. The zone is set before serving starts (dates_set_zone), so a
 * stretch found for the current zone is never rewritten while it is read.
 */
#define STRETCH_LEN	    ((int64_t)1 << 25)
#define STRETCH_FIRST	    (-64) /* 1901-12-13 */
#define STRETCH_COUNT	    288	  /* to 2200 */
#define STRETCH_MAX_CHANGES 8

struct stretch {
	_Atomic unsigned generation; /* zone_generation when found; 0: not yet */
	int changes;		     /* how many, or -1: too many to keep */
	long first_off;
	int64_t at[STRETCH_MAX_CHANGES];
	long off[STRETCH_MAX_CHANGES];
};

static struct stretch stretches[STRETCH_COUNT];
static pthread_mutex_t stretch_lock = PTHREAD_MUTEX_INITIALIZER;

/* The first second in (a, c] whose offset differs from a's, when a and c differ. */
static int64_t change_between(int64_t a, long off_a, int64_t c)
{
	while (c - a > 1) {
		int64_t mid = a + (c - a) / 2;
		if (offset_at(mid) == off_a)
			a = mid;
		else
			c = mid;
	}
	return c;
}

static void find_changes(struct stretch *s, int64_t lo, unsigned generation)
{
	int64_t last = lo + STRETCH_LEN - 1;
	long off = offset_at(lo);
	int n = 0;
	s->first_off = off;
	for (int64_t a = lo; a < last && n >= 0;) {
		int64_t c = a + 3600 < last ? a + 3600 : last;
		long next = offset_at(c);
		if (next != off) {
			if (n == STRETCH_MAX_CHANGES) {
				n = -1;
				break;
			}
			s->at[n] = change_between(a, off, c);
			s->off[n++] = next;
			off = next;
		}
		a = c;
	}
	s->changes = n;
	atomic_store_explicit(&s->generation, generation, memory_order_release);
}

static long zone_offset(int64_t t)
{
	int64_t k = (t >= 0 ? t / STRETCH_LEN : (t + 1) / STRETCH_LEN - 1) - STRETCH_FIRST;
	if (k < 0 || k >= STRETCH_COUNT)
		return offset_at(t);
	struct stretch *s = &stretches[k];
	unsigned generation = atomic_load_explicit(&zone_generation, memory_order_acquire);
	if (atomic_load_explicit(&s->generation, memory_order_acquire) != generation) {
		pthread_mutex_lock(&stretch_lock);
		if (atomic_load_explicit(&s->generation, memory_order_acquire) != generation)
			find_changes(s, (k + STRETCH_FIRST) * STRETCH_LEN, generation);
		pthread_mutex_unlock(&stretch_lock);
	}
	if (s->changes < 0)
		return offset_at(t);
	long off = s->first_off;
	for (int i = 0; i < s->changes && t >= s->at[i]; i++)
		off = s->off[i];
	return off;
}

/* The clinic-local reading of instant t: its day, its second of that day and the offset. */
struct local_time {
	int64_t day;
	int second;
	long off;
};

static struct local_time local_at(int64_t t)
{
	struct local_time lt;
	lt.off = zone_offset(t);
	int64_t wall = t + lt.off;
	lt.day = wall >= 0 ? wall / 86400 : (wall - 86399) / 86400;
	lt.second = (int)(wall - lt.day * 86400);
	return lt;
}

void dates_format_instant(int64_t t, char *buf)
{
	struct local_time lt = local_at(t);
	struct cdate d = dates_from_days(lt.day);
	long off = lt.off;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	int oh = (int)(off / 3600 % 24), om = (int)(off / 60 % 60);
	int hh = lt.second / 3600, mm = lt.second / 60 % 60, ss = lt.second % 60;
	if (d.year < 0 || d.year > 9999) {
		snprintf(buf, DATES_BUF, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", d.year,
			 d.month, d.day, hh, mm, ss, sign, oh, om);
		return;
	}
	/* The usual case without printf: day sheets format thousands of these. */
	char *p = buf;
	p = put2(put2(p, d.year / 100), d.year % 100);
	*p++ = '-';
	p = put2(p, d.month);
	*p++ = '-';
	p = put2(p, d.day);
	*p++ = 'T';
	p = put2(p, hh);
	*p++ = ':';
	p = put2(p, mm);
	*p++ = ':';
	p = put2(p, ss);
	*p++ = sign;
	p = put2(p, oh);
	*p++ = ':';
	p = put2(p, om);
	*p = '\0';
}

void dates_format_day(int64_t day, char *buf)
{
	struct cdate d = dates_from_days(day);
	dates_format_date(&d, buf);
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
	return dates_from_days(local_at(t).day);
}

long dates_zone_offset(int64_t t)
{
	return zone_offset(t);
}

int64_t dates_local_day(int64_t t)
{
	return local_at(t).day;
}

int dates_local_minute(int64_t t)
{
	return local_at(t).second / 60;
}

/* True when instant t shows the wall-clock reading wall (seconds, as if UTC). */
static bool reads_as(int64_t t, int64_t wall)
{
	return t + zone_offset(t) == wall;
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
	int64_t before = wall - zone_offset(wall - 86400);
	int64_t after = wall - zone_offset(wall + 86400);
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
