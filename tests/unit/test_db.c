/* Unit tests for store/: opening and migrating the database, transactions, backup and
 * integrity checks, users and sessions, patients and their search. They run on SQLite, and
 * on PostgreSQL when COLLAGENDA_TEST_PG is set (unit_db.h); the tests of SQLite itself (its
 * file, backup, the WAL and group commit) skip there. */
#include "unit_db.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain/text.h"
#include "store/audit.h"
#include "store/db.h"
#include "store/db_internal.h"
#include "store/patients.h"
#include "store/schedule.h"
#include "store/users.h"
#include "util/err.h"
#include "util/log.h"

extern const char collagenda_schema_sql[];

struct fixture {
	char dir[64];
	char path[256];
	struct db *db;
};

static int setup_db(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	scratch_make(f->dir);
	unit_db_target(f->dir, f->path);
	assert_int_equal(db_open(f->path, &f->db), 0);
	*state = f;
	return 0;
}

static int teardown_db(void **state)
{
	struct fixture *f = *state;
	db_close(f->db);
	scratch_remove(f->dir);
	free(f);
	return 0;
}

/* Inserts a patient (archived on request) and returns its id; in a write transaction of its
 * own unless one is open. */
static int64_t add_patient(struct db *db, const char *first, const char *last, const char *dob,
			   const char *phone, bool archived)
{
	struct patient p;
	memset(&p, 0, sizeof p);
	p.first_name = strdup(first);
	p.last_name = strdup(last);
	snprintf(p.date_of_birth, sizeof p.date_of_birth, "%s", dob);
	p.phone = phone ? strdup(phone) : NULL;
	p.created_at = 1768210200;
	bool own = !db_in_write(db); /* else the caller's transaction takes it */
	if (own)
		assert_int_equal(db_begin_write(db), 0);
	assert_int_equal(store_patient_insert(db, &p), 0);
	assert_true(p.id > 0);
	if (archived) {
		p.archived = true;
		p.updated_at = 1768210300;
		assert_int_equal(store_patient_update(db, &p), 0);
	}
	if (own)
		assert_int_equal(db_commit(db), 0);
	int64_t id = p.id;
	patient_cleanup(&p);
	return id;
}

static int64_t count_patients(struct db *db)
{
	return unit_int(db, "SELECT count(*) FROM patients");
}

static void fresh_file(void **state)
{
	/* SQLite's own file: its pragmas, its schema table. */
	if (unit_pg())
		skip();
	struct fixture *f = *state;
	int v = -1;
	assert_true(db_schema_version() >= 1);
	assert_int_equal(db_file_version(f->db, &v), 0);
	assert_int_equal(v, db_schema_version());

	char mode[16];
	unit_text(f->db, "PRAGMA journal_mode", mode, sizeof mode);
	assert_string_equal(mode, "wal");
	assert_int_equal(unit_int(f->db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(unit_int(f->db, "PRAGMA synchronous"), 2); /* FULL */
	assert_true(unit_int(f->db, "PRAGMA busy_timeout") > 0);
	static const char *const tables[] = {"users", "auth_sessions", "login_failures",
					     "rooms", "patients",      "audit"};
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		char sql[128];
		snprintf(sql, sizeof sql,
			 "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '%s'",
			 tables[i]);
		assert_int_equal(unit_int(f->db, sql), 1);
	}
	assert_int_equal(count_patients(f->db), 0);
	assert_int_equal(db_integrity_check(f->db), 0);
}

/* Opening an up-to-date file again changes nothing and keeps the data. */
static void reopen_idempotent(void **state)
{
	/* The SQLite file opened again, by its schema table. */
	if (unit_pg())
		skip();
	struct fixture *f = *state;
	int64_t id = add_patient(f->db, "Anna", "Müller", "1980-04-02", NULL, false);
	int64_t objects = unit_int(f->db, "SELECT count(*) FROM sqlite_schema");
	db_close(f->db);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(db_open(f->path, &f->db), 0);
		int v = -1;
		assert_int_equal(db_file_version(f->db, &v), 0);
		assert_int_equal(v, db_schema_version());
		assert_int_equal(unit_int(f->db, "SELECT count(*) FROM sqlite_schema"), objects);
		assert_int_equal(count_patients(f->db), 1);
		struct patient p;
		assert_int_equal(store_patient_get(f->db, id, &p), 0);
		assert_string_equal(p.last_name, "Müller");
		patient_cleanup(&p);
		db_close(f->db);
	}
	/* A second connection to an open file works too. */
	struct db *other;
	assert_int_equal(db_open(f->path, &f->db), 0);
	assert_int_equal(db_open(f->path, &other), 0);
	assert_int_equal(count_patients(other), 1);
	db_close(other);
}

static void open_failures(void **state)
{
	/* Paths that are no SQLite database. */
	if (unit_pg())
		skip();
	struct fixture *f = *state;
	struct db *db = NULL;
	char path[256];

	/* A directory that does not exist. */
	scratch_path(f->dir, "missing/clinic.db", path);
	assert_true(db_open(path, &db) < 0);
	assert_null(db);

	/* A file that is not a database. */
	scratch_path(f->dir, "notes.txt", path);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	for (int i = 0; i < 200; i++)
		fputs("this is not an SQLite database, just some text\n", fp);
	fclose(fp);
	assert_true(db_open(path, &db) < 0);
	assert_null(db);

	/* A database from a newer program: refused, not downgraded. */
	scratch_path(f->dir, "newer.db", path);
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", db_schema_version() + 1);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(db_open(path, &db), -ERR_INTERNAL);
	assert_null(db);
}

static void transactions(void **state)
{
	struct fixture *f = *state;
	/* A rolled-back write leaves nothing, and releases the writer lock. */
	assert_int_equal(db_begin_write(f->db), 0);
	add_patient(f->db, "Anna", "Müller", "1980-04-02", "+49 30 1234567", false);
	add_patient(f->db, "Max", "Mustermann", "1975-01-01", NULL, false);
	assert_int_equal(count_patients(f->db), 2);
	db_rollback(f->db);
	assert_int_equal(count_patients(f->db), 0);
	/* The table itself stays. */
	assert_int_equal(unit_int(f->db, unit_pg() ? "SELECT count(*) FROM pg_tables WHERE "
						     "tablename = 'patients'"
						   : "SELECT count(*) FROM sqlite_schema WHERE "
						     "name = 'patients'"),
			 1);

	assert_int_equal(db_begin_write(f->db), 0);
	add_patient(f->db, "Anna", "Müller", "1980-04-02", NULL, false);
	assert_int_equal(db_commit(f->db), 0);
	assert_int_equal(count_patients(f->db), 1);

	/* A read transaction sees the committed row; rollback of a read is harmless. */
	assert_int_equal(db_begin_read(f->db), 0);
	assert_int_equal(count_patients(f->db), 1);
	assert_int_equal(db_commit(f->db), 0);
	db_rollback(f->db); /* nothing open: no effect */
	assert_int_equal(db_begin_write(f->db), 0);
	db_rollback(f->db);
	assert_int_equal(count_patients(f->db), 1);
	if (!unit_pg()) /* SQLite's PRAGMA integrity_check */
		assert_int_equal(db_integrity_check(f->db), 0);
}

static void backup(void **state)
{
	/* SQLite's online backup into a file. */
	if (unit_pg())
		skip();
	struct fixture *f = *state;
	add_patient(f->db, "Anna", "Müller", "1980-04-02", "+49 30 1234567", false);
	add_patient(f->db, "Ирина", "Иванова", "1990-12-12", NULL, false);
	add_patient(f->db, "Zoë", "Old", "1950-01-01", NULL, true);

	char dest[256];
	scratch_path(f->dir, "backup.db", dest);
	assert_int_equal(db_backup(f->db, dest), 0);

	/* Data written after the backup is not in it. */
	add_patient(f->db, "Late", "Comer", "2000-01-01", NULL, false);

	struct db *copy;
	assert_int_equal(db_open(dest, &copy), 0);
	int v = -1;
	assert_int_equal(db_file_version(copy, &v), 0);
	assert_int_equal(v, db_schema_version());
	assert_int_equal(db_integrity_check(copy), 0);

	struct patient_query q = {.kind = PQ_ALL, .include_archived = true, .limit = 100};
	struct patient *a, *b;
	size_t na, nb;
	int64_t ta, tb;
	assert_int_equal(store_patient_search(copy, &q, &b, &nb, &tb), 0);
	assert_int_equal(nb, 3);
	assert_int_equal(tb, 3);
	assert_int_equal(store_patient_search(f->db, &q, &a, &na, &ta), 0);
	assert_int_equal(na, 4);
	size_t matched = 0;
	for (size_t i = 0; i < nb; i++) {
		for (size_t k = 0; k < na; k++) {
			if (a[k].id != b[i].id)
				continue;
			assert_string_equal(a[k].mrn, b[i].mrn);
			assert_string_equal(a[k].first_name, b[i].first_name);
			assert_string_equal(a[k].last_name, b[i].last_name);
			assert_string_equal(a[k].date_of_birth, b[i].date_of_birth);
			assert_int_equal(a[k].archived, b[i].archived);
			if (a[k].phone || b[i].phone)
				assert_string_equal(a[k].phone, b[i].phone);
			matched++;
		}
	}
	assert_int_equal(matched, 3);
	patients_free(a, na);
	patients_free(b, nb);
	db_close(copy);

	/* A destination that cannot be written is an error, not a crash. */
	scratch_path(f->dir, "missing/backup.db", dest);
	assert_true(db_backup(f->db, dest) < 0);
}

