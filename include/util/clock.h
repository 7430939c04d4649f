/* The one clock every "now" of the program is read from: the booking and clinical rules,
 * sessions and their idle timeout, the outbox and its sender, the records' timestamps.
 * Only the log's timestamps, the audit trail's times and the deadlines of timed waits
 * read the system's time instead (each says why where it does). */
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
