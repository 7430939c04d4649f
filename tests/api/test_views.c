/* The derived views over HTTP (next slots, recalls, the day sheet), plans
 * completing by signing, and the catalogs everyone reads and only admins edit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define V1 "/api/v1"

static struct server S;
static char *t_admin, *t_desk, *t_prac;

static struct lane lane(const char *name)
{
	return fx_lane(&S, t_admin, name);
}

/* An adult with a clean screening and an MN consent. */
static long long adult(const char *first, const char *last)
{
	return fx_adult(&S, t_desk, t_prac, first, last, "1984-09-09");
}

/* Books b and expects 201; returns the appointment's id. */
static long long booked(const char *token, const struct fx_booking *b)
{
	return fx_booked(&S, token, b);
}

/* The front desk books a session of plan for patient in lane l at start. */
static long long book_plan_session(struct lane l, long long patient, long long plan, time_t start)
{
	struct fx_booking b = fx_in_lane(l, patient, plan, start);
	return booked(t_desk, &b);
}

/* The session of practitioner lane l's own user (fx_lane made it): only the
 * appointment's practitioner signs its note. Caller frees. */
static char *lane_login(const char *name)
{
	char user[64];
	snprintf(user, sizeof user, "lane-%s", name);
	return login(&S, user, "practitioner-pw-1");
}

/* Checks the patient in, writes the least session record that can be signed today, and
 * signs it as signer, the appointment's practitioner. */
static void sign(long long appt, const char *signer)
{
	char path[96];
	snprintf(path, sizeof path, V1 "/appointments/%lld/check-in", appt);
	fx_expect_status(req(&S, "POST", path, t_desk, NULL), 200);
	snprintf(path, sizeof path, V1 "/appointments/%lld/session", appt);
	fx_expect_status(req(&S, "PUT", path, signer,
			     "{\"screening_confirmed\":true,\"areas\":[{\"area\":\"cheeks\","
			     "\"depth_mm\":1.0}]}"),
			 200);
	snprintf(path, sizeof path, V1 "/appointments/%lld/session/sign", appt);
	fx_expect_status(req(&S, "POST", path, signer, NULL), 200);
}

/* Runs sql with ?1 bound to appt on the server's database. */
static void db_exec_for(const char *sql, long long appt)
{
	char id[24];
	snprintf(id, sizeof id, "%lld", appt);
	assert_int_equal(fx_sql_exec(&S, sql, id), 1);
}

/* The server keeps each plan's progress beside it (schema version 4); recounts the one
 * of appt's plan from its appointments, as the server would after a change. */
static void refresh_plan_in_db(long long appt)
{
#define PLAN_OF "(SELECT plan_id FROM appointments WHERE id = ?1)"
#define HOLDS	"a.plan_id = plans.id AND a.status IN ('booked', 'checked_in', 'completed')"
	db_exec_for("UPDATE plans SET "
		    "holding = (SELECT count(*) FROM appointments a WHERE " HOLDS "), "
		    "completed = (SELECT count(*) FROM appointments a "
		    " WHERE a.plan_id = plans.id AND a.status = 'completed'), "
		    "pending = (SELECT count(*) FROM appointments a "
		    " WHERE a.plan_id = plans.id AND a.status IN ('booked', 'checked_in')), "
		    "last_start = (SELECT max(a.start_at) FROM appointments a WHERE " HOLDS ") "
		    "WHERE id = " PLAN_OF,
		    appt);
	db_exec_for("UPDATE plans SET next_due_at = CASE WHEN status = 'active' AND holding > 0 "
		    "AND holding < planned_sessions AND pending = 0 "
		    "THEN last_start + min_interval_days * 86400 END WHERE id = " PLAN_OF,
		    appt);
#undef HOLDS
#undef PLAN_OF
}

/*
 * Marks an appointment completed directly in the database. A session record can be
 * signed only on its own day (rule 9), so a session completed weeks ago cannot be made
 * through the API today; this stands in for one.
 */
static void complete_in_db(long long appt)
{
	db_exec_for("UPDATE appointments SET status = 'completed' WHERE id = ?1", appt);
	refresh_plan_in_db(appt);
}

/* Moves a booked appointment to start (keeping its length) directly in the database:
 * bookings start today at the earliest, so one weeks ago is made this way. */
static void move_in_db(long long appt, time_t start)
{
	char sql[160];
	snprintf(sql, sizeof sql,
		 "UPDATE appointments SET end_at = %lld + (end_at - start_at), start_at = %lld "
		 "WHERE id = ?1",
		 (long long)start, (long long)start);
	db_exec_for(sql, appt);
	refresh_plan_in_db(appt);
}

static struct resp *get_plan(long long plan, const char *token)
{
	char path[96];
	snprintf(path, sizeof path, V1 "/plans/%lld", plan);
	struct resp *r = req(&S, "GET", path, token, NULL);
	assert_int_equal(r->status, 200);
	return r;
}

static struct resp *next_slots(long long plan, int limit, const char *token)
{
	char path[128];
	snprintf(path, sizeof path, V1 "/plans/%lld/next-slots?limit=%d", plan, limit);
	struct resp *r = req(&S, "GET", path, token, NULL);
	assert_int_equal(r->status, 200);
	return r;
}

