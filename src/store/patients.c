/* Patients, with folded name keys and reversed phone digits kept for indexed search. */
#include "store/patients.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "domain/text.h"
#include "util/err.h"
#include "util/xalloc.h"

#define COLS                                                                                \
	"id, mrn, first_name, last_name, date_of_birth, phone, email, fitzpatrick, notes, " \
	"archived, created_at, updated_at"
#define ORDER " ORDER BY last_key, first_key, id LIMIT ?8 OFFSET ?9"
/* ?7: include archived. ?1/?2 and ?3/?4: the [low, high) ranges of two prefixes. */
#define ARCH  "(archived = 0 OR ?7)"
#define W_ALL ARCH
#define W_NAME_LF \
	ARCH " AND last_key >= ?1 AND last_key < ?2 AND first_key >= ?3 AND first_key < ?4"
#define W_MRN	ARCH " AND mrn = ?1"
#define W_PHONE ARCH " AND phone_rev >= ?1 AND phone_rev < ?2"
#define W_DOB	ARCH " AND date_of_birth = ?1"

static const char *const sql_insert =
    "INSERT INTO patients (first_name, last_name, first_key, last_key, date_of_birth, phone, "
    "phone_rev, email, fitzpatrick, notes, archived, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?11, ?11)";
static const char *const sql_set_mrn = "UPDATE patients SET mrn = ?2 WHERE id = ?1";
static const char *const sql_get = "SELECT " COLS " FROM patients WHERE id = ?1";
static const char *const sql_update =
    "UPDATE patients SET first_name = ?2, last_name = ?3, first_key = ?4, last_key = ?5, "
    "date_of_birth = ?6, phone = ?7, phone_rev = ?8, email = ?9, fitzpatrick = ?10, "
    "notes = ?11, archived = ?12, updated_at = ?13 WHERE id = ?1";
static const char *const sql_same =
    "SELECT id FROM patients WHERE last_key = ?1 AND first_key = ?2 AND date_of_birth = ?3 "
    "AND archived = 0 AND id <> ?4 LIMIT 1";

static const char *const sql_find[][2] = {
    [PQ_ALL] = {"SELECT " COLS " FROM patients WHERE " W_ALL ORDER,
		"SELECT count(*) FROM patients WHERE " W_ALL},
    [PQ_MRN] = {"SELECT " COLS " FROM patients WHERE " W_MRN ORDER,
		"SELECT count(*) FROM patients WHERE " W_MRN},
    [PQ_PHONE] = {"SELECT " COLS " FROM patients WHERE " W_PHONE ORDER,
		  "SELECT count(*) FROM patients WHERE " W_PHONE},
    [PQ_DOB] = {"SELECT " COLS " FROM patients WHERE " W_DOB ORDER,
		"SELECT count(*) FROM patients WHERE " W_DOB},
};
static const char *const sql_find_last_first[2] = {
    "SELECT " COLS " FROM patients WHERE " W_NAME_LF ORDER,
    "SELECT count(*) FROM patients WHERE " W_NAME_LF,
};

/* Name searches read the covering name indexes: each part below gives its matches in
 * order without reading a row, the parts are merged, and only the page's rows are read.
 * One word: the first or the last name starts with it; the count adds the first-name
 * matches whose last name does not match too. */
#define BY_NAME(range) "SELECT id, last_key, first_key FROM patients WHERE " range " AND " ARCH
#define A_LAST	       "last_key >= ?1 AND last_key < ?2"
#define A_FIRST	       "first_key >= ?1 AND first_key < ?2"
static const char *const sql_find_name1[2] = {
    BY_NAME(A_LAST) " UNION " BY_NAME(A_FIRST) " ORDER BY 2, 3, 1 LIMIT ?8 OFFSET ?9",
    "SELECT (SELECT count(*) FROM patients WHERE " A_LAST " AND " ARCH ") + "
    "(SELECT count(*) FROM patients WHERE " A_FIRST " AND NOT (" A_LAST ") AND " ARCH ")",
};
/* Two words: the names start with them, either way round; or one name ("Mary Ann", "van
 * der Berg") starts with both, ?5/?6 being the range of "a b". */
#define NAME2_PARTS                                                                                \
	BY_NAME(A_FIRST " AND last_key >= ?3 AND last_key < ?4")                                   \
	" UNION " BY_NAME(A_LAST " AND first_key >= ?3 AND first_key < ?4") " UNION " BY_NAME(     \
	    "first_key >= ?5 AND first_key < ?6") " UNION " BY_NAME("last_key >= ?5 AND last_key " \
								    "< ?6")
