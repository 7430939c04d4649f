/* Checks and normal forms for what people type: names, e-mail, phone numbers, chart
 * numbers and search keys. Pure. */
#ifndef COLLAGENDA_DOMAIN_TEXT_H
#define COLLAGENDA_DOMAIN_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Folds UTF-8 text for searching the way people type it: case-folded, decomposed (NFKD)
 * with its combining marks dropped, letters without a decomposition written plainly
 * (ß -> ss, æ -> ae, ø -> o, ł -> l, đ -> d, þ -> th, œ -> oe, ı -> i), apostrophes
 * dropped, runs of white space collapsed to one space and the ends trimmed: "García",
 * "GARCIA" and "garcia" fold alike, as do "Müller" and "muller". out gets at most
 * outsz-1 bytes and is always terminated; false when s is not valid UTF-8 or out is too
 * small. */
bool text_fold(const char *s, char *out, size_t outsz);

/* What a patient is found by (store/patients.c keeps one row per key): each start, of one
 * to TEXT_PREFIX_CHARS characters, of each word of the folded first and last names (at
 * most TEXT_NAME_WORDS words of each), once however many words share it; and each tail
 * of at least three of the phone's national digits, so that a prefix of a tail is a run of
 * digits anywhere in the number. A name prefix typed longer than TEXT_PREFIX_CHARS is
 * looked up by its start (text_prefix_key) and checked against the names
 * (text_name_has_prefix). */
enum text_key_kind { TEXT_KEY_PREFIX = 1, TEXT_KEY_PHONE = 3 };
#define TEXT_NAME_WORDS	  16
#define TEXT_PREFIX_CHARS 6
#define TEXT_PHONE_TAIL	  3
#define TEXT_KEYS_MAX	  (2 * TEXT_NAME_WORDS * TEXT_PREFIX_CHARS + 32)
struct text_keys {
	size_t n;
	enum text_key_kind kind[TEXT_KEYS_MAX];
	const char *key[TEXT_KEYS_MAX]; /* into buf */
	char buf[8192];
};

/* Fills keys from a patient's folded names and phone key (NULL or "" when none); false
 * when they do not fit (keys is then empty). */
bool text_patient_keys(const char *first_key, const char *last_key, const char *phone_key,
		       struct text_keys *keys);

/* True when a word of name_key, a folded name as text_patient_keys reads it (its first
 * TEXT_NAME_WORDS words), starts with prefix: prefix is then in the range of one of the
 * name's keys. */
bool text_name_has_prefix(const char *name_key, const char *prefix);

/* The key a typed name prefix is looked up by: its first TEXT_PREFIX_CHARS characters
 * into out (outsz at least 4 * TEXT_PREFIX_CHARS + 1). True when that is all of prefix;
 * false when prefix is longer, and the rows found must be checked with
 * text_name_has_prefix. */
bool text_prefix_key(const char *prefix, char *out, size_t outsz);

/* A plausible e-mail address: one '@', a non-empty local part, a dotted domain, no
 * spaces or control characters, at most 254 bytes. */
bool text_valid_email(const char *s);

/* A plausible phone number: digits with optional + ( ) - . and spaces, 5 to 20 digits,
 * '+' only first. */
bool text_valid_phone(const char *s);

/* Splits folded text into its words in place: spaces, hyphens and dots end a word
 * ("van dijk", "müller-lüdenscheidt"). Up to max word starts go to words; returns how
 * many words s holds, which may be more than max. */
size_t text_split_words(char *s, char **words, size_t max);

/* The digits a phone number is searched and compared by: its national number without
 * the international prefix ("+" or "00"), the country code or a trunk 0, so that
 * "+49 171 912345", "0049 171 912345" and "0171 912345" all give "171912345". out is
 * always terminated (empty when there are no digits). */
void text_phone_key(const char *s, char *out, size_t outsz);

/* True when q looks like a phone search: only phone characters and at least 4 digits. */
bool text_is_phone_query(const char *q);

/* A chart number for patient id: "CG" + six or more digits of the id + a Luhn check
 * digit, e.g. id 42 -> "CG0000422". out needs 24 bytes. */
void text_mrn(int64_t id, char *out, size_t outsz);

/* Appends the n bytes at s to out with HTML's special characters written as references:
 * & < > " and ' (so the text is safe in an element and in a quoted attribute). s may be
 * NULL when n is 0. */
struct buf;
void text_html_escape(struct buf *out, const char *s, size_t n);

/* True when s has the shape of a chart number (case-insensitive "CG" + digits) and its
 * check digit holds; canon gets it upper-cased. */
bool text_parse_mrn(const char *s, char *canon, size_t canonsz);

#endif
