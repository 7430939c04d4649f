/* Quiet hours for text messages, read in the clinic's zone. */
#include "domain/quiet_hours.h"

#include "domain/dates.h"

/* The instant the quiet window ends on local day: end_min that day, or, when a spring
 * change skips that time, the moment the clock jumps past it (the gap's end), not as far
 * after the jump as dates_local_to_instant would move it. */
static int64_t window_end(int64_t day, int end_min)
{
	int64_t at = dates_local_to_instant(day, end_min);
	if (end_min >= 1440 || dates_local_minute(at) == end_min)
		return at;
	while (dates_local_day(at - 60) == day && dates_local_minute(at - 60) >= end_min)
		at -= 60;
	return at;
}

int64_t quiet_next_allowed(int64_t due, int start_min, int end_min)
{
	if (start_min == end_min)
		return due;
	int64_t day = dates_local_day(due);
	int m = dates_local_minute(due);
	int64_t at;
	if (start_min < end_min) {
		/* A window within one day (12:00-14:00). */
		if (m < start_min || m >= end_min)
			return due;
		at = window_end(day, end_min);
	} else if (m >= start_min) {
		at = window_end(day + 1, end_min);
	} else if (m < end_min) {
		at = window_end(day, end_min);
	} else {
		return due;
	}
	/* Local minutes repeat on an autumn change: never earlier than due. */
	return at > due ? at : due;
}
