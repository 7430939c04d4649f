/* The demo clinic: rooms, staff with weekly hours and forty patients of all ages. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "domain/dates.h"
#include "domain/session.h"
#include "store/audit.h"
#include "store/catalog.h"
#include "store/schedule.h"
#include "store/sessions.h"
#include "store/clinic.h"
#include "store/patients.h"
#include "store/users.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/secrets.h"

struct demo_user {
	const char *username;
	const char *display;
	int role;
	const char *password;
};

static const struct demo_user staff[] = {
    {"admin", "Morgan Avery (owner)", ROLE_ADMIN, "admin-demo-2026"},
    {"desk", "Priya Nair", ROLE_FRONT_DESK, "desk-demo-2026"},
    {"dr.reyes", "Dr Elena Reyes", ROLE_PRACTITIONER, "reyes-demo-2026"},
    {"nurse.kim", "Nurse Daniel Kim", ROLE_PRACTITIONER, "kim-demo-2026"},
};

static const char *const rooms[] = {"Treatment 1", "Treatment 2", "Consultation"};
static const int room_kinds[] = {ROOM_TREATMENT, ROOM_TREATMENT, ROOM_CONSULTATION};

/* First name, last name, age in years, phone, e-mail (or NULL), Fitzpatrick type. */
struct demo_patient {
	const char *first;
	const char *last;
	int age;
	const char *phone;
	const char *email;
	int fitz;
};

static const struct demo_patient patients[] = {
    {"Amelia", "Hart", 34, "+44 20 7946 0101", "amelia.hart@example.org", 2},
    {"Jonas", "Müller", 41, "+49 30 901820", "jonas.mueller@example.de", 2},
    {"Sofia", "García", 29, "+34 912 345 678", NULL, 3},
    {"Chloé", "Lefèvre", 52, "+33 1 70 18 99 00", "chloe.lefevre@example.fr", 2},
    {"Aiko", "Tanaka", 37, "+81 3 1234 5678", NULL, 3},
    {"Olumide", "Adeyemi", 45, "+234 803 555 0199", "olumide@example.ng", 6},
    {"Grace", "O'Connell", 63, "+353 1 555 0142", NULL, 1},
    {"Mateo", "Rossi", 26, "+39 06 5555 0123", "mateo.rossi@example.it", 3},
    {"Zoë", "van Dijk", 31, "+31 20 555 0175", NULL, 2},
    {"Hannah", "Schmidt", 48, "+49 89 555 0190", "h.schmidt@example.de", 2},
    {"Ravi", "Patel", 39, "+44 161 555 0133", NULL, 4},
    {"Isabella", "Costa", 22, "+351 21 555 0144", "bella.costa@example.pt", 3},
    {"Liam", "Murphy", 57, "+353 21 555 0166", NULL, 1},
    {"Mei", "Chen", 44, "+86 10 5555 0188", "mei.chen@example.cn", 3},
    {"Noah", "Williams", 19, "+1 212 555 0101", NULL, 2},
    {"Ава", "Иванова", 36, "+7 495 555 0111", NULL, 2},
    {"Fatima", "Haddad", 33, "+961 1 555 012", "fatima.h@example.org", 4},
    {"Lucas", "Martin", 50, "+33 4 55 55 01 22", NULL, 2},
    {"Emma", "Johansson", 28, "+46 8 555 0137", "emma.j@example.se", 1},
    {"Diego", "Hernández", 46, "+52 55 5555 0149", NULL, 4},
    {"Yara", "Silva", 38, "+55 11 5555 0150", "yara.silva@example.br", 5},
    {"Oliver", "Brown", 61, "+44 117 555 0161", NULL, 2},
    {"Nora", "Lindqvist", 27, "+47 22 55 50 17", NULL, 1},
    {"Kwame", "Mensah", 42, "+233 30 555 0172", "kwame.m@example.gh", 6},
    {"Leila", "Karimi", 35, "+98 21 5555 0183", NULL, 3},
    {"Sebastian", "Nowak", 53, "+48 22 555 0194", "s.nowak@example.pl", 2},
    {"Ingrid", "Berg", 67, "+47 55 55 02 05", NULL, 1},
    {"Tomás", "Ó Briain", 30, "+353 91 555 0216", NULL, 2},
    {"Aaliyah", "Johnson", 24, "+1 404 555 0127", "aaliyah.j@example.com", 5},
    {"Henrik", "Larsen", 58, "+45 33 55 02 38", NULL, 1},
    {"Priyanka", "Sharma", 32, "+91 22 5555 0249", "priyanka.s@example.in", 4},
    {"Elif", "Yılmaz", 40, "+90 212 555 0250", NULL, 3},
    {"George", "Papadopoulos", 49, "+30 21 0555 0261", NULL, 3},
    {"Charlotte", "Dubois", 25, "+32 2 555 02 72", "charlotte.d@example.be", 2},
    {"Samuel", "Cohen", 55, "+972 3 555 0283", NULL, 3},
    {"Lucía", "Fernández", 43, "+54 11 5555 0294", "lucia.f@example.ar", 3},
    {"Ethan", "Nguyen", 17, "+61 2 5555 0305", NULL, 4},
    {"Maya", "Goldberg", 16, "+1 617 555 0316", NULL, 2},
    {"William", "Taylor", 72, "+44 131 555 0327", NULL, 1},
    {"Astrid", "Nielsen", 46, "+45 86 55 03 38", "astrid.n@example.dk", 1},
};

