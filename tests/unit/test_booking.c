/* Unit tests for domain/booking: every verdict of the booking decision, each override path
 * and the order in which refusals are explained, one table row per case. */
#include "unit.h"

#include "domain/booking.h"
#include "domain/dates.h"
#include "util/err.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))
#define DAY	 86400

static int64_t at(const char *s)
{
	int64_t t = 0;
	if (dates_parse_instant(s, &t) != 0)
		fail_msg("bad instant in a table: %s", s);
	return t;
}

/* What a row changes in a booking that passes every rule. */
enum change {
	NONE,
	END_BEFORE_START,
	TOO_SHORT,
	TOO_LONG,
	NO_PATIENT,
	ARCHIVED,
	NO_PRACTITIONER,
	PRACTITIONER_INACTIVE,
	NO_ROOM,
	ROOM_INACTIVE,
	NO_PLAN,
	NO_PLAN_DEFAULT_END,
	PLAN_OTHER_PATIENT,
	HOLD_PLAN,
	DONE_PLAN,
	PLAN_FULL,
	UNDERAGE,
	NO_SCREENING,
	NO_SCREENING_CONSULTATION,
	BLOCKING,
	CLEARANCE_MISSING,
	CLEARANCE_GIVEN,
	CAUTION,
	CAUTION_CONSULTATION,
	PREV_TOO_CLOSE,
	NEXT_TOO_CLOSE,
	PREV_BEYOND_MAX,
	NEXT_BEYOND_MAX,
	NO_CONSENT,
	OUTSIDE_HOURS,
	TIME_OFF,
	CONFLICT_PRACTITIONER,
	CONFLICT_ROOM,
	CONFLICT_PATIENT,
	YESTERDAY,
	EARLIER_TODAY,
	TWO_YEARS_AHEAD,
	TWO_YEARS_AND_A_DAY,
	MOVING_BOOKED,
	MOVING_CHECKED_IN,
	/* Two problems at once: the first named wins. */
	FULL_AND_UNDERAGE,
	UNDERAGE_AND_TOO_CLOSE,
	TOO_CLOSE_AND_OUTSIDE,
	OUTSIDE_AND_CONFLICT,
	ROOM_AND_PLAN,
	/* RULES.md rule 56: the room's kind. */
	CONSULTATION_ROOM,
	CONSULTATION_IN_CONSULTATION_ROOM,
	REVIEW_IN_CONSULTATION_ROOM,
	CONSULTATION_IN_TREATMENT_ROOM,
	TYPE_TAKES_CONSULTATION_ROOM,
	HOURS_AND_ROOM_KIND,
	ROOM_KIND_AND_CONFLICT,
};

struct row {
	const char *name;
	enum change change;
	unsigned role;
	bool override;
	int refusal;
	const char *field;
	unsigned warnings;
	bool spacing_override;
	bool hours_override;
	enum booking_party with; /* for a conflict */
	bool room_override;
};

static struct screened_condition conds[2];
static struct hours week[7];
static struct interval off[1];

/* A treatment booking on Monday 2027-03-01 10:00-11:00 UTC, session 2 of 3, 35 days after
 * session 1, by an adult with a clear screening and a consent. */
