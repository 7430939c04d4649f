/* Storage faults: a full database and a read-only database file. Writes fail with a
 * clear 503 storage_unavailable and store nothing partial; reads keep working; the server
 * takes writes again once space returns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

static long long count(struct server *s, const char *token, const char *path)
{
	struct resp *r = req(s, "GET", path, token, NULL);
	long long n = r->status == 200 ? jint(r->json, "total") : -1;
	resp_free(r);
	return n;
}

static int create_patient(struct server *s, const char *token, int i, struct resp **out)
{
	char notes[3001];
	memset(notes, 'n', sizeof notes - 1);
	notes[sizeof notes - 1] = '\0';
	struct resp *r =
	    reqf(s, "POST", "/api/v1/patients", token,
		 "{\"first_name\":\"Fill%d\",\"last_name\":\"Store\","
		 "\"date_of_birth\":\"1970-01-01\",\"confirm_new\":true,\"notes\":\"%s\"}",
		 i, notes);
	int st = (int)r->status;
	if (out)
		*out = r;
	else
		resp_free(r);
	return st;
}

static void sqlite_ok(const char *path, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		print_error("%s: %s\n", sql, msg ? msg : "?");
	sqlite3_free(msg);
	sqlite3_close(db);
	assert_int_equal(rc, SQLITE_OK);
}

static void full_database(void **state)
{
	(void)state;
	struct server s;
	const char *small[] = {"--max-db-size", "1", NULL};
	server_start(&s, small);
	char *tok = login(&s, "admin", PW_ADMIN);
	int i = 0, st = 201;
	while (st == 201 && i < 2000)
		st = create_patient(&s, tok, i++, NULL);
	assert_int_equal(st, 503);
	long long patients = count(&s, tok, "/api/v1/patients?limit=1");
	long long events = count(&s, tok, "/api/v1/audit?limit=1");
	assert_true(patients > 10);

	/* Refused writes say why, and store nothing (not even an audit event); reads keep
	 * working. (A patient search is itself audited, so count events first.) */
	for (int k = 0; k < 3; k++) {
		struct resp *r;
		assert_int_equal(create_patient(&s, tok, 10000 + k, &r), 503);
		assert_string_equal(resp_error(r), "storage_unavailable");
		resp_free(r);
	}
	assert_int_equal(count(&s, tok, "/api/v1/audit?limit=1"), events);
	assert_int_equal(count(&s, tok, "/api/v1/patients?limit=1"), patients);
	fx_expect_status(req(&s, "GET", "/api/v1/health", NULL, NULL), 200);
	fx_expect_status(req(&s, "GET", "/api/v1/rooms", tok, NULL), 200);
	free(tok);

	/* Space returns: the same file takes writes again. */
	assert_int_equal(server_stop(&s), 0);
	fx_expect_intact(s.db);
	const char *roomy[] = {"--max-db-size", "64", NULL};
	server_restart(&s, roomy);
	tok = login(&s, "admin", PW_ADMIN);
	assert_int_equal(create_patient(&s, tok, 20000, NULL), 201);
	assert_int_equal(count(&s, tok, "/api/v1/patients?limit=1"), patients + 1);
	free(tok);
	assert_int_equal(server_stop(&s), 0);
	fx_expect_intact(s.db);
	server_destroy(&s);
}

static void read_only_database(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		print_message("  (needs root to make a file the server may not write)\n");
		skip();
	}
	struct server s;
	server_start(&s, NULL);
	char *tok = login(&s, "desk", PW_DESK);
	assert_int_equal(create_patient(&s, tok, 1, NULL), 201);
	free(tok);
	/* Logging in writes a session, so the token has to come from before. */
	tok = login(&s, "admin", PW_ADMIN);
	assert_int_equal(server_stop(&s), 0);
	/* A plain rollback-journal file owned by root, readable by all, in a directory
	 * others may not write: the server, running as nobody, may only read it. */
	sqlite_ok(s.db, "PRAGMA journal_mode = DELETE");
	assert_int_equal(chmod(s.db, 0644), 0);
	assert_int_equal(chmod(s.dir, 0755), 0);
	harness_run_as = 65534;
	server_restart(&s, NULL);
	harness_run_as = -1;

	fx_expect_status(req(&s, "POST", "/api/v1/login", NULL,
			     "{\"username\":\"desk\",\"password\":\"" PW_DESK "\"}"),
			 503);
	struct resp *r;
	assert_int_equal(create_patient(&s, tok, 2, &r), 503);
	assert_string_equal(resp_error(r), "storage_unavailable");
	resp_free(r);
	fx_expect_status(req(&s, "GET", "/api/v1/rooms", tok, NULL), 200);
	r = req(&s, "GET", "/api/v1/users", tok, NULL);
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "total"), 4);
	resp_free(r);
	/* A read that must be audited cannot be, so it is refused rather than unrecorded. */
	fx_expect_status(req(&s, "GET", "/api/v1/patients/1", tok, NULL), 503);
	free(tok);
	assert_int_equal(server_stop(&s), 0);

	/* Writable again: everything works, and nothing partial was stored. */
	server_restart(&s, NULL);
	tok = login(&s, "admin", PW_ADMIN);
	assert_int_equal(count(&s, tok, "/api/v1/patients?limit=1"), 1);
	assert_int_equal(create_patient(&s, tok, 3, NULL), 201);
	free(tok);
	assert_int_equal(server_stop(&s), 0);
	fx_expect_intact(s.db);
	server_destroy(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(full_database),
	    cmocka_unit_test(read_only_database),
	};
	return cmocka_run_group_tests_name("api_storage", tests, NULL, NULL);
}
