/* The clinic's settings, kept in the one row of clinic_settings. */
#include "store/settings.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "db_internal.h"
#include "util/err.h"

static const char *const sql_get =
    "SELECT date_order, messages_show_treatment, reminder_email_hours, reminder_sms_hours, "
    "quiet_start_min, quiet_end_min, clinic_phone FROM clinic_settings WHERE id = 1";
static const char *const sql_put =
    "UPDATE clinic_settings SET date_order = ?1, messages_show_treatment = ?2, "
    "reminder_email_hours = ?3, reminder_sms_hours = ?4, quiet_start_min = ?5, "
    "quiet_end_min = ?6, clinic_phone = ?7 WHERE id = 1";

static void read_settings(struct dbst *st, void *out)
{
	struct clinic_settings *s = out;
	const char *order = db_col_cstr(st, 0);
	s->month_first = order && strcmp(order, "mdy") == 0;
	s->messages_show_treatment = db_col_int(st, 1) != 0;
	s->reminder_email_hours = db_col_int(st, 2);
	s->reminder_sms_hours = db_col_int(st, 3);
	s->quiet_start_min = db_col_int(st, 4);
	s->quiet_end_min = db_col_int(st, 5);
	const char *phone = db_col_cstr(st, 6);
	snprintf(s->clinic_phone, sizeof s->clinic_phone, "%s", phone ? phone : "");
}

int store_settings_get(struct db *db, struct clinic_settings *out)
{
	memset(out, 0, sizeof *out);
	return db_get_one(db, db_stmt(db, &sql_get), read_settings, out);
}

int store_settings_put(struct db *db, const struct clinic_settings *s)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_text(db, &sql_put, s->month_first ? "mdy" : "dmy");
	if (st && (db_bind_int(st, 2, s->messages_show_treatment ? 1 : 0) != 0 ||
		   db_bind_int(st, 3, s->reminder_email_hours) != 0 ||
		   db_bind_int(st, 4, s->reminder_sms_hours) != 0 ||
		   db_bind_int(st, 5, s->quiet_start_min) != 0 ||
		   db_bind_int(st, 6, s->quiet_end_min) != 0 ||
		   (s->clinic_phone[0] ? db_bind_text(st, 7, s->clinic_phone)
				       : db_bind_null(st, 7)) != 0)) {
		db_done(st);
		return db_stmt_err(db);
	}
	return db_exec_stmt(db, st);
}
