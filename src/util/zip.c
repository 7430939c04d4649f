/* Zip archives in memory, written by libarchive into a growing buffer. */
#include "util/zip.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>

#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

static la_ssize_t to_buffer(struct archive *a, void *arg, const void *data, size_t len)
{
	(void)a;
	buf_append(arg, data, len);
	return (la_ssize_t)len;
}

/* Adds one stored entry; ARCHIVE_OK or libarchive's failure. */
static int add_entry(struct archive *a, const struct zip_entry *e)
{
	struct archive_entry *ae = archive_entry_new();
	if (!ae)
		return ARCHIVE_FATAL;
	archive_entry_set_pathname(ae, e->name);
	archive_entry_set_size(ae, (la_int64_t)e->len);
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0640);
	archive_entry_set_mtime(ae, (time_t)e->mtime, 0);
	int rc = archive_write_header(a, ae);
	if (rc == ARCHIVE_OK && e->len &&
	    archive_write_data(a, e->data, e->len) != (la_ssize_t)e->len)
		rc = ARCHIVE_FATAL;
	archive_entry_free(ae);
	return rc;
}

int zip_build(const struct zip_entry *entries, size_t n, char **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	struct buf b;
	buf_init(&b);
	struct archive *a = archive_write_new();
	if (!a)
		return -ERR_INTERNAL;
	int rc = archive_write_set_format_zip(a);
	if (rc == ARCHIVE_OK)
		rc = archive_write_set_format_option(a, "zip", "compression", "store");
	/* A memory buffer takes every byte as it comes: no blocks to pad. */
	if (rc == ARCHIVE_OK)
		rc = archive_write_set_bytes_per_block(a, 0);
	if (rc == ARCHIVE_OK)
		rc = archive_write_open(a, &b, NULL, to_buffer, NULL);
	for (size_t i = 0; rc == ARCHIVE_OK && i < n; i++)
		rc = add_entry(a, &entries[i]);
	if (rc == ARCHIVE_OK)
		rc = archive_write_close(a);
	if (rc != ARCHIVE_OK)
		log_error("zip: %s", archive_error_string(a) ? archive_error_string(a) : "failed");
	archive_write_free(a);
	if (rc != ARCHIVE_OK) {
		buf_cleanup(&b);
		return -ERR_INTERNAL;
	}
	*out_len = b.len;
	*out = buf_take(&b);
	return 0;
}