/* ---- Next slots ---- */

static void next_slots_inside_the_window_on_the_grid(void **state)
{
	(void)state;
	struct lane l = lane("ns1");
	long long p = adult("Nina", "Slots"), q = adult("Quinn", "Busy");
	long long other_room = fx_room(&S, t_admin, "Room ns1b");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	int d = 20;
	book_plan_session(l, p, plan, fx_time(d, 10, 0));
	/* The practitioner is busy from midnight to 01:05 on the window's first day. */
	booked(t_desk, &(struct fx_booking){.patient = q,
					    .practitioner = l.prac,
					    .room = other_room,
					    .start = fx_time(d + 28, 0, 0),
					    .end = fx_time(d + 28, 1, 5)});

	const char *tokens[] = {t_desk, t_prac};
	for (int k = 0; k < 2; k++) {
		struct resp *r = next_slots(plan, 3, tokens[k]);
		json_t *win = json_object_get(r->json, "window");
		fx_expect_date(win, "from", d + 28);
		fx_expect_date(win, "to", d + 42);
		assert_true(json_is_null(json_object_get(r->json, "reason")));
		assert_int_equal(jint(r->json, "session_number"), 2);
		json_t *items = json_object_get(r->json, "items");
		assert_int_equal(json_array_size(items), 3);
		assert_int_equal(jint(r->json, "total"), 3);
		/* 60-minute visits on the 15-minute grid, earliest first, after the busy spell. */
		static const int minutes[] = {75, 90, 105};
		for (size_t i = 0; i < 3; i++) {
			json_t *slot = json_array_get(items, i);
			int m = minutes[i];
			fx_expect_instant(slot, "start", fx_time(d + 28, m / 60, m % 60));
			fx_expect_instant(slot, "end", fx_time(d + 28, m / 60 + 1, m % 60));
			assert_int_equal(jint(slot, "practitioner_id"), l.prac);
			assert_true(jint(slot, "room_id") > 0);
			const char *start = jstr(slot, "start");
			assert_int_equal(strtol(start + 14, NULL, 10) % 15, 0);
			assert_int_equal(strncmp(start + 17, "00", 2), 0);
		}
		resp_free(r);
	}

	/* A slot it offers can be booked as it stands. */
	struct resp *r = next_slots(plan, 1, t_desk);
	json_t *slot = json_array_get(json_object_get(r->json, "items"), 0);
	char body[512];
	snprintf(body, sizeof body,
		 "{\"patient_id\":%lld,\"kind\":\"treatment\",\"plan_id\":%lld,"
		 "\"practitioner_id\":%lld,\"room_id\":%lld,\"start\":\"%s\"}",
		 p, plan, l.prac, jint(slot, "room_id"), jstr(slot, "start"));
	resp_free(r);
	r = req(&S, "POST", V1 "/appointments", t_desk, body);
	assert_int_equal(r->status, 201);
	assert_int_equal(jint(r->json, "session_number"), 2);
	resp_free(r);
	/* The search moves on to the window after the new session. */
	r = next_slots(plan, 1, t_desk);
	assert_int_equal(jint(r->json, "session_number"), 3);
	json_t *win = json_object_get(r->json, "window");
	fx_expect_date(win, "from", d + 56);
	fx_expect_date(win, "to", d + 70);
	resp_free(r);
}

static void next_slots_span_touching_intervals(void **state)
{
	(void)state;
	/* Every day 09:00-12:00 and 12:00-17:00: one working day, split only on paper. */
	struct lane l = lane("ns3");
	fx_daily_hours(&S, t_admin, l.prac,
		       (const char *const[]){"09:00", "12:00", "12:00", "17:00", NULL});
	long long p = adult("Noor", "Noon"), q = adult("Quill", "Morning");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	int d = 24;
	book_plan_session(l, p, plan, fx_time(d, 9, 0));
	booked(t_desk, &(struct fx_booking){.patient = q,
					    .practitioner = l.prac,
					    .room = l.room,
					    .start = fx_time(d + 28, 9, 0),
					    .end = fx_time(d + 28, 11, 15)});
	struct resp *r = next_slots(plan, 3, t_desk);
	json_t *items = json_object_get(r->json, "items");
	assert_int_equal(json_array_size(items), 3);
	fx_expect_instant(json_array_get(items, 0), "start", fx_time(d + 28, 11, 15));
	fx_expect_instant(json_array_get(items, 1), "start", fx_time(d + 28, 11, 30));
	fx_expect_instant(json_array_get(items, 2), "start", fx_time(d + 28, 11, 45));
	resp_free(r);
	/* And the slot across noon books. */
	book_plan_session(l, p, plan, fx_time(d + 28, 11, 15));
}

