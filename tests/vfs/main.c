/* collagenda for the power-loss tests: the program itself, plus `--test-vfs SPEC`
 * (anywhere on the command line), which puts the power-cut model (crashvfs.h) under
 * SQLite and the store's files before anything opens them. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "crashvfs.h"
#include "store/db.h"

/* SQLite's own account of what went wrong (it names the line of a corruption it meets):
 * the power-loss tests read it in the server's log. */
static void sqlite_log(void *arg, int code, const char *msg)
{
	(void)arg;
	if ((code & 0xff) != SQLITE_NOTICE && (code & 0xff) != SQLITE_WARNING &&
	    (code & 0xff) != SQLITE_SCHEMA)
		fprintf(stderr, "sqlite log (%d): %s\n", code, msg);
}

int main(int argc, char **argv)
{
	const char *spec = NULL;
	int n = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--test-vfs") == 0 && i + 1 < argc) {
			spec = argv[++i];
			continue;
		}
		argv[n++] = argv[i];
	}
	argv[n] = NULL;
	if (spec) {
		sqlite3_config(SQLITE_CONFIG_LOG, sqlite_log, NULL);
		db_setup();
		if (crashvfs_install(spec) != 0)
			return CLI_USAGE;
	}
	return cli_main(n, argv);
}
