/* The audit trail over HTTP (RULES.md rule 11): admins only, newest first, a hash chain with
 * filters, and `collagenda audit verify` on the database the server leaves behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static struct server srv;
static char *admin_tok, *desk_tok, *prac_tok;
static long long admin_id, desk_id, prac_id;
static long long patient_a, patient_b, room_id;

/* Leaves a few events of different kinds, users and entities. */
static int leave_events(void)
{
	patient_a = fx_created(req(&srv, "POST", "/api/v1/patients", desk_tok,
				   "{\"first_name\":\"Alma\",\"last_name\":\"Trail\","
				   "\"date_of_birth\":\"1970-01-01\"}"));
	patient_b = fx_created(req(&srv, "POST", "/api/v1/patients", prac_tok,
				   "{\"first_name\":\"Boris\",\"last_name\":\"Trail\","
				   "\"date_of_birth\":\"1971-01-01\"}"));
	room_id =
	    fx_created(req(&srv, "POST", "/api/v1/rooms", admin_tok, "{\"name\":\"Room 1\"}"));
	char path[64];
	snprintf(path, sizeof path, "/api/v1/patients/%lld", patient_a);
	fx_expect_status(req(&srv, "PATCH", path, prac_tok, "{\"fitzpatrick\":2}"), 200);
	fx_expect_status(req(&srv, "GET", path, prac_tok, NULL), 200);
	return 0;
}

/* Everyone logged in, and the events above. */
static const struct harness_group group = {
    .srv = &srv,
    .admin = &admin_tok,
    .desk = &desk_tok,
    .prac = &prac_tok,
    .admin_id = &admin_id,
    .desk_id = &desk_id,
    .prac_id = &prac_id,
    .setup = leave_events,
};

/* ---- helpers ---------------------------------------------------------------------- */

/* GET /audit?query as admin; returns the items, *keep owns them. */
static json_t *audit(const char *query, struct resp **keep)
{
	char path[256];
	snprintf(path, sizeof path, "/api/v1/audit%s%s", *query ? "?" : "", query);
	struct resp *r = req(&srv, "GET", path, admin_tok, NULL);
	if (r->status != 200)
		fprintf(stderr, "audit %s: %ld %s\n", query, r->status, r->body);
	assert_int_equal(r->status, 200);
	json_t *items = json_object_get(r->json, "items");
	assert_true(json_is_array(items));
	*keep = r;
	return items;
}

static bool is_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* ---- tests ------------------------------------------------------------------------- */

static void audit_is_for_admins_only(void **state)
{
	(void)state;
	fx_expect_err(req(&srv, "GET", "/api/v1/audit", desk_tok, NULL), 403, "forbidden", NULL);
	fx_expect_err(req(&srv, "GET", "/api/v1/audit", prac_tok, NULL), 403, "forbidden", NULL);
	fx_expect_err(req(&srv, "GET", "/api/v1/audit?entity=patient", desk_tok, NULL), 403,
		      "forbidden", NULL);
	fx_expect_err(req(&srv, "GET", "/api/v1/audit", NULL, NULL), 401, "unauthenticated", NULL);
	/* Nothing writes to the trail through the API. */
	fx_expect_err(req(&srv, "POST", "/api/v1/audit", admin_tok, "{\"action\":\"x\"}"), 405,
		      "method_not_allowed", NULL);
	fx_expect_err(req(&srv, "DELETE", "/api/v1/audit", admin_tok, NULL), 405,
		      "method_not_allowed", NULL);
	struct resp *keep;
	json_t *items = audit("", &keep);
	assert_true(json_array_size(items) > 0);
	resp_free(keep);
}

