/* The subcommands. Each takes its own argv (argv[0] is the subcommand's name) and
 * returns the process exit code: 0 ok, 1 runtime failure, 2 usage. */
#ifndef COLLAGENDA_CLI_CLI_H
#define COLLAGENDA_CLI_CLI_H

#define CLI_OK	  0
#define CLI_FAIL  1
#define CLI_USAGE 2

#define COLLAGENDA_VERSION "0.1.0"
#define DEFAULT_DB	   "collagenda.db"

/* The whole command line: argv[1] names the subcommand. */
int cli_main(int argc, char **argv);

int cli_serve(int argc, char **argv);
int cli_init(int argc, char **argv);
int cli_user(int argc, char **argv);
int cli_audit(int argc, char **argv);
int cli_backup(int argc, char **argv);
int cli_restore(int argc, char **argv);
int cli_photos(int argc, char **argv);
int cli_migrate_to(int argc, char **argv);

/* Fills an empty database with a small believable clinic and prints the demo logins;
 * leaves a database that already has users alone. 0 or a negative error. */
struct db;
int cli_demo_fill(struct db *db);

#endif
