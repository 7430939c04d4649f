/* Login, sessions, cookies and CSRF, throttling, idle expiry, and what deactivation and
 * password resets do to sessions (README, "Sessions"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static struct server srv;

/* One server for the file; the tests that throttle or expire sessions get their own. */
static const struct harness_group group = {.srv = &srv};

/* The idle timeout of the tests' own servers, whose sessions run on the test clock: the
 * tests move it, and nothing waits for real time to pass. */
#define IDLE 20

static int setup_idle(void **state)
{
	static const char *const args[] = {"--idle-timeout", "20", "--test-clock", NULL};
	return harness_own_server(state, args);
}

/* The path of the user called name, looked up as admin. */
static void user_path(const char *admin, const char *name, char *path, size_t n)
{
	snprintf(path, n, "/api/v1/users/%lld", fx_user_id(&srv, admin, name));
}

static struct resp *login_req(struct server *s, const char *user, const char *pw)
{
	return reqf(s, "POST", "/api/v1/login", NULL, "{\"username\":\"%s\",\"password\":\"%s\"}",
		    user, pw);
}

static struct resp *login_from(struct server *s, const char *ip, const char *user, const char *pw)
{
	char body[256];
	snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", user, pw);
	return req_from(s, ip, "POST", "/api/v1/login", NULL, body);
}

/* A request authenticated only by the session cookie, with an optional CSRF header. */
static struct resp *cookie_req(struct server *s, const char *method, const char *path,
			       const char *token, const char *csrf, const char *body)
{
	char cookie[256], csrf_h[256];
	const char *hdrs[3] = {NULL, NULL, NULL};
	snprintf(cookie, sizeof cookie, "Cookie: collagenda_session=%s", token);
	hdrs[0] = cookie;
	if (csrf) {
		snprintf(csrf_h, sizeof csrf_h, "X-CSRF-Token: %s", csrf);
		hdrs[1] = csrf_h;
	}
	return req_ex(s, method, path, NULL, body, body ? strlen(body) : 0, hdrs);
}

/* Sent more than once: confirmed as new each time, so that only the session decides. */
static const char patient_body[] = "{\"first_name\":\"Ada\",\"last_name\":\"Moreau\","
				   "\"date_of_birth\":\"1985-04-12\",\"confirm_new\":true}";

static void login_returns_token_csrf_user_and_expiry(void **state)
{
	(void)state;
	long long before = (long long)time(NULL);
	struct resp *r = login_req(&srv, "admin", PW_ADMIN);
	assert_int_equal(r->status, 200);
	const char *token = jstr(r->json, "token");
	const char *csrf = jstr(r->json, "csrf_token");
	/* Long random secrets (256 bits as base64url is 43 characters). */
	assert_true(strlen(token) >= 43);
	assert_true(strlen(csrf) >= 43);
	assert_string_not_equal(token, csrf);

	json_t *user = json_object_get(r->json, "user");
	assert_non_null(user);
	assert_string_equal(jstr(user, "username"), "admin");
	assert_string_equal(jstr(user, "role"), "admin");
	assert_true(jint(user, "id") > 0);
	assert_true(json_is_true(json_object_get(user, "active")));
	assert_null(json_object_get(user, "password"));
	assert_null(json_object_get(user, "password_hash"));

	/* A session ends 12 hours after login at the latest. */
	long long exp = fx_parse_instant(jstr(r->json, "expires_at"));
	assert_true(exp >= before + 12 * 3600 - 5);
	assert_true(exp <= (long long)time(NULL) + 12 * 3600 + 5);

	char cookie[512];
	assert_non_null(resp_header(r, "Set-Cookie", cookie, sizeof cookie));
	char expect[128];
	snprintf(expect, sizeof expect, "collagenda_session=%s;", token);
	assert_non_null(strstr(cookie, expect));
	assert_non_null(strstr(cookie, "HttpOnly"));
	assert_non_null(strstr(cookie, "SameSite=Strict"));
	assert_non_null(strstr(cookie, "Path=/"));
	/* Plain HTTP: a Secure cookie would never come back. */
	assert_null(strstr(cookie, "Secure"));
	/* The CSRF token is never a cookie. */
	assert_null(strstr(cookie, csrf));
	resp_free(r);
}

