/* Replies, JSON field checks and transactions shared by all handlers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "domain/dates.h"
#include "store/audit.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/xalloc.h"

static struct api_config config = {1800, 43200, false, NULL};

void api_configure(const struct api_config *cfg)
{
	config = *cfg;
}

const struct api_config *api_config(void)
{
	return &config;
}

int64_t api_id(const struct api_ctx *ctx, int k)
{
	return ctx->match.id[k];
}

const char *api_param(const struct api_ctx *ctx, int k)
{
	return ctx->match.param[k];
}

bool api_role(const struct api_ctx *ctx, unsigned roles)
{
	return ctx->me.id != 0 && (roles & (unsigned)ctx->me.role) != 0;
}

void api_reply(struct api_ctx *ctx, int status, json_t *body)
{
	if (ctx->warnings && json_is_object(body) && !json_object_get(body, "warnings"))
		json_object_set(body, "warnings", ctx->warnings);
	char *text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(body);
	if (!text) {
		text = xstrdup("{\"error\":{\"code\":\"internal\",\"message\":\"Something went "
			       "wrong on our side.\",\"details\":{}}}");
		status = 500;
	}
	http_reply_set_body(ctx->reply, status, "application/json", text, strlen(text));
}

void api_reply_text(struct api_ctx *ctx, int status, struct buf *text)
{
	size_t len = text->len;
	char *body = buf_take(text);
	http_reply_set_body(ctx->reply, status, "application/json", body ? body : xstrdup("{}"),
			    body ? len : 2);
}

void api_list_open(struct buf *b)
{
	buf_init(b);
	jw_raw(b, "{\"items\":[");
}

void api_reply_text_list(struct api_ctx *ctx, struct buf *b, int64_t total)
{
	jw_raw(b, "],\"total\":");
	jw_int(b, total);
	jw_raw(b, "}");
	api_reply_text(ctx, 200, b);
}

void api_set_location(struct api_ctx *ctx, const char *prefix, int64_t id, const char *suffix)
{
	char loc[128];
	snprintf(loc, sizeof loc, "%s%lld%s", prefix, (long long)id, suffix);
	free(ctx->location);
	ctx->location = xstrdup(loc);
}

void api_reply_created(struct api_ctx *ctx, json_t *body, const char *prefix, int64_t id,
		       const char *suffix)
{
	api_set_location(ctx, prefix, id, suffix);
	api_reply(ctx, 201, body);
}

void api_reply_list(struct api_ctx *ctx, json_t *items, int64_t total)
{
	api_reply(ctx, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

int api_fail(struct api_ctx *ctx, int code, const char *msg, json_t *details)
{
	ctx->err_msg = msg;
	if (ctx->err_details)
		json_decref(ctx->err_details);
	ctx->err_details = details;
	return code < 0 ? code : -code;
}

int api_fail_field(struct api_ctx *ctx, const char *field, const char *msg)
{
	return api_fail(ctx, -ERR_VALIDATION_FAILED, msg, json_pack("{s:s}", "field", field));
}

void api_warn(struct api_ctx *ctx, const char *code, json_t *extra)
{
	if (!ctx->warnings)
		ctx->warnings = json_array();
	json_t *w = extra && json_is_object(extra) ? extra : json_object();
	if (extra && !json_is_object(extra))
		json_decref(extra);
	json_object_set_new(w, "code", json_string(code));
	json_array_append_new(ctx->warnings, w);
}

int api_body(struct api_ctx *ctx, json_t **out)
{
	if (!ctx->body)
		return api_fail(ctx, -ERR_BAD_JSON, "This request needs a JSON object body.", NULL);
	*out = ctx->body;
	return 0;
}

size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

int jin_only(struct api_ctx *ctx, json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			if (strcmp(*a, key) == 0) {
				ok = true;
				break;
			}
		if (!ok) {
			/* The key is client text: copy it into the details, not the message. */
			return api_fail(ctx, -ERR_VALIDATION_FAILED, "Unknown field.",
					json_pack("{s:s%}", "field", key, strnlen(key, 128)));
		}
	}
	return 0;
}

int jin_no_null(struct api_ctx *ctx, json_t *obj, const char *const *keys)
{
	for (; *keys; keys++) {
		json_t *v = json_object_get(obj, *keys);
		if (v && json_is_null(v))
			return api_fail_field(ctx, *keys,
					      "This field cannot be null; leave it out.");
	}
	return 0;
}

/* Looks key up; absent and null are the same. */
static json_t *field(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return v && !json_is_null(v) ? v : NULL;
}

int jin_str(struct api_ctx *ctx, json_t *obj, const char *key, bool required, size_t min,
	    size_t max, const char **out)
{
	json_t *v = field(obj, key);
	*out = NULL;
	if (!v)
		return required ? api_fail_field(ctx, key, "This field is required.") : 0;
	if (!json_is_string(v))
		return api_fail_field(ctx, key, "This field must be a string.");
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v) || has_control(s))
		return api_fail_field(ctx, key, "This field contains control characters.");
	size_t n = utf8_chars(s);
	if (n < min || n > max)
		return api_fail_field(ctx, key,
				      min > 0 && n < min ? "This field is empty or too short."
							 : "This field is too long.");
	*out = s;
	return 0;
}

