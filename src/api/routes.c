/* The route table: every endpoint with its handler and the roles that may call it. */
#include "api/handlers.h"

#define V1	 "/api/v1"
#define ALL	 ROLE_ALL
#define ADMIN	 ROLE_ADMIN
#define CLINICAL (ROLE_ADMIN | ROLE_PRACTITIONER)

const struct route api_routes[] = {
    {"GET", V1 "/health", h_health, 0, ROUTE_PUBLIC, "Liveness check"},
    {"GET", V1 "/openapi.json", h_openapi, 0, ROUTE_PUBLIC, "This API as OpenAPI 3"},
    {"POST", V1 "/login", h_login, 0, ROUTE_PUBLIC, "Log in; returns a token and sets a cookie"},
    {"POST", V1 "/logout", h_logout, ALL, 0, "End the current session"},
    {"GET", V1 "/me", h_me, ALL, 0, "The logged-in user"},

    {"GET", V1 "/users", h_users_list, ADMIN, 0, "List users"},
    {"POST", V1 "/users", h_users_create, ADMIN, 0, "Create a user"},
    {"GET", V1 "/users/{id}", h_users_get, ADMIN, 0, "Read a user"},
    {"PATCH", V1 "/users/{id}", h_users_patch, ADMIN, 0,
     "Change a user's role, name, active flag or password"},
    {"GET", V1 "/practitioners", h_practitioners_list, ALL, 0, "Active practitioners"},

    {"GET", V1 "/rooms", h_rooms_list, ALL, 0, "List rooms"},
    {"POST", V1 "/rooms", h_rooms_create, ADMIN, 0, "Create a room"},
    {"PATCH", V1 "/rooms/{id}", h_rooms_patch, ADMIN, 0, "Rename or deactivate a room"},

    {"GET", V1 "/practitioners/{id}/availability", h_availability_get, ALL, 0,
     "Weekly hours and time off"},
    {"PUT", V1 "/practitioners/{id}/availability", h_availability_put, ADMIN, 0,
     "Replace the weekly hours"},
    {"POST", V1 "/practitioners/{id}/time-off", h_time_off_create, ADMIN, 0, "Add time off"},

    {"GET", V1 "/patients", h_patients_search, ALL, 0, "Search patients"},
    {"POST", V1 "/patients", h_patients_create, ALL, 0, "Register a patient"},
    {"GET", V1 "/patients/{id}", h_patients_get, ALL, 0, "Read a patient's demographics"},
    {"PATCH", V1 "/patients/{id}", h_patients_patch, ALL, 0, "Change demographics"},
    {"POST", V1 "/patients/{id}/archive", h_patients_archive, ALL, 0, "Archive a patient"},

    {"GET", V1 "/catalog/{catalog}", h_catalog_list, ALL, 0,
     "A catalog: conditions, treatment-types or areas"},
    {"PUT", V1 "/catalog/{catalog}/{code}", h_catalog_put, ADMIN, 0, "Add or change a catalog row"},

    {"GET", V1 "/patients/{id}/screenings", h_screenings_list, CLINICAL, 0,
     "A patient's screenings, newest first"},
    {"POST", V1 "/patients/{id}/screenings", h_screenings_create, CLINICAL, 0,
     "Record a screening"},
    {"GET", V1 "/patients/{id}/bookable", h_bookable, ALL, 0,
     "Whether a treatment can be booked now"},
    {"GET", V1 "/patients/{id}/consents", h_consents_list, CLINICAL, 0, "A patient's consents"},
    {"POST", V1 "/patients/{id}/consents", h_consents_create, CLINICAL, 0, "Record a consent"},
    {"GET", V1 "/patients/{id}/plans", h_patient_plans, ALL, 0, "A patient's plans"},

    {"GET", V1 "/plans", h_plans_list, ALL, 0, "Plans of a patient (?patient_id=)"},
    {"POST", V1 "/plans", h_plans_create, CLINICAL, 0, "Create a treatment plan"},
    {"GET", V1 "/plans/{id}", h_plans_get, ALL, 0, "A plan with its progress"},
    {"PATCH", V1 "/plans/{id}", h_plans_patch, CLINICAL, 0,
     "Change a plan's status, size, intervals or practitioner"},
    {"GET", V1 "/plans/{id}/next-slots", h_plans_next_slots, ALL, 0,
     "Free slots in the plan's next due window"},

    {"GET", V1 "/appointments", h_appointments_list, ALL, 0, "Appointments in a range"},
    {"POST", V1 "/appointments", h_appointments_create, ALL, 0, "Book an appointment"},
    {"GET", V1 "/appointments/{id}", h_appointments_get, ALL, 0, "An appointment"},
    {"PATCH", V1 "/appointments/{id}", h_appointments_patch, ALL, 0,
     "Reschedule (re-checks every rule) or change notes"},
    {"POST", V1 "/appointments/{id}/check-in", h_appointments_check_in, ALL, 0, "Check in"},
    {"POST", V1 "/appointments/{id}/cancel", h_appointments_cancel, ALL, 0, "Cancel"},
    {"POST", V1 "/appointments/{id}/no-show", h_appointments_no_show, ALL, 0,
     "Record a no-show (after the start time)"},
    {"POST", V1 "/appointments/{id}/complete", h_appointments_complete, ALL, 0,
     "Complete a consultation or review"},

    {"GET", V1 "/appointments/{id}/session", h_session_get, CLINICAL, 0,
     "The session record (a blank draft until written)"},
    {"PUT", V1 "/appointments/{id}/session", h_session_put, CLINICAL, 0,
     "Write the session record draft"},
    {"POST", V1 "/appointments/{id}/session/sign", h_session_sign, ROLE_PRACTITIONER, 0,
     "Sign the session record (practitioners)"},
    {"POST", V1 "/appointments/{id}/session/addenda", h_session_addendum, CLINICAL, 0,
     "Append an addendum"},
    {"GET", V1 "/lots/{lot}/sessions", h_lot_sessions, CLINICAL, 0,
     "Every session that used a cartridge or PRP kit lot"},
    {"GET", V1 "/patients/{id}/sessions", h_patient_sessions, CLINICAL, 0,
     "A patient's treatment history, newest first"},

    {"GET", V1 "/recalls", h_recalls, ALL, 0, "Plans due or overdue for their next session"},
    {"GET", V1 "/day-sheet", h_day_sheet, ALL, 0, "A day's appointments by practitioner and room"},

    {"GET", V1 "/audit", h_audit_list, ADMIN, 0, "Audit events, newest first"},
};

const size_t api_nroutes = sizeof api_routes / sizeof api_routes[0];
