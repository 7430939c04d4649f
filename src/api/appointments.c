/* Appointments: booking and rescheduling under RULES.md rules 1-7, listing, and the
 * status changes (check-in, cancel, no-show, complete). Every check and the write run in
 * one write transaction, so concurrent bookings cannot both take a slot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/clinical.h"
#include "api/followup.h"
#include "api/handlers.h"
#include "api/outbox.h"
#include "domain/booking.h"
#include "store/booking.h"
#include "store/schedule.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/xalloc.h"

#define LIST_MAX      2000
#define LIST_MAX_DAYS 92

void appt_write(struct buf *b, const struct appt_view *v, bool names, const json_t *cautions,
		const json_t *warnings)
{
	const struct appointment *a = &v->a;
	bool first = true;
	jw_raw(b, "{");
	jw_put_int(b, &first, "id", a->id);
	jw_put_int(b, &first, "patient_id", a->patient_id);
	jw_put_str(b, &first, "kind", appt_kind_name(a->kind));
	jw_put_int(b, &first, "practitioner_id", a->practitioner_id);
	jw_put_int(b, &first, "room_id", a->room_id);
	api_put_instant(b, &first, "start", a->start);
	api_put_instant(b, &first, "end", a->end);
	jw_put_str(b, &first, "status", appt_status_name(a->status));
	jw_put_bool(b, &first, "late_cancel", a->late_cancel);
	api_put_stamps(b, &first, a->created_at, a->updated_at);
	api_put_int_or_null(b, &first, "plan_id", a->plan_id);
	api_put_int_or_null(b, &first, "session_number", a->session_number);
	jw_put_str(b, &first, "override_reason", a->override_reason);
	jw_put_str(b, &first, "cancel_reason", a->cancel_reason);
	jw_put_str(b, &first, "notes", a->notes);
	if (a->status_at) {
		api_put_instant(b, &first, "status_changed_at", a->status_at);
	} else {
		jw_key(b, &first, "status_changed_at");
		jw_raw(b, "null");
	}
	api_put_int_or_null(b, &first, "status_changed_by", a->status_by);
	if (a->confirmed_at) {
		api_put_instant(b, &first, "confirmed_at", a->confirmed_at);
	} else {
		jw_key(b, &first, "confirmed_at");
		jw_raw(b, "null");
	}
	if (names) {
		jw_key(b, &first, "patient_name");
		jw_str_pair(b, v->patient_first, v->patient_last);
		jw_put_str(b, &first, "patient_mrn", v->patient_mrn ? v->patient_mrn : "");
		if (v->with_phone)
			jw_put_str(b, &first, "patient_phone", v->patient_phone);
		jw_put_str(b, &first, "practitioner_name",
			   v->practitioner_name ? v->practitioner_name : "");
		jw_put_str(b, &first, "room_name", v->room_name ? v->room_name : "");
		jw_put_str(b, &first, "treatment_type", v->treatment_type);
		jw_key(b, &first, "session_label");
		if (a->session_number && v->planned_sessions) {
			/* "2 of 3": digits and spaces, nothing to escape. */
			jw_raw(b, "\"");
			jw_int(b, a->session_number);
			jw_raw(b, " of ");
			jw_int(b, v->planned_sessions);
			jw_raw(b, "\"");
			jw_put_int(b, &first, "planned_sessions", v->planned_sessions);
		} else {
			jw_raw(b, "null");
		}
	}
	if (cautions)
		api_put_json(b, &first, "cautions", cautions);
	if (warnings)
		api_put_json(b, &first, "warnings", warnings);
	jw_raw(b, "}");
}

/* Answers with appointment a as stored (no names), and the request's warnings when asked
 * for (always on a booking: [] when there are none). */
static void reply_appt(struct api_ctx *ctx, int status, const struct appointment *a,
		       bool with_warnings)
{
	struct appt_view v;
	memset(&v, 0, sizeof v);
	v.a = *a;
	json_t *none = with_warnings && !ctx->warnings ? json_array() : NULL;
	struct buf b;
	buf_init(&b);
	appt_write(&b, &v, false, NULL,
		   with_warnings ? (ctx->warnings ? ctx->warnings : none) : NULL);
	json_decref(none);
	api_reply_text(ctx, status, &b);
}