static void base(struct booking_request *r, struct booking_facts *f)
{
	memset(r, 0, sizeof *r);
	memset(f, 0, sizeof *f);
	r->kind = KIND_TREATMENT;
	r->patient_id = 7;
	r->plan_id = 9;
	r->practitioner_id = 3;
	r->room_id = 2;
	r->start = at("2027-03-01T10:00:00Z");
	r->end = r->start + 3600;
	r->role = ROLE_FRONT_DESK;
	r->now = at("2027-02-20T08:00:00Z");
	f->patient.found = true;
	f->patient.birth_ok = true;
	f->patient.birth = (struct cdate){1990, 1, 1};
	f->patient.has_screening = true;
	f->practitioner_found = f->practitioner_active = true;
	f->room_found = f->room_active = true;
	f->room_kind = ROOM_TREATMENT;
	f->type_room_kind = ROOM_TREATMENT;
	f->plan_found = true;
	f->plan.id = 9;
	f->plan.patient_id = 7;
	f->plan.status = PLAN_ACTIVE;
	f->plan.planned_sessions = 3;
	f->plan.min_interval_days = 28;
	f->plan.max_interval_days = 42;
	f->progress.holding = 1;
	f->type_duration_min = 60;
	f->prev_start = r->start - 35 * DAY;
	f->has_consent = true;
	for (int d = 0; d < 7; d++)
		week[d] = (struct hours){d + 1, 8 * 60, 20 * 60};
	f->hours = week;
	f->nhours = 7;
}

