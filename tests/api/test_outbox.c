/* Patient messages over a real SMTP server (aiosmtpd, tests/mail/sink.py): the
 * confirmation with its calendar entry, the update and cancellation, the reminder and its
 * confirm/cancel link, retries with backoff under a moved test clock, and the delivery
 * log. What arrived is parsed with Python's email package and python3-icalendar
 * (tests/mail/check.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define V1     "/api/v1"
#define ZONE   "Europe/Berlin"
#define DOMAIN "clinic.example"

static struct server S;
static struct smtp_sink K;
static struct sms_gw G;
static char *t_admin, *t_desk, *t_prac;
static struct lane L;
static char public_url[128];

/* Sets the server's clock to t, or back to the real time with t 0. */
static void clock_at(time_t t)
{
	char when[32];
	fx_instant(t ? t : time(NULL), when);
	struct resp *r = reqf(&S, "POST", V1 "/test/clock", NULL, "{\"now\":\"%s\"}", when);
	fx_expect_status(r, 200);
}

/* An adult patient with an e-mail address (NULL: none) who allows e-mail. */
static long long patient(const char *first, const char *last, const char *email)
{
	long long id = fx_adult(&S, t_desk, t_prac, first, last, "1985-03-14");
	if (email) {
		char path[64];
		snprintf(path, sizeof path, V1 "/patients/%lld", id);
		fx_expect_status(reqf(&S, "PATCH", path, t_desk,
				      "{\"email\":\"%s\",\"contact_email\":true}", email),
				 200);
	}
	return id;
}

/* An adult patient with a mobile number who allows SMS, and e-mail when email is given;
 * lang is the language of their messages. */
static long long sms_patient(const char *first, const char *last, const char *phone,
			     const char *email, const char *lang)
{
	long long id = fx_adult(&S, t_desk, t_prac, first, last, "1985-03-14");
	char path[64];
	snprintf(path, sizeof path, V1 "/patients/%lld", id);
	json_t *b = json_pack("{s:s, s:b, s:s, s:b}", "phone", phone, "contact_sms", 1, "language",
			      lang, "contact_email", email != NULL);
	if (email)
		json_object_set_new(b, "email", json_string(email));
	fx_expect_status(reqj(&S, "PATCH", path, t_desk, b), 200);
	return id;
}

static long long book(long long patient_id, time_t start)
{
	struct fx_booking b = fx_in_lane(L, patient_id, 0, start);
	return fx_booked(&S, t_desk, &b);
}

/* The integer a query about one message of an appointment answers. */
static long long msg_sql(const char *what, long long appt, const char *kind, int seq)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT %s FROM messages WHERE appointment_id = %lld AND kind = '%s' AND "
		 "sequence = %d",
		 what, appt, kind, seq);
	return fx_sql_int(&S, sql);
}

/* The integer a query about the appointment's newest message of kind and channel
 * answers (not an aggregate). */
static long long ch_sql(const char *what, long long appt, const char *kind, const char *channel)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT %s FROM messages WHERE appointment_id = %lld AND kind = '%s' AND "
		 "channel = '%s' ORDER BY id DESC LIMIT 1",
		 what, appt, kind, channel);
	return fx_sql_int(&S, sql);
}

/* How many messages of kind and channel the appointment has. */
static long long ch_count(long long appt, const char *kind, const char *channel)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM messages WHERE appointment_id = %lld AND kind = '%s' AND "
		 "channel = '%s'",
		 appt, kind, channel);
	return fx_sql_int(&S, sql);
}

/* Waits until the query about the appointment's newest message of kind on channel is
 * true (cond is an SQL condition on that row). */
static void wait_ch(long long appt, const char *kind, const char *channel, const char *cond)
{
	char sql[384];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM messages WHERE id = (SELECT max(id) FROM messages WHERE "
		 "appointment_id = %lld AND kind = '%s' AND channel = '%s') AND %s",
		 appt, kind, channel, cond);
	if (!fx_wait_sql(&S, sql, 1)) {
		server_dump_log(&S);
		fail_msg("%s/%s of appointment %lld: never %s", kind, channel, appt, cond);
	}
}

/* Waits until the appointment's message of kind and sequence has status. */
static void wait_status(long long appt, const char *kind, int seq, const char *status)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM messages WHERE appointment_id = %lld AND kind = '%s' AND "
		 "sequence = %d AND status = '%s'",
		 appt, kind, seq, status);
	if (!fx_wait_sql(&S, sql, 1)) {
		server_dump_log(&S);
		fail_msg("message %s/%d of appointment %lld never became %s", kind, seq, appt,
			 status);
	}
}

/* The arrived message with this Message-ID (in brackets), from list; NULL when none.
 * *copies says how many arrived with it. */
static json_t *arrived(json_t *list, const char *mid, int *copies)
{
	json_t *found = NULL, *m;
	size_t i;
	int n = 0;
	json_array_foreach(json_object_get(list, "messages"), i, m)
	{
		if (strcmp(jstr(m, "message_id"), mid) == 0) {
			found = m;
			n++;
		}
	}
	if (copies)
		*copies = n;
	return found;
}

static void expect_mid(char *buf, size_t n, long long appt, const char *kind, int seq)
{
	snprintf(buf, n, "<appt-%lld-%s-%d@" DOMAIN ">", appt, kind, seq);
}

static bool has_part(const json_t *m, const char *type)
{
	return fx_has_str(json_object_get(m, "parts"), type);
}