static void wrong_password_and_unknown_user_look_the_same(void **state)
{
	(void)state;
	struct resp *wrong = login_req(&srv, "admin", "not-the-password");
	struct resp *unknown = login_req(&srv, "nobody-here", "not-the-password");
	assert_int_equal(wrong->status, 401);
	assert_int_equal(unknown->status, 401);
	assert_string_equal(resp_error(wrong), "unauthenticated");
	assert_string_equal(wrong->body, unknown->body);
	char buf[256];
	assert_null(resp_header(wrong, "Set-Cookie", buf, sizeof buf));
	assert_null(resp_header(unknown, "Set-Cookie", buf, sizeof buf));
	resp_free(wrong);
	resp_free(unknown);
}

static void login_body_is_validated(void **state)
{
	(void)state;
	static const struct fx_bad bad[] = {
	    FX_FIELD("{\"username\":\"admin\"}", "password"),
	    FX_FIELD("{\"username\":\"admin\",\"password\":\"" PW_ADMIN "\",\"remember\":true}",
		     "remember"),
	    FX_FIELD("{\"username\":1,\"password\":\"x\"}", NULL),
	};
	fx_expect_bad(&srv, NULL, "POST", "/api/v1/login", FX_ROWS(bad));
}

static void me_needs_a_valid_bearer_token(void **state)
{
	(void)state;
	char *tok = login(&srv, "desk", PW_DESK);
	struct resp *r = req(&srv, "GET", "/api/v1/me", tok, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(json_object_get(r->json, "user"), "username"), "desk");
	assert_string_equal(jstr(json_object_get(r->json, "user"), "role"), "front_desk");
	resp_free(r);

	r = req(&srv, "GET", "/api/v1/me", NULL, NULL);
	assert_int_equal(r->status, 401);
	assert_string_equal(resp_error(r), "unauthenticated");
	resp_free(r);

	/* A token of the right shape that was never issued. */
	char forged[64];
	snprintf(forged, sizeof forged, "%s", tok);
	forged[0] = forged[0] == 'A' ? 'B' : 'A';
	fx_expect_status(req(&srv, "GET", "/api/v1/me", forged, NULL), 401);

	fx_expect_status(req(&srv, "GET", "/api/v1/me", "short", NULL), 401);

	const char *basic[] = {"Authorization: Basic YWRtaW46YWRtaW4=", NULL};
	r = req_ex(&srv, "GET", "/api/v1/me", NULL, NULL, 0, basic);
	assert_int_equal(r->status, 401);
	assert_string_equal(resp_error(r), "unauthenticated");
	resp_free(r);
	free(tok);
}

static void cookie_reads_need_no_csrf(void **state)
{
	(void)state;
	char *tok = login(&srv, "desk", PW_DESK);
	struct resp *r = cookie_req(&srv, "GET", "/api/v1/me", tok, NULL, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(json_object_get(r->json, "user"), "username"), "desk");
	resp_free(r);
	fx_expect_status(cookie_req(&srv, "GET", "/api/v1/patients", tok, NULL, NULL), 200);
	free(tok);
}

