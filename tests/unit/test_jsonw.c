/* Unit tests for util/jsonw: the text it writes is the text jansson writes for the same
 * values, and an appointment written as text equals the one built as a JSON value. */
#include "unit.h"

#include "api/clinical.h"
#include "domain/dates.h"
#include "util/jsonw.h"

static void check_str(const char *s)
{
	struct buf b;
	buf_init(&b);
	jw_str(&b, s);
	json_t *v = s ? json_string(s) : json_null();
	assert_non_null(v);
	char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (strcmp(b.data, want) != 0)
		print_error("jw_str wrote %s, jansson %s\n", b.data, want);
	assert_string_equal(b.data, want);
	free(want);
	json_decref(v);
	buf_cleanup(&b);
}

static void strings(void **state)
{
	(void)state;
	static const char *const rows[] = {
	    "",
	    "plain",
	    "quote \" and backslash \\ and slash /",
	    "tab\tnew line\ncarriage\rback\bfeed\f",
	    "\x01\x02\x1e\x1f and DEL \x7f",
	    "Müller, Иванова, 李小龙, \xF0\x9F\x98\x80",
	    "\"\"\\\\",
	    "ends with a control\x05",
	    NULL,
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		check_str(rows[i]);
	/* Every single byte below 0x80. */
	for (int c = 1; c < 0x80; c++) {
		char s[4] = {'a', (char)c, 'z', 0};
		check_str(s);
	}
}

/* A pair is the string of both joined by a space, NULL counting as "", escaped or not. */
static void string_pairs(void **state)
{
	(void)state;
	static const char *const rows[][3] = {
	    {"Ada", "Lovelace", "Ada Lovelace"},
	    {"", "", " "},
	    {NULL, "Solo", " Solo"},
	    {"Solo", NULL, "Solo "},
	    {NULL, NULL, " "},
	    {"Quote \"Q\"", "Back\\slash", "Quote \"Q\" Back\\slash"},
	    {"Tab\t", "Müller", "Tab\t Müller"},
	    {"Zoë", "new\nline", "Zoë new\nline"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct buf b;
		buf_init(&b);
		jw_str_pair(&b, rows[i][0], rows[i][1]);
		json_t *v = json_string(rows[i][2]);
		assert_non_null(v);
		char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (strcmp(b.data, want) != 0)
			print_error("row %zu: jw_str_pair wrote %s, jansson %s\n", i, b.data, want);
		assert_string_equal(b.data, want);
		assert_int_equal(b.len, strlen(want));
		free(want);
		json_decref(v);
		buf_cleanup(&b);
	}
}

static void numbers(void **state)
{
	(void)state;
	static const int64_t rows[] = {0, 1, -1, 9, 10, -10, 1234567890123, INT64_MAX, INT64_MIN};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct buf b;
		buf_init(&b);
		jw_int(&b, rows[i]);
		json_t *v = json_integer(rows[i]);
		char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		assert_string_equal(b.data, want);
		free(want);
		json_decref(v);
		buf_cleanup(&b);
	}
	struct buf b;
	buf_init(&b);
	bool first = true;
	jw_raw(&b, "{");
	jw_key(&b, &first, "a\"b");
	jw_bool(&b, true);
	jw_key(&b, &first, "c");
	jw_bool(&b, false);
	jw_raw(&b, "}");
	assert_string_equal(b.data, "{\"a\\\"b\":true,\"c\":false}");
	buf_cleanup(&b);
}

/* Keys and strings, escaped or not, first or not, into one growing buffer: the text is
 * the concatenation of what jansson writes for each part. */
static void members_in_one_buffer(void **state)
{
	(void)state;
	static const char *const parts[] = {"id", "na\"me", "Müller", "line\nbreak", "", "x"};
	struct buf b, want;
	buf_init(&b);
	buf_init(&want);
	bool first = true;
	for (int i = 0; i < 3000; i++) {
		const char *key = parts[i % 6], *val = parts[(i / 6) % 6];
		jw_key(&b, &first, key);
		jw_str(&b, val);
		json_t *jk = json_string(key), *jv = json_string(val);
		char *k = json_dumps(jk, JSON_COMPACT | JSON_ENCODE_ANY);
		char *v = json_dumps(jv, JSON_COMPACT | JSON_ENCODE_ANY);
		json_decref(jk);
		json_decref(jv);
		assert_non_null(k);
		assert_non_null(v);
		if (i)
			buf_append(&want, ",", 1);
		buf_puts(&want, k);
		buf_append(&want, ":", 1);
		buf_puts(&want, v);
		free(k);
		free(v);
	}
	assert_int_equal(b.len, want.len);
	assert_int_equal(strlen(b.data), b.len);
	assert_string_equal(b.data, want.data);
	buf_cleanup(&b);
	buf_cleanup(&want);
}

/* What an appointment view reads as, built member by member with jansson. */
static json_t *expected_view(const struct appt_view *v)
{
	const struct appointment *a = &v->a;
	json_t *o = json_pack(
	    "{s:I, s:I, s:s, s:I, s:I, s:o, s:o, s:s, s:b, s:o, s:o}", "id", (json_int_t)a->id,
	    "patient_id", (json_int_t)a->patient_id, "kind", appt_kind_name(a->kind),
	    "practitioner_id", (json_int_t)a->practitioner_id, "room_id", (json_int_t)a->room_id,
	    "start", api_instant(a->start), "end", api_instant(a->end), "status",
	    appt_status_name(a->status), "late_cancel", a->late_cancel, "created_at",
	    api_instant(a->created_at), "updated_at", api_instant(a->updated_at));
	json_object_set_new(o, "plan_id", a->plan_id ? json_integer(a->plan_id) : json_null());
	json_object_set_new(o, "session_number",
			    a->session_number ? json_integer(a->session_number) : json_null());
	json_object_set_new(o, "override_reason",
			    a->override_reason ? json_string(a->override_reason) : json_null());
	json_object_set_new(o, "cancel_reason",
			    a->cancel_reason ? json_string(a->cancel_reason) : json_null());
	json_object_set_new(o, "notes", a->notes ? json_string(a->notes) : json_null());
	json_object_set_new(o, "status_changed_at",
			    a->status_at ? api_instant(a->status_at) : json_null());
	json_object_set_new(o, "status_changed_by",
			    a->status_by ? json_integer(a->status_by) : json_null());
	json_object_set_new(o, "confirmed_at",
			    a->confirmed_at ? api_instant(a->confirmed_at) : json_null());
	char name[1024];
	snprintf(name, sizeof name, "%s %s", v->patient_first ? v->patient_first : "",
		 v->patient_last ? v->patient_last : "");
	json_object_set_new(o, "patient_name", json_string(name));
	json_object_set_new(o, "patient_mrn", json_string(v->patient_mrn ? v->patient_mrn : ""));
	json_object_set_new(o, "practitioner_name",
			    json_string(v->practitioner_name ? v->practitioner_name : ""));
	json_object_set_new(o, "room_name", json_string(v->room_name ? v->room_name : ""));
	json_object_set_new(o, "treatment_type",
			    v->treatment_type ? json_string(v->treatment_type) : json_null());
	if (a->session_number && v->planned_sessions) {
		snprintf(name, sizeof name, "%d of %d", a->session_number, v->planned_sessions);
		json_object_set_new(o, "session_label", json_string(name));
		json_object_set_new(o, "planned_sessions", json_integer(v->planned_sessions));
	} else {
		json_object_set_new(o, "session_label", json_null());
	}
	return o;
}

static void check_view(const struct appt_view *v, json_t *cautions)
{
	struct buf b;
	buf_init(&b);
	appt_write(&b, v, true, cautions, NULL);
	json_error_t e;
	json_t *got = json_loads(b.data, 0, &e);
	if (!got)
		print_error("not JSON (%s): %s\n", e.text, b.data);
	assert_non_null(got);
	json_t *want = expected_view(v);
	if (cautions)
		json_object_set(want, "cautions", cautions);
	char *w = json_dumps(want, JSON_COMPACT);
	if (!json_equal(got, want))
		print_error("written %s\nbuilt   %s\n", b.data, w);
	assert_true(json_equal(got, want));
	/* Same members in the same order: the same text. */
	assert_string_equal(b.data, w);
	free(w);
	json_decref(got);
	json_decref(want);
	buf_cleanup(&b);
}

static void appointment_views(void **state)
{
	(void)state;
	dates_set_zone("Europe/Berlin");
	char first_name[] = "Anna \"Nan\"";
	char last_name[] = "Müller\\Smith";
	char mrn[] = "0000070";
	char pract[] = "Dr. Lee";
	char room[] = "Room\t2";
	char ttype[] = "microneedling";
	char cancel[] = "ill\nagain";
	char override[] = "spacing: patient travels";
	char notes[] = "\x01 odd note";
	struct appt_view v;
	memset(&v, 0, sizeof v);
	v.a.id = 42;
	v.a.patient_id = 7;
	v.a.kind = KIND_CONSULTATION;
	v.a.practitioner_id = 3;
	v.a.room_id = 2;
	v.a.start = 1790000000;
	v.a.end = 1790001800;
	v.a.status = APPT_BOOKED;
	v.a.created_at = 1780000000; /* summer time */
	v.a.updated_at = 1800000000; /* winter time */
	v.patient_first = first_name;
	v.patient_last = last_name;
	v.patient_mrn = mrn;
	v.practitioner_name = pract;
	v.room_name = room;
	check_view(&v, NULL);

	v.a.kind = KIND_TREATMENT;
	v.a.plan_id = 9;
	v.a.session_number = 2;
	v.planned_sessions = 4;
	v.treatment_type = ttype;
	v.a.status = APPT_CANCELLED;
	v.a.late_cancel = true;
	v.a.cancel_reason = cancel;
	v.a.override_reason = override;
	v.a.notes = notes;
	v.a.status_at = 1800000300;
	v.a.status_by = 5;
	json_t *cautions = json_pack("[s,s]", "anticoagulants", "keloid history");
	check_view(&v, cautions);
	json_decref(cautions);

	/* Missing names and a plan without a known size. */
	v.patient_first = NULL;
	v.patient_last = NULL;
	v.patient_mrn = NULL;
	v.practitioner_name = NULL;
	v.room_name = NULL;
	v.planned_sessions = 0;
	check_view(&v, NULL);
}

/* A plan as text: every member in the API's order, a window after the latest session, or
 * null when none is due. */
static void plan_text(void **state)
{
	(void)state;
	dates_set_zone("Europe/Berlin");
	char ttype[] = "MN_PRP", indication[] = "acne \"scars\"", cheeks[] = "cheeks",
	     forehead[] = "forehead", notes[] = "line 1\nline 2";
	char *areas[] = {cheeks, forehead};
	struct plan p;
	memset(&p, 0, sizeof p);
	p.id = 12;
	p.patient_id = 34;
	p.treatment_type = ttype;
	p.indication = indication;
	p.areas = areas;
	p.nareas = 2;
	p.planned_sessions = 3;
	p.min_interval_days = 28;
	p.max_interval_days = 42;
	p.practitioner_id = 5;
	p.status = PLAN_ACTIVE;
	p.created_at = 1780000000; /* 2026-05-28, summer time */
	p.updated_at = 1800000000; /* 2027-01-15, winter time */
	struct plan_progress prog = {.holding = 1, .completed = 1, .last_start = 1790000000};
	struct buf b;
	buf_init(&b);
	plan_write(&b, &p, &prog);
	assert_string_equal(
	    b.data, "{\"id\":12,\"patient_id\":34,\"treatment_type\":\"MN_PRP\","
		    "\"indication\":\"acne \\\"scars\\\"\",\"areas\":[\"cheeks\",\"forehead\"],"
		    "\"planned_sessions\":3,\"min_interval_days\":28,\"max_interval_days\":42,"
		    "\"practitioner_id\":5,\"status\":\"active\","
		    "\"created_at\":\"2026-05-28T22:26:40+02:00\","
		    "\"updated_at\":\"2027-01-15T09:00:00+01:00\",\"progress\":{\"planned\":3,"
		    "\"booked\":1,\"completed\":1,\"next_window\":{\"from\":\"2026-10-19\","
		    "\"to\":\"2026-11-02\"}},\"notes\":null,\"override_reason\":null}");
	buf_cleanup(&b);

	/* Completed: no window. No areas; notes with a line break. */
	p.status = PLAN_COMPLETED;
	p.nareas = 0;
	p.notes = notes;
	prog.holding = prog.completed = 3;
	buf_init(&b);
	plan_write(&b, &p, &prog);
	assert_non_null(strstr(b.data, "\"areas\":[],"));
	assert_non_null(strstr(b.data, "\"status\":\"completed\","));
	assert_non_null(strstr(b.data, "\"progress\":{\"planned\":3,\"booked\":3,\"completed\":3,"
				       "\"next_window\":null},\"notes\":\"line 1\\nline 2\","
				       "\"override_reason\":null}"));
	buf_cleanup(&b);
	dates_set_zone("UTC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(strings),		 cmocka_unit_test(string_pairs),
	    cmocka_unit_test(numbers),		 cmocka_unit_test(members_in_one_buffer),
	    cmocka_unit_test(appointment_views), cmocka_unit_test(plan_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
