// The application shell: who is logged in, the navigation their role may use, and the
// hash router (#/day?date=2026-11-23) that puts one page at a time into <main>.

import { api, ApiError, setCsrf, setUnauthenticatedHandler, invalidate } from './api.js';
import { session, role } from './session.js';
import { h, replace, message, loading } from './ui.js';
import { errorSentence, ROLE_LABEL, learnClinicOffset, knowsClinicOffset, setClinicZone } from './format.js';
import * as login from './pages/login.js';
import * as day from './pages/day.js';
import * as week from './pages/week.js';
import * as recalls from './pages/recalls.js';
import * as patients from './pages/patients.js';
import * as patient from './pages/patient.js';
import * as chart from './pages/chart.js';
import * as sessionNote from './pages/session-note.js';
import * as lots from './pages/lots.js';
import * as adminUsers from './pages/admin-users.js';
import * as adminRooms from './pages/admin-rooms.js';
import * as adminHours from './pages/admin-hours.js';
import * as adminCatalogs from './pages/admin-catalogs.js';
import * as audit from './pages/audit.js';
import * as messages from './pages/messages.js';
import { watchSession, stopWatching } from './idle.js';
import { setDraftOwner, dropDraftsExcept, markDraftsInterrupted, draftOf, dropDraft } from './drafts.js';
import { openBooking, bookingArgs } from './booking.js';

const ALL = ['admin', 'front_desk', 'practitioner'];
const CLINICAL = ['admin', 'practitioner'];
const ADMIN = ['admin'];

// pattern, page module, roles that may open it, nav entry (label) if any.
// Session notes and charts are open to every role here: the API decides, and the page
// shows its refusal.
const ROUTES = [
  { path: /^\/my-day$/, page: day, roles: ['practitioner'], nav: 'My day', href: '#/my-day', opts: { mine: true } },
  { path: /^\/day$/, page: day, roles: ALL, nav: 'Day', href: '#/day' },
  { path: /^\/week$/, page: week, roles: ALL },
  { path: /^\/recalls$/, page: recalls, roles: ALL, nav: 'Recalls', href: '#/recalls' },
  { path: /^\/patients$/, page: patients, roles: ALL, nav: 'Patients', href: '#/patients' },
  { path: /^\/patients\/(\d+)$/, page: patient, roles: ALL },
  { path: /^\/patients\/(\d+)\/chart$/, page: chart, roles: ALL },
  { path: /^\/appointments\/(\d+)\/session$/, page: sessionNote, roles: ALL },
  { path: /^\/messages$/, page: messages, roles: ALL, nav: 'Messages', href: '#/messages' },
  { path: /^\/lots$/, page: lots, roles: CLINICAL, nav: 'Lot lookup', href: '#/lots' },
  { path: /^\/admin\/users$/, page: adminUsers, roles: ADMIN, nav: 'Users', href: '#/admin/users', group: 'admin' },
  { path: /^\/admin\/rooms$/, page: adminRooms, roles: ADMIN, nav: 'Rooms', href: '#/admin/rooms', group: 'admin' },
  { path: /^\/admin\/hours$/, page: adminHours, roles: ADMIN, nav: 'Hours', href: '#/admin/hours', group: 'admin' },
  { path: /^\/admin\/catalogs$/, page: adminCatalogs, roles: ADMIN, nav: 'Catalogs', href: '#/admin/catalogs', group: 'admin' },
  { path: /^\/admin\/messages$/, page: await import('./pages/admin-messages.js'), roles: ADMIN, nav: 'Messages', href: '#/admin/messages', group: 'admin' },
  { path: /^\/admin\/audit$/, page: audit, roles: ADMIN, nav: 'Audit log', href: '#/admin/audit', group: 'admin' },
];

const main = document.getElementById('app');
const header = document.getElementById('top');
let renderSeq = 0;
let authLost = false;

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs] = raw.split('?');
  return { path: path || '/', query: Object.fromEntries(new URLSearchParams(qs || '')) };
}

function defaultRoute() {
  return role() === 'practitioner' ? '#/my-day' : '#/day';
}

function closeDialogs() {
  for (const d of document.querySelectorAll('dialog')) {
    if (d.open) d.close();
    d.remove();
  }
}

function renderHeader(current) {
  if (!session.user) {
    replace(header, h('div', { class: 'brand' }, 'collagenda'));
    return;
  }
  const items = ROUTES.filter((r) => r.nav && r.roles.includes(role()));
  const navList = h('ul', {}, items.map((r) => {
    const active = current && current.href === r.href;
    return h('li', { class: r.group === 'admin' ? 'nav-admin' : null },
      h('a', { href: r.href, 'aria-current': active ? 'page' : null }, r.nav));
  }));
  const logout = h('button', { type: 'button', class: 'link-button', onclick: doLogout }, 'Log out');
  replace(header,
    h('a', { class: 'skip-link', href: '#app', onclick: (e) => { e.preventDefault(); main.focus(); } }, 'Skip to content'),
    h('div', { class: 'brand' }, 'collagenda'),
    h('nav', { 'aria-label': 'Main' }, navList),
    h('div', { class: 'who' },
      h('span', {}, session.user.display_name, ' ', h('span', { class: 'role' }, `(${ROLE_LABEL[role()]})`)),
      logout));
}

async function doLogout() {
  try {
    await api.post('/logout', {});
  } catch {
    // The session may already be gone; the login page follows either way.
  }
  stopWatching();
  dropDraftsExcept(null);
  session.user = null;
  setCsrf(null);
  invalidate();
  location.hash = '#/login';
}

