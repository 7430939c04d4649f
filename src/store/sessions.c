/* Session records, their child rows and addenda, lots and history. */
#include "store/sessions.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "util/err.h"
#include "util/xalloc.h"

#define REC_COLS                                                                             \
	"s.appointment_id, s.status, s.screening_confirmed_at, s.caution_reviewed, "         \
	"s.consent_id, s.numbing_product, s.numbing_applied_at, s.numbing_removed_at, "      \
	"s.device, s.device_model, s.cartridge_lot, s.prp_blood_ml10, s.prp_spin_minutes, "  \
	"s.prp_spin_rcf, s.prp_ml10, s.prp_route, s.prp_kit_lot, s.endpoint, "               \
	"s.aftercare_given, s.notes, s.signed_by, s.signed_at, s.created_at, s.updated_at, " \
	"s.updated_by"
#define REC_NCOLS 25

static const char *const sql_get =
    "SELECT " REC_COLS " FROM session_records s WHERE s.appointment_id = ?1";
static const char *const sql_status =
    "SELECT status FROM session_records WHERE appointment_id = ?1";
static const char *const sql_put =
    "INSERT INTO session_records (appointment_id, status, screening_confirmed_at, "
    "caution_reviewed, consent_id, numbing_product, numbing_applied_at, numbing_removed_at, "
    "device, device_model, cartridge_lot, prp_blood_ml10, prp_spin_minutes, prp_spin_rcf, "
    "prp_ml10, prp_route, prp_kit_lot, endpoint, aftercare_given, notes, created_at, "
    "updated_at, updated_by) VALUES (?1, 'draft', ?2, ?3, NULL, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
    "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19, ?20) "
    "ON CONFLICT (appointment_id) DO UPDATE SET "
    "screening_confirmed_at = excluded.screening_confirmed_at, "
    "caution_reviewed = excluded.caution_reviewed, numbing_product = excluded.numbing_product, "
    "numbing_applied_at = excluded.numbing_applied_at, "
    "numbing_removed_at = excluded.numbing_removed_at, device = excluded.device, "
    "device_model = excluded.device_model, cartridge_lot = excluded.cartridge_lot, "
    "prp_blood_ml10 = excluded.prp_blood_ml10, prp_spin_minutes = excluded.prp_spin_minutes, "
    "prp_spin_rcf = excluded.prp_spin_rcf, prp_ml10 = excluded.prp_ml10, "
    "prp_route = excluded.prp_route, prp_kit_lot = excluded.prp_kit_lot, "
    "endpoint = excluded.endpoint, aftercare_given = excluded.aftercare_given, "
    "notes = excluded.notes, updated_at = excluded.updated_at, updated_by = excluded.updated_by";
static const char *const sql_del_areas = "DELETE FROM session_areas WHERE appointment_id = ?1";
static const char *const sql_del_products =
    "DELETE FROM session_products WHERE appointment_id = ?1";
static const char *const sql_del_reactions =
    "DELETE FROM session_reactions WHERE appointment_id = ?1";
static const char *const sql_ins_area =
    "INSERT INTO session_areas (appointment_id, position, area, depth_hmm, passes, "
    "override_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char *const sql_ins_product =
    "INSERT INTO session_products (appointment_id, position, name) VALUES (?1, ?2, ?3)";
static const char *const sql_ins_reaction =
    "INSERT INTO session_reactions (appointment_id, position, type, severity) "
    "VALUES (?1, ?2, ?3, ?4)";
static const char *const sql_areas =
    "SELECT area, depth_hmm, passes, override_reason FROM session_areas "
    "WHERE appointment_id = ?1 ORDER BY position";
static const char *const sql_products =
    "SELECT name FROM session_products WHERE appointment_id = ?1 ORDER BY position";
static const char *const sql_reactions =
    "SELECT type, severity FROM session_reactions WHERE appointment_id = ?1 ORDER BY position";
static const char *const sql_sign =
    "UPDATE session_records SET status = 'signed', signed_by = ?2, signed_at = ?3, "
    "consent_id = ?4, updated_at = ?3, updated_by = ?2 WHERE appointment_id = ?1 "
    "AND status = 'draft'";
static const char *const sql_add_addendum =
    "INSERT INTO session_addenda (appointment_id, author, at, text) VALUES (?1, ?2, ?3, ?4)";
static const char *const sql_addenda =
    "SELECT id, appointment_id, author, at, text FROM session_addenda "
    "WHERE appointment_id = ?1 ORDER BY id";
static const char *const sql_previous =
    "SELECT " REC_COLS ", a.start_at FROM session_records s "
    "JOIN appointments a ON a.id = s.appointment_id "
    "WHERE a.plan_id = ?1 AND a.start_at < ?2 AND s.status = 'signed' "
    "ORDER BY a.start_at DESC LIMIT 1";
