// Dates, times and the sentences the UI shows for the API's codes.
//
// Times from the API are RFC 3339 strings that carry the clinic's own offset, so the
// wall-clock part of the string is already the clinic's local time: it is read from the
// string, never through the browser's time zone. Dates are YYYY-MM-DD strings and date
// arithmetic is done in UTC so that the browser's zone cannot shift a day.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
export const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

const TS_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

// Offsets the server used, by clinic-local date, learnt from every time read.
const offsets = new Map();
let nowOffset = null;
let clinicToday = null;
const OFFSET_KEY = 'collagenda.clinic-offset';

/** Splits an RFC 3339 time into its clinic-local date, HH:MM and offset. */
export function parseTs(ts) {
  const m = TS_RE.exec(ts || '');
  if (!m) return null;
  const offset = m[5] === 'Z' ? '+00:00' : m[5];
  if (!offsets.has(m[1])) offsets.set(m[1], offset);
  return { date: m[1], time: `${m[2]}:${m[3]}`, minutes: Number(m[2]) * 60 + Number(m[3]), offset };
}

/**
 * Remembers the clinic's current UTC offset from a time the server wrote recently (the
 * login's expires_at, an appointment of this week). Kept for the tab's life so that a
 * reload still knows it.
 */
export function learnClinicOffset(ts) {
  const p = parseTs(ts);
  if (!p) return;
  nowOffset = p.offset;
  try {
    sessionStorage.setItem(OFFSET_KEY, p.offset);
  } catch {
    // Storage may be unavailable; the offset is then learnt again after a reload.
  }
}

function storedOffset() {
  if (nowOffset) return nowOffset;
  try {
    const v = sessionStorage.getItem(OFFSET_KEY);
    if (/^[+-]\d{2}:\d{2}$/.test(v || '')) nowOffset = v;
  } catch {
    // As above.
  }
  return nowOffset;
}

export function knowsClinicOffset() {
  return !!storedOffset();
}

export function setClinicToday(date) {
  if (/^\d{4}-\d{2}-\d{2}$/.test(date || '')) clinicToday = date;
}

/** The clinic's today (learnt from the day sheet), else the browser's local date. */
export function today() {
  if (clinicToday) return clinicToday;
  const d = new Date();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function pad(n) {
  return String(n).padStart(2, '0');
}

function browserOffset(date, hhmm) {
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi] = (hhmm || '12:00').split(':').map(Number);
  const off = -new Date(y, mo - 1, d, h, mi).getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

let clinicZone = null;

/** The clinic's IANA zone name from the server (login, /me); null when it did not say. */
export function setClinicZone(name) {
  if (!name) return;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    clinicZone = name;
  } catch {
    clinicZone = null; // a zone this browser does not know: fall back to learnt offsets
  }
}

/** The zone's offset in minutes at the instant t (ms since the epoch). */
function zoneOffsetAt(t) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: clinicZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(t));
  const v = Object.fromEntries(parts.map((p) => [p.type, p.value]));
  const wall = Date.UTC(+v.year, +v.month - 1, +v.day, +v.hour, +v.minute, +v.second);
  return Math.round((wall - t) / 60000);
}

function zoneOffset(date, hhmm) {
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi] = (hhmm || '12:00').split(':').map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  // The offset at the wall time read as UTC, then again at the instant that gives:
  // this settles on the right side of a daylight-saving change.
  const off = zoneOffsetAt(wall - zoneOffsetAt(wall) * 60000);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/**
 * The clinic's current date and minute of the day: from the clinic's zone when the server
 * named it, else from the clinic's offset learnt from the server, else the browser's clock.
 */
export function clinicNow(t = Date.now()) {
  let off;
  if (clinicZone) {
    off = zoneOffsetAt(t);
  } else {
    const o = /^([+-])(\d{2}):(\d{2})$/.exec(storedOffset() || '');
    off = o ? (o[1] === '-' ? -1 : 1) * (Number(o[2]) * 60 + Number(o[3])) : -new Date(t).getTimezoneOffset();
  }
  const d = new Date(t + off * 60000);
  return {
    date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    minutes: d.getUTCHours() * 60 + d.getUTCMinutes(),
  };
}

/**
 * The clinic's UTC offset at a clinic-local date and time: from the clinic's zone when
 * the server named it; otherwise the offset the server itself used on that date when known; else,
 * when the browser keeps the clinic's time (same offset now), the browser's offset on
 * that date, which follows daylight saving; else the offset the server used on the
 * nearest date it wrote; else the clinic's current offset.
 */
