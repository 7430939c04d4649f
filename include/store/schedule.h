/* Plans and appointments: the rows the scheduling rules read and write. */
#ifndef COLLAGENDA_STORE_SCHEDULE_H
#define COLLAGENDA_STORE_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "domain/clinical.h"
#include "store/db.h"

/* Inserts p with its areas; sets p->id. */
int store_plan_insert(struct db *db, struct plan *p) __attribute__((warn_unused_result));
/* Reads plan id with its areas; -ERR_NOT_FOUND. */
int store_plan_get(struct db *db, int64_t id, struct plan *out) __attribute__((warn_unused_result));
/* Writes status, sizes, intervals, practitioner, notes and updated_at of p. */
int store_plan_update(struct db *db, const struct plan *p) __attribute__((warn_unused_result));
/* A patient's plans, newest first, with areas. */
int store_plan_list_patient(struct db *db, int64_t patient_id, struct plan **out, size_t *n)
    __attribute__((warn_unused_result));
/* Counts of the plan's appointments by state, ignoring exclude_id (0: none). */
int store_plan_progress(struct db *db, int64_t plan_id, int64_t exclude_id,
			struct plan_progress *out) __attribute__((warn_unused_result));

int store_appt_insert(struct db *db, struct appointment *a) __attribute__((warn_unused_result));
int store_appt_get(struct db *db, int64_t id, struct appointment *out)
    __attribute__((warn_unused_result));
/* Writes every mutable field of a (by a->id). */
int store_appt_update(struct db *db, const struct appointment *a)
    __attribute__((warn_unused_result));

struct appt_filter {
	int64_t from; /* start >= from */
	int64_t to;   /* start < to */
	int64_t practitioner_id;
	int64_t room_id;
	int64_t patient_id;
	int64_t plan_id;
	int limit;
};
/* Appointments in a range, by start, with names; free with appt_views_free. */
int store_appt_list(struct db *db, const struct appt_filter *f, struct appt_view **out, size_t *n)
    __attribute__((warn_unused_result));

/* The phone number of each appointment's patient, for the appointments starting in
 * [from, to), in start order, up to limit; patients without one are left out. */
struct appt_phone {
	int64_t appt_id;
	char *phone;
};
int store_appt_phones(struct db *db, int64_t from, int64_t to, int limit, struct appt_phone **out,
		      size_t *n) __attribute__((warn_unused_result));
void appt_phones_free(struct appt_phone *list, size_t n);

enum appt_party { PARTY_PRACTITIONER, PARTY_ROOM, PARTY_PATIENT };

/* The first appointment holding time that overlaps [start, end) for the practitioner,
 * room or patient, other than exclude_id; *conflict_id 0 when none. */
int store_appt_overlap(struct db *db, int party, int64_t party_id, int64_t start, int64_t end,
		       int64_t exclude_id, int64_t *conflict_id)
    __attribute__((warn_unused_result));

/* Starts of the plan's holding sessions just before and just after start (0 if none),
 * ignoring exclude_id. */
int store_appt_neighbours(struct db *db, int64_t plan_id, int64_t start, int64_t exclude_id,
			  int64_t *prev_start, int64_t *next_start)
    __attribute__((warn_unused_result));

/* Numbers the plan's holding sessions 1..n by start; others lose their number; refreshes
 * the plan's progress columns. */
int store_appt_renumber(struct db *db, int64_t plan_id) __attribute__((warn_unused_result));

/* Holding appointments' intervals of a practitioner, room or patient within [from, to). */
int store_appt_busy(struct db *db, int party, int64_t party_id, int64_t from, int64_t to,
		    struct interval **out, size_t *n) __attribute__((warn_unused_result));

/* Active plans of unarchived patients whose next session falls due before due_before
 * (an instant), by due time, at most limit; progress from the plan's columns. */
int store_recall_candidates(struct db *db, int64_t due_before, int limit, struct recall_row **out,
			    size_t *n) __attribute__((warn_unused_result));

/* Recomputes a plan's progress columns (holding, completed, pending, last start, next due)
 * from its appointments; store_appt_renumber and store_plan_update call it. */
int store_plan_refresh(struct db *db, int64_t plan_id) __attribute__((warn_unused_result));

#endif
