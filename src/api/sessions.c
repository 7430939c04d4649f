/* The practitioner's session record: draft, sign, addenda; lot traceability and the
 * patient's treatment history. RULES.md rules 8, 9 and 12. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/clinical.h"
#include "api/followup.h"
#include "api/handlers.h"
#include "domain/booking.h"
#include "domain/session.h"
#include "store/booking.h"
#include "store/catalog.h"
#include "store/schedule.h"
#include "store/sessions.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/xalloc.h"

#define MAX_AREAS     20
#define MAX_PRODUCTS  20
#define MAX_REACTIONS 10

/* What every session handler needs: the appointment, its plan and treatment type. */
struct session_ctx {
	struct appointment a;
	struct plan p;
	struct treatment_type t;
};

static void session_ctx_cleanup(struct session_ctx *s)
{
	appointment_cleanup(&s->a);
	plan_cleanup(&s->p);
	treatment_type_cleanup(&s->t);
}

/* A session record exists only for a treatment appointment of a plan. */
static int load_session_ctx(struct api_ctx *ctx, struct session_ctx *s)
{
	memset(s, 0, sizeof *s);
	int err = store_appt_get(ctx->db, api_id(ctx, 0), &s->a);
	if (err)
		return err == -ERR_NOT_FOUND ? api_fail(ctx, err, "No such appointment.", NULL)
					     : err;
	if (s->a.kind != KIND_TREATMENT || !s->a.plan_id)
		return api_fail(ctx, -ERR_NOT_TREATMENT,
				"Only a treatment appointment of a plan has a session record.",
				json_pack("{s:s}", "kind", appt_kind_name(s->a.kind)));
	if ((err = store_plan_get(ctx->db, s->a.plan_id, &s->p)) != 0)
		return err;
	return store_treatment_type_get(ctx->db, s->p.treatment_type, &s->t);
}

static json_t *scaled_json(int v, int decimals)
{
	char buf[32];
	decimal_format(v, decimals, buf, sizeof buf);
	return json_real(strtod(buf, NULL));
}

