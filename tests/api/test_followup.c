/* Aftercare and recalls over a real SMTP server (aiosmtpd, tests/mail/sink.py): one
 * aftercare message once a session is signed and none for its addendum, with no clinical
 * detail; a plan's recall when its next window opens under a moved test clock, the second
 * 14 days later, none once a session is booked or the plan is cancelled, none twice
 * after a restart; the recall list and the delivery log say what was sent and when. */
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
static char *t_admin, *t_desk, *t_prac;
static const char *args[] = {"--tz",
			     ZONE,
			     "--smtp-url",
			     NULL, /* the sink's, set in setup */
			     "--smtp-insecure",
			     "--mail-from",
			     "clinic@" DOMAIN,
			     "--clinic-name",
			     "Klinik Nord",
			     "--test-clock",
			     NULL};

/* One patient's plan in a lane of its own: who signs, and what was made. */
struct course {
	const char *lane;
	struct lane l;
	long long patient, plan, first;
};

/* Sets the server's clock to t, or back to the real time with t 0. Sessions run on that
 * clock too, so a jump of days ends them: the users log in again at the new time. */
static void clock_at(time_t t)
{
	char when[32];
	fx_instant(t ? t : time(NULL), when);
	struct resp *r = reqf(&S, "POST", V1 "/test/clock", NULL, "{\"now\":\"%s\"}", when);
	fx_expect_status(r, 200);
	free(t_admin);
	free(t_desk);
	free(t_prac);
	t_admin = login(&S, "admin", PW_ADMIN);
	t_desk = login(&S, "desk", PW_DESK);
	t_prac = login(&S, "prac", PW_PRAC);
}

/* Waits until the SQL count is want, and fails with the server's log otherwise. */
static void wait_count(const char *sql, long long want)
{
	if (!fx_wait_sql(&S, sql, want)) {
		server_dump_log(&S);
		fail_msg("%s: never %lld (now %lld)", sql, want, fx_sql_int(&S, sql));
	}
}

/* How many rows of kind (and status, NULL: any) the plan has in the outbox. */
static long long plan_msgs(long long plan, const char *kind, const char *status)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM messages WHERE plan_id = %lld AND kind = '%s'%s%s%s", plan,
		 kind, status ? " AND status = '" : "", status ? status : "", status ? "'" : "");
	return fx_sql_int(&S, sql);
}

static void wait_plan_sent(long long plan, const char *kind)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM messages WHERE plan_id = %lld AND kind = '%s' AND "
		 "status = 'sent'",
		 plan, kind);
	wait_count(sql, 1);
}

/* The arrived messages with this Message-ID (in brackets): the last one, and how many. */
static json_t *arrived(json_t *list, const char *mid, int *copies)
{
	json_t *found = NULL, *m;
	size_t i;
	*copies = 0;
	json_array_foreach(json_object_get(list, "messages"), i, m)
	{
		if (strcmp(jstr(m, "message_id"), mid) == 0) {
			found = m;
			(*copies)++;
		}
	}
	return found;
}

/* An adult patient (screened, with an MN consent) and an e-mail address they allow the
 * clinic to write to, NULL: none. */
static long long patient(const char *first, const char *last, const char *email)
{
	long long id = fx_adult(&S, t_desk, t_prac, first, last, "1986-05-20");
	if (email) {
		char path[64];
		snprintf(path, sizeof path, V1 "/patients/%lld", id);
		fx_expect_status(reqf(&S, "PATCH", path, t_desk,
				      "{\"email\":\"%s\",\"contact_email\":true}", email),
				 200);
	}
	return id;
}

/* Checks the patient in, writes the least record that can be signed, and signs it as
 * the lane's own practitioner. */
