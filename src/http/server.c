/* The libmicrohttpd daemon: request lifetime, body limits, replies and shutdown. */
#include "http/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"
#include "util/xalloc.h"

/*
 * Every open connection, so that a reaper thread can cut one whose request head has not
 * arrived, or whose request has not ended, within the deadline: libmicrohttpd's own
 * timeout restarts with every byte, so a client trickling one byte a second would keep a
 * connection for ever. Entries leave the list in the connection-closed notification,
 * which libmicrohttpd sends before it closes the socket, and the reaper acts under the
 * same lock: it never touches a descriptor that has been closed and reused.
 */
struct conn_track {
	int fd;
	char remote[INET6_ADDRSTRLEN + 1]; /* the peer's address as text, made once */
	/* Connection start, last request end, or this request's start: written by the
	 * connection's own thread on every request, so an atomic rather than under the
	 * list's lock. */
	_Atomic int64_t since_ms;
	bool cut;
	struct conn_track *prev, *next;
};

struct http_server {
	struct MHD_Daemon *d;
	unsigned port;
	http_handler_fn handler;
	size_t (*body_limit)(const char *method, const char *path);
	atomic_int inflight;
	bool tls;
	pthread_mutex_t track_lock;
	struct conn_track *tracks;
	pthread_t reaper;
	bool reaper_running;
	atomic_int stopping;
	atomic_int draining; /* no new connections: the server is stopping */
	int64_t deadline_ms;
};

/* Per-request state, created on the first access-handler call and freed once, in the
 * request-completed callback. */
struct reqctx {
	struct http_deferred deferred; /* first: the handle given out is this struct */
	struct MHD_Connection *conn;
	struct http_reply kept; /* the answer waiting while the connection is suspended */
	bool waiting;		/* suspended, kept holds the answer */
	atomic_int finished;	/* 1: send kept; 2: send 503 */
	struct timespec start;
	char *body;
	size_t len;
	size_t cap;
	bool too_large;
	size_t limit; /* the largest body this request's route takes */
	int status;
	const char *route;
	char method[8];		  /* for the access log */
	struct conn_track *track; /* the connection's entry, or NULL */
	int64_t user;
	bool begun;	 /* the access handler has seen the request's head */
	int uri_refusal; /* 400 or 404 when the raw path is refused, else 0 */
};

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static struct conn_track *track_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* Marks the start or end of the connection's request: the deadline counts from here. */
static void track_request(struct conn_track *t)
{
	if (t)
		atomic_store_explicit(&t->since_ms, now_ms(), memory_order_relaxed);
}

static void remote_text(struct MHD_Connection *conn, char *buf, size_t n)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(buf, n, "unknown");
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
			  (socklen_t)n);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  buf, (socklen_t)n);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *srv = cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		struct conn_track *t = xcalloc(1, sizeof *t);
		t->fd = ci ? ci->connect_fd : -1;
		remote_text(conn, t->remote, sizeof t->remote);
		atomic_init(&t->since_ms, now_ms());
		pthread_mutex_lock(&srv->track_lock);
		t->next = srv->tracks;
		if (srv->tracks)
			srv->tracks->prev = t;
		srv->tracks = t;
		pthread_mutex_unlock(&srv->track_lock);
		*socket_context = t;
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
		struct conn_track *t = *socket_context;
		pthread_mutex_lock(&srv->track_lock);
		if (t->prev)
			t->prev->next = t->next;
		else
			srv->tracks = t->next;
		if (t->next)
			t->next->prev = t->prev;
		pthread_mutex_unlock(&srv->track_lock);
		free(t);
		*socket_context = NULL;
	}
}

/* Refuses new connections while the server drains. (MHD_quiesce_daemon would do this,
 * but with a thread pool under epoll it races the workers and can abort the process.) */
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t len)
{
	struct http_server *srv = cls;
	(void)addr;
	(void)len;
	return atomic_load(&srv->draining) ? MHD_NO : MHD_YES;
}

static void *reaper(void *arg)
{
	struct http_server *srv = arg;
	while (!atomic_load(&srv->stopping)) {
		struct timespec nap = {0, 200 * 1000 * 1000};
		nanosleep(&nap, NULL);
		int64_t now = now_ms();
		int cut = 0;
		pthread_mutex_lock(&srv->track_lock);
		for (struct conn_track *t = srv->tracks; t; t = t->next) {
			int64_t since = atomic_load_explicit(&t->since_ms, memory_order_relaxed);
			if (t->cut || t->fd < 0 || now - since <= srv->deadline_ms)
				continue;
			/* The event loop then sees the stream end and closes the connection. */
			shutdown(t->fd, SHUT_RDWR);
			t->cut = true;
			cut++;
		}
		pthread_mutex_unlock(&srv->track_lock);
		if (cut)
			log_warn("http: cut %d connection(s) past the %lld s request deadline", cut,
				 (long long)(srv->deadline_ms / 1000));
	}
	return NULL;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) * 1e3 + (double)(now.tv_nsec - t0->tv_nsec) / 1e6;
}

