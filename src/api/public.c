/* The page a patient reaches from a message's link (/p/link?t=TOKEN): the appointment's
 * date, time, clinic and the patient's first name, with "Confirm" and "Cancel". No login:
 * the signed token is the permission, good once and until the appointment has ended. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/clinical.h"
#include "api/outbox.h"
#include "domain/dates.h"
#include "domain/messages.h"
#include "domain/schedule.h"
#include "domain/text.h"
#include "http/static.h"
#include "store/messages.h"
#include "store/schedule.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

#define LINK_PATH "/p/link"

/* Appends s (may be NULL) HTML-escaped. */
static void esc(struct buf *b, const char *s)
{
	if (s)
		text_html_escape(b, s, strlen(s));
}

static void page_open(struct buf *b, const char *title)
{
	buf_puts(b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		    "<title>");
	esc(b, title);
	buf_puts(b, "</title><link rel=\"stylesheet\" href=\"/static/css/public.css\"></head>"
		    "<body><main>");
}

static void page_close(struct buf *b)
{
	buf_puts(b, "</main></body></html>\n");
}

/* A page with a heading and one sentence. */
static void plain_page(struct http_reply *reply, int status, const char *title, const char *text)
{
	struct buf b;
	buf_init(&b);
	page_open(&b, title);
	buf_puts(&b, "<h1>");
	esc(&b, title);
	buf_puts(&b, "</h1><p>");
	esc(&b, text);
	buf_puts(&b, "</p>");
	page_close(&b);
	size_t len = b.len;
	http_reply_set_body(reply, status, "text/html; charset=utf-8", buf_take(&b), len);
}

static void invalid(struct http_reply *reply)
{
	plain_page(reply, 404, "This link cannot be used",
		   "It may have been used already, or the appointment has passed. Please call the "
		   "clinic.");
}

/* The value of name in an application/x-www-form-urlencoded body, or in the query; copied
 * into out (n bytes) without decoding (the values here need none). */
static bool form_value(const char *body, const char *name, char *out, size_t n)
{
	size_t len = strlen(name);
	for (const char *p = body; p && *p;) {
		const char *end = strchr(p, '&');
		size_t plen = end ? (size_t)(end - p) : strlen(p);
		if (plen > len && strncmp(p, name, len) == 0 && p[len] == '=') {
			size_t v = plen - len - 1;
			if (v >= n)
				return false;
			memcpy(out, p + len + 1, v);
			out[v] = '\0';
			return true;
		}
		p = end ? end + 1 : NULL;
	}
	return false;
}

struct link_job {
	const char *token;
	int action; /* 0 show, 1 confirm, 2 cancel */
	int outcome;
	char first_name[128];
	int64_t start;
	bool confirmed;
};

enum { SHOWN = 1, CONFIRMED, CANCELLED, TOO_LATE, INVALID };

/* The message, appointment and patient behind the token, checked; INVALID otherwise. */
static int run_link(struct api_ctx *ctx, void *arg)
{
	struct link_job *j = arg;
	int64_t id, now = clock_now();
	j->outcome = INVALID;
	if (outbox_link_check(ctx->db, j->token, now, &id) != 0)
		return 0;
	struct msg_row m;
	if (store_msg_get(ctx->db, id, &m) != 0)
		return 0;
	struct appointment a;
	int err = 0;
	if (m.link_used_at || !m.appointment_id || store_appt_get(ctx->db, m.appointment_id, &a)) {
		msg_row_cleanup(&m);
		return 0;
	}
	struct msg_send_facts f;
	if (a.status != APPT_BOOKED || store_msg_send_facts(ctx->db, a.id, &f) != 0)
		goto out_appt;
	if (f.archived)
		goto out_facts;
	snprintf(j->first_name, sizeof j->first_name, "%s", f.first_name ? f.first_name : "");
	j->start = a.start;
	j->confirmed = f.confirmed_at != 0;
	if (j->action == 0) {
		j->outcome = SHOWN;
		goto out_facts;
	}
	bool late = false;
	if (j->action == 2 &&
	    (rules_transition(a.kind, a.status, APPT_CANCELLED, now, a.start, false, &late) != 0 ||
	     late)) {
		j->outcome = TOO_LATE;
		goto out_facts;
	}
	int64_t changed = 0;
	if ((err = store_msg_link_use(ctx->db, m.id, now, &changed)) != 0 || !changed)
		goto out_facts;
	if (j->action == 1) {
		if ((err = store_appt_confirm(ctx->db, a.id, now)) == 0)
			err = api_audit(ctx, "confirm", "appointment", a.id, "patient link");
		j->outcome = CONFIRMED;
	} else {
		err = api_appt_set_status(ctx, &a, APPT_CANCELLED, "cancelled by the patient",
					  "patient link");
		j->outcome = CANCELLED;
	}
out_facts:
	msg_send_facts_cleanup(&f);
out_appt:
	appointment_cleanup(&a);
	msg_row_cleanup(&m);
	return err;
}

