/* Users, login sessions and failed logins. */
#include "store/users.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "util/err.h"

#define USER_COLS "id, username, display_name, role, active, created_at"

static const char *const sql_insert =
    "INSERT INTO users (username, display_name, role, password_hash, active, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char *const sql_get = "SELECT " USER_COLS " FROM users WHERE id = ?1";
static const char *const sql_by_name =
    "SELECT " USER_COLS ", password_hash FROM users WHERE username = ?1";
static const char *const sql_list = "SELECT " USER_COLS " FROM users ORDER BY id";
static const char *const sql_update =
    "UPDATE users SET display_name = ?2, role = ?3, active = ?4 WHERE id = ?1";
static const char *const sql_set_pw = "UPDATE users SET password_hash = ?2 WHERE id = ?1";
static const char *const sql_count = "SELECT count(*) FROM users";
static const char *const sql_count_admins =
    "SELECT count(*) FROM users WHERE role = 'admin' AND active = 1 AND id <> ?1";

static const char *const sql_sess_insert =
    "INSERT INTO auth_sessions (token_hash, user_id, csrf_token, created_at, last_seen, "
    "expires_at) VALUES (?1, ?2, ?3, ?4, ?4, ?5)";
static const char *const sql_sess_get =
    "SELECT u.id, u.username, u.display_name, u.role, u.active, u.created_at, "
    "s.csrf_token, s.created_at, s.last_seen, s.expires_at "
    "FROM auth_sessions s JOIN users u ON u.id = s.user_id "
    "WHERE s.token_hash = ?1 AND u.active = 1";
static const char *const sql_sess_touch =
    "UPDATE auth_sessions SET last_seen = ?2 WHERE token_hash = ?1";
static const char *const sql_sess_delete = "DELETE FROM auth_sessions WHERE token_hash = ?1";
static const char *const sql_sess_delete_user = "DELETE FROM auth_sessions WHERE user_id = ?1";
static const char *const sql_sess_purge = "DELETE FROM auth_sessions WHERE expires_at < ?1";

static const char *const sql_fail_user =
    "SELECT count(*) FROM login_failures WHERE username = ?1 AND at >= ?2 AND user_cleared = 0";
static const char *const sql_fail_remote =
    "SELECT count(*) FROM login_failures WHERE remote = ?1 AND at >= ?2";
static const char *const sql_fail_add =
    "INSERT INTO login_failures (at, username, remote) VALUES (?1, ?2, ?3)";
/* A failure stops counting against its username (a login, or an admin's unlock) but
 * still counts against its address, so that a guessing address stays slowed down. */
static const char *const sql_fail_clear =
    "UPDATE login_failures SET user_cleared = 1 WHERE username = ?1 AND user_cleared = 0";

static void read_user(struct dbst *st, void *p)
{
	struct user *u = p;
	u->id = db_col_int64(st, 0);
	u->username = db_col_text(st, 1);
	u->display_name = db_col_text(st, 2);
	u->role = role_parse(db_col_cstr(st, 3));
	u->active = db_col_int(st, 4) != 0;
	u->created_at = db_col_int64(st, 5);
}

int store_user_insert(struct db *db, const struct user *u, const char *password_hash, int64_t *id)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt(db, &sql_insert);
	if (!st)
		return db_stmt_err(db);
	db_bind_text(st, 1, u->username);
	db_bind_text(st, 2, u->display_name);
	db_bind_text(st, 3, role_name(u->role));
	db_bind_text(st, 4, password_hash);
	db_bind_int(st, 5, u->active ? 1 : 0);
	db_bind_int(st, 6, u->created_at);
	return db_insert(db, st, id);
}

int store_user_get(struct db *db, int64_t id, struct user *out)
{
	return db_get_one(db, db_stmt_id(db, &sql_get, id), read_user, out);
}

/* Where a login look-up puts the user and the password hash that follows its columns. */
struct login {
	struct user *user;
	char **password_hash;
};

static void read_login(struct dbst *st, void *p)
{
	struct login *l = p;
	read_user(st, l->user);
	*l->password_hash = db_col_text(st, 6);
}

int store_user_by_name(struct db *db, const char *username, struct user *out, char **password_hash)
{
	struct login l = {out, password_hash};
	return db_get_one(db, db_stmt_text(db, &sql_by_name, username), read_login, &l);
}

void users_free(struct user *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		user_cleanup(&list[i]);
	free(list);
}

static void free_users(void *p, size_t n)
{
	users_free(p, n);
}

int store_user_list(struct db *db, struct user **out, size_t *n)
{
	return db_collect(db, db_stmt(db, &sql_list), sizeof **out, read_user, free_users,
			  (void **)out, n);
}

