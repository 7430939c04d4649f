/* Unit test for docs/RULES.md: the rules are numbered 1, 2, 3, … without a gap, and every
 * `file:function` it names as the place that decides a rule is defined in that file. */
#include "unit.h"

#include <ctype.h>

#define RULES_PATH "docs/RULES.md"

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *text = NULL;
	size_t len = 0, cap = 0;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			char *grown = realloc(text, cap);
			assert_non_null(grown);
			text = grown;
		}
		memcpy(text + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (!text)
		text = calloc(1, 1);
	else
		text[len] = '\0';
	return text;
}

/* True when source defines function name: a line that starts in the first column (a return
 * type), holds "name(" after a space or '*', and is not a declaration ending in ';'. */
static bool defines(const char *source, const char *name)
{
	size_t n = strlen(name);
	for (const char *line = source; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len && (isalpha((unsigned char)line[0]) || line[0] == '_')) {
			for (size_t i = 1; i + n < len; i++) {
				if ((line[i - 1] == ' ' || line[i - 1] == '*') &&
				    memcmp(line + i, name, n) == 0 && line[i + n] == '(' &&
				    line[len - 1] != ';')
					return true;
			}
		}
		line = end ? end + 1 : NULL;
	}
	return false;
}

static void functions_exist(void **state)
{
	(void)state;
	char *doc = read_file(RULES_PATH);
	assert_non_null(doc);
	int bad = 0, named = 0;
	for (const char *p = strstr(doc, "`src/"); p; p = strstr(p + 1, "`src/")) {
		const char *close = strchr(p + 1, '`');
		assert_non_null(close);
		char ref[256];
		size_t len = (size_t)(close - p - 1);
		assert_true(len < sizeof ref);
		memcpy(ref, p + 1, len);
		ref[len] = '\0';
		char *colon = strchr(ref, ':');
		if (!colon) /* a file named in prose */
			continue;
		*colon = '\0';
		const char *fn = colon + 1;
		char *source = read_file(ref);
		row_check(&bad, source != NULL, "%s: no such file", ref);
		if (source)
			row_check(&bad, defines(source, fn), "%s does not define %s", ref, fn);
		free(source);
		named++;
	}
	free(doc);
	assert_int_equal(bad, 0);
	/* Every table row names its function. */
	assert_true(named >= 53);
}

static void numbered_without_gaps(void **state)
{
	(void)state;
	char *doc = read_file(RULES_PATH);
	assert_non_null(doc);
	int want = 1;
	for (const char *line = doc; line && *line;) {
		int num;
		if (sscanf(line, "| %d |", &num) == 1) {
			if (num != want)
				fail_msg("rule %d follows rule %d", num, want - 1);
			want++;
		}
		const char *end = strchr(line, '\n');
		line = end ? end + 1 : NULL;
	}
	free(doc);
	assert_true(want > 53);
}

/* The check itself: a definition is found, a declaration or a call is not. */
static void definition_matcher(void **state)
{
	(void)state;
	assert_true(defines("int rules_x(int a)\n{\n}\n", "rules_x"));
	assert_true(defines("static const char *name_of(int a)\n", "name_of"));
	assert_false(defines("int rules_x(int a);\n", "rules_x"));
	assert_false(defines("\treturn rules_x(1);\n", "rules_x"));
	assert_false(defines("int rules_xy(int a)\n", "rules_x"));
	assert_false(defines("int my_rules_x(int a)\n", "rules_x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(definition_matcher),
	    cmocka_unit_test(functions_exist),
	    cmocka_unit_test(numbered_without_gaps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
