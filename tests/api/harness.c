/* The API test harness: a real server process, libcurl requests, JSON answers. */
#include "harness.h"

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/db.h"

static void die(const char *what)
{
	fprintf(stderr, "harness: %s (%s)\n", what, strerror(errno));
	abort();
}

/* In a child the harness starts (a server, a mail or SMS stand-in): it is killed when the
 * test process ends, so that a test that fails half-way leaves nothing running that holds
 * the test runner's output open. */
static void child_dies_with_test(void)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		_exit(126);
}

int harness_run_as = -1;

void fx_mkdtemp(char *dir, size_t n, const char *prefix)
{
	size_t len = (size_t)snprintf(dir, n, "%s", prefix);
	if (len + 7 > n)
		die("temporary directory name too long");
	/* mkdtemp replaces the last six characters, which must all be 'X'. */
	memset(dir + len, 'X', 6);
	dir[len + 6] = '\0';
	if (!mkdtemp(dir))
		die("mkdtemp");
}

const char *harness_bin(void)
{
	const char *b = getenv("COLLAGENDA_BIN");
	return b && *b ? b : "build/collagenda";
}

const char *harness_server_bin;

const char *harness_testvfs_bin(void)
{
	const char *b = getenv("COLLAGENDA_TESTVFS_BIN");
	return b && *b ? b : "build/tests/collagenda-testvfs";
}

int run_cli(const char *const *args, const char *stdin_text, char **out)
{
	int in_pipe[2], out_pipe[2];
	if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0)
		die("pipe");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		child_dies_with_test();
		dup2(in_pipe[0], 0);
		dup2(out_pipe[1], 1);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 2);
		close(in_pipe[1]);
		close(out_pipe[0]);
		const char *argv[32];
		int n = 0;
		argv[n++] = harness_bin();
		for (int i = 0; args[i] && n < 31; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in_pipe[0]);
	close(out_pipe[1]);
	/* The command may exit before it reads stdin (it refused its arguments): that is
	 * EPIPE here, never SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (stdin_text) {
		ssize_t w = write(in_pipe[1], stdin_text, strlen(stdin_text));
		(void)w;
	}
	close(in_pipe[1]);
	char *buf = NULL;
	size_t len = 0;
	char chunk[4096];
	ssize_t r;
	while ((r = read(out_pipe[0], chunk, sizeof chunk)) > 0) {
		buf = realloc(buf, len + (size_t)r + 1);
		if (!buf)
			die("realloc");
		memcpy(buf + len, chunk, (size_t)r);
		len += (size_t)r;
		buf[len] = '\0';
	}
	close(out_pipe[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	if (out)
		*out = buf ? buf : strdup("");
	else
		free(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void add_user(struct server *s, const char *name, const char *role, const char *pw)
{
	char line[128];
	snprintf(line, sizeof line, "%s\n", pw);
	const char *args[] = {"user", "add",	"--db", s->db, "--username",
			      name,   "--role", role,	NULL};
	if (run_cli(args, line, NULL) != 0) {
		fprintf(stderr, "harness: user add %s failed\n", name);
		abort();
	}
}

/* Starts the server; false (the child reaped) when it exits before it listens. */
static bool try_spawn(struct server *s, const char *const *extra_args)
{
	int out_pipe[2];
	if (pipe(out_pipe) != 0)
		die("pipe");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		child_dies_with_test();
		dup2(out_pipe[1], 1);
		int logfd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (logfd >= 0)
			dup2(logfd, 2);
		if (harness_run_as >= 0 &&
		    (setgid((gid_t)harness_run_as) != 0 || setuid((uid_t)harness_run_as) != 0))
			_exit(126);
		close(out_pipe[0]);
		const char *argv[40];
		int n = 0;
		argv[n++] = harness_server_bin ? harness_server_bin : harness_bin();
		argv[n++] = "serve";
		argv[n++] = "--db";
		argv[n++] = s->db;
		argv[n++] = "--bind";
		argv[n++] = "127.0.0.1";
		argv[n++] = "--port";
		argv[n++] = "0";
		for (int i = 0; extra_args && extra_args[i] && n < 39; i++)
			argv[n++] = extra_args[i];
		argv[n] = NULL;
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(out_pipe[1]);
	s->pid = pid;
	/* Read standard output until the "listening on" line. */
	FILE *f = fdopen(out_pipe[0], "r");
	if (!f)
		die("fdopen");
	char line[512];
	bool tls = false;
	s->port = 0;
	while (fgets(line, sizeof line, f)) {
		const char *p = strstr(line, "listening on http");
		const char *host = p ? strstr(p, "://127.0.0.1:") : NULL;
		if (host) {
			tls = p[strlen("listening on http")] == 's';
			s->port = (unsigned)strtoul(host + strlen("://127.0.0.1:"), NULL, 10);
			break;
		}
	}
	/* Keep draining stdout in the background is not needed: the server prints nothing
	 * more. Close our end. */
	fclose(f);
	if (!s->port) {
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
		return false;
	}
	snprintf(s->base, sizeof s->base, "%s://127.0.0.1:%u", tls ? "https" : "http", s->port);
	return true;
}

static void spawn(struct server *s, const char *const *extra_args)
{
	if (!try_spawn(s, extra_args)) {
		fprintf(stderr, "harness: the server did not start; see %s\n", s->log);
		abort();
	}
}

const char *harness_pg(void)
{
	const char *b = getenv("COLLAGENDA_TEST_PG");
	return b && *b ? b : NULL;
}

/* Runs sql on the PostgreSQL database at conninfo; aborts when it fails. */
static void pg_run(const char *conninfo, const char *sql)
{
	PGconn *c = PQconnectdb(conninfo);
	PGresult *r = c && PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		fprintf(stderr, "harness: %s on %s: %s", sql, conninfo,
			c ? PQerrorMessage(c) : "no connection");
		abort();
	}
	PQclear(r);
	PQfinish(c);
}

