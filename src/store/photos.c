/* Photo consents, photo rows, and the content-addressed files of the photos. */
#include "store/photos.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db_internal.h"
#include "store/files.h"
#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

#define PCONSENT_COLS                                                                \
	"id, patient_id, scope, form_version, signed_name, signed_at, recorded_by, " \
	"withdrawn_at, withdrawn_by"
static const char *const sql_pconsent_insert =
    "INSERT INTO photo_consents (patient_id, scope, form_version, signed_name, signed_at, "
    "recorded_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char *const sql_pconsent_list =
    "SELECT " PCONSENT_COLS " FROM photo_consents WHERE patient_id = ?1 "
    "ORDER BY signed_at DESC, id DESC";
static const char *const sql_pconsent_get =
    "SELECT " PCONSENT_COLS " FROM photo_consents WHERE id = ?1";
static const char *const sql_pconsent_withdraw =
    "UPDATE photo_consents SET withdrawn_at = ?3, withdrawn_by = ?2 "
    "WHERE id = ?1 AND withdrawn_at IS NULL";
static const char *const sql_pconsent_in_force =
    "SELECT COUNT(*) FROM photo_consents WHERE patient_id = ?1 AND scope = ?2 "
    "AND withdrawn_at IS NULL";
static const char *const sql_appointment_of =
    "SELECT COUNT(*) FROM appointments WHERE id = ?1 AND patient_id = ?2";

#define PHOTO_COLS                                                                               \
	"p.id, p.patient_id, p.appointment_id, p.area, p.angle, p.phase, p.source_format, "      \
	"p.content_type, p.width, p.height, p.sha256, p.large_sha256, p.thumb_sha256, p.bytes, " \
	"p.uploaded_by, p.created_at, p.deleted_at, "                                            \
	"(SELECT COUNT(*) FROM photo_consents c WHERE c.patient_id = p.patient_id "              \
	"AND c.scope = 'photo_clinical' AND c.withdrawn_at IS NULL), "                           \
	"(SELECT COUNT(*) FROM photo_consents c WHERE c.patient_id = p.patient_id "              \
	"AND c.scope = 'photo_marketing' AND c.withdrawn_at IS NULL), "                          \
	"(SELECT COUNT(*) FROM session_records r WHERE r.appointment_id = p.appointment_id "     \
	"AND r.status = 'signed'), "                                                             \
	"(SELECT a.session_number FROM appointments a WHERE a.id = p.appointment_id) "
static const char *const sql_photo_insert =
    "INSERT INTO photos (patient_id, appointment_id, area, angle, phase, source_format, "
    "content_type, width, height, sha256, large_sha256, thumb_sha256, bytes, uploaded_by, "
    "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
static const char *const sql_photo_get = "SELECT " PHOTO_COLS "FROM photos p WHERE p.id = ?1";
static const char *const sql_photo_list =
    "SELECT " PHOTO_COLS "FROM photos p WHERE p.patient_id = ?1 AND p.deleted_at IS NULL "
    "AND (?2 = '' OR p.area = ?2) AND (?3 = '' OR p.angle = ?3) "
    "ORDER BY p.created_at, p.id LIMIT ?4";
static const char *const sql_photo_remove =
    "UPDATE photos SET deleted_at = ?3, deleted_by = ?2 WHERE id = ?1 AND deleted_at IS NULL";
static const char *const sql_photo_count = "SELECT COUNT(*) FROM photos";
static const char *const sql_photo_hashes =
    "SELECT sha256 FROM photos UNION SELECT large_sha256 FROM photos "
    "UNION SELECT thumb_sha256 FROM photos ORDER BY 1";

static void read_pconsent(struct dbst *st, void *p)
{
	struct photo_consent *c = p;
	c->id = db_col_int64(st, 0);
	c->patient_id = db_col_int64(st, 1);
	c->scope = db_col_text(st, 2);
	c->form_version = db_col_text(st, 3);
	c->signed_name = db_col_text(st, 4);
	c->signed_at = db_col_int64(st, 5);
	c->recorded_by = db_col_int64(st, 6);
	c->withdrawn_at = db_col_null(st, 7) ? 0 : db_col_int64(st, 7);
	c->withdrawn_by = db_col_null(st, 8) ? 0 : db_col_int64(st, 8);
}

static void free_pconsents(void *list, size_t n)
{
	photo_consents_free(list, n);
}

static void copy_hash(char out[65], const char *s)
{
	snprintf(out, 65, "%s", s ? s : "");
}