static void apply(enum change c, struct booking_request *r, struct booking_facts *f)
{
	switch (c) {
	case NONE:
		break;
	case END_BEFORE_START:
		r->end = r->start;
		break;
	case TOO_SHORT:
		r->end = r->start + 4 * 60;
		break;
	case TOO_LONG:
		r->end = r->start + 9 * 3600;
		break;
	case NO_PATIENT:
		f->patient.found = false;
		break;
	case ARCHIVED:
		f->patient.archived = true;
		break;
	case NO_PRACTITIONER:
		f->practitioner_found = false;
		break;
	case PRACTITIONER_INACTIVE:
		f->practitioner_active = false;
		break;
	case NO_ROOM:
		f->room_found = false;
		break;
	case ROOM_INACTIVE:
		f->room_active = false;
		break;
	case NO_PLAN:
		f->plan_found = false;
		break;
	case NO_PLAN_DEFAULT_END:
		f->plan_found = false;
		r->end_defaulted = true;
		r->end = r->start; /* would fail the times check, but the plan is named first */
		break;
	case PLAN_OTHER_PATIENT:
		f->plan.patient_id = 8;
		break;
	case HOLD_PLAN:
		f->plan.status = PLAN_ON_HOLD;
		break;
	case DONE_PLAN:
		f->plan.status = PLAN_COMPLETED;
		break;
	case PLAN_FULL:
		f->progress.holding = 3;
		break;
	case UNDERAGE:
		f->patient.birth = (struct cdate){2009, 3, 2}; /* 18 the day after */
		break;
	case NO_SCREENING:
		f->patient.has_screening = false;
		break;
	case NO_SCREENING_CONSULTATION:
		f->patient.has_screening = false;
		r->kind = KIND_CONSULTATION;
		r->plan_id = 0;
		break;
	case BLOCKING:
		conds[0] = (struct screened_condition){"rosacea", SEV_BLOCK, false};
		f->patient.conds = conds;
		f->patient.nconds = 1;
		break;
	case CLEARANCE_MISSING:
	case CLEARANCE_GIVEN:
		conds[0] =
		    (struct screened_condition){"pregnant", SEV_CLEARANCE, c == CLEARANCE_GIVEN};
		f->patient.conds = conds;
		f->patient.nconds = 1;
		break;
	case CAUTION:
	case CAUTION_CONSULTATION:
		conds[0] = (struct screened_condition){"anticoagulants", SEV_CAUTION, false};
		f->patient.conds = conds;
		f->patient.nconds = 1;
		if (c == CAUTION_CONSULTATION) {
			r->kind = KIND_CONSULTATION;
			r->plan_id = 0;
		}
		break;
	case PREV_TOO_CLOSE:
		f->prev_start = r->start - 20 * DAY;
		break;
	case NEXT_TOO_CLOSE:
		f->next_start = r->start + 10 * DAY;
		break;
	case PREV_BEYOND_MAX:
		f->prev_start = r->start - 50 * DAY;
		break;
	case NEXT_BEYOND_MAX:
		f->next_start = r->start + 50 * DAY;
		break;
	case NO_CONSENT:
		f->has_consent = false;
		break;
	case OUTSIDE_HOURS:
		r->start = at("2027-03-01T19:30:00Z");
		r->end = r->start + 3600;
		f->prev_start = r->start - 35 * DAY;
		break;
	case TIME_OFF:
		off[0] = (struct interval){r->start - 3600, r->start + 1800};
		f->off = off;
		f->noff = 1;
		break;
	case CONFLICT_PRACTITIONER:
		f->conflict[BOOK_PARTY_PRACTITIONER] = 41;
		break;
	case CONFLICT_ROOM:
		f->conflict[BOOK_PARTY_ROOM] = 42;
		break;
	case CONFLICT_PATIENT:
		f->conflict[BOOK_PARTY_PATIENT] = 43;
		break;
	case YESTERDAY:
		r->now = r->start + DAY;
		break;
	case EARLIER_TODAY:
		r->now = r->start + 3 * 3600; /* 13:00 the same day: today still counts */
		break;
	case TWO_YEARS_AHEAD:
		r->now = at("2025-03-01T18:00:00Z");
		break;
	case TWO_YEARS_AND_A_DAY:
		r->now = at("2025-02-28T18:00:00Z");
		break;
	case MOVING_BOOKED:
		r->moving_status = APPT_BOOKED;
		break;
	case MOVING_CHECKED_IN:
		r->moving_status = APPT_CHECKED_IN;
		break;
	case FULL_AND_UNDERAGE:
		apply(PLAN_FULL, r, f);
		apply(UNDERAGE, r, f);
		break;
	case UNDERAGE_AND_TOO_CLOSE:
		apply(UNDERAGE, r, f);
		apply(PREV_TOO_CLOSE, r, f);
		break;
	case TOO_CLOSE_AND_OUTSIDE:
		apply(OUTSIDE_HOURS, r, f);
		f->prev_start = r->start - 20 * DAY;
		break;
	case OUTSIDE_AND_CONFLICT:
		apply(OUTSIDE_HOURS, r, f);
		apply(CONFLICT_ROOM, r, f);
		break;
	case ROOM_AND_PLAN:
		apply(NO_ROOM, r, f);
		apply(HOLD_PLAN, r, f);
		break;
	case CONSULTATION_ROOM:
		f->room_kind = ROOM_CONSULTATION;
		break;
	case CONSULTATION_IN_CONSULTATION_ROOM:
	case REVIEW_IN_CONSULTATION_ROOM:
		f->room_kind = ROOM_CONSULTATION;
		r->kind = c == REVIEW_IN_CONSULTATION_ROOM ? KIND_REVIEW : KIND_CONSULTATION;
		r->plan_id = 0;
		f->plan_found = false;
		break;
	case CONSULTATION_IN_TREATMENT_ROOM:
		r->kind = KIND_CONSULTATION;
		r->plan_id = 0;
		f->plan_found = false;
		break;
	case TYPE_TAKES_CONSULTATION_ROOM:
		f->room_kind = ROOM_CONSULTATION;
		f->type_room_kind = ROOM_CONSULTATION;
		break;
	case HOURS_AND_ROOM_KIND:
		apply(OUTSIDE_HOURS, r, f);
		f->room_kind = ROOM_CONSULTATION;
		break;
	case ROOM_KIND_AND_CONFLICT:
		f->room_kind = ROOM_CONSULTATION;
		apply(CONFLICT_ROOM, r, f);
		break;
	}
}

#define D  ROLE_FRONT_DESK
#define P  ROLE_PRACTITIONER
#define A  ROLE_ADMIN
#define VF (-ERR_VALIDATION_FAILED)