static json_t *areas_json(const struct session_record *r, bool with_reason)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < r->nareas; i++) {
		const struct session_area *a = &r->areas[i];
		json_t *o =
		    json_pack("{s:s, s:o}", "area", a->area, "depth_mm", depth_json(a->depth_hmm));
		json_object_set_new(o, "passes", a->passes ? json_integer(a->passes) : json_null());
		if (with_reason)
			json_object_set_new(o, "override_reason",
					    a->override_reason ? json_string(a->override_reason)
							       : json_null());
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *opt_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *opt_instant(int64_t t)
{
	return t ? api_instant(t) : json_null();
}

static json_t *record_json(const struct session_record *r)
{
	json_t *o = json_pack(
	    "{s:I, s:s, s:b, s:o, s:b}", "appointment_id", (json_int_t)r->appointment_id, "status",
	    session_status_name(r->status ? r->status : SESSION_DRAFT), "screening_confirmed",
	    r->screening_confirmed_at != 0, "screening_confirmed_at",
	    opt_instant(r->screening_confirmed_at), "caution_reviewed", r->caution_reviewed);
	json_object_set_new(o, "consent_id",
			    r->consent_id ? json_integer(r->consent_id) : json_null());
	if (r->numbing_product || r->numbing_applied_at || r->numbing_removed_at)
		json_object_set_new(o, "numbing",
				    json_pack("{s:o, s:o, s:o}", "product",
					      opt_str(r->numbing_product), "applied_at",
					      opt_instant(r->numbing_applied_at), "removed_at",
					      opt_instant(r->numbing_removed_at)));
	else
		json_object_set_new(o, "numbing", json_null());
	json_object_set_new(o, "device", opt_str(r->device));
	json_object_set_new(o, "device_model", opt_str(r->device_model));
	json_object_set_new(o, "cartridge_lot", opt_str(r->cartridge_lot));
	json_object_set_new(o, "areas", areas_json(r, true));
	if (r->prp.present) {
		const struct prp_details *p = &r->prp;
		json_t *prp = json_object();
		json_object_set_new(prp, "blood_ml",
				    p->blood_ml10 ? scaled_json(p->blood_ml10, 1) : json_null());
		json_object_set_new(prp, "spin_minutes",
				    p->spin_minutes ? json_integer(p->spin_minutes) : json_null());
		json_object_set_new(prp, "spin_rcf",
				    p->spin_rcf ? json_integer(p->spin_rcf) : json_null());
		json_object_set_new(prp, "prp_ml",
				    p->prp_ml10 ? scaled_json(p->prp_ml10, 1) : json_null());
		json_object_set_new(prp, "route", opt_str(p->route));
		json_object_set_new(prp, "kit_lot", opt_str(p->kit_lot));
		json_object_set_new(o, "prp", prp);
	} else {
		json_object_set_new(o, "prp", json_null());
	}
	json_t *products = json_array(), *reactions = json_array();
	for (size_t i = 0; i < r->nproducts; i++)
		json_array_append_new(products, json_string(r->products[i]));
	for (size_t i = 0; i < r->nreactions; i++) {
		json_t *x = json_pack("{s:s}", "type", r->reactions[i].type);
		json_object_set_new(x, "severity",
				    r->reactions[i].severity
					? json_integer(r->reactions[i].severity)
					: json_null());
		json_array_append_new(reactions, x);
	}
	json_object_set_new(o, "products", products);
	json_object_set_new(o, "endpoint", opt_str(r->endpoint));
	json_object_set_new(o, "reactions", reactions);
	json_object_set_new(o, "aftercare_given", json_boolean(r->aftercare_given));
	json_object_set_new(o, "notes", opt_str(r->notes));
	json_object_set_new(o, "signed_by",
			    r->signed_by ? json_integer(r->signed_by) : json_null());
	json_object_set_new(o, "signed_at", opt_instant(r->signed_at));
	json_object_set_new(o, "updated_at", opt_instant(r->updated_at));
	return o;
}

/* The patient's safety facts and the cautions they carry for the session's day. The
 * result's codes live as long as f. */
static int load_cautions(struct api_ctx *ctx, const struct session_ctx *s, struct safety_facts *f,
			 struct gate_result *res)
{
	int err = store_safety_facts(ctx->db, s->a.patient_id, f);
	if (err)
		return err;
	if (rules_safety(f, KIND_TREATMENT, s->a.start, res) == -ERR_INTERNAL) {
		safety_facts_cleanup(f);
		return -ERR_INTERNAL;
	}
	return 0;
}

/* What signing would still need, for the record r of s. */
static int sign_missing(struct api_ctx *ctx, const struct session_ctx *s,
			const struct session_record *r, unsigned *missing, int64_t *consent_id)
{
	struct consent c;
	struct safety_facts sf;
	struct gate_result g;
	int err = store_consent_latest(ctx->db, s->a.patient_id, s->p.treatment_type, &c);
	if (err && err != -ERR_NOT_FOUND)
		return err;
	bool has_consent = err == 0;
	*consent_id = has_consent ? c.id : 0;
	if (has_consent)
		consent_cleanup(&c);
	if ((err = load_cautions(ctx, s, &sf, &g)) != 0)
		return err;
	struct sign_facts f = {
	    .r = r,
	    .session_day = dates_local_day(s->a.start),
	    .confirmed_day =
		r->screening_confirmed_at ? dates_local_day(r->screening_confirmed_at) : 0,
	    .has_consent = has_consent,
	    .uses_prp = s->t.uses_prp,
	    .has_cautions = g.ncautions > 0,
	    .checked_in = s->a.status == APPT_CHECKED_IN,
	};
	*missing = rules_sign_missing(&f);
	safety_facts_cleanup(&sf);
	return 0;
}

static json_t *missing_json(unsigned missing)
{
	json_t *arr = json_array();
	for (int i = 0; i < SIGN_MISSING_ALL; i++)
		if (missing & (1u << i))
			json_array_append_new(arr, json_string(sign_missing_name(i)));
	return arr;
}

/* The whole answer for a session: record, addenda, previous session, plan, cautions and
 * what signing still needs. */
static int full_json(struct api_ctx *ctx, const struct session_ctx *s,
		     const struct session_record *r, bool exists, json_t **out)
{
	struct addendum *ad = NULL;
	size_t nad = 0;
	struct session_record prev;
	int64_t prev_start = 0;
	struct safety_facts sf;
	struct gate_result g;
	unsigned missing = 0;
	int64_t consent_id = 0;
	int err = exists ? store_addenda_list(ctx->db, r->appointment_id, &ad, &nad) : 0;
	if (err)
		return err;
	json_t *o = record_json(r);
	json_object_set_new(o, "exists", json_boolean(exists));
	json_t *arr = json_array();
	for (size_t i = 0; i < nad; i++)
		json_array_append_new(arr,
				      json_pack("{s:I, s:I, s:o, s:s}", "id", (json_int_t)ad[i].id,
						"author", (json_int_t)ad[i].author, "at",
						api_instant(ad[i].at), "text", ad[i].text));
	if (ad)
		addenda_free(ad, nad);
	json_object_set_new(o, "addenda", arr);

	err = store_record_previous(ctx->db, s->p.id, s->a.start, &prev, &prev_start);
	if (err == 0) {
		/* What a new note may start from: the setup, never the lot (each session
		 * opens a cartridge of its own). */
		json_t *po = json_pack("{s:I, s:o, s:o, s:o}", "appointment_id",
				       (json_int_t)prev.appointment_id, "date",
				       day_json(dates_local_day(prev_start)), "start",
				       api_instant(prev_start), "areas", areas_json(&prev, false));
		json_object_set_new(po, "device", opt_str(prev.device));
		json_object_set_new(po, "device_model", opt_str(prev.device_model));
		json_object_set_new(po, "numbing_product", opt_str(prev.numbing_product));
		json_object_set_new(o, "previous", po);
		session_record_cleanup(&prev);
	} else if (err == -ERR_NOT_FOUND) {
		json_object_set_new(o, "previous", json_null());
		err = 0;
	}
	json_t *plan_areas = json_array();
	for (size_t i = 0; i < s->p.nareas; i++)
		json_array_append_new(plan_areas, json_string(s->p.areas[i]));
	json_object_set_new(o, "plan",
			    json_pack("{s:I, s:s, s:b, s:o, s:i, s:i}", "id", (json_int_t)s->p.id,
				      "treatment_type", s->p.treatment_type, "uses_prp",
				      s->t.uses_prp, "areas", plan_areas, "session_number",
				      s->a.session_number, "planned_sessions",
				      s->p.planned_sessions));
	json_object_set_new(o, "patient_id", json_integer(s->a.patient_id));
	json_object_set_new(o, "appointment_status", json_string(appt_status_name(s->a.status)));
	if (!err && (err = load_cautions(ctx, s, &sf, &g)) == 0) {
		json_object_set_new(o, "cautions", api_codes_json(g.cautions, g.ncautions));
		safety_facts_cleanup(&sf);
	}
	if (!err && r->status != SESSION_SIGNED &&
	    (err = sign_missing(ctx, s, r, &missing, &consent_id)) == 0)
		json_object_set_new(o, "missing", missing_json(missing));
	else if (!err)
		json_object_set_new(o, "missing", json_array());
	if (err) {
		json_decref(o);
		return err;
	}
	*out = o;
	return 0;
}

/* Answers o, or drops it and returns err when the request failed. */
static int reply_or_fail(struct api_ctx *ctx, int err, json_t *o)
{
	if (err) {
		json_decref(o);
		return err;
	}
	api_reply(ctx, 200, o);
	return 0;
}

int h_session_get(struct api_ctx *ctx)
{
	struct session_ctx s;
	struct session_record r;
	json_t *o = NULL;
	memset(&r, 0, sizeof r);
	int err = load_session_ctx(ctx, &s);
	bool exists = false;
	if (!err) {
		err = store_record_get(ctx->db, s.a.id, &r);
		if (err == -ERR_NOT_FOUND) {
			err = 0;
			r.appointment_id = s.a.id;
			r.status = SESSION_DRAFT;
		} else if (!err) {
			exists = true;
		}
	}
	if (!err)
		err = full_json(ctx, &s, &r, exists, &o);
	if (!err)
		api_read_patient(ctx, s.a.patient_id, "session_record", s.a.id);
	session_record_cleanup(&r);
	session_ctx_cleanup(&s);
	return reply_or_fail(ctx, err, o);
}

static const char *const devices[] = {"pen", "roller", "stamp", NULL};
static const char *const endpoints[] = {"erythema", "uniform_erythema", "pinpoint_bleeding",
					"petechiae", NULL};
static const char *const routes[] = {"topical", "injected", NULL};

static bool one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static bool is_code(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 40 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* Field name "list[i].key" for error details. */
static int fail_item(struct api_ctx *ctx, int code, const char *list, size_t i, const char *key,
		     const char *msg, json_t *extra)
{
	char field[64];
	snprintf(field, sizeof field, "%s[%zu].%s", list, i, key);
	json_t *d = extra ? extra : json_object();
	json_object_set_new(d, "field", json_string(field));
	return api_fail(ctx, code, msg, d);
}

/* A validation error about a key inside a nested object names the whole path: "passes"
 * of the second area becomes "areas[1].passes". */
static int nested_field(struct api_ctx *ctx, int err, const char *prefix)
{
	json_t *f = ctx->err_details ? json_object_get(ctx->err_details, "field") : NULL;
	if (err == -ERR_VALIDATION_FAILED && json_is_string(f)) {
		char path[192];
		snprintf(path, sizeof path, "%s.%s", prefix, json_string_value(f));
		json_object_set_new(ctx->err_details, "field", json_string(path));
	}
	return err;
}

/* nested_field for item i of list. */
static int nested_item(struct api_ctx *ctx, int err, const char *list, size_t i)
{
	char prefix[64];
	snprintf(prefix, sizeof prefix, "%s[%zu]", list, i);
	return nested_field(ctx, err, prefix);
}

static int parse_areas(struct api_ctx *ctx, json_t *arr, const struct session_ctx *s,
		       struct session_record *r)
{
	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > MAX_AREAS)
		return api_fail_field(ctx, "areas", "areas is a list of {area, depth_mm, passes}.");
	static const char *const allowed[] = {"area", "depth_mm", "passes", "override_reason",
					      NULL};
	r->areas = xcalloc(json_array_size(arr) + 1, sizeof *r->areas);
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *it = json_array_get(arr, i);
		const char *code, *reason;
		int64_t passes = 0;
		int hmm = 0, err;
		struct area cat;
		if (!json_is_object(it))
			return fail_item(ctx, -ERR_VALIDATION_FAILED, "areas", i, "area",
					 "Each area is an object.", NULL);
		if ((err = jin_only(ctx, it, allowed)) ||
		    (err = jin_str(ctx, it, "area", true, 1, 40, &code)) ||
		    (err = jin_int(ctx, it, "passes", false, 1, 20, &passes, NULL)) ||
		    (err = jin_str(ctx, it, "override_reason", false, 0, 500, &reason)))
			return nested_item(ctx, err, "areas", i);
		if (reason && !*reason)
			reason = NULL;
		if (store_area_get(ctx->db, code, &cat) != 0)
			return fail_item(ctx, -ERR_VALIDATION_FAILED, "areas", i, "area",
					 "Unknown area code.", NULL);
		int max = cat.max_depth_hmm;
		area_cleanup(&cat);
		for (size_t j = 0; j < r->nareas; j++)
			if (strcmp(r->areas[j].area, code) == 0)
				return fail_item(ctx, -ERR_VALIDATION_FAILED, "areas", i, "area",
						 "An area is listed twice.", NULL);
		json_t *d = json_object_get(it, "depth_mm");
		if (!json_is_number(d) || !decimal_from_double(json_number_value(d), 2, &hmm))
			return fail_item(
			    ctx, -ERR_VALIDATION_FAILED, "areas", i, "depth_mm",
			    "Depth is a number of millimetres with at most two decimals.", NULL);
		err = rules_depth(hmm, max, reason != NULL);
		if (err == -ERR_VALIDATION_FAILED)
			return fail_item(ctx, err, "areas", i, "depth_mm",
					 "Needle depth is 0.2 to 3.0 mm.", NULL);
		if (err == -ERR_DEPTH_EXCEEDS_AREA_MAX)
			return fail_item(
			    ctx, err, "areas", i, "depth_mm",
			    "Deeper than the area's maximum: give an override_reason to "
			    "go deeper.",
			    json_pack("{s:s, s:o, s:o}", "area", code, "depth_mm", depth_json(hmm),
				      "max_depth_mm", depth_json(max)));
		struct session_area *a = &r->areas[r->nareas++];
		a->area = xstrdup(code);
		a->depth_hmm = hmm;
		a->passes = (int)passes;
		a->override_reason = xstrdup_or_null(reason);
		if (!str_in(code, s->p.areas, s->p.nareas))
			api_warn(ctx, "area_not_in_plan", json_pack("{s:s}", "area", code));
	}
	return 0;
}

