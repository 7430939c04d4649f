/* Clinical photos over HTTP: photo consent (missing, withdrawn, marketing), every format,
 * metadata stripped (read back with exiftool), orientation applied, renditions, broken
 * and hostile images, a crashing or hanging decoder, the upload limit, the front desk
 * refused, audited views, the serving headers, the signed-session lock, and backup with
 * audit verify --photos. Test images are made here with libvips and exiftool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vips/vips.h>

#include "harness.h"

#define V1	 "/api/v1"
#define SLOT_MIN 10

static struct server S;
static char *t_admin, *t_desk, *t_prac;
static long long u_prac, room;
static long long p_main;      /* has a photo_clinical consent */
static long long p_noconsent; /* has none */
static char photo_dir[320];   /* where the server keeps the files */
static char scratch[256];     /* this file's own temporary files */
static int next_slot;

/* ---- Programs and files ---- */

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

static unsigned char *read_all(const char *path, size_t *len)
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

static void write_all(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static bool has_bytes(const unsigned char *hay, size_t n, const char *needle, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return true;
	return false;
}

/* ---- Test images ---- */

/* An RGB image: a horizontal gradient, or (split) black on the left half and white on
 * the right. The caller unrefs it. */
static VipsImage *picture(int w, int h, bool split)
{
	VipsImage *xy, *x, *v, *rgb;
	assert_int_equal(vips_xyz(&xy, w, h, NULL), 0);
	assert_int_equal(vips_extract_band(xy, &x, 0, NULL), 0);
	if (split)
		assert_int_equal(
		    vips_relational_const1(x, &v, VIPS_OPERATION_RELATIONAL_MOREEQ, w / 2.0, NULL),
		    0);
	else
		assert_int_equal(vips_linear1(x, &v, 255.0 / w, 0, "uchar", TRUE, NULL), 0);
	VipsImage *bands[3] = {v, v, v};
	assert_int_equal(vips_bandjoin(bands, &rgb, 3, NULL), 0);
	VipsImage *out;
	assert_int_equal(vips_copy(rgb, &out, "interpretation", VIPS_INTERPRETATION_sRGB, NULL), 0);
	g_object_unref(xy);
	g_object_unref(x);
	g_object_unref(v);
	g_object_unref(rgb);
	return out;
}

/* The image encoded as format ("jpeg", "png", "webp", "heic"); caller frees with g_free. */
static void *encode(VipsImage *im, const char *format, size_t *len)
{
	void *buf = NULL;
	int rc = -1;
	if (strcmp(format, "jpeg") == 0)
		rc = vips_jpegsave_buffer(im, &buf, len, "Q", 95, NULL);
	else if (strcmp(format, "png") == 0)
		rc = vips_pngsave_buffer(im, &buf, len, NULL);
	else if (strcmp(format, "webp") == 0)
		rc = vips_webpsave_buffer(im, &buf, len, NULL);
	else if (strcmp(format, "heic") == 0) {
		/* By vips, the command: the HEVC encoder keeps an allocation for good, which
		 * a sanitizer's leak check would count against this test. */
		char png[320], heic[320];
		snprintf(png, sizeof png, "%s/encode.png", scratch);
		snprintf(heic, sizeof heic, "%s/encode.heic", scratch);
		rc = vips_pngsave(im, png, NULL);
		const char *argv[] = {"vips", "copy", png, heic, NULL};
		if (rc == 0)
			rc = run(argv, NULL);
		unsigned char *data = rc == 0 ? read_all(heic, len) : NULL;
		if (data) {
			buf = g_memdup2(data, *len);
			free(data);
		} else {
			rc = -1;
		}
	}
	assert_int_equal(rc, 0);
	return buf;
}

static void *make(const char *format, int w, int h, size_t *len)
{
	VipsImage *im = picture(w, h, false);
	void *b = encode(im, format, len);
	g_object_unref(im);
	return b;
}

/* A JPEG with GPS coordinates, a camera, XMP and the EXIF orientation tag (6: the camera
 * was turned, the pixels are to be rotated 90 degrees clockwise), written by exiftool. */
static unsigned char *tagged_jpeg(int w, int h, bool split, int orientation, size_t *len)
{
	VipsImage *im = picture(w, h, split);
	size_t n;
	void *b = encode(im, "jpeg", &n);
	g_object_unref(im);
	char path[320], o[32];
	snprintf(path, sizeof path, "%s/tagged.jpg", scratch);
	write_all(path, b, n);
	g_free(b);
	snprintf(o, sizeof o, "-Orientation=%d", orientation);
	const char *argv[] = {"exiftool",
			      "-q",
			      "-overwrite_original",
			      "-n",
			      "-GPSLatitude=48.8566",
			      "-GPSLatitudeRef=N",
			      "-GPSLongitude=2.3522",
			      "-GPSLongitudeRef=E",
			      "-Make=PhotoCam",
			      "-Model=Clinic 1",
			      "-XMP-dc:Creator=Dr Example",
			      o,
			      path,
			      NULL};
	assert_int_equal(run(argv, NULL), 0);
	unsigned char *data = read_all(path, len);
	assert_non_null(data);
	return data;
}

/* The standard CRC-32 of PNG chunks. */
static uint32_t crc32_of(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
	}
	return c ^ 0xffffffffu;
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* ---- The clinic ---- */

static time_t slot(void)
{
	next_slot++;
	return fx_time(0, 0, SLOT_MIN * next_slot);
}

static long long photo_consent(long long patient, const char *scope)
{
	char path[96];
	snprintf(path, sizeof path, V1 "/patients/%lld/photo-consents", patient);
	return fx_post_id(&S, path, t_prac,
			  json_pack("{s:s, s:s, s:s}", "scope", scope, "form_version", "2026-1",
				    "signed_name", "The Patient"));
}

static struct resp *withdraw(long long consent, const char *token)
{
	char path[96];
	snprintf(path, sizeof path, V1 "/photo-consents/%lld/withdraw", consent);
	return req(&S, "POST", path, token, NULL);
}

/* POSTs data as a photo of patient with the query q ("area=cheeks&angle=front&...") and
 * the Content-Type ctype. */
static struct resp *upload_as(long long patient, const char *q, const void *data, size_t len,
			      const char *ctype, const char *token)
{
	char path[256], ct[64];
	snprintf(path, sizeof path, V1 "/patients/%lld/photos?%s", patient, q);
	snprintf(ct, sizeof ct, "Content-Type: %s", ctype);
	const char *headers[] = {ct, NULL};
	return req_ex(&S, "POST", path, token, data, len, headers);
}

static struct resp *upload(long long patient, const char *q, const void *data, size_t len)
{
	return upload_as(patient, q, data, len, "image/jpeg", t_prac);
}

/* Uploads and expects 201; returns the answer (caller frees). */
static struct resp *upload_ok(long long patient, const char *q, const void *data, size_t len)
{
	struct resp *r = upload(patient, q, data, len);
	if (r->status != 201)
		print_message("upload: %ld %s\n", r->status, r->body);
	assert_int_equal(r->status, 201);
	return r;
}

/* The path of a stored file by its hash. */
static void stored(const char *hash, char *out, size_t n)
{
	assert_int_equal(strlen(hash), 64);
	snprintf(out, n, "%s/%.2s/%s", photo_dir, hash, hash);
}

/* The stored file of rendition size ("sha256", "large_sha256", "thumb_sha256") of the
 * photo row with id, looked up in the database. */
static void stored_of(long long id, const char *column, char *out, size_t n)
{
	char q[160];
	snprintf(q, sizeof q, "SELECT %s FROM photos WHERE id = %lld", column, id);
	char *hash = fx_sql_text(&S, q);
	assert_non_null(hash);
	stored(hash, out, n);
	free(hash);
}

static VipsImage *open_stored(const char *path)
{
	VipsImage *im = vips_image_new_from_file(path, "access", VIPS_ACCESS_RANDOM, NULL);
	assert_non_null(im);
	return im;
}

static double pixel(VipsImage *im, int x, int y)
{
	double *v = NULL;
	int n = 0;
	assert_int_equal(vips_getpoint(im, &v, &n, x, y, NULL), 0);
	double r = v[0];
	g_free(v);
	return r;
}

/* ---- Tests ---- */

static void consent_is_needed_and_withdrawable(void **state)
{
	(void)state;
	size_t n;
	void *jpg = make("jpeg", 64, 48, &n);
	const char *q = "area=cheeks&angle=front&phase=before";
	struct resp *r = upload(p_noconsent, q, jpg, n);
	fx_expect_error(r, 409, "consent_missing");
	assert_string_equal(jstr(fx_details(r), "scope"), "photo_clinical");
	resp_free(r);
	/* A marketing consent alone is not one for the record. */
	long long m = photo_consent(p_noconsent, "photo_marketing");
	fx_expect_err(upload(p_noconsent, q, jpg, n), 409, "consent_missing", NULL);
	long long c = photo_consent(p_noconsent, "photo_clinical");
	r = upload_ok(p_noconsent, q, jpg, n);
	long long photo = jint(r->json, "id");
	assert_false(json_is_true(json_object_get(r->json, "consent_withdrawn")));
	assert_true(json_is_true(json_object_get(r->json, "marketing")));
	resp_free(r);

	char path[128];
	snprintf(path, sizeof path, V1 "/patients/%lld/photos?purpose=marketing", p_noconsent);
	r = req(&S, "GET", path, t_prac, NULL);
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "total"), 1);
	resp_free(r);

	/* Withdrawn: no new photos; the old one stays, flagged, and leaves no export. */
	r = withdraw(c, t_prac);
	assert_int_equal(r->status, 200);
	assert_false(json_is_true(json_object_get(r->json, "in_force")));
	resp_free(r);
	fx_expect_err(withdraw(c, t_prac), 409, "conflict", NULL);
	fx_expect_err(upload(p_noconsent, q, jpg, n), 409, "consent_missing", NULL);
	snprintf(path, sizeof path, V1 "/patients/%lld/photos", p_noconsent);
	r = req(&S, "GET", path, t_prac, NULL);
	assert_int_equal(r->status, 200);
	json_t *item = json_array_get(json_object_get(r->json, "items"), 0);
	assert_int_equal(jint(item, "id"), photo);
	assert_true(json_is_true(json_object_get(item, "consent_withdrawn")));
	resp_free(r);
	snprintf(path, sizeof path, V1 "/patients/%lld/photos?purpose=marketing", p_noconsent);
	r = req(&S, "GET", path, t_prac, NULL);
	assert_int_equal(jint(r->json, "total"), 0);
	resp_free(r);
	snprintf(path, sizeof path, V1 "/photos/%lld/thumb", photo);
	fx_expect_status(req(&S, "GET", path, t_prac, NULL), 200);

	/* The consents read back, withdrawn or in force; never deleted beneath. */
	snprintf(path, sizeof path, V1 "/patients/%lld/photo-consents", p_noconsent);
	r = req(&S, "GET", path, t_prac, NULL);
	assert_int_equal(jint(r->json, "total"), 2);
	resp_free(r);
	fx_expect_err(reqj(&S, "POST", path, t_prac,
			   json_pack("{s:s, s:s, s:s}", "scope", "photo_everything", "form_version",
				     "1", "signed_name", "X")),
		      422, "validation_failed", "scope");
	assert_true(fx_sql_exec(&S, "DELETE FROM photo_consents", NULL) < 0);
	assert_true(m > 0);
	g_free(jpg);
}

