/* Rooms, weekly hours and time off. */
#include "store/clinic.h"

#include <assert.h>

#include "db_internal.h"
#include "domain/schedule.h"
#include "util/err.h"

static const char *const sql_rooms = "SELECT id, name, active, kind FROM rooms ORDER BY name, id";
static const char *const sql_room_get = "SELECT id, name, active, kind FROM rooms WHERE id = ?1";
static const char *const sql_room_insert = "INSERT INTO rooms (name, kind) VALUES (?1, ?2)";
static const char *const sql_room_update =
    "UPDATE rooms SET name = ?2, active = ?3, kind = ?4 WHERE id = ?1";
static const char *const sql_hours =
    "SELECT weekday, start_min, end_min FROM availability WHERE practitioner_id = ?1 "
    "ORDER BY weekday, start_min";
static const char *const sql_hours_clear = "DELETE FROM availability WHERE practitioner_id = ?1";
static const char *const sql_hours_insert =
    "INSERT INTO availability (practitioner_id, weekday, start_min, end_min) "
    "VALUES (?1, ?2, ?3, ?4)";
static const char *const sql_off_list =
    "SELECT id, practitioner_id, start_at, end_at, reason FROM time_off "
    "WHERE practitioner_id = ?1 AND end_at > ?2 ORDER BY start_at";
static const char *const sql_off_insert =
    "INSERT INTO time_off (practitioner_id, start_at, end_at, reason, created_by) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";

static void read_room(struct dbst *st, void *p)
{
	struct room *r = p;
	r->id = db_col_int64(st, 0);
	r->name = db_col_text(st, 1);
	r->active = db_col_int(st, 2) != 0;
	r->kind = room_kind_parse(db_col_cstr(st, 3));
}

static void free_rooms(void *p, size_t n)
{
	rooms_free(p, n);
}

int store_room_list(struct db *db, struct room **out, size_t *n)
{
	return db_collect(db, db_stmt(db, &sql_rooms), sizeof **out, read_room, free_rooms,
			  (void **)out, n);
}

int store_room_get(struct db *db, int64_t id, struct room *out)
{
	return db_get_one(db, db_stmt_id(db, &sql_room_get, id), read_room, out);
}

int store_room_insert(struct db *db, const char *name, int kind, int64_t *id)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_text(db, &sql_room_insert, name);
	if (!st)
		return db_stmt_err(db);
	db_bind_text(st, 2, room_kind_name(kind));
	return db_insert(db, st, id);
}

int store_room_update(struct db *db, const struct room *r)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_id(db, &sql_room_update, r->id);
	if (!st)
		return db_stmt_err(db);
	db_bind_text(st, 2, r->name);
	db_bind_int(st, 3, r->active ? 1 : 0);
	db_bind_text(st, 4, room_kind_name(r->kind));
	return db_exec_stmt(db, st);
}

static void read_hours(struct dbst *st, void *p)
{
	struct hours *h = p;
	h->weekday = db_col_int(st, 0);
	h->start_min = db_col_int(st, 1);
	h->end_min = db_col_int(st, 2);
}

int store_hours_get(struct db *db, int64_t practitioner_id, struct hours **out, size_t *n)
{
	return db_collect(db, db_stmt_id(db, &sql_hours, practitioner_id), sizeof **out, read_hours,
			  db_free_plain, (void **)out, n);
}

int store_hours_replace(struct db *db, int64_t practitioner_id, const struct hours *h, size_t n)
{
	assert(db_in_write(db));
	int err = db_exec_stmt(db, db_stmt_id(db, &sql_hours_clear, practitioner_id));
	for (size_t i = 0; !err && i < n; i++) {
		struct dbst *st = db_stmt_id(db, &sql_hours_insert, practitioner_id);
		if (!st)
			return db_stmt_err(db);
		db_bind_int(st, 2, h[i].weekday);
		db_bind_int(st, 3, h[i].start_min);
		db_bind_int(st, 4, h[i].end_min);
		err = db_exec_stmt(db, st);
	}
	return err;
}

static void read_time_off(struct dbst *st, void *p)
{
	struct time_off *t = p;
	t->id = db_col_int64(st, 0);
	t->practitioner_id = db_col_int64(st, 1);
	t->start = db_col_int64(st, 2);
	t->end = db_col_int64(st, 3);
	t->reason = db_col_text(st, 4);
}

static void free_time_offs(void *p, size_t n)
{
	time_offs_free(p, n);
}

int store_time_off_list(struct db *db, int64_t practitioner_id, int64_t from, struct time_off **out,
			size_t *n)
{
	struct dbst *st = db_stmt_id(db, &sql_off_list, practitioner_id);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 2, from);
	return db_collect(db, st, sizeof **out, read_time_off, free_time_offs, (void **)out, n);
}

int store_time_off_insert(struct db *db, const struct time_off *t, int64_t created_by, int64_t *id)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt(db, &sql_off_insert);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 1, t->practitioner_id);
	db_bind_int(st, 2, t->start);
	db_bind_int(st, 3, t->end);
	db_bind_text(st, 4, t->reason);
	if (created_by)
		db_bind_int(st, 5, created_by);
	return db_insert(db, st, id);
}
