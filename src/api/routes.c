/* The route table: every endpoint with its handler, the roles that may call it, and the
 * transaction and read audit dispatch runs it in. */
#include "api/handlers.h"

#define V1	 "/api/v1"
#define ALL	 ROLE_ALL
#define ADMIN	 ROLE_ADMIN
#define CLINICAL (ROLE_ADMIN | ROLE_PRACTITIONER)
/* What dispatch does around the handler (http/router.h). */
#define WRITE	      ROUTE_WRITE
#define READ	      ROUTE_READ
#define CLINICAL_READ ROUTE_CLINICAL_READ
#define UPLOAD	      ROUTE_UPLOAD

const struct route api_routes[] = {
    {"GET", V1 "/health", h_health, 0, ROUTE_PUBLIC, "Liveness check"},
    {"GET", V1 "/openapi.json", h_openapi, 0, ROUTE_PUBLIC, "This API as OpenAPI 3"},
    {"POST", V1 "/login", h_login, 0, ROUTE_PUBLIC, "Log in; returns a token and sets a cookie"},
    {"POST", V1 "/logout", h_logout, ALL, WRITE, "End the current session"},
    {"GET", V1 "/me", h_me, ALL, 0, "The logged-in user"},
    {"POST", V1 "/me/keepalive", h_me_keepalive, ALL, WRITE,
     "Keep the session: it is used now, and its idle time starts again"},

    {"GET", V1 "/users", h_users_list, ADMIN, READ, "List users"},
    {"POST", V1 "/users", h_users_create, ADMIN, 0, "Create a user"},
    {"GET", V1 "/users/{id}", h_users_get, ADMIN, READ, "Read a user"},
    {"PATCH", V1 "/users/{id}", h_users_patch, ADMIN, 0,
     "Change a user's role, name, active flag or password"},
    {"POST", V1 "/users/{id}/unlock", h_users_unlock, ADMIN, WRITE,
     "Lift the login lock on a user's name"},
    {"GET", V1 "/practitioners", h_practitioners_list, ALL, READ, "Active practitioners"},

    {"GET", V1 "/rooms", h_rooms_list, ALL, READ, "List rooms"},
    {"POST", V1 "/rooms", h_rooms_create, ADMIN, WRITE, "Create a room"},
    {"PATCH", V1 "/rooms/{id}", h_rooms_patch, ADMIN, WRITE, "Rename or deactivate a room"},

    {"GET", V1 "/practitioners/{id}/availability", h_availability_get, ALL, READ,
     "Weekly hours and time off"},
    {"PUT", V1 "/practitioners/{id}/availability", h_availability_put, ADMIN, WRITE,
     "Replace the weekly hours"},
    {"POST", V1 "/practitioners/{id}/time-off", h_time_off_create, ADMIN, WRITE, "Add time off"},

    {"GET", V1 "/patients", h_patients_search, ALL, READ | CLINICAL_READ, "Search patients"},
    {"POST", V1 "/patients", h_patients_create, ALL, WRITE, "Register a patient"},
    {"GET", V1 "/patients/{id}", h_patients_get, ALL, CLINICAL_READ,
     "Read a patient's demographics"},
    {"PATCH", V1 "/patients/{id}", h_patients_patch, ALL, WRITE, "Change demographics"},
    {"POST", V1 "/patients/{id}/archive", h_patients_archive, ALL, WRITE, "Archive a patient"},
    {"POST", V1 "/patients/{id}/merge", h_patients_merge, ADMIN, WRITE,
     "Merge another chart into this one"},
    {"GET", V1 "/patients/{id}/contact-changes", h_patient_contact_changes, ALL,
     READ | CLINICAL_READ, "Who changed the patient's contact consent, and when"},
    {"GET", V1 "/settings", h_settings_get, ALL, READ, "Read the clinic's settings"},
    {"PATCH", V1 "/settings", h_settings_patch, ADMIN, WRITE, "Change the clinic's settings"},

    {"GET", V1 "/catalog/{catalog}", h_catalog_list, ALL, READ,
     "A catalog: conditions, treatment-types or areas"},
    {"PUT", V1 "/catalog/{catalog}/{code}", h_catalog_put, ADMIN, WRITE,
     "Add or change a catalog row"},

    {"GET", V1 "/patients/{id}/screenings", h_screenings_list, CLINICAL, READ | CLINICAL_READ,
     "A patient's screenings, newest first"},
    {"POST", V1 "/patients/{id}/screenings", h_screenings_create, CLINICAL, WRITE,
     "Record a screening"},
    {"GET", V1 "/patients/{id}/bookable", h_bookable, ALL, READ,
     "Whether a treatment can be booked now"},
    {"GET", V1 "/patients/{id}/consents", h_consents_list, CLINICAL, READ | CLINICAL_READ,
     "A patient's consents"},
    {"POST", V1 "/patients/{id}/consents", h_consents_create, CLINICAL, WRITE, "Record a consent"},
    {"GET", V1 "/patients/{id}/plans", h_patient_plans, ALL, READ | CLINICAL_READ,
     "A patient's plans"},

    {"GET", V1 "/plans", h_plans_list, ALL, READ | CLINICAL_READ,
     "Plans of a patient (?patient_id=)"},
    {"POST", V1 "/plans", h_plans_create, CLINICAL, WRITE, "Create a treatment plan"},
    {"GET", V1 "/plans/{id}", h_plans_get, ALL, READ | CLINICAL_READ, "A plan with its progress"},
    {"PATCH", V1 "/plans/{id}", h_plans_patch, CLINICAL, WRITE,
     "Change a plan's status, size, intervals or practitioner"},
    {"GET", V1 "/plans/{id}/next-slots", h_plans_next_slots, ALL, READ | CLINICAL_READ,
     "Free slots in the plan's next due window"},

    {"GET", V1 "/appointments", h_appointments_list, ALL, READ, "Appointments in a range"},
    {"POST", V1 "/appointments", h_appointments_create, ALL, WRITE, "Book an appointment"},
    {"GET", V1 "/appointments/{id}", h_appointments_get, ALL, READ, "An appointment"},
    {"PATCH", V1 "/appointments/{id}", h_appointments_patch, ALL, WRITE,
     "Reschedule (re-checks every rule) or change notes"},
    {"POST", V1 "/appointments/{id}/check-in", h_appointments_check_in, ALL, WRITE, "Check in"},
    {"POST", V1 "/appointments/{id}/cancel", h_appointments_cancel, ALL, WRITE, "Cancel"},
    {"POST", V1 "/appointments/{id}/no-show", h_appointments_no_show, ALL, WRITE,
     "Record a no-show (after the start time)"},
    {"POST", V1 "/appointments/{id}/complete", h_appointments_complete, ALL, WRITE,
     "Complete a consultation or review"},
    {"POST", V1 "/appointments/{id}/undo", h_appointments_undo, ALL, WRITE,
     "Undo a check-in, no-show or cancellation (its author, within 5 minutes)"},

    {"GET", V1 "/appointments/{id}/session", h_session_get, CLINICAL, READ | CLINICAL_READ,
     "The session record (a blank draft until written)"},
    {"PUT", V1 "/appointments/{id}/session", h_session_put, CLINICAL, WRITE,
     "Write the session record draft"},
    {"POST", V1 "/appointments/{id}/session/sign", h_session_sign, ROLE_PRACTITIONER, WRITE,
     "Sign the session record (practitioners)"},
    {"POST", V1 "/appointments/{id}/session/addenda", h_session_addendum, CLINICAL, WRITE,
     "Append an addendum"},
    {"GET", V1 "/lots/{lot}/sessions", h_lot_sessions, CLINICAL, READ | CLINICAL_READ,
     "Every session that used a cartridge or PRP kit lot"},
    {"GET", V1 "/patients/{id}/sessions", h_patient_sessions, CLINICAL, READ | CLINICAL_READ,
     "A patient's treatment history, newest first"},

    {"GET", V1 "/recalls", h_recalls, ALL, READ, "Plans due or overdue for their next session"},
    {"GET", V1 "/day-sheet", h_day_sheet, ALL, READ,
     "A day's appointments by practitioner and room"},

    {"GET", V1 "/audit", h_audit_list, ADMIN, READ, "Audit events, newest first"},

    {"GET", V1 "/message-templates", h_message_templates_list, ADMIN, READ,
     "Every patient message template, the clinic's or the shipped one"},
    {"PUT", V1 "/message-templates/{kind}/{language}/{channel}", h_message_templates_put, ADMIN,
     WRITE, "Change a message template (placeholders are checked)"},
    {"POST", V1 "/message-templates/{kind}/{language}/{channel}/reset", h_message_templates_reset,
     ADMIN, WRITE, "Go back to the shipped template"},
    {"POST", V1 "/message-templates/preview", h_message_templates_preview, ADMIN, WRITE,
     "Render a template with sample facts"},
    {"GET", V1 "/patients/{id}/photo-consents", h_photo_consents_list, CLINICAL,
     READ | CLINICAL_READ, "A patient's photo consents"},
    {"POST", V1 "/patients/{id}/photo-consents", h_photo_consents_create, CLINICAL, WRITE,
     "Record a photo consent (photo_clinical or photo_marketing)"},
    {"POST", V1 "/photo-consents/{id}/withdraw", h_photo_consent_withdraw, CLINICAL, WRITE,
     "Withdraw a photo consent; the photos stay in the record, flagged"},
    {"GET", V1 "/patients/{id}/photos", h_photos_list, CLINICAL, READ | CLINICAL_READ,
     "A patient's photos (the gallery), oldest first"},
    {"GET", V1 "/patients/{id}/photos/export", h_photos_export, CLINICAL, READ | CLINICAL_READ,
     "The photos that may leave the record, as a zip with a manifest"},
    {"POST", V1 "/patients/{id}/photos", h_photos_upload, CLINICAL, UPLOAD,
     "Upload a photo: decoded in a sandbox, stored stripped of metadata"},
    {"GET", V1 "/photos/{id}/{size}", h_photo_file, CLINICAL, READ | CLINICAL_READ,
     "A photo's image: full, large (1280 px) or thumb (320 px)"},
    {"POST", V1 "/photos/{id}/remove", h_photo_remove, CLINICAL, WRITE,
     "Remove a photo from view (not one of a signed session)"},
    {"GET", V1 "/appointments/{id}/messages", h_appointment_messages, ALL, READ,
     "The messages of an appointment and how their delivery went"},
    {"GET", V1 "/patients/{id}/messages", h_patient_messages, ALL, READ,
     "The messages to a patient and how their delivery went"},
    {"GET", V1 "/messages", h_messages_list, ALL, READ,
     "Messages by delivery status (failed unless ?status= says)"},
    {"POST", V1 "/messages/{id}/resend", h_messages_resend, ALL, WRITE,
     "Queue a failed message again"},
    {"POST", V1 "/test/clock", h_test_clock, 0, ROUTE_PUBLIC | WRITE,
     "Set the server's clock (only on a server started with --test-clock)"},
};

const size_t api_nroutes = sizeof api_routes / sizeof api_routes[0];
