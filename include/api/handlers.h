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
int h_me_keepalive(struct api_ctx *ctx);

/* users.c */
int h_users_list(struct api_ctx *ctx);
int h_users_create(struct api_ctx *ctx);
int h_users_get(struct api_ctx *ctx);
int h_users_patch(struct api_ctx *ctx);
int h_users_unlock(struct api_ctx *ctx);
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
int h_patients_merge(struct api_ctx *ctx);
int h_patient_contact_changes(struct api_ctx *ctx);

/* message_templates.c */
int h_message_templates_list(struct api_ctx *ctx);
int h_message_templates_put(struct api_ctx *ctx);
int h_message_templates_reset(struct api_ctx *ctx);
int h_message_templates_preview(struct api_ctx *ctx);

/* settings.c */
int h_settings_get(struct api_ctx *ctx);
int h_settings_patch(struct api_ctx *ctx);

/* catalog.c */
int h_catalog_list(struct api_ctx *ctx);
int h_catalog_put(struct api_ctx *ctx);
int h_screenings_create(struct api_ctx *ctx);
int h_screenings_list(struct api_ctx *ctx);
int h_bookable(struct api_ctx *ctx);
int h_consents_create(struct api_ctx *ctx);
int h_consents_list(struct api_ctx *ctx);

/* plans.c */
int h_plans_create(struct api_ctx *ctx);
int h_plans_list(struct api_ctx *ctx);
int h_plans_get(struct api_ctx *ctx);
int h_plans_patch(struct api_ctx *ctx);
int h_patient_plans(struct api_ctx *ctx);
int h_plans_next_slots(struct api_ctx *ctx);
/* 0 when id is an active practitioner; 422 naming field otherwise. */
int require_practitioner(struct api_ctx *ctx, int64_t id, const char *field);

/* appointments.c */
int h_appointments_create(struct api_ctx *ctx);
int h_appointments_list(struct api_ctx *ctx);
int h_appointments_get(struct api_ctx *ctx);
int h_appointments_patch(struct api_ctx *ctx);
int h_appointments_check_in(struct api_ctx *ctx);
int h_appointments_cancel(struct api_ctx *ctx);
int h_appointments_no_show(struct api_ctx *ctx);
int h_appointments_complete(struct api_ctx *ctx);
int h_appointments_undo(struct api_ctx *ctx);

/* sessions.c */
int h_session_get(struct api_ctx *ctx);
int h_session_put(struct api_ctx *ctx);
int h_session_sign(struct api_ctx *ctx);
int h_session_addendum(struct api_ctx *ctx);
int h_lot_sessions(struct api_ctx *ctx);
int h_patient_sessions(struct api_ctx *ctx);

/* views.c */
int h_recalls(struct api_ctx *ctx);
int h_day_sheet(struct api_ctx *ctx);

/* audit.c */
int h_audit_list(struct api_ctx *ctx);

/* photos.c */
int h_photo_consents_create(struct api_ctx *ctx);
int h_photo_consents_list(struct api_ctx *ctx);
int h_photo_consent_withdraw(struct api_ctx *ctx);
int h_photos_upload(struct api_ctx *ctx);
int h_photos_list(struct api_ctx *ctx);
int h_photos_export(struct api_ctx *ctx);
int h_photo_file(struct api_ctx *ctx);
int h_photo_remove(struct api_ctx *ctx);
/* messages.c */
int h_appointment_messages(struct api_ctx *ctx);
int h_patient_messages(struct api_ctx *ctx);
int h_messages_list(struct api_ctx *ctx);
int h_messages_resend(struct api_ctx *ctx);
int h_test_clock(struct api_ctx *ctx);

#endif
