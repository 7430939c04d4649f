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

static void oversized_headers_and_bodies(void **state)
{
	(void)state;
	size_t big = 70000;
	char *raw = malloc(big + 128);
	assert_non_null(raw);
	int n = snprintf(raw, 128, "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ");
	memset(raw + n, 'a', big);
	memcpy(raw + n + big, "\r\n\r\n", 5);
	assert_int_equal(raw_status(raw), 431);
	free(raw);

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ambiguous_framing_is_refused),
	    cmocka_unit_test(oversized_headers_and_bodies),
	    cmocka_unit_test(idle_and_slow_connections_do_not_starve),
	    cmocka_unit_test(per_address_limit),
	};
	return cmocka_run_group_tests_name("api_hardening", tests, setup, teardown);
}
