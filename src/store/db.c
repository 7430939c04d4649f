/* A connection: opening it with the project's pragmas, its statement cache and the helpers
 * around it, beginning transactions behind the one writer lock, and the server's pool. */
#include "db_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

pthread_mutex_t db_writer_lock = PTHREAD_MUTEX_INITIALIZER;

/* The server writes through one connection, whichever thread holds the writer lock. A
 * connection drops its whole page cache whenever another one has written since its last
 * transaction, so with a writer per thread every write began by reading again the pages
 * of every index it touches; the one writer's cache stays valid between its writes. */
static struct db *writer_db;

/* Set while the server's pool is open: its connections commit through group commit
 * (commit.c). */
static bool group_sync;

static int ready(struct db *db);

int db_stmt_err(struct db *db)
{
	int err = db ? db_conn(db)->prepare_err : 0;
	return err ? err : -ERR_INTERNAL;
}

sqlite3 *db_handle(struct db *db)
{
	return db_conn(db)->h;
}

static size_t slot_of(const struct db *db, const char *const *key)
{
	uintptr_t k = (uintptr_t)key;
	k ^= k >> 17;
	k *= 0x9E3779B97F4A7C15ull;
	return (size_t)(k >> 7) & (db->nslots - 1);
}

static void cache_put(struct db *db, const char *const *key, struct dbst *st);

static void cache_grow(struct db *db)
{
	struct stmt_slot *old = db->slots;
	size_t n = db->nslots;
	db->nslots = n ? n * 2 : 128;
	db->slots = xcalloc(db->nslots, sizeof *db->slots);
	db->used = 0;
	for (size_t i = 0; i < n; i++)
		if (old[i].key)
			cache_put(db, old[i].key, old[i].st);
	free(old);
}

static void cache_put(struct db *db, const char *const *key, struct dbst *st)
{
	if ((db->used + 1) * 2 > db->nslots)
		cache_grow(db);
	size_t i = slot_of(db, key);
	while (db->slots[i].key)
		i = (i + 1) & (db->nslots - 1);
	db->slots[i].key = key;
	db->slots[i].st = st;
	db->used++;
}

struct dbst *db_stmt(struct db *db, const char *const *sql)
{
	db = db_conn(db);
	db->prepare_err = 0;
	/* A statement outside a transaction on a connection that broke: connect again. */
	if (db_is_pg(db) && db->pg_broken && !db->drv->in_tx(db) &&
	    (db->prepare_err = ready(db)) != 0)
		return NULL;
	if (db->nslots) {
		size_t i = slot_of(db, sql);
		while (db->slots[i].key) {
			if (db->slots[i].key == sql)
				return db->slots[i].st;
			i = (i + 1) & (db->nslots - 1);
		}
	}
	struct dbst *st = NULL;
	if ((db->prepare_err = db->drv->prepare(db, *sql, &st)) != 0)
		return NULL;
	cache_put(db, sql, st);
	return st;
}

void db_done(struct dbst *st)
{
	if (st)
		st->drv->reset(st);
}

int db_bind_text(struct dbst *st, int idx, const char *s)
{
	return st->drv->bind_text(st, idx, s);
}

int db_bind_int(struct dbst *st, int idx, int64_t v)
{
	return st->drv->bind_int(st, idx, v);
}

int db_bind_null(struct dbst *st, int idx)
{
	return st->drv->bind_null(st, idx);
}

int db_step(struct db *db, struct dbst *st)
{
	return st->drv->step(db_conn(db), st);
}

int64_t db_changes(struct db *db)
{
	db = db_conn(db);
	return db->drv->changes(db);
}

const char *db_filename(struct db *db)
{
	db = db_conn(db);
	if (db_is_pg(db))
		return NULL;
	const char *name = sqlite3_db_filename(db->h, "main");
	return name && *name ? name : NULL;
}

/* st as the key binding left it: NULL when binding failed (logged). */
static struct dbst *bound(struct dbst *st, int err)
{
	if (!err)
		return st;
	db_done(st);
	return NULL;
}