/* Mon-Fri hours of the two practitioners: one works early, one late and Saturdays. */
static const struct hours reyes_hours[] = {
    {1, 9 * 60, 17 * 60}, {2, 9 * 60, 17 * 60}, {3, 9 * 60, 13 * 60},
    {4, 9 * 60, 17 * 60}, {5, 9 * 60, 15 * 60},
};
static const struct hours kim_hours[] = {
    {2, 11 * 60, 19 * 60}, {3, 11 * 60, 19 * 60}, {4, 11 * 60, 19 * 60},
    {5, 11 * 60, 19 * 60}, {6, 9 * 60, 14 * 60},
};

/* ---- Clinical history: screenings, consents, plans, appointments, session notes. ---- */

struct demo_ctx {
	struct db *db;
	struct actor who;
	int64_t today; /* clinic-local day */
	int64_t reyes; /* works Mon-Fri */
	int64_t kim;   /* works Tue-Sat */
	int64_t now;
};

/* The practitioner who works on day (Mon-Fri Reyes, Saturday Kim), moving a Sunday to
 * Monday. */
static int64_t work_day(const struct demo_ctx *c, int64_t day, int64_t *prac)
{
	int wd = dates_weekday(day);
	if (wd == 7)
		day++, wd = 1;
	*prac = wd == 6 ? c->kim : c->reyes;
	return day;
}

static int demo_screening(struct demo_ctx *c, int64_t patient, const char *cond, bool clear,
			  int64_t at)
{
	char *conds[1] = {(char *)cond};
	struct clearance cl = {(char *)cond, (char *)"Dr Amara Osei (GP)", at,
			       (char *)"Cleared for micro-needling without PRP."};
	struct screening s = {.patient_id = patient,
			      .recorded_at = at,
			      .recorded_by = c->reyes,
			      .conditions = cond ? conds : NULL,
			      .nconditions = cond ? 1 : 0,
			      .clearances = clear ? &cl : NULL,
			      .nclearances = clear ? 1 : 0};
	int err = store_screening_insert(c->db, &s);
	return err ? err : store_audit_append(c->db, &c->who, "create", "screening", s.id, "demo");
}

static int demo_consent(struct demo_ctx *c, int64_t patient, const char *type, const char *name,
			int64_t at)
{
	struct consent k = {.patient_id = patient,
			    .treatment_type = (char *)type,
			    .form_version = (char *)"MN-2026.1",
			    .signed_name = (char *)name,
			    .signed_at = at,
			    .recorded_by = c->reyes};
	int err = store_consent_insert(c->db, &k);
	return err ? err : store_audit_append(c->db, &c->who, "create", "consent", k.id, "demo");
}

