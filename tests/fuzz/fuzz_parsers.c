/* Fuzz target: the small parsers — dates, instants, times of day, depths, names, e-mail,
 * phone numbers, chart numbers, route patterns, message templates, SMS segment counts and
 * gateway numbers. Round trips must agree. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "domain/dates.h"
#include "domain/session.h"
#include "domain/sms_text.h"
#include "domain/templates.h"
#include "domain/text.h"
#include "msg/sms.h"
#include "http/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	char buf[DATES_BUF];

	struct cdate d;
	if (dates_parse_date(s, &d) == 0) {
		dates_format_date(&d, buf);
		if (strcmp(buf, s) != 0)
			abort(); /* a valid date prints back as itself */
		if (dates_from_days(dates_to_days(&d)).day != d.day)
			abort();
	}
	int64_t t;
	if (dates_parse_instant(s, &t) == 0) {
		dates_format_utc(t, buf);
		int64_t back;
		if (dates_parse_instant(buf, &back) != 0 || back != t)
			abort();
	}
	int minutes;
	if (dates_parse_hhmm(s, &minutes) == 0 && (minutes < 0 || minutes > 1440))
		abort();

	double v = strtod(s, NULL);
	int hmm;
	if (decimal_from_double(v, 2, &hmm)) {
		decimal_format(hmm, 2, buf, sizeof buf);
		int again;
		if (!decimal_from_double(strtod(buf, NULL), 2, &again) || again != hmm)
			abort();
	}

	char folded[512];
	if (text_fold(s, folded, sizeof folded)) {
		char twice[512];
		if (!text_fold(folded, twice, sizeof twice) || strcmp(folded, twice) != 0)
			abort(); /* folding is idempotent */
	}
	(void)text_valid_email(s);
	(void)text_valid_phone(s);
	(void)text_is_phone_query(s);
	char key[64], canon[32];
	text_phone_key(s, key, sizeof key);
	if (strlen(key) >= sizeof key)
		abort();
	if (text_fold(s, folded, sizeof folded)) {
		struct text_keys keys;
		if (text_patient_keys(folded, folded, key, &keys))
			for (size_t i = 0; i < keys.n; i++)
				if (!keys.key[i][0])
					abort(); /* no key is empty */
	}
	/* A chart number made from an id reads back as that id (ids of up to 18 digits: a
	 * longer digit string, check digit included, would not fit an int64_t). */
	if (text_parse_mrn(s, canon, sizeof canon) && strlen(canon) - 2 <= 18) {
		char again[32];
		int64_t id = strtoll(canon + 2, NULL, 10) / 10;
		text_mrn(id, again, sizeof again);
		if (strlen(canon) == strlen(again) && strcmp(canon, again) != 0)
			abort();
	}
	/* A template either passes its check and renders in every escaping, or is refused by
	 * both; what renders as HTML from text has no raw < of a value or the text. */
	for (int kind = 1; kind <= MSG_KIND_MAX; kind++) {
		struct tmpl_values vals = {
		    .v = {[PH_FIRST_NAME] = "<b>&\"'\n",
			  [PH_CONFIRM_LINK] = "https://x.example/?a=1&b=<>"}};
		bool ok = tmpl_check(s, kind, NULL) == 0;
		for (int esc = TMPL_TEXT; esc <= TMPL_TEXT_HTML; esc++) {
			struct buf b;
			buf_init(&b);
			int rc = tmpl_render(s, kind, &vals, (enum tmpl_escape)esc, &b);
			if ((rc == 0) != ok)
				abort();
			if (rc == 0 && esc == TMPL_TEXT_HTML && b.data && strstr(b.data, "<b>"))
				abort();
			buf_cleanup(&b);
		}
	}
	struct sms_count count;
	if (sms_count_text(s, &count) == 0 &&
	    (count.segments == 0 || (count.units > 160 && count.segments < 2)))
		abort();
	char number[24];
	if (sms_number(s, number, sizeof number)) {
		char again[24];
		if (number[0] != '+' || !sms_number(number, again, sizeof again) ||
		    strcmp(again, number) != 0)
			abort(); /* a gateway number reads back as itself */
	}
	struct route_match m;
	if (s[0] == '/')
		(void)router_match(api_routes, api_nroutes, "GET", s, &m);
	free(s);
	return 0;
}
