/* Treatment plans: a series of sessions with their spacing, progress and next window,
 * and the slot finder inside that window. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/clinical.h"
#include "api/handlers.h"
#include "domain/booking.h"
#include "domain/plans.h"
#include "store/catalog.h"
#include "store/clinic.h"
#include "store/patients.h"
#include "store/schedule.h"
#include "store/users.h"
#include "util/clock.h"
#include "util/jsonw.h"
#include "util/err.h"
#include "util/xalloc.h"

#define MAX_AREAS 20
#define MAX_SLOTS 50

json_t *day_json(int64_t day)
{
	char buf[DATES_BUF];
	dates_format_day(day, buf);
	return json_string(buf);
}

void plan_write(struct buf *b, const struct plan *p, const struct plan_progress *prog)
{
	bool first = true, inner = true;
	jw_raw(b, "{");
	jw_put_int(b, &first, "id", p->id);
	jw_put_int(b, &first, "patient_id", p->patient_id);
	jw_put_str(b, &first, "treatment_type", p->treatment_type);
	jw_put_str(b, &first, "indication", p->indication);
	jw_key(b, &first, "areas");
	jw_raw(b, "[");
	for (size_t i = 0; i < p->nareas; i++) {
		if (i)
			jw_raw(b, ",");
		jw_str(b, p->areas[i]);
	}
	jw_raw(b, "]");
	jw_put_int(b, &first, "planned_sessions", p->planned_sessions);
	jw_put_int(b, &first, "min_interval_days", p->min_interval_days);
	jw_put_int(b, &first, "max_interval_days", p->max_interval_days);
	jw_put_int(b, &first, "practitioner_id", p->practitioner_id);
	jw_put_str(b, &first, "status", plan_status_name(p->status));
	api_put_stamps(b, &first, p->created_at, p->updated_at);
	jw_key(b, &first, "progress");
	jw_raw(b, "{");
	jw_put_int(b, &inner, "planned", p->planned_sessions);
	jw_put_int(b, &inner, "booked", prog->holding);
	jw_put_int(b, &inner, "completed", prog->completed);
	jw_key(b, &inner, "next_window");
	struct window w;
	if (rules_next_window(p->status, p->planned_sessions, prog->holding, prog->last_start,
			      p->min_interval_days, p->max_interval_days, &w)) {
		bool win = true;
		jw_raw(b, "{");
		api_put_day(b, &win, "from", w.from_day);
		api_put_day(b, &win, "to", w.to_day);
		jw_raw(b, "}");
	} else {
		jw_raw(b, "null");
	}
	jw_raw(b, "}");
	jw_put_str(b, &first, "notes", p->notes);
	jw_put_str(b, &first, "override_reason", p->override_reason);
	jw_raw(b, "}");
}

/* Answers with plan p (status 200 or 201). */
static void reply_plan(struct api_ctx *ctx, int status, const struct plan *p,
		       const struct plan_progress *prog)
{
	struct buf b;
	buf_init(&b);
	plan_write(&b, p, prog);
	api_reply_text(ctx, status, &b);
}

int plan_sessions_changed(struct api_ctx *ctx, int64_t plan_id)
{
	struct plan p;
	struct plan_progress prog;
	int err = store_appt_renumber(ctx->db, plan_id);
	if (!err)
		err = store_plan_get(ctx->db, plan_id, &p);
	if (err)
		return err;
	err = store_plan_progress(ctx->db, plan_id, 0, &prog);
	/* RULES.md rule 4: a plan whose last session is completed becomes completed. */
	if (!err && rules_plan_completes(p.status, p.planned_sessions, prog.completed)) {
		p.status = PLAN_COMPLETED;
		p.updated_at = clock_now();
		err = store_plan_update(ctx->db, &p);
		if (!err)
			err = api_audit(ctx, "complete", "plan", plan_id, NULL);
	}
	plan_cleanup(&p);
	return err;
}

/*
 * A plan's shape (RULES.md rule 26) and its treatment type's bounds (rule 53): outside
 * them only with a practitioner's override reason, which is kept with the plan (and
 * dropped when the plan comes back inside its bounds). holding: the sessions that hold a
 * time already.
 */
