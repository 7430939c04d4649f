/* The authorization matrix, generated from the route table: every route against
 * anonymous, expired and tampered tokens, each role, and an existing or nonexistent
 * record, checked against the route's declared policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vips/vips.h>

#include "api/api.h"
#include "harness.h"

static struct server srv, short_srv;
static char *tok[3]; /* admin, desk, prac */
static char *expired;
static const int role_bits[3] = {ROLE_ADMIN, ROLE_FRONT_DESK, ROLE_PRACTITIONER};
static const char *const role_names[3] = {"admin", "front_desk", "practitioner"};
static long long ids_patient, ids_plan, ids_appt, ids_room, ids_prac, ids_user;
static long long ids_photo, ids_photo_consent;
static char photo_dir[64];

static long long post_id(const char *path, const char *token, const char *body)
{
	struct resp *r = req(&srv, "POST", path, token, body);
	if (r->status != 201)
		fprintf(stderr, "setup %s: %ld %s\n", path, r->status, r->body);
	long long id = jint(r->json, "id");
	resp_free(r);
	return id;
}

static int setup(void **state)
{
	(void)state;
	/* Photos need a folder on PostgreSQL; on SQLite it is beside the file. */
	int at = snprintf(photo_dir, sizeof photo_dir, "/tmp/collagenda-authz-");
	memset(photo_dir + at, 'X', 6); /* mkdtemp's template */
	photo_dir[at + 6] = '\0';
	if (!mkdtemp(photo_dir))
		return -1;
	const char *photo_args[] = {"--photos", photo_dir, NULL};
	server_start(&srv, photo_args);
	tok[0] = login(&srv, "admin", PW_ADMIN);
	tok[1] = login(&srv, "desk", PW_DESK);
	tok[2] = login(&srv, "prac", PW_PRAC);
	struct resp *r = req(&srv, "GET", "/api/v1/me", tok[2], NULL);
	ids_prac = jint(json_object_get(r->json, "user"), "id");
	resp_free(r);
	r = req(&srv, "GET", "/api/v1/me", tok[1], NULL);
	ids_user = jint(json_object_get(r->json, "user"), "id");
	resp_free(r);
	ids_room = post_id("/api/v1/rooms", tok[0], "{\"name\":\"Room A\"}");
	char path[128], body[512];
	fx_daily_hours(&srv, tok[0], ids_prac, (const char *const[]){"00:00", "24:00", NULL});
	ids_patient = post_id("/api/v1/patients", tok[1],
			      "{\"first_name\":\"Matrix\",\"last_name\":\"Patient\","
			      "\"date_of_birth\":\"1980-01-01\"}");
	snprintf(path, sizeof path, "/api/v1/patients/%lld/screenings", ids_patient);
	r = req(&srv, "POST", path, tok[2], "{\"conditions\":[]}");
	resp_free(r);
	snprintf(body, sizeof body,
		 "{\"patient_id\":%lld,\"treatment_type\":\"MN\",\"indication\":\"scars\","
		 "\"areas\":[\"cheeks\"],\"practitioner_id\":%lld}",
		 ids_patient, ids_prac);
	ids_plan = post_id("/api/v1/plans", tok[2], body);
	/* A month ahead: bookings lie between today and two years on. */
	char start[32];
	fx_instant(fx_time(30, 10, 0), start);
	snprintf(
	    body, sizeof body,
	    "{\"patient_id\":%lld,\"kind\":\"treatment\",\"plan_id\":%lld,\"practitioner_id\":%lld,"
	    "\"room_id\":%lld,\"start\":\"%s\"}",
	    ids_patient, ids_plan, ids_prac, ids_room, start);
	ids_appt = post_id("/api/v1/appointments", tok[2], body);
	snprintf(path, sizeof path, "/api/v1/patients/%lld/photo-consents", ids_patient);
	ids_photo_consent = post_id(
	    path, tok[2],
	    "{\"scope\":\"photo_clinical\",\"form_version\":\"1\",\"signed_name\":\"M P\"}");
	VipsImage *black;
	void *jpg = NULL;
	size_t jpg_len = 0;
	if (vips_black(&black, 32, 24, "bands", 3, NULL) ||
	    vips_jpegsave_buffer(black, &jpg, &jpg_len, NULL))
		return -1;
	g_object_unref(black);
	snprintf(path, sizeof path,
		 "/api/v1/patients/%lld/photos?area=cheeks&angle=front&phase=before", ids_patient);
	r = req_ex(&srv, "POST", path, tok[2], jpg, jpg_len,
		   (const char *const[]){"Content-Type: image/jpeg", NULL});
	g_free(jpg);
	ids_photo = jint(r->json, "id");
	resp_free(r);

	/* A second server whose sessions expire after one idle second. */
	const char *args[] = {"--idle-timeout", "1", NULL};
	server_start(&short_srv, args);
	expired = login(&short_srv, "admin", PW_ADMIN);
	sleep(2);
	return ids_appt > 0 && ids_plan > 0 && ids_photo > 0 && ids_photo_consent > 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	server_destroy(&srv);
	server_destroy(&short_srv);
	char rm[128];
	snprintf(rm, sizeof rm, "rm -rf '%s'", photo_dir);
	if (system(rm) != 0)
		return -1;
	for (int i = 0; i < 3; i++)
		free(tok[i]);
	free(expired);
	return 0;
}

