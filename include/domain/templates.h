/* Patient message templates: the kinds of message, their channels and languages, the named
 * placeholders each kind may use, and rendering with text or HTML escaping. Pure. */
#ifndef COLLAGENDA_DOMAIN_TEMPLATES_H
#define COLLAGENDA_DOMAIN_TEMPLATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/xalloc.h"

/* What a message is about. */
enum msg_kind {
	MSG_CONFIRMATION = 1, /* a booking was made */
	MSG_UPDATE,	      /* it was moved */
	MSG_CANCELLATION,     /* it was cancelled */
	MSG_REMINDER,	      /* it is coming up */
	MSG_RECALL,	      /* a plan's next window is open and nothing is booked */
	MSG_RECALL_SECOND,    /* still nothing booked 14 days later */
	MSG_AFTERCARE,	      /* after a signed session */
};
#define MSG_KIND_MAX MSG_AFTERCARE

enum msg_channel { MSG_EMAIL = 1, MSG_SMS };
#define MSG_CHANNEL_MAX MSG_SMS

/* The placeholders a template may name, as {first_name} and so on. */
enum tmpl_placeholder {
	PH_FIRST_NAME,
	PH_DATE,
	PH_TIME,
	PH_CLINIC_NAME,
	PH_CLINIC_PHONE,
	PH_CONFIRM_LINK,
	PH_CANCEL_LINK,
	PH_TREATMENT_TYPE,
	PH_AFTERCARE_TEXT, /* aftercare only: the type's advice, or the general advice */
	PH_COUNT
};

/* "confirmation", "update", ...; NULL for anything else. */
const char *tmpl_kind_name(int kind);
/* The kind of a name, or 0. */
int tmpl_kind_parse(const char *name);
/* "email" or "sms"; NULL for anything else. */
const char *tmpl_channel_name(int channel);
int tmpl_channel_parse(const char *name);

/* The languages shipped with default templates, ended by NULL: "en" first (the fallback),
 * then "de" and "es". */
extern const char *const tmpl_languages[];
/* True when lang is one of tmpl_languages. */
bool tmpl_language_known(const char *lang);

/* Whether a kind of message goes by channel: every kind by e-mail; by SMS the update,
 * cancellation, reminder and both recalls (a confirmation carries its calendar file,
 * and aftercare is too long for a text message). */
bool tmpl_channel_offered(int kind, int channel);

/* The placeholder's name without braces ("first_name"), or NULL. */
const char *tmpl_placeholder_name(int ph);
/* Whether kind may use placeholder ph: first_name, clinic_name and clinic_phone always;
 * date and treatment_type for every kind but none; time for the messages about one
 * appointment (confirmation, update, cancellation, reminder, aftercare); the confirm
 * and cancel links for confirmation, update and reminder; aftercare_text for aftercare
 * only. */
bool tmpl_placeholder_allowed(int kind, int ph);

/* Why a template was refused. */
enum tmpl_problem {
	TMPL_OK,
	TMPL_UNKNOWN_PLACEHOLDER, /* a {name} this kind does not offer */
	TMPL_UNCLOSED,		  /* a { without its } */
};
struct tmpl_error {
	enum tmpl_problem problem;
	size_t offset; /* byte offset of the { in the template */
	char name[48]; /* the placeholder as written (cut to fit), for UNKNOWN_PLACEHOLDER */
};

/* Checks that every {name} in tmpl is a placeholder kind offers, and that every { is
 * closed. "{{" and "}}" stand for literal braces. 0, or -ERR_VALIDATION_FAILED with *err
 * saying what and where (err may be NULL). */
int tmpl_check(const char *tmpl, int kind, struct tmpl_error *err)
    __attribute__((warn_unused_result));

