/* What store/ modules share about a connection: statements, error mapping, and the
 * connection itself for the files that make it up. */
#ifndef COLLAGENDA_STORE_DB_INTERNAL_H
#define COLLAGENDA_STORE_DB_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

/*
 * A prepared statement of the connection's driver (SQLite or PostgreSQL): each driver's
 * own statement starts with this header. SQL is written once, in the dialect both
 * databases share, with ?N parameters; a driver rewrites what it must.
 */
struct db_driver;
struct dbst {
	const struct db_driver *drv;
};

/* What db_step answers besides a negative error. */
#define DB_DONE 0
#define DB_ROW	1

struct db_driver {
	const char *name;
	/* Statements: prepare gives 0 and *out, or a negative error (logged). */
	int (*prepare)(struct db *db, const char *sql, struct dbst **out);
	void (*finalize)(struct dbst *st);
	/* Ready to bind and step again, with every parameter unbound. */
	void (*reset)(struct dbst *st);
	int (*bind_int)(struct dbst *st, int idx, int64_t v);
	int (*bind_text)(struct dbst *st, int idx, const char *s);
	int (*bind_blob)(struct dbst *st, int idx, const void *p, int len);
	int (*bind_null)(struct dbst *st, int idx);
	/* DB_ROW, DB_DONE, or a negative error (mapped as db_err does, logged). */
	int (*step)(struct db *db, struct dbst *st);
	int64_t (*col_int64)(struct dbst *st, int col);
	const char *(*col_text)(struct dbst *st, int col);
	int (*col_bytes)(struct dbst *st, int col);
	bool (*col_null)(struct dbst *st, int col);
	/* The connection: the id of the row its last INSERT made, the rows its last
	 * statement changed, whether a transaction is open. */
	int (*last_id)(struct db *db, int64_t *id);
	int64_t (*changes)(struct db *db);
	bool (*in_tx)(struct db *db);
};

extern const struct db_driver db_sqlite_driver;
extern const struct db_driver db_pg_driver;

/* pg.c (db_is_remote, in store/db.h, tells a PostgreSQL target): connecting, running
 * SQL text (any number of statements), resetting a broken connection, closing. */
int db_pg_connect(struct db *db, const char *target) __attribute__((warn_unused_result));
int db_pg_exec(struct db *db, const char *sql) __attribute__((warn_unused_result));
int db_pg_reset(struct db *db) __attribute__((warn_unused_result));
void db_pg_close(struct db *db);
/* Queues st, a statement without parameters that opens a transaction, to be sent in one
 * pipeline with the next statement; the connection counts as in a transaction from then
 * on. A COMMIT or ROLLBACK with nothing else run ends it without a round trip. */
int db_pg_defer(struct db *db, struct dbst *st) __attribute__((warn_unused_result));

/* Column access and binding for any driver. Text columns are NULL when the value is. */
static inline int64_t db_col_int64(struct dbst *st, int col)
{
	return st->drv->col_int64(st, col);
}
static inline int db_col_int(struct dbst *st, int col)
{
	return (int)st->drv->col_int64(st, col);
}
static inline const char *db_col_cstr(struct dbst *st, int col)
{
	return st->drv->col_text(st, col);
}
static inline int db_col_bytes(struct dbst *st, int col)
{
	return st->drv->col_bytes(st, col);
}
static inline bool db_col_null(struct dbst *st, int col)
{
	return st->drv->col_null(st, col);
}
/* NULL strings bind as SQL NULL. 0, or a negative error. */
int db_bind_text(struct dbst *st, int idx, const char *s);
int db_bind_int(struct dbst *st, int idx, int64_t v);
int db_bind_null(struct dbst *st, int idx);

/* Steps st once: DB_ROW, DB_DONE or a negative error. */
int db_step(struct db *db, struct dbst *st);

/* Rows the connection's last statement changed. */
int64_t db_changes(struct db *db);

/* The file the connection's database lives in, or NULL when it is not a file. */
const char *db_filename(struct db *db);

/*
 * Each store module keeps its SQL in a static table of strings and asks for a statement
 * by the table entry's address: db_stmt prepares it once per connection and hands it
 * back reset, with bindings cleared. The statement belongs to the connection; callers
 * step it and call db_done when finished. NULL when preparing fails (logged).
 */
struct dbst *db_stmt(struct db *db, const char *const *sql);
void db_done(struct dbst *st);
/* Why db_stmt (or a binding after it) gave NULL: the database's error, such as
 * -ERR_STORAGE_UNAVAILABLE when it cannot be reached, else -ERR_INTERNAL. */
int db_stmt_err(struct db *db);

/* db_stmt with ?1 bound to id, or to the text key (NULL binds SQL NULL), for the many
 * statements keyed by one value. NULL when preparing or binding fails (logged). */
