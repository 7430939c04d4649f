/* The outbox: messages queued in the transaction of the change that causes them, and the
 * sender thread that delivers the due ones over SMTP, retrying with backoff. */
#include "api/outbox.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/followup.h"
#include "domain/messages.h"
#include "domain/quiet_hours.h"
#include "domain/sms_text.h"
#include "domain/text.h"
#include "msg/render.h"
#include "msg/sms.h"
#include "store/messages.h"
#include "store/patients.h"
#include "store/settings.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/smtp.h"
#include "util/xalloc.h"

static struct outbox_config config;

void outbox_configure(const struct outbox_config *cfg)
{
	config = *cfg;
}

const struct outbox_config *outbox_config(void)
{
	return &config;
}

/* The part of the sender's address after '@', for Message-IDs and UIDs. */
static const char *mail_domain(void)
{
	const char *at = config.mail_from ? strchr(config.mail_from, '@') : NULL;
	return at && at[1] ? at + 1 : "collagenda.invalid";
}

/* ---- Queueing ---- */

/* Whether the patient may be written to on channel: consent to it, an address or number
 * that can be used, a chart in use. The number for SMS goes into number (32 bytes). */
static bool reachable(bool archived, bool consent, const char *email, const char *phone,
		      int channel, char number[32])
{
	if (archived || !consent)
		return false;
	if (channel == MSG_EMAIL)
		return email && text_valid_email(email);
	return phone && sms_number(phone, number, 32);
}

static int queue(struct api_ctx *ctx, const struct appointment *a, const char *to, int kind,
		 int channel, int64_t seq, int64_t due)
{
	struct msg_row m;
	memset(&m, 0, sizeof m);
	char key[64], mid[320];
	msg_idem_key(a->id, kind, seq, key);
	/* A text message is another message than the e-mail of the same kind. */
	size_t len = strlen(key);
	if (channel == MSG_SMS && len + 4 < sizeof key)
		memcpy(key + len, "-sms", 5);
	msg_message_id(key, mail_domain(), mid);
	m.kind = kind;
	m.appointment_id = a->id;
	m.patient_id = a->patient_id;
	m.plan_id = a->plan_id;
	m.channel = (char *)tmpl_channel_name(channel);
	m.recipient = (char *)to;
	m.sequence = seq;
	m.due_at = due;
	m.idem_key = key;
	m.message_id = mid;
	m.created_at = clock_now();
	bool inserted;
	return store_msg_insert(ctx->db, &m, &inserted);
}

bool outbox_may_email(const struct patient *p)
{
	char unused[32];
	return reachable(p->archived, p->contact_email, p->email, p->phone, MSG_EMAIL, unused);
}

int api_outbox_appointment(struct api_ctx *ctx, const struct appointment *a, int event)
{
	int err = 0;
	if (event != OUTBOX_BOOKED && (err = store_msg_cancel_reminders(ctx->db, a->id)) != 0)
		return err;
	/* A confirmation was of the old time. */
	if (event == OUTBOX_MOVED && (err = store_appt_unconfirm(ctx->db, a->id)) != 0)
		return err;
	if (event == OUTBOX_DONE)
		return 0;
	struct patient p;
	struct clinic_settings cs;
	if ((err = store_settings_get(ctx->db, &cs)) != 0 ||
	    (err = store_patient_get(ctx->db, a->patient_id, &p)) != 0)
		return err;
	char number[32];
	bool by_email = outbox_may_email(&p);
	bool by_sms = reachable(p.archived, p.contact_sms, p.email, p.phone, MSG_SMS, number);
	if (!by_email && !by_sms)
		goto out;
	int64_t seq = 0, now = clock_now();
	if (event != OUTBOX_BOOKED && (err = store_appt_next_sequence(ctx->db, a->id, &seq)) != 0)
		goto out;
	int kind = event == OUTBOX_MOVED       ? MSG_UPDATE
		   : event == OUTBOX_CANCELLED ? MSG_CANCELLATION
					       : MSG_CONFIRMATION;
	if (by_email)
		err = queue(ctx, a, p.email, kind, MSG_EMAIL, seq, now);
	if (event != OUTBOX_CANCELLED) {
		int64_t due = msg_reminder_due(a->start, cs.reminder_email_hours, now);
		if (!err && by_email && due)
			err = queue(ctx, a, p.email, MSG_REMINDER, MSG_EMAIL, seq, due);
		due = msg_reminder_due(a->start, cs.reminder_sms_hours, now);
		if (!err && by_sms && due)
			err = queue(ctx, a, number, MSG_REMINDER, MSG_SMS, seq, due);
	}
	if (!err)
		outbox_wake();
out:
	patient_cleanup(&p);
	return err;
}

