/* The audit anchor: which event is the newest durable one, written to a file beside the
 * database after the commits that append events have reached the disk. */
#include "store/anchor.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "domain/audit.h"
#include "store/files.h"
#include "util/err.h"
#include "util/log.h"

#define ANCHOR_SUFFIX ".audit-head"

static const char *const sql_head = "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1";
static const char *const sql_hash_of = "SELECT hash FROM audit WHERE id = ?1";

int store_anchor_path(const char *db_path, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s%s", db_path, ANCHOR_SUFFIX);
	return n > 0 && (size_t)n < cap ? 0 : -ERR_INTERNAL;
}

static bool is_hex_hash(const char *s)
{
	for (int i = 0; i < AUDIT_HASH_HEX - 1; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[AUDIT_HASH_HEX - 1] == '\0';
}

int store_anchor_read(const char *file, struct audit_anchor *out)
{
	FILE *f = fopen(file, "re");
	if (!f)
		return errno == ENOENT ? -ERR_NOT_FOUND : -ERR_STORAGE_UNAVAILABLE;
	char line[128];
	bool got = fgets(line, sizeof line, f) != NULL;
	fclose(f);
	long long id;
	char hash[AUDIT_HASH_HEX + 1];
	char extra;
	if (!got || sscanf(line, "%lld %65s %c", &id, hash, &extra) != 2 || id < 0 ||
	    strlen(hash) != AUDIT_HASH_HEX - 1 || !is_hex_hash(hash))
		return -ERR_BAD_REQUEST;
	out->id = id;
	memcpy(out->hash, hash, AUDIT_HASH_HEX);
	return 0;
}

int store_anchor_write(const char *file, const struct audit_anchor *a)
{
	char text[128];
	int len = snprintf(text, sizeof text, "%lld %s\n", (long long)a->id, a->hash);
	if (len <= 0 || (size_t)len >= sizeof text)
		return -ERR_INTERNAL;
	if (store_file_replace(file, text, (size_t)len) == 0)
		return 0;
	log_error("cannot write the audit anchor %s: %s", file, strerror(errno));
	return -ERR_STORAGE_UNAVAILABLE;
}

int store_audit_head(struct db *db, struct audit_anchor *out)
{
	struct dbst *st = db_stmt(db, &sql_head);
	if (!st)
		return db_stmt_err(db);
	int rc = db_step(db, st), err = 0;
	if (rc == DB_ROW) {
		out->id = db_col_int64(st, 0);
		const char *h = db_col_cstr(st, 1);
		snprintf(out->hash, sizeof out->hash, "%s", h ? h : "");
	} else if (rc == DB_DONE) {
		out->id = 0;
		memcpy(out->hash, AUDIT_GENESIS, sizeof AUDIT_GENESIS);
	} else {
		err = rc;
	}
	db_done(st);
	return err;
}

int store_audit_hash_of(struct db *db, int64_t id, char hash[AUDIT_HASH_HEX])
{
	struct dbst *st = db_stmt(db, &sql_hash_of);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 1, id);
	int rc = db_step(db, st), err = 0;
	if (rc == DB_ROW) {
		const char *h = db_col_cstr(st, 0);
		snprintf(hash, AUDIT_HASH_HEX, "%s", h ? h : "");
	} else {
		err = rc == DB_DONE ? -ERR_NOT_FOUND : rc;
	}
	db_done(st);
	return err;
}

/*
 * What the anchor has to follow. The newest event of the open write transaction (there
 * is one at a time: writers hold the writer lock), the newest committed one with its
 * commit number, and the one written last. The server's commits become durable after
 * their commit (group commit), so the anchor is written from a thread once the sync that
 * covers the commit has finished: it may lag the trail by a batch, never lead it. The
 * command-line tools commit with synchronous=FULL and write it at once.
 */
struct anchor_state {
	bool set;
	struct audit_anchor head;
	char file[PATH_MAX];
	uint64_t seq;
};

static pthread_mutex_t anchor_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t anchor_due = PTHREAD_COND_INITIALIZER;
static struct anchor_state in_tx, committed;
static uint64_t durable_seq;
static int64_t written_id = -1;
static char written_file[PATH_MAX];
static bool running, stopping, due;
static pthread_t writer;

/* The anchor file named by --anchor, or "": beside an SQLite database, none for another. */
static char configured[PATH_MAX];

void store_anchor_use(const char *file)
{
	snprintf(configured, sizeof configured, "%s", file ? file : "");
}

/* The anchor file of db (opened from db_path, may be NULL) into out; false when it has
 * none. */
static bool anchor_file_of(struct db *db, const char *db_path, char *out, size_t cap)
{
	if (configured[0])
		return snprintf(out, cap, "%s", configured) < (int)cap;
	const char *name = db_filename(db);
	if (!name && db_path && !db_is_remote(db_path))
		name = db_path;
	return name && store_anchor_path(name, out, cap) == 0;
}

