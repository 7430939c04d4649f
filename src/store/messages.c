/* The outbox of patient messages and the appointment columns the messages read. */
#include "store/messages.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "domain/messages.h"
#include "util/err.h"
#include "util/xalloc.h"

#define MSG_COLS                                                                                \
	"id, kind, status, appointment_id, patient_id, plan_id, channel, recipient, sequence, " \
	"due_at, next_try_at, sent_at, created_at, link_used_at, tries, last_error, idem_key, " \
	"message_id, segments"

static const char *const sql_insert =
    "INSERT INTO messages (kind, appointment_id, patient_id, plan_id, channel, recipient, "
    "sequence, due_at, next_try_at, idem_key, message_id, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?11, ?5, ?6, ?7, ?7, ?8, ?9, ?10) "
    "ON CONFLICT (idem_key) DO NOTHING";
static const char *const sql_cancel_reminders =
    "UPDATE messages SET status = 'cancelled' "
    "WHERE appointment_id = ?1 AND kind = 'reminder' AND status = 'queued'";
/* Re-planning the queued reminders of one channel (?1) when the clinic changes its offset
 * (?2, in seconds before the start): the rows of booked appointments whose new time is
 * still ahead of now (?3) move to it; the others are cancelled, as all of them are when
 * the offset is 0. A row already sent, failed or cancelled is never touched. */
static const char *const sql_replan_move =
    "UPDATE messages SET due_at = a.start_at - ?2, next_try_at = a.start_at - ?2 "
    "FROM appointments a WHERE a.id = messages.appointment_id "
    "AND messages.status = 'queued' AND messages.kind = 'reminder' AND messages.channel = ?1 "
    "AND a.status = 'booked' AND a.start_at - ?2 > ?3 AND messages.due_at <> a.start_at - ?2";
static const char *const sql_replan_cancel_passed =
    "UPDATE messages SET status = 'cancelled', last_error = 'reminder time passed', "
    "claimed_by = NULL, claimed_until = NULL "
    "FROM appointments a WHERE a.id = messages.appointment_id "
    "AND messages.status = 'queued' AND messages.kind = 'reminder' AND messages.channel = ?1 "
    "AND a.start_at - ?2 <= ?3";
static const char *const sql_replan_cancel_all =
    "UPDATE messages SET status = 'cancelled', last_error = 'reminders turned off', "
    "claimed_by = NULL, claimed_until = NULL "
    "WHERE status = 'queued' AND kind = 'reminder' AND channel = ?1";
/* A row another sender holds is left out until its lease runs out. */
static const char *const sql_due = "SELECT " MSG_COLS " FROM messages "
				   "WHERE status = 'queued' AND next_try_at <= ?1 "
				   "AND (claimed_until IS NULL OR claimed_until < ?1) "
				   "ORDER BY next_try_at, id LIMIT ?2";
static const char *const sql_due_channel = "SELECT " MSG_COLS " FROM messages "
					   "WHERE status = 'queued' AND next_try_at <= ?1 "
					   "AND (claimed_until IS NULL OR claimed_until < ?1) "
					   "AND channel = ?3 ORDER BY next_try_at, id LIMIT ?2";
static const char *const sql_cancel_channel =
    "UPDATE messages SET status = 'cancelled', last_error = ?3 "
    "WHERE patient_id = ?1 AND channel = ?2 AND status = 'queued'";
static const char *const sql_postpone =
    "UPDATE messages SET next_try_at = ?2, claimed_by = NULL, claimed_until = NULL "
    "WHERE id = ?1 AND status = 'queued'";
static const char *const sql_claim = "UPDATE messages SET claimed_by = ?2, claimed_until = ?3 "
				     "WHERE id = ?1 AND status = 'queued' AND next_try_at <= ?4 "
				     "AND (claimed_until IS NULL OR claimed_until < ?4)";
static const char *const sql_mark_sent =
    "UPDATE messages SET status = 'sent', sent_at = ?2, tries = tries + 1, last_error = NULL, "
    "segments = ?3, claimed_by = NULL, claimed_until = NULL "
    "WHERE id = ?1 AND status = 'queued'";
static const char *const sql_mark_try =
    "UPDATE messages SET tries = ?2, next_try_at = ?3, status = ?4, last_error = ?5, "
    "claimed_by = NULL, claimed_until = NULL WHERE id = ?1 AND status = 'queued'";
static const char *const sql_mark_cancelled =
    "UPDATE messages SET status = 'cancelled', last_error = ?2, claimed_by = NULL, "
    "claimed_until = NULL WHERE id = ?1 AND status = 'queued'";
