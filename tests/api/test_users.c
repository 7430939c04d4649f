/* Staff accounts: admin-only management, field rules, duplicates, the last admin, and the
 * practitioner list every role may read (README, "The API"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static struct server srv;
static char *admin_tok, *desk_tok, *prac_tok;

static const struct harness_group group = {
    .srv = &srv,
    .admin = &admin_tok,
    .desk = &desk_tok,
    .prac = &prac_tok,
};

/* The user called name in GET /users, or NULL; borrowed from r. */
static json_t *find_user(const struct resp *r, const char *name)
{
	size_t i;
	json_t *u;
	json_array_foreach(json_object_get(r->json, "items"), i,
			   u) if (strcmp(jstr(u, "username"), name) == 0) return u;
	return NULL;
}

static long long user_id(const char *name)
{
	return fx_user_id(&srv, admin_tok, name);
}

/* Sends a user body as admin and expects 422 naming field. */
static void expect_invalid(const char *method, const char *path, const char *body,
			   const char *field)
{
	const struct fx_bad row = FX_FIELD(body, field);
	fx_expect_bad(&srv, admin_tok, method, path, &row, 1);
}

static void admin_lists_the_seeded_users(void **state)
{
	(void)state;
	struct resp *r = req(&srv, "GET", "/api/v1/users", admin_tok, NULL);
	assert_int_equal(r->status, 200);
	json_t *items = json_object_get(r->json, "items");
	assert_true(json_is_array(items));
	assert_true(jint(r->json, "total") >= 4);
	assert_int_equal((long long)json_array_size(items), jint(r->json, "total"));
	static const char *const names[] = {"admin", "desk", "prac", "prac2"};
	static const char *const roles[] = {"admin", "front_desk", "practitioner", "practitioner"};
	for (int i = 0; i < 4; i++) {
		json_t *u = find_user(r, names[i]);
		assert_non_null(u);
		assert_string_equal(jstr(u, "role"), roles[i]);
		assert_true(json_is_true(json_object_get(u, "active")));
		assert_true(jint(u, "id") > 0);
		/* No secret ever leaves the server. */
		assert_null(json_object_get(u, "password"));
		assert_null(json_object_get(u, "password_hash"));
	}
	resp_free(r);
}

static void admin_creates_reads_and_patches_a_user(void **state)
{
	(void)state;
	struct resp *r = req(&srv, "POST", "/api/v1/users", admin_tok,
			     "{\"username\":\"j.doe-2\",\"password\":\"0123456789\","
			     "\"role\":\"front_desk\",\"display_name\":\"Jane Doe\"}");
	assert_int_equal(r->status, 201);
	long long id = jint(r->json, "id");
	assert_true(id > 0);
	assert_string_equal(jstr(r->json, "username"), "j.doe-2");
	assert_string_equal(jstr(r->json, "display_name"), "Jane Doe");
	assert_string_equal(jstr(r->json, "role"), "front_desk");
	assert_true(json_is_true(json_object_get(r->json, "active")));
	assert_null(json_object_get(r->json, "password"));
	char loc[128], expect[128];
	assert_non_null(resp_header(r, "Location", loc, sizeof loc));
	snprintf(expect, sizeof expect, "/api/v1/users/%lld", id);
	assert_string_equal(loc, expect);
	resp_free(r);

	/* The Location answers with the same user. */
	r = req(&srv, "GET", loc, admin_tok, NULL);
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "id"), id);
	assert_string_equal(jstr(r->json, "username"), "j.doe-2");
	resp_free(r);

	/* The new account works, with its role. */
	char *tok = login(&srv, "j.doe-2", "0123456789");
	r = req(&srv, "GET", "/api/v1/me", tok, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(json_object_get(r->json, "user"), "role"), "front_desk");
	resp_free(r);
	fx_expect_status(req(&srv, "GET", "/api/v1/users", tok, NULL), 403);

	/* PATCH changes only what it names. */
	r = req(&srv, "PATCH", loc, admin_tok, "{\"display_name\":\"Jane Doe-Smith\"}");
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "display_name"), "Jane Doe-Smith");
	assert_string_equal(jstr(r->json, "role"), "front_desk");
	assert_string_equal(jstr(r->json, "username"), "j.doe-2");
	resp_free(r);
	r = req(&srv, "PATCH", loc, admin_tok, "{\"role\":\"practitioner\"}");
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "role"), "practitioner");
	assert_string_equal(jstr(r->json, "display_name"), "Jane Doe-Smith");
	resp_free(r);
	r = req(&srv, "GET", loc, admin_tok, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "role"), "practitioner");
	assert_string_equal(jstr(r->json, "display_name"), "Jane Doe-Smith");
	resp_free(r);

	/* The session reads the role as it is now. */
	r = req(&srv, "GET", "/api/v1/me", tok, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(json_object_get(r->json, "user"), "role"), "practitioner");
	resp_free(r);

	/* Creation and changes are audited. */
	char path[128];
	snprintf(path, sizeof path, "/api/v1/audit?entity=user&entity_id=%lld", id);
	r = req(&srv, "GET", path, admin_tok, NULL);
	assert_int_equal(r->status, 200);
	int creates = 0, updates = 0;
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(r->json, "items"), i, e)
	{
		if (strcmp(jstr(e, "action"), "create") == 0)
			creates++;
		if (strcmp(jstr(e, "action"), "update") == 0)
			updates++;
	}
	assert_int_equal(creates, 1);
	assert_int_equal(updates, 2);
	resp_free(r);
	free(tok);
}

