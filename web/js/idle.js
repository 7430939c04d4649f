// The idle warning: every answer says how long the session has left unless used again
// (X-Session-Expires-In); shortly before that (two minutes, or a third of a shorter idle
// timeout) a dialog offers "Stay signed in", which renews the session. When the time
// runs out the page goes to the login page itself, so that an unattended screen shows
// no patient data; what was typed waits in drafts.js.

import { api, setSessionLeftHandler } from './api.js';
import { h, openDialog } from './ui.js';
import { session } from './session.js';

let warnTimer = null;
let endTimer = null;
let tick = null;
let dialog = null;
let deadline = 0;
let onEnd = null;

/** Seconds before the end at which the warning shows. */
export function warningLead(idleS) {
  return Math.max(1, Math.min(120, Math.floor(idleS / 3)));
}

function clearTimers() {
  clearTimeout(warnTimer);
  clearTimeout(endTimer);
  warnTimer = null;
  endTimer = null;
}

function hideWarning() {
  clearInterval(tick);
  tick = null;
  if (dialog) {
    const d = dialog;
    dialog = null;
    d.close();
  }
}

function remaining() {
  return Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
}

function clock(s) {
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function showWarning() {
  if (dialog && !dialog.dialog.isConnected) dialog = null; // removed with the page's dialogs
  if (dialog || !session.user) return;
  const left = h('strong', { class: 'idle-left' }, clock(remaining()));
  const stay = h('button', { type: 'button', class: 'primary' }, 'Stay signed in');
  const d = openDialog({ title: 'Still there?', className: 'idle-warning', onClose: () => { if (dialog === d) dialog = null; } });
  dialog = d;
  d.dialog.setAttribute('role', 'alertdialog');
  d.body.append(
    h('p', {}, 'For safety you will be signed out in ', left, ' because nothing was done for a while. Anything you typed is kept and comes back when you log in again.'),
    h('div', { class: 'actions' }, stay));
  stay.addEventListener('click', async () => {
    stay.disabled = true;
    try {
      await api.post('/me/keepalive', {});
      hideWarning();
    } catch {
      // A 401 takes the page to the login page; other failures leave the warning up.
      stay.disabled = false;
    }
  });
  stay.focus();
  tick = setInterval(() => {
    left.textContent = clock(remaining());
  }, 1000);
}

/** Called with the seconds an answer says the session has left. */
function sessionLeft(seconds) {
  if (!session.user || !Number.isFinite(seconds)) return;
  clearTimers();
  deadline = Date.now() + seconds * 1000;
  const lead = warningLead(session.idleTimeout || seconds);
  // An answer that did not renew the session leaves an open warning up.
  if (seconds > lead) hideWarning();
  warnTimer = setTimeout(showWarning, Math.max(0, seconds - lead) * 1000);
  // A moment after the server's end, so that the server agrees the session is over.
  endTimer = setTimeout(() => {
    clearTimers();
    hideWarning();
    if (session.user && onEnd) onEnd();
  }, seconds * 1000 + 1000);
}

/** Starts watching; ended() is called when the session ran out unused. */
export function watchSession(ended) {
  onEnd = ended;
  setSessionLeftHandler(sessionLeft);
}

/** Stops the timers (logout, or a session found ended). */
export function stopWatching() {
  clearTimers();
  hideWarning();
}
