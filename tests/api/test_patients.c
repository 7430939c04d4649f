/* Patients over HTTP: registration and chart numbers, reads, changes, archiving, search,
 * validation, duplicate warnings, and the audit trail each of these leaves (RULES.md rule 11). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

/* One server for the whole file; each test uses its own surnames and birth dates so that
 * searches see only what the test created. */
static struct server srv;
static char *admin_tok, *desk_tok, *prac_tok;
static long long desk_id, prac_id;

static const struct harness_group group = {
    .srv = &srv,
    .admin = &admin_tok,
    .desk = &desk_tok,
    .prac = &prac_tok,
    .desk_id = &desk_id,
    .prac_id = &prac_id,
};

/* ---- helpers ---------------------------------------------------------------------- */

static json_t *patient_body(const char *first, const char *last, const char *dob)
{
	return json_pack("{s:s, s:s, s:s}", "first_name", first, "last_name", last, "date_of_birth",
			 dob);
}

/* Registers a patient (body taken) and returns its id; the answer must be 201. */
static long long create_with(const char *tok, json_t *body)
{
	return fx_created(reqj(&srv, "POST", "/api/v1/patients", tok, body));
}

static long long add_patient(const char *first, const char *last, const char *dob,
			     const char *phone)
{
	json_t *b = patient_body(first, last, dob);
	if (phone)
		json_object_set_new(b, "phone", json_string(phone));
	return create_with(desk_tok, b);
}

static struct resp *get_patient(long long id)
{
	char path[64];
	snprintf(path, sizeof path, "/api/v1/patients/%lld", id);
	return req(&srv, "GET", path, desk_tok, NULL);
}

/* GET /patients?q=TEXT[&extra] as front desk. */
static struct resp *search(const char *q, const char *extra)
{
	char *enc = url_encode(q);
	char path[1024];
	snprintf(path, sizeof path, "/api/v1/patients?q=%s%s%s", enc, extra ? "&" : "",
		 extra ? extra : "");
	free(enc);
	return req(&srv, "GET", path, desk_tok, NULL);
}

static long long search_total(const char *q, const char *extra)
{
	struct resp *r = search(q, extra);
	assert_int_equal(r->status, 200);
	assert_true(json_is_array(json_object_get(r->json, "items")));
	long long total = jint(r->json, "total");
	resp_free(r);
	return total;
}

static bool items_have(const json_t *list, long long id)
{
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(list, "items"), i, it)
	{
		if (jint(it, "id") == id)
			return true;
	}
	return false;
}

