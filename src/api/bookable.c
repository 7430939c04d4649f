/* Whether a patient can be booked for a treatment now: every role asks, and the front desk
 * learns the reasons without the condition names. */
#include <time.h>

#include "api/clinical.h"
#include "api/handlers.h"
#include "domain/booking.h"
#include "store/booking.h"
#include "util/clock.h"
#include "util/err.h"

int h_bookable(struct api_ctx *ctx)
{
	int64_t pid = api_id(ctx, 0);
	struct safety_facts f;
	struct gate_result res;
	int err = store_safety_facts(ctx->db, pid, &f);
	if (err)
		return err;
	if (!f.found) {
		safety_facts_cleanup(&f);
		return api_fail(ctx, -ERR_NOT_FOUND, "No such patient.", NULL);
	}
	int verdict = rules_safety(&f, KIND_TREATMENT, clock_now(), &res);
	if (verdict == -ERR_INTERNAL) {
		safety_facts_cleanup(&f);
		return verdict;
	}
	struct visibility vis = api_visibility(ctx);
	/* Derived from the screening: a read of clinical data, whoever asks. */
	api_read_patient(ctx, pid, "bookable", 0);
	json_t *reasons = json_array();
	if (f.archived)
		json_array_append_new(reasons, json_string("patient_archived"));
	if (verdict)
		json_array_append_new(reasons, json_string(err_wire(verdict)));
	json_t *o = json_pack("{s:b, s:o, s:b}", "bookable", json_array_size(reasons) == 0,
			      "reasons", reasons, "caution", res.ncautions > 0);
	if (vis.condition_names) {
		json_object_set_new(o, "conditions", api_codes_json(res.blocked, res.nblocked));
		json_object_set_new(o, "needs_clearance",
				    api_codes_json(res.needs_clearance, res.nneeds_clearance));
		json_object_set_new(o, "cautions", api_codes_json(res.cautions, res.ncautions));
	} else {
		json_object_set_new(o, "cautions", json_array());
	}
	safety_facts_cleanup(&f);
	api_reply(ctx, 200, o);
	return 0;
}