static void events_are_newest_first_and_chained(void **state)
{
	(void)state;
	struct resp *keep;
	json_t *items = audit("limit=500", &keep);
	size_t n = json_array_size(items);
	/* CLI user creation, four logins, three creates, an update and a read at least. */
	assert_true(n >= 12);
	long long now = (long long)time(NULL);
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(items, i);
		const char *keys[] = {"id",	   "at",     "user_id",	  "action", "entity",
				      "entity_id", "remote", "prev_hash", "hash"};
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
			assert_non_null(json_object_get(e, keys[k]));
		assert_true(jint(e, "id") > 0);
		long long at = fx_parse_instant(jstr(e, "at"));
		assert_true(at > now - 600 && at <= now + 5);
		json_t *u = json_object_get(e, "user_id"), *eid = json_object_get(e, "entity_id");
		assert_true(json_is_integer(u) || json_is_null(u));
		assert_true(json_is_integer(eid) || json_is_null(eid));
		assert_true(strlen(jstr(e, "action")) > 0);
		assert_true(strlen(jstr(e, "entity")) > 0);
		assert_true(strlen(jstr(e, "remote")) > 0);
		assert_true(is_hex64(jstr(e, "prev_hash")));
		assert_true(is_hex64(jstr(e, "hash")));
		/* What a user did over HTTP carries the client's address. */
		if (json_is_integer(u))
			assert_string_equal(jstr(e, "remote"), "127.0.0.1");
		if (i + 1 < n) {
			json_t *older = json_array_get(items, i + 1);
			assert_int_equal(jint(e, "id"), jint(older, "id") + 1);
			assert_true(fx_parse_instant(jstr(e, "at")) >=
				    fx_parse_instant(jstr(older, "at")));
			/* Each event names the hash of the one before it. */
			assert_string_equal(jstr(e, "prev_hash"), jstr(older, "hash"));
			assert_string_not_equal(jstr(e, "hash"), jstr(older, "hash"));
		}
	}
	assert_int_equal(jint(json_array_get(items, n - 1), "id"), 1);

	/* The newest is the last thing done: prac read patient A. */
	json_t *top = json_array_get(items, 0);
	assert_string_equal(jstr(top, "action"), "read");
	assert_string_equal(jstr(top, "entity"), "patient");
	assert_int_equal(jint(top, "entity_id"), patient_a);
	assert_int_equal(jint(top, "user_id"), prac_id);
	json_t *second = json_array_get(items, 1);
	assert_string_equal(jstr(second, "action"), "update");
	assert_int_equal(jint(second, "entity_id"), patient_a);
	resp_free(keep);

	/* A new event links onto the newest. */
	items = audit("limit=1", &keep);
	char prev_top[65];
	snprintf(prev_top, sizeof prev_top, "%s", jstr(json_array_get(items, 0), "hash"));
	long long prev_id = jint(json_array_get(items, 0), "id");
	resp_free(keep);
	char path[64];
	snprintf(path, sizeof path, "/api/v1/patients/%lld", patient_b);
	fx_expect_status(req(&srv, "GET", path, desk_tok, NULL), 200);
	items = audit("limit=1", &keep);
	json_t *e = json_array_get(items, 0);
	assert_int_equal(jint(e, "id"), prev_id + 1);
	assert_string_equal(jstr(e, "prev_hash"), prev_top);
	assert_int_equal(jint(e, "user_id"), desk_id);
	assert_int_equal(jint(e, "entity_id"), patient_b);
	resp_free(keep);
}

