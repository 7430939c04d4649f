/* The photos' folder and decoders in operation: orphaned files (named by no row) listed by
 * `audit verify --photos` and removed by `photos gc` only when older than a minute; an
 * upload that finds every decoder busy answers 503 decoder_busy after a bounded wait;
 * the marketing export leaves out what consent does not cover; an embedded ICC profile
 * is applied and dropped. On SQLite and PostgreSQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <sodium.h>
#include <unistd.h>
#include <vips/vips.h>

#include "harness.h"

#define V1 "/api/v1"

static struct server S;
static char *t_admin, *t_desk, *t_prac;
static char scratch[256];   /* this file's own temporary files */
static char photo_dir[320]; /* where the server keeps the photo files */

/* ---- Programs, files and images ---- */

/* Runs argv (argv[0] found on PATH); its exit code, and standard output in *out when out
 * is not NULL (caller frees). */
static int run(const char *const *argv, char **out)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 2);
		close(p[0]);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	struct harness_buf b = {NULL, 0};
	char chunk[4096];
	ssize_t n;
	while ((n = read(p[0], chunk, sizeof chunk)) > 0)
		harness_collect(chunk, 1, (size_t)n, &b);
	close(p[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	if (out)
		*out = b.p ? b.p : strdup("");
	else
		free(b.p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Sets a file's modification seconds_ago seconds back. */
static void age(const char *path, int seconds_ago)
{
	struct timespec t[2];
	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= seconds_ago;
	t[1] = t[0];
	assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

/* A w x h JPEG, a gradient whose slope is shade (distinct images for distinct shades);
 * caller frees with g_free. */
static void *jpeg(int w, int h, double shade, size_t *len)
{
	VipsImage *xy, *x, *v, *rgb, *srgb;
	assert_int_equal(vips_xyz(&xy, w, h, NULL), 0);
	assert_int_equal(vips_extract_band(xy, &x, 0, NULL), 0);
	assert_int_equal(vips_linear1(x, &v, shade * 255.0 / w, 0, "uchar", TRUE, NULL), 0);
	VipsImage *bands[3] = {v, v, v};
	assert_int_equal(vips_bandjoin(bands, &rgb, 3, NULL), 0);
	assert_int_equal(vips_copy(rgb, &srgb, "interpretation", VIPS_INTERPRETATION_sRGB, NULL),
			 0);
	void *buf = NULL;
	assert_int_equal(vips_jpegsave_buffer(srgb, &buf, len, "Q", 90, NULL), 0);
	g_object_unref(xy);
	g_object_unref(x);
	g_object_unref(v);
	g_object_unref(rgb);
	g_object_unref(srgb);
	return buf;
}

/* ---- The clinic ---- */

static long long photo_consent(long long patient, const char *scope)
{
	char path[96];
	snprintf(path, sizeof path, V1 "/patients/%lld/photo-consents", patient);
	return fx_post_id(&S, path, t_prac,
			  json_pack("{s:s, s:s, s:s}", "scope", scope, "form_version", "2026-1",
				    "signed_name", "The Patient"));
}

static struct resp *upload_to(struct server *s, const char *token, long long patient,
			      const void *data, size_t len)
{
	char path[160];
	snprintf(path, sizeof path, V1 "/patients/%lld/photos?area=cheeks&angle=front&phase=before",
		 patient);
	const char *headers[] = {"Content-Type: image/jpeg", NULL};
	return req_ex(s, "POST", path, token, data, len, headers);
}

/* Uploads data and expects 201; the answer (caller frees). */
static struct resp *upload_ok(long long patient, const void *data, size_t len)
{
	struct resp *r = upload_to(&S, t_prac, patient, data, len);
	if (r->status != 201)
		print_message("upload: %ld %s\n", r->status, r->body);
	assert_int_equal(r->status, 201);
	return r;
}

/* Uploads a w x h gradient of shade; the new photo's id. */
static long long upload_new(long long patient, int w, int h, double shade)
{
	size_t n;
	void *b = jpeg(w, h, shade, &n);
	struct resp *r = upload_ok(patient, b, n);
	g_free(b);
	long long id = jint(r->json, "id");
	resp_free(r);
	return id;
}

/* The stored file of a photo's column (sha256, large_sha256, thumb_sha256). */
static void stored_of(long long id, const char *column, char *out, size_t n)
{
	char q[160];
	snprintf(q, sizeof q, "SELECT %s FROM photos WHERE id = %lld", column, id);
	char *hash = fx_sql_text(&S, q);
	assert_non_null(hash);
	snprintf(out, n, "%s/%.2s/%s", photo_dir, hash, hash);
	free(hash);
}

/* Runs a command of the CLI on the server's database and photo folder: args, then --db
 * and --photos-dir; its exit code and output. */
static int cli_on_db(const char *a, const char *b, char **out)
{
	const char *args[] = {a, b, "--db", S.db, "--photos-dir", photo_dir, NULL};
	return run_cli(args, NULL, out);
}

/* ---- Orphans ---- */

/* A file that no row names: listed by audit verify --photos (not a fault), removed by
 * photos gc once it is older than a minute; what rows name stays, however old. */
static void orphaned_files_are_listed_and_collected(void **state)
{
	(void)state;
	long long p = fx_patient(&S, t_desk, "Orphan", "Files", "1982-02-02");
	photo_consent(p, "photo_clinical");
	long long photo = upload_new(p, 1600, 1200, 1.0);
	char full[420];
	stored_of(photo, "sha256", full, sizeof full);
	age(full, 3600);

	/* What a crash after the rename and before the commit leaves, an hour ago and just
	 * now, and a temporary file of a write cut short. */
	static const char old_hash[] =
	    "ab00000000000000000000000000000000000000000000000000000000000001";
	static const char new_hash[] =
	    "cd00000000000000000000000000000000000000000000000000000000000002";
	char old_file[420], new_file[420], tmp_file[440], sub[400];
	snprintf(sub, sizeof sub, "%s/ab", photo_dir);
	mkdir(sub, 0700);
	snprintf(sub, sizeof sub, "%s/cd", photo_dir);
	mkdir(sub, 0700);
	snprintf(old_file, sizeof old_file, "%s/ab/%s", photo_dir, old_hash);
	snprintf(new_file, sizeof new_file, "%s/cd/%s", photo_dir, new_hash);
	snprintf(tmp_file, sizeof tmp_file, "%s.tmp", full);
	write_file(old_file, "left behind", 11);
	write_file(new_file, "being committed", 15);
	write_file(tmp_file, "cut short", 9);
	age(old_file, 3600);
	age(tmp_file, 120);

	char *out = NULL;
	assert_int_equal(cli_on_db("audit", "verify", &out), 0);
	char line[200];
	const char *const orphans[] = {old_hash, new_hash, strrchr(tmp_file, '/') + 1};
	for (size_t i = 0; i < 3; i++) {
		snprintf(line, sizeof line, "photo file orphaned: %s", orphans[i]);
		if (!strstr(out, line))
			print_message("%s\n%s", line, out);
		assert_non_null(strstr(out, line));
	}
	assert_non_null(strstr(out, "photo files orphaned: 3"));
	assert_non_null(strstr(out, "photo files intact:"));
	assert_non_null(strstr(out, "audit chain intact"));
	free(out);

	assert_int_equal(cli_on_db("photos", "gc", &out), 0);
	assert_non_null(
	    strstr(out, "orphaned photo files removed: 2; kept, newer than a minute: 1"));
	snprintf(line, sizeof line, "photo file removed: %s", old_hash);
	assert_non_null(strstr(out, line));
	assert_null(strstr(out, new_hash));
	free(out);
	assert_false(exists(old_file));
	assert_false(exists(tmp_file));
	assert_true(exists(new_file));
	assert_true(exists(full));
	assert_int_equal(fx_audit_count_detail(&S, t_admin, "photo_file", 0, "remove", "orphans 2"),
			 1);
	char path[96];
	snprintf(path, sizeof path, V1 "/photos/%lld/full", photo);
	fx_expect_status(req(&S, "GET", path, t_prac, NULL), 200);

	/* What is left: the one still young, and every file a row names. */
	assert_int_equal(cli_on_db("audit", "verify", &out), 0);
	assert_non_null(strstr(out, "photo files orphaned: 1"));
	assert_null(strstr(out, "missing"));
	free(out);
	/* A second gc finds nothing old to remove and writes no event. */
	assert_int_equal(cli_on_db("photos", "gc", &out), 0);
	assert_non_null(strstr(out, "removed: 0;"));
	free(out);
	assert_int_equal(fx_audit_count(&S, t_admin, "photo_file", 0, "remove"), 1);
	assert_int_equal(unlink(new_file), 0);
	/* An upload of content already there refreshes the file, so a gc leaves it to the
	 * row that names it. */
	size_t n;
	void *again = jpeg(1600, 1200, 1.0, &n);
	resp_free(upload_ok(p, again, n));
	g_free(again);
	struct stat st;
	assert_int_equal(stat(full, &st), 0);
	assert_true((long long)st.st_mtime > (long long)time(NULL) - 600);
}

/* ---- The marketing export ---- */

/* What an export answered: the archive's entries by name, the manifest parsed. */
struct export
{
	size_t n;
	char names[32][128];
	char sha256[32][65]; /* of each entry's bytes */
	json_t *manifest;
};

static void export_free(struct export *e)
{
	json_decref(e->manifest);
}

static struct resp *export_req(long long patient, const char *query, const char *token)
{
	char path[128];
	snprintf(path, sizeof path, V1 "/patients/%lld/photos/export%s", patient, query);
	return req(&S, "GET", path, token, NULL);
}

/* GETs the export of patient's photos, expects a zip and reads it with libarchive. */
static void export_of(long long patient, struct export *out)
{
	memset(out, 0, sizeof *out);
	struct resp *r = export_req(patient, "?scope=marketing", t_prac);
	if (r->status != 200)
		print_message("export: %ld %s\n", r->status, r->body);
	assert_int_equal(r->status, 200);
	char h[128];
	assert_string_equal(resp_header(r, "Content-Type", h, sizeof h), "application/zip");
	assert_string_equal(resp_header(r, "Cache-Control", h, sizeof h), "private, no-store");
	assert_non_null(strstr(resp_header(r, "Content-Disposition", h, sizeof h), "attachment"));
	size_t len = (size_t)atoll(resp_header(r, "Content-Length", h, sizeof h));
	struct archive *a = archive_read_new();
	assert_non_null(a);
	assert_int_equal(archive_read_support_format_zip(a), ARCHIVE_OK);
	assert_int_equal(archive_read_open_memory(a, r->body, len), ARCHIVE_OK);
	struct archive_entry *e;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		assert_true(out->n < 32);
		snprintf(out->names[out->n], sizeof out->names[0], "%s", archive_entry_pathname(e));
		size_t size = (size_t)archive_entry_size(e);
		char *data = malloc(size + 1);
		assert_non_null(data);
		assert_int_equal(archive_read_data(a, data, size), (la_ssize_t)size);
		data[size] = '\0';
		unsigned char hash[crypto_hash_sha256_BYTES];
		crypto_hash_sha256(hash, (const unsigned char *)data, size);
		sodium_bin2hex(out->sha256[out->n], 65, hash, sizeof hash);
		if (strcmp(out->names[out->n], "manifest.json") == 0) {
			out->manifest = json_loads(data, 0, NULL);
			assert_non_null(out->manifest);
		}
		free(data);
		out->n++;
	}
	assert_int_equal(archive_read_free(a), ARCHIVE_OK);
	resp_free(r);
	assert_non_null(out->manifest);
}

/* The ids the manifest lists, in its order, as "3,4,5". */
static void manifest_ids(const struct export *e, char *out, size_t n)
{
	json_t *photos = json_object_get(e->manifest, "photos");
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < json_array_size(photos) && o + 24 < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%s%lld", i ? "," : "",
				      jint(json_array_get(photos, i), "id"));
}

/* Only photos under a photo_marketing consent in force, not flagged consent_withdrawn,
 * leave in the export; each file as stored, named in the manifest; the export is one
 * audited read naming them; the front desk gets none of it. */
static void the_marketing_export_leaves_out_withdrawn_consent(void **state)
{
	(void)state;
	long long both = fx_patient(&S, t_desk, "Shown", "Outside", "1984-04-04");
	photo_consent(both, "photo_clinical");
	long long marketing = photo_consent(both, "photo_marketing");
	long long a = upload_new(both, 640, 480, 0.5);
	long long b = upload_new(both, 640, 480, 0.6);
	long long c = upload_new(both, 640, 480, 0.7);
	/* One removed from view stays out too. */
	char path[128];
	snprintf(path, sizeof path, V1 "/photos/%lld/remove", c);
	fx_expect_status(req(&S, "POST", path, t_prac, NULL), 200);

	struct export e;
	export_of(both, &e);
	assert_int_equal(e.n, 3);
	char ids[128], want[160];
	manifest_ids(&e, ids, sizeof ids);
	snprintf(want, sizeof want, "%lld,%lld", a, b);
	assert_string_equal(ids, want);
	assert_string_equal(jstr(e.manifest, "scope"), "marketing");
	json_t *photos = json_object_get(e.manifest, "photos");
	for (size_t i = 0; i < 2; i++) {
		json_t *p = json_array_get(photos, i);
		const char *file = jstr(p, "file");
		size_t k = 0;
		while (k < e.n && strcmp(e.names[k], file) != 0)
			k++;
		assert_true(k < e.n);
		/* The bytes are the stored large rendition's, by the row's own hash. */
		char q[128];
		snprintf(q, sizeof q, "SELECT large_sha256 FROM photos WHERE id = %lld",
			 jint(p, "id"));
		char *hash = fx_sql_text(&S, q);
		assert_string_equal(e.sha256[k], hash);
		assert_string_equal(jstr(p, "sha256"), hash);
		free(hash);
		assert_string_equal(jstr(p, "angle"), "front");
	}
	export_free(&e);
	snprintf(want, sizeof want, "photos export marketing %lld,%lld", a, b);
	assert_int_equal(fx_expect_newest_event(&S, t_admin, "patient", "read", want), both);

	/* Another patient with a record-only consent: an archive with the manifest alone. */
	long long record_only = fx_patient(&S, t_desk, "Record", "Only", "1985-05-05");
	photo_consent(record_only, "photo_clinical");
	upload_new(record_only, 640, 480, 0.8);
	export_of(record_only, &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(json_array_size(json_object_get(e.manifest, "photos")), 0);
	export_free(&e);
	fx_expect_newest_event(&S, t_admin, "patient", "read", "photos export marketing");

	/* The record's consent withdrawn: the photos stay, flagged, and leave no more. */
	long long flagged = fx_patient(&S, t_desk, "Flagged", "Later", "1986-06-06");
	long long clinical = photo_consent(flagged, "photo_clinical");
	photo_consent(flagged, "photo_marketing");
	long long f = upload_new(flagged, 640, 480, 0.9);
	export_of(flagged, &e);
	assert_int_equal(e.n, 2);
	export_free(&e);
	snprintf(path, sizeof path, V1 "/photo-consents/%lld/withdraw", clinical);
	fx_expect_status(req(&S, "POST", path, t_prac, NULL), 200);
	export_of(flagged, &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(json_array_size(json_object_get(e.manifest, "photos")), 0);
	export_free(&e);
	snprintf(path, sizeof path, V1 "/photos/%lld/thumb", f);
	fx_expect_status(req(&S, "GET", path, t_prac, NULL), 200);

	/* The marketing consent withdrawn: nothing of that patient leaves either. */
	snprintf(path, sizeof path, V1 "/photo-consents/%lld/withdraw", marketing);
	fx_expect_status(req(&S, "POST", path, t_prac, NULL), 200);
	export_of(both, &e);
	assert_int_equal(e.n, 1);
	export_free(&e);

	/* The front desk never; a scope is named; an unknown patient is 404. */
	fx_expect_err(export_req(both, "?scope=marketing", t_desk), 403, "forbidden", NULL);
	long long events = fx_audit_last(&S, t_admin);
	fx_expect_err(export_req(both, "", t_prac), 422, "validation_failed", "scope");
	fx_expect_err(export_req(both, "?scope=record", t_prac), 422, "validation_failed", "scope");
	fx_expect_err(export_req(999999, "?scope=marketing", t_prac), 404, "not_found", NULL);
	assert_int_equal(fx_audit_last(&S, t_admin), events);
}

/* ---- Colour ---- */

/* The first three bands of a pixel. */
static void rgb_at(VipsImage *im, int x, int y, double out[3])
{
	double *v = NULL;
	int n = 0;
	assert_int_equal(vips_getpoint(im, &v, &n, x, y, NULL), 0);
	assert_true(n >= 3);
	for (int i = 0; i < 3; i++)
		out[i] = v[i];
	g_free(v);
}

/* A JPEG in Display P3 with the P3 profile embedded: its numbers for pure sRGB red are
 * not 255,0,0, so a decoder that drops the profile without applying it gets a duller red
 * than the one that was photographed. It is converted to sRGB, and what is kept carries
 * no profile (exiftool finds none). */
static void an_icc_profile_is_applied_then_dropped(void **state)
{
	(void)state;
	VipsImage *red, *srgb, *p3;
	assert_int_equal(vips_black(&red, 64, 48, "bands", 3, NULL), 0);
	VipsImage *lit;
	double add[3] = {255, 0, 0};
	double mul[3] = {1, 1, 1};
	assert_int_equal(vips_linear(red, &lit, mul, add, 3, "uchar", TRUE, NULL), 0);
	assert_int_equal(vips_copy(lit, &srgb, "interpretation", VIPS_INTERPRETATION_sRGB, NULL),
			 0);
	assert_int_equal(
	    vips_icc_transform(srgb, &p3, "p3", "input_profile", "srgb", "depth", 8, NULL), 0);
	void *jpg = NULL;
	size_t n = 0;
	assert_int_equal(vips_jpegsave_buffer(p3, &jpg, &n, "Q", 98, NULL), 0);
	g_object_unref(red);
	g_object_unref(lit);
	g_object_unref(srgb);
	g_object_unref(p3);
	char src[320];
	snprintf(src, sizeof src, "%s/p3.jpg", scratch);
	write_file(src, jpg, n);
	/* The upload carries the profile, and its numbers are P3's. */
	char *out = NULL;
	const char *show_src[] = {"exiftool", "-a", "-G1", "-s", src, NULL};
	assert_int_equal(run(show_src, &out), 0);
	assert_non_null(strstr(out, "[ICC_Profile]"));
	free(out);
	VipsImage *raw = vips_image_new_from_file(src, "access", VIPS_ACCESS_RANDOM, NULL);
	assert_non_null(raw);
	double px[3];
	rgb_at(raw, 32, 24, px);
	g_object_unref(raw);
	assert_true(px[0] < 245 && px[1] > 25);

	long long p = fx_patient(&S, t_desk, "Wide", "Gamut", "1987-07-07");
	photo_consent(p, "photo_clinical");
	struct resp *r = upload_ok(p, jpg, n);
	long long id = jint(r->json, "id");
	resp_free(r);
	g_free(jpg);
	static const char *const columns[] = {"sha256", "large_sha256", "thumb_sha256"};
	for (size_t k = 0; k < 3; k++) {
		char path[420];
		stored_of(id, columns[k], path, sizeof path);
		const char *show[] = {"exiftool", "-a", "-G1", "-s", path, NULL};
		assert_int_equal(run(show, &out), 0);
		if (strstr(out, "ICC"))
			print_message("stored file keeps a profile:\n%s\n", out);
		assert_null(strstr(out, "ICC"));
		assert_null(strstr(out, "sP3C"));
		free(out);
		size_t len = 0;
		unsigned char *data = read_file(path, &len);
		assert_non_null(data);
		/* No APP2 ICC_PROFILE segment either. */
		for (size_t i = 0; i + 12 <= len; i++)
			assert_false(memcmp(data + i, "ICC_PROFILE", 11) == 0);
		VipsImage *im = vips_image_new_from_buffer(data, len, "", NULL);
		assert_non_null(im);
		assert_false(vips_image_get_typeof(im, VIPS_META_ICC_NAME) != 0);
		/* The red that was photographed, in sRGB numbers again. */
		rgb_at(im, vips_image_get_width(im) / 2, vips_image_get_height(im) / 2, px);
		if (!(px[0] > 245 && px[1] < 20 && px[2] < 20))
			print_message("stored pixel %.0f,%.0f,%.0f\n", px[0], px[1], px[2]);
		assert_true(px[0] > 245 && px[1] < 20 && px[2] < 20);
		g_object_unref(im);
		free(data);
	}
}

/* ---- Waiting for a decoder ---- */

static struct server busy_srv;
static char *busy_prac;
static long long busy_patient;

/* The pid of the server's image decoder child, or 0 when it has none. */
static pid_t decoder_child(pid_t server)
{
	DIR *d = opendir("/proc");
	assert_non_null(d);
	pid_t found = 0;
	struct dirent *e;
	while (!found && (e = readdir(d)) != NULL) {
		char path[300], buf[512];
		if (strspn(e->d_name, "0123456789") != strlen(e->d_name))
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		/* pid (comm) state ppid ...: the comm may hold spaces, the last ')' ends it. */
		const char *close_paren = strrchr(buf, ')');
		long ppid = 0;
		char st;
		if (!close_paren || sscanf(close_paren + 1, " %c %ld", &st, &ppid) != 2 ||
		    ppid != (long)server)
			continue;
		snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		/* argv is NUL-separated: "collagenda\0image-worker\0". */
		for (size_t i = 0; i + 12 <= n; i++)
			if (memcmp(buf + i, "image-worker", 12) == 0)
				found = (pid_t)atol(e->d_name);
	}
	closedir(d);
	return found;
}

static void *held_upload(void *arg)
{
	(void)arg;
	static const char hang[] = "\xff\xd8\xff"
				   "HANG";
	return upload_to(&busy_srv, busy_prac, busy_patient, hang, sizeof hang - 1);
}

/* With one decoder slot, held by a child that spins until it is killed, the next upload
 * waits its bounded time and is answered 503 decoder_busy, keeping nothing; once the
 * slot is free, uploads go through again. */
static void an_upload_does_not_wait_forever_for_a_decoder(void **state)
{
	(void)state;
	char pdir[300];
	snprintf(pdir, sizeof pdir, "%s/busy-photos", scratch);
	setenv("COLLAGENDA_TEST_IMAGE_HOOK", "1", 1);
	setenv("COLLAGENDA_TEST_IMAGE_SLOTS", "1", 1);
	setenv("COLLAGENDA_TEST_IMAGE_SLOT_WAIT_MS", "300", 1);
	/* The held child outlasts the test unless it is killed. */
	setenv("COLLAGENDA_TEST_IMAGE_TIMEOUT_MS", "300000", 1);
	const char *args[] = {"--tz", "UTC", "--test-hooks", "--photos", pdir, NULL};
	server_start(&busy_srv, args);
	unsetenv("COLLAGENDA_TEST_IMAGE_HOOK");
	unsetenv("COLLAGENDA_TEST_IMAGE_SLOTS");
	unsetenv("COLLAGENDA_TEST_IMAGE_SLOT_WAIT_MS");
	unsetenv("COLLAGENDA_TEST_IMAGE_TIMEOUT_MS");
	busy_prac = login(&busy_srv, "prac", PW_PRAC);
	char *desk = login(&busy_srv, "desk", PW_DESK);
	busy_patient = fx_patient(&busy_srv, desk, "Waiting", "Turn", "1983-03-03");
	char path[96];
	snprintf(path, sizeof path, V1 "/patients/%lld/photo-consents", busy_patient);
	fx_post_id(&busy_srv, path, busy_prac,
		   json_pack("{s:s, s:s, s:s}", "scope", "photo_clinical", "form_version", "1",
			     "signed_name", "Waiting Turn"));

	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, held_upload, NULL), 0);
	/* The slot is taken once the child runs. */
	pid_t child = 0;
	for (int i = 0; i < 3000 && !child; i++) {
		child = decoder_child(busy_srv.pid);
		if (!child)
			usleep(10 * 1000);
	}
	assert_true(child > 0);

	size_t n;
	void *jpg = jpeg(320, 240, 1.0, &n);
	struct resp *r = upload_to(&busy_srv, busy_prac, busy_patient, jpg, n);
	fx_expect_error(r, 503, "decoder_busy");
	char h[32];
	assert_non_null(resp_header(r, "Retry-After", h, sizeof h));
	assert_string_equal(h, "5");
	resp_free(r);
	assert_int_equal(fx_sql_int(&busy_srv, "SELECT count(*) FROM photos"), 0);
	/* The child is still the one holding the slot. */
	assert_int_equal(decoder_child(busy_srv.pid), child);

	/* Killed, it costs its own upload only, and gives the slot back. */
	assert_int_equal(kill(child, SIGKILL), 0);
	void *held = NULL;
	assert_int_equal(pthread_join(th, &held), 0);
	fx_expect_err(held, 422, "bad_image", NULL);
	r = upload_to(&busy_srv, busy_prac, busy_patient, jpg, n);
	assert_int_equal(r->status, 201);
	resp_free(r);
	g_free(jpg);
	assert_int_equal(fx_sql_int(&busy_srv, "SELECT count(*) FROM photos"), 1);
	free(busy_prac);
	free(desk);
	assert_int_equal(server_stop(&busy_srv), 0);
	const char *rm[] = {"rm", "-rf", pdir, NULL};
	run(rm, NULL);
	server_destroy(&busy_srv);
}

/* ---- The server ---- */

static int setup(void **state)
{
	(void)state;
	harness_zone("UTC");
	fx_mkdtemp(scratch, sizeof scratch, "/tmp/collagenda-photo-ops-");
	char pdir[300];
	snprintf(pdir, sizeof pdir, "%s/photos", scratch);
	const char *pg_args[] = {"--tz", "UTC", "--photos", pdir, NULL};
	const char *lite_args[] = {"--tz", "UTC", NULL};
	server_start(&S, harness_pg() ? pg_args : lite_args);
	if (harness_pg())
		snprintf(photo_dir, sizeof photo_dir, "%s", pdir);
	else
		snprintf(photo_dir, sizeof photo_dir, "%s.photos", S.db);
	t_admin = login(&S, "admin", PW_ADMIN);
	t_desk = login(&S, "desk", PW_DESK);
	t_prac = login(&S, "prac", PW_PRAC);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	int rc = server_stop(&S);
	const char *rm_photos[] = {"rm", "-rf", photo_dir, NULL};
	const char *rm_scratch[] = {"rm", "-rf", scratch, NULL};
	run(rm_photos, NULL);
	server_destroy(&S);
	run(rm_scratch, NULL);
	free(t_admin);
	free(t_desk);
	free(t_prac);
	return rc == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	(void)argc;
	if (VIPS_INIT(argv[0]))
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(orphaned_files_are_listed_and_collected),
	    cmocka_unit_test(an_upload_does_not_wait_forever_for_a_decoder),
	    cmocka_unit_test(the_marketing_export_leaves_out_withdrawn_consent),
	    cmocka_unit_test(an_icc_profile_is_applied_then_dropped),
	};
	return cmocka_run_group_tests_name("api_photos_ops", tests, setup, teardown);
}
