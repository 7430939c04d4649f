/* Patient messages over HTTP: the admin's message templates (list, change, placeholder
 * check, reset, preview) and the patient's contact consent (who set it, when, audited). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define V1  "/api/v1"
#define TPL V1 "/message-templates"

static struct server S;
static char *t_admin, *t_desk, *t_prac;
static long long u_admin, u_desk;

/* The item of GET /message-templates for kind, language and channel (a new reference),
 * or NULL. */
static json_t *listed(const char *kind, const char *lang, const char *channel)
{
	struct resp *r = req(&S, "GET", TPL, t_admin, NULL);
	assert_int_equal(r->status, 200);
	json_t *items = json_object_get(r->json, "items"), *e, *found = NULL;
	size_t i;
	json_array_foreach(items, i, e)
	{
		if (strcmp(jstr(e, "kind"), kind) == 0 && strcmp(jstr(e, "language"), lang) == 0 &&
		    strcmp(jstr(e, "channel"), channel) == 0)
			found = json_incref(e);
	}
	resp_free(r);
	return found;
}

static void every_template_is_listed(void **state)
{
	(void)state;
	struct resp *r = req(&S, "GET", TPL, t_admin, NULL);
	assert_int_equal(r->status, 200);
	/* 7 kinds by e-mail and 5 by SMS, in English, German and Spanish. */
	assert_int_equal(jint(r->json, "total"), 36);
	json_t *items = json_object_get(r->json, "items"), *e;
	size_t i;
	json_array_foreach(items, i, e)
	{
		bool email = strcmp(jstr(e, "channel"), "email") == 0;
		assert_true(strlen(jstr(e, "body_text")) > 20);
		assert_true(email ? json_is_string(json_object_get(e, "subject"))
				  : json_is_null(json_object_get(e, "subject")));
		assert_true(json_array_size(json_object_get(e, "placeholders")) >= 5);
		assert_true(json_is_false(json_object_get(e, "custom")));
	}
	resp_free(r);
	json_t *recall = listed("recall", "de", "sms");
	assert_non_null(recall);
	assert_false(fx_has_str(json_object_get(recall, "placeholders"), "confirm_link"));
	json_decref(recall);
	assert_null(listed("confirmation", "en", "sms"));
	/* The admin's alone. */
	fx_expect_status(req(&S, "GET", TPL, t_desk, NULL), 403);
	fx_expect_status(req(&S, "GET", TPL, t_prac, NULL), 403);
}

static void change_and_reset_a_template(void **state)
{
	(void)state;
	struct resp *r = req(&S, "PUT", TPL "/reminder/de/sms", t_admin,
			     "{\"body_text\":\"{clinic_name}: Termin {date}, {time} Uhr.\\n"
			     "{confirm_link}\"}");
	assert_int_equal(r->status, 200);
	assert_true(json_is_true(json_object_get(r->json, "custom")));
	assert_int_equal(jint(r->json, "updated_by"), u_admin);
	resp_free(r);
	json_t *e = listed("reminder", "de", "sms");
	assert_true(json_is_true(json_object_get(e, "custom")));
	assert_string_equal(jstr(e, "body_text"), "{clinic_name}: Termin {date}, {time} Uhr.\n"
						  "{confirm_link}");
	json_decref(e);
	assert_int_equal(
	    fx_audit_count_detail(&S, t_admin, "message_template", 0, "update", "reminder/de/sms"),
	    1);
	/* E-mail: subject and HTML of its own. */
	r = req(&S, "PUT", TPL "/aftercare/es/email", t_admin,
		"{\"subject\":\"Cuidados\",\"body_text\":\"Hola {first_name}\","
		"\"body_html\":\"<p>Hola {first_name}</p>\"}");
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "body_html"), "<p>Hola {first_name}</p>");
	resp_free(r);
	/* Back to the shipped wording. */
	r = req(&S, "POST", TPL "/reminder/de/sms/reset", t_admin, "{}");
	assert_int_equal(r->status, 200);
	assert_true(json_is_false(json_object_get(r->json, "custom")));
	assert_non_null(strstr(jstr(r->json, "body_text"), "Erinnerung"));
	resp_free(r);
	e = listed("reminder", "de", "sms");
	assert_true(json_is_false(json_object_get(e, "custom")));
	json_decref(e);
	assert_int_equal(
	    fx_audit_count_detail(&S, t_admin, "message_template", 0, "reset", "reminder/de/sms"),
	    1);
	/* A second reset changes nothing and records nothing. */
	fx_expect_status(req(&S, "POST", TPL "/reminder/de/sms/reset", t_admin, "{}"), 200);
	assert_int_equal(
	    fx_audit_count_detail(&S, t_admin, "message_template", 0, "reset", "reminder/de/sms"),
	    1);
	r = req(&S, "POST", TPL "/reminder/de/sms/reset", t_admin, "{\"body_text\":\"x\"}");
	assert_int_equal(r->status, 422);
	assert_string_equal(jstr(fx_details(r), "field"), "body");
	resp_free(r);
	fx_expect_status(req(&S, "PUT", TPL "/reminder/de/sms", t_desk, "{\"body_text\":\"x\"}"),
			 403);
	fx_expect_status(req(&S, "POST", TPL "/reminder/de/sms/reset", t_prac, "{}"), 403);
}

