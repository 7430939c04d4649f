/* Copying a clinic from an SQLite file into an empty PostgreSQL database, table by table
 * in the order the schema made them, ids and all; then each sequence moved past the ids
 * copied. */
#include "store/copy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

/* Login sessions stay behind: everyone logs in again on the new database. */
static bool skipped(const char *table)
{
	return strcmp(table, "auth_sessions") == 0;
}

/* The source's tables in the order they were made (parents before children). */
static int source_tables(struct db *from, char ***out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db_handle(from),
			       "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT "
			       "LIKE 'sqlite_%' ORDER BY rowid",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(from, sqlite3_extended_errcode(db_handle(from)));
	size_t cap = 32, len = 0;
	char **names = xcalloc(cap, sizeof *names);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap)
			names = xrealloc(names, (cap *= 2) * sizeof *names);
		names[len++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	*out = names;
	*n = len;
	return rc == SQLITE_DONE ? 0 : -ERR_INTERNAL;
}

/* The table's columns, comma-separated, and how many; whether one is "id". */
static int columns_of(struct db *from, const char *table, char *cols, size_t cap, int *ncols,
		      bool *has_id)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db_handle(from),
			       "SELECT name FROM pragma_table_info(?1) ORDER BY cid", -1, &st,
			       NULL) != SQLITE_OK)
		return -ERR_INTERNAL;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_TRANSIENT);
	size_t used = 0;
	*ncols = 0;
	*has_id = false;
	cols[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		int w = snprintf(cols + used, cap - used, "%s%s", *ncols ? ", " : "", c);
		if (w < 0 || (size_t)w >= cap - used) {
			sqlite3_finalize(st);
			return -ERR_INTERNAL;
		}
		used += (size_t)w;
		*has_id = *has_id || strcmp(c, "id") == 0;
		(*ncols)++;
	}
	sqlite3_finalize(st);
	return *ncols > 0 ? 0 : -ERR_INTERNAL;
}

static int count_rows(struct db *db, const char *table, int64_t *n)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	struct dbst *st = NULL;
	int err = db_conn(db)->drv->prepare(db_conn(db), sql, &st);
	if (err)
		return err;
	int rc = db_step(db, st);
	*n = rc == DB_ROW ? db_col_int64(st, 0) : 0;
	st->drv->finalize(st);
	return rc < 0 ? rc : 0;
}

/* Copies one table's rows; signed session records arrive as drafts (their parts follow,
 * which a signed record would refuse) and are signed again by finish_signed. */
static int copy_table(struct db *from, struct db *to, const char *table, int64_t *copied)
{
	char cols[2048], sql[4608];
	int ncols;
	bool has_id;
	int err = columns_of(from, table, cols, sizeof cols, &ncols, &has_id);
	if (err)
		return err;
	snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY rowid", cols, table);
	sqlite3_stmt *src = NULL;
	if (sqlite3_prepare_v2(db_handle(from), sql, -1, &src, NULL) != SQLITE_OK) {
		/* WITHOUT ROWID tables: their primary key orders them. */
		snprintf(sql, sizeof sql, "SELECT %s FROM %s", cols, table);
		if (sqlite3_prepare_v2(db_handle(from), sql, -1, &src, NULL) != SQLITE_OK)
			return db_err(from, sqlite3_extended_errcode(db_handle(from)));
	}
	int n = snprintf(sql, sizeof sql, "INSERT INTO %s (%s) VALUES (", table, cols);
	for (int i = 0; i < ncols && n > 0 && (size_t)n < sizeof sql; i++)
		n += snprintf(sql + n, sizeof sql - (size_t)n, "%s?%d", i ? ", " : "", i + 1);
	if (n <= 0 || (size_t)n + 2 >= sizeof sql) {
		sqlite3_finalize(src);
		return -ERR_INTERNAL;
	}
	memcpy(sql + n, ")", 2);
	struct dbst *dst = NULL;
	if ((err = to->drv->prepare(to, sql, &dst)) != 0) {
		sqlite3_finalize(src);
		return err;
	}
	bool records = strcmp(table, "session_records") == 0;
	int rc;
	*copied = 0;
	while (!err && (rc = sqlite3_step(src)) == SQLITE_ROW) {
		for (int i = 0; i < ncols && !err; i++) {
			const char *v = (const char *)sqlite3_column_text(src, i);
			const char *name = sqlite3_column_name(src, i);
			if (records && strcmp(name, "status") == 0)
				v = "draft";
			err = sqlite3_column_type(src, i) == SQLITE_NULL
				  ? db_bind_null(dst, i + 1)
				  : db_bind_text(dst, i + 1, v);
		}
		if (!err) {
			int s = db_step(to, dst);
			err = s < 0 ? s : 0;
		}
		db_done(dst);
		(*copied)++;
	}
	if (!err && rc != SQLITE_DONE)
		err = db_err(from, sqlite3_extended_errcode(db_handle(from)));
	sqlite3_finalize(src);
	dst->drv->finalize(dst);
	if (!err && has_id) {
		/* The next id the database hands out follows the copied ones. */
		snprintf(sql, sizeof sql,
			 "SELECT setval(s, (SELECT coalesce(max(id), 0) + 1 FROM %s), false) FROM "
			 "(SELECT pg_get_serial_sequence('%s', 'id') AS s) q WHERE s IS NOT NULL",
			 table, table);
		err = db_exec_sql(to, sql);
	}
	return err;
}

