/* The template engine for patient messages: named placeholders checked per kind of
 * message, and rendering as text or HTML. */
#include "domain/templates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/dates.h"
#include "domain/text.h"
#include "util/err.h"

static const char *const kind_names[] = {
    [MSG_CONFIRMATION] = "confirmation",
    [MSG_UPDATE] = "update",
    [MSG_CANCELLATION] = "cancellation",
    [MSG_REMINDER] = "reminder",
    [MSG_RECALL] = "recall",
    [MSG_RECALL_SECOND] = "recall_second",
    [MSG_AFTERCARE] = "aftercare",
};

static const char *const channel_names[] = {[MSG_EMAIL] = "email", [MSG_SMS] = "sms"};

static const char *const ph_names[PH_COUNT] = {
    [PH_FIRST_NAME] = "first_name",
    [PH_DATE] = "date",
    [PH_TIME] = "time",
    [PH_CLINIC_NAME] = "clinic_name",
    [PH_CLINIC_PHONE] = "clinic_phone",
    [PH_CONFIRM_LINK] = "confirm_link",
    [PH_CANCEL_LINK] = "cancel_link",
    [PH_TREATMENT_TYPE] = "treatment_type",
    [PH_AFTERCARE_TEXT] = "aftercare_text",
};

const char *const tmpl_languages[] = {"en", "de", "es", NULL};

const char *tmpl_kind_name(int kind)
{
	return kind >= 1 && kind <= MSG_KIND_MAX ? kind_names[kind] : NULL;
}

int tmpl_kind_parse(const char *name)
{
	for (int k = 1; name && k <= MSG_KIND_MAX; k++)
		if (strcmp(kind_names[k], name) == 0)
			return k;
	return 0;
}

const char *tmpl_channel_name(int channel)
{
	return channel >= 1 && channel <= MSG_CHANNEL_MAX ? channel_names[channel] : NULL;
}

int tmpl_channel_parse(const char *name)
{
	for (int c = 1; name && c <= MSG_CHANNEL_MAX; c++)
		if (strcmp(channel_names[c], name) == 0)
			return c;
	return 0;
}

bool tmpl_language_known(const char *lang)
{
	for (const char *const *l = tmpl_languages; lang && *l; l++)
		if (strcmp(*l, lang) == 0)
			return true;
	return false;
}

bool tmpl_channel_offered(int kind, int channel)
{
	if (!tmpl_kind_name(kind))
		return false;
	if (channel == MSG_EMAIL)
		return true;
	return channel == MSG_SMS && kind != MSG_CONFIRMATION && kind != MSG_AFTERCARE;
}

const char *tmpl_placeholder_name(int ph)
{
	return ph >= 0 && ph < PH_COUNT ? ph_names[ph] : NULL;
}

bool tmpl_placeholder_allowed(int kind, int ph)
{
	if (!tmpl_kind_name(kind))
		return false;
	bool one_visit = kind != MSG_RECALL && kind != MSG_RECALL_SECOND;
	bool links = kind == MSG_CONFIRMATION || kind == MSG_UPDATE || kind == MSG_REMINDER;
	switch (ph) {
	case PH_FIRST_NAME:
	case PH_CLINIC_NAME:
	case PH_CLINIC_PHONE:
	case PH_DATE:
	case PH_TREATMENT_TYPE:
		return true;
	case PH_TIME:
		return one_visit;
	case PH_CONFIRM_LINK:
	case PH_CANCEL_LINK:
		return links;
	case PH_AFTERCARE_TEXT:
		return kind == MSG_AFTERCARE;
	default:
		return false;
	}
}

/* The placeholder named by the len bytes at s, or -1. */
static int ph_lookup(const char *s, size_t len)
{
	for (int i = 0; i < PH_COUNT; i++)
		if (strlen(ph_names[i]) == len && memcmp(ph_names[i], s, len) == 0)
			return i;
	return -1;
}

/* One step through a template: a literal run, an escaped brace or a placeholder. */
struct piece {
	const char *lit; /* literal bytes to copy (NULL for a placeholder) */
	size_t len;
	int ph; /* the placeholder, when lit is NULL */
};

