/* Unit tests for domain/schedule: the booking rules of RULES.md (gates, spacing, working
 * hours, status changes) and the derived views (next window, free slots), table by
 * table, in clinic zones with DST changes and across leap days. */
#include "unit.h"

#include "domain/dates.h"
#include "domain/schedule.h"
#include "util/err.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

/* The instant of an RFC 3339 string that must parse. */
static int64_t at(const char *s)
{
	int64_t t = 0;
	if (dates_parse_instant(s, &t) != 0)
		fail_msg("bad instant in a table: %s", s);
	return t;
}

/* The day number of a "YYYY-MM-DD" string that must parse. */
static int64_t day_of(const char *s)
{
	struct cdate d;
	if (dates_parse_date(s, &d) != 0)
		fail_msg("bad date in a table: %s", s);
	return dates_to_days(&d);
}

static struct cdate date_of(const char *s)
{
	struct cdate d = {0, 0, 0};
	if (dates_parse_date(s, &d) != 0)
		fail_msg("bad date in a table: %s", s);
	return d;
}

/* The instant of local wall-clock time minute on date in the current zone; 0 for NULL. */
static int64_t local_at(const char *date, int minute)
{
	return date ? dates_local_to_instant(day_of(date), minute) : 0;
}

/* A day number as "YYYY-MM-DD" (or "0" for 0) into buf (DATES_BUF), for messages. */
static const char *day_text(int64_t day, char *buf)
{
	if (day == 0) {
		snprintf(buf, DATES_BUF, "0");
	} else {
		struct cdate d = dates_from_days(day);
		dates_format_date(&d, buf);
	}
	return buf;
}

/* Keeps a failed zone test from leaking its zone into the next one. */
static int zone_utc(void **state)
{
	(void)state;
	dates_set_zone("UTC");
	return 0;
}

/* ---- Names on the wire. ---- */

struct name_case {
	int value;
	const char *name;
};

struct name_family {
	const char *what;
	const char *(*name)(int);
	int (*parse)(const char *);
	struct name_case known[6]; /* ends at a NULL name */
};

static void names_round_trip(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct name_family families[] = {
		{"appt_kind",
		 appt_kind_name,
		 appt_kind_parse,
		 {{KIND_CONSULTATION, "consultation"},
		  {KIND_TREATMENT, "treatment"},
		  {KIND_REVIEW, "review"},
		  {0, NULL}}},
		{"appt_status",
		 appt_status_name,
		 appt_status_parse,
		 {{APPT_BOOKED, "booked"},
		  {APPT_CHECKED_IN, "checked_in"},
		  {APPT_COMPLETED, "completed"},
		  {APPT_CANCELLED, "cancelled"},
		  {APPT_NO_SHOW, "no_show"},
		  {0, NULL}}},
		{"plan_status",
		 plan_status_name,
		 plan_status_parse,
		 {{PLAN_ACTIVE, "active"},
		  {PLAN_COMPLETED, "completed"},
		  {PLAN_ON_HOLD, "on_hold"},
		  {PLAN_CANCELLED, "cancelled"},
		  {0, NULL}}},
		{"severity", severity_name, severity_parse, {{SEV_BLOCK, "block"}, {SEV_CLEARANCE,
		 "clearance"}, {SEV_CAUTION, "caution"}, {0, NULL}}},
	};
	/* clang-format on */
	/* Names no family knows, including near misses of real ones. */
	/* clang-format off */
	static const char *const unknown[] = {
		"",      "Booked",      "BOOKED",     "booked ",    " booked", "checked-in",
		"noshow", "consult",     "treatments", "on hold",    "Active",  "caution\n",
		"blocked", "cancelled\t", "0",          "1",          "null",    "clear",
	};
	/* clang-format on */
	int bad = 0;
	for (size_t f = 0; f < NROWS(families); f++) {
		const struct name_family *fam = &families[f];
		for (size_t i = 0; fam->known[i].name; i++) {
			const struct name_case *c = &fam->known[i];
			const char *n = fam->name(c->value);
			row_check(&bad, n && strcmp(n, c->name) == 0,
				  "%s row %zu: name(%d) = %s, want %s", fam->what, i, c->value,
				  n ? n : "NULL", c->name);
			row_check(&bad, fam->parse(c->name) == c->value,
				  "%s row %zu: parse(%s) = %d, want %d", fam->what, i, c->name,
				  fam->parse(c->name), c->value);
			row_check(&bad, n && fam->parse(n) == c->value, "%s row %zu: no round trip",
				  fam->what, i);
		}
		static const int out_of_range[] = {0, -1, 6, 99};
		for (size_t i = 0; i < NROWS(out_of_range); i++)
			row_check(&bad, fam->name(out_of_range[i]) == NULL,
				  "%s: name(%d) should be NULL", fam->what, out_of_range[i]);
		for (size_t i = 0; i < NROWS(unknown); i++)
			row_check(&bad, fam->parse(unknown[i]) == 0,
				  "%s unknown row %zu: parse(\"%s\") = %d", fam->what, i,
				  unknown[i], fam->parse(unknown[i]));
		row_check(&bad, fam->parse(NULL) == 0, "%s: parse(NULL) should be 0", fam->what);
	}
	/* Names of one family are not names of another. */
	/* clang-format off */
	static const struct {
		int (*parse)(const char *);
		const char *s;
	} cross[] = {
		{appt_kind_parse, "booked"},      {appt_kind_parse, "block"},
		{appt_status_parse, "treatment"}, {appt_status_parse, "active"},
		{plan_status_parse, "booked"},    {plan_status_parse, "no_show"},
		{severity_parse, "cancelled"},    {severity_parse, "consultation"},
	};
	/* clang-format on */
	for (size_t i = 0; i < NROWS(cross); i++)
		row_check(&bad, cross[i].parse(cross[i].s) == 0, "cross row %zu: %s parsed", i,
			  cross[i].s);
	assert_int_equal(bad, 0);
}

static void indications(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *s;
		bool ok;
	} rows[] = {
		{"fine_lines", true},
		{"acne_scars", true},
		{"scars", true},
		{"stretch_marks", true},
		{"hyperpigmentation", true},
		{"pores", true},
		{"rejuvenation", true},
		{"", false},
		{"Scars", false},
		{"scars ", false},
		{"acne", false},
		{"acne_scar", false},
		{"fine-lines", false},
		{"stretch_marks_", false},
		{"pore", false},
		{"rosacea", false},
		{"MN", false},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++)
		row_check(&bad, indication_valid(rows[i].s) == rows[i].ok,
			  "row %zu: \"%s\" should be %s", i, rows[i].s,
			  rows[i].ok ? "valid" : "invalid");
	row_check(&bad, !indication_valid(NULL), "NULL should be invalid");
	assert_int_equal(bad, 0);
}

static void status_holds(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		int status;
		bool holds;
	} rows[] = {
		{APPT_BOOKED, true},     {APPT_CHECKED_IN, true}, {APPT_COMPLETED, true},
		{APPT_CANCELLED, false}, {APPT_NO_SHOW, false},   {0, false},
		{6, false},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++)
		row_check(&bad, appt_status_holds(rows[i].status) == rows[i].holds,
			  "row %zu: status %d holds should be %d", i, rows[i].status,
			  rows[i].holds);
	assert_int_equal(bad, 0);
}

static void overlap(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		int64_t as, ae, bs, be;
		bool overlap;
	} rows[] = {
		{10, 20, 10, 20, true},  /* identical */
		{10, 20, 12, 18, true},  /* b inside a */
		{12, 18, 10, 20, true},  /* a inside b */
		{10, 20, 15, 25, true},  /* b starts inside a */
		{15, 25, 10, 20, true},  /* a starts inside b */
		{10, 20, 19, 30, true},  /* one second shared */
		{10, 20, 20, 30, false}, /* b starts as a ends */
		{20, 30, 10, 20, false}, /* a starts as b ends */
		{10, 20, 21, 30, false},
		{21, 30, 10, 20, false},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++)
		row_check(&bad,
			  intervals_overlap(rows[i].as, rows[i].ae, rows[i].bs, rows[i].be) ==
			      rows[i].overlap,
			  "row %zu: [%lld,%lld) vs [%lld,%lld) overlap should be %d", i,
			  (long long)rows[i].as, (long long)rows[i].ae, (long long)rows[i].bs,
			  (long long)rows[i].be, rows[i].overlap);
	assert_int_equal(bad, 0);
}

/* ---- Rules 1 and 2: the gate. ---- */

/* The codes of a result list joined with commas into buf (256 bytes). */
static const char *join(const char *const *list, size_t n, char *buf)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + used, 256 - used, "%s%s", i ? "," : "", list[i]);
		assert_true(w >= 0 && (size_t)w < 256 - used);
		used += (size_t)w;
	}
	return buf;
}

/* Checks one result list of a gate row against want (comma-joined; NULL: not checked). */
static void check_list(int *bad, size_t row, const char *what, const char *label,
		       const char *const *list, size_t n, const char *want)
{
	char buf[256];
	if (want)
		row_check(bad, strcmp(join(list, n, buf), want) == 0,
			  "row %zu (%s): %s [%s], want [%s]", row, what, label, buf, want);
}

/* clang-format off */
#define BLOCK(c) {c, SEV_BLOCK, false}
#define CLEAR(c, ok) {c, SEV_CLEARANCE, ok}
#define CAUTION(c) {c, SEV_CAUTION, false}
/* clang-format on */

