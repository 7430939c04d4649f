// The patient chart (practitioners and admins): screening built from the condition
// catalog, screening history, consent capture, plan creation from the treatment-type
// defaults, the plans, and the treatment history with links to the session notes.

import { api, cached, ApiError } from '../api.js';
import { session } from '../session.js';
import {
  h, append, replace, field, input, select, textarea, checkbox, message, showFormError, clearErrors,
  busy, toast, statusBadge, val, num,
} from '../ui.js';
import {
  errorSentence, fmtTs, fmtDate, dateOf, SEVERITY_LABEL, INDICATION_LABEL,
  PLAN_STATUS_LABEL, conditionNames, conditionName, label, areaNames, areaName,
} from '../format.js';
import { patientHeader, bookableBox, planCard } from './patient.js';
import { openBooking } from '../booking.js';
import { photoSection } from '../photos.js';

const SEVERITY_ORDER = ['block', 'clearance', 'caution'];
const NOTE_STATUS = { draft: 'Draft', signed: 'Signed' };
const SEVERITY_TAG = { block: 'block', clearance: 'clearance', caution: 'caution' };

// The new screening starts from the latest one's answers. Unticking a condition the
// latest screening recorded asks to confirm that it is resolved: the server refuses a
// screening that drops one silently.
function screeningForm(patientId, conditions, onSaved, previous) {
  const form = h('form', { class: 'screening-form', novalidate: true });
  const before = new Set(previous ? previous.conditions : []);
  const clearedBefore = new Map((previous ? previous.clearances : []).map((c) => [c.condition, c]));
  const groups = SEVERITY_ORDER.map((sev) => {
    const rows = conditions.filter((c) => c.severity === sev && c.active);
    if (!rows.length) return null;
    return h('fieldset', { class: `severity-group severity-${sev}` },
      h('legend', {}, SEVERITY_LABEL[sev]),
      rows.map((c) => {
        const cb = checkbox(h('span', {}, c.name, ' ', h('span', { class: `sev-tag sev-${sev}` }, SEVERITY_TAG[sev])), { name: `cond_${c.code}`, value: c.code });
        const box = cb.querySelector('input');
        box.checked = before.has(c.code);
        const resolved = before.has(c.code)
          ? h('div', { class: 'resolved-confirm', hidden: true },
            checkbox(`Resolved since the last screening: ${c.name}`, { name: `resolved_${c.code}`, value: c.code }))
          : null;
        const parts = [cb, resolved];
        if (sev === 'clearance') {
          const prev = clearedBefore.get(c.code);
          const clearance = h('div', { class: 'clearance', hidden: !box.checked },
            field(`Cleared by (${c.name})`, input({ name: `cleared_by_${c.code}`, maxlength: 100, placeholder: 'Doctor giving the clearance', value: prev ? prev.cleared_by : '' }),
              { hint: 'Leave empty when no clearance has been given: treatment stays refused.' }),
            field(`Clearance note (${c.name})`, textarea({ name: `clearance_note_${c.code}`, rows: 2, maxlength: 1000 })));
          box.addEventListener('change', () => { clearance.hidden = !box.checked; });
          parts.push(clearance);
        }
        if (resolved) box.addEventListener('change', () => { resolved.hidden = box.checked; });
        return h('div', { class: 'clearance-wrap' }, parts);
      }));
  });
  const notes = textarea({ name: 'notes', rows: 2, maxlength: 2000 });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Record screening');
  append(form, [
    h('p', { class: 'hint' }, 'Tick every condition the patient has today. Unticked means no. Each screening is kept; the latest counts.'),
    h('div', { class: 'severity-groups' }, groups),
    field('Screening notes (optional)', notes),
    h('div', { class: 'actions' }, submit)]);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    const chosen = conditions.filter((c) => form.querySelector(`[name="cond_${c.code}"]`)?.checked).map((c) => c.code);
    const clearances = [];
    for (const code of chosen) {
      const by = val(form, `cleared_by_${code}`);
      if (by) clearances.push({ condition: code, cleared_by: by, note: val(form, `clearance_note_${code}`) });
    }
    const resolved = [...before].filter((code) => !chosen.includes(code)
      && form.querySelector(`[name="resolved_${code}"]`)?.checked);
    const body = { conditions: chosen, clearances };
    if (resolved.length) body.resolved = resolved;
    if (notes.value.trim()) body.notes = notes.value.trim();
    busy(submit, async () => {
      try {
        const s = await api.post(`/patients/${patientId}/screenings`, body);
        toast(chosen.length ? `Screening recorded: ${chosen.map(conditionName).join(', ')}.` : 'Screening recorded: no conditions.');
        onSaved(s);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'unauthenticated') return;
        showFormError(form, errorSentence(err), err);
      }
    });
  });
  return form;
}

