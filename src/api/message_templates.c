/* Message templates: the admin reads, changes, resets and previews the wording of the
 * clinic's patient messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/handlers.h"
#include "domain/sms_text.h"
#include "domain/templates.h"
#include "store/templates.h"
#include "util/clock.h"
#include "util/err.h"

#define MAX_SUBJECT 200
#define MAX_TEXT    4000
#define MAX_SMS	    1000
#define MAX_HTML    20000

/* The names of the placeholders kind offers, as a JSON array. */
static json_t *placeholders_json(int kind)
{
	json_t *a = json_array();
	for (int ph = 0; ph < PH_COUNT; ph++)
		if (tmpl_placeholder_allowed(kind, ph))
			json_array_append_new(a, json_string(tmpl_placeholder_name(ph)));
	return a;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* One template as the API shows it: the clinic's t when custom, else the shipped d. */
static json_t *template_json(int kind, const char *lang, int channel, const struct msg_template *t,
			     const struct tmpl_default *d)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:o}", "kind", tmpl_kind_name(kind), "language",
			      lang, "channel", tmpl_channel_name(channel), "custom", t != NULL,
			      "placeholders", placeholders_json(kind));
	json_object_set_new(o, "subject", str_or_null(t ? t->subject : d ? d->subject : NULL));
	json_object_set_new(o, "body_text", str_or_null(t ? t->body_text : d ? d->text : NULL));
	json_object_set_new(o, "body_html", str_or_null(t ? t->body_html : d ? d->html : NULL));
	json_object_set_new(o, "updated_at", t ? api_instant(t->updated_at) : json_null());
	json_object_set_new(o, "updated_by",
			    t && t->updated_by ? json_integer(t->updated_by) : json_null());
	return o;
}

static const struct msg_template *find(const struct msg_template *list, size_t n, int kind,
				       const char *lang, int channel)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].kind == kind && list[i].channel == channel &&
		    strcmp(list[i].language, lang) == 0)
			return &list[i];
	return NULL;
}

int h_message_templates_list(struct api_ctx *ctx)
{
	struct msg_template *list = NULL;
	size_t n = 0;
	int err = store_template_list(ctx->db, &list, &n);
	if (err)
		return err;
	json_t *items = json_array();
	for (int k = 1; k <= MSG_KIND_MAX; k++)
		for (const char *const *l = tmpl_languages; *l; l++)
			for (int c = 1; c <= MSG_CHANNEL_MAX; c++)
				if (tmpl_channel_offered(k, c))
					json_array_append_new(
					    items, template_json(k, *l, c, find(list, n, k, *l, c),
								 tmpl_default_find(k, *l, c)));
	msg_templates_free(list, n);
	api_reply_list(ctx, items, (int64_t)json_array_size(items));
	return 0;
}

/* The kind, language and channel a path names; 404 when it names none the clinic has. */
static int path_key(struct api_ctx *ctx, int *kind, const char **lang, int *channel)
{
	*kind = tmpl_kind_parse(api_param(ctx, 0));
	*lang = api_param(ctx, 1);
	*channel = tmpl_channel_parse(api_param(ctx, 2));
	if (!*kind || !tmpl_language_known(*lang) || !*channel)
		return api_fail(ctx, -ERR_NOT_FOUND, "No such message template.", NULL);
	if (!tmpl_channel_offered(*kind, *channel))
		return api_fail(ctx, -ERR_NOT_FOUND,
				"This kind of message does not go by this channel.", NULL);
	return 0;
}

/* A multi-line text field: a string of min..max characters whose only control
 * characters are line breaks and tabs. */
static int read_text(struct api_ctx *ctx, json_t *body, const char *key, bool required, size_t min,
		     size_t max, const char **out)
{
	json_t *v = json_object_get(body, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return required ? api_fail_field(ctx, key, "This field is required.") : 0;
	if (!json_is_string(v))
		return api_fail_field(ctx, key, "This field must be a string.");
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v))
		return api_fail_field(ctx, key, "This field contains control characters.");
	for (const char *c = s; *c; c++)
		if (((unsigned char)*c < 0x20 && *c != '\n' && *c != '\r' && *c != '\t') ||
		    *c == 0x7f)
			return api_fail_field(ctx, key, "This field contains control characters.");
	size_t n = utf8_chars(s);
	if (n < min || n > max)
		return api_fail_field(ctx, key,
				      n < min ? "This field is empty or too short."
					      : "This field is too long.");
	*out = s;
	return 0;
}

/* A template's parts from body, checked for kind and channel: a subject (one line) and
 * optional HTML for e-mail only, a text always, and every placeholder one the kind
 * offers. */
struct parts {
	const char *subject, *text, *html;
};

