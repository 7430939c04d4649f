/* Session records over HTTP: exact depths and the depth rule (RULES.md rule 8), signing
 * and what it needs (rule 9), immutability and addenda, completion of the appointment
 * and the plan, lot traceability, the patient's history, audit (rule 11) and what the
 * front desk may not see (rule 12). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define V1	 "/api/v1"
#define SLOT_MIN 10

static struct server S;
static char *t_admin, *t_desk, *t_prac, *t_prac2;
static long long u_prac, u_prac2, u_admin;
static long long room;
/* Clean screening with MN and MN_PRP consents; a caution (sunburn) with an MN consent
 * only; clean screening without any consent. */
static long long p_main, p_caution, p_noconsent;
static int next_slot;

/* ---- Fixtures ---- */

static void expect_status(const struct resp *r, long status)
{
	if (r->status != status)
		print_message("unexpected answer: %ld %s\n", r->status, r->body);
	assert_int_equal(r->status, status);
}

/* The next free 10-minute slot today, clinic-local (UTC), from 00:10 on. */
static time_t slot(void)
{
	next_slot++;
	return fx_time(0, 0, SLOT_MIN * next_slot);
}

static void consent(long long patient, const char *type)
{
	char path[96];
	snprintf(path, sizeof path, V1 "/patients/%lld/consents", patient);
	(void)fx_post_id(&S, path, t_prac,
			 json_pack("{s:s, s:s, s:s}", "treatment_type", type, "form_version",
				   "2025-2", "signed_name", "Patient"));
}

/* A plan of type for patient over areas (a JSON array text) with planned sessions. */
static long long plan(long long patient, const char *type, const char *areas, int planned)
{
	json_error_t e;
	json_t *a = json_loads(areas, 0, &e);
	assert_non_null(a);
	return fx_post_id(&S, V1 "/plans", t_prac,
			  json_pack("{s:I, s:s, s:s, s:o, s:I, s:i}", "patient_id",
				    (json_int_t)patient, "treatment_type", type, "indication",
				    "acne_scars", "areas", a, "practitioner_id", (json_int_t)u_prac,
				    "planned_sessions", planned));
}

/* Books a 10-minute treatment of plan at start with prac in the room; returns its id. */
static long long book_at(long long patient, long long plan_id, time_t start)
{
	struct fx_booking b = {.patient = patient,
			       .practitioner = u_prac,
			       .room = room,
			       .plan = plan_id,
			       .start = start,
			       .end = start + SLOT_MIN * 60};
	return fx_booked(&S, t_prac, &b);
}

/* A treatment today in the next slot. */
static long long treatment(long long patient, long long plan_id)
{
	return book_at(patient, plan_id, slot());
}

/* A new plan of type over areas with one treatment today; *plan_out gets the plan. */
static long long fresh(long long patient, const char *type, const char *areas, int planned,
		       long long *plan_out)
{
	long long p = plan(patient, type, areas, planned);
	if (plan_out)
		*plan_out = p;
	return treatment(patient, p);
}

static void spath(char *out, size_t n, long long appt, const char *suffix)
{
	snprintf(out, n, V1 "/appointments/%lld/session%s", appt, suffix);
}

static struct resp *get_session(long long appt, const char *token)
{
	char path[128];
	spath(path, sizeof path, appt, "");
	return req(&S, "GET", path, token, NULL);
}

/* PUT of a body given as JSON (the reference is taken). */
static struct resp *put_session(long long appt, const char *token, json_t *body)
{
	char path[128];
	spath(path, sizeof path, appt, "");
	return reqj(&S, "PUT", path, token, body);
}

/* PUT of a body given as text, so that numbers travel exactly as written. */
static struct resp *put_text(long long appt, const char *token, const char *body)
{
	char path[128];
	spath(path, sizeof path, appt, "");
	return req(&S, "PUT", path, token, body);
}

/* PUTs each row as prac and expects the refusal it names. */
static void expect_put_refused(long long appt, const struct fx_bad *rows, size_t n)
{
	char path[128];
	spath(path, sizeof path, appt, "");
	fx_expect_bad(&S, t_prac, "PUT", path, rows, n);
}

static struct resp *sign(long long appt, const char *token)
{
	char path[128];
	spath(path, sizeof path, appt, "/sign");
	return req(&S, "POST", path, token, NULL);
}

static struct resp *addendum(long long appt, const char *token, const char *body)
{
	char path[128];
	spath(path, sizeof path, appt, "/addenda");
	return req(&S, "POST", path, token, body);
}

/* A complete record for an MN plan over the cheeks: signable when the patient has a
 * consent. Numbing dwells 35 minutes. */
static json_t *full_body(void)
{
	char applied[32], removed[32];
	time_t t = fx_time(0, 0, 0);
	fx_instant(t, applied);
	fx_instant(t + 35 * 60, removed);
	return json_pack("{s:b, s:b, s:{s:s, s:s, s:s}, s:s, s:s, s:s, s:[{s:s, s:f, s:i}], "
			 "s:[s], s:s, s:[{s:s, s:i}], s:b, s:s}",
			 "screening_confirmed", 1, "caution_reviewed", 1, "numbing", "product",
			 "Lidocaine 5%", "applied_at", applied, "removed_at", removed, "device",
			 "pen", "device_model", "Dermapen 4", "cartridge_lot", "CART-STD", "areas",
			 "area", "cheeks", "depth_mm", 1.5, "passes", 3, "products",
			 "Hyaluronic serum", "endpoint", "erythema", "reactions", "type", "redness",
			 "severity", 1, "aftercare_given", 1, "notes", "Tolerated well.");
}

/* full_body with the PRP details of an MN_PRP session. */
static json_t *prp_body(const char *kit_lot)
{
	json_t *b = full_body();
	json_object_set_new(b, "prp",
			    json_pack("{s:f, s:i, s:i, s:f, s:s, s:s}", "blood_ml", 20.0,
				      "spin_minutes", 10, "spin_rcf", 1500, "prp_ml", 4.5, "route",
				      "topical", "kit_lot", kit_lot));
	return b;
}

/* PUTs body and expects 200. */
static void put_ok(long long appt, json_t *body)
{
	fx_expect_status(put_session(appt, t_prac, body), 200);
}

/* The front desk checks the patient in: a note is signed only for a visit that happened. */
static void check_in(long long appt)
{
	char path[96];
	snprintf(path, sizeof path, V1 "/appointments/%lld/check-in", appt);
	fx_expect_status(req(&S, "POST", path, t_desk, NULL), 200);
}

static void sign_ok(long long appt)
{
	struct resp *r = sign(appt, t_prac);
	expect_status(r, 200);
	assert_string_equal(jstr(r->json, "status"), "signed");
	resp_free(r);
}

/* Signing is refused with exactly the missing items in want (NULL-terminated), in order. */
static void expect_missing(long long appt, const char *const *want)
{
	struct resp *r = sign(appt, t_prac);
	fx_expect_error(r, 409, "not_signable");
	json_t *missing = json_object_get(fx_details(r), "missing");
	assert_true(json_is_array(missing));
	size_t n = 0;
	while (want[n])
		n++;
	if (json_array_size(missing) != n)
		print_message("missing: %s\n", r->body);
	assert_int_equal(json_array_size(missing), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(json_string_value(json_array_get(missing, i)), want[i]);
	resp_free(r);
}

static struct resp *get_plan(long long id)
{
	char path[96];
	snprintf(path, sizeof path, V1 "/plans/%lld", id);
	struct resp *r = req(&S, "GET", path, t_desk, NULL);
	expect_status(r, 200);
	return r;
}

static void expect_window(const struct resp *plan_r, int from_day, int to_day)
{
	json_t *w = json_object_get(json_object_get(plan_r->json, "progress"), "next_window");
	char from[11], to[11];
	fx_day(from_day, from);
	fx_day(to_day, to);
	assert_true(json_is_object(w));
	assert_string_equal(jstr(w, "from"), from);
	assert_string_equal(jstr(w, "to"), to);
}

static long long progress(const struct resp *plan_r, const char *key)
{
	return jint(json_object_get(plan_r->json, "progress"), key);
}

/* areas[i].depth_mm of a record (or "previous") as a double; -1 when absent. */
static double depth_at(const json_t *rec, size_t i)
{
	json_t *a = json_array_get(json_object_get(rec, "areas"), i);
	json_t *d = a ? json_object_get(a, "depth_mm") : NULL;
	return json_is_number(d) ? json_number_value(d) : -1;
}

/* True when the audit trail holds an event of entity (and entity_id, 0: any) with action
 * and detail. */
static bool audit_has(const char *entity, long long entity_id, const char *action,
		      const char *detail)
{
	char path[256];
	if (entity_id)
		snprintf(path, sizeof path, V1 "/audit?entity=%s&entity_id=%lld&limit=500", entity,
			 entity_id);
	else
		snprintf(path, sizeof path, V1 "/audit?entity=%s&limit=500", entity);
	struct resp *r = req(&S, "GET", path, t_admin, NULL);
	expect_status(r, 200);
	bool found = false;
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(r->json, "items"), i, e)
	{
		if (strcmp(jstr(e, "action"), action) == 0 &&
		    strcmp(jstr(e, "detail"), detail) == 0)
			found = true;
	}
	resp_free(r);
	return found;
}

/* ---- Tests ---- */

