/* The messages that follow care rather than a booking: aftercare once a session is
 * signed, and the recalls of a plan whose next window opened with nothing booked. */
#ifndef COLLAGENDA_API_FOLLOWUP_H
#define COLLAGENDA_API_FOLLOWUP_H

#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"
#include "domain/clinical.h"
#include "store/db.h"
#include "store/messages.h"

/* Queues the aftercare message of treatment appointment a (its note just signed), in the
 * caller's write transaction: due at once, one per appointment whatever happens later
 * (its idempotency key "appt-ID-aftercare-0"), and none for a patient the outbox may
 * not write to (outbox_may_email). 0 or a store error. */
int api_followup_aftercare(struct api_ctx *ctx, const struct appointment *a)
    __attribute__((warn_unused_result));

/* A session of plan_id was booked (or a cancelled one restored): its queued recalls are
 * cancelled in the caller's write transaction. */
int api_followup_booked(struct api_ctx *ctx, int64_t plan_id) __attribute__((warn_unused_result));

/* Queues, in one write transaction of its own, the recalls due at now for up to limit
 * plans (recall_decide), each once through its idempotency key "plan-ID-recall-N";
 * *queued says how many rows were new. 0 or a store error (nothing queued then). */
int outbox_recall_scan(struct db *db, int64_t now, int limit, int *queued)
    __attribute__((warn_unused_result));

/* The sender's periodic call: outbox_recall_scan at clock_now, at most once per minute of
 * that clock (so moving the test clock scans at once). Errors are logged. */
void outbox_followup_tick(struct db *db);

/* Whether messages of kind follow care (aftercare, recall, recall_second). */
bool outbox_followup_kind(int kind);

/* The whole e-mail of the care message m, composed at now from the shipped template or
 * the clinic's, in the patient's language: 0 and *mail (caller frees); 0 and *mail NULL with *why
 * when it must no longer go (the plan was booked or ended, the patient archived or no
 * longer written to by e-mail); a negative error when the facts cannot be read. */
int outbox_followup_mail(struct db *db, const struct msg_row *m, int64_t now, char **mail,
			 const char **why) __attribute__((warn_unused_result));

#endif
