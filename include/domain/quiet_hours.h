/* Quiet hours: when a text message may go out, in the clinic's time zone. Pure. */
#ifndef COLLAGENDA_DOMAIN_QUIET_HOURS_H
#define COLLAGENDA_DOMAIN_QUIET_HOURS_H

#include <stdint.h>

/* The default quiet window: 20:00 to 08:00 clinic time. */
#define QUIET_DEFAULT_START (20 * 60)
#define QUIET_DEFAULT_END   (8 * 60)

/*
 * The earliest instant at or after due (Unix seconds) outside the quiet window, which
 * runs from start_min to end_min (minutes after clinic-local midnight, 0-1440) and may
 * wrap midnight (20:00-08:00). A due time inside the window waits for its end: the same
 * local day's end_min, or the next day's when the window wrapped and due is in the
 * evening. Local times are read in the clinic's zone (domain/dates.h, dates_set_zone),
 * with its DST changes: an end that a spring change skips is the first instant after
 * the gap. start_min == end_min means no quiet hours.
 */
int64_t quiet_next_allowed(int64_t due, int start_min, int end_min);

#endif