static int read_parts(struct api_ctx *ctx, json_t *body, int kind, int channel, struct parts *p)
{
	bool email = channel == MSG_EMAIL;
	int err;
	memset(p, 0, sizeof *p);
	if ((err =
		 read_text(ctx, body, "body_text", true, 1, email ? MAX_TEXT : MAX_SMS, &p->text)))
		return err;
	if (email) {
		if ((err = jin_str(ctx, body, "subject", true, 1, MAX_SUBJECT, &p->subject)) ||
		    (err = read_text(ctx, body, "body_html", false, 1, MAX_HTML, &p->html)))
			return err;
	} else {
		static const char *const email_only[] = {"subject", "body_html"};
		for (size_t i = 0; i < 2; i++) {
			json_t *v = json_object_get(body, email_only[i]);
			if (v && !json_is_null(v))
				return api_fail_field(ctx, email_only[i],
						      "A text message has only a body_text.");
		}
	}
	const char *const fields[] = {"subject", "body_text", "body_html"};
	const char *const values[] = {p->subject, p->text, p->html};
	for (size_t i = 0; i < 3; i++) {
		struct tmpl_error e;
		if (!values[i] || tmpl_check(values[i], kind, &e) == 0)
			continue;
		if (e.problem == TMPL_UNCLOSED)
			return api_fail(ctx, -ERR_VALIDATION_FAILED,
					"A { is not closed; write {{ for a brace of its own.",
					json_pack("{s:s, s:s, s:I}", "field", fields[i], "problem",
						  "unclosed_brace", "offset",
						  (json_int_t)e.offset));
		return api_fail(ctx, -ERR_VALIDATION_FAILED,
				"The template names a placeholder this kind of message does not "
				"have: see details.placeholder and details.allowed.",
				json_pack("{s:s, s:s, s:s, s:I, s:o}", "field", fields[i],
					  "problem", "unknown_placeholder", "placeholder", e.name,
					  "offset", (json_int_t)e.offset, "allowed",
					  placeholders_json(kind)));
	}
	return 0;
}

int h_message_templates_put(struct api_ctx *ctx)
{
	static const char *const allowed[] = {"subject", "body_text", "body_html", NULL};
	json_t *body;
	int kind, channel;
	const char *lang;
	struct parts p;
	int err;
	if ((err = path_key(ctx, &kind, &lang, &channel)) || (err = api_body(ctx, &body)) ||
	    (err = jin_only(ctx, body, allowed)) ||
	    (err = read_parts(ctx, body, kind, channel, &p)))
		return err;
	struct msg_template t = {
	    .kind = kind,
	    .channel = channel,
	    .subject = (char *)p.subject,
	    .body_text = (char *)p.text,
	    .body_html = (char *)p.html,
	    .updated_by = ctx->me.id,
	    .updated_at = clock_now(),
	};
	snprintf(t.language, sizeof t.language, "%s", lang);
	char detail[64];
	snprintf(detail, sizeof detail, "%s/%s/%s", tmpl_kind_name(kind), lang,
		 tmpl_channel_name(channel));
	if ((err = store_template_put(ctx->db, &t)) != 0 ||
	    (err = api_audit(ctx, "update", "message_template", 0, detail)) != 0)
		return err;
	api_reply(ctx, 200, template_json(kind, lang, channel, &t, NULL));
	return 0;
}

int h_message_templates_reset(struct api_ctx *ctx)
{
	int kind, channel;
	const char *lang;
	bool dropped = false;
	int err;
	if (ctx->body && json_object_size(ctx->body) > 0)
		return api_fail(ctx, -ERR_VALIDATION_FAILED, "Going back takes no fields.",
				json_pack("{s:s}", "field", "body"));
	if ((err = path_key(ctx, &kind, &lang, &channel)) ||
	    (err = store_template_drop(ctx->db, kind, lang, channel, &dropped)))
		return err;
	if (dropped) {
		char detail[64];
		snprintf(detail, sizeof detail, "%s/%s/%s", tmpl_kind_name(kind), lang,
			 tmpl_channel_name(channel));
		if ((err = api_audit(ctx, "reset", "message_template", 0, detail)) != 0)
			return err;
	}
	api_reply(ctx, 200,
		  template_json(kind, lang, channel, NULL, tmpl_default_find(kind, lang, channel)));
	return 0;
}

int h_message_templates_preview(struct api_ctx *ctx)
{
	static const char *const allowed[] = {"kind",	   "language",	"channel", "subject",
					      "body_text", "body_html", NULL};
	json_t *body;
	const char *kind_s, *lang, *channel_s;
	struct parts p;
	int err;
	if ((err = api_body(ctx, &body)) || (err = jin_only(ctx, body, allowed)) ||
	    (err = jin_str(ctx, body, "kind", true, 1, 32, &kind_s)) ||
	    (err = jin_str(ctx, body, "language", true, 1, 8, &lang)) ||
	    (err = jin_str(ctx, body, "channel", true, 1, 8, &channel_s)))
		return err;
	int kind = tmpl_kind_parse(kind_s), channel = tmpl_channel_parse(channel_s);
	if (!kind)
		return api_fail_field(ctx, "kind", "No such kind of message.");
	if (!tmpl_language_known(lang))
		return api_fail_field(ctx, "language", "No such language.");
	if (!channel || !tmpl_channel_offered(kind, channel))
		return api_fail_field(ctx, "channel",
				      "This kind of message does not go by this channel.");
	if ((err = read_parts(ctx, body, kind, channel, &p)) != 0)
		return err;
	struct msg_facts f;
	struct tmpl_values vals;
	struct tmpl_scratch scratch;
	tmpl_sample_facts(&f);
	tmpl_values_from_facts(&f, lang, &vals, &scratch);
	char *subject = NULL, *text = NULL, *html = NULL;
	if ((err = tmpl_render_message(kind, channel, p.subject, p.text, p.html, &vals, &subject,
				       &text, &html, NULL, NULL)) != 0)
		return err; /* read_parts checked every part */
	json_t *o = json_pack("{s:o, s:s, s:o}", "subject", str_or_null(subject), "text", text,
			      "html", str_or_null(html));
	if (channel == MSG_SMS) {
		struct sms_count c;
		if (sms_count_text(text, &c) == 0)
			json_object_set_new(o, "sms",
					    json_pack("{s:s, s:I, s:I}", "encoding",
						      sms_encoding_name(c.encoding), "units",
						      (json_int_t)c.units, "segments",
						      (json_int_t)c.segments));
	}
	free(subject);
	free(text);
	free(html);
	api_reply(ctx, 200, o);
	return 0;
}
