/* Fuzz target: any request — method, path and query, headers, body — through the router,
 * authentication, role checks and every handler, on an in-memory clinic. Input: the
 * method on the first line, the path on the second, header lines, a blank line, the body. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_clinic_init();
	if (size > 64 * 1024)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* Text before a NUL is all that counts as the head; the body keeps its bytes. */
	char *method = text;
	char *nl = strchr(method, '\n');
	if (!nl || nl - method > 10) {
		free(text);
		return 0;
	}
	*nl = '\0';
	char *path = nl + 1;
	nl = strchr(path, '\n');
	if (!nl || path[0] != '/') {
		free(text);
		return 0;
	}
	*nl = '\0';
	char *headers = nl + 1;
	char *blank = strstr(headers, "\n\n");
	const char *body = "";
	size_t body_len = 0;
	if (blank) {
		*blank = '\0';
		body = blank + 2;
		body_len = size - (size_t)(body - text);
	}
	fuzz_request(method, path, headers, body, body_len);
	free(text);
	return 0;
}
