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

/* Writes p's contact consent (contact_email, contact_sms, language) as changed at `at`
 * by user `by` (0: the program), with a row of patient_contact_changes; sets p's
 * contact_changed_at and _by. */
int store_patient_set_contact(struct db *db, struct patient *p, int64_t at, int64_t by)
    __attribute__((warn_unused_result));

/* One change of a patient's contact consent, as it was set. */
struct contact_change {
	int64_t at;
	int64_t by; /* 0: the program */
	bool contact_email;
	bool contact_sms;
	char language[8];
};
/* The patient's last 100 changes of contact consent, newest first; free *out. */
int store_patient_contact_history(struct db *db, int64_t id, struct contact_change **out, size_t *n)
    __attribute__((warn_unused_result));

enum patient_query_kind {
	PQ_ALL,	  /* no filter */
	PQ_NAME,  /* words: folded prefixes, each of a word of the first or last name (with
		   * last_first, words[0] of the last name and words[1] of the first) */
	PQ_MRN,	  /* words[0]: canonical chart number */
	PQ_PHONE, /* words[0]: national digits found anywhere in the phone's */
	PQ_DOB,	  /* words[0]: YYYY-MM-DD */
};

#define PATIENT_QUERY_WORDS 3

struct patient_query {
	enum patient_query_kind kind;
	const char *words[PATIENT_QUERY_WORDS];
	size_t nwords;
	bool last_first; /* PQ_NAME typed "last, first" */
	bool include_archived;
	int64_t limit;
	int64_t offset;
};

/* Matches ordered by last name, first name, id; *total counts all matches. */
int store_patient_search(struct db *db, const struct patient_query *q, struct patient **out,
			 size_t *n, int64_t *total) __attribute__((warn_unused_result));

/* Up to ten unarchived patients other than p->id that are likely p: born the same day,
 * with the same folded first and last names or the same phone number (its national
 * digits), by id. Free with patients_free. */
int store_patient_duplicates(struct db *db, const struct patient *p, struct patient **out,
			     size_t *n) __attribute__((warn_unused_result));

/* Makes every patient's search keys anew (schema version 17 runs it: SQL cannot fold). */
int store_patient_rebuild_keys(struct db *db) __attribute__((warn_unused_result));

/* What a merge moves from one chart to another. */
struct patient_merge_counts {
	int64_t plans, appointments, session_records, screenings, consents;
};

/* Counts what a merge of from_id would move, without changing anything. */
int store_patient_merge_counts(struct db *db, int64_t from_id, struct patient_merge_counts *out)
    __attribute__((warn_unused_result));

/* Merges chart from into chart to inside the caller's write transaction: from is archived
 * with merged_into = to->id, and its plans, appointments (with their session records,
 * which follow the appointment), screenings and consents become to's; the appointments'
 * copies of the patient's name and chart number become to's. *moved gets the counts. */
int store_patient_merge(struct db *db, const struct patient *to, struct patient *from,
			struct patient_merge_counts *moved) __attribute__((warn_unused_result));

#endif
