// Admin: users — create, change role or display name, deactivate, reset a password.

import { api, ApiError, invalidate } from '../api.js';
import { session } from '../session.js';
import {
  h, replace, field, input, select, checkbox, openDialog, showFormError, clearErrors, busy,
  toast, statusBadge, val,
} from '../ui.js';
import { errorSentence, ROLE_LABEL } from '../format.js';

const ACTIVE = { true: 'Active', false: 'Inactive' };
const ROLES = Object.entries(ROLE_LABEL);

function editUser(user, onSaved) {
  const d = openDialog({ title: `Edit ${user.username}` });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Save');
  const form = h('form', { novalidate: true },
    field('Display name', input({ name: 'display_name', value: user.display_name, maxlength: 100 })),
    field('Role', select({ name: 'role' }, ROLES, user.role)),
    checkbox('Active (may log in)', { name: 'active', checked: user.active }),
    field('New password (optional)', input({ name: 'password', type: 'password', autocomplete: 'new-password', minlength: 10 }),
      { hint: 'At least 10 characters. Setting one ends the user\'s sessions.' }),
    h('div', { class: 'actions' }, submit, h('button', { type: 'button', onclick: () => d.close() }, 'Cancel')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = {};
    const name = val(form, 'display_name');
    if (name !== user.display_name) body.display_name = name;
    const role = val(form, 'role');
    if (role !== user.role) body.role = role;
    const active = form.querySelector('[name="active"]').checked;
    if (active !== user.active) body.active = active;
    const pw = form.querySelector('[name="password"]').value;
    if (pw) {
      if (pw.length < 10) {
        showFormError(form, 'A password has at least 10 characters.', { details: { field: 'password' }, message: 'At least 10 characters.' });
        return;
      }
      body.password = pw;
    }
    if (!Object.keys(body).length) {
      d.close();
      return;
    }
    busy(submit, async () => {
      try {
        await api.patch(`/users/${user.id}`, body);
        invalidate('/practitioners');
        d.close();
        toast(`Saved ${user.username}.`);
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
  const users = await api.get('/users');
  if (!isCurrent()) return;
  const reload = () => render(root, { isCurrent });

  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create user');
  const form = h('form', { class: 'card', novalidate: true },
    h('h2', {}, 'New user'),
    h('div', { class: 'grid-2' },
      field('Username', input({ name: 'username', maxlength: 64, autocomplete: 'off', autocapitalize: 'none' }), { hint: 'Lower-case letters, digits, dot, dash, underscore.' }),
      field('Display name', input({ name: 'display_name', maxlength: 100 })),
      field('Role', select({ name: 'role' }, ROLES, 'front_desk')),
      field('Password', input({ name: 'password', type: 'password', autocomplete: 'new-password' }), { hint: 'At least 10 characters.' })),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = {
      username: val(form, 'username') || '',
      display_name: val(form, 'display_name') || '',
      role: val(form, 'role'),
      password: form.querySelector('[name="password"]').value,
    };
    busy(submit, async () => {
      try {
        const u = await api.post('/users', body);
        invalidate('/practitioners');
        toast(`Created ${u.username}.`);
        reload();
      } catch (err) {
        if (err instanceof ApiError && err.code === 'unauthenticated') return;
        showFormError(form, errorSentence(err), err, { });
      }
    });
  });

  replace(root,
    h('div', { class: 'page-head' }, h('h1', {}, 'Users')),
    h('table', { class: 'list' },
      h('thead', {}, h('tr', {}, ['Username', 'Display name', 'Role', 'Status', 'Edit'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, users.items.map((u) => h('tr', {},
        h('td', {}, u.username, u.id === session.user.id ? ' (you)' : ''),
        h('td', {}, u.display_name),
        h('td', {}, ROLE_LABEL[u.role]),
        h('td', {}, statusBadge(String(u.active), ACTIVE)),
        h('td', {}, h('button', { type: 'button', 'aria-label': `Edit ${u.username}`, onclick: () => editUser(u, reload) }, 'Edit')))))),
    form);
}
