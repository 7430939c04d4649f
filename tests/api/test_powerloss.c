/* Power loss. The server runs on the power-cut model of tests/vfs, which keeps what each
 * file was sent since its last sync apart; bookings, new patients, session-note drafts
 * and audited reads go on from several threads; then the power is cut (at a chosen write
 * or sync, or by signal at a chosen number of answers) and the model drops none, some or
 * all of the unsynced data and directory entries. After a restart with the ordinary
 * binary, everything answered 2xx is there, every audited read answered 200 has its
 * event, the file passes its integrity check and the trail verifies against its anchor.
 * A negative control (the log's sync answering before the disk) must fail the same
 * checks, or they prove nothing. The same model injects I/O errors: a failed sync stops
 * every later acknowledgement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define V1	     "/api/v1"
#define THREADS	     4
#define MAX_REQUESTS 200 /* per thread and round */
#define MAX_ACKED    (1 << 16)
#define CRASH_EXIT   99 /* CRASHVFS_EXIT */

static struct server srv;
static char *t_admin, *t_desk, *t_prac;
static long long u_prac, room, p_book[THREADS];
/* Each thread books a patient with a practitioner and in a room of its own, one slot after
 * another:
 * 57,600 slots of 15 minutes over 600 days, more than a long run takes. */
static struct lane lanes[THREADS];
static int next_slot[THREADS];
#define SLOTS (600 * 96)
static long long p_read[THREADS], a_note[THREADS];
static time_t first_slot;

/* What the server acknowledged, over all rounds. */
static pthread_mutex_t acked_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t acked_more = PTHREAD_COND_INITIALIZER;
static long long appts[MAX_ACKED], patients[MAX_ACKED];
static int n_appts, n_patients, acked_this_round, reads_this_round;
static int note_version[THREADS], note_acked[THREADS];
static int reads_acked[THREADS];
static int unexpected;
static int workers_running;

struct totals {
	int rounds;
	long long writes, reads;
	long long dropped, unsynced;
};

static void note_ack(void)
{
	acked_this_round++;
	pthread_cond_broadcast(&acked_more);
}

/* One request of kind (the request number picks it); false once the server is gone. */
static bool one_request(int t, int i)
{
	struct resp *r = NULL;
	char path[96];
	int kind = (i + t) % 4;
	if (kind == 0) {
		int slot = next_slot[t]++;
		if (slot >= SLOTS)
			fail_msg("thread %d has booked all of its slots", t);
		time_t s = first_slot + (time_t)slot * 900;
		char start[32], end[32];
		fx_instant(s, start);
		fx_instant(s + 900, end);
		r = reqf(&srv, "POST", V1 "/appointments", t_desk,
			 "{\"patient_id\":%lld,\"kind\":\"consultation\",\"practitioner_id\":%lld,"
			 "\"room_id\":%lld,\"start\":\"%s\",\"end\":\"%s\"}",
			 p_book[t], lanes[t].prac, lanes[t].room, start, end);
		if (r->status == 201) {
			pthread_mutex_lock(&acked_lock);
			if (n_appts < MAX_ACKED)
				appts[n_appts++] = jint(r->json, "id");
			note_ack();
			pthread_mutex_unlock(&acked_lock);
		}
	} else if (kind == 1) {
		r = reqf(&srv, "POST", V1 "/patients", t_desk,
			 "{\"first_name\":\"Power\",\"last_name\":\"Cut%d-%d\","
			 "\"date_of_birth\":\"1980-01-01\",\"confirm_new\":true}",
			 t, i);
		if (r->status == 201) {
			pthread_mutex_lock(&acked_lock);
			if (n_patients < MAX_ACKED)
				patients[n_patients++] = jint(r->json, "id");
			note_ack();
			pthread_mutex_unlock(&acked_lock);
		}
	} else if (kind == 2) {
		/* Each thread drafts its own note, one version after another. */
		int v = ++note_version[t];
		snprintf(path, sizeof path, V1 "/appointments/%lld/session", a_note[t]);
		r = reqf(&srv, "PUT", path, t_prac, "{\"notes\":\"v%d\"}", v);
		if (r->status == 200) {
			pthread_mutex_lock(&acked_lock);
			note_acked[t] = v;
			note_ack();
			pthread_mutex_unlock(&acked_lock);
		}
	} else {
		snprintf(path, sizeof path, V1 "/patients/%lld", p_read[t]);
		r = req(&srv, "GET", path, t_prac, NULL);
		if (r->status == 200) {
			pthread_mutex_lock(&acked_lock);
			reads_acked[t]++;
			reads_this_round++;
			note_ack();
			pthread_mutex_unlock(&acked_lock);
		}
	}
	bool alive = r->status != 0;
	/* 503 busy may happen under load; anything else but success is a fault. */
	if (alive && r->status >= 300 && r->status != 503) {
		pthread_mutex_lock(&acked_lock);
		unexpected++;
		pthread_mutex_unlock(&acked_lock);
		fprintf(stderr, "unexpected answer %ld: %s\n", r->status, r->body);
	}
	resp_free(r);
	return alive;
}

