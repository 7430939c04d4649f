/* Every API handler, by resource; the route table in api/routes.c names them. */
#ifndef COLLAGENDA_API_HANDLERS_H
#define COLLAGENDA_API_HANDLERS_H

#include <jansson.h>

#include "api/api.h"

/* system.c */
int h_health(struct api_ctx *ctx);
int h_openapi(struct api_ctx *ctx);

/* auth.c */
int h_login(struct api_ctx *ctx);
int h_logout(struct api_ctx *ctx);
int h_me(struct api_ctx *ctx);

/* users.c */
int h_users_list(struct api_ctx *ctx);
int h_users_create(struct api_ctx *ctx);
int h_users_get(struct api_ctx *ctx);
int h_users_patch(struct api_ctx *ctx);
int h_practitioners_list(struct api_ctx *ctx);
/* The public JSON form of a user (never the password hash). */
json_t *user_json(const struct user *u);

/* rooms.c */
int h_rooms_list(struct api_ctx *ctx);
int h_rooms_create(struct api_ctx *ctx);
int h_rooms_patch(struct api_ctx *ctx);

/* availability.c */
int h_availability_get(struct api_ctx *ctx);
int h_availability_put(struct api_ctx *ctx);
int h_time_off_create(struct api_ctx *ctx);

/* patients.c */
int h_patients_search(struct api_ctx *ctx);
int h_patients_create(struct api_ctx *ctx);
int h_patients_get(struct api_ctx *ctx);
int h_patients_patch(struct api_ctx *ctx);
int h_patients_archive(struct api_ctx *ctx);

/* audit.c */
int h_audit_list(struct api_ctx *ctx);

#endif