static void cookie_writes_need_the_csrf_token(void **state)
{
	(void)state;
	struct resp *l = login_req(&srv, "desk", PW_DESK);
	assert_int_equal(l->status, 200);
	char *tok = strdup(jstr(l->json, "token"));
	char *csrf = strdup(jstr(l->json, "csrf_token"));
	resp_free(l);
	long long n0 = fx_total(&srv, tok, "/api/v1/patients");

	struct resp *r = cookie_req(&srv, "POST", "/api/v1/patients", tok, NULL, patient_body);
	assert_int_equal(r->status, 403);
	assert_string_equal(resp_error(r), "forbidden");
	assert_string_equal(
	    jstr(json_object_get(json_object_get(r->json, "error"), "details"), "reason"), "csrf");
	resp_free(r);

	/* The same user's other session has its own token, which does not fit this one. */
	l = login_req(&srv, "desk", PW_DESK);
	assert_int_equal(l->status, 200);
	r = cookie_req(&srv, "POST", "/api/v1/patients", tok, jstr(l->json, "csrf_token"),
		       patient_body);
	assert_int_equal(r->status, 403);
	assert_string_equal(resp_error(r), "forbidden");
	resp_free(r);
	resp_free(l);
	/* One character off, a prefix, and an empty header. */
	char other[64];
	snprintf(other, sizeof other, "%s", csrf);
	other[5] = other[5] == 'x' ? 'y' : 'x';
	r = cookie_req(&srv, "POST", "/api/v1/patients", tok, other, patient_body);
	assert_int_equal(r->status, 403);
	assert_string_equal(resp_error(r), "forbidden");
	resp_free(r);
	snprintf(other, sizeof other, "%.20s", csrf);
	fx_expect_status(cookie_req(&srv, "POST", "/api/v1/patients", tok, other, patient_body),
			 403);
	fx_expect_status(cookie_req(&srv, "POST", "/api/v1/patients", tok, "", patient_body), 403);
	/* The session token itself is not the CSRF token. */
	fx_expect_status(cookie_req(&srv, "POST", "/api/v1/patients", tok, tok, patient_body), 403);
	assert_int_equal(fx_total(&srv, tok, "/api/v1/patients"), n0);

	r = cookie_req(&srv, "POST", "/api/v1/patients", tok, csrf, patient_body);
	assert_int_equal(r->status, 201);
	assert_true(jint(r->json, "id") > 0);
	resp_free(r);
	assert_int_equal(fx_total(&srv, tok, "/api/v1/patients"), n0 + 1);

	/* Without the right token the session survives; with it, logout works. */
	fx_expect_status(cookie_req(&srv, "POST", "/api/v1/logout", tok, NULL, NULL), 403);
	fx_expect_status(cookie_req(&srv, "GET", "/api/v1/me", tok, NULL, NULL), 200);
	r = cookie_req(&srv, "POST", "/api/v1/logout", tok, csrf, NULL);
	assert_int_equal(r->status, 200);
	char cookie[512];
	assert_non_null(resp_header(r, "Set-Cookie", cookie, sizeof cookie));
	assert_non_null(strstr(cookie, "collagenda_session=;"));
	assert_non_null(strstr(cookie, "Max-Age=0"));
	resp_free(r);
	fx_expect_status(cookie_req(&srv, "GET", "/api/v1/me", tok, NULL, NULL), 401);
	free(tok);
	free(csrf);
}

static void bearer_writes_need_no_csrf(void **state)
{
	(void)state;
	char *tok = login(&srv, "desk", PW_DESK);
	long long n0 = fx_total(&srv, tok, "/api/v1/patients");
	fx_expect_status(req(&srv, "POST", "/api/v1/patients", tok, patient_body), 201);
	assert_int_equal(fx_total(&srv, tok, "/api/v1/patients"), n0 + 1);
	fx_expect_status(req(&srv, "POST", "/api/v1/logout", tok, NULL), 200);
	free(tok);
}

static void logout_ends_only_that_session(void **state)
{
	(void)state;
	char *a = login(&srv, "prac", PW_PRAC);
	char *b = login(&srv, "prac", PW_PRAC);
	assert_string_not_equal(a, b);
	fx_expect_status(req(&srv, "POST", "/api/v1/logout", a, NULL), 200);
	struct resp *r = req(&srv, "GET", "/api/v1/me", a, NULL);
	assert_int_equal(r->status, 401);
	assert_string_equal(resp_error(r), "unauthenticated");
	resp_free(r);
	fx_expect_status(req(&srv, "POST", "/api/v1/logout", a, NULL), 401);
	fx_expect_status(req(&srv, "GET", "/api/v1/me", b, NULL), 200);
	free(a);
	free(b);
}

static void deactivation_ends_sessions_and_blocks_login(void **state)
{
	(void)state;
	char *admin = login(&srv, "admin", PW_ADMIN);
	char *prac2 = login(&srv, "prac2", PW_PRAC);
	char path[64];
	user_path(admin, "prac2", path, sizeof path);
	/* In use just before: the server knows the session, and must forget it. */
	fx_expect_status(req(&srv, "GET", "/api/v1/me", prac2, NULL), 200);

	struct resp *r = req(&srv, "PATCH", path, admin, "{\"active\":false}");
	assert_int_equal(r->status, 200);
	assert_true(json_is_false(json_object_get(r->json, "active")));
	resp_free(r);
	fx_expect_status(req(&srv, "GET", "/api/v1/me", prac2, NULL), 401);

	/* The right password of an inactive user reads exactly like a wrong one. */
	struct resp *inactive = login_req(&srv, "prac2", PW_PRAC);
	struct resp *wrong = login_req(&srv, "prac2", "not-the-password");
	assert_int_equal(inactive->status, 401);
	assert_string_equal(resp_error(inactive), "unauthenticated");
	assert_string_equal(inactive->body, wrong->body);
	resp_free(inactive);
	resp_free(wrong);

	/* The admin's own session is untouched; reactivation lets them back in. */
	fx_expect_status(req(&srv, "PATCH", path, admin, "{\"active\":true}"), 200);
	char *again = login(&srv, "prac2", PW_PRAC);
	fx_expect_status(req(&srv, "GET", "/api/v1/me", again, NULL), 200);
	/* The old token stays dead. */
	fx_expect_status(req(&srv, "GET", "/api/v1/me", prac2, NULL), 401);
	free(again);
	free(prac2);
	free(admin);
}