static void *worker(void *arg)
{
	int t = (int)(intptr_t)arg;
	for (int i = 0; i < MAX_REQUESTS && one_request(t, i); i++)
		;
	pthread_mutex_lock(&acked_lock);
	workers_running--;
	pthread_cond_broadcast(&acked_more);
	pthread_mutex_unlock(&acked_lock);
	return NULL;
}

/* ---- Checking what survived, straight from the file ---- */

static long long one_int(sqlite3 *h, const char *sql, long long bind)
{
	sqlite3_stmt *st = NULL;
	long long v = -1;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, bind);
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return v;
}

/* The version number of a note's draft ("vN"), 0 when it has none, -1 when unreadable. */
static int note_in_file(sqlite3 *h, long long appt)
{
	sqlite3_stmt *st = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(h, "SELECT notes FROM session_records WHERE appointment_id = ?1", -1,
			       &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, appt);
		int rc = sqlite3_step(st);
		const unsigned char *txt = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
		v = rc == SQLITE_DONE ? 0 : txt && txt[0] == 'v' ? atoi((const char *)txt + 1) : 0;
	}
	sqlite3_finalize(st);
	return v;
}

/* Counts what the file lost of what was acknowledged; prints each loss. */
static int losses(const char *db)
{
	sqlite3 *h = NULL;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(h);
		print_message("  the database does not open\n");
		return 1;
	}
	int lost = 0;
	for (int i = 0; i < n_appts; i++)
		if (one_int(h, "SELECT count(*) FROM appointments WHERE id = ?1", appts[i]) != 1) {
			if (lost++ < 5)
				print_message("  appointment %lld was answered 201 and is gone\n",
					      appts[i]);
		}
	for (int i = 0; i < n_patients; i++)
		if (one_int(h, "SELECT count(*) FROM patients WHERE id = ?1", patients[i]) != 1) {
			if (lost++ < 5)
				print_message("  patient %lld was answered 201 and is gone\n",
					      patients[i]);
		}
	for (int t = 0; t < THREADS; t++) {
		int v = note_in_file(h, a_note[t]);
		if (v < note_acked[t]) {
			lost++;
			print_message("  note %lld holds version %d, version %d was answered 200\n",
				      a_note[t], v, note_acked[t]);
		}
		long long events = one_int(
		    h,
		    "SELECT count(*) FROM audit WHERE entity = 'patient' AND action = 'read' "
		    "AND entity_id = ?1",
		    p_read[t]);
		if (events < reads_acked[t]) {
			lost++;
			print_message("  patient %lld: %d reads answered 200, %lld read events\n",
				      p_read[t], reads_acked[t], events);
		}
	}
	sqlite3_stmt *st = NULL;
	bool intact = sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
		      sqlite3_step(st) == SQLITE_ROW &&
		      strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
	sqlite3_finalize(st);
	sqlite3_close(h);
	if (!intact) {
		lost++;
		print_message("  the integrity check fails\n");
	}
	const char *verify[] = {"audit", "verify", "--db", db, NULL};
	char *out = NULL;
	if (run_cli(verify, NULL, &out) != 0) {
		lost++;
		print_message("  audit verify: %s", out);
	}
	free(out);
	return lost;
}

/* ---- A round ---- */

static void remove_file(const char *suffix)
{
	char p[400];
	snprintf(p, sizeof p, "%s%s", srv.db, suffix);
	unlink(p);
}

static bool file_exists(const char *suffix)
{
	char p[400];
	snprintf(p, sizeof p, "%s%s", srv.db, suffix);
	return access(p, F_OK) == 0;
}

