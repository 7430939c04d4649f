/* Patients, with folded name keys, name words and phone digits kept for indexed search. */
#include "store/patients.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "domain/text.h"
#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

#define COLS                                                                                    \
	"id, mrn, first_name, last_name, date_of_birth, phone, email, fitzpatrick, notes, "     \
	"archived, created_at, updated_at, merged_into, contact_email, contact_sms, language, " \
	"contact_changed_at, contact_changed_by"
#define ORDER " ORDER BY last_key, first_key, id LIMIT ?8 OFFSET ?9"
/* ?7: include archived. */
#define ARCH  "(archived = 0 OR ?7)"
#define W_ALL ARCH
#define W_MRN ARCH " AND mrn = ?1"
#define W_DOB ARCH " AND date_of_birth = ?1"

static const char *const sql_insert =
    "INSERT INTO patients (first_name, last_name, first_key, last_key, date_of_birth, phone, "
    "phone_key, email, fitzpatrick, notes, archived, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?11, ?11)";
static const char *const sql_set_mrn = "UPDATE patients SET mrn = ?2 WHERE id = ?1";
static const char *const sql_get = "SELECT " COLS " FROM patients WHERE id = ?1";
static const char *const sql_update =
    "UPDATE patients SET first_name = ?2, last_name = ?3, first_key = ?4, last_key = ?5, "
    "date_of_birth = ?6, phone = ?7, phone_key = ?8, email = ?9, fitzpatrick = ?10, "
    "notes = ?11, archived = ?12, updated_at = ?13 WHERE id = ?1";
/* Likely the same person: born the same day, and the same folded names or the same phone
 * number; not archived, not the patient itself. */
static const char *const sql_same =
    "SELECT " COLS " FROM patients WHERE date_of_birth = ?3 AND archived = 0 AND id <> ?4 "
    "AND ((last_key = ?1 AND first_key = ?2) OR phone_key = ?5) ORDER BY id LIMIT 10";
/* A change of the contact consent: the patient's row, and the history row. */
static const char *const sql_set_contact =
    "UPDATE patients SET contact_email = ?2, contact_sms = ?3, language = ?4, "
    "contact_changed_at = ?5, contact_changed_by = ?6 WHERE id = ?1";
static const char *const sql_contact_change =
    "INSERT INTO patient_contact_changes (patient_id, changed_at, changed_by, contact_email, "
    "contact_sms, language) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char *const sql_contact_history =
    "SELECT changed_at, changed_by, contact_email, contact_sms, language "
    "FROM patient_contact_changes WHERE patient_id = ?1 ORDER BY id DESC LIMIT 100";
static const char *const sql_keys_clear = "DELETE FROM patient_keys WHERE patient_id = ?1";
static const char *const sql_prefixes_clear = "DELETE FROM patient_prefixes WHERE patient_id = ?1";
static const char *const sql_key_insert =
    "INSERT INTO patient_keys (kind, key, patient_id, last_key, first_key, archived) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING";
static const char *const sql_prefix_insert =
    "INSERT INTO patient_prefixes (prefix, patient_id, last_key, first_key, archived) "
    "VALUES (?2, ?3, ?4, ?5, ?6)";
/* The rebuild of every patient's keys (schema version 17), a batch of ids at a time: only
 * the columns the keys are made of. */
static const char *const sql_rebuild_batch =
    "SELECT id, first_name, last_name, phone, archived FROM patients WHERE id > ?1 "
    "ORDER BY id LIMIT 500";
static const char *const sql_set_keys =
    "UPDATE patients SET first_key = ?2, last_key = ?3, phone_key = ?4 WHERE id = ?1";