static void sign(const struct course *c)
{
	char path[96], user[64];
	snprintf(user, sizeof user, "lane-%s", c->lane);
	char *signer = login(&S, user, "practitioner-pw-1");
	snprintf(path, sizeof path, V1 "/appointments/%lld/check-in", c->first);
	fx_expect_status(req(&S, "POST", path, t_desk, NULL), 200);
	snprintf(path, sizeof path, V1 "/appointments/%lld/session", c->first);
	fx_expect_status(req(&S, "PUT", path, signer,
			     "{\"screening_confirmed\":true,\"areas\":[{\"area\":\"cheeks\","
			     "\"depth_mm\":1.75}],\"notes\":\"Rosacea flare on the left cheek\"}"),
			 200);
	snprintf(path, sizeof path, V1 "/appointments/%lld/session/sign", c->first);
	fx_expect_status(req(&S, "POST", path, signer, NULL), 200);
	free(signer);
}

/* A 3-session MN plan for a new patient whose first session, today, is signed. */
static void course(struct course *c, const char *first, const char *last, const char *email)
{
	c->l = fx_lane(&S, t_admin, c->lane);
	c->patient = patient(first, last, email);
	c->plan = fx_plan(&S, t_prac, c->patient, c->l.prac, 3);
	struct fx_booking b = fx_in_lane(c->l, c->patient, c->plan, fx_time(0, 0, 0));
	c->first = fx_booked(&S, t_desk, &b);
	sign(c);
}

/* A consultation for a new patient with an address: its confirmation, once sent, shows
 * the sender has passed every row queued before it. */
static void barrier(const char *lane, const char *first)
{
	struct lane l = fx_lane(&S, t_admin, lane);
	char email[64];
	snprintf(email, sizeof email, "%s@example.org", first);
	long long p = patient(first, "Barrier", email);
	struct fx_booking b = fx_in_lane(l, p, 0, fx_time(3, 9, 0));
	long long a = fx_booked(&S, t_desk, &b);
	char sql[160];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM messages WHERE appointment_id = %lld AND "
		 "kind = 'confirmation' AND status = 'sent'",
		 a);
	wait_count(sql, 1);
}

static void expect_no_clinical_detail(const json_t *m)
{
	static const char *const words[] = {
	    "cheek",   "Cheek",	     "1.75",	   "1,75",	 "depth",	   " mm", "Rosacea",
	    "rosacea", "fine_lines", "fine lines", "Fine lines", "Micro-needling", NULL};
	const char *parts[] = {jstr(m, "subject"), jstr(m, "text"), jstr(m, "html")};
	for (size_t i = 0; i < 3; i++) {
		assert_non_null(parts[i]);
		for (size_t w = 0; words[w]; w++)
			if (strstr(parts[i], words[w]))
				fail_msg("\"%s\" in the message: %s", words[w], parts[i]);
	}
}