/* Every format comes in, and what is kept is a JPEG, with 1280 and 320 px renditions. */
static void every_format_and_the_renditions(void **state)
{
	(void)state;
	static const char *const formats[] = {"jpeg", "png", "webp", "heic"};
	for (size_t i = 0; i < 4; i++) {
		size_t n;
		void *b = make(formats[i], 1600, 1200, &n);
		struct resp *r = upload_ok(p_main, "area=cheeks&angle=left_45&phase=before", b, n);
		g_free(b);
		assert_string_equal(jstr(r->json, "source_format"), formats[i]);
		assert_string_equal(jstr(r->json, "content_type"), "image/jpeg");
		assert_int_equal(jint(r->json, "width"), 1600);
		assert_int_equal(jint(r->json, "height"), 1200);
		long long id = jint(r->json, "id");
		resp_free(r);
		static const struct {
			const char *column;
			int w, h;
		} sizes[] = {{"sha256", 1600, 1200},
			     {"large_sha256", 1280, 960},
			     {"thumb_sha256", 320, 240}};
		for (size_t k = 0; k < 3; k++) {
			char path[400];
			stored_of(id, sizes[k].column, path, sizeof path);
			size_t len;
			unsigned char *data = read_all(path, &len);
			assert_non_null(data);
			assert_true(len > 3 && data[0] == 0xff && data[1] == 0xd8);
			free(data);
			VipsImage *im = open_stored(path);
			assert_int_equal(vips_image_get_width(im), sizes[k].w);
			assert_int_equal(vips_image_get_height(im), sizes[k].h);
			g_object_unref(im);
		}
	}
}