static void unknown_user_is_404(void **state)
{
	(void)state;
	struct resp *r = req(&srv, "GET", "/api/v1/users/999999", admin_tok, NULL);
	assert_int_equal(r->status, 404);
	assert_string_equal(resp_error(r), "not_found");
	resp_free(r);
	r = req(&srv, "PATCH", "/api/v1/users/999999", admin_tok, "{\"display_name\":\"X\"}");
	assert_int_equal(r->status, 404);
	assert_string_equal(resp_error(r), "not_found");
	resp_free(r);
	fx_expect_status(req(&srv, "GET", "/api/v1/users/abc", admin_tok, NULL), 404);
}

static void other_roles_may_not_manage_users(void **state)
{
	(void)state;
	const char *toks[] = {desk_tok, prac_tok};
	long long before = fx_total(&srv, admin_tok, "/api/v1/users");
	char path[64];
	snprintf(path, sizeof path, "/api/v1/users/%lld", user_id("desk"));
	for (int i = 0; i < 2; i++) {
		struct resp *r = req(&srv, "GET", "/api/v1/users", toks[i], NULL);
		assert_int_equal(r->status, 403);
		assert_string_equal(resp_error(r), "forbidden");
		resp_free(r);
		r = req(&srv, "POST", "/api/v1/users", toks[i],
			"{\"username\":\"sneaky\",\"password\":\"0123456789\","
			"\"role\":\"admin\",\"display_name\":\"Sneaky\"}");
		assert_int_equal(r->status, 403);
		assert_string_equal(resp_error(r), "forbidden");
		resp_free(r);
		fx_expect_status(req(&srv, "GET", path, toks[i], NULL), 403);
		/* Not even the front desk's own role. */
		r = req(&srv, "PATCH", path, toks[i], "{\"role\":\"admin\"}");
		assert_int_equal(r->status, 403);
		assert_string_equal(resp_error(r), "forbidden");
		resp_free(r);
	}
	assert_int_equal(fx_total(&srv, admin_tok, "/api/v1/users"), before);
	struct resp *r = req(&srv, "GET", path, admin_tok, NULL);
	assert_string_equal(jstr(r->json, "role"), "front_desk");
	resp_free(r);
	/* Without a session: 401, not 403. */
	fx_expect_status(req(&srv, "GET", "/api/v1/users", NULL, NULL), 401);
}

