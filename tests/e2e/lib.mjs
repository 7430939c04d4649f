// Shared helpers for the browser tests: start the real server on a free port with a fresh
// demo database, drive Debian's chromium through playwright-core, wait until the page
// shows a state, call the API directly for setup, and write screenshots under build/e2e/.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

export const BIN = process.env.COLLAGENDA_BIN || path.join(root, 'build', 'collagenda');
export const SHOTS = process.env.COLLAGENDA_E2E_SHOTS || path.join(root, 'build', 'e2e');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const LOGINS = {
  admin: ['admin', 'admin-demo-2026'],
  desk: ['desk', 'desk-demo-2026'],
  reyes: ['dr.reyes', 'reyes-demo-2026'],
  kim: ['nurse.kim', 'kim-demo-2026'],
};

/** Starts `collagenda serve --demo` on a free port; resolves {base, stop()}. */
export async function startServer({ extraArgs = [], env = {} } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'collagenda-e2e-'));
  // On PostgreSQL (COLLAGENDA_TEST_PG, tests/pg/with-cluster.sh): a database of its own.
  let db = path.join(dir, 'c.db');
  const pg = process.env.COLLAGENDA_TEST_PG;
  if (pg) {
    const name = `e2e_${path.basename(dir).replace(/[^a-zA-Z0-9]/g, '').toLowerCase()}`;
    const made = spawnSync('psql', ['-q', `${pg}/postgres`, '-c', `CREATE DATABASE ${name}`]);
    if (made.status !== 0) throw new Error(`cannot create ${name}: ${made.stderr}`);
    db = `${pg}/${name}`;
  }
  const args = ['serve', '--db', db, '--bind', '127.0.0.1', '--port', '0', '--demo', ...extraArgs];
  const proc = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const log = [];
  proc.stderr.on('data', (d) => log.push(String(d)));
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log.join('')}`)), 15000);
    const rl = readline.createInterface({ input: proc.stdout });
    rl.on('line', (line) => {
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${log.join('')}`));
    });
  });
  return {
    base,
    log,
    async stop() {
      if (proc.exitCode === null) {
        const done = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        let timer;
        await Promise.race([done, new Promise((r) => { timer = setTimeout(r, 12000); })]);
        clearTimeout(timer);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Launches chromium with a fresh profile; resolves {context, page, close()}. With
 * COLLAGENDA_E2E_LATENCY_MS=N each API request is held back a random 0-N ms, so that a
 * test reading the page before it has caught up fails every time rather than now and then.
 */
export async function startBrowser({ viewport = { width: 1280, height: 800 }, timezoneId } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'collagenda-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport,
    locale: 'en-GB',
    timezoneId,
  });
  context.setDefaultTimeout(15000);
  const latency = Number(process.env.COLLAGENDA_E2E_LATENCY_MS || 0);
  if (latency) {
    await context.route('**/api/v1/**', async (route) => {
      await new Promise((r) => { setTimeout(r, Math.random() * latency); });
      await route.continue().catch(() => {});
    });
  }
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Form controls on the page (or in its open dialog) that have no label. */
export async function unlabelled(page) {
  return page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'hidden' && !el.labels.length && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
    .map((el) => el.outerHTML.slice(0, 120)));
}

/**
 * A screenshot under build/e2e/ (full page unless a dialog is open: its backdrop covers
 * only the viewport). Every page photographed is also checked for unlabelled controls.
 */
export async function shot(page, name, { full } = {}) {
  const bare = await unlabelled(page);
  if (bare.length) throw new Error(`${name}: controls without a label: ${bare.join(' | ')}`);
  fs.mkdirSync(SHOTS, { recursive: true });
  const fullPage = full ?? !(await page.locator('dialog[open]').count());
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
}

/** Runs a test body; on failure keeps a screenshot of the page as failed-NAME.png. */
export function withShot(getPage, name, fn) {
  return async (t) => {
    try {
      await fn(t);
    } catch (e) {
      const page = getPage();
      if (page) {
        fs.mkdirSync(SHOTS, { recursive: true });
        await page.screenshot({ path: path.join(SHOTS, `failed-${name}.png`) }).catch(() => {});
      }
      throw e;
    }
  };
}

/** Fills the login page (already shown) and submits. */
export async function submitLogin(page, [username, password]) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('.topbar nav').waitFor();
}

/** Opens hash route `to`, logging in first when the login page comes up. */
export async function openAs(page, base, who, to) {
  await page.goto(`${base}/${to}`);
  const login = page.getByRole('heading', { name: 'Log in to collagenda' });
  const nav = page.locator('.topbar nav');
  await Promise.race([login.waitFor(), nav.waitFor()]);
  if (await login.isVisible()) await submitLogin(page, who);
}

export async function logout(page) {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { name: 'Log in to collagenda' }).waitFor();
}

// ---- waiting for what the page shows ----

const WAIT_MS = 15000;
// Pauses between reads of the page while a state is awaited, growing like Playwright's.
const POLL_MS = [0, 20, 50, 100, 100, 250, 500];

function seen(value) {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 2000 ? `${s.slice(0, 2000)}…` : s;
}

