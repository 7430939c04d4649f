/* collagenda backup while the server takes bookings: the copy passes its integrity
 * check, its audit chain verifies, and every row it holds is in the live database as it
 * was; a backup after the load holds exactly what the server holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static struct server srv;
static char *token;
static long long prac, room, patient;
static volatile int stop;
static int booked;
static time_t first_slot;

static void *load(void *arg)
{
	(void)arg;
	for (int i = 0; !stop && i < 5000; i++) {
		/* Half-hour consultations from tomorrow on, inside the two years ahead that
		 * bookings may take. */
		time_t t = first_slot + (time_t)i * 1800;
		struct tm tm, te;
		time_t e = t + 1800;
		gmtime_r(&t, &tm);
		gmtime_r(&e, &te);
		char a[32], b[32];
		strftime(a, sizeof a, "%Y-%m-%dT%H:%M:%SZ", &tm);
		strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &te);
		struct resp *r = reqf(&srv, "POST", "/api/v1/appointments", token,
				      "{\"patient_id\":%lld,\"kind\":\"consultation\","
				      "\"practitioner_id\":%lld,\"room_id\":%lld,\"start\":\"%s\","
				      "\"end\":\"%s\"}",
				      patient, prac, room, a, b);
		if (r->status == 201)
			booked++;
		resp_free(r);
	}
	return NULL;
}

/* Rows of one query as one string, for comparing two files. */
static char *dump(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return NULL;
	}
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	out[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int c = 0; c < sqlite3_column_count(st); c++) {
			const char *v = (const char *)sqlite3_column_text(st, c);
			size_t n = v ? strlen(v) : 4;
			if (len + n + 2 >= cap) {
				cap *= 2;
				out = realloc(out, cap);
			}
			memcpy(out + len, v ? v : "NULL", n);
			len += n;
			out[len++] = c + 1 < sqlite3_column_count(st) ? '|' : '\n';
			out[len] = '\0';
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

static int backup_to(const char *dest)
{
	unlink(dest);
	const char *args[] = {"backup", "--db", srv.db, dest, NULL};
	return run_cli(args, NULL, NULL);
}

static void backup_under_load(void **state)
{
	(void)state;
	server_start(&srv, NULL);
	token = login(&srv, "admin", PW_ADMIN);
	struct resp *r = req(&srv, "POST", "/api/v1/rooms", token, "{\"name\":\"B\"}");
	room = jint(r->json, "id");
	resp_free(r);
	r = req(&srv, "GET", "/api/v1/practitioners", token, NULL);
	prac = jint(json_array_get(json_object_get(r->json, "items"), 0), "id");
	resp_free(r);
	fx_daily_hours(&srv, token, prac, (const char *const[]){"00:00", "24:00", NULL});
	r = req(&srv, "POST", "/api/v1/patients", token,
		"{\"first_name\":\"Back\",\"last_name\":\"Up\",\"date_of_birth\":\"1975-05-05\"}");
	patient = jint(r->json, "id");
	resp_free(r);

	first_slot = fx_time(1, 0, 0);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, load, NULL), 0);
	usleep(300 * 1000);
	char dest[400], dest2[400];
	snprintf(dest, sizeof dest, "%s/during.db", srv.dir);
	snprintf(dest2, sizeof dest2, "%s/after.db", srv.dir);
	/* Several backups while bookings keep arriving. */
	for (int k = 0; k < 3; k++)
		assert_int_equal(backup_to(dest), 0);
	int during = booked;
	stop = 1;
	pthread_join(th, NULL);
	assert_true(during > 0);

	/* The copy taken under load is a consistent snapshot: every appointment in it is in
	 * the live database, identical, and its own audit chain verifies. */
	const char *q =
	    "SELECT id, patient_id, start_at, end_at, status FROM appointments ORDER BY id";
	char *copy = dump(dest, q), *live = dump(srv.db, q);
	assert_non_null(copy);
	assert_non_null(live);
	assert_int_equal(strncmp(copy, live, strlen(copy)), 0);
	const char *verify[] = {"audit", "verify", "--db", dest, NULL};
	assert_int_equal(run_cli(verify, NULL, NULL), 0);
	free(copy);
	free(live);

	/* After the load, a backup holds exactly what the server holds. */
	assert_int_equal(backup_to(dest2), 0);
	const char *tables[] = {"SELECT * FROM appointments ORDER BY id",
				"SELECT * FROM patients ORDER BY id",
				"SELECT id, hash FROM audit ORDER BY id", NULL};
	for (int i = 0; tables[i]; i++) {
		copy = dump(dest2, tables[i]);
		live = dump(srv.db, tables[i]);
		assert_non_null(copy);
		assert_non_null(live);
		assert_string_equal(copy, live);
		free(copy);
		free(live);
	}
	print_message("  %d bookings during the backups\n", during);
	/* Refuses to overwrite. */
	const char *again[] = {"backup", "--db", srv.db, dest2, NULL};
	assert_int_equal(run_cli(again, NULL, NULL), 1);
	/* The copies and the -wal/-shm files that reading them left. */
	const char *const copies[] = {dest, dest2};
	for (int i = 0; i < 2; i++) {
		char side[420];
		unlink(copies[i]);
		snprintf(side, sizeof side, "%s-wal", copies[i]);
		unlink(side);
		snprintf(side, sizeof side, "%s-shm", copies[i]);
		unlink(side);
	}
	free(token);
	assert_int_equal(server_stop(&srv), 0);
	server_destroy(&srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(backup_under_load),
	};
	return cmocka_run_group_tests_name("api_backup", tests, NULL, NULL);
}
