/* The outbox of patient messages, the facts a message is sent with, the link key, and an
 * appointment's calendar sequence and confirmation. */
#ifndef COLLAGENDA_STORE_MESSAGES_H
#define COLLAGENDA_STORE_MESSAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

/* One outbox row. Texts are owned (free with msg_row_cleanup / msg_rows_free). */
struct msg_row {
	int64_t id;
	int kind;   /* enum msg_kind */
	int status; /* enum msg_status */
	int64_t appointment_id, patient_id, plan_id;
	char *channel;
	char *recipient;
	int64_t sequence;
	int64_t due_at, next_try_at, sent_at, created_at, link_used_at;
	int tries;
	char *last_error;
	char *idem_key;
	char *message_id;
	int segments; /* a sent text message's parts; 0 for e-mail or unsent */
};
void msg_row_cleanup(struct msg_row *m);
void msg_rows_free(struct msg_row *list, size_t n);

/* Queues m (channel m->channel, NULL: "email") unless a row with its idem_key exists already;
 * *inserted says which. Inside the write transaction. */
int store_msg_insert(struct db *db, const struct msg_row *m, bool *inserted)
    __attribute__((warn_unused_result));

/* Cancels the appointment's queued reminders. Inside the write transaction. */
int store_msg_cancel_reminders(struct db *db, int64_t appt_id) __attribute__((warn_unused_result));

/* Re-plans the queued reminders on channel ("email", "sms") for the clinic's new offset,
 * hours before the start (0: none), in set-based statements: each of a booked
 * appointment moves to its new time when that is still after now, and is cancelled
 * otherwise (every one when hours is 0). Sent, failed and cancelled rows are left as they
 * are; no row is created. *changed counts the rows moved or cancelled. Inside the write
 * transaction. */
int store_msg_replan_reminders(struct db *db, const char *channel, int hours, int64_t now,
			       int64_t *changed) __attribute__((warn_unused_result));

/* Up to limit queued rows due at now on channel ("email", "sms"; NULL: either) that no
 * sender holds (see store_msg_claim), the longest waiting first. */
int store_msg_due(struct db *db, int64_t now, const char *channel, int limit, struct msg_row **out,
		  size_t *n) __attribute__((warn_unused_result));

/* Takes queued row id for the sender named by until the instant until, in one statement:
 * *claimed is true only when the row was still queued, still due at now (a try another
 * sender made meanwhile has put its next try later) and no sender's claim on it held at
 * now (a claim holds while now <= claimed_until). Several senders on one database send a
 * row only after claiming it, so no two send it at once; a sender that dies holding a
 * row leaves it to the others once the claim runs out. Inside the write transaction. */
int store_msg_claim(struct db *db, int64_t id, const char *by, int64_t until, int64_t now,
		    bool *claimed) __attribute__((warn_unused_result));

/* Marks a queued row sent at now, with one more try and, for a text message, the
 * segments it took (0: none recorded), and clears its claim. *changed is 0 when the row
 * was no longer queued. Inside the write transaction. */
int store_msg_mark_sent(struct db *db, int64_t id, int64_t now, int segments, int64_t *changed)
    __attribute__((warn_unused_result));
/* Records a failed try of a queued row: its try count, the next try (or status failed)
 * and the server's answer; clears its claim. Inside the write transaction. */
int store_msg_mark_failed_try(struct db *db, int64_t id, int tries, int64_t next_try_at, int status,
			      const char *error) __attribute__((warn_unused_result));
/* Marks a queued row cancelled (it went stale before it was sent), why (may be NULL) kept
 * as its last_error for the delivery log, and clears its claim. */
int store_msg_mark_cancelled(struct db *db, int64_t id, const char *why)
    __attribute__((warn_unused_result));
/* Moves a queued row's next try to next_try_at without counting a try (quiet hours), and
 * clears its claim. */
int store_msg_postpone(struct db *db, int64_t id, int64_t next_try_at)
    __attribute__((warn_unused_result));
/* Cancels every queued row of the patient on channel, why kept as each one's last_error
 * (the patient withdrew that consent). Inside the write transaction. */
int store_msg_cancel_channel(struct db *db, int64_t patient_id, const char *channel,
			     const char *why) __attribute__((warn_unused_result));
/* Queues a failed row again for now, its tries counted afresh. *changed is 0 when the
 * row was not failed. */
int store_msg_requeue(struct db *db, int64_t id, int64_t now, int64_t *changed)
    __attribute__((warn_unused_result));

int store_msg_get(struct db *db, int64_t id, struct msg_row *out)
    __attribute__((warn_unused_result));

/* Rows of an appointment, of a patient, or (both 0) every failed row; newest first, at
 * most limit. */
struct msg_filter {
	int64_t appointment_id;
	int64_t patient_id;
	int status; /* 0: any */
	int limit;
};
int store_msg_list(struct db *db, const struct msg_filter *f, struct msg_row **out, size_t *n)
    __attribute__((warn_unused_result));

/* What a message about an appointment is sent with, read when it is sent. */
struct msg_send_facts {
	int64_t start, end;
	char *status; /* the appointment's */
	int64_t sequence;
	int64_t confirmed_at;
	char *first_name;
	char *email;
	int archived;
	char *treatment_name; /* the plan's treatment type's name, or NULL */
	int show_treatment;   /* the clinic setting */
	char *phone;	      /* the patient's, or NULL */
	bool contact_email, contact_sms;
	char language[8];
	char *aftercare_text; /* the plan's treatment type's, or NULL */
};
void msg_send_facts_cleanup(struct msg_send_facts *f);
int store_msg_send_facts(struct db *db, int64_t appt_id, struct msg_send_facts *out)
    __attribute__((warn_unused_result));

/* Raises the appointment's calendar SEQUENCE and answers the new value. Inside the write
 * transaction. */
int store_appt_next_sequence(struct db *db, int64_t appt_id, int64_t *seq)
    __attribute__((warn_unused_result));
/* The appointment's calendar SEQUENCE as it stands. */
int store_appt_sequence(struct db *db, int64_t appt_id, int64_t *seq)
    __attribute__((warn_unused_result));

/* Sets the appointment's confirmed_at to now (the patient confirmed through a link). */
int store_appt_confirm(struct db *db, int64_t appt_id, int64_t now)
    __attribute__((warn_unused_result));
/* Clears the appointment's confirmed_at: the patient confirmed another time. */
int store_appt_unconfirm(struct db *db, int64_t appt_id) __attribute__((warn_unused_result));
/* Marks the message's link used at now; *changed is 0 when it had been used before. */
int store_msg_link_use(struct db *db, int64_t id, int64_t now, int64_t *changed)
    __attribute__((warn_unused_result));

/* The 32-byte key that signs message links: made (from random) on first use. Inside a
 * write transaction when it may need making. */
int store_msg_key(struct db *db, const unsigned char fresh[32], unsigned char out[32])
    __attribute__((warn_unused_result));

#endif
