/* The power-cut model (crashvfs.h). Writes go through to the real files at once, so that
 * everything reads back as usual; what the model keeps is, for each sector written since
 * its file's last sync, the sector as it was at that sync. A power cut puts back (at
 * random) none, some or all of those sectors, cuts the file back towards its synced size,
 * forgets directory entries nobody synced, and ends the process. One lock serialises
 * every read, write and sync, so the cut falls between two of them and nothing reads the
 * files while the cut puts them back. */
#include "crashvfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/files.h"

#define SECTOR 512

/* ---- Settings and counters ---- */

enum fail_kind { FAIL_NONE, FAIL_WRITE, FAIL_SYNC, FAIL_READ };

static struct {
	bool model;
	bool ack_before_sync;
	uint64_t seed;
	long crash_after;
	enum fail_kind fail;
	long fail_at;
	bool fail_full;
	bool after_signal; /* calls are counted for fail-at from SIGUSR1 on */
} cfg;

static bool armed;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long ops, writes, syncs, reads;
static uint64_t rng;

static uint64_t next_random(void)
{
	/* xorshift64*: plenty for choosing which sectors a power cut keeps. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1Dull;
}

/* ---- What each file holds since its last sync ---- */

struct saved {
	int64_t sector; /* -1: empty slot */
	bool had_data;	/* the sector lay inside the synced file */
	unsigned char data[SECTOR];
};

/* A database, log or journal file, shared by every connection that opens it. */
struct node {
	char path[PATH_MAX];
	int64_t synced_size;
	bool entry_durable; /* its directory entry survives a power cut */
	struct saved *slots;
	size_t nslots, used;
	struct node *next;
};

static struct node *nodes;

static struct node *node_for(const char *path, bool existed)
{
	for (struct node *n = nodes; n; n = n->next)
		if (strcmp(n->path, path) == 0)
			return n;
	struct node *n = calloc(1, sizeof *n);
	if (!n)
		abort();
	snprintf(n->path, sizeof n->path, "%s", path);
	struct stat st;
	n->synced_size = existed && stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
	n->entry_durable = existed;
	n->next = nodes;
	nodes = n;
	return n;
}

static size_t slot_of(const struct node *n, int64_t sector)
{
	uint64_t k = (uint64_t)sector * 0x9E3779B97F4A7C15ull;
	return (size_t)(k >> 20) & (n->nslots - 1);
}

static struct saved *find_saved(const struct node *n, int64_t sector)
{
	if (!n->nslots)
		return NULL;
	for (size_t i = slot_of(n, sector);; i = (i + 1) & (n->nslots - 1)) {
		if (n->slots[i].sector == sector)
			return &n->slots[i];
		if (n->slots[i].sector < 0)
			return NULL;
	}
}

static struct saved *add_saved(struct node *n, int64_t sector);

static void grow(struct node *n)
{
	struct saved *old = n->slots;
	size_t count = n->nslots;
	n->nslots = count ? count * 2 : 256;
	n->slots = malloc(n->nslots * sizeof *n->slots);
	if (!n->slots)
		abort();
	for (size_t i = 0; i < n->nslots; i++)
		n->slots[i].sector = -1;
	n->used = 0;
	for (size_t i = 0; i < count; i++)
		if (old[i].sector >= 0)
			*add_saved(n, old[i].sector) = old[i];
	free(old);
}

static struct saved *add_saved(struct node *n, int64_t sector)
{
	if ((n->used + 1) * 2 > n->nslots)
		grow(n);
	size_t i = slot_of(n, sector);
	while (n->slots[i].sector >= 0)
		i = (i + 1) & (n->nslots - 1);
	n->slots[i].sector = sector;
	n->used++;
	return &n->slots[i];
}

static void forget_saved(struct node *n)
{
	free(n->slots);
	n->slots = NULL;
	n->nslots = n->used = 0;
}

/* Keeps the synced state of sectors [first, last] of n before they change; real reads the
 * file as it is now. */
static int save_sectors(struct node *n, sqlite3_file *real, int64_t first, int64_t last)
{
	for (int64_t s = first; s <= last; s++) {
		if (find_saved(n, s))
			continue;
		struct saved *sv = add_saved(n, s);
		int64_t off = s * SECTOR;
		sv->had_data = off < n->synced_size;
		memset(sv->data, 0, SECTOR);
		if (sv->had_data) {
			int rc = real->pMethods->xRead(real, sv->data, SECTOR, off);
			if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ)
				return rc;
		}
	}
	return SQLITE_OK;
}