static void when_text(int64_t t, char *buf, size_t n)
{
	static const char *const wd[] = {"",	     "Monday", "Tuesday",  "Wednesday",
					 "Thursday", "Friday", "Saturday", "Sunday"};
	int64_t day = dates_local_day(t);
	struct cdate d = dates_from_days(day);
	int m = dates_local_minute(t);
	snprintf(buf, n, "%s %04d-%02d-%02d, %02d:%02d", wd[dates_weekday(day)], d.year, d.month,
		 d.day, m / 60, m % 60);
}

static void show(struct http_reply *reply, const struct link_job *j)
{
	const char *clinic =
	    outbox_config()->clinic_name ? outbox_config()->clinic_name : "the clinic";
	char when[64];
	when_text(j->start, when, sizeof when);
	struct buf b;
	buf_init(&b);
	page_open(&b, "Your appointment");
	buf_puts(&b, "<h1>Hello ");
	esc(&b, j->first_name);
	buf_puts(&b, "</h1><p>Your appointment at ");
	esc(&b, clinic);
	buf_puts(&b, ":</p><p class=\"when\">");
	esc(&b, when);
	buf_puts(&b, "</p>");
	if (j->confirmed)
		buf_puts(&b, "<p class=\"note\">You have confirmed it already.</p>");
	static const char *const actions[2] = {"confirm", "cancel"};
	static const char *const labels[2] = {"Confirm", "Cancel the appointment"};
	for (int i = 0; i < 2; i++) {
		if (i == 0 && j->confirmed)
			continue;
		buf_puts(&b, "<form method=\"post\" action=\"" LINK_PATH "\">"
			     "<input type=\"hidden\" name=\"t\" value=\"");
		esc(&b, j->token);
		buf_printf(&b,
			   "\"><input type=\"hidden\" name=\"action\" value=\"%s\">"
			   "<button type=\"submit\"%s>%s</button></form>",
			   actions[i], i ? " class=\"secondary\"" : "", labels[i]);
	}
	buf_puts(&b, "<p class=\"note\">To move it, please call the clinic.</p>");
	page_close(&b);
	size_t len = b.len;
	http_reply_set_body(reply, 200, "text/html; charset=utf-8", buf_take(&b), len);
}

void api_public_handle(const struct http_req *req, struct http_reply *reply)
{
	reply->log_route = LINK_PATH;
	http_reply_header_static(reply, "Cache-Control", "no-store");
	http_security_headers(reply, true, req->tls);
	bool post = strcmp(req->method, "POST") == 0;
	if (strcmp(req->path, LINK_PATH) != 0) {
		plain_page(reply, 404, "Not found", "There is no such page.");
		return;
	}
	if (!post && strcmp(req->method, "GET") != 0) {
		http_reply_header_static(reply, "Allow", "GET, POST");
		plain_page(reply, 405, "Not allowed", "This page takes GET and POST only.");
		return;
	}
	char token[96], action[16];
	struct link_job j;
	memset(&j, 0, sizeof j);
	if (post) {
		if (!req->body || !form_value(req->body, "t", token, sizeof token) ||
		    !form_value(req->body, "action", action, sizeof action) ||
		    (strcmp(action, "confirm") != 0 && strcmp(action, "cancel") != 0)) {
			invalid(reply);
			return;
		}
		j.action = strcmp(action, "confirm") == 0 ? 1 : 2;
	} else {
		const char *t = http_req_query(req, "t");
		if (!t || strlen(t) >= sizeof token) {
			invalid(reply);
			return;
		}
		snprintf(token, sizeof token, "%s", t);
	}
	j.token = token;
	struct api_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.req = req;
	ctx.reply = reply;
	ctx.actor.remote = req->remote;
	ctx.db = db_thread();
	int err = ctx.db ? outbox_link_key(ctx.db) : -ERR_STORAGE_UNAVAILABLE;
	if (!err)
		err = post ? api_run_write(&ctx, run_link, &j) : api_run_read(&ctx, run_link, &j);
	json_decref(ctx.warnings);
	json_decref(ctx.err_details);
	free(ctx.location);
	free(ctx.read_event.detail);
	if (err) {
		log_warn("link page: %s", err_wire(err));
		plain_page(reply, 503, "Please try again",
			   "The page cannot be answered right now. Please try again shortly.");
		return;
	}
	switch (j.outcome) {
	case SHOWN:
		show(reply, &j);
		break;
	case CONFIRMED:
		plain_page(reply, 200, "Thank you", "Your appointment is confirmed. See you then.");
		break;
	case CANCELLED:
		plain_page(reply, 200, "Cancelled", "Your appointment is cancelled.");
		break;
	case TOO_LATE:
		plain_page(reply, 409, "Please call the clinic",
			   "The appointment is less than 24 hours away and can no longer be "
			   "cancelled here. Please call the clinic.");
		break;
	default:
		invalid(reply);
	}
}