struct dbst *db_stmt_id(struct db *db, const char *const *sql, int64_t id);
struct dbst *db_stmt_text(struct db *db, const char *const *sql, const char *key);
/* The same keyed by the len bytes at key, bound as a blob. */
struct dbst *db_stmt_blob(struct db *db, const char *const *sql, const void *key, int len);

/* Maps an SQLite result code to the project's negative error codes. */
int db_err(struct db *db, int rc);

/* The SQLite handle of an SQLite connection, for the code (and the tests) that work on
 * SQLite itself. */
sqlite3 *db_handle(struct db *db);

/* A heap copy of a text column, or NULL when the column is NULL. */
char *db_col_text(struct dbst *st, int col);

/*
 * The functions below run a statement from db_stmt and reset it. Each takes st as
 * db_stmt (or db_stmt_id, _text, _blob) returned it: a NULL st, a statement that could
 * not be prepared, gives db_stmt_err's error, so that a caller with nothing else to bind can
 * pass the look-up straight in.
 */

/* Steps a statement expected to finish without rows (INSERT/UPDATE); 0 or error. */
int db_exec_stmt(struct db *db, struct dbst *st) __attribute__((warn_unused_result));

/* Steps an INSERT as db_exec_stmt does and, when it succeeds, stores the new row's id in
 * *id; *id is left alone on failure. */
int db_insert(struct db *db, struct dbst *st, int64_t *id) __attribute__((warn_unused_result));

/* Steps st for one row, read by read into out; -ERR_NOT_FOUND when there is none. */
int db_get_one(struct db *db, struct dbst *st, void (*read)(struct dbst *, void *), void *out)
    __attribute__((warn_unused_result));

/* Runs a single-row, single-integer query; -ERR_NOT_FOUND when it returns no row. */
int db_query_int(struct db *db, struct dbst *st, int64_t *out) __attribute__((warn_unused_result));

/*
 * Steps st to the end, reading each row with read into a growing array of elem-sized
 * elements (zeroed before read). On success *out (caller frees, with the entity's
 * _free function) and *n; on failure the rows read so far are released with
 * free_list and an error returned.
 */
int db_collect(struct db *db, struct dbst *st, size_t elem, void (*read)(struct dbst *, void *),
	       void (*free_list)(void *, size_t), void **out, size_t *n)
    __attribute__((warn_unused_result));
/* The same with a reader that is given arg and may fail: its error stops the collection
 * and is returned. */
int db_collect_with(struct db *db, struct dbst *st, size_t elem,
		    int (*read)(struct dbst *, void *, void *), void *arg,
		    void (*free_list)(void *, size_t), void **out, size_t *n)
    __attribute__((warn_unused_result));
/* db_collect for a list that belongs to a struct (a plan's areas): *out and *n are set on
 * failure too, to the rows read so far, and the owner's _cleanup frees them either way.
 * When st is NULL they are left alone. */
int db_collect_into(struct db *db, struct dbst *st, size_t elem,
		    void (*read)(struct dbst *, void *), void **out, size_t *n)
    __attribute__((warn_unused_result));
/* db_collect, then load(db, element) for each row read once st is reset: for rows that
 * hold lists of their own (plans, each with its areas). A failed load releases the whole
 * list with free_list and is returned. */
int db_collect_each(struct db *db, struct dbst *st, size_t elem,
		    void (*read)(struct dbst *, void *), int (*load)(struct db *, void *),
		    void (*free_list)(void *, size_t), void **out, size_t *n)
    __attribute__((warn_unused_result));

/* Runs sql, an INSERT of a child row, once for each of the n texts, with ?1 bound to
 * parent_id and ?2 to the text; 0 or the first error. */
int db_insert_texts(struct db *db, const char *const *sql, int64_t parent_id, char *const *texts,
		    size_t n) __attribute__((warn_unused_result));

/* Readers and list releasers that several modules share: the first column as a heap
 * string into a char * element; a list of such strings; a list that owns nothing. */
void db_read_text(struct dbst *st, void *out);
void db_free_texts(void *list, size_t n);
void db_free_plain(void *list, size_t n);

/*
 * Whether db is inside a write transaction: it holds the writer lock (db_begin_write) and
 * its statements' connection has a transaction open. Store functions that write assert it
 * first: a write belongs to the transaction that checks it and audits it.
 */
bool db_in_write(const struct db *db);

/* A statement whose query plan a test checks for full table scans. */
struct hot_query {
	const char *name;
	const char *const *sql;
};
/* Each module's list, ended by an entry with name NULL. */
extern const struct hot_query store_schedule_hot[];
extern const struct hot_query store_patients_hot[];
extern const struct hot_query store_users_hot[];
extern const struct hot_query store_sessions_hot[];
extern const struct hot_query store_audit_hot[];
extern const struct hot_query store_followup_hot[];
extern const struct hot_query store_messages_hot[];