/* A session in use sees its user's new role on the next request. */
static void role_changes_reach_open_sessions(void **state)
{
	(void)state;
	char *admin = login(&srv, "admin", PW_ADMIN);
	char *prac2 = login(&srv, "prac2", PW_PRAC);
	char path[64];
	user_path(admin, "prac2", path, sizeof path);
	static const char *const roles[] = {"front_desk", "practitioner"};
	for (int i = 0; i < 2; i++) {
		struct resp *r = req(&srv, "GET", "/api/v1/me", prac2, NULL);
		assert_int_equal(r->status, 200);
		assert_string_equal(jstr(json_object_get(r->json, "user"), "role"), roles[1 - i]);
		resp_free(r);
		char body[64];
		snprintf(body, sizeof body, "{\"role\":\"%s\"}", roles[i]);
		fx_expect_status(req(&srv, "PATCH", path, admin, body), 200);
		r = req(&srv, "GET", "/api/v1/me", prac2, NULL);
		assert_int_equal(r->status, 200);
		assert_string_equal(jstr(json_object_get(r->json, "user"), "role"), roles[i]);
		resp_free(r);
	}
	free(prac2);
	free(admin);
}

static void password_reset_ends_sessions(void **state)
{
	(void)state;
	char *admin = login(&srv, "admin", PW_ADMIN);
	char *prac = login(&srv, "prac", PW_PRAC);
	char path[64];
	user_path(admin, "prac", path, sizeof path);

	struct resp *r = req(&srv, "PATCH", path, admin, "{\"password\":\"a-new-password-2\"}");
	assert_int_equal(r->status, 200);
	assert_null(json_object_get(r->json, "password"));
	resp_free(r);
	fx_expect_status(req(&srv, "GET", "/api/v1/me", prac, NULL), 401);
	fx_expect_status(req(&srv, "GET", "/api/v1/me", admin, NULL), 200);

	fx_expect_status(login_req(&srv, "prac", PW_PRAC), 401);
	char *fresh = login(&srv, "prac", "a-new-password-2");
	r = req(&srv, "GET", "/api/v1/me", fresh, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(json_object_get(r->json, "user"), "username"), "prac");
	resp_free(r);

	/* Put the seeded password back for any later test. */
	fx_expect_status(reqf(&srv, "PATCH", path, admin, "{\"password\":\"%s\"}", PW_PRAC), 200);
	free(fresh);
	free(prac);
	free(admin);
}

/* desk's stored password hash, read straight from the database (caller frees). */
static char *stored_hash(void)
{
	char *out = fx_sql_text(&srv, "SELECT password_hash FROM users WHERE username = 'desk'");
	assert_non_null(out);
	return out;
}

/* A hash made with other Argon2id settings (libsodium's interactive limits, 64 MiB) still
 * lets its user in, and that login stores a hash made with the current settings. A wrong
 * password changes nothing. */
