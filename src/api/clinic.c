/* Rooms, practitioners' weekly hours and time off. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/clinical.h"
#include "api/handlers.h"
#include "domain/dates.h"
#include "domain/text.h"
#include "store/clinic.h"
#include "store/patients.h"
#include "store/schedule.h"
#include "store/users.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/xalloc.h"

#define MAX_INTERVALS  70
#define MAX_TIME_OFF_S (366 * 86400)

/* True when a name holds nothing but white space. */
static bool blank(const char *s)
{
	char key[256];
	return s && text_fold(s, key, sizeof key) && key[0] == '\0';
}

static json_t *room_json(const struct room *r)
{
	return json_pack("{s:I, s:s, s:b, s:s}", "id", (json_int_t)r->id, "name", r->name, "active",
			 r->active, "kind", room_kind_name(r->kind));
}

/* Reads the optional "kind" of a room into *kind (left as it is when absent). */
static int room_kind_in(struct api_ctx *ctx, json_t *body, int *kind)
{
	const char *s;
	int err = jin_str(ctx, body, "kind", false, 1, 20, &s);
	if (err || !s)
		return err;
	int k = room_kind_parse(s);
	if (!k)
		return api_fail_field(ctx, "kind", "kind is consultation or treatment.");
	*kind = k;
	return 0;
}

int h_rooms_list(struct api_ctx *ctx)
{
	struct room *list = NULL;
	size_t n = 0;
	int err = store_room_list(ctx->db, &list, &n);
	if (err)
		return err;
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, room_json(&list[i]));
	rooms_free(list, n);
	api_reply_list(ctx, items, (int64_t)n);
	return 0;
}

int h_rooms_create(struct api_ctx *ctx)
{
	static const char *const allowed[] = {"name", "kind", NULL};
	json_t *body;
	const char *name;
	int kind = ROOM_TREATMENT;
	int err;
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_str(ctx, body, "name", true, 1, 60, &name)) ||
	    (err = room_kind_in(ctx, body, &kind)))
		return err;
	if (blank(name))
		return api_fail_field(ctx, "name", "A room needs a name.");
	struct room r = {.name = (char *)name, .active = true, .kind = kind};
	err = store_room_insert(ctx->db, name, kind, &r.id);
	if (!err)
		err = api_audit(ctx, "create", "room", r.id, NULL);
	if (err == -ERR_DUPLICATE)
		return api_fail(ctx, err, "A room with that name exists.",
				json_pack("{s:s}", "field", "name"));
	if (err)
		return err;
	api_reply_created(ctx, room_json(&r), "/api/v1/rooms/", r.id, "");
	return 0;
}

int h_rooms_patch(struct api_ctx *ctx)
{
	static const char *const allowed[] = {"name", "active", "kind", NULL};
	static const char *const not_null[] = {"kind", NULL};
	json_t *body;
	const char *name;
	bool active = true, has_active;
	int kind = 0;
	int err;
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_no_null(ctx, body, not_null)) ||
	    (err = jin_str(ctx, body, "name", false, 1, 60, &name)) ||
	    (err = jin_bool(ctx, body, "active", false, &active, &has_active)) ||
	    (err = room_kind_in(ctx, body, &kind)))
		return err;
	if (blank(name))
		return api_fail_field(ctx, "name", "A room needs a name.");
	struct room r;
	if ((err = store_room_get(ctx->db, api_id(ctx, 0), &r)) != 0)
		return err;
	if (name) {
		free(r.name);
		r.name = xstrdup(name);
	}
	if (has_active)
		r.active = active;
	if (kind)
		r.kind = kind;
	err = store_room_update(ctx->db, &r);
	if (!err)
		err = api_audit(ctx, "update", "room", r.id, NULL);
	if (!err)
		api_reply(ctx, 200, room_json(&r));
	else if (err == -ERR_DUPLICATE)
		err = api_fail(ctx, err, "A room with that name exists.",
			       json_pack("{s:s}", "field", "name"));
	room_cleanup(&r);
	return err;
}

static json_t *hours_json(const struct hours *h)
{
	char a[DATES_BUF], b[DATES_BUF];
	dates_format_hhmm(h->start_min, a);
	dates_format_hhmm(h->end_min, b);
	return json_pack("{s:i, s:s, s:s}", "weekday", h->weekday, "start", a, "end", b);
}

