// What the day and week views share: opening hours as intervals, the time grid with its
// free-time buttons, appointment blocks coloured by treatment type with their status in
// words, the thin markers of freed time, the line at the current time, the legend, and
// moving a booked appointment by pointer or keyboard (the same PATCH as the reschedule
// form, whose refusal puts the block back and says why).

import { api, ApiError } from './api.js';
import { h, statusBadge, toast } from './ui.js';
import {
  isoWeekday, parseTs, minutesToHhmm, toTs, fmtRange, fmtDateDay, clinicNow, errorSentence,
  warningSentence, KIND_LABEL, STATUS_LABEL, timeOffOn,
} from './format.js';

export const ROW_PX = 28;
export const STEP = 15;
export const FALLBACK = [8 * 60, 19 * 60];

/** A practitioner's time off on date as blocks for their column, each with its reason. */
export function timeOffBlocks(avail, date, range) {
  return timeOffOn(avail, date).map((o) => {
    const from = Math.max(o.from, range[0]);
    const el = h('div', { class: 'time-off', title: `Time off ${minutesToHhmm(o.from)}–${minutesToHhmm(o.to)}: ${o.reason}` },
      h('span', {}, `Time off: ${o.reason}`));
    el.style.top = `${((from - range[0]) / STEP) * ROW_PX}px`;
    el.style.height = `${Math.max(((Math.min(o.to, range[1]) - from) / STEP) * ROW_PX - 2, ROW_PX - 2)}px`;
    return el;
  });
}

/** Cancelled and no-show appointments hold no time: their slots are free again. */
export function isFreed(a) {
  return a.status === 'cancelled' || a.status === 'no_show';
}

export function toMin(hhmm) {
  const [hh, mm] = hhmm.split(':').map(Number);
  return hh * 60 + mm;
}

