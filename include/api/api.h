/* What every API handler shares: the request context, replies, JSON input checks and
 * transactions. Handlers parse JSON, check, open a transaction, ask store/ and domain/,
 * write through store/ with an audit event, commit, then reply. */
#ifndef COLLAGENDA_API_API_H
#define COLLAGENDA_API_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/model.h"
#include "http/http.h"
#include "http/router.h"
#include "store/db.h"
#include "util/xalloc.h"

/* Settings the server passes to the API at start. */
struct api_config {
	int64_t idle_timeout_s;	    /* a session ends after this long unused (1800) */
	int64_t absolute_timeout_s; /* and this long after login whatever happens (43200) */
	bool tls;		    /* cookies get Secure */
	const char *time_zone;	    /* the clinic's IANA zone name, or NULL when unknown */
};
void api_configure(const struct api_config *cfg);
const struct api_config *api_config(void);

struct api_ctx {
	const struct http_req *req;
	struct http_reply *reply;
	struct route_match match;
	struct db *db;
	struct user me; /* the logged-in user (id 0 when anonymous) */
	struct actor actor;
	uint8_t session_hash[32];
	char csrf[64]; /* the session's CSRF token */
	/* When the session ends unless used again (last use + idle timeout, or its absolute
	 * end if sooner); 0 when the request is anonymous. Sent as X-Session-Expires-In. */
	int64_t session_ends_at;
	int64_t session_absolute_end;
	json_t *body;	  /* the parsed JSON object, or NULL when the request had none */
	json_t *warnings; /* rule warnings for the answer; created on first use */
	/* What an error answer says beyond its code. */
	const char *err_msg;
	json_t *err_details;
	/* Set by api_reply_created; sent only once the transaction has committed. */
	char *location;
	/* The read of clinical data this answer makes (api_read_event), audited by dispatch. */
	struct {
		bool set;
		const char *action; /* static */
		const char *entity; /* static */
		int64_t entity_id;
		char *detail; /* owned */
		/* Audited even when the answer is an error that shows records (the
		 * candidates of a duplicate warning). */
		bool on_error;
	} read_event;
};

/* Records that the session was used at `at`: it now ends at + the idle timeout (or at
 * its absolute end if sooner), which the answer's X-Session-Expires-In says. */
void api_session_used(struct api_ctx *ctx, int64_t at);

/* The route's integer path parameter k (0-based). */
int64_t api_id(const struct api_ctx *ctx, int k);
/* The route's string path parameter k. */
const char *api_param(const struct api_ctx *ctx, int k);
/* True when the user holds one of the roles (bits). */
bool api_role(const struct api_ctx *ctx, unsigned roles);

/* Answers status with body (the reference is taken) as JSON. */
void api_reply(struct api_ctx *ctx, int status, json_t *body);
/* Answers 201 with body (the reference is taken); the Location header, prefix, the new
 * record's id and suffix, is sent once the transaction has committed. */
void api_reply_created(struct api_ctx *ctx, json_t *body, const char *prefix, int64_t id,
		       const char *suffix);
/* Sets the Location header (prefix, the record's id, suffix) that a 201 answer gets once
 * its transaction has committed. */
void api_set_location(struct api_ctx *ctx, const char *prefix, int64_t id, const char *suffix);
/* Answers {"items":[...],"total":N}, taking items. */
void api_reply_list(struct api_ctx *ctx, json_t *items, int64_t total);
/* An answer written as JSON text already (util/jsonw.h); takes the buffer's data. For
 * answers that carry no warnings. */
void api_reply_text(struct api_ctx *ctx, int status, struct buf *text);
/* A list answer written as text: api_list_open starts {"items":[ in a new buffer, the
 * caller writes the items with commas between them, and api_reply_text_list closes it
 * with the total and answers 200. */
void api_list_open(struct buf *b);
void api_reply_text_list(struct api_ctx *ctx, struct buf *b, int64_t total);

/* Sets an error's message and details (reference taken; may be NULL); returns code. */
int api_fail(struct api_ctx *ctx, int code, const char *msg, json_t *details);
/* 422 validation_failed naming the field. */
int api_fail_field(struct api_ctx *ctx, const char *field, const char *msg);
/* Adds {"code":code,...extra} to the answer's warnings (extra may be NULL; taken). */
void api_warn(struct api_ctx *ctx, const char *code, json_t *extra);

/* The request's JSON object; -ERR_BAD_JSON when the request has no body. */
int api_body(struct api_ctx *ctx, json_t **out) __attribute__((warn_unused_result));

/*
 * Field checks for JSON objects. Each returns 0 or the error that api_fail_field
 * recorded. *present (may be NULL) says whether the key was there and not null.
 */
/* Rejects a null for any of keys (NULL-terminated): fields that are left out to keep
 * their value, never set to null. */
int jin_no_null(struct api_ctx *ctx, json_t *obj, const char *const *keys)
    __attribute__((warn_unused_result));
/* Rejects any key not in allowed (NULL-terminated). */
int jin_only(struct api_ctx *ctx, json_t *obj, const char *const *allowed)
    __attribute__((warn_unused_result));
