/* Unit tests for msg/render: the clinic's template or the shipped one, the language's
 * fallback, and what goes by which channel; on SQLite and on PostgreSQL. */
#include "unit_db.h"

#include "domain/dates.h"
#include "msg/render.h"
#include "store/templates.h"
#include "util/err.h"

struct fixture {
	char dir[64];
	char path[256];
	struct db *db;
};

static int setup_db(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	scratch_make(f->dir);
	unit_db_target(f->dir, f->path);
	assert_int_equal(db_open(f->path, &f->db), 0);
	*state = f;
	return 0;
}

static int teardown_db(void **state)
{
	struct fixture *f = *state;
	db_close(f->db);
	scratch_remove(f->dir);
	free(f);
	return 0;
}

static struct msg_facts facts(void)
{
	struct cdate d = {2027, 3, 1};
	return (struct msg_facts){
	    .first_name = "Lena\r\nBcc: x@example.com",
	    .start = dates_local_to_instant(dates_to_days(&d), 9 * 60 + 5),
	    .clinic_name = "Haut & Co",
	    .clinic_phone = "030 123",
	    .confirm_link = "https://c.example/m/t1?a=confirm&x=1",
	    .cancel_link = "https://c.example/m/t1?a=cancel",
	};
}

static void put(struct db *db, int kind, const char *lang, int channel, const char *subject,
		const char *text, const char *html)
{
	struct msg_template t = {.kind = kind, .channel = channel, .updated_at = 1};
	snprintf(t.language, sizeof t.language, "%s", lang);
	t.subject = (char *)subject;
	t.body_text = (char *)text;
	t.body_html = (char *)html;
	assert_int_equal(db_begin_write(db), 0);
	assert_int_equal(store_template_put(db, &t), 0);
	assert_int_equal(db_commit(db), 0);
}

static void shipped_when_the_clinic_has_none(void **state)
{
	struct fixture *f = *state;
	struct msg_facts mf = facts();
	char *s = NULL, *t = NULL, *h = NULL;
	assert_int_equal(msg_render(f->db, MSG_REMINDER, "de", MSG_EMAIL, &mf, &s, &t, &h), 0);
	assert_string_equal(s, "Erinnerung: Ihr Termin am Montag, 1. März 2027 um 09:05 Uhr");
	assert_non_null(strstr(t, "Hallo Lena  Bcc: x@example.com,\n"));
	assert_non_null(strstr(t, "https://c.example/m/t1?a=confirm&x=1"));
	assert_non_null(strstr(h, "<a href=\"https://c.example/m/t1?a=confirm&amp;x=1\">"));
	assert_non_null(strstr(h, "Haut &amp; Co"));
	free(s);
	free(t);
	free(h);
	/* SMS: text only. */
	s = t = h = (char *)"untouched";
	assert_int_equal(msg_render(f->db, MSG_REMINDER, "es", MSG_SMS, &mf, &s, &t, &h), 0);
	assert_null(s);
	assert_null(h);
	assert_string_equal(t,
			    "Haut & Co: le recordamos su cita el lunes, 1 de marzo de 2027 a las "
			    "09:05. Confirmar o cancelar: https://c.example/m/t1?a=confirm&x=1");
	free(t);
}

static void the_clinic_template_wins(void **state)
{
	struct fixture *f = *state;
	struct msg_facts mf = facts();
	put(f->db, MSG_REMINDER, "en", MSG_EMAIL, "See you {date}", "Hi {first_name}",
	    "<b>{clinic_name}</b>");
	char *s = NULL, *t = NULL, *h = NULL;
	assert_int_equal(msg_render(f->db, MSG_REMINDER, "en", MSG_EMAIL, &mf, &s, &t, &h), 0);
	assert_string_equal(s, "See you Monday, 1 March 2027");
	assert_string_equal(t, "Hi Lena  Bcc: x@example.com");
	assert_string_equal(h, "<b>Haut &amp; Co</b>");
	free(s);
	free(t);
	free(h);
	/* An unknown language is written in English, with the clinic's English template. */
	assert_int_equal(msg_render(f->db, MSG_REMINDER, "fr", MSG_EMAIL, &mf, &s, &t, &h), 0);
	assert_string_equal(t, "Hi Lena  Bcc: x@example.com");
	free(s);
	free(t);
	free(h);
	assert_int_equal(msg_render(f->db, MSG_REMINDER, NULL, MSG_EMAIL, &mf, &s, &t, &h), 0);
	assert_string_equal(s, "See you Monday, 1 March 2027");
	free(s);
	free(t);
	free(h);
	/* Other languages keep theirs. */
	assert_int_equal(msg_render(f->db, MSG_REMINDER, "de", MSG_EMAIL, &mf, &s, &t, &h), 0);
	assert_non_null(strstr(s, "Erinnerung"));
	free(s);
	free(t);
	free(h);
}

