/* The login throttle's decision. */
#include "domain/login.h"

bool rules_login_throttled(int64_t by_user, int64_t by_address)
{
	return by_user >= LOGIN_MAX_PER_USER || by_address >= LOGIN_MAX_PER_ADDRESS;
}