/* GPS, camera, XMP and orientation tags never reach the stored files (exiftool reads
 * them), and the orientation is applied to the pixels instead. */
static void metadata_is_stripped_and_orientation_applied(void **state)
{
	(void)state;
	size_t n;
	unsigned char *jpg = tagged_jpeg(200, 100, true, 6, &n);
	/* The upload does carry them. */
	char src[320];
	snprintf(src, sizeof src, "%s/tagged.jpg", scratch);
	char *out = NULL;
	const char *show_src[] = {"exiftool", "-a", "-G1", "-s", src, NULL};
	assert_int_equal(run(show_src, &out), 0);
	assert_non_null(strstr(out, "GPSLatitude"));
	assert_non_null(strstr(out, "Orientation"));
	free(out);

	struct resp *r = upload_ok(p_main, "area=cheeks&angle=front&phase=before", jpg, n);
	long long id = jint(r->json, "id");
	/* Turned upright: portrait now. */
	assert_int_equal(jint(r->json, "width"), 100);
	assert_int_equal(jint(r->json, "height"), 200);
	resp_free(r);
	static const char *const columns[] = {"sha256", "large_sha256", "thumb_sha256"};
	for (size_t k = 0; k < 3; k++) {
		char path[400];
		stored_of(id, columns[k], path, sizeof path);
		const char *show[] = {"exiftool", "-a", "-G1", "-s", path, NULL};
		assert_int_equal(run(show, &out), 0);
		static const char *const banned[] = {"GPS",	    "[IFD0]",	"[ExifIFD]", "[XMP",
						     "Orientation", "PhotoCam", "Creator",   "ICC"};
		for (size_t b = 0; b < sizeof banned / sizeof banned[0]; b++) {
			if (strstr(out, banned[b]))
				print_message("stored file still has %s:\n%s\n", banned[b], out);
			assert_null(strstr(out, banned[b]));
		}
		free(out);
		size_t len;
		unsigned char *data = read_all(path, &len);
		assert_false(has_bytes(data, len, "Exif\0\0", 6));
		assert_false(has_bytes(data, len, "http://ns.adobe.com/xap", 23));
		free(data);
	}
	/* Rotated 90 degrees clockwise: the black left half is now the top. */
	char full[400];
	stored_of(id, "sha256", full, sizeof full);
	VipsImage *im = open_stored(full);
	assert_true(pixel(im, 50, 20) < 40);
	assert_true(pixel(im, 50, 180) > 215);
	g_object_unref(im);
	free(jpg);
}

