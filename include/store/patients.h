/* Patients: demographics, chart numbers and search. */
#ifndef COLLAGENDA_STORE_PATIENTS_H
#define COLLAGENDA_STORE_PATIENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/model.h"
#include "store/db.h"

/* Inserts p (its mrn is generated from the new id); sets p->id and p->mrn. */
int store_patient_insert(struct db *db, struct patient *p) __attribute__((warn_unused_result));
/* Reads patient id; -ERR_NOT_FOUND. Clean up with patient_cleanup. */
int store_patient_get(struct db *db, int64_t id, struct patient *out)
    __attribute__((warn_unused_result));
/* Writes every demographic field of p (by p->id), and archived. */
int store_patient_update(struct db *db, const struct patient *p)
    __attribute__((warn_unused_result));

enum patient_query_kind {
	PQ_ALL,	  /* no filter */
	PQ_NAME,  /* a: folded prefix of first or last name; b (optional): of the other, or
		   * "a b" is the prefix of one name */
	PQ_MRN,	  /* a: canonical chart number */
	PQ_PHONE, /* a: reversed digits: the phone ends with them */
	PQ_DOB,	  /* a: YYYY-MM-DD */
};

struct patient_query {
	enum patient_query_kind kind;
	const char *a;
	const char *b;
	bool last_first; /* PQ_NAME with b, typed "last, first": a is the last name, b the first */
	bool include_archived;
	int64_t limit;
	int64_t offset;
};

/* Matches ordered by last name, first name, id; *total counts all matches. */
int store_patient_search(struct db *db, const struct patient_query *q, struct patient **out,
			 size_t *n, int64_t *total) __attribute__((warn_unused_result));

/* An unarchived patient other than except_id with the same folded names and birth date;
 * *id 0 when none. */
int store_patient_find_same(struct db *db, const struct patient *p, int64_t *id)
    __attribute__((warn_unused_result));

#endif
