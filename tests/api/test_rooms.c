/* Room kinds over HTTP (RULES.md rule 56: the room a visit needs, the admin's override,
 * next slots) and the undo of a check-in, no-show or cancellation (rule 7). */
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
static long long u_admin, u_desk, u_prac;

static long long adult(const char *first, const char *last)
{
	return fx_adult(&S, t_desk, t_prac, first, last, "1985-03-14");
}

/* A consultation room of the test's own. */
static long long consultation_room(const char *name)
{
	return fx_post_id(&S, V1 "/rooms", t_admin,
			  json_pack("{s:s, s:s}", "name", name, "kind", "consultation"));
}

/* Books patient in lane l at start (a treatment of plan, or a consultation when plan is 0)
 * and expects 201; returns the appointment's id. */
static long long book_in(struct lane l, long long patient, long long plan, time_t start)
{
	struct fx_booking b = fx_in_lane(l, patient, plan, start);
	return fx_booked(&S, t_desk, &b);
}

/* The plan's progress columns as stored: holding, pending and completed as digits. */
static long long progress_columns(long long plan)
{
	char sql[128];
	snprintf(sql, sizeof sql,
		 "SELECT holding * 100 + pending * 10 + completed FROM plans WHERE id = %lld",
		 plan);
	return fx_sql_int(&S, sql);
}

/* POST /appointments/{id}/{action} without a body. */
static struct resp *act(long long id, const char *action, const char *token)
{
	char path[96];
	snprintf(path, sizeof path, V1 "/appointments/%lld/%s", id, action);
	return req(&S, "POST", path, token, NULL);
}

static void act_ok(long long id, const char *action, const char *token)
{
	fx_expect_status(act(id, action, token), 200);
}

static struct resp *get_appt(long long id)
{
	char path[96];
	snprintf(path, sizeof path, V1 "/appointments/%lld", id);
	struct resp *r = req(&S, "GET", path, t_desk, NULL);
	assert_int_equal(r->status, 200);
	return r;
}

/* The appointment's status as the API answers it. */
static void expect_appt_status(long long id, const char *status)
{
	struct resp *r = get_appt(id);
	assert_string_equal(jstr(r->json, "status"), status);
	resp_free(r);
}

/* Moves the time of the appointment's last status change back by seconds, as a clock
 * that has moved on would see it. */
static void age_status_change(long long id, int seconds)
{
	char sql[160], idtext[24];
	snprintf(sql, sizeof sql,
		 "UPDATE appointments SET status_changed_at = status_changed_at - %d "
		 "WHERE id = CAST(?1 AS INTEGER)",
		 seconds);
	snprintf(idtext, sizeof idtext, "%lld", id);
	assert_int_equal(fx_sql_exec(&S, sql, idtext), 1);
}

/* The plan's progress: sessions holding a time. */
static long long plan_booked(long long plan)
{
	char path[64];
	snprintf(path, sizeof path, V1 "/plans/%lld", plan);
	struct resp *r = req(&S, "GET", path, t_prac, NULL);
	assert_int_equal(r->status, 200);
	long long n = jint(json_object_get(r->json, "progress"), "booked");
	resp_free(r);
	return n;
}

/* ---- Rooms and their kinds ---- */

