/* Backups and integrity checks: a copy of the live database through SQLite's online backup,
 * and PRAGMA integrity_check on a file. */
#include "db_internal.h"

#include <string.h>

#include "util/err.h"
#include "util/log.h"

int db_integrity_check(struct db *db)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->h, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return db_err(db, sqlite3_errcode(db->h));
	int ok = sqlite3_step(st) == SQLITE_ROW &&
		 strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
	sqlite3_finalize(st);
	return ok ? 0 : -ERR_INTERNAL;
}

int db_backup(struct db *db, const char *dest)
{
	sqlite3 *out = NULL;
	int rc = sqlite3_open_v2(dest, &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		log_error("cannot open backup file '%s': %s", dest,
			  out ? sqlite3_errmsg(out) : sqlite3_errstr(rc));
		sqlite3_close(out);
		return -ERR_STORAGE_UNAVAILABLE;
	}
	sqlite3_backup *b = sqlite3_backup_init(out, "main", db->h, "main");
	if (!b) {
		log_error("backup failed: %s", sqlite3_errmsg(out));
		sqlite3_close(out);
		return -ERR_INTERNAL;
	}
	/*
	 * Copy everything in one step: under WAL that holds one read snapshot while the
	 * server goes on writing. (Copying in small steps would restart whenever another
	 * connection writes, and might never finish under load.)
	 */
	int tries = 0;
	do {
		rc = sqlite3_backup_step(b, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while ((rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && ++tries < 500);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		log_error("backup failed: %s", sqlite3_errstr(rc));
		sqlite3_close(out);
		return -ERR_STORAGE_UNAVAILABLE;
	}
	struct db copy = {.h = out};
	int err = db_integrity_check(&copy);
	sqlite3_close(out);
	if (err)
		log_error("the backup copy failed its integrity check");
	return err;
}
