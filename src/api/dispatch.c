/* The API's entry point: route, authenticate, authorise, check CSRF and the body, call
 * the handler in what its route's flags ask for, and turn errors into the API's error body. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/api.h"
#include "api/outbox.h"
#include "http/static.h"
#include "store/audit.h"
#include "store/users.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/secrets.h"
#include "util/xalloc.h"

#define SESSION_COOKIE "collagenda_session"
/* last_seen is written at most this often, so reads stay reads. */
#define TOUCH_EVERY_S 60

static void error_reply(struct api_ctx *ctx, int code)
{
	json_t *details = ctx->err_details ? ctx->err_details : json_object();
	ctx->err_details = NULL;
	/* A 500 never carries internals: its message is always the table's. */
	const char *msg =
	    err_status(code) >= 500 || !ctx->err_msg ? err_message(code) : ctx->err_msg;
	json_t *body = json_pack("{s:{s:s, s:s, s:o}}", "error", "code", err_wire(code), "message",
				 msg, "details", details);
	json_t *w = ctx->warnings;
	ctx->warnings = NULL;
	api_reply(ctx, err_status(code), body);
	json_decref(w);
}

/* The bearer token from "Authorization: Bearer X" or the session cookie. */
static const char *presented_token(const struct http_req *req, bool *via_cookie)
{
	const char *auth = http_req_header(req, "Authorization");
	*via_cookie = false;
	if (auth) {
		if (strncasecmp(auth, "Bearer ", 7) == 0 && auth[7])
			return auth + 7;
		return NULL;
	}
	const char *c = http_req_cookie(req, SESSION_COOKIE);
	if (c && *c) {
		*via_cookie = true;
		return c;
	}
	return NULL;
}

