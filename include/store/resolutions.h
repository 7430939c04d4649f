/* The conditions a screening records as resolved since the screening before it. */
#ifndef COLLAGENDA_STORE_RESOLUTIONS_H
#define COLLAGENDA_STORE_RESOLUTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

/* Records the n codes as resolved by screening_id. Inside the write transaction. */
int store_resolutions_insert(struct db *db, int64_t screening_id, char *const *codes, size_t n)
    __attribute__((warn_unused_result));
/* The codes screening_id resolved, in code order: *out (free each and the array) and *n. */
int store_resolutions_list(struct db *db, int64_t screening_id, char ***out, size_t *n)
    __attribute__((warn_unused_result));

#endif
