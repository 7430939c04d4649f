/* Unit tests for http/router: literal and {param} segments, 404 and 405, and the real
 * route table. */
#include "unit.h"

#include "api/api.h"
#include "http/router.h"
#include "util/err.h"

/* A small table in the shape of the real one. Handlers are never called here. */
/* clang-format off */
static const struct route table[] = {
	{"GET", "/api/v1/health", NULL, 0, ROUTE_PUBLIC, "0"},
	{"GET", "/api/v1/patients", NULL, ROLE_ALL, 0, "1"},
	{"POST", "/api/v1/patients", NULL, ROLE_ALL, 0, "2"},
	{"GET", "/api/v1/patients/{id}", NULL, ROLE_ALL, 0, "3"},
	{"PATCH", "/api/v1/patients/{id}", NULL, ROLE_ALL, 0, "4"},
	{"GET", "/api/v1/patients/{patient_id}/plans/{plan_id}", NULL, ROLE_ALL, 0, "5"},
	{"GET", "/api/v1/practitioners/{id}/availability", NULL, ROLE_ALL, 0, "6"},
	{"PUT", "/api/v1/practitioners/{id}/availability", NULL, ROLE_ADMIN, 0, "7"},
	{"GET", "/api/v1/lots/{lot}/sessions", NULL, ROLE_ADMIN, 0, "8"},
	{"POST", "/api/v1/appointments/{id}/session/sign", NULL, ROLE_PRACTITIONER, 0, "9"},
};
/* clang-format on */
#define NTABLE (sizeof table / sizeof table[0])

enum { NF = -ERR_NOT_FOUND, NA = -ERR_METHOD_NOT_ALLOWED };

