/* Hostile HTTP: ambiguous framing, oversized headers and bodies, floods of idle and slow
 * connections, and the per-address connection limit — over raw sockets on loopback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static struct server srv;

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* A TCP connection to the server from the loopback source address src ("127.0.0.N");
 * -1 when it cannot be made. */
static int dial(const char *src)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	inet_pton(AF_INET, src, &a.sin_addr);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	a.sin_port = htons((uint16_t)srv.port);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends raw bytes and reads the answer's status code (0 when the server closed the
 * connection without one), waiting at most timeout_ms. */
static int exchange(int fd, const char *raw, size_t len, int timeout_ms)
{
	size_t off = 0;
	while (off < len) {
		ssize_t w = send(fd, raw + off, len - off, MSG_NOSIGNAL);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	char buf[512];
	size_t got = 0;
	struct pollfd p = {fd, POLLIN, 0};
	double end = now_ms() + timeout_ms;
	while (got < sizeof buf - 1 && now_ms() < end) {
		if (poll(&p, 1, (int)(end - now_ms()) + 1) <= 0)
			break;
		ssize_t r = recv(fd, buf + got, sizeof buf - 1 - got, 0);
		if (r <= 0)
			break;
		got += (size_t)r;
		buf[got] = '\0';
		if (strstr(buf, "\r\n"))
			break;
	}
	buf[got] = '\0';
	int status = 0;
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
		status = 0;
	return status;
}

static int raw_status(const char *raw)
{
	int fd = dial("127.0.0.1");
	assert_true(fd >= 0);
	int st = exchange(fd, raw, strlen(raw), 3000);
	close(fd);
	return st;
}

static int setup(void **state)
{
	(void)state;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	server_start(&srv, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(server_stop(&srv), 0);
	server_destroy(&srv);
	return 0;
}

static void ambiguous_framing_is_refused(void **state)
{
	(void)state;
	static const char *const cases[] = {
	    "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	    "Content-Length: 5\r\nContent-Length: 7\r\n\r\n{}\r\n\r\n",
	    "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	    "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
	    "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	    "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
	    "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int st = raw_status(cases[i]);
		if (st != 400)
			print_error("case %zu answered %d\n", i, st);
		assert_int_equal(st, 400);
	}
	/* The same request framed once is an ordinary (invalid) login. */
	assert_int_equal(
	    raw_status("POST /api/v1/login HTTP/1.1\r\nHost: x\r\n"
		       "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"),
	    422);
}

/* A GET of /health with one header of n bytes: its status. */
static int status_with_header_of(size_t n)
{
	char *raw = malloc(n + 128);
	assert_non_null(raw);
	int k = snprintf(raw, 128, "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ");
	memset(raw + k, 'a', n);
	memcpy(raw + k + n, "\r\n\r\n", 5);
	int st = raw_status(raw);
	free(raw);
	return st;
}

static void oversized_headers_and_bodies(void **state)
{
	(void)state;
	/* A large cookie's worth of head is read; a head past the connection's memory is
	 * refused. */
	assert_int_equal(status_with_header_of(12000), 200);
	assert_int_equal(status_with_header_of(20000), 431);
	assert_int_equal(status_with_header_of(70000), 431);

	/* A declared body over 1 MiB is refused before a byte of it is sent. */
	double t0 = now_ms();
	assert_int_equal(
	    raw_status("POST /api/v1/patients HTTP/1.1\r\nHost: x\r\n"
		       "Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n"),
	    413);
	assert_true(now_ms() - t0 < 2000);
}

/* Thousands of idle and trickling connections from other addresses do not keep /health
 * from answering promptly. */
static void idle_and_slow_connections_do_not_starve(void **state)
{
	(void)state;
	enum { ADDRS = 10, PER_ADDR = 200, SLOW = 100 };
	int *fds = calloc(ADDRS * PER_ADDR, sizeof *fds);
	assert_non_null(fds);
	int opened = 0;
	char src[32];
	for (int a = 0; a < ADDRS; a++) {
		snprintf(src, sizeof src, "127.0.0.%d", 10 + a);
		for (int i = 0; i < PER_ADDR; i++) {
			int fd = dial(src);
			if (fd >= 0)
				fds[opened++] = fd;
		}
	}
	assert_true(opened >= ADDRS * PER_ADDR * 9 / 10);
	/* Some of them send a request one byte at a time, for a bounded while. */
	static const char slow[] = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n";
	double worst = 0;
	for (size_t step = 0; step < 8; step++) {
		for (int i = 0; i < SLOW && i < opened; i++)
			(void)send(fds[i], slow + step, 1, MSG_NOSIGNAL);
		double t0 = now_ms();
		int fd = dial("127.0.0.2");
		assert_true(fd >= 0);
		static const char health[] = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
		int st = exchange(fd, health, sizeof health - 1, 2000);
		close(fd);
		double took = now_ms() - t0;
		if (took > worst)
			worst = took;
		assert_int_equal(st, 200);
		struct timespec nap = {0, 100 * 1000 * 1000};
		nanosleep(&nap, NULL);
	}
	print_message("  %d idle/slow connections open; /health answered within %.0f ms\n", opened,
		      worst);
	assert_true(worst < 500);
	for (int i = 0; i < opened; i++)
		close(fds[i]);
	free(fds);
}

/* One address may hold at most 256 connections at once. */
static void per_address_limit(void **state)
{
	(void)state;
	enum { TRY = 300 };
	int fds[TRY];
	for (int i = 0; i < TRY; i++)
		fds[i] = dial("127.0.0.40");
	/* Give the server a moment to accept (and refuse) them all. */
	struct timespec nap = {0, 300 * 1000 * 1000};
	nanosleep(&nap, NULL);
	static const char health[] = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
	int answered = 0, refused = 0;
	for (int i = 0; i < TRY; i++) {
		if (fds[i] < 0) {
			refused++;
			continue;
		}
		if (exchange(fds[i], health, sizeof health - 1, 1000) == 200)
			answered++;
		else
			refused++;
	}
	for (int i = 0; i < TRY; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	print_message("  %d answered, %d refused\n", answered, refused);
	assert_true(answered <= 256);
	assert_true(answered >= 200);
	assert_true(refused >= TRY - 256);
	/* Another address is unaffected. */
	int fd = dial("127.0.0.41");
	assert_int_equal(exchange(fd, health, sizeof health - 1, 2000), 200);
	close(fd);
}

/* A TCP connection from src to another server s. */
static int dial_to(struct server *s, const char *src)
{
	struct server keep = srv;
	srv.port = s->port;
	int fd = dial(src);
	srv.port = keep.port;
	return fd;
}

/* True when the server closes fd within timeout_ms (reads return 0 or an error). */
static bool closed_within(int fd, int timeout_ms)
{
	double end = now_ms() + timeout_ms;
	char buf[256];
	while (now_ms() < end) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 100) > 0) {
			ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
			if (r == 0 || (r < 0 && errno != EAGAIN))
				return true;
		}
	}
	return false;
}

