/* Booking and rescheduling over HTTP: RULES.md rules 1-7, their error codes and
 * details, the override paths, the booking race, and what the front desk may see. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define V1     "/api/v1"
#define RACERS 20

static struct server S;
static char *t_admin, *t_desk, *t_prac;
static long long u_prac2, u_desk;
static long long room_a;

static struct lane lane(const char *name)
{
	return fx_lane(&S, t_admin, name);
}

/* An adult with a clean screening and an MN consent. */
static long long adult(const char *first, const char *last)
{
	return fx_adult(&S, t_desk, t_prac, first, last, "1985-03-14");
}

/* Books b and expects 201; returns the appointment's id. */
static long long booked(const char *token, const struct fx_booking *b)
{
	return fx_booked(&S, token, b);
}

/* POST /appointments/{id}/{action} without a body. */
static struct resp *act(long long id, const char *action, const char *token)
{
	char path[96];
	snprintf(path, sizeof path, V1 "/appointments/%lld/%s", id, action);
	return req(&S, "POST", path, token, NULL);
}

static struct resp *get_appt(long long id)
{
	char path[96];
	snprintf(path, sizeof path, V1 "/appointments/%lld", id);
	return req(&S, "GET", path, t_desk, NULL);
}

/* PATCH /appointments/{id} {"start": start}. */
static struct resp *move(long long id, time_t start, const char *token)
{
	char path[96], when[32];
	snprintf(path, sizeof path, V1 "/appointments/%lld", id);
	fx_instant(start, when);
	return reqj(&S, "PATCH", path, token, json_pack("{s:s}", "start", when));
}

static struct resp *patch_plan(long long plan, const char *status)
{
	char path[96];
	snprintf(path, sizeof path, V1 "/plans/%lld", plan);
	return reqj(&S, "PATCH", path, t_prac, json_pack("{s:s}", "status", status));
}

/* The plan's appointments, by start. */
static struct resp *plan_appts(long long plan)
{
	char path[96];
	snprintf(path, sizeof path, V1 "/appointments?plan_id=%lld", plan);
	struct resp *r = req(&S, "GET", path, t_desk, NULL);
	assert_int_equal(r->status, 200);
	return r;
}

/* The session_number of appointment id in a plan listing; 0 when null. */
static long long session_of(const struct resp *list, long long id)
{
	json_t *a = fx_find(json_object_get(list->json, "items"), "id", id);
	assert_non_null(a);
	json_t *n = json_object_get(a, "session_number");
	return json_is_integer(n) ? (long long)json_integer_value(n) : 0;
}

/* ---- Rule 1: adults only ---- */

static void rule1_underage_until_the_eighteenth_birthday(void **state)
{
	(void)state;
	/* A 17-year-old who turns 18 in `in` days (never on a 29 February). */
	int in = 10;
	time_t b = fx_time(in, 12, 0);
	struct tm tm;
	localtime_r(&b, &tm);
	if (tm.tm_mon == 1 && tm.tm_mday == 29) {
		b = fx_time(++in, 12, 0);
		localtime_r(&b, &tm);
	}
	char dob[32];
	snprintf(dob, sizeof dob, "%04d-%02d-%02d", tm.tm_year + 1900 - 18, tm.tm_mon + 1,
		 tm.tm_mday);
	long long p = fx_screened(&S, t_desk, t_prac, "Mia", "Young", dob, "{\"conditions\":[]}");
	struct lane l = lane("r1");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	struct fx_booking t = fx_in_lane(l, p, plan, fx_time(in - 1, 10, 0));

	fx_expect_err(fx_book(&S, t_prac, &t), 409, "underage", NULL);
	/* No override reaches past the age rule. */
	t.override_reason = "parent present";
	fx_expect_err(fx_book(&S, t_admin, &t), 409, "underage", NULL);
	t.override_reason = NULL;

	/* A consultation the day before the birthday is fine. */
	booked(t_desk, &(struct fx_booking){.patient = p,
					    .practitioner = l.prac,
					    .room = l.room,
					    .start = fx_time(in - 1, 10, 0)});
	/* From the birthday on, treatment is allowed. */
	t.start = fx_time(in, 10, 0);
	struct resp *r = fx_book(&S, t_desk, &t);
	long long id = fx_expect_created(r);
	assert_int_equal(jint(r->json, "session_number"), 1);
	resp_free(r);
	/* Rescheduling checks the age again. */
	fx_expect_err(move(id, fx_time(in - 1, 14, 0), t_desk), 409, "underage", NULL);

	/* Today the patient is still 17. */
	char path[96];
	snprintf(path, sizeof path, V1 "/patients/%lld/bookable", p);
	r = req(&S, "GET", path, t_desk, NULL);
	assert_int_equal(r->status, 200);
	assert_false(json_is_true(json_object_get(r->json, "bookable")));
	assert_true(fx_has_str(json_object_get(r->json, "reasons"), "underage"));
	resp_free(r);
}

/* ---- Rule 2: contraindications ---- */

static void rule2_screening_required_for_treatment_only(void **state)
{
	(void)state;
	long long p = fx_patient(&S, t_desk, "Nora", "Unscreened", "1980-01-01");
	struct lane l = lane("r2a");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	fx_expect_err(fx_book(&S, t_prac,
			      &(struct fx_booking){.patient = p,
						   .practitioner = l.prac,
						   .room = l.room,
						   .plan = plan,
						   .start = fx_time(20, 10, 0)}),
		      409, "screening_required", NULL);
	struct resp *r = fx_book(
	    &S, t_desk,
	    &(struct fx_booking){
		.patient = p, .practitioner = l.prac, .room = l.room, .start = fx_time(20, 10, 0)});
	fx_expect_created(r);
	assert_string_equal(jstr(r->json, "kind"), "consultation");
	assert_true(json_is_null(json_object_get(r->json, "plan_id")));
	/* A consultation lasts 30 minutes unless told otherwise. */
	fx_expect_instant(r->json, "end", fx_time(20, 10, 30));
	resp_free(r);
	r = fx_book(&S, t_desk,
		    &(struct fx_booking){.patient = p,
					 .practitioner = l.prac,
					 .room = l.room,
					 .kind = "review",
					 .start = fx_time(21, 10, 0)});
	fx_expect_created(r);
	assert_string_equal(jstr(r->json, "kind"), "review");
	resp_free(r);

	char path[96];
	snprintf(path, sizeof path, V1 "/patients/%lld/bookable", p);
	r = req(&S, "GET", path, t_desk, NULL);
	assert_int_equal(r->status, 200);
	assert_false(json_is_true(json_object_get(r->json, "bookable")));
	assert_true(fx_has_str(json_object_get(r->json, "reasons"), "screening_required"));
	resp_free(r);
}

static void rule2_blocking_condition_and_what_the_desk_sees(void **state)
{
	(void)state;
	long long p = fx_screened(&S, t_desk, t_prac, "Rosa", "Blocked", "1979-06-01",
				  "{\"conditions\":[\"rosacea\"]}");
	struct lane l = lane("r2b");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	struct fx_booking t = fx_in_lane(l, p, plan, fx_time(25, 10, 0));

	/* A practitioner learns why. */
	struct resp *r = fx_book(&S, t_prac, &t);
	fx_expect_error(r, 409, "contraindicated");
	assert_true(fx_has_str(json_object_get(fx_details(r), "conditions"), "rosacea"));
	assert_int_equal(json_array_size(json_object_get(fx_details(r), "needs_clearance")), 0);
	resp_free(r);
	r = fx_book(&S, t_admin, &t);
	fx_expect_error(r, 409, "contraindicated");
	assert_true(fx_has_str(json_object_get(fx_details(r), "conditions"), "rosacea"));
	resp_free(r);
	/* No override reaches past a contraindication. */
	t.override_reason = "patient insists";
	fx_expect_err(fx_book(&S, t_prac, &t), 409, "contraindicated", NULL);
	fx_expect_err(fx_book(&S, t_admin, &t), 409, "contraindicated", NULL);
	t.override_reason = NULL;

	/* The front desk gets the same refusal without the diagnosis (rule 12). */
	r = fx_book(&S, t_desk, &t);
	fx_expect_error(r, 409, "contraindicated");
	json_t *conds = json_object_get(fx_details(r), "conditions");
	assert_true(json_is_array(conds));
	assert_int_equal(json_array_size(conds), 0);
	assert_true(json_is_true(json_object_get(fx_details(r), "restricted")));
	assert_null(strstr(r->body, "rosacea"));
	resp_free(r);

	/* Consultations are always allowed. */
	booked(t_desk, &(struct fx_booking){.patient = p,
					    .practitioner = l.prac,
					    .room = l.room,
					    .start = fx_time(25, 12, 0)});

	/* The latest screening counts: with rosacea resolved the patient is bookable again. */
	fx_screen(&S, t_prac, p, "{\"conditions\":[],\"resolved\":[\"rosacea\"]}");
	long long id = booked(t_desk, &t);

	/* A booked treatment cannot be moved while a new screening blocks it. */
	fx_screen(&S, t_prac, p, "{\"conditions\":[\"open_wound\"]}");
	r = move(id, fx_time(26, 10, 0), t_prac);
	fx_expect_error(r, 409, "contraindicated");
	assert_true(fx_has_str(json_object_get(fx_details(r), "conditions"), "open_wound"));
	resp_free(r);
}

static void rule2_clearance_needed_until_recorded(void **state)
{
	(void)state;
	long long p = fx_screened(&S, t_desk, t_prac, "Pia", "Expecting", "1990-02-02",
				  "{\"conditions\":[\"pregnant\"]}");
	struct lane l = lane("r2c");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	struct fx_booking t = fx_in_lane(l, p, plan, fx_time(26, 10, 0));

	struct resp *r = fx_book(&S, t_prac, &t);
	fx_expect_error(r, 409, "contraindicated");
	json_t *needs = json_object_get(fx_details(r), "needs_clearance");
	assert_int_equal(json_array_size(needs), 1);
	assert_true(fx_has_str(needs, "pregnant"));
	assert_int_equal(json_array_size(json_object_get(fx_details(r), "conditions")), 0);
	resp_free(r);
	r = fx_book(&S, t_desk, &t);
	fx_expect_error(r, 409, "contraindicated");
	assert_int_equal(json_array_size(json_object_get(fx_details(r), "needs_clearance")), 0);
	assert_true(json_is_true(json_object_get(fx_details(r), "restricted")));
	assert_null(strstr(r->body, "pregnant"));
	resp_free(r);
	char path[96];
	snprintf(path, sizeof path, V1 "/patients/%lld/bookable", p);
	r = req(&S, "GET", path, t_desk, NULL);
	assert_int_equal(r->status, 200);
	assert_false(json_is_true(json_object_get(r->json, "bookable")));
	assert_true(fx_has_str(json_object_get(r->json, "reasons"), "contraindicated"));
	assert_null(strstr(r->body, "pregnant"));
	resp_free(r);
	r = req(&S, "GET", path, t_prac, NULL);
	assert_true(fx_has_str(json_object_get(r->json, "needs_clearance"), "pregnant"));
	resp_free(r);

	/* A clearance covers only its own condition. */
	fx_screen(&S, t_prac, p,
		  "{\"conditions\":[\"pregnant\",\"breastfeeding\"],\"clearances\":[{\"condition\":"
		  "\"pregnant\",\"cleared_by\":\"Dr X\",\"note\":\"ok\"}]}");
	r = fx_book(&S, t_prac, &t);
	fx_expect_error(r, 409, "contraindicated");
	needs = json_object_get(fx_details(r), "needs_clearance");
	assert_int_equal(json_array_size(needs), 1);
	assert_true(fx_has_str(needs, "breastfeeding"));
	resp_free(r);

	fx_screen(&S, t_prac, p,
		  "{\"conditions\":[\"pregnant\"],\"resolved\":[\"breastfeeding\"],"
		  "\"clearances\":[{\"condition\":\"pregnant\",\"cleared_by\":\"Dr X\","
		  "\"note\":\"ok\"}]}");
	booked(t_prac, &t);
}