static int64_t add_user(struct db *db, const char *name, int role, const char *hash, int *err)
{
	struct user u = {0};
	u.username = (char *)name;
	u.display_name = (char *)"Display Name";
	u.role = role;
	u.active = true;
	u.created_at = 1768210200;
	int64_t id = 0;
	assert_int_equal(db_begin_write(db), 0);
	*err = store_user_insert(db, &u, hash, &id);
	if (*err)
		db_rollback(db);
	else
		assert_int_equal(db_commit(db), 0);
	return id;
}

static void users(void **state)
{
	struct fixture *f = *state;
	int err;
	int64_t n = -1;
	assert_int_equal(store_user_count(f->db, &n), 0);
	assert_int_equal(n, 0);

	int64_t admin = add_user(f->db, "admin", ROLE_ADMIN, "hash-admin", &err);
	assert_int_equal(err, 0);
	int64_t reyes = add_user(f->db, "dr.reyes", ROLE_PRACTITIONER, "hash-reyes", &err);
	assert_int_equal(err, 0);
	assert_true(admin > 0 && reyes > admin);
	add_user(f->db, "admin", ROLE_FRONT_DESK, "other", &err);
	assert_int_equal(err, -ERR_DUPLICATE);
	assert_int_equal(store_user_count(f->db, &n), 0);
	assert_int_equal(n, 2);

	struct user u;
	assert_int_equal(store_user_get(f->db, reyes, &u), 0);
	assert_int_equal(u.id, reyes);
	assert_string_equal(u.username, "dr.reyes");
	assert_string_equal(u.display_name, "Display Name");
	assert_int_equal(u.role, ROLE_PRACTITIONER);
	assert_true(u.active);
	assert_int_equal(u.created_at, 1768210200);
	user_cleanup(&u);
	assert_int_equal(store_user_get(f->db, 999, &u), -ERR_NOT_FOUND);

	char *hash = NULL;
	assert_int_equal(store_user_by_name(f->db, "admin", &u, &hash), 0);
	assert_int_equal(u.id, admin);
	assert_int_equal(u.role, ROLE_ADMIN);
	assert_string_equal(hash, "hash-admin");
	free(hash);
	user_cleanup(&u);
	hash = NULL;
	assert_int_equal(store_user_by_name(f->db, "nobody", &u, &hash), -ERR_NOT_FOUND);
	assert_int_equal(store_user_by_name(f->db, "ADMIN", &u, &hash), -ERR_NOT_FOUND);
	assert_null(hash);

	/* Update, password change, list, admin count. */
	assert_int_equal(store_user_get(f->db, reyes, &u), 0);
	free(u.display_name);
	u.display_name = strdup("Dr Reyes");
	u.role = ROLE_ADMIN;
	assert_int_equal(db_begin_write(f->db), 0);
	assert_int_equal(store_user_update(f->db, &u), 0);
	user_cleanup(&u);
	assert_int_equal(store_user_set_password(f->db, reyes, "hash-new"), 0);
	assert_int_equal(db_commit(f->db), 0);
	assert_int_equal(store_user_by_name(f->db, "dr.reyes", &u, &hash), 0);
	assert_string_equal(u.display_name, "Dr Reyes");
	assert_int_equal(u.role, ROLE_ADMIN);
	assert_string_equal(hash, "hash-new");
	free(hash);
	assert_int_equal(store_user_count_admins(f->db, admin, &n), 0);
	assert_int_equal(n, 1);
	u.active = false;
	assert_int_equal(db_begin_write(f->db), 0);
	assert_int_equal(store_user_update(f->db, &u), 0);
	assert_int_equal(db_commit(f->db), 0);
	user_cleanup(&u);
	assert_int_equal(store_user_count_admins(f->db, admin, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_user_count_admins(f->db, 0, &n), 0);
	assert_int_equal(n, 1);

	struct user *list;
	size_t len;
	assert_int_equal(store_user_list(f->db, &list, &len), 0);
	assert_int_equal(len, 2);
	assert_int_equal(list[0].id, admin);
	assert_int_equal(list[1].id, reyes);
	assert_false(list[1].active);
	users_free(list, len);
}

static void sessions(void **state)
{
	struct fixture *f = *state;
	int err;
	int64_t anna = add_user(f->db, "anna", ROLE_FRONT_DESK, "h", &err);
	assert_int_equal(err, 0);
	int64_t ben = add_user(f->db, "ben", ROLE_PRACTITIONER, "h", &err);
	assert_int_equal(err, 0);

	uint8_t h1[32], h2[32], h3[32], h4[32];
	memset(h1, 1, sizeof h1);
	memset(h2, 2, sizeof h2);
	memset(h3, 3, sizeof h3);
	memset(h4, 4, sizeof h4);
	assert_int_equal(db_begin_write(f->db), 0);
	assert_int_equal(store_session_insert(f->db, h1, anna, "csrf-one", 1000, 5000), 0);
	assert_int_equal(store_session_insert(f->db, h2, anna, "csrf-two", 1000, 1500), 0);
	assert_int_equal(store_session_insert(f->db, h3, ben, "csrf-three", 1000, 5000), 0);
	assert_int_equal(db_commit(f->db), 0);
	/* A failed statement ends a PostgreSQL transaction: each refused insert has its own. */
	assert_int_equal(db_begin_write(f->db), 0);
	assert_int_equal(store_session_insert(f->db, h1, ben, "again", 1000, 5000), -ERR_DUPLICATE);
	db_rollback(f->db);
	/* A session must belong to a user. */
	assert_int_equal(db_begin_write(f->db), 0);
	assert_true(store_session_insert(f->db, h4, 999, "x", 1000, 5000) < 0);
	db_rollback(f->db);
	assert_int_equal(db_begin_write(f->db), 0);

	struct auth_session s;
	assert_int_equal(store_session_get(f->db, h1, &s), 0);
	assert_int_equal(s.user.id, anna);
	assert_string_equal(s.user.username, "anna");
	assert_int_equal(s.user.role, ROLE_FRONT_DESK);
	assert_string_equal(s.csrf, "csrf-one");
	assert_int_equal(s.created_at, 1000);
	assert_int_equal(s.last_seen, 1000);
	assert_int_equal(s.expires_at, 5000);
	user_cleanup(&s.user);
	assert_int_equal(store_session_get(f->db, h4, &s), -ERR_NOT_FOUND);

	assert_int_equal(store_session_touch(f->db, h1, 1200), 0);
	assert_int_equal(store_session_get(f->db, h1, &s), 0);
	assert_int_equal(s.last_seen, 1200);
	assert_int_equal(s.created_at, 1000);
	user_cleanup(&s.user);

	/* Purging drops only the expired ones. */
	assert_int_equal(store_session_purge(f->db, 2000), 0);
	assert_int_equal(store_session_get(f->db, h2, &s), -ERR_NOT_FOUND);
	assert_int_equal(store_session_get(f->db, h1, &s), 0);
	user_cleanup(&s.user);

	/* A deactivated user's sessions no longer count. */
	struct user u;
	assert_int_equal(store_user_get(f->db, ben, &u), 0);
	u.active = false;
	assert_int_equal(store_user_update(f->db, &u), 0);
	assert_int_equal(store_session_get(f->db, h3, &s), -ERR_NOT_FOUND);
	u.active = true;
	assert_int_equal(store_user_update(f->db, &u), 0);
	user_cleanup(&u);
	assert_int_equal(store_session_get(f->db, h3, &s), 0);
	user_cleanup(&s.user);

	assert_int_equal(store_session_delete_user(f->db, ben), 0);
	assert_int_equal(store_session_get(f->db, h3, &s), -ERR_NOT_FOUND);
	assert_int_equal(store_session_delete(f->db, h1), 0);
	assert_int_equal(store_session_get(f->db, h1, &s), -ERR_NOT_FOUND);
	assert_int_equal(db_commit(f->db), 0);
	assert_int_equal(unit_int(f->db, "SELECT count(*) FROM auth_sessions"), 0);
}

static void login_failures(void **state)
{
	struct fixture *f = *state;
	/* clang-format off */
	static const struct {
		const char *user, *remote;
		int64_t at;
	} fails[] = {
		{"anna", "192.0.2.1", 100}, {"anna", "192.0.2.1", 200}, {"anna", "192.0.2.9", 300},
		{"bob", "192.0.2.1", 250},  {"bob", "192.0.2.1", 260},
	};
	/* clang-format on */
	assert_int_equal(db_begin_write(f->db), 0);
	for (size_t i = 0; i < sizeof fails / sizeof fails[0]; i++)
		assert_int_equal(
		    store_login_failure_add(f->db, fails[i].user, fails[i].remote, fails[i].at), 0);
	assert_int_equal(db_commit(f->db), 0);
	/* clang-format off */
	static const struct {
		const char *user, *remote;
		int64_t since, by_user, by_remote;
	} rows[] = {
		{"anna", "192.0.2.1", 0, 3, 4},
		{"anna", "192.0.2.1", 150, 2, 3},
		{"anna", "192.0.2.1", 300, 1, 0},
		{"bob", "192.0.2.9", 0, 2, 1},
		{"carol", "198.51.100.1", 0, 0, 0},
		{"ANNA", "192.0.2.1", 0, 0, 4},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int64_t bu = -1, br = -1;
		int rc = store_login_failures(f->db, rows[i].user, rows[i].remote, rows[i].since,
					      &bu, &br);
		row_check(&bad, rc == 0 && bu == rows[i].by_user && br == rows[i].by_remote,
			  "row %zu: rc %d, %lld by user, %lld by address", i, rc, (long long)bu,
			  (long long)br);
	}
	assert_int_equal(bad, 0);

	/* A good login (or an unlock) stops counting that user's failures against the
	 * username; the address keeps counting every one of them. */
	int64_t bu, br, br_before;
	assert_int_equal(store_login_failures(f->db, "anna", "192.0.2.1", 0, &bu, &br_before), 0);
	assert_true(bu > 0);
	assert_int_equal(db_begin_write(f->db), 0);
	assert_int_equal(store_login_failures_clear(f->db, "anna"), 0);
	assert_int_equal(db_commit(f->db), 0);
	assert_int_equal(store_login_failures(f->db, "anna", "192.0.2.1", 0, &bu, &br), 0);
	assert_int_equal(bu, 0);
	assert_int_equal(br, br_before);
}

/* The search fixture: folded keys, several scripts, one archived patient. */
static void add_search_patients(struct db *db, int64_t ids[10])
{
	ids[0] = add_patient(db, "Anna", "Müller", "1980-04-02", "+49 30 1234567", false);
	ids[1] = add_patient(db, "Max", "Mustermann", "1975-01-01", "030 7654321", false);
	ids[2] = add_patient(db, "Ирина", "Иванова", "1990-12-12", "+7 495 111-22-33", false);
	ids[3] = add_patient(db, "Anna", "Smith", "1980-04-02", "555-123-4567", false);
	ids[4] = add_patient(db, "Zoë", "Müller-Lüdenscheidt", "2001-06-30", NULL, true);
	ids[5] = add_patient(db, "Élodie", "Dupont", "1988-08-08", NULL, false);
	ids[6] = add_patient(db, "Annabel", "Lee", "1999-09-09", "+1 (555) 000-4567", false);
	ids[7] = add_patient(db, "Mary Ann", "Jones", "1970-07-07", NULL, false);
	ids[8] = add_patient(db, "Pieter", "van der Berg", "1965-05-05", NULL, false);
	ids[9] = 0;
}

static void patient_round_trip(void **state)
{
	struct fixture *f = *state;
	struct patient p;
	memset(&p, 0, sizeof p);
	p.first_name = strdup("Anna");
	p.last_name = strdup("Müller");
	snprintf(p.date_of_birth, sizeof p.date_of_birth, "1980-04-02");
	p.phone = strdup("+49 30 1234567");
	p.email = strdup("anna@example.org");
	p.fitzpatrick = 3;
	p.notes = strdup("prefers mornings");
	p.created_at = 1768210200;
	assert_int_equal(db_begin_write(f->db), 0);
	assert_int_equal(store_patient_insert(f->db, &p), 0);
	assert_int_equal(db_commit(f->db), 0);
	char want[24];
	text_mrn(p.id, want, sizeof want);
	assert_string_equal(p.mrn, want);

	struct patient g;
	assert_int_equal(store_patient_get(f->db, p.id, &g), 0);
	assert_string_equal(g.mrn, want);
	assert_string_equal(g.first_name, "Anna");
	assert_string_equal(g.last_name, "Müller");
	assert_string_equal(g.date_of_birth, "1980-04-02");
	assert_string_equal(g.phone, "+49 30 1234567");
	assert_string_equal(g.email, "anna@example.org");
	assert_int_equal(g.fitzpatrick, 3);
	assert_string_equal(g.notes, "prefers mornings");
	assert_false(g.archived);
	assert_int_equal(g.created_at, 1768210200);
	assert_int_equal(g.updated_at, 1768210200);

	/* Clearing optional fields stores NULL / 0, and the keys follow the names. */
	free(g.phone);
	g.phone = NULL;
	free(g.email);
	g.email = NULL;
	g.fitzpatrick = 0;
	free(g.last_name);
	g.last_name = strdup("Schmidt");
	g.updated_at = 1768210900;
	assert_int_equal(db_begin_write(f->db), 0);
	assert_int_equal(store_patient_update(f->db, &g), 0);
	assert_int_equal(db_commit(f->db), 0);
	patient_cleanup(&g);
	assert_int_equal(store_patient_get(f->db, p.id, &g), 0);
	assert_null(g.phone);
	assert_null(g.email);
	assert_int_equal(g.fitzpatrick, 0);
	assert_string_equal(g.last_name, "Schmidt");
	assert_int_equal(g.updated_at, 1768210900);
	patient_cleanup(&g);
	assert_int_equal(unit_int(f->db, "SELECT count(*) FROM patients WHERE last_key = 'schmidt' "
					 "AND phone_key IS NULL"),
			 1);
	assert_int_equal(store_patient_get(f->db, p.id + 1, &g), -ERR_NOT_FOUND);

	/* Patients are archived, never deleted. */
	unit_refused(f->db, "DELETE FROM patients");
	assert_int_equal(count_patients(f->db), 1);
	patient_cleanup(&p);
}

static void find_same(void **state)
{
	struct fixture *f = *state;
	int64_t ids[10];
	add_search_patients(f->db, ids);
	/* clang-format off */
	static const struct {
		const char *first, *last, *dob, *phone;
		int want[3]; /* indexes into ids, -1-terminated */
	} rows[] = {
		{"Anna", "Müller", "1980-04-02", NULL, {0, -1}},
		{"ANNA", "MÜLLER", "1980-04-02", NULL, {0, -1}},
		{" anna ", "müller", "1980-04-02", NULL, {0, -1}},
		{"Anna", "Muller", "1980-04-02", NULL, {0, -1}},	  /* folded alike */
		{"Anna", "Müller", "1980-04-03", NULL, {-1}},	  /* another birthday */
		{"Ирина", "ИВАНОВА", "1990-12-12", NULL, {2, -1}},
		{"Zoë", "Müller-Lüdenscheidt", "2001-06-30", NULL, {-1}}, /* archived */
		{"Annie", "Mueller", "1980-04-02", "0301234567", {0, -1}}, /* same phone */
		{"Annie", "Mueller", "1980-04-02", "+49 30 1234568", {-1}},
		{"Annie", "Mueller", "1980-04-09", "0301234567", {-1}},  /* same phone only */
		{"Anna", "Smith", "1980-04-02", "+49 30 1234567", {0, 3, -1}},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct patient p;
		memset(&p, 0, sizeof p);
		p.first_name = (char *)rows[i].first;
		p.last_name = (char *)rows[i].last;
		p.phone = (char *)rows[i].phone;
		snprintf(p.date_of_birth, sizeof p.date_of_birth, "%s", rows[i].dob);
		struct patient *out = NULL;
		size_t n = 99, want = 0;
		int rc = store_patient_duplicates(f->db, &p, &out, &n);
		while (rows[i].want[want] >= 0)
			want++;
		row_check(&bad, rc == 0 && n == want, "row %zu: rc %d, %zu found, want %zu", i, rc,
			  n, want);
		for (size_t k = 0; rc == 0 && k < n && k < want; k++)
			row_check(&bad, out[k].id == ids[rows[i].want[k]], "row %zu: %zu is %lld",
				  i, k, (long long)out[k].id);
		if (rc == 0)
			patients_free(out, n);
	}
	/* The patient itself does not count as a duplicate of itself. */
	struct patient self, *out = NULL;
	size_t n = 99;
	assert_int_equal(store_patient_get(f->db, ids[0], &self), 0);
	assert_int_equal(store_patient_duplicates(f->db, &self, &out, &n), 0);
	assert_int_equal(n, 0);
	patients_free(out, n);
	patient_cleanup(&self);
	assert_int_equal(bad, 0);
}

/* Folds a typed query as the API does before searching. */
static const char *folded(const char *s, char *buf, size_t n)
{
	if (!s)
		return NULL;
	assert_true(text_fold(s, buf, n));
	return buf;
}

static void search(void **state)
{
	struct fixture *f = *state;
	int64_t ids[10];
	add_search_patients(f->db, ids);
	/* Index 0 Anna Müller, 1 Max Mustermann, 2 Ирина Иванова, 3 Anna Smith,
	 * 4 Zoë Müller-Lüdenscheidt (archived), 5 Élodie Dupont, 6 Annabel Lee,
	 * 7 Mary Ann Jones, 8 Pieter van der Berg. */
	char mrn1[24];
	text_mrn(ids[1], mrn1, sizeof mrn1);

	enum { ARCHIVED = 1, LAST_FIRST = 2 };
	/* Not static: one row needs the chart number made above. */
	/* clang-format off */
	const struct {
		const char *what;
		enum patient_query_kind kind;
		const char *w[3]; /* as typed; names are folded, phones keyed as the API does */
		unsigned flags; /* ARCHIVED: include archived; LAST_FIRST: typed "last, first" */
		int64_t limit, offset;
		int64_t total;
		int order[10]; /* indexes into ids, -1-terminated */
	} rows[] = {
		{"all, ordered by last then first name", PQ_ALL, {0}, 0, 50, 0, 8,
		 {5, 7, 6, 0, 1, 3, 8, 2, -1}},
		{"all with archived", PQ_ALL, {0}, ARCHIVED, 50, 0, 9,
		 {5, 7, 6, 0, 4, 1, 3, 8, 2, -1}},
		{"first page", PQ_ALL, {0}, 0, 2, 0, 8, {5, 7, -1}},
		{"second page", PQ_ALL, {0}, 0, 2, 2, 8, {6, 0, -1}},
		{"last page", PQ_ALL, {0}, 0, 3, 6, 8, {8, 2, -1}},
		{"past the end", PQ_ALL, {0}, 0, 2, 100, 8, {-1}},
		{"first-name prefix, any word", PQ_NAME, {"ann"}, 0, 50, 0, 4, {7, 6, 0, 3, -1}},
		{"prefix, capitals", PQ_NAME, {"ANN"}, 0, 50, 0, 4, {7, 6, 0, 3, -1}},
		{"whole first name", PQ_NAME, {"Annabel"}, 0, 50, 0, 1, {6, -1}},
		{"last-name prefix", PQ_NAME, {"MÜL"}, 0, 50, 0, 1, {0, -1}},
		{"last-name prefix with archived", PQ_NAME, {"mül"}, ARCHIVED, 50, 0, 2, {0, 4, -1}},
		{"u finds ü", PQ_NAME, {"mul"}, 0, 50, 0, 1, {0, -1}},
		{"ue is not ü", PQ_NAME, {"mueller"}, 0, 50, 0, 0, {-1}},
		{"mu prefix", PQ_NAME, {"Mu"}, 0, 50, 0, 2, {0, 1, -1}},
		{"second word of a hyphenated name", PQ_NAME, {"lüd"}, ARCHIVED, 50, 0, 1, {4, -1}},
		{"Cyrillic, capitals", PQ_NAME, {"ИВАН"}, 0, 50, 0, 1, {2, -1}},
		{"Cyrillic first name", PQ_NAME, {"ири"}, 0, 50, 0, 1, {2, -1}},
		{"accented capital", PQ_NAME, {"ÉLO"}, 0, 50, 0, 1, {5, -1}},
		{"e finds é", PQ_NAME, {"elo"}, 0, 50, 0, 1, {5, -1}},
		{"a word inside a last name", PQ_NAME, {"berg"}, 0, 50, 0, 1, {8, -1}},
		{"a particle", PQ_NAME, {"der"}, 0, 50, 0, 1, {8, -1}},
		{"two words, first last", PQ_NAME, {"anna", "sm"}, 0, 50, 0, 1, {3, -1}},
		{"two words, last first", PQ_NAME, {"Smith", "A"}, 0, 50, 0, 1, {3, -1}},
		{"two words, any names", PQ_NAME, {"ann", "m"}, 0, 50, 0, 2, {7, 0, -1}},
		{"two words, Cyrillic", PQ_NAME, {"ирина", "иван"}, 0, 50, 0, 1, {2, -1}},
		{"two words, no match", PQ_NAME, {"anna", "dupont"}, 0, 50, 0, 0, {-1}},
		{"two words, prefixes", PQ_NAME, {"anna", "lee"}, 0, 50, 0, 1, {6, -1}},
		{"two words, archived", PQ_NAME, {"zoë", "mül"}, ARCHIVED, 50, 0, 1, {4, -1}},
		{"two words, archived hidden", PQ_NAME, {"zoe", "mul"}, 0, 50, 0, 0, {-1}},
		{"two words of one first name", PQ_NAME, {"Mary", "Ann"}, 0, 50, 0, 1, {7, -1}},
		{"two words of one last name", PQ_NAME, {"van", "der"}, 0, 50, 0, 1, {8, -1}},
		{"two words, one a prefix", PQ_NAME, {"van", "d"}, 0, 50, 0, 1, {8, -1}},
		{"two words apart", PQ_NAME, {"van", "berg"}, 0, 50, 0, 1, {8, -1}},
		{"three words", PQ_NAME, {"pieter", "van", "berg"}, 0, 50, 0, 1, {8, -1}},
		{"three words, one wrong", PQ_NAME, {"pieter", "van", "dijk"}, 0, 50, 0, 0, {-1}},
		{"last, first", PQ_NAME, {"Smith", "Anna"}, LAST_FIRST, 50, 0, 1, {3, -1}},
		{"last, first prefixes", PQ_NAME, {"mü", "a"}, LAST_FIRST, 50, 0, 1, {0, -1}},
		{"last, first the wrong way", PQ_NAME, {"Anna", "Smith"}, LAST_FIRST, 50, 0, 0, {-1}},
		{"last, first, archived", PQ_NAME, {"mül", "z"}, LAST_FIRST | ARCHIVED, 50, 0, 1,
		 {4, -1}},
		{"name paged", PQ_NAME, {"ann"}, 0, 1, 1, 4, {6, -1}},
		{"no such name", PQ_NAME, {"xyz"}, 0, 50, 0, 0, {-1}},
		{"chart number", PQ_MRN, {mrn1}, 0, 50, 0, 1, {1, -1}},
		{"unknown chart number", PQ_MRN, {"CG9999996"}, 0, 50, 0, 0, {-1}},
		{"phone suffix", PQ_PHONE, {"4567"}, 0, 50, 0, 3, {6, 0, 3, -1}},
		{"phone suffix, punctuated", PQ_PHONE, {"123-4567"}, 0, 50, 0, 2, {0, 3, -1}},
		{"whole phone", PQ_PHONE, {"030 7654321"}, 0, 50, 0, 1, {1, -1}},
		{"phone, Russian", PQ_PHONE, {"22-33"}, 0, 50, 0, 1, {2, -1}},
		{"phone, digits inside", PQ_PHONE, {"1234"}, 0, 50, 0, 2, {0, 3, -1}},
		{"phone with country code", PQ_PHONE, {"+49 30 1234567"}, 0, 50, 0, 1, {0, -1}},
		{"phone with 00", PQ_PHONE, {"0049 30 123"}, 0, 50, 0, 1, {0, -1}},
		{"phone with trunk 0", PQ_PHONE, {"0301234567"}, 0, 50, 0, 1, {0, -1}},
		{"phone, national form of +7", PQ_PHONE, {"495 111 22 33"}, 0, 50, 0, 1, {2, -1}},
		{"phone, no such digits", PQ_PHONE, {"9999"}, 0, 50, 0, 0, {-1}},
		{"date of birth", PQ_DOB, {"1980-04-02"}, 0, 50, 0, 2, {0, 3, -1}},
		{"date of birth, archived", PQ_DOB, {"2001-06-30"}, 0, 50, 0, 0, {-1}},
		{"date of birth, with archived", PQ_DOB, {"2001-06-30"}, ARCHIVED, 50, 0, 1, {4, -1}},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char buf[3][128];
		struct patient_query q = {
		    .kind = rows[i].kind,
		    .include_archived = rows[i].flags & ARCHIVED,
		    .last_first = rows[i].flags & LAST_FIRST,
		    .limit = rows[i].limit,
		    .offset = rows[i].offset,
		};
		for (size_t k = 0; k < 3 && rows[i].w[k]; k++) {
			if (rows[i].kind == PQ_NAME)
				q.words[k] = folded(rows[i].w[k], buf[k], sizeof buf[k]);
			else if (rows[i].kind == PQ_PHONE)
				text_phone_key(rows[i].w[k], buf[k], sizeof buf[k]),
				    q.words[k] = buf[k];
			else
				q.words[k] = rows[i].w[k];
			q.nwords = k + 1;
		}
		struct patient *out = NULL;
		size_t n = 99;
		int64_t total = -1;
		int rc = store_patient_search(f->db, &q, &out, &n, &total);
		row_check(&bad, rc == 0, "%s: rc %d", rows[i].what, rc);
		if (rc)
			continue;
		size_t want = 0;
		while (rows[i].order[want] >= 0)
			want++;
		row_check(&bad, total == rows[i].total, "%s: total %lld, want %lld", rows[i].what,
			  (long long)total, (long long)rows[i].total);
		row_check(&bad, n == want, "%s: %zu rows, want %zu", rows[i].what, n, want);
		for (size_t k = 0; k < n && k < want; k++)
			row_check(&bad, out[k].id == ids[rows[i].order[k]],
				  "%s: row %zu is %s %s, want id %lld", rows[i].what, k,
				  out[k].first_name, out[k].last_name,
				  (long long)ids[rows[i].order[k]]);
		patients_free(out, n);
	}
	assert_int_equal(bad, 0);
}

/* Group commit in the server's pool: commits reach the WAL with synchronous = NORMAL and
 * are made durable by one sync for all of them; every commit from several threads is
 * reported durable exactly once, with no error, and is there afterwards. Connections
 * opened outside the pool keep synchronous = FULL. */
#define GC_THREADS 4
#define GC_ROWS	   50

static atomic_int gc_acked;
static atomic_int gc_failed;

static void gc_durable(void *arg, int err)
{
	(void)arg;
	if (err)
		atomic_fetch_add(&gc_failed, 1);
	atomic_fetch_add(&gc_acked, 1);
}

static void *gc_writer(void *arg)
{
	(void)arg;
	struct db *db = db_thread();
	uint64_t last = 0;
	for (int i = 0; db && i < GC_ROWS; i++) {
		if (db_begin_write(db) != 0) {
			atomic_fetch_add(&gc_failed, 1);
			continue;
		}
		int rc =
		    sqlite3_exec(db_handle(db), "INSERT INTO gc(x) VALUES (1)", NULL, NULL, NULL);
		uint64_t seq = 0;
		if (rc != SQLITE_OK) {
			db_rollback(db);
			atomic_fetch_add(&gc_failed, 1);
		} else if (db_commit_nowait(db, &seq) != 0 || seq <= last) {
			atomic_fetch_add(&gc_failed, 1);
		} else {
			last = seq;
			db_durable_async(seq, gc_durable, NULL);
		}
	}
	return NULL;
}

/* Whether a word of name, split at spaces and hyphens, starts with prefix: the test's own
 * reading of rule 55. */
static bool ref_word_starts(const char *name, const char *prefix)
{
	size_t len = strlen(prefix);
	for (const char *p = name; *p;) {
		while (*p == ' ' || *p == '-')
			p++;
		size_t n = strcspn(p, " -");
		if (n >= len && strncmp(p, prefix, len) == 0)
			return true;
		p += n;
	}
	return false;
}

/* Searches count each patient once however many of their words match, and give the pages
 * a reference gives (every patient in name order, checked word by word): one word short
 * or long, several words, and "last, first". */
static void search_counts_and_pages_agree(void **state)
{
	struct fixture *f = *state;
	static const char *const firsts[] = {"Maria", "Mark", "Anna", "Marta", "Ben", "Mia"};
	static const char *const lasts[] = {"Martinez Marquez", "Smith", "Marsh", "Anna",
					    "Mayer-Marx",	"Lee"};
	assert_int_equal(db_begin_write(f->db), 0);
	for (int i = 0; i < 240; i++)
		add_patient(f->db, firsts[i % 6], lasts[(i / 6) % 6], "1980-01-01", NULL,
			    i % 17 == 0);
	assert_int_equal(db_commit(f->db), 0);
	static char all[32768];
	assert_int_equal(unit_texts(f->db,
				    "SELECT id || '|' || last_key || '|' || first_key || '|' || "
				    "archived FROM patients ORDER BY last_key, first_key, id",
				    "\n", all, sizeof all),
			 240);
	struct ref {
		long long id;
		char last[64], first[64];
		int archived;
	} rows[240];
	size_t nrows = 0;
	for (char *line = strtok(all, "\n"); line && nrows < 240; line = strtok(NULL, "\n")) {
		struct ref *r = &rows[nrows];
		if (sscanf(line, "%lld|%63[^|]|%63[^|]|%d", &r->id, r->last, r->first,
			   &r->archived) == 4)
			nrows++;
	}
	assert_int_equal(nrows, 240);
	static const struct {
		const char *words[3];
		size_t n;
		bool last_first;
	} queries[] = {
	    {{"m"}, 1, false},
	    {{"ma"}, 1, false},
	    {{"mar"}, 1, false},
	    {{"mart"}, 1, false},
	    {{"marq"}, 1, false},
	    {{"an"}, 1, false},
	    {{"anna"}, 1, false},
	    {{"smi"}, 1, false},
	    {{"l"}, 1, false},
	    {{"z"}, 1, false},
	    {{"martinez"}, 1, false},
	    {{"marquez"}, 1, false},
	    {{"martinezz"}, 1, false},
	    {{"mar", "ma"}, 2, false},
	    {{"anna", "anna"}, 2, false},
	    {{"m", "marquez"}, 2, false},
	    {{"mar", "mar", "m"}, 3, false},
	    {{"marx", "mia"}, 2, false},
	    {{"anna", "ann"}, 2, true},
	    {{"marquez", "mar"}, 2, true},
	    {{"smith", "anna"}, 2, true},
	};
	int bad = 0;
	for (size_t w = 0; w < sizeof queries / sizeof queries[0]; w++) {
		for (int archived = 0; archived < 2; archived++) {
			long long want[240];
			size_t nwant = 0;
			for (size_t r = 0; r < nrows; r++) {
				bool ok = rows[r].archived <= archived;
				for (size_t i = 0; ok && i < queries[w].n; i++) {
					const char *word = queries[w].words[i];
					bool lf = queries[w].last_first;
					ok = ((!lf || i == 0) &&
					      ref_word_starts(rows[r].last, word)) ||
					     ((!lf || i == 1) &&
					      ref_word_starts(rows[r].first, word));
				}
				if (ok)
					want[nwant++] = rows[r].id;
			}
			for (int64_t offset = 0; offset < 12; offset += 5) {
				struct patient_query q = {.kind = PQ_NAME,
							  .nwords = queries[w].n,
							  .last_first = queries[w].last_first,
							  .include_archived = archived,
							  .limit = 5,
							  .offset = offset};
				for (size_t i = 0; i < queries[w].n; i++)
					q.words[i] = queries[w].words[i];
				struct patient *out = NULL;
				size_t n = 0;
				int64_t total = -1;
				assert_int_equal(store_patient_search(f->db, &q, &out, &n, &total),
						 0);
				row_check(&bad, total == (int64_t)nwant,
					  "query %zu %s (archived %d): total %lld, want %zu", w,
					  queries[w].words[0], archived, (long long)total, nwant);
				char ids[128] = "", got[128] = "";
				for (size_t i = 0; i < n; i++)
					snprintf(got + strlen(got), sizeof got - strlen(got),
						 "%lld,", (long long)out[i].id);
				for (size_t i = (size_t)offset; i < nwant && i < (size_t)offset + 5;
				     i++)
					snprintf(ids + strlen(ids), sizeof ids - strlen(ids),
						 "%lld,", want[i]);
				patients_free(out, n);
				row_check(&bad, strcmp(got, ids) == 0,
					  "query %zu %s (archived %d) offset %lld: %s, want %s", w,
					  queries[w].words[0], archived, (long long)offset, got,
					  ids);
			}
		}
	}
	assert_int_equal(bad, 0);
}

static void group_commit(void **state)
{
	/* Group commit syncs SQLite's WAL. */
	if (unit_pg())
		skip();
	struct fixture *f = *state;
	assert_int_equal(unit_int(f->db, "PRAGMA synchronous"), 2);
	char path[300];
	scratch_path(f->dir, "pool.db", path);
	assert_int_equal(db_pool_init(path), 0);
	struct db *db = db_thread();
	assert_non_null(db);
	assert_int_equal(unit_int(db, "PRAGMA synchronous"), 1);
	assert_int_equal(db_begin_write(db), 0);
	unit_exec(db, "CREATE TABLE gc(x INTEGER)");
	assert_int_equal(db_commit(db), 0);

	atomic_store(&gc_acked, 0);
	atomic_store(&gc_failed, 0);
	pthread_t t[GC_THREADS];
	for (int i = 0; i < GC_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, gc_writer, NULL), 0);
	for (int i = 0; i < GC_THREADS; i++)
		pthread_join(t[i], NULL);
	/* Bounded: the syncer answers within milliseconds; allow 20 s on a loaded machine. */
	for (int i = 0; i < 2000 && atomic_load(&gc_acked) < GC_THREADS * GC_ROWS; i++)
		usleep(10000);
	assert_int_equal(atomic_load(&gc_failed), 0);
	assert_int_equal(atomic_load(&gc_acked), GC_THREADS * GC_ROWS);
	assert_int_equal(unit_int(db, "SELECT count(*) FROM gc"), GC_THREADS * GC_ROWS);
	db_pool_close();
}