/* ---- Files beside the database (store/files.h), whole files at a time ---- */

/* A file's data, whatever names it has. */
struct inode {
	char where[PATH_MAX]; /* its name now; "" once it has none */
	char *durable;	      /* what its last fsync left on disk ("" before any) */
	size_t durable_len;
	bool dirty; /* written since */
	/* after a power cut, worked out once */
	bool cut_done;
	char *after;
	size_t after_len;
	struct inode *next;
};

/* A name in a directory: the file it named when the directory was last synced, and the
 * file it names now (NULL: none). */
struct entry {
	char path[PATH_MAX];
	struct inode *synced, *now;
	struct entry *next;
};

static struct inode *inodes;
static struct entry *entries;
static struct {
	int fd;
	struct inode *ino; /* NULL with dir set: a directory */
	char dir[PATH_MAX];
	bool used;
} open_fds[16];

static char *slurp(const char *path, size_t *len)
{
	*len = 0;
	char *buf = malloc(1);
	if (!buf)
		abort();
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return buf;
	size_t cap = 1;
	for (;;) {
		if (*len + 4096 > cap) {
			cap = *len + 8192;
			char *b = realloc(buf, cap);
			if (!b)
				abort();
			buf = b;
		}
		ssize_t r = read(fd, buf + *len, cap - *len);
		if (r <= 0)
			break;
		*len += (size_t)r;
	}
	close(fd);
	return buf;
}

static struct inode *new_inode(const char *path, bool read_it)
{
	struct inode *i = calloc(1, sizeof *i);
	if (!i)
		abort();
	snprintf(i->where, sizeof i->where, "%s", path);
	i->durable = read_it ? slurp(path, &i->durable_len) : slurp("", &i->durable_len);
	i->next = inodes;
	inodes = i;
	return i;
}

/* The entry for path, met for the first time as it is on disk (taken to be durable). */
static struct entry *entry_for(const char *path)
{
	for (struct entry *e = entries; e; e = e->next)
		if (strcmp(e->path, path) == 0)
			return e;
	struct entry *e = calloc(1, sizeof *e);
	if (!e)
		abort();
	snprintf(e->path, sizeof e->path, "%s", path);
	if (access(path, F_OK) == 0)
		e->synced = e->now = new_inode(path, true);
	e->next = entries;
	entries = e;
	return e;
}

static bool same_dir(const char *a, const char *b)
{
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
	size_t la = sa ? (size_t)(sa - a) : 0, lb = sb ? (size_t)(sb - b) : 0;
	return la == lb && strncmp(a, b, la) == 0;
}

static void node_dir_synced(const char *inside);

/* The directory holding inside was synced: its names are durable as they are now. */
static void dir_synced(const char *inside)
{
	for (struct entry *e = entries; e; e = e->next)
		if (same_dir(e->path, inside))
			e->synced = e->now;
	node_dir_synced(inside);
}

/* ---- The power cut ---- */

static long long dropped_bytes, unsynced_bytes;
static int dropped_entries;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n > 0)
		(void)!write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* Puts back, at random, the synced state of n's sectors. */
