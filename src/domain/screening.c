/* The rule that keeps a new screening from silently dropping an earlier condition. */
#include "domain/screening.h"

#include "domain/clinical.h"
#include "util/err.h"

int rules_screening_dropped(char *const *prev, size_t nprev, char *const *now, size_t nnow,
			    char *const *resolved, size_t nresolved, const char **dropped,
			    size_t *ndropped, const char **bad_resolved)
{
	*ndropped = 0;
	*bad_resolved = NULL;
	for (size_t i = 0; i < nresolved; i++)
		if (!str_in(resolved[i], prev, nprev) || str_in(resolved[i], now, nnow)) {
			*bad_resolved = resolved[i];
			break;
		}
	for (size_t i = 0; i < nprev; i++)
		if (!str_in(prev[i], now, nnow) && !str_in(prev[i], resolved, nresolved))
			dropped[(*ndropped)++] = prev[i];
	return *bad_resolved || *ndropped ? -ERR_VALIDATION_FAILED : 0;
}