/* POST a screening for patient as prac; the answer is the caller's. */
static struct resp *screen(long long patient, const char *body)
{
	char path[96];
	snprintf(path, sizeof path, V1 "/patients/%lld/screenings", patient);
	return req(&S, "POST", path, t_prac, body);
}

/* Asserts a refusal of a screening that leaves out exactly the codes in want
 * (NULL-terminated) of the latest one, and frees r. */
static void expect_dropped(struct resp *r, const char *const *want)
{
	fx_expect_field(r, "conditions");
	json_t *dropped = json_object_get(fx_details(r), "dropped");
	size_t n = 0;
	while (want[n])
		n++;
	if (json_array_size(dropped) != n)
		print_message("dropped: %s\n", r->body);
	assert_int_equal(json_array_size(dropped), n);
	for (size_t i = 0; i < n; i++)
		assert_true(fx_has_str(dropped, want[i]));
	resp_free(r);
}

static bool is_bookable(long long patient)
{
	char path[96];
	snprintf(path, sizeof path, V1 "/patients/%lld/bookable", patient);
	struct resp *r = req(&S, "GET", path, t_prac, NULL);
	assert_int_equal(r->status, 200);
	bool yes = json_is_true(json_object_get(r->json, "bookable"));
	resp_free(r);
	return yes;
}

/* An unticked box never clears a condition: a new screening names each condition of the
 * latest one that it leaves out as resolved. */
static void rule2_a_new_screening_names_what_it_resolves(void **state)
{
	(void)state;
	long long p = fx_screened(&S, t_desk, t_prac, "Rhea", "Resolved", "1977-04-04",
				  "{\"conditions\":[\"rosacea\"]}");
	static const char *const rosacea[] = {"rosacea", NULL};
	expect_dropped(screen(p, "{\"conditions\":[]}"), rosacea);
	expect_dropped(screen(p, "{\"conditions\":[\"sunburn\"]}"), rosacea);
	expect_dropped(screen(p, "{\"conditions\":[],\"resolved\":[]}"), rosacea);
	char path[96];
	snprintf(path, sizeof path, V1 "/patients/%lld/screenings", p);
	static const struct fx_bad bad[] = {
	    /* Not in the latest screening, or still listed. */
	    FX_FIELD("{\"conditions\":[],\"resolved\":[\"rosacea\",\"sunburn\"]}", "resolved"),
	    FX_FIELD("{\"conditions\":[\"rosacea\"],\"resolved\":[\"rosacea\"]}", "resolved"),
	    FX_FIELD("{\"conditions\":[\"rosacea\"],\"resolved\":[\"open_wound\"]}", "resolved"),
	    /* Not a list of codes. */
	    FX_FIELD("{\"conditions\":[],\"resolved\":\"rosacea\"}", "resolved"),
	    FX_FIELD("{\"conditions\":[],\"resolved\":[7]}", "resolved"),
	    FX_FIELD("{\"conditions\":[],\"resolved\":null}", "conditions"),
	    FX_FIELD("{\"conditions\":[],\"resolved\":[\"rosacea\",\"rosacea\"]}", "resolved"),
	    FX_FIELD("{\"conditions\":[],\"resolved\":{\"rosacea\":true}}", "resolved"),
	};
	fx_expect_bad(&S, t_prac, "POST", path, FX_ROWS(bad));
	/* None of it was recorded: rosacea still blocks. */
	assert_int_equal(fx_total(&S, t_prac, path), 1);
	assert_false(is_bookable(p));

	struct resp *r = screen(p, "{\"conditions\":[],\"resolved\":[\"rosacea\"]}");
	fx_expect_created(r);
	assert_int_equal(json_array_size(json_object_get(r->json, "conditions")), 0);
	json_t *res = json_object_get(r->json, "resolved");
	assert_int_equal(json_array_size(res), 1);
	assert_true(fx_has_str(res, "rosacea"));
	long long sid = jint(r->json, "id");
	resp_free(r);
	assert_true(is_bookable(p));
	/* The trail names what was resolved. */
	char q[128];
	snprintf(q, sizeof q, V1 "/audit?entity=screening&entity_id=%lld", sid);
	r = req(&S, "GET", q, t_admin, NULL);
	assert_int_equal(r->status, 200);
	json_t *e = json_array_get(json_object_get(r->json, "items"), 0);
	assert_string_equal(jstr(e, "action"), "create");
	assert_non_null(strstr(jstr(e, "detail"), "rosacea"));
	resp_free(r);

	/* Every screening answers its resolved list, newest first. */
	r = req(&S, "GET", path, t_prac, NULL);
	assert_int_equal(r->status, 200);
	json_t *items = json_object_get(r->json, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_true(fx_has_str(json_object_get(json_array_get(items, 0), "resolved"), "rosacea"));
	json_t *first = json_object_get(json_array_get(items, 1), "resolved");
	assert_true(json_is_array(first));
	assert_int_equal(json_array_size(first), 0);
	resp_free(r);

	/* Nothing to resolve against a clean screening; adding conditions needs nothing. */
	r = screen(p, "{\"conditions\":[\"sunburn\"]}");
	fx_expect_created(r);
	assert_int_equal(json_array_size(json_object_get(r->json, "resolved")), 0);
	resp_free(r);
	fx_expect_status(screen(p, "{\"conditions\":[\"sunburn\",\"open_wound\"]}"), 201);
	static const char *const both[] = {"sunburn", "open_wound", NULL};
	expect_dropped(screen(p, "{\"conditions\":[]}"), both);
	fx_expect_status(screen(p, "{\"conditions\":[\"sunburn\"],\"resolved\":[\"open_wound\"]}"),
			 201);
}

/* A patient with rosacea and isotretinoin in the last year, screened again as pregnant
 * with a clearance and nothing else ticked, stays unbookable: the screening is refused
 * until each dropped condition is confirmed as resolved. */
static void rule2_dropping_conditions_never_makes_a_patient_bookable(void **state)
{
	(void)state;
	long long p = fx_screened(&S, t_desk, t_prac, "Isla", "Tretinoin", "1986-06-16",
				  "{\"conditions\":[\"rosacea\",\"isotretinoin_12mo\"]}");
	struct lane l = lane("r2e");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	struct fx_booking t = fx_in_lane(l, p, plan, fx_time(27, 10, 0));
	fx_expect_err(fx_book(&S, t_prac, &t), 409, "contraindicated", NULL);

#define PREGNANT_CLEARED                                                             \
	"\"conditions\":[\"pregnant\"],\"clearances\":[{\"condition\":\"pregnant\"," \
	"\"cleared_by\":\"Dr Obst\",\"note\":\"cleared\"}]"
	static const char *const both[] = {"rosacea", "isotretinoin_12mo", NULL};
	expect_dropped(screen(p, "{" PREGNANT_CLEARED "}"), both);
	/* Still as before: blocked for rosacea, with the isotretinoin caution. */
	assert_false(is_bookable(p));
	struct resp *r = fx_book(&S, t_prac, &t);
	fx_expect_error(r, 409, "contraindicated");
	assert_true(fx_has_str(json_object_get(fx_details(r), "conditions"), "rosacea"));
	resp_free(r);
	char path[96];
	snprintf(path, sizeof path, V1 "/patients/%lld/bookable", p);
	r = req(&S, "GET", path, t_prac, NULL);
	assert_true(fx_has_str(json_object_get(r->json, "cautions"), "isotretinoin_12mo"));
	resp_free(r);

	/* Resolving one of the two is not enough. */
	static const char *const iso[] = {"isotretinoin_12mo", NULL};
	expect_dropped(screen(p, "{" PREGNANT_CLEARED ",\"resolved\":[\"rosacea\"]}"), iso);
	assert_false(is_bookable(p));

	/* Each confirmed as resolved: the cleared pregnancy alone remains. */
	r = screen(p, "{" PREGNANT_CLEARED ",\"resolved\":[\"rosacea\",\"isotretinoin_12mo\"]}");
	fx_expect_created(r);
	assert_int_equal(json_array_size(json_object_get(r->json, "resolved")), 2);
	resp_free(r);
#undef PREGNANT_CLEARED
	assert_true(is_bookable(p));
	booked(t_prac, &t);
}

static void rule2_caution_books_with_a_warning(void **state)
{
	(void)state;
	long long p = fx_screened(&S, t_desk, t_prac, "Sunny", "Burns", "1988-08-08",
				  "{\"conditions\":[\"sunburn\"]}");
	struct lane l = lane("r2d");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);

	struct resp *r = fx_book(&S, t_prac,
				 &(struct fx_booking){.patient = p,
						      .practitioner = l.prac,
						      .room = l.room,
						      .plan = plan,
						      .start = fx_time(30, 10, 0)});
	fx_expect_created(r);
	json_t *w = fx_warning(r, "caution");
	assert_non_null(w);
	json_t *conds = json_object_get(w, "conditions");
	assert_int_equal(json_array_size(conds), 1);
	assert_true(fx_has_str(conds, "sunburn"));
	resp_free(r);

	/* The front desk is told to take care, not what the condition is. */
	r = fx_book(&S, t_desk,
		    &(struct fx_booking){.patient = p,
					 .practitioner = l.prac,
					 .room = l.room,
					 .plan = plan,
					 .start = fx_time(58, 10, 0)});
	fx_expect_created(r);
	w = fx_warning(r, "caution");
	assert_non_null(w);
	assert_int_equal(json_array_size(json_object_get(w, "conditions")), 0);
	assert_true(json_is_true(json_object_get(w, "restricted")));
	assert_null(strstr(r->body, "sunburn"));
	resp_free(r);

	/* Every booking shows the cautions (RULES.md rule 20), a consultation too. */
	r = fx_book(
	    &S, t_prac,
	    &(struct fx_booking){
		.patient = p, .practitioner = l.prac, .room = l.room, .start = fx_time(29, 10, 0)});
	fx_expect_created(r);
	w = fx_warning(r, "caution");
	assert_non_null(w);
	assert_true(fx_has_str(json_object_get(w, "conditions"), "sunburn"));
	resp_free(r);
}