static void gate(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *what;
		int kind;
		const char *birth, *on;
		bool has_screening;
		struct screened_condition conds[4];
		size_t nconds;
		int rc;
		/* Expected lists, comma-joined; NULL: not checked. */
		const char *blocked, *needs_clearance, *cautions;
	} rows[] = {
		/* Consultations always pass. */
		{"consultation, adult, no screening", KIND_CONSULTATION, "1990-05-05", "2026-01-12",
		 false, {{0}}, 0, 0, NULL, NULL, NULL},
		{"consultation, underage, no screening", KIND_CONSULTATION, "2015-05-05",
		 "2026-01-12", false, {{0}}, 0, 0, NULL, NULL, NULL},
		{"consultation, blocking and uncleared", KIND_CONSULTATION, "1990-05-05",
		 "2026-01-12", true, {BLOCK("eczema"), CLEAR("pregnant", false),
		 CAUTION("sunburn")}, 3, 0, NULL, NULL, NULL},
		{"consultation, underage with a block", KIND_CONSULTATION, "2012-01-01",
		 "2026-01-12", true, {BLOCK("rash")}, 1, 0, NULL, NULL, NULL},
		{"review, underage, blocking, no screening", KIND_REVIEW, "2012-01-01",
		 "2026-01-12", false, {BLOCK("rash")}, 1, 0, NULL, NULL, NULL},
		/* Rule 1: 18 on the appointment's own date. */
		{"treatment, 18 tomorrow", KIND_TREATMENT, "2008-06-15", "2026-06-14", true, {{0}},
		 0, -ERR_UNDERAGE, "", "", ""},
		{"treatment, 18 today", KIND_TREATMENT, "2008-06-15", "2026-06-15", true, {{0}}, 0,
		 0, "", "", ""},
		{"treatment, 18 yesterday", KIND_TREATMENT, "2008-06-15", "2026-06-16", true, {{0}},
		 0, 0, "", "", ""},
		{"treatment, 18 next month", KIND_TREATMENT, "2008-07-01", "2026-06-30", true,
		 {{0}}, 0, -ERR_UNDERAGE, "", "", ""},
		{"treatment, 18 on 1 January", KIND_TREATMENT, "2008-01-01", "2025-12-31", true,
		 {{0}}, 0, -ERR_UNDERAGE, "", "", ""},
		{"treatment, 18 on 1 January, reached", KIND_TREATMENT, "2008-01-01", "2026-01-01",
		 true, {{0}}, 0, 0, "", "", ""},
		{"treatment, 29 Feb birth, 28 Feb of a common year", KIND_TREATMENT, "2008-02-29",
		 "2026-02-28", true, {{0}}, 0, -ERR_UNDERAGE, "", "", ""},
		{"treatment, 29 Feb birth, 1 Mar of a common year", KIND_TREATMENT, "2008-02-29",
		 "2026-03-01", true, {{0}}, 0, 0, "", "", ""},
		{"treatment, born 29 Feb 2012, on 28 Feb 2030", KIND_TREATMENT, "2012-02-29",
		 "2030-02-28", true, {{0}}, 0, -ERR_UNDERAGE, "", "", ""},
		{"treatment, born 28 Feb, 29 Feb of a leap year", KIND_TREATMENT, "2010-02-28",
		 "2028-02-29", true, {{0}}, 0, 0, "", "", ""},
		{"treatment, born 1 Mar, 29 Feb of a leap year", KIND_TREATMENT, "2010-03-01",
		 "2028-02-29", true, {{0}}, 0, -ERR_UNDERAGE, "", "", ""},
		{"treatment, born 1 Mar, 1 Mar of a leap year", KIND_TREATMENT, "2010-03-01",
		 "2028-03-01", true, {{0}}, 0, 0, "", "", ""},
		{"treatment, born 1990", KIND_TREATMENT, "1990-05-05", "2026-01-12", true, {{0}}, 0,
		 0, "", "", ""},
		/* Underage is reported before screening and contraindications. */
		{"treatment, underage and no screening", KIND_TREATMENT, "2010-03-03", "2026-01-12",
		 false, {{0}}, 0, -ERR_UNDERAGE, "", "", ""},
		{"treatment, underage and blocked", KIND_TREATMENT, "2010-03-03", "2026-01-12",
		 true, {BLOCK("eczema")}, 1, -ERR_UNDERAGE, "eczema", "", ""},
		{"treatment, underage with cautions", KIND_TREATMENT, "2010-03-03", "2026-01-12",
		 true, {CAUTION("active_acne")}, 1, -ERR_UNDERAGE, "", "", "active_acne"},
		/* Rule 2. */
		{"treatment, no screening", KIND_TREATMENT, "1990-05-05", "2026-01-12", false,
		 {{0}}, 0, -ERR_SCREENING_REQUIRED, "", "", ""},
		{"treatment, screening with nothing", KIND_TREATMENT, "1990-05-05", "2026-01-12",
		 true, {{0}}, 0, 0, "", "", ""},
		{"treatment, eczema", KIND_TREATMENT, "1990-05-05", "2026-01-12", true,
		 {BLOCK("eczema")}, 1, -ERR_CONTRAINDICATED, "eczema", "", ""},
		{"treatment, every block", KIND_TREATMENT, "1990-05-05", "2026-01-12", true,
		 {BLOCK("rosacea"), BLOCK("rash"), BLOCK("skin_infection"), BLOCK("open_wound")}, 4,
		 -ERR_CONTRAINDICATED, "rosacea,rash,skin_infection,open_wound", "", ""},
		{"treatment, a block marked cleared still blocks", KIND_TREATMENT, "1990-05-05",
		 "2026-01-12", true, {{"rosacea", SEV_BLOCK, true}}, 1, -ERR_CONTRAINDICATED,
		 "rosacea", "", ""},
		{"treatment, block and caution", KIND_TREATMENT, "1990-05-05", "2026-01-12", true,
		 {CAUTION("sunburn"), BLOCK("open_wound")}, 2, -ERR_CONTRAINDICATED, "open_wound",
		 "", "sunburn"},
		{"treatment, pregnant without clearance", KIND_TREATMENT, "1990-05-05",
		 "2026-01-12", true, {CLEAR("pregnant", false)}, 1, -ERR_CONTRAINDICATED, "",
		 "pregnant", ""},
		{"treatment, pregnant with clearance", KIND_TREATMENT, "1990-05-05", "2026-01-12",
		 true, {CLEAR("pregnant", true)}, 1, 0, "", "", ""},
		{"treatment, one cleared, one not", KIND_TREATMENT, "1990-05-05", "2026-01-12",
		 true, {CLEAR("pregnant", true), CLEAR("breastfeeding", false)}, 2,
		 -ERR_CONTRAINDICATED, "", "breastfeeding", ""},
		{"treatment, both uncleared", KIND_TREATMENT, "1990-05-05", "2026-01-12", true,
		 {CLEAR("pregnant", false), CLEAR("breastfeeding", false)}, 2, -ERR_CONTRAINDICATED,
		 "", "pregnant,breastfeeding", ""},
		{"treatment, block and uncleared", KIND_TREATMENT, "1990-05-05", "2026-01-12", true,
		 {CLEAR("breastfeeding", false), BLOCK("rash")}, 2, -ERR_CONTRAINDICATED, "rash",
		 "breastfeeding", ""},
		{"treatment, one caution", KIND_TREATMENT, "1990-05-05", "2026-01-12", true,
		 {CAUTION("anticoagulants")}, 1, 0, "", "", "anticoagulants"},
		{"treatment, cautions only", KIND_TREATMENT, "1990-05-05", "2026-01-12", true,
		 {CAUTION("isotretinoin_12mo"), CAUTION("keloid_history"),
		 CAUTION("herpes_simplex"), CAUTION("recent_retinoids")}, 4, 0, "", "",
		 "isotretinoin_12mo,keloid_history,herpes_simplex,recent_retinoids"},
		{"treatment, cleared and caution", KIND_TREATMENT, "1990-05-05", "2026-01-12", true,
		 {CLEAR("pregnant", true), CAUTION("sunburn")}, 2, 0, "", "", "sunburn"},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++) {
		struct gate_input in = {
		    .kind = rows[i].kind,
		    .birth = date_of(rows[i].birth),
		    .on = date_of(rows[i].on),
		    .has_screening = rows[i].has_screening,
		    .conds = rows[i].conds,
		    .nconds = rows[i].nconds,
		};
		struct gate_result out;
		memset(&out, 0x5a, sizeof out);
		int rc = rules_gate(&in, &out);
		row_check(&bad, rc == rows[i].rc, "row %zu (%s): rc %d, want %d", i, rows[i].what,
			  rc, rows[i].rc);
		check_list(&bad, i, rows[i].what, "blocked", out.blocked, out.nblocked,
			   rows[i].blocked);
		check_list(&bad, i, rows[i].what, "needs_clearance", out.needs_clearance,
			   out.nneeds_clearance, rows[i].needs_clearance);
		check_list(&bad, i, rows[i].what, "cautions", out.cautions, out.ncautions,
			   rows[i].cautions);
	}
	assert_int_equal(bad, 0);
}

/* ---- Rule 3: spacing. ---- */

