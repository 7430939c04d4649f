/* Fuzz target: JSON bodies for every validator of the write endpoints. The first byte
 * picks the endpoint, the second the role; the rest is the body. */
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	const char *method;
	const char *path;
} endpoints[] = {
    {"POST", "/api/v1/login"},
    {"POST", "/api/v1/users"},
    {"PATCH", "/api/v1/users/2"},
    {"POST", "/api/v1/rooms"},
    {"PUT", "/api/v1/practitioners/3/availability"},
    {"POST", "/api/v1/practitioners/3/time-off"},
    {"POST", "/api/v1/patients"},
    {"PATCH", "/api/v1/patients/1"},
    {"POST", "/api/v1/patients/1/screenings"},
    {"POST", "/api/v1/patients/1/consents"},
    {"POST", "/api/v1/plans"},
    {"PATCH", "/api/v1/plans/1"},
    {"POST", "/api/v1/appointments"},
    {"PATCH", "/api/v1/appointments/1"},
    {"POST", "/api/v1/appointments/1/cancel"},
    {"PUT", "/api/v1/appointments/1/session"},
    {"POST", "/api/v1/appointments/1/session/addenda"},
    {"PUT", "/api/v1/catalog/areas/cheeks"},
    {"PUT", "/api/v1/catalog/conditions/new_condition"},
    {"PUT", "/api/v1/catalog/treatment-types/MN"},
    {"POST", "/api/v1/users/2/unlock"},
    {"POST", "/api/v1/patients/1/archive"},
    {"POST", "/api/v1/appointments/1/check-in"},
    {"POST", "/api/v1/appointments/1/session/sign"},
    {"POST", "/api/v1/patients/2/merge"},
    {"PATCH", "/api/v1/settings"},
    {"PATCH", "/api/v1/rooms/1"},
    {"POST", "/api/v1/appointments/1/undo"},
    {"POST", "/api/v1/me/keepalive"},
    {"PUT", "/api/v1/message-templates/reminder/en/sms"},
    {"PUT", "/api/v1/message-templates/reminder/de/email"},
    {"POST", "/api/v1/message-templates/preview"},
    {"POST", "/api/v1/message-templates/recall/es/sms/reset"},
    {"POST", "/api/v1/patients/1/photo-consents"},
    {"POST", "/api/v1/photo-consents/1/withdraw"},
    {"POST", "/api/v1/messages/1/resend"},
    {"POST", "/api/v1/test/clock"},
    {"POST", "/p/link"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const who[] = {"Authorization: @admin\nContent-Type: application/json",
					  "Authorization: @desk\nContent-Type: application/json",
					  "Authorization: @prac\nContent-Type: application/json"};
	fuzz_clinic_init();
	if (size < 2 || size > 64 * 1024)
		return 0;
	size_t e = data[0] % (sizeof endpoints / sizeof endpoints[0]);
	fuzz_request(endpoints[e].method, endpoints[e].path, who[data[1] % 3],
		     (const char *)data + 2, size - 2);
	return 0;
}