/* Reads the piece at *pos; 1 and *p, 0 at the end, or -ERR_VALIDATION_FAILED with *err. */
static int next_piece(const char *t, size_t *pos, int kind, struct piece *p, struct tmpl_error *err)
{
	size_t i = *pos;
	if (!t[i])
		return 0;
	if ((t[i] == '{' && t[i + 1] == '{') || (t[i] == '}' && t[i + 1] == '}')) {
		*p = (struct piece){.lit = t + i, .len = 1};
		*pos = i + 2;
		return 1;
	}
	if (t[i] != '{') {
		size_t j = i;
		while (t[j] && t[j] != '{' && !(t[j] == '}' && t[j + 1] == '}'))
			j++;
		if (j == i) /* a lone } is itself */
			j++;
		*p = (struct piece){.lit = t + i, .len = j - i};
		*pos = j;
		return 1;
	}
	const char *close = strchr(t + i + 1, '}');
	const char *next_open = strchr(t + i + 1, '{');
	if (!close || (next_open && next_open < close)) {
		if (err) {
			err->problem = TMPL_UNCLOSED;
			err->offset = i;
			err->name[0] = '\0';
		}
		return -ERR_VALIDATION_FAILED;
	}
	size_t len = (size_t)(close - (t + i + 1));
	int ph = ph_lookup(t + i + 1, len);
	if (ph < 0 || !tmpl_placeholder_allowed(kind, ph)) {
		if (err) {
			err->problem = TMPL_UNKNOWN_PLACEHOLDER;
			err->offset = i;
			size_t n = len < sizeof err->name - 1 ? len : sizeof err->name - 1;
			/* Cut on a character boundary so that the name stays valid UTF-8. */
			while (n > 0 && n < len && ((unsigned char)t[i + 1 + n] & 0xC0) == 0x80)
				n--;
			memcpy(err->name, t + i + 1, n);
			err->name[n] = '\0';
		}
		return -ERR_VALIDATION_FAILED;
	}
	*p = (struct piece){.lit = NULL, .ph = ph};
	*pos = (size_t)(close - t) + 1;
	return 1;
}

int tmpl_check(const char *tmpl, int kind, struct tmpl_error *err)
{
	size_t pos = 0;
	struct piece p;
	int rc;
	if (err)
		err->problem = TMPL_OK;
	while ((rc = next_piece(tmpl, &pos, kind, &p, err)) == 1)
		;
	return rc;
}

/* Appends template text made into HTML: escaped, a blank line closing one paragraph and
 * opening the next, a single line break as <br>. */
static void put_text_as_html(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r')
			continue;
		if (s[i] == '\n') {
			size_t j = i + 1;
			while (j < n && s[j] == '\r')
				j++;
			if (j < n && s[j] == '\n') {
				buf_puts(out, "</p>\n<p>");
				while (j < n && (s[j] == '\n' || s[j] == '\r'))
					j++;
				i = j - 1;
			} else {
				buf_puts(out, "<br>\n");
			}
			continue;
		}
		text_html_escape(out, s + i, 1);
	}
}

/* Appends a value: control characters (a line break in a name) become spaces, so that a
 * value never adds a line to a subject or a paragraph to a text. The aftercare advice
 * alone keeps its line breaks (tmpl_render_message takes them out of a subject). */
static void put_value(struct buf *out, const char *v, enum tmpl_escape esc, int ph)
{
	if (!v)
		return;
	bool lines = ph == PH_AFTERCARE_TEXT;
	struct buf clean;
	buf_init(&clean);
	for (const char *c = v; *c; c++) {
		if (lines && *c == '\r')
			continue;
		bool keep = lines && *c == '\n';
		buf_append(&clean, (!keep && ((unsigned char)*c < 0x20 || *c == 0x7f)) ? " " : c,
			   1);
	}
	const char *s = clean.data ? clean.data : "";
	bool link = ph == PH_CONFIRM_LINK || ph == PH_CANCEL_LINK;
	if (lines && esc == TMPL_TEXT_HTML) {
		put_text_as_html(out, s, clean.len);
	} else if (lines && esc == TMPL_HTML) {
		for (const char *c = s; *c; c++) {
			if (*c == '\n')
				buf_puts(out, "<br>\n");
			else
				text_html_escape(out, c, 1);
		}
	} else if (esc == TMPL_TEXT) {
		buf_puts(out, s);
	} else if (esc == TMPL_TEXT_HTML && link && *s) {
		buf_puts(out, "<a href=\"");
		text_html_escape(out, s, clean.len);
		buf_puts(out, "\">");
		text_html_escape(out, s, clean.len);
		buf_puts(out, "</a>");
	} else {
		text_html_escape(out, s, clean.len);
	}
	buf_cleanup(&clean);
}

int tmpl_render(const char *tmpl, int kind, const struct tmpl_values *vals, enum tmpl_escape esc,
		struct buf *out)
{
	size_t pos = 0;
	struct piece p;
	int rc;
	if (esc == TMPL_TEXT_HTML)
		buf_puts(out, "<p>");
	while ((rc = next_piece(tmpl, &pos, kind, &p, NULL)) == 1) {
		if (!p.lit)
			put_value(out, vals ? vals->v[p.ph] : NULL, esc, p.ph);
		else if (esc == TMPL_TEXT_HTML)
			put_text_as_html(out, p.lit, p.len);
		else
			buf_append(out, p.lit, p.len);
	}
	if (rc == 0 && esc == TMPL_TEXT_HTML)
		buf_puts(out, "</p>\n");
	return rc;
}

