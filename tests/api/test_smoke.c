/* A first look: the server starts, answers health, and logs a user in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static void health_and_login(void **state)
{
	(void)state;
	struct server s;
	server_start(&s, NULL);
	struct resp *r = req(&s, "GET", "/api/v1/health", NULL, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "status"), "ok");
	resp_free(r);
	char *tok = login(&s, "admin", PW_ADMIN);
	r = req(&s, "GET", "/api/v1/me", tok, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(json_object_get(r->json, "user"), "role"), "admin");
	resp_free(r);
	free(tok);
	assert_int_equal(server_stop(&s), 0);
	server_destroy(&s);
}

/* Clients learn the clinic's time zone, so that they can write local times with the right
 * offset on any date. */
static void clinic_time_zone_is_told(void **state)
{
	(void)state;
	struct server s;
	const char *args[] = {"--tz", "Asia/Kolkata", NULL};
	server_start(&s, args);
	struct resp *r = req(&s, "POST", "/api/v1/login", NULL,
			     "{\"username\":\"desk\",\"password\":\"" PW_DESK "\"}");
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "clinic_time_zone"), "Asia/Kolkata");
	/* Its times carry the zone's offset. */
	assert_non_null(strstr(jstr(r->json, "expires_at"), "+05:30"));
	char *tok = strdup(jstr(r->json, "token"));
	resp_free(r);
	r = req(&s, "GET", "/api/v1/me", tok, NULL);
	assert_string_equal(jstr(r->json, "clinic_time_zone"), "Asia/Kolkata");
	resp_free(r);
	free(tok);
	assert_int_equal(server_stop(&s), 0);
	server_destroy(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(health_and_login),
	    cmocka_unit_test(clinic_time_zone_is_told),
	};
	return cmocka_run_group_tests_name("api_smoke", tests, NULL, NULL);
}
