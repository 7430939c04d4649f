/* The storage ceiling: single-row INSERT transactions on a fresh SQLite database with the
 * server's settings (WAL, synchronous=FULL), from one or more threads behind one lock. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64
#define LAT_BUCKETS 100000 /* latency histogram in 10 µs buckets, up to 1 s */

struct shared {
	const char *path;
	double seconds;
	long long count;
	atomic_llong done;
	atomic_bool stop;
	pthread_mutex_t writer; /* one writer at a time, as in the server */
	pthread_mutex_t hist_lock;
	unsigned long long hist[LAT_BUCKETS + 1];
	struct timespec t0;
	int failed;
};

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fputs("usage: insert --db PATH [--seconds S | --count N] [--threads T]\n"
	      "Deletes PATH, creates a table with the server's pragmas (busy_timeout, WAL,\n"
	      "synchronous=FULL, foreign_keys) and runs single-row INSERT transactions\n"
	      "(BEGIN IMMEDIATE; INSERT; COMMIT), T threads with a connection each behind one\n"
	      "mutex. Prints one line: rows, seconds, rows/s, p50 and p99 in ms.\n",
	      f);
}

static int exec(sqlite3 *h, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "insert: %s: %s\n", sql, msg ? msg : sqlite3_errmsg(h));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Opens a connection with the server's pragmas, in the server's order. */
static sqlite3 *open_db(const char *path)
{
	sqlite3 *h = NULL;
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "insert: cannot open %s: %s\n", path, h ? sqlite3_errmsg(h) : "?");
		sqlite3_close(h);
		return NULL;
	}
	if (exec(h, "PRAGMA busy_timeout = 5000") || exec(h, "PRAGMA journal_mode = WAL") ||
	    exec(h, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
		    "PRAGMA temp_store = MEMORY")) {
		sqlite3_close(h);
		return NULL;
	}
	return h;
}

