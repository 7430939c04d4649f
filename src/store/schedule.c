/* Plans, their areas, appointments, overlap and neighbour queries, and recall rows. */
#include "store/schedule.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "domain/messages.h"
#include "util/err.h"
#include "util/xalloc.h"

/* True for an appointment that holds its time: booked, checked in or completed. Written as
 * comparisons, not "IN (...)": SQLite builds a temporary B-tree for an IN list of three or
 * more values on every run of the statement. */
#define HOLDING(col) "(" col " = 'booked' OR " col " = 'checked_in' OR " col " = 'completed')"
/* Overlap queries look back no further than the longest appointment, so the index on
 * (party, start_at) bounds them on both sides. */
#define MAX_SPAN_S (APPT_MAX_MINUTES * 60)

#define PLAN_COLS                                                                                 \
	"id, patient_id, treatment_type, indication, planned_sessions, min_interval_days, "       \
	"max_interval_days, practitioner_id, status, notes, created_at, created_by, updated_at, " \
	"holding, completed, pending, last_start, override_reason"
static const char *const sql_plan_insert =
    "INSERT INTO plans (patient_id, treatment_type, indication, planned_sessions, "
    "min_interval_days, max_interval_days, practitioner_id, status, notes, created_at, "
    "created_by, updated_at, override_reason) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?10, ?12)";
static const char *const sql_plan_area_insert =
    "INSERT INTO plan_areas (plan_id, area) VALUES (?1, ?2)";
static const char *const sql_plan_get = "SELECT " PLAN_COLS " FROM plans WHERE id = ?1";
static const char *const sql_plan_areas =
    "SELECT area FROM plan_areas WHERE plan_id = ?1 ORDER BY area";
static const char *const sql_plan_update =
    "UPDATE plans SET planned_sessions = ?2, min_interval_days = ?3, max_interval_days = ?4, "
    "practitioner_id = ?5, status = ?6, notes = ?7, updated_at = ?8, override_reason = ?9 "
    "WHERE id = ?1";
static const char *const sql_plan_list =
    "SELECT " PLAN_COLS " FROM plans WHERE patient_id = ?1 ORDER BY id DESC";
static const char *const sql_plan_progress = "SELECT count(*) FILTER (WHERE " HOLDING(
    "status") "), "
	      "count(*) FILTER (WHERE status = 'completed'), "
	      "count(*) FILTER (WHERE status IN ('booked', 'checked_in')), "
	      "max(start_at) FILTER (WHERE " HOLDING(
		  "status") ") "
			    "FROM appointments WHERE plan_id = ?1 AND id <> ?2";

#define APPT_COLS                                                                                 \
	"a.id, a.patient_id, a.plan_id, a.session_number, a.kind, a.practitioner_id, a.room_id, " \
	"a.start_at, a.end_at, a.status, a.late_cancel, a.override_reason, a.cancel_reason, "     \
	"a.notes, a.created_at, a.created_by, a.updated_at, a.status_changed_at, "                \
	"a.status_changed_by, a.confirmed_at"
/* The row's patient and plan labels (schema v9) come from scalar look-ups: an INSERT …
 * SELECT into a table with an insert trigger would go through a temporary table. */
static const char *const sql_appt_insert =
    "INSERT INTO appointments (patient_id, plan_id, session_number, kind, practitioner_id, "
    "room_id, start_at, end_at, status, late_cancel, override_reason, cancel_reason, notes, "
    "created_at, created_by, updated_at, patient_first_name, patient_last_name, patient_mrn, "
    "plan_treatment_type, plan_planned_sessions) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?14, "
    "(SELECT first_name FROM patients WHERE id = ?1), "
    "(SELECT last_name FROM patients WHERE id = ?1), (SELECT mrn FROM patients WHERE id = ?1), "
    "(SELECT treatment_type FROM plans WHERE id = ?2), "
    "(SELECT planned_sessions FROM plans WHERE id = ?2))";
static const char *const sql_appt_get = "SELECT " APPT_COLS " FROM appointments a WHERE a.id = ?1";
static const char *const sql_appt_update =
    "UPDATE appointments SET practitioner_id = ?2, room_id = ?3, start_at = ?4, end_at = ?5, "
    "status = ?6, late_cancel = ?7, override_reason = ?8, cancel_reason = ?9, notes = ?10, "
    "updated_at = ?11, status_changed_at = ?12, status_changed_by = ?13 WHERE id = ?1";
