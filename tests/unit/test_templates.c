/* Unit tests for domain/templates: placeholders per kind, refused templates, rendering
 * as text and as HTML, dates in words, and the shipped defaults. */
#include "unit.h"

#include "domain/dates.h"
#include "domain/sms_text.h"
#include "domain/templates.h"
#include "util/err.h"

static void check(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		int kind;
		const char *tmpl;
		enum tmpl_problem problem;
		const char *name;
		size_t offset;
	} rows[] = {
		{MSG_REMINDER, "", TMPL_OK, "", 0},
		{MSG_REMINDER, "plain text", TMPL_OK, "", 0},
		{MSG_REMINDER, "Hi {first_name}, {date} {time} {confirm_link} {cancel_link}", TMPL_OK, "", 0},
		{MSG_REMINDER, "{clinic_name} {clinic_phone} {treatment_type}", TMPL_OK, "", 0},
		{MSG_REMINDER, "{{literal}} braces }} and {{", TMPL_OK, "", 0},
		{MSG_REMINDER, "a lone } is text", TMPL_OK, "", 0},
		{MSG_REMINDER, "Hi {firstname}", TMPL_UNKNOWN_PLACEHOLDER, "firstname", 3},
		{MSG_REMINDER, "Hi {First_Name}", TMPL_UNKNOWN_PLACEHOLDER, "First_Name", 3},
		{MSG_REMINDER, "Hi { first_name }", TMPL_UNKNOWN_PLACEHOLDER, " first_name ", 3},
		{MSG_REMINDER, "{}", TMPL_UNKNOWN_PLACEHOLDER, "", 0},
		{MSG_REMINDER, "Hi {first_name", TMPL_UNCLOSED, "", 3},
		{MSG_REMINDER, "Hi {first_{name}", TMPL_UNCLOSED, "", 3},
		{MSG_REMINDER, "ok {date} then {diagnosis}", TMPL_UNKNOWN_PLACEHOLDER, "diagnosis", 15},
		/* Links only where there is an appointment to confirm or cancel. */
		{MSG_RECALL, "{confirm_link}", TMPL_UNKNOWN_PLACEHOLDER, "confirm_link", 0},
		{MSG_RECALL_SECOND, "{cancel_link}", TMPL_UNKNOWN_PLACEHOLDER, "cancel_link", 0},
		{MSG_CANCELLATION, "{cancel_link}", TMPL_UNKNOWN_PLACEHOLDER, "cancel_link", 0},
		{MSG_AFTERCARE, "{confirm_link}", TMPL_UNKNOWN_PLACEHOLDER, "confirm_link", 0},
		{MSG_CONFIRMATION, "{confirm_link} {cancel_link}", TMPL_OK, "", 0},
		{MSG_UPDATE, "{confirm_link} {cancel_link}", TMPL_OK, "", 0},
		/* A recall has no appointment, so no time; it has the date it may be booked from. */
		{MSG_RECALL, "{time}", TMPL_UNKNOWN_PLACEHOLDER, "time", 0},
		{MSG_RECALL, "{date} {treatment_type} {first_name}", TMPL_OK, "", 0},
		{MSG_AFTERCARE, "{date} {time} {treatment_type}", TMPL_OK, "", 0},
		/* The type's aftercare advice belongs to aftercare alone. */
		{MSG_AFTERCARE, "Tips: {aftercare_text}", TMPL_OK, "", 0},
		{MSG_CONFIRMATION, "Tips: {aftercare_text}", TMPL_UNKNOWN_PLACEHOLDER, "aftercare_text", 6},
		{MSG_UPDATE, "{aftercare_text}", TMPL_UNKNOWN_PLACEHOLDER, "aftercare_text", 0},
		{MSG_CANCELLATION, "{aftercare_text}", TMPL_UNKNOWN_PLACEHOLDER, "aftercare_text", 0},
		{MSG_REMINDER, "{aftercare_text}", TMPL_UNKNOWN_PLACEHOLDER, "aftercare_text", 0},
		{MSG_RECALL, "{aftercare_text}", TMPL_UNKNOWN_PLACEHOLDER, "aftercare_text", 0},
		{MSG_RECALL_SECOND, "{aftercare_text}", TMPL_UNKNOWN_PLACEHOLDER, "aftercare_text", 0},
		/* A long unknown name is cut to fit, on a character boundary. */
		{MSG_REMINDER, "{ééééééééééééééééééééééééééééé}", TMPL_UNKNOWN_PLACEHOLDER,
		 "ééééééééééééééééééééééé", 0},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct tmpl_error e;
		memset(&e, 0x5a, sizeof e);
		int rc = tmpl_check(rows[i].tmpl, rows[i].kind, &e);
		bool ok = rows[i].problem == TMPL_OK
			      ? rc == 0 && e.problem == TMPL_OK
			      : rc == -ERR_VALIDATION_FAILED && e.problem == rows[i].problem &&
				    e.offset == rows[i].offset && strcmp(e.name, rows[i].name) == 0;
		row_check(&bad, ok, "row %zu: rc %d problem %d offset %zu name '%.48s'", i, rc,
			  (int)e.problem, e.offset, e.problem ? e.name : "");
	}
	assert_int_equal(bad, 0);
	assert_int_equal(tmpl_check("{date}", 0, NULL), -ERR_VALIDATION_FAILED);
}

