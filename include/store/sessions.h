/* Session records with their areas, products, reactions and addenda; lot look-ups and a
 * patient's treatment history. */
#ifndef COLLAGENDA_STORE_SESSIONS_H
#define COLLAGENDA_STORE_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/session.h"
#include "store/db.h"

/* The record of appointment id with its lists; -ERR_NOT_FOUND when none exists yet.
 * Clean up with session_record_cleanup. */
int store_record_get(struct db *db, int64_t appointment_id, struct session_record *out)
    __attribute__((warn_unused_result));

/* Writes r as the appointment's draft (inserting it the first time), replacing its lists.
 * -ERR_LOCKED when the stored record is signed (the database refuses it too). */
int store_record_put(struct db *db, const struct session_record *r)
    __attribute__((warn_unused_result));

/* Marks the draft signed by user at time, with the consent it relied on. */
int store_record_sign(struct db *db, int64_t appointment_id, int64_t user, int64_t at,
		      int64_t consent_id) __attribute__((warn_unused_result));

int store_addendum_insert(struct db *db, struct addendum *a) __attribute__((warn_unused_result));
/* A record's addenda, oldest first; free with addenda_free. */
int store_addenda_list(struct db *db, int64_t appointment_id, struct addendum **out, size_t *n)
    __attribute__((warn_unused_result));

/* The plan's last signed session that started before `before`: its record and start.
 * -ERR_NOT_FOUND when there is none. */
int store_record_previous(struct db *db, int64_t plan_id, int64_t before,
			  struct session_record *out, int64_t *start)
    __attribute__((warn_unused_result));

/* A session joined with its appointment, plan and people, for lists. */
struct session_row {
	struct session_record r;
	int64_t patient_id;
	int64_t plan_id;
	int64_t start;
	int64_t practitioner_id;
	char *practitioner_name;
	char *patient_first;
	char *patient_last;
	char *patient_mrn;
	char *treatment_type;
};
void session_rows_free(struct session_row *list, size_t n);

/* A look-up of the sessions that used a lot. */
struct lot_query {
	const char *lot; /* the lot, or the prefix of the lots wanted */
	bool prefix;	 /* lot is a prefix: every lot that starts with it */
	int64_t from;	 /* sessions that started at or after this instant */
	int64_t to;	 /* and before this one */
	int limit;
};
/* Every session whose cartridge or PRP kit lot is q's lot (or starts with its prefix),
 * newest first, at most q->limit (lists not loaded). The prefix is matched as it is
 * written: no character in it is a wildcard. */
int store_lot_sessions(struct db *db, const struct lot_query *q, struct session_row **out,
		       size_t *n) __attribute__((warn_unused_result));

/* A patient's session records across plans, newest first, with their areas. */
int store_patient_sessions(struct db *db, int64_t patient_id, int limit, struct session_row **out,
			   size_t *n) __attribute__((warn_unused_result));

#endif