/* The pool's writes share one connection whichever thread makes them, so a write finds
 * the pages the previous write left in that connection's cache. With a connection per
 * thread, each write would first read again every page another thread's write changed. */
struct sw_arg {
	sqlite3 *handle;
	int misses;
	int err;
};

static void *sw_write(void *p)
{
	struct sw_arg *a = p;
	struct db *db = db_thread();
	a->err = !db || db_begin_write(db) != 0;
	if (a->err)
		return NULL;
	a->handle = db_handle(db);
	int cur = 0, high = 0;
	sqlite3_db_status(a->handle, SQLITE_DBSTATUS_CACHE_MISS, &cur, &high, 1);
	a->err = sqlite3_exec(a->handle, "INSERT INTO sw(k, v) VALUES (random(), zeroblob(50))",
			      NULL, NULL, NULL) != SQLITE_OK;
	sqlite3_db_status(a->handle, SQLITE_DBSTATUS_CACHE_MISS, &cur, &high, 0);
	a->misses = cur;
	if (a->err)
		db_rollback(db);
	else
		a->err = db_commit(db) != 0;
	return NULL;
}

static void pool_writes_share_a_warm_connection(void **state)
{
	/* SQLite's page cache. */
	if (unit_pg())
		skip();
	struct fixture *f = *state;
	char path[300];
	scratch_path(f->dir, "writer.db", path);
	assert_int_equal(db_pool_init(path), 0);
	struct db *db = db_thread();
	assert_non_null(db);
	sqlite3 *own = db_handle(db);
	assert_int_equal(db_begin_write(db), 0);
	unit_exec(db,
		  "CREATE TABLE sw(k INTEGER, v BLOB); CREATE INDEX sw_k ON sw(k);"
		  "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) "
		  "INSERT INTO sw(k, v) SELECT random(), zeroblob(50) FROM n");
	assert_ptr_not_equal(db_handle(db), own);
	assert_int_equal(db_commit(db), 0);
	assert_ptr_equal(db_handle(db), own);

	/* Threads that never wrote before: each runs its write on the same connection and
	 * finds every page it needs in that connection's cache. */
	for (int i = 0; i < 3; i++) {
		struct sw_arg a = {0};
		pthread_t t;
		assert_int_equal(pthread_create(&t, NULL, sw_write, &a), 0);
		pthread_join(t, NULL);
		assert_int_equal(a.err, 0);
		assert_ptr_not_equal(a.handle, own);
		assert_int_equal(a.misses, 0);
	}
	assert_int_equal(unit_int(db, "SELECT count(*) FROM sw"), 5003);
	db_pool_close();
}

