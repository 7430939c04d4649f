/* What the fuzz targets share: an in-memory clinic and an in-process request driver. */
#ifndef COLLAGENDA_FUZZ_H
#define COLLAGENDA_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Opens an in-memory database with users admin, desk and prac (logged in), a room, a
 * patient with a screening and consent, a plan and a treatment appointment. Once. */
void fuzz_clinic_init(void);

/*
 * Sends one request through the whole API in process. method and path as on the wire
 * (path may carry "?query"); headers is "Name: value" lines separated by '\n'; the
 * value "@admin", "@desk" or "@prac" of an Authorization header stands for that user's
 * bearer token. Returns the status.
 */
int fuzz_request(const char *method, const char *path, const char *headers, const char *body,
		 size_t body_len);

#endif