static void usernames_follow_the_rules(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "ab", "Admin2", "has space", "semi;colon", "ümlaut", "tab\\tname", "dollar$", "", "a/b",
	};
	char body[512];
	long long before = fx_total(&srv, admin_tok, "/api/v1/users");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(body, sizeof body,
			 "{\"username\":\"%s\",\"password\":\"0123456789\",\"role\":\"admin\","
			 "\"display_name\":\"X\"}",
			 bad[i]);
		expect_invalid("POST", "/api/v1/users", body, "username");
	}
	/* 65 characters is one too many; 64 and 3 are fine. */
	char name[80];
	memset(name, 'a', 65);
	name[65] = '\0';
	snprintf(body, sizeof body,
		 "{\"username\":\"%s\",\"password\":\"0123456789\",\"role\":\"admin\","
		 "\"display_name\":\"X\"}",
		 name);
	const struct fx_bad not_names[] = {
	    FX_FIELD(body, "username"),
	    FX_FIELD("{\"password\":\"0123456789\",\"role\":\"admin\",\"display_name\":\"X\"}",
		     "username"),
	    FX_FIELD("{\"username\":7,\"password\":\"0123456789\",\"role\":\"admin\","
		     "\"display_name\":\"X\"}",
		     "username"),
	};
	fx_expect_bad(&srv, admin_tok, "POST", "/api/v1/users", FX_ROWS(not_names));
	assert_int_equal(fx_total(&srv, admin_tok, "/api/v1/users"), before);

	name[64] = '\0';
	const char *good[] = {name, "abc", "a.b_c-9"};
	for (int i = 0; i < 3; i++) {
		struct resp *r = reqf(&srv, "POST", "/api/v1/users", admin_tok,
				      "{\"username\":\"%s\",\"password\":\"0123456789\","
				      "\"role\":\"practitioner\",\"display_name\":\"Ok\"}",
				      good[i]);
		assert_int_equal(r->status, 201);
		assert_string_equal(jstr(r->json, "username"), good[i]);
		resp_free(r);
	}
	assert_int_equal(fx_total(&srv, admin_tok, "/api/v1/users"), before + 3);
}

static void passwords_need_ten_characters(void **state)
{
	(void)state;
	static const struct fx_bad bad[] = {
	    FX_FIELD("{\"username\":\"shortpw\",\"password\":\"123456789\",\"role\":\"admin\","
		     "\"display_name\":\"X\"}",
		     "password"),
	    FX_FIELD("{\"username\":\"shortpw\",\"role\":\"admin\",\"display_name\":\"X\"}",
		     "password"),
	    FX_FIELD("{\"username\":\"shortpw\",\"password\":1234567890,\"role\":\"admin\","
		     "\"display_name\":\"X\"}",
		     "password"),
	};
	fx_expect_bad(&srv, admin_tok, "POST", "/api/v1/users", FX_ROWS(bad));
	long long id = user_id("prac2");
	char path[64];
	snprintf(path, sizeof path, "/api/v1/users/%lld", id);
	expect_invalid("PATCH", path, "{\"password\":\"short\"}", "password");
	/* The old password still works. */
	char *t = login(&srv, "prac2", PW_PRAC);
	free(t);
	/* Exactly ten is enough. */
	fx_expect_status(req(&srv, "POST", "/api/v1/users", admin_tok,
			     "{\"username\":\"tenchars\",\"password\":\"abcdefghij\","
			     "\"role\":\"front_desk\",\"display_name\":\"Ten\"}"),
			 201);
}

static void roles_are_the_three_known_ones(void **state)
{
	(void)state;
	static const char *const bad[] = {"doctor", "Admin", "", "admin "};
	char body[256];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(body, sizeof body,
			 "{\"username\":\"roletest\",\"password\":\"0123456789\",\"role\":\"%s\","
			 "\"display_name\":\"X\"}",
			 bad[i]);
		expect_invalid("POST", "/api/v1/users", body, "role");
	}
	expect_invalid("POST", "/api/v1/users",
		       "{\"username\":\"roletest\",\"password\":\"0123456789\","
		       "\"display_name\":\"X\"}",
		       "role");
	char path[64];
	snprintf(path, sizeof path, "/api/v1/users/%lld", user_id("desk"));
	expect_invalid("PATCH", path, "{\"role\":\"superuser\"}", "role");
	struct resp *r = req(&srv, "GET", path, admin_tok, NULL);
	assert_string_equal(jstr(r->json, "role"), "front_desk");
	resp_free(r);
}

