/* Who sees what of the clinical record: the minimum-necessary rule in one place. */
#include "domain/visibility.h"

#include "domain/model.h"

struct visibility visibility_for(unsigned role)
{
	bool clinical = (role & (ROLE_ADMIN | ROLE_PRACTITIONER)) != 0;
	struct visibility v = {
	    .screening = clinical,
	    .session_record = clinical,
	    .condition_names = clinical,
	    .day_cautions = clinical,
	};
	return v;
}
