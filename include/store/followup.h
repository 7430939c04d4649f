/* The outbox rows that follow a plan rather than one booking: the plans whose patient may
 * be due a recall, what a recall is sent with, and cancelling a plan's queued recalls. */
#ifndef COLLAGENDA_STORE_FOLLOWUP_H
#define COLLAGENDA_STORE_FOLLOWUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/recall.h"
#include "store/db.h"

/* A plan that may be due a recall, with the facts the decision needs. */
struct recall_candidate {
	int64_t plan_id;
	int64_t patient_id;
	struct recall_facts facts;
};

/* Up to limit active plans, waiting for their next session with nothing booked, whose
 * first recall may be due at now (the window opened, or opens within a day, and has
 * not closed) or whose second may be (the first was sent and the window opened 14 days
 * ago or less than a day later); plans whose recall for that session was not sent
 * (queued, failed, cancelled) or that have their second are left out, and so are
 * archived patients and those without an e-mail address. The exact rule is
 * recall_decide's. Caller frees *out. */
int store_recall_due(struct db *db, int64_t now, int limit, struct recall_candidate **out,
		     size_t *n) __attribute__((warn_unused_result));

/* The plan facts of plan_id as they stand (first_status and has_second left 0), and its
 * patient's id; -ERR_NOT_FOUND when there is no such plan. */
int store_recall_plan(struct db *db, int64_t plan_id, struct recall_facts *out, int64_t *patient_id)
    __attribute__((warn_unused_result));

/* Cancels the plan's queued recalls (a session was booked). Inside the write
 * transaction. */
int store_msg_cancel_recalls(struct db *db, int64_t plan_id) __attribute__((warn_unused_result));

#endif