static void display_names_have_1_to_100_characters(void **state)
{
	(void)state;
	char name[512], body[1024];
	memset(name, 'n', 101);
	name[101] = '\0';
	snprintf(body, sizeof body,
		 "{\"username\":\"dn1\",\"password\":\"0123456789\",\"role\":\"admin\","
		 "\"display_name\":\"%s\"}",
		 name);
	const struct fx_bad bad[] = {
	    FX_FIELD(body, "display_name"),
	    FX_FIELD("{\"username\":\"dn1\",\"password\":\"0123456789\",\"role\":\"admin\","
		     "\"display_name\":\"\"}",
		     "display_name"),
	    FX_FIELD("{\"username\":\"dn1\",\"password\":\"0123456789\",\"role\":\"admin\"}",
		     "display_name"),
	    /* A control character is not a name. */
	    FX_FIELD("{\"username\":\"dn1\",\"password\":\"0123456789\",\"role\":\"admin\","
		     "\"display_name\":\"a\\u0007b\"}",
		     "display_name"),
	};
	fx_expect_bad(&srv, admin_tok, "POST", "/api/v1/users", FX_ROWS(bad));
	char path[64];
	snprintf(path, sizeof path, "/api/v1/users/%lld", user_id("prac"));
	expect_invalid("PATCH", path, "{\"display_name\":\"\"}", "display_name");

	/* 100 characters count as characters, not bytes: 100 two-byte letters are fine. */
	name[0] = '\0';
	for (int i = 0; i < 100; i++)
		strncat(name, "\xc3\xa9", sizeof name - strlen(name) - 1);
	snprintf(body, sizeof body,
		 "{\"username\":\"dn2\",\"password\":\"0123456789\",\"role\":\"front_desk\","
		 "\"display_name\":\"%s\"}",
		 name);
	struct resp *r = req(&srv, "POST", "/api/v1/users", admin_tok, body);
	assert_int_equal(r->status, 201);
	assert_string_equal(jstr(r->json, "display_name"), name);
	resp_free(r);
}

static void duplicate_usernames_conflict(void **state)
{
	(void)state;
	long long before = fx_total(&srv, admin_tok, "/api/v1/users");
	struct resp *r = req(&srv, "POST", "/api/v1/users", admin_tok,
			     "{\"username\":\"desk\",\"password\":\"0123456789\","
			     "\"role\":\"admin\",\"display_name\":\"Another desk\"}");
	assert_int_equal(r->status, 409);
	assert_string_equal(resp_error(r), "duplicate");
	assert_string_equal(jstr(fx_details(r), "field"), "username");
	resp_free(r);
	assert_int_equal(fx_total(&srv, admin_tok, "/api/v1/users"), before);
	/* The original account is untouched: still front desk, same password. */
	char *t = login(&srv, "desk", PW_DESK);
	r = req(&srv, "GET", "/api/v1/me", t, NULL);
	assert_string_equal(jstr(json_object_get(r->json, "user"), "role"), "front_desk");
	resp_free(r);
	free(t);
}

static void unknown_fields_are_rejected(void **state)
{
	(void)state;
	long long before = fx_total(&srv, admin_tok, "/api/v1/users");
	expect_invalid("POST", "/api/v1/users",
		       "{\"username\":\"extra\",\"password\":\"0123456789\",\"role\":\"admin\","
		       "\"display_name\":\"X\",\"is_superuser\":true}",
		       "is_superuser");
	assert_int_equal(fx_total(&srv, admin_tok, "/api/v1/users"), before);
	char path[64];
	snprintf(path, sizeof path, "/api/v1/users/%lld", user_id("desk"));
	/* A username never changes; id and created_at are the server's. */
	static const struct fx_bad bad[] = {
	    FX_FIELD("{\"username\":\"renamed\"}", "username"),
	    FX_FIELD("{\"display_name\":\"Desk\",\"id\":1}", "id"),
	    FX_FIELD("{\"active\":\"no\"}", "active"),
	};
	fx_expect_bad(&srv, admin_tok, "PATCH", path, FX_ROWS(bad));
	struct resp *r = req(&srv, "GET", path, admin_tok, NULL);
	assert_string_equal(jstr(r->json, "username"), "desk");
	assert_true(json_is_true(json_object_get(r->json, "active")));
	resp_free(r);
}