/* Practitioner and room names are read once per list (list_names), not joined into every
 * row: a day sheet has hundreds of rows and a few dozen names. */
static const char *const sql_appt_list =
    "SELECT " APPT_COLS ", a.patient_first_name, a.patient_last_name, a.patient_mrn, "
    "a.plan_treatment_type, a.plan_planned_sessions FROM appointments a "
    "WHERE a.start_at >= ?1 AND a.start_at < ?2 AND (?3 = 0 OR a.practitioner_id = ?3) "
    "AND (?4 = 0 OR a.room_id = ?4) AND (?5 = 0 OR a.patient_id = ?5) "
    "AND (?6 = 0 OR a.plan_id = ?6) ORDER BY a.start_at, a.id LIMIT ?7";
/* A printed day sheet carries the patients' phone numbers: the day's appointments by their
 * start index, each patient by its key. */
static const char *const sql_appt_phones =
    "SELECT a.id, p.phone FROM appointments a JOIN patients p ON p.id = a.patient_id "
    "WHERE a.start_at >= ?1 AND a.start_at < ?2 AND p.phone IS NOT NULL "
    "ORDER BY a.start_at, a.id LIMIT ?3";
static const char *const sql_user_name = "SELECT display_name FROM users WHERE id = ?1";
static const char *const sql_room_name = "SELECT name FROM rooms WHERE id = ?1";
static const char *const sql_user_names = "SELECT id, display_name FROM users ORDER BY id LIMIT ?1";
static const char *const sql_room_names = "SELECT id, name FROM rooms ORDER BY id LIMIT ?1";
static const char *const sql_overlap[] = {
    [PARTY_PRACTITIONER] = "SELECT id FROM appointments WHERE practitioner_id = ?1 "
			   "AND start_at < ?3 AND start_at > ?2 - "
			   "28800"
			   " AND end_at > ?2 AND " HOLDING("status") " AND id <> ?4 LIMIT 1",
    [PARTY_ROOM] = "SELECT id FROM appointments WHERE room_id = ?1 "
		   "AND start_at < ?3 AND start_at > ?2 - "
		   "28800"
		   " AND end_at > ?2 AND " HOLDING("status") " AND id <> ?4 LIMIT 1",
    [PARTY_PATIENT] = "SELECT id FROM appointments WHERE patient_id = ?1 "
		      "AND start_at < ?3 AND start_at > ?2 - "
		      "28800"
		      " AND end_at > ?2 AND " HOLDING("status") " AND id <> ?4 LIMIT 1",
};
static const char *const sql_busy[] = {
    [PARTY_PRACTITIONER] = "SELECT start_at, end_at FROM appointments WHERE practitioner_id = ?1 "
			   "AND start_at < ?3 AND start_at > ?2 - 28800 AND end_at > ?2 "
			   "AND " HOLDING("status") " ORDER BY start_at",
    [PARTY_ROOM] = "SELECT start_at, end_at FROM appointments WHERE room_id = ?1 "
		   "AND start_at < ?3 AND start_at > ?2 - 28800 AND end_at > ?2 "
		   "AND " HOLDING("status") " ORDER BY start_at",
    [PARTY_PATIENT] = "SELECT start_at, end_at FROM appointments WHERE patient_id = ?1 "
		      "AND start_at < ?3 AND start_at > ?2 - 28800 AND end_at > ?2 "
		      "AND " HOLDING("status") " ORDER BY start_at",
};
static const char *const sql_prev =
    "SELECT start_at FROM appointments WHERE plan_id = ?1 AND start_at <= ?2 AND id <> ?3 "
    "AND " HOLDING("status") " ORDER BY start_at DESC, id DESC LIMIT 1";
static const char *const sql_next =
    "SELECT start_at FROM appointments WHERE plan_id = ?1 AND start_at > ?2 AND id <> ?3 "
    "AND " HOLDING("status") " ORDER BY start_at, id LIMIT 1";
/* A plan's appointments in start order, for renumbering its sessions. */
static const char *const sql_renumber_read =
    "SELECT id, " HOLDING("status") ", session_number FROM appointments WHERE plan_id = ?1 "
				    "ORDER BY start_at, id";
static const char *const sql_renumber_set =
    "UPDATE appointments SET session_number = ?2 WHERE id = ?1";
