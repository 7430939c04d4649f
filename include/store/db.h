/* The database: opening, migrations, transactions and the per-thread connections. */
#ifndef COLLAGENDA_STORE_DB_H
#define COLLAGENDA_STORE_DB_H

#include <stdbool.h>
#include <stdint.h>

struct db;

/* Sets SQLite up for this process, once; opening a database does it too. Code that uses
 * SQLite before the first database is opened calls it first. */
void db_setup(void);

/* Whether a --db target names a PostgreSQL database (a postgresql:// URI or a libpq
 * keyword=value string) rather than an SQLite file. */
bool db_is_remote(const char *target);
/* How to name the target in messages and logs: an SQLite path as it is, a PostgreSQL
 * connection string (which may hold a password) never. */
const char *db_display(const char *target);

/* Opens (creating if needed) the database at path with the project's pragmas and
 * applies pending migrations. 0 and *out (free with db_close), or a negative error. */
int db_open(const char *path, struct db **out) __attribute__((warn_unused_result));
void db_close(struct db *db);

/* Caps the database at max_pages pages (0: no cap) on every connection opened after this
 * call; writes beyond it fail with -ERR_STORAGE_UNAVAILABLE. Call before opening. */
void db_set_max_pages(int64_t max_pages);

/* The schema version the binary carries, and the one in the file. */
int db_schema_version(void);
int db_file_version(struct db *db, int *out) __attribute__((warn_unused_result));

/*
 * Per-thread connections for the server: db_pool_init names the file (migrating it
 * once), db_thread returns the calling thread's connection, opening it on first use
 * (NULL if that fails), and db_pool_close closes them all once the workers are gone.
 */
int db_pool_init(const char *path) __attribute__((warn_unused_result));
struct db *db_thread(void);
/* Opens n connections now, for threads to take later: a server that drops privileges
 * opens what it needs first. */
int db_pool_preopen(int n) __attribute__((warn_unused_result));
void db_pool_close(void);

/*
 * Transactions. A write takes the process-wide writer lock, then BEGIN IMMEDIATE; reads
 * use a deferred BEGIN. db_commit and db_rollback end either kind and release the lock.
 * Each returns 0 or a negative error (-ERR_STORAGE_UNAVAILABLE when the disk refuses).
 * In the server's pool every write transaction runs on one shared connection: between
 * db_begin_write and its end, db's statements (db_stmt) and handle (db_handle) are that
 * connection's, so a statement taken from db before the write began must not be used in it.
 */
int db_begin_write(struct db *db) __attribute__((warn_unused_result));
int db_begin_read(struct db *db) __attribute__((warn_unused_result));
int db_commit(struct db *db) __attribute__((warn_unused_result));
void db_rollback(struct db *db);

/*
 * Group commit (the server's pool, in WAL mode): db_commit returns once the commit is on
 * disk. db_commit_nowait commits and leaves that wait to the caller: when it sets *seq
 * to non-zero, nobody may be told of the commit before db_durable_async calls FN with
 * 0; FN gets a negative error if the disk refused, and may run on any thread, or at
 * once in the caller's. Meanwhile other writers go on, and one sync serves them all.
 */
int db_commit_nowait(struct db *db, uint64_t *seq) __attribute__((warn_unused_result));
typedef void (*db_durable_fn)(void *arg, int err);

/*
 * Every request reads its session and user; the API keeps them in a cache that holds while
 * db_auth_generation stays the same. A store function that changes a user or a session
 * calls db_auth_changed; the generation moves when that transaction commits (at once
 * outside a transaction).
 */
uint64_t db_auth_generation(void);
void db_auth_changed(struct db *db);
void db_durable_async(uint64_t seq, db_durable_fn fn, void *arg);

/* Copies the live database to dest with SQLite's online backup, then checks the copy's
 * integrity; 0 or a negative error. */
int db_backup(struct db *db, const char *dest) __attribute__((warn_unused_result));

/* PRAGMA integrity_check; 0 when "ok". */
int db_integrity_check(struct db *db) __attribute__((warn_unused_result));

#endif
