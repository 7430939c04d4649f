/* The clinic's set-up over HTTP: rooms, practitioners' weekly hours and time off. */
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

static struct server srv;
static char *admin_tok, *desk_tok, *prac_tok;
static long long admin_id, desk_id, prac_id, prac2_id;

static const struct harness_group group = {
    .srv = &srv,
    .admin = &admin_tok,
    .desk = &desk_tok,
    .prac = &prac_tok,
    .admin_id = &admin_id,
    .desk_id = &desk_id,
    .prac_id = &prac_id,
    .prac2_id = &prac2_id,
};

/* ---- helpers ---------------------------------------------------------------------- */

/* The newest audit event about entity/entity_id; the caller frees *keep. */
static json_t *audit_newest(const char *entity, long long entity_id, struct resp **keep)
{
	char path[128];
	snprintf(path, sizeof path, "/api/v1/audit?entity=%s&entity_id=%lld&limit=1", entity,
		 entity_id);
	struct resp *r = req(&srv, "GET", path, admin_tok, NULL);
	assert_int_equal(r->status, 200);
	*keep = r;
	json_t *e = json_array_get(json_object_get(r->json, "items"), 0);
	assert_non_null(e);
	return e;
}

static char *avail_path(long long id, char *buf, size_t n)
{
	snprintf(buf, n, "/api/v1/practitioners/%lld/availability", id);
	return buf;
}

static char *time_off_path(long long id, char *buf, size_t n)
{
	snprintf(buf, n, "/api/v1/practitioners/%lld/time-off", id);
	return buf;
}

/* The hours of practitioner id, compact JSON (caller frees), read as admin. */
static char *hours_text(long long id)
{
	char path[96];
	struct resp *r = req(&srv, "GET", avail_path(id, path, sizeof path), admin_tok, NULL);
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "practitioner_id"), id);
	char *text = json_dumps(json_object_get(r->json, "hours"), JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(text);
	resp_free(r);
	return text;
}

static size_t time_off_count(long long id)
{
	char path[96];
	struct resp *r = req(&srv, "GET", avail_path(id, path, sizeof path), admin_tok, NULL);
	assert_int_equal(r->status, 200);
	json_t *off = json_object_get(r->json, "time_off");
	assert_true(json_is_array(off));
	size_t n = json_array_size(off);
	resp_free(r);
	return n;
}

/* The rooms list as admin; the caller frees. */
static struct resp *rooms(void)
{
	struct resp *r = req(&srv, "GET", "/api/v1/rooms", admin_tok, NULL);
	assert_int_equal(r->status, 200);
	return r;
}

static json_t *room_named(const struct resp *list, const char *name)
{
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(list->json, "items"), i, it)
	{
		if (strcmp(jstr(it, "name"), name) == 0)
			return it;
	}
	return NULL;
}

static long long create_room(const char *name)
{
	json_t *b = json_pack("{s:s}", "name", name);
	struct resp *r = reqj(&srv, "POST", "/api/v1/rooms", admin_tok, b);
	assert_int_equal(r->status, 201);
	long long id = jint(r->json, "id");
	assert_true(id > 0);
	resp_free(r);
	return id;
}

/* ---- rooms ------------------------------------------------------------------------ */

static void rooms_are_listed_for_every_role(void **state)
{
	(void)state;
	long long id = create_room("Treatment 1");
	const char *toks[] = {admin_tok, desk_tok, prac_tok};
	for (int i = 0; i < 3; i++) {
		struct resp *r = req(&srv, "GET", "/api/v1/rooms", toks[i], NULL);
		assert_int_equal(r->status, 200);
		json_t *items = json_object_get(r->json, "items");
		assert_true(json_is_array(items));
		assert_int_equal(jint(r->json, "total"), (long long)json_array_size(items));
		json_t *room = room_named(r, "Treatment 1");
		assert_non_null(room);
		assert_int_equal(jint(room, "id"), id);
		assert_true(json_is_true(json_object_get(room, "active")));
		resp_free(r);
	}
	fx_expect_err(req(&srv, "GET", "/api/v1/rooms", NULL, NULL), 401, "unauthenticated", NULL);
}