static int demo_plan(struct demo_ctx *c, int64_t patient, const char *type, const char *ind,
		     const char *a1, const char *a2, int planned, int64_t *id)
{
	char *areas[2] = {(char *)a1, (char *)a2};
	struct plan p = {.patient_id = patient,
			 .treatment_type = (char *)type,
			 .indication = (char *)ind,
			 .areas = areas,
			 .nareas = a2 ? 2 : 1,
			 .planned_sessions = planned,
			 .min_interval_days = 28,
			 .max_interval_days = 42,
			 .practitioner_id = c->reyes,
			 .status = PLAN_ACTIVE,
			 .created_at = c->now - 120 * 86400,
			 .created_by = c->reyes};
	int err = store_plan_insert(c->db, &p);
	*id = p.id;
	return err ? err : store_audit_append(c->db, &c->who, "create", "plan", p.id, "demo");
}

static int demo_appt(struct demo_ctx *c, int64_t patient, int64_t plan, int kind, int64_t day,
		     int minute, int minutes, int64_t room, int status, int64_t *id)
{
	int64_t prac;
	day = work_day(c, day, &prac);
	struct appointment a = {.patient_id = patient,
				.plan_id = plan,
				.kind = kind,
				.practitioner_id = prac,
				.room_id = room,
				.start = dates_local_to_instant(day, minute),
				.end = dates_local_to_instant(day, minute + minutes),
				.status = status,
				.created_at = c->now - 100 * 86400,
				.created_by = c->reyes};
	int err = store_appt_insert(c->db, &a);
	if (!err && plan)
		err = store_appt_renumber(c->db, plan);
	if (id)
		*id = a.id;
	return err ? err
		   : store_audit_append(c->db, &c->who, "create", "appointment", a.id, "demo");
}

/* A session note with realistic depths: areas[i] at depth_hmm[i]. */
static int demo_note(struct demo_ctx *c, int64_t appt, const char *a1, int d1, const char *a2,
		     int d2, bool prp, bool sign, const char *addendum)
{
	struct appointment a;
	int err = store_appt_get(c->db, appt, &a);
	if (err)
		return err;
	struct session_area areas[2] = {{(char *)a1, d1, 3, NULL}, {(char *)a2, d2, 2, NULL}};
	char *products[2] = {(char *)"Hyaluronic acid serum", (char *)"SPF 50 mineral sunscreen"};
	struct reaction reactions[1] = {{(char *)"redness", 1}};
	struct session_record r = {
	    .appointment_id = appt,
	    .status = SESSION_DRAFT,
	    .screening_confirmed_at = a.start - 1800,
	    .caution_reviewed = true,
	    .numbing_product = (char *)"Lidocaine 23% / tetracaine 7%",
	    .numbing_applied_at = a.start - 1800,
	    .numbing_removed_at = a.start - 60,
	    .device = (char *)"pen",
	    .device_model = (char *)"Dermapen 4",
	    .cartridge_lot = (char *)(prp ? "DP4-2611-B" : "DP4-2609-A"),
	    .areas = areas,
	    .nareas = a2 ? 2 : 1,
	    .products = products,
	    .nproducts = 2,
	    .endpoint = (char *)"uniform_erythema",
	    .reactions = reactions,
	    .nreactions = 1,
	    .aftercare_given = true,
	    .notes = (char *)"Tolerated well. Aftercare sheet given.",
	    .updated_at = a.start + 3000,
	    .updated_by = a.practitioner_id,
	};
	if (prp) {
		r.prp.present = true;
		r.prp.blood_ml10 = 200;
		r.prp.spin_minutes = 10;
		r.prp.spin_rcf = 1500;
		r.prp.prp_ml10 = 45;
		r.prp.route = (char *)"topical";
		r.prp.kit_lot = (char *)"PRPK-2610-17";
	}
	err = store_record_put(c->db, &r);
	if (!err)
		err = store_audit_append(c->db, &c->who, "create", "session_record", appt, "demo");
	if (!err && sign) {
		err = store_record_sign(c->db, appt, a.practitioner_id, a.start + 3600, 0);
		a.status = APPT_COMPLETED;
		if (!err)
			err = store_appt_update(c->db, &a);
		if (!err)
			err = store_appt_renumber(c->db, a.plan_id);
		if (!err)
			err = store_audit_append(c->db, &c->who, "sign", "session_record", appt,
						 "demo");
	}
	if (!err && addendum) {
		struct addendum ad = {.appointment_id = appt,
				      .author = a.practitioner_id,
				      .at = a.start + 2 * 86400,
				      .text = (char *)addendum};
		err = store_addendum_insert(c->db, &ad);
		if (!err)
			err = store_audit_append(c->db, &c->who, "addendum", "session_record", appt,
						 "demo");
	}
	appointment_cleanup(&a);
	return err;
}

