/* Unit tests for the audit trail: the hash of an event (domain/audit) and the chain in
 * the database (store/audit), on SQLite and, when COLLAGENDA_TEST_PG is set, on PostgreSQL
 * (unit_db.h): appending, listing, the append-only triggers and tamper checks. */
#include "unit_db.h"

#include "domain/audit.h"
#include "store/audit.h"
#include "store/db.h"
#include "store/db_internal.h"
#include "util/err.h"
#include "util/log.h"

/* An event with every field set; strings point at literals (never cleaned up). */
static struct audit_event sample(void)
{
	struct audit_event e;
	memset(&e, 0, sizeof e);
	e.id = 1;
	e.at = 1768210200;
	e.user_id = 7;
	e.action = (char *)"create";
	e.entity = (char *)"patient";
	e.entity_id = 42;
	e.remote = (char *)"192.0.2.7";
	e.detail = (char *)"mrn CG0000422";
	memcpy(e.prev_hash, AUDIT_GENESIS, sizeof AUDIT_GENESIS);
	return e;
}

/*
 * Known answers, computed independently as SHA-256 over "len:value" of prev_hash, id, at,
 * user, action, entity, entity id, remote and detail. A stored chain depends on this form
 * never changing.
 */
static void hash_known_answer(void **state)
{
	(void)state;
	struct audit_event e = sample();
	audit_hash(&e, e.hash);
	assert_string_equal(e.hash,
			    "e2afb8f2f362ee868099df446ee706e1ec21dd0b2490371bf66e5d6eee024e69");
	assert_true(audit_event_valid(&e, AUDIT_GENESIS));

	struct audit_event next;
	memset(&next, 0, sizeof next);
	next.id = 2;
	next.at = 1768210260;
	next.action = (char *)"read";
	next.entity = (char *)"patient";
	next.entity_id = 42;
	next.remote = (char *)"local";
	next.detail = (char *)"";
	memcpy(next.prev_hash, e.hash, AUDIT_HASH_HEX);
	audit_hash(&next, next.hash);
	assert_string_equal(next.hash,
			    "a5522580e072004bab256fe1e469c38b7826803af49897ffc796291540a0f94e");
	assert_true(audit_event_valid(&next, e.hash));
	assert_false(audit_event_valid(&next, AUDIT_GENESIS));

	/* A detail longer than the hasher's buffer, a twelve-digit id and a negative number. */
	char detail[1500];
	size_t n = (size_t)snprintf(detail, sizeof detail, "fields: ");
	for (int i = 0; i < 200; i++)
		n += (size_t)snprintf(detail + n, sizeof detail - n, "notes, ");
	assert_int_equal(n, 1408);
	struct audit_event third = {.id = 123456789012,
				    .at = 1768210320,
				    .action = (char *)"update",
				    .entity = (char *)"patient",
				    .entity_id = -5,
				    .remote = (char *)"2001:db8::1",
				    .detail = detail};
	memcpy(third.prev_hash, next.hash, AUDIT_HASH_HEX);
	audit_hash(&third, third.hash);
	assert_string_equal(third.hash,
			    "837136a421ce6ee427ca060ef19e22a7db45371521827a610aafe512e0e1491c");
}

/* Changing any one field changes the hash, and the old hash no longer validates. */
static void hash_covers_every_field(void **state)
{
	(void)state;
	/* clang-format off */
	static const char *const fields[] = {"prev_hash", "id", "at", "user_id", "action",
					     "entity", "entity_id", "remote", "detail"};
	/* clang-format on */
	int bad = 0;
	struct audit_event orig = sample();
	audit_hash(&orig, orig.hash);
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		struct audit_event e = orig;
		/* clang-format off */
		switch (i) {
		case 0: e.prev_hash[63] = '1'; break;
		case 1: e.id = 2; break;
		case 2: e.at += 1; break;
		case 3: e.user_id = 0; break;
		case 4: e.action = (char *)"update"; break;
		case 5: e.entity = (char *)"patients"; break;
		case 6: e.entity_id = 43; break;
		case 7: e.remote = (char *)"192.0.2.8"; break;
		case 8: e.detail = (char *)"mrn CG0000423"; break;
		}
		/* clang-format on */
		char h[AUDIT_HASH_HEX];
		audit_hash(&e, h);
		row_check(&bad, strcmp(h, orig.hash) != 0, "%s: same hash", fields[i]);
		/* The stored hash is the original one: the altered event must not validate
		 * against the link it claims. */
		row_check(&bad, !audit_event_valid(&e, e.prev_hash), "%s: still valid", fields[i]);
	}
	/* A changed hash alone fails as well. */
	struct audit_event e = orig;
	e.hash[0] = e.hash[0] == 'a' ? 'b' : 'a';
	row_check(&bad, !audit_event_valid(&e, AUDIT_GENESIS), "a changed hash still valid");
	assert_int_equal(bad, 0);
}