static bool is_write(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

/* Sessions as last read, by token hash: most requests then need no SQL to know who asks.
 * An entry holds while no user or session has changed since (db_auth_generation) and for
 * at most AUTH_CACHE_S seconds, which bounds what another process's change may leave. */
#define AUTH_CACHE_SLOTS 256
#define AUTH_CACHE_S	 5

struct auth_cached {
	bool used;
	uint8_t hash[32];
	uint64_t generation;
	int64_t read_at;
	struct auth_session s;
};

static struct auth_cached auth_cache[AUTH_CACHE_SLOTS];
static pthread_mutex_t auth_cache_lock = PTHREAD_MUTEX_INITIALIZER;

static void session_copy(struct auth_session *to, const struct auth_session *from)
{
	*to = *from;
	to->user.username = xstrdup_or_null(from->user.username);
	to->user.display_name = xstrdup_or_null(from->user.display_name);
}

static struct auth_cached *auth_slot(const uint8_t hash[32])
{
	/* The hash is SHA-256 of a random token: any two bytes spread evenly. */
	return &auth_cache[(hash[0] | (unsigned)hash[1] << 8) % AUTH_CACHE_SLOTS];
}

static bool auth_cache_get(const uint8_t hash[32], uint64_t generation, int64_t now,
			   struct auth_session *out)
{
	pthread_mutex_lock(&auth_cache_lock);
	struct auth_cached *e = auth_slot(hash);
	bool hit = e->used && e->generation == generation && now >= e->read_at &&
		   now - e->read_at < AUTH_CACHE_S && memcmp(e->hash, hash, 32) == 0;
	if (hit)
		session_copy(out, &e->s);
	pthread_mutex_unlock(&auth_cache_lock);
	return hit;
}

static void auth_cache_put(const uint8_t hash[32], uint64_t generation, int64_t now,
			   const struct auth_session *s)
{
	pthread_mutex_lock(&auth_cache_lock);
	struct auth_cached *e = auth_slot(hash);
	if (e->used)
		user_cleanup(&e->s.user);
	e->used = true;
	memcpy(e->hash, hash, 32);
	e->generation = generation;
	e->read_at = now;
	session_copy(&e->s, s);
	pthread_mutex_unlock(&auth_cache_lock);
}

static int touch_session(struct api_ctx *ctx, void *arg)
{
	return store_session_touch(ctx->db, ctx->session_hash, *(int64_t *)arg);
}

/* Finds and checks the session; fills ctx->me. */
static int authenticate(struct api_ctx *ctx)
{
	bool via_cookie;
	const char *token = presented_token(ctx->req, &via_cookie);
	if (!token || strlen(token) != SECRETS_TOKEN_LEN - 1)
		return -ERR_UNAUTHENTICATED;
	secrets_token_hash(token, ctx->session_hash);

	struct auth_session s;
	int64_t now = clock_now();
	/* Read before the session: a change committed meanwhile makes the entry stale. */
	uint64_t generation = db_auth_generation();
	if (!auth_cache_get(ctx->session_hash, generation, now, &s)) {
		int err = store_session_get(ctx->db, ctx->session_hash, &s);
		if (err == -ERR_NOT_FOUND)
			return -ERR_UNAUTHENTICATED;
		if (err)
			return err;
		auth_cache_put(ctx->session_hash, generation, now, &s);
	}
	int err;
	const struct api_config *cfg = api_config();
	if (now >= s.expires_at || now - s.last_seen >= cfg->idle_timeout_s) {
		user_cleanup(&s.user);
		if (db_begin_write(ctx->db) == 0) {
			int e = store_session_delete(ctx->db, ctx->session_hash);
			if (db_commit(ctx->db) != 0 || e)
				log_warn("could not remove an expired session");
		}
		return api_fail(ctx, -ERR_UNAUTHENTICATED,
				"Your session has expired; please log in again.",
				json_pack("{s:s}", "reason", "expired"));
	}
	ctx->me = s.user;
	ctx->actor.user_id = s.user.id;
	memcpy(ctx->csrf, s.csrf, sizeof ctx->csrf);
	if (via_cookie && is_write(ctx->req->method)) {
		const char *csrf = http_req_header(ctx->req, "X-CSRF-Token");
		if (!csrf || !secrets_equal(csrf, s.csrf))
			return api_fail(
			    ctx, -ERR_FORBIDDEN,
			    "This request needs the X-CSRF-Token header given at login.",
			    json_pack("{s:s}", "reason", "csrf"));
	}
	/* Touch often enough that a session in use never looks idle, even with a short
	 * --idle-timeout. */
	int64_t touch_every =
	    cfg->idle_timeout_s / 2 < TOUCH_EVERY_S ? cfg->idle_timeout_s / 2 : TOUCH_EVERY_S;
	int64_t last_seen = s.last_seen;
	if (now - s.last_seen >= touch_every) {
		if ((err = api_run_write(ctx, touch_session, &now)) != 0)
			return err;
		last_seen = now;
	}
	ctx->session_absolute_end = s.expires_at;
	api_session_used(ctx, last_seen);
	return 0;
}

void api_session_used(struct api_ctx *ctx, int64_t at)
{
	int64_t end = at + api_config()->idle_timeout_s;
	ctx->session_ends_at = end < ctx->session_absolute_end ? end : ctx->session_absolute_end;
}

/* How long the session has left, so that a page can warn before it ends. */
static void session_left_header(struct api_ctx *ctx)
{
	if (!ctx->session_ends_at)
		return;
	int64_t left = ctx->session_ends_at - clock_now();
	char v[24];
	snprintf(v, sizeof v, "%lld", (long long)(left > 0 ? left : 0));
	http_reply_header(ctx->reply, "X-Session-Expires-In", v);
}

static int parse_body(struct api_ctx *ctx)
{
	const struct http_req *req = ctx->req;
	if (!req->body || req->body_len == 0)
		return 0;
	const char *ct = http_req_header(req, "Content-Type");
	size_t n = strlen("application/json");
	if (!ct || strncasecmp(ct, "application/json", n) != 0 ||
	    (ct[n] && ct[n] != ';' && ct[n] != ' '))
		return -ERR_UNSUPPORTED_MEDIA_TYPE;
	json_error_t jerr;
	json_t *v = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!v)
		return api_fail(ctx, -ERR_BAD_JSON, "The request body is not valid JSON.",
				json_pack("{s:i, s:i}", "line", jerr.line, "column", jerr.column));
	if (!json_is_object(v)) {
		json_decref(v);
		return api_fail(ctx, -ERR_BAD_JSON, "The request body must be a JSON object.",
				NULL);
	}
	ctx->body = v;
	return 0;
}