/* Asserts that searching q finds exactly the patients in ids (0-terminated), in order. */
static void expect_found(const char *q, const long long *ids)
{
	size_t n = 0;
	while (ids[n])
		n++;
	struct resp *r = search(q, NULL);
	assert_int_equal(r->status, 200);
	json_t *items = json_object_get(r->json, "items");
	if ((size_t)jint(r->json, "total") != n)
		fprintf(stderr, "search \"%s\": %s\n", q, r->body);
	assert_int_equal(jint(r->json, "total"), (long long)n);
	assert_int_equal(json_array_size(items), n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(jint(json_array_get(items, i), "id"), ids[i]);
	resp_free(r);
}

/* Asserts that searching q finds at least the patients in ids (0-terminated), and no
 * patient in not (0-terminated, may be NULL). */
static void expect_includes(const char *q, const long long *ids, const long long * not )
{
	struct resp *r = search(q, "limit=100");
	assert_int_equal(r->status, 200);
	for (size_t i = 0; ids[i]; i++) {
		if (!items_have(r->json, ids[i]))
			fprintf(stderr, "search \"%s\" misses %lld: %s\n", q, ids[i], r->body);
		assert_true(items_have(r->json, ids[i]));
	}
	for (size_t i = 0; not &&not [i]; i++)
		assert_false(items_have(r->json, not [i]));
	resp_free(r);
}

/* A date n days from now, as YYYY-MM-DD. */
static void date_from_now(int days, char out[16])
{
	time_t t = time(NULL) + (time_t)days * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

/* s repeated n times (caller frees). */
static char *repeat(const char *s, size_t n)
{
	size_t len = strlen(s);
	char *out = malloc(len * n + 1);
	assert_non_null(out);
	for (size_t i = 0; i < n; i++)
		memcpy(out + i * len, s, len);
	out[len * n] = '\0';
	return out;
}

/* The Luhn check over a string of digits (the last one being the check digit). */
static bool luhn_ok(const char *digits)
{
	int sum = 0;
	size_t n = strlen(digits);
	for (size_t i = 0; i < n; i++) {
		int d = digits[n - 1 - i] - '0';
		if (i % 2 == 1) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return sum % 10 == 0;
}

/* ---- registration and reading ------------------------------------------------------ */

static void create_by_every_role_gets_location_and_mrn(void **state)
{
	(void)state;
	const char *toks[] = {admin_tok, desk_tok, prac_tok};
	char mrns[3][32];
	for (int i = 0; i < 3; i++) {
		json_t *b = patient_body("Rhea", "Registerson", "1984-02-29");
		json_object_set_new(b, "email", json_string("rhea.r+clinic@example.co.uk"));
		json_object_set_new(b, "notes", json_string("Prefers mornings."));
		/* The same person three times: confirmed as new each time after the first. */
		if (i > 0)
			json_object_set_new(b, "confirm_new", json_true());
		struct resp *r = reqj(&srv, "POST", "/api/v1/patients", toks[i], b);
		assert_int_equal(r->status, 201);
		long long id = jint(r->json, "id");
		assert_true(id > 0);
		char loc[128], want[64];
		assert_non_null(resp_header(r, "Location", loc, sizeof loc));
		snprintf(want, sizeof want, "/api/v1/patients/%lld", id);
		assert_string_equal(loc, want);
		assert_string_equal(jstr(r->json, "first_name"), "Rhea");
		assert_string_equal(jstr(r->json, "last_name"), "Registerson");
		assert_string_equal(jstr(r->json, "date_of_birth"), "1984-02-29");
		assert_string_equal(jstr(r->json, "email"), "rhea.r+clinic@example.co.uk");
		assert_string_equal(jstr(r->json, "notes"), "Prefers mornings.");
		assert_true(json_is_null(json_object_get(r->json, "phone")));
		assert_true(json_is_null(json_object_get(r->json, "fitzpatrick")));
		assert_true(json_is_false(json_object_get(r->json, "archived")));

		/* "CG", digits, and a Luhn check digit over them. */
		const char *mrn = jstr(r->json, "mrn");
		assert_true(strlen(mrn) >= 9 && strlen(mrn) < sizeof mrns[i]);
		assert_memory_equal(mrn, "CG", 2);
		assert_int_equal(strspn(mrn + 2, "0123456789"), strlen(mrn) - 2);
		assert_true(luhn_ok(mrn + 2));
		snprintf(mrns[i], sizeof mrns[i], "%s", mrn);
		resp_free(r);

		/* The Location reads back the same record. */
		r = req(&srv, "GET", loc, toks[i], NULL);
		assert_int_equal(r->status, 200);
		assert_int_equal(jint(r->json, "id"), id);
		assert_string_equal(jstr(r->json, "mrn"), mrns[i]);
		assert_string_equal(jstr(r->json, "last_name"), "Registerson");
		resp_free(r);
	}
	assert_string_not_equal(mrns[0], mrns[1]);
	assert_string_not_equal(mrns[0], mrns[2]);
	assert_string_not_equal(mrns[1], mrns[2]);
}

static void get_unknown_or_malformed_id_is_404(void **state)
{
	(void)state;
	fx_expect_err(req(&srv, "GET", "/api/v1/patients/999999", desk_tok, NULL), 404, "not_found",
		      NULL);
	fx_expect_err(req(&srv, "GET", "/api/v1/patients/abc", desk_tok, NULL), 404, "not_found",
		      NULL);
	fx_expect_err(req(&srv, "GET", "/api/v1/patients/0", desk_tok, NULL), 404, "not_found",
		      NULL);
	fx_expect_err(req(&srv, "GET", "/api/v1/patients/-1", desk_tok, NULL), 404, "not_found",
		      NULL);
	fx_expect_err(
	    req(&srv, "PATCH", "/api/v1/patients/999999", desk_tok, "{\"phone\":\"55512345\"}"),
	    404, "not_found", NULL);
	fx_expect_err(req(&srv, "POST", "/api/v1/patients/999999/archive", desk_tok, NULL), 404,
		      "not_found", NULL);
}

static void delete_is_not_allowed(void **state)
{
	(void)state;
	long long id = add_patient("Dora", "Deletova", "1979-05-05", NULL);
	char path[64], allow[64];
	snprintf(path, sizeof path, "/api/v1/patients/%lld", id);
	struct resp *r = req(&srv, "DELETE", path, admin_tok, NULL);
	assert_non_null(resp_header(r, "Allow", allow, sizeof allow));
	assert_non_null(strstr(allow, "GET"));
	assert_non_null(strstr(allow, "PATCH"));
	fx_expect_err(r, 405, "method_not_allowed", NULL);
	/* Still there, unarchived. */
	r = get_patient(id);
	assert_int_equal(r->status, 200);
	assert_true(json_is_false(json_object_get(r->json, "archived")));
	resp_free(r);
}

/* ---- changes ---------------------------------------------------------------------- */

static void patch_changes_and_clears_fields(void **state)
{
	(void)state;
	long long id = add_patient("Petra", "Patchova", "1981-07-08", "+49 30 1234567");
	char path[64];
	snprintf(path, sizeof path, "/api/v1/patients/%lld", id);

	struct resp *r = req(&srv, "PATCH", path, desk_tok, "{\"phone\":\"+49 30 7654321\"}");
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "phone"), "+49 30 7654321");
	assert_string_equal(jstr(r->json, "first_name"), "Petra");
	resp_free(r);
	r = get_patient(id);
	assert_string_equal(jstr(r->json, "phone"), "+49 30 7654321");
	resp_free(r);
	/* The search key follows the number. */
	long long only[] = {id, 0};
	expect_found("7654321", only);
	assert_int_equal(search_total("1234567", NULL), 0);

	/* null clears an optional field. */
	r = req(&srv, "PATCH", path, prac_tok, "{\"phone\":null,\"fitzpatrick\":3}");
	assert_int_equal(r->status, 200);
	assert_true(json_is_null(json_object_get(r->json, "phone")));
	assert_int_equal(jint(r->json, "fitzpatrick"), 3);
	resp_free(r);
	r = req(&srv, "PATCH", path, prac_tok, "{\"fitzpatrick\":null}");
	assert_int_equal(r->status, 200);
	assert_true(json_is_null(json_object_get(r->json, "fitzpatrick")));
	resp_free(r);
	r = get_patient(id);
	assert_true(json_is_null(json_object_get(r->json, "phone")));
	assert_true(json_is_null(json_object_get(r->json, "fitzpatrick")));
	resp_free(r);
	assert_int_equal(search_total("7654321", NULL), 0);

	/* Names and the birth date change but are never removed. */
	long long before = fx_audit_last(&srv, admin_tok);
	static const struct fx_bad bad[] = {
	    FX_FIELD("{\"first_name\":null}", "first_name"),
	    FX_FIELD("{\"last_name\":null}", "last_name"),
	    FX_FIELD("{\"date_of_birth\":null}", "date_of_birth"),
	    FX_FIELD("{\"first_name\":\"\"}", "first_name"),
	    FX_FIELD("{\"last_name\":\"  \"}", "last_name"),
	    FX_FIELD("{\"email\":\"a@b\"}", "email"),
	    FX_FIELD("{\"phone\":\"12\"}", "phone"),
	    FX_FIELD("{\"mrn\":\"CG0000000\"}", "mrn"),
	    FX_FIELD("{\"last_name\":\"Patchenko\",\"date_of_birth\":\"2023-02-29\"}",
		     "date_of_birth"),
	    FX_ERR(NULL, 400, "bad_json"),
	};
	fx_expect_bad(&srv, desk_tok, "PATCH", path, FX_ROWS(bad));
	assert_int_equal(fx_audit_last(&srv, admin_tok), before);
	r = get_patient(id);
	assert_string_equal(jstr(r->json, "first_name"), "Petra");
	assert_string_equal(jstr(r->json, "last_name"), "Patchova");
	assert_string_equal(jstr(r->json, "date_of_birth"), "1981-07-08");
	resp_free(r);

	r = req(&srv, "PATCH", path, desk_tok,
		"{\"last_name\":\"Patchenko\",\"date_of_birth\":\"1981-07-09\"}");
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "last_name"), "Patchenko");
	assert_string_equal(jstr(r->json, "date_of_birth"), "1981-07-09");
	resp_free(r);
	expect_found("patchenko", only);
	assert_int_equal(search_total("patchova", NULL), 0);
}

