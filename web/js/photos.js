// Clinical photos in the chart and the session note (practitioners and admins): the
// photo consent, capture with the tablet's camera (the previous photo of the same area
// and angle shown ghosted as a guide), the gallery by area and angle, and the comparison
// of two photos side by side and with a slider.

import { api, ApiError } from './api.js';
import {
  h, replace, field, input, select, message, showFormError, clearErrors, busy, toast,
} from './ui.js';
import { errorSentence, fmtTs, areaName } from './format.js';

export const ANGLES = [
  ['front', 'Front'], ['left_45', 'Left 45°'], ['right_45', 'Right 45°'],
  ['left_90', 'Left 90°'], ['right_90', 'Right 90°'], ['close_up', 'Close-up'],
];
export const PHASES = [['before', 'Before'], ['after', 'After'], ['follow_up', 'Follow-up']];
const angleName = (a) => (ANGLES.find((x) => x[0] === a) || [a, a])[1];
const phaseName = (p) => (PHASES.find((x) => x[0] === p) || [p, p])[1];

function caption(p) {
  const session = p.session_number ? `, session ${p.session_number}` : '';
  return `${phaseName(p.phase)} — ${fmtTs(p.created_at)}${session}`;
}

function thumb(p, onclick) {
  return h('figure', { class: 'photo-thumb', dataset: { photoId: String(p.id) } },
    h('button', { type: 'button', class: 'photo-open', onclick, 'aria-label': `Compare ${angleName(p.angle)} ${caption(p)}` },
      h('img', { src: p.urls.thumb, alt: `${areaName(p.area)}, ${angleName(p.angle)}, ${caption(p)}`, loading: 'lazy', width: 160 })),
    h('figcaption', {}, caption(p),
      p.consent_withdrawn ? h('span', { class: 'badge status-no_show' }, 'Consent withdrawn') : null,
      p.session_signed ? h('span', { class: 'badge' }, 'Signed') : null));
}

// Two photos of one area and angle: side by side, and one over the other with a slider
// that uncovers the second.
function compareView(series, a, b) {
  const pick = (name, value) => select({ name, 'aria-label': name === 'a' ? 'Earlier photo' : 'Later photo' },
    series.map((p) => [p.id, caption(p)]), value);
  const left = pick('a', a.id);
  const right = pick('b', b.id);
  const imgA = h('img', { class: 'compare-a', alt: 'Earlier photo' });
  const imgB = h('img', { class: 'compare-b', alt: 'Later photo' });
  const sideA = h('img', { alt: 'Earlier photo, side by side' });
  const sideB = h('img', { alt: 'Later photo, side by side' });
  const slider = input({ type: 'range', min: 0, max: 100, value: 50, class: 'compare-slider', 'aria-label': 'Slide between the two photos' });
  const top = h('div', { class: 'compare-top' }, imgB);
  const stage = h('div', { class: 'compare-stage' }, imgA, top);
  const capA = h('p', { class: 'sub compare-cap-a' });
  const capB = h('p', { class: 'sub compare-cap-b' });
  function show() {
    const pa = series.find((p) => p.id === Number(left.value));
    const pb = series.find((p) => p.id === Number(right.value));
    imgA.src = pa.urls.large;
    imgB.src = pb.urls.large;
    sideA.src = pa.urls.large;
    sideB.src = pb.urls.large;
    capA.textContent = caption(pa);
    capB.textContent = caption(pb);
  }
  const clip = () => { top.style.clipPath = `inset(0 0 0 ${slider.value}%)`; };
  left.addEventListener('change', show);
  right.addEventListener('change', show);
  slider.addEventListener('input', clip);
  show();
  clip();
  return h('div', { class: 'photo-compare' },
    h('div', { class: 'grid-3' }, field('Earlier', left), field('Later', right)),
    h('div', { class: 'compare-side' }, h('div', {}, sideA, capA), h('div', {}, sideB, capB)),
    stage, slider);
}

function consentBox(patientId, consents, reload) {
  const inForce = (scope) => consents.find((c) => c.scope === scope && c.in_force);
  const clinical = inForce('photo_clinical');
  const marketing = inForce('photo_marketing');
  const signed = input({ name: 'signed_name', maxlength: 100, autocomplete: 'off' });
  const scope = select({ name: 'scope' }, [['photo_clinical', 'Clinical record only'], ['photo_marketing', 'May be shown outside the record']], clinical ? 'photo_marketing' : 'photo_clinical');
  const submit = h('button', { type: 'submit' }, 'Record photo consent');
  const form = h('form', { class: 'photo-consent-form', novalidate: true },
    h('div', { class: 'grid-3' }, field('Photo consent', scope), field('Signed name (typed by the patient)', signed)),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    busy(submit, async () => {
      try {
        await api.post(`/patients/${patientId}/photo-consents`, { scope: scope.value, form_version: 'v1', signed_name: signed.value.trim() });
        toast('Photo consent recorded.');
        reload();
      } catch (err) {
        if (err instanceof ApiError && err.code === 'unauthenticated') return;
        showFormError(form, errorSentence(err), err);
      }
    });
  });
  const withdraw = (c) => h('button', {
    type: 'button',
    class: 'danger-outline',
    onclick: (e) => busy(e.currentTarget, async () => {
      try {
        await api.post(`/photo-consents/${c.id}/withdraw`);
        toast('Photo consent withdrawn: the photos stay in the record, flagged.');
        reload();
      } catch (err) {
        toast(errorSentence(err), 'error');
      }
    }),
  }, c.scope === 'photo_clinical' ? 'Withdraw clinical photo consent' : 'Withdraw marketing consent');
  return h('div', { class: 'photo-consents' },
    clinical ? h('p', {}, `Clinical photos: consent signed ${fmtTs(clinical.signed_at)}. `, withdraw(clinical))
      : message('No photo consent: record the patient\'s consent before taking photos.', 'warn'),
    marketing ? h('p', {}, 'May be shown outside the record. ', withdraw(marketing)) : null,
    h('details', { class: 'form-details', open: clinical ? null : true }, h('summary', {}, 'Record a photo consent'), form));
}

