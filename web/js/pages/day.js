// The day view: a column per practitioner (or per room), 15-minute rows within opening
// hours, appointment blocks; a free cell opens the booking dialog, a block opens the
// appointment panel. "My day" is the same view filtered to the logged-in practitioner.
// The print stylesheet prints the hidden day-sheet table instead of the grid.

import { api, cached } from '../api.js';
import { session } from '../session.js';
import { h, replace, statusBadge, message, field, input, table } from '../ui.js';
import {
  today, setClinicToday, addDays, fmtDateLong, isoWeekday, parseTs, minutesToHhmm,
  KIND_LABEL, STATUS_LABEL, fmtRange, WEEKDAY_NAMES, timeOffOn,
} from '../format.js';
import { openBooking } from '../booking.js';
import { openAppointment } from '../appointment.js';

const ROW_PX = 28;
// The toolbar control that moved to another day or view, focused again once drawn.
let keepFocus = null;
const STEP = 15;
const FALLBACK = [8 * 60, 19 * 60];

/** Open intervals [from, to) in minutes for a practitioner on a date, less time off. */
function openIntervals(avail, date) {
  const wd = isoWeekday(date);
  let iv = (avail.hours || [])
    .filter((x) => x.weekday === wd)
    .map((x) => [toMin(x.start), toMin(x.end)]);
  for (const off of avail.time_off || []) {
    const s = parseTs(off.start);
    const e = parseTs(off.end);
    if (!s || !e || s.date > date || e.date < date) continue;
    const from = s.date < date ? 0 : s.minutes;
    const to = e.date > date ? 24 * 60 : e.minutes;
    iv = iv.flatMap(([a, b]) => {
      if (to <= a || from >= b) return [[a, b]];
      const out = [];
      if (from > a) out.push([a, from]);
      if (to < b) out.push([to, b]);
      return out;
    });
  }
  return iv;
}

/** The practitioner's time off that day as blocks in their column, with the reason. */
function timeOffBlocks(avail, date, range) {
  return timeOffOn(avail, date).map((o) => {
    const from = Math.max(o.from, range[0]);
    const el = h('div', { class: 'time-off', title: `Time off ${minutesToHhmm(o.from)}–${minutesToHhmm(o.to)}: ${o.reason}` },
      h('span', {}, `Time off: ${o.reason}`));
    el.style.top = `${((from - range[0]) / STEP) * ROW_PX}px`;
    el.style.height = `${Math.max(((Math.min(o.to, range[1]) - from) / STEP) * ROW_PX - 2, ROW_PX - 2)}px`;
    return el;
  });
}

function hoursText(iv) {
  if (!iv.length) return 'Not working';
  return iv.map(([a, b]) => `${minutesToHhmm(a)}–${minutesToHhmm(b)}`).join(', ');
}

function toMin(hhmm) {
  const [hh, mm] = hhmm.split(':').map(Number);
  return hh * 60 + mm;
}

function isOpen(intervals, min) {
  return intervals.some(([a, b]) => min >= a && min + STEP <= b);
}

/** Side-by-side lanes for overlapping appointments in one column. */
function layoutLanes(items) {
  const sorted = [...items].sort((a, b) => a.s - b.s || a.e - b.e);
  let cluster = [];
  let clusterEnd = -1;
  const flush = () => {
    const lanes = [];
    for (const it of cluster) {
      let lane = lanes.findIndex((end) => end <= it.s);
      if (lane < 0) {
        lane = lanes.length;
        lanes.push(0);
      }
      lanes[lane] = it.e;
      it.lane = lane;
    }
    for (const it of cluster) it.lanes = lanes.length;
    cluster = [];
  };
  for (const it of sorted) {
    if (cluster.length && it.s >= clusterEnd) flush();
    cluster.push(it);
    clusterEnd = Math.max(clusterEnd, it.e);
  }
  flush();
  return sorted;
}

function sessionText(a) {
  return a.session_label ? `session ${a.session_label}` : null;
}

