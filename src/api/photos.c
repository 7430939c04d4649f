/* Clinical photos (clinical roles): photo consents, uploads decoded in a sandboxed child,
 * the gallery, the image files, and removing a photo from view. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/clinical.h"
#include "api/handlers.h"
#include "domain/photo.h"
#include "image/sandbox.h"
#include "store/catalog.h"
#include "store/patients.h"
#include "store/photos.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/log.h"
#include "util/xalloc.h"

#define GALLERY_DEFAULT 100
#define GALLERY_MAX	200

static json_t *pconsent_json(const struct photo_consent *c)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:I, s:b}", "id", (json_int_t)c->id,
			      "patient_id", (json_int_t)c->patient_id, "scope", c->scope,
			      "form_version", c->form_version, "signed_name", c->signed_name,
			      "signed_at", api_instant(c->signed_at), "recorded_by",
			      (json_int_t)c->recorded_by, "in_force", c->withdrawn_at == 0);
	json_object_set_new(o, "withdrawn_at",
			    c->withdrawn_at ? api_instant(c->withdrawn_at) : json_null());
	return o;
}

static json_t *photo_json(const struct photo *p)
{
	char base[64];
	snprintf(base, sizeof base, "/api/v1/photos/%" PRId64, p->id);
	json_t *o = json_pack(
	    "{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:I, s:o, s:I, s:b, s:b, s:b}",
	    "id", (json_int_t)p->id, "patient_id", (json_int_t)p->patient_id, "area", p->area,
	    "angle", p->angle, "phase", p->phase, "source_format", p->source_format, "content_type",
	    p->content_type, "width", (json_int_t)p->width, "height", (json_int_t)p->height,
	    "sha256", p->sha256, "bytes", (json_int_t)p->bytes, "created_at",
	    api_instant(p->created_at), "uploaded_by", (json_int_t)p->uploaded_by,
	    "consent_withdrawn", p->consent_withdrawn, "marketing", p->marketing, "session_signed",
	    p->session_signed);
	json_object_set_new(o, "appointment_id",
			    p->appointment_id ? json_integer(p->appointment_id) : json_null());
	json_object_set_new(o, "session_number",
			    p->session_number ? json_integer(p->session_number) : json_null());
	json_t *urls = json_object();
	static const char *const sizes[] = {"full", "large", "thumb"};
	for (size_t i = 0; i < 3; i++) {
		char u[96];
		snprintf(u, sizeof u, "%s/%s", base, sizes[i]);
		json_object_set_new(urls, sizes[i], json_string(u));
	}
	json_object_set_new(o, "urls", urls);
	return o;
}

/* ---- Photo consents. */

int h_photo_consents_create(struct api_ctx *ctx)
{
	static const char *const allowed[] = {"scope", "form_version", "signed_name", NULL};
	json_t *body;
	const char *scope, *fv, *name;
	int err;
	int64_t pid = api_id(ctx, 0);
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_str(ctx, body, "scope", true, 1, 40, &scope)) ||
	    (err = jin_str(ctx, body, "form_version", true, 1, 40, &fv)) ||
	    (err = jin_str(ctx, body, "signed_name", true, 1, 100, &name)))
		return err;
	if (!photo_scope_valid(scope))
		return api_fail_field(ctx, "scope", "Use photo_clinical or photo_marketing.");
	if ((err = api_require_patient(ctx, pid, NULL, true)) != 0)
		return err;
	struct photo_consent c = {.patient_id = pid,
				  .scope = (char *)scope,
				  .form_version = (char *)fv,
				  .signed_name = (char *)name,
				  .signed_at = clock_now(),
				  .recorded_by = ctx->me.id};
	if ((err = store_photo_consent_insert(ctx->db, &c)) != 0 ||
	    (err = api_audit(ctx, "create", "photo_consent", c.id, scope)) != 0)
		return err;
	api_reply_created(ctx, pconsent_json(&c), "/api/v1/patients/", pid, "/photo-consents");
	return 0;
}