static void *worker(void *arg)
{
	struct shared *s = arg;
	sqlite3 *h = open_db(s->path);
	sqlite3_stmt *begin = NULL, *ins = NULL, *commit = NULL;
	if (!h)
		goto fail;
	if (sqlite3_prepare_v2(h, "BEGIN IMMEDIATE", -1, &begin, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(
		h,
		"INSERT INTO rows (patient_id, practitioner_id, room_id, start_at, "
		"end_at, status, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'booked', ?6)",
		-1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "COMMIT", -1, &commit, NULL) != SQLITE_OK) {
		fprintf(stderr, "insert: prepare: %s\n", sqlite3_errmsg(h));
		goto fail;
	}
	unsigned long long local[64];
	size_t nlocal = 0;
	for (;;) {
		if (atomic_load(&s->stop))
			break;
		long long i = atomic_fetch_add(&s->done, 1);
		if (s->count > 0 && i >= s->count) {
			atomic_fetch_sub(&s->done, 1);
			break;
		}
		double t0 = now_s();
		pthread_mutex_lock(&s->writer);
		int rc = sqlite3_step(begin);
		sqlite3_reset(begin);
		if (rc == SQLITE_DONE) {
			sqlite3_bind_int64(ins, 1, 1 + i % 100000);
			sqlite3_bind_int64(ins, 2, 1 + i % 40);
			sqlite3_bind_int64(ins, 3, 1 + i % 20);
			sqlite3_bind_int64(ins, 4, 1900000000 + i * 1800);
			sqlite3_bind_int64(ins, 5, 1900000000 + i * 1800 + 1800);
			sqlite3_bind_int64(ins, 6, (sqlite3_int64)time(NULL));
			rc = sqlite3_step(ins);
			sqlite3_reset(ins);
			if (rc == SQLITE_DONE) {
				rc = sqlite3_step(commit);
				sqlite3_reset(commit);
			} else {
				sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
			}
		}
		pthread_mutex_unlock(&s->writer);
		if (rc != SQLITE_DONE) {
			fprintf(stderr, "insert: %s\n", sqlite3_errmsg(h));
			atomic_fetch_sub(&s->done, 1);
			goto fail;
		}
		long b = (long)((now_s() - t0) * 1e5);
		local[nlocal++] = (unsigned long long)(b < 0		 ? 0
						       : b > LAT_BUCKETS ? LAT_BUCKETS
									 : b);
		if (nlocal == sizeof local / sizeof local[0]) {
			pthread_mutex_lock(&s->hist_lock);
			for (size_t k = 0; k < nlocal; k++)
				s->hist[local[k]]++;
			pthread_mutex_unlock(&s->hist_lock);
			nlocal = 0;
		}
	}
	pthread_mutex_lock(&s->hist_lock);
	for (size_t k = 0; k < nlocal; k++)
		s->hist[local[k]]++;
	pthread_mutex_unlock(&s->hist_lock);
	sqlite3_finalize(begin);
	sqlite3_finalize(ins);
	sqlite3_finalize(commit);
	sqlite3_close(h);
	return NULL;
fail:
	atomic_store(&s->stop, true);
	pthread_mutex_lock(&s->hist_lock);
	s->failed = 1;
	pthread_mutex_unlock(&s->hist_lock);
	sqlite3_finalize(begin);
	sqlite3_finalize(ins);
	sqlite3_finalize(commit);
	sqlite3_close(h);
	return NULL;
}

static double percentile(const unsigned long long *hist, unsigned long long total, double p)
{
	unsigned long long want = (unsigned long long)((double)total * p), seen = 0;
	for (size_t i = 0; i <= LAT_BUCKETS; i++) {
		seen += hist[i];
		if (seen > want)
			return (double)i / 100.0; /* buckets are 10 µs: ms = i / 100 */
	}
	return (double)LAT_BUCKETS / 100.0;
}

static bool parse_num(const char *s, double min, double max, double *out)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || !end || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	static struct shared s;
	double threads = 1, seconds = 0, count = 0;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		if (!v) {
			usage(stderr);
			return 2;
		}
		bool ok = true;
		if (!strcmp(a, "--db"))
			path = v;
		else if (!strcmp(a, "--seconds"))
			ok = parse_num(v, 0.1, 3600, &seconds);
		else if (!strcmp(a, "--count"))
			ok = parse_num(v, 1, 1e9, &count);
		else if (!strcmp(a, "--threads"))
			ok = parse_num(v, 1, MAX_THREADS, &threads);
		else
			ok = false;
		if (!ok) {
			fprintf(stderr, "insert: bad option %s %s\n", a, v);
			usage(stderr);
			return 2;
		}
		i++;
	}
	if (!path || (seconds <= 0 && count <= 0)) {
		usage(stderr);
		return 2;
	}
	const char *suffix[] = {"", "-wal", "-shm", "-journal"};
	for (size_t k = 0; k < sizeof suffix / sizeof suffix[0]; k++) {
		char p[4096];
		snprintf(p, sizeof p, "%s%s", path, suffix[k]);
		if (unlink(p) != 0 && errno != ENOENT) {
			fprintf(stderr, "insert: cannot remove %s\n", p);
			return 1;
		}
	}
	sqlite3 *h = open_db(path);
	if (!h || exec(h, "CREATE TABLE rows (id INTEGER PRIMARY KEY, patient_id INTEGER NOT NULL,"
			  " practitioner_id INTEGER NOT NULL, room_id INTEGER NOT NULL,"
			  " start_at INTEGER NOT NULL, end_at INTEGER NOT NULL,"
			  " status TEXT NOT NULL, created_at INTEGER NOT NULL)")) {
		sqlite3_close(h);
		return 1;
	}
	sqlite3_close(h);

	s.path = path;
	s.seconds = seconds;
	s.count = (long long)count;
	pthread_mutex_init(&s.writer, NULL);
	pthread_mutex_init(&s.hist_lock, NULL);
	pthread_t tids[MAX_THREADS];
	int nt = (int)threads;
	double t0 = now_s();
	for (int i = 0; i < nt; i++)
		if (pthread_create(&tids[i], NULL, worker, &s) != 0) {
			fprintf(stderr, "insert: cannot start a thread\n");
			return 1;
		}
	if (seconds > 0) {
		while (!atomic_load(&s.stop) && now_s() - t0 < seconds) {
			struct timespec nap = {0, 5 * 1000 * 1000};
			nanosleep(&nap, NULL);
		}
		atomic_store(&s.stop, true);
	}
	for (int i = 0; i < nt; i++)
		pthread_join(tids[i], NULL);
	double el = now_s() - t0;
	if (s.failed)
		return 1;
	long long rows = atomic_load(&s.done);
	unsigned long long total = 0;
	for (size_t i = 0; i <= LAT_BUCKETS; i++)
		total += s.hist[i];
	printf("insert threads=%d rows=%lld seconds=%.2f rows_per_s=%.1f p50_ms=%.2f p99_ms=%.2f\n",
	       nt, rows, el, (double)rows / el, percentile(s.hist, total, 0.50),
	       percentile(s.hist, total, 0.99));
	return 0;
}
