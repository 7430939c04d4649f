/* The HTTP layer as a client sees it: the error body, 404/405/413/415/400, the headers
 * every answer carries, public and protected routes, keep-alive, and that a malformed
 * request changes nothing (README, "Answers"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "harness.h"

#define MIB (1024 * 1024)

static struct server srv;
static char *admin_tok, *desk_tok;

/* Sent many times: confirmed as new, so that no answer depends on the ones before. */
static const char patient_body[] = "{\"first_name\":\"Lena\",\"last_name\":\"Okafor\","
				   "\"date_of_birth\":\"1990-02-03\",\"confirm_new\":true}";

/* Patient 1 exists, so that /patients/1 names a real record. */
static int add_patient_1(void)
{
	struct resp *r = req(&srv, "POST", "/api/v1/patients", desk_tok, patient_body);
	int ok = r->status == 201 && jint(r->json, "id") == 1;
	resp_free(r);
	return ok ? 0 : -1;
}

static const struct harness_group group = {
    .srv = &srv,
    .admin = &admin_tok,
    .desk = &desk_tok,
    .setup = add_patient_1,
};

/* Asserts the API's error body: exactly {"error":{"code","message","details"}}. */
static void assert_error(const struct resp *r, long status, const char *code)
{
	if (r->status != status || strcmp(resp_error(r), code) != 0)
		fprintf(stderr, "expected %ld %s, got %ld %s\n", status, code, r->status, r->body);
	assert_int_equal(r->status, status);
	assert_true(json_is_object(r->json));
	assert_int_equal(json_object_size(r->json), 1);
	json_t *e = json_object_get(r->json, "error");
	assert_true(json_is_object(e));
	assert_int_equal(json_object_size(e), 3);
	assert_string_equal(jstr(e, "code"), code);
	assert_true(strlen(jstr(e, "message")) > 0);
	assert_true(json_is_object(json_object_get(e, "details")));
}

/* Asserts the headers every answer carries. */
static void assert_common_headers(const struct resp *r)
{
	char v[256];
	assert_non_null(resp_header(r, "Content-Type", v, sizeof v));
	assert_true(strncmp(v, "application/json", 16) == 0);
	assert_non_null(resp_header(r, "X-Content-Type-Options", v, sizeof v));
	assert_string_equal(v, "nosniff");
	assert_non_null(resp_header(r, "Cache-Control", v, sizeof v));
	assert_string_equal(v, "no-store");
}

/* Opens a fresh connection to the server and sends request on it; returns the socket. */
static int raw_send(const char *request)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)srv.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	size_t len = strlen(request);
	assert_int_equal(send(fd, request, len, MSG_NOSIGNAL), (ssize_t)len);
	return fd;
}

/* Sends raw bytes on a fresh connection and returns what comes back within timeout_ms
 * (caller frees); *elapsed_ms is how long the answer took. */
