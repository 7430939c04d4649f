// The booking dialog: patient search as you type, kind, the patient's active plans with
// their due window, practitioner, room, start and duration. What can be foreseen (too
// early or beyond the plan's spacing, not bookable, caution, under 18) is shown before
// confirming; the server's refusals and warnings are shown as plain sentences, and the
// form keeps everything typed.

import { api, cached, ApiError } from './api.js';
import { session, isClinical, mayOverrideSpacing, mayOverrideHours } from './session.js';
import {
  h, append, replace, openDialog, field, input, select, textarea, radios, radioValue, message,
  showFormError, clearErrors, toast, busy, nextId,
} from './ui.js';
import {
  errorSentence, warningSentence, fmtDate, fmtDateLong, fmtRange, toTs, hhmmToMinutes,
  minutesToHhmm, ageOn, today, KIND_LABEL, conditionName, conditionNames, fmtDuration,
} from './format.js';
import { keepDraft, dropDraft, formValues, setFormValues } from './drafts.js';

/** Statuses that hold their time (RULES.md rule 18). */
const HOLDING = new Set(['booked', 'checked_in', 'completed']);
const ROOM_KIND_LABEL = { consultation: 'consultation room', treatment: 'treatment room' };

/**
 * RULES.md rule 56: the room kind a visit needs (a treatment: its type's room_kind), and
 * whether a room has it. A treatment room takes every visit.
 */
export function roomNeed(kind, type) {
  if (kind !== 'treatment') return 'consultation';
  return (type && type.room_kind) || 'treatment';
}
export function roomSuits(need, room) {
  const k = room.kind || 'treatment';
  return k === 'treatment' || k === need;
}

/**
 * The room to offer for a visit that needs need in [start, end) (ms): the one asked for
 * when it suits and is free, else the first suitable free room, a consultation room first
 * when no more is needed (the treatment rooms stay free); busy holds [roomId, start, end].
 */
export function pickRoom(rooms, need, busy, start, end, wanted) {
  const free = (r) => !busy.some(([id, s, e]) => id === r.id && s < end && e > start);
  const ok = rooms.filter((r) => roomSuits(need, r));
  const want = ok.find((r) => r.id === wanted);
  if (want && free(want)) return want;
  const order = need === 'consultation'
    ? [...ok.filter((r) => r.kind === 'consultation'), ...ok.filter((r) => r.kind !== 'consultation')]
    : ok;
  return order.find(free) || want || order[0] || null;
}

const FIELD_MAP = {
  patient_id: 'patient', plan_id: 'plan', start: 'time', end: 'duration',
  practitioner_id: 'practitioner', room_id: 'room', override_reason: 'override_reason',
};

/** Loads the condition names once, for sentences about conditions (clinical roles). */
export async function loadConditionNames() {
  if (conditionNames.size) return;
  try {
    const c = await cached('/catalog/conditions');
    for (const r of c.items) conditionNames.set(r.code, r.name);
  } catch {
    // Codes are shown humanized instead.
  }
}

