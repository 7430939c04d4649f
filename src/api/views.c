/* The front desk's derived views: the recall list and the day sheet (README, "The API"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/clinical.h"
#include "api/handlers.h"
#include "domain/booking.h"
#include "domain/messages.h"
#include "store/booking.h"
#include "store/catalog.h"
#include "store/clinic.h"
#include "store/schedule.h"
#include "store/users.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/jsonw.h"
#include "util/xalloc.h"

#define RECALL_MAX 5000

struct recall_item {
	const struct recall_row *row;
	struct window w;
};

static int cmp_recall(const void *a, const void *b)
{
	const struct recall_item *x = a, *y = b;
	if (x->w.from_day != y->w.from_day)
		return x->w.from_day < y->w.from_day ? -1 : 1;
	return x->row->plan_id < y->row->plan_id ? -1 : x->row->plan_id > y->row->plan_id;
}

static void recall_write(struct buf *b, const struct recall_row *r, const struct window *w,
			 int64_t today)
{
	bool overdue = w->to_day < today;
	bool first = true, first_window = true;
	jw_raw(b, "{");
	jw_put_int(b, &first, "plan_id", r->plan_id);
	jw_put_int(b, &first, "patient_id", r->patient_id);
	jw_key(b, &first, "patient_name");
	jw_str_pair(b, r->first_name, r->last_name);
	jw_put_str(b, &first, "treatment_type", r->treatment_type);
	jw_put_int(b, &first, "practitioner_id", r->practitioner_id);
	jw_key(b, &first, "next_window");
	jw_raw(b, "{");
	api_put_day(b, &first_window, "from", w->from_day);
	api_put_day(b, &first_window, "to", w->to_day);
	jw_raw(b, "}");
	jw_put_bool(b, &first, "overdue", overdue);
	jw_put_str(b, &first, "state",
		   overdue		  ? "overdue"
		   : w->from_day <= today ? "open"
					  : "upcoming");
	jw_put_int(b, &first, "next_session", r->progress.holding + 1);
	jw_put_int(b, &first, "planned", r->planned);
	jw_put_int(b, &first, "completed", r->progress.completed);
	jw_put_str(b, &first, "phone", r->phone);
	/* What the patient was last sent about it (the sender's recalls). */
	jw_key(b, &first, "last_recall");
	if (r->recall_kind) {
		bool first_recall = true;
		jw_raw(b, "{");
		jw_put_str(b, &first_recall, "kind", msg_kind_name(r->recall_kind));
		jw_put_str(b, &first_recall, "status", msg_status_name(r->recall_status));
		if (r->recall_sent_at) {
			api_put_instant(b, &first_recall, "sent_at", r->recall_sent_at);
		} else {
			jw_key(b, &first_recall, "sent_at");
			jw_raw(b, "null");
		}
		jw_raw(b, "}");
	} else {
		jw_raw(b, "null");
	}
	if (overdue) {
		jw_put_int(b, &first, "days_overdue", today - w->to_day);
	} else {
		jw_put_int(b, &first, "days_until_open",
			   w->from_day > today ? w->from_day - today : 0);
	}
	jw_raw(b, "}");
}

int h_recalls(struct api_ctx *ctx)
{
	int64_t within;
	int err = api_query_int(ctx, "within_days", 0, 365, 14, &within);
	if (err)
		return err;
	int64_t today = dates_local_day(clock_now());
	struct recall_row *rows = NULL;
	size_t n = 0;
	/* A coarse cut by instant (a day's margin for DST), then the exact rule by day. */
	int64_t due_before = dates_local_to_instant(today + within + 2, 0);
	err = store_recall_candidates(ctx->db, due_before, RECALL_MAX, &rows, &n);
	if (err)
		return err;
	struct recall_item *items = xcalloc(n + 1, sizeof *items);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct recall_row *r = &rows[i];
		struct window w;
		/* Due means: no session waiting to happen, and a window that opens soon. */
		if (r->progress.pending > 0)
			continue;
		if (!rules_next_window(PLAN_ACTIVE, r->planned, r->progress.holding,
				       r->progress.last_start, r->min_interval_days,
				       r->max_interval_days, &w))
			continue;
		if (w.from_day > today + within)
			continue;
		items[k].row = r;
		items[k].w = w;
		k++;
	}
	qsort(items, k, sizeof *items, cmp_recall);
	/* Up to RECALL_MAX rows: written as text, not built as a tree of values. */
	struct buf out;
	api_list_open(&out);
	for (size_t i = 0; i < k; i++) {
		if (i)
			jw_raw(&out, ",");
		recall_write(&out, items[i].row, &items[i].w, today);
	}
	free(items);
	recall_rows_free(rows, n);
	char detail[32];
	snprintf(detail, sizeof detail, "count=%zu", k);
	api_read_event(ctx, NULL, "recall_list", 0, detail);
	api_reply_text_list(ctx, &out, (int64_t)k);
	return 0;
}