static char *raw_exchange(const char *request, int timeout_ms, double *elapsed_ms)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int fd = raw_send(request);
	char *buf = calloc(1, 65536);
	assert_non_null(buf);
	size_t got = 0;
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, timeout_ms) <= 0)
			break;
		ssize_t n = recv(fd, buf + got, 65535 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		/* Enough once the headers and a JSON body have arrived. */
		char *hdr_end = strstr(buf, "\r\n\r\n");
		if (hdr_end && strchr(hdr_end, '}'))
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*elapsed_ms =
	    (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	close(fd);
	return buf;
}

static void unknown_paths_are_json_404(void **state)
{
	(void)state;
	static const char *const paths[] = {
	    "/api/v1/nope",
	    "/api/v2/patients",
	    "/api/v1",
	    "/api/",
	    "/api/v1/patients/abc",
	    "/api/v1/patients/01",
	    "/api/v1/patients/",
	    "/api/v1//patients",
	    "/api/v1/patients/1/nothing-here",
	    "/api/v1/patients/-1",
	    "/api/v1/patients/99999999999999999999",
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct resp *r = req(&srv, "GET", paths[i], admin_tok, NULL);
		assert_error(r, 404, "not_found");
		assert_common_headers(r);
		resp_free(r);
	}
	/* A record that does not exist answers the same way. */
	struct resp *r = req(&srv, "GET", "/api/v1/patients/424242", admin_tok, NULL);
	assert_error(r, 404, "not_found");
	resp_free(r);
}

/* A query string of n parameters "pK=K" after path (caller frees). */
static char *with_params(const char *path, int n)
{
	size_t cap = strlen(path) + 16 * (size_t)n + 2;
	char *out = malloc(cap);
	assert_non_null(out);
	size_t o = (size_t)snprintf(out, cap, "%s", path);
	for (int i = 0; i < n; i++)
		o += (size_t)snprintf(out + o, cap - o, "%cp%d=%d", i ? '&' : '?', i, i);
	return out;
}

/* Sends raw bytes on a fresh connection and reads until the server closes it, or
 * timeout_ms without a byte; *closed says which (caller frees the answer). */
static char *raw_until_closed(const char *request, int timeout_ms, bool *closed)
{
	int fd = raw_send(request);
	char *buf = calloc(1, 65536);
	assert_non_null(buf);
	size_t got = 0;
	*closed = false;
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, timeout_ms) <= 0)
			break;
		ssize_t n = recv(fd, buf + got, 65535 - got, 0);
		if (n <= 0) {
			*closed = true;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	return buf;
}

/* Paths that try to smuggle a NUL or a separator past the router, and query strings of
 * more parameters than any endpoint takes. */
static void hostile_paths_and_query_floods(void **state)
{
	(void)state;
	static const char *const nul[] = {
	    "/api/v1/patients/1%00",
	    "/index.html%00.js",
	    "/api/v1/pa%00tients/1",
	    "/api/v1/health%00",
	    "/%00",
	};
	for (size_t i = 0; i < sizeof nul / sizeof nul[0]; i++) {
		struct resp *r = req(&srv, "GET", nul[i], admin_tok, NULL);
		assert_error(r, 400, "bad_request");
		assert_common_headers(r);
		resp_free(r);
	}
	/* An encoded slash is part of a segment, never a separator. */
	static const char *const slash[] = {
	    "/api%2fv1%2fhealth",
	    "/api%2Fv1%2Fhealth",
	    "/api/v1%2fhealth",
	    "/api/v1/patients%2f1",
	};
	for (size_t i = 0; i < sizeof slash / sizeof slash[0]; i++) {
		struct resp *r = req(&srv, "GET", slash[i], admin_tok, NULL);
		assert_error(r, 404, "not_found");
		resp_free(r);
	}
	fx_expect_status(req(&srv, "GET", "/api/v1/health", NULL, NULL), 200);

	/* 64 parameters are fine; 65 are answered 431 at once, before any route or session. */
	char *ok = with_params("/api/v1/health", 64);
	fx_expect_status(req(&srv, "GET", ok, NULL, NULL), 200);
	free(ok);
	const char *const flooded[] = {"/api/v1/health", "/api/v1/patients", "/nothing-here"};
	for (size_t i = 0; i < sizeof flooded / sizeof flooded[0]; i++) {
		char *many = with_params(flooded[i], i == 0 ? 65 : 500);
		struct resp *r = req(&srv, "GET", many, i == 1 ? admin_tok : NULL, NULL);
		assert_error(r, 431, "head_too_large");
		assert_int_equal(jint(fx_details(r), "limit"), 64);
		resp_free(r);
		free(many);
	}
	/* Over one kept-alive connection: the answer comes and the connection is closed. */
	char *many = with_params("/api/v1/health", 65);
	char request[2048];
	snprintf(request, sizeof request,
		 "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n", many);
	free(many);
	bool closed;
	char *answer = raw_until_closed(request, 10000, &closed);
	assert_true(closed);
	assert_non_null(strstr(answer, "HTTP/1.1 431"));
	assert_non_null(strstr(answer, "head_too_large"));
	assert_true(strcasestr(answer, "Connection: close") != NULL);
	free(answer);
	/* The server goes on serving. */
	fx_expect_status(req(&srv, "GET", "/api/v1/health", NULL, NULL), 200);
	fx_expect_status(req(&srv, "GET", "/api/v1/patients/1", admin_tok, NULL), 200);
}

