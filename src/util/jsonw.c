/* JSON text into a buffer; see util/jsonw.h. */
#include "util/jsonw.h"

#include <string.h>

void jw_str(struct buf *b, const char *s)
{
	if (!s) {
		buf_append(b, "null", 4);
		return;
	}
	static const char hex[] = "0123456789ABCDEF";
	buf_append(b, "\"", 1);
	const char *run = s;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x20 && *p != '"' && *p != '\\')
			continue;
		buf_append(b, run, (size_t)((const char *)p - run));
		char esc[6] = {'\\', 0, 0, 0, 0, 0};
		size_t n = 2;
		switch (*p) {
		case '"':
			esc[1] = '"';
			break;
		case '\\':
			esc[1] = '\\';
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			n = 6;
		}
		buf_append(b, esc, n);
		run = (const char *)p + 1;
	}
	buf_append(b, run, strlen(run));
	buf_append(b, "\"", 1);
}

void jw_key(struct buf *b, bool *first, const char *key)
{
	if (!*first)
		buf_append(b, ",", 1);
	*first = false;
	jw_str(b, key);
	buf_append(b, ":", 1);
}

void jw_int(struct buf *b, int64_t v)
{
	char tmp[24];
	size_t n = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[sizeof tmp - 1 - n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[sizeof tmp - 1 - n++] = '-';
	buf_append(b, tmp + sizeof tmp - n, n);
}

void jw_bool(struct buf *b, bool v)
{
	if (v)
		buf_append(b, "true", 4);
	else
		buf_append(b, "false", 5);
}

void jw_raw(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}