static void confirmation_carries_a_calendar_request(void **state)
{
	(void)state;
	long long p = patient("Zoë", "Fairweather", "zoe@example.org");
	time_t start = fx_time(5, 10, 30);
	long long a = book(p, start);
	wait_status(a, "confirmation", 0, "sent");
	json_t *list = sink_messages(&K);
	char mid[128];
	expect_mid(mid, sizeof mid, a, "confirmation", 0);
	int copies;
	json_t *m = arrived(list, mid, &copies);
	assert_non_null(m);
	assert_int_equal(copies, 1);
	assert_int_equal(json_array_size(json_object_get(m, "problems")), 0);
	assert_string_equal(jstr(m, "content_type"), "multipart/mixed");
	assert_true(has_part(m, "multipart/alternative"));
	assert_true(has_part(m, "text/plain"));
	assert_true(has_part(m, "text/html"));
	assert_true(has_part(m, "text/calendar"));
	assert_string_equal(jstr(m, "ics_method_param"), "REQUEST");
	assert_string_equal(jstr(m, "envelope_to"), "zoe@example.org");
	/* RFC 2047: the clinic's name is not ASCII, and decodes to itself. */
	assert_non_null(strstr(jstr(m, "from_raw"), "=?UTF-8?B?"));
	assert_string_equal(jstr(m, "from"), "Klinik Süd <clinic@" DOMAIN ">");
	assert_non_null(strstr(jstr(m, "to"), "Zoë"));
	if (!strstr(jstr(m, "text"), "Hello Zoë"))
		fail_msg("text: %s", jstr(m, "text"));
	/* The shipped English template, with the clinic's phone and the signed link. */
	assert_true(strncmp(jstr(m, "subject"), "Your appointment at Klinik Süd on ", 34) == 0);
	assert_non_null(strstr(jstr(m, "text"), "call us on +49 30 1234567"));
	assert_true(strncmp(jstr(m, "link"), public_url, strlen(public_url)) == 0);
	assert_non_null(strstr(jstr(m, "html"), "<a href=\"http://patients.example/p/link?t="));
	/* No last name, no clinical detail. */
	assert_null(strstr(jstr(m, "text"), "Fairweather"));
	assert_null(strstr(jstr(m, "html"), "Fairweather"));
	json_t *ics = json_object_get(m, "ics");
	assert_string_equal(jstr(ics, "method"), "REQUEST");
	char uid[64];
	snprintf(uid, sizeof uid, "appt-%lld@" DOMAIN, a);
	assert_string_equal(jstr(ics, "uid"), uid);
	assert_int_equal(jint(ics, "sequence"), 0);
	assert_string_equal(jstr(ics, "dtstart_tzid"), ZONE);
	assert_true(fx_has_str(json_object_get(ics, "vtimezone"), ZONE));
	/* Berlin changes twice a year: the two years around the visit hold four changes. */
	assert_true(jint(ics, "observances") >= 3);
	assert_int_equal(fx_parse_instant(jstr(ics, "dtstart")), (long long)start);
	/* The delivery log says so. */
	char path[80];
	snprintf(path, sizeof path, V1 "/appointments/%lld/messages", a);
	struct resp *r = req(&S, "GET", path, t_desk, NULL);
	assert_int_equal(r->status, 200);
	json_t *items = json_object_get(r->json, "items");
	json_t *c = NULL, *it;
	size_t i;
	json_array_foreach(items, i, it)
	{
		if (strcmp(jstr(it, "kind"), "confirmation") == 0)
			c = it;
	}
	assert_non_null(c);
	assert_string_equal(jstr(c, "status"), "sent");
	assert_int_equal(jint(c, "tries"), 1);
	resp_free(r);
	json_decref(list);
}

static void a_move_updates_and_a_cancellation_cancels(void **state)
{
	(void)state;
	long long p = patient("Amal", "Haddad", "amal@example.org");
	time_t start = fx_time(6, 9, 0);
	long long a = book(p, start);
	wait_status(a, "confirmation", 0, "sent");
	assert_int_equal(msg_sql("count(*)", a, "reminder", 0), 1);
	assert_int_equal(msg_sql("due_at", a, "reminder", 0), (long long)start - 48 * 3600);

	char path[80], when[32];
	time_t moved = fx_time(7, 11, 0);
	fx_instant(moved, when);
	snprintf(path, sizeof path, V1 "/appointments/%lld", a);
	fx_expect_status(reqf(&S, "PATCH", path, t_desk, "{\"start\":\"%s\"}", when), 200);
	wait_status(a, "update", 1, "sent");
	/* The old reminder is gone with the move, in the same transaction; a new one waits. */
	wait_status(a, "reminder", 0, "cancelled");
	assert_int_equal(msg_sql("due_at", a, "reminder", 1), (long long)moved - 48 * 3600);

	snprintf(path, sizeof path, V1 "/appointments/%lld/cancel", a);
	fx_expect_status(req(&S, "POST", path, t_desk, NULL), 200);
	wait_status(a, "cancellation", 2, "sent");
	wait_status(a, "reminder", 1, "cancelled");

	json_t *list = sink_messages(&K);
	char mid[128];
	expect_mid(mid, sizeof mid, a, "update", 1);
	json_t *u = arrived(list, mid, NULL);
	assert_non_null(u);
	json_t *ics = json_object_get(u, "ics");
	assert_string_equal(jstr(ics, "method"), "REQUEST");
	assert_int_equal(jint(ics, "sequence"), 1);
	assert_int_equal(fx_parse_instant(jstr(ics, "dtstart")), (long long)moved);
	expect_mid(mid, sizeof mid, a, "cancellation", 2);
	json_t *c = arrived(list, mid, NULL);
	assert_non_null(c);
	assert_string_equal(jstr(c, "ics_method_param"), "CANCEL");
	ics = json_object_get(c, "ics");
	assert_string_equal(jstr(ics, "method"), "CANCEL");
	assert_string_equal(jstr(ics, "status"), "CANCELLED");
	assert_int_equal(jint(ics, "sequence"), 2);
	char uid[64];
	snprintf(uid, sizeof uid, "appt-%lld@" DOMAIN, a);
	assert_string_equal(jstr(ics, "uid"), uid);
	assert_int_equal(json_array_size(json_object_get(c, "problems")), 0);
	json_decref(list);
}