static void rooms_are_created_by_admins_only(void **state)
{
	(void)state;
	struct resp *r =
	    req(&srv, "POST", "/api/v1/rooms", admin_tok, "{\"name\":\"Laser suite\"}");
	assert_int_equal(r->status, 201);
	long long id = jint(r->json, "id");
	char loc[96], want[96];
	assert_non_null(resp_header(r, "Location", loc, sizeof loc));
	snprintf(want, sizeof want, "/api/v1/rooms/%lld", id);
	assert_string_equal(loc, want);
	assert_string_equal(jstr(r->json, "name"), "Laser suite");
	assert_true(json_is_true(json_object_get(r->json, "active")));
	resp_free(r);
	struct resp *keep;
	json_t *e = audit_newest("room", id, &keep);
	assert_string_equal(jstr(e, "action"), "create");
	assert_int_equal(jint(e, "user_id"), admin_id);
	resp_free(keep);

	r = rooms();
	long long before = jint(r->json, "total");
	assert_non_null(room_named(r, "Laser suite"));
	resp_free(r);
	long long audit = fx_audit_last(&srv, admin_tok);

	fx_expect_err(req(&srv, "POST", "/api/v1/rooms", desk_tok, "{\"name\":\"Desk room\"}"), 403,
		      "forbidden", NULL);
	fx_expect_err(req(&srv, "POST", "/api/v1/rooms", prac_tok, "{\"name\":\"Prac room\"}"), 403,
		      "forbidden", NULL);
	static const struct fx_bad bad[] = {
	    FX_ERR("{\"name\":\"Laser suite\"}", 409, "duplicate"),
	    FX_FIELD("{\"name\":\"\"}", "name"),
	    FX_FIELD("{}", "name"),
	    FX_FIELD("{\"name\":\"   \"}", "name"),
	    FX_FIELD("{\"name\":null}", "name"),
	    FX_FIELD("{\"name\":7}", "name"),
	    FX_FIELD("{\"name\":\"Room 9\",\"floor\":2}", "floor"),
	    FX_ERR("{\"name\":", 400, "bad_json"),
	};
	fx_expect_bad(&srv, admin_tok, "POST", "/api/v1/rooms", FX_ROWS(bad));

	r = rooms();
	assert_int_equal(jint(r->json, "total"), before);
	assert_null(room_named(r, "Desk room"));
	assert_null(room_named(r, "Prac room"));
	assert_null(room_named(r, "Room 9"));
	resp_free(r);
	assert_int_equal(fx_audit_last(&srv, admin_tok), audit);
}

static void rooms_are_renamed_and_deactivated(void **state)
{
	(void)state;
	long long id = create_room("Old name");
	create_room("Taken name");
	char path[64];
	snprintf(path, sizeof path, "/api/v1/rooms/%lld", id);

	struct resp *r = req(&srv, "PATCH", path, admin_tok, "{\"name\":\"New name\"}");
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "id"), id);
	assert_string_equal(jstr(r->json, "name"), "New name");
	assert_true(json_is_true(json_object_get(r->json, "active")));
	resp_free(r);

	r = req(&srv, "PATCH", path, admin_tok, "{\"active\":false}");
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "name"), "New name");
	assert_true(json_is_false(json_object_get(r->json, "active")));
	resp_free(r);

	r = rooms();
	json_t *room = room_named(r, "New name");
	assert_non_null(room);
	assert_int_equal(jint(room, "id"), id);
	assert_true(json_is_false(json_object_get(room, "active")));
	assert_null(room_named(r, "Old name"));
	resp_free(r);
	struct resp *keep;
	json_t *e = audit_newest("room", id, &keep);
	assert_string_equal(jstr(e, "action"), "update");
	resp_free(keep);

	long long audit = fx_audit_last(&srv, admin_tok);
	static const struct fx_bad bad[] = {
	    FX_ERR("{\"name\":\"Taken name\"}", 409, "duplicate"),
	    FX_FIELD("{\"name\":\"\"}", "name"),
	    FX_FIELD("{\"name\":\"  \"}", "name"),
	    FX_FIELD("{\"active\":\"no\"}", "active"),
	    FX_FIELD("{\"colour\":\"blue\"}", "colour"),
	};
	fx_expect_bad(&srv, admin_tok, "PATCH", path, FX_ROWS(bad));
	fx_expect_err(req(&srv, "PATCH", path, desk_tok, "{\"name\":\"Desk's\"}"), 403, "forbidden",
		      NULL);
	fx_expect_err(
	    req(&srv, "PATCH", "/api/v1/rooms/999999", admin_tok, "{\"name\":\"Nowhere\"}"), 404,
	    "not_found", NULL);
	fx_expect_err(req(&srv, "DELETE", path, admin_tok, NULL), 405, "method_not_allowed", NULL);
	assert_int_equal(fx_audit_last(&srv, admin_tok), audit);

	/* And back into service. */
	r = req(&srv, "PATCH", path, admin_tok, "{\"active\":true}");
	assert_int_equal(r->status, 200);
	assert_true(json_is_true(json_object_get(r->json, "active")));
	assert_string_equal(jstr(r->json, "name"), "New name");
	resp_free(r);
}