static const char *mhd_lookup(void *conn, enum http_value_kind kind, const char *name)
{
	static const enum MHD_ValueKind kinds[] = {
	    [HTTP_HEADER] = MHD_HEADER_KIND,
	    [HTTP_QUERY] = MHD_GET_ARGUMENT_KIND,
	    [HTTP_COOKIE] = MHD_COOKIE_KIND,
	};
	return MHD_lookup_connection_value(conn, kinds[kind], name);
}

const char *http_req_header(const struct http_req *req, const char *name)
{
	return req->lookup(req->conn, HTTP_HEADER, name);
}

const char *http_req_query(const struct http_req *req, const char *name)
{
	return req->lookup(req->conn, HTTP_QUERY, name);
}

const char *http_req_cookie(const struct http_req *req, const char *name)
{
	return req->lookup(req->conn, HTTP_COOKIE, name);
}

static void add_header(struct http_reply *r, const char *name, char *value, bool owned)
{
	if (r->nheaders >= HTTP_MAX_HEADERS) {
		if (owned)
			free(value);
		return;
	}
	r->headers[r->nheaders].name = name;
	r->headers[r->nheaders].value = value;
	r->headers[r->nheaders].owned = owned;
	r->nheaders++;
}

void http_reply_header(struct http_reply *r, const char *name, const char *value)
{
	add_header(r, name, xstrdup(value), true);
}

void http_reply_header_static(struct http_reply *r, const char *name, const char *value)
{
	add_header(r, name, (char *)value, false);
}

void http_reply_set_body(struct http_reply *r, int status, const char *content_type, char *body,
			 size_t len)
{
	if (r->body && !r->body_static)
		free(r->body);
	r->status = status;
	r->content_type = content_type;
	r->body = body;
	r->body_len = len;
	r->body_static = false;
}

void http_reply_cleanup(struct http_reply *r)
{
	for (int i = 0; i < r->nheaders; i++)
		if (r->headers[i].owned)
			free(r->headers[i].value);
	if (r->body && !r->body_static)
		free(r->body);
}

/* An error answer that the server itself decides (413 and failures to build a reply),
 * in the API's error shape (README, "Answers"). */
static const char body_413[] =
    "{\"error\":{\"code\":\"too_large\",\"message\":\"The request body is larger than 1 MiB.\","
    "\"details\":{\"limit\":1048576}}}";
static const char body_413_upload[] =
    "{\"error\":{\"code\":\"too_large\",\"message\":\"The request body is larger than 25 MiB.\","
    "\"details\":{\"limit\":26214400}}}";
static const char body_500[] =
    "{\"error\":{\"code\":\"internal\",\"message\":\"Something went wrong on our side.\","
    "\"details\":{}}}";

static const char body_400[] =
    "{\"error\":{\"code\":\"bad_request\",\"message\":\"The request's framing is ambiguous: "
    "more than one Content-Length, or Content-Length with Transfer-Encoding.\",\"details\":{}}}";

static const char body_400_nul[] =
    "{\"error\":{\"code\":\"bad_request\",\"message\":\"The path holds an encoded NUL "
    "byte.\",\"details\":{}}}";
static const char body_404[] =
    "{\"error\":{\"code\":\"not_found\",\"message\":\"No such resource.\",\"details\":{}}}";

/* What the raw path, before libmicrohttpd decodes it, says about the request: an encoded
 * NUL would cut the path short once decoded (400), and an encoded slash would become a
 * separator (404: "%2f" is part of a segment, and no route has such a segment). The
 * query string may hold both, decoded as usual. */
static int raw_path_refusal(const char *uri)
{
	for (const char *p = uri; *p && *p != '?'; p++) {
		if (p[0] != '%' || !p[1] || !p[2])
			continue;
		if (p[1] == '0' && p[2] == '0')
			return 400;
		if (p[1] == '2' && (p[2] == 'f' || p[2] == 'F'))
			return 404;
	}
	return 0;
}

/* No endpoint takes more than a handful of query parameters. */
#define HTTP_MAX_QUERY_PARAMS 64

static const char body_431[] =
    "{\"error\":{\"code\":\"head_too_large\",\"message\":\"The query string has more than 64 "
    "parameters.\",\"details\":{\"limit\":64}}}";