static void rooms_have_a_kind(void **state)
{
	(void)state;
	struct resp *r =
	    reqj(&S, "POST", V1 "/rooms", t_admin, json_pack("{s:s}", "name", "Plain"));
	long long plain = fx_expect_created(r);
	assert_string_equal(jstr(r->json, "kind"), "treatment");
	resp_free(r);
	r = reqj(&S, "POST", V1 "/rooms", t_admin,
		 json_pack("{s:s, s:s}", "name", "Talk 1", "kind", "consultation"));
	long long talk = fx_expect_created(r);
	assert_string_equal(jstr(r->json, "kind"), "consultation");
	resp_free(r);

	r = req(&S, "GET", V1 "/rooms", t_desk, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(fx_find(json_object_get(r->json, "items"), "id", talk), "kind"),
			    "consultation");
	assert_string_equal(jstr(fx_find(json_object_get(r->json, "items"), "id", plain), "kind"),
			    "treatment");
	resp_free(r);

	char path[64];
	snprintf(path, sizeof path, V1 "/rooms/%lld", plain);
	r = reqj(&S, "PATCH", path, t_admin, json_pack("{s:s}", "kind", "consultation"));
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "kind"), "consultation");
	assert_string_equal(jstr(r->json, "name"), "Plain");
	resp_free(r);
	/* A rename keeps the kind. */
	r = reqj(&S, "PATCH", path, t_admin, json_pack("{s:s}", "name", "Plain 2"));
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "kind"), "consultation");
	resp_free(r);

	const struct fx_bad bad_create[] = {
	    FX_FIELD("{\"name\":\"K1\",\"kind\":\"surgery\"}", "kind"),
	    FX_FIELD("{\"name\":\"K2\",\"kind\":\"\"}", "kind"),
	    FX_FIELD("{\"name\":\"K3\",\"kind\":7}", "kind"),
	};
	fx_expect_bad(&S, t_admin, "POST", V1 "/rooms", FX_ROWS(bad_create));
	const struct fx_bad bad_patch[] = {
	    FX_FIELD("{\"kind\":\"lab\"}", "kind"),
	    FX_FIELD("{\"kind\":null}", "kind"),
	    FX_ERR("{\"kind\":\"treatment\"}", 403, "forbidden"),
	};
	fx_expect_bad(&S, t_admin, "PATCH", path, bad_patch, 2);
	fx_expect_bad(&S, t_desk, "PATCH", path, bad_patch + 2, 1);
	/* Nothing refused changed the room. */
	r = req(&S, "GET", V1 "/rooms", t_desk, NULL);
	assert_string_equal(jstr(fx_find(json_object_get(r->json, "items"), "id", plain), "kind"),
			    "consultation");
	resp_free(r);
	assert_int_equal(fx_audit_count(&S, t_admin, "room", plain, "update"), 2);
}

static void treatment_types_name_their_room_kind(void **state)
{
	(void)state;
	struct resp *r = req(&S, "GET", V1 "/catalog/treatment-types", t_desk, NULL);
	assert_int_equal(r->status, 200);
	json_t *items = json_object_get(r->json, "items");
	assert_true(json_array_size(items) >= 3);
	for (size_t i = 0; i < json_array_size(items); i++)
		assert_string_equal(jstr(json_array_get(items, i), "room_kind"), "treatment");
	resp_free(r);

	r = req(&S, "PUT", V1 "/catalog/treatment-types/TALK_PEEL", t_admin,
		"{\"name\":\"Light peel\",\"default_sessions\":3,\"min_interval_days\":14,"
		"\"max_interval_days\":28,\"default_duration_min\":30,\"uses_prp\":false,"
		"\"room_kind\":\"consultation\"}");
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "room_kind"), "consultation");
	resp_free(r);
	const struct fx_bad bad[] = {
	    FX_FIELD("{\"name\":\"X\",\"default_sessions\":3,\"min_interval_days\":14,"
		     "\"max_interval_days\":28,\"default_duration_min\":30,\"uses_prp\":false,"
		     "\"room_kind\":\"garden\"}",
		     "room_kind"),
	};
	fx_expect_bad(&S, t_admin, "PUT", V1 "/catalog/treatment-types/TALK_PEEL", FX_ROWS(bad));
	r = req(&S, "GET", V1 "/catalog/treatment-types", t_desk, NULL);
	json_t *peel = NULL;
	items = json_object_get(r->json, "items");
	for (size_t i = 0; i < json_array_size(items); i++)
		if (strcmp(jstr(json_array_get(items, i), "code"), "TALK_PEEL") == 0)
			peel = json_array_get(items, i);
	assert_non_null(peel);
	assert_string_equal(jstr(peel, "room_kind"), "consultation");
	resp_free(r);
}