#define ROW_COLS                                                                     \
	REC_COLS                                                                     \
	", a.patient_id, a.plan_id, a.start_at, a.practitioner_id, u.display_name, " \
	"a.patient_first_name, a.patient_last_name, a.patient_mrn, "                 \
	"a.plan_treatment_type "                                                     \
	"FROM session_records s JOIN appointments a ON a.id = s.appointment_id "     \
	"JOIN users u ON u.id = a.practitioner_id "
/* A lot's sessions: the lots from ?1 to ?2 (the same lot for one lot, a prefix's range for
 * a prefix) in either column, started in [?3, ?4), newest first, at most ?5. The start is
 * written +a.start_at so that the lot's index leads, never the appointments' start. */
#define LOT_RANGE(col) col " >= ?1 AND " col " <= ?2 AND +a.start_at >= ?3 AND +a.start_at < ?4 "
static const char *const sql_lot =
    "SELECT " ROW_COLS
    "WHERE " LOT_RANGE("s.cartridge_lot") "UNION ALL SELECT " ROW_COLS "WHERE " LOT_RANGE(
	"s.prp_kit_lot") "AND (s.cartridge_lot IS NULL OR s.cartridge_lot < ?1 "
			 "OR s.cartridge_lot > ?2) ORDER BY 28 DESC LIMIT ?5";
static const char *const sql_history =
    "SELECT " ROW_COLS "WHERE a.patient_id = ?1 ORDER BY a.start_at DESC LIMIT ?2";

static void read_record(struct dbst *st, void *p)
{
	struct session_record *r = p;
	r->appointment_id = db_col_int64(st, 0);
	r->status = session_status_parse(db_col_cstr(st, 1));
	r->screening_confirmed_at = db_col_int64(st, 2);
	r->caution_reviewed = db_col_int(st, 3) != 0;
	r->consent_id = db_col_int64(st, 4);
	r->numbing_product = db_col_text(st, 5);
	r->numbing_applied_at = db_col_int64(st, 6);
	r->numbing_removed_at = db_col_int64(st, 7);
	r->device = db_col_text(st, 8);
	r->device_model = db_col_text(st, 9);
	r->cartridge_lot = db_col_text(st, 10);
	r->prp.present = !db_col_null(st, 15) || !db_col_null(st, 11);
	r->prp.blood_ml10 = db_col_int(st, 11);
	r->prp.spin_minutes = db_col_int(st, 12);
	r->prp.spin_rcf = db_col_int(st, 13);
	r->prp.prp_ml10 = db_col_int(st, 14);
	r->prp.route = db_col_text(st, 15);
	r->prp.kit_lot = db_col_text(st, 16);
	r->endpoint = db_col_text(st, 17);
	r->aftercare_given = db_col_int(st, 18) != 0;
	r->notes = db_col_text(st, 19);
	r->signed_by = db_col_int64(st, 20);
	r->signed_at = db_col_int64(st, 21);
	r->created_at = db_col_int64(st, 22);
	r->updated_at = db_col_int64(st, 23);
	r->updated_by = db_col_int64(st, 24);
}

static void read_area(struct dbst *st, void *p)
{
	struct session_area *a = p;
	a->area = db_col_text(st, 0);
	a->depth_hmm = db_col_int(st, 1);
	a->passes = db_col_int(st, 2);
	a->override_reason = db_col_text(st, 3);
}

static void read_reaction(struct dbst *st, void *p)
{
	struct reaction *r = p;
	r->type = db_col_text(st, 0);
	r->severity = db_col_int(st, 1);
}

/* Loads areas, products and reactions of r. */
static int load_lists(struct db *db, struct session_record *r)
{
	int64_t id = r->appointment_id;
	int err = db_collect_into(db, db_stmt_id(db, &sql_areas, id), sizeof *r->areas, read_area,
				  (void **)&r->areas, &r->nareas);
	if (!err)
		err = db_collect_into(db, db_stmt_id(db, &sql_products, id), sizeof *r->products,
				      db_read_text, (void **)&r->products, &r->nproducts);
	if (!err)
		err = db_collect_into(db, db_stmt_id(db, &sql_reactions, id), sizeof *r->reactions,
				      read_reaction, (void **)&r->reactions, &r->nreactions);
	return err;
}

int store_record_get(struct db *db, int64_t appointment_id, struct session_record *out)
{
	memset(out, 0, sizeof *out);
	int err = db_get_one(db, db_stmt_id(db, &sql_get, appointment_id), read_record, out);
	if (!err && (err = load_lists(db, out)) != 0)
		session_record_cleanup(out);
	return err;
}

