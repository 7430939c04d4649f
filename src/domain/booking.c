/* The booking decision: rules 1-6 of docs/RULES.md applied to facts loaded beforehand. */
#include "domain/booking.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

#define CONSULTATION_MINUTES 30
#define APPT_MIN_MINUTES     5

void safety_facts_cleanup(struct safety_facts *f)
{
	free(f->conds);
	screening_cleanup(&f->screening);
	memset(f, 0, sizeof *f);
}

void booking_facts_cleanup(struct booking_facts *f)
{
	safety_facts_cleanup(&f->patient);
	plan_cleanup(&f->plan);
	free(f->hours);
	free(f->off);
	memset(f, 0, sizeof *f);
}

int rules_condition_severity(const char *code, const struct condition *catalog, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(catalog[i].code, code) == 0)
			return catalog[i].severity;
	return SEV_CAUTION;
}

void rules_screened_conditions(const struct screening *s, const struct condition *catalog,
			       size_t ncatalog, struct screened_condition *out)
{
	for (size_t i = 0; i < s->nconditions; i++) {
		bool cleared = false;
		for (size_t j = 0; j < s->nclearances; j++)
			if (strcmp(s->clearances[j].condition, s->conditions[i]) == 0)
				cleared = true;
		out[i].code = s->conditions[i];
		out[i].severity = rules_condition_severity(s->conditions[i], catalog, ncatalog);
		out[i].cleared = cleared;
	}
}

int rules_safety(const struct safety_facts *f, int kind, int64_t at, struct gate_result *out)
{
	struct gate_input in;
	memset(&in, 0, sizeof in);
	memset(out, 0, sizeof *out);
	if (!f->birth_ok)
		return -ERR_INTERNAL;
	in.kind = kind;
	in.birth = f->birth;
	in.on = dates_local_date(at);
	in.has_screening = f->has_screening;
	in.conds = f->conds;
	in.nconds = f->nconds;
	return rules_gate(&in, out);
}

int64_t rules_booking_end(const struct booking_request *r, const struct booking_facts *f)
{
	int minutes = r->plan_id && f->plan_found ? f->type_duration_min : CONSULTATION_MINUTES;
	return r->start + (int64_t)minutes * 60;
}

int rules_room_need(int visit_kind, int type_room_kind)
{
	if (visit_kind != KIND_TREATMENT)
		return ROOM_CONSULTATION;
	return type_room_kind ? type_room_kind : ROOM_TREATMENT;
}

bool rules_room_suits(int need, int room_kind)
{
	return room_kind == ROOM_TREATMENT || (need == ROOM_CONSULTATION && room_kind == need);
}

int rules_plan_link(int kind, bool has_plan, const char **message)
{
	*message = NULL;
	if (kind == KIND_TREATMENT && !has_plan)
		*message = "A treatment belongs to a plan.";
	else if (kind != KIND_TREATMENT && has_plan)
		*message = "Only treatments belong to a plan; book consultations and reviews "
			   "without plan_id.";
	return *message ? -ERR_VALIDATION_FAILED : 0;
}

static int refuse(struct booking_verdict *v, int code, const char *field, const char *message)
{
	v->refusal = code;
	v->field = field;
	v->message = message;
	return code;
}

/* The last clinic-local day a booking may take: two years from today (28 February
 * for a 29th). */
static int64_t last_bookable_day(int64_t today)
{
	struct cdate d = dates_from_days(today);
	d.year += 2;
	if (d.month == 2 && d.day == 29)
		d.day = 28;
	return dates_to_days(&d);
}