static void seed_and_spawn(struct server *s, const char *const *extra_args);

void harness_pg_create(const char *base, const char *name, char *out, size_t n)
{
	char sql[128], admin[320];
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
	snprintf(admin, sizeof admin, "%s/postgres", base);
	pg_run(admin, sql);
	snprintf(out, n, "%s/%s", base, name);
}

void server_start(struct server *s, const char *const *extra_args)
{
	memset(s, 0, sizeof *s);
	fx_mkdtemp(s->dir, sizeof s->dir, "/tmp/collagenda-test-");
	snprintf(s->db, sizeof s->db, "%s/clinic.db", s->dir);
	if (harness_pg()) {
		/* A database of its own on the test cluster, named after the directory. */
		char name[64], sql[96];
		const char *tail = strrchr(s->dir, '-');
		snprintf(name, sizeof name, "t_%s", tail ? tail + 1 : "x");
		for (char *p = name; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		snprintf(sql, sizeof sql, "%s_%d", name, (int)getpid());
		harness_pg_create(harness_pg(), sql, s->db, sizeof s->db);
	}
	seed_and_spawn(s, extra_args);
}

void server_start_on(struct server *s, const char *db, const char *const *extra_args)
{
	memset(s, 0, sizeof *s);
	fx_mkdtemp(s->dir, sizeof s->dir, "/tmp/collagenda-test-");
	snprintf(s->db, sizeof s->db, "%s", db);
	seed_and_spawn(s, extra_args);
}

void server_attach(struct server *s, const char *db, const char *const *extra_args)
{
	memset(s, 0, sizeof *s);
	fx_mkdtemp(s->dir, sizeof s->dir, "/tmp/collagenda-test-");
	snprintf(s->db, sizeof s->db, "%s", db);
	snprintf(s->log, sizeof s->log, "%s/server.log", s->dir);
	spawn(s, extra_args);
}

static void seed_and_spawn(struct server *s, const char *const *extra_args)
{
	static int curl_ready;
	if (!curl_ready) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		curl_ready = 1;
	}
	snprintf(s->log, sizeof s->log, "%s/server.log", s->dir);
	const char *init[] = {"init", "--db", s->db, NULL};
	if (run_cli(init, NULL, NULL) != 0) {
		fprintf(stderr, "harness: init failed\n");
		abort();
	}
	add_user(s, "admin", "admin", PW_ADMIN);
	add_user(s, "desk", "front_desk", PW_DESK);
	add_user(s, "prac", "practitioner", PW_PRAC);
	add_user(s, "prac2", "practitioner", PW_PRAC);
	spawn(s, extra_args);
}

void server_restart(struct server *s, const char *const *extra_args)
{
	spawn(s, extra_args);
}

bool server_try_restart(struct server *s, const char *const *extra_args)
{
	return try_spawn(s, extra_args);
}

int server_stop(struct server *s)
{
	if (!s->pid)
		return 0;
	kill(s->pid, SIGTERM);
	int status = 0;
	waitpid(s->pid, &status, 0);
	s->pid = 0;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	/* A server that did not stop cleanly says why in its log. */
	if (code != 0)
		server_dump_log(s);
	return code;
}

void server_dump_log(const struct server *s)
{
	FILE *f = fopen(s->log, "r");
	if (!f)
		return;
	char line[1024];
	fprintf(stderr, "--- %s\n", s->log);
	while (fgets(line, sizeof line, f))
		fputs(line, stderr);
	fclose(f);
}

/* The plans whose stored progress differs from what their appointments give. */
#define HOLDS "a.plan_id = p.id AND a.status IN ('booked', 'checked_in', 'completed')"
static const char plans_out_of_step[] =
    "SELECT count(*) FROM plans p WHERE "
    "p.holding <> (SELECT count(*) FROM appointments a WHERE " HOLDS ") "
    "OR p.completed <> (SELECT count(*) FROM appointments a WHERE a.plan_id = p.id "
    " AND a.status = 'completed') "
    "OR p.pending <> (SELECT count(*) FROM appointments a WHERE a.plan_id = p.id "
    " AND a.status IN ('booked', 'checked_in')) "
    "OR p.last_start IS DISTINCT FROM (SELECT max(a.start_at) FROM appointments a WHERE " HOLDS ") "
    "OR p.next_due_at IS DISTINCT FROM (CASE WHEN p.status = 'active' AND p.holding > 0 "
    " AND p.holding < p.planned_sessions AND p.pending = 0 "
    " THEN p.last_start + p.min_interval_days * 86400 END)";
#undef HOLDS

