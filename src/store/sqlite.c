/* The SQLite driver: statements over sqlite3_stmt, SQLite's result codes mapped to the
 * project's errors. */
#include "db_internal.h"

#include <stdlib.h>

#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

struct sq_st {
	struct dbst base;
	sqlite3_stmt *st;
};

static sqlite3_stmt *raw(struct dbst *st)
{
	return ((struct sq_st *)st)->st;
}

int db_err(struct db *db, int rc)
{
	db = db_conn(db);
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_IOERR:
		/* A sync that failed inside SQLite (a new WAL's header, a checkpoint) lost what
		 * it was to write out, like one of group commit's own. */
		if (rc == SQLITE_IOERR_FSYNC || rc == SQLITE_IOERR_DIR_FSYNC)
			db_sync_failed(sqlite3_errstr(rc));
		/* fall through */
	case SQLITE_FULL:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
		log_warn("storage: %s", db ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		return -ERR_STORAGE_UNAVAILABLE;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -ERR_BUSY;
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return -ERR_DUPLICATE;
		log_error("constraint: %s", db ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		return -ERR_INTERNAL;
	default:
		log_error("sqlite: %s (%d)", db ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc), rc);
		return -ERR_INTERNAL;
	}
}

static int sq_prepare(struct db *db, const char *sql, struct dbst **out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		log_error("prepare failed: %s", sqlite3_errmsg(db->h));
		int err = db_err(db, sqlite3_extended_errcode(db->h));
		return err ? err : -ERR_INTERNAL;
	}
	struct sq_st *s = xmalloc(sizeof *s);
	s->base.drv = &db_sqlite_driver;
	s->st = st;
	*out = &s->base;
	return 0;
}

static void sq_finalize(struct dbst *st)
{
	sqlite3_finalize(raw(st));
	free(st);
}

static void sq_reset(struct dbst *st)
{
	sqlite3_reset(raw(st));
	sqlite3_clear_bindings(raw(st));
}

/* A binding's result: 0, or the error logged. */
static int bound(int rc)
{
	if (rc == SQLITE_OK)
		return 0;
	log_error("bind failed: %s", sqlite3_errstr(rc));
	return -ERR_INTERNAL;
}

static int sq_bind_int(struct dbst *st, int idx, int64_t v)
{
	return bound(sqlite3_bind_int64(raw(st), idx, v));
}

static int sq_bind_text(struct dbst *st, int idx, const char *s)
{
	return bound(s ? sqlite3_bind_text(raw(st), idx, s, -1, SQLITE_TRANSIENT)
		       : sqlite3_bind_null(raw(st), idx));
}

static int sq_bind_blob(struct dbst *st, int idx, const void *p, int len)
{
	return bound(sqlite3_bind_blob(raw(st), idx, p, len, SQLITE_TRANSIENT));
}

static int sq_bind_null(struct dbst *st, int idx)
{
	return bound(sqlite3_bind_null(raw(st), idx));
}

static int sq_step(struct db *db, struct dbst *st)
{
	int rc = sqlite3_step(raw(st));
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	int err = db_err(db, sqlite3_extended_errcode(sqlite3_db_handle(raw(st))));
	return err ? err : -ERR_INTERNAL;
}

static int64_t sq_col_int64(struct dbst *st, int col)
{
	return sqlite3_column_int64(raw(st), col);
}

static const char *sq_col_text(struct dbst *st, int col)
{
	return (const char *)sqlite3_column_text(raw(st), col);
}

static int sq_col_bytes(struct dbst *st, int col)
{
	return sqlite3_column_bytes(raw(st), col);
}

static bool sq_col_null(struct dbst *st, int col)
{
	return sqlite3_column_type(raw(st), col) == SQLITE_NULL;
}

static int sq_last_id(struct db *db, int64_t *id)
{
	*id = sqlite3_last_insert_rowid(db->h);
	return 0;
}

static int64_t sq_changes(struct db *db)
{
	return sqlite3_changes(db->h);
}

static bool sq_in_tx(struct db *db)
{
	return !sqlite3_get_autocommit(db->h);
}

const struct db_driver db_sqlite_driver = {
    .name = "sqlite",
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .reset = sq_reset,
    .bind_int = sq_bind_int,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .col_int64 = sq_col_int64,
    .col_text = sq_col_text,
    .col_bytes = sq_col_bytes,
    .col_null = sq_col_null,
    .last_id = sq_last_id,
    .changes = sq_changes,
    .in_tx = sq_in_tx,
};