static void filters_narrow_the_trail(void **state)
{
	(void)state;
	struct resp *keep, *all_keep;
	json_t *all = audit("limit=500", &all_keep);
	size_t i;
	json_t *e;

	/* By entity. */
	json_t *items = audit("entity=patient&limit=500", &keep);
	size_t patients = 0;
	json_array_foreach(all, i, e)
	{
		if (strcmp(jstr(e, "entity"), "patient") == 0)
			patients++;
	}
	assert_int_equal(json_array_size(items), patients);
	assert_true(patients >= 5);
	json_array_foreach(items, i, e)
	{
		assert_string_equal(jstr(e, "entity"), "patient");
	}
	resp_free(keep);

	/* By entity and id: create, update, read of patient A, newest first. */
	char q[128];
	snprintf(q, sizeof q, "entity=patient&entity_id=%lld", patient_a);
	items = audit(q, &keep);
	const char *actions[] = {"read", "update", "create"};
	long long users[] = {prac_id, prac_id, desk_id};
	assert_int_equal(json_array_size(items), 3);
	for (i = 0; i < 3; i++) {
		e = json_array_get(items, i);
		assert_string_equal(jstr(e, "action"), actions[i]);
		assert_int_equal(jint(e, "entity_id"), patient_a);
		assert_int_equal(jint(e, "user_id"), users[i]);
	}
	resp_free(keep);
	snprintf(q, sizeof q, "entity=room&entity_id=%lld", room_id);
	items = audit(q, &keep);
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(jstr(json_array_get(items, 0), "action"), "create");
	assert_int_equal(jint(json_array_get(items, 0), "user_id"), admin_id);
	resp_free(keep);
	items = audit("entity=no_such_thing", &keep);
	assert_int_equal(json_array_size(items), 0);
	resp_free(keep);

	/* By user: the desk's login, its patient and its read of patient B. */
	snprintf(q, sizeof q, "user_id=%lld&limit=500", desk_id);
	items = audit(q, &keep);
	size_t desk_events = 0;
	json_array_foreach(all, i, e)
	{
		if (jint(e, "user_id") == desk_id)
			desk_events++;
	}
	assert_int_equal(json_array_size(items), desk_events);
	assert_true(desk_events >= 3);
	bool login_seen = false;
	json_array_foreach(items, i, e)
	{
		assert_int_equal(jint(e, "user_id"), desk_id);
		if (strcmp(jstr(e, "action"), "login") == 0)
			login_seen = true;
	}
	assert_true(login_seen);
	resp_free(keep);

	/* Combined: what prac did to patients. */
	snprintf(q, sizeof q, "entity=patient&user_id=%lld", prac_id);
	items = audit(q, &keep);
	assert_true(json_array_size(items) >= 3);
	json_array_foreach(items, i, e)
	{
		assert_int_equal(jint(e, "user_id"), prac_id);
		assert_string_equal(jstr(e, "entity"), "patient");
	}
	resp_free(keep);

	/* limit keeps the newest; before_id pages back from there. */
	items = audit("limit=2", &keep);
	assert_int_equal(json_array_size(items), 2);
	assert_int_equal(jint(json_array_get(items, 0), "id"), jint(json_array_get(all, 0), "id"));
	assert_int_equal(jint(json_array_get(items, 1), "id"), jint(json_array_get(all, 1), "id"));
	long long oldest = jint(json_array_get(items, 1), "id");
	resp_free(keep);
	snprintf(q, sizeof q, "limit=2&before_id=%lld", oldest);
	items = audit(q, &keep);
	assert_int_equal(json_array_size(items), 2);
	assert_int_equal(jint(json_array_get(items, 0), "id"), jint(json_array_get(all, 2), "id"));
	resp_free(keep);
	items = audit("limit=500", &keep);
	assert_int_equal(json_array_size(items), json_array_size(all));
	resp_free(keep);
	items = audit("", &keep);
	assert_int_equal(json_array_size(items),
			 json_array_size(all) < 100 ? json_array_size(all) : 100);
	resp_free(keep);
	resp_free(all_keep);

	/* Out-of-range and malformed filters. */
	static const struct fx_bad bad[] = {
	    {.field = "limit", .path = "/api/v1/audit?limit=0"},
	    {.field = "limit", .path = "/api/v1/audit?limit=501"},
	    {.field = "limit", .path = "/api/v1/audit?limit=-1"},
	    {.field = "limit", .path = "/api/v1/audit?limit=many"},
	    {.field = "entity_id", .path = "/api/v1/audit?entity_id=0"},
	    {.field = "entity_id", .path = "/api/v1/audit?entity_id=x"},
	    {.field = "user_id", .path = "/api/v1/audit?user_id=-3"},
	    {.field = "user_id", .path = "/api/v1/audit?user_id=1.5"},
	    /* Past the largest id: out of range, never wrapped round. */
	    {.field = "before_id", .path = "/api/v1/audit?before_id=99999999999999999999"},
	    {.field = "before_id", .path = "/api/v1/audit?before_id=-99999999999999999999"},
	    {.field = "entity_id", .path = "/api/v1/audit?entity_id=99999999999999999999"},
	    {.field = "before_id", .path = "/api/v1/audit?before_id=0"},
	};
	fx_expect_bad(&srv, admin_tok, "GET", NULL, FX_ROWS(bad));
}

/* Runs `collagenda audit verify --db DB`; returns the exit code, *out its output. */
static int verify(char **out)
{
	const char *args[] = {"audit", "verify", "--db", srv.db, NULL};
	return run_cli(args, NULL, out);
}

/* ---- many reads at once ---- */

enum { READERS = 8, READS_EACH = 20, WRITES = 20 };

static void *read_patient_a(void *arg)
{
	long *failures = arg;
	char path[64];
	snprintf(path, sizeof path, "/api/v1/patients/%lld", patient_a);
	for (int i = 0; i < READS_EACH; i++) {
		struct resp *r = req(&srv, "GET", path, prac_tok, NULL);
		if (r->status != 200)
			(*failures)++;
		resp_free(r);
	}
	return NULL;
}

