/* The clinic's own message templates (message_templates): one per kind, language and
 * channel where the admin changed the shipped wording. */
#ifndef COLLAGENDA_STORE_TEMPLATES_H
#define COLLAGENDA_STORE_TEMPLATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

/* A template as stored. Strings are heap copies owned by the struct. */
struct msg_template {
	int kind;    /* enum msg_kind */
	int channel; /* enum msg_channel */
	char language[8];
	char *subject;	    /* NULL for SMS */
	char *body_text;    /* never NULL */
	char *body_html;    /* NULL: made from the text */
	int64_t updated_by; /* 0: the program */
	int64_t updated_at;
};
void msg_template_cleanup(struct msg_template *t);
void msg_templates_free(struct msg_template *list, size_t n);

/* The clinic's template for kind, language and channel; -ERR_NOT_FOUND when it keeps the
 * shipped one. Clean up with msg_template_cleanup. */
int store_template_get(struct db *db, int kind, const char *language, int channel,
		       struct msg_template *out) __attribute__((warn_unused_result));
/* Every template the clinic changed, by kind, language and channel names; free with
 * msg_templates_free. */
int store_template_list(struct db *db, struct msg_template **out, size_t *n)
    __attribute__((warn_unused_result));
/* Writes t, replacing the clinic's template for its kind, language and channel. */
int store_template_put(struct db *db, const struct msg_template *t)
    __attribute__((warn_unused_result));
/* Drops the clinic's template for kind, language and channel, so that the shipped one
 * applies again; *dropped says whether there was one. */
int store_template_drop(struct db *db, int kind, const char *language, int channel, bool *dropped)
    __attribute__((warn_unused_result));

#endif
