/* The PostgreSQL driver (libpq): statements prepared once per connection with their ?N
 * parameters written as $N, parameters sent as text, rows read as text; SQLSTATEs mapped
 * to the project's errors; a connection that broke is reset and its statements prepared
 * again. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

#define PG_MAX_PARAMS 32

struct pg_st {
	struct dbst base;
	struct db *db;
	char name[24];
	int nparams;
	char *values[PG_MAX_PARAMS];
	int lengths[PG_MAX_PARAMS];
	int formats[PG_MAX_PARAMS];
	PGresult *res;
	int row, nrows; /* the row db_col_* read is row - 1 */
	bool ran;
	uint64_t generation; /* the connection's, when prepared */
	/* What it was prepared from, to prepare it again on a new connection; whether it
	 * only reads (and may run again after a reconnect). */
	char *text;
	Oid types[PG_MAX_PARAMS];
	bool rerunnable;
	bool ends_tx; /* COMMIT or ROLLBACK */
};

static struct pg_st *pst(struct dbst *st)
{
	return (struct pg_st *)st;
}

const char *db_display(const char *target)
{
	return db_is_remote(target) ? "the PostgreSQL database" : target;
}

bool db_is_remote(const char *target)
{
	return strncmp(target, "postgresql://", 13) == 0 ||
	       strncmp(target, "postgres://", 11) == 0 || strstr(target, "host=") ||
	       strstr(target, "dbname=");
}

/* Maps a failed result to the project's errors, logging what PostgreSQL said. */
static int pg_err(struct db *db, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(db->pg);
	if (PQstatus(db->pg) != CONNECTION_OK || !state) {
		log_warn("storage: %s", msg && *msg ? msg : "the database connection is lost");
		db->pg_broken = true;
		return -ERR_STORAGE_UNAVAILABLE;
	}
	if (strcmp(state, "23505") == 0)
		return -ERR_DUPLICATE;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0)
		return -ERR_BUSY;
	/* Disk full, out of memory, too many connections, read-only (a standby), shut down. */
	if (strncmp(state, "53", 2) == 0 || strncmp(state, "08", 2) == 0 ||
	    strncmp(state, "57P", 3) == 0 || strcmp(state, "25006") == 0) {
		log_warn("storage: %s", msg);
		if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
		    strcmp(state, "25006") == 0)
			db->pg_broken = true;
		return -ERR_STORAGE_UNAVAILABLE;
	}
	if (strncmp(state, "23", 2) == 0)
		log_error("constraint: %s", msg);
	else
		log_error("postgresql: %s (%s)", msg, state);
	return -ERR_INTERNAL;
}

