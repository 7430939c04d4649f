// The appointment panel: details, check in, cancel with a reason (late cancellations are
// said so), no-show after the start, reschedule, complete a consultation or review, and
// for clinical roles the way to the session note.

import { api, cached, ApiError } from './api.js';
import { session, isClinical, mayOverrideSpacing, mayOverrideHours } from './session.js';
import {
  h, replace, openDialog, field, input, select, textarea, message, showFormError,
  clearErrors, statusBadge, busy, toast,
} from './ui.js';
import {
  errorSentence, warningSentence, fmtDateLong, fmtRange, dateOf, timeOf, toTs,
  hhmmToMinutes, minutesToHhmm, durationMin, KIND_LABEL, fmtDuration, conditionName, conditionNames,
} from './format.js';

const FIELD_MAP = { start: 'time', end: 'time', practitioner_id: 'practitioner', room_id: 'room' };

/** How long a check-in, no-show or cancellation can be undone by its author (RULES.md rule 7). */
const UNDO_WINDOW_MS = 5 * 60 * 1000;
const UNDOABLE = { checked_in: 'check-in', no_show: 'no-show', cancelled: 'cancellation' };

/** Milliseconds left to undo the appointment's last status change by the user logged in; 0 for none. */
export function undoLeft(appt, now = Date.now()) {
  if (!UNDOABLE[appt.status] || !appt.status_changed_at || !session.user) return 0;
  if (appt.status_changed_by !== session.user.id) return 0;
  const left = Date.parse(appt.status_changed_at) + UNDO_WINDOW_MS - now;
  return left > 0 ? left : 0;
}