/* GET (form NULL) or POST (form the body) of a link page; the caller frees. */
static struct resp *page(const char *url, const char *form)
{
	const char *path = strstr(url, "/p/");
	assert_non_null(path);
	if (!form)
		return req(&S, "GET", path, NULL, NULL);
	const char *hdr[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	return req_ex(&S, "POST", "/p/link", NULL, form, strlen(form), hdr);
}

/* Books for patient p at start, moves the clock to the reminder and answers its link. */
static void reminder_link(long long p, time_t start, long long *appt, char *link, size_t n)
{
	long long a = book(p, start);
	wait_status(a, "confirmation", 0, "sent");
	clock_at(start - 48 * 3600 + 60);
	wait_status(a, "reminder", 0, "sent");
	clock_at(0);
	json_t *list = sink_messages(&K);
	char mid[128];
	expect_mid(mid, sizeof mid, a, "reminder", 0);
	json_t *m = arrived(list, mid, NULL);
	assert_non_null(m);
	assert_false(has_part(m, "text/calendar"));
	if (strncmp(jstr(m, "subject"), "Reminder: your appointment on ", 30) != 0)
		fail_msg("subject: %s", jstr(m, "subject"));
	const char *l = jstr(m, "link");
	assert_true(strncmp(l, public_url, strlen(public_url)) == 0);
	snprintf(link, n, "%s", l);
	json_decref(list);
	*appt = a;
}

static void the_reminder_link_confirms_once(void **state)
{
	(void)state;
	long long p = patient("Ingrid", "Solberg", "ingrid@example.org");
	long long a;
	char link[256], form[300];
	reminder_link(p, fx_time(8, 14, 0), &a, link, sizeof link);

	struct resp *r = page(link, NULL);
	assert_int_equal(r->status, 200);
	assert_non_null(strstr(r->body, "Hello Ingrid"));
	assert_non_null(strstr(r->body, "Klinik Süd"));
	assert_null(strstr(r->body, "Solberg"));
	char csp[400];
	assert_non_null(resp_header(r, "Content-Security-Policy", csp, sizeof csp));
	assert_non_null(strstr(csp, "script-src 'self'"));
	resp_free(r);

	char sql[128];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM appointments WHERE id = %lld AND "
		 "confirmed_at IS NOT NULL",
		 a);
	assert_int_equal(fx_sql_int(&S, sql), 0);
	snprintf(form, sizeof form, "t=%s&action=confirm", strstr(link, "t=") + 2);
	r = page(link, form);
	assert_int_equal(r->status, 200);
	assert_non_null(strstr(r->body, "confirmed"));
	resp_free(r);
	assert_int_equal(fx_sql_int(&S, sql), 1);
	assert_int_equal(
	    fx_audit_count_detail(&S, t_admin, "appointment", a, "confirm", "patient link"), 1);
	/* The day view shows it. */
	char path[80];
	snprintf(path, sizeof path, V1 "/appointments/%lld", a);
	r = req(&S, "GET", path, t_desk, NULL);
	assert_int_equal(r->status, 200);
	assert_true(fx_parse_instant(jstr(r->json, "confirmed_at")) > 0);
	resp_free(r);

	/* Used once: the same link again changes nothing. */
	r = page(link, form);
	assert_int_equal(r->status, 404);
	assert_non_null(strstr(r->body, "cannot be used"));
	resp_free(r);
	r = page(link, NULL);
	assert_int_equal(r->status, 404);
	resp_free(r);
	assert_int_equal(fx_audit_count(&S, t_admin, "appointment", a, "confirm"), 1);

	/* A move takes the confirmation back: it was of the old time. */
	char when[32];
	fx_instant(fx_time(8, 16, 0), when);
	fx_expect_status(reqf(&S, "PATCH", path, t_desk, "{\"start\":\"%s\"}", when), 200);
	assert_int_equal(fx_sql_int(&S, sql), 0);
	r = req(&S, "GET", path, t_desk, NULL);
	assert_true(json_is_null(json_object_get(r->json, "confirmed_at")));
	resp_free(r);
	wait_status(a, "update", 1, "sent");
}

static void forged_and_expired_links_change_nothing(void **state)
{
	(void)state;
	long long p = patient("Hamid", "Rahimi", "hamid@example.org");
	long long a;
	char link[256], forged[300], form[320];
	time_t start = fx_time(9, 15, 0);
	reminder_link(p, start, &a, link, sizeof link);
	/* One character of the signature changed. */
	snprintf(forged, sizeof forged, "%s", link);
	size_t n = strlen(forged);
	forged[n - 2] = forged[n - 2] == 'A' ? 'B' : 'A';
	const char *bad[] = {
	    forged, "http://x/p/link?t=", "http://x/p/link?t=%00%ff",
	    "http://x/p/link?t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAA"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct resp *r = page(bad[i], NULL);
		assert_int_equal(r->status, 404);
		assert_non_null(strstr(r->body, "cannot be used"));
		resp_free(r);
		snprintf(form, sizeof form, "t=%s&action=cancel", strstr(bad[i], "t=") + 2);
		r = page(bad[i], form);
		assert_int_equal(r->status, 404);
		resp_free(r);
	}
	/* After the appointment has ended, the genuine link has expired. */
	clock_at(start + 2 * 3600);
	snprintf(form, sizeof form, "t=%s&action=cancel", strstr(link, "t=") + 2);
	struct resp *r = page(link, form);
	clock_at(0);
	assert_int_equal(r->status, 404);
	resp_free(r);
	char path[80];
	snprintf(path, sizeof path, V1 "/appointments/%lld", a);
	r = req(&S, "GET", path, t_desk, NULL);
	assert_string_equal(jstr(r->json, "status"), "booked");
	resp_free(r);
	assert_int_equal(fx_audit_count(&S, t_admin, "appointment", a, "cancelled"), 0);
}

static void the_link_cancels_only_outside_the_late_window(void **state)
{
	(void)state;
	long long p = patient("Chioma", "Okafor", "chioma@example.org");
	long long a;
	char link[256], form[320];
	time_t start = fx_time(10, 10, 0);
	reminder_link(p, start, &a, link, sizeof link);
	snprintf(form, sizeof form, "t=%s&action=cancel", strstr(link, "t=") + 2);
	/* 23 hours before: inside the late-cancel window, it says to call. */
	clock_at(start - 23 * 3600);
	struct resp *r = page(link, form);
	assert_int_equal(r->status, 409);
	assert_non_null(strstr(r->body, "call the clinic"));
	resp_free(r);
	/* 30 hours before: it cancels, as the patient, audited as such. */
	clock_at(start - 30 * 3600);
	r = page(link, form);
	assert_int_equal(r->status, 200);
	assert_non_null(strstr(r->body, "cancelled"));
	resp_free(r);
	wait_status(a, "cancellation", 1, "sent");
	clock_at(0);
	char path[80];
	snprintf(path, sizeof path, V1 "/appointments/%lld", a);
	r = req(&S, "GET", path, t_desk, NULL);
	assert_string_equal(jstr(r->json, "status"), "cancelled");
	assert_false(json_is_true(json_object_get(r->json, "late_cancel")));
	resp_free(r);
	assert_int_equal(
	    fx_audit_count_detail(&S, t_admin, "appointment", a, "cancelled", "patient link"), 1);
}

