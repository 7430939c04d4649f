/* The practitioner's session record (RULES.md rules 8 and 9): needle depth per area in
 * exact hundredths of a millimetre, and what signing needs. Pure. */
#ifndef COLLAGENDA_DOMAIN_SESSION_H
#define COLLAGENDA_DOMAIN_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Needles range from 0.2 to 3.0 mm. */
#define DEPTH_MIN_HMM 20
#define DEPTH_MAX_HMM 300

enum session_status { SESSION_DRAFT = 1, SESSION_SIGNED };

struct session_area {
	char *area;
	int depth_hmm;
	int passes; /* 0 when not recorded */
	char *override_reason;
};

struct reaction {
	char *type;
	int severity; /* 1-3; 0 for "none" */
};

struct prp_details {
	bool present;
	int blood_ml10; /* tenths of a millilitre */
	int spin_minutes;
	int spin_rcf;
	int prp_ml10;
	char *route; /* "topical" or "injected" */
	char *kit_lot;
};

struct session_record {
	int64_t appointment_id;
	int status;			/* enum session_status */
	int64_t screening_confirmed_at; /* 0 when not confirmed */
	bool caution_reviewed;
	int64_t consent_id;
	char *numbing_product;
	int64_t numbing_applied_at;
	int64_t numbing_removed_at;
	char *device;
	char *device_model;
	char *cartridge_lot;
	struct session_area *areas;
	size_t nareas;
	struct prp_details prp;
	char **products;
	size_t nproducts;
	char *endpoint;
	struct reaction *reactions;
	size_t nreactions;
	bool aftercare_given;
	char *notes;
	int64_t signed_by;
	int64_t signed_at;
	int64_t created_at;
	int64_t updated_at;
	int64_t updated_by;
};
void session_record_cleanup(struct session_record *r);

struct addendum {
	int64_t id;
	int64_t appointment_id;
	int64_t author;
	int64_t at;
	char *text;
};
void addenda_free(struct addendum *list, size_t n);

/* "draft"/"signed" and back (0 for unknown). */
const char *session_status_name(int status);
int session_status_parse(const char *s);

/*
 * Reads a number v (mm or ml) that has at most `decimals` decimals (0-2) into an integer
 * of that scale: 1.35 with 2 decimals -> 135. false for 1.355, NaN, infinities or values
 * beyond +-1e7. Binary floating point cannot hold 1.35 exactly; this tolerates that
 * representation error but nothing larger.
 */
bool decimal_from_double(double v, int decimals, int *out);

/* Formats a scaled integer as the shortest decimal: 135 -> "1.35", 200 -> "2", 150 -> "1.5". */
void decimal_format(int scaled, int decimals, char *buf, size_t n);

/* RULES.md rule 8: 0 when depth is within 0.2-3.0 mm and at most the area's maximum (or over it
 * with an override reason); -ERR_VALIDATION_FAILED outside 0.2-3.0;
 * -ERR_DEPTH_EXCEEDS_AREA_MAX above the area's maximum without a reason. */
int rules_depth(int depth_hmm, int area_max_hmm, bool has_override_reason);

/* The items rule 9 may find missing, as bits. */
enum sign_missing {
	MISSING_AREAS = 1,
	MISSING_SCREENING = 2,
	MISSING_CONSENT = 4,
	MISSING_PRP = 8,
	MISSING_CAUTION = 16,
	MISSING_CHECKED_IN = 32,
};
#define SIGN_MISSING_ALL 6

/* The wire names of the missing bits, in order: "areas", "screening_confirmed",
 * "consent", "prp", "caution_reviewed", "checked_in". */
const char *sign_missing_name(int index);

struct sign_facts {
	const struct session_record *r;
	int64_t session_day;   /* clinic-local day of the appointment */
	int64_t confirmed_day; /* clinic-local day of screening_confirmed_at */
	bool has_consent;      /* for the plan's treatment type */
	bool uses_prp;
	bool has_cautions; /* the patient's latest screening has caution conditions */
	bool checked_in;   /* the appointment is checked in: the patient is here */
};

/* RULES.md rule 9: the bits of what is missing before the record can be signed; 0 when it can. */
unsigned rules_sign_missing(const struct sign_facts *f);

/* RULES.md rule 30: 0 when user user_id of role (one role bit) may sign the note of an
 * appointment with practitioner appt_practitioner_id: only that practitioner signs (a
 * covering colleague reads it and adds addenda, admins read and write drafts);
 * -ERR_FORBIDDEN otherwise. With appt_practitioner_id 0, only the role is checked. */
int rules_sign_actor(unsigned role, int64_t user_id, int64_t appt_practitioner_id);

/* Whether a record may be written: 0, -ERR_LOCKED once it is signed (corrections are
 * addenda), or -ERR_BAD_TRANSITION when its appointment was cancelled or a no-show. */
int rules_record_writable(bool signed_record, int appt_status);

/* Numbing cream should dwell at least this long before needling. */
#define NUMBING_MIN_DWELL_S (15 * 60)

/* Checks the numbing times (either may be 0, unknown): -ERR_VALIDATION_FAILED when the
 * cream is removed before it is applied; otherwise 0, with *short_dwell set when it was
 * on for less than NUMBING_MIN_DWELL_S (a warning, not a refusal). */
int rules_numbing(int64_t applied_at, int64_t removed_at, bool *short_dwell);

#endif
