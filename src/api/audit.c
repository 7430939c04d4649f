/* The audit trail, for admins. */
#include <string.h>

#include "api/handlers.h"
#include "store/audit.h"
#include "util/err.h"

int h_audit_list(struct api_ctx *ctx)
{
	struct audit_filter f;
	int64_t limit, entity_id, user_id, before;
	int err;
	memset(&f, 0, sizeof f);
	if ((err = api_query_int(ctx, "limit", 1, 500, 100, &limit)) ||
	    (err = api_query_int(ctx, "entity_id", 1, INT64_MAX, 0, &entity_id)) ||
	    (err = api_query_int(ctx, "user_id", 1, INT64_MAX, 0, &user_id)) ||
	    (err = api_query_int(ctx, "before_id", 1, INT64_MAX, 0, &before)))
		return err;
	f.entity = http_req_query(ctx->req, "entity");
	if (f.entity && strlen(f.entity) > 40)
		return api_fail(ctx, -ERR_VALIDATION_FAILED, "entity is too long.",
				json_pack("{s:s}", "field", "entity"));
	f.entity_id = entity_id;
	f.user_id = user_id;
	f.before_id = before;
	f.limit = (int)limit;

	struct audit_event *list = NULL;
	size_t n = 0;
	int64_t total = 0;
	err = store_audit_list(ctx->db, &f, &list, &n, &total);
	if (err)
		return err;
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct audit_event *e = &list[i];
		json_t *o =
		    json_pack("{s:I, s:o, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)e->id,
			      "at", api_instant(e->at), "action", e->action, "entity", e->entity,
			      "remote", e->remote, "detail", e->detail ? e->detail : "",
			      "prev_hash", e->prev_hash, "hash", e->hash);
		json_object_set_new(o, "user_id",
				    e->user_id ? json_integer(e->user_id) : json_null());
		json_object_set_new(o, "entity_id",
				    e->entity_id ? json_integer(e->entity_id) : json_null());
		json_array_append_new(items, o);
	}
	audit_events_free(list, n);
	api_reply_list(ctx, items, total);
	return 0;
}