/* Answers with appointment id as it is stored now, read into a (freed by the caller). */
static int reply_stored(struct api_ctx *ctx, int64_t id, struct appointment *a)
{
	appointment_cleanup(a);
	int err = store_appt_get(ctx->db, id, a);
	if (!err)
		reply_appt(ctx, 200, a, false);
	return err;
}

static const char *const party_names[BOOK_PARTIES] = {"practitioner", "room", "patient"};

/* Turns a verdict into the refusal's details and the answer's warnings. */
static int render_verdict(struct api_ctx *ctx, const struct booking_request *r,
			  const struct booking_facts *f, const struct booking_verdict *v)
{
	const struct gate_result *g = &v->gate;
	if (v->warnings & BOOK_WARN_CAUTION)
		api_warn(ctx, "caution", condition_list_json(ctx, g->cautions, g->ncautions));
	if (v->warnings & BOOK_WARN_BEYOND_MAX_PREV)
		api_warn(ctx, "spacing_beyond_max",
			 json_pack("{s:o}", "latest", day_json(v->spacing.latest_day)));
	if (v->warnings & BOOK_WARN_BEYOND_MAX_NEXT)
		api_warn(ctx, "spacing_beyond_max",
			 json_pack("{s:o, s:s}", "latest", day_json(v->next_latest_day), "side",
				   "next"));
	if (v->warnings & BOOK_WARN_CONSENT_MISSING)
		api_warn(ctx, "consent_missing",
			 json_pack("{s:s}", "treatment_type", f->plan.treatment_type));
	json_t *d = NULL;
	switch (v->refusal) {
	case 0:
		return 0;
	case -ERR_VALIDATION_FAILED:
		return api_fail_field(ctx, v->field, v->message);
	case -ERR_BAD_TRANSITION:
		d = json_pack("{s:s}", "status", appt_status_name(r->moving_status));
		break;
	case -ERR_PLAN_NOT_ACTIVE:
		d = json_pack("{s:s}", "status", plan_status_name(f->plan.status));
		break;
	case -ERR_PLAN_FULL:
		d = json_pack("{s:i, s:i}", "planned", f->plan.planned_sessions, "booked",
			      f->progress.holding);
		break;
	case -ERR_CONTRAINDICATED: {
		d = condition_list_json(ctx, g->blocked, g->nblocked);
		json_t *needs = condition_list_json(ctx, g->needs_clearance, g->nneeds_clearance);
		json_object_set(d, "needs_clearance", json_object_get(needs, "conditions"));
		json_decref(needs);
		break;
	}
	case -ERR_SPACING_TOO_SHORT:
		d = json_pack("{s:i}", "min_interval_days", f->plan.min_interval_days);
		if (v->spacing.too_close_prev) {
			json_object_set_new(d, "earliest", day_json(v->spacing.earliest_day));
			json_object_set_new(d, "previous_start", api_instant(f->prev_start));
		}
		if (v->spacing.too_close_next) {
			json_object_set_new(d, "latest", day_json(v->spacing.next_latest_day));
			json_object_set_new(d, "next_start", api_instant(f->next_start));
		}
		break;
	case -ERR_OUTSIDE_HOURS:
		d = json_pack("{s:I}", "practitioner_id", (json_int_t)r->practitioner_id);
		break;
	case -ERR_CONFLICT:
		d = json_pack("{s:I, s:s}", "appointment_id", (json_int_t)v->conflict_id, "with",
			      party_names[v->conflict_with]);
		break;
	case -ERR_ROOM_UNSUITABLE:
		d = json_pack("{s:I, s:s, s:s}", "room_id", (json_int_t)r->room_id, "room_kind",
			      room_kind_name(f->room_kind), "needs", room_kind_name(v->room_need));
		break;
	default:
		break;
	}
	return api_fail(ctx, v->refusal, v->message, d);
}

/* Loads the facts of request r, asks the rules and renders their verdict; 0 when the
 * booking may be written (r->end is then set, and *v says which overrides it used). */
