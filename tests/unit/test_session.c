/* Unit tests for domain/session: exact decimals (depth in hundredths of a millimetre,
 * volumes in tenths of a millilitre), the depth rule (RULES.md rule 8), what signing
 * needs (rule 9), and the database triggers that freeze a signed record, on SQLite and,
 * when COLLAGENDA_TEST_PG is set, on PostgreSQL (unit_db.h). */
#include "unit_db.h"

#include <math.h>

#include "domain/model.h"
#include "domain/schedule.h"
#include "domain/session.h"
#include "store/db.h"
#include "store/db_internal.h"
#include "util/err.h"
#include "util/log.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- decimal_from_double ---- */

struct dec_row {
	double v;
	int decimals;
	bool ok;
	int want;
};

static void decimal_parse_table(void **state)
{
	(void)state;
	const struct dec_row rows[] = {
	    /* Depths: two decimals. */
	    {1.35, 2, true, 135},
	    {1.355, 2, false, 0},
	    {0.2, 2, true, 20},
	    {3.0, 2, true, 300},
	    {2.01, 2, true, 201},
	    {2.0, 2, true, 200},
	    {0.01, 2, true, 1},
	    {0.05, 2, true, 5},
	    {0.0, 2, true, 0},
	    {1.5, 2, true, 150},
	    {0.29, 2, true, 29},
	    {0.57, 2, true, 57},
	    {1.15, 2, true, 115},
	    {2.675, 2, false, 0},
	    {1.001, 2, false, 0},
	    {1.3500001, 2, false, 0},
	    {0.19999999999999, 2, false, 0},
	    {1.35000000001, 2, false, 0},
	    {0.125, 2, false, 0},
	    /* A sum's rounding error is a number of its own, not two decimals: 0.1 + 0.2 is
	     * 0.30000000000000004. What a decimal text reads as is taken exactly. */
	    {0.1 + 0.2, 2, false, 0},
	    {0.7 + 0.1, 2, false, 0},
	    {1.1 * 1.1, 2, false, 0},
	    {0.3, 2, true, 30},
	    {0.8, 2, true, 80},
	    {1.21, 2, true, 121},
	    {2.99, 2, true, 299},
	    /* Negative values keep their sign; the depth rule refuses them later. */
	    {-1.35, 2, true, -135},
	    {-0.2, 2, true, -20},
	    {-1.355, 2, false, 0},
	    /* Magnitude limit of +-1e7. */
	    {1e7, 2, true, 1000000000},
	    {-1e7, 2, true, -1000000000},
	    {1e7 + 1, 2, false, 0},
	    {-2e7, 2, false, 0},
	    {1e300, 2, false, 0},
	    /* Volumes: one decimal. */
	    {8.5, 1, true, 85},
	    {8.0, 1, true, 80},
	    {12.3, 1, true, 123},
	    {0.1, 1, true, 1},
	    {0.1 + 0.2, 1, false, 0},
	    {0.3, 1, true, 3},
	    {8.55, 1, false, 0},
	    {1.35, 1, false, 0},
	    {-4.5, 1, true, -45},
	    /* No decimals. */
	    {7.0, 0, true, 7},
	    {7.5, 0, false, 0},
	    /* Out-of-range scales. */
	    {1.0, 3, false, 0},
	    {1.0, -1, false, 0},
	};
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++) {
		int got = -12345;
		bool ok = decimal_from_double(rows[i].v, rows[i].decimals, &got);
		row_check(&bad, ok == rows[i].ok, "row %zu: %.17g/%d accepted=%d, want %d", i,
			  rows[i].v, rows[i].decimals, ok, rows[i].ok);
		if (ok && rows[i].ok)
			row_check(&bad, got == rows[i].want, "row %zu: %.17g/%d -> %d, want %d", i,
				  rows[i].v, rows[i].decimals, got, rows[i].want);
		if (!ok)
			row_check(&bad, got == -12345, "row %zu: a refusal wrote %d", i, got);
	}
	assert_int_equal(bad, 0);
}

