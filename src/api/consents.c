/* Consents to a treatment type (clinical roles): who signed which form version, when. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/clinical.h"
#include "api/handlers.h"
#include "store/catalog.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/xalloc.h"

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
			    .signed_at = clock_now(),
			    .recorded_by = ctx->me.id};
	struct treatment_type t;
	err = api_require_patient(ctx, pid, NULL, true);
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
	if (err)
		return err;
	api_reply_created(ctx, consent_json(&c), "/api/v1/patients/", pid, "/consents");
	return 0;
}

int h_consents_list(struct api_ctx *ctx)
{
	int64_t pid = api_id(ctx, 0);
	struct consent *list = NULL;
	size_t n = 0;
	int err = api_require_patient(ctx, pid, NULL, false);
	if (!err)
		err = store_consent_list(ctx->db, pid, &list, &n);
	if (!err)
		api_read_patient(ctx, pid, "consents", 0);
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
