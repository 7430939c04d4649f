/* Patient messages: the one function that turns a kind of message and its facts into
 * the words a patient reads, with the clinic's own template or the shipped one. */
#ifndef COLLAGENDA_MSG_RENDER_H
#define COLLAGENDA_MSG_RENDER_H

#include "domain/templates.h"
#include "store/db.h"

/*
 * Renders the message of kind (enum msg_kind) for channel (enum msg_channel) in
 * language, from the facts f and nothing else.
 *
 * The template is the clinic's (message_templates) for kind, language and channel, else
 * the shipped default; a language without templates (or NULL) is written in English.
 * Values are inserted as the part needs: as given in the subject and text (a control
 * character in a value, such as a line break in a name, becomes a space, so that no value
 * adds a header line), HTML-escaped in the HTML part; an e-mail template without its own
 * HTML gets one made from its text (paragraphs, line breaks, the links as anchors).
 * Dates and times are in the clinic's zone (dates_set_zone) and the language's words.
 *
 * On success returns 0 and sets *subject (e-mail; NULL for SMS), *text (never NULL) and
 * *html (e-mail; NULL for SMS): new strings the caller frees. On failure nothing is set:
 * -ERR_NOT_FOUND when the kind does not go by that channel (a confirmation by SMS), or
 * kind or channel is unknown; -ERR_VALIDATION_FAILED when the stored template no longer
 * passes the placeholder check; a store error (-ERR_STORAGE_UNAVAILABLE, ...) when the
 * template cannot be read. It runs one read on db and may be called inside or outside a
 * transaction (the caller's snapshot then applies).
 */
int msg_render(struct db *db, int kind, const char *language, int channel,
	       const struct msg_facts *f, char **subject, char **text, char **html)
    __attribute__((warn_unused_result));

#endif