/* Moving characters between neighbouring fields changes the hash: each field is
 * length-prefixed, so no two different events share a canonical form. */
static void hash_length_prefixed(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		int64_t at_a, user_a, at_b, user_b;
		const char *action_a, *entity_a, *action_b, *entity_b;
		const char *remote_a, *detail_a, *remote_b, *detail_b;
	} rows[] = {
		{1, 0, 1, 0, "ab", "c", "a", "bc", "r", "d", "r", "d"},
		{1, 0, 1, 0, "create", "patient", "createp", "atient", "r", "d", "r", "d"},
		{1, 0, 1, 0, "a", "b", "a", "b", "local", "x", "loca", "lx"},
		{1, 0, 1, 0, "a", "b", "a", "b", "", "x", "x", ""},
		{12, 3, 1, 23, "a", "b", "a", "b", "r", "d", "r", "d"},
		{1, 0, 1, 0, "a:", "b", "a", ":b", "r", "d", "r", "d"},
		{1, 0, 1, 0, "1:a", "", "", "1:a", "r", "d", "r", "d"},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct audit_event a = sample(), b = sample();
		a.at = rows[i].at_a;
		a.user_id = rows[i].user_a;
		a.action = (char *)rows[i].action_a;
		a.entity = (char *)rows[i].entity_a;
		a.remote = (char *)rows[i].remote_a;
		a.detail = (char *)rows[i].detail_a;
		b.at = rows[i].at_b;
		b.user_id = rows[i].user_b;
		b.action = (char *)rows[i].action_b;
		b.entity = (char *)rows[i].entity_b;
		b.remote = (char *)rows[i].remote_b;
		b.detail = (char *)rows[i].detail_b;
		audit_hash(&a, a.hash);
		audit_hash(&b, b.hash);
		row_check(&bad, strcmp(a.hash, b.hash) != 0, "row %zu: the two events share a hash",
			  i);
	}
	assert_int_equal(bad, 0);
}

/* The store side: a database of the test's own (unit_db_target). */
struct fixture {
	char dir[64];
	char path[256];
	struct db *db;
};

static int setup_db(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	scratch_make(f->dir);
	unit_db_target(f->dir, f->path);
	assert_int_equal(db_open(f->path, &f->db), 0);
	*state = f;
	return 0;
}

static int teardown_db(void **state)
{
	struct fixture *f = *state;
	db_close(f->db);
	scratch_remove(f->dir);
	free(f);
	return 0;
}

/* Appends one event in its own write transaction. */
static void append(struct db *db, int64_t user_id, const char *remote, const char *action,
		   const char *entity, int64_t entity_id, const char *detail)
{
	struct actor who = {user_id, remote};
	assert_int_equal(db_begin_write(db), 0);
	assert_int_equal(store_audit_append(db, &who, action, entity, entity_id, detail), 0);
	assert_int_equal(db_commit(db), 0);
}

/* Five events, ids 1-5. */
static void append_five(struct db *db)
{
	append(db, 1, "192.0.2.1", "login", "user", 1, NULL);
	append(db, 1, "192.0.2.1", "create", "patient", 10, "mrn CG0000108");
	append(db, 2, NULL, "read", "patient", 10, NULL);
	append(db, 2, "192.0.2.2", "update", "patient", 11, "phone");
	append(db, 0, NULL, "create", "room", 3, NULL);
}

static void verify(struct db *db, int64_t *first_bad, int64_t *count)
{
	*first_bad = -1;
	*count = -1;
	assert_int_equal(store_audit_verify(db, first_bad, count), 0);
}

