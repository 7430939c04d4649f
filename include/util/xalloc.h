/* Allocation that aborts on failure, and small string helpers built on it. */
#ifndef COLLAGENDA_UTIL_XALLOC_H
#define COLLAGENDA_UTIL_XALLOC_H

#include <stddef.h>

/* Like malloc/calloc/realloc/strdup, but abort the process when memory runs out.
 * Every size a client can drive is capped before it reaches these. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* xstrdup of NULL is NULL. */
char *xstrdup_or_null(const char *s);
char *xstrndup(const char *s, size_t n);

/* A growable byte buffer, always NUL-terminated. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_cleanup(struct buf *b);
/* Room for extra more bytes and the terminating NUL, without moving len. */
void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the buffer's data to the caller (who frees it) and resets b. */
char *buf_take(struct buf *b);

#endif