/* A client that trickles its request head, or its body, is cut at the deadline; others
 * are served meanwhile. */
static void request_deadline_cuts_tricklers(void **state)
{
	(void)state;
	struct server s;
	const char *args[] = {"--request-deadline", "2", NULL};
	server_start(&s, args);
	int head = dial_to(&s, "127.0.0.50");
	int body = dial_to(&s, "127.0.0.51");
	assert_true(head >= 0 && body >= 0);
	static const char slow_head[] =
	    "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	static const char body_head[] =
	    "POST /api/v1/login HTTP/1.1\r\nHost: x\r\n"
	    "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{";
	assert_true(send(body, body_head, sizeof body_head - 1, MSG_NOSIGNAL) > 0);
	double t0 = now_ms();
	bool head_cut = false, body_cut = false;
	for (size_t i = 0; i < sizeof slow_head - 1 && now_ms() - t0 < 6000; i++) {
		/* One byte each 150 ms: every byte restarts an idle timeout, not the deadline. */
		if (send(head, slow_head + i, 1, MSG_NOSIGNAL) <= 0 || closed_within(head, 150)) {
			head_cut = true;
			break;
		}
		(void)send(body, " ", 1, MSG_NOSIGNAL);
		if (i == 5) {
			int fd = dial_to(&s, "127.0.0.52");
			static const char health[] =
			    "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
			assert_int_equal(exchange(fd, health, sizeof health - 1, 2000), 200);
			close(fd);
		}
	}
	double took = now_ms() - t0;
	body_cut = closed_within(body, 1500);
	print_message("  trickling head cut after %.1f s\n", took / 1000);
	assert_true(head_cut);
	assert_true(took > 1500 && took < 4500);
	assert_true(body_cut);
	close(head);
	close(body);
	assert_int_equal(server_stop(&s), 0);
	server_destroy(&s);
}