function block(a, range, view, onOpen) {
  const p = parseTs(a.start);
  const e = parseTs(a.end);
  const s = p.minutes;
  const end = e.date === p.date ? e.minutes : 24 * 60;
  const short = end - s <= 30;
  const kindText = [KIND_LABEL[a.kind], a.treatment_type ? ` ${a.treatment_type}` : '', sessionText(a) ? ` · ${sessionText(a)}` : ''].join('');
  const btn = h('button', {
    type: 'button',
    class: `appt status-${a.status} kind-${a.kind}${short ? ' short' : ''}`,
    onclick: () => onOpen(a),
  },
  short
    ? h('span', { class: 'appt-line' }, h('span', { class: 'appt-time' }, fmtRange(a.start, a.end)), ' ', h('strong', { class: 'appt-patient' }, a.patient_name))
    : [h('span', { class: 'appt-time' }, fmtRange(a.start, a.end)), h('strong', { class: 'appt-patient' }, a.patient_name)],
  h('span', { class: 'appt-kind' }, kindText),
  statusBadge(a.status),
  short ? null : h('span', { class: 'appt-where' }, view === 'rooms' ? a.practitioner_name : a.room_name));
  btn.title = `${fmtRange(a.start, a.end)} ${a.patient_name} — ${KIND_LABEL[a.kind]}${sessionText(a) ? `, ${sessionText(a)}` : ''} — ${STATUS_LABEL[a.status]}`;
  btn.style.top = `${((s - range[0]) / STEP) * ROW_PX}px`;
  btn.style.height = `${Math.max(((end - s) / STEP) * ROW_PX - 2, ROW_PX - 2)}px`;
  return { el: btn, s, e: end };
}