static int check_plan(struct api_ctx *ctx, struct plan *p, const struct treatment_type *t,
		      int holding)
{
	struct plan_refusal pr;
	bool outside;
	if (rules_plan_shape(p->planned_sessions, p->min_interval_days, p->max_interval_days,
			     holding, &pr) != 0)
		return api_fail(ctx, -ERR_VALIDATION_FAILED, pr.message,
				strcmp(pr.field, "planned_sessions") == 0 && holding
				    ? json_pack("{s:s, s:i}", "field", pr.field, "booked", holding)
				    : json_pack("{s:s}", "field", pr.field));
	struct plan_bounds b = {p->planned_sessions,
				p->min_interval_days,
				p->max_interval_days,
				t->max_sessions,
				t->min_interval_days,
				t->max_interval_days,
				p->override_reason && *p->override_reason,
				(unsigned)ctx->me.role};
	int err = rules_plan_bounds(&b, &outside, &pr);
	if (err)
		return api_fail(ctx, err, pr.message,
				json_pack("{s:s?, s:i, s:i, s:i}", "field", pr.field,
					  "max_sessions", t->max_sessions, "min_interval_days",
					  t->min_interval_days, "max_interval_days",
					  t->max_interval_days));
	if (!outside) {
		free(p->override_reason);
		p->override_reason = NULL;
	}
	return 0;
}

int h_plans_create(struct api_ctx *ctx)
{
	static const char *const not_null[] = {"planned_sessions", "min_interval_days",
					       "max_interval_days", NULL};
	static const char *const allowed[] = {"patient_id",
					      "treatment_type",
					      "indication",
					      "areas",
					      "practitioner_id",
					      "planned_sessions",
					      "min_interval_days",
					      "max_interval_days",
					      "notes",
					      "override_reason",
					      NULL};
	json_t *body, *areas, *v;
	const char *tt, *ind, *notes, *reason;
	int64_t pid, prac, planned = 0, mi = 0, ma = 0;
	bool has_planned, has_mi, has_ma;
	size_t i;
	int err;
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_no_null(ctx, body, not_null)) ||
	    (err = jin_int(ctx, body, "patient_id", true, 1, INT64_MAX, &pid, NULL)) ||
	    (err = jin_str(ctx, body, "treatment_type", true, 1, 40, &tt)) ||
	    (err = jin_str(ctx, body, "indication", true, 1, 40, &ind)) ||
	    (err = jin_int(ctx, body, "practitioner_id", true, 1, INT64_MAX, &prac, NULL)) ||
	    (err = jin_int(ctx, body, "planned_sessions", false, 1, 12, &planned, &has_planned)) ||
	    (err = jin_int(ctx, body, "min_interval_days", false, 1, 365, &mi, &has_mi)) ||
	    (err = jin_int(ctx, body, "max_interval_days", false, 1, 365, &ma, &has_ma)) ||
	    (err = jin_str(ctx, body, "notes", false, 0, 2000, &notes)) ||
	    (err = jin_str(ctx, body, "override_reason", false, 0, 500, &reason)))
		return err;
	if (!indication_valid(ind))
		return api_fail_field(ctx, "indication", "Unknown indication.");
	areas = json_object_get(body, "areas");
	if (!json_is_array(areas) || json_array_size(areas) == 0 ||
	    json_array_size(areas) > MAX_AREAS)
		return api_fail_field(ctx, "areas", "areas lists one or more area codes.");

	struct plan p;
	memset(&p, 0, sizeof p);
	p.patient_id = pid;
	p.treatment_type = xstrdup(tt);
	p.indication = xstrdup(ind);
	p.practitioner_id = prac;
	p.status = PLAN_ACTIVE;
	p.notes = xstrdup_or_null(notes);
	p.created_at = clock_now();
	p.created_by = ctx->me.id;
	p.areas = xcalloc(json_array_size(areas), sizeof *p.areas);

	struct treatment_type t;
	memset(&t, 0, sizeof t);
	err = api_require_patient(ctx, pid, "patient_id", true);
	if (!err && (err = store_treatment_type_get(ctx->db, tt, &t)) == -ERR_NOT_FOUND)
		err = api_fail_field(ctx, "treatment_type", "Unknown treatment type.");
	if (!err)
		err = api_require_practitioner(ctx, prac, "practitioner_id");
	json_array_foreach(areas, i, v)
	{
		struct area a;
		if (err)
			break;
		if (!json_is_string(v) || store_area_get(ctx->db, json_string_value(v), &a) != 0) {
			err = api_fail_field(ctx, "areas", "Unknown area code.");
			break;
		}
		area_cleanup(&a);
		if (str_in(json_string_value(v), p.areas, p.nareas)) {
			err = api_fail_field(ctx, "areas", "An area is listed twice.");
			break;
		}
		p.areas[p.nareas++] = xstrdup(json_string_value(v));
	}
	if (!err) {
		/* Defaults come from the treatment type. */
		p.planned_sessions = has_planned ? (int)planned : t.default_sessions;
		p.min_interval_days = has_mi ? (int)mi : t.min_interval_days;
		p.max_interval_days = has_ma ? (int)ma : t.max_interval_days;
		p.override_reason = xstrdup_or_null(reason);
		err = check_plan(ctx, &p, &t, 0);
	}
	if (!err)
		err = store_plan_insert(ctx->db, &p);
	if (!err)
		err = api_audit(ctx, "create", "plan", p.id, tt);
	if (!err && p.override_reason)
		err = api_audit(ctx, "override", "plan", p.id, "bounds");
	if (err)
		goto out;
	struct plan_progress none;
	memset(&none, 0, sizeof none);
	api_set_location(ctx, "/api/v1/plans/", p.id, "");
	reply_plan(ctx, 201, &p, &none);