/* A field left out keeps its value; null would clear a name, a role or a password. */
static void patch_fields_are_never_null(void **state)
{
	(void)state;
	char path[64];
	snprintf(path, sizeof path, "/api/v1/users/%lld", user_id("desk"));
	static const struct fx_bad bad[] = {
	    FX_FIELD("{\"display_name\":null}", "display_name"),
	    FX_FIELD("{\"role\":null}", "role"),
	    FX_FIELD("{\"active\":null}", "active"),
	    FX_FIELD("{\"password\":null}", "password"),
	    FX_FIELD("{\"display_name\":\"Desk\",\"password\":null}", "password"),
	};
	fx_expect_bad(&srv, admin_tok, "PATCH", path, FX_ROWS(bad));
	struct resp *r = req(&srv, "GET", path, admin_tok, NULL);
	assert_string_equal(jstr(r->json, "display_name"), "desk");
	assert_string_equal(jstr(r->json, "role"), "front_desk");
	assert_true(json_is_true(json_object_get(r->json, "active")));
	resp_free(r);
	/* The password is the one it was. */
	char *t = login(&srv, "desk", PW_DESK);
	free(t);
}

/* POST /users/{id}/unlock: admins only, no fields, an existing user, one audit event. */
static void unlock_is_for_admins(void **state)
{
	(void)state;
	long long id = user_id("desk");
	char path[80];
	snprintf(path, sizeof path, "/api/v1/users/%lld/unlock", id);
	int before = fx_audit_count(&srv, admin_tok, "user", id, "unlock");
	fx_expect_err(req(&srv, "POST", path, desk_tok, NULL), 403, "forbidden", NULL);
	fx_expect_err(req(&srv, "POST", path, prac_tok, "{}"), 403, "forbidden", NULL);
	fx_expect_err(req(&srv, "POST", path, NULL, NULL), 401, "unauthenticated", NULL);
	fx_expect_err(req(&srv, "POST", "/api/v1/users/999999/unlock", admin_tok, NULL), 404,
		      "not_found", NULL);
	static const struct fx_bad bad[] = {
	    FX_FIELD("{\"username\":\"desk\"}", "username"),
	    FX_FIELD("{\"all\":true}", "all"),
	    {.body = "[]", .status = 400, .code = "bad_json"},
	};
	fx_expect_bad(&srv, admin_tok, "POST", path, FX_ROWS(bad));
	assert_int_equal(fx_audit_count(&srv, admin_tok, "user", id, "unlock"), before);

	const char *bodies[] = {NULL, "{}"};
	for (int i = 0; i < 2; i++) {
		struct resp *r = req(&srv, "POST", path, admin_tok, bodies[i]);
		assert_int_equal(r->status, 200);
		assert_int_equal(jint(r->json, "id"), id);
		assert_string_equal(jstr(r->json, "username"), "desk");
		assert_null(json_object_get(r->json, "password_hash"));
		resp_free(r);
		assert_int_equal(fx_audit_count(&srv, admin_tok, "user", id, "unlock"),
				 before + i + 1);
	}
	fx_expect_err(req(&srv, "GET", path, admin_tok, NULL), 405, "method_not_allowed", NULL);
}

