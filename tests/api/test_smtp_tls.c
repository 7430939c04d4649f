/* Patient messages over TLS to a real SMTP server (aiosmtpd, tests/mail/sink.py) that
 * requires STARTTLS, or speaks TLS from the start (smtps://), and a login: the server
 * checks the certificate against --smtp-ca-file, logs in with the password from its file,
 * stores the 535 of a wrong password and tries again after the backoff (the test clock
 * moves; nothing sleeps), and never sends in the clear to a server without STARTTLS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define USER "clinic-mailer"
#define PASS "s3cret-Passw0rd"

/* One SMTP server and one collagenda server per test, stopped by the teardown. */
static struct smtp_sink K;
static struct server S;
static char pw_file[320];

static void start_sink(const char *tls, const char *user)
{
	struct sink_options o = {.tls = tls, .user = user, .password = PASS};
	sink_start_with(&K, &o);
}

/* Starts the server on K with extra (NULL-terminated, at most 8) after the mail options;
 * its password file holds password (NULL: no login). */
static void start_server(const char *password, const char *const *extra)
{
	const char *args[20] = {"--smtp-url", K.url, "--mail-from", "desk@clinic.example",
				"--test-clock"};
	int n = 5;
	if (password) {
		snprintf(pw_file, sizeof pw_file, "%s/clinic-password", K.dir);
		FILE *f = fopen(pw_file, "w");
		assert_non_null(f);
		assert_true(fprintf(f, "%s\n", password) > 0);
		assert_int_equal(fclose(f), 0);
		args[n++] = "--smtp-user";
		args[n++] = USER;
		args[n++] = "--smtp-password-file";
		args[n++] = pw_file;
	}
	for (int i = 0; extra && extra[i] && n < 19; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	server_start(&S, args);
}

static int teardown(void **state)
{
	(void)state;
	int rc = server_stop(&S);
	server_destroy(&S);
	sink_stop(&K);
	return rc == 0 ? 0 : -1;
}

/* Books a consultation for a new patient with an address; the appointment's id. */
static long long book(void)
{
	char *admin = login(&S, "admin", PW_ADMIN);
	char *desk = login(&S, "desk", PW_DESK);
	struct lane l = fx_lane(&S, admin, "tls");
	long long p = fx_patient(&S, desk, "Tessa", "Layer", "1984-02-03");
	char path[64];
	snprintf(path, sizeof path, "/api/v1/patients/%lld", p);
	fx_expect_status(req(&S, "PATCH", path, desk,
			     "{\"email\":\"tessa@example.org\",\"contact_email\":true}"),
			 200);
	struct fx_booking b = fx_in_lane(l, p, 0, fx_time(4, 10, 0));
	long long a = fx_booked(&S, desk, &b);
	free(admin);
	free(desk);
	return a;
}

/* The SQL that counts the confirmation of appointment a in state cond. */
static void confirmation(char *sql, size_t n, long long a, const char *cond)
{
	snprintf(sql, n,
		 "SELECT count(*) FROM messages WHERE appointment_id = %lld AND kind = "
		 "'confirmation' AND %s",
		 a, cond);
}

static void wait_confirmation(long long a, const char *cond)
{
	char sql[256];
	confirmation(sql, sizeof sql, a, cond);
	if (!fx_wait_sql(&S, sql, 1)) {
		server_dump_log(&S);
		fail_msg("the confirmation of %lld never had %s", a, cond);
	}
}

/* The confirmation's last_error (caller frees). */
static char *last_error(long long a)
{
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT last_error FROM messages WHERE appointment_id = %lld AND kind = "
		 "'confirmation'",
		 a);
	char *e = fx_sql_text(&S, sql);
	assert_non_null(e);
	return e;
}

/* The one message that arrived: over TLS, logged in as USER. */
static void expect_arrived_over_tls(long long a)
{
	assert_true(sink_wait(&K, 1));
	json_t *got = sink_messages(&K);
	json_t *list = json_object_get(got, "messages");
	assert_int_equal(json_array_size(list), 1);
	json_t *m = json_array_get(list, 0);
	char mid[96];
	snprintf(mid, sizeof mid, "<appt-%lld-confirmation-0@clinic.example>", a);
	assert_string_equal(jstr(m, "message_id"), mid);
	if (strncmp(jstr(m, "tls"), "TLSv1.", 6) != 0)
		fail_msg("arrived with TLS %s", jstr(m, "tls"));
	assert_string_equal(jstr(m, "auth_user"), USER);
	assert_string_equal(jstr(m, "envelope_to"), "tessa@example.org");
	json_decref(got);
}

