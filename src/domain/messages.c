/* Patient messages: the reminder and retry timings, and the MIME and
 * iCalendar formats that carry a message. */
#include "domain/messages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/dates.h"
#include "util/xalloc.h"

static const char *const status_names[] = {NULL, "queued", "sent", "failed", "cancelled"};

const char *msg_kind_name(int kind)
{
	const char *name = tmpl_kind_name(kind);
	return name ? name : "";
}

int msg_kind_parse(const char *s)
{
	return s ? tmpl_kind_parse(s) : 0;
}

const char *msg_status_name(int status)
{
	return status >= MSG_QUEUED && status <= MSG_CANCELLED ? status_names[status] : "";
}

int msg_status_parse(const char *s)
{
	for (int i = MSG_QUEUED; s && i <= MSG_CANCELLED; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i;
	return 0;
}

int64_t msg_reminder_due(int64_t start, int hours, int64_t now)
{
	if (hours <= 0)
		return 0;
	int64_t due = start - (int64_t)hours * 3600;
	return due > now ? due : 0;
}

int64_t msg_backoff(int tries)
{
	static const int64_t waits[MSG_MAX_TRIES - 1] = {120, 360, 1080, 3240, 9720, 29160, 43200};
	if (tries < 1 || tries >= MSG_MAX_TRIES)
		return -1;
	return waits[tries - 1];
}

void msg_idem_key(int64_t appt_id, int kind, int64_t sequence, char buf[64])
{
	snprintf(buf, 64, "appt-%lld-%s-%lld", (long long)appt_id, msg_kind_name(kind),
		 (long long)sequence);
}

void msg_message_id(const char *idem_key, const char *domain, char buf[320])
{
	snprintf(buf, 320, "%s@%s", idem_key, domain && *domain ? domain : "collagenda.invalid");
}

void msg_text_cleanup(struct msg_text *t)
{
	free(t->subject);
	free(t->text);
	free(t->html);
	memset(t, 0, sizeof *t);
}

/* ---- iCalendar (RFC 5545) ---- */

/* Appends one content line: folded so that no line exceeds 75 octets (a continuation
 * starts with a space), never inside a UTF-8 sequence, ended with CRLF. */
static void ics_line(struct buf *b, const char *line)
{
	size_t n = strlen(line), col = 0;
	for (size_t i = 0; i < n;) {
		size_t len = 1;
		unsigned char c = (unsigned char)line[i];
		if (c >= 0xf0)
			len = 4;
		else if (c >= 0xe0)
			len = 3;
		else if (c >= 0xc0)
			len = 2;
		if (i + len > n)
			len = n - i;
		if (col + len > 75) {
			buf_puts(b, "\r\n ");
			col = 1;
		}
		buf_append(b, line + i, len);
		col += len;
		i += len;
	}
	buf_puts(b, "\r\n");
}

/* Appends s as an iCalendar TEXT value: backslash, semicolon, comma and newline escaped,
 * other control characters dropped. */
static void ics_text(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\\' || c == ';' || c == ',') {
			char e[2] = {'\\', (char)c};
			buf_append(b, e, 2);
		} else if (c == '\n') {
			buf_puts(b, "\\n");
		} else if (c >= 0x20 && c != 0x7f) {
			buf_append(b, s, 1);
		}
	}
}

static void ics_prop(struct buf *b, const char *name, const char *value, bool text)
{
	struct buf l;
	buf_init(&l);
	buf_puts(&l, name);
	buf_puts(&l, ":");
	if (text)
		ics_text(&l, value);
	else
		buf_puts(&l, value);
	ics_line(b, l.data);
	buf_cleanup(&l);
}

/* Local wall time of t in the clinic zone as YYYYMMDDTHHMMSS, with offset off. */
static void ics_local(int64_t t, long off, char buf[32])
{
	time_t tt = (time_t)(t + off);
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, 32, "%Y%m%dT%H%M%S", &tm);
}

static void ics_utc(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, 32, "%Y%m%dT%H%M%SZ", &tm);
}

static void ics_offset(long off, char buf[16])
{
	long a = off < 0 ? -off : off;
	snprintf(buf, 16, "%c%02d%02d", off < 0 ? '-' : '+', (int)(a / 3600 % 100),
		 (int)(a / 60 % 60));
}

/* The first second after a whose offset differs from a's, searched in (a, c]. */
static int64_t first_change(int64_t a, int64_t c)
{
	long off = dates_zone_offset(a);
	while (c - a > 1) {
		int64_t mid = a + (c - a) / 2;
		if (dates_zone_offset(mid) == off)
			a = mid;
		else
			c = mid;
	}
	return c;
}