/* ---- archiving -------------------------------------------------------------------- */

static void archived_patients_are_hidden_from_search(void **state)
{
	(void)state;
	long long id = add_patient("Ivy", "Archibaldsen", "1966-10-10", NULL);
	long long other = add_patient("Ian", "Archibaldsen", "1966-10-11", NULL);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/patients/%lld", id);
	struct resp *r = get_patient(id);
	char mrn[32];
	snprintf(mrn, sizeof mrn, "%s", jstr(r->json, "mrn"));
	resp_free(r);
	assert_int_equal(search_total("archibaldsen", NULL), 2);

	snprintf(path, sizeof path, "/api/v1/patients/%lld/archive", id);
	fx_expect_err(req(&srv, "POST", path, desk_tok, "{\"reason\":\"moved\"}"), 422,
		      "validation_failed", NULL);
	r = req(&srv, "POST", path, desk_tok, NULL);
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "id"), id);
	assert_true(json_is_true(json_object_get(r->json, "archived")));
	resp_free(r);

	/* Hidden from every kind of search unless asked for. */
	long long only_other[] = {other, 0}, none[] = {0};
	expect_found("archibaldsen", only_other);
	expect_found(mrn, none);
	expect_found("1966-10-10", none);
	r = search("archibaldsen", "archived=true");
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "total"), 2);
	assert_true(items_have(r->json, id));
	assert_true(items_have(r->json, other));
	resp_free(r);
	assert_int_equal(search_total(mrn, "archived=true"), 1);
	assert_int_equal(search_total("archibaldsen", "archived=false"), 1);
	fx_expect_err(search("archibaldsen", "archived=yes"), 422, "validation_failed", "archived");

	/* Archived, not gone: the record still reads, and archiving again changes nothing. */
	r = get_patient(id);
	assert_int_equal(r->status, 200);
	assert_true(json_is_true(json_object_get(r->json, "archived")));
	resp_free(r);
	r = req(&srv, "POST", path, admin_tok, NULL);
	assert_int_equal(r->status, 200);
	assert_true(json_is_true(json_object_get(r->json, "archived")));
	resp_free(r);
}

/* POST /appointments/{id}/{action} as the front desk. */
static struct resp *appt_act(long long id, const char *action)
{
	char path[96];
	snprintf(path, sizeof path, "/api/v1/appointments/%lld/%s", id, action);
	return req(&srv, "POST", path, desk_tok, NULL);
}

/* An appointment's status and cancel reason ("" when none), as the front desk reads it. */
static void expect_appt(long long id, const char *status, const char *reason)
{
	char path[96];
	snprintf(path, sizeof path, "/api/v1/appointments/%lld", id);
	struct resp *r = req(&srv, "GET", path, desk_tok, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "status"), status);
	assert_string_equal(jstr(r->json, "cancel_reason"), reason);
	resp_free(r);
}

/* Archiving cancels the patient's booked appointments from now on, in the same
 * transaction, and names them; past, checked-in and already cancelled ones stay as they
 * are, and no status of an archived patient's appointment changes any more. */
static void archiving_cancels_future_bookings(void **state)
{
	(void)state;
	long long p = fx_adult(&srv, desk_tok, prac_tok, "Arlo", "Archivedbooks", "1972-02-12");
	long long other = fx_adult(&srv, desk_tok, prac_tok, "Otto", "Archivedbooks", "1972-02-13");
	struct lane l = fx_lane(&srv, admin_tok, "arch");
	long long plan = fx_plan(&srv, prac_tok, p, l.prac, 3);
	/* Earlier today (past), checked in today, two booked ahead, one cancelled ahead. */
	time_t earlier = fx_earlier_today(1800);
	struct fx_booking past = fx_in_lane(l, p, 0, earlier);
	past.end = earlier + 300;
	past.override_reason = "recorded late";
	long long a_past = fx_booked(&srv, admin_tok, &past);
	struct fx_booking here = fx_in_lane(l, p, 0, earlier + 600);
	here.end = earlier + 900;
	here.override_reason = "recorded late";
	long long a_here = fx_booked(&srv, admin_tok, &here);
	fx_expect_status(appt_act(a_here, "check-in"), 200);
	struct fx_booking b = fx_in_lane(l, p, 0, fx_time(3, 10, 0));
	long long a_consult = fx_booked(&srv, desk_tok, &b);
	b = fx_in_lane(l, p, plan, fx_time(5, 10, 0));
	long long a_treat = fx_booked(&srv, desk_tok, &b);
	b = fx_in_lane(l, p, 0, fx_time(7, 10, 0));
	long long a_gone = fx_booked(&srv, desk_tok, &b);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/appointments/%lld/cancel", a_gone);
	fx_expect_status(req(&srv, "POST", path, desk_tok, "{\"reason\":\"holiday\"}"), 200);
	/* Another patient's booking in the same calendar. */
	b = fx_in_lane(l, other, 0, fx_time(3, 11, 0));
	long long a_other = fx_booked(&srv, desk_tok, &b);

	snprintf(path, sizeof path, "/api/v1/patients/%lld/archive", p);
	struct resp *r = req(&srv, "POST", path, desk_tok, NULL);
	assert_int_equal(r->status, 200);
	assert_true(json_is_true(json_object_get(r->json, "archived")));
	json_t *ids = json_object_get(r->json, "cancelled_appointments");
	if (json_array_size(ids) != 2)
		print_message("archive: %s\n", r->body);
	assert_int_equal(json_array_size(ids), 2);
	bool consult = false, treat = false;
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v)
	{
		consult |= json_integer_value(v) == a_consult;
		treat |= json_integer_value(v) == a_treat;
	}
	assert_true(consult && treat);
	resp_free(r);

	expect_appt(a_consult, "cancelled", "patient archived");
	expect_appt(a_treat, "cancelled", "patient archived");
	expect_appt(a_past, "booked", "");
	expect_appt(a_here, "checked_in", "");
	expect_appt(a_gone, "cancelled", "holiday");
	expect_appt(a_other, "booked", "");
	/* Each cancellation is its own event; the plan's progress follows. */
	assert_int_equal(fx_audit_count(&srv, admin_tok, "appointment", a_treat, "cancelled"), 1);
	assert_int_equal(fx_audit_count(&srv, admin_tok, "appointment", a_gone, "cancelled"), 1);
	char plan_path[64];
	snprintf(plan_path, sizeof plan_path, "/api/v1/plans/%lld", plan);
	r = req(&srv, "GET", plan_path, desk_tok, NULL);
	assert_int_equal(jint(json_object_get(r->json, "progress"), "booked"), 0);
	resp_free(r);
	/* The freed time can be given to someone else. */
	b = fx_in_lane(l, other, 0, fx_time(3, 10, 0));
	fx_booked(&srv, desk_tok, &b);

	/* No status of the archived patient's appointments changes any more. */
	const struct {
		const char *action;
		long long id;
	} frozen[] = {
	    {"check-in", a_past}, {"no-show", a_past},	{"cancel", a_past},
	    {"cancel", a_here},	  {"complete", a_here}, {"check-in", a_consult},
	};
	for (i = 0; i < sizeof frozen / sizeof frozen[0]; i++) {
		r = appt_act(frozen[i].id, frozen[i].action);
		if (r->status != 409)
			print_message("row %zu\n", i);
		fx_expect_err(r, 409, "patient_archived", NULL);
	}
	expect_appt(a_past, "booked", "");
	expect_appt(a_here, "checked_in", "");

	/* Archiving again cancels nothing more; a patient without bookings has an empty list. */
	r = req(&srv, "POST", path, admin_tok, NULL);
	assert_int_equal(r->status, 200);
	assert_int_equal(json_array_size(json_object_get(r->json, "cancelled_appointments")), 0);
	assert_true(json_is_array(json_object_get(r->json, "cancelled_appointments")));
	resp_free(r);
	long long lone = add_patient("Lone", "Archivedbooks", "1972-02-14", NULL);
	snprintf(path, sizeof path, "/api/v1/patients/%lld/archive", lone);
	r = req(&srv, "POST", path, desk_tok, NULL);
	assert_int_equal(r->status, 200);
	json_t *none = json_object_get(r->json, "cancelled_appointments");
	assert_true(json_is_array(none));
	assert_int_equal(json_array_size(none), 0);
	resp_free(r);
}

