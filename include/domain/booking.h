/* The booking decision (docs/RULES.md rules 1-6 and the booking decisions): the facts one
 * booking or reschedule needs, and the verdict the rules give on them. Pure: no I/O, no
 * JSON; store/ loads the facts, api/ renders the verdict. */
#ifndef COLLAGENDA_DOMAIN_BOOKING_H
#define COLLAGENDA_DOMAIN_BOOKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/clinical.h"
#include "domain/schedule.h"

/* What decides whether a patient may be treated (rules 1 and 2): their birth date, whether
 * they are archived, and their latest screening with each condition's severity. */
struct safety_facts {
	bool found;
	bool archived;
	bool birth_ok; /* the stored date of birth parsed */
	struct cdate birth;
	bool has_screening;
	struct screening screening;	  /* the latest, when has_screening */
	struct screened_condition *conds; /* codes borrowed from screening */
	size_t nconds;
};
void safety_facts_cleanup(struct safety_facts *f);

/* Severity of a screened condition: the catalog's, and a caution for a code the catalog no
 * longer lists, so that nothing a practitioner recorded is dropped silently. */
int rules_condition_severity(const char *code, const struct condition *catalog, size_t n);
/* Fills out (room for s->nconditions) with each condition's severity and clearance. */
void rules_screened_conditions(const struct screening *s, const struct condition *catalog,
			       size_t ncatalog, struct screened_condition *out);

/* Rules 1 and 2 for kind on the clinic-local date of instant at: 0 or the refusal, with
 * the condition lists in *out (filled for every kind, pass or fail). An unreadable birth
 * date is -ERR_INTERNAL. */
int rules_safety(const struct safety_facts *f, int kind, int64_t at, struct gate_result *out);

enum booking_party { BOOK_PARTY_PRACTITIONER, BOOK_PARTY_ROOM, BOOK_PARTY_PATIENT, BOOK_PARTIES };

/* Everything one booking check reads, loaded in one store call (store/booking.h). */
struct booking_facts {
	struct safety_facts patient;
	bool practitioner_found;
	bool practitioner_active; /* an active user with the practitioner role */
	bool room_found;
	bool room_active;
	int room_kind;	    /* enum room_kind of the room, when room_found */
	int type_room_kind; /* the room kind the plan's treatment type needs, when plan_found */
	bool plan_found;
	struct plan plan;		/* when plan_found */
	struct plan_progress progress;	/* the plan's, without the appointment itself */
	int type_duration_min;		/* the plan's treatment type's default length */
	int64_t prev_start, next_start; /* the plan's holding neighbours; 0 for none */
	bool has_consent;		/* for the plan's treatment type */
	struct hours *hours;
	size_t nhours;
	struct interval *off; /* the practitioner's time off */
	size_t noff;
	int64_t conflict[BOOK_PARTIES]; /* an overlapping holding appointment, or 0 */
};
void booking_facts_cleanup(struct booking_facts *f);

/* What is asked: a new appointment (moving 0) or a move of a booked one. */
struct booking_request {
	int kind;
	int64_t patient_id;
	int64_t plan_id; /* 0 for none */
	int64_t practitioner_id;
	int64_t room_id;
	int64_t start;
	int64_t end;
	bool end_defaulted; /* end was not given: rules_booking_end chose it */
	bool has_override;  /* a non-empty override_reason */
	unsigned role;	    /* the actor's role bit */
	int64_t now;	    /* the time of the request */
	int moving_status;  /* the current status of a moved appointment; 0 when new */
};

/* Only treatments belong to a plan, and every treatment belongs to one: 0, or
 * -ERR_VALIDATION_FAILED (field plan_id) with *message. */
int rules_plan_link(int kind, bool has_plan, const char **message);

/* RULES.md rule 56: the kind of room a visit needs. A treatment needs the room its treatment
 * type names (type_room_kind; a treatment room when 0); consultations and reviews need no
 * more than a consultation room. */
int rules_room_need(int visit_kind, int type_room_kind);
/* True when a room of kind room_kind may take a visit that needs need: a treatment room
 * takes every visit, a consultation room only those that need no more. */
bool rules_room_suits(int need, int room_kind);

/* The end of a visit whose end is not given: its start plus the plan's treatment type's
 * length, else 30 minutes (consultations and reviews). */
int64_t rules_booking_end(const struct booking_request *r, const struct booking_facts *f);

enum booking_warning {
	BOOK_WARN_CAUTION = 1u,
	BOOK_WARN_BEYOND_MAX_PREV = 2u,
	BOOK_WARN_BEYOND_MAX_NEXT = 4u,
	BOOK_WARN_CONSENT_MISSING = 8u,
};

struct booking_verdict {
	int refusal;	     /* 0, or the error code that refuses the booking */
	const char *field;   /* for -ERR_VALIDATION_FAILED: the field at fault */
	const char *message; /* a sentence for the refusal */
	struct gate_result gate;
	struct spacing_result spacing;
	int64_t next_latest_day; /* start's day + max, for BOOK_WARN_BEYOND_MAX_NEXT */
	enum booking_party conflict_with;
	int64_t conflict_id;
	unsigned warnings; /* enum booking_warning bits */
	int room_need;	   /* the room kind the visit needs (for -ERR_ROOM_UNSUITABLE) */
	bool spacing_override;
	bool hours_override;
	bool room_override;
};

/*
 * Decides a booking or a move, in the order a clinic explains a refusal: the request's
 * own times, the named patient, practitioner, room and plan, the plan's state and size
 * (rule 4), the patient's safety (rules 1 and 2), spacing (rule 3, overridable with a
 * reason by practitioners and admins), working hours (rule 6, overridable by admins), the
 * room's kind (rule 56, overridable by admins) and last the clock (rule 5). Fills *v and
 * returns v->refusal.
 */
int rules_booking(const struct booking_request *r, const struct booking_facts *f,
		  struct booking_verdict *v);

/*
 * RULES.md rule 7: whether a cancelled or missed appointment r may take its time again on
 * an undo, with facts f loaded for r without the appointment itself: its plan is still
 * active with a session to spare and far enough from its other sessions (rules 3 and 4),
 * and nothing booked since overlaps it (rule 5). No override applies. Fills *v and
 * returns v->refusal.
 */
int rules_undo_booking(const struct booking_request *r, const struct booking_facts *f,
		       struct booking_verdict *v);

#endif
