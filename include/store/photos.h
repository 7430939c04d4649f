/* Photo consents, photo rows, and the content-addressed folder that holds the photos'
 * files beside the database. */
#ifndef COLLAGENDA_STORE_PHOTOS_H
#define COLLAGENDA_STORE_PHOTOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "domain/photo.h"
#include "store/db.h"

/* Records a photo consent; fills c->id. Inside a write transaction. */
int store_photo_consent_insert(struct db *db, struct photo_consent *c)
    __attribute__((warn_unused_result));
/* A patient's photo consents, newest first; the caller frees with photo_consents_free. */
int store_photo_consent_list(struct db *db, int64_t patient_id, struct photo_consent **out,
			     size_t *n) __attribute__((warn_unused_result));
/* One photo consent; -ERR_NOT_FOUND. */
int store_photo_consent_get(struct db *db, int64_t id, struct photo_consent *out)
    __attribute__((warn_unused_result));
/* Withdraws a consent in force; -ERR_NOT_FOUND when there is none with that id in force. */
int store_photo_consent_withdraw(struct db *db, int64_t id, int64_t by, int64_t at)
    __attribute__((warn_unused_result));
/* Whether the patient has a consent of scope in force. */
int store_photo_consent_in_force(struct db *db, int64_t patient_id, const char *scope, bool *out)
    __attribute__((warn_unused_result));

/* Whether the appointment exists and is patient_id's. */
int store_photo_appointment_of(struct db *db, int64_t appointment_id, int64_t patient_id, bool *out)
    __attribute__((warn_unused_result));

/* Inserts the photo row (its files are in place already); fills p->id. */
int store_photo_insert(struct db *db, struct photo *p) __attribute__((warn_unused_result));
/* One photo with its flags; -ERR_NOT_FOUND. Removed photos are found too. */
int store_photo_get(struct db *db, int64_t id, struct photo *out)
    __attribute__((warn_unused_result));
/* A patient's photos that are not removed, oldest first, optionally of one area and
 * angle (NULL for any); at most limit rows. The caller frees with photos_free. */
int store_photo_list(struct db *db, int64_t patient_id, const char *area, const char *angle,
		     int64_t limit, struct photo **out, size_t *n)
    __attribute__((warn_unused_result));
/* How many photo rows there are, removed ones too. */
int store_photo_count(struct db *db, int64_t *n) __attribute__((warn_unused_result));
/* Marks a photo removed from view. */
int store_photo_remove(struct db *db, int64_t id, int64_t by, int64_t at)
    __attribute__((warn_unused_result));
/* Every file hash that any photo row names (full, large and thumbnail, removed photos
 * too), each once, sorted; the caller frees the strings and the array. */
int store_photo_hashes(struct db *db, char ***out, size_t *n) __attribute__((warn_unused_result));

/*
 * The folder of photo files: DB.photos beside an SQLite file, or the folder given with
 * --photos (required for photos on PostgreSQL). store_photo_dir_use sets it (NULL derives
 * it from db_target when that is a file); store_photo_dir is NULL when photos cannot be
 * kept. Files are named by their SHA-256 in hex, under a folder of its first two digits.
 */
void store_photo_dir_use(const char *dir, const char *db_target);
const char *store_photo_dir(void);
/* The path of hash's file under dir into out. False when it does not fit. */
bool store_photo_path(const char *dir, const char *hash, char *out, size_t n);
/* Writes data as hash's file under dir, durably (temporary file, fsync, rename, folder
 * fsync), unless a file of that name and size is there already. 0, or
 * -ERR_STORAGE_UNAVAILABLE (logged). */
int store_photo_file_put(const char *dir, const char *hash, const void *data, size_t len)
    __attribute__((warn_unused_result));
/* Copies every photo file that db's rows name from the folder from into the folder to,
 * durably, and checks each copy's hash. 0; -ERR_NOT_FOUND or -ERR_CONFLICT when a source
 * file is missing or altered (named on report), -ERR_STORAGE_UNAVAILABLE. *copied counts
 * the files. */
int store_photo_copy_files(struct db *db, const char *from, const char *to, FILE *report,
			   size_t *copied) __attribute__((warn_unused_result));
/* The files in dir's two-letter folders that no photo row of db names: a crash after a
 * file's rename and before its row's commit leaves one (so do the temporary files of a
 * write cut short). Each is printed on report as "photo file orphaned: NAME"; with
 * remove, each whose modification is at least min_age seconds old is removed instead
 * ("photo file removed: NAME") and the rest counted in *kept. Inside a read transaction:
 * the rows are read before the folder, so that a file whose row commits meanwhile is
 * newer than the rows read and is kept. */
int store_photo_orphans(struct db *db, const char *dir, bool remove, int64_t min_age, FILE *report,
			size_t *orphans, size_t *removed, size_t *kept)
    __attribute__((warn_unused_result));
/* Re-hashes every photo file db's rows name under dir, naming each missing or altered one
 * on report. 0 with *bad (files that fail) and *checked, or a database error. */
int store_photo_verify_files(struct db *db, const char *dir, FILE *report, size_t *bad,
			     size_t *checked) __attribute__((warn_unused_result));
/* Reads hash's file; the caller frees *data. -ERR_NOT_FOUND when it is missing,
 * -ERR_STORAGE_UNAVAILABLE when it cannot be read. */
int store_photo_file_get(const char *dir, const char *hash, unsigned char **data, size_t *len)
    __attribute__((warn_unused_result));
/* Re-hashes hash's file under dir: 0 when it matches, -ERR_NOT_FOUND when missing,
 * -ERR_CONFLICT when its content no longer has that hash. */
int store_photo_file_check(const char *dir, const char *hash) __attribute__((warn_unused_result));
/* The SHA-256 of data in lower-case hex, into out[65]. */
void store_photo_hash(const void *data, size_t len, char out[65]);

#endif