static int check_times(int64_t start, int64_t end, int64_t now, struct booking_verdict *v)
{
	int64_t today = dates_local_day(now), day = dates_local_day(start);
	if (day < today)
		return refuse(v, -ERR_VALIDATION_FAILED, "start",
			      "An appointment is booked for today or later.");
	if (day > last_bookable_day(today))
		return refuse(v, -ERR_VALIDATION_FAILED, "start",
			      "An appointment is booked at most two years ahead.");
	if (end <= start)
		return refuse(v, -ERR_VALIDATION_FAILED, "end",
			      "An appointment ends after it starts.");
	if (end - start > APPT_MAX_MINUTES * 60)
		return refuse(v, -ERR_VALIDATION_FAILED, "end",
			      "An appointment lasts at most 8 hours.");
	if (end - start < APPT_MIN_MINUTES * 60)
		return refuse(v, -ERR_VALIDATION_FAILED, "end",
			      "An appointment lasts at least 5 minutes.");
	return 0;
}

/* The records the request names exist and may take a booking. */
static int check_parties(const struct booking_request *r, const struct booking_facts *f,
			 struct booking_verdict *v)
{
	if (!f->patient.found)
		return refuse(v, -ERR_VALIDATION_FAILED, "patient_id", "No such patient.");
	if (f->patient.archived)
		return refuse(v, -ERR_PATIENT_ARCHIVED, NULL, "The patient is archived.");
	if (!f->practitioner_found)
		return refuse(v, -ERR_VALIDATION_FAILED, "practitioner_id",
			      "No such practitioner.");
	if (!f->practitioner_active)
		return refuse(v, -ERR_VALIDATION_FAILED, "practitioner_id",
			      "That user is not an active practitioner.");
	if (!f->room_found)
		return refuse(v, -ERR_VALIDATION_FAILED, "room_id", "No such room.");
	if (!f->room_active)
		return refuse(v, -ERR_VALIDATION_FAILED, "room_id", "That room is not in use.");
	if (!r->plan_id)
		return 0;
	if (!f->plan_found)
		return refuse(v, -ERR_VALIDATION_FAILED, "plan_id", "No such plan.");
	if (f->plan.patient_id != r->patient_id)
		return refuse(v, -ERR_VALIDATION_FAILED, "plan_id",
			      "The plan belongs to another patient.");
	/* RULES.md rule 4: only an active plan takes bookings, and never more than planned. */
	if (f->plan.status != PLAN_ACTIVE)
		return refuse(v, -ERR_PLAN_NOT_ACTIVE, NULL, "The plan is not active.");
	if (f->progress.holding >= f->plan.planned_sessions)
		return refuse(v, -ERR_PLAN_FULL, NULL, "Every planned session is already booked.");
	return 0;
}

static int check_safety(const struct booking_request *r, const struct booking_facts *f,
			struct booking_verdict *v)
{
	int verdict = rules_safety(&f->patient, r->kind, r->start, &v->gate);
	if (v->gate.ncautions)
		v->warnings |= BOOK_WARN_CAUTION;
	switch (verdict) {
	case 0:
		return 0;
	case -ERR_CONTRAINDICATED:
		return refuse(v, verdict, NULL,
			      v->gate.nblocked ? "The patient's screening rules out treatment."
					       : "A doctor's clearance must be recorded first.");
	case -ERR_UNDERAGE:
		return refuse(v, verdict, NULL,
			      "The patient is under 18 on the appointment's date.");
	case -ERR_SCREENING_REQUIRED:
		return refuse(v, verdict, NULL,
			      "The patient needs a screening before a treatment can be booked.");
	default:
		return refuse(v, verdict, NULL, NULL);
	}
}

/* RULES.md rule 3, against both neighbours; consent is needed to sign, not to book: say so early.
 */
static int check_spacing(const struct booking_request *r, const struct booking_facts *f,
			 struct booking_verdict *v)
{
	struct spacing_input si = {r->start, f->prev_start, f->next_start,
				   f->plan.min_interval_days, f->plan.max_interval_days};
	if (rules_spacing(&si, &v->spacing) != 0) {
		if (!(r->has_override && (r->role & (ROLE_PRACTITIONER | ROLE_ADMIN))))
			return refuse(v, -ERR_SPACING_TOO_SHORT, NULL,
				      v->spacing.too_close_prev
					  ? "Too early: sessions of this plan are at least "
					    "min_interval_days apart."
					  : "Too close to the plan's following session.");
		v->spacing_override = true;
	}
	if (v->spacing.beyond_max_prev)
		v->warnings |= BOOK_WARN_BEYOND_MAX_PREV;
	if (v->spacing.beyond_max_next) {
		v->warnings |= BOOK_WARN_BEYOND_MAX_NEXT;
		v->next_latest_day = dates_local_day(r->start) + f->plan.max_interval_days;
	}
	if (!f->has_consent)
		v->warnings |= BOOK_WARN_CONSENT_MISSING;
	return 0;
}