static void decimal_parse_refuses_nan_and_infinities(void **state)
{
	(void)state;
	const double rows[] = {NAN, -NAN, INFINITY, -INFINITY};
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++)
		for (int d = 0; d <= 2; d++) {
			int got = 0;
			row_check(&bad, !decimal_from_double(rows[i], d, &got),
				  "row %zu/%d accepted", i, d);
		}
	assert_int_equal(bad, 0);
}

/* Every two-decimal depth from 0.00 to 3.00 written as a C literal reads back exactly. */
static void decimal_parse_every_depth(void **state)
{
	(void)state;
	int bad = 0;
	for (int hmm = 0; hmm <= 300; hmm++) {
		char text[16];
		snprintf(text, sizeof text, "%d.%02d", hmm / 100, hmm % 100);
		double v = strtod(text, NULL);
		int got = -1;
		row_check(&bad, decimal_from_double(v, 2, &got) && got == hmm, "%s -> %d", text,
			  got);
		/* Half a hundredth more is a third decimal. */
		snprintf(text, sizeof text, "%d.%02d5", hmm / 100, hmm % 100);
		v = strtod(text, NULL);
		row_check(&bad, !decimal_from_double(v, 2, &got), "%s accepted", text);
	}
	assert_int_equal(bad, 0);
}

/* ---- decimal_format ---- */

struct fmt_row {
	int scaled;
	int decimals;
	const char *want;
};

static void decimal_format_table(void **state)
{
	(void)state;
	const struct fmt_row rows[] = {
	    {135, 2, "1.35"}, {200, 2, "2"},	 {150, 2, "1.5"},
	    {5, 2, "0.05"},   {1, 2, "0.01"},	 {20, 2, "0.2"},
	    {300, 2, "3"},    {201, 2, "2.01"},	 {10, 2, "0.1"},
	    {0, 2, "0"},      {99, 2, "0.99"},	 {-135, 2, "-1.35"},
	    {-5, 2, "-0.05"}, {-150, 2, "-1.5"}, {85, 1, "8.5"},
	    {80, 1, "8"},     {1, 1, "0.1"},	 {123, 1, "12.3"},
	    {-45, 1, "-4.5"}, {7, 0, "7"},	 {1000000000, 2, "10000000"},
	};
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++) {
		char buf[32];
		memset(buf, 'x', sizeof buf);
		decimal_format(rows[i].scaled, rows[i].decimals, buf, sizeof buf);
		row_check(&bad, strcmp(buf, rows[i].want) == 0,
			  "row %zu: %d/%d -> \"%s\", want \"%s\"", i, rows[i].scaled,
			  rows[i].decimals, buf, rows[i].want);
	}
	assert_int_equal(bad, 0);
}

/* Formatting then parsing gives the same integer back, for every depth. */
static void decimal_round_trip(void **state)
{
	(void)state;
	int bad = 0;
	for (int hmm = -300; hmm <= 300; hmm++) {
		char buf[32];
		int back = -9999;
		decimal_format(hmm, 2, buf, sizeof buf);
		row_check(&bad, decimal_from_double(strtod(buf, NULL), 2, &back) && back == hmm,
			  "%d -> \"%s\" -> %d", hmm, buf, back);
	}
	assert_int_equal(bad, 0);
}

static void decimal_format_truncates_safely(void **state)
{
	(void)state;
	char buf[4];
	decimal_format(135, 2, buf, sizeof buf);
	assert_string_equal(buf, "1.3");
}

/* ---- rules_depth ---- */

struct depth_row {
	int depth;
	int area_max;
	bool reason;
	int want;
};