static int parse_ml(struct api_ctx *ctx, json_t *o, const char *key, int lo10, int hi10, int *out)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	char field[32];
	snprintf(field, sizeof field, "prp.%s", key);
	if (!json_is_number(v) || !decimal_from_double(json_number_value(v), 1, out) ||
	    *out < lo10 || *out > hi10)
		return api_fail_field(ctx, field,
				      "A volume in ml with at most one decimal, in range.");
	return 0;
}

static int parse_prp(struct api_ctx *ctx, json_t *o, const struct session_ctx *s,
		     struct session_record *r)
{
	static const char *const allowed[] = {"blood_ml", "spin_minutes", "spin_rcf", "prp_ml",
					      "route",	  "kit_lot",	  NULL};
	if (!o || json_is_null(o))
		return 0;
	if (!json_is_object(o))
		return api_fail_field(ctx, "prp", "prp is an object.");
	if (!s->t.uses_prp)
		return api_fail_field(ctx, "prp", "This treatment type does not use PRP.");
	const char *route, *lot;
	int64_t minutes = 0, rcf = 0;
	int err;
	struct prp_details *p = &r->prp;
	if ((err = jin_only(ctx, o, allowed)) ||
	    (err = jin_int(ctx, o, "spin_minutes", false, 1, 60, &minutes, NULL)) ||
	    (err = jin_int(ctx, o, "spin_rcf", false, 50, 10000, &rcf, NULL)) ||
	    (err = jin_str(ctx, o, "route", false, 1, 20, &route)) ||
	    (err = jin_str(ctx, o, "kit_lot", false, 1, 100, &lot)))
		return nested_field(ctx, err, "prp");
	if ((err = parse_ml(ctx, o, "blood_ml", 10, 1200, &p->blood_ml10)) ||
	    (err = parse_ml(ctx, o, "prp_ml", 1, 600, &p->prp_ml10)))
		return err;
	if (route && !one_of(route, routes))
		return api_fail_field(ctx, "prp.route", "route is topical or injected.");
	p->present = true;
	p->spin_minutes = (int)minutes;
	p->spin_rcf = (int)rcf;
	p->route = xstrdup_or_null(route);
	p->kit_lot = xstrdup_or_null(lot);
	return 0;
}

