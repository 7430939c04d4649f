/* The subcommands' options, parsed from a table with getopt_long. */
#ifndef COLLAGENDA_CLI_OPTIONS_H
#define COLLAGENDA_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * One option, --name. Exactly one of text, flag and number is set, and says what the
 * option takes and where its value goes: --name VALUE stores VALUE (a pointer into argv)
 * in *text; --name alone sets *flag; --name N stores N in *number when it is a decimal
 * from min to max, and otherwise the subcommand fails with "--name takes RANGE".
 */
struct cli_option {
	const char *name;
	const char **text;
	bool *flag;
	unsigned long *number;
	unsigned long min, max;
	const char *range;
};

/*
 * Parses the options of argv (argv[0] names the subcommand) by the n entries of opts and
 * --help, and checks that exactly operands operands follow them. True when the subcommand
 * goes on, with its operands from argv[optind]. False when it is answered already, with
 * *exit_code set: --help printed usage on standard output (CLI_OK); an unknown option or
 * a wrong number of operands printed usage on standard error, a number out of range its
 * range (CLI_USAGE).
 */
bool cli_parse_options(int argc, char **argv, const struct cli_option *opts, size_t n, int operands,
		       const char *usage, int *exit_code) __attribute__((warn_unused_result));

#endif
