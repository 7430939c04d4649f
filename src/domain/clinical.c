/* Cleanup functions of the clinical entities. */
#include "domain/clinical.h"

#include <stdlib.h>
#include <string.h>

static void free_strs(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

#define LIST_FREE(type, fn)                            \
	void type##s_free(struct type *list, size_t n) \
	{                                              \
		for (size_t i = 0; i < n; i++)         \
			fn(&list[i]);                  \
		free(list);                            \
	}

void condition_cleanup(struct condition *c)
{
	free(c->code);
	free(c->name);
	memset(c, 0, sizeof *c);
}
LIST_FREE(condition, condition_cleanup)

void treatment_type_cleanup(struct treatment_type *t)
{
	free(t->code);
	free(t->name);
	free(t->aftercare_text);
	memset(t, 0, sizeof *t);
}
LIST_FREE(treatment_type, treatment_type_cleanup)

void area_cleanup(struct area *a)
{
	free(a->code);
	free(a->name);
	memset(a, 0, sizeof *a);
}
LIST_FREE(area, area_cleanup)

void screening_cleanup(struct screening *s)
{
	free_strs(s->conditions, s->nconditions);
	for (size_t i = 0; i < s->nclearances; i++) {
		free(s->clearances[i].condition);
		free(s->clearances[i].cleared_by);
		free(s->clearances[i].note);
	}
	free(s->clearances);
	free(s->notes);
	memset(s, 0, sizeof *s);
}
LIST_FREE(screening, screening_cleanup)

void consent_cleanup(struct consent *c)
{
	free(c->treatment_type);
	free(c->form_version);
	free(c->signed_name);
	memset(c, 0, sizeof *c);
}
LIST_FREE(consent, consent_cleanup)

void plan_cleanup(struct plan *p)
{
	free(p->treatment_type);
	free(p->indication);
	free_strs(p->areas, p->nareas);
	free(p->notes);
	free(p->override_reason);
	memset(p, 0, sizeof *p);
}
LIST_FREE(plan, plan_cleanup)

void appointment_cleanup(struct appointment *a)
{
	free(a->override_reason);
	free(a->cancel_reason);
	free(a->notes);
	memset(a, 0, sizeof *a);
}
LIST_FREE(appointment, appointment_cleanup)

bool str_in(const char *code, char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(code, list[i]) == 0)
			return true;
	return false;
}

void appt_views_free(struct appt_view *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i].texts);
	free(list);
}

void recall_rows_free(struct recall_row *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(list[i].first_name);
		free(list[i].last_name);
		free(list[i].phone);
		free(list[i].treatment_type);
	}
	free(list);
}
