/* Unit tests for domain/visibility: what each role may see of the clinical record. */
#include "unit.h"

#include "domain/model.h"
#include "domain/visibility.h"

static void by_role(void **state)
{
	(void)state;
	static const struct {
		unsigned role;
		bool clinical;
	} rows[] = {
	    {ROLE_ADMIN, true}, {ROLE_PRACTITIONER, true}, {ROLE_FRONT_DESK, false}, {0, false}};
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct visibility v = visibility_for(rows[i].role);
		bool c = rows[i].clinical;
		row_check(&bad,
			  v.screening == c && v.session_record == c && v.condition_names == c &&
			      v.day_cautions == c,
			  "role %u: screening %d notes %d names %d day %d", rows[i].role,
			  v.screening, v.session_record, v.condition_names, v.day_cautions);
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(by_role)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
