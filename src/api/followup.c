/* Aftercare after a signed session and the two recalls of a plan: queued in the outbox
 * with the change that causes them (aftercare) or by the sender's periodic scan
 * (recalls), and composed for the sender. */
#include "api/followup.h"

#include <stdlib.h>
#include <string.h>

#include "api/outbox.h"
#include "domain/dates.h"
#include "domain/messages.h"
#include "domain/recall.h"
#include "msg/render.h"
#include "store/followup.h"
#include "store/patients.h"
#include "store/settings.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"

/* The part of the sender's address after '@', for Message-IDs. */
static const char *mail_domain(void)
{
	const char *from = outbox_config()->mail_from;
	const char *at = from ? strchr(from, '@') : NULL;
	return at && at[1] ? at + 1 : "collagenda.invalid";
}

/* Fills m's key, Message-ID (into key and mid) and times, and inserts it. */
static int insert(struct db *db, struct msg_row *m, const char *key, char mid[320], int64_t now,
		  bool *inserted)
{
	msg_message_id(key, mail_domain(), mid);
	m->idem_key = (char *)key;
	m->message_id = mid;
	m->created_at = now;
	return store_msg_insert(db, m, inserted);
}

int api_followup_aftercare(struct api_ctx *ctx, const struct appointment *a)
{
	struct patient p;
	int err = store_patient_get(ctx->db, a->patient_id, &p);
	if (err)
		return err;
	if (outbox_may_email(&p)) {
		struct msg_row m;
		memset(&m, 0, sizeof m);
		char key[64], mid[320];
		int64_t now = clock_now();
		msg_idem_key(a->id, MSG_AFTERCARE, 0, key);
		m.kind = MSG_AFTERCARE;
		m.appointment_id = a->id;
		m.patient_id = a->patient_id;
		m.plan_id = a->plan_id;
		m.recipient = p.email;
		m.due_at = now;
		bool inserted = false;
		err = insert(ctx->db, &m, key, mid, now, &inserted);
		if (!err && inserted)
			outbox_wake();
	}
	patient_cleanup(&p);
	return err;
}

int api_followup_booked(struct api_ctx *ctx, int64_t plan_id)
{
	return store_msg_cancel_recalls(ctx->db, plan_id);
}

/* Queues the recall d decides for candidate c, when its patient may be written to. */
static int queue_recall(struct db *db, const struct recall_candidate *c,
			const struct recall_decision *d, int64_t now, bool *inserted)
{
	struct patient p;
	*inserted = false;
	int err = store_patient_get(db, c->patient_id, &p);
	if (err)
		return err;
	if (outbox_may_email(&p)) {
		struct msg_row m;
		memset(&m, 0, sizeof m);
		char key[64], mid[320];
		recall_idem_key(c->plan_id, d->kind, d->session, key);
		m.kind = d->kind;
		m.patient_id = c->patient_id;
		m.plan_id = c->plan_id;
		m.recipient = p.email;
		m.sequence = d->session;
		m.due_at = d->due;
		err = insert(db, &m, key, mid, now, inserted);
	}
	patient_cleanup(&p);
	return err;
}

int outbox_recall_scan(struct db *db, int64_t now, int limit, int *queued)
{
	*queued = 0;
	int err = db_begin_write(db);
	if (err)
		return err;
	struct recall_candidate *list = NULL;
	size_t n = 0;
	err = store_recall_due(db, now, limit, &list, &n);
	int count = 0;
	for (size_t i = 0; !err && i < n; i++) {
		struct recall_decision d;
		recall_decide(&list[i].facts, now, &d);
		if (!d.kind)
			continue;
		bool inserted;
		err = queue_recall(db, &list[i], &d, now, &inserted);
		count += inserted;
	}
	free(list);
	if (err) {
		db_rollback(db);
		return err;
	}
	if ((err = db_commit(db)) != 0)
		return err;
	*queued = count;
	return 0;
}

#define SCAN_BATCH 200