static void aftercare_once_after_signing_without_clinical_detail(void **state)
{
	(void)state;
	struct course c = {.lane = "ac1"};
	course(&c, "Ada", "Aftercare", "ada@example.org");
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM messages WHERE appointment_id = %lld AND "
		 "kind = 'aftercare' AND status = 'sent'",
		 c.first);
	wait_count(sql, 1);
	json_t *list = sink_messages(&K);
	char mid[128];
	snprintf(mid, sizeof mid, "<appt-%lld-aftercare-0@" DOMAIN ">", c.first);
	int copies;
	json_t *m = arrived(list, mid, &copies);
	assert_non_null(m);
	assert_int_equal(copies, 1);
	assert_int_equal(json_array_size(json_object_get(m, "problems")), 0);
	assert_string_equal(jstr(m, "envelope_to"), "ada@example.org");
	assert_string_equal(jstr(m, "subject"), "Looking after your skin after your visit");
	const char *text = jstr(m, "text");
	assert_non_null(strstr(text, "Hello Ada"));
	assert_non_null(strstr(text, "Keep your skin clean and moist"));
	assert_non_null(strstr(text, "hyaluronic acid"));
	assert_non_null(strstr(text, "redness for a few days"));
	assert_non_null(strstr(text, "Klinik Nord"));
	/* No calendar entry: it is about a visit that is over. */
	assert_false(fx_has_str(json_object_get(m, "parts"), "text/calendar"));
	assert_null(strstr(text, "Aftercare")); /* the last name */
	expect_no_clinical_detail(m);
	json_decref(list);

	/* An addendum sends nothing more. */
	char path[96], user[32];
	snprintf(path, sizeof path, V1 "/appointments/%lld/session/addenda", c.first);
	snprintf(user, sizeof user, "lane-%s", c.lane);
	char *signer = login(&S, user, "practitioner-pw-1");
	fx_expect_status(req(&S, "POST", path, signer, "{\"text\":\"Called: redness settled.\"}"),
			 201);
	free(signer);
	barrier("ac1b", "Bart");
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM messages WHERE appointment_id = %lld AND kind = 'aftercare'",
		 c.first);
	assert_int_equal(fx_sql_int(&S, sql), 1);
	list = sink_messages(&K);
	assert_non_null(arrived(list, mid, &copies));
	assert_int_equal(copies, 1);
	json_decref(list);

	/* The delivery log of the patient shows it. */
	snprintf(path, sizeof path, V1 "/patients/%lld/messages", c.patient);
	struct resp *r = req(&S, "GET", path, t_desk, NULL);
	assert_int_equal(r->status, 200);
	json_t *it, *found = NULL;
	size_t i;
	json_array_foreach(json_object_get(r->json, "items"), i, it)
	{
		if (strcmp(jstr(it, "kind"), "aftercare") == 0)
			found = it;
	}
	assert_non_null(found);
	assert_string_equal(jstr(found, "status"), "sent");
	assert_int_equal(jint(found, "appointment_id"), c.first);
	assert_int_equal(jint(found, "plan_id"), c.plan);
	resp_free(r);
}

static void no_aftercare_without_an_address(void **state)
{
	(void)state;
	struct course c = {.lane = "ac2"};
	course(&c, "Nell", "Noaddress", NULL);
	/* Queued with the signature or never: the signature has committed. */
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM messages WHERE appointment_id = %lld",
		 c.first);
	assert_int_equal(fx_sql_int(&S, sql), 0);
}

/* A course whose patient's chart says body (contact fields) before the session is
 * signed. */
static void course_with(struct course *c, const char *first, const char *email, const char *body)
{
	c->l = fx_lane(&S, t_admin, c->lane);
	c->patient = patient(first, "Spoken", email);
	char path[64];
	snprintf(path, sizeof path, V1 "/patients/%lld", c->patient);
	fx_expect_status(req(&S, "PATCH", path, t_desk, body), 200);
	c->plan = fx_plan(&S, t_prac, c->patient, c->l.prac, 3);
	struct fx_booking b = fx_in_lane(c->l, c->patient, c->plan, fx_time(0, 0, 0));
	c->first = fx_booked(&S, t_desk, &b);
	sign(c);
}

/* Aftercare speaks the patient's language, and goes only to a patient who allows e-mail
 * (an address alone is not enough). */
static void aftercare_in_the_patients_language_and_with_consent(void **state)
{
	(void)state;
	struct course c = {.lane = "lang1"};
	course_with(&c, "Greta", "greta@example.org", "{\"language\":\"de\"}");
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM messages WHERE appointment_id = %lld AND "
		 "kind = 'aftercare' AND status = 'sent'",
		 c.first);
	wait_count(sql, 1);
	json_t *list = sink_messages(&K);
	char mid[128];
	snprintf(mid, sizeof mid, "<appt-%lld-aftercare-0@" DOMAIN ">", c.first);
	int copies;
	json_t *m = arrived(list, mid, &copies);
	assert_non_null(m);
	assert_int_equal(copies, 1);
	assert_string_equal(jstr(m, "subject"), "Pflegehinweise nach Ihrem Besuch");
	assert_non_null(strstr(jstr(m, "text"), "Hallo Greta"));
	expect_no_clinical_detail(m);
	json_decref(list);

	struct course q = {.lane = "cons1"};
	course_with(&q, "Quinn", "quinn@example.org", "{\"contact_email\":false}");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM messages WHERE appointment_id = %lld",
		 q.first);
	assert_int_equal(fx_sql_int(&S, sql), 0);
}

