/* The entities that travel between store/, domain/ and api/. Strings are heap copies
 * owned by the struct; the _cleanup functions free them. */
#ifndef COLLAGENDA_DOMAIN_MODEL_H
#define COLLAGENDA_DOMAIN_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Roles, as bits so that a route can allow several. */
enum role {
	ROLE_ADMIN = 1,
	ROLE_FRONT_DESK = 2,
	ROLE_PRACTITIONER = 4,
};
#define ROLE_ALL (ROLE_ADMIN | ROLE_FRONT_DESK | ROLE_PRACTITIONER)

/* One value of an enumeration and its name, as the API and the database spell it. */
struct name_row {
	int value;
	const char *name;
};
/* The name of v among the n rows; NULL when no row has it. */
const char *model_name_of(const struct name_row *rows, size_t n, int v);
/* The value named s among the n rows; 0 when s is NULL or no row has it. */
int model_value_of(const struct name_row *rows, size_t n, const char *s);

/* "admin", "front_desk", "practitioner"; NULL for anything else. */
const char *role_name(int role);
/* The role of a name, or 0. */
int role_parse(const char *name);

/* Who does something, for the audit trail. user_id 0 means the program itself: demo, CLI. */
struct actor {
	int64_t user_id;
	const char *remote;
};

struct user {
	int64_t id;
	char *username;
	char *display_name;
	int role;
	bool active;
	int64_t created_at;
};
void user_cleanup(struct user *u);

struct patient {
	int64_t id;
	char *mrn;
	char *first_name;
	char *last_name;
	char date_of_birth[11];
	char *phone; /* NULL when unknown */
	char *email;
	int fitzpatrick; /* 1-6, 0 when not recorded */
	char *notes;
	bool archived;
	int64_t created_at;
	int64_t updated_at;
	int64_t merged_into; /* the chart this one was merged into, 0 when none */
	/* Whether the clinic may write by e-mail and by text message, and in which language
	 * ("en", "de", "es"); when that was last changed and by whom (0: never). */
	bool contact_email;
	bool contact_sms;
	char language[8];
	int64_t contact_changed_at;
	int64_t contact_changed_by;
};
void patient_cleanup(struct patient *p);
void patients_free(struct patient *list, size_t n);

/* What a room is equipped for (RULES.md rule 56): a treatment room takes every visit, a
 * consultation room only the visits that need no treatment room. */
enum room_kind { ROOM_CONSULTATION = 1, ROOM_TREATMENT };

struct room {
	int64_t id;
	char *name;
	bool active;
	int kind; /* enum room_kind */
};
void room_cleanup(struct room *r);
void rooms_free(struct room *list, size_t n);

/* One interval of weekly hours in clinic-local minutes since midnight. */
struct hours {
	int weekday; /* ISO: 1 = Monday */
	int start_min;
	int end_min;
};

struct time_off {
	int64_t id;
	int64_t practitioner_id;
	int64_t start;
	int64_t end;
	char *reason;
};
void time_offs_free(struct time_off *list, size_t n);

#define AUDIT_HASH_HEX 65

struct audit_event {
	int64_t id;
	int64_t at;
	int64_t user_id;   /* 0: the system */
	char *action;	   /* "create", "read", "update", "login", ... */
	char *entity;	   /* "patient", "user", ... */
	int64_t entity_id; /* 0 when none */
	char *remote;
	char *detail; /* short, never clinical content */
	char prev_hash[AUDIT_HASH_HEX];
	char hash[AUDIT_HASH_HEX];
};
void audit_event_cleanup(struct audit_event *e);
void audit_events_free(struct audit_event *list, size_t n);

#endif