struct dbst *db_stmt_id(struct db *db, const char *const *sql, int64_t id)
{
	struct dbst *st = db_stmt(db, sql);
	return st ? bound(st, db_bind_int(st, 1, id)) : NULL;
}

struct dbst *db_stmt_text(struct db *db, const char *const *sql, const char *key)
{
	struct dbst *st = db_stmt(db, sql);
	return st ? bound(st, db_bind_text(st, 1, key)) : NULL;
}

struct dbst *db_stmt_blob(struct db *db, const char *const *sql, const void *key, int len)
{
	struct dbst *st = db_stmt(db, sql);
	return st ? bound(st, st->drv->bind_blob(st, 1, key, len)) : NULL;
}

char *db_col_text(struct dbst *st, int col)
{
	const char *p = db_col_cstr(st, col);
	if (!p)
		return NULL;
	return xstrndup(p, (size_t)db_col_bytes(st, col));
}

int db_exec_stmt(struct db *db, struct dbst *st)
{
	if (!st)
		return db_stmt_err(db);
	int rc = db_step(db, st);
	db_done(st);
	return rc < 0 ? rc : 0;
}

int db_insert(struct db *db, struct dbst *st, int64_t *id)
{
	int err = db_exec_stmt(db, st);
	if (!err) {
		db = db_conn(db);
		err = db->drv->last_id(db, id);
	}
	return err;
}

int db_get_one(struct db *db, struct dbst *st, void (*read)(struct dbst *, void *), void *out)
{
	if (!st)
		return db_stmt_err(db);
	int rc = db_step(db, st), err = 0;
	if (rc == DB_ROW)
		read(st, out);
	else
		err = rc == DB_DONE ? -ERR_NOT_FOUND : rc;
	db_done(st);
	return err;
}

int db_query_int(struct db *db, struct dbst *st, int64_t *out)
{
	if (!st)
		return db_stmt_err(db);
	int rc = db_step(db, st);
	int err = 0;
	if (rc == DB_ROW)
		*out = db_col_int64(st, 0);
	else
		err = rc == DB_DONE ? -ERR_NOT_FOUND : rc;
	db_done(st);
	return err;
}

/* Steps st to the end, reading each row into a growing array, and hands the array back in
 * *out and *n whether or not a row failed: the collectors below decide who frees it. */
static int collect(struct db *db, struct dbst *st, size_t elem,
		   int (*read)(struct dbst *, void *, void *), void *arg, void **out, size_t *n)
{
	size_t cap = 16, len = 0;
	char *list = xcalloc(cap, elem);
	int rc = DB_DONE, err = 0;
	while (!err && (rc = db_step(db, st)) == DB_ROW) {
		if (len == cap) {
			list = xrealloc(list, cap * 2 * elem);
			memset(list + cap * elem, 0, cap * elem);
			cap *= 2;
		}
		err = read(st, list + len * elem, arg);
		len++;
	}
	if (!err && rc < 0)
		err = rc;
	db_done(st);
	*out = list;
	*n = len;
	return err;
}

int db_collect_with(struct db *db, struct dbst *st, size_t elem,
		    int (*read)(struct dbst *, void *, void *), void *arg,
		    void (*free_list)(void *, size_t), void **out, size_t *n)
{
	if (!st)
		return db_stmt_err(db);
	void *list;
	size_t len;
	int err = collect(db, st, elem, read, arg, &list, &len);
	if (err) {
		free_list(list, len);
		return err;
	}
	*out = list;
	*n = len;
	return 0;
}

struct plain_reader {
	void (*read)(struct dbst *, void *);
};

static int read_plain(struct dbst *st, void *elem, void *arg)
{
	((struct plain_reader *)arg)->read(st, elem);
	return 0;
}

int db_collect(struct db *db, struct dbst *st, size_t elem, void (*read)(struct dbst *, void *),
	       void (*free_list)(void *, size_t), void **out, size_t *n)
{
	struct plain_reader r = {read};
	return db_collect_with(db, st, elem, read_plain, &r, free_list, out, n);
}

