/* Unit tests for domain/recall.c: when the first and second recall of a plan are due,
 * when none is, and when a queued one no longer stands (RULES.md rule 68). */
#include "unit.h"

#include "domain/dates.h"
#include "domain/messages.h"
#include "domain/recall.h"
#include "domain/schedule.h"

/* An active plan of 3 sessions, 28-42 days apart, session 1 done at 10:00 on day d0. */
static struct recall_facts plan_after(int64_t d0)
{
	struct recall_facts f = {
	    .plan_status = PLAN_ACTIVE,
	    .planned = 3,
	    .holding = 1,
	    .pending = 0,
	    .last_start = dates_local_to_instant(d0, 10 * 60),
	    .min_days = 28,
	    .max_days = 42,
	};
	return f;
}

static int64_t at(int64_t day, int hour, int minute)
{
	return dates_local_to_instant(day, hour * 60 + minute);
}

static void the_first_recall_waits_for_the_window(void **state)
{
	(void)state;
	dates_set_zone("Europe/Berlin");
	/* 2027-01-04 is day 20822. */
	const int64_t d0 = 20822, open = d0 + 28;
	static const struct {
		int64_t day;
		int hour, minute;
		int kind;
	} rows[] = {
	    {d0, 12, 0, 0},
	    {d0 + 27, 23, 59, 0},
	    {d0 + 28, 8, 59, 0},	 /* the window's day, before 09:00 */
	    {d0 + 28, 9, 0, MSG_RECALL}, /* 09:00 on its first day */
	    {d0 + 30, 15, 0, MSG_RECALL},
	    {d0 + 42, 23, 59, MSG_RECALL}, /* the window's last day */
	    {d0 + 43, 0, 0, 0},		   /* closed: the plan is overdue, none */
	};
	int bad = 0;
	struct recall_facts f = plan_after(d0);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct recall_decision d;
		recall_decide(&f, at(rows[i].day, rows[i].hour, rows[i].minute), &d);
		row_check(&bad, d.kind == rows[i].kind, "row %zu: kind %d, want %d", i, d.kind,
			  rows[i].kind);
		if (d.kind)
			row_check(&bad, d.due == at(open, 9, 0) && d.session == 2,
				  "row %zu: due %lld session %d", i, (long long)d.due, d.session);
	}
	assert_int_equal(bad, 0);
}

static void the_second_recall_comes_14_days_later(void **state)
{
	(void)state;
	dates_set_zone("Europe/Berlin");
	const int64_t d0 = 20822, open = d0 + 28;
	struct recall_facts f = plan_after(d0);
	f.first_status = MSG_SENT;
	struct recall_decision d;
	recall_decide(&f, at(open + 13, 23, 0), &d);
	assert_int_equal(d.kind, 0);
	recall_decide(&f, at(open + 14, 8, 59), &d);
	assert_int_equal(d.kind, 0);
	recall_decide(&f, at(open + 14, 9, 0), &d);
	assert_int_equal(d.kind, MSG_RECALL_SECOND);
	assert_int_equal(d.due, at(open + 14, 9, 0));
	assert_int_equal(d.session, 2);
	/* Still sent after the window closed: nothing was booked. */
	recall_decide(&f, at(open + 60, 9, 0), &d);
	assert_int_equal(d.kind, MSG_RECALL_SECOND);
	/* Once, and only after a first that went out. */
	f.has_second = true;
	recall_decide(&f, at(open + 15, 9, 0), &d);
	assert_int_equal(d.kind, 0);
	static const int not_sent[] = {MSG_QUEUED, MSG_FAILED, MSG_CANCELLED};
	f.has_second = false;
	for (size_t i = 0; i < 3; i++) {
		f.first_status = not_sent[i];
		recall_decide(&f, at(open + 15, 9, 0), &d);
		assert_int_equal(d.kind, 0);
	}
}

static void no_recall_when_booked_ended_or_not_started(void **state)
{
	(void)state;
	dates_set_zone("Europe/Berlin");
	const int64_t d0 = 20822, when = at(d0 + 30, 10, 0);
	struct recall_decision d;
	struct recall_facts f = plan_after(d0);
	f.pending = 1; /* the next session is booked */
	recall_decide(&f, when, &d);
	assert_int_equal(d.kind, 0);
	static const int statuses[] = {PLAN_COMPLETED, PLAN_ON_HOLD, PLAN_CANCELLED};
	for (size_t i = 0; i < 3; i++) {
		f = plan_after(d0);
		f.plan_status = statuses[i];
		recall_decide(&f, when, &d);
		assert_int_equal(d.kind, 0);
	}
	f = plan_after(d0);
	f.holding = 3; /* every session held */
	recall_decide(&f, when, &d);
	assert_int_equal(d.kind, 0);
	f = plan_after(d0);
	f.holding = 0; /* nothing yet to space from */
	f.last_start = 0;
	recall_decide(&f, when, &d);
	assert_int_equal(d.kind, 0);
}

static void the_window_follows_the_clinic_day_across_dst(void **state)
{
	(void)state;
	dates_set_zone("Europe/Berlin");
	/* Session 1 at 23:30 on Saturday 2027-03-06; the clocks go forward on 28 March: the
	 * window opens on 3 April, at 09:00 summer time. */
	const int64_t d0 = 20883;
	struct recall_facts f = plan_after(d0);
	f.last_start = at(d0, 23, 30);
	struct recall_decision d;
	recall_decide(&f, at(d0 + 28, 9, 0), &d);
	assert_int_equal(d.kind, MSG_RECALL);
	assert_int_equal(d.window_from_day, d0 + 28);
	assert_int_equal(d.due, at(d0 + 28, 9, 0));
	assert_int_equal(dates_local_day(d.due), d0 + 28);
	recall_decide(&f, at(d0 + 28, 9, 0) - 1, &d);
	assert_int_equal(d.kind, 0);
}

static void a_queued_recall_goes_stale(void **state)
{
	(void)state;
	dates_set_zone("UTC");
	struct recall_facts f = plan_after(20822);
	assert_null(recall_stale(&f, MSG_RECALL, 2));
	assert_null(recall_stale(&f, MSG_RECALL_SECOND, 2));
	/* For another session than the one now awaited. */
	assert_non_null(recall_stale(&f, MSG_RECALL, 3));
	f.pending = 1;
	assert_string_equal(recall_stale(&f, MSG_RECALL, 2), "booked");
	f = plan_after(20822);
	f.plan_status = PLAN_CANCELLED;
	assert_string_equal(recall_stale(&f, MSG_RECALL_SECOND, 2), "plan not active");
}

static void recall_keys_name_plan_kind_and_session(void **state)
{
	(void)state;
	char key[64];
	recall_idem_key(17, MSG_RECALL, 2, key);
	assert_string_equal(key, "plan-17-recall-2");
	recall_idem_key(17, MSG_RECALL_SECOND, 2, key);
	assert_string_equal(key, "plan-17-recall_second-2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_first_recall_waits_for_the_window),
	    cmocka_unit_test(the_second_recall_comes_14_days_later),
	    cmocka_unit_test(no_recall_when_booked_ended_or_not_started),
	    cmocka_unit_test(the_window_follows_the_clinic_day_across_dst),
	    cmocka_unit_test(a_queued_recall_goes_stale),
	    cmocka_unit_test(recall_keys_name_plan_kind_and_session),
	};
	return cmocka_run_group_tests_name("unit_recall", tests, NULL, NULL);
}