/** Open intervals [from, to) in minutes for a practitioner on a date, less time off. */
export function openIntervals(avail, date) {
  if (!avail) return [FALLBACK];
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

export function hoursText(iv) {
  if (!iv.length) return 'Not working';
  return iv.map(([a, b]) => `${minutesToHhmm(a)}–${minutesToHhmm(b)}`).join(', ');
}

export function isOpen(intervals, min) {
  return intervals.some(([a, b]) => min >= a && min + STEP <= b);
}

/**
 * The rows shown: from the earliest opening hour to the latest closing, widened to fit
 * every appointment of the dates shown and the current time when today is among them;
 * 08:00-19:00 when nobody works.
 */
export function gridRange(intervals, appts, dates) {
  let from = intervals.length ? Math.min(...intervals.map((x) => x[0])) : FALLBACK[0];
  let to = intervals.length ? Math.max(...intervals.map((x) => x[1])) : FALLBACK[1];
  for (const a of appts) {
    const s = parseTs(a.start);
    const e = parseTs(a.end);
    if (!s || !dates.includes(s.date)) continue;
    from = Math.min(from, s.minutes);
    to = Math.max(to, e && e.date === s.date ? e.minutes : 24 * 60);
  }
  const now = clinicNow();
  if (dates.includes(now.date)) {
    from = Math.min(from, now.minutes);
    to = Math.max(to, Math.min(now.minutes + 1, 24 * 60));
  }
  from = Math.floor(from / 60) * 60;
  to = Math.min(Math.ceil(to / STEP) * STEP, 24 * 60);
  return [from, to];
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

// ---- colours ----

const TONES = 6;
const typeTone = new Map();

/** Gives each treatment type of the catalog its colour, in catalog order. */
export function learnTypes(types) {
  types.forEach((t, i) => typeTone.set(t.code, i % TONES));
}

/** The colour class of an appointment: its plan's treatment type, else its kind. */
export function toneClass(a) {
  if (a.treatment_type && typeTone.has(a.treatment_type)) return `tone-${typeTone.get(a.treatment_type)}`;
  if (a.treatment_type) return 'tone-other';
  return `tone-${a.kind}`;
}

/** The key to the colours (types and kinds) and to the status marks. */
export function legend(types) {
  const swatch = (cls, text) => h('li', {}, h('span', { class: `swatch ${cls}`, 'aria-hidden': 'true' }), text);
  return h('details', { class: 'legend no-print' },
    h('summary', {}, 'Legend: colours and status'),
    h('div', { class: 'legend-body' },
      h('div', {}, h('h2', { class: 'legend-title' }, 'Colour: treatment type or kind'),
        h('ul', { class: 'legend-list' },
          types.map((t) => swatch(`tone-${typeTone.get(t.code)}`, `${t.name} (${t.code})`)),
          swatch('tone-consultation', KIND_LABEL.consultation),
          swatch('tone-review', KIND_LABEL.review))),
      h('div', {}, h('h2', { class: 'legend-title' }, 'Status: word, symbol and border'),
        h('ul', { class: 'legend-list' },
          ['booked', 'checked_in', 'completed'].map((s) => h('li', {},
            h('span', { class: `swatch swatch-status status-${s}`, 'aria-hidden': 'true' }), statusBadge(s),
            s === 'booked' ? ' thin border; drag or use the arrow keys to move it'
              : s === 'checked_in' ? ' thick border' : ' dotted border')),
          h('li', {}, h('span', { class: 'freed-sample', 'aria-hidden': 'true' }),
            `${STATUS_LABEL.cancelled} or ${STATUS_LABEL.no_show.toLowerCase()}: a thin marker at the right; the time is free to book`)))));
}

// ---- the grid ----

function sessionText(a) {
  return a.session_label ? `session ${a.session_label}` : null;
}

function span(a) {
  const p = parseTs(a.start);
  const e = parseTs(a.end);
  return { s: p.minutes, e: e.date === p.date ? e.minutes : 24 * 60 };
}

function place(el, s, e, range) {
  el.style.top = `${((s - range[0]) / STEP) * ROW_PX}px`;
  el.style.height = `${Math.max(((e - s) / STEP) * ROW_PX - 2, ROW_PX - 2)}px`;
}

function block(a, range, where, onOpen) {
  const { s, e } = span(a);
  const short = e - s <= 30;
  const kindText = [KIND_LABEL[a.kind], a.treatment_type ? ` ${a.treatment_type}` : '', sessionText(a) ? ` · ${sessionText(a)}` : ''].join('');
  const movable = a.status === 'booked';
  const btn = h('button', {
    type: 'button',
    class: `appt status-${a.status} kind-${a.kind} ${toneClass(a)}${short ? ' short' : ''}${movable ? ' movable' : ''}`,
    dataset: { id: String(a.id) },
    'aria-describedby': movable ? 'move-help' : null,
    onclick: (ev) => {
      if (btn.dataset.dragged) {
        delete btn.dataset.dragged;
        ev.preventDefault();
        return;
      }
      onOpen(a);
    },
  },
  short
    ? h('span', { class: 'appt-line' }, h('span', { class: 'appt-time' }, fmtRange(a.start, a.end)), ' ', h('strong', { class: 'appt-patient' }, a.patient_name))
    : [h('span', { class: 'appt-time' }, fmtRange(a.start, a.end)), h('strong', { class: 'appt-patient' }, a.patient_name)],
  h('span', { class: 'appt-kind' }, kindText),
  statusBadge(a.status),
  a.confirmed_at && a.status === 'booked' ? h('span', { class: 'appt-confirmed', title: 'Confirmed by the patient' }, 'confirmed') : null,
  short || !where ? null : h('span', { class: 'appt-where' }, where(a)));
  btn.title = `${fmtRange(a.start, a.end)} ${a.patient_name} — ${KIND_LABEL[a.kind]}${sessionText(a) ? `, ${sessionText(a)}` : ''} — ${STATUS_LABEL[a.status]}`;
  place(btn, s, e, range);
  btn._appt = a;
  return { el: btn, s, e };
}

/** A cancelled or no-show appointment: a thin marker that opens to say what it was. */
function freedMarker(a, range, onOpen) {
  const { s, e } = span(a);
  const what = `${STATUS_LABEL[a.status]}: ${fmtRange(a.start, a.end)} ${a.patient_name}`;
  const detail = h('div', { class: 'freed-detail', hidden: true, role: 'group', 'aria-label': what },
    h('span', { class: 'appt-time' }, fmtRange(a.start, a.end)),
    h('strong', {}, a.patient_name),
    h('span', {}, KIND_LABEL[a.kind], a.treatment_type ? ` ${a.treatment_type}` : ''),
    statusBadge(a.status),
    a.cancel_reason ? h('span', {}, `Reason: ${a.cancel_reason}`) : null,
    h('span', { class: 'hint' }, 'The time is free to book.'),
    h('button', { type: 'button', class: 'link-button', onclick: () => onOpen(a) }, 'Details'));
  const marker = h('button', {
    type: 'button',
    class: `freed status-${a.status}`,
    'aria-expanded': 'false',
    'aria-label': `${what} (freed time)`,
    title: `${what} — the time is free`,
    dataset: { id: String(a.id) },
    onclick: () => toggle(),
  });
  function toggle(open = detail.hidden) {
    detail.hidden = !open;
    marker.setAttribute('aria-expanded', open ? 'true' : 'false');
    wrap.classList.toggle('open', open);
  }
  const wrap = h('div', { class: 'freed-wrap' }, marker, detail);
  wrap.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && !detail.hidden) {
      ev.preventDefault();
      ev.stopPropagation();
      toggle(false);
      marker.focus();
    }
  });
  place(wrap, s, e, range);
  detail.style.top = '0px';
  return wrap;
}

