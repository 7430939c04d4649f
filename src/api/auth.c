/* Login, logout and "who am I": sessions with a bearer token and an HttpOnly cookie. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/handlers.h"
#include "domain/login.h"
#include "store/users.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/secrets.h"
#include "util/xalloc.h"

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

/* What a login reads before the password is checked, and writes after. */
struct login {
	const char *username;
	int64_t now;
	int64_t by_user, by_remote;
	struct user u;
	char *hash;
	bool ok, rehash;
	char fresh[SECRETS_PWHASH_LEN];
	char token[SECRETS_TOKEN_LEN], csrf[SECRETS_TOKEN_LEN];
	int64_t expires;
};

static int login_read(struct api_ctx *ctx, void *arg)
{
	struct login *l = arg;
	int err = store_login_failures(ctx->db, l->username, ctx->req->remote,
				       l->now - LOGIN_WINDOW_S, &l->by_user, &l->by_remote);
	if (!err) {
		err = store_user_by_name(ctx->db, l->username, &l->u, &l->hash);
		if (err == -ERR_NOT_FOUND)
			err = 0;
	}
	return err;
}

/* A failed login is written down (the throttle counts it) and then refused. */
static int login_write(struct api_ctx *ctx, void *arg)
{
	struct login *l = arg;
	int err;
	if (!l->ok) {
		err = store_login_failure_add(ctx->db, l->username, ctx->req->remote, l->now);
		return err ? err : api_audit(ctx, "login_failed", "user", l->u.id, NULL);
	}
	uint8_t th[SECRETS_HASH_LEN], unused[SECRETS_HASH_LEN];
	secrets_new_token(l->token, th);
	secrets_new_token(l->csrf, unused);
	l->expires = l->now + api_config()->absolute_timeout_s;
	ctx->actor.user_id = l->u.id;
	err = store_session_insert(ctx->db, th, l->u.id, l->csrf, l->now, l->expires);
	if (!err && l->rehash)
		err = store_user_set_password(ctx->db, l->u.id, l->fresh);
	if (!err)
		err = store_login_failures_clear(ctx->db, l->username);
	if (!err)
		err = store_session_purge(ctx->db, l->now);
	if (!err)
		err = api_audit(ctx, "login", "user", l->u.id,
				l->rehash ? "password hash renewed" : NULL);
	return err;
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

	struct login l;
	memset(&l, 0, sizeof l);
	l.username = username;
	l.now = clock_now();
	if ((err = api_run_read(ctx, login_read, &l)) != 0)
		goto out;
	if (rules_login_throttled(l.by_user, l.by_remote)) {
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
	l.ok = secrets_check_password(l.hash, password) && l.u.active;
	/* A hash made with older settings is made anew now that the password is known. */
	l.rehash = l.ok && secrets_password_outdated(l.hash) &&
		   secrets_hash_password(password, l.fresh) == 0;
	atomic_fetch_sub(&hashes_in_flight, 1);

	if ((err = api_run_write(ctx, login_write, &l)) != 0)
		goto out;
	if (!l.ok) {
		err = api_fail(ctx, -ERR_UNAUTHENTICATED, "Wrong username or password.", NULL);
		goto out;
	}
	set_cookie(ctx, l.token, api_config()->absolute_timeout_s);
	json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:I}", "token", l.token, "csrf_token", l.csrf,
			      "user", user_json(&l.u), "expires_at", api_instant(l.expires),
			      "idle_timeout_s", (json_int_t)api_config()->idle_timeout_s);
	json_object_set_new(o, "clinic_time_zone",
			    api_config()->time_zone ? json_string(api_config()->time_zone)
						    : json_null());
	api_reply(ctx, 200, o);
out:
	free(l.hash);
	user_cleanup(&l.u);
	return err;
}

int h_logout(struct api_ctx *ctx)
{
	int err = store_session_delete(ctx->db, ctx->session_hash);
	if (!err)
		err = api_audit(ctx, "logout", "user", ctx->me.id, NULL);
	if (err)
		return err;
	set_cookie(ctx, "", 0);
	ctx->session_ends_at = 0;
	api_reply(ctx, 200, json_pack("{s:b}", "ok", 1));
	return 0;
}

/* "Stay signed in": the session is used now whatever dispatch's touch decided. Like any
 * request's touch this changes no record, so it is not an audit event. */
int h_me_keepalive(struct api_ctx *ctx)
{
	static const char *const allowed[] = {NULL};
	int err;
	if (ctx->body && (err = jin_only(ctx, ctx->body, allowed)) != 0)
		return err;
	int64_t now = clock_now();
	if ((err = store_session_touch(ctx->db, ctx->session_hash, now)) != 0)
		return err;
	api_session_used(ctx, now);
	api_reply(ctx, 200,
		  json_pack("{s:I, s:I, s:o}", "expires_in_s",
			    (json_int_t)(ctx->session_ends_at - now), "idle_timeout_s",
			    (json_int_t)api_config()->idle_timeout_s, "expires_at",
			    api_instant(ctx->session_absolute_end)));
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
