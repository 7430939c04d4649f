/* API test harness: starts the real collagenda binary on 127.0.0.1 with a fresh
 * database and talks to it over HTTP with libcurl. */
#ifndef COLLAGENDA_TESTS_HARNESS_H
#define COLLAGENDA_TESTS_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The seeded users' passwords (users "admin", "desk", "prac" and "prac2"). */
#define PW_ADMIN "admin-password-1"
#define PW_DESK "desk-password-1"
#define PW_PRAC "prac-password-1"

struct server {
	pid_t pid;
	unsigned port;
	char dir[256];  /* a fresh temporary directory */
	char db[300];   /* the database file inside it */
	char log[300];  /* the server's standard error */
	char base[64];  /* "http://127.0.0.1:PORT" */
};

/* Path of the binary under test (COLLAGENDA_BIN, else build/collagenda). */
const char *harness_bin(void);

/* Creates a temporary directory and database with users admin (admin), desk
 * (front_desk), prac and prac2 (practitioner), then starts the server on port 0 with
 * extra arguments (NULL-terminated, may be NULL). Aborts the test on failure. */
void server_start(struct server *s, const char *const *extra_args);
/* Starts again on the same directory and database (after server_stop). */
void server_restart(struct server *s, const char *const *extra_args);
/* Sends SIGTERM and waits; returns the exit status (0 expected). */
int server_stop(struct server *s);
/* server_stop and removes the directory. */
void server_destroy(struct server *s);

struct resp {
	long status;
	char *body;     /* NUL-terminated */
	json_t *json;   /* parsed body, or NULL */
	char *headers;  /* raw response headers */
};
void resp_free(struct resp *r);
/* A response header's value (case-insensitive name), copied into buf; NULL if absent. */
const char *resp_header(const struct resp *r, const char *name, char *buf, size_t n);
/* The error code string of an error body, or "" */
const char *resp_error(const struct resp *r);

/*
 * Sends a request. token may be NULL (no Authorization). body may be NULL; when given it
 * goes with Content-Type: application/json. extra_headers is NULL or a NULL-terminated
 * list of "Name: value" strings (they can override Content-Type).
 */
struct resp *req(struct server *s, const char *method, const char *path, const char *token,
		 const char *body);
struct resp *req_ex(struct server *s, const char *method, const char *path, const char *token,
		    const char *body, size_t body_len, const char *const *extra_headers);
/* Like req, with the body built by printf-style formatting. */
struct resp *reqf(struct server *s, const char *method, const char *path, const char *token,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Logs in and returns the bearer token (caller frees); aborts the test on failure. */
char *login(struct server *s, const char *username, const char *password);

/* Runs the binary with args (NULL-terminated, not including the binary), feeding
 * stdin_text (may be NULL); returns the exit code and, if out is non-NULL, standard
 * output (caller frees). */
int run_cli(const char *const *args, const char *stdin_text, char **out);

/* Integer field of a JSON object, or -1. */
long long jint(const json_t *o, const char *key);
/* String field of a JSON object, or "". */
const char *jstr(const json_t *o, const char *key);

#endif