/* ---- search ------------------------------------------------------------------------ */

static void search_name_prefix_any_script_any_case(void **state)
{
	(void)state;
	long long muller = add_patient("Jonas", "Müller", "1970-01-11", NULL);
	long long mulder = add_patient("Fox", "Mulder", "1961-10-13", NULL);
	long long ivanova = add_patient("Ольга", "Иванова", "1988-04-12", NULL);
	long long ivan = add_patient("Иван", "Петров", "1972-09-30", NULL);
	long long asa = add_patient("Åsa", "Lindqvist", "1993-12-01", NULL);
	long long asaf = add_patient("Asaf", "Levi", "1990-03-03", NULL);

	long long m1[] = {muller, 0}, mul[] = {mulder, muller, 0};
	expect_found("mül", mul); /* ü is found as u, and u as ü */
	expect_found("MÜL", mul);
	expect_found("Müller", m1);
	expect_found("  müller ", m1);
	long long m2[] = {mulder, 0};
	expect_found("MULD", m2);
	expect_found("JONA", m1);

	/* First or last name in either case of any script: Иванова by her last name, Иван
	 * by his first, ordered by last name. */
	long long ivs[] = {ivanova, ivan, 0};
	expect_found("ива", ivs);
	expect_found("ИВ", ivs);
	long long iv[] = {ivanova, 0};
	expect_found("ИВАНОВА", iv);
	expect_found("иванов", iv);
	long long olga[] = {ivanova, 0};
	expect_found("оль", olga);

	long long a1[] = {asa, 0}, as[] = {asaf, asa, 0};
	expect_found("ÅS", as); /* Å is found as A */
	expect_found("åsa", as);
	expect_found("åsa lind", a1);
	long long a2[] = {asaf, 0};
	expect_found("ASAF", a2);

	/* A prefix, not a substring. */
	long long none[] = {0};
	expect_found("üller", none);
	expect_found("анова", none);
}

static void search_two_name_tokens(void **state)
{
	(void)state;
	long long ann_smith = add_patient("Ann", "Smith", "1980-02-02", NULL);
	long long ann_jones = add_patient("Ann", "Jones", "1980-02-03", NULL);
	long long bob_smith = add_patient("Bob", "Smith", "1980-02-04", NULL);
	long long annika = add_patient("Annika", "Smithers", "1980-02-05", NULL);
	long long smitty = add_patient("Smith", "Annunziata", "1980-02-06", NULL);

	/* "first last" takes the two names in either order: Smith Annunziata matches too. */
	long long either[] = {smitty, ann_smith, annika, 0};
	expect_found("ann smi", either);
	expect_found("Ann   Smith", either);
	expect_found("smi ann", either);
	/* "last, first" says which is which. */
	long long last_first[] = {ann_smith, annika, 0};
	expect_found("smith, ann", last_first);
	expect_found("SMITH,ANN", last_first);
	long long reversed[] = {smitty, 0};
	expect_found("annunziata, smi", reversed);
	/* A trailing comma leaves one name, matched as first or last. */
	long long smiths[] = {smitty, ann_smith, bob_smith, annika, 0};
	expect_found("smith,", smiths);
	long long jones[] = {ann_jones, 0};
	expect_found("jones, an", jones);
	long long none[] = {0};
	expect_found("bob jones", none);
}

static void search_names_with_spaces(void **state)
{
	(void)state;
	long long mary = add_patient("Mary Ann", "Whitfield", "1969-04-04", NULL);
	long long juan = add_patient("Juan", "García López", "1977-07-07", NULL);
	long long jan = add_patient("Jan", "van der Berg", "1982-08-08", NULL);

	/* The whole text as one name, or two names. */
	long long m[] = {mary, 0}, j[] = {juan, 0}, v[] = {jan, 0};
	expect_found("mary ann", m);
	expect_found("Mary An", m);
	expect_found("mary whit", m);
	expect_found("garcía lópez", j);
	expect_found("GARCÍA L", j);
	expect_found("juan garcía", j);
	expect_found("van der berg", v);
	expect_found("van der berg, jan", v);
	expect_found("jan van", v);
}

static void search_rejects_unusable_text(void **state)
{
	(void)state;
	fx_expect_err(search("\xff\xfe", NULL), 422, "validation_failed", "q");
	char *longq = repeat("a", 201);
	fx_expect_err(search(longq, NULL), 422, "validation_failed", "q");
	free(longq);
	/* Only spaces or punctuation: everybody, like no q at all. */
	assert_int_equal(search_total("   ", NULL), search_total("", NULL));
}