/* ---- weekly hours ------------------------------------------------------------------ */

static void availability_put_replaces_the_week(void **state)
{
	(void)state;
	char path[96];
	avail_path(prac_id, path, sizeof path);
	/* Given out of order; read back by weekday and start. */
	fx_expect_status(req(&srv, "PUT", path, admin_tok,
			     "{\"hours\":[{\"weekday\":3,\"start\":\"10:00\",\"end\":\"18:00\"},"
			     "{\"weekday\":1,\"start\":\"13:00\",\"end\":\"17:00\"},"
			     "{\"weekday\":1,\"start\":\"09:00\",\"end\":\"12:00\"},"
			     "{\"weekday\":7,\"start\":\"00:00\",\"end\":\"24:00\"}]}"),
			 200);
	char *text = hours_text(prac_id);
	assert_string_equal(text, "[{\"end\":\"12:00\",\"start\":\"09:00\",\"weekday\":1},"
				  "{\"end\":\"17:00\",\"start\":\"13:00\",\"weekday\":1},"
				  "{\"end\":\"18:00\",\"start\":\"10:00\",\"weekday\":3},"
				  "{\"end\":\"24:00\",\"start\":\"00:00\",\"weekday\":7}]");
	free(text);
	struct resp *keep;
	json_t *e = audit_newest("availability", prac_id, &keep);
	assert_string_equal(jstr(e, "action"), "update");
	assert_int_equal(jint(e, "user_id"), admin_id);
	resp_free(keep);

	/* Another practitioner's week is separate. */
	char path2[96];
	fx_expect_status(req(&srv, "PUT", avail_path(prac2_id, path2, sizeof path2), admin_tok,
			     "{\"hours\":[{\"weekday\":5,\"start\":\"08:30\",\"end\":\"12:30\"}]}"),
			 200);

	/* Fewer intervals: only those remain. Touching intervals do not overlap. */
	struct resp *r = req(&srv, "PUT", path, admin_tok,
			     "{\"hours\":[{\"weekday\":2,\"start\":\"08:00\",\"end\":\"12:00\"},"
			     "{\"weekday\":2,\"start\":\"12:00\",\"end\":\"13:30\"}]}");
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "practitioner_id"), prac_id);
	assert_int_equal(json_array_size(json_object_get(r->json, "hours")), 2);
	resp_free(r);
	text = hours_text(prac_id);
	assert_string_equal(text, "[{\"end\":\"12:00\",\"start\":\"08:00\",\"weekday\":2},"
				  "{\"end\":\"13:30\",\"start\":\"12:00\",\"weekday\":2}]");
	free(text);
	text = hours_text(prac2_id);
	assert_string_equal(text, "[{\"end\":\"12:30\",\"start\":\"08:30\",\"weekday\":5}]");
	free(text);

	/* Every role may read the hours (booking needs them). */
	r = req(&srv, "GET", path, prac_tok, NULL);
	assert_int_equal(r->status, 200);
	assert_int_equal(json_array_size(json_object_get(r->json, "hours")), 2);
	resp_free(r);

	/* An empty week is a week off. */
	fx_expect_status(req(&srv, "PUT", path2, admin_tok, "{\"hours\":[]}"), 200);
	text = hours_text(prac2_id);
	assert_string_equal(text, "[]");
	free(text);
}