long long fx_sql_int(const struct server *s, const char *sql)
{
	if (!db_is_remote(s->db)) {
		sqlite3 *h = NULL;
		sqlite3_stmt *st = NULL;
		long long v = -1;
		if (access(s->db, F_OK) == 0 &&
		    sqlite3_open_v2(s->db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
		    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		sqlite3_close(h);
		return v;
	}
	PGconn *c = PQconnectdb(s->db);
	PGresult *r = c && PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
	long long v = -1;
	if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	PQfinish(c);
	return v;
}

long long fx_sql_exec(const struct server *s, const char *sql, const char *p1)
{
	if (!db_is_remote(s->db)) {
		sqlite3 *h = NULL;
		long long n = -1;
		if (sqlite3_open_v2(s->db, &h, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
			sqlite3_busy_timeout(h, 10000);
			sqlite3_stmt *st = NULL;
			if (!p1 && sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK)
				n = sqlite3_changes(h);
			else if (p1 && sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
				 sqlite3_bind_text(st, 1, p1, -1, SQLITE_TRANSIENT) == SQLITE_OK &&
				 sqlite3_step(st) == SQLITE_DONE)
				n = sqlite3_changes(h);
			sqlite3_finalize(st);
		}
		sqlite3_close(h);
		return n;
	}
	/* ?1 is $1 to PostgreSQL. */
	char *text = strdup(sql);
	if (!text)
		die("strdup");
	for (char *q = strstr(text, "?1"); q; q = strstr(q + 2, "?1"))
		*q = '$';
	PGconn *c = PQconnectdb(s->db);
	const char *params[1] = {p1};
	PGresult *r = NULL;
	if (c && PQstatus(c) == CONNECTION_OK)
		r = p1 ? PQexecParams(c, text, 1, NULL, params, NULL, NULL, 0) : PQexec(c, text);
	long long n = -1;
	if (r && PQresultStatus(r) == PGRES_COMMAND_OK)
		n = strtoll(PQcmdTuples(r), NULL, 10);
	else if (c)
		fprintf(stderr, "harness: %s: %s", text, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	free(text);
	return n;
}

char *fx_sql_text(const struct server *s, const char *sql)
{
	char *out = NULL;
	if (!db_is_remote(s->db)) {
		sqlite3 *h = NULL;
		sqlite3_stmt *st = NULL;
		if (sqlite3_open_v2(s->db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
		    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			out = strdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		sqlite3_close(h);
		return out;
	}
	PGconn *c = PQconnectdb(s->db);
	PGresult *r = c && PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
	if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
		out = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
	return out;
}

void server_destroy(struct server *s)
{
	server_stop(s);
	/* What the server stores about a plan that it could count from the appointments
	 * (kept for the recall index and for reads) must equal the count, whatever the test
	 * did; -1: no database, or no plans table. */
	int bad = (int)fx_sql_int(s, plans_out_of_step);
	if (bad < 0)
		bad = 0;
	/* Teardowns cannot fail a cmocka run, so the whole test program fails instead. */
	if (bad) {
		fprintf(stderr,
			"harness: %d plan(s) store a progress that their appointments "
			"do not give (database %s)\n",
			bad, s->db);
		exit(1);
	}
	char path[400];
	const char *files[] = {"clinic.db",
			       "clinic.db-wal",
			       "clinic.db-shm",
			       "clinic.db-journal",
			       "clinic.db.audit-head",
			       "clinic.db.audit-head.tmp",
			       "clinic.db.audit-head.mismatch",
			       "server.log",
			       NULL};
	for (int i = 0; files[i]; i++) {
		snprintf(path, sizeof path, "%s/%s", s->dir, files[i]);
		unlink(path);
	}
	if (rmdir(s->dir) != 0 && getenv("HARNESS_VERBOSE"))
		fprintf(stderr, "harness: left %s behind\n", s->dir);
}

/* Stops and removes s; 0 when the server exited with status 0, else -1 (its log is
 * already out, from server_stop). */
static int server_end(struct server *s)
{
	int rc = server_stop(s);
	if (rc != 0)
		fprintf(stderr, "the server exited with status %d\n", rc);
	server_destroy(s);
	return rc == 0 ? 0 : -1;
}

static const struct harness_group *group;

void harness_use_group(const struct harness_group *g)
{
	/* A test that writes to a peer which has already gone (a command that refused its
	 * arguments before reading stdin, a server that closed the connection) gets EPIPE,
	 * not a signal that would end the whole test binary. */
	signal(SIGPIPE, SIG_IGN);
	group = g;
}

int harness_group_setup(void **state)
{
	(void)state;
	const struct harness_group *g = group;
	const char *args[] = {"--tz", g->zone, NULL};
	if (g->zone)
		harness_zone(g->zone);
	server_start(g->srv, g->zone ? args : NULL);
	if (g->admin)
		*g->admin = login(g->srv, "admin", PW_ADMIN);
	if (g->desk)
		*g->desk = login(g->srv, "desk", PW_DESK);
	if (g->prac)
		*g->prac = login(g->srv, "prac", PW_PRAC);
	long long *const ids[] = {g->admin_id, g->desk_id, g->prac_id, g->prac2_id};
	static const char *const names[] = {"admin", "desk", "prac", "prac2"};
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		if (!ids[i])
			continue;
		if (!g->admin) {
			fprintf(stderr, "harness: the users' ids need the admin's session\n");
			abort();
		}
		*ids[i] = fx_user_id(g->srv, *g->admin, names[i]);
	}
	return g->setup ? g->setup() : 0;
}

int harness_group_teardown(void **state)
{
	(void)state;
	const struct harness_group *g = group;
	char **tokens[] = {g->admin, g->desk, g->prac};
	for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
		if (tokens[i]) {
			free(*tokens[i]);
			*tokens[i] = NULL;
		}
	}
	return server_end(g->srv);
}

int harness_own_server(void **state, const char *const *args)
{
	struct server *s = calloc(1, sizeof *s);
	if (!s)
		return -1;
	server_start(s, args);
	*state = s;
	return 0;
}

int harness_own_setup(void **state)
{
	return harness_own_server(state, NULL);
}

int harness_own_teardown(void **state)
{
	struct server *s = *state;
	int rc = server_end(s);
	free(s);
	return rc;
}

size_t harness_collect(char *data, size_t size, size_t nmemb, void *userp)
{
	struct harness_buf *g = userp;
	size_t add = size * nmemb;
	char *q = realloc(g->p, g->n + add + 1);
	if (!q)
		return 0;
	memcpy(q + g->n, data, add);
	g->p = q;
	g->n += add;
	g->p[g->n] = '\0';
	return add;
}

/* True when the NULL-terminated header list names a Content-Type of its own. */
static int has_content_type(const char *const *headers)
{
	for (int i = 0; headers && headers[i]; i++)
		if (strncasecmp(headers[i], "Content-Type:", strlen("Content-Type:")) == 0)
			return 1;
	return 0;
}

/* The request itself; local_ip, when given, is the address the client connects from. */
static struct resp *perform(struct server *s, const char *local_ip, const char *method,
			    const char *path, const char *token, const char *body, size_t body_len,
			    const char *const *extra_headers)
{
	CURL *c = curl_easy_init();
	if (!c)
		die("curl_easy_init");
	char url[1024];
	snprintf(url, sizeof url, "%s%s", s->base, path);
	struct harness_buf b = {NULL, 0}, h = {NULL, 0};
	struct curl_slist *hdrs = NULL;
	char auth[256];
	if (token) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		hdrs = curl_slist_append(hdrs, auth);
	}
	if (body && !has_content_type(extra_headers))
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	for (int i = 0; extra_headers && extra_headers[i]; i++)
		hdrs = curl_slist_append(hdrs, extra_headers[i]);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, harness_collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, harness_collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (s->ca[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, s->ca);
	if (local_ip)
		curl_easy_setopt(c, CURLOPT_INTERFACE, local_ip);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	CURLcode rc = curl_easy_perform(c);
	struct resp *r = calloc(1, sizeof *r);
	if (!r)
		die("calloc");
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	else
		r->status = -1;
	r->body = b.p ? b.p : strdup("");
	r->headers = h.p ? h.p : strdup("");
	r->json = json_loads(r->body, 0, NULL);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	if (getenv("HARNESS_VERBOSE"))
		fprintf(stderr, "%s %s -> %ld %s\n", method, path, r->status, r->body);
	return r;
}

struct resp *req_ex(struct server *s, const char *method, const char *path, const char *token,
		    const char *body, size_t body_len, const char *const *extra_headers)
{
	return perform(s, NULL, method, path, token, body, body_len, extra_headers);
}

struct resp *req_from(struct server *s, const char *local_ip, const char *method, const char *path,
		      const char *token, const char *body)
{
	return perform(s, local_ip, method, path, token, body, body ? strlen(body) : 0, NULL);
}

struct resp *req(struct server *s, const char *method, const char *path, const char *token,
		 const char *body)
{
	return req_ex(s, method, path, token, body, body ? strlen(body) : 0, NULL);
}

struct resp *reqf(struct server *s, const char *method, const char *path, const char *token,
		  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *body = NULL;
	if (vasprintf(&body, fmt, ap) < 0)
		die("vasprintf");
	va_end(ap);
	struct resp *r = req(s, method, path, token, body);
	free(body);
	return r;
}

void resp_free(struct resp *r)
{
	if (!r)
		return;
	free(r->body);
	free(r->headers);
	json_decref(r->json);
	free(r);
}

const char *resp_header(const struct resp *r, const char *name, char *buf, size_t n)
{
	size_t nl = strlen(name);
	const char *p = r->headers;
	while (p && *p) {
		const char *eol = strstr(p, "\r\n");
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			size_t vl = len - (size_t)(v - p);
			if (vl >= n)
				vl = n - 1;
			memcpy(buf, v, vl);
			buf[vl] = '\0';
			return buf;
		}
		p = eol ? eol + 2 : NULL;
	}
	return NULL;
}

const char *resp_error(const struct resp *r)
{
	json_t *e = r->json ? json_object_get(r->json, "error") : NULL;
	const char *code = e ? json_string_value(json_object_get(e, "code")) : NULL;
	return code ? code : "";
}

char *login(struct server *s, const char *username, const char *password)
{
	json_t *b = json_pack("{s:s, s:s}", "username", username, "password", password);
	char *text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	struct resp *r = req(s, "POST", "/api/v1/login", NULL, text);
	free(text);
	const char *tok = r->json ? json_string_value(json_object_get(r->json, "token")) : NULL;
	if (r->status != 200 || !tok) {
		fprintf(stderr, "harness: login %s failed: %ld %s\n", username, r->status, r->body);
		abort();
	}
	char *t = strdup(tok);
	resp_free(r);
	return t;
}

long long jint(const json_t *o, const char *key)
{
	json_t *v = o ? json_object_get(o, key) : NULL;
	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

const char *jstr(const json_t *o, const char *key)
{
	json_t *v = o ? json_object_get(o, key) : NULL;
	return json_is_string(v) ? json_string_value(v) : "";
}

struct resp *reqj(struct server *s, const char *method, const char *path, const char *token,
		  json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (body && !text)
		die("json_dumps");
	struct resp *r = req(s, method, path, token, text);
	free(text);
	return r;
}

char *url_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = malloc(3 * n + 1), *o = out;
	if (!out)
		die("malloc");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

/* ---- Scheduling fixtures ---- */

void harness_zone(const char *zone)
{
	setenv("TZ", zone, 1);
	tzset();
}

time_t fx_time(int day, int hour, int minute)
{
	static struct tm base;
	static int have_base;
	if (!have_base) {
		time_t now = time(NULL);
		localtime_r(&now, &base);
		have_base = 1;
	}
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = base.tm_year;
	tm.tm_mon = base.tm_mon;
	tm.tm_mday = base.tm_mday + day;
	tm.tm_hour = hour;
	tm.tm_min = minute;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

time_t fx_earlier_today(int seconds)
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	tm.tm_hour = 0;
	tm.tm_min = 0;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	time_t midnight = mktime(&tm);
	return now - seconds > midnight ? now - seconds : midnight;
}

void fx_instant(time_t t, char out[32])
{
	struct tm tm;
	char zone[8];
	localtime_r(&t, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	/* %z reads +0100; RFC 3339 wants +01:00. */
	if (strftime(zone, sizeof zone, "%z", &tm) == 5 && n + 7 <= 32) {
		memcpy(out + n, zone, 3);
		out[n + 3] = ':';
		memcpy(out + n + 4, zone + 3, 2);
		out[n + 6] = '\0';
	}
}

void fx_date(time_t t, char out[11])
{
	struct tm tm;
	localtime_r(&t, &tm);
	if (strftime(out, 11, "%Y-%m-%d", &tm) == 0)
		out[0] = '\0';
}

void fx_day(int day, char out[11])
{
	fx_date(fx_time(day, 12, 0), out);
}

long long fx_post_id(struct server *s, const char *path, const char *token, json_t *body)
{
	struct resp *r = reqj(s, "POST", path, token, body);
	long long id = r->status == 201 ? jint(r->json, "id") : -1;
	if (id <= 0) {
		fprintf(stderr, "harness: POST %s failed: %ld %s\n", path, r->status, r->body);
		abort();
	}
	resp_free(r);
	return id;
}

long long fx_user_id(struct server *s, const char *admin_token, const char *username)
{
	struct resp *r = req(s, "GET", "/api/v1/users", admin_token, NULL);
	json_t *items = r->json ? json_object_get(r->json, "items") : NULL;
	size_t i;
	json_t *u;
	long long id = -1;
	json_array_foreach(items, i, u)
	{
		if (strcmp(jstr(u, "username"), username) == 0)
			id = jint(u, "id");
	}
	if (id <= 0) {
		fprintf(stderr, "harness: no user %s: %ld %s\n", username, r->status, r->body);
		abort();
	}
	resp_free(r);
	return id;
}

long long fx_room(struct server *s, const char *admin_token, const char *name)
{
	return fx_post_id(s, "/api/v1/rooms", admin_token, json_pack("{s:s}", "name", name));
}

void fx_daily_hours(struct server *s, const char *admin_token, long long practitioner,
		    const char *const *times)
{
	char path[96];
	json_t *hours = json_array();
	for (int wd = 1; wd <= 7; wd++)
		for (size_t i = 0; times[i] && times[i + 1]; i += 2)
			json_array_append_new(hours,
					      json_pack("{s:i, s:s, s:s}", "weekday", wd, "start",
							times[i], "end", times[i + 1]));
	snprintf(path, sizeof path, "/api/v1/practitioners/%lld/availability", practitioner);
	struct resp *r = reqj(s, "PUT", path, admin_token, json_pack("{s:o}", "hours", hours));
	if (r->status != 200) {
		fprintf(stderr, "harness: PUT %s failed: %ld %s\n", path, r->status, r->body);
		abort();
	}
	resp_free(r);
}

long long fx_practitioner(struct server *s, const char *admin_token, const char *username)
{
	char display[128];
	snprintf(display, sizeof display, "Dr %s", username);
	long long id = fx_post_id(s, "/api/v1/users", admin_token,
				  json_pack("{s:s, s:s, s:s, s:s}", "username", username,
					    "password", "practitioner-pw-1", "role", "practitioner",
					    "display_name", display));
	fx_daily_hours(s, admin_token, id, (const char *const[]){"00:00", "24:00", NULL});
	return id;
}

long long fx_patient(struct server *s, const char *token, const char *first, const char *last,
		     const char *date_of_birth)
{
	return fx_post_id(s, "/api/v1/patients", token,
			  json_pack("{s:s, s:s, s:s}", "first_name", first, "last_name", last,
				    "date_of_birth", date_of_birth));
}

void fx_screen(struct server *s, const char *token, long long patient, const char *body)
{
	char path[96];
	snprintf(path, sizeof path, "/api/v1/patients/%lld/screenings", patient);
	struct resp *r = req(s, "POST", path, token, body);
	if (r->status != 201) {
		fprintf(stderr, "harness: POST %s failed: %ld %s\n", path, r->status, r->body);
		abort();
	}
	resp_free(r);
}

void fx_consent(struct server *s, const char *token, long long patient)
{
	char path[96];
	snprintf(path, sizeof path, "/api/v1/patients/%lld/consents", patient);
	(void)fx_post_id(s, path, token,
			 json_pack("{s:s, s:s, s:s}", "treatment_type", "MN", "form_version",
				   "2024-1", "signed_name", "Patient"));
}

long long fx_plan(struct server *s, const char *token, long long patient, long long practitioner,
		  int planned_sessions)
{
	json_t *b = json_pack("{s:I, s:s, s:s, s:[s], s:I}", "patient_id", (json_int_t)patient,
			      "treatment_type", "MN", "indication", "fine_lines", "areas", "cheeks",
			      "practitioner_id", (json_int_t)practitioner);
	if (planned_sessions > 0)
		json_object_set_new(b, "planned_sessions", json_integer(planned_sessions));
	return fx_post_id(s, "/api/v1/plans", token, b);
}

struct resp *fx_book(struct server *s, const char *token, const struct fx_booking *b)
{
	char start[32], end[32];
	fx_instant(b->start, start);
	json_t *o =
	    json_pack("{s:I, s:s, s:I, s:I, s:s}", "patient_id", (json_int_t)b->patient, "kind",
		      b->kind	? b->kind
		      : b->plan ? "treatment"
				: "consultation",
		      "practitioner_id", (json_int_t)b->practitioner, "room_id",
		      (json_int_t)b->room, "start", start);
	if (b->end) {
		fx_instant(b->end, end);
		json_object_set_new(o, "end", json_string(end));
	}
	if (b->plan)
		json_object_set_new(o, "plan_id", json_integer(b->plan));
	if (b->override_reason)
		json_object_set_new(o, "override_reason", json_string(b->override_reason));
	return reqj(s, "POST", "/api/v1/appointments", token, o);
}

json_t *fx_find(const json_t *arr, const char *key, long long v)
{
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e)
	{
		if (jint(e, key) == v)
			return e;
	}
	return NULL;
}

json_t *fx_warning(const struct resp *r, const char *code)
{
	json_t *arr = r->json ? json_object_get(r->json, "warnings") : NULL;
	size_t i;
	json_t *w;
	json_array_foreach(arr, i, w)
	{
		if (strcmp(jstr(w, "code"), code) == 0)
			return w;
	}
	return NULL;
}

json_t *fx_details(const struct resp *r)
{
	json_t *e = r->json ? json_object_get(r->json, "error") : NULL;
	return e ? json_object_get(e, "details") : NULL;
}

bool fx_has_str(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	}
	return false;
}

int fx_audit_count(struct server *s, const char *admin_token, const char *entity,
		   long long entity_id, const char *action)
{
	return fx_audit_count_detail(s, admin_token, entity, entity_id, action, NULL);
}

int fx_audit_count_detail(struct server *s, const char *admin_token, const char *entity,
			  long long entity_id, const char *action, const char *detail)
{
	char path[256];
	if (entity_id)
		snprintf(path, sizeof path, "/api/v1/audit?entity=%s&entity_id=%lld&limit=500",
			 entity, entity_id);
	else
		snprintf(path, sizeof path, "/api/v1/audit?entity=%s&limit=500", entity);
	struct resp *r = req(s, "GET", path, admin_token, NULL);
	json_t *items = r->json ? json_object_get(r->json, "items") : NULL;
	int n = r->status == 200 ? 0 : -1;
	size_t i;
	json_t *e;
	json_array_foreach(items, i, e)
	{
		if (strcmp(jstr(e, "action"), action) == 0 &&
		    (!detail || strcmp(jstr(e, "detail"), detail) == 0))
			n++;
	}
	resp_free(r);
	return n;
}

long long fx_expect_newest_event(struct server *s, const char *admin_token, const char *entity,
				 const char *action, const char *detail)
{
	char path[256];
	snprintf(path, sizeof path, "/api/v1/audit?entity=%s&limit=1", entity);
	struct resp *r = req(s, "GET", path, admin_token, NULL);
	assert_int_equal(r->status, 200);
	json_t *e = json_array_get(json_object_get(r->json, "items"), 0);
	if (!e || strcmp(jstr(e, "action"), action) != 0 || strcmp(jstr(e, "detail"), detail) != 0)
		print_message("expected %s %s \"%s\": %s\n", entity, action, detail, r->body);
	assert_non_null(e);
	assert_string_equal(jstr(e, "action"), action);
	assert_string_equal(jstr(e, "detail"), detail);
	long long id = jint(e, "entity_id");
	resp_free(r);
	return id > 0 ? id : 0;
}

struct lane fx_lane(struct server *s, const char *admin_token, const char *name)
{
	struct lane l;
	char user[64], room[64];
	snprintf(user, sizeof user, "lane-%s", name);
	l.prac = fx_practitioner(s, admin_token, user);
	snprintf(room, sizeof room, "Room %s", name);
	l.room = fx_room(s, admin_token, room);
	return l;
}

struct fx_booking fx_in_lane(struct lane l, long long patient, long long plan, time_t start)
{
	return (struct fx_booking){.patient = patient,
				   .practitioner = l.prac,
				   .room = l.room,
				   .plan = plan,
				   .start = start};
}

long long fx_screened(struct server *s, const char *desk_token, const char *prac_token,
		      const char *first, const char *last, const char *dob, const char *screening)
{
	long long p = fx_patient(s, desk_token, first, last, dob);
	fx_screen(s, prac_token, p, screening);
	fx_consent(s, prac_token, p);
	return p;
}

long long fx_adult(struct server *s, const char *desk_token, const char *prac_token,
		   const char *first, const char *last, const char *dob)
{
	return fx_screened(s, desk_token, prac_token, first, last, dob, "{\"conditions\":[]}");
}

void fx_expect_error(const struct resp *r, long status, const char *code)
{
	if (r->status != status || strcmp(resp_error(r), code) != 0)
		print_message("unexpected answer: %ld %s\n", r->status, r->body);
	assert_int_equal(r->status, status);
	assert_string_equal(resp_error(r), code);
	json_t *e = json_object_get(r->json, "error");
	assert_true(json_is_string(json_object_get(e, "message")));
	assert_true(json_is_object(json_object_get(e, "details")));
}

long long fx_parse_instant(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	char rest[16] = "";
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%15s", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, rest) != 7)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	long long t = (long long)timegm(&tm);
	if (strcmp(rest, "Z") == 0)
		return t;
	int oh, om;
	if ((rest[0] != '+' && rest[0] != '-') || sscanf(rest + 1, "%2d:%2d", &oh, &om) != 2)
		return -1;
	long long off = oh * 3600LL + om * 60LL;
	return rest[0] == '+' ? t - off : t + off;
}

void fx_expect_date(const json_t *o, const char *key, int day)
{
	char want[11];
	fx_day(day, want);
	assert_string_equal(jstr(o, key), want);
}

void fx_expect_instant(const json_t *o, const char *key, time_t t)
{
	char want[32];
	fx_instant(t, want);
	assert_string_equal(jstr(o, key), want);
}

long long fx_expect_created(const struct resp *r)
{
	if (r->status != 201)
		print_message("unexpected answer: %ld %s\n", r->status, r->body);
	assert_int_equal(r->status, 201);
	long long id = jint(r->json, "id");
	assert_true(id > 0);
	return id;
}

long long fx_created(struct resp *r)
{
	long long id = fx_expect_created(r);
	resp_free(r);
	return id;
}

long long fx_booked(struct server *s, const char *token, const struct fx_booking *b)
{
	return fx_created(fx_book(s, token, b));
}

long long fx_total(struct server *s, const char *token, const char *path)
{
	struct resp *r = req(s, "GET", path, token, NULL);
	assert_int_equal(r->status, 200);
	long long n = jint(r->json, "total");
	resp_free(r);
	return n;
}

long long fx_audit_last(struct server *s, const char *admin_token)
{
	struct resp *r = req(s, "GET", "/api/v1/audit?limit=1", admin_token, NULL);
	assert_int_equal(r->status, 200);
	long long id = jint(json_array_get(json_object_get(r->json, "items"), 0), "id");
	assert_true(id > 0);
	resp_free(r);
	return id;
}

void fx_expect_intact(const char *db)
{
	if (db_is_remote(db)) {
		/* PostgreSQL checks its own pages; the trail is ours to verify. */
		const char *args[] = {"audit", "verify", "--db", db, NULL};
		char *out = NULL;
		assert_int_equal(run_cli(args, NULL, &out), 0);
		assert_non_null(strstr(out, "intact"));
		free(out);
		return;
	}
	sqlite3 *h;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(h);
	const char *args[] = {"audit", "verify", "--db", db, NULL};
	char *out = NULL;
	assert_int_equal(run_cli(args, NULL, &out), 0);
	assert_non_null(strstr(out, "intact"));
	free(out);
}

void fx_expect_status(struct resp *r, long status)
{
	if (r->status != status)
		print_message("unexpected answer: %ld %s\n", r->status, r->body);
	assert_int_equal(r->status, status);
	resp_free(r);
}

/* Asserts that an error answer's details name field. */
static void expect_named_field(const struct resp *r, const char *field)
{
	const char *got = jstr(fx_details(r), "field");
	if (strcmp(got, field) != 0)
		print_message("expected field %s: %ld %s\n", field, r->status, r->body);
	assert_string_equal(got, field);
}

void fx_expect_err(struct resp *r, long status, const char *code, const char *field)
{
	fx_expect_error(r, status, code);
	if (field)
		expect_named_field(r, field);
	resp_free(r);
}

void fx_expect_field(const struct resp *r, const char *field)
{
	fx_expect_error(r, 422, "validation_failed");
	expect_named_field(r, field);
}

void fx_expect_bad(struct server *s, const char *token, const char *method, const char *path,
		   const struct fx_bad *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct fx_bad *b = &rows[i];
		const char *m = b->method ? b->method : method;
		const char *p = b->path ? b->path : path;
		long status = b->status ? b->status : 422;
		const char *code = b->code ? b->code : "validation_failed";
		struct resp *r = req(s, m, p, token, b->body);
		if (r->status != status || strcmp(resp_error(r), code) != 0 ||
		    (b->field && strcmp(jstr(fx_details(r), "field"), b->field) != 0))
			print_message("row %zu: %s %s %s\n", i, m, p,
				      b->body ? b->body : "(no body)");
		fx_expect_err(r, status, code, b->field);
	}
}

/* ---- The SMTP server ---- */

/* Sleeps ms milliseconds between looks at a state the test waits for. */
static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Runs a command (argv[0] found in PATH), its output to /dev/null; true when it exits 0. */
static bool run_quiet(const char *const *argv)
{
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		child_dies_with_test();
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	int status = 0;
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void sink_start(struct smtp_sink *k)
{
	sink_start_with(k, NULL);
}

void sink_start_with(struct smtp_sink *k, const struct sink_options *o)
{
	static const struct sink_options plain;
	if (!o)
		o = &plain;
	memset(k, 0, sizeof *k);
	fx_mkdtemp(k->dir, sizeof k->dir, "/tmp/collagenda-smtp-");
	const char *argv[8] = {"python3", "tests/mail/sink.py", k->dir};
	int argc = 3;
	if (o->tls) {
		/* A throwaway self-signed certificate for 127.0.0.1: its own CA. */
		char key[300];
		snprintf(k->ca, sizeof k->ca, "%s/cert.pem", k->dir);
		snprintf(key, sizeof key, "%s/key.pem", k->dir);
		const char *req[] = {
		    "openssl",	"req",		 "-x509",   "-newkey",
		    "rsa:2048", "-nodes",	 "-keyout", key,
		    "-out",	k->ca,		 "-days",   "1",
		    "-subj",	"/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
		    NULL};
		if (!run_quiet(req))
			die("openssl req (a certificate for the SMTP server)");
		argv[argc++] = strcmp(o->tls, "smtps") == 0 ? "--smtps" : "--starttls";
	}
	if (o->user) {
		char path[300];
		snprintf(path, sizeof path, "%s/password", k->dir);
		FILE *f = fopen(path, "w");
		if (!f || fputs(o->password, f) < 0 || fclose(f) != 0)
			die("sink password");
		argv[argc++] = "--auth";
		argv[argc++] = o->user;
	}
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		child_dies_with_test();
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
		}
		/* Debian's python3 (another one earlier in PATH may not see its modules). */
		execv("/usr/bin/python3", (char *const *)argv);
		_exit(127);
	}
	k->pid = pid;
	char path[300];
	snprintf(path, sizeof path, "%s/port", k->dir);
	for (int i = 0; i < 3000 && !k->port; i++) {
		FILE *f = fopen(path, "r");
		if (f) {
			unsigned p = 0;
			if (fscanf(f, "%u", &p) == 1)
				k->port = p;
			fclose(f);
		}
		int status;
		if (!k->port && waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "harness: the SMTP server exited (python3-aiosmtpd?)\n");
			abort();
		}
		if (!k->port)
			pause_ms(10);
	}
	if (!k->port) {
		fprintf(stderr, "harness: the SMTP server did not start\n");
		abort();
	}
	snprintf(k->url, sizeof k->url, "%s://127.0.0.1:%u",
		 o->tls && strcmp(o->tls, "smtps") == 0 ? "smtps" : "smtp", k->port);
}

