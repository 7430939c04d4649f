/* Build tool: embeds the web UI's files into C with their content types and ETags.
 * Usage: embed_web OUT.c ROOT FILE...  (FILE paths start with ROOT/). In .html files the
 * text __V__ becomes the build's version (a hash of every file), which versioned asset
 * URLs carry so that browsers may cache them for a year. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct file {
	const char *path; /* relative to ROOT */
	unsigned char *data;
	size_t len;
	uint64_t hash;
};

static uint64_t fnv1a(const unsigned char *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static const char *content_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
	    {".html", "text/html; charset=utf-8"},
	    {".js", "text/javascript; charset=utf-8"},
	    {".mjs", "text/javascript; charset=utf-8"},
	    {".css", "text/css; charset=utf-8"},
	    {".json", "application/json"},
	    {".svg", "image/svg+xml"},
	    {".png", "image/png"},
	    {".ico", "image/x-icon"},
	    {".woff2", "font/woff2"},
	    {".txt", "text/plain; charset=utf-8"},
	};
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

static int read_all(const char *name, struct file *f)
{
	FILE *in = fopen(name, "rb");
	if (!in) {
		perror(name);
		return -1;
	}
	size_t cap = 4096;
	f->data = malloc(cap);
	f->len = 0;
	size_t n;
	while (f->data && (n = fread(f->data + f->len, 1, cap - f->len, in)) > 0) {
		f->len += n;
		if (f->len == cap) {
			cap *= 2;
			f->data = realloc(f->data, cap);
		}
	}
	int bad = ferror(in) || !f->data;
	fclose(in);
	return bad ? -1 : 0;
}

/* Replaces every __V__ in f with version (same length: 16 hex digits vs 5 chars, so the
 * file is rebuilt). */
static void stamp(struct file *f, const char *version)
{
	size_t vlen = strlen(version), out_len = 0;
	unsigned char *out = malloc(f->len * 4 + 16);
	if (!out)
		exit(1);
	for (size_t i = 0; i < f->len;) {
		if (i + 5 <= f->len && memcmp(f->data + i, "__V__", 5) == 0) {
			memcpy(out + out_len, version, vlen);
			out_len += vlen;
			i += 5;
		} else {
			out[out_len++] = f->data[i++];
		}
	}
	free(f->data);
	f->data = out;
	f->len = out_len;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: embed_web OUT.c ROOT FILE...\n");
		return 2;
	}
	size_t rootlen = strlen(argv[2]);
	int n = argc - 3;
	struct file *files = calloc((size_t)n + 1, sizeof *files);
	uint64_t all = 0xcbf29ce484222325ull;
	for (int i = 0; i < n; i++) {
		const char *name = argv[3 + i];
		if (strncmp(name, argv[2], rootlen) != 0 || name[rootlen] != '/') {
			fprintf(stderr, "embed_web: %s is not under %s\n", name, argv[2]);
			return 1;
		}
		files[i].path = name + rootlen + 1;
		if (read_all(name, &files[i]) != 0)
			return 1;
		all = fnv1a((const unsigned char *)files[i].path, strlen(files[i].path), all);
		all = fnv1a(files[i].data, files[i].len, all);
	}
	char version[24];
	snprintf(version, sizeof version, "%016" PRIx64, all);
	FILE *out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 1;
	}
	fprintf(out, "/* Generated from %s; do not edit. */\n#include \"http/web_assets.h\"\n\n",
		argv[2]);
	for (int i = 0; i < n; i++) {
		const char *p = files[i].path;
		size_t pl = strlen(p);
		if (pl > 5 && strcmp(p + pl - 5, ".html") == 0)
			stamp(&files[i], version);
		files[i].hash = fnv1a(files[i].data, files[i].len, 0xcbf29ce484222325ull);
		fprintf(out, "static const unsigned char asset_%d[] = {", i);
		for (size_t k = 0; k < files[i].len; k++)
			fprintf(out, "%s%u,", k % 24 == 0 ? "\n" : "", files[i].data[k]);
		fprintf(out, "0};\n");
	}
	fprintf(out, "\nconst struct web_asset web_assets[] = {\n");
	for (int i = 0; i < n; i++)
		fprintf(out, "\t{\"%s\", \"%s\", asset_%d, %zu, \"\\\"%016" PRIx64 "\\\"\"},\n",
			files[i].path, content_type(files[i].path), i, files[i].len, files[i].hash);
	fprintf(out, "};\nconst size_t web_nassets = %d;\nconst char web_version[] = \"%s\";\n", n,
		version);
	int bad = ferror(out);
	if (fclose(out) != 0)
		bad = 1;
	return bad ? 1 : 0;
}
