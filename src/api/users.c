/* Users: the clinic's staff accounts (admin only), and the practitioner list (all). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/handlers.h"
#include "store/users.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/secrets.h"
#include "util/xalloc.h"

#define MIN_PASSWORD 10

json_t *user_json(const struct user *u)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:b}", "id", (json_int_t)u->id, "username",
			 u->username ? u->username : "", "display_name",
			 u->display_name ? u->display_name : "", "role",
			 role_name(u->role) ? role_name(u->role) : "", "active", u->active);
}

static int check_username(struct api_ctx *ctx, const char *s)
{
	size_t n = strlen(s);
	if (n < 3 || n > 64)
		return api_fail_field(ctx, "username", "A username has 3 to 64 characters.");
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '.' ||
		      s[i] == '_' || s[i] == '-'))
			return api_fail_field(ctx, "username",
					      "A username uses only a-z, 0-9, '.', '_' and '-'.");
	return 0;
}

/* Lists users: all of them, or the active practitioners by id and name only. */
static int list_users(struct api_ctx *ctx, bool practitioners)
{
	struct user *list = NULL;
	size_t n = 0;
	int err = store_user_list(ctx->db, &list, &n);
	if (err)
		return err;
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++) {
		if (!practitioners)
			json_array_append_new(items, user_json(&list[i]));
		else if (list[i].role == ROLE_PRACTITIONER && list[i].active)
			json_array_append_new(items,
					      json_pack("{s:I, s:s}", "id", (json_int_t)list[i].id,
							"display_name", list[i].display_name));
	}
	users_free(list, n);
	api_reply_list(ctx, items, (int64_t)json_array_size(items));
	return 0;
}

int h_users_list(struct api_ctx *ctx)
{
	return list_users(ctx, false);
}

int h_practitioners_list(struct api_ctx *ctx)
{
	return list_users(ctx, true);
}

struct new_user {
	struct user u;
	const char *hash;
	const char *role;
};

static int insert_user(struct api_ctx *ctx, void *arg)
{
	struct new_user *nu = arg;
	int err = store_user_insert(ctx->db, &nu->u, nu->hash, &nu->u.id);
	return err ? err : api_audit(ctx, "create", "user", nu->u.id, nu->role);
}

int h_users_create(struct api_ctx *ctx)
{
	static const char *const allowed[] = {"username", "password", "role", "display_name", NULL};
	json_t *body;
	const char *username, *password, *role, *display;
	int err;

	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_str(ctx, body, "username", true, 1, 64, &username)) ||
	    (err = check_username(ctx, username)) ||
	    (err = jin_str(ctx, body, "password", true, MIN_PASSWORD, 256, &password)) ||
	    (err = jin_str(ctx, body, "role", true, 1, 32, &role)) ||
	    (err = jin_str(ctx, body, "display_name", true, 1, 100, &display)))
		return err;
	if (!role_parse(role))
		return api_fail_field(ctx, "role",
				      "The role is admin, front_desk or practitioner.");

	char hash[SECRETS_PWHASH_LEN];
	if (secrets_hash_password(password, hash) != 0)
		return -ERR_BUSY;
	struct new_user nu = {
	    .u =
		{
		    .username = (char *)username,
		    .display_name = (char *)display,
		    .role = role_parse(role),
		    .active = true,
		    .created_at = clock_now(),
		},
	    .hash = hash,
	    .role = role,
	};
	struct user u = nu.u;
	if ((err = api_run_write(ctx, insert_user, &nu)) != 0) {
		if (err == -ERR_DUPLICATE)
			return api_fail(ctx, err, "That username is taken.",
					json_pack("{s:s}", "field", "username"));
		return err;
	}
	u.id = nu.u.id;
	api_reply_created(ctx, user_json(&u), "/api/v1/users/", u.id, "");
	return 0;
}

int h_users_get(struct api_ctx *ctx)
{
	struct user u;
	int err = store_user_get(ctx->db, api_id(ctx, 0), &u);
	if (err)
		return err;
	api_reply(ctx, 200, user_json(&u));
	user_cleanup(&u);
	return 0;
}

struct user_change {
	const char *display, *role, *password, *hash;
	bool active, has_active;
};

static int update_user(struct api_ctx *ctx, void *arg)
{
	const struct user_change *c = arg;
	struct user u;
	int64_t id = api_id(ctx, 0);
	int err = store_user_get(ctx->db, id, &u);
	if (err)
		return err;
	bool was_admin = u.role == ROLE_ADMIN && u.active;
	if (c->display) {
		free(u.display_name);
		u.display_name = xstrdup(c->display);
	}
	if (c->role)
		u.role = role_parse(c->role);
	if (c->has_active)
		u.active = c->active;
	char detail[64] = "";
	snprintf(detail, sizeof detail, "%s%s%s%s", c->display ? "display_name " : "",
		 c->role ? "role " : "",
		 c->has_active ? (c->active ? "activated " : "deactivated ") : "",
		 c->password ? "password " : "");
	if (was_admin && !(u.role == ROLE_ADMIN && u.active)) {
		int64_t others = 0;
		err = store_user_count_admins(ctx->db, id, &others);
		if (!err && others == 0)
			err = api_fail(ctx, -ERR_LAST_ADMIN,
				       "The clinic must keep at least one active admin.", NULL);
	}
	if (!err)
		err = store_user_update(ctx->db, &u);
	if (!err && c->password)
		err = store_user_set_password(ctx->db, id, c->hash);
	/* Deactivation and a new password end every session the user has. */
	if (!err && (c->password || !u.active))
		err = store_session_delete_user(ctx->db, id);
	if (!err)
		err = api_audit(ctx, "update", "user", id, detail);
	if (!err)
		api_reply(ctx, 200, user_json(&u));
	user_cleanup(&u);
	return err;
}

int h_users_patch(struct api_ctx *ctx)
{
	static const char *const not_null[] = {"display_name", "role", "active", "password", NULL};
	static const char *const allowed[] = {"display_name", "role", "active", "password", NULL};
	json_t *body;
	const char *display, *role, *password;
	bool active = true, has_active;
	int err;

	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_no_null(ctx, body, not_null)) ||
	    (err = jin_str(ctx, body, "display_name", false, 1, 100, &display)) ||
	    (err = jin_str(ctx, body, "role", false, 1, 32, &role)) ||
	    (err = jin_bool(ctx, body, "active", false, &active, &has_active)) ||
	    (err = jin_str(ctx, body, "password", false, MIN_PASSWORD, 256, &password)))
		return err;
	if (role && !role_parse(role))
		return api_fail_field(ctx, "role",
				      "The role is admin, front_desk or practitioner.");

	char hash[SECRETS_PWHASH_LEN];
	if (password && secrets_hash_password(password, hash) != 0)
		return -ERR_BUSY;

	struct user_change c = {display, role, password, hash, active, has_active};
	return api_run_write(ctx, update_user, &c);
}

int h_users_unlock(struct api_ctx *ctx)
{
	static const char *const none[] = {NULL};
	struct user u;
	int64_t id = api_id(ctx, 0);
	int err;
	if (ctx->body && (err = jin_only(ctx, ctx->body, none)) != 0)
		return err;
	if ((err = store_user_get(ctx->db, id, &u)) != 0)
		return err;
	/* The failed logins counted against the username are forgotten; those counted
	 * against an address are not, so a guessing address stays slowed down. */
	err = store_login_failures_clear(ctx->db, u.username);
	if (!err)
		err = api_audit(ctx, "unlock", "user", id, NULL);
	if (!err)
		api_reply(ctx, 200, user_json(&u));
	user_cleanup(&u);
	return err;
}