/* A refused template names its field and placeholder, and changes nothing. */
static void an_unknown_placeholder_is_refused(void **state)
{
	(void)state;
	static const struct {
		const char *path, *body, *field, *placeholder;
	} rows[] = {
	    {TPL "/reminder/en/sms", "{\"body_text\":\"Hi {frist_name}\"}", "body_text",
	     "frist_name"},
	    {TPL "/reminder/en/email", "{\"subject\":\"{diagnosis}\",\"body_text\":\"x\"}",
	     "subject", "diagnosis"},
	    {TPL "/reminder/en/email",
	     "{\"subject\":\"s\",\"body_text\":\"x\",\"body_html\":\"<p>{area}</p>\"}", "body_html",
	     "area"},
	    /* A recall has no appointment to confirm. */
	    {TPL "/recall/en/sms", "{\"body_text\":\"{confirm_link}\"}", "body_text",
	     "confirm_link"},
	    {TPL "/recall_second/de/email", "{\"subject\":\"{time}\",\"body_text\":\"x\"}",
	     "subject", "time"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct resp *r = req(&S, "PUT", rows[i].path, t_admin, rows[i].body);
		assert_int_equal(r->status, 422);
		assert_string_equal(resp_error(r), "validation_failed");
		json_t *d = fx_details(r);
		assert_string_equal(jstr(d, "field"), rows[i].field);
		assert_string_equal(jstr(d, "problem"), "unknown_placeholder");
		assert_string_equal(jstr(d, "placeholder"), rows[i].placeholder);
		assert_true(json_array_size(json_object_get(d, "allowed")) >= 5);
		resp_free(r);
	}
	struct resp *r =
	    req(&S, "PUT", TPL "/reminder/en/sms", t_admin, "{\"body_text\":\"Hi {first_name\"}");
	assert_int_equal(r->status, 422);
	assert_string_equal(jstr(fx_details(r), "problem"), "unclosed_brace");
	assert_int_equal(jint(fx_details(r), "offset"), 3);
	resp_free(r);
	json_t *e = listed("reminder", "en", "sms");
	assert_true(json_is_false(json_object_get(e, "custom")));
	json_decref(e);
	assert_int_equal(
	    fx_audit_count_detail(&S, t_admin, "message_template", 0, "update", "reminder/en/sms"),
	    0);
	/* Literal braces are written doubled. */
	fx_expect_status(req(&S, "PUT", TPL "/recall/en/sms", t_admin,
			     "{\"body_text\":\"{{not a placeholder}} {first_name}\"}"),
			 200);
	fx_expect_status(req(&S, "POST", TPL "/recall/en/sms/reset", t_admin, "{}"), 200);
}

static void fields_and_paths(void **state)
{
	(void)state;
	static const struct {
		const char *path, *body, *field;
	} rows[] = {
	    {TPL "/reminder/en/email", "{\"body_text\":\"x\"}", "subject"},
	    {TPL "/reminder/en/email", "{\"subject\":\"a\\nb\",\"body_text\":\"x\"}", "subject"},
	    {TPL "/reminder/en/sms", "{\"subject\":\"s\",\"body_text\":\"x\"}", "subject"},
	    {TPL "/reminder/en/sms", "{\"body_text\":\"x\",\"body_html\":\"<p>\"}", "body_html"},
	    {TPL "/reminder/en/sms", "{\"body_text\":\"\"}", "body_text"},
	    {TPL "/reminder/en/sms", "{}", "body_text"},
	    {TPL "/reminder/en/sms", "{\"body_text\":7}", "body_text"},
	    {TPL "/reminder/en/sms", "{\"body_text\":\"a\\u0007b\"}", "body_text"},
	    {TPL "/reminder/en/sms", "{\"body_text\":\"x\",\"language\":\"de\"}", "language"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct resp *r = req(&S, "PUT", rows[i].path, t_admin, rows[i].body);
		if (r->status != 422 || strcmp(jstr(fx_details(r), "field"), rows[i].field) != 0)
			fail_msg("row %zu: %ld %s", i, r->status, r->body);
		resp_free(r);
	}
	/* A kind, language or channel that does not exist, or a kind that does not go by
	 * that channel. */
	static const char *const missing[] = {TPL "/birthday/en/email", TPL "/reminder/fr/email",
					      TPL "/reminder/en/fax", TPL "/confirmation/en/sms",
					      TPL "/aftercare/de/sms"};
	for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
		struct resp *r = req(&S, "PUT", missing[i], t_admin, "{\"body_text\":\"x\"}");
		assert_int_equal(r->status, 404);
		assert_string_equal(resp_error(r), "not_found");
		resp_free(r);
	}
	/* A body of 1000 characters is the most a text message template takes. */
	char big[1100];
	memset(big, 'a', 1001);
	big[1001] = '\0';
	fx_expect_status(
	    reqf(&S, "PUT", TPL "/reminder/en/sms", t_admin, "{\"body_text\":\"%s\"}", big), 422);
}

static void preview_renders_sample_facts(void **state)
{
	(void)state;
	struct resp *r = req(&S, "POST", TPL "/preview", t_admin,
			     "{\"kind\":\"reminder\",\"language\":\"de\",\"channel\":\"email\","
			     "\"subject\":\"Termin am {date}\",\"body_text\":\"Hallo {first_name} "
			     "<b>,\\n\\num {time} Uhr: {confirm_link}\"}");
	assert_int_equal(r->status, 200);
	assert_string_equal(jstr(r->json, "subject"), "Termin am Montag, 11. Januar 2027");
	assert_string_equal(
	    jstr(r->json, "text"),
	    "Hallo Anna <b>,\n\num 10:30 Uhr: https://clinic.example/m/sample?a=confirm");
	const char *html = jstr(r->json, "html");
	assert_non_null(strstr(html, "<p>Hallo Anna &lt;b&gt;,</p>"));
	assert_non_null(strstr(html, "<a href=\"https://clinic.example/m/sample?a=confirm\">"));
	assert_null(json_object_get(r->json, "sms"));
	resp_free(r);
	/* SMS: how it travels. */
	r = req(&S, "POST", TPL "/preview", t_admin,
		"{\"kind\":\"recall\",\"language\":\"es\",\"channel\":\"sms\","
		"\"body_text\":\"Hola {first_name}, su próxima sesión\"}");
	assert_int_equal(r->status, 200);
	assert_true(json_is_null(json_object_get(r->json, "html")));
	json_t *sms = json_object_get(r->json, "sms");
	assert_string_equal(jstr(sms, "encoding"), "ucs2");
	assert_int_equal(jint(sms, "segments"), 1);
	resp_free(r);
	r = req(&S, "POST", TPL "/preview", t_admin,
		"{\"kind\":\"recall\",\"language\":\"en\",\"channel\":\"sms\","
		"\"body_text\":\"Hello {first_name}\"}");
	assert_string_equal(jstr(json_object_get(r->json, "sms"), "encoding"), "gsm7");
	assert_int_equal(jint(json_object_get(r->json, "sms"), "units"), 10);
	resp_free(r);
	/* The same checks as a save. */
	r = req(&S, "POST", TPL "/preview", t_admin,
		"{\"kind\":\"recall\",\"language\":\"en\",\"channel\":\"sms\","
		"\"body_text\":\"{cancel_link}\"}");
	assert_int_equal(r->status, 422);
	assert_string_equal(jstr(fx_details(r), "placeholder"), "cancel_link");
	resp_free(r);
	static const struct {
		const char *body, *field;
	} bad[] = {
	    {"{\"kind\":\"birthday\",\"language\":\"en\",\"channel\":\"sms\",\"body_text\":\"x\"}",
	     "kind"},
	    {"{\"kind\":\"recall\",\"language\":\"fr\",\"channel\":\"sms\",\"body_text\":\"x\"}",
	     "language"},
	    {"{\"kind\":\"aftercare\",\"language\":\"en\",\"channel\":\"sms\",\"body_text\":\"x\"}",
	     "channel"},
	    {"{\"language\":\"en\",\"channel\":\"sms\",\"body_text\":\"x\"}", "kind"},
	    {"{\"kind\":\"recall\",\"language\":\"en\",\"channel\":\"email\",\"body_text\":\"x\"}",
	     "subject"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = req(&S, "POST", TPL "/preview", t_admin, bad[i].body);
		if (r->status != 422 || strcmp(jstr(fx_details(r), "field"), bad[i].field) != 0)
			fail_msg("row %zu: %ld %s", i, r->status, r->body);
		resp_free(r);
	}
	fx_expect_status(req(&S, "POST", TPL "/preview", t_desk,
			     "{\"kind\":\"recall\",\"language\":\"en\",\"channel\":\"sms\","
			     "\"body_text\":\"x\"}"),
			 403);
}

/* ---- Contact consent ---- */

static long long history_rows(long long patient)
{
	char sql[160];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM patient_contact_changes WHERE patient_id = %lld", patient);
	return fx_sql_int(&S, sql);
}

static void consent_starts_off_and_the_desk_sets_it(void **state)
{
	(void)state;
	long long p = fx_patient(&S, t_desk, "Ines", "Consent", "1980-05-05");
	char path[64];
	snprintf(path, sizeof path, V1 "/patients/%lld", p);
	struct resp *r = req(&S, "GET", path, t_desk, NULL);
	assert_int_equal(r->status, 200);
	assert_true(json_is_false(json_object_get(r->json, "contact_email")));
	assert_true(json_is_false(json_object_get(r->json, "contact_sms")));
	assert_string_equal(jstr(r->json, "language"), "en");
	assert_true(json_is_null(json_object_get(r->json, "contact_changed_at")));
	assert_true(json_is_null(json_object_get(r->json, "contact_changed_by")));
	resp_free(r);
	assert_int_equal(history_rows(p), 0);

	r = req(&S, "PATCH", path, t_desk, "{\"contact_email\":true,\"language\":\"es\"}");
	assert_int_equal(r->status, 200);
	assert_true(json_is_true(json_object_get(r->json, "contact_email")));
	assert_true(json_is_false(json_object_get(r->json, "contact_sms")));
	assert_string_equal(jstr(r->json, "language"), "es");
	assert_int_equal(jint(r->json, "contact_changed_by"), u_desk);
	assert_true(json_is_string(json_object_get(r->json, "contact_changed_at")));
	resp_free(r);
	assert_int_equal(history_rows(p), 1);
	fx_expect_newest_event(&S, t_admin, "patient", "update", "contact_email language ");

	/* The same values again are no change. */
	fx_expect_status(req(&S, "PATCH", path, t_desk, "{\"contact_email\":true}"), 200);
	assert_int_equal(history_rows(p), 1);
	/* A practitioner's change is recorded as theirs; the history keeps both. */
	r = req(&S, "PATCH", path, t_prac, "{\"contact_sms\":true}");
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "contact_changed_by"), fx_user_id(&S, t_admin, "prac"));
	resp_free(r);
	assert_int_equal(history_rows(p), 2);
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT changed_by FROM patient_contact_changes WHERE patient_id = %lld "
		 "ORDER BY id LIMIT 1",
		 p);
	assert_int_equal(fx_sql_int(&S, sql), u_desk);
	/* The history, newest first, as each change set it; reading it is audited. */
	char hpath[80];
	snprintf(hpath, sizeof hpath, V1 "/patients/%lld/contact-changes", p);
	int reads = fx_audit_count(&S, t_admin, "patient", p, "read");
	r = req(&S, "GET", hpath, t_desk, NULL);
	assert_int_equal(r->status, 200);
	assert_int_equal(jint(r->json, "total"), 2);
	json_t *newest = json_array_get(json_object_get(r->json, "items"), 0);
	json_t *oldest = json_array_get(json_object_get(r->json, "items"), 1);
	assert_true(json_is_true(json_object_get(newest, "contact_sms")));
	assert_true(json_is_true(json_object_get(newest, "contact_email")));
	assert_int_equal(jint(oldest, "changed_by"), u_desk);
	assert_true(json_is_false(json_object_get(oldest, "contact_sms")));
	assert_string_equal(jstr(oldest, "language"), "es");
	resp_free(r);
	assert_int_equal(fx_audit_count(&S, t_admin, "patient", p, "read"), reads + 1);
	fx_expect_status(req(&S, "GET", V1 "/patients/999999/contact-changes", t_desk, NULL), 404);
	/* Demographics alone leave the consent as it was. */
	r = req(&S, "PATCH", path, t_desk, "{\"phone\":\"+49 30 555 0101\"}");
	assert_true(json_is_true(json_object_get(r->json, "contact_sms")));
	resp_free(r);
	assert_int_equal(history_rows(p), 2);
}