int db_collect_each(struct db *db, struct dbst *st, size_t elem,
		    void (*read)(struct dbst *, void *), int (*load)(struct db *, void *),
		    void (*free_list)(void *, size_t), void **out, size_t *n)
{
	char *list = NULL; /* stays NULL when db_collect fails: it has freed its rows */
	size_t len = 0;
	int err = db_collect(db, st, elem, read, free_list, (void **)&list, &len);
	for (size_t i = 0; !err && i < len; i++)
		err = load(db, list + i * elem);
	if (err) {
		if (list)
			free_list(list, len);
		return err;
	}
	*out = list;
	*n = len;
	return 0;
}

int db_collect_into(struct db *db, struct dbst *st, size_t elem,
		    void (*read)(struct dbst *, void *), void **out, size_t *n)
{
	if (!st)
		return db_stmt_err(db);
	struct plain_reader r = {read};
	return collect(db, st, elem, read_plain, &r, out, n);
}

int db_insert_texts(struct db *db, const char *const *sql, int64_t parent_id, char *const *texts,
		    size_t n)
{
	int err = 0;
	for (size_t i = 0; !err && i < n; i++) {
		struct dbst *st = db_stmt_id(db, sql, parent_id);
		if (!st)
			return db_stmt_err(db);
		db_bind_text(st, 2, texts[i]);
		err = db_exec_stmt(db, st);
	}
	return err;
}

void db_read_text(struct dbst *st, void *out)
{
	*(char **)out = db_col_text(st, 0);
}

void db_free_texts(void *list, size_t n)
{
	char **texts = list;
	for (size_t i = 0; i < n; i++)
		free(texts[i]);
	free(texts);
}

void db_free_plain(void *list, size_t n)
{
	(void)n;
	free(list);
}

int db_exec_sql(struct db *db, const char *sql)
{
	if (db_is_pg(db))
		return db_pg_exec(db, sql);
	char *msg = NULL;
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		log_error("sql failed: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return db_err(db, sqlite3_extended_errcode(db->h));
	}
	return 0;
}

/* Transaction control through cached statements: parsed once per connection (commit.c
 * holds the statements that end a transaction). */
static const char *const sql_begin = "BEGIN";
static const char *const sql_begin_immediate = "BEGIN IMMEDIATE";
/* A read on PostgreSQL sees one snapshot for all its statements, as on SQLite. */
static const char *const sql_begin_snapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ";
/* PostgreSQL has no BEGIN IMMEDIATE: a write transaction takes one advisory lock first,
 * so that writers queue as they do on SQLite, whichever server process they run in. The
 * booking checks (overlaps, plan places) and the audit chain's head then stay serial. */
static const char *const sql_writer_lock = "SELECT pg_advisory_xact_lock(7369)";
/* Group commit on PostgreSQL (commit.c): the commit itself does not wait for the flush. */
static const char *const sql_async_commit = "SET LOCAL synchronous_commit TO off";

/* Finalizes a connection's prepared statements and empties its cache. */
static void forget_statements(struct db *db)
{
	for (size_t i = 0; i < db->nslots; i++)
		if (db->slots[i].key)
			db->drv->finalize(db->slots[i].st);
	free(db->slots);
	db->slots = NULL;
	db->nslots = db->used = 0;
	db->pg_ndeferred = 0;
}

/* Queues a statement that opens a PostgreSQL transaction, to go with its first statement. */
static int defer(struct db *db, const char *const *sql)
{
	struct db *c = db_conn(db);
	struct dbst *st = db_stmt(c, sql);
	return st ? db_pg_defer(c, st) : c->prepare_err;
}

/* Before a statement on a PostgreSQL connection that broke: connect again (libpq
 * tries every host of the connection string, and target_session_attrs picks the
 * primary). */
static int ready(struct db *db)
{
	if (!db_is_pg(db) || !db->pg_broken)
		return 0;
	/* Its statements prepare themselves again on the new connection. */
	return db_pg_reset(db);
}

int db_run(struct db *db, const char *const *sql)
{
	db = db_conn(db);
	struct dbst *st = db_stmt(db, sql);
	return st ? db_exec_stmt(db, st) : db->prepare_err;
}

