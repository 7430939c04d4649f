/* Catalogs (everyone reads, admins edit), screenings and consents (clinical roles), and
 * whether a patient is bookable (everyone, without condition names for the front desk). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/clinical.h"
#include "api/handlers.h"
#include "store/catalog.h"
#include "store/patients.h"
#include "util/err.h"
#include "util/xalloc.h"

#define MAX_CONDITIONS 32

json_t *depth_json(int hmm)
{
	return json_real((double)hmm / 100.0);
}

int depth_parse(json_t *v, int *hmm)
{
	double d;
	if (json_is_integer(v))
		d = (double)json_integer_value(v);
	else if (json_is_real(v))
		d = json_real_value(v);
	else
		return -1;
	double scaled = d * 100.0;
	double r = nearbyint(scaled);
	/* At most two decimals: 1.35 is 134.99999999999997 after scaling, 1.355 is 135.5. */
	if (fabs(scaled - r) > 1e-6 || r < -1e9 || r > 1e9)
		return -1;
	*hmm = (int)r;
	return 0;
}

bool sees_clinical(const struct api_ctx *ctx)
{
	return api_role(ctx, ROLE_ADMIN | ROLE_PRACTITIONER);
}

json_t *condition_list_json(const struct api_ctx *ctx, const char *const *codes, size_t n)
{
	json_t *o = json_object();
	json_t *arr = json_array();
	if (sees_clinical(ctx)) {
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, json_string(codes[i]));
	} else {
		/* Minimum necessary (rule 12): the front desk learns that, not what. */
		json_object_set_new(o, "restricted", json_true());
	}
	json_object_set_new(o, "conditions", arr);
	json_object_set_new(o, "count", json_integer((json_int_t)n));
	return o;
}

/* ---- Catalogs ---- */

static json_t *condition_json(const struct condition *c)
{
	return json_pack("{s:s, s:s, s:s, s:b}", "code", c->code, "name", c->name, "severity",
			 severity_name(c->severity), "active", c->active);
}

json_t *treatment_type_json(const struct treatment_type *t)
{
	return json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:b}", "code", t->code, "name", t->name,
			 "default_sessions", t->default_sessions, "min_interval_days",
			 t->min_interval_days, "max_interval_days", t->max_interval_days,
			 "default_duration_min", t->default_duration_min, "uses_prp", t->uses_prp);
}

static json_t *area_json(const struct area *a)
{
	return json_pack("{s:s, s:s, s:o}", "code", a->code, "name", a->name, "max_depth_mm",
			 depth_json(a->max_depth_hmm));
}

int h_catalog_list(struct api_ctx *ctx)
{
	const char *which = api_param(ctx, 0);
	json_t *items = json_array();
	int err = db_begin_read(ctx->db);
	if (err) {
		json_decref(items);
		return err;
	}
	size_t n = 0;
	if (strcmp(which, "conditions") == 0) {
		struct condition *list = NULL;
		if ((err = store_conditions_list(ctx->db, &list, &n)) == 0) {
			for (size_t i = 0; i < n; i++)
				json_array_append_new(items, condition_json(&list[i]));
			conditions_free(list, n);
		}
	} else if (strcmp(which, "treatment-types") == 0) {
		struct treatment_type *list = NULL;
		if ((err = store_treatment_types_list(ctx->db, &list, &n)) == 0) {
			for (size_t i = 0; i < n; i++)
				json_array_append_new(items, treatment_type_json(&list[i]));
			treatment_types_free(list, n);
		}
	} else if (strcmp(which, "areas") == 0) {
		struct area *list = NULL;
		if ((err = store_areas_list(ctx->db, &list, &n)) == 0) {
			for (size_t i = 0; i < n; i++)
				json_array_append_new(items, area_json(&list[i]));
			areas_free(list, n);
		}
	} else {
		err = -ERR_NOT_FOUND;
	}
	db_rollback(ctx->db);
	if (err) {
		json_decref(items);
		return err;
	}
	api_reply_list(ctx, items, (int64_t)json_array_size(items));
	return 0;
}

