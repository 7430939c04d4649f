/* The clinic's settings: read by everyone (the UI reads dates as the clinic writes them),
 * changed by an admin. */
#include <string.h>

#include "api/handlers.h"
#include "store/settings.h"
#include "util/err.h"

static json_t *settings_json(const struct clinic_settings *s)
{
	return json_pack("{s:s, s:b}", "date_order", s->month_first ? "mdy" : "dmy",
			 "messages_show_treatment", s->messages_show_treatment);
}

int h_settings_get(struct api_ctx *ctx)
{
	struct clinic_settings s;
	int err = store_settings_get(ctx->db, &s);
	if (!err)
		api_reply(ctx, 200, settings_json(&s));
	return err;
}

int h_settings_patch(struct api_ctx *ctx)
{
	static const char *const allowed[] = {"date_order", "messages_show_treatment", NULL};
	json_t *body;
	const char *order = NULL;
	bool show = false, has_show = false;
	struct clinic_settings s;
	int err;
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_str(ctx, body, "date_order", false, 1, 10, &order)) ||
	    (err = jin_bool(ctx, body, "messages_show_treatment", false, &show, &has_show)) ||
	    (err = store_settings_get(ctx->db, &s)))
		return err;
	if (order) {
		if (strcmp(order, "dmy") != 0 && strcmp(order, "mdy") != 0)
			return api_fail_field(ctx, "date_order",
					      "date_order is \"dmy\" or \"mdy\".");
		s.month_first = strcmp(order, "mdy") == 0;
		if ((err = store_settings_put(ctx->db, &s)) != 0 ||
		    (err = api_audit(ctx, "update", "settings", 0,
				     s.month_first ? "date_order=mdy" : "date_order=dmy")) != 0)
			return err;
	}
	if (has_show) {
		s.messages_show_treatment = show;
		if ((err = store_settings_put(ctx->db, &s)) != 0 ||
		    (err = api_audit(ctx, "update", "settings", 0,
				     show ? "messages_show_treatment=true"
					  : "messages_show_treatment=false")) != 0)
			return err;
	}
	api_reply(ctx, 200, settings_json(&s));
	return 0;
}
