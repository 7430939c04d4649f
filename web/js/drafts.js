// Unsaved form contents, kept in this tab's sessionStorage (never localStorage: they may
// hold patient data) under the user and the form, so that nothing typed is lost when a
// session ends: the session note and the booking dialog are restored after logging in
// again. Saving or submitting a form drops its copy; logging out drops them all.

const PREFIX = 'collagenda.draft.';

let owner = null;

/** The user whose drafts are read and written (kept when the session ends). */
export function setDraftOwner(userId) {
  owner = userId || null;
}

function key(form) {
  return owner ? `${PREFIX}${owner}.${form}` : null;
}

function keys(match) {
  const out = [];
  try {
    for (let i = 0; i < sessionStorage.length; i++) {
      const k = sessionStorage.key(i);
      if (k && k.startsWith(PREFIX) && match(k)) out.push(k);
    }
  } catch {
    // Storage unavailable: there is nothing to list.
  }
  return out;
}

/** Keeps data (plain JSON) as form's draft. */
export function keepDraft(form, data) {
  const k = key(form);
  if (!k) return;
  try {
    sessionStorage.setItem(k, JSON.stringify({ at: Date.now(), interrupted: false, data }));
  } catch {
    // Full or unavailable storage: the form itself still holds what was typed.
  }
}

/** form's draft {at, interrupted, data}, or null. */
export function draftOf(form) {
  const k = key(form);
  if (!k) return null;
  try {
    const v = JSON.parse(sessionStorage.getItem(k) || 'null');
    return v && typeof v === 'object' && v.data ? v : null;
  } catch {
    return null;
  }
}

export function dropDraft(form) {
  const k = key(form);
  if (!k) return;
  try {
    sessionStorage.removeItem(k);
  } catch {
    // As above.
  }
}

/** Marks the owner's drafts as cut short by the end of the session. */
export function markDraftsInterrupted() {
  const mine = `${PREFIX}${owner}.`;
  for (const k of keys((x) => x.startsWith(mine))) {
    try {
      const v = JSON.parse(sessionStorage.getItem(k) || 'null');
      if (v) sessionStorage.setItem(k, JSON.stringify({ ...v, interrupted: true }));
    } catch {
      // As above.
    }
  }
}

/** Drops every draft but those of userId (all of them without one). */
export function dropDraftsExcept(userId) {
  const mine = userId ? `${PREFIX}${userId}.` : null;
  for (const k of keys((x) => !mine || !x.startsWith(mine))) {
    try {
      sessionStorage.removeItem(k);
    } catch {
      // As above.
    }
  }
}

/** The values of a form's named controls, by name (checkboxes as booleans). */
export function formValues(form) {
  const out = {};
  for (const el of form.querySelectorAll('input[name], select[name], textarea[name]')) {
    if (el.type === 'radio') {
      if (el.checked) out[el.name] = el.value;
    } else if (el.type === 'checkbox') {
      out[el.name] = el.checked;
    } else {
      out[el.name] = el.value;
    }
  }
  return out;
}

/** Puts values (as formValues gives them) back into a form's controls. */
export function setFormValues(form, values) {
  for (const [name, v] of Object.entries(values || {})) {
    for (const el of form.querySelectorAll(`[name="${CSS.escape(name)}"]`)) {
      if (el.type === 'radio') el.checked = el.value === v;
      else if (el.type === 'checkbox') el.checked = !!v;
      else el.value = v;
    }
  }
}