static void search_by_mrn_phone_and_birth_date(void **state)
{
	(void)state;
	long long a = add_patient("Mira", "Numberova", "1987-06-15", "+1 (555) 010-4477");
	long long b = add_patient("Milo", "Numberov", "1987-06-15", "555.010.9911");
	long long c = add_patient("Mona", "Numbers", "1987-06-16", "+44 20 7946 0958");
	struct resp *r = get_patient(a);
	char mrn[32], lower[32];
	snprintf(mrn, sizeof mrn, "%s", jstr(r->json, "mrn"));
	resp_free(r);
	for (size_t i = 0; i <= strlen(mrn); i++)
		lower[i] = (char)(mrn[i] >= 'A' && mrn[i] <= 'Z' ? mrn[i] + 32 : mrn[i]);

	long long only_a[] = {a, 0}, none[] = {0};
	expect_found(mrn, only_a);
	expect_found(lower, only_a);
	/* Not a prefix of chart numbers, and a wrong check digit is no chart number. */
	char wrong[32];
	snprintf(wrong, sizeof wrong, "%s", mrn);
	wrong[strlen(wrong) - 1] = (char)('0' + (wrong[strlen(wrong) - 1] - '0' + 1) % 10);
	expect_found(wrong, none);

	/* A phone number matches by its digits, whatever the punctuation. */
	expect_found("4477", only_a);
	expect_found("010-4477", only_a);
	expect_found("(555) 010 4477", only_a);
	expect_found("+15550104477", only_a);
	expect_found("5550104477", only_a);
	long long only_b[] = {b, 0}, only_c[] = {c, 0};
	expect_found("010.9911", only_b);
	expect_found("7946 0958", only_c);
	expect_found("4478", none);
	expect_found("0104", only_a); /* digits anywhere in the number */

	/* A date of birth matches exactly. */
	long long same_day[] = {b, a, 0};
	expect_found("1987-06-15", same_day);
	expect_found("1987-06-16", only_c);
	expect_found("1987-06-17", none);
}

static void search_limit_offset_and_total(void **state)
{
	(void)state;
	long long ids[105];
	for (int i = 0; i < 105; i++) {
		char first[16];
		snprintf(first, sizeof first, "P%03d", i);
		ids[i] = add_patient(first, "Paginaro", "1975-05-05", NULL);
	}
	struct resp *r = search("paginaro", NULL);
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "total"), 105);
	json_t *items = json_object_get(r->json, "items");
	assert_int_equal(json_array_size(items), 20);
	for (int i = 0; i < 20; i++)
		assert_int_equal(jint(json_array_get(items, (size_t)i), "id"), ids[i]);
	resp_free(r);

	r = search("paginaro", "limit=5&offset=20");
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "total"), 105);
	items = json_object_get(r->json, "items");
	assert_int_equal(json_array_size(items), 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(jint(json_array_get(items, (size_t)i), "id"), ids[20 + i]);
	resp_free(r);

	r = search("paginaro", "limit=100");
	assert_int_equal(r->status, 200);
	assert_int_equal(json_array_size(json_object_get(r->json, "items")), 100);
	assert_int_equal(jint(r->json, "total"), 105);
	resp_free(r);
	r = search("paginaro", "limit=100&offset=100");
	assert_int_equal(json_array_size(json_object_get(r->json, "items")), 5);
	assert_int_equal(jint(json_array_get(json_object_get(r->json, "items"), 4), "id"),
			 ids[104]);
	resp_free(r);
	r = search("paginaro", "offset=500");
	assert_int_equal(r->status, 200);
	assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
	assert_int_equal(jint(r->json, "total"), 105);
	resp_free(r);

	static const struct fx_bad bad[] = {
	    {.field = "limit", .path = "/api/v1/patients?q=paginaro&limit=101"},
	    {.field = "limit", .path = "/api/v1/patients?q=paginaro&limit=0"},
	    {.field = "limit", .path = "/api/v1/patients?q=paginaro&limit=ten"},
	    {.field = "offset", .path = "/api/v1/patients?q=paginaro&offset=-1"},
	};
	fx_expect_bad(&srv, desk_tok, "GET", NULL, FX_ROWS(bad));

	/* No q: everybody (unarchived), with the same limits. */
	r = req(&srv, "GET", "/api/v1/patients", desk_tok, NULL);
	assert_int_equal(r->status, 200);
	assert_true(jint(r->json, "total") >= 105);
	assert_int_equal(json_array_size(json_object_get(r->json, "items")), 20);
	resp_free(r);
}

/* ---- validation -------------------------------------------------------------------- */

/* Each row replaces (or with value NULL, removes) one key of a valid registration. */
static const struct {
	const char *key;
	const char *value; /* JSON text */
	const char *field; /* the expected details.field */
} bad_fields[] = {
    {"first_name", NULL, "first_name"},
    {"last_name", NULL, "last_name"},
    {"date_of_birth", NULL, "date_of_birth"},
    {"first_name", "null", "first_name"},
    {"first_name", "\"\"", "first_name"},
    {"last_name", "\"\"", "last_name"},
    {"first_name", "\"   \"", "first_name"},
    {"last_name", "\" \"", "last_name"},
    {"first_name", "42", "first_name"},
    {"last_name", "\"tab\\there\"", "last_name"},
    {"date_of_birth", "\"2023-02-29\"", "date_of_birth"},
    {"date_of_birth", "\"2026-13-01\"", "date_of_birth"},
    {"date_of_birth", "\"2026-04-31\"", "date_of_birth"},
    {"date_of_birth", "\"01/02/1990\"", "date_of_birth"},
    {"date_of_birth", "\"1990-1-2\"", "date_of_birth"},
    {"date_of_birth", "\"1990-01-02T00:00:00Z\"", "date_of_birth"},
    {"date_of_birth", "19900102", "date_of_birth"},
    {"email", "\"a@b\"", "email"},
    {"email", "\"no-at.example.com\"", "email"},
    {"email", "\"x y@example.com\"", "email"},
    {"email", "\"two@@example.com\"", "email"},
    {"phone", "\"abc\"", "phone"},
    {"phone", "\"12\"", "phone"},
    {"phone", "\"555-CALL-NOW\"", "phone"},
    {"fitzpatrick", "0", "fitzpatrick"},
    {"fitzpatrick", "7", "fitzpatrick"},
    {"fitzpatrick", "-1", "fitzpatrick"},
    {"fitzpatrick", "\"3\"", "fitzpatrick"},
    {"fitzpatrick", "2.5", "fitzpatrick"},
    {"ssn", "\"123-45-6789\"", "ssn"},
    {"archived", "true", "archived"},
    {"mrn", "\"CG0000018\"", "mrn"},
};