static void bind_opt_int(struct dbst *st, int idx, int64_t v, bool present)
{
	if (present)
		db_bind_int(st, idx, v);
	else
		db_bind_null(st, idx);
}

static void read_status(struct dbst *st, void *out)
{
	*(int *)out = session_status_parse(db_col_cstr(st, 0));
}

int store_record_put(struct db *db, const struct session_record *r)
{
	assert(db_in_write(db));
	int status = 0; /* none while there is no record yet */
	int err =
	    db_get_one(db, db_stmt_id(db, &sql_status, r->appointment_id), read_status, &status);
	if (err && err != -ERR_NOT_FOUND)
		return err;
	if (status == SESSION_SIGNED)
		return -ERR_LOCKED;

	struct dbst *st = db_stmt(db, &sql_put);
	if (!st)
		return db_stmt_err(db);
	const struct prp_details *p = &r->prp;
	db_bind_int(st, 1, r->appointment_id);
	bind_opt_int(st, 2, r->screening_confirmed_at, r->screening_confirmed_at != 0);
	db_bind_int(st, 3, r->caution_reviewed ? 1 : 0);
	db_bind_text(st, 4, r->numbing_product);
	bind_opt_int(st, 5, r->numbing_applied_at, r->numbing_applied_at != 0);
	bind_opt_int(st, 6, r->numbing_removed_at, r->numbing_removed_at != 0);
	db_bind_text(st, 7, r->device);
	db_bind_text(st, 8, r->device_model);
	db_bind_text(st, 9, r->cartridge_lot);
	bind_opt_int(st, 10, p->blood_ml10, p->present && p->blood_ml10);
	bind_opt_int(st, 11, p->spin_minutes, p->present && p->spin_minutes);
	bind_opt_int(st, 12, p->spin_rcf, p->present && p->spin_rcf);
	bind_opt_int(st, 13, p->prp_ml10, p->present && p->prp_ml10);
	db_bind_text(st, 14, p->present ? p->route : NULL);
	db_bind_text(st, 15, p->present ? p->kit_lot : NULL);
	db_bind_text(st, 16, r->endpoint);
	db_bind_int(st, 17, r->aftercare_given ? 1 : 0);
	db_bind_text(st, 18, r->notes);
	db_bind_int(st, 19, r->updated_at);
	db_bind_int(st, 20, r->updated_by);
	err = db_exec_stmt(db, st);
	if (!err)
		err = db_exec_stmt(db, db_stmt_id(db, &sql_del_areas, r->appointment_id));
	if (!err)
		err = db_exec_stmt(db, db_stmt_id(db, &sql_del_products, r->appointment_id));
	if (!err)
		err = db_exec_stmt(db, db_stmt_id(db, &sql_del_reactions, r->appointment_id));
	for (size_t i = 0; !err && i < r->nareas; i++) {
		if (!(st = db_stmt_id(db, &sql_ins_area, r->appointment_id)))
			return -ERR_INTERNAL;
		db_bind_int(st, 2, (int64_t)i);
		db_bind_text(st, 3, r->areas[i].area);
		db_bind_int(st, 4, r->areas[i].depth_hmm);
		bind_opt_int(st, 5, r->areas[i].passes, r->areas[i].passes != 0);
		db_bind_text(st, 6, r->areas[i].override_reason);
		err = db_exec_stmt(db, st);
	}
	for (size_t i = 0; !err && i < r->nproducts; i++) {
		if (!(st = db_stmt_id(db, &sql_ins_product, r->appointment_id)))
			return -ERR_INTERNAL;
		db_bind_int(st, 2, (int64_t)i);
		db_bind_text(st, 3, r->products[i]);
		err = db_exec_stmt(db, st);
	}
	for (size_t i = 0; !err && i < r->nreactions; i++) {
		if (!(st = db_stmt_id(db, &sql_ins_reaction, r->appointment_id)))
			return -ERR_INTERNAL;
		db_bind_int(st, 2, (int64_t)i);
		db_bind_text(st, 3, r->reactions[i].type);
		bind_opt_int(st, 4, r->reactions[i].severity, r->reactions[i].severity != 0);
		err = db_exec_stmt(db, st);
	}
	return err;
}

int store_record_sign(struct db *db, int64_t appointment_id, int64_t user, int64_t at,
		      int64_t consent_id)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_id(db, &sql_sign, appointment_id);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 2, user);
	db_bind_int(st, 3, at);
	bind_opt_int(st, 4, consent_id, consent_id != 0);
	int err = db_exec_stmt(db, st);
	if (!err && db_changes(db) != 1)
		err = -ERR_LOCKED;
	return err;
}

