// Messages to patients: the desk's list of failed messages (or those of another status),
// and the delivery log of one appointment (?appointment=ID) or patient (?patient=ID), with
// "Send again" for a failed message.

import { api, ApiError } from '../api.js';
import { h, replace, select, field, message, busy, toast } from '../ui.js';
import { fmtTs, errorSentence } from '../format.js';

const KIND_LABEL = {
  confirmation: 'Confirmation', update: 'Update', cancellation: 'Cancellation', reminder: 'Reminder',
  recall: 'Recall', recall_second: 'Second recall', aftercare: 'Aftercare',
};
const STATUS_TEXT = { queued: 'Queued', sent: 'Sent', failed: 'Failed', cancelled: 'Not sent' };

function statusCell(m) {
  const text = STATUS_TEXT[m.status] || m.status;
  if (m.status === 'queued' && m.tries > 0) return `${text} (retry ${m.tries + 1} at ${fmtTs(m.next_try_at)})`;
  if (m.status === 'sent') return `${text} ${fmtTs(m.sent_at)}`;
  return text;
}

export async function render(root, { query, isCurrent }) {
  const appt = query.appointment && /^\d+$/.test(query.appointment) ? query.appointment : '';
  const patient = !appt && query.patient && /^\d+$/.test(query.patient) ? query.patient : '';
  const status = query.status || 'failed';
  const path = appt ? `/appointments/${appt}/messages` : patient ? `/patients/${patient}/messages` : '/messages';
  const list = await api.get(path, appt || patient ? {} : { status });
  if (!isCurrent()) return;

  const title = appt ? `Messages of appointment ${appt}` : patient ? 'Messages to the patient' : 'Messages';
  let filters = null;
  if (!appt && !patient) {
    const sel = select({ name: 'status' }, [['failed', 'Failed'], ['queued', 'Queued'], ['sent', 'Sent'], ['cancelled', 'Not sent']], status);
    sel.addEventListener('change', () => { location.hash = `#/messages?status=${sel.value}`; });
    filters = h('div', { class: 'toolbar filters' }, field('Show', sel));
  }

  async function resend(m, cell, button) {
    await busy(button, async () => {
      try {
        const again = await api.post(`/messages/${m.id}/resend`, {});
        replace(cell, statusCell(again));
        toast(`${KIND_LABEL[m.kind] || m.kind} to ${m.recipient} queued again.`);
      } catch (e) {
        if (e instanceof ApiError && e.code === 'unauthenticated') return;
        replace(cell, message(errorSentence(e), 'error'));
      }
    });
  }

  const rows = list.items.map((m) => {
    const cell = h('td', { class: 'msg-status' }, statusCell(m));
    const action = m.status === 'failed'
      ? h('button', { type: 'button', class: 'resend', onclick: (e) => resend(m, cell, e.currentTarget) }, 'Send again')
      : null;
    return h('tr', { dataset: { id: String(m.id) } },
      h('td', {}, fmtTs(m.created_at)),
      h('td', {}, KIND_LABEL[m.kind] || m.kind),
      h('td', {}, m.recipient),
      h('td', {}, m.appointment_id ? h('a', { href: `#/messages?appointment=${m.appointment_id}` }, `Appointment ${m.appointment_id}`) : m.plan_id ? `Plan ${m.plan_id}` : ''),
      cell,
      h('td', { class: 'num' }, String(m.tries)),
      h('td', { class: 'msg-answer' }, m.last_error || ''),
      h('td', {}, action));
  });

  replace(root,
    h('div', { class: 'page-head' }, h('h1', {}, title)),
    h('p', {}, appt || patient
      ? 'Every message, newest first, and how its delivery went.'
      : 'Messages to patients by delivery status. A failed message was tried eight times over about a day; the mail server\'s last answer is shown.'),
    filters,
    rows.length
      ? h('table', { class: 'list messages' },
        h('thead', {}, h('tr', {}, ['Queued', 'Message', 'To', 'About', 'Status', 'Tries', 'Server answer', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows))
      : h('p', { class: 'empty' }, 'No messages.'));
}