int store_user_update(struct db *db, const struct user *u)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_id(db, &sql_update, u->id);
	if (!st)
		return db_stmt_err(db);
	db_bind_text(st, 2, u->display_name);
	db_bind_text(st, 3, role_name(u->role));
	db_bind_int(st, 4, u->active ? 1 : 0);
	db_auth_changed(db);
	return db_exec_stmt(db, st);
}

int store_user_set_password(struct db *db, int64_t id, const char *password_hash)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_id(db, &sql_set_pw, id);
	if (!st)
		return db_stmt_err(db);
	db_bind_text(st, 2, password_hash);
	db_auth_changed(db);
	return db_exec_stmt(db, st);
}

int store_user_count(struct db *db, int64_t *n)
{
	return db_query_int(db, db_stmt(db, &sql_count), n);
}

int store_user_count_admins(struct db *db, int64_t except_id, int64_t *n)
{
	return db_query_int(db, db_stmt_id(db, &sql_count_admins, except_id), n);
}

int store_session_insert(struct db *db, const uint8_t hash[32], int64_t user_id, const char *csrf,
			 int64_t now, int64_t expires_at)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_blob(db, &sql_sess_insert, hash, 32);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 2, user_id);
	db_bind_text(st, 3, csrf);
	db_bind_int(st, 4, now);
	db_bind_int(st, 5, expires_at);
	return db_exec_stmt(db, st);
}

static void read_session(struct dbst *st, void *p)
{
	struct auth_session *out = p;
	memset(out, 0, sizeof *out);
	read_user(st, &out->user);
	const char *csrf = db_col_cstr(st, 6);
	size_t n = csrf ? strlen(csrf) : 0;
	if (n >= sizeof out->csrf)
		n = sizeof out->csrf - 1;
	if (n)
		memcpy(out->csrf, csrf, n);
	out->csrf[n] = '\0';
	out->created_at = db_col_int64(st, 7);
	out->last_seen = db_col_int64(st, 8);
	out->expires_at = db_col_int64(st, 9);
}

int store_session_get(struct db *db, const uint8_t hash[32], struct auth_session *out)
{
	return db_get_one(db, db_stmt_blob(db, &sql_sess_get, hash, 32), read_session, out);
}

int store_session_touch(struct db *db, const uint8_t hash[32], int64_t now)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_blob(db, &sql_sess_touch, hash, 32);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 2, now);
	db_auth_changed(db);
	return db_exec_stmt(db, st);
}

/* The deletions below mark the transaction as one that changes who is logged in before
 * they run; when the write fails, the rollback clears the mark. */
int store_session_delete(struct db *db, const uint8_t hash[32])
{
	assert(db_in_write(db));
	db_auth_changed(db);
	return db_exec_stmt(db, db_stmt_blob(db, &sql_sess_delete, hash, 32));
}

int store_session_delete_user(struct db *db, int64_t user_id)
{
	assert(db_in_write(db));
	db_auth_changed(db);
	return db_exec_stmt(db, db_stmt_id(db, &sql_sess_delete_user, user_id));
}

int store_session_purge(struct db *db, int64_t now)
{
	assert(db_in_write(db));
	db_auth_changed(db);
	return db_exec_stmt(db, db_stmt_id(db, &sql_sess_purge, now));
}

/* The failed logins of key, a username or a remote address, at or after since. */
static int count_failures(struct db *db, const char *const *sql, const char *key, int64_t since,
			  int64_t *out)
{
	struct dbst *st = db_stmt_text(db, sql, key);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 2, since);
	return db_query_int(db, st, out);
}

int store_login_failures(struct db *db, const char *username, const char *remote, int64_t since,
			 int64_t *by_user, int64_t *by_remote)
{
	int err = count_failures(db, &sql_fail_user, username, since, by_user);
	return err ? err : count_failures(db, &sql_fail_remote, remote, since, by_remote);
}

int store_login_failure_add(struct db *db, const char *username, const char *remote, int64_t now)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt(db, &sql_fail_add);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 1, now);
	db_bind_text(st, 2, username);
	db_bind_text(st, 3, remote);
	return db_exec_stmt(db, st);
}

int store_login_failures_clear(struct db *db, const char *username)
{
	assert(db_in_write(db));
	return db_exec_stmt(db, db_stmt_text(db, &sql_fail_clear, username));
}

const struct hot_query store_users_hot[] = {
    {"session by token", &sql_sess_get},
    {"user by name", &sql_by_name},
    {"failed logins by user", &sql_fail_user},
    {"failed logins by address", &sql_fail_remote},
    {NULL, NULL},
};
