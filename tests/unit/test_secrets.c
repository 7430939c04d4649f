/* Unit tests for util/secrets: password hashes, tokens and constant-time comparison. */
#include "unit.h"

#include <sodium.h>

#include "util/secrets.h"

static int setup(void **state)
{
	(void)state;
	return secrets_init();
}

static void passwords(void **state)
{
	(void)state;
	char h1[SECRETS_PWHASH_LEN], h2[SECRETS_PWHASH_LEN];
	assert_int_equal(secrets_hash_password("correct horse battery staple", h1), 0);
	assert_int_equal(strncmp(h1, "$argon2id$", 10), 0);
	assert_non_null(memchr(h1, '\0', sizeof h1));
	assert_true(secrets_check_password(h1, "correct horse battery staple"));
	assert_false(secrets_check_password(h1, "correct horse battery stapl"));
	assert_false(secrets_check_password(h1, "Correct horse battery staple"));
	assert_false(secrets_check_password(h1, "correct horse battery staple "));
	assert_false(secrets_check_password(h1, ""));

	/* A fresh salt each time: the same password hashes differently, and both check. */
	assert_int_equal(secrets_hash_password("correct horse battery staple", h2), 0);
	assert_string_not_equal(h1, h2);
	assert_true(secrets_check_password(h2, "correct horse battery staple"));

	/* Unicode passwords are bytes like any other. */
	assert_int_equal(secrets_hash_password("Passwört-Иван", h2), 0);
	assert_true(secrets_check_password(h2, "Passwört-Иван"));
	assert_false(secrets_check_password(h2, "Passwort-Иван"));
}

/* Hashes are made with one fixed setting; one made with another (libsodium's interactive
 * limits, 64 MiB) still checks, and is reported as due to be made anew. */
static void outdated_hashes(void **state)
{
	(void)state;
	char now[SECRETS_PWHASH_LEN], old[crypto_pwhash_STRBYTES];
	assert_int_equal(secrets_hash_password("pw-1", now), 0);
	assert_non_null(strstr(now, "$m=19456,t=2,p=1$"));
	assert_false(secrets_password_outdated(now));

	assert_int_equal(crypto_pwhash_str(old, "pw-1", 4, crypto_pwhash_OPSLIMIT_INTERACTIVE,
					   crypto_pwhash_MEMLIMIT_INTERACTIVE),
			 0);
	assert_true(secrets_check_password(old, "pw-1"));
	assert_false(secrets_check_password(old, "pw-2"));
	assert_true(secrets_password_outdated(old));
	assert_true(secrets_password_outdated("not-a-hash"));
}

static void unknown_user(void **state)
{
	(void)state;
	/* No stored hash (no such user): always false, whatever the password. */
	assert_false(secrets_check_password(NULL, "anything"));
	assert_false(secrets_check_password(NULL, ""));
	/* A stored value that is not a hash never matches. */
	assert_false(secrets_check_password("", "x"));
	assert_false(secrets_check_password("not-a-hash", "not-a-hash"));
}

static bool base64url(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

static void tokens(void **state)
{
	(void)state;
	enum { N = 64 };
	static char tok[N][SECRETS_TOKEN_LEN];
	uint8_t hash[N][SECRETS_HASH_LEN];
	int bad = 0;
	for (int i = 0; i < N; i++) {
		memset(tok[i], 'x', SECRETS_TOKEN_LEN);
		secrets_new_token(tok[i], hash[i]);
		row_check(&bad, strlen(tok[i]) == 43, "token %d: length %zu", i, strlen(tok[i]));
		row_check(&bad, base64url(tok[i]), "token %d: \"%s\" is not base64url", i, tok[i]);
		uint8_t again[SECRETS_HASH_LEN];
		secrets_token_hash(tok[i], again);
		row_check(&bad, memcmp(again, hash[i], SECRETS_HASH_LEN) == 0,
			  "token %d: stored hash is not the token's hash", i);
		for (int j = 0; j < i; j++) {
			row_check(&bad, strcmp(tok[i], tok[j]) != 0, "tokens %d and %d equal", i,
				  j);
			row_check(&bad, memcmp(hash[i], hash[j], SECRETS_HASH_LEN) != 0,
				  "hashes %d and %d equal", i, j);
		}
	}
	assert_int_equal(bad, 0);
}

static void token_hash(void **state)
{
	(void)state;
	/* SHA-256("abc"), FIPS 180-2. */
	/* clang-format off */
	static const uint8_t abc[SECRETS_HASH_LEN] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
		0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
		0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	/* clang-format on */
	uint8_t a[SECRETS_HASH_LEN], b[SECRETS_HASH_LEN];
	secrets_token_hash("abc", a);
	assert_memory_equal(a, abc, sizeof abc);
	secrets_token_hash("abc", b);
	assert_memory_equal(a, b, sizeof a);
	secrets_token_hash("abd", b);
	assert_memory_not_equal(a, b, sizeof a);
}

static void equal(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *a, *b;
		bool eq;
	} rows[] = {
		{"a", "a", true},       {"", "", true},          {"token-123", "token-123", true},
		{"a", "b", false},      {"abc", "abcd", false},  {"abcd", "abc", false},
		{"abc", "abC", false},  {"", "a", false},        {"xbc", "abc", false},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		row_check(&bad, secrets_equal(rows[i].a, rows[i].b) == rows[i].eq,
			  "row %zu: \"%s\" vs \"%s\"", i, rows[i].a, rows[i].b);
	assert_int_equal(bad, 0);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(passwords),
		cmocka_unit_test(outdated_hashes),
		cmocka_unit_test(unknown_user),
		cmocka_unit_test(tokens),
		cmocka_unit_test(token_hash),
		cmocka_unit_test(equal),
	};
	/* clang-format on */
	return cmocka_run_group_tests_name("unit_secrets", tests, setup, NULL);
}