static json_t *valid_body(void)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "first_name", "Vera", "last_name", "Validova",
			 "date_of_birth", "1980-01-01", "phone", "+43 1 234 5678");
}

/* POSTs a registration with key set to value (taken; NULL removes it); expects 422. */
static void expect_rejected(const char *key, json_t *value, const char *field)
{
	json_t *b = valid_body();
	if (value)
		json_object_set_new(b, key, value);
	else
		json_object_del(b, key);
	fx_expect_err(reqj(&srv, "POST", "/api/v1/patients", desk_tok, b), 422, "validation_failed",
		      field);
}

static void invalid_registrations_are_rejected_and_change_nothing(void **state)
{
	(void)state;
	long long total = search_total("", NULL);
	long long vera = search_total("validova", NULL);
	long long audit = fx_audit_last(&srv, admin_tok);

	for (size_t i = 0; i < sizeof bad_fields / sizeof bad_fields[0]; i++) {
		json_t *v = NULL;
		if (bad_fields[i].value) {
			v = json_loads(bad_fields[i].value, JSON_DECODE_ANY, NULL);
			assert_non_null(v);
		}
		expect_rejected(bad_fields[i].key, v, bad_fields[i].field);
	}
	/* Names of 101 characters, in one- and multi-byte scripts. */
	char *s = repeat("a", 101);
	expect_rejected("first_name", json_string(s), "first_name");
	free(s);
	s = repeat("Ж", 101);
	expect_rejected("last_name", json_string(s), "last_name");
	free(s);
	/* Not born yet. */
	char future[16];
	date_from_now(2, future);
	expect_rejected("date_of_birth", json_string(future), "date_of_birth");
	date_from_now(400, future);
	expect_rejected("date_of_birth", json_string(future), "date_of_birth");
	/* Not an object, not JSON, no body. */
	static const struct fx_bad not_objects[] = {
	    FX_ERR("[1,2]", 400, "bad_json"),
	    FX_ERR("{\"first_name\":", 400, "bad_json"),
	    FX_ERR(NULL, 400, "bad_json"),
	};
	fx_expect_bad(&srv, desk_tok, "POST", "/api/v1/patients", FX_ROWS(not_objects));

	/* Nothing was written: no audit event, no patient. */
	assert_int_equal(fx_audit_last(&srv, admin_tok), audit);
	assert_int_equal(search_total("", NULL), total);
	assert_int_equal(search_total("validova", NULL), vera);
}

static void boundary_registrations_are_accepted(void **state)
{
	(void)state;
	/* 100 characters, whatever bytes they take. */
	const char *scripts[] = {"a", "Ж", "漢"};
	for (size_t i = 0; i < 3; i++) {
		char *name = repeat(scripts[i], 100);
		json_t *b = patient_body(name, "Boundaryova", "1980-01-01");
		struct resp *r = reqj(&srv, "POST", "/api/v1/patients", desk_tok, b);
		assert_int_equal(r->status, 201);
		assert_string_equal(jstr(r->json, "first_name"), name);
		resp_free(r);
		free(name);
	}
	/* Every Fitzpatrick type, and none. */
	for (int f = 1; f <= 6; f++) {
		json_t *b = patient_body("Fitz", "Boundaryova", "1980-01-02");
		json_object_set_new(b, "fitzpatrick", json_integer(f));
		json_object_set_new(b, "confirm_new", json_true());
		struct resp *r = reqj(&srv, "POST", "/api/v1/patients", desk_tok, b);
		assert_int_equal(r->status, 201);
		assert_int_equal(jint(r->json, "fitzpatrick"), f);
		resp_free(r);
	}
	json_t *b = patient_body("Nofitz", "Boundaryova", "1980-01-03");
	json_object_set_new(b, "fitzpatrick", json_null());
	json_object_set_new(b, "email", json_null());
	struct resp *r = reqj(&srv, "POST", "/api/v1/patients", desk_tok, b);
	assert_int_equal(r->status, 201);
	assert_true(json_is_null(json_object_get(r->json, "fitzpatrick")));
	assert_true(json_is_null(json_object_get(r->json, "email")));
	resp_free(r);
	/* Born on the first of 1900 and on a leap day. */
	create_with(desk_tok, patient_body("Old", "Boundaryova", "1900-01-01"));
	create_with(desk_tok, patient_body("Leap", "Boundaryova", "2000-02-29"));
	assert_int_equal(search_total("boundaryova", NULL), 12);
}

/* ---- duplicates -------------------------------------------------------------------- */

/* Accents and case fold away both ways, and any word of a name is found by its start. */
static void search_ignores_accents_and_finds_any_word(void **state)
{
	(void)state;
	long long garcia_acc = add_patient("Lucía", "García", "1971-05-05", NULL);
	long long garcia = add_patient("Pedro", "Garcia", "1972-06-06", NULL);
	long long mueller = add_patient("Jörg", "Müller-Thurgau", "1973-07-07", NULL);
	long long dijk = add_patient("Sanne", "van Dijk", "1974-08-08", NULL);
	long long cruz = add_patient("Inés", "de la Cruz", "1975-09-09", NULL);
	long long lukasz = add_patient("Łukasz", "Wałęsa", "1976-10-10", NULL);
	long long obrien = add_patient("Siobhán", "O’Brien", "1977-11-11", NULL);

	long long both[] = {garcia_acc, garcia, 0};
	expect_includes("garcia", both, NULL);
	expect_includes("garcía", both, NULL);
	expect_includes("GARCÍA", both, NULL);
	long long lucia[] = {garcia_acc, 0};
	expect_found("lucia garcia", lucia);
	expect_found("garcia, luc", lucia);
	long long m[] = {mueller, 0};
	expect_includes("muller", m, NULL);
	expect_includes("müll", m, NULL);
	expect_found("thurgau", m); /* the second part of a double name */
	expect_found("jorg", m);
	long long d[] = {dijk, 0};
	expect_found("dijk", d);
	expect_found("van dijk", d);
	expect_found("Van Dijk", d);
	expect_found("sanne dijk", d);
	expect_found("dijk, sanne", d);
	long long c[] = {cruz, 0};
	expect_found("cruz", c);
	expect_found("de la cruz", c);
	expect_found("ines cruz", c);
	long long l[] = {lukasz, 0};
	expect_found("lukasz walesa", l);
	expect_found("wałę", l);
	long long o[] = {obrien, 0};
	expect_found("obrien", o);
	expect_found("o'brien", o);
	expect_found("siobhan", o);
	long long none[] = {0};
	expect_found("ijk", none); /* the start of a word, not the middle */
	expect_found("sanne cruz", none);
}

