/* Unit tests for domain/messages.c: the retry and reminder timings, the idempotency key,
 * and the iCalendar and MIME formats (folding, escaping, encoded words, time zones). */
#include "unit.h"

#include "domain/dates.h"
#include "domain/messages.h"

static void backoff_spans_about_a_day(void **state)
{
	(void)state;
	static const struct {
		int tries;
		int64_t wait;
	} rows[] = {{0, -1},   {1, 120},   {2, 360},   {3, 1080}, {4, 3240},
		    {5, 9720}, {6, 29160}, {7, 43200}, {8, -1},	  {9, -1}};
	int bad = 0;
	int64_t total = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int64_t w = msg_backoff(rows[i].tries);
		row_check(&bad, w == rows[i].wait, "tries %d: wait %lld, want %lld", rows[i].tries,
			  (long long)w, (long long)rows[i].wait);
		if (w > 0)
			total += w;
	}
	assert_int_equal(bad, 0);
	/* Eight tries: seven waits between them, about a day in all. */
	assert_true(total >= 22 * 3600 && total <= 26 * 3600);
}

static void reminders_come_their_hours_before(void **state)
{
	(void)state;
	int64_t start = 1900000000;
	int h = MSG_REMINDER_EMAIL_HOURS;
	assert_int_equal(h, 48);
	assert_int_equal(MSG_REMINDER_SMS_HOURS, 24);
	assert_int_equal(msg_reminder_due(start, h, start - 72 * 3600), start - 48 * 3600);
	assert_int_equal(msg_reminder_due(start, h, start - 48 * 3600 - 1), start - 48 * 3600);
	/* Booked less than 48 hours ahead: no reminder. */
	assert_int_equal(msg_reminder_due(start, h, start - 48 * 3600), 0);
	assert_int_equal(msg_reminder_due(start, h, start - 3600), 0);
	/* Another offset, and none. */
	assert_int_equal(msg_reminder_due(start, 24, start - 30 * 3600), start - 24 * 3600);
	assert_int_equal(msg_reminder_due(start, 0, start - 72 * 3600), 0);
}

static void keys_name_a_message_for_good(void **state)
{
	(void)state;
	char key[64], mid[320];
	msg_idem_key(42, MSG_UPDATE, 3, key);
	assert_string_equal(key, "appt-42-update-3");
	msg_message_id(key, "clinic.example", mid);
	assert_string_equal(mid, "appt-42-update-3@clinic.example");
	msg_message_id(key, NULL, mid);
	assert_string_equal(mid, "appt-42-update-3@collagenda.invalid");
	assert_int_equal(msg_kind_parse("reminder"), MSG_REMINDER);
	assert_int_equal(msg_kind_parse("sms"), 0);
	assert_int_equal(msg_status_parse("failed"), MSG_FAILED);
}

/* True when every line of text ends in CRLF and holds at most 75 octets. */
static bool folded(const char *text)
{
	for (const char *p = text; *p;) {
		const char *crlf = strstr(p, "\r\n");
		if (!crlf || crlf - p > 75 || memchr(p, '\n', (size_t)(crlf - p)))
			return false;
		p = crlf + 2;
	}
	return true;
}

static void ical_folds_escapes_and_names_the_zone(void **state)
{
	(void)state;
	dates_set_zone("Europe/Berlin");
	char summary[400];
	snprintf(summary, sizeof summary, "%s",
		 "Visit; with commas, a backslash \\ and ünïcödé text that runs on and on and "
		 "on, well past seventy-five octets of one content line");
	struct msg_ical in = {
	    .uid = "appt-7@clinic.example",
	    .tzid = "Europe/Berlin",
	    .organizer = "desk@clinic.example",
	    .attendee = "pat@example.org",
	    .summary = summary,
	    .location = "Klinik Süd",
	    .start = 1782720000, /* 2026-06-29T08:00:00Z, 10:00 in Berlin (CEST) */
	    .end = 1782721800,
	    .stamp = 1780000000,
	    .sequence = 2,
	};
	char *ics = msg_ical_build(&in);
	assert_true(folded(ics));
	assert_non_null(strstr(ics, "METHOD:REQUEST\r\n"));
	assert_non_null(strstr(ics, "SEQUENCE:2\r\n"));
	assert_non_null(strstr(ics, "DTSTART;TZID=Europe/Berlin:20260629T100000\r\n"));
	assert_non_null(strstr(ics, "TZOFFSETTO:+0200\r\n"));
	assert_non_null(strstr(ics, "BEGIN:DAYLIGHT\r\n"));
	assert_non_null(strstr(ics, "BEGIN:STANDARD\r\n"));
	/* Escaped, and no continuation line starts inside a UTF-8 sequence. */
	char *unfolded = malloc(strlen(ics) + 1);
	assert_non_null(unfolded);
	size_t o = 0;
	for (const char *p = ics; *p; p++) {
		if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
			assert_true(((unsigned char)p[3] & 0xc0) != 0x80);
			p += 2;
			continue;
		}
		unfolded[o++] = *p;
	}
	unfolded[o] = '\0';
	assert_non_null(strstr(unfolded, "SUMMARY:Visit\\; with commas\\, a backslash \\\\ and "
					 "ünïcödé text"));
	free(unfolded);
	free(ics);

	in.cancel = true;
	ics = msg_ical_build(&in);
	assert_non_null(strstr(ics, "METHOD:CANCEL\r\n"));
	assert_non_null(strstr(ics, "STATUS:CANCELLED\r\n"));
	free(ics);

	/* A zone without changes gets one STANDARD observance. */
	dates_set_zone("UTC");
	in.tzid = "UTC";
	in.cancel = false;
	ics = msg_ical_build(&in);
	assert_null(strstr(ics, "BEGIN:DAYLIGHT"));
	assert_non_null(strstr(ics, "BEGIN:STANDARD\r\n"));
	assert_non_null(strstr(ics, "TZOFFSETTO:+0000\r\n"));
	free(ics);
}