static const struct row rows[] = {
    {"passes", NONE, D, false, 0, NULL, 0, false, false, 0, false},
    {"ends before it starts", END_BEFORE_START, D, false, VF, "end", 0, false, false, 0, false},
    {"under 5 minutes", TOO_SHORT, D, false, VF, "end", 0, false, false, 0, false},
    {"over 8 hours", TOO_LONG, D, false, VF, "end", 0, false, false, 0, false},
    {"no such patient", NO_PATIENT, D, false, VF, "patient_id", 0, false, false, 0, false},
    {"archived patient", ARCHIVED, D, false, -ERR_PATIENT_ARCHIVED, NULL, 0, false, false, 0,
     false},
    {"no such practitioner", NO_PRACTITIONER, D, false, VF, "practitioner_id", 0, false, false, 0,
     false},
    {"inactive practitioner", PRACTITIONER_INACTIVE, D, false, VF, "practitioner_id", 0, false,
     false, 0, false},
    {"no such room", NO_ROOM, D, false, VF, "room_id", 0, false, false, 0, false},
    {"room not in use", ROOM_INACTIVE, D, false, VF, "room_id", 0, false, false, 0, false},
    {"no such plan", NO_PLAN, D, false, VF, "plan_id", 0, false, false, 0, false},
    {"no such plan, default length", NO_PLAN_DEFAULT_END, D, false, VF, "plan_id", 0, false, false,
     0, false},
    {"another patient's plan", PLAN_OTHER_PATIENT, D, false, VF, "plan_id", 0, false, false, 0,
     false},
    {"plan on hold", HOLD_PLAN, P, true, -ERR_PLAN_NOT_ACTIVE, NULL, 0, false, false, 0, false},
    {"plan completed", DONE_PLAN, A, true, -ERR_PLAN_NOT_ACTIVE, NULL, 0, false, false, 0, false},
    {"plan full", PLAN_FULL, A, true, -ERR_PLAN_FULL, NULL, 0, false, false, 0, false},
    {"under 18 on the day", UNDERAGE, A, true, -ERR_UNDERAGE, NULL, 0, false, false, 0, false},
    {"no screening", NO_SCREENING, P, true, -ERR_SCREENING_REQUIRED, NULL, 0, false, false, 0,
     false},
    {"consultation without screening", NO_SCREENING_CONSULTATION, D, false, 0, NULL, 0, false,
     false, 0, false},
    {"blocking condition", BLOCKING, A, true, -ERR_CONTRAINDICATED, NULL, 0, false, false, 0,
     false},
    {"clearance missing", CLEARANCE_MISSING, P, true, -ERR_CONTRAINDICATED, NULL, 0, false, false,
     0, false},
    {"clearance recorded", CLEARANCE_GIVEN, D, false, 0, NULL, 0, false, false, 0, false},
    {"caution warns", CAUTION, D, false, 0, NULL, BOOK_WARN_CAUTION, false, false, 0, false},
    {"caution on a consultation", CAUTION_CONSULTATION, D, false, 0, NULL, BOOK_WARN_CAUTION, false,
     false, 0, false},
    {"too close to the previous", PREV_TOO_CLOSE, D, false, -ERR_SPACING_TOO_SHORT, NULL, 0, false,
     false, 0, false},
    {"front desk cannot override spacing", PREV_TOO_CLOSE, D, true, -ERR_SPACING_TOO_SHORT, NULL, 0,
     false, false, 0, false},
    {"practitioner without a reason", PREV_TOO_CLOSE, P, false, -ERR_SPACING_TOO_SHORT, NULL, 0,
     false, false, 0, false},
    {"practitioner overrides spacing", PREV_TOO_CLOSE, P, true, 0, NULL, 0, true, false, 0, false},
    {"admin overrides spacing", PREV_TOO_CLOSE, A, true, 0, NULL, 0, true, false, 0, false},
    {"too close to the following", NEXT_TOO_CLOSE, D, false, -ERR_SPACING_TOO_SHORT, NULL, 0, false,
     false, 0, false},
    {"practitioner overrides the following", NEXT_TOO_CLOSE, P, true, 0, NULL, 0, true, false, 0,
     false},
    {"beyond max after the previous", PREV_BEYOND_MAX, D, false, 0, NULL, BOOK_WARN_BEYOND_MAX_PREV,
     false, false, 0, false},
    {"beyond max before the following", NEXT_BEYOND_MAX, D, false, 0, NULL,
     BOOK_WARN_BEYOND_MAX_NEXT, false, false, 0, false},
    {"no consent warns", NO_CONSENT, D, false, 0, NULL, BOOK_WARN_CONSENT_MISSING, false, false, 0,
     false},
    {"outside hours", OUTSIDE_HOURS, D, false, -ERR_OUTSIDE_HOURS, NULL, 0, false, false, 0, false},
    {"practitioner cannot override hours", OUTSIDE_HOURS, P, true, -ERR_OUTSIDE_HOURS, NULL, 0,
     false, false, 0, false},
    {"admin without a reason", OUTSIDE_HOURS, A, false, -ERR_OUTSIDE_HOURS, NULL, 0, false, false,
     0, false},
    {"admin overrides hours", OUTSIDE_HOURS, A, true, 0, NULL, 0, false, true, 0, false},
    {"time off", TIME_OFF, D, false, -ERR_OUTSIDE_HOURS, NULL, 0, false, false, 0, false},
    {"practitioner busy", CONFLICT_PRACTITIONER, A, true, -ERR_CONFLICT, NULL, 0, false, false,
     BOOK_PARTY_PRACTITIONER, false},
    {"room busy", CONFLICT_ROOM, A, true, -ERR_CONFLICT, NULL, 0, false, false, BOOK_PARTY_ROOM,
     false},
    {"patient busy", CONFLICT_PATIENT, A, true, -ERR_CONFLICT, NULL, 0, false, false,
     BOOK_PARTY_PATIENT, false},
    {"yesterday", YESTERDAY, A, true, VF, "start", 0, false, false, 0, false},
    {"earlier today", EARLIER_TODAY, D, false, 0, NULL, 0, false, false, 0, false},
    {"two years ahead", TWO_YEARS_AHEAD, D, false, 0, NULL, 0, false, false, 0, false},
    {"two years and a day ahead", TWO_YEARS_AND_A_DAY, A, true, VF, "start", 0, false, false, 0,
     false},
    {"moving a booked appointment", MOVING_BOOKED, D, false, 0, NULL, 0, false, false, 0, false},
    {"moving a checked-in appointment", MOVING_CHECKED_IN, D, false, -ERR_BAD_TRANSITION, NULL, 0,
     false, false, 0, false},
    {"full before underage", FULL_AND_UNDERAGE, D, false, -ERR_PLAN_FULL, NULL, 0, false, false, 0,
     false},
    {"underage before spacing", UNDERAGE_AND_TOO_CLOSE, D, false, -ERR_UNDERAGE, NULL, 0, false,
     false, 0, false},
    {"spacing before hours", TOO_CLOSE_AND_OUTSIDE, D, false, -ERR_SPACING_TOO_SHORT, NULL, 0,
     false, false, 0, false},
    {"hours before conflicts", OUTSIDE_AND_CONFLICT, D, false, -ERR_OUTSIDE_HOURS, NULL, 0, false,
     false, 0, false},
    {"room before plan state", ROOM_AND_PLAN, D, false, VF, "room_id", 0, false, false, 0, false},
    {"treatment in a consultation room", CONSULTATION_ROOM, D, false, -ERR_ROOM_UNSUITABLE, NULL, 0,
     false, false, 0, false},
    {"front desk cannot override the room", CONSULTATION_ROOM, D, true, -ERR_ROOM_UNSUITABLE, NULL,
     0, false, false, 0, false},
    {"practitioner cannot override the room", CONSULTATION_ROOM, P, true, -ERR_ROOM_UNSUITABLE,
     NULL, 0, false, false, 0, false},
    {"admin without a reason, room", CONSULTATION_ROOM, A, false, -ERR_ROOM_UNSUITABLE, NULL, 0,
     false, false, 0, false},
    {"admin overrides the room", CONSULTATION_ROOM, A, true, 0, NULL, 0, false, false, 0, true},
    {"consultation in a consultation room", CONSULTATION_IN_CONSULTATION_ROOM, D, false, 0, NULL, 0,
     false, false, 0, false},
    {"review in a consultation room", REVIEW_IN_CONSULTATION_ROOM, D, false, 0, NULL, 0, false,
     false, 0, false},
    {"consultation in a treatment room", CONSULTATION_IN_TREATMENT_ROOM, D, false, 0, NULL, 0,
     false, false, 0, false},
    {"a type that takes a consultation room", TYPE_TAKES_CONSULTATION_ROOM, D, false, 0, NULL, 0,
     false, false, 0, false},
    {"hours before the room", HOURS_AND_ROOM_KIND, D, false, -ERR_OUTSIDE_HOURS, NULL, 0, false,
     false, 0, false},
    {"the room before conflicts", ROOM_KIND_AND_CONFLICT, D, false, -ERR_ROOM_UNSUITABLE, NULL, 0,
     false, false, 0, false},
};