static void spacing(void **state)
{
	(void)state;
	enum { B = 0, NY = 1 };
	static const char *const zones[] = {"Europe/Berlin", "America/New_York"};
	/* Local wall-clock times as (date, minute since midnight); NULL date: no neighbour. */
	/* clang-format off */
	static const struct {
		const char *what;
		int zone;
		const char *prev;
		int prev_min;
		const char *start;
		int start_min;
		const char *next;
		int next_min;
		int min, max;
		int rc;
		bool close_prev, close_next, beyond_prev, beyond_next;
		const char *earliest, *latest, *next_latest; /* NULL: 0 */
	} rows[] = {
		{"no neighbours", B, NULL, 0, "2026-01-05", 600, NULL, 0, 28, 42, 0, false, false,
		 false, false, NULL, NULL, NULL},
		{"prev 27 days before", B, "2026-01-05", 600, "2026-02-01", 600, NULL, 0, 28, 42,
		 -ERR_SPACING_TOO_SHORT, true, false, false, false, "2026-02-02", "2026-02-16",
		 NULL},
		{"prev 28 days before", B, "2026-01-05", 600, "2026-02-02", 600, NULL, 0, 28, 42, 0,
		 false, false, false, false, "2026-02-02", "2026-02-16", NULL},
		{"prev 42 days before", B, "2026-01-05", 600, "2026-02-16", 600, NULL, 0, 28, 42, 0,
		 false, false, false, false, "2026-02-02", "2026-02-16", NULL},
		{"prev 43 days before", B, "2026-01-05", 600, "2026-02-17", 600, NULL, 0, 28, 42, 0,
		 false, false, true, false, "2026-02-02", "2026-02-16", NULL},
		{"prev the same day", B, "2026-01-05", 540, "2026-01-05", 720, NULL, 0, 28, 42,
		 -ERR_SPACING_TOO_SHORT, true, false, false, false, "2026-02-02", "2026-02-16",
		 NULL},
		{"prev 1 day before", B, "2026-01-05", 600, "2026-01-06", 600, NULL, 0, 28, 42,
		 -ERR_SPACING_TOO_SHORT, true, false, false, false, "2026-02-02", "2026-02-16",
		 NULL},
		{"plan with 35-49 days, 34", B, "2026-01-05", 600, "2026-02-08", 600, NULL, 0, 35,
		 49, -ERR_SPACING_TOO_SHORT, true, false, false, false, "2026-02-09", "2026-02-23",
		 NULL},
		{"plan with 35-49 days, 35", B, "2026-01-05", 600, "2026-02-09", 600, NULL, 0, 35,
		 49, 0, false, false, false, false, "2026-02-09", "2026-02-23", NULL},
		{"plan with 35-49 days, 50", B, "2026-01-05", 600, "2026-02-24", 600, NULL, 0, 35,
		 49, 0, false, false, true, false, "2026-02-09", "2026-02-23", NULL},
		/* A session moved before its successor. */
		{"next 26 days after", B, NULL, 0, "2026-02-02", 600, "2026-02-28", 600, 28, 42,
		 -ERR_SPACING_TOO_SHORT, false, true, false, false, NULL, NULL, "2026-01-31"},
		{"next 27 days after", B, NULL, 0, "2026-02-02", 600, "2026-03-01", 600, 28, 42,
		 -ERR_SPACING_TOO_SHORT, false, true, false, false, NULL, NULL, "2026-02-01"},
		{"next 28 days after", B, NULL, 0, "2026-02-02", 600, "2026-03-02", 600, 28, 42, 0,
		 false, false, false, false, NULL, NULL, "2026-02-02"},
		{"next 42 days after", B, NULL, 0, "2026-02-02", 600, "2026-03-16", 600, 28, 42, 0,
		 false, false, false, false, NULL, NULL, "2026-02-16"},
		{"next 43 days after", B, NULL, 0, "2026-02-02", 600, "2026-03-17", 600, 28, 42, 0,
		 false, false, false, true, NULL, NULL, "2026-02-17"},
		/* Both neighbours. */
		{"both 28 away", B, "2026-01-05", 600, "2026-02-02", 600, "2026-03-02", 600, 28, 42,
		 0, false, false, false, false, "2026-02-02", "2026-02-16", "2026-02-02"},
		{"both too close", B, "2026-01-05", 600, "2026-01-20", 600, "2026-02-10", 600, 28,
		 42, -ERR_SPACING_TOO_SHORT, true, true, false, false, "2026-02-02", "2026-02-16",
		 "2026-01-13"},
		{"prev fine, next too close", B, "2026-01-05", 600, "2026-02-02", 600, "2026-03-01",
		 600, 28, 42, -ERR_SPACING_TOO_SHORT, false, true, false, false, "2026-02-02",
		 "2026-02-16", "2026-02-01"},
		{"prev too close, next fine", B, "2026-01-05", 600, "2026-02-01", 600, "2026-03-01",
		 600, 28, 42, -ERR_SPACING_TOO_SHORT, true, false, false, false, "2026-02-02",
		 "2026-02-16", "2026-02-01"},
		{"both beyond max", B, "2026-01-05", 600, "2026-02-17", 600, "2026-04-01", 600, 28,
		 42, 0, false, false, true, true, "2026-02-02", "2026-02-16", "2026-03-04"},
		/* Calendar days, not 24-hour periods: 23:00 then 08:00. */
		{"Berlin 23:00 -> 08:00, 28 days", B, "2026-02-01", 1380, "2026-03-01", 480, NULL,
		 0, 28, 42, 0, false, false, false, false, "2026-03-01", "2026-03-15", NULL},
		{"Berlin 23:00 -> 08:00, 27 days", B, "2026-02-01", 1380, "2026-02-28", 480, NULL,
		 0, 28, 42, -ERR_SPACING_TOO_SHORT, true, false, false, false, "2026-03-01",
		 "2026-03-15", NULL},
		{"Berlin 08:00 -> 23:00, 27 days", B, "2026-02-01", 480, "2026-02-28", 1380, NULL,
		 0, 28, 42, -ERR_SPACING_TOO_SHORT, true, false, false, false, "2026-03-01",
		 "2026-03-15", NULL},
		{"New York 23:00 -> 08:00, 28 days", NY, "2026-01-10", 1380, "2026-02-07", 480,
		 NULL, 0, 28, 42, 0, false, false, false, false, "2026-02-07", "2026-02-21", NULL},
		{"New York 23:00 -> 08:00, 27 days", NY, "2026-01-10", 1380, "2026-02-06", 480,
		 NULL, 0, 28, 42, -ERR_SPACING_TOO_SHORT, true, false, false, false, "2026-02-07",
		 "2026-02-21", NULL},
		/* Across DST start (Berlin 29 March 2026, New York 8 March 2026). */
		{"Berlin over DST start, 28", B, "2026-03-10", 1380, "2026-04-07", 480, NULL, 0, 28,
		 42, 0, false, false, false, false, "2026-04-07", "2026-04-21", NULL},
		{"Berlin over DST start, 27", B, "2026-03-10", 1380, "2026-04-06", 480, NULL, 0, 28,
		 42, -ERR_SPACING_TOO_SHORT, true, false, false, false, "2026-04-07", "2026-04-21",
		 NULL},
		/* 27 days 23 hours elapsed over DST start is still 27 calendar days ... */
		{"Berlin over DST start, 23:30 -> 23:30", B, "2026-03-15", 1410, "2026-04-11", 1410,
		 NULL, 0, 28, 42, -ERR_SPACING_TOO_SHORT, true, false, false, false, "2026-04-12",
		 "2026-04-26", NULL},
		/* ... and 27 days 0 hours elapsed is 28 calendar days when the clock says so. */
		{"Berlin over DST start, 23:30 -> 00:30", B, "2026-03-15", 1410, "2026-04-12", 30,
		 NULL, 0, 28, 42, 0, false, false, false, false, "2026-04-12", "2026-04-26", NULL},
		{"New York over DST start, 28", NY, "2026-02-20", 1380, "2026-03-20", 480, NULL, 0,
		 28, 42, 0, false, false, false, false, "2026-03-20", "2026-04-03", NULL},
		{"New York over DST start, 27", NY, "2026-02-20", 1380, "2026-03-19", 480, NULL, 0,
		 28, 42, -ERR_SPACING_TOO_SHORT, true, false, false, false, "2026-03-20",
		 "2026-04-03", NULL},
		/* Across DST end (Berlin 25 October 2026, New York 1 November 2026). */
		{"Berlin over DST end, 28", B, "2026-10-10", 1380, "2026-11-07", 480, NULL, 0, 28,
		 42, 0, false, false, false, false, "2026-11-07", "2026-11-21", NULL},
		{"Berlin over DST end, 27", B, "2026-10-10", 1380, "2026-11-06", 480, NULL, 0, 28,
		 42, -ERR_SPACING_TOO_SHORT, true, false, false, false, "2026-11-07", "2026-11-21",
		 NULL},
		/* 28 days and half an hour elapsed over DST end, yet only 27 calendar days. */
		{"Berlin over DST end, 00:00 -> 23:30", B, "2026-10-10", 0, "2026-11-06", 1410,
		 NULL, 0, 28, 42, -ERR_SPACING_TOO_SHORT, true, false, false, false, "2026-11-07",
		 "2026-11-21", NULL},
		{"New York over DST end, 28", NY, "2026-10-15", 1380, "2026-11-12", 480, NULL, 0,
		 28, 42, 0, false, false, false, false, "2026-11-12", "2026-11-26", NULL},
		{"New York over DST end, 27", NY, "2026-10-15", 1380, "2026-11-11", 480, NULL, 0,
		 28, 42, -ERR_SPACING_TOO_SHORT, true, false, false, false, "2026-11-12",
		 "2026-11-26", NULL},
		{"New York over DST end, 43 days", NY, "2026-10-01", 1380, "2026-11-13", 480, NULL,
		 0, 28, 42, 0, false, false, true, false, "2026-10-29", "2026-11-12", NULL},
		{"New York next over DST end, 27", NY, NULL, 0, "2026-10-15", 1380, "2026-11-11",
		 480, 28, 42, -ERR_SPACING_TOO_SHORT, false, true, false, false, NULL, NULL,
		 "2026-10-14"},
		/* Leap days. */
		{"2028-02-01 -> 2028-02-29 is 28", B, "2028-02-01", 600, "2028-02-29", 600, NULL, 0,
		 28, 42, 0, false, false, false, false, "2028-02-29", "2028-03-14", NULL},
		{"2028-02-01 -> 2028-02-28 is 27", B, "2028-02-01", 600, "2028-02-28", 600, NULL, 0,
		 28, 42, -ERR_SPACING_TOO_SHORT, true, false, false, false, "2028-02-29",
		 "2028-03-14", NULL},
		{"2027-02-01 -> 2027-03-01 is 28", NY, "2027-02-01", 1380, "2027-03-01", 480, NULL,
		 0, 28, 42, 0, false, false, false, false, "2027-03-01", "2027-03-15", NULL},
		{"2028-02-02 -> 2028-03-01 is 28", NY, "2028-02-02", 1380, "2028-03-01", 480, NULL,
		 0, 28, 42, 0, false, false, false, false, "2028-03-01", "2028-03-15", NULL},
		{"2028-02-02 -> 2028-02-29 is 27", NY, "2028-02-02", 1380, "2028-02-29", 480, NULL,
		 0, 28, 42, -ERR_SPACING_TOO_SHORT, true, false, false, false, "2028-03-01",
		 "2028-03-15", NULL},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++) {
		dates_set_zone(zones[rows[i].zone]);
		struct spacing_input in = {
		    .start = local_at(rows[i].start, rows[i].start_min),
		    .prev_start = local_at(rows[i].prev, rows[i].prev_min),
		    .next_start = local_at(rows[i].next, rows[i].next_min),
		    .min_days = rows[i].min,
		    .max_days = rows[i].max,
		};
		struct spacing_result out;
		memset(&out, 0x5a, sizeof out);
		int rc = rules_spacing(&in, &out);
		char b1[DATES_BUF], b2[DATES_BUF];
		const char *w = rows[i].what;
		row_check(&bad, rc == rows[i].rc, "row %zu (%s): rc %d, want %d", i, w, rc,
			  rows[i].rc);
		row_check(&bad, out.too_close_prev == rows[i].close_prev,
			  "row %zu (%s): too_close_prev %d", i, w, out.too_close_prev);
		row_check(&bad, out.too_close_next == rows[i].close_next,
			  "row %zu (%s): too_close_next %d", i, w, out.too_close_next);
		row_check(&bad, out.beyond_max_prev == rows[i].beyond_prev,
			  "row %zu (%s): beyond_max_prev %d", i, w, out.beyond_max_prev);
		row_check(&bad, out.beyond_max_next == rows[i].beyond_next,
			  "row %zu (%s): beyond_max_next %d", i, w, out.beyond_max_next);
		int64_t want_e = rows[i].earliest ? day_of(rows[i].earliest) : 0;
		int64_t want_l = rows[i].latest ? day_of(rows[i].latest) : 0;
		int64_t want_n = rows[i].next_latest ? day_of(rows[i].next_latest) : 0;
		row_check(&bad, out.earliest_day == want_e, "row %zu (%s): earliest %s, want %s", i,
			  w, day_text(out.earliest_day, b1), day_text(want_e, b2));
		row_check(&bad, out.latest_day == want_l, "row %zu (%s): latest %s, want %s", i, w,
			  day_text(out.latest_day, b1), day_text(want_l, b2));
		row_check(&bad, out.next_latest_day == want_n,
			  "row %zu (%s): next_latest %s, want %s", i, w,
			  day_text(out.next_latest_day, b1), day_text(want_n, b2));
	}
	dates_set_zone("UTC");
	assert_int_equal(bad, 0);
}

/* The instants the spacing table relies on really straddle the clock changes: the rows
 * would pass trivially if local_at() ignored DST. */
static void spacing_instants(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *zone, *date;
		int minute;
		const char *instant;
	} rows[] = {
		{"Europe/Berlin", "2026-02-01", 1380, "2026-02-01T22:00:00Z"},
		{"Europe/Berlin", "2026-03-01", 480, "2026-03-01T07:00:00Z"},
		{"Europe/Berlin", "2026-03-15", 1410, "2026-03-15T22:30:00Z"},
		{"Europe/Berlin", "2026-04-11", 1410, "2026-04-11T21:30:00Z"},
		{"Europe/Berlin", "2026-04-12", 30, "2026-04-11T22:30:00Z"},
		{"Europe/Berlin", "2026-10-10", 0, "2026-10-09T22:00:00Z"},
		{"Europe/Berlin", "2026-11-06", 1410, "2026-11-06T22:30:00Z"},
		{"America/New_York", "2026-01-10", 1380, "2026-01-11T04:00:00Z"},
		{"America/New_York", "2026-02-20", 1380, "2026-02-21T04:00:00Z"},
		{"America/New_York", "2026-03-20", 480, "2026-03-20T12:00:00Z"},
		{"America/New_York", "2026-10-15", 1380, "2026-10-16T03:00:00Z"},
		{"America/New_York", "2026-11-12", 480, "2026-11-12T13:00:00Z"},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++) {
		dates_set_zone(rows[i].zone);
		int64_t t = local_at(rows[i].date, rows[i].minute);
		char buf[DATES_BUF];
		dates_format_utc(t, buf);
		row_check(&bad, t == at(rows[i].instant), "row %zu: %s %s minute %d is %s, want %s",
			  i, rows[i].zone, rows[i].date, rows[i].minute, buf, rows[i].instant);
	}
	dates_set_zone("UTC");
	assert_int_equal(bad, 0);
}