/* A JPEG's content with a PNG's type, and a PNG's with a JPEG's: what the bytes are
 * decides; what is not an image of ours is 415. */
static void the_content_decides_not_the_type(void **state)
{
	(void)state;
	size_t n;
	void *png = make("png", 80, 60, &n);
	struct resp *r =
	    upload_as(p_main, "area=cheeks&angle=front&phase=after", png, n, "image/jpeg", t_prac);
	assert_int_equal(r->status, 201);
	assert_string_equal(jstr(r->json, "source_format"), "png");
	resp_free(r);
	g_free(png);
	void *jpg = make("jpeg", 80, 60, &n);
	r = upload_as(p_main, "area=cheeks&angle=front&phase=after", jpg, n, "image/png", t_prac);
	assert_int_equal(r->status, 201);
	assert_string_equal(jstr(r->json, "source_format"), "jpeg");
	assert_string_equal(jstr(r->json, "content_type"), "image/jpeg");
	resp_free(r);
	g_free(jpg);
	static const char gif[] = "GIF89a\x01\x00\x01\x00\x00\x00\x00;";
	fx_expect_err(upload_as(p_main, "area=cheeks&angle=front&phase=after", gif, sizeof gif - 1,
				"image/gif", t_prac),
		      415, "unsupported_media_type", NULL);
	static const char html[] = "<html><script>alert(1)</script></html>";
	fx_expect_err(upload_as(p_main, "area=cheeks&angle=front&phase=after", html,
				sizeof html - 1, "image/jpeg", t_prac),
		      415, "unsupported_media_type", NULL);
	fx_expect_err(req(&S, "POST", V1 "/patients/1/photos?area=cheeks&angle=front&phase=after",
			  t_prac, NULL),
		      415, "unsupported_media_type", NULL);
}

static void broken_and_hostile_images(void **state)
{
	(void)state;
	const char *q = "area=cheeks&angle=right_90&phase=follow_up";
	long long before = fx_sql_int(&S, "SELECT count(*) FROM photos");
	/* Truncated. */
	size_t n;
	unsigned char *jpg = make("jpeg", 400, 300, &n);
	fx_expect_err(upload(p_main, q, jpg, n * 6 / 10), 422, "bad_image", NULL);
	/* A huge declared size in the JPEG's frame header: refused before decoding. */
	unsigned char *big = malloc(n);
	memcpy(big, jpg, n);
	bool patched = false;
	for (size_t i = 2; i + 9 < n && !patched; i++) {
		if (big[i] == 0xff && (big[i + 1] == 0xc0 || big[i + 1] == 0xc2)) {
			big[i + 5] = 0xea; /* 60000 x 60000 */
			big[i + 6] = 0x60;
			big[i + 7] = 0xea;
			big[i + 8] = 0x60;
			patched = true;
		}
	}
	assert_true(patched);
	struct resp *r = upload(p_main, q, big, n);
	fx_expect_error(r, 422, "image_too_large");
	assert_int_equal(jint(fx_details(r), "max_pixels"), 50000000);
	resp_free(r);
	free(big);
	g_free(jpg);
	/* A PNG bomb: a tiny file that declares 20000 x 20000 pixels (valid checksum). */
	unsigned char *png = make("png", 16, 16, &n);
	assert_int_equal(memcmp(png + 12, "IHDR", 4), 0);
	put_be32(png + 16, 20000);
	put_be32(png + 20, 20000);
	put_be32(png + 29, crc32_of(png + 12, 17));
	fx_expect_err(upload(p_main, q, png, n), 422, "image_too_large", NULL);
	g_free(png);
	/* Random bytes behind a JPEG's magic. */
	unsigned char junk[4096];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (unsigned char)(i * 7919u >> 3);
	junk[0] = 0xff, junk[1] = 0xd8, junk[2] = 0xff;
	fx_expect_err(upload(p_main, q, junk, sizeof junk), 422, "bad_image", NULL);
	/* Nothing was kept. */
	assert_int_equal(fx_sql_int(&S, "SELECT count(*) FROM photos"), before);
}

