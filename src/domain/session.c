/* Exact decimal depths, the depth rule and what signing a session record needs. */
#include "domain/session.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/model.h"
#include "domain/schedule.h"
#include "util/err.h"

void session_record_cleanup(struct session_record *r)
{
	free(r->numbing_product);
	free(r->device);
	free(r->device_model);
	free(r->cartridge_lot);
	for (size_t i = 0; i < r->nareas; i++) {
		free(r->areas[i].area);
		free(r->areas[i].override_reason);
	}
	free(r->areas);
	free(r->prp.route);
	free(r->prp.kit_lot);
	for (size_t i = 0; i < r->nproducts; i++)
		free(r->products[i]);
	free(r->products);
	free(r->endpoint);
	for (size_t i = 0; i < r->nreactions; i++)
		free(r->reactions[i].type);
	free(r->reactions);
	free(r->notes);
	memset(r, 0, sizeof *r);
}

void addenda_free(struct addendum *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i].text);
	free(list);
}

const char *session_status_name(int status)
{
	return status == SESSION_SIGNED ? "signed" : status == SESSION_DRAFT ? "draft" : NULL;
}

int session_status_parse(const char *s)
{
	if (!s)
		return 0;
	if (strcmp(s, "draft") == 0)
		return SESSION_DRAFT;
	if (strcmp(s, "signed") == 0)
		return SESSION_SIGNED;
	return 0;
}

bool decimal_from_double(double v, int decimals, int *out)
{
	static const double scale[] = {1.0, 10.0, 100.0};
	if (decimals < 0 || decimals > 2 || !isfinite(v) || fabs(v) > 1e7)
		return false;
	long long r = (long long)nearbyint(v * scale[decimals]), a = r < 0 ? -r : r;
	/* Exactly that many decimals: v must be the very number its decimal text reads as.
	 * 1.35 is 134.99999999999997 after scaling but is the number "1.35" reads as;
	 * 0.19999999999999, 0.30000000000000004 and 1.355 are numbers of their own, refused
	 * rather than rounded. */
	char text[40];
	long long div = decimals == 2 ? 100 : decimals == 1 ? 10 : 1;
	if (decimals)
		snprintf(text, sizeof text, "%s%lld.%0*lld", r < 0 ? "-" : "", a / div, decimals,
			 a % div);
	else
		snprintf(text, sizeof text, "%lld", r);
	if (strtod(text, NULL) != v)
		return false;
	*out = (int)r;
	return true;
}

void decimal_format(int scaled, int decimals, char *buf, size_t n)
{
	int div = decimals == 2 ? 100 : decimals == 1 ? 10 : 1;
	int whole = abs(scaled) / div, frac = abs(scaled) % div;
	const char *sign = scaled < 0 ? "-" : "";
	if (frac == 0)
		snprintf(buf, n, "%s%d", sign, whole);
	else if (decimals == 2 && frac % 10 == 0)
		snprintf(buf, n, "%s%d.%d", sign, whole, frac / 10);
	else if (decimals == 2)
		snprintf(buf, n, "%s%d.%02d", sign, whole, frac);
	else
		snprintf(buf, n, "%s%d.%d", sign, whole, frac);
}

int rules_depth(int depth_hmm, int area_max_hmm, bool has_override_reason)
{
	if (depth_hmm < DEPTH_MIN_HMM || depth_hmm > DEPTH_MAX_HMM)
		return -ERR_VALIDATION_FAILED;
	if (depth_hmm > area_max_hmm && !has_override_reason)
		return -ERR_DEPTH_EXCEEDS_AREA_MAX;
	return 0;
}

const char *sign_missing_name(int index)
{
	static const char *const names[SIGN_MISSING_ALL] = {
	    "areas", "screening_confirmed", "consent", "prp", "caution_reviewed", "checked_in"};
	return index >= 0 && index < SIGN_MISSING_ALL ? names[index] : NULL;
}

static bool prp_complete(const struct prp_details *p)
{
	return p->present && p->blood_ml10 > 0 && p->spin_minutes > 0 && p->spin_rcf > 0 &&
	       p->prp_ml10 > 0 && p->route && *p->route;
}

unsigned rules_sign_missing(const struct sign_facts *f)
{
	unsigned m = 0;
	const struct session_record *r = f->r;
	if (r->nareas == 0)
		m |= MISSING_AREAS;
	/* The screening must have been confirmed on the session's own day. */
	if (!r->screening_confirmed_at || f->confirmed_day != f->session_day)
		m |= MISSING_SCREENING;
	if (!f->has_consent)
		m |= MISSING_CONSENT;
	if (f->uses_prp && !prp_complete(&r->prp))
		m |= MISSING_PRP;
	if (f->has_cautions && !r->caution_reviewed)
		m |= MISSING_CAUTION;
	/* A note is signed for a visit that took place: the patient was checked in. */
	if (!f->checked_in)
		m |= MISSING_CHECKED_IN;
	return m;
}

int rules_sign_actor(unsigned role, int64_t user_id, int64_t appt_practitioner_id)
{
	if (role != ROLE_PRACTITIONER)
		return -ERR_FORBIDDEN;
	return appt_practitioner_id && user_id != appt_practitioner_id ? -ERR_FORBIDDEN : 0;
}

int rules_record_writable(bool signed_record, int appt_status)
{
	if (signed_record)
		return -ERR_LOCKED;
	if (appt_status == APPT_CANCELLED || appt_status == APPT_NO_SHOW)
		return -ERR_BAD_TRANSITION;
	return 0;
}

int rules_numbing(int64_t applied_at, int64_t removed_at, bool *short_dwell)
{
	*short_dwell = false;
	if (!applied_at || !removed_at)
		return 0;
	if (removed_at < applied_at)
		return -ERR_VALIDATION_FAILED;
	*short_dwell = removed_at - applied_at < NUMBING_MIN_DWELL_S;
	return 0;
}