int h_photo_consents_list(struct api_ctx *ctx)
{
	int64_t pid = api_id(ctx, 0);
	struct photo_consent *list = NULL;
	size_t n = 0;
	int err = api_require_patient(ctx, pid, NULL, false);
	if (!err)
		err = store_photo_consent_list(ctx->db, pid, &list, &n);
	if (err)
		return err;
	api_read_patient(ctx, pid, "photo consents", 0);
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, pconsent_json(&list[i]));
	photo_consents_free(list, n);
	api_reply_list(ctx, items, (int64_t)n);
	return 0;
}

int h_photo_consent_withdraw(struct api_ctx *ctx)
{
	int64_t id = api_id(ctx, 0);
	struct photo_consent c;
	int err = store_photo_consent_get(ctx->db, id, &c);
	if (err)
		return err;
	if (c.withdrawn_at) {
		photo_consent_cleanup(&c);
		return api_fail(ctx, -ERR_CONFLICT, "This consent is withdrawn already.", NULL);
	}
	int64_t now = clock_now();
	err = store_photo_consent_withdraw(ctx->db, id, ctx->me.id, now);
	if (!err)
		err = api_audit(ctx, "withdraw", "photo_consent", id, c.scope);
	if (!err) {
		c.withdrawn_at = now;
		c.withdrawn_by = ctx->me.id;
		api_reply(ctx, 200, pconsent_json(&c));
	}
	photo_consent_cleanup(&c);
	return err;
}

/* ---- Upload. */

struct upload {
	int64_t patient_id, appointment_id;
	const char *area, *angle, *phase;
	struct image_result img;
	struct photo p; /* the row written */
};

/* The facts of rule 61, read in the transaction that decides. */
static int check_upload(struct api_ctx *ctx, const struct upload *u)
{
	struct photo_upload_facts f = {.appointment_named = u->appointment_id != 0};
	struct patient pt;
	int err = store_patient_get(ctx->db, u->patient_id, &pt);
	if (err == -ERR_NOT_FOUND)
		return api_fail(ctx, err, "No such patient.", NULL);
	if (err)
		return err;
	f.patient_active = !pt.archived && !pt.merged_into;
	patient_cleanup(&pt);
	if ((err = store_photo_consent_in_force(ctx->db, u->patient_id, "photo_clinical",
						&f.clinical_consent)) != 0)
		return err;
	if (u->appointment_id &&
	    (err = store_photo_appointment_of(ctx->db, u->appointment_id, u->patient_id,
					      &f.appointment_found)) != 0)
		return err;
	err = rules_photo_upload(&f);
	if (err == -ERR_NOT_FOUND)
		return api_fail_field(ctx, "appointment_id",
				      "No such appointment of this patient.");
	if (err == -ERR_CONSENT_MISSING)
		return api_fail(ctx, err,
				"Record the patient's photo_clinical consent before taking photos.",
				json_pack("{s:s}", "scope", "photo_clinical"));
	return err;
}

static int check_upload_tx(struct api_ctx *ctx, void *arg)
{
	return check_upload(ctx, arg);
}

static int insert_upload(struct api_ctx *ctx, void *arg)
{
	struct upload *u = arg;
	int err = check_upload(ctx, u);
	if (err)
		return err;
	struct photo *p = &u->p;
	if ((err = store_photo_insert(ctx->db, p)) != 0)
		return err;
	char detail[200];
	snprintf(detail, sizeof detail, "patient %" PRId64 " sha256 %s", u->patient_id, p->sha256);
	return api_audit(ctx, "create", "photo", p->id, detail);
}

static int query_text(struct api_ctx *ctx, const char *name, bool (*valid)(const char *),
		      const char *msg, const char **out)
{
	*out = http_req_query(ctx->req, name);
	if (!*out || !**out)
		return api_fail_field(ctx, name, "Required.");
	if (valid && !valid(*out))
		return api_fail_field(ctx, name, msg);
	return 0;
}

static bool area_known(struct api_ctx *ctx, const char *code, int *err)
{
	struct area a;
	*err = store_area_get(ctx->db, code, &a);
	if (*err == 0) {
		area_cleanup(&a);
		return true;
	}
	if (*err == -ERR_NOT_FOUND)
		*err = 0;
	return false;
}