static const char *const sql_find[][2] = {
    [PQ_ALL] = {"SELECT " COLS " FROM patients WHERE " W_ALL ORDER,
		"SELECT count(*) FROM patients WHERE " W_ALL},
    [PQ_MRN] = {"SELECT " COLS " FROM patients WHERE " W_MRN ORDER,
		"SELECT count(*) FROM patients WHERE " W_MRN},
    [PQ_DOB] = {"SELECT " COLS " FROM patients WHERE " W_DOB ORDER,
		"SELECT count(*) FROM patients WHERE " W_DOB},
};

/* Name searches read patient_prefixes, whose rows for one prefix are in name order. One
 * word of up to TEXT_PREFIX_CHARS characters is a count and a page of that prefix's rows;
 * otherwise the rows of the longest word's prefix are walked in order and checked against
 * every word here (a longer word, a second word, "last, first"). */
#define PREFIX_ROWS "FROM patient_prefixes k WHERE k.prefix = ?1 AND (k.archived = 0 OR ?7)"
#define PCOLS                                                                             \
	"p.id, p.mrn, p.first_name, p.last_name, p.date_of_birth, p.phone, p.email, "     \
	"p.fitzpatrick, p.notes, p.archived, p.created_at, p.updated_at, p.merged_into, " \
	"p.contact_email, p.contact_sms, p.language, p.contact_changed_at, "              \
	"p.contact_changed_by"
#define PREFIX_ORDER " ORDER BY k.last_key, k.first_key, k.patient_id"
static const char *const sql_prefix_count = "SELECT count(*) " PREFIX_ROWS;
static const char *const sql_prefix_page =
    "SELECT " PCOLS " FROM patient_prefixes k JOIN patients p ON p.id = k.patient_id "
    "WHERE k.prefix = ?1 AND (k.archived = 0 OR ?7)" PREFIX_ORDER " LIMIT ?8 OFFSET ?9";
static const char *const sql_prefix_walk =
    "SELECT k.patient_id, k.last_key, k.first_key, k.archived FROM patient_prefixes k "
    "WHERE k.prefix = ?1" PREFIX_ORDER;
#define PAGE " ORDER BY 2, 3, 1 LIMIT ?8 OFFSET ?9"
#define ONE(where)                                                           \
	"SELECT DISTINCT patient_id, last_key, first_key FROM patient_keys " \
	"WHERE " where " AND " ARCH
#define COUNT1(where) \
	"SELECT count(DISTINCT patient_id) FROM patient_keys WHERE " where " AND " ARCH
/* A run of digits: the start of one of the phone's tails. */
#define PHONE_A "kind = 3 AND key >= ?1 AND key < ?2"
static const char *const sql_find_phone[2] = {ONE(PHONE_A) PAGE, COUNT1(PHONE_A)};

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
	p->merged_into = db_col_null(st, 12) ? 0 : db_col_int64(st, 12);
	p->contact_email = db_col_int(st, 13) != 0;
	p->contact_sms = db_col_int(st, 14) != 0;
	const char *lang = db_col_cstr(st, 15);
	snprintf(p->language, sizeof p->language, "%s", lang ? lang : "en");
	p->contact_changed_at = db_col_null(st, 16) ? 0 : db_col_int64(st, 16);
	p->contact_changed_by = db_col_null(st, 17) ? 0 : db_col_int64(st, 17);
}

/* A patient's search keys: folded names (the names themselves should they not fold, which
 * the API's checks rule out) and the phone's national digits. */
struct keys {
	char first[512], last[512], phone[40];
};

static void make_keys(const struct patient *p, struct keys *k)
{
	if (!text_fold(p->first_name, k->first, sizeof k->first))
		snprintf(k->first, sizeof k->first, "%s", p->first_name);
	if (!text_fold(p->last_name, k->last, sizeof k->last))
		snprintf(k->last, sizeof k->last, "%s", p->last_name);
	k->phone[0] = '\0';
	if (p->phone)
		text_phone_key(p->phone, k->phone, sizeof k->phone);
}

