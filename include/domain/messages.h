/* Patient messages: their kinds and states, when a reminder is due, how a failed delivery
 * is retried, and the MIME message and iCalendar entry that carry it. Pure: no I/O. */
#ifndef COLLAGENDA_DOMAIN_MESSAGES_H
#define COLLAGENDA_DOMAIN_MESSAGES_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/templates.h"

/* The kinds of message (enum msg_kind, domain/templates.h) by name: "confirmation",
 * "update", "cancellation", "reminder", "recall", "recall_second", "aftercare". A
 * confirmation carries the calendar entry with METHOD:REQUEST, an update the same entry
 * with a higher SEQUENCE, a cancellation METHOD:CANCEL; a reminder the confirm/cancel
 * link. "" for anything else. */
const char *msg_kind_name(int kind);
int msg_kind_parse(const char *s); /* 0 when unknown */

enum msg_status { MSG_QUEUED = 1, MSG_SENT, MSG_FAILED, MSG_CANCELLED };
const char *msg_status_name(int status);
int msg_status_parse(const char *s);

/* The reminders' default offsets before the start, in hours (clinic settings). */
#define MSG_REMINDER_EMAIL_HOURS 48
#define MSG_REMINDER_SMS_HOURS	 24
/* The largest offset a clinic may set: two weeks. */
#define MSG_REMINDER_HOURS_MAX 336
/* A message is tried at most this many times. */
#define MSG_MAX_TRIES 8

/* When the reminder of an appointment starting at start is due, hours before it, or 0
 * when it has none: hours is 0 (that reminder is off), or it would be due at or before
 * now (the confirmation has just gone). */
int64_t msg_reminder_due(int64_t start, int hours, int64_t now);

/* Seconds to wait after the tries-th failed try (1-based) before the next one, or -1 when
 * that was the last try: 2 min, 6 min, 18 min, 54 min, 2.7 h, 8.1 h, then 12 h, so that
 * the eight tries span about a day. */
int64_t msg_backoff(int tries);

/* The idempotency key of a message: "appt-ID-KIND-SEQUENCE". It names the message for
 * good; the Message-ID is made from it (msg_message_id). buf holds 64 bytes. */
void msg_idem_key(int64_t appt_id, int kind, int64_t sequence, char buf[64]);
/* "<KEY@DOMAIN>" without the brackets, into buf (320 bytes); domain is the part of the
 * sender's address after '@'. */
void msg_message_id(const char *idem_key, const char *domain, char buf[320]);

/* A message's subject, plain text and HTML (UTF-8), each owned by the struct. */
struct msg_text {
	char *subject;
	char *text;
	char *html;
};
void msg_text_cleanup(struct msg_text *t);

/* The calendar entry of an appointment (RFC 5545): METHOD:REQUEST, or METHOD:CANCEL when
 * cancel; UID uid, SEQUENCE sequence, DTSTAMP stamp, the clinic zone's VTIMEZONE (named
 * tzid) for the years around the visit, CRLF lines folded at 75 octets. Caller frees. */
struct msg_ical {
	const char *uid;
	const char *tzid;
	const char *organizer; /* mailto: address */
	const char *attendee;  /* mailto: address */
	const char *summary;
	const char *location; /* NULL: none */
	int64_t start, end, stamp;
	int64_t sequence;
	bool cancel;
};
char *msg_ical_build(const struct msg_ical *in);

/* A whole e-mail (RFC 5322 and MIME, CRLF lines): multipart/mixed holding a
 * multipart/alternative of the text and HTML, and the calendar entry (ics, NULL: none) as
 * text/calendar with method ics_method. Display names are RFC 2047 encoded when they are
 * not plain ASCII. Caller frees. */
struct msg_mail {
	const char *from_name, *from_addr;
	const char *to_name, *to_addr;
	const char *message_id; /* without brackets */
	int64_t date;
	const struct msg_text *text;
	const char *ics;
	const char *ics_method; /* "REQUEST" or "CANCEL" */
};
char *msg_mail_build(const struct msg_mail *m);

/* The RFC 2047 form of a header phrase (a display name or subject), or the text itself
 * as a quoted string when it is plain ASCII. Caller frees. */
char *msg_header_words(const char *s, bool phrase);

#endif
