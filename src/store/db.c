/* Opening the database, migrations from the embedded schema.sql, the per-connection
 * statement cache, transactions behind one writer lock, backup and integrity checks. */
#include "db_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

/* Generated at build time from schema.sql. */
extern const char collagenda_schema_sql[];

struct stmt_slot {
	const char *const *key;
	sqlite3_stmt *st;
};

struct db {
	sqlite3 *h;
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

static pthread_mutex_t writer_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t auth_generation;

/* The server writes through one connection, whichever thread holds the writer lock. A
 * connection drops its whole page cache whenever another one has written since its last
 * transaction, so with a writer per thread every write began by reading again the pages
 * of every index it touches; the one writer's cache stays valid between its writes. */
static struct db *writer_db;

/* The connection that runs db's statements: the writer while db's write transaction is
 * open, else db itself. */
static inline struct db *conn(struct db *db)
{
	return db && db->tx ? db->tx : db;
}

uint64_t db_auth_generation(void)
{
	return __atomic_load_n(&auth_generation, __ATOMIC_ACQUIRE);
}

void db_auth_changed(struct db *db)
{
	if (sqlite3_get_autocommit(conn(db)->h))
		__atomic_add_fetch(&auth_generation, 1, __ATOMIC_ACQ_REL);
	else
		db->auth_dirty = true;
}

/* Group commit. The server's connections commit with synchronous = NORMAL, which writes
 * the transaction to the WAL without waiting for the disk, and then call wal_sync before
 * anyone is told of the commit: one fdatasync of the WAL after the writer lock is
 * released makes every transaction committed so far durable. So the next writer works
 * while the disk syncs, and one sync serves every commit that waited for it; a commit
 * is still on disk before its answer is sent, as under synchronous = FULL. */
static bool group_sync;	    /* set while the server's pool is open */
static uint64_t commit_seq; /* commits so far; written under writer_lock */
static pthread_mutex_t sync_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sync_done = PTHREAD_COND_INITIALIZER;
static uint64_t synced_seq; /* every commit up to this one is durable */
static bool syncing;
/* Set for good once a sync fails: the kernel reports a failed write-back once and then
 * forgets the pages, so a later sync that succeeds proves nothing about them. */
static bool sync_failed;
static int wal_fd = -1;

sqlite3 *db_handle(struct db *db)
{
	return conn(db)->h;
}

int db_err(struct db *db, int rc)
{
	db = conn(db);
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_FULL:
	case SQLITE_READONLY:
	case SQLITE_IOERR:
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

static size_t slot_of(const struct db *db, const char *const *key)
{
	uintptr_t k = (uintptr_t)key;
	k ^= k >> 17;
	k *= 0x9E3779B97F4A7C15ull;
	return (size_t)(k >> 7) & (db->nslots - 1);
}

static void cache_put(struct db *db, const char *const *key, sqlite3_stmt *st);

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

static void cache_put(struct db *db, const char *const *key, sqlite3_stmt *st)
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

sqlite3_stmt *db_stmt(struct db *db, const char *const *sql)
{
	db = conn(db);
	if (db->nslots) {
		size_t i = slot_of(db, sql);
		while (db->slots[i].key) {
			if (db->slots[i].key == sql)
				return db->slots[i].st;
			i = (i + 1) & (db->nslots - 1);
		}
	}
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(db->h, *sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		log_error("prepare failed: %s", sqlite3_errmsg(db->h));
		return NULL;
	}
	cache_put(db, sql, st);
	return st;
}

void db_done(sqlite3_stmt *st)
{
	if (!st)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

int db_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
	if (!s)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
}

int db_bind_int(sqlite3_stmt *st, int idx, int64_t v)
{
	return sqlite3_bind_int64(st, idx, v);
}

char *db_col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *p = sqlite3_column_text(st, col);
	if (!p)
		return NULL;
	return xstrndup((const char *)p, (size_t)sqlite3_column_bytes(st, col));
}

int db_exec_stmt(struct db *db, sqlite3_stmt *st)
{
	db = conn(db);
	int rc = sqlite3_step(st);
	int err =
	    rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : db_err(db, sqlite3_extended_errcode(db->h));
	db_done(st);
	return err;
}

int db_step_err(struct db *db)
{
	return db_err(db, sqlite3_extended_errcode(conn(db)->h));
}

int db_get_one(struct db *db, sqlite3_stmt *st, void (*read)(sqlite3_stmt *, void *), void *out)
{
	db = conn(db);
	int rc = sqlite3_step(st), err = 0;
	if (rc == SQLITE_ROW)
		read(st, out);
	else
		err = rc == SQLITE_DONE ? -ERR_NOT_FOUND
					: db_err(db, sqlite3_extended_errcode(db->h));
	db_done(st);
	return err;
}

int db_query_int(struct db *db, sqlite3_stmt *st, int64_t *out)
{
	db = conn(db);
	int rc = sqlite3_step(st);
	int err = 0;
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		err = -ERR_NOT_FOUND;
	else
		err = db_err(db, sqlite3_extended_errcode(db->h));
	db_done(st);
	return err;
}

int db_collect_with(struct db *db, sqlite3_stmt *st, size_t elem,
		    int (*read)(sqlite3_stmt *, void *, void *), void *arg,
		    void (*free_list)(void *, size_t), void **out, size_t *n)
{
	db = conn(db);
	size_t cap = 16, len = 0;
	char *list = xcalloc(cap, elem);
	int rc = SQLITE_DONE, err = 0;
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			list = xrealloc(list, cap * 2 * elem);
			memset(list + cap * elem, 0, cap * elem);
			cap *= 2;
		}
		err = read(st, list + len * elem, arg);
		len++;
	}
	if (!err && rc != SQLITE_DONE)
		err = db_err(db, sqlite3_extended_errcode(db->h));
	db_done(st);
	if (err) {
		free_list(list, len);
		return err;
	}
	*out = list;
	*n = len;
	return 0;
}