static int parse_numbing(struct api_ctx *ctx, json_t *o, struct session_record *r)
{
	static const char *const allowed[] = {"product", "applied_at", "removed_at", NULL};
	if (!o || json_is_null(o))
		return 0;
	if (!json_is_object(o))
		return api_fail_field(ctx, "numbing",
				      "numbing is {product, applied_at, removed_at}.");
	const char *product;
	int err;
	if ((err = jin_only(ctx, o, allowed)) ||
	    (err = jin_str(ctx, o, "product", false, 1, 100, &product)) ||
	    (err = jin_instant(ctx, o, "applied_at", false, &r->numbing_applied_at, NULL)) ||
	    (err = jin_instant(ctx, o, "removed_at", false, &r->numbing_removed_at, NULL)))
		return nested_field(ctx, err, "numbing");
	r->numbing_product = xstrdup_or_null(product);
	bool short_dwell;
	if (rules_numbing(r->numbing_applied_at, r->numbing_removed_at, &short_dwell) != 0)
		return api_fail_field(ctx, "numbing.removed_at",
				      "The cream is removed after it is applied.");
	if (short_dwell)
		api_warn(
		    ctx, "short_numbing_dwell",
		    json_pack("{s:I}", "minutes",
			      (json_int_t)((r->numbing_removed_at - r->numbing_applied_at) / 60)));
	return 0;
}

