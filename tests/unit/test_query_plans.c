/* The hot queries use indexes: EXPLAIN QUERY PLAN of each shows no full scan of a table.
 * SQLite's plans: on PostgreSQL (COLLAGENDA_TEST_PG set, unit_db.h) the check skips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/db.h"
#include "unit_db.h"
#include "store/db_internal.h"

/* The names of the subqueries a plan materializes ("MATERIALIZE n"): a scan of one of
 * them reads rows the plan has already found, not a table. */
#define MAX_MATERIALIZED 8

struct materialized {
	char names[MAX_MATERIALIZED][64];
	int n;
};

static void note_materialized(struct materialized *m, const char *detail)
{
	if (strncmp(detail, "MATERIALIZE ", 12) == 0 && m->n < MAX_MATERIALIZED)
		snprintf(m->names[m->n++], sizeof m->names[0], "%s", detail + 12);
	/* A named subquery in FROM runs as a co-routine of that name. */
	if (strncmp(detail, "CO-ROUTINE ", 11) == 0 && m->n < MAX_MATERIALIZED)
		snprintf(m->names[m->n++], sizeof m->names[0], "%s", detail + 11);
}

/* True for a plan line that reads a whole table or a whole index of one. Scans of
 * subqueries, CTEs, materialized subqueries and constant rows are fine. */
static bool full_scan(const char *detail, const struct materialized *m)
{
	if (strncmp(detail, "SCAN ", 5) != 0)
		return false;
	const char *what = detail + 5;
	for (int i = 0; i < m->n; i++)
		if (strcmp(what, m->names[i]) == 0)
			return false;
	return strncmp(what, "(subquery", 9) != 0 && strncmp(what, "CONSTANT", 8) != 0 &&
	       strncmp(what, "subquery", 8) != 0;
}

/* A prepared EXPLAIN (how, "EXPLAIN" or "EXPLAIN QUERY PLAN") of a listed query. */
static sqlite3_stmt *explain(struct db *db, const char *how, const struct hot_query *q)
{
	char *sql = NULL;
	if (asprintf(&sql, "%s %s", how, *q->sql) < 0)
		fail();
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		print_error("%s: %s\n", q->name, sqlite3_errmsg(db_handle(db)));
	assert_int_equal(rc, SQLITE_OK);
	free(sql);
	return st;
}

static int check_list(struct db *db, const struct hot_query *list)
{
	int bad = 0;
	for (const struct hot_query *q = list; q->name; q++) {
		sqlite3_stmt *st = explain(db, "EXPLAIN QUERY PLAN", q);
		struct materialized m = {.n = 0};
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *detail = (const char *)sqlite3_column_text(st, 3);
			if (detail)
				note_materialized(&m, detail);
			if (detail && full_scan(detail, &m)) {
				print_error("%s: %s\n", q->name, detail);
				bad++;
			}
		}
		sqlite3_finalize(st);
	}
	return bad;
}

/* The plan of one listed query, its lines joined by newlines. */
static char *plan_of(struct db *db, const struct hot_query *list, const char *name)
{
	const struct hot_query *q = list;
	while (q->name && strcmp(q->name, name) != 0)
		q++;
	assert_non_null(q->name);
	sqlite3_stmt *st = explain(db, "EXPLAIN QUERY PLAN", q);
	size_t len = 0;
	char *text = NULL;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	while (sqlite3_step(st) == SQLITE_ROW)
		fprintf(f, "%s\n", (const char *)sqlite3_column_text(st, 3));
	assert_int_equal(fclose(f), 0);
	sqlite3_finalize(st);
	return text;
}

/* How many temporary B-trees a query's program opens (OpenEphemeral): each costs an
 * allocation and a pager on every run of the statement. */
static int temp_btrees(struct db *db, const struct hot_query *q)
{
	sqlite3_stmt *st = explain(db, "EXPLAIN", q);
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW)
		n += strcmp((const char *)sqlite3_column_text(st, 1), "OpenEphemeral") == 0;
	sqlite3_finalize(st);
	return n;
}

static int list_temp_btrees(struct db *db, const struct hot_query *list)
{
	int bad = 0;
	for (const struct hot_query *q = list; q->name; q++) {
		int n = temp_btrees(db, q);
		if (n) {
			print_error("%s: %d temporary B-tree(s)\n", q->name, n);
			bad++;
		}
	}
	return bad;
}