static void depth_rule_table(void **state)
{
	(void)state;
	const struct depth_row rows[] = {
	    /* 0.2-3.0 mm, whatever the area or a reason says. */
	    {19, 300, false, -ERR_VALIDATION_FAILED},
	    {19, 300, true, -ERR_VALIDATION_FAILED},
	    {20, 300, false, 0},
	    {20, 20, false, 0},
	    {300, 300, false, 0},
	    {301, 300, false, -ERR_VALIDATION_FAILED},
	    {301, 300, true, -ERR_VALIDATION_FAILED},
	    {301, 200, true, -ERR_VALIDATION_FAILED},
	    {0, 200, false, -ERR_VALIDATION_FAILED},
	    {-135, 200, true, -ERR_VALIDATION_FAILED},
	    {100000, 300, true, -ERR_VALIDATION_FAILED},
	    /* The area's maximum (cheeks 2.0 mm), and the override reason. */
	    {199, 200, false, 0},
	    {200, 200, false, 0},
	    {201, 200, false, -ERR_DEPTH_EXCEEDS_AREA_MAX},
	    {201, 200, true, 0},
	    {300, 200, false, -ERR_DEPTH_EXCEEDS_AREA_MAX},
	    {300, 200, true, 0},
	    /* Around the eyes: 0.5 mm. */
	    {50, 50, false, 0},
	    {51, 50, false, -ERR_DEPTH_EXCEEDS_AREA_MAX},
	    {51, 50, true, 0},
	    {20, 50, false, 0},
	};
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++) {
		int got = rules_depth(rows[i].depth, rows[i].area_max, rows[i].reason);
		row_check(&bad, got == rows[i].want,
			  "row %zu: depth %d max %d reason %d -> %d, want %d", i, rows[i].depth,
			  rows[i].area_max, rows[i].reason, got, rows[i].want);
	}
	assert_int_equal(bad, 0);
}

/* ---- rules_sign_missing ---- */

#define DAY 20500 /* a clinic-local day number */

/* A record that could be signed: one area, screening confirmed, PRP complete, caution
 * reviewed. */
struct signable {
	struct session_area area;
	struct session_record r;
	struct sign_facts f;
};

static void signable_init(struct signable *s)
{
	memset(s, 0, sizeof *s);
	s->area.area = (char *)"cheeks";
	s->area.depth_hmm = 150;
	s->r.appointment_id = 7;
	s->r.status = SESSION_DRAFT;
	s->r.areas = &s->area;
	s->r.nareas = 1;
	s->r.screening_confirmed_at = 1771000000;
	s->r.caution_reviewed = true;
	s->r.prp.present = true;
	s->r.prp.blood_ml10 = 200;
	s->r.prp.spin_minutes = 10;
	s->r.prp.spin_rcf = 1500;
	s->r.prp.prp_ml10 = 40;
	s->r.prp.route = (char *)"topical";
	s->f.r = &s->r;
	s->f.session_day = DAY;
	s->f.confirmed_day = DAY;
	s->f.has_consent = true;
	s->f.uses_prp = true;
	s->f.has_cautions = true;
	s->f.checked_in = true;
}

enum sign_change {
	CH_NONE,
	CH_NO_AREAS,
	CH_NOT_CONFIRMED,
	CH_CONFIRMED_DAY_BEFORE,
	CH_CONFIRMED_DAY_AFTER,
	CH_NO_CONSENT,
	CH_NO_PRP,
	CH_PRP_NO_BLOOD,
	CH_PRP_NO_MINUTES,
	CH_PRP_NO_RCF,
	CH_PRP_NO_PRP_ML,
	CH_PRP_NO_ROUTE,
	CH_PRP_EMPTY_ROUTE,
	CH_NO_PRP_NOT_USED,
	CH_PRP_PARTIAL_NOT_USED,
	CH_NOT_REVIEWED,
	CH_NOT_REVIEWED_NO_CAUTIONS,
	CH_NO_CAUTIONS,
	CH_NOT_CHECKED_IN,
	CH_EVERYTHING,
};

