/* Appointments: booking and rescheduling under rules 1-7 of SPEC §3, listing, and the
 * status changes (check-in, cancel, no-show, complete). Every check and the write run in
 * one write transaction, so concurrent bookings cannot both take a slot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/clinical.h"
#include "api/handlers.h"
#include "store/catalog.h"
#include "store/clinic.h"
#include "store/patients.h"
#include "store/schedule.h"
#include "store/users.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/xalloc.h"

#define LIST_MAX      2000
#define LIST_MAX_DAYS 92

static json_t *appt_json(const struct appointment *a)
{
	json_t *o = json_pack(
	    "{s:I, s:I, s:s, s:I, s:I, s:o, s:o, s:s, s:b, s:o, s:o}", "id", (json_int_t)a->id,
	    "patient_id", (json_int_t)a->patient_id, "kind", appt_kind_name(a->kind),
	    "practitioner_id", (json_int_t)a->practitioner_id, "room_id", (json_int_t)a->room_id,
	    "start", api_instant(a->start), "end", api_instant(a->end), "status",
	    appt_status_name(a->status), "late_cancel", a->late_cancel, "created_at",
	    api_instant(a->created_at), "updated_at", api_instant(a->updated_at));
	json_object_set_new(o, "plan_id", a->plan_id ? json_integer(a->plan_id) : json_null());
	json_object_set_new(o, "session_number",
			    a->session_number ? json_integer(a->session_number) : json_null());
	json_object_set_new(o, "override_reason",
			    a->override_reason ? json_string(a->override_reason) : json_null());
	json_object_set_new(o, "cancel_reason",
			    a->cancel_reason ? json_string(a->cancel_reason) : json_null());
	json_object_set_new(o, "notes", a->notes ? json_string(a->notes) : json_null());
	return o;
}

json_t *appt_view_json(const struct appt_view *v)
{
	json_t *o = appt_json(&v->a);
	char name[1024]; /* two names of up to 100 characters, 4 bytes each */
	snprintf(name, sizeof name, "%s %s", v->patient_first ? v->patient_first : "",
		 v->patient_last ? v->patient_last : "");
	json_object_set_new(o, "patient_name", json_string(name));
	json_object_set_new(o, "patient_mrn", json_string(v->patient_mrn ? v->patient_mrn : ""));
	json_object_set_new(o, "practitioner_name",
			    json_string(v->practitioner_name ? v->practitioner_name : ""));
	json_object_set_new(o, "room_name", json_string(v->room_name ? v->room_name : ""));
	json_object_set_new(o, "treatment_type",
			    v->treatment_type ? json_string(v->treatment_type) : json_null());
	if (v->a.session_number && v->planned_sessions) {
		snprintf(name, sizeof name, "%d of %d", v->a.session_number, v->planned_sessions);
		json_object_set_new(o, "session_label", json_string(name));
		json_object_set_new(o, "planned_sessions", json_integer(v->planned_sessions));
	} else {
		json_object_set_new(o, "session_label", json_null());
	}
	return o;
}

