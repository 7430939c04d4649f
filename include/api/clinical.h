/* Helpers the clinical API files share: depths on the wire, what the front desk may see,
 * the safety gate, plan progress and what follows a change to a plan's sessions. */
#ifndef COLLAGENDA_API_CLINICAL_H
#define COLLAGENDA_API_CLINICAL_H

#include <jansson.h>

#include "api/api.h"
#include "domain/clinical.h"
#include "domain/schedule.h"
#include "domain/visibility.h"
#include "store/schedule.h"

/* A depth in hundredths of a mm as a JSON number with at most two decimals. */
json_t *depth_json(int hmm);
/* Reads a JSON number with at most two decimals into hundredths; -1 otherwise. */
int depth_parse(json_t *v, int *hmm);

/* What the logged-in user may see of clinical data (domain/visibility.h). */
struct visibility api_visibility(const struct api_ctx *ctx);

/* {"conditions":[codes], "count":n} for those who may see condition names; for the front
 * desk the list is empty and "restricted": true. */
json_t *condition_list_json(const struct api_ctx *ctx, const char *const *codes, size_t n);
/* A JSON array of the n codes. */
json_t *api_codes_json(const char *const *codes, size_t n);

json_t *treatment_type_json(const struct treatment_type *t);

/*
 * A record the request names must exist. field NULL means the path named it: 404
 * not_found when it does not exist. Otherwise the body's field named it: 422
 * validation_failed with details.field. For a write, an archived patient is 409
 * patient_archived. A practitioner named in a body must be an active user with the
 * practitioner role; one named by the path must have the role. A room named in a body
 * must be in use.
 */
int api_require_patient(struct api_ctx *ctx, int64_t id, const char *field, bool for_write)
    __attribute__((warn_unused_result));
int api_require_practitioner(struct api_ctx *ctx, int64_t id, const char *field)
    __attribute__((warn_unused_result));

/* A plan with its areas and progress, as the API shows it: as JSON text, and the same as a
 * value. */
void plan_write(struct buf *b, const struct plan *p, const struct plan_progress *prog);
json_t *plan_json(const struct plan *p, const struct plan_progress *prog);

/* After a plan's sessions change: renumbers them, and completes the plan once its
 * planned sessions are all completed. Inside the caller's write transaction. */
int plan_sessions_changed(struct api_ctx *ctx, int64_t plan_id) __attribute__((warn_unused_result));

/* An appointment as JSON text: with patient, practitioner and room names and "k of N"
 * when names (v read from a list), and "cautions" and "warnings" when given. The one
 * writer of an appointment. */
void appt_write(struct buf *b, const struct appt_view *v, bool names, const json_t *cautions,
		const json_t *warnings);

/* Moves appointment a to status to under RULES.md rule 7 and writes it, its audit event
 * (detail, or "late" for a late cancellation) and its plan's new numbering; reason is
 * kept for cancellations. Inside the caller's write transaction. */
int api_appt_set_status(struct api_ctx *ctx, struct appointment *a, int to, const char *reason,
			const char *detail) __attribute__((warn_unused_result));

/* Calls fn for every appointment f selects, in start order, reading them a page of
 * f.limit at a time (f.limit is the page size), so that a long future is never cut
 * short. Stops at fn's first error and returns it. */
int api_each_appointment(struct api_ctx *ctx, struct appt_filter f,
			 int (*fn)(struct api_ctx *ctx, const struct appt_view *v, void *arg),
			 void *arg) __attribute__((warn_unused_result));

/* A date (clinic-local day number) as a JSON "YYYY-MM-DD" string. */
json_t *day_json(int64_t day);

#endif
