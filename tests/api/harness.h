/* API test harness: starts the real collagenda binary on 127.0.0.1 with a fresh
 * database and talks to it over HTTP with libcurl. */
#ifndef COLLAGENDA_TESTS_HARNESS_H
#define COLLAGENDA_TESTS_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/* The seeded users' passwords (users "admin", "desk", "prac" and "prac2"). */
#define PW_ADMIN "admin-password-1"
#define PW_DESK	 "desk-password-1"
#define PW_PRAC	 "prac-password-1"

struct server {
	pid_t pid;
	unsigned port;
	char dir[256]; /* a fresh temporary directory */
	char db[300];  /* the database file inside it */
	char log[300]; /* the server's standard error */
	char base[64]; /* "http://127.0.0.1:PORT" or "https://..." */
	char ca[300];  /* a CA file for https (the server's self-signed certificate), or "" */
};

/* When >= 0, servers started from now on run as this user and group id (root only). */
extern int harness_run_as;

/* Makes a fresh directory named prefix + six random characters into dir (n bytes);
 * aborts on failure. */
void fx_mkdtemp(char *dir, size_t n, const char *prefix);

/* Path of the binary under test (COLLAGENDA_BIN, else build/collagenda). */
const char *harness_bin(void);
/* The same program with the power-cut model of tests/vfs (COLLAGENDA_TESTVFS_BIN, else
 * build/tests/collagenda-testvfs). */
const char *harness_testvfs_bin(void);
/* The PostgreSQL cluster the API tests run on (COLLAGENDA_TEST_PG, a postgresql:// URI
 * without a database name), or NULL: SQLite files. On PostgreSQL each server gets a
 * database of its own and struct server's db holds its connection string. */
const char *harness_pg(void);
/* Creates the database name on the cluster at base (a URI without a database name) and
 * writes its connection string into out; aborts when it fails. */
void harness_pg_create(const char *base, const char *name, char *out, size_t n);
/* The single integer a query answers on the server's database (either kind), or -1. */
long long fx_sql_int(const struct server *s, const char *sql);
/* The single text value a query answers (caller frees), or NULL. */
char *fx_sql_text(const struct server *s, const char *sql);
/* Runs sql on the server's database as someone with it in hand would: one statement
 * with ?1 bound to the text p1, or, with p1 NULL, any number of statements. The rows
 * the (last) statement changed, or -1 when it fails. */
long long fx_sql_exec(const struct server *s, const char *sql, const char *p1);
/* When set, servers started from now on run this binary instead of harness_bin(). */
extern const char *harness_server_bin;

/* Creates a temporary directory and database with users admin (admin), desk
 * (front_desk), prac and prac2 (practitioner), then starts the server on port 0 with
 * extra arguments (NULL-terminated, may be NULL). Aborts the test on failure. */
void server_start(struct server *s, const char *const *extra_args);
/* The same on the database db (an SQLite path or a PostgreSQL connection string) that
 * the caller provides. */
void server_start_on(struct server *s, const char *db, const char *const *extra_args);
/* Starts the server on a database that has its users already (no init, no user add). */
void server_attach(struct server *s, const char *db, const char *const *extra_args);
/* Starts again on the same directory and database (after server_stop). */
void server_restart(struct server *s, const char *const *extra_args);
/* The same, answering false (and leaving no process) when the server exits before it
 * listens: a database it cannot open, say. */
bool server_try_restart(struct server *s, const char *const *extra_args);
/* Sends SIGTERM and waits; returns the exit status (0 expected). */
int server_stop(struct server *s);
/* Copies the server's standard error (its log) to ours, to explain a failure. */
void server_dump_log(const struct server *s);
/* server_stop and removes the directory. */
void server_destroy(struct server *s);

struct resp {
	long status;
	char *body;    /* NUL-terminated */
	json_t *json;  /* parsed body, or NULL */
	char *headers; /* raw response headers */
};
void resp_free(struct resp *r);
/* A response header's value (case-insensitive name), copied into buf; NULL if absent. */
const char *resp_header(const struct resp *r, const char *name, char *buf, size_t n);
/* The error code string of an error body, or "" */
const char *resp_error(const struct resp *r);
/* A growing NUL-terminated buffer, and the libcurl write function that appends to the
 * one its userp points at: for tests that drive a curl handle of their own. */
struct harness_buf {
	char *p;
	size_t n;
};
size_t harness_collect(char *data, size_t size, size_t nmemb, void *userp);

/*
 * Sends a request. token may be NULL (no Authorization). body may be NULL; when given it
 * goes with Content-Type: application/json. extra_headers is NULL or a NULL-terminated
 * list of "Name: value" strings; a Content-Type among them replaces the JSON one.
 */
