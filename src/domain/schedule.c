/* RULES.md rules 1-7 and the derived views (next window, free slots) as pure decisions. */
#include "domain/schedule.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/xalloc.h"

static const struct name_row kinds[] = {
    {KIND_CONSULTATION, "consultation"}, {KIND_TREATMENT, "treatment"}, {KIND_REVIEW, "review"}};
static const struct name_row appt_statuses[] = {{APPT_BOOKED, "booked"},
						{APPT_CHECKED_IN, "checked_in"},
						{APPT_COMPLETED, "completed"},
						{APPT_CANCELLED, "cancelled"},
						{APPT_NO_SHOW, "no_show"}};
static const struct name_row plan_statuses[] = {{PLAN_ACTIVE, "active"},
						{PLAN_COMPLETED, "completed"},
						{PLAN_ON_HOLD, "on_hold"},
						{PLAN_CANCELLED, "cancelled"}};
static const struct name_row room_kinds[] = {{ROOM_CONSULTATION, "consultation"},
					     {ROOM_TREATMENT, "treatment"}};
static const struct name_row severities[] = {
    {SEV_BLOCK, "block"}, {SEV_CLEARANCE, "clearance"}, {SEV_CAUTION, "caution"}};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *appt_kind_name(int v)
{
	return model_name_of(kinds, COUNT(kinds), v);
}
int appt_kind_parse(const char *s)
{
	return model_value_of(kinds, COUNT(kinds), s);
}
const char *appt_status_name(int v)
{
	return model_name_of(appt_statuses, COUNT(appt_statuses), v);
}
int appt_status_parse(const char *s)
{
	return model_value_of(appt_statuses, COUNT(appt_statuses), s);
}
const char *plan_status_name(int v)
{
	return model_name_of(plan_statuses, COUNT(plan_statuses), v);
}
int plan_status_parse(const char *s)
{
	return model_value_of(plan_statuses, COUNT(plan_statuses), s);
}
const char *severity_name(int v)
{
	return model_name_of(severities, COUNT(severities), v);
}
int severity_parse(const char *s)
{
	return model_value_of(severities, COUNT(severities), s);
}

const char *room_kind_name(int v)
{
	return model_name_of(room_kinds, COUNT(room_kinds), v);
}
int room_kind_parse(const char *s)
{
	return model_value_of(room_kinds, COUNT(room_kinds), s);
}

bool indication_valid(const char *s)
{
	static const char *const codes[] = {"fine_lines",    "acne_scars",	  "scars",
					    "stretch_marks", "hyperpigmentation", "pores",
					    "rejuvenation"};
	for (size_t i = 0; s && i < COUNT(codes); i++)
		if (strcmp(codes[i], s) == 0)
			return true;
	return false;
}

bool appt_status_holds(int status)
{
	return status == APPT_BOOKED || status == APPT_CHECKED_IN || status == APPT_COMPLETED;
}

int rules_gate(const struct gate_input *in, struct gate_result *out)
{
	memset(out, 0, sizeof *out);
	/* The lists are filled for every kind: every booking shows the cautions (RULES.md rule 20).
	 */
	for (size_t i = 0; i < in->nconds; i++) {
		const struct screened_condition *c = &in->conds[i];
		if (c->severity == SEV_BLOCK && out->nblocked < GATE_MAX)
			out->blocked[out->nblocked++] = c->code;
		else if (c->severity == SEV_CLEARANCE && !c->cleared &&
			 out->nneeds_clearance < GATE_MAX)
			out->needs_clearance[out->nneeds_clearance++] = c->code;
		else if (c->severity == SEV_CAUTION && out->ncautions < GATE_MAX)
			out->cautions[out->ncautions++] = c->code;
	}
	if (in->kind != KIND_TREATMENT)
		return 0;
	/* RULES.md rule 1: adults only, by age on the appointment's own date. */
	if (dates_age_years(&in->birth, &in->on) < 18)
		return -ERR_UNDERAGE;
	/* RULES.md rule 2: a treatment needs a screening, and the latest one must not block. */
	if (!in->has_screening)
		return -ERR_SCREENING_REQUIRED;
	if (out->nblocked || out->nneeds_clearance)
		return -ERR_CONTRAINDICATED;
	return 0;
}