static int decide(struct api_ctx *ctx, struct booking_request *r, int64_t exclude_id,
		  struct booking_verdict *v)
{
	struct booking_facts f;
	r->role = (unsigned)ctx->me.role;
	r->now = clock_now();
	int err = store_booking_facts(ctx->db, r, exclude_id, &f);
	if (err)
		return err;
	if (r->end_defaulted)
		r->end = rules_booking_end(r, &f);
	rules_booking(r, &f, v);
	err = render_verdict(ctx, r, &f, v);
	booking_facts_cleanup(&f);
	return err;
}

/* Records the overrides a booking used, each as its own audit event. */
static int audit_overrides(struct api_ctx *ctx, int64_t appt_id, const struct booking_verdict *v)
{
	int err = 0;
	if (v->spacing_override)
		err = api_audit(ctx, "override", "appointment", appt_id, "spacing");
	if (!err && v->hours_override)
		err = api_audit(ctx, "override", "appointment", appt_id, "hours");
	if (!err && v->room_override)
		err = api_audit(ctx, "override", "appointment", appt_id, "room");
	return err;
}

int h_appointments_create(struct api_ctx *ctx)
{
	static const char *const allowed[] = {
	    "patient_id", "kind",    "practitioner_id", "room_id", "start",
	    "end",	  "plan_id", "override_reason", "notes",   NULL};
	json_t *body;
	const char *kind, *reason, *notes;
	struct booking_request r;
	bool has_end, has_plan;
	int err;
	memset(&r, 0, sizeof r);
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_int(ctx, body, "patient_id", true, 1, INT64_MAX, &r.patient_id, NULL)) ||
	    (err = jin_str(ctx, body, "kind", true, 1, 20, &kind)) ||
	    (err = jin_int(ctx, body, "practitioner_id", true, 1, INT64_MAX, &r.practitioner_id,
			   NULL)) ||
	    (err = jin_int(ctx, body, "room_id", true, 1, INT64_MAX, &r.room_id, NULL)) ||
	    (err = jin_instant(ctx, body, "start", true, &r.start, NULL)) ||
	    (err = jin_instant(ctx, body, "end", false, &r.end, &has_end)) ||
	    (err = jin_int(ctx, body, "plan_id", false, 1, INT64_MAX, &r.plan_id, &has_plan)) ||
	    (err = jin_str(ctx, body, "override_reason", false, 0, 500, &reason)) ||
	    (err = jin_str(ctx, body, "notes", false, 0, 1000, &notes)))
		return err;
	r.kind = appt_kind_parse(kind);
	if (!r.kind)
		return api_fail_field(ctx, "kind", "kind is consultation, treatment or review.");
	const char *why;
	if (rules_plan_link(r.kind, has_plan, &why) != 0)
		return api_fail_field(ctx, "plan_id", why);
	if (reason && !*reason)
		reason = NULL;
	r.has_override = reason != NULL;
	r.end_defaulted = !has_end;

	struct booking_verdict v;
	if ((err = decide(ctx, &r, 0, &v)) != 0)
		return err;
	struct appointment a = {
	    .patient_id = r.patient_id,
	    .plan_id = r.plan_id,
	    .kind = r.kind,
	    .practitioner_id = r.practitioner_id,
	    .room_id = r.room_id,
	    .start = r.start,
	    .end = r.end,
	    .status = APPT_BOOKED,
	    .override_reason = (char *)reason,
	    .notes = (char *)notes,
	    .created_at = clock_now(),
	    .created_by = ctx->me.id,
	};
	err = store_appt_insert(ctx->db, &a);
	if (!err && a.plan_id)
		err = store_appt_renumber(ctx->db, a.plan_id);
	if (!err)
		err = api_audit(ctx, "create", "appointment", a.id, kind);
	if (!err)
		err = audit_overrides(ctx, a.id, &v);
	if (!err)
		err = api_outbox_appointment(ctx, &a, OUTBOX_BOOKED);
	if (!err && a.plan_id)
		err = api_followup_booked(ctx, a.plan_id);
	struct appointment saved;
	memset(&saved, 0, sizeof saved);
	if (!err)
		err = store_appt_get(ctx->db, a.id, &saved);
	if (!err) {
		api_set_location(ctx, "/api/v1/appointments/", a.id, "");
		reply_appt(ctx, 201, &saved, true);
	}
	appointment_cleanup(&saved);
	return err;
}

