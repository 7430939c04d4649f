/* The command line (README, "Command line"): help, exit codes, init, user add, serve's start line
 * and clean stop, audit verify against a tampered trail, and backup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static struct server srv;

/* One server for the file; the tests that stop or tamper with one get their own. */
static const struct harness_group group = {.srv = &srv};

/* A file name inside the server's directory. */
static void in_dir(const struct server *s, const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", s->dir, name);
}

/* Removes a database file and its companions. */
static void remove_db(const char *path)
{
	char p[512];
	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-journal", path);
	unlink(p);
}

/* The single integer a query answers on the database at path, or -1. */
static long long db_query(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	long long v = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return v;
}

/* Runs SQL on the database at path, as someone with the file in hand would. */
static int db_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static int run(const char *const *args, char **out)
{
	return run_cli(args, NULL, out);
}

static void help_and_version(void **state)
{
	(void)state;
	char *out = NULL;
	const char *help[] = {"--help", NULL};
	assert_int_equal(run(help, &out), 0);
	assert_non_null(strstr(out, "usage: collagenda"));
	assert_non_null(strstr(out, "serve"));
	assert_non_null(strstr(out, "audit verify"));
	assert_non_null(strstr(out, "backup"));
	free(out);

	const char *version[] = {"--version", NULL};
	assert_int_equal(run(version, &out), 0);
	assert_true(strncmp(out, "collagenda ", 11) == 0);
	assert_true(out[11] >= '0' && out[11] <= '9');
	assert_non_null(strchr(out, '.'));
	free(out);
}

static void every_command_has_help(void **state)
{
	(void)state;
	static const struct {
		const char *args[4];
		const char *expect;
	} cases[] = {
	    {{"serve", "--help"}, "usage: collagenda serve"},
	    {{"init", "--help"}, "usage: collagenda init"},
	    {{"user", "--help"}, "usage: collagenda user add"},
	    {{"user", "add", "--help"}, "usage: collagenda user add"},
	    {{"audit", "--help"}, "usage: collagenda audit verify"},
	    {{"audit", "verify", "--help"}, "usage: collagenda audit verify"},
	    {{"backup", "--help"}, "usage: collagenda backup"},
	    {{"restore", "--help"}, "usage: collagenda restore"},
	    {{"photos", "--help"}, "usage: collagenda photos gc"},
	    {{"photos", "gc", "--help"}, "usage: collagenda photos gc"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *out = NULL;
		int rc = run(cases[i].args, &out);
		if (rc != 0 || !strstr(out, cases[i].expect))
			fprintf(stderr, "%s %s -> %d: %s\n", cases[i].args[0], cases[i].args[1], rc,
				out);
		assert_int_equal(rc, 0);
		assert_non_null(strstr(out, cases[i].expect));
		free(out);
	}
}

static void usage_errors_exit_2(void **state)
{
	(void)state;
	char db[400];
	in_dir(&srv, "never-created.db", db, sizeof db);
	static const char *const bad_port[] = {"serve", "--port", "70000", NULL};
	const char *const cases[][8] = {
	    {NULL},
	    {"frobnicate", NULL},
	    {"--verbose", NULL},
	    {"serve", "--bogus", NULL},
	    {"serve", "--port", "abc", NULL},
	    {"serve", "--port", "-1", NULL},
	    {"serve", "--idle-timeout", "0", NULL},
	    {"serve", "--tz", "Mars/Olympus_Mons", NULL},
	    {"serve", "--tls-cert", "/nonexistent.pem", NULL},
	    {"serve", "stray-operand", NULL},
	    {"init", "--bogus", NULL},
	    {"init", "--db", db, "stray", NULL},
	    {"user", NULL},
	    {"user", "remove", "--username", "desk", NULL},
	    {"user", "add", "--db", db, "--role", "admin", NULL},
	    {"user", "add", "--db", db, "--username", "x", "--bogus", NULL},
	    {"audit", NULL},
	    {"audit", "check", NULL},
	    {"audit", "verify", "--db", db, "stray", NULL},
	    {"backup", NULL},
	    {"backup", "--db", db, NULL},
	    {"backup", "--db", db, "a.db", "b.db", NULL},
	    {"photos", NULL},
	    {"photos", "clean", NULL},
	    {"photos", "gc", "--db", db, "stray", NULL},
	    {"photos", "gc", "--db", "postgresql://localhost/x", NULL},
	    {"restore", NULL},
	    {"restore", "--db", db, NULL},
	    {"restore", "--from", "a.db", NULL},
	    {"restore", "--from", "a.db", "--db", db, "stray", NULL},
	    {"restore", "--from", "postgresql://localhost/x", "--db", db, NULL},
	    {"restore", "--from", "a.db", "--db", "postgresql://localhost/x", NULL},
	};
	char *out = NULL;
	assert_int_equal(run(bad_port, &out), 2);
	assert_null(strstr(out, "listening"));
	free(out);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = run(cases[i], &out);
		if (rc != 2)
			fprintf(stderr, "case %zu (%s %s) -> %d\n", i,
				cases[i][0] ? cases[i][0] : "",
				cases[i][0] && cases[i][1] ? cases[i][1] : "", rc);
		assert_int_equal(rc, 2);
		assert_null(strstr(out, "listening"));
		free(out);
	}
	/* None of them touched the database path they were given. */
	assert_int_equal(access(db, F_OK), -1);
}

