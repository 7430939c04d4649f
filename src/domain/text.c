/* Name folding (with libunistring), words and phone keys for search, e-mail and phone checks, chart
 * numbers with a Luhn check digit. */
#include "domain/text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "util/xalloc.h"

/* Latin letters that have no decomposition of their own but that people type without
 * their stroke or ligature: "Łukasz" is looked for as "lukasz", "Ærø" as "aero". The
 * input is already case-folded, so only lower-case forms appear. */
static const char *plain_letter(ucs4_t c)
{
	switch (c) {
	case 0x00E6: /* æ */
		return "ae";
	case 0x00F0: /* ð */
	case 0x0111: /* đ */
		return "d";
	case 0x00F8: /* ø */
		return "o";
	case 0x00FE: /* þ */
		return "th";
	case 0x0127: /* ħ */
		return "h";
	case 0x0131: /* dotless ı */
		return "i";
	case 0x0142: /* ł */
		return "l";
	case 0x014B: /* ŋ */
		return "n";
	case 0x0153: /* œ */
		return "oe";
	case 0x0167: /* ŧ */
		return "t";
	case 0x0180: /* ƀ */
		return "b";
	case 0x0188: /* ƈ */
		return "c";
	case 0x0192: /* ƒ */
		return "f";
	case 0x01B6: /* ƶ */
		return "z";
	case 0x0259: /* ə */
		return "e";
	default:
		return NULL;
	}
}

/* Apostrophes vanish: "O'Neil", "O’Neil" and "ONeil" are one name. */
static bool apostrophe(ucs4_t c)
{
	return c == '\'' || c == 0x2019 || c == 0x2018 || c == 0x02BC || c == 0x0060;
}

static bool white(ucs4_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xA0 || c == 0x2007 ||
	       c == 0x202F || c == 0x3000;
}

bool text_fold(const char *s, char *out, size_t outsz)
{
	if (outsz == 0)
		return false;
	out[0] = '\0';
	size_t n = strlen(s);
	if (u8_check((const uint8_t *)s, n) != NULL)
		return false;
	/* Case folding and compatibility decomposition in one pass; then the marks go. */
	uint8_t stack[1024];
	size_t flen = sizeof stack;
	uint8_t *folded = u8_casefold((const uint8_t *)s, n, NULL, UNINORM_NFKD, stack, &flen);
	if (!folded)
		return false;
	size_t len = 0;
	bool space = false, ok = true;
	const uint8_t *p = folded, *end = folded + flen;
	while (p < end) {
		ucs4_t c;
		int m = u8_mbtouc_unsafe(&c, p, (size_t)(end - p));
		p += m;
		if (white(c)) {
			space = len > 0;
			continue;
		}
		if (apostrophe(c) || uc_is_general_category(c, UC_CATEGORY_M))
			continue;
		char enc[8];
		const char *plain = plain_letter(c);
		size_t k;
		if (plain) {
			k = strlen(plain);
			memcpy(enc, plain, k);
		} else {
			int w = u8_uctomb((uint8_t *)enc, c, (int)sizeof enc);
			if (w <= 0) {
				ok = false;
				break;
			}
			k = (size_t)w;
		}
		if (len + (space ? 1 : 0) + k + 1 > outsz) {
			ok = false;
			break;
		}
		if (space) {
			out[len++] = ' ';
			space = false;
		}
		memcpy(out + len, enc, k);
		len += k;
	}
	out[len] = '\0';
	if (folded != stack)
		free(folded);
	return ok;
}

size_t text_split_words(char *s, char **words, size_t max)
{
	size_t n = 0;
	char *p = s;
	while (*p) {
		while (*p == ' ' || *p == '-' || *p == '.')
			*p++ = '\0';
		if (!*p)
			break;
		if (n < max)
			words[n] = p;
		n++;
		while (*p && *p != ' ' && *p != '-' && *p != '.')
			p++;
	}
	return n;
}

/* Copies s into keys->buf at *used; NULL when it does not fit. */
static char *keep(struct text_keys *keys, size_t *used, const char *s)
{
	size_t n = strlen(s) + 1;
	if (*used + n > sizeof keys->buf)
		return NULL;
	char *at = keys->buf + *used;
	memcpy(at, s, n);
	*used += n;
	return at;
}

