/* Message templates the clinic wrote, kept in message_templates by their names. */
#include "store/templates.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "domain/templates.h"
#include "util/err.h"

#define COLS "kind, language, channel, subject, body_text, body_html, updated_by, updated_at"

static const char *const sql_get = "SELECT " COLS " FROM message_templates "
				   "WHERE kind = ?1 AND language = ?2 AND channel = ?3";
static const char *const sql_list =
    "SELECT " COLS " FROM message_templates ORDER BY kind, language, channel";
static const char *const sql_put =
    "INSERT INTO message_templates (" COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
    "ON CONFLICT (kind, language, channel) DO UPDATE SET subject = excluded.subject, "
    "body_text = excluded.body_text, body_html = excluded.body_html, "
    "updated_by = excluded.updated_by, updated_at = excluded.updated_at";
static const char *const sql_drop =
    "DELETE FROM message_templates WHERE kind = ?1 AND language = ?2 AND channel = ?3";

void msg_template_cleanup(struct msg_template *t)
{
	free(t->subject);
	free(t->body_text);
	free(t->body_html);
	memset(t, 0, sizeof *t);
}

void msg_templates_free(struct msg_template *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		msg_template_cleanup(&list[i]);
	free(list);
}

static void free_list(void *list, size_t n)
{
	msg_templates_free(list, n);
}

static void read_template(struct dbst *st, void *out)
{
	struct msg_template *t = out;
	memset(t, 0, sizeof *t);
	t->kind = tmpl_kind_parse(db_col_cstr(st, 0));
	const char *lang = db_col_cstr(st, 1);
	snprintf(t->language, sizeof t->language, "%s", lang ? lang : "");
	t->channel = tmpl_channel_parse(db_col_cstr(st, 2));
	t->subject = db_col_text(st, 3);
	t->body_text = db_col_text(st, 4);
	t->body_html = db_col_text(st, 5);
	t->updated_by = db_col_null(st, 6) ? 0 : db_col_int64(st, 6);
	t->updated_at = db_col_int64(st, 7);
}

/* The statement sql with its key (?1 kind, ?2 language, ?3 channel) bound. */
static struct dbst *keyed(struct db *db, const char *const *sql, int kind, const char *language,
			  int channel)
{
	struct dbst *st = db_stmt_text(db, sql, tmpl_kind_name(kind));
	if (st && (db_bind_text(st, 2, language) != 0 ||
		   db_bind_text(st, 3, tmpl_channel_name(channel)) != 0)) {
		db_done(st);
		return NULL;
	}
	return st;
}

int store_template_get(struct db *db, int kind, const char *language, int channel,
		       struct msg_template *out)
{
	if (!tmpl_kind_name(kind) || !tmpl_channel_name(channel))
		return -ERR_NOT_FOUND;
	return db_get_one(db, keyed(db, &sql_get, kind, language, channel), read_template, out);
}

int store_template_list(struct db *db, struct msg_template **out, size_t *n)
{
	return db_collect(db, db_stmt(db, &sql_list), sizeof **out, read_template, free_list,
			  (void **)out, n);
}

int store_template_put(struct db *db, const struct msg_template *t)
{
	assert(db_in_write(db));
	struct dbst *st = keyed(db, &sql_put, t->kind, t->language, t->channel);
	if (!st)
		return db_stmt_err(db);
	db_bind_text(st, 4, t->subject);
	db_bind_text(st, 5, t->body_text);
	db_bind_text(st, 6, t->body_html);
	if (t->updated_by)
		db_bind_int(st, 7, t->updated_by);
	db_bind_int(st, 8, t->updated_at);
	return db_exec_stmt(db, st);
}

int store_template_drop(struct db *db, int kind, const char *language, int channel, bool *dropped)
{
	assert(db_in_write(db));
	struct dbst *st = keyed(db, &sql_drop, kind, language, channel);
	if (!st)
		return db_stmt_err(db);
	int err = db_exec_stmt(db, st);
	*dropped = !err && db_changes(db) > 0;
	return err;
}