static int check_code(struct api_ctx *ctx, const char *code)
{
	size_t n = strlen(code);
	if (n < 1 || n > 40 ||
	    strspn(code, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != n)
		return api_fail(ctx, -ERR_VALIDATION_FAILED,
				"A code has 1 to 40 letters, digits or underscores.",
				json_pack("{s:s}", "field", "code"));
	return 0;
}

int h_catalog_put(struct api_ctx *ctx)
{
	const char *which = api_param(ctx, 0), *code = api_param(ctx, 1), *name;
	json_t *body, *reply = NULL;
	int err;
	if ((err = api_body(ctx, &body)) || (err = check_code(ctx, code)))
		return err;
	if (strcmp(which, "conditions") == 0) {
		static const char *const allowed[] = {"name", "severity", "active", NULL};
		const char *sev;
		bool active = true;
		if ((err = jin_only(ctx, body, allowed)) ||
		    (err = jin_str(ctx, body, "name", true, 1, 100, &name)) ||
		    (err = jin_str(ctx, body, "severity", true, 1, 20, &sev)) ||
		    (err = jin_bool(ctx, body, "active", false, &active, NULL)))
			return err;
		if (!severity_parse(sev))
			return api_fail_field(ctx, "severity",
					      "severity is block, clearance or caution.");
		struct condition c = {(char *)code, (char *)name, severity_parse(sev), active};
		if ((err = api_tx_write(ctx)) != 0)
			return err;
		err = store_condition_put(ctx->db, &c);
		if (!err)
			err = api_audit(ctx, "update", "catalog_condition", 0, code);
		if ((err = api_tx_end(ctx, err)) == 0)
			reply = condition_json(&c);
	} else if (strcmp(which, "treatment-types") == 0) {
		static const char *const allowed[] = {"name",
						      "default_sessions",
						      "min_interval_days",
						      "max_interval_days",
						      "default_duration_min",
						      "uses_prp",
						      NULL};
		int64_t ds, mi, ma, dur;
		bool prp;
		if ((err = jin_only(ctx, body, allowed)) ||
		    (err = jin_str(ctx, body, "name", true, 1, 100, &name)) ||
		    (err = jin_int(ctx, body, "default_sessions", true, 1, 12, &ds, NULL)) ||
		    (err = jin_int(ctx, body, "min_interval_days", true, 1, 365, &mi, NULL)) ||
		    (err = jin_int(ctx, body, "max_interval_days", true, 1, 365, &ma, NULL)) ||
		    (err = jin_int(ctx, body, "default_duration_min", true, 5, APPT_MAX_MINUTES,
				   &dur, NULL)) ||
		    (err = jin_bool(ctx, body, "uses_prp", true, &prp, NULL)))
			return err;
		if (mi > ma)
			return api_fail_field(ctx, "max_interval_days",
					      "The longest interval is at least the shortest.");
		struct treatment_type t = {(char *)code, (char *)name, (int)ds, (int)mi,
					   (int)ma,	 (int)dur,     prp};
		if ((err = api_tx_write(ctx)) != 0)
			return err;
		err = store_treatment_type_put(ctx->db, &t);
		if (!err)
			err = api_audit(ctx, "update", "catalog_treatment_type", 0, code);
		if ((err = api_tx_end(ctx, err)) == 0)
			reply = treatment_type_json(&t);
	} else if (strcmp(which, "areas") == 0) {
		static const char *const allowed[] = {"name", "max_depth_mm", NULL};
		int hmm = 0;
		if ((err = jin_only(ctx, body, allowed)) ||
		    (err = jin_str(ctx, body, "name", true, 1, 100, &name)))
			return err;
		if (depth_parse(json_object_get(body, "max_depth_mm"), &hmm) != 0 || hmm < 20 ||
		    hmm > 300)
			return api_fail_field(
			    ctx, "max_depth_mm",
			    "max_depth_mm is 0.2 to 3.0 mm with at most two decimals.");
		struct area a = {(char *)code, (char *)name, hmm};
		if ((err = api_tx_write(ctx)) != 0)
			return err;
		err = store_area_put(ctx->db, &a);
		if (!err)
			err = api_audit(ctx, "update", "catalog_area", 0, code);
		if ((err = api_tx_end(ctx, err)) == 0)
			reply = area_json(&a);
	} else {
		return -ERR_NOT_FOUND;
	}
	if (err)
		return err;
	api_reply(ctx, 200, reply);
	return 0;
}

/* ---- Screening ---- */

int load_gate_conditions(struct api_ctx *ctx, const struct screening *s,
			 struct screened_condition **out, size_t *n)
{
	struct condition *cat = NULL;
	size_t ncat = 0;
	/* Most screenings list no condition: then the catalog is not needed. */
	int err = s->nconditions ? store_conditions_list(ctx->db, &cat, &ncat) : 0;
	if (err)
		return err;
	struct screened_condition *list = xcalloc(s->nconditions + 1, sizeof *list);
	size_t k = 0;
	for (size_t i = 0; i < s->nconditions; i++) {
		int sev = SEV_CAUTION;
		for (size_t j = 0; j < ncat; j++)
			if (strcmp(cat[j].code, s->conditions[i]) == 0)
				sev = cat[j].severity;
		bool cleared = false;
		for (size_t j = 0; j < s->nclearances; j++)
			if (strcmp(s->clearances[j].condition, s->conditions[i]) == 0)
				cleared = true;
		list[k].code = s->conditions[i];
		list[k].severity = sev;
		list[k].cleared = cleared;
		k++;
	}
	conditions_free(cat, ncat);
	*out = list;
	*n = k;
	return 0;
}

static json_t *screening_json(struct api_ctx *ctx, const struct screening *s)
{
	json_t *conds = json_array(), *clears = json_array();
	for (size_t i = 0; i < s->nconditions; i++)
		json_array_append_new(conds, json_string(s->conditions[i]));
	for (size_t i = 0; i < s->nclearances; i++) {
		const struct clearance *c = &s->clearances[i];
		json_array_append_new(clears, json_pack("{s:s, s:s, s:o, s:s}", "condition",
							c->condition, "cleared_by", c->cleared_by,
							"cleared_at", api_instant(c->cleared_at),
							"note", c->note ? c->note : ""));
	}
	json_t *o = json_pack(
	    "{s:I, s:I, s:o, s:I, s:o, s:o}", "id", (json_int_t)s->id, "patient_id",
	    (json_int_t)s->patient_id, "recorded_at", api_instant(s->recorded_at), "recorded_by",
	    (json_int_t)s->recorded_by, "conditions", conds, "clearances", clears);
	json_object_set_new(o, "notes", s->notes ? json_string(s->notes) : json_null());
	struct screened_condition *sc = NULL;
	size_t nsc = 0;
	if (load_gate_conditions(ctx, s, &sc, &nsc) == 0) {
		json_t *blocked = json_array(), *needs = json_array(), *caution = json_array();
		for (size_t i = 0; i < nsc; i++) {
			json_t *target = sc[i].severity == SEV_BLOCK	 ? blocked
					 : sc[i].severity == SEV_CAUTION ? caution
					 : sc[i].cleared		 ? NULL
									 : needs;
			if (target)
				json_array_append_new(target, json_string(sc[i].code));
		}
		json_object_set_new(o, "blocking", blocked);
		json_object_set_new(o, "needs_clearance", needs);
		json_object_set_new(o, "cautions", caution);
		free(sc);
	}
	return o;
}

/* The patient must exist; writes also need them not archived. */
int require_patient(struct api_ctx *ctx, int64_t id, bool for_write)
{
	struct patient p;
	int err = store_patient_get(ctx->db, id, &p);
	if (err)
		return err == -ERR_NOT_FOUND ? api_fail(ctx, err, "No such patient.", NULL) : err;
	bool archived = p.archived;
	patient_cleanup(&p);
	if (for_write && archived)
		return api_fail(ctx, -ERR_PATIENT_ARCHIVED, "The patient is archived.", NULL);
	return 0;
}

int h_screenings_create(struct api_ctx *ctx)
{
	static const char *const allowed[] = {"conditions", "clearances", "notes", NULL};
	static const char *const clear_allowed[] = {"condition", "cleared_by", "note", NULL};
	json_t *body, *arr, *v;
	const char *notes;
	size_t i;
	int err;
	int64_t pid = api_id(ctx, 0);
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_str(ctx, body, "notes", false, 0, 2000, &notes)))
		return err;
	arr = json_object_get(body, "conditions");
	if (!json_is_array(arr) || json_array_size(arr) > MAX_CONDITIONS)
		return api_fail_field(
		    ctx, "conditions",
		    "conditions is a list of the condition codes present ([] for none).");
	json_t *clears = json_object_get(body, "clearances");
	if (clears && !json_is_null(clears) &&
	    (!json_is_array(clears) || json_array_size(clears) > MAX_CONDITIONS))
		return api_fail_field(ctx, "clearances", "clearances is a list.");

	struct screening s;
	memset(&s, 0, sizeof s);
	s.patient_id = pid;
	s.recorded_at = (int64_t)time(NULL);
	s.recorded_by = ctx->me.id;
	s.notes = xstrdup_or_null(notes);
	s.conditions = xcalloc(json_array_size(arr) + 1, sizeof *s.conditions);
	size_t nclears = json_is_array(clears) ? json_array_size(clears) : 0;
	s.clearances = xcalloc(nclears + 1, sizeof *s.clearances);

	if ((err = api_tx_write(ctx)) != 0)
		goto out;
	err = require_patient(ctx, pid, true);
	json_array_foreach(arr, i, v)
	{
		if (err)
			break;
		struct condition c;
		if (!json_is_string(v)) {
			err = api_fail_field(ctx, "conditions", "Each condition is a code string.");
			break;
		}
		const char *code = json_string_value(v);
		if (strlen(code) > 40 || store_condition_get(ctx->db, code, &c) != 0) {
			err = api_fail(ctx, -ERR_VALIDATION_FAILED, "Unknown condition code.",
				       json_pack("{s:s, s:s%}", "field", "conditions", "code", code,
						 strnlen(code, 40)));
			break;
		}
		condition_cleanup(&c);
		if (str_in(code, s.conditions, s.nconditions)) {
			err = api_fail_field(ctx, "conditions", "A condition is listed twice.");
			break;
		}
		s.conditions[s.nconditions++] = xstrdup(code);
	}
	for (i = 0; !err && i < nclears; i++) {
		json_t *c = json_array_get(clears, i);
		const char *cond, *by, *note;
		if (!json_is_object(c)) {
			err = api_fail_field(ctx, "clearances", "Each clearance is an object.");
			break;
		}
		if ((err = jin_only(ctx, c, clear_allowed)) ||
		    (err = jin_str(ctx, c, "condition", true, 1, 40, &cond)) ||
		    (err = jin_str(ctx, c, "cleared_by", true, 1, 100, &by)) ||
		    (err = jin_str(ctx, c, "note", false, 0, 1000, &note)))
			break;
		struct condition cat;
		if (!str_in(cond, s.conditions, s.nconditions) ||
		    store_condition_get(ctx->db, cond, &cat) != 0) {
			err = api_fail_field(ctx, "clearances",
					     "A clearance names a condition listed in conditions.");
			break;
		}
		bool needs = cat.severity == SEV_CLEARANCE;
		condition_cleanup(&cat);
		if (!needs) {
			err = api_fail_field(
			    ctx, "clearances",
			    "Only conditions that need a doctor's clearance take one.");
			break;
		}
		struct clearance *cl = &s.clearances[s.nclearances++];
		cl->condition = xstrdup(cond);
		cl->cleared_by = xstrdup(by);
		cl->cleared_at = s.recorded_at;
		cl->note = xstrdup(note ? note : "");
	}
	if (!err)
		err = store_screening_insert(ctx->db, &s);
	if (!err)
		err = api_audit(ctx, "create", "screening", s.id, NULL);
	if ((err = api_tx_end(ctx, err)) != 0)
		goto out;
	char loc[96];
	snprintf(loc, sizeof loc, "/api/v1/patients/%lld/screenings", (long long)pid);
	if ((err = db_begin_read(ctx->db)) != 0)
		goto out;
	json_t *o = screening_json(ctx, &s);
	db_rollback(ctx->db);
	api_reply_created(ctx, o, loc);