static const char *const sql_find_name2[2] = {
    NAME2_PARTS " ORDER BY 2, 3, 1 LIMIT ?8 OFFSET ?9",
    "SELECT count(*) FROM (" NAME2_PARTS ") AS matches",
};

static void read_patient(struct dbst *st, void *out)
{
	struct patient *p = out;
	memset(p, 0, sizeof *p);
	p->id = db_col_int64(st, 0);
	p->mrn = db_col_text(st, 1);
	p->first_name = db_col_text(st, 2);
	p->last_name = db_col_text(st, 3);
	const char *dob = db_col_cstr(st, 4);
	snprintf(p->date_of_birth, sizeof p->date_of_birth, "%s", dob ? dob : "");
	p->phone = db_col_text(st, 5);
	p->email = db_col_text(st, 6);
	p->fitzpatrick = db_col_int(st, 7);
	p->notes = db_col_text(st, 8);
	p->archived = db_col_int(st, 9) != 0;
	p->created_at = db_col_int64(st, 10);
	p->updated_at = db_col_int64(st, 11);
}

/* Binds the folded keys and the reversed phone digits of p at the given positions. */
static void bind_keys(struct dbst *st, const struct patient *p, int first_idx, int last_idx,
		      int phone_idx)
{
	char fk[512], lk[512], pr[40];
	if (!text_fold(p->first_name, fk, sizeof fk))
		snprintf(fk, sizeof fk, "%s", p->first_name);
	if (!text_fold(p->last_name, lk, sizeof lk))
		snprintf(lk, sizeof lk, "%s", p->last_name);
	db_bind_text(st, first_idx, fk);
	db_bind_text(st, last_idx, lk);
	if (p->phone && phone_idx) {
		text_phone_reversed(p->phone, pr, sizeof pr);
		db_bind_text(st, phone_idx, pr);
	}
}

/* Binds the ten columns a patient's INSERT and UPDATE both set, in the order both list
 * them, from position first on: names, their folded keys, date of birth, phone and its
 * reversed digits, e-mail, Fitzpatrick type and notes. */
static void bind_details(struct dbst *st, int first, const struct patient *p)
{
	db_bind_text(st, first, p->first_name);
	db_bind_text(st, first + 1, p->last_name);
	bind_keys(st, p, first + 2, first + 3, first + 6);
	db_bind_text(st, first + 4, p->date_of_birth);
	db_bind_text(st, first + 5, p->phone);
	db_bind_text(st, first + 7, p->email);
	if (p->fitzpatrick) /* 0, not recorded, stays NULL */
		db_bind_int(st, first + 8, p->fitzpatrick);
	db_bind_text(st, first + 9, p->notes);
}

int store_patient_insert(struct db *db, struct patient *p)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt(db, &sql_insert);
	if (!st)
		return db_stmt_err(db);
	bind_details(st, 1, p);
	db_bind_int(st, 11, p->created_at);
	int err = db_insert(db, st, &p->id);
	if (err)
		return err;
	char mrn[24];
	text_mrn(p->id, mrn, sizeof mrn);
	st = db_stmt_id(db, &sql_set_mrn, p->id);
	if (!st)
		return db_stmt_err(db);
	db_bind_text(st, 2, mrn);
	if ((err = db_exec_stmt(db, st)) != 0)
		return err;
	free(p->mrn);
	p->mrn = xstrdup(mrn);
	p->updated_at = p->created_at;
	return 0;
}

int store_patient_get(struct db *db, int64_t id, struct patient *out)
{
	return db_get_one(db, db_stmt_id(db, &sql_get, id), read_patient, out);
}

int store_patient_update(struct db *db, const struct patient *p)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_id(db, &sql_update, p->id);
	if (!st)
		return db_stmt_err(db);
	bind_details(st, 2, p);
	db_bind_int(st, 12, p->archived ? 1 : 0);
	db_bind_int(st, 13, p->updated_at);
	return db_exec_stmt(db, st);
}

/* Binds [prefix, prefix + U+10FFFF): every key that starts with prefix sorts inside, as
 * no key holds the last code point, and a valid UTF-8 bound suits every database. */