static int set_plan_status(struct demo_ctx *c, int64_t plan, int status)
{
	struct plan p;
	int err = store_plan_get(c->db, plan, &p);
	if (err)
		return err;
	p.status = status;
	p.updated_at = c->now;
	err = store_plan_update(c->db, &p);
	plan_cleanup(&p);
	return err ? err : store_audit_append(c->db, &c->who, "update", "plan", plan, "demo");
}

static int fill_clinical(struct demo_ctx *c)
{
	int64_t t = c->today, day = 86400, pl, ap, ap2;
	int err = 0;
	/* Adults 1-30 have a screening; a few with conditions that matter. */
	for (int64_t p = 1; !err && p <= 30; p++) {
		const char *cond = p == 3   ? "sunburn"
				   : p == 5 ? "pregnant"
				   : p == 7 ? "rosacea"
				   : p == 9 ? "active_acne"
					    : NULL;
		err = demo_screening(c, p, cond, p == 5, c->now - (40 - p) * day);
	}
	static const struct {
		int64_t patient;
		const char *type, *name;
	} consents[] = {{1, "MN", "Amelia Hart"},     {2, "MN_PRP", "Jonas Müller"},
			{3, "MN", "Sofia García"},    {4, "MN", "Chloé Lefèvre"},
			{5, "MN_PRP", "Aiko Tanaka"}, {6, "PRP", "Olumide Adeyemi"},
			{8, "MN", "Mateo Rossi"},     {10, "MN", "Hannah Schmidt"}};
	for (size_t i = 0; !err && i < sizeof consents / sizeof consents[0]; i++)
		err = demo_consent(c, consents[i].patient, consents[i].type, consents[i].name,
				   c->now - 130 * day);
	if (err)
		return err;

	/* Amelia: session 1 signed a month ago, session 2 booked in two days. */
	if ((err = demo_plan(c, 1, "MN", "acne_scars", "cheeks", "chin_jaw", 3, &pl)) ||
	    (err = demo_appt(c, 1, pl, KIND_TREATMENT, t - 31, 600, 60, 1, APPT_BOOKED, &ap)) ||
	    (err = demo_note(c, ap, "cheeks", 150, "chin_jaw", 125, false, true, NULL)) ||
	    (err = demo_appt(c, 1, pl, KIND_TREATMENT, t + 2, 600, 60, 1, APPT_BOOKED, NULL)))
		return err;
	/* Jonas (PRP): two sessions signed, the third due now. */
	if ((err = demo_plan(c, 2, "MN_PRP", "fine_lines", "forehead", "periorbital", 3, &pl)) ||
	    (err = demo_appt(c, 2, pl, KIND_TREATMENT, t - 62, 660, 60, 1, APPT_BOOKED, &ap)) ||
	    (err = demo_note(c, ap, "forehead", 75, "periorbital", 30, true, true, NULL)) ||
	    (err = demo_appt(c, 2, pl, KIND_TREATMENT, t - 31, 660, 60, 1, APPT_BOOKED, &ap2)) ||
	    (err = demo_note(
		 c, ap2, "forehead", 80, "periorbital", 35, true, true,
		 "Patient called on day 2: mild swelling under the eyes, settled by day 3.")))
		return err;
	/* Chloé: one session seven weeks ago, overdue. */
	if ((err = demo_plan(c, 4, "MN", "stretch_marks", "abdomen", "thighs", 4, &pl)) ||
	    (err = demo_appt(c, 4, pl, KIND_TREATMENT, t - 50, 540, 60, 2, APPT_BOOKED, &ap)) ||
	    (err = demo_note(c, ap, "abdomen", 250, "thighs", 225, false, true, NULL)))
		return err;
	/* Olumide (PRP): on hold after session 1. */
	if ((err = demo_plan(c, 6, "PRP", "rejuvenation", "cheeks", NULL, 3, &pl)) ||
	    (err = demo_appt(c, 6, pl, KIND_TREATMENT, t - 40, 600, 60, 2, APPT_BOOKED, &ap)) ||
	    (err = demo_note(c, ap, "cheeks", 100, NULL, 0, true, true, NULL)) ||
	    (err = set_plan_status(c, pl, PLAN_ON_HOLD)))
		return err;
	/* Sofia (caution: sunburn): the window opens next week. */
	if ((err = demo_plan(c, 3, "MN", "pores", "nose", "cheeks", 3, &pl)) ||
	    (err = demo_appt(c, 3, pl, KIND_TREATMENT, t - 21, 600, 60, 1, APPT_BOOKED, &ap)) ||
	    (err = demo_note(
		 c, ap, "nose", 75, "cheeks", 100, false, true,
		 "Addendum: sunburn on the forehead noted at review; forehead left out.")))
		return err;
	/* Hannah: a completed series. */
	if ((err = demo_plan(c, 10, "MN", "scars", "cheeks", NULL, 3, &pl)))
		return err;
	for (int k = 0; !err && k < 3; k++) {
		err = demo_appt(c, 10, pl, KIND_TREATMENT, t - 100 + 30 * k, 660, 60, 2,
				APPT_BOOKED, &ap);
		if (!err)
			err = demo_note(c, ap, "cheeks", 150 + 25 * k, NULL, 0, false, true, NULL);
	}
	if (!err)
		err = set_plan_status(c, pl, PLAN_COMPLETED);
	/* Mateo: session 1 today (or the next working day), checked in, note in draft. */
	if (!err && !(err = demo_plan(c, 8, "MN", "scars", "chin_jaw", NULL, 3, &pl)) &&
	    !(err = demo_appt(c, 8, pl, KIND_TREATMENT, t, 9 * 60 + 30, 60, 1, APPT_CHECKED_IN,
			      &ap))) {
		struct session_area area = {(char *)"chin_jaw", 125, 0, NULL};
		struct session_record r = {.appointment_id = ap,
					   .status = SESSION_DRAFT,
					   .device = (char *)"pen",
					   .device_model = (char *)"Dermapen 4",
					   .cartridge_lot = (char *)"DP4-2611-B",
					   .areas = &area,
					   .nareas = 1,
					   .updated_at = c->now,
					   .updated_by = c->reyes};
		err = store_record_put(c->db, &r);
		if (!err)
			err = store_audit_append(c->db, &c->who, "create", "session_record", ap,
						 "demo");
	}
	/* Aiko (pregnant, cleared): a plan not started yet. */
	if (!err)
		err = demo_plan(c, 5, "MN", "hyperpigmentation", "cheeks", NULL, 3, &pl);
	/* A week of consultations and reviews from today. */
	for (int d = 0; !err && d < 7; d++) {
		int64_t patient = 11 + (d * 3) % 20;
		if (dates_weekday(t + d) == 7)
			continue; /* closed on Sundays */
		err = demo_appt(c, patient, 0, KIND_CONSULTATION, t + d, 11 * 60 + 30, 30, 3,
				APPT_BOOKED, NULL);
		if (!err)
			err = demo_appt(c, patient + 1, 0, d % 2 ? KIND_REVIEW : KIND_CONSULTATION,
					t + d, 12 * 60 + 15, 30, 3, APPT_BOOKED, NULL);
	}
	return err;
}