static void get_before_writing_is_a_blank_draft(void **state)
{
	(void)state;
	long long appt = fresh(p_main, "MN", "[\"cheeks\"]", 3, NULL);
	struct resp *r = get_session(appt, t_prac);
	expect_status(r, 200);
	assert_true(json_is_false(json_object_get(r->json, "exists")));
	assert_string_equal(jstr(r->json, "status"), "draft");
	assert_int_equal(jint(r->json, "appointment_id"), appt);
	assert_int_equal(json_array_size(json_object_get(r->json, "areas")), 0);
	assert_int_equal(json_array_size(json_object_get(r->json, "addenda")), 0);
	assert_true(json_is_null(json_object_get(r->json, "previous")));
	assert_true(json_is_null(json_object_get(r->json, "signed_at")));
	json_t *missing = json_object_get(r->json, "missing");
	assert_true(fx_has_str(missing, "areas"));
	assert_true(fx_has_str(missing, "screening_confirmed"));
	assert_false(fx_has_str(missing, "consent"));
	assert_false(fx_has_str(missing, "prp"));
	assert_false(fx_has_str(missing, "caution_reviewed"));
	assert_true(fx_has_str(missing, "checked_in"));
	assert_int_equal(json_array_size(json_object_get(r->json, "cautions")), 0);
	resp_free(r);
	/* An unknown appointment. */
	fx_expect_err(get_session(999999, t_prac), 404, "not_found", NULL);
}

static void depth_is_exact_with_two_decimals(void **state)
{
	(void)state;
	long long appt = fresh(p_main, "MN", "[\"cheeks\", \"periorbital\"]", 3, NULL);
	struct resp *r =
	    put_text(appt, t_prac,
		     "{\"areas\":[{\"area\":\"cheeks\",\"depth_mm\":1.35,\"passes\":2},"
		     "{\"area\":\"periorbital\",\"depth_mm\":0.2}]}");
	expect_status(r, 200);
	assert_non_null(strstr(r->body, "\"depth_mm\":1.35"));
	assert_null(strstr(r->body, "1.3500000000000001"));
	assert_non_null(strstr(r->body, "\"depth_mm\":0.2"));
	assert_null(fx_warning(r, "area_not_in_plan"));
	assert_true(json_is_true(json_object_get(r->json, "exists")));
	resp_free(r);

	r = get_session(appt, t_prac);
	expect_status(r, 200);
	assert_non_null(strstr(r->body, "\"depth_mm\":1.35"));
	assert_null(strstr(r->body, "1.3500000000000001"));
	assert_true(depth_at(r->json, 0) == 1.35);
	assert_int_equal(jint(json_array_get(json_object_get(r->json, "areas"), 0), "passes"), 2);
	resp_free(r);

	/* A third decimal, the bounds 0.2-3.0 mm, and depths that are not numbers. */
	static const struct fx_bad bad[] = {
	    FX_FIELD("{\"areas\":[{\"area\":\"cheeks\",\"depth_mm\":1.355}]}", "areas[0].depth_mm"),
	    FX_FIELD("{\"areas\":[{\"area\":\"cheeks\",\"depth_mm\":1.001}]}", "areas[0].depth_mm"),
	    FX_FIELD("{\"areas\":[{\"area\":\"cheeks\",\"depth_mm\":0.19}]}", "areas[0].depth_mm"),
	    FX_FIELD("{\"areas\":[{\"area\":\"cheeks\",\"depth_mm\":0}]}", "areas[0].depth_mm"),
	    FX_FIELD("{\"areas\":[{\"area\":\"cheeks\",\"depth_mm\":-1.35}]}", "areas[0].depth_mm"),
	    FX_FIELD("{\"areas\":[{\"area\":\"abdomen\",\"depth_mm\":3.01}]}", "areas[0].depth_mm"),
	    FX_FIELD(
		"{\"areas\":[{\"area\":\"abdomen\",\"depth_mm\":3.01,\"override_reason\":\"x\"}]}",
		"areas[0].depth_mm"),
	    FX_FIELD("{\"areas\":[{\"area\":\"cheeks\",\"depth_mm\":1e300}]}", "areas[0].depth_mm"),
	    FX_FIELD("{\"areas\":[{\"area\":\"cheeks\",\"depth_mm\":\"1.35\"}]}",
		     "areas[0].depth_mm"),
	    FX_FIELD("{\"areas\":[{\"area\":\"cheeks\"}]}", "areas[0].depth_mm"),
	    FX_FIELD("{\"areas\":[{\"area\":\"cheeks\",\"depth_mm\":null}]}", "areas[0].depth_mm"),
	    FX_FIELD("{\"areas\":[{\"area\":\"cheeks\",\"depth_mm\":1.0},"
		     "{\"area\":\"periorbital\",\"depth_mm\":0.555}]}",
		     "areas[1].depth_mm"),
	};
	expect_put_refused(appt, FX_ROWS(bad));

	/* The refusals changed nothing. */
	r = get_session(appt, t_prac);
	assert_true(depth_at(r->json, 0) == 1.35);
	assert_true(depth_at(r->json, 1) == 0.2);
	resp_free(r);

	/* 3.0 mm where the area allows it; a whole number is a depth too. */
	r = put_text(appt, t_prac,
		     "{\"areas\":[{\"area\":\"abdomen\",\"depth_mm\":3.0},"
		     "{\"area\":\"cheeks\",\"depth_mm\":1}]}");
	expect_status(r, 200);
	assert_true(depth_at(r->json, 0) == 3.0);
	assert_true(depth_at(r->json, 1) == 1.0);
	resp_free(r);
}

static void area_max_and_override(void **state)
{
	(void)state;
	long long appt = fresh(p_main, "MN", "[\"cheeks\"]", 3, NULL);
	/* Cheeks allow 2.0 mm. */
	struct resp *r =
	    put_text(appt, t_prac, "{\"areas\":[{\"area\":\"cheeks\",\"depth_mm\":2.0}]}");
	expect_status(r, 200);
	assert_true(depth_at(r->json, 0) == 2.0);
	resp_free(r);

	r = put_text(appt, t_prac, "{\"areas\":[{\"area\":\"cheeks\",\"depth_mm\":2.01}]}");
	fx_expect_error(r, 422, "depth_exceeds_area_max");
	json_t *d = fx_details(r);
	assert_string_equal(jstr(d, "field"), "areas[0].depth_mm");
	assert_string_equal(jstr(d, "area"), "cheeks");
	assert_true(json_number_value(json_object_get(d, "max_depth_mm")) == 2.0);
	assert_true(json_number_value(json_object_get(d, "depth_mm")) == 2.01);
	resp_free(r);

	/* An empty reason is no reason. */
	fx_expect_err(
	    put_text(
		appt, t_prac,
		"{\"areas\":[{\"area\":\"cheeks\",\"depth_mm\":2.01,\"override_reason\":\"\"}]}"),
	    422, "depth_exceeds_area_max", NULL);
	/* Around the eyes: 0.5 mm. */
	fx_expect_err(
	    put_text(appt, t_prac, "{\"areas\":[{\"area\":\"periorbital\",\"depth_mm\":0.51}]}"),
	    422, "depth_exceeds_area_max", NULL);

	int overrides = fx_audit_count(&S, t_admin, "session_record", appt, "override");
	assert_int_equal(overrides, 0);
	r = put_text(appt, t_prac,
		     "{\"areas\":[{\"area\":\"cheeks\",\"depth_mm\":2.5,"
		     "\"override_reason\":\"Deep boxcar scars, discussed with patient\"}]}");
	expect_status(r, 200);
	json_t *a = json_array_get(json_object_get(r->json, "areas"), 0);
	assert_true(json_number_value(json_object_get(a, "depth_mm")) == 2.5);
	assert_string_equal(jstr(a, "override_reason"),
			    "Deep boxcar scars, discussed with patient");
	resp_free(r);
	assert_int_equal(fx_audit_count(&S, t_admin, "session_record", appt, "override"), 1);

	/* The override is signable. */
	json_t *b = full_body();
	json_object_set_new(b, "areas",
			    json_pack("[{s:s, s:f, s:s}]", "area", "cheeks", "depth_mm", 2.5,
				      "override_reason", "Deep boxcar scars"));
	put_ok(appt, b);
	check_in(appt);
	sign_ok(appt);
}

static void areas_outside_the_plan_and_unknown_areas(void **state)
{
	(void)state;
	long long appt = fresh(p_main, "MN", "[\"cheeks\"]", 3, NULL);
	struct resp *r = put_text(appt, t_prac,
				  "{\"areas\":[{\"area\":\"cheeks\",\"depth_mm\":1.0},"
				  "{\"area\":\"forehead\",\"depth_mm\":0.5}]}");
	expect_status(r, 200);
	json_t *w = fx_warning(r, "area_not_in_plan");
	assert_non_null(w);
	assert_string_equal(jstr(w, "area"), "forehead");
	assert_int_equal(json_array_size(json_object_get(r->json, "areas")), 2);
	resp_free(r);

	static const struct fx_bad bad[] = {
	    FX_FIELD("{\"areas\":[{\"area\":\"elbow\",\"depth_mm\":1.0}]}", "areas[0].area"),
	    FX_FIELD("{\"areas\":[{\"area\":\"cheeks\",\"depth_mm\":1.0},"
		     "{\"area\":\"cheeks\",\"depth_mm\":1.2}]}",
		     "areas[1].area"),
	    FX_FIELD("{\"areas\":[{\"depth_mm\":1.0}]}", "areas[0].area"),
	    FX_FIELD("{\"areas\":[\"cheeks\"]}", "areas[0].area"),
	    FX_FIELD("{\"areas\":{\"area\":\"cheeks\"}}", "areas"),
	    FX_FIELD("{\"areas\":[{\"area\":\"cheeks\",\"depth_mm\":1.0,\"passes\":0}]}",
		     "areas[0].passes"),
	    FX_FIELD("{\"areas\":[{\"area\":\"cheeks\",\"depth_mm\":1.0,\"colour\":\"red\"}]}",
		     "areas[0].colour"),
	};
	expect_put_refused(appt, FX_ROWS(bad));
	/* Still the two areas written first. */
	r = get_session(appt, t_prac);
	assert_int_equal(json_array_size(json_object_get(r->json, "areas")), 2);
	resp_free(r);
}