export function offsetFor(date, hhmm) {
  if (clinicZone) return zoneOffset(date, hhmm);
  if (offsets.has(date)) return offsets.get(date);
  const clinicNow = storedOffset();
  const d = new Date();
  const browserNow = browserOffset(`${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`, `${pad(d.getHours())}:${pad(d.getMinutes())}`);
  if (!clinicNow || clinicNow === browserNow) return browserOffset(date, hhmm);
  let best = null;
  for (const [k, v] of offsets) {
    const dist = Math.abs(daysBetween(k, date));
    if (!best || dist < best[0]) best = [dist, v];
  }
  return best ? best[1] : clinicNow;
}

/** Builds an RFC 3339 time from a clinic-local date and HH:MM. */
export function toTs(date, hhmm) {
  return `${date}T${hhmm}:00${offsetFor(date, hhmm)}`;
}

export function timeOf(ts) {
  const p = parseTs(ts);
  return p ? p.time : '';
}

export function dateOf(ts) {
  const p = parseTs(ts);
  return p ? p.date : '';
}

function ymd(date) {
  const [y, m, d] = date.split('-').map(Number);
  return { y, m, d };
}

function utc(date) {
  const { y, m, d } = ymd(date);
  return Date.UTC(y, m - 1, d);
}

function fromUtc(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

export function addDays(date, n) {
  return fromUtc(utc(date) + n * 86400000);
}

export function daysBetween(a, b) {
  return Math.round((utc(b) - utc(a)) / 86400000);
}

/** ISO weekday, Monday = 1 ... Sunday = 7. */
export function isoWeekday(date) {
  const wd = new Date(utc(date)).getUTCDay();
  return wd === 0 ? 7 : wd;
}

/** "12 Jan" (with the year when it is not the clinic's current year). */
export function fmtDate(date) {
  if (!date) return '';
  const { y, m, d } = ymd(date);
  const sameYear = String(y) === today().slice(0, 4);
  return `${d} ${MONTHS[m - 1]}${sameYear ? '' : ` ${y}`}`;
}

/** "Mon 12 Jan 2026". */
export function fmtDateLong(date) {
  if (!date) return '';
  const { y, m, d } = ymd(date);
  return `${WEEKDAYS[isoWeekday(date) - 1]} ${d} ${MONTHS[m - 1]} ${y}`;
}

/** "Mon 12 Jan". */
export function fmtDateDay(date) {
  if (!date) return '';
  const { m, d } = ymd(date);
  return `${WEEKDAYS[isoWeekday(date) - 1]} ${d} ${MONTHS[m - 1]}`;
}

export function fmtTs(ts) {
  const p = parseTs(ts);
  return p ? `${fmtDate(p.date)}, ${p.time}` : '';
}

export function fmtTsLong(ts) {
  const p = parseTs(ts);
  return p ? `${fmtDateLong(p.date)}, ${p.time}` : '';
}

export function fmtRange(start, end) {
  return `${timeOf(start)}–${timeOf(end)}`;
}

export function minutesToHhmm(min) {
  return `${pad(Math.floor(min / 60))}:${pad(min % 60)}`;
}

export function hhmmToMinutes(s) {
  const m = /^(\d{1,2}):(\d{2})/.exec(s || '');
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/**
 * A practitioner's time off on a clinic-local date, from their availability:
 * [{from, to, reason}] in minutes of that day.
 */
export function timeOffOn(avail, date) {
  const out = [];
  for (const off of (avail && avail.time_off) || []) {
    const s = parseTs(off.start);
    const e = parseTs(off.end);
    if (!s || !e || s.date > date || e.date < date) continue;
    const from = s.date < date ? 0 : s.minutes;
    const to = e.date > date ? 24 * 60 : e.minutes;
    if (to > from) out.push({ from, to, reason: off.reason || 'no reason given' });
  }
  return out;
}

/** A length of time: "45 min", "1 h", "1 h 15 min". */
export function fmtDuration(min) {
  const m = Math.round(Number(min));
  if (!Number.isFinite(m) || m < 0) return '';
  const hours = Math.floor(m / 60);
  const rest = m % 60;
  if (!hours) return `${rest} min`;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

/** Minutes between two RFC 3339 times. */
export function durationMin(start, end) {
  return Math.round((Date.parse(end) - Date.parse(start)) / 60000);
}

export function ageOn(dob, date) {
  const a = ymd(dob);
  const b = ymd(date);
  let age = b.y - a.y;
  if (b.m < a.m || (b.m === a.m && b.d < a.d)) age -= 1;
  return age;
}

// ---- labels ----

export const STATUS_LABEL = {
  booked: 'Booked',
  checked_in: 'Checked in',
  completed: 'Completed',
  cancelled: 'Cancelled',
  no_show: 'No-show',
};

export const KIND_LABEL = { consultation: 'Consultation', treatment: 'Treatment', review: 'Review' };

export const ROLE_LABEL = { admin: 'Admin', front_desk: 'Front desk', practitioner: 'Practitioner' };

export const PLAN_STATUS_LABEL = {
  active: 'Active',
  completed: 'Completed',
  on_hold: 'On hold',
  cancelled: 'Cancelled',
};

export const INDICATION_LABEL = {
  fine_lines: 'Fine lines',
  acne_scars: 'Acne scars',
  scars: 'Scars',
  stretch_marks: 'Stretch marks',
  hyperpigmentation: 'Hyperpigmentation',
  pores: 'Enlarged pores',
  rejuvenation: 'Rejuvenation',
};

export const SEVERITY_LABEL = {
  block: 'Blocks treatment',
  clearance: "Needs a doctor's clearance",
  caution: 'Caution',
};

export const ENDPOINT_LABEL = {
  erythema: 'Erythema',
  uniform_erythema: 'Uniform erythema',
  pinpoint_bleeding: 'Pinpoint bleeding',
  petechiae: 'Petechiae',
};

export const DEVICE_LABEL = { pen: 'Pen', roller: 'Roller', stamp: 'Stamp' };

export function label(map, code) {
  return (code && map[code]) || humanize(code);
}

export function humanize(code) {
  if (!code) return '';
  const s = String(code).replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many || `${one}s`}`;
}

/** Names for condition codes, filled from the catalog when loaded. */
export const conditionNames = new Map();

export function conditionName(code) {
  return conditionNames.get(code) || humanize(code);
}

/** Names for area codes, filled from the catalog when loaded. */
export const areaNames = new Map();

export function areaName(code) {
  return areaNames.get(code) || humanize(code);
}

function list(items) {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

// ---- sentences for the API's codes ----

const PARTY = {
  practitioner: 'The practitioner already has an appointment at that time',
  room: 'The room is already in use at that time',
  patient: 'The patient already has an appointment at that time',
};

const MISSING = {
  areas: 'Record the depth for at least one area.',
  screening_confirmed: 'Confirm the screening today.',
  consent: "Record the patient's consent for this treatment type (in the patient chart).",
  prp: 'Fill in the PRP details (blood drawn, spin, PRP obtained, route).',
  caution_reviewed: "Tick that you reviewed the patient's caution conditions.",
  checked_in: 'Check the patient in first: a note is signed for a visit that took place.',
};

export function missingSentence(code) {
  return MISSING[code] || humanize(code);
}

/**
 * A plain sentence with the facts for an API error. ctx may give: sessionAt(ts) → the
 * session number of the plan's appointment starting at ts; role; practitionerName(id).
 */
export function errorSentence(err, ctx = {}) {
  const d = (err && err.details) || {};
  switch (err && err.code) {
    case 'spacing_too_short': {
      if (d.earliest) {
        const prev = d.previous_start && ctx.sessionAt ? ctx.sessionAt(d.previous_start) : null;
        if (prev) {
          return `Too early: session ${prev + 1} can be booked from ${fmtDate(d.earliest)}, ${d.min_interval_days} days after session ${prev}.`;
        }
        const on = d.previous_start ? ` on ${fmtDate(dateOf(d.previous_start))}` : '';
        return `Too early: this session can be booked from ${fmtDate(d.earliest)}, ${d.min_interval_days} days after the previous session${on}.`;
      }
      if (d.latest) {
        const next = d.next_start && ctx.sessionAt ? ctx.sessionAt(d.next_start) : null;
        const who = next ? `session ${next}` : 'the following session';
        const on = d.next_start ? ` on ${fmtDate(dateOf(d.next_start))}` : '';
        return `Too close to ${who}${on}: this session must be on ${fmtDate(d.latest)} or earlier, ${d.min_interval_days} days before it.`;
      }
      return `Too early: sessions of this plan are at least ${d.min_interval_days} days apart.`;
    }
    case 'underage':
      return 'Not bookable: the patient is under 18 on that date. Treatments are for adults only.';
    case 'contraindicated': {
      if (d.restricted) {
        const n = d.count ? ` (${plural(d.count, 'condition')})` : '';
        return `Not bookable: the latest screening rules out treatment${n} — a practitioner must review the screening.`;
      }
      const parts = [];
      if (d.conditions && d.conditions.length) {
        parts.push(`the latest screening shows ${list(d.conditions.map(conditionName))}`);
      }
      if (d.needs_clearance && d.needs_clearance.length) {
        parts.push(`${list(d.needs_clearance.map(conditionName))} needs a doctor's clearance recorded first`);
      }
      return `Not bookable: ${parts.length ? list(parts) : 'the screening rules out treatment'}.`;
    }
    case 'screening_required':
      return 'Not bookable yet: the patient has no screening. Book a consultation, or a practitioner records a screening first.';
    case 'plan_full':
      return d.planned
        ? `The plan is full: all ${d.planned} planned sessions are already booked.`
        : 'The plan is full: every planned session is already booked.';
    case 'plan_not_active':
      return `The plan is ${label(PLAN_STATUS_LABEL, d.status).toLowerCase() || 'not active'}: only an active plan takes bookings.`;
    case 'conflict':
      return `${PARTY[d.with] || 'That time overlaps another appointment'}.`;
    case 'outside_hours': {
      const who = d.practitioner_id && ctx.practitionerName ? ctx.practitionerName(d.practitioner_id) : 'The practitioner';
      return `Outside working hours: ${who} does not work at that time (or is off).`;
    }
    case 'room_unsuitable':
      return d.needs === 'treatment'
        ? 'That room is a consultation room: a treatment needs a treatment room (an admin may override with a reason).'
        : 'That room is not equipped for this kind of visit.';
    case 'undo_expired':
      return 'Too late to undo: a check-in, no-show or cancellation can be undone only within 5 minutes.';
    case 'undo_not_yours':
      return 'Only the person who made this change can undo it.';
    case 'bad_transition':
      return d.status
        ? `Not possible: the appointment is ${label(STATUS_LABEL, d.status).toLowerCase()}.`
        : 'Not possible in the current state.';
    case 'not_signable': {
      const m = (d.missing || []).map(missingSentence);
      return `The note cannot be signed yet. Still needed: ${m.join(' ')}`;
    }
    case 'locked':
      return 'This note is signed and can no longer change. Add an addendum instead.';
    case 'patient_archived':
      return 'The patient is archived.';
    case 'not_treatment':
      return 'Only treatment appointments of a plan have a session note.';
    case 'duplicate':
      return 'That name is already taken.';
    case 'last_admin':
      return 'Not possible: the clinic would be left without an active admin.';
    case 'possible_duplicate':
      return 'This patient may already be registered: open the existing chart, or create the patient anyway.';
    case 'merge_same_chart':
      return 'A chart cannot be merged into itself.';
    case 'merge_target_archived':
      return 'Charts are merged into an active chart: this one is archived or was merged.';
    case 'already_merged':
      return 'That chart was already merged into another.';
    case 'depth_exceeds_area_max':
      return `Deeper than the area's maximum${d.max_depth_mm ? ` of ${d.max_depth_mm} mm` : ''}${d.area ? ` (${d.area})` : ''}: give an override reason.`;
    case 'forbidden':
      return d.reason === 'csrf'
        ? 'The page was out of date; please try again.'
        : 'Your role may not do this.';
    case 'not_found':
      return 'Not found: it may have been changed by someone else.';
    case 'unauthenticated':
      return d.reason === 'expired' ? 'Your session has expired. Please log in again.' : 'Please log in.';
    case 'too_many_requests':
      return 'Too many attempts. Wait a few minutes and try again.';
    case 'busy':
    case 'storage_unavailable':
      return 'The server is busy. Please try again in a moment.';
    case 'network':
      return 'The server cannot be reached. Check the connection and try again.';
    default:
      return (err && err.message) || 'Something went wrong.';
  }
}

