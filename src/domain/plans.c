/* The plan rules: status changes, completion by itself, size and interval bounds. */
#include "domain/plans.h"

#include "domain/schedule.h"
#include "domain/model.h"
#include "util/err.h"

int rules_plan_status_change(int from, int to)
{
	if (from == to)
		return 0;
	switch (from) {
	case PLAN_ACTIVE:
		if (to == PLAN_ON_HOLD || to == PLAN_CANCELLED || to == PLAN_COMPLETED)
			return 0;
		break;
	case PLAN_ON_HOLD:
		if (to == PLAN_ACTIVE || to == PLAN_CANCELLED)
			return 0;
		break;
	default:
		break; /* completed and cancelled plans stay so */
	}
	return -ERR_BAD_TRANSITION;
}

bool rules_plan_completes(int status, int planned, int completed)
{
	return status == PLAN_ACTIVE && completed >= planned;
}

int rules_plan_shape(int planned, int min_days, int max_days, int holding, struct plan_refusal *out)
{
	out->field = NULL;
	out->message = NULL;
	if (planned < PLAN_MIN_SESSIONS || planned > PLAN_MAX_SESSIONS) {
		out->field = "planned_sessions";
		out->message = "A plan has 1 to 12 sessions.";
	} else if (planned < holding) {
		out->field = "planned_sessions";
		out->message = "The plan already has more sessions booked than that.";
	} else if (min_days < PLAN_MIN_DAYS || max_days > PLAN_MAX_DAYS) {
		out->field = min_days < PLAN_MIN_DAYS ? "min_interval_days" : "max_interval_days";
		out->message = "Intervals are 7 to 180 days.";
	} else if (min_days > max_days) {
		out->field = "max_interval_days";
		out->message = "The longest interval is at least the shortest.";
	}
	return out->field ? -ERR_VALIDATION_FAILED : 0;
}

int rules_plan_bounds(const struct plan_bounds *b, bool *outside, struct plan_refusal *out)
{
	out->field = NULL;
	out->message = NULL;
	*outside = b->planned > b->type_max_sessions || b->min_days < b->type_min_days ||
		   b->max_days > b->type_max_days;
	if (!*outside)
		return 0;
	if (!b->has_override) {
		out->field = "override_reason";
		out->message = "More sessions than the treatment type allows, or intervals outside "
			       "its range, need an override_reason.";
		return -ERR_VALIDATION_FAILED;
	}
	if (b->role != ROLE_PRACTITIONER) {
		out->message = "Only a practitioner plans outside the treatment type's bounds.";
		return -ERR_FORBIDDEN;
	}
	return 0;
}