static void a_refusing_server_is_retried_then_the_message_fails(void **state)
{
	(void)state;
	long long p = patient("Mateo", "Rossi", "mateo@example.org");
	sink_mode(&K, "4xx");
	time_t start = fx_time(3, 12, 0);
	long long a = book(p, start);
	char sql[256];
	for (int k = 1; k <= 8; k++) {
		snprintf(sql, sizeof sql,
			 "SELECT count(*) FROM messages WHERE appointment_id = %lld AND kind = "
			 "'confirmation' AND tries = %d",
			 a, k);
		if (!fx_wait_sql(&S, sql, 1))
			fail_msg("try %d never came", k);
		if (k < 8) {
			/* Not before its time: the next try waits for the backoff. */
			long long next = msg_sql("next_try_at", a, "confirmation", 0);
			long long last = msg_sql("next_try_at - created_at", a, "confirmation", 0);
			assert_true(last > 0);
			clock_at((time_t)next);
		}
	}
	wait_status(a, "confirmation", 0, "failed");
	clock_at(0);
	/* The eight tries spread over about a day. */
	assert_true(msg_sql("next_try_at - created_at", a, "confirmation", 0) >= 20 * 3600);
	char *err = fx_sql_text(&S, "SELECT last_error FROM messages WHERE kind = 'confirmation' "
				    "AND status = 'failed' ORDER BY id DESC LIMIT 1");
	assert_non_null(err);
	if (!strstr(err, "451"))
		fail_msg("last_error: %s", err);
	free(err);

	/* The desk's failed list has it, with the server's answer; a resend delivers it. */
	struct resp *r = req(&S, "GET", V1 "/messages?status=failed", t_desk, NULL);
	assert_int_equal(r->status, 200);
	json_t *it = fx_find(json_object_get(r->json, "items"), "appointment_id", a);
	assert_non_null(it);
	assert_non_null(strstr(jstr(it, "last_error"), "451"));
	long long id = jint(it, "id");
	resp_free(r);
	sink_mode(&K, "ok");
	char path[64];
	snprintf(path, sizeof path, V1 "/messages/%lld/resend", id);
	r = req(&S, "POST", path, t_desk, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "status"), "queued");
	resp_free(r);
	wait_status(a, "confirmation", 0, "sent");
	assert_int_equal(fx_audit_count(&S, t_admin, "message", id, "resend"), 1);
	/* A sent message is not sent again. */
	fx_expect_err(req(&S, "POST", path, t_desk, NULL), 409, "bad_transition", NULL);
}

static void a_dropped_connection_and_a_5xx_are_retried(void **state)
{
	(void)state;
	static const char *const modes[] = {"drop", "5xx"};
	for (int i = 0; i < 2; i++) {
		long long p = patient(i ? "Noor" : "Lena", "Tester", "t@example.org");
		sink_mode(&K, modes[i]);
		long long a = book(p, fx_time(4, 8 + i, 0));
		char sql[256];
		snprintf(sql, sizeof sql,
			 "SELECT count(*) FROM messages WHERE appointment_id = %lld AND kind = "
			 "'confirmation' AND tries = 1 AND status = 'queued' AND last_error IS NOT "
			 "NULL",
			 a);
		assert_true(fx_wait_sql(&S, sql, 1));
		if (i == 1) {
			char *e = fx_sql_text(&S, "SELECT last_error FROM messages WHERE tries = 1 "
						  "AND status = 'queued' ORDER BY id DESC LIMIT 1");
			assert_non_null(e);
			assert_non_null(strstr(e, "554"));
			free(e);
		}
		sink_mode(&K, "ok");
		clock_at((time_t)msg_sql("next_try_at", a, "confirmation", 0));
		wait_status(a, "confirmation", 0, "sent");
		clock_at(0);
		assert_int_equal(msg_sql("tries", a, "confirmation", 0), 2);
	}
}

