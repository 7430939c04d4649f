/* Catalog rows, screenings with their conditions and clearances, and consents. */
#include "store/catalog.h"

#include <assert.h>
#include <string.h>

#include "db_internal.h"
#include "util/err.h"

static const char *const sql_cond_list =
    "SELECT code, name, severity, active FROM conditions ORDER BY code";
static const char *const sql_cond_get =
    "SELECT code, name, severity, active FROM conditions WHERE code = ?1";
static const char *const sql_cond_put =
    "INSERT INTO conditions (code, name, severity, active) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (code) DO UPDATE SET name = excluded.name, severity = excluded.severity, "
    "active = excluded.active";
#define TT_COLS                                                                \
	"code, name, default_sessions, min_interval_days, max_interval_days, " \
	"default_duration_min, uses_prp, max_sessions, room_kind, aftercare_text"
static const char *const sql_tt_list = "SELECT " TT_COLS " FROM treatment_types ORDER BY code";
static const char *const sql_tt_get = "SELECT " TT_COLS " FROM treatment_types WHERE code = ?1";
static const char *const sql_tt_put =
    "INSERT INTO treatment_types (" TT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
    "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
    "default_sessions = excluded.default_sessions, "
    "min_interval_days = excluded.min_interval_days, "
    "max_interval_days = excluded.max_interval_days, "
    "default_duration_min = excluded.default_duration_min, uses_prp = excluded.uses_prp, "
    "max_sessions = excluded.max_sessions, room_kind = excluded.room_kind, "
    "aftercare_text = excluded.aftercare_text";
static const char *const sql_area_list =
    "SELECT code, name, max_depth_hmm FROM areas ORDER BY code";
static const char *const sql_area_get =
    "SELECT code, name, max_depth_hmm FROM areas WHERE code = ?1";
static const char *const sql_area_put =
    "INSERT INTO areas (code, name, max_depth_hmm) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
    "max_depth_hmm = excluded.max_depth_hmm";

static const char *const sql_scr_insert =
    "INSERT INTO screenings (patient_id, recorded_at, recorded_by, notes) "
    "VALUES (?1, ?2, ?3, ?4)";
static const char *const sql_scr_cond_insert =
    "INSERT INTO screening_conditions (screening_id, condition) VALUES (?1, ?2)";
static const char *const sql_scr_clear_insert =
    "INSERT INTO clearances (screening_id, condition, cleared_by, cleared_at, note) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
static const char *const sql_scr_latest =
    "SELECT id, patient_id, recorded_at, recorded_by, notes FROM screenings "
    "WHERE patient_id = ?1 ORDER BY id DESC LIMIT 1";
static const char *const sql_scr_list =
    "SELECT id, patient_id, recorded_at, recorded_by, notes FROM screenings "
    "WHERE patient_id = ?1 ORDER BY id DESC LIMIT 200";
static const char *const sql_scr_conds =
    "SELECT condition FROM screening_conditions WHERE screening_id = ?1 ORDER BY condition";
static const char *const sql_scr_clears =
    "SELECT condition, cleared_by, cleared_at, note FROM clearances WHERE screening_id = ?1 "
    "ORDER BY condition";

#define CONSENT_COLS \
	"id, patient_id, treatment_type, form_version, signed_name, signed_at, recorded_by"
static const char *const sql_consent_insert =
    "INSERT INTO consents (patient_id, treatment_type, form_version, signed_name, signed_at, "
    "recorded_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char *const sql_consent_list =
    "SELECT " CONSENT_COLS " FROM consents WHERE patient_id = ?1 ORDER BY signed_at DESC, id DESC";
static const char *const sql_consent_latest =
    "SELECT " CONSENT_COLS " FROM consents WHERE patient_id = ?1 AND treatment_type = ?2 "
    "ORDER BY signed_at DESC, id DESC LIMIT 1";

static void read_condition(struct dbst *st, void *p)
{
	struct condition *c = p;
	c->code = db_col_text(st, 0);
	c->name = db_col_text(st, 1);
	c->severity = severity_parse(db_col_cstr(st, 2));
	c->active = db_col_int(st, 3) != 0;
}

