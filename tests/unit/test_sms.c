/* Unit tests for msg/sms: the gateway client against a local HTTP gateway on 127.0.0.1
 * that accepts, fails with 500, or never answers; numbers, masking, settings, token files. */
#include "unit.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

#include "msg/sms.h"
#include "util/err.h"

enum gw_mode { GW_ACCEPT, GW_FAIL, GW_HANG };

/* A one-request HTTP server in a thread: it reads one request, keeps it, and answers as
 * its mode says; a gateway that hangs holds the connection open until released. */
struct gw {
	int fd;
	unsigned port;
	enum gw_mode mode;
	pthread_t thread;
	int release[2];
	char req[16384];
	size_t len;
};

/* The offset just after the request head in s->req, or 0 when it is not all there. */
static size_t head_end(const struct gw *s)
{
	const char *e = strstr(s->req, "\r\n\r\n");
	return e ? (size_t)(e - s->req) + 4 : 0;
}

static size_t content_length(const struct gw *s)
{
	const char *h = strcasestr(s->req, "\r\nContent-Length:");
	return h ? (size_t)strtoul(h + 17, NULL, 10) : 0;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void *gw_main(void *arg)
{
	struct gw *s = arg;
	int c = accept(s->fd, NULL, NULL);
	if (c < 0)
		return NULL;
	size_t end = 0;
	while (s->len < sizeof s->req - 1) {
		ssize_t r = read(c, s->req + s->len, sizeof s->req - 1 - s->len);
		if (r <= 0)
			break;
		s->len += (size_t)r;
		s->req[s->len] = '\0';
		if ((end = head_end(s)) && s->len >= end + content_length(s))
			break;
	}
	static const char ok[] =
	    "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
	    "Content-Length: 15\r\nConnection: close\r\n\r\n{\"id\":\"SM123\"}\n";
	char fail[600];
	char body[400];
	memset(body, 'z', sizeof body);
	memcpy(body, "{\"error\":\"number blocked\x01\"}", 27);
	body[sizeof body - 1] = '\0';
	snprintf(fail, sizeof fail,
		 "HTTP/1.1 500 Internal Server Error\r\nContent-Length: %zu\r\n"
		 "Connection: close\r\n\r\n%s",
		 strlen(body), body);
	if (s->mode == GW_ACCEPT) {
		write_all(c, ok, strlen(ok));
	} else if (s->mode == GW_FAIL) {
		write_all(c, fail, strlen(fail));
	} else {
		struct pollfd p = {.fd = s->release[0], .events = POLLIN};
		while (poll(&p, 1, -1) < 0)
			;
	}
	close(c);
	return NULL;
}

static void gw_start(struct gw *s, enum gw_mode mode)
{
	memset(s, 0, sizeof *s);
	s->mode = mode;
	assert_int_equal(pipe(s->release), 0);
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(s->fd, 4), 0);
	socklen_t len = sizeof a;
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->thread, NULL, gw_main, s), 0);
}

static void gw_stop(struct gw *s)
{
	write_all(s->release[1], "x", 1);
	pthread_join(s->thread, NULL);
	close(s->fd);
	close(s->release[0]);
	close(s->release[1]);
}

static struct sms_client *client(const struct gw *s, enum sms_preset preset, const char *token,
				 const char *from, long timeout_ms)
{
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%u/send", s->port);
	struct sms_config cfg = {
	    .url = url, .token = token, .preset = preset, .from = from, .timeout_ms = timeout_ms};
	struct sms_client *c = NULL;
	assert_int_equal(sms_client_new(&cfg, &c), 0);
	return c;
}

static const char *body_of(const struct gw *s)
{
	size_t end = head_end(s);
	assert_true(end > 0);
	return s->req + end;
}

static void json_preset(void **state)
{
	(void)state;
	struct gw s;
	gw_start(&s, GW_ACCEPT);
	struct sms_client *c = client(&s, SMS_PRESET_JSON, "tok-1", NULL, 5000);
	struct sms_result res;
	assert_int_equal(sms_send(c, "+49 (30) 1234-5678", "Hallo €, bis morgen", &res), 0);
	gw_stop(&s);
	assert_int_equal(res.status, 201);
	assert_string_equal(res.id, "SM123");
	assert_true(strncmp(s.req, "POST /send HTTP/1.1\r\n", 21) == 0);
	assert_non_null(strstr(s.req, "\r\nAuthorization: Bearer tok-1\r\n"));
	assert_non_null(strstr(s.req, "\r\nContent-Type: application/json\r\n"));
	json_t *o = json_loads(body_of(&s), 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "to")), "+493012345678");
	assert_string_equal(json_string_value(json_object_get(o, "text")), "Hallo €, bis morgen");
	assert_null(json_object_get(o, "from"));
	json_decref(o);
	sms_client_free(c);

	/* With a sender. */
	gw_start(&s, GW_ACCEPT);
	c = client(&s, SMS_PRESET_JSON, "tok-1", "Clinic", 5000);
	assert_int_equal(sms_send(c, "0049301234567", "x", NULL), 0);
	gw_stop(&s);
	o = json_loads(body_of(&s), 0, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "from")), "Clinic");
	assert_string_equal(json_string_value(json_object_get(o, "to")), "+49301234567");
	json_decref(o);
	sms_client_free(c);
}