static void render(void **state)
{
	(void)state;
	struct tmpl_values v = {.v = {
				    [PH_FIRST_NAME] = "Ann <b>&\"'",
				    [PH_DATE] = "Monday, 12 January 2026",
				    [PH_TIME] = "09:30",
				    [PH_CLINIC_NAME] = "Skin & Co",
				    [PH_CONFIRM_LINK] = "https://c.example/m/abc?x=1&y=2",
				    [PH_CLINIC_PHONE] = NULL,
				}};
	/* clang-format off */
	static const struct {
		const char *tmpl;
		enum tmpl_escape esc;
		const char *out;
	} rows[] = {
		{"Hi {first_name}, {date} at {time}.", TMPL_TEXT,
		 "Hi Ann <b>&\"', Monday, 12 January 2026 at 09:30."},
		{"{{first_name}} is {first_name}", TMPL_TEXT, "{first_name} is Ann <b>&\"'"},
		{"call {clinic_phone}.", TMPL_TEXT, "call ."},
		{"<p>Hi {first_name}</p>", TMPL_HTML, "<p>Hi Ann &lt;b&gt;&amp;&quot;&#39;</p>"},
		{"<a href=\"{confirm_link}\">yes</a>", TMPL_HTML,
		 "<a href=\"https://c.example/m/abc?x=1&amp;y=2\">yes</a>"},
		{"a < b & {clinic_name}", TMPL_TEXT_HTML, "<p>a &lt; b &amp; Skin &amp; Co</p>\n"},
		{"one\ntwo\n\nthree", TMPL_TEXT_HTML, "<p>one<br>\ntwo</p>\n<p>three</p>\n"},
		{"one\r\n\r\n\r\ntwo", TMPL_TEXT_HTML, "<p>one</p>\n<p>two</p>\n"},
		{"Yes: {confirm_link}", TMPL_TEXT_HTML,
		 "<p>Yes: <a href=\"https://c.example/m/abc?x=1&amp;y=2\">"
		 "https://c.example/m/abc?x=1&amp;y=2</a></p>\n"},
		{"Cancel: {cancel_link}", TMPL_TEXT_HTML, "<p>Cancel: </p>\n"},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct buf b;
		buf_init(&b);
		int rc = tmpl_render(rows[i].tmpl, MSG_REMINDER, &v, rows[i].esc, &b);
		const char *got = b.data ? b.data : "";
		row_check(&bad, rc == 0 && strcmp(got, rows[i].out) == 0, "row %zu: rc %d '%s'", i,
			  rc, got);
		buf_cleanup(&b);
	}
	assert_int_equal(bad, 0);
}

/* A value cannot add a line to a subject or a paragraph to a text. */
static void values_lose_control_characters(void **state)
{
	(void)state;
	struct tmpl_values v = {.v = {[PH_FIRST_NAME] = "Ann\r\nBcc: x@example.com\t\x7f"}};
	struct buf b;
	buf_init(&b);
	assert_int_equal(tmpl_render("Hi {first_name}", MSG_REMINDER, &v, TMPL_TEXT, &b), 0);
	assert_string_equal(b.data, "Hi Ann  Bcc: x@example.com  ");
	buf_cleanup(&b);
	buf_init(&b);
	assert_int_equal(tmpl_render("Hi {diagnosis}", MSG_REMINDER, &v, TMPL_TEXT, &b),
			 -ERR_VALIDATION_FAILED);
	buf_cleanup(&b);
}

