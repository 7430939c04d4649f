// Messages to patients in the browser: the desk's failed list with the mail server's
// answer and "Send again", an appointment's delivery log, the patient's confirm page on a
// phone (390×844), and the "confirmed" mark on the day view. The server sends to a real
// SMTP server (Debian's aiosmtpd, tests/mail/sink.py) and runs with --test-clock.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startServer, startBrowser, openAs, shot, apiLogin, call, addDays, nextWeekday, LOGINS,
  withShot, waitUntil, waitForText,
} from './lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The SMTP server: resolves {url, dir, mode(m), messages(), stop()}. */
async function startSink() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'collagenda-e2e-smtp-'));
  const proc = spawn('/usr/bin/python3', [path.join(root, 'tests/mail/sink.py'), dir], { stdio: 'ignore' });
  const port = await waitUntil('the SMTP server to listen', () => fs.readFileSync(path.join(dir, 'port'), 'ascii'), (p) => Number(p) > 0);
  return {
    url: `smtp://127.0.0.1:${Number(port)}`,
    mode(m) {
      fs.writeFileSync(path.join(dir, 'mode.tmp'), m);
      fs.renameSync(path.join(dir, 'mode.tmp'), path.join(dir, 'mode'));
    },
    messages() {
      const r = spawnSync('/usr/bin/python3', [path.join(root, 'tests/mail/check.py'), dir], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`check.py: ${r.stderr}`);
      return JSON.parse(r.stdout).messages;
    },
    stop() {
      proc.kill('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** day at hh:mm in zone as RFC 3339 with its offset. */
function localTime(day, hhmm, zone) {
  const name = new Intl.DateTimeFormat('en-GB', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(new Date(`${day}T12:00:00Z`)).find((p) => p.type === 'timeZoneName').value;
  return `${day}T${hhmm}:00${name.replace('GMT', '') || '+00:00'}`;
}

describe('messages to patients', () => {
  let sink;
  let server;
  let browser;
  let phone;
  let admin;
  let zone;
  let day;
  let reyes;
  let room;

  // Sessions run on the server's clock too: after a move of hours the admin's session has
  // ended, so the test logs in again at the moved time.
  const setClock = async (t) => {
    const r = await fetch(`${server.base}/api/v1/test/clock`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ now: t || new Date().toISOString() }),
    });
    assert.equal(r.status, 200);
    admin = await apiLogin(server.base, LOGINS.admin);
  };
  const messagesOf = (appt) => call(server.base, admin, 'GET', `/appointments/${appt}/messages`).then((r) => r.items);
  const one = (items, kind) => items.find((m) => m.kind === kind) || {};

  async function bookFor(first, last, hhmm) {
    const p = await call(server.base, admin, 'POST', '/patients', {
      first_name: first, last_name: last, date_of_birth: '1984-02-03', email: `${first.toLowerCase()}@example.org`, contact_email: true, confirm_new: true,
    });
    const a = await call(server.base, admin, 'POST', '/appointments', {
      patient_id: p.id, kind: 'consultation', practitioner_id: reyes.id, room_id: room.id,
      start: localTime(day, hhmm, zone), end: localTime(day, addMinutes(hhmm, 15), zone), override_reason: 'message test',
    });
    return a;
  }
  function addMinutes(hhmm, n) {
    const [h, m] = hhmm.split(':').map(Number);
    const t = h * 60 + m + n;
    return `${String(Math.floor(t / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
  }

  before(async () => {
    sink = await startSink();
    server = await startServer({
      extraArgs: ['--smtp-url', sink.url, '--smtp-insecure', '--mail-from', 'desk@clinic.example', '--clinic-name', 'Demo Clinic',
        '--public-url', 'https://patients.example', '--test-clock'],
    });
    browser = await startBrowser();
    phone = await startBrowser({ viewport: { width: 390, height: 844 } });
    admin = await apiLogin(server.base, LOGINS.admin);
    zone = (await call(server.base, admin, 'GET', '/me')).clinic_time_zone;
    const today = (await call(server.base, admin, 'GET', '/day-sheet')).date;
    day = nextWeekday(addDays(today, 10), 3);
    reyes = (await call(server.base, admin, 'GET', '/practitioners')).items.find((p) => p.display_name === 'Dr Elena Reyes');
    room = (await call(server.base, admin, 'GET', '/rooms')).items.find((r) => r.name === 'Consultation');
  });

  after(async () => {
    if (browser) await browser.close();
    if (phone) await phone.close();
    if (server) await server.stop();
    if (sink) sink.stop();
  });

  it('lists a failed message with the server\'s answer and sends it again', withShot(() => browser.page, 'messages-failed', async () => {
    sink.mode('4xx');
    const a = await bookFor('Farah', 'Failing', '07:00');
    // Each retry waits for its backoff: the clock is moved to it, eight tries in all.
    for (let k = 1; k <= 8; k++) {
      const c = await waitUntil(`try ${k}`, () => messagesOf(a.id).then((l) => one(l, 'confirmation')), (m) => m.tries === k);
      if (k < 8) await setClock(c.next_try_at);
    }
    await waitUntil('the confirmation to fail', () => messagesOf(a.id).then((l) => one(l, 'confirmation')), (m) => m.status === 'failed');
    await setClock();
    sink.mode('ok');
    const page = browser.page;
    await openAs(page, server.base, LOGINS.desk, '#/messages');
    const row = page.locator('table.messages tbody tr', { hasText: 'farah@example.org' });
    await waitForText(row.locator('.msg-status'), 'Failed');
    await waitForText(row.locator('.msg-answer'), /^451 Try again later/);
    await shot(page, 'messages-failed');
    await row.getByRole('button', { name: 'Send again' }).click();
    await waitForText(row.locator('.msg-status'), /^Queued/);
    await waitUntil('the confirmation to go', () => messagesOf(a.id).then((l) => one(l, 'confirmation')), (m) => m.status === 'sent');

    await openAs(page, server.base, LOGINS.desk, `#/messages?appointment=${a.id}`);
    await page.getByRole('heading', { name: `Messages of appointment ${a.id}` }).waitFor();
    const confirmation = page.locator('table.messages tbody tr', { hasText: 'Confirmation' });
    await waitForText(confirmation.locator('.msg-status'), /^Sent/);
    await page.locator('table.messages tbody tr', { hasText: 'Reminder' }).waitFor();
    await shot(page, 'messages-appointment-log');
    assert.deepEqual(browser.errors, []);
  }));

  it('lets the patient confirm on a phone, and the day view shows it', withShot(() => phone.page, 'messages-confirm-page', async () => {
    const a = await bookFor('Sofia', 'Confirmer', '07:30');
    await waitUntil('the confirmation', () => messagesOf(a.id).then((l) => one(l, 'confirmation')), (m) => m.status === 'sent');
    const reminder = one(await messagesOf(a.id), 'reminder');
    await setClock(new Date(Date.parse(reminder.due_at) + 60000).toISOString());
    await waitUntil('the reminder', () => messagesOf(a.id).then((l) => one(l, 'reminder')), (m) => m.status === 'sent');
    await setClock();
    const mail = sink.messages().find((m) => m.message_id === `<${reminder.message_id}>`);
    assert.ok(mail && mail.link, 'the reminder carries a link');
    const link = new URL(mail.link);
    assert.equal(link.origin, 'https://patients.example');

    const page = phone.page;
    await page.goto(`${server.base}${link.pathname}${link.search}`);
    await page.getByRole('heading', { name: 'Hello Sofia' }).waitFor();
    assert.equal(await page.getByText('Confirmer').count(), 0, 'no last name on the page');
    await shot(page, 'messages-confirm-page');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'Thank you' }).waitFor();
    await shot(page, 'messages-confirmed');
    // The same link again: a plain page, nothing changes.
    await page.goto(`${server.base}${link.pathname}${link.search}`);
    await page.getByRole('heading', { name: 'This link cannot be used' }).waitFor();
    assert.deepEqual(phone.errors, []);

    const desk = browser.page;
    await openAs(desk, server.base, LOGINS.desk, `#/day?date=${day}`);
    const block = desk.locator(`.appt[data-id="${a.id}"]`);
    await waitForText(block.locator('.appt-confirmed'), 'confirmed');
    await shot(desk, 'messages-day-confirmed');
  }));
});
