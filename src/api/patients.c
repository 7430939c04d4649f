/* Patients: register, read, change, archive and search demographics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/clinical.h"
#include "api/handlers.h"
#include "domain/dates.h"
#include "domain/text.h"
#include "store/audit.h"
#include "store/patients.h"
#include "store/schedule.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/xalloc.h"

#define MAX_NOTES	 4000
#define SEARCH_MAX_LIMIT 100

json_t *patient_json(const struct patient *p);

/* A patient as JSON text: reads and searches write it straight into their answer. */
static void patient_write(struct buf *b, const struct patient *p)
{
	bool first = true;
	jw_raw(b, "{");
	jw_put_int(b, &first, "id", p->id);
	jw_put_str(b, &first, "mrn", p->mrn ? p->mrn : "");
	jw_put_str(b, &first, "first_name", p->first_name);
	jw_put_str(b, &first, "last_name", p->last_name);
	jw_put_str(b, &first, "date_of_birth", p->date_of_birth);
	jw_put_bool(b, &first, "archived", p->archived);
	api_put_stamps(b, &first, p->created_at, p->updated_at);
	jw_put_str(b, &first, "phone", p->phone);
	jw_put_str(b, &first, "email", p->email);
	api_put_int_or_null(b, &first, "fitzpatrick", p->fitzpatrick);
	jw_put_str(b, &first, "notes", p->notes);
	jw_raw(b, "}");
}

/* The same as a value, for answers that carry warnings too. */
json_t *patient_json(const struct patient *p)
{
	struct buf b;
	buf_init(&b);
	patient_write(&b, p);
	json_t *o = b.data ? json_loadb(b.data, b.len, 0, NULL) : NULL;
	buf_cleanup(&b);
	return o ? o : json_object();
}

/* A date of birth is a real date, not in the future, not before 1900. */
static int check_dob(struct api_ctx *ctx, const char *dob)
{
	struct cdate d;
	if (dates_parse_date(dob, &d) != 0)
		return api_fail_field(ctx, "date_of_birth", "Dates are YYYY-MM-DD.");
	struct cdate today = dates_local_date((int64_t)time(NULL));
	if (d.year < 1900 || dates_to_days(&d) > dates_to_days(&today))
		return api_fail_field(ctx, "date_of_birth",
				      "The date of birth must be between 1900 and today.");
	return 0;
}

/* True when a name holds nothing but white space: it would have an empty search key. */
static bool blank(const char *s)
{
	char key[512];
	return s && text_fold(s, key, sizeof key) && key[0] == '\0';
}

/* Reads the demographic fields present in body into p. For a new patient (create) the
 * names and date of birth are required; on PATCH, a null optional field clears it. */
static int read_fields(struct api_ctx *ctx, json_t *body, struct patient *p, bool create,
		       struct buf *changed)
{
	const char *first, *last, *phone, *email, *notes;
	char dob[11];
	bool has_dob, has_fitz;
	int64_t fitz = 0;
	int err;
	if ((err = jin_str(ctx, body, "first_name", create, 1, 100, &first)) ||
	    (err = jin_str(ctx, body, "last_name", create, 1, 100, &last)) ||
	    (err = jin_date(ctx, body, "date_of_birth", create, dob, &has_dob)) ||
	    (has_dob && (err = check_dob(ctx, dob))) ||
	    (err = jin_str(ctx, body, "phone", false, 1, 32, &phone)) ||
	    (err = jin_str(ctx, body, "email", false, 1, 254, &email)) ||
	    (err = jin_int(ctx, body, "fitzpatrick", false, 1, 6, &fitz, &has_fitz)) ||
	    (err = jin_str(ctx, body, "notes", false, 0, MAX_NOTES, &notes)))
		return err;
	if (!create) {
		/* Required fields may be changed, not removed. */
		static const char *const required[] = {"first_name", "last_name", "date_of_birth",
						       NULL};
		for (const char *const *k = required; *k; k++)
			if (json_is_null(json_object_get(body, *k)))
				return api_fail_field(ctx, *k, "This field cannot be removed.");
	}
	if (blank(first))
		return api_fail_field(ctx, "first_name", "A name cannot be only spaces.");
	if (blank(last))
		return api_fail_field(ctx, "last_name", "A name cannot be only spaces.");
	if (phone && !text_valid_phone(phone))
		return api_fail_field(ctx, "phone", "That does not look like a phone number.");
	if (email && !text_valid_email(email))
		return api_fail_field(ctx, "email", "That does not look like an e-mail address.");

#define SET_STR(field, val)                              \
	do {                                             \
		if (json_object_get(body, #field)) {     \
			free(p->field);                  \
			p->field = xstrdup_or_null(val); \
			buf_puts(changed, #field " ");   \
		}                                        \
	} while (0)
	SET_STR(first_name, first);
	SET_STR(last_name, last);
	SET_STR(phone, phone);
	SET_STR(email, email);
	SET_STR(notes, notes);
#undef SET_STR
	if (has_dob) {
		memcpy(p->date_of_birth, dob, sizeof dob);
		buf_puts(changed, "date_of_birth ");
	}
	if (json_object_get(body, "fitzpatrick")) {
		p->fitzpatrick = has_fitz ? (int)fitz : 0;
		buf_puts(changed, "fitzpatrick ");
	}
	return 0;
}

static void warn_duplicate(struct api_ctx *ctx, int64_t other)
{
	if (other)
		api_warn(ctx, "possible_duplicate",
			 json_pack("{s:I}", "patient_id", (json_int_t)other));
}

int h_patients_create(struct api_ctx *ctx)
{
	static const char *const allowed[] = {"first_name", "last_name",   "date_of_birth", "phone",
					      "email",	    "fitzpatrick", "notes",	    NULL};
	json_t *body;
	struct patient p;
	struct buf changed;
	int err;
	memset(&p, 0, sizeof p);
	buf_init(&changed);
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = read_fields(ctx, body, &p, true, &changed)))
		goto out;
	p.created_at = (int64_t)time(NULL);
	int64_t same = 0;
	err = store_patient_find_same(ctx->db, &p, &same);
	if (!err)
		err = store_patient_insert(ctx->db, &p);
	if (!err)
		err = api_audit(ctx, "create", "patient", p.id, NULL);
	if (err)
		goto out;
	warn_duplicate(ctx, same);
	api_reply_created(ctx, patient_json(&p), "/api/v1/patients/", p.id, "");
out:
	buf_cleanup(&changed);
	patient_cleanup(&p);
	return err;
}