/* The aftercare advice: the type's text when it has one (its line breaks kept in the
 * body, none in a subject), otherwise the general advice in the message's language; every
 * shipped aftercare template carries it. */
static void aftercare_text(void **state)
{
	(void)state;
	struct msg_facts f;
	struct tmpl_values vals;
	struct tmpl_scratch scratch;
	tmpl_sample_facts(&f);
	f.aftercare_text = "Cool the skin <gently>.\r\nNo make-up today.";
	tmpl_values_from_facts(&f, "de", &vals, &scratch);
	char *s = NULL, *t = NULL, *h = NULL;
	assert_int_equal(tmpl_render_message(MSG_AFTERCARE, MSG_EMAIL, "Tips: {aftercare_text}",
					     "A\n{aftercare_text}\nB", NULL, &vals, &s, &t, &h,
					     NULL, NULL),
			 0);
	assert_string_equal(s, "Tips: Cool the skin <gently>. No make-up today.");
	assert_string_equal(t, "A\nCool the skin <gently>.\nNo make-up today.\nB");
	assert_string_equal(h, "<p>A<br>\nCool the skin &lt;gently&gt;.<br>\nNo make-up "
			       "today.<br>\nB</p>\n");
	free(s);
	free(t);
	free(h);
	struct buf b;
	buf_init(&b);
	assert_int_equal(
	    tmpl_render("<p>{aftercare_text}</p>", MSG_AFTERCARE, &vals, TMPL_HTML, &b), 0);
	assert_string_equal(b.data, "<p>Cool the skin &lt;gently&gt;.<br>\nNo make-up today.</p>");
	buf_cleanup(&b);

	f.aftercare_text = NULL;
	int bad = 0;
	for (const char *const *l = tmpl_languages; *l; l++) {
		tmpl_values_from_facts(&f, *l, &vals, &scratch);
		const char *general = tmpl_aftercare_general(*l);
		const struct tmpl_default *d = tmpl_default_find(MSG_AFTERCARE, *l, MSG_EMAIL);
		t = NULL;
		bool ok = d && strstr(d->text, "{aftercare_text}") &&
			  tmpl_render_message(MSG_AFTERCARE, MSG_EMAIL, d->subject, d->text,
					      d->html, &vals, &s, &t, &h, NULL, NULL) == 0 &&
			  strstr(t, general) != NULL;
		row_check(&bad, ok, "%s: %s", *l, t ? t : "");
		if (t) {
			free(s);
			free(t);
			free(h);
		}
	}
	assert_int_equal(bad, 0);
	assert_non_null(strstr(tmpl_aftercare_general("en"), "Keep your skin clean and moist"));
	assert_non_null(strstr(tmpl_aftercare_general("de"), "Hyaluronsäure"));
	assert_non_null(strstr(tmpl_aftercare_general("es"), "ácido hialurónico"));
	assert_string_equal(tmpl_aftercare_general("fr"), tmpl_aftercare_general("en"));
}

static void dates_in_words(void **state)
{
	(void)state;
	struct cdate d = {2026, 1, 12};
	int64_t day = dates_to_days(&d);
	struct cdate d2 = {2026, 3, 1};
	int64_t day2 = dates_to_days(&d2);
	/* clang-format off */
	static const struct {
		const char *lang;
		int which;
		const char *out;
	} rows[] = {
		{"en", 0, "Monday, 12 January 2026"},
		{"de", 0, "Montag, 12. Januar 2026"},
		{"es", 0, "lunes, 12 de enero de 2026"},
		{"en", 1, "Sunday, 1 March 2026"},
		{"de", 1, "Sonntag, 1. März 2026"},
		{"es", 1, "domingo, 1 de marzo de 2026"},
		{"fr", 0, "Monday, 12 January 2026"},
		{NULL, 0, "Monday, 12 January 2026"},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char buf[64];
		tmpl_format_date(rows[i].lang, rows[i].which ? day2 : day, buf, sizeof buf);
		row_check(&bad, strcmp(buf, rows[i].out) == 0, "row %zu: %s", i, buf);
	}
	assert_int_equal(bad, 0);
}