static int parse_lists(struct api_ctx *ctx, json_t *body, struct session_record *r)
{
	json_t *products = json_object_get(body, "products");
	json_t *reactions = json_object_get(body, "reactions");
	if (products && !json_is_null(products)) {
		if (!json_is_array(products) || json_array_size(products) > MAX_PRODUCTS)
			return api_fail_field(ctx, "products", "products is a list of names.");
		r->products = xcalloc(json_array_size(products) + 1, sizeof *r->products);
		for (size_t i = 0; i < json_array_size(products); i++) {
			json_t *v = json_array_get(products, i);
			if (!json_is_string(v) || utf8_chars(json_string_value(v)) < 1 ||
			    utf8_chars(json_string_value(v)) > 100)
				return api_fail_field(
				    ctx, "products", "Each product is a name of 1-100 characters.");
			r->products[r->nproducts++] = xstrdup(json_string_value(v));
		}
	}
	if (reactions && !json_is_null(reactions)) {
		static const char *const allowed[] = {"type", "severity", NULL};
		if (!json_is_array(reactions) || json_array_size(reactions) > MAX_REACTIONS)
			return api_fail_field(ctx, "reactions",
					      "reactions is a list of {type, severity}.");
		size_t n = json_array_size(reactions);
		r->reactions = xcalloc(n + 1, sizeof *r->reactions);
		for (size_t i = 0; i < n; i++) {
			json_t *it = json_array_get(reactions, i);
			const char *type;
			int64_t sev = 0;
			bool has_sev;
			int err;
			if (!json_is_object(it))
				return fail_item(ctx, -ERR_VALIDATION_FAILED, "reactions", i,
						 "type", "Each reaction is an object.", NULL);
			if ((err = jin_only(ctx, it, allowed)) ||
			    (err = jin_str(ctx, it, "type", true, 1, 40, &type)) ||
			    (err = jin_int(ctx, it, "severity", false, 1, 3, &sev, &has_sev)))
				return nested_item(ctx, err, "reactions", i);
			if (!is_code(type))
				return fail_item(
				    ctx, -ERR_VALIDATION_FAILED, "reactions", i, "type",
				    "A reaction type is a code such as redness or none.", NULL);
			bool none = strcmp(type, "none") == 0;
			/* An explicit "none" says nothing was seen: alone and without severity. */
			if (none && (n > 1 || has_sev))
				return fail_item(
				    ctx, -ERR_VALIDATION_FAILED, "reactions", i, "type",
				    "\"none\" stands alone, without a severity.", NULL);
			if (!none && !has_sev)
				return fail_item(ctx, -ERR_VALIDATION_FAILED, "reactions", i,
						 "severity", "A reaction has a severity of 1 to 3.",
						 NULL);
			r->reactions[r->nreactions].type = xstrdup(type);
			r->reactions[r->nreactions].severity = (int)sev;
			r->nreactions++;
		}
	}
	return 0;
}