void appt_view_write(struct buf *b, const struct appt_view *v, const json_t *cautions)
{
	const struct appointment *a = &v->a;
	bool first = true;
	jw_raw(b, "{");
	jw_key(b, &first, "id");
	jw_int(b, a->id);
	jw_key(b, &first, "patient_id");
	jw_int(b, a->patient_id);
	jw_key(b, &first, "kind");
	jw_str(b, appt_kind_name(a->kind));
	jw_key(b, &first, "practitioner_id");
	jw_int(b, a->practitioner_id);
	jw_key(b, &first, "room_id");
	jw_int(b, a->room_id);
	api_put_instant(b, &first, "start", a->start);
	api_put_instant(b, &first, "end", a->end);
	jw_key(b, &first, "status");
	jw_str(b, appt_status_name(a->status));
	jw_key(b, &first, "late_cancel");
	jw_bool(b, a->late_cancel);
	api_put_instant(b, &first, "created_at", a->created_at);
	api_put_instant(b, &first, "updated_at", a->updated_at);
	api_put_int_or_null(b, &first, "plan_id", a->plan_id);
	api_put_int_or_null(b, &first, "session_number", a->session_number);
	jw_key(b, &first, "override_reason");
	jw_str(b, a->override_reason);
	jw_key(b, &first, "cancel_reason");
	jw_str(b, a->cancel_reason);
	jw_key(b, &first, "notes");
	jw_str(b, a->notes);
	jw_key(b, &first, "patient_name");
	jw_str_pair(b, v->patient_first, v->patient_last);
	jw_key(b, &first, "patient_mrn");
	jw_str(b, v->patient_mrn ? v->patient_mrn : "");
	jw_key(b, &first, "practitioner_name");
	jw_str(b, v->practitioner_name ? v->practitioner_name : "");
	jw_key(b, &first, "room_name");
	jw_str(b, v->room_name ? v->room_name : "");
	jw_key(b, &first, "treatment_type");
	jw_str(b, v->treatment_type);
	jw_key(b, &first, "session_label");
	if (a->session_number && v->planned_sessions) {
		/* "2 of 3": digits and spaces, nothing to escape. */
		jw_raw(b, "\"");
		jw_int(b, a->session_number);
		jw_raw(b, " of ");
		jw_int(b, v->planned_sessions);
		jw_raw(b, "\"");
		jw_key(b, &first, "planned_sessions");
		jw_int(b, v->planned_sessions);
	} else {
		jw_raw(b, "null");
	}
	if (cautions) {
		char *dumped = json_dumps(cautions, JSON_COMPACT);
		jw_key(b, &first, "cautions");
		jw_raw(b, dumped ? dumped : "[]");
		free(dumped);
	}
	jw_raw(b, "}");
}

/* What a booking check learned, beyond pass or fail. */
struct booking_outcome {
	bool spacing_override;
	bool hours_override;
};

static int require_room(struct api_ctx *ctx, int64_t id)
{
	struct room r;
	int err = store_room_get(ctx->db, id, &r);
	if (err == -ERR_NOT_FOUND)
		return api_fail_field(ctx, "room_id", "No such room.");
	if (err)
		return err;
	bool ok = r.active;
	room_cleanup(&r);
	return ok ? 0 : api_fail_field(ctx, "room_id", "That room is not in use.");
}

static void warn_conditions(struct api_ctx *ctx, const char *code, const char *const *codes,
			    size_t n)
{
	api_warn(ctx, code, condition_list_json(ctx, codes, n));
}

/*
 * Checks a new or moved appointment a (a->id 0 for a new one) against rules 1-6, in the
 * order a clinic would explain them: the plan, the patient's safety, the spacing, the
 * practitioner's hours, and finally the clock (conflicts). Adds warnings to ctx.
 */
static int check_booking(struct api_ctx *ctx, struct appointment *a, const char *override_reason,
			 struct booking_outcome *out)
{
	struct plan p;
	struct plan_progress prog;
	struct gate_eval g;
	int err;
	bool have_override = override_reason && *override_reason;
	memset(&p, 0, sizeof p);
	memset(&g, 0, sizeof g);
	memset(out, 0, sizeof *out);

	if ((err = require_patient(ctx, a->patient_id, true)) != 0)
		return err == -ERR_NOT_FOUND ? api_fail_field(ctx, "patient_id", "No such patient.")
					     : err;
	if ((err = require_practitioner(ctx, a->practitioner_id, "practitioner_id")) != 0 ||
	    (err = require_room(ctx, a->room_id)) != 0)
		return err;

	if (a->plan_id) {
		err = store_plan_get(ctx->db, a->plan_id, &p);
		if (err == -ERR_NOT_FOUND)
			return api_fail_field(ctx, "plan_id", "No such plan.");
		if (err)
			return err;
		if (p.patient_id != a->patient_id) {
			err =
			    api_fail_field(ctx, "plan_id", "The plan belongs to another patient.");
			goto out;
		}
		/* Rule 4: only an active plan takes bookings, and never more than planned. */
		if (p.status != PLAN_ACTIVE) {
			err = api_fail(ctx, -ERR_PLAN_NOT_ACTIVE, "The plan is not active.",
				       json_pack("{s:s}", "status", plan_status_name(p.status)));
			goto out;
		}
		if ((err = store_plan_progress(ctx->db, p.id, a->id, &prog)) != 0)
			goto out;
		if (prog.holding >= p.planned_sessions) {
			err = api_fail(ctx, -ERR_PLAN_FULL,
				       "Every planned session is already booked.",
				       json_pack("{s:i, s:i}", "planned", p.planned_sessions,
						 "booked", prog.holding));
			goto out;
		}
	}

