/* Matching a method and path against a route table with {param} segments. */
#ifndef COLLAGENDA_HTTP_ROUTER_H
#define COLLAGENDA_HTTP_ROUTER_H

#include <stddef.h>
#include <stdint.h>

struct api_ctx;

/* Route flags: the policy dispatch applies around a handler. */
#define ROUTE_PUBLIC 1u /* no session needed */
#define ROUTE_WRITE  2u /* runs inside one write transaction that dispatch commits */
#define ROUTE_READ   4u /* runs inside one read snapshot */
/* Answers with clinical data: the handler names the record read (api_read_event) and the
 * answer leaves only once that audit event is durable. */
#define ROUTE_CLINICAL_READ 8u
/* Takes a raw upload of up to HTTP_MAX_UPLOAD bytes (an image) instead of a JSON object;
 * the handler reads it from the request and runs its own transaction. */
#define ROUTE_UPLOAD 16u

#define ROUTER_MAX_PARAMS    3
#define ROUTER_MAX_PARAM_LEN 128

struct route {
	const char *method;
	const char *pattern; /* "/api/v1/patients/{id}"; {id}-like names ending in "id" are
				positive integers, others any non-empty segment */
	int (*handler)(struct api_ctx *ctx);
	unsigned roles; /* enum role bits allowed; ignored for ROUTE_PUBLIC */
	unsigned flags;
	const char *summary; /* one line for the OpenAPI document */
};

struct route_match {
	const struct route *route;
	int nparams;
	char param[ROUTER_MAX_PARAMS][ROUTER_MAX_PARAM_LEN];
	int64_t id[ROUTER_MAX_PARAMS]; /* the integer value of id params, else 0 */
	char allow[96];		       /* for 405: the methods the path does allow */
};

/* Finds the route for method and path. 0 and m->route; -ERR_NOT_FOUND when no pattern
 * matches the path; -ERR_METHOD_NOT_ALLOWED (with m->allow) when one matches but not
 * for this method. */
int router_match(const struct route *table, size_t n, const char *method, const char *path,
		 struct route_match *m) __attribute__((warn_unused_result));

#endif
