/* The demo clinic: rooms, staff with weekly hours and forty patients of all ages. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "domain/dates.h"
#include "store/audit.h"
#include "store/clinic.h"
#include "store/patients.h"
#include "store/users.h"
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

static int fill(struct db *db, int64_t *ids)
{
	struct actor system = {0, "demo"};
	int64_t now = (int64_t)time(NULL);
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
		err = store_room_insert(db, rooms[i], &id);
		if (!err)
			err = store_audit_append(db, &system, "create", "room", id, "demo");
	}
	if (!err)
		err = store_hours_replace(db, ids[2], reyes_hours,
					  sizeof reyes_hours / sizeof reyes_hours[0]);
	if (!err)
		err = store_hours_replace(db, ids[3], kim_hours, sizeof kim_hours / sizeof kim_hours[0]);
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
