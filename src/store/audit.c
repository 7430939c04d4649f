/* The audit table as a hash chain. */
#include "store/audit.h"

#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_internal.h"
#include "domain/audit.h"
#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

static const char *const sql_last = "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1";
static const char *const sql_insert =
    "INSERT INTO audit (id, at, user_id, action, entity, entity_id, remote, detail, "
    "prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
#define EVENT_COLS "id, at, user_id, action, entity, entity_id, remote, detail, prev_hash, hash"
/*
 * Listing and counting, by the filters given (?1 entity, ?2 entity id, ?3 user, ?4 the id
 * to page before, ?5 the page size). One record's events come from audit_entity and one
 * user's from audit_user, both already in id order; anything else reads the table newest
 * first and stops at a page. The "|| ''" keeps an entity-only list off the entity index, which
 * would sort every event of that kind to show one page.
 */
enum { AQ_RECORD, AQ_USER, AQ_KIND, AQ_ID, AQ_ALL };
static const char *const sql_list[] = {
    [AQ_RECORD] = "SELECT " EVENT_COLS " FROM audit WHERE entity = ?1 AND entity_id = ?2 "
		  "AND id < ?4 AND (?3 = 0 OR user_id = ?3) ORDER BY id DESC LIMIT ?5",
    [AQ_USER] = "SELECT " EVENT_COLS " FROM audit WHERE user_id = ?3 AND id < ?4 "
		"AND (?1 IS NULL OR entity = ?1) AND (?2 = 0 OR entity_id = ?2) "
		"ORDER BY id DESC LIMIT ?5",
    [AQ_KIND] = "SELECT " EVENT_COLS " FROM audit WHERE entity || '' = ?1 AND id < ?4 "
		"ORDER BY id DESC LIMIT ?5",
    [AQ_ID] = "SELECT " EVENT_COLS " FROM audit WHERE id < ?4 AND entity_id = ?2 "
	      "ORDER BY id DESC LIMIT ?5",
    [AQ_ALL] = "SELECT " EVENT_COLS " FROM audit WHERE id < ?4 ORDER BY id DESC LIMIT ?5",
};
static const char *const sql_count[] = {
    [AQ_RECORD] = "SELECT count(*) FROM audit WHERE entity = ?1 AND entity_id = ?2 AND id < ?4 "
		  "AND (?3 = 0 OR user_id = ?3)",
    [AQ_USER] = "SELECT count(*) FROM audit WHERE user_id = ?3 AND id < ?4 "
		"AND (?1 IS NULL OR entity = ?1) AND (?2 = 0 OR entity_id = ?2)",
    [AQ_KIND] = "SELECT count(*) FROM audit WHERE entity = ?1 AND id < ?4",
    [AQ_ID] = "SELECT count(*) FROM audit WHERE id < ?4 AND entity_id = ?2",
    /* With no filter at all the count is the newest id before ?4: events are numbered 1,
     * 2, 3, ... as they are appended and none is ever deleted (a gap is what verify
     * reports). */
    [AQ_ALL] = "SELECT coalesce(max(id), 0) FROM audit WHERE id < ?4",
};
static const char *const sql_all = "SELECT " EVENT_COLS " FROM audit ORDER BY id";

static void copy_hex(char *dst, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= AUDIT_HASH_HEX)
		n = AUDIT_HASH_HEX - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

static void read_event(struct dbst *st, struct audit_event *e)
{
	e->id = db_col_int64(st, 0);
	e->at = db_col_int64(st, 1);
	e->user_id = db_col_int64(st, 2);
	e->action = db_col_text(st, 3);
	e->entity = db_col_text(st, 4);
	e->entity_id = db_col_int64(st, 5);
	e->remote = db_col_text(st, 6);
	e->detail = db_col_text(st, 7);
	copy_hex(e->prev_hash, db_col_cstr(st, 8));
	copy_hex(e->hash, db_col_cstr(st, 9));
}

/* The newest event: the one the next event links to. */
struct audit_head {
	int64_t id;
	char hash[AUDIT_HASH_HEX];
};

static void read_head_row(struct dbst *st, void *p)
{
	struct audit_head *head = p;
	head->id = db_col_int64(st, 0);
	copy_hex(head->hash, db_col_cstr(st, 1));
}

/* The head, or before the first event the genesis: id 0 and AUDIT_GENESIS. */
static int read_head(struct db *db, struct audit_head *head)
{
	int err = db_get_one(db, db_stmt(db, &sql_last), read_head_row, head);
	if (err == -ERR_NOT_FOUND) {
		head->id = 0;
		memcpy(head->hash, AUDIT_GENESIS, sizeof AUDIT_GENESIS);
		err = 0;
	}
	return err;
}

/* Appends the event after head, inside the caller's write transaction, and makes it the
 * head. */
