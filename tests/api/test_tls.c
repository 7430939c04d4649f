/* TLS: the server speaks TLS 1.2 and 1.3 with a PEM certificate, refuses older versions,
 * sends HSTS, and marks its session cookie Secure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static struct server srv;
static char dir[64], cert[128], key[128];

/* Makes a self-signed certificate for 127.0.0.1 with the openssl command. */
static int make_cert(void)
{
	fx_mkdtemp(dir, sizeof dir, "/tmp/collagenda-tls-");
	snprintf(cert, sizeof cert, "%s/cert.pem", dir);
	snprintf(key, sizeof key, "%s/key.pem", dir);
	pid_t pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stderr))
			_exit(126);
		execlp("openssl", "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
		       "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
		       "-addext", "subjectAltName=IP:127.0.0.1", (char *)NULL);
		_exit(127);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int setup(void **state)
{
	(void)state;
	if (make_cert() != 0)
		return -1;
	const char *args[] = {"--tls-cert", cert, "--tls-key", key, NULL};
	server_start(&srv, args);
	snprintf(srv.ca, sizeof srv.ca, "%s", cert);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(server_stop(&srv), 0);
	server_destroy(&srv);
	unlink(cert);
	unlink(key);
	rmdir(dir);
	return 0;
}

static void speaks_tls_with_hsts(void **state)
{
	(void)state;
	assert_non_null(strstr(srv.base, "https://"));
	struct resp *r = req(&srv, "GET", "/api/v1/health", NULL, NULL);
	assert_int_equal(r->status, 200);
	char buf[128];
	assert_non_null(resp_header(r, "Strict-Transport-Security", buf, sizeof buf));
	assert_non_null(strstr(buf, "max-age="));
	resp_free(r);
}

static void cookie_is_secure(void **state)
{
	(void)state;
	struct resp *r = req(&srv, "POST", "/api/v1/login", NULL,
			     "{\"username\":\"desk\",\"password\":\"" PW_DESK "\"}");
	assert_int_equal(r->status, 200);
	char buf[256];
	assert_non_null(resp_header(r, "Set-Cookie", buf, sizeof buf));
	assert_non_null(strstr(buf, "; Secure"));
	assert_non_null(strstr(buf, "HttpOnly"));
	resp_free(r);
}

/* Connects with exactly one TLS version allowed on our side; true when it worked. */
static bool handshake(long version, long max)
{
	CURL *c = curl_easy_init();
	char url[128];
	snprintf(url, sizeof url, "%s/api/v1/health", srv.base);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, srv.ca);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, version | max);
	/* Let the client offer old versions, so that a refusal is the server's. */
	curl_easy_setopt(c, CURLOPT_SSL_CIPHER_LIST, "DEFAULT:@SECLEVEL=0");
	curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	CURLcode rc = curl_easy_perform(c);
	curl_easy_cleanup(c);
	return rc == CURLE_OK;
}

static void versions(void **state)
{
	(void)state;
	assert_true(handshake(CURL_SSLVERSION_TLSv1_3, CURL_SSLVERSION_MAX_TLSv1_3));
	assert_true(handshake(CURL_SSLVERSION_TLSv1_2, CURL_SSLVERSION_MAX_TLSv1_2));
	assert_false(handshake(CURL_SSLVERSION_TLSv1_1, CURL_SSLVERSION_MAX_TLSv1_1));
	assert_false(handshake(CURL_SSLVERSION_TLSv1_0, CURL_SSLVERSION_MAX_TLSv1_0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(speaks_tls_with_hsts),
	    cmocka_unit_test(cookie_is_secure),
	    cmocka_unit_test(versions),
	};
	return cmocka_run_group_tests_name("api_tls", tests, setup, teardown);
}