	/* Rules 1 and 2. */
	if ((err = evaluate_gate(ctx, a->patient_id, a->kind, a->start, &g)) != 0)
		goto out;
	if (g.verdict == -ERR_CONTRAINDICATED) {
		json_t *d = condition_list_json(ctx, g.res.blocked, g.res.nblocked);
		json_t *needs =
		    condition_list_json(ctx, g.res.needs_clearance, g.res.nneeds_clearance);
		json_object_set(d, "needs_clearance", json_object_get(needs, "conditions"));
		json_decref(needs);
		err = api_fail(ctx, g.verdict,
			       g.res.nblocked ? "The patient's screening rules out treatment."
					      : "A doctor's clearance must be recorded first.",
			       d);
		goto out;
	}
	if (g.verdict == -ERR_UNDERAGE) {
		err = api_fail(ctx, g.verdict, "The patient is under 18 on the appointment's date.",
			       NULL);
		goto out;
	}
	if (g.verdict == -ERR_SCREENING_REQUIRED) {
		err = api_fail(ctx, g.verdict,
			       "The patient needs a screening before a treatment can be booked.",
			       NULL);
		goto out;
	}
	if (g.res.ncautions)
		warn_conditions(ctx, "caution", g.res.cautions, g.res.ncautions);

	/* Rule 3, against both neighbours. */
	if (a->kind == KIND_TREATMENT) {
		int64_t prev = 0, next = 0;
		struct spacing_result sr;
		struct spacing_input si;
		if ((err = store_appt_neighbours(ctx->db, p.id, a->start, a->id, &prev, &next)) !=
		    0)
			goto out;
		si.start = a->start;
		si.prev_start = prev;
		si.next_start = next;
		si.min_days = p.min_interval_days;
		si.max_days = p.max_interval_days;
		if (rules_spacing(&si, &sr) != 0) {
			if (have_override && api_role(ctx, ROLE_PRACTITIONER | ROLE_ADMIN)) {
				out->spacing_override = true;
			} else {
				json_t *d =
				    json_pack("{s:i}", "min_interval_days", p.min_interval_days);
				if (sr.too_close_prev) {
					json_object_set_new(d, "earliest",
							    day_json(sr.earliest_day));
					json_object_set_new(d, "previous_start", api_instant(prev));
				}
				if (sr.too_close_next) {
					json_object_set_new(d, "latest",
							    day_json(sr.next_latest_day));
					json_object_set_new(d, "next_start", api_instant(next));
				}
				err =
				    api_fail(ctx, -ERR_SPACING_TOO_SHORT,
					     sr.too_close_prev
						 ? "Too early: sessions of this plan are at least "
						   "min_interval_days apart."
						 : "Too close to the plan's following session.",
					     d);
				goto out;
			}
		}
		if (sr.beyond_max_prev)
			api_warn(ctx, "spacing_beyond_max",
				 json_pack("{s:o}", "latest", day_json(sr.latest_day)));
		if (sr.beyond_max_next)
			api_warn(
			    ctx, "spacing_beyond_max",
			    json_pack("{s:o, s:s}", "latest",
				      day_json(dates_local_day(a->start) + p.max_interval_days),
				      "side", "next"));
		/* Consent is needed to sign, not to book; say so early. */
		struct consent c;
		int cerr = store_consent_latest(ctx->db, a->patient_id, p.treatment_type, &c);
		if (cerr == -ERR_NOT_FOUND)
			api_warn(ctx, "consent_missing",
				 json_pack("{s:s}", "treatment_type", p.treatment_type));
		else if (cerr == 0)
			consent_cleanup(&c);
		else {
			err = cerr;
			goto out;
		}
	}

	/* Rule 6. */
	{
		struct hours *hours = NULL;
		struct time_off *off = NULL;
		size_t nh = 0, noff = 0;
		err = store_hours_get(ctx->db, a->practitioner_id, &hours, &nh);
		if (!err)
			err =
			    store_time_off_list(ctx->db, a->practitioner_id, a->start, &off, &noff);
		bool inside = false;
		if (!err) {
			struct interval *iv = xcalloc(noff + 1, sizeof *iv);
			for (size_t i = 0; i < noff; i++) {
				iv[i].start = off[i].start;
				iv[i].end = off[i].end;
			}
			inside = rules_within_hours(a->start, a->end, hours, nh, iv, noff);
			free(iv);
		}
		free(hours);
		time_offs_free(off, noff);
		if (err)
			goto out;
		if (!inside) {
			if (have_override && api_role(ctx, ROLE_ADMIN)) {
				out->hours_override = true;
			} else {
				err = api_fail(ctx, -ERR_OUTSIDE_HOURS,
					       "The practitioner does not work at that time.",
					       json_pack("{s:I}", "practitioner_id",
							 (json_int_t)a->practitioner_id));
				goto out;
			}
		}
	}

