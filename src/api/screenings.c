/* Screenings for contraindications (clinical roles): recorded as new rows, the latest
 * counts; each answer shows which conditions block, need a clearance or call for care. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/clinical.h"
#include "api/handlers.h"
#include "domain/booking.h"
#include "domain/screening.h"
#include "store/catalog.h"
#include "store/resolutions.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/xalloc.h"

#define MAX_CONDITIONS 32

json_t *condition_list_json(const struct api_ctx *ctx, const char *const *codes, size_t n)
{
	json_t *o = json_object();
	json_t *arr = json_array();
	if (api_visibility(ctx).condition_names) {
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, json_string(codes[i]));
	} else {
		/* Minimum necessary (RULES.md rule 12): the front desk learns that, not what. */
		json_object_set_new(o, "restricted", json_true());
	}
	json_object_set_new(o, "conditions", arr);
	json_object_set_new(o, "count", json_integer((json_int_t)n));
	return o;
}

json_t *api_codes_json(const char *const *codes, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_string(codes[i]));
	return arr;
}

/* A screening with its conditions sorted by what they mean for a booking. A catalog that
 * cannot be read fails the answer: a safety flag never goes missing quietly. */
static int screening_json(struct api_ctx *ctx, const struct screening *s, json_t **out)
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
	struct condition *cat = NULL;
	size_t ncat = 0;
	int err = store_conditions_list(ctx->db, &cat, &ncat);
	if (err) {
		json_decref(o);
		return err;
	}
	struct screened_condition *sc = xcalloc(s->nconditions + 1, sizeof *sc);
	rules_screened_conditions(s, cat, ncat, sc);
	struct gate_input in = {.kind = KIND_CONSULTATION, .conds = sc, .nconds = s->nconditions};
	struct gate_result g;
	(void)rules_gate(&in, &g);
	json_object_set_new(o, "blocking", api_codes_json(g.blocked, g.nblocked));
	json_object_set_new(o, "needs_clearance",
			    api_codes_json(g.needs_clearance, g.nneeds_clearance));
	json_object_set_new(o, "cautions", api_codes_json(g.cautions, g.ncautions));
	free(sc);
	conditions_free(cat, ncat);
	char **resolved = NULL;
	size_t nresolved = 0;
	if ((err = store_resolutions_list(ctx->db, s->id, &resolved, &nresolved)) != 0) {
		json_decref(o);
		return err;
	}
	json_object_set_new(o, "resolved",
			    api_codes_json((const char *const *)resolved, nresolved));
	for (size_t i = 0; i < nresolved; i++)
		free(resolved[i]);
	free(resolved);
	*out = o;
	return 0;
}

/* "resolved: a, b" for the audit trail. */
static const char *resolved_detail(char *const *codes, size_t n, char *out, size_t cap)
{
	size_t len = (size_t)snprintf(out, cap, "resolved:");
	for (size_t i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s %s", i ? "," : "", codes[i]);
	return out;
}

/* RULES.md rule 42: each condition of the latest screening that s leaves out is named in
 * resolved, or the screening is refused with the ones that are not. */
static int check_dropped(struct api_ctx *ctx, const struct screening *s, char *const *resolved,
			 size_t nresolved)
{
	struct screening prev;
	int err = store_screening_latest(ctx->db, s->patient_id, &prev);
	if (err == -ERR_NOT_FOUND) {
		memset(&prev, 0, sizeof prev);
		err = 0;
	}
	if (err)
		return err;
	const char **dropped = xcalloc(prev.nconditions + 1, sizeof *dropped);
	size_t ndropped = 0;
	const char *bad = NULL;
	if (rules_screening_dropped(prev.conditions, prev.nconditions, s->conditions,
				    s->nconditions, resolved, nresolved, dropped, &ndropped,
				    &bad) != 0) {
		if (bad)
			err = api_fail(
			    ctx, -ERR_VALIDATION_FAILED,
			    "resolved names a condition the last screening did not record, "
			    "or one this screening still lists.",
			    json_pack("{s:s, s:s}", "field", "resolved", "code", bad));
		else
			err = api_fail(
			    ctx, -ERR_VALIDATION_FAILED,
			    "Conditions of the last screening are missing: tick them again, "
			    "or confirm each as resolved.",
			    json_pack("{s:s, s:o}", "field", "conditions", "dropped",
				      api_codes_json(dropped, ndropped)));
	}
	free(dropped);
	screening_cleanup(&prev);
	return err;
}

int h_screenings_create(struct api_ctx *ctx)
{
	static const char *const allowed[] = {"conditions", "clearances", "resolved", "notes",
					      NULL};
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
	json_t *res = json_object_get(body, "resolved");
	if (json_is_null(res))
		res = NULL;
	if (res && (!json_is_array(res) || json_array_size(res) > MAX_CONDITIONS))
		return api_fail_field(ctx, "resolved",
				      "resolved lists the earlier conditions that are gone.");
	char *resolved[MAX_CONDITIONS];
	char detail[MAX_CONDITIONS * 44 + 16];
	size_t nresolved = 0;
	json_array_foreach(res, i, v)
	{
		if (!json_is_string(v) || json_string_length(v) > 40)
			return api_fail_field(ctx, "resolved", "Each entry is a condition code.");
		if (str_in(json_string_value(v), resolved, nresolved))
			return api_fail_field(ctx, "resolved", "A condition is listed twice.");
		resolved[nresolved++] = (char *)json_string_value(v);
	}

	struct screening s;
	memset(&s, 0, sizeof s);
	s.patient_id = pid;
	s.recorded_at = clock_now();
	s.recorded_by = ctx->me.id;
	s.notes = xstrdup_or_null(notes);
	s.conditions = xcalloc(json_array_size(arr) + 1, sizeof *s.conditions);
	size_t nclears = json_is_array(clears) ? json_array_size(clears) : 0;
	s.clearances = xcalloc(nclears + 1, sizeof *s.clearances);

	err = api_require_patient(ctx, pid, NULL, true);
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
		err = check_dropped(ctx, &s, resolved, nresolved);
	if (!err)
		err = store_screening_insert(ctx->db, &s);
	if (!err)
		err = store_resolutions_insert(ctx->db, s.id, resolved, nresolved);
	if (!err)
		err = api_audit(
		    ctx, "create", "screening", s.id,
		    nresolved ? resolved_detail(resolved, nresolved, detail, sizeof detail) : NULL);
	if (err)
		goto out;
	json_t *o;
	if ((err = screening_json(ctx, &s, &o)) != 0)
		goto out;
	api_reply_created(ctx, o, "/api/v1/patients/", pid, "/screenings");
out:
	screening_cleanup(&s);
	return err;
}

int h_screenings_list(struct api_ctx *ctx)
{
	int64_t pid = api_id(ctx, 0);
	struct screening *list = NULL;
	size_t n = 0;
	int err = api_require_patient(ctx, pid, NULL, false);
	if (!err)
		err = store_screening_list(ctx->db, pid, &list, &n);
	json_t *items = json_array();
	for (size_t i = 0; !err && i < n; i++) {
		json_t *o;
		if ((err = screening_json(ctx, &list[i], &o)) == 0)
			json_array_append_new(items, o);
	}
	if (list)
		screenings_free(list, n);
	if (!err)
		api_read_patient(ctx, pid, "screenings", 0);
	if (err) {
		json_decref(items);
		return err;
	}
	api_reply_list(ctx, items, (int64_t)n);
	return 0;
}
