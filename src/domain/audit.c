/* SHA-256 (libsodium) over a length-prefixed canonical form of each audit event. */
#include "domain/audit.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static void put_field(crypto_hash_sha256_state *st, const char *s)
{
	char len[24];
	size_t n = s ? strlen(s) : 0;
	int k = snprintf(len, sizeof len, "%zu:", n);
	crypto_hash_sha256_update(st, (const unsigned char *)len, (unsigned long long)k);
	if (n)
		crypto_hash_sha256_update(st, (const unsigned char *)s, n);
}

static void put_int(crypto_hash_sha256_state *st, int64_t v)
{
	char num[24];
	snprintf(num, sizeof num, "%" PRId64, v);
	put_field(st, num);
}

void audit_hash(const struct audit_event *e, char out[AUDIT_HASH_HEX])
{
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_init(&st);
	put_field(&st, e->prev_hash);
	put_int(&st, e->id);
	put_int(&st, e->at);
	put_int(&st, e->user_id);
	put_field(&st, e->action);
	put_field(&st, e->entity);
	put_int(&st, e->entity_id);
	put_field(&st, e->remote);
	put_field(&st, e->detail);
	crypto_hash_sha256_final(&st, digest);
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