static const char *const sql_recall =
    "SELECT pl.id, pl.patient_id, p.first_name, p.last_name, p.phone, pl.treatment_type, "
    "pl.practitioner_id, pl.planned_sessions, pl.min_interval_days, pl.max_interval_days, "
    "pl.holding, pl.completed, pl.pending, pl.last_start, lm.kind, lm.status, lm.sent_at "
    "FROM plans pl JOIN patients p ON p.id = pl.patient_id "
    "LEFT JOIN messages lm ON lm.id = (SELECT max(m.id) FROM messages m "
    " WHERE m.plan_id = pl.id AND m.kind IN ('recall', 'recall_second')) "
    "WHERE pl.next_due_at IS NOT NULL AND pl.next_due_at < ?1 AND p.archived = 0 "
    "ORDER BY pl.next_due_at, pl.id LIMIT ?2";
/* Recomputes one plan's progress columns from its appointments (see schema v4). */
static const char *const sql_refresh =
    "UPDATE plans SET "
    "holding = (SELECT count(*) FROM appointments a WHERE a.plan_id = ?1 "
    " AND " HOLDING(
	"a.status") "), "
		    "completed = (SELECT count(*) FROM appointments a WHERE a.plan_id = ?1 "
		    " AND a.status = 'completed'), "
		    "pending = (SELECT count(*) FROM appointments a WHERE a.plan_id = ?1 "
		    " AND a.status IN ('booked', 'checked_in')), "
		    "last_start = (SELECT max(start_at) FROM appointments a WHERE a.plan_id = ?1 "
		    " AND " HOLDING("a.status") ") WHERE id = ?1";
static const char *const sql_refresh_due =
    "UPDATE plans SET next_due_at = CASE WHEN status = 'active' AND holding > 0 "
    "AND holding < planned_sessions AND pending = 0 "
    "THEN last_start + min_interval_days * 86400 END WHERE id = ?1";

_Static_assert(MAX_SPAN_S == 28800, "the overlap SQL's look-back is APPT_MAX_MINUTES");

/* The four progress columns (holding, completed, pending, last start) from column col on:
 * a plan row and a recall row carry them, in that order, as sql_plan_progress counts them. */
static void read_progress(struct dbst *st, int col, struct plan_progress *out)
{
	out->holding = db_col_int(st, col);
	out->completed = db_col_int(st, col + 1);
	out->pending = db_col_int(st, col + 2);
	out->last_start = db_col_int64(st, col + 3);
}

static void read_plan(struct dbst *st, void *p_)
{
	struct plan *p = p_;
	p->id = db_col_int64(st, 0);
	p->patient_id = db_col_int64(st, 1);
	p->treatment_type = db_col_text(st, 2);
	p->indication = db_col_text(st, 3);
	p->planned_sessions = db_col_int(st, 4);
	p->min_interval_days = db_col_int(st, 5);
	p->max_interval_days = db_col_int(st, 6);
	p->practitioner_id = db_col_int64(st, 7);
	p->status = plan_status_parse(db_col_cstr(st, 8));
	p->notes = db_col_text(st, 9);
	p->created_at = db_col_int64(st, 10);
	p->created_by = db_col_int64(st, 11);
	p->updated_at = db_col_int64(st, 12);
	read_progress(st, 13, &p->progress);
	p->override_reason = db_col_text(st, 17);
}

static void free_plans(void *p, size_t n)
{
	plans_free(p, n);
}

static int load_areas(struct db *db, void *plan)
{
	struct plan *p = plan;
	return db_collect_into(db, db_stmt_id(db, &sql_plan_areas, p->id), sizeof *p->areas,
			       db_read_text, (void **)&p->areas, &p->nareas);
}

/* Binds the six columns a plan update may change, planned_sessions to notes, from
 * position first on: the plan's INSERT and UPDATE list them in the same order. */
static void bind_plan_terms(struct dbst *st, int first, const struct plan *p)
{
	db_bind_int(st, first, p->planned_sessions);
	db_bind_int(st, first + 1, p->min_interval_days);
	db_bind_int(st, first + 2, p->max_interval_days);
	db_bind_int(st, first + 3, p->practitioner_id);
	db_bind_text(st, first + 4, plan_status_name(p->status));
	db_bind_text(st, first + 5, p->notes);
}