struct resp *req(struct server *s, const char *method, const char *path, const char *token,
		 const char *body);
struct resp *req_ex(struct server *s, const char *method, const char *path, const char *token,
		    const char *body, size_t body_len, const char *const *extra_headers);
/* Like req, connecting from local_ip (another loopback address such as "127.0.0.2"), so
 * that the server sees a different client address. */
struct resp *req_from(struct server *s, const char *local_ip, const char *method, const char *path,
		      const char *token, const char *body);
/* Like req, with the body built by printf-style formatting. */
struct resp *reqf(struct server *s, const char *method, const char *path, const char *token,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Logs in and returns the bearer token (caller frees); aborts the test on failure. */
char *login(struct server *s, const char *username, const char *password);

/* ---- One server for a test file: cmocka group and per-test fixtures ---- */

/* What harness_group_setup starts for a file's tests and where it leaves what it made;
 * a NULL field is not wanted. */
struct harness_group {
	struct server *srv;
	/* The clinic's time zone, set for this process (harness_zone) and passed to the
	 * server (--tz); NULL: neither. */
	const char *zone;
	/* Bearer tokens of the seeded admin, desk and prac, logged in in that order; the
	 * teardown frees them. */
	char **admin, **desk, **prac;
	/* The seeded users' ids, looked up with the admin's token (admin must be wanted). */
	long long *admin_id, *desk_id, *prac_id, *prac2_id;
	/* The file's own setup, run last; a non-zero answer fails the group. */
	int (*setup)(void);
};

/* Names the group that harness_group_setup and harness_group_teardown serve. */
void harness_use_group(const struct harness_group *g);
/* Starts the server of the group named by harness_use_group on a fresh database, logs the
 * wanted users in, looks their ids up and runs the group's setup. */
int harness_group_setup(void **state);
/* Frees the tokens and stops the server; fails when its exit status is not 0. */
int harness_group_teardown(void **state);
/* Runs a cmocka group of tests around the server that g describes. */
#define harness_run_group(name, tests, g) \
	(harness_use_group(g),            \
	 cmocka_run_group_tests_name(name, tests, harness_group_setup, harness_group_teardown))

/* A test's own server in *state, for cmocka_unit_test_setup_teardown: harness_own_setup
 * starts one (harness_own_server: with extra arguments, NULL-terminated);
 * harness_own_teardown stops it, fails when its exit status is not 0, and frees it. */
int harness_own_server(void **state, const char *const *args);
int harness_own_setup(void **state);
int harness_own_teardown(void **state);

/* Runs the binary with args (NULL-terminated, not including the binary), feeding
 * stdin_text (may be NULL); returns the exit code and, if out is non-NULL, standard
 * output (caller frees). */
int run_cli(const char *const *args, const char *stdin_text, char **out);

/* Integer field of a JSON object, or -1. */
long long jint(const json_t *o, const char *key);
/* String field of a JSON object, or "". */
const char *jstr(const json_t *o, const char *key);

/* Like req, with the body given as JSON (the reference is taken; may be NULL). */
struct resp *reqj(struct server *s, const char *method, const char *path, const char *token,
		  json_t *body);

/* s percent-encoded for a query string (unreserved characters kept); caller frees. */
char *url_encode(const char *s);

/* ---- Scheduling fixtures: the clinic's local time, patients, plans and bookings. ---- */

/* Sets this process's time zone to zone, so that fx_time and fx_instant speak the
 * same clinic-local time as a server started with --tz zone. */
void harness_zone(const char *zone);
/* The instant of hour:minute local time, day days after the local date of the first
 * call (negative: before). */
time_t fx_time(int day, int hour, int minute);
/* seconds before now, but never before the start of today, clinic-local: a time in the
 * past that a booking may still take. */
time_t fx_earlier_today(int seconds);
/* t as RFC 3339 local time with an explicit offset ("2027-03-01T10:00:00+01:00"). */
void fx_instant(time_t t, char out[32]);
/* The local date of t as YYYY-MM-DD. */
void fx_date(time_t t, char out[11]);
/* The local date day days after the base date, as YYYY-MM-DD. */
void fx_day(int day, char out[11]);

/* Sends a creating request (body as JSON; the reference is taken) and returns the new
 * row's "id"; aborts when the answer is not 201. */
long long fx_post_id(struct server *s, const char *path, const char *token, json_t *body);
/* Finds a user's id by username (admin token); aborts when absent. */
long long fx_user_id(struct server *s, const char *admin_token, const char *username);
/* Creates a room named name (admin token). */
long long fx_room(struct server *s, const char *admin_token, const char *name);
/* Creates a practitioner (username, display name "Dr " username) who works every day
 * 00:00-24:00 (admin token). */
/* The same working hours every day of the week: times holds "HH:MM" start and end pairs,
 * then NULL. */
void fx_daily_hours(struct server *s, const char *admin_token, long long practitioner,
		    const char *const *times);
long long fx_practitioner(struct server *s, const char *admin_token, const char *username);
/* Registers a patient. */
long long fx_patient(struct server *s, const char *token, const char *first, const char *last,
		     const char *date_of_birth);
/* Records a screening; body is its JSON text ({"conditions":[...]}); aborts unless 201. */
void fx_screen(struct server *s, const char *token, long long patient, const char *body);
/* Records a consent for treatment type MN. */
void fx_consent(struct server *s, const char *token, long long patient);
/* Creates an MN plan for fine lines on the cheeks with planned_sessions (0: default). */
long long fx_plan(struct server *s, const char *token, long long patient, long long practitioner,
		  int planned_sessions);

/* A booking request. */
struct fx_booking {
	long long patient;
	long long practitioner;
	long long room;
	long long plan;	  /* 0: none */
	const char *kind; /* NULL: "treatment" with a plan, else "consultation" */
	time_t start;
	time_t end;		     /* 0: the server's default length */
	const char *override_reason; /* NULL: absent */
};
/* POST /api/v1/appointments with b. */
struct resp *fx_book(struct server *s, const char *token, const struct fx_booking *b);
/* The element of array arr whose integer key equals v, or NULL. */
json_t *fx_find(const json_t *arr, const char *key, long long v);
/* The warning with this code in a reply's warnings[], or NULL. */
json_t *fx_warning(const struct resp *r, const char *code);
/* error.details of an error reply, or NULL. */
json_t *fx_details(const struct resp *r);
/* True when a JSON array holds the string s. */
bool fx_has_str(const json_t *arr, const char *s);
/* How many audit events match entity, entity_id (0: any) and action (admin token). */
int fx_audit_count(struct server *s, const char *admin_token, const char *entity,
		   long long entity_id, const char *action);
/* The same, counting only the events whose detail is detail. */
int fx_audit_count_detail(struct server *s, const char *admin_token, const char *entity,
			  long long entity_id, const char *action, const char *detail);

/* Asserts that the newest audit event of entity has action and detail (admin token);
 * returns its entity_id, 0 when it has none. */
long long fx_expect_newest_event(struct server *s, const char *admin_token, const char *entity,
				 const char *action, const char *detail);

/* A practitioner who works around the clock and a room, both a test's own (named after
 * name), so that no test's bookings collide with another's. */
struct lane {
	long long prac;
	long long room;
};
struct lane fx_lane(struct server *s, const char *admin_token, const char *name);

/* A booking for patient in lane l at start, of the server's default length: a treatment
 * of plan, or a consultation when plan is 0. */
struct fx_booking fx_in_lane(struct lane l, long long patient, long long plan, time_t start);

/* A patient born on dob with a screening (its JSON text, as fx_screen) and an MN consent;
 * fx_adult: with a clean screening. */
long long fx_screened(struct server *s, const char *desk_token, const char *prac_token,
		      const char *first, const char *last, const char *dob, const char *screening);
long long fx_adult(struct server *s, const char *desk_token, const char *prac_token,
		   const char *first, const char *last, const char *dob);

/* Asserts an error answer: its status, its code and the shape every error has. */
void fx_expect_error(const struct resp *r, long status, const char *code);

/* Unix seconds of an RFC 3339 time with an offset ("Z" or +HH:MM); -1 when malformed. */
long long fx_parse_instant(const char *s);
/* Asserts that o's key holds the local date day days after the base date (as fx_day). */
void fx_expect_date(const json_t *o, const char *key, int day);
/* Asserts that o's key holds t as fx_instant writes it. */
void fx_expect_instant(const json_t *o, const char *key, time_t t);

/* Asserts a 201 answer with a positive "id" (printing the answer otherwise); returns the
 * id. fx_created does the same and frees r. */
long long fx_expect_created(const struct resp *r);
long long fx_created(struct resp *r);
/* Books b (fx_book) and expects 201; returns the appointment's id. */
long long fx_booked(struct server *s, const char *token, const struct fx_booking *b);
/* The "total" of a listing at path, which must answer 200. */
long long fx_total(struct server *s, const char *token, const char *path);
/* The id of the newest audit event (admin token). */
long long fx_audit_last(struct server *s, const char *admin_token);

/* Asserts that the database file at db passes SQLite's integrity check and that
 * `collagenda audit verify` finds its trail intact. */
void fx_expect_intact(const char *db);

/* Asserts r's status (printing the answer when it differs) and frees r. */
void fx_expect_status(struct resp *r, long status);
/* Asserts an error answer as fx_expect_error does and, when field is not NULL, the field
 * its details name; frees r. */
void fx_expect_err(struct resp *r, long status, const char *code, const char *field);
/* Asserts a 422 validation_failed answer whose details name field. */
void fx_expect_field(const struct resp *r, const char *field);

/* A request the server must refuse, and how. */
struct fx_bad {
	const char *body;   /* JSON text; NULL: no body */
	const char *field;  /* the field the error's details name; NULL: not checked */
	long status;	    /* 0: 422 */
	const char *code;   /* NULL: "validation_failed" */
	const char *method; /* NULL: the one fx_expect_bad is given */
	const char *path;   /* NULL: the one fx_expect_bad is given */
};
/* Sends each of the n rows with token, to method and path unless the row names its own,
 * and asserts its refusal with fx_expect_err; a failing row is printed with its number. */
void fx_expect_bad(struct server *s, const char *token, const char *method, const char *path,
		   const struct fx_bad *rows, size_t n);
/* A row refused with 422 validation_failed whose details name field f. */
#define FX_FIELD(b, f)                    \
	{                                 \
		.body = (b), .field = (f) \
	}
/* A row refused with status s and code c, whatever field it names. */
#define FX_ERR(b, s, c)                                 \
	{                                               \
		.body = (b), .status = (s), .code = (c) \
	}
/* An array of rows and its length, for fx_expect_bad. */
#define FX_ROWS(rows) (rows), sizeof(rows) / sizeof((rows)[0])

/* ---- A real SMTP server (Debian's aiosmtpd, tests/mail/sink.py) ---- */

struct smtp_sink {
	pid_t pid;
	unsigned port;
	char dir[256]; /* where each message taken is saved as msg-N.eml */
	char url[64];  /* "smtp://127.0.0.1:PORT", or "smtps://..." */
	char ca[300];  /* with TLS: its self-signed certificate, the CA to trust; else "" */
};
/* Starts the server on a free port of 127.0.0.1 with a fresh folder, in the clear and
 * without login; aborts on failure. */
void sink_start(struct smtp_sink *k);
/* How sink_start_with's server speaks. */
struct sink_options {
	const char *tls;      /* NULL: in the clear; "starttls" (required) or "smtps" */
	const char *user;     /* NULL: no login; else AUTH (over TLS) required as user... */
	const char *password; /* ...with this password; other credentials get 535 */
};
/* The same with TLS (a certificate made for 127.0.0.1 with the openssl command, in ca)
 * and login as o says; o NULL: as sink_start. */
void sink_start_with(struct smtp_sink *k, const struct sink_options *o);
/* Stops it and removes its folder. */
void sink_stop(struct smtp_sink *k);
/* How it answers from now on: "ok", "4xx", "5xx" or "drop" (see tests/mail/sink.py). */
void sink_mode(struct smtp_sink *k, const char *mode);
/* How many messages it has taken. */
int sink_count(const struct smtp_sink *k);
/* Waits until it has taken at least n messages (true), or 30 s have passed (false). */
bool sink_wait(const struct smtp_sink *k, int n);
/* The messages taken, parsed by tests/mail/check.py ({"messages": [...]}); caller
 * decrefs. Aborts when the checker fails. */
json_t *sink_messages(const struct smtp_sink *k);

/* ---- A local SMS gateway (tests/mail/sms_gateway.py): the JSON preset ---- */

struct sms_gw {
	pid_t pid;
	unsigned port;
	char dir[256];	      /* where each accepted message is saved as sms-N.json */
	char url[64];	      /* "http://127.0.0.1:PORT/send", for --sms-url */
	char token_file[300]; /* a token file for --sms-token-file */
};
/* Starts the gateway on a free port of 127.0.0.1 with a fresh folder; aborts on failure. */
void gw_start(struct sms_gw *g);
/* Stops it and removes its folder. */
void gw_stop(struct sms_gw *g);
/* How it answers from now on: "ok", "fail" (500) or "hang" (no answer). */
void gw_mode(struct sms_gw *g, const char *mode);
/* How many messages it has accepted, and how many requests it has had in all. */
int gw_count(const struct sms_gw *g);
int gw_tries(const struct sms_gw *g);
/* The n-th accepted message (1-based): {"body": {"to", "text", ...}, "authorization"};
 * caller decrefs. */
json_t *gw_message(const struct sms_gw *g, int n);

/* Moves the clock of s (started with --test-clock) to t, Unix seconds; the test fails
 * unless the server takes it. From there the server's clock runs on. */
void fx_clock_set(struct server *s, time_t t);

/* Waits until the SQL query's integer answer on s's database is want (true), or 30 s
 * have passed (false): for state the server reaches on its own (a message sent). */
bool fx_wait_sql(const struct server *s, const char *sql, long long want);

#endif
