/* Sending one e-mail over SMTP with libcurl. */
#ifndef COLLAGENDA_UTIL_SMTP_H
#define COLLAGENDA_UTIL_SMTP_H

#include <stdbool.h>
#include <stddef.h>

struct smtp_config {
	const char *url;      /* smtp://host:port or smtps://host:port */
	bool insecure;	      /* smtp:// without STARTTLS */
	const char *ca_file;  /* the CAs the server's certificate is checked against; NULL:
				 the system's */
	const char *user;     /* NULL: no login */
	const char *password; /* with user */
	const char *from;     /* the envelope sender */
	long timeout_s;	      /* the whole exchange */
};

struct smtp_client;

/* Sets libcurl up for the process; call once before any thread starts. 0 or -1. */
int smtp_global_init(void) __attribute__((warn_unused_result));

/* Makes a client for cfg (its strings must outlive it); NULL when libcurl cannot. One
 * client serves one thread; it keeps its connection between messages. */
struct smtp_client *smtp_client_new(const struct smtp_config *cfg);
void smtp_client_free(struct smtp_client *c);

/* Sends message (a whole RFC 5322 message with CRLF lines) to rcpt. 0 when the server
 * took it; -1 otherwise, with the server's answer or the failure in err (n bytes). */
int smtp_send(struct smtp_client *c, const char *rcpt, const char *message, char *err, size_t n)
    __attribute__((warn_unused_result));

#endif