function captureForm(patientId, appointmentId, areas, photos, reload) {
  // The area last photographed comes first: a series is taken one area at a time.
  const lastArea = photos.length ? photos[photos.length - 1].area : areas[0]?.code;
  const area = select({ name: 'area' }, areas.map((a) => [a.code, a.name]), lastArea);
  const angle = select({ name: 'angle' }, ANGLES, 'front');
  const phase = select({ name: 'phase' }, PHASES, 'before');
  const file = input({ type: 'file', name: 'photo', accept: 'image/*', capture: 'environment' });
  const guide = h('img', { class: 'photo-ghost', alt: 'The previous photo of this area and angle', hidden: true });
  const preview = h('img', { class: 'photo-preview', alt: 'The new photo', hidden: true });
  const frame = h('div', { class: 'photo-frame' }, preview, guide);
  function showGuide() {
    const prev = photos.filter((p) => p.area === area.value && p.angle === angle.value).pop();
    guide.hidden = !prev;
    if (prev) guide.src = prev.urls.large;
  }
  area.addEventListener('change', showGuide);
  angle.addEventListener('change', showGuide);
  file.addEventListener('change', () => {
    const f = file.files[0];
    preview.hidden = !f;
    if (f) preview.src = URL.createObjectURL(f);
  });
  showGuide();
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Upload photo');
  const form = h('form', { class: 'photo-capture', novalidate: true },
    h('div', { class: 'grid-3' }, field('Area', area), field('Angle', angle), field('When', phase)),
    field('Photo (take one or choose a file)', file, { hint: 'The previous photo of the same area and angle shows faintly as a guide.' }),
    frame,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    const f = file.files[0];
    if (!f) {
      showFormError(form, 'Take or choose a photo first.', { details: { field: 'photo' }, message: 'Required.' });
      return;
    }
    const params = { area: area.value, angle: angle.value, phase: phase.value };
    if (appointmentId) params.appointment_id = appointmentId;
    busy(submit, async () => {
      try {
        await api.upload(`/patients/${patientId}/photos`, params, f);
        toast(`Photo saved: ${areaName(area.value)}, ${angleName(angle.value)}.`);
        reload();
      } catch (err) {
        if (err instanceof ApiError && err.code === 'unauthenticated') return;
        showFormError(form, errorSentence(err), err);
      }
    });
  });
  return form;
}

/**
 * The photos card of a patient: consent, capture (tied to appointmentId when given) and
 * the gallery with its comparison. Renders into a new section and returns it.
 */
export function photoSection(patientId, { appointmentId, areas } = {}) {
  const section = h('section', { class: 'card photos', 'aria-labelledby': 'photo-h' }, h('h2', { id: 'photo-h' }, 'Photos'));
  const body = h('div', {});
  section.append(body);
  // Taking a series, the capture form stays open from one photo to the next.
  let captureOpen = false;
  async function load() {
    let consents;
    let photos;
    try {
      [consents, photos] = await Promise.all([
        api.get(`/patients/${patientId}/photo-consents`), api.get(`/patients/${patientId}/photos`)]);
    } catch (err) {
      replace(body, message(errorSentence(err), 'error'));
      return;
    }
    const compare = h('div', { class: 'photo-compare-slot' });
    const groups = new Map();
    for (const p of photos.items) {
      const key = `${p.area}|${p.angle}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(p);
    }
    const gallery = groups.size ? h('div', { class: 'photo-gallery' }, [...groups.values()].map((series) => h('div', { class: 'photo-series' },
      h('h3', {}, `${areaName(series[0].area)}, ${angleName(series[0].angle)}`),
      h('div', { class: 'photo-row' }, series.map((p) => thumb(p, () => {
        // The series' first photo against the one chosen (or its last).
        const later = p.id === series[0].id ? series[series.length - 1] : p;
        replace(compare, compareView(series, series[0], later));
        compare.scrollIntoView({ block: 'nearest' });
      }))))))
      : h('p', {}, 'No photos yet.');
    replace(body,
      consentBox(patientId, consents.items, load),
      consents.items.some((c) => c.scope === 'photo_clinical' && c.in_force)
        ? h('details', {
          class: 'form-details',
          open: captureOpen ? true : null,
          ontoggle: (e) => { captureOpen = e.currentTarget.open; },
        }, h('summary', {}, 'Take a photo'), captureForm(patientId, appointmentId, areas || [], photos.items, load))
        : null,
      gallery,
      compare);
  }
  load();
  return section;
}
