/* The audit anchor of a PostgreSQL database (COLLAGENDA_TEST_PG): the server given
 * --anchor FILE keeps there the newest event's id and hash as its commits return;
 * `audit verify --anchor FILE` finds the trail intact, and finds it cut short once its
 * newest events are deleted behind the triggers' back; a server started on the cut trail
 * keeps the old anchor as FILE.mismatch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char dir[64], anchor[128], kept[160];

static int verify(const char *db, char **out)
{
	const char *args[] = {"audit", "verify", "--db", db, "--anchor", anchor, NULL};
	return run_cli(args, NULL, out);
}

static void the_anchor_follows_the_trail_and_finds_it_cut(void **state)
{
	(void)state;
	struct server s;
	server_start(&s, (const char *const[]){"--anchor", anchor, NULL});
	char *admin = login(&s, "admin", PW_ADMIN);
	for (int i = 0; i < 5; i++) {
		char dob[11];
		snprintf(dob, sizeof dob, "1970-07-%02d", i + 1); /* five people, no duplicates */
		(void)fx_patient(&s, admin, "Anchored", "Trail", dob);
	}
	long long newest = fx_audit_last(&s, admin);
	free(admin);
	assert_int_equal(server_stop(&s), 0);

	/* The file names the newest event, as audit head prints it. */
	FILE *f = fopen(anchor, "r");
	assert_non_null(f);
	char line[128] = "", head[128] = "";
	assert_non_null(fgets(line, sizeof line, f));
	fclose(f);
	char *out = NULL;
	const char *args[] = {"audit", "head", "--db", s.db, NULL};
	assert_int_equal(run_cli(args, NULL, &out), 0);
	snprintf(head, sizeof head, "%s", out);
	free(out);
	assert_string_equal(line, head);
	assert_true(atoll(line) >= newest);

	assert_int_equal(verify(s.db, &out), 0);
	assert_non_null(strstr(out, "ending where its anchor says"));
	free(out);

	/* The newest events, deleted by someone who can switch the triggers off. */
	long long last = atoll(line);
	assert_true(fx_sql_exec(&s,
				"ALTER TABLE audit DISABLE TRIGGER audit_no_delete;"
				"DELETE FROM audit WHERE id > (SELECT max(id) - 3 FROM audit);"
				"ALTER TABLE audit ENABLE TRIGGER audit_no_delete;",
				NULL) >= 0);
	assert_int_equal(verify(s.db, &out), 1);
	char want[96];
	snprintf(want, sizeof want, "audit trail ends at event %lld, anchor says %lld", last - 3,
		 last);
	if (!strstr(out, want))
		print_error("want \"%s\" in: %s\n", want, out);
	assert_non_null(strstr(out, want));
	free(out);

	/* A server started on the cut trail keeps the evidence and anchors anew. */
	server_restart(&s, (const char *const[]){"--anchor", anchor, NULL});
	assert_int_equal(server_stop(&s), 0);
	assert_int_equal(access(kept, F_OK), 0);
	assert_int_equal(verify(s.db, &out), 0);
	free(out);
	server_destroy(&s);
}

int main(void)
{
	if (!harness_pg()) {
		fprintf(stderr, "test_anchor needs COLLAGENDA_TEST_PG (tests/pg/run-api.sh)\n");
		return 1;
	}
	fx_mkdtemp(dir, sizeof dir, "/tmp/collagenda-anchor-");
	snprintf(anchor, sizeof anchor, "%s/audit-head", dir);
	snprintf(kept, sizeof kept, "%s.mismatch", anchor);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_anchor_follows_the_trail_and_finds_it_cut),
	};
	int rc = cmocka_run_group_tests_name("pg_anchor", tests, NULL, NULL);
	unlink(anchor);
	unlink(kept);
	rmdir(dir);
	return rc;
}
