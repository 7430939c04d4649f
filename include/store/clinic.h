/* The clinic's set-up: rooms, practitioners' weekly hours and time off. */
#ifndef COLLAGENDA_STORE_CLINIC_H
#define COLLAGENDA_STORE_CLINIC_H

#include <stddef.h>
#include <stdint.h>

#include "domain/model.h"
#include "store/db.h"

/* All rooms by name; free with rooms_free. */
int store_room_list(struct db *db, struct room **out, size_t *n)
    __attribute__((warn_unused_result));
int store_room_get(struct db *db, int64_t id, struct room *out) __attribute__((warn_unused_result));
/* A new room of kind (enum room_kind); -ERR_DUPLICATE when the name is taken. */
int store_room_insert(struct db *db, const char *name, int kind, int64_t *id)
    __attribute__((warn_unused_result));
/* Writes r's name, active flag and kind. */
int store_room_update(struct db *db, const struct room *r) __attribute__((warn_unused_result));

/* A practitioner's weekly hours, ordered by weekday and start; *out is caller-freed. */
int store_hours_get(struct db *db, int64_t practitioner_id, struct hours **out, size_t *n)
    __attribute__((warn_unused_result));
/* Replaces the whole week. */
int store_hours_replace(struct db *db, int64_t practitioner_id, const struct hours *h, size_t n)
    __attribute__((warn_unused_result));

/* Time off that ends after from, ordered by start; free with time_offs_free. */
int store_time_off_list(struct db *db, int64_t practitioner_id, int64_t from, struct time_off **out,
			size_t *n) __attribute__((warn_unused_result));
int store_time_off_insert(struct db *db, const struct time_off *t, int64_t created_by, int64_t *id)
    __attribute__((warn_unused_result));

#endif