static void no_address_no_message(void **state)
{
	(void)state;
	long long p = patient("Quiet", "Person", NULL);
	long long a = book(p, fx_time(5, 16, 0));
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM messages WHERE appointment_id = %lld", a);
	assert_int_equal(fx_sql_int(&S, sql), 0);
	/* A malformed address is refused with its field, and nothing changes. */
	char path[64];
	snprintf(path, sizeof path, V1 "/patients/%lld", p);
	static const char *const bad[] = {"no-at-sign", "a@b", "a b@example.org",
					  "a@example.org\r\nBcc: x@y.z", "<a@example.org>"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		fx_expect_err(reqj(&S, "PATCH", path, t_desk, json_pack("{s:s}", "email", bad[i])),
			      422, "validation_failed", "email");
	struct resp *r = req(&S, "GET", path, t_desk, NULL);
	assert_true(json_is_null(json_object_get(r->json, "email")) ||
		    strcmp(jstr(r->json, "email"), "") == 0);
	resp_free(r);
}

static void the_delivery_log_per_patient(void **state)
{
	(void)state;
	long long p = patient("Log", "Reader", "log@example.org");
	long long a = book(p, fx_time(11, 9, 0));
	wait_status(a, "confirmation", 0, "sent");
	char path[64];
	snprintf(path, sizeof path, V1 "/patients/%lld/messages", p);
	struct resp *r = req(&S, "GET", path, t_desk, NULL);
	assert_int_equal(r->status, 200);
	json_t *items = json_object_get(r->json, "items");
	assert_int_equal(json_array_size(items), 2); /* the confirmation and the reminder */
	json_t *it;
	size_t i;
	json_array_foreach(items, i, it)
	{
		assert_int_equal(jint(it, "appointment_id"), a);
		assert_string_equal(jstr(it, "recipient"), "log@example.org");
	}
	resp_free(r);
	fx_expect_err(req(&S, "GET", V1 "/patients/999999/messages", t_desk, NULL), 404,
		      "not_found", NULL);
	fx_expect_err(req(&S, "GET", V1 "/appointments/999999/messages", t_desk, NULL), 404,
		      "not_found", NULL);
	fx_expect_err(req(&S, "GET", V1 "/messages?status=lost", t_desk, NULL), 422,
		      "validation_failed", "status");
	fx_expect_err(req(&S, "GET", V1 "/messages", NULL, NULL), 401, "unauthenticated", NULL);
	fx_expect_err(req(&S, "POST", V1 "/messages/999999/resend", t_desk, NULL), 404, "not_found",
		      NULL);
}

/* Sets the patient's language (and nothing else). */
static void set_language(long long p, const char *lang)
{
	char path[64];
	snprintf(path, sizeof path, V1 "/patients/%lld", p);
	fx_expect_status(reqf(&S, "PATCH", path, t_desk, "{\"language\":\"%s\"}", lang), 200);
}

/* The arrived e-mail of the appointment's message, or a failure; caller decrefs list. */
static json_t *arrived_one(json_t *list, long long a, const char *kind, int seq)
{
	char mid[128];
	expect_mid(mid, sizeof mid, a, kind, seq);
	json_t *m = arrived(list, mid, NULL);
	if (!m)
		fail_msg("%s %d of appointment %lld did not arrive", kind, seq, a);
	return m;
}

static void a_german_patient_gets_the_german_template(void **state)
{
	(void)state;
	long long p = patient("Jürgen", "Vogelsang", "juergen@example.org");
	set_language(p, "de");
	time_t start = fx_time(5, 11, 0);
	long long a = book(p, start);
	wait_status(a, "confirmation", 0, "sent");
	json_t *list = sink_messages(&K);
	json_t *m = arrived_one(list, a, "confirmation", 0);
	if (strncmp(jstr(m, "subject"), "Ihr Termin bei Klinik Süd am ", 29) != 0)
		fail_msg("subject: %s", jstr(m, "subject"));
	assert_non_null(strstr(jstr(m, "text"), "Hallo Jürgen"));
	assert_null(strstr(jstr(m, "text"), "Hello"));
	assert_null(strstr(jstr(m, "text"), "Vogelsang"));
	/* The same MIME structure and calendar entry as in English. */
	assert_string_equal(jstr(m, "content_type"), "multipart/mixed");
	assert_true(has_part(m, "text/html"));
	assert_true(has_part(m, "text/calendar"));
	assert_int_equal(json_array_size(json_object_get(m, "problems")), 0);
	assert_int_equal(fx_parse_instant(jstr(json_object_get(m, "ics"), "dtstart")),
			 (long long)start);
	json_decref(list);
	/* A language without templates of its own cannot be set: English is the fallback. */
	char path[64];
	snprintf(path, sizeof path, V1 "/patients/%lld", p);
	fx_expect_err(req(&S, "PATCH", path, t_desk, "{\"language\":\"fr\"}"), 422,
		      "validation_failed", "language");
}

static void a_custom_clinic_template_is_used(void **state)
{
	(void)state;
	struct resp *r = req(&S, "PUT", V1 "/message-templates/confirmation/es/email", t_admin,
			     "{\"subject\":\"Cita en {clinic_name}\","
			     "\"body_text\":\"Hola {first_name}: el {date} a las {time}.\\n\\n"
			     "Confirmar: {confirm_link}\"}");
	assert_int_equal(r->status, 200);
	resp_free(r);
	long long p = patient("Lucía", "Ferrer", "lucia@example.org");
	set_language(p, "es");
	time_t start = fx_time(12, 13, 30);
	long long a = book(p, start);
	wait_status(a, "confirmation", 0, "sent");
	json_t *list = sink_messages(&K);
	json_t *m = arrived_one(list, a, "confirmation", 0);
	assert_string_equal(jstr(m, "subject"), "Cita en Klinik Süd");
	if (!strstr(jstr(m, "text"), "Hola Lucía: el ") || !strstr(jstr(m, "text"), "a las 13:30."))
		fail_msg("text: %s", jstr(m, "text"));
	/* The HTML is made from the text, the link an anchor. */
	assert_non_null(strstr(jstr(m, "html"), "Hola Lucía"));
	assert_non_null(strstr(jstr(m, "html"), "<a href=\"http://patients.example/p/link?t="));
	assert_true(strncmp(jstr(m, "link"), public_url, strlen(public_url)) == 0);
	json_decref(list);
	fx_expect_status(
	    req(&S, "POST", V1 "/message-templates/confirmation/es/email/reset", t_admin, "{}"),
	    200);
}

static void no_consent_to_email_no_email(void **state)
{
	(void)state;
	/* An address on file, and no consent: registered before consent was asked, or
	 * said no. */
	long long p = fx_adult(&S, t_desk, t_prac, "Silent", "Address", "1985-03-14");
	char path[64];
	snprintf(path, sizeof path, V1 "/patients/%lld", p);
	fx_expect_status(req(&S, "PATCH", path, t_desk, "{\"email\":\"silent@example.org\"}"), 200);
	struct resp *r = req(&S, "GET", path, t_desk, NULL);
	assert_true(json_is_false(json_object_get(r->json, "contact_email")));
	assert_true(json_is_false(json_object_get(r->json, "contact_sms")));
	resp_free(r);
	long long a = book(p, fx_time(5, 15, 0));
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM messages WHERE appointment_id = %lld", a);
	assert_int_equal(fx_sql_int(&S, sql), 0);
	/* Consent given: the next change of the appointment writes. */
	fx_expect_status(req(&S, "PATCH", path, t_desk, "{\"contact_email\":true}"), 200);
	char apath[64], when[32];
	snprintf(apath, sizeof apath, V1 "/appointments/%lld", a);
	fx_instant(fx_time(5, 17, 0), when);
	fx_expect_status(reqf(&S, "PATCH", apath, t_desk, "{\"start\":\"%s\"}", when), 200);
	wait_status(a, "update", 1, "sent");
}

/* The gateway's n-th message, checked to be a reminder for the patient's number that
 * carries the confirm link and nothing clinical; answers its link (caller frees). */
static char *expect_sms(int n, const char *to, const char *last_name)
{
	json_t *g = gw_message(&G, n);
	json_t *body = json_object_get(g, "body");
	assert_string_equal(jstr(body, "to"), to);
	assert_string_equal(jstr(g, "authorization"), "Bearer gw-token-1");
	const char *text = jstr(body, "text");
	if (!strstr(text, "Klinik Süd") || !strstr(text, "http://patients.example/p/link?t="))
		fail_msg("text: %s", text);
	char *link = strdup(strstr(text, "http://patients.example/p/link?t="));
	for (char *c = link; *c; c++)
		if (*c == ' ' || *c == '\n')
			*c = '\0';
	/* The words around the link: its token is random letters and may hold any of them. */
	char *words = strdup(text);
	char *at = strstr(words, link);
	memmove(at, at + strlen(link), strlen(at + strlen(link)) + 1);
	assert_null(strstr(words, last_name));
	assert_null(strstr(words, "MN"));
	assert_null(strstr(words, "eedling"));
	assert_null(strstr(words, "cheek"));
	assert_null(strstr(words, "fine lines"));
	free(words);
	json_decref(g);
	return link;
}

static void the_sms_reminder_goes_24_hours_before(void **state)
{
	(void)state;
	long long p = sms_patient("Sina", "Textwell", "+49 171 1234567", NULL, "en");
	long long plan = fx_plan(&S, t_prac, p, L.prac, 0);
	time_t start = fx_time(12, 10, 0);
	struct fx_booking b = fx_in_lane(L, p, plan, start);
	long long a = fx_booked(&S, t_desk, &b);
	/* No e-mail consent: only the text reminder, to the number in international form. */
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM messages WHERE appointment_id = %lld", a);
	assert_int_equal(fx_sql_int(&S, sql), 1);
	assert_int_equal(ch_sql("due_at", a, "reminder", "sms"), (long long)start - 24 * 3600);
	int before = gw_count(&G);
	clock_at(start - 24 * 3600 + 60);
	wait_ch(a, "reminder", "sms", "status = 'sent'");
	clock_at(0);
	assert_int_equal(gw_count(&G), before + 1);
	char *link = expect_sms(before + 1, "+491711234567", "Textwell");
	/* The link opens the patient's page. */
	struct resp *r = req(&S, "GET", strstr(link, "/p/"), NULL, NULL);
	assert_int_equal(r->status, 200);
	assert_non_null(strstr(r->body, "Hello Sina"));
	resp_free(r);
	free(link);
	/* The delivery log has it, with its segments. */
	char path[80];
	snprintf(path, sizeof path, V1 "/appointments/%lld/messages", a);
	r = req(&S, "GET", path, t_desk, NULL);
	json_t *it = json_array_get(json_object_get(r->json, "items"), 0);
	assert_string_equal(jstr(it, "channel"), "sms");
	assert_string_equal(jstr(it, "status"), "sent");
	assert_string_equal(jstr(it, "recipient"), "+491711234567");
	assert_true(jint(it, "segments") >= 1);
	resp_free(r);
}

/* Confirms appointment a through the link of its newest e-mail of kind. */
static void confirm_by_mail(long long a, const char *kind, int seq)
{
	json_t *list = sink_messages(&K);
	json_t *m = arrived_one(list, a, kind, seq);
	char form[300];
	const char *l = jstr(m, "link");
	snprintf(form, sizeof form, "t=%s&action=confirm", strstr(l, "t=") + 2);
	json_decref(list);
	const char *hdr[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	struct resp *r = req_ex(&S, "POST", "/p/link", NULL, form, strlen(form), hdr);
	assert_int_equal(r->status, 200);
	resp_free(r);
}

static void a_confirmed_appointment_gets_no_sms(void **state)
{
	(void)state;
	long long p = sms_patient("Conny", "Firmly", "+49 172 7654321", "conny@example.org", "en");
	time_t start = fx_time(14, 11, 0);
	long long a = book(p, start);
	wait_status(a, "confirmation", 0, "sent");
	/* The confirmation's own link confirms it. */
	confirm_by_mail(a, "confirmation", 0);
	int before = gw_tries(&G);
	clock_at(start - 24 * 3600 + 60);
	wait_ch(a, "reminder", "sms", "status = 'cancelled'");
	clock_at(0);
	char *why = fx_sql_text(&S, "SELECT last_error FROM messages WHERE channel = 'sms' AND "
				    "status = 'cancelled' ORDER BY id DESC LIMIT 1");
	assert_non_null(why);
	assert_string_equal(why, "already confirmed");
	free(why);
	assert_int_equal(gw_tries(&G), before);
	/* The log shows it, with the reason. */
	char path[80];
	snprintf(path, sizeof path, V1 "/appointments/%lld/messages", a);
	struct resp *r = req(&S, "GET", path, t_desk, NULL);
	json_t *it = json_array_get(json_object_get(r->json, "items"), 0);
	assert_string_equal(jstr(it, "channel"), "sms");
	assert_string_equal(jstr(it, "status"), "cancelled");
	assert_string_equal(jstr(it, "last_error"), "already confirmed");
	resp_free(r);
}

static void quiet_hours_hold_the_sms_until_eight(void **state)
{
	(void)state;
	long long p = sms_patient("Nachtigall", "Evening", "+49 173 5550001", NULL, "de");
	/* Its reminder falls due at 21:00 the evening before. */
	time_t start = fx_time(8, 21, 0);
	long long a = book(p, start);
	int before = gw_tries(&G);
	clock_at(start - 24 * 3600 + 60);
	char cond[96];
	snprintf(cond, sizeof cond, "status = 'queued' AND next_try_at = %lld AND tries = 0",
		 (long long)fx_time(8, 8, 0));
	wait_ch(a, "reminder", "sms", cond);
	assert_int_equal(gw_tries(&G), before);
	/* 07:59: still quiet. */
	clock_at(fx_time(8, 7, 59));
	wait_ch(a, "reminder", "sms", cond);
	assert_int_equal(gw_tries(&G), before);
	clock_at(fx_time(8, 8, 0));
	wait_ch(a, "reminder", "sms", "status = 'sent' AND tries = 1");
	clock_at(0);
	char *link = expect_sms(gw_count(&G), "+491735550001", "Evening");
	free(link);
	/* In German: the patient's language. */
	json_t *g = gw_message(&G, gw_count(&G));
	assert_non_null(strstr(jstr(json_object_get(g, "body"), "text"), "Termin"));
	json_decref(g);
}

static void a_withdrawn_consent_cancels_the_queued_messages(void **state)
{
	(void)state;
	long long p =
	    sms_patient("Wanda", "Withdraw", "+49 174 5550002", "wanda@example.org", "en");
	long long a = book(p, fx_time(9, 10, 0));
	wait_status(a, "confirmation", 0, "sent");
	assert_int_equal(ch_count(a, "reminder", "sms"), 1);
	assert_int_equal(ch_count(a, "reminder", "email"), 1);
	char path[64];
	snprintf(path, sizeof path, V1 "/patients/%lld", p);
	fx_expect_status(req(&S, "PATCH", path, t_desk, "{\"contact_sms\":false}"), 200);
	/* In the same transaction: cancelled by the time the answer comes. */
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM messages WHERE appointment_id = %lld AND channel = 'sms' "
		 "AND status = 'cancelled' AND last_error = 'consent withdrawn'",
		 a);
	assert_int_equal(fx_sql_int(&S, sql), 1);
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM messages WHERE appointment_id = %lld AND channel = 'email' "
		 "AND status = 'queued'",
		 a);
	assert_int_equal(fx_sql_int(&S, sql), 1);
	fx_expect_status(req(&S, "PATCH", path, t_desk, "{\"contact_email\":false}"), 200);
	assert_int_equal(fx_sql_int(&S, sql), 0);
	/* Both changes are audited. */
	assert_true(fx_audit_count(&S, t_admin, "patient", p, "update") >= 3);
}