static int64_t max_pages;

void db_set_max_pages(int64_t n)
{
	max_pages = n;
}

static bool in_wal_mode(struct db *db)
{
	sqlite3_stmt *st = NULL;
	bool wal = false;
	if (sqlite3_prepare_v2(db->h, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *mode = sqlite3_column_text(st, 0);
		wal = mode && strcmp((const char *)mode, "wal") == 0;
	}
	sqlite3_finalize(st);
	return wal;
}

/* Once per process, before the first connection: SQLite then keeps no count of the memory
 * it allocates, a count it updates under one process-wide lock on every allocation. */
static pthread_once_t sqlite_setup_once = PTHREAD_ONCE_INIT;

static void sqlite_setup(void)
{
	if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
		log_warn("SQLite was set up before the server could configure it");
}

void db_setup(void)
{
	pthread_once(&sqlite_setup_once, sqlite_setup);
}

int db_conn_open(const char *path, struct db **out)
{
	db_setup();
	struct db *db = xcalloc(1, sizeof *db);
	if (db_is_remote(path)) {
		db->drv = &db_pg_driver;
		int err = db_pg_connect(db, path);
		if (err) {
			db_close(db);
			return err;
		}
		/* The server's connections commit through group commit (commit.c). */
		db->group_sync = group_sync;
		*out = db;
		return 0;
	}
	db->drv = &db_sqlite_driver;
	int rc = sqlite3_open_v2(
	    path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_error("cannot open database '%s': %s", path,
			  db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		sqlite3_close(db->h);
		free(db);
		return -ERR_STORAGE_UNAVAILABLE;
	}
	sqlite3_extended_result_codes(db->h, 1);
	/* The busy timeout goes first: many connections switching to WAL at once would
	 * otherwise fail with SQLITE_BUSY. */
	int err = db_exec_sql(db, "PRAGMA busy_timeout = 5000");
	/* A file we may not write is served read-only: reads work, writes answer 503. */
	bool readonly = sqlite3_db_readonly(db->h, "main") == 1;
	if (readonly)
		log_warn("the database %s is read-only: serving reads only", path);
	if (!err && !readonly)
		err = db_exec_sql(db, "PRAGMA journal_mode = WAL");
	db->group_sync = !err && !readonly && group_sync && in_wal_mode(db);
	if (!err)
		err = db_exec_sql(db, db->group_sync ? "PRAGMA synchronous = NORMAL"
						     : "PRAGMA synchronous = FULL");
	/* The server's connections leave checkpoints to the checkpointer thread, so that no
	 * writer copies the WAL into the database (and syncs both) under the writer lock. */
	if (!err && db->group_sync)
		sqlite3_wal_hook(db->h, db_wal_grew, NULL);
	if (!err)
		err = db_exec_sql(db, "PRAGMA foreign_keys = ON; PRAGMA recursive_triggers = ON;"
				      "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -8192");
	if (!err && max_pages > 0) {
		char pragma[64];
		snprintf(pragma, sizeof pragma, "PRAGMA max_page_count = %lld",
			 (long long)max_pages);
		err = db_exec_sql(db, pragma);
	}
	if (err) {
		db_close(db);
		return err;
	}
	*out = db;
	return 0;
}

int db_open(const char *path, struct db **out)
{
	struct db *db;
	int err = db_conn_open(path, &db);
	if (err)
		return err;
	if ((err = db_migrate(db)) != 0) {
		db_close(db);
		return err;
	}
	*out = db;
	return 0;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	forget_statements(db);
	if (db->holds_writer_lock)
		pthread_mutex_unlock(&db_writer_lock);
	if (db_is_pg(db))
		db_pg_close(db);
	else
		sqlite3_close(db->h);
	free(db);
}

int db_begin_write(struct db *db)
{
	pthread_mutex_lock(&db_writer_lock);
	db->holds_writer_lock = true;
	if (writer_db && db != writer_db)
		db->tx = writer_db;
	struct db *c = db_conn(db);
	int err = ready(c);
	if (!err && !db_is_pg(c))
		err = db_run(db, &sql_begin_immediate);
	if (!err && db_is_pg(c) && (err = defer(db, &sql_begin)) == 0 &&
	    (err = defer(db, &sql_writer_lock)) == 0 && c->group_sync)
		err = defer(db, &sql_async_commit);
	if (err && db_is_pg(c) && c->drv->in_tx(c) && db_exec_sql(c, "ROLLBACK") != 0)
		log_warn("cannot roll back a transaction that did not begin");
	if (err) {
		db->tx = NULL;
		db->holds_writer_lock = false;
		pthread_mutex_unlock(&db_writer_lock);
	}
	return err;
}

int db_begin_read(struct db *db)
{
	int err = ready(db_conn(db));
	if (err)
		return err;
	return db_is_pg(db_conn(db)) ? defer(db, &sql_begin_snapshot) : db_run(db, &sql_begin);
}

bool db_in_write(const struct db *db)
{
	const struct db *c = db->tx ? db->tx : db;
	return db->holds_writer_lock && c->drv->in_tx((struct db *)c);
}

/* The server's connections: one per worker thread, and the writer. */
static char *pool_path;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct db *pool_list;
static _Thread_local struct db *thread_db;

/* Adds db to the connections db_pool_close closes; a spare too when spare_list is set. */
static void pool_add(struct db *db, struct db **spare_list)
{
	pthread_mutex_lock(&pool_lock);
	db->next = pool_list;
	pool_list = db;
	if (spare_list) {
		db->spare_next = *spare_list;
		*spare_list = db;
	}
	pthread_mutex_unlock(&pool_lock);
}

int db_pool_init(const char *path)
{
	struct db *db, *w = NULL;
	group_sync = true;
	db_sync_path(path);
	int err = db_open(path, &db);
	if (err) {
		group_sync = false;
		db_sync_close();
		return err;
	}
	/* Opened now, while the process may still be root (see --user). */
	if (db->group_sync) {
		err = db_conn_open(path, &w);
		if (!err)
			err = db_sync_open();
		if (err) {
			db_close(w);
			db_close(db);
			group_sync = false;
			db_sync_close();
			return err;
		}
		pool_add(w, NULL);
		writer_db = w;
		if (anchor_check(db, path) != 0)
			log_warn("the audit anchor of %s could not be checked or written",
				 db_display(path));
		anchor_start();
		db_syncer_start();
		if (!db_is_pg(db))
			db_checkpointer_start(path);
	}
	pool_path = xstrdup(path);
	pool_add(db, NULL);
	thread_db = db;
	return 0;
}

/* Connections opened ahead of the threads that will use them (see db_pool_preopen). */
static struct db *spare;

int db_pool_preopen(int n)
{
	for (int i = 0; i < n; i++) {
		struct db *db;
		int err = pool_path ? db_conn_open(pool_path, &db) : -ERR_INTERNAL;
		if (err)
			return err;
		pool_add(db, &spare);
	}
	return 0;
}

struct db *db_thread(void)
{
	if (thread_db)
		return thread_db;
	struct db *db = NULL;
	pthread_mutex_lock(&pool_lock);
	if (spare) {
		db = spare;
		spare = db->spare_next;
	}
	pthread_mutex_unlock(&pool_lock);
	if (!db) {
		if (!pool_path || db_conn_open(pool_path, &db) != 0)
			return NULL;
		pool_add(db, NULL);
	}
	thread_db = db;
	return db;
}

void db_pool_close(void)
{
	db_syncer_stop();
	db_checkpointer_stop();
	anchor_stop();
	pthread_mutex_lock(&pool_lock);
	struct db *db = pool_list;
	pool_list = NULL;
	spare = NULL;
	writer_db = NULL;
	pthread_mutex_unlock(&pool_lock);
	while (db) {
		struct db *next = db->next;
		db_close(db);
		db = next;
	}
	thread_db = NULL;
	free(pool_path);
	pool_path = NULL;
	group_sync = false;
	db_sync_close();
}