static void rule2_bookable_for_every_role(void **state)
{
	(void)state;
	long long clean = adult("Clara", "Clean");
	long long ros = fx_patient(&S, t_desk, "Ross", "Acea", "1970-07-07");
	fx_screen(&S, t_prac, ros, "{\"conditions\":[\"rosacea\"]}");
	long long sun = fx_patient(&S, t_desk, "Sol", "Caution", "1975-05-05");
	fx_screen(&S, t_prac, sun, "{\"conditions\":[\"sunburn\"]}");
	const char *tokens[] = {t_admin, t_prac, t_desk};
	for (int i = 0; i < 3; i++) {
		bool desk = tokens[i] == t_desk;
		char path[96];
		snprintf(path, sizeof path, V1 "/patients/%lld/bookable", clean);
		int reads = fx_audit_count(&S, t_admin, "patient", clean, "read");
		struct resp *r = req(&S, "GET", path, tokens[i], NULL);
		assert_int_equal(r->status, 200);
		assert_true(json_is_true(json_object_get(r->json, "bookable")));
		assert_int_equal(json_array_size(json_object_get(r->json, "reasons")), 0);
		assert_int_equal(json_array_size(json_object_get(r->json, "cautions")), 0);
		resp_free(r);
		/* Derived from the screening: a clinical read, whoever asks, the desk too. */
		assert_int_equal(fx_expect_newest_event(&S, t_admin, "patient", "read", "bookable"),
				 clean);
		assert_int_equal(fx_audit_count(&S, t_admin, "patient", clean, "read"), reads + 1);

		snprintf(path, sizeof path, V1 "/patients/%lld/bookable", ros);
		r = req(&S, "GET", path, tokens[i], NULL);
		assert_int_equal(r->status, 200);
		assert_false(json_is_true(json_object_get(r->json, "bookable")));
		assert_true(fx_has_str(json_object_get(r->json, "reasons"), "contraindicated"));
		assert_true(json_is_array(json_object_get(r->json, "cautions")));
		if (desk)
			assert_null(strstr(r->body, "rosacea"));
		else
			assert_true(fx_has_str(json_object_get(r->json, "conditions"), "rosacea"));
		resp_free(r);

		snprintf(path, sizeof path, V1 "/patients/%lld/bookable", sun);
		r = req(&S, "GET", path, tokens[i], NULL);
		assert_int_equal(r->status, 200);
		assert_true(json_is_true(json_object_get(r->json, "bookable")));
		assert_int_equal(json_array_size(json_object_get(r->json, "reasons")), 0);
		json_t *cautions = json_object_get(r->json, "cautions");
		if (desk) {
			assert_int_equal(json_array_size(cautions), 0);
			assert_null(strstr(r->body, "sunburn"));
		} else {
			assert_true(fx_has_str(cautions, "sunburn"));
		}
		resp_free(r);
	}
}

static void rule12_front_desk_cannot_read_screenings_or_consents(void **state)
{
	(void)state;
	long long p = adult("Dana", "Private");
	char scr[96], con[96];
	snprintf(scr, sizeof scr, V1 "/patients/%lld/screenings", p);
	snprintf(con, sizeof con, V1 "/patients/%lld/consents", p);
	fx_expect_err(req(&S, "GET", scr, t_desk, NULL), 403, "forbidden", NULL);
	fx_expect_err(req(&S, "POST", scr, t_desk, "{\"conditions\":[]}"), 403, "forbidden", NULL);
	fx_expect_err(req(&S, "GET", con, t_desk, NULL), 403, "forbidden", NULL);
	fx_expect_err(
	    req(&S, "POST", con, t_desk,
		"{\"treatment_type\":\"MN\",\"form_version\":\"1\",\"signed_name\":\"D\"}"),
	    403, "forbidden", NULL);

	/* Nothing was recorded by the refused writes. */
	struct resp *r = req(&S, "GET", scr, t_admin, NULL);
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "total"), 1);
	resp_free(r);
	r = req(&S, "GET", con, t_prac, NULL);
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "total"), 1);
	resp_free(r);
}

/* ---- Rule 3: spacing ---- */

static void rule3_spacing_minimum_and_earliest_date(void **state)
{
	(void)state;
	long long p = adult("Sam", "Spacing");
	struct lane l = lane("r3a");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	int d = 30;
	struct fx_booking t = fx_in_lane(l, p, plan, fx_time(d, 10, 0));
	/* A treatment lasts the treatment type's 60 minutes unless told otherwise. */
	struct resp *r = fx_book(&S, t_desk, &t);
	long long s1 = fx_expect_created(r);
	fx_expect_instant(r->json, "end", fx_time(d, 11, 0));
	char loc[128], want[128];
	snprintf(want, sizeof want, "/api/v1/appointments/%lld", s1);
	assert_non_null(resp_header(r, "Location", loc, sizeof loc));
	assert_string_equal(loc, want);
	resp_free(r);

	t.start = fx_time(d + 27, 10, 0);
	r = fx_book(&S, t_desk, &t);
	fx_expect_error(r, 409, "spacing_too_short");
	fx_expect_date(fx_details(r), "earliest", d + 28);
	resp_free(r);

	/* Day 28 counts in calendar days: an earlier hour than session 1 is fine. */
	t.start = fx_time(d + 28, 9, 0);
	r = fx_book(&S, t_desk, &t);
	fx_expect_created(r);
	assert_int_equal(jint(r->json, "session_number"), 2);
	assert_null(fx_warning(r, "spacing_beyond_max"));
	resp_free(r);
}

/* The offset east of UTC at t, in seconds. */
static long zone_offset(time_t t)
{
	struct tm tm;
	localtime_r(&t, &tm);
	return tm.tm_gmtoff;
}

static void rule3_calendar_days_across_a_dst_change(void **state)
{
	(void)state;
	/* The first local day after today+2 whose noon has another UTC offset. */
	int change = 0;
	for (int k = 3; k < 400 && !change; k++)
		if (zone_offset(fx_time(k, 12, 0)) != zone_offset(fx_time(k - 1, 12, 0)))
			change = k;
	assert_true(change > 0);
	int d = change - 14 >= 2 ? change - 14 : change - 1;
	long long p = adult("Dee", "Esstee");
	struct lane l = lane("r3b");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	struct fx_booking t = fx_in_lane(l, p, plan, fx_time(d, 23, 0));
	struct resp *r = fx_book(&S, t_desk, &t);
	fx_expect_created(r);
	fx_expect_instant(r->json, "start", t.start);
	char first_start[40];
	snprintf(first_start, sizeof first_start, "%s", jstr(r->json, "start"));
	resp_free(r);

	/* The window is in local dates, whatever the clock did in between. */
	char path[96];
	snprintf(path, sizeof path, V1 "/plans/%lld", plan);
	r = req(&S, "GET", path, t_desk, NULL);
	assert_int_equal(r->status, 200);
	json_t *win = json_object_get(json_object_get(r->json, "progress"), "next_window");
	fx_expect_date(win, "from", d + 28);
	fx_expect_date(win, "to", d + 42);
	resp_free(r);

	t.start = fx_time(d + 27, 23, 30);
	r = fx_book(&S, t_desk, &t);
	fx_expect_error(r, 409, "spacing_too_short");
	fx_expect_date(fx_details(r), "earliest", d + 28);
	resp_free(r);

	/* 23:00 to 08:00 on the 28th day is fewer than 28 x 24 hours, and allowed. */
	t.start = fx_time(d + 28, 8, 0);
	r = fx_book(&S, t_desk, &t);
	fx_expect_created(r);
	fx_expect_instant(r->json, "start", t.start);
	/* The span crosses the change: the two starts carry different offsets. */
	assert_string_not_equal(first_start + 19, jstr(r->json, "start") + 19);
	resp_free(r);
}

static void rule3_beyond_max_is_a_warning(void **state)
{
	(void)state;
	long long p = adult("Lena", "Late");
	struct lane l = lane("r3c");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	int d = 35;
	struct fx_booking t = fx_in_lane(l, p, plan, fx_time(d, 10, 0));
	booked(t_desk, &t);
	t.start = fx_time(d + 43, 10, 0);
	struct resp *r = fx_book(&S, t_desk, &t);
	fx_expect_created(r);
	json_t *w = fx_warning(r, "spacing_beyond_max");
	assert_non_null(w);
	fx_expect_date(w, "latest", d + 42);
	resp_free(r);

	/* Exactly max days is not beyond it. */
	long long plan2 = fx_plan(&S, t_prac, p, l.prac, 3);
	t.plan = plan2;
	t.start = fx_time(d + 100, 10, 0);
	booked(t_desk, &t);
	t.start = fx_time(d + 142, 10, 0);
	r = fx_book(&S, t_desk, &t);
	fx_expect_created(r);
	assert_null(fx_warning(r, "spacing_beyond_max"));
	resp_free(r);
}

static void rule3_override_by_practitioner_and_admin(void **state)
{
	(void)state;
	long long p = adult("Otto", "Override");
	struct lane l = lane("r3d");
	int d = 40;
	const char *who[] = {t_prac, t_admin};
	const char *why[] = {"patient travels abroad", "clinical judgement"};
	for (int i = 0; i < 2; i++) {
		long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
		int base = d + 100 * i;
		struct fx_booking t = fx_in_lane(l, p, plan, fx_time(base, 10, 0));
		booked(t_desk, &t);
		t.start = fx_time(base + 20, 10, 0);
		t.override_reason = why[i];
		struct resp *r = fx_book(&S, who[i], &t);
		long long id = fx_expect_created(r);
		assert_string_equal(jstr(r->json, "override_reason"), why[i]);
		assert_int_equal(jint(r->json, "session_number"), 2);
		resp_free(r);

		r = get_appt(id);
		assert_int_equal(r->status, 200);
		assert_string_equal(jstr(r->json, "override_reason"), why[i]);
		resp_free(r);
		assert_int_equal(fx_audit_count(&S, t_admin, "appointment", id, "override"), 1);
		assert_int_equal(fx_audit_count(&S, t_admin, "appointment", id, "create"), 1);
	}
}

