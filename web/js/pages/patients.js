// Patients: search as you type, register a new patient; the patient form is shared with
// the patient page for editing.

import { api, ApiError } from '../api.js';
import {
  h, replace, field, input, select, textarea, checkbox, message, showFormError, clearErrors,
  openDialog, busy, toast, val,
} from '../ui.js';
import { errorSentence, warningSentence, fmtDate, ageOn, today } from '../format.js';

/** The demographics form; patient (optional) fills it for editing. */
function patientForm(patient) {
  const p = patient || {};
  const fitz = select({ name: 'fitzpatrick' }, [['', 'Not recorded'], ['1', 'I'], ['2', 'II'], ['3', 'III'], ['4', 'IV'], ['5', 'V'], ['6', 'VI']], p.fitzpatrick ?? '');
  return h('div', { class: 'grid-2' },
    field('First name', input({ name: 'first_name', value: p.first_name || '', required: true, maxlength: 100, autocomplete: 'off' })),
    field('Last name', input({ name: 'last_name', value: p.last_name || '', required: true, maxlength: 100, autocomplete: 'off' })),
    field('Date of birth', input({ name: 'date_of_birth', type: 'date', value: p.date_of_birth || '', required: true })),
    field('Phone', input({ name: 'phone', type: 'tel', value: p.phone || '', maxlength: 32, autocomplete: 'off' })),
    field('Email', input({ name: 'email', type: 'email', value: p.email || '', maxlength: 254, autocomplete: 'off' })),
    field('Fitzpatrick skin type', fitz),
    field('Notes', textarea({ name: 'notes', value: p.notes || '', maxlength: 4000 }), { className: 'span-2' }));
}

function readPatient(form, editing) {
  const body = {
    first_name: val(form, 'first_name'),
    last_name: val(form, 'last_name'),
    date_of_birth: val(form, 'date_of_birth'),
    phone: val(form, 'phone'),
    email: val(form, 'email'),
    fitzpatrick: val(form, 'fitzpatrick') === null ? null : Number(val(form, 'fitzpatrick')),
    notes: val(form, 'notes'),
  };
  if (!editing) {
    for (const k of ['phone', 'email', 'fitzpatrick', 'notes']) if (body[k] === null) delete body[k];
  }
  return body;
}

function localCheck(form, body) {
  for (const [k, label] of [['first_name', 'first name'], ['last_name', 'last name'], ['date_of_birth', 'date of birth']]) {
    if (!body[k]) {
      showFormError(form, `Give the patient's ${label}.`, { details: { field: k }, message: 'Required.' });
      return false;
    }
  }
  return true;
}

/** The charts a new patient may already have (a possible_duplicate answer): each can be
 * opened; "Create anyway" registers the patient as new. */
function duplicatePanel(candidates, { onOpen, onCreateAnyway }) {
  const anyway = h('button', { type: 'button', class: 'danger-outline', 'data-action': 'create-anyway' }, 'Create anyway');
  anyway.addEventListener('click', () => busy(anyway, onCreateAnyway));
  return h('div', { class: 'msg msg-warn duplicates', role: 'alert' },
    h('p', {}, h('strong', {}, candidates.length === 1 ? 'This patient may already be registered:' : 'This patient may already be registered as one of these:')),
    h('ul', { class: 'duplicate-list' }, candidates.map((c) => h('li', { 'data-patient-id': String(c.id) },
      `${c.last_name}, ${c.first_name} · born ${fmtDate(c.date_of_birth)} · ${c.mrn} `,
      h('a', { href: `#/patients/${c.id}`, onclick: () => onOpen(c) }, 'Open this chart')))),
    h('p', {}, 'If this is someone else, register them as a new patient.'),
    h('div', { class: 'actions' }, anyway));
}

