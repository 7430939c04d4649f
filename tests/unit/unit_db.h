/* What the unit tests of the store share: a database for each test, an SQLite file in a
 * scratch directory or, when COLLAGENDA_TEST_PG names a PostgreSQL cluster (as
 * tests/pg/with-cluster.sh sets it), a fresh database there; and raw SQL on the store's own
 * connection, for rows a test sets up and for its checks, which sees the transaction the
 * store has open. The SQL is written once, in the dialect both databases share. */
#ifndef COLLAGENDA_TESTS_UNIT_DB_H
#define COLLAGENDA_TESTS_UNIT_DB_H

#include "unit.h"

#include <libpq-fe.h>
#include <limits.h>
#include <sqlite3.h>

#include "store/db.h"
#include "store/db_internal.h"

/* The test cluster (a postgresql:// URI without a database name), or NULL for SQLite. */
static inline const char *unit_pg(void)
{
	const char *b = getenv("COLLAGENDA_TEST_PG");
	return b && *b ? b : NULL;
}

/* Runs sql on the test cluster's database postgres; the test fails if it fails. */
static inline void unit_pg_admin(const char *sql)
{
	char admin[320];
	snprintf(admin, sizeof admin, "%s/postgres", unit_pg());
	PGconn *c = PQconnectdb(admin);
	assert_non_null(c);
	PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("%s on %s: %s", sql, admin, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

/*
 * What a test opens with db_open, into out (256 bytes): dir/clinic.db, or on PostgreSQL a
 * database made for it, named after dir's random tail, the process and a count, so that
 * no two tests, nor two binaries run at once, share one. Each is a copy of one the process
 * migrated first: a copy takes a tenth of a second, migrating one more than that again.
 */
static inline void unit_db_target(const char *dir, char out[256])
{
	const char *base = unit_pg();
	if (!base) {
		scratch_path(dir, "clinic.db", out);
		return;
	}
	static char template[64];
	static int made;
	char sql[160];
	int n;
	if (!template[0]) {
		snprintf(template, sizeof template, "u_template_%d", (int)getpid());
		snprintf(sql, sizeof sql, "CREATE DATABASE %s", template);
		unit_pg_admin(sql);
		char uri[256];
		n = snprintf(uri, sizeof uri, "%s/%s", base, template);
		assert_true(n > 0 && n < (int)sizeof uri);
		struct db *db = NULL;
		assert_int_equal(db_open(uri, &db), 0);
		db_close(db); /* a template has no connections while it is copied */
	}
	const char *tail = strrchr(dir, '-');
	char name[64];
	n = snprintf(name, sizeof name, "u_%s_%d_%d", tail ? tail + 1 : "x", (int)getpid(), made++);
	assert_true(n > 0 && n < (int)sizeof name);
	/* mkdtemp's letters: an identifier once lowercased, as PostgreSQL folds it. */
	for (char *p = name; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE %s", name, template);
	unit_pg_admin(sql);
	n = snprintf(out, 256, "%s/%s", base, name);
	assert_true(n > 0 && n < 256);
}

/* What opens the store's transaction on PostgreSQL waits to go with its first
 * statement (db_pg_defer): a raw statement sends it first. */
static inline struct db *unit_pg_conn(struct db *db)
{
	struct db *c = db_conn(db);
	if (c->pg_ndeferred)
		assert_int_equal(db_pg_exec(c, "SELECT 1"), 0);
	return c;
}

/* How a raw statement went. */
struct unit_sql {
	bool ok;
	int rc;		 /* SQLite: SQLITE_OK or the extended result code */
	char state[6];	 /* PostgreSQL: the SQLSTATE of the error, else "" */
	int64_t changes; /* rows the (last) statement changed */
	char msg[256];
};

/* Runs sql (any number of statements) on db's connection, as the store's own statements
 * would run there, and reports how it went in *r. */
static inline void unit_sql_try(struct db *db, const char *sql, struct unit_sql *r)
{
	memset(r, 0, sizeof *r);
	if (db_is_pg(db_conn(db))) {
		PGresult *res = PQexec(unit_pg_conn(db)->pg, sql);
		ExecStatusType st = PQresultStatus(res);
		r->ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
		if (r->ok) {
			const char *t = PQcmdTuples(res);
			r->changes = *t ? strtoll(t, NULL, 10) : 0;
		} else {
			const char *s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
			/* No SQLSTATE: the connection failed, which is no refusal either. */
			snprintf(r->state, sizeof r->state, "%s", s ? s : "?????");
			const char *m = PQresultErrorMessage(res);
			snprintf(r->msg, sizeof r->msg, "%.*s (%s)", (int)strcspn(m, "\n"), m,
				 r->state);
		}
		PQclear(res);
		return;
	}
	sqlite3 *h = db_handle(db);
	char *msg = NULL;
	r->rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
	r->ok = r->rc == SQLITE_OK;
	if (r->ok) {
		r->changes = sqlite3_changes(h);
	} else {
		r->rc = sqlite3_extended_errcode(h);
		snprintf(r->msg, sizeof r->msg, "%s (%d)", msg ? msg : "?", r->rc);
	}
	sqlite3_free(msg);
}

/*
 * Whether the database refused the statement as breaking a rule of the schema: on SQLite
 * a constraint (a trigger's RAISE(ABORT) among them); on PostgreSQL an integrity
 * violation (class 23: the triggers raise 23001) or a plain RAISE EXCEPTION (P0001). With
 * by_trigger, only what a trigger raises counts. Any other error (a typo, a missing
 * table) is not a refusal.
 */
static inline bool unit_sql_refused(const struct unit_sql *r, bool by_trigger)
{
	if (r->ok)
		return false;
	if (!r->state[0])
		return by_trigger ? r->rc == SQLITE_CONSTRAINT_TRIGGER
				  : (r->rc & 0xff) == SQLITE_CONSTRAINT;
	if (strcmp(r->state, "P0001") == 0 || strcmp(r->state, "23001") == 0)
		return true;
	return !by_trigger && strncmp(r->state, "23", 2) == 0;
}

/* Runs sql; the test fails with the database's message unless it succeeds. Gives the rows
 * the (last) statement changed. */
static inline int64_t unit_exec(struct db *db, const char *sql)
{
	struct unit_sql r;
	unit_sql_try(db, sql, &r);
	if (!r.ok)
		fail_msg("%s: %s", sql, r.msg);
	return r.changes;
}

/* The test fails unless the database refuses sql as breaking a rule of the schema. */
static inline void unit_refused(struct db *db, const char *sql)
{
	struct unit_sql r;
	unit_sql_try(db, sql, &r);
	if (!unit_sql_refused(&r, false))
		fail_msg("not refused (%s): %s", r.ok ? "it ran" : r.msg, sql);
}

/* The first column of the first max rows, joined by sep, into out (n bytes), "(null)" for
 * a NULL; gives the number of rows. The test fails if the query does. */
static inline int unit_rows(struct db *db, const char *sql, const char *sep, int max, char *out,
			    size_t n)
{
	size_t len = 0;
	int rows = 0;
	out[0] = '\0';
	if (db_is_pg(db_conn(db))) {
		PGresult *res = PQexec(unit_pg_conn(db)->pg, sql);
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQnfields(res) < 1)
			fail_msg("%s: %s", sql, PQresultErrorMessage(res));
		for (; rows < PQntuples(res); rows++)
			if (rows < max && len < n)
				len += (size_t)snprintf(out + len, n - len, "%s%s", rows ? sep : "",
							PQgetisnull(res, rows, 0)
							    ? "(null)"
							    : PQgetvalue(res, rows, 0));
		PQclear(res);
		return rows;
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db_handle(db)));
	int rc;
	for (; (rc = sqlite3_step(st)) == SQLITE_ROW; rows++) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		if (rows < max && len < n)
			len += (size_t)snprintf(out + len, n - len, "%s%s", rows ? sep : "",
						t ? (const char *)t : "(null)");
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db_handle(db)));
	return rows;
}

/* Every row's first column joined by sep (what group_concat gives on SQLite and
 * string_agg on PostgreSQL, which share no name for it); the number of rows. */
static inline int unit_texts(struct db *db, const char *sql, const char *sep, char *out, size_t n)
{
	return unit_rows(db, sql, sep, INT_MAX, out, n);
}

/* A query for one value: its first row's first column as text into out (n bytes), or as
 * an integer (a PostgreSQL boolean as 1 or 0). The test fails if it gives no row. */
static inline void unit_text(struct db *db, const char *sql, char *out, size_t n)
{
	if (unit_rows(db, sql, "", 1, out, n) < 1)
		fail_msg("no row: %s", sql);
}

static inline int64_t unit_int(struct db *db, const char *sql)
{
	char v[64];
	unit_text(db, sql, v, sizeof v);
	if (strcmp(v, "t") == 0 || strcmp(v, "f") == 0)
		return v[0] == 't';
	char *end;
	long long out = strtoll(v, &end, 10);
	if (end == v || *end)
		fail_msg("not an integer (%s): %s", v, sql);
	return out;
}

#endif