static void booking_verdicts(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++) {
		const struct row *w = &rows[i];
		struct booking_request r;
		struct booking_facts f;
		struct booking_verdict v;
		base(&r, &f);
		r.role = w->role;
		r.has_override = w->override;
		apply(w->change, &r, &f);
		int got = rules_booking(&r, &f, &v);
		row_check(&bad, got == w->refusal && v.refusal == got, "%s: refusal %d, want %d",
			  w->name, got, w->refusal);
		row_check(&bad,
			  (!w->field && !v.field) ||
			      (w->field && v.field && !strcmp(w->field, v.field)),
			  "%s: field %s, want %s", w->name, v.field ? v.field : "-",
			  w->field ? w->field : "-");
		row_check(&bad, !got || v.message, "%s: a refusal without a sentence", w->name);
		row_check(&bad, v.warnings == w->warnings, "%s: warnings %#x, want %#x", w->name,
			  v.warnings, w->warnings);
		row_check(&bad,
			  v.spacing_override == w->spacing_override &&
			      v.hours_override == w->hours_override &&
			      v.room_override == w->room_override,
			  "%s: overrides spacing %d hours %d room %d", w->name, v.spacing_override,
			  v.hours_override, v.room_override);
		if (w->refusal == -ERR_CONFLICT)
			row_check(&bad,
				  v.conflict_with == w->with && v.conflict_id == 41 + (int)w->with,
				  "%s: conflict with %d (#%lld)", w->name, v.conflict_with,
				  (long long)v.conflict_id);
	}
	assert_int_equal(bad, 0);
}