static void outdated_hashes_are_renewed_at_login(void **state)
{
	(void)state;
	char old[crypto_pwhash_STRBYTES];
	assert_int_equal(crypto_pwhash_str(old, PW_DESK, strlen(PW_DESK),
					   crypto_pwhash_OPSLIMIT_INTERACTIVE,
					   crypto_pwhash_MEMLIMIT_INTERACTIVE),
			 0);
	assert_int_equal(
	    fx_sql_exec(&srv, "UPDATE users SET password_hash = ?1 WHERE username = 'desk'", old),
	    1);

	fx_expect_status(login_req(&srv, "desk", "not-the-password"), 401);
	char *h = stored_hash();
	assert_string_equal(h, old);
	free(h);

	char *tok = login(&srv, "desk", PW_DESK);
	h = stored_hash();
	assert_non_null(strstr(h, "$argon2id$v=19$m=19456,t=2,p=1$"));
	assert_int_equal(crypto_pwhash_str_verify(h, PW_DESK, strlen(PW_DESK)), 0);
	free(h);
	struct resp *r = req(&srv, "GET", "/api/v1/me", tok, NULL);
	assert_int_equal(r->status, 200);
	long long desk_id = jint(json_object_get(r->json, "user"), "id");
	resp_free(r);
	char *again = login(&srv, "desk", PW_DESK);

	/* The audit trail says which login renewed the hash: the first, not the second. */
	char *admin = login(&srv, "admin", PW_ADMIN);
	char path[96];
	snprintf(path, sizeof path, "/api/v1/audit?entity=user&entity_id=%lld&limit=2", desk_id);
	r = req(&srv, "GET", path, admin, NULL);
	assert_int_equal(r->status, 200);
	json_t *items = json_object_get(r->json, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(jstr(json_array_get(items, 0), "action"), "login");
	assert_string_equal(jstr(json_array_get(items, 0), "detail"), "");
	assert_string_equal(jstr(json_array_get(items, 1), "action"), "login");
	assert_string_equal(jstr(json_array_get(items, 1), "detail"), "password hash renewed");
	resp_free(r);
	free(admin);
	free(again);
	free(tok);
}

static void logins_and_failures_are_audited(void **state)
{
	(void)state;
	/* From an address of its own, so that the events are easy to tell apart. */
	fx_expect_status(login_from(&srv, "127.0.0.9", "admin", "not-the-password"), 401);
	fx_expect_status(login_from(&srv, "127.0.0.9", "audit-nobody", "not-the-password"), 401);
	struct resp *r = login_from(&srv, "127.0.0.9", "admin", PW_ADMIN);
	assert_int_equal(r->status, 200);
	char *admin = strdup(jstr(r->json, "token"));
	long long admin_id = jint(json_object_get(r->json, "user"), "id");
	resp_free(r);

	r = req(&srv, "GET", "/api/v1/audit?entity=user&limit=500", admin, NULL);
	assert_int_equal(r->status, 200);
	int logins = 0, failed_known = 0, failed_unknown = 0;
	long long prev_id = 0;
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(r->json, "items"), i, e)
	{
		assert_string_equal(jstr(e, "entity"), "user");
		/* Newest first. */
		assert_true(prev_id == 0 || jint(e, "id") < prev_id);
		prev_id = jint(e, "id");
		if (strcmp(jstr(e, "remote"), "127.0.0.9") != 0)
			continue;
		const char *action = jstr(e, "action");
		if (strcmp(action, "login") == 0) {
			logins++;
			assert_int_equal(jint(e, "entity_id"), admin_id);
			assert_int_equal(jint(e, "user_id"), admin_id);
		} else if (strcmp(action, "login_failed") == 0) {
			/* Whoever failed is not a logged-in user. */
			assert_true(json_is_null(json_object_get(e, "user_id")));
			if (json_is_null(json_object_get(e, "entity_id")))
				failed_unknown++;
			else if (jint(e, "entity_id") == admin_id)
				failed_known++;
		}
	}
	assert_int_equal(logins, 1);
	assert_int_equal(failed_known, 1);
	assert_int_equal(failed_unknown, 1);
	resp_free(r);

	/* Logouts too. */
	fx_expect_status(req(&srv, "POST", "/api/v1/logout", admin, NULL), 200);
	free(admin);
	admin = login(&srv, "admin", PW_ADMIN);
	r = req(&srv, "GET", "/api/v1/audit?entity=user&limit=5", admin, NULL);
	bool logout = false;
	json_array_foreach(json_object_get(r->json, "items"), i, e) logout |=
	    strcmp(jstr(e, "action"), "logout") == 0 && jint(e, "user_id") == admin_id &&
	    jint(e, "entity_id") == admin_id;
	assert_true(logout);
	resp_free(r);

	/* Only an admin reads the audit trail. */
	char *desk = login(&srv, "desk", PW_DESK);
	r = req(&srv, "GET", "/api/v1/audit?entity=user", desk, NULL);
	assert_int_equal(r->status, 403);
	assert_string_equal(resp_error(r), "forbidden");
	resp_free(r);
	free(desk);
	free(admin);
}

