// The week view: one practitioner's or one room's week, Monday to Sunday, in the day
// view's 15-minute rows, with a line at the current time on today's column. A free time
// opens the booking dialog; a booked block can be dragged (or moved with the arrow keys)
// to another time or day.

import { api, cached } from '../api.js';
import { session } from '../session.js';
import { h, replace, message, field, input } from '../ui.js';
import { addDays, isoWeekday, fmtDateDay, fmtDate, clinicNow, parseTs } from '../format.js';
import {
  openIntervals, hoursText, isOpen, gridRange, timeGrid, legend, learnTypes,
} from '../calendar.js';
import { openBooking } from '../booking.js';
import { openAppointment } from '../appointment.js';

let keepFocus = null;
let focusAppt = null;

export async function render(root, { query, isCurrent }) {
  const [practitioners, rooms, types] = await Promise.all([
    cached('/practitioners'), cached('/rooms'),
    cached('/catalog/treatment-types').catch(() => ({ items: [] })),
  ]);
  if (!isCurrent()) return;
  learnTypes(types.items);
  const now = clinicNow();
  const asked = /^\d{4}-\d{2}-\d{2}$/.test(query.date || '') ? query.date : now.date;
  const monday = addDays(asked, 1 - isoWeekday(asked));
  const dates = Array.from({ length: 7 }, (_, i) => addDays(monday, i));

  // Whose week: the room or practitioner asked for; else one's own; else the first.
  const activePrac = practitioners.items.filter((p) => p.active !== false);
  let room = query.room ? rooms.items.find((r) => String(r.id) === query.room) : null;
  let prac = !room && query.practitioner ? practitioners.items.find((p) => String(p.id) === query.practitioner) : null;
  if (!room && !prac) prac = activePrac.find((p) => p.id === session.user.id) || activePrac[0] || null;
  if (!room && !prac) room = rooms.items[0] || null;

  const href = (d, who = room ? `room=${room.id}` : prac ? `practitioner=${prac.id}` : '') => `#/week?date=${d}${who ? `&${who}` : ''}`;

  // Opening hours: the practitioner's; for a room, any practitioner's.
  const hoursOf = room ? activePrac : prac ? [prac] : [];
  const availability = new Map();
  await Promise.all(hoursOf.map(async (p) => {
    try {
      availability.set(p.id, await cached(`/practitioners/${p.id}/availability`));
    } catch {
      availability.set(p.id, null);
    }
  }));
  if (!isCurrent()) return;

  let appts = [];
  async function load() {
    if (!room && !prac) return;
    const res = await api.get('/appointments', {
      from: dates[0], to: dates[6], limit: 2000,
      ...(room ? { room_id: room.id } : { practitioner_id: prac.id }),
    });
    appts = res.items;
  }
  await load();
  if (!isCurrent()) return;

  async function reload() {
    await load();
    if (isCurrent()) draw();
  }

  function draw() {
    const perDay = dates.map((d) => hoursOf.map((p) => openIntervals(availability.get(p.id), d)));
    const range = gridRange(perDay.flat(2), appts, dates);
    const columns = dates.map((d, i) => {
      const iv = perDay[i];
      const title = fmtDateDay(d);
      return {
        title,
        date: d,
        dayHead: true,
        sub: prac ? hoursText(iv[0] || []) : null,
        appts: appts.filter((a) => parseTs(a.start).date === d),
        open: (m) => iv.some((x) => isOpen(x, m)),
        label: (t) => `Book ${title}, ${t}${prac ? ` with ${prac.display_name}` : room ? ` in ${room.name}` : ''}`,
        prefill: (t) => ({ date: d, time: t, ...(prac ? { practitionerId: prac.id } : { roomId: room.id }) }),
      };
    });

    const who = h('select', { name: 'who', dataset: { keep: 'who' } },
      h('optgroup', { label: 'Practitioners' }, practitioners.items.map((p) => h('option', { value: `practitioner=${p.id}`, selected: !!prac && prac.id === p.id }, p.display_name))),
      h('optgroup', { label: 'Rooms' }, rooms.items.filter((r) => r.active || (room && room.id === r.id)).map((r) => h('option', { value: `room=${r.id}`, selected: !!room && room.id === r.id }, r.name))));
    who.addEventListener('change', () => {
      keepFocus = 'who';
      location.hash = href(monday, who.value);
    });
    const dateInput = input({ type: 'date', name: 'date', value: asked, dataset: { keep: 'date' } });
    dateInput.addEventListener('change', () => {
      keepFocus = 'date';
      if (dateInput.value) location.hash = href(dateInput.value);
    });
    const dayHref = room ? `#/day?date=${asked}&view=rooms` : `#/day?date=${asked}`;
    const toolbar = h('div', { class: 'toolbar no-print' },
      h('div', { class: 'toolbar-group' },
        h('a', { class: 'button', href: href(addDays(monday, -7)), 'aria-label': 'Previous week', dataset: { keep: 'prev' }, onclick: keep }, '‹ Previous'),
        h('a', { class: 'button', href: href(now.date), 'aria-label': 'This week', dataset: { keep: 'today' }, onclick: keep }, 'Today'),
        h('a', { class: 'button', href: href(addDays(monday, 7)), 'aria-label': 'Next week', dataset: { keep: 'next' }, onclick: keep }, 'Next ›'),
        field('Date', dateInput, { className: 'inline' })),
      h('div', { class: 'toolbar-group segmented', role: 'group', 'aria-label': 'Period' },
        h('a', { class: 'button', href: dayHref }, 'Day'),
        h('a', { class: 'button', href: href(asked), 'aria-current': 'true' }, 'Week')),
      h('div', { class: 'toolbar-group' }, field('Show', who, { className: 'inline' })),
      h('div', { class: 'toolbar-group' },
        h('button', { type: 'button', class: 'primary', onclick: () => book(prac ? { practitionerId: prac.id } : room ? { roomId: room.id } : {}) }, 'New appointment')));

    const name = prac ? prac.display_name : room ? room.name : '';
    const title = `Week — ${name}, ${fmtDate(dates[0])} – ${fmtDate(dates[6])}`;
    const count = appts.filter((a) => a.status !== 'cancelled').length;
    const summary = h('p', { class: 'summary no-print' }, `${count} appointment${count === 1 ? '' : 's'}`,
      dates.includes(now.date) ? ' · this week' : '');

    const grid = room || prac
      ? timeGrid({
        columns,
        range,
        where: (a) => (room ? a.practitioner_name : a.room_name),
        colLabel: (c) => `${c.title}, ${name}`,
        onOpen: (a) => openAppointment(a, { onChange: reload }),
        onBook: book,
        onMoved: (a) => {
          focusAppt = a.id;
          reload();
        },
        minWidth: '8rem',
      })
      : message('No practitioners or rooms to show.', 'info');

    replace(root,
      h('div', { class: 'page-head' }, h('h1', {}, title)),
      toolbar,
      summary,
      h('p', { class: 'hint no-print' }, 'Free times are buttons: use the arrow keys to move between them and Enter to book. Drag a booked appointment to another time or day, or focus it and use the arrow keys, then Enter.'),
      legend(types.items),
      grid);
    root.dataset.week = monday;
    root.dataset.who = room ? `room-${room.id}` : prac ? `practitioner-${prac.id}` : '';
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

  function book(prefill) {
    openBooking({ date: prefill.date || (dates.includes(now.date) ? now.date : dates[0]), ...prefill, onBooked: reload });
  }

  draw();
}

function keep(e) {
  keepFocus = e.currentTarget.dataset.keep;
}