static void a_failing_and_a_hanging_gateway_are_retried(void **state)
{
	(void)state;
	static const char *const modes[] = {"fail", "hang"};
	static const char *const answers[] = {"500", "unreachable"};
	for (int i = 0; i < 2; i++) {
		long long p = sms_patient(i ? "Hank" : "Fay", "Gateway",
					  i ? "+49 175 5550003" : "+49 175 5550004", NULL, "en");
		time_t start = fx_time(10, 9 + i, 0);
		long long a = book(p, start);
		gw_mode(&G, modes[i]);
		clock_at(start - 24 * 3600 + 60);
		wait_ch(a, "reminder", "sms", "status = 'queued' AND tries = 1");
		char *e = fx_sql_text(&S, "SELECT last_error FROM messages WHERE channel = 'sms' "
					  "AND tries = 1 AND status = 'queued' ORDER BY id DESC "
					  "LIMIT 1");
		assert_non_null(e);
		if (!strstr(e, answers[i]))
			fail_msg("last_error: %s", e);
		free(e);
		/* The next try waits for the backoff: two minutes after the first. */
		long long next = ch_sql("next_try_at", a, "reminder", "sms");
		assert_true(next >= (long long)start - 24 * 3600 + 60 + 120);
		gw_mode(&G, "ok");
		clock_at((time_t)next);
		wait_ch(a, "reminder", "sms", "status = 'sent' AND tries = 2");
		clock_at(0);
	}
}

