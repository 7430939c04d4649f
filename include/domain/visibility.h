/* Minimum necessary (docs/RULES.md rule 12): what each role may see of a patient's
 * clinical record. Pure. */
#ifndef COLLAGENDA_DOMAIN_VISIBILITY_H
#define COLLAGENDA_DOMAIN_VISIBILITY_H

#include <stdbool.h>

struct visibility {
	bool screening;	      /* screenings and their conditions, consents */
	bool session_record;  /* session notes, lots, treatment history */
	bool condition_names; /* the codes in a refusal, a caution or a bookable answer */
	bool day_cautions;    /* a day sheet row's caution codes */
};

/* What a user with role (one role bit) may see. The front desk sees demographics,
 * appointments, plan progress and whether a patient is bookable, never screening details
 * or session records: a refusal tells them that there are conditions (a count), not which. */
struct visibility visibility_for(unsigned role);

#endif
