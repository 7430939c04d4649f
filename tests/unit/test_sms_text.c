/* Unit tests for domain/sms_text: GSM-7 or UCS-2, and how many segments a text takes. */
#include "unit.h"

#include "domain/sms_text.h"
#include "util/err.h"

/* The strings the table below is built from: each row's own buffer. */
static char pool[96][2048];
static size_t pool_used;

static char *pool_next(void)
{
	assert_true(pool_used < sizeof pool / sizeof pool[0]);
	return pool[pool_used++];
}

/* A string of n copies of the UTF-8 character c. */
static const char *rep(const char *c, size_t n)
{
	char *out = pool_next();
	size_t len = strlen(c), at = 0;
	for (size_t i = 0; i < n && at + len < sizeof pool[0]; i++, at += len)
		memcpy(out + at, c, len);
	out[at] = '\0';
	return out;
}

/* a then b. */
static const char *cat2(const char *a, const char *b)
{
	char *out = pool_next();
	size_t la = strlen(a), lb = strlen(b);
	assert_true(la + lb < sizeof pool[0]);
	memmove(out, a, la);
	memmove(out + la, b, lb + 1);
	return out;
}

static void segments(void **state)
{
	(void)state;
	struct {
		const char *text;
		enum sms_encoding enc;
		size_t units, segments;
	} rows[] = {
	    {"", SMS_GSM7, 0, 1},
	    {"Hello", SMS_GSM7, 5, 1},
	    {rep("a", 160), SMS_GSM7, 160, 1},
	    {rep("a", 161), SMS_GSM7, 161, 2},
	    {rep("a", 306), SMS_GSM7, 306, 2},
	    {rep("a", 307), SMS_GSM7, 307, 3},
	    {rep("a", 459), SMS_GSM7, 459, 3},
	    {rep("a", 460), SMS_GSM7, 460, 4},
	    /* The extension table takes two septets. */
	    {"€", SMS_GSM7, 2, 1},
	    {"{}[]~|^\\", SMS_GSM7, 16, 1},
	    {rep("€", 80), SMS_GSM7, 160, 1},
	    {cat2(rep("a", 159), "€"), SMS_GSM7, 161, 2},
	    /* 152 septets then €: the escape pair does not split, so it opens part two. */
	    {cat2(rep("a", 152), cat2("€", rep("a", 10))), SMS_GSM7, 164, 2},
	    {cat2(rep("a", 152), cat2("€", rep("a", 152))), SMS_GSM7, 306, 3},
	    /* Characters of the basic table beyond ASCII. */
	    {"Müller Ñandu? Niño: Ñandu", SMS_GSM7, 25, 1},
	    {"ÄÖÜäöüß éèàìòù ÇØøÅåÆæÉ £¥§¤¡¿", SMS_GSM7, 30, 1},
	    {"ΔΦΓΛΩΠΨΣΘΞ_@$", SMS_GSM7, 13, 1},
	    {"line\nbreak\r\n", SMS_GSM7, 12, 1},
	    /* Anything else switches the whole text to UCS-2. */
	    {"sesión", SMS_UCS2, 6, 1},
	    {"`", SMS_UCS2, 1, 1},
	    {"Привет", SMS_UCS2, 6, 1},
	    {rep("á", 70), SMS_UCS2, 70, 1},
	    {rep("á", 71), SMS_UCS2, 71, 2},
	    {rep("á", 134), SMS_UCS2, 134, 2},
	    {rep("á", 135), SMS_UCS2, 135, 3},
	    {cat2(rep("a", 159), "á"), SMS_UCS2, 160, 3},
	    /* A character beyond the BMP is two UTF-16 units, never split between parts. */
	    {"😀", SMS_UCS2, 2, 1},
	    {rep("😀", 35), SMS_UCS2, 70, 1},
	    {rep("😀", 36), SMS_UCS2, 72, 2},
	    {cat2(rep("a", 66), "😀"), SMS_UCS2, 68, 1},
	    {cat2(rep("a", 66), cat2("😀", rep("a", 3))), SMS_UCS2, 71, 2},
	    {cat2(rep("a", 66), cat2("😀", rep("a", 66))), SMS_UCS2, 134, 3},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct sms_count c;
		int rc = sms_count_text(rows[i].text, &c);
		row_check(&bad,
			  rc == 0 && c.encoding == rows[i].enc && c.units == rows[i].units &&
			      c.segments == rows[i].segments,
			  "row %zu: rc %d, %s, %zu units, %zu segments", i, rc,
			  sms_encoding_name(c.encoding), c.units, c.segments);
	}
	assert_int_equal(bad, 0);
}

static void rejects_bad_utf8(void **state)
{
	(void)state;
	static const char *const rows[] = {
	    "\xC3",		/* cut short */
	    "\xC0\xAF",		/* overlong */
	    "\xED\xA0\x80",	/* a surrogate */
	    "\xF4\x90\x80\x80", /* beyond U+10FFFF */
	    "ok\xFF",
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct sms_count c;
		row_check(&bad, sms_count_text(rows[i], &c) == -ERR_VALIDATION_FAILED, "row %zu",
			  i);
	}
	assert_int_equal(bad, 0);
	assert_string_equal(sms_encoding_name(SMS_GSM7), "gsm7");
	assert_string_equal(sms_encoding_name(SMS_UCS2), "ucs2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(segments),
	    cmocka_unit_test(rejects_bad_utf8),
	};
	return cmocka_run_group_tests_name("unit_sms_text", tests, NULL, NULL);
}