/* The aftercare row of appointment appt: its column what, as an integer. */
static long long aftercare_sql(const char *what, long long appt)
{
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT %s FROM messages WHERE appointment_id = %lld AND kind = 'aftercare'", what,
		 appt);
	return fx_sql_int(&S, sql);
}

static void the_clinics_aftercare_text_and_a_broken_one(void **state)
{
	(void)state;
	fx_expect_status(req(&S, "PUT", V1 "/message-templates/aftercare/en/email", t_admin,
			     "{\"subject\":\"After your visit to {clinic_name}\","
			     "\"body_text\":\"Hello {first_name}, wear SPF 50 for a week.\"}"),
			 200);
	struct course c = {.lane = "ac3"};
	course(&c, "Tess", "Template", "tess@example.org");
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM messages WHERE appointment_id = %lld AND "
		 "kind = 'aftercare' AND status = 'sent'",
		 c.first);
	wait_count(sql, 1);
	json_t *list = sink_messages(&K);
	char mid[128];
	snprintf(mid, sizeof mid, "<appt-%lld-aftercare-0@" DOMAIN ">", c.first);
	int copies;
	json_t *m = arrived(list, mid, &copies);
	assert_non_null(m);
	assert_string_equal(jstr(m, "subject"), "After your visit to Klinik Nord");
	assert_non_null(strstr(jstr(m, "text"), "Hello Tess, wear SPF 50 for a week."));
	json_decref(list);

	/* A stored template that no longer passes its check (changed beneath the program):
	 * the message is a failed try with a plain answer, not a crash or a blank e-mail. */
	assert_int_equal(fx_sql_exec(&S,
				     "UPDATE message_templates SET body_text = ?1 WHERE kind = "
				     "'aftercare' AND language = 'en' AND channel = 'email'",
				     "Your {diagnosis} is healing."),
			 1);
	struct course d = {.lane = "ac4"};
	course(&d, "Bree", "Broken", "bree@example.org");
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM messages WHERE appointment_id = %lld AND "
		 "kind = 'aftercare' AND status = 'queued' AND tries = 1",
		 d.first);
	wait_count(sql, 1);
	char *why = fx_sql_text(&S, "SELECT last_error FROM messages WHERE kind = 'aftercare' "
				    "AND tries = 1 AND status = 'queued'");
	assert_non_null(why);
	assert_string_equal(why, "the message could not be composed");
	free(why);
	assert_int_equal(aftercare_sql("count(*)", d.first), 1);
	fx_expect_status(
	    req(&S, "POST", V1 "/message-templates/aftercare/en/email/reset", t_admin, NULL), 200);
}

static struct course rc_a = {.lane = "rc-a"}, rc_b = {.lane = "rc-b"}, rc_c = {.lane = "rc-c"};

/* The recall list's item of plan, or NULL. */
static json_t *recall_item(struct resp *r, long long plan)
{
	return fx_find(json_object_get(r->json, "items"), "plan_id", plan);
}