/* The length in bytes of s's first chars UTF-8 characters (s is valid UTF-8). */
static size_t chars_len(const char *s, size_t chars)
{
	size_t len = 0;
	while (s[len] && chars) {
		len++;
		while (((unsigned char)s[len] & 0xC0) == 0x80)
			len++;
		chars--;
	}
	return len;
}

/* Adds the starts of word to keys, each once; false when they do not fit. */
static bool add_prefixes(struct text_keys *keys, size_t *used, const char *word)
{
	for (size_t chars = 1; chars <= TEXT_PREFIX_CHARS; chars++) {
		size_t len = chars_len(word, chars);
		bool again = false;
		for (size_t k = 0; k < keys->n && !again; k++)
			again = strncmp(keys->key[k], word, len) == 0 && keys->key[k][len] == '\0';
		if (!again) {
			if (keys->n == TEXT_KEYS_MAX || *used + len + 1 > sizeof keys->buf)
				return false;
			char *at = keys->buf + *used;
			memcpy(at, word, len);
			at[len] = '\0';
			*used += len + 1;
			keys->kind[keys->n] = TEXT_KEY_PREFIX;
			keys->key[keys->n++] = at;
		}
		if (!word[len])
			break;
	}
	return true;
}

bool text_patient_keys(const char *first_key, const char *last_key, const char *phone_key,
		       struct text_keys *keys)
{
	size_t used = 0;
	keys->n = 0;
	const char *names[2] = {first_key, last_key};
	for (int i = 0; i < 2; i++) {
		char copy[1024];
		size_t len = strlen(names[i]);
		if (len >= sizeof copy)
			goto too_long;
		memcpy(copy, names[i], len + 1);
		char *words[TEXT_NAME_WORDS];
		size_t n = text_split_words(copy, words, TEXT_NAME_WORDS);
		for (size_t w = 0; w < n && w < TEXT_NAME_WORDS; w++)
			if (!add_prefixes(keys, &used, words[w]))
				goto too_long;
	}
	if (phone_key && *phone_key) {
		const char *digits = keep(keys, &used, phone_key);
		if (!digits)
			goto too_long;
		size_t len = strlen(digits);
		for (size_t i = 0; i + TEXT_PHONE_TAIL <= len; i++) {
			if (keys->n == TEXT_KEYS_MAX)
				goto too_long;
			keys->kind[keys->n] = TEXT_KEY_PHONE;
			keys->key[keys->n++] = digits + i;
		}
	}
	return true;
too_long:
	keys->n = 0;
	return false;
}

static bool word_end(char c)
{
	return c == ' ' || c == '-' || c == '.';
}

bool text_name_has_prefix(const char *name_key, const char *prefix)
{
	size_t len = strlen(prefix);
	const char *p = name_key;
	for (int words = 0; words < TEXT_NAME_WORDS; words++) {
		while (word_end(*p))
			p++;
		if (!*p)
			return false;
		const char *end = p;
		while (*end && !word_end(*end))
			end++;
		if ((size_t)(end - p) >= len && memcmp(p, prefix, len) == 0)
			return true;
		p = end;
	}
	return false;
}

bool text_prefix_key(const char *prefix, char *out, size_t outsz)
{
	size_t len = chars_len(prefix, TEXT_PREFIX_CHARS);
	if (len >= outsz)
		len = 0;
	memcpy(out, prefix, len);
	out[len] = '\0';
	return prefix[len] == '\0';
}

/* Country calling codes are prefix-free (ITU-T E.164): these start with 1 or 7 alone, or
 * take two digits; every other code takes three. */
static size_t country_code_len(const char *d)
{
	static const char *const two[] = {"20", "27", "30", "31", "32", "33", "34", "36", "39",
					  "40", "41", "43", "44", "45", "46", "47", "48", "49",
					  "51", "52", "53", "54", "55", "56", "57", "58", "60",
					  "61", "62", "63", "64", "65", "66", "81", "82", "84",
					  "86", "90", "91", "92", "93", "94", "95", "98"};
	if (d[0] == '1' || d[0] == '7')
		return 1;
	if (!d[0] || !d[1])
		return 0;
	for (size_t i = 0; i < sizeof two / sizeof two[0]; i++)
		if (d[0] == two[i][0] && d[1] == two[i][1])
			return 2;
	return d[2] ? 3 : 0;
}