/* A record body with one area and prp set to the JSON text p. */
#define WITH_PRP(p) "{\"areas\":[{\"area\":\"cheeks\",\"depth_mm\":1.0}],\"prp\":" p "}"

static void prp_belongs_to_prp_types(void **state)
{
	(void)state;
	/* PRP on a plain micro-needling plan. */
	long long mn = fresh(p_main, "MN", "[\"cheeks\"]", 3, NULL);
	struct resp *r = put_session(mn, t_prac, prp_body("KIT-1"));
	fx_expect_field(r, "prp");
	resp_free(r);

	long long appt = fresh(p_main, "MN_PRP", "[\"cheeks\"]", 3, NULL);
	check_in(appt);
	r = get_session(appt, t_prac);
	assert_true(json_is_true(json_object_get(json_object_get(r->json, "plan"), "uses_prp")));
	assert_true(fx_has_str(json_object_get(r->json, "missing"), "prp"));
	resp_free(r);

	/* Complete but for the PRP details. */
	put_ok(appt, full_body());
	static const char *const only_prp[] = {"prp", NULL};
	expect_missing(appt, only_prp);

	/* PRP details without a route are not complete. */
	json_t *b = prp_body("KIT-2");
	json_object_del(json_object_get(b, "prp"), "route");
	put_ok(appt, b);
	expect_missing(appt, only_prp);

	static const struct fx_bad bad[] = {
	    FX_FIELD(WITH_PRP("{\"blood_ml\":20.05}"), "prp.blood_ml"),
	    FX_FIELD(WITH_PRP("{\"prp_ml\":4.55}"), "prp.prp_ml"),
	    FX_FIELD(WITH_PRP("{\"prp_ml\":0}"), "prp.prp_ml"),
	    FX_FIELD(WITH_PRP("{\"route\":\"oral\"}"), "prp.route"),
	    FX_FIELD(WITH_PRP("{\"spin_minutes\":0}"), "prp.spin_minutes"),
	    FX_FIELD(WITH_PRP("{\"volume\":3}"), "prp.volume"),
	    FX_FIELD(WITH_PRP("[]"), "prp"),
	};
	expect_put_refused(appt, FX_ROWS(bad));

	/* Volumes read back exactly, one decimal. */
	r = put_session(appt, t_prac, prp_body("KIT-3"));
	expect_status(r, 200);
	json_t *prp = json_object_get(r->json, "prp");
	assert_true(json_number_value(json_object_get(prp, "blood_ml")) == 20.0);
	assert_true(json_number_value(json_object_get(prp, "prp_ml")) == 4.5);
	assert_int_equal(jint(prp, "spin_rcf"), 1500);
	assert_string_equal(jstr(prp, "route"), "topical");
	assert_string_equal(jstr(prp, "kit_lot"), "KIT-3");
	resp_free(r);
	r = put_text(
	    appt, t_prac,
	    "{\"areas\":[{\"area\":\"cheeks\",\"depth_mm\":1.0}],\"prp\":{\"blood_ml\":8.3,"
	    "\"prp_ml\":2.3,\"spin_minutes\":8,\"spin_rcf\":1200,\"route\":\"injected\"}}");
	expect_status(r, 200);
	assert_non_null(strstr(r->body, "\"blood_ml\":8.3"));
	assert_non_null(strstr(r->body, "\"prp_ml\":2.3"));
	resp_free(r);

	put_ok(appt, prp_body("KIT-3"));
	sign_ok(appt);
}

static void consent_screening_and_caution_are_needed(void **state)
{
	(void)state;
	/* No consent for the plan's treatment type. */
	long long appt = fresh(p_noconsent, "MN", "[\"cheeks\"]", 3, NULL);
	check_in(appt);
	put_ok(appt, full_body());
	static const char *const consent_only[] = {"consent", NULL};
	expect_missing(appt, consent_only);
	/* An MN consent does not cover MN_PRP. */
	long long prp_appt = fresh(p_caution, "MN_PRP", "[\"cheeks\"]", 3, NULL);
	check_in(prp_appt);
	put_ok(prp_appt, prp_body("KIT-C"));
	expect_missing(prp_appt, consent_only);

	/* Screening not confirmed. */
	appt = fresh(p_main, "MN", "[\"cheeks\"]", 3, NULL);
	check_in(appt);
	json_t *b = full_body();
	json_object_set_new(b, "screening_confirmed", json_false());
	put_ok(appt, b);
	static const char *const screening_only[] = {"screening_confirmed", NULL};
	expect_missing(appt, screening_only);
	/* Confirmed, then confirmed again the same day: the first stamp stays. */
	struct resp *r = put_session(appt, t_prac, full_body());
	expect_status(r, 200);
	char first[40];
	snprintf(first, sizeof first, "%s", jstr(r->json, "screening_confirmed_at"));
	assert_true(first[0] != '\0');
	assert_true(json_is_true(json_object_get(r->json, "screening_confirmed")));
	resp_free(r);
	sleep(1);
	r = put_session(appt, t_prac, full_body());
	assert_string_equal(jstr(r->json, "screening_confirmed_at"), first);
	resp_free(r);
	/* Unconfirming clears it. */
	b = full_body();
	json_object_del(b, "screening_confirmed");
	r = put_session(appt, t_prac, b);
	expect_status(r, 200);
	assert_true(json_is_null(json_object_get(r->json, "screening_confirmed_at")));
	resp_free(r);
	expect_missing(appt, screening_only);

	/* Confirmed today for a session tomorrow: not on the session's day (and the patient
	 * is not here yet). */
	long long p = plan(p_main, "MN", "[\"cheeks\"]", 3);
	long long tomorrow = book_at(p_main, p, fx_time(1, 11, 0));
	put_ok(tomorrow, full_body());
	static const char *const not_today[] = {"screening_confirmed", "checked_in", NULL};
	expect_missing(tomorrow, not_today);

	/* A patient with a caution condition needs caution_reviewed. */
	appt = fresh(p_caution, "MN", "[\"cheeks\"]", 3, NULL);
	check_in(appt);
	r = get_session(appt, t_prac);
	assert_true(fx_has_str(json_object_get(r->json, "cautions"), "sunburn"));
	assert_true(fx_has_str(json_object_get(r->json, "missing"), "caution_reviewed"));
	resp_free(r);
	b = full_body();
	json_object_set_new(b, "caution_reviewed", json_false());
	put_ok(appt, b);
	static const char *const caution_only[] = {"caution_reviewed", NULL};
	expect_missing(appt, caution_only);
	put_ok(appt, full_body());
	sign_ok(appt);
}

static void an_empty_record_misses_everything_at_once(void **state)
{
	(void)state;
	static const char *const all[] = {"areas", "screening_confirmed", "consent",
					  "prp",   "caution_reviewed",	  "checked_in",
					  NULL};
	/* A caution patient without an MN_PRP consent, on an MN_PRP plan, not checked in. */
	long long appt = fresh(p_caution, "MN_PRP", "[\"cheeks\"]", 3, NULL);
	struct resp *r = get_session(appt, t_prac);
	json_t *missing = json_object_get(r->json, "missing");
	assert_int_equal(json_array_size(missing), 6);
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(json_string_value(json_array_get(missing, i)), all[i]);
	resp_free(r);
	/* Never written. */
	expect_missing(appt, all);
	/* Written empty. */
	r = put_text(appt, t_prac, "{}");
	expect_status(r, 200);
	assert_true(json_is_true(json_object_get(r->json, "exists")));
	resp_free(r);
	expect_missing(appt, all);
	r = get_session(appt, t_prac);
	assert_string_equal(jstr(r->json, "status"), "draft");
	resp_free(r);
}

static void consultations_have_no_session_record(void **state)
{
	(void)state;
	struct fx_booking b = {.patient = p_main,
			       .practitioner = u_prac,
			       .room = room,
			       .kind = "consultation",
			       .start = slot()};
	b.end = b.start + SLOT_MIN * 60;
	struct resp *r = fx_book(&S, t_desk, &b);
	expect_status(r, 201);
	long long appt = jint(r->json, "id");
	resp_free(r);
	fx_expect_err(get_session(appt, t_prac), 409, "not_treatment", NULL);
	fx_expect_err(put_session(appt, t_prac, full_body()), 409, "not_treatment", NULL);
	fx_expect_err(sign(appt, t_prac), 409, "not_treatment", NULL);
	fx_expect_err(addendum(appt, t_prac, "{\"text\":\"note\"}"), 409, "not_treatment", NULL);
}

