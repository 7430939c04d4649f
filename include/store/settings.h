/* The clinic's settings: one row of choices an admin makes for the whole clinic. */
#ifndef COLLAGENDA_STORE_SETTINGS_H
#define COLLAGENDA_STORE_SETTINGS_H

#include <stdbool.h>

#include "store/db.h"

struct clinic_settings {
	/* Dates typed with slashes read month first ("MM/DD/YYYY") rather than day first. */
	bool month_first;
	/* Messages to patients may name the treatment type (never a condition or area). */
	bool messages_show_treatment;
	/* Hours before an appointment its reminders go, by e-mail and by SMS (0: none). */
	int reminder_email_hours, reminder_sms_hours;
	/* The quiet hours no text message goes in: minutes after clinic-local midnight,
	 * start to end, wrapping midnight when start > end; start == end: none. */
	int quiet_start_min, quiet_end_min;
	/* The number messages give patients to call ("" when not set). */
	char clinic_phone[32];
};

/* Reads the settings into out. */
int store_settings_get(struct db *db, struct clinic_settings *out)
    __attribute__((warn_unused_result));
/* Writes every setting of s. */
int store_settings_put(struct db *db, const struct clinic_settings *s)
    __attribute__((warn_unused_result));

#endif