static void next_slots_over_many_days(void **state)
{
	(void)state;
	/* One hour of work a day, one 60-minute slot a day: ten slots take ten working days,
	 * and the days the practitioner is booked already are passed over. */
	struct lane l = lane("ns4");
	fx_daily_hours(&S, t_admin, l.prac, (const char *const[]){"09:00", "10:00", NULL});
	long long p = adult("Mara", "Many"), q = adult("Otto", "Other");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	int d = 26;
	book_plan_session(l, p, plan, fx_time(d, 9, 0));
	static const int taken[] = {1, 5, 6};
	for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++)
		booked(t_desk, &(struct fx_booking){.patient = q,
						    .practitioner = l.prac,
						    .room = l.room,
						    .start = fx_time(d + 28 + taken[i], 9, 0)});
	struct resp *r = next_slots(plan, 10, t_desk);
	json_t *items = json_object_get(r->json, "items");
	assert_int_equal(json_array_size(items), 10);
	static const int days[] = {0, 2, 3, 4, 7, 8, 9, 10, 11, 12};
	for (size_t i = 0; i < 10; i++)
		fx_expect_instant(json_array_get(items, i), "start",
				  fx_time(d + 28 + days[i], 9, 0));
	resp_free(r);
	/* The window ends on its 14th day: no more than 12 free days to offer. */
	r = next_slots(plan, 50, t_desk);
	assert_int_equal(json_array_size(json_object_get(r->json, "items")), 12);
	fx_expect_instant(json_array_get(json_object_get(r->json, "items"), 11), "start",
			  fx_time(d + 42, 9, 0));
	resp_free(r);
}

static void next_slots_for_a_full_or_inactive_plan(void **state)
{
	(void)state;
	struct lane l = lane("ns2");
	long long p = adult("Fulton", "Full");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 1);
	book_plan_session(l, p, plan, fx_time(22, 10, 0));
	struct resp *r = next_slots(plan, 3, t_desk);
	assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
	assert_int_equal(jint(r->json, "total"), 0);
	assert_string_equal(jstr(r->json, "reason"), "plan_full");
	resp_free(r);

	long long held = fx_plan(&S, t_prac, p, l.prac, 3);
	char path[96];
	snprintf(path, sizeof path, V1 "/plans/%lld", held);
	fx_expect_status(req(&S, "PATCH", path, t_prac, "{\"status\":\"on_hold\"}"), 200);
	r = next_slots(held, 3, t_desk);
	assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
	assert_string_equal(jstr(r->json, "reason"), "plan_not_active");
	resp_free(r);

	snprintf(path, sizeof path, V1 "/plans/%lld/next-slots?limit=0", plan);
	fx_expect_err(req(&S, "GET", path, t_desk, NULL), 422, "validation_failed", "limit");
	/* A visit of no length, one too short, one too long. */
	static const char *const durations[] = {"0", "4", "481", "-5"};
	for (size_t i = 0; i < sizeof durations / sizeof durations[0]; i++) {
		snprintf(path, sizeof path, V1 "/plans/%lld/next-slots?duration=%s", held,
			 durations[i]);
		fx_expect_err(req(&S, "GET", path, t_desk, NULL), 422, "validation_failed",
			      "duration");
	}
	snprintf(path, sizeof path, V1 "/plans/%lld/next-slots?duration=5", held);
	fx_expect_status(req(&S, "GET", path, t_desk, NULL), 200);
	fx_expect_err(req(&S, "GET", V1 "/plans/999999/next-slots", t_desk, NULL), 404, "not_found",
		      NULL);
}

/* ---- Signing completes the session and, at the end, the plan ---- */

static void signing_the_last_session_completes_the_plan(void **state)
{
	(void)state;
	struct lane l = lane("sg1");
	char *signer = lane_login("sg1");
	long long p = adult("Sigrid", "Signed");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 1);
	long long appt = book_plan_session(l, p, plan, fx_time(0, 0, 0));
	sign(appt, signer);
	free(signer);
	char path[96];
	snprintf(path, sizeof path, V1 "/appointments/%lld", appt);
	struct resp *r = req(&S, "GET", path, t_desk, NULL);
	assert_string_equal(jstr(r->json, "status"), "completed");
	resp_free(r);
	r = get_plan(plan, t_desk);
	assert_string_equal(jstr(r->json, "status"), "completed");
	json_t *prog = json_object_get(r->json, "progress");
	assert_int_equal(jint(prog, "planned"), 1);
	assert_int_equal(jint(prog, "booked"), 1);
	assert_int_equal(jint(prog, "completed"), 1);
	assert_true(json_is_null(json_object_get(prog, "next_window")));
	resp_free(r);
	fx_expect_err(fx_book(&S, t_desk,
			      &(struct fx_booking){.patient = p,
						   .practitioner = l.prac,
						   .room = l.room,
						   .plan = plan,
						   .start = fx_time(40, 10, 0)}),
		      409, "plan_not_active", NULL);
}

/* ---- Recalls ---- */

/* The recall item for plan in a recall list, or NULL. */
static json_t *recall_of(const struct resp *r, long long plan)
{
	return fx_find(json_object_get(r->json, "items"), "plan_id", plan);
}

static size_t recall_index(const struct resp *r, long long plan)
{
	json_t *items = json_object_get(r->json, "items");
	for (size_t i = 0; i < json_array_size(items); i++)
		if (jint(json_array_get(items, i), "plan_id") == plan)
			return i;
	fail_msg("plan %lld is not in the recall list", plan);
	return 0;
}