static void consent_given_at_registration(void **state)
{
	(void)state;
	struct resp *r = req(
	    &S, "POST", V1 "/patients", t_desk,
	    "{\"first_name\":\"Jana\",\"last_name\":\"Register\",\"date_of_birth\":\"1979-01-02\","
	    "\"contact_sms\":true,\"language\":\"de\"}");
	assert_int_equal(r->status, 201);
	assert_true(json_is_true(json_object_get(r->json, "contact_sms")));
	assert_string_equal(jstr(r->json, "language"), "de");
	assert_int_equal(jint(r->json, "contact_changed_by"), u_desk);
	long long p = jint(r->json, "id");
	resp_free(r);
	assert_int_equal(history_rows(p), 1);
}

static void consent_is_checked(void **state)
{
	(void)state;
	long long p = fx_patient(&S, t_desk, "Olga", "Checked", "1981-06-06");
	char path[64];
	snprintf(path, sizeof path, V1 "/patients/%lld", p);
	static const struct {
		const char *body, *field;
	} rows[] = {
	    {"{\"language\":\"fr\"}", "language"},
	    {"{\"language\":\"EN\"}", "language"},
	    {"{\"language\":\"\"}", "language"},
	    {"{\"language\":null}", "language"},
	    {"{\"contact_sms\":\"yes\"}", "contact_sms"},
	    {"{\"contact_email\":1}", "contact_email"},
	    {"{\"contact_email\":null}", "contact_email"},
	    {"{\"contact_email\":true,\"language\":\"xx\"}", "language"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct resp *r = req(&S, "PATCH", path, t_desk, rows[i].body);
		if (r->status != 422 || strcmp(jstr(fx_details(r), "field"), rows[i].field) != 0)
			fail_msg("row %zu: %ld %s", i, r->status, r->body);
		resp_free(r);
	}
	struct resp *r = req(&S, "GET", path, t_desk, NULL);
	assert_true(json_is_false(json_object_get(r->json, "contact_email")));
	assert_string_equal(jstr(r->json, "language"), "en");
	resp_free(r);
	assert_int_equal(history_rows(p), 0);
	/* The history is kept as written. */
	fx_expect_status(req(&S, "PATCH", path, t_desk, "{\"contact_email\":true}"), 200);
	char sql[160];
	snprintf(sql, sizeof sql,
		 "UPDATE patient_contact_changes SET contact_email = 0 "
		 "WHERE patient_id = %lld",
		 p);
	assert_int_equal(fx_sql_exec(&S, sql, NULL), -1);
	snprintf(sql, sizeof sql, "DELETE FROM patient_contact_changes WHERE patient_id = %lld", p);
	assert_int_equal(fx_sql_exec(&S, sql, NULL), -1);
	assert_int_equal(history_rows(p), 1);
}

static int setup(void)
{
	u_desk = fx_user_id(&S, t_admin, "desk");
	return 0;
}

static const struct harness_group group = {
    .srv = &S,
    .zone = "Europe/Berlin",
    .admin = &t_admin,
    .desk = &t_desk,
    .prac = &t_prac,
    .admin_id = &u_admin,
    .setup = setup,
};

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_template_is_listed),
	    cmocka_unit_test(change_and_reset_a_template),
	    cmocka_unit_test(an_unknown_placeholder_is_refused),
	    cmocka_unit_test(fields_and_paths),
	    cmocka_unit_test(preview_renders_sample_facts),
	    cmocka_unit_test(consent_starts_off_and_the_desk_sets_it),
	    cmocka_unit_test(consent_given_at_registration),
	    cmocka_unit_test(consent_is_checked),
	};
	return harness_run_group("api_messages", tests, &group);
}
