/* JSON text into a buffer; see util/jsonw.h. */
#include "util/jsonw.h"

#include <stdlib.h>
#include <string.h>

/* The bytes that end a run of plain text: controls (NUL among them), '"' and '\\'. */
static const bool stops[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
    [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0A] = 1, [0x0B] = 1, [0x0C] = 1, [0x0D] = 1,
    [0x0E] = 1, [0x0F] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
    [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1A] = 1, [0x1B] = 1,
    [0x1C] = 1, [0x1D] = 1, [0x1E] = 1, [0x1F] = 1, ['"'] = 1,	['\\'] = 1,
};

/* The length of s up to its first byte that a JSON string escapes, or its whole length. */
static size_t plain_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (!stops[*p])
		p++;
	return (size_t)(p - (const unsigned char *)s);
}

/* Appends "s" when s needs no escape: one reservation and one copy. */
static void put_plain(struct buf *b, const char *s, size_t n, const char *before, const char *after)
{
	size_t nb = strlen(before), na = strlen(after);
	buf_reserve(b, nb + n + na + 2);
	char *d = b->data + b->len;
	memcpy(d, before, nb);
	d += nb;
	*d++ = '"';
	memcpy(d, s, n);
	d += n;
	*d++ = '"';
	memcpy(d, after, na);
	d += na;
	*d = '\0';
	b->len = (size_t)(d - b->data);
}

/* The letter that follows the backslash in the two-character escape of a byte that has
 * one ('n' for a newline); 0 for the other stops, controls escaped with 'u' and four hex
 * digits. */
static const char short_escape[256] = {
    ['"'] = '"',  ['\\'] = '\\', ['\b'] = 'b', ['\f'] = 'f',
    ['\n'] = 'n', ['\r'] = 'r',	 ['\t'] = 't',
};

static void put_escaped(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	buf_append(b, "\"", 1);
	const char *run = s;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (!stops[*p])
			continue;
		buf_append(b, run, (size_t)((const char *)p - run));
		if (short_escape[*p]) {
			const char esc[2] = {'\\', short_escape[*p]};
			buf_append(b, esc, sizeof esc);
		} else {
			const char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
			buf_append(b, esc, sizeof esc);
		}
		run = (const char *)p + 1;
	}
	buf_append(b, run, strlen(run));
	buf_append(b, "\"", 1);
}

void jw_str(struct buf *b, const char *s)
{
	if (!s) {
		buf_append(b, "null", 4);
		return;
	}
	size_t n = plain_len(s);
	if (!s[n])
		put_plain(b, s, n, "", "");
	else
		put_escaped(b, s);
}

void jw_str_pair(struct buf *b, const char *a, const char *c)
{
	a = a ? a : "";
	c = c ? c : "";
	size_t na = plain_len(a), nc = plain_len(c);
	if (!a[na] && !c[nc]) {
		buf_reserve(b, na + nc + 3);
		char *d = b->data + b->len;
		*d++ = '"';
		memcpy(d, a, na);
		d += na;
		*d++ = ' ';
		memcpy(d, c, nc);
		d += nc;
		*d++ = '"';
		*d = '\0';
		b->len = (size_t)(d - b->data);
		return;
	}
	na += strlen(a + na);
	nc += strlen(c + nc);
	char *joined = xmalloc(na + nc + 2);
	memcpy(joined, a, na);
	joined[na] = ' ';
	memcpy(joined + na + 1, c, nc + 1);
	put_escaped(b, joined);
	free(joined);
}

void jw_key(struct buf *b, bool *first, const char *key)
{
	const char *comma = *first ? "" : ",";
	*first = false;
	size_t n = plain_len(key);
	if (!key[n]) {
		put_plain(b, key, n, comma, ":");
		return;
	}
	buf_append(b, comma, strlen(comma));
	put_escaped(b, key);
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

void jw_put_int(struct buf *b, bool *first, const char *key, int64_t v)
{
	jw_key(b, first, key);
	jw_int(b, v);
}

void jw_put_str(struct buf *b, bool *first, const char *key, const char *s)
{
	jw_key(b, first, key);
	jw_str(b, s);
}

void jw_put_bool(struct buf *b, bool *first, const char *key, bool v)
{
	jw_key(b, first, key);
	jw_bool(b, v);
}
