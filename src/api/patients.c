/* Patients: register, read, change, archive and search demographics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/clinical.h"
#include "api/handlers.h"
#include "api/outbox.h"
#include "domain/dates.h"
#include "domain/templates.h"
#include "domain/text.h"
#include "store/audit.h"
#include "store/patients.h"
#include "store/schedule.h"
#include "store/settings.h"
#include "util/clock.h"
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
	if (p->merged_into)
		jw_put_int(b, &first, "merged_into", p->merged_into);
	api_put_stamps(b, &first, p->created_at, p->updated_at);
	jw_put_str(b, &first, "phone", p->phone);
	jw_put_str(b, &first, "email", p->email);
	api_put_int_or_null(b, &first, "fitzpatrick", p->fitzpatrick);
	jw_put_str(b, &first, "notes", p->notes);
	jw_put_bool(b, &first, "contact_email", p->contact_email);
	jw_put_bool(b, &first, "contact_sms", p->contact_sms);
	jw_put_str(b, &first, "language", p->language[0] ? p->language : "en");
	if (p->contact_changed_at)
		api_put_instant(b, &first, "contact_changed_at", p->contact_changed_at);
	else
		api_put_json(b, &first, "contact_changed_at", json_null());
	api_put_int_or_null(b, &first, "contact_changed_by", p->contact_changed_by);
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
	struct cdate today = dates_local_date(clock_now());
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

/* Reads the contact consent fields present in body into p: contact_email and contact_sms
 * (booleans) and language (a shipped language). *changed says whether any was given;
 * they are never null. */
static int read_contact(struct api_ctx *ctx, json_t *body, struct patient *p, bool *changed,
			struct buf *names)
{
	static const char *const keys[] = {"contact_email", "contact_sms", "language", NULL};
	bool email, sms, has_email, has_sms;
	const char *lang;
	int err;
	*changed = false;
	if ((err = jin_no_null(ctx, body, keys)) ||
	    (err = jin_bool(ctx, body, "contact_email", false, &email, &has_email)) ||
	    (err = jin_bool(ctx, body, "contact_sms", false, &sms, &has_sms)) ||
	    (err = jin_str(ctx, body, "language", false, 2, 7, &lang)))
		return err;
	if (lang && !tmpl_language_known(lang))
		return api_fail(
		    ctx, -ERR_VALIDATION_FAILED,
		    "The language is one of those the clinic's messages are written in.",
		    json_pack("{s:s, s:[sss]}", "field", "language", "allowed", "en", "de", "es"));
	if (has_email && email != p->contact_email) {
		p->contact_email = email;
		buf_puts(names, "contact_email ");
		*changed = true;
	}
	if (has_sms && sms != p->contact_sms) {
		p->contact_sms = sms;
		buf_puts(names, "contact_sms ");
		*changed = true;
	}
	if (lang && strcmp(lang, p->language) != 0) {
		snprintf(p->language, sizeof p->language, "%s", lang);
		buf_puts(names, "language ");
		*changed = true;
	}
	return 0;
}

/* What a duplicate warning shows of each candidate: who they are, never clinical data. */
static json_t *candidates_json(const struct patient *list, size_t n)
{
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    items, json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)list[i].id,
				     "mrn", list[i].mrn ? list[i].mrn : "", "first_name",
				     list[i].first_name, "last_name", list[i].last_name,
				     "date_of_birth", list[i].date_of_birth));
	return items;
}

/* Refuses a new patient who is likely already registered (the same folded names and date
 * of birth, or the same date of birth and phone), listing who they may be; the answer is
 * a read of those charts and is audited as one, even though it is an error. */
static int refuse_duplicate(struct api_ctx *ctx, const struct patient *p)
{
	struct patient *same = NULL;
	size_t n = 0;
	int err = store_patient_duplicates(ctx->db, p, &same, &n);
	if (err || n == 0) {
		patients_free(same, n);
		return err;
	}
	char detail[48];
	snprintf(detail, sizeof detail, "duplicate candidates=%zu", n);
	api_read_event(ctx, "duplicates", "patient", same[0].id, detail);
	ctx->read_event.on_error = true;
	err = api_fail(ctx, -ERR_POSSIBLE_DUPLICATE,
		       "This patient may already be registered: open one of these charts, or send "
		       "the same body with \"confirm_new\": true.",
		       json_pack("{s:o}", "candidates", candidates_json(same, n)));
	patients_free(same, n);
	return err;
}

