/* Clinical photos and photo consents: the records, the names the API and the database
 * use for angles, phases and scopes, and the rules about taking and removing photos. */
#ifndef COLLAGENDA_DOMAIN_PHOTO_H
#define COLLAGENDA_DOMAIN_PHOTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The standard series of angles, and when in a treatment a photo is taken. */
bool photo_angle_valid(const char *angle);
bool photo_phase_valid(const char *phase);
/* "photo_clinical" (for the record only) or "photo_marketing" (may be shown outside it). */
bool photo_scope_valid(const char *scope);

struct photo_consent {
	int64_t id;
	int64_t patient_id;
	char *scope;
	char *form_version;
	char *signed_name;
	int64_t signed_at;
	int64_t recorded_by;
	int64_t withdrawn_at; /* 0 while in force */
	int64_t withdrawn_by;
};
void photo_consent_cleanup(struct photo_consent *c);
void photo_consents_free(struct photo_consent *list, size_t n);

struct photo {
	int64_t id;
	int64_t patient_id;
	int64_t appointment_id; /* 0 when taken outside a session */
	char *area, *angle, *phase;
	char *source_format; /* what the upload was */
	char *content_type;  /* what is stored and served */
	int64_t width, height;
	char sha256[65], large_sha256[65], thumb_sha256[65];
	int64_t bytes;
	int64_t uploaded_by;
	int64_t created_at;
	int64_t deleted_at;
	/* Filled by the store's reads: whether the patient's photo_clinical consent was
	 * withdrawn (the photo stays, flagged), and the session's state. */
	bool consent_withdrawn;
	bool marketing;		/* a photo_marketing consent is in force */
	bool session_signed;	/* its appointment's session record is signed */
	int64_t session_number; /* the appointment's place in its plan, 0 when none */
};
void photo_cleanup(struct photo *p);
void photos_free(struct photo *list, size_t n);

/* What a new photo needs to be taken (RULES.md rule 61). */
struct photo_upload_facts {
	bool patient_active;	/* not archived or merged */
	bool clinical_consent;	/* a photo_clinical consent in force */
	bool appointment_named; /* the request names an appointment */
	bool appointment_found; /* of this patient */
};
/* 0 when the photo may be taken; -ERR_PATIENT_ARCHIVED, -ERR_CONSENT_MISSING, or
 * -ERR_NOT_FOUND for an appointment that is not the patient's. */
int rules_photo_upload(const struct photo_upload_facts *f);

/* Whether a photo may leave the record (the marketing export, RULES.md rule 61): its
 * patient's photo_marketing consent is in force and the photo is not flagged
 * consent_withdrawn (the photo_clinical consent is in force too); never a removed one. */
bool rules_photo_marketing(const struct photo *p);

/* Whether a photo may be removed from view: not when its session is signed
 * (-ERR_LOCKED, RULES.md rule 62), nor twice (-ERR_NOT_FOUND). */
int rules_photo_remove(const struct photo *p);

#endif