int h_appointments_get(struct api_ctx *ctx)
{
	struct appointment a;
	int err = store_appt_get(ctx->db, api_id(ctx, 0), &a);
	if (err)
		return err;
	reply_appt(ctx, 200, &a, false);
	appointment_cleanup(&a);
	return 0;
}

/* Reads ?date= (a clinic-local day) or ?from=&to= (dates or instants) into [from, to). */
static int query_range(struct api_ctx *ctx, int64_t *from, int64_t *to)
{
	const char *date = http_req_query(ctx->req, "date");
	const char *f = http_req_query(ctx->req, "from"), *t = http_req_query(ctx->req, "to");
	struct cdate d;
	if (date && (f || t))
		return api_fail(ctx, -ERR_VALIDATION_FAILED,
				"Ask for one day (date) or a range (from, to), not both.",
				json_pack("{s:s}", "field", "date"));
	if (date && *date) {
		if (dates_parse_date(date, &d) != 0 || !dates_date_on_wire(&d))
			return api_fail(ctx, -ERR_VALIDATION_FAILED,
					"date is YYYY-MM-DD, between 1900 and 2200.",
					json_pack("{s:s}", "field", "date"));
		*from = dates_local_to_instant(dates_to_days(&d), 0);
		*to = dates_local_to_instant(dates_to_days(&d) + 1, 0);
		return 0;
	}
	if (!f || !t || !*f || !*t) {
		/* Without a range: today and the next 7 days. */
		int64_t today = dates_local_day(clock_now());
		*from = dates_local_to_instant(today, 0);
		*to = dates_local_to_instant(today + 8, 0);
		if (!f && !t)
			return 0;
	}
	const char *names[2] = {"from", "to"};
	const char *vals[2] = {f, t};
	int64_t *outs[2] = {from, to};
	for (int i = 0; i < 2; i++) {
		if (!vals[i] || !*vals[i])
			continue;
		bool ok;
		if (dates_parse_date(vals[i], &d) == 0) {
			ok = dates_date_on_wire(&d);
			*outs[i] = dates_local_to_instant(dates_to_days(&d) + i, 0);
		} else {
			ok = dates_parse_instant(vals[i], outs[i]) == 0 && dates_on_wire(*outs[i]);
		}
		if (!ok)
			return api_fail(ctx, -ERR_VALIDATION_FAILED,
					"from and to are dates (YYYY-MM-DD) or RFC 3339 times, "
					"between 1900 and 2200.",
					json_pack("{s:s}", "field", names[i]));
	}
	if (*to <= *from || *to - *from > (int64_t)LIST_MAX_DAYS * 86400)
		return api_fail(ctx, -ERR_VALIDATION_FAILED,
				"The range runs forwards and spans at most 92 days.",
				json_pack("{s:s}", "field", "to"));
	return 0;
}

