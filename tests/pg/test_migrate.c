/* Moving up: `collagenda migrate-to` copies a clinic run on SQLite (patients, a plan, a
 * signed session note with an addendum, a photo, the audit trail) into a new PostgreSQL
 * database on the test cluster (COLLAGENDA_TEST_PG) and the photo files into the folder
 * named by --photos-dir; the same server then runs on it and shows the same records and
 * serves the same photo from that folder, the chain verifies there, a clinic with photos
 * is not moved without --photos-dir, and a database that is not new is refused
 * unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vips/vips.h>

#include "harness.h"

#define V1 "/api/v1"

static char pg_base[200];

/* A 1600 x 1200 JPEG (three distinct renditions), a gradient; caller frees with g_free. */
static void *jpeg(size_t *len)
{
	VipsImage *xy, *x, *v, *rgb;
	assert_int_equal(vips_xyz(&xy, 1600, 1200, NULL), 0);
	assert_int_equal(vips_extract_band(xy, &x, 0, NULL), 0);
	assert_int_equal(vips_linear1(x, &v, 255.0 / 1600, 0, "uchar", TRUE, NULL), 0);
	VipsImage *bands[3] = {v, v, v};
	assert_int_equal(vips_bandjoin(bands, &rgb, 3, NULL), 0);
	void *buf = NULL;
	assert_int_equal(vips_jpegsave_buffer(rgb, &buf, len, "Q", 90, NULL), 0);
	g_object_unref(xy);
	g_object_unref(x);
	g_object_unref(v);
	g_object_unref(rgb);
	return buf;
}