void sink_stop(struct smtp_sink *k)
{
	if (k->pid > 0) {
		kill(k->pid, SIGTERM);
		waitpid(k->pid, NULL, 0);
		k->pid = 0;
	}
	if (!k->dir[0] || getenv("HARNESS_KEEP_MAIL"))
		return;
	const char *args[] = {"rm", "-rf", k->dir, NULL};
	pid_t pid = fork();
	if (pid == 0) {
		child_dies_with_test();
		execv("/bin/rm", (char *const *)args);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	k->dir[0] = '\0';
}

void sink_mode(struct smtp_sink *k, const char *mode)
{
	char path[300], tmp[310];
	snprintf(path, sizeof path, "%s/mode", k->dir);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f || fputs(mode, f) < 0 || fclose(f) != 0 || rename(tmp, path) != 0)
		die("sink mode");
}

int sink_count(const struct smtp_sink *k)
{
	int n = 0;
	for (;; n++) {
		char path[300];
		struct stat st;
		snprintf(path, sizeof path, "%s/msg-%d.eml", k->dir, n + 1);
		if (stat(path, &st) != 0)
			return n;
	}
}

bool sink_wait(const struct smtp_sink *k, int n)
{
	for (int i = 0; i < 3000; i++) {
		if (sink_count(k) >= n)
			return true;
		pause_ms(10);
	}
	return false;
}