/** A patient search box (combobox): calls onPick(patient) when one is chosen. */
export function patientPicker({ onPick, initial, name = 'patient', labelText = 'Patient' }) {
  const listId = nextId('patient-list');
  const box = input({
    name, role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false',
    'aria-controls': listId, autocomplete: 'off', placeholder: 'Name, chart number, phone or date of birth',
  });
  const list = h('ul', { id: listId, role: 'listbox', class: 'combo-list', hidden: true, 'aria-label': 'Matching patients' });
  const chosen = h('div', { class: 'chosen', hidden: true });
  const wrap = h('div', { class: 'combo' }, field(labelText, box, { hint: 'Type at least 2 letters, then pick with the arrow keys and Enter.' }), list, chosen);
  let items = [];
  let active = -1;
  let timer = null;
  let seq = 0;

  function close() {
    list.hidden = true;
    box.setAttribute('aria-expanded', 'false');
    box.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function show(results) {
    items = results;
    replace(list, results.length
      ? results.map((p, i) => h('li', {
        role: 'option', id: `${listId}-${i}`, 'aria-selected': 'false',
        onmousedown: (e) => e.preventDefault(),
        onclick: () => pick(p),
      }, h('strong', {}, `${p.last_name}, ${p.first_name}`), ` · ${p.mrn} · born ${fmtDate(p.date_of_birth)}${p.phone ? ` · ${p.phone}` : ''}`))
      : [h('li', { class: 'combo-empty', role: 'option', 'aria-disabled': 'true' }, 'No patient matches.')]);
    list.hidden = false;
    box.setAttribute('aria-expanded', 'true');
    active = -1;
  }

  function highlight(i) {
    const opts = list.querySelectorAll('[role="option"]');
    if (!items.length) return;
    active = (i + items.length) % items.length;
    opts.forEach((o, k) => o.setAttribute('aria-selected', k === active ? 'true' : 'false'));
    box.setAttribute('aria-activedescendant', `${listId}-${active}`);
    opts[active].scrollIntoView({ block: 'nearest' });
  }

  function pick(p) {
    close();
    box.value = `${p.first_name} ${p.last_name}`;
    replace(chosen, h('span', {}, h('strong', {}, `${p.first_name} ${p.last_name}`), ` · ${p.mrn} · born ${fmtDate(p.date_of_birth)}`));
    chosen.hidden = false;
    onPick(p);
  }

  box.addEventListener('input', () => {
    clearTimeout(timer);
    chosen.hidden = true;
    onPick(null);
    const q = box.value.trim();
    if (q.length < 2) {
      close();
      return;
    }
    timer = setTimeout(async () => {
      const mySeq = ++seq;
      try {
        const res = await api.get('/patients', { q, limit: 8 });
        if (mySeq === seq && document.activeElement === box) show(res.items);
      } catch {
        close();
      }
    }, 200);
  });
  box.addEventListener('keydown', (e) => {
    if (list.hidden) return;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      highlight(active + 1);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      highlight(active - 1);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (active >= 0 && items[active]) pick(items[active]);
      else if (items.length === 1) pick(items[0]);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close();
    }
  });
  box.addEventListener('blur', () => setTimeout(close, 150));
  if (initial) pick(initial);
  return wrap;
}

function planLabel(plan, types) {
  const t = types.find((x) => x.code === plan.treatment_type);
  const pr = plan.progress;
  const next = pr.booked + 1;
  let due;
  if (pr.booked >= pr.planned) due = 'all sessions booked';
  else if (pr.next_window) due = `due ${fmtDate(pr.next_window.from)} – ${fmtDate(pr.next_window.to)}`;
  else due = 'first session: any date';
  return `${t ? t.name : plan.treatment_type} (${plan.treatment_type}) — session ${Math.min(next, pr.planned)} of ${pr.planned} — ${due}`;
}

/** openBooking's prefill for a booking kept as a draft (drafts.js). */
export function bookingArgs(draft) {
  const v = draft.values || {};
  return {
    patient: draft.patient || null, kind: v.kind, planId: draft.planId || null, date: v.date,
    time: v.time, practitionerId: Number(v.practitioner) || undefined, roomId: Number(v.room) || undefined,
    restore: v,
  };
}

/**
 * Opens the booking dialog. prefill: {date, time, practitionerId, roomId, patient, kind,
 * planId, restore (a draft's values)}; onBooked(appointment) after a booking. What is
 * typed is kept as the "booking" draft until booked or closed.
 */
