/* Table-driven parsing of the subcommands' options. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "util/xalloc.h"

/* getopt_long's answer for opts[i]: above every character an option letter could be. */
#define OPTION_VAL(i) (256 + (int)(i))

static bool parse_number(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || !end || *end || s[0] == '-' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Stores the value of opt, given as arg; false when it is a number out of range. */
static bool take(const struct cli_option *opt, const char *arg)
{
	if (opt->text)
		*opt->text = arg;
	else if (opt->flag)
		*opt->flag = true;
	else if (!parse_number(arg, opt->min, opt->max, opt->number))
		return false;
	return true;
}

bool cli_parse_options(int argc, char **argv, const struct cli_option *opts, size_t n, int operands,
		       const char *usage, int *exit_code)
{
	struct option *longopts = xcalloc(n + 2, sizeof *longopts);
	for (size_t i = 0; i < n; i++) {
		longopts[i].name = opts[i].name;
		longopts[i].has_arg = opts[i].flag ? no_argument : required_argument;
		longopts[i].val = OPTION_VAL(i);
	}
	longopts[n].name = "help";
	longopts[n].val = 'h';

	int c;
	bool go_on = true;
	*exit_code = CLI_USAGE;
	optind = 1;
	while (go_on && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		size_t i = (size_t)(c - OPTION_VAL(0));
		if (c == 'h') {
			fputs(usage, stdout);
			*exit_code = CLI_OK;
			go_on = false;
		} else if (c < OPTION_VAL(0) || i >= n) {
			fputs(usage, stderr);
			go_on = false;
		} else if (!take(&opts[i], optarg)) {
			fprintf(stderr, "collagenda %s: --%s takes %s\n", argv[0], opts[i].name,
				opts[i].range);
			go_on = false;
		}
	}
	free(longopts);
	if (go_on && argc - optind != operands) {
		fputs(usage, stderr);
		go_on = false;
	}
	return go_on;
}