static void rule3_override_refused_for_desk_and_empty_reason(void **state)
{
	(void)state;
	long long p = adult("Fay", "Frontdesk");
	struct lane l = lane("r3e");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	int d = 45;
	struct fx_booking t = fx_in_lane(l, p, plan, fx_time(d, 10, 0));
	booked(t_desk, &t);
	t.start = fx_time(d + 20, 10, 0);
	t.override_reason = "the patient asked nicely";
	struct resp *r = fx_book(&S, t_desk, &t);
	fx_expect_error(r, 409, "spacing_too_short");
	fx_expect_date(fx_details(r), "earliest", d + 28);
	resp_free(r);
	t.override_reason = "";
	fx_expect_err(fx_book(&S, t_prac, &t), 409, "spacing_too_short", NULL);
	fx_expect_err(fx_book(&S, t_admin, &t), 409, "spacing_too_short", NULL);

	r = plan_appts(plan);
	assert_int_equal(jint(r->json, "total"), 1);
	resp_free(r);
}

static void rule3_cancelled_and_no_show_sessions_do_not_count(void **state)
{
	(void)state;
	long long p = adult("Cora", "Cancel");
	struct lane l = lane("r3f");
	int d = 50;

	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	struct fx_booking t = fx_in_lane(l, p, plan, fx_time(d, 10, 0));
	long long first = booked(t_desk, &t);
	t.start = fx_time(d + 5, 10, 0);
	fx_expect_err(fx_book(&S, t_desk, &t), 409, "spacing_too_short", NULL);
	fx_expect_status(act(first, "cancel", t_desk), 200);
	struct resp *r = fx_book(&S, t_desk, &t);
	fx_expect_created(r);
	assert_int_equal(jint(r->json, "session_number"), 1);
	resp_free(r);

	/* A session a few minutes ago; the server takes bookings from the start of today. */
	long long plan2 = fx_plan(&S, t_prac, p, l.prac, 3);
	time_t earlier = fx_earlier_today(600);
	long long past = booked(t_admin, &(struct fx_booking){.patient = p,
							      .practitioner = l.prac,
							      .room = l.room,
							      .plan = plan2,
							      .start = earlier,
							      .end = earlier + 300,
							      .override_reason = "recorded late"});
	struct fx_booking next = fx_in_lane(l, p, plan2, fx_time(5, 10, 0));
	fx_expect_err(fx_book(&S, t_desk, &next), 409, "spacing_too_short", NULL);
	r = act(past, "no-show", t_desk);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "status"), "no_show");
	resp_free(r);
	r = fx_book(&S, t_desk, &next);
	fx_expect_created(r);
	assert_int_equal(jint(r->json, "session_number"), 1);
	resp_free(r);
}

static void rule3_reschedule_rechecks_both_neighbours(void **state)
{
	(void)state;
	long long p = adult("Reese", "Schedule");
	struct lane l = lane("r3g");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	int d = 60;
	struct fx_booking t = fx_in_lane(l, p, plan, fx_time(d, 10, 0));
	long long s1 = booked(t_desk, &t);
	t.start = fx_time(d + 30, 10, 0);
	long long s2 = booked(t_desk, &t);

	/* Session 2 moved too close to session 1. */
	struct resp *r = move(s2, fx_time(d + 20, 10, 0), t_desk);
	fx_expect_error(r, 409, "spacing_too_short");
	fx_expect_date(fx_details(r), "earliest", d + 28);
	resp_free(r);
	r = get_appt(s2);
	fx_expect_instant(r->json, "start", fx_time(d + 30, 10, 0));
	resp_free(r);

	/* Session 1 moved so that session 2 would follow too soon. */
	fx_expect_err(move(s1, fx_time(d + 5, 10, 0), t_desk), 409, "spacing_too_short", NULL);
	r = get_appt(s1);
	fx_expect_instant(r->json, "start", fx_time(d, 10, 0));
	resp_free(r);

	/* Moves that keep 28 days both ways are fine. */
	r = move(s1, fx_time(d - 2, 10, 0), t_desk);
	assert_int_equal(r->status, 200);
	fx_expect_instant(r->json, "start", fx_time(d - 2, 10, 0));
	resp_free(r);
	r = move(s2, fx_time(d + 26, 10, 0), t_desk);
	assert_int_equal(r->status, 200);
	fx_expect_instant(r->json, "start", fx_time(d + 26, 10, 0));
	resp_free(r);
	assert_int_equal(fx_audit_count(&S, t_admin, "appointment", s2, "reschedule"), 1);

	/* A move that breaks spacing needs a clinician's reason, like a booking. */
	char path[96], when[32];
	snprintf(path, sizeof path, V1 "/appointments/%lld", s2);
	fx_instant(fx_time(d + 10, 10, 0), when);
	fx_expect_err(reqj(&S, "PATCH", path, t_desk,
			   json_pack("{s:s, s:s}", "start", when, "override_reason", "asked")),
		      409, "spacing_too_short", NULL);
	r = reqj(&S, "PATCH", path, t_prac,
		 json_pack("{s:s, s:s}", "start", when, "override_reason", "wound check"));
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "override_reason"), "wound check");
	resp_free(r);
	assert_int_equal(fx_audit_count(&S, t_admin, "appointment", s2, "override"), 1);
}

/* ---- Rule 4: series size and plan status ---- */

static void rule4_plan_full_until_a_session_is_cancelled(void **state)
{
	(void)state;
	long long p = adult("Phil", "Full");
	struct lane l = lane("r4a");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 2);
	int d = 70;
	struct fx_booking t = fx_in_lane(l, p, plan, fx_time(d, 10, 0));
	booked(t_desk, &t);
	t.start = fx_time(d + 28, 10, 0);
	long long s2 = booked(t_desk, &t);
	t.start = fx_time(d + 56, 10, 0);
	fx_expect_err(fx_book(&S, t_desk, &t), 409, "plan_full", NULL);
	/* An override does not make room either. */
	t.override_reason = "one more";
	fx_expect_err(fx_book(&S, t_admin, &t), 409, "plan_full", NULL);
	t.override_reason = NULL;

	fx_expect_status(act(s2, "cancel", t_desk), 200);
	t.start = fx_time(d + 30, 10, 0);
	struct resp *r = fx_book(&S, t_desk, &t);
	long long s3 = fx_expect_created(r);
	assert_int_equal(jint(r->json, "session_number"), 2);
	resp_free(r);
	/* The plan is full again, yet its own sessions can still move. */
	t.start = fx_time(d + 60, 10, 0);
	fx_expect_err(fx_book(&S, t_desk, &t), 409, "plan_full", NULL);
	fx_expect_status(move(s3, fx_time(d + 31, 10, 0), t_desk), 200);
}

static void rule4_plan_not_active(void **state)
{
	(void)state;
	long long p = adult("Holly", "Hold");
	struct lane l = lane("r4b");
	int d = 75;
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	struct fx_booking t = fx_in_lane(l, p, plan, fx_time(d, 10, 0));

	/* The front desk cannot change a plan. */
	char path[96];
	snprintf(path, sizeof path, V1 "/plans/%lld", plan);
	fx_expect_err(req(&S, "PATCH", path, t_desk, "{\"status\":\"on_hold\"}"), 403, "forbidden",
		      NULL);

	struct resp *r = patch_plan(plan, "on_hold");
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "status"), "on_hold");
	resp_free(r);
	fx_expect_err(fx_book(&S, t_desk, &t), 409, "plan_not_active", NULL);
	fx_expect_status(patch_plan(plan, "active"), 200);
	booked(t_desk, &t);

	const char *ends[] = {"cancelled", "completed"};
	for (int i = 0; i < 2; i++) {
		long long other = fx_plan(&S, t_prac, p, l.prac, 3);
		r = patch_plan(other, ends[i]);
		assert_int_equal(r->status, 200);
		assert_string_equal(jstr(r->json, "status"), ends[i]);
		resp_free(r);
		t.plan = other;
		t.start = fx_time(d + 100 + 10 * i, 10, 0);
		fx_expect_err(fx_book(&S, t_prac, &t), 409, "plan_not_active", NULL);
	}
}

static void rule4_session_numbers_follow_start_order(void **state)
{
	(void)state;
	long long p = adult("Nick", "Numbers");
	struct lane l = lane("r4c");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	int d = 80;
	struct fx_booking t = fx_in_lane(l, p, plan, fx_time(d + 28, 10, 0));
	struct resp *r = fx_book(&S, t_desk, &t);
	long long a = fx_expect_created(r);
	assert_int_equal(jint(r->json, "session_number"), 1);
	resp_free(r);

	/* An earlier session takes number 1 and pushes the other to 2. */
	t.start = fx_time(d, 10, 0);
	r = fx_book(&S, t_desk, &t);
	long long b = fx_expect_created(r);
	assert_int_equal(jint(r->json, "session_number"), 1);
	resp_free(r);
	r = get_appt(a);
	assert_int_equal(jint(r->json, "session_number"), 2);
	resp_free(r);
	t.start = fx_time(d + 56, 10, 0);
	long long c = booked(t_desk, &t);

	r = plan_appts(plan);
	assert_int_equal(session_of(r, b), 1);
	assert_int_equal(session_of(r, a), 2);
	assert_int_equal(session_of(r, c), 3);
	resp_free(r);

	/* Cancelling renumbers; the cancelled one has no number. */
	fx_expect_status(act(b, "cancel", t_desk), 200);
	r = plan_appts(plan);
	assert_int_equal(session_of(r, a), 1);
	assert_int_equal(session_of(r, c), 2);
	assert_int_equal(session_of(r, b), 0);
	resp_free(r);

	/* Moving a session past another swaps their numbers. */
	r = move(a, fx_time(d + 84, 10, 0), t_desk);
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "session_number"), 2);
	resp_free(r);
	r = plan_appts(plan);
	assert_int_equal(session_of(r, c), 1);
	assert_int_equal(session_of(r, a), 2);
	resp_free(r);
}