/**
 * The grid: a time column and one column per entry of columns, each {title, sub, date,
 * practitionerId?, roomId?, appts, open(min), label(hhmm), prefill(hhmm), extras?(range)
 * (more elements for the column, such as time off)}. Free times are
 * buttons that book; booked appointments move (onMoved after a move). Returns the element.
 */
export function timeGrid({ columns, range, where, onOpen, onBook, onMoved, colLabel, minWidth = '9.5rem' }) {
  const [from, to] = range;
  const rows = (to - from) / STEP;
  const timeCol = h('div', { class: 'time-col', 'aria-hidden': 'true' },
    Array.from({ length: rows }, (_, i) => {
      const m = from + i * STEP;
      return h('div', { class: `time-cell${m % 60 === 0 ? ' hour' : ''}` }, m % 30 === 0 ? minutesToHhmm(m) : '');
    }));
  const now = clinicNow();
  let first = true;
  const colEls = columns.map((c, ci) => {
    const col = h('div', { class: `day-col${c.date === now.date ? ' today' : ''}`, role: 'group', 'aria-label': colLabel ? colLabel(c) : c.title, dataset: { col: String(ci) } });
    for (let i = 0; i < rows; i++) {
      const m = from + i * STEP;
      const t = minutesToHhmm(m);
      const hour = m % 60 === 0 ? ' hour' : '';
      if (c.open(m)) {
        col.append(h('button', {
          type: 'button',
          class: `slot${hour}`,
          tabindex: first ? '0' : '-1',
          'aria-label': c.label(t),
          dataset: { col: String(ci), row: String(i) },
          onclick: () => onBook(c.prefill(t)),
        }, h('span', { class: 'slot-label', 'aria-hidden': 'true' }, `+ ${t}`)));
        first = false;
      } else {
        col.append(h('div', { class: `slot closed${hour}`, dataset: { col: String(ci), row: String(i) } }));
      }
    }
    const held = c.appts.filter((a) => !isFreed(a));
    for (const it of layoutLanes(held.map((a) => ({ a, ...block(a, range, where, onOpen) })))) {
      if (it.lanes > 1) {
        it.el.style.left = `calc(${(100 / it.lanes) * it.lane}% + 2px)`;
        it.el.style.width = `calc(${100 / it.lanes}% - 4px)`;
      }
      it.el.dataset.col = String(ci);
      col.append(it.el);
    }
    for (const a of c.appts.filter(isFreed)) col.append(freedMarker(a, range, onOpen));
    if (c.extras) col.append(...c.extras(range));
    if (c.date === now.date && now.minutes >= from && now.minutes < to) col.append(nowLine(range));
    col.style.height = `${rows * ROW_PX}px`;
    return col;
  });
  const head = h('div', { class: 'day-head' }, h('div', { class: 'time-col-head' }, 'Time'),
    columns.map((c) => h('div', { class: `day-col-head${c.date === now.date && c.dayHead ? ' today' : ''}` }, c.title, c.sub ? h('span', { class: 'sub' }, c.sub) : null)));
  const body = h('div', { class: 'day-body' }, timeCol, colEls);
  const tpl = `4.5rem repeat(${columns.length}, minmax(${minWidth}, 1fr))`;
  head.style.gridTemplateColumns = tpl;
  body.style.gridTemplateColumns = tpl;
  body.addEventListener('keydown', (e) => moveFocus(e, body));
  const live = h('div', { class: 'visually-hidden', 'aria-live': 'polite', role: 'status' });
  const help = h('p', { id: 'move-help', class: 'visually-hidden' },
    'To move it: arrow keys move it by 15 minutes or a column, Enter moves it there, Escape leaves it.');
  const grid = h('div', { class: 'day-grid no-print' }, head, body, live, help);
  attachMoves({ body, colEls, columns, range, live, onMoved });
  return grid;
}