static void bind_prefix(struct dbst *st, int idx, const char *prefix)
{
	size_t n = strlen(prefix);
	char *hi = xmalloc(n + 5);
	memcpy(hi, prefix, n);
	memcpy(hi + n, "\xF4\x8F\xBF\xBF", 5);
	db_bind_text(st, idx, prefix);
	db_bind_text(st, idx + 1, hi);
	free(hi);
}

static void bind_query(struct dbst *st, const struct patient_query *q)
{
	switch (q->kind) {
	case PQ_NAME:
		bind_prefix(st, 1, q->a);
		if (q->b)
			bind_prefix(st, 3, q->b);
		if (q->b && !q->last_first) {
			size_t na = strlen(q->a), nb = strlen(q->b);
			char *whole = xmalloc(na + nb + 2);
			memcpy(whole, q->a, na);
			whole[na] = ' ';
			memcpy(whole + na + 1, q->b, nb + 1);
			bind_prefix(st, 5, whole);
			free(whole);
		}
		break;
	case PQ_PHONE:
		bind_prefix(st, 1, q->a);
		break;
	case PQ_MRN:
	case PQ_DOB:
		db_bind_text(st, 1, q->a);
		break;
	case PQ_ALL:
		break;
	}
	db_bind_int(st, 7, q->include_archived ? 1 : 0);
}

static void free_patients(void *p, size_t n)
{
	patients_free(p, n);
}

static void read_id(struct dbst *st, void *out)
{
	*(int64_t *)out = db_col_int64(st, 0);
}

/* The page's patients from a statement that gives their ids. */
static int read_by_ids(struct db *db, struct dbst *st, struct patient **out, size_t *n)
{
	int64_t *ids = NULL;
	size_t nids = 0;
	int err = db_collect(db, st, sizeof *ids, read_id, db_free_plain, (void **)&ids, &nids);
	if (err)
		return err;
	struct patient *list = nids ? xcalloc(nids, sizeof *list) : NULL;
	for (size_t i = 0; !err && i < nids; i++)
		err = store_patient_get(db, ids[i], &list[i]);
	free(ids);
	if (err) {
		patients_free(list, nids); /* unread entries are zeroed */
		return err;
	}
	*out = list;
	*n = nids;
	return 0;
}

int store_patient_search(struct db *db, const struct patient_query *q, struct patient **out,
			 size_t *n, int64_t *total)
{
	/* The one- and two-word page statements give ids only (see sql_find_name1). */
	bool by_ids = q->kind == PQ_NAME && !q->last_first;
	const char *const *pair = sql_find[q->kind];
	if (by_ids)
		pair = q->b ? sql_find_name2 : sql_find_name1;
	else if (q->kind == PQ_NAME)
		pair = sql_find_last_first;
	struct dbst *st = db_stmt(db, &pair[1]);
	if (!st)
		return db_stmt_err(db);
	bind_query(st, q);
	int err = db_query_int(db, st, total);
	if (err)
		return err;
	st = db_stmt(db, &pair[0]);
	if (!st)
		return db_stmt_err(db);
	bind_query(st, q);
	db_bind_int(st, 8, q->limit);
	db_bind_int(st, 9, q->offset);
	if (by_ids)
		return read_by_ids(db, st, out, n);
	return db_collect(db, st, sizeof **out, read_patient, free_patients, (void **)out, n);
}

int store_patient_find_same(struct db *db, const struct patient *p, int64_t *id)
{
	struct dbst *st = db_stmt(db, &sql_same);
	if (!st)
		return db_stmt_err(db);
	bind_keys(st, p, 2, 1, 0);
	db_bind_text(st, 3, p->date_of_birth);
	db_bind_int(st, 4, p->id);
	int err = db_query_int(db, st, id);
	if (err == -ERR_NOT_FOUND) {
		*id = 0;
		return 0;
	}
	return err;
}

const struct hot_query store_patients_hot[] = {
    {"patient by id", &sql_get},
    {"search by name (one word)", &sql_find_name1[0]},
    {"count by name (one word)", &sql_find_name1[1]},
    {"search by name (two words)", &sql_find_name2[0]},
    {"count by name (two words)", &sql_find_name2[1]},
    {"search last, first", &sql_find_last_first[0]},
    {"search by chart number", &sql_find[PQ_MRN][0]},
    {"search by phone", &sql_find[PQ_PHONE][0]},
    {"count by phone", &sql_find[PQ_PHONE][1]},
    {"search by date of birth", &sql_find[PQ_DOB][0]},
    {"possible duplicate", &sql_same},
    {NULL, NULL},
};
