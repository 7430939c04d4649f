// Admin: the wording of patient messages — one template per kind, language and channel,
// edited with a live preview that the server renders with sample facts, and saved only
// when every placeholder is one the kind offers; and when messages go: the reminders'
// offsets, the quiet hours no text message goes in, the clinic's phone number.

import { api, ApiError } from '../api.js';
import { h, replace, field, input, textarea, select, checkbox, clearErrors, fieldError, showFormError, busy, toast, confirmDialog, message } from '../ui.js';
import { errorSentence } from '../format.js';

const KIND_LABEL = {
  confirmation: 'Booking confirmation',
  update: 'Appointment moved',
  cancellation: 'Appointment cancelled',
  reminder: 'Reminder',
  recall: 'Recall',
  recall_second: 'Second recall',
  aftercare: 'Aftercare',
};
const LANG_LABEL = { en: 'English', de: 'German', es: 'Spanish' };
const CHANNEL_LABEL = { email: 'E-mail', sms: 'Text message (SMS)' };

const keyOf = (t) => `${t.kind}/${t.language}/${t.channel}`;

/** Shows a refused template's problem under its field; true when it was one. */
function showTemplateError(form, err) {
  const d = err instanceof ApiError ? err.details || {} : {};
  if (!d.field) return false;
  let text = err.message;
  if (d.problem === 'unknown_placeholder') text = `{${d.placeholder}} is not a placeholder of this message. Use one of: ${(d.allowed || []).map((p) => `{${p}}`).join(' ')}.`;
  else if (d.problem === 'unclosed_brace') text = 'A { is not closed. Write {{ for a brace of its own.';
  fieldError(form, d.field, text);
  return true;
}

function editor(t, { onSaved }) {
  const email = t.channel === 'email';
  const subject = email ? input({ name: 'subject', value: t.subject || '', maxlength: 200 }) : null;
  const text = textarea({ name: 'body_text', value: t.body_text || '', rows: email ? 12 : 5 });
  const html = email ? textarea({ name: 'body_html', value: t.body_html || '', rows: 6, placeholder: 'Leave empty to make the HTML from the text' }) : null;
  const status = h('p', { class: 'hint', role: 'status', 'aria-live': 'polite' });
  const pvSubject = h('p', { class: 'preview-subject' });
  const pvText = h('pre', { class: 'preview-text' });
  const pvHtml = email ? h('iframe', { class: 'preview-html', title: 'HTML preview', sandbox: '' }) : null;
  const pvSms = h('p', { class: 'preview-sms' });
  const lastFocused = { el: text };
  for (const el of [subject, text, html]) if (el) el.addEventListener('focus', () => { lastFocused.el = el; });

  const insert = (name) => {
    const el = lastFocused.el;
    const at = el.selectionStart ?? el.value.length;
    el.value = `${el.value.slice(0, at)}{${name}}${el.value.slice(el.selectionEnd ?? at)}`;
    el.focus();
    el.selectionStart = el.selectionEnd = at + name.length + 2;
    schedule();
  };
  const chips = h('div', { class: 'placeholders', 'aria-label': 'Placeholders' },
    t.placeholders.map((p) => h('button', { type: 'button', class: 'chip', onclick: () => insert(p) }, `{${p}}`)));

  const bodyOf = () => {
    const b = { body_text: text.value };
    if (email) {
      b.subject = subject.value;
      if (html.value.trim()) b.body_html = html.value;
    }
    return b;
  };

  const form = h('form', { class: 'template-editor', novalidate: true, dataset: { template: keyOf(t) } });
  let seq = 0;
  let timer = null;
  async function preview() {
    const mine = ++seq;
    clearErrors(form);
    try {
      const p = await api.post('/message-templates/preview', { kind: t.kind, language: t.language, channel: t.channel, ...bodyOf() });
      if (mine !== seq) return;
      status.textContent = '';
      pvSubject.textContent = p.subject ? `Subject: ${p.subject}` : '';
      pvText.textContent = p.text;
      if (pvHtml) pvHtml.srcdoc = p.html || '';
      pvSms.textContent = p.sms ? `${p.sms.segments} segment${p.sms.segments === 1 ? '' : 's'} (${p.sms.encoding === 'gsm7' ? 'GSM-7' : 'UCS-2'}, ${p.sms.units} units)` : '';
      form.dataset.previewOk = 'true';
    } catch (err) {
      if (mine !== seq) return;
      form.dataset.previewOk = 'false';
      if (err instanceof ApiError && err.code === 'unauthenticated') return;
      status.textContent = showTemplateError(form, err) ? 'The preview shows the last text without errors.' : errorSentence(err);
    }
  }
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(preview, 250);
  }
  for (const el of [subject, text, html]) if (el) el.addEventListener('input', schedule);

  const save = h('button', { type: 'submit', class: 'primary' }, 'Save template');
  const reset = h('button', { type: 'button', disabled: !t.custom }, 'Back to the shipped wording');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    busy(save, async () => {
      try {
        const saved = await api.put(`/message-templates/${keyOf(t)}`, bodyOf());
        toast('Template saved.');
        onSaved(saved);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'unauthenticated') return;
        if (!showTemplateError(form, err)) toast(errorSentence(err), 'error');
      }
    });
  });
  reset.addEventListener('click', async () => {
    const ok = await confirmDialog('Use the shipped wording', 'Your wording of this message is dropped and the shipped one is used again.', 'Use shipped wording');
    if (!ok) return;
    try {
      const back = await api.post(`/message-templates/${keyOf(t)}/reset`, {});
      toast('Shipped wording restored.');
      onSaved(back);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'unauthenticated') return;
      toast(errorSentence(err), 'error');
    }
  });

  replace(form,
    h('div', { class: 'template-fields' },
      subject ? field('Subject', subject) : null,
      field('Text', text, { hint: email ? 'Plain text; a blank line starts a new paragraph.' : 'Keep it short: 160 characters fit one text message.' }),
      html ? field('HTML (optional)', html, { hint: 'Values are escaped into it. Leave empty and the HTML is made from the text.' }) : null,
      h('p', { class: 'hint' }, 'Insert a placeholder at the cursor:'), chips,
      h('div', { class: 'actions' }, save, reset)),
    h('section', { class: 'template-preview', 'aria-label': 'Preview' },
      h('h3', {}, 'Preview'), h('p', { class: 'hint' }, 'With a sample patient, appointment and clinic.'),
      status, pvSubject, pvText, pvHtml, pvSms));
  preview();
  return form;
}

