/* Ending transactions and making them durable: COMMIT and ROLLBACK, the auth generation a
 * commit moves, group commit with its syncer thread, and the checkpointer thread. */
#include "db_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

static uint64_t auth_generation;

uint64_t db_auth_generation(void)
{
	return __atomic_load_n(&auth_generation, __ATOMIC_ACQUIRE);
}

void db_auth_changed(struct db *db)
{
	if (!db_conn(db)->drv->in_tx(db_conn(db)))
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
static uint64_t commit_seq; /* commits so far; written under db_writer_lock */
static pthread_mutex_t sync_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sync_done = PTHREAD_COND_INITIALIZER;
static uint64_t synced_seq; /* every commit up to this one is durable */
static bool syncing;
/* Set for good once a sync fails: the kernel reports a failed write-back once and then
 * forgets the pages, so a later sync that succeeds proves nothing about them. */
static bool sync_failed;
/* The WAL as SQLite's VFS sees it, taken from a connection of its own that does nothing
 * else: syncing through the VFS (rather than a descriptor of our own) is what SQLite
 * would do, lets a VFS that watches the disk see the sync, and the first sync of a WAL
 * this process created also syncs its directory entry. One thread at a time syncs. */
static struct db *sync_db;
static sqlite3_file *wal_file;
static char *sync_path;

/* The statements that end a transaction, cached like any other. */
static const char *const sql_commit = "COMMIT";
static const char *const sql_rollback = "ROLLBACK";

static void release(struct db *db)
{
	db->tx = NULL;
	if (db->holds_writer_lock) {
		db->holds_writer_lock = false;
		pthread_mutex_unlock(&db_writer_lock);
	}
}

/* Opens the sync connection and finds its WAL; sync_lock is held. */
static int wal_open(void)
{
	if (sync_db)
		return 0;
	if (!sync_path)
		return -ERR_INTERNAL;
	int err = db_conn_open(sync_path, &sync_db);
	/* PostgreSQL: the connection itself is what syncs (pg_durable). */
	if (!err && db_is_pg(sync_db))
		return 0;
	/* A read opens the WAL, which the connection then keeps open until it closes. */
	if (!err)
		err = db_exec_sql(sync_db, "SELECT count(*) FROM sqlite_schema");
	sqlite3_file *f = NULL;
	if (!err && (sqlite3_file_control(sync_db->h, "main", SQLITE_FCNTL_JOURNAL_POINTER, &f) !=
			 SQLITE_OK ||
		     !f || !f->pMethods)) {
		log_error("cannot find the database log to sync it");
		err = -ERR_STORAGE_UNAVAILABLE;
	}
	if (err) {
		db_close(sync_db);
		sync_db = NULL;
		return err;
	}
	wal_file = f;
	return 0;
}

void db_sync_failed(const char *what)
{
	pthread_mutex_lock(&sync_lock);
	bool first = !sync_failed;
	sync_failed = true;
	pthread_mutex_unlock(&sync_lock);
	if (first)
		log_error("cannot sync the database (%s); no write is confirmed from now on: "
			  "restart the server",
			  what);
}

/*
 * Group commit on PostgreSQL: the server's write transactions commit with
 * synchronous_commit off, which writes the commit record without waiting for the flush
 * (and releases the writer lock at once), and their answers wait for one synchronous
 * commit of the sync connection's own: it returns once the WAL up to it is flushed — and,
 * with synchronous standbys, received by them — so every commit before it is durable.
 * One flush then serves every booking that waited for it, as one fdatasync does on
 * SQLite. A failed one proves nothing about those commits (503), but it is not the
 * kernel forgetting pages: the next succeeds on a new connection, after a failover.
 */
static int pg_durable(struct db *sdb)
{
	if (sdb->pg_broken && db_pg_reset(sdb) != 0)
		return -ERR_STORAGE_UNAVAILABLE;
	return db_pg_exec(sdb, "UPDATE schema_version SET version = version");
}

/* Returns once commit number SEQ is on disk: syncs the WAL unless a sync that started
 * after SEQ committed has already finished, or waits for the one in progress. */
static int wal_sync(uint64_t seq)
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
		if ((err = wal_open()) != 0)
			break;
		syncing = true;
		uint64_t upto = __atomic_load_n(&commit_seq, __ATOMIC_ACQUIRE);
		sqlite3_file *f = wal_file;
		struct db *sdb = sync_db;
		pthread_mutex_unlock(&sync_lock);
		int pg_rc = 0, rc = SQLITE_OK;
		if (db_is_pg(sdb))
			pg_rc = pg_durable(sdb);
		else
			rc = f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
		pthread_mutex_lock(&sync_lock);
		syncing = false;
		if (db_is_pg(sdb)) {
			if (!pg_rc && upto > synced_seq)
				synced_seq = upto;
			if (pg_rc) {
				log_warn("the database did not confirm its commits as durable");
				err = pg_rc;
			}
		} else if (rc == SQLITE_OK) {
			if (upto > synced_seq)
				synced_seq = upto;
		} else {
			log_error(
			    "cannot sync the database log: %s; no write is confirmed from now "
			    "on: restart the server",
			    sqlite3_errstr(rc));
			sync_failed = true;
			err = -ERR_STORAGE_UNAVAILABLE;
		}
		pthread_cond_broadcast(&sync_done);
	}
	uint64_t synced = synced_seq;
	pthread_mutex_unlock(&sync_lock);
	if (!err)
		anchor_durable(synced);
	return err;
}