static void wrong_method_is_405_with_allow(void **state)
{
	(void)state;
	struct resp *r = req(&srv, "DELETE", "/api/v1/patients/1", admin_tok, NULL);
	assert_error(r, 405, "method_not_allowed");
	assert_common_headers(r);
	char allow[128];
	assert_non_null(resp_header(r, "Allow", allow, sizeof allow));
	assert_non_null(strstr(allow, "GET"));
	assert_non_null(strstr(allow, "PATCH"));
	assert_null(strstr(allow, "DELETE"));
	resp_free(r);

	r = req(&srv, "PUT", "/api/v1/patients", admin_tok, patient_body);
	assert_error(r, 405, "method_not_allowed");
	assert_non_null(resp_header(r, "Allow", allow, sizeof allow));
	assert_non_null(strstr(allow, "GET"));
	assert_non_null(strstr(allow, "POST"));
	resp_free(r);

	r = req(&srv, "GET", "/api/v1/login", NULL, NULL);
	assert_error(r, 405, "method_not_allowed");
	assert_non_null(resp_header(r, "Allow", allow, sizeof allow));
	assert_string_equal(allow, "POST");
	resp_free(r);

	/* The patient is still there. */
	fx_expect_status(req(&srv, "GET", "/api/v1/patients/1", admin_tok, NULL), 200);
}

static void nothing_is_ever_deleted(void **state)
{
	(void)state;
	static const char *const paths[] = {
	    "/api/v1/patients",
	    "/api/v1/patients/1",
	    "/api/v1/patients/1/archive",
	    "/api/v1/patients/1/screenings",
	    "/api/v1/patients/1/consents",
	    "/api/v1/patients/1/plans",
	    "/api/v1/users",
	    "/api/v1/users/2",
	    "/api/v1/rooms",
	    "/api/v1/rooms/1",
	    "/api/v1/practitioners/3/availability",
	    "/api/v1/practitioners/3/time-off",
	    "/api/v1/plans",
	    "/api/v1/plans/1",
	    "/api/v1/appointments",
	    "/api/v1/appointments/1",
	    "/api/v1/appointments/1/session",
	    "/api/v1/appointments/1/session/addenda",
	    "/api/v1/audit",
	    "/api/v1/me",
	    "/api/v1/login",
	    "/api/v1/logout",
	    "/api/v1/health",
	};
	long long before = fx_total(&srv, admin_tok, "/api/v1/patients");
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct resp *r = req(&srv, "DELETE", paths[i], admin_tok, NULL);
		if (r->status != 404 && r->status != 405)
			fprintf(stderr, "DELETE %s -> %ld\n", paths[i], r->status);
		assert_true(r->status == 404 || r->status == 405);
		char allow[128];
		if (r->status == 405) {
			assert_error(r, 405, "method_not_allowed");
			assert_non_null(resp_header(r, "Allow", allow, sizeof allow));
			assert_null(strstr(allow, "DELETE"));
		} else {
			assert_error(r, 404, "not_found");
		}
		resp_free(r);
	}
	assert_int_equal(fx_total(&srv, admin_tok, "/api/v1/patients"), before);
	/* Still logged in: DELETE /me or /logout did not end the session. */
	fx_expect_status(req(&srv, "GET", "/api/v1/me", admin_tok, NULL), 200);
}

/*
 * POSTs a patient body the server refuses part-way. The server closes once it has
 * answered, with the rest of the body unread, and the kernel then resets the connection:
 * a client still sending may meet the reset before it reads the answer (libmicrohttpd has
 * no lingering close). So a try that ends in a transport error is made again; an answer,
 * when one arrives, is the one checked.
 */