static const struct fx_bad bad_hours[] = {
    FX_FIELD("{\"hours\":[{\"weekday\":0,\"start\":\"09:00\",\"end\":\"17:00\"}]}", "weekday"),
    FX_FIELD("{\"hours\":[{\"weekday\":8,\"start\":\"09:00\",\"end\":\"17:00\"}]}", "weekday"),
    FX_FIELD("{\"hours\":[{\"weekday\":\"1\",\"start\":\"09:00\",\"end\":\"17:00\"}]}", "weekday"),
    FX_FIELD("{\"hours\":[{\"start\":\"09:00\",\"end\":\"17:00\"}]}", "weekday"),
    FX_FIELD("{\"hours\":[{\"weekday\":1,\"start\":\"9:00\",\"end\":\"17:00\"}]}", "start"),
    FX_FIELD("{\"hours\":[{\"weekday\":1,\"start\":\"09:00\",\"end\":\"24:30\"}]}", "end"),
    FX_FIELD("{\"hours\":[{\"weekday\":1,\"start\":\"25:00\",\"end\":\"26:00\"}]}", "start"),
    FX_FIELD("{\"hours\":[{\"weekday\":1,\"start\":\"09:60\",\"end\":\"17:00\"}]}", "start"),
    FX_FIELD("{\"hours\":[{\"weekday\":1,\"start\":\"09h00\",\"end\":\"17:00\"}]}", "start"),
    FX_FIELD("{\"hours\":[{\"weekday\":1,\"start\":\"09:00\"}]}", "end"),
    FX_FIELD("{\"hours\":[{\"weekday\":1,\"start\":\"09:00\",\"end\":\"09:00\"}]}", "end"),
    FX_FIELD("{\"hours\":[{\"weekday\":1,\"start\":\"17:00\",\"end\":\"09:00\"}]}", "end"),
    FX_FIELD("{\"hours\":[{\"weekday\":1,\"start\":\"09:00\",\"end\":\"13:00\"},"
	     "{\"weekday\":1,\"start\":\"12:00\",\"end\":\"17:00\"}]}",
	     "hours"),
    FX_FIELD("{\"hours\":[{\"weekday\":4,\"start\":\"09:00\",\"end\":\"17:00\"},"
	     "{\"weekday\":4,\"start\":\"10:00\",\"end\":\"11:00\"}]}",
	     "hours"),
    FX_FIELD("{\"hours\":[{\"weekday\":6,\"start\":\"09:00\",\"end\":\"12:00\"},"
	     "{\"weekday\":6,\"start\":\"09:00\",\"end\":\"12:00\"}]}",
	     "hours"),
    FX_FIELD("{\"hours\":[{\"weekday\":1,\"start\":\"09:00\",\"end\":\"17:00\",\"room\":1}]}",
	     "room"),
    FX_FIELD("{\"hours\":[1]}", "hours"),
    FX_FIELD("{\"hours\":\"weekdays\"}", "hours"),
    FX_FIELD("{\"hours\":null}", "hours"),
    FX_FIELD("{}", "hours"),
    FX_FIELD("{\"hours\":[],\"zone\":\"Europe/Berlin\"}", "zone"),
};

static void availability_rejects_bad_weeks(void **state)
{
	(void)state;
	char path[96];
	avail_path(prac_id, path, sizeof path);
	fx_expect_status(req(&srv, "PUT", path, admin_tok,
			     "{\"hours\":[{\"weekday\":1,\"start\":\"09:00\",\"end\":\"17:00\"}]}"),
			 200);
	char *week = hours_text(prac_id);
	long long audit = fx_audit_last(&srv, admin_tok);

	fx_expect_bad(&srv, admin_tok, "PUT", path, FX_ROWS(bad_hours));
	/* Too many intervals for one week (71 half hours that do not overlap). */
	json_t *many = json_array();
	for (int i = 0; i < 71; i++) {
		char start[16], end[16];
		snprintf(start, sizeof start, "%02d:00", i / 7);
		snprintf(end, sizeof end, "%02d:30", i / 7);
		json_array_append_new(many, json_pack("{s:i, s:s, s:s}", "weekday", 1 + i % 7,
						      "start", start, "end", end));
	}
	fx_expect_err(reqj(&srv, "PUT", path, admin_tok, json_pack("{s:o}", "hours", many)), 422,
		      "validation_failed", "hours");
	fx_expect_err(req(&srv, "PUT", path, admin_tok, NULL), 400, "bad_json", NULL);

	/* The week stands as it was, and nothing was audited. */
	char *after = hours_text(prac_id);
	assert_string_equal(after, week);
	free(after);
	free(week);
	assert_int_equal(fx_audit_last(&srv, admin_tok), audit);
}