/* Binds the ten columns a patient's INSERT and UPDATE both set, in the order both list
 * them, from position first on: names, their folded keys, date of birth, phone and its
 * key, e-mail, Fitzpatrick type and notes. */
static void bind_details(struct dbst *st, int first, const struct patient *p, const struct keys *k)
{
	db_bind_text(st, first, p->first_name);
	db_bind_text(st, first + 1, p->last_name);
	db_bind_text(st, first + 2, k->first);
	db_bind_text(st, first + 3, k->last);
	db_bind_text(st, first + 4, p->date_of_birth);
	db_bind_text(st, first + 5, p->phone);
	if (k->phone[0])
		db_bind_text(st, first + 6, k->phone);
	db_bind_text(st, first + 7, p->email);
	if (p->fitzpatrick) /* 0, not recorded, stays NULL */
		db_bind_int(st, first + 8, p->fitzpatrick);
	db_bind_text(st, first + 9, p->notes);
}

/* Replaces patient id's rows in patient_keys and patient_prefixes with those of k. */
static int write_keys(struct db *db, int64_t id, bool archived, const struct keys *k)
{
	struct text_keys *tk = xmalloc(sizeof *tk);
	if (!text_patient_keys(k->first, k->last, k->phone, tk)) {
		/* Names this long never pass the API; such a patient is found by chart number. */
		log_warn("patient %lld: search keys too long", (long long)id);
	}
	struct dbst *st = db_stmt_id(db, &sql_keys_clear, id);
	int err = st ? db_exec_stmt(db, st) : db_stmt_err(db);
	if (!err) {
		st = db_stmt_id(db, &sql_prefixes_clear, id);
		err = st ? db_exec_stmt(db, st) : db_stmt_err(db);
	}
	for (size_t i = 0; !err && i < tk->n; i++) {
		bool prefix = tk->kind[i] == TEXT_KEY_PREFIX;
		if (!(st = db_stmt(db, prefix ? &sql_prefix_insert : &sql_key_insert))) {
			err = db_stmt_err(db);
			break;
		}
		if (!prefix)
			db_bind_int(st, 1, tk->kind[i]);
		db_bind_text(st, 2, tk->key[i]);
		db_bind_int(st, 3, id);
		db_bind_text(st, 4, k->last);
		db_bind_text(st, 5, k->first);
		db_bind_int(st, 6, archived ? 1 : 0);
		err = db_exec_stmt(db, st);
	}
	free(tk);
	return err;
}

int store_patient_insert(struct db *db, struct patient *p)
{
	assert(db_in_write(db));
	struct keys k;
	make_keys(p, &k);
	struct dbst *st = db_stmt(db, &sql_insert);
	if (!st)
		return db_stmt_err(db);
	bind_details(st, 1, p, &k);
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
	if ((err = db_exec_stmt(db, st)) != 0 || (err = write_keys(db, p->id, false, &k)) != 0)
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

int store_patient_set_contact(struct db *db, struct patient *p, int64_t at, int64_t by)
{
	assert(db_in_write(db));
	struct dbst *st = db_stmt_id(db, &sql_set_contact, p->id);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 2, p->contact_email ? 1 : 0);
	db_bind_int(st, 3, p->contact_sms ? 1 : 0);
	db_bind_text(st, 4, p->language);
	db_bind_int(st, 5, at);
	if (by)
		db_bind_int(st, 6, by);
	int err = db_exec_stmt(db, st);
	if (err)
		return err;
	if (!(st = db_stmt_id(db, &sql_contact_change, p->id)))
		return db_stmt_err(db);
	db_bind_int(st, 2, at);
	if (by)
		db_bind_int(st, 3, by);
	db_bind_int(st, 4, p->contact_email ? 1 : 0);
	db_bind_int(st, 5, p->contact_sms ? 1 : 0);
	db_bind_text(st, 6, p->language);
	if ((err = db_exec_stmt(db, st)) != 0)
		return err;
	p->contact_changed_at = at;
	p->contact_changed_by = by;
	return 0;
}