static void settings_for_reminders_and_quiet_hours(void **state)
{
	(void)state;
	struct resp *r = req(&S, "GET", V1 "/settings", t_desk, NULL);
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "reminder_email_hours"), 48);
	assert_int_equal(jint(r->json, "reminder_sms_hours"), 24);
	assert_string_equal(jstr(r->json, "quiet_hours_start"), "20:00");
	assert_string_equal(jstr(r->json, "quiet_hours_end"), "08:00");
	assert_string_equal(jstr(r->json, "clinic_phone"), "+49 30 1234567");
	resp_free(r);
	static const struct fx_bad bad[] = {
	    FX_FIELD("{\"reminder_email_hours\":-1}", "reminder_email_hours"),
	    FX_FIELD("{\"reminder_email_hours\":337}", "reminder_email_hours"),
	    FX_FIELD("{\"reminder_sms_hours\":\"24\"}", "reminder_sms_hours"),
	    FX_FIELD("{\"reminder_sms_hours\":null}", "reminder_sms_hours"),
	    FX_FIELD("{\"quiet_hours_start\":\"24:00\"}", "quiet_hours_start"),
	    FX_FIELD("{\"quiet_hours_start\":\"8:00\"}", "quiet_hours_start"),
	    FX_FIELD("{\"quiet_hours_end\":\"07:60\"}", "quiet_hours_end"),
	    FX_FIELD("{\"quiet_hours_end\":480}", "quiet_hours_end"),
	    FX_FIELD("{\"clinic_phone\":\"call us\"}", "clinic_phone"),
	    FX_FIELD("{\"clinic_phone\":7}", "clinic_phone"),
	    FX_FIELD("{\"quiet_hours\":\"20-8\"}", "quiet_hours"),
	};
	long long audit = fx_audit_last(&S, t_admin);
	fx_expect_bad(&S, t_admin, "PATCH", V1 "/settings", FX_ROWS(bad));
	fx_expect_err(req(&S, "PATCH", V1 "/settings", t_desk, "{\"reminder_sms_hours\":2}"), 403,
		      "forbidden", NULL);
	/* Nothing changed, nothing audited. */
	assert_int_equal(fx_audit_last(&S, t_admin), audit);
	r = req(&S, "GET", V1 "/settings", t_admin, NULL);
	assert_int_equal(jint(r->json, "reminder_email_hours"), 48);
	resp_free(r);
	/* A change is audited with the fields it changed, and plans the next reminders. */
	r = req(&S, "PATCH", V1 "/settings", t_admin,
		"{\"reminder_email_hours\":72,\"reminder_sms_hours\":0,"
		"\"quiet_hours_start\":\"21:30\",\"quiet_hours_end\":\"07:15\"}");
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "reminder_email_hours"), 72);
	assert_int_equal(jint(r->json, "reminder_sms_hours"), 0);
	assert_string_equal(jstr(r->json, "quiet_hours_start"), "21:30");
	assert_string_equal(jstr(r->json, "quiet_hours_end"), "07:15");
	resp_free(r);
	fx_expect_newest_event(&S, t_admin, "settings", "update",
			       "reminder_email_hours=72 reminder_sms_hours=0 "
			       "quiet_hours_start=21:30 quiet_hours_end=07:15");
	long long p = sms_patient("Otto", "Offset", "+49 176 5550005", "otto@example.org", "en");
	time_t start = fx_time(13, 15, 0);
	long long a = book(p, start);
	assert_int_equal(ch_sql("due_at", a, "reminder", "email"), (long long)start - 72 * 3600);
	assert_int_equal(ch_count(a, "reminder", "sms"), 0);
	fx_expect_status(req(&S, "PATCH", V1 "/settings", t_admin,
			     "{\"reminder_email_hours\":48,\"reminder_sms_hours\":24,"
			     "\"quiet_hours_start\":\"20:00\",\"quiet_hours_end\":\"08:00\"}"),
			 200);
	wait_status(a, "confirmation", 0, "sent");
}

/* Changes the settings with body and answers how many reminders the change re-planned. */
static long long replan(const char *body)
{
	struct resp *r = req(&S, "PATCH", V1 "/settings", t_admin, body);
	assert_int_equal(r->status, 200);
	long long n = jint(r->json, "reminders_replanned");
	resp_free(r);
	return n;
}

/* How many reminders on channel are queued now (every one a new offset re-plans). */
static long long queued_reminders(const char *channel)
{
	char sql[160];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM messages WHERE kind = 'reminder' AND status = 'queued' AND "
		 "channel = '%s'",
		 channel);
	return fx_sql_int(&S, sql);
}

