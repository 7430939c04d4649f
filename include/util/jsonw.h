/* Writing JSON text straight into a buffer, for large answers (a day sheet has hundreds of
 * appointments): no tree of values to build, copy and free. The output is what jansson
 * writes for the same values with JSON_COMPACT: the same escapes, UTF-8 passed through. */
#ifndef COLLAGENDA_UTIL_JSONW_H
#define COLLAGENDA_UTIL_JSONW_H

#include <stdbool.h>
#include <stdint.h>

#include "util/xalloc.h"

/* A JSON string for s, or null when s is NULL. s is valid UTF-8 (checked on input). */
void jw_str(struct buf *b, const char *s);
/* The JSON string of a and c joined by one space ("first last"); NULL counts as "". */
void jw_str_pair(struct buf *b, const char *a, const char *c);
/* "key": — the key is written as jw_str writes it; a comma goes before it unless it is
 * the first member (first is then cleared). */
void jw_key(struct buf *b, bool *first, const char *key);
void jw_int(struct buf *b, int64_t v);
void jw_bool(struct buf *b, bool v);
/* A whole member: "key": and the value, as jw_key and jw_int, jw_str or jw_bool write
 * them. */
void jw_put_int(struct buf *b, bool *first, const char *key, int64_t v);
void jw_put_str(struct buf *b, bool *first, const char *key, const char *s);
void jw_put_bool(struct buf *b, bool *first, const char *key, bool v);
/* Text that is JSON already (a member separator, a bracket, a dumped value). */
void jw_raw(struct buf *b, const char *s);

#endif