/* Reads answered at once share an audit commit: each still gets its own event, numbered
 * and linked in order, also when writes append events between the batches. */
static void concurrent_reads_are_each_audited_and_chained(void **state)
{
	(void)state;
	char query[96];
	snprintf(query, sizeof query, "entity=patient&entity_id=%lld&limit=1", patient_a);
	struct resp *keep;
	audit(query, &keep);
	long long before = jint(keep->json, "total");
	resp_free(keep);

	pthread_t th[READERS];
	long failures[READERS] = {0};
	for (int i = 0; i < READERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, read_patient_a, &failures[i]), 0);
	char path[64];
	snprintf(path, sizeof path, "/api/v1/patients/%lld", patient_b);
	for (int i = 0; i < WRITES; i++) {
		fx_expect_status(reqf(&srv, "PATCH", path, prac_tok, "{\"notes\":\"note %d\"}", i),
				 200);
	}
	for (int i = 0; i < READERS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(failures[i], 0);
	}

	audit(query, &keep);
	assert_int_equal(jint(keep->json, "total"), before + READERS * READS_EACH);
	resp_free(keep);
	/* The newest events, reads and writes alike, are numbered without gaps and each
	 * links to the one before. */
	json_t *items = audit("limit=150", &keep);
	size_t n = json_array_size(items);
	if (n != 150)
		print_error("%zu events listed\n", n);
	assert_true(n == 150);
	size_t reads = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		json_t *e = json_array_get(items, i), *older = json_array_get(items, i + 1);
		assert_int_equal(jint(e, "id"), jint(older, "id") + 1);
		assert_string_equal(jstr(e, "prev_hash"), jstr(older, "hash"));
		if (strcmp(jstr(e, "action"), "read") == 0)
			reads++;
	}
	assert_true(reads >= 150 - WRITES);
	resp_free(keep);
}

static void chain_verifies_after_stop_and_restart(void **state)
{
	(void)state;
	assert_int_equal(server_stop(&srv), 0);
	char *out = NULL;
	assert_int_equal(verify(&out), 0);
	assert_non_null(strstr(out, "intact"));
	free(out);

	/* The chain carries on across a restart. */
	server_restart(&srv, NULL);
	free(prac_tok);
	prac_tok = login(&srv, "prac", PW_PRAC);
	fx_expect_status(req(&srv, "POST", "/api/v1/patients", prac_tok,
			     "{\"first_name\":\"Cleo\",\"last_name\":\"Trail\","
			     "\"date_of_birth\":\"1972-01-01\"}"),
			 201);
	struct resp *keep;
	json_t *items = audit("limit=3", &keep);
	assert_string_equal(jstr(json_array_get(items, 0), "action"), "create");
	assert_string_equal(jstr(json_array_get(items, 1), "action"), "login");
	assert_string_equal(jstr(json_array_get(items, 0), "prev_hash"),
			    jstr(json_array_get(items, 1), "hash"));
	assert_string_equal(jstr(json_array_get(items, 1), "prev_hash"),
			    jstr(json_array_get(items, 2), "hash"));
	resp_free(keep);
	assert_int_equal(server_stop(&srv), 0);
	assert_int_equal(verify(NULL), 0);

	/* A changed event breaks the chain, and verify names it. */
	assert_int_equal(fx_sql_exec(&srv,
				     harness_pg()
					 ? "ALTER TABLE audit DISABLE TRIGGER audit_no_update;"
					   "UPDATE audit SET detail = 'edited' WHERE id = 3;"
					 : "DROP TRIGGER audit_no_update;"
					   "UPDATE audit SET detail = 'edited' WHERE id = 3;",
				     NULL),
			 1);
	assert_int_equal(verify(&out), 1);
	assert_non_null(strstr(out, "event 3"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(audit_is_for_admins_only),
	    cmocka_unit_test(events_are_newest_first_and_chained),
	    cmocka_unit_test(filters_narrow_the_trail),
	    cmocka_unit_test(concurrent_reads_are_each_audited_and_chained),
	    cmocka_unit_test(chain_verifies_after_stop_and_restart),
	};
	return harness_run_group("api_audit", tests, &group);
}