/* --user: the server gives up root after binding and opening the database, and still
 * reads and writes it. */
static void runs_as_the_named_user(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		print_message("  (needs root)\n");
		skip();
	}
	struct server s;
	const char *args[] = {"--user", "nobody", NULL};
	server_start(&s, args);
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)s.pid);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	long uid = -1, euid = -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Uid: %ld %ld", &uid, &euid) == 2)
			break;
	fclose(f);
	assert_int_equal(uid, 65534);
	assert_int_equal(euid, 65534);
	char *tok = login(&s, "desk", PW_DESK);
	struct resp *r =
	    req(&s, "POST", "/api/v1/patients", tok,
		"{\"first_name\":\"Nob\",\"last_name\":\"Ody\",\"date_of_birth\":\"1990-01-01\"}");
	assert_int_equal(r->status, 201);
	resp_free(r);
	free(tok);
	assert_int_equal(server_stop(&s), 0);
	server_destroy(&s);
}

struct login_job {
	struct server *s;
	long status;
	bool retry_after;
};

static void *one_login(void *arg)
{
	struct login_job *j = arg;
	struct resp *r = req(j->s, "POST", "/api/v1/login", NULL,
			     "{\"username\":\"desk\",\"password\":\"" PW_DESK "\"}");
	char buf[32];
	j->status = r->status;
	j->retry_after = resp_header(r, "Retry-After", buf, sizeof buf) != NULL;
	resp_free(r);
	return NULL;
}

/* A /proc/PID/status field in kB, or -1. */
static long status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	long kb = -1;
	size_t n = strlen(field);
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			kb = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

/* A burst of logins (each an Argon2 hash of 19 MiB) cannot run the server out of memory:
 * with more worker threads than hashes allowed at once, every answer is 200, or 503 with
 * Retry-After, and the server grows by at most two hashes' worth. */
static void login_burst_is_bounded(void **state)
{
	(void)state;
	enum { N = 24 };
	struct server s;
	const char *args[] = {"--threads", "8", NULL};
	server_start(&s, args);
	long before_kb = status_kb(s.pid, "VmRSS");
	assert_true(before_kb > 0);
	struct login_job jobs[N];
	pthread_t th[N];
	for (int i = 0; i < N; i++) {
		jobs[i].s = &s;
		pthread_create(&th[i], NULL, one_login, &jobs[i]);
	}
	int ok = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		if (jobs[i].status == 200)
			ok++;
		else
			assert_true(jobs[i].status == 503 && jobs[i].retry_after);
	}
	assert_true(ok > 0);
	long hwm_kb = status_kb(s.pid, "VmHWM");
	print_message("  %d of %d logged in; %ld MiB before, peak %ld MiB\n", ok, N,
		      before_kb / 1024, hwm_kb / 1024);
	/* Two hashes of 19 MiB at once, and some room for the connections; a third would pass
	 * the bound. */
	assert_true(hwm_kb > 0 && hwm_kb - before_kb < 3 * 19 * 1024);
	assert_int_equal(server_stop(&s), 0);
	server_destroy(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ambiguous_framing_is_refused),
	    cmocka_unit_test(oversized_headers_and_bodies),
	    cmocka_unit_test(idle_and_slow_connections_do_not_starve),
	    cmocka_unit_test(per_address_limit),
	    cmocka_unit_test(request_deadline_cuts_tricklers),
	    cmocka_unit_test(runs_as_the_named_user),
	    cmocka_unit_test(login_burst_is_bounded),
	};
	return cmocka_run_group_tests_name("api_hardening", tests, setup, teardown);
}