out:
	treatment_type_cleanup(&t);
	plan_cleanup(&p);
	return err;
}

/* Reads a plan and its progress; inside a transaction. */
int h_plans_get(struct api_ctx *ctx)
{
	struct plan p;
	int64_t id = api_id(ctx, 0);
	int err = store_plan_get(ctx->db, id, &p);
	if (err)
		return err == -ERR_NOT_FOUND ? api_fail(ctx, err, "No such plan.", NULL) : err;
	/* Every read of a plan is audited before it is answered. */
	api_read_patient(ctx, p.patient_id, "plan", id);
	reply_plan(ctx, 200, &p, &p.progress);
	plan_cleanup(&p);
	return 0;
}

/* Answers the patient's plans, newest first, and names the read as one of the patient's
 * data. */
static int reply_patient_plans(struct api_ctx *ctx, int64_t pid)
{
	struct plan *list = NULL;
	size_t n = 0;
	int err = api_require_patient(ctx, pid, NULL, false);
	if (!err)
		err = store_plan_list_patient(ctx->db, pid, &list, &n);
	if (err)
		return err;
	struct buf out;
	api_list_open(&out);
	for (size_t i = 0; i < n; i++) {
		if (i)
			jw_raw(&out, ",");
		plan_write(&out, &list[i], &list[i].progress);
	}
	plans_free(list, n);
	api_read_patient(ctx, pid, "plans", 0);
	api_reply_text_list(ctx, &out, (int64_t)n);
	return 0;
}

int h_patient_plans(struct api_ctx *ctx)
{
	return reply_patient_plans(ctx, api_id(ctx, 0));
}

int h_plans_list(struct api_ctx *ctx)
{
	int64_t pid;
	int err = api_query_int(ctx, "patient_id", 1, INT64_MAX, 0, &pid);
	if (err)
		return err;
	if (!pid)
		return api_fail(ctx, -ERR_VALIDATION_FAILED,
				"Name the patient: GET /plans?patient_id=ID.",
				json_pack("{s:s}", "field", "patient_id"));
	return reply_patient_plans(ctx, pid);
}