/* The full image of photo id (GET must answer 200); caller frees. */
static char *photo_bytes(struct server *s, const char *token, long long id, size_t *len)
{
	char path[96], h[32];
	snprintf(path, sizeof path, V1 "/photos/%lld/full", id);
	struct resp *r = req(s, "GET", path, token, NULL);
	if (r->status != 200)
		print_message("photo: %ld %s\n", r->status, r->body);
	assert_int_equal(r->status, 200);
	*len = (size_t)atoll(resp_header(r, "Content-Length", h, sizeof h));
	char *b = malloc(*len + 1);
	assert_non_null(b);
	memcpy(b, r->body, *len);
	resp_free(r);
	return b;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void a_clinic_moves_to_postgresql(void **state)
{
	(void)state;
	/* A clinic on SQLite, with a signed note and its addendum. */
	struct server sq;
	server_start(&sq, NULL);
	char *admin = login(&sq, "admin", PW_ADMIN), *desk = login(&sq, "desk", PW_DESK),
	     *prac = login(&sq, "prac", PW_PRAC);
	long long u_prac = fx_user_id(&sq, admin, "prac");
	fx_daily_hours(&sq, admin, u_prac, (const char *const[]){"00:00", "24:00", NULL});
	long long room = fx_room(&sq, admin, "Move room");
	long long patient = fx_adult(&sq, desk, prac, "Mover", "Müller", "1979-09-09");
	long long plan = fx_plan(&sq, prac, patient, u_prac, 0);
	struct fx_booking b = {.patient = patient,
			       .practitioner = u_prac,
			       .room = room,
			       .plan = plan,
			       .start = fx_time(0, 0, 10),
			       .end = fx_time(0, 0, 20)};
	long long appt = fx_booked(&sq, desk, &b);
	char path[128];
	snprintf(path, sizeof path, V1 "/appointments/%lld/check-in", appt);
	fx_expect_status(req(&sq, "POST", path, desk, NULL), 200);
	char applied[32], removed[32];
	fx_instant(fx_time(0, 0, 0), applied);
	fx_instant(fx_time(0, 0, 35), removed);
	snprintf(path, sizeof path, V1 "/appointments/%lld/session", appt);
	fx_expect_status(
	    reqf(
		&sq, "PUT", path, prac,
		"{\"screening_confirmed\":true,\"caution_reviewed\":true,\"numbing\":{\"product\":"
		"\"Lidocaine 5%%\",\"applied_at\":\"%s\",\"removed_at\":\"%s\"},\"device\":\"pen\","
		"\"device_model\":\"Dermapen 4\",\"cartridge_lot\":\"MOVE-1\",\"areas\":[{\"area\":"
		"\"cheeks\",\"depth_mm\":1.25,\"passes\":3}],\"products\":[\"Serum\"],\"endpoint\":"
		"\"erythema\",\"reactions\":[{\"type\":\"redness\",\"severity\":1}],"
		"\"aftercare_given\":true,\"notes\":\"Moved well.\"}",
		applied, removed),
	    200);
	snprintf(path, sizeof path, V1 "/appointments/%lld/session/sign", appt);
	fx_expect_status(req(&sq, "POST", path, prac, NULL), 200);
	snprintf(path, sizeof path, V1 "/appointments/%lld/session/addenda", appt);
	fx_expect_status(req(&sq, "POST", path, prac, "{\"text\":\"Checked a week later.\"}"), 201);
	/* A photo, its files beside the SQLite file. */
	snprintf(path, sizeof path, V1 "/patients/%lld/photo-consents", patient);
	fx_post_id(&sq, path, prac,
		   json_pack("{s:s, s:s, s:s}", "scope", "photo_clinical", "form_version", "1",
			     "signed_name", "Mover"));
	size_t jlen;
	void *jpg = jpeg(&jlen);
	snprintf(path, sizeof path, V1 "/patients/%lld/photos?area=cheeks&angle=front&phase=after",
		 patient);
	const char *ctype[] = {"Content-Type: image/jpeg", NULL};
	struct resp *up = req_ex(&sq, "POST", path, prac, jpg, jlen, ctype);
	g_free(jpg);
	assert_int_equal(up->status, 201);
	long long photo = jint(up->json, "id");
	resp_free(up);
	size_t photo_len;
	char *photo_data = photo_bytes(&sq, prac, photo, &photo_len);
	long long events = fx_audit_last(&sq, admin);
	free(admin);
	free(desk);
	free(prac);
	assert_int_equal(server_stop(&sq), 0);

	/* Wrong kinds are a usage error. */
	const char *backwards[] = {"migrate-to", sq.db, "--from", sq.db, NULL};
	assert_int_equal(run_cli(backwards, NULL, NULL), 2);

	/* The move. */
	char target[400];
	char name[64];
	snprintf(name, sizeof name, "moved_%d", (int)getpid());
	harness_pg_create(pg_base, name, target, sizeof target);
	char photos[300];
	fx_mkdtemp(photos, sizeof photos, "/tmp/collagenda-moved-photos-");
	/* The photos need a folder to go to: without one, nothing moves. */
	const char *no_folder[] = {"migrate-to", target, "--from", sq.db, NULL};
	char *out = NULL;
	assert_int_equal(run_cli(no_folder, NULL, &out), 2);
	free(out);
	const char *move[] = {"migrate-to", target, "--from", sq.db, "--photos-dir", photos, NULL};
	assert_int_equal(run_cli(move, NULL, &out), 0);
	assert_non_null(strstr(out, "audit chain intact on arrival"));
	char want[400];
	snprintf(want, sizeof want, "photo files copied to %s and intact: 3", photos);
	if (!strstr(out, want))
		print_message("%s", out);
	assert_non_null(strstr(out, want));
	assert_null(strstr(out, "DIFFERS"));
	assert_non_null(strstr(out, "session_addenda"));
	free(out);

	/* Once more into the same database: refused, and nothing changes. */
	assert_int_equal(run_cli(move, NULL, &out), 1);
	free(out);

	/* The server on PostgreSQL shows the same clinic; logins start over. */
	struct server pg;
	server_attach(&pg, target, (const char *const[]){"--photos", photos, NULL});
	admin = login(&pg, "admin", PW_ADMIN);
	prac = login(&pg, "prac", PW_PRAC);
	snprintf(path, sizeof path, V1 "/patients/%lld", patient);
	struct resp *r = req(&pg, "GET", path, prac, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "last_name"), "Müller");
	resp_free(r);
	snprintf(path, sizeof path, V1 "/appointments/%lld/session", appt);
	r = req(&pg, "GET", path, prac, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "status"), "signed");
	assert_int_equal(json_array_size(json_object_get(r->json, "addenda")), 1);
	resp_free(r);
	/* A signed note stays frozen on PostgreSQL too; the copy holds its text. */
	assert_int_equal(fx_sql_exec(&pg, "UPDATE session_records SET notes = 'x'", NULL), -1);
	char *notes = fx_sql_text(&pg, "SELECT notes FROM session_records");
	assert_string_equal(notes, "Moved well.");
	free(notes);
	/* The photo serves from the folder it was moved to, byte for byte. */
	size_t moved_len;
	char *moved = photo_bytes(&pg, prac, photo, &moved_len);
	assert_int_equal(moved_len, photo_len);
	assert_memory_equal(moved, photo_data, photo_len);
	free(moved);
	free(photo_data);
	/* New rows take ids after the copied ones. */
	long long next = fx_patient(&pg, prac, "After", "Move", "1990-01-01");
	assert_true(next > patient);
	assert_true(fx_audit_last(&pg, admin) > events);
	free(admin);
	free(prac);
	assert_int_equal(server_stop(&pg), 0);
	fx_expect_intact(target);
	unlink(pg.log);
	rmdir(pg.dir);
	const char *verify[] = {"audit", "verify", "--db", target, "--photos-dir", photos, NULL};
	assert_int_equal(run_cli(verify, NULL, &out), 0);
	assert_non_null(strstr(out, "photo files intact: 3"));
	free(out);
	assert_int_equal(nftw(photos, remove_one, 8, FTW_DEPTH | FTW_PHYS), 0);
	char sq_photos[320];
	snprintf(sq_photos, sizeof sq_photos, "%s.photos", sq.db);
	assert_int_equal(nftw(sq_photos, remove_one, 8, FTW_DEPTH | FTW_PHYS), 0);
	server_destroy(&sq);
}

int main(int argc, char **argv)
{
	(void)argc;
	if (VIPS_INIT(argv[0]))
		return 1;
	const char *pg = getenv("COLLAGENDA_TEST_PG");
	if (!pg) {
		fprintf(stderr, "test_migrate needs COLLAGENDA_TEST_PG (tests/pg/run-api.sh)\n");
		return 1;
	}
	snprintf(pg_base, sizeof pg_base, "%s", pg);
	/* The source clinic is an SQLite file. */
	unsetenv("COLLAGENDA_TEST_PG");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_clinic_moves_to_postgresql),
	};
	return cmocka_run_group_tests_name("pg_migrate", tests, NULL, NULL);
}
