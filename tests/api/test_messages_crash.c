/* The outbox under SIGKILL: bookings from several threads while the server, which sends
 * their confirmations to a real SMTP server as it goes, is killed at random moments.
 * After the restarts every committed booking has exactly one confirmation, it arrived,
 * and a message arrived twice only when the kill fell between its sending and its mark
 * (then with the same Message-ID). The sender claims a row before it sends it, so such a
 * message is one the killed sender still held: each kill leaves at most one, which waits
 * until the claim runs out (the test clock moves past it) and then goes once more. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define THREADS	  4
#define MAX_ACKED 4096
#define ROUNDS	  4

static struct server srv;
static struct smtp_sink sink;
static const char *args[12];
static char *token;
static long long prac_id, room_id, patient_id;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long long acked[MAX_ACKED];
static int nacked, next_slot;
static time_t first_slot;

static volatile int stop_booking;

static void *book_loop(void *arg)
{
	(void)arg;
	while (!stop_booking) {
		pthread_mutex_lock(&lock);
		int slot = next_slot++;
		pthread_mutex_unlock(&lock);
		/* Distinct 15-minute consultations from three days on. */
		char start[32], end[32];
		fx_instant(first_slot + (time_t)slot * 900, start);
		fx_instant(first_slot + (time_t)slot * 900 + 900, end);
		struct resp *r =
		    reqf(&srv, "POST", "/api/v1/appointments", token,
			 "{\"patient_id\":%lld,\"kind\":\"consultation\",\"practitioner_id\":%lld,"
			 "\"room_id\":%lld,\"start\":\"%s\",\"end\":\"%s\"}",
			 patient_id, prac_id, room_id, start, end);
		if (r->status == 201) {
			pthread_mutex_lock(&lock);
			if (nacked < MAX_ACKED)
				acked[nacked++] = jint(r->json, "id");
			pthread_mutex_unlock(&lock);
		}
		resp_free(r);
	}
	return NULL;
}

static int setup(void **state)
{
	(void)state;
	first_slot = fx_time(3, 0, 0);
	sink_start(&sink);
	const char *a[] = {
	    "--smtp-url",   sink.url, "--smtp-insecure", "--mail-from", "desk@clinic.example",
	    "--test-clock", NULL};
	memcpy(args, a, sizeof a);
	server_start(&srv, args);
	token = login(&srv, "admin", PW_ADMIN);
	room_id = fx_room(&srv, token, "Crash room");
	prac_id = fx_practitioner(&srv, token, "crashprac");
	patient_id = fx_patient(&srv, token, "Crash", "Tester", "1980-01-01");
	char path[64];
	snprintf(path, sizeof path, "/api/v1/patients/%lld", patient_id);
	struct resp *r = req(&srv, "PATCH", path, token,
			     "{\"email\":\"crash@example.org\",\"contact_email\":true}");
	int ok = r->status == 200;
	resp_free(r);
	return ok && room_id > 0 && prac_id > 0 && patient_id > 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	server_stop(&srv);
	server_destroy(&srv);
	sink_stop(&sink);
	free(token);
	return 0;
}