static void availability_is_for_practitioners_set_by_admins(void **state)
{
	(void)state;
	const char *week = "{\"hours\":[{\"weekday\":1,\"start\":\"09:00\",\"end\":\"17:00\"}]}";
	char path[96];
	long long not_practitioners[] = {admin_id, desk_id, 999999};
	for (int i = 0; i < 3; i++) {
		avail_path(not_practitioners[i], path, sizeof path);
		fx_expect_err(req(&srv, "PUT", path, admin_tok, week), 404, "not_found", NULL);
		fx_expect_err(req(&srv, "GET", path, admin_tok, NULL), 404, "not_found", NULL);
	}
	fx_expect_err(req(&srv, "GET", "/api/v1/practitioners/abc/availability", admin_tok, NULL),
		      404, "not_found", NULL);

	char *before = hours_text(prac_id);
	avail_path(prac_id, path, sizeof path);
	fx_expect_err(req(&srv, "PUT", path, desk_tok, week), 403, "forbidden", NULL);
	/* Practitioners do not set their own hours either. */
	fx_expect_err(req(&srv, "PUT", path, prac_tok,
			  "{\"hours\":[{\"weekday\":6,\"start\":\"09:00\",\"end\":\"10:00\"}]}"),
		      403, "forbidden", NULL);
	fx_expect_err(req(&srv, "PUT", path, NULL, week), 401, "unauthenticated", NULL);
	char *after = hours_text(prac_id);
	assert_string_equal(after, before);
	free(after);
	free(before);
}

/* ---- time off ---------------------------------------------------------------------- */

static void time_off_is_recorded_and_listed(void **state)
{
	(void)state;
	char path[96];
	time_off_path(prac_id, path, sizeof path);
	size_t before = time_off_count(prac_id);
	struct resp *r = req(&srv, "POST", path, admin_tok,
			     "{\"start\":\"2035-03-02T09:00:00+01:00\","
			     "\"end\":\"2035-03-06T18:00:00+01:00\",\"reason\":\"Conference\"}");
	assert_int_equal(r->status, 201);
	char loc[128];
	assert_non_null(resp_header(r, "Location", loc, sizeof loc));
	long long id = jint(r->json, "id");
	assert_true(id > 0);
	assert_int_equal(jint(r->json, "practitioner_id"), prac_id);
	assert_int_equal(fx_parse_instant(jstr(r->json, "start")),
			 fx_parse_instant("2035-03-02T08:00:00Z"));
	assert_int_equal(fx_parse_instant(jstr(r->json, "end")),
			 fx_parse_instant("2035-03-06T17:00:00Z"));
	assert_string_equal(jstr(r->json, "reason"), "Conference");
	resp_free(r);
	struct resp *keep;
	json_t *e = audit_newest("time_off", id, &keep);
	assert_string_equal(jstr(e, "action"), "create");
	resp_free(keep);

	/* UTC input, a second range. */
	r = req(&srv, "POST", path, admin_tok,
		"{\"start\":\"2035-07-01T00:00:00Z\",\"end\":\"2035-07-15T00:00:00Z\","
		"\"reason\":\"Summer leave\"}");
	assert_int_equal(r->status, 201);
	long long id2 = jint(r->json, "id");
	resp_free(r);

	/* Both appear in the availability's time_off, in order; prac2's list is untouched. */
	char apath[96];
	size_t prac2_before = time_off_count(prac2_id);
	r = req(&srv, "GET", avail_path(prac_id, apath, sizeof apath), admin_tok, NULL);
	assert_int_equal(r->status, 200);
	json_t *off = json_object_get(r->json, "time_off");
	assert_int_equal(json_array_size(off), before + 2);
	json_t *a = json_array_get(off, before), *b = json_array_get(off, before + 1);
	assert_int_equal(jint(a, "id"), id);
	assert_string_equal(jstr(a, "reason"), "Conference");
	assert_int_equal(fx_parse_instant(jstr(a, "start")),
			 fx_parse_instant("2035-03-02T09:00:00+01:00"));
	assert_int_equal(fx_parse_instant(jstr(a, "end")),
			 fx_parse_instant("2035-03-06T18:00:00+01:00"));
	assert_int_equal(jint(b, "id"), id2);
	assert_string_equal(jstr(b, "reason"), "Summer leave");
	resp_free(r);
	assert_int_equal(time_off_count(prac2_id), prac2_before);

	/* A year is the most one range may cover. */
	fx_expect_status(req(&srv, "POST", path, admin_tok,
			     "{\"start\":\"2036-01-01T00:00:00Z\",\"end\":\"2036-12-31T00:00:00Z\","
			     "\"reason\":\"Sabbatical\"}"),
			 201);
	assert_int_equal(time_off_count(prac_id), before + 3);
}