/* How the values (and the template's own text) are written. */
enum tmpl_escape {
	TMPL_TEXT,	/* plain text: values as given, control characters in a value as a space */
	TMPL_HTML,	/* an HTML template: values escaped (& < > " '), the template as written */
	TMPL_TEXT_HTML, /* HTML made from a text template: both escaped, blank lines as
			 * paragraphs, line breaks as <br>, the links as anchors */
};

/* The values of the placeholders, indexed by enum tmpl_placeholder; NULL renders as
 * nothing. */
struct tmpl_values {
	const char *v[PH_COUNT];
};

/* Renders tmpl (which tmpl_check accepts for kind) with vals into out, appending.
 * 0, or -ERR_VALIDATION_FAILED when tmpl does not pass tmpl_check (out then holds
 * whatever was written before the fault). */
int tmpl_render(const char *tmpl, int kind, const struct tmpl_values *vals, enum tmpl_escape esc,
		struct buf *out) __attribute__((warn_unused_result));

/* Writes day (days since 1970-01-01) as a date in words in lang ("Monday, 12 January
 * 2026", "Montag, 12. Januar 2026", "lunes, 12 de enero de 2026"); an unknown language
 * writes English. */
void tmpl_format_date(const char *lang, int64_t day, char *buf, size_t size);

/*
 * What a message says about its patient and appointment: the only facts a template can
 * reach. No condition, no area, no notes: nothing clinical is among them, and the
 * treatment type only when the clinic allows naming it.
 */
struct msg_facts {
	const char *first_name;
	/* The appointment's start; for a recall, the first day the next session can be
	 * booked (any instant of that clinic-local day). 0 when there is none. */
	int64_t start;
	const char *clinic_name;
	const char *clinic_phone;
	const char *confirm_link; /* the signed links, or NULL */
	const char *cancel_link;
	const char *treatment_type; /* NULL unless the clinic names the type in messages */
	/* The treatment type's aftercare advice; NULL: the general advice in the message's
	 * language (tmpl_aftercare_general). */
	const char *aftercare_text;
};

/* Room for the texts tmpl_values_from_facts formats. */
struct tmpl_scratch {
	char date[64];
	char time[8];
};

/* Fills vals from f for lang: the date in words and the time as HH:MM, both in the
 * clinic's zone, written into scratch (which vals then points into). */
void tmpl_values_from_facts(const struct msg_facts *f, const char *lang, struct tmpl_values *vals,
			    struct tmpl_scratch *scratch);

/* The facts the preview renders with: a patient called Anna, an appointment on Monday 11
 * January 2027 at 10:30 clinic time, a sample clinic and sample links. */
void tmpl_sample_facts(struct msg_facts *out);

/*
 * Renders one message from its parts: subject_t (e-mail only), text_t, and html_t (e-mail
 * only; NULL makes the HTML from the text). *subject and *html are NULL for SMS. Each
 * result is a new string the caller frees; nothing is set on failure. 0, or
 * -ERR_VALIDATION_FAILED when a part does not pass tmpl_check for kind (*err says which
 * placeholder, and *part names the part: "subject", "body_text" or "body_html").
 */
int tmpl_render_message(int kind, int channel, const char *subject_t, const char *text_t,
			const char *html_t, const struct tmpl_values *vals, char **subject,
			char **text, char **html, struct tmpl_error *err, const char **part)
    __attribute__((warn_unused_result));

/* A shipped default template. subject is NULL for SMS; html is NULL when the HTML part is
 * made from the text (TMPL_TEXT_HTML). */
struct tmpl_default {
	int kind;
	const char *language;
	int channel;
	const char *subject;
	const char *text;
	const char *html;
};
/* The default for kind, lang and channel; NULL when none is shipped (an unknown language,
 * or a channel the kind is not offered by). */
const struct tmpl_default *tmpl_default_find(int kind, const char *lang, int channel);
/* The shipped general aftercare advice in lang (English for a language not shipped): what
 * {aftercare_text} says when the treatment type has no text of its own. */
const char *tmpl_aftercare_general(const char *lang);

#endif
