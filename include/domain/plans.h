/* A treatment plan's own rules (docs/RULES.md rule 4 and the plan decisions): which status
 * changes a person may make, when a plan completes by itself, and its size and spacing
 * bounds. Pure. */
#ifndef COLLAGENDA_DOMAIN_PLANS_H
#define COLLAGENDA_DOMAIN_PLANS_H

#include <stdbool.h>

/* Hard bounds of any plan, whatever its treatment type. */
#define PLAN_MIN_SESSIONS 1
#define PLAN_MAX_SESSIONS 12
#define PLAN_MIN_DAYS	  7
#define PLAN_MAX_DAYS	  180

/* 0 when a person may move a plan from status from to status to (the same status is no
 * change): active to on hold, cancelled or completed; on hold to active or cancelled.
 * Completed and cancelled plans stay so: -ERR_BAD_TRANSITION. */
int rules_plan_status_change(int from, int to);

/* True when a plan completes by itself: it is active and its planned sessions are all
 * completed (by signing their notes, or by planning fewer). */
bool rules_plan_completes(int status, int planned, int completed);

struct plan_refusal {
	const char *field;
	const char *message;
};

/* 0 when a plan of planned sessions, min_days..max_days apart, with holding sessions
 * already holding a time, is well formed; -ERR_VALIDATION_FAILED with the field and a
 * sentence otherwise (fewer planned than held first, then the interval order). */
int rules_plan_shape(int planned, int min_days, int max_days, int holding,
		     struct plan_refusal *out);

/* A plan against its treatment type's bounds (RULES.md rule 53). */
struct plan_bounds {
	int planned, min_days, max_days;  /* the plan as it would be */
	int type_max_sessions;		  /* the treatment type's */
	int type_min_days, type_max_days; /* the treatment type's interval range */
	bool has_override;		  /* a non-empty override_reason */
	unsigned role;			  /* the actor's role bit */
};

/* 0 when the plan lies inside its type's bounds (no more sessions than the type's maximum,
 * intervals inside the type's range), or lies outside them with an override reason from a
 * practitioner; else -ERR_VALIDATION_FAILED (field override_reason: a reason is needed) or
 * -ERR_FORBIDDEN (only a practitioner plans outside the bounds), with a sentence. *outside
 * says whether the plan lies outside the bounds. */
int rules_plan_bounds(const struct plan_bounds *b, bool *outside, struct plan_refusal *out);

#endif