export async function openBooking(prefill = {}) {
  const d = openDialog({ title: 'Book an appointment', wide: true, onClose: () => dropDraft('booking') });
  d.body.append(h('p', { class: 'loading' }, 'Loading…'));
  let practitioners;
  let rooms;
  let types;
  try {
    [practitioners, rooms, types] = await Promise.all([
      cached('/practitioners'), cached('/rooms'), cached('/catalog/treatment-types'),
    ]);
    if (isClinical()) await loadConditionNames();
  } catch (e) {
    replace(d.body, message(errorSentence(e), 'error'));
    return;
  }
  types = types.items;

  const state = {
    patient: null, plans: [], bookable: null, consents: null, planAppts: [], booked: null,
  };

  const form = h('form', { class: 'booking-form', novalidate: true });
  const predictions = h('div', { class: 'predictions', 'aria-live': 'polite' });
  const planSlot = h('div', { class: 'plan-slot' });
  const bookableSlot = h('div', { class: 'bookable-slot' });

  let keepDuration = !!(prefill.restore && prefill.restore.duration);
  const kindGroup = radios('Kind', 'kind', Object.entries(KIND_LABEL), prefill.kind || 'treatment', {
    onchange: () => {
      keepDuration = false;
      drawPlans();
      setDefaultDuration();
      chooseRoom();
      predict();
    },
    className: 'inline-radios',
  });

  const practitioner = select({ name: 'practitioner' }, practitioners.items.map((p) => [p.id, p.display_name]),
    prefill.practitionerId || (session.user.role === 'practitioner' ? session.user.id : practitioners.items[0]?.id));
  const activeRooms = rooms.items.filter((r) => r.active);
  const room = select({ name: 'room' }, activeRooms.map((r) => [r.id, r.name]), prefill.roomId || activeRooms[0]?.id);
  const roomHint = h('p', { class: 'hint room-hint', 'aria-live': 'polite' });
  // The room follows the visit and the time until someone picks one by hand.
  let roomChosen = false;
  room.addEventListener('input', () => { roomChosen = true; });
  const date = input({ type: 'date', name: 'date', value: prefill.date || '', required: true });
  const time = input({ type: 'time', name: 'time', value: prefill.time || '09:00', step: 900, required: true });
  const durations = [15, 30, 45, 60, 75, 90, 120, 150, 180, 240].map((m) => [m, fmtDuration(m)]);
  const duration = select({ name: 'duration' }, durations, 60);
  const notes = textarea({ name: 'notes', rows: 2, maxlength: 1000 });
  let overrideField = null;
  if (mayOverrideSpacing() || mayOverrideHours()) {
    const hint = mayOverrideHours()
      ? 'Only to book sooner than the plan\'s minimum spacing, outside working hours or in a room not equipped for the visit. It is stored and audited.'
      : 'Only to book sooner than the plan\'s minimum spacing. It is stored and audited.';
    overrideField = field('Override reason (optional)', textarea({ name: 'override_reason', rows: 2, maxlength: 500 }), { hint });
  }

  for (const el of [practitioner, room, date, time, duration]) el.addEventListener('change', predict);
  for (const el of [date, time, duration]) el.addEventListener('change', chooseRoom);

  const submit = h('button', { type: 'submit', class: 'primary' }, 'Book appointment');
  const cancel = h('button', { type: 'button', onclick: () => d.close() }, 'Close');

  const picker = patientPicker({ onPick: onPatient, initial: prefill.patient || null });

  append(form, [
    picker,
    bookableSlot,
    kindGroup,
    planSlot,
    h('div', { class: 'grid-2' },
      field('Practitioner', practitioner),
      h('div', {}, field('Room', room), roomHint),
      field('Date', date),
      field('Start', time, { hint: 'Clinic time' }),
      field('Duration', duration)),
    field('Note for the appointment (optional)', notes),
    overrideField,
    predictions,
    h('div', { class: 'actions' }, submit, cancel)]);
  replace(d.body, form);

  function setDefaultDuration() {
    if (keepDuration) {
      duration.value = prefill.restore.duration;
      return;
    }
    const kind = radioValue(form, 'kind');
    if (kind === 'treatment') {
      const plan = selectedPlan();
      const t = plan && types.find((x) => x.code === plan.treatment_type);
      duration.value = String(t ? t.default_duration_min : 60);
      if (!duration.value) duration.value = '60';
    } else {
      duration.value = '30';
    }
  }

  function currentNeed() {
    const kind = radioValue(form, 'kind');
    const plan = kind === 'treatment' ? selectedPlan() : null;
    return roomNeed(kind, plan && types.find((x) => x.code === plan.treatment_type));
  }

  /** Sets the room to a suitable one that is free at the chosen time (the day's bookings). */
  let roomSeq = 0;
  async function chooseRoom() {
    const mySeq = ++roomSeq;
    const startMin = hhmmToMinutes(time.value);
    if (!date.value || startMin === null) return;
    const start = Date.parse(toTs(date.value, time.value));
    const end = start + Number(duration.value) * 60000;
    let busyRooms = [];
    try {
      const day = await api.get('/appointments', { date: date.value, limit: 2000 });
      busyRooms = day.items.filter((a) => HOLDING.has(a.status))
        .map((a) => [a.room_id, Date.parse(a.start), Date.parse(a.end)]);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'unauthenticated') return;
      // Without the day's bookings the room is still chosen by its kind.
    }
    if (mySeq !== roomSeq) return;
    const need = currentNeed();
    const current = Number(room.value);
    // The room asked for when the dialog opened (a column of the room view) wins while it suits.
    const wanted = roomChosen ? current : prefill.roomId;
    const pick = roomChosen ? activeRooms.find((r) => r.id === current) : pickRoom(activeRooms, need, busyRooms, start, end, wanted);
    if (pick && !roomChosen) room.value = String(pick.id);
    const chosen = activeRooms.find((r) => r.id === Number(room.value));
    if (!chosen) {
      replace(roomHint);
    } else if (!roomSuits(need, chosen)) {
      replace(roomHint, `${chosen.name} is a consultation room: a treatment needs a treatment room.`);
    } else if (busyRooms.some(([id, s, e]) => id === chosen.id && s < end && e > start)) {
      replace(roomHint, `${chosen.name} is taken at that time (a ${ROOM_KIND_LABEL[chosen.kind || 'treatment']}).`);
    } else {
      replace(roomHint, `${chosen.name} is free at that time (a ${ROOM_KIND_LABEL[chosen.kind || 'treatment']}).`);
    }
  }
  room.addEventListener('change', chooseRoom);

  function selectedPlan() {
    const id = radioValue(form, 'plan');
    return id ? state.plans.find((p) => String(p.id) === id) : null;
  }

  async function onPatient(p) {
    state.patient = p;
    state.plans = [];
    state.bookable = null;
    state.consents = null;
    state.planAppts = [];
    replace(bookableSlot);
    if (!p) {
      drawPlans();
      predict();
      return;
    }
    try {
      const [plans, bookable, consents] = await Promise.all([
        api.get(`/patients/${p.id}/plans`),
        api.get(`/patients/${p.id}/bookable`),
        isClinical() ? api.get(`/patients/${p.id}/consents`) : Promise.resolve(null),
      ]);
      if (state.patient !== p) return;
      state.plans = plans.items.filter((x) => x.status === 'active');
      state.bookable = bookable;
      state.consents = consents ? consents.items : null;
    } catch (e) {
      if (e instanceof ApiError && e.code === 'unauthenticated') return;
      replace(bookableSlot, message(errorSentence(e), 'error'));
    }
    drawPlans();
    predict();
  }

  function drawPlans() {
    const kind = radioValue(form, 'kind');
    if (kind !== 'treatment') {
      replace(planSlot);
      return;
    }
    if (!state.patient) {
      replace(planSlot, h('p', { class: 'hint' }, 'Choose the patient to see their treatment plans.'));
      return;
    }
    if (!state.plans.length) {
      replace(planSlot, h('div', { dataset: { field: 'plan' } },
        message('This patient has no active treatment plan. A practitioner creates one in the patient chart; meanwhile book a consultation.', 'warn'),
        h('p', { class: 'field-error', hidden: true })));
      return;
    }
    const want = prefill.planId && state.plans.some((x) => x.id === prefill.planId) ? prefill.planId : state.plans[0].id;
    const group = radios('Treatment plan', 'plan', state.plans.map((x) => [x.id, planLabel(x, types)]), want, {
      onchange: () => {
        keepDuration = false;
        setDefaultDuration();
        loadPlanAppts();
        chooseRoom();
        predict();
      },
    });
    replace(planSlot, group);
    setDefaultDuration();
    loadPlanAppts();
    chooseRoom();
  }

  async function loadPlanAppts() {
    const plan = selectedPlan();
    state.planAppts = [];
    if (!plan) return;
    try {
      const res = await api.get('/appointments', { plan_id: plan.id });
      if (selectedPlan() === plan) state.planAppts = res.items;
    } catch {
      // Only used to name session numbers in sentences.
    }
  }

  function sessionAt(ts) {
    const t = Date.parse(ts);
    const a = state.planAppts.find((x) => Date.parse(x.start) === t && x.session_number);
    return a ? a.session_number : null;
  }

  function ctx() {
    return {
      sessionAt,
      practitionerName: (id) => (practitioners.items.find((x) => x.id === id) || {}).display_name || 'The practitioner',
    };
  }

  /** What can be foreseen before confirming. */
  function predict() {
    const notes = [];
    const kind = radioValue(form, 'kind');
    const day = date.value;
    const p = state.patient;
    if (p && day && kind === 'treatment' && ageOn(p.date_of_birth, day) < 18) {
      notes.push(['error', 'Not bookable: the patient is under 18 on that date. Treatments are for adults only.']);
    }
    const b = state.bookable;
    if (b && kind === 'treatment') {
      for (const r of b.reasons || []) {
        if (r === 'underage') continue;
        if (r === 'contraindicated') {
          const restricted = !isClinical() || !(b.conditions && b.conditions.length);
          notes.push(['error', errorSentence({ code: r, details: { restricted, conditions: b.conditions, needs_clearance: b.needs_clearance } })]);
        } else {
          notes.push(['error', errorSentence({ code: r, details: {} })]);
        }
      }
      if (b.caution) {
        notes.push(['warn', isClinical() && b.cautions && b.cautions.length
          ? `Caution: ${b.cautions.map(conditionName).join(', ')} — review before treating.`
          : 'Caution: the patient\'s screening has caution conditions; the practitioner will review them at the session.']);
      }
    }
    const plan = kind === 'treatment' ? selectedPlan() : null;
    if (plan && day) {
      const pr = plan.progress;
      const k = pr.booked + 1;
      if (pr.booked >= pr.planned) {
        notes.push(['error', `The plan is full: all ${pr.planned} planned sessions are already booked.`]);
      } else if (pr.next_window) {
        if (day < pr.next_window.from) {
          notes.push(['error', `Too early: session ${k} can be booked from ${fmtDate(pr.next_window.from)}, ${plan.min_interval_days} days after session ${k - 1}.`
            + (mayOverrideSpacing() ? ' To book it anyway, give an override reason.' : '')]);
        } else if (day > pr.next_window.to) {
          notes.push(['warn', `Beyond ${plan.max_interval_days} days: the latest recommended date for session ${k} is ${fmtDate(pr.next_window.to)}. It can still be booked.`]);
        }
      }
      if (state.consents && !state.consents.some((c) => c.treatment_type === plan.treatment_type)) {
        notes.push(['warn', `No consent on file for ${plan.treatment_type} yet: it is needed before the session note can be signed.`]);
      }
    }
    replace(predictions, notes.length
      ? [h('h3', { class: 'visually-hidden' }, 'Before you book'), ...notes.map(([kindOf, text]) => message(text, kindOf, { role: 'status' }))]
      : []);
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const kind = radioValue(form, 'kind');
    const plan = kind === 'treatment' ? selectedPlan() : null;
    if (!state.patient) {
      showFormError(form, 'Choose the patient first.', { details: { field: 'patient' }, message: 'Search and pick a patient.' });
      return;
    }
    if (kind === 'treatment' && !plan) {
      showFormError(form, 'A treatment belongs to a plan: choose one, or book a consultation.', null);
      return;
    }
    if (!date.value || !time.value) {
      showFormError(form, 'Give the date and start time.', { details: { field: date.value ? 'time' : 'date' }, message: 'Required.' });
      return;
    }
    const startMin = hhmmToMinutes(time.value);
    const endMin = startMin + Number(duration.value);
    if (endMin > 24 * 60) {
      showFormError(form, 'An appointment must end on the same day.', { details: { field: 'duration' }, message: 'Too long for this start time.' });
      return;
    }
    const body = {
      patient_id: state.patient.id,
      kind,
      practitioner_id: Number(practitioner.value),
      room_id: Number(room.value),
      start: toTs(date.value, time.value),
      end: toTs(date.value, minutesToHhmm(endMin)),
    };
    if (plan) body.plan_id = plan.id;
    const n = notes.value.trim();
    if (n) body.notes = n;
    const ov = form.querySelector('[name="override_reason"]');
    if (ov && ov.value.trim()) body.override_reason = ov.value.trim();

    await busy(submit, async () => {
      try {
        const appt = await api.post('/appointments', body);
        dropDraft('booking');
        const label = `${state.patient.first_name} ${state.patient.last_name}, ${fmtDateLong(date.value)} ${fmtRange(appt.start, appt.end)}`
          + (appt.session_number ? `, session ${appt.session_number} of ${plan.planned_sessions}` : '');
        if (prefill.onBooked) prefill.onBooked(appt);
        if (appt.warnings && appt.warnings.length) {
          replace(d.body,
            message(`Booked: ${label}.`, 'ok'),
            h('h3', {}, 'Please note'),
            h('ul', { class: 'warnings' }, appt.warnings.map((w) => h('li', { class: 'msg msg-warn' }, warningSentence(w)))),
            h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: () => d.close() }, 'Done')));
          d.focusFirst();
        } else {
          d.close();
          toast(`Booked: ${label}.`);
        }
      } catch (err) {
        if (err instanceof ApiError && err.code === 'unauthenticated') return;
        showFormError(form, errorSentence(err, ctx()), err, FIELD_MAP);
      }
    });
  });

  if (!prefill.patient) drawPlans();
  if (!prefill.date) date.value = today();
  setDefaultDuration();
  chooseRoom();
  if (prefill.restore) {
    const { notes: n, override_reason: ov } = prefill.restore;
    setFormValues(form, { notes: n || '', ...(ov ? { override_reason: ov } : {}) });
  }
  const keep = () => keepDraft('booking', { values: formValues(form), patient: state.patient, planId: selectedPlan()?.id || prefill.planId || null });
  form.addEventListener('input', keep);
  form.addEventListener('change', keep);
  if (prefill.restore) {
    keep();
    form.prepend(message('Restored what you had typed before the session ended. Check it, then book.', 'info', { role: 'status' }));
  } else {
    dropDraft('booking');
  }
  predict();
  d.focusFirst();
}