static void read_photo(struct dbst *st, void *out)
{
	struct photo *p = out;
	p->id = db_col_int64(st, 0);
	p->patient_id = db_col_int64(st, 1);
	p->appointment_id = db_col_null(st, 2) ? 0 : db_col_int64(st, 2);
	p->area = db_col_text(st, 3);
	p->angle = db_col_text(st, 4);
	p->phase = db_col_text(st, 5);
	p->source_format = db_col_text(st, 6);
	p->content_type = db_col_text(st, 7);
	p->width = db_col_int64(st, 8);
	p->height = db_col_int64(st, 9);
	copy_hash(p->sha256, db_col_cstr(st, 10));
	copy_hash(p->large_sha256, db_col_cstr(st, 11));
	copy_hash(p->thumb_sha256, db_col_cstr(st, 12));
	p->bytes = db_col_int64(st, 13);
	p->uploaded_by = db_col_int64(st, 14);
	p->created_at = db_col_int64(st, 15);
	p->deleted_at = db_col_null(st, 16) ? 0 : db_col_int64(st, 16);
	p->consent_withdrawn = db_col_int64(st, 17) == 0;
	p->marketing = db_col_int64(st, 18) > 0;
	p->session_signed = db_col_int64(st, 19) > 0;
	p->session_number = db_col_null(st, 20) ? 0 : db_col_int64(st, 20);
}

static void free_photos(void *list, size_t n)
{
	photos_free(list, n);
}

int store_photo_consent_insert(struct db *db, struct photo_consent *c)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt(db, &sql_pconsent_insert);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 1, c->patient_id);
	db_bind_text(st, 2, c->scope);
	db_bind_text(st, 3, c->form_version);
	db_bind_text(st, 4, c->signed_name);
	db_bind_int(st, 5, c->signed_at);
	db_bind_int(st, 6, c->recorded_by);
	return db_insert(db, st, &c->id);
}

int store_photo_consent_list(struct db *db, int64_t patient_id, struct photo_consent **out,
			     size_t *n)
{
	return db_collect(db, db_stmt_id(db, &sql_pconsent_list, patient_id), sizeof **out,
			  read_pconsent, free_pconsents, (void **)out, n);
}

int store_photo_consent_get(struct db *db, int64_t id, struct photo_consent *out)
{
	memset(out, 0, sizeof *out);
	return db_get_one(db, db_stmt_id(db, &sql_pconsent_get, id), read_pconsent, out);
}

int store_photo_consent_withdraw(struct db *db, int64_t id, int64_t by, int64_t at)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_id(db, &sql_pconsent_withdraw, id);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 2, by);
	db_bind_int(st, 3, at);
	int err = db_exec_stmt(db, st);
	if (!err && db_changes(db) == 0)
		err = -ERR_NOT_FOUND;
	return err;
}

int store_photo_consent_in_force(struct db *db, int64_t patient_id, const char *scope, bool *out)
{
	struct dbst *st = db_stmt_id(db, &sql_pconsent_in_force, patient_id);
	if (!st)
		return db_stmt_err(db);
	db_bind_text(st, 2, scope);
	int64_t n = 0;
	int err = db_query_int(db, st, &n);
	*out = !err && n > 0;
	return err;
}

int store_photo_appointment_of(struct db *db, int64_t appointment_id, int64_t patient_id, bool *out)
{
	struct dbst *st = db_stmt_id(db, &sql_appointment_of, appointment_id);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 2, patient_id);
	int64_t n = 0;
	int err = db_query_int(db, st, &n);
	*out = !err && n > 0;
	return err;
}

int store_photo_insert(struct db *db, struct photo *p)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt(db, &sql_photo_insert);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 1, p->patient_id);
	if (p->appointment_id)
		db_bind_int(st, 2, p->appointment_id);
	else
		db_bind_null(st, 2);
	db_bind_text(st, 3, p->area);
	db_bind_text(st, 4, p->angle);
	db_bind_text(st, 5, p->phase);
	db_bind_text(st, 6, p->source_format);
	db_bind_text(st, 7, p->content_type);
	db_bind_int(st, 8, p->width);
	db_bind_int(st, 9, p->height);
	db_bind_text(st, 10, p->sha256);
	db_bind_text(st, 11, p->large_sha256);
	db_bind_text(st, 12, p->thumb_sha256);
	db_bind_int(st, 13, p->bytes);
	db_bind_int(st, 14, p->uploaded_by);
	db_bind_int(st, 15, p->created_at);
	return db_insert(db, st, &p->id);
}

int store_photo_get(struct db *db, int64_t id, struct photo *out)
{
	memset(out, 0, sizeof *out);
	return db_get_one(db, db_stmt_id(db, &sql_photo_get, id), read_photo, out);
}

