/* The SMS gateway client over libcurl: a JSON POST or a Twilio-style form, with
 * timeouts, and failures logged without the message or the whole number. */
#include "msg/sms.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

#define MAX_TEXT_BYTES	1600
#define MAX_ANSWER	4096
#define MAX_TOKEN_BYTES 4096

struct sms_client {
	char *url;
	char *token;
	char *from;
	enum sms_preset preset;
	long connect_timeout_ms;
	long timeout_ms;
};

int sms_preset_parse(const char *name)
{
	if (name && strcmp(name, "json") == 0)
		return SMS_PRESET_JSON;
	if (name && strcmp(name, "twilio") == 0)
		return SMS_PRESET_TWILIO;
	return 0;
}

int sms_client_new(const struct sms_config *cfg, struct sms_client **out)
{
	*out = NULL;
	if (!cfg->url ||
	    (strncmp(cfg->url, "http://", 7) != 0 && strncmp(cfg->url, "https://", 8) != 0)) {
		log_error("--sms-url must be an http:// or https:// address");
		return -ERR_BAD_REQUEST;
	}
	if (cfg->preset != SMS_PRESET_JSON && cfg->preset != SMS_PRESET_TWILIO) {
		log_error("--sms-preset is json or twilio");
		return -ERR_BAD_REQUEST;
	}
	if (!cfg->token || !*cfg->token) {
		log_error("the SMS gateway token is empty (--sms-token-file)");
		return -ERR_BAD_REQUEST;
	}
	if (cfg->preset == SMS_PRESET_TWILIO) {
		const char *colon = strchr(cfg->token, ':');
		if (!colon || colon == cfg->token || !colon[1]) {
			log_error("the twilio preset's token file holds ACCOUNT_SID:AUTH_TOKEN");
			return -ERR_BAD_REQUEST;
		}
		if (!cfg->from || !*cfg->from) {
			log_error("the twilio preset needs --sms-from");
			return -ERR_BAD_REQUEST;
		}
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("cannot initialise libcurl");
		return -ERR_INTERNAL;
	}
	struct sms_client *c = xcalloc(1, sizeof *c);
	c->url = xstrdup(cfg->url);
	c->token = xstrdup(cfg->token);
	c->from = xstrdup_or_null(cfg->from && *cfg->from ? cfg->from : NULL);
	c->preset = cfg->preset;
	c->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 5000;
	c->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 15000;
	*out = c;
	return 0;
}

void sms_client_free(struct sms_client *c)
{
	if (!c)
		return;
	free(c->url);
	if (c->token)
		memset(c->token, 0, strlen(c->token));
	free(c->token);
	free(c->from);
	free(c);
}

int sms_read_token_file(const char *path, char **out)
{
	*out = NULL;
	FILE *f = path ? fopen(path, "rb") : NULL;
	if (!f) {
		log_error("cannot read the SMS token file %s", path ? path : "(none)");
		return -ERR_BAD_REQUEST;
	}
	char *buf = xmalloc(MAX_TOKEN_BYTES + 2);
	size_t n = fread(buf, 1, MAX_TOKEN_BYTES + 1, f);
	int bad = ferror(f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (bad || n > MAX_TOKEN_BYTES || !buf[0]) {
		log_error("the SMS token file %s is unreadable, empty or too long", path);
		memset(buf, 0, MAX_TOKEN_BYTES + 2);
		free(buf);
		return -ERR_BAD_REQUEST;
	}
	*out = buf;
	return 0;
}

bool sms_number(const char *phone, char *out, size_t n)
{
	size_t used = 0, digits = 0;
	const char *p = phone;
	if (!p || n < 2)
		return false;
	while (*p == ' ')
		p++;
	if (p[0] == '+')
		p++;
	else if (p[0] == '0' && p[1] == '0')
		p += 2;
	else
		return false;
	out[used++] = '+';
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (used + 1 >= n)
				return false;
			out[used++] = *p;
			digits++;
		} else if (!strchr(" .-()/", *p)) {
			return false;
		}
	}
	out[used] = '\0';
	return digits >= 8 && digits <= 15 && out[1] != '0';
}

void sms_mask_number(const char *phone, char *out, size_t n)
{
	size_t len = phone ? strlen(phone) : 0, used = 0;
	if (n == 0)
		return;
	for (size_t i = 0; i < len && used + 1 < n; i++) {
		char ch = phone[i];
		bool keep = ch == '+' || i + 2 >= len;
		out[used++] = keep ? ch : '*';
	}
	out[used] = '\0';
}

struct answer {
	char data[MAX_ANSWER + 1];
	size_t len;
};