/** view: an appointment as the day sheet or appointment list gives it (with names). */
export async function openAppointment(view, { onChange } = {}) {
  let appt = { ...view };
  const d = openDialog({ title: `${appt.patient_name || 'Appointment'}`, wide: true });
  let practitioners;
  let rooms;
  try {
    [practitioners, rooms] = await Promise.all([cached('/practitioners'), cached('/rooms')]);
    // Cautions are named as the condition catalog names them ("Sunburn", not a code).
    if (isClinical() && !conditionNames.size) {
      const c = await cached('/catalog/conditions').catch(() => null);
      for (const x of (c && c.items) || []) conditionNames.set(x.code, x.name);
    }
  } catch (e) {
    replace(d.body, message(errorSentence(e), 'error'));
    return;
  }
  const nameOf = (list, id, key) => (list.items.find((x) => x.id === id) || {})[key];
  let notice = null;
  let undoTimer = null;

  async function refresh() {
    const fresh = await api.get(`/appointments/${appt.id}`);
    appt = {
      ...appt,
      ...fresh,
      practitioner_name: nameOf(practitioners, fresh.practitioner_id, 'display_name') || appt.practitioner_name,
      room_name: nameOf(rooms, fresh.room_id, 'name') || appt.room_name,
    };
    if (fresh.session_number && appt.planned_sessions) appt.session_label = `${fresh.session_number} of ${appt.planned_sessions}`;
  }

  function act(label, fn, { cls, disabledReason } = {}) {
    const b = h('button', { type: 'button', class: cls || null }, label);
    if (disabledReason) {
      b.disabled = true;
      b.title = disabledReason;
    }
    b.addEventListener('click', () => busy(b, async () => {
      try {
        notice = await fn();
        await refresh();
        draw();
        if (onChange) onChange(appt);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'unauthenticated') return;
        notice = message(errorSentence(err), 'error');
        draw();
      }
    }));
    return b;
  }

  function details() {
    const rows = [
      ['Patient', h('span', {}, h('a', { href: `#/patients/${appt.patient_id}` }, appt.patient_name || `Patient ${appt.patient_id}`), appt.patient_mrn ? ` · ${appt.patient_mrn}` : '')],
      ['When', `${fmtDateLong(dateOf(appt.start))}, ${fmtRange(appt.start, appt.end)} (${fmtDuration(durationMin(appt.start, appt.end))})`],
      ['Kind', `${KIND_LABEL[appt.kind]}${appt.treatment_type ? ` · ${appt.treatment_type}` : ''}${appt.session_label ? ` · session ${appt.session_label}` : appt.session_number ? ` · session ${appt.session_number}` : ''}`],
      ['Practitioner', appt.practitioner_name || nameOf(practitioners, appt.practitioner_id, 'display_name')],
      ['Room', appt.room_name || nameOf(rooms, appt.room_id, 'name')],
      ['Status', h('span', {}, statusBadge(appt.status), appt.late_cancel ? h('strong', { class: 'late' }, ' · late cancellation') : null)],
    ];
    if (appt.cancel_reason) rows.push(['Cancellation reason', appt.cancel_reason]);
    if (appt.override_reason) rows.push(['Override reason', appt.override_reason]);
    if (appt.notes) rows.push(['Note', appt.notes]);
    if (appt.cautions && appt.cautions.length) rows.push(['Cautions', appt.cautions.map(conditionName).join(', ')]);
    return h('dl', { class: 'details' }, rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  }

  function actions() {
    const s = appt.status;
    const started = Date.now() >= Date.parse(appt.start);
    const out = [];
    if (s === 'booked') out.push(act('Check in', async () => {
      await api.post(`/appointments/${appt.id}/check-in`, {});
      return message('Checked in.', 'ok');
    }, { cls: 'primary' }));
    if ((s === 'booked' || s === 'checked_in') && appt.kind !== 'treatment') {
      out.push(act('Complete', async () => {
        await api.post(`/appointments/${appt.id}/complete`, {});
        return message(`${KIND_LABEL[appt.kind]} completed.`, 'ok');
      }));
    }
    if (s === 'booked') out.push(h('button', { type: 'button', onclick: () => showReschedule() }, 'Reschedule…'));
    if (s === 'booked' || s === 'checked_in') out.push(h('button', { type: 'button', onclick: () => showCancel() }, 'Cancel appointment…'));
    if (s === 'booked') {
      out.push(act('No-show', async () => {
        await api.post(`/appointments/${appt.id}/no-show`, {});
        return message('Recorded as a no-show.', 'ok');
      }, { disabledReason: started ? null : 'Possible once the start time has passed.' }));
    }
    const left = undoLeft(appt);
    clearTimeout(undoTimer);
    if (left) {
      // Clinic time, as every time the UI shows.
      const until = minutesToHhmm((hhmmToMinutes(timeOf(appt.status_changed_at)) + 5) % (24 * 60));
      out.unshift(act(`Undo ${UNDOABLE[s]}`, async () => {
        await api.post(`/appointments/${appt.id}/undo`, {});
        toast(`The ${UNDOABLE[s]} is undone.`);
        return message(`Undone: the appointment is booked again.`, 'ok');
      }, { cls: 'undo' }));
      out.push(h('span', { class: 'hint undo-hint' }, `Undo possible until ${until}.`));
      /* The button goes when the window closes, whether or not anything else happens. */
      undoTimer = setTimeout(() => { if (d.body.isConnected) draw(); }, left + 500);
    }
    const links = [h('a', { class: 'button', href: `#/patients/${appt.patient_id}` }, 'Patient page')];
    if (isClinical()) {
      links.push(h('a', { class: 'button', href: `#/patients/${appt.patient_id}/chart` }, 'Chart'));
      if (appt.kind === 'treatment' && appt.plan_id && s !== 'cancelled' && s !== 'no_show') {
        links.push(h('a', { class: 'button primary', href: `#/appointments/${appt.id}/session` }, 'Session note'));
      }
    }
    return h('div', {},
      out.length ? h('div', { class: 'actions' }, out) : null,
      s === 'booked' && !started ? h('p', { class: 'hint' }, 'No-show can be recorded once the start time has passed.') : null,
      h('div', { class: 'actions' }, links));
  }

  const extra = h('div', { class: 'panel-extra' });

  function showCancel() {
    const reason = textarea({ name: 'reason', rows: 2, maxlength: 500 });
    const submit = h('button', { type: 'submit', class: 'danger' }, 'Cancel the appointment');
    const within = Date.parse(appt.start) - Date.now() < 24 * 3600 * 1000;
    const form = h('form', { class: 'subform', novalidate: true },
      h('h3', {}, 'Cancel'),
      within ? message('The start is less than 24 hours away: this will be a late cancellation.', 'warn', { role: 'status' }) : null,
      field('Reason (optional)', reason),
      h('div', { class: 'actions' }, submit, h('button', { type: 'button', onclick: () => replace(extra) }, 'Back')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      clearErrors(form);
      busy(submit, async () => {
        try {
          const res = await api.post(`/appointments/${appt.id}/cancel`, reason.value.trim() ? { reason: reason.value.trim() } : {});
          notice = message(res.late_cancel
            ? 'Cancelled — a late cancellation (less than 24 hours before the start).'
            : 'Cancelled.', res.late_cancel ? 'warn' : 'ok');
          await refresh();
          replace(extra);
          draw();
          if (onChange) onChange(appt);
        } catch (err) {
          if (err instanceof ApiError && err.code === 'unauthenticated') return;
          showFormError(form, errorSentence(err), err, { reason: 'reason' });
        }
      });
    });
    replace(extra, form);
    reason.focus();
  }

  function showReschedule() {
    const length = durationMin(appt.start, appt.end);
    const date = input({ type: 'date', name: 'date', value: dateOf(appt.start) });
    const time = input({ type: 'time', name: 'time', value: timeOf(appt.start), step: 900 });
    const practitioner = select({ name: 'practitioner' }, practitioners.items.map((p) => [p.id, p.display_name]), appt.practitioner_id);
    const room = select({ name: 'room' }, rooms.items.filter((r) => r.active || r.id === appt.room_id).map((r) => [r.id, r.name]), appt.room_id);
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Move the appointment');
    let override = null;
    if (mayOverrideSpacing() || mayOverrideHours()) {
      override = field('Override reason (optional)', textarea({ name: 'override_reason', rows: 2, maxlength: 500 }), {
        hint: mayOverrideHours() ? 'Only to move inside the plan\'s minimum spacing, outside working hours or into a room not equipped for the visit.' : 'Only to move inside the plan\'s minimum spacing.',
      });
    }
    const form = h('form', { class: 'subform', novalidate: true },
      h('h3', {}, 'Reschedule'),
      h('div', { class: 'grid-2' }, field('Date', date), field('Start', time, { hint: `Keeps the length of ${fmtDuration(length)}` }), field('Practitioner', practitioner), field('Room', room)),
      override,
      h('div', { class: 'actions' }, submit, h('button', { type: 'button', onclick: () => replace(extra) }, 'Back')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      clearErrors(form);
      const startMin = hhmmToMinutes(time.value);
      if (!date.value || startMin === null) {
        showFormError(form, 'Give the new date and start time.', null);
        return;
      }
      if (startMin + length > 24 * 60) {
        showFormError(form, 'An appointment must end on the same day.', { details: { field: 'time' }, message: 'Too late for this length.' });
        return;
      }
      const body = {
        start: toTs(date.value, time.value),
        end: toTs(date.value, minutesToHhmm(startMin + length)),
        practitioner_id: Number(practitioner.value),
        room_id: Number(room.value),
      };
      const ov = form.querySelector('[name="override_reason"]');
      if (ov && ov.value.trim()) body.override_reason = ov.value.trim();
      busy(submit, async () => {
        try {
          const res = await api.patch(`/appointments/${appt.id}`, body);
          const warn = (res.warnings || []).map((w) => warningSentence(w));
          notice = h('div', {}, message(`Moved to ${fmtDateLong(dateOf(res.start))}, ${fmtRange(res.start, res.end)}.`, 'ok'),
            warn.map((t) => message(t, 'warn', { role: 'status' })));
          await refresh();
          replace(extra);
          draw();
          toast('Appointment moved.');
          if (onChange) onChange(appt);
        } catch (err) {
          if (err instanceof ApiError && err.code === 'unauthenticated') return;
          showFormError(form, errorSentence(err, {
            practitionerName: (id) => nameOf(practitioners, id, 'display_name') || 'The practitioner',
          }), err, FIELD_MAP);
        }
      });
    });
    replace(extra, form);
    date.focus();
  }

  function draw() {
    replace(d.body, notice, details(), actions(), extra);
  }

  draw();
  d.focusFirst();
}