/*
 * The rest is shared by the files of the connection itself: db.c (opening, statements,
 * beginning transactions, the pool), migrate.c, commit.c and backup.c. The table modules
 * go through the functions above and never touch a connection's fields.
 */
struct stmt_slot {
	const char *const *key;
	struct dbst *st;
};

struct db {
	const struct db_driver *drv;
	sqlite3 *h;	 /* the SQLite connection */
	int prepare_err; /* why db_stmt last answered NULL */
	/* A PostgreSQL connection: its libpq handle, whether it broke (it is reset, and its
	 * statements prepared again, before the next transaction), how many times it was
	 * (re)connected, statements prepared so far (their names), rows last changed. */
	struct pg_conn *pg;
	bool pg_broken;
	uint64_t pg_generation, pg_stmts;
	int64_t pg_changes;
	/* Statements without parameters that open a transaction (BEGIN, the writer lock),
	 * sent with the transaction's first statement in one round trip (db_pg_defer). */
	struct dbst *pg_deferred[4];
	int pg_ndeferred;
	struct stmt_slot *slots;
	size_t nslots; /* a power of two */
	size_t used;
	bool holds_writer_lock;
	bool group_sync;       /* commits are made durable by wal_sync, not by SQLite */
	bool auth_dirty;       /* this transaction changed a user or a session */
	struct db *tx;	       /* the connection this one's write transaction runs on */
	struct db *next;       /* in the pool's list */
	struct db *spare_next; /* among the connections no thread has taken yet */
};

/* The process-wide writer lock: held from db_begin_write until the transaction ends, and
 * by the checkpointer while the WAL starts over. */
extern pthread_mutex_t db_writer_lock;

/* Whether db is a PostgreSQL connection. */
static inline bool db_is_pg(const struct db *db)
{
	return db->drv == &db_pg_driver;
}

/* The connection that runs db's statements: the writer while db's write transaction is
 * open, else db itself. */
static inline struct db *db_conn(struct db *db)
{
	return db && db->tx ? db->tx : db;
}

/*
 * The audit anchor's hooks (store/anchor.c). anchor_event notes an event appended in the
 * open write transaction of db; anchor_tx_end ends that transaction (seq: its commit
 * number for group commit, 0 when the commit is durable already); anchor_durable reports
 * that every commit up to synced is on disk. The server starts a writer thread
 * (anchor_start) after checking the file against the trail (anchor_check, which keeps a
 * mismatching anchor as PATH.audit-head.mismatch), and anchor_stop writes what is durable.
 */
void anchor_event(struct db *db, int64_t id, const char *hash);
void anchor_tx_end(bool commit, uint64_t seq);
void anchor_durable(uint64_t synced);
int anchor_check(struct db *db, const char *db_path) __attribute__((warn_unused_result));
void anchor_start(void);
void anchor_stop(void);

/* Opens one connection to path with the project's pragmas, without migrating; 0 and *out
 * (free with db_close), or a negative error. */
int db_conn_open(const char *path, struct db **out) __attribute__((warn_unused_result));

/* Runs sql (any number of statements) on db's own handle; 0 or a negative error (logged). */
int db_exec_sql(struct db *db, const char *sql) __attribute__((warn_unused_result));

/* Runs the cached statement sql, expected to return no rows, on db's connection. */
int db_run(struct db *db, const char *const *sql);

/* migrate.c: brings db's file up to the schema this binary carries, one transaction per
 * version; 0 or a negative error. */
int db_migrate(struct db *db) __attribute__((warn_unused_result));

/*
 * commit.c: group commit and the checkpointer. db_wal_grew is the WAL hook of the pool's
 * connections. db_sync_path names the database whose WAL group commit syncs; db_sync_open
 * opens that WAL for syncing, once, while the process may still open it (else the first
 * sync does); db_sync_close closes it, forgets the name and any failed sync. The syncer thread and
 * the checkpointer thread (on its own connection to path) start with the pool and stop with it.
 */
int db_wal_grew(void *arg, sqlite3 *h, const char *name, int pages);
void db_sync_path(const char *path);
/* A sync of the database failed somewhere (what says where): from now on no commit is
 * confirmed, as when group commit's own sync fails. */
void db_sync_failed(const char *what);
int db_sync_open(void) __attribute__((warn_unused_result));
void db_sync_close(void);
void db_syncer_start(void);
void db_syncer_stop(void);
void db_checkpointer_start(const char *path);
void db_checkpointer_stop(void);

/* Stops a background thread of the store that waits on wake under lock while *running is
 * set: clears *running, wakes the thread and joins it. True when it was running, and the
 * caller then releases what the thread used; false when there was nothing to stop. */
bool db_worker_stop(pthread_mutex_t *lock, pthread_cond_t *wake, bool *running, pthread_t *thread);

#endif