int h_appointments_list(struct api_ctx *ctx)
{
	struct appt_filter f;
	int64_t limit;
	int err;
	memset(&f, 0, sizeof f);
	if ((err = query_range(ctx, &f.from, &f.to)) ||
	    (err = api_query_int(ctx, "practitioner_id", 1, INT64_MAX, 0, &f.practitioner_id)) ||
	    (err = api_query_int(ctx, "room_id", 1, INT64_MAX, 0, &f.room_id)) ||
	    (err = api_query_int(ctx, "patient_id", 1, INT64_MAX, 0, &f.patient_id)) ||
	    (err = api_query_int(ctx, "plan_id", 1, INT64_MAX, 0, &f.plan_id)) ||
	    (err = api_query_int(ctx, "limit", 1, LIST_MAX, 500, &limit)))
		return err;
	/* A patient's or plan's history spans years: widen the range for those. */
	if ((f.patient_id || f.plan_id) && !http_req_query(ctx->req, "date") &&
	    !http_req_query(ctx->req, "from")) {
		f.from = INT64_MIN / 2;
		f.to = INT64_MAX / 2;
	}
	f.limit = (int)limit;
	struct appt_view *list = NULL;
	size_t n = 0;
	if ((err = store_appt_list(ctx->db, &f, &list, &n)) != 0)
		return err;
	struct buf out;
	api_list_open(&out);
	for (size_t i = 0; i < n; i++) {
		if (i)
			jw_raw(&out, ",");
		appt_write(&out, &list[i], true, NULL, NULL);
	}
	appt_views_free(list, n);
	/* Names and treatments in a list: one read of schedule data, with the count. */
	char detail[32];
	snprintf(detail, sizeof detail, "count=%zu", n);
	if (f.patient_id) {
		snprintf(detail, sizeof detail, "appointments count=%zu", n);
		api_read_event(ctx, NULL, "patient", f.patient_id, detail);
	} else {
		api_read_event(ctx, NULL, "appointment_list", 0, detail);
	}
	api_reply_text_list(ctx, &out, (int64_t)n);
	return 0;
}

int h_appointments_patch(struct api_ctx *ctx)
{
	static const char *const not_null[] = {"start", "end", "practitioner_id", "room_id", NULL};
	static const char *const allowed[] = {
	    "start", "end", "practitioner_id", "room_id", "override_reason", "notes", NULL};
	json_t *body;
	const char *reason, *notes;
	int64_t start = 0, end = 0, prac = 0, room = 0;
	bool has_start, has_end, has_prac, has_room;
	int err;
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_no_null(ctx, body, not_null)) ||
	    (err = jin_instant(ctx, body, "start", false, &start, &has_start)) ||
	    (err = jin_instant(ctx, body, "end", false, &end, &has_end)) ||
	    (err = jin_int(ctx, body, "practitioner_id", false, 1, INT64_MAX, &prac, &has_prac)) ||
	    (err = jin_int(ctx, body, "room_id", false, 1, INT64_MAX, &room, &has_room)) ||
	    (err = jin_str(ctx, body, "override_reason", false, 0, 500, &reason)) ||
	    (err = jin_str(ctx, body, "notes", false, 0, 1000, &notes)))
		return err;
	if (reason && !*reason)
		reason = NULL;
	struct appointment a;
	int64_t id = api_id(ctx, 0);
	if ((err = store_appt_get(ctx->db, id, &a)) != 0)
		return err;
	bool moves = has_start || has_end || has_prac || has_room;
	struct booking_verdict v;
	memset(&v, 0, sizeof v);
	if (moves) {
		/* Rescheduling re-checks every rule, excluding the appointment itself. */
		struct booking_request r = {
		    .kind = a.kind,
		    .patient_id = a.patient_id,
		    .plan_id = a.plan_id,
		    .practitioner_id = has_prac ? prac : a.practitioner_id,
		    .room_id = has_room ? room : a.room_id,
		    .start = has_start ? start : a.start,
		    .end = has_end ? end : (has_start ? start + (a.end - a.start) : a.end),
		    .has_override = reason != NULL,
		    .moving_status = a.status,
		};
		if ((err = decide(ctx, &r, id, &v)) != 0)
			goto out;
		a.practitioner_id = r.practitioner_id;
		a.room_id = r.room_id;
		a.start = r.start;
		a.end = r.end;
		if (reason) {
			free(a.override_reason);
			a.override_reason = xstrdup(reason);
		}
	}
	if (json_object_get(body, "notes")) {
		free(a.notes);
		a.notes = xstrdup_or_null(notes);
	}
	a.updated_at = clock_now();
	err = store_appt_update(ctx->db, &a);
	if (!err && a.plan_id)
		err = store_appt_renumber(ctx->db, a.plan_id);
	if (!err)
		err = api_audit(ctx, moves ? "reschedule" : "update", "appointment", id, NULL);
	if (!err && moves)
		err = audit_overrides(ctx, id, &v);
	if (!err && moves)
		err = api_outbox_appointment(ctx, &a, OUTBOX_MOVED);
	if (!err)
		err = reply_stored(ctx, id, &a);