/*
 * Called with the raw request line's URI before anything else: the request's context
 * starts here, so that the access handler knows what the raw path said. A query string
 * of more parameters than any endpoint takes is cut off here, before libmicrohttpd
 * splits it: each parameter takes a record from the connection's 16 KiB, and when they
 * run out libmicrohttpd can build no answer either, so the client would wait for its
 * timeout. The URI is the connection's own buffer, whose query libmicrohttpd splits
 * after this call; the request is answered 431 instead.
 */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	(void)cls;
	(void)conn;
	struct reqctx *ctx = xcalloc(1, sizeof *ctx);
	ctx->user = -1;
	if (!uri)
		return ctx;
	ctx->uri_refusal = raw_path_refusal(uri);
	char *query = strchr(uri, '?');
	if (query) {
		size_t params = 1;
		for (const char *p = query; *p; p++)
			params += *p == '&';
		if (params > HTTP_MAX_QUERY_PARAMS) {
			/* libmicrohttpd has found the '?' already: it now splits an empty query. */
			query[1] = '\0';
			ctx->uri_refusal = 431;
		}
	}
	return ctx;
}

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	int *n = cls;
	(void)kind;
	(void)value;
	if (strcasecmp(key, "Content-Length") == 0)
		n[0]++;
	else if (strcasecmp(key, "Transfer-Encoding") == 0)
		n[1]++;
	return MHD_YES;
}

static const char body_503[] =
    "{\"error\":{\"code\":\"storage_unavailable\",\"message\":\"The database cannot take "
    "writes right now.\",\"details\":{}}}";

/* Requests suspended until their deferred work calls done: the daemon may not stop while
 * any is (the call would resume a connection the daemon has freed). */
static atomic_int suspended_now;

/* Called from any thread once a suspended request may be answered. */
static void deferred_done(struct http_deferred *self, bool ok)
{
	struct reqctx *ctx = (struct reqctx *)(void *)self;
	atomic_store(&ctx->finished, ok ? 1 : 2);
	MHD_resume_connection(ctx->conn);
	atomic_fetch_sub(&suspended_now, 1);
}

static enum MHD_Result send_static(struct MHD_Connection *conn, struct reqctx *ctx, int status,
				   const char *body)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (status == 413 || status == 400 || status == 431)
		MHD_add_response_header(resp, "Connection", "close");
	ctx->status = status;
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result queue_reply(struct MHD_Connection *conn, struct reqctx *ctx,
				   struct http_reply *rep);

static const char *too_large_body(const struct reqctx *ctx)
{
	return ctx->limit > HTTP_MAX_BODY ? body_413_upload : body_413;
}

static enum MHD_Result answer(struct http_server *srv, struct MHD_Connection *conn,
			      struct reqctx *ctx, const char *url, const char *method)
{
	char remote[INET6_ADDRSTRLEN + 1];
	if (ctx->track)
		memcpy(remote, ctx->track->remote, sizeof remote);
	else
		remote_text(conn, remote, sizeof remote);
	struct http_req req = {
	    .method = method,
	    .path = url,
	    .body = ctx->body,
	    .body_len = ctx->len,
	    .remote = remote,
	    .tls = srv->tls,
	    .conn = conn,
	    .lookup = mhd_lookup,
	};
	struct http_reply rep;
	memset(&rep, 0, sizeof rep);
	rep.log_user = -1;
	srv->handler(&req, &rep);
	ctx->route = rep.log_route;
	ctx->user = rep.log_user;
	if (rep.defer) {
		/* Suspend first, then start what will resume us, so that the resume cannot
		 * come before the suspend. */
		ctx->kept = rep;
		ctx->waiting = true;
		ctx->conn = conn;
		ctx->deferred.done = deferred_done;
		atomic_fetch_add(&suspended_now, 1);
		MHD_suspend_connection(conn);
		rep.defer(rep.defer_arg, &ctx->deferred);
		return MHD_YES;
	}
	return queue_reply(conn, ctx, &rep);
}

static enum MHD_Result queue_reply(struct MHD_Connection *conn, struct reqctx *ctx,
				   struct http_reply *reply)
{
	struct http_reply rep = *reply;
	memset(reply, 0, sizeof *reply);
	struct MHD_Response *resp;
	if (rep.body_static || !rep.body) {
		resp = MHD_create_response_from_buffer(
		    rep.body_len, rep.body ? rep.body : (void *)"", MHD_RESPMEM_PERSISTENT);
	} else {
		resp =
		    MHD_create_response_from_buffer(rep.body_len, rep.body, MHD_RESPMEM_MUST_FREE);
		if (resp)
			rep.body = NULL; /* MHD frees it now */
	}
	if (!resp) {
		http_reply_cleanup(&rep);
		return send_static(conn, ctx, 500, body_500);
	}
	if (rep.content_type)
		MHD_add_response_header(resp, "Content-Type", rep.content_type);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	for (int i = 0; i < rep.nheaders; i++)
		MHD_add_response_header(resp, rep.headers[i].name, rep.headers[i].value);
	int status = rep.status ? rep.status : 500;
	ctx->status = status;
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	http_reply_cleanup(&rep);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct reqctx *ctx = *con_cls;
	(void)version;

