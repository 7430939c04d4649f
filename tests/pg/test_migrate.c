/* Moving up: `collagenda migrate-to` copies a clinic run on SQLite (patients, a plan, a
 * signed session note with an addendum, the audit trail) into a new PostgreSQL database
 * on the test cluster (COLLAGENDA_TEST_PG); the same server then runs on it and shows
 * the same records, the chain verifies there, and a database that is not new is refused
 * unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define V1 "/api/v1"

static char pg_base[200];

static void a_clinic_moves_to_postgresql(void **state)
{
	(void)state;
	/* A clinic on SQLite, with a signed note and its addendum. */
	struct server sq;
	server_start(&sq, NULL);
	char *admin = login(&sq, "admin", PW_ADMIN), *desk = login(&sq, "desk", PW_DESK),
	     *prac = login(&sq, "prac", PW_PRAC);
	long long u_prac = fx_user_id(&sq, admin, "prac");
	fx_daily_hours(&sq, admin, u_prac, (const char *const[]){"00:00", "24:00", NULL});
	long long room = fx_room(&sq, admin, "Move room");
	long long patient = fx_adult(&sq, desk, prac, "Mover", "Müller", "1979-09-09");
	long long plan = fx_plan(&sq, prac, patient, u_prac, 0);
	struct fx_booking b = {.patient = patient,
			       .practitioner = u_prac,
			       .room = room,
			       .plan = plan,
			       .start = fx_time(0, 0, 10),
			       .end = fx_time(0, 0, 20)};
	long long appt = fx_booked(&sq, desk, &b);
	char path[128];
	snprintf(path, sizeof path, V1 "/appointments/%lld/check-in", appt);
	fx_expect_status(req(&sq, "POST", path, desk, NULL), 200);
	char applied[32], removed[32];
	fx_instant(fx_time(0, 0, 0), applied);
	fx_instant(fx_time(0, 0, 35), removed);
	snprintf(path, sizeof path, V1 "/appointments/%lld/session", appt);
	fx_expect_status(
	    reqf(
		&sq, "PUT", path, prac,
		"{\"screening_confirmed\":true,\"caution_reviewed\":true,\"numbing\":{\"product\":"
		"\"Lidocaine 5%%\",\"applied_at\":\"%s\",\"removed_at\":\"%s\"},\"device\":\"pen\","
		"\"device_model\":\"Dermapen 4\",\"cartridge_lot\":\"MOVE-1\",\"areas\":[{\"area\":"
		"\"cheeks\",\"depth_mm\":1.25,\"passes\":3}],\"products\":[\"Serum\"],\"endpoint\":"
		"\"erythema\",\"reactions\":[{\"type\":\"redness\",\"severity\":1}],"
		"\"aftercare_given\":true,\"notes\":\"Moved well.\"}",
		applied, removed),
	    200);
	snprintf(path, sizeof path, V1 "/appointments/%lld/session/sign", appt);
	fx_expect_status(req(&sq, "POST", path, prac, NULL), 200);
	snprintf(path, sizeof path, V1 "/appointments/%lld/session/addenda", appt);
	fx_expect_status(req(&sq, "POST", path, prac, "{\"text\":\"Checked a week later.\"}"), 201);
	long long events = fx_audit_last(&sq, admin);
	free(admin);
	free(desk);
	free(prac);
	assert_int_equal(server_stop(&sq), 0);

	/* Wrong kinds are a usage error. */
	const char *backwards[] = {"migrate-to", sq.db, "--from", sq.db, NULL};
	assert_int_equal(run_cli(backwards, NULL, NULL), 2);

	/* The move. */
	char target[400];
	char name[64];
	snprintf(name, sizeof name, "moved_%d", (int)getpid());
	harness_pg_create(pg_base, name, target, sizeof target);
	const char *move[] = {"migrate-to", target, "--from", sq.db, NULL};
	char *out = NULL;
	assert_int_equal(run_cli(move, NULL, &out), 0);
	assert_non_null(strstr(out, "audit chain intact on arrival"));
	assert_null(strstr(out, "DIFFERS"));
	assert_non_null(strstr(out, "session_addenda"));
	free(out);

	/* Once more into the same database: refused, and nothing changes. */
	assert_int_equal(run_cli(move, NULL, &out), 1);
	free(out);

	/* The server on PostgreSQL shows the same clinic; logins start over. */
	struct server pg;
	server_attach(&pg, target, NULL);
	admin = login(&pg, "admin", PW_ADMIN);
	prac = login(&pg, "prac", PW_PRAC);
	snprintf(path, sizeof path, V1 "/patients/%lld", patient);
	struct resp *r = req(&pg, "GET", path, prac, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "last_name"), "Müller");
	resp_free(r);
	snprintf(path, sizeof path, V1 "/appointments/%lld/session", appt);
	r = req(&pg, "GET", path, prac, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "status"), "signed");
	assert_int_equal(json_array_size(json_object_get(r->json, "addenda")), 1);
	resp_free(r);
	/* A signed note stays frozen on PostgreSQL too; the copy holds its text. */
	assert_int_equal(fx_sql_exec(&pg, "UPDATE session_records SET notes = 'x'", NULL), -1);
	char *notes = fx_sql_text(&pg, "SELECT notes FROM session_records");
	assert_string_equal(notes, "Moved well.");
	free(notes);
	/* New rows take ids after the copied ones. */
	long long next = fx_patient(&pg, prac, "After", "Move", "1990-01-01");
	assert_true(next > patient);
	assert_true(fx_audit_last(&pg, admin) > events);
	free(admin);
	free(prac);
	assert_int_equal(server_stop(&pg), 0);
	fx_expect_intact(target);
	unlink(pg.log);
	rmdir(pg.dir);
	server_destroy(&sq);
}

int main(void)
{
	const char *pg = getenv("COLLAGENDA_TEST_PG");
	if (!pg) {
		fprintf(stderr, "test_migrate needs COLLAGENDA_TEST_PG (tests/pg/run-api.sh)\n");
		return 1;
	}
	snprintf(pg_base, sizeof pg_base, "%s", pg);
	/* The source clinic is an SQLite file. */
	unsetenv("COLLAGENDA_TEST_PG");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_clinic_moves_to_postgresql),
	};
	return cmocka_run_group_tests_name("pg_migrate", tests, NULL, NULL);
}