int jin_int(struct api_ctx *ctx, json_t *obj, const char *key, bool required, int64_t min,
	    int64_t max, int64_t *out, bool *present)
{
	json_t *v = field(obj, key);
	if (present)
		*present = v != NULL;
	if (!v)
		return required ? api_fail_field(ctx, key, "This field is required.") : 0;
	if (!json_is_integer(v))
		return api_fail_field(ctx, key, "This field must be a whole number.");
	json_int_t i = json_integer_value(v);
	if (i < min || i > max)
		return api_fail_field(ctx, key, "This number is out of range.");
	*out = i;
	return 0;
}

int jin_bool(struct api_ctx *ctx, json_t *obj, const char *key, bool required, bool *out,
	     bool *present)
{
	json_t *v = field(obj, key);
	if (present)
		*present = v != NULL;
	if (!v)
		return required ? api_fail_field(ctx, key, "This field is required.") : 0;
	if (!json_is_boolean(v))
		return api_fail_field(ctx, key, "This field must be true or false.");
	*out = json_is_true(v);
	return 0;
}

int jin_date(struct api_ctx *ctx, json_t *obj, const char *key, bool required, char out[11],
	     bool *present)
{
	json_t *v = field(obj, key);
	struct cdate d;
	if (present)
		*present = v != NULL;
	if (!v)
		return required ? api_fail_field(ctx, key, "This field is required.") : 0;
	if (!json_is_string(v) || dates_parse_date(json_string_value(v), &d) != 0)
		return api_fail_field(ctx, key, "This field must be a real date as YYYY-MM-DD.");
	memcpy(out, json_string_value(v), 11);
	return 0;
}

int jin_instant(struct api_ctx *ctx, json_t *obj, const char *key, bool required, int64_t *out,
		bool *present)
{
	json_t *v = field(obj, key);
	if (present)
		*present = v != NULL;
	if (!v)
		return required ? api_fail_field(ctx, key, "This field is required.") : 0;
	if (!json_is_string(v) || dates_parse_instant(json_string_value(v), out) != 0)
		return api_fail_field(ctx, key,
				      "This field must be an RFC 3339 time with an offset.");
	if (!dates_on_wire(*out))
		return api_fail_field(ctx, key, "Times lie between the years 1900 and 2200.");
	return 0;
}

int api_query_int(struct api_ctx *ctx, const char *name, int64_t min, int64_t max, int64_t def,
		  int64_t *out)
{
	const char *s = http_req_query(ctx->req, name);
	if (!s || !*s) {
		*out = def;
		return 0;
	}
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!end || end == s || *end || errno == ERANGE || v < min || v > max) {
		ctx->err_msg = "A query parameter is out of range.";
		ctx->err_details = json_pack("{s:s}", "field", name);
		return -ERR_VALIDATION_FAILED;
	}
	*out = v;
	return 0;
}

/* A committed write is answered once it is on disk; the worker thread does not wait for
 * the disk meanwhile but goes on to the next request (group commit, see db.h). */
static void durable_done(void *arg, int err)
{
	struct http_deferred *h = arg;
	h->done(h, err == 0);
}

static void durable_start(void *arg, struct http_deferred *handle)
{
	uint64_t seq = *(uint64_t *)arg;
	free(arg);
	db_durable_async(seq, durable_done, handle);
}

/* Commits when err is 0, else rolls back; returns the outcome. */
static int tx_end(struct api_ctx *ctx, int err)
{
	if (err) {
		db_rollback(ctx->db);
		return err;
	}
	if (ctx->reply->defer)
		return db_commit(ctx->db);
	uint64_t seq;
	if ((err = db_commit_nowait(ctx->db, &seq)) != 0 || !seq)
		return err;
	uint64_t *arg = xmalloc(sizeof *arg);
	*arg = seq;
	ctx->reply->defer = durable_start;
	ctx->reply->defer_arg = arg;
	return 0;
}

/* Forgets what a failed try said, so that the next try answers afresh. */
static void attempt_reset(struct api_ctx *ctx)
{
	json_decref(ctx->warnings);
	ctx->warnings = NULL;
	json_decref(ctx->err_details);
	ctx->err_details = NULL;
	ctx->err_msg = NULL;
	free(ctx->location);
	ctx->location = NULL;
	free(ctx->read_event.detail);
	memset(&ctx->read_event, 0, sizeof ctx->read_event);
}

#define WRITE_TRIES 3

