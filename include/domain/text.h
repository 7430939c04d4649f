/* Checks and normal forms for what people type: names, e-mail, phone numbers, chart
 * numbers and search keys. Pure. */
#ifndef COLLAGENDA_DOMAIN_TEXT_H
#define COLLAGENDA_DOMAIN_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Case-folds UTF-8 text for searching ("Ärzte" and "ärzte" fold alike), collapsing runs
 * of white space to one space and trimming the ends. out gets at most outsz-1 bytes and
 * is always terminated; false when s is not valid UTF-8 or out is too small. */
bool text_fold(const char *s, char *out, size_t outsz);

/* A plausible e-mail address: one '@', a non-empty local part, a dotted domain, no
 * spaces or control characters, at most 254 bytes. */
bool text_valid_email(const char *s);

/* A plausible phone number: digits with optional + ( ) - . and spaces, 5 to 20 digits,
 * '+' only first. */
bool text_valid_phone(const char *s);

/* The digits of s in reverse order (for suffix search); empty when there are none. */
void text_phone_reversed(const char *s, char *out, size_t outsz);

/* True when q looks like a phone search: only phone characters and at least 4 digits. */
bool text_is_phone_query(const char *q);

/* A chart number for patient id: "CG" + six or more digits of the id + a Luhn check
 * digit, e.g. id 42 -> "CG0000422". out needs 24 bytes. */
void text_mrn(int64_t id, char *out, size_t outsz);

/* True when s has the shape of a chart number (case-insensitive "CG" + digits) and its
 * check digit holds; canon gets it upper-cased. */
bool text_parse_mrn(const char *s, char *canon, size_t canonsz);

#endif