static void recalls_when_the_window_opens_and_14_days_later(void **state)
{
	(void)state;
	course(&rc_a, "Rhea", "Recall", "rhea@example.org");
	course(&rc_b, "Bo", "Booked", "bo@example.org");
	course(&rc_c, "Cyd", "Cancelled", "cyd@example.org");
	char path[96];
	snprintf(path, sizeof path, V1 "/plans/%lld", rc_c.plan);
	fx_expect_status(req(&S, "PATCH", path, t_prac, "{\"status\":\"cancelled\"}"), 200);

	/* Nothing before the window, and no recall in the list yet. */
	struct resp *r = req(&S, "GET", V1 "/recalls?within_days=30", t_desk, NULL);
	assert_int_equal(r->status, 200);
	json_t *o = recall_item(r, rc_a.plan);
	assert_non_null(o);
	assert_true(json_is_null(json_object_get(o, "last_recall")));
	resp_free(r);
	assert_int_equal(plan_msgs(rc_a.plan, "recall", NULL), 0);

	/* The window opens on day 28: the first recall goes that morning. */
	clock_at(fx_time(28, 10, 0));
	wait_plan_sent(rc_a.plan, "recall");
	wait_plan_sent(rc_b.plan, "recall");
	/* One scan wrote them all: a cancelled plan got none. */
	assert_int_equal(plan_msgs(rc_c.plan, "recall", NULL), 0);
	assert_int_equal(plan_msgs(rc_a.plan, "recall_second", NULL), 0);
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT due_at FROM messages WHERE plan_id = %lld AND kind = 'recall'", rc_a.plan);
	assert_int_equal(fx_sql_int(&S, sql), (long long)fx_time(28, 9, 0));
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM messages WHERE plan_id = %lld AND kind = 'recall' AND "
		 "appointment_id IS NULL AND sequence = 2",
		 rc_a.plan);
	assert_int_equal(fx_sql_int(&S, sql), 1);

	json_t *list = sink_messages(&K);
	char mid[128];
	snprintf(mid, sizeof mid, "<plan-%lld-recall-2@" DOMAIN ">", rc_a.plan);
	int copies;
	json_t *m = arrived(list, mid, &copies);
	assert_non_null(m);
	assert_int_equal(copies, 1);
	assert_int_equal(json_array_size(json_object_get(m, "problems")), 0);
	assert_string_equal(jstr(m, "envelope_to"), "rhea@example.org");
	assert_string_equal(jstr(m, "subject"), "Time to book your next session");
	assert_non_null(strstr(jstr(m, "text"), "Hello Rhea"));
	expect_no_clinical_detail(m);
	json_decref(list);

	r = req(&S, "GET", V1 "/recalls?within_days=14", t_desk, NULL);
	assert_int_equal(r->status, 200);
	o = json_object_get(recall_item(r, rc_a.plan), "last_recall");
	assert_true(json_is_object(o));
	assert_string_equal(jstr(o, "kind"), "recall");
	assert_string_equal(jstr(o, "status"), "sent");
	long long sent = fx_parse_instant(jstr(o, "sent_at"));
	assert_true(sent >= (long long)fx_time(28, 10, 0) && sent < (long long)fx_time(28, 11, 0));
	assert_null(recall_item(r, rc_c.plan));
	resp_free(r);

	/* Bo books the next session: no second recall for that plan. */
	struct fx_booking b = fx_in_lane(rc_b.l, rc_b.patient, rc_b.plan, fx_time(35, 10, 0));
	fx_booked(&S, t_desk, &b);

	/* 14 days after the window opened, Rhea has still not booked. */
	clock_at(fx_time(42, 10, 0));
	wait_plan_sent(rc_a.plan, "recall_second");
	assert_int_equal(plan_msgs(rc_b.plan, "recall_second", NULL), 0);
	assert_int_equal(plan_msgs(rc_b.plan, "recall", NULL), 1);
	assert_int_equal(plan_msgs(rc_c.plan, "recall_second", NULL), 0);
	list = sink_messages(&K);
	snprintf(mid, sizeof mid, "<plan-%lld-recall_second-2@" DOMAIN ">", rc_a.plan);
	m = arrived(list, mid, &copies);
	assert_non_null(m);
	assert_int_equal(copies, 1);
	assert_string_equal(jstr(m, "subject"), "A reminder to book your next session");
	expect_no_clinical_detail(m);
	json_decref(list);

	r = req(&S, "GET", V1 "/recalls?within_days=14", t_desk, NULL);
	o = json_object_get(recall_item(r, rc_a.plan), "last_recall");
	assert_string_equal(jstr(o, "kind"), "recall_second");
	assert_string_equal(jstr(o, "status"), "sent");
	resp_free(r);

	/* The patient's delivery log holds both, with their plan. */
	snprintf(path, sizeof path, V1 "/patients/%lld/messages", rc_a.patient);
	r = req(&S, "GET", path, t_desk, NULL);
	assert_int_equal(r->status, 200);
	int recalls = 0;
	json_t *it;
	size_t i;
	json_array_foreach(json_object_get(r->json, "items"), i, it)
	{
		const char *k = jstr(it, "kind");
		if (strcmp(k, "recall") == 0 || strcmp(k, "recall_second") == 0) {
			recalls++;
			assert_int_equal(jint(it, "plan_id"), rc_a.plan);
			assert_true(json_is_null(json_object_get(it, "appointment_id")));
			assert_string_equal(jstr(it, "status"), "sent");
		}
	}
	assert_int_equal(recalls, 2);
	resp_free(r);
}