static struct resp *post_refused_body(const char *body, size_t n, const char *const *headers)
{
	struct resp *r = NULL;
	for (int tries = 0; tries < 5; tries++) {
		resp_free(r);
		r = req_ex(&srv, "POST", "/api/v1/patients", desk_tok, body, n, headers);
		if (r->status != -1)
			break;
	}
	return r;
}

static void declared_oversized_body_is_refused_before_reading(void **state)
{
	(void)state;
	char request[512];
	snprintf(request, sizeof request,
		 "POST /api/v1/patients HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		 "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
		 "Content-Length: %d\r\n\r\n",
		 desk_tok, MIB + 1);
	/* Not one byte of the body is sent: only a decision made from the header can answer. */
	double ms = 0;
	char *answer = raw_exchange(request, 5000, &ms);
	assert_true(strncmp(answer, "HTTP/1.1 413", 12) == 0);
	assert_true(ms < 4000);
	const char *body = strstr(answer, "\r\n\r\n");
	assert_non_null(body);
	json_t *j = json_loads(body + 4, 0, NULL);
	assert_non_null(j);
	assert_string_equal(jstr(json_object_get(j, "error"), "code"), "too_large");
	assert_true(json_is_object(json_object_get(json_object_get(j, "error"), "details")));
	json_decref(j);
	assert_non_null(strcasestr(answer, "X-Content-Type-Options: nosniff"));
	assert_non_null(strcasestr(answer, "Cache-Control: no-store"));
	assert_non_null(strcasestr(answer, "Content-Type: application/json"));
	free(answer);

	/* Without a session it is the same answer: the size is checked first. */
	snprintf(request, sizeof request,
		 "POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		 "Content-Type: application/json\r\nContent-Length: 5000000000\r\n\r\n");
	answer = raw_exchange(request, 5000, &ms);
	assert_true(strncmp(answer, "HTTP/1.1 413", 12) == 0);
	free(answer);

	/* An ordinary client that sends the whole body anyway gets the same answer. */
	long long before = fx_total(&srv, admin_tok, "/api/v1/patients");
	size_t n = 2 * MIB;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, ' ', n);
	memcpy(big, patient_body, strlen(patient_body));
	struct resp *r = post_refused_body(big, n, NULL);
	assert_error(r, 413, "too_large");
	assert_common_headers(r);
	resp_free(r);
	free(big);
	assert_int_equal(fx_total(&srv, admin_tok, "/api/v1/patients"), before);
}

static void body_of_exactly_one_mib_is_read(void **state)
{
	(void)state;
	/* A JSON object padded with spaces to exactly the limit: parsed, then judged. */
	char *body = malloc(MIB);
	assert_non_null(body);
	memset(body, ' ', MIB);
	body[0] = '{';
	body[MIB - 1] = '}';
	struct resp *r = req_ex(&srv, "POST", "/api/v1/patients", desk_tok, body, MIB, NULL);
	assert_error(r, 422, "validation_failed");
	resp_free(r);
	free(body);
}

static void chunked_oversized_body_is_refused(void **state)
{
	(void)state;
	long long before = fx_total(&srv, admin_tok, "/api/v1/patients");
	size_t n = MIB + MIB / 2;
	char *body = malloc(n);
	assert_non_null(body);
	/* A valid patient, padded past the limit. */
	memset(body, ' ', n);
	memcpy(body, patient_body, strlen(patient_body));
	const char *chunked[] = {"Transfer-Encoding: chunked", NULL};
	struct resp *r = post_refused_body(body, n, chunked);
	assert_error(r, 413, "too_large");
	assert_common_headers(r);
	resp_free(r);
	free(body);
	assert_int_equal(fx_total(&srv, admin_tok, "/api/v1/patients"), before);

	/* A small chunked body is fine. */
	fx_expect_status(req_ex(&srv, "POST", "/api/v1/patients", desk_tok, patient_body,
				strlen(patient_body), chunked),
			 201);
	assert_int_equal(fx_total(&srv, admin_tok, "/api/v1/patients"), before + 1);
}

