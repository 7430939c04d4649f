// DOM helpers: element building, form fields with labels and error slots, dialogs that
// trap focus and close on Escape, and messages. No HTML strings: text always goes in as
// text, and no inline styles or handler attributes (the Content-Security-Policy forbids them).

import { STATUS_LABEL } from './format.js';

let uid = 0;
export function nextId(prefix = 'id') {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** h('button', {class: 'x', onclick: fn}, 'text', child, [more]) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k === 'for') el.htmlFor = v;
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'value') el.value = v;
      else if (k === 'checked' || k === 'selected' || k === 'disabled' || k === 'hidden' ||
        k === 'required' || k === 'multiple' || k === 'readOnly') el[k] = !!v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  return append(el, children);
}

// ---- form fields ----

/**
 * A labelled field. control is an input/select/textarea (given an id if it has none);
 * the wrapper carries data-field = control.name so that errors can find it.
 */
export function field(labelText, control, { hint, className } = {}) {
  if (!control.id) control.id = nextId(control.name || 'f');
  const errId = `${control.id}-err`;
  const kids = [h('label', { for: control.id }, labelText), control];
  const described = [];
  if (hint) {
    const hid = `${control.id}-hint`;
    kids.push(h('p', { class: 'hint', id: hid }, hint));
    described.push(hid);
  }
  kids.push(h('p', { class: 'field-error', id: errId, hidden: true }));
  described.push(errId);
  control.setAttribute('aria-describedby', described.join(' '));
  return h('div', { class: `field${className ? ` ${className}` : ''}`, dataset: { field: control.name || '' } }, kids);
}

export function input(props) {
  return h('input', { type: 'text', ...props });
}

export function textarea(props) {
  return h('textarea', { rows: 3, ...props });
}

/** options: [[value, label], ...] or [{value, label}] */
export function select(props, options, value) {
  const el = h('select', props);
  for (const o of options) {
    const [v, l] = Array.isArray(o) ? o : [o.value, o.label];
    el.append(h('option', { value: v, selected: String(v) === String(value ?? '') }, l));
  }
  if (value !== undefined && value !== null) el.value = String(value);
  return el;
}

/** A checkbox with its label after it. */
export function checkbox(labelText, props = {}) {
  const box = h('input', { type: 'checkbox', ...props });
  if (!box.id) box.id = nextId(props.name || 'cb');
  const wrap = h('div', { class: 'check', dataset: { field: props.name || '' } }, box, h('label', { for: box.id }, labelText));
  return wrap;
}

/** A group of radio buttons in a fieldset with a legend. */
export function radios(legend, name, options, value, { onchange, className } = {}) {
  const fs = h('fieldset', { class: `radios${className ? ` ${className}` : ''}`, dataset: { field: name } }, h('legend', {}, legend));
  for (const o of options) {
    const [v, l] = Array.isArray(o) ? o : [o.value, o.label];
    const id = nextId(name);
    fs.append(h('div', { class: 'check' },
      h('input', { type: 'radio', id, name, value: v, checked: String(v) === String(value ?? ''), onchange }),
      h('label', { for: id }, l)));
  }
  fs.append(h('p', { class: 'field-error', hidden: true }));
  return fs;
}

export function radioValue(root, name) {
  const el = root.querySelector(`input[name="${name}"]:checked`);
  return el ? el.value : null;
}

/** Trimmed value of the named control in root, or null when empty. */
export function val(root, name) {
  const el = root.querySelector(`[name="${name}"]`);
  if (!el) return null;
  const v = el.value.trim();
  return v === '' ? null : v;
}

export function num(root, name) {
  const v = val(root, name);
  return v === null ? null : Number(v);
}

export function checked(root, name) {
  const el = root.querySelector(`[name="${name}"]`);
  return !!(el && el.checked);
}

// ---- errors and messages ----

export function clearErrors(root) {
  for (const p of root.querySelectorAll('.field-error')) {
    p.hidden = true;
    p.textContent = '';
  }
  for (const el of root.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of root.querySelectorAll('.form-message')) el.remove();
}

/** Shows message beside the field named name; returns false when there is no such field. */
export function fieldError(root, name, message) {
  const wrap = root.querySelector(`[data-field="${name}"]`);
  if (!wrap) return false;
  const p = wrap.querySelector('.field-error');
  if (p) {
    p.textContent = message;
    p.hidden = false;
  }
  const control = wrap.matches('input,select,textarea') ? wrap : wrap.querySelector('input,select,textarea');
  if (control) {
    control.setAttribute('aria-invalid', 'true');
    control.focus();
  }
  return true;
}

/**
 * Shows an error in a form without touching what the user typed: a message at the top
 * of the form, and beside the field named in details.field (mapped through fieldMap).
 */
