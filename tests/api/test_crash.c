/* Crash safety: bookings from several threads while the server is killed with SIGKILL
 * at random moments. Every booking that was answered 201 must be there after a restart,
 * the database must pass its integrity check, and the audit chain must verify. */
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

static struct server srv;
static char *token;
static long long prac_id, room_id, patient_id;
static int rounds = 6;

static pthread_mutex_t acked_lock = PTHREAD_MUTEX_INITIALIZER;
static long long acked[MAX_ACKED];
static int nacked;
static int next_slot;
static time_t first_slot;
#define SLOTS (700 * 96)

struct worker {
	volatile int stop;
};

static void *book_loop(void *arg)
{
	struct worker *w = arg;
	while (!w->stop) {
		pthread_mutex_lock(&acked_lock);
		int slot = next_slot++;
		pthread_mutex_unlock(&acked_lock);
		/* Distinct 15-minute consultations from tomorrow on, over the next 700 days
		 * (bookings lie at most two years ahead); a slot taken twice is a conflict. */
		time_t t = first_slot + (time_t)(slot % SLOTS) * 900;
		struct tm tm;
		gmtime_r(&t, &tm);
		char start[40];
		strftime(start, sizeof start, "%Y-%m-%dT%H:%M:%SZ", &tm);
		time_t e = t + 900;
		struct tm te;
		gmtime_r(&e, &te);
		char end[40];
		strftime(end, sizeof end, "%Y-%m-%dT%H:%M:%SZ", &te);
		struct resp *r =
		    reqf(&srv, "POST", "/api/v1/appointments", token,
			 "{\"patient_id\":%lld,\"kind\":\"consultation\",\"practitioner_id\":%lld,"
			 "\"room_id\":%lld,\"start\":\"%s\",\"end\":\"%s\"}",
			 patient_id, prac_id, room_id, start, end);
		if (r->status == 201) {
			pthread_mutex_lock(&acked_lock);
			if (nacked < MAX_ACKED)
				acked[nacked++] = jint(r->json, "id");
			pthread_mutex_unlock(&acked_lock);
		} else if (r->status > 0 && r->status != 409) {
			fprintf(stderr, "unexpected answer %ld: %s\n", r->status, r->body);
		}
		resp_free(r);
	}
	return NULL;
}

static void kill_server(void)
{
	kill(srv.pid, SIGKILL);
	int status;
	waitpid(srv.pid, &status, 0);
	srv.pid = 0;
}

static int setup(void **state)
{
	(void)state;
	const char *r = getenv("CRASH_ROUNDS");
	if (r && atoi(r) > 0)
		rounds = atoi(r);
	first_slot = fx_time(1, 0, 0);
	server_start(&srv, NULL);
	char *admin = login(&srv, "admin", PW_ADMIN);
	token = admin;
	struct resp *x = req(&srv, "POST", "/api/v1/rooms", token, "{\"name\":\"Crash room\"}");
	room_id = jint(x->json, "id");
	resp_free(x);
	x = req(&srv, "GET", "/api/v1/practitioners", token, NULL);
	prac_id = jint(json_array_get(json_object_get(x->json, "items"), 0), "id");
	resp_free(x);
	fx_daily_hours(&srv, token, prac_id, (const char *const[]){"00:00", "24:00", NULL});
	x = req(
	    &srv, "POST", "/api/v1/patients", token,
	    "{\"first_name\":\"Crash\",\"last_name\":\"Tester\",\"date_of_birth\":\"1980-01-01\","
	    "\"confirm_new\":true}");
	patient_id = jint(x->json, "id");
	resp_free(x);
	return room_id > 0 && prac_id > 0 && patient_id > 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	server_stop(&srv);
	server_destroy(&srv);
	free(token);
	return 0;
}

static void acknowledged_bookings_survive_sigkill(void **state)
{
	(void)state;
	srand((unsigned)time(NULL));
	for (int round = 0; round < rounds; round++) {
		struct worker w = {0};
		pthread_t th[THREADS];
		for (int i = 0; i < THREADS; i++)
			assert_int_equal(pthread_create(&th[i], NULL, book_loop, &w), 0);
		/* Let them book for 100-400 ms, then pull the plug. */
		struct timespec nap = {0, (100 + rand() % 300) * 1000 * 1000};
		nanosleep(&nap, NULL);
		kill_server();
		w.stop = 1;
		for (int i = 0; i < THREADS; i++)
			pthread_join(th[i], NULL);
		server_restart(&srv, NULL);
		/* Every acknowledged booking is there. */
		for (int i = 0; i < nacked; i++) {
			char path[64];
			snprintf(path, sizeof path, "/api/v1/appointments/%lld", acked[i]);
			struct resp *r = req(&srv, "GET", path, token, NULL);
			if (r->status != 200)
				print_error("round %d: acknowledged appointment %lld is missing\n",
					    round, acked[i]);
			assert_int_equal(r->status, 200);
			resp_free(r);
		}
	}
	print_message("  %d rounds, %d acknowledged bookings, all present\n", rounds, nacked);
	assert_true(nacked > 0);
	assert_int_equal(server_stop(&srv), 0);

	/* The file is sound and the trail unbroken. */
	fx_expect_intact(srv.db);
	server_restart(&srv, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(acknowledged_bookings_survive_sigkill),
	};
	return cmocka_run_group_tests_name("api_crash", tests, setup, teardown);
}
