/* A keyword connection string over the cluster's Unix socket (host=FOLDER port=N
 * dbname=… user=…), not a URI over TCP: init, the server and audit verify all run on it;
 * every connection the server holds comes in through the socket; the string never
 * reaches the log. The cluster's socket folder is in COLLAGENDA_TEST_PG_SOCKET
 * (tests/pg/with-cluster.sh). */
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

static char pg_base[200], socket_dir[200];

static void the_service_runs_over_the_socket(void **state)
{
	(void)state;
	char name[64], tcp[280], conninfo[300];
	snprintf(name, sizeof name, "sock_%d", (int)getpid());
	harness_pg_create(pg_base, name, tcp, sizeof tcp);
	const char *port = strrchr(pg_base, ':');
	assert_non_null(port);
	snprintf(conninfo, sizeof conninfo, "host=%s port=%s user=collagenda dbname=%s", socket_dir,
		 port + 1, name);

	struct server s;
	server_start_on(&s, conninfo, NULL);
	char *admin = login(&s, "admin", PW_ADMIN), *desk = login(&s, "desk", PW_DESK),
	     *prac = login(&s, "prac", PW_PRAC);
	long long u_prac = fx_user_id(&s, admin, "prac");
	fx_daily_hours(&s, admin, u_prac, (const char *const[]){"00:00", "24:00", NULL});
	long long room = fx_room(&s, admin, "Socket room");
	long long patient = fx_adult(&s, desk, prac, "Sock", "Et", "1985-05-05");
	long long plan = fx_plan(&s, prac, patient, u_prac, 0);
	struct fx_booking b = {.patient = patient,
			       .practitioner = u_prac,
			       .room = room,
			       .plan = plan,
			       .start = fx_time(1, 10, 0),
			       .end = fx_time(1, 10, 30)};
	long long appt = fx_booked(&s, desk, &b);
	assert_true(appt > 0);

	/* Seen from a TCP connection of the test's own: the rows, and the server's
	 * connections all on the socket (no client address), none over TCP. */
	struct server over_tcp = s;
	snprintf(over_tcp.db, sizeof over_tcp.db, "%s", tcp);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM appointments WHERE id = %lld", appt);
	assert_int_equal(fx_sql_int(&over_tcp, sql), 1);
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM pg_stat_activity WHERE datname = '%s' AND "
		 "client_addr IS NULL AND pid <> pg_backend_pid()",
		 name);
	assert_true(fx_sql_int(&over_tcp, sql) >= 1);
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM pg_stat_activity WHERE datname = '%s' AND "
		 "client_addr IS NOT NULL AND pid <> pg_backend_pid()",
		 name);
	assert_int_equal(fx_sql_int(&over_tcp, sql), 0);
	free(admin);
	free(desk);
	free(prac);
	assert_int_equal(server_stop(&s), 0);

	fx_expect_intact(conninfo);
	FILE *log = fopen(s.log, "r");
	assert_non_null(log);
	char line[1024];
	while (fgets(line, sizeof line, log))
		if (strstr(line, socket_dir) || strstr(line, "dbname="))
			fail_msg("the log shows the connection string: %s", line);
	fclose(log);
	unlink(s.log);
	rmdir(s.dir);
}

int main(void)
{
	const char *pg = getenv("COLLAGENDA_TEST_PG"), *sock = getenv("COLLAGENDA_TEST_PG_SOCKET");
	if (!pg || !sock) {
		fprintf(stderr,
			"test_socket needs COLLAGENDA_TEST_PG and COLLAGENDA_TEST_PG_SOCKET "
			"(tests/pg/run-api.sh)\n");
		return 1;
	}
	snprintf(pg_base, sizeof pg_base, "%s", pg);
	snprintf(socket_dir, sizeof socket_dir, "%s", sock);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_service_runs_over_the_socket),
	};
	return cmocka_run_group_tests_name("pg_socket", tests, NULL, NULL);
}
