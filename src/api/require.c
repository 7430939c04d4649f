/* The records a request names, checked the same way everywhere: 404 for a path, 422 naming
 * the field for a body. */
#include "api/clinical.h"
#include "store/patients.h"
#include "store/users.h"
#include "util/err.h"

static int missing(struct api_ctx *ctx, const char *field, const char *msg)
{
	return field ? api_fail_field(ctx, field, msg) : api_fail(ctx, -ERR_NOT_FOUND, msg, NULL);
}

int api_require_patient(struct api_ctx *ctx, int64_t id, const char *field, bool for_write)
{
	struct patient p;
	int err = store_patient_get(ctx->db, id, &p);
	if (err)
		return err == -ERR_NOT_FOUND ? missing(ctx, field, "No such patient.") : err;
	bool archived = p.archived;
	patient_cleanup(&p);
	if (for_write && archived)
		return api_fail(ctx, -ERR_PATIENT_ARCHIVED, "The patient is archived.", NULL);
	return 0;
}

int api_require_practitioner(struct api_ctx *ctx, int64_t id, const char *field)
{
	struct user u;
	int err = store_user_get(ctx->db, id, &u);
	if (err)
		return err == -ERR_NOT_FOUND ? missing(ctx, field, "No such practitioner.") : err;
	bool practitioner = u.role == ROLE_PRACTITIONER, active = u.active;
	user_cleanup(&u);
	if (!practitioner)
		return missing(ctx, field,
			       field ? "That user is not an active practitioner."
				     : "That user is not a practitioner.");
	if (field && !active)
		return missing(ctx, field, "That user is not an active practitioner.");
	return 0;
}

struct visibility api_visibility(const struct api_ctx *ctx)
{
	return visibility_for((unsigned)ctx->me.role);
}