/* The WAL starts over under steady load: with commits arriving all the time and readers
 * always holding a snapshot, a checkpoint alone never copies the whole WAL, so the file
 * would grow by every commit. WS_COMMITS commits of WS_BLOB bytes each write more than
 * 48 MB of frames; once the WAL starts over, it stays well under that. */
#define WS_COMMITS 6000
#define WS_BLOB	   8000
#define WS_READERS 2

static atomic_int ws_stop;
static atomic_int ws_reads;

static void *ws_reader(void *arg)
{
	(void)arg;
	struct db *db = db_thread();
	while (db && !atomic_load(&ws_stop)) {
		if (db_begin_read(db) != 0)
			break;
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db_handle(db), "SELECT max(rowid) FROM ws", -1, &st, NULL) ==
			SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			atomic_fetch_add(&ws_reads, 1);
		sqlite3_finalize(st);
		db_rollback(db);
		usleep(300);
	}
	return NULL;
}

static void wal_starts_over_under_load(void **state)
{
	/* SQLite's WAL file. */
	if (unit_pg())
		skip();
	struct fixture *f = *state;
	char path[300], wal[310];
	scratch_path(f->dir, "steady.db", path);
	snprintf(wal, sizeof wal, "%s-wal", path);
	assert_int_equal(db_pool_init(path), 0);
	struct db *db = db_thread();
	assert_non_null(db);
	assert_int_equal(db_begin_write(db), 0);
	unit_exec(db, "CREATE TABLE ws(x BLOB)");
	assert_int_equal(db_commit(db), 0);

	atomic_store(&ws_stop, 0);
	atomic_store(&ws_reads, 0);
	pthread_t t[WS_READERS];
	for (int i = 0; i < WS_READERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, ws_reader, NULL), 0);
	int failed = 0;
	for (int i = 0; i < WS_COMMITS; i++) {
		uint64_t seq;
		if (db_begin_write(db) != 0) {
			failed++;
			continue;
		}
		/* Prepared inside the transaction: writes run on the pool's writer. */
		sqlite3_stmt *ins = NULL;
		int rc = sqlite3_prepare_v2(db_handle(db), "INSERT INTO ws(x) VALUES (?)", -1, &ins,
					    NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_zeroblob(ins, 1, WS_BLOB);
			rc = sqlite3_step(ins);
		}
		sqlite3_finalize(ins);
		if (rc != SQLITE_DONE) {
			db_rollback(db);
			failed++;
		} else if (db_commit_nowait(db, &seq) != 0) {
			failed++;
		}
		usleep(300); /* a steady rate, as a busy clinic's, not a bulk load */
	}
	atomic_store(&ws_stop, 1);
	for (int i = 0; i < WS_READERS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(failed, 0);
	assert_true(atomic_load(&ws_reads) > 0);
	assert_int_equal(unit_int(db, "SELECT count(*) FROM ws"), WS_COMMITS);
	struct stat sb;
	assert_int_equal(stat(wal, &sb), 0);
	int64_t written = (int64_t)WS_COMMITS * WS_BLOB;
	if (sb.st_size >= written * 3 / 4)
		print_error("WAL is %lld bytes after %lld bytes of commits\n",
			    (long long)sb.st_size, (long long)written);
	assert_true(sb.st_size < written * 3 / 4);
	db_pool_close();
}