static const struct fx_bad bad_time_off[] = {
    FX_FIELD(
	"{\"start\":\"2035-12-01T17:00:00Z\",\"end\":\"2035-12-01T09:00:00Z\",\"reason\":\"x\"}",
	"end"),
    FX_FIELD(
	"{\"start\":\"2035-12-01T09:00:00Z\",\"end\":\"2035-12-01T09:00:00Z\",\"reason\":\"x\"}",
	"end"),
    FX_FIELD(
	"{\"start\":\"2035-12-01T09:00:00\",\"end\":\"2035-12-01T17:00:00Z\",\"reason\":\"x\"}",
	"start"),
    FX_FIELD(
	"{\"start\":\"2035-12-01T09:00:00Z\",\"end\":\"2035-12-01T17:00:00\",\"reason\":\"x\"}",
	"end"),
    FX_FIELD("{\"start\":\"2035-12-01\",\"end\":\"2035-12-02\",\"reason\":\"x\"}", "start"),
    FX_FIELD(
	"{\"start\":\"2035-02-30T09:00:00Z\",\"end\":\"2035-03-02T09:00:00Z\",\"reason\":\"x\"}",
	"start"),
    FX_FIELD(
	"{\"start\":\"2035-01-01T00:00:00Z\",\"end\":\"2036-01-03T00:00:00Z\",\"reason\":\"x\"}",
	"end"),
    FX_FIELD(
	"{\"start\":\"2035-01-01T00:00:00Z\",\"end\":\"2037-01-01T00:00:00Z\",\"reason\":\"x\"}",
	"end"),
    FX_FIELD("{\"end\":\"2035-12-01T17:00:00Z\",\"reason\":\"x\"}", "start"),
    FX_FIELD("{\"start\":\"2035-12-01T09:00:00Z\",\"reason\":\"x\"}", "end"),
    FX_FIELD("{\"start\":\"2035-12-01T09:00:00Z\",\"end\":\"2035-12-01T17:00:00Z\"}", "reason"),
    FX_FIELD(
	"{\"start\":\"2035-12-01T09:00:00Z\",\"end\":\"2035-12-01T17:00:00Z\",\"reason\":\"\"}",
	"reason"),
    FX_FIELD("{\"start\":1764579600,\"end\":\"2035-12-01T17:00:00Z\",\"reason\":\"x\"}", "start"),
    /* Instants lie in the years 1900 to 2200. */
    FX_FIELD(
	"{\"start\":\"1899-12-31T09:00:00Z\",\"end\":\"1900-01-02T17:00:00Z\",\"reason\":\"x\"}",
	"start"),
    FX_FIELD(
	"{\"start\":\"2200-12-31T09:00:00Z\",\"end\":\"2201-01-01T17:00:00Z\",\"reason\":\"x\"}",
	"end"),
    FX_FIELD(
	"{\"start\":\"2035-12-01T09:00:00Z\",\"end\":\"2035-12-01T17:00:00Z\",\"reason\":\"x\","
	"\"paid\":true}",
	"paid"),
};

static void time_off_rejects_bad_ranges(void **state)
{
	(void)state;
	char path[96];
	time_off_path(prac_id, path, sizeof path);
	size_t before = time_off_count(prac_id);
	long long audit = fx_audit_last(&srv, admin_tok);
	fx_expect_bad(&srv, admin_tok, "POST", path, FX_ROWS(bad_time_off));
	const char *ok = "{\"start\":\"2035-12-01T09:00:00Z\",\"end\":\"2035-12-01T17:00:00Z\","
			 "\"reason\":\"Course\"}";
	fx_expect_err(req(&srv, "POST", path, desk_tok, ok), 403, "forbidden", NULL);
	fx_expect_err(req(&srv, "POST", path, prac_tok, ok), 403, "forbidden", NULL);
	char other[96];
	fx_expect_err(
	    req(&srv, "POST", time_off_path(admin_id, other, sizeof other), admin_tok, ok), 404,
	    "not_found", NULL);
	fx_expect_err(req(&srv, "POST", time_off_path(999999, other, sizeof other), admin_tok, ok),
		      404, "not_found", NULL);
	assert_int_equal(time_off_count(prac_id), before);
	assert_int_equal(fx_audit_last(&srv, admin_tok), audit);
}

/* ---- hours that strand bookings ------------------------------------------------ */

/* The bookings_outside_hours warning of r, with its ids and appointments lists of the
 * same length; NULL when r has none. */
static json_t *stranded(const struct resp *r)
{
	json_t *w = fx_warning(r, "bookings_outside_hours");
	if (w)
		assert_int_equal(json_array_size(json_object_get(w, "appointment_ids")),
				 json_array_size(json_object_get(w, "appointments")));
	return w;
}