/* One observance: a change to offset to at instant at (from offset from). */
static void ics_observance(struct buf *b, bool daylight, int64_t at, long from, long to)
{
	char dt[32], f[16], t[16];
	ics_local(at, from, dt);
	ics_offset(from, f);
	ics_offset(to, t);
	ics_line(b, daylight ? "BEGIN:DAYLIGHT" : "BEGIN:STANDARD");
	ics_prop(b, "DTSTART", dt, false);
	ics_prop(b, "TZOFFSETFROM", f, false);
	ics_prop(b, "TZOFFSETTO", t, false);
	ics_line(b, daylight ? "END:DAYLIGHT" : "END:STANDARD");
}

/*
 * The clinic zone as a VTIMEZONE: every change of offset from a year before the visit to
 * a year after it, each as its own observance (no RRULE: the zone's own data says when it
 * changes, and rules change). A change to a larger offset than the one it leaves is
 * daylight time. A zone without changes in that span gets one STANDARD observance.
 */
static void ics_vtimezone(struct buf *b, const char *tzid, int64_t start)
{
	int64_t from = start - 366 * 86400, to = start + 366 * 86400;
	ics_line(b, "BEGIN:VTIMEZONE");
	ics_prop(b, "TZID", tzid, true);
	int n = 0;
	long off = dates_zone_offset(from);
	for (int64_t a = from; a < to && n < 16; a += 6 * 3600) {
		int64_t c = a + 6 * 3600;
		long next = dates_zone_offset(c);
		if (next == off)
			continue;
		int64_t at = first_change(a, c);
		ics_observance(b, next > off, at, off, next);
		off = next;
		n++;
	}
	if (n == 0)
		ics_observance(b, false, from, off, off);
	ics_line(b, "END:VTIMEZONE");
}

char *msg_ical_build(const struct msg_ical *in)
{
	struct buf b, l;
	buf_init(&b);
	buf_init(&l);
	char t[32], seq[24];
	ics_line(&b, "BEGIN:VCALENDAR");
	ics_line(&b, "VERSION:2.0");
	ics_line(&b, "PRODID:-//collagenda//appointments//EN");
	ics_line(&b, in->cancel ? "METHOD:CANCEL" : "METHOD:REQUEST");
	ics_line(&b, "CALSCALE:GREGORIAN");
	ics_vtimezone(&b, in->tzid, in->start);
	ics_line(&b, "BEGIN:VEVENT");
	ics_prop(&b, "UID", in->uid, true);
	snprintf(seq, sizeof seq, "%lld", (long long)in->sequence);
	ics_prop(&b, "SEQUENCE", seq, false);
	ics_utc(in->stamp, t);
	ics_prop(&b, "DTSTAMP", t, false);
	const int64_t times[2] = {in->start, in->end};
	const char *const names[2] = {"DTSTART", "DTEND"};
	for (int i = 0; i < 2; i++) {
		ics_local(times[i], dates_zone_offset(times[i]), t);
		buf_printf(&l, "%s;TZID=", names[i]);
		ics_text(&l, in->tzid);
		buf_printf(&l, ":%s", t);
		ics_line(&b, l.data);
		l.len = 0;
	}
	ics_prop(&b, "SUMMARY", in->summary, true);
	if (in->location)
		ics_prop(&b, "LOCATION", in->location, true);
	ics_prop(&b, "STATUS", in->cancel ? "CANCELLED" : "CONFIRMED", false);
	buf_printf(&l, "ORGANIZER:mailto:%s", in->organizer);
	ics_line(&b, l.data);
	l.len = 0;
	buf_printf(&l, "ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:%s", in->attendee);
	ics_line(&b, l.data);
	ics_line(&b, "END:VEVENT");
	ics_line(&b, "END:VCALENDAR");
	buf_cleanup(&l);
	return buf_take(&b);
}

/* ---- MIME (RFC 5322, 2045-2047) ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Appends the base64 of n bytes at p, in lines of 76 characters ended with CRLF when wrap. */
static void base64(struct buf *b, const unsigned char *p, size_t n, bool wrap)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		char q[4] = {b64[v >> 18 & 63], b64[v >> 12 & 63],
			     i + 1 < n ? b64[v >> 6 & 63] : '=', i + 2 < n ? b64[v & 63] : '='};
		buf_append(b, q, 4);
		col += 4;
		if (wrap && col >= 76) {
			buf_puts(b, "\r\n");
			col = 0;
		}
	}
	if (wrap && col)
		buf_puts(b, "\r\n");
}