struct plain_reader {
	void (*read)(sqlite3_stmt *, void *);
};

static int read_plain(sqlite3_stmt *st, void *elem, void *arg)
{
	((struct plain_reader *)arg)->read(st, elem);
	return 0;
}

int db_collect(struct db *db, sqlite3_stmt *st, size_t elem, void (*read)(sqlite3_stmt *, void *),
	       void (*free_list)(void *, size_t), void **out, size_t *n)
{
	struct plain_reader r = {read};
	return db_collect_with(db, st, elem, read_plain, &r, free_list, out, n);
}

static int exec(struct db *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		log_error("sql failed: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return db_err(db, sqlite3_extended_errcode(db->h));
	}
	return 0;
}

/* Transaction control through cached statements: parsed once per connection. */
static const char *const sql_begin = "BEGIN";
static const char *const sql_begin_immediate = "BEGIN IMMEDIATE";
static const char *const sql_commit = "COMMIT";
static const char *const sql_rollback = "ROLLBACK";

static int run(struct db *db, const char *const *sql)
{
	db = conn(db);
	sqlite3_stmt *st = db_stmt(db, sql);
	return st ? db_exec_stmt(db, st) : db_err(db, sqlite3_extended_errcode(db->h));
}

/* The schema's "-- version N" blocks, in order. */
static int next_block(const char **pos, int *version, const char **start, size_t *len)
{
	const char *mark = strstr(*pos, "-- version ");
	if (!mark)
		return 0;
	*version = (int)strtol(mark + 11, NULL, 10);
	const char *body = strchr(mark, '\n');
	body = body ? body + 1 : mark + strlen(mark);
	const char *end = strstr(body, "-- version ");
	if (!end)
		end = body + strlen(body);
	*start = body;
	*len = (size_t)(end - body);
	*pos = end;
	return 1;
}

int db_schema_version(void)
{
	const char *pos = collagenda_schema_sql, *start;
	size_t len;
	int v, last = 0;
	while (next_block(&pos, &v, &start, &len))
		last = v;
	return last;
}

int db_file_version(struct db *db, int *out)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return db_err(db, sqlite3_errcode(db->h));
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -ERR_INTERNAL;
}