int store_plan_insert(struct db *db, struct plan *p)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt(db, &sql_plan_insert);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 1, p->patient_id);
	db_bind_text(st, 2, p->treatment_type);
	db_bind_text(st, 3, p->indication);
	bind_plan_terms(st, 4, p);
	db_bind_int(st, 10, p->created_at);
	db_bind_int(st, 11, p->created_by);
	db_bind_text(st, 12, p->override_reason);
	int err = db_insert(db, st, &p->id);
	if (err)
		return err;
	p->updated_at = p->created_at;
	return db_insert_texts(db, &sql_plan_area_insert, p->id, p->areas, p->nareas);
}

int store_plan_get(struct db *db, int64_t id, struct plan *out)
{
	memset(out, 0, sizeof *out);
	int err = db_get_one(db, db_stmt_id(db, &sql_plan_get, id), read_plan, out);
	if (!err && (err = load_areas(db, out)) != 0)
		plan_cleanup(out);
	return err;
}

int store_plan_refresh(struct db *db, int64_t plan_id)
{
	assert(db_in_write(db));
	int err = db_exec_stmt(db, db_stmt_id(db, &sql_refresh, plan_id));
	return err ? err : db_exec_stmt(db, db_stmt_id(db, &sql_refresh_due, plan_id));
}

int store_plan_update(struct db *db, const struct plan *p)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_id(db, &sql_plan_update, p->id);
	if (!st)
		return db_stmt_err(db);
	bind_plan_terms(st, 2, p);
	db_bind_int(st, 8, p->updated_at);
	db_bind_text(st, 9, p->override_reason);
	int err = db_exec_stmt(db, st);
	/* Status, size and interval decide when the next session falls due. */
	return err ? err : store_plan_refresh(db, p->id);
}

int store_plan_list_patient(struct db *db, int64_t patient_id, struct plan **out, size_t *n)
{
	return db_collect_each(db, db_stmt_id(db, &sql_plan_list, patient_id), sizeof **out,
			       read_plan, load_areas, free_plans, (void **)out, n);
}

static void read_progress_row(struct dbst *st, void *out)
{
	read_progress(st, 0, out);
}

int store_plan_progress(struct db *db, int64_t plan_id, int64_t exclude_id,
			struct plan_progress *out)
{
	struct dbst *st = db_stmt(db, &sql_plan_progress);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 1, plan_id);
	db_bind_int(st, 2, exclude_id);
	memset(out, 0, sizeof *out);
	return db_get_one(db, st, read_progress_row, out);
}

/* An appointment's columns but its three texts. */
static void read_appt_numbers(struct dbst *st, struct appointment *a)
{
	a->id = db_col_int64(st, 0);
	a->patient_id = db_col_int64(st, 1);
	a->plan_id = db_col_int64(st, 2);
	a->session_number = db_col_int(st, 3);
	a->kind = appt_kind_parse(db_col_cstr(st, 4));
	a->practitioner_id = db_col_int64(st, 5);
	a->room_id = db_col_int64(st, 6);
	a->start = db_col_int64(st, 7);
	a->end = db_col_int64(st, 8);
	a->status = appt_status_parse(db_col_cstr(st, 9));
	a->late_cancel = db_col_int(st, 10) != 0;
	a->created_at = db_col_int64(st, 14);
	a->created_by = db_col_int64(st, 15);
	a->updated_at = db_col_int64(st, 16);
	a->status_at = db_col_int64(st, 17);
	a->status_by = db_col_int64(st, 18);
	a->confirmed_at = db_col_null(st, 19) ? 0 : db_col_int64(st, 19);
}

static void read_appt(struct dbst *st, void *p)
{
	struct appointment *a = p;
	read_appt_numbers(st, a);
	a->override_reason = db_col_text(st, 11);
	a->cancel_reason = db_col_text(st, 12);
	a->notes = db_col_text(st, 13);
}

/* Binds the nine columns an appointment update may change, practitioner_id to notes, from
 * position first on: the appointment's INSERT and UPDATE list them in the same order. */
static void bind_appt_terms(struct dbst *st, int first, const struct appointment *a)
{
	db_bind_int(st, first, a->practitioner_id);
	db_bind_int(st, first + 1, a->room_id);
	db_bind_int(st, first + 2, a->start);
	db_bind_int(st, first + 3, a->end);
	db_bind_text(st, first + 4, appt_status_name(a->status));
	db_bind_int(st, first + 5, a->late_cancel ? 1 : 0);
	db_bind_text(st, first + 6, a->override_reason);
	db_bind_text(st, first + 7, a->cancel_reason);
	db_bind_text(st, first + 8, a->notes);
}