function screeningHistory(items, users) {
  if (!items.length) return message('No screening recorded yet: treatments cannot be booked until one is.', 'warn');
  return h('ol', { class: 'history' }, items.map((s) => h('li', {},
    h('strong', {}, fmtTs(s.recorded_at)), ` by ${users(s.recorded_by)} — `,
    s.conditions.length ? s.conditions.map(conditionName).join(', ') : 'no conditions',
    (s.blocking && s.blocking.length) ? h('span', { class: 'badge status-no_show' }, h('span', { class: 'badge-icon', 'aria-hidden': 'true' }), 'Blocks treatment') : null,
    (s.needs_clearance && s.needs_clearance.length) ? h('span', { class: 'badge status-no_show' }, h('span', { class: 'badge-icon', 'aria-hidden': 'true' }), `Needs clearance: ${s.needs_clearance.map(conditionName).join(', ')}`) : null,
    (s.cautions && s.cautions.length) ? h('span', { class: 'badge status-checked_in' }, h('span', { class: 'badge-icon', 'aria-hidden': 'true' }), `Caution: ${s.cautions.map(conditionName).join(', ')}`) : null,
    s.clearances.length ? h('ul', {}, s.clearances.map((c) => h('li', {}, `${conditionName(c.condition)} cleared by ${c.cleared_by} on ${fmtTs(c.cleared_at)}${c.note ? ` — ${c.note}` : ''}`))) : null,
    s.notes ? h('p', { class: 'sub' }, s.notes) : null)));
}