static void chain_intact(void **state)
{
	struct fixture *f = *state;
	int64_t first_bad, count;
	verify(f->db, &first_bad, &count);
	assert_int_equal(first_bad, 0);
	assert_int_equal(count, 0);

	append_five(f->db);
	verify(f->db, &first_bad, &count);
	assert_int_equal(first_bad, 0);
	assert_int_equal(count, 5);

	/* The rows link up: newest first, each prev_hash is the hash before it. */
	struct audit_filter all = {.limit = 500};
	struct audit_event *ev;
	size_t n;
	assert_int_equal(store_audit_list(f->db, &all, &ev, &n, NULL), 0);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ev[i].id, (int64_t)(5 - i));
		assert_int_equal(strlen(ev[i].hash), 64);
		assert_true(audit_event_valid(&ev[i], i + 1 < n ? ev[i + 1].hash : AUDIT_GENESIS));
	}
	assert_string_equal(ev[4].prev_hash, AUDIT_GENESIS);
	/* What was recorded: who, from where (or "local"), what, and an empty detail for
	 * none. */
	assert_int_equal(ev[4].user_id, 1);
	assert_string_equal(ev[4].remote, "192.0.2.1");
	assert_string_equal(ev[4].action, "login");
	assert_string_equal(ev[4].entity, "user");
	assert_int_equal(ev[4].entity_id, 1);
	assert_string_equal(ev[4].detail, "");
	assert_string_equal(ev[3].detail, "mrn CG0000108");
	assert_string_equal(ev[2].remote, "local");
	assert_int_equal(ev[0].user_id, 0);
	assert_true(ev[0].at > 1700000000);
	audit_events_free(ev, n);

	/* A rolled-back transaction leaves no event behind. */
	struct actor who = {1, NULL};
	assert_int_equal(db_begin_write(f->db), 0);
	assert_int_equal(store_audit_append(f->db, &who, "read", "patient", 10, NULL), 0);
	db_rollback(f->db);
	verify(f->db, &first_bad, &count);
	assert_int_equal(first_bad, 0);
	assert_int_equal(count, 5);
}

/* Drops the audit table's triggers, as someone with the database's own tools could. */
static void drop_audit_triggers(struct db *db, bool deletes_too)
{
	if (unit_pg())
		unit_exec(db, deletes_too ? "DROP TRIGGER audit_no_update ON audit; "
					    "DROP TRIGGER audit_no_delete ON audit"
					  : "DROP TRIGGER audit_no_update ON audit");
	else
		unit_exec(db, deletes_too ? "DROP TRIGGER audit_no_update; "
					    "DROP TRIGGER audit_no_delete"
					  : "DROP TRIGGER audit_no_update");
}

static void triggers_refuse_changes(void **state)
{
	struct fixture *f = *state;
	append_five(f->db);
	/* clang-format off */
	static const char *const refused[] = {
		"UPDATE audit SET detail = 'changed' WHERE id = 3",
		"UPDATE audit SET hash = prev_hash",
		"DELETE FROM audit WHERE id = 2",
		"DELETE FROM audit",
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		struct unit_sql r;
		unit_sql_try(f->db, refused[i], &r);
		row_check(&bad, unit_sql_refused(&r, true), "\"%s\": %s", refused[i],
			  r.ok ? "not refused" : r.msg);
	}
	assert_int_equal(bad, 0);
	assert_int_equal(unit_int(f->db, "SELECT count(*) FROM audit"), 5);
	assert_int_equal(unit_int(f->db, "SELECT count(*) FROM audit WHERE detail = 'changed'"), 0);
	int64_t first_bad, count;
	verify(f->db, &first_bad, &count);
	assert_int_equal(first_bad, 0);
	assert_int_equal(count, 5);
}

/*
 * With the triggers dropped (someone with the file and sqlite3, or with psql), each kind of
 * tampering shows at the right event: the altered one, the one after a gap, a forged one.
 */