int store_appt_insert(struct db *db, struct appointment *a)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt(db, &sql_appt_insert);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 1, a->patient_id);
	if (a->plan_id)
		db_bind_int(st, 2, a->plan_id);
	if (a->session_number)
		db_bind_int(st, 3, a->session_number);
	db_bind_text(st, 4, appt_kind_name(a->kind));
	bind_appt_terms(st, 5, a);
	db_bind_int(st, 14, a->created_at);
	db_bind_int(st, 15, a->created_by);
	int err = db_insert(db, st, &a->id);
	if (!err)
		a->updated_at = a->created_at;
	return err;
}

int store_appt_get(struct db *db, int64_t id, struct appointment *out)
{
	memset(out, 0, sizeof *out);
	return db_get_one(db, db_stmt_id(db, &sql_appt_get, id), read_appt, out);
}

int store_appt_update(struct db *db, const struct appointment *a)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_id(db, &sql_appt_update, a->id);
	if (!st)
		return db_stmt_err(db);
	bind_appt_terms(st, 2, a);
	db_bind_int(st, 11, a->updated_at);
	if (a->status_at)
		db_bind_int(st, 12, a->status_at);
	if (a->status_by)
		db_bind_int(st, 13, a->status_by);
	return db_exec_stmt(db, st);
}

/* The names of one kind (practitioners or rooms) in a list, by id. A clinic has a few
 * dozen of each, so the first look-up reads them all in one statement (on PostgreSQL a
 * look-up per name is a round trip each); only a table larger than NAMES_AT_ONCE leaves
 * the rest to one look-up per name met. */
#define NAMES_AT_ONCE 512
struct list_names {
	const char *const *sql;	    /* one name by id */
	const char *const *all_sql; /* id and name, by id, LIMIT ?1 */
	bool loaded, complete;
	int64_t *ids;
	char **names; /* NULL for an id without a row */
	size_t n, cap;
};

static void list_names_free(struct list_names *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->names[i]);
	free(c->ids);
	free(c->names);
}

static void list_names_add(struct list_names *c, int64_t id, char *name)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->ids = xrealloc(c->ids, c->cap * sizeof *c->ids);
		c->names = xrealloc(c->names, c->cap * sizeof *c->names);
	}
	c->ids[c->n] = id;
	c->names[c->n++] = name;
}

static int list_names_load(struct db *db, struct list_names *c)
{
	c->loaded = true;
	struct dbst *st = db_stmt_id(db, c->all_sql, NAMES_AT_ONCE);
	if (!st)
		return db_stmt_err(db);
	int rc;
	while ((rc = db_step(db, st)) == DB_ROW)
		list_names_add(c, db_col_int64(st, 0), db_col_text(st, 1));
	db_done(st);
	if (rc != DB_DONE)
		return rc;
	c->complete = c->n < NAMES_AT_ONCE;
	return 0;
}

static int list_name(struct db *db, struct list_names *c, int64_t id, const char **out)
{
	int err = c->loaded ? 0 : list_names_load(db, c);
	if (err)
		return err;
	for (size_t i = 0; i < c->n; i++) {
		if (c->ids[i] == id) {
			*out = c->names[i];
			return 0;
		}
	}
	char *name = NULL;
	if (!c->complete) {
		err = db_get_one(db, db_stmt_id(db, c->sql, id), db_read_text, &name);
		if (err && err != -ERR_NOT_FOUND)
			return err;
	}
	list_names_add(c, id, name);
	*out = name;
	return 0;
}

struct view_reader {
	struct db *db;
	struct list_names practitioners, rooms;
};

/* A view's nine texts are copied into one allocation (texts): a day sheet reads hundreds of
 * rows, and a copy of its own for each text cost more than reading the rows. */
