/* Login throttling (docs/RULES.md rule 35): how many failed logins a username and an
 * address may have before logins are refused for a while. Pure. */
#ifndef COLLAGENDA_DOMAIN_LOGIN_H
#define COLLAGENDA_DOMAIN_LOGIN_H

#include <stdbool.h>
#include <stdint.h>

/* Failures are counted over this window. */
#define LOGIN_WINDOW_S (15 * 60)
/* One person's typos lock their own username only... */
#define LOGIN_MAX_PER_USER 10
/* ...and an address, which a whole front desk may share, only at many more. */
#define LOGIN_MAX_PER_ADDRESS 100

/* True when a login must be refused: by_user failures for the username or by_address for
 * the address within the window reach their limit. */
bool rules_login_throttled(int64_t by_user, int64_t by_address);

#endif