/* Fills pattern's parameters with an existing record's key, or a missing one. */
static void fill(const char *pattern, bool missing, char *out, size_t n)
{
	size_t o = 0;
	const char *p = pattern;
	while (*p && o + 32 < n) {
		if (*p != '{') {
			out[o++] = *p++;
			continue;
		}
		const char *close = strchr(p, '}');
		char name[32];
		snprintf(name, sizeof name, "%.*s", (int)(close - p - 1), p + 1);
		long long id = 0;
		const char *text = NULL;
		if (strcmp(name, "id") == 0) {
			if (strncmp(pattern, "/api/v1/patients/", 17) == 0)
				id = ids_patient;
			else if (strncmp(pattern, "/api/v1/plans/", 14) == 0)
				id = ids_plan;
			else if (strncmp(pattern, "/api/v1/appointments/", 21) == 0)
				id = ids_appt;
			else if (strncmp(pattern, "/api/v1/rooms/", 14) == 0)
				id = ids_room;
			else if (strncmp(pattern, "/api/v1/practitioners/", 22) == 0)
				id = ids_prac;
			else if (strncmp(pattern, "/api/v1/users/", 14) == 0)
				id = ids_user;
			else if (strncmp(pattern, "/api/v1/photos/", 15) == 0)
				id = ids_photo;
			else if (strncmp(pattern, "/api/v1/photo-consents/", 23) == 0)
				id = ids_photo_consent;
			else if (strncmp(pattern, "/api/v1/messages/", 17) == 0)
				id = 1;
			if (missing)
				id = 999999;
		} else if (strcmp(name, "catalog") == 0) {
			text = missing ? "no-such-catalog" : "areas";
		} else if (strcmp(name, "code") == 0) {
			text = "cheeks";
		} else if (strcmp(name, "size") == 0) {
			text = "thumb";
		} else {
			text = missing ? "NO-SUCH-LOT" : "LOT-1";
		}
		if (text)
			o += (size_t)snprintf(out + o, n - o, "%s", text);
		else
			o += (size_t)snprintf(out + o, n - o, "%lld", id);
		p = close + 1;
	}
	out[o] = '\0';
}

static bool is_write(const char *method)
{
	return strcmp(method, "GET") != 0;
}

static struct resp *call(struct server *s, const struct route *r, const char *path,
			 const char *token)
{
	return req(s, r->method, path, token, is_write(r->method) ? "{}" : NULL);
}