out:
	screening_cleanup(&s);
	return err;
}

int h_screenings_list(struct api_ctx *ctx)
{
	int64_t pid = api_id(ctx, 0);
	struct screening *list = NULL;
	size_t n = 0;
	int err = db_begin_read(ctx->db);
	if (err)
		return err;
	err = require_patient(ctx, pid, false);
	if (!err)
		err = store_screening_list(ctx->db, pid, &list, &n);
	json_t *items = json_array();
	for (size_t i = 0; !err && i < n; i++)
		json_array_append_new(items, screening_json(ctx, &list[i]));
	if (list)
		screenings_free(list, n);
	db_rollback(ctx->db);
	if (!err)
		err = api_audit_read(ctx, "screening", pid, "list");
	if (err) {
		json_decref(items);
		return err;
	}
	api_reply_list(ctx, items, (int64_t)n);
	return 0;
}

int evaluate_gate(struct api_ctx *ctx, int64_t patient_id, int kind, int64_t at,
		  struct gate_eval *g)
{
	struct patient p;
	struct gate_input in;
	struct cdate birth;
	memset(g, 0, sizeof *g);
	memset(&in, 0, sizeof in);
	int err = store_patient_get(ctx->db, patient_id, &p);
	if (err)
		return err;
	int bad = dates_parse_date(p.date_of_birth, &birth);
	patient_cleanup(&p);
	if (bad)
		return -ERR_INTERNAL;
	in.kind = kind;
	in.birth = birth;
	in.on = dates_local_date(at);
	size_t nsc = 0;
	err = store_screening_latest(ctx->db, patient_id, &g->s);
	if (err == -ERR_NOT_FOUND) {
		err = 0;
	} else if (!err) {
		in.has_screening = true;
		err = load_gate_conditions(ctx, &g->s, &g->sc, &nsc);
	}
	if (err) {
		gate_eval_cleanup(g);
		return err;
	}
	in.conds = g->sc;
	in.nconds = nsc;
	g->verdict = rules_gate(&in, &g->res);
	return 0;
}