json_t *sink_messages(const struct smtp_sink *k)
{
	int out_pipe[2];
	if (pipe(out_pipe) != 0)
		die("pipe");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		child_dies_with_test();
		dup2(out_pipe[1], 1);
		close(out_pipe[0]);
		execl("/usr/bin/python3", "python3", "tests/mail/check.py", k->dir, (char *)NULL);
		_exit(127);
	}
	close(out_pipe[1]);
	FILE *f = fdopen(out_pipe[0], "r");
	if (!f)
		die("fdopen");
	json_error_t e;
	json_t *j = json_loadf(f, 0, &e);
	fclose(f);
	int status = 0;
	waitpid(pid, &status, 0);
	if (!j || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "harness: tests/mail/check.py failed (%s)\n", j ? "exit" : e.text);
		abort();
	}
	return j;
}

void fx_clock_set(struct server *s, time_t t)
{
	char when[32];
	fx_instant(t, when);
	fx_expect_status(reqf(s, "POST", "/api/v1/test/clock", NULL, "{\"now\":\"%s\"}", when),
			 200);
}

/* ---- The SMS gateway (tests/mail/sms_gateway.py) ---- */

/* Starts /usr/bin/python3 script DIR with a fresh folder dir (prefix + six characters)
 * and waits for the port it writes to DIR/port; what names it in the messages. */