static void recalls_due_open_and_overdue(void **state)
{
	(void)state;
	struct lane l = lane("rc1");
	struct {
		const char *first, *last;
		long long patient, plan, first_appt;
	} c[] = {
	    {"Olive", "Overdue", 0, 0, 0}, /* session 1 completed 50 days ago */
	    {"Opal", "Open", 0, 0, 0},	   /* completed 30 days ago: the window is open */
	    {"Uma", "Upcoming", 0, 0, 0},  /* signed today: the window opens in 28 days */
	    {"Bea", "Booked", 0, 0, 0},	   /* completed, and session 2 already booked */
	    {"Pat", "Pending", 0, 0, 0},   /* session 1 in the past, never completed */
	    {"Nico", "Noshow", 0, 0, 0},   /* session 1 a no-show */
	};
	enum { OVERDUE, OPEN, UPCOMING, BOOKED, PENDING, NOSHOW, NCASES };
	static const int day[NCASES] = {-50, -30, 0, -31, -35, -36};
	for (int i = 0; i < NCASES; i++) {
		c[i].patient = adult(c[i].first, c[i].last);
		c[i].plan = fx_plan(&S, t_prac, c[i].patient, l.prac, 3);
		/* Booked ahead (bookings start today at the earliest), then moved back to its
		 * day. */
		c[i].first_appt = booked(
		    t_desk, &(struct fx_booking){.patient = c[i].patient,
						 .practitioner = l.prac,
						 .room = l.room,
						 .plan = c[i].plan,
						 .start = fx_time(day[i] ? 300 + i : 0, 0, 0)});
		if (day[i])
			move_in_db(c[i].first_appt, fx_time(day[i], 0, 0));
	}
	complete_in_db(c[OVERDUE].first_appt);
	complete_in_db(c[OPEN].first_appt);
	complete_in_db(c[BOOKED].first_appt);
	char *signer = lane_login("rc1");
	sign(c[UPCOMING].first_appt, signer);
	free(signer);
	booked(t_desk, &(struct fx_booking){.patient = c[BOOKED].patient,
					    .practitioner = l.prac,
					    .room = l.room,
					    .plan = c[BOOKED].plan,
					    .start = fx_time(1, 10, 0)});
	char path[96];
	snprintf(path, sizeof path, V1 "/appointments/%lld/no-show", c[NOSHOW].first_appt);
	fx_expect_status(req(&S, "POST", path, t_desk, NULL), 200);

	struct resp *r = req(&S, "GET", V1 "/recalls?within_days=14", t_desk, NULL);
	assert_int_equal(r->status, 200);
	json_t *o = recall_of(r, c[OVERDUE].plan);
	assert_non_null(o);
	assert_true(json_is_true(json_object_get(o, "overdue")));
	assert_int_equal(jint(o, "patient_id"), c[OVERDUE].patient);
	assert_string_equal(jstr(o, "patient_name"), "Olive Overdue");
	fx_expect_date(json_object_get(o, "next_window"), "from", -50 + 28);
	fx_expect_date(json_object_get(o, "next_window"), "to", -50 + 42);
	o = recall_of(r, c[OPEN].plan);
	assert_non_null(o);
	assert_true(json_is_false(json_object_get(o, "overdue")));
	fx_expect_date(json_object_get(o, "next_window"), "from", -30 + 28);
	fx_expect_date(json_object_get(o, "next_window"), "to", -30 + 42);
	/* Ordered by window start: the overdue plan before the open one. */
	assert_true(recall_index(r, c[OVERDUE].plan) < recall_index(r, c[OPEN].plan));
	assert_null(recall_of(r, c[UPCOMING].plan));
	assert_null(recall_of(r, c[BOOKED].plan));
	assert_null(recall_of(r, c[PENDING].plan));
	assert_null(recall_of(r, c[NOSHOW].plan));
	assert_int_equal(jint(r->json, "total"),
			 json_array_size(json_object_get(r->json, "items")));
	resp_free(r);

	/* Further ahead, the plan signed today comes due too, last. */
	r = req(&S, "GET", V1 "/recalls?within_days=30", t_prac, NULL);
	assert_int_equal(r->status, 200);
	o = recall_of(r, c[UPCOMING].plan);
	assert_non_null(o);
	assert_true(json_is_false(json_object_get(o, "overdue")));
	fx_expect_date(json_object_get(o, "next_window"), "from", 28);
	fx_expect_date(json_object_get(o, "next_window"), "to", 42);
	assert_true(recall_index(r, c[OPEN].plan) < recall_index(r, c[UPCOMING].plan));
	assert_null(recall_of(r, c[BOOKED].plan));
	resp_free(r);

	fx_expect_err(req(&S, "GET", V1 "/recalls?within_days=nine", t_desk, NULL), 422,
		      "validation_failed", "within_days");
}

/* ---- Day sheet ---- */

/* The day sheet's column for practitioner prac. */
static json_t *column(const struct resp *r, long long prac)
{
	json_t *col = fx_find(json_object_get(r->json, "practitioners"), "practitioner_id", prac);
	assert_non_null(col);
	return col;
}