static void cut_node(struct node *n)
{
	if (!n->entry_durable && next_random() % 2 == 0) {
		/* Nobody synced the directory since the file was made: it is gone. */
		unlink(n->path);
		dropped_entries++;
		return;
	}
	if (!n->used)
		return;
	int fd = open(n->path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	struct stat st;
	int64_t size = fstat(fd, &st) == 0 ? (int64_t)st.st_size : n->synced_size;
	/* none of the unsynced sectors reach the disk, all of them, or each by chance */
	unsigned mode = (unsigned)(next_random() % 4);
	int64_t keep_to = n->synced_size;
	for (size_t i = 0; i < n->nslots; i++) {
		struct saved *sv = &n->slots[i];
		if (sv->sector < 0)
			continue;
		int64_t off = sv->sector * SECTOR;
		int64_t len = size - off < SECTOR ? size - off : SECTOR;
		if (len <= 0)
			continue;
		unsynced_bytes += len;
		bool kept = mode == 1 || (mode >= 2 && next_random() % (mode == 2 ? 2 : 4) == 0);
		if (kept) {
			if (off + len > keep_to)
				keep_to = off + len;
			continue;
		}
		dropped_bytes += len;
		if (pwrite(fd, sv->data, (size_t)len, off) != (ssize_t)len)
			say("test-vfs: cannot put back %s at %lld\n", n->path, (long long)off);
	}
	/* The file ends where its synced part or its last surviving sector ends; sectors
	 * put back beyond the synced size read as zeros, which they were above. */
	if (keep_to < size && ftruncate(fd, keep_to) != 0)
		say("test-vfs: cannot cut %s back\n", n->path);
	fsync(fd);
	close(fd);
}

static void write_whole(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return;
	if (len && write(fd, data, len) != (ssize_t)len)
		say("test-vfs: cannot put back %s\n", path);
	fsync(fd);
	close(fd);
}

/* What a file's data are after the cut: as last synced, the new ones, or a torn part of
 * the new ones. */
static void cut_inode(struct inode *i)
{
	if (i->cut_done)
		return;
	i->cut_done = true;
	size_t len = 0;
	char *now = i->where[0] ? slurp(i->where, &len) : NULL;
	if (!now || !i->dirty) {
		free(now);
		i->after = i->durable;
		i->after_len = i->durable_len;
		return;
	}
	unsynced_bytes += (long long)len;
	switch (next_random() % 3) {
	case 0:
		dropped_bytes += (long long)len;
		free(now);
		i->after = i->durable;
		i->after_len = i->durable_len;
		break;
	case 1:
		i->after_len = len ? (size_t)(next_random() % len) : 0;
		dropped_bytes += (long long)(len - i->after_len);
		i->after = now;
		break;
	default:
		i->after = now;
		i->after_len = len;
		break;
	}
}

/* Each name whose change nobody synced names, at random, its old file or its new one. */
static void cut_entries(void)
{
	struct entry *e;
	for (e = entries; e; e = e->next) {
		if (e->synced != e->now && next_random() % 2 == 0) {
			e->now = e->synced;
			dropped_entries++;
		}
		if (e->now)
			cut_inode(e->now);
	}
	for (e = entries; e; e = e->next) {
		if (!e->now)
			unlink(e->path);
		else
			write_whole(e->path, e->now->after, e->now->after_len);
	}
}

static void power_cut(const char *why) __attribute__((noreturn));
static void power_cut(const char *why)
{
	for (struct node *n = nodes; n; n = n->next)
		cut_node(n);
	cut_entries();
	say("test-vfs: power cut (%s) after %ld operations: %lld of %lld unsynced bytes "
	    "dropped, %d unsynced directory entries dropped\n",
	    why, ops, dropped_bytes, unsynced_bytes, dropped_entries);
	_exit(CRASHVFS_EXIT);
}

/* Counts a write, truncate or sync; lock is held. Cuts the power at the chosen one. */
static void tick(void)
{
	ops++;
	if (cfg.model && cfg.crash_after > 0 && ops == cfg.crash_after)
		power_cut("operation count");
}

/* SIGUSR1 starts the count towards the failing call; SIGUSR2 cuts the power. */
static void *signal_waiter(void *arg)
{
	sigset_t *set = arg;
	for (;;) {
		int sig = 0;
		if (sigwait(set, &sig) != 0)
			continue;
		pthread_mutex_lock(&lock);
		if (sig == SIGUSR2 && cfg.model)
			power_cut("signal");
		if (sig == SIGUSR1) {
			armed = true;
			say("test-vfs: counting towards the failing call\n");
		}
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

/* ---- The VFS ---- */

struct cv_file {
	sqlite3_file base;
	struct node *node; /* NULL: a file the model does not follow */
	bool dirsync;	   /* its first sync also syncs its directory, as the unix VFS does */
	sqlite3_file *real;
};

static sqlite3_vfs *real_vfs;

static int fail_now(enum fail_kind kind, long *count)
{
	if (cfg.fail != kind || (cfg.after_signal && !armed))
		return SQLITE_OK;
	if (++*count != cfg.fail_at)
		return SQLITE_OK;
	say("test-vfs: failing %s number %ld\n",
	    kind == FAIL_WRITE	? "write"
	    : kind == FAIL_SYNC ? "sync"
				: "read",
	    *count);
	if (cfg.fail_full)
		return SQLITE_FULL;
	return kind == FAIL_WRITE  ? SQLITE_IOERR_WRITE
	       : kind == FAIL_SYNC ? SQLITE_IOERR_FSYNC
				   : SQLITE_IOERR_READ;
}

static int cv_close(sqlite3_file *f)
{
	struct cv_file *c = (struct cv_file *)f;
	int rc = c->real->pMethods ? c->real->pMethods->xClose(c->real) : SQLITE_OK;
	return rc;
}

static int cv_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
	struct cv_file *c = (struct cv_file *)f;
	if (!c->node || (!cfg.model && cfg.fail != FAIL_READ))
		return c->real->pMethods->xRead(c->real, buf, amt, off);
	/* Under the lock: once the power cut has begun to put files back, no read may see
	 * them half done and answer from them. */
	pthread_mutex_lock(&lock);
	int rc = fail_now(FAIL_READ, &reads);
	if (rc == SQLITE_OK)
		rc = c->real->pMethods->xRead(c->real, buf, amt, off);
	pthread_mutex_unlock(&lock);
	return rc;
}

static int cv_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	struct cv_file *c = (struct cv_file *)f;
	if (!c->node)
		return c->real->pMethods->xWrite(c->real, buf, amt, off);
	pthread_mutex_lock(&lock);
	tick();
	int rc = fail_now(FAIL_WRITE, &writes);
	if (rc == SQLITE_OK && cfg.model && amt > 0)
		rc = save_sectors(c->node, c->real, off / SECTOR, (off + amt - 1) / SECTOR);
	if (rc == SQLITE_OK)
		rc = c->real->pMethods->xWrite(c->real, buf, amt, off);
	pthread_mutex_unlock(&lock);
	return rc;
}

static int cv_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct cv_file *c = (struct cv_file *)f;
	if (!c->node)
		return c->real->pMethods->xTruncate(c->real, size);
	pthread_mutex_lock(&lock);
	tick();
	int rc = SQLITE_OK;
	sqlite3_int64 now = 0;
	if (cfg.model && c->real->pMethods->xFileSize(c->real, &now) == SQLITE_OK && now > size)
		rc = save_sectors(c->node, c->real, size / SECTOR, (now - 1) / SECTOR);
	if (rc == SQLITE_OK)
		rc = c->real->pMethods->xTruncate(c->real, size);
	pthread_mutex_unlock(&lock);
	return rc;
}

