/* SMTP through libcurl: TLS (STARTTLS on smtp://, required unless insecure; the server's
 * certificate always checked), login, one message per call on a kept connection. */
#include "util/smtp.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

struct smtp_client {
	const struct smtp_config *cfg;
	CURL *curl;
	bool fresh;	 /* the last exchange failed: the next one opens a new connection */
	char reply[256]; /* the server's first refusal (4xx or 5xx) of an exchange */
};

/* Keeps the server's first refusal ("451 4.3.0 Try again later"). */
static int on_debug(CURL *curl, curl_infotype type, char *data, size_t size, void *arg)
{
	(void)curl;
	struct smtp_client *c = arg;
	/* The first refusal counts: the QUIT that follows it is answered 221. */
	if (type != CURLINFO_HEADER_IN || size < 4 || c->reply[0] ||
	    (data[0] != '4' && data[0] != '5'))
		return 0;
	size_t n = size < sizeof c->reply - 1 ? size : sizeof c->reply - 1;
	memcpy(c->reply, data, n);
	while (n > 0 && (c->reply[n - 1] == '\n' || c->reply[n - 1] == '\r'))
		n--;
	c->reply[n] = '\0';
	/* Only printable ASCII is kept: it is shown to the desk and logged. */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)c->reply[i] < 0x20 || (unsigned char)c->reply[i] >= 0x7f)
			c->reply[i] = '?';
	return 0;
}

struct upload {
	const char *p;
	size_t left;
};

static size_t read_body(char *buf, size_t size, size_t nitems, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nitems;
	if (n > u->left)
		n = u->left;
	memcpy(buf, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

int smtp_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

struct smtp_client *smtp_client_new(const struct smtp_config *cfg)
{
	CURL *curl = curl_easy_init();
	if (!curl)
		return NULL;
	struct smtp_client *c = xcalloc(1, sizeof *c);
	c->cfg = cfg;
	c->curl = curl;
	return c;
}

void smtp_client_free(struct smtp_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
}

int smtp_send(struct smtp_client *c, const char *rcpt, const char *message, char *err, size_t n)
{
	const struct smtp_config *cfg = c->cfg;
	CURL *curl = c->curl;
	char errbuf[CURL_ERROR_SIZE];
	char to[400];
	errbuf[0] = '\0';
	snprintf(to, sizeof to, "<%s>", rcpt);
	struct curl_slist *rcpts = curl_slist_append(NULL, to);
	if (!rcpts) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	char from[400];
	snprintf(from, sizeof from, "<%s>", cfg->from);
	struct upload u = {message, strlen(message)};
	curl_easy_reset(curl);
	bool tls_url = strncmp(cfg->url, "smtps://", 8) == 0;
	CURLcode rc = CURLE_OK;
#define SET(opt, val)                                          \
	do {                                                   \
		if (rc == CURLE_OK)                            \
			rc = curl_easy_setopt(curl, opt, val); \
	} while (0)
	SET(CURLOPT_URL, cfg->url);
	SET(CURLOPT_USE_SSL,
	    tls_url || !cfg->insecure ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
	/* The server's certificate and name are always checked (libcurl's defaults, set
	 * here so that no change of them can slip in). */
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (cfg->ca_file)
		SET(CURLOPT_CAINFO, cfg->ca_file);
	SET(CURLOPT_MAIL_FROM, from);
	SET(CURLOPT_MAIL_RCPT, rcpts);
	SET(CURLOPT_READFUNCTION, read_body);
	SET(CURLOPT_READDATA, &u);
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)u.left);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT, 10L);
	SET(CURLOPT_TIMEOUT, cfg->timeout_s > 0 ? cfg->timeout_s : 60L);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	SET(CURLOPT_DEBUGFUNCTION, on_debug);
	SET(CURLOPT_DEBUGDATA, c);
	SET(CURLOPT_VERBOSE, 1L);
	SET(CURLOPT_FRESH_CONNECT, c->fresh ? 1L : 0L);
	if (cfg->user) {
		SET(CURLOPT_USERNAME, cfg->user);
		SET(CURLOPT_PASSWORD, cfg->password ? cfg->password : "");
	}
#undef SET
	c->reply[0] = '\0';
	if (rc == CURLE_OK)
		rc = curl_easy_perform(curl);
	curl_slist_free_all(rcpts);
	c->fresh = rc != CURLE_OK;
	if (rc == CURLE_OK)
		return 0;
	long code = 0;
	if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK)
		code = 0;
	if (code && c->reply[0])
		snprintf(err, n, "%s (%s)", c->reply, errbuf[0] ? errbuf : curl_easy_strerror(rc));
	else if (code)
		snprintf(err, n, "SMTP %ld: %s", code, errbuf[0] ? errbuf : curl_easy_strerror(rc));
	else
		snprintf(err, n, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
	return -1;
}