static void day_sheet_by_practitioner_and_room(void **state)
{
	(void)state;
	struct lane l = lane("ds1");
	long long sunny = fx_patient(&S, t_desk, "Sunny", "Daysheet", "1986-06-06");
	fx_screen(&S, t_prac, sunny, "{\"conditions\":[\"sunburn\"]}");
	fx_consent(&S, t_prac, sunny);
	long long kim = adult("Kim", "Consult");
	long long plan = fx_plan(&S, t_prac, sunny, l.prac, 3);
	int d = 15;
	long long treat = booked(t_desk, &(struct fx_booking){.patient = sunny,
							      .practitioner = l.prac,
							      .room = l.room,
							      .plan = plan,
							      .start = fx_time(d, 9, 0)});
	long long consult = booked(t_desk, &(struct fx_booking){.patient = kim,
								.practitioner = l.prac,
								.room = l.room,
								.start = fx_time(d, 11, 0)});
	/* Another day's appointment stays off the sheet. */
	booked(t_desk, &(struct fx_booking){.patient = kim,
					    .practitioner = l.prac,
					    .room = l.room,
					    .start = fx_time(d + 1, 11, 0)});
	char path[96], date[11];
	fx_day(d, date);
	snprintf(path, sizeof path, V1 "/day-sheet?date=%s", date);

	struct resp *r = req(&S, "GET", path, t_prac, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "date"), date);
	json_t *col = column(r, l.prac);
	assert_string_equal(jstr(col, "name"), "Dr lane-ds1");
	json_t *appts = json_object_get(col, "appointments");
	assert_int_equal(json_array_size(appts), 2);
	json_t *a = json_array_get(appts, 0);
	assert_int_equal(jint(a, "id"), treat);
	assert_string_equal(jstr(a, "patient_name"), "Sunny Daysheet");
	assert_string_equal(jstr(a, "kind"), "treatment");
	assert_string_equal(jstr(a, "session_label"), "1 of 3");
	/* The patient's chart number and the plan's treatment and size come with it. */
	char ppath[64];
	snprintf(ppath, sizeof ppath, V1 "/patients/%lld", sunny);
	struct resp *pr = req(&S, "GET", ppath, t_desk, NULL);
	assert_int_equal(pr->status, 200);
	assert_true(strlen(jstr(pr->json, "mrn")) > 0);
	assert_string_equal(jstr(a, "patient_mrn"), jstr(pr->json, "mrn"));
	resp_free(pr);
	assert_string_equal(jstr(a, "treatment_type"), "MN");
	assert_int_equal(jint(a, "planned_sessions"), 3);
	assert_string_equal(jstr(a, "status"), "booked");
	assert_string_equal(jstr(a, "room_name"), "Room ds1");
	assert_int_equal(jint(a, "room_id"), l.room);
	json_t *cautions = json_object_get(a, "cautions");
	assert_int_equal(json_array_size(cautions), 1);
	assert_true(fx_has_str(cautions, "sunburn"));
	json_t *b = json_array_get(appts, 1);
	assert_int_equal(jint(b, "id"), consult);
	assert_string_equal(jstr(b, "patient_name"), "Kim Consult");
	assert_string_equal(jstr(b, "kind"), "consultation");
	assert_true(json_is_null(json_object_get(b, "session_label")));
	assert_int_equal(json_array_size(json_object_get(b, "cautions")), 0);
	/* The room's column lists the same two appointments. */
	json_t *room = fx_find(json_object_get(r->json, "rooms"), "room_id", l.room);
	assert_non_null(room);
	json_t *ids = json_object_get(room, "appointment_ids");
	assert_int_equal(json_array_size(ids), 2);
	assert_int_equal(json_integer_value(json_array_get(ids, 0)), treat);
	assert_int_equal(json_integer_value(json_array_get(ids, 1)), consult);
	resp_free(r);

	/* The front desk sees the same day without condition names (rule 12). */
	snprintf(path, sizeof path, V1 "/appointments/%lld/check-in", treat);
	fx_expect_status(req(&S, "POST", path, t_desk, NULL), 200);
	snprintf(path, sizeof path, V1 "/day-sheet?date=%s", date);
	r = req(&S, "GET", path, t_desk, NULL);
	assert_int_equal(r->status, 200);
	appts = json_object_get(column(r, l.prac), "appointments");
	assert_int_equal(json_array_size(appts), 2);
	a = json_array_get(appts, 0);
	assert_string_equal(jstr(a, "patient_name"), "Sunny Daysheet");
	assert_string_equal(jstr(a, "session_label"), "1 of 3");
	assert_string_equal(jstr(a, "status"), "checked_in");
	assert_null(json_object_get(a, "cautions"));
	assert_null(strstr(r->body, "sunburn"));
	resp_free(r);

	/* A renamed patient and a resized plan show as they are now. */
	fx_expect_status(req(&S, "PATCH", ppath, t_desk, "{\"last_name\":\"Dayshift\"}"), 200);
	snprintf(ppath, sizeof ppath, V1 "/plans/%lld", plan);
	fx_expect_status(req(&S, "PATCH", ppath, t_prac, "{\"planned_sessions\":4}"), 200);
	r = req(&S, "GET", path, t_desk, NULL);
	assert_int_equal(r->status, 200);
	a = json_array_get(json_object_get(column(r, l.prac), "appointments"), 0);
	assert_string_equal(jstr(a, "patient_name"), "Sunny Dayshift");
	assert_string_equal(jstr(a, "session_label"), "1 of 4");
	assert_int_equal(jint(a, "planned_sessions"), 4);
	resp_free(r);

	fx_expect_err(req(&S, "GET", V1 "/day-sheet?date=2027-02-30", t_desk, NULL), 422,
		      "validation_failed", "date");
}