static void rule4_plan_progress_and_next_window(void **state)
{
	(void)state;
	long long p = adult("Greta", "Progress");
	struct lane l = lane("r4d");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 2);
	char path[96];
	snprintf(path, sizeof path, V1 "/plans/%lld", plan);
	int d = 85;

	struct resp *r = req(&S, "GET", path, t_desk, NULL);
	assert_int_equal(r->status, 200);
	json_t *prog = json_object_get(r->json, "progress");
	assert_int_equal(jint(prog, "planned"), 2);
	assert_int_equal(jint(prog, "booked"), 0);
	assert_int_equal(jint(prog, "completed"), 0);
	assert_true(json_is_null(json_object_get(prog, "next_window")));
	resp_free(r);

	struct fx_booking t = fx_in_lane(l, p, plan, fx_time(d, 10, 0));
	booked(t_desk, &t);
	r = req(&S, "GET", path, t_desk, NULL);
	prog = json_object_get(r->json, "progress");
	assert_int_equal(jint(prog, "booked"), 1);
	assert_int_equal(jint(prog, "completed"), 0);
	json_t *win = json_object_get(prog, "next_window");
	assert_true(json_is_object(win));
	fx_expect_date(win, "from", d + 28);
	fx_expect_date(win, "to", d + 42);
	resp_free(r);

	t.start = fx_time(d + 30, 10, 0);
	booked(t_desk, &t);
	r = req(&S, "GET", path, t_desk, NULL);
	prog = json_object_get(r->json, "progress");
	assert_int_equal(jint(prog, "booked"), 2);
	assert_true(json_is_null(json_object_get(prog, "next_window")));
	resp_free(r);
}

/* Rule 11: each read of a plan appends one audit event before it is answered; a plan that
 * does not exist is not read, and leaves none. */
static void rule11_plan_reads_are_audited(void **state)
{
	(void)state;
	long long p = adult("Ada", "Audited");
	struct lane l = lane("r11");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	char path[96];
	snprintf(path, sizeof path, V1 "/plans/%lld", plan);
	/* Found under the plan's patient, naming the plan. */
	char what[64];
	snprintf(what, sizeof what, "plan %lld", plan);
	int before = fx_audit_count_detail(&S, t_admin, "patient", p, "read", what);
	assert_true(before >= 0);
	for (int i = 0; i < 3; i++) {
		struct resp *r = req(&S, "GET", path, i == 1 ? t_prac : t_desk, NULL);
		assert_int_equal(r->status, 200);
		assert_int_equal(jint(r->json, "id"), plan);
		resp_free(r);
		assert_int_equal(fx_audit_count_detail(&S, t_admin, "patient", p, "read", what),
				 before + i + 1);
	}
	int all = fx_audit_count(&S, t_admin, "patient", p, "read");
	long long missing = plan + 100000;
	snprintf(path, sizeof path, V1 "/plans/%lld", missing);
	fx_expect_err(req(&S, "GET", path, t_desk, NULL), 404, "not_found", NULL);
	assert_int_equal(fx_audit_count(&S, t_admin, "patient", p, "read"), all);
	snprintf(what, sizeof what, "plan %lld", missing);
	assert_int_equal(fx_audit_count_detail(&S, t_admin, "patient", 0, "read", what), 0);
}

/* ---- Rule 5: no double booking ---- */

static void rule5_conflicts_for_practitioner_room_and_patient(void **state)
{
	(void)state;
	struct lane l1 = lane("r5a"), l2 = lane("r5b");
	long long x = adult("Xavier", "One"), y = adult("Yara", "Two"), z = adult("Zoe", "Three");
	long long r3 = fx_room(&S, t_admin, "Room r5c");
	int d = 90;
	long long first = booked(t_desk, &(struct fx_booking){.patient = x,
							      .practitioner = l1.prac,
							      .room = l1.room,
							      .start = fx_time(d, 10, 0),
							      .end = fx_time(d, 11, 0)});
	struct {
		long long patient, prac, room;
		const char *with;
	} clashes[] = {
	    {y, l1.prac, l2.room, "practitioner"},
	    {y, l2.prac, l1.room, "room"},
	    {x, l2.prac, r3, "patient"},
	};
	for (size_t i = 0; i < sizeof clashes / sizeof clashes[0]; i++) {
		struct resp *r = fx_book(&S, t_desk,
					 &(struct fx_booking){.patient = clashes[i].patient,
							      .practitioner = clashes[i].prac,
							      .room = clashes[i].room,
							      .start = fx_time(d, 10, 30),
							      .end = fx_time(d, 11, 30)});
		fx_expect_error(r, 409, "conflict");
		assert_int_equal(jint(fx_details(r), "appointment_id"), first);
		assert_string_equal(jstr(fx_details(r), "with"), clashes[i].with);
		resp_free(r);
	}

	/* Back to back on both sides is fine. */
	booked(t_desk, &(struct fx_booking){.patient = y,
					    .practitioner = l1.prac,
					    .room = l1.room,
					    .start = fx_time(d, 11, 0),
					    .end = fx_time(d, 11, 30)});
	booked(t_desk, &(struct fx_booking){.patient = y,
					    .practitioner = l1.prac,
					    .room = l1.room,
					    .start = fx_time(d, 9, 30),
					    .end = fx_time(d, 10, 0)});

	/* A cancelled appointment holds no time. */
	fx_expect_status(act(first, "cancel", t_desk), 200);
	long long zid = booked(t_desk, &(struct fx_booking){.patient = z,
							    .practitioner = l1.prac,
							    .room = l1.room,
							    .start = fx_time(d, 10, 0),
							    .end = fx_time(d, 11, 0)});

	/* Moving onto another appointment conflicts; within its own old time it does not. */
	long long yid = booked(t_desk, &(struct fx_booking){.patient = y,
							    .practitioner = l2.prac,
							    .room = l2.room,
							    .start = fx_time(d, 15, 0),
							    .end = fx_time(d, 15, 30)});
	char path[96], from[32], to[32];
	snprintf(path, sizeof path, V1 "/appointments/%lld", yid);
	fx_instant(fx_time(d, 10, 30), from);
	fx_instant(fx_time(d, 10, 45), to);
	struct resp *r =
	    reqj(&S, "PATCH", path, t_desk,
		 json_pack("{s:s, s:s, s:I, s:I}", "start", from, "end", to, "practitioner_id",
			   (json_int_t)l1.prac, "room_id", (json_int_t)l2.room));
	fx_expect_error(r, 409, "conflict");
	assert_int_equal(jint(fx_details(r), "appointment_id"), zid);
	resp_free(r);
	snprintf(path, sizeof path, V1 "/appointments/%lld", zid);
	fx_instant(fx_time(d, 10, 10), from);
	fx_instant(fx_time(d, 10, 50), to);
	r = reqj(&S, "PATCH", path, t_desk, json_pack("{s:s, s:s}", "start", from, "end", to));
	assert_int_equal(r->status, 200);
	fx_expect_instant(r->json, "end", fx_time(d, 10, 50));
	resp_free(r);
}

struct racer {
	char *body;
	long status;
	char code[40];
};

static pthread_barrier_t race_gate;

static void *race(void *arg)
{
	struct racer *me = arg;
	pthread_barrier_wait(&race_gate);
	struct resp *r = req(&S, "POST", V1 "/appointments", t_desk, me->body);
	me->status = r->status;
	snprintf(me->code, sizeof me->code, "%s", resp_error(r));
	resp_free(r);
	return NULL;
}

static void rule5_concurrent_bookings_for_one_slot(void **state)
{
	(void)state;
	struct lane l = lane("r5race");
	int d = 95;
	char start[32];
	fx_instant(fx_time(d, 14, 0), start);
	struct racer racers[RACERS];
	pthread_t threads[RACERS];
	for (int i = 0; i < RACERS; i++) {
		char last[32];
		snprintf(last, sizeof last, "Racer%d", i);
		long long p = fx_patient(&S, t_desk, "Rae", last, "1982-04-04");
		json_t *b = json_pack("{s:I, s:s, s:I, s:I, s:s}", "patient_id", (json_int_t)p,
				      "kind", "consultation", "practitioner_id", (json_int_t)l.prac,
				      "room_id", (json_int_t)l.room, "start", start);
		racers[i].body = json_dumps(b, JSON_COMPACT);
		json_decref(b);
		racers[i].status = 0;
		racers[i].code[0] = '\0';
	}
	assert_int_equal(pthread_barrier_init(&race_gate, NULL, RACERS), 0);
	for (int i = 0; i < RACERS; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, race, &racers[i]), 0);
	for (int i = 0; i < RACERS; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&race_gate);
	int created = 0, conflicts = 0;
	for (int i = 0; i < RACERS; i++) {
		if (racers[i].status == 201)
			created++;
		else if (racers[i].status == 409 && strcmp(racers[i].code, "conflict") == 0)
			conflicts++;
		else
			print_message("racer %d: %ld %s\n", i, racers[i].status, racers[i].code);
		free(racers[i].body);
	}
	assert_int_equal(created, 1);
	assert_int_equal(conflicts, RACERS - 1);

	char path[128], day[11];
	fx_day(d, day);
	snprintf(path, sizeof path, V1 "/appointments?date=%s&practitioner_id=%lld", day, l.prac);
	struct resp *r = req(&S, "GET", path, t_desk, NULL);
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "total"), 1);
	resp_free(r);
}

/* ---- Rule 6: working hours ---- */

static void rule6_outside_hours_time_off_and_admin_override(void **state)
{
	(void)state;
	/* prac2 works Monday to Friday, 09:00-17:00; find a Monday a week or more away. */
	int mon = 0;
	for (int k = 7; k < 14 && !mon; k++) {
		time_t t = fx_time(k, 12, 0);
		struct tm tm;
		localtime_r(&t, &tm);
		if (tm.tm_wday == 1)
			mon = k;
	}
	assert_true(mon > 0);
	long long p = adult("Hank", "Hours");
	struct fx_booking t = {
	    .patient = p, .practitioner = u_prac2, .room = room_a, .start = fx_time(mon, 10, 0)};
	long long inside = booked(t_desk, &t);
	fx_expect_err(move(inside, fx_time(mon, 17, 0), t_desk), 409, "outside_hours", NULL);

	t.start = fx_time(mon, 18, 0);
	struct resp *r = fx_book(&S, t_desk, &t);
	fx_expect_error(r, 409, "outside_hours");
	assert_int_equal(jint(fx_details(r), "practitioner_id"), u_prac2);
	resp_free(r);
	/* Past the end of the day, and on a Saturday. */
	t.start = fx_time(mon, 16, 45);
	t.end = fx_time(mon, 17, 15);
	fx_expect_err(fx_book(&S, t_desk, &t), 409, "outside_hours", NULL);
	t.start = fx_time(mon + 5, 10, 0);
	t.end = 0;
	fx_expect_err(fx_book(&S, t_desk, &t), 409, "outside_hours", NULL);

	/* Time off on Tuesday. */
	char path[96], from[32], to[32];
	snprintf(path, sizeof path, V1 "/practitioners/%lld/time-off", u_prac2);
	fx_instant(fx_time(mon + 1, 0, 0), from);
	fx_instant(fx_time(mon + 2, 0, 0), to);
	fx_expect_status(
	    reqj(&S, "POST", path, t_admin,
		 json_pack("{s:s, s:s, s:s}", "start", from, "end", to, "reason", "training")),
	    201);
	t.start = fx_time(mon + 1, 10, 0);
	fx_expect_err(fx_book(&S, t_desk, &t), 409, "outside_hours", NULL);

	/* Only an admin overrides working hours, and only with a reason. */
	fx_expect_err(fx_book(&S, t_admin, &t), 409, "outside_hours", NULL);
	t.override_reason = "";
	fx_expect_err(fx_book(&S, t_admin, &t), 409, "outside_hours", NULL);
	t.override_reason = "urgent review";
	fx_expect_err(fx_book(&S, t_prac, &t), 409, "outside_hours", NULL);
	fx_expect_err(fx_book(&S, t_desk, &t), 409, "outside_hours", NULL);
	r = fx_book(&S, t_admin, &t);
	long long id = fx_expect_created(r);
	assert_string_equal(jstr(r->json, "override_reason"), "urgent review");
	resp_free(r);
	assert_int_equal(fx_audit_count(&S, t_admin, "appointment", id, "override"), 1);

	t.start = fx_time(mon, 18, 0);
	id = booked(t_admin, &t);
	assert_int_equal(fx_audit_count(&S, t_admin, "appointment", id, "override"), 1);
}

