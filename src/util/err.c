/* Lookups in the error table of util/err.h. */
#include "util/err.h"

struct err_row {
	int status;
	const char *wire;
	const char *msg;
};

static const struct err_row rows[ERR_COUNT_] = {[ERR_OK] = {200, "ok", "OK."},
#define ERR_ROW_(name, status, wire, msg) [ERR_##name] = {status, wire, msg},
						ERR_MAP(ERR_ROW_)
#undef ERR_ROW_
};

static const struct err_row *row(int code)
{
	/* Range first: negating INT_MIN would overflow. */
	if (code <= -ERR_COUNT_ || code == 0 || code >= ERR_COUNT_)
		return &rows[ERR_INTERNAL];
	if (code < 0)
		code = -code;
	return &rows[code];
}

int err_status(int code)
{
	return row(code)->status;
}

const char *err_wire(int code)
{
	return row(code)->wire;
}

const char *err_message(int code)
{
	return row(code)->msg;
}
