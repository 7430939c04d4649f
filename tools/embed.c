/* Build tool: turns files into C arrays so that the binary carries its schema and web
 * assets. Usage: embed OUT.c SYMBOL FILE  (a NUL-terminated char array and its length). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: embed OUT.c SYMBOL FILE\n");
		return 2;
	}
	FILE *in = fopen(argv[3], "rb");
	if (!in) {
		perror(argv[3]);
		return 1;
	}
	FILE *out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		fclose(in);
		return 1;
	}
	fprintf(out, "/* Generated from %s; do not edit. */\n#include <stddef.h>\n", argv[3]);
	fprintf(out, "extern const char %s[];\nextern const size_t %s_len;\n", argv[2], argv[2]);
	fprintf(out, "const char %s[] = {", argv[2]);
	size_t n = 0;
	int c;
	while ((c = fgetc(in)) != EOF) {
		/* Bytes above 127 are cast: char may be signed. */
		fprintf(out, c > 127 ? "%s(char)%d," : "%s%d,", n % 24 == 0 ? "\n" : "", c);
		n++;
	}
	fprintf(out, "0};\nconst size_t %s_len = %zu;\n", argv[2], n);
	int bad = ferror(in) || ferror(out);
	fclose(in);
	if (fclose(out) != 0)
		bad = 1;
	return bad ? 1 : 0;
}
