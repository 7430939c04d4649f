/* Resolved conditions: which earlier conditions a screening says are gone. */
#include "store/resolutions.h"

#include <assert.h>
#include <stdlib.h>

#include "db_internal.h"
#include "util/err.h"
#include "util/xalloc.h"

static const char *const sql_insert =
    "INSERT INTO screening_resolutions (screening_id, condition) VALUES (?1, ?2)";
static const char *const sql_list =
    "SELECT condition FROM screening_resolutions WHERE screening_id = ?1 ORDER BY condition";

int store_resolutions_insert(struct db *db, int64_t screening_id, char *const *codes, size_t n)
{
	assert(db_in_write(db));
	int err = 0;
	for (size_t i = 0; !err && i < n; i++) {
		struct dbst *st = db_stmt(db, &sql_insert);
		if (!st)
			return db_stmt_err(db);
		db_bind_int(st, 1, screening_id);
		db_bind_text(st, 2, codes[i]);
		err = db_exec_stmt(db, st);
	}
	return err;
}

static void read_code(struct dbst *st, void *out)
{
	*(char **)out = db_col_text(st, 0);
}

static void free_codes(void *p, size_t n)
{
	char **codes = p;
	for (size_t i = 0; i < n; i++)
		free(codes[i]);
	free(codes);
}

int store_resolutions_list(struct db *db, int64_t screening_id, char ***out, size_t *n)
{
	struct dbst *st = db_stmt(db, &sql_list);
	if (!st)
		return db_stmt_err(db);
	db_bind_int(st, 1, screening_id);
	void *list = NULL;
	int err = db_collect(db, st, sizeof(char *), read_code, free_codes, &list, n);
	*out = list;
	return err;
}
