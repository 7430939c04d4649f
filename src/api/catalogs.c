/* The catalogs of conditions, treatment types and areas: everyone reads, admins edit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/clinical.h"
#include "api/handlers.h"
#include "domain/session.h"
#include "store/catalog.h"
#include "util/err.h"
#include "util/xalloc.h"

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
	return decimal_from_double(d, 2, hmm) ? 0 : -1;
}

static json_t *condition_json(const struct condition *c)
{
	return json_pack("{s:s, s:s, s:s, s:b}", "code", c->code, "name", c->name, "severity",
			 severity_name(c->severity), "active", c->active);
}

json_t *treatment_type_json(const struct treatment_type *t)
{
	return json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:b, s:i, s:s, s:s?}", "code", t->code,
			 "name", t->name, "default_sessions", t->default_sessions,
			 "min_interval_days", t->min_interval_days, "max_interval_days",
			 t->max_interval_days, "default_duration_min", t->default_duration_min,
			 "uses_prp", t->uses_prp, "max_sessions", t->max_sessions, "room_kind",
			 room_kind_name(t->room_kind ? t->room_kind : ROOM_TREATMENT),
			 "aftercare_text", t->aftercare_text);
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
	int err = 0;
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

#define AFTERCARE_MAX 2000

/* A type's aftercare text from body: *text NULL and *given false when the key is left
 * out (the stored text stays), NULL when null (the template's general advice), else 1 to
 * AFTERCARE_MAX characters whose only control characters are line breaks. */
static int read_aftercare(struct api_ctx *ctx, json_t *body, const char **text, bool *given)
{
	json_t *v = json_object_get(body, "aftercare_text");
	*text = NULL;
	*given = v != NULL;
	if (!v || json_is_null(v))
		return 0;
	static const char *const field = "aftercare_text";
	if (!json_is_string(v))
		return api_fail_field(ctx, field, "aftercare_text is a string or null.");
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v))
		return api_fail_field(ctx, field, "aftercare_text contains control characters.");
	for (const char *c = s; *c; c++)
		if (((unsigned char)*c < 0x20 && *c != '\n' && *c != '\r') || *c == 0x7f)
			return api_fail_field(ctx, field,
					      "aftercare_text contains control characters.");
	size_t n = utf8_chars(s);
	if (n < 1 || n > AFTERCARE_MAX)
		return api_fail_field(ctx, field,
				      "aftercare_text has 1 to 2000 characters, or is null.");
	*text = s;
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
		err = store_condition_put(ctx->db, &c);
		if (!err)
			err = api_audit(ctx, "update", "catalog_condition", 0, code);
		if (!err)
			reply = condition_json(&c);
	} else if (strcmp(which, "treatment-types") == 0) {
		static const char *const allowed[] = {"name",
						      "default_sessions",
						      "min_interval_days",
						      "max_interval_days",
						      "default_duration_min",
						      "uses_prp",
						      "max_sessions",
						      "room_kind",
						      "aftercare_text",
						      NULL};
		int64_t ds, mi, ma, dur, most = 6;
		const char *room_kind = NULL, *care = NULL;
		bool prp, care_given = false;
		if ((err = jin_only(ctx, body, allowed)) ||
		    (err = jin_str(ctx, body, "name", true, 1, 100, &name)) ||
		    (err = jin_int(ctx, body, "default_sessions", true, 1, 12, &ds, NULL)) ||
		    (err = jin_int(ctx, body, "min_interval_days", true, 1, 365, &mi, NULL)) ||
		    (err = jin_int(ctx, body, "max_interval_days", true, 1, 365, &ma, NULL)) ||
		    (err = jin_int(ctx, body, "default_duration_min", true, 5, APPT_MAX_MINUTES,
				   &dur, NULL)) ||
		    (err = jin_bool(ctx, body, "uses_prp", true, &prp, NULL)) ||
		    (err = jin_int(ctx, body, "max_sessions", false, 1, 12, &most, NULL)) ||
		    (err = jin_str(ctx, body, "room_kind", false, 1, 20, &room_kind)) ||
		    (err = read_aftercare(ctx, body, &care, &care_given)))
			return err;
		int rk = room_kind ? room_kind_parse(room_kind) : ROOM_TREATMENT;
		if (!rk)
			return api_fail_field(ctx, "room_kind",
					      "room_kind is consultation or treatment.");
		if (mi > ma)
			return api_fail_field(ctx, "max_interval_days",
					      "The longest interval is at least the shortest.");
		if (ds > most)
			return api_fail_field(
			    ctx, "max_sessions",
			    "The default number of sessions is at most the maximum.");
		/* Left out, the aftercare text stays as it is. */
		struct treatment_type old;
		memset(&old, 0, sizeof old);
		if (!care_given) {
			err = store_treatment_type_get(ctx->db, code, &old);
			if (err && err != -ERR_NOT_FOUND)
				return err;
			care = old.aftercare_text;
		}
		struct treatment_type t = {.code = (char *)code,
					   .name = (char *)name,
					   .default_sessions = (int)ds,
					   .min_interval_days = (int)mi,
					   .max_interval_days = (int)ma,
					   .default_duration_min = (int)dur,
					   .uses_prp = prp,
					   .max_sessions = (int)most,
					   .room_kind = rk,
					   .aftercare_text = (char *)care};
		err = store_treatment_type_put(ctx->db, &t);
		if (!err)
			err = api_audit(ctx, "update", "catalog_treatment_type", 0, code);
		if (!err)
			reply = treatment_type_json(&t);
		treatment_type_cleanup(&old);
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
		err = store_area_put(ctx->db, &a);
		if (!err)
			err = api_audit(ctx, "update", "catalog_area", 0, code);
		if (!err)
			reply = area_json(&a);
	} else {
		return -ERR_NOT_FOUND;
	}
	if (err)
		return err;
	api_reply(ctx, 200, reply);
	return 0;
}