/* Adds what the model reported dropping (its last "power cut" line in the log). */
static void read_cut_report(struct totals *sum)
{
	FILE *f = fopen(srv.log, "r");
	if (!f)
		return;
	char line[512];
	long long dropped = 0, unsynced = 0;
	while (fgets(line, sizeof line, f)) {
		const char *p = strstr(line, "operations: ");
		if (p && strstr(line, "test-vfs: power cut"))
			sscanf(p, "operations: %lld of %lld", &dropped, &unsynced);
	}
	fclose(f);
	sum->dropped += dropped;
	sum->unsynced += unsynced;
	/* The next round's report is the only one in the log. */
	f = fopen(srv.log, "w");
	if (f)
		fclose(f);
}

/* Runs the workload on the model with spec until the power is cut, then restarts with the
 * ordinary binary. Returns the number of losses found. */
static int round_with(const char *spec, unsigned seed, struct totals *sum)
{
	srand(seed);
	char full[160];
	bool by_signal = seed % 2 == 0;
	if (by_signal)
		snprintf(full, sizeof full, "%s,seed=%u", spec, seed);
	else
		snprintf(full, sizeof full, "%s,seed=%u,crash-after=%d", spec, seed,
			 150 + rand() % 2500);
	int cut_at_answer = 1 + rand() % (THREADS * MAX_REQUESTS / 2);
	harness_server_bin = harness_testvfs_bin();
	server_restart(&srv, (const char *const[]){"--test-vfs", full, NULL});
	harness_server_bin = NULL;

	pthread_mutex_lock(&acked_lock);
	acked_this_round = reads_this_round = 0;
	workers_running = THREADS;
	pthread_mutex_unlock(&acked_lock);
	pthread_t th[THREADS];
	for (int t = 0; t < THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t), 0);
	/* By signal: once that many answers came. Either way: when every thread is done. */
	pthread_mutex_lock(&acked_lock);
	while (workers_running > 0 && (!by_signal || acked_this_round < cut_at_answer))
		pthread_cond_wait(&acked_more, &acked_lock);
	pthread_mutex_unlock(&acked_lock);
	kill(srv.pid, SIGUSR2);
	int status = 0;
	waitpid(srv.pid, &status, 0);
	srv.pid = 0;
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != CRASH_EXIT) {
		server_dump_log(&srv);
		fail_msg("the server did not end by the power cut (status %d)", status);
	}
	/* A fault's explanation is in this round's log, which the next round starts over. */
	static int unexpected_before;
	if (unexpected != unexpected_before)
		server_dump_log(&srv);
	unexpected_before = unexpected;
	sum->rounds++;
	sum->writes += acked_this_round - reads_this_round;
	sum->reads += reads_this_round;
	read_cut_report(sum);

	/* After a reboot the shared-memory index is gone. */
	remove_file("-shm");
	if (!server_try_restart(&srv, NULL)) {
		print_message("  the server cannot open the database after the power cut\n");
		return 1;
	}
	int lost = 0;
	/* The restarted server found its anchor within the trail. */
	if (file_exists(".audit-head.mismatch")) {
		lost++;
		print_message("  the anchor named an event the trail lost\n");
		remove_file(".audit-head.mismatch");
	}
	/* The ordinary server answers again, with what was acknowledged. */
	if (n_patients > 0) {
		char path[64];
		snprintf(path, sizeof path, V1 "/patients/%lld", patients[n_patients - 1]);
		struct resp *r = req(&srv, "GET", path, t_admin, NULL);
		if (r->status != 200) {
			lost++;
			print_message("  the last patient answers %ld after the restart\n",
				      r->status);
		}
		resp_free(r);
	}
	assert_int_equal(server_stop(&srv), 0);
	return lost + losses(srv.db);
}

static int rounds_wanted(int fallback)
{
	const char *r = getenv("POWERLOSS_ROUNDS");
	return r && atoi(r) > 0 ? atoi(r) : fallback;
}

static void acknowledged_work_survives_power_loss(void **state)
{
	(void)state;
	struct totals sum = {0};
	int rounds = rounds_wanted(4);
	unsigned base = (unsigned)time(NULL);
	for (int i = 0; i < rounds; i++) {
		unsigned seed = base + (unsigned)i;
		int lost = round_with("crash", seed, &sum);
		if (lost)
			fail_msg("round %d (seed %u): %d acknowledged things lost", i, seed, lost);
	}
	assert_int_equal(unexpected, 0);
	print_message("  %d power cuts, %lld acknowledged writes and %lld audited reads, all "
		      "present; %lld of %lld unsynced bytes dropped\n",
		      sum.rounds, sum.writes, sum.reads, sum.dropped, sum.unsynced);
	assert_true(sum.writes > 0 && sum.reads > 0);
	/* Dropped data in some round: the model really cut something. */
	assert_true(sum.unsynced > 0 || rounds < 3);
}