static void start_script(const char *script, const char *prefix, const char *what, char *dir,
			 size_t dirsz, pid_t *pid_out, unsigned *port_out)
{
	fx_mkdtemp(dir, dirsz, prefix);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
		}
		/* Debian's python3 (another one earlier in PATH may not see its modules). */
		execl("/usr/bin/python3", "python3", script, dir, (char *)NULL);
		_exit(127);
	}
	*pid_out = pid;
	unsigned port = 0;
	char path[300];
	snprintf(path, sizeof path, "%s/port", dir);
	for (int i = 0; i < 3000 && !port; i++) {
		FILE *f = fopen(path, "r");
		if (f) {
			unsigned p = 0;
			if (fscanf(f, "%u", &p) == 1)
				port = p;
			fclose(f);
		}
		int status;
		if (!port && waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "harness: the %s exited\n", what);
			abort();
		}
		if (!port)
			pause_ms(10);
	}
	if (!port) {
		fprintf(stderr, "harness: the %s did not start\n", what);
		abort();
	}
	*port_out = port;
}

/* Stops the script's process and removes its folder (unless HARNESS_KEEP_MAIL is set). */
static void stop_script(pid_t *pid, char *dir)
{
	if (*pid > 0) {
		kill(*pid, SIGTERM);
		waitpid(*pid, NULL, 0);
		*pid = 0;
	}
	if (!dir[0] || getenv("HARNESS_KEEP_MAIL"))
		return;
	const char *args[] = {"rm", "-rf", dir, NULL};
	pid_t rm = fork();
	if (rm == 0) {
		execv("/bin/rm", (char *const *)args);
		_exit(127);
	}
	if (rm > 0)
		waitpid(rm, NULL, 0);
	dir[0] = '\0';
}