static void read_change(struct dbst *st, void *out)
{
	struct contact_change *c = out;
	c->at = db_col_int64(st, 0);
	c->by = db_col_null(st, 1) ? 0 : db_col_int64(st, 1);
	c->contact_email = db_col_int(st, 2) != 0;
	c->contact_sms = db_col_int(st, 3) != 0;
	const char *lang = db_col_cstr(st, 4);
	snprintf(c->language, sizeof c->language, "%s", lang ? lang : "");
}

int store_patient_contact_history(struct db *db, int64_t id, struct contact_change **out, size_t *n)
{
	void *list = NULL;
	int err = db_collect(db, db_stmt_id(db, &sql_contact_history, id), sizeof **out,
			     read_change, db_free_plain, &list, n);
	*out = list;
	return err;
}

int store_patient_update(struct db *db, const struct patient *p)
{
	assert(db_in_write(db));
	struct keys k;
	make_keys(p, &k);
	struct dbst *st = db_stmt_id(db, &sql_update, p->id);
	if (!st)
		return db_stmt_err(db);
	bind_details(st, 2, p, &k);
	db_bind_int(st, 12, p->archived ? 1 : 0);
	db_bind_int(st, 13, p->updated_at);
	int err = db_exec_stmt(db, st);
	return err ? err : write_keys(db, p->id, p->archived, &k);
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
	case PQ_PHONE:
		bind_prefix(st, 1, q->words[0]);
		break;
	case PQ_MRN:
	case PQ_DOB:
		db_bind_text(st, 1, q->words[0]);
		break;
	case PQ_NAME: /* search_names */
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

/* The patients of ids (freed here). */
static int load_ids(struct db *db, int64_t *ids, size_t nids, struct patient **out, size_t *n)
{
	int err = 0;
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

/* The page's patients from a statement that gives their ids. */
static int read_by_ids(struct db *db, struct dbst *st, struct patient **out, size_t *n)
{
	int64_t *ids = NULL;
	size_t nids = 0;
	int err = db_collect(db, st, sizeof *ids, read_id, db_free_plain, (void **)&ids, &nids);
	if (err)
		return err;
	return load_ids(db, ids, nids, out, n);
}

/* Whether the names hold every word of q but skip (the word the rows were found by, when
 * its key is all of it and in either name): with last_first, words[0] in the last name
 * and words[1] in the first; otherwise each in either. */
static bool names_match(const struct patient_query *q, size_t skip, const char *last,
			const char *first)
{
	for (size_t i = 0; i < q->nwords; i++) {
		if (i == skip)
			continue;
		bool in_last = !q->last_first || i == 0, in_first = !q->last_first || i == 1;
		if (!(in_last && text_name_has_prefix(last, q->words[i])) &&
		    !(in_first && text_name_has_prefix(first, q->words[i])))
			return false;
	}
	return true;
}

/* PQ_NAME (see sql_prefix_count). */
static int search_names(struct db *db, const struct patient_query *q, struct patient **out,
			size_t *n, int64_t *total)
{
	size_t drive = 0;
	for (size_t i = 1; i < q->nwords; i++)
		if (strlen(q->words[i]) > strlen(q->words[drive]))
			drive = i;
	char key[4 * TEXT_PREFIX_CHARS + 1];
	bool whole = text_prefix_key(q->words[drive], key, sizeof key);
	int arch = q->include_archived ? 1 : 0;
	struct dbst *st;
	if (whole && q->nwords == 1) {
		if (!(st = db_stmt_text(db, &sql_prefix_count, key)))
			return db_stmt_err(db);
		db_bind_int(st, 7, arch);
		int err = db_query_int(db, st, total);
		if (err)
			return err;
		if (!(st = db_stmt_text(db, &sql_prefix_page, key)))
			return db_stmt_err(db);
		db_bind_int(st, 7, arch);
		db_bind_int(st, 8, q->limit);
		db_bind_int(st, 9, q->offset);
		return db_collect(db, st, sizeof **out, read_patient, free_patients, (void **)out,
				  n);
	}
	if (!(st = db_stmt_text(db, &sql_prefix_walk, key)))
		return db_stmt_err(db);
	size_t skip = whole && !q->last_first ? drive : q->nwords;
	int64_t *ids = xcalloc(q->limit > 0 ? (size_t)q->limit : 1, sizeof *ids);
	size_t nids = 0;
	int64_t seen = 0;
	int rc;
	while ((rc = db_step(db, st)) == DB_ROW) {
		if (db_col_int(st, 3) && !arch)
			continue;
		const char *last = db_col_cstr(st, 1), *first = db_col_cstr(st, 2);
		if (!last || !first || !names_match(q, skip, last, first))
			continue;
		if (seen++ >= q->offset && (int64_t)nids < q->limit)
			ids[nids++] = db_col_int64(st, 0);
	}
	db_done(st);
	if (rc != DB_DONE) {
		free(ids);
		return rc;
	}
	*total = seen;
	return load_ids(db, ids, nids, out, n);
}

int store_patient_search(struct db *db, const struct patient_query *q, struct patient **out,
			 size_t *n, int64_t *total)
{
	if (q->kind == PQ_NAME && q->nwords)
		return search_names(db, q, out, n, total);
	const char *const *pair = q->kind == PQ_PHONE  ? sql_find_phone
				  : q->kind == PQ_NAME ? sql_find[PQ_ALL]
						       : sql_find[q->kind];
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
	if (q->kind == PQ_PHONE)
		return read_by_ids(db, st, out, n);
	return db_collect(db, st, sizeof **out, read_patient, free_patients, (void **)out, n);
}

int store_patient_duplicates(struct db *db, const struct patient *p, struct patient **out,
			     size_t *n)
{
	struct keys k;
	make_keys(p, &k);
	struct dbst *st = db_stmt(db, &sql_same);
	if (!st)
		return db_stmt_err(db);
	db_bind_text(st, 1, k.last);
	db_bind_text(st, 2, k.first);
	db_bind_text(st, 3, p->date_of_birth);
	db_bind_int(st, 4, p->id);
	if (k.phone[0]) /* no phone matches no phone: NULL equals nothing */
		db_bind_text(st, 5, k.phone);
	return db_collect(db, st, sizeof **out, read_patient, free_patients, (void **)out, n);
}

static void read_key_source(struct dbst *st, void *out)
{
	struct patient *p = out;
	memset(p, 0, sizeof *p);
	p->id = db_col_int64(st, 0);
	p->first_name = db_col_text(st, 1);
	p->last_name = db_col_text(st, 2);
	p->phone = db_col_text(st, 3);
	p->archived = db_col_int(st, 4) != 0;
}

int store_patient_rebuild_keys(struct db *db)
{
	assert(db_in_write(db));
	int64_t after = 0;
	for (;;) {
		struct patient *list = NULL;
		size_t n = 0;
		int err = db_collect(db, db_stmt_id(db, &sql_rebuild_batch, after), sizeof *list,
				     read_key_source, free_patients, (void **)&list, &n);
		for (size_t i = 0; !err && i < n; i++) {
			struct keys k;
			make_keys(&list[i], &k);
			struct dbst *st = db_stmt_id(db, &sql_set_keys, list[i].id);
			if (!st) {
				err = db_stmt_err(db);
				break;
			}
			db_bind_text(st, 2, k.first);
			db_bind_text(st, 3, k.last);
			if (k.phone[0])
				db_bind_text(st, 4, k.phone);
			if ((err = db_exec_stmt(db, st)) == 0)
				err = write_keys(db, list[i].id, list[i].archived, &k);
			after = list[i].id;
		}
		patients_free(list, n);
		if (err)
			return err;
		if (n == 0)
			return 0;
	}
}

/* A merge: the chart that goes is marked first, so that the appointments' trigger lets
 * them follow it (schema version 12). */
static const char *const sql_merge_mark =
    "UPDATE patients SET archived = 1, merged_into = ?2, updated_at = ?3 WHERE id = ?1";
static const char *const sql_move[] = {
    "UPDATE plans SET patient_id = ?2 WHERE patient_id = ?1",
    "UPDATE appointments SET patient_id = ?2, patient_first_name = ?3, "
    "patient_last_name = ?4, patient_mrn = ?5 WHERE patient_id = ?1",
    "UPDATE screenings SET patient_id = ?2 WHERE patient_id = ?1",
    "UPDATE consents SET patient_id = ?2 WHERE patient_id = ?1",
};
static const char *const sql_count[] = {
    "SELECT count(*) FROM plans WHERE patient_id = ?1",
    "SELECT count(*) FROM appointments WHERE patient_id = ?1",
    "SELECT count(*) FROM screenings WHERE patient_id = ?1",
    "SELECT count(*) FROM consents WHERE patient_id = ?1",
    "SELECT count(*) FROM appointments a JOIN session_records s "
    "ON s.appointment_id = a.id WHERE a.patient_id = ?1",
};

int store_patient_merge_counts(struct db *db, int64_t from_id, struct patient_merge_counts *out)
{
	int64_t *dest[] = {&out->plans, &out->appointments, &out->screenings, &out->consents,
			   &out->session_records};
	for (size_t i = 0; i < sizeof sql_count / sizeof sql_count[0]; i++) {
		int err = db_query_int(db, db_stmt_id(db, &sql_count[i], from_id), dest[i]);
		if (err)
			return err;
	}
	return 0;
}

int store_patient_merge(struct db *db, const struct patient *to, struct patient *from,
			struct patient_merge_counts *moved)
{
	assert(db_in_write(db));
	int err = store_patient_merge_counts(db, from->id, moved);
	if (err)
		return err;
	struct dbst *st = db_stmt_id(db, &sql_merge_mark, from->id);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 2, to->id);
	db_bind_int(st, 3, from->updated_at);
	if ((err = db_exec_stmt(db, st)) != 0)
		return err;
	from->archived = true;
	from->merged_into = to->id;
	/* Rewritten with the archived flag: the merged chart leaves the default search. */
	struct keys k;
	make_keys(from, &k);
	if ((err = write_keys(db, from->id, true, &k)) != 0)
		return err;
	for (size_t i = 0; i < sizeof sql_move / sizeof sql_move[0]; i++) {
		if (!(st = db_stmt_id(db, &sql_move[i], from->id)))
			return db_stmt_err(db);
		db_bind_int(st, 2, to->id);
		if (i == 1) {
			db_bind_text(st, 3, to->first_name);
			db_bind_text(st, 4, to->last_name);
			db_bind_text(st, 5, to->mrn);
		}
		if ((err = db_exec_stmt(db, st)) != 0)
			return err;
	}
	return 0;
}

const struct hot_query store_patients_hot[] = {
    {"patient by id", &sql_get},
    {"count by a name prefix", &sql_prefix_count},
    {"search by a name prefix", &sql_prefix_page},
    {"search by a longer prefix or several", &sql_prefix_walk},
    {"search by chart number", &sql_find[PQ_MRN][0]},
    {"search by phone", &sql_find_phone[0]},
    {"count by phone", &sql_find_phone[1]},
    {"search by date of birth", &sql_find[PQ_DOB][0]},
    {"possible duplicates", &sql_same},
    {"search keys of a patient", &sql_keys_clear},
    {"name prefixes of a patient", &sql_prefixes_clear},
    {"session records of a patient", &sql_count[4]},
    {NULL, NULL},
};