export function showFormError(root, sentence, err, fieldMap = {}) {
  clearErrors(root);
  const msg = h('div', { class: 'msg msg-error form-message', role: 'alert' }, sentence);
  const first = root.firstElementChild;
  if (first && /^H[1-6]$/.test(first.tagName)) first.after(msg);
  else root.prepend(msg);
  const f = err && err.details && err.details.field;
  if (f) {
    const name = fieldMap[f] || f;
    if (fieldError(root, name, err.message || sentence)) return;
  }
  msg.tabIndex = -1;
  msg.focus();
}

export function message(text, kind = 'info', { role } = {}) {
  return h('div', { class: `msg msg-${kind}`, role: role || (kind === 'error' ? 'alert' : 'status') }, text);
}

// Toasts stack (three at most, the oldest goes first) in a strip of their own between
// the top bar and the page, so that they never cover the day grid or a form.
const MAX_TOASTS = 3;
let toastRegion = null;
export function toast(text, kind = 'ok') {
  if (!toastRegion || !toastRegion.isConnected) {
    toastRegion = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    const top = document.getElementById('top');
    if (top) top.after(toastRegion);
    else document.body.prepend(toastRegion);
  }
  const t = h('div', { class: `toast toast-${kind}` }, text);
  toastRegion.append(t);
  while (toastRegion.children.length > MAX_TOASTS) toastRegion.firstChild.remove();
  setTimeout(() => t.remove(), 6000);
}

/** A status shown by colour, symbol and word. */
export function statusBadge(status, labels = STATUS_LABEL) {
  return h('span', { class: `badge status-${status}` }, h('span', { class: 'badge-icon', 'aria-hidden': 'true' }), labels[status] || status);
}

/** Disables the button while the promise runs. */
export async function busy(button, fn) {
  if (button) button.disabled = true;
  try {
    return await fn();
  } finally {
    if (button) button.disabled = false;
  }
}

// ---- dialogs ----

const FOCUSABLE = 'a[href],button:not([disabled]),input:not([disabled]):not([type="hidden"]),select:not([disabled]),textarea:not([disabled]),[tabindex]:not([tabindex="-1"])';

function visibleFocusables(root) {
  return [...root.querySelectorAll(FOCUSABLE)].filter((el) => el.offsetParent !== null || el === document.activeElement);
}

/**
 * A modal dialog: focus stays inside, Escape closes it, and focus returns to where it
 * was. Returns {dialog, body, footer, close}.
 */
export function openDialog({ title, className, onClose, wide } = {}) {
  const opener = document.activeElement;
  const titleId = nextId('dlg-title');
  const body = h('div', { class: 'dialog-body' });
  const closeBtn = h('button', { type: 'button', class: 'icon-button dialog-close', 'aria-label': 'Close' }, '×');
  const dialog = h('dialog', { class: `dialog${wide ? ' dialog-wide' : ''}${className ? ` ${className}` : ''}`, 'aria-labelledby': titleId },
    h('div', { class: 'dialog-head' }, h('h2', { id: titleId }, title), closeBtn),
    body);
  let closed = false;
  function close(result) {
    if (closed) return;
    closed = true;
    if (dialog.open) dialog.close();
    dialog.remove();
    if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
    if (onClose) onClose(result);
  }
  closeBtn.addEventListener('click', () => close());
  dialog.addEventListener('cancel', (e) => {
    e.preventDefault();
    close();
  });
  dialog.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      close();
      return;
    }
    if (e.key !== 'Tab') return;
    const items = visibleFocusables(dialog);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  return {
    dialog,
    body,
    close,
    /** Focuses the first field (or the close button) once content is in. */
    focusFirst() {
      const items = visibleFocusables(body);
      (items[0] || closeBtn).focus();
    },
  };
}

/** Asks a yes/no question; resolves true when confirmed. */
export function confirmDialog(title, text, confirmLabel = 'Confirm', { danger } = {}) {
  return new Promise((resolve) => {
    let answer = false;
    const d = openDialog({ title, onClose: () => resolve(answer) });
    const ok = h('button', { type: 'button', class: danger ? 'danger' : 'primary' }, confirmLabel);
    const cancel = h('button', { type: 'button' }, 'Back');
    ok.addEventListener('click', () => {
      answer = true;
      d.close();
    });
    cancel.addEventListener('click', () => d.close());
    append(d.body, [h('p', {}, text), h('div', { class: 'actions' }, ok, cancel)]);
    cancel.focus();
  });
}

/** A table from headers and rows of cells (nodes or text). */
export function table(headers, rows, { caption, className } = {}) {
  return h('table', { class: className || 'list' },
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.map((r) => (r instanceof Node ? r : h('tr', {}, r.map((c) => h('td', {}, c)))))));
}

export function link(href, text, props = {}) {
  return h('a', { href, ...props }, text);
}

/** A loading placeholder, replaced by the page when its data arrives. */
export function loading(text = 'Loading…') {
  return h('p', { class: 'loading', role: 'status' }, text);
}