/** Opens the new-patient dialog; onCreated(patient) afterwards. */
export function openNewPatient({ onCreated } = {}) {
  const d = openDialog({ title: 'New patient', wide: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Register patient');
  const dupes = h('div', {});
  const form = h('form', { novalidate: true }, patientForm(null), dupes,
    h('div', { class: 'actions' }, submit, h('button', { type: 'button', onclick: () => d.close() }, 'Cancel')));
  async function register(body) {
    try {
      const p = await api.post('/patients', body);
      const warnings = (p.warnings || []).map((w) => warningSentence(w));
      d.close();
      toast(`Registered ${p.first_name} ${p.last_name} (${p.mrn}).${warnings.length ? ` ${warnings.join(' ')}` : ''}`, warnings.length ? 'warn' : 'ok');
      if (onCreated) onCreated(p);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'unauthenticated') return;
      if (err instanceof ApiError && err.code === 'possible_duplicate' && !body.confirm_new) {
        replace(dupes, duplicatePanel(err.details.candidates || [], {
          onOpen: () => d.close(),
          onCreateAnyway: () => register({ ...body, confirm_new: true }),
        }));
        return;
      }
      showFormError(form, errorSentence(err), err);
    }
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    replace(dupes);
    const body = readPatient(form, false);
    if (!localCheck(form, body)) return;
    busy(submit, () => register(body));
  });
  d.body.append(form);
  d.focusFirst();
}

/** Opens the edit dialog for a patient; onSaved(patient) afterwards. */
export function openEditPatient(patient, { onSaved } = {}) {
  const d = openDialog({ title: `Edit ${patient.first_name} ${patient.last_name}`, wide: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Save changes');
  const form = h('form', { novalidate: true }, patientForm(patient),
    h('div', { class: 'actions' }, submit, h('button', { type: 'button', onclick: () => d.close() }, 'Cancel')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = readPatient(form, true);
    if (!localCheck(form, body)) return;
    busy(submit, async () => {
      try {
        const p = await api.patch(`/patients/${patient.id}`, body);
        d.close();
        toast('Saved.');
        if (onSaved) onSaved(p);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'unauthenticated') return;
        showFormError(form, errorSentence(err), err);
      }
    });
  });
  d.body.append(form);
  d.focusFirst();
}

export async function render(root, { query, isCurrent }) {
  const q = input({ name: 'q', type: 'search', value: query.q || '', autocomplete: 'off', placeholder: 'Name (accents optional), chart number, phone digits or date of birth' });
  const archived = checkbox('Include archived patients', { name: 'archived', checked: query.archived === '1' });
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  let timer = null;
  let seq = 0;

  async function search() {
    const mySeq = ++seq;
    const params = { q: q.value.trim(), limit: 50 };
    if (archived.querySelector('input').checked) params.archived = 'true';
    try {
      const res = await api.get('/patients', params);
      if (mySeq !== seq || !isCurrent()) return;
      const now = today();
      replace(results,
        h('p', { class: 'summary' }, res.total > res.items.length ? `Showing ${res.items.length} of ${res.total} patients.` : `${res.total} patient${res.total === 1 ? '' : 's'}.`),
        res.items.length ? h('table', { class: 'list' },
          h('thead', {}, h('tr', {}, ['Name', 'Chart number', 'Date of birth', 'Phone', 'Email'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, res.items.map((p) => h('tr', { class: p.archived ? 'archived' : null },
            h('td', {}, h('a', { href: `#/patients/${p.id}` }, `${p.last_name}, ${p.first_name}`), p.archived ? h('span', { class: 'badge status-cancelled' }, 'Archived') : null),
            h('td', {}, p.mrn),
            h('td', {}, `${fmtDate(p.date_of_birth)} (${ageOn(p.date_of_birth, now)})`),
            h('td', {}, p.phone || '—'),
            h('td', {}, p.email || '—'))))) : null);
      // Keep the search in the address so that going back returns to it.
      const qs = new URLSearchParams();
      if (q.value.trim()) qs.set('q', q.value.trim());
      if (params.archived) qs.set('archived', '1');
      history.replaceState(null, '', `#/patients${qs.toString() ? `?${qs}` : ''}`);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'unauthenticated') return;
      replace(results, message(errorSentence(e), 'error'));
    }
  }

  q.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  archived.querySelector('input').addEventListener('change', search);

  replace(root,
    h('div', { class: 'page-head' }, h('h1', {}, 'Patients'),
      h('button', { type: 'button', class: 'primary', onclick: () => openNewPatient({ onCreated: (p) => { location.hash = `#/patients/${p.id}`; } }) }, 'New patient')),
    h('form', { class: 'toolbar', role: 'search', onsubmit: (e) => { e.preventDefault(); search(); } },
      field('Search patients', q, { className: 'grow' }), archived),
    results);
  await search();
  q.focus();
}
