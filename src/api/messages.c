/* The delivery log of patient messages (per appointment, per patient, the failed ones),
 * resending a failed message, and the test clock. */
#include <stdio.h>
#include <string.h>

#include "api/clinical.h"
#include "api/handlers.h"
#include "api/outbox.h"
#include "domain/messages.h"
#include "store/messages.h"
#include "store/schedule.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/jsonw.h"

#define LOG_MAX 500

static void put_time_or_null(struct buf *b, bool *first, const char *key, int64_t t)
{
	if (t) {
		api_put_instant(b, first, key, t);
	} else {
		jw_key(b, first, key);
		jw_raw(b, "null");
	}
}

static void msg_write(struct buf *b, const struct msg_row *m)
{
	bool first = true;
	jw_raw(b, "{");
	jw_put_int(b, &first, "id", m->id);
	jw_put_str(b, &first, "kind", msg_kind_name(m->kind));
	jw_put_str(b, &first, "channel", m->channel ? m->channel : "email");
	jw_put_str(b, &first, "recipient", m->recipient);
	jw_put_str(b, &first, "status", msg_status_name(m->status));
	jw_put_int(b, &first, "tries", m->tries);
	api_put_int_or_null(b, &first, "appointment_id", m->appointment_id);
	api_put_int_or_null(b, &first, "plan_id", m->plan_id);
	jw_put_int(b, &first, "patient_id", m->patient_id);
	jw_put_int(b, &first, "sequence", m->sequence);
	api_put_instant(b, &first, "due_at", m->due_at);
	put_time_or_null(b, &first, "next_try_at", m->status == MSG_QUEUED ? m->next_try_at : 0);
	put_time_or_null(b, &first, "sent_at", m->sent_at);
	put_time_or_null(b, &first, "link_used_at", m->link_used_at);
	api_put_instant(b, &first, "created_at", m->created_at);
	jw_put_str(b, &first, "last_error", m->last_error);
	jw_put_str(b, &first, "message_id", m->message_id);
	api_put_int_or_null(b, &first, "segments", m->segments);
	jw_raw(b, "}");
}

static int reply_list(struct api_ctx *ctx, const struct msg_filter *f)
{
	struct msg_row *list = NULL;
	size_t n = 0;
	int err = store_msg_list(ctx->db, f, &list, &n);
	if (err)
		return err;
	struct buf out;
	api_list_open(&out);
	for (size_t i = 0; i < n; i++) {
		if (i)
			jw_raw(&out, ",");
		msg_write(&out, &list[i]);
	}
	msg_rows_free(list, n);
	api_reply_text_list(ctx, &out, (int64_t)n);
	return 0;
}

int h_appointment_messages(struct api_ctx *ctx)
{
	struct appointment a;
	int64_t limit;
	int err = api_query_int(ctx, "limit", 1, LOG_MAX, 100, &limit);
	if (err || (err = store_appt_get(ctx->db, api_id(ctx, 0), &a)) != 0)
		return err;
	appointment_cleanup(&a);
	struct msg_filter f = {.appointment_id = api_id(ctx, 0), .limit = (int)limit};
	return reply_list(ctx, &f);
}

int h_patient_messages(struct api_ctx *ctx)
{
	int64_t limit;
	int err = api_query_int(ctx, "limit", 1, LOG_MAX, 100, &limit);
	if (err || (err = api_require_patient(ctx, api_id(ctx, 0), NULL, false)) != 0)
		return err;
	struct msg_filter f = {.patient_id = api_id(ctx, 0), .limit = (int)limit};
	return reply_list(ctx, &f);
}

int h_messages_list(struct api_ctx *ctx)
{
	int64_t limit;
	int err = api_query_int(ctx, "limit", 1, LOG_MAX, 100, &limit);
	if (err)
		return err;
	const char *status = http_req_query(ctx->req, "status");
	int st = status && *status ? msg_status_parse(status) : MSG_FAILED;
	if (!st)
		return api_fail(ctx, -ERR_VALIDATION_FAILED,
				"status is queued, sent, failed or cancelled.",
				json_pack("{s:s}", "field", "status"));
	struct msg_filter f = {.status = st, .limit = (int)limit};
	return reply_list(ctx, &f);
}

int h_messages_resend(struct api_ctx *ctx)
{
	static const char *const none[] = {NULL};
	int64_t id = api_id(ctx, 0), changed = 0;
	struct msg_row m;
	int err = ctx->body ? jin_only(ctx, ctx->body, none) : 0;
	if (err || (err = store_msg_get(ctx->db, id, &m)) != 0)
		return err;
	if (m.status != MSG_FAILED) {
		err = api_fail(ctx, -ERR_BAD_TRANSITION, "Only a failed message can be sent again.",
			       json_pack("{s:s}", "status", msg_status_name(m.status)));
		msg_row_cleanup(&m);
		return err;
	}
	msg_row_cleanup(&m);
	if ((err = store_msg_requeue(ctx->db, id, clock_now(), &changed)) != 0 ||
	    (err = api_audit(ctx, "resend", "message", id, NULL)) != 0 ||
	    (err = store_msg_get(ctx->db, id, &m)) != 0)
		return err;
	outbox_wake();
	struct buf b;
	buf_init(&b);
	msg_write(&b, &m);
	msg_row_cleanup(&m);
	api_reply_text(ctx, 200, &b);
	return 0;
}

int h_test_clock(struct api_ctx *ctx)
{
	static const char *const allowed[] = {"now", NULL};
	json_t *body;
	int64_t t;
	int err;
	if (!clock_test_enabled())
		return -ERR_NOT_FOUND;
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_instant(ctx, body, "now", true, &t, NULL)))
		return err;
	if (clock_set(t) != 0)
		return -ERR_NOT_FOUND;
	outbox_wake();
	api_reply(ctx, 200, json_pack("{s:o}", "now", api_instant(clock_now())));
	return 0;
}