/* The printed day sheet (phones=true): every role gets each appointment's patient phone
 * number (null without one) and the appointment's notes, and the front desk still no
 * condition names; without phones=true and on the appointment list, no phone numbers. */
static void day_sheet_carries_phones_and_notes(void **state)
{
	(void)state;
	struct lane l = lane("ds2");
	long long rosa = fx_patient(&S, t_desk, "Rosa", "Phoneprint", "1979-03-03");
	fx_screen(&S, t_prac, rosa, "{\"conditions\":[\"sunburn\"]}");
	long long omar = fx_patient(&S, t_desk, "Omar", "Nophone", "1981-04-04");
	char ppath[64], path[96], date[11];
	snprintf(ppath, sizeof ppath, V1 "/patients/%lld", rosa);
	fx_expect_status(req(&S, "PATCH", ppath, t_desk, "{\"phone\":\"+44 20 7946 0321\"}"), 200);
	int d = 16;
	long long first = booked(t_desk, &(struct fx_booking){.patient = rosa,
							      .practitioner = l.prac,
							      .room = l.room,
							      .start = fx_time(d, 9, 0)});
	long long second = booked(t_desk, &(struct fx_booking){.patient = omar,
							       .practitioner = l.prac,
							       .room = l.room,
							       .start = fx_time(d, 10, 0)});
	snprintf(path, sizeof path, V1 "/appointments/%lld", first);
	fx_expect_status(req(&S, "PATCH", path, t_desk, "{\"notes\":\"Prefers a call after 5pm\"}"),
			 200);
	fx_day(d, date);
	/* Without phones=true, no phone numbers: the sheet reads no patient. */
	snprintf(path, sizeof path, V1 "/day-sheet?date=%s", date);
	struct resp *plain = req(&S, "GET", path, t_desk, NULL);
	assert_int_equal(plain->status, 200);
	assert_null(strstr(plain->body, "patient_phone"));
	assert_null(strstr(plain->body, "7946"));
	resp_free(plain);
	snprintf(path, sizeof path, V1 "/day-sheet?date=%s&phones=false", date);
	plain = req(&S, "GET", path, t_desk, NULL);
	assert_int_equal(plain->status, 200);
	assert_null(strstr(plain->body, "patient_phone"));
	resp_free(plain);
	snprintf(path, sizeof path, V1 "/day-sheet?date=%s&phones=yes", date);
	fx_expect_err(req(&S, "GET", path, t_desk, NULL), 422, "validation_failed", "phones");
	snprintf(path, sizeof path, V1 "/day-sheet?date=%s&phones=true", date);
	const char *tokens[] = {t_desk, t_prac, t_admin};
	for (int i = 0; i < 3; i++) {
		struct resp *r = req(&S, "GET", path, tokens[i], NULL);
		assert_int_equal(r->status, 200);
		json_t *appts = json_object_get(column(r, l.prac), "appointments");
		assert_int_equal(json_array_size(appts), 2);
		json_t *a = fx_find(appts, "id", first);
		json_t *b = fx_find(appts, "id", second);
		assert_non_null(a);
		assert_non_null(b);
		assert_string_equal(jstr(a, "patient_phone"), "+44 20 7946 0321");
		assert_string_equal(jstr(a, "notes"), "Prefers a call after 5pm");
		json_t *none = json_object_get(b, "patient_phone");
		assert_non_null(none);
		assert_true(json_is_null(none));
		/* Condition names stay clinical (rule 12). */
		assert_true((strstr(r->body, "sunburn") != NULL) == (tokens[i] != t_desk));
		resp_free(r);
	}
	/* A changed number is printed as it is now. */
	fx_expect_status(req(&S, "PATCH", ppath, t_desk, "{\"phone\":\"+44 20 7946 0999\"}"), 200);
	struct resp *r = req(&S, "GET", path, t_desk, NULL);
	assert_int_equal(r->status, 200);
	json_t *a = fx_find(json_object_get(column(r, l.prac), "appointments"), "id", first);
	assert_non_null(a);
	assert_string_equal(jstr(a, "patient_phone"), "+44 20 7946 0999");
	resp_free(r);
	snprintf(path, sizeof path, V1 "/appointments?date=%s&practitioner_id=%lld", date, l.prac);
	r = req(&S, "GET", path, t_desk, NULL);
	assert_int_equal(r->status, 200);
	assert_int_equal(json_array_size(json_object_get(r->json, "items")), 2);
	assert_null(strstr(r->body, "patient_phone"));
	resp_free(r);
}

/* ---- Reads of schedule data are audited ---- */