	/* Rule 5, for the practitioner, the room and the patient. */
	{
		static const struct {
			int party;
			const char *name;
		} parties[] = {{PARTY_PRACTITIONER, "practitioner"},
			       {PARTY_ROOM, "room"},
			       {PARTY_PATIENT, "patient"}};
		int64_t ids[] = {a->practitioner_id, a->room_id, a->patient_id};
		for (size_t i = 0; i < 3; i++) {
			int64_t other = 0;
			err = store_appt_overlap(ctx->db, parties[i].party, ids[i], a->start,
						 a->end, a->id, &other);
			if (err)
				goto out;
			if (other) {
				err = api_fail(
				    ctx, -ERR_CONFLICT, "The time overlaps another appointment.",
				    json_pack("{s:I, s:s}", "appointment_id", (json_int_t)other,
					      "with", parties[i].name));
				goto out;
			}
		}
	}
out:
	gate_eval_cleanup(&g);
	plan_cleanup(&p);
	return err;
}

/* Records the overrides a booking used, each as its own audit event. */
static int audit_overrides(struct api_ctx *ctx, int64_t appt_id, const struct booking_outcome *o)
{
	int err = 0;
	if (o->spacing_override)
		err = api_audit(ctx, "override", "appointment", appt_id, "spacing");
	if (!err && o->hours_override)
		err = api_audit(ctx, "override", "appointment", appt_id, "hours");
	return err;
}

/* The default length of a visit: the treatment type's for a plan, else 30 minutes. */
static int default_minutes(struct api_ctx *ctx, int64_t plan_id, int *minutes)
{
	*minutes = 30;
	if (!plan_id)
		return 0;
	struct plan p;
	struct treatment_type t;
	int err = store_plan_get(ctx->db, plan_id, &p);
	if (err)
		return err == -ERR_NOT_FOUND ? api_fail_field(ctx, "plan_id", "No such plan.")
					     : err;
	err = store_treatment_type_get(ctx->db, p.treatment_type, &t);
	plan_cleanup(&p);
	if (err)
		return err;
	*minutes = t.default_duration_min;
	treatment_type_cleanup(&t);
	return 0;
}

static int check_times(struct api_ctx *ctx, int64_t start, int64_t end)
{
	if (end <= start)
		return api_fail_field(ctx, "end", "An appointment ends after it starts.");
	if (end - start > APPT_MAX_MINUTES * 60)
		return api_fail_field(ctx, "end", "An appointment lasts at most 8 hours.");
	if (end - start < 5 * 60)
		return api_fail_field(ctx, "end", "An appointment lasts at least 5 minutes.");
	return 0;
}

