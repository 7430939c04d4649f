/* Role names and the cleanup functions of the shared entities. */
#include "domain/model.h"

#include <stdlib.h>
#include <string.h>

const char *role_name(int role)
{
	switch (role) {
	case ROLE_ADMIN:
		return "admin";
	case ROLE_FRONT_DESK:
		return "front_desk";
	case ROLE_PRACTITIONER:
		return "practitioner";
	default:
		return NULL;
	}
}

int role_parse(const char *name)
{
	if (!name)
		return 0;
	if (strcmp(name, "admin") == 0)
		return ROLE_ADMIN;
	if (strcmp(name, "front_desk") == 0)
		return ROLE_FRONT_DESK;
	if (strcmp(name, "practitioner") == 0)
		return ROLE_PRACTITIONER;
	return 0;
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