static int read_view(struct dbst *st, void *p, void *arg)
{
	enum { NTEXTS = 9 };
	struct view_reader *r = arg;
	struct appt_view *v = p;
	char **to[NTEXTS] = {&v->a.override_reason, &v->a.cancel_reason,   &v->a.notes,
			     &v->patient_first,	    &v->patient_last,	   &v->patient_mrn,
			     &v->treatment_type,    &v->practitioner_name, &v->room_name};
	const char *text[NTEXTS];
	size_t len[NTEXTS], total = 0;
	read_appt_numbers(st, &v->a);
	v->planned_sessions = db_col_int(st, 24);
	/* The names first: the row's own texts are read after any other statement has run. */
	int err = list_name(r->db, &r->practitioners, v->a.practitioner_id, &text[7]);
	if (!err)
		err = list_name(r->db, &r->rooms, v->a.room_id, &text[8]);
	if (err)
		return err;
	static const int cols[] = {11, 12, 13, 20, 21, 22, 23};
	for (int i = 0; i < 7; i++) {
		text[i] = db_col_cstr(st, cols[i]);
		len[i] = text[i] ? (size_t)db_col_bytes(st, cols[i]) : 0;
	}
	for (int i = 7; i < NTEXTS; i++)
		len[i] = text[i] ? strlen(text[i]) : 0;
	for (int i = 0; i < NTEXTS; i++)
		total += text[i] ? len[i] + 1 : 0;
	char *at = v->texts = total ? xmalloc(total) : NULL;
	for (int i = 0; i < NTEXTS; i++) {
		*to[i] = NULL;
		if (!text[i])
			continue;
		memcpy(at, text[i], len[i]);
		at[len[i]] = '\0';
		*to[i] = at;
		at += len[i] + 1;
	}
	return 0;
}

static void free_views(void *p, size_t n)
{
	appt_views_free(p, n);
}

int store_appt_list(struct db *db, const struct appt_filter *f, struct appt_view **out, size_t *n)
{
	struct dbst *st = db_stmt(db, &sql_appt_list);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 1, f->from);
	db_bind_int(st, 2, f->to);
	db_bind_int(st, 3, f->practitioner_id);
	db_bind_int(st, 4, f->room_id);
	db_bind_int(st, 5, f->patient_id);
	db_bind_int(st, 6, f->plan_id);
	db_bind_int(st, 7, f->limit);
	struct view_reader r = {
	    .db = db,
	    .practitioners = {.sql = &sql_user_name, .all_sql = &sql_user_names},
	    .rooms = {.sql = &sql_room_name, .all_sql = &sql_room_names}};
	int err = db_collect_with(db, st, sizeof **out, read_view, &r, free_views, (void **)out, n);
	list_names_free(&r.practitioners);
	list_names_free(&r.rooms);
	return err;
}

static void read_phone(struct dbst *st, void *p)
{
	struct appt_phone *r = p;
	r->appt_id = db_col_int64(st, 0);
	r->phone = db_col_text(st, 1);
}

void appt_phones_free(struct appt_phone *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		free(list[i].phone);
	free(list);
}

static void free_phones(void *p, size_t n)
{
	appt_phones_free(p, n);
}

int store_appt_phones(struct db *db, int64_t from, int64_t to, int limit, struct appt_phone **out,
		      size_t *n)
{
	struct dbst *st = db_stmt(db, &sql_appt_phones);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 1, from);
	db_bind_int(st, 2, to);
	db_bind_int(st, 3, limit);
	return db_collect(db, st, sizeof **out, read_phone, free_phones, (void **)out, n);
}

int store_appt_overlap(struct db *db, int party, int64_t party_id, int64_t start, int64_t end,
		       int64_t exclude_id, int64_t *conflict_id)
{
	struct dbst *st = db_stmt(db, &sql_overlap[party]);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 1, party_id);
	db_bind_int(st, 2, start);
	db_bind_int(st, 3, end);
	db_bind_int(st, 4, exclude_id);
	int err = db_query_int(db, st, conflict_id);
	if (err == -ERR_NOT_FOUND) {
		*conflict_id = 0;
		return 0;
	}
	return err;
}

int store_appt_neighbours(struct db *db, int64_t plan_id, int64_t start, int64_t exclude_id,
			  int64_t *prev_start, int64_t *next_start)
{
	const char *const *sql[2] = {&sql_prev, &sql_next};
	int64_t *out[2] = {prev_start, next_start};
	for (int i = 0; i < 2; i++) {
		struct dbst *st = db_stmt(db, sql[i]);
		if (!st)
			return db_stmt_err(db);
		db_bind_int(st, 1, plan_id);
		db_bind_int(st, 2, start);
		db_bind_int(st, 3, exclude_id);
		int err = db_query_int(db, st, out[i]);
		if (err == -ERR_NOT_FOUND)
			*out[i] = 0;
		else if (err)
			return err;
	}
	return 0;
}