int api_outbox_consent(struct api_ctx *ctx, int64_t patient_id, bool email_withdrawn,
		       bool sms_withdrawn)
{
	int err = 0;
	if (email_withdrawn)
		err = store_msg_cancel_channel(ctx->db, patient_id, "email", "consent withdrawn");
	if (!err && sms_withdrawn)
		err = store_msg_cancel_channel(ctx->db, patient_id, "sms", "consent withdrawn");
	return err;
}

/* ---- Links ---- */

static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;
static bool key_loaded;
static unsigned char link_key[32];

int outbox_link_key(struct db *db)
{
	pthread_mutex_lock(&key_lock);
	int err = 0;
	if (!key_loaded) {
		unsigned char fresh[32];
		randombytes_buf(fresh, sizeof fresh);
		if ((err = db_begin_write(db)) == 0) {
			err = store_msg_key(db, fresh, link_key);
			if (!err)
				err = db_commit(db);
			else
				db_rollback(db);
		}
		key_loaded = err == 0;
		sodium_memzero(fresh, sizeof fresh);
	}
	pthread_mutex_unlock(&key_lock);
	return err;
}

/* The key when it is loaded; never opens a transaction (the caller may be in one). */
static bool have_key(void)
{
	pthread_mutex_lock(&key_lock);
	bool ok = key_loaded;
	pthread_mutex_unlock(&key_lock);
	return ok;
}

#define TOKEN_RAW 48 /* id, expiry (8 bytes each, big-endian), HMAC-SHA-256 */

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static uint64_t get_be64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