out:
	appointment_cleanup(&a);
	return err;
}

int api_appt_set_status(struct api_ctx *ctx, struct appointment *a, int to, const char *reason,
			const char *detail)
{
	bool late = false;
	int64_t now = clock_now();
	int err = rules_transition(a->kind, a->status, to, now, a->start, false, &late);
	if (err) {
		const char *msg = "The appointment cannot change to that status.";
		if (to == APPT_NO_SHOW && a->status == APPT_BOOKED)
			msg = "A no-show can be recorded only after the start time.";
		else if (to == APPT_COMPLETED && a->kind == KIND_TREATMENT)
			msg = "A treatment is completed by signing its session record.";
		return api_fail(ctx, err, msg,
				json_pack("{s:s, s:s}", "from", appt_status_name(a->status), "to",
					  appt_status_name(to)));
	}
	a->status = to;
	a->status_at = now;
	a->status_by = ctx->me.id;
	if (to == APPT_CANCELLED) {
		a->late_cancel = late;
		free(a->cancel_reason);
		a->cancel_reason = xstrdup_or_null(reason);
	}
	a->updated_at = now;
	err = store_appt_update(ctx->db, a);
	if (!err)
		err = api_audit(ctx, appt_status_name(to), "appointment", a->id,
				detail			       ? detail
				: to == APPT_CANCELLED && late ? "late"
							       : NULL);
	if (!err && a->plan_id)
		err = plan_sessions_changed(ctx, a->plan_id);
	if (!err)
		err = api_outbox_appointment(ctx, a,
					     to == APPT_CANCELLED ? OUTBOX_CANCELLED : OUTBOX_DONE);
	return err;
}

/* Moves the path's appointment to status to; reason is kept for cancellations. An
 * archived patient's appointments change no more (their future ones were cancelled
 * when the patient was archived). */
static int change_status(struct api_ctx *ctx, int to, const char *reason)
{
	struct appointment a;
	int64_t id = api_id(ctx, 0);
	int err = store_appt_get(ctx->db, id, &a);
	if (err)
		return err;
	if ((err = api_require_patient(ctx, a.patient_id, NULL, true)) == 0 &&
	    (err = api_appt_set_status(ctx, &a, to, reason, NULL)) == 0)
		err = reply_stored(ctx, id, &a);
	appointment_cleanup(&a);
	return err;
}

static int no_fields(struct api_ctx *ctx)
{
	static const char *const none[] = {NULL};
	return ctx->body ? jin_only(ctx, ctx->body, none) : 0;
}

int h_appointments_check_in(struct api_ctx *ctx)
{
	int err = no_fields(ctx);
	return err ? err : change_status(ctx, APPT_CHECKED_IN, NULL);
}

int h_appointments_cancel(struct api_ctx *ctx)
{
	static const char *const allowed[] = {"reason", NULL};
	const char *reason = NULL;
	int err;
	if (ctx->body && ((err = jin_only(ctx, ctx->body, allowed)) ||
			  (err = jin_str(ctx, ctx->body, "reason", false, 0, 500, &reason))))
		return err;
	return change_status(ctx, APPT_CANCELLED, reason);
}

int h_appointments_no_show(struct api_ctx *ctx)
{
	int err = no_fields(ctx);
	return err ? err : change_status(ctx, APPT_NO_SHOW, NULL);
}

int h_appointments_complete(struct api_ctx *ctx)
{
	int err = no_fields(ctx);
	return err ? err : change_status(ctx, APPT_COMPLETED, NULL);
}

