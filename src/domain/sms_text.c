/* Counting a text message's segments: GSM 03.38 (with its extension table) or UCS-2. */
#include "domain/sms_text.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "util/err.h"

/* The characters of the basic table beyond ASCII, as Unicode code points. */
static const uint32_t basic_extra[] = {
    0x00A3, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, 0x00F2, 0x00C7, 0x00D8, 0x00F8,
    0x00C5, 0x00E5, 0x0394, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, 0x03A3,
    0x0398, 0x039E, 0x00C6, 0x00E6, 0x00DF, 0x00C9, 0x00A4, 0x00A1, 0x00C4, 0x00D6,
    0x00D1, 0x00DC, 0x00A7, 0x00BF, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
};

/* Septets c takes in GSM-7: 1 (basic table), 2 (escape and the extension table), or 0
 * when it has none. */
static int gsm_septets(uint32_t c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return 1;
	if (c < 0x80) {
		if (c == '\n' || c == '\r' || (c && strchr(" !\"#%&'()*+,-./:;<=>?@$_", (int)c)))
			return 1;
		if (c == '\f' || (c && strchr("^{}\\[~]|", (int)c)))
			return 2;
		return 0;
	}
	if (c == 0x20AC) /* the euro sign */
		return 2;
	for (size_t i = 0; i < sizeof basic_extra / sizeof basic_extra[0]; i++)
		if (basic_extra[i] == c)
			return 1;
	return 0;
}

/* Decodes the UTF-8 character at *s, advancing it; false when it is not valid. */
static bool utf8_next(const unsigned char **s, uint32_t *out)
{
	const unsigned char *p = *s;
	uint32_t c;
	int n;
	if (p[0] < 0x80) {
		c = p[0];
		n = 0;
	} else if ((p[0] & 0xE0) == 0xC0) {
		c = p[0] & 0x1F;
		n = 1;
	} else if ((p[0] & 0xF0) == 0xE0) {
		c = p[0] & 0x0F;
		n = 2;
	} else if ((p[0] & 0xF8) == 0xF0) {
		c = p[0] & 0x07;
		n = 3;
	} else {
		return false;
	}
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return false;
		c = (c << 6) | (p[i] & 0x3F);
	}
	static const uint32_t least[] = {0, 0x80, 0x800, 0x10000};
	if (c < least[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return false;
	*s = p + n + 1;
	*out = c;
	return true;
}

/* Parts of at most part units each, a character of width 2 never split. */
static size_t pack(const char *text, bool gsm, size_t part)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t segments = 1, used = 0;
	uint32_t c;
	while (*s && utf8_next(&s, &c)) {
		size_t w = gsm ? (size_t)gsm_septets(c) : (c > 0xFFFF ? 2 : 1);
		if (used + w > part) {
			segments++;
			used = 0;
		}
		used += w;
	}
	return segments;
}

int sms_count_text(const char *text, struct sms_count *out)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t septets = 0, utf16 = 0;
	bool gsm = true;
	uint32_t c;
	while (*s) {
		if (!utf8_next(&s, &c))
			return -ERR_VALIDATION_FAILED;
		int w = gsm_septets(c);
		if (w == 0)
			gsm = false;
		septets += (size_t)w;
		utf16 += c > 0xFFFF ? 2 : 1;
	}
	out->encoding = gsm ? SMS_GSM7 : SMS_UCS2;
	out->units = gsm ? septets : utf16;
	size_t single = gsm ? 160 : 70, part = gsm ? 153 : 67;
	out->segments = out->units <= single ? 1 : pack(text, gsm, part);
	return 0;
}

const char *sms_encoding_name(enum sms_encoding e)
{
	return e == SMS_UCS2 ? "ucs2" : "gsm7";
}
