/* Logging to standard error: one line per event, never patient data or tokens. */
#ifndef COLLAGENDA_UTIL_LOG_H
#define COLLAGENDA_UTIL_LOG_H

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Turns off info lines (warnings and errors still print). */
void log_set_quiet(int quiet);

#endif