/* The day sheet names the day's patients and treatments: every role's read of it is an
 * audit event with the day and the count, as is every read of the recall list. */
static void day_sheet_and_recall_reads_are_audited(void **state)
{
	(void)state;
	struct lane l = lane("au1");
	long long p = adult("Aud", "Itsheet");
	int d = 17;
	booked(t_desk, &(struct fx_booking){.patient = p,
					    .practitioner = l.prac,
					    .room = l.room,
					    .start = fx_time(d, 9, 0)});
	booked(t_desk, &(struct fx_booking){.patient = p,
					    .practitioner = l.prac,
					    .room = l.room,
					    .start = fx_time(d, 11, 0)});
	char date[11], path[96], detail[64];
	fx_day(d, date);
	const char *tokens[] = {t_admin, t_desk, t_prac};
	for (int i = 0; i < 3; i++) {
		int before = fx_audit_count(&S, t_admin, "day_sheet", 0, "read");
		snprintf(path, sizeof path, V1 "/day-sheet?date=%s", date);
		struct resp *r = req(&S, "GET", path, tokens[i], NULL);
		assert_int_equal(r->status, 200);
		long long total = jint(r->json, "total");
		assert_true(total >= 2);
		resp_free(r);
		snprintf(detail, sizeof detail, "%s count=%lld", date, total);
		assert_int_equal(fx_expect_newest_event(&S, t_admin, "day_sheet", "read", detail),
				 0);
		assert_int_equal(fx_audit_count(&S, t_admin, "day_sheet", 0, "read"), before + 1);

		/* Without a date: today's sheet, named by its date. */
		r = req(&S, "GET", V1 "/day-sheet", tokens[i], NULL);
		assert_int_equal(r->status, 200);
		snprintf(detail, sizeof detail, "%s count=%lld", jstr(r->json, "date"),
			 jint(r->json, "total"));
		resp_free(r);
		fx_expect_newest_event(&S, t_admin, "day_sheet", "read", detail);

		/* An empty day counts 0. */
		fx_day(700, date);
		snprintf(path, sizeof path, V1 "/day-sheet?date=%s", date);
		fx_expect_status(req(&S, "GET", path, tokens[i], NULL), 200);
		snprintf(detail, sizeof detail, "%s count=0", date);
		fx_expect_newest_event(&S, t_admin, "day_sheet", "read", detail);
		fx_day(d, date);

		r = req(&S, "GET", V1 "/recalls?within_days=14", tokens[i], NULL);
		assert_int_equal(r->status, 200);
		snprintf(detail, sizeof detail, "count=%lld", jint(r->json, "total"));
		resp_free(r);
		assert_int_equal(fx_expect_newest_event(&S, t_admin, "recall_list", "read", detail),
				 0);
	}
	/* A refused read is no read. */
	int sheets = fx_audit_count(&S, t_admin, "day_sheet", 0, "read");
	fx_expect_err(req(&S, "GET", V1 "/day-sheet?date=2027-02-30", t_desk, NULL), 422,
		      "validation_failed", "date");
	fx_expect_err(req(&S, "GET", V1 "/day-sheet?date=1899-12-31", t_desk, NULL), 422,
		      "validation_failed", "date");
	fx_expect_err(req(&S, "GET", V1 "/day-sheet?date=2201-01-01", t_desk, NULL), 422,
		      "validation_failed", "date");
	assert_int_equal(fx_audit_count(&S, t_admin, "day_sheet", 0, "read"), sheets);
}

/* ---- Catalogs ---- */

static void catalogs_are_read_by_every_role(void **state)
{
	(void)state;
	const char *tokens[] = {t_admin, t_desk, t_prac};
	for (int i = 0; i < 3; i++) {
		struct resp *r = req(&S, "GET", V1 "/catalog/conditions", tokens[i], NULL);
		assert_int_equal(r->status, 200);
		json_t *items = json_object_get(r->json, "items");
		assert_int_equal(jint(r->json, "total"), json_array_size(items));
		static const char *const sev[][2] = {
		    {"rosacea", "block"},      {"open_wound", "block"},
		    {"pregnant", "clearance"}, {"breastfeeding", "clearance"},
		    {"sunburn", "caution"},    {"isotretinoin_12mo", "caution"}};
		for (size_t k = 0; k < sizeof sev / sizeof sev[0]; k++) {
			bool found = false;
			for (size_t j = 0; j < json_array_size(items); j++) {
				json_t *c = json_array_get(items, j);
				if (strcmp(jstr(c, "code"), sev[k][0]) == 0) {
					assert_string_equal(jstr(c, "severity"), sev[k][1]);
					found = true;
				}
			}
			assert_true(found);
		}
		resp_free(r);

		r = req(&S, "GET", V1 "/catalog/treatment-types", tokens[i], NULL);
		assert_int_equal(r->status, 200);
		items = json_object_get(r->json, "items");
		assert_int_equal(json_array_size(items), 3);
		for (size_t j = 0; j < json_array_size(items); j++) {
			json_t *t = json_array_get(items, j);
			assert_int_equal(jint(t, "min_interval_days"), 28);
			assert_int_equal(jint(t, "max_interval_days"), 42);
			assert_int_equal(jint(t, "default_sessions"), 3);
			assert_int_equal(jint(t, "default_duration_min"), 60);
			assert_int_equal(json_is_true(json_object_get(t, "uses_prp")),
					 strcmp(jstr(t, "code"), "MN") != 0);
		}
		resp_free(r);

		r = req(&S, "GET", V1 "/catalog/areas", tokens[i], NULL);
		assert_int_equal(r->status, 200);
		items = json_object_get(r->json, "items");
		assert_int_equal(json_array_size(items), 13);
		for (size_t j = 0; j < json_array_size(items); j++) {
			json_t *a = json_array_get(items, j);
			double want = strcmp(jstr(a, "code"), "periorbital") == 0 ? 0.5
				      : strcmp(jstr(a, "code"), "cheeks") == 0	  ? 2.0
				      : strcmp(jstr(a, "code"), "abdomen") == 0	  ? 3.0
										  : -1;
			if (want > 0)
				assert_true(json_number_value(json_object_get(a, "max_depth_mm")) ==
					    want);
		}
		resp_free(r);
	}
	fx_expect_err(req(&S, "GET", V1 "/catalog/devices", t_desk, NULL), 404, "not_found", NULL);
}