char *msg_header_words(const char *s, bool phrase)
{
	struct buf b;
	buf_init(&b);
	bool plain = true;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			plain = false;
	if (plain && !phrase) {
		buf_puts(&b, s);
		return buf_take(&b);
	}
	if (plain) {
		buf_puts(&b, "\"");
		for (const char *p = s; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_puts(&b, "\\");
			buf_append(&b, p, 1);
		}
		buf_puts(&b, "\"");
		return buf_take(&b);
	}
	/* Encoded words of at most 45 bytes of text each (60 characters of base64), never
	 * splitting a UTF-8 sequence; control characters become spaces. */
	size_t n = strlen(s), i = 0;
	while (i < n) {
		size_t j = i + 45 < n ? i + 45 : n;
		while (j < n && j > i + 1 && ((unsigned char)s[j] & 0xc0) == 0x80)
			j--;
		unsigned char chunk[48];
		for (size_t k = i; k < j; k++)
			chunk[k - i] = (unsigned char)s[k] < 0x20 ? ' ' : (unsigned char)s[k];
		if (i)
			buf_puts(&b, "\r\n ");
		buf_puts(&b, "=?UTF-8?B?");
		base64(&b, chunk, j - i, false);
		buf_puts(&b, "?=");
		i = j;
	}
	return buf_take(&b);
}

/* The RFC 5322 date of t in the clinic's zone: "Thu, 03 Dec 2026 15:32:05 +0100". */
static void mail_date(int64_t t, char buf[48])
{
	static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	long off = dates_zone_offset(t);
	time_t tt = (time_t)(t + off);
	struct tm tm;
	gmtime_r(&tt, &tm);
	long a = off < 0 ? -off : off;
	snprintf(buf, 48, "%s, %02d %s %04d %02d:%02d:%02d %c%02d%02d", wd[tm.tm_wday], tm.tm_mday,
		 mo[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 off < 0 ? '-' : '+', (int)(a / 3600 % 100), (int)(a / 60 % 60));
}

static void mail_address(struct buf *b, const char *header, const char *name, const char *addr)
{
	buf_printf(b, "%s: ", header);
	if (name && *name) {
		char *w = msg_header_words(name, true);
		buf_printf(b, "%s ", w);
		free(w);
	}
	buf_printf(b, "<%s>\r\n", addr);
}

/* One base64 part; extra is a further header line (with its CRLF) or "". */
static void mail_part(struct buf *b, const char *boundary, const char *type, const char *extra,
		      const char *body)
{
	buf_printf(b, "--%s\r\nContent-Type: %s\r\n%sContent-Transfer-Encoding: base64\r\n\r\n",
		   boundary, type, extra);
	base64(b, (const unsigned char *)body, strlen(body), true);
}

char *msg_mail_build(const struct msg_mail *m)
{
	/* Boundaries hold "=_", which base64 never does. */
	char mixed[80], alt[80], date[48];
	unsigned h = 2166136261u;
	for (const char *p = m->message_id; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	snprintf(mixed, sizeof mixed, "=_mixed_%08x", h);
	snprintf(alt, sizeof alt, "=_alt_%08x", h);
	mail_date(m->date, date);
	struct buf b;
	buf_init(&b);
	mail_address(&b, "From", m->from_name, m->from_addr);
	mail_address(&b, "To", m->to_name, m->to_addr);
	char *subject = msg_header_words(m->text->subject, false);
	buf_printf(&b, "Subject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n",
		   subject, date, m->message_id);
	free(subject);
	buf_puts(&b, "Auto-Submitted: auto-generated\r\n");
	if (m->ics)
		buf_printf(&b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", mixed);
	if (m->ics)
		buf_printf(&b, "--%s\r\n", mixed);
	buf_printf(&b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", alt);
	mail_part(&b, alt, "text/plain; charset=utf-8", "", m->text->text);
	mail_part(&b, alt, "text/html; charset=utf-8", "", m->text->html);
	buf_printf(&b, "--%s--\r\n", alt);
	if (m->ics) {
		char type[96];
		snprintf(type, sizeof type, "text/calendar; charset=utf-8; method=%s",
			 m->ics_method);
		char disp[96];
		snprintf(disp, sizeof disp, "Content-Disposition: attachment; filename=\"%s\"\r\n",
			 strcmp(m->ics_method, "CANCEL") == 0 ? "cancel.ics" : "invite.ics");
		mail_part(&b, mixed, type, disp, m->ics);
		buf_printf(&b, "--%s--\r\n", mixed);
	}
	return buf_take(&b);
}
