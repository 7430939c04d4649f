/* Zip archives made in memory with libarchive: stored entries (the photos are JPEGs
 * already; compressing them again gains nothing), for downloads such as the marketing
 * export. */
#ifndef COLLAGENDA_UTIL_ZIP_H
#define COLLAGENDA_UTIL_ZIP_H

#include <stddef.h>
#include <stdint.h>

struct zip_entry {
	const char *name; /* a path inside the archive, no leading '/' or ".." */
	const void *data;
	size_t len;
	int64_t mtime; /* Unix seconds */
};

/* The zip of the n entries, in their order, into *out (the caller frees) and *out_len.
 * 0, or -ERR_INTERNAL when libarchive refuses. */
int zip_build(const struct zip_entry *entries, size_t n, char **out, size_t *out_len)
    __attribute__((warn_unused_result));

#endif
