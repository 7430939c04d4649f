/* What a new screening must say about the one before it (docs/RULES.md rule 42). Pure. */
#ifndef COLLAGENDA_DOMAIN_SCREENING_H
#define COLLAGENDA_DOMAIN_SCREENING_H

#include <stddef.h>

/*
 * A condition of the previous screening that the new one leaves out must be named in
 * resolved: an unticked box never clears a contraindication or a caution by accident.
 * Fills dropped (room for nprev) with the previous conditions that are absent now and not
 * resolved, and *ndropped; *bad_resolved with a resolved code that was not in the
 * previous screening or is still present (NULL when none). Returns 0 when the new
 * screening may be recorded, -ERR_VALIDATION_FAILED otherwise.
 */
int rules_screening_dropped(char *const *prev, size_t nprev, char *const *now, size_t nnow,
			    char *const *resolved, size_t nresolved, const char **dropped,
			    size_t *ndropped, const char **bad_resolved);

#endif