/** The clinic's settings for when messages go, saved with PATCH /settings. */
function timingForm(settings) {
  const hours = (name, value) => input({ name, value: String(value), type: 'number', min: 0, max: 336, step: 1, inputmode: 'numeric' });
  const emailHours = hours('reminder_email_hours', settings.reminder_email_hours);
  const smsHours = hours('reminder_sms_hours', settings.reminder_sms_hours);
  const quietStart = input({ name: 'quiet_hours_start', value: settings.quiet_hours_start, type: 'time' });
  const quietEnd = input({ name: 'quiet_hours_end', value: settings.quiet_hours_end, type: 'time' });
  const phone = input({ name: 'clinic_phone', value: settings.clinic_phone || '', type: 'tel', maxlength: 30 });
  const showType = checkbox('Name the treatment type (never a condition or area)', { name: 'messages_show_treatment', checked: !!settings.messages_show_treatment });
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save timing');
  const form = h('form', { class: 'message-timing', novalidate: true },
    h('h2', {}, 'When messages go'),
    h('div', { class: 'toolbar' },
      field('E-mail reminder, hours before', emailHours, { hint: '0: none; at most 336 (two weeks).' }),
      field('SMS reminder, hours before', smsHours, { hint: '0: none. Only to patients who allow SMS.' })),
    h('div', { class: 'toolbar' }, field('Quiet hours from', quietStart), field('until', quietEnd)),
    h('p', { class: 'hint' }, 'No text message goes in the quiet hours, clinic time: one due then waits for their end. The same time twice: no quiet hours.'),
    field('Clinic phone number', phone, { hint: 'Given to patients to call: {clinic_phone}.' }),
    showType,
    h('div', { class: 'actions' }, save));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    // An empty or odd box goes as typed, for the server to name the field.
    const num = (el) => (/^\d+$/.test(el.value.trim()) ? Number(el.value) : el.value);
    const body = {
      reminder_email_hours: num(emailHours),
      reminder_sms_hours: num(smsHours),
      quiet_hours_start: quietStart.value,
      quiet_hours_end: quietEnd.value,
      clinic_phone: phone.value.trim() || null,
      messages_show_treatment: form.querySelector('[name="messages_show_treatment"]').checked,
    };
    busy(save, async () => {
      try {
        await api.patch('/settings', body);
        toast('Settings saved.');
      } catch (err) {
        if (err instanceof ApiError && err.code === 'unauthenticated') return;
        showFormError(form, errorSentence(err), err);
      }
    });
  });
  return form;
}

export async function render(root, { isCurrent }) {
  const [list, settings] = await Promise.all([api.get('/message-templates'), api.get('/settings')]);
  if (!isCurrent()) return;
  const byKey = new Map(list.items.map((t) => [keyOf(t), t]));
  const kinds = [...new Set(list.items.map((t) => t.kind))];
  const kindSel = select({ name: 'kind' }, kinds.map((k) => [k, KIND_LABEL[k] || k]), 'reminder');
  const langSel = select({ name: 'language' }, Object.entries(LANG_LABEL), 'en');
  const chanSel = select({ name: 'channel' }, Object.entries(CHANNEL_LABEL), 'email');
  const slot = h('div', { class: 'template-slot' });

  function show() {
    const t = byKey.get(`${kindSel.value}/${langSel.value}/${chanSel.value}`);
    if (!t) {
      replace(slot, message(`A ${(KIND_LABEL[kindSel.value] || '').toLowerCase()} is not sent by ${CHANNEL_LABEL[chanSel.value].toLowerCase()}.`));
      return;
    }
    replace(slot,
      h('p', { class: 'hint template-origin' }, t.custom ? 'The clinic\'s own wording.' : 'The shipped wording.'),
      editor(t, {
        onSaved: (saved) => {
          byKey.set(keyOf(saved), saved);
          show();
        },
      }));
  }
  for (const s of [kindSel, langSel, chanSel]) s.addEventListener('change', show);
  replace(root,
    h('div', { class: 'page-head' }, h('h1', {}, 'Patient messages')),
    h('p', { class: 'hint' }, 'Messages name no condition, treatment area or notes. Placeholders are written in braces, such as {first_name}; a placeholder the message does not offer is refused.'),
    timingForm(settings),
    h('h2', {}, 'Wording'),
    h('div', { class: 'toolbar' }, field('Message', kindSel), field('Language', langSel), field('Channel', chanSel)),
    slot);
  show();
}
