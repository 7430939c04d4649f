// The session note: one row per plan area with the needle depth (the area's maximum and
// last session's depth beside it), device, numbing, PRP for PRP types, products, endpoint,
// reactions, aftercare and notes. "Save draft" writes it; "Sign" saves and signs, and a
// refusal lists everything still missing. A signed note is read-only, with its addenda
// and a form to add one. What is typed is kept as a draft in the tab (drafts.js) and
// autosaved every 30 seconds while it changes; a new note offers to start from the last
// signed session's device, numbing product and areas.

import { api, cached, ApiError } from '../api.js';
import { session } from '../session.js';
import { keepDraft, draftOf, dropDraft, formValues, setFormValues } from '../drafts.js';
import { photoSection } from '../photos.js';
import {
  h, append, replace, field, input, select, textarea, checkbox, message, showFormError, clearErrors,
  busy, toast, nextId, statusBadge, openDialog,
} from '../ui.js';
import {
  errorSentence, warningSentence, missingSentence, fmtTs, fmtDateLong, fmtRange, dateOf, timeOf,
  toTs, conditionName, conditionNames, areaNames, ENDPOINT_LABEL, DEVICE_LABEL, humanize, label, fmtDate,
} from '../format.js';

const REACTIONS = ['redness', 'swelling', 'pinpoint_bleeding', 'bruising', 'discomfort', 'itching', 'dryness', 'peeling'];
const SEVERITY = [['', '—'], ['1', '1 mild'], ['2', '2 moderate'], ['3', '3 marked']];
const NOTE_STATUS = { draft: 'Draft', signed: 'Signed' };

const AUTOSAVE_MS = 30000;
// The deepest any needle goes, whatever the area (RULES.md rule 8).
const DEEPEST_MM = 3.0;

function mm(v) {
  return v === null || v === undefined ? '' : Number(v).toFixed(2);
}

/**
 * A depth as typed: "1.5", "1,5" (a decimal comma) or "1.25". Resolves {value} (null when
 * empty) or {error}.
 */
export function parseDepth(text) {
  const t = String(text ?? '').trim();
  if (!t) return { value: null };
  const m = /^(\d{0,2})(?:[.,](\d+))?$/.exec(t);
  if (!m || (!m[1] && !m[2])) return { error: 'Write the depth in millimetres, such as 1.5 or 1,5.' };
  if (m[2] && m[2].length > 2) return { error: 'At most two decimals, such as 1.25.' };
  return { value: Number(`${m[1] || '0'}.${m[2] || '0'}`) };
}