void db_sync_path(const char *path)
{
	pthread_mutex_lock(&sync_lock);
	free(sync_path);
	sync_path = xstrdup(path);
	pthread_mutex_unlock(&sync_lock);
}

int db_sync_open(void)
{
	pthread_mutex_lock(&sync_lock);
	int err = wal_open();
	pthread_mutex_unlock(&sync_lock);
	return err;
}

void db_sync_close(void)
{
	pthread_mutex_lock(&sync_lock);
	wal_file = NULL;
	db_close(sync_db);
	sync_db = NULL;
	free(sync_path);
	sync_path = NULL;
	sync_failed = false;
	pthread_mutex_unlock(&sync_lock);
}

int db_commit_nowait(struct db *db, uint64_t *seq)
{
	*seq = 0;
	int err = db_run(db, &sql_commit);
	if (err && db_conn(db)->drv->in_tx(db_conn(db)))
		(void)db_run(db, &sql_rollback);
	if (!err && db->auth_dirty)
		__atomic_add_fetch(&auth_generation, 1, __ATOMIC_ACQ_REL);
	db->auth_dirty = false;
	if (!err && db_conn(db)->group_sync && db->holds_writer_lock) {
		*seq = commit_seq + 1;
		__atomic_store_n(&commit_seq, *seq, __ATOMIC_RELEASE);
	}
	anchor_tx_end(!err, *seq);
	release(db);
	return err;
}

int db_commit(struct db *db)
{
	uint64_t seq;
	int err = db_commit_nowait(db, &seq);
	if (!err && seq)
		err = wal_sync(seq);
	return err;
}

void db_rollback(struct db *db)
{
	db->auth_dirty = false;
	anchor_tx_end(false, 0);
	if (db_conn(db)->drv->in_tx(db_conn(db)))
		(void)db_run(db, &sql_rollback);
	release(db);
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
		int err = wal_sync(upto);
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
		fn(arg, wal_sync(seq));
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

void db_syncer_start(void)
{
	pthread_mutex_lock(&dq_lock);
	dq_running = pthread_create(&dq_thread, NULL, syncer, NULL) == 0;
	pthread_mutex_unlock(&dq_lock);
	if (!dq_running)
		log_warn("no syncer thread: commits are synced by their writers");
}

bool db_worker_stop(pthread_mutex_t *lock, pthread_cond_t *wake, bool *running, pthread_t *thread)
{
	pthread_mutex_lock(lock);
	bool was = *running;
	*running = false;
	pthread_cond_signal(wake);
	pthread_mutex_unlock(lock);
	if (was)
		pthread_join(*thread, NULL);
	return was;
}

void db_syncer_stop(void)
{
	(void)db_worker_stop(&dq_lock, &dq_wake, &dq_running, &dq_thread);
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

int db_wal_grew(void *arg, sqlite3 *h, const char *name, int pages)
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
			pthread_mutex_lock(&db_writer_lock);
			rc = sqlite3_wal_checkpoint_v2(ck_db->h, "main", SQLITE_CHECKPOINT_RESTART,
						       NULL, NULL);
			pthread_mutex_unlock(&db_writer_lock);
		}
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_warn("checkpoint: %s", sqlite3_errmsg(ck_db->h));
		int xrc = sqlite3_extended_errcode(ck_db->h);
		if (rc != SQLITE_OK && (xrc == SQLITE_IOERR_FSYNC || xrc == SQLITE_IOERR_DIR_FSYNC))
			db_sync_failed("checkpoint");
		pthread_mutex_lock(&ck_lock);
		/* Then a pause: every commit asks for a checkpoint while the WAL is long, and a
		 * page written by many commits is better copied (and the file synced) once. */
		struct timespec until;
		/* The deadline of a timed wait (the condition's clock), which decides nothing a
		 * test could move. */
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

void db_checkpointer_start(const char *path)
{
	if (db_conn_open(path, &ck_db) != 0) {
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

void db_checkpointer_stop(void)
{
	if (!db_worker_stop(&ck_lock, &ck_wake, &ck_running, &ck_thread))
		return;
	db_close(ck_db);
	ck_db = NULL;
}