static int migrate(struct db *db)
{
	int have = 0, v, err;
	const char *pos = collagenda_schema_sql, *start;
	size_t len;

	if ((err = db_file_version(db, &have)) != 0)
		return err;
	if (have > db_schema_version()) {
		log_error("the database (version %d) is newer than this program (version %d)", have,
			  db_schema_version());
		return -ERR_INTERNAL;
	}
	while (next_block(&pos, &v, &start, &len)) {
		if (v <= have)
			continue;
		char *sql = xstrndup(start, len);
		char pragma[64];
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v);
		if ((err = db_begin_write(db)) == 0) {
			err = exec(db, sql);
			if (!err)
				err = exec(db, pragma);
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

static int64_t max_pages;

void db_set_max_pages(int64_t n)
{
	max_pages = n;
}

/* The checkpointer: copies the WAL into the database in the background once it holds
 * CHECKPOINT_PAGES pages (SQLite's own default threshold), without blocking writers
 * except briefly when the WAL starts over. */
#define CHECKPOINT_PAGES  1000
#define CHECKPOINT_GAP_MS 200
/* The WAL starts over once this long (16 MiB): each start holds writers back for a
 * few milliseconds, so not at every checkpoint. */
#define WAL_RESTART_PAGES 4096

static pthread_mutex_t ck_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ck_wake = PTHREAD_COND_INITIALIZER;
static bool ck_running, ck_wanted;
static pthread_t ck_thread;
static struct db *ck_db;

static int wal_grew(void *arg, sqlite3 *h, const char *name, int pages)
{
	(void)arg;
	(void)h;
	(void)name;
	if (pages >= CHECKPOINT_PAGES) {
		pthread_mutex_lock(&ck_lock);
		if (!ck_wanted) {
			ck_wanted = true;
			pthread_cond_signal(&ck_wake);
		}
		pthread_mutex_unlock(&ck_lock);
	}
	return SQLITE_OK;
}

static void *checkpointer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&ck_lock);
	for (;;) {
		while (!ck_wanted && ck_running)
			pthread_cond_wait(&ck_wake, &ck_lock);
		if (!ck_running)
			break;
		ck_wanted = false;
		pthread_mutex_unlock(&ck_lock);
		int wal_pages = 0;
		int rc = sqlite3_wal_checkpoint_v2(ck_db->h, "main", SQLITE_CHECKPOINT_PASSIVE,
						   &wal_pages, NULL);
		if (rc == SQLITE_OK && wal_pages >= WAL_RESTART_PAGES) {
			/* Under steady load some commit always lands while the copy runs, so
			 * the WAL is never wholly copied, never starts over, and grows by
			 * every commit: each frame then extends the file (the kernel zeroes
			 * and allocates new blocks, every sync also writes the inode). Once
			 * it is long, hold writers back, copy the frames committed since
			 * and start the WAL over, to be written again in place; readers
			 * still on the old WAL get a few milliseconds (ck_busy), else this
			 * waits for the next round. */
			pthread_mutex_lock(&writer_lock);
			rc = sqlite3_wal_checkpoint_v2(ck_db->h, "main", SQLITE_CHECKPOINT_RESTART,
						       NULL, NULL);
			pthread_mutex_unlock(&writer_lock);
		}
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_warn("checkpoint: %s", sqlite3_errmsg(ck_db->h));
		pthread_mutex_lock(&ck_lock);
		/* Then a pause: every commit asks for a checkpoint while the WAL is long, and a
		 * page written by many commits is better copied (and the file synced) once. */
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += CHECKPOINT_GAP_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (ck_running && pthread_cond_timedwait(&ck_wake, &ck_lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&ck_lock);
	return NULL;
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

static int open_conn(const char *path, struct db **out)
{
	pthread_once(&sqlite_setup_once, sqlite_setup);
	struct db *db = xcalloc(1, sizeof *db);
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
	int err = exec(db, "PRAGMA busy_timeout = 5000");
	/* A file we may not write is served read-only: reads work, writes answer 503. */
	bool readonly = sqlite3_db_readonly(db->h, "main") == 1;
	if (readonly)
		log_warn("the database %s is read-only: serving reads only", path);
	if (!err && !readonly)
		err = exec(db, "PRAGMA journal_mode = WAL");
	db->group_sync = !err && !readonly && group_sync && in_wal_mode(db);
	if (!err)
		err = exec(db, db->group_sync ? "PRAGMA synchronous = NORMAL"
					      : "PRAGMA synchronous = FULL");
	/* The server's connections leave checkpoints to the checkpointer thread, so that no
	 * writer copies the WAL into the database (and syncs both) under the writer lock. */
	if (!err && db->group_sync)
		sqlite3_wal_hook(db->h, wal_grew, NULL);
	if (!err)
		err = exec(db, "PRAGMA foreign_keys = ON; PRAGMA recursive_triggers = ON;"
			       "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -8192");
	if (!err && max_pages > 0) {
		char pragma[64];
		snprintf(pragma, sizeof pragma, "PRAGMA max_page_count = %lld",
			 (long long)max_pages);
		err = exec(db, pragma);
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
	int err = open_conn(path, &db);
	if (err)
		return err;
	if ((err = migrate(db)) != 0) {
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
	for (size_t i = 0; i < db->nslots; i++)
		if (db->slots[i].key)
			sqlite3_finalize(db->slots[i].st);
	free(db->slots);
	if (db->holds_writer_lock)
		pthread_mutex_unlock(&writer_lock);
	sqlite3_close(db->h);
	free(db);
}

int db_begin_write(struct db *db)
{
	pthread_mutex_lock(&writer_lock);
	db->holds_writer_lock = true;
	if (writer_db && db != writer_db)
		db->tx = writer_db;
	int err = run(db, &sql_begin_immediate);
	if (err) {
		db->tx = NULL;
		db->holds_writer_lock = false;
		pthread_mutex_unlock(&writer_lock);
	}
	return err;
}

int db_begin_read(struct db *db)
{
	return run(db, &sql_begin);
}

static void release(struct db *db)
{
	db->tx = NULL;
	if (db->holds_writer_lock) {
		db->holds_writer_lock = false;
		pthread_mutex_unlock(&writer_lock);
	}
}

/* Opens the WAL once for syncing; sync_lock is held. Any descriptor of the file will do:
 * fdatasync writes out the file's data whoever wrote it. */
static int wal_open(struct db *db)
{
	if (wal_fd >= 0)
		return 0;
	if (!db)
		return -ERR_INTERNAL;
	const char *wal = sqlite3_filename_wal(sqlite3_db_filename(db->h, "main"));
	if (!wal || !*wal)
		return -ERR_INTERNAL;
	wal_fd = open(wal, O_RDONLY | O_CLOEXEC);
	if (wal_fd < 0) {
		log_error("cannot open %s to sync it: %s", wal, strerror(errno));
		return -ERR_STORAGE_UNAVAILABLE;
	}
	return 0;
}

/* Returns once commit number SEQ is on disk: syncs the WAL unless a sync that started
 * after SEQ committed has already finished, or waits for the one in progress. */
static int wal_sync(struct db *db, uint64_t seq)
{
	int err = 0;
	pthread_mutex_lock(&sync_lock);
	while (!err && synced_seq < seq) {
		if (sync_failed) {
			err = -ERR_STORAGE_UNAVAILABLE;
			break;
		}
		if (syncing) {
			pthread_cond_wait(&sync_done, &sync_lock);
			continue;
		}
		if ((err = wal_open(db)) != 0)
			break;
		syncing = true;
		uint64_t upto = __atomic_load_n(&commit_seq, __ATOMIC_ACQUIRE);
		int fd = wal_fd;
		pthread_mutex_unlock(&sync_lock);
		int rc = fdatasync(fd);
		int saved = errno;
		pthread_mutex_lock(&sync_lock);
		syncing = false;
		if (rc == 0) {
			if (upto > synced_seq)
				synced_seq = upto;
		} else {
			log_error(
			    "cannot sync the database log: %s; no write is confirmed from now "
			    "on: restart the server",
			    strerror(saved));
			sync_failed = true;
			err = -ERR_STORAGE_UNAVAILABLE;
		}
		pthread_cond_broadcast(&sync_done);
	}
	pthread_mutex_unlock(&sync_lock);
	return err;
}

int db_commit_nowait(struct db *db, uint64_t *seq)
{
	*seq = 0;
	int err = run(db, &sql_commit);
	if (err && sqlite3_get_autocommit(conn(db)->h) == 0)
		(void)run(db, &sql_rollback);
	if (!err && db->auth_dirty)
		__atomic_add_fetch(&auth_generation, 1, __ATOMIC_ACQ_REL);
	db->auth_dirty = false;
	if (!err && conn(db)->group_sync && db->holds_writer_lock) {
		*seq = commit_seq + 1;
		__atomic_store_n(&commit_seq, *seq, __ATOMIC_RELEASE);
	}
	release(db);
	return err;
}

int db_commit(struct db *db)
{
	uint64_t seq;
	int err = db_commit_nowait(db, &seq);
	if (!err && seq)
		err = wal_sync(db, seq);
	return err;
}

/* The syncer: a thread that makes commits durable for callers that do not wait. */
struct durable_wait {
	uint64_t seq;
	db_durable_fn fn;
	void *arg;
	struct durable_wait *next;
};

static pthread_mutex_t dq_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dq_wake = PTHREAD_COND_INITIALIZER;
static struct durable_wait *dq_head;
static bool dq_running;
static pthread_t dq_thread;

static void *syncer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&dq_lock);
	for (;;) {
		while (!dq_head && dq_running)
			pthread_cond_wait(&dq_wake, &dq_lock);
		if (!dq_head)
			break;
		struct durable_wait *batch = dq_head;
		dq_head = NULL;
		pthread_mutex_unlock(&dq_lock);
		uint64_t upto = 0;
		for (struct durable_wait *w = batch; w; w = w->next)
			if (w->seq > upto)
				upto = w->seq;
		int err = wal_sync(NULL, upto);
		while (batch) {
			struct durable_wait *next = batch->next;
			batch->fn(batch->arg, err);
			free(batch);
			batch = next;
		}
		pthread_mutex_lock(&dq_lock);
	}
	pthread_mutex_unlock(&dq_lock);
	return NULL;
}

void db_durable_async(uint64_t seq, db_durable_fn fn, void *arg)
{
	pthread_mutex_lock(&sync_lock);
	bool already = synced_seq >= seq;
	pthread_mutex_unlock(&sync_lock);
	if (already) {
		fn(arg, 0);
		return;
	}
	pthread_mutex_lock(&dq_lock);
	if (!dq_running) {
		pthread_mutex_unlock(&dq_lock);
		fn(arg, wal_sync(NULL, seq));
		return;
	}
	struct durable_wait *w = xmalloc(sizeof *w);
	w->seq = seq;
	w->fn = fn;
	w->arg = arg;
	w->next = dq_head;
	dq_head = w;
	pthread_cond_signal(&dq_wake);
	pthread_mutex_unlock(&dq_lock);
}

static int open_conn(const char *path, struct db **out);

/* The checkpointer's busy handler: it waits for readers while writers are held back, so
 * it polls finely and gives up soon. */
#define CK_BUSY_POLL_US 200
#define CK_BUSY_TRIES	50

static int ck_busy(void *arg, int tries)
{
	(void)arg;
	if (tries >= CK_BUSY_TRIES)
		return 0;
	struct timespec nap = {0, CK_BUSY_POLL_US * 1000L};
	nanosleep(&nap, NULL);
	return 1;
}

static void checkpointer_start(const char *path)
{
	if (open_conn(path, &ck_db) != 0) {
		log_warn("no checkpointer: the WAL is copied back only when the server stops");
		return;
	}
	sqlite3_busy_handler(ck_db->h, ck_busy, NULL);
	pthread_mutex_lock(&ck_lock);
	ck_wanted = false;
	ck_running = pthread_create(&ck_thread, NULL, checkpointer, NULL) == 0;
	pthread_mutex_unlock(&ck_lock);
	if (!ck_running) {
		db_close(ck_db);
		ck_db = NULL;
	}
}

static void checkpointer_stop(void)
{
	pthread_mutex_lock(&ck_lock);
	bool was = ck_running;
	ck_running = false;
	pthread_cond_signal(&ck_wake);
	pthread_mutex_unlock(&ck_lock);
	if (!was)
		return;
	pthread_join(ck_thread, NULL);
	db_close(ck_db);
	ck_db = NULL;
}

static void syncer_start(void)
{
	pthread_mutex_lock(&dq_lock);
	dq_running = pthread_create(&dq_thread, NULL, syncer, NULL) == 0;
	pthread_mutex_unlock(&dq_lock);
	if (!dq_running)
		log_warn("no syncer thread: commits are synced by their writers");
}

static void syncer_stop(void)
{
	pthread_mutex_lock(&dq_lock);
	bool was = dq_running;
	dq_running = false;
	pthread_cond_signal(&dq_wake);
	pthread_mutex_unlock(&dq_lock);
	if (was)
		pthread_join(dq_thread, NULL);
}

void db_rollback(struct db *db)
{
	db->auth_dirty = false;
	if (sqlite3_get_autocommit(conn(db)->h) == 0)
		(void)run(db, &sql_rollback);
	release(db);
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
	int err = db_open(path, &db);
	if (err) {
		group_sync = false;
		return err;
	}
	/* Opened now, while the process may still be root (see --user). */
	if (db->group_sync) {
		err = open_conn(path, &w);
		if (!err) {
			pthread_mutex_lock(&sync_lock);
			err = wal_open(db);
			pthread_mutex_unlock(&sync_lock);
		}
		if (err) {
			db_close(w);
			db_close(db);
			group_sync = false;
			return err;
		}
		pool_add(w, NULL);
		writer_db = w;
		syncer_start();
		checkpointer_start(path);
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
		int err = pool_path ? open_conn(pool_path, &db) : -ERR_INTERNAL;
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
		if (!pool_path || open_conn(pool_path, &db) != 0)
			return NULL;
		pool_add(db, NULL);
	}
	thread_db = db;
	return db;
}

void db_pool_close(void)
{
	syncer_stop();
	checkpointer_stop();
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
	pthread_mutex_lock(&sync_lock);
	if (wal_fd >= 0)
		close(wal_fd);
	wal_fd = -1;
	sync_failed = false;
	pthread_mutex_unlock(&sync_lock);
}

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