static json_t *time_off_json(const struct time_off *t)
{
	return json_pack("{s:I, s:I, s:o, s:o, s:s}", "id", (json_int_t)t->id, "practitioner_id",
			 (json_int_t)t->practitioner_id, "start", api_instant(t->start), "end",
			 api_instant(t->end), "reason", t->reason ? t->reason : "");
}

int h_availability_get(struct api_ctx *ctx)
{
	int64_t id = api_id(ctx, 0);
	struct hours *h = NULL;
	struct time_off *off = NULL;
	size_t nh = 0, noff = 0;
	int err = api_require_practitioner(ctx, id, NULL);
	if (!err)
		err = store_hours_get(ctx->db, id, &h, &nh);
	if (!err)
		err = store_time_off_list(ctx->db, id, clock_now() - 30 * 86400, &off, &noff);
	if (err) {
		free(h);
		return err;
	}
	json_t *hours = json_array(), *offs = json_array();
	for (size_t i = 0; i < nh; i++)
		json_array_append_new(hours, hours_json(&h[i]));
	for (size_t i = 0; i < noff; i++)
		json_array_append_new(offs, time_off_json(&off[i]));
	free(h);
	time_offs_free(off, noff);
	api_reply(ctx, 200,
		  json_pack("{s:I, s:o, s:o}", "practitioner_id", (json_int_t)id, "hours", hours,
			    "time_off", offs));
	return 0;
}

/* The practitioner's week and time off, and what is found outside them so far. */
struct stranded {
	struct hours *hours;
	size_t nhours;
	struct interval *off;
	size_t noff;
	json_t *ids, *appts;
};

static int check_stranded(struct api_ctx *ctx, const struct appt_view *v, void *arg)
{
	struct stranded *st = arg;
	const struct appointment *a = &v->a;
	if (a->status != APPT_BOOKED ||
	    rules_within_hours(a->start, a->end, st->hours, st->nhours, st->off, st->noff))
		return 0;
	struct patient p;
	int err = store_patient_get(ctx->db, a->patient_id, &p);
	if (err)
		return err;
	char name[512];
	snprintf(name, sizeof name, "%s %s", p.first_name, p.last_name);
	json_array_append_new(st->ids, json_integer(a->id));
	json_t *o = json_pack("{s:I, s:o, s:I, s:s}", "appointment_id", (json_int_t)a->id, "start",
			      api_instant(a->start), "patient_id", (json_int_t)a->patient_id,
			      "patient_name", name);
	json_object_set_new(o, "phone", p.phone ? json_string(p.phone) : json_null());
	json_array_append_new(st->appts, o);
	patient_cleanup(&p);
	return 0;
}

/*
 * After the practitioner's hours or time off change: the booked appointments from now on
 * that no longer lie inside them (RULES.md rule 6) become a warning that names each one
 * with its patient and phone number, so that the clinic can call them. The change itself
 * stands: hours follow the practitioner's life, and the patients are told.
 */
static int warn_stranded(struct api_ctx *ctx, int64_t practitioner_id)
{
	int64_t now = clock_now();
	struct appt_filter f = {
	    .from = now, .to = DATES_WIRE_MAX, .practitioner_id = practitioner_id, .limit = 500};
	struct stranded st = {.ids = json_array(), .appts = json_array()};
	struct time_off *off = NULL;
	size_t noff = 0;
	int err = store_hours_get(ctx->db, practitioner_id, &st.hours, &st.nhours);
	if (!err)
		err = store_time_off_list(ctx->db, practitioner_id, now, &off, &noff);
	st.off = xcalloc(noff + 1, sizeof *st.off);
	for (size_t i = 0; i < noff; i++)
		st.off[st.noff++] = (struct interval){off[i].start, off[i].end};
	time_offs_free(off, noff);
	if (!err)
		err = api_each_appointment(ctx, f, check_stranded, &st);
	if (!err && json_array_size(st.ids))
		api_warn(
		    ctx, "bookings_outside_hours",
		    json_pack("{s:O, s:O}", "appointment_ids", st.ids, "appointments", st.appts));
	json_decref(st.ids);
	json_decref(st.appts);
	free(st.off);
	free(st.hours);
	return err;
}