int store_photo_list(struct db *db, int64_t patient_id, const char *area, const char *angle,
		     int64_t limit, struct photo **out, size_t *n)
{
	struct dbst *st = db_stmt_id(db, &sql_photo_list, patient_id);
	if (st) {
		db_bind_text(st, 2, area ? area : "");
		db_bind_text(st, 3, angle ? angle : "");
		db_bind_int(st, 4, limit);
	}
	return db_collect(db, st, sizeof **out, read_photo, free_photos, (void **)out, n);
}

int store_photo_remove(struct db *db, int64_t id, int64_t by, int64_t at)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_id(db, &sql_photo_remove, id);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 2, by);
	db_bind_int(st, 3, at);
	int err = db_exec_stmt(db, st);
	if (!err && db_changes(db) == 0)
		err = -ERR_NOT_FOUND;
	return err;
}

int store_photo_count(struct db *db, int64_t *n)
{
	*n = 0;
	struct dbst *st = db_stmt(db, &sql_photo_count);
	if (!st)
		return db_stmt_err(db);
	return db_query_int(db, st, n);
}

int store_photo_hashes(struct db *db, char ***out, size_t *n)
{
	return db_collect(db, db_stmt(db, &sql_photo_hashes), sizeof **out, db_read_text,
			  db_free_texts, (void **)out, n);
}

/* ---- The files. */

static char photo_dir[PATH_MAX];
static bool photo_dir_set;

void store_photo_dir_use(const char *dir, const char *db_target)
{
	photo_dir_set = false;
	int n = -1;
	if (dir && *dir)
		n = snprintf(photo_dir, sizeof photo_dir, "%s", dir);
	else if (db_target && !db_is_remote(db_target))
		n = snprintf(photo_dir, sizeof photo_dir, "%s.photos", db_target);
	photo_dir_set = n > 0 && (size_t)n < sizeof photo_dir;
}

const char *store_photo_dir(void)
{
	return photo_dir_set ? photo_dir : NULL;
}

