/* Unit tests for domain/plans: every plan status change, completion by itself, and the
 * size and interval bounds, table by table. */
#include "unit.h"

#include "domain/model.h"
#include "domain/plans.h"
#include "domain/schedule.h"
#include "util/err.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

static void status_changes(void **state)
{
	(void)state;
	/* allowed[from][to], statuses 1..4: active, completed, on hold, cancelled. */
	static const bool allowed[5][5] = {
	    [PLAN_ACTIVE] = {[PLAN_ACTIVE] = true,
			     [PLAN_COMPLETED] = true,
			     [PLAN_ON_HOLD] = true,
			     [PLAN_CANCELLED] = true},
	    [PLAN_COMPLETED] = {[PLAN_COMPLETED] = true},
	    [PLAN_ON_HOLD] = {[PLAN_ACTIVE] = true, [PLAN_ON_HOLD] = true, [PLAN_CANCELLED] = true},
	    [PLAN_CANCELLED] = {[PLAN_CANCELLED] = true},
	};
	int bad = 0;
	for (int from = PLAN_ACTIVE; from <= PLAN_CANCELLED; from++)
		for (int to = PLAN_ACTIVE; to <= PLAN_CANCELLED; to++) {
			int got = rules_plan_status_change(from, to);
			row_check(&bad, got == (allowed[from][to] ? 0 : -ERR_BAD_TRANSITION),
				  "%s -> %s: %d", plan_status_name(from), plan_status_name(to),
				  got);
		}
	assert_int_equal(bad, 0);
}

static void completes_by_itself(void **state)
{
	(void)state;
	static const struct {
		int status, planned, completed;
		bool completes;
	} rows[] = {
	    {PLAN_ACTIVE, 3, 3, true},	   {PLAN_ACTIVE, 3, 2, false},
	    {PLAN_ACTIVE, 2, 3, true},	   {PLAN_ON_HOLD, 3, 3, false},
	    {PLAN_CANCELLED, 3, 3, false}, {PLAN_COMPLETED, 3, 3, false},
	    {PLAN_ACTIVE, 1, 0, false},
	};
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++)
		row_check(&bad,
			  rules_plan_completes(rows[i].status, rows[i].planned,
					       rows[i].completed) == rows[i].completes,
			  "row %zu", i);
	assert_int_equal(bad, 0);
}

static void shape(void **state)
{
	(void)state;
	static const struct {
		int planned, min, max, holding;
		const char *field; /* NULL: well formed */
	} rows[] = {
	    {3, 28, 42, 0, NULL},
	    {1, 7, 7, 0, NULL},
	    {12, 180, 180, 12, NULL},
	    {0, 28, 42, 0, "planned_sessions"},
	    {13, 28, 42, 0, "planned_sessions"},
	    {2, 28, 42, 3, "planned_sessions"},
	    {3, 6, 42, 0, "min_interval_days"},
	    {3, 0, 42, 0, "min_interval_days"},
	    {3, 28, 181, 0, "max_interval_days"},
	    {3, 43, 42, 0, "max_interval_days"},
	    {2, 43, 42, 3, "planned_sessions"}, /* the size is named first */
	};
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++) {
		struct plan_refusal pr;
		int got = rules_plan_shape(rows[i].planned, rows[i].min, rows[i].max,
					   rows[i].holding, &pr);
		bool ok = rows[i].field ? got == -ERR_VALIDATION_FAILED && pr.field &&
					      strcmp(pr.field, rows[i].field) == 0 && pr.message
					: got == 0 && !pr.field;
		row_check(&bad, ok, "row %zu: %d %s", i, got, pr.field ? pr.field : "-");
	}
	assert_int_equal(bad, 0);
}

static void type_bounds(void **state)
{
	(void)state;
	static const struct {
		int planned, min, max;
		bool override;
		unsigned role;
		int want;
		bool outside;
	} rows[] = {
	    {3, 28, 42, false, ROLE_ADMIN, 0, false},
	    {6, 30, 40, false, ROLE_PRACTITIONER, 0, false}, /* inside, tighter */
	    {7, 28, 42, false, ROLE_PRACTITIONER, -ERR_VALIDATION_FAILED, true},
	    {7, 28, 42, true, ROLE_PRACTITIONER, 0, true},
	    {7, 28, 42, true, ROLE_ADMIN, -ERR_FORBIDDEN, true},
	    {12, 7, 8, false, ROLE_PRACTITIONER, -ERR_VALIDATION_FAILED, true},
	    {3, 27, 42, true, ROLE_PRACTITIONER, 0, true},
	    {3, 28, 43, false, ROLE_ADMIN, -ERR_VALIDATION_FAILED, true},
	    {3, 28, 43, true, ROLE_FRONT_DESK, -ERR_FORBIDDEN, true},
	};
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++) {
		struct plan_bounds b = {rows[i].planned,  rows[i].min, rows[i].max, 6, 28, 42,
					rows[i].override, rows[i].role};
		struct plan_refusal pr;
		bool outside = !rows[i].outside;
		int got = rules_plan_bounds(&b, &outside, &pr);
		row_check(&bad,
			  got == rows[i].want && outside == rows[i].outside && (!got || pr.message),
			  "row %zu: %d outside %d", i, got, outside);
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(status_changes),
	    cmocka_unit_test(completes_by_itself),
	    cmocka_unit_test(shape),
	    cmocka_unit_test(type_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
