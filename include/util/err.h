/* The API's error codes: one list gives the enum, the wire string and the HTTP status. */
#ifndef COLLAGENDA_UTIL_ERR_H
#define COLLAGENDA_UTIL_ERR_H

/*
 * X(NAME, HTTP status, wire code, default message). Functions that can fail return 0
 * or the negative of one of these (-ERR_NOT_FOUND), the libuv way.
 */
#define ERR_MAP(X)                                                                                 \
	X(BAD_JSON, 400, "bad_json", "The request body is not valid JSON.")                        \
	X(BAD_REQUEST, 400, "bad_request", "The request is malformed.")                            \
	X(UNAUTHENTICATED, 401, "unauthenticated", "Please log in.")                               \
	X(FORBIDDEN, 403, "forbidden", "Your role may not do this.")                               \
	X(UNDO_NOT_YOURS, 403, "undo_not_yours", "Only the user who made the change can undo it.") \
	X(NOT_FOUND, 404, "not_found", "No such resource.")                                        \
	X(METHOD_NOT_ALLOWED, 405, "method_not_allowed", "This method is not allowed here.")       \
	X(UNDERAGE, 409, "underage", "The patient is under 18 on the appointment's date.")         \
	X(CONTRAINDICATED, 409, "contraindicated",                                                 \
	  "The patient's screening contraindicates treatment.")                                    \
	X(SCREENING_REQUIRED, 409, "screening_required",                                           \
	  "The patient has no screening on record.")                                               \
	X(SPACING_TOO_SHORT, 409, "spacing_too_short",                                             \
	  "This session is too soon after the previous one.")                                      \
	X(PLAN_FULL, 409, "plan_full", "The plan has no sessions left to book.")                   \
	X(PLAN_NOT_ACTIVE, 409, "plan_not_active", "The plan is not active.")                      \
	X(CONFLICT, 409, "conflict", "The time overlaps another appointment.")                     \
	X(OUTSIDE_HOURS, 409, "outside_hours",                                                     \
	  "The time is outside the practitioner's working hours.")                                 \
	X(BAD_TRANSITION, 409, "bad_transition", "The appointment cannot change to that status.")  \
	X(NOT_SIGNABLE, 409, "not_signable", "The session record is incomplete.")                  \
	X(LOCKED, 409, "locked", "A signed record cannot change.")                                 \
	X(NOT_SIGNED, 409, "not_signed", "Only a signed record takes addenda; edit the draft.")    \
	X(PATIENT_ARCHIVED, 409, "patient_archived", "The patient is archived.")                   \
	X(NOT_TREATMENT, 409, "not_treatment",                                                     \
	  "Only a treatment appointment of a plan has a session record.")                          \
	X(DUPLICATE, 409, "duplicate", "A record with this value already exists.")                 \
	X(LAST_ADMIN, 409, "last_admin", "The clinic must keep at least one active admin.")        \
	X(POSSIBLE_DUPLICATE, 409, "possible_duplicate",                                           \
	  "This patient may already be registered.")                                               \
	X(MERGE_SAME_CHART, 409, "merge_same_chart", "A chart cannot be merged into itself.")      \
	X(MERGE_TARGET_ARCHIVED, 409, "merge_target_archived",                                     \
	  "Charts are merged into an active chart, not an archived or merged one.")                \
	X(ALREADY_MERGED, 409, "already_merged", "That chart was already merged into another.")    \
	X(ROOM_UNSUITABLE, 409, "room_unsuitable",                                                 \
	  "The room is not equipped for this kind of visit.")                                      \
	X(UNDO_EXPIRED, 409, "undo_expired",                                                       \
	  "A status change can be undone only within 5 minutes.")                                  \
	X(CONSENT_MISSING, 409, "consent_missing",                                                 \
	  "The patient has not consented to clinical photos.")                                     \
	X(TOO_LARGE, 413, "too_large", "The request body is too large.")                           \
	X(UNSUPPORTED_MEDIA_TYPE, 415, "unsupported_media_type",                                   \
	  "Send the body as application/json.")                                                    \
	X(VALIDATION_FAILED, 422, "validation_failed", "A field is missing or invalid.")           \
	X(DEPTH_EXCEEDS_AREA_MAX, 422, "depth_exceeds_area_max",                                   \
	  "The needle depth exceeds the area's maximum.")                                          \
	X(BAD_IMAGE, 422, "bad_image", "The image is damaged or could not be decoded.")            \
	X(IMAGE_TOO_LARGE, 422, "image_too_large", "The image has more than 50 megapixels.")       \
	X(TOO_MANY_REQUESTS, 429, "too_many_requests", "Too many attempts; try again later.")      \
	X(HEAD_TOO_LARGE, 431, "head_too_large",                                                   \
	  "The request's head has more headers or query parameters than allowed.")                 \
	X(INTERNAL, 500, "internal", "Something went wrong on our side.")                          \
	X(GATEWAY_REFUSED, 502, "gateway_refused", "The message gateway refused the message.")     \
	X(BUSY, 503, "busy", "The server is busy; try again shortly.")                             \
	X(DECODER_BUSY, 503, "decoder_busy",                                                       \
	  "Every image decoder is busy; send the photo again shortly.")                            \
	X(STORAGE_UNAVAILABLE, 503, "storage_unavailable",                                         \
	  "The database cannot take writes right now.")                                            \
	X(GATEWAY_UNREACHABLE, 504, "gateway_unreachable",                                         \
	  "The message gateway could not be reached or did not answer in time.")

enum err_code {
	ERR_OK = 0,
#define ERR_ENUM_(name, status, wire, msg) ERR_##name,
	ERR_MAP(ERR_ENUM_)
#undef ERR_ENUM_
	    ERR_COUNT_
};

/* The HTTP status of code (positive or negative); 500 for an unknown code. */
int err_status(int code);

/* The wire string of code ("spacing_too_short"); "internal" for an unknown code. */
const char *err_wire(int code);

/* A default human sentence for code; never NULL. */
const char *err_message(int code);

#endif