static void every_committed_booking_is_confirmed_once(void **state)
{
	(void)state;
	srand((unsigned)time(NULL));
	for (int round = 0; round < ROUNDS; round++) {
		stop_booking = 0;
		pthread_t th[THREADS];
		for (int i = 0; i < THREADS; i++)
			assert_int_equal(pthread_create(&th[i], NULL, book_loop, NULL), 0);
		/* Load for 100-400 ms, then pull the plug mid-burst. */
		struct timespec nap = {0, (100 + rand() % 300) * 1000 * 1000};
		nanosleep(&nap, NULL);
		kill(srv.pid, SIGKILL);
		waitpid(srv.pid, NULL, 0);
		srv.pid = 0;
		stop_booking = 1;
		for (int i = 0; i < THREADS; i++)
			pthread_join(th[i], NULL);
		server_restart(&srv, args);
	}
	assert_true(nacked > 0);
	/* Each committed booking has one confirmation row, and every acknowledged one is
	 * committed. */
	long long booked = fx_sql_int(&srv, "SELECT count(*) FROM appointments");
	assert_int_equal(fx_sql_int(&srv, "SELECT count(*) FROM messages WHERE kind = "
					  "'confirmation'"),
			 booked);
	assert_int_equal(fx_sql_int(&srv, "SELECT count(*) FROM appointments a WHERE NOT EXISTS "
					  "(SELECT 1 FROM messages m WHERE m.appointment_id = a.id "
					  "AND m.kind = 'confirmation')"),
			 0);
	assert_true(booked >= nacked);
	/* Stopped cleanly, a sender finishes the message in hand and holds none; what is
	 * held now was held by a killed one, at most one row each. */
	assert_int_equal(server_stop(&srv), 0);
	long long held = fx_sql_int(&srv, "SELECT count(*) FROM messages WHERE status = 'queued' "
					  "AND claimed_by IS NOT NULL");
	assert_true(held >= 0 && held <= ROUNDS);
	assert_int_equal(fx_sql_int(&srv, "SELECT count(DISTINCT claimed_by) FROM messages WHERE "
					  "status = 'queued' AND claimed_by IS NOT NULL"),
			 held);
	/* Past every claim (five minutes), the held rows go too. */
	server_restart(&srv, args);
	fx_clock_set(&srv, time(NULL) + 3600);
	/* All of them leave, each marked sent. */
	if (!fx_wait_sql(&srv,
			 "SELECT count(*) FROM messages WHERE kind = 'confirmation' AND status <> "
			 "'sent'",
			 0)) {
		server_dump_log(&srv);
		fail_msg("confirmations still unsent");
	}
	assert_true(sink_wait(&sink, (int)booked));
	json_t *got = sink_messages(&sink);
	json_t *list = json_object_get(got, "messages");
	size_t total = json_array_size(list);
	/* Every appointment's Message-ID arrived; none that is no appointment's. */
	json_t *seen = json_object();
	size_t i;
	json_t *m;
	json_array_foreach(list, i, m)
	{
		const char *mid = jstr(m, "message_id");
		json_t *n = json_object_get(seen, mid);
		json_object_set_new(seen, mid, json_integer(n ? json_integer_value(n) + 1 : 1));
	}
	long long distinct = (long long)json_object_size(seen), most = 0;
	const char *key;
	json_t *count;
	json_object_foreach(seen, key, count)
	{
		if (json_integer_value(count) > most)
			most = json_integer_value(count);
	}
	assert_true(most <= 2);
	assert_int_equal(distinct, booked);
	for (int k = 0; k < nacked; k++) {
		char mid[96];
		snprintf(mid, sizeof mid, "<appt-%lld-confirmation-0@clinic.example>", acked[k]);
		if (!json_object_get(seen, mid))
			fail_msg("acknowledged booking %lld: no confirmation arrived", acked[k]);
	}
	long long twice = (long long)total - distinct;
	print_message("  %d rounds, %d acknowledged, %lld committed, %zu arrived, %lld held by a "
		      "killed sender, %lld twice\n",
		      ROUNDS, nacked, booked, total, held, twice);
	/* Only a held row can have gone before: each arrived at most twice. */
	assert_true(twice <= held);
	assert_int_equal(fx_sql_int(&srv, "SELECT count(*) FROM messages WHERE claimed_by IS NOT "
					  "NULL OR claimed_until IS NOT NULL"),
			 0);
	json_decref(seen);
	json_decref(got);
	assert_int_equal(server_stop(&srv), 0);
	fx_expect_intact(srv.db);
	server_restart(&srv, args);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_committed_booking_is_confirmed_once),
	};
	return cmocka_run_group_tests_name("api_messages_crash", tests, setup, teardown);
}
