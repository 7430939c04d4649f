/* Unit tests for the embedded OpenAPI document: it parses, it is OpenAPI 3.0.3, and it
 * describes exactly the routes of the real route table (api/routes.c), no more, no less. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"

#include "api/api.h"
#include "domain/model.h"
#include "http/router.h"
#include "util/err.h"

/* Generated at build time from openapi.json. */
extern const char collagenda_openapi_json[];

static json_t *doc;

static int doc_load(void **state)
{
	(void)state;
	json_error_t jerr;
	doc = json_loads(collagenda_openapi_json, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		print_error("openapi.json line %d column %d: %s\n", jerr.line, jerr.column,
			    jerr.text);
		return -1;
	}
	return 0;
}

static int doc_free(void **state)
{
	(void)state;
	json_decref(doc);
	doc = NULL;
	return 0;
}

/* The HTTP methods an OpenAPI path item may hold, lower case. */
static const char *const op_methods[] = {"get",	    "put",  "post",  "delete",
					 "options", "head", "patch", "trace"};
#define NOP_METHODS (sizeof op_methods / sizeof op_methods[0])

/* The table's method in lower case into out (16 bytes). */
static void lower(const char *method, char out[16])
{
	size_t i = 0;
	for (; method[i] && i < 15; i++)
		out[i] = (char)tolower((unsigned char)method[i]);
	out[i] = '\0';
}

static json_t *doc_paths(void)
{
	json_t *paths = json_object_get(doc, "paths");
	assert_true(json_is_object(paths));
	return paths;
}

/* The operation for a route, or NULL. */
static json_t *operation(const struct route *r)
{
	char m[16];
	lower(r->method, m);
	json_t *item = json_object_get(doc_paths(), r->pattern);
	return json_is_object(item) ? json_object_get(item, m) : NULL;
}

static void header(void **state)
{
	(void)state;
	assert_true(json_is_object(doc));
	json_t *v = json_object_get(doc, "openapi");
	assert_true(json_is_string(v));
	assert_string_equal(json_string_value(v), "3.0.3");
	json_t *info = json_object_get(doc, "info");
	assert_true(json_is_object(info));
	assert_true(json_is_string(json_object_get(info, "title")));
	assert_true(json_is_string(json_object_get(info, "version")));
	doc_paths();
	json_t *schemes = json_object_get(json_object_get(doc, "components"), "securitySchemes");
	assert_true(json_is_object(json_object_get(schemes, "bearerAuth")));
	assert_true(json_is_object(json_object_get(schemes, "cookieAuth")));
}

/* Every route of the table is documented under its pattern and method. */
static void every_route_documented(void **state)
{
	(void)state;
	int bad = 0;
	assert_true(api_nroutes > 0);
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct route *r = &api_routes[i];
		row_check(&bad, json_is_object(operation(r)), "undocumented route: %s %s",
			  r->method, r->pattern);
	}
	assert_int_equal(bad, 0);
}

/* Every documented operation is a route of the table. */
static void every_operation_exists(void **state)
{
	(void)state;
	int bad = 0;
	const char *path, *key;
	json_t *item, *v;
	json_object_foreach(doc_paths(), path, item)
	{
		row_check(&bad, json_is_object(item), "path item is not an object: %s", path);
		if (!json_is_object(item))
			continue;
		json_object_foreach(item, key, v)
		{
			bool is_method = false;
			for (size_t k = 0; k < NOP_METHODS; k++)
				if (strcmp(key, op_methods[k]) == 0)
					is_method = true;
			if (!is_method) {
				/* The other fields a path item may have. */
				row_check(
				    &bad,
				    strcmp(key, "parameters") == 0 || strcmp(key, "summary") == 0 ||
					strcmp(key, "description") == 0 ||
					strcmp(key, "servers") == 0 || strncmp(key, "x-", 2) == 0,
				    "unexpected key %s under %s", key, path);
				continue;
			}
			bool found = false;
			for (size_t i = 0; i < api_nroutes && !found; i++) {
				char m[16];
				lower(api_routes[i].method, m);
				found =
				    strcmp(api_routes[i].pattern, path) == 0 && strcmp(m, key) == 0;
			}
			row_check(&bad, found, "documented but not routed: %s %s", key, path);
		}
	}
	assert_int_equal(bad, 0);
}

/* Each operation has the table's summary and at least one response. */
static void operations_complete(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct route *r = &api_routes[i];
		json_t *op = operation(r);
		if (!json_is_object(op))
			continue; /* reported by every_route_documented */
		json_t *summary = json_object_get(op, "summary");
		row_check(&bad, json_is_string(summary) && json_string_length(summary) > 0,
			  "no summary: %s %s", r->method, r->pattern);
		row_check(&bad,
			  json_is_string(summary) && r->summary &&
			      strcmp(json_string_value(summary), r->summary) == 0,
			  "summary differs from the route table: %s %s", r->method, r->pattern);
		json_t *responses = json_object_get(op, "responses");
		row_check(&bad, json_is_object(responses) && json_object_size(responses) > 0,
			  "no responses: %s %s", r->method, r->pattern);
	}
	assert_int_equal(bad, 0);
}