static void twilio_preset(void **state)
{
	(void)state;
	struct gw s;
	gw_start(&s, GW_ACCEPT);
	struct sms_client *c = client(&s, SMS_PRESET_TWILIO, "AC1:secret", "+15005550006", 5000);
	assert_int_equal(sms_send(c, "+49 30 1234 5678", "See you & bye", NULL), 0);
	gw_stop(&s);
	assert_non_null(strstr(s.req, "\r\nAuthorization: Basic QUMxOnNlY3JldA==\r\n"));
	assert_non_null(strstr(s.req, "\r\nContent-Type: application/x-www-form-urlencoded\r\n"));
	assert_string_equal(body_of(&s),
			    "To=%2B493012345678&From=%2B15005550006&Body=See%20you%20%26%20bye");
	sms_client_free(c);
}

/* Standard error, captured while fn runs. */
static char *captured_stderr(int (*fn)(void *), void *arg, int *rc)
{
	char path[40];
	int at = snprintf(path, sizeof path, "/tmp/collagenda-sms-log-");
	memset(path + at, 'X', 6); /* mkstemp's template */
	path[at + 6] = '\0';
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stderr);
	int saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fd, 2) >= 0);
	*rc = fn(arg);
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	char *text = calloc(1, 8192);
	assert_non_null(text);
	assert_true(lseek(fd, 0, SEEK_SET) == 0);
	ssize_t n = read(fd, text, 8191);
	assert_true(n >= 0);
	close(fd);
	unlink(path);
	return text;
}

struct send_args {
	struct sms_client *c;
	struct sms_result res;
};

static int send_secret(void *arg)
{
	struct send_args *a = arg;
	return sms_send(a->c, "+49 30 1234 5678", "Ihr Termin am Montag", &a->res);
}

static void a_500_is_refused_and_logged_without_the_message(void **state)
{
	(void)state;
	struct gw s;
	gw_start(&s, GW_FAIL);
	struct send_args a = {.c = client(&s, SMS_PRESET_JSON, "tok-1", NULL, 5000)};
	int rc;
	char *log = captured_stderr(send_secret, &a, &rc);
	gw_stop(&s);
	assert_int_equal(rc, -ERR_GATEWAY_REFUSED);
	assert_int_equal(a.res.status, 500);
	/* The start of the body, control characters as spaces, at most 100 characters. */
	assert_true(strncmp(a.res.excerpt, "{\"error\":\"number blocked \"}zzz", 30) == 0);
	assert_int_equal(strlen(a.res.excerpt), 100);
	assert_non_null(strstr(log, "500"));
	assert_non_null(strstr(log, "+**********78"));
	assert_null(strstr(log, "493012345678"));
	assert_null(strstr(log, "Termin"));
	assert_null(strstr(log, "tok-1"));
	free(log);
	sms_client_free(a.c);
}

static void a_gateway_that_hangs_times_out(void **state)
{
	(void)state;
	struct gw s;
	gw_start(&s, GW_HANG);
	struct send_args a = {.c = client(&s, SMS_PRESET_JSON, "tok-1", NULL, 300)};
	int rc;
	char *log = captured_stderr(send_secret, &a, &rc);
	gw_stop(&s);
	assert_int_equal(rc, -ERR_GATEWAY_UNREACHABLE);
	assert_int_equal(a.res.status, 0);
	assert_non_null(strstr(log, "did not answer"));
	assert_null(strstr(log, "Termin"));
	free(log);
	sms_client_free(a.c);
}

static void a_closed_port_is_unreachable(void **state)
{
	(void)state;
	/* A port that was free a moment ago, with nothing listening now. */
	struct gw s;
	gw_start(&s, GW_ACCEPT);
	struct sms_client *c = client(&s, SMS_PRESET_JSON, "tok", NULL, 2000);
	assert_int_equal(sms_send(c, "+4930123456", "x", NULL), 0);
	gw_stop(&s);
	assert_int_equal(sms_send(c, "+4930123456", "x", NULL), -ERR_GATEWAY_UNREACHABLE);
	sms_client_free(c);
}