static bool is_log(const struct node *n)
{
	size_t len = strlen(n->path);
	return len > 4 && strcmp(n->path + len - 4, "-wal") == 0;
}

static int cv_sync(sqlite3_file *f, int flags)
{
	struct cv_file *c = (struct cv_file *)f;
	if (!c->node)
		return c->real->pMethods->xSync(c->real, flags);
	pthread_mutex_lock(&lock);
	tick();
	int rc = fail_now(FAIL_SYNC, &syncs);
	if (rc == SQLITE_OK && cfg.ack_before_sync && is_log(c->node)) {
		/* The broken build: the log's sync claims success at once. */
		pthread_mutex_unlock(&lock);
		return SQLITE_OK;
	}
	if (rc == SQLITE_OK)
		rc = c->real->pMethods->xSync(c->real, flags);
	if (rc == SQLITE_OK) {
		sqlite3_int64 size = 0;
		if (c->real->pMethods->xFileSize(c->real, &size) == SQLITE_OK)
			c->node->synced_size = size;
		forget_saved(c->node);
		if (c->dirsync) {
			c->dirsync = false;
			dir_synced(c->node->path);
		}
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

static int cv_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	struct cv_file *c = (struct cv_file *)f;
	return c->real->pMethods->xFileSize(c->real, size);
}

static int cv_lock(sqlite3_file *f, int level)
{
	struct cv_file *c = (struct cv_file *)f;
	return c->real->pMethods->xLock(c->real, level);
}

static int cv_unlock(sqlite3_file *f, int level)
{
	struct cv_file *c = (struct cv_file *)f;
	return c->real->pMethods->xUnlock(c->real, level);
}

static int cv_check_reserved(sqlite3_file *f, int *out)
{
	struct cv_file *c = (struct cv_file *)f;
	return c->real->pMethods->xCheckReservedLock(c->real, out);
}

static int cv_file_control(sqlite3_file *f, int op, void *arg)
{
	struct cv_file *c = (struct cv_file *)f;
	return c->real->pMethods->xFileControl(c->real, op, arg);
}

static int cv_sector_size(sqlite3_file *f)
{
	struct cv_file *c = (struct cv_file *)f;
	return c->real->pMethods->xSectorSize(c->real);
}

static int cv_device(sqlite3_file *f)
{
	struct cv_file *c = (struct cv_file *)f;
	return c->real->pMethods->xDeviceCharacteristics(c->real);
}

static int cv_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **out)
{
	struct cv_file *c = (struct cv_file *)f;
	return c->real->pMethods->xShmMap(c->real, region, size, extend, out);
}

