/* Serving the embedded web UI: "/" is the app, "/static/..." its files. */
#ifndef COLLAGENDA_HTTP_STATIC_H
#define COLLAGENDA_HTTP_STATIC_H

#include "http/http.h"

/* Answers req from the embedded files (GET and HEAD only): 200 with ETag, 304 when
 * If-None-Match matches, 404 for an unknown file, 405 for other methods. */
void http_static_serve(const struct http_req *req, struct http_reply *reply);

/* Adds the security headers every answer carries: a strict Content-Security-Policy,
 * frame-ancestors 'none', Referrer-Policy, and HSTS under TLS. html says whether the
 * answer is the app's page (which may load its own scripts and styles). */
void http_security_headers(struct http_reply *reply, bool html, bool tls);

#endif
