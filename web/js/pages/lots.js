// Lot lookup: every session that used a cartridge or PRP kit lot (traceability).

import { api, ApiError } from '../api.js';
import { h, replace, field, input, message, statusBadge, clearErrors, showFormError } from '../ui.js';
import { fmtDate, timeOf, errorSentence } from '../format.js';

const NOTE_STATUS = { draft: 'Draft', signed: 'Signed' };
const LOT_KIND = { cartridge: 'Cartridge', prp_kit: 'PRP kit' };

export async function render(root, { query, isCurrent }) {
  const lot = input({ name: 'lot', value: query.lot || '', maxlength: 100, autocomplete: 'off', placeholder: 'e.g. DP4-2611-B' });
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  const form = h('form', { class: 'toolbar', role: 'search', novalidate: true },
    field('Cartridge or PRP kit lot', lot, { className: 'grow' }),
    h('button', { type: 'submit', class: 'primary' }, 'Look up'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = lot.value.trim();
    clearErrors(form);
    if (!v) {
      showFormError(form, 'Type a lot number.', { details: { field: 'lot' }, message: 'Required.' });
      return;
    }
    location.hash = `#/lots?lot=${encodeURIComponent(v)}`;
  });
  replace(root, h('div', { class: 'page-head' }, h('h1', {}, 'Lot lookup')),
    h('p', {}, 'Find every session whose needle cartridge or PRP kit came from a lot, for a recall or an incident report.'),
    form, results);
  if (!query.lot) {
    lot.focus();
    return;
  }
  try {
    const res = await api.get(`/lots/${encodeURIComponent(query.lot)}/sessions`);
    if (!isCurrent()) return;
    replace(results,
      h('h2', {}, `Lot ${query.lot}: ${res.total} session${res.total === 1 ? '' : 's'}`),
      res.items.length ? h('table', { class: 'list' },
        h('thead', {}, h('tr', {}, ['Date', 'Patient', 'Chart number', 'Treatment', 'Practitioner', 'Lot used as', 'Note'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, res.items.map((s) => h('tr', {},
          h('td', {}, `${fmtDate(s.date)} ${timeOf(s.start)}`),
          h('td', {}, h('a', { href: `#/patients/${s.patient_id}/chart` }, s.patient_name)),
          h('td', {}, s.patient_mrn),
          h('td', {}, s.treatment_type || '—'),
          h('td', {}, s.practitioner_name),
          h('td', {}, LOT_KIND[s.lot_kind] || '—'),
          h('td', {}, statusBadge(s.status, NOTE_STATUS), ' ', h('a', { href: `#/appointments/${s.appointment_id}/session` }, 'Open')))))) : message('No session used this lot.', 'info'));
  } catch (e) {
    if (e instanceof ApiError && e.code === 'unauthenticated') return;
    replace(results, message(errorSentence(e), 'error'));
  }
}