int h_patients_get(struct api_ctx *ctx)
{
	struct patient p;
	int64_t id = api_id(ctx, 0);
	memset(&p, 0, sizeof p);
	/* One statement: it reads in a transaction of its own, with no BEGIN around it. */
	int err = store_patient_get(ctx->db, id, &p);
	/* Every read of a patient record is audited before it is answered. */
	if (!err)
		api_read_event(ctx, NULL, "patient", id, NULL);
	if (err) {
		patient_cleanup(&p);
		return err;
	}
	struct buf out;
	buf_init(&out);
	patient_write(&out, &p);
	patient_cleanup(&p);
	api_reply_text(ctx, 200, &out);
	return 0;
}

int h_patients_patch(struct api_ctx *ctx)
{
	static const char *const allowed[] = {"first_name", "last_name",   "date_of_birth", "phone",
					      "email",	    "fitzpatrick", "notes",	    NULL};
	json_t *body;
	struct patient p;
	struct buf changed;
	int64_t id = api_id(ctx, 0);
	int err;
	memset(&p, 0, sizeof p);
	buf_init(&changed);
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)))
		goto out;
	err = store_patient_get(ctx->db, id, &p);
	if (!err)
		err = read_fields(ctx, body, &p, false, &changed);
	if (!err) {
		p.updated_at = (int64_t)time(NULL);
		err = store_patient_update(ctx->db, &p);
	}
	if (!err)
		err = api_audit(ctx, "update", "patient", id, changed.data ? changed.data : "");
	if (!err)
		api_reply(ctx, 200, patient_json(&p));
out:
	buf_cleanup(&changed);
	patient_cleanup(&p);
	return err;
}

static int cancel_one(struct api_ctx *ctx, const struct appt_view *v, void *arg)
{
	json_t *ids = arg;
	struct appointment a;
	if (v->a.status != APPT_BOOKED)
		return 0;
	int err = store_appt_get(ctx->db, v->a.id, &a);
	if (err)
		return err;
	err = api_appt_set_status(ctx, &a, APPT_CANCELLED, "patient archived", "patient archived");
	if (!err)
		json_array_append_new(ids, json_integer(a.id));
	appointment_cleanup(&a);
	return err;
}

/* Cancels the patient's booked appointments from now on, adding their ids to ids: an
 * archived patient keeps no time in anyone's calendar. */
static int cancel_future(struct api_ctx *ctx, int64_t patient_id, json_t *ids)
{
	struct appt_filter f = {.from = (int64_t)time(NULL),
				.to = DATES_WIRE_MAX,
				.patient_id = patient_id,
				.limit = 500};
	return api_each_appointment(ctx, f, cancel_one, ids);
}