int h_appointments_create(struct api_ctx *ctx)
{
	static const char *const allowed[] = {
	    "patient_id", "kind",    "practitioner_id", "room_id", "start",
	    "end",	  "plan_id", "override_reason", "notes",   NULL};
	json_t *body;
	const char *kind, *reason, *notes;
	struct appointment a;
	bool has_end, has_plan;
	int err;
	memset(&a, 0, sizeof a);
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_int(ctx, body, "patient_id", true, 1, INT64_MAX, &a.patient_id, NULL)) ||
	    (err = jin_str(ctx, body, "kind", true, 1, 20, &kind)) ||
	    (err = jin_int(ctx, body, "practitioner_id", true, 1, INT64_MAX, &a.practitioner_id,
			   NULL)) ||
	    (err = jin_int(ctx, body, "room_id", true, 1, INT64_MAX, &a.room_id, NULL)) ||
	    (err = jin_instant(ctx, body, "start", true, &a.start, NULL)) ||
	    (err = jin_instant(ctx, body, "end", false, &a.end, &has_end)) ||
	    (err = jin_int(ctx, body, "plan_id", false, 1, INT64_MAX, &a.plan_id, &has_plan)) ||
	    (err = jin_str(ctx, body, "override_reason", false, 0, 500, &reason)) ||
	    (err = jin_str(ctx, body, "notes", false, 0, 1000, &notes)))
		return err;
	a.kind = appt_kind_parse(kind);
	if (!a.kind)
		return api_fail_field(ctx, "kind", "kind is consultation, treatment or review.");
	if (a.kind == KIND_TREATMENT && !has_plan)
		return api_fail_field(ctx, "plan_id", "A treatment belongs to a plan.");
	if (a.kind != KIND_TREATMENT && has_plan)
		return api_fail_field(ctx, "plan_id",
				      "Only treatments belong to a plan; book consultations and "
				      "reviews without plan_id.");
	if (reason && !*reason)
		reason = NULL;
	a.status = APPT_BOOKED;
	a.created_at = (int64_t)time(NULL);
	a.created_by = ctx->me.id;

	struct booking_outcome outcome;
	if ((err = api_tx_write(ctx)) != 0)
		return err;
	if (!has_end) {
		int minutes = 30;
		if ((err = default_minutes(ctx, a.plan_id, &minutes)) != 0)
			return api_tx_end(ctx, err);
		a.end = a.start + (int64_t)minutes * 60;
	}
	if ((err = check_times(ctx, a.start, a.end)) != 0 ||
	    (err = check_booking(ctx, &a, reason, &outcome)) != 0)
		return api_tx_end(ctx, err);
	a.override_reason = (char *)reason;
	a.notes = (char *)notes;
	err = store_appt_insert(ctx->db, &a);
	if (!err && a.plan_id)
		err = store_appt_renumber(ctx->db, a.plan_id);
	if (!err)
		err = api_audit(ctx, "create", "appointment", a.id, kind);
	if (!err)
		err = audit_overrides(ctx, a.id, &outcome);
	struct appointment saved;
	memset(&saved, 0, sizeof saved);
	if (!err)
		err = store_appt_get(ctx->db, a.id, &saved);
	if ((err = api_tx_end(ctx, err)) != 0) {
		appointment_cleanup(&saved);
		return err;
	}
	char loc[64];
	snprintf(loc, sizeof loc, "/api/v1/appointments/%lld", (long long)a.id);
	json_t *o = appt_json(&saved);
	if (!ctx->warnings)
		json_object_set_new(o, "warnings", json_array());
	api_reply_created(ctx, o, loc);
	appointment_cleanup(&saved);
	return 0;
}

int h_appointments_get(struct api_ctx *ctx)
{
	struct appointment a;
	int err = db_begin_read(ctx->db);
	if (err)
		return err;
	err = store_appt_get(ctx->db, api_id(ctx, 0), &a);
	db_rollback(ctx->db);
	if (err)
		return err;
	api_reply(ctx, 200, appt_json(&a));
	appointment_cleanup(&a);
	return 0;
}