int h_session_put(struct api_ctx *ctx)
{
	static const char *const not_null[] = {"screening_confirmed", "caution_reviewed",
					       "aftercare_given", NULL};
	static const char *const allowed[] = {"screening_confirmed",
					      "caution_reviewed",
					      "numbing",
					      "device",
					      "device_model",
					      "cartridge_lot",
					      "areas",
					      "prp",
					      "products",
					      "endpoint",
					      "reactions",
					      "aftercare_given",
					      "notes",
					      NULL};
	json_t *body, *o = NULL;
	struct session_ctx s;
	struct session_record r, old;
	const char *device, *model, *lot, *endpoint, *notes;
	bool confirmed = false, reviewed = false, aftercare = false;
	int err;
	memset(&r, 0, sizeof r);
	memset(&old, 0, sizeof old);
	memset(&s, 0, sizeof s);
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_no_null(ctx, body, not_null)) ||
	    (err = jin_bool(ctx, body, "screening_confirmed", false, &confirmed, NULL)) ||
	    (err = jin_bool(ctx, body, "caution_reviewed", false, &reviewed, NULL)) ||
	    (err = jin_str(ctx, body, "device", false, 1, 20, &device)) ||
	    (err = jin_str(ctx, body, "device_model", false, 1, 100, &model)) ||
	    (err = jin_str(ctx, body, "cartridge_lot", false, 1, 100, &lot)) ||
	    (err = jin_str(ctx, body, "endpoint", false, 1, 40, &endpoint)) ||
	    (err = jin_bool(ctx, body, "aftercare_given", false, &aftercare, NULL)) ||
	    (err = jin_str(ctx, body, "notes", false, 0, 4000, &notes)))
		return err;
	if (device && !one_of(device, devices))
		return api_fail_field(ctx, "device", "device is pen, roller or stamp.");
	if (endpoint && !one_of(endpoint, endpoints))
		return api_fail_field(
		    ctx, "endpoint",
		    "endpoint is erythema, uniform_erythema, pinpoint_bleeding or "
		    "petechiae.");
	int64_t now = clock_now();
	if ((err = load_session_ctx(ctx, &s)) != 0)
		goto out;
	err = store_record_get(ctx->db, s.a.id, &old);
	if (err && err != -ERR_NOT_FOUND)
		goto out;
	err = rules_record_writable(err == 0 && old.status == SESSION_SIGNED, s.a.status);
	if (err == -ERR_LOCKED) {
		err = api_fail(ctx, err, "The record is signed; add an addendum instead.", NULL);
		goto out;
	}
	if (err) {
		err = api_fail(ctx, err,
			       "The appointment did not take place; it has no session record.",
			       json_pack("{s:s}", "status", appt_status_name(s.a.status)));
		goto out;
	}
	r.appointment_id = s.a.id;
	r.status = SESSION_DRAFT;
	/* Confirming keeps the first stamp of the same day; unconfirming clears it. */
	if (confirmed)
		r.screening_confirmed_at =
		    old.screening_confirmed_at &&
			    dates_local_day(old.screening_confirmed_at) == dates_local_day(now)
			? old.screening_confirmed_at
			: now;
	r.caution_reviewed = reviewed;
	r.device = xstrdup_or_null(device);
	r.device_model = xstrdup_or_null(model);
	r.cartridge_lot = xstrdup_or_null(lot);
	r.endpoint = xstrdup_or_null(endpoint);
	r.aftercare_given = aftercare;
	r.notes = xstrdup_or_null(notes);
	r.updated_at = now;
	r.updated_by = ctx->me.id;
	if ((err = parse_numbing(ctx, json_object_get(body, "numbing"), &r)) ||
	    (err = parse_areas(ctx, json_object_get(body, "areas"), &s, &r)) ||
	    (err = parse_prp(ctx, json_object_get(body, "prp"), &s, &r)) ||
	    (err = parse_lists(ctx, body, &r)))
		goto out;
	err = store_record_put(ctx->db, &r);
	if (!err)
		err = api_audit(ctx, old.appointment_id ? "update" : "create", "session_record",
				s.a.id, NULL);
	for (size_t i = 0; !err && i < r.nareas; i++)
		if (r.areas[i].override_reason)
			err = api_audit(ctx, "override", "session_record", s.a.id, "depth");
	if (!err) {
		session_record_cleanup(&r);
		if ((err = store_record_get(ctx->db, s.a.id, &r)) == 0)
			err = full_json(ctx, &s, &r, true, &o);
	}
out:
	session_record_cleanup(&r);
	session_record_cleanup(&old);
	session_ctx_cleanup(&s);
	return reply_or_fail(ctx, err, o);
}