/* The details a refusal or a warning renders come with the verdict. */
static void verdict_details(void **state)
{
	(void)state;
	struct booking_request r;
	struct booking_facts f;
	struct booking_verdict v;
	base(&r, &f);
	apply(PREV_TOO_CLOSE, &r, &f);
	assert_int_equal(rules_booking(&r, &f, &v), -ERR_SPACING_TOO_SHORT);
	assert_true(v.spacing.too_close_prev);
	assert_int_equal(v.spacing.earliest_day, dates_local_day(f.prev_start) + 28);

	base(&r, &f);
	apply(NEXT_BEYOND_MAX, &r, &f);
	assert_int_equal(rules_booking(&r, &f, &v), 0);
	assert_int_equal(v.next_latest_day, dates_local_day(r.start) + 42);

	base(&r, &f);
	conds[0] = (struct screened_condition){"rosacea", SEV_BLOCK, false};
	conds[1] = (struct screened_condition){"sunburn", SEV_CAUTION, false};
	f.patient.conds = conds;
	f.patient.nconds = 2;
	assert_int_equal(rules_booking(&r, &f, &v), -ERR_CONTRAINDICATED);
	assert_int_equal(v.gate.nblocked, 1);
	assert_string_equal(v.gate.blocked[0], "rosacea");
	/* The cautions travel with a refusal too. */
	assert_int_equal(v.gate.ncautions, 1);
	assert_true(v.warnings & BOOK_WARN_CAUTION);
}