static void roles_who_may_read_write_and_sign(void **state)
{
	(void)state;
	long long appt = fresh(p_main, "MN", "[\"cheeks\"]", 3, NULL);
	json_t *b = full_body();
	json_object_set_new(b, "cartridge_lot", json_string("CART-SECRET-7"));
	put_ok(appt, b);

	/* The front desk sees nothing of the record (rule 12). */
	struct resp *r = get_session(appt, t_desk);
	fx_expect_error(r, 403, "forbidden");
	assert_null(strstr(r->body, "CART-SECRET-7"));
	resp_free(r);
	fx_expect_err(put_session(appt, t_desk, full_body()), 403, "forbidden", NULL);
	fx_expect_err(sign(appt, t_desk), 403, "forbidden", NULL);
	fx_expect_err(addendum(appt, t_desk, "{\"text\":\"desk note\"}"), 403, "forbidden", NULL);
	fx_expect_err(req(&S, "GET", V1 "/lots/CART-SECRET-7/sessions", t_desk, NULL), 403,
		      "forbidden", NULL);
	char path[96];
	snprintf(path, sizeof path, V1 "/patients/%lld/sessions", p_main);
	fx_expect_err(req(&S, "GET", path, t_desk, NULL), 403, "forbidden", NULL);
	/* Without a session at all. */
	fx_expect_err(get_session(appt, NULL), 401, "unauthenticated", NULL);

	/* An admin reads and writes drafts but does not sign. */
	r = get_session(appt, t_admin);
	expect_status(r, 200);
	assert_string_equal(jstr(r->json, "cartridge_lot"), "CART-SECRET-7");
	resp_free(r);
	fx_expect_status(put_session(appt, t_admin, full_body()), 200);
	fx_expect_err(sign(appt, t_admin), 403, "forbidden", NULL);
	r = get_session(appt, t_prac);
	assert_string_equal(jstr(r->json, "status"), "draft");
	resp_free(r);
	/* The appointment is untouched by the refusals. */
	snprintf(path, sizeof path, V1 "/appointments/%lld", appt);
	r = req(&S, "GET", path, t_desk, NULL);
	assert_string_equal(jstr(r->json, "status"), "booked");
	resp_free(r);
}

static void signing_completes_the_appointment_and_moves_the_plan(void **state)
{
	(void)state;
	long long plan_id;
	long long appt = fresh(p_main, "MN", "[\"cheeks\"]", 3, &plan_id);
	struct resp *pr = get_plan(plan_id);
	assert_int_equal(progress(pr, "booked"), 1);
	assert_int_equal(progress(pr, "completed"), 0);
	expect_window(pr, 28, 42);
	resp_free(pr);

	json_t *b = full_body();
	json_object_set_new(
	    b, "areas",
	    json_pack("[{s:s, s:f, s:i}]", "area", "cheeks", "depth_mm", 1.25, "passes", 2));
	put_ok(appt, b);
	check_in(appt);
	struct resp *r = sign(appt, t_prac);
	expect_status(r, 200);
	assert_string_equal(jstr(r->json, "status"), "signed");
	assert_int_equal(jint(r->json, "signed_by"), u_prac);
	assert_true(strlen(jstr(r->json, "signed_at")) >= 20);
	assert_true(jint(r->json, "consent_id") > 0);
	assert_string_equal(jstr(r->json, "appointment_status"), "completed");
	assert_int_equal(json_array_size(json_object_get(r->json, "missing")), 0);
	resp_free(r);

	char path[96];
	snprintf(path, sizeof path, V1 "/appointments/%lld", appt);
	r = req(&S, "GET", path, t_desk, NULL);
	expect_status(r, 200);
	assert_string_equal(jstr(r->json, "status"), "completed");
	resp_free(r);

	pr = get_plan(plan_id);
	assert_int_equal(progress(pr, "completed"), 1);
	assert_int_equal(progress(pr, "booked"), 1);
	assert_string_equal(jstr(pr->json, "status"), "active");
	expect_window(pr, 28, 42);
	resp_free(pr);

	/* The next session, 30 days on, carries the signed one as "previous". */
	long long next = book_at(p_main, plan_id, fx_time(30, 10, 0));
	pr = get_plan(plan_id);
	assert_int_equal(progress(pr, "booked"), 2);
	assert_int_equal(progress(pr, "completed"), 1);
	expect_window(pr, 58, 72);
	resp_free(pr);
	r = get_session(next, t_prac);
	expect_status(r, 200);
	json_t *prev = json_object_get(r->json, "previous");
	assert_true(json_is_object(prev));
	assert_int_equal(jint(prev, "appointment_id"), appt);
	char today[11];
	fx_day(0, today);
	assert_string_equal(jstr(prev, "date"), today);
	assert_int_equal(json_array_size(json_object_get(prev, "areas")), 1);
	assert_string_equal(jstr(json_array_get(json_object_get(prev, "areas"), 0), "area"),
			    "cheeks");
	assert_true(depth_at(prev, 0) == 1.25);
	assert_non_null(strstr(r->body, "\"depth_mm\":1.25"));
	assert_int_equal(jint(json_object_get(r->json, "plan"), "session_number"), 2);
	resp_free(r);
	/* The signed session itself has no earlier one. */
	r = get_session(appt, t_prac);
	assert_true(json_is_null(json_object_get(r->json, "previous")));
	resp_free(r);
}

/* A new note may start from the plan's last signed one: its device, model and numbing
 * product come with "previous" (the depths for reference), never its cartridge lot; a
 * later draft is no source. The plan's size comes with the note ("session 2 of 3"). */
static void the_next_note_starts_from_the_last_signed_one(void **state)
{
	(void)state;
	long long plan_id;
	long long first = fresh(p_main, "MN", "[\"cheeks\"]", 3, &plan_id);
	put_ok(first, full_body());
	check_in(first);
	sign_ok(first);

	long long second = book_at(p_main, plan_id, fx_time(30, 11, 0));
	long long third = book_at(p_main, plan_id, fx_time(60, 11, 0));
	/* The second session's draft, other device and all, is not signed. */
	json_t *b = full_body();
	json_object_set_new(b, "device", json_string("roller"));
	json_object_set_new(b, "device_model", json_string("Roller 0.5"));
	json_object_set_new(b, "cartridge_lot", json_string("CART-NEW"));
	put_ok(second, b);

	char what[64];
	snprintf(what, sizeof what, "session_record %lld", third);
	int reads = fx_audit_count_detail(&S, t_admin, "patient", p_main, "read", what);
	struct resp *r = get_session(third, t_prac);
	expect_status(r, 200);
	json_t *prev = json_object_get(r->json, "previous");
	assert_true(json_is_object(prev));
	assert_int_equal(jint(prev, "appointment_id"), first);
	assert_string_equal(jstr(prev, "device"), "pen");
	assert_string_equal(jstr(prev, "device_model"), "Dermapen 4");
	assert_string_equal(jstr(prev, "numbing_product"), "Lidocaine 5%");
	assert_null(json_object_get(prev, "cartridge_lot"));
	assert_true(depth_at(prev, 0) == 1.5);
	json_t *pl = json_object_get(r->json, "plan");
	assert_int_equal(jint(pl, "session_number"), 3);
	assert_int_equal(jint(pl, "planned_sessions"), 3);
	resp_free(r);
	/* Read as a clinical read of the patient before it was answered. */
	assert_int_equal(fx_audit_count_detail(&S, t_admin, "patient", p_main, "read", what),
			 reads + 1);

	/* A previous session without numbing or device says null, not "". */
	long long plan2;
	long long one = fresh(p_main, "MN", "[\"forehead\"]", 2, &plan2);
	put_ok(one, json_pack("{s:b, s:[{s:s, s:f}]}", "screening_confirmed", 1, "areas", "area",
			      "forehead", "depth_mm", 0.5));
	check_in(one);
	sign_ok(one);
	long long two = book_at(p_main, plan2, fx_time(30, 12, 0));
	r = get_session(two, t_prac);
	expect_status(r, 200);
	prev = json_object_get(r->json, "previous");
	assert_true(json_is_null(json_object_get(prev, "device")));
	assert_true(json_is_null(json_object_get(prev, "device_model")));
	assert_true(json_is_null(json_object_get(prev, "numbing_product")));
	assert_int_equal(jint(json_object_get(r->json, "plan"), "planned_sessions"), 2);
	resp_free(r);
	/* The front desk reads none of it. */
	r = get_session(two, t_desk);
	expect_status(r, 403);
	resp_free(r);
}

static void a_one_session_plan_completes(void **state)
{
	(void)state;
	long long plan_id;
	long long appt = fresh(p_main, "MN", "[\"cheeks\"]", 1, &plan_id);
	struct resp *pr = get_plan(plan_id);
	assert_true(
	    json_is_null(json_object_get(json_object_get(pr->json, "progress"), "next_window")));
	resp_free(pr);
	put_ok(appt, full_body());
	check_in(appt);
	sign_ok(appt);
	pr = get_plan(plan_id);
	assert_string_equal(jstr(pr->json, "status"), "completed");
	assert_int_equal(progress(pr, "completed"), 1);
	assert_true(
	    json_is_null(json_object_get(json_object_get(pr->json, "progress"), "next_window")));
	resp_free(pr);
	assert_int_equal(fx_audit_count(&S, t_admin, "plan", plan_id, "complete"), 1);
}