/* The decoder crashing or hanging costs that upload only. */
static void a_crashing_or_hanging_decoder(void **state)
{
	(void)state;
	const char *q = "area=cheeks&angle=front&phase=before";
	static const char crash[] = "\xff\xd8\xff"
				    "CRASH";
	static const char hang[] = "\xff\xd8\xff"
				   "HANG";
	fx_expect_err(upload(p_main, q, crash, sizeof crash - 1), 422, "bad_image", NULL);
	fx_expect_err(upload(p_main, q, hang, sizeof hang - 1), 422, "bad_image", NULL);
	/* Inside, no file opens (the child answers that it could not) and a socket kills. */
	static const char open_file[] = "\xff\xd8\xff"
					"OPEN";
	static const char net[] = "\xff\xd8\xff"
				  "NET";
	fx_expect_err(upload(p_main, q, open_file, sizeof open_file - 1), 415,
		      "unsupported_media_type", NULL);
	fx_expect_err(upload(p_main, q, net, sizeof net - 1), 422, "bad_image", NULL);
	size_t n;
	void *jpg = make("jpeg", 64, 48, &n);
	resp_free(upload_ok(p_main, q, jpg, n));
	g_free(jpg);
}

/* Up to 25 MB for a photo (more than the 1 MiB of a JSON body); beyond, 413. */
static void the_upload_limit(void **state)
{
	(void)state;
	VipsImage *noise, *rgb;
	assert_int_equal(vips_gaussnoise(&noise, 1200, 900, "sigma", 80.0, NULL), 0);
	VipsImage *bands[3] = {noise, noise, noise};
	assert_int_equal(vips_bandjoin(bands, &rgb, 3, NULL), 0);
	VipsImage *u8;
	assert_int_equal(vips_cast_uchar(rgb, &u8, NULL), 0);
	size_t n;
	void *b = NULL;
	assert_int_equal(vips_jpegsave_buffer(u8, &b, &n, "Q", 100, NULL), 0);
	assert_true(n > 1024 * 1024);
	resp_free(upload_ok(p_main, "area=cheeks&angle=front&phase=before", b, n));
	g_free(b);
	g_object_unref(noise);
	g_object_unref(rgb);
	g_object_unref(u8);
	size_t huge = 25 * 1024 * 1024 + 1;
	unsigned char *h = calloc(1, huge);
	h[0] = 0xff, h[1] = 0xd8, h[2] = 0xff;
	/* Sent whole (chunked), so that the answer comes once it is read; a connection cut
	 * before the answer is read is tried again. */
	char path[128];
	snprintf(path, sizeof path, V1 "/patients/%lld/photos?area=cheeks&angle=front&phase=before",
		 p_main);
	const char *headers[] = {"Content-Type: image/jpeg", "Transfer-Encoding: chunked", NULL};
	struct resp *r = NULL;
	for (int tries = 0; tries < 5; tries++) {
		resp_free(r);
		r = req_ex(&S, "POST", path, t_prac, (const char *)h, huge, headers);
		if (r->status != -1)
			break;
	}
	fx_expect_error(r, 413, "too_large");
	assert_int_equal(jint(fx_details(r), "limit"), 26214400);
	resp_free(r);
	free(h);
}

static void the_front_desk_sees_no_photo(void **state)
{
	(void)state;
	size_t n;
	void *jpg = make("jpeg", 64, 48, &n);
	struct resp *r = upload_ok(p_main, "area=cheeks&angle=close_up&phase=after", jpg, n);
	long long id = jint(r->json, "id");
	resp_free(r);
	fx_expect_err(upload_as(p_main, "area=cheeks&angle=close_up&phase=after", jpg, n,
				"image/jpeg", t_desk),
		      403, "forbidden", NULL);
	g_free(jpg);
	char path[128];
	static const char *const sizes[] = {"full", "large", "thumb"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof path, V1 "/photos/%lld/%s", id, sizes[i]);
		fx_expect_err(req(&S, "GET", path, t_desk, NULL), 403, "forbidden", NULL);
	}
	snprintf(path, sizeof path, V1 "/patients/%lld/photos", p_main);
	fx_expect_err(req(&S, "GET", path, t_desk, NULL), 403, "forbidden", NULL);
	snprintf(path, sizeof path, V1 "/patients/%lld/photo-consents", p_main);
	fx_expect_err(req(&S, "GET", path, t_desk, NULL), 403, "forbidden", NULL);
	snprintf(path, sizeof path, V1 "/photos/%lld/remove", id);
	fx_expect_err(req(&S, "POST", path, t_desk, NULL), 403, "forbidden", NULL);
}

