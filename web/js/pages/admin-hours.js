// Admin: a practitioner's weekly hours and time off.

import { api, cached, ApiError, invalidate } from '../api.js';
import {
  h, replace, field, input, select, checkbox, message, showFormError, clearErrors, busy, toast, nextId,
} from '../ui.js';
import { errorSentence, fmtTs, toTs, WEEKDAY_NAMES, hhmmToMinutes } from '../format.js';

// Booked patients whose appointments the last change left outside the hours: shown once,
// above the forms, so that the clinic can call them.
let stranded = null;

function rememberStranded(answer) {
  const w = ((answer && answer.warnings) || []).find((x) => x.code === 'bookings_outside_hours');
  stranded = w ? w.appointments : null;
}

function strandedList(items) {
  return h('section', { class: 'card stranded', role: 'alert' },
    h('h2', {}, 'Call these patients'),
    h('p', {}, `The change is saved, but ${items.length === 1 ? 'one booked appointment now lies' : `${items.length} booked appointments now lie`} outside the practitioner's hours. Call each patient to move the appointment.`),
    h('table', { class: 'list' },
      h('thead', {}, h('tr', {}, ['Patient', 'Appointment', 'Phone'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, items.map((a) => h('tr', {},
        h('td', {}, h('a', { href: `#/patients/${a.patient_id}` }, a.patient_name)),
        h('td', {}, fmtTs(a.start)),
        h('td', {}, a.phone ? h('a', { href: `tel:${a.phone}` }, a.phone) : 'no phone on file'))))));
}

export async function render(root, { query, isCurrent }) {
  const practitioners = await cached('/practitioners');
  if (!isCurrent()) return;
  if (!practitioners.items.length) {
    replace(root, h('h1', {}, 'Working hours'), message('There are no practitioners yet: create a user with the practitioner role first.', 'info'));
    return;
  }
  const pid = Number(query.p) || practitioners.items[0].id;
  const avail = await api.get(`/practitioners/${pid}/availability`);
  if (!isCurrent()) return;
  const reload = () => {
    invalidate(`/practitioners/${pid}/availability`);
    render(root, { query: { p: String(pid) }, isCurrent });
  };

  const who = select({ name: 'practitioner' }, practitioners.items.map((p) => [p.id, p.display_name]), pid);
  who.addEventListener('change', () => {
    location.hash = `#/admin/hours?p=${who.value}`;
  });

  // Weekly hours: each weekday's periods, or one empty row when the day is off.
  const rows = [];
  for (let wd = 1; wd <= 7; wd++) {
    const periods = avail.hours.filter((x) => x.weekday === wd);
    const list = periods.length ? periods : [null];
    list.forEach((p, i) => {
      const works = checkbox([h('span', { class: 'visually-hidden' }, `${WEEKDAY_NAMES[wd - 1]}: `), i === 0 ? 'works' : 'also works'], { name: `works_${wd}_${i}`, checked: !!p });
      const startId = nextId('start');
      const endId = nextId('end');
      const start = input({ id: startId, name: `start_${wd}_${i}`, type: 'time', step: 900, value: p ? p.start : '09:00' });
      const end = input({ id: endId, name: `end_${wd}_${i}`, type: 'time', step: 900, value: p ? (p.end === '24:00' ? '23:59' : p.end) : '17:00' });
      rows.push(h('tr', { dataset: { wd: String(wd), i: String(i) } },
        h('th', { scope: 'row' }, i === 0 ? WEEKDAY_NAMES[wd - 1] : ''),
        h('td', {}, works),
        h('td', {}, h('label', { for: startId, class: 'visually-hidden' }, `${WEEKDAY_NAMES[wd - 1]} from`), start),
        h('td', {}, h('label', { for: endId, class: 'visually-hidden' }, `${WEEKDAY_NAMES[wd - 1]} until`), end)));
    });
  }
  const saveHours = h('button', { type: 'submit', class: 'primary' }, 'Save weekly hours');
  const hoursForm = h('form', { class: 'card', novalidate: true },
    h('h2', {}, 'Weekly hours'),
    h('table', { class: 'list hours-table' },
      h('thead', {}, h('tr', {}, ['Day', 'Works', 'From', 'Until'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows)),
    h('div', { class: 'actions' }, saveHours));
  hoursForm.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(hoursForm);
    const hours = [];
    for (const tr of hoursForm.querySelectorAll('tbody tr')) {
      const { wd, i } = tr.dataset;
      if (!tr.querySelector(`[name="works_${wd}_${i}"]`).checked) continue;
      const start = tr.querySelector(`[name="start_${wd}_${i}"]`).value;
      const end = tr.querySelector(`[name="end_${wd}_${i}"]`).value;
      if (!start || !end || hhmmToMinutes(end) <= hhmmToMinutes(start)) {
        showFormError(hoursForm, `${WEEKDAY_NAMES[wd - 1]}: the end must be after the start.`, null);
        tr.querySelector(`[name="end_${wd}_${i}"]`).focus();
        return;
      }
      hours.push({ weekday: Number(wd), start, end });
    }
    busy(saveHours, async () => {
      try {
        rememberStranded(await api.put(`/practitioners/${pid}/availability`, { hours }));
        toast('Weekly hours saved.');
        reload();
      } catch (err) {
        if (err instanceof ApiError && err.code === 'unauthenticated') return;
        showFormError(hoursForm, errorSentence(err), err);
      }
    });
  });

  // Time off.
  const offFrom = input({ name: 'from_date', type: 'date' });
  const offFromT = input({ name: 'from_time', type: 'time', value: '00:00', step: 900 });
  const offTo = input({ name: 'to_date', type: 'date' });
  const offToT = input({ name: 'to_time', type: 'time', value: '23:59' });
  const reason = input({ name: 'reason', maxlength: 200 });
  const addOff = h('button', { type: 'submit', class: 'primary' }, 'Add time off');
  const offForm = h('form', { class: 'card', novalidate: true },
    h('h2', {}, 'Time off'),
    avail.time_off.length
      ? h('ul', { class: 'history' }, avail.time_off.map((t) => h('li', {}, `${fmtTs(t.start)} – ${fmtTs(t.end)}: ${t.reason}`)))
      : h('p', {}, 'No time off recorded.'),
    h('div', { class: 'grid-4' },
      field('From date', offFrom), field('From time', offFromT),
      field('Until date', offTo), field('Until time', offToT)),
    field('Reason', reason),
    h('div', { class: 'actions' }, addOff));
  offForm.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(offForm);
    if (!offFrom.value || !offTo.value) {
      showFormError(offForm, 'Give the first and last day.', { details: { field: offFrom.value ? 'to_date' : 'from_date' }, message: 'Required.' });
      return;
    }
    if (!reason.value.trim()) {
      showFormError(offForm, 'Give a reason (e.g. holiday, training).', { details: { field: 'reason' }, message: 'Required.' });
      return;
    }
    busy(addOff, async () => {
      try {
        rememberStranded(await api.post(`/practitioners/${pid}/time-off`, {
          start: toTs(offFrom.value, offFromT.value || '00:00'),
          end: toTs(offTo.value, offToT.value || '23:59'),
          reason: reason.value.trim(),
        }));
        toast('Time off added.');
        reload();
      } catch (err) {
        if (err instanceof ApiError && err.code === 'unauthenticated') return;
        showFormError(offForm, errorSentence(err), err, { start: 'from_date', end: 'to_date' });
      }
    });
  });

  const toCall = stranded;
  stranded = null;
  replace(root,
    h('div', { class: 'page-head' }, h('h1', {}, 'Working hours')),
    toCall && toCall.length ? strandedList(toCall) : null,
    h('div', { class: 'toolbar' }, field('Practitioner', who, { className: 'inline' })),
    h('div', { class: 'two-col' }, hoursForm, offForm));
}