void outbox_followup_tick(struct db *db)
{
	/* Only the sender thread calls this. */
	static int64_t last_minute = -1;
	int64_t now = clock_now();
	if (now / 60 == last_minute)
		return;
	int queued = 0;
	int err = outbox_recall_scan(db, now, SCAN_BATCH, &queued);
	if (err) {
		/* Tried again in the next minute, not on every round. */
		log_warn("recall scan: %s", err_wire(err));
		last_minute = now / 60;
		return;
	}
	/* A full batch may have more behind it: look again on the next round. */
	if (queued < SCAN_BATCH)
		last_minute = now / 60;
	if (queued)
		log_info("recall scan: %d queued", queued);
}

bool outbox_followup_kind(int kind)
{
	return kind == MSG_AFTERCARE || kind == MSG_RECALL || kind == MSG_RECALL_SECOND;
}

/* The facts of m as they stand: the patient, and the day the message speaks of (the
 * visit for aftercare, the window's first day for a recall); *why when it is stale. */
static int read_facts(struct db *db, const struct msg_row *m, struct patient *p, int64_t *day_at,
		      char **treatment, char **care, const char **why)
{
	int err = store_patient_get(db, m->patient_id, p);
	if (err)
		return err;
	if (!outbox_may_email(p)) {
		*why = p->archived ? "archived" : "no consent to e-mail or no address";
		return 0;
	}
	if (m->kind == MSG_AFTERCARE) {
		struct msg_send_facts f;
		if ((err = store_msg_send_facts(db, m->appointment_id, &f)) != 0)
			return err;
		if (strcmp(f.status, "completed") != 0)
			*why = "not completed";
		*day_at = f.start;
		if (f.show_treatment && f.treatment_name) {
			*treatment = f.treatment_name;
			f.treatment_name = NULL;
		}
		*care = f.aftercare_text;
		f.aftercare_text = NULL;
		msg_send_facts_cleanup(&f);
		return 0;
	}
	struct recall_facts rf;
	int64_t patient_id;
	if ((err = store_recall_plan(db, m->plan_id, &rf, &patient_id)) != 0)
		return err;
	*why = recall_stale(&rf, m->kind, m->sequence);
	struct window w;
	if (!*why && rules_next_window(rf.plan_status, rf.planned, rf.holding, rf.last_start,
				       rf.min_days, rf.max_days, &w))
		*day_at = dates_local_to_instant(w.from_day, RECALL_MINUTE);
	return 0;
}

int outbox_followup_mail(struct db *db, const struct msg_row *m, int64_t now, char **mail,
			 const char **why)
{
	const struct outbox_config *cfg = outbox_config();
	struct patient p;
	memset(&p, 0, sizeof p);
	int64_t day_at = 0;
	char *treatment = NULL, *care = NULL;
	*mail = NULL;
	*why = NULL;
	int err = db_begin_read(db);
	if (err)
		return err;
	struct clinic_settings cs;
	err = read_facts(db, m, &p, &day_at, &treatment, &care, why);
	if (!err && !*why)
		err = store_settings_get(db, &cs);
	db_rollback(db);
	if (err || *why)
		goto out;
	/* No clinical detail reaches a template: the first name, the day, the clinic, the
	 * treatment type only when the clinic names it, and the type's aftercare advice
	 * (the clinic's words for every patient of that type). */
	struct msg_facts f = {
	    .first_name = p.first_name,
	    .start = day_at,
	    .clinic_name = cfg->clinic_name,
	    .clinic_phone = cs.clinic_phone,
	    .treatment_type = treatment,
	    .aftercare_text = care,
	};
	struct msg_text t = {0};
	/* In the patient's language (English when it has no templates). */
	if ((err = msg_render(db, m->kind, p.language, MSG_EMAIL, &f, &t.subject, &t.text,
			      &t.html)) != 0)
		goto out;
	struct msg_mail mm = {
	    .from_name = cfg->clinic_name,
	    .from_addr = cfg->mail_from,
	    .to_name = p.first_name,
	    .to_addr = m->recipient,
	    .message_id = m->message_id,
	    .date = now,
	    .text = &t,
	};
	*mail = msg_mail_build(&mm);
	msg_text_cleanup(&t);
out:
	free(treatment);
	free(care);
	patient_cleanup(&p);
	return err;
}
