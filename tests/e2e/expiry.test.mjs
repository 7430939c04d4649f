// Idle sessions (the server's idle timeout made short): the warning comes before the end
// and "Stay signed in" keeps the session; left alone, the page goes to the login page by
// itself and back to where it was after logging in; a half-filled booking and a
// half-written session note come back after that login. Every step waits for what the
// page shows (the warning, the login page), never for a time.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, startBrowser, openAs, submitLogin, shot, withShot, LOGINS, apiLogin, call,
  withResponse, apiAnswer, addDays, nextWeekday, waitUntil, unwrittenNote,
} from './lib.mjs';

// Long enough for a step of a test to finish well inside it, short enough to wait for.
const IDLE_S = 12;

describe('session expiry', () => {
  let server;
  let browser;
  let page;
  // Sessions end after IDLE_S seconds here: the API is called with a fresh login each time.
  const admin = () => apiLogin(server.base, LOGINS.admin);

  before(async () => {
    server = await startServer({ extraArgs: ['--idle-timeout', String(IDLE_S)] });
    browser = await startBrowser();
    page = browser.page;
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  const warning = () => page.getByRole('alertdialog', { name: 'Still there?' });
  const loginHeading = () => page.getByRole('heading', { name: 'Log in to collagenda' });
  const expired = { timeout: (IDLE_S + 10) * 1000 };

  it('warns before the end; Stay signed in keeps the session', withShot(() => page, 'idle-warning', async () => {
    await openAs(page, server.base, LOGINS.desk, '#/patients?q=Lef');
    await page.getByRole('link', { name: 'Lefèvre, Chloé' }).waitFor();
    await warning().waitFor(expired);
    await warning().getByText(/signed out in \d:\d\d/).waitFor();
    await shot(page, 'idle-warning');
    const first = Date.now();
    await withResponse(page, apiAnswer('POST', '/me/keepalive'), () => warning().getByRole('button', { name: 'Stay signed in' }).click());
    await warning().waitFor({ state: 'detached' });
    // The warning comes again a full idle period later: by then the session would have
    // ended without the renewal. It is still there.
    await warning().waitFor(expired);
    assert.ok(Date.now() - first >= (IDLE_S / 3) * 1000, 'the second warning came too soon');
    await withResponse(page, apiAnswer('POST', '/me/keepalive'), () => warning().getByRole('button', { name: 'Stay signed in' }).click());
    await withResponse(page, apiAnswer('GET', '/recalls'), () => page.getByRole('link', { name: 'Recalls' }).click());
    await page.getByRole('heading', { name: 'Recalls' }).waitFor();
    assert.equal(await loginHeading().count(), 0);
    assert.deepEqual(browser.errors, []);
  }));

  it('goes to the login page by itself and back to the page', withShot(() => page, 'expiry', async () => {
    await page.getByRole('link', { name: 'Patients' }).click();
    await page.getByRole('heading', { name: 'Patients' }).waitFor();
    await loginHeading().waitFor(expired);
    await page.getByText('Your session expired.', { exact: false }).waitFor();
    assert.match(page.url(), /#\/login\?next=%23%2Fpatients/);
    await shot(page, 'login-expired');
    await submitLogin(page, LOGINS.desk);
    await page.getByRole('heading', { name: 'Patients' }).waitFor();
    assert.match(page.url(), /#\/patients$/);
    assert.deepEqual(browser.errors, []);
  }));

  it('keeps a half-filled booking through the end of the session', withShot(() => page, 'booking-draft', async () => {
    const today = (await call(server.base, await admin(), 'GET', '/day-sheet')).date;
    const day = nextWeekday(addDays(today, 7), 2);
    await page.goto(`${server.base}/#/day?date=${day}`);
    await page.locator(`.page[data-date="${day}"] .day-grid`).waitFor();
    await page.getByRole('button', { name: 'New appointment' }).click();
    const dialog = page.getByRole('dialog', { name: 'Book an appointment' });
    await dialog.getByRole('combobox', { name: 'Patient' }).fill('Lef');
    await dialog.getByRole('option', { name: /Lefèvre, Chloé/ }).click();
    await dialog.getByRole('radio', { name: 'Consultation' }).check();
    await dialog.getByLabel('Start').fill('11:15');
    await dialog.getByLabel('Note for the appointment (optional)').fill('Asks about acne scars');

    await loginHeading().waitFor(expired);
    await submitLogin(page, LOGINS.desk);
    const again = page.getByRole('dialog', { name: 'Book an appointment' });
    await again.getByText('Restored what you had typed', { exact: false }).waitFor();
    await again.locator('.chosen').getByText('Chloé Lefèvre').waitFor();
    assert.equal(await again.getByLabel('Note for the appointment (optional)').inputValue(), 'Asks about acne scars');
    assert.equal(await again.getByLabel('Start').inputValue(), '11:15');
    assert.equal(await again.getByLabel('Date').inputValue(), day);
    assert.ok(await again.getByRole('radio', { name: 'Consultation' }).isChecked());
    await shot(page, 'booking-restored');
    await withResponse(page, apiAnswer('POST', '/appointments'), () => again.getByRole('button', { name: 'Book appointment' }).click());
    const list = await call(server.base, await admin(), 'GET', `/appointments?from=${day}&to=${day}`);
    const booked = list.items.filter((a) => a.notes === 'Asks about acne scars');
    assert.equal(booked.length, 1);
    assert.equal(booked[0].kind, 'consultation');
    // Booked: the draft is gone.
    const drafts = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('collagenda.draft.')));
    assert.deepEqual(drafts, []);
    assert.deepEqual(browser.errors, []);
  }));

  it('keeps a half-written note through the end of the session', withShot(() => page, 'note-draft', async () => {
    // A treatment whose note is not written yet, and its practitioner.
    const { appt, who } = await unwrittenNote(server.base, await admin());
    // Another user: a fresh page without a session.
    await browser.context.clearCookies();
    await page.goto('about:blank');
    await openAs(page, server.base, who, `#/appointments/${appt}/session`);
    const form = page.locator('form.note-form');
    await form.waitFor();
    await form.getByLabel('Depth for Cheeks (mm)').fill('1,5');
    await form.getByLabel('Notes', { exact: true }).fill('Half-written when the session ended');

    await loginHeading().waitFor(expired);
    await submitLogin(page, who);
    await page.locator('form.note-form .restored').waitFor();
    assert.equal(await form.getByLabel('Depth for Cheeks (mm)').inputValue(), '1,5');
    assert.equal(await form.getByLabel('Notes', { exact: true }).inputValue(), 'Half-written when the session ended');
    await shot(page, 'note-restored');
    await withResponse(page, (res) => res.request().method() === 'PUT' && res.url().endsWith(`/appointments/${appt}/session`),
      () => page.getByRole('button', { name: 'Save draft' }).click());
    const note = await call(server.base, await admin(), 'GET', `/appointments/${appt}/session`);
    assert.deepEqual(note.areas.map((a) => [a.area, a.depth_mm]), [['cheeks', 1.5]]);
    assert.equal(note.notes, 'Half-written when the session ended');
    // Saved: the draft is gone; logging out leaves none either.
    await waitUntil('the note draft to be dropped', () => page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('collagenda.draft.')).length), (n) => n === 0);
    assert.deepEqual(browser.errors, []);
  }));
});