static void apply_change(struct signable *s, int change)
{
	switch (change) {
	case CH_NO_AREAS:
		s->r.nareas = 0;
		s->r.areas = NULL;
		break;
	case CH_NOT_CONFIRMED:
		s->r.screening_confirmed_at = 0;
		s->f.confirmed_day = 0;
		break;
	case CH_CONFIRMED_DAY_BEFORE:
		s->f.confirmed_day = DAY - 1;
		break;
	case CH_CONFIRMED_DAY_AFTER:
		s->f.confirmed_day = DAY + 1;
		break;
	case CH_NO_CONSENT:
		s->f.has_consent = false;
		break;
	case CH_NO_PRP:
		memset(&s->r.prp, 0, sizeof s->r.prp);
		break;
	case CH_PRP_NO_BLOOD:
		s->r.prp.blood_ml10 = 0;
		break;
	case CH_PRP_NO_MINUTES:
		s->r.prp.spin_minutes = 0;
		break;
	case CH_PRP_NO_RCF:
		s->r.prp.spin_rcf = 0;
		break;
	case CH_PRP_NO_PRP_ML:
		s->r.prp.prp_ml10 = 0;
		break;
	case CH_PRP_NO_ROUTE:
		s->r.prp.route = NULL;
		break;
	case CH_PRP_EMPTY_ROUTE:
		s->r.prp.route = (char *)"";
		break;
	case CH_NO_PRP_NOT_USED:
		memset(&s->r.prp, 0, sizeof s->r.prp);
		s->f.uses_prp = false;
		break;
	case CH_PRP_PARTIAL_NOT_USED:
		s->r.prp.route = NULL;
		s->r.prp.blood_ml10 = 0;
		s->f.uses_prp = false;
		break;
	case CH_NOT_REVIEWED:
		s->r.caution_reviewed = false;
		break;
	case CH_NOT_REVIEWED_NO_CAUTIONS:
		s->r.caution_reviewed = false;
		s->f.has_cautions = false;
		break;
	case CH_NO_CAUTIONS:
		s->f.has_cautions = false;
		break;
	case CH_NOT_CHECKED_IN:
		s->f.checked_in = false;
		break;
	case CH_EVERYTHING:
		s->f.checked_in = false;
		s->r.nareas = 0;
		s->r.areas = NULL;
		s->r.screening_confirmed_at = 0;
		s->f.confirmed_day = 0;
		s->f.has_consent = false;
		memset(&s->r.prp, 0, sizeof s->r.prp);
		s->r.caution_reviewed = false;
		break;
	default:
		break;
	}
}

static void sign_missing_table(void **state)
{
	(void)state;
	const struct {
		int change;
		unsigned want;
	} rows[] = {
	    {CH_NONE, 0},
	    {CH_NO_AREAS, MISSING_AREAS},
	    {CH_NOT_CONFIRMED, MISSING_SCREENING},
	    {CH_CONFIRMED_DAY_BEFORE, MISSING_SCREENING},
	    {CH_CONFIRMED_DAY_AFTER, MISSING_SCREENING},
	    {CH_NO_CONSENT, MISSING_CONSENT},
	    {CH_NO_PRP, MISSING_PRP},
	    {CH_PRP_NO_BLOOD, MISSING_PRP},
	    {CH_PRP_NO_MINUTES, MISSING_PRP},
	    {CH_PRP_NO_RCF, MISSING_PRP},
	    {CH_PRP_NO_PRP_ML, MISSING_PRP},
	    {CH_PRP_NO_ROUTE, MISSING_PRP},
	    {CH_PRP_EMPTY_ROUTE, MISSING_PRP},
	    {CH_NO_PRP_NOT_USED, 0},
	    {CH_PRP_PARTIAL_NOT_USED, 0},
	    {CH_NOT_REVIEWED, MISSING_CAUTION},
	    {CH_NOT_REVIEWED_NO_CAUTIONS, 0},
	    {CH_NO_CAUTIONS, 0},
	    {CH_NOT_CHECKED_IN, MISSING_CHECKED_IN},
	    {CH_EVERYTHING, MISSING_AREAS | MISSING_SCREENING | MISSING_CONSENT | MISSING_PRP |
				MISSING_CAUTION | MISSING_CHECKED_IN},
	};
	int bad = 0;
	for (size_t i = 0; i < NROWS(rows); i++) {
		struct signable s;
		signable_init(&s);
		apply_change(&s, rows[i].change);
		unsigned got = rules_sign_missing(&s.f);
		row_check(&bad, got == rows[i].want, "row %zu: missing 0x%x, want 0x%x", i, got,
			  rows[i].want);
	}
	assert_int_equal(bad, 0);
}