function consentForm(patientId, types, patient, onSaved) {
  const type = select({ name: 'treatment_type' }, types.map((t) => [t.code, `${t.name} (${t.code})`]), types[0]?.code);
  const version = input({ name: 'form_version', value: 'v1', maxlength: 40 });
  const signed = input({ name: 'signed_name', maxlength: 100, autocomplete: 'off' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Record consent');
  const form = h('form', { class: 'consent-form', novalidate: true },
    h('div', { class: 'grid-3' },
      field('Treatment type', type),
      field('Consent form version', version),
      field('Signed name (typed by the patient)', signed, { hint: `The patient types their full name, e.g. "${patient.first_name} ${patient.last_name}".` })),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = { treatment_type: type.value, form_version: version.value.trim(), signed_name: signed.value.trim() };
    if (!body.signed_name) {
      showFormError(form, 'The patient types their name to sign the consent.', { details: { field: 'signed_name' }, message: 'Required.' });
      return;
    }
    if (!body.form_version) {
      showFormError(form, 'Give the consent form version.', { details: { field: 'form_version' }, message: 'Required.' });
      return;
    }
    busy(submit, async () => {
      try {
        await api.post(`/patients/${patientId}/consents`, body);
        toast(`Consent recorded for ${body.treatment_type}.`);
        onSaved();
      } catch (err) {
        if (err instanceof ApiError && err.code === 'unauthenticated') return;
        showFormError(form, errorSentence(err), err);
      }
    });
  });
  return form;
}

function planForm(patientId, types, areas, practitioners, onSaved) {
  const type = select({ name: 'treatment_type' }, types.map((t) => [t.code, `${t.name} (${t.code})`]), types[0]?.code);
  const indication = select({ name: 'indication' }, Object.entries(INDICATION_LABEL), 'fine_lines');
  const me = session.user.role === 'practitioner' ? session.user.id : practitioners[0]?.id;
  const practitioner = select({ name: 'practitioner_id' }, practitioners.map((p) => [p.id, p.display_name]), me);
  const sessions = input({ name: 'planned_sessions', type: 'number', min: 1, max: 12, step: 1 });
  const minI = input({ name: 'min_interval_days', type: 'number', min: 7, max: 180 });
  const maxI = input({ name: 'max_interval_days', type: 'number', min: 7, max: 180 });
  const notes = textarea({ name: 'notes', rows: 2, maxlength: 2000 });
  // A plan outside its treatment type's bounds needs a practitioner's reason.
  const reason = input({ name: 'override_reason', maxlength: 500 });
  const reasonField = field('Why this series is unusual', reason,
    { hint: 'Needed for more sessions than the treatment allows, or spacing outside its range; kept on the plan and audited.' });
  function outside() {
    const t = types.find((x) => x.code === type.value);
    if (!t) return false;
    return Number(sessions.value) > (t.max_sessions || 12)
      || Number(minI.value) < t.min_interval_days || Number(maxI.value) > t.max_interval_days;
  }
  const showReason = () => { reasonField.style.display = outside() ? '' : 'none'; };
  function defaults() {
    const t = types.find((x) => x.code === type.value);
    if (!t) return;
    sessions.value = t.default_sessions;
    minI.value = t.min_interval_days;
    maxI.value = t.max_interval_days;
    showReason();
  }
  type.addEventListener('change', defaults);
  for (const el of [sessions, minI, maxI]) el.addEventListener('input', showReason);
  defaults();
  const areaBoxes = h('fieldset', { class: 'areas', dataset: { field: 'areas' } }, h('legend', {}, 'Areas'),
    h('div', { class: 'check-grid' }, areas.map((a) => checkbox(`${a.name} (max ${a.max_depth_mm.toFixed(2)} mm)`, { name: `area_${a.code}`, value: a.code }))),
    h('p', { class: 'field-error', hidden: true }));
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create plan');
  const form = h('form', { class: 'plan-form', novalidate: true },
    h('div', { class: 'grid-3' },
      field('Treatment type', type, { hint: 'Sessions and spacing follow its defaults; change them if needed.' }),
      field('Indication', indication),
      field('Practitioner', practitioner),
      field('Planned sessions', sessions),
      field('Minimum days between sessions', minI),
      field('Maximum days between sessions', maxI)),
    reasonField,
    areaBoxes,
    field('Plan notes (optional)', notes),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    const chosen = areas.filter((a) => form.querySelector(`[name="area_${a.code}"]`).checked).map((a) => a.code);
    if (!chosen.length) {
      showFormError(form, 'Choose at least one area.', { details: { field: 'areas' }, message: 'Choose at least one area.' });
      return;
    }
    const body = {
      patient_id: patientId,
      treatment_type: type.value,
      indication: indication.value,
      areas: chosen,
      practitioner_id: Number(practitioner.value),
    };
    for (const k of ['planned_sessions', 'min_interval_days', 'max_interval_days']) {
      const v = num(form, k);
      if (v !== null) body[k] = v;
    }
    if (notes.value.trim()) body.notes = notes.value.trim();
    if (outside() && reason.value.trim()) body.override_reason = reason.value.trim();
    busy(submit, async () => {
      try {
        const plan = await api.post('/plans', body);
        toast(`Plan created: ${plan.treatment_type}, ${plan.planned_sessions} sessions.`);
        onSaved(plan);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'unauthenticated') return;
        showFormError(form, errorSentence(err), err);
      }
    });
  });
  return form;
}