static void init_is_idempotent(void **state)
{
	(void)state;
	char db[400];
	in_dir(&srv, "fresh.db", db, sizeof db);
	const char *init[] = {"init", "--db", db, NULL};
	char *first = NULL, *second = NULL;
	assert_int_equal(run(init, &first), 0);
	assert_non_null(strstr(first, "schema version"));
	long long tables = db_query(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'");
	long long version = db_query(db, "PRAGMA user_version");
	assert_true(tables > 0);
	assert_true(version > 0);

	/* Data survives a second init, which changes nothing. */
	const char *add[] = {"user",   "add",	 "--db",  db,  "--username",
			     "keeper", "--role", "admin", NULL};
	assert_int_equal(run_cli(add, "keeper-password-1\n", NULL), 0);
	assert_int_equal(run(init, &second), 0);
	assert_string_equal(first, second);
	assert_int_equal(db_query(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"),
			 tables);
	assert_int_equal(db_query(db, "PRAGMA user_version"), version);
	assert_int_equal(db_query(db, "SELECT count(*) FROM users WHERE username = 'keeper'"), 1);
	free(first);
	free(second);
	remove_db(db);

	/* A place where no file can be made is a runtime failure. */
	const char *nowhere[] = {"init", "--db", "/nonexistent-dir/sub/clinic.db", NULL};
	assert_int_equal(run(nowhere, NULL), 1);
}

static void user_add_reads_the_password_from_stdin(void **state)
{
	(void)state;
	const char *add[] = {"user",	       "add",	     "--db",   srv.db,
			     "--username",     "newbie",     "--role", "front_desk",
			     "--display-name", "New Person", NULL};
	char *out = NULL;
	/* Added while the server runs; only the first line counts, CR LF or LF. */
	assert_int_equal(run_cli(add, "stdin-password-7\r\nsecond line\n", &out), 0);
	assert_null(strstr(out, "stdin-password-7"));
	assert_null(strstr(out, "second line"));
	assert_non_null(strstr(out, "newbie"));
	free(out);

	char *tok = login(&srv, "newbie", "stdin-password-7");
	struct resp *r = req(&srv, "GET", "/api/v1/me", tok, NULL);
	assert_int_equal(r->status, 200);
	json_t *u = json_object_get(r->json, "user");
	assert_string_equal(jstr(u, "role"), "front_desk");
	assert_string_equal(jstr(u, "display_name"), "New Person");
	resp_free(r);
	free(tok);

	/* Stored as an Argon2id hash, never as the text. */
	assert_int_equal(db_query(srv.db, "SELECT count(*) FROM users WHERE username = 'newbie' "
					  "AND password_hash LIKE '$argon2id$%' "
					  "AND instr(password_hash, 'stdin-password-7') = 0"),
			 1);
	/* The CLI's addition is in the audit trail. */
	assert_int_equal(db_query(srv.db, "SELECT count(*) FROM audit a JOIN users u "
					  "ON u.id = a.entity_id WHERE a.entity = 'user' "
					  "AND a.action = 'create' AND u.username = 'newbie'"),
			 1);
}

static void user_add_refuses_bad_input(void **state)
{
	(void)state;
	long long users = db_query(srv.db, "SELECT count(*) FROM users");
	char long_pw[512], long_name[160];
	memset(long_pw, 'p', 400);
	memcpy(long_pw + 400, "\n", 2);
	memset(long_name, 'n', 101);
	long_name[101] = '\0';
	char pw257[300];
	memset(pw257, 'q', 257);
	memcpy(pw257 + 257, "\n", 2);
	static const char five_wide[] = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n";
	const struct {
		const char *username, *role, *display, *stdin_text;
		int rc;
	} cases[] = {
	    {"shorty", "admin", NULL, "123456789\n", 2},	/* nine characters */
	    {"wide", "admin", NULL, five_wide, 2},		/* ten bytes, five characters */
	    {"nopw", "admin", NULL, "", 2},			/* no line at all */
	    {"emptypw", "admin", NULL, "\n", 2},		/* an empty line */
	    {"tabpw", "admin", NULL, "tab\tpassword-1\n", 2},	/* login would refuse it */
	    {"longpw", "admin", NULL, pw257, 2},		/* login takes up to 256 */
	    {"longerpw", "admin", NULL, long_pw, 2},		/* longer than the line buffer */
	    {"doc", "doctor", NULL, "long-enough-pw\n", 2},	/* no such role */
	    {"Bad Name", "admin", NULL, "long-enough-pw\n", 2}, /* not a-z0-9._- */
	    {"ab", "admin", NULL, "long-enough-pw\n", 2},	/* too short */
	    {"noname", "admin", "", "long-enough-pw\n", 2},	/* display name 1-100 */
	    {"bigname", "admin", long_name, "long-enough-pw\n", 2},
	    {"admin", "admin", NULL, "long-enough-pw\n", 1}, /* taken */
	    {"desk", "practitioner", NULL, "long-enough-pw\n", 1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *args[] = {
		    "user",	      "add",	     "--db",
		    srv.db,	      "--username",  cases[i].username,
		    "--role",	      cases[i].role, cases[i].display ? "--display-name" : NULL,
		    cases[i].display, NULL};
		char *out = NULL;
		int rc = run_cli(args, cases[i].stdin_text, &out);
		if (rc != cases[i].rc)
			fprintf(stderr, "user add %s %s -> %d\n", cases[i].username, cases[i].role,
				rc);
		assert_int_equal(rc, cases[i].rc);
		assert_null(strstr(out, "long-enough-pw"));
		assert_null(strstr(out, "123456789"));
		free(out);
	}
	assert_int_equal(db_query(srv.db, "SELECT count(*) FROM users"), users);
	/* The existing desk account is unchanged: same role, same password. */
	char *tok = login(&srv, "desk", PW_DESK);
	struct resp *r = req(&srv, "GET", "/api/v1/me", tok, NULL);
	assert_string_equal(jstr(json_object_get(r->json, "user"), "role"), "front_desk");
	resp_free(r);
	free(tok);
}

static void user_add_accepts_what_login_accepts(void **state)
{
	(void)state;
	/* The longest password the API takes, and ten two-byte characters. */
	char pw256[300];
	memset(pw256, 'k', 256);
	memcpy(pw256 + 256, "\n", 2);
	static const char ten_wide[] = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
				       "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n";
	const char *lines[] = {pw256, ten_wide};
	const char *names[] = {"maxpw", "widepw"};
	for (int i = 0; i < 2; i++) {
		const char *args[] = {"user",	"add",	  "--db",	  srv.db, "--username",
				      names[i], "--role", "practitioner", NULL};
		assert_int_equal(run_cli(args, lines[i], NULL), 0);
		char pw[300];
		snprintf(pw, sizeof pw, "%.*s", (int)strcspn(lines[i], "\n"), lines[i]);
		char *tok = login(&srv, names[i], pw);
		struct resp *r = req(&srv, "GET", "/api/v1/me", tok, NULL);
		assert_int_equal(r->status, 200);
		assert_string_equal(jstr(json_object_get(r->json, "user"), "username"), names[i]);
		resp_free(r);
		free(tok);
	}
}

static void serve_announces_its_port_and_stops_cleanly(void **state)
{
	struct server *s = *state;
	/* The setup's server_start found "listening on http://127.0.0.1:PORT" on standard
	 * output. */
	assert_true(s->port > 0 && s->port < 65536);
	fx_expect_status(req(s, "GET", "/api/v1/health", NULL, NULL), 200);

	/* Another server on the same port cannot start: a runtime failure. */
	char port[16];
	snprintf(port, sizeof port, "%u", s->port);
	const char *clash[] = {"serve", "--db", s->db, "--bind", "127.0.0.1", "--port", port, NULL};
	char *out = NULL;
	assert_int_equal(run_cli(clash, NULL, &out), 1);
	assert_null(strstr(out, "listening"));
	free(out);

	/* A database that cannot be opened is a runtime failure. */
	const char *no_db[] = {"serve", "--db", "/nonexistent-dir/clinic.db", "--port", "0", NULL};
	assert_int_equal(run_cli(no_db, NULL, &out), 1);
	assert_null(strstr(out, "listening"));
	free(out);

	/* SIGTERM: exit 0, and the port is closed. */
	assert_int_equal(server_stop(s), 0);
	fx_expect_status(req(s, "GET", "/api/v1/health", NULL, NULL), -1);

	/* SIGINT does the same, and the data is still there after a restart. */
	server_restart(s, NULL);
	char *tok = login(s, "admin", PW_ADMIN);
	fx_expect_status(req(s, "POST", "/api/v1/patients", tok,
			     "{\"first_name\":\"Noor\",\"last_name\":\"Haddad\",\"date_of_birth\":"
			     "\"1979-11-30\"}"),
			 201);
	assert_int_equal(kill(s->pid, SIGINT), 0);
	int status = 0;
	assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
	s->pid = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(
	    db_query(s->db, "SELECT count(*) FROM patients WHERE last_name = 'Haddad'"), 1);
	free(tok);
}

static void serve_finishes_a_request_in_flight_before_exiting(void **state)
{
	struct server *s = *state;
	char body[128], head[256];
	snprintf(body, sizeof body, "{\"username\":\"admin\",\"password\":\"%s\"}", PW_ADMIN);
	snprintf(head, sizeof head,
		 "POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
		 strlen(body));
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)s->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);

	/* The headers and half the body, then the signal, then the rest. */
	size_t half = strlen(body) / 2;
	assert_int_equal(send(fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
	assert_int_equal(send(fd, body, half, MSG_NOSIGNAL), (ssize_t)half);
	usleep(300 * 1000);
	assert_int_equal(kill(s->pid, SIGTERM), 0);
	usleep(300 * 1000);
	size_t rest = strlen(body) - half;
	assert_int_equal(send(fd, body + half, rest, MSG_NOSIGNAL), (ssize_t)rest);

	char answer[4096];
	size_t got = 0;
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 10000) <= 0)
			break;
		ssize_t n = recv(fd, answer + got, sizeof answer - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		answer[got] = '\0';
		if (strstr(answer, "\r\n\r\n") && strchr(strstr(answer, "\r\n\r\n"), '}'))
			break;
	}
	answer[got] = '\0';
	close(fd);
	assert_true(strncmp(answer, "HTTP/1.1 200", 12) == 0);
	assert_non_null(strstr(answer, "\"token\""));

	int status = 0;
	assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
	s->pid = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The login it finished was committed. */
	assert_int_equal(db_query(s->db, "SELECT count(*) FROM audit WHERE action = 'login'"), 1);
}

static void audit_verify_finds_tampering(void **state)
{
	struct server *s = *state;
	char *tok = login(s, "admin", PW_ADMIN);
	for (int i = 0; i < 3; i++) {
		struct resp *r = reqf(s, "POST", "/api/v1/patients", tok,
				      "{\"first_name\":\"P%d\",\"last_name\":\"Test\","
				      "\"date_of_birth\":\"1980-01-0%d\"}",
				      i, i + 1);
		assert_int_equal(r->status, 201);
		resp_free(r);
	}
	fx_expect_status(req(s, "POST", "/api/v1/users", tok,
			     "{\"username\":\"audited\",\"password\":\"0123456789\","
			     "\"role\":\"practitioner\",\"display_name\":\"Dr Audited\"}"),
			 201);
	fx_expect_status(req(s, "POST", "/api/v1/logout", tok, NULL), 200);
	free(tok);
	assert_int_equal(server_stop(s), 0);

	long long events = db_query(s->db, "SELECT count(*) FROM audit");
	assert_true(events >= 10);
	const char *verify[] = {"audit", "verify", "--db", s->db, NULL};
	char *out = NULL;
	assert_int_equal(run(verify, &out), 0);
	char expect[64];
	snprintf(expect, sizeof expect, "%lld events", events);
	assert_non_null(strstr(out, "intact"));
	assert_non_null(strstr(out, expect));
	free(out);

	/* Three copies to spoil in three ways. */
	char copy[3][400];
	for (int i = 0; i < 3; i++) {
		char name[32];
		snprintf(name, sizeof name, "tampered%d.db", i);
		in_dir(s, name, copy[i], sizeof copy[i]);
		const char *backup[] = {"backup", "--db", s->db, copy[i], NULL};
		assert_int_equal(run(backup, NULL), 0);
	}

	/* The triggers refuse a change made without removing them first. */
	assert_int_not_equal(db_exec(copy[0], "UPDATE audit SET detail = 'x' WHERE id = 2"),
			     SQLITE_OK);
	assert_int_not_equal(db_exec(copy[0], "DELETE FROM audit WHERE id = 3"), SQLITE_OK);

	/* A changed detail. */
	assert_int_equal(db_exec(copy[0], "DROP TRIGGER audit_no_update; "
					  "UPDATE audit SET detail = 'x' WHERE id = 2"),
			 SQLITE_OK);
	const char *v0[] = {"audit", "verify", "--db", copy[0], NULL};
	assert_int_equal(run(v0, &out), 1);
	assert_non_null(strstr(out, "event 2\n"));
	free(out);

	/* A missing row in the middle. */
	assert_int_equal(db_exec(copy[1], "DROP TRIGGER audit_no_delete; "
					  "DELETE FROM audit WHERE id = 3"),
			 SQLITE_OK);
	const char *v1[] = {"audit", "verify", "--db", copy[1], NULL};
	assert_int_equal(run(v1, &out), 1);
	assert_true(strstr(out, "event 3\n") || strstr(out, "event 4\n"));
	free(out);

	/* The newest event, back-dated. */
	char sql[200], last[32];
	snprintf(sql, sizeof sql,
		 "DROP TRIGGER audit_no_update; UPDATE audit SET at = at - 86400 WHERE id = %lld",
		 events);
	assert_int_equal(db_exec(copy[2], sql), SQLITE_OK);
	const char *v2[] = {"audit", "verify", "--db", copy[2], NULL};
	assert_int_equal(run(v2, &out), 1);
	snprintf(last, sizeof last, "event %lld\n", events);
	assert_non_null(strstr(out, last));
	free(out);

	/* Events cut off the end, which the chain alone cannot show: each copy's anchor
	 * (written by backup) says where its trail ended. */
	static const char *const cuts[] = {"id > (SELECT max(id) - 1 FROM audit)",
					   "id > (SELECT max(id) - 5 FROM audit)", "1"};
	for (int i = 0; i < 3; i++) {
		char name[32], cut[400], head[64];
		snprintf(name, sizeof name, "cut%d.db", i);
		in_dir(s, name, cut, sizeof cut);
		const char *backup[] = {"backup", "--db", s->db, cut, NULL};
		assert_int_equal(run(backup, NULL), 0);
		snprintf(sql, sizeof sql,
			 "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE %s", cuts[i]);
		assert_int_equal(db_exec(cut, sql), SQLITE_OK);
		const char *vc[] = {"audit", "verify", "--db", cut, NULL};
		assert_int_equal(run(vc, &out), 1);
		snprintf(head, sizeof head, "audit trail ends at event %lld, anchor says %lld",
			 i == 0	  ? events - 1
			 : i == 1 ? events - 5
				  : 0,
			 events);
		if (!strstr(out, head))
			print_error("want \"%s\" in: %s\n", head, out);
		assert_non_null(strstr(out, head));
		free(out);
		remove_db(cut);
	}
	/* The server anchored its own trail where it ends: audit head agrees. */
	char anchor[420], line[128] = "";
	snprintf(anchor, sizeof anchor, "%s.audit-head", s->db);
	FILE *af = fopen(anchor, "r");
	assert_non_null(af);
	assert_non_null(fgets(line, sizeof line, af));
	fclose(af);
	const char *vh[] = {"audit", "head", "--db", s->db, NULL};
	assert_int_equal(run(vh, &out), 0);
	assert_string_equal(out, line);
	free(out);

	/* The original is still intact; a missing file is a failure, not "intact". */
	assert_int_equal(run(verify, NULL), 0);
	char missing[400];
	in_dir(s, "missing.db", missing, sizeof missing);
	const char *vm[] = {"audit", "verify", "--db", missing, NULL};
	assert_int_equal(run(vm, &out), 1);
	assert_null(strstr(out, "intact"));
	free(out);
	assert_int_equal(access(missing, F_OK), -1);

	for (int i = 0; i < 3; i++)
		remove_db(copy[i]);
}

static void backup_copies_a_live_database(void **state)
{
	(void)state;
	char *tok = login(&srv, "admin", PW_ADMIN);
	struct resp *r = req(&srv, "GET", "/api/v1/users", tok, NULL);
	assert_int_equal(r->status, 200);
	long long users = jint(r->json, "total");
	resp_free(r);
	assert_true(users >= 4);

	/* While the server runs. */
	char dest[400];
	in_dir(&srv, "copy.db", dest, sizeof dest);
	const char *backup[] = {"backup", "--db", srv.db, dest, NULL};
	char *out = NULL;
	assert_int_equal(run(backup, &out), 0);
	assert_non_null(strstr(out, dest));
	free(out);
	assert_int_equal(db_query(dest, "SELECT count(*) FROM users"), users);
	assert_int_equal(db_query(dest, "SELECT count(*) FROM users WHERE username = 'admin' "
					"AND role = 'admin'"),
			 1);
	assert_int_equal(db_query(dest, "PRAGMA user_version"),
			 db_query(srv.db, "PRAGMA user_version"));
	const char *verify[] = {"audit", "verify", "--db", dest, NULL};
	assert_int_equal(run(verify, NULL), 0);

	/* Never over an existing file, whatever it holds. */
	char other[400];
	in_dir(&srv, "precious.txt", other, sizeof other);
	FILE *f = fopen(other, "w");
	assert_non_null(f);
	fputs("not a database\n", f);
	fclose(f);
	const char *over_file[] = {"backup", "--db", srv.db, other, NULL};
	assert_int_equal(run(over_file, NULL), 1);
	const char *over_copy[] = {"backup", "--db", srv.db, dest, NULL};
	assert_int_equal(run(over_copy, NULL), 1);
	char text[64] = "";
	f = fopen(other, "r");
	assert_non_null(f);
	assert_non_null(fgets(text, sizeof text, f));
	fclose(f);
	assert_string_equal(text, "not a database\n");
	assert_int_equal(db_query(dest, "SELECT count(*) FROM users"), users);
	/* audit verify on something that is not a database fails and leaves it alone. */
	const char *verify_text[] = {"audit", "verify", "--db", other, NULL};
	assert_int_equal(run(verify_text, &out), 1);
	assert_null(strstr(out, "intact"));
	free(out);

	/* A source that does not exist is not created, nor backed up. */
	char missing[400], dest2[400];
	in_dir(&srv, "missing.db", missing, sizeof missing);
	in_dir(&srv, "copy2.db", dest2, sizeof dest2);
	const char *from_missing[] = {"backup", "--db", missing, dest2, NULL};
	assert_int_equal(run(from_missing, NULL), 1);
	assert_int_equal(access(missing, F_OK), -1);
	assert_int_equal(access(dest2, F_OK), -1);

	/* A destination in a directory that does not exist. */
	const char *nowhere[] = {"backup", "--db", srv.db, "/nonexistent-dir/copy.db", NULL};
	assert_int_equal(run(nowhere, NULL), 1);

	/* The server is unaffected. */
	fx_expect_status(req(&srv, "GET", "/api/v1/me", tok, NULL), 200);
	free(tok);
	unlink(other);
	remove_db(dest);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(help_and_version),
	    cmocka_unit_test(every_command_has_help),
	    cmocka_unit_test(usage_errors_exit_2),
	    cmocka_unit_test(init_is_idempotent),
	    cmocka_unit_test(user_add_reads_the_password_from_stdin),
	    cmocka_unit_test(user_add_refuses_bad_input),
	    cmocka_unit_test(user_add_accepts_what_login_accepts),
	    cmocka_unit_test_setup_teardown(serve_announces_its_port_and_stops_cleanly,
					    harness_own_setup, harness_own_teardown),
	    cmocka_unit_test_setup_teardown(serve_finishes_a_request_in_flight_before_exiting,
					    harness_own_setup, harness_own_teardown),
	    cmocka_unit_test_setup_teardown(audit_verify_finds_tampering, harness_own_setup,
					    harness_own_teardown),
	    cmocka_unit_test(backup_copies_a_live_database),
	};
	return harness_run_group("api_cli", tests, &group);
}