static void the_last_active_admin_stays(void **state)
{
	(void)state;
	long long admin_id = user_id("admin");
	char admin_path[64];
	snprintf(admin_path, sizeof admin_path, "/api/v1/users/%lld", admin_id);

	struct resp *r = req(&srv, "PATCH", admin_path, admin_tok, "{\"role\":\"front_desk\"}");
	assert_int_equal(r->status, 409);
	assert_string_equal(resp_error(r), "last_admin");
	resp_free(r);
	r = req(&srv, "PATCH", admin_path, admin_tok, "{\"active\":false}");
	assert_int_equal(r->status, 409);
	assert_string_equal(resp_error(r), "last_admin");
	resp_free(r);
	r = req(&srv, "GET", admin_path, admin_tok, NULL);
	assert_string_equal(jstr(r->json, "role"), "admin");
	assert_true(json_is_true(json_object_get(r->json, "active")));
	resp_free(r);
	/* Other fields of the last admin still change. */
	fx_expect_status(
	    req(&srv, "PATCH", admin_path, admin_tok, "{\"display_name\":\"Clinic Owner\"}"), 200);

	/* An inactive second admin does not count. */
	r = req(&srv, "POST", "/api/v1/users", admin_tok,
		"{\"username\":\"owner2\",\"password\":\"0123456789\",\"role\":\"admin\","
		"\"display_name\":\"Second owner\"}");
	assert_int_equal(r->status, 201);
	long long id2 = jint(r->json, "id");
	resp_free(r);
	char path2[64];
	snprintf(path2, sizeof path2, "/api/v1/users/%lld", id2);
	fx_expect_status(req(&srv, "PATCH", path2, admin_tok, "{\"active\":false}"), 200);
	r = req(&srv, "PATCH", admin_path, admin_tok, "{\"role\":\"practitioner\"}");
	assert_int_equal(r->status, 409);
	assert_string_equal(resp_error(r), "last_admin");
	resp_free(r);

	/* With a second active admin, the first may step down; then the second is last. */
	fx_expect_status(req(&srv, "PATCH", path2, admin_tok, "{\"active\":true}"), 200);
	char *tok2 = login(&srv, "owner2", "0123456789");
	r = req(&srv, "PATCH", admin_path, tok2, "{\"role\":\"practitioner\"}");
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "role"), "practitioner");
	resp_free(r);
	r = req(&srv, "PATCH", path2, tok2, "{\"active\":false}");
	assert_int_equal(r->status, 409);
	assert_string_equal(resp_error(r), "last_admin");
	resp_free(r);
	/* Restore the seeded admin for the tests that follow. */
	fx_expect_status(req(&srv, "PATCH", admin_path, tok2, "{\"role\":\"admin\"}"), 200);
	free(tok2);
	/* admin's old session sees the role it has again. */
	fx_expect_status(req(&srv, "GET", "/api/v1/users", admin_tok, NULL), 200);
}

struct demote {
	pthread_barrier_t *go;
	const char *path;
	const char *token;
	long status;
	char code[32];
};

static void *demote_thread(void *arg)
{
	struct demote *d = arg;
	pthread_barrier_wait(d->go);
	struct resp *r = req(&srv, "PATCH", d->path, d->token, "{\"role\":\"front_desk\"}");
	d->status = r->status;
	snprintf(d->code, sizeof d->code, "%s", resp_error(r));
	resp_free(r);
	return NULL;
}

static void two_admins_demoted_at_once_leave_one(void **state)
{
	(void)state;
	/* Leave "admin" the only active admin, then add one more. */
	struct resp *r = req(&srv, "GET", "/api/v1/users", admin_tok, NULL);
	assert_int_equal(r->status, 200);
	size_t i;
	json_t *u;
	json_array_foreach(json_object_get(r->json, "items"), i, u)
	{
		if (strcmp(jstr(u, "role"), "admin") != 0 ||
		    strcmp(jstr(u, "username"), "admin") == 0 ||
		    !json_is_true(json_object_get(u, "active")))
			continue;
		char path[64];
		snprintf(path, sizeof path, "/api/v1/users/%lld", jint(u, "id"));
		struct resp *p = req(&srv, "PATCH", path, admin_tok, "{\"active\":false}");
		assert_int_equal(p->status, 200);
		resp_free(p);
	}
	resp_free(r);
	r = req(&srv, "POST", "/api/v1/users", admin_tok,
		"{\"username\":\"owner3\",\"password\":\"0123456789\","
		"\"role\":\"admin\",\"display_name\":\"Third owner\"}");
	assert_int_equal(r->status, 201);
	long long id3 = jint(r->json, "id");
	resp_free(r);
	char *tok3 = login(&srv, "owner3", "0123456789");
	char p1[64], p3[64];
	snprintf(p1, sizeof p1, "/api/v1/users/%lld", user_id("admin"));
	snprintf(p3, sizeof p3, "/api/v1/users/%lld", id3);

	for (int round = 0; round < 5; round++) {
		/* The only active admins are "admin" and "owner3". */
		pthread_barrier_t go;
		pthread_barrier_init(&go, NULL, 2);
		struct demote a = {&go, p1, tok3, 0, ""}, b = {&go, p3, admin_tok, 0, ""};
		pthread_t ta, tb;
		assert_int_equal(pthread_create(&ta, NULL, demote_thread, &a), 0);
		assert_int_equal(pthread_create(&tb, NULL, demote_thread, &b), 0);
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		pthread_barrier_destroy(&go);
		/* Exactly one wins; the other is told it would remove the last admin (or, if
		 * it came second, that its caller is no longer an admin). */
		assert_true((a.status == 200) != (b.status == 200));
		struct demote *lost = a.status == 200 ? &b : &a;
		assert_true((lost->status == 409 && strcmp(lost->code, "last_admin") == 0) ||
			    (lost->status == 403 && strcmp(lost->code, "forbidden") == 0));

		/* Promote the demoted account again, as the one still admin. */
		const char *demoted = a.status == 200 ? p1 : p3;
		const char *still_admin = a.status == 200 ? tok3 : admin_tok;
		fx_expect_status(req(&srv, "PATCH", demoted, still_admin, "{\"role\":\"admin\"}"),
				 200);
	}
	r = req(&srv, "GET", "/api/v1/users", admin_tok, NULL);
	int active_admins = 0;
	json_array_foreach(json_object_get(r->json, "items"), i,
			   u) if (strcmp(jstr(u, "role"), "admin") == 0 &&
				  json_is_true(json_object_get(u, "active"))) active_admins++;
	assert_int_equal(active_admins, 2);
	resp_free(r);
	free(tok3);
}

