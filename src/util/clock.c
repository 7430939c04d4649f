/* The one clock: the system's time plus an offset that only a test server may move. */
#include "util/clock.h"

#include <stdatomic.h>
#include <time.h>

static atomic_bool test_on;
static _Atomic int64_t offset;

int64_t clock_now(void)
{
	return (int64_t)time(NULL) + atomic_load(&offset);
}

void clock_enable_test(void)
{
	atomic_store(&test_on, true);
}

bool clock_test_enabled(void)
{
	return atomic_load(&test_on);
}

int clock_set(int64_t t)
{
	if (!atomic_load(&test_on))
		return -1;
	atomic_store(&offset, t - (int64_t)time(NULL));
	return 0;
}
