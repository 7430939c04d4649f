// Admin: the catalogs — conditions, treatment types and areas — edited row by row.

import { api, ApiError, invalidate } from '../api.js';
import {
  h, replace, field, input, select, checkbox, textarea, openDialog, showFormError, clearErrors, busy,
  toast, statusBadge, val, num,
} from '../ui.js';
import { errorSentence, SEVERITY_LABEL, fmtDuration } from '../format.js';

const YES = { true: 'Yes', false: 'No' };
const ROOM_KIND = { treatment: 'Treatment room', consultation: 'Consultation room' };

const CATALOGS = {
  conditions: {
    title: 'Conditions',
    columns: ['Code', 'Name', 'Severity', 'Active'],
    cells: (r) => [r.code, r.name, SEVERITY_LABEL[r.severity], statusBadge(String(r.active), YES)],
    fields: (r = {}) => [
      field('Name', input({ name: 'name', value: r.name || '', maxlength: 100 })),
      field('Severity', select({ name: 'severity' }, Object.entries(SEVERITY_LABEL), r.severity || 'caution')),
      checkbox('Active (asked at screening)', { name: 'active', checked: r.active !== false }),
    ],
    read: (f) => ({ name: val(f, 'name') || '', severity: val(f, 'severity'), active: f.querySelector('[name="active"]').checked }),
  },
  'treatment-types': {
    title: 'Treatment types',
    columns: ['Code', 'Name', 'Sessions', 'Spacing (days)', 'Visit length', 'Uses PRP', 'Room'],
    cells: (r) => [r.code, r.name, String(r.default_sessions), `${r.min_interval_days}–${r.max_interval_days}`, fmtDuration(r.default_duration_min), statusBadge(String(r.uses_prp), YES), ROOM_KIND[r.room_kind || 'treatment']],
    fields: (r = {}) => [
      field('Name', input({ name: 'name', value: r.name || '', maxlength: 100 })),
      field('Default sessions', input({ name: 'default_sessions', type: 'number', min: 1, max: 12, value: r.default_sessions ?? 3 })),
      field('Minimum days between sessions', input({ name: 'min_interval_days', type: 'number', min: 1, max: 365, value: r.min_interval_days ?? 28 })),
      field('Maximum days between sessions', input({ name: 'max_interval_days', type: 'number', min: 1, max: 365, value: r.max_interval_days ?? 42 })),
      field('Visit length (minutes)', input({ name: 'default_duration_min', type: 'number', min: 5, max: 480, step: 5, value: r.default_duration_min ?? 60 })),
      checkbox('Uses PRP', { name: 'uses_prp', checked: !!r.uses_prp }),
      field('Room it needs', select({ name: 'room_kind' }, Object.entries(ROOM_KIND), r.room_kind || 'treatment'), { hint: 'A treatment room takes every visit; a consultation room suits a type that needs no treatment room.' }),
      field('Aftercare advice', textarea({ name: 'aftercare_text', rows: 4, maxlength: 2000, value: r.aftercare_text || '' }), { hint: 'Sent to the patient in the aftercare e-mail once a session of this type is signed, as written (not translated). Empty: the general advice of the aftercare template.' }),
    ],
    read: (f) => ({
      name: val(f, 'name') || '',
      default_sessions: num(f, 'default_sessions'),
      min_interval_days: num(f, 'min_interval_days'),
      max_interval_days: num(f, 'max_interval_days'),
      default_duration_min: num(f, 'default_duration_min'),
      uses_prp: f.querySelector('[name="uses_prp"]').checked,
      room_kind: val(f, 'room_kind') || 'treatment',
      aftercare_text: f.querySelector('[name="aftercare_text"]').value.trim() || null,
    }),
  },
  areas: {
    title: 'Areas',
    columns: ['Code', 'Name', 'Maximum depth'],
    cells: (r) => [r.code, r.name, `${Number(r.max_depth_mm).toFixed(2)} mm`],
    fields: (r = {}) => [
      field('Name', input({ name: 'name', value: r.name || '', maxlength: 100 })),
      field('Maximum depth without an override (mm)', input({ name: 'max_depth_mm', type: 'number', min: 0.2, max: 3.0, step: 0.05, value: r.max_depth_mm ?? 1.0 })),
    ],
    read: (f) => ({ name: val(f, 'name') || '', max_depth_mm: num(f, 'max_depth_mm') }),
  },
};

function editRow(catalog, row, onSaved) {
  const c = CATALOGS[catalog];
  const d = openDialog({ title: row ? `Edit ${row.code}` : `New ${c.title.toLowerCase().replace(/s$/, '')}` });
  const code = row ? null : field('Code', input({ name: 'code', maxlength: 40, pattern: '[A-Za-z0-9_]+' }), { hint: 'Letters, digits and underscores; it cannot change later.' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Save');
  const form = h('form', { novalidate: true }, code, c.fields(row || undefined),
    h('div', { class: 'actions' }, submit, h('button', { type: 'button', onclick: () => d.close() }, 'Cancel')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    const theCode = row ? row.code : val(form, 'code');
    if (!theCode || !/^[A-Za-z0-9_]+$/.test(theCode)) {
      showFormError(form, 'Give a code of letters, digits and underscores.', { details: { field: 'code' }, message: 'Letters, digits and underscores.' });
      return;
    }
    busy(submit, async () => {
      try {
        await api.put(`/catalog/${catalog}/${encodeURIComponent(theCode)}`, c.read(form));
        invalidate(`/catalog/${catalog}`);
        d.close();
        toast(`${theCode} saved.`);
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

export async function render(root, { query, isCurrent }) {
  const catalog = CATALOGS[query.c] ? query.c : 'conditions';
  const c = CATALOGS[catalog];
  const rows = await api.get(`/catalog/${catalog}`);
  if (!isCurrent()) return;
  const reload = () => render(root, { query: { c: catalog }, isCurrent });
  replace(root,
    h('div', { class: 'page-head' }, h('h1', {}, `Catalogs — ${c.title}`)),
    h('div', { class: 'toolbar' },
      h('div', { class: 'toolbar-group segmented', role: 'group', 'aria-label': 'Catalog' },
        Object.entries(CATALOGS).map(([k, v]) => h('a', { class: 'button', href: `#/admin/catalogs?c=${k}`, 'aria-current': k === catalog ? 'true' : null }, v.title))),
      h('button', { type: 'button', class: 'primary', onclick: () => editRow(catalog, null, reload) }, 'Add a row')),
    h('table', { class: 'list' },
      h('thead', {}, h('tr', {}, [...c.columns, 'Edit'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows.items.map((r) => h('tr', {},
        c.cells(r).map((x) => h('td', {}, x)),
        h('td', {}, h('button', { type: 'button', 'aria-label': `Edit ${r.code}`, onclick: () => editRow(catalog, r, reload) }, 'Edit')))))));
}