static int append_after(struct db *db, struct audit_head *head, const struct actor *who,
			const char *action, const char *entity, int64_t entity_id,
			const char *detail)
{
	assert(db_in_write(db));
	struct audit_event e;
	memset(&e, 0, sizeof e);
	e.id = head->id + 1;
	memcpy(e.prev_hash, head->hash, AUDIT_HASH_HEX);
	/* The system's time, not clock_now: the trail records when a change was really made,
	 * and a test server's moved clock (serve --test-clock) must not write into it. */
	e.at = (int64_t)time(NULL);
	e.user_id = who ? who->user_id : 0;
	e.action = (char *)action;
	e.entity = (char *)entity;
	e.entity_id = entity_id;
	e.remote = (char *)(who && who->remote ? who->remote : "local");
	e.detail = (char *)(detail ? detail : "");
	audit_hash(&e, e.hash);

	struct dbst *st = db_stmt(db, &sql_insert);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 1, e.id);
	db_bind_int(st, 2, e.at);
	if (e.user_id)
		db_bind_int(st, 3, e.user_id);
	db_bind_text(st, 4, e.action);
	db_bind_text(st, 5, e.entity);
	if (e.entity_id)
		db_bind_int(st, 6, e.entity_id);
	db_bind_text(st, 7, e.remote);
	db_bind_text(st, 8, e.detail);
	db_bind_text(st, 9, e.prev_hash);
	db_bind_text(st, 10, e.hash);
	int err = db_exec_stmt(db, st);
	if (!err) {
		head->id = e.id;
		memcpy(head->hash, e.hash, AUDIT_HASH_HEX);
		anchor_event(db, e.id, e.hash);
	}
	return err;
}

int store_audit_append(struct db *db, const struct actor *who, const char *action,
		       const char *entity, int64_t entity_id, const char *detail)
{
	assert(db_in_write(db));
	struct audit_head head;
	int err = read_head(db, &head);
	return err ? err : append_after(db, &head, who, action, entity, entity_id, detail);
}

static void read_event_row(struct dbst *st, void *p)
{
	read_event(st, p);
}

static void free_events(void *p, size_t n)
{
	audit_events_free(p, n);
}

/* Which of the statements above serves the filter. */
static int list_query(const struct audit_filter *f)
{
	bool entity = f->entity && *f->entity;
	if (entity && f->entity_id)
		return AQ_RECORD;
	if (f->user_id)
		return AQ_USER;
	if (entity)
		return AQ_KIND;
	return f->entity_id ? AQ_ID : AQ_ALL;
}

static void bind_filter(struct dbst *st, const struct audit_filter *f)
{
	db_bind_text(st, 1, f->entity && *f->entity ? f->entity : NULL);
	db_bind_int(st, 2, f->entity_id);
	db_bind_int(st, 3, f->user_id);
	db_bind_int(st, 4, f->before_id ? f->before_id : INT64_MAX);
}

int store_audit_list(struct db *db, const struct audit_filter *f, struct audit_event **out,
		     size_t *n, int64_t *total)
{
	int q = list_query(f);
	struct dbst *st;
	if (total) {
		if (!(st = db_stmt(db, &sql_count[q])))
			return -ERR_INTERNAL;
		bind_filter(st, f);
		int err = db_query_int(db, st, total);
		if (err)
			return err;
	}
	st = db_stmt(db, &sql_list[q]);
	if (!st)
		return db_stmt_err(db);
	bind_filter(st, f);
	db_bind_int(st, 5, f->limit);
	return db_collect(db, st, sizeof **out, read_event_row, free_events, (void **)out, n);
}

int store_audit_verify(struct db *db, int64_t *first_bad, int64_t *count)
{
	struct dbst *st = db_stmt(db, &sql_all);
	if (!st)
		return db_stmt_err(db);
	char prev[AUDIT_HASH_HEX];
	int64_t expect_id = 1;
	memcpy(prev, AUDIT_GENESIS, sizeof AUDIT_GENESIS);
	*first_bad = 0;
	*count = 0;
	int rc;
	while ((rc = db_step(db, st)) == DB_ROW) {
		struct audit_event e;
		memset(&e, 0, sizeof e);
		read_event(st, &e);
		(*count)++;
		bool ok = e.id == expect_id && audit_event_valid(&e, prev);
		memcpy(prev, e.hash, AUDIT_HASH_HEX);
		expect_id = e.id + 1;
		int64_t id = e.id;
		audit_event_cleanup(&e);
		if (!ok) {
			*first_bad = id;
			break;
		}
	}
	int err = rc == DB_DONE || rc == DB_ROW ? 0 : rc;
	db_done(st);
	return err;
}

/* ---- Group commit of read events. ---- */

struct pending {
	const struct actor *who;
	const char *action;
	const char *entity;
	int64_t entity_id;
	const char *detail;
	int result;
	bool done;
	struct pending *next;
	/* For the asynchronous kind: the callback, and the copies this struct owns. */
	audit_done_fn cb;
	void *cb_arg;
	struct actor who_copy;
	char *owned[4];
};

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t q_done = PTHREAD_COND_INITIALIZER;
static struct pending *q_head, *q_tail;
static bool q_running;
static pthread_t q_thread;
static struct db *q_db;