/* Rule 10: nothing is deleted — plans are cancelled and appointments cancelled, in the
 * database itself; REPLACE (a delete and an insert) is refused too, and so is REPLACE of
 * an audit event. */
static void clinical_rows_are_never_deleted(void **state)
{
	struct fixture *f = *state;
	unit_exec(f->db, "INSERT INTO users (id, username, display_name, role, password_hash, "
			 "created_at) VALUES (1, 'p', 'P', 'practitioner', 'x', 0)");
	unit_exec(f->db, "INSERT INTO rooms (id, name) VALUES (1, 'R')");
	unit_exec(f->db, "INSERT INTO patients (id, first_name, last_name, first_key, last_key, "
			 "date_of_birth, created_at, updated_at) VALUES (1, 'A', 'B', 'a', 'b', "
			 "'1980-01-01', 0, 0)");
	unit_exec(f->db,
		  "INSERT INTO plans (id, patient_id, treatment_type, indication, "
		  "planned_sessions, min_interval_days, max_interval_days, practitioner_id, "
		  "created_at, created_by, updated_at) VALUES (1, 1, 'MN', 'scars', 3, 28, 42, "
		  "1, 0, 1, 0)");
	unit_exec(f->db,
		  "INSERT INTO appointments (id, patient_id, plan_id, kind, practitioner_id, "
		  "room_id, start_at, end_at, created_at, created_by, updated_at) VALUES (1, 1, 1, "
		  "'treatment', 1, 1, 100, 200, 0, 1, 0)");
	struct actor who = {1, "test"};
	assert_int_equal(db_begin_write(f->db), 0);
	assert_int_equal(store_audit_append(f->db, &who, "create", "plan", 1, NULL), 0);
	assert_int_equal(db_commit(f->db), 0);

	unit_refused(f->db, "DELETE FROM plans");
	unit_refused(f->db, "DELETE FROM appointments");
	unit_refused(f->db, "DELETE FROM patients");
	/* PostgreSQL has no REPLACE: its ON CONFLICT updates in place, and never deletes. */
	if (!unit_pg()) {
		unit_refused(f->db,
			     "REPLACE INTO appointments (id, patient_id, plan_id, kind, "
			     "practitioner_id, room_id, start_at, end_at, created_at, "
			     "created_by, updated_at) VALUES (1, 1, 1, 'treatment', 1, 1, 300, "
			     "400, 0, 1, 0)");
		unit_refused(f->db,
			     "REPLACE INTO audit (id, at, action, entity, remote, prev_hash, "
			     "hash) VALUES (1, 0, 'x', 'y', 'z', 'p', 'h')");
	}
	assert_int_equal(unit_int(f->db, "SELECT count(*) FROM plans"), 1);
	assert_int_equal(unit_int(f->db, "SELECT start_at FROM appointments WHERE id = 1"), 100);
	assert_int_equal(unit_int(f->db, "SELECT count(*) FROM audit WHERE action = 'create'"), 1);
	/* Cancelling is how they end. */
	unit_exec(f->db, "UPDATE plans SET status = 'cancelled'");
	unit_exec(f->db, "UPDATE appointments SET status = 'cancelled'");
}