static void tampering_detected(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *what, *sql;
		int64_t first_bad, count;
	} rows[] = {
		{"alter event 3", "UPDATE audit SET detail = 'changed' WHERE id = 3", 3, 3},
		{"alter the user of event 4", "UPDATE audit SET user_id = 1 WHERE id = 4", 4, 4},
		{"alter the time of event 1", "UPDATE audit SET at = at - 3600 WHERE id = 1", 1, 1},
		{"alter event 1's link", "UPDATE audit SET prev_hash = replace(prev_hash, '0', '1') "
					 "WHERE id = 1", 1, 1},
		{"delete event 2", "DELETE FROM audit WHERE id = 2", 3, 2},
		{"delete event 1", "DELETE FROM audit WHERE id = 1", 2, 1},
		{"renumber event 5", "UPDATE audit SET id = 7 WHERE id = 5", 7, 5},
		{"forge an event at the end",
		 "INSERT INTO audit (id, at, user_id, action, entity, entity_id, remote, detail, "
		 "prev_hash, hash) SELECT 6, at + 1, 2, 'read', 'patient', 10, 'local', '', hash, "
		 "'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' "
		 "FROM audit WHERE id = 5",
		 6, 6},
		{"forge an event with a stale link",
		 "INSERT INTO audit (id, at, user_id, action, entity, entity_id, remote, detail, "
		 "prev_hash, hash) SELECT 6, at + 1, 2, 'read', 'patient', 10, 'local', '', "
		 "prev_hash, hash FROM audit WHERE id = 5",
		 6, 6},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		void *st = NULL;
		setup_db(&st);
		struct fixture *f = st;
		append_five(f->db);
		drop_audit_triggers(f->db, true);
		struct unit_sql r;
		unit_sql_try(f->db, rows[i].sql, &r);
		row_check(&bad, r.ok && r.changes == 1, "%s: the change did not apply (%s)",
			  rows[i].what, r.ok ? "no row" : r.msg);
		int64_t first_bad, count;
		verify(f->db, &first_bad, &count);
		row_check(&bad, first_bad == rows[i].first_bad && count == rows[i].count,
			  "%s: first_bad %lld after %lld events, want %lld after %lld",
			  rows[i].what, (long long)first_bad, (long long)count,
			  (long long)rows[i].first_bad, (long long)rows[i].count);
		teardown_db(&st);
	}
	assert_int_equal(bad, 0);
}

/* Altering an event and recomputing its hash still breaks the next link. */
static void rehashed_event_breaks_next_link(void **state)
{
	struct fixture *f = *state;
	append_five(f->db);
	drop_audit_triggers(f->db, false);

	struct audit_filter only3 = {.before_id = 4, .limit = 1};
	struct audit_event *ev;
	size_t n;
	assert_int_equal(store_audit_list(f->db, &only3, &ev, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].id, 3);
	free(ev[0].detail);
	ev[0].detail = strdup("innocent");
	audit_hash(&ev[0], ev[0].hash);

	/* The detail is a literal and the hash hex digits: neither needs quoting. */
	char sql[160];
	snprintf(sql, sizeof sql, "UPDATE audit SET detail = '%s', hash = '%s' WHERE id = 3",
		 ev[0].detail, ev[0].hash);
	assert_int_equal(unit_exec(f->db, sql), 1);
	audit_events_free(ev, n);

	int64_t first_bad, count;
	verify(f->db, &first_bad, &count);
	assert_int_equal(first_bad, 4);
	assert_int_equal(count, 4);
}

/* The chain keeps growing after a reopen: the next event links to the last stored one. */
static void chain_survives_reopen(void **state)
{
	struct fixture *f = *state;
	append_five(f->db);
	db_close(f->db);
	assert_int_equal(db_open(f->path, &f->db), 0);
	append(f->db, 3, NULL, "read", "patient", 10, NULL);
	int64_t first_bad, count;
	verify(f->db, &first_bad, &count);
	assert_int_equal(first_bad, 0);
	assert_int_equal(count, 6);
}