static int cmp_hours(const void *a, const void *b)
{
	const struct hours *x = a, *y = b;
	if (x->weekday != y->weekday)
		return x->weekday - y->weekday;
	return x->start_min - y->start_min;
}

int h_availability_put(struct api_ctx *ctx)
{
	static const char *const allowed[] = {"hours", NULL};
	static const char *const item_allowed[] = {"weekday", "start", "end", NULL};
	json_t *body, *arr, *item;
	size_t i;
	int err;
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)))
		return err;
	arr = json_object_get(body, "hours");
	if (!json_is_array(arr))
		return api_fail_field(ctx, "hours", "hours must be a list of weekly intervals.");
	if (json_array_size(arr) > MAX_INTERVALS)
		return api_fail_field(ctx, "hours", "Too many intervals.");
	size_t n = json_array_size(arr);
	struct hours *h = xcalloc(n ? n : 1, sizeof *h);
	json_array_foreach(arr, i, item)
	{
		int64_t wd = 0;
		const char *s, *e;
		if (!json_is_object(item)) {
			err = api_fail_field(ctx, "hours", "Each interval is an object.");
			break;
		}
		if ((err = jin_only(ctx, item, item_allowed)) ||
		    (err = jin_int(ctx, item, "weekday", true, 1, 7, &wd, NULL)) ||
		    (err = jin_str(ctx, item, "start", true, 5, 5, &s)) ||
		    (err = jin_str(ctx, item, "end", true, 5, 5, &e)))
			break;
		h[i].weekday = (int)wd;
		if (dates_parse_hhmm(s, &h[i].start_min) != 0) {
			err = api_fail_field(ctx, "start", "Times are HH:MM.");
			break;
		}
		if (dates_parse_hhmm(e, &h[i].end_min) != 0) {
			err = api_fail_field(ctx, "end", "Times are HH:MM.");
			break;
		}
		if (h[i].end_min <= h[i].start_min) {
			err = api_fail_field(ctx, "end", "An interval ends after it starts.");
			break;
		}
	}
	if (!err) {
		qsort(h, n, sizeof *h, cmp_hours);
		for (i = 1; i < n; i++)
			if (h[i].weekday == h[i - 1].weekday && h[i].start_min < h[i - 1].end_min) {
				err = api_fail_field(ctx, "hours", "Intervals on one day overlap.");
				break;
			}
	}
	int64_t id = api_id(ctx, 0);
	if (!err)
		err = api_require_practitioner(ctx, id, NULL);
	if (!err)
		err = store_hours_replace(ctx->db, id, h, n);
	if (!err)
		err = api_audit(ctx, "update", "availability", id, NULL);
	if (!err)
		err = warn_stranded(ctx, id);
	if (!err) {
		json_t *hours = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(hours, hours_json(&h[i]));
		api_reply(
		    ctx, 200,
		    json_pack("{s:I, s:o}", "practitioner_id", (json_int_t)id, "hours", hours));
	}
	free(h);
	return err;
}

int h_time_off_create(struct api_ctx *ctx)
{
	static const char *const allowed[] = {"start", "end", "reason", NULL};
	json_t *body;
	const char *reason;
	struct time_off t = {.practitioner_id = api_id(ctx, 0)};
	int err;
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_instant(ctx, body, "start", true, &t.start, NULL)) ||
	    (err = jin_instant(ctx, body, "end", true, &t.end, NULL)) ||
	    (err = jin_str(ctx, body, "reason", true, 1, 200, &reason)))
		return err;
	if (t.end <= t.start)
		return api_fail_field(ctx, "end", "Time off ends after it starts.");
	if (t.end - t.start > MAX_TIME_OFF_S)
		return api_fail_field(ctx, "end", "Time off is at most a year at a time.");
	t.reason = (char *)reason;
	err = api_require_practitioner(ctx, t.practitioner_id, NULL);
	if (!err)
		err = store_time_off_insert(ctx->db, &t, ctx->me.id, &t.id);
	if (!err)
		err = api_audit(ctx, "create", "time_off", t.id, NULL);
	if (!err)
		err = warn_stranded(ctx, t.practitioner_id);
	if (err)
		return err;
	api_reply_created(ctx, time_off_json(&t), "/api/v1/practitioners/", t.practitioner_id,
			  "/availability");
	return 0;
}