static void a_signed_record_is_locked_and_takes_addenda(void **state)
{
	(void)state;
	long long appt = fresh(p_main, "MN", "[\"cheeks\"]", 3, NULL);
	/* No record yet: nothing to add to. */
	fx_expect_err(addendum(appt, t_prac, "{\"text\":\"too early\"}"), 404, "not_found", NULL);
	put_ok(appt, full_body());
	/* A draft is edited, not added to. */
	fx_expect_err(addendum(appt, t_prac, "{\"text\":\"still a draft\"}"), 409, "not_signed",
		      NULL);
	fx_expect_err(addendum(appt, t_admin, "{\"text\":\"still a draft\"}"), 409, "not_signed",
		      NULL);
	assert_int_equal(fx_audit_count(&S, t_admin, "session_record", appt, "addendum"), 0);
	check_in(appt);
	sign_ok(appt);

	fx_expect_err(put_session(appt, t_prac, full_body()), 409, "locked", NULL);
	fx_expect_err(put_session(appt, t_admin, full_body()), 409, "locked", NULL);
	fx_expect_err(sign(appt, t_prac), 409, "locked", NULL);
	/* Nothing is deleted (rule 10). */
	char spth[128];
	spath(spth, sizeof spth, appt, "");
	fx_expect_err(req(&S, "DELETE", spth, t_prac, NULL), 405, "method_not_allowed", NULL);

	struct resp *r =
	    addendum(appt, t_prac, "{\"text\":\"Called the next day: mild redness only.\"}");
	expect_status(r, 201);
	char loc[128], want[128];
	spath(want, sizeof want, appt, "");
	assert_non_null(resp_header(r, "Location", loc, sizeof loc));
	assert_string_equal(loc, want);
	long long first = jint(r->json, "id");
	assert_int_equal(jint(r->json, "author"), u_prac);
	assert_true(strlen(jstr(r->json, "at")) >= 20);
	resp_free(r);
	r = addendum(appt, t_admin, "{\"text\":\"Lot number confirmed with supplier.\"}");
	expect_status(r, 201);
	long long second = jint(r->json, "id");
	assert_true(second > first);
	resp_free(r);

	static const struct fx_bad bad[] = {
	    {.body = "{\"text\":\"\"}"},
	    {.body = "{}"},
	    {.body = "{\"text\":null}"},
	    {.body = "{\"text\":7}"},
	    {.body = "{\"text\":\"x\",\"by\":\"me\"}"},
	};
	char path[128];
	spath(path, sizeof path, appt, "/addenda");
	fx_expect_bad(&S, t_prac, "POST", path, FX_ROWS(bad));

	r = get_session(appt, t_prac);
	expect_status(r, 200);
	assert_string_equal(jstr(r->json, "status"), "signed");
	json_t *ad = json_object_get(r->json, "addenda");
	assert_int_equal(json_array_size(ad), 2);
	json_t *a0 = json_array_get(ad, 0), *a1 = json_array_get(ad, 1);
	assert_int_equal(jint(a0, "id"), first);
	assert_int_equal(jint(a0, "author"), u_prac);
	assert_string_equal(jstr(a0, "text"), "Called the next day: mild redness only.");
	assert_true(strlen(jstr(a0, "at")) >= 20);
	assert_int_equal(jint(a1, "id"), second);
	assert_int_equal(jint(a1, "author"), u_admin);
	assert_string_equal(jstr(a1, "text"), "Lot number confirmed with supplier.");
	/* The record itself is as signed. */
	assert_true(depth_at(r->json, 0) == 1.5);
	assert_string_equal(jstr(r->json, "cartridge_lot"), "CART-STD");
	assert_int_equal(json_array_size(json_object_get(r->json, "missing")), 0);
	resp_free(r);
	assert_int_equal(fx_audit_count(&S, t_admin, "session_record", appt, "addendum"), 2);
}

static void a_cancelled_appointment_is_not_signed(void **state)
{
	(void)state;
	long long appt = fresh(p_main, "MN", "[\"cheeks\"]", 3, NULL);
	put_ok(appt, full_body());
	char path[96];
	snprintf(path, sizeof path, V1 "/appointments/%lld/cancel", appt);
	fx_expect_status(req(&S, "POST", path, t_desk, NULL), 200);
	struct resp *r = sign(appt, t_prac);
	expect_status(r, 409);
	assert_string_equal(resp_error(r), "bad_transition");
	resp_free(r);
	fx_expect_status(put_session(appt, t_prac, full_body()), 409);
	r = get_session(appt, t_prac);
	assert_string_equal(jstr(r->json, "status"), "draft");
	assert_string_equal(jstr(r->json, "appointment_status"), "cancelled");
	resp_free(r);
	snprintf(path, sizeof path, V1 "/appointments/%lld", appt);
	r = req(&S, "GET", path, t_desk, NULL);
	assert_string_equal(jstr(r->json, "status"), "cancelled");
	resp_free(r);
}

static void lots_trace_cartridges_and_prp_kits(void **state)
{
	(void)state;
	long long p = fx_patient(&S, t_desk, "Lotte", "Tracer", "1979-06-02");
	fx_screen(&S, t_prac, p, "{\"conditions\":[]}");
	consent(p, "MN");
	consent(p, "MN_PRP");

	long long a = fresh(p, "MN", "[\"cheeks\"]", 3, NULL);
	json_t *b = full_body();
	json_object_set_new(b, "cartridge_lot", json_string("CART-TRACE-1"));
	put_ok(a, b);
	check_in(a);
	sign_ok(a);

	long long k = fresh(p, "MN_PRP", "[\"cheeks\"]", 3, NULL);
	b = prp_body("KIT-TRACE-1");
	json_object_set_new(b, "cartridge_lot", json_string("CART-OTHER-1"));
	put_ok(k, b);
	check_in(k);
	sign_ok(k);

	/* A draft counts for a recall too. */
	long long d = fresh(p_main, "MN", "[\"cheeks\"]", 3, NULL);
	b = full_body();
	json_object_set_new(b, "cartridge_lot", json_string("CART-TRACE-1"));
	put_ok(d, b);

	/* One session with the same lot for both appears once. */
	long long same = fresh(p, "MN_PRP", "[\"cheeks\"]", 3, NULL);
	b = prp_body("SAME-LOT-1");
	json_object_set_new(b, "cartridge_lot", json_string("SAME-LOT-1"));
	put_ok(same, b);

	struct resp *r = req(&S, "GET", V1 "/lots/CART-TRACE-1/sessions", t_prac, NULL);
	expect_status(r, 200);
	assert_int_equal(jint(r->json, "total"), 2);
	json_t *items = json_object_get(r->json, "items");
	json_t *ia = fx_find(items, "appointment_id", a), *id = fx_find(items, "appointment_id", d);
	assert_non_null(ia);
	assert_non_null(id);
	assert_string_equal(jstr(ia, "lot_kind"), "cartridge");
	assert_string_equal(jstr(ia, "status"), "signed");
	assert_string_equal(jstr(id, "status"), "draft");
	assert_int_equal(jint(ia, "patient_id"), p);
	assert_string_equal(jstr(ia, "patient_name"), "Lotte Tracer");
	assert_int_equal(jint(ia, "practitioner_id"), u_prac);
	assert_true(strlen(jstr(ia, "practitioner_name")) > 0);
	char today[11];
	fx_day(0, today);
	assert_string_equal(jstr(ia, "date"), today);
	resp_free(r);

	r = req(&S, "GET", V1 "/lots/KIT-TRACE-1/sessions", t_admin, NULL);
	expect_status(r, 200);
	assert_int_equal(jint(r->json, "total"), 1);
	json_t *ik = json_array_get(json_object_get(r->json, "items"), 0);
	assert_int_equal(jint(ik, "appointment_id"), k);
	assert_string_equal(jstr(ik, "lot_kind"), "prp_kit");
	assert_string_equal(jstr(ik, "treatment_type"), "MN_PRP");
	resp_free(r);

	r = req(&S, "GET", V1 "/lots/SAME-LOT-1/sessions", t_prac, NULL);
	expect_status(r, 200);
	assert_int_equal(jint(r->json, "total"), 1);
	resp_free(r);

	r = req(&S, "GET", V1 "/lots/NO-SUCH-LOT/sessions", t_prac, NULL);
	expect_status(r, 200);
	assert_int_equal(jint(r->json, "total"), 0);
	resp_free(r);

	fx_expect_err(req(&S, "GET", V1 "/lots/KIT-TRACE-1/sessions", t_desk, NULL), 403,
		      "forbidden", NULL);
	/* The lookup is audited with the lot it asked for. */
	assert_true(audit_has("lot", 0, "read", "KIT-TRACE-1"));
	assert_true(audit_has("lot", 0, "read", "CART-TRACE-1"));
}

/* GET /lots/{lot}/sessions of a lot, or a prefix with its final "*", between dates. */
static struct resp *lots(const char *lot, const char *query)
{
	char *enc = url_encode(lot), path[256];
	snprintf(path, sizeof path, V1 "/lots/%s/sessions%s", enc, query ? query : "");
	free(enc);
	struct resp *r = req(&S, "GET", path, t_prac, NULL);
	return r;
}

/* The lots of the sessions a look-up found, in its order, joined by spaces. */
static void expect_lots(const char *lot, const char *query, const char *want)
{
	struct resp *r = lots(lot, query);
	expect_status(r, 200);
	char got[512] = "";
	json_t *items = json_object_get(r->json, "items");
	for (size_t i = 0; i < json_array_size(items); i++) {
		size_t n = strlen(got);
		snprintf(got + n, sizeof got - n, "%s%s", n ? " " : "",
			 jstr(json_array_get(items, i), "lot"));
	}
	if (strcmp(got, want) != 0)
		print_message("%s%s: %s, want %s\n", lot, query ? query : "", got, want);
	assert_string_equal(got, want);
	assert_int_equal(jint(r->json, "total"), (long long)json_array_size(items));
	assert_true(json_is_false(json_object_get(r->json, "truncated")));
	assert_true(json_is_boolean(json_object_get(r->json, "prefix")));
	assert_int_equal(json_is_true(json_object_get(r->json, "prefix")),
			 lot[strlen(lot) - 1] == '*');
	resp_free(r);
}