int store_addendum_insert(struct db *db, struct addendum *a)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt(db, &sql_add_addendum);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 1, a->appointment_id);
	db_bind_int(st, 2, a->author);
	db_bind_int(st, 3, a->at);
	db_bind_text(st, 4, a->text);
	return db_insert(db, st, &a->id);
}

static void read_addendum(struct dbst *st, void *p)
{
	struct addendum *a = p;
	a->id = db_col_int64(st, 0);
	a->appointment_id = db_col_int64(st, 1);
	a->author = db_col_int64(st, 2);
	a->at = db_col_int64(st, 3);
	a->text = db_col_text(st, 4);
}

static void free_addenda(void *p, size_t n)
{
	addenda_free(p, n);
}

int store_addenda_list(struct db *db, int64_t appointment_id, struct addendum **out, size_t *n)
{
	return db_collect(db, db_stmt_id(db, &sql_addenda, appointment_id), sizeof **out,
			  read_addendum, free_addenda, (void **)out, n);
}

/* Where sql_previous puts the record and the start of its appointment after it. */
struct dated_record {
	struct session_record *r;
	int64_t *start;
};

static void read_dated_record(struct dbst *st, void *p)
{
	struct dated_record *d = p;
	read_record(st, d->r);
	*d->start = db_col_int64(st, REC_NCOLS);
}

int store_record_previous(struct db *db, int64_t plan_id, int64_t before,
			  struct session_record *out, int64_t *start)
{
	memset(out, 0, sizeof *out);
	struct dbst *st = db_stmt_id(db, &sql_previous, plan_id);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 2, before);
	struct dated_record d = {out, start};
	int err = db_get_one(db, st, read_dated_record, &d);
	if (!err && (err = load_lists(db, out)) != 0)
		session_record_cleanup(out);
	return err;
}

void session_rows_free(struct session_row *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		session_record_cleanup(&list[i].r);
		free(list[i].practitioner_name);
		free(list[i].patient_first);
		free(list[i].patient_last);
		free(list[i].patient_mrn);
		free(list[i].treatment_type);
	}
	free(list);
}

static void read_row(struct dbst *st, void *p)
{
	struct session_row *row = p;
	read_record(st, &row->r);
	row->patient_id = db_col_int64(st, REC_NCOLS);
	row->plan_id = db_col_int64(st, REC_NCOLS + 1);
	row->start = db_col_int64(st, REC_NCOLS + 2);
	row->practitioner_id = db_col_int64(st, REC_NCOLS + 3);
	row->practitioner_name = db_col_text(st, REC_NCOLS + 4);
	row->patient_first = db_col_text(st, REC_NCOLS + 5);
	row->patient_last = db_col_text(st, REC_NCOLS + 6);
	row->patient_mrn = db_col_text(st, REC_NCOLS + 7);
	row->treatment_type = db_col_text(st, REC_NCOLS + 8);
}

static void free_rows(void *p, size_t n)
{
	session_rows_free(p, n);
}

int store_lot_sessions(struct db *db, const struct lot_query *q, struct session_row **out,
		       size_t *n)
{
	struct dbst *st = db_stmt(db, &sql_lot);
	if (!st)
		return db_stmt_err(db);
	/* A prefix runs to itself followed by the last code point: every lot that starts with
	 * it sorts inside, and the bound is valid UTF-8 for every database. */
	size_t len = strlen(q->lot);
	char *hi = xmalloc(len + 5);
	memcpy(hi, q->lot, len);
	memcpy(hi + len, q->prefix ? "\xF4\x8F\xBF\xBF" : "", q->prefix ? 5 : 1);
	db_bind_text(st, 1, q->lot);
	db_bind_text(st, 2, hi);
	free(hi);
	db_bind_int(st, 3, q->from);
	db_bind_int(st, 4, q->to);
	db_bind_int(st, 5, q->limit);
	return db_collect(db, st, sizeof **out, read_row, free_rows, (void **)out, n);
}

static int load_row_lists(struct db *db, void *row)
{
	return load_lists(db, &((struct session_row *)row)->r);
}

int store_patient_sessions(struct db *db, int64_t patient_id, int limit, struct session_row **out,
			   size_t *n)
{
	struct dbst *st = db_stmt_id(db, &sql_history, patient_id);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 2, limit);
	return db_collect_each(db, st, sizeof **out, read_row, load_row_lists, free_rows,
			       (void **)out, n);
}

const struct hot_query store_sessions_hot[] = {
    {"session record", &sql_get},
    {"previous signed session", &sql_previous},
    {"lot look-up", &sql_lot},
    {"patient history", &sql_history},
    {NULL, NULL},
};