/* ---- Rule 6: working hours. ---- */

struct span {
	const char *start, *end; /* RFC 3339; a NULL start ends a list */
};

/* A week with a plain day, a split shift, hours up to and from midnight, and two Sunday
 * intervals for the DST Sundays. */
/* clang-format off */
static const struct hours clinic_week[] = {
	{1, 9 * 60, 17 * 60},  /* Monday 09:00-17:00 */
	{2, 9 * 60, 12 * 60},  /* Tuesday 09:00-12:00 */
	{2, 14 * 60, 18 * 60}, /* and 14:00-18:00 */
	{5, 20 * 60, 24 * 60}, /* Friday 20:00-24:00 */
	{6, 0, 4 * 60},        /* Saturday 00:00-04:00 */
	{7, 1 * 60, 4 * 60},   /* Sunday 01:00-04:00 */
	{7, 9 * 60, 17 * 60},  /* and 09:00-17:00 */
};
/* clang-format on */

static void within_hours(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *what;
		const char *zone;
		const char *start, *end;
		bool no_hours;
		struct span off[2];
		bool ok;
	} rows[] = {
		{"inside", "Europe/Berlin", "2026-01-12T10:00:00+01:00",
		 "2026-01-12T11:00:00+01:00", false, {{NULL, NULL}}, true},
		{"the whole interval", "Europe/Berlin", "2026-01-12T09:00:00+01:00",
		 "2026-01-12T17:00:00+01:00", false, {{NULL, NULL}}, true},
		{"starts at opening", "Europe/Berlin", "2026-01-12T09:00:00+01:00",
		 "2026-01-12T10:00:00+01:00", false, {{NULL, NULL}}, true},
		{"ends at closing", "Europe/Berlin", "2026-01-12T16:00:00+01:00",
		 "2026-01-12T17:00:00+01:00", false, {{NULL, NULL}}, true},
		{"one minute past closing", "Europe/Berlin", "2026-01-12T16:01:00+01:00",
		 "2026-01-12T17:01:00+01:00", false, {{NULL, NULL}}, false},
		{"ends one minute late", "Europe/Berlin", "2026-01-12T16:00:00+01:00",
		 "2026-01-12T17:01:00+01:00", false, {{NULL, NULL}}, false},
		{"ends one second late", "Europe/Berlin", "2026-01-12T16:00:00+01:00",
		 "2026-01-12T17:00:01+01:00", false, {{NULL, NULL}}, false},
		{"one minute before opening", "Europe/Berlin", "2026-01-12T08:59:00+01:00",
		 "2026-01-12T09:59:00+01:00", false, {{NULL, NULL}}, false},
		{"wrong weekday (Wednesday)", "Europe/Berlin", "2026-01-14T10:00:00+01:00",
		 "2026-01-14T11:00:00+01:00", false, {{NULL, NULL}}, false},
		{"wrong weekday (Thursday)", "Europe/Berlin", "2026-01-15T10:00:00+01:00",
		 "2026-01-15T11:00:00+01:00", false, {{NULL, NULL}}, false},
		{"no hours at all", "Europe/Berlin", "2026-01-12T10:00:00+01:00",
		 "2026-01-12T11:00:00+01:00", true, {{NULL, NULL}}, false},
		{"empty", "Europe/Berlin", "2026-01-12T10:00:00+01:00", "2026-01-12T10:00:00+01:00",
		 false, {{NULL, NULL}}, false},
		{"ends before it starts", "Europe/Berlin", "2026-01-12T11:00:00+01:00",
		 "2026-01-12T10:00:00+01:00", false, {{NULL, NULL}}, false},
		/* Midnight. */
		{"Friday ends at midnight", "Europe/Berlin", "2026-01-16T23:00:00+01:00",
		 "2026-01-17T00:00:00+01:00", false, {{NULL, NULL}}, true},
		{"Saturday from midnight", "Europe/Berlin", "2026-01-17T00:00:00+01:00",
		 "2026-01-17T01:00:00+01:00", false, {{NULL, NULL}}, true},
		{"spans midnight", "Europe/Berlin", "2026-01-16T23:30:00+01:00",
		 "2026-01-17T00:30:00+01:00", false, {{NULL, NULL}}, false},
		{"spans Monday midnight into Tuesday", "Europe/Berlin", "2026-01-12T16:00:00+01:00",
		 "2026-01-13T10:00:00+01:00", false, {{NULL, NULL}}, false},
		/* Time off. */
		{"time off overlaps the end", "Europe/Berlin", "2026-01-12T10:00:00+01:00",
		 "2026-01-12T11:00:00+01:00", false,
		 {{"2026-01-12T10:30:00+01:00", "2026-01-12T11:30:00+01:00"}}, false},
		{"time off overlaps the start", "Europe/Berlin", "2026-01-12T10:00:00+01:00",
		 "2026-01-12T11:00:00+01:00", false,
		 {{"2026-01-12T09:30:00+01:00", "2026-01-12T10:01:00+01:00"}}, false},
		{"time off inside", "Europe/Berlin", "2026-01-12T10:00:00+01:00",
		 "2026-01-12T11:00:00+01:00", false,
		 {{"2026-01-12T10:15:00+01:00", "2026-01-12T10:30:00+01:00"}}, false},
		{"time off over the whole week", "Europe/Berlin", "2026-01-12T10:00:00+01:00",
		 "2026-01-12T11:00:00+01:00", false,
		 {{"2026-01-10T00:00:00+01:00", "2026-01-18T00:00:00+01:00"}}, false},
		{"time off ends exactly at start", "Europe/Berlin", "2026-01-12T10:00:00+01:00",
		 "2026-01-12T11:00:00+01:00", false,
		 {{"2026-01-12T09:00:00+01:00", "2026-01-12T10:00:00+01:00"}}, true},
		{"time off starts exactly at end", "Europe/Berlin", "2026-01-12T10:00:00+01:00",
		 "2026-01-12T11:00:00+01:00", false,
		 {{"2026-01-12T11:00:00+01:00", "2026-01-12T12:00:00+01:00"}}, true},
		{"time off on both sides", "Europe/Berlin", "2026-01-12T10:00:00+01:00",
		 "2026-01-12T11:00:00+01:00", false,
		 {{"2026-01-12T09:00:00+01:00", "2026-01-12T10:00:00+01:00"},
		  {"2026-01-12T11:00:00+01:00", "2026-01-12T12:00:00+01:00"}},
		 true},
		{"second time off overlaps", "Europe/Berlin", "2026-01-12T10:00:00+01:00",
		 "2026-01-12T11:00:00+01:00", false,
		 {{"2026-01-13T09:00:00+01:00", "2026-01-13T10:00:00+01:00"},
		  {"2026-01-12T10:59:00+01:00", "2026-01-12T12:00:00+01:00"}},
		 false},
		{"time off another day", "Europe/Berlin", "2026-01-12T10:00:00+01:00",
		 "2026-01-12T11:00:00+01:00", false,
		 {{"2026-01-13T10:00:00+01:00", "2026-01-13T11:00:00+01:00"}}, true},
		/* Split shift on Tuesday. */
		{"split: morning to its end", "Europe/Berlin", "2026-01-13T11:00:00+01:00",
		 "2026-01-13T12:00:00+01:00", false, {{NULL, NULL}}, true},
		{"split: afternoon from its start", "Europe/Berlin", "2026-01-13T14:00:00+01:00",
		 "2026-01-13T15:00:00+01:00", false, {{NULL, NULL}}, true},
		{"split: in the gap", "Europe/Berlin", "2026-01-13T12:00:00+01:00",
		 "2026-01-13T13:00:00+01:00", false, {{NULL, NULL}}, false},
		{"split: into the gap", "Europe/Berlin", "2026-01-13T11:30:00+01:00",
		 "2026-01-13T12:30:00+01:00", false, {{NULL, NULL}}, false},
		{"split: out of the gap", "Europe/Berlin", "2026-01-13T13:30:00+01:00",
		 "2026-01-13T14:30:00+01:00", false, {{NULL, NULL}}, false},
		{"split: over the gap", "Europe/Berlin", "2026-01-13T11:00:00+01:00",
		 "2026-01-13T15:00:00+01:00", false, {{NULL, NULL}}, false},
		/* Berlin, DST start on Sunday 29 March 2026 (02:00 -> 03:00). */
		{"DST start: 09:00-10:00 CEST", "Europe/Berlin", "2026-03-29T09:00:00+02:00",
		 "2026-03-29T10:00:00+02:00", false, {{NULL, NULL}}, true},
		{"DST start: 16:00-17:00 CEST", "Europe/Berlin", "2026-03-29T15:00:00+01:00",
		 "2026-03-29T15:00:00Z", false, {{NULL, NULL}}, true},
		{"DST start: 16:30-17:30 CEST", "Europe/Berlin", "2026-03-29T16:30:00+02:00",
		 "2026-03-29T17:30:00+02:00", false, {{NULL, NULL}}, false},
		{"DST start: 08:30 CEST is before opening", "Europe/Berlin",
		 "2026-03-29T07:30:00+01:00", "2026-03-29T09:30:00+02:00", false, {{NULL, NULL}},
		 false},
		{"DST start: across the skipped hour", "Europe/Berlin", "2026-03-29T01:30:00+01:00",
		 "2026-03-29T03:30:00+02:00", false, {{NULL, NULL}}, true},
		{"DST start: 03:30-04:30 CEST", "Europe/Berlin", "2026-03-29T03:30:00+02:00",
		 "2026-03-29T04:30:00+02:00", false, {{NULL, NULL}}, false},
		{"DST start: time off in UTC overlaps", "Europe/Berlin",
		 "2026-03-29T09:00:00+02:00", "2026-03-29T10:00:00+02:00", false,
		 {{"2026-03-29T07:30:00Z", "2026-03-29T07:45:00Z"}}, false},
		{"DST start: time off an hour early does not", "Europe/Berlin",
		 "2026-03-29T09:00:00+02:00", "2026-03-29T10:00:00+02:00", false,
		 {{"2026-03-29T06:00:00Z", "2026-03-29T07:00:00Z"}}, true},
		/* Berlin, DST end on Sunday 25 October 2026 (03:00 -> 02:00). */
		{"DST end: 09:00-10:00 CET", "Europe/Berlin", "2026-10-25T09:00:00+01:00",
		 "2026-10-25T10:00:00+01:00", false, {{NULL, NULL}}, true},
		{"DST end: 16:00-17:00 CET", "Europe/Berlin", "2026-10-25T15:00:00Z",
		 "2026-10-25T16:00:00Z", false, {{NULL, NULL}}, true},
		{"DST end: 16:30-17:30 CET", "Europe/Berlin", "2026-10-25T15:30:00Z",
		 "2026-10-25T16:30:00Z", false, {{NULL, NULL}}, false},
		{"DST end: 08:30 CET is before opening", "Europe/Berlin", "2026-10-25T07:30:00Z",
		 "2026-10-25T08:30:00Z", false, {{NULL, NULL}}, false},
		{"DST end: 01:30-02:30 CEST, before the change", "Europe/Berlin",
		 "2026-10-25T01:30:00+02:00", "2026-10-25T02:30:00+02:00", false, {{NULL, NULL}},
		 true},
		{"DST end: 02:30-03:30 CET, after the change", "Europe/Berlin",
		 "2026-10-25T02:30:00+01:00", "2026-10-25T03:30:00+01:00", false, {{NULL, NULL}},
		 true},
		{"DST end: 03:30-04:30 CET", "Europe/Berlin", "2026-10-25T03:30:00+01:00",
		 "2026-10-25T04:30:00+01:00", false, {{NULL, NULL}}, false},
		/* New York, the same Sunday hours. */
		{"New York DST start: 16:00-17:00 EDT", "America/New_York",
		 "2026-03-08T16:00:00-04:00", "2026-03-08T17:00:00-04:00", false, {{NULL, NULL}},
		 true},
		{"New York DST start: 17:00-18:00 EDT", "America/New_York", "2026-03-08T21:00:00Z",
		 "2026-03-08T22:00:00Z", false, {{NULL, NULL}}, false},
		{"New York DST end: 16:00-17:00 EST", "America/New_York", "2026-11-01T21:00:00Z",
		 "2026-11-01T22:00:00Z", false, {{NULL, NULL}}, true},
		{"New York DST end: 08:30 EST", "America/New_York", "2026-11-01T13:30:00Z",
		 "2026-11-01T14:30:00Z", false, {{NULL, NULL}}, false},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++) {
		dates_set_zone(rows[i].zone);
		struct interval off[2];
		size_t noff = 0;
		for (; noff < 2 && rows[i].off[noff].start; noff++) {
			off[noff].start = at(rows[i].off[noff].start);
			off[noff].end = at(rows[i].off[noff].end);
		}
		bool ok = rules_within_hours(at(rows[i].start), at(rows[i].end), clinic_week,
					     rows[i].no_hours ? 0 : NROWS(clinic_week), off, noff);
		row_check(&bad, ok == rows[i].ok, "row %zu (%s): %s - %s in %s: %s, want %s", i,
			  rows[i].what, rows[i].start, rows[i].end, rows[i].zone,
			  ok ? "inside" : "outside", rows[i].ok ? "inside" : "outside");
	}
	dates_set_zone("UTC");
	assert_int_equal(bad, 0);
}