int h_patients_create(struct api_ctx *ctx)
{
	static const char *const allowed[] = {
	    "first_name", "last_name",	 "date_of_birth", "phone",	 "email",    "fitzpatrick",
	    "notes",	  "confirm_new", "contact_email", "contact_sms", "language", NULL};
	json_t *body;
	struct patient p;
	struct buf changed;
	bool confirm_new = false, has_confirm, contact = false;
	int err;
	memset(&p, 0, sizeof p);
	memcpy(p.language, "en", 3);
	buf_init(&changed);
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_bool(ctx, body, "confirm_new", false, &confirm_new, &has_confirm)) ||
	    (err = read_fields(ctx, body, &p, true, &changed)) ||
	    (err = read_contact(ctx, body, &p, &contact, &changed)))
		goto out;
	p.created_at = clock_now();
	if (!confirm_new && (err = refuse_duplicate(ctx, &p)) != 0)
		goto out;
	err = store_patient_insert(ctx->db, &p);
	if (!err && contact)
		err = store_patient_set_contact(ctx->db, &p, p.created_at, ctx->me.id);
	if (!err)
		err = api_audit(ctx, "create", "patient", p.id, confirm_new ? "confirm_new" : NULL);
	if (err)
		goto out;
	api_reply_created(ctx, patient_json(&p), "/api/v1/patients/", p.id, "");
out:
	buf_cleanup(&changed);
	patient_cleanup(&p);
	return err;
}

static json_t *counts_json(const struct patient_merge_counts *c)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I}", "plans", (json_int_t)c->plans, "appointments",
			 (json_int_t)c->appointments, "session_records",
			 (json_int_t)c->session_records, "screenings", (json_int_t)c->screenings,
			 "consents", (json_int_t)c->consents);
}

/* Reads one side of a merge; an unknown id names which side it is. */
static int merge_side(struct api_ctx *ctx, int64_t id, const char *field, struct patient *out)
{
	int err = store_patient_get(ctx->db, id, out);
	if (err == -ERR_NOT_FOUND)
		return api_fail(ctx, -ERR_NOT_FOUND, "No such patient.",
				json_pack("{s:s, s:I}", "field", field, "id", (json_int_t)id));
	return err;
}

int h_patients_merge(struct api_ctx *ctx)
{
	static const char *const allowed[] = {"from_id", "preview", NULL};
	json_t *body;
	struct patient to, from;
	int64_t id = api_id(ctx, 0), from_id = 0;
	bool has_from, preview = false, has_preview;
	struct patient_merge_counts moved = {0};
	int err;
	memset(&to, 0, sizeof to);
	memset(&from, 0, sizeof from);
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_int(ctx, body, "from_id", true, 1, INT64_MAX, &from_id, &has_from)) ||
	    (err = jin_bool(ctx, body, "preview", false, &preview, &has_preview)) ||
	    (err = merge_side(ctx, id, "id", &to)) ||
	    (err = merge_side(ctx, from_id, "from_id", &from)))
		goto out;
	if (from_id == id) {
		err = api_fail(ctx, -ERR_MERGE_SAME_CHART, NULL, NULL);
	} else if (to.archived || to.merged_into) {
		err = api_fail(ctx, -ERR_MERGE_TARGET_ARCHIVED, NULL,
			       to.merged_into
				   ? json_pack("{s:I}", "merged_into", (json_int_t)to.merged_into)
				   : NULL);
	} else if (from.merged_into) {
		err = api_fail(ctx, -ERR_ALREADY_MERGED, NULL,
			       json_pack("{s:I}", "merged_into", (json_int_t)from.merged_into));
	}
	if (err)
		goto out;
	if (preview) {
		if ((err = store_patient_merge_counts(ctx->db, from_id, &moved)) != 0)
			goto out;
	} else {
		char detail[64];
		from.updated_at = clock_now();
		snprintf(detail, sizeof detail, "from_id=%lld into_id=%lld", (long long)from_id,
			 (long long)id);
		if ((err = store_patient_merge(ctx->db, &to, &from, &moved)) != 0 ||
		    (err = api_audit(ctx, "merge", "patient", id, detail)) != 0)
			goto out;
	}
	json_t *o = json_pack("{s:b, s:I, s:I, s:o}", "merged", !preview, "id", (json_int_t)id,
			      "from_id", (json_int_t)from_id, "moved", counts_json(&moved));
	api_reply(ctx, 200, o);
out:
	patient_cleanup(&to);
	patient_cleanup(&from);
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

int h_patient_contact_changes(struct api_ctx *ctx)
{
	struct patient p;
	int64_t id = api_id(ctx, 0);
	struct contact_change *list = NULL;
	size_t n = 0;
	memset(&p, 0, sizeof p);
	int err = store_patient_get(ctx->db, id, &p);
	patient_cleanup(&p);
	if (!err)
		err = store_patient_contact_history(ctx->db, id, &list, &n);
	if (err)
		return err;
	api_read_patient(ctx, id, "contact changes", 0);
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    items,
		    json_pack("{s:o, s:o, s:b, s:b, s:s}", "changed_at", api_instant(list[i].at),
			      "changed_by", list[i].by ? json_integer(list[i].by) : json_null(),
			      "contact_email", list[i].contact_email, "contact_sms",
			      list[i].contact_sms, "language", list[i].language));
	free(list);
	api_reply_list(ctx, items, (int64_t)n);
	return 0;
}