/* Signs again, in the target, the records that were signed in the source. */
static int finish_signed(struct db *from, struct db *to)
{
	sqlite3_stmt *src = NULL;
	if (sqlite3_prepare_v2(db_handle(from),
			       "SELECT appointment_id FROM session_records WHERE status = 'signed'",
			       -1, &src, NULL) != SQLITE_OK)
		return -ERR_INTERNAL;
	struct dbst *dst = NULL;
	int err = to->drv->prepare(
	    to, "UPDATE session_records SET status = 'signed' WHERE appointment_id = ?1", &dst);
	while (!err && sqlite3_step(src) == SQLITE_ROW) {
		err = db_bind_int(dst, 1, sqlite3_column_int64(src, 0));
		if (!err) {
			int s = db_step(to, dst);
			err = s < 0 ? s : 0;
		}
		db_done(dst);
	}
	sqlite3_finalize(src);
	if (dst)
		dst->drv->finalize(dst);
	return err;
}

int store_copy_clinic(struct db *from, struct db *to, FILE *report)
{
	if (db_is_pg(from) || !db_is_pg(to))
		return -ERR_BAD_REQUEST;
	char **tables = NULL;
	size_t n = 0;
	int err = source_tables(from, &tables, &n);
	/* Only into a new database: one that has users, patients or events is someone's. */
	static const char *const owned[] = {"users", "patients", "audit"};
	for (size_t i = 0; !err && i < 3; i++) {
		int64_t c = 0;
		err = count_rows(to, owned[i], &c);
		if (!err && c > 0) {
			fprintf(report, "the target database already holds %s\n", owned[i]);
			err = -ERR_CONFLICT;
		}
	}
	if (!err)
		err = db_begin_write(to);
	if (!err) {
		/* The catalogs the schema seeded make way for the source's own. */
		for (size_t i = n; !err && i-- > 0;) {
			char sql[160];
			snprintf(sql, sizeof sql, "DELETE FROM %s", tables[i]);
			if (!skipped(tables[i]))
				err = db_exec_sql(to, sql);
		}
		for (size_t i = 0; !err && i < n; i++) {
			int64_t copied = 0;
			if (!skipped(tables[i]))
				err = copy_table(from, to, tables[i], &copied);
			if (err)
				fprintf(report, "copying %s failed\n", tables[i]);
		}
		if (!err)
			err = finish_signed(from, to);
		if (!err)
			err = db_commit(to);
		else
			db_rollback(to);
	}
	/* Both sides' counts, table by table. */
	for (size_t i = 0; !err && i < n; i++) {
		int64_t a = 0, b = 0;
		err = count_rows(from, tables[i], &a);
		if (!err)
			err = count_rows(to, tables[i], &b);
		if (!err)
			fprintf(report, "%-24s %10lld %10lld%s\n", tables[i], (long long)a,
				(long long)b,
				skipped(tables[i]) ? "  (not copied: logins start over)"
				: a != b	   ? "  DIFFERS"
						   : "");
		if (!err && a != b && !skipped(tables[i]))
			err = -ERR_INTERNAL;
	}
	for (size_t i = 0; i < n; i++)
		free(tables[i]);
	free(tables);
	return err;
}
