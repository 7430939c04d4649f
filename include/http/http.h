/* The HTTP server's contract with the layers above: a request, a reply and a handler,
 * with no libmicrohttpd types, so api/ never sees microhttpd.h. */
#ifndef COLLAGENDA_HTTP_HTTP_H
#define COLLAGENDA_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bodies larger than this are refused with 413 before or while reading. */
#define HTTP_MAX_BODY (1024 * 1024)
/* What a route that takes an upload (a photo) may take instead. */
#define HTTP_MAX_UPLOAD	 (25 * 1024 * 1024)
#define HTTP_MAX_HEADERS 16
/* Each connection's memory for the request head, its parsing and the answer's head: about
 * 14 KiB of head fits (431 beyond). libmicrohttpd clears it for every request, so it is no
 * larger than needed. */
#define HTTP_CONN_MEMORY (16 * 1024)
/* Defaults of struct http_config. */
#define HTTP_DEFAULT_CONN_LIMIT	  8192
#define HTTP_DEFAULT_PER_IP_LIMIT 256
#define HTTP_DEFAULT_TIMEOUT_S	  30
#define HTTP_DEFAULT_DEADLINE_S	  30

/* Where http_req_lookup looks. */
enum http_value_kind { HTTP_HEADER, HTTP_QUERY, HTTP_COOKIE };

/* One request; valid only during the handler call. */
struct http_req {
	const char *method;
	const char *path; /* without the query string */
	const char *body; /* NUL-terminated copy, or NULL when there is none */
	size_t body_len;
	const char *remote; /* the peer's address as text */
	bool tls;
	void *conn; /* the server's own connection handle */
	/* Finds a header, query argument or cookie of conn; NULL when absent. The server
	 * sets it; an in-process driver (a fuzzer) can bring its own. */
	const char *(*lookup)(void *conn, enum http_value_kind kind, const char *name);
};

/* The header's value, or NULL. Names compare case-insensitively. */
const char *http_req_header(const struct http_req *req, const char *name);
/* The decoded query argument's value, or NULL. */
const char *http_req_query(const struct http_req *req, const char *name);
/* The cookie's value, or NULL. */
const char *http_req_cookie(const struct http_req *req, const char *name);

/*
 * A request whose answer must wait for something done elsewhere (a read's audit event
 * becoming durable). The server suspends the connection and hands the handle to the
 * reply's defer function; exactly one call of handle->done(handle, ok) must follow, from
 * any thread: ok sends the reply the handler prepared, otherwise a 503
 * storage_unavailable goes out instead.
 */
struct http_deferred {
	void (*done)(struct http_deferred *self, bool ok);
};
typedef void (*http_defer_fn)(void *arg, struct http_deferred *handle);

struct http_header {
	const char *name; /* static */
	char *value;
	bool owned; /* value is a copy, freed with the reply */
};

/* What a handler answers. The handler fills it; the server frees it after sending. */
struct http_reply {
	int status;
	char *body; /* owned; may be NULL for an empty body */
	size_t body_len;
	bool body_static;	  /* body points at memory that is not to be freed */
	const char *content_type; /* static string */
	struct http_header headers[HTTP_MAX_HEADERS];
	int nheaders;
	/* Set by a handler whose answer must wait (see struct http_deferred). */
	http_defer_fn defer;
	void *defer_arg;
	/* What the access log line names: the route pattern and the user, if known. */
	const char *log_route;
	int64_t log_user;
};

/* Adds a header to the reply; extra ones past HTTP_MAX_HEADERS are dropped. The name must
 * be a static string; the value is copied, or with _static must be one too. */
void http_reply_header(struct http_reply *r, const char *name, const char *value);
void http_reply_header_static(struct http_reply *r, const char *name, const char *value);

/* Takes ownership of body (heap memory) as the reply's body. */
void http_reply_set_body(struct http_reply *r, int status, const char *content_type, char *body,
			 size_t len);

/* Frees what a reply owns (headers, and a body that is not static). */
void http_reply_cleanup(struct http_reply *r);

/* Answers request req into reply; must always set a status. */
typedef void (*http_handler_fn)(const struct http_req *req, struct http_reply *reply);

/* Called in each worker thread when the server stops, to close per-thread resources. */
struct http_config {
	const char *bind;	  /* address to listen on, "127.0.0.1" by default */
	unsigned port;		  /* 0 picks a free port */
	unsigned threads;	  /* worker pool size; 0 picks one per core, 2..4 */
	unsigned conn_limit;	  /* total connections */
	unsigned per_ip_limit;	  /* connections from one address */
	unsigned timeout_s;	  /* idle connection timeout */
	unsigned deadline_s;	  /* a request head must arrive, and a request end, within this;
				    0 picks HTTP_DEFAULT_DEADLINE_S */
	const char *tls_cert_pem; /* contents, not paths; NULL for plain HTTP */
	const char *tls_key_pem;
	http_handler_fn handler;
	/* The largest body a request to method and path may send (NULL: HTTP_MAX_BODY for
	 * all); called with the request's head, before any of the body is read. */
	size_t (*body_limit)(const char *method, const char *path);
};

struct http_server;

/* Starts listening; 0 and *out, or -ERR_INTERNAL with the reason logged. */
int http_server_start(const struct http_config *cfg, struct http_server **out)
    __attribute__((warn_unused_result));
/* The port actually bound. */
unsigned http_server_port(const struct http_server *s);
/* Stops accepting, waits up to grace_ms for requests in flight, stops and frees s. */
void http_server_stop(struct http_server *s, unsigned grace_ms);

#endif
