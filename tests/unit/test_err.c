/* Unit tests for util/err: every error code's HTTP status and wire string. */
#include "unit.h"

#include <limits.h>

#include "util/err.h"

/* Written out by hand from the error list in README and util/err.h, so that a change to the list
 * shows up here. */
/* clang-format off */
static const struct {
	int code;
	int status;
	const char *wire;
} rows[] = {
	{ERR_BAD_JSON, 400, "bad_json"},
	{ERR_BAD_REQUEST, 400, "bad_request"},
	{ERR_UNAUTHENTICATED, 401, "unauthenticated"},
	{ERR_FORBIDDEN, 403, "forbidden"},
	{ERR_UNDO_NOT_YOURS, 403, "undo_not_yours"},
	{ERR_NOT_FOUND, 404, "not_found"},
	{ERR_METHOD_NOT_ALLOWED, 405, "method_not_allowed"},
	{ERR_UNDERAGE, 409, "underage"},
	{ERR_CONTRAINDICATED, 409, "contraindicated"},
	{ERR_SCREENING_REQUIRED, 409, "screening_required"},
	{ERR_SPACING_TOO_SHORT, 409, "spacing_too_short"},
	{ERR_PLAN_FULL, 409, "plan_full"},
	{ERR_PLAN_NOT_ACTIVE, 409, "plan_not_active"},
	{ERR_CONFLICT, 409, "conflict"},
	{ERR_OUTSIDE_HOURS, 409, "outside_hours"},
	{ERR_BAD_TRANSITION, 409, "bad_transition"},
	{ERR_NOT_SIGNABLE, 409, "not_signable"},
	{ERR_LOCKED, 409, "locked"},
	{ERR_NOT_SIGNED, 409, "not_signed"},
	{ERR_PATIENT_ARCHIVED, 409, "patient_archived"},
	{ERR_NOT_TREATMENT, 409, "not_treatment"},
	{ERR_DUPLICATE, 409, "duplicate"},
	{ERR_LAST_ADMIN, 409, "last_admin"},
	{ERR_POSSIBLE_DUPLICATE, 409, "possible_duplicate"},
	{ERR_MERGE_SAME_CHART, 409, "merge_same_chart"},
	{ERR_MERGE_TARGET_ARCHIVED, 409, "merge_target_archived"},
	{ERR_ALREADY_MERGED, 409, "already_merged"},
	{ERR_ROOM_UNSUITABLE, 409, "room_unsuitable"},
	{ERR_UNDO_EXPIRED, 409, "undo_expired"},
	{ERR_CONSENT_MISSING, 409, "consent_missing"},
	{ERR_TOO_LARGE, 413, "too_large"},
	{ERR_UNSUPPORTED_MEDIA_TYPE, 415, "unsupported_media_type"},
	{ERR_VALIDATION_FAILED, 422, "validation_failed"},
	{ERR_DEPTH_EXCEEDS_AREA_MAX, 422, "depth_exceeds_area_max"},
	{ERR_BAD_IMAGE, 422, "bad_image"},
	{ERR_IMAGE_TOO_LARGE, 422, "image_too_large"},
	{ERR_TOO_MANY_REQUESTS, 429, "too_many_requests"},
	{ERR_HEAD_TOO_LARGE, 431, "head_too_large"},
	{ERR_INTERNAL, 500, "internal"},
	{ERR_GATEWAY_REFUSED, 502, "gateway_refused"},
	{ERR_BUSY, 503, "busy"},
	{ERR_DECODER_BUSY, 503, "decoder_busy"},
	{ERR_STORAGE_UNAVAILABLE, 503, "storage_unavailable"},
	{ERR_GATEWAY_UNREACHABLE, 504, "gateway_unreachable"},
};
/* clang-format on */
#define NROWS (sizeof rows / sizeof rows[0])

static void every_code(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < NROWS; i++) {
		int c = rows[i].code;
		row_check(&bad, err_status(c) == rows[i].status && err_status(-c) == rows[i].status,
			  "%s: status %d / %d, want %d", rows[i].wire, err_status(c),
			  err_status(-c), rows[i].status);
		row_check(&bad,
			  strcmp(err_wire(c), rows[i].wire) == 0 &&
			      strcmp(err_wire(-c), rows[i].wire) == 0,
			  "%s: wire \"%s\" / \"%s\"", rows[i].wire, err_wire(c), err_wire(-c));
		const char *msg = err_message(-c);
		row_check(
		    &bad, msg && msg[0] >= 'A' && msg[0] <= 'Z' && msg[strlen(msg) - 1] == '.',
		    "%s: message \"%s\" is not a sentence", rows[i].wire, msg ? msg : "(null)");
		row_check(&bad, msg && strcmp(msg, err_message(c)) == 0,
			  "%s: message differs by sign", rows[i].wire);
	}
	assert_int_equal(bad, 0);
}

/* The table above covers the whole list, once per code. */
static void table_is_complete(void **state)
{
	(void)state;
	assert_int_equal(NROWS, ERR_COUNT_ - 1);
	bool seen[ERR_COUNT_] = {false};
	for (size_t i = 0; i < NROWS; i++) {
		assert_in_range(rows[i].code, 1, ERR_COUNT_ - 1);
		assert_false(seen[rows[i].code]);
		seen[rows[i].code] = true;
	}
}

/* Wire strings are distinct and are the enum names in lower case. */
static void wire_strings(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		int code;
		const char *name;
	} names[] = {
#define ERR_NAME_(name, status, wire, msg) {ERR_##name, #name},
		ERR_MAP(ERR_NAME_)
#undef ERR_NAME_
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char lower[64];
		size_t n = strlen(names[i].name);
		assert_true(n < sizeof lower);
		for (size_t k = 0; k <= n; k++)
			lower[k] = (char)(names[i].name[k] >= 'A' && names[i].name[k] <= 'Z'
					      ? names[i].name[k] - 'A' + 'a'
					      : names[i].name[k]);
		row_check(&bad, strcmp(err_wire(names[i].code), lower) == 0, "%s: wire \"%s\"",
			  names[i].name, err_wire(names[i].code));
		for (size_t j = i + 1; j < sizeof names / sizeof names[0]; j++)
			row_check(&bad,
				  strcmp(err_wire(names[i].code), err_wire(names[j].code)) != 0,
				  "%s and %s share a wire string", names[i].name, names[j].name);
	}
	assert_int_equal(bad, 0);
}

static void unknown_codes(void **state)
{
	(void)state;
	/* clang-format off */
	static const int unknown[] = {ERR_COUNT_, -ERR_COUNT_, ERR_COUNT_ + 1, 1000, -1000,
				      INT_MAX, -INT_MAX, INT_MIN};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
		int c = unknown[i];
		row_check(&bad, err_status(c) == 500, "%d: status %d", c, err_status(c));
		row_check(&bad, strcmp(err_wire(c), "internal") == 0, "%d: wire %s", c,
			  err_wire(c));
		row_check(&bad, err_message(c) != NULL && err_message(c)[0] != '\0',
			  "%d: no message", c);
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_code),
		cmocka_unit_test(table_is_complete),
		cmocka_unit_test(wire_strings),
		cmocka_unit_test(unknown_codes),
	};
	/* clang-format on */
	return cmocka_run_group_tests_name("unit_err", tests, NULL, NULL);
}