static void failed_logins_throttle_the_username(void **state)
{
	struct server *s = *state;
	for (int i = 0; i < 10; i++) {
		struct resp *r = login_req(s, "desk", "not-the-password");
		assert_int_equal(r->status, 401);
		resp_free(r);
	}
	/* The 11th try fails even with the right password, and from another address. */
	struct resp *r = login_from(s, "127.0.0.2", "desk", PW_DESK);
	assert_int_equal(r->status, 429);
	assert_string_equal(resp_error(r), "too_many_requests");
	char ra[32];
	assert_non_null(resp_header(r, "Retry-After", ra, sizeof ra));
	assert_true(strtol(ra, NULL, 10) > 0);
	assert_null(json_object_get(r->json, "token"));
	resp_free(r);
	fx_expect_status(login_req(s, "desk", PW_DESK), 429);

	/* Another user from a clean address is not affected. */
	fx_expect_status(login_from(s, "127.0.0.2", "prac", PW_PRAC), 200);
	assert_int_equal(server_stop(s), 0);
}

/* An address that a whole front desk may share is locked only at 100 failures in the
 * window, whichever usernames they were for. */
static void failed_logins_throttle_the_address(void **state)
{
	struct server *s = *state;
	char name[32];
	for (int i = 0; i < 99; i++) {
		snprintf(name, sizeof name, "ghost%d", i);
		struct resp *r = login_req(s, name, "not-the-password");
		assert_int_equal(r->status, 401);
		resp_free(r);
	}
	/* 99 failures: a user with none of their own still gets in from that address. */
	char *tok = login(s, "prac", PW_PRAC);
	free(tok);
	fx_expect_status(login_req(s, "ghost99", "not-the-password"), 401);
	/* The 100th: refused, however right the password. */
	struct resp *r = login_req(s, "prac", PW_PRAC);
	assert_int_equal(r->status, 429);
	assert_string_equal(resp_error(r), "too_many_requests");
	char ra[32];
	assert_non_null(resp_header(r, "Retry-After", ra, sizeof ra));
	resp_free(r);
	/* The same user from another address: fine. */
	fx_expect_status(login_from(s, "127.0.0.4", "prac", PW_PRAC), 200);
	assert_int_equal(server_stop(s), 0);
}

/* Unlocking a username, or its user logging in, leaves its failures counted against the
 * address they came from: an address that guessed stays slowed down. */
static void unlocking_a_name_keeps_the_address_count(void **state)
{
	struct server *s = *state;
	const char *from = "127.0.0.5";
	char *admin = login(s, "admin", PW_ADMIN);
	for (int i = 0; i < 10; i++)
		fx_expect_status(login_from(s, from, "desk", "not-the-password"), 401);
	char name[32];
	for (int i = 0; i < 90; i++) {
		snprintf(name, sizeof name, "ghost%d", i);
		fx_expect_status(login_from(s, from, name, "not-the-password"), 401);
	}
	/* 100 failures from that address: another user is refused there. */
	fx_expect_status(login_from(s, from, "prac", PW_PRAC), 429);
	char path[80];
	snprintf(path, sizeof path, "/api/v1/users/%lld/unlock", fx_user_id(s, admin, "desk"));
	fx_expect_status(req(s, "POST", path, admin, NULL), 200);
	/* The name is free again, from another address... */
	fx_expect_status(login_from(s, "127.0.0.6", "desk", PW_DESK), 200);
	/* ...but the address still counts all 100. */
	fx_expect_status(login_from(s, from, "prac", PW_PRAC), 429);
	free(admin);
	assert_int_equal(server_stop(s), 0);
}

/* An admin lifts a username's lock: the user logs in again at once, and the count of
 * failures starts afresh. */
static void an_admin_unlocks_a_locked_username(void **state)
{
	struct server *s = *state;
	char *admin = login(s, "admin", PW_ADMIN);
	long long desk = fx_user_id(s, admin, "desk");
	for (int i = 0; i < 10; i++)
		fx_expect_status(login_req(s, "desk", "not-the-password"), 401);
	fx_expect_status(login_req(s, "desk", PW_DESK), 429);
	char path[80];
	snprintf(path, sizeof path, "/api/v1/users/%lld/unlock", desk);
	/* Only an admin unlocks, and another user's unlock frees nobody else. */
	char *prac = login(s, "prac", PW_PRAC);
	fx_expect_err(req(s, "POST", path, prac, NULL), 403, "forbidden", NULL);
	snprintf(path, sizeof path, "/api/v1/users/%lld/unlock", fx_user_id(s, admin, "prac2"));
	fx_expect_status(req(s, "POST", path, admin, NULL), 200);
	fx_expect_status(login_req(s, "desk", PW_DESK), 429);

	snprintf(path, sizeof path, "/api/v1/users/%lld/unlock", desk);
	struct resp *r = req(s, "POST", path, admin, "{}");
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "username"), "desk");
	resp_free(r);
	assert_true(fx_expect_newest_event(s, admin, "user", "unlock", "") == desk);
	char *tok = login(s, "desk", PW_DESK);
	fx_expect_status(req(s, "GET", "/api/v1/me", tok, NULL), 200);
	free(tok);

	/* Ten new failures lock the name again; the tenth is still a plain refusal. */
	for (int i = 0; i < 10; i++)
		fx_expect_status(login_req(s, "desk", "not-the-password"), 401);
	fx_expect_status(login_req(s, "desk", PW_DESK), 429);
	free(prac);
	free(admin);
	assert_int_equal(server_stop(s), 0);
}