int outbox_link_token(struct db *db, int64_t id, int64_t expires, char *out, size_t n)
{
	(void)db;
	if (!have_key() ||
	    n < sodium_base64_ENCODED_LEN(TOKEN_RAW, sodium_base64_VARIANT_URLSAFE_NO_PADDING))
		return -1;
	unsigned char raw[TOKEN_RAW];
	put_be64(raw, (uint64_t)id);
	put_be64(raw + 8, (uint64_t)expires);
	crypto_auth_hmacsha256(raw + 16, raw, 16, link_key);
	sodium_bin2base64(out, n, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

int outbox_link_check(struct db *db, const char *token, int64_t now, int64_t *id)
{
	unsigned char raw[TOKEN_RAW];
	size_t len = 0;
	(void)db;
	if (!token || strlen(token) > 80 || !have_key() ||
	    sodium_base642bin(raw, sizeof raw, token, strlen(token), NULL, &len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len != TOKEN_RAW)
		return -1;
	if (crypto_auth_hmacsha256_verify(raw + 16, raw, 16, link_key) != 0)
		return -1;
	int64_t expires = (int64_t)get_be64(raw + 8);
	*id = (int64_t)get_be64(raw);
	return now<expires && * id> 0 ? 0 : -1;
}

/* ---- Sending ---- */

static pthread_t sender;
static bool sender_running;
static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cond;
static bool wake_flag, stop_flag;

void outbox_wake(void)
{
	pthread_mutex_lock(&wake_lock);
	wake_flag = true;
	pthread_cond_signal(&wake_cond);
	pthread_mutex_unlock(&wake_lock);
}

/* Waits for a wake-up, a stop, or ms milliseconds; true when stopping. */
static bool nap(long ms)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&wake_lock);
	while (!wake_flag && !stop_flag)
		if (pthread_cond_timedwait(&wake_cond, &wake_lock, &until) != 0)
			break;
	wake_flag = false;
	bool stop = stop_flag;
	pthread_mutex_unlock(&wake_lock);
	return stop;
}

/* Why a queued message is no longer to be sent, or NULL when it is. */
static const char *stale(const struct msg_row *m, const struct msg_send_facts *f)
{
	char number[32];
	int channel = tmpl_channel_parse(m->channel);
	if (f->archived)
		return "archived";
	if (!reachable(false, channel == MSG_SMS ? f->contact_sms : f->contact_email, m->recipient,
		       m->recipient, channel, number))
		return "no consent to this channel";
	bool cancelled = strcmp(f->status, "cancelled") == 0;
	if (m->kind == MSG_CANCELLATION)
		return cancelled ? NULL : "no longer cancelled";
	if (cancelled)
		return "cancelled";
	if (m->kind == MSG_REMINDER &&
	    (strcmp(f->status, "booked") != 0 || m->sequence != f->sequence))
		return "moved";
	if (m->kind == MSG_REMINDER && channel == MSG_SMS && f->confirmed_at)
		return "already confirmed";
	return NULL;
}

/* The words of m from the templates, in the patient's language: 0, or an error (logged
 * by the caller, who then cancels the message: it cannot be written). */
static int words(struct db *db, const struct msg_row *m, const struct msg_send_facts *f,
		 const struct clinic_settings *cs, int channel, struct msg_text *t)
{
	char link[512], token[96];
	bool with_link = false;
	if (m->appointment_id && tmpl_placeholder_allowed(m->kind, PH_CONFIRM_LINK) &&
	    config.public_url && outbox_link_key(db) == 0 &&
	    outbox_link_token(db, m->id, f->end, token, sizeof token) == 0) {
		snprintf(link, sizeof link, "%s/p/link?t=%s", config.public_url, token);
		with_link = true;
	}
	struct msg_facts mf = {
	    .first_name = f->first_name,
	    .start = f->start,
	    .clinic_name = config.clinic_name ? config.clinic_name : "",
	    .clinic_phone = cs->clinic_phone,
	    .confirm_link = with_link ? link : NULL,
	    .cancel_link = with_link ? link : NULL,
	    .treatment_type = f->show_treatment ? f->treatment_name : NULL,
	};
	memset(t, 0, sizeof *t);
	return msg_render(db, m->kind, f->language, channel, &mf, &t->subject, &t->text, &t->html);
}

/* The whole e-mail of m with its words t. */
static char *build_mail(const struct msg_row *m, const struct msg_send_facts *f,
			const struct msg_text *t, int64_t now)
{
	char *ics = NULL;
	if (m->appointment_id &&
	    (m->kind == MSG_CONFIRMATION || m->kind == MSG_UPDATE || m->kind == MSG_CANCELLATION)) {
		char uid[320], org[320], att[320];
		snprintf(uid, sizeof uid, "appt-%lld@%s", (long long)m->appointment_id,
			 mail_domain());
		snprintf(org, sizeof org, "%s", config.mail_from);
		snprintf(att, sizeof att, "%s", m->recipient);
		/* The calendar entry's title is the message's subject: in the patient's
		 * language, with nothing a template does not say. */
		struct msg_ical ic = {
		    .uid = uid,
		    .tzid = config.time_zone ? config.time_zone : "UTC",
		    .organizer = org,
		    .attendee = att,
		    .summary = t->subject,
		    .location = config.clinic_name,
		    .start = f->start,
		    .end = f->end,
		    .stamp = now,
		    .sequence = m->sequence,
		    .cancel = m->kind == MSG_CANCELLATION,
		};
		ics = msg_ical_build(&ic);
	}
	struct msg_mail mail = {
	    .from_name = config.clinic_name,
	    .from_addr = config.mail_from,
	    .to_name = f->first_name,
	    .to_addr = m->recipient,
	    .message_id = m->message_id,
	    .date = now,
	    .text = t,
	    .ics = ics,
	    .ics_method = m->kind == MSG_CANCELLATION ? "CANCEL" : "REQUEST",
	};
	char *out = msg_mail_build(&mail);
	free(ics);
	return out;
}

/* Runs one write of the sender: fn's error, or the commit's. */
static int write_mark(struct db *db, int64_t id, int status, int tries, int64_t next,
		      const char *error, int segments, int64_t now)
{
	int err = db_begin_write(db);
	if (err)
		return err;
	int64_t changed = 0;
	if (status == MSG_SENT)
		err = store_msg_mark_sent(db, id, now, segments, &changed);
	else if (status == MSG_CANCELLED)
		err = store_msg_mark_cancelled(db, id, error);
	else if (status == 0)
		err = store_msg_postpone(db, id, next);
	else
		err = store_msg_mark_failed_try(db, id, tries, next, status, error);
	if (err) {
		db_rollback(db);
		return err;
	}
	return db_commit(db);
}

static void cancel(struct db *db, const struct msg_row *m, const char *why, int64_t now)
{
	log_info("message %lld not sent: %s", (long long)m->id, why);
	if (write_mark(db, m->id, MSG_CANCELLED, 0, 0, why, 0, now) != 0)
		log_warn("message %lld: cannot mark it cancelled", (long long)m->id);
}

/* Sends the text message text to m's number: 0, or an error with answer saying what
 * the gateway said (no number, no text). *segments gets the parts it takes. */
static int send_sms(const struct msg_row *m, const char *text, int *segments, char *answer,
		    size_t n)
{
	struct sms_count c;
	*segments = sms_count_text(text, &c) == 0 ? (int)c.segments : 0;
	struct sms_result res;
	memset(&res, 0, sizeof res);
	int err = sms_send(sms_gateway(), m->recipient, text, &res);
	if (err == -ERR_GATEWAY_REFUSED)
		snprintf(answer, n, "gateway answered %ld: %s", res.status, res.excerpt);
	else if (err == -ERR_GATEWAY_UNREACHABLE)
		snprintf(answer, n, "gateway unreachable or no answer in time");
	else if (err)
		snprintf(answer, n, "%s", err_wire(err));
	return err;
}

/* Records what came of a try of m: sent (0, with the segments of a text message), or a
 * failure with the server's answer, tried again after the backoff. */
static void record(struct db *db, const struct msg_row *m, int sent, int segments,
		   const char *answer)
{
	int64_t now = clock_now();
	int err;
	if (sent == 0) {
		err = write_mark(db, m->id, MSG_SENT, 0, 0, NULL, segments, now);
	} else {
		int tries = m->tries + 1;
		/* A number or text the gateway can never take is not tried again. */
		int64_t wait = sent == -ERR_VALIDATION_FAILED ? -1 : msg_backoff(tries);
		log_warn("message %lld try %d failed: %s", (long long)m->id, tries, answer);
		err = write_mark(db, m->id, wait < 0 ? MSG_FAILED : MSG_QUEUED, tries,
				 wait < 0 ? m->next_try_at : now + wait, answer, 0, now);
	}
	if (err)
		log_warn("message %lld: cannot record the try", (long long)m->id);
}

/* Sends mail (freed here; NULL when it could not be written: a failed try) for m and
 * records what came of it. */
static void send_one(struct smtp_client *smtp, struct db *db, const struct msg_row *m, char *mail)
{
	char answer[512] = "the message could not be composed";
	int sent = mail ? smtp_send(smtp, m->recipient, mail, answer, sizeof answer) : -1;
	free(mail);
	record(db, m, sent, 0, answer);
}

/* How long a sender's claim on a row holds: longer than a whole SMTP exchange may take
 * (10 s to connect, 30 s in all), so that the claim outlives any send it covers. */
#define LEASE_S 300

/* This process's name in the claims it makes, random at each start: a restarted server
 * is another sender, and waits like any other for the claims of the one that died. */
static char claimer[40];

/* Claims m for this sender (store_msg_claim); true when it is ours to send. */
static bool claim(struct db *db, const struct msg_row *m, int64_t now)
{
	bool claimed = false;
	int err = db_begin_write(db);
	if (!err) {
		err = store_msg_claim(db, m->id, claimer, now + LEASE_S, now, &claimed);
		if (!err)
			err = db_commit(db);
		else
			db_rollback(db);
	}
	if (err)
		log_warn("message %lld: cannot claim it", (long long)m->id);
	return !err && claimed;
}

/* Delivers one due message, once this sender has claimed it, and records what came of
 * it. */
static void deliver(struct db *db, struct smtp_client *smtp, const struct msg_row *m)
{
	int64_t now = clock_now();
	int channel = tmpl_channel_parse(m->channel);
	if (!claim(db, m, now))
		return;
	/* Aftercare and recalls: composed from their own facts (api/followup.c). */
	if (outbox_followup_kind(m->kind)) {
		char *care = NULL;
		const char *gone = NULL;
		int err = outbox_followup_mail(db, m, now, &care, &gone);
		if (err == -ERR_STORAGE_UNAVAILABLE || err == -ERR_BUSY)
			log_warn("message %lld: cannot read its facts", (long long)m->id);
		else if (err)
			send_one(smtp, db, m, NULL); /* a failed try: its template is broken */
		else if (gone)
			cancel(db, m, gone, now);
		else
			send_one(smtp, db, m, care);
		return;
	}
	struct msg_send_facts f;
	struct clinic_settings cs;
	int err = db_begin_read(db);
	if (!err) {
		err = m->appointment_id ? store_msg_send_facts(db, m->appointment_id, &f)
					: -ERR_NOT_FOUND;
		if (!err && (err = store_settings_get(db, &cs)) != 0)
			msg_send_facts_cleanup(&f);
		db_rollback(db);
	}
	if (err) {
		if (err == -ERR_NOT_FOUND)
			cancel(db, m, "nothing to send about", now);
		return;
	}
	const char *why = stale(m, &f);
	if (why) {
		cancel(db, m, why, now);
		msg_send_facts_cleanup(&f);
		return;
	}
	/* No text message in the quiet hours: it waits for their end, no try counted. */
	int64_t allowed = quiet_next_allowed(now, cs.quiet_start_min, cs.quiet_end_min);
	if (channel == MSG_SMS && allowed > now) {
		if (write_mark(db, m->id, 0, 0, allowed, NULL, 0, now) != 0)
			log_warn("message %lld: cannot postpone it", (long long)m->id);
		msg_send_facts_cleanup(&f);
		return;
	}
	struct msg_text t;
	if ((err = words(db, m, &f, &cs, channel, &t)) != 0) {
		log_warn("message %lld: cannot be written (%s)", (long long)m->id, err_wire(err));
		msg_send_facts_cleanup(&f);
		msg_text_cleanup(&t);
		if (err == -ERR_NOT_FOUND || err == -ERR_VALIDATION_FAILED)
			cancel(db, m, "no template for this message", now);
		return;
	}
	char answer[512];
	int sent, segments = 0;
	if (channel == MSG_SMS) {
		sent = send_sms(m, t.text, &segments, answer, sizeof answer);
	} else {
		char *mail = build_mail(m, &f, &t, now);
		sent = smtp_send(smtp, m->recipient, mail, answer, sizeof answer);
		free(mail);
	}
	msg_text_cleanup(&t);
	msg_send_facts_cleanup(&f);
	record(db, m, sent, segments, answer);
}

#define BATCH 64

static void *sender_main(void *arg)
{
	(void)arg;
	struct smtp_config sc = {
	    .url = config.smtp_url,
	    .insecure = config.smtp_insecure,
	    .ca_file = config.smtp_ca_file,
	    .user = config.smtp_user,
	    .password = config.smtp_password,
	    .from = config.mail_from,
	    .timeout_s = 30,
	};
	struct smtp_client *smtp = config.smtp_url ? smtp_client_new(&sc) : NULL;
	struct db *db = db_thread();
	/* Without an SMTP server e-mail stays queued; without a gateway, text messages. */
	const char *only = !config.smtp_url ? "sms" : !sms_gateway() ? "email" : NULL;
	if ((config.smtp_url && !smtp) || !db) {
		log_error("the message sender cannot start");
		smtp_client_free(smtp);
		return NULL;
	}
	for (;;) {
		struct msg_row *due = NULL;
		size_t n = 0;
		outbox_followup_tick(db);
		int err = db_begin_read(db);
		if (!err) {
			err = store_msg_due(db, clock_now(), only, BATCH, &due, &n);
			db_rollback(db);
		}
		bool stop = false;
		for (size_t i = 0; i < n && !stop; i++) {
			deliver(db, smtp, &due[i]);
			pthread_mutex_lock(&wake_lock);
			stop = stop_flag;
			pthread_mutex_unlock(&wake_lock);
		}
		msg_rows_free(due, n);
		if (stop)
			break;
		if ((err || n < BATCH) && nap(err ? 1000 : 250))
			break;
	}
	smtp_client_free(smtp);
	return NULL;
}

int outbox_start(void)
{
	if (!config.smtp_url && !sms_gateway())
		return 0;
	pthread_condattr_t ca;
	if (pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&wake_cond, &ca) != 0)
		return -1;
	pthread_condattr_destroy(&ca);
	stop_flag = false;
	unsigned char raw[8];
	char hex[2 * sizeof raw + 1];
	randombytes_buf(raw, sizeof raw);
	snprintf(claimer, sizeof claimer, "sender-%s",
		 sodium_bin2hex(hex, sizeof hex, raw, sizeof raw));
	if (pthread_create(&sender, NULL, sender_main, NULL) != 0)
		return -1;
	sender_running = true;
	return 0;
}

void outbox_stop(void)
{
	if (!sender_running)
		return;
	pthread_mutex_lock(&wake_lock);
	stop_flag = true;
	pthread_cond_signal(&wake_cond);
	pthread_mutex_unlock(&wake_lock);
	pthread_join(sender, NULL);
	sender_running = false;
}
