/* Two servers on one PostgreSQL database (COLLAGENDA_TEST_PG), each with its own message
 * sender, and one real SMTP server: every queued message is delivered exactly once,
 * because a sender sends a row only after claiming it in one statement. The messages are
 * first refused (451), so that both senders hold the same due rows when the clock moves
 * and wakes them together. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define N 60

/* Started by the setup and stopped by the teardown, so that a failed check leaves no
 * process behind. */
static struct smtp_sink sink;
static struct server a, b;
static const char *args[] = {
    "--smtp-url",   NULL, "--smtp-insecure", "--mail-from", "desk@clinic.example",
    "--test-clock", NULL};

static int setup(void **state)
{
	(void)state;
	sink_start(&sink);
	sink_mode(&sink, "4xx");
	args[1] = sink.url;
	server_start(&a, args);
	server_attach(&b, a.db, args);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	int rc = server_stop(&b) | server_stop(&a);
	server_destroy(&b);
	server_destroy(&a);
	sink_stop(&sink);
	return rc == 0 ? 0 : -1;
}

/* How many lines of the server's log hold needle. */
static int log_lines(const struct server *s, const char *needle)
{
	FILE *f = fopen(s->log, "r");
	if (!f)
		return -1;
	char line[1024];
	int n = 0;
	while (fgets(line, sizeof line, f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

static void two_senders_deliver_each_message_once(void **state)
{
	(void)state;
	char *admin = login(&a, "admin", PW_ADMIN);
	char *desk = login(&b, "desk", PW_DESK);
	struct lane l = fx_lane(&a, admin, "claim");
	long long p = fx_patient(&a, desk, "Claim", "Tester", "1980-01-01");
	char path[64];
	snprintf(path, sizeof path, "/api/v1/patients/%lld", p);
	fx_expect_status(req(&a, "PATCH", path, desk,
			     "{\"email\":\"claim@example.org\",\"contact_email\":true}"),
			 200);
	/* Booked through both servers, an hour apart from three days on: each booking's
	 * confirmation is due at once, its reminder not before two days. */
	for (int i = 0; i < N; i++) {
		struct fx_booking bk = fx_in_lane(l, p, 0, fx_time(3, 0, 0) + (time_t)i * 3600);
		(void)fx_booked(i % 2 ? &b : &a, desk, &bk);
	}
	/* Each confirmation tried once and refused: all wait for their second try. */
	const char *tried = "SELECT count(*) FROM messages WHERE kind = 'confirmation' AND "
			    "status = 'queued' AND tries = 1";
	if (!fx_wait_sql(&a, tried, N)) {
		server_dump_log(&a);
		server_dump_log(&b);
		fail_msg("the confirmations were not all tried");
	}
	assert_int_equal(sink_count(&sink), 0);

	/* Both clocks past the backoff at once: both senders find the same N rows due. */
	sink_mode(&sink, "ok");
	time_t later = time(NULL) + 3600;
	fx_clock_set(&a, later);
	fx_clock_set(&b, later);
	if (!fx_wait_sql(&a,
			 "SELECT count(*) FROM messages WHERE kind = 'confirmation' AND status = "
			 "'sent'",
			 N)) {
		server_dump_log(&a);
		server_dump_log(&b);
		fail_msg("the confirmations were not all sent");
	}
	assert_true(sink_wait(&sink, N));

	/* Exactly once each: N Message-IDs, each one time. */
	json_t *got = sink_messages(&sink);
	json_t *list = json_object_get(got, "messages");
	json_t *seen = json_object();
	size_t i;
	json_t *m;
	json_array_foreach(list, i, m)
	{
		const char *mid = jstr(m, "message_id");
		if (json_object_get(seen, mid))
			fail_msg("%s arrived twice", mid);
		json_object_set_new(seen, mid, json_true());
	}
	assert_int_equal(json_array_size(list), N);
	assert_int_equal(json_object_size(seen), N);
	json_decref(seen);
	json_decref(got);
	/* Each try was one sender's: N refusals in all, and no claim left behind. */
	int fa = log_lines(&a, "try 1 failed"), fb = log_lines(&b, "try 1 failed");
	print_message("  first tries: %d by one server, %d by the other\n", fa, fb);
	assert_int_equal(fa + fb, N);
	assert_int_equal(fx_sql_int(&a, "SELECT count(*) FROM messages WHERE claimed_by IS NOT "
					"NULL OR claimed_until IS NOT NULL"),
			 0);
	assert_int_equal(fx_sql_int(&a, "SELECT count(*) FROM messages WHERE kind = "
					"'confirmation' AND tries <> 2"),
			 0);

	free(admin);
	free(desk);
}

int main(void)
{
	if (!harness_pg()) {
		fprintf(stderr, "test_claim needs COLLAGENDA_TEST_PG (tests/pg/run-api.sh)\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(two_senders_deliver_each_message_once),
	};
	return cmocka_run_group_tests_name("pg_claim", tests, setup, teardown);
}
