/* How a text message is carried: the GSM 03.38 7-bit alphabet or UCS-2, and how many
 * segments it takes. Pure. */
#ifndef COLLAGENDA_DOMAIN_SMS_TEXT_H
#define COLLAGENDA_DOMAIN_SMS_TEXT_H

#include <stddef.h>

enum sms_encoding { SMS_GSM7 = 1, SMS_UCS2 };

struct sms_count {
	enum sms_encoding encoding;
	/* Septets (GSM-7: a character of the extension table, such as € or {, takes two)
	 * or UTF-16 code units (UCS-2: a character beyond the BMP, such as an emoji, takes
	 * two). */
	size_t units;
	/* 1 for a text up to 160 septets or 70 units (an empty text too); otherwise parts
	 * of at most 153 septets or 67 units, an escape pair or a surrogate pair never split
	 * between two parts. */
	size_t segments;
};

/* Counts text (UTF-8): GSM-7 when every character is in the GSM 03.38 basic or
 * extension table, else UCS-2. 0, or -ERR_VALIDATION_FAILED when text is not valid
 * UTF-8. */
int sms_count_text(const char *text, struct sms_count *out) __attribute__((warn_unused_result));

/* "gsm7" or "ucs2". */
const char *sms_encoding_name(enum sms_encoding e);

#endif
