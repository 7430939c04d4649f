/* When a plan's patient is recalled: the first recall when the next session's window
 * opens with nothing booked, the second 14 days later, and whether a queued one still
 * stands when it is sent (RULES.md rule 68). Pure: no I/O. */
#ifndef COLLAGENDA_DOMAIN_RECALL_H
#define COLLAGENDA_DOMAIN_RECALL_H

#include <stdbool.h>
#include <stdint.h>

/* The second recall goes this many days after the first one was due. */
#define RECALL_SECOND_AFTER_DAYS 14
/* Recalls are due at this clinic-local minute of their day (09:00). */
#define RECALL_MINUTE (9 * 60)

/* What a recall decision is made from: the plan, its progress, and the recalls already
 * queued or sent for the session it waits for. */
struct recall_facts {
	int plan_status; /* enum plan_status */
	int planned;	 /* the plan's planned sessions */
	int holding;	 /* sessions that hold a place (booked, done) */
	int pending;	 /* sessions booked or checked in, not yet done */
	int64_t last_start;
	int min_days, max_days;
	int first_status; /* enum msg_status of the first recall for this session, 0: none */
	bool has_second;  /* a second recall for this session exists (any status) */
};

/* What to queue now. */
struct recall_decision {
	int kind;		 /* MSG_RECALL, MSG_RECALL_SECOND, or 0: nothing */
	int session;		 /* the session the recall is for: holding + 1 */
	int64_t due;		 /* when it is due: 09:00 clinic time of its day */
	int64_t window_from_day; /* the first day the session may be booked */
};

/* Decides at now (Unix seconds) whether f's plan gets a recall: the first once the next
 * session's window has opened (09:00 on its first day) while the window has not closed,
 * the second 14 days later once the first was sent; none while a session is booked,
 * for a plan that is not active, before the first session, or after the last. */
void recall_decide(const struct recall_facts *f, int64_t now, struct recall_decision *out);

/* Why a recall of kind for session is no longer to be sent, given the plan as it stands
 * (f; first_status and has_second unused), or NULL when it still stands. */
const char *recall_stale(const struct recall_facts *f, int kind, int64_t session);

/* The idempotency key of a plan's recall: "plan-ID-recall-N" or
 * "plan-ID-recall_second-N", N the session it is for. buf holds 64 bytes. */
void recall_idem_key(int64_t plan_id, int kind, int64_t session, char buf[64]);

#endif