static void header_words(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		bool phrase;
		const char *out;
	} rows[] = {
	    {"Clinic", true, "\"Clinic\""},
	    {"Dr \"Q\" \\ Co", true, "\"Dr \\\"Q\\\" \\\\ Co\""},
	    {"Plain subject", false, "Plain subject"},
	    {"Zoë", true, "=?UTF-8?B?Wm/Dqw==?="},
	    {"Klinik Süd", false, "=?UTF-8?B?S2xpbmlrIFPDvGQ=?="},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *w = msg_header_words(rows[i].in, rows[i].phrase);
		row_check(&bad, strcmp(w, rows[i].out) == 0, "%s: %s, want %s", rows[i].in, w,
			  rows[i].out);
		free(w);
	}
	assert_int_equal(bad, 0);
	/* A long name becomes several encoded words, none over 75 characters. */
	char *w = msg_header_words("Ääääääääääääääääääääääääääääääääääääääääääääääää", true);
	assert_non_null(strstr(w, "?=\r\n =?UTF-8?B?"));
	for (const char *p = w; p;) {
		const char *next = strstr(p, "\r\n ");
		size_t len = next ? (size_t)(next - p) : strlen(p);
		assert_true(len <= 75);
		p = next ? next + 3 : NULL;
	}
	free(w);
}

/* The mail around a message's words: without a calendar entry it is one
 * multipart/alternative, with the words as given (the templates wrote them). */
static void a_mail_without_a_calendar_entry(void **state)
{
	(void)state;
	dates_set_zone("Europe/Berlin");
	char subject[] = "Reminder: your appointment", text[] = "Hello Zoë",
	     html[] = "<p>Hello Zoë</p>";
	struct msg_text t = {.subject = subject, .text = text, .html = html};
	struct msg_mail m = {
	    .from_name = "Klinik Süd",
	    .from_addr = "desk@clinic.example",
	    .to_name = "Zoë",
	    .to_addr = "z@example.org",
	    .message_id = "appt-1-reminder-0@clinic.example",
	    .date = 1782720000,
	    .text = &t,
	};
	char *mail = msg_mail_build(&m);
	assert_non_null(strstr(mail, "Message-ID: <appt-1-reminder-0@clinic.example>\r\n"));
	assert_non_null(strstr(mail, "Date: Mon, 29 Jun 2026 10:00:00 +0200\r\n"));
	assert_non_null(strstr(mail, "Subject: Reminder: your appointment\r\n"));
	assert_non_null(strstr(mail, "Content-Type: multipart/alternative;"));
	assert_non_null(strstr(mail, "Content-Type: text/html; charset=utf-8"));
	assert_null(strstr(mail, "multipart/mixed"));
	assert_null(strstr(mail, "text/calendar"));
	free(mail);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(backoff_spans_about_a_day),
	    cmocka_unit_test(reminders_come_their_hours_before),
	    cmocka_unit_test(keys_name_a_message_for_good),
	    cmocka_unit_test(ical_folds_escapes_and_names_the_zone),
	    cmocka_unit_test(header_words),
	    cmocka_unit_test(a_mail_without_a_calendar_entry),
	};
	return cmocka_run_group_tests_name("unit_messages", tests, NULL, NULL);
}