/* A week of hours for practitioner prac, given as [weekday, "HH:MM", "HH:MM"] rows. */
static void set_hours(long long prac, json_t *hours)
{
	char path[96];
	snprintf(path, sizeof path, V1 "/practitioners/%lld/availability", prac);
	fx_expect_status(reqj(&S, "PUT", path, t_admin, json_pack("{s:o}", "hours", hours)), 200);
}

static void rule6_touching_intervals_join_up(void **state)
{
	(void)state;
	/* Monday's hours are split at noon with no gap; Tuesday's have a lunch hour. */
	struct lane l = lane("r6split");
	set_hours(l.prac,
		  json_pack("[{s:i, s:s, s:s}, {s:i, s:s, s:s}, {s:i, s:s, s:s}, "
			    "{s:i, s:s, s:s}]",
			    "weekday", 1, "start", "09:00", "end", "12:00", "weekday", 1, "start",
			    "12:00", "end", "17:00", "weekday", 2, "start", "09:00", "end", "12:00",
			    "weekday", 2, "start", "13:00", "end", "17:00"));
	int mon = 0;
	for (int k = 7; k < 14 && !mon; k++) {
		time_t t = fx_time(k, 12, 0);
		struct tm tm;
		localtime_r(&t, &tm);
		if (tm.tm_wday == 1)
			mon = k;
	}
	long long p = adult("Ada", "Adjacent");
	struct fx_booking t = {.patient = p,
			       .practitioner = l.prac,
			       .room = l.room,
			       .start = fx_time(mon, 11, 30),
			       .end = fx_time(mon, 12, 30)};
	booked(t_desk, &t);
	t.start = fx_time(mon + 1, 11, 30);
	t.end = fx_time(mon + 1, 12, 30);
	fx_expect_err(fx_book(&S, t_desk, &t), 409, "outside_hours", NULL);
}

/* ---- Rule 7: status changes ---- */

static void rule7_status_flow(void **state)
{
	(void)state;
	long long p = adult("Stella", "Status");
	struct lane l = lane("r7a");
	int d = 100;
	long long c = booked(t_desk, &(struct fx_booking){.patient = p,
							  .practitioner = l.prac,
							  .room = l.room,
							  .start = fx_time(d, 10, 0)});
	struct resp *r = act(c, "check-in", t_desk);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "status"), "checked_in");
	resp_free(r);
	fx_expect_err(act(c, "check-in", t_desk), 409, "bad_transition", NULL);
	/* A checked-in appointment stays where it is. */
	fx_expect_err(move(c, fx_time(d, 12, 0), t_desk), 409, "bad_transition", NULL);
	r = act(c, "complete", t_prac);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "status"), "completed");
	resp_free(r);
	fx_expect_err(act(c, "cancel", t_desk), 409, "bad_transition", NULL);
	/* A completed appointment still holds its time (rule 5). */
	long long q = adult("Quentin", "Queue");
	r = fx_book(
	    &S, t_desk,
	    &(struct fx_booking){
		.patient = q, .practitioner = l.prac, .room = l.room, .start = fx_time(d, 10, 0)});
	fx_expect_error(r, 409, "conflict");
	assert_int_equal(jint(fx_details(r), "appointment_id"), c);
	resp_free(r);

	/* A consultation completes only after check-in. */
	long long c2 = booked(t_desk, &(struct fx_booking){.patient = p,
							   .practitioner = l.prac,
							   .room = l.room,
							   .start = fx_time(d, 14, 0)});
	fx_expect_err(act(c2, "complete", t_prac), 409, "bad_transition", NULL);

	/* A treatment completes by signing its session record, not by this call. */
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	long long tr = booked(t_desk, &(struct fx_booking){.patient = p,
							   .practitioner = l.prac,
							   .room = l.room,
							   .plan = plan,
							   .start = fx_time(d + 1, 10, 0)});
	fx_expect_status(act(tr, "check-in", t_desk), 200);
	fx_expect_err(act(tr, "complete", t_prac), 409, "bad_transition", NULL);
	r = get_appt(tr);
	assert_string_equal(jstr(r->json, "status"), "checked_in");
	resp_free(r);

	/* Cancelled is final. */
	long long x = booked(t_desk, &(struct fx_booking){.patient = p,
							  .practitioner = l.prac,
							  .room = l.room,
							  .start = fx_time(d + 2, 10, 0)});
	r = act(x, "cancel", t_desk);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "status"), "cancelled");
	resp_free(r);
	fx_expect_err(act(x, "check-in", t_desk), 409, "bad_transition", NULL);
	fx_expect_err(act(x, "cancel", t_desk), 409, "bad_transition", NULL);

	/* Nothing is deleted (rule 10). */
	char path[96];
	snprintf(path, sizeof path, V1 "/appointments/%lld", x);
	fx_expect_err(req(&S, "DELETE", path, t_admin, NULL), 405, "method_not_allowed", NULL);
	fx_expect_status(get_appt(x), 200);
}

static void rule7_late_cancel_within_24_hours(void **state)
{
	(void)state;
	long long p = adult("Lou", "Latecancel");
	struct lane l = lane("r7b");
	time_t now = time(NULL);
	/* Near-now times may cross midnight; the admin's override keeps the test about
	 * cancelling, not about working hours. */
	struct fx_booking t = {.patient = p,
			       .practitioner = l.prac,
			       .room = l.room,
			       .start = now + 23 * 3600,
			       .end = now + 23 * 3600 + 1800,
			       .override_reason = "fits the day"};
	long long soon = booked(t_admin, &t);
	t.start = now + 25 * 3600;
	t.end = t.start + 1800;
	long long later = booked(t_admin, &t);

	char path[96];
	snprintf(path, sizeof path, V1 "/appointments/%lld/cancel", soon);
	struct resp *r = req(&S, "POST", path, t_desk, "{\"reason\":\"ill\"}");
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "status"), "cancelled");
	assert_true(json_is_true(json_object_get(r->json, "late_cancel")));
	assert_string_equal(jstr(r->json, "cancel_reason"), "ill");
	resp_free(r);
	r = act(later, "cancel", t_desk);
	assert_int_equal(r->status, 200);
	assert_true(json_is_false(json_object_get(r->json, "late_cancel")));
	resp_free(r);
}

static void rule7_no_show_only_after_the_start(void **state)
{
	(void)state;
	long long p = adult("Nell", "Noshow");
	struct lane l = lane("r7c");
	/* Earlier today, where bookings may still go. */
	time_t earlier = fx_earlier_today(900);
	long long future = booked(t_desk, &(struct fx_booking){.patient = p,
							       .practitioner = l.prac,
							       .room = l.room,
							       .start = fx_time(3, 10, 0)});
	fx_expect_err(act(future, "no-show", t_desk), 409, "bad_transition", NULL);
	struct resp *r = get_appt(future);
	assert_string_equal(jstr(r->json, "status"), "booked");
	resp_free(r);

	long long past = booked(t_admin, &(struct fx_booking){.patient = p,
							      .practitioner = l.prac,
							      .room = l.room,
							      .start = earlier,
							      .end = earlier + 300,
							      .override_reason = "recorded late"});
	r = act(past, "no-show", t_desk);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "status"), "no_show");
	resp_free(r);
	fx_expect_err(act(past, "no-show", t_desk), 409, "bad_transition", NULL);
	fx_expect_err(act(past, "check-in", t_desk), 409, "bad_transition", NULL);
	/* A no-show holds no time: the slot can be given to someone else. */
	long long other = adult("Walker", "Walkin");
	booked(t_admin, &(struct fx_booking){.patient = other,
					     .practitioner = l.prac,
					     .room = l.room,
					     .start = earlier,
					     .end = earlier + 300,
					     .override_reason = "recorded late"});

	/* Once checked in, the patient came. */
	long long came = booked(t_admin, &(struct fx_booking){.patient = p,
							      .practitioner = l.prac,
							      .room = l.room,
							      .start = earlier + 400,
							      .end = earlier + 700,
							      .override_reason = "recorded late"});
	fx_expect_status(act(came, "check-in", t_desk), 200);
	fx_expect_err(act(came, "no-show", t_desk), 409, "bad_transition", NULL);
}

/* ---- Bookings lie between today and two years ahead ---- */

/* hour:minute local time on the date two years after today (28 February for a 29th),
 * plus extra days. */
static time_t two_years_ahead(int extra_days, int hour, int minute)
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	tm.tm_year += 2;
	if (tm.tm_mon == 1 && tm.tm_mday == 29)
		tm.tm_mday = 28;
	tm.tm_mday += extra_days;
	tm.tm_hour = hour;
	tm.tm_min = minute;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* How many appointments patient has on the local date of t. */
static long long on_day(long long patient, time_t t)
{
	char path[128], day[11];
	fx_date(t, day);
	snprintf(path, sizeof path, V1 "/appointments?date=%s&patient_id=%lld", day, patient);
	return fx_total(&S, t_desk, path);
}