static int cv_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	struct cv_file *c = (struct cv_file *)f;
	return c->real->pMethods->xShmLock(c->real, offset, n, flags);
}

static void cv_shm_barrier(sqlite3_file *f)
{
	struct cv_file *c = (struct cv_file *)f;
	c->real->pMethods->xShmBarrier(c->real);
}

static int cv_shm_unmap(sqlite3_file *f, int delete_flag)
{
	struct cv_file *c = (struct cv_file *)f;
	return c->real->pMethods->xShmUnmap(c->real, delete_flag);
}

static int cv_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
	/* No memory-mapped reads: every read goes through xRead. */
	(void)f;
	(void)off;
	(void)amt;
	*pp = NULL;
	return SQLITE_OK;
}

static int cv_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	(void)f;
	(void)off;
	(void)p;
	return SQLITE_OK;
}

static const sqlite3_io_methods cv_methods = {
    .iVersion = 3,
    .xClose = cv_close,
    .xRead = cv_read,
    .xWrite = cv_write,
    .xTruncate = cv_truncate,
    .xSync = cv_sync,
    .xFileSize = cv_file_size,
    .xLock = cv_lock,
    .xUnlock = cv_unlock,
    .xCheckReservedLock = cv_check_reserved,
    .xFileControl = cv_file_control,
    .xSectorSize = cv_sector_size,
    .xDeviceCharacteristics = cv_device,
    .xShmMap = cv_shm_map,
    .xShmLock = cv_shm_lock,
    .xShmBarrier = cv_shm_barrier,
    .xShmUnmap = cv_shm_unmap,
    .xFetch = cv_fetch,
    .xUnfetch = cv_unfetch,
};

static int cv_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags,
		   int *out_flags)
{
	(void)vfs;
	struct cv_file *c = (struct cv_file *)f;
	memset(c, 0, sizeof *c);
	c->real = (sqlite3_file *)(c + 1);
	int type = flags & 0x0FFFFF00;
	bool followed = name && (type == SQLITE_OPEN_MAIN_DB || type == SQLITE_OPEN_WAL ||
				 type == SQLITE_OPEN_MAIN_JOURNAL);
	bool existed = followed && access(name, F_OK) == 0;
	int rc = real_vfs->xOpen(real_vfs, name, c->real, flags, out_flags);
	if (rc != SQLITE_OK) {
		c->real->pMethods = NULL;
		f->pMethods = NULL;
		return rc;
	}
	if (followed) {
		pthread_mutex_lock(&lock);
		c->node = node_for(name, existed);
		c->dirsync = (flags & SQLITE_OPEN_CREATE) && type != SQLITE_OPEN_MAIN_DB;
		pthread_mutex_unlock(&lock);
	}
	f->pMethods = &cv_methods;
	return SQLITE_OK;
}

