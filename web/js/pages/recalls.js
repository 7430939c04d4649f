// The recall list: plans due or overdue for their next session. "Find slots" lists the
// plan's next free slots, and one click books one.

import { api, cached, ApiError } from '../api.js';
import { h, replace, select, field, message, statusBadge, busy, toast } from '../ui.js';
import { fmtDate, fmtDateDay, fmtRange, dateOf, errorSentence, warningSentence, plural } from '../format.js';

const STATE_LABEL = { overdue: 'Overdue', open: 'Due now', upcoming: 'Upcoming' };

function stateText(r) {
  if (r.state === 'overdue') return `overdue by ${plural(r.days_overdue || 0, 'day')}`;
  if (r.state === 'open') return `window open until ${fmtDate(r.next_window.to)}`;
  return `opens in ${plural(r.days_until_open || 0, 'day')}`;
}

const KIND_LABEL = { recall: 'Recall', recall_second: 'Second recall' };

// What the patient was last sent about the plan: "Recall sent 3 Jan 2027", or its state.
function lastRecallText(m) {
  if (!m) return '—';
  const what = KIND_LABEL[m.kind] || m.kind;
  if (m.status === 'sent' && m.sent_at) return `${what} sent ${fmtDate(dateOf(m.sent_at))}`;
  return `${what} ${m.status}`;
}

const REASON = {
  plan_full: 'The plan is full: every planned session is booked.',
  plan_not_active: 'The plan is not active.',
  no_capacity: 'No free slot in the due window: try another practitioner or call the patient to agree a time.',
};

export async function render(root, { query, isCurrent }) {
  const within = query.within || '14';
  const [list, practitioners, rooms] = await Promise.all([
    api.get('/recalls', { within_days: within }),
    cached('/practitioners'),
    cached('/rooms'),
  ]);
  if (!isCurrent()) return;
  const pname = (id) => (practitioners.items.find((p) => p.id === id) || {}).display_name || '';
  const rname = (id) => (rooms.items.find((r) => r.id === id) || {}).name || '';

  const withinSel = select({ name: 'within' }, [['7', '7 days'], ['14', '14 days'], ['30', '30 days'], ['60', '60 days'], ['90', '90 days']], within);
  withinSel.addEventListener('change', () => {
    location.hash = `#/recalls?within=${withinSel.value}`;
  });

  async function findSlots(r, cell, button) {
    await busy(button, async () => {
      try {
        const res = await api.get(`/plans/${r.plan_id}/next-slots`, { limit: 6 });
        if (!res.items.length) {
          replace(cell, message(REASON[res.reason] || 'No free slot found.', 'warn', { role: 'status' }));
          return;
        }
        replace(cell, h('div', { class: 'slots' },
          h('p', {}, `Free slots for session ${res.session_number}${res.window ? ` (window ${fmtDate(res.window.from)} – ${fmtDate(res.window.to)})` : ''} — click to book:`),
          h('ul', { class: 'slot-list' }, res.items.map((s) => h('li', {},
            h('button', {
              type: 'button',
              class: 'slot-choice',
              onclick: (e) => bookSlot(r, s, res.session_number, cell, e.currentTarget),
            }, `${fmtDateDay(dateOf(s.start))} ${fmtRange(s.start, s.end)} · ${pname(s.practitioner_id)} · ${rname(s.room_id)}`))))));
        const first = cell.querySelector('button');
        if (first) first.focus();
      } catch (e) {
        if (e instanceof ApiError && e.code === 'unauthenticated') return;
        replace(cell, message(errorSentence(e), 'error'));
      }
    });
  }

  async function bookSlot(r, s, sessionNumber, cell, button) {
    await busy(button, async () => {
      try {
        const appt = await api.post('/appointments', {
          patient_id: r.patient_id,
          kind: 'treatment',
          plan_id: r.plan_id,
          practitioner_id: s.practitioner_id,
          room_id: s.room_id,
          start: s.start,
          end: s.end,
        });
        const text = `Booked session ${appt.session_number || sessionNumber} for ${r.patient_name}: ${fmtDateDay(dateOf(appt.start))} ${fmtRange(appt.start, appt.end)} with ${pname(appt.practitioner_id)}.`;
        replace(cell, message(text, 'ok'),
          (appt.warnings || []).map((w) => message(warningSentence(w), 'warn', { role: 'status' })));
        toast(text);
      } catch (e) {
        if (e instanceof ApiError && e.code === 'unauthenticated') return;
        cell.prepend(message(errorSentence(e), 'error'));
      }
    });
  }

  const rows = list.items.map((r) => {
    const cell = h('div', { class: 'recall-slots' });
    const btn = h('button', { type: 'button', onclick: (e) => findSlots(r, cell, e.currentTarget) }, 'Find slots');
    return [
      h('tr', { class: `recall-${r.state}` },
        h('td', {}, h('a', { href: `#/patients/${r.patient_id}` }, r.patient_name)),
        h('td', {}, r.phone || '—'),
        h('td', {}, `${r.treatment_type} · session ${r.next_session} of ${r.planned}`),
        h('td', {}, `${fmtDate(r.next_window.from)} – ${fmtDate(r.next_window.to)}`),
        h('td', {}, statusBadge(r.state, STATE_LABEL), h('span', { class: 'sub' }, ` ${stateText(r)}`)),
        h('td', {}, pname(r.practitioner_id)),
        h('td', { class: 'recall-last' }, lastRecallText(r.last_recall)),
        h('td', {}, btn)),
      h('tr', { class: 'recall-detail' }, h('td', { colspan: '8' }, cell)),
    ];
  });

  replace(root,
    h('div', { class: 'page-head' }, h('h1', {}, 'Recalls')),
    h('p', {}, 'Active plans without a booked next session, whose due window is open, has passed, or opens soon.'),
    h('div', { class: 'toolbar' }, field('Windows opening within', withinSel, { className: 'inline' })),
    list.items.length
      ? h('table', { class: 'list recalls' },
        h('thead', {}, h('tr', {}, ['Patient', 'Phone', 'Next session', 'Due window', 'State', 'Practitioner', 'Last message', 'Book'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows.flat()))
      : message('Nobody is due: no plan needs a next session in this period.', 'info'));
}