int rules_booking(const struct booking_request *r, const struct booking_facts *f,
		  struct booking_verdict *v)
{
	memset(v, 0, sizeof *v);
	int64_t end = r->end;
	int err;
	if (r->moving_status && r->moving_status != APPT_BOOKED)
		return refuse(v, -ERR_BAD_TRANSITION, NULL,
			      "Only a booked appointment can be moved.");
	if (r->end_defaulted && r->plan_id && !f->plan_found)
		return refuse(v, -ERR_VALIDATION_FAILED, "plan_id", "No such plan.");
	if ((err = check_times(r->start, end, r->now, v)) != 0 ||
	    (err = check_parties(r, f, v)) != 0 || (err = check_safety(r, f, v)) != 0)
		return err;
	if (r->kind == KIND_TREATMENT && (err = check_spacing(r, f, v)) != 0)
		return err;
	/* RULES.md rule 6. */
	if (!rules_within_hours(r->start, end, f->hours, f->nhours, f->off, f->noff)) {
		if (!(r->has_override && (r->role & ROLE_ADMIN)))
			return refuse(v, -ERR_OUTSIDE_HOURS, NULL,
				      "The practitioner does not work at that time.");
		v->hours_override = true;
	}
	/* RULES.md rule 56: a treatment takes a room equipped for it, unless an admin says why. */
	v->room_need = rules_room_need(r->kind, f->plan_found ? f->type_room_kind : 0);
	if (!rules_room_suits(v->room_need, f->room_kind)) {
		if (!(r->has_override && (r->role & ROLE_ADMIN)))
			return refuse(v, -ERR_ROOM_UNSUITABLE, NULL,
				      "The room is not equipped for this kind of visit.");
		v->room_override = true;
	}
	/* RULES.md rule 5, for the practitioner, the room and the patient. */
	for (int p = 0; p < BOOK_PARTIES; p++)
		if (f->conflict[p]) {
			v->conflict_with = (enum booking_party)p;
			v->conflict_id = f->conflict[p];
			return refuse(v, -ERR_CONFLICT, NULL,
				      "The time overlaps another appointment.");
		}
	return 0;
}

int rules_undo_booking(const struct booking_request *r, const struct booking_facts *f,
		       struct booking_verdict *v)
{
	memset(v, 0, sizeof *v);
	if (r->plan_id && f->plan_found) {
		if (f->plan.status != PLAN_ACTIVE)
			return refuse(v, -ERR_PLAN_NOT_ACTIVE, NULL, "The plan is not active.");
		if (f->progress.holding >= f->plan.planned_sessions)
			return refuse(v, -ERR_PLAN_FULL, NULL,
				      "Every planned session has been booked since.");
		struct spacing_input si = {r->start, f->prev_start, f->next_start,
					   f->plan.min_interval_days, f->plan.max_interval_days};
		if (rules_spacing(&si, &v->spacing) != 0)
			return refuse(
			    v, -ERR_SPACING_TOO_SHORT, NULL,
			    "A session of the plan booked since is too close to this one.");
	}
	for (int p = 0; p < BOOK_PARTIES; p++)
		if (f->conflict[p]) {
			v->conflict_with = (enum booking_party)p;
			v->conflict_id = f->conflict[p];
			return refuse(v, -ERR_CONFLICT, NULL,
				      "The time has been booked for another appointment since.");
		}
	return 0;
}