/* Every route declares who may call it. */
static void every_route_has_a_policy(void **state)
{
	(void)state;
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct route *r = &api_routes[i];
		bool declared = (r->flags & ROUTE_PUBLIC) || (r->roles & ROLE_ALL) != 0;
		if (!declared)
			print_error("%s %s declares no policy\n", r->method, r->pattern);
		assert_true(declared);
		assert_int_equal(r->roles & ~(unsigned)ROLE_ALL, 0);
	}
}

/* Routes whose policy is a rule of its own: lifting a login lock is an admin's, and only
 * the appointment's practitioner signs (the handler narrows the role further). */
static void routes_with_a_fixed_policy(void **state)
{
	(void)state;
	static const struct {
		const char *method, *pattern;
		unsigned roles;
	} fixed[] = {
	    {"POST", "/api/v1/users/{id}/unlock", ROLE_ADMIN},
	    {"PATCH", "/api/v1/users/{id}", ROLE_ADMIN},
	    {"POST", "/api/v1/appointments/{id}/session/sign", ROLE_PRACTITIONER},
	    {"POST", "/api/v1/patients/{id}/archive", ROLE_ALL},
	    /* Photos and photo consents are clinical: the front desk never sees one. */
	    {"GET", "/api/v1/patients/{id}/photo-consents", ROLE_ADMIN | ROLE_PRACTITIONER},
	    {"POST", "/api/v1/patients/{id}/photo-consents", ROLE_ADMIN | ROLE_PRACTITIONER},
	    {"POST", "/api/v1/photo-consents/{id}/withdraw", ROLE_ADMIN | ROLE_PRACTITIONER},
	    {"GET", "/api/v1/patients/{id}/photos", ROLE_ADMIN | ROLE_PRACTITIONER},
	    {"POST", "/api/v1/patients/{id}/photos", ROLE_ADMIN | ROLE_PRACTITIONER},
	    {"GET", "/api/v1/photos/{id}/{size}", ROLE_ADMIN | ROLE_PRACTITIONER},
	    {"POST", "/api/v1/photos/{id}/remove", ROLE_ADMIN | ROLE_PRACTITIONER},
	};
	for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++) {
		const struct route *found = NULL;
		for (size_t i = 0; i < api_nroutes; i++)
			if (strcmp(api_routes[i].method, fixed[k].method) == 0 &&
			    strcmp(api_routes[i].pattern, fixed[k].pattern) == 0)
				found = &api_routes[i];
		if (!found)
			print_error("%s %s is not in the route table\n", fixed[k].method,
				    fixed[k].pattern);
		assert_non_null(found);
		assert_int_equal(found->roles, fixed[k].roles);
		assert_int_equal(found->flags & ROUTE_PUBLIC, 0);
	}
}

static void without_a_valid_session(void **state)
{
	(void)state;
	char path[256];
	/* A tampered token: a valid one with one character changed. */
	char *tampered = strdup(tok[0]);
	tampered[5] = tampered[5] == 'A' ? 'B' : 'A';
	int checked = 0;
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct route *r = &api_routes[i];
		if (strcmp(r->pattern, "/api/v1/login") == 0)
			continue; /* logging in is how a session starts */
		for (int missing = 0; missing < 2; missing++) {
			fill(r->pattern, missing, path, sizeof path);
			struct resp *a = call(&srv, r, path, NULL);
			struct resp *t = call(&srv, r, path, tampered);
			fill(r->pattern, missing, path, sizeof path);
			struct resp *e = call(&short_srv, r, path, expired);
			if (r->flags & ROUTE_PUBLIC) {
				assert_true(a->status != 401 && a->status != 403);
			} else {
				if (a->status != 401 || t->status != 401 || e->status != 401)
					print_error(
					    "%s %s: anonymous %ld, tampered %ld, expired %ld\n",
					    r->method, path, a->status, t->status, e->status);
				assert_int_equal(a->status, 401);
				assert_int_equal(t->status, 401);
				assert_int_equal(e->status, 401);
				assert_string_equal(resp_error(a), "unauthenticated");
			}
			resp_free(a);
			resp_free(t);
			resp_free(e);
			checked++;
		}
	}
	free(tampered);
	print_message("  %d route × record cells checked for 3 kinds of non-session\n", checked);
}