/* The rows a label test starts from: a practitioner, a room, two patients and a plan for
 * the first, written with plain SQL; label_appointments adds the plan's first session and
 * a consultation for the second patient. */
static const char *const label_rows =
    "INSERT INTO users (id, username, display_name, role, password_hash, created_at) "
    "VALUES (1, 'p', 'P', 'practitioner', 'x', 0);"
    "INSERT INTO rooms (id, name) VALUES (1, 'R');"
    "INSERT INTO patients (id, first_name, last_name, first_key, last_key, "
    "date_of_birth, mrn, created_at, updated_at) VALUES "
    "(1, 'Ada', 'Byron', 'ada', 'byron', '1980-01-01', 'C-1', 0, 0), "
    "(2, 'Ben', 'Cole', 'ben', 'cole', '1981-01-01', 'C-2', 0, 0);"
    "INSERT INTO plans (id, patient_id, treatment_type, indication, planned_sessions, "
    "min_interval_days, max_interval_days, practitioner_id, created_at, created_by, "
    "updated_at) VALUES (1, 1, 'MN_PRP', 'scars', 3, 28, 42, 1, 0, 1, 0);";
static const char *const label_appointments =
    "INSERT INTO appointments (id, patient_id, plan_id, kind, practitioner_id, room_id, "
    "start_at, end_at, created_at, created_by, updated_at) VALUES "
    "(1, 1, 1, 'treatment', 1, 1, 100, 200, 0, 1, 0), "
    "(2, 2, NULL, 'consultation', 1, 1, 300, 400, 0, 1, 0);";