static void bookings_lie_between_today_and_two_years_ahead(void **state)
{
	(void)state;
	long long p = adult("Wanda", "Window");
	struct lane l = lane("win");
	struct fx_booking b = {.patient = p, .practitioner = l.prac, .room = l.room};
	/* From midnight today, clinic-local (before midnight UTC in Berlin). */
	b.start = fx_time(0, 0, 0);
	long long today = booked(t_desk, &b);
	/* The whole last day two years ahead, and not a day more. */
	b.start = two_years_ahead(0, 10, 0);
	booked(t_desk, &b);
	b.start = two_years_ahead(0, 23, 0);
	booked(t_desk, &b);
	const time_t refused[] = {fx_time(-1, 12, 0),	     fx_time(-1, 23, 0),
				  fx_time(-400, 10, 0),	     two_years_ahead(1, 0, 0),
				  two_years_ahead(1, 10, 0), two_years_ahead(400, 10, 0)};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		b.start = refused[i];
		b.end = refused[i] + 1800;
		struct resp *r = fx_book(&S, t_desk, &b);
		if (r->status != 422)
			print_message("start %zu\n", i);
		fx_expect_field(r, "start");
		resp_free(r);
		/* No reason and no role reach past it. */
		b.override_reason = "recorded late";
		fx_expect_err(fx_book(&S, t_admin, &b), 422, "validation_failed", "start");
		b.override_reason = NULL;
	}
	b.end = 0;
	assert_int_equal(on_day(p, fx_time(0, 12, 0)), 1);
	assert_int_equal(on_day(p, two_years_ahead(0, 12, 0)), 2);
	assert_int_equal(on_day(p, fx_time(-1, 12, 0)), 0);
	assert_int_equal(on_day(p, two_years_ahead(1, 12, 0)), 0);

	/* A reschedule is held to the same span. */
	fx_expect_err(move(today, fx_time(-1, 12, 0), t_desk), 422, "validation_failed", "start");
	fx_expect_err(move(today, two_years_ahead(1, 10, 0), t_desk), 422, "validation_failed",
		      "start");
	struct resp *r = get_appt(today);
	fx_expect_instant(r->json, "start", fx_time(0, 0, 0));
	resp_free(r);
	r = move(today, two_years_ahead(0, 12, 0), t_desk);
	assert_int_equal(r->status, 200);
	fx_expect_instant(r->json, "start", two_years_ahead(0, 12, 0));
	resp_free(r);

	assert_int_equal(on_day(p, two_years_ahead(0, 12, 0)), 3);

	/* Instants outside the years 1900 to 2200 are refused as such, wherever they are. */
	char body[512], path[96];
	const char *far[] = {"1899-12-31T23:59:59Z", "2201-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
			     "0001-01-01T00:00:00+01:00"};
	for (size_t i = 0; i < sizeof far / sizeof far[0]; i++) {
		snprintf(body, sizeof body,
			 "{\"patient_id\":%lld,\"kind\":\"consultation\",\"practitioner_id\":%lld,"
			 "\"room_id\":%lld,\"start\":\"%s\"}",
			 p, l.prac, l.room, far[i]);
		fx_expect_err(req(&S, "POST", V1 "/appointments", t_desk, body), 422,
			      "validation_failed", "start");
		char ok[32];
		fx_instant(fx_time(3, 10, 0), ok);
		snprintf(body, sizeof body,
			 "{\"patient_id\":%lld,\"kind\":\"consultation\",\"practitioner_id\":%lld,"
			 "\"room_id\":%lld,\"start\":\"%s\",\"end\":\"%s\"}",
			 p, l.prac, l.room, ok, far[i]);
		fx_expect_err(req(&S, "POST", V1 "/appointments", t_desk, body), 422,
			      "validation_failed", "end");
		snprintf(path, sizeof path, V1 "/appointments/%lld", today);
		snprintf(body, sizeof body, "{\"start\":\"%s\"}", far[i]);
		fx_expect_err(req(&S, "PATCH", path, t_desk, body), 422, "validation_failed",
			      "start");
	}
	assert_int_equal(on_day(p, two_years_ahead(0, 12, 0)), 3);
	assert_int_equal(on_day(p, fx_time(3, 12, 0)), 0);
}

/* ---- Appointment lists ---- */

/* A list names patients and their treatments: each read is audited with its count. The
 * list is of one day or of a range, never both. */
static void appointment_lists_are_audited_and_take_a_day_or_a_range(void **state)
{
	(void)state;
	long long p = adult("Lister", "Counted");
	struct lane l = lane("list");
	int d = 120;
	for (int h = 9; h < 12; h++)
		booked(t_desk, &(struct fx_booking){.patient = p,
						    .practitioner = l.prac,
						    .room = l.room,
						    .start = fx_time(d, h, 0)});
	char path[160], day[11], next[11];
	fx_day(d, day);
	fx_day(d + 1, next);
	const char *tokens[] = {t_admin, t_desk, t_prac};
	for (int i = 0; i < 3; i++) {
		int before = fx_audit_count(&S, t_admin, "appointment_list", 0, "read");
		snprintf(path, sizeof path, V1 "/appointments?date=%s&practitioner_id=%lld", day,
			 l.prac);
		assert_int_equal(fx_total(&S, tokens[i], path), 3);
		assert_int_equal(
		    fx_expect_newest_event(&S, t_admin, "appointment_list", "read", "count=3"), 0);
		snprintf(path, sizeof path, V1 "/appointments?from=%s&to=%s&patient_id=%lld", day,
			 next, p);
		assert_int_equal(fx_total(&S, tokens[i], path), 3);
		/* One patient's appointments: a read of that patient's data. */
		assert_int_equal(
		    fx_expect_newest_event(&S, t_admin, "patient", "read", "appointments count=3"),
		    p);
		snprintf(path, sizeof path, V1 "/appointments?date=%s&practitioner_id=%lld", next,
			 l.prac);
		assert_int_equal(fx_total(&S, tokens[i], path), 0);
		fx_expect_newest_event(&S, t_admin, "appointment_list", "read", "count=0");
		assert_int_equal(fx_audit_count(&S, t_admin, "appointment_list", 0, "read"),
				 before + 2);
	}

	char both_from[128], both_to[128], both[160];
	snprintf(both_from, sizeof both_from, V1 "/appointments?date=%s&from=%s", day, day);
	snprintf(both_to, sizeof both_to, V1 "/appointments?date=%s&to=%s", day, next);
	snprintf(both, sizeof both, V1 "/appointments?from=%s&date=%s&to=%s", day, day, next);
	const struct fx_bad bad[] = {
	    {.field = "date", .path = both_from},
	    {.field = "date", .path = both_to},
	    {.field = "date", .path = both},
	    {.field = "date", .path = V1 "/appointments?date=1899-12-31"},
	    {.field = "date", .path = V1 "/appointments?date=2201-01-01"},
	    {.field = "from", .path = V1 "/appointments?from=1899-12-31&to=1900-01-02"},
	    {.field = "to", .path = V1 "/appointments?from=2200-12-30&to=2201-01-01"},
	    {.field = "from",
	     .path = V1 "/appointments?from=1899-12-31T23:00:00Z&to=1900-01-02T00:00:00Z"},
	};
	int before = fx_audit_count(&S, t_admin, "appointment_list", 0, "read");
	fx_expect_bad(&S, t_desk, "GET", NULL, FX_ROWS(bad));
	/* A refused list is no read. */
	assert_int_equal(fx_audit_count(&S, t_admin, "appointment_list", 0, "read"), before);
}

/* ---- Validation ---- */

/* base with the fields that change sets (non-zero, non-NULL) put in. */
static struct fx_booking changed(const struct fx_booking *base, const struct fx_booking *change)
{
	struct fx_booking b = *base;
	if (change->patient)
		b.patient = change->patient;
	if (change->practitioner)
		b.practitioner = change->practitioner;
	if (change->room)
		b.room = change->room;
	if (change->plan)
		b.plan = change->plan;
	if (change->kind)
		b.kind = change->kind;
	if (change->start)
		b.start = change->start;
	if (change->end)
		b.end = change->end;
	if (change->override_reason)
		b.override_reason = change->override_reason;
	return b;
}

static void validation_rejects_malformed_bookings(void **state)
{
	(void)state;
	long long p = adult("Val", "Idation");
	long long other = adult("Otis", "Other");
	struct lane l = lane("v1");
	long long plan = fx_plan(&S, t_prac, p, l.prac, 3);
	long long others_plan = fx_plan(&S, t_prac, other, l.prac, 3);
	time_t at = fx_time(110, 10, 0);
	struct fx_booking ok = {.patient = p, .practitioner = l.prac, .room = l.room, .start = at};
	/* Each row changes the good booking in the fields it sets. */
	const struct {
		struct fx_booking change;
		const char *field;
	} bad[] = {
	    {{.kind = "surgery"}, "kind"},
	    {{.kind = "treatment"}, "plan_id"},
	    {{.kind = "consultation", .plan = plan}, "plan_id"},
	    {{.end = at - 1800}, "end"},
	    {{.plan = others_plan}, "plan_id"},
	    {{.plan = 999999}, "plan_id"},
	    {{.room = 999999}, "room_id"},
	    {{.practitioner = 999999}, "practitioner_id"},
	    /* A user who is not a practitioner cannot be booked. */
	    {{.practitioner = u_desk}, "practitioner_id"},
	    {{.patient = 999999}, "patient_id"},
	};
	struct resp *r;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct fx_booking b = changed(&ok, &bad[i].change);
		r = fx_book(&S, t_desk, &b);
		if (r->status != 422)
			print_message("row %zu\n", i);
		fx_expect_field(r, bad[i].field);
		resp_free(r);
	}

	/* A start without an offset, and a field bookings do not have. */
	char no_offset[512], colour[512], start[32];
	snprintf(no_offset, sizeof no_offset,
		 "{\"patient_id\":%lld,\"kind\":\"consultation\",\"practitioner_id\":%lld,"
		 "\"room_id\":%lld,\"start\":\"2030-01-02T10:00:00\"}",
		 p, l.prac, l.room);
	fx_instant(at, start);
	snprintf(colour, sizeof colour,
		 "{\"patient_id\":%lld,\"kind\":\"consultation\",\"practitioner_id\":%lld,"
		 "\"room_id\":%lld,\"start\":\"%s\",\"colour\":\"blue\"}",
		 p, l.prac, l.room, start);
	const struct fx_bad bodies[] = {FX_FIELD(no_offset, "start"), FX_FIELD(colour, "colour")};
	fx_expect_bad(&S, t_desk, "POST", V1 "/appointments", FX_ROWS(bodies));

	/* None of it was booked; the good request still is. */
	char path[96];
	snprintf(path, sizeof path, V1 "/appointments?patient_id=%lld", p);
	r = req(&S, "GET", path, t_desk, NULL);
	assert_int_equal(jint(r->json, "total"), 0);
	resp_free(r);
	long long id = booked(t_desk, &ok);

	/* Rescheduling checks its fields too. */
	snprintf(path, sizeof path, V1 "/appointments/%lld", id);
	static const struct fx_bad changes[] = {
	    FX_FIELD("{\"start\":\"tomorrow\"}", "start"),
	    FX_FIELD("{\"kind\":\"review\"}", "kind"),
	    /* A field left out keeps its value; null is no value. */
	    FX_FIELD("{\"start\":null}", "start"),
	    FX_FIELD("{\"end\":null}", "end"),
	    FX_FIELD("{\"practitioner_id\":null}", "practitioner_id"),
	    FX_FIELD("{\"room_id\":null}", "room_id"),
	    FX_FIELD("{\"notes\":\"moved\",\"room_id\":null}", "room_id"),
	};
	fx_expect_bad(&S, t_desk, "PATCH", path, FX_ROWS(changes));
	r = get_appt(id);
	fx_expect_instant(r->json, "start", at);
	assert_int_equal(jint(r->json, "room_id"), l.room);
	assert_int_equal(jint(r->json, "practitioner_id"), l.prac);
	assert_true(json_is_null(json_object_get(r->json, "notes")));
	resp_free(r);
}

