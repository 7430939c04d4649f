/* Migrations: the blocks of the embedded schema.sql that the file's PRAGMA user_version has
 * not reached, applied in order, one transaction each; they only move forward. */
#include "db_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/patients.h"
#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

/* Generated at build time from schema.sql and schema-pg.sql. */
extern const char collagenda_schema_sql[];
extern const char collagenda_schema_pg_sql[];

static const char *schema_of(const struct db *db)
{
	return db_is_pg(db) ? collagenda_schema_pg_sql : collagenda_schema_sql;
}

/* The next "-- version " marker at the start of a line, from p on; NULL when none. */
static const char *next_mark(const char *text, const char *p)
{
	for (p = strstr(p, "-- version "); p; p = strstr(p + 1, "-- version "))
		if (p == text || p[-1] == '\n')
			return p;
	return NULL;
}

/* The schema's "-- version N" blocks, in order. */
static int next_block(const char *text, const char **pos, int *version, const char **start,
		      size_t *len)
{
	const char *mark = next_mark(text, *pos);
	if (!mark)
		return 0;
	*version = (int)strtol(mark + 11, NULL, 10);
	const char *body = strchr(mark, '\n');
	body = body ? body + 1 : mark + strlen(mark);
	const char *end = next_mark(text, body);
	if (!end)
		end = body + strlen(body);
	*start = body;
	*len = (size_t)(end - body);
	*pos = end;
	return 1;
}

/* Data a block leaves to the program, run in the block's transaction right after its SQL:
 * what SQL cannot compute (search keys fold Unicode). */
static const struct {
	int version;
	int (*fill)(struct db *db);
} fills[] = {
    {17, store_patient_rebuild_keys},
};

static int fill_after(struct db *db, int version)
{
	for (size_t i = 0; i < sizeof fills / sizeof fills[0]; i++)
		if (fills[i].version == version)
			return fills[i].fill(db);
	return 0;
}

int db_schema_version(void)
{
	const char *pos = collagenda_schema_sql, *start;
	size_t len;
	int v, last = 0;
	while (next_block(collagenda_schema_sql, &pos, &v, &start, &len))
		last = v;
	return last;
}

/* PostgreSQL keeps the version in a table of one row. */
static const char *const sql_pg_version = "SELECT version FROM schema_version";
static const char *const sql_pg_version_locked = "SELECT version FROM schema_version FOR UPDATE";

static int pg_version(struct db *db, int *out)
{
	int err = db_exec_sql(db, "CREATE TABLE IF NOT EXISTS schema_version (version bigint "
				  "NOT NULL); INSERT INTO schema_version SELECT 0 WHERE NOT EXISTS "
				  "(SELECT 1 FROM schema_version)");
	int64_t v = 0;
	if (!err)
		err = db_query_int(db, db_stmt(db, &sql_pg_version), &v);
	*out = (int)v;
	return err;
}

int db_file_version(struct db *db, int *out)
{
	if (db_is_pg(db))
		return pg_version(db, out);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return db_err(db, sqlite3_errcode(db->h));
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -ERR_INTERNAL;
}

int db_migrate(struct db *db)
{
	int have = 0, v, err;
	const char *text = schema_of(db), *pos = text, *start;
	size_t len;

	if ((err = db_file_version(db, &have)) != 0)
		return err;
	if (have > db_schema_version()) {
		log_error("the database (version %d) is newer than this program (version %d)", have,
			  db_schema_version());
		return -ERR_INTERNAL;
	}
	while (next_block(text, &pos, &v, &start, &len)) {
		if (v <= have)
			continue;
		char *sql = xstrndup(start, len);
		char pragma[64];
		if (db_is_pg(db))
			snprintf(pragma, sizeof pragma, "UPDATE schema_version SET version = %d",
				 v);
		else
			snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v);
		if ((err = db_begin_write(db)) == 0) {
			/* On PostgreSQL another server may have applied the block meanwhile: the
			 * write transaction's lock makes the version read here final. */
			int64_t now = 0;
			if (db_is_pg(db) &&
			    (err = db_query_int(db, db_stmt(db, &sql_pg_version_locked), &now)) ==
				0 &&
			    now >= v) {
				db_rollback(db);
				free(sql);
				have = (int)now;
				continue;
			}
			if (!err)
				err = db_exec_sql(db, sql);
			if (!err)
				err = fill_after(db, v);
			if (!err)
				err = db_exec_sql(db, pragma);
			if (!err)
				err = db_commit(db);
			else
				db_rollback(db);
		}
		free(sql);
		if (err)
			return err;
		log_info("database migrated to version %d", v);
	}
	return 0;
}
