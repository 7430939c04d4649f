/* Moving a clinic from its SQLite file to PostgreSQL. */
#ifndef COLLAGENDA_STORE_COPY_H
#define COLLAGENDA_STORE_COPY_H

#include <stdio.h>

struct db;

/* Copies every table of the SQLite database from into the new PostgreSQL database to
 * (already migrated, and holding no users, patients or events), ids included, in one
 * transaction; login sessions are not copied. Then prints to report each table's rows on
 * both sides. 0, or a negative error (-ERR_CONFLICT: to is not new; -ERR_BAD_REQUEST: the
 * kinds are not SQLite and PostgreSQL), with what went wrong on report. */
int store_copy_clinic(struct db *from, struct db *to, FILE *report)
    __attribute__((warn_unused_result));

#endif