/** A booking that the end of the session interrupted opens again where it was. */
function resumeBooking() {
  const d = draftOf('booking');
  if (!d || !d.interrupted || document.querySelector('dialog[open]')) return;
  openBooking({ ...bookingArgs(d.data), onBooked: () => route({ keepDialogs: true }) });
}

export async function route(opts) {
  const seq = ++renderSeq;
  if (!(opts && opts.keepDialogs)) {
    // A booking left by moving to another page is let go; one the session cut short waits.
    const b = draftOf('booking');
    if (b && !b.interrupted) dropDraft('booking');
    closeDialogs();
  }
  const { path, query } = parseHash();

  if (path === '/login') {
    if (session.user) {
      location.hash = safeNext(query.next) || defaultRoute();
      return;
    }
    renderHeader(null);
    document.title = 'Log in · collagenda';
    const root = h('div', { class: 'page' });
    replace(main, root);
    login.render(root, { query, onLoggedIn });
    return;
  }
  if (!session.user) {
    goLogin(null);
    return;
  }
  if (path === '/') {
    location.replace(defaultRoute());
    return;
  }
  const r = ROUTES.find((x) => x.path.test(path));
  renderHeader(r);
  const root = h('div', { class: 'page' });
  replace(main, root);
  if (!r) {
    replace(root, h('h1', {}, 'Not found'), h('p', {}, 'There is no such page. ', h('a', { href: defaultRoute() }, 'Go to the day view.')));
    return;
  }
  if (!r.roles.includes(role())) {
    replace(root, h('h1', {}, 'Not available'), message('Your role may not open this page.', 'error'));
    return;
  }
  const params = path.match(r.path).slice(1);
  root.append(loading());
  try {
    await r.page.render(root, { params, query, opts: r.opts || {}, isCurrent: () => seq === renderSeq });
  } catch (e) {
    if (seq !== renderSeq) return;
    if (e instanceof ApiError && e.code === 'unauthenticated') return;
    console.error(e);
    replace(root, h('h1', {}, 'This page could not be shown'),
      message(e instanceof ApiError ? errorSentence(e) : 'Something went wrong while showing this page.', 'error'));
  }
  if (seq === renderSeq) {
    const h1 = root.querySelector('h1');
    document.title = `${h1 ? h1.textContent : 'collagenda'} · collagenda`;
    // After following a link, tell keyboard and screen-reader users where they are,
    // unless the page itself put the focus somewhere (a search box, say).
    const active = document.activeElement;
    if (h1 && (!active || active === document.body || header.contains(active))) {
      h1.tabIndex = -1;
      h1.focus({ preventScroll: true });
    }
    resumeBooking();
  }
}

function safeNext(next) {
  return next && next.startsWith('#/') && !next.startsWith('#/login') ? next : null;
}

function goLogin(err) {
  const here = location.hash && !location.hash.startsWith('#/login') ? location.hash : '';
  const q = new URLSearchParams();
  if (here) q.set('next', here);
  if (err && err.details && err.details.reason) q.set('reason', err.details.reason);
  const target = `#/login${q.toString() ? `?${q}` : ''}`;
  if (location.hash === target) route();
  else location.hash = target;
}

function onLoggedIn(data, next) {
  learnClinicOffset(data.expires_at);
  setClinicZone(data.clinic_time_zone);
  session.user = data.user;
  session.idleTimeout = data.idle_timeout_s;
  setCsrf(data.csrf_token);
  // A shared screen: what another user typed is not shown to this one.
  dropDraftsExcept(data.user.id);
  setDraftOwner(data.user.id);
  authLost = false;
  invalidate();
  location.hash = safeNext(next) || defaultRoute();
}

/** The session ended: drafts wait for the next login, the login page comes up. */
function sessionEnded(err) {
  if (authLost || location.hash.startsWith('#/login')) return;
  authLost = true;
  stopWatching();
  markDraftsInterrupted();
  // A session that ended while in use has expired, whether or not the server still
  // remembers it (expired sessions are swept away and then answer like unknown ones).
  if (session.user && !(err.details && err.details.reason)) err.details = { ...err.details, reason: 'expired' };
  session.user = null;
  setCsrf(null);
  closeDialogs();
  goLogin(err);
}

setUnauthenticatedHandler(sessionEnded);
watchSession(() => sessionEnded({ details: { reason: 'expired' } }));

/** Learns the clinic's current UTC offset from an appointment of this week, if any. */
async function learnOffsetFromAppointments() {
  try {
    const res = await api.get('/appointments', { limit: 1 });
    if (res.items.length) learnClinicOffset(res.items[0].start);
  } catch {
    // Without it, times are written with the browser's offset.
  }
}

async function boot() {
  try {
    const me = await api.get('/me');
    session.user = me.user;
    session.idleTimeout = me.idle_timeout_s;
    setCsrf(me.csrf_token);
    setDraftOwner(me.user.id);
    setClinicZone(me.clinic_time_zone);
    if (!knowsClinicOffset()) await learnOffsetFromAppointments();
  } catch (e) {
    session.user = null;
    if (!(e instanceof ApiError) || e.code !== 'unauthenticated') {
      replace(main, message(errorSentence(e), 'error'));
    }
    authLost = false;
  }
  window.addEventListener('hashchange', route);
  route();
}

boot();