/* ---- Rule 7: status changes. ---- */

enum { BEFORE = 0, AFTER = 1 };

static void transitions(void **state)
{
	(void)state;
	/* Every from -> to pair; ok[kind - 1][when]: when BEFORE is two days before the start,
	 * AFTER an hour after it. Kinds: consultation, treatment, review. */
	/* clang-format off */
	enum { B = APPT_BOOKED, C = APPT_CHECKED_IN, D = APPT_COMPLETED, X = APPT_CANCELLED,
	       N = APPT_NO_SHOW };
#define ALL {{true, true}, {true, true}, {true, true}}
#define NONE {{false, false}, {false, false}, {false, false}}
#define AFTER_START {{false, true}, {false, true}, {false, true}}
	static const struct {
		int from, to;
		bool ok[3][2];
		bool late[2]; /* when ok and a cancellation */
	} rows[] = {
		{B, B, NONE, {false, false}},
		{B, C, ALL, {false, false}},
		{B, D, NONE, {false, false}},
		{B, X, ALL, {false, true}},
		{B, N, AFTER_START, {false, false}},
		{C, B, NONE, {false, false}},
		{C, C, NONE, {false, false}},
		{C, D, {{true, true}, {false, false}, {true, true}}, {false, false}},
		{C, X, ALL, {false, true}},
		{C, N, NONE, {false, false}},
		{D, B, NONE, {false, false}},
		{D, C, NONE, {false, false}},
		{D, D, NONE, {false, false}},
		{D, X, NONE, {false, false}},
		{D, N, NONE, {false, false}},
		{X, B, NONE, {false, false}},
		{X, C, NONE, {false, false}},
		{X, D, NONE, {false, false}},
		{X, X, NONE, {false, false}},
		{X, N, NONE, {false, false}},
		{N, B, NONE, {false, false}},
		{N, C, NONE, {false, false}},
		{N, D, NONE, {false, false}},
		{N, X, NONE, {false, false}},
		{N, N, NONE, {false, false}},
		/* Statuses that do not exist. */
		{0, C, NONE, {false, false}},
		{B, 0, NONE, {false, false}},
		{B, 6, NONE, {false, false}},
		{6, X, NONE, {false, false}},
		{C, -1, NONE, {false, false}},
	};
	/* clang-format on */
#undef ALL
#undef NONE
#undef AFTER_START
	static const int kinds[] = {KIND_CONSULTATION, KIND_TREATMENT, KIND_REVIEW};
	int64_t start = at("2026-03-10T10:00:00Z");
	int64_t nows[2] = {start - 2 * 86400, start + 3600};
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++) {
		for (size_t k = 0; k < NROWS(kinds); k++) {
			for (int when = BEFORE; when <= AFTER; when++) {
				bool late = true;
				int rc = rules_transition(kinds[k], rows[i].from, rows[i].to,
							  nows[when], start, false, &late);
				bool ok = rows[i].ok[k][when];
				bool want_late =
				    ok && rows[i].to == APPT_CANCELLED && rows[i].late[when];
				row_check(&bad, rc == (ok ? 0 : -ERR_BAD_TRANSITION),
					  "row %zu: %s %s -> %s %s start: rc %d, want %s", i,
					  appt_kind_name(kinds[k]), appt_status_name(rows[i].from),
					  appt_status_name(rows[i].to),
					  when == BEFORE ? "before" : "after", rc,
					  ok ? "ok" : "bad_transition");
				row_check(&bad, late == want_late,
					  "row %zu: %s %s -> %s %s start: late_cancel %d, want %d",
					  i, appt_kind_name(kinds[k]),
					  appt_status_name(rows[i].from),
					  appt_status_name(rows[i].to),
					  when == BEFORE ? "before" : "after", late, want_late);
			}
		}
	}
	assert_int_equal(bad, 0);
}

/* Completing by signing the session record. */
static void transitions_by_signing(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		int kind, from, to;
		int rc;
	} rows[] = {
		{KIND_TREATMENT, APPT_CHECKED_IN, APPT_COMPLETED, 0},
		{KIND_CONSULTATION, APPT_CHECKED_IN, APPT_COMPLETED, 0},
		{KIND_REVIEW, APPT_CHECKED_IN, APPT_COMPLETED, 0},
		{KIND_TREATMENT, APPT_COMPLETED, APPT_COMPLETED, -ERR_BAD_TRANSITION},
		{KIND_TREATMENT, APPT_CANCELLED, APPT_COMPLETED, -ERR_BAD_TRANSITION},
		{KIND_TREATMENT, APPT_NO_SHOW, APPT_COMPLETED, -ERR_BAD_TRANSITION},
		/* Signing changes nothing about the other moves. */
		{KIND_TREATMENT, APPT_BOOKED, APPT_CHECKED_IN, 0},
		{KIND_TREATMENT, APPT_CHECKED_IN, APPT_NO_SHOW, -ERR_BAD_TRANSITION},
		{KIND_TREATMENT, APPT_CHECKED_IN, APPT_BOOKED, -ERR_BAD_TRANSITION},
		{KIND_TREATMENT, APPT_COMPLETED, APPT_CANCELLED, -ERR_BAD_TRANSITION},
		{KIND_TREATMENT, APPT_CANCELLED, APPT_BOOKED, -ERR_BAD_TRANSITION},
	};
	/* clang-format on */
	int64_t start = at("2026-03-10T10:00:00Z");
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++) {
		bool late = true;
		int rc = rules_transition(rows[i].kind, rows[i].from, rows[i].to, start + 3600,
					  start, true, &late);
		row_check(&bad, rc == rows[i].rc, "row %zu: %s %s -> %s by signing: rc %d, want %d",
			  i, appt_kind_name(rows[i].kind), appt_status_name(rows[i].from),
			  appt_status_name(rows[i].to), rc, rows[i].rc);
		row_check(&bad, !late, "row %zu: late_cancel set", i);
	}
	assert_int_equal(bad, 0);
}

/* Late cancellation: within 24 hours of the start, to the second. */
static void transitions_late_cancel(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *what;
		int64_t before_start; /* start - now, seconds */
		bool late;
	} rows[] = {
		{"a week ahead", 7 * 86400, false},
		{"25 h ahead", 25 * 3600, false},
		{"24 h and 1 s ahead", 24 * 3600 + 1, false},
		{"exactly 24 h ahead", 24 * 3600, false},
		{"24 h less 1 s ahead", 24 * 3600 - 1, true},
		{"23 h 59 m ahead", 23 * 3600 + 59 * 60, true},
		{"1 h ahead", 3600, true},
		{"at the start", 0, true},
		{"an hour after the start", -3600, true},
	};
	/* clang-format on */
	static const int kinds[] = {KIND_CONSULTATION, KIND_TREATMENT, KIND_REVIEW};
	static const int froms[] = {APPT_BOOKED, APPT_CHECKED_IN};
	int64_t start = at("2026-03-29T09:00:00+02:00");
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++)
		for (size_t k = 0; k < NROWS(kinds); k++)
			for (size_t f = 0; f < NROWS(froms); f++) {
				bool late = !rows[i].late;
				int rc = rules_transition(kinds[k], froms[f], APPT_CANCELLED,
							  start - rows[i].before_start, start,
							  false, &late);
				row_check(&bad, rc == 0 && late == rows[i].late,
					  "row %zu (%s): %s %s -> cancelled: rc %d late %d", i,
					  rows[i].what, appt_kind_name(kinds[k]),
					  appt_status_name(froms[f]), rc, late);
			}
	assert_int_equal(bad, 0);
}