/* Books appointment id the way the server does. */
static void book_label_appt(struct db *db, int64_t id, int64_t patient, int64_t plan, int64_t start)
{
	struct appointment a = {.patient_id = patient,
				.plan_id = plan,
				.kind = plan ? KIND_TREATMENT : KIND_CONSULTATION,
				.practitioner_id = 1,
				.room_id = 1,
				.start = start,
				.end = start + 100,
				.status = APPT_BOOKED,
				.created_by = 1};
	assert_int_equal(db_begin_write(db), 0);
	assert_int_equal(store_appt_insert(db, &a), 0);
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(a.id, id);
}

static void check_labels(struct db *db, int64_t appt, const char *expect)
{
	char sql[256], got[160];
	snprintf(sql, sizeof sql,
		 "SELECT patient_first_name || '|' || patient_last_name || '|' || "
		 "coalesce(patient_mrn, '-') || '|' || coalesce(plan_treatment_type, '-') || "
		 "'|' || coalesce(CAST(plan_planned_sessions AS text), '-') FROM appointments "
		 "WHERE id = %lld",
		 (long long)appt);
	unit_text(db, sql, got, sizeof got);
	assert_string_equal(got, expect);
}

/*
 * Whether sql, an UPDATE of one row, wrote appointment 1 too (the label triggers' work for
 * patient 1 and plan 1): SQLite counts every row written, triggers' included, beyond the
 * statement's own; on PostgreSQL a row written again has a new version (xmin).
 */
static int64_t writes_beyond(struct db *db, const char *sql)
{
	if (!unit_pg()) {
		int before = sqlite3_total_changes(db_handle(db));
		assert_int_equal(unit_exec(db, sql), 1);
		return sqlite3_total_changes(db_handle(db)) - before - 1;
	}
	static const char *const version =
	    "SELECT CAST(xmin AS text) FROM appointments WHERE id = 1";
	char before[32], after[32];
	unit_text(db, version, before, sizeof before);
	assert_int_equal(unit_exec(db, sql), 1);
	unit_text(db, version, after, sizeof after);
	return strcmp(before, after) != 0;
}

/* Every appointment carries its patient's name and record number and its plan's
 * treatment and size, equal to theirs after any write. */