	if (!ctx) {
		ctx = on_uri(NULL, NULL, conn);
		*con_cls = ctx;
	}
	if (!ctx->begun) {
		/* First call: headers only. Answer on a later call so keep-alive survives,
		 * except for a declared body that is already too large. */
		ctx->begun = true;
		clock_gettime(CLOCK_MONOTONIC, &ctx->start);
		size_t mlen = strnlen(method, sizeof ctx->method - 1);
		memcpy(ctx->method, method, mlen); /* ctx is zeroed: the copy ends in a NUL */
		*con_cls = ctx;
		atomic_fetch_add(&srv->inflight, 1);
		ctx->track = track_of(conn);
		track_request(ctx->track);
		/* Two lengths, or a length and chunking, could be read differently by a proxy
		 * in front of us: refuse rather than guess (request smuggling). */
		int framing[2] = {0, 0};
		MHD_get_connection_values(conn, MHD_HEADER_KIND, count_framing, framing);
		if (framing[0] > 1 || framing[1] > 1 || (framing[0] && framing[1]))
			return send_static(conn, ctx, 400, body_400);
		if (ctx->uri_refusal == 400)
			return send_static(conn, ctx, 400, body_400_nul);
		if (ctx->uri_refusal == 404)
			return send_static(conn, ctx, 404, body_404);
		if (ctx->uri_refusal == 431)
			return send_static(conn, ctx, 431, body_431);
		ctx->limit = srv->body_limit ? srv->body_limit(method, url) : HTTP_MAX_BODY;
		const char *cl =
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		if (cl) {
			char *end = NULL;
			unsigned long long n = strtoull(cl, &end, 10);
			if (!end || *end != '\0' || n > ctx->limit)
				return send_static(conn, ctx, 413, too_large_body(ctx));
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (ctx->too_large)
			return MHD_YES;
		if (ctx->len + n > ctx->limit) {
			ctx->too_large = true;
			free(ctx->body);
			ctx->body = NULL;
			ctx->len = ctx->cap = 0;
			return MHD_YES;
		}
		if (ctx->len + n + 1 > ctx->cap) {
			size_t cap = ctx->cap ? ctx->cap : 1024;
			while (cap < ctx->len + n + 1)
				cap *= 2;
			ctx->body = xrealloc(ctx->body, cap);
			ctx->cap = cap;
		}
		memcpy(ctx->body + ctx->len, upload_data, n);
		ctx->len += n;
		ctx->body[ctx->len] = '\0';
		return MHD_YES;
	}
	if (ctx->waiting) {
		int fin = atomic_load(&ctx->finished);
		if (!fin)
			return MHD_YES; /* not resumed yet */
		ctx->waiting = false;
		if (fin == 1)
			return queue_reply(conn, ctx, &ctx->kept);
		http_reply_cleanup(&ctx->kept);
		return send_static(conn, ctx, 503, body_503);
	}
	if (ctx->status)
		return MHD_YES; /* already answered */
	if (ctx->too_large)
		return send_static(conn, ctx, 413, too_large_body(ctx));
	return answer(srv, conn, ctx, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	struct reqctx *ctx = *con_cls;
	(void)conn;
	(void)toe;
	if (!ctx)
		return;
	if (!ctx->begun) {
		/* Refused by libmicrohttpd before the access handler saw it. */
		free(ctx);
		*con_cls = NULL;
		return;
	}
	/* The route's pattern, never the path: ids and query strings may be patient data. */
	log_info("%s %s %d %.1fms user=%lld", ctx->method, ctx->route ? ctx->route : "-",
		 ctx->status, ms_since(&ctx->start), (long long)ctx->user);
	if (ctx->waiting)
		http_reply_cleanup(&ctx->kept);
	track_request(ctx->track);
	free(ctx->body);
	free(ctx);
	*con_cls = NULL;
	atomic_fetch_sub(&srv->inflight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	(void)cls;
	vsnprintf(line, sizeof line, fmt, ap);
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	log_warn("http: %s", line);
}

int http_server_start(const struct http_config *cfg, struct http_server **out)
{
	struct http_server *srv = xcalloc(1, sizeof *srv);
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const struct sockaddr *sa;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
			 MHD_ALLOW_SUSPEND_RESUME;
	const char *bind = cfg->bind ? cfg->bind : "127.0.0.1";

	memset(&sin, 0, sizeof sin);
	memset(&sin6, 0, sizeof sin6);
	if (inet_pton(AF_INET, bind, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)cfg->port);
		sa = (const struct sockaddr *)&sin;
	} else if (inet_pton(AF_INET6, bind, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((uint16_t)cfg->port);
		sa = (const struct sockaddr *)&sin6;
		flags |= MHD_USE_IPv6;
	} else {
		log_error("cannot bind to '%s': not an IP address", bind);
		free(srv);
		return -1;
	}
	/* Thousands of connections need thousands of descriptors: take what the hard limit
	 * allows. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			log_warn("cannot raise the open-file limit");
	}
	unsigned conn_limit = cfg->conn_limit ? cfg->conn_limit : HTTP_DEFAULT_CONN_LIMIT;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    conn_limit + 64 > rl.rlim_cur)
		conn_limit = rl.rlim_cur > 128 ? (unsigned)rl.rlim_cur - 64 : 64;
	unsigned threads = cfg->threads;
	if (!threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n < 2 ? 2 : n > 4 ? 4 : (unsigned)n;
	}
	srv->handler = cfg->handler;
	srv->body_limit = cfg->body_limit;
	srv->tls = cfg->tls_cert_pem != NULL;
	srv->deadline_ms =
	    1000 * (int64_t)(cfg->deadline_s ? cfg->deadline_s : HTTP_DEFAULT_DEADLINE_S);
	pthread_mutex_init(&srv->track_lock, NULL);
	if (srv->tls)
		flags |= MHD_USE_TLS;

	struct MHD_OptionItem opts[] = {
	    /* First, so that complaints about the options below reach our log. */
	    {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, NULL},
	    {MHD_OPTION_SOCK_ADDR, 0, (void *)sa},
	    {MHD_OPTION_THREAD_POOL_SIZE, threads, NULL},
	    {MHD_OPTION_CONNECTION_LIMIT, conn_limit, NULL},
	    {MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	     cfg->per_ip_limit ? cfg->per_ip_limit : HTTP_DEFAULT_PER_IP_LIMIT, NULL},
	    {MHD_OPTION_CONNECTION_TIMEOUT,
	     cfg->timeout_s ? cfg->timeout_s : HTTP_DEFAULT_TIMEOUT_S, NULL},
	    {MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONN_MEMORY, NULL},
	    {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv},
	    {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, srv},
	    {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, srv},
	    {srv->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)cfg->tls_cert_pem},
	    {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)cfg->tls_key_pem},
	    {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"},
	    {MHD_OPTION_END, 0, NULL},
	};
	srv->d = MHD_start_daemon(flags, 0, accept_policy, srv, on_request, srv, MHD_OPTION_ARRAY,
				  opts, MHD_OPTION_END);
	if (!srv->d) {
		log_error("cannot listen on %s port %u", bind, cfg->port);
		free(srv);
		return -1;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = di ? di->port : cfg->port;
	srv->reaper_running = pthread_create(&srv->reaper, NULL, reaper, srv) == 0;
	if (!srv->reaper_running)
		log_warn("http: no request deadline: its thread would not start");
	*out = srv;
	return 0;
}

unsigned http_server_port(const struct http_server *s)
{
	return s->port;
}

void http_server_stop(struct http_server *s, unsigned grace_ms)
{
	atomic_store(&s->draining, 1);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (atomic_load(&s->inflight) > 0 && ms_since(&t0) < grace_ms) {
		struct timespec nap = {0, 10 * 1000 * 1000};
		nanosleep(&nap, NULL);
	}
	/* Work that will resume a suspended request (an audit event, a write's sync) always
	 * finishes; wait for it even past the grace, or its resume would touch freed memory. */
	bool told = false;
	while (atomic_load(&suspended_now) > 0) {
		if (!told && ms_since(&t0) >= grace_ms) {
			log_warn("http: waiting for %d answers held for the disk",
				 atomic_load(&suspended_now));
			told = true;
		}
		struct timespec nap = {0, 10 * 1000 * 1000};
		nanosleep(&nap, NULL);
	}
	atomic_store(&s->stopping, 1);
	if (s->reaper_running)
		pthread_join(s->reaper, NULL);
	MHD_stop_daemon(s->d);
	pthread_mutex_destroy(&s->track_lock);
	free(s);
}
