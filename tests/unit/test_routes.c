/* Unit test for the route table's policy flags: every write runs in dispatch's write
 * transaction, and every read that only clinical roles may make is an audited clinical
 * read. */
#include "unit.h"

#include "api/api.h"
#include "domain/model.h"
#include "http/router.h"

/* Writes that do slow work (a password hash, decoding an upload) before their
 * transaction, which they open through api_run_write themselves. */
static bool writes_itself(const struct route *r)
{
	return (r->flags & ROUTE_UPLOAD) || strcmp(r->pattern, "/api/v1/login") == 0 ||
	       strcmp(r->pattern, "/api/v1/users") == 0 ||
	       strcmp(r->pattern, "/api/v1/users/{id}") == 0;
}

static void writes_are_transactions(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct route *r = &api_routes[i];
		if (strcmp(r->method, "GET") == 0) {
			row_check(&bad, !(r->flags & ROUTE_WRITE), "GET %s is flagged WRITE",
				  r->pattern);
			continue;
		}
		row_check(&bad, (r->flags & ROUTE_WRITE) || writes_itself(r),
			  "%s %s writes outside dispatch's transaction", r->method, r->pattern);
		row_check(&bad, !(r->flags & ROUTE_CLINICAL_READ), "%s %s is a write flagged read",
			  r->method, r->pattern);
	}
	assert_int_equal(bad, 0);
}

static void clinical_reads_are_audited(void **state)
{
	(void)state;
	int bad = 0, clinical = 0;
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct route *r = &api_routes[i];
		if (strcmp(r->method, "GET") != 0 || (r->flags & ROUTE_PUBLIC))
			continue;
		bool clinical_only =
		    !(r->roles & ROLE_FRONT_DESK) && (r->roles & ROLE_PRACTITIONER);
		if (clinical_only) {
			clinical++;
			row_check(&bad, r->flags & ROUTE_CLINICAL_READ,
				  "GET %s is for clinical roles but not an audited read",
				  r->pattern);
		}
	}
	assert_int_equal(bad, 0);
	assert_true(clinical >= 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(writes_are_transactions),
	    cmocka_unit_test(clinical_reads_are_audited),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
