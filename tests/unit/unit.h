/* What the unit tests share: cmocka, a check that names the failing row of a table, and
 * scratch directories under /tmp. */
#ifndef COLLAGENDA_TESTS_UNIT_H
#define COLLAGENDA_TESTS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Counts a failed row in *bad and prints which one, so that one run lists every bad row
 * of a table; the test then asserts that *bad is 0.
 */
static inline void row_check(int *bad, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline void row_check(int *bad, bool ok, const char *fmt, ...)
{
	if (ok)
		return;
	va_list ap;
	va_start(ap, fmt);
	vprint_error(fmt, ap);
	va_end(ap);
	print_error("\n");
	(*bad)++;
}

/* Makes a fresh directory under /tmp into dir (64 bytes); the test fails if it cannot. */
static inline void scratch_make(char dir[64])
{
	int len = snprintf(dir, 64, "/tmp/collagenda-unit-");
	/* mkdtemp replaces the last six characters, which must all be 'X'. */
	memset(dir + len, 'X', 6);
	dir[len + 6] = '\0';
	assert_non_null(mkdtemp(dir));
}

/* dir/name into out (256 bytes). */
static inline void scratch_path(const char *dir, const char *name, char out[256])
{
	int n = snprintf(out, 256, "%s/%s", dir, name);
	assert_true(n > 0 && n < 256);
}

/* Removes the files in dir (SQLite's -wal and -shm included), then dir itself. */
static inline void scratch_remove(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char p[256];
			scratch_path(dir, e->d_name, p);
			unlink(p);
		}
		closedir(d);
	}
	assert_int_equal(rmdir(dir), 0);
}

#endif