static void read_tt(struct dbst *st, void *p)
{
	struct treatment_type *t = p;
	t->code = db_col_text(st, 0);
	t->name = db_col_text(st, 1);
	t->default_sessions = db_col_int(st, 2);
	t->min_interval_days = db_col_int(st, 3);
	t->max_interval_days = db_col_int(st, 4);
	t->default_duration_min = db_col_int(st, 5);
	t->uses_prp = db_col_int(st, 6) != 0;
	t->max_sessions = db_col_int(st, 7);
	t->room_kind = room_kind_parse(db_col_cstr(st, 8));
	t->aftercare_text = db_col_text(st, 9);
}

static void read_area(struct dbst *st, void *p)
{
	struct area *a = p;
	a->code = db_col_text(st, 0);
	a->name = db_col_text(st, 1);
	a->max_depth_hmm = db_col_int(st, 2);
}

static void read_consent(struct dbst *st, void *p)
{
	struct consent *c = p;
	c->id = db_col_int64(st, 0);
	c->patient_id = db_col_int64(st, 1);
	c->treatment_type = db_col_text(st, 2);
	c->form_version = db_col_text(st, 3);
	c->signed_name = db_col_text(st, 4);
	c->signed_at = db_col_int64(st, 5);
	c->recorded_by = db_col_int64(st, 6);
}

static void read_screening_row(struct dbst *st, void *p)
{
	struct screening *s = p;
	s->id = db_col_int64(st, 0);
	s->patient_id = db_col_int64(st, 1);
	s->recorded_at = db_col_int64(st, 2);
	s->recorded_by = db_col_int64(st, 3);
	s->notes = db_col_text(st, 4);
}

static void free_conditions(void *p, size_t n)
{
	conditions_free(p, n);
}
static void free_tts(void *p, size_t n)
{
	treatment_types_free(p, n);
}
static void free_areas(void *p, size_t n)
{
	areas_free(p, n);
}
static void free_consents(void *p, size_t n)
{
	consents_free(p, n);
}
static void free_screenings(void *p, size_t n)
{
	screenings_free(p, n);
}

int store_conditions_list(struct db *db, struct condition **out, size_t *n)
{
	return db_collect(db, db_stmt(db, &sql_cond_list), sizeof **out, read_condition,
			  free_conditions, (void **)out, n);
}

int store_treatment_types_list(struct db *db, struct treatment_type **out, size_t *n)
{
	return db_collect(db, db_stmt(db, &sql_tt_list), sizeof **out, read_tt, free_tts,
			  (void **)out, n);
}

int store_areas_list(struct db *db, struct area **out, size_t *n)
{
	return db_collect(db, db_stmt(db, &sql_area_list), sizeof **out, read_area, free_areas,
			  (void **)out, n);
}

int store_condition_get(struct db *db, const char *code, struct condition *out)
{
	memset(out, 0, sizeof *out);
	return db_get_one(db, db_stmt_text(db, &sql_cond_get, code), read_condition, out);
}

int store_treatment_type_get(struct db *db, const char *code, struct treatment_type *out)
{
	memset(out, 0, sizeof *out);
	return db_get_one(db, db_stmt_text(db, &sql_tt_get, code), read_tt, out);
}

int store_area_get(struct db *db, const char *code, struct area *out)
{
	memset(out, 0, sizeof *out);
	return db_get_one(db, db_stmt_text(db, &sql_area_get, code), read_area, out);
}

int store_condition_put(struct db *db, const struct condition *c)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt(db, &sql_cond_put);
	if (!st)
		return db_stmt_err(db);
	db_bind_text(st, 1, c->code);
	db_bind_text(st, 2, c->name);
	db_bind_text(st, 3, severity_name(c->severity));
	db_bind_int(st, 4, c->active ? 1 : 0);
	return db_exec_stmt(db, st);
}

int store_treatment_type_put(struct db *db, const struct treatment_type *t)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt(db, &sql_tt_put);
	if (!st)
		return db_stmt_err(db);
	db_bind_text(st, 1, t->code);
	db_bind_text(st, 2, t->name);
	db_bind_int(st, 3, t->default_sessions);
	db_bind_int(st, 4, t->min_interval_days);
	db_bind_int(st, 5, t->max_interval_days);
	db_bind_int(st, 6, t->default_duration_min);
	db_bind_int(st, 7, t->uses_prp ? 1 : 0);
	db_bind_int(st, 8, t->max_sessions);
	db_bind_text(st, 9, room_kind_name(t->room_kind ? t->room_kind : ROOM_TREATMENT));
	db_bind_text(st, 10, t->aftercare_text);
	return db_exec_stmt(db, st);
}