static void answering_before_the_sync_is_caught(void **state)
{
	(void)state;
	struct totals sum = {0};
	int caught_in = 0;
	for (int i = 0; i < 12 && !caught_in; i++)
		if (round_with("crash,ack-before-sync", 1000u + (unsigned)i, &sum) > 0)
			caught_in = i + 1;
	print_message("  the broken build lost acknowledged work in round %d\n", caught_in);
	assert_true(caught_in > 0);
}

/* ---- Injected I/O errors ---- */

static struct resp *new_patient(int n);

/* fx_expect_error, with the server's log when the answer is not the one expected. */
static void expect_fault(const struct resp *r, long status, const char *code)
{
	if (r->status != status || strcmp(resp_error(r), code) != 0)
		server_dump_log(&srv);
	fx_expect_error(r, status, code);
}

/* Whether the server's log has a line holding text. */
static bool log_has(const char *text)
{
	FILE *f = fopen(srv.log, "r");
	char line[512];
	bool found = false;
	while (f && fgets(line, sizeof line, f))
		found = found || strstr(line, text);
	if (f)
		fclose(f);
	return found;
}

/* Starts the model with spec; after `writes` new patients, arms its counter. */
static void start_failing(const char *spec, int writes)
{
	FILE *f = fopen(srv.log, "w");
	if (f)
		fclose(f);
	harness_server_bin = harness_testvfs_bin();
	server_restart(&srv, (const char *const[]){"--test-vfs", spec, NULL});
	harness_server_bin = NULL;
	for (int i = 0; i < writes; i++)
		fx_expect_status(new_patient(1000 + i), 201);
	kill(srv.pid, SIGUSR1);
	/* The counter is armed when the model says so in the log. */
	for (int tries = 0; !log_has("counting towards the failing call"); tries++) {
		assert_true(tries < 5000);
		struct timespec nap = {0, 1000000};
		nanosleep(&nap, NULL);
	}
}

static struct resp *new_patient(int n)
{
	return reqf(&srv, "POST", V1 "/patients", t_desk,
		    "{\"first_name\":\"Disk\",\"last_name\":\"Fault%d\",\"date_of_birth\":"
		    "\"1970-01-01\",\"confirm_new\":true}",
		    n);
}

/* The first sync after writes patients fails: with none, SQLite's own sync of the new
 * log's header; with one, group commit's sync of the log. */
static void failed_sync_after(int writes, const char *logged)
{
	start_failing("fail=sync,fail-at=1,after-signal", writes);
	struct resp *r = new_patient(1);
	expect_fault(r, 503, "storage_unavailable");
	resp_free(r);
	/* The kernel forgets a failed write-back: no later sync proves anything, so nothing
	 * is acknowledged again until a restart. */
	for (int i = 2; i < 6; i++) {
		r = new_patient(i);
		expect_fault(r, 503, "storage_unavailable");
		resp_free(r);
	}
	char path[64];
	snprintf(path, sizeof path, V1 "/patients/%lld", p_read[0]);
	r = req(&srv, "GET", path, t_prac, NULL);
	expect_fault(r, 503, "storage_unavailable");
	resp_free(r);
	/* Reads that are not audited still answer. */
	fx_expect_status(req(&srv, "GET", V1 "/rooms", t_desk, NULL), 200);
	if (!log_has(logged))
		server_dump_log(&srv);
	assert_true(log_has(logged));
	assert_int_equal(server_stop(&srv), 0);
	server_restart(&srv, NULL);
	fx_expect_status(new_patient(7), 201);
	assert_int_equal(server_stop(&srv), 0);
	fx_expect_intact(srv.db);
}

static void a_failed_sync_stops_every_acknowledgement(void **state)
{
	(void)state;
	failed_sync_after(0, "cannot sync the database (");
	failed_sync_after(1, "cannot sync the database log");
}

