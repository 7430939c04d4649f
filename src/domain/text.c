/* Name folding, e-mail and phone checks, chart numbers with a Luhn check digit. */
#include "domain/text.h"

#include <ctype.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <wctype.h>

static locale_t utf8_locale;
static pthread_once_t locale_once = PTHREAD_ONCE_INIT;

static void init_locale(void)
{
	utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* Decodes one UTF-8 sequence at s; returns its length, 0 when invalid. */
static size_t utf8_decode(const unsigned char *s, unsigned *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	size_t n;
	unsigned c, min;
	if ((s[0] & 0xE0) == 0xC0) {
		n = 2, c = s[0] & 0x1F, min = 0x80;
	} else if ((s[0] & 0xF0) == 0xE0) {
		n = 3, c = s[0] & 0x0F, min = 0x800;
	} else if ((s[0] & 0xF8) == 0xF0) {
		n = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

static size_t utf8_encode(unsigned c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xE0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	out[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

bool text_fold(const char *s, char *out, size_t outsz)
{
	pthread_once(&locale_once, init_locale);
	const unsigned char *p = (const unsigned char *)s;
	size_t len = 0;
	bool space = false;
	if (outsz == 0)
		return false;
	while (*p) {
		unsigned cp;
		size_t n = utf8_decode(p, &cp);
		if (!n) {
			out[0] = '\0';
			return false;
		}
		p += n;
		bool ws = cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xA0;
		if (ws) {
			space = len > 0;
			continue;
		}
		if (utf8_locale)
			cp = (unsigned)towlower_l((wint_t)cp, utf8_locale);
		else if (cp < 0x80)
			cp = (unsigned)tolower((int)cp);
		char enc[4];
		size_t m = utf8_encode(cp, enc);
		if (len + (space ? 1 : 0) + m + 1 > outsz) {
			out[len] = '\0';
			return false;
		}
		if (space) {
			out[len++] = ' ';
			space = false;
		}
		memcpy(out + len, enc, m);
		len += m;
	}
	out[len] = '\0';
	return true;
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

void text_phone_reversed(const char *s, char *out, size_t outsz)
{
	size_t n = 0, len = strlen(s);
	for (size_t i = len; i-- > 0 && n + 1 < outsz;)
		if (s[i] >= '0' && s[i] <= '9')
			out[n++] = s[i];
	out[n] = '\0';
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
