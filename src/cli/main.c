/* The command line: dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "image/sandbox.h"

static void usage(FILE *out)
{
	fputs("usage: collagenda COMMAND [OPTIONS]\n"
	      "\n"
	      "A clinic appointment and treatment-plan tracker for micro-needling and PRP.\n"
	      "\n"
	      "commands:\n"
	      "  serve        serve the JSON API and web UI\n"
	      "  init         create or migrate the database\n"
	      "  user add     add a user (password from standard input)\n"
	      "  backup DEST  copy the live database to DEST and check the copy\n"
	      "  restore      put a backup back in place of the database\n"
	      "  photos gc    remove photo files that no photo names\n"
	      "  audit verify check the audit trail's hash chain\n"
	      "  migrate-to   copy an SQLite clinic into a new PostgreSQL database\n"
	      "\n"
	      "  --help       this text ('collagenda COMMAND --help' for a command)\n"
	      "  --version    the program's version\n",
	      out);
}

int cli_main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return CLI_OK;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("collagenda %s\n", COLLAGENDA_VERSION);
		return CLI_OK;
	}
	/* Not for people: the sandboxed child that decodes one uploaded image. */
	if (strcmp(cmd, "image-worker") == 0 && argc == 2)
		return image_worker_main();
	if (strcmp(cmd, "serve") == 0)
		return cli_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "init") == 0)
		return cli_init(argc - 1, argv + 1);
	if (strcmp(cmd, "user") == 0)
		return cli_user(argc - 1, argv + 1);
	if (strcmp(cmd, "audit") == 0)
		return cli_audit(argc - 1, argv + 1);
	if (strcmp(cmd, "backup") == 0)
		return cli_backup(argc - 1, argv + 1);
	if (strcmp(cmd, "photos") == 0)
		return cli_photos(argc - 1, argv + 1);
	if (strcmp(cmd, "restore") == 0)
		return cli_restore(argc - 1, argv + 1);
	if (strcmp(cmd, "migrate-to") == 0)
		return cli_migrate_to(argc - 1, argv + 1);
	fprintf(stderr, "collagenda: unknown command '%s'\n", cmd);
	usage(stderr);
	return CLI_USAGE;
}
