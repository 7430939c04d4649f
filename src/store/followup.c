/* The plans that may be due a recall, and a plan's recall rows in the outbox. */
#include "store/followup.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "domain/messages.h"
#include "domain/plans.h"
#include "domain/schedule.h"
#include "util/err.h"

#define DAY_S 86400

/* ?1 now + a day's margin (a window opens at 09:00 of a day that next_due_at falls in
 * at the last session's time of day), ?2 now less a day (the window's last day has not
 * ended), ?3 ?1 less the 14 days before a second recall, ?4 the oldest next_due_at a
 * window still open can have, ?5 the limit. The session a recall is for is the plan's
 * holding + 1, kept in the message's sequence. */
static const char *const sql_due =
    "SELECT pl.id, pl.patient_id, pl.status, pl.planned_sessions, pl.holding, pl.pending, "
    "pl.last_start, pl.min_interval_days, pl.max_interval_days, "
    "CASE WHEN EXISTS (SELECT 1 FROM messages m WHERE m.plan_id = pl.id "
    " AND m.kind = 'recall' AND m.sequence = pl.holding + 1) THEN 1 ELSE 0 END "
    "FROM plans pl JOIN patients p ON p.id = pl.patient_id "
    "WHERE pl.next_due_at IS NOT NULL AND pl.next_due_at <= ?1 AND pl.next_due_at >= ?4 "
    "AND p.archived = 0 AND p.email IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.plan_id = pl.id "
    " AND m.sequence = pl.holding + 1 AND (m.kind = 'recall_second' "
    " OR (m.kind = 'recall' AND m.status <> 'sent'))) "
    "AND CASE WHEN EXISTS (SELECT 1 FROM messages m WHERE m.plan_id = pl.id "
    " AND m.kind = 'recall' AND m.sequence = pl.holding + 1) "
    " THEN pl.next_due_at <= ?3 "
    " ELSE pl.last_start + pl.max_interval_days * 86400 >= ?2 END "
    "ORDER BY pl.next_due_at, pl.id LIMIT ?5";
static const char *const sql_plan =
    "SELECT pl.id, pl.patient_id, pl.status, pl.planned_sessions, pl.holding, pl.pending, "
    "pl.last_start, pl.min_interval_days, pl.max_interval_days, 0 "
    "FROM plans pl WHERE pl.id = ?1";
static const char *const sql_cancel =
    "UPDATE messages SET status = 'cancelled' WHERE plan_id = ?1 "
    "AND kind IN ('recall', 'recall_second') AND status = 'queued'";

static void read_candidate(struct dbst *st, void *out)
{
	struct recall_candidate *c = out;
	memset(c, 0, sizeof *c);
	c->plan_id = db_col_int64(st, 0);
	c->patient_id = db_col_int64(st, 1);
	c->facts.plan_status = plan_status_parse(db_col_cstr(st, 2));
	c->facts.planned = db_col_int(st, 3);
	c->facts.holding = db_col_int(st, 4);
	c->facts.pending = db_col_int(st, 5);
	c->facts.last_start = db_col_null(st, 6) ? 0 : db_col_int64(st, 6);
	c->facts.min_days = db_col_int(st, 7);
	c->facts.max_days = db_col_int(st, 8);
	/* Only a sent first recall is let through by the query. */
	c->facts.first_status = db_col_int(st, 9) ? MSG_SENT : 0;
}

int store_recall_due(struct db *db, int64_t now, int limit, struct recall_candidate **out,
		     size_t *n)
{
	struct dbst *st = db_stmt(db, &sql_due);
	if (!st)
		return db_stmt_err(db);
	int64_t upto = now + DAY_S;
	db_bind_int(st, 1, upto);
	db_bind_int(st, 2, now - DAY_S);
	db_bind_int(st, 3, upto - RECALL_SECOND_AFTER_DAYS * DAY_S);
	db_bind_int(st, 4, now - (int64_t)(PLAN_MAX_DAYS + RECALL_SECOND_AFTER_DAYS + 2) * DAY_S);
	db_bind_int(st, 5, limit);
	return db_collect(db, st, sizeof **out, read_candidate, db_free_plain, (void **)out, n);
}

int store_recall_plan(struct db *db, int64_t plan_id, struct recall_facts *out, int64_t *patient_id)
{
	struct recall_candidate c;
	memset(&c, 0, sizeof c);
	int err = db_get_one(db, db_stmt_id(db, &sql_plan, plan_id), read_candidate, &c);
	if (err)
		return err;
	*out = c.facts;
	*patient_id = c.patient_id;
	return 0;
}

int store_msg_cancel_recalls(struct db *db, int64_t plan_id)
{
	assert(db_in_write(db));
	return db_exec_stmt(db, db_stmt_id(db, &sql_cancel, plan_id));
}

const struct hot_query store_followup_hot[] = {
    {"recall scan", &sql_due},
    {"recall plan", &sql_plan},
    {"cancel a plan's recalls", &sql_cancel},
    {NULL, NULL},
};