/* A visit's default end: the treatment type's length for a plan, else 30 minutes. */
static void default_end(void **state)
{
	(void)state;
	struct booking_request r;
	struct booking_facts f;
	base(&r, &f);
	f.type_duration_min = 45;
	assert_int_equal(rules_booking_end(&r, &f) - r.start, 45 * 60);
	f.plan_found = false;
	assert_int_equal(rules_booking_end(&r, &f) - r.start, 30 * 60);
	r.plan_id = 0;
	r.kind = KIND_CONSULTATION;
	assert_int_equal(rules_booking_end(&r, &f) - r.start, 30 * 60);
}

/* Severities come from the catalog; a code it no longer lists is a caution. Clearances
 * mark their own condition only. */
static void screened_conditions(void **state)
{
	(void)state;
	char rosacea[] = "rosacea", pregnant[] = "pregnant", retired[] = "old_code",
	     dr[] = "Dr Reyes", empty[] = "";
	struct condition cat[] = {{rosacea, rosacea, SEV_BLOCK, true},
				  {pregnant, pregnant, SEV_CLEARANCE, true}};
	assert_int_equal(rules_condition_severity("rosacea", cat, 2), SEV_BLOCK);
	assert_int_equal(rules_condition_severity("pregnant", cat, 2), SEV_CLEARANCE);
	assert_int_equal(rules_condition_severity("old_code", cat, 2), SEV_CAUTION);
	assert_int_equal(rules_condition_severity("rosacea", NULL, 0), SEV_CAUTION);

	char *codes[] = {rosacea, pregnant, retired};
	struct clearance cl = {pregnant, dr, 0, empty};
	struct screening s = {
	    .conditions = codes, .nconditions = 3, .clearances = &cl, .nclearances = 1};
	struct screened_condition out[3];
	rules_screened_conditions(&s, cat, 2, out);
	assert_int_equal(out[0].severity, SEV_BLOCK);
	assert_false(out[0].cleared);
	assert_int_equal(out[1].severity, SEV_CLEARANCE);
	assert_true(out[1].cleared);
	assert_int_equal(out[2].severity, SEV_CAUTION);
	assert_string_equal(out[2].code, "old_code");
}

/* A birth date that does not parse is an internal error, never a pass. */
static void unreadable_birth_date(void **state)
{
	(void)state;
	struct booking_request r;
	struct booking_facts f;
	struct gate_result g;
	base(&r, &f);
	f.patient.birth_ok = false;
	assert_int_equal(rules_safety(&f.patient, KIND_TREATMENT, r.start, &g), -ERR_INTERNAL);
	assert_int_equal(rules_safety(&f.patient, KIND_CONSULTATION, r.start, &g), -ERR_INTERNAL);
}

static void plan_link(void **state)
{
	(void)state;
	const char *why;
	assert_int_equal(rules_plan_link(KIND_TREATMENT, true, &why), 0);
	assert_null(why);
	assert_int_equal(rules_plan_link(KIND_TREATMENT, false, &why), -ERR_VALIDATION_FAILED);
	assert_non_null(why);
	assert_int_equal(rules_plan_link(KIND_CONSULTATION, true, &why), -ERR_VALIDATION_FAILED);
	assert_int_equal(rules_plan_link(KIND_REVIEW, true, &why), -ERR_VALIDATION_FAILED);
	assert_int_equal(rules_plan_link(KIND_CONSULTATION, false, &why), 0);
	assert_int_equal(rules_plan_link(KIND_REVIEW, false, &why), 0);
}

