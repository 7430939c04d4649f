// Lot lookup: every session that used a cartridge or PRP kit lot, or any lot with a prefix
// ("LOT-2026-1*"), between optional dates (traceability).

import { api, ApiError } from '../api.js';
import { h, replace, field, input, message, statusBadge, clearErrors, showFormError } from '../ui.js';
import { fmtDate, timeOf, errorSentence } from '../format.js';

const NOTE_STATUS = { draft: 'Draft', signed: 'Signed' };
const LOT_KIND = { cartridge: 'Cartridge', prp_kit: 'PRP kit' };

export async function render(root, { query, isCurrent }) {
  const lot = input({ name: 'lot', value: query.lot || '', maxlength: 100, autocomplete: 'off', placeholder: 'e.g. DP4-2611-B or DP4-26*' });
  const from = input({ name: 'from', type: 'date', value: query.from || '' });
  const to = input({ name: 'to', type: 'date', value: query.to || '' });
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  const form = h('form', { class: 'toolbar', role: 'search', novalidate: true },
    field('Cartridge or PRP kit lot', lot, { className: 'grow', hint: 'End with * to find every lot that starts with it.' }),
    field('From', from),
    field('To', to),
    h('button', { type: 'submit', class: 'primary' }, 'Look up'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = lot.value.trim();
    clearErrors(form);
    if (!v) {
      showFormError(form, 'Type a lot number.', { details: { field: 'lot' }, message: 'Required.' });
      return;
    }
    const q = new URLSearchParams({ lot: v });
    if (from.value) q.set('from', from.value);
    if (to.value) q.set('to', to.value);
    location.hash = `#/lots?${q}`;
  });
  replace(root, h('div', { class: 'page-head' }, h('h1', {}, 'Lot lookup')),
    h('p', {}, 'Find every session whose needle cartridge or PRP kit came from a lot, for a recall or an incident report.'),
    form, results);
  if (!query.lot) {
    lot.focus();
    return;
  }
  try {
    const params = {};
    if (query.from) params.from = query.from;
    if (query.to) params.to = query.to;
    const res = await api.get(`/lots/${encodeURIComponent(query.lot)}/sessions`, params);
    if (!isCurrent()) return;
    const what = res.prefix ? `Lots ${query.lot}` : `Lot ${query.lot}`;
    const when = query.from || query.to ? ` (${query.from ? `from ${fmtDate(query.from)}` : ''}${query.from && query.to ? ' ' : ''}${query.to ? `to ${fmtDate(query.to)}` : ''})` : '';
    replace(results,
      h('h2', {}, `${what}${when}: ${res.total} session${res.total === 1 ? '' : 's'}`),
      res.truncated ? message('More sessions matched than are shown: narrow the prefix or the dates.', 'warn', { role: 'status' }) : null,
      res.items.length ? h('table', { class: 'list' },
        h('thead', {}, h('tr', {}, ['Date', 'Patient', 'Chart number', 'Treatment', 'Practitioner', 'Lot', 'Lot used as', 'Note'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, res.items.map((s) => h('tr', {},
          h('td', {}, `${fmtDate(s.date)} ${timeOf(s.start)}`),
          h('td', {}, h('a', { href: `#/patients/${s.patient_id}/chart` }, s.patient_name)),
          h('td', {}, s.patient_mrn),
          h('td', {}, s.treatment_type || '—'),
          h('td', {}, s.practitioner_name),
          h('td', {}, s.lot || '—'),
          h('td', {}, LOT_KIND[s.lot_kind] || '—'),
          h('td', {}, statusBadge(s.status, NOTE_STATUS), ' ', h('a', { href: `#/appointments/${s.appointment_id}/session` }, 'Open')))))) : message(res.prefix ? 'No session used a lot with this prefix.' : 'No session used this lot.', 'info'));
  } catch (e) {
    if (e instanceof ApiError && e.code === 'unauthenticated') return;
    replace(results, message(errorSentence(e), 'error'));
  }
}