static const char *const sql_requeue =
    "UPDATE messages SET status = 'queued', tries = 0, next_try_at = ?2 "
    "WHERE id = ?1 AND status = 'failed'";
static const char *const sql_get = "SELECT " MSG_COLS " FROM messages WHERE id = ?1";
static const char *const sql_list_appt = "SELECT " MSG_COLS " FROM messages "
					 "WHERE appointment_id = ?1 ORDER BY id DESC LIMIT ?2";
static const char *const sql_list_patient = "SELECT " MSG_COLS " FROM messages "
					    "WHERE patient_id = ?1 ORDER BY id DESC LIMIT ?2";
static const char *const sql_list_status = "SELECT " MSG_COLS " FROM messages "
					   "WHERE status = ?1 ORDER BY id DESC LIMIT ?2";
static const char *const sql_facts =
    "SELECT a.start_at, a.end_at, a.status, a.ical_sequence, a.confirmed_at, p.first_name, "
    "p.email, p.archived, t.name, s.messages_show_treatment, p.phone, p.contact_email, "
    "p.contact_sms, p.language, t.aftercare_text "
    "FROM appointments a JOIN patients p ON p.id = a.patient_id "
    "LEFT JOIN plans pl ON pl.id = a.plan_id "
    "LEFT JOIN treatment_types t ON t.code = pl.treatment_type "
    "JOIN clinic_settings s ON s.id = 1 WHERE a.id = ?1";
static const char *const sql_bump =
    "UPDATE appointments SET ical_sequence = ical_sequence + 1 WHERE id = ?1";
static const char *const sql_sequence = "SELECT ical_sequence FROM appointments WHERE id = ?1";
static const char *const sql_confirm =
    "UPDATE appointments SET confirmed_at = ?2 WHERE id = ?1 AND confirmed_at IS NULL";
static const char *const sql_unconfirm =
    "UPDATE appointments SET confirmed_at = NULL WHERE id = ?1 AND confirmed_at IS NOT NULL";
static const char *const sql_link_use =
    "UPDATE messages SET link_used_at = ?2 WHERE id = ?1 AND link_used_at IS NULL";
static const char *const sql_key_get = "SELECT key FROM message_keys WHERE id = 1";
static const char *const sql_key_put =
    "INSERT INTO message_keys (id, key) VALUES (1, ?1) ON CONFLICT (id) DO NOTHING";

void msg_row_cleanup(struct msg_row *m)
{
	free(m->channel);
	free(m->recipient);
	free(m->last_error);
	free(m->idem_key);
	free(m->message_id);
	memset(m, 0, sizeof *m);
}

void msg_rows_free(struct msg_row *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		msg_row_cleanup(&list[i]);
	free(list);
}

static int64_t col_int_or_0(struct dbst *st, int col)
{
	return db_col_null(st, col) ? 0 : db_col_int64(st, col);
}

static void read_row(struct dbst *st, void *out)
{
	struct msg_row *m = out;
	m->id = db_col_int64(st, 0);
	m->kind = msg_kind_parse(db_col_cstr(st, 1));
	m->status = msg_status_parse(db_col_cstr(st, 2));
	m->appointment_id = col_int_or_0(st, 3);
	m->patient_id = db_col_int64(st, 4);
	m->plan_id = col_int_or_0(st, 5);
	m->channel = db_col_text(st, 6);
	m->recipient = db_col_text(st, 7);
	m->sequence = db_col_int64(st, 8);
	m->due_at = db_col_int64(st, 9);
	m->next_try_at = db_col_int64(st, 10);
	m->sent_at = col_int_or_0(st, 11);
	m->created_at = db_col_int64(st, 12);
	m->link_used_at = col_int_or_0(st, 13);
	m->tries = db_col_int(st, 14);
	m->last_error = db_col_text(st, 15);
	m->idem_key = db_col_text(st, 16);
	m->message_id = db_col_text(st, 17);
	m->segments = (int)col_int_or_0(st, 18);
}

int store_msg_insert(struct db *db, const struct msg_row *m, bool *inserted)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt(db, &sql_insert);
	if (!st)
		return db_stmt_err(db);
	db_bind_text(st, 1, msg_kind_name(m->kind));
	if (m->appointment_id)
		db_bind_int(st, 2, m->appointment_id);
	db_bind_int(st, 3, m->patient_id);
	if (m->plan_id)
		db_bind_int(st, 4, m->plan_id);
	db_bind_text(st, 5, m->recipient);
	db_bind_int(st, 6, m->sequence);
	db_bind_int(st, 7, m->due_at);
	db_bind_text(st, 8, m->idem_key);
	db_bind_text(st, 9, m->message_id);
	db_bind_int(st, 10, m->created_at);
	db_bind_text(st, 11, m->channel ? m->channel : "email");
	int err = db_exec_stmt(db, st);
	if (err)
		return err;
	*inserted = db_changes(db) == 1;
	return 0;
}