/**
 * Reads with read() until ok(value) holds and resolves that value. After timeout ms it
 * fails naming what was awaited and the last value read (or the error reading it).
 */
export async function waitUntil(what, read, ok, { timeout = WAIT_MS } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  let failed = null;
  for (let i = 0; ; i++) {
    try {
      last = await read();
      failed = null;
      if (ok(last)) return last;
    } catch (e) {
      failed = e;
    }
    if (Date.now() >= deadline) {
      throw new Error(`Timed out after ${timeout} ms waiting for ${what}; last seen: ${failed ? `error ${failed.message}` : seen(last)}`);
    }
    await new Promise((r) => { setTimeout(r, POLL_MS[Math.min(i, POLL_MS.length - 1)]); });
  }
}

function matches(text, expected) {
  return expected instanceof RegExp ? expected.test(text) : text === expected;
}

/**
 * Waits until locator is one element whose trimmed text is expected (a string, or a
 * RegExp it matches); resolves that text.
 */
export async function waitForText(locator, expected, { timeout } = {}) {
  const texts = await waitUntil(`${locator} to read ${expected instanceof RegExp ? expected : JSON.stringify(expected)}`,
    async () => (await locator.allTextContents()).map((t) => t.trim()),
    (t) => t.length === 1 && matches(t[0], expected), { timeout });
  return texts[0];
}

/** Waits until locator matches n elements; resolves n. */
export function waitForCount(locator, n, { timeout } = {}) {
  return waitUntil(`${n} of ${locator}`, () => locator.count(), (c) => c === n, { timeout });
}

/**
 * Waits until the table rows matched by selector (their cells' trimmed texts, one array
 * a row) satisfy ok(rows); resolves the rows.
 */
export function expectRows(page, selector, ok, { what = 'the expected rows', timeout } = {}) {
  return waitUntil(`${what} in ${selector}`,
    () => page.$$eval(selector, (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim()))),
    ok, { timeout });
}

/** What has the focus: tag, name, aria-label, whether a free time and whether in a dialog. */
export function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    return {
      tag: el.tagName.toLowerCase(),
      name: el.getAttribute('name'),
      label: el.getAttribute('aria-label'),
      slot: el.matches('button.slot'),
      inDialog: !!el.closest('dialog'),
    };
  });
}

/** Waits until the focused element satisfies ok(focused(page)); resolves that. */
export function waitForFocus(page, what, ok, { timeout } = {}) {
  return waitUntil(what, () => focused(page), (f) => !!f && ok(f), { timeout });
}

/** A waitForResponse predicate: the API's answer to METHOD path with (at least) params. */
export function apiAnswer(method, p, params = {}) {
  return (res) => {
    const u = new URL(res.url());
    return res.request().method() === method && u.pathname === `/api/v1${p}`
      && Object.entries(params).every(([k, v]) => u.searchParams.get(k) === String(v));
  };
}

/**
 * Runs action() and waits for the first response after it that match() accepts, read to
 * its end; fails unless that response succeeded. Resolves the response.
 */
export async function withResponse(page, match, action, { timeout } = {}) {
  const answer = page.waitForResponse(match, { timeout });
  answer.catch(() => {});
  await action();
  const res = await answer;
  await res.finished();
  if (!res.ok()) throw new Error(`${res.request().method()} ${res.url()} answered ${res.status()}`);
  return res;
}

// ---- the API, for setting up and checking ----

export async function apiLogin(base, [username, password]) {
  const res = await fetch(`${base}/api/v1/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`login ${username}: ${res.status}`);
  return (await res.json()).token;
}

export async function call(base, token, method, p, body) {
  const res = await fetch(`${base}/api/v1${p}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

/** A treatment appointment with an unwritten note and a plan over the cheeks; its practitioner's login. */
export async function unwrittenNote(base, admin) {
  const list = await call(base, admin, 'GET', '/appointments?limit=200');
  const users = await call(base, admin, 'GET', '/users?limit=100');
  for (const a of list.items) {
    if (a.kind !== 'treatment' || a.status === 'cancelled' || a.status === 'no_show') continue;
    const note = await call(base, admin, 'GET', `/appointments/${a.id}/session`);
    if (note.exists || !note.previous || !note.plan.areas.includes('cheeks')) continue;
    const u = users.items.find((x) => x.id === a.practitioner_id);
    const who = Object.values(LOGINS).find(([name]) => u && name === u.username);
    if (who) return { appt: a.id, note, who };
  }
  throw new Error('the demo clinic has no unwritten note with a previous session');
}

// ---- dates (clinic-local YYYY-MM-DD) ----

export function addDays(date, n) {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** ISO weekday, Monday = 1. */
export function weekday(date) {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay() || 7;
}

/** The first date on or after `from` that falls on ISO weekday wd. */
export function nextWeekday(from, wd) {
  let d = from;
  while (weekday(d) !== wd) d = addDays(d, 1);
  return d;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "12 Jan", as the UI writes dates (a year may follow when it is not this year). */
export function shortDate(date) {
  const [, m, d] = date.split('-').map(Number);
  return `${d} ${MONTHS[m - 1]}`;
}

export function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
