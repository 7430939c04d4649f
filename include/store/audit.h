/* The audit table: appending to the hash chain, listing and verifying it. */
#ifndef COLLAGENDA_STORE_AUDIT_H
#define COLLAGENDA_STORE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "domain/model.h"
#include "store/db.h"

/*
 * Appends an event (now, who, action, entity, entity_id, detail) to the chain. Call
 * inside a write transaction, so that the event commits with the change it records.
 * entity_id 0 and detail NULL mean none. 0 or a negative error.
 */
int store_audit_append(struct db *db, const struct actor *who, const char *action,
		       const char *entity, int64_t entity_id, const char *detail)
    __attribute__((warn_unused_result));

/*
 * Appends a read event durably without holding the caller in a write transaction: the
 * event joins a queue that one flusher thread commits in batches (group commit), and
 * the call returns once the batch holding it has committed. Call outside any
 * transaction. Without a running flusher it writes through db directly.
 */
int store_audit_read(struct db *db, const struct actor *who, const char *action, const char *entity,
		     int64_t entity_id, const char *detail) __attribute__((warn_unused_result));

/*
 * The same without waiting: the event (its strings copied) joins the queue, and
 * done(arg, err) runs on the flusher's thread once its batch has committed (err 0) or
 * failed. Without a running flusher the event is written through db at once and done
 * runs before this returns.
 */
typedef void (*audit_done_fn)(void *arg, int err);
void store_audit_read_async(struct db *db, const struct actor *who, const char *action,
			    const char *entity, int64_t entity_id, const char *detail,
			    audit_done_fn done, void *arg);

/* Starts and stops the flusher, which opens its own connection to path. */
int store_audit_flusher_start(const char *path) __attribute__((warn_unused_result));
void store_audit_flusher_stop(void);

/* Filters for store_audit_list; empty/zero fields do not filter. */
struct audit_filter {
	const char *entity;
	int64_t entity_id;
	int64_t user_id;
	int64_t before_id; /* only events with a smaller id (paging) */
	int limit;	   /* 1-500 */
};

/* Newest first. *out is an array of *n events; free with audit_events_free. *total (may
 * be NULL) counts every match, not just this page. */
int store_audit_list(struct db *db, const struct audit_filter *f, struct audit_event **out,
		     size_t *n, int64_t *total) __attribute__((warn_unused_result));

/*
 * Walks the whole chain in id order. 0 with *first_bad = 0 when it is intact; 0 with
 * *first_bad set to the first event whose link or hash does not hold (for a removed row,
 * the event after the gap); a negative error when the table cannot be read. *count gets
 * the number of events read.
 */
int store_audit_verify(struct db *db, int64_t *first_bad, int64_t *count)
    __attribute__((warn_unused_result));

#endif