/* A booking cancels a recall that is queued and not yet sent, in its own transaction. */
static void a_booking_cancels_a_queued_recall(void **state)
{
	(void)state;
	clock_at(0);
	struct course c = {.lane = "rc-q"};
	course(&c, "Quinn", "Queued", "quinn@example.org");
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM messages WHERE appointment_id = %lld AND "
		 "kind = 'aftercare' AND status = 'sent'",
		 c.first);
	wait_count(sql, 1);
	/* The sink refuses for now: the recall stays queued after its first try. */
	sink_mode(&K, "4xx");
	clock_at(fx_time(28, 10, 0));
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM messages WHERE plan_id = %lld AND kind = 'recall' AND "
		 "status = 'queued' AND tries >= 1",
		 c.plan);
	wait_count(sql, 1);
	struct fx_booking b = fx_in_lane(c.l, c.patient, c.plan, fx_time(30, 10, 0));
	fx_booked(&S, t_desk, &b);
	assert_int_equal(plan_msgs(c.plan, "recall", "cancelled"), 1);
	sink_mode(&K, "ok");
}

static void no_recall_twice_after_a_restart(void **state)
{
	(void)state;
	clock_at(0);
	/* A plan whose window opens a day later than the others': its recall after the
	 * restart shows that the restarted server has scanned. */
	struct course e = {.lane = "rc-e"};
	e.l = fx_lane(&S, t_admin, e.lane);
	e.patient = patient("Eli", "Later", "eli@example.org");
	e.plan = fx_plan(&S, t_prac, e.patient, e.l.prac, 3);
	char path[96];
	snprintf(path, sizeof path, V1 "/plans/%lld", e.plan);
	fx_expect_status(req(&S, "PATCH", path, t_prac, "{\"min_interval_days\":29}"), 200);
	struct fx_booking b = fx_in_lane(e.l, e.patient, e.plan, fx_time(0, 0, 0));
	e.first = fx_booked(&S, t_desk, &b);
	sign(&e);

	assert_int_equal(server_stop(&S), 0);
	server_restart(&S, args);
	free(t_desk);
	free(t_prac);
	free(t_admin);
	t_admin = login(&S, "admin", PW_ADMIN);
	t_desk = login(&S, "desk", PW_DESK);
	t_prac = login(&S, "prac", PW_PRAC);
	clock_at(fx_time(42, 10, 30));
	wait_plan_sent(e.plan, "recall");
	assert_int_equal(plan_msgs(rc_a.plan, "recall", NULL), 1);
	assert_int_equal(plan_msgs(rc_a.plan, "recall_second", NULL), 1);
	assert_int_equal(plan_msgs(rc_b.plan, "recall", NULL), 1);
	assert_int_equal(plan_msgs(rc_b.plan, "recall_second", NULL), 0);
	json_t *list = sink_messages(&K);
	char mid[128];
	int copies;
	snprintf(mid, sizeof mid, "<plan-%lld-recall-2@" DOMAIN ">", rc_a.plan);
	assert_non_null(arrived(list, mid, &copies));
	assert_int_equal(copies, 1);
	snprintf(mid, sizeof mid, "<plan-%lld-recall_second-2@" DOMAIN ">", rc_a.plan);
	assert_non_null(arrived(list, mid, &copies));
	assert_int_equal(copies, 1);
	json_decref(list);
	clock_at(0);
}