/* No-show: only once the start has come. */
static void transitions_no_show(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *what;
		int64_t after_start; /* now - start, seconds */
		bool ok;
	} rows[] = {
		{"a day early", -86400, false},
		{"an hour early", -3600, false},
		{"a second early", -1, false},
		{"at the start", 0, true},
		{"a second late", 1, true},
		{"two hours late", 7200, true},
		{"a week late", 7 * 86400, true},
	};
	/* clang-format on */
	static const int kinds[] = {KIND_CONSULTATION, KIND_TREATMENT, KIND_REVIEW};
	int64_t start = at("2026-03-10T10:00:00Z");
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++)
		for (size_t k = 0; k < NROWS(kinds); k++) {
			bool late = true;
			int64_t now = start + rows[i].after_start;
			int rc = rules_transition(kinds[k], APPT_BOOKED, APPT_NO_SHOW, now, start,
						  false, &late);
			row_check(&bad, rc == (rows[i].ok ? 0 : -ERR_BAD_TRANSITION) && !late,
				  "row %zu (%s): %s booked -> no_show: rc %d", i, rows[i].what,
				  appt_kind_name(kinds[k]), rc);
			/* Checked in is never a no-show. */
			rc = rules_transition(kinds[k], APPT_CHECKED_IN, APPT_NO_SHOW, now, start,
					      false, &late);
			row_check(&bad, rc == -ERR_BAD_TRANSITION,
				  "row %zu (%s): %s checked_in -> no_show: rc %d", i, rows[i].what,
				  appt_kind_name(kinds[k]), rc);
		}
	assert_int_equal(bad, 0);
}

/* ---- RULES.md rule 28: the next due window. ---- */

static void next_window(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *what;
		const char *zone;
		int status, planned, holding;
		const char *last; /* local date; NULL: no session */
		int last_min;
		int min, max;
		bool has;
		const char *from, *to;
	} rows[] = {
		{"before the first session", "Europe/Berlin", PLAN_ACTIVE, 3, 0, NULL, 0, 28, 42,
		 false, NULL, NULL},
		{"holding 0 with a stale last start", "Europe/Berlin", PLAN_ACTIVE, 3, 0,
		 "2026-01-05", 600, 28, 42, false, NULL, NULL},
		{"holding 1 without a last start", "Europe/Berlin", PLAN_ACTIVE, 3, 1, NULL, 0, 28,
		 42, false, NULL, NULL},
		{"one of three", "Europe/Berlin", PLAN_ACTIVE, 3, 1, "2026-01-05", 600, 28, 42,
		 true, "2026-02-02", "2026-02-16"},
		{"two of three", "Europe/Berlin", PLAN_ACTIVE, 3, 2, "2026-02-02", 600, 28, 42,
		 true, "2026-03-02", "2026-03-16"},
		{"full, three of three", "Europe/Berlin", PLAN_ACTIVE, 3, 3, "2026-03-02", 600, 28,
		 42, false, NULL, NULL},
		{"over full", "Europe/Berlin", PLAN_ACTIVE, 3, 4, "2026-03-02", 600, 28, 42, false,
		 NULL, NULL},
		{"a one-session plan, booked", "Europe/Berlin", PLAN_ACTIVE, 1, 1, "2026-01-05",
		 600, 28, 42, false, NULL, NULL},
		{"eleven of twelve", "Europe/Berlin", PLAN_ACTIVE, 12, 11, "2026-01-05", 600, 28,
		 42, true, "2026-02-02", "2026-02-16"},
		{"completed plan", "Europe/Berlin", PLAN_COMPLETED, 3, 1, "2026-01-05", 600, 28, 42,
		 false, NULL, NULL},
		{"plan on hold", "Europe/Berlin", PLAN_ON_HOLD, 3, 1, "2026-01-05", 600, 28, 42,
		 false, NULL, NULL},
		{"cancelled plan", "Europe/Berlin", PLAN_CANCELLED, 3, 1, "2026-01-05", 600, 28, 42,
		 false, NULL, NULL},
		{"unknown plan status", "Europe/Berlin", 0, 3, 1, "2026-01-05", 600, 28, 42, false,
		 NULL, NULL},
		{"35-49 days", "Europe/Berlin", PLAN_ACTIVE, 4, 2, "2026-01-05", 600, 35, 49, true,
		 "2026-02-09", "2026-02-23"},
		/* Local days: 00:30 in Berlin is the previous day in UTC. */
		{"Berlin 00:30", "Europe/Berlin", PLAN_ACTIVE, 3, 1, "2026-03-01", 30, 28, 42, true,
		 "2026-03-29", "2026-04-12"},
		/* 23:30 in New York is the next day in UTC. */
		{"New York 23:30 before DST end", "America/New_York", PLAN_ACTIVE, 3, 1,
		 "2026-10-10", 1410, 28, 42, true, "2026-11-07", "2026-11-21"},
		{"New York 23:30 before DST start", "America/New_York", PLAN_ACTIVE, 3, 1,
		 "2026-02-20", 1410, 28, 42, true, "2026-03-20", "2026-04-03"},
		{"leap year", "Europe/Berlin", PLAN_ACTIVE, 3, 1, "2028-02-01", 600, 28, 42, true,
		 "2028-02-29", "2028-03-14"},
		{"common year", "Europe/Berlin", PLAN_ACTIVE, 3, 1, "2027-02-01", 600, 28, 42, true,
		 "2027-03-01", "2027-03-15"},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++) {
		dates_set_zone(rows[i].zone);
		struct window w = {-1, -1};
		bool has = rules_next_window(rows[i].status, rows[i].planned, rows[i].holding,
					     local_at(rows[i].last, rows[i].last_min), rows[i].min,
					     rows[i].max, &w);
		row_check(&bad, has == rows[i].has, "row %zu (%s): window %s, want %s", i,
			  rows[i].what, has ? "given" : "null", rows[i].has ? "given" : "null");
		if (has && rows[i].has) {
			char b1[DATES_BUF], b2[DATES_BUF], b3[DATES_BUF], b4[DATES_BUF];
			int64_t from = day_of(rows[i].from), to = day_of(rows[i].to);
			row_check(&bad, w.from_day == from && w.to_day == to,
				  "row %zu (%s): [%s, %s], want [%s, %s]", i, rows[i].what,
				  day_text(w.from_day, b1), day_text(w.to_day, b2),
				  day_text(from, b3), day_text(to, b4));
		}
	}
	dates_set_zone("UTC");
	assert_int_equal(bad, 0);
}

/* ---- RULES.md rule 29: free slots. ---- */

#define MAX_EXPECT 12
#define OUT_CAP	   16
#define ROOM_A	   11
#define ROOM_B	   12

static const struct hours mon_9_12[] = {{1, 9 * 60, 12 * 60}};
static const struct hours tue_9_12[] = {{2, 9 * 60, 12 * 60}};
static const struct hours mon_910_12[] = {{1, 9 * 60 + 10, 12 * 60}};
static const struct hours mon_split[] = {{1, 9 * 60, 10 * 60}, {1, 14 * 60, 15 * 60}};
static const struct hours mon_wed[] = {{1, 9 * 60, 12 * 60}, {3, 9 * 60, 10 * 60}};
static const struct hours sun_9_12[] = {{7, 9 * 60, 12 * 60}};
static const struct hours sun_night[] = {{7, 1 * 60, 4 * 60}};

#define HOURS(h) h, NROWS(h)

struct expect_slot {
	const char *start; /* RFC 3339; NULL ends the list */
	int64_t room;
};

struct slot_row {
	const char *what;
	const char *zone;
	const char *from, *to;	/* clinic-local dates */
	const char *not_before; /* NULL: no lower bound */
	int duration, step;
	const struct hours *hours;
	size_t nhours;
	struct span pbusy[3], patbusy[3], room_a[3], room_b[3];
	size_t nrooms; /* ROOM_A, then ROOM_B */
	size_t limit;
	struct expect_slot want[MAX_EXPECT];
};

/* Monday 12 January 2026 in Berlin (+01:00). */
#define MON(hhmm) "2026-01-12T" hhmm ":00+01:00"
#define WED(hhmm) "2026-01-14T" hhmm ":00+01:00"
#define NOBUSY                     \
	{                          \
		{                  \
			NULL, NULL \
		}                  \
	}

