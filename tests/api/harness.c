/* The API test harness: a real server process, libcurl requests, JSON answers. */
#include "harness.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "harness: %s (%s)\n", what, strerror(errno));
	abort();
}

const char *harness_bin(void)
{
	const char *b = getenv("COLLAGENDA_BIN");
	return b && *b ? b : "build/collagenda";
}

int run_cli(const char *const *args, const char *stdin_text, char **out)
{
	int in_pipe[2], out_pipe[2];
	if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0)
		die("pipe");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		dup2(in_pipe[0], 0);
		dup2(out_pipe[1], 1);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 2);
		close(in_pipe[1]);
		close(out_pipe[0]);
		const char *argv[32];
		int n = 0;
		argv[n++] = harness_bin();
		for (int i = 0; args[i] && n < 31; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in_pipe[0]);
	close(out_pipe[1]);
	if (stdin_text) {
		ssize_t w = write(in_pipe[1], stdin_text, strlen(stdin_text));
		(void)w;
	}
	close(in_pipe[1]);
	char *buf = NULL;
	size_t len = 0;
	char chunk[4096];
	ssize_t r;
	while ((r = read(out_pipe[0], chunk, sizeof chunk)) > 0) {
		buf = realloc(buf, len + (size_t)r + 1);
		if (!buf)
			die("realloc");
		memcpy(buf + len, chunk, (size_t)r);
		len += (size_t)r;
		buf[len] = '\0';
	}
	close(out_pipe[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	if (out)
		*out = buf ? buf : strdup("");
	else
		free(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void add_user(struct server *s, const char *name, const char *role, const char *pw)
{
	char line[128];
	snprintf(line, sizeof line, "%s\n", pw);
	const char *args[] = {"user", "add", "--db", s->db, "--username", name, "--role", role,
			      NULL};
	if (run_cli(args, line, NULL) != 0) {
		fprintf(stderr, "harness: user add %s failed\n", name);
		abort();
	}
}

static void spawn(struct server *s, const char *const *extra_args)
{
	int out_pipe[2];
	if (pipe(out_pipe) != 0)
		die("pipe");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		dup2(out_pipe[1], 1);
		int logfd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (logfd >= 0)
			dup2(logfd, 2);
		close(out_pipe[0]);
		const char *argv[40];
		int n = 0;
		argv[n++] = harness_bin();
		argv[n++] = "serve";
		argv[n++] = "--db";
		argv[n++] = s->db;
		argv[n++] = "--bind";
		argv[n++] = "127.0.0.1";
		argv[n++] = "--port";
		argv[n++] = "0";
		for (int i = 0; extra_args && extra_args[i] && n < 39; i++)
			argv[n++] = extra_args[i];
		argv[n] = NULL;
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(out_pipe[1]);
	s->pid = pid;
	/* Read standard output until the "listening on" line. */
	FILE *f = fdopen(out_pipe[0], "r");
	if (!f)
		die("fdopen");
	char line[512];
	s->port = 0;
	while (fgets(line, sizeof line, f)) {
		const char *p = strstr(line, "listening on http://127.0.0.1:");
		if (p) {
			s->port = (unsigned)strtoul(p + strlen("listening on http://127.0.0.1:"), NULL, 10);
			break;
		}
	}
	/* Keep draining stdout in the background is not needed: the server prints nothing
	 * more. Close our end. */
	fclose(f);
	if (!s->port) {
		fprintf(stderr, "harness: the server did not start; see %s\n", s->log);
		abort();
	}
	snprintf(s->base, sizeof s->base, "http://127.0.0.1:%u", s->port);
}

void server_start(struct server *s, const char *const *extra_args)
{
	static int curl_ready;
	if (!curl_ready) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		curl_ready = 1;
	}
	memset(s, 0, sizeof *s);
	snprintf(s->dir, sizeof s->dir, "/tmp/collagenda-test-XXXXXX");
	if (!mkdtemp(s->dir))
		die("mkdtemp");
	snprintf(s->db, sizeof s->db, "%s/clinic.db", s->dir);
	snprintf(s->log, sizeof s->log, "%s/server.log", s->dir);
	const char *init[] = {"init", "--db", s->db, NULL};
	if (run_cli(init, NULL, NULL) != 0) {
		fprintf(stderr, "harness: init failed\n");
		abort();
	}
	add_user(s, "admin", "admin", PW_ADMIN);
	add_user(s, "desk", "front_desk", PW_DESK);
	add_user(s, "prac", "practitioner", PW_PRAC);
	add_user(s, "prac2", "practitioner", PW_PRAC);
	spawn(s, extra_args);
}

void server_restart(struct server *s, const char *const *extra_args)
{
	spawn(s, extra_args);
}

int server_stop(struct server *s)
{
	if (!s->pid)
		return 0;
	kill(s->pid, SIGTERM);
	int status = 0;
	waitpid(s->pid, &status, 0);
	s->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void server_destroy(struct server *s)
{
	server_stop(s);
	char path[400];
	const char *files[] = {"clinic.db", "clinic.db-wal", "clinic.db-shm", "server.log", NULL};
	for (int i = 0; files[i]; i++) {
		snprintf(path, sizeof path, "%s/%s", s->dir, files[i]);
		unlink(path);
	}
	if (rmdir(s->dir) != 0 && getenv("HARNESS_VERBOSE"))
		fprintf(stderr, "harness: left %s behind\n", s->dir);
}

struct grow {
	char *p;
	size_t n;
};

static size_t collect(char *data, size_t size, size_t nmemb, void *userp)
{
	struct grow *g = userp;
	size_t add = size * nmemb;
	char *q = realloc(g->p, g->n + add + 1);
	if (!q)
		return 0;
	memcpy(q + g->n, data, add);
	g->p = q;
	g->n += add;
	g->p[g->n] = '\0';
	return add;
}

struct resp *req_ex(struct server *s, const char *method, const char *path, const char *token,
		    const char *body, size_t body_len, const char *const *extra_headers)
{
	CURL *c = curl_easy_init();
	if (!c)
		die("curl_easy_init");
	char url[1024];
	snprintf(url, sizeof url, "%s%s", s->base, path);
	struct grow b = {NULL, 0}, h = {NULL, 0};
	struct curl_slist *hdrs = NULL;
	char auth[256];
	if (token) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		hdrs = curl_slist_append(hdrs, auth);
	}
	if (body)
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	for (int i = 0; extra_headers && extra_headers[i]; i++)
		hdrs = curl_slist_append(hdrs, extra_headers[i]);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	CURLcode rc = curl_easy_perform(c);
	struct resp *r = calloc(1, sizeof *r);
	if (!r)
		die("calloc");
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	else
		r->status = -1;
	r->body = b.p ? b.p : strdup("");
	r->headers = h.p ? h.p : strdup("");
	r->json = json_loads(r->body, 0, NULL);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	if (getenv("HARNESS_VERBOSE"))
		fprintf(stderr, "%s %s -> %ld %s\n", method, path, r->status, r->body);
	return r;
}

struct resp *req(struct server *s, const char *method, const char *path, const char *token,
		 const char *body)
{
	return req_ex(s, method, path, token, body, body ? strlen(body) : 0, NULL);
}

struct resp *reqf(struct server *s, const char *method, const char *path, const char *token,
		  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *body = NULL;
	if (vasprintf(&body, fmt, ap) < 0)
		die("vasprintf");
	va_end(ap);
	struct resp *r = req(s, method, path, token, body);
	free(body);
	return r;
}

void resp_free(struct resp *r)
{
	if (!r)
		return;
	free(r->body);
	free(r->headers);
	json_decref(r->json);
	free(r);
}

const char *resp_header(const struct resp *r, const char *name, char *buf, size_t n)
{
	size_t nl = strlen(name);
	const char *p = r->headers;
	while (p && *p) {
		const char *eol = strstr(p, "\r\n");
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			size_t vl = len - (size_t)(v - p);
			if (vl >= n)
				vl = n - 1;
			memcpy(buf, v, vl);
			buf[vl] = '\0';
			return buf;
		}
		p = eol ? eol + 2 : NULL;
	}
	return NULL;
}

const char *resp_error(const struct resp *r)
{
	json_t *e = r->json ? json_object_get(r->json, "error") : NULL;
	const char *code = e ? json_string_value(json_object_get(e, "code")) : NULL;
	return code ? code : "";
}

char *login(struct server *s, const char *username, const char *password)
{
	json_t *b = json_pack("{s:s, s:s}", "username", username, "password", password);
	char *text = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	struct resp *r = req(s, "POST", "/api/v1/login", NULL, text);
	free(text);
	const char *tok = r->json ? json_string_value(json_object_get(r->json, "token")) : NULL;
	if (r->status != 200 || !tok) {
		fprintf(stderr, "harness: login %s failed: %ld %s\n", username, r->status, r->body);
		abort();
	}
	char *t = strdup(tok);
	resp_free(r);
	return t;
}

long long jint(const json_t *o, const char *key)
{
	json_t *v = o ? json_object_get(o, key) : NULL;
	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

const char *jstr(const json_t *o, const char *key)
{
	json_t *v = o ? json_object_get(o, key) : NULL;
	return json_is_string(v) ? json_string_value(v) : "";
}
