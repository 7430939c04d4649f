/* Passwords (Argon2id) and random tokens, through libsodium. */
#ifndef COLLAGENDA_UTIL_SECRETS_H
#define COLLAGENDA_UTIL_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A token: 32 random bytes as unpadded base64url, with its NUL. */
#define SECRETS_TOKEN_LEN 44
#define SECRETS_HASH_LEN  32
/* crypto_pwhash_STRBYTES */
#define SECRETS_PWHASH_LEN 128

/* Initialises libsodium; 0, or -1 when it cannot (fatal at start). */
int secrets_init(void) __attribute__((warn_unused_result));

/* Hashes password with Argon2id (19 MiB, two passes) into out; 0, or -1 when memory for
 * the hash cannot be had. */
int secrets_hash_password(const char *password, char out[SECRETS_PWHASH_LEN])
    __attribute__((warn_unused_result));

/* True when password matches stored. With stored NULL it checks against a fixed dummy
 * hash and returns false, so an unknown user costs the same time as a wrong password. */
bool secrets_check_password(const char *stored, const char *password);

/* True when stored was not made with the current Argon2id settings (or is not a hash):
 * the password should be hashed anew once it has been checked. */
bool secrets_password_outdated(const char *stored);

/* Makes a new random token and the SHA-256 of it (what is stored). */
void secrets_new_token(char token[SECRETS_TOKEN_LEN], uint8_t hash[SECRETS_HASH_LEN]);

/* The SHA-256 of a presented token. */
void secrets_token_hash(const char *token, uint8_t hash[SECRETS_HASH_LEN]);

/* Compares two NUL-terminated strings in time that depends only on their lengths. */
bool secrets_equal(const char *a, const char *b);

#endif
