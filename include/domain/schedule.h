/* The scheduling rules (RULES.md rules 1-7) and the derived views, as pure functions
 * over plain facts: each gets what the caller loaded and returns a decision. */
#ifndef COLLAGENDA_DOMAIN_SCHEDULE_H
#define COLLAGENDA_DOMAIN_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/dates.h"
#include "domain/model.h"

enum appt_kind { KIND_CONSULTATION = 1, KIND_TREATMENT, KIND_REVIEW };
enum appt_status { APPT_BOOKED = 1, APPT_CHECKED_IN, APPT_COMPLETED, APPT_CANCELLED, APPT_NO_SHOW };
enum plan_status { PLAN_ACTIVE = 1, PLAN_COMPLETED, PLAN_ON_HOLD, PLAN_CANCELLED };
enum severity { SEV_BLOCK = 1, SEV_CLEARANCE, SEV_CAUTION };

/* Names on the wire and back; parse returns 0 for an unknown name. */
const char *appt_kind_name(int kind);
int appt_kind_parse(const char *s);
const char *appt_status_name(int status);
int appt_status_parse(const char *s);
const char *plan_status_name(int status);
int plan_status_parse(const char *s);
const char *severity_name(int sev);
int severity_parse(const char *s);
const char *room_kind_name(int kind);
int room_kind_parse(const char *s);
/* True for the indication codes: fine_lines, acne_scars, scars, stretch_marks,
 * hyperpigmentation, pores, rejuvenation. */
bool indication_valid(const char *s);

/* Booked, checked-in and completed appointments hold their time (rule 5), count towards
 * a plan's size (rule 4) and anchor spacing (rule 3); cancelled and no-shows do not. */
bool appt_status_holds(int status);

/* Longest appointment the system accepts, so that overlap queries can be bounded. */
#define APPT_MAX_MINUTES 480

/* ---- Rules 1 and 2: who may be treated. ---- */

struct screened_condition {
	const char *code;
	int severity;
	bool cleared; /* a clearance is recorded (matters for SEV_CLEARANCE) */
};

#define GATE_MAX 32

struct gate_input {
	int kind; /* consultations always pass */
	struct cdate birth;
	struct cdate on; /* the appointment's clinic-local date */
	bool has_screening;
	const struct screened_condition *conds; /* of the latest screening */
	size_t nconds;
};

struct gate_result {
	const char *blocked[GATE_MAX];
	size_t nblocked;
	const char *needs_clearance[GATE_MAX];
	size_t nneeds_clearance;
	const char *cautions[GATE_MAX];
	size_t ncautions;
};

/* 0 or -ERR_UNDERAGE, -ERR_SCREENING_REQUIRED, -ERR_CONTRAINDICATED (checked in that
 * order; consultations and reviews always pass). The lists are filled for every kind,
 * pass or fail, so that every booking can show the cautions. */
int rules_gate(const struct gate_input *in, struct gate_result *out);

/* ---- RULES.md rule 3: spacing between a plan's sessions. ---- */

struct spacing_input {
	int64_t start;	    /* the new or moved session */
	int64_t prev_start; /* the plan's latest holding session before it; 0 if none */
	int64_t next_start; /* the plan's earliest holding session after it; 0 if none */
	int min_days;
	int max_days;
};

struct spacing_result {
	int64_t earliest_day; /* prev + min: first clinic-local day allowed (when prev) */
	int64_t latest_day;   /* prev + max: last day before the gap is "beyond max" */
	bool too_close_prev;
	bool too_close_next;	 /* the following session would be too soon after this one */
	int64_t next_latest_day; /* next - min: last day this one may take before next */
	bool beyond_max_prev;
	bool beyond_max_next;
};

/* Days are clinic-local calendar days (dates_local_day). 0, or -ERR_SPACING_TOO_SHORT
 * when either neighbour is fewer than min_days away; beyond-max flags are warnings. */