static int cv_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	(void)vfs;
	return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int cv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int cv_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *cv_dlopen(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return real_vfs->xDlOpen(real_vfs, name);
}

static void cv_dlerror(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	real_vfs->xDlError(real_vfs, n, out);
}

static void (*cv_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	return real_vfs->xDlSym(real_vfs, h, sym);
}

static void cv_dlclose(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	real_vfs->xDlClose(real_vfs, h);
}

static int cv_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int cv_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return real_vfs->xSleep(real_vfs, us);
}

static int cv_current_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int cv_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xGetLastError(real_vfs, n, out);
}

static int cv_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static sqlite3_vfs cv_vfs = {
    .iVersion = 2,
    .mxPathname = 0,
    .zName = "crash",
    .xOpen = cv_open,
    .xDelete = cv_delete,
    .xAccess = cv_access,
    .xFullPathname = cv_full_pathname,
    .xDlOpen = cv_dlopen,
    .xDlError = cv_dlerror,
    .xDlSym = cv_dlsym,
    .xDlClose = cv_dlclose,
    .xRandomness = cv_randomness,
    .xSleep = cv_sleep,
    .xCurrentTime = cv_current_time,
    .xGetLastError = cv_last_error,
    .xCurrentTimeInt64 = cv_current_time64,
};

/* ---- The store's own files through the same model ---- */

static void node_dir_synced(const char *inside)
{
	for (struct node *n = nodes; n; n = n->next)
		if (same_dir(n->path, inside))
			n->entry_durable = true;
}

static int fd_slot(int fd)
{
	for (int i = 0; i < (int)(sizeof open_fds / sizeof open_fds[0]); i++)
		if (open_fds[i].used && open_fds[i].fd == fd)
			return i;
	return -1;
}

static void remember_fd(int fd, struct inode *ino, const char *dir)
{
	for (size_t i = 0; i < sizeof open_fds / sizeof open_fds[0]; i++)
		if (!open_fds[i].used) {
			open_fds[i].used = true;
			open_fds[i].fd = fd;
			open_fds[i].ino = ino;
			snprintf(open_fds[i].dir, sizeof open_fds[i].dir, "%s/.", dir ? dir : "");
			return;
		}
	say("test-vfs: too many files open\n");
	abort();
}

static int pf_open(const char *path, int flags, mode_t mode)
{
	pthread_mutex_lock(&lock);
	tick();
	struct stat st;
	bool dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
	struct entry *e = dir ? NULL : entry_for(path);
	int fd = open(path, flags, mode);
	if (fd >= 0 && dir) {
		remember_fd(fd, NULL, path);
	} else if (fd >= 0) {
		if (!e->now)
			e->now = new_inode(path, false); /* made now: no data on disk yet */
		if (flags & O_TRUNC)
			e->now->dirty = true;
		remember_fd(fd, e->now, NULL);
	}
	pthread_mutex_unlock(&lock);
	return fd;
}

static ssize_t pf_write(int fd, const void *buf, size_t len)
{
	pthread_mutex_lock(&lock);
	tick();
	ssize_t w = write(fd, buf, len);
	int i = fd_slot(fd);
	if (i >= 0 && open_fds[i].ino)
		open_fds[i].ino->dirty = true;
	pthread_mutex_unlock(&lock);
	return w;
}