static const char *const weekdays[][7] = {
    {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"},
    {"Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"},
    {"lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"},
};
static const char *const months[][12] = {
    {"January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"},
    {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
     "November", "Dezember"},
    {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
     "octubre", "noviembre", "diciembre"},
};

void tmpl_format_date(const char *lang, int64_t day, char *buf, size_t size)
{
	int l = 0;
	for (int i = 0; tmpl_languages[i]; i++)
		if (lang && strcmp(tmpl_languages[i], lang) == 0)
			l = i;
	struct cdate d = dates_from_days(day);
	const char *wd = weekdays[l][dates_weekday(day) - 1], *mo = months[l][d.month - 1];
	if (l == 1)
		snprintf(buf, size, "%s, %d. %s %d", wd, d.day, mo, d.year);
	else if (l == 2)
		snprintf(buf, size, "%s, %d de %s de %d", wd, d.day, mo, d.year);
	else
		snprintf(buf, size, "%s, %d %s %d", wd, d.day, mo, d.year);
}

void tmpl_values_from_facts(const struct msg_facts *f, const char *lang, struct tmpl_values *vals,
			    struct tmpl_scratch *scratch)
{
	memset(vals, 0, sizeof *vals);
	scratch->date[0] = scratch->time[0] = '\0';
	if (f->start) {
		tmpl_format_date(lang, dates_local_day(f->start), scratch->date,
				 sizeof scratch->date);
		dates_format_hhmm(dates_local_minute(f->start), scratch->time);
		vals->v[PH_DATE] = scratch->date;
		vals->v[PH_TIME] = scratch->time;
	}
	vals->v[PH_FIRST_NAME] = f->first_name;
	vals->v[PH_CLINIC_NAME] = f->clinic_name;
	vals->v[PH_CLINIC_PHONE] = f->clinic_phone;
	vals->v[PH_CONFIRM_LINK] = f->confirm_link;
	vals->v[PH_CANCEL_LINK] = f->cancel_link;
	vals->v[PH_TREATMENT_TYPE] = f->treatment_type;
	vals->v[PH_AFTERCARE_TEXT] =
	    f->aftercare_text ? f->aftercare_text : tmpl_aftercare_general(lang);
}

void tmpl_sample_facts(struct msg_facts *out)
{
	struct cdate d = {2027, 1, 11};
	*out = (struct msg_facts){
	    .first_name = "Anna",
	    .start = dates_local_to_instant(dates_to_days(&d), 10 * 60 + 30),
	    .clinic_name = "Skin Clinic",
	    .clinic_phone = "+49 30 1234567",
	    .confirm_link = "https://clinic.example/m/sample?a=confirm",
	    .cancel_link = "https://clinic.example/m/sample?a=cancel",
	    .treatment_type = "Micro-needling",
	};
}

/* Renders one part into a new string; NULL when it fails its check. */
static char *render_part(const char *t, int kind, const struct tmpl_values *vals,
			 enum tmpl_escape esc, struct tmpl_error *err)
{
	struct buf b;
	buf_init(&b);
	if (tmpl_check(t, kind, err) != 0 || tmpl_render(t, kind, vals, esc, &b) != 0) {
		buf_cleanup(&b);
		return NULL;
	}
	if (!b.data)
		buf_puts(&b, "");
	return buf_take(&b);
}

int tmpl_render_message(int kind, int channel, const char *subject_t, const char *text_t,
			const char *html_t, const struct tmpl_values *vals, char **subject,
			char **text, char **html, struct tmpl_error *err, const char **part)
{
	struct tmpl_error scratch;
	const char *scratch_part;
	char *s = NULL, *t = NULL, *h = NULL;
	if (!err)
		err = &scratch;
	if (!part)
		part = &scratch_part;
	*part = "body_text";
	if (!(t = render_part(text_t ? text_t : "", kind, vals, TMPL_TEXT, err)))
		goto fail;
	if (channel == MSG_EMAIL) {
		*part = "subject";
		if (!(s = render_part(subject_t ? subject_t : "", kind, vals, TMPL_TEXT, err)))
			goto fail;
		for (char *c = s; *c; c++) /* a subject is one line */
			if (*c == '\n' || *c == '\r')
				*c = ' ';
		*part = "body_html";
		h = html_t ? render_part(html_t, kind, vals, TMPL_HTML, err)
			   : render_part(text_t ? text_t : "", kind, vals, TMPL_TEXT_HTML, err);
		if (!h)
			goto fail;
	}
	*subject = s;
	*text = t;
	*html = h;
	return 0;
fail:
	free(s);
	free(t);
	free(h);
	return -ERR_VALIDATION_FAILED;
}