void anchor_event(struct db *db, int64_t id, const char *hash)
{
	pthread_mutex_lock(&anchor_lock);
	in_tx.set = anchor_file_of(db, NULL, in_tx.file, sizeof in_tx.file);
	in_tx.head.id = id;
	snprintf(in_tx.head.hash, sizeof in_tx.head.hash, "%s", hash);
	pthread_mutex_unlock(&anchor_lock);
}

/* Writes committed if it is durable and newer than the file; anchor_lock is held and is
 * released while the file is written. */
static void write_durable_locked(void)
{
	if (!committed.set || committed.seq > durable_seq ||
	    (committed.head.id == written_id && strcmp(committed.file, written_file) == 0))
		return;
	struct anchor_state next = committed;
	pthread_mutex_unlock(&anchor_lock);
	int err = store_anchor_write(next.file, &next.head);
	pthread_mutex_lock(&anchor_lock);
	if (!err) {
		written_id = next.head.id;
		memcpy(written_file, next.file, sizeof written_file);
	}
}

void anchor_tx_end(bool commit, uint64_t seq)
{
	pthread_mutex_lock(&anchor_lock);
	if (in_tx.set && commit) {
		committed = in_tx;
		committed.seq = seq;
		if (!seq) {
			/* A commit durable before it returned: the tools', or PostgreSQL's. The
			 * server's thread writes the file; the tools write it at once. */
			if (durable_seq < committed.seq)
				durable_seq = committed.seq;
			if (running) {
				due = true;
				pthread_cond_signal(&anchor_due);
			} else {
				write_durable_locked();
			}
		}
	}
	in_tx.set = false;
	pthread_mutex_unlock(&anchor_lock);
}

void anchor_durable(uint64_t synced)
{
	pthread_mutex_lock(&anchor_lock);
	if (synced > durable_seq)
		durable_seq = synced;
	if (committed.set && committed.seq <= durable_seq) {
		if (running) {
			due = true;
			pthread_cond_signal(&anchor_due);
		} else {
			write_durable_locked();
		}
	}
	pthread_mutex_unlock(&anchor_lock);
}

static void *anchor_writer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&anchor_lock);
	while (!stopping) {
		while (!due && !stopping)
			pthread_cond_wait(&anchor_due, &anchor_lock);
		due = false;
		write_durable_locked();
	}
	pthread_mutex_unlock(&anchor_lock);
	return NULL;
}

int anchor_check(struct db *db, const char *db_path)
{
	char file[PATH_MAX];
	struct audit_anchor head, was;
	if (!anchor_file_of(db, db_path, file, sizeof file))
		return 0;
	int err = store_audit_head(db, &head);
	if (err)
		return err;
	err = store_anchor_read(file, &was);
	if (err == -ERR_NOT_FOUND)
		return store_anchor_write(file, &head);
	char hash[AUDIT_HASH_HEX] = "";
	bool ok = !err && was.id <= head.id &&
		  (was.id == 0 || store_audit_hash_of(db, was.id, hash) == 0) &&
		  (was.id == 0 || strcmp(hash, was.hash) == 0);
	if (ok)
		return 0;
	/* The trail was cut short or changed since the anchor was written: keep the anchor as
	 * evidence and start a new one, loudly. */
	char kept[PATH_MAX + 16];
	snprintf(kept, sizeof kept, "%s.mismatch", file);
	if (store_files->rename(file, kept) != 0 || store_file_sync_dir(kept) != 0)
		log_error("cannot keep the audit anchor %s as %s: %s", file, kept, strerror(errno));
	log_error("the audit trail ends at event %lld but its anchor said %lld: the anchor is kept "
		  "as %s; run `collagenda audit verify --anchor %s`",
		  (long long)head.id, (long long)was.id, kept, kept);
	return store_anchor_write(file, &head);
}

void anchor_start(void)
{
	pthread_mutex_lock(&anchor_lock);
	stopping = false;
	due = false;
	running = pthread_create(&writer, NULL, anchor_writer, NULL) == 0;
	if (!running)
		log_warn("no audit anchor thread: the anchor is written by the committing thread");
	pthread_mutex_unlock(&anchor_lock);
}

void anchor_stop(void)
{
	pthread_mutex_lock(&anchor_lock);
	bool was = running;
	stopping = true;
	pthread_cond_signal(&anchor_due);
	pthread_mutex_unlock(&anchor_lock);
	if (was)
		pthread_join(writer, NULL);
	pthread_mutex_lock(&anchor_lock);
	running = false;
	write_durable_locked();
	pthread_mutex_unlock(&anchor_lock);
}