static int pf_fsync(int fd)
{
	pthread_mutex_lock(&lock);
	tick();
	int rc = fsync(fd);
	int i = fd_slot(fd);
	if (rc == 0 && i >= 0 && !open_fds[i].ino) {
		dir_synced(open_fds[i].dir);
	} else if (rc == 0 && i >= 0) {
		struct inode *ino = open_fds[i].ino;
		free(ino->durable);
		ino->durable = slurp(ino->where, &ino->durable_len);
		ino->dirty = false;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

static int pf_close(int fd)
{
	pthread_mutex_lock(&lock);
	int i = fd_slot(fd);
	if (i >= 0)
		open_fds[i].used = false;
	int rc = close(fd);
	pthread_mutex_unlock(&lock);
	return rc;
}

static int pf_rename(const char *from, const char *to)
{
	pthread_mutex_lock(&lock);
	tick();
	struct entry *src = entry_for(from), *dst = entry_for(to);
	int rc = rename(from, to);
	if (rc == 0) {
		if (dst->now)
			dst->now->where[0] = '\0';
		dst->now = src->now;
		src->now = NULL;
		if (dst->now)
			snprintf(dst->now->where, sizeof dst->now->where, "%s", to);
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

static int pf_unlink(const char *path)
{
	pthread_mutex_lock(&lock);
	tick();
	struct entry *e = entry_for(path);
	int rc = unlink(path);
	if (rc == 0 && e->now) {
		e->now->where[0] = '\0';
		e->now = NULL;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

static const struct store_file_ops pf_ops = {
    .open = pf_open,
    .write = pf_write,
    .fsync = pf_fsync,
    .close = pf_close,
    .rename = pf_rename,
    .unlink = pf_unlink,
};

/* ---- Setting it up ---- */

static bool number_after(const char *word, const char *key, long *out)
{
	size_t n = strlen(key);
	if (strncmp(word, key, n) != 0)
		return false;
	char *end = NULL;
	errno = 0;
	long v = strtol(word + n, &end, 10);
	if (errno || !end || *end || v < 0)
		return false;
	*out = v;
	return true;
}

int crashvfs_install(const char *spec)
{
	char buf[256];
	if (snprintf(buf, sizeof buf, "%s", spec) >= (int)sizeof buf) {
		fprintf(stderr, "test-vfs: the setting is too long\n");
		return -1;
	}
	cfg.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
	char *save = NULL;
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		long v;
		if (strcmp(w, "crash") == 0)
			cfg.model = true;
		else if (strcmp(w, "ack-before-sync") == 0)
			cfg.ack_before_sync = true;
		else if (number_after(w, "seed=", &v))
			cfg.seed = (uint64_t)v;
		else if (number_after(w, "crash-after=", &v))
			cfg.crash_after = v;
		else if (number_after(w, "fail-at=", &v))
			cfg.fail_at = v;
		else if (strcmp(w, "fail=write") == 0)
			cfg.fail = FAIL_WRITE;
		else if (strcmp(w, "fail=sync") == 0)
			cfg.fail = FAIL_SYNC;
		else if (strcmp(w, "fail=read") == 0)
			cfg.fail = FAIL_READ;
		else if (strcmp(w, "fail-code=full") == 0)
			cfg.fail_full = true;
		else if (strcmp(w, "fail-code=ioerr") == 0)
			cfg.fail_full = false;
		else if (strcmp(w, "after-signal") == 0)
			cfg.after_signal = true;
		else {
			fprintf(stderr, "test-vfs: unknown setting '%s'\n", w);
			return -1;
		}
	}
	rng = cfg.seed * 2654435761u + 1;
	real_vfs = sqlite3_vfs_find(NULL);
	if (!real_vfs) {
		fprintf(stderr, "test-vfs: no default VFS\n");
		return -1;
	}
	cv_vfs.szOsFile = (int)sizeof(struct cv_file) + real_vfs->szOsFile;
	cv_vfs.mxPathname = real_vfs->mxPathname;
	if (sqlite3_vfs_register(&cv_vfs, 1) != SQLITE_OK) {
		fprintf(stderr, "test-vfs: cannot register the VFS\n");
		return -1;
	}
	store_files_use(&pf_ops);
	if (cfg.model || cfg.after_signal) {
		/* The signals are blocked here, before any thread starts, and taken by a
		 * thread of their own. */
		static sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigaddset(&set, SIGUSR2);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
		pthread_t t;
		if (pthread_create(&t, NULL, signal_waiter, &set) != 0) {
			fprintf(stderr, "test-vfs: no signal thread\n");
			return -1;
		}
		pthread_detach(t);
	}
	fprintf(stderr, "test-vfs: %s%s seed %llu\n",
		cfg.model ? "power-cut model" : "pass-through",
		cfg.ack_before_sync ? ", log sync answered before the disk" : "",
		(unsigned long long)cfg.seed);
	return 0;
}