/* True when the warning names appointment id, in both its lists. */
static bool names(const json_t *w, long long id)
{
	size_t i;
	json_t *v;
	bool in_ids = false;
	json_array_foreach(json_object_get(w, "appointment_ids"), i, v) in_ids |=
	    json_integer_value(v) == id;
	return in_ids && fx_find(json_object_get(w, "appointments"), "appointment_id", id);
}

static void expect_booked(long long id)
{
	char path[64];
	snprintf(path, sizeof path, "/api/v1/appointments/%lld", id);
	struct resp *r = req(&srv, "GET", path, desk_tok, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "status"), "booked");
	resp_free(r);
}

/* New hours or time off are saved even when booked appointments no longer fit; the answer
 * warns of each such appointment ahead with its patient and phone, so the clinic can call. */
static void hours_and_time_off_warn_of_stranded_bookings(void **state)
{
	(void)state;
	struct lane l = fx_lane(&srv, admin_tok, "strand");
	long long caller =
	    fx_created(req(&srv, "POST", "/api/v1/patients", desk_tok,
			   "{\"first_name\":\"Cal\",\"last_name\":\"Stranded\","
			   "\"date_of_birth\":\"1979-09-19\",\"phone\":\"+49 30 5550100\"}"));
	long long silent = fx_patient(&srv, desk_tok, "Sil", "Stranded", "1979-09-20");
	int d = 10;
	struct fx_booking b = fx_in_lane(l, caller, 0, fx_time(d, 8, 0));
	long long early = fx_booked(&srv, desk_tok, &b);
	b.start = fx_time(d, 14, 0);
	long long inside = fx_booked(&srv, desk_tok, &b);
	b.start = fx_time(d, 7, 0);
	long long gone = fx_booked(&srv, desk_tok, &b);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/appointments/%lld/cancel", gone);
	fx_expect_status(req(&srv, "POST", path, desk_tok, NULL), 200);
	b = fx_in_lane(l, silent, 0, fx_time(d + 1, 18, 0));
	long long late = fx_booked(&srv, desk_tok, &b);
	/* Earlier today, already past: nobody to call. */
	b.start = fx_earlier_today(3600);
	b.end = b.start + 300;
	b.override_reason = "recorded late";
	long long past = fx_booked(&srv, admin_tok, &b);

	/* 09:00-17:00 strands the 08:00 and the 18:00 booking. */
	avail_path(l.prac, path, sizeof path);
	const char *office = "{\"hours\":[{\"weekday\":1,\"start\":\"09:00\",\"end\":\"17:00\"},"
			     "{\"weekday\":2,\"start\":\"09:00\",\"end\":\"17:00\"},"
			     "{\"weekday\":3,\"start\":\"09:00\",\"end\":\"17:00\"},"
			     "{\"weekday\":4,\"start\":\"09:00\",\"end\":\"17:00\"},"
			     "{\"weekday\":5,\"start\":\"09:00\",\"end\":\"17:00\"},"
			     "{\"weekday\":6,\"start\":\"09:00\",\"end\":\"17:00\"},"
			     "{\"weekday\":7,\"start\":\"09:00\",\"end\":\"17:00\"}]}";
	struct resp *r = req(&srv, "PUT", path, admin_tok, office);
	assert_int_equal(r->status, 200);
	assert_int_equal(json_array_size(json_object_get(r->json, "hours")), 7);
	json_t *w = stranded(r);
	assert_non_null(w);
	assert_int_equal(json_array_size(json_object_get(w, "appointment_ids")), 2);
	assert_true(names(w, early));
	assert_true(names(w, late));
	assert_false(names(w, inside) || names(w, gone) || names(w, past));
	json_t *a = fx_find(json_object_get(w, "appointments"), "appointment_id", early);
	fx_expect_instant(a, "start", fx_time(d, 8, 0));
	assert_int_equal(jint(a, "patient_id"), caller);
	assert_string_equal(jstr(a, "patient_name"), "Cal Stranded");
	assert_string_equal(jstr(a, "phone"), "+49 30 5550100");
	a = fx_find(json_object_get(w, "appointments"), "appointment_id", late);
	assert_int_equal(jint(a, "patient_id"), silent);
	assert_string_equal(jstr(a, "patient_name"), "Sil Stranded");
	assert_true(json_is_null(json_object_get(a, "phone")));
	resp_free(r);
	/* The change stands and the bookings stay as they are. */
	char *text = hours_text(l.prac);
	assert_non_null(strstr(text, "\"start\":\"09:00\""));
	free(text);
	expect_booked(early);
	expect_booked(late);
	expect_booked(inside);

	/* Around the clock again: nothing stranded, no warning. */
	r = req(&srv, "PUT", path, admin_tok,
		"{\"hours\":[{\"weekday\":1,\"start\":\"00:00\",\"end\":\"24:00\"},"
		"{\"weekday\":2,\"start\":\"00:00\",\"end\":\"24:00\"},"
		"{\"weekday\":3,\"start\":\"00:00\",\"end\":\"24:00\"},"
		"{\"weekday\":4,\"start\":\"00:00\",\"end\":\"24:00\"},"
		"{\"weekday\":5,\"start\":\"00:00\",\"end\":\"24:00\"},"
		"{\"weekday\":6,\"start\":\"00:00\",\"end\":\"24:00\"},"
		"{\"weekday\":7,\"start\":\"00:00\",\"end\":\"24:00\"}]}");
	assert_int_equal(r->status, 200);
	assert_null(stranded(r));
	resp_free(r);

	/* Time off over the afternoon booking names it alone, and is recorded. */
	size_t offs = time_off_count(l.prac);
	time_off_path(l.prac, path, sizeof path);
	char from[32], to[32];
	fx_instant(fx_time(d, 13, 0), from);
	fx_instant(fx_time(d, 16, 0), to);
	r = reqj(&srv, "POST", path, admin_tok,
		 json_pack("{s:s, s:s, s:s}", "start", from, "end", to, "reason", "Dentist"));
	assert_int_equal(r->status, 201);
	w = stranded(r);
	assert_non_null(w);
	assert_int_equal(json_array_size(json_object_get(w, "appointment_ids")), 1);
	assert_true(names(w, inside));
	assert_string_equal(jstr(json_array_get(json_object_get(w, "appointments"), 0), "phone"),
			    "+49 30 5550100");
	resp_free(r);
	assert_int_equal(time_off_count(l.prac), offs + 1);
	expect_booked(inside);
	/* More time off where nothing is booked: the afternoon booking is still stranded, and
	 * still the only one. */
	fx_instant(fx_time(d + 2, 9, 0), from);
	fx_instant(fx_time(d + 2, 17, 0), to);
	r = reqj(&srv, "POST", path, admin_tok,
		 json_pack("{s:s, s:s, s:s}", "start", from, "end", to, "reason", "Course"));
	assert_int_equal(r->status, 201);
	w = stranded(r);
	assert_non_null(w);
	assert_int_equal(json_array_size(json_object_get(w, "appointment_ids")), 1);
	assert_true(names(w, inside));
	resp_free(r);
	/* Once it is moved out of the time off, nothing is left to warn of. */
	char appt[64], when[32];
	snprintf(appt, sizeof appt, "/api/v1/appointments/%lld", inside);
	fx_instant(fx_time(d, 17, 0), when);
	fx_expect_status(reqj(&srv, "PATCH", appt, desk_tok, json_pack("{s:s}", "start", when)),
			 200);
	fx_instant(fx_time(d + 3, 9, 0), from);
	fx_instant(fx_time(d + 3, 17, 0), to);
	r = reqj(&srv, "POST", path, admin_tok,
		 json_pack("{s:s, s:s, s:s}", "start", from, "end", to, "reason", "Course"));
	assert_int_equal(r->status, 201);
	assert_null(stranded(r));
	resp_free(r);
	/* Another practitioner's change never names this calendar's bookings. */
	struct lane other = fx_lane(&srv, admin_tok, "strand2");
	avail_path(other.prac, path, sizeof path);
	r = req(&srv, "PUT", path, admin_tok, office);
	assert_int_equal(r->status, 200);
	assert_null(stranded(r));
	resp_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rooms_are_listed_for_every_role),
	    cmocka_unit_test(rooms_are_created_by_admins_only),
	    cmocka_unit_test(rooms_are_renamed_and_deactivated),
	    cmocka_unit_test(availability_put_replaces_the_week),
	    cmocka_unit_test(availability_rejects_bad_weeks),
	    cmocka_unit_test(availability_is_for_practitioners_set_by_admins),
	    cmocka_unit_test(time_off_is_recorded_and_listed),
	    cmocka_unit_test(time_off_rejects_bad_ranges),
	    cmocka_unit_test(hours_and_time_off_warn_of_stranded_bookings),
	};
	return harness_run_group("api_clinic", tests, &group);
}