static void bodies_must_be_json(void **state)
{
	(void)state;
	const char *plain[] = {"Content-Type: text/plain", NULL};
	struct resp *r = req_ex(&srv, "POST", "/api/v1/patients", desk_tok, patient_body,
				strlen(patient_body), plain);
	assert_error(r, 415, "unsupported_media_type");
	assert_common_headers(r);
	resp_free(r);

	const char *form[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
	r = req_ex(&srv, "POST", "/api/v1/patients", desk_tok, "first_name=x", 12, form);
	assert_error(r, 415, "unsupported_media_type");
	resp_free(r);

	const char *lookalike[] = {"Content-Type: application/jsonp", NULL};
	r = req_ex(&srv, "POST", "/api/v1/patients", desk_tok, patient_body, strlen(patient_body),
		   lookalike);
	assert_error(r, 415, "unsupported_media_type");
	resp_free(r);

	/* No Content-Type at all. */
	const char *none[] = {"Content-Type:", NULL};
	r = req_ex(&srv, "POST", "/api/v1/patients", desk_tok, patient_body, strlen(patient_body),
		   none);
	assert_error(r, 415, "unsupported_media_type");
	resp_free(r);

	/* A charset parameter is fine. */
	const char *charset[] = {"Content-Type: application/json; charset=utf-8", NULL};
	fx_expect_status(req_ex(&srv, "POST", "/api/v1/patients", desk_tok, patient_body,
				strlen(patient_body), charset),
			 201);
}

static void malformed_json_is_400(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "{\"first_name\":",
	    "{first_name: \"x\"}",
	    "{\"first_name\":\"Lena\"} trailing",
	    "{\"first_name\":\"\xff\xfe\"}",
	    "{\"first_name\":\"a\\u0000b\"}",
	    "nul",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct resp *r = req(&srv, "POST", "/api/v1/patients", desk_tok, bad[i]);
		assert_error(r, 400, "bad_json");
		assert_common_headers(r);
		resp_free(r);
	}
	/* A raw NUL byte inside the body. */
	static const char with_nul[] = "{\"first_name\":\"a\0b\"}";
	struct resp *r =
	    req_ex(&srv, "POST", "/api/v1/patients", desk_tok, with_nul, sizeof with_nul - 1, NULL);
	assert_error(r, 400, "bad_json");
	resp_free(r);
	/* Nesting deeper than the parser takes is refused, not a crash. */
	size_t depth = 100000;
	char *deep = malloc(2 * depth + 16);
	assert_non_null(deep);
	memcpy(deep, "{\"a\":", 5);
	memset(deep + 5, '[', depth);
	memset(deep + 5 + depth, ']', depth);
	memcpy(deep + 5 + 2 * depth, "}", 2);
	r = req(&srv, "POST", "/api/v1/patients", desk_tok, deep);
	assert_error(r, 400, "bad_json");
	resp_free(r);
	free(deep);
	fx_expect_status(req(&srv, "GET", "/api/v1/health", NULL, NULL), 200);
}

static void body_must_be_one_object_with_unique_keys(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "[{\"first_name\":\"Lena\",\"last_name\":\"Okafor\",\"date_of_birth\":\"1990-02-03\"}]",
	    "\"a string\"",
	    "42",
	    "null",
	    "{\"first_name\":\"Lena\",\"first_name\":\"Eve\",\"last_name\":\"Okafor\","
	    "\"date_of_birth\":\"1990-02-03\"}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct resp *r = req(&srv, "POST", "/api/v1/patients", desk_tok, bad[i]);
		assert_error(r, 400, "bad_json");
		resp_free(r);
	}
	/* A write that needs a body and has none. */
	struct resp *r = req_ex(&srv, "POST", "/api/v1/patients", desk_tok, "", 0, NULL);
	assert_error(r, 400, "bad_json");
	resp_free(r);
	/* A read that has one. */
	r = req(&srv, "GET", "/api/v1/me", desk_tok, "{}");
	assert_error(r, 400, "bad_json");
	resp_free(r);
}