static void lots_by_prefix_and_dates(void **state)
{
	(void)state;
	long long p = fx_patient(&S, t_desk, "Pia", "Prefix", "1981-02-03");
	fx_screen(&S, t_prac, p, "{\"conditions\":[]}");
	consent(p, "MN");
	consent(p, "MN_PRP");
	/* Lots that a wildcard would confuse, each on a session of a plan of its own, today
	 * or in three days' time; one PRP kit. */
	static const struct {
		const char *lot;
		int day;
		bool kit;
	} used[] = {
	    {"PFX-2026-10", 0, false}, {"PFX-2026-11", 0, true}, {"PFX-2026-12", 3, false},
	    {"PFX_2026-1", 0, false},  {"PFX%2026-1", 0, false}, {"pfx-2026-13", 0, false},
	    {"PFX-2026", 0, false},
	};
	for (size_t i = 0; i < sizeof used / sizeof used[0]; i++) {
		long long pl = plan(p, used[i].kit ? "MN_PRP" : "MN", "[\"cheeks\"]", 3);
		long long a = book_at(p, pl, used[i].day ? fx_time(used[i].day, 10, 0) : slot());
		json_t *b = used[i].kit ? prp_body(used[i].lot) : full_body();
		json_object_set_new(b, "cartridge_lot",
				    json_string(used[i].kit ? "CART-ELSEWHERE" : used[i].lot));
		put_ok(a, b);
	}
	char today[11], later[11], q[64];
	fx_day(0, today);
	fx_day(3, later);

	/* Newest first; the PRP kit's lot is named as such; the case counts. */
	expect_lots("PFX-2026-1*", NULL, "PFX-2026-12 PFX-2026-11 PFX-2026-10");
	struct resp *r = lots("PFX-2026-1*", NULL);
	json_t *items = json_object_get(r->json, "items");
	assert_string_equal(jstr(json_array_get(items, 0), "lot_kind"), "cartridge");
	bool kit = false;
	for (size_t i = 0; i < json_array_size(items); i++)
		kit |= strcmp(jstr(json_array_get(items, i), "lot_kind"), "prp_kit") == 0 &&
		       strcmp(jstr(json_array_get(items, i), "lot"), "PFX-2026-11") == 0;
	assert_true(kit);
	resp_free(r);
	/* _ and % are characters like any other, never wildcards. */
	expect_lots("PFX_*", NULL, "PFX_2026-1");
	expect_lots("PFX%*", NULL, "PFX%2026-1");
	expect_lots("PFX-2026*", NULL, "PFX-2026-12 PFX-2026 PFX-2026-11 PFX-2026-10");
	expect_lots("pfx*", NULL, "pfx-2026-13");
	/* A lot without the * is that lot alone. */
	expect_lots("PFX-2026", NULL, "PFX-2026");
	expect_lots("PFX_2026-1", NULL, "PFX_2026-1");
	expect_lots("PFX-2026-1", NULL, "");

	/* Dates narrow by the session's day, both ends included. */
	snprintf(q, sizeof q, "?from=%s&to=%s", today, today);
	expect_lots("PFX-2026-1*", q, "PFX-2026-11 PFX-2026-10");
	snprintf(q, sizeof q, "?from=%s", later);
	expect_lots("PFX-2026-1*", q, "PFX-2026-12");
	snprintf(q, sizeof q, "?to=%s", today);
	expect_lots("PFX-2026-12", q, "");
	snprintf(q, sizeof q, "?from=%s&to=%s", later, later);
	expect_lots("PFX-2026-12", q, "PFX-2026-12");

	/* Refused: too short a prefix, a * inside, dates that are not or run backwards. */
	const struct fx_bad bad[] = {
	    {.path = V1 "/lots/PF*/sessions", .field = "lot"},
	    {.path = V1 "/lots/*/sessions", .field = "lot"},
	    {.path = V1 "/lots/PFX*2026*/sessions", .field = "lot"},
	    {.path = V1 "/lots/PFX*/sessions?from=2026-13-01", .field = "from"},
	    {.path = V1 "/lots/PFX*/sessions?to=yesterday", .field = "to"},
	    {.path = V1 "/lots/PFX*/sessions?from=2030-01-02&to=2030-01-01", .field = "to"},
	};
	fx_expect_bad(&S, t_prac, "GET", NULL, FX_ROWS(bad));
	fx_expect_err(req(&S, "GET", V1 "/lots/PFX-2026-1*/sessions", t_desk, NULL), 403,
		      "forbidden", NULL);
	/* The look-up is audited with the prefix it asked for. */
	assert_true(audit_has("lot", 0, "read", "PFX-2026-1*"));
	assert_true(audit_has("lot", 0, "read", "PFX_*"));
}

static void patient_history_newest_first(void **state)
{
	(void)state;
	long long p = fx_patient(&S, t_desk, "Hilde", "Story", "1970-01-30");
	fx_screen(&S, t_prac, p, "{\"conditions\":[]}");
	consent(p, "MN");
	long long older = fresh(p, "MN", "[\"cheeks\"]", 3, NULL);
	json_t *b = full_body();
	json_object_set_new(b, "areas",
			    json_pack("[{s:s, s:f}, {s:s, s:f}]", "area", "cheeks", "depth_mm",
				      1.75, "area", "chin_jaw", "depth_mm", 1.25));
	put_ok(older, b);
	check_in(older);
	sign_ok(older);
	long long newer = fresh(p, "MN", "[\"forehead\"]", 3, NULL);
	put_ok(newer, json_pack("{s:[{s:s, s:f}]}", "areas", "area", "forehead", "depth_mm", 0.75));

	char path[96];
	snprintf(path, sizeof path, V1 "/patients/%lld/sessions", p);
	int reads = fx_audit_count(&S, t_admin, "patient", p, "read");
	struct resp *r = req(&S, "GET", path, t_prac, NULL);
	expect_status(r, 200);
	assert_int_equal(jint(r->json, "total"), 2);
	json_t *items = json_object_get(r->json, "items");
	json_t *i0 = json_array_get(items, 0), *i1 = json_array_get(items, 1);
	assert_int_equal(jint(i0, "appointment_id"), newer);
	assert_int_equal(jint(i1, "appointment_id"), older);
	assert_string_equal(jstr(i0, "status"), "draft");
	assert_string_equal(jstr(i1, "status"), "signed");
	assert_true(depth_at(i0, 0) == 0.75);
	assert_int_equal(json_array_size(json_object_get(i1, "areas")), 2);
	assert_string_equal(jstr(json_array_get(json_object_get(i1, "areas"), 1), "area"),
			    "chin_jaw");
	assert_true(depth_at(i1, 0) == 1.75);
	assert_true(depth_at(i1, 1) == 1.25);
	assert_string_equal(jstr(i1, "device"), "pen");
	resp_free(r);
	/* The read of this patient's history is audited against the patient. */
	assert_int_equal(fx_audit_count(&S, t_admin, "patient", p, "read"), reads + 1);
	assert_true(audit_has("patient", p, "read", "session history"));

	fx_expect_err(req(&S, "GET", V1 "/patients/999999/sessions", t_prac, NULL), 404,
		      "not_found", NULL);
}

static void reads_and_writes_are_audited(void **state)
{
	(void)state;
	long long appt = fresh(p_main, "MN", "[\"cheeks\"]", 3, NULL);
	/* A read of a patient's note is a read of that patient's data, naming the note. */
	char what[64];
	snprintf(what, sizeof what, "session_record %lld", appt);
#define NOTE_READS() fx_audit_count_detail(&S, t_admin, "patient", p_main, "read", what)
	int reads = NOTE_READS();
	fx_expect_status(get_session(appt, t_prac), 200);
	assert_int_equal(NOTE_READS(), reads + 1);
	struct resp *r = get_session(appt, t_admin);
	resp_free(r);
	assert_int_equal(NOTE_READS(), reads + 2);
	/* A refused read is no read. */
	r = get_session(appt, t_desk);
	resp_free(r);
	assert_int_equal(NOTE_READS(), reads + 2);
#undef NOTE_READS

	put_ok(appt, full_body());
	put_ok(appt, full_body());
	assert_int_equal(fx_audit_count(&S, t_admin, "session_record", appt, "create"), 1);
	assert_int_equal(fx_audit_count(&S, t_admin, "session_record", appt, "update"), 1);
	/* A refused write leaves no event. */
	r = put_text(appt, t_prac, "{\"areas\":[{\"area\":\"cheeks\",\"depth_mm\":1.355}]}");
	resp_free(r);
	assert_int_equal(fx_audit_count(&S, t_admin, "session_record", appt, "update"), 1);
	check_in(appt);
	sign_ok(appt);
	assert_int_equal(fx_audit_count(&S, t_admin, "session_record", appt, "sign"), 1);
}

/* A note is signed for a visit that took place: the patient was checked in first. */
/* A checked-in visit outlives its patient's archiving (only booked ones are cancelled),
 * but its note is signed no more: an archived patient's appointments change no more. */