/* A stored template that no longer passes the check is refused, not sent half-filled. */
static void a_broken_stored_template_is_refused(void **state)
{
	struct fixture *f = *state;
	struct msg_facts mf = facts();
	put(f->db, MSG_RECALL, "en", MSG_SMS, NULL, "Call {confirm_link}", NULL);
	char *s = NULL, *t = NULL, *h = NULL;
	assert_int_equal(msg_render(f->db, MSG_RECALL, "en", MSG_SMS, &mf, &s, &t, &h),
			 -ERR_VALIDATION_FAILED);
	assert_null(t);
}

static void not_by_that_channel(void **state)
{
	struct fixture *f = *state;
	struct msg_facts mf = facts();
	char *s = NULL, *t = NULL, *h = NULL;
	assert_int_equal(msg_render(f->db, MSG_CONFIRMATION, "en", MSG_SMS, &mf, &s, &t, &h),
			 -ERR_NOT_FOUND);
	assert_int_equal(msg_render(f->db, MSG_AFTERCARE, "en", MSG_SMS, &mf, &s, &t, &h),
			 -ERR_NOT_FOUND);
	assert_int_equal(msg_render(f->db, 0, "en", MSG_EMAIL, &mf, &s, &t, &h), -ERR_NOT_FOUND);
	assert_int_equal(msg_render(f->db, MSG_REMINDER, "en", 9, &mf, &s, &t, &h), -ERR_NOT_FOUND);
	assert_null(t);
}

/* The store: put replaces, list reads back, drop goes back to the shipped one. */
static void store_round_trip(void **state)
{
	struct fixture *f = *state;
	put(f->db, MSG_AFTERCARE, "es", MSG_EMAIL, "a", "b", NULL);
	put(f->db, MSG_AFTERCARE, "es", MSG_EMAIL, "c", "d", "<p>e</p>");
	struct msg_template *list = NULL;
	size_t n = 0;
	assert_int_equal(store_template_list(f->db, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].kind, MSG_AFTERCARE);
	assert_int_equal(list[0].channel, MSG_EMAIL);
	assert_string_equal(list[0].language, "es");
	assert_string_equal(list[0].subject, "c");
	assert_string_equal(list[0].body_html, "<p>e</p>");
	msg_templates_free(list, n);
	bool dropped = false;
	assert_int_equal(db_begin_write(f->db), 0);
	assert_int_equal(store_template_drop(f->db, MSG_AFTERCARE, "es", MSG_EMAIL, &dropped), 0);
	assert_true(dropped);
	assert_int_equal(store_template_drop(f->db, MSG_AFTERCARE, "es", MSG_EMAIL, &dropped), 0);
	assert_false(dropped);
	assert_int_equal(db_commit(f->db), 0);
	struct msg_template t;
	assert_int_equal(store_template_get(f->db, MSG_AFTERCARE, "es", MSG_EMAIL, &t),
			 -ERR_NOT_FOUND);
	/* The schema refuses a language or channel the program does not know. */
	unit_refused(f->db, "INSERT INTO message_templates (kind, language, channel, body_text, "
			    "updated_at) VALUES ('reminder', 'fr', 'email', 'x', 1)");
	unit_refused(f->db, "INSERT INTO message_templates (kind, language, channel, body_text, "
			    "updated_at) VALUES ('reminder', 'en', 'fax', 'x', 1)");
}

int main(void)
{
	dates_set_zone("Europe/Berlin");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(shipped_when_the_clinic_has_none, setup_db,
					    teardown_db),
	    cmocka_unit_test_setup_teardown(the_clinic_template_wins, setup_db, teardown_db),
	    cmocka_unit_test_setup_teardown(a_broken_stored_template_is_refused, setup_db,
					    teardown_db),
	    cmocka_unit_test_setup_teardown(not_by_that_channel, setup_db, teardown_db),
	    cmocka_unit_test_setup_teardown(store_round_trip, setup_db, teardown_db),
	};
	return cmocka_run_group_tests_name("unit_msg_render", tests, NULL, NULL);
}
