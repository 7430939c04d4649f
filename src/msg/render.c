/* Rendering a patient message with the clinic's template or the shipped one. */
#include "msg/render.h"

#include <string.h>

#include "store/templates.h"
#include "util/err.h"
#include "util/log.h"

int msg_render(struct db *db, int kind, const char *language, int channel,
	       const struct msg_facts *f, char **subject, char **text, char **html)
{
	if (!tmpl_channel_offered(kind, channel))
		return -ERR_NOT_FOUND;
	const char *lang = tmpl_language_known(language) ? language : tmpl_languages[0];
	struct msg_template t;
	memset(&t, 0, sizeof t);
	int err = store_template_get(db, kind, lang, channel, &t);
	if (err && err != -ERR_NOT_FOUND)
		return err;
	const char *subject_t, *text_t, *html_t;
	if (err == 0) {
		subject_t = t.subject;
		text_t = t.body_text;
		html_t = t.body_html;
	} else {
		const struct tmpl_default *d = tmpl_default_find(kind, lang, channel);
		if (!d) /* every offered kind and channel ships in every language */
			return -ERR_INTERNAL;
		subject_t = d->subject;
		text_t = d->text;
		html_t = d->html;
	}
	struct tmpl_values vals;
	struct tmpl_scratch scratch;
	tmpl_values_from_facts(f, lang, &vals, &scratch);
	struct tmpl_error why;
	const char *part = NULL;
	err = tmpl_render_message(kind, channel, subject_t, text_t, html_t, &vals, subject, text,
				  html, &why, &part);
	if (err)
		log_warn("message template %s/%s/%s: %s does not pass its check",
			 tmpl_kind_name(kind), lang, tmpl_channel_name(channel), part);
	msg_template_cleanup(&t);
	return err;
}