static bool has_id_param(const char *pattern)
{
	return strstr(pattern, "{id}") != NULL;
}

static void each_role_against_the_policy(void **state)
{
	(void)state;
	char path[256];
	int checked = 0;
	/* Nonexistent records first, so that writes to existing ones come last. */
	for (int missing = 1; missing >= 0; missing--) {
		for (size_t i = 0; i < api_nroutes; i++) {
			const struct route *r = &api_routes[i];
			if (r->flags & ROUTE_PUBLIC || strcmp(r->pattern, "/api/v1/logout") == 0)
				continue;
			fill(r->pattern, missing, path, sizeof path);
			for (int k = 0; k < 3; k++) {
				struct resp *x = call(&srv, r, path, tok[k]);
				bool allowed = (r->roles & (unsigned)role_bits[k]) != 0;
				bool ok;
				if (!allowed)
					ok = x->status == 403 &&
					     strcmp(resp_error(x), "forbidden") == 0;
				else if (missing && has_id_param(r->pattern))
					ok = x->status == 404 || x->status == 422;
				else
					ok = x->status != 401 && x->status != 403 &&
					     x->status != 500 && x->status > 0;
				if (!ok)
					print_error("%s %s as %s: %ld %s\n", r->method, path,
						    role_names[k], x->status, x->body);
				assert_true(ok);
				resp_free(x);
				checked++;
			}
		}
	}
	print_message("  %d route × role × record cells checked\n", checked);
}

static void logout_ends_only_that_session(void **state)
{
	(void)state;
	char *a = login(&srv, "desk", PW_DESK);
	fx_expect_status(req(&srv, "POST", "/api/v1/logout", a, NULL), 200);
	fx_expect_status(req(&srv, "GET", "/api/v1/me", a, NULL), 401);
	fx_expect_status(req(&srv, "GET", "/api/v1/me", tok[1], NULL), 200);
	free(a);
}

/* After all of the above, the server's log names routes, statuses and user ids — and no
 * patient data, passwords or tokens. */
static void log_holds_no_patient_data_or_secrets(void **state)
{
	(void)state;
	FILE *f = fopen(srv.log, "r");
	assert_non_null(f);
	char *log = NULL;
	size_t cap = 0, len = 0;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			log = realloc(log, cap);
			assert_non_null(log);
		}
		memcpy(log + len, chunk, n);
		len += n;
		log[len] = '\0';
	}
	fclose(f);
	assert_non_null(log);
	/* It is an access log. */
	assert_non_null(strstr(log, "GET /api/v1/patients/{id} 200 "));
	assert_non_null(strstr(log, " 403 "));
	const char *secrets[] = {tok[0],  tok[1],   tok[2],	  expired, PW_ADMIN, PW_DESK,
				 PW_PRAC, "Matrix", "1980-01-01", "LOT-1", NULL};
	for (int i = 0; secrets[i]; i++) {
		if (strstr(log, secrets[i]))
			print_error("the log contains '%s'\n", secrets[i]);
		assert_null(strstr(log, secrets[i]));
	}
	free(log);
}

int main(int argc, char **argv)
{
	(void)argc;
	if (VIPS_INIT(argv[0]))
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_route_has_a_policy),
	    cmocka_unit_test(routes_with_a_fixed_policy),
	    cmocka_unit_test(without_a_valid_session),
	    cmocka_unit_test(each_role_against_the_policy),
	    cmocka_unit_test(logout_ends_only_that_session),
	    cmocka_unit_test(log_holds_no_patient_data_or_secrets),
	};
	return cmocka_run_group_tests_name("api_authz", tests, setup, teardown);
}