int h_photos_upload(struct api_ctx *ctx)
{
	struct upload u;
	memset(&u, 0, sizeof u);
	u.patient_id = api_id(ctx, 0);
	int err;
	if ((err = query_text(ctx, "area", NULL, NULL, &u.area)) ||
	    (err = query_text(ctx, "angle", photo_angle_valid,
			      "Use front, left_45, right_45, left_90, right_90 or close_up.",
			      &u.angle)) ||
	    (err = query_text(ctx, "phase", photo_phase_valid, "Use before, after or follow_up.",
			      &u.phase)) ||
	    (err = api_query_int(ctx, "appointment_id", 1, INT64_MAX, 0, &u.appointment_id)))
		return err;
	if (!store_photo_dir())
		return api_fail(ctx, -ERR_STORAGE_UNAVAILABLE,
				"This server keeps no photos: start it with --photos DIR.", NULL);
	if (!area_known(ctx, u.area, &err))
		return err ? err : api_fail_field(ctx, "area", "Unknown area.");
	/* Refuse what will be refused before the costly part. */
	if ((err = api_run_read(ctx, check_upload_tx, &u)) != 0)
		return err;
	if (!ctx->req->body || ctx->req->body_len == 0)
		return api_fail(ctx, -ERR_UNSUPPORTED_MEDIA_TYPE,
				"Send the image as the request body (JPEG, PNG, WebP or HEIC).",
				NULL);
	err = image_sandbox_process(ctx->req->body, ctx->req->body_len, &u.img);
	if (err == -ERR_UNSUPPORTED_MEDIA_TYPE)
		return api_fail(ctx, err, "Send a JPEG, PNG, WebP or HEIC image.", NULL);
	if (err == -ERR_IMAGE_TOO_LARGE)
		return api_fail(ctx, err, NULL,
				json_pack("{s:i}", "max_pixels", (int)IMAGE_MAX_PIXELS));
	if (err)
		return err;
	/* The files are durable before the row that names them commits. */
	char *hashes[IMAGE_NRENDITIONS] = {u.p.sha256, u.p.large_sha256, u.p.thumb_sha256};
	for (int i = 0; i < IMAGE_NRENDITIONS && !err; i++) {
		store_photo_hash(u.img.r[i].data, u.img.r[i].len, hashes[i]);
		err = store_photo_file_put(store_photo_dir(), hashes[i], u.img.r[i].data,
					   u.img.r[i].len);
	}
	if (!err) {
		u.p.patient_id = u.patient_id;
		u.p.appointment_id = u.appointment_id;
		u.p.area = (char *)u.area;
		u.p.angle = (char *)u.angle;
		u.p.phase = (char *)u.phase;
		u.p.source_format = u.img.format;
		u.p.content_type = (char *)"image/jpeg";
		u.p.width = u.img.r[IMAGE_FULL].width;
		u.p.height = u.img.r[IMAGE_FULL].height;
		u.p.bytes = (int64_t)u.img.r[IMAGE_FULL].len;
		u.p.uploaded_by = ctx->me.id;
		u.p.created_at = clock_now();
		err = api_run_write(ctx, insert_upload, &u);
	}
	image_result_cleanup(&u.img);
	if (err)
		return err;
	struct photo p;
	if ((err = store_photo_get(ctx->db, u.p.id, &p)) != 0)
		return err;
	api_reply_created(ctx, photo_json(&p), "/api/v1/photos/", p.id, "/full");
	photo_cleanup(&p);
	return 0;
}

/* ---- Reading. */