void text_phone_key(const char *s, char *out, size_t outsz)
{
	char digits[64];
	size_t n = 0;
	bool plus = false;
	if (outsz == 0)
		return;
	for (const char *p = s; *p; p++) {
		if (*p == '+' && n == 0)
			plus = true;
		else if (*p >= '0' && *p <= '9' && n + 1 < sizeof digits)
			digits[n++] = *p;
	}
	digits[n] = '\0';
	const char *d = digits;
	if (!plus && d[0] == '0' && d[1] == '0') {
		plus = true; /* 00 is the international prefix of most countries */
		d += 2;
	}
	if (plus)
		d += country_code_len(d);
	/* A trunk 0 before the area code, written after the country code or not: "+44 (0)20",
	 * "020", "+39 06" and "06" all become the same number. */
	if (d[0] == '0')
		d++;
	snprintf(out, outsz, "%s", d);
}

bool text_valid_email(const char *s)
{
	size_t n = strlen(s);
	if (n < 3 || n > 254)
		return false;
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@'))
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == ',' || *p == ';' ||
		    *p == '<' || *p == '>')
			return false;
	const char *dom = at + 1;
	const char *dot = strrchr(dom, '.');
	if (!dot || dot == dom || dot[1] == '\0' || dom[0] == '.' || strstr(dom, ".."))
		return false;
	return (size_t)(at - s) <= 64;
}

bool text_valid_phone(const char *s)
{
	int digits = 0;
	for (const char *p = s; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '+' && p != s)
			return false;
		else if (!strchr("+()-. ", *p))
			return false;
	}
	return digits >= 5 && digits <= 20 && strlen(s) <= 32;
}

bool text_is_phone_query(const char *q)
{
	int digits = 0;
	for (const char *p = q; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (!strchr("+()-. ", *p))
			return false;
	}
	return digits >= 4;
}

/* The Luhn check digit of a string of digits. */
static int luhn(const char *digits)
{
	int sum = 0;
	size_t n = strlen(digits);
	for (size_t i = 0; i < n; i++) {
		int d = digits[n - 1 - i] - '0';
		if (i % 2 == 0) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return (10 - sum % 10) % 10;
}

void text_mrn(int64_t id, char *out, size_t outsz)
{
	char num[24];
	snprintf(num, sizeof num, "%06lld", (long long)id);
	snprintf(out, outsz, "CG%s%d", num, luhn(num));
}

bool text_parse_mrn(const char *s, char *canon, size_t canonsz)
{
	size_t n = strlen(s);
	if (n < 9 || n > 22 || n + 1 > canonsz || toupper((unsigned char)s[0]) != 'C' ||
	    toupper((unsigned char)s[1]) != 'G')
		return false;
	for (size_t i = 2; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	char body[24];
	memcpy(body, s + 2, n - 3);
	body[n - 3] = '\0';
	if (luhn(body) != s[n - 1] - '0')
		return false;
	canon[0] = 'C';
	canon[1] = 'G';
	memcpy(canon + 2, s + 2, n - 2);
	canon[n] = '\0';
	return true;
}

void text_html_escape(struct buf *out, const char *s, size_t n)
{
	size_t run = 0; /* bytes at s + i - run not yet written */
	for (size_t i = 0; i < n; i++) {
		const char *ref = NULL;
		switch (s[i]) {
		case '&':
			ref = "&amp;";
			break;
		case '<':
			ref = "&lt;";
			break;
		case '>':
			ref = "&gt;";
			break;
		case '"':
			ref = "&quot;";
			break;
		case '\'':
			ref = "&#39;";
			break;
		default:
			run++;
			continue;
		}
		if (run)
			buf_append(out, s + i - run, run);
		run = 0;
		buf_puts(out, ref);
	}
	if (run)
		buf_append(out, s + n - run, run);
}