static int64_t today_day(int64_t now)
{
	return dates_local_day(now);
}

static int fill(struct db *db, int64_t *ids)
{
	struct actor system = {0, "demo"};
	int64_t now = clock_now();
	int err = 0;
	for (size_t i = 0; !err && i < sizeof staff / sizeof staff[0]; i++) {
		char hash[SECRETS_PWHASH_LEN];
		if (secrets_hash_password(staff[i].password, hash) != 0)
			return -ERR_INTERNAL;
		struct user u = {.username = (char *)staff[i].username,
				 .display_name = (char *)staff[i].display,
				 .role = staff[i].role,
				 .active = true,
				 .created_at = now};
		err = store_user_insert(db, &u, hash, &ids[i]);
		if (!err)
			err = store_audit_append(db, &system, "create", "user", ids[i], "demo");
	}
	for (size_t i = 0; !err && i < sizeof rooms / sizeof rooms[0]; i++) {
		int64_t id;
		err = store_room_insert(db, rooms[i], room_kinds[i], &id);
		if (!err)
			err = store_audit_append(db, &system, "create", "room", id, "demo");
	}
	if (!err)
		err = store_hours_replace(db, ids[2], reyes_hours,
					  sizeof reyes_hours / sizeof reyes_hours[0]);
	if (!err)
		err = store_hours_replace(db, ids[3], kim_hours,
					  sizeof kim_hours / sizeof kim_hours[0]);
	struct cdate today = dates_local_date(now);
	for (size_t i = 0; !err && i < sizeof patients / sizeof patients[0]; i++) {
		const struct demo_patient *d = &patients[i];
		/* Birthdays spread over the year so that ages are exact on every day. */
		struct cdate dob = {today.year - d->age, (int)(i % 12) + 1, (int)(i % 28) + 1};
		if (dates_to_days(&(struct cdate){today.year, dob.month, dob.day}) >
		    dates_to_days(&today))
			dob.year--;
		struct patient p = {.first_name = (char *)d->first,
				    .last_name = (char *)d->last,
				    .phone = (char *)d->phone,
				    .email = (char *)d->email,
				    .fitzpatrick = d->fitz,
				    .created_at = now};
		dates_format_date(&dob, p.date_of_birth);
		err = store_patient_insert(db, &p);
		if (!err)
			err = store_audit_append(db, &system, "create", "patient", p.id, "demo");
		p.first_name = p.last_name = p.phone = p.email = NULL;
		patient_cleanup(&p);
	}
	if (!err) {
		struct demo_ctx c = {db, system, today_day(now), ids[2], ids[3], now};
		err = fill_clinical(&c);
	}
	return err;
}

int cli_demo_fill(struct db *db)
{
	int64_t users = 0;
	int err = db_begin_read(db);
	if (!err) {
		err = store_user_count(db, &users);
		db_rollback(db);
	}
	if (err)
		return err;
	if (users > 0) {
		log_info("demo: the database already has users; leaving it as it is");
		return 0;
	}
	int64_t ids[sizeof staff / sizeof staff[0]];
	if ((err = db_begin_write(db)) != 0)
		return err;
	err = fill(db, ids);
	if (err) {
		db_rollback(db);
		return err;
	}
	if ((err = db_commit(db)) != 0)
		return err;
	printf("demo clinic ready; logins (username / password):\n");
	for (size_t i = 0; i < sizeof staff / sizeof staff[0]; i++)
		printf("  %-10s %-16s %s\n", staff[i].username, staff[i].password,
		       role_name(staff[i].role));
	fflush(stdout);
	return 0;
}
