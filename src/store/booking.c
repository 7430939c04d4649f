/* Loads the facts of a booking decision from the tables that hold them. */
#include "store/booking.h"

#include <stdlib.h>
#include <string.h>

#include "store/catalog.h"
#include "store/clinic.h"
#include "store/patients.h"
#include "store/schedule.h"
#include "store/users.h"
#include "util/err.h"
#include "util/xalloc.h"

int store_safety_facts(struct db *db, int64_t patient_id, struct safety_facts *f)
{
	struct patient p;
	memset(f, 0, sizeof *f);
	int err = store_patient_get(db, patient_id, &p);
	if (err == -ERR_NOT_FOUND)
		return 0;
	if (err)
		return err;
	f->found = true;
	f->archived = p.archived;
	f->birth_ok = dates_parse_date(p.date_of_birth, &f->birth) == 0;
	patient_cleanup(&p);
	err = store_screening_latest(db, patient_id, &f->screening);
	if (err == -ERR_NOT_FOUND)
		return 0;
	if (err)
		goto fail;
	f->has_screening = true;
	/* Most screenings list no condition: then the catalog is not needed. */
	struct condition *cat = NULL;
	size_t ncat = 0;
	if (f->screening.nconditions && (err = store_conditions_list(db, &cat, &ncat)) != 0)
		goto fail;
	f->conds = xcalloc(f->screening.nconditions + 1, sizeof *f->conds);
	f->nconds = f->screening.nconditions;
	rules_screened_conditions(&f->screening, cat, ncat, f->conds);
	conditions_free(cat, ncat);
	return 0;
fail:
	safety_facts_cleanup(f);
	return err;
}

static int load_practitioner(struct db *db, int64_t id, struct booking_facts *f)
{
	struct user u;
	int err = store_user_get(db, id, &u);
	if (err == -ERR_NOT_FOUND)
		return 0;
	if (err)
		return err;
	f->practitioner_found = true;
	f->practitioner_active = u.role == ROLE_PRACTITIONER && u.active;
	user_cleanup(&u);
	return 0;
}

static int load_room(struct db *db, int64_t id, struct booking_facts *f)
{
	struct room r;
	int err = store_room_get(db, id, &r);
	if (err == -ERR_NOT_FOUND)
		return 0;
	if (err)
		return err;
	f->room_found = true;
	f->room_active = r.active;
	f->room_kind = r.kind;
	room_cleanup(&r);
	return 0;
}

static int load_plan(struct db *db, const struct booking_request *r, int64_t exclude_id,
		     struct booking_facts *f)
{
	struct treatment_type t;
	int err = store_plan_get(db, r->plan_id, &f->plan);
	if (err == -ERR_NOT_FOUND)
		return 0;
	if (err)
		return err;
	f->plan_found = true;
	if ((err = store_plan_progress(db, r->plan_id, exclude_id, &f->progress)) != 0 ||
	    (err = store_treatment_type_get(db, f->plan.treatment_type, &t)) != 0)
		return err;
	f->type_duration_min = t.default_duration_min;
	f->type_room_kind = t.room_kind;
	treatment_type_cleanup(&t);
	return 0;
}

static int load_consent(struct db *db, const struct booking_request *r, struct booking_facts *f)
{
	struct consent c;
	int err = store_consent_latest(db, r->patient_id, f->plan.treatment_type, &c);
	if (err == -ERR_NOT_FOUND)
		return 0;
	if (err)
		return err;
	f->has_consent = true;
	consent_cleanup(&c);
	return 0;
}

static int load_hours(struct db *db, const struct booking_request *r, struct booking_facts *f)
{
	struct time_off *off = NULL;
	size_t noff = 0;
	int err = store_hours_get(db, r->practitioner_id, &f->hours, &f->nhours);
	if (!err)
		err = store_time_off_list(db, r->practitioner_id, r->start, &off, &noff);
	if (err)
		return err;
	f->off = xcalloc(noff + 1, sizeof *f->off);
	for (size_t i = 0; i < noff; i++) {
		f->off[i].start = off[i].start;
		f->off[i].end = off[i].end;
	}
	f->noff = noff;
	time_offs_free(off, noff);
	return 0;
}

int store_booking_facts(struct db *db, const struct booking_request *r, int64_t exclude_id,
			struct booking_facts *f)
{
	memset(f, 0, sizeof *f);
	int err = 0;
	if (r->plan_id)
		err = load_plan(db, r, exclude_id, f);
	int64_t end = r->end_defaulted ? rules_booking_end(r, f) : r->end;
	if (!err)
		err = store_safety_facts(db, r->patient_id, &f->patient);
	if (!err)
		err = load_practitioner(db, r->practitioner_id, f);
	if (!err)
		err = load_room(db, r->room_id, f);
	if (!err && f->plan_found && r->kind == KIND_TREATMENT)
		err = store_appt_neighbours(db, r->plan_id, r->start, exclude_id, &f->prev_start,
					    &f->next_start);
	if (!err && f->plan_found && r->kind == KIND_TREATMENT)
		err = load_consent(db, r, f);
	if (!err)
		err = load_hours(db, r, f);
	static const int parties[BOOK_PARTIES] = {PARTY_PRACTITIONER, PARTY_ROOM, PARTY_PATIENT};
	const int64_t ids[BOOK_PARTIES] = {r->practitioner_id, r->room_id, r->patient_id};
	for (int p = 0; !err && p < BOOK_PARTIES && end > r->start; p++)
		err = store_appt_overlap(db, parties[p], ids[p], r->start, end, exclude_id,
					 &f->conflict[p]);
	if (err)
		booking_facts_cleanup(f);
	return err;
}