static int call_handler(struct api_ctx *ctx, void *arg)
{
	const struct route *r = arg;
	return r->handler(ctx);
}

/* Runs the handler inside what its flags ask for (a write transaction or a read
 * snapshot), then the read audit event and the Location of a created record. */
static int run_route(struct api_ctx *ctx, const struct route *r)
{
	int err;
	if (r->flags & ROUTE_WRITE)
		err = api_run_write(ctx, call_handler, (void *)r);
	else if (r->flags & ROUTE_READ)
		err = api_run_read(ctx, call_handler, (void *)r);
	else
		err = r->handler(ctx);
	if (err && ctx->read_event.set && ctx->read_event.on_error) {
		/* The transaction is gone: the event is written on its own, before the answer. */
		int e = store_audit_read(ctx->db, &ctx->actor, ctx->read_event.action,
					 ctx->read_event.entity, ctx->read_event.entity_id,
					 ctx->read_event.detail);
		return e ? e : err;
	}
	if (err)
		return err;
	if ((r->flags & ROUTE_CLINICAL_READ) && !ctx->read_event.set) {
		log_error("%s %s answered clinical data without naming its read", r->method,
			  r->pattern);
		return -ERR_INTERNAL;
	}
	if (ctx->read_event.set && (err = api_audit_read_flush(ctx)) != 0)
		return err;
	if (ctx->location)
		http_reply_header(ctx->reply, "Location", ctx->location);
	return 0;
}

size_t api_body_limit(const char *method, const char *path)
{
	struct route_match m;
	if (router_match(api_routes, api_nroutes, method, path, &m) == 0 &&
	    (m.route->flags & ROUTE_UPLOAD))
		return HTTP_MAX_UPLOAD;
	return HTTP_MAX_BODY;
}

void api_handle(const struct http_req *req, struct http_reply *reply)
{
	if (strncmp(req->path, "/p/", 3) == 0) {
		api_public_handle(req, reply);
		return;
	}
	if (strncmp(req->path, "/api/", 5) != 0) {
		http_static_serve(req, reply);
		return;
	}
	struct api_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.req = req;
	ctx.reply = reply;
	ctx.actor.remote = req->remote;
	http_reply_header_static(reply, "Cache-Control", "no-store");
	http_security_headers(reply, false, req->tls);

	int err = router_match(api_routes, api_nroutes, req->method, req->path, &ctx.match);
	if (err == -ERR_METHOD_NOT_ALLOWED)
		http_reply_header(reply, "Allow", ctx.match.allow);
	if (!err) {
		const struct route *r = ctx.match.route;
		reply->log_route = r->pattern;
		ctx.db = db_thread();
		if (!ctx.db)
			err = -ERR_STORAGE_UNAVAILABLE;
		if (!err && !(r->flags & ROUTE_PUBLIC)) {
			err = authenticate(&ctx);
			if (!err && !api_role(&ctx, r->roles))
				err = -ERR_FORBIDDEN;
		}
		if (!err && (r->flags & ROUTE_UPLOAD))
			; /* the handler reads the raw body */
		else if (!err && is_write(req->method))
			err = parse_body(&ctx);
		else if (!err && req->body_len > 0)
			err = api_fail(&ctx, -ERR_BAD_JSON, "This request takes no body.", NULL);
		if (!err)
			err = run_route(&ctx, r);
	}
	reply->log_user = ctx.me.id;
	if (err) {
		api_defer_cancel(reply);
		error_reply(&ctx, err);
	}
	session_left_header(&ctx);
	json_decref(ctx.body);
	json_decref(ctx.warnings);
	json_decref(ctx.err_details);
	free(ctx.location);
	free(ctx.read_event.detail);
	user_cleanup(&ctx.me);
}