int h_plans_patch(struct api_ctx *ctx)
{
	static const char *const not_null[] = {"status",
					       "planned_sessions",
					       "practitioner_id",
					       "min_interval_days",
					       "max_interval_days",
					       NULL};
	static const char *const allowed[] = {"status",
					      "planned_sessions",
					      "practitioner_id",
					      "min_interval_days",
					      "max_interval_days",
					      "notes",
					      "override_reason",
					      NULL};
	json_t *body;
	const char *status, *notes, *reason;
	int64_t planned = 0, prac = 0, mi = 0, ma = 0;
	bool has_planned, has_prac, has_mi, has_ma;
	int err;
	int64_t id = api_id(ctx, 0);
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_no_null(ctx, body, not_null)) ||
	    (err = jin_str(ctx, body, "status", false, 1, 20, &status)) ||
	    (err = jin_int(ctx, body, "planned_sessions", false, 1, 12, &planned, &has_planned)) ||
	    (err = jin_int(ctx, body, "practitioner_id", false, 1, INT64_MAX, &prac, &has_prac)) ||
	    (err = jin_int(ctx, body, "min_interval_days", false, 1, 365, &mi, &has_mi)) ||
	    (err = jin_int(ctx, body, "max_interval_days", false, 1, 365, &ma, &has_ma)) ||
	    (err = jin_str(ctx, body, "notes", false, 0, 2000, &notes)) ||
	    (err = jin_str(ctx, body, "override_reason", false, 0, 500, &reason)))
		return err;
	int to = status ? plan_status_parse(status) : 0;
	if (status && !to)
		return api_fail_field(ctx, "status",
				      "status is active, on_hold, completed or cancelled.");
	struct plan p;
	struct plan_progress prog;
	memset(&p, 0, sizeof p);
	err = store_plan_get(ctx->db, id, &p);
	if (err == -ERR_NOT_FOUND)
		err = api_fail(ctx, err, "No such plan.", NULL);
	if (!err)
		err = store_plan_progress(ctx->db, id, 0, &prog);
	if (!err && to && rules_plan_status_change(p.status, to) != 0)
		err = api_fail(
		    ctx, -ERR_BAD_TRANSITION, "A completed or cancelled plan stays so.",
		    json_pack("{s:s, s:s}", "from", plan_status_name(p.status), "to", status));
	if (!err && has_prac)
		err = api_require_practitioner(ctx, prac, "practitioner_id");
	if (!err) {
		if (has_planned)
			p.planned_sessions = (int)planned;
		if (has_prac)
			p.practitioner_id = prac;
		if (has_mi)
			p.min_interval_days = (int)mi;
		if (has_ma)
			p.max_interval_days = (int)ma;
		if (json_object_get(body, "notes")) {
			free(p.notes);
			p.notes = xstrdup_or_null(notes);
		}
		if (to)
			p.status = to;
		if (reason && *reason) {
			free(p.override_reason);
			p.override_reason = xstrdup(reason);
		}
	}
	/* A new size or spacing is checked against the type's bounds again. */
	bool reshaped = has_planned || has_mi || has_ma;
	if (!err && reshaped) {
		struct treatment_type t;
		if ((err = store_treatment_type_get(ctx->db, p.treatment_type, &t)) == 0) {
			err = check_plan(ctx, &p, &t, has_planned ? prog.holding : 0);
			treatment_type_cleanup(&t);
		}
	}
	if (!err && reshaped && p.override_reason && reason && *reason)
		err = api_audit(ctx, "override", "plan", id, "bounds");
	if (!err) {
		p.updated_at = clock_now();
		err = store_plan_update(ctx->db, &p);
	}
	if (!err)
		err = api_audit(ctx, "update", "plan", id, status ? status : NULL);
	/* More sessions planned, all done: the plan completes; fewer: it may complete now. */
	if (!err && p.status == PLAN_ACTIVE)
		err = plan_sessions_changed(ctx, id);
	if (!err) {
		plan_cleanup(&p);
		if ((err = store_plan_get(ctx->db, id, &p)) == 0 &&
		    (err = store_plan_progress(ctx->db, id, 0, &prog)) == 0)
			reply_plan(ctx, 200, &p, &prog);
	}
	plan_cleanup(&p);
	return err;
}