int h_session_sign(struct api_ctx *ctx)
{
	static const char *const none[] = {NULL};
	struct session_ctx s;
	struct session_record r;
	json_t *o = NULL;
	unsigned missing = 0;
	int64_t consent_id = 0, now = clock_now();
	bool late;
	int err;
	if (ctx->body && (err = jin_only(ctx, ctx->body, none)) != 0)
		return err;
	/* RULES.md rule 30: a practitioner signs, not an admin. */
	if (rules_sign_actor((unsigned)ctx->me.role, ctx->me.id, 0) != 0)
		return api_fail(ctx, -ERR_FORBIDDEN, "Only a practitioner signs a session record.",
				NULL);
	memset(&r, 0, sizeof r);
	if ((err = load_session_ctx(ctx, &s)) != 0)
		goto out;
	/* An archived patient's appointments change no more (RULES.md rule 45). */
	if ((err = api_require_patient(ctx, s.a.patient_id, NULL, true)) != 0)
		goto out;
	/* The appointment's own practitioner, not a colleague covering for them. */
	if (rules_sign_actor((unsigned)ctx->me.role, ctx->me.id, s.a.practitioner_id) != 0) {
		err = api_fail(
		    ctx, -ERR_FORBIDDEN,
		    "Only the appointment's practitioner signs its note; a colleague can "
		    "add an addendum.",
		    json_pack("{s:I}", "practitioner_id", (json_int_t)s.a.practitioner_id));
		goto out;
	}
	err = store_record_get(ctx->db, s.a.id, &r);
	if (err == -ERR_NOT_FOUND) {
		r.appointment_id = s.a.id;
		err = 0;
	} else if (!err && r.status == SESSION_SIGNED) {
		err = api_fail(ctx, -ERR_LOCKED, "The record is already signed.", NULL);
	}
	if (!err && rules_transition(s.a.kind, s.a.status, APPT_COMPLETED, now, s.a.start, true,
				     &late) != 0)
		err = api_fail(ctx, -ERR_BAD_TRANSITION,
			       "Only a booked or checked-in appointment can be signed off.",
			       json_pack("{s:s}", "status", appt_status_name(s.a.status)));
	if (!err)
		err = sign_missing(ctx, &s, &r, &missing, &consent_id);
	if (!err && missing)
		err = api_fail(ctx, -ERR_NOT_SIGNABLE, "The record is not complete enough to sign.",
			       json_pack("{s:o}", "missing", missing_json(missing)));
	if (err)
		goto out;
	err = store_record_sign(ctx->db, s.a.id, ctx->me.id, now, consent_id);
	if (!err) {
		/* RULES.md rule 7: signing completes the treatment appointment. */
		s.a.status = APPT_COMPLETED;
		s.a.updated_at = s.a.status_at = now;
		s.a.status_by = ctx->me.id;
		err = store_appt_update(ctx->db, &s.a);
	}
	if (!err)
		err = api_audit(ctx, "sign", "session_record", s.a.id, NULL);
	if (!err)
		err = plan_sessions_changed(ctx, s.p.id);
	/* RULES.md rule 69: aftercare once, queued with the signature. */
	if (!err)
		err = api_followup_aftercare(ctx, &s.a);
	if (!err) {
		session_record_cleanup(&r);
		appointment_cleanup(&s.a);
		if ((err = store_appt_get(ctx->db, api_id(ctx, 0), &s.a)) == 0 &&
		    (err = store_record_get(ctx->db, s.a.id, &r)) == 0)
			err = full_json(ctx, &s, &r, true, &o);
	}
out:
	session_record_cleanup(&r);
	session_ctx_cleanup(&s);
	return reply_or_fail(ctx, err, o);
}

int h_session_addendum(struct api_ctx *ctx)
{
	static const char *const allowed[] = {"text", NULL};
	json_t *body;
	const char *text;
	struct session_ctx s;
	struct session_record r;
	int err;
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_str(ctx, body, "text", true, 1, 4000, &text)))
		return err;
	struct addendum a = {.author = ctx->me.id, .at = clock_now(), .text = (char *)text};
	memset(&r, 0, sizeof r);
	if ((err = load_session_ctx(ctx, &s)) == 0) {
		err = store_record_get(ctx->db, s.a.id, &r);
		if (err == -ERR_NOT_FOUND)
			err = api_fail(ctx, err, "There is no session record to add to yet.", NULL);
		else if (!err && r.status != SESSION_SIGNED)
			err = api_fail(ctx, -ERR_NOT_SIGNED,
				       "The note is still a draft: edit it instead of adding an "
				       "addendum.",
				       NULL);
		session_record_cleanup(&r);
	}
	a.appointment_id = s.a.id;
	if (!err)
		err = store_addendum_insert(ctx->db, &a);
	if (!err)
		err = api_audit(ctx, "addendum", "session_record", s.a.id, NULL);
	session_ctx_cleanup(&s);
	if (err)
		return err;
	api_reply_created(ctx,
			  json_pack("{s:I, s:I, s:I, s:o, s:s}", "id", (json_int_t)a.id,
				    "appointment_id", (json_int_t)a.appointment_id, "author",
				    (json_int_t)a.author, "at", api_instant(a.at), "text", text),
			  "/api/v1/appointments/", a.appointment_id, "/session");
	return 0;
}

static json_t *row_json(const struct session_row *row, const struct lot_query *lot)
{
	char name[512];
	snprintf(name, sizeof name, "%s %s", row->patient_first ? row->patient_first : "",
		 row->patient_last ? row->patient_last : "");
	json_t *o =
	    json_pack("{s:I, s:I, s:s, s:s, s:o, s:o, s:I, s:s, s:s}", "appointment_id",
		      (json_int_t)row->r.appointment_id, "patient_id", (json_int_t)row->patient_id,
		      "patient_name", name, "patient_mrn", row->patient_mrn ? row->patient_mrn : "",
		      "date", day_json(dates_local_day(row->start)), "start",
		      api_instant(row->start), "practitioner_id", (json_int_t)row->practitioner_id,
		      "practitioner_name", row->practitioner_name ? row->practitioner_name : "",
		      "status", session_status_name(row->r.status));
	json_object_set_new(o, "plan_id", row->plan_id ? json_integer(row->plan_id) : json_null());
	json_object_set_new(o, "treatment_type", opt_str(row->treatment_type));
	if (lot) {
		const char *c = row->r.cartridge_lot;
		size_t n = strlen(lot->lot);
		bool cart =
		    c && (lot->prefix ? strncmp(c, lot->lot, n) == 0 : strcmp(c, lot->lot) == 0);
		json_object_set_new(o, "lot_kind", json_string(cart ? "cartridge" : "prp_kit"));
		json_object_set_new(o, "lot", opt_str(cart ? c : row->r.prp.kit_lot));
	}
	return o;
}

