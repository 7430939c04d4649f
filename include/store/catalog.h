/* Catalogs (conditions, treatment types, areas), screenings and consents. */
#ifndef COLLAGENDA_STORE_CATALOG_H
#define COLLAGENDA_STORE_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "domain/clinical.h"
#include "store/db.h"

/* Whole catalogs ordered by code; free with the entity's _free function. */
int store_conditions_list(struct db *db, struct condition **out, size_t *n)
    __attribute__((warn_unused_result));
int store_treatment_types_list(struct db *db, struct treatment_type **out, size_t *n)
    __attribute__((warn_unused_result));
int store_areas_list(struct db *db, struct area **out, size_t *n)
    __attribute__((warn_unused_result));

/* One row by code; -ERR_NOT_FOUND. */
int store_condition_get(struct db *db, const char *code, struct condition *out)
    __attribute__((warn_unused_result));
int store_treatment_type_get(struct db *db, const char *code, struct treatment_type *out)
    __attribute__((warn_unused_result));
int store_area_get(struct db *db, const char *code, struct area *out)
    __attribute__((warn_unused_result));

/* Inserts or replaces a row by its code. */
int store_condition_put(struct db *db, const struct condition *c)
    __attribute__((warn_unused_result));
int store_treatment_type_put(struct db *db, const struct treatment_type *t)
    __attribute__((warn_unused_result));
int store_area_put(struct db *db, const struct area *a) __attribute__((warn_unused_result));

/* Inserts a screening with its conditions and clearances; sets s->id. */
int store_screening_insert(struct db *db, struct screening *s) __attribute__((warn_unused_result));
/* The patient's latest screening, with conditions and clearances; -ERR_NOT_FOUND. */
int store_screening_latest(struct db *db, int64_t patient_id, struct screening *out)
    __attribute__((warn_unused_result));
/* All of a patient's screenings, newest first. */
int store_screening_list(struct db *db, int64_t patient_id, struct screening **out, size_t *n)
    __attribute__((warn_unused_result));

int store_consent_insert(struct db *db, struct consent *c) __attribute__((warn_unused_result));
/* A patient's consents, newest first. */
int store_consent_list(struct db *db, int64_t patient_id, struct consent **out, size_t *n)
    __attribute__((warn_unused_result));
/* The newest consent of a patient for a treatment type; -ERR_NOT_FOUND. */
int store_consent_latest(struct db *db, int64_t patient_id, const char *treatment_type,
			 struct consent *out) __attribute__((warn_unused_result));

#endif
