/* Catalog rows, screenings, consents, plans and appointments as they travel between
 * store/, domain/ and api/. Heap strings are owned by the struct; _cleanup frees. */
#ifndef COLLAGENDA_DOMAIN_CLINICAL_H
#define COLLAGENDA_DOMAIN_CLINICAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/schedule.h"

struct condition {
	char *code;
	char *name;
	int severity; /* enum severity */
	bool active;
};

struct treatment_type {
	char *code;
	char *name;
	int default_sessions;
	int min_interval_days;
	int max_interval_days;
	int default_duration_min;
	bool uses_prp;
	int max_sessions; /* the most a plan of this type has without an override */
	int room_kind;	  /* enum room_kind: the room its sessions need */
	/* The clinic's aftercare advice for the patient, or NULL: the template's general
	 * advice. */
	char *aftercare_text;
};

struct area {
	char *code;
	char *name;
	int max_depth_hmm; /* hundredths of a millimetre */
};

struct clearance {
	char *condition;
	char *cleared_by;
	int64_t cleared_at;
	char *note;
};

struct screening {
	int64_t id;
	int64_t patient_id;
	int64_t recorded_at;
	int64_t recorded_by;
	char **conditions; /* codes present */
	size_t nconditions;
	struct clearance *clearances;
	size_t nclearances;
	char *notes;
};

struct consent {
	int64_t id;
	int64_t patient_id;
	char *treatment_type;
	char *form_version;
	char *signed_name;
	int64_t signed_at;
	int64_t recorded_by;
};

/* How far a plan has come: sessions holding a time (booked, checked in or completed),
 * completed ones, and the latest holding session's start. */
struct plan_progress {
	int holding;
	int completed;
	int pending; /* booked or checked in, not yet done */
	int64_t last_start;
};

struct plan {
	int64_t id;
	int64_t patient_id;
	char *treatment_type;
	char *indication;
	char **areas;
	size_t nareas;
	int planned_sessions;
	int min_interval_days;
	int max_interval_days;
	int64_t practitioner_id;
	int status; /* enum plan_status */
	char *notes;
	char *override_reason; /* why the plan lies outside its type's bounds; NULL inside */
	int64_t created_at;
	int64_t created_by;
	int64_t updated_at;
	/* As stored with the plan, refreshed in every transaction that changes its sessions
	 * (the API tests' harness checks it against the count after every test). */
	struct plan_progress progress;
};

struct appointment {
	int64_t id;
	int64_t patient_id;
	int64_t plan_id;    /* 0 for none */
	int session_number; /* 0 for none */
	int kind;
	int64_t practitioner_id;
	int64_t room_id;
	int64_t start;
	int64_t end;
	int status;
	bool late_cancel;
	char *override_reason;
	char *cancel_reason;
	char *notes;
	int64_t created_at;
	int64_t created_by;
	int64_t updated_at;
	int64_t status_at;    /* when its status last changed; 0 while it never has */
	int64_t status_by;    /* who changed it then; 0 while it never has */
	int64_t confirmed_at; /* when the patient confirmed through a message's link; 0: not */
};

/* An appointment with the names a schedule shows. Its texts, the appointment's included,
 * are held in one block (texts): free the view with appt_views_free only. */
struct appt_view {
	struct appointment a;
	char *texts;
	char *patient_first;
	char *patient_last;
	char *patient_mrn;
	char *practitioner_name;
	char *room_name;
	char *treatment_type; /* NULL without a plan */
	int planned_sessions; /* 0 without a plan */
	/* The patient's phone number, for a day sheet only (with_phone): not owned by the
	 * view, NULL when the patient has none. */
	bool with_phone;
	const char *patient_phone;
};
void appt_views_free(struct appt_view *list, size_t n);

/* An active plan with its patient, for the recall list. */
struct recall_row {
	int64_t plan_id;
	int64_t patient_id;
	char *first_name;
	char *last_name;
	char *phone;
	char *treatment_type;
	int64_t practitioner_id;
	int planned;
	int min_interval_days;
	int max_interval_days;
	struct plan_progress progress;
	/* The plan's latest recall message: its kind (enum msg_kind) and status (enum
	 * msg_status), 0 when it has none; when it was sent, 0 when it was not. */
	int recall_kind;
	int recall_status;
	int64_t recall_sent_at;
};
void recall_rows_free(struct recall_row *list, size_t n);

void condition_cleanup(struct condition *c);
void conditions_free(struct condition *list, size_t n);
void treatment_type_cleanup(struct treatment_type *t);
void treatment_types_free(struct treatment_type *list, size_t n);
void area_cleanup(struct area *a);
void areas_free(struct area *list, size_t n);
void screening_cleanup(struct screening *s);
void screenings_free(struct screening *list, size_t n);
void consent_cleanup(struct consent *c);
void consents_free(struct consent *list, size_t n);
void plan_cleanup(struct plan *p);
void plans_free(struct plan *list, size_t n);
void appointment_cleanup(struct appointment *a);
void appointments_free(struct appointment *list, size_t n);

/* True when code is among list's n strings. */
bool str_in(const char *code, char *const *list, size_t n);

#endif