static size_t collect(char *data, size_t size, size_t nmemb, void *userp)
{
	struct answer *a = userp;
	size_t n = size * nmemb, room = MAX_ANSWER - a->len;
	size_t take = n < room ? n : room;
	memcpy(a->data + a->len, data, take);
	a->len += take;
	a->data[a->len] = '\0';
	return n; /* the rest is read and dropped */
}

/* The start of the answer, printable ASCII only, into out. */
static void excerpt(const struct answer *a, char *out, size_t n)
{
	size_t used = 0;
	for (size_t i = 0; i < a->len && used + 1 < n && used < 100; i++) {
		unsigned char ch = (unsigned char)a->data[i];
		out[used++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : ' ';
	}
	out[used] = '\0';
}

/* A 2xx JSON answer's message id ("id", else Twilio's "sid"), if any. */
static void answer_id(const struct answer *a, char *out, size_t n)
{
	out[0] = '\0';
	json_t *o = json_loadb(a->data, a->len, 0, NULL);
	json_t *id = o ? json_object_get(o, "id") : NULL;
	if (!json_is_string(id))
		id = o ? json_object_get(o, "sid") : NULL;
	if (json_is_string(id))
		snprintf(out, n, "%s", json_string_value(id));
	json_decref(o);
}

/* The request body for the client's preset; caller frees. */
static char *request_body(CURL *h, const struct sms_client *c, const char *to, const char *text)
{
	if (c->preset == SMS_PRESET_JSON) {
		json_t *o = json_pack("{s:s, s:s}", "to", to, "text", text);
		if (!o)
			return NULL;
		if (c->from)
			json_object_set_new(o, "from", json_string(c->from));
		char *s = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		return s;
	}
	char *e_to = curl_easy_escape(h, to, 0), *e_from = curl_easy_escape(h, c->from, 0);
	char *e_body = curl_easy_escape(h, text, 0);
	char *s = NULL;
	if (e_to && e_from && e_body) {
		struct buf b;
		buf_init(&b);
		buf_printf(&b, "To=%s&From=%s&Body=%s", e_to, e_from, e_body);
		s = buf_take(&b);
	}
	curl_free(e_to);
	curl_free(e_from);
	curl_free(e_body);
	return s;
}

int sms_send(struct sms_client *c, const char *to, const char *text, struct sms_result *res)
{
	struct sms_result scratch;
	char number[24], masked[32];
	if (!res)
		res = &scratch;
	memset(res, 0, sizeof *res);
	if (!sms_number(to, number, sizeof number) || !text || !*text ||
	    strlen(text) > MAX_TEXT_BYTES)
		return -ERR_VALIDATION_FAILED;
	sms_mask_number(number, masked, sizeof masked);
	CURL *h = curl_easy_init();
	if (!h)
		return -ERR_INTERNAL;
	char *body = request_body(h, c, number, text);
	struct curl_slist *headers = NULL;
	char *auth = NULL;
	struct answer *a = xcalloc(1, sizeof *a);
	int err = -ERR_INTERNAL;
	if (!body)
		goto out;
	if (c->preset == SMS_PRESET_JSON) {
		struct buf b;
		buf_init(&b);
		buf_printf(&b, "Authorization: Bearer %s", c->token);
		auth = buf_take(&b);
		headers = curl_slist_append(headers, "Content-Type: application/json");
		headers = curl_slist_append(headers, auth);
	} else {
		headers =
		    curl_slist_append(headers, "Content-Type: application/x-www-form-urlencoded");
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERPWD, c->token);
	}
	headers = curl_slist_append(headers, "Accept: application/json");
	headers = curl_slist_append(headers, "Expect:");
	if (!headers)
		goto out;
	curl_easy_setopt(h, CURLOPT_URL, c->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "collagenda");
	CURLcode rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		log_warn("sms to %s: the gateway did not answer: %s", masked,
			 curl_easy_strerror(rc));
		snprintf(res->excerpt, sizeof res->excerpt, "%s", curl_easy_strerror(rc));
		err = -ERR_GATEWAY_UNREACHABLE;
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->status);
	excerpt(a, res->excerpt, sizeof res->excerpt);
	if (res->status >= 200 && res->status < 300) {
		answer_id(a, res->id, sizeof res->id);
		err = 0;
	} else {
		log_warn("sms to %s: the gateway answered %ld: %s", masked, res->status,
			 res->excerpt);
		err = -ERR_GATEWAY_REFUSED;
	}
out:
	curl_slist_free_all(headers);
	if (auth)
		memset(auth, 0, strlen(auth));
	free(auth);
	free(body);
	free(a);
	curl_easy_cleanup(h);
	return err;
}

static struct sms_client *gateway;

void sms_gateway_set(struct sms_client *c)
{
	sms_client_free(gateway);
	gateway = c;
}

struct sms_client *sms_gateway(void)
{
	return gateway;
}