static void sign_missing_names_in_order(void **state)
{
	(void)state;
	static const char *const want[] = {"areas", "screening_confirmed", "consent",
					   "prp",   "caution_reviewed",	   "checked_in"};
	assert_int_equal(SIGN_MISSING_ALL, (int)NROWS(want));
	for (int i = 0; i < SIGN_MISSING_ALL; i++) {
		assert_non_null(sign_missing_name(i));
		assert_string_equal(sign_missing_name(i), want[i]);
	}
	/* The bit of name i is 1 << i. */
	assert_int_equal(MISSING_AREAS, 1 << 0);
	assert_int_equal(MISSING_SCREENING, 1 << 1);
	assert_int_equal(MISSING_CONSENT, 1 << 2);
	assert_int_equal(MISSING_PRP, 1 << 3);
	assert_int_equal(MISSING_CAUTION, 1 << 4);
	assert_int_equal(MISSING_CHECKED_IN, 1 << 5);
	assert_null(sign_missing_name(-1));
	assert_null(sign_missing_name(SIGN_MISSING_ALL));
}

static void status_names(void **state)
{
	(void)state;
	assert_string_equal(session_status_name(SESSION_DRAFT), "draft");
	assert_string_equal(session_status_name(SESSION_SIGNED), "signed");
	assert_null(session_status_name(0));
	assert_int_equal(session_status_parse("draft"), SESSION_DRAFT);
	assert_int_equal(session_status_parse("signed"), SESSION_SIGNED);
	assert_int_equal(session_status_parse("Signed"), 0);
	assert_int_equal(session_status_parse(""), 0);
	assert_int_equal(session_status_parse(NULL), 0);
}

/* ---- The database: a signed record is frozen by triggers ---- */

struct fixture {
	char dir[64];
	char path[256];
	struct db *db;
};

static int setup_db(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	scratch_make(f->dir);
	unit_db_target(f->dir, f->path);
	assert_int_equal(db_open(f->path, &f->db), 0);
	*state = f;
	return 0;
}

static int teardown_db(void **state)
{
	struct fixture *f = *state;
	db_close(f->db);
	scratch_remove(f->dir);
	free(f);
	return 0;
}

/* The minimal rows for one draft session record of appointment 1 with two areas, one
 * product, one reaction and one addendum. */
static void seed_draft(struct db *db)
{
	unit_exec(db, "INSERT INTO users (id, username, display_name, role, password_hash, "
		      "created_at) VALUES (1, 'prac', 'Dr Prac', 'practitioner', 'x', 1771000000)");
	unit_exec(db, "INSERT INTO rooms (id, name) VALUES (1, 'Room 1')");
	unit_exec(db, "INSERT INTO patients (id, mrn, first_name, last_name, first_key, last_key, "
		      "date_of_birth, created_at, updated_at) VALUES (1, 'C-000001', 'Ana', "
		      "'Lopez', 'ana', 'lopez', '1985-03-14', 1771000000, 1771000000)");
	unit_exec(db,
		  "INSERT INTO plans (id, patient_id, treatment_type, indication, "
		  "planned_sessions, min_interval_days, max_interval_days, practitioner_id, "
		  "created_at, created_by, updated_at) VALUES (1, 1, 'MN', 'fine_lines', 3, 28, "
		  "42, 1, 1771000000, 1, 1771000000)");
	unit_exec(db, "INSERT INTO appointments (id, patient_id, plan_id, session_number, kind, "
		      "practitioner_id, room_id, start_at, end_at, created_at, created_by, "
		      "updated_at) VALUES (1, 1, 1, 1, 'treatment', 1, 1, 1771000000, 1771003600, "
		      "1771000000, 1, 1771000000)");
	unit_exec(db, "INSERT INTO session_records (appointment_id, screening_confirmed_at, "
		      "device, cartridge_lot, created_at, updated_at, updated_by) VALUES (1, "
		      "1771000000, 'pen', 'LOT-1', 1771000000, 1771000000, 1)");
	unit_exec(db, "INSERT INTO session_areas (appointment_id, position, area, depth_hmm) "
		      "VALUES (1, 0, 'cheeks', 135)");
	unit_exec(db, "INSERT INTO session_areas (appointment_id, position, area, depth_hmm) "
		      "VALUES (1, 1, 'forehead', 50)");
	unit_exec(db, "INSERT INTO session_products (appointment_id, position, name) "
		      "VALUES (1, 0, 'Hyaluronic serum')");
	unit_exec(db, "INSERT INTO session_reactions (appointment_id, position, type, severity) "
		      "VALUES (1, 0, 'redness', 1)");
	unit_exec(db, "INSERT INTO session_addenda (appointment_id, author, at, text) "
		      "VALUES (1, 1, 1771000100, 'first note')");
}