int h_patients_patch(struct api_ctx *ctx)
{
	static const char *const allowed[] = {
	    "first_name", "last_name",	   "date_of_birth", "phone",	"email", "fitzpatrick",
	    "notes",	  "contact_email", "contact_sms",   "language", NULL};
	json_t *body;
	struct patient p;
	struct buf changed;
	int64_t id = api_id(ctx, 0);
	bool contact = false;
	int err;
	memset(&p, 0, sizeof p);
	buf_init(&changed);
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)))
		goto out;
	err = store_patient_get(ctx->db, id, &p);
	bool had_email = p.contact_email, had_sms = p.contact_sms;
	if (!err)
		err = read_fields(ctx, body, &p, false, &changed);
	if (!err)
		err = read_contact(ctx, body, &p, &contact, &changed);
	if (!err) {
		p.updated_at = clock_now();
		err = store_patient_update(ctx->db, &p);
	}
	if (!err && contact)
		err = store_patient_set_contact(ctx->db, &p, p.updated_at, ctx->me.id);
	/* A withdrawn consent takes the queued messages of its channel with it. */
	if (!err && contact && ((had_email && !p.contact_email) || (had_sms && !p.contact_sms)))
		err = api_outbox_consent(ctx, id, had_email && !p.contact_email,
					 had_sms && !p.contact_sms);
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
	struct appt_filter f = {
	    .from = clock_now(), .to = DATES_WIRE_MAX, .patient_id = patient_id, .limit = 500};
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
		p.updated_at = clock_now();
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

/* The text a search reads its words and keys from. */
struct search_text {
	char folded[512];
	char key[64];
};

/* True when folded may be a date typed with slashes or dots: digits and one kind of
 * separator, so that only such a search reads how the clinic writes dates. */
static bool looks_like_date(const char *s)
{
	return strchr(s, '/') || (strchr(s, '.') && strlen(s) >= 8);
}

/* Decides what kind of search text is, filling q with words from t. */
static int plan_search(struct api_ctx *ctx, const char *text, struct patient_query *q,
		       struct search_text *t)
{
	struct cdate d;
	if (!text || !*text) {
		q->kind = PQ_ALL;
		return 0;
	}
	if (strlen(text) > 200 || !text_fold(text, t->folded, sizeof t->folded))
		return api_fail(ctx, -ERR_VALIDATION_FAILED,
				"The search text is too long or invalid.",
				json_pack("{s:s}", "field", "q"));
	char *folded = t->folded;
	if (!folded[0]) {
		q->kind = PQ_ALL;
		return 0;
	}
	struct clinic_settings cs = {.month_first = false};
	int err;
	if (looks_like_date(folded) && (err = store_settings_get(ctx->db, &cs)) != 0)
		return err;
	q->nwords = 1;
	q->words[0] = t->key;
	if (dates_parse_typed(folded, cs.month_first, &d) == 0) {
		q->kind = PQ_DOB;
		dates_format_date(&d, t->key);
	} else if (text_parse_mrn(folded, t->key, sizeof t->key)) {
		q->kind = PQ_MRN;
	} else if (text_is_phone_query(folded)) {
		q->kind = PQ_PHONE;
		text_phone_key(folded, t->key, sizeof t->key);
		if (!t->key[0]) /* only a prefix and a country code: its digits as typed */
			text_phone_key(folded + strspn(folded, "+0"), t->key, sizeof t->key);
	} else {
		/* "ann", "ann smi", "de la cruz", or "smith, ann": each word the start of a word
		 * of either name, or a word of the last name and one of the first. */
		q->kind = PQ_NAME;
		q->nwords = 0;
		char *comma = strchr(folded, ',');
		char *words[PATIENT_QUERY_WORDS];
		if (comma) {
			*comma = '\0';
			char *last[16], *first[1];
			size_t nl = text_split_words(folded, last, 16);
			size_t nf = text_split_words(comma + 1, first, 1);
			if (nl && nf) {
				q->words[0] = last[(nl < 16 ? nl : 16) - 1];
				q->words[1] = first[0];
				q->nwords = 2;
				q->last_first = true;
			} else if (nl || nf) {
				q->words[0] = nl ? last[0] : first[0];
				q->nwords = 1;
			}
		} else {
			size_t n = text_split_words(folded, words, PATIENT_QUERY_WORDS);
			q->nwords = n < PATIENT_QUERY_WORDS ? n : PATIENT_QUERY_WORDS;
			for (size_t i = 0; i < q->nwords; i++)
				q->words[i] = words[i];
		}
		if (q->nwords == 0)
			q->kind = PQ_ALL;
	}
	return 0;
}

int h_patients_search(struct api_ctx *ctx)
{
	struct patient_query q;
	struct search_text t;
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
	if ((err = plan_search(ctx, http_req_query(ctx->req, "q"), &q, &t)) != 0)
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