/* Writes mode into dir/mode at once (a rename, so that it is never read half-written). */
static void write_mode(const char *dir, const char *mode)
{
	char path[300], tmp[310];
	snprintf(path, sizeof path, "%s/mode", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f || fputs(mode, f) < 0 || fclose(f) != 0 || rename(tmp, path) != 0)
		die("mode file");
}

/* How many files dir/prefix1suffix, dir/prefix2suffix, ... there are. */
static int count_files(const char *dir, const char *prefix, const char *suffix)
{
	int n = 0;
	for (;; n++) {
		char path[300];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s%d%s", dir, prefix, n + 1, suffix);
		if (stat(path, &st) != 0)
			return n;
	}
}

void gw_start(struct sms_gw *g)
{
	memset(g, 0, sizeof *g);
	start_script("tests/mail/sms_gateway.py", "/tmp/collagenda-sms-", "SMS gateway", g->dir,
		     sizeof g->dir, &g->pid, &g->port);
	snprintf(g->url, sizeof g->url, "http://127.0.0.1:%u/send", g->port);
	char path[300];
	snprintf(path, sizeof path, "%s/token", g->dir);
	FILE *f = fopen(path, "w");
	if (!f || fputs("gw-token-1\n", f) < 0 || fclose(f) != 0)
		die("gateway token file");
	snprintf(g->token_file, sizeof g->token_file, "%s", path);
}

void gw_stop(struct sms_gw *g)
{
	stop_script(&g->pid, g->dir);
}

void gw_mode(struct sms_gw *g, const char *mode)
{
	write_mode(g->dir, mode);
}

int gw_count(const struct sms_gw *g)
{
	return count_files(g->dir, "sms-", ".json");
}

int gw_tries(const struct sms_gw *g)
{
	return count_files(g->dir, "tries-", "");
}

json_t *gw_message(const struct sms_gw *g, int n)
{
	char path[300];
	snprintf(path, sizeof path, "%s/sms-%d.json", g->dir, n);
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	if (!j) {
		fprintf(stderr, "harness: %s: %s\n", path, e.text);
		abort();
	}
	return j;
}

bool fx_wait_sql(const struct server *s, const char *sql, long long want)
{
	for (int i = 0; i < 1500; i++) {
		if (fx_sql_int(s, sql) == want)
			return true;
		pause_ms(20);
	}
	return false;
}