/* A draft changes freely; addenda never do. */
static void db_draft_is_editable(void **state)
{
	struct fixture *f = *state;
	seed_draft(f->db);
	unit_exec(f->db,
		  "UPDATE session_records SET cartridge_lot = 'LOT-2' WHERE appointment_id = 1");
	unit_exec(f->db, "UPDATE session_areas SET depth_hmm = 140 WHERE appointment_id = 1 "
			 "AND position = 0");
	unit_exec(f->db, "DELETE FROM session_areas WHERE appointment_id = 1 AND position = 1");
	unit_exec(f->db, "INSERT INTO session_areas (appointment_id, position, area, depth_hmm) "
			 "VALUES (1, 1, 'nose', 80)");
	unit_exec(f->db, "DELETE FROM session_products WHERE appointment_id = 1");
	unit_exec(f->db, "DELETE FROM session_reactions WHERE appointment_id = 1");
	assert_int_equal(unit_int(f->db, "SELECT depth_hmm FROM session_areas WHERE "
					 "appointment_id = 1 AND position = 0"),
			 140);
	/* Depth is an integer of hundredths, checked by the table too. */
	unit_refused(f->db, "INSERT INTO session_areas (appointment_id, position, area, "
			    "depth_hmm) VALUES (1, 5, 'nose', 19)");
	unit_refused(f->db, "INSERT INTO session_areas (appointment_id, position, area, "
			    "depth_hmm) VALUES (1, 5, 'nose', 301)");
	/* Addenda are append-only even on a draft. */
	unit_refused(f->db, "UPDATE session_addenda SET text = 'changed'");
	unit_refused(f->db, "DELETE FROM session_addenda");
	/* Records are never deleted. */
	unit_refused(f->db, "DELETE FROM session_records WHERE appointment_id = 1");
	assert_int_equal(unit_int(f->db, "SELECT count(*) FROM session_records"), 1);
}