/* A string of min..max characters (code points), no control characters; *out borrowed
 * from obj, NULL when absent. */
int jin_str(struct api_ctx *ctx, json_t *obj, const char *key, bool required, size_t min,
	    size_t max, const char **out) __attribute__((warn_unused_result));
int jin_int(struct api_ctx *ctx, json_t *obj, const char *key, bool required, int64_t min,
	    int64_t max, int64_t *out, bool *present) __attribute__((warn_unused_result));
int jin_bool(struct api_ctx *ctx, json_t *obj, const char *key, bool required, bool *out,
	     bool *present) __attribute__((warn_unused_result));
/* A date "YYYY-MM-DD" (real calendar date), copied into out[11]. */
int jin_date(struct api_ctx *ctx, json_t *obj, const char *key, bool required, char out[11],
	     bool *present) __attribute__((warn_unused_result));
/* An RFC 3339 instant with offset. */
int jin_instant(struct api_ctx *ctx, json_t *obj, const char *key, bool required, int64_t *out,
		bool *present) __attribute__((warn_unused_result));

/* Query arguments: an integer in min..max (def when absent), 422 otherwise. */
int api_query_int(struct api_ctx *ctx, const char *name, int64_t min, int64_t max, int64_t def,
		  int64_t *out) __attribute__((warn_unused_result));

/* Number of UTF-8 code points in s. */
size_t utf8_chars(const char *s);

/*
 * The one transaction wrapper. api_run_write opens a write transaction, calls fn, and
 * commits when fn returns 0 (the answer then waits until the commit is durable) or rolls
 * back otherwise; a -ERR_BUSY from the database is tried again, up to three times, with
 * the request's warnings and error cleared. api_run_read runs fn in one read snapshot.
 * Both return fn's error or the commit's. Dispatch runs ROUTE_WRITE and ROUTE_READ
 * handlers through them; a handler that must do slow work outside the writer's lock (a
 * password hash) calls api_run_write itself for the part that writes.
 */
typedef int (*api_tx_fn)(struct api_ctx *ctx, void *arg);
int api_run_write(struct api_ctx *ctx, api_tx_fn fn, void *arg) __attribute__((warn_unused_result));
int api_run_read(struct api_ctx *ctx, api_tx_fn fn, void *arg) __attribute__((warn_unused_result));

/* Appends an audit event for the current user and address. */
int api_audit(struct api_ctx *ctx, const char *action, const char *entity, int64_t entity_id,
	      const char *detail) __attribute__((warn_unused_result));

/*
 * Names the read of clinical data that this answer makes (action "read" unless given;
 * entity and action static, detail copied). After the handler succeeds, dispatch appends
 * the event outside any transaction; the answer goes out only once the event is durable
 * (the connection is suspended while the event joins a group commit), and a 503 goes
 * instead if it cannot be written. A ROUTE_CLINICAL_READ handler that names none fails.
 */
void api_read_event(struct api_ctx *ctx, const char *action, const char *entity, int64_t entity_id,
		    const char *detail);
/* Names a read of patient pid's data: entity "patient" with pid, so that every read of
 * one patient's record is found by GET /audit?entity=patient&entity_id=pid, and a detail
 * saying what was read: what, and the record's id when record is not 0 ("plan 12"). */
void api_read_patient(struct api_ctx *ctx, int64_t pid, const char *what, int64_t record);
/* Appends the named read event (dispatch's step; exposed for its tests). */
int api_audit_read_flush(struct api_ctx *ctx) __attribute__((warn_unused_result));
/* Drops a deferral that an error answer must not wait for. */
void api_defer_cancel(struct http_reply *reply);

/* Formats an instant in the clinic's zone as a new JSON string. */
json_t *api_instant(int64_t t);
/* Writes "key": and the instant as api_instant formats it (util/jsonw.h). */
void api_put_instant(struct buf *b, bool *first, const char *key, int64_t t);
/* Writes "key": and the value v as JSON text. */
void api_put_json(struct buf *b, bool *first, const char *key, const json_t *v);
/* Writes the "created_at" and "updated_at" members of a record. */
void api_put_stamps(struct buf *b, bool *first, int64_t created_at, int64_t updated_at);
/* Writes "key": and v, or null when v is 0 (an id or a number that is not set). */
void api_put_int_or_null(struct buf *b, bool *first, const char *key, int64_t v);
/* A clinic-local day number as a "YYYY-MM-DD" member. */
void api_put_day(struct buf *b, bool *first, const char *key, int64_t day);

/* The HTTP entry point: routes, authenticates, checks roles and CSRF, parses the body and
 * calls the handler. */
void api_handle(const struct http_req *req, struct http_reply *reply);
/* The largest body a request may send: HTTP_MAX_UPLOAD for the routes that take an
 * upload, HTTP_MAX_BODY for every other (http_config's body_limit). */
size_t api_body_limit(const char *method, const char *path);

/* The route table (api/routes.c). */
extern const struct route api_routes[];
extern const size_t api_nroutes;

#endif