/* A phone number is found by its digits anywhere, with or without the country code. */
static void search_finds_phones_by_their_digits(void **state)
{
	(void)state;
	long long de = add_patient("Tilda", "Telefon", "1966-01-01", "0171 912345");
	long long intl = add_patient("Timo", "Telefon", "1966-01-02", "+49 171 912346");
	long long de_only[] = {de, 0}, intl_only[] = {intl, 0}, both[] = {de, intl, 0};
	expect_found("912 345", de_only);
	expect_found("+49 171 912345", de_only);
	expect_found("0049 171 912345", de_only);
	expect_found("0171912345", de_only);
	expect_found("(0171) 91-23-45", de_only);
	expect_found("171 912346", intl_only);
	expect_found("0171 912346", intl_only);
	expect_found("1719123", both);
	long long none[] = {0};
	expect_found("912347", none);
}

/* Dates of birth typed as people write them; slashes read as the clinic says. */
static void search_dates_in_the_clinics_order(void **state)
{
	(void)state;
	long long p = add_patient("Dora", "Datum", "1985-03-12", NULL);
	long long dora[] = {p, 0}, none[] = {0};
	expect_found("1985-03-12", dora);
	expect_found("12.03.1985", dora);
	expect_found("12.3.1985", dora);
	expect_found("12/03/1985", dora);
	expect_found("03/12/1985", none);

	struct resp *r = req(&srv, "GET", "/api/v1/settings", desk_tok, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "date_order"), "dmy");
	resp_free(r);
	/* Only an admin changes it, only to dmy or mdy, and nothing else is taken. */
	fx_expect_err(req(&srv, "PATCH", "/api/v1/settings", desk_tok, "{\"date_order\":\"mdy\"}"),
		      403, "forbidden", NULL);
	fx_expect_err(req(&srv, "PATCH", "/api/v1/settings", admin_tok, "{\"date_order\":\"ymd\"}"),
		      422, "validation_failed", "date_order");
	fx_expect_err(req(&srv, "PATCH", "/api/v1/settings", admin_tok, "{\"date_order\":1}"), 422,
		      "validation_failed", "date_order");
	fx_expect_err(req(&srv, "PATCH", "/api/v1/settings", admin_tok, "{\"time_zone\":\"UTC\"}"),
		      422, "validation_failed", "time_zone");
	r = req(&srv, "GET", "/api/v1/settings", desk_tok, NULL);
	assert_string_equal(jstr(r->json, "date_order"), "dmy");
	resp_free(r);

	r = req(&srv, "PATCH", "/api/v1/settings", admin_tok, "{\"date_order\":\"mdy\"}");
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "date_order"), "mdy");
	resp_free(r);
	assert_int_equal(fx_audit_count(&srv, admin_tok, "settings", 0, "update"), 1);
	expect_found("03/12/1985", dora);
	expect_found("3/12/1985", dora);
	expect_found("12/03/1985", none);
	expect_found("12.03.1985", dora); /* dots stay day first */
	fx_expect_status(
	    req(&srv, "PATCH", "/api/v1/settings", admin_tok, "{\"date_order\":\"dmy\"}"), 200);
	expect_found("12/03/1985", dora);
}

/* The same names (folded) and birth date, or the same birth date and phone: refused with
 * the candidates, and registered only when the desk confirms. */
static void likely_duplicates_are_refused_until_confirmed(void **state)
{
	(void)state;
	json_t *b = patient_body("Clara", "Dupont", "1975-03-04");
	json_object_set_new(b, "phone", json_string("+33 6 12 34 56 78"));
	json_object_set_new(b, "notes", json_string("Allergic to lidocaine."));
	long long first = create_with(desk_tok, b);
	long long before = search_total("dupont", NULL);

	/* By folded name and birth date, from any role. */
	const char *tokens[] = {desk_tok, prac_tok, admin_tok};
	const char *names[][2] = {{"clara", "DUPONT"}, {"Clára", "Dupönt"}, {" Clara ", "dupont"}};
	for (int i = 0; i < 3; i++) {
		struct resp *r = reqj(&srv, "POST", "/api/v1/patients", tokens[i],
				      patient_body(names[i][0], names[i][1], "1975-03-04"));
		fx_expect_error(r, 409, "possible_duplicate");
		json_t *cands = json_object_get(
		    json_object_get(json_object_get(r->json, "error"), "details"), "candidates");
		assert_int_equal(json_array_size(cands), 1);
		json_t *c = json_array_get(cands, 0);
		assert_int_equal(jint(c, "id"), first);
		assert_string_equal(jstr(c, "first_name"), "Clara");
		assert_string_equal(jstr(c, "last_name"), "Dupont");
		assert_string_equal(jstr(c, "date_of_birth"), "1975-03-04");
		assert_true(strncmp(jstr(c, "mrn"), "CG", 2) == 0);
		/* Who they are, nothing clinical or private. */
		assert_int_equal(json_object_size(c), 5);
		assert_null(strstr(r->body, "lidocaine"));
		resp_free(r);
	}
	/* By birth date and phone number, whatever the name and the way it is written. */
	json_t *bp = patient_body("Klara", "Dupond", "1975-03-04");
	json_object_set_new(bp, "phone", json_string("06 12 34 56 78"));
	fx_expect_err(reqj(&srv, "POST", "/api/v1/patients", desk_tok, bp), 409,
		      "possible_duplicate", NULL);
	assert_int_equal(search_total("dupont", NULL), before);
	/* The candidates shown were a read of that chart. */
	assert_true(fx_audit_count(&srv, admin_tok, "patient", first, "duplicates") >= 4);

	/* Confirmed: registered. */
	json_t *conf = patient_body("clara", "DUPONT", "1975-03-04");
	json_object_set_new(conf, "confirm_new", json_true());
	long long second = create_with(desk_tok, conf);
	assert_true(second > first);
	assert_int_equal(search_total("dupont", NULL), before + 1);
	fx_expect_err(
	    req(&srv, "POST", "/api/v1/patients", desk_tok,
		"{\"first_name\":\"A\",\"last_name\":\"B\",\"date_of_birth\":\"1975-03-04\","
		"\"confirm_new\":\"yes\"}"),
	    422, "validation_failed", "confirm_new");

	/* Another birth date, or another name without the phone: no question asked. */
	const char *other[][2] = {{"Clara", "1975-03-05"}, {"Claire", "1975-03-04"}};
	for (int i = 0; i < 2; i++)
		(void)create_with(desk_tok, patient_body(other[i][0], "Dupont", other[i][1]));
	/* An archived or merged chart is no candidate. */
	char path[64];
	snprintf(path, sizeof path, "/api/v1/patients/%lld/archive", first);
	fx_expect_status(req(&srv, "POST", path, desk_tok, NULL), 200);
	snprintf(path, sizeof path, "/api/v1/patients/%lld/archive", second);
	fx_expect_status(req(&srv, "POST", path, desk_tok, NULL), 200);
	(void)create_with(desk_tok, patient_body("Clara", "Dupont", "1975-03-04"));
}