static void a_treatment_in_a_consultation_room_is_refused(void **state)
{
	(void)state;
	struct lane l = fx_lane(&S, t_admin, "unsuitable");
	long long talk = consultation_room("Talk unsuitable");
	long long p = adult("Ursula", "Unsuitable");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	struct fx_booking b = fx_in_lane(l, p, plan, fx_time(2, 10, 0));
	b.room = talk;

	struct resp *r = fx_book(&S, t_desk, &b);
	fx_expect_error(r, 409, "room_unsuitable");
	json_t *d = fx_details(r);
	assert_int_equal(jint(d, "room_id"), talk);
	assert_string_equal(jstr(d, "room_kind"), "consultation");
	assert_string_equal(jstr(d, "needs"), "treatment");
	resp_free(r);

	/* Only an admin overrides, and only with a reason. */
	b.override_reason = "the treatment room is flooded";
	fx_expect_err(fx_book(&S, t_desk, &b), 409, "room_unsuitable", NULL);
	fx_expect_err(fx_book(&S, t_prac, &b), 409, "room_unsuitable", NULL);
	b.override_reason = "";
	fx_expect_err(fx_book(&S, t_admin, &b), 409, "room_unsuitable", NULL);
	char path[96];
	snprintf(path, sizeof path, V1 "/appointments?plan_id=%lld", plan);
	assert_int_equal(fx_total(&S, t_desk, path), 0);

	b.override_reason = "the treatment room is flooded";
	r = fx_book(&S, t_admin, &b);
	long long id = fx_expect_created(r);
	assert_string_equal(jstr(r->json, "override_reason"), "the treatment room is flooded");
	assert_int_equal(jint(r->json, "room_id"), talk);
	resp_free(r);
	assert_int_equal(fx_audit_count_detail(&S, t_admin, "appointment", id, "override", "room"),
			 1);
	assert_int_equal(fx_audit_count(&S, t_admin, "appointment", id, "override"), 1);

	/* Consultations and reviews go in either kind of room. */
	long long q = adult("Quentin", "Talk");
	struct fx_booking c = fx_in_lane(l, q, 0, fx_time(2, 12, 0));
	c.room = talk;
	fx_created(fx_book(&S, t_desk, &c));
	c.kind = "review";
	c.start = fx_time(2, 13, 0);
	fx_created(fx_book(&S, t_desk, &c));
	c.kind = NULL;
	c.room = l.room;
	c.start = fx_time(2, 14, 0);
	fx_created(fx_book(&S, t_desk, &c));
}

static void moving_a_treatment_into_a_consultation_room(void **state)
{
	(void)state;
	struct lane l = fx_lane(&S, t_admin, "move-room");
	long long talk = consultation_room("Talk move");
	long long p = adult("Mona", "Mover");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	long long id = book_in(l, p, plan, fx_time(3, 10, 0));
	char path[64];
	snprintf(path, sizeof path, V1 "/appointments/%lld", id);

	struct resp *r =
	    reqj(&S, "PATCH", path, t_desk, json_pack("{s:I}", "room_id", (json_int_t)talk));
	fx_expect_error(r, 409, "room_unsuitable");
	resp_free(r);
	fx_expect_err(
	    reqj(&S, "PATCH", path, t_admin, json_pack("{s:I}", "room_id", (json_int_t)talk)), 409,
	    "room_unsuitable", NULL);
	r = get_appt(id);
	assert_int_equal(jint(r->json, "room_id"), l.room);
	resp_free(r);

	r = reqj(&S, "PATCH", path, t_admin,
		 json_pack("{s:I, s:s}", "room_id", (json_int_t)talk, "override_reason",
			   "the laser is serviced"));
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "room_id"), talk);
	resp_free(r);
	assert_int_equal(fx_audit_count_detail(&S, t_admin, "appointment", id, "override", "room"),
			 1);
	/* Turning the room into a treatment room lets it be moved back and forth freely. */
	snprintf(path, sizeof path, V1 "/rooms/%lld", talk);
	fx_expect_status(reqj(&S, "PATCH", path, t_admin, json_pack("{s:s}", "kind", "treatment")),
			 200);
	snprintf(path, sizeof path, V1 "/appointments/%lld", id);
	fx_expect_status(
	    reqj(&S, "PATCH", path, t_desk, json_pack("{s:I}", "room_id", (json_int_t)l.room)),
	    200);
	fx_expect_status(
	    reqj(&S, "PATCH", path, t_desk, json_pack("{s:I}", "room_id", (json_int_t)talk)), 200);
}

