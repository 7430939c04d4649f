/* The fuzz targets' in-memory clinic and request driver. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/api.h"
#include "domain/dates.h"
#include "store/db.h"
#include "store/users.h"
#include "util/log.h"
#include "util/secrets.h"

static char tokens[3][SECRETS_TOKEN_LEN];

/* Stands in for the server's suspended connection. */
struct fake_deferred {
	struct http_deferred base;
	int ok;
};

static void fake_done(struct http_deferred *self, bool ok)
{
	((struct fake_deferred *)(void *)self)->ok = ok ? 1 : 0;
}
static const char *const names[3] = {"@admin", "@desk", "@prac"};

#define MAX_VALUES 32

struct fake_conn {
	int n;
	enum http_value_kind kind[MAX_VALUES];
	char *name[MAX_VALUES];
	char *value[MAX_VALUES];
};

static const char *lookup(void *conn, enum http_value_kind kind, const char *name)
{
	struct fake_conn *c = conn;
	for (int i = 0; i < c->n; i++)
		if (c->kind[i] == kind && (kind == HTTP_HEADER ? strcasecmp(c->name[i], name) == 0
							       : strcmp(c->name[i], name) == 0))
			return c->value[i];
	return NULL;
}

static void add(struct fake_conn *c, enum http_value_kind kind, const char *name, size_t nlen,
		const char *value, size_t vlen)
{
	if (c->n >= MAX_VALUES)
		return;
	c->kind[c->n] = kind;
	c->name[c->n] = strndup(name, nlen);
	c->value[c->n] = strndup(value, vlen);
	if (!c->name[c->n] || !c->value[c->n])
		abort();
	c->n++;
}

static void must(int err, const char *what)
{
	if (err) {
		fprintf(stderr, "fuzz setup: %s failed (%d)\n", what, err);
		abort();
	}
}

/* Sends a request as admin during setup and insists on a 2xx answer. */
static void setup_call(const char *method, const char *path, const char *body)
{
	int st = fuzz_request(method, path, "Authorization: @admin\nContent-Type: application/json",
			      body, body ? strlen(body) : 0);
	if (st < 200 || st > 299) {
		fprintf(stderr, "fuzz setup: %s %s answered %d\n", method, path, st);
		abort();
	}
}

static void setup_call_as(const char *who, const char *method, const char *path, const char *body)
{
	char h[96];
	snprintf(h, sizeof h, "Authorization: %s\nContent-Type: application/json", who);
	int st = fuzz_request(method, path, h, body, body ? strlen(body) : 0);
	if (st < 200 || st > 299) {
		fprintf(stderr, "fuzz setup: %s %s answered %d\n", method, path, st);
		abort();
	}
}

void fuzz_clinic_init(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	log_set_quiet(1);
	dates_set_zone("UTC");
	must(secrets_init(), "secrets_init");
	must(db_pool_init(":memory:"), "db_pool_init");
	struct db *db = db_thread();
	static const int roles[3] = {ROLE_ADMIN, ROLE_FRONT_DESK, ROLE_PRACTITIONER};
	static const char *const users[3] = {"admin", "desk", "prac"};
	int64_t now = (int64_t)time(NULL);
	must(db_begin_write(db), "begin");
	for (int i = 0; i < 3; i++) {
		struct user u = {.username = (char *)users[i],
				 .display_name = (char *)users[i],
				 .role = roles[i],
				 .active = true,
				 .created_at = now};
		int64_t id;
		/* A fixed, valid Argon2id string; nobody logs in with a password here. */
		must(store_user_insert(db, &u,
				       "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
				       "QWxsIHRoZSBzYW1lIGhhc2ggZm9yIGZ1enppbmc",
				       &id),
		     "user");
		uint8_t hash[SECRETS_HASH_LEN];
		secrets_new_token(tokens[i], hash);
		must(store_session_insert(db, hash, id, "csrf", now, now + 86400 * 365), "session");
	}
	must(db_commit(db), "commit");
	setup_call("POST", "/api/v1/rooms", "{\"name\":\"Room 1\"}");
	setup_call("PUT", "/api/v1/practitioners/3/availability",
		   "{\"hours\":[{\"weekday\":1,\"start\":\"00:00\",\"end\":\"24:00\"},"
		   "{\"weekday\":2,\"start\":\"00:00\",\"end\":\"24:00\"},"
		   "{\"weekday\":3,\"start\":\"00:00\",\"end\":\"24:00\"},"
		   "{\"weekday\":4,\"start\":\"00:00\",\"end\":\"24:00\"},"
		   "{\"weekday\":5,\"start\":\"00:00\",\"end\":\"24:00\"},"
		   "{\"weekday\":6,\"start\":\"00:00\",\"end\":\"24:00\"},"
		   "{\"weekday\":7,\"start\":\"00:00\",\"end\":\"24:00\"}]}");
	setup_call(
	    "POST", "/api/v1/patients",
	    "{\"first_name\":\"Ada\",\"last_name\":\"Fuzz\",\"date_of_birth\":\"1980-02-29\"}");
	setup_call_as("@prac", "POST", "/api/v1/patients/1/screenings",
		      "{\"conditions\":[\"sunburn\"]}");
	setup_call_as(
	    "@prac", "POST", "/api/v1/patients/1/consents",
	    "{\"treatment_type\":\"MN_PRP\",\"form_version\":\"v1\",\"signed_name\":\"Ada\"}");
	setup_call_as("@prac", "POST", "/api/v1/plans",
		      "{\"patient_id\":1,\"treatment_type\":\"MN_PRP\",\"indication\":\"scars\","
		      "\"areas\":[\"cheeks\"],\"practitioner_id\":3}");
	/* A month from today: bookings lie between today and two years ahead. */
	char booking[256], start[32];
	time_t at = (time_t)(now / 86400 + 30) * 86400 + 10 * 3600;
	struct tm tm;
	strftime(start, sizeof start, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&at, &tm));
	snprintf(booking, sizeof booking,
		 "{\"patient_id\":1,\"kind\":\"treatment\",\"plan_id\":1,\"practitioner_id\":3,"
		 "\"room_id\":1,\"start\":\"%s\"}",
		 start);
	setup_call_as("@prac", "POST", "/api/v1/appointments", booking);
}

