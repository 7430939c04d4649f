/* Helpers the clinical API files share: depths on the wire, what the front desk may see,
 * the safety gate, plan progress and what follows a change to a plan's sessions. */
#ifndef COLLAGENDA_API_CLINICAL_H
#define COLLAGENDA_API_CLINICAL_H

#include <jansson.h>

#include "api/api.h"
#include "domain/clinical.h"
#include "domain/schedule.h"

/* A depth in hundredths of a mm as a JSON number with at most two decimals. */
json_t *depth_json(int hmm);
/* Reads a JSON number with at most two decimals into hundredths; -1 otherwise. */
int depth_parse(json_t *v, int *hmm);

/* True for practitioners and admins, who may see clinical details (rule 12). */
bool sees_clinical(const struct api_ctx *ctx);

/* {"conditions":[codes], "count":n} for clinical roles; for the front desk the list is
 * empty and "restricted": true. */
json_t *condition_list_json(const struct api_ctx *ctx, const char *const *codes, size_t n);

json_t *treatment_type_json(const struct treatment_type *t);

/* 0 when patient id exists (and, for writes, is not archived); 404 / 409 otherwise. */
int require_patient(struct api_ctx *ctx, int64_t id, bool for_write)
    __attribute__((warn_unused_result));

/* The severities and clearances of a screening's conditions (codes borrowed from s). */
int load_gate_conditions(struct api_ctx *ctx, const struct screening *s,
			 struct screened_condition **out, size_t *n)
    __attribute__((warn_unused_result));

/* Rules 1 and 2 for a patient, a kind and a time: res and verdict (0 or the rule's
 * error). The result's strings live until gate_eval_cleanup. */
struct gate_eval {
	struct gate_result res;
	int verdict;
	struct screening s;
	struct screened_condition *sc;
};
int evaluate_gate(struct api_ctx *ctx, int64_t patient_id, int kind, int64_t at,
		  struct gate_eval *g) __attribute__((warn_unused_result));
void gate_eval_cleanup(struct gate_eval *g);

/* A plan with its areas and progress, as the API shows it: as JSON text, and the same as a
 * value. */
void plan_write(struct buf *b, const struct plan *p, const struct plan_progress *prog);
json_t *plan_json(const struct plan *p, const struct plan_progress *prog);

/* After a plan's sessions change: renumbers them, and completes the plan once its
 * planned sessions are all completed. Inside the caller's write transaction. */
int plan_sessions_changed(struct api_ctx *ctx, int64_t plan_id) __attribute__((warn_unused_result));

/* An appointment with patient, practitioner and room names and "k of N". */
json_t *appt_view_json(const struct appt_view *v);
/* The same object written as JSON text, with "cautions" (dumped) when given. */
void appt_view_write(struct buf *b, const struct appt_view *v, const json_t *cautions);

/* A date (clinic-local day number) as a JSON "YYYY-MM-DD" string. */
json_t *day_json(int64_t day);

#endif