static void a_type_that_needs_no_treatment_room(void **state)
{
	(void)state;
	fx_expect_status(req(&S, "PUT", V1 "/catalog/treatment-types/TALK_LITE", t_admin,
			     "{\"name\":\"Skin check\",\"default_sessions\":2,"
			     "\"min_interval_days\":14,\"max_interval_days\":28,"
			     "\"default_duration_min\":30,\"uses_prp\":false,"
			     "\"room_kind\":\"consultation\"}"),
			 200);
	struct lane l = fx_lane(&S, t_admin, "lite");
	long long talk = consultation_room("Talk lite");
	long long p = adult("Lena", "Lite");
	long long plan =
	    fx_post_id(&S, V1 "/plans", t_prac,
		       json_pack("{s:I, s:s, s:s, s:[s], s:I}", "patient_id", (json_int_t)p,
				 "treatment_type", "TALK_LITE", "indication", "pores", "areas",
				 "cheeks", "practitioner_id", (json_int_t)l.prac));
	struct fx_booking b = fx_in_lane(l, p, plan, fx_time(2, 9, 0));
	b.room = talk;
	fx_created(fx_book(&S, t_desk, &b));
}

/* A clinic of its own, so that its rooms are the only ones next slots may offer. */
static void next_slots_offer_suitable_rooms_only(void **state)
{
	struct server *s = *state;
	char *admin = login(s, "admin", PW_ADMIN), *desk = login(s, "desk", PW_DESK),
	     *prac = login(s, "prac", PW_PRAC);
	long long uprac = fx_user_id(s, admin, "prac");
	fx_daily_hours(s, admin, uprac, (const char *const[]){"08:00", "18:00", NULL});
	long long talk = fx_post_id(
	    s, V1 "/rooms", admin, json_pack("{s:s, s:s}", "name", "Talk", "kind", "consultation"));
	long long p = fx_adult(s, desk, prac, "Nora", "Next", "1980-01-01");
	long long plan = fx_plan(s, prac, p, uprac, 3);
	char path[96];
	snprintf(path, sizeof path, V1 "/plans/%lld/next-slots?limit=10", plan);

	struct resp *r = req(s, "GET", path, desk, NULL);
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "total"), 0);
	assert_string_equal(jstr(r->json, "reason"), "no_capacity");
	resp_free(r);

	long long treat = fx_room(s, admin, "Treatment");
	r = req(s, "GET", path, desk, NULL);
	assert_int_equal(r->status, 200);
	json_t *items = json_object_get(r->json, "items");
	assert_int_equal(json_array_size(items), 10);
	for (size_t i = 0; i < json_array_size(items); i++)
		assert_int_equal(jint(json_array_get(items, i), "room_id"), treat);
	resp_free(r);
	(void)talk;
	free(admin);
	free(desk);
	free(prac);
}

/* ---- Undo ---- */

static void undo_a_check_in(void **state)
{
	(void)state;
	struct lane l = fx_lane(&S, t_admin, "undo-in");
	long long p = adult("Ida", "Undo");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	long long id = book_in(l, p, plan, fx_time(1, 10, 0));

	struct resp *r = get_appt(id);
	assert_true(json_is_null(json_object_get(r->json, "status_changed_at")));
	assert_true(json_is_null(json_object_get(r->json, "status_changed_by")));
	resp_free(r);
	/* Nothing to undo on a booked appointment. */
	fx_expect_err(act(id, "undo", t_desk), 409, "bad_transition", NULL);

	r = act(id, "check-in", t_desk);
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "status_changed_by"), u_desk);
	assert_true(fx_parse_instant(jstr(r->json, "status_changed_at")) > 0);
	resp_free(r);

	r = act(id, "undo", t_desk);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "status"), "booked");
	assert_int_equal(jint(r->json, "status_changed_by"), u_desk);
	resp_free(r);
	assert_int_equal(
	    fx_audit_count_detail(&S, t_admin, "appointment", id, "undo", "checked_in"), 1);
	assert_int_equal(plan_booked(plan), 1);
	/* The undo is itself no check-in, no-show or cancellation to undo. */
	fx_expect_err(act(id, "undo", t_desk), 409, "bad_transition", NULL);
	/* A body has nothing to say. */
	act_ok(id, "check-in", t_desk);
	assert_int_equal(progress_columns(plan), 110);
	char path[96];
	snprintf(path, sizeof path, V1 "/appointments/%lld/undo", id);
	fx_expect_err(req(&S, "POST", path, t_desk, "{\"status\":\"booked\"}"), 422,
		      "validation_failed", NULL);
	expect_appt_status(id, "checked_in");
}

