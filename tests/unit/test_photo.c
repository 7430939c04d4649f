/* Unit tests for the photo rules (domain/photo.c) and the image sniffing and wire format
 * (image/): table-driven, no database, no child process. */
#include "unit.h"

#include "domain/photo.h"
#include "image/wire.h"
#include "util/err.h"

static void upload_rule(void **state)
{
	(void)state;
	static const struct {
		struct photo_upload_facts f;
		int want;
	} rows[] = {
	    {{.patient_active = true, .clinical_consent = true}, 0},
	    {{.patient_active = true, .clinical_consent = false}, -ERR_CONSENT_MISSING},
	    {{.patient_active = false, .clinical_consent = true}, -ERR_PATIENT_ARCHIVED},
	    {{.patient_active = false, .clinical_consent = false}, -ERR_PATIENT_ARCHIVED},
	    {{.patient_active = true,
	      .clinical_consent = true,
	      .appointment_named = true,
	      .appointment_found = true},
	     0},
	    {{.patient_active = true, .clinical_consent = true, .appointment_named = true},
	     -ERR_NOT_FOUND},
	    /* Another patient's appointment is named before the consent is asked. */
	    {{.patient_active = true, .appointment_named = true}, -ERR_NOT_FOUND},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int got = rules_photo_upload(&rows[i].f);
		row_check(&bad, got == rows[i].want, "row %zu: %d, want %d", i, got, rows[i].want);
	}
	assert_int_equal(bad, 0);
}

static void remove_rule(void **state)
{
	(void)state;
	struct photo p = {.id = 1};
	assert_int_equal(rules_photo_remove(&p), 0);
	p.session_signed = true;
	assert_int_equal(rules_photo_remove(&p), -ERR_LOCKED);
	p.session_signed = false;
	p.deleted_at = 100;
	assert_int_equal(rules_photo_remove(&p), -ERR_NOT_FOUND);
	/* Withdrawn consent leaves the photo where it is: removing is still the same rule. */
	p.deleted_at = 0;
	p.consent_withdrawn = true;
	assert_int_equal(rules_photo_remove(&p), 0);
}

/* Only a photo under a marketing consent, with the record's consent in force, leaves. */
static void marketing_rule(void **state)
{
	(void)state;
	struct photo p = {.id = 1, .marketing = true};
	assert_true(rules_photo_marketing(&p));
	p.consent_withdrawn = true;
	assert_false(rules_photo_marketing(&p));
	p.consent_withdrawn = false;
	p.marketing = false;
	assert_false(rules_photo_marketing(&p));
	p.marketing = true;
	p.deleted_at = 100;
	assert_false(rules_photo_marketing(&p));
}

static void names(void **state)
{
	(void)state;
	static const char *const angles[] = {"front",	"left_45",  "right_45",
					     "left_90", "right_90", "close_up"};
	for (size_t i = 0; i < 6; i++)
		assert_true(photo_angle_valid(angles[i]));
	static const char *const not_angles[] = {"", "Front", "left", "back", "left_45 "};
	for (size_t i = 0; i < 5; i++)
		assert_false(photo_angle_valid(not_angles[i]));
	assert_false(photo_angle_valid(NULL));
	assert_true(photo_phase_valid("before") && photo_phase_valid("after") &&
		    photo_phase_valid("follow_up"));
	assert_false(photo_phase_valid("during") || photo_phase_valid(NULL));
	assert_true(photo_scope_valid("photo_clinical") && photo_scope_valid("photo_marketing"));
	assert_false(photo_scope_valid("photo") || photo_scope_valid("MN"));
}

static void sniffing(void **state)
{
	(void)state;
	static const struct {
		const char *bytes;
		size_t len;
		const char *want;
	} rows[] = {
	    {"\xff\xd8\xff\xe0", 4, "jpeg"},
	    {"\xff\xd8", 2, NULL},
	    {"\x89PNG\r\n\x1a\n", 8, "png"},
	    {"\x89PNG\r\n\x1a", 7, NULL},
	    {"RIFF\0\0\0\0WEBPVP8 ", 16, "webp"},
	    {"RIFF\0\0\0\0WAVEfmt ", 16, NULL},
	    {"\0\0\0\x18"
	     "ftypheic",
	     12, "heic"},
	    {"\0\0\0\x18"
	     "ftypmif1",
	     12, "heic"},
	    {"\0\0\0\x18"
	     "ftypavif",
	     12, "heic"},
	    {"\0\0\0\x18"
	     "ftypmp42",
	     12, NULL},
	    {"GIF89a", 6, NULL},
	    {"<svg xmlns=", 11, NULL},
	    {"", 0, NULL},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const char *got = image_sniff(rows[i].bytes, rows[i].len);
		bool ok =
		    (!got && !rows[i].want) || (got && rows[i].want && !strcmp(got, rows[i].want));
		row_check(&bad, ok, "row %zu: %s, want %s", i, got ? got : "NULL",
			  rows[i].want ? rows[i].want : "NULL");
	}
	assert_int_equal(bad, 0);
}

static void wire_integers(void **state)
{
	(void)state;
	unsigned char b[8];
	image_wire_put32(b, 0x01020304u);
	assert_int_equal(b[0], 4);
	assert_int_equal(b[3], 1);
	assert_int_equal(image_wire_get32(b), 0x01020304u);
	image_wire_put64(b, 0x1122334455667788ull);
	assert_int_equal(b[0], 0x88);
	assert_true(image_wire_get64(b) == 0x1122334455667788ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(upload_rule),    cmocka_unit_test(remove_rule),
	    cmocka_unit_test(marketing_rule), cmocka_unit_test(names),
	    cmocka_unit_test(sniffing),	      cmocka_unit_test(wire_integers),
	};
	return cmocka_run_group_tests_name("unit_photo", tests, NULL, NULL);
}