/* Rule 26: a plan's size, intervals, status and practitioner are left out to keep them,
 * never set to null. */
static void rule26_plan_fields_are_never_null(void **state)
{
	(void)state;
	long long p = adult("Nell", "Nullplan");
	struct lane l = lane("r26");
	char body[512];
#define PLAN_BODY                                                                       \
	"{\"patient_id\":%lld,\"treatment_type\":\"MN\",\"indication\":\"fine_lines\"," \
	"\"areas\":[\"cheeks\"],\"practitioner_id\":%lld,\"%s\":null}"
	static const char *const create_keys[] = {"planned_sessions", "min_interval_days",
						  "max_interval_days"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(body, sizeof body, PLAN_BODY, p, l.prac, create_keys[i]);
		fx_expect_err(req(&S, "POST", V1 "/plans", t_prac, body), 422, "validation_failed",
			      create_keys[i]);
	}
#undef PLAN_BODY
	char path[96];
	snprintf(path, sizeof path, V1 "/plans?patient_id=%lld", p);
	assert_int_equal(fx_total(&S, t_prac, path), 0);

	long long plan = fx_plan(&S, t_prac, p, l.prac, 4);
	snprintf(path, sizeof path, V1 "/plans/%lld", plan);
	static const struct fx_bad bad[] = {
	    FX_FIELD("{\"status\":null}", "status"),
	    FX_FIELD("{\"planned_sessions\":null}", "planned_sessions"),
	    FX_FIELD("{\"practitioner_id\":null}", "practitioner_id"),
	    FX_FIELD("{\"min_interval_days\":null}", "min_interval_days"),
	    FX_FIELD("{\"max_interval_days\":null}", "max_interval_days"),
	    FX_FIELD("{\"planned_sessions\":5,\"max_interval_days\":null}", "max_interval_days"),
	};
	fx_expect_bad(&S, t_prac, "PATCH", path, FX_ROWS(bad));
	struct resp *r = req(&S, "GET", path, t_prac, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "status"), "active");
	assert_int_equal(jint(r->json, "planned_sessions"), 4);
	assert_int_equal(jint(r->json, "practitioner_id"), l.prac);
	assert_int_equal(jint(r->json, "min_interval_days"), 28);
	assert_int_equal(jint(r->json, "max_interval_days"), 42);
	resp_free(r);
}

/* RULES.md rules 26 and 53: a plan has 1-12 sessions 7-180 days apart, and one outside
 * its treatment type's bounds (MN: at most 6 sessions, 28-42 days) needs a
 * practitioner's override reason, kept on the plan and audited. */
static void rule53_plans_outside_the_types_bounds(void **state)
{
	(void)state;
	long long p = adult("Bo", "Bounds");
	struct lane l = lane("r53");
	char body[512];
#define PLAN(extra)                                                                          \
	(snprintf(body, sizeof body,                                                         \
		  "{\"patient_id\":%lld,\"treatment_type\":\"MN\",\"indication\":\"scars\"," \
		  "\"areas\":[\"cheeks\"],\"practitioner_id\":%lld%s}",                      \
		  p, l.prac, extra),                                                         \
	 body)
	/* Inside the bounds (6 sessions, a tighter 30-40 days): no reason needed. */
	fx_expect_status(req(&S, "POST", V1 "/plans", t_admin, PLAN(",\"planned_sessions\":6")),
			 201);
	fx_expect_status(req(&S, "POST", V1 "/plans", t_prac,
			     PLAN(",\"min_interval_days\":30,\"max_interval_days\":40")),
			 201);
	/* Outside without a reason, or with one from an admin: refused. */
	fx_expect_err(req(&S, "POST", V1 "/plans", t_prac, PLAN(",\"planned_sessions\":12")), 422,
		      "validation_failed", "override_reason");
	fx_expect_err(req(&S, "POST", V1 "/plans", t_prac,
			  PLAN(",\"min_interval_days\":7,\"max_interval_days\":8")),
		      422, "validation_failed", "override_reason");
	fx_expect_err(req(&S, "POST", V1 "/plans", t_admin,
			  PLAN(",\"planned_sessions\":8,\"override_reason\":\"deep scars\"")),
		      403, "forbidden", NULL);
	/* Hard limits hold whatever the reason. */
	fx_expect_err(req(&S, "POST", V1 "/plans", t_prac,
			  PLAN(",\"min_interval_days\":6,\"override_reason\":\"x\"")),
		      422, "validation_failed", "min_interval_days");
	fx_expect_err(req(&S, "POST", V1 "/plans", t_prac,
			  PLAN(",\"max_interval_days\":181,\"override_reason\":\"x\"")),
		      422, "validation_failed", "max_interval_days");
	char path[96];
	snprintf(path, sizeof path, V1 "/plans?patient_id=%lld", p);
	assert_int_equal(fx_total(&S, t_prac, path), 2);
	/* A practitioner's reason: stored, shown and audited. */
	struct resp *r = req(&S, "POST", V1 "/plans", t_prac,
			     PLAN(",\"planned_sessions\":8,\"override_reason\":\"deep scars\""));
	assert_int_equal(r->status, 201);
	long long plan = jint(r->json, "id");
	assert_string_equal(jstr(r->json, "override_reason"), "deep scars");
	assert_int_equal(jint(r->json, "planned_sessions"), 8);
	resp_free(r);
	assert_int_equal(fx_audit_count_detail(&S, t_admin, "plan", plan, "override", "bounds"), 1);
	/* Back inside the bounds, the reason goes; outside again, it is asked for again. */
	snprintf(path, sizeof path, V1 "/plans/%lld", plan);
	r = req(&S, "PATCH", path, t_prac, "{\"planned_sessions\":5}");
	assert_int_equal(r->status, 200);
	assert_true(json_is_null(json_object_get(r->json, "override_reason")));
	resp_free(r);
	fx_expect_err(req(&S, "PATCH", path, t_prac, "{\"planned_sessions\":9}"), 422,
		      "validation_failed", "override_reason");
	fx_expect_status(
	    req(&S, "PATCH", path, t_prac, "{\"planned_sessions\":9,\"override_reason\":\"more\"}"),
	    200);
	/* A status change needs no new reason. */
	fx_expect_status(req(&S, "PATCH", path, t_admin, "{\"status\":\"on_hold\"}"), 200);
#undef PLAN
}

/* Room A, and office hours for prac2: Monday to Friday, 09:00-17:00. */
static int room_and_office_hours(void)
{
	room_a = fx_room(&S, t_admin, "Room A");
	json_t *hours = json_array();
	for (int wd = 1; wd <= 5; wd++)
		json_array_append_new(hours, json_pack("{s:i, s:s, s:s}", "weekday", wd, "start",
						       "09:00", "end", "17:00"));
	char path[96];
	snprintf(path, sizeof path, V1 "/practitioners/%lld/availability", u_prac2);
	struct resp *r = reqj(&S, "PUT", path, t_admin, json_pack("{s:o}", "hours", hours));
	int ok = r->status == 200;
	resp_free(r);
	return ok ? 0 : -1;
}

static const struct harness_group group = {
    .srv = &S,
    .zone = "Europe/Berlin",
    .admin = &t_admin,
    .desk = &t_desk,
    .prac = &t_prac,
    .desk_id = &u_desk,
    .prac2_id = &u_prac2,
    .setup = room_and_office_hours,
};

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rule1_underage_until_the_eighteenth_birthday),
	    cmocka_unit_test(rule2_screening_required_for_treatment_only),
	    cmocka_unit_test(rule2_blocking_condition_and_what_the_desk_sees),
	    cmocka_unit_test(rule2_clearance_needed_until_recorded),
	    cmocka_unit_test(rule2_a_new_screening_names_what_it_resolves),
	    cmocka_unit_test(rule2_dropping_conditions_never_makes_a_patient_bookable),
	    cmocka_unit_test(rule2_caution_books_with_a_warning),
	    cmocka_unit_test(rule2_bookable_for_every_role),
	    cmocka_unit_test(rule12_front_desk_cannot_read_screenings_or_consents),
	    cmocka_unit_test(rule3_spacing_minimum_and_earliest_date),
	    cmocka_unit_test(rule3_calendar_days_across_a_dst_change),
	    cmocka_unit_test(rule3_beyond_max_is_a_warning),
	    cmocka_unit_test(rule3_override_by_practitioner_and_admin),
	    cmocka_unit_test(rule3_override_refused_for_desk_and_empty_reason),
	    cmocka_unit_test(rule3_cancelled_and_no_show_sessions_do_not_count),
	    cmocka_unit_test(rule3_reschedule_rechecks_both_neighbours),
	    cmocka_unit_test(rule4_plan_full_until_a_session_is_cancelled),
	    cmocka_unit_test(rule4_plan_not_active),
	    cmocka_unit_test(rule4_session_numbers_follow_start_order),
	    cmocka_unit_test(rule4_plan_progress_and_next_window),
	    cmocka_unit_test(rule11_plan_reads_are_audited),
	    cmocka_unit_test(rule5_conflicts_for_practitioner_room_and_patient),
	    cmocka_unit_test(rule5_concurrent_bookings_for_one_slot),
	    cmocka_unit_test(rule6_outside_hours_time_off_and_admin_override),
	    cmocka_unit_test(rule6_touching_intervals_join_up),
	    cmocka_unit_test(rule7_status_flow),
	    cmocka_unit_test(rule7_late_cancel_within_24_hours),
	    cmocka_unit_test(rule7_no_show_only_after_the_start),
	    cmocka_unit_test(bookings_lie_between_today_and_two_years_ahead),
	    cmocka_unit_test(appointment_lists_are_audited_and_take_a_day_or_a_range),
	    cmocka_unit_test(validation_rejects_malformed_bookings),
	    cmocka_unit_test(rule26_plan_fields_are_never_null),
	    cmocka_unit_test(rule53_plans_outside_the_types_bounds),
	};
	return harness_run_group("api_schedule", tests, &group);
}