static void undo_a_no_show_and_a_cancellation(void **state)
{
	(void)state;
	struct lane l = fx_lane(&S, t_admin, "undo-ns");
	long long p = adult("Nils", "Noshow");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	struct fx_booking b = fx_in_lane(l, p, plan, fx_earlier_today(120));
	long long id = fx_booked(&S, t_prac, &b);
	assert_int_equal(progress_columns(plan), 110);
	act_ok(id, "no-show", t_prac);
	assert_int_equal(plan_booked(plan), 0);
	assert_int_equal(progress_columns(plan), 0);
	struct resp *r = act(id, "undo", t_prac);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "status"), "booked");
	assert_int_equal(jint(r->json, "session_number"), 1);
	resp_free(r);
	assert_int_equal(plan_booked(plan), 1);
	assert_int_equal(progress_columns(plan), 110);
	assert_int_equal(fx_audit_count_detail(&S, t_admin, "appointment", id, "undo", "no_show"),
			 1);

	/* A late cancellation: its flag and reason go with the undo. */
	l = fx_lane(&S, t_admin, "undo-cancel");
	long long q = adult("Cleo", "Cancel");
	long long plan2 = fx_plan(&S, t_prac, q, l.prac, 3);
	/* Soon, on a day of its own: within 24 hours, so the cancellation is late. */
	time_t now = time(NULL), soon = now + 600;
	if (soon % 86400 > 86400 - 2400)
		soon = soon - soon % 86400 + 86400 + 1800;
	struct fx_booking sb = fx_in_lane(l, q, plan2, soon);
	sb.end = soon + 1800;
	long long c = fx_booked(&S, t_desk, &sb);
	char path[96];
	snprintf(path, sizeof path, V1 "/appointments/%lld/cancel", c);
	r = req(&S, "POST", path, t_desk, "{\"reason\":\"wrong patient\"}");
	assert_int_equal(r->status, 200);
	assert_true(json_is_true(json_object_get(r->json, "late_cancel")));
	resp_free(r);
	assert_int_equal(plan_booked(plan2), 0);
	r = act(c, "undo", t_desk);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "status"), "booked");
	assert_true(json_is_false(json_object_get(r->json, "late_cancel")));
	assert_true(json_is_null(json_object_get(r->json, "cancel_reason")));
	resp_free(r);
	assert_int_equal(plan_booked(plan2), 1);
	assert_int_equal(progress_columns(plan2), 110);
}

static void undo_only_within_five_minutes(void **state)
{
	(void)state;
	struct lane l = fx_lane(&S, t_admin, "undo-late");
	long long p = adult("Tess", "Timer");
	long long a = book_in(l, p, 0, fx_time(1, 9, 0));
	long long b = book_in(l, p, 0, fx_time(1, 11, 0));
	act_ok(a, "check-in", t_desk);
	act_ok(b, "cancel", t_desk);

	/* Five minutes less ten seconds on: still undone. */
	age_status_change(a, 290);
	fx_expect_status(act(a, "undo", t_desk), 200);
	expect_appt_status(a, "booked");

	/* Five minutes and a second on: too late, and nothing changes. */
	age_status_change(b, 301);
	struct resp *r = act(b, "undo", t_desk);
	fx_expect_error(r, 409, "undo_expired");
	assert_int_equal(jint(fx_details(r), "window_s"), 300);
	assert_string_equal(jstr(fx_details(r), "status"), "cancelled");
	resp_free(r);
	expect_appt_status(b, "cancelled");
	assert_int_equal(fx_audit_count(&S, t_admin, "appointment", b, "undo"), 0);
}

