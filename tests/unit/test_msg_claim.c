/* Unit tests for a sender's claim on an outbox row (store_msg_claim): while one sender's
 * lease holds no other takes the row, nor sees it due; once it runs out another may; a
 * mark clears it; a row whose next try is later is no one's yet. On SQLite and on
 * PostgreSQL. */
#include "unit_db.h"

#include "domain/messages.h"
#include "store/messages.h"

#define T0 1800000000LL

struct fixture {
	char dir[64];
	char path[256];
	struct db *db;
	int64_t id; /* the queued row */
};

static int setup_db(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	scratch_make(f->dir);
	unit_db_target(f->dir, f->path);
	assert_int_equal(db_open(f->path, &f->db), 0);
	unit_exec(f->db, "INSERT INTO patients (id, first_name, last_name, first_key, last_key, "
			 "date_of_birth, created_at, updated_at) VALUES (1, 'A', 'B', 'a', 'b', "
			 "'1980-01-01', 0, 0)");
	char to[] = "a@example.org", key[] = "claim-test-1", mid[] = "<claim-test-1@c.example>";
	struct msg_row m = {
	    .kind = MSG_CONFIRMATION,
	    .patient_id = 1,
	    .recipient = to,
	    .due_at = T0,
	    .idem_key = key,
	    .message_id = mid,
	    .created_at = T0,
	};
	bool inserted = false;
	assert_int_equal(db_begin_write(f->db), 0);
	assert_int_equal(store_msg_insert(f->db, &m, &inserted), 0);
	assert_int_equal(db_commit(f->db), 0);
	assert_true(inserted);
	char id[32];
	assert_int_equal(unit_rows(f->db, "SELECT id FROM messages", ",", 1, id, sizeof id), 1);
	f->id = strtoll(id, NULL, 10);
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

/* One claim in its own write transaction, as the sender makes it; whether it took. */
static bool claim(struct fixture *f, const char *by, int64_t until, int64_t now)
{
	bool claimed = true;
	assert_int_equal(db_begin_write(f->db), 0);
	assert_int_equal(store_msg_claim(f->db, f->id, by, until, now, &claimed), 0);
	assert_int_equal(db_commit(f->db), 0);
	return claimed;
}

/* How many rows are due at now (store_msg_due). */
static size_t due(struct fixture *f, int64_t now)
{
	struct msg_row *rows = NULL;
	size_t n = 0;
	assert_int_equal(db_begin_read(f->db), 0);
	assert_int_equal(store_msg_due(f->db, now, NULL, 10, &rows, &n), 0);
	db_rollback(f->db);
	msg_rows_free(rows, n);
	return n;
}

static void who_holds(struct fixture *f, char *out, size_t n)
{
	assert_int_equal(unit_rows(f->db,
				   "SELECT coalesce(claimed_by, '-') || ' ' || "
				   "coalesce(CAST(claimed_until AS TEXT), '-') FROM messages",
				   ",", 1, out, n),
			 1);
}

static void a_second_claim_fails_while_the_lease_holds(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(due(f, T0), 1);
	assert_true(claim(f, "sender-a", T0 + 300, T0));
	char held[96];
	who_holds(f, held, sizeof held);
	assert_string_equal(held, "sender-a 1800000300");
	/* Another sender, or the same one again, inside the lease: nothing changes. */
	assert_false(claim(f, "sender-b", T0 + 310, T0 + 10));
	assert_false(claim(f, "sender-b", T0 + 600, T0 + 300));
	assert_false(claim(f, "sender-a", T0 + 320, T0 + 20));
	who_holds(f, held, sizeof held);
	assert_string_equal(held, "sender-a 1800000300");
	/* Nor does the held row look due to anyone. */
	assert_int_equal(due(f, T0 + 10), 0);
	assert_int_equal(due(f, T0 + 300), 0);
}

static void the_claim_of_a_dead_sender_runs_out(void **state)
{
	struct fixture *f = *state;
	assert_true(claim(f, "sender-a", T0 + 300, T0));
	/* sender-a died holding it: after its lease the row is due again, and b takes it. */
	assert_int_equal(due(f, T0 + 301), 1);
	assert_true(claim(f, "sender-b", T0 + 601, T0 + 301));
	char held[96];
	who_holds(f, held, sizeof held);
	assert_string_equal(held, "sender-b 1800000601");
	assert_false(claim(f, "sender-a", T0 + 602, T0 + 302));
}

static void marks_clear_the_claim_and_end_the_queue(void **state)
{
	struct fixture *f = *state;
	char held[96];
	/* A failed try gives the row back, claim cleared, for its next try. */
	assert_true(claim(f, "sender-a", T0 + 300, T0));
	assert_int_equal(db_begin_write(f->db), 0);
	assert_int_equal(
	    store_msg_mark_failed_try(f->db, f->id, 1, T0 + 120, MSG_QUEUED, "451 Try again"), 0);
	assert_int_equal(db_commit(f->db), 0);
	who_holds(f, held, sizeof held);
	assert_string_equal(held, "- -");
	/* A sender that read the row as due before that try cannot take it early. */
	assert_false(claim(f, "sender-b", T0 + 400, T0 + 100));
	assert_int_equal(due(f, T0 + 100), 0);
	assert_int_equal(due(f, T0 + 120), 1);
	assert_true(claim(f, "sender-b", T0 + 420, T0 + 120));
	/* Sent: the claim goes, and a sent row is no one's to claim again. */
	int64_t changed = 0;
	assert_int_equal(db_begin_write(f->db), 0);
	assert_int_equal(store_msg_mark_sent(f->db, f->id, T0 + 121, 0, &changed), 0);
	assert_int_equal(db_commit(f->db), 0);
	assert_int_equal(changed, 1);
	who_holds(f, held, sizeof held);
	assert_string_equal(held, "- -");
	assert_false(claim(f, "sender-a", T0 + 2000, T0 + 1000));
	assert_int_equal(due(f, T0 + 1000), 0);
}

static void a_cancelled_row_cannot_be_claimed(void **state)
{
	struct fixture *f = *state;
	assert_true(claim(f, "sender-a", T0 + 300, T0));
	assert_int_equal(db_begin_write(f->db), 0);
	assert_int_equal(store_msg_mark_cancelled(f->db, f->id, NULL), 0);
	assert_int_equal(db_commit(f->db), 0);
	char held[96];
	who_holds(f, held, sizeof held);
	assert_string_equal(held, "- -");
	assert_false(claim(f, "sender-b", T0 + 700, T0 + 400));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(a_second_claim_fails_while_the_lease_holds, setup_db,
					    teardown_db),
	    cmocka_unit_test_setup_teardown(the_claim_of_a_dead_sender_runs_out, setup_db,
					    teardown_db),
	    cmocka_unit_test_setup_teardown(marks_clear_the_claim_and_end_the_queue, setup_db,
					    teardown_db),
	    cmocka_unit_test_setup_teardown(a_cancelled_row_cannot_be_claimed, setup_db,
					    teardown_db),
	};
	return cmocka_run_group_tests_name("msg_claim", tests, NULL, NULL);
}