static void a_new_offset_replans_the_queued_reminders(void **state)
{
	(void)state;
	long long p = sms_patient("Rita", "Replan", "+49 176 5550022", "rita@example.org", "en");
	time_t far = fx_time(13, 9, 0), near = fx_time(6, 14, 0), soon = fx_time(3, 15, 0);
	long long a = book(p, far), c = book(p, near), b = book(p, soon);
	/* b's e-mail reminder goes under the old offset. */
	clock_at(soon - 48 * 3600 + 60);
	wait_ch(b, "reminder", "email", "status = 'sent'");
	clock_at(0);
	long long sent_due = ch_sql("due_at", b, "reminder", "email");
	long long sms_due = ch_sql("due_at", a, "reminder", "sms");
	/* 200 hours before: a's reminder moves, c's time has passed (cancelled), the sent one
	 * stays as it was, and the text reminders keep their time. */
	long long want = queued_reminders("email");
	assert_int_equal(replan("{\"reminder_email_hours\":200}"), want);
	assert_int_equal(ch_sql("due_at", a, "reminder", "email"), (long long)far - 200 * 3600);
	assert_int_equal(ch_sql("next_try_at", a, "reminder", "email"),
			 (long long)far - 200 * 3600);
	wait_ch(c, "reminder", "email", "status = 'cancelled'");
	wait_ch(b, "reminder", "email", "status = 'sent'");
	assert_int_equal(ch_sql("due_at", b, "reminder", "email"), sent_due);
	assert_int_equal(ch_sql("due_at", a, "reminder", "sms"), sms_due);
	assert_int_equal(ch_count(a, "reminder", "email"), 1);
	fx_expect_newest_event(&S, t_admin, "settings", "update", "reminder_email_hours=200");
	/* The same offset again re-plans nothing. */
	assert_int_equal(replan("{\"reminder_email_hours\":200}"), 0);
	/* An hour before: a moves again, the cancelled one stays cancelled. */
	want = queued_reminders("email");
	assert_int_equal(replan("{\"reminder_email_hours\":1}"), want);
	assert_int_equal(ch_sql("due_at", a, "reminder", "email"), (long long)far - 3600);
	wait_ch(c, "reminder", "email", "status = 'cancelled'");
	/* Offset 0 turns the text reminders off: the queued ones are cancelled. */
	want = queued_reminders("sms");
	assert_true(want >= 1);
	assert_int_equal(replan("{\"reminder_sms_hours\":0}"), want);
	wait_ch(a, "reminder", "sms", "status = 'cancelled'");
	assert_int_equal(queued_reminders("sms"), 0);
	/* The e-mail reminder goes at its new time, not before. */
	clock_at(far - 2 * 3600);
	wait_ch(a, "confirmation", "email", "status = 'sent'");
	wait_ch(a, "reminder", "email", "status = 'queued'");
	clock_at(far - 3600 + 60);
	wait_ch(a, "reminder", "email", "status = 'sent'");
	assert_int_equal(ch_sql("sent_at", a, "reminder", "email") >= (long long)far - 3600, 1);
	clock_at(0);
	fx_expect_status(req(&S, "PATCH", V1 "/settings", t_admin,
			     "{\"reminder_email_hours\":48,\"reminder_sms_hours\":24}"),
			 200);
}

static void the_test_clock_is_off_by_default(void **state)
{
	(void)state;
	struct server s2;
	server_start(&s2, NULL);
	struct resp *r =
	    req(&s2, "POST", V1 "/test/clock", NULL, "{\"now\":\"2030-01-01T00:00:00Z\"}");
	assert_int_equal(r->status, 404);
	resp_free(r);
	/* Without --smtp-url, a booking's messages stay queued. */
	char *admin = login(&s2, "admin", PW_ADMIN);
	char *desk = login(&s2, "desk", PW_DESK);
	char *prac = login(&s2, "prac", PW_PRAC);
	struct lane l = fx_lane(&s2, admin, "q");
	long long p = fx_adult(&s2, desk, prac, "Queued", "Only", "1980-01-01");
	char path[64];
	snprintf(path, sizeof path, V1 "/patients/%lld", p);
	fx_expect_status(
	    req(&s2, "PATCH", path, desk, "{\"email\":\"q@example.org\",\"contact_email\":true}"),
	    200);
	struct fx_booking b = fx_in_lane(l, p, 0, fx_time(5, 10, 0));
	long long a = fx_booked(&s2, desk, &b);
	char sql[128];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM messages WHERE appointment_id = %lld AND status = 'queued'",
		 a);
	assert_int_equal(fx_sql_int(&s2, sql), 2);
	/* A link page on a server that has never signed a link (no sender, no key read yet)
	 * answers plainly, for a read and for a write. */
	r = req(&s2, "GET", "/p/link?t=AAAA", NULL, NULL);
	assert_int_equal(r->status, 404);
	resp_free(r);
	const char *form = "t=AAAA&action=confirm";
	const char *hdr[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	r = req_ex(&s2, "POST", "/p/link", NULL, form, strlen(form), hdr);
	assert_int_equal(r->status, 404);
	resp_free(r);
	free(admin);
	free(desk);
	free(prac);
	server_destroy(&s2);
}

static int setup(void **state)
{
	(void)state;
	harness_zone(ZONE);
	sink_start(&K);
	gw_start(&G);
	/* The links point at the server itself, whose port is known only once it listens:
	 * the tests take the path of each link and ask the server. */
	snprintf(public_url, sizeof public_url, "http://patients.example");
	const char *args[] = {"--tz",
			      ZONE,
			      "--smtp-url",
			      K.url,
			      "--smtp-insecure",
			      "--mail-from",
			      "clinic@" DOMAIN,
			      "--clinic-name",
			      "Klinik Süd",
			      "--public-url",
			      public_url,
			      "--test-clock",
			      "--sms-url",
			      G.url,
			      "--sms-token-file",
			      G.token_file,
			      "--sms-timeout",
			      "1",
			      NULL};
	server_start(&S, args);
	t_admin = login(&S, "admin", PW_ADMIN);
	t_desk = login(&S, "desk", PW_DESK);
	t_prac = login(&S, "prac", PW_PRAC);
	L = fx_lane(&S, t_admin, "msg");
	fx_expect_status(
	    req(&S, "PATCH", V1 "/settings", t_admin, "{\"clinic_phone\":\"+49 30 1234567\"}"),
	    200);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(t_admin);
	free(t_desk);
	free(t_prac);
	int rc = server_stop(&S);
	server_destroy(&S);
	sink_stop(&K);
	gw_stop(&G);
	return rc == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(confirmation_carries_a_calendar_request),
	    cmocka_unit_test(a_move_updates_and_a_cancellation_cancels),
	    cmocka_unit_test(the_reminder_link_confirms_once),
	    cmocka_unit_test(forged_and_expired_links_change_nothing),
	    cmocka_unit_test(the_link_cancels_only_outside_the_late_window),
	    cmocka_unit_test(a_refusing_server_is_retried_then_the_message_fails),
	    cmocka_unit_test(a_dropped_connection_and_a_5xx_are_retried),
	    cmocka_unit_test(no_address_no_message),
	    cmocka_unit_test(the_delivery_log_per_patient),
	    cmocka_unit_test(a_german_patient_gets_the_german_template),
	    cmocka_unit_test(a_custom_clinic_template_is_used),
	    cmocka_unit_test(no_consent_to_email_no_email),
	    cmocka_unit_test(the_sms_reminder_goes_24_hours_before),
	    cmocka_unit_test(a_confirmed_appointment_gets_no_sms),
	    cmocka_unit_test(quiet_hours_hold_the_sms_until_eight),
	    cmocka_unit_test(a_withdrawn_consent_cancels_the_queued_messages),
	    cmocka_unit_test(a_failing_and_a_hanging_gateway_are_retried),
	    cmocka_unit_test(settings_for_reminders_and_quiet_hours),
	    cmocka_unit_test(a_new_offset_replans_the_queued_reminders),
	    cmocka_unit_test(the_test_clock_is_off_by_default),
	};
	return cmocka_run_group_tests_name("api_messages", tests, setup, teardown);
}