static void catalog_areas_are_edited_by_admins_only(void **state)
{
	(void)state;
	fx_expect_err(req(&S, "PUT", V1 "/catalog/areas/scalp", t_desk,
			  "{\"name\":\"Scalp\",\"max_depth_mm\":1.25}"),
		      403, "forbidden", NULL);
	fx_expect_err(req(&S, "PUT", V1 "/catalog/areas/scalp", t_prac,
			  "{\"name\":\"Scalp\",\"max_depth_mm\":1.25}"),
		      403, "forbidden", NULL);
	int before = fx_audit_count(&S, t_admin, "catalog_area", 0, "update");
	assert_true(before >= 0);

	struct resp *r = req(&S, "PUT", V1 "/catalog/areas/scalp", t_admin,
			     "{\"name\":\"Scalp\",\"max_depth_mm\":1.25}");
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "code"), "scalp");
	assert_true(json_number_value(json_object_get(r->json, "max_depth_mm")) == 1.25);
	resp_free(r);
	assert_int_equal(fx_audit_count(&S, t_admin, "catalog_area", 0, "update"), before + 1);

	/* Depth is stored exactly: a third decimal or a depth out of range is refused. */
	static const struct fx_bad bad[] = {
	    FX_FIELD("{\"name\":\"Scalp\",\"max_depth_mm\":1.355}", "max_depth_mm"),
	    /* Nearly two decimals is not two decimals: nothing is rounded into the range. */
	    FX_FIELD("{\"name\":\"Scalp\",\"max_depth_mm\":0.19999999999999}", "max_depth_mm"),
	    FX_FIELD("{\"name\":\"Scalp\",\"max_depth_mm\":1.35000000001}", "max_depth_mm"),
	    FX_FIELD("{\"name\":\"Scalp\",\"max_depth_mm\":0.30000000000000004}", "max_depth_mm"),
	    FX_FIELD("{\"name\":\"Scalp\",\"max_depth_mm\":3.5}", NULL),
	    FX_FIELD("{\"name\":\"Scalp\",\"max_depth_mm\":1.0,\"colour\":\"red\"}", "colour"),
	};
	fx_expect_bad(&S, t_admin, "PUT", V1 "/catalog/areas/scalp", FX_ROWS(bad));
	assert_int_equal(fx_audit_count(&S, t_admin, "catalog_area", 0, "update"), before + 1);

	r = req(&S, "GET", V1 "/catalog/areas", t_desk, NULL);
	json_t *items = json_object_get(r->json, "items");
	bool found = false;
	for (size_t j = 0; j < json_array_size(items); j++) {
		json_t *a = json_array_get(items, j);
		if (strcmp(jstr(a, "code"), "scalp") == 0) {
			assert_string_equal(jstr(a, "name"), "Scalp");
			assert_true(json_number_value(json_object_get(a, "max_depth_mm")) == 1.25);
			found = true;
		}
	}
	assert_true(found);
	resp_free(r);
}

static const struct harness_group group = {
    .srv = &S,
    .zone = "Europe/Berlin",
    .admin = &t_admin,
    .desk = &t_desk,
    .prac = &t_prac,
};

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(next_slots_inside_the_window_on_the_grid),
	    cmocka_unit_test(next_slots_span_touching_intervals),
	    cmocka_unit_test(next_slots_over_many_days),
	    cmocka_unit_test(next_slots_for_a_full_or_inactive_plan),
	    cmocka_unit_test(signing_the_last_session_completes_the_plan),
	    cmocka_unit_test(recalls_due_open_and_overdue),
	    cmocka_unit_test(day_sheet_by_practitioner_and_room),
	    cmocka_unit_test(day_sheet_carries_phones_and_notes),
	    cmocka_unit_test(day_sheet_and_recall_reads_are_audited),
	    cmocka_unit_test(catalogs_are_read_by_every_role),
	    cmocka_unit_test(catalog_areas_are_edited_by_admins_only),
	};
	return harness_run_group("api_views", tests, &group);
}