static void db_signed_record_is_frozen(void **state)
{
	struct fixture *f = *state;
	seed_draft(f->db);
	/* Signing is an UPDATE of a draft: allowed once. */
	unit_exec(f->db, "UPDATE session_records SET status = 'signed', signed_by = 1, "
			 "signed_at = 1771003000 WHERE appointment_id = 1");
	char text[64];
	unit_text(f->db, "SELECT status FROM session_records WHERE appointment_id = 1", text,
		  sizeof text);
	assert_string_equal(text, "signed");

	/* The record itself, whatever the column, even back to draft or to the same value. */
	unit_refused(f->db, "UPDATE session_records SET status = 'signed', signed_at = 1771003001 "
			    "WHERE appointment_id = 1");
	unit_refused(f->db, "UPDATE session_records SET status = 'draft' WHERE appointment_id = 1");
	unit_refused(f->db, "UPDATE session_records SET cartridge_lot = 'OTHER' "
			    "WHERE appointment_id = 1");
	unit_refused(f->db, "UPDATE session_records SET notes = notes WHERE appointment_id = 1");
	unit_refused(f->db, "UPDATE session_records SET updated_at = updated_at + 1");
	unit_refused(f->db, "DELETE FROM session_records WHERE appointment_id = 1");

	/* Its areas, products and reactions. */
	unit_refused(f->db, "UPDATE session_areas SET depth_hmm = 150 WHERE appointment_id = 1");
	unit_refused(f->db, "INSERT INTO session_areas (appointment_id, position, area, "
			    "depth_hmm) VALUES (1, 2, 'nose', 80)");
	unit_refused(f->db, "DELETE FROM session_areas WHERE appointment_id = 1");
	unit_refused(f->db, "UPDATE session_products SET name = 'x' WHERE appointment_id = 1");
	unit_refused(f->db, "INSERT INTO session_products (appointment_id, position, name) "
			    "VALUES (1, 1, 'y')");
	unit_refused(f->db, "DELETE FROM session_products WHERE appointment_id = 1");
	unit_refused(f->db, "UPDATE session_reactions SET severity = 3 WHERE appointment_id = 1");
	unit_refused(f->db, "INSERT INTO session_reactions (appointment_id, position, type, "
			    "severity) VALUES (1, 1, 'swelling', 2)");
	unit_refused(f->db, "DELETE FROM session_reactions WHERE appointment_id = 1");

	/* Addenda: appended, never changed or removed. */
	unit_exec(f->db, "INSERT INTO session_addenda (appointment_id, author, at, text) "
			 "VALUES (1, 1, 1771003100, 'second note')");
	unit_refused(f->db, "UPDATE session_addenda SET text = 'changed' WHERE appointment_id = 1");
	unit_refused(f->db, "DELETE FROM session_addenda WHERE appointment_id = 1");

	/* REPLACE deletes the old row before inserting: the delete triggers still refuse it
	 * (the database runs with recursive_triggers on). PostgreSQL has no REPLACE: its ON
	 * CONFLICT updates in place, which the update triggers refuse above. */
	if (!unit_pg()) {
		unit_refused(f->db,
			     "INSERT OR REPLACE INTO session_records (appointment_id, status, "
			     "created_at, updated_at, updated_by) VALUES (1, 'draft', 1, 1, 1)");
		unit_refused(f->db,
			     "REPLACE INTO session_addenda (id, appointment_id, author, at, text) "
			     "SELECT id, appointment_id, author, at, 'rewritten' FROM "
			     "session_addenda LIMIT 1");
		unit_refused(f->db, "REPLACE INTO session_areas (appointment_id, position, area, "
				    "depth_hmm) VALUES (1, 0, 'cheeks', 300)");
	}

	/* Nothing moved. */
	unit_text(f->db,
		  "SELECT status || '|' || cartridge_lot || '|' || signed_at FROM "
		  "session_records WHERE appointment_id = 1",
		  text, sizeof text);
	assert_string_equal(text, "signed|LOT-1|1771003000");
	unit_texts(f->db,
		   "SELECT area || ':' || depth_hmm FROM session_areas WHERE appointment_id = 1 "
		   "ORDER BY position",
		   ",", text, sizeof text);
	assert_string_equal(text, "cheeks:135,forehead:50");
	assert_int_equal(unit_int(f->db, "SELECT count(*) FROM session_products"), 1);
	assert_int_equal(unit_int(f->db, "SELECT count(*) FROM session_reactions"), 1);
	unit_texts(f->db, "SELECT text FROM session_addenda ORDER BY id", "|", text, sizeof text);
	assert_string_equal(text, "first note|second note");
}

/* A refused statement inside a write transaction leaves the record unchanged. On SQLite
 * the transaction stays usable and its other writes commit; PostgreSQL fails the whole
 * transaction at the refusal (nothing else runs in it), and its commit fails. */
static void db_refusal_inside_a_transaction(void **state)
{
	struct fixture *f = *state;
	seed_draft(f->db);
	unit_exec(f->db, "UPDATE session_records SET status = 'signed', signed_by = 1, "
			 "signed_at = 1771003000 WHERE appointment_id = 1");
	static const char *const addendum =
	    "INSERT INTO session_addenda (appointment_id, author, at, text) "
	    "VALUES (1, 1, 1771003200, 'in a transaction')";
	assert_int_equal(db_begin_write(f->db), 0);
	unit_refused(f->db, "UPDATE session_areas SET depth_hmm = 300");
	if (unit_pg()) {
		struct unit_sql r;
		unit_sql_try(f->db, addendum, &r);
		assert_string_equal(r.state, "25P02"); /* in_failed_sql_transaction */
		/* Its COMMIT is a ROLLBACK, and says so. */
		assert_int_not_equal(db_commit(f->db), 0);
	} else {
		unit_exec(f->db, addendum);
		assert_int_equal(db_commit(f->db), 0);
	}
	assert_int_equal(unit_int(f->db, "SELECT max(depth_hmm) FROM session_areas"), 135);
	assert_int_equal(unit_int(f->db, "SELECT count(*) FROM session_addenda"),
			 unit_pg() ? 1 : 2);
}