static void undo_only_by_who_made_the_change(void **state)
{
	(void)state;
	struct lane l = fx_lane(&S, t_admin, "undo-who");
	long long p = adult("Willa", "Who");
	long long id = book_in(l, p, 0, fx_time(1, 9, 0));
	act_ok(id, "cancel", t_desk);
	fx_expect_err(act(id, "undo", t_prac), 403, "undo_not_yours", NULL);
	fx_expect_err(act(id, "undo", t_admin), 403, "undo_not_yours", NULL);
	expect_appt_status(id, "cancelled");
	fx_expect_status(act(id, "undo", t_desk), 200);
	expect_appt_status(id, "booked");
	assert_int_equal(fx_audit_count(&S, t_admin, "appointment", id, "undo"), 1);
	(void)u_admin;
	(void)u_prac;
}

static void undo_when_the_time_was_taken_since(void **state)
{
	(void)state;
	struct lane l = fx_lane(&S, t_admin, "undo-taken");
	long long p = adult("Rhea", "Rebooked"), q = adult("Sven", "Second");
	long long id = book_in(l, p, 0, fx_time(1, 10, 0));
	act_ok(id, "cancel", t_desk);
	/* Someone else takes the time in the same room with the same practitioner. */
	long long other = book_in(l, q, 0, fx_time(1, 10, 15));
	struct resp *r = act(id, "undo", t_desk);
	fx_expect_error(r, 409, "conflict");
	assert_int_equal(jint(fx_details(r), "appointment_id"), other);
	resp_free(r);
	expect_appt_status(id, "cancelled");
	expect_appt_status(other, "booked");
	assert_int_equal(fx_audit_count(&S, t_admin, "appointment", id, "undo"), 0);

	/* A one-session plan whose session was booked again at another time is full. */
	long long plan = fx_plan(&S, t_prac, p, l.prac, 1);
	long long first = book_in(l, p, plan, fx_time(4, 10, 0));
	act_ok(first, "cancel", t_desk);
	long long again = book_in(l, p, plan, fx_time(5, 10, 0));
	fx_expect_err(act(first, "undo", t_desk), 409, "plan_full", NULL);
	expect_appt_status(first, "cancelled");
	assert_int_equal(plan_booked(plan), 1);
	/* With the new booking cancelled too, the first one comes back. */
	act_ok(again, "cancel", t_desk);
	fx_expect_status(act(first, "undo", t_desk), 200);
	assert_int_equal(plan_booked(plan), 1);
}

static int setup(void)
{
	u_desk = fx_user_id(&S, t_admin, "desk");
	return 0;
}

static const struct harness_group group = {
    .srv = &S,
    .zone = "UTC",
    .admin = &t_admin,
    .desk = &t_desk,
    .prac = &t_prac,
    .admin_id = &u_admin,
    .prac_id = &u_prac,
    .setup = setup,
};

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rooms_have_a_kind),
	    cmocka_unit_test(treatment_types_name_their_room_kind),
	    cmocka_unit_test(a_treatment_in_a_consultation_room_is_refused),
	    cmocka_unit_test(moving_a_treatment_into_a_consultation_room),
	    cmocka_unit_test(a_type_that_needs_no_treatment_room),
	    cmocka_unit_test_setup_teardown(next_slots_offer_suitable_rooms_only, harness_own_setup,
					    harness_own_teardown),
	    cmocka_unit_test(undo_a_check_in),
	    cmocka_unit_test(undo_a_no_show_and_a_cancellation),
	    cmocka_unit_test(undo_only_within_five_minutes),
	    cmocka_unit_test(undo_only_by_who_made_the_change),
	    cmocka_unit_test(undo_when_the_time_was_taken_since),
	};
	return harness_run_group("api_rooms", tests, &group);
}
