/* SHA-256 (libsodium) over a length-prefixed canonical form of each audit event. */
#include "domain/audit.h"

#include <stdint.h>
#include <sodium.h>
#include <string.h>

/* The canonical form is gathered in a buffer and hashed in a few large updates. */
struct hasher {
	crypto_hash_sha256_state st;
	size_t n;
	unsigned char buf[512];
};

static void put_bytes(struct hasher *h, const void *p, size_t n)
{
	if (h->n + n > sizeof h->buf) {
		crypto_hash_sha256_update(&h->st, h->buf, h->n);
		h->n = 0;
		if (n > sizeof h->buf) {
			crypto_hash_sha256_update(&h->st, p, n);
			return;
		}
	}
	memcpy(h->buf + h->n, p, n);
	h->n += n;
}

/* v in decimal, with a minus sign when negative, as printf's %lld writes it. */
static size_t decimal(int64_t v, char out[24])
{
	char rev[24];
	size_t n = 0, k = 0;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		rev[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		out[k++] = '-';
	while (n)
		out[k++] = rev[--n];
	return k;
}

/* "length:bytes" */
static void put_text(struct hasher *h, const char *s, size_t n)
{
	char len[24];
	size_t k = decimal((int64_t)n, len);
	len[k++] = ':';
	put_bytes(h, len, k);
	if (n)
		put_bytes(h, s, n);
}

static void put_field(struct hasher *h, const char *s)
{
	put_text(h, s, s ? strlen(s) : 0);
}

static void put_int(struct hasher *h, int64_t v)
{
	char num[24];
	put_text(h, num, decimal(v, num));
}

void audit_hash(const struct audit_event *e, char out[AUDIT_HASH_HEX])
{
	struct hasher h;
	unsigned char digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_init(&h.st);
	h.n = 0;
	put_field(&h, e->prev_hash);
	put_int(&h, e->id);
	put_int(&h, e->at);
	put_int(&h, e->user_id);
	put_field(&h, e->action);
	put_field(&h, e->entity);
	put_int(&h, e->entity_id);
	put_field(&h, e->remote);
	put_field(&h, e->detail);
	if (h.n)
		crypto_hash_sha256_update(&h.st, h.buf, h.n);
	crypto_hash_sha256_final(&h.st, digest);
	sodium_bin2hex(out, AUDIT_HASH_HEX, digest, sizeof digest);
}

bool audit_event_valid(const struct audit_event *e, const char *prev)
{
	char h[AUDIT_HASH_HEX];
	if (strcmp(e->prev_hash, prev) != 0)
		return false;
	audit_hash(e, h);
	return sodium_memcmp(h, e->hash, AUDIT_HASH_HEX - 1) == 0;
}