export async function render(root, { params, isCurrent }) {
  const apptId = Number(params[0]);
  let record;
  let appt;
  try {
    [appt, record] = await Promise.all([
      api.get(`/appointments/${apptId}`),
      api.get(`/appointments/${apptId}/session`),
    ]);
  } catch (e) {
    if (e instanceof ApiError && (e.code === 'forbidden' || e.code === 'not_treatment' || e.code === 'not_found')) {
      const text = e.code === 'forbidden'
        ? 'Refused: session notes are clinical records, open to practitioners and admins only. Your role may not open them.'
        : errorSentence(e);
      replace(root, h('h1', {}, 'Session note'), message(text, 'error'),
        h('p', {}, h('a', { href: '#/day' }, 'Back to the day view')));
      root.dataset.refused = e.code;
      return;
    }
    throw e;
  }
  const [patient, areas, conditions, practitioners, users] = await Promise.all([
    api.get(`/patients/${appt.patient_id}`),
    cached('/catalog/areas'),
    cached('/catalog/conditions'),
    cached('/practitioners'),
    session.user.role === 'admin' ? cached('/users') : Promise.resolve(null),
  ]);
  if (!isCurrent()) return;
  for (const c of conditions.items) conditionNames.set(c.code, c.name);
  for (const a of areas.items) areaNames.set(a.code, a.name);
  const areaInfo = new Map(areas.items.map((a) => [a.code, a]));
  const userName = (uid) => {
    if (uid === session.user.id) return session.user.display_name;
    const p = practitioners.items.find((x) => x.id === uid) || (users && users.items.find((x) => x.id === uid));
    return p ? p.display_name : `user ${uid}`;
  };
  const day = dateOf(appt.start);
  const formKey = `note.${apptId}`;

  // "MN session 1 of 3": the treatment type's short name, the session and the plan's size.
  const subline = () => {
    const n = record.plan.session_number || appt.session_number || '';
    const of = record.plan.planned_sessions ? ` of ${record.plan.planned_sessions}` : '';
    return [`${fmtDateLong(day)}, ${fmtRange(appt.start, appt.end)} · `,
      h('span', { class: 'note-session' }, `${record.plan.treatment_type} session ${n}${of}`), ' · ',
      statusBadge(record.status, NOTE_STATUS), ' · ',
      h('a', { href: `#/patients/${patient.id}/chart` }, 'Chart')];
  };
  const head = h('div', { class: 'page-head' },
    h('div', {},
      h('h1', {}, `Session note — ${patient.first_name} ${patient.last_name}`),
      h('p', { class: 'sub' }, subline())));

  if (record.status === 'signed') {
    dropDraft(formKey);
    drawSigned();
  } else {
    const kept = draftOf(formKey);
    drawDraft(null, kept ? { values: kept.data.values, extraAreas: kept.data.extraAreas, restoredAt: kept.at } : {});
  }

  // ---- signed: read-only, addenda ----
  function drawSigned() {
    const rows = [];
    const add = (k, v) => {
      if (v !== null && v !== undefined && v !== '') rows.push(h('dt', {}, k), h('dd', {}, v));
    };
    add('Signed', `${fmtTs(record.signed_at)} by ${userName(record.signed_by)}`);
    add('Screening confirmed', record.screening_confirmed_at ? fmtTs(record.screening_confirmed_at) : 'no');
    if (record.cautions && record.cautions.length) add('Cautions reviewed', `${record.caution_reviewed ? 'yes' : 'no'} (${record.cautions.map(conditionName).join(', ')})`);
    add('Device', [label(DEVICE_LABEL, record.device), record.device_model, record.cartridge_lot ? `cartridge lot ${record.cartridge_lot}` : null].filter(Boolean).join(' · '));
    const n = record.numbing;
    if (n && (n.product || n.applied_at)) add('Numbing', `${n.product || ''}${n.applied_at ? `, on ${timeOf(n.applied_at)}` : ''}${n.removed_at ? `, off ${timeOf(n.removed_at)}` : ''}`);
    const p = record.prp;
    if (record.plan.uses_prp && p) {
      add('PRP', `${p.blood_ml ?? '—'} ml blood, spun ${p.spin_minutes ?? '—'} min at ${p.spin_rcf ?? '—'} g, ${p.prp_ml ?? '—'} ml PRP, ${p.route || '—'}${p.kit_lot ? `, kit lot ${p.kit_lot}` : ''}`);
    }
    add('Products', (record.products || []).join(', '));
    add('Endpoint', label(ENDPOINT_LABEL, record.endpoint));
    add('Reactions', (record.reactions || []).map((r) => (r.type === 'none' ? 'none' : `${humanize(r.type)} (severity ${r.severity})`)).join(', '));
    add('Aftercare given', record.aftercare_given ? 'yes' : 'no');
    add('Notes', record.notes);

    const areaTable = h('table', { class: 'list' },
      h('caption', {}, 'Areas treated'),
      h('thead', {}, h('tr', {}, ['Area', 'Depth', 'Passes', 'Area maximum', 'Override reason'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, record.areas.map((a) => h('tr', {},
        h('td', {}, areaInfo.get(a.area)?.name || a.area),
        h('td', {}, `${mm(a.depth_mm)} mm`),
        h('td', {}, a.passes ?? '—'),
        h('td', {}, areaInfo.get(a.area) ? `${mm(areaInfo.get(a.area).max_depth_mm)} mm` : '—'),
        h('td', {}, a.override_reason || '—')))));

    const text = textarea({ name: 'text', rows: 3, maxlength: 4000 });
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Add addendum');
    const form = h('form', { class: 'addendum-form', novalidate: true },
      field('Addendum', text, { hint: 'Corrections and later observations are added here; the signed note never changes.' }),
      h('div', { class: 'actions' }, submit));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      clearErrors(form);
      if (!text.value.trim()) {
        showFormError(form, 'Write the addendum first.', { details: { field: 'text' }, message: 'Required.' });
        return;
      }
      busy(submit, async () => {
        try {
          const a = await api.post(`/appointments/${apptId}/session/addenda`, { text: text.value.trim() });
          record.addenda = [...(record.addenda || []), a];
          toast('Addendum added.');
          drawSigned();
          root.querySelector('.addendum-form textarea').focus();
        } catch (err) {
          if (err instanceof ApiError && err.code === 'unauthenticated') return;
          showFormError(form, errorSentence(err), err);
        }
      });
    });

    replace(root, head,
      message('This note is signed and read-only.', 'info', { role: 'note' }),
      h('dl', { class: 'details note-details' }, rows),
      areaTable,
      h('section', { 'aria-labelledby': 'add-h', class: 'card' },
        h('h2', { id: 'add-h' }, 'Addenda'),
        record.addenda && record.addenda.length
          ? h('ol', { class: 'addenda' }, record.addenda.map((a) => h('li', {},
            h('p', { class: 'sub' }, `${fmtTs(a.at)} — ${userName(a.author)}`), h('p', {}, a.text))))
          : h('p', {}, 'No addenda.'),
        form),
      photoSection(appt.patient_id, { appointmentId: apptId, areas: areas.items }));
    root.dataset.status = 'signed';
  }

  // ---- draft: the form ----
  function drawDraft(notice, { values, extraAreas = [], restoredAt, copied } = {}) {
    const r = record;
    const planAreas = [...r.plan.areas];
    for (const a of r.areas) if (!planAreas.includes(a.area)) planAreas.push(a.area);
    for (const code of extraAreas) if (!planAreas.includes(code)) planAreas.push(code);
    const current = new Map(r.areas.map((a) => [a.area, a]));
    const previous = new Map(((r.previous && r.previous.areas) || []).map((a) => [a.area, a]));

    const form = h('form', { class: 'note-form', novalidate: true });

    // Before treating.
    const cautionBlock = r.cautions && r.cautions.length
      ? h('div', {},
        message(`Caution conditions: ${r.cautions.map(conditionName).join(', ')}.`, 'warn', { role: 'note' }),
        checkbox('I reviewed the caution conditions with the patient', { name: 'caution_reviewed', checked: r.caution_reviewed }))
      : null;
    const screening = checkbox(r.screening_confirmed_at && dateOf(r.screening_confirmed_at) === day
      ? `Screening confirmed today (stamped ${timeOf(r.screening_confirmed_at)})`
      : 'Screening confirmed today: no new contraindication since the last screening', { name: 'screening_confirmed', checked: r.screening_confirmed });

    // Areas.
    const rowSyncs = [];
    const areaRows = planAreas.map((code) => {
      const info = areaInfo.get(code) || { name: code, max_depth_mm: 3.0 };
      const cur = current.get(code) || {};
      const prev = previous.get(code);
      const depthId = nextId(`depth-${code}`);
      const depth = input({ id: depthId, name: `depth_${code}`, value: cur.depth_mm != null ? mm(cur.depth_mm) : '', inputmode: 'decimal', autocomplete: 'off', class: 'depth-input' });
      const passes = input({ id: nextId(`passes-${code}`), name: `passes_${code}`, type: 'number', min: 1, max: 20, step: 1, value: cur.passes ?? '' });
      const reason = input({ id: nextId(`override-${code}`), name: `override_${code}`, value: cur.override_reason || '', maxlength: 500 });
      const reasonWrap = h('div', { class: 'cell-field', dataset: { field: `override_${code}` } },
        h('label', { for: reason.id }, `Reason to exceed ${mm(info.max_depth_mm)} mm`), reason, h('p', { class: 'field-error', hidden: true }));
      const errId = `${depthId}-err`;
      const limitId = `${depthId}-limit`;
      depth.setAttribute('aria-describedby', `${depthId}-facts ${limitId} ${errId}`);
      // Beyond 3.0 mm no reason helps: say so instead of offering the override.
      const limit = h('p', { class: 'depth-limit', id: limitId, role: 'status', hidden: true });
      const sync = () => {
        const { value: d, error } = parseDepth(depth.value);
        const beyond = d !== null && d > DEEPEST_MM + 1e-9;
        const over = d !== null && !beyond && d > info.max_depth_mm + 1e-9;
        reasonWrap.hidden = !over;
        depth.classList.toggle('over-max', over || beyond);
        limit.hidden = !(beyond || error);
        limit.textContent = beyond ? '3.0 mm is the deepest possible.' : error || '';
      };
      depth.addEventListener('input', sync);
      rowSyncs.push(sync);
      return h('tr', { dataset: { area: code } },
        h('th', { scope: 'row' }, info.name),
        h('td', {}, h('div', { class: 'cell-field depth-cell', dataset: { field: `depth_${code}` } },
          h('label', { for: depthId, class: 'visually-hidden' }, `Depth for ${info.name} (mm)`),
          h('div', { class: 'depth-line' }, depth,
            h('span', { class: 'depth-facts', id: `${depthId}-facts` },
              h('span', {}, `max ${mm(info.max_depth_mm)} mm`),
              h('span', {}, prev ? `last ${mm(prev.depth_mm)} mm${prev.passes ? ` × ${prev.passes}` : ''}` : 'no last session'))),
          limit,
          h('p', { class: 'field-error', id: errId, hidden: true }))),
        h('td', {}, h('div', { class: 'cell-field', dataset: { field: `passes_${code}` } },
          h('label', { for: passes.id, class: 'visually-hidden' }, `Passes for ${info.name}`), passes,
          h('p', { class: 'field-error', hidden: true }))),
        h('td', {}, reasonWrap));
    });
    const areaTable = h('fieldset', { dataset: { field: 'areas' } },
      h('legend', {}, 'Areas and needle depth'),
      h('p', { class: 'hint' }, `Depth in mm, 0.20–3.00 (1.5 or 1,5), with the area's maximum and last session's depth beside it. Leave an area empty if it was not treated.${r.previous ? ` Last session: ${fmtDate(r.previous.date)}.` : ''}`),
      h('div', { class: 'table-scroll' }, h('table', { class: 'list areas-table' },
        h('thead', {}, h('tr', {}, ['Area', 'Depth (mm)', 'Passes', 'Override'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, areaRows))),
      h('p', { class: 'field-error', hidden: true }));

    // Device.
    const device = h('fieldset', {}, h('legend', {}, 'Device'),
      h('div', { class: 'grid-3' },
        field('Device', select({ name: 'device' }, [['', '—'], ...Object.entries(DEVICE_LABEL)], r.device || '')),
        field('Device model', input({ name: 'device_model', value: r.device_model || '', maxlength: 100 })),
        field('Cartridge lot', input({ name: 'cartridge_lot', value: r.cartridge_lot || '', maxlength: 100 }))));

    // Numbing.
    const n = r.numbing || {};
    const numbing = h('fieldset', {}, h('legend', {}, 'Numbing'),
      h('div', { class: 'grid-3' },
        field('Numbing product', input({ name: 'numbing.product', value: n.product || '', maxlength: 100 })),
        field('Applied at', input({ name: 'numbing.applied_at', type: 'time', value: n.applied_at ? timeOf(n.applied_at) : '' }), { hint: `On ${fmtDate(day)}` }),
        field('Removed at', input({ name: 'numbing.removed_at', type: 'time', value: n.removed_at ? timeOf(n.removed_at) : '' }))));

    // PRP.
    let prp = null;
    if (r.plan.uses_prp) {
      const p = r.prp || {};
      prp = h('fieldset', {}, h('legend', {}, 'PRP'),
        h('div', { class: 'grid-3' },
          field('Blood drawn (ml)', input({ name: 'prp.blood_ml', type: 'number', min: 1, max: 120, step: 0.1, value: p.blood_ml ?? '' })),
          field('Spin time (minutes)', input({ name: 'prp.spin_minutes', type: 'number', min: 1, max: 60, step: 1, value: p.spin_minutes ?? '' })),
          field('Spin force (RCF, g)', input({ name: 'prp.spin_rcf', type: 'number', min: 50, max: 10000, step: 10, value: p.spin_rcf ?? '' })),
          field('PRP obtained (ml)', input({ name: 'prp.prp_ml', type: 'number', min: 0.1, max: 60, step: 0.1, value: p.prp_ml ?? '' })),
          field('Route', select({ name: 'prp.route' }, [['', '—'], ['topical', 'Topical'], ['injected', 'Injected']], p.route || '')),
          field('PRP kit lot', input({ name: 'prp.kit_lot', value: p.kit_lot || '', maxlength: 100 }))));
    }

    // Products, endpoint.
    const products = h('fieldset', {}, h('legend', {}, 'Products and endpoint'),
      h('div', { class: 'grid-2' },
        field('Products applied (one per line)', textarea({ name: 'products', rows: 3, value: (r.products || []).join('\n') })),
        field('Clinical endpoint', select({ name: 'endpoint' }, [['', '—'], ...Object.entries(ENDPOINT_LABEL)], r.endpoint || ''))));

    // Reactions.
    const had = new Map((r.reactions || []).map((x) => [x.type, x.severity]));
    const types = [...REACTIONS];
    for (const t of had.keys()) if (t !== 'none' && !types.includes(t)) types.push(t);
    const none = checkbox('No reactions', { name: 'reaction_none', checked: had.has('none') });
    const sevSelects = types.map((t) => select({ name: `reaction_${t}`, id: nextId(`reaction-${t}`) }, SEVERITY, had.get(t) ?? ''));
    const syncNone = () => {
      const on = none.querySelector('input').checked;
      for (const s of sevSelects) {
        s.disabled = on;
        if (on) s.value = '';
      }
    };
    none.querySelector('input').addEventListener('change', syncNone);
    syncNone();
    const reactions = h('fieldset', { dataset: { field: 'reactions' } }, h('legend', {}, 'Reactions'),
      none,
      h('div', { class: 'reaction-grid' }, types.map((t, i) => h('div', { class: 'field' },
        h('label', { for: sevSelects[i].id }, humanize(t)), sevSelects[i]))),
      h('p', { class: 'field-error', hidden: true }));

    const after = h('fieldset', {}, h('legend', {}, 'Aftercare and notes'),
      checkbox('Aftercare explained and sheet given', { name: 'aftercare_given', checked: r.aftercare_given }),
      field('Notes', textarea({ name: 'notes', rows: 4, value: r.notes || '', maxlength: 4000 })));

    const missingBox = h('div', { class: 'missing', 'aria-live': 'polite' });
    const showMissing = (list) => replace(missingBox, list && list.length
      ? h('div', { class: 'msg msg-info', role: 'status' }, h('strong', {}, 'Still needed to sign:'), h('ul', {}, list.map((m) => h('li', {}, missingSentence(m)))))
      : h('p', { class: 'msg msg-ok', role: 'status' }, 'Everything needed to sign is there.'));
    showMissing(r.missing);

    const save = h('button', { type: 'submit', class: 'primary' }, 'Save draft');
    const sign = session.user.role === 'practitioner' ? h('button', { type: 'button', class: 'sign' }, 'Sign note') : null;
    const savedState = h('span', { class: 'save-state', role: 'status', 'aria-live': 'polite' });

    // A new note may start from the last signed session's setup: not its depths (they
    // stay beside each field for reference) and never its cartridge lot.
    const prevRec = r.previous;
    const canCopy = !r.exists && !copied && prevRec
      && (prevRec.device || prevRec.device_model || prevRec.numbing_product || (prevRec.areas || []).length);
    const copyBox = canCopy
      ? h('div', { class: 'msg msg-info copy-offer', role: 'note' },
        h('p', {}, `Start from the last signed session (${fmtDate(prevRec.date)}): its device, device model, numbing product and areas. Depths and the cartridge lot are entered fresh.`),
        h('button', { type: 'button', class: 'copy-last', onclick: copyLast }, 'Copy from last session'))
      : null;
    const restoredBox = restoredAt
      ? h('div', { class: 'msg msg-info restored', role: 'status' },
        `Restored what you had typed (kept ${new Date(restoredAt).toTimeString().slice(0, 5)} by this browser tab) and not saved yet. Check it, then save.`, ' ',
        h('button', { type: 'button', class: 'link-button', onclick: discardKept }, 'Discard it'))
      : null;

    append(form, [
      notice || null,
      restoredBox,
      copyBox,
      h('fieldset', {}, h('legend', {}, 'Before treating'), cautionBlock, screening),
      areaTable, device, numbing, prp, products, reactions, after,
      missingBox,
      h('div', { class: 'actions note-actions' }, save, sign, savedState,
        sign ? null : h('span', { class: 'hint' }, 'Only a practitioner signs a note.'))]);

    if (values) setFormValues(form, values);
    for (const sync of rowSyncs) sync();
    syncNone();

    // What is typed is kept in the tab at once, and saved to the server every 30 s while
    // it changes.
    let dirty = !!values;
    let timer = null;
    const keep = () => keepDraft(formKey, { values: formValues(form), extraAreas: planAreas.filter((c) => !r.plan.areas.includes(c)) });
    const changed = () => {
      dirty = true;
      keep();
      if (!timer) timer = setTimeout(autosave, AUTOSAVE_MS);
    };
    form.addEventListener('input', changed);
    form.addEventListener('change', changed);
    if (dirty) {
      keep();
      timer = setTimeout(autosave, AUTOSAVE_MS);
    }

    function showSaved(saved) {
      savedState.className = 'save-state save-ok';
      replace(savedState, `Saved ${timeOf(saved.updated_at) || ''}`.trim());
    }

    async function autosave() {
      timer = null;
      if (!form.isConnected || !dirty || record.status !== 'draft') return;
      if (!quietCheck()) {
        savedState.className = 'save-state save-failed';
        replace(savedState, 'Not saved yet: a depth needs correcting. What you typed is kept.');
        return;
      }
      dirty = false;
      const { body } = read();
      try {
        const saved = await api.put(`/appointments/${apptId}/session`, body);
        if (!form.isConnected) return;
        record = saved;
        showMissing(saved.missing);
        showSaved(saved);
        if (!dirty) dropDraft(formKey);
      } catch (err) {
        dirty = true;
        if (!form.isConnected) return;
        if (err instanceof ApiError && err.code === 'unauthenticated') return;
        savedState.className = 'save-state save-failed';
        replace(savedState, `Not saved: ${errorSentence(err)} What you typed is kept.`);
        if (!timer) timer = setTimeout(autosave, AUTOSAVE_MS);
      }
    }

    /** localCheck without messages: whether the depths can be sent. */
    function quietCheck() {
      return planAreas.every((code) => {
        const { value: d, error } = parseDepth(form.querySelector(`[name="depth_${code}"]`).value);
        if (error) return false;
        if (d === null) return true;
        const info = areaInfo.get(code);
        return d >= 0.2 && d <= DEEPEST_MM + 1e-9
          && !(info && d > info.max_depth_mm + 1e-9 && !form.querySelector(`[name="override_${code}"]`).value.trim());
      });
    }

    function copyLast() {
      const now = formValues(form);
      const p = record.previous;
      if (p.device) now.device = p.device;
      if (p.device_model) now.device_model = p.device_model;
      if (p.numbing_product) now['numbing.product'] = p.numbing_product;
      const extra = (p.areas || []).map((a) => a.area).filter((c) => !r.plan.areas.includes(c));
      clearTimeout(timer);
      drawDraft(message(`Copied from the session of ${fmtDate(p.date)}: device, device model, numbing product and areas (${(p.areas || []).map((a) => areaInfo.get(a.area)?.name || a.area).join(', ') || 'none'}). Enter today's depths and the cartridge lot.`, 'ok', { role: 'status' }),
        { values: now, extraAreas: [...extraAreas, ...extra], copied: true });
      root.querySelector('.note-form [name^="depth_"]')?.focus();
    }

    function discardKept() {
      clearTimeout(timer);
      dropDraft(formKey);
      drawDraft();
    }

    function read() {
      const v = (name) => {
        const el = form.querySelector(`[name="${name}"]`);
        const s = el ? el.value.trim() : '';
        return s === '' ? null : s;
      };
      const numv = (name) => (v(name) === null ? null : Number(v(name)));
      const body = {
        screening_confirmed: form.querySelector('[name="screening_confirmed"]').checked,
        device: v('device'),
        device_model: v('device_model'),
        cartridge_lot: v('cartridge_lot'),
        endpoint: v('endpoint'),
        aftercare_given: form.querySelector('[name="aftercare_given"]').checked,
        notes: v('notes'),
      };
      const cr = form.querySelector('[name="caution_reviewed"]');
      if (cr) body.caution_reviewed = cr.checked;
      const fieldMap = {};
      body.areas = [];
      for (const code of planAreas) {
        const d = parseDepth(v(`depth_${code}`)).value ?? null;
        if (d === null) continue;
        const i = body.areas.length;
        const a = { area: code, depth_mm: d };
        const p = numv(`passes_${code}`);
        if (p !== null) a.passes = p;
        const reason = v(`override_${code}`);
        if (reason) a.override_reason = reason;
        body.areas.push(a);
        fieldMap[`areas[${i}].depth_mm`] = `depth_${code}`;
        fieldMap[`areas[${i}].area`] = `depth_${code}`;
        fieldMap[`areas[${i}].passes`] = `passes_${code}`;
        fieldMap[`areas[${i}].override_reason`] = `override_${code}`;
      }
      const np = v('numbing.product');
      const na = v('numbing.applied_at');
      const nr = v('numbing.removed_at');
      body.numbing = np || na || nr
        ? { product: np, applied_at: na ? toTs(day, na) : null, removed_at: nr ? toTs(day, nr) : null }
        : null;
      if (r.plan.uses_prp) {
        const prpBody = {
          blood_ml: numv('prp.blood_ml'),
          spin_minutes: numv('prp.spin_minutes'),
          spin_rcf: numv('prp.spin_rcf'),
          prp_ml: numv('prp.prp_ml'),
          route: v('prp.route'),
          kit_lot: v('prp.kit_lot'),
        };
        body.prp = Object.values(prpBody).some((x) => x !== null) ? prpBody : null;
      }
      body.products = (form.querySelector('[name="products"]').value || '').split('\n').map((s) => s.trim()).filter(Boolean);
      if (form.querySelector('[name="reaction_none"]').checked) {
        body.reactions = [{ type: 'none' }];
      } else {
        body.reactions = types.filter((t) => v(`reaction_${t}`)).map((t) => ({ type: t, severity: Number(v(`reaction_${t}`)) }));
      }
      return { body, fieldMap };
    }

    function localCheck() {
      for (const code of planAreas) {
        const el = form.querySelector(`[name="depth_${code}"]`);
        if (!el.value.trim()) continue;
        const { value: d, error } = parseDepth(el.value);
        const info = areaInfo.get(code);
        const name = info ? info.name : code;
        if (error) {
          showFormError(form, `The depth for ${name}: ${error}`, { details: { field: `depth_${code}` }, message: error });
          return false;
        }
        if (d > DEEPEST_MM + 1e-9) {
          showFormError(form, `${name}: 3.0 mm is the deepest possible. Lower the depth.`, { details: { field: `depth_${code}` }, message: '3.0 mm is the deepest possible.' });
          return false;
        }
        if (d < 0.2) {
          showFormError(form, `The depth for ${name} must be at least 0.20 mm.`, { details: { field: `depth_${code}` }, message: 'At least 0.20 mm.' });
          return false;
        }
        if (info && d > info.max_depth_mm + 1e-9 && !form.querySelector(`[name="override_${code}"]`).value.trim()) {
          showFormError(form, `${info.name}: ${mm(d)} mm is deeper than the area's maximum of ${mm(info.max_depth_mm)} mm. Give a reason to go deeper, or lower the depth.`, { details: { field: `override_${code}` }, message: 'A reason is needed above the maximum.' });
          return false;
        }
      }
      return true;
    }

    async function saveDraft() {
      const { body, fieldMap } = read();
      const wasDirty = dirty;
      dirty = false;
      try {
        const saved = await api.put(`/appointments/${apptId}/session`, body);
        record = saved;
        if (!dirty) dropDraft(formKey);
        clearTimeout(timer);
        timer = null;
        showSaved(saved);
        return { saved };
      } catch (err) {
        dirty = dirty || wasDirty;
        if (err instanceof ApiError && err.code === 'unauthenticated') return { failed: true };
        const text = err.code === 'depth_exceeds_area_max'
          ? `${areaInfo.get(err.details.area)?.name || err.details.area}: ${mm(err.details.depth_mm)} mm is deeper than the area's maximum of ${mm(err.details.max_depth_mm)} mm. Give a reason to go deeper, or lower the depth.`
          : errorSentence(err);
        const f = err.details && err.details.field;
        const mapped = err.code === 'depth_exceeds_area_max' && err.details.area
          ? { ...err, details: { ...err.details, field: `override_${err.details.area}` } }
          : err;
        if (err.code === 'depth_exceeds_area_max' && err.details.area) {
          const wrap = form.querySelector(`[data-field="override_${err.details.area}"]`);
          if (wrap) wrap.hidden = false;
        }
        showFormError(form, text, mapped, f ? fieldMap : {});
        return { failed: true };
      }
    }

    function afterSave(saved) {
      const warn = (saved.warnings || []).map((w) => message(warningSentence(w), 'warn', { role: 'status' }));
      showMissing(saved.missing);
      for (const el of form.querySelectorAll('.form-message')) el.remove();
      if (warn.length) form.prepend(h('div', { class: 'form-message' }, warn));
    }

    form.addEventListener('submit', (e) => {
      e.preventDefault();
      clearErrors(form);
      if (!localCheck()) return;
      busy(save, async () => {
        const res = await saveDraft();
        if (res.saved) {
          afterSave(res.saved);
          toast('Draft saved.');
        }
      });
    });

    if (sign) {
      sign.addEventListener('click', () => {
        clearErrors(form);
        if (!localCheck()) return;
        busy(sign, async () => {
          const res = await saveDraft();
          if (!res.saved) return;
          afterSave(res.saved);
          // With nothing missing, say what signing will freeze and ask first.
          if (!(res.saved.missing || []).length && !(await confirmSign(res.saved))) return;
          try {
            record = await api.post(`/appointments/${apptId}/session/sign`, {});
            dropDraft(formKey);
            toast('Note signed.');
            replace(head.querySelector('.sub'), subline());
            drawSigned();
            root.querySelector('h1').focus();
          } catch (err) {
            if (err instanceof ApiError && err.code === 'unauthenticated') return;
            if (err.code === 'not_signable') {
              const list = (err.details.missing || []).map((m) => h('li', {}, missingSentence(m)));
              clearErrors(form);
              const box = h('div', { class: 'msg msg-error form-message not-signable', role: 'alert', tabindex: '-1' },
                h('strong', {}, 'The note cannot be signed yet. Still needed:'), h('ul', {}, list));
              form.prepend(box);
              box.focus();
              showMissing(err.details.missing);
            } else {
              showFormError(form, errorSentence(err), err);
            }
          }
        });
      });
    }

    replace(root, head, form, photoSection(appt.patient_id, { appointmentId: apptId, areas: areas.items }));
    root.querySelector('h1').tabIndex = -1;
    root.dataset.status = 'draft';
  }

  /** Asks to confirm signing, listing what the signature freezes; resolves true to sign. */
  function confirmSign(saved) {
    return new Promise((resolve) => {
      const d = openDialog({ title: 'Sign and lock this note?', onClose: (ok) => resolve(ok === true) });
      const areas = (saved.areas || []).map((a) => h('li', {},
        `${(areaInfo.get(a.area) || { name: a.area }).name}: ${mm(a.depth_mm)} mm${a.passes ? `, ${a.passes} passes` : ''}${a.override_reason ? ` (over the maximum: ${a.override_reason})` : ''}`));
      const products = (saved.products || []).map((p) => h('li', {}, p));
      const lots = [];
      if (saved.cartridge_lot) lots.push(h('li', {}, `Cartridge lot ${saved.cartridge_lot}`));
      if (saved.prp && saved.prp.kit_lot) lots.push(h('li', {}, `PRP kit lot ${saved.prp.kit_lot}`));
      const signBtn = h('button', { type: 'button', class: 'primary sign-confirm' }, 'Sign and lock');
      signBtn.addEventListener('click', () => d.close(true));
      d.body.append(
        h('p', {}, 'Once signed, the note never changes: corrections can only be added as addenda. These will be frozen as they are:'),
        h('div', { class: 'sign-summary' },
          h('h3', {}, 'Areas and depths'), areas.length ? h('ul', { class: 'sign-areas' }, areas) : h('p', {}, 'No area.'),
          h('h3', {}, 'Products'), products.length ? h('ul', { class: 'sign-products' }, products) : h('p', {}, 'No product recorded.'),
          lots.length ? [h('h3', {}, 'Lots'), h('ul', { class: 'sign-lots' }, lots)] : null),
        h('div', { class: 'actions' }, signBtn, h('button', { type: 'button', onclick: () => d.close(false) }, 'Back to the note')));
      d.focusFirst();
    });
  }
}