static void idle_sessions_expire(void **state)
{
	struct server *s = *state;
	time_t t0 = time(NULL);
	fx_clock_set(s, t0);
	struct resp *l = login_req(s, "desk", PW_DESK);
	assert_int_equal(l->status, 200);
	assert_int_equal(jint(l->json, "idle_timeout_s"), IDLE);
	char *tok = strdup(jstr(l->json, "token"));
	resp_free(l);
	fx_expect_status(req(s, "GET", "/api/v1/me", tok, NULL), 200);

	/* Left alone for longer than the timeout. */
	fx_clock_set(s, t0 + IDLE + 1);
	struct resp *r = req(s, "GET", "/api/v1/me", tok, NULL);
	assert_int_equal(r->status, 401);
	assert_string_equal(resp_error(r), "unauthenticated");
	assert_string_equal(
	    jstr(json_object_get(json_object_get(r->json, "error"), "details"), "reason"),
	    "expired");
	resp_free(r);
	/* An expired session is gone for good. */
	fx_expect_status(req(s, "GET", "/api/v1/me", tok, NULL), 401);
	free(tok);
	assert_int_equal(server_stop(s), 0);
}

static void activity_keeps_a_session_alive(void **state)
{
	struct server *s = *state;
	time_t t0 = time(NULL);
	fx_clock_set(s, t0);
	char *tok = login(s, "desk", PW_DESK);
	/* Used every 6 seconds for 24: longer than the idle timeout, never idle for as long
	 * (a request touches the session once half the timeout has passed). */
	for (int i = 1; i <= 4; i++) {
		fx_clock_set(s, t0 + 6 * i);
		fx_expect_status(req(s, "GET", "/api/v1/me", tok, NULL), 200);
	}
	free(tok);
	assert_int_equal(server_stop(s), 0);
}

/* The seconds an answer says its session has left (X-Session-Expires-In); -1 without. */
static long long left_of(const struct resp *r)
{
	char buf[32];
	const char *v = resp_header(r, "X-Session-Expires-In", buf, sizeof buf);
	return v ? strtoll(v, NULL, 10) : -1;
}

/* How many audit events there are. */
static long long audit_total(struct server *s, const char *admin)
{
	struct resp *r = req(s, "GET", "/api/v1/audit?limit=1", admin, NULL);
	assert_int_equal(r->status, 200);
	long long n = jint(r->json, "total");
	resp_free(r);
	return n;
}

/* Sessions say how long they have left, and POST /me/keepalive renews the idle time:
 * kept alive, a session outlives its timeout; left alone, it ends. The test clock moves;
 * the few real seconds the test itself takes stay well inside the margins. */