int fuzz_request(const char *method, const char *path, const char *headers, const char *body,
		 size_t body_len)
{
	struct fake_conn c;
	memset(&c, 0, sizeof c);
	char *p = strdup(path);
	if (!p)
		abort();
	char *q = strchr(p, '?');
	if (q) {
		*q++ = '\0';
		while (*q) {
			size_t len = strcspn(q, "&");
			char *eq = memchr(q, '=', len);
			if (eq)
				add(&c, HTTP_QUERY, q, (size_t)(eq - q), eq + 1,
				    len - (size_t)(eq - q) - 1);
			else
				add(&c, HTTP_QUERY, q, len, "", 0);
			q += len;
			if (*q == '&')
				q++;
		}
	}
	for (const char *h = headers; h && *h;) {
		size_t len = strcspn(h, "\n");
		const char *colon = memchr(h, ':', len);
		if (colon) {
			const char *v = colon + 1;
			while (v < h + len && *v == ' ')
				v++;
			size_t vlen = len - (size_t)(v - h);
			const char *value = v;
			char bearer[80];
			for (int i = 0; i < 3; i++)
				if (vlen == strlen(names[i]) && memcmp(v, names[i], vlen) == 0) {
					snprintf(bearer, sizeof bearer, "Bearer %s", tokens[i]);
					value = bearer;
					vlen = strlen(bearer);
				}
			add(&c, HTTP_HEADER, h, (size_t)(colon - h), value, vlen);
			if ((size_t)(colon - h) == 6 && strncasecmp(h, "Cookie", 6) == 0) {
				const char *eq = memchr(value, '=', vlen);
				if (eq)
					add(&c, HTTP_COOKIE, value, (size_t)(eq - value), eq + 1,
					    vlen - (size_t)(eq - value) - 1);
			}
		}
		h += len;
		if (*h == '\n')
			h++;
	}
	char *b = NULL;
	if (body_len) {
		b = malloc(body_len + 1);
		if (!b)
			abort();
		memcpy(b, body, body_len);
		b[body_len] = '\0';
	}
	struct http_req req = {
	    .method = method,
	    .path = p,
	    .body = b,
	    .body_len = body_len,
	    .remote = "127.0.0.1",
	    .tls = false,
	    .conn = &c,
	    .lookup = lookup,
	};
	struct http_reply reply;
	memset(&reply, 0, sizeof reply);
	api_handle(&req, &reply);
	int status = reply.status;
	if (reply.defer) {
		struct fake_deferred d = {{fake_done}, -1};
		reply.defer(reply.defer_arg, &d.base);
		if (d.ok < 0)
			abort(); /* the deferral must be completed */
		if (!d.ok)
			status = 503;
	}
	if (status == 0 || status == 500) {
		fprintf(stderr, "fuzz: %s %s answered %d\n", method, path, status);
		abort();
	}
	http_reply_cleanup(&reply);
	for (int i = 0; i < c.n; i++) {
		free(c.name[i]);
		free(c.value[i]);
	}
	free(b);
	free(p);
	return status;
}
