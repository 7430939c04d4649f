/* Route matching: segment by segment, literal or {param}. */
#include "http/router.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

/* Compares one path against one pattern, filling params. */
static bool match_one(const char *pattern, const char *path, struct route_match *m)
{
	const char *p = pattern, *s = path;
	m->nparams = 0;
	while (*p && *s) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			if (!close)
				return false;
			size_t seg = strcspn(s, "/");
			if (seg == 0 || seg >= ROUTER_MAX_PARAM_LEN ||
			    m->nparams >= ROUTER_MAX_PARAMS)
				return false;
			int k = m->nparams;
			memcpy(m->param[k], s, seg);
			m->param[k][seg] = '\0';
			m->id[k] = 0;
			size_t nlen = (size_t)(close - p - 1);
			if (nlen >= 2 && p[nlen - 1] == 'i' && p[nlen] == 'd') {
				/* An id: 1 to 18 digits, no sign, no leading zero. */
				if (seg > 18 || m->param[k][0] == '0')
					return false;
				int64_t v = 0;
				for (size_t i = 0; i < seg; i++) {
					if (s[i] < '0' || s[i] > '9')
						return false;
					v = v * 10 + (s[i] - '0');
				}
				m->id[k] = v;
			}
			m->nparams++;
			p = close + 1;
			s += seg;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	return *p == '\0' && *s == '\0';
}

int router_match(const struct route *table, size_t n, const char *method, const char *path,
		 struct route_match *m)
{
	bool path_known = false;
	m->route = NULL;
	m->allow[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		struct route_match tmp;
		if (!match_one(table[i].pattern, path, &tmp))
			continue;
		if (strcmp(table[i].method, method) == 0) {
			*m = tmp;
			m->route = &table[i];
			return 0;
		}
		path_known = true;
		if (!strstr(m->allow, table[i].method)) {
			size_t used = strlen(m->allow);
			size_t sep = used ? 2 : 0;
			size_t len = strlen(table[i].method);
			/* Appended whole with its terminator, or not at all. */
			if (used + sep + len < sizeof m->allow) {
				memcpy(m->allow + used, ", ", sep);
				memcpy(m->allow + used + sep, table[i].method, len + 1);
			}
		}
	}
	return path_known ? -ERR_METHOD_NOT_ALLOWED : -ERR_NOT_FOUND;
}
