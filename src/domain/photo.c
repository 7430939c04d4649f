/* The rules about clinical photos: which names are valid, when one may be taken, when one
 * may be removed from view. */
#include "domain/photo.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static bool one_of(const char *s, const char *const *names)
{
	if (!s)
		return false;
	for (; *names; names++)
		if (strcmp(s, *names) == 0)
			return true;
	return false;
}

bool photo_angle_valid(const char *angle)
{
	static const char *const angles[] = {"front",	 "left_45",  "right_45", "left_90",
					     "right_90", "close_up", NULL};
	return one_of(angle, angles);
}

bool photo_phase_valid(const char *phase)
{
	static const char *const phases[] = {"before", "after", "follow_up", NULL};
	return one_of(phase, phases);
}

bool photo_scope_valid(const char *scope)
{
	static const char *const scopes[] = {"photo_clinical", "photo_marketing", NULL};
	return one_of(scope, scopes);
}

void photo_consent_cleanup(struct photo_consent *c)
{
	free(c->scope);
	free(c->form_version);
	free(c->signed_name);
	memset(c, 0, sizeof *c);
}

void photo_consents_free(struct photo_consent *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		photo_consent_cleanup(&list[i]);
	free(list);
}

void photo_cleanup(struct photo *p)
{
	free(p->area);
	free(p->angle);
	free(p->phase);
	free(p->source_format);
	free(p->content_type);
	memset(p, 0, sizeof *p);
}

void photos_free(struct photo *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		photo_cleanup(&list[i]);
	free(list);
}

int rules_photo_upload(const struct photo_upload_facts *f)
{
	if (!f->patient_active)
		return -ERR_PATIENT_ARCHIVED;
	if (f->appointment_named && !f->appointment_found)
		return -ERR_NOT_FOUND;
	if (!f->clinical_consent)
		return -ERR_CONSENT_MISSING;
	return 0;
}

bool rules_photo_marketing(const struct photo *p)
{
	return p->marketing && !p->consent_withdrawn && !p->deleted_at;
}

int rules_photo_remove(const struct photo *p)
{
	if (p->deleted_at)
		return -ERR_NOT_FOUND;
	if (p->session_signed)
		return -ERR_LOCKED;
	return 0;
}
