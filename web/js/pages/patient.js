// The patient page: demographics (edit, archive), whether a treatment can be booked,
// plans with their progress and next window, and the appointment history.

import { api, cached, ApiError } from '../api.js';
import { isClinical, isAdmin } from '../session.js';
import { h, replace, statusBadge, confirmDialog, toast, openDialog, input, field, busy, message, checkbox, select, showFormError } from '../ui.js';
import {
  fmtDate, fmtDateDay, fmtRange, fmtTs, dateOf, ageOn, today, errorSentence, conditionName,
  KIND_LABEL, PLAN_STATUS_LABEL, INDICATION_LABEL, label, areaName, areaNames,
} from '../format.js';
import { openEditPatient } from './patients.js';
import { openBooking, loadConditionNames } from '../booking.js';
import { openAppointment } from '../appointment.js';

const REASONS = {
  patient_archived: 'The patient is archived.',
  underage: 'The patient is under 18: treatments are for adults only.',
  contraindicated: 'The latest screening rules out treatment — a practitioner must review the screening.',
  screening_required: 'No screening yet: book a consultation first.',
};

export function patientHeader(p) {
  return h('div', { class: 'patient-head' },
    h('h1', {}, `${p.first_name} ${p.last_name}`),
    h('p', { class: 'sub' },
      `${p.mrn} · born ${fmtDate(p.date_of_birth)} (age ${ageOn(p.date_of_birth, today())})`,
      p.phone ? ` · ${p.phone}` : '',
      p.email ? ` · ${p.email}` : '',
      p.archived ? ' · ' : '', p.archived ? h('span', { class: 'badge status-cancelled' }, 'Archived') : null,
      p.merged_into ? ' · merged into ' : '', p.merged_into ? h('a', { href: `#/patients/${p.merged_into}`, class: 'merged-into' }, 'the chart that holds its records') : null));
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What a merge moves, in words. */
function mergeSummary(m) {
  const parts = [plural(m.plans, 'plan'), plural(m.appointments, 'appointment'),
    plural(m.session_records, 'session record'), plural(m.screenings, 'screening'), plural(m.consents, 'consent')];
  return parts.join(', ');
}

/** An admin merges another chart of the same person into this one: choose it, read what
 * moves, confirm. onMerged() afterwards. */
function openMerge(patient, { onMerged }) {
  const d = openDialog({ title: `Merge a chart into ${patient.first_name} ${patient.last_name}`, wide: true });
  const q = input({ name: 'merge_q', type: 'search', autocomplete: 'off', placeholder: 'Name, chart number, phone or date of birth' });
  const results = h('div', { class: 'results merge-results', 'aria-live': 'polite' });
  let seq = 0;
  let timer = null;

  async function choose(other) {
    try {
      const pv = await api.post(`/patients/${patient.id}/merge`, { from_id: other.id, preview: true });
      const go = h('button', { type: 'button', class: 'danger', 'data-action': 'confirm-merge' }, 'Merge charts');
      go.addEventListener('click', () => busy(go, async () => {
        try {
          await api.post(`/patients/${patient.id}/merge`, { from_id: other.id });
          d.close();
          toast(`Merged ${other.last_name}, ${other.first_name} (${other.mrn}) into this chart.`);
          onMerged();
        } catch (e) {
          if (e instanceof ApiError && e.code === 'unauthenticated') return;
          replace(results, message(errorSentence(e), 'error'));
        }
      }));
      replace(results,
        h('div', { class: 'msg msg-warn merge-summary', role: 'status' },
          h('p', {}, `Everything of ${other.last_name}, ${other.first_name} (${other.mrn}, born ${fmtDate(other.date_of_birth)}) moves to ${patient.first_name} ${patient.last_name} (${patient.mrn}): ${mergeSummary(pv.moved)}.`),
          h('p', {}, `${other.mrn} is then archived and points to this chart. Signed session notes stay exactly as signed. This cannot be undone.`)),
        h('div', { class: 'actions' }, go, h('button', { type: 'button', onclick: search }, 'Back')));
    } catch (e) {
      if (e instanceof ApiError && e.code === 'unauthenticated') return;
      replace(results, message(errorSentence(e), 'error'));
    }
  }

  async function search() {
    const mySeq = ++seq;
    const text = q.value.trim();
    if (!text) {
      replace(results);
      return;
    }
    try {
      const res = await api.get('/patients', { q: text, limit: 20 });
      if (mySeq !== seq) return;
      const others = res.items.filter((o) => o.id !== patient.id);
      replace(results, others.length
        ? h('ul', { class: 'merge-candidates' }, others.map((o) => h('li', { 'data-patient-id': String(o.id) },
          `${o.last_name}, ${o.first_name} · born ${fmtDate(o.date_of_birth)} · ${o.mrn} `,
          h('button', { type: 'button', onclick: () => choose(o) }, 'Choose'))))
        : message('No other chart matches.', 'info'));
    } catch (e) {
      if (e instanceof ApiError && e.code === 'unauthenticated') return;
      replace(results, message(errorSentence(e), 'error'));
    }
  }
  q.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  d.body.append(h('p', {}, 'Find the other chart of this person. Its plans, appointments, session records, screenings and consents move here.'),
    field('Other chart', q), results);
  q.focus();
}

const LANGUAGES = [['en', 'English'], ['de', 'German'], ['es', 'Spanish']];

/** Whether the clinic may write to the patient, and in which language; any role edits it. */
function contactBox(p, onSaved) {
  const lang = (LANGUAGES.find(([c]) => c === p.language) || LANGUAGES[0])[1];
  const allowed = [p.contact_email ? 'e-mail' : null, p.contact_sms ? 'text message' : null].filter(Boolean);
  function edit() {
    const d = openDialog({ title: 'Messages to the patient' });
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Save');
    const form = h('form', { novalidate: true },
      checkbox('May be written to by e-mail', { name: 'contact_email', checked: p.contact_email }),
      checkbox('May be sent text messages', { name: 'contact_sms', checked: p.contact_sms }),
      field('Language', select({ name: 'language' }, LANGUAGES, p.language)),
      h('div', { class: 'actions' }, submit, h('button', { type: 'button', onclick: () => d.close() }, 'Cancel')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const body = {
        contact_email: form.querySelector('[name="contact_email"]').checked,
        contact_sms: form.querySelector('[name="contact_sms"]').checked,
        language: form.querySelector('[name="language"]').value,
      };
      busy(submit, async () => {
        try {
          await api.patch(`/patients/${p.id}`, body);
          d.close();
          toast('Contact choices saved.');
          onSaved();
        } catch (err) {
          if (err instanceof ApiError && err.code === 'unauthenticated') return;
          showFormError(form, errorSentence(err), err);
        }
      });
    });
    d.body.append(form);
    d.focusFirst();
  }
  return h('p', { class: 'contact-consent' },
    h('strong', {}, 'Messages: '),
    allowed.length ? `by ${allowed.join(' and ')}, in ${lang}` : 'none allowed',
    p.contact_changed_at ? h('span', { class: 'hint' }, ` (changed ${fmtTs(p.contact_changed_at)})`) : null, ' ',
    h('button', { type: 'button', class: 'link-button', 'data-action': 'contact', onclick: edit }, 'Change'));
}

export function bookableBox(b) {
  if (!b) return null;
  if (b.bookable) {
    const parts = [h('strong', {}, '✓ Bookable for treatment.')];
    if (b.caution) {
      parts.push(' Caution: ', isClinical() && b.cautions && b.cautions.length
        ? b.cautions.map(conditionName).join(', ')
        : 'the screening has caution conditions, reviewed at each session.');
    }
    return h('div', { class: `msg ${b.caution ? 'msg-warn' : 'msg-ok'} bookable`, role: 'status' }, parts);
  }
  const reasons = (b.reasons || []).map((r) => {
    if (r === 'contraindicated' && isClinical() && ((b.conditions && b.conditions.length) || (b.needs_clearance && b.needs_clearance.length))) {
      const bits = [];
      if (b.conditions && b.conditions.length) bits.push(`screening shows ${b.conditions.map(conditionName).join(', ')}`);
      if (b.needs_clearance && b.needs_clearance.length) bits.push(`${b.needs_clearance.map(conditionName).join(', ')} needs a doctor's clearance`);
      return `Contraindicated: ${bits.join('; ')}.`;
    }
    return REASONS[r] || r;
  });
  return h('div', { class: 'msg msg-error bookable', role: 'status' },
    h('strong', {}, '✗ Not bookable for treatment. '), reasons.join(' '));
}

/** A progress bar: completed and booked sessions of the planned number. */
export function planProgress(pr) {
  const bar = h('div', { class: 'progress', role: 'img', 'aria-label': `${pr.completed} completed and ${pr.booked} booked of ${pr.planned} sessions` });
  const done = h('span', { class: 'progress-done' });
  const booked = h('span', { class: 'progress-booked' });
  done.style.width = `${(100 * pr.completed) / pr.planned}%`;
  booked.style.width = `${(100 * Math.max(0, pr.booked - pr.completed)) / pr.planned}%`;
  bar.append(done, booked);
  return h('div', { class: 'progress-wrap' }, bar,
    h('span', { class: 'progress-text' }, `${pr.completed} completed · ${pr.booked} booked · ${pr.planned} planned`));
}

export function planCard(plan, types, practitioners, extra) {
  const t = types.find((x) => x.code === plan.treatment_type);
  const pr = plan.progress;
  const who = (practitioners.items.find((x) => x.id === plan.practitioner_id) || {}).display_name || '';
  let next;
  if (plan.status !== 'active') next = `Plan ${label(PLAN_STATUS_LABEL, plan.status).toLowerCase()}.`;
  else if (pr.next_window) next = `Next session (${pr.booked + 1} of ${pr.planned}) due ${fmtDate(pr.next_window.from)} – ${fmtDate(pr.next_window.to)}.`;
  else if (pr.booked >= pr.planned) next = 'Every planned session is booked.';
  else next = 'First session not booked yet.';
  return h('article', { class: 'plan-card' },
    h('h3', {}, `${t ? t.name : plan.treatment_type} — ${label(INDICATION_LABEL, plan.indication)}`, ' ', statusBadge(plan.status, PLAN_STATUS_LABEL)),
    h('p', { class: 'sub' }, `Areas: ${plan.areas.map(areaName).join(', ')} · every ${plan.min_interval_days}–${plan.max_interval_days} days · ${who}`),
    planProgress(pr),
    h('p', {}, next),
    plan.override_reason ? h('p', { class: 'sub override' }, `Outside the treatment type's bounds: ${plan.override_reason}`) : null,
    extra || null);
}

export async function render(root, { params, isCurrent }) {
  const id = Number(params[0]);
  let patient = await api.get(`/patients/${id}`);
  const [bookable, plans, appts, types, practitioners, areas] = await Promise.all([
    api.get(`/patients/${id}/bookable`),
    api.get(`/patients/${id}/plans`),
    api.get('/appointments', { patient_id: id, limit: 500 }),
    cached('/catalog/treatment-types'),
    cached('/practitioners'),
    cached('/catalog/areas'),
    isClinical() ? loadConditionNames() : null,
  ]);
  if (!isCurrent()) return;
  for (const a of areas.items) areaNames.set(a.code, a.name);

  const reload = () => render(root, { params, isCurrent });

  const book = (plan) => openBooking({
    patient,
    kind: plan ? 'treatment' : 'consultation',
    planId: plan ? plan.id : undefined,
    practitionerId: plan ? plan.practitioner_id : undefined,
    date: plan && plan.progress.next_window && plan.progress.next_window.from > today() ? plan.progress.next_window.from : today(),
    onBooked: reload,
  });

  async function archive() {
    const ok = await confirmDialog('Archive patient', `Archive ${patient.first_name} ${patient.last_name}? Nothing is deleted: the record stays and can be found with "Include archived".`, 'Archive', { danger: true });
    if (!ok) return;
    try {
      patient = await api.post(`/patients/${id}/archive`, {});
      toast('Patient archived.');
      reload();
    } catch (e) {
      if (e instanceof ApiError && e.code === 'unauthenticated') return;
      toast(errorSentence(e), 'error');
    }
  }

  const actions = h('div', { class: 'actions' },
    h('button', { type: 'button', class: 'primary', onclick: () => book(null), disabled: patient.archived }, 'Book appointment'),
    h('button', { type: 'button', onclick: () => openEditPatient(patient, { onSaved: reload }) }, 'Edit details'),
    isClinical() ? h('a', { class: 'button', href: `#/patients/${id}/chart` }, 'Open chart') : null,
    isAdmin() && !patient.archived ? h('button', { type: 'button', 'data-action': 'merge', onclick: () => openMerge(patient, { onMerged: reload }) }, 'Merge another chart') : null,
    patient.archived ? null : h('button', { type: 'button', class: 'danger-outline', onclick: archive }, 'Archive'));

  const planList = plans.items.length
    ? plans.items.map((p) => planCard(p, types.items, practitioners,
      p.status === 'active' && p.progress.booked < p.progress.planned && !patient.archived
        ? h('button', { type: 'button', onclick: () => book(p) }, `Book session ${p.progress.booked + 1}`)
        : null))
    : [h('p', {}, isClinical() ? 'No plans yet. Create one in the chart.' : 'No plans yet. A practitioner creates plans in the patient chart.')];

  const sorted = [...appts.items].sort((a, b) => b.start.localeCompare(a.start));
  const history = sorted.length
    ? h('table', { class: 'list' },
      h('thead', {}, h('tr', {}, ['Date', 'Time', 'Kind', 'Session', 'Practitioner', 'Room', 'Status'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, sorted.map((a) => h('tr', {},
        h('td', {}, h('button', { type: 'button', class: 'link-button', onclick: () => openAppointment(a, { onChange: reload }) }, fmtDateDay(dateOf(a.start)) + (dateOf(a.start).slice(0, 4) !== today().slice(0, 4) ? ` ${dateOf(a.start).slice(0, 4)}` : ''))),
        h('td', {}, fmtRange(a.start, a.end)),
        h('td', {}, `${KIND_LABEL[a.kind]}${a.treatment_type ? ` ${a.treatment_type}` : ''}`),
        h('td', {}, a.session_label || '—'),
        h('td', {}, a.practitioner_name),
        h('td', {}, a.room_name),
        h('td', {}, statusBadge(a.status), a.late_cancel ? ' (late)' : '')))))
    : h('p', {}, 'No appointments yet.');

  replace(root,
    patientHeader(patient),
    actions,
    contactBox(patient, reload),
    bookableBox(bookable),
    patient.notes ? h('p', { class: 'notes' }, h('strong', {}, 'Notes: '), patient.notes) : null,
    h('section', { 'aria-labelledby': 'plans-h' }, h('h2', { id: 'plans-h' }, 'Treatment plans'), planList),
    h('section', { 'aria-labelledby': 'hist-h' }, h('h2', { id: 'hist-h' }, 'Appointments'), history));
}