export async function render(root, { query, opts, isCurrent }) {
  const mine = !!opts.mine;
  const base = mine ? '#/my-day' : '#/day';
  const view = !mine && query.view === 'rooms' ? 'rooms' : 'practitioners';

  let sheet = await api.get('/day-sheet', query.date ? { date: query.date } : {});
  if (!query.date) setClinicToday(sheet.date);
  const date = sheet.date;
  const [practitioners, rooms] = await Promise.all([cached('/practitioners'), cached('/rooms')]);
  if (!isCurrent()) return;

  const availability = new Map();
  await Promise.all(sheet.practitioners.map(async (p) => {
    try {
      availability.set(p.practitioner_id, await cached(`/practitioners/${p.practitioner_id}/availability`));
    } catch {
      availability.set(p.practitioner_id, null);
    }
  }));
  if (!isCurrent()) return;

  const href = (d, v = view) => `${base}?date=${d}${v === 'rooms' ? '&view=rooms' : ''}`;

  async function reload() {
    sheet = await api.get('/day-sheet', { date });
    if (isCurrent()) draw();
  }

  function openAppt(a) {
    openAppointment(a, { onChange: reload });
  }

  function book(prefill) {
    openBooking({ date, ...prefill, onBooked: reload });
  }

  function draw() {
    const sheetPractitioners = mine
      ? sheet.practitioners.filter((p) => p.practitioner_id === session.user.id)
      : sheet.practitioners;
    const byId = new Map();
    for (const p of sheet.practitioners) for (const a of p.appointments) byId.set(a.id, a);

    const intervals = new Map();
    for (const p of sheet.practitioners) {
      const av = availability.get(p.practitioner_id);
      intervals.set(p.practitioner_id, av ? openIntervals(av, date) : [FALLBACK]);
    }

    // The rows: the union of the shown practitioners' hours that day, widened to fit
    // every appointment; 08:00-19:00 when nobody works.
    const shownIv = (view === 'rooms' ? sheet.practitioners : sheetPractitioners)
      .flatMap((p) => intervals.get(p.practitioner_id));
    let from = shownIv.length ? Math.min(...shownIv.map((x) => x[0])) : FALLBACK[0];
    let to = shownIv.length ? Math.max(...shownIv.map((x) => x[1])) : FALLBACK[1];
    for (const a of byId.values()) {
      const s = parseTs(a.start);
      const e = parseTs(a.end);
      if (!s || s.date !== date) continue;
      from = Math.min(from, s.minutes);
      to = Math.max(to, e && e.date === date ? e.minutes : 24 * 60);
    }
    from = Math.floor(from / 60) * 60;
    to = Math.ceil(to / STEP) * STEP;
    const range = [from, to];
    const rows = (to - from) / STEP;

    let columns;
    if (view === 'rooms') {
      columns = sheet.rooms.filter((r) => r.active || r.appointment_ids.length).map((r) => ({
        title: r.name,
        roomId: r.room_id,
        appts: r.appointment_ids.map((id) => byId.get(id)).filter(Boolean),
        open: (m) => sheet.practitioners.some((p) => isOpen(intervals.get(p.practitioner_id), m)),
        label: (t) => `Book ${t} in ${r.name}`,
        prefill: (t) => ({ time: t, roomId: r.room_id }),
      }));
    } else {
      columns = sheetPractitioners.map((p) => ({
        title: p.name,
        sub: [hoursText(intervals.get(p.practitioner_id)),
          ...timeOffOn(availability.get(p.practitioner_id), date).map((o) => `Time off ${minutesToHhmm(o.from)}–${minutesToHhmm(o.to)}: ${o.reason}`)].join(' · '),
        practitionerId: p.practitioner_id,
        appts: p.appointments,
        open: (m) => isOpen(intervals.get(p.practitioner_id), m),
        label: (t) => `Book ${t} with ${p.name}`,
        prefill: (t) => ({ time: t, practitionerId: p.practitioner_id, roomId: freeRoom(t) }),
      }));
    }

    function freeRoom(t) {
      const m = toMin(t);
      const busyRooms = new Set();
      for (const a of byId.values()) {
        if (a.status === 'cancelled' || a.status === 'no_show') continue;
        const s = parseTs(a.start).minutes;
        const e = parseTs(a.end).minutes;
        if (s < m + 30 && e > m) busyRooms.add(a.room_id);
      }
      const r = rooms.items.find((x) => x.active && !busyRooms.has(x.id));
      return r ? r.id : undefined;
    }

    // Toolbar.
    const dateInput = input({ type: 'date', name: 'date', value: date, dataset: { keep: 'date' } });
    dateInput.addEventListener('change', () => {
      keepFocus = 'date';
      if (dateInput.value) location.hash = href(dateInput.value);
    });
    const toolbar = h('div', { class: 'toolbar no-print' },
      h('div', { class: 'toolbar-group' },
        h('a', { class: 'button', href: href(addDays(date, -1)), 'aria-label': 'Previous day', dataset: { keep: 'prev' }, onclick: keep }, '‹ Previous'),
        h('a', { class: 'button', href: mine ? '#/my-day' : `#/day${view === 'rooms' ? '?view=rooms' : ''}`, dataset: { keep: 'today' }, onclick: keep }, 'Today'),
        h('a', { class: 'button', href: href(addDays(date, 1)), 'aria-label': 'Next day', dataset: { keep: 'next' }, onclick: keep }, 'Next ›'),
        field('Date', dateInput, { className: 'inline' })),
      mine ? null : h('div', { class: 'toolbar-group segmented', role: 'group', 'aria-label': 'Columns' },
        h('a', { class: 'button', href: href(date, 'practitioners'), 'aria-current': view === 'practitioners' ? 'true' : null, dataset: { keep: 'by-p' }, onclick: keep }, 'By practitioner'),
        h('a', { class: 'button', href: href(date, 'rooms'), 'aria-current': view === 'rooms' ? 'true' : null, dataset: { keep: 'by-r' }, onclick: keep }, 'By room')),
      h('div', { class: 'toolbar-group' },
        h('button', { type: 'button', class: 'primary', onclick: () => book(mine ? { practitionerId: session.user.id } : {}) }, 'New appointment'),
        h('button', { type: 'button', onclick: () => window.print() }, 'Print day sheet')));

    const title = `${mine ? 'My day' : view === 'rooms' ? 'Rooms' : 'Day'} — ${fmtDateLong(date)}`;
    const count = columns.reduce((n, c) => n + c.appts.filter((a) => a.status !== 'cancelled').length, 0);
    const summary = h('p', { class: 'summary no-print' },
      `${count} appointment${count === 1 ? '' : 's'}`,
      date === today() ? ' · today' : '',
      ' · ', WEEKDAY_NAMES[isoWeekday(date) - 1]);

    // The grid.
    let grid;
    if (!columns.length) {
      grid = message(mine ? 'You are not listed as a practitioner.' : 'No practitioners or rooms to show.', 'info');
    } else {
      const timeCol = h('div', { class: 'time-col', 'aria-hidden': 'true' },
        Array.from({ length: rows }, (_, i) => {
          const m = from + i * STEP;
          return h('div', { class: `time-cell${m % 60 === 0 ? ' hour' : ''}` }, m % 60 === 0 ? minutesToHhmm(m) : m % 30 === 0 ? minutesToHhmm(m) : '');
        }));
      let first = true;
      const colEls = columns.map((c, ci) => {
        const col = h('div', { class: 'day-col', role: 'group', 'aria-label': c.title });
        for (let i = 0; i < rows; i++) {
          const m = from + i * STEP;
          const t = minutesToHhmm(m);
          const hour = m % 60 === 0 ? ' hour' : '';
          if (c.open(m)) {
            const b = h('button', {
              type: 'button',
              class: `slot${hour}`,
              tabindex: first ? '0' : '-1',
              'aria-label': c.label(t),
              dataset: { col: String(ci), row: String(i) },
              onclick: () => book(c.prefill(t)),
            }, h('span', { class: 'slot-label', 'aria-hidden': 'true' }, `+ ${t}`));
            first = false;
            col.append(b);
          } else {
            col.append(h('div', { class: `slot closed${hour}`, dataset: { col: String(ci), row: String(i) } }));
          }
        }
        const items = layoutLanes(c.appts.map((a) => ({ a, ...block(a, range, view, openAppt) })));
        for (const it of items) {
          if (it.lanes > 1) {
            it.el.style.left = `calc(${(100 / it.lanes) * it.lane}% + 2px)`;
            it.el.style.width = `calc(${100 / it.lanes}% - 4px)`;
          }
          col.append(it.el);
        }
        if (c.practitionerId) col.append(...timeOffBlocks(availability.get(c.practitionerId), date, range));
        col.style.height = `${rows * ROW_PX}px`;
        return col;
      });
      const head = h('div', { class: 'day-head' }, h('div', { class: 'time-col-head' }, 'Time'),
        columns.map((c) => h('div', { class: 'day-col-head' }, c.title, c.sub ? h('span', { class: 'sub' }, c.sub) : null)));
      const body = h('div', { class: 'day-body' }, timeCol, colEls);
      const tpl = `4.5rem repeat(${columns.length}, minmax(9.5rem, 1fr))`;
      head.style.gridTemplateColumns = tpl;
      body.style.gridTemplateColumns = tpl;
      body.addEventListener('keydown', (e) => moveFocus(e, body));
      grid = h('div', { class: 'day-grid no-print' }, head, body);
    }

    // The printable day sheet.
    const printRows = [];
    for (const c of columns) {
      const sorted = [...c.appts].sort((a, b) => a.start.localeCompare(b.start));
      for (const a of sorted) {
        printRows.push([c.title, fmtRange(a.start, a.end), `${a.patient_name} (${a.patient_mrn || ''})`,
          KIND_LABEL[a.kind] + (a.treatment_type ? ` ${a.treatment_type}` : ''),
          a.session_label || '', view === 'rooms' ? a.practitioner_name : a.room_name, STATUS_LABEL[a.status]]);
      }
    }
    const printSheet = h('div', { class: 'print-only' },
      printRows.length
        ? table([view === 'rooms' ? 'Room' : 'Practitioner', 'Time', 'Patient', 'Kind', 'Session', view === 'rooms' ? 'Practitioner' : 'Room', 'Status'], printRows, { className: 'print-sheet' })
        : h('p', {}, 'No appointments.'));

    replace(root,
      h('div', { class: 'page-head' }, h('h1', {}, title)),
      toolbar,
      summary,
      h('p', { class: 'hint no-print' }, 'Free times are buttons: use the arrow keys to move between them and Enter to book.'),
      grid,
      printSheet);
    root.dataset.date = date;
    root.dataset.view = view;
    if (keepFocus) {
      const el = root.querySelector(`[data-keep="${keepFocus}"]`);
      keepFocus = null;
      if (el) el.focus();
    }
  }

  draw();
}

function keep(e) {
  keepFocus = e.currentTarget.dataset.keep;
}

/** Arrow keys move between free-time buttons; the focused one becomes the tab stop. */
function moveFocus(e, body) {
  const t = e.target;
  if (!t.classList || !t.classList.contains('slot') || !t.dataset.col) return;
  const keys = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
  const d = keys[e.key];
  if (!d) return;
  e.preventDefault();
  let col = Number(t.dataset.col);
  let row = Number(t.dataset.row);
  for (let i = 0; i < 200; i++) {
    col += d[0];
    row += d[1];
    const next = body.querySelector(`.slot[data-col="${col}"][data-row="${row}"]`);
    if (!next) return;
    if (next.tagName === 'BUTTON') {
      t.tabIndex = -1;
      next.tabIndex = 0;
      next.focus();
      return;
    }
  }
}
