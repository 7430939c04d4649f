// The login page. After logging in the user goes back to the page they were on.

import { api, ApiError } from '../api.js';
import { h, field, input, showFormError, clearErrors, message, busy } from '../ui.js';
import { errorSentence } from '../format.js';

export function render(root, { query, onLoggedIn }) {
  const user = input({ name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const pass = input({ name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Log in');
  const form = h('form', { class: 'login-form', novalidate: true },
    field('Username', user),
    field('Password', pass),
    h('div', { class: 'actions' }, submit));

  let note = null;
  if (query.reason === 'expired') {
    note = message('Your session expired. Log in again to go back to where you were.', 'warn');
  } else if (query.next) {
    note = message('Please log in to continue.', 'info');
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    if (!user.value.trim() || !pass.value) {
      showFormError(form, 'Enter your username and password.', null);
      (user.value.trim() ? pass : user).focus();
      return;
    }
    await busy(submit, async () => {
      try {
        const data = await api.post('/login', { username: user.value.trim(), password: pass.value });
        onLoggedIn(data, query.next);
      } catch (err) {
        const text = err instanceof ApiError && err.code === 'unauthenticated'
          ? 'The username or password is not right.'
          : errorSentence(err);
        showFormError(form, text, null);
        pass.focus();
        pass.select();
      }
    });
  });

  root.classList.add('login-page');
  root.append(h('div', { class: 'login-card' },
    h('h1', {}, 'Log in to collagenda'),
    note,
    form));
  (user.value ? pass : user).focus();
}