static void *flusher(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&q_lock);
	for (;;) {
		while (!q_head && q_running)
			pthread_cond_wait(&q_wake, &q_lock);
		if (!q_head && !q_running)
			break;
		/* Take every event queued so far: one transaction, one sync for all. */
		struct pending *batch = q_head;
		q_head = q_tail = NULL;
		pthread_mutex_unlock(&q_lock);

		/* The write transaction keeps every other writer out, so the head read once
		 * stays the head for the whole batch. */
		struct audit_head head;
		int err = db_begin_write(q_db);
		if (!err)
			err = read_head(q_db, &head);
		for (struct pending *p = batch; !err && p; p = p->next)
			err = append_after(q_db, &head, p->who, p->action, p->entity, p->entity_id,
					   p->detail);
		if (!err)
			err = db_commit(q_db);
		else
			db_rollback(q_db);

		/* Callbacks run outside the lock; waiters are woken under it. */
		struct pending *waiters = NULL;
		for (struct pending *p = batch; p;) {
			struct pending *next = p->next;
			if (p->cb) {
				p->cb(p->cb_arg, err);
				for (int i = 0; i < 4; i++)
					free(p->owned[i]);
				free(p);
			} else {
				p->next = waiters;
				waiters = p;
			}
			p = next;
		}
		pthread_mutex_lock(&q_lock);
		for (struct pending *p = waiters; p;) {
			struct pending *next = p->next;
			p->result = err;
			p->done = true; /* the waiter owns p; do not touch it after this */
			p = next;
		}
		pthread_cond_broadcast(&q_done);
	}
	pthread_mutex_unlock(&q_lock);
	return NULL;
}

int store_audit_flusher_start(const char *path)
{
	int err = db_open(path, &q_db);
	if (err)
		return err;
	q_running = true;
	if (pthread_create(&q_thread, NULL, flusher, NULL) != 0) {
		q_running = false;
		db_close(q_db);
		q_db = NULL;
		return -ERR_INTERNAL;
	}
	return 0;
}

void store_audit_flusher_stop(void)
{
	if (!db_worker_stop(&q_lock, &q_wake, &q_running, &q_thread))
		return;
	db_close(q_db);
	q_db = NULL;
}

int store_audit_read(struct db *db, const struct actor *who, const char *action, const char *entity,
		     int64_t entity_id, const char *detail)
{
	struct pending p = {.who = who,
			    .action = action,
			    .entity = entity,
			    .entity_id = entity_id,
			    .detail = detail};
	pthread_mutex_lock(&q_lock);
	if (!q_running) {
		pthread_mutex_unlock(&q_lock);
		int err = db_begin_write(db);
		if (err)
			return err;
		err = store_audit_append(db, who, action, entity, entity_id, detail);
		if (err) {
			db_rollback(db);
			return err;
		}
		return db_commit(db);
	}
	if (q_tail)
		q_tail->next = &p;
	else
		q_head = &p;
	q_tail = &p;
	pthread_cond_signal(&q_wake);
	while (!p.done)
		pthread_cond_wait(&q_done, &q_lock);
	pthread_mutex_unlock(&q_lock);
	return p.result;
}

void store_audit_read_async(struct db *db, const struct actor *who, const char *action,
			    const char *entity, int64_t entity_id, const char *detail,
			    audit_done_fn done, void *arg)
{
	pthread_mutex_lock(&q_lock);
	if (!q_running) {
		pthread_mutex_unlock(&q_lock);
		done(arg, store_audit_read(db, who, action, entity, entity_id, detail));
		return;
	}
	struct pending *p = xcalloc(1, sizeof *p);
	p->who_copy.user_id = who ? who->user_id : 0;
	p->owned[0] = xstrdup(who && who->remote ? who->remote : "local");
	p->owned[1] = xstrdup(action);
	p->owned[2] = xstrdup(entity);
	p->owned[3] = detail ? xstrdup(detail) : NULL;
	p->who_copy.remote = p->owned[0];
	p->who = &p->who_copy;
	p->action = p->owned[1];
	p->entity = p->owned[2];
	p->entity_id = entity_id;
	p->detail = p->owned[3];
	p->cb = done;
	p->cb_arg = arg;
	if (q_tail)
		q_tail->next = p;
	else
		q_head = p;
	q_tail = p;
	pthread_cond_signal(&q_wake);
	pthread_mutex_unlock(&q_lock);
}

const struct hot_query store_audit_hot[] = {
    {"audit of one record", &sql_list[AQ_RECORD]},
    {"audit count of one record", &sql_count[AQ_RECORD]},
    {"audit of one user", &sql_list[AQ_USER]},
    {"audit count of one user", &sql_count[AQ_USER]},
    {"audit count of one kind", &sql_count[AQ_KIND]},
    {"audit count, unfiltered", &sql_count[AQ_ALL]},
    {NULL, NULL},
};