export async function render(root, { params, isCurrent }) {
  const id = Number(params[0]);
  let patient;
  let screenings;
  try {
    [patient, screenings] = await Promise.all([api.get(`/patients/${id}`), api.get(`/patients/${id}/screenings`)]);
  } catch (e) {
    if (e instanceof ApiError && e.code === 'forbidden') {
      replace(root, h('h1', {}, 'Patient chart'), message('Your role may not open the patient chart: screening details and session notes are for practitioners.', 'error'));
      return;
    }
    throw e;
  }
  const [consents, plans, sessions, bookable, conditions, types, areas, practitioners, users] = await Promise.all([
    api.get(`/patients/${id}/consents`),
    api.get(`/patients/${id}/plans`),
    api.get(`/patients/${id}/sessions`, { limit: 100 }),
    api.get(`/patients/${id}/bookable`),
    cached('/catalog/conditions'),
    cached('/catalog/treatment-types'),
    cached('/catalog/areas'),
    cached('/practitioners'),
    session.user.role === 'admin' ? cached('/users') : Promise.resolve(null),
  ]);
  if (!isCurrent()) return;
  for (const c of conditions.items) conditionNames.set(c.code, c.name);
  for (const a of areas.items) areaNames.set(a.code, a.name);
  const userName = (uid) => {
    if (uid === session.user.id) return session.user.display_name;
    const p = practitioners.items.find((x) => x.id === uid) || (users && users.items.find((x) => x.id === uid));
    return p ? p.display_name : `user ${uid}`;
  };
  const reload = () => render(root, { params, isCurrent });
  const activeTypes = types.items;

  async function setPlanStatus(plan, status, button) {
    await busy(button, async () => {
      try {
        await api.patch(`/plans/${plan.id}`, { status });
        toast(`Plan ${label(PLAN_STATUS_LABEL, status).toLowerCase()}.`);
        reload();
      } catch (e) {
        if (e instanceof ApiError && e.code === 'unauthenticated') return;
        toast(errorSentence(e), 'error');
      }
    });
  }

  const planCards = plans.items.length ? plans.items.map((p) => {
    const btns = [];
    if (p.status === 'active') {
      if (p.progress.booked < p.progress.planned) {
        btns.push(h('button', { type: 'button', onclick: () => openBooking({ patient, kind: 'treatment', planId: p.id, practitionerId: p.practitioner_id, onBooked: reload }) }, `Book session ${p.progress.booked + 1}`));
      }
      btns.push(h('button', { type: 'button', onclick: (e) => setPlanStatus(p, 'on_hold', e.currentTarget) }, 'Put on hold'));
    }
    if (p.status === 'on_hold') btns.push(h('button', { type: 'button', onclick: (e) => setPlanStatus(p, 'active', e.currentTarget) }, 'Resume'));
    if (p.status === 'active' || p.status === 'on_hold') {
      btns.push(h('button', { type: 'button', class: 'danger-outline', onclick: (e) => setPlanStatus(p, 'cancelled', e.currentTarget) }, 'Cancel plan'));
    }
    return planCard(p, activeTypes, practitioners, btns.length ? h('div', { class: 'actions' }, btns) : null);
  }) : [h('p', {}, 'No plans yet.')];

  const consentList = consents.items.length
    ? h('ul', { class: 'history' }, consents.items.map((c) => h('li', {},
      h('strong', {}, c.treatment_type), ` — form ${c.form_version}, signed "${c.signed_name}" on ${fmtTs(c.signed_at)}, recorded by ${userName(c.recorded_by)}`)))
    : message('No consent on file: a session note cannot be signed without one.', 'warn');

  const sessionList = sessions.items.length
    ? h('table', { class: 'list' },
      h('thead', {}, h('tr', {}, ['Date', 'Type', 'Areas and depths', 'Practitioner', 'Note'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, sessions.items.map((s) => h('tr', {},
        h('td', {}, fmtDate(s.date || dateOf(s.start))),
        h('td', {}, s.treatment_type || '—'),
        h('td', {}, (s.areas || []).map((a) => `${areaName(a.area)} ${Number(a.depth_mm).toFixed(2)} mm`).join(', ') || '—'),
        h('td', {}, s.practitioner_name),
        h('td', {}, statusBadge(s.status, NOTE_STATUS), ' ', h('a', { href: `#/appointments/${s.appointment_id}/session` }, 'Open note'))))))
    : h('p', {}, 'No session notes yet.');

  replace(root,
    patientHeader(patient),
    h('div', { class: 'actions' },
      h('a', { class: 'button', href: `#/patients/${id}` }, 'Patient page'),
      h('button', { type: 'button', onclick: () => openBooking({ patient, onBooked: reload }) }, 'Book appointment')),
    bookableBox(bookable),
    h('section', { 'aria-labelledby': 'scr-h', class: 'card' },
      h('h2', { id: 'scr-h' }, 'Screening'),
      screeningHistory(screenings.items.slice(0, 5), userName),
      h('details', { class: 'form-details', open: screenings.items.length === 0 ? true : null },
        h('summary', {}, 'Record a new screening'),
        screeningForm(id, conditions.items, reload, screenings.items[0]))),
    h('section', { 'aria-labelledby': 'con-h', class: 'card' },
      h('h2', { id: 'con-h' }, 'Consents'),
      consentList,
      h('details', { class: 'form-details', open: consents.items.length === 0 ? true : null },
        h('summary', {}, 'Record a consent'),
        consentForm(id, activeTypes, patient, reload))),
    photoSection(id, { areas: areas.items }),
    h('section', { 'aria-labelledby': 'plan-h', class: 'card' },
      h('h2', { id: 'plan-h' }, 'Treatment plans'),
      planCards,
      h('details', { class: 'form-details', open: plans.items.length === 0 ? true : null },
        h('summary', {}, 'Create a plan'),
        planForm(id, activeTypes, areas.items, practitioners.items, reload))),
    h('section', { 'aria-labelledby': 'ses-h', class: 'card' },
      h('h2', { id: 'ses-h' }, 'Session notes'),
      sessionList));
}