/* What a slot search reads once, whatever days it covers. */
struct slot_search {
	int64_t practitioner_id;
	int64_t patient_id;
	struct hours *hours;
	size_t nhours;
	struct time_off *off;
	size_t noff;
	struct room *rooms;
	size_t nrooms;
	int room_need; /* the kind of room the plan's sessions need (RULES.md rule 56) */
};

/* A room's busy times over the days searched, read when the search first needs them. */
struct room_loader {
	struct api_ctx *ctx;
	int64_t from, to;
};

static int load_room(void *arg, int64_t room_id, struct interval **busy, size_t *n)
{
	struct room_loader *l = arg;
	return store_appt_busy(l->ctx->db, PARTY_ROOM, room_id, l->from, l->to, busy, n);
}

/* The earliest free slots from day from_day to to_day, after the *found in out already. */
static int search_days(struct api_ctx *ctx, const struct slot_search *ss, struct slot_query q,
		       int64_t from_day, int64_t to_day, struct slot *out, size_t *found)
{
	struct room_loader loader = {ctx, dates_local_to_instant(from_day, 0),
				     dates_local_to_instant(to_day + 1, 0)};
	struct interval *pbusy = NULL, *patbusy = NULL;
	size_t npbusy = 0, npatbusy = 0, nrb = 0, more = 0;
	struct room_busy *rb = xcalloc(ss->nrooms + 1, sizeof *rb);
	for (size_t i = 0; i < ss->nrooms; i++)
		if (ss->rooms[i].active && rules_room_suits(ss->room_need, ss->rooms[i].kind))
			rb[nrb++].room_id = ss->rooms[i].id;
	int err = store_appt_busy(ctx->db, PARTY_PRACTITIONER, ss->practitioner_id, loader.from,
				  loader.to, &pbusy, &npbusy);
	if (!err)
		err = store_appt_busy(ctx->db, PARTY_PATIENT, ss->patient_id, loader.from,
				      loader.to, &patbusy, &npatbusy);
	if (!err) {
		/* Time off counts as the practitioner being busy. */
		pbusy = xrealloc(pbusy, (npbusy + ss->noff + 1) * sizeof *pbusy);
		for (size_t i = 0; i < ss->noff; i++) {
			pbusy[npbusy].start = ss->off[i].start;
			pbusy[npbusy].end = ss->off[i].end;
			npbusy++;
		}
		q.from_day = from_day;
		q.to_day = to_day;
		q.practitioner_busy = pbusy;
		q.npractitioner_busy = npbusy;
		q.patient_busy = patbusy;
		q.npatient_busy = npatbusy;
		q.rooms = rb;
		q.nrooms = nrb;
		q.load_room = load_room;
		q.load_arg = &loader;
		q.limit -= *found;
		err = rules_find_slots(&q, out + *found, &more);
		*found += more;
	}
	free(pbusy);
	free(patbusy);
	free(rb);
	return err;
}

/*
 * Searches the window a few days at a time, each stretch twice as long as the one before,
 * and stops once it has found enough: the busy times of the first days are all most
 * searches need, where a month of every room's bookings is thousands of rows. Slots lie
 * inside one day, so the result is the same as one search over the whole window.
 */
static int search_window(struct api_ctx *ctx, const struct slot_search *ss,
			 const struct slot_query *q, struct slot *out, size_t *found)
{
	int err = 0;
	*found = 0;
	int64_t span = 2;
	for (int64_t day = q->from_day; !err && day <= q->to_day && *found < q->limit;
	     day += span, span *= 2) {
		int64_t last = day + span - 1 < q->to_day ? day + span - 1 : q->to_day;
		err = search_days(ctx, ss, *q, day, last, out, found);
	}
	return err;
}