/* The most sessions a look-up of one lot answers, and of a prefix. */
#define LOT_MAX	       5000
#define LOT_PREFIX_MAX 500
/* The fewest characters before a prefix's "*". */
#define LOT_PREFIX_MIN 3

/* Reads ?from= and ?to= (clinic-local dates, both included) into [*from, *to). */
static int lot_dates(struct api_ctx *ctx, int64_t *from, int64_t *to)
{
	static const char *const names[2] = {"from", "to"};
	int64_t days[2] = {INT64_MIN, INT64_MIN};
	for (int i = 0; i < 2; i++) {
		const char *v = http_req_query(ctx->req, names[i]);
		struct cdate d;
		if (!v || !*v)
			continue;
		if (dates_parse_date(v, &d) != 0 || !dates_date_on_wire(&d))
			return api_fail(ctx, -ERR_VALIDATION_FAILED,
					"from and to are dates (YYYY-MM-DD) between 1900 and 2200.",
					json_pack("{s:s}", "field", names[i]));
		days[i] = dates_to_days(&d);
	}
	if (days[0] != INT64_MIN && days[1] != INT64_MIN && days[1] < days[0])
		return api_fail(ctx, -ERR_VALIDATION_FAILED, "to is on or after from.",
				json_pack("{s:s}", "field", "to"));
	*from = days[0] == INT64_MIN ? INT64_MIN / 2 : dates_local_to_instant(days[0], 0);
	*to = days[1] == INT64_MIN ? INT64_MAX / 2 : dates_local_to_instant(days[1] + 1, 0);
	return 0;
}

int h_lot_sessions(struct api_ctx *ctx)
{
	const char *lot = api_param(ctx, 0);
	struct session_row *rows = NULL;
	size_t n = 0, len = strlen(lot);
	struct lot_query q = {.lot = lot, .limit = LOT_MAX + 1};
	char *prefix = NULL;
	if (utf8_chars(lot) > 100)
		return api_fail(ctx, -ERR_VALIDATION_FAILED,
				"A lot number has at most 100 characters.",
				json_pack("{s:s}", "field", "lot"));
	int err = lot_dates(ctx, &q.from, &q.to);
	if (err)
		return err;
	/* "LOT-2026-1*": every lot that starts with LOT-2026-1. */
	if (len && lot[len - 1] == '*') {
		prefix = xstrndup(lot, len - 1);
		if (utf8_chars(prefix) < LOT_PREFIX_MIN || strchr(prefix, '*')) {
			free(prefix);
			return api_fail(ctx, -ERR_VALIDATION_FAILED,
					"A prefix has at least 3 characters before one final *.",
					json_pack("{s:s}", "field", "lot"));
		}
		q.lot = prefix;
		q.prefix = true;
		q.limit = LOT_PREFIX_MAX + 1;
	}
	err = store_lot_sessions(ctx->db, &q, &rows, &n);
	if (!err)
		api_read_event(ctx, NULL, "lot", 0, lot);
	if (err) {
		if (rows)
			session_rows_free(rows, n);
		free(prefix);
		return err;
	}
	bool truncated = n == (size_t)q.limit;
	if (truncated)
		n--;
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, row_json(&rows[i], &q));
	session_rows_free(rows, truncated ? n + 1 : n);
	free(prefix);
	api_reply(ctx, 200,
		  json_pack("{s:o, s:I, s:b, s:b}", "items", items, "total", (json_int_t)n,
			    "prefix", q.prefix, "truncated", truncated));
	return 0;
}

int h_patient_sessions(struct api_ctx *ctx)
{
	int64_t pid = api_id(ctx, 0), limit;
	struct session_row *rows = NULL;
	size_t n = 0;
	int err = api_query_int(ctx, "limit", 1, 500, 100, &limit);
	if (err)
		return err;
	err = api_require_patient(ctx, pid, NULL, false);
	if (!err)
		err = store_patient_sessions(ctx->db, pid, (int)limit, &rows, &n);
	if (!err)
		api_read_patient(ctx, pid, "session history", 0);
	if (err) {
		if (rows)
			session_rows_free(rows, n);
		return err;
	}
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = row_json(&rows[i], NULL);
		json_object_set_new(o, "device", opt_str(rows[i].r.device));
		json_object_set_new(o, "areas", areas_json(&rows[i].r, false));
		json_object_set_new(o, "signed_at", opt_instant(rows[i].r.signed_at));
		json_array_append_new(items, o);
	}
	session_rows_free(rows, n);
	api_reply_list(ctx, items, (int64_t)n);
	return 0;
}