int h_photos_list(struct api_ctx *ctx)
{
	int64_t pid = api_id(ctx, 0), limit;
	const char *area = http_req_query(ctx->req, "area");
	const char *angle = http_req_query(ctx->req, "angle");
	const char *purpose = http_req_query(ctx->req, "purpose");
	int err;
	if ((err = api_query_int(ctx, "limit", 1, GALLERY_MAX, GALLERY_DEFAULT, &limit)) != 0)
		return err;
	if (angle && !photo_angle_valid(angle))
		return api_fail_field(ctx, "angle", "Not an angle of the series.");
	if (purpose && strcmp(purpose, "record") != 0 && strcmp(purpose, "marketing") != 0)
		return api_fail_field(ctx, "purpose", "Use record or marketing.");
	bool marketing = purpose && strcmp(purpose, "marketing") == 0;
	if ((err = api_require_patient(ctx, pid, NULL, false)) != 0)
		return err;
	struct photo *list = NULL;
	size_t n = 0;
	if ((err = store_photo_list(ctx->db, pid, area, angle, limit, &list, &n)) != 0)
		return err;
	/* One read event names every photo the page shows. */
	struct buf ids;
	buf_init(&ids);
	buf_puts(&ids, "photos");
	json_t *items = json_array();
	size_t shown = 0;
	for (size_t i = 0; i < n; i++) {
		/* What may leave the record: consent for it in force, and the record's too. */
		if (marketing && (!list[i].marketing || list[i].consent_withdrawn))
			continue;
		buf_printf(&ids, "%s%" PRId64, shown ? "," : " ", list[i].id);
		json_array_append_new(items, photo_json(&list[i]));
		shown++;
	}
	photos_free(list, n);
	api_read_event(ctx, NULL, "patient", pid, ids.data);
	buf_cleanup(&ids);
	api_reply_list(ctx, items, (int64_t)shown);
	return 0;
}

static void set_cache_control(struct http_reply *r, const char *value)
{
	for (int i = 0; i < r->nheaders; i++) {
		if (strcasecmp(r->headers[i].name, "Cache-Control") == 0) {
			if (r->headers[i].owned)
				free(r->headers[i].value);
			r->headers[i].value = (char *)value;
			r->headers[i].owned = false;
			return;
		}
	}
	http_reply_header_static(r, "Cache-Control", value);
}

int h_photo_file(struct api_ctx *ctx)
{
	int64_t id = api_id(ctx, 0);
	const char *size = api_param(ctx, 1);
	struct photo p;
	int err = store_photo_get(ctx->db, id, &p);
	if (err)
		return err;
	const char *hash = strcmp(size, "full") == 0	? p.sha256
			   : strcmp(size, "large") == 0 ? p.large_sha256
			   : strcmp(size, "thumb") == 0 ? p.thumb_sha256
							: NULL;
	if (!hash || p.deleted_at) {
		photo_cleanup(&p);
		return -ERR_NOT_FOUND;
	}
	unsigned char *data = NULL;
	size_t len = 0;
	err = store_photo_file_get(store_photo_dir(), hash, &data, &len);
	if (err == -ERR_NOT_FOUND) {
		log_error("photos: the file of photo %" PRId64 " is missing", id);
		err = -ERR_STORAGE_UNAVAILABLE;
	}
	if (err) {
		photo_cleanup(&p);
		return err;
	}
	char what[32];
	snprintf(what, sizeof what, "photo %s", size);
	api_read_patient(ctx, p.patient_id, what, id);
	/* The type we stored, never the client's; not kept by any cache. */
	http_reply_set_body(ctx->reply, 200, "image/jpeg", (char *)data, len);
	set_cache_control(ctx->reply, "private, no-store");
	http_reply_header_static(ctx->reply, "Content-Disposition", "inline");
	photo_cleanup(&p);
	return 0;
}

int h_photo_remove(struct api_ctx *ctx)
{
	int64_t id = api_id(ctx, 0);
	struct photo p;
	int err = store_photo_get(ctx->db, id, &p);
	if (err)
		return err;
	err = rules_photo_remove(&p);
	if (err == -ERR_LOCKED)
		err = api_fail(ctx, err, "The photo belongs to a signed session record.", NULL);
	int64_t now = clock_now();
	if (!err)
		err = store_photo_remove(ctx->db, id, ctx->me.id, now);
	if (!err)
		err = api_audit(ctx, "remove", "photo", id, "");
	if (!err) {
		p.deleted_at = now;
		json_t *o = photo_json(&p);
		json_object_set_new(o, "removed", json_true());
		api_reply(ctx, 200, o);
	}
	photo_cleanup(&p);
	return err;
}
