/* The embedded web UI: content types, ETags, long caching for versioned URLs, and the
 * security headers of every answer. */
#include "http/static.h"

#include <stdio.h>
#include <string.h>

#include "http/web_assets.h"

#define STATIC_PREFIX "/static/"

static const char csp_app[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";
static const char csp_api[] = "default-src 'none'; frame-ancestors 'none'";

void http_security_headers(struct http_reply *reply, bool html, bool tls)
{
	http_reply_header_static(reply, "Content-Security-Policy", html ? csp_app : csp_api);
	http_reply_header_static(reply, "X-Frame-Options", "DENY");
	http_reply_header_static(reply, "Referrer-Policy", "no-referrer");
	if (tls)
		http_reply_header_static(reply, "Strict-Transport-Security", "max-age=31536000");
}

static const struct web_asset *find(const char *path)
{
	for (size_t i = 0; i < web_nassets; i++)
		if (strcmp(web_assets[i].path, path) == 0)
			return &web_assets[i];
	return NULL;
}

static void plain(struct http_reply *reply, int status, const char *text)
{
	reply->status = status;
	reply->content_type = "text/plain; charset=utf-8";
	reply->body = (char *)text;
	reply->body_len = strlen(text);
	reply->body_static = true;
}

void http_static_serve(const struct http_req *req, struct http_reply *reply)
{
	bool head = strcmp(req->method, "HEAD") == 0;
	reply->log_route = "static";
	http_security_headers(reply, true, req->tls);
	if (!head && strcmp(req->method, "GET") != 0) {
		http_reply_header_static(reply, "Allow", "GET, HEAD");
		plain(reply, 405, "Method not allowed.\n");
		return;
	}
	const char *path = req->path;
	bool versioned = false;
	if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0) {
		path = "index.html";
	} else if (strncmp(path, STATIC_PREFIX, strlen(STATIC_PREFIX)) == 0) {
		path += strlen(STATIC_PREFIX);
		/* /static/v-VERSION/file: the same file, cacheable for a year when VERSION is
		 * this build's. */
		if (strncmp(path, "v-", 2) == 0) {
			const char *slash = strchr(path, '/');
			if (slash) {
				size_t vlen = (size_t)(slash - path - 2);
				versioned = vlen == strlen(web_version) &&
					    memcmp(path + 2, web_version, vlen) == 0;
				path = slash + 1;
			}
		}
	} else {
		plain(reply, 404, "Not found.\n");
		return;
	}
	const struct web_asset *a = strstr(path, "..") ? NULL : find(path);
	if (!a) {
		plain(reply, 404, "Not found.\n");
		return;
	}
	http_reply_header_static(reply, "ETag", a->etag);
	http_reply_header_static(reply, "Cache-Control",
				 versioned ? "public, max-age=31536000, immutable" : "no-cache");
	const char *inm = http_req_header(req, "If-None-Match");
	reply->content_type = a->content_type;
	reply->body_static = true;
	if (inm && strstr(inm, a->etag)) {
		reply->status = 304;
		reply->body = NULL;
		reply->body_len = 0;
		return;
	}
	reply->status = 200;
	reply->body = (char *)a->data;
	reply->body_len = head ? 0 : a->len;
}
