/* Login, logout and "who am I": sessions with a bearer token and an HttpOnly cookie. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/handlers.h"
#include "store/users.h"
#include "util/err.h"
#include "util/secrets.h"
#include "util/xalloc.h"

#define THROTTLE_WINDOW_S     (15 * 60)
#define THROTTLE_MAX_FAILURES 10
/* Argon2id takes 19 MiB a hash: at most this many run at once, so that a burst of logins
 * adds at most 38 MiB to the server. */
#define MAX_HASHES_IN_FLIGHT 2

static atomic_int hashes_in_flight;

static int too_many(struct api_ctx *ctx)
{
	http_reply_header_static(ctx->reply, "Retry-After", "900");
	return api_fail(ctx, -ERR_TOO_MANY_REQUESTS,
			"Too many failed logins; try again in 15 minutes.", NULL);
}

static void set_cookie(struct api_ctx *ctx, const char *token, int64_t max_age)
{
	char cookie[256];
	snprintf(cookie, sizeof cookie,
		 "collagenda_session=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%lld%s", token,
		 (long long)max_age, api_config()->tls ? "; Secure" : "");
	http_reply_header(ctx->reply, "Set-Cookie", cookie);
}

int h_login(struct api_ctx *ctx)
{
	static const char *const allowed[] = {"username", "password", NULL};
	json_t *body;
	const char *username, *password;
	int err;

	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_str(ctx, body, "username", true, 1, 64, &username)) ||
	    (err = jin_str(ctx, body, "password", true, 1, 256, &password)))
		return err;

	int64_t now = (int64_t)time(NULL);
	int64_t by_user = 0, by_remote = 0;
	if ((err = db_begin_read(ctx->db)) != 0)
		return err;
	err = store_login_failures(ctx->db, username, ctx->req->remote, now - THROTTLE_WINDOW_S,
				   &by_user, &by_remote);
	struct user u;
	memset(&u, 0, sizeof u);
	char *hash = NULL;
	if (!err) {
		err = store_user_by_name(ctx->db, username, &u, &hash);
		if (err == -ERR_NOT_FOUND)
			err = 0;
	}
	db_rollback(ctx->db);
	if (err)
		goto out;
	if (by_user >= THROTTLE_MAX_FAILURES || by_remote >= THROTTLE_MAX_FAILURES) {
		err = too_many(ctx);
		goto out;
	}

	if (atomic_fetch_add(&hashes_in_flight, 1) >= MAX_HASHES_IN_FLIGHT) {
		atomic_fetch_sub(&hashes_in_flight, 1);
		http_reply_header_static(ctx->reply, "Retry-After", "1");
		err = api_fail(ctx, -ERR_BUSY, "Too many logins at once; try again in a second.",
			       NULL);
		goto out;
	}
	/* An unknown user is checked against a dummy hash: same answer, similar time. */
	bool ok = secrets_check_password(hash, password) && u.active;
	/* A hash made with older settings is made anew now that the password is known. */
	char fresh[SECRETS_PWHASH_LEN];
	bool rehash =
	    ok && secrets_password_outdated(hash) && secrets_hash_password(password, fresh) == 0;
	atomic_fetch_sub(&hashes_in_flight, 1);

	if ((err = api_tx_write(ctx)) != 0)
		goto out;
	if (!ok) {
		err = store_login_failure_add(ctx->db, username, ctx->req->remote, now);
		if (!err)
			err = api_audit(ctx, "login_failed", "user", u.id, NULL);
		if ((err = api_tx_end(ctx, err)) == 0)
			err = api_fail(ctx, -ERR_UNAUTHENTICATED, "Wrong username or password.",
				       NULL);
		goto out;
	}
	char token[SECRETS_TOKEN_LEN], csrf[SECRETS_TOKEN_LEN];
	uint8_t th[SECRETS_HASH_LEN], unused[SECRETS_HASH_LEN];
	secrets_new_token(token, th);
	secrets_new_token(csrf, unused);
	int64_t expires = now + api_config()->absolute_timeout_s;
	ctx->actor.user_id = u.id;
	err = store_session_insert(ctx->db, th, u.id, csrf, now, expires);
	if (!err && rehash)
		err = store_user_set_password(ctx->db, u.id, fresh);
	if (!err)
		err = store_login_failures_clear(ctx->db, username);
	if (!err)
		err = store_session_purge(ctx->db, now);
	if (!err)
		err =
		    api_audit(ctx, "login", "user", u.id, rehash ? "password hash renewed" : NULL);
	if ((err = api_tx_end(ctx, err)) != 0)
		goto out;
	set_cookie(ctx, token, api_config()->absolute_timeout_s);
	json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:I}", "token", token, "csrf_token", csrf,
			      "user", user_json(&u), "expires_at", api_instant(expires),
			      "idle_timeout_s", (json_int_t)api_config()->idle_timeout_s);
	json_object_set_new(o, "clinic_time_zone",
			    api_config()->time_zone ? json_string(api_config()->time_zone)
						    : json_null());
	api_reply(ctx, 200, o);
out:
	free(hash);
	user_cleanup(&u);
	return err;
}

int h_logout(struct api_ctx *ctx)
{
	int err = api_tx_write(ctx);
	if (err)
		return err;
	err = store_session_delete(ctx->db, ctx->session_hash);
	if (!err)
		err = api_audit(ctx, "logout", "user", ctx->me.id, NULL);
	if ((err = api_tx_end(ctx, err)) != 0)
		return err;
	set_cookie(ctx, "", 0);
	api_reply(ctx, 200, json_pack("{s:b}", "ok", 1));
	return 0;
}

int h_me(struct api_ctx *ctx)
{
	/* The CSRF token again, so that a reloaded page can keep writing with its cookie. */
	json_t *o =
	    json_pack("{s:o, s:s, s:I}", "user", user_json(&ctx->me), "csrf_token", ctx->csrf,
		      "idle_timeout_s", (json_int_t)api_config()->idle_timeout_s);
	json_object_set_new(o, "clinic_time_zone",
			    api_config()->time_zone ? json_string(api_config()->time_zone)
						    : json_null());
	api_reply(ctx, 200, o);
	return 0;
}