static void keepalive_renews_the_idle_time(void **state)
{
	struct server *s = *state;
	time_t t0 = time(NULL);
	fx_clock_set(s, t0);
	struct resp *l = login_req(s, "desk", PW_DESK);
	assert_int_equal(l->status, 200);
	char *tok = strdup(jstr(l->json, "token"));
	char *csrf = strdup(jstr(l->json, "csrf_token"));
	resp_free(l);

	/* No session, no header. */
	struct resp *r = req(s, "GET", "/api/v1/health", NULL, NULL);
	assert_int_equal(left_of(r), -1);
	resp_free(r);
	r = req(s, "GET", "/api/v1/me", tok, NULL);
	assert_int_equal(r->status, 200);
	assert_true(left_of(r) >= 1 && left_of(r) <= IDLE);
	resp_free(r);

	fx_clock_set(s, t0 + 2);
	r = req(s, "POST", "/api/v1/me/keepalive", tok, "{}");
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "expires_in_s"), IDLE);
	assert_int_equal(jint(r->json, "idle_timeout_s"), IDLE);
	assert_int_equal(left_of(r), IDLE);
	assert_true(strlen(jstr(r->json, "expires_at")) >= 20);
	resp_free(r);
	/* Eight seconds later, and before the session is touched again (every half of the
	 * timeout), the time left has gone down by as much. */
	fx_clock_set(s, t0 + 10);
	r = req(s, "GET", "/api/v1/me", tok, NULL);
	assert_int_equal(r->status, 200);
	if (left_of(r) > IDLE - 8 || left_of(r) < IDLE - 8 - 3)
		fail_msg("left %lld, want about %d", left_of(r), IDLE - 8);
	resp_free(r);

	/* No body is fine too; a field is not. */
	r = req(s, "POST", "/api/v1/me/keepalive", tok, NULL);
	assert_int_equal(r->status, 200);
	resp_free(r);
	r = req(s, "POST", "/api/v1/me/keepalive", tok, "{\"minutes\":60}");
	assert_int_equal(r->status, 422);
	assert_string_equal(resp_error(r), "validation_failed");
	resp_free(r);

	/* With the cookie it is a write like any other: it needs the CSRF token. */
	r = cookie_req(s, "POST", "/api/v1/me/keepalive", tok, NULL, "{}");
	assert_int_equal(r->status, 403);
	resp_free(r);
	r = cookie_req(s, "POST", "/api/v1/me/keepalive", tok, csrf, "{}");
	assert_int_equal(r->status, 200);
	resp_free(r);

	/* Not an audit event: the trail records logins and changes, not renewals. */
	char *admin = login(s, "admin", PW_ADMIN);
	long long t1 = audit_total(s, admin);
	fx_expect_status(req(s, "POST", "/api/v1/me/keepalive", tok, NULL), 200);
	long long t2 = audit_total(s, admin);
	long long t3 = audit_total(s, admin);
	assert_int_equal(t2 - t1, t3 - t2);
	free(admin);

	/* Kept alive every 12 seconds for 48, the session outlives its timeout... */
	time_t at = t0 + 10;
	for (int i = 0; i < 4; i++) {
		at += 12;
		fx_clock_set(s, at);
		fx_expect_status(req(s, "POST", "/api/v1/me/keepalive", tok, NULL), 200);
	}
	/* ...and left alone for longer than it, it ends. */
	fx_clock_set(s, at + IDLE + 1);
	r = req(s, "POST", "/api/v1/me/keepalive", tok, NULL);
	assert_int_equal(r->status, 401);
	assert_int_equal(left_of(r), -1);
	resp_free(r);
	free(csrf);
	free(tok);
	assert_int_equal(server_stop(s), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(login_returns_token_csrf_user_and_expiry),
	    cmocka_unit_test(wrong_password_and_unknown_user_look_the_same),
	    cmocka_unit_test(login_body_is_validated),
	    cmocka_unit_test(me_needs_a_valid_bearer_token),
	    cmocka_unit_test(cookie_reads_need_no_csrf),
	    cmocka_unit_test(cookie_writes_need_the_csrf_token),
	    cmocka_unit_test(bearer_writes_need_no_csrf),
	    cmocka_unit_test(logout_ends_only_that_session),
	    cmocka_unit_test(deactivation_ends_sessions_and_blocks_login),
	    cmocka_unit_test(role_changes_reach_open_sessions),
	    cmocka_unit_test(password_reset_ends_sessions),
	    cmocka_unit_test(outdated_hashes_are_renewed_at_login),
	    cmocka_unit_test(logins_and_failures_are_audited),
	    cmocka_unit_test_setup_teardown(failed_logins_throttle_the_username, harness_own_setup,
					    harness_own_teardown),
	    cmocka_unit_test_setup_teardown(failed_logins_throttle_the_address, harness_own_setup,
					    harness_own_teardown),
	    cmocka_unit_test_setup_teardown(an_admin_unlocks_a_locked_username, harness_own_setup,
					    harness_own_teardown),
	    cmocka_unit_test_setup_teardown(unlocking_a_name_keeps_the_address_count,
					    harness_own_setup, harness_own_teardown),
	    cmocka_unit_test_setup_teardown(idle_sessions_expire, setup_idle, harness_own_teardown),
	    cmocka_unit_test_setup_teardown(activity_keeps_a_session_alive, setup_idle,
					    harness_own_teardown),
	    cmocka_unit_test_setup_teardown(keepalive_renews_the_idle_time, setup_idle,
					    harness_own_teardown),
	};
	return harness_run_group("api_auth", tests, &group);
}