int rules_spacing(const struct spacing_input *in, struct spacing_result *out)
{
	memset(out, 0, sizeof *out);
	int64_t day = dates_local_day(in->start);
	if (in->prev_start) {
		int64_t prev = dates_local_day(in->prev_start);
		out->earliest_day = prev + in->min_days;
		out->latest_day = prev + in->max_days;
		out->too_close_prev = day - prev < in->min_days;
		out->beyond_max_prev = day - prev > in->max_days;
	}
	if (in->next_start) {
		int64_t next = dates_local_day(in->next_start);
		out->next_latest_day = next - in->min_days;
		out->too_close_next = next - day < in->min_days;
		out->beyond_max_next = next - day > in->max_days;
	}
	return out->too_close_prev || out->too_close_next ? -ERR_SPACING_TOO_SHORT : 0;
}

bool intervals_overlap(int64_t a_start, int64_t a_end, int64_t b_start, int64_t b_end)
{
	return a_start < b_end && b_start < a_end;
}

/* Where the availability that runs on from minute end of weekday stops: intervals that
 * touch (09:00-12:00 then 12:00-17:00) are one stretch of work. */
static int stretch_end(const struct hours *hours, size_t nhours, int weekday, int end)
{
	for (bool grew = true; grew;) {
		grew = false;
		for (size_t i = 0; i < nhours; i++)
			if (hours[i].weekday == weekday && hours[i].start_min <= end &&
			    hours[i].end_min > end) {
				end = hours[i].end_min;
				grew = true;
			}
	}
	return end;
}

bool rules_within_hours(int64_t start, int64_t end, const struct hours *hours, size_t nhours,
			const struct interval *off, size_t noff)
{
	if (end <= start)
		return false;
	int64_t day = dates_local_day(start);
	if (dates_local_day(end - 1) != day)
		return false;
	int weekday = dates_weekday(day);
	int from = dates_local_minute(start);
	/* The end as minutes since the same midnight, so that 24:00 is 1440. */
	int to = dates_local_minute(end - 1) + 1;
	/* The day's availability is the union of its intervals: from the one that holds the
	 * start, follow intervals that touch (09:00-12:00 then 12:00-17:00) to where it ends. */
	int reach = -1;
	for (size_t i = 0; i < nhours; i++)
		if (hours[i].weekday == weekday && hours[i].start_min <= from &&
		    from < hours[i].end_min && hours[i].end_min > reach)
			reach = hours[i].end_min;
	if (reach < 0 || to > stretch_end(hours, nhours, weekday, reach))
		return false;
	for (size_t i = 0; i < noff; i++)
		if (intervals_overlap(start, end, off[i].start, off[i].end))
			return false;
	return true;
}

int rules_transition(int kind, int from, int to, int64_t now, int64_t start, bool by_signing,
		     bool *late_cancel)
{
	*late_cancel = false;
	switch (to) {
	case APPT_CHECKED_IN:
		return from == APPT_BOOKED ? 0 : -ERR_BAD_TRANSITION;
	case APPT_COMPLETED:
		if (from != APPT_CHECKED_IN && !(by_signing && from == APPT_BOOKED))
			return -ERR_BAD_TRANSITION;
		/* RULES.md rule 7: a treatment completes when its session record is signed. */
		if (kind == KIND_TREATMENT && !by_signing)
			return -ERR_BAD_TRANSITION;
		return 0;
	case APPT_CANCELLED:
		if (from != APPT_BOOKED && from != APPT_CHECKED_IN)
			return -ERR_BAD_TRANSITION;
		*late_cancel = start - now < 24 * 3600;
		return 0;
	case APPT_NO_SHOW:
		return from == APPT_BOOKED && now >= start ? 0 : -ERR_BAD_TRANSITION;
	default:
		return -ERR_BAD_TRANSITION;
	}
}

int rules_undo(const struct undo_input *in)
{
	if (in->status != APPT_CHECKED_IN && in->status != APPT_NO_SHOW &&
	    in->status != APPT_CANCELLED)
		return -ERR_BAD_TRANSITION;
	/* A change recorded before changes were signed with their author cannot be undone. */
	if (!in->changed_at || !in->changed_by)
		return -ERR_BAD_TRANSITION;
	if (in->changed_by != in->actor)
		return -ERR_UNDO_NOT_YOURS;
	if (in->now - in->changed_at > UNDO_WINDOW_S)
		return -ERR_UNDO_EXPIRED;
	return 0;
}

bool rules_next_window(int plan_status, int planned, int holding, int64_t last_start, int min_days,
		       int max_days, struct window *out)
{
	if (plan_status != PLAN_ACTIVE || holding <= 0 || holding >= planned || !last_start)
		return false;
	int64_t last = dates_local_day(last_start);
	out->from_day = last + min_days;
	out->to_day = last + max_days;
	return true;
}

/* Busy intervals sorted by start, with the latest end seen so far at each position: an
 * overlap test is then one binary search, however many appointments a day holds. */