static void appointments_carry_labels(void **state)
{
	struct fixture *f = *state;
	unit_exec(f->db, label_rows);
	book_label_appt(f->db, 1, 1, 1, 100);
	book_label_appt(f->db, 2, 2, 0, 300);
	check_labels(f->db, 1, "Ada|Byron|C-1|MN_PRP|3");
	check_labels(f->db, 2, "Ben|Cole|C-2|-|-");

	/* A rename reaches the patient's appointments, and only theirs. */
	struct patient p;
	assert_int_equal(store_patient_get(f->db, 1, &p), 0);
	free(p.last_name);
	p.last_name = strdup("Lovelace");
	assert_int_equal(db_begin_write(f->db), 0);
	assert_int_equal(store_patient_update(f->db, &p), 0);
	assert_int_equal(db_commit(f->db), 0);
	patient_cleanup(&p);
	check_labels(f->db, 1, "Ada|Lovelace|C-1|MN_PRP|3");
	check_labels(f->db, 2, "Ben|Cole|C-2|-|-");
	unit_exec(f->db, "UPDATE patients SET mrn = 'C-9' WHERE id = 2");
	check_labels(f->db, 2, "Ben|Cole|C-9|-|-");

	/* A change that leaves the labels alone writes the patient's row only. */
	assert_int_equal(
	    writes_beyond(f->db,
			  "UPDATE patients SET first_name = 'Ada', phone = '123' WHERE id = 1"),
	    0);

	/* A plan's new size reaches its appointments; its other changes do not write them. */
	assert_int_equal(writes_beyond(f->db, "UPDATE plans SET planned_sessions = 5 WHERE id = 1"),
			 1);
	check_labels(f->db, 1, "Ada|Lovelace|C-1|MN_PRP|5");
	assert_int_equal(
	    writes_beyond(f->db, "UPDATE plans SET planned_sessions = 5, notes = 'n' WHERE id = 1"),
	    0);

	/* The appointment list reads these copies, and the appointment's own texts (empty,
	 * present or NULL), each row's texts held in one block. */
	unit_exec(f->db, "UPDATE appointments SET notes = 'bring photos', cancel_reason = '', "
			 "override_reason = 'x' WHERE id = 1");
	struct appt_filter flt = {.from = 0, .to = 1000, .limit = 10};
	struct appt_view *v = NULL;
	size_t n = 0;
	assert_int_equal(store_appt_list(f->db, &flt, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].a.id, 1);
	assert_string_equal(v[0].patient_first, "Ada");
	assert_string_equal(v[0].patient_last, "Lovelace");
	assert_string_equal(v[0].patient_mrn, "C-1");
	assert_string_equal(v[0].treatment_type, "MN_PRP");
	assert_int_equal(v[0].planned_sessions, 5);
	assert_string_equal(v[0].a.notes, "bring photos");
	assert_string_equal(v[0].a.cancel_reason, "");
	assert_string_equal(v[0].a.override_reason, "x");
	assert_non_null(v[0].practitioner_name);
	assert_non_null(v[0].room_name);
	assert_string_equal(v[1].patient_mrn, "C-9");
	assert_null(v[1].a.notes);
	assert_null(v[1].a.cancel_reason);
	appt_views_free(v, n);
	unit_exec(f->db, "UPDATE appointments SET notes = NULL, cancel_reason = NULL, "
			 "override_reason = NULL WHERE id = 1");

	/* An appointment never moves to another patient or plan, so its copies stay theirs. */
	unit_refused(f->db, "UPDATE appointments SET patient_id = 1 WHERE id = 2");
	unit_refused(f->db, "UPDATE appointments SET plan_id = 1, patient_id = 1 WHERE id = 2");
	unit_exec(f->db, "UPDATE appointments SET patient_id = 2, plan_id = NULL WHERE id = 2");
	check_labels(f->db, 2, "Ben|Cole|C-9|-|-");
}

/* A list names every row's practitioner and room: those read all at once with the first
 * row, and one beyond the first 512 rooms, looked up on its own. */
static void appointment_lists_name_rooms_beyond_the_first_read(void **state)
{
	struct fixture *f = *state;
	unit_exec(f->db, label_rows);
	unit_exec(f->db,
		  "WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n "
		  "WHERE i < 600) INSERT INTO rooms (id, name) SELECT i, 'Room ' || i FROM n");
	book_label_appt(f->db, 1, 1, 1, 100);
	book_label_appt(f->db, 2, 2, 0, 300);
	unit_exec(f->db, "UPDATE appointments SET room_id = 600 WHERE id = 2");
	struct appt_filter flt = {.from = 0, .to = 1000, .limit = 10};
	struct appt_view *v = NULL;
	size_t n = 0;
	assert_int_equal(store_appt_list(f->db, &flt, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].room_name, "R");
	assert_string_equal(v[1].room_name, "Room 600");
	assert_string_equal(v[0].practitioner_name, "P");
	assert_string_equal(v[1].practitioner_name, "P");
	appt_views_free(v, n);
}

/* A file written before appointments carried labels gets them when it is opened. */
static void labels_filled_on_upgrade(void **state)
{
	/* A file of an older SQLite schema. */
	if (unit_pg())
		skip();
	struct fixture *f = *state;
	char old[256];
	scratch_path(f->dir, "v8.db", old);
	const char *cut = strstr(collagenda_schema_sql, "-- version 9");
	assert_non_null(cut);
	char *upto8 = strndup(collagenda_schema_sql, (size_t)(cut - collagenda_schema_sql));
	assert_non_null(upto8);
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open(old, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, upto8, NULL, NULL, NULL), SQLITE_OK);
	free(upto8);
	assert_int_equal(sqlite3_exec(raw, "PRAGMA user_version = 8", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, label_rows, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, label_appointments, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(raw), SQLITE_OK);

	struct db *db = NULL;
	assert_int_equal(db_open(old, &db), 0);
	int v = 0;
	assert_int_equal(db_file_version(db, &v), 0);
	assert_int_equal(v, db_schema_version());
	check_labels(db, 1, "Ada|Byron|C-1|MN_PRP|3");
	check_labels(db, 2, "Ben|Cole|C-2|-|-");
	assert_int_equal(db_integrity_check(db), 0);
	db_close(db);
}

/* Version 12 folds the keys anew in C: patients written by version 11 (keys lower-cased
 * only, phone digits reversed) are found by accent-free words and phone digits after the
 * upgrade, and the keys row carries each one's archived flag. */
static void keys_rebuilt_on_upgrade(void **state)
{
	/* A file of an older SQLite schema. */
	if (unit_pg())
		skip();
	struct fixture *f = *state;
	char old[256];
	scratch_path(f->dir, "v11.db", old);
	const char *cut = strstr(collagenda_schema_sql, "-- version 12");
	assert_non_null(cut);
	char *upto11 = strndup(collagenda_schema_sql, (size_t)(cut - collagenda_schema_sql));
	assert_non_null(upto11);
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open(old, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, upto11, NULL, NULL, NULL), SQLITE_OK);
	free(upto11);
	assert_int_equal(
	    sqlite3_exec(
		raw,
		"PRAGMA user_version = 11;"
		"INSERT INTO patients (id, mrn, first_name, last_name, first_key, last_key, "
		"date_of_birth, phone, phone_rev, archived, created_at, updated_at) VALUES "
		"(1, 'C-1', 'José', 'García Márquez', 'josé', 'garcía márquez', "
		"'1970-01-02', '+34 612 345 678', '876543216430', 0, 1, 1),"
		"(2, 'C-2', 'Jan', 'van Dijk', 'jan', 'van dijk', '1980-03-04', NULL, NULL, "
		"1, 1, 1);",
		NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_close(raw), SQLITE_OK);

	struct db *db = NULL;
	assert_int_equal(db_open(old, &db), 0);
	int v = 0;
	assert_int_equal(db_file_version(db, &v), 0);
	assert_int_equal(v, db_schema_version());
	assert_int_equal(unit_int(db, "SELECT count(*) FROM patients WHERE id = 1 AND "
				      "first_key = 'jose' AND last_key = 'garcia marquez' AND "
				      "phone_key = '612345678'"),
			 1);
	/* clang-format off */
	static const struct {
		enum patient_query_kind kind;
		const char *word;
		bool archived;
		int64_t want; /* patient id, 0 for none */
	} rows[] = {
		{PQ_NAME, "garcia", false, 1},
		{PQ_NAME, "marquez", false, 1},
		{PQ_NAME, "jose", false, 1},
		{PQ_PHONE, "345678", false, 1},
		{PQ_NAME, "dijk", false, 0}, /* archived */
		{PQ_NAME, "dijk", true, 2},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct patient_query q = {.kind = rows[i].kind,
					  .words = {rows[i].word},
					  .nwords = 1,
					  .include_archived = rows[i].archived,
					  .limit = 10};
		struct patient *out = NULL;
		size_t n = 0;
		int64_t total = 0;
		int rc = store_patient_search(db, &q, &out, &n, &total);
		row_check(&bad,
			  rc == 0 && (rows[i].want ? n == 1 && out[0].id == rows[i].want : n == 0),
			  "row %zu (%s): rc %d, %zu found", i, rows[i].word, rc, n);
		if (rc == 0)
			patients_free(out, n);
	}
	assert_int_equal(bad, 0);
	assert_int_equal(db_integrity_check(db), 0);
	db_close(db);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(fresh_file, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(reopen_idempotent, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(open_failures, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(transactions, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(backup, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(users, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(sessions, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(login_failures, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(patient_round_trip, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(find_same, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(search, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(search_counts_and_pages_agree, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(clinical_rows_are_never_deleted, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(appointments_carry_labels, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(appointment_lists_name_rooms_beyond_the_first_read,
						setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(labels_filled_on_upgrade, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(keys_rebuilt_on_upgrade, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(group_commit, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(pool_writes_share_a_warm_connection, setup_db,
						teardown_db),
		cmocka_unit_test_setup_teardown(wal_starts_over_under_load, setup_db, teardown_db),
	};
	/* clang-format on */
	log_set_quiet(1);
	return cmocka_run_group_tests_name("unit_db", tests, NULL, NULL);
}