static void list_filters(void **state)
{
	struct fixture *f = *state;
	append(f->db, 1, NULL, "login", "user", 1, NULL);      /* 1 */
	append(f->db, 1, NULL, "create", "patient", 10, NULL); /* 2 */
	append(f->db, 2, NULL, "read", "patient", 10, NULL);   /* 3 */
	append(f->db, 2, NULL, "update", "patient", 11, NULL); /* 4 */
	append(f->db, 0, NULL, "create", "room", 3, NULL);     /* 5 */
	append(f->db, 1, NULL, "read", "patient", 10, NULL);   /* 6 */

	/* clang-format off */
	static const struct {
		const char *what;
		struct audit_filter f;
		int64_t ids[7]; /* newest first, 0-terminated */
		int64_t total;  /* every match, not just the page */
	} rows[] = {
		{"all", {.limit = 500}, {6, 5, 4, 3, 2, 1, 0}, 6},
		{"empty entity does not filter", {.entity = "", .limit = 500}, {6, 5, 4, 3, 2, 1, 0}, 6},
		{"entity", {.entity = "patient", .limit = 500}, {6, 4, 3, 2, 0}, 4},
		{"entity and id", {.entity = "patient", .entity_id = 10, .limit = 500}, {6, 3, 2, 0}, 3},
		{"entity, id and user", {.entity = "patient", .entity_id = 10, .user_id = 2, .limit = 500}, {3, 0}, 1},
		{"entity and id, a page", {.entity = "patient", .entity_id = 10, .before_id = 6, .limit = 1}, {3, 0}, 2},
		{"entity id alone", {.entity_id = 10, .limit = 500}, {6, 3, 2, 0}, 3},
		{"entity id alone, before", {.entity_id = 10, .before_id = 3, .limit = 500}, {2, 0}, 1},
		{"user", {.user_id = 2, .limit = 500}, {4, 3, 0}, 2},
		{"user and entity id", {.user_id = 1, .entity_id = 10, .limit = 500}, {6, 2, 0}, 2},
		{"user and entity", {.user_id = 1, .entity = "patient", .limit = 500}, {6, 2, 0}, 2},
		{"user, a page", {.user_id = 1, .before_id = 6, .limit = 1}, {2, 0}, 2},
		{"limit", {.limit = 2}, {6, 5, 0}, 6},
		{"limit 1", {.limit = 1}, {6, 0}, 6},
		{"before", {.before_id = 4, .limit = 500}, {3, 2, 1, 0}, 3},
		{"before 1", {.before_id = 1, .limit = 500}, {0}, 0},
		{"before, past the newest", {.before_id = 100, .limit = 2}, {6, 5, 0}, 6},
		{"page of a filtered list", {.entity = "patient", .before_id = 6, .limit = 2}, {4, 3, 0}, 3},
		{"unknown entity", {.entity = "nothing", .limit = 500}, {0}, 0},
		{"unknown user", {.user_id = 99, .limit = 500}, {0}, 0},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct audit_event *ev = NULL;
		size_t n = 99;
		int64_t total = -1;
		int rc = store_audit_list(f->db, &rows[i].f, &ev, &n, &total);
		row_check(&bad, rc == 0, "%s: rc %d", rows[i].what, rc);
		if (rc)
			continue;
		size_t want = 0;
		while (rows[i].ids[want])
			want++;
		row_check(&bad, n == want, "%s: %zu events, want %zu", rows[i].what, n, want);
		for (size_t k = 0; k < n && k < want; k++)
			row_check(&bad, ev[k].id == rows[i].ids[k],
				  "%s: event %zu is %lld, want %lld", rows[i].what, k,
				  (long long)ev[k].id, (long long)rows[i].ids[k]);
		row_check(&bad, total == rows[i].total, "%s: total %lld, want %lld", rows[i].what,
			  (long long)total, (long long)rows[i].total);
		audit_events_free(ev, n);
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hash_known_answer),
		cmocka_unit_test(hash_covers_every_field),
		cmocka_unit_test(hash_length_prefixed),
		cmocka_unit_test_setup_teardown(chain_intact, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(triggers_refuse_changes, setup_db, teardown_db),
		cmocka_unit_test(tampering_detected),
		cmocka_unit_test_setup_teardown(rehashed_event_breaks_next_link, setup_db,
						teardown_db),
		cmocka_unit_test_setup_teardown(chain_survives_reopen, setup_db, teardown_db),
		cmocka_unit_test_setup_teardown(list_filters, setup_db, teardown_db),
	};
	/* clang-format on */
	log_set_quiet(1);
	return cmocka_run_group_tests_name("unit_audit", tests, NULL, NULL);
}