void gate_eval_cleanup(struct gate_eval *g)
{
	free(g->sc);
	screening_cleanup(&g->s);
	memset(g, 0, sizeof *g);
}

int h_bookable(struct api_ctx *ctx)
{
	int64_t pid = api_id(ctx, 0);
	struct gate_eval g;
	bool archived = false;
	memset(&g, 0, sizeof g);
	int err = db_begin_read(ctx->db);
	if (err)
		return err;
	err = require_patient(ctx, pid, false);
	if (!err) {
		struct patient p;
		if ((err = store_patient_get(ctx->db, pid, &p)) == 0) {
			archived = p.archived;
			patient_cleanup(&p);
		}
	}
	if (!err)
		err = evaluate_gate(ctx, pid, KIND_TREATMENT, (int64_t)time(NULL), &g);
	db_rollback(ctx->db);
	if (!err && sees_clinical(ctx))
		err = api_audit_read(ctx, "screening", pid, "bookable");
	if (err) {
		gate_eval_cleanup(&g);
		return err;
	}
	const struct gate_result *res = &g.res;
	json_t *reasons = json_array();
	if (archived)
		json_array_append_new(reasons, json_string("patient_archived"));
	if (g.verdict)
		json_array_append_new(reasons, json_string(err_wire(g.verdict)));
	json_t *o = json_pack("{s:b, s:o, s:b}", "bookable", json_array_size(reasons) == 0,
			      "reasons", reasons, "caution", res->ncautions > 0);
	json_t *cautions = json_array();
	if (sees_clinical(ctx)) {
		for (size_t i = 0; i < res->ncautions; i++)
			json_array_append_new(cautions, json_string(res->cautions[i]));
		json_t *blocked = json_array(), *needs = json_array();
		for (size_t i = 0; i < res->nblocked; i++)
			json_array_append_new(blocked, json_string(res->blocked[i]));
		for (size_t i = 0; i < res->nneeds_clearance; i++)
			json_array_append_new(needs, json_string(res->needs_clearance[i]));
		json_object_set_new(o, "conditions", blocked);
		json_object_set_new(o, "needs_clearance", needs);
	}
	json_object_set_new(o, "cautions", cautions);
	gate_eval_cleanup(&g);
	api_reply(ctx, 200, o);
	return 0;
}