static void an_archived_patients_note_is_not_signed(void **state)
{
	(void)state;
	long long p = fx_patient(&S, t_desk, "Aria", "Archived", "1982-05-05");
	fx_screen(&S, t_prac, p, "{\"conditions\":[]}");
	consent(p, "MN");
	long long appt = fresh(p, "MN", "[\"cheeks\"]", 3, NULL);
	put_ok(appt, full_body());
	check_in(appt);
	char path[96];
	snprintf(path, sizeof path, V1 "/patients/%lld/archive", p);
	struct resp *r = req(&S, "POST", path, t_desk, NULL);
	expect_status(r, 200);
	assert_int_equal(json_array_size(json_object_get(r->json, "cancelled_appointments")), 0);
	resp_free(r);
	fx_expect_err(sign(appt, t_prac), 409, "patient_archived", NULL);
	r = get_session(appt, t_prac);
	assert_string_equal(jstr(r->json, "status"), "draft");
	resp_free(r);
}

static void signing_needs_the_patient_checked_in(void **state)
{
	(void)state;
	long long appt = fresh(p_main, "MN", "[\"cheeks\"]", 3, NULL);
	put_ok(appt, full_body());
	/* Complete but for the check-in: that alone is missing. */
	static const char *const not_here[] = {"checked_in", NULL};
	expect_missing(appt, not_here);
	struct resp *r = get_session(appt, t_prac);
	expect_status(r, 200);
	json_t *missing = json_object_get(r->json, "missing");
	assert_int_equal(json_array_size(missing), 1);
	assert_true(fx_has_str(missing, "checked_in"));
	assert_string_equal(jstr(r->json, "appointment_status"), "booked");
	resp_free(r);
	/* The refusal changed nothing. */
	assert_int_equal(fx_audit_count(&S, t_admin, "session_record", appt, "sign"), 0);
	r = get_session(appt, t_prac);
	assert_string_equal(jstr(r->json, "status"), "draft");
	resp_free(r);

	/* Checked in, nothing is missing and the note signs. */
	check_in(appt);
	r = get_session(appt, t_prac);
	assert_int_equal(json_array_size(json_object_get(r->json, "missing")), 0);
	assert_string_equal(jstr(r->json, "appointment_status"), "checked_in");
	resp_free(r);
	sign_ok(appt);
	assert_int_equal(fx_audit_count(&S, t_admin, "session_record", appt, "sign"), 1);

	/* With something else missing too, both are named, in their order. */
	long long other = fresh(p_main, "MN", "[\"cheeks\"]", 3, NULL);
	json_t *b = full_body();
	json_object_set_new(b, "screening_confirmed", json_false());
	put_ok(other, b);
	static const char *const two[] = {"screening_confirmed", "checked_in", NULL};
	expect_missing(other, two);
}

/* Only the appointment's own practitioner signs; a colleague reads, writes the draft and
 * adds addenda; an admin never signs. */
static void only_the_appointments_own_practitioner_signs(void **state)
{
	(void)state;
	long long appt = fresh(p_main, "MN", "[\"cheeks\"]", 3, NULL);
	put_ok(appt, full_body());
	check_in(appt);
	struct resp *r = sign(appt, t_prac2);
	fx_expect_error(r, 403, "forbidden");
	assert_int_equal(jint(fx_details(r), "practitioner_id"), u_prac);
	resp_free(r);
	fx_expect_err(sign(appt, t_admin), 403, "forbidden", NULL);
	/* The colleague may read and write the draft. */
	fx_expect_status(get_session(appt, t_prac2), 200);
	fx_expect_status(put_session(appt, t_prac2, full_body()), 200);
	r = get_session(appt, t_prac);
	assert_string_equal(jstr(r->json, "status"), "draft");
	assert_string_equal(jstr(r->json, "appointment_status"), "checked_in");
	resp_free(r);
	assert_int_equal(fx_audit_count(&S, t_admin, "session_record", appt, "sign"), 0);

	r = sign(appt, t_prac);
	expect_status(r, 200);
	assert_int_equal(jint(r->json, "signed_by"), u_prac);
	resp_free(r);
	/* After signing the colleague adds an addendum, signed with their own name. */
	r = addendum(appt, t_prac2, "{\"text\":\"Reviewed the next day as cover.\"}");
	expect_status(r, 201);
	assert_int_equal(jint(r->json, "author"), u_prac2);
	resp_free(r);
	fx_expect_err(sign(appt, t_prac2), 403, "forbidden", NULL);

	/* It is the appointment's practitioner who signs, not the plan's. */
	long long plan_id = plan(p_main, "MN", "[\"cheeks\"]", 3);
	struct fx_booking bk = {.patient = p_main,
				.practitioner = u_prac2,
				.room = room,
				.plan = plan_id,
				.start = slot()};
	bk.end = bk.start + SLOT_MIN * 60;
	long long covered = fx_booked(&S, t_desk, &bk);
	put_ok(covered, full_body());
	check_in(covered);
	fx_expect_err(sign(covered, t_prac), 403, "forbidden", NULL);
	r = sign(covered, t_prac2);
	expect_status(r, 200);
	assert_int_equal(jint(r->json, "signed_by"), u_prac2);
	assert_string_equal(jstr(r->json, "appointment_status"), "completed");
	resp_free(r);
}

static void reactions_none_stands_alone(void **state)
{
	(void)state;
	long long appt = fresh(p_main, "MN", "[\"cheeks\"]", 3, NULL);
	struct resp *r = put_text(appt, t_prac, "{\"reactions\":[{\"type\":\"none\"}]}");
	expect_status(r, 200);
	json_t *x = json_array_get(json_object_get(r->json, "reactions"), 0);
	assert_string_equal(jstr(x, "type"), "none");
	assert_true(json_is_null(json_object_get(x, "severity")));
	resp_free(r);

	r = put_text(appt, t_prac,
		     "{\"reactions\":[{\"type\":\"redness\",\"severity\":2},"
		     "{\"type\":\"swelling\",\"severity\":1}]}");
	expect_status(r, 200);
	assert_int_equal(json_array_size(json_object_get(r->json, "reactions")), 2);
	assert_int_equal(jint(json_array_get(json_object_get(r->json, "reactions"), 0), "severity"),
			 2);
	resp_free(r);

	static const struct fx_bad bad[] = {
	    FX_FIELD("{\"reactions\":[{\"type\":\"none\",\"severity\":1}]}", "reactions[0].type"),
	    FX_FIELD("{\"reactions\":[{\"type\":\"none\"},{\"type\":\"redness\",\"severity\":1}]}",
		     "reactions[0].type"),
	    FX_FIELD("{\"reactions\":[{\"type\":\"redness\",\"severity\":1},{\"type\":\"none\"}]}",
		     "reactions[1].type"),
	    FX_FIELD("{\"reactions\":[{\"type\":\"redness\"}]}", "reactions[0].severity"),
	    FX_FIELD("{\"reactions\":[{\"type\":\"redness\",\"severity\":0}]}",
		     "reactions[0].severity"),
	    FX_FIELD("{\"reactions\":[{\"type\":\"redness\",\"severity\":4}]}",
		     "reactions[0].severity"),
	    FX_FIELD("{\"reactions\":[{\"type\":\"Red ness\",\"severity\":1}]}",
		     "reactions[0].type"),
	    FX_FIELD("{\"reactions\":[{\"severity\":1}]}", "reactions[0].type"),
	};
	expect_put_refused(appt, FX_ROWS(bad));
	r = get_session(appt, t_prac);
	assert_int_equal(json_array_size(json_object_get(r->json, "reactions")), 2);
	resp_free(r);
}

static void numbing_dwell_and_other_fields(void **state)
{
	(void)state;
	long long appt = fresh(p_main, "MN", "[\"cheeks\"]", 3, NULL);
	char applied[32], removed[32];
	time_t t = fx_time(0, 0, 0);
	fx_instant(t, applied);
	fx_instant(t + 10 * 60, removed);
	char path[128];
	spath(path, sizeof path, appt, "");
	struct resp *r =
	    reqf(&S, "PUT", path, t_prac,
		 "{\"numbing\":{\"product\":\"EMLA\",\"applied_at\":\"%s\",\"removed_at\":\"%s\"}}",
		 applied, removed);
	expect_status(r, 200);
	json_t *w = fx_warning(r, "short_numbing_dwell");
	assert_non_null(w);
	assert_int_equal(jint(w, "minutes"), 10);
	assert_string_equal(jstr(json_object_get(r->json, "numbing"), "product"), "EMLA");
	resp_free(r);

	fx_instant(t + 15 * 60, removed);
	r = reqf(&S, "PUT", path, t_prac,
		 "{\"numbing\":{\"product\":\"EMLA\",\"applied_at\":\"%s\",\"removed_at\":\"%s\"}}",
		 applied, removed);
	expect_status(r, 200);
	assert_null(fx_warning(r, "short_numbing_dwell"));
	resp_free(r);

	fx_instant(t - 60, removed);
	r = reqf(&S, "PUT", path, t_prac,
		 "{\"numbing\":{\"product\":\"EMLA\",\"applied_at\":\"%s\",\"removed_at\":\"%s\"}}",
		 applied, removed);
	fx_expect_field(r, "numbing.removed_at");
	resp_free(r);

	static const struct fx_bad bad[] = {
	    FX_FIELD("{\"device\":\"laser\"}", "device"),
	    FX_FIELD("{\"endpoint\":\"glowing\"}", "endpoint"),
	    FX_FIELD("{\"colour\":\"red\"}", "colour"),
	    FX_FIELD("{\"screening_confirmed\":\"yes\"}", "screening_confirmed"),
	    /* Left out keeps a flag; null never clears it. */
	    FX_FIELD("{\"screening_confirmed\":null}", "screening_confirmed"),
	    FX_FIELD("{\"caution_reviewed\":null}", "caution_reviewed"),
	    FX_FIELD("{\"aftercare_given\":null}", "aftercare_given"),
	    FX_FIELD("{\"areas\":[],\"aftercare_given\":null}", "aftercare_given"),
	    FX_FIELD("{\"products\":[\"\"]}", "products"),
	    FX_FIELD("{\"numbing\":{\"applied_at\":\"yesterday\"}}", "numbing.applied_at"),
	};
	expect_put_refused(appt, FX_ROWS(bad));
	fx_expect_err(put_text(appt, t_prac, "{\"areas\":"), 400, "bad_json", NULL);
}