/* sql with ?N written as $N, outside quoted text; *max gets the highest N. */
static char *dollar_params(const char *sql, int *max)
{
	size_t n = strlen(sql);
	char *out = xmalloc(n + 1);
	size_t o = 0;
	char quote = 0;
	*max = 0;
	for (size_t i = 0; i < n; i++) {
		char c = sql[i];
		if (quote) {
			if (c == quote)
				quote = 0;
		} else if (c == '\'' || c == '"') {
			quote = c;
		} else if (c == '?' && i + 1 < n && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
			int v = 0;
			out[o++] = '$';
			while (i + 1 < n && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
				v = v * 10 + (sql[i + 1] - '0');
				out[o++] = sql[++i];
			}
			if (v > *max)
				*max = v;
			continue;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return out;
}

/* Which of ?1..?max the SQL text names. */
static void referenced(const char *sql, bool *used, int max)
{
	for (const char *p = strchr(sql, '?'); p; p = strchr(p + 1, '?')) {
		int v = (int)strtol(p + 1, NULL, 10);
		if (v >= 1 && v <= max)
			used[v - 1] = true;
	}
}

#define OID_INT2 21
#define OID_INT4 23
#define OID_INT8 20
#define OID_TEXT 25

/* Prepares text as name with the parameter types in types (0: PostgreSQL infers it).
 * Returns the result; *unknown gets the parameter PostgreSQL could not type, if that is
 * why it failed. */
static PGresult *try_prepare(struct db *db, const char *name, const char *text, int n,
			     const Oid *types, int *unknown)
{
	*unknown = 0;
	/* A statement that fails to prepare would abort the transaction around it. */
	bool in_tx = PQtransactionStatus(db->pg) == PQTRANS_INTRANS;
	if (in_tx)
		PQclear(PQexec(db->pg, "SAVEPOINT collagenda_prepare"));
	PGresult *res = PQprepare(db->pg, name, text, n, types);
	if (in_tx)
		PQclear(PQexec(db->pg, PQresultStatus(res) == PGRES_COMMAND_OK
					   ? "RELEASE SAVEPOINT collagenda_prepare"
					   : "ROLLBACK TO SAVEPOINT collagenda_prepare"));
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		const char *mark = "could not determine data type of parameter $";
		const char *at = msg ? strstr(msg, mark) : NULL;
		if (at)
			*unknown = (int)strtol(at + strlen(mark), NULL, 10);
	}
	return res;
}

static void deallocate(struct db *db, const char *name)
{
	char sql[48];
	snprintf(sql, sizeof sql, "DEALLOCATE %s", name);
	PQclear(PQexec(db->pg, sql));
}

/*
 * PostgreSQL types each parameter from where it stands, which SQLite never does: one that
 * the text never names, or names only where any type would do (?1 IS NULL), cannot be
 * typed, so it is sent as text; one compared with a small literal (?3 = 0, ?2 - 28800)
 * comes out a 32-bit integer that an id or an instant after 2038 would overflow, so it is
 * prepared again as a 64-bit one.
 */
static int prepare_once(struct db *db, const char *sql, struct dbst **out)
{
	int max = 0;
	char *text = dollar_params(sql, &max);
	if (max > PG_MAX_PARAMS) {
		log_error("prepare failed: %d parameters", max);
		free(text);
		return -ERR_INTERNAL;
	}
	struct pg_st *s = xcalloc(1, sizeof *s);
	s->base.drv = &db_pg_driver;
	s->db = db;
	s->nparams = max;
	snprintf(s->name, sizeof s->name, "s%llu", (unsigned long long)++db->pg_stmts);
	Oid types[PG_MAX_PARAMS] = {0};
	bool used[PG_MAX_PARAMS] = {false};
	referenced(sql, used, max);
	for (int i = 0; i < max; i++)
		types[i] = used[i] ? 0 : OID_TEXT;
	int unknown = 0;
	PGresult *res = try_prepare(db, s->name, text, max, types, &unknown);
	for (int tries = 0; unknown >= 1 && unknown <= max && tries < max; tries++) {
		PQclear(res);
		types[unknown - 1] = OID_TEXT;
		res = try_prepare(db, s->name, text, max, types, &unknown);
	}
	int err = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pg_err(db, res);
	PQclear(res);
	if (!err && max > 0) {
		PGresult *d = PQdescribePrepared(db->pg, s->name);
		bool narrow = false;
		if (PQresultStatus(d) == PGRES_COMMAND_OK)
			for (int i = 0; i < max && i < PQnparams(d); i++)
				if (PQparamtype(d, i) == OID_INT4 ||
				    PQparamtype(d, i) == OID_INT2) {
					types[i] = OID_INT8;
					narrow = true;
				}
		PQclear(d);
		if (narrow) {
			deallocate(db, s->name);
			res = try_prepare(db, s->name, text, max, types, &unknown);
			err = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pg_err(db, res);
			PQclear(res);
		}
	}
	if (err) {
		log_error("prepare failed for: %s", text);
		free(text);
		free(s);
		return err;
	}
	s->generation = db->pg_generation;
	s->text = text;
	memcpy(s->types, types, sizeof s->types);
	s->rerunnable = strncmp(text, "SELECT", 6) == 0 || strncmp(text, "BEGIN", 5) == 0;
	s->ends_tx = strcmp(text, "COMMIT") == 0 || strcmp(text, "ROLLBACK") == 0;
	*out = &s->base;
	return 0;
}

static int pg_prepare(struct db *db, const char *sql, struct dbst **out)
{
	bool outside = PQtransactionStatus(db->pg) == PQTRANS_IDLE;
	int err = prepare_once(db, sql, out);
	/* A connection that broke since its last statement: once more on a new one. */
	if (err && db->pg_broken && outside && db_pg_reset(db) == 0)
		err = prepare_once(db, sql, out);
	return err;
}

/* Prepares s again on its connection, which was (re)connected since s was prepared. */
static int prepare_again(struct db *db, struct pg_st *s)
{
	int unknown;
	PGresult *res = try_prepare(db, s->name, s->text, s->nparams, s->types, &unknown);
	int err = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pg_err(db, res);
	PQclear(res);
	if (!err)
		s->generation = db->pg_generation;
	return err;
}

static void clear_params(struct pg_st *s)
{
	for (int i = 0; i < PG_MAX_PARAMS; i++) {
		free(s->values[i]);
		s->values[i] = NULL;
		s->lengths[i] = 0;
		s->formats[i] = 0;
	}
}

static void pg_reset(struct dbst *st)
{
	struct pg_st *s = pst(st);
	PQclear(s->res);
	s->res = NULL;
	s->row = s->nrows = 0;
	s->ran = false;
	clear_params(s);
}

static void pg_finalize(struct dbst *st)
{
	pg_reset(st);
	free(pst(st)->text);
	free(st);
}

static int set_param(struct pg_st *s, int idx, char *value, int len, int format)
{
	if (idx < 1 || idx > s->nparams) {
		free(value);
		log_error("bind failed: no parameter %d", idx);
		return -ERR_INTERNAL;
	}
	free(s->values[idx - 1]);
	s->values[idx - 1] = value;
	s->lengths[idx - 1] = len;
	s->formats[idx - 1] = format;
	return 0;
}

static int pg_bind_int(struct dbst *st, int idx, int64_t v)
{
	char buf[24];
	snprintf(buf, sizeof buf, "%lld", (long long)v);
	return set_param(pst(st), idx, xstrdup(buf), 0, 0);
}

static int pg_bind_text(struct dbst *st, int idx, const char *s)
{
	return set_param(pst(st), idx, s ? xstrdup(s) : NULL, 0, 0);
}

static int pg_bind_blob(struct dbst *st, int idx, const void *p, int len)
{
	char *copy = xmalloc(len > 0 ? (size_t)len : 1);
	if (len > 0)
		memcpy(copy, p, (size_t)len);
	return set_param(pst(st), idx, copy, len, 1);
}

static int pg_bind_null(struct dbst *st, int idx)
{
	return set_param(pst(st), idx, NULL, 0, 0);
}

/* s's result into s->res: its rows, or the rows it changed; 0 or a negative error. */
static int take_result(struct db *db, struct pg_st *s, PGresult *res)
{
	s->res = res;
	ExecStatusType status = PQresultStatus(res);
	if (status == PGRES_TUPLES_OK) {
		s->nrows = PQntuples(res);
		return 0;
	}
	/* A COMMIT of a transaction that failed earlier is a ROLLBACK: nothing was written. */
	if (status == PGRES_COMMAND_OK && s->ends_tx && strcmp(s->text, "COMMIT") == 0 &&
	    strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
		log_error("commit refused: the transaction failed earlier and was rolled back");
		PQclear(res);
		s->res = NULL;
		return -ERR_INTERNAL;
	}
	if (status == PGRES_COMMAND_OK) {
		const char *n = PQcmdTuples(res);
		db->pg_changes = n && *n ? strtoll(n, NULL, 10) : 0;
		s->nrows = 0;
		return 0;
	}
	int err = pg_err(db, res);
	PQclear(res);
	s->res = NULL;
	return err;
}

/*
 * The deferred statements that open a transaction, then s, sent in one pipeline: one round
 * trip instead of one each. Their results are checked and dropped, s's kept. When the
 * connection breaks they stay queued, so that the whole opening runs again on a new one;
 * nothing of it can have committed.
 */
static int execute_pipelined(struct db *db, struct pg_st *s)
{
	PGconn *c = db->pg;
	int n = db->pg_ndeferred;
	if (!PQenterPipelineMode(c))
		return pg_err(db, NULL);
	bool sent = true;
	for (int i = 0; i < n && sent; i++)
		sent =
		    PQsendQueryPrepared(c, pst(db->pg_deferred[i])->name, 0, NULL, NULL, NULL, 0);
	sent = sent &&
	       PQsendQueryPrepared(c, s->name, s->nparams, (const char *const *)s->values,
				   s->lengths, s->formats, 0) &&
	       PQpipelineSync(c);
	int err = sent ? 0 : pg_err(db, NULL);
	PGresult *mine = NULL;
	bool synced = false;
	/* Each statement gives one result and then NULL; the pipeline ends with its sync. */
	for (int seen = 0, calls = 0; sent && !synced && calls < 4 * (n + 2); calls++) {
		PGresult *res = PQgetResult(c);
		if (!res) {
			if (PQstatus(c) != CONNECTION_OK)
				break;
			continue;
		}
		ExecStatusType status = PQresultStatus(res);
		if (status == PGRES_PIPELINE_SYNC) {
			synced = true;
		} else if (seen++ < n) {
			if (!err && status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
				err = pg_err(db, res);
		} else if (!mine) {
			mine = res;
			continue;
		}
		PQclear(res);
	}
	if (sent && !synced && !err)
		err = pg_err(db, NULL);
	if (!PQexitPipelineMode(c) && !db->pg_broken) {
		log_warn("storage: %s", PQerrorMessage(c));
		db->pg_broken = true;
		err = err ? err : -ERR_STORAGE_UNAVAILABLE;
	}
	if (!err && !mine)
		err = pg_err(db, NULL);
	if (!err)
		err = take_result(db, s, mine);
	else
		PQclear(mine);
	if (!db->pg_broken)
		db->pg_ndeferred = 0;
	return err;
}

/* Runs s with its parameters into s->res, after the deferred statements if there are any;
 * 0 or a negative error. */
static int execute(struct db *db, struct pg_st *s)
{
	int err = 0;
	if (s->generation != db->pg_generation && (err = prepare_again(db, s)) != 0)
		return err;
	for (int i = 0; i < db->pg_ndeferred; i++) {
		struct pg_st *d = pst(db->pg_deferred[i]);
		if (d->generation != db->pg_generation && (err = prepare_again(db, d)) != 0)
			return err;
	}
	if (db->pg_ndeferred)
		return execute_pipelined(db, s);
	return take_result(db, s,
			   PQexecPrepared(db->pg, s->name, s->nparams,
					  (const char *const *)s->values, s->lengths, s->formats,
					  0));
}

int db_pg_defer(struct db *db, struct dbst *st)
{
	struct pg_st *s = pst(st);
	int max = (int)(sizeof db->pg_deferred / sizeof db->pg_deferred[0]);
	if (s->nparams || db->pg_ndeferred >= max) {
		log_error("cannot defer: %s", s->text);
		return -ERR_INTERNAL;
	}
	db->pg_deferred[db->pg_ndeferred++] = st;
	return 0;
}

/* Runs the deferred statements on their own, before a statement that cannot join them. */
static int flush_deferred(struct db *db)
{
	int err = 0;
	for (int i = 0; !err && i < db->pg_ndeferred; i++) {
		struct pg_st *d = pst(db->pg_deferred[i]);
		if (d->generation != db->pg_generation && (err = prepare_again(db, d)) != 0)
			break;
		PGresult *res = PQexecPrepared(db->pg, d->name, 0, NULL, NULL, NULL, 0);
		ExecStatusType status = PQresultStatus(res);
		if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
			err = pg_err(db, res);
		PQclear(res);
	}
	db->pg_ndeferred = 0;
	return err;
}

static int pg_step(struct db *db, struct dbst *st)
{
	struct pg_st *s = pst(st);
	if (!s->ran) {
		s->ran = true;
		/* A transaction that ends before it ran anything was never sent. */
		if (s->ends_tx && db->pg_ndeferred) {
			db->pg_ndeferred = 0;
			db->pg_changes = 0;
			s->row = s->nrows = 0;
			return DB_DONE;
		}
		bool outside = PQtransactionStatus(db->pg) == PQTRANS_IDLE;
		bool opening = db->pg_ndeferred > 0;
		int err = execute(db, s);
		/* The connection broke (a failover, a restarted server): a read outside a
		 * transaction, or the first statement of one with what opens it, runs again
		 * once on a new connection, if one can be had (nothing of it committed);
		 * anything else reports the fault. */
		if (err && db->pg_broken && outside && (s->rerunnable || opening) &&
		    db_pg_reset(db) == 0)
			err = execute(db, s);
		if (err)
			return err;
		s->row = 0;
	}
	if (s->row < s->nrows) {
		s->row++;
		return DB_ROW;
	}
	return DB_DONE;
}

static const char *value_at(struct dbst *st, int col)
{
	struct pg_st *s = pst(st);
	if (!s->res || s->row < 1 || col >= PQnfields(s->res) ||
	    PQgetisnull(s->res, s->row - 1, col))
		return NULL;
	return PQgetvalue(s->res, s->row - 1, col);
}

static int64_t pg_col_int64(struct dbst *st, int col)
{
	const char *v = value_at(st, col);
	if (!v)
		return 0;
	/* A boolean expression reads as SQLite's 1 or 0. */
	if (v[0] == 't' && !v[1])
		return 1;
	if (v[0] == 'f' && !v[1])
		return 0;
	return strtoll(v, NULL, 10);
}

static const char *pg_col_text(struct dbst *st, int col)
{
	return value_at(st, col);
}

static int pg_col_bytes(struct dbst *st, int col)
{
	struct pg_st *s = pst(st);
	return value_at(st, col) ? PQgetlength(s->res, s->row - 1, col) : 0;
}

static bool pg_col_null(struct dbst *st, int col)
{
	return value_at(st, col) == NULL;
}

static int pg_last_id(struct db *db, int64_t *id)
{
	PGresult *res = PQexec(db->pg, "SELECT lastval()");
	int err = 0;
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	else
		err = pg_err(db, res);
	PQclear(res);
	return err;
}

static int64_t pg_changes(struct db *db)
{
	return db->pg_changes;
}

static bool pg_in_tx(struct db *db)
{
	if (db->pg_ndeferred)
		return true;
	PGTransactionStatusType t = PQtransactionStatus(db->pg);
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

int db_pg_exec(struct db *db, const char *sql)
{
	if (db->pg_ndeferred) {
		/* A transaction that ends before it ran anything was never sent. */
		if (strcmp(sql, "COMMIT") == 0 || strcmp(sql, "ROLLBACK") == 0) {
			db->pg_ndeferred = 0;
			return 0;
		}
		int err = flush_deferred(db);
		if (err)
			return err;
	}
	PGresult *res = PQexec(db->pg, sql);
	ExecStatusType status = PQresultStatus(res);
	int err = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ? 0 : pg_err(db, res);
	if (err)
		log_error("sql failed: %s", PQresultErrorMessage(res));
	PQclear(res);
	return err;
}

/* Notices (such as "there is no transaction in progress") are not the log's business. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int db_pg_connect(struct db *db, const char *target)
{
	db->pg = PQconnectdb(target);
	if (!db->pg || PQstatus(db->pg) != CONNECTION_OK) {
		log_error("cannot connect to the database: %s",
			  db->pg ? PQerrorMessage(db->pg) : "out of memory");
		return -ERR_STORAGE_UNAVAILABLE;
	}
	PQsetNoticeProcessor(db->pg, quiet, NULL);
	db->pg_generation++;
	/* An answer about a write leaves only after COMMIT returned, and COMMIT returns once
	 * the commit is durable (and, with synchronous standbys, replicated). */
	return db_pg_exec(db, "SET synchronous_commit = on; SET client_min_messages = warning; "
			      "SET TIME ZONE 'UTC'");
}

void db_pg_close(struct db *db)
{
	db->pg_ndeferred = 0;
	if (db->pg)
		PQfinish(db->pg);
	db->pg = NULL;
}

int db_pg_reset(struct db *db)
{
	PQreset(db->pg);
	if (PQstatus(db->pg) != CONNECTION_OK) {
		log_warn("the database is still unreachable: %s", PQerrorMessage(db->pg));
		return -ERR_STORAGE_UNAVAILABLE;
	}
	db->pg_broken = false;
	db->pg_generation++;
	log_info("reconnected to the database");
	return db_pg_exec(db, "SET synchronous_commit = on; SET client_min_messages = warning; "
			      "SET TIME ZONE 'UTC'");
}

const struct db_driver db_pg_driver = {
    .name = "postgresql",
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .reset = pg_reset,
    .bind_int = pg_bind_int,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .col_int64 = pg_col_int64,
    .col_text = pg_col_text,
    .col_bytes = pg_col_bytes,
    .col_null = pg_col_null,
    .last_id = pg_last_id,
    .changes = pg_changes,
    .in_tx = pg_in_tx,
};