static void starttls_with_the_clinics_ca_and_login(void **state)
{
	(void)state;
	start_sink("starttls", USER);
	const char *extra[] = {"--smtp-ca-file", K.ca, NULL};
	start_server(PASS, extra);
	long long a = book();
	wait_confirmation(a, "status = 'sent' AND tries = 1");
	expect_arrived_over_tls(a);
	/* The password is in no log line. */
	FILE *f = fopen(S.log, "r");
	assert_non_null(f);
	char line[1024];
	while (fgets(line, sizeof line, f))
		assert_null(strstr(line, PASS));
	fclose(f);
}

static void implicit_tls_on_smtps(void **state)
{
	(void)state;
	start_sink("smtps", USER);
	assert_int_equal(strncmp(K.url, "smtps://", 8), 0);
	const char *extra[] = {"--smtp-ca-file", K.ca, NULL};
	start_server(PASS, extra);
	long long a = book();
	wait_confirmation(a, "status = 'sent'");
	expect_arrived_over_tls(a);
}

static void a_wrong_password_is_refused_and_tried_again_later(void **state)
{
	(void)state;
	start_sink("starttls", USER);
	const char *extra[] = {"--smtp-ca-file", K.ca, NULL};
	start_server("not-the-password", extra);
	long long a = book();
	wait_confirmation(a, "status = 'queued' AND tries = 1");
	char *e = last_error(a);
	if (!strstr(e, "535"))
		fail_msg("last_error: %s", e);
	free(e);
	/* The next try waits for the backoff (two minutes after the first). */
	char sql[256];
	confirmation(sql, sizeof sql, a, "next_try_at >= created_at + 120");
	assert_int_equal(fx_sql_int(&S, sql), 1);
	confirmation(sql, sizeof sql, a, "tries = 1");
	assert_int_equal(fx_sql_int(&S, sql), 1);
	snprintf(sql, sizeof sql,
		 "SELECT next_try_at FROM messages WHERE appointment_id = %lld AND kind = "
		 "'confirmation'",
		 a);
	fx_clock_set(&S, (time_t)fx_sql_int(&S, sql));
	wait_confirmation(a, "status = 'queued' AND tries = 2");
	e = last_error(a);
	assert_non_null(strstr(e, "535"));
	free(e);
	fx_clock_set(&S, time(NULL));
	assert_int_equal(sink_count(&K), 0);
}

static void no_starttls_means_no_message(void **state)
{
	(void)state;
	/* A server in the clear, and no --smtp-insecure: the message is never sent. */
	start_sink(NULL, NULL);
	start_server(NULL, NULL);
	long long a = book();
	wait_confirmation(a, "status = 'queued' AND tries = 1");
	char *e = last_error(a);
	if (!strstr(e, "STARTTLS"))
		fail_msg("last_error: %s", e);
	free(e);
	assert_int_equal(sink_count(&K), 0);
}

static void an_untrusted_certificate_is_refused(void **state)
{
	(void)state;
	/* The certificate is self-signed and the server is not told to trust it. */
	start_sink("starttls", USER);
	start_server(PASS, NULL);
	long long a = book();
	wait_confirmation(a, "status = 'queued' AND tries = 1");
	char *e = last_error(a);
	if (!strstr(e, "certificate") && !strstr(e, "SSL"))
		fail_msg("last_error: %s", e);
	free(e);
	assert_int_equal(sink_count(&K), 0);
}

static void the_options_are_checked_at_start(void **state)
{
	(void)state;
	start_sink(NULL, NULL);
	start_server(NULL, NULL);
	static const char *const bad[][12] = {
	    {"serve", "--smtp-url", "smtp://127.0.0.1:1", "--mail-from", "a@clinic.example",
	     "--smtp-ca-file", "/nonexistent/ca.pem", NULL},
	    {"serve", "--smtp-url", "smtp://127.0.0.1:1", "--mail-from", "a@clinic.example",
	     "--smtp-password-file", "/etc/hostname", NULL},
	    {"serve", "--smtp-ca-file", "/etc/hostname", NULL},
	    {"serve", "--smtp-user", "x", NULL},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *args[16] = {NULL};
		int n = 0;
		for (; bad[i][n]; n++)
			args[n] = bad[i][n];
		args[n++] = "--db";
		args[n++] = S.db;
		args[n] = NULL;
		int rc = run_cli(args, NULL, NULL);
		if (rc != 2)
			fail_msg("row %zu: exit %d, want 2", i, rc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(starttls_with_the_clinics_ca_and_login, teardown),
	    cmocka_unit_test_teardown(implicit_tls_on_smtps, teardown),
	    cmocka_unit_test_teardown(a_wrong_password_is_refused_and_tried_again_later, teardown),
	    cmocka_unit_test_teardown(no_starttls_means_no_message, teardown),
	    cmocka_unit_test_teardown(an_untrusted_certificate_is_refused, teardown),
	    cmocka_unit_test_teardown(the_options_are_checked_at_start, teardown),
	};
	return cmocka_run_group_tests_name("api_smtp_tls", tests, NULL, NULL);
}