static void local_table(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *method, *path;
		int rc;
		int route; /* index into table when rc is 0 */
		int nparams;
		const char *param[2];
		int64_t id[2];
		const char *allow; /* for 405 */
	} rows[] = {
		{"GET", "/api/v1/health", 0, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/patients", 0, 1, 0, {NULL, NULL}, {0, 0}, NULL},
		{"POST", "/api/v1/patients", 0, 2, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/patients/12", 0, 3, 1, {"12", NULL}, {12, 0}, NULL},
		{"PATCH", "/api/v1/patients/12", 0, 4, 1, {"12", NULL}, {12, 0}, NULL},
		{"GET", "/api/v1/patients/1", 0, 3, 1, {"1", NULL}, {1, 0}, NULL},
		{"GET", "/api/v1/patients/999999999999999999", 0, 3, 1, {"999999999999999999", NULL},
		 {999999999999999999, 0}, NULL},
		{"GET", "/api/v1/patients/7/plans/9", 0, 5, 2, {"7", "9"}, {7, 9}, NULL},
		{"PUT", "/api/v1/practitioners/3/availability", 0, 7, 1, {"3", NULL}, {3, 0}, NULL},
		{"GET", "/api/v1/lots/LOT-2026-A/sessions", 0, 8, 1, {"LOT-2026-A", NULL}, {0, 0},
		 NULL},
		{"GET", "/api/v1/lots/0123/sessions", 0, 8, 1, {"0123", NULL}, {0, 0}, NULL},
		{"POST", "/api/v1/appointments/5/session/sign", 0, 9, 1, {"5", NULL}, {5, 0}, NULL},
		/* Method not allowed: the path exists with other methods. */
		{"DELETE", "/api/v1/patients/12", NA, 0, 0, {NULL, NULL}, {0, 0}, "GET, PATCH"},
		{"DELETE", "/api/v1/patients", NA, 0, 0, {NULL, NULL}, {0, 0}, "GET, POST"},
		{"POST", "/api/v1/health", NA, 0, 0, {NULL, NULL}, {0, 0}, "GET"},
		{"POST", "/api/v1/patients/7/plans/9", NA, 0, 0, {NULL, NULL}, {0, 0}, "GET"},
		{"DELETE", "/api/v1/practitioners/3/availability", NA, 0, 0, {NULL, NULL}, {0, 0},
		 "GET, PUT"},
		{"GET", "/api/v1/appointments/5/session/sign", NA, 0, 0, {NULL, NULL}, {0, 0}, "POST"},
		{"get", "/api/v1/health", NA, 0, 0, {NULL, NULL}, {0, 0}, "GET"},
		/* Ids: digits only, no sign, no leading zero, at most 18 digits. */
		{"GET", "/api/v1/patients/0", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/patients/012", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/patients/-1", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/patients/+1", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/patients/1x", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/patients/x1", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/patients/abc", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/patients/1.5", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/patients/%31", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/patients/1000000000000000000", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/patients/99999999999999999999999", NF, 0, 0, {NULL, NULL}, {0, 0},
		 NULL},
		{"GET", "/api/v1/patients/7/plans/0", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/patients/0/plans/7", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		/* Trailing slashes, empty and extra segments, case. */
		{"GET", "/api/v1/patients/", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/patients/12/", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/health/", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/patients//", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/lots//sessions", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/patients/12/extra", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/patients/7/plans", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/HEALTH", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/healthz", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1/healt", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/api/v1", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "/", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
		{"GET", "//api/v1/health", NF, 0, 0, {NULL, NULL}, {0, 0}, NULL},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct route_match m;
		memset(&m, 0x5a, sizeof m);
		int rc = router_match(table, NTABLE, rows[i].method, rows[i].path, &m);
		row_check(&bad, rc == rows[i].rc, "row %zu: %s %s: rc %d, want %d", i,
			  rows[i].method, rows[i].path, rc, rows[i].rc);
		if (rc != rows[i].rc)
			continue;
		if (rc != 0) {
			row_check(&bad, m.route == NULL, "row %zu: a route on failure", i);
			if (rc == NA)
				row_check(&bad, strcmp(m.allow, rows[i].allow) == 0,
					  "row %zu: allow \"%s\", want \"%s\"", i, m.allow,
					  rows[i].allow);
			continue;
		}
		row_check(&bad, m.route == &table[rows[i].route], "row %zu: route %s, want %d", i,
			  m.route ? m.route->summary : "NULL", rows[i].route);
		row_check(&bad, m.nparams == rows[i].nparams, "row %zu: %d params", i, m.nparams);
		for (int k = 0; k < rows[i].nparams && k < 2; k++) {
			row_check(&bad, strcmp(m.param[k], rows[i].param[k]) == 0,
				  "row %zu: param %d \"%s\"", i, k, m.param[k]);
			row_check(&bad, m.id[k] == rows[i].id[k], "row %zu: id %d = %lld", i, k,
				  (long long)m.id[k]);
		}
	}
	assert_int_equal(bad, 0);
}

/* A string parameter may be up to ROUTER_MAX_PARAM_LEN - 1 bytes; longer is no match. */
static void param_length(void **state)
{
	(void)state;
	char path[512], lot[ROUTER_MAX_PARAM_LEN + 1];
	struct route_match m;

	memset(lot, 'L', ROUTER_MAX_PARAM_LEN - 1);
	lot[ROUTER_MAX_PARAM_LEN - 1] = '\0';
	snprintf(path, sizeof path, "/api/v1/lots/%s/sessions", lot);
	assert_int_equal(router_match(table, NTABLE, "GET", path, &m), 0);
	assert_ptr_equal(m.route, &table[8]);
	assert_string_equal(m.param[0], lot);

	memset(lot, 'L', ROUTER_MAX_PARAM_LEN);
	lot[ROUTER_MAX_PARAM_LEN] = '\0';
	snprintf(path, sizeof path, "/api/v1/lots/%s/sessions", lot);
	assert_int_equal(router_match(table, NTABLE, "GET", path, &m), -ERR_NOT_FOUND);
	assert_null(m.route);
}

/* The first route in table order wins when two patterns match. */
static void first_match_wins(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct route t[] = {
		{"GET", "/api/v1/users/me", NULL, ROLE_ALL, 0, "literal"},
		{"GET", "/api/v1/users/{name}", NULL, ROLE_ALL, 0, "param"},
	};
	/* clang-format on */
	struct route_match m;
	assert_int_equal(router_match(t, 2, "GET", "/api/v1/users/me", &m), 0);
	assert_ptr_equal(m.route, &t[0]);
	assert_int_equal(m.nparams, 0);
	assert_int_equal(router_match(t, 2, "GET", "/api/v1/users/anna", &m), 0);
	assert_ptr_equal(m.route, &t[1]);
	assert_string_equal(m.param[0], "anna");
	assert_int_equal(m.id[0], 0);
	assert_int_equal(router_match(t, 0, "GET", "/api/v1/users/me", &m), -ERR_NOT_FOUND);
}

/* The server's own table: a few known answers. */
static void real_table(void **state)
{
	(void)state;
	struct route_match m;
	static const char *const methods[] = {"GET", "PATCH"};
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(
		    router_match(api_routes, api_nroutes, methods[i], "/api/v1/patients/12", &m),
		    0);
		assert_string_equal(m.route->method, methods[i]);
		assert_string_equal(m.route->pattern, "/api/v1/patients/{id}");
		assert_non_null(m.route->handler);
		assert_int_equal(m.nparams, 1);
		assert_int_equal(m.id[0], 12);
	}
	/* Nothing clinical is ever deleted: DELETE is not allowed, and says what is. */
	assert_int_equal(router_match(api_routes, api_nroutes, "DELETE", "/api/v1/patients/12", &m),
			 -ERR_METHOD_NOT_ALLOWED);
	assert_non_null(strstr(m.allow, "GET"));
	assert_non_null(strstr(m.allow, "PATCH"));
	assert_null(strstr(m.allow, "DELETE"));

	assert_int_equal(router_match(api_routes, api_nroutes, "GET", "/api/v1/health", &m), 0);
	assert_true(m.route->flags & ROUTE_PUBLIC);
	assert_int_equal(router_match(api_routes, api_nroutes, "GET", "/api/v1/me", &m), 0);
	assert_false(m.route->flags & ROUTE_PUBLIC);
	assert_int_equal(router_match(api_routes, api_nroutes, "GET", "/api/v1/patients/0", &m),
			 -ERR_NOT_FOUND);
	assert_int_equal(router_match(api_routes, api_nroutes, "GET", "/api/v1/no-such-thing", &m),
			 -ERR_NOT_FOUND);
	assert_int_equal(router_match(api_routes, api_nroutes, "GET", "/api/v2/health", &m),
			 -ERR_NOT_FOUND);
}

/* Writes a concrete path for pattern: "7" for id parameters, "x" for the others. */
static void example_path(const char *pattern, char *out, size_t outsz)
{
	size_t n = 0;
	for (const char *p = pattern; *p && n + 2 < outsz;) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			assert_non_null(close);
			bool id = close - p >= 3 && close[-2] == 'i' && close[-1] == 'd';
			out[n++] = id ? '7' : 'x';
			p = close + 1;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
}

/*
 * Every route of the server's table is well formed and reachable: a path built from its
 * pattern finds that very route (no earlier pattern shadows it), and no method and
 * pattern appear twice.
 */
static void real_table_reachable(void **state)
{
	(void)state;
	static const char *const known[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
	int bad = 0;
	assert_true(api_nroutes > 0);
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct route *r = &api_routes[i];
		bool method_ok = false;
		for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
			method_ok |= strcmp(r->method, known[k]) == 0;
		row_check(&bad, method_ok, "route %zu: method %s", i, r->method);
		row_check(&bad, strncmp(r->pattern, "/api/v1/", 8) == 0, "route %zu: pattern %s", i,
			  r->pattern);
		row_check(&bad, r->handler != NULL, "route %zu: %s %s has no handler", i, r->method,
			  r->pattern);
		row_check(&bad, r->summary && r->summary[0], "route %zu: no summary", i);
		row_check(&bad, (r->flags & ROUTE_PUBLIC) || (r->roles & ROLE_ALL) != 0,
			  "route %zu: %s %s allows no role", i, r->method, r->pattern);
		for (size_t j = i + 1; j < api_nroutes; j++)
			row_check(&bad,
				  strcmp(r->method, api_routes[j].method) != 0 ||
				      strcmp(r->pattern, api_routes[j].pattern) != 0,
				  "routes %zu and %zu: %s %s twice", i, j, r->method, r->pattern);

		char path[512];
		example_path(r->pattern, path, sizeof path);
		struct route_match m;
		int rc = router_match(api_routes, api_nroutes, r->method, path, &m);
		row_check(&bad, rc == 0 && m.route == r, "route %zu: %s %s finds %s (rc %d)", i,
			  r->method, path, rc == 0 ? m.route->pattern : "nothing", rc);
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(local_table),
		cmocka_unit_test(param_length),
		cmocka_unit_test(first_match_wins),
		cmocka_unit_test(real_table),
		cmocka_unit_test(real_table_reachable),
	};
	/* clang-format on */
	return cmocka_run_group_tests_name("unit_router", tests, NULL, NULL);
}