/* ---- audit ------------------------------------------------------------------------- */

static json_t *audit_items(const char *query, struct resp **keep)
{
	char path[256];
	snprintf(path, sizeof path, "/api/v1/audit?%s", query);
	struct resp *r = req(&srv, "GET", path, admin_tok, NULL);
	assert_int_equal(r->status, 200);
	*keep = r;
	json_t *items = json_object_get(r->json, "items");
	assert_true(json_is_array(items));
	return items;
}

static void patient_lifecycle_is_audited(void **state)
{
	(void)state;
	long long id = add_patient("Aude", "Auditson", "1983-08-08", NULL);
	char path[96], q[96];
	snprintf(path, sizeof path, "/api/v1/patients/%lld", id);
	snprintf(q, sizeof q, "entity=patient&entity_id=%lld", id);

	struct resp *keep;
	json_t *items = audit_items(q, &keep);
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(jstr(json_array_get(items, 0), "action"), "create");
	resp_free(keep);

	fx_expect_status(req(&srv, "GET", path, prac_tok, NULL), 200);
	fx_expect_status(req(&srv, "PATCH", path, desk_tok, "{\"email\":\"aude@example.org\"}"),
			 200);
	/* A refused change leaves no trace. */
	fx_expect_err(req(&srv, "PATCH", path, desk_tok, "{\"email\":\"aude\"}"), 422,
		      "validation_failed", "email");
	snprintf(path, sizeof path, "/api/v1/patients/%lld/archive", id);
	fx_expect_status(req(&srv, "POST", path, desk_tok, NULL), 200);

	items = audit_items(q, &keep);
	const char *actions[] = {"archive", "update", "read", "create"};
	long long users[] = {desk_id, desk_id, prac_id, desk_id};
	assert_int_equal(json_array_size(items), 4);
	for (size_t i = 0; i < 4; i++) {
		json_t *e = json_array_get(items, i);
		assert_string_equal(jstr(e, "action"), actions[i]);
		assert_string_equal(jstr(e, "entity"), "patient");
		assert_int_equal(jint(e, "entity_id"), id);
		assert_int_equal(jint(e, "user_id"), users[i]);
		assert_string_equal(jstr(e, "remote"), "127.0.0.1");
	}
	/* The update names what changed, not the new values. */
	const char *detail = jstr(json_array_get(items, 1), "detail");
	assert_non_null(strstr(detail, "email"));
	assert_null(strstr(keep->body, "aude@example.org"));
	resp_free(keep);
}

static void search_audit_never_holds_the_search_text(void **state)
{
	(void)state;
	long long id = add_patient("Quentin", "Querywright", "1991-11-11", "+33 1 40 20 50 50");
	const char *queries[] = {"Zyxwvutsr", "querywright", "40 20 50 50", "1991-11-11"};
	const char *details[] = {"results=0", "results=1", "results=1", "results=1"};
	for (int i = 0; i < 4; i++) {
		struct resp *r = search(queries[i], NULL);
		assert_int_equal(r->status, 200);
		if (i > 0)
			assert_true(items_have(r->json, id));
		resp_free(r);
		struct resp *keep;
		json_t *items = audit_items("entity=patient&limit=1", &keep);
		json_t *e = json_array_get(items, 0);
		assert_string_equal(jstr(e, "action"), "search");
		assert_string_equal(jstr(e, "detail"), details[i]);
		assert_int_equal(jint(e, "user_id"), desk_id);
		assert_true(json_is_null(json_object_get(e, "entity_id")));
		resp_free(keep);
	}
	/* Nowhere in the whole trail, page by page. */
	const char *needles[] = {"zyxwvutsr", "Zyxwvutsr", "ZYXWVUTSR", "40 20 50", "1991-11-11"};
	long long before = 0;
	int pages = 0;
	do {
		char q[64] = "limit=500";
		struct resp *keep;
		if (before)
			snprintf(q, sizeof q, "limit=500&before_id=%lld", before);
		json_t *items = audit_items(q, &keep);
		for (int i = 0; i < 5; i++)
			assert_null(strstr(keep->body, needles[i]));
		size_t n = json_array_size(items);
		before = n == 500 ? jint(json_array_get(items, n - 1), "id") : 0;
		resp_free(keep);
		pages++;
	} while (before > 1);
	assert_true(pages >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(create_by_every_role_gets_location_and_mrn),
	    cmocka_unit_test(get_unknown_or_malformed_id_is_404),
	    cmocka_unit_test(delete_is_not_allowed),
	    cmocka_unit_test(patch_changes_and_clears_fields),
	    cmocka_unit_test(archived_patients_are_hidden_from_search),
	    cmocka_unit_test(archiving_cancels_future_bookings),
	    cmocka_unit_test(search_name_prefix_any_script_any_case),
	    cmocka_unit_test(search_two_name_tokens),
	    cmocka_unit_test(search_names_with_spaces),
	    cmocka_unit_test(search_rejects_unusable_text),
	    cmocka_unit_test(search_by_mrn_phone_and_birth_date),
	    cmocka_unit_test(search_limit_offset_and_total),
	    cmocka_unit_test(invalid_registrations_are_rejected_and_change_nothing),
	    cmocka_unit_test(boundary_registrations_are_accepted),
	    cmocka_unit_test(likely_duplicates_are_refused_until_confirmed),
	    cmocka_unit_test(search_ignores_accents_and_finds_any_word),
	    cmocka_unit_test(search_finds_phones_by_their_digits),
	    cmocka_unit_test(search_dates_in_the_clinics_order),
	    cmocka_unit_test(patient_lifecycle_is_audited),
	    cmocka_unit_test(search_audit_never_holds_the_search_text),
	};
	return harness_run_group("api_patients", tests, &group);
}
