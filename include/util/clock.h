/* The one clock the scheduler, the outbox and the handlers that feed it read "now" from. */
#ifndef COLLAGENDA_UTIL_CLOCK_H
#define COLLAGENDA_UTIL_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* Unix seconds now: the system's time, moved by the test offset when the test clock is on. */
int64_t clock_now(void);

/* Turns the test clock on (serve --test-clock); only then does clock_set move it. */
void clock_enable_test(void);
bool clock_test_enabled(void);

/* Makes clock_now answer t from now on (it keeps running from t). -1 when the test clock
 * is off, and nothing changes. */
int clock_set(int64_t t) __attribute__((warn_unused_result));

#endif