int h_plans_next_slots(struct api_ctx *ctx)
{
	int64_t limit, duration;
	int err;
	if ((err = api_query_int(ctx, "limit", 1, MAX_SLOTS, 5, &limit)) ||
	    (err = api_query_int(ctx, "duration", 5, APPT_MAX_MINUTES, 0, &duration)))
		return err;
	int64_t id = api_id(ctx, 0), now = clock_now();
	int64_t today = dates_local_day(now);
	struct plan p;
	struct plan_progress prog;
	struct treatment_type t;
	struct slot_search ss;
	struct slot slots[MAX_SLOTS];
	size_t nslots = 0;
	const char *reason = NULL;
	json_t *window = json_null();
	memset(&p, 0, sizeof p);
	memset(&t, 0, sizeof t);
	memset(&prog, 0, sizeof prog);
	memset(&ss, 0, sizeof ss);

	err = store_plan_get(ctx->db, id, &p);
	if (err == -ERR_NOT_FOUND)
		err = api_fail(ctx, err, "No such plan.", NULL);
	if (!err)
		err = store_plan_progress(ctx->db, id, 0, &prog);
	if (!err)
		err = store_treatment_type_get(ctx->db, p.treatment_type, &t);
	struct window w = {today, today + 27};
	if (err) {
		/* nothing to search */
	} else if (p.status != PLAN_ACTIVE) {
		reason = "plan_not_active";
	} else if (prog.holding >= p.planned_sessions) {
		reason = "plan_full";
	} else if (prog.holding > 0 &&
		   !rules_next_window(p.status, p.planned_sessions, prog.holding, prog.last_start,
				      p.min_interval_days, p.max_interval_days, &w)) {
		reason = "plan_full";
	}
	if (!err && !reason) {
		window =
		    json_pack("{s:o, s:o}", "from", day_json(w.from_day), "to", day_json(w.to_day));
		/* An overdue window is searched from today for as long as a window lasts. */
		if (w.to_day < today) {
			w.to_day = today + (w.to_day - w.from_day);
			w.from_day = today;
		} else if (w.from_day < today) {
			w.from_day = today;
		}
		ss.practitioner_id = p.practitioner_id;
		ss.patient_id = p.patient_id;
		ss.room_need = rules_room_need(KIND_TREATMENT, t.room_kind);
		err = store_hours_get(ctx->db, p.practitioner_id, &ss.hours, &ss.nhours);
		if (!err)
			err = store_time_off_list(ctx->db, p.practitioner_id,
						  dates_local_to_instant(w.from_day, 0), &ss.off,
						  &ss.noff);
		if (!err)
			err = store_room_list(ctx->db, &ss.rooms, &ss.nrooms);
		if (!err) {
			struct slot_query q = {
			    .from_day = w.from_day,
			    .to_day = w.to_day,
			    .not_before = now,
			    .duration_min = duration ? (int)duration : t.default_duration_min,
			    .step_min = 15,
			    .hours = ss.hours,
			    .nhours = ss.nhours,
			    .limit = (size_t)limit,
			};
			err = search_window(ctx, &ss, &q, slots, &nslots);
		}
		if (!err && nslots == 0)
			reason = "no_capacity";
	}
	if (!err)
		api_read_patient(ctx, p.patient_id, "next slots of plan", id);
	if (!err) {
		json_t *items = json_array();
		for (size_t i = 0; i < nslots; i++)
			json_array_append_new(items, json_pack("{s:o, s:o, s:I, s:I}", "start",
							       api_instant(slots[i].start), "end",
							       api_instant(slots[i].end), "room_id",
							       (json_int_t)slots[i].room_id,
							       "practitioner_id",
							       (json_int_t)p.practitioner_id));
		json_t *o =
		    json_pack("{s:o, s:I, s:O, s:i}", "items", items, "total", (json_int_t)nslots,
			      "window", window, "session_number", prog.holding + 1);
		json_object_set_new(o, "reason", reason ? json_string(reason) : json_null());
		api_reply(ctx, 200, o);
	}
	json_decref(window);
	free(ss.hours);
	time_offs_free(ss.off, ss.noff);
	if (ss.rooms)
		rooms_free(ss.rooms, ss.nrooms);
	treatment_type_cleanup(&t);
	plan_cleanup(&p);
	return err;
}