int store_msg_cancel_reminders(struct db *db, int64_t appt_id)
{
	assert(db_in_write(db));
	return db_exec_stmt(db, db_stmt_id(db, &sql_cancel_reminders, appt_id));
}

int store_msg_replan_reminders(struct db *db, const char *channel, int hours, int64_t now,
			       int64_t *changed)
{
	assert(db_in_write(db));
	*changed = 0;
	if (hours <= 0) {
		int err = db_exec_stmt(db, db_stmt_text(db, &sql_replan_cancel_all, channel));
		if (!err)
			*changed = db_changes(db);
		return err;
	}
	const char *const *steps[] = {&sql_replan_cancel_passed, &sql_replan_move};
	for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
		struct dbst *st = db_stmt_text(db, steps[i], channel);
		if (st) {
			db_bind_int(st, 2, (int64_t)hours * 3600);
			db_bind_int(st, 3, now);
		}
		int err = db_exec_stmt(db, st);
		if (err)
			return err;
		*changed += db_changes(db);
	}
	return 0;
}

/* Steps st (bound, limit rows at most) into a fresh array of rows. */
static int read_rows(struct db *db, struct dbst *st, int limit, struct msg_row **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!st)
		return db_stmt_err(db);
	struct msg_row *list = xcalloc(limit > 0 ? (size_t)limit : 1, sizeof *list);
	size_t k = 0;
	int rc;
	while ((rc = db_step(db, st)) == DB_ROW && k < (size_t)limit)
		read_row(st, &list[k++]);
	db_done(st);
	if (rc < 0) {
		msg_rows_free(list, k);
		return rc;
	}
	*out = list;
	*n = k;
	return 0;
}

int store_msg_due(struct db *db, int64_t now, const char *channel, int limit, struct msg_row **out,
		  size_t *n)
{
	struct dbst *st = channel ? db_stmt(db, &sql_due_channel) : db_stmt(db, &sql_due);
	if (st) {
		db_bind_int(st, 1, now);
		db_bind_int(st, 2, limit);
		if (channel)
			db_bind_text(st, 3, channel);
	}
	return read_rows(db, st, limit, out, n);
}

int store_msg_claim(struct db *db, int64_t id, const char *by, int64_t until, int64_t now,
		    bool *claimed)
{
	assert(db_in_write(db));
	*claimed = false;
	struct dbst *st = db_stmt_id(db, &sql_claim, id);
	if (!st)
		return db_stmt_err(db);
	db_bind_text(st, 2, by);
	db_bind_int(st, 3, until);
	db_bind_int(st, 4, now);
	int err = db_exec_stmt(db, st);
	if (!err)
		*claimed = db_changes(db) == 1;
	return err;
}

int store_msg_mark_sent(struct db *db, int64_t id, int64_t now, int segments, int64_t *changed)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_id(db, &sql_mark_sent, id);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 2, now);
	if (segments > 0)
		db_bind_int(st, 3, segments);
	int err = db_exec_stmt(db, st);
	*changed = err ? 0 : db_changes(db);
	return err;
}

int store_msg_mark_failed_try(struct db *db, int64_t id, int tries, int64_t next_try_at, int status,
			      const char *error)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_id(db, &sql_mark_try, id);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 2, tries);
	db_bind_int(st, 3, next_try_at);
	db_bind_text(st, 4, msg_status_name(status));
	db_bind_text(st, 5, error);
	return db_exec_stmt(db, st);
}

int store_msg_mark_cancelled(struct db *db, int64_t id, const char *why)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_id(db, &sql_mark_cancelled, id);
	if (st && why)
		db_bind_text(st, 2, why);
	return db_exec_stmt(db, st);
}

int store_msg_postpone(struct db *db, int64_t id, int64_t next_try_at)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_id(db, &sql_postpone, id);
	if (st)
		db_bind_int(st, 2, next_try_at);
	return db_exec_stmt(db, st);
}

int store_msg_cancel_channel(struct db *db, int64_t patient_id, const char *channel,
			     const char *why)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_id(db, &sql_cancel_channel, patient_id);
	if (st) {
		db_bind_text(st, 2, channel);
		db_bind_text(st, 3, why);
	}
	return db_exec_stmt(db, st);
}

int store_msg_requeue(struct db *db, int64_t id, int64_t now, int64_t *changed)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_id(db, &sql_requeue, id);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 2, now);
	int err = db_exec_stmt(db, st);
	*changed = err ? 0 : db_changes(db);
	return err;
}