/* ---- Consent ---- */

static json_t *consent_json(const struct consent *c)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:I}", "id", (json_int_t)c->id,
			 "patient_id", (json_int_t)c->patient_id, "treatment_type",
			 c->treatment_type, "form_version", c->form_version, "signed_name",
			 c->signed_name, "signed_at", api_instant(c->signed_at), "recorded_by",
			 (json_int_t)c->recorded_by);
}

int h_consents_create(struct api_ctx *ctx)
{
	static const char *const allowed[] = {"treatment_type", "form_version", "signed_name",
					      NULL};
	json_t *body;
	const char *tt, *fv, *name;
	int err;
	int64_t pid = api_id(ctx, 0);
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_str(ctx, body, "treatment_type", true, 1, 40, &tt)) ||
	    (err = jin_str(ctx, body, "form_version", true, 1, 40, &fv)) ||
	    (err = jin_str(ctx, body, "signed_name", true, 1, 100, &name)))
		return err;
	struct consent c = {.patient_id = pid,
			    .treatment_type = (char *)tt,
			    .form_version = (char *)fv,
			    .signed_name = (char *)name,
			    .signed_at = (int64_t)time(NULL),
			    .recorded_by = ctx->me.id};
	struct treatment_type t;
	if ((err = api_tx_write(ctx)) != 0)
		return err;
	err = require_patient(ctx, pid, true);
	if (!err) {
		err = store_treatment_type_get(ctx->db, tt, &t);
		if (err == -ERR_NOT_FOUND)
			err = api_fail_field(ctx, "treatment_type", "Unknown treatment type.");
		else if (!err)
			treatment_type_cleanup(&t);
	}
	if (!err)
		err = store_consent_insert(ctx->db, &c);
	if (!err)
		err = api_audit(ctx, "create", "consent", c.id, tt);
	if ((err = api_tx_end(ctx, err)) != 0)
		return err;
	char loc[96];
	snprintf(loc, sizeof loc, "/api/v1/patients/%lld/consents", (long long)pid);
	api_reply_created(ctx, consent_json(&c), loc);
	return 0;
}

int h_consents_list(struct api_ctx *ctx)
{
	int64_t pid = api_id(ctx, 0);
	struct consent *list = NULL;
	size_t n = 0;
	int err = db_begin_read(ctx->db);
	if (err)
		return err;
	err = require_patient(ctx, pid, false);
	if (!err)
		err = store_consent_list(ctx->db, pid, &list, &n);
	db_rollback(ctx->db);
	if (!err)
		err = api_audit_read(ctx, "consent", pid, "list");
	if (err) {
		if (list)
			consents_free(list, n);
		return err;
	}
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, consent_json(&list[i]));
	consents_free(list, n);
	api_reply_list(ctx, items, (int64_t)n);
	return 0;
}
