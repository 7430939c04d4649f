// Admin: rooms — add, rename, set the kind (consultation or treatment room), deactivate.

import { api, ApiError, invalidate } from '../api.js';
import { h, replace, field, input, select, showFormError, clearErrors, busy, toast, statusBadge, openDialog, checkbox } from '../ui.js';
import { errorSentence } from '../format.js';

const ACTIVE = { true: 'Active', false: 'Inactive' };
const KINDS = [['treatment', 'Treatment room'], ['consultation', 'Consultation room']];
const KIND_HINT = 'A treatment room takes every visit; a consultation room takes consultations and reviews, not treatments.';

function kindSelect(value) {
  return select({ name: 'kind' }, KINDS, value || 'treatment');
}

function editRoom(room, onSaved) {
  const d = openDialog({ title: `Edit ${room.name}` });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Save');
  const form = h('form', { novalidate: true },
    field('Name', input({ name: 'name', value: room.name, maxlength: 60 })),
    field('Kind', kindSelect(room.kind), { hint: KIND_HINT }),
    checkbox('Active (can be booked)', { name: 'active', checked: room.active }),
    h('div', { class: 'actions' }, submit, h('button', { type: 'button', onclick: () => d.close() }, 'Cancel')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = {};
    const name = form.querySelector('[name="name"]').value.trim();
    if (name !== room.name) body.name = name;
    const active = form.querySelector('[name="active"]').checked;
    if (active !== room.active) body.active = active;
    const kind = form.querySelector('[name="kind"]').value;
    if (kind !== (room.kind || 'treatment')) body.kind = kind;
    if (!Object.keys(body).length) {
      d.close();
      return;
    }
    busy(submit, async () => {
      try {
        await api.patch(`/rooms/${room.id}`, body);
        invalidate('/rooms');
        d.close();
        toast('Room saved.');
        onSaved();
      } catch (err) {
        if (err instanceof ApiError && err.code === 'unauthenticated') return;
        showFormError(form, errorSentence(err), err);
      }
    });
  });
  d.body.append(form);
  d.focusFirst();
}

export async function render(root, { isCurrent }) {
  const rooms = await api.get('/rooms');
  if (!isCurrent()) return;
  const reload = () => render(root, { isCurrent });
  const name = input({ name: 'name', maxlength: 60 });
  const kind = kindSelect('treatment');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Add room');
  const form = h('form', { class: 'toolbar', novalidate: true }, field('New room name', name), field('Kind', kind), submit);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    busy(submit, async () => {
      try {
        await api.post('/rooms', { name: name.value.trim(), kind: kind.value });
        invalidate('/rooms');
        toast('Room added.');
        reload();
      } catch (err) {
        if (err instanceof ApiError && err.code === 'unauthenticated') return;
        showFormError(form, errorSentence(err), err);
      }
    });
  });
  replace(root,
    h('div', { class: 'page-head' }, h('h1', {}, 'Rooms')),
    h('table', { class: 'list' },
      h('thead', {}, h('tr', {}, ['Name', 'Kind', 'Status', 'Edit'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rooms.items.map((r) => h('tr', { dataset: { roomId: String(r.id) } },
        h('td', {}, r.name),
        h('td', { class: 'room-kind' }, (KINDS.find(([k]) => k === (r.kind || 'treatment')) || [])[1]),
        h('td', {}, statusBadge(String(r.active), ACTIVE)),
        h('td', {}, h('button', { type: 'button', 'aria-label': `Edit ${r.name}`, onclick: () => editRoom(r, reload) }, 'Edit')))))),
    h('p', { class: 'hint' }, KIND_HINT),
    form);
}
