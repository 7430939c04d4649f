/* The recall rules: when a plan's patient is reminded to book the next session. */
#include "domain/recall.h"

#include <stdio.h>

#include "domain/dates.h"
#include "domain/messages.h"
#include "domain/model.h"
#include "domain/schedule.h"

/* The plan's next window and session, or false when it has none to wait for. */
static bool open_window(const struct recall_facts *f, struct window *w, int *session)
{
	if (f->pending > 0)
		return false;
	if (!rules_next_window(f->plan_status, f->planned, f->holding, f->last_start, f->min_days,
			       f->max_days, w))
		return false;
	*session = f->holding + 1;
	return true;
}

void recall_decide(const struct recall_facts *f, int64_t now, struct recall_decision *out)
{
	struct window w;
	int session;
	out->kind = 0;
	out->session = 0;
	out->due = 0;
	out->window_from_day = 0;
	if (!open_window(f, &w, &session))
		return;
	int64_t first_due = dates_local_to_instant(w.from_day, RECALL_MINUTE);
	int64_t second_due =
	    dates_local_to_instant(w.from_day + RECALL_SECOND_AFTER_DAYS, RECALL_MINUTE);
	out->session = session;
	out->window_from_day = w.from_day;
	if (!f->first_status) {
		/* Not once the window has closed: that plan is overdue, the desk's to call. */
		if (now >= first_due && dates_local_day(now) <= w.to_day) {
			out->kind = MSG_RECALL;
			out->due = first_due;
		}
	} else if (f->first_status == MSG_SENT && !f->has_second && now >= second_due) {
		out->kind = MSG_RECALL_SECOND;
		out->due = second_due;
	}
}

const char *recall_stale(const struct recall_facts *f, int kind, int64_t session)
{
	(void)kind;
	if (f->plan_status != PLAN_ACTIVE)
		return "plan not active";
	if (f->pending > 0)
		return "booked";
	struct window w;
	int next;
	if (!open_window(f, &w, &next) || next != session)
		return "no longer due";
	return NULL;
}

void recall_idem_key(int64_t plan_id, int kind, int64_t session, char buf[64])
{
	snprintf(buf, 64, "plan-%lld-%s-%lld", (long long)plan_id, msg_kind_name(kind),
		 (long long)session);
}