int h_patients_archive(struct api_ctx *ctx)
{
	struct patient p;
	int64_t id = api_id(ctx, 0);
	int err;
	memset(&p, 0, sizeof p);
	if (ctx->body && json_object_size(ctx->body) > 0)
		return api_fail(ctx, -ERR_VALIDATION_FAILED, "Archiving takes no fields.",
				json_pack("{s:s}", "field", "body"));
	json_t *cancelled = json_array();
	err = store_patient_get(ctx->db, id, &p);
	if (!err && !p.archived) {
		p.archived = true;
		p.updated_at = (int64_t)time(NULL);
		err = store_patient_update(ctx->db, &p);
		if (!err)
			err = api_audit(ctx, "archive", "patient", id, NULL);
		if (!err)
			err = cancel_future(ctx, id, cancelled);
	}
	if (!err) {
		json_t *o = patient_json(&p);
		json_object_set(o, "cancelled_appointments", cancelled);
		api_reply(ctx, 200, o);
	}
	json_decref(cancelled);
	patient_cleanup(&p);
	return err;
}

/* Decides what kind of search q is. Fills q->a/q->b from the buffers given. */
static int plan_search(struct api_ctx *ctx, const char *text, struct patient_query *q, char *a,
		       char *b, size_t sz)
{
	struct cdate d;
	char folded[512];
	if (!text || !*text) {
		q->kind = PQ_ALL;
		return 0;
	}
	if (strlen(text) > 200 || !text_fold(text, folded, sizeof folded))
		return api_fail(ctx, -ERR_VALIDATION_FAILED,
				"The search text is too long or invalid.",
				json_pack("{s:s}", "field", "q"));
	if (!folded[0]) {
		q->kind = PQ_ALL;
		return 0;
	}
	if (dates_parse_date(folded, &d) == 0) {
		q->kind = PQ_DOB;
		snprintf(a, sz, "%s", folded);
	} else if (text_parse_mrn(folded, a, sz)) {
		q->kind = PQ_MRN;
	} else if (text_is_phone_query(folded)) {
		q->kind = PQ_PHONE;
		text_phone_reversed(folded, a, sz);
	} else {
		q->kind = PQ_NAME;
		/* "ann", "ann smi", or "smith, ann": up to two name prefixes. */
		char *comma = strchr(folded, ',');
		if (comma) {
			*comma = '\0';
			char *first = comma + 1;
			while (*first == ' ')
				first++;
			size_t n = strlen(folded);
			while (n && folded[n - 1] == ' ')
				folded[--n] = '\0';
			snprintf(a, sz, "%s", folded);
			if (*first) {
				snprintf(b, sz, "%s", first);
				q->b = b;
				q->last_first = true;
			}
		} else {
			char *sp = strchr(folded, ' ');
			if (sp) {
				*sp = '\0';
				snprintf(b, sz, "%s", sp + 1);
				q->b = b;
			}
			snprintf(a, sz, "%s", folded);
		}
		if (!a[0])
			q->kind = PQ_ALL;
	}
	q->a = a;
	return 0;
}

int h_patients_search(struct api_ctx *ctx)
{
	struct patient_query q;
	char a[512] = "", b[512] = "";
	int64_t limit, offset;
	int err;
	memset(&q, 0, sizeof q);
	if ((err = api_query_int(ctx, "limit", 1, SEARCH_MAX_LIMIT, 20, &limit)) ||
	    (err = api_query_int(ctx, "offset", 0, 1000000, 0, &offset)))
		return err;
	const char *arch = http_req_query(ctx->req, "archived");
	if (arch && strcmp(arch, "true") != 0 && strcmp(arch, "false") != 0)
		return api_fail(ctx, -ERR_VALIDATION_FAILED, "archived is true or false.",
				json_pack("{s:s}", "field", "archived"));
	q.include_archived = arch && strcmp(arch, "true") == 0;
	q.limit = limit;
	q.offset = offset;
	if ((err = plan_search(ctx, http_req_query(ctx->req, "q"), &q, a, b, sizeof a)) != 0)
		return err;

	struct patient *list = NULL;
	size_t n = 0;
	int64_t total = 0;
	char detail[32];
	err = store_patient_search(ctx->db, &q, &list, &n, &total);
	/* The search text may itself be patient data: the trail keeps only the count. */
	snprintf(detail, sizeof detail, "results=%zu", n);
	if (!err)
		api_read_event(ctx, "search", "patient", 0, detail);
	if (err) {
		patients_free(list, n);
		return err;
	}
	struct buf out;
	api_list_open(&out);
	for (size_t i = 0; i < n; i++) {
		if (i)
			jw_raw(&out, ",");
		patient_write(&out, &list[i]);
	}
	patients_free(list, n);
	api_reply_text_list(ctx, &out, total);
	return 0;
}