/* The MN row of the treatment-type catalog, as the desk reads it (the caller frees). */
static json_t *mn_type(void)
{
	struct resp *r = req(&S, "GET", V1 "/catalog/treatment-types", t_desk, NULL);
	assert_int_equal(r->status, 200);
	json_t *found = NULL, *it;
	size_t i;
	json_array_foreach(json_object_get(r->json, "items"), i, it)
	{
		if (strcmp(jstr(it, "code"), "MN") == 0)
			found = json_incref(it);
	}
	resp_free(r);
	assert_non_null(found);
	return found;
}

/* Puts MN as it stands with aftercare_text set to care (NULL: null; left out with
 * leave), as token; the answer's status. */
static long put_mn(const char *token, json_t *care, bool leave)
{
	json_t *b = mn_type();
	json_t *body = json_deep_copy(b);
	json_decref(b);
	json_object_del(body, "code");
	if (leave)
		json_object_del(body, "aftercare_text");
	else
		json_object_set_new(body, "aftercare_text", care ? care : json_null());
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	struct resp *r = req(&S, "PUT", V1 "/catalog/treatment-types/MN", token, text);
	free(text);
	long status = r->status;
	resp_free(r);
	return status;
}

/* The text of the aftercare e-mail of course c, once it has arrived. */
static char *aftercare_text_of(const struct course *c, char **html)
{
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM messages WHERE appointment_id = %lld AND "
		 "kind = 'aftercare' AND status = 'sent'",
		 c->first);
	wait_count(sql, 1);
	json_t *list = sink_messages(&K);
	char mid[128];
	snprintf(mid, sizeof mid, "<appt-%lld-aftercare-0@" DOMAIN ">", c->first);
	int copies;
	json_t *m = arrived(list, mid, &copies);
	assert_non_null(m);
	assert_int_equal(copies, 1);
	expect_no_clinical_detail(m);
	char *text = strdup(jstr(m, "text"));
	*html = strdup(jstr(m, "html"));
	json_decref(list);
	return text;
}

#define OWN_CARE "Cool the skin with a clean, damp cloth tonight.\nNo make-up until tomorrow."

/* The admin's aftercare text for a treatment type goes into the aftercare e-mail of a
 * session of that type; a type without one gets the general advice in the patient's
 * language; a bad text or the front desk changes nothing. */