static void every_answer_has_the_safety_headers(void **state)
{
	(void)state;
	struct resp *r = req(&srv, "GET", "/api/v1/health", NULL, NULL);
	assert_int_equal(r->status, 200);
	assert_common_headers(r);
	resp_free(r);
	r = req(&srv, "GET", "/api/v1/openapi.json", NULL, NULL);
	assert_int_equal(r->status, 200);
	assert_common_headers(r);
	resp_free(r);
	r = req(&srv, "GET", "/api/v1/me", desk_tok, NULL);
	assert_int_equal(r->status, 200);
	assert_common_headers(r);
	resp_free(r);
	r = req(&srv, "POST", "/api/v1/patients", desk_tok, patient_body);
	assert_int_equal(r->status, 201);
	assert_common_headers(r);
	resp_free(r);
	r = req(&srv, "GET", "/api/v1/me", NULL, NULL);
	assert_error(r, 401, "unauthenticated");
	assert_common_headers(r);
	resp_free(r);
	r = req(&srv, "GET", "/api/v1/users", desk_tok, NULL);
	assert_error(r, 403, "forbidden");
	assert_common_headers(r);
	resp_free(r);
	r = req(&srv, "POST", "/api/v1/patients", desk_tok, "{\"first_name\":\"x\"}");
	assert_error(r, 422, "validation_failed");
	assert_common_headers(r);
	resp_free(r);
	r = reqf(&srv, "POST", "/api/v1/login", NULL,
		 "{\"username\":\"admin\",\"password\":\"%s\"}", PW_ADMIN);
	assert_int_equal(r->status, 200);
	assert_common_headers(r);
	char *tok = strdup(jstr(r->json, "token"));
	resp_free(r);
	r = req(&srv, "POST", "/api/v1/logout", tok, NULL);
	assert_int_equal(r->status, 200);
	assert_common_headers(r);
	resp_free(r);
	free(tok);
}

static void health_and_openapi_are_public(void **state)
{
	(void)state;
	struct resp *r = req(&srv, "GET", "/api/v1/health", NULL, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "status"), "ok");
	resp_free(r);
	r = req(&srv, "GET", "/api/v1/openapi.json", NULL, NULL);
	assert_int_equal(r->status, 200);
	assert_true(json_is_object(r->json));
	assert_true(strncmp(jstr(r->json, "openapi"), "3.", 2) == 0);
	assert_true(json_is_object(json_object_get(r->json, "paths")));
	resp_free(r);
	/* A bad token on a public route is ignored, not refused. */
	fx_expect_status(req(&srv, "GET", "/api/v1/health", "not-a-token", NULL), 200);
}

static void protected_routes_need_a_session(void **state)
{
	(void)state;
	static const struct {
		const char *method, *path, *body;
	} routes[] = {
	    {"GET", "/api/v1/me", NULL},
	    {"POST", "/api/v1/logout", NULL},
	    {"GET", "/api/v1/users", NULL},
	    {"POST", "/api/v1/users", "{}"},
	    {"GET", "/api/v1/users/1", NULL},
	    {"PATCH", "/api/v1/users/1", "{\"role\":\"admin\"}"},
	    {"GET", "/api/v1/practitioners", NULL},
	    {"GET", "/api/v1/rooms", NULL},
	    {"POST", "/api/v1/rooms", "{\"name\":\"Room X\"}"},
	    {"GET", "/api/v1/practitioners/3/availability", NULL},
	    {"GET", "/api/v1/patients", NULL},
	    {"GET", "/api/v1/patients?q=Lena", NULL},
	    {"POST", "/api/v1/patients", "{\"first_name\":"},
	    {"GET", "/api/v1/patients/1", NULL},
	    {"PATCH", "/api/v1/patients/1", "{\"first_name\":\"Mallory\"}"},
	    {"POST", "/api/v1/patients/1/archive", NULL},
	    {"GET", "/api/v1/audit", NULL},
	};
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		struct resp *r = req(&srv, routes[i].method, routes[i].path, NULL, routes[i].body);
		if (r->status != 401)
			fprintf(stderr, "%s %s -> %ld\n", routes[i].method, routes[i].path,
				r->status);
		assert_error(r, 401, "unauthenticated");
		assert_common_headers(r);
		resp_free(r);
	}
	/* Nothing above reached a handler. */
	struct resp *r = req(&srv, "GET", "/api/v1/patients/1", admin_tok, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "first_name"), "Lena");
	assert_true(json_is_false(json_object_get(r->json, "archived")));
	resp_free(r);
}

