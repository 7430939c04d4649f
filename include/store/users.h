/* Users, their login sessions and failed-login records. */
#ifndef COLLAGENDA_STORE_USERS_H
#define COLLAGENDA_STORE_USERS_H

#include <stddef.h>
#include <stdint.h>

#include "domain/model.h"
#include "store/db.h"

/* Inserts a user; *id gets the new id. -ERR_DUPLICATE when the username is taken. */
int store_user_insert(struct db *db, const struct user *u, const char *password_hash, int64_t *id)
    __attribute__((warn_unused_result));

/* Reads user id into *out (clean up with user_cleanup); -ERR_NOT_FOUND. */
int store_user_get(struct db *db, int64_t id, struct user *out) __attribute__((warn_unused_result));

/* Reads a user by username, with the password hash (caller frees); -ERR_NOT_FOUND. */
int store_user_by_name(struct db *db, const char *username, struct user *out, char **password_hash)
    __attribute__((warn_unused_result));

/* All users ordered by id; free with users_free. */
int store_user_list(struct db *db, struct user **out, size_t *n)
    __attribute__((warn_unused_result));
void users_free(struct user *list, size_t n);

/* Writes display_name, role and active of u. */
int store_user_update(struct db *db, const struct user *u) __attribute__((warn_unused_result));
int store_user_set_password(struct db *db, int64_t id, const char *password_hash)
    __attribute__((warn_unused_result));
int store_user_count(struct db *db, int64_t *n) __attribute__((warn_unused_result));
/* Active admins other than except_id. */
int store_user_count_admins(struct db *db, int64_t except_id, int64_t *n)
    __attribute__((warn_unused_result));

/* A login session joined with its user. */
struct auth_session {
	struct user user;
	char csrf[64];
	int64_t created_at;
	int64_t last_seen;
	int64_t expires_at;
};

int store_session_insert(struct db *db, const uint8_t hash[32], int64_t user_id, const char *csrf,
			 int64_t now, int64_t expires_at) __attribute__((warn_unused_result));
/* The session with this token hash, if its user is active; -ERR_NOT_FOUND otherwise.
 * Clean up out->user with user_cleanup. */
int store_session_get(struct db *db, const uint8_t hash[32], struct auth_session *out)
    __attribute__((warn_unused_result));
int store_session_touch(struct db *db, const uint8_t hash[32], int64_t now)
    __attribute__((warn_unused_result));
int store_session_delete(struct db *db, const uint8_t hash[32]) __attribute__((warn_unused_result));
/* Ends every session of a user (deactivation, password reset). */
int store_session_delete_user(struct db *db, int64_t user_id) __attribute__((warn_unused_result));
/* Removes sessions that expired before now. */
int store_session_purge(struct db *db, int64_t now) __attribute__((warn_unused_result));

/* Failures since since: for this username and for this address. */
int store_login_failures(struct db *db, const char *username, const char *remote, int64_t since,
			 int64_t *by_user, int64_t *by_remote) __attribute__((warn_unused_result));
int store_login_failure_add(struct db *db, const char *username, const char *remote, int64_t now)
    __attribute__((warn_unused_result));
/* Stops counting a username's failures against it (after a login or an unlock); they
 * still count against their addresses. */
int store_login_failures_clear(struct db *db, const char *username)
    __attribute__((warn_unused_result));

#endif