int api_run_write(struct api_ctx *ctx, api_tx_fn fn, void *arg)
{
	int err = 0;
	for (int attempt = 0; attempt < WRITE_TRIES; attempt++) {
		if (attempt)
			attempt_reset(ctx);
		if ((err = db_begin_write(ctx->db)) == 0)
			err = tx_end(ctx, fn(ctx, arg));
		if (err != -ERR_BUSY)
			break;
	}
	return err;
}

int api_run_read(struct api_ctx *ctx, api_tx_fn fn, void *arg)
{
	int err = db_begin_read(ctx->db);
	if (err)
		return err;
	err = fn(ctx, arg);
	db_rollback(ctx->db);
	return err;
}

int api_audit(struct api_ctx *ctx, const char *action, const char *entity, int64_t entity_id,
	      const char *detail)
{
	return store_audit_append(ctx->db, &ctx->actor, action, entity, entity_id, detail);
}

struct audit_defer {
	struct actor who;
	char remote[64];
	char action[16];
	char entity[32];
	int64_t entity_id;
	char *detail;
	struct http_deferred *handle;
};

static void audit_defer_free(struct audit_defer *d)
{
	free(d->detail);
	free(d);
}

static void audit_committed(void *arg, int err)
{
	struct audit_defer *d = arg;
	struct http_deferred *h = d->handle;
	audit_defer_free(d);
	h->done(h, err == 0);
}

static void audit_start(void *arg, struct http_deferred *handle)
{
	struct audit_defer *d = arg;
	d->handle = handle;
	d->who.remote = d->remote;
	struct db *db = db_thread();
	if (!db) {
		audit_committed(d, -ERR_STORAGE_UNAVAILABLE);
		return;
	}
	store_audit_read_async(db, &d->who, d->action, d->entity, d->entity_id, d->detail,
			       audit_committed, d);
}

void api_defer_cancel(struct http_reply *reply)
{
	if (reply->defer == audit_start)
		audit_defer_free(reply->defer_arg);
	else if (reply->defer == durable_start)
		free(reply->defer_arg);
	reply->defer = NULL;
	reply->defer_arg = NULL;
}

void api_read_event(struct api_ctx *ctx, const char *action, const char *entity, int64_t entity_id,
		    const char *detail)
{
	free(ctx->read_event.detail);
	ctx->read_event.set = true;
	ctx->read_event.action = action ? action : "read";
	ctx->read_event.entity = entity;
	ctx->read_event.entity_id = entity_id;
	ctx->read_event.detail = xstrdup_or_null(detail);
}

void api_read_patient(struct api_ctx *ctx, int64_t pid, const char *what, int64_t record)
{
	char detail[96];
	if (record)
		snprintf(detail, sizeof detail, "%s %lld", what, (long long)record);
	else
		snprintf(detail, sizeof detail, "%s", what);
	api_read_event(ctx, NULL, "patient", pid, detail);
}

int api_audit_read_flush(struct api_ctx *ctx)
{
	const char *action = ctx->read_event.action, *entity = ctx->read_event.entity;
	int64_t entity_id = ctx->read_event.entity_id;
	const char *detail = ctx->read_event.detail;
	if (ctx->reply->defer)
		return store_audit_read(ctx->db, &ctx->actor, action, entity, entity_id, detail);
	struct audit_defer *d = xcalloc(1, sizeof *d);
	d->who.user_id = ctx->actor.user_id;
	snprintf(d->remote, sizeof d->remote, "%s",
		 ctx->actor.remote ? ctx->actor.remote : "local");
	snprintf(d->action, sizeof d->action, "%s", action);
	snprintf(d->entity, sizeof d->entity, "%s", entity);
	d->entity_id = entity_id;
	d->detail = xstrdup_or_null(detail);
	ctx->reply->defer = audit_start;
	ctx->reply->defer_arg = d;
	return 0;
}

void api_put_json(struct buf *b, bool *first, const char *key, const json_t *v)
{
	char *dumped = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
	jw_key(b, first, key);
	jw_raw(b, dumped ? dumped : "null");
	free(dumped);
}

void api_put_instant(struct buf *b, bool *first, const char *key, int64_t t)
{
	char text[DATES_BUF];
	dates_format_instant(t, text);
	jw_key(b, first, key);
	jw_str(b, text);
}

void api_put_stamps(struct buf *b, bool *first, int64_t created_at, int64_t updated_at)
{
	api_put_instant(b, first, "created_at", created_at);
	api_put_instant(b, first, "updated_at", updated_at);
}

void api_put_day(struct buf *b, bool *first, const char *key, int64_t day)
{
	char text[DATES_BUF];
	dates_format_day(day, text);
	jw_key(b, first, key);
	jw_str(b, text);
}

void api_put_int_or_null(struct buf *b, bool *first, const char *key, int64_t v)
{
	jw_key(b, first, key);
	if (v)
		jw_int(b, v);
	else
		jw_raw(b, "null");
}

json_t *api_instant(int64_t t)
{
	char buf[DATES_BUF];
	dates_format_instant(t, buf);
	return json_string(buf);
}