/* Served as stored, never cached; every view audited, a gallery page as one event. */
static void views_are_audited_and_served_privately(void **state)
{
	(void)state;
	long long p = fx_patient(&S, t_desk, "Gallery", "Person", "1985-05-05");
	photo_consent(p, "photo_clinical");
	size_t n;
	void *jpg = make("jpeg", 640, 480, &n);
	long long ids[3];
	static const char *const angles[] = {"front", "left_45", "right_45"};
	for (int i = 0; i < 3; i++) {
		char q[96];
		snprintf(q, sizeof q, "area=forehead&angle=%s&phase=before", angles[i]);
		struct resp *r = upload_ok(p, q, jpg, n);
		ids[i] = jint(r->json, "id");
		char detail[200];
		snprintf(detail, sizeof detail, "patient %lld sha256 %s", p,
			 jstr(r->json, "sha256"));
		assert_int_equal(fx_expect_newest_event(&S, t_admin, "photo", "create", detail),
				 ids[i]);
		resp_free(r);
	}
	g_free(jpg);
	char path[128], want[128], h[128];
	snprintf(path, sizeof path, V1 "/patients/%lld/photos", p);
	fx_expect_status(req(&S, "GET", path, t_prac, NULL), 200);
	snprintf(want, sizeof want, "photos %lld,%lld,%lld", ids[0], ids[1], ids[2]);
	assert_int_equal(fx_expect_newest_event(&S, t_admin, "patient", "read", want), p);
	/* Filtered to one angle: the page names only what it shows. */
	snprintf(path, sizeof path, V1 "/patients/%lld/photos?angle=left_45", p);
	struct resp *r = req(&S, "GET", path, t_prac, NULL);
	assert_int_equal(jint(r->json, "total"), 1);
	resp_free(r);
	snprintf(want, sizeof want, "photos %lld", ids[1]);
	fx_expect_newest_event(&S, t_admin, "patient", "read", want);

	snprintf(path, sizeof path, V1 "/photos/%lld/large", ids[2]);
	r = req(&S, "GET", path, t_prac, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(resp_header(r, "Content-Type", h, sizeof h), "image/jpeg");
	assert_string_equal(resp_header(r, "Cache-Control", h, sizeof h), "private, no-store");
	assert_string_equal(resp_header(r, "Content-Disposition", h, sizeof h), "inline");
	assert_string_equal(resp_header(r, "X-Content-Type-Options", h, sizeof h), "nosniff");
	char file[400];
	stored_of(ids[2], "large_sha256", file, sizeof file);
	struct stat st;
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(atoll(resp_header(r, "Content-Length", h, sizeof h)),
			 (long long)st.st_size);
	resp_free(r);
	snprintf(want, sizeof want, "photo large %lld", ids[2]);
	assert_int_equal(fx_expect_newest_event(&S, t_admin, "patient", "read", want), p);
	snprintf(path, sizeof path, V1 "/photos/%lld/original", ids[2]);
	fx_expect_err(req(&S, "GET", path, t_prac, NULL), 404, "not_found", NULL);
}

/* Signing locks a session's photos with it; an addendum's photo still joins; a photo of
 * an unsigned session can be removed from view. */
static void a_signed_sessions_photos_are_locked(void **state)
{
	(void)state;
	long long p = fx_patient(&S, t_desk, "Locked", "Photos", "1979-03-03");
	fx_screen(&S, t_prac, p, "{\"conditions\":[]}");
	fx_consent(&S, t_prac, p);
	photo_consent(p, "photo_clinical");
	long long plan = fx_plan(&S, t_prac, p, u_prac, 3);
	time_t start = slot();
	struct fx_booking bk = {.patient = p,
				.practitioner = u_prac,
				.room = room,
				.plan = plan,
				.start = start,
				.end = start + SLOT_MIN * 60};
	long long appt = fx_booked(&S, t_prac, &bk);
	/* A review the same day: a session record of its own that stays unsigned. */
	time_t s2 = slot();
	struct fx_booking b2 = {.patient = p,
				.practitioner = u_prac,
				.room = room,
				.kind = "review",
				.start = s2,
				.end = s2 + SLOT_MIN * 60};
	long long other = fx_booked(&S, t_prac, &b2);
	size_t n;
	void *jpg = make("jpeg", 64, 48, &n);
	char q[128];
	snprintf(q, sizeof q, "area=cheeks&angle=front&phase=before&appointment_id=%lld", appt);
	struct resp *r = upload_ok(p, q, jpg, n);
	long long locked = jint(r->json, "id");
	assert_int_equal(jint(r->json, "appointment_id"), appt);
	resp_free(r);
	snprintf(q, sizeof q, "area=cheeks&angle=front&phase=before&appointment_id=%lld", other);
	r = upload_ok(p, q, jpg, n);
	long long loose = jint(r->json, "id");
	resp_free(r);
	/* Not another patient's appointment. */
	snprintf(q, sizeof q, "area=cheeks&angle=front&phase=before&appointment_id=%lld", appt);
	fx_expect_err(upload(p_main, q, jpg, n), 422, "validation_failed", "appointment_id");

	char path[128];
	snprintf(path, sizeof path, V1 "/appointments/%lld/check-in", appt);
	fx_expect_status(req(&S, "POST", path, t_desk, NULL), 200);
	char applied[32], removed[32];
	fx_instant(fx_time(0, 0, 0), applied);
	fx_instant(fx_time(0, 0, 35), removed);
	snprintf(path, sizeof path, V1 "/appointments/%lld/session", appt);
	fx_expect_status(
	    reqj(&S, "PUT", path, t_prac,
		 json_pack("{s:b, s:b, s:{s:s, s:s, s:s}, s:s, s:s, s:s, s:[{s:s, s:f, s:i}], "
			   "s:[s], s:s, s:[{s:s, s:i}], s:b, s:s}",
			   "screening_confirmed", 1, "caution_reviewed", 1, "numbing", "product",
			   "Lidocaine 5%", "applied_at", applied, "removed_at", removed, "device",
			   "pen", "device_model", "Dermapen 4", "cartridge_lot", "CART-PH", "areas",
			   "area", "cheeks", "depth_mm", 1.0, "passes", 2, "products", "Serum",
			   "endpoint", "erythema", "reactions", "type", "redness", "severity", 1,
			   "aftercare_given", 1, "notes", "Fine.")),
	    200);
	snprintf(path, sizeof path, V1 "/appointments/%lld/session/sign", appt);
	fx_expect_status(req(&S, "POST", path, t_prac, NULL), 200);

	snprintf(path, sizeof path, V1 "/photos/%lld/remove", locked);
	fx_expect_err(req(&S, "POST", path, t_prac, NULL), 409, "locked", NULL);
	/* Beneath the program too. */
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE photos SET deleted_at = 1 WHERE id = %lld", locked);
	assert_true(fx_sql_exec(&S, sql, NULL) < 0);
	snprintf(sql, sizeof sql, "DELETE FROM photos WHERE id = %lld", loose);
	assert_true(fx_sql_exec(&S, sql, NULL) < 0);
	/* After signing, an addendum's photo joins the session. */
	snprintf(q, sizeof q, "area=cheeks&angle=front&phase=after&appointment_id=%lld", appt);
	r = upload_ok(p, q, jpg, n);
	assert_true(json_is_true(json_object_get(r->json, "session_signed")));
	resp_free(r);
	g_free(jpg);

	snprintf(path, sizeof path, V1 "/photos/%lld/remove", loose);
	fx_expect_status(req(&S, "POST", path, t_prac, NULL), 200);
	assert_int_equal(fx_audit_count(&S, t_admin, "photo", loose, "remove"), 1);
	fx_expect_err(req(&S, "POST", path, t_prac, NULL), 404, "not_found", NULL);
	snprintf(path, sizeof path, V1 "/photos/%lld/thumb", loose);
	fx_expect_err(req(&S, "GET", path, t_prac, NULL), 404, "not_found", NULL);
	snprintf(path, sizeof path, V1 "/patients/%lld/photos", p);
	r = req(&S, "GET", path, t_prac, NULL);
	assert_int_equal(jint(r->json, "total"), 2);
	resp_free(r);
}

/* The backup holds the photo files and checks them; audit verify --photos finds an
 * altered or a missing file. SQLite only: PostgreSQL is backed up with its own tools. */
static void backup_and_verify_photos(void **state)
{
	(void)state;
	if (harness_pg()) {
		print_message("  (SQLite only)\n");
		return;
	}
	char dest[320], dest_photos[340];
	snprintf(dest, sizeof dest, "%s/copy.db", scratch);
	snprintf(dest_photos, sizeof dest_photos, "%s.photos", dest);
	char *out = NULL;
	const char *backup[] = {"backup", "--db", S.db, dest, NULL};
	assert_int_equal(run_cli(backup, NULL, &out), 0);
	free(out);
	long long files = fx_sql_int(&S, "SELECT count(*) FROM (SELECT sha256 FROM photos UNION "
					 "SELECT large_sha256 FROM photos UNION SELECT "
					 "thumb_sha256 FROM photos) f");
	assert_true(files > 3);
	const char *verify[] = {"audit", "verify", "--db", dest, "--photos", NULL};
	assert_int_equal(run_cli(verify, NULL, &out), 0);
	char want[64];
	snprintf(want, sizeof want, "photo files intact: %lld", files);
	assert_non_null(strstr(out, want));
	free(out);
	/* Alter one file of the copy, remove another. */
	char *hash = fx_sql_text(&S, "SELECT sha256 FROM photos ORDER BY id LIMIT 1");
	char *hash2 = fx_sql_text(&S, "SELECT thumb_sha256 FROM photos WHERE width = 1600 LIMIT 1");
	char file[420];
	snprintf(file, sizeof file, "%s/%.2s/%s", dest_photos, hash, hash);
	FILE *f = fopen(file, "r+b");
	assert_non_null(f);
	fseek(f, 100, SEEK_SET);
	fputc(0x5a, f);
	fclose(f);
	snprintf(file, sizeof file, "%s/%.2s/%s", dest_photos, hash2, hash2);
	assert_int_equal(unlink(file), 0);
	assert_int_equal(run_cli(verify, NULL, &out), 1);
	char line[128];
	snprintf(line, sizeof line, "photo file altered: %s", hash);
	if (!strstr(out, line))
		print_message("%s\n%s", line, out);
	assert_non_null(strstr(out, line));
	snprintf(line, sizeof line, "photo file missing: %s", hash2);
	if (!strstr(out, line))
		print_message("%s", out);
	assert_non_null(strstr(out, line));
	free(out);
	/* A backup of a database whose files are damaged fails, and says so. */
	char dest2[320];
	snprintf(dest2, sizeof dest2, "%s/copy2.db", scratch);
	const char *backup2[] = {"backup", "--db", dest, dest2, NULL};
	assert_int_equal(run_cli(backup2, NULL, NULL), 1);
	free(hash);
	free(hash2);
}

/* ---- The server ---- */

static int setup(void **state)
{
	(void)state;
	harness_zone("UTC");
	int at = snprintf(scratch, sizeof scratch, "/tmp/collagenda-photos-");
	memset(scratch + at, 'X', 6); /* mkdtemp's template */
	scratch[at + 6] = '\0';
	if (!mkdtemp(scratch))
		return -1;
	setenv("COLLAGENDA_TEST_IMAGE_HOOK", "1", 1);
	setenv("COLLAGENDA_TEST_IMAGE_TIMEOUT_MS", "1500", 1);
	/* Beside an SQLite file by default; PostgreSQL needs the folder named. */
	char pdir[300];
	snprintf(pdir, sizeof pdir, "%s/photos", scratch);
	const char *pg_args[] = {"--tz", "UTC", "--test-hooks", "--photos", pdir, NULL};
	const char *lite_args[] = {"--tz", "UTC", "--test-hooks", NULL};
	server_start(&S, harness_pg() ? pg_args : lite_args);
	if (harness_pg())
		snprintf(photo_dir, sizeof photo_dir, "%s", pdir);
	else
		snprintf(photo_dir, sizeof photo_dir, "%s.photos", S.db);
	t_admin = login(&S, "admin", PW_ADMIN);
	t_desk = login(&S, "desk", PW_DESK);
	t_prac = login(&S, "prac", PW_PRAC);
	u_prac = fx_user_id(&S, t_admin, "prac");
	room = fx_room(&S, t_admin, "Photo room");
	fx_daily_hours(&S, t_admin, u_prac, (const char *const[]){"00:00", "24:00", NULL});
	p_main = fx_patient(&S, t_desk, "Photo", "Patient", "1980-01-01");
	p_noconsent = fx_patient(&S, t_desk, "Nophoto", "Patient", "1981-01-01");
	photo_consent(p_main, "photo_clinical");
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
	    cmocka_unit_test(consent_is_needed_and_withdrawable),
	    cmocka_unit_test(every_format_and_the_renditions),
	    cmocka_unit_test(metadata_is_stripped_and_orientation_applied),
	    cmocka_unit_test(the_content_decides_not_the_type),
	    cmocka_unit_test(broken_and_hostile_images),
	    cmocka_unit_test(a_crashing_or_hanging_decoder),
	    cmocka_unit_test(the_upload_limit),
	    cmocka_unit_test(the_front_desk_sees_no_photo),
	    cmocka_unit_test(views_are_audited_and_served_privately),
	    cmocka_unit_test(a_signed_sessions_photos_are_locked),
	    cmocka_unit_test(backup_and_verify_photos),
	};
	return cmocka_run_group_tests_name("api_photos", tests, setup, teardown);
}
