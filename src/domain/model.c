/* Role names and the cleanup functions of the shared entities. */
#include "domain/model.h"

#include <stdlib.h>
#include <string.h>

const char *model_name_of(const struct name_row *rows, size_t n, int v)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].value == v)
			return rows[i].name;
	return NULL;
}

int model_value_of(const struct name_row *rows, size_t n, const char *s)
{
	if (!s)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].name, s) == 0)
			return rows[i].value;
	return 0;
}

static const struct name_row roles[] = {
    {ROLE_ADMIN, "admin"}, {ROLE_FRONT_DESK, "front_desk"}, {ROLE_PRACTITIONER, "practitioner"}};

const char *role_name(int role)
{
	return model_name_of(roles, sizeof roles / sizeof roles[0], role);
}

int role_parse(const char *name)
{
	return model_value_of(roles, sizeof roles / sizeof roles[0], name);
}

void user_cleanup(struct user *u)
{
	free(u->username);
	free(u->display_name);
	memset(u, 0, sizeof *u);
}

void patient_cleanup(struct patient *p)
{
	free(p->mrn);
	free(p->first_name);
	free(p->last_name);
	free(p->phone);
	free(p->email);
	free(p->notes);
	memset(p, 0, sizeof *p);
}

void patients_free(struct patient *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		patient_cleanup(&list[i]);
	free(list);
}

void room_cleanup(struct room *r)
{
	free(r->name);
	memset(r, 0, sizeof *r);
}

void rooms_free(struct room *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		room_cleanup(&list[i]);
	free(list);
}

void time_offs_free(struct time_off *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i].reason);
	free(list);
}

void audit_event_cleanup(struct audit_event *e)
{
	free(e->action);
	free(e->entity);
	free(e->remote);
	free(e->detail);
	memset(e, 0, sizeof *e);
}

void audit_events_free(struct audit_event *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		audit_event_cleanup(&list[i]);
	free(list);
}