static void hot_queries_use_indexes(void **state)
{
	(void)state;
	/* SQLite's query planner, on a file of its own. */
	if (unit_pg())
		skip();
	char dir[64];
	scratch_make(dir);
	char path[128];
	snprintf(path, sizeof path, "%s/p.db", dir);
	struct db *db = NULL;
	assert_int_equal(db_open(path, &db), 0);
	int bad = check_list(db, store_schedule_hot) + check_list(db, store_patients_hot) +
		  check_list(db, store_users_hot) + check_list(db, store_sessions_hot) +
		  check_list(db, store_audit_hot) + check_list(db, store_followup_hot) +
		  check_list(db, store_messages_hot);
	assert_int_equal(bad, 0);
	/* The scheduling queries run dozens of times per booking or slot search: none of them
	 * builds a temporary B-tree (an IN list of three values would). Name searches and lot
	 * look-ups merge and sort their matches in one, by design. */
	assert_int_equal(
	    list_temp_btrees(db, store_schedule_hot) + list_temp_btrees(db, store_users_hot), 0);
	/* A day sheet takes each appointment's patient and plan labels from the
	 * appointment row: it never looks up a patient or a plan. */
	char *plan = plan_of(db, store_schedule_hot, "day sheet / appointment list");
	assert_non_null(strstr(plan, "SEARCH a USING INDEX appointments_start"));
	assert_null(strstr(plan, "patients"));
	assert_null(strstr(plan, "plans"));
	free(plan);
	/* The printed sheet's phone numbers: the day's appointments by their start index,
	 * each patient by its key. */
	plan = plan_of(db, store_schedule_hot, "day sheet phones");
	assert_non_null(strstr(plan, "SEARCH a USING INDEX appointments_start"));
	assert_non_null(strstr(plan, "SEARCH p USING INTEGER PRIMARY KEY"));
	free(plan);
	/* Re-planning the reminders reads the queued rows from the outbox's due index and
	 * each one's appointment by its key, never every message. */
	plan = plan_of(db, store_messages_hot, "re-plan reminders: move");
	assert_non_null(strstr(plan, "USING INDEX messages_due (status=?)"));
	assert_non_null(strstr(plan, "SEARCH a USING INTEGER PRIMARY KEY"));
	free(plan);
	/* The recall list reads due plans from their index alone. */
	plan = plan_of(db, store_schedule_hot, "recall list");
	assert_non_null(strstr(plan, "SEARCH pl USING COVERING INDEX plans_due"));
	assert_null(strstr(plan, "TEMP B-TREE"));
	free(plan);
	/* A lot, or a prefix of lots ("LOT-2026-1*"), is a range on each lot column's index;
	 * the date range never takes the lead from it. */
	plan = plan_of(db, store_sessions_hot, "lot look-up");
	assert_non_null(strstr(plan, "INDEX session_records_cartridge_lot (cartridge_lot>? AND "
				     "cartridge_lot<?)"));
	assert_non_null(
	    strstr(plan, "INDEX session_records_kit_lot (prp_kit_lot>? AND prp_kit_lot<?)"));
	assert_null(strstr(plan, "appointments_start"));
	assert_null(strstr(plan, "patients"));
	assert_null(strstr(plan, "plans"));
	free(plan);
	/* Without the index the recall list relies on, the check complains. */
	assert_int_equal(sqlite3_exec(db_handle(db), "DROP INDEX plans_due", NULL, NULL, NULL),
			 SQLITE_OK);
	print_message("  (a full scan is expected below: the index was dropped on purpose)\n");
	assert_true(check_list(db, store_schedule_hot) > 0);
	db_close(db);
	unlink(path);
	char side[144];
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	rmdir(dir);
}

/* The check itself notices a full scan. */
static void a_full_scan_is_noticed(void **state)
{
	(void)state;
	struct materialized m = {.n = 0};
	assert_true(full_scan("SCAN appointments", &m));
	assert_true(full_scan("SCAN patients USING INDEX patients_last", &m));
	assert_false(full_scan("SCAN (subquery-2)", &m));
	assert_false(full_scan(
	    "SEARCH appointments USING INDEX appointments_start (start_at>? AND start_at<?)", &m));
	/* A materialized subquery's rows are not a table; a table of another name still is. */
	assert_true(full_scan("SCAN n", &m));
	note_materialized(&m, "MATERIALIZE n");
	assert_false(full_scan("SCAN n", &m));
	assert_true(full_scan("SCAN appointments", &m));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_full_scan_is_noticed),
	    cmocka_unit_test(hot_queries_use_indexes),
	};
	return cmocka_run_group_tests_name("unit_query_plans", tests, NULL, NULL);
}