/* The caution codes of a patient's latest screening. A caution never vanishes quietly:
 * when the screening cannot be read, the day sheet fails instead. */
static int cautions_of(struct api_ctx *ctx, int64_t patient_id, json_t **out)
{
	struct safety_facts f;
	struct gate_result res;
	int err = store_safety_facts(ctx->db, patient_id, &f);
	if (err)
		return err;
	if (!f.found) {
		safety_facts_cleanup(&f);
		return -ERR_INTERNAL;
	}
	err = rules_safety(&f, KIND_TREATMENT, clock_now(), &res);
	if (err != -ERR_INTERNAL) {
		*out = api_codes_json(res.cautions, res.ncautions);
		err = 0;
	}
	safety_facts_cleanup(&f);
	return err;
}

static int cmp_phone(const void *a, const void *b)
{
	int64_t x = ((const struct appt_phone *)a)->appt_id;
	int64_t y = ((const struct appt_phone *)b)->appt_id;
	return (x > y) - (x < y);
}

/* Gives every appointment of the sheet its patient's phone number (front-desk data, as on
 * the patient's record): the printed sheet is what the desk calls from. phones is sorted
 * here by appointment. */
static void attach_phones(struct appt_view *list, size_t n, struct appt_phone *phones,
			  size_t nphones)
{
	qsort(phones, nphones, sizeof *phones, cmp_phone);
	for (size_t i = 0; i < n; i++) {
		struct appt_phone key = {.appt_id = list[i].a.id};
		const struct appt_phone *p =
		    nphones ? bsearch(&key, phones, nphones, sizeof *phones, cmp_phone) : NULL;
		list[i].with_phone = true;
		list[i].patient_phone = p ? p->phone : NULL;
	}
}

