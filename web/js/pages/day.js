// The day view: a column per practitioner (or per room), 15-minute rows within opening
// hours, appointment blocks; a free cell opens the booking dialog, a block opens the
// appointment panel; a booked block can be dragged (or moved with the arrow keys) to
// another time or column. "My day" is the same view filtered to the logged-in
// practitioner. The print stylesheet prints the hidden day-sheet table instead of the grid.

import { api, cached } from '../api.js';
import { session } from '../session.js';
import { h, replace, message, field, input, table } from '../ui.js';
import {
  today, setClinicToday, addDays, fmtDateLong, isoWeekday, parseTs, minutesToHhmm,
  KIND_LABEL, STATUS_LABEL, fmtRange, WEEKDAY_NAMES, timeOffOn,
} from '../format.js';
import {
  openIntervals, hoursText, isOpen, gridRange, timeGrid, legend, learnTypes, isFreed, toMin,
  timeOffBlocks,
} from '../calendar.js';
import { openBooking } from '../booking.js';
import { openAppointment } from '../appointment.js';

// The toolbar control that moved to another day or view, focused again once drawn.
let keepFocus = null;
// The appointment just moved, focused again once the day is drawn anew.
let focusAppt = null;

export async function render(root, { query, opts, isCurrent }) {
  const mine = !!opts.mine;
  const base = mine ? '#/my-day' : '#/day';
  const view = !mine && query.view === 'rooms' ? 'rooms' : 'practitioners';

  // With the phone numbers: the page is printable at any moment.
  let sheet = await api.get('/day-sheet', { phones: true, ...(query.date ? { date: query.date } : {}) });
  if (!query.date) setClinicToday(sheet.date);
  const date = sheet.date;
  const [rooms, types] = await Promise.all([cached('/rooms'), cached('/catalog/treatment-types').catch(() => ({ items: [] }))]);
  if (!isCurrent()) return;
  learnTypes(types.items);

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
    sheet = await api.get('/day-sheet', { date, phones: true });
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
      intervals.set(p.practitioner_id, openIntervals(availability.get(p.practitioner_id), date));
    }

    const shownIv = (view === 'rooms' ? sheet.practitioners : sheetPractitioners)
      .flatMap((p) => intervals.get(p.practitioner_id));
    const range = gridRange(shownIv, [...byId.values()], [date]);

    let columns;
    if (view === 'rooms') {
      columns = sheet.rooms.filter((r) => r.active || r.appointment_ids.length).map((r) => ({
        title: r.name,
        date,
        roomId: r.room_id,
        appts: r.appointment_ids.map((id) => byId.get(id)).filter(Boolean),
        open: (m) => sheet.practitioners.some((p) => isOpen(intervals.get(p.practitioner_id), m)),
        label: (t) => `Book ${t} in ${r.name}`,
        prefill: (t) => ({ time: t, roomId: r.room_id }),
      }));
    } else {
      columns = sheetPractitioners.map((p) => ({
        title: p.name,
        date,
        sub: [hoursText(intervals.get(p.practitioner_id)),
          ...timeOffOn(availability.get(p.practitioner_id), date).map((o) => `Time off ${minutesToHhmm(o.from)}–${minutesToHhmm(o.to)}: ${o.reason}`)].join(' · '),
        extras: (range) => timeOffBlocks(availability.get(p.practitioner_id), date, range),
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
        if (isFreed(a)) continue;
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
    const weekFor = mine ? `&practitioner=${session.user.id}`
      : view === 'rooms' && columns.length ? `&room=${columns[0].roomId}`
        : columns.length ? `&practitioner=${columns[0].practitionerId}` : '';
    const toolbar = h('div', { class: 'toolbar no-print' },
      h('div', { class: 'toolbar-group' },
        h('a', { class: 'button', href: href(addDays(date, -1)), 'aria-label': 'Previous day', dataset: { keep: 'prev' }, onclick: keep }, '‹ Previous'),
        h('a', { class: 'button', href: mine ? '#/my-day' : `#/day${view === 'rooms' ? '?view=rooms' : ''}`, dataset: { keep: 'today' }, onclick: keep }, 'Today'),
        h('a', { class: 'button', href: href(addDays(date, 1)), 'aria-label': 'Next day', dataset: { keep: 'next' }, onclick: keep }, 'Next ›'),
        field('Date', dateInput, { className: 'inline' })),
      h('div', { class: 'toolbar-group segmented', role: 'group', 'aria-label': 'Period' },
        h('a', { class: 'button', href: href(date), 'aria-current': 'true' }, 'Day'),
        h('a', { class: 'button', href: `#/week?date=${date}${weekFor}` }, 'Week')),
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
    const grid = columns.length
      ? timeGrid({
        columns,
        range,
        where: (a) => (view === 'rooms' ? a.practitioner_name : a.room_name),
        onOpen: openAppt,
        onBook: book,
        onMoved: (a) => {
          focusAppt = a.id;
          reload();
        },
      })
      : message(mine ? 'You are not listed as a practitioner.' : 'No practitioners or rooms to show.', 'info');

    replace(root,
      h('div', { class: 'page-head' }, h('h1', {}, title)),
      toolbar,
      summary,
      h('p', { class: 'hint no-print' }, 'Free times are buttons: use the arrow keys to move between them and Enter to book. Drag a booked appointment to move it, or focus it and use the arrow keys, then Enter.'),
      legend(types.items),
      grid,
      printSheet(columns, view));
    root.dataset.date = date;
    root.dataset.view = view;
    if (keepFocus) {
      const el = root.querySelector(`[data-keep="${keepFocus}"]`);
      keepFocus = null;
      if (el) el.focus();
    }
    if (focusAppt) {
      const el = root.querySelector(`.appt[data-id="${focusAppt}"]`);
      focusAppt = null;
      if (el) el.focus();
    }
  }

  draw();
}

/**
 * The printed day sheet: every appointment by column and time, with the patient's phone
 * number and the appointment's notes for the desk's calls; no clinical details.
 */
function printSheet(columns, view) {
  const rows = [];
  for (const c of columns) {
    const sorted = [...c.appts].sort((a, b) => a.start.localeCompare(b.start));
    for (const a of sorted) {
      rows.push([c.title, fmtRange(a.start, a.end), `${a.patient_name} (${a.patient_mrn || ''})`,
        a.patient_phone || '—',
        KIND_LABEL[a.kind] + (a.treatment_type ? ` ${a.treatment_type}` : ''),
        a.session_label || '', view === 'rooms' ? a.practitioner_name : a.room_name, STATUS_LABEL[a.status],
        a.notes || '']);
    }
  }
  return h('div', { class: 'print-only' },
    rows.length
      ? table([view === 'rooms' ? 'Room' : 'Practitioner', 'Time', 'Patient', 'Phone', 'Kind', 'Session', view === 'rooms' ? 'Practitioner' : 'Room', 'Status', 'Notes'], rows, { className: 'print-sheet' })
      : h('p', {}, 'No appointments.'));
}

function keep(e) {
  keepFocus = e.currentTarget.dataset.keep;
}
