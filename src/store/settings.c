/* The clinic's settings, kept in the one row of clinic_settings. */
#include "store/settings.h"

#include <assert.h>
#include <string.h>

#include "db_internal.h"
#include "util/err.h"

static const char *const sql_get =
    "SELECT date_order, messages_show_treatment FROM clinic_settings WHERE id = 1";
static const char *const sql_put =
    "UPDATE clinic_settings SET date_order = ?1, messages_show_treatment = ?2 WHERE id = 1";

static void read_settings(struct dbst *st, void *out)
{
	struct clinic_settings *s = out;
	const char *order = db_col_cstr(st, 0);
	s->month_first = order && strcmp(order, "mdy") == 0;
	s->messages_show_treatment = db_col_int(st, 1) != 0;
}

int store_settings_get(struct db *db, struct clinic_settings *out)
{
	return db_get_one(db, db_stmt(db, &sql_get), read_settings, out);
}

int store_settings_put(struct db *db, const struct clinic_settings *s)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_text(db, &sql_put, s->month_first ? "mdy" : "dmy");
	if (st && db_bind_int(st, 2, s->messages_show_treatment ? 1 : 0) != 0) {
		db_done(st);
		return db_stmt_err(db);
	}
	return db_exec_stmt(db, st);
}
