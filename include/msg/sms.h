/* The SMS gateway client: one text message to one number over HTTP(S), as a documented
 * JSON POST or a Twilio-style form. */
#ifndef COLLAGENDA_MSG_SMS_H
#define COLLAGENDA_MSG_SMS_H

#include <stdbool.h>
#include <stddef.h>

enum sms_preset {
	/* POST url with {"to": "+4930...", "text": "...", "from": "..." (when --sms-from is
	 * given)} as application/json, and Authorization: Bearer TOKEN. */
	SMS_PRESET_JSON = 1,
	/* POST url with To, From and Body form-encoded, and HTTP basic authentication with
	 * the token file's SID:TOKEN (Twilio's Messages resource). */
	SMS_PRESET_TWILIO,
};

/* "json" -> SMS_PRESET_JSON, "twilio" -> SMS_PRESET_TWILIO; 0 for anything else. */
int sms_preset_parse(const char *name);

struct sms_config {
	const char *url;   /* http:// or https:// */
	const char *token; /* the bearer token, or "SID:TOKEN" for twilio */
	enum sms_preset preset;
	const char *from;	 /* the sender; required for twilio, optional for json */
	long connect_timeout_ms; /* 0: 5000 */
	long timeout_ms;	 /* the whole exchange; 0: 15000 */
};

struct sms_client;

/* Checks cfg and makes a client that copies what it needs: -ERR_BAD_REQUEST (logged,
 * saying which setting) for a URL that is not http(s), an empty token, a twilio token
 * without its colon, or twilio without a sender. Call at start, before threads (it
 * initialises libcurl). */
int sms_client_new(const struct sms_config *cfg, struct sms_client **out)
    __attribute__((warn_unused_result));
void sms_client_free(struct sms_client *c);

/* Reads a token file: its first line without the line break, at most 4 KiB; caller frees.
 * -ERR_BAD_REQUEST (logged, without the token) when it cannot be read or is empty. */
int sms_read_token_file(const char *path, char **out) __attribute__((warn_unused_result));

/* Writes phone in the international form a gateway takes ("+4930123456") into out:
 * spaces, dots, dashes and parentheses dropped, a leading 00 read as +; then 8 to 15
 * digits after the +. False when phone is not such a number (a national number without
 * its country code is not). */
bool sms_number(const char *phone, char *out, size_t n);

/* Writes phone for a log line, all but its last two digits hidden ("+*********56"). */
void sms_mask_number(const char *phone, char *out, size_t n);

/* What the gateway answered. */
struct sms_result {
	long status;	   /* the HTTP status, 0 when none came */
	char excerpt[128]; /* the start of its body, printable characters only */
	char id[64];	   /* a 2xx JSON answer's "id" or "sid", when it has one */
};

/*
 * Sends text to the number to (as sms_number reads it) and waits for the gateway's
 * answer, at most the client's timeouts. 0 when it answered 2xx. -ERR_VALIDATION_FAILED
 * for a number sms_number refuses or a text that is empty or longer than 1600 bytes
 * (nothing is sent); -ERR_GATEWAY_REFUSED when it answered anything else (res has the
 * status and an excerpt of the body); -ERR_GATEWAY_UNREACHABLE when it could not be
 * reached or did not answer in time. A failure is logged with the masked number and the
 * gateway's status and excerpt, never the text. res may be NULL.
 */
int sms_send(struct sms_client *c, const char *to, const char *text, struct sms_result *res)
    __attribute__((warn_unused_result));

/* The gateway the server was started with (serve --sms-url ...), or NULL when it has none:
 * set once at start, before threads, and read by whoever sends. sms_gateway_set takes c
 * and frees the one before it. */
void sms_gateway_set(struct sms_client *c);
struct sms_client *sms_gateway(void);

#endif