/* Refuses an undo that rules_undo does not allow, saying why. */
static int refuse_undo(struct api_ctx *ctx, int err, const struct appointment *a)
{
	switch (err) {
	case -ERR_UNDO_NOT_YOURS:
		return api_fail(ctx, err, "Only the user who made the change can undo it.",
				json_pack("{s:s}", "status", appt_status_name(a->status)));
	case -ERR_UNDO_EXPIRED:
		return api_fail(ctx, err,
				"A check-in, no-show or cancellation can be undone only within 5 "
				"minutes.",
				json_pack("{s:s, s:o, s:i}", "status", appt_status_name(a->status),
					  "changed_at", api_instant(a->status_at), "window_s",
					  UNDO_WINDOW_S));
	default:
		return api_fail(ctx, err, "Only a check-in, no-show or cancellation can be undone.",
				json_pack("{s:s}", "status", appt_status_name(a->status)));
	}
}

int h_appointments_undo(struct api_ctx *ctx)
{
	struct appointment a;
	int64_t id = api_id(ctx, 0), now = clock_now();
	int err = no_fields(ctx);
	if (err || (err = store_appt_get(ctx->db, id, &a)) != 0)
		return err;
	if ((err = api_require_patient(ctx, a.patient_id, NULL, true)) != 0)
		goto out;
	struct undo_input in = {a.status, a.status_at, a.status_by, ctx->me.id, now};
	if ((err = rules_undo(&in)) != 0) {
		err = refuse_undo(ctx, err, &a);
		goto out;
	}
	int from = a.status;
	if (!appt_status_holds(from)) {
		/* The time was given up: it must still be free, and the plan still have room. */
		struct booking_request r = {
		    .kind = a.kind,
		    .patient_id = a.patient_id,
		    .plan_id = a.plan_id,
		    .practitioner_id = a.practitioner_id,
		    .room_id = a.room_id,
		    .start = a.start,
		    .end = a.end,
		    .role = (unsigned)ctx->me.role,
		    .now = now,
		};
		struct booking_facts f;
		struct booking_verdict v;
		if ((err = store_booking_facts(ctx->db, &r, id, &f)) != 0)
			goto out;
		rules_undo_booking(&r, &f, &v);
		err = render_verdict(ctx, &r, &f, &v);
		booking_facts_cleanup(&f);
		if (err)
			goto out;
	}
	a.status = APPT_BOOKED;
	a.late_cancel = false;
	free(a.cancel_reason);
	a.cancel_reason = NULL;
	a.updated_at = a.status_at = now;
	a.status_by = ctx->me.id;
	err = store_appt_update(ctx->db, &a);
	if (!err)
		err = api_audit(ctx, "undo", "appointment", id, appt_status_name(from));
	if (!err && a.plan_id)
		err = plan_sessions_changed(ctx, a.plan_id);
	if (!err && from == APPT_CANCELLED)
		err = api_outbox_appointment(ctx, &a, OUTBOX_RESTORED);
	if (!err && from == APPT_CANCELLED && a.plan_id)
		err = api_followup_booked(ctx, a.plan_id);
	if (!err)
		err = reply_stored(ctx, id, &a);
out:
	appointment_cleanup(&a);
	return err;
}

int api_each_appointment(struct api_ctx *ctx, struct appt_filter f,
			 int (*fn)(struct api_ctx *ctx, const struct appt_view *v, void *arg),
			 void *arg)
{
	/* The next page starts at the last start read; the appointments already seen at that
	 * instant are skipped. */
	int64_t *seen = NULL;
	size_t nseen = 0;
	int err = 0;
	for (;;) {
		struct appt_view *list = NULL;
		size_t n = 0;
		if ((err = store_appt_list(ctx->db, &f, &list, &n)) != 0)
			break;
		for (size_t i = 0; !err && i < n; i++) {
			bool again = false;
			for (size_t k = 0; k < nseen && !again; k++)
				again = seen[k] == list[i].a.id;
			if (!again)
				err = fn(ctx, &list[i], arg);
		}
		bool more = !err && n == (size_t)f.limit && list[n - 1].a.start > f.from;
		if (more) {
			f.from = list[n - 1].a.start;
			nseen = 0;
			seen = xrealloc(seen, n * sizeof *seen);
			for (size_t i = 0; i < n; i++)
				if (list[i].a.start == f.from)
					seen[nseen++] = list[i].a.id;
		}
		appt_views_free(list, n);
		if (!more)
			break;
	}
	free(seen);
	return err;
}