int store_msg_get(struct db *db, int64_t id, struct msg_row *out)
{
	memset(out, 0, sizeof *out);
	return db_get_one(db, db_stmt_id(db, &sql_get, id), read_row, out);
}

int store_msg_list(struct db *db, const struct msg_filter *f, struct msg_row **out, size_t *n)
{
	struct dbst *st;
	if (f->appointment_id)
		st = db_stmt_id(db, &sql_list_appt, f->appointment_id);
	else if (f->patient_id)
		st = db_stmt_id(db, &sql_list_patient, f->patient_id);
	else
		st = db_stmt_text(db, &sql_list_status,
				  msg_status_name(f->status ? f->status : MSG_FAILED));
	if (st)
		db_bind_int(st, 2, f->limit);
	return read_rows(db, st, f->limit, out, n);
}

void msg_send_facts_cleanup(struct msg_send_facts *f)
{
	free(f->status);
	free(f->first_name);
	free(f->email);
	free(f->treatment_name);
	free(f->phone);
	free(f->aftercare_text);
	memset(f, 0, sizeof *f);
}

static void read_facts(struct dbst *st, void *out)
{
	struct msg_send_facts *f = out;
	f->start = db_col_int64(st, 0);
	f->end = db_col_int64(st, 1);
	f->status = db_col_text(st, 2);
	f->sequence = db_col_int64(st, 3);
	f->confirmed_at = col_int_or_0(st, 4);
	f->first_name = db_col_text(st, 5);
	f->email = db_col_text(st, 6);
	f->archived = db_col_int(st, 7);
	f->treatment_name = db_col_text(st, 8);
	f->show_treatment = db_col_int(st, 9);
	f->phone = db_col_text(st, 10);
	f->contact_email = db_col_int(st, 11) != 0;
	f->contact_sms = db_col_int(st, 12) != 0;
	const char *lang = db_col_cstr(st, 13);
	snprintf(f->language, sizeof f->language, "%s", lang ? lang : "en");
	f->aftercare_text = db_col_text(st, 14);
}

int store_msg_send_facts(struct db *db, int64_t appt_id, struct msg_send_facts *out)
{
	memset(out, 0, sizeof *out);
	return db_get_one(db, db_stmt_id(db, &sql_facts, appt_id), read_facts, out);
}

int store_appt_next_sequence(struct db *db, int64_t appt_id, int64_t *seq)
{
	assert(db_in_write(db));
	int err = db_exec_stmt(db, db_stmt_id(db, &sql_bump, appt_id));
	return err ? err : store_appt_sequence(db, appt_id, seq);
}

int store_appt_sequence(struct db *db, int64_t appt_id, int64_t *seq)
{
	return db_query_int(db, db_stmt_id(db, &sql_sequence, appt_id), seq);
}

int store_appt_confirm(struct db *db, int64_t appt_id, int64_t now)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_id(db, &sql_confirm, appt_id);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 2, now);
	return db_exec_stmt(db, st);
}

int store_appt_unconfirm(struct db *db, int64_t appt_id)
{
	assert(db_in_write(db));
	return db_exec_stmt(db, db_stmt_id(db, &sql_unconfirm, appt_id));
}

int store_msg_link_use(struct db *db, int64_t id, int64_t now, int64_t *changed)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_id(db, &sql_link_use, id);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 2, now);
	int err = db_exec_stmt(db, st);
	*changed = err ? 0 : db_changes(db);
	return err;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The key is kept as 64 lower-case hex digits. */
static void read_key(struct dbst *st, void *out)
{
	unsigned char *k = out;
	const char *hex = db_col_cstr(st, 0);
	if (!hex || strlen(hex) != 64)
		return;
	for (int i = 0; i < 32; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return;
		k[i] = (unsigned char)(hi << 4 | lo);
	}
}

int store_msg_key(struct db *db, const unsigned char fresh[32], unsigned char out[32])
{
	memset(out, 0, 32);
	int err = db_get_one(db, db_stmt(db, &sql_key_get), read_key, out);
	if (err != -ERR_NOT_FOUND)
		return err;
	char hex[65];
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = "0123456789abcdef"[fresh[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[fresh[i] & 15];
	}
	hex[64] = '\0';
	if ((err = db_exec_stmt(db, db_stmt_text(db, &sql_key_put, hex))) != 0)
		return err;
	return db_get_one(db, db_stmt(db, &sql_key_get), read_key, out);
}

const struct hot_query store_messages_hot[] = {
    {"re-plan reminders: move", &sql_replan_move},
    {"re-plan reminders: cancel passed", &sql_replan_cancel_passed},
    {"re-plan reminders: cancel all", &sql_replan_cancel_all},
    {NULL, NULL},
};