static void names(void **state)
{
	(void)state;
	for (int k = 1; k <= MSG_KIND_MAX; k++)
		assert_int_equal(tmpl_kind_parse(tmpl_kind_name(k)), k);
	assert_null(tmpl_kind_name(0));
	assert_null(tmpl_kind_name(MSG_KIND_MAX + 1));
	assert_int_equal(tmpl_kind_parse("Reminder"), 0);
	assert_int_equal(tmpl_kind_parse(NULL), 0);
	assert_int_equal(tmpl_channel_parse("email"), MSG_EMAIL);
	assert_int_equal(tmpl_channel_parse("sms"), MSG_SMS);
	assert_int_equal(tmpl_channel_parse("fax"), 0);
	assert_true(tmpl_language_known("de"));
	assert_false(tmpl_language_known("DE"));
	assert_false(tmpl_language_known("fr"));
	assert_false(tmpl_language_known(NULL));
	assert_false(tmpl_channel_offered(MSG_CONFIRMATION, MSG_SMS));
	assert_false(tmpl_channel_offered(MSG_AFTERCARE, MSG_SMS));
	assert_true(tmpl_channel_offered(MSG_REMINDER, MSG_SMS));
	assert_false(tmpl_channel_offered(0, MSG_EMAIL));
}

/* Every kind has a default in every shipped language for every channel it goes by, and
 * none for a channel it does not; each passes its own check, and only e-mail has a
 * subject. */
static void defaults_complete(void **state)
{
	(void)state;
	int bad = 0;
	for (int k = 1; k <= MSG_KIND_MAX; k++)
		for (int c = 1; c <= MSG_CHANNEL_MAX; c++)
			for (const char *const *l = tmpl_languages; *l; l++) {
				const struct tmpl_default *d = tmpl_default_find(k, *l, c);
				if (!tmpl_channel_offered(k, c)) {
					row_check(&bad, d == NULL, "%s/%s/%s offered",
						  tmpl_kind_name(k), *l, tmpl_channel_name(c));
					continue;
				}
				bool ok = d && tmpl_check(d->text, k, NULL) == 0 &&
					  (c == MSG_EMAIL
					       ? d->subject && tmpl_check(d->subject, k, NULL) == 0
					       : d->subject == NULL);
				row_check(&bad, ok, "%s/%s/%s", tmpl_kind_name(k), *l,
					  tmpl_channel_name(c));
			}
	assert_int_equal(bad, 0);
	assert_null(tmpl_default_find(MSG_REMINDER, "fr", MSG_EMAIL));
	assert_null(tmpl_default_find(MSG_REMINDER, NULL, MSG_EMAIL));
}

/* Every shipped text message, rendered with the sample facts, fits one segment. */
static void sms_defaults_fit_one_segment(void **state)
{
	(void)state;
	struct msg_facts f;
	struct tmpl_values vals;
	struct tmpl_scratch scratch;
	tmpl_sample_facts(&f);
	int bad = 0;
	for (int k = 1; k <= MSG_KIND_MAX; k++)
		for (const char *const *l = tmpl_languages; *l; l++) {
			const struct tmpl_default *d = tmpl_default_find(k, *l, MSG_SMS);
			if (!d)
				continue;
			tmpl_values_from_facts(&f, *l, &vals, &scratch);
			char *s = NULL, *t = NULL, *h = NULL;
			struct sms_count c = {0};
			bool ok = tmpl_render_message(k, MSG_SMS, NULL, d->text, NULL, &vals, &s,
						      &t, &h, NULL, NULL) == 0 &&
				  !s && !h && sms_count_text(t, &c) == 0 && c.segments == 1;
			row_check(&bad, ok, "%s/%s: %zu segments (%s, %zu units): %s",
				  tmpl_kind_name(k), *l, c.segments, sms_encoding_name(c.encoding),
				  c.units, t ? t : "");
			free(t);
		}
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(check),
	    cmocka_unit_test(render),
	    cmocka_unit_test(values_lose_control_characters),
	    cmocka_unit_test(aftercare_text),
	    cmocka_unit_test(dates_in_words),
	    cmocka_unit_test(names),
	    cmocka_unit_test(defaults_complete),
	    cmocka_unit_test(sms_defaults_fit_one_segment),
	};
	return cmocka_run_group_tests_name("unit_templates", tests, NULL, NULL);
}