int h_day_sheet(struct api_ctx *ctx)
{
	const char *date = http_req_query(ctx->req, "date");
	struct cdate d;
	int64_t day;
	if (date && *date) {
		if (dates_parse_date(date, &d) != 0 || !dates_date_on_wire(&d))
			return api_fail(ctx, -ERR_VALIDATION_FAILED, "date is YYYY-MM-DD.",
					json_pack("{s:s}", "field", "date"));
		day = dates_to_days(&d);
	} else {
		day = dates_local_day(clock_now());
	}
	/* Phone numbers only when asked (the printable sheet): the sheet itself reads the
	 * day's appointments and nothing else. */
	const char *ph = http_req_query(ctx->req, "phones");
	if (ph && strcmp(ph, "true") != 0 && strcmp(ph, "false") != 0)
		return api_fail(ctx, -ERR_VALIDATION_FAILED, "phones is true or false.",
				json_pack("{s:s}", "field", "phones"));
	bool with_phones = ph && strcmp(ph, "true") == 0;
	struct appt_filter f;
	memset(&f, 0, sizeof f);
	f.from = dates_local_to_instant(day, 0);
	f.to = dates_local_to_instant(day + 1, 0);
	f.limit = 5000;
	struct appt_view *list = NULL;
	struct user *users = NULL;
	struct room *rooms = NULL;
	struct appt_phone *phones = NULL;
	size_t n = 0, nusers = 0, nrooms = 0, nphones = 0;
	bool clinical = api_visibility(ctx).day_cautions;
	int err = store_appt_list(ctx->db, &f, &list, &n);
	if (!err && with_phones)
		err = store_appt_phones(ctx->db, f.from, f.to, f.limit, &phones, &nphones);
	if (!err && with_phones)
		attach_phones(list, n, phones, nphones);
	if (!err)
		err = store_user_list(ctx->db, &users, &nusers);
	if (!err)
		err = store_room_list(ctx->db, &rooms, &nrooms);
	/* Hundreds of appointments: written as text, not built as a tree of values. */
	struct buf out;
	buf_init(&out);
	char text[DATES_BUF];
	dates_format_day(day, text);
	bool first = true;
	jw_raw(&out, "{");
	jw_key(&out, &first, "date");
	jw_str(&out, text);
	jw_key(&out, &first, "total");
	jw_int(&out, (int64_t)n);
	jw_key(&out, &first, "practitioners");
	jw_raw(&out, "[");
	/* A column per active practitioner, and per practitioner who has appointments. */
	bool first_col = true;
	for (size_t u = 0; !err && u < nusers; u++) {
		bool has = false;
		for (size_t i = 0; i < n && !has; i++)
			has = list[i].a.practitioner_id == users[u].id;
		if (!has && !(users[u].role == ROLE_PRACTITIONER && users[u].active))
			continue;
		if (!first_col)
			jw_raw(&out, ",");
		first_col = false;
		bool first_member = true;
		jw_raw(&out, "{");
		jw_key(&out, &first_member, "practitioner_id");
		jw_int(&out, users[u].id);
		jw_key(&out, &first_member, "name");
		jw_str(&out, users[u].display_name);
		jw_key(&out, &first_member, "appointments");
		jw_raw(&out, "[");
		bool first_appt = true;
		for (size_t i = 0; !err && i < n; i++) {
			if (list[i].a.practitioner_id != users[u].id)
				continue;
			if (!first_appt)
				jw_raw(&out, ",");
			first_appt = false;
			json_t *cautions = NULL;
			if (clinical &&
			    (err = cautions_of(ctx, list[i].a.patient_id, &cautions)) != 0)
				break;
			appt_write(&out, &list[i], true, cautions, NULL);
			json_decref(cautions);
		}
		jw_raw(&out, "]}");
	}
	jw_raw(&out, "]");
	jw_key(&out, &first, "rooms");
	jw_raw(&out, "[");
	for (size_t r = 0; !err && r < nrooms; r++) {
		bool first_member = true;
		if (r)
			jw_raw(&out, ",");
		jw_raw(&out, "{");
		jw_key(&out, &first_member, "room_id");
		jw_int(&out, rooms[r].id);
		jw_key(&out, &first_member, "name");
		jw_str(&out, rooms[r].name);
		jw_key(&out, &first_member, "active");
		jw_bool(&out, rooms[r].active);
		jw_key(&out, &first_member, "appointment_ids");
		jw_raw(&out, "[");
		bool first_id = true;
		for (size_t i = 0; i < n; i++) {
			if (list[i].a.room_id != rooms[r].id)
				continue;
			if (!first_id)
				jw_raw(&out, ",");
			first_id = false;
			jw_int(&out, list[i].a.id);
		}
		jw_raw(&out, "]}");
	}
	jw_raw(&out, "]}");
	/* Names and treatments of a day's patients (and, for clinical roles, their cautions):
	 * one read of schedule data, with the day and the count. */
	if (!err) {
		char detail[DATES_BUF + 32];
		snprintf(detail, sizeof detail, "%s count=%zu", text, n);
		api_read_event(ctx, NULL, "day_sheet", 0, detail);
	}
	if (list)
		appt_views_free(list, n);
	appt_phones_free(phones, nphones);
	if (users)
		users_free(users, nusers);
	if (rooms)
		rooms_free(rooms, nrooms);
	if (err) {
		buf_cleanup(&out);
		return err;
	}
	api_reply_text(ctx, 200, &out);
	return 0;
}