/* Reads ?date= (a clinic-local day) or ?from=&to= (dates or instants) into [from, to). */
static int query_range(struct api_ctx *ctx, int64_t *from, int64_t *to)
{
	const char *date = http_req_query(ctx->req, "date");
	const char *f = http_req_query(ctx->req, "from"), *t = http_req_query(ctx->req, "to");
	struct cdate d;
	if (date && *date) {
		if (dates_parse_date(date, &d) != 0)
			return api_fail(ctx, -ERR_VALIDATION_FAILED, "date is YYYY-MM-DD.",
					json_pack("{s:s}", "field", "date"));
		*from = dates_local_to_instant(dates_to_days(&d), 0);
		*to = dates_local_to_instant(dates_to_days(&d) + 1, 0);
		return 0;
	}
	if (!f || !t || !*f || !*t) {
		/* Without a range: today and the next 7 days. */
		int64_t today = dates_local_day((int64_t)time(NULL));
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
		if (dates_parse_date(vals[i], &d) == 0)
			*outs[i] = dates_local_to_instant(dates_to_days(&d) + i, 0);
		else if (dates_parse_instant(vals[i], outs[i]) != 0)
			return api_fail(ctx, -ERR_VALIDATION_FAILED,
					"from and to are dates (YYYY-MM-DD) or RFC 3339 times.",
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
	if ((err = db_begin_read(ctx->db)) != 0)
		return err;
	err = store_appt_list(ctx->db, &f, &list, &n);
	db_rollback(ctx->db);
	if (err)
		return err;
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, appt_view_json(&list[i]));
	appt_views_free(list, n);
	api_reply_list(ctx, items, (int64_t)n);
	return 0;
}

int h_appointments_patch(struct api_ctx *ctx)
{
	static const char *const allowed[] = {
	    "start", "end", "practitioner_id", "room_id", "override_reason", "notes", NULL};
	json_t *body;
	const char *reason, *notes;
	int64_t start = 0, end = 0, prac = 0, room = 0;
	bool has_start, has_end, has_prac, has_room;
	int err;
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
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
	struct booking_outcome outcome;
	int64_t id = api_id(ctx, 0);
	memset(&a, 0, sizeof a);
	if ((err = api_tx_write(ctx)) != 0)
		return err;
	if ((err = store_appt_get(ctx->db, id, &a)) != 0)
		return api_tx_end(ctx, err);
	bool moves = has_start || has_end || has_prac || has_room;
	if (moves && a.status != APPT_BOOKED) {
		err = api_fail(ctx, -ERR_BAD_TRANSITION, "Only a booked appointment can be moved.",
			       json_pack("{s:s}", "status", appt_status_name(a.status)));
		goto out;
	}
	if (has_start && !has_end)
		end = start + (a.end - a.start);
	if (has_start)
		a.start = start;
	if (has_start || has_end)
		a.end = end;
	if (has_prac)
		a.practitioner_id = prac;
	if (has_room)
		a.room_id = room;
	if (json_object_get(body, "notes")) {
		free(a.notes);
		a.notes = xstrdup_or_null(notes);
	}
	if (moves) {
		/* Rescheduling re-checks every rule, excluding the appointment itself. */
		if ((err = check_times(ctx, a.start, a.end)) != 0 ||
		    (err = check_booking(ctx, &a, reason, &outcome)) != 0)
			goto out;
		if (reason) {
			free(a.override_reason);
			a.override_reason = xstrdup(reason);
		}
	}
	a.updated_at = (int64_t)time(NULL);
	err = store_appt_update(ctx->db, &a);
	if (!err && a.plan_id)
		err = store_appt_renumber(ctx->db, a.plan_id);
	if (!err)
		err = api_audit(ctx, moves ? "reschedule" : "update", "appointment", id, NULL);
	if (!err && moves)
		err = audit_overrides(ctx, id, &outcome);
	if (!err) {
		appointment_cleanup(&a);
		err = store_appt_get(ctx->db, id, &a);
	}
out:
	if ((err = api_tx_end(ctx, err)) == 0)
		api_reply(ctx, 200, appt_json(&a));
	appointment_cleanup(&a);
	return err;
}

/* Moves appointment id to status to; reason is kept for cancellations. */
static int change_status(struct api_ctx *ctx, int to, const char *reason)
{
	struct appointment a;
	bool late = false;
	int64_t id = api_id(ctx, 0), now = (int64_t)time(NULL);
	int err = api_tx_write(ctx);
	if (err)
		return err;
	if ((err = store_appt_get(ctx->db, id, &a)) != 0)
		return api_tx_end(ctx, err);
	err = rules_transition(a.kind, a.status, to, now, a.start, false, &late);
	if (err) {
		const char *msg = "The appointment cannot change to that status.";
		if (to == APPT_NO_SHOW && a.status == APPT_BOOKED)
			msg = "A no-show can be recorded only after the start time.";
		else if (to == APPT_COMPLETED && a.kind == KIND_TREATMENT)
			msg = "A treatment is completed by signing its session record.";
		err = api_fail(ctx, err, msg,
			       json_pack("{s:s, s:s}", "from", appt_status_name(a.status), "to",
					 appt_status_name(to)));
		goto out;
	}
	a.status = to;
	if (to == APPT_CANCELLED) {
		a.late_cancel = late;
		free(a.cancel_reason);
		a.cancel_reason = xstrdup_or_null(reason);
	}
	a.updated_at = now;
	err = store_appt_update(ctx->db, &a);
	if (!err)
		err = api_audit(ctx, appt_status_name(to), "appointment", id,
				to == APPT_CANCELLED && late ? "late" : NULL);
	if (!err && a.plan_id)
		err = plan_sessions_changed(ctx, a.plan_id);
	if (!err) {
		appointment_cleanup(&a);
		err = store_appt_get(ctx->db, id, &a);
	}
out:
	if ((err = api_tx_end(ctx, err)) == 0)
		api_reply(ctx, 200, appt_json(&a));
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