static void a_full_disk_refuses_one_write_and_stores_nothing(void **state)
{
	(void)state;
	start_failing("fail=write,fail-at=1,fail-code=full,after-signal", 0);
	struct resp *r = new_patient(100);
	expect_fault(r, 503, "storage_unavailable");
	resp_free(r);
	/* The next write finds room again. */
	long long id = fx_created(new_patient(101));
	assert_true(id > 0);
	assert_int_equal(server_stop(&srv), 0);
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open_v2(srv.db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(
	    one_int(h, "SELECT count(*) FROM patients WHERE last_name = 'Fault100'", 0), 0);
	assert_int_equal(one_int(h, "SELECT count(*) FROM patients WHERE id = ?1", id), 1);
	sqlite3_close(h);
	fx_expect_intact(srv.db);
}

static void a_failed_read_answers_503_and_the_next_one_works(void **state)
{
	(void)state;
	start_failing("fail=read,fail-at=1,after-signal", 0);
	/* The read comes from the disk once another connection has written. */
	long long seen_503 = 0;
	for (int i = 0; i < 50 && !seen_503; i++) {
		struct resp *w = new_patient(200 + i);
		struct resp *r = NULL;
		if (w->status == 201) {
			char path[64];
			snprintf(path, sizeof path, V1 "/patients/%lld", jint(w->json, "id"));
			r = req(&srv, "GET", path, t_prac, NULL);
		}
		struct resp *failed = w->status != 201 ? w : r->status != 200 ? r : NULL;
		if (failed) {
			expect_fault(failed, 503, "storage_unavailable");
			seen_503 = 1;
		}
		resp_free(w);
		if (r)
			resp_free(r);
	}
	assert_true(seen_503);
	/* It failed once; the server goes on. */
	fx_expect_status(new_patient(300), 201);
	assert_int_equal(server_stop(&srv), 0);
	fx_expect_intact(srv.db);
}

/* ---- The clinic the rounds work in ---- */

static int setup(void **state)
{
	(void)state;
	server_start(&srv, NULL);
	t_admin = login(&srv, "admin", PW_ADMIN);
	t_desk = login(&srv, "desk", PW_DESK);
	t_prac = login(&srv, "prac", PW_PRAC);
	u_prac = fx_user_id(&srv, t_admin, "prac");
	fx_daily_hours(&srv, t_admin, u_prac, (const char *const[]){"00:00", "24:00", NULL});
	room = fx_room(&srv, t_admin, "Power room");
	first_slot = fx_time(1, 0, 0);
	for (int t = 0; t < THREADS; t++) {
		char last[32];
		snprintf(last, sizeof last, "lane%d", t);
		lanes[t] = fx_lane(&srv, t_admin, last);
		snprintf(last, sizeof last, "Often%d", t);
		p_book[t] = fx_patient(&srv, t_desk, "Book", last, "1980-02-02");
		snprintf(last, sizeof last, "Reader%d", t);
		p_read[t] = fx_patient(&srv, t_desk, "Read", last, "1981-03-03");
		snprintf(last, sizeof last, "Noted%d", t);
		long long p = fx_adult(&srv, t_desk, t_prac, "Note", last, "1982-04-04");
		long long plan = fx_plan(&srv, t_prac, p, u_prac, 0);
		struct fx_booking b = {.patient = p,
				       .practitioner = u_prac,
				       .room = room,
				       .plan = plan,
				       .start = fx_time(0, 0, 10 + 10 * t),
				       .end = fx_time(0, 0, 20 + 10 * t)};
		a_note[t] = fx_booked(&srv, t_desk, &b);
		char path[96];
		snprintf(path, sizeof path, V1 "/appointments/%lld/check-in", a_note[t]);
		fx_expect_status(req(&srv, "POST", path, t_desk, NULL), 200);
	}
	/* The rounds start servers of their own on this database. */
	return server_stop(&srv) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	/* The negative control's database need not pass the harness's own checks. */
	remove_file("");
	remove_file("-wal");
	server_destroy(&srv);
	free(t_admin);
	free(t_desk);
	free(t_prac);
	return 0;
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(acknowledged_work_survives_power_loss),
	    cmocka_unit_test(a_failed_sync_stops_every_acknowledgement),
	    cmocka_unit_test(a_full_disk_refuses_one_write_and_stores_nothing),
	    cmocka_unit_test(a_failed_read_answers_503_and_the_next_one_works),
	    /* Last: the broken build may leave a database nothing can open. */
	    cmocka_unit_test(answering_before_the_sync_is_caught),
	};
	return cmocka_run_group_tests_name("api_powerloss", tests, setup, teardown);
}