int store_area_put(struct db *db, const struct area *a)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt(db, &sql_area_put);
	if (!st)
		return db_stmt_err(db);
	db_bind_text(st, 1, a->code);
	db_bind_text(st, 2, a->name);
	db_bind_int(st, 3, a->max_depth_hmm);
	return db_exec_stmt(db, st);
}

int store_screening_insert(struct db *db, struct screening *s)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt(db, &sql_scr_insert);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 1, s->patient_id);
	db_bind_int(st, 2, s->recorded_at);
	db_bind_int(st, 3, s->recorded_by);
	db_bind_text(st, 4, s->notes);
	int err = db_insert(db, st, &s->id);
	if (err)
		return err;
	err = db_insert_texts(db, &sql_scr_cond_insert, s->id, s->conditions, s->nconditions);
	for (size_t i = 0; !err && i < s->nclearances; i++) {
		if (!(st = db_stmt_id(db, &sql_scr_clear_insert, s->id)))
			return -ERR_INTERNAL;
		db_bind_text(st, 2, s->clearances[i].condition);
		db_bind_text(st, 3, s->clearances[i].cleared_by);
		db_bind_int(st, 4, s->clearances[i].cleared_at);
		db_bind_text(st, 5, s->clearances[i].note ? s->clearances[i].note : "");
		err = db_exec_stmt(db, st);
	}
	return err;
}

static void read_clearance(struct dbst *st, void *p)
{
	struct clearance *c = p;
	c->condition = db_col_text(st, 0);
	c->cleared_by = db_col_text(st, 1);
	c->cleared_at = db_col_int64(st, 2);
	c->note = db_col_text(st, 3);
}

/* Loads the conditions and clearances of a struct screening. */
static int load_details(struct db *db, void *screening)
{
	struct screening *s = screening;
	int err = db_collect_into(db, db_stmt_id(db, &sql_scr_conds, s->id), sizeof *s->conditions,
				  db_read_text, (void **)&s->conditions, &s->nconditions);
	if (!err)
		err = db_collect_into(db, db_stmt_id(db, &sql_scr_clears, s->id),
				      sizeof *s->clearances, read_clearance,
				      (void **)&s->clearances, &s->nclearances);
	return err;
}

int store_screening_latest(struct db *db, int64_t patient_id, struct screening *out)
{
	memset(out, 0, sizeof *out);
	int err =
	    db_get_one(db, db_stmt_id(db, &sql_scr_latest, patient_id), read_screening_row, out);
	if (!err && (err = load_details(db, out)) != 0)
		screening_cleanup(out);
	return err;
}

int store_screening_list(struct db *db, int64_t patient_id, struct screening **out, size_t *n)
{
	return db_collect_each(db, db_stmt_id(db, &sql_scr_list, patient_id), sizeof **out,
			       read_screening_row, load_details, free_screenings, (void **)out, n);
}

int store_consent_insert(struct db *db, struct consent *c)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt(db, &sql_consent_insert);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 1, c->patient_id);
	db_bind_text(st, 2, c->treatment_type);
	db_bind_text(st, 3, c->form_version);
	db_bind_text(st, 4, c->signed_name);
	db_bind_int(st, 5, c->signed_at);
	db_bind_int(st, 6, c->recorded_by);
	return db_insert(db, st, &c->id);
}

int store_consent_list(struct db *db, int64_t patient_id, struct consent **out, size_t *n)
{
	return db_collect(db, db_stmt_id(db, &sql_consent_list, patient_id), sizeof **out,
			  read_consent, free_consents, (void **)out, n);
}

int store_consent_latest(struct db *db, int64_t patient_id, const char *treatment_type,
			 struct consent *out)
{
	memset(out, 0, sizeof *out);
	struct dbst *st = db_stmt_id(db, &sql_consent_latest, patient_id);
	if (!st)
		return db_stmt_err(db);
	db_bind_text(st, 2, treatment_type);
	return db_get_one(db, st, read_consent, out);
}
