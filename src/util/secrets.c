/* Argon2id password hashes, random tokens and constant-time comparison (libsodium). */
#include "util/secrets.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

/* OWASP's recommended Argon2id setting: 19 MiB, two passes, one lane. A hash's memory is
 * the server's largest single allocation, so this also keeps the process well under 64 MB
 * with the two hashes it allows at once. Stored hashes made with other settings still
 * check, and are made anew at the next login. */
#define PWHASH_OPSLIMIT 2ULL
#define PWHASH_MEMLIMIT ((size_t)19 << 20)

static char dummy_hash[crypto_pwhash_STRBYTES];

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static int dummy_ok;

/* A hash of a random password that nobody knows, checked when the user does not exist so
 * that the answer takes as long as for a wrong password. Made on first need rather than
 * at start, so that a server nobody logs in to never spends the hash's memory. */
static void make_dummy(void)
{
	char pw[SECRETS_TOKEN_LEN];
	uint8_t h[SECRETS_HASH_LEN];
	secrets_new_token(pw, h);
	dummy_ok =
	    crypto_pwhash_str(dummy_hash, pw, strlen(pw), PWHASH_OPSLIMIT, PWHASH_MEMLIMIT) == 0;
	sodium_memzero(pw, sizeof pw);
}

int secrets_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int secrets_hash_password(const char *password, char out[SECRETS_PWHASH_LEN])
{
	_Static_assert(SECRETS_PWHASH_LEN == crypto_pwhash_STRBYTES, "pwhash length");
	return crypto_pwhash_str(out, password, strlen(password), PWHASH_OPSLIMIT,
				 PWHASH_MEMLIMIT) == 0
		   ? 0
		   : -1;
}

bool secrets_password_outdated(const char *stored)
{
	return crypto_pwhash_str_needs_rehash(stored, PWHASH_OPSLIMIT, PWHASH_MEMLIMIT) != 0;
}

bool secrets_check_password(const char *stored, const char *password)
{
	if (!stored) {
		/* The result is meaningless; the work is the point. */
		pthread_once(&dummy_once, make_dummy);
		volatile int r =
		    dummy_ok ? crypto_pwhash_str_verify(dummy_hash, password, strlen(password))
			     : -1;
		(void)r;
		return false;
	}
	return crypto_pwhash_str_verify(stored, password, strlen(password)) == 0;
}

void secrets_new_token(char token[SECRETS_TOKEN_LEN], uint8_t hash[SECRETS_HASH_LEN])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(token, SECRETS_TOKEN_LEN, raw, sizeof raw,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
	secrets_token_hash(token, hash);
}

void secrets_token_hash(const char *token, uint8_t hash[SECRETS_HASH_LEN])
{
	crypto_hash_sha256(hash, (const unsigned char *)token, strlen(token));
}

bool secrets_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return false;
	return sodium_memcmp(a, b, la) == 0;
}