static bool hash_ok(const char *hash)
{
	if (!hash || strlen(hash) != 64)
		return false;
	for (const char *p = hash; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

bool store_photo_path(const char *dir, const char *hash, char *out, size_t n)
{
	if (!dir || !hash_ok(hash))
		return false;
	int w = snprintf(out, n, "%s/%.2s/%s", dir, hash, hash);
	return w > 0 && (size_t)w < n;
}

void store_photo_hash(const void *data, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(out, 65, h, sizeof h);
}

/* Makes dir if it is not there, and fsyncs its parent when it made it. */
static int ensure_dir(const char *dir)
{
	if (mkdir(dir, 0700) == 0)
		return store_file_sync_dir(dir);
	return errno == EEXIST ? 0 : -1;
}

int store_photo_file_put(const char *dir, const char *hash, const void *data, size_t len)
{
	char path[PATH_MAX], sub[PATH_MAX];
	struct stat st;
	if (!store_photo_path(dir, hash, path, sizeof path)) {
		log_error("photos: no folder for photo files");
		return -ERR_STORAGE_UNAVAILABLE;
	}
	/* The same content is there: its name is its hash. Touched, so that `photos gc`
	 * sees it as new and leaves it to the row about to name it. */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len &&
	    utimensat(AT_FDCWD, path, NULL, 0) == 0)
		return 0;
	int w = snprintf(sub, sizeof sub, "%s/%.2s", dir, hash);
	if (w <= 0 || (size_t)w >= sizeof sub || ensure_dir(dir) != 0 || ensure_dir(sub) != 0 ||
	    store_file_replace(path, data, len) != 0) {
		log_error("photos: cannot write a photo file: %s", strerror(errno));
		return -ERR_STORAGE_UNAVAILABLE;
	}
	return 0;
}

int store_photo_file_get(const char *dir, const char *hash, unsigned char **data, size_t *len)
{
	char path[PATH_MAX];
	*data = NULL;
	*len = 0;
	if (!store_photo_path(dir, hash, path, sizeof path))
		return -ERR_NOT_FOUND;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ERR_NOT_FOUND : -ERR_STORAGE_UNAVAILABLE;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > 512 * 1024 * 1024) {
		close(fd);
		return -ERR_STORAGE_UNAVAILABLE;
	}
	size_t size = (size_t)st.st_size, got = 0;
	unsigned char *b = xmalloc(size ? size : 1);
	while (got < size) {
		ssize_t r = read(fd, b + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (got != size) {
		free(b);
		return -ERR_STORAGE_UNAVAILABLE;
	}
	*data = b;
	*len = size;
	return 0;
}

int store_photo_file_check(const char *dir, const char *hash)
{
	unsigned char *data;
	size_t len;
	int err = store_photo_file_get(dir, hash, &data, &len);
	if (err)
		return err == -ERR_NOT_FOUND ? err : -ERR_NOT_FOUND;
	char got[65];
	store_photo_hash(data, len, got);
	free(data);
	return strcmp(got, hash) == 0 ? 0 : -ERR_CONFLICT;
}

int store_photo_copy_files(struct db *db, const char *from, const char *to, FILE *report,
			   size_t *copied)
{
	char **hashes = NULL;
	size_t n = 0;
	*copied = 0;
	int err = store_photo_hashes(db, &hashes, &n);
	for (size_t i = 0; !err && i < n; i++) {
		unsigned char *data;
		size_t len;
		char got[65];
		err = store_photo_file_get(from, hashes[i], &data, &len);
		if (err == -ERR_NOT_FOUND) {
			fprintf(report, "photo file missing: %s\n", hashes[i]);
			break;
		}
		if (err)
			break;
		store_photo_hash(data, len, got);
		if (strcmp(got, hashes[i]) != 0) {
			fprintf(report, "photo file altered: %s\n", hashes[i]);
			free(data);
			err = -ERR_CONFLICT;
			break;
		}
		err = store_photo_file_put(to, hashes[i], data, len);
		free(data);
		if (!err && (err = store_photo_file_check(to, hashes[i])) != 0)
			fprintf(report, "the copy of photo file %s does not match\n", hashes[i]);
		if (!err)
			(*copied)++;
	}
	if (hashes)
		db_free_texts(hashes, n);
	return err;
}

int store_photo_verify_files(struct db *db, const char *dir, FILE *report, size_t *bad,
			     size_t *checked)
{
	char **hashes = NULL;
	size_t n = 0;
	*bad = *checked = 0;
	int err = store_photo_hashes(db, &hashes, &n);
	for (size_t i = 0; !err && i < n; i++) {
		int e = store_photo_file_check(dir, hashes[i]);
		(*checked)++;
		if (e == -ERR_NOT_FOUND)
			fprintf(report, "photo file missing: %s\n", hashes[i]);
		else if (e == -ERR_CONFLICT)
			fprintf(report, "photo file altered: %s\n", hashes[i]);
		if (e)
			(*bad)++;
	}
	if (hashes)
		db_free_texts(hashes, n);
	return err;
}

static int cmp_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool two_hex(const char *name)
{
	return strlen(name) == 2 && strspn(name, "0123456789abcdef") == 2;
}

/* The orphans of one two-letter folder; as store_photo_orphans. */
static int orphans_in(const char *sub, char **hashes, size_t n, bool remove, int64_t min_age,
		      FILE *report, size_t *orphans, size_t *removed, size_t *kept)
{
	DIR *d = opendir(sub);
	if (!d)
		return errno == ENOENT ? 0 : -ERR_STORAGE_UNAVAILABLE;
	int64_t now = (int64_t)time(NULL);
	bool changed = false;
	int err = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		const char *name = e->d_name;
		struct stat st;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (n && bsearch(&name, hashes, n, sizeof *hashes, cmp_text))
			continue;
		(*orphans)++;
		if (!remove) {
			fprintf(report, "photo file orphaned: %s\n", name);
		} else if (now - (int64_t)st.st_mtime < min_age) {
			(*kept)++;
		} else if (unlinkat(dirfd(d), name, 0) == 0) {
			fprintf(report, "photo file removed: %s\n", name);
			(*removed)++;
			changed = true;
		} else {
			log_error("photos: cannot remove an orphaned file: %s", strerror(errno));
			err = -ERR_STORAGE_UNAVAILABLE;
		}
	}
	if (changed && fsync(dirfd(d)) != 0)
		err = -ERR_STORAGE_UNAVAILABLE;
	closedir(d);
	return err;
}

int store_photo_orphans(struct db *db, const char *dir, bool remove, int64_t min_age, FILE *report,
			size_t *orphans, size_t *removed, size_t *kept)
{
	char **hashes = NULL;
	size_t n = 0;
	*orphans = *removed = *kept = 0;
	int err = store_photo_hashes(db, &hashes, &n);
	if (err)
		return err;
	if (n)
		qsort(hashes, n, sizeof *hashes, cmp_text);
	DIR *d = opendir(dir);
	if (!d) {
		if (hashes)
			db_free_texts(hashes, n);
		return errno == ENOENT ? 0 : -ERR_STORAGE_UNAVAILABLE;
	}
	struct dirent *e;
	while (!err && (e = readdir(d)) != NULL) {
		char sub[PATH_MAX];
		int w = snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
		if (!two_hex(e->d_name) || w <= 0 || (size_t)w >= sizeof sub)
			continue;
		err = orphans_in(sub, hashes, n, remove, min_age, report, orphans, removed, kept);
	}
	closedir(d);
	if (hashes)
		db_free_texts(hashes, n);
	return err;
}
