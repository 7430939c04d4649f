/* The facts a booking decision and a safety check read, each loaded in one call. */
#ifndef COLLAGENDA_STORE_BOOKING_H
#define COLLAGENDA_STORE_BOOKING_H

#include <stdint.h>

#include "domain/booking.h"
#include "store/db.h"

/* A patient's birth date, archived flag and latest screening with each condition's
 * severity. A missing patient is not an error: f->found is false. Free with
 * safety_facts_cleanup. Inside a transaction. */
int store_safety_facts(struct db *db, int64_t patient_id, struct safety_facts *f)
    __attribute__((warn_unused_result));

/*
 * Everything rules_booking reads for r, ignoring the appointment exclude_id (the one being
 * moved; 0 for a new one): the patient's safety facts, the practitioner, the room, the plan
 * with its progress and treatment type, the plan's neighbours, the consent, the
 * practitioner's hours and time off, and the first conflict for each party. Records that
 * do not exist are flagged in f, not errors. Free with booking_facts_cleanup. Inside the
 * write transaction that will write the booking, so that the facts cannot change before.
 */
int store_booking_facts(struct db *db, const struct booking_request *r, int64_t exclude_id,
			struct booking_facts *f) __attribute__((warn_unused_result));

#endif
