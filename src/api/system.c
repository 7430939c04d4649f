/* Health and the OpenAPI document. */
#include <string.h>

#include "api/handlers.h"
#include "util/err.h"

/* Generated at build time from openapi.json. */
extern const char collagenda_openapi_json[];
extern const size_t collagenda_openapi_json_len;

int h_health(struct api_ctx *ctx)
{
	static char ok[] = "{\"status\":\"ok\"}";
	ctx->reply->status = 200;
	ctx->reply->content_type = "application/json";
	ctx->reply->body = ok;
	ctx->reply->body_len = sizeof ok - 1;
	ctx->reply->body_static = true;
	return 0;
}

int h_openapi(struct api_ctx *ctx)
{
	ctx->reply->status = 200;
	ctx->reply->content_type = "application/json";
	ctx->reply->body = (char *)collagenda_openapi_json;
	ctx->reply->body_len = collagenda_openapi_json_len;
	ctx->reply->body_static = true;
	return 0;
}