/** The line at the current time; it follows the clock while the view is shown. */
function nowLine(range) {
  const label = h('span', { class: 'now-label' });
  const line = h('div', { class: 'now-line', role: 'img' }, label);
  const update = () => {
    const now = clinicNow();
    const text = `Now ${minutesToHhmm(now.minutes)}`;
    label.textContent = text;
    line.setAttribute('aria-label', text);
    line.style.top = `${((now.minutes - range[0]) / STEP) * ROW_PX}px`;
  };
  update();
  const timer = setInterval(() => {
    if (!line.isConnected) clearInterval(timer);
    else update();
  }, 30000);
  return line;
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

// ---- moving an appointment ----

const DRAG_PX = 5;

/** Shows why a move was refused (or clears it) just above the grid. */
function moveMessage(grid, text) {
  let box = grid.parentNode && grid.parentNode.querySelector('.move-refused');
  if (!text) {
    if (box) box.remove();
    return;
  }
  if (!box) {
    box = h('div', { class: 'msg msg-error move-refused no-print', role: 'alert' });
    grid.before(box);
  }
  box.textContent = text;
}

function attachMoves({ body, colEls, columns, range, live, onMoved }) {
  const [from, to] = range;
  let m = null; // the move under way: {a, el, ghost, col, start, len, orig}
  let press = null; // a pointer press on a block that may become a drag

  function describe(col, start) {
    const c = columns[col];
    const where = c.practitionerId || c.roomId ? `, ${c.title}` : '';
    return `${fmtDateDay(c.date)}, ${minutesToHhmm(start)}–${minutesToHhmm(start + m.len)}${where}`;
  }

  function begin(a, el) {
    const { s, e } = span(a);
    const col = Number(el.dataset.col);
    const ghost = h('div', { class: `appt ghost ${toneClass(a)}`, 'aria-hidden': 'true' },
      h('span', { class: 'appt-time ghost-time' }), h('strong', { class: 'appt-patient' }, a.patient_name));
    m = { a, el, ghost, col, start: s, len: e - s, orig: { col, start: s } };
    el.classList.add('moving');
    moveMessage(body.parentNode, null);
    show(col, s);
  }

  function show(col, start) {
    m.col = Math.max(0, Math.min(colEls.length - 1, col));
    m.start = Math.max(from, Math.min(to - m.len, start));
    if (m.ghost.parentNode !== colEls[m.col]) colEls[m.col].append(m.ghost);
    place(m.ghost, m.start, m.start + m.len, range);
    m.ghost.querySelector('.ghost-time').textContent = `→ ${minutesToHhmm(m.start)}–${minutesToHhmm(m.start + m.len)}`;
  }

  function announce() {
    live.textContent = `Move ${m.a.patient_name} to ${describe(m.col, m.start)}: Enter to move, Escape to leave it.`;
  }

  function end() {
    if (!m) return;
    m.ghost.remove();
    m.el.classList.remove('moving');
    m = null;
  }

  async function commit() {
    const mv = m;
    if (mv.col === mv.orig.col && mv.start === mv.orig.start) {
      end();
      live.textContent = 'Not moved.';
      return;
    }
    const c = columns[mv.col];
    const a = mv.a;
    const change = {
      start: toTs(c.date, minutesToHhmm(mv.start)),
      end: toTs(c.date, minutesToHhmm(mv.start + mv.len)),
      practitioner_id: c.practitionerId || a.practitioner_id,
      room_id: c.roomId || a.room_id,
    };
    const where = describe(mv.col, mv.start);
    mv.ghost.classList.add('pending');
    mv.pending = true;
    live.textContent = `Moving ${a.patient_name}…`;
    try {
      const res = await api.patch(`/appointments/${a.id}`, change);
      toast(`Moved: ${a.patient_name} to ${where}.`);
      for (const w of res.warnings || []) toast(warningSentence(w), 'warn');
      end();
      if (onMoved) onMoved(res);
    } catch (err) {
      end();
      if (err instanceof ApiError && err.code === 'unauthenticated') return;
      const why = errorSentence(err);
      moveMessage(body.parentNode, `Not moved: ${a.patient_name} stays at ${fmtRange(a.start, a.end)}. ${why}`);
      live.textContent = `Not moved. ${why}`;
      if (mv.el.isConnected) mv.el.focus();
    }
  }

  /** The column and start time under the pointer, keeping the grab point on the block. */
  function under(x, y) {
    let col = colEls.findIndex((el) => {
      const r = el.getBoundingClientRect();
      return x >= r.left && x < r.right;
    });
    if (col < 0) {
      const first = colEls[0].getBoundingClientRect();
      col = x < first.left ? 0 : colEls.length - 1;
    }
    const top = colEls[col].getBoundingClientRect().top;
    const rowsFromTop = Math.round((y - press.grabY - top) / ROW_PX);
    return [col, from + rowsFromTop * STEP];
  }

  body.addEventListener('pointerdown', (e) => {
    const el = e.target.closest && e.target.closest('.appt.movable');
    if (!el || e.button !== 0 || m) return;
    const a = el._appt;
    if (!a) return;
    press = { el, a, x: e.clientX, y: e.clientY, id: e.pointerId, grabY: e.clientY - el.getBoundingClientRect().top, dragging: false };
    el.setPointerCapture(e.pointerId);
  });
  body.addEventListener('pointermove', (e) => {
    if (!press || e.pointerId !== press.id) return;
    if (!press.dragging) {
      if (Math.abs(e.clientX - press.x) < DRAG_PX && Math.abs(e.clientY - press.y) < DRAG_PX) return;
      press.dragging = true;
      begin(press.a, press.el);
    }
    e.preventDefault();
    const [col, start] = under(e.clientX, e.clientY);
    show(col, start);
  });
  const release = (e, cancelled) => {
    if (!press || e.pointerId !== press.id) return;
    const p = press;
    press = null;
    if (p.el.hasPointerCapture(e.pointerId)) p.el.releasePointerCapture(e.pointerId);
    if (!p.dragging || !m || m.pending) return;
    // The click that follows a drag does not open the appointment.
    p.el.dataset.dragged = '1';
    setTimeout(() => { delete p.el.dataset.dragged; }, 0);
    if (cancelled) end();
    else commit();
  };
  body.addEventListener('pointerup', (e) => release(e, false));
  body.addEventListener('pointercancel', (e) => release(e, true));

  body.addEventListener('keydown', (e) => {
    const el = e.target.closest && e.target.closest('.appt');
    if (!el || !el.classList.contains('appt')) return;
    const keys = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
    const d = keys[e.key];
    if (d) {
      e.preventDefault();
      if (!el.classList.contains('movable')) {
        live.textContent = 'Only a booked appointment can be moved.';
        return;
      }
      if (m && m.pending) return;
      if (!m) begin(el._appt, el);
      show(m.col + d[0], m.start + d[1] * STEP);
      announce();
    } else if (e.key === 'Enter' && m && m.el === el) {
      e.preventDefault();
      if (!m.pending) commit();
    } else if (e.key === 'Escape' && m && m.el === el && !m.pending) {
      e.preventDefault();
      e.stopPropagation();
      end();
      live.textContent = 'Not moved.';
    }
  });
  body.addEventListener('focusout', (e) => {
    if (m && !m.pending && !press && e.target === m.el) end();
  });
}
