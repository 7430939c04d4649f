/* The clinic's settings: read by everyone (the UI reads dates as the clinic writes them),
 * changed by an admin. */
#include <stdio.h>
#include <string.h>

#include "api/handlers.h"
#include "api/outbox.h"
#include "domain/messages.h"
#include "domain/text.h"
#include "store/messages.h"
#include "store/settings.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/xalloc.h"

static void hhmm(int min, char out[8])
{
	unsigned m = (unsigned)min % 1440;
	snprintf(out, 8, "%02u:%02u", m / 60, m % 60);
}

static json_t *settings_json(const struct clinic_settings *s)
{
	char qs[8], qe[8];
	hhmm(s->quiet_start_min, qs);
	hhmm(s->quiet_end_min, qe);
	return json_pack("{s:s, s:b, s:i, s:i, s:s, s:s, s:s?}", "date_order",
			 s->month_first ? "mdy" : "dmy", "messages_show_treatment",
			 s->messages_show_treatment, "reminder_email_hours",
			 s->reminder_email_hours, "reminder_sms_hours", s->reminder_sms_hours,
			 "quiet_hours_start", qs, "quiet_hours_end", qe, "clinic_phone",
			 s->clinic_phone[0] ? s->clinic_phone : NULL);
}

int h_settings_get(struct api_ctx *ctx)
{
	struct clinic_settings s;
	int err = store_settings_get(ctx->db, &s);
	if (!err)
		api_reply(ctx, 200, settings_json(&s));
	return err;
}

/* A clock time "HH:MM" (00:00-23:59) as minutes after midnight, or -1. */
static int parse_hhmm(const char *s)
{
	if (strlen(s) != 5 || s[2] != ':')
		return -1;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	return h < 24 && m < 60 ? h * 60 + m : -1;
}

/* Reads the quiet-hours time key of body into *min when present. */
static int read_time(struct api_ctx *ctx, json_t *body, const char *key, int *min,
		     struct buf *changed)
{
	const char *v = NULL;
	int err = jin_str(ctx, body, key, false, 5, 5, &v);
	if (err || !v)
		return err;
	int m = parse_hhmm(v);
	if (m < 0)
		return api_fail_field(ctx, key, "A time of day is \"HH:MM\", 00:00 to 23:59.");
	if (m != *min)
		buf_printf(changed, "%s%s=%s", changed->len ? " " : "", key, v);
	*min = m;
	return 0;
}

static int read_hours(struct api_ctx *ctx, json_t *body, const char *key, int *hours,
		      struct buf *changed)
{
	int64_t v = 0;
	bool has = false;
	int err = jin_int(ctx, body, key, false, 0, MSG_REMINDER_HOURS_MAX, &v, &has);
	if (err || !has)
		return err;
	if ((int)v != *hours)
		buf_printf(changed, "%s%s=%d", changed->len ? " " : "", key, (int)v);
	*hours = (int)v;
	return 0;
}

int h_settings_patch(struct api_ctx *ctx)
{
	static const char *const allowed[] = {"date_order",	      "messages_show_treatment",
					      "reminder_email_hours", "reminder_sms_hours",
					      "quiet_hours_start",    "quiet_hours_end",
					      "clinic_phone",	      NULL};
	static const char *const not_null[] = {"date_order",
					       "messages_show_treatment",
					       "reminder_email_hours",
					       "reminder_sms_hours",
					       "quiet_hours_start",
					       "quiet_hours_end",
					       NULL};
	json_t *body;
	const char *order = NULL, *phone = NULL;
	bool show = false, has_show = false;
	struct clinic_settings s;
	struct buf changed;
	int64_t replanned = 0;
	int err;
	buf_init(&changed);
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_no_null(ctx, body, not_null)) ||
	    (err = jin_str(ctx, body, "date_order", false, 1, 10, &order)) ||
	    (err = jin_bool(ctx, body, "messages_show_treatment", false, &show, &has_show)) ||
	    (err = store_settings_get(ctx->db, &s)))
		goto out;
	int old_email = s.reminder_email_hours, old_sms = s.reminder_sms_hours;
	if (order) {
		if (strcmp(order, "dmy") != 0 && strcmp(order, "mdy") != 0) {
			err =
			    api_fail_field(ctx, "date_order", "date_order is \"dmy\" or \"mdy\".");
			goto out;
		}
		bool mdy = strcmp(order, "mdy") == 0;
		if (mdy != s.month_first)
			buf_printf(&changed, "date_order=%s", order);
		s.month_first = mdy;
	}
	if (has_show) {
		if (show != s.messages_show_treatment)
			buf_printf(&changed, "%smessages_show_treatment=%s", changed.len ? " " : "",
				   show ? "true" : "false");
		s.messages_show_treatment = show;
	}
	if ((err = read_hours(ctx, body, "reminder_email_hours", &s.reminder_email_hours,
			      &changed)) ||
	    (err = read_hours(ctx, body, "reminder_sms_hours", &s.reminder_sms_hours, &changed)) ||
	    (err = read_time(ctx, body, "quiet_hours_start", &s.quiet_start_min, &changed)) ||
	    (err = read_time(ctx, body, "quiet_hours_end", &s.quiet_end_min, &changed)))
		goto out;
	json_t *jp = json_object_get(body, "clinic_phone");
	if (jp) {
		if (!json_is_null(jp) &&
		    (err = jin_str(ctx, body, "clinic_phone", false, 0, 30, &phone)) != 0)
			goto out;
		if (phone && *phone && !text_valid_phone(phone)) {
			err = api_fail_field(ctx, "clinic_phone",
					     "A phone number: digits with + ( ) - . and spaces.");
			goto out;
		}
		if (strcmp(phone ? phone : "", s.clinic_phone) != 0)
			buf_printf(&changed, "%sclinic_phone", changed.len ? " " : "");
		snprintf(s.clinic_phone, sizeof s.clinic_phone, "%s", phone ? phone : "");
	}
	if (changed.len && ((err = store_settings_put(ctx->db, &s)) != 0 ||
			    (err = api_audit(ctx, "update", "settings", 0, changed.data)) != 0))
		goto out;
	/* The queued reminders follow a new offset in this transaction (rule 65). */
	int64_t n = 0, now = clock_now();
	if (s.reminder_email_hours != old_email &&
	    (err = store_msg_replan_reminders(ctx->db, "email", s.reminder_email_hours, now,
					      &replanned)) != 0)
		goto out;
	if (s.reminder_sms_hours != old_sms &&
	    (err = store_msg_replan_reminders(ctx->db, "sms", s.reminder_sms_hours, now, &n)) != 0)
		goto out;
	replanned += n;
	json_t *reply = settings_json(&s);
	json_object_set_new(reply, "reminders_replanned", json_integer(replanned));
	if (replanned)
		outbox_wake();
	api_reply(ctx, 200, reply);
out:
	buf_cleanup(&changed);
	return err;
}
