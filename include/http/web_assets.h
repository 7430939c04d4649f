/* The web UI's files, embedded at build time (see tools/embed_web.c). */
#ifndef COLLAGENDA_HTTP_WEB_ASSETS_H
#define COLLAGENDA_HTTP_WEB_ASSETS_H

#include <stddef.h>

struct web_asset {
	const char *path; /* relative to web/, e.g. "index.html", "js/app.js" */
	const char *content_type;
	const unsigned char *data;
	size_t len;
	const char *etag; /* quoted, as sent */
};

extern const struct web_asset web_assets[];
extern const size_t web_nassets;
/* A hash of every file: versioned URLs /static/v-VERSION/... may be cached for a year. */
extern const char web_version[];

#endif