/* RULES.md rule 56: what each visit needs and which rooms have it. */
static void room_kinds(void **state)
{
	(void)state;
	static const struct {
		int visit, type_room, room;
		bool suits;
	} cases[] = {
	    {KIND_TREATMENT, ROOM_TREATMENT, ROOM_TREATMENT, true},
	    {KIND_TREATMENT, ROOM_TREATMENT, ROOM_CONSULTATION, false},
	    {KIND_TREATMENT, 0, ROOM_CONSULTATION, false},
	    {KIND_TREATMENT, ROOM_CONSULTATION, ROOM_CONSULTATION, true},
	    {KIND_TREATMENT, ROOM_CONSULTATION, ROOM_TREATMENT, true},
	    {KIND_CONSULTATION, ROOM_TREATMENT, ROOM_CONSULTATION, true},
	    {KIND_CONSULTATION, 0, ROOM_TREATMENT, true},
	    {KIND_REVIEW, 0, ROOM_CONSULTATION, true},
	    {KIND_REVIEW, 0, ROOM_TREATMENT, true},
	    {KIND_CONSULTATION, 0, 0, false}, /* a room of no known kind takes nothing */
	};
	int bad = 0;
	for (size_t i = 0; i < NROWS(cases); i++) {
		int need = rules_room_need(cases[i].visit, cases[i].type_room);
		row_check(&bad, rules_room_suits(need, cases[i].room) == cases[i].suits,
			  "row %zu: visit %d type %d room %d", i, cases[i].visit,
			  cases[i].type_room, cases[i].room);
	}
	assert_int_equal(bad, 0);
}

/* An undo that retakes the time: the plan, spacing and the clock, and no override. */
static void undo_retakes_the_time(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		enum change change;
		int refusal;
	} cases[] = {
	    {"free", NONE, 0},
	    {"plan on hold", HOLD_PLAN, -ERR_PLAN_NOT_ACTIVE},
	    {"plan full since", PLAN_FULL, -ERR_PLAN_FULL},
	    {"a session booked too close since", PREV_TOO_CLOSE, -ERR_SPACING_TOO_SHORT},
	    {"a following session too close", NEXT_TOO_CLOSE, -ERR_SPACING_TOO_SHORT},
	    {"the room rebooked", CONFLICT_ROOM, -ERR_CONFLICT},
	    {"the practitioner rebooked", CONFLICT_PRACTITIONER, -ERR_CONFLICT},
	    {"the patient booked elsewhere", CONFLICT_PATIENT, -ERR_CONFLICT},
	    /* What the booking was judged on then is not judged again. */
	    {"outside hours now", OUTSIDE_HOURS, 0},
	    {"underage", UNDERAGE, 0},
	    {"a consultation room", CONSULTATION_ROOM, 0},
	    {"yesterday's appointment", YESTERDAY, 0},
	};
	int bad = 0;
	for (size_t i = 0; i < NROWS(cases); i++) {
		struct booking_request r;
		struct booking_facts f;
		struct booking_verdict v;
		base(&r, &f);
		apply(cases[i].change, &r, &f);
		r.role = ROLE_ADMIN;
		r.has_override = true;
		int got = rules_undo_booking(&r, &f, &v);
		row_check(&bad, got == cases[i].refusal && v.refusal == got,
			  "%s: refusal %d, want %d", cases[i].name, got, cases[i].refusal);
		row_check(&bad, !got || v.message, "%s: a refusal without a sentence",
			  cases[i].name);
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	dates_set_zone("UTC");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(booking_verdicts),
	    cmocka_unit_test(verdict_details),
	    cmocka_unit_test(default_end),
	    cmocka_unit_test(screened_conditions),
	    cmocka_unit_test(unreadable_birth_date),
	    cmocka_unit_test(plan_link),
	    cmocka_unit_test(room_kinds),
	    cmocka_unit_test(undo_retakes_the_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