struct numbered {
	int64_t id;
	bool holds;	/* booked, checked in or completed: it takes a number */
	int64_t number; /* as stored; 0 for none */
};

static void read_numbered(struct dbst *st, void *p)
{
	struct numbered *n = p;
	n->id = db_col_int64(st, 0);
	n->holds = db_col_int(st, 1) != 0;
	n->number = db_col_int64(st, 2);
}

/* Numbers the plan's holding appointments 1, 2, ... in start order and clears the number
 * of the others, writing only the rows whose number changes: a booking after the plan's
 * last session writes just its own row. */
int store_appt_renumber(struct db *db, int64_t plan_id)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_id(db, &sql_renumber_read, plan_id);
	struct numbered *rows = NULL;
	size_t n = 0;
	int err =
	    db_collect(db, st, sizeof *rows, read_numbered, db_free_plain, (void **)&rows, &n);
	if (err)
		return err;
	int64_t next = 1;
	for (size_t i = 0; !err && i < n; i++) {
		int64_t want = rows[i].holds ? next++ : 0;
		if (want == rows[i].number)
			continue;
		st = db_stmt_id(db, &sql_renumber_set, rows[i].id);
		if (st && want)
			db_bind_int(st, 2, want);
		err = db_exec_stmt(db, st);
	}
	free(rows);
	return err ? err : store_plan_refresh(db, plan_id);
}

static void read_interval(struct dbst *st, void *p)
{
	struct interval *iv = p;
	iv->start = db_col_int64(st, 0);
	iv->end = db_col_int64(st, 1);
}

int store_appt_busy(struct db *db, int party, int64_t party_id, int64_t from, int64_t to,
		    struct interval **out, size_t *n)
{
	struct dbst *st = db_stmt(db, &sql_busy[party]);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 1, party_id);
	db_bind_int(st, 2, from);
	db_bind_int(st, 3, to);
	return db_collect(db, st, sizeof **out, read_interval, db_free_plain, (void **)out, n);
}

static void read_recall(struct dbst *st, void *p)
{
	struct recall_row *r = p;
	r->plan_id = db_col_int64(st, 0);
	r->patient_id = db_col_int64(st, 1);
	r->first_name = db_col_text(st, 2);
	r->last_name = db_col_text(st, 3);
	r->phone = db_col_text(st, 4);
	r->treatment_type = db_col_text(st, 5);
	r->practitioner_id = db_col_int64(st, 6);
	r->planned = db_col_int(st, 7);
	r->min_interval_days = db_col_int(st, 8);
	r->max_interval_days = db_col_int(st, 9);
	read_progress(st, 10, &r->progress);
	if (!db_col_null(st, 14)) {
		r->recall_kind = msg_kind_parse(db_col_cstr(st, 14));
		r->recall_status = msg_status_parse(db_col_cstr(st, 15));
		r->recall_sent_at = db_col_null(st, 16) ? 0 : db_col_int64(st, 16);
	} else {
		r->recall_kind = r->recall_status = 0;
		r->recall_sent_at = 0;
	}
}

static void free_recalls(void *p, size_t n)
{
	recall_rows_free(p, n);
}

int store_recall_candidates(struct db *db, int64_t due_before, int limit, struct recall_row **out,
			    size_t *n)
{
	struct dbst *st = db_stmt(db, &sql_recall);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 1, due_before);
	db_bind_int(st, 2, limit);
	return db_collect(db, st, sizeof **out, read_recall, free_recalls, (void **)out, n);
}

const struct hot_query store_schedule_hot[] = {
    {"day sheet / appointment list", &sql_appt_list},
    {"day sheet phones", &sql_appt_phones},
    {"practitioner name", &sql_user_name},
    {"room name", &sql_room_name},
    {"conflict: practitioner", &sql_overlap[PARTY_PRACTITIONER]},
    {"conflict: room", &sql_overlap[PARTY_ROOM]},
    {"conflict: patient", &sql_overlap[PARTY_PATIENT]},
    {"busy: practitioner", &sql_busy[PARTY_PRACTITIONER]},
    {"busy: room", &sql_busy[PARTY_ROOM]},
    {"spacing: previous session", &sql_prev},
    {"spacing: next session", &sql_next},
    {"plan progress", &sql_plan_progress},
    {"renumber sessions", &sql_renumber_read},
    {"refresh plan progress", &sql_refresh},
    {"recall list", &sql_recall},
    {NULL, NULL},
};