struct busy_index {
	struct interval *iv;
	int64_t *max_end;
	size_t n;
};

static int cmp_start(const void *a, const void *b)
{
	const struct interval *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static void index_build(struct busy_index *b, const struct interval *list, size_t n)
{
	b->n = n;
	b->iv = xcalloc(n + 1, sizeof *b->iv);
	b->max_end = xcalloc(n + 1, sizeof *b->max_end);
	if (n)
		memcpy(b->iv, list, n * sizeof *list);
	qsort(b->iv, n, sizeof *b->iv, cmp_start);
	for (size_t i = 0; i < n; i++)
		b->max_end[i] =
		    i && b->max_end[i - 1] > b->iv[i].end ? b->max_end[i - 1] : b->iv[i].end;
}

static void index_free(struct busy_index *b)
{
	free(b->iv);
	free(b->max_end);
}

/* True when some interval starts before e and ends after s. */
static bool busy_at(const struct busy_index *b, int64_t s, int64_t e)
{
	size_t lo = 0, hi = b->n; /* count of intervals that start before e */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->iv[mid].start < e)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && b->max_end[lo - 1] > s;
}

/* Room r's busy times, read now if the search loads rooms as it goes. */
static int room_index(const struct slot_query *q, struct busy_index *rooms, bool *loaded, size_t r)
{
	if (loaded[r])
		return 0;
	int err = 0;
	if (q->load_room) {
		struct interval *busy = NULL;
		size_t n = 0;
		err = q->load_room(q->load_arg, q->rooms[r].room_id, &busy, &n);
		index_build(&rooms[r], busy, err ? 0 : n);
		free(busy);
	} else {
		index_build(&rooms[r], q->rooms[r].busy, q->rooms[r].n);
	}
	loaded[r] = true;
	return err;
}

int rules_find_slots(const struct slot_query *q, struct slot *out, size_t *found_out)
{
	size_t found = 0;
	int err = 0;
	int step = q->step_min > 0 ? q->step_min : 15;
	*found_out = 0;
	if (q->duration_min <= 0 || q->limit == 0)
		return 0;
	struct busy_index prac, patient;
	struct busy_index *rooms = xcalloc(q->nrooms + 1, sizeof *rooms);
	bool *loaded = xcalloc(q->nrooms + 1, sizeof *loaded);
	index_build(&prac, q->practitioner_busy, q->npractitioner_busy);
	index_build(&patient, q->patient_busy, q->npatient_busy);
	for (int64_t day = q->from_day; !err && day <= q->to_day && found < q->limit; day++) {
		int weekday = dates_weekday(day);
		for (size_t h = 0; !err && h < q->nhours && found < q->limit; h++) {
			const struct hours *hr = &q->hours[h];
			if (hr->weekday != weekday)
				continue;
			/* A stretch of touching intervals is searched once, from its first. */
			bool continues = false;
			for (size_t k = 0; k < q->nhours; k++)
				continues |= q->hours[k].weekday == weekday &&
					     q->hours[k].start_min < hr->start_min &&
					     q->hours[k].end_min >= hr->start_min;
			if (continues)
				continue;
			int last = stretch_end(q->hours, q->nhours, weekday, hr->end_min);
			/* Align to the grid from midnight so slots read 09:00, 09:15, ... */
			int first = (hr->start_min + step - 1) / step * step;
			for (int m = first; !err && m + q->duration_min <= last && found < q->limit;
			     m += step) {
				int64_t s = dates_local_to_instant(day, m);
				int64_t e = dates_local_to_instant(day, m + q->duration_min);
				/* Over a DST change the wall times are not duration apart. */
				if (s < q->not_before || e - s != (int64_t)q->duration_min * 60)
					continue;
				/* A DST gap can make the wall time land elsewhere. */
				if (dates_local_day(s) != day || dates_local_minute(s) != m)
					continue;
				if (busy_at(&prac, s, e) || busy_at(&patient, s, e))
					continue;
				for (size_t r = 0; r < q->nrooms; r++) {
					if ((err = room_index(q, rooms, loaded, r)) != 0)
						break;
					if (!busy_at(&rooms[r], s, e)) {
						out[found].start = s;
						out[found].end = e;
						out[found].room_id = q->rooms[r].room_id;
						found++;
						break;
					}
				}
			}
		}
	}
	index_free(&prac);
	index_free(&patient);
	for (size_t r = 0; r < q->nrooms; r++)
		if (loaded[r])
			index_free(&rooms[r]);
	free(rooms);
	free(loaded);
	*found_out = err ? 0 : found;
	return err;
}