/* A concrete path for a route pattern: {…id} segments become 1, others "x1". */
static void route_path(const char *pattern, char *out, size_t n)
{
	size_t o = 0;
	for (const char *p = pattern; *p && o + 3 < n;) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			assert_non_null(close);
			bool id = close - p >= 3 && close[-2] == 'i' && close[-1] == 'd';
			const char *v = id ? "1" : "x1";
			size_t vl = strlen(v);
			if (o + vl + 1 >= n)
				break;
			memcpy(out + o, v, vl);
			o += vl;
			p = close + 1;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
}

static void every_route_in_the_table_needs_a_session_unless_public(void **state)
{
	(void)state;
	assert_true(api_nroutes > 10);
	size_t public = 0;
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct route *rt = &api_routes[i];
		char path[256];
		route_path(rt->pattern, path, sizeof path);
		bool write = strcmp(rt->method, "GET") != 0;
		struct resp *r = req(&srv, rt->method, path, NULL, write ? "{}" : NULL);
		if (rt->flags & ROUTE_PUBLIC) {
			public++;
			assert_int_not_equal(r->status, 401);
		} else {
			if (r->status != 401)
				fprintf(stderr, "%s %s -> %ld\n", rt->method, path, r->status);
			assert_error(r, 401, "unauthenticated");
			assert_common_headers(r);
		}
		resp_free(r);
	}
	/* health, openapi.json, login and the test clock (404 unless --test-clock), nothing
	 * else */
	assert_int_equal(public, 4);
}

static void no_route_in_the_table_deletes(void **state)
{
	(void)state;
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct route *rt = &api_routes[i];
		assert_string_not_equal(rt->method, "DELETE");
		char path[256];
		route_path(rt->pattern, path, sizeof path);
		struct resp *r = req(&srv, "DELETE", path, admin_tok, NULL);
		if (r->status != 405)
			fprintf(stderr, "DELETE %s -> %ld\n", path, r->status);
		/* Every pattern exists, so the path is known and the method is not. */
		assert_error(r, 405, "method_not_allowed");
		char allow[128];
		assert_non_null(resp_header(r, "Allow", allow, sizeof allow));
		assert_non_null(strstr(allow, rt->method));
		assert_null(strstr(allow, "DELETE"));
		resp_free(r);
	}
}

static void malformed_requests_change_nothing(void **state)
{
	(void)state;
	long long total = fx_total(&srv, admin_tok, "/api/v1/patients");
	long long audit = fx_audit_last(&srv, admin_tok);

	struct resp *r =
	    req(&srv, "POST", "/api/v1/patients", desk_tok, "{\"first_name\":\"Eve\",");
	assert_int_equal(r->status, 400);
	resp_free(r);
	fx_expect_status(req(&srv, "POST", "/api/v1/patients", desk_tok, "[]"), 400);
	fx_expect_status(
	    req(&srv, "POST", "/api/v1/patients", desk_tok,
		"{\"first_name\":\"Eve\",\"last_name\":\"Smith\",\"date_of_birth\":\"1990-01-01\","
		"\"last_name\":\"Jones\"}"),
	    400);
	const char *plain[] = {"Content-Type: text/plain", NULL};
	fx_expect_status(req_ex(&srv, "POST", "/api/v1/patients", desk_tok, patient_body,
				strlen(patient_body), plain),
			 415);
	fx_expect_status(req(&srv, "POST", "/api/v1/patients", desk_tok,
			     "{\"first_name\":\"Eve\",\"last_name\":\"Smith\",\"date_of_birth\":"
			     "\"1990-02-30\"}"),
			 422);
	fx_expect_status(
	    req(&srv, "POST", "/api/v1/patients", desk_tok,
		"{\"first_name\":\"Eve\",\"last_name\":\"Smith\",\"date_of_birth\":\"1990-01-01\","
		"\"ssn\":\"123\"}"),
	    422);
	fx_expect_status(req(&srv, "PATCH", "/api/v1/patients/1", desk_tok,
			     "{\"first_name\":\"Eve\",\"first_name\":\"Mallory\"}"),
			 400);
	fx_expect_status(
	    req(&srv, "POST", "/api/v1/users", desk_tok,
		"{\"username\":\"evil\",\"password\":\"0123456789\",\"role\":\"admin\","
		"\"display_name\":\"Evil\"}"),
	    403);
	fx_expect_status(req(&srv, "POST", "/api/v1/patients", NULL, patient_body), 401);

	assert_int_equal(fx_audit_last(&srv, admin_tok), audit);
	assert_int_equal(fx_total(&srv, admin_tok, "/api/v1/patients"), total);
	r = req(&srv, "GET", "/api/v1/patients/1", admin_tok, NULL);
	assert_string_equal(jstr(r->json, "first_name"), "Lena");
	resp_free(r);
}

