/* collagenda restore: a backup with its photo files goes back in place of a database
 * whose photos were altered and removed and whose rows moved on. It is refused while the
 * server holds the file, over an existing file without --force, and from a backup whose
 * photo files fail their hashes (changing nothing); once restored, `audit verify
 * --photos` passes and the server serves the photos again. SQLite only: PostgreSQL is
 * restored with its own tools. */
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

static struct server S;
static char *t_prac, *t_desk;

/* A JPEG of w x h pixels, a gradient; caller frees with g_free. */
static void *jpeg(int w, int h, size_t *len)
{
	VipsImage *xy, *x, *v, *rgb;
	assert_int_equal(vips_xyz(&xy, w, h, NULL), 0);
	assert_int_equal(vips_extract_band(xy, &x, 0, NULL), 0);
	assert_int_equal(vips_linear1(x, &v, 255.0 / w, 0, "uchar", TRUE, NULL), 0);
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

static long long upload(long long patient, int w, int h)
{
	size_t n;
	void *b = jpeg(w, h, &n);
	char path[160];
	snprintf(path, sizeof path, V1 "/patients/%lld/photos?area=cheeks&angle=front&phase=before",
		 patient);
	const char *headers[] = {"Content-Type: image/jpeg", NULL};
	struct resp *r = req_ex(&S, "POST", path, t_prac, b, n, headers);
	g_free(b);
	if (r->status != 201)
		print_message("upload: %ld %s\n", r->status, r->body);
	assert_int_equal(r->status, 201);
	long long id = jint(r->json, "id");
	resp_free(r);
	return id;
}

/* The body of GET /photos/id/size, which must answer 200 (caller frees), and its length. */
static char *served(long long id, const char *size, size_t *len)
{
	char path[96];
	snprintf(path, sizeof path, V1 "/photos/%lld/%s", id, size);
	struct resp *r = req(&S, "GET", path, t_prac, NULL);
	assert_int_equal(r->status, 200);
	char h[32];
	*len = (size_t)atoll(resp_header(r, "Content-Length", h, sizeof h));
	char *b = malloc(*len + 1);
	assert_non_null(b);
	memcpy(b, r->body, *len);
	resp_free(r);
	return b;
}

/* The stored file of a photo's column, in the photo folder beside db. */
static void file_of(const char *db, long long id, const char *column, char *out, size_t n)
{
	char q[128];
	snprintf(q, sizeof q, "SELECT %s FROM photos WHERE id = %lld", column, id);
	char *hash = fx_sql_text(&S, q);
	assert_non_null(hash);
	snprintf(out, n, "%s.photos/%.2s/%s", db, hash, hash);
	free(hash);
}

static void flip_byte(const char *file)
{
	FILE *f = fopen(file, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, 200, SEEK_SET), 0);
	int c = fgetc(f);
	assert_int_equal(fseek(f, 200, SEEK_SET), 0);
	fputc(c ^ 0x5a, f);
	assert_int_equal(fclose(f), 0);
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static int restore(const char *from, bool force)
{
	const char *args[] = {"restore", "--from", from, "--db", S.db, force ? "--force" : NULL,
			      NULL};
	return run_cli(args, NULL, NULL);
}

static void a_backup_goes_back_with_its_photos(void **state)
{
	(void)state;
	server_start(&S, (const char *const[]){"--tz", "UTC", NULL});
	t_prac = login(&S, "prac", PW_PRAC);
	t_desk = login(&S, "desk", PW_DESK);
	long long patient = fx_patient(&S, t_desk, "Restored", "Person", "1980-02-02");
	char path[160];
	snprintf(path, sizeof path, V1 "/patients/%lld/photo-consents", patient);
	fx_post_id(&S, path, t_prac,
		   json_pack("{s:s, s:s, s:s}", "scope", "photo_clinical", "form_version", "1",
			     "signed_name", "Restored Person"));
	long long photo = upload(patient, 1600, 1200);
	size_t full_len, thumb_len;
	char *full = served(photo, "full", &full_len);
	char *thumb = served(photo, "thumb", &thumb_len);

	char dest[320], dest2[320], file[420];
	snprintf(dest, sizeof dest, "%s/kept.db", S.dir);
	snprintf(dest2, sizeof dest2, "%s/damaged.db", S.dir);
	const char *backup[] = {"backup", "--db", S.db, dest, NULL};
	assert_int_equal(run_cli(backup, NULL, NULL), 0);
	const char *backup2[] = {"backup", "--db", S.db, dest2, NULL};
	assert_int_equal(run_cli(backup2, NULL, NULL), 0);

	/* The clinic moves on after the backup. */
	long long later = fx_patient(&S, t_desk, "Later", "Person", "1990-03-03");
	long long photo2 = upload(patient, 800, 600);
	/* Never beneath a running server, --force or not. */
	assert_int_equal(restore(dest, true), 1);
	assert_int_equal(fx_sql_int(&S, "SELECT count(*) FROM photos"), 2);
	fx_expect_status(req(&S, "GET", V1 "/patients", t_desk, NULL), 200);
	assert_int_equal(server_stop(&S), 0);

	/* The live photos are damaged: one altered, one removed. */
	char full_file[420], thumb_file[420];
	file_of(S.db, photo, "sha256", full_file, sizeof full_file);
	file_of(S.db, photo, "thumb_sha256", thumb_file, sizeof thumb_file);
	flip_byte(full_file);
	assert_int_equal(unlink(thumb_file), 0);
	const char *verify[] = {"audit", "verify", "--db", S.db, "--photos", NULL};
	assert_int_equal(run_cli(verify, NULL, NULL), 1);

	/* Over an existing file only with --force. */
	assert_int_equal(restore(dest, false), 1);
	assert_int_equal(fx_sql_int(&S, "SELECT count(*) FROM photos"), 2);
	/* A backup whose photo file fails its hash is refused, and nothing changes. */
	char *hash = fx_sql_text(&S, "SELECT large_sha256 FROM photos ORDER BY id LIMIT 1");
	snprintf(file, sizeof file, "%s.photos/%.2s/%s", dest2, hash, hash);
	free(hash);
	flip_byte(file);
	assert_int_equal(restore(dest2, true), 1);
	assert_int_equal(fx_sql_int(&S, "SELECT count(*) FROM photos"), 2);
	assert_false(exists(thumb_file));
	snprintf(file, sizeof file, "%s.restoring", S.db);
	assert_false(exists(file));

	/* The good backup goes back. */
	char *out = NULL;
	const char *good[] = {"restore", "--from", dest, "--db", S.db, "--force", NULL};
	assert_int_equal(run_cli(good, NULL, &out), 0);
	assert_non_null(strstr(out, "backup checked"));
	if (!strstr(out, "(3 photo files)"))
		print_message("%s", out);
	assert_non_null(strstr(out, "(3 photo files)"));
	free(out);
	assert_int_equal(run_cli(verify, NULL, &out), 0);
	assert_non_null(strstr(out, "photo files intact: 3"));
	assert_non_null(strstr(out, "ending where its anchor says"));
	free(out);
	static const char *const leftovers[] = {".restoring", ".photos.restoring",
						".photos.replaced", "-wal"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(file, sizeof file, "%s%s", S.db, leftovers[i]);
		if (exists(file))
			print_message("left behind: %s\n", file);
		assert_false(exists(file));
	}

	/* The server serves the photos again, as they were; what came later is gone. */
	server_restart(&S, (const char *const[]){"--tz", "UTC", NULL});
	free(t_prac);
	free(t_desk);
	t_prac = login(&S, "prac", PW_PRAC);
	t_desk = login(&S, "desk", PW_DESK);
	size_t len;
	char *again = served(photo, "full", &len);
	assert_int_equal(len, full_len);
	assert_memory_equal(again, full, len);
	free(again);
	again = served(photo, "thumb", &len);
	assert_int_equal(len, thumb_len);
	assert_memory_equal(again, thumb, len);
	free(again);
	snprintf(path, sizeof path, V1 "/photos/%lld/full", photo2);
	fx_expect_err(req(&S, "GET", path, t_prac, NULL), 404, "not_found", NULL);
	snprintf(path, sizeof path, V1 "/patients/%lld", later);
	fx_expect_err(req(&S, "GET", path, t_desk, NULL), 404, "not_found", NULL);
	assert_int_equal(server_stop(&S), 0);

	/* Where the database and its photos are lost altogether, no --force is needed. */
	static const char *const sides[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(file, sizeof file, "%s%s", S.db, sides[i]);
		unlink(file);
	}
	snprintf(file, sizeof file, "%s.photos", S.db);
	assert_int_equal(nftw(file, remove_one, 8, FTW_DEPTH | FTW_PHYS), 0);
	assert_false(exists(file));
	assert_int_equal(restore(dest, false), 0);
	assert_int_equal(run_cli(verify, NULL, NULL), 0);
	assert_int_equal(fx_sql_int(&S, "SELECT count(*) FROM photos"), 1);
	snprintf(file, sizeof file, "%s.photos", S.db);
	assert_true(exists(file));
	free(full);
	free(thumb);
	free(t_prac);
	free(t_desk);
	/* The backups and the photo folders beside them, then what the harness made. */
	static const char *const made[] = {"kept.db", "damaged.db"};
	for (size_t i = 0; i < 2; i++) {
		static const char *const tails[] = {"", ".audit-head", ".photos", "-wal", "-shm"};
		for (size_t k = 0; k < 5; k++) {
			snprintf(file, sizeof file, "%s/%s%s", S.dir, made[i], tails[k]);
			if (exists(file))
				assert_int_equal(nftw(file, remove_one, 8, FTW_DEPTH | FTW_PHYS),
						 0);
		}
	}
	snprintf(file, sizeof file, "%s.photos", S.db);
	assert_int_equal(nftw(file, remove_one, 8, FTW_DEPTH | FTW_PHYS), 0);
	server_destroy(&S);
	assert_false(exists(S.dir));
}

int main(int argc, char **argv)
{
	(void)argc;
	if (VIPS_INIT(argv[0]))
		return 1;
	if (harness_pg()) {
		fprintf(stderr, "test_restore runs on SQLite files only\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_backup_goes_back_with_its_photos),
	};
	return cmocka_run_group_tests_name("api_restore", tests, NULL, NULL);
}
