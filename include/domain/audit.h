/* The audit trail's hash chain: each event's hash covers the previous hash and the
 * event's canonical content, so that an altered, removed or inserted row shows. */
#ifndef COLLAGENDA_DOMAIN_AUDIT_H
#define COLLAGENDA_DOMAIN_AUDIT_H

#include "domain/model.h"

/* The prev_hash of the first event. */
#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/*
 * Computes the hex SHA-256 of e->prev_hash followed by the canonical form of e (id, at,
 * user, action, entity, entity id, remote address, detail; each length-prefixed so that
 * no two different events share a form) into out.
 */
void audit_hash(const struct audit_event *e, char out[AUDIT_HASH_HEX]);

/* True when e->hash is what audit_hash computes and e->prev_hash equals prev. */
bool audit_event_valid(const struct audit_event *e, const char *prev);

#endif