static void aftercare_text_per_treatment_type(void **state)
{
	(void)state;
	json_t *mn = mn_type();
	char *seeded = strdup(jstr(mn, "aftercare_text"));
	json_decref(mn);
	assert_non_null(strstr(seeded, "Keep your skin clean and moist"));
	const char *audit_sql = "SELECT count(*) FROM audit WHERE entity = "
				"'catalog_treatment_type' AND action = 'update'";
	long long audits = fx_sql_int(&S, audit_sql);

	/* Refused, and nothing changes: the desk, and every bad value. */
	assert_int_equal(put_mn(t_desk, json_string(OWN_CARE), false), 403);
	char *long_text = malloc(2002);
	assert_non_null(long_text);
	memset(long_text, 'a', 2001);
	long_text[2001] = '\0';
	json_t *bad[] = {
	    json_string(long_text),	 json_string(""), json_string("Rest.\tNo sun."),
	    json_string("Rest.\x1b[1m"), json_integer(5), json_true()};
	free(long_text);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *b = mn_type();
		json_t *body = json_deep_copy(b);
		json_decref(b);
		json_object_del(body, "code");
		json_object_set_new(body, "aftercare_text", bad[i]);
		char *text = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		const struct fx_bad row[] = {FX_FIELD(text, "aftercare_text")};
		fx_expect_bad(&S, t_admin, "PUT", V1 "/catalog/treatment-types/MN", FX_ROWS(row));
		free(text);
	}
	mn = mn_type();
	assert_string_equal(jstr(mn, "aftercare_text"), seeded);
	json_decref(mn);
	assert_int_equal(fx_sql_int(&S, audit_sql), audits);

	/* The clinic's own words, 2,000 characters at most, line breaks kept; a write that
	 * leaves the field out keeps them. */
	assert_int_equal(put_mn(t_admin, json_string(OWN_CARE), false), 200);
	assert_int_equal(put_mn(t_admin, NULL, true), 200);
	mn = mn_type();
	assert_string_equal(jstr(mn, "aftercare_text"), OWN_CARE);
	json_decref(mn);
	assert_int_equal(fx_sql_int(&S, audit_sql), audits + 2);
	struct course c = {.lane = "care1"};
	course(&c, "Olive", "Own", "olive@example.org");
	char *html = NULL;
	char *text = aftercare_text_of(&c, &html);
	assert_non_null(strstr(text, "Hello Olive"));
	assert_non_null(strstr(text, OWN_CARE));
	assert_null(strstr(text, "Keep your skin clean"));
	assert_non_null(strstr(html, "Cool the skin with a clean, damp cloth tonight.<br>"));
	free(text);
	free(html);

	/* None of its own: the general advice, in the patient's language. */
	assert_int_equal(put_mn(t_admin, NULL, false), 200);
	mn = mn_type();
	assert_true(json_is_null(json_object_get(mn, "aftercare_text")));
	json_decref(mn);
	struct course g = {.lane = "care2"};
	course(&g, "Gwen", "General", "gwen@example.org");
	text = aftercare_text_of(&g, &html);
	assert_non_null(strstr(text, "- Keep your skin clean and moist.\n"));
	assert_non_null(strstr(text, "Some redness for a few days is expected."));
	assert_null(strstr(text, "Cool the skin"));
	free(text);
	free(html);
	struct course d = {.lane = "care3"};
	course_with(&d, "Dora", "dora@example.org", "{\"language\":\"de\"}");
	text = aftercare_text_of(&d, &html);
	assert_non_null(strstr(text, "Hallo Dora"));
	assert_non_null(strstr(text, "- Halten Sie Ihre Haut sauber und feucht.\n"));
	free(text);
	free(html);

	assert_int_equal(put_mn(t_admin, json_string(seeded), false), 200);
	free(seeded);
}

static int setup(void **state)
{
	(void)state;
	harness_zone(ZONE);
	sink_start(&K);
	args[3] = K.url;
	server_start(&S, args);
	t_admin = login(&S, "admin", PW_ADMIN);
	t_desk = login(&S, "desk", PW_DESK);
	t_prac = login(&S, "prac", PW_PRAC);
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
	return rc == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(aftercare_once_after_signing_without_clinical_detail),
	    cmocka_unit_test(no_aftercare_without_an_address),
	    cmocka_unit_test(the_clinics_aftercare_text_and_a_broken_one),
	    cmocka_unit_test(recalls_when_the_window_opens_and_14_days_later),
	    cmocka_unit_test(a_booking_cancels_a_queued_recall),
	    cmocka_unit_test(no_recall_twice_after_a_restart),
	    cmocka_unit_test(aftercare_in_the_patients_language_and_with_consent),
	    cmocka_unit_test(aftercare_text_per_treatment_type),
	};
	return cmocka_run_group_tests_name("api_followup", tests, setup, teardown);
}