/* ---- Setup ---- */

/* Every session is today and its screening is confirmed today: the tests do not start in
 * the last 90 seconds before midnight, clinic time (UTC). */
static void stay_clear_of_midnight(void)
{
	time_t now = time(NULL);
	int into_day = (int)(now % 86400);
	if (into_day > 86400 - 90)
		sleep((unsigned)(86400 - into_day + 1));
}

/* The treatment room, prac's hours around the clock, and the three patients. */
static int room_hours_and_patients(void)
{
	room = fx_room(&S, t_admin, "Treatment 1");
	fx_daily_hours(&S, t_admin, u_prac, (const char *const[]){"00:00", "24:00", NULL});
	fx_daily_hours(&S, t_admin, u_prac2, (const char *const[]){"00:00", "24:00", NULL});
	t_prac2 = login(&S, "prac2", PW_PRAC);

	p_main = fx_patient(&S, t_desk, "Mara", "Main", "1985-03-14");
	fx_screen(&S, t_prac, p_main, "{\"conditions\":[]}");
	consent(p_main, "MN");
	consent(p_main, "MN_PRP");
	p_caution = fx_patient(&S, t_desk, "Cora", "Caution", "1990-07-21");
	fx_screen(&S, t_prac, p_caution, "{\"conditions\":[\"sunburn\"]}");
	consent(p_caution, "MN");
	p_noconsent = fx_patient(&S, t_desk, "Nico", "Noform", "1988-11-02");
	fx_screen(&S, t_prac, p_noconsent, "{\"conditions\":[]}");
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
    .prac2_id = &u_prac2,
    .setup = room_hours_and_patients,
};

/* POST /patients/{id}/merge as token, from from_id; the answer. */
static struct resp *merge(long long into, long long from, const char *token)
{
	char path[96];
	snprintf(path, sizeof path, V1 "/patients/%lld/merge", into);
	return reqj(&S, "POST", path, token, json_pack("{s:I}", "from_id", (json_int_t)from));
}

/* A merge moves a chart's plans, appointments, screenings and consents into another; the
 * signed note (which belongs to its appointment) reads back exactly as signed, the
 * appointment carries the new chart's name, and the audit chain still verifies. */
static void a_merge_moves_everything_and_keeps_signed_notes(void **state)
{
	(void)state;
	long long from = fx_patient(&S, t_desk, "Margit", "Duplikat", "1981-02-03");
	long long into = fx_patient(&S, t_desk, "Margit", "Original", "1981-02-04");
	fx_screen(&S, t_prac, from, "{\"conditions\":[]}");
	consent(from, "MN");
	long long plan_id = 0;
	long long appt = fresh(from, "MN", "[\"cheeks\"]", 3, &plan_id);
	put_ok(appt, full_body());
	check_in(appt);
	sign_ok(appt);
	struct resp *before = get_session(appt, t_prac);
	expect_status(before, 200);

	/* Not the front desk or a practitioner; not into itself; not unknown charts. */
	fx_expect_err(merge(into, from, t_desk), 403, "forbidden", NULL);
	fx_expect_err(merge(into, from, t_prac), 403, "forbidden", NULL);
	fx_expect_err(merge(into, into, t_admin), 409, "merge_same_chart", NULL);
	fx_expect_err(merge(into, 999999, t_admin), 404, "not_found", "from_id");
	fx_expect_err(merge(999999, from, t_admin), 404, "not_found", "id");

	/* A preview counts and changes nothing. */
	char path[96];
	snprintf(path, sizeof path, V1 "/patients/%lld/merge", into);
	struct resp *r = reqj(&S, "POST", path, t_admin,
			      json_pack("{s:I, s:b}", "from_id", (json_int_t)from, "preview", 1));
	expect_status(r, 200);
	json_t *moved = json_object_get(r->json, "moved");
	assert_false(json_is_true(json_object_get(r->json, "merged")));
	assert_int_equal(jint(moved, "plans"), 1);
	assert_int_equal(jint(moved, "appointments"), 1);
	assert_int_equal(jint(moved, "session_records"), 1);
	assert_int_equal(jint(moved, "screenings"), 1);
	assert_int_equal(jint(moved, "consents"), 1);
	resp_free(r);
	assert_int_equal(fx_audit_count(&S, t_admin, "patient", into, "merge"), 0);

	r = merge(into, from, t_admin);
	expect_status(r, 200);
	assert_true(json_is_true(json_object_get(r->json, "merged")));
	assert_int_equal(jint(json_object_get(r->json, "moved"), "appointments"), 1);
	resp_free(r);

	/* The signed note is as it was, field for field; only the patient it is read with is
	 * the other chart. */
	struct resp *after = get_session(appt, t_prac);
	expect_status(after, 200);
	assert_int_equal(jint(before->json, "patient_id"), from);
	assert_int_equal(jint(after->json, "patient_id"), into);
	json_object_del(before->json, "patient_id");
	json_object_del(after->json, "patient_id");
	assert_true(json_equal(before->json, after->json));
	resp_free(before);
	resp_free(after);
	/* The appointment, its plan and the screening and consent are the other chart's. */
	char q[160];
	snprintf(q, sizeof q,
		 "SELECT count(*) FROM appointments WHERE id = %lld AND patient_id = "
		 "%lld AND patient_last_name = 'Original'",
		 appt, into);
	assert_int_equal(fx_sql_int(&S, q), 1);
	snprintf(q, sizeof q, "SELECT count(*) FROM plans WHERE id = %lld AND patient_id = %lld",
		 plan_id, into);
	assert_int_equal(fx_sql_int(&S, q), 1);
	snprintf(q, sizeof q,
		 "SELECT (SELECT count(*) FROM screenings WHERE patient_id = %lld) + (SELECT "
		 "count(*) FROM consents WHERE patient_id = %lld)",
		 into, into);
	assert_int_equal(fx_sql_int(&S, q), 2);
	snprintf(path, sizeof path, V1 "/patients/%lld", from);
	r = req(&S, "GET", path, t_admin, NULL);
	expect_status(r, 200);
	assert_true(json_is_true(json_object_get(r->json, "archived")));
	assert_int_equal(jint(r->json, "merged_into"), into);
	resp_free(r);
	/* One audit event names both charts. */
	assert_int_equal(fx_audit_count(&S, t_admin, "patient", into, "merge"), 1);

	/* Merged for good: not again, and nothing into a merged chart. */
	fx_expect_err(merge(into, from, t_admin), 409, "already_merged", NULL);
	fx_expect_err(merge(from, into, t_admin), 409, "merge_target_archived", NULL);
	/* Nothing but a merge moves an appointment to another patient, beneath the program. */
	snprintf(q, sizeof q, "UPDATE appointments SET patient_id = %lld WHERE id = %lld", from,
		 appt);
	assert_true(fx_sql_exec(&S, q, NULL) < 0);
	fx_expect_intact(S.db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(get_before_writing_is_a_blank_draft),
	    cmocka_unit_test(depth_is_exact_with_two_decimals),
	    cmocka_unit_test(area_max_and_override),
	    cmocka_unit_test(areas_outside_the_plan_and_unknown_areas),
	    cmocka_unit_test(prp_belongs_to_prp_types),
	    cmocka_unit_test(consent_screening_and_caution_are_needed),
	    cmocka_unit_test(an_empty_record_misses_everything_at_once),
	    cmocka_unit_test(consultations_have_no_session_record),
	    cmocka_unit_test(roles_who_may_read_write_and_sign),
	    cmocka_unit_test(signing_completes_the_appointment_and_moves_the_plan),
	    cmocka_unit_test(the_next_note_starts_from_the_last_signed_one),
	    cmocka_unit_test(a_one_session_plan_completes),
	    cmocka_unit_test(a_signed_record_is_locked_and_takes_addenda),
	    cmocka_unit_test(a_cancelled_appointment_is_not_signed),
	    cmocka_unit_test(lots_trace_cartridges_and_prp_kits),
	    cmocka_unit_test(lots_by_prefix_and_dates),
	    cmocka_unit_test(patient_history_newest_first),
	    cmocka_unit_test(reads_and_writes_are_audited),
	    cmocka_unit_test(signing_needs_the_patient_checked_in),
	    cmocka_unit_test(an_archived_patients_note_is_not_signed),
	    cmocka_unit_test(only_the_appointments_own_practitioner_signs),
	    cmocka_unit_test(reactions_none_stands_alone),
	    cmocka_unit_test(numbing_dwell_and_other_fields),
	    cmocka_unit_test(a_merge_moves_everything_and_keeps_signed_notes),
	};
	stay_clear_of_midnight();
	int failed = harness_run_group("api_sessions", tests, &group);
	free(t_prac2);
	return failed;
}