/* clang-format off */
static const struct slot_row slot_rows[] = {
	{"a free morning", "Europe/Berlin", "2026-01-12", "2026-01-12", NULL, 60, 15,
	 HOURS(mon_9_12), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 16,
	 {{MON("09:00"), ROOM_A},
	  {MON("09:15"), ROOM_A},
	  {MON("09:30"), ROOM_A},
	  {MON("09:45"), ROOM_A},
	  {MON("10:00"), ROOM_A},
	  {MON("10:15"), ROOM_A},
	  {MON("10:30"), ROOM_A},
	  {MON("10:45"), ROOM_A},
	  {MON("11:00"), ROOM_A}}},
	{"practitioner busy 10:00-11:00", "Europe/Berlin", "2026-01-12", "2026-01-12", NULL, 60, 15,
	 HOURS(mon_9_12), {{MON("10:00"), MON("11:00")}}, NOBUSY, NOBUSY, NOBUSY, 2, 16,
	 {{MON("09:00"), ROOM_A}, {MON("11:00"), ROOM_A}}},
	{"patient busy 10:00-11:00", "Europe/Berlin", "2026-01-12", "2026-01-12", NULL, 60, 15,
	 HOURS(mon_9_12), NOBUSY, {{MON("10:00"), MON("11:00")}}, NOBUSY, NOBUSY, 2, 16,
	 {{MON("09:00"), ROOM_A}, {MON("11:00"), ROOM_A}}},
	{"practitioner busy twice", "Europe/Berlin", "2026-01-12", "2026-01-12", NULL, 60, 15,
	 HOURS(mon_9_12), {{MON("09:30"), MON("09:45")}, {MON("11:15"), MON("11:30")}}, NOBUSY,
	 NOBUSY, NOBUSY, 2, 16,
	 {{MON("09:45"), ROOM_A}, {MON("10:00"), ROOM_A}, {MON("10:15"), ROOM_A}}},
	{"busy until 09:00 and from 12:00 blocks nothing", "Europe/Berlin", "2026-01-12",
	 "2026-01-12", NULL, 60, 15, HOURS(mon_9_12), {{MON("08:00"), MON("09:00")}},
	 {{MON("12:00"), MON("13:00")}}, NOBUSY, NOBUSY, 2, 16,
	 {{MON("09:00"), ROOM_A},
	  {MON("09:15"), ROOM_A},
	  {MON("09:30"), ROOM_A},
	  {MON("09:45"), ROOM_A},
	  {MON("10:00"), ROOM_A},
	  {MON("10:15"), ROOM_A},
	  {MON("10:30"), ROOM_A},
	  {MON("10:45"), ROOM_A},
	  {MON("11:00"), ROOM_A}}},
	{"first room busy all morning", "Europe/Berlin", "2026-01-12", "2026-01-12", NULL, 60, 15,
	 HOURS(mon_9_12), NOBUSY, NOBUSY, {{MON("08:00"), MON("12:00")}}, NOBUSY, 2, 3,
	 {{MON("09:00"), ROOM_B}, {MON("09:15"), ROOM_B}, {MON("09:30"), ROOM_B}}},
	{"first room busy 09:00-10:00", "Europe/Berlin", "2026-01-12", "2026-01-12", NULL, 60, 15,
	 HOURS(mon_9_12), NOBUSY, NOBUSY, {{MON("09:00"), MON("10:00")}}, NOBUSY, 2, 16,
	 {{MON("09:00"), ROOM_B},
	  {MON("09:15"), ROOM_B},
	  {MON("09:30"), ROOM_B},
	  {MON("09:45"), ROOM_B},
	  {MON("10:00"), ROOM_A},
	  {MON("10:15"), ROOM_A},
	  {MON("10:30"), ROOM_A},
	  {MON("10:45"), ROOM_A},
	  {MON("11:00"), ROOM_A}}},
	{"rooms taken in turn", "Europe/Berlin", "2026-01-12", "2026-01-12", NULL, 60, 15,
	 HOURS(mon_9_12), NOBUSY, NOBUSY, {{MON("09:00"), MON("10:00")}},
	 {{MON("10:00"), MON("12:00")}}, 2, 16,
	 {{MON("09:00"), ROOM_B},
	  {MON("10:00"), ROOM_A},
	  {MON("10:15"), ROOM_A},
	  {MON("10:30"), ROOM_A},
	  {MON("10:45"), ROOM_A},
	  {MON("11:00"), ROOM_A}}},
	{"all rooms busy", "Europe/Berlin", "2026-01-12", "2026-01-12", NULL, 60, 15,
	 HOURS(mon_9_12), NOBUSY, NOBUSY, {{MON("09:00"), MON("12:00")}},
	 {{MON("08:00"), MON("13:00")}}, 2, 16, {{NULL, 0}}},
	{"no rooms", "Europe/Berlin", "2026-01-12", "2026-01-12", NULL, 60, 15, HOURS(mon_9_12),
	 NOBUSY, NOBUSY, NOBUSY, NOBUSY, 0, 16, {{NULL, 0}}},
	{"not before 10:05", "Europe/Berlin", "2026-01-12", "2026-01-12", MON("10:05"), 60, 15,
	 HOURS(mon_9_12), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 16, {{MON("10:15"), ROOM_A},
	 {MON("10:30"), ROOM_A}, {MON("10:45"), ROOM_A}, {MON("11:00"), ROOM_A}}},
	{"not before exactly 10:45", "Europe/Berlin", "2026-01-12", "2026-01-12", MON("10:45"), 60,
	 15, HOURS(mon_9_12), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 16,
	 {{MON("10:45"), ROOM_A}, {MON("11:00"), ROOM_A}}},
	{"not before the end of the day", "Europe/Berlin", "2026-01-12", "2026-01-12", MON("11:01"),
	 60, 15, HOURS(mon_9_12), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 16, {{NULL, 0}}},
	{"limit 3", "Europe/Berlin", "2026-01-12", "2026-01-12", NULL, 60, 15, HOURS(mon_9_12),
	 NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 3,
	 {{MON("09:00"), ROOM_A}, {MON("09:15"), ROOM_A}, {MON("09:30"), ROOM_A}}},
	{"limit 1", "Europe/Berlin", "2026-01-12", "2026-01-12", NULL, 60, 15, HOURS(mon_9_12),
	 NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 1, {{MON("09:00"), ROOM_A}}},
	{"limit 0", "Europe/Berlin", "2026-01-12", "2026-01-12", NULL, 60, 15, HOURS(mon_9_12),
	 NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 0, {{NULL, 0}}},
	{"wrong weekday", "Europe/Berlin", "2026-01-12", "2026-01-12", NULL, 60, 15,
	 HOURS(tue_9_12), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 16, {{NULL, 0}}},
	{"a week, Monday and Wednesday, earliest first", "Europe/Berlin", "2026-01-11",
	 "2026-01-18", NULL, 60, 15, HOURS(mon_wed), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 16,
	 {{MON("09:00"), ROOM_A},
	  {MON("09:15"), ROOM_A},
	  {MON("09:30"), ROOM_A},
	  {MON("09:45"), ROOM_A},
	  {MON("10:00"), ROOM_A},
	  {MON("10:15"), ROOM_A},
	  {MON("10:30"), ROOM_A},
	  {MON("10:45"), ROOM_A},
	  {MON("11:00"), ROOM_A},
	  {WED("09:00"), ROOM_A}}},
	{"a week, Monday full", "Europe/Berlin", "2026-01-11", "2026-01-18", NULL, 60, 15,
	 HOURS(mon_wed), {{MON("09:00"), MON("12:00")}}, NOBUSY, NOBUSY, NOBUSY, 2, 16,
	 {{WED("09:00"), ROOM_A}}},
	{"a window from Tuesday", "Europe/Berlin", "2026-01-13", "2026-01-20", NULL, 60, 15,
	 HOURS(mon_wed), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 2,
	 {{WED("09:00"), ROOM_A}, {"2026-01-19T09:00:00+01:00", ROOM_A}}},
	{"window ends before it starts", "Europe/Berlin", "2026-01-12", "2026-01-11", NULL, 60, 15,
	 HOURS(mon_9_12), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 16, {{NULL, 0}}},
	{"split shift, 30 minutes", "Europe/Berlin", "2026-01-12", "2026-01-12", NULL, 30, 15,
	 HOURS(mon_split), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 16,
	 {{MON("09:00"), ROOM_A},
	  {MON("09:15"), ROOM_A},
	  {MON("09:30"), ROOM_A},
	  {MON("14:00"), ROOM_A},
	  {MON("14:15"), ROOM_A},
	  {MON("14:30"), ROOM_A}}},
	{"split shift, 60 minutes fit each part once", "Europe/Berlin", "2026-01-12", "2026-01-12",
	 NULL, 60, 15, HOURS(mon_split), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 16,
	 {{MON("09:00"), ROOM_A}, {MON("14:00"), ROOM_A}}},
	{"split shift, 90 minutes fit neither", "Europe/Berlin", "2026-01-12", "2026-01-12", NULL,
	 90, 15, HOURS(mon_split), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 16, {{NULL, 0}}},
	{"hours from 09:10 start on the grid", "Europe/Berlin", "2026-01-12", "2026-01-12", NULL,
	 60, 15, HOURS(mon_910_12), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 2, {{MON("09:15"), ROOM_A},
	 {MON("09:30"), ROOM_A}}},
	{"a 30-minute grid", "Europe/Berlin", "2026-01-12", "2026-01-12", NULL, 60, 30,
	 HOURS(mon_9_12), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 16,
	 {{MON("09:00"), ROOM_A},
	  {MON("09:30"), ROOM_A},
	  {MON("10:00"), ROOM_A},
	  {MON("10:30"), ROOM_A},
	  {MON("11:00"), ROOM_A}}},
	{"no grid given means 15 minutes", "Europe/Berlin", "2026-01-12", "2026-01-12", NULL, 60, 0,
	 HOURS(mon_9_12), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 2,
	 {{MON("09:00"), ROOM_A}, {MON("09:15"), ROOM_A}}},
	{"no duration", "Europe/Berlin", "2026-01-12", "2026-01-12", NULL, 0, 15, HOURS(mon_9_12),
	 NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 16, {{NULL, 0}}},
	{"longer than the hours", "Europe/Berlin", "2026-01-12", "2026-01-12", NULL, 240, 15,
	 HOURS(mon_9_12), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 16, {{NULL, 0}}},
	{"exactly the hours", "Europe/Berlin", "2026-01-12", "2026-01-12", NULL, 180, 15,
	 HOURS(mon_9_12), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 16, {{MON("09:00"), ROOM_A}}},
	/* Clock changes. */
	{"Berlin DST start Sunday", "Europe/Berlin", "2026-03-29", "2026-03-29", NULL, 60, 15,
	 HOURS(sun_9_12), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 2,
	 {{"2026-03-29T09:00:00+02:00", ROOM_A}, {"2026-03-29T07:15:00Z", ROOM_A}}},
	{"Berlin DST start, busy in UTC", "Europe/Berlin", "2026-03-29", "2026-03-29", NULL, 60, 15,
	 HOURS(sun_9_12), {{"2026-03-29T07:00:00Z", "2026-03-29T09:00:00Z"}}, NOBUSY, NOBUSY,
	 NOBUSY, 2, 16, {{"2026-03-29T11:00:00+02:00", ROOM_A}}},
	{"Berlin DST end Sunday", "Europe/Berlin", "2026-10-25", "2026-10-25", NULL, 60, 15,
	 HOURS(sun_9_12), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 2,
	 {{"2026-10-25T09:00:00+01:00", ROOM_A}, {"2026-10-25T08:15:00Z", ROOM_A}}},
	{"New York DST end Sunday", "America/New_York", "2026-11-01", "2026-11-01", NULL, 60, 15,
	 HOURS(sun_9_12), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 2,
	 {{"2026-11-01T09:00:00-05:00", ROOM_A}, {"2026-11-01T14:15:00Z", ROOM_A}}},
	{"Berlin night hours over the skipped hour", "Europe/Berlin", "2026-03-29", "2026-03-29",
	 NULL, 60, 30, HOURS(sun_night), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 16,
	 {{"2026-03-29T01:00:00+01:00", ROOM_A},
	  {"2026-03-29T01:30:00+01:00", ROOM_A},
	  {"2026-03-29T03:00:00+02:00", ROOM_A}}},
	{"Berlin night hours, 30 minutes over the skipped hour", "Europe/Berlin", "2026-03-29",
	 "2026-03-29", NULL, 30, 30, HOURS(sun_night), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 16,
	 {{"2026-03-29T01:00:00+01:00", ROOM_A},
	  {"2026-03-29T01:30:00+01:00", ROOM_A},
	  {"2026-03-29T03:00:00+02:00", ROOM_A},
	  {"2026-03-29T03:30:00+02:00", ROOM_A}}},
	/* 01:30 CET to 03:00 CEST is 30 minutes, not 90: no slot. */
	{"Berlin night hours, 90 minutes over the skipped hour", "Europe/Berlin", "2026-03-29",
	 "2026-03-29", NULL, 90, 30, HOURS(sun_night), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 16,
	 {{"2026-03-29T01:00:00+01:00", ROOM_A}}},
	/* 02:00 CEST to 03:00 CET is two hours, not one: no slot. */
	{"Berlin night hours over the repeated hour", "Europe/Berlin", "2026-10-25", "2026-10-25",
	 NULL, 60, 30, HOURS(sun_night), NOBUSY, NOBUSY, NOBUSY, NOBUSY, 2, 16,
	 {{"2026-10-25T01:00:00+02:00", ROOM_A},
	  {"2026-10-25T01:30:00+02:00", ROOM_A},
	  {"2026-10-25T03:00:00+01:00", ROOM_A}}},
};
/* clang-format on */

/* Loads a NULL-terminated span list into out (3); returns the count. */
static size_t load_spans(const struct span *spans, struct interval *out)
{
	size_t n = 0;
	while (n < 3 && spans[n].start) {
		out[n].start = at(spans[n].start);
		out[n].end = at(spans[n].end);
		n++;
	}
	return n;
}

/* A row's busy lists, loaded, and the query they make (the row's limit). Filled in place:
 * the query points into the struct. */
struct row_query {
	struct interval pbusy[3], patbusy[3], ra[3], rb[3];
	struct room_busy rooms[2];
	struct slot_query q;
};