static void practitioners_are_listed_for_every_role(void **state)
{
	(void)state;
	/* A practitioner who is made inactive drops off the list. */
	struct resp *r = req(&srv, "POST", "/api/v1/users", admin_tok,
			     "{\"username\":\"leaver\",\"password\":\"0123456789\","
			     "\"role\":\"practitioner\",\"display_name\":\"Dr Leaver\"}");
	assert_int_equal(r->status, 201);
	long long leaver = jint(r->json, "id");
	resp_free(r);
	char path[64];
	snprintf(path, sizeof path, "/api/v1/users/%lld", leaver);
	fx_expect_status(req(&srv, "PATCH", path, admin_tok, "{\"active\":false}"), 200);

	long long prac = user_id("prac"), prac2 = user_id("prac2"), desk = user_id("desk"),
		  admin = user_id("admin");
	const char *toks[] = {admin_tok, desk_tok, prac_tok};
	for (int t = 0; t < 3; t++) {
		r = req(&srv, "GET", "/api/v1/practitioners", toks[t], NULL);
		assert_int_equal(r->status, 200);
		json_t *items = json_object_get(r->json, "items");
		assert_int_equal((long long)json_array_size(items), jint(r->json, "total"));
		bool seen_prac = false, seen_prac2 = false;
		size_t i;
		json_t *p;
		json_array_foreach(items, i, p)
		{
			long long id = jint(p, "id");
			assert_true(id > 0);
			assert_true(strlen(jstr(p, "display_name")) > 0);
			assert_true(id != desk && id != admin && id != leaver);
			seen_prac |= id == prac;
			seen_prac2 |= id == prac2;
		}
		assert_true(seen_prac && seen_prac2);
		resp_free(r);
	}
	fx_expect_status(req(&srv, "GET", "/api/v1/practitioners", NULL, NULL), 401);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(admin_lists_the_seeded_users),
	    cmocka_unit_test(admin_creates_reads_and_patches_a_user),
	    cmocka_unit_test(unknown_user_is_404),
	    cmocka_unit_test(other_roles_may_not_manage_users),
	    cmocka_unit_test(usernames_follow_the_rules),
	    cmocka_unit_test(passwords_need_ten_characters),
	    cmocka_unit_test(roles_are_the_three_known_ones),
	    cmocka_unit_test(display_names_have_1_to_100_characters),
	    cmocka_unit_test(duplicate_usernames_conflict),
	    cmocka_unit_test(unknown_fields_are_rejected),
	    cmocka_unit_test(patch_fields_are_never_null),
	    cmocka_unit_test(unlock_is_for_admins),
	    cmocka_unit_test(the_last_active_admin_stays),
	    cmocka_unit_test(two_admins_demoted_at_once_leave_one),
	    cmocka_unit_test(practitioners_are_listed_for_every_role),
	};
	return harness_run_group("api_users", tests, &group);
}