/* Only the appointment's practitioner signs; colleagues, admins and the front desk do
 * not. */
static void sign_actor_table(void **state)
{
	(void)state;
	assert_int_equal(rules_sign_actor(ROLE_PRACTITIONER, 5, 0), 0);
	assert_int_equal(rules_sign_actor(ROLE_PRACTITIONER, 5, 5), 0);
	assert_int_equal(rules_sign_actor(ROLE_PRACTITIONER, 5, 6), -ERR_FORBIDDEN);
	assert_int_equal(rules_sign_actor(ROLE_ADMIN, 5, 5), -ERR_FORBIDDEN);
	assert_int_equal(rules_sign_actor(ROLE_ADMIN, 5, 0), -ERR_FORBIDDEN);
	assert_int_equal(rules_sign_actor(ROLE_FRONT_DESK, 5, 5), -ERR_FORBIDDEN);
	assert_int_equal(rules_sign_actor(0, 5, 5), -ERR_FORBIDDEN);
}

/* A draft is written while its appointment can still take place; a signed record never. */
static void record_writable_table(void **state)
{
	(void)state;
	static const struct {
		bool signed_record;
		int status;
		int want;
	} rows[] = {
	    {false, APPT_BOOKED, 0},
	    {false, APPT_CHECKED_IN, 0},
	    {false, APPT_COMPLETED, 0},
	    {false, APPT_CANCELLED, -ERR_BAD_TRANSITION},
	    {false, APPT_NO_SHOW, -ERR_BAD_TRANSITION},
	    {true, APPT_COMPLETED, -ERR_LOCKED},
	    {true, APPT_CANCELLED, -ERR_LOCKED},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		row_check(&bad,
			  rules_record_writable(rows[i].signed_record, rows[i].status) ==
			      rows[i].want,
			  "row %zu", i);
	assert_int_equal(bad, 0);
}

/* Numbing: removed before applied is refused; under 15 minutes warns; unknown times pass. */
static void numbing_table(void **state)
{
	(void)state;
	static const struct {
		int64_t applied, removed;
		int want;
		bool short_dwell;
	} rows[] = {
	    {0, 0, 0, false},
	    {1000, 0, 0, false},
	    {0, 1000, 0, false},
	    {1000, 1000 + 15 * 60, 0, false},
	    {1000, 1000 + 15 * 60 - 1, 0, true},
	    {1000, 1000, 0, true},
	    {1000, 999, -ERR_VALIDATION_FAILED, false},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		bool sh = true;
		int got = rules_numbing(rows[i].applied, rows[i].removed, &sh);
		row_check(&bad, got == rows[i].want && sh == rows[i].short_dwell, "row %zu: %d %d",
			  i, got, sh);
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sign_actor_table),
	    cmocka_unit_test(record_writable_table),
	    cmocka_unit_test(numbing_table),
	    cmocka_unit_test(decimal_parse_table),
	    cmocka_unit_test(decimal_parse_refuses_nan_and_infinities),
	    cmocka_unit_test(decimal_parse_every_depth),
	    cmocka_unit_test(decimal_format_table),
	    cmocka_unit_test(decimal_round_trip),
	    cmocka_unit_test(decimal_format_truncates_safely),
	    cmocka_unit_test(depth_rule_table),
	    cmocka_unit_test(sign_missing_table),
	    cmocka_unit_test(sign_missing_names_in_order),
	    cmocka_unit_test(status_names),
	    cmocka_unit_test_setup_teardown(db_draft_is_editable, setup_db, teardown_db),
	    cmocka_unit_test_setup_teardown(db_signed_record_is_frozen, setup_db, teardown_db),
	    cmocka_unit_test_setup_teardown(db_refusal_inside_a_transaction, setup_db, teardown_db),
	};
	log_set_quiet(1);
	return cmocka_run_group_tests_name("unit_session", tests, NULL, NULL);
}