/** A plain sentence for a rule warning. */
export function warningSentence(w, ctx = {}) {
  switch (w.code) {
    case 'caution':
      if (w.restricted || !(w.conditions && w.conditions.length)) {
        return `Caution: the patient's screening has ${w.count ? plural(w.count, 'caution condition') : 'caution conditions'}; the practitioner will review them at the session.`;
      }
      return `Caution: ${list(w.conditions.map(conditionName))} — review before treating.`;
    case 'spacing_beyond_max':
      if (w.side === 'next') {
        return `More than the maximum spacing before the following session (latest ${fmtDate(w.latest)}).`;
      }
      return `Later than the plan's maximum spacing: the latest recommended date was ${fmtDate(w.latest)}.`;
    case 'consent_missing':
      return `No consent on file for ${w.treatment_type || 'this treatment'} yet: it is needed before the session note can be signed.`;
    case 'area_not_in_plan':
      return `${areaName(w.area)} is not one of the plan's areas.`;
    case 'short_numbing_dwell':
      return `Numbing cream was on for only ${w.minutes} minutes (under 15).`;
    case 'bookings_outside_hours':
      return `${plural((w.appointment_ids || []).length, 'booked appointment')} now ${(w.appointment_ids || []).length === 1 ? 'lies' : 'lie'} outside the practitioner's hours: call the patients to move them.`;
    default:
      return humanize(w.code);
  }
}