/* Nothing is sent for a number or a text that cannot go: no gateway listens here. */
static void bad_input_sends_nothing(void **state)
{
	(void)state;
	struct sms_config cfg = {
	    .url = "http://127.0.0.1:9/", .token = "t", .preset = SMS_PRESET_JSON};
	struct sms_client *c = NULL;
	assert_int_equal(sms_client_new(&cfg, &c), 0);
	char big[1700];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(sms_send(c, "030 1234567", "x", NULL), -ERR_VALIDATION_FAILED);
	assert_int_equal(sms_send(c, "+49 30 1234567", "", NULL), -ERR_VALIDATION_FAILED);
	assert_int_equal(sms_send(c, "+49 30 1234567", big, NULL), -ERR_VALIDATION_FAILED);
	assert_int_equal(sms_send(c, NULL, "x", NULL), -ERR_VALIDATION_FAILED);
	sms_client_free(c);
}

static void numbers(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *in, *out;
	} rows[] = {
		{"+4930123456", "+4930123456"},
		{"+49 30 123456", "+4930123456"},
		{"+49 (0)30", NULL},			/* too short */
		{"+1 (212) 555-0199", "+12125550199"},
		{"0044 20 7946 0101", "+442079460101"},
		{" +44.20.7946.0101", "+442079460101"},
		{"020 7946 0101", NULL},		/* national: no country code */
		{"+0 123 456 789", NULL},
		{"+49 30 12ab", NULL},
		{"+1234567", NULL},			/* 7 digits */
		{"+12345678", "+12345678"},		/* 8 */
		{"+123456789012345", "+123456789012345"},	/* 15 */
		{"+1234567890123456", NULL},		/* 16 */
		{"", NULL},
		{"+", NULL},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char out[24] = "";
		bool ok = sms_number(rows[i].in, out, sizeof out);
		row_check(&bad, rows[i].out ? ok && strcmp(out, rows[i].out) == 0 : !ok,
			  "row %zu: %d '%s'", i, ok, out);
	}
	assert_int_equal(bad, 0);
	char m[32];
	sms_mask_number("+493012345678", m, sizeof m);
	assert_string_equal(m, "+**********78");
	sms_mask_number("12", m, sizeof m);
	assert_string_equal(m, "12");
	sms_mask_number("+4930123", m, 5);
	assert_string_equal(m, "+***");
}

static void settings_are_checked(void **state)
{
	(void)state;
	static const struct {
		const char *url, *token, *from;
		enum sms_preset preset;
	} rows[] = {
	    {"ftp://gw.example/", "t", NULL, SMS_PRESET_JSON},
	    {"gw.example", "t", NULL, SMS_PRESET_JSON},
	    {NULL, "t", NULL, SMS_PRESET_JSON},
	    {"https://gw.example/", "", NULL, SMS_PRESET_JSON},
	    {"https://gw.example/", NULL, NULL, SMS_PRESET_JSON},
	    {"https://gw.example/", "t", NULL, 0},
	    {"https://api.example/", "nocolon", "+15005550006", SMS_PRESET_TWILIO},
	    {"https://api.example/", ":secret", "+15005550006", SMS_PRESET_TWILIO},
	    {"https://api.example/", "AC1:", "+15005550006", SMS_PRESET_TWILIO},
	    {"https://api.example/", "AC1:secret", NULL, SMS_PRESET_TWILIO},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct sms_config cfg = {.url = rows[i].url,
					 .token = rows[i].token,
					 .from = rows[i].from,
					 .preset = rows[i].preset};
		struct sms_client *c = (struct sms_client *)&cfg;
		assert_int_equal(sms_client_new(&cfg, &c), -ERR_BAD_REQUEST);
		assert_null(c);
	}
	assert_int_equal(sms_preset_parse("json"), SMS_PRESET_JSON);
	assert_int_equal(sms_preset_parse("twilio"), SMS_PRESET_TWILIO);
	assert_int_equal(sms_preset_parse("Twilio"), 0);
	assert_int_equal(sms_preset_parse(NULL), 0);
}

static void token_files(void **state)
{
	(void)state;
	char dir[64], path[256];
	scratch_make(dir);
	scratch_path(dir, "token", path);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("AC1:secret\nsecond line\n", f);
	fclose(f);
	char *t = NULL;
	assert_int_equal(sms_read_token_file(path, &t), 0);
	assert_string_equal(t, "AC1:secret");
	free(t);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("\n", f);
	fclose(f);
	assert_int_equal(sms_read_token_file(path, &t), -ERR_BAD_REQUEST);
	assert_null(t);
	scratch_path(dir, "absent", path);
	assert_int_equal(sms_read_token_file(path, &t), -ERR_BAD_REQUEST);
	scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(json_preset),
	    cmocka_unit_test(twilio_preset),
	    cmocka_unit_test(a_500_is_refused_and_logged_without_the_message),
	    cmocka_unit_test(a_gateway_that_hangs_times_out),
	    cmocka_unit_test(a_closed_port_is_unreachable),
	    cmocka_unit_test(bad_input_sends_nothing),
	    cmocka_unit_test(numbers),
	    cmocka_unit_test(settings_are_checked),
	    cmocka_unit_test(token_files),
	};
	return cmocka_run_group_tests_name("unit_sms", tests, NULL, NULL);
}
