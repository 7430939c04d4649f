/* Patient messages: queueing them with the change that causes them, the sender thread
 * that delivers them, and the signed links they carry. */
#ifndef COLLAGENDA_API_OUTBOX_H
#define COLLAGENDA_API_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/api.h"
#include "domain/clinical.h"
#include "domain/model.h"

/* How messages leave. Strings must outlive the server. */
struct outbox_config {
	const char *smtp_url;	  /* NULL: e-mail stays queued */
	bool smtp_insecure;	  /* smtp:// without STARTTLS */
	const char *smtp_ca_file; /* the CAs for the SMTP server's certificate; NULL: the
				     system's */
	const char *smtp_user;	  /* NULL: no login */
	const char *smtp_password;
	const char *mail_from;	 /* the sender's address */
	const char *clinic_name; /* in every message and on the public page */
	const char *public_url;	 /* base of the links, NULL: no links */
	const char *time_zone;	 /* the clinic's zone name for the calendar entry */
};
void outbox_configure(const struct outbox_config *cfg);
const struct outbox_config *outbox_config(void);

/* Starts the sender thread when an SMTP server or an SMS gateway (msg/sms.h,
 * sms_gateway) is configured (0 otherwise too); -1 when
 * it cannot start. outbox_stop ends it after the message in hand. */
int outbox_start(void) __attribute__((warn_unused_result));
void outbox_stop(void);
/* Makes the sender look for due messages now (the clock moved, a row was queued). */
void outbox_wake(void);

/* Whether the outbox may write to patient p by e-mail: the chart is in use, the patient
 * allows e-mail (contact_email) and the address is valid. Every message kind asks this
 * one question before it is queued by e-mail, and the sender again before it goes. */
bool outbox_may_email(const struct patient *p);

/* What happened to an appointment, for the messages it causes. */
enum outbox_event {
	OUTBOX_BOOKED = 1, /* a confirmation now, a reminder before */
	OUTBOX_MOVED,	   /* an update, the reminder re-planned */
	OUTBOX_CANCELLED,  /* a cancellation, the reminder cancelled */
	OUTBOX_RESTORED,   /* a cancellation undone: a confirmation with a higher SEQUENCE */
	OUTBOX_DONE,	   /* checked in, no-show or completed: the reminder cancelled */
};

/* Queues the messages event causes for appointment a (as written), in the caller's write
 * transaction, so that they commit or vanish with the change: by e-mail when the patient
 * allows e-mail (contact_email) and has a valid address, the confirmation, update or
 * cancellation and a reminder (the clinic's reminder_email_hours before); by SMS when
 * the patient allows SMS (contact_sms) and has a number sms_number takes, a reminder
 * reminder_sms_hours before. An archived patient gets none. */
int api_outbox_appointment(struct api_ctx *ctx, const struct appointment *a, int event)
    __attribute__((warn_unused_result));

/* The patient withdrew consent to e-mail and/or SMS: their queued messages of that
 * channel are cancelled, in the caller's write transaction (the one that records the
 * change). */
int api_outbox_consent(struct api_ctx *ctx, int64_t patient_id, bool email_withdrawn,
		       bool sms_withdrawn) __attribute__((warn_unused_result));

/* Reads (or makes, in a write transaction of its own) the key that signs links; 0 or a
 * negative error. Outside any transaction of db: the link functions below need it done
 * first when they run inside one. */
int outbox_link_key(struct db *db) __attribute__((warn_unused_result));

/* A link token for message id, valid until expires (Unix seconds), into out (n bytes,
 * at least 80); 0, or -1 when the key cannot be had (outbox_link_key). */
int outbox_link_token(struct db *db, int64_t id, int64_t expires, char *out, size_t n)
    __attribute__((warn_unused_result));
/* Checks a presented token: 0 and the message's id when it is genuine and not expired
 * at now; -1 otherwise. */
int outbox_link_check(struct db *db, const char *token, int64_t now, int64_t *id)
    __attribute__((warn_unused_result));

/* Answers the public link pages (/p/...): confirm or cancel through a message's link. */
void api_public_handle(const struct http_req *req, struct http_reply *reply);

#endif