int rules_spacing(const struct spacing_input *in, struct spacing_result *out);

/* ---- RULES.md rule 6: working hours. ---- */

struct interval {
	int64_t start;
	int64_t end;
};

/* True when [start, end) lies on one clinic-local day inside that weekday's hours
 * (intervals that touch, such as 09:00-12:00 and 12:00-17:00, count as one) and
 * overlaps no time off. */
bool rules_within_hours(int64_t start, int64_t end, const struct hours *hours, size_t nhours,
			const struct interval *off, size_t noff);

/* ---- RULES.md rule 7: status changes. ---- */

/* Decides from -> to at time now for an appointment starting at start. A treatment
 * becomes completed only by signing its session record (by_signing). 0 or
 * -ERR_BAD_TRANSITION; *late_cancel says whether a cancellation is within 24 h. */
int rules_transition(int kind, int from, int to, int64_t now, int64_t start, bool by_signing,
		     bool *late_cancel);

/* How long the one who checked a patient in, recorded a no-show or cancelled may undo it. */
#define UNDO_WINDOW_S 300

/* What an undo of the latest status change reads: the appointment's status, who changed
 * it and when, and who asks when. */
struct undo_input {
	int status;
	int64_t changed_at; /* 0: never changed */
	int64_t changed_by;
	int64_t actor;
	int64_t now;
};

/* RULES.md rule 7: a check-in, no-show or cancellation goes back to booked within
 * UNDO_WINDOW_S seconds of the change, asked by the user who made it. 0, or
 * -ERR_BAD_TRANSITION (nothing to undo), -ERR_UNDO_NOT_YOURS or -ERR_UNDO_EXPIRED, in that
 * order. Whether the time is still free is for the caller to check (rules_undo_booking). */
int rules_undo(const struct undo_input *in);

/* ---- RULES.md rule 28: plan progress and the next due window. ---- */

struct window {
	int64_t from_day;
	int64_t to_day;
};

/* The next due window [last + min, last + max] in clinic-local days, given the plan's
 * status, its planned size, how many sessions hold a time, and the latest holding
 * session's start. False (no window) before the first session is booked, and when the
 * plan is full, done or not active. */
bool rules_next_window(int plan_status, int planned, int holding, int64_t last_start, int min_days,
		       int max_days, struct window *out);

/* ---- RULES.md rule 29: free slots. ---- */

struct room_busy {
	int64_t room_id;
	const struct interval *busy;
	size_t n;
};

struct slot_query {
	int64_t from_day; /* clinic-local days, inclusive */
	int64_t to_day;
	int64_t not_before; /* no slot starts before this instant (now) */
	int duration_min;
	int step_min; /* the grid, 15 */
	const struct hours *hours;
	size_t nhours;
	const struct interval *practitioner_busy; /* appointments and time off */
	size_t npractitioner_busy;
	const struct interval *patient_busy;
	size_t npatient_busy;
	const struct room_busy *rooms; /* active rooms, in preference order */
	size_t nrooms;
	/*
	 * When set, a room's busy times come from this call, made the first time the search
	 * looks at that room, and rooms[r].busy is not read: a room free at the first times
	 * tried is often the only one a search needs. It sets *busy (freed by the search)
	 * and *n, and returns 0 or an error, which ends the search.
	 */
	int (*load_room)(void *arg, int64_t room_id, struct interval **busy, size_t *n);
	void *load_arg;
	size_t limit;
};

struct slot {
	int64_t start;
	int64_t end;
	int64_t room_id;
};

/* Fills out (room for q->limit) with the earliest free slots, earliest first, and sets
 * *found to how many. Returns 0, or the error q->load_room returned. */
int rules_find_slots(const struct slot_query *q, struct slot *out, size_t *found);

/* True when [a_start, a_end) and [b_start, b_end) overlap. */
bool intervals_overlap(int64_t a_start, int64_t a_end, int64_t b_start, int64_t b_end);

#endif