static void row_query(const struct slot_row *r, struct row_query *rq)
{
	dates_set_zone(r->zone);
	rq->rooms[0] = (struct room_busy){ROOM_A, rq->ra, load_spans(r->room_a, rq->ra)};
	rq->rooms[1] = (struct room_busy){ROOM_B, rq->rb, load_spans(r->room_b, rq->rb)};
	rq->q = (struct slot_query){
	    .from_day = day_of(r->from),
	    .to_day = day_of(r->to),
	    .not_before = r->not_before ? at(r->not_before) : 0,
	    .duration_min = r->duration,
	    .step_min = r->step,
	    .hours = r->hours,
	    .nhours = r->nhours,
	    .practitioner_busy = rq->pbusy,
	    .npractitioner_busy = load_spans(r->pbusy, rq->pbusy),
	    .patient_busy = rq->patbusy,
	    .npatient_busy = load_spans(r->patbusy, rq->patbusy),
	    .rooms = rq->rooms,
	    .nrooms = r->nrooms,
	    .limit = r->limit,
	};
}

static void find_slots(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < NROWS(slot_rows); i++) {
		const struct slot_row *r = &slot_rows[i];
		struct row_query rq;
		row_query(r, &rq);
		struct slot out[OUT_CAP];
		for (size_t k = 0; k < OUT_CAP; k++)
			out[k] = (struct slot){-1, -1, -1};
		size_t n = 0;
		assert_int_equal(rules_find_slots(&rq.q, out, &n), 0);
		size_t want = 0;
		while (want < MAX_EXPECT && r->want[want].start)
			want++;
		row_check(&bad, n == want, "row %zu (%s): %zu slots, want %zu", i, r->what, n,
			  want);
		for (size_t k = 0; k < n && k < want; k++) {
			int64_t s = at(r->want[k].start);
			char got[DATES_BUF];
			dates_format_instant(out[k].start, got);
			bool same = out[k].start == s && out[k].end == s + 60 * r->duration &&
				    out[k].room_id == r->want[k].room;
			row_check(
			    &bad, same,
			    "row %zu (%s) slot %zu: %s +%lld s room %lld, want %s +%d s room %lld",
			    i, r->what, k, got, (long long)(out[k].end - out[k].start),
			    (long long)out[k].room_id, r->want[k].start, 60 * r->duration,
			    (long long)r->want[k].room);
		}
		for (size_t k = 1; k < n; k++)
			row_check(&bad, out[k - 1].start < out[k].start,
				  "row %zu (%s): slot %zu not after slot %zu", i, r->what, k,
				  k - 1);
		/* Nothing written past the limit. */
		for (size_t k = n; k < OUT_CAP; k++)
			row_check(&bad, out[k].start == -1 && out[k].room_id == -1,
				  "row %zu (%s): out[%zu] written past the %zu slots", i, r->what,
				  k, n);
		row_check(&bad, n <= r->limit, "row %zu (%s): %zu slots over limit %zu", i, r->what,
			  n, r->limit);
	}
	dates_set_zone("UTC");
	assert_int_equal(bad, 0);
}

/* Every slot found obeys the other rules: inside hours, free of every busy list. */
static void find_slots_agree_with_rules(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t i = 0; i < NROWS(slot_rows); i++) {
		const struct slot_row *r = &slot_rows[i];
		struct row_query rq;
		row_query(r, &rq);
		rq.q.limit = OUT_CAP;
		const struct interval *pbusy = rq.pbusy, *patbusy = rq.patbusy;
		size_t npb = rq.q.npractitioner_busy, npat = rq.q.npatient_busy;
		const struct room_busy *rooms = rq.rooms;
		struct slot out[OUT_CAP];
		size_t n = 0;
		assert_int_equal(rules_find_slots(&rq.q, out, &n), 0);
		for (size_t k = 0; k < n; k++) {
			const struct slot *s = &out[k];
			bool inside =
			    rules_within_hours(s->start, s->end, r->hours, r->nhours, pbusy, npb);
			row_check(&bad, inside,
				  "row %zu (%s) slot %zu: outside hours or in busy time", i,
				  r->what, k);
			row_check(&bad, !r->not_before || s->start >= at(r->not_before),
				  "row %zu (%s) slot %zu: before not_before", i, r->what, k);
			for (size_t b = 0; b < npat; b++)
				row_check(&bad,
					  !intervals_overlap(s->start, s->end, patbusy[b].start,
							     patbusy[b].end),
					  "row %zu (%s) slot %zu: patient busy", i, r->what, k);
			const struct room_busy *room = s->room_id == ROOM_A ? &rooms[0] : &rooms[1];
			for (size_t b = 0; b < room->n; b++)
				row_check(&bad,
					  !intervals_overlap(s->start, s->end, room->busy[b].start,
							     room->busy[b].end),
					  "row %zu (%s) slot %zu: room %lld busy", i, r->what, k,
					  (long long)s->room_id);
		}
	}
	dates_set_zone("UTC");
	assert_int_equal(bad, 0);
}

/* Room busy times served on demand: what each room holds, and how often it was asked. */
struct room_source {
	const struct room_busy *rooms;
	size_t nrooms;
	int calls[2];
	int fail; /* answer this error instead */
};

static int serve_room(void *arg, int64_t room_id, struct interval **busy, size_t *n)
{
	struct room_source *src = arg;
	if (src->fail)
		return src->fail;
	for (size_t r = 0; r < src->nrooms; r++) {
		if (src->rooms[r].room_id != room_id)
			continue;
		src->calls[r]++;
		*n = src->rooms[r].n;
		*busy = calloc(*n + 1, sizeof **busy);
		assert_non_null(*busy);
		memcpy(*busy, src->rooms[r].busy, *n * sizeof **busy);
		return 0;
	}
	return -ERR_INTERNAL;
}

/* Reading rooms as the search reaches them finds the same slots as reading them first, asks
 * for each room once at most, and for a room only when every room before it is busy. */
static void find_slots_reading_rooms_on_demand(void **state)
{
	(void)state;
	int bad = 0, only_first = 0;
	for (size_t i = 0; i < NROWS(slot_rows); i++) {
		const struct slot_row *r = &slot_rows[i];
		struct row_query rq;
		row_query(r, &rq);
		struct slot_query q = rq.q;
		struct room_busy ids[2] = {{ROOM_A, NULL, 0}, {ROOM_B, NULL, 0}};
		struct slot eager[OUT_CAP], lazy[OUT_CAP];
		size_t ne = 0, nl = 0;
		assert_int_equal(rules_find_slots(&q, eager, &ne), 0);
		struct room_source src = {rq.rooms, r->nrooms, {0, 0}, 0};
		q.rooms = ids;
		q.load_room = serve_room;
		q.load_arg = &src;
		assert_int_equal(rules_find_slots(&q, lazy, &nl), 0);
		row_check(&bad, ne == nl, "row %zu (%s): %zu slots on demand, %zu read first", i,
			  r->what, nl, ne);
		for (size_t k = 0; k < ne && k < nl; k++)
			row_check(&bad,
				  eager[k].start == lazy[k].start && eager[k].end == lazy[k].end &&
				      eager[k].room_id == lazy[k].room_id,
				  "row %zu (%s): slot %zu differs", i, r->what, k);
		for (size_t k = 0; k < r->nrooms; k++)
			row_check(&bad, src.calls[k] <= 1, "row %zu (%s): room %zu read %d times",
				  i, r->what, k, src.calls[k]);
		/* Room B is read only if some time tried had room A busy. */
		bool b_used = false;
		for (size_t k = 0; k < nl; k++)
			b_used |= lazy[k].room_id == ROOM_B;
		if (b_used)
			row_check(&bad, src.calls[1] == 1, "row %zu (%s): room B not read", i,
				  r->what);
		only_first += r->nrooms == 2 && nl > 0 && src.calls[1] == 0;

		/* An error while reading a room ends the search with it. */
		if (nl > 0) {
			src.fail = -ERR_STORAGE_UNAVAILABLE;
			size_t nf = 99;
			row_check(&bad, rules_find_slots(&q, lazy, &nf) == -ERR_STORAGE_UNAVAILABLE,
				  "row %zu (%s): the room error was not returned", i, r->what);
			row_check(&bad, nf == 0, "row %zu (%s): %zu slots after an error", i,
				  r->what, nf);
		}
	}
	dates_set_zone("UTC");
	assert_int_equal(bad, 0);
	/* Some searches with two rooms never needed the second. */
	assert_true(only_first > 0);
}

/* RULES.md rule 7: an undo goes back to booked for its author within 5 minutes. */
static void undo_of_a_status_change(void **state)
{
	(void)state;
	const int64_t t = 1800000000;
	static const struct {
		const char *name;
		int status;
		int64_t changed_ago; /* -1: never changed */
		int64_t by, actor;
		int want;
	} rows[] = {
	    {"check-in, at once", APPT_CHECKED_IN, 0, 5, 5, 0},
	    {"no-show, 4 minutes on", APPT_NO_SHOW, 240, 5, 5, 0},
	    {"cancellation, at 5 minutes", APPT_CANCELLED, UNDO_WINDOW_S, 5, 5, 0},
	    {"cancellation, 5 minutes and a second", APPT_CANCELLED, UNDO_WINDOW_S + 1, 5, 5,
	     -ERR_UNDO_EXPIRED},
	    {"check-in, an hour on", APPT_CHECKED_IN, 3600, 5, 5, -ERR_UNDO_EXPIRED},
	    {"another user's check-in", APPT_CHECKED_IN, 10, 5, 6, -ERR_UNDO_NOT_YOURS},
	    {"another user's, late too", APPT_NO_SHOW, 3600, 5, 6, -ERR_UNDO_NOT_YOURS},
	    {"booked: nothing to undo", APPT_BOOKED, 10, 5, 5, -ERR_BAD_TRANSITION},
	    {"completed stays so", APPT_COMPLETED, 10, 5, 5, -ERR_BAD_TRANSITION},
	    {"a change with no author on record", APPT_CANCELLED, -1, 0, 5, -ERR_BAD_TRANSITION},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct undo_input in = {rows[i].status,
					rows[i].changed_ago < 0 ? 0 : t - rows[i].changed_ago,
					rows[i].by, rows[i].actor, t};
		int got = rules_undo(&in);
		row_check(&bad, got == rows[i].want, "%s: %d, want %d", rows[i].name, got,
			  rows[i].want);
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(names_round_trip),
	    cmocka_unit_test(indications),
	    cmocka_unit_test(status_holds),
	    cmocka_unit_test(overlap),
	    cmocka_unit_test(gate),
	    cmocka_unit_test_teardown(spacing, zone_utc),
	    cmocka_unit_test_teardown(spacing_instants, zone_utc),
	    cmocka_unit_test_teardown(within_hours, zone_utc),
	    cmocka_unit_test(transitions),
	    cmocka_unit_test(transitions_by_signing),
	    cmocka_unit_test(transitions_late_cancel),
	    cmocka_unit_test(transitions_no_show),
	    cmocka_unit_test(undo_of_a_status_change),
	    cmocka_unit_test_teardown(next_window, zone_utc),
	    cmocka_unit_test_teardown(find_slots, zone_utc),
	    cmocka_unit_test_teardown(find_slots_agree_with_rules, zone_utc),
	    cmocka_unit_test_teardown(find_slots_reading_rooms_on_demand, zone_utc),
	};
	dates_set_zone("UTC");
	return cmocka_run_group_tests_name("unit_schedule", tests, NULL, NULL);
}