/* Public routes need no security; x-roles lists the table's roles for the others. */
static void security_and_roles(void **state)
{
	(void)state;
	static const struct {
		unsigned bit;
		const char *name;
	} roles[] = {{ROLE_ADMIN, "admin"},
		     {ROLE_FRONT_DESK, "front_desk"},
		     {ROLE_PRACTITIONER, "practitioner"}};
	int bad = 0;
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct route *r = &api_routes[i];
		json_t *op = operation(r);
		if (!json_is_object(op))
			continue;
		json_t *sec = json_object_get(op, "security");
		json_t *xroles = json_object_get(op, "x-roles");
		row_check(&bad, json_is_array(xroles), "no x-roles: %s %s", r->method, r->pattern);
		if (r->flags & ROUTE_PUBLIC) {
			row_check(&bad, json_is_array(sec) && json_array_size(sec) == 0,
				  "public route without security []: %s %s", r->method, r->pattern);
			continue;
		}
		row_check(&bad, sec == NULL, "session route overrides security: %s %s", r->method,
			  r->pattern);
		if (!json_is_array(xroles))
			continue;
		size_t want = 0;
		for (size_t k = 0; k < sizeof roles / sizeof roles[0]; k++) {
			bool listed = false;
			size_t j;
			json_t *v;
			json_array_foreach(xroles, j,
					   v) if (json_is_string(v) &&
						  strcmp(json_string_value(v), roles[k].name) == 0)
			    listed = true;
			bool allowed = (r->roles & roles[k].bit) != 0;
			want += allowed;
			row_check(&bad, listed == allowed, "x-roles %s %s: %s %s",
				  allowed ? "lacks" : "wrongly lists", roles[k].name, r->method,
				  r->pattern);
		}
		row_check(&bad, json_array_size(xroles) == want,
			  "x-roles has %zu entries, not %zu: %s %s", json_array_size(xroles), want,
			  r->method, r->pattern);
	}
	assert_int_equal(bad, 0);
}

/* Each {param} of a pattern is a required path parameter of its operation. */
static void path_parameters(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct route *r = &api_routes[i];
		json_t *op = operation(r);
		if (!json_is_object(op))
			continue;
		json_t *params = json_object_get(op, "parameters");
		for (const char *p = strchr(r->pattern, '{'); p; p = strchr(p + 1, '{')) {
			const char *close = strchr(p, '}');
			assert_non_null(close);
			char name[64];
			snprintf(name, sizeof name, "%.*s", (int)(close - p - 1), p + 1);
			bool found = false;
			size_t j;
			json_t *v;
			json_array_foreach(params, j, v)
			{
				const char *n = json_string_value(json_object_get(v, "name"));
				const char *in = json_string_value(json_object_get(v, "in"));
				if (n && in && strcmp(n, name) == 0 && strcmp(in, "path") == 0 &&
				    json_is_true(json_object_get(v, "required")))
					found = true;
			}
			row_check(&bad, found, "path parameter {%s} not documented: %s %s", name,
				  r->method, r->pattern);
		}
	}
	assert_int_equal(bad, 0);
}

/* The shared Error schema lists every error code the server can send. */
static void error_codes(void **state)
{
	(void)state;
	json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
	json_t *error = json_object_get(
	    json_object_get(json_object_get(schemas, "Error"), "properties"), "error");
	json_t *props = json_object_get(error, "properties");
	assert_true(json_is_object(json_object_get(props, "message")));
	assert_true(json_is_object(json_object_get(props, "details")));
	json_t *codes = json_object_get(json_object_get(props, "code"), "enum");
	assert_true(json_is_array(codes));
	int bad = 0;
	for (int c = ERR_OK + 1; c < ERR_COUNT_; c++) {
		bool found = false;
		size_t j;
		json_t *v;
		json_array_foreach(codes, j, v) if (json_is_string(v) &&
						    strcmp(json_string_value(v), err_wire(c)) == 0)
		    found = true;
		row_check(&bad, found, "error code %s missing from the Error schema", err_wire(c));
	}
	assert_int_equal(bad, 0);
	assert_int_equal(json_array_size(codes), ERR_COUNT_ - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(header),
	    cmocka_unit_test(every_route_documented),
	    cmocka_unit_test(every_operation_exists),
	    cmocka_unit_test(operations_complete),
	    cmocka_unit_test(security_and_roles),
	    cmocka_unit_test(path_parameters),
	    cmocka_unit_test(error_codes),
	};
	return cmocka_run_group_tests_name("unit_openapi", tests, doc_load, doc_free);
}