/* One request on an existing handle; returns the status and how many new connections
 * curl had to open for it. */
static long handle_request(CURL *c, const char *method, const char *path, const char *body,
			   long *new_conns)
{
	char url[256];
	snprintf(url, sizeof url, "%s%s", srv.base, path);
	struct harness_buf s = {NULL, 0};
	char auth[128];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", desk_tok);
	struct curl_slist *h = curl_slist_append(NULL, auth);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, harness_collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	} else {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	long status = -1;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, new_conns);
	curl_slist_free_all(h);
	free(s.p);
	return status;
}

static void keep_alive_serves_many_requests_on_one_connection(void **state)
{
	(void)state;
	CURL *c = curl_easy_init();
	assert_non_null(c);
	long conns = 0;
	assert_int_equal(handle_request(c, "GET", "/api/v1/health", NULL, &conns), 200);
	assert_int_equal(conns, 1);
	long expect[] = {200, 201, 404, 422, 200};
	const char *methods[] = {"GET", "POST", "GET", "POST", "GET"};
	const char *paths[] = {"/api/v1/me", "/api/v1/patients", "/api/v1/none", "/api/v1/patients",
			       "/api/v1/patients"};
	const char *bodies[] = {NULL, patient_body, NULL, "{}", NULL};
	for (int i = 0; i < 5; i++) {
		assert_int_equal(handle_request(c, methods[i], paths[i], bodies[i], &conns),
				 expect[i]);
		/* Answered on the connection already open. */
		assert_int_equal(conns, 0);
	}
	curl_easy_cleanup(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(unknown_paths_are_json_404),
	    cmocka_unit_test(hostile_paths_and_query_floods),
	    cmocka_unit_test(wrong_method_is_405_with_allow),
	    cmocka_unit_test(nothing_is_ever_deleted),
	    cmocka_unit_test(declared_oversized_body_is_refused_before_reading),
	    cmocka_unit_test(body_of_exactly_one_mib_is_read),
	    cmocka_unit_test(chunked_oversized_body_is_refused),
	    cmocka_unit_test(bodies_must_be_json),
	    cmocka_unit_test(malformed_json_is_400),
	    cmocka_unit_test(body_must_be_one_object_with_unique_keys),
	    cmocka_unit_test(every_answer_has_the_safety_headers),
	    cmocka_unit_test(health_and_openapi_are_public),
	    cmocka_unit_test(protected_routes_need_a_session),
	    cmocka_unit_test(every_route_in_the_table_needs_a_session_unless_public),
	    cmocka_unit_test(no_route_in_the_table_deletes),
	    cmocka_unit_test(malformed_requests_change_nothing),
	    cmocka_unit_test(keep_alive_serves_many_requests_on_one_connection),
	};
	return harness_run_group("api_http", tests, &group);
}
