/* The audit trail's anchor: the newest durable event's id and hash, kept outside the
 * database in a file beside it (PATH.audit-head), so that cutting events off the end of
 * the chain, which a hash chain alone cannot show, is found by `audit verify`. */
#ifndef COLLAGENDA_STORE_ANCHOR_H
#define COLLAGENDA_STORE_ANCHOR_H

#include <stddef.h>
#include <stdint.h>

#include "domain/model.h"
#include "store/db.h"

struct audit_anchor {
	int64_t id; /* 0 for an empty trail */
	char hash[AUDIT_HASH_HEX];
};

/* The anchor file of the database at db_path: db_path with ".audit-head" appended, into
 * out (cap bytes); -ERR_INTERNAL when it does not fit. */
int store_anchor_path(const char *db_path, char *out, size_t cap)
    __attribute__((warn_unused_result));

/* Where the server keeps the anchor (serve --anchor FILE); NULL: beside an SQLite
 * database, and nowhere for a PostgreSQL one. Call before the pool opens. */
void store_anchor_use(const char *file);

/* Reads an anchor file ("ID HASH\n"): 0, -ERR_NOT_FOUND when there is none, or
 * -ERR_BAD_REQUEST when it does not read as an anchor. */
int store_anchor_read(const char *file, struct audit_anchor *out)
    __attribute__((warn_unused_result));

/* Writes an anchor file atomically: a temporary file beside it, synced, renamed over it,
 * and the directory synced. 0 or -ERR_STORAGE_UNAVAILABLE. */
int store_anchor_write(const char *file, const struct audit_anchor *a)
    __attribute__((warn_unused_result));

/* The newest event of db's audit trail (id 0 and the genesis hash when it is empty). */
int store_audit_head(struct db *db, struct audit_anchor *out) __attribute__((warn_unused_result));

/* The hash of event id into hash; -ERR_NOT_FOUND when there is no such event. */
int store_audit_hash_of(struct db *db, int64_t id, char hash[AUDIT_HASH_HEX])
    __attribute__((warn_unused_result));

#endif
