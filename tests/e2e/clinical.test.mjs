// Practitioner: screens a patient, records consent, creates a plan, books the first
// session, writes the session note (signing first lists everything missing at once, the
// check-in among it), checks the patient in from the appointment panel, signs the note
// and adds an addendum; the lot lookup finds the session. Then the front desk
// opening that note is refused: the UI says so and the API answers 403.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, startBrowser, openAs, shot, apiLogin, call, logout, withShot, LOGINS, withResponse,
  waitUntil,
} from './lib.mjs';

const PRACTITIONER = ['dr.e2e', 'e2e-practitioner-2026'];

describe('practitioner chart and session note', () => {
  let server;
  let browser;
  let page;
  let admin;
  let patient;
  let today;
  let apptId;

  before(async () => {
    server = await startServer();
    browser = await startBrowser();
    page = browser.page;
    admin = await apiLogin(server.base, LOGINS.admin);
    today = (await call(server.base, admin, 'GET', '/day-sheet')).date;
    // A practitioner who works around the clock and a room of their own, so that a
    // session today can be booked whatever the time and weekday the suite runs.
    const user = await call(server.base, admin, 'POST', '/users', {
      username: PRACTITIONER[0], password: PRACTITIONER[1], role: 'practitioner', display_name: 'Dr Ada Testwell',
    });
    const hours = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
    await call(server.base, admin, 'PUT', `/practitioners/${user.id}/availability`, { hours });
    await call(server.base, admin, 'POST', '/rooms', { name: 'Room E2E' });
    patient = await call(server.base, admin, 'POST', '/patients', {
      first_name: 'Tomasz', last_name: 'Chartwell', date_of_birth: '1984-09-30',
    });
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('screens the patient, records consent and creates a plan', withShot(() => page, 'chart', async () => {
    await openAs(page, server.base, PRACTITIONER, `#/patients/${patient.id}/chart`);
    await page.getByRole('heading', { name: 'Tomasz Chartwell' }).waitFor();
    await page.getByText('No screening recorded yet').waitFor();

    const screening = page.locator('form.screening-form');
    await screening.getByRole('checkbox', { name: /Sunburn/ }).check();
    await screening.getByRole('checkbox', { name: /Pregnant/ }).check();
    // A clearance condition asks who cleared it.
    await screening.getByLabel('Cleared by (Pregnant)').waitFor();
    await shot(page, 'chart-screening');
    await screening.getByRole('checkbox', { name: /Pregnant/ }).uncheck();
    await screening.getByRole('button', { name: 'Record screening' }).click();
    await page.locator('ol.history').getByText(/Caution: Sunburn/).waitFor();

    const consent = page.locator('form.consent-form');
    await consent.getByLabel('Treatment type').selectOption('MN');
    await consent.getByLabel(/Signed name/).fill('Tomasz Chartwell');
    await consent.getByRole('button', { name: 'Record consent' }).click();
    await page.getByText(/MN — form v1, signed "Tomasz Chartwell"/).waitFor();

    const plan = page.locator('form.plan-form');
    await plan.getByLabel('Treatment type').selectOption('MN');
    assert.equal(await plan.getByLabel('Planned sessions').inputValue(), '3');
    assert.equal(await plan.getByLabel('Minimum days between sessions').inputValue(), '28');
    await plan.getByLabel('Indication').selectOption('acne_scars');
    await plan.getByRole('checkbox', { name: /^Cheeks/ }).check();
    await plan.getByRole('checkbox', { name: /^Forehead/ }).check();
    await plan.getByRole('button', { name: 'Create plan' }).click();
    await page.locator('.plan-card').getByText('Micro-needling — Acne scars').waitFor();
  }));

  it('books the first session for today', withShot(() => page, 'book-today', async () => {
    await page.getByRole('button', { name: 'Book session 1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Book an appointment' });
    await dialog.getByRole('radio', { name: /session 1 of 3/ }).waitFor();
    assert.equal(await dialog.getByLabel('Practitioner').locator('option:checked').textContent(), 'Dr Ada Testwell');
    // Practitioners may give a reason to book inside the minimum spacing.
    await dialog.getByLabel('Override reason (optional)').waitFor();
    await dialog.getByLabel('Room', { exact: true }).selectOption({ label: 'Room E2E' });
    await dialog.getByLabel('Date', { exact: true }).fill(today);
    await dialog.getByLabel('Start', { exact: true }).fill('00:15');
    await dialog.getByRole('button', { name: 'Book appointment' }).click();
    await dialog.getByText(/^Booked: Tomasz Chartwell/).waitFor();
    await dialog.getByText(/^Caution: Sunburn/).waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();
    const appts = await call(server.base, admin, 'GET', `/appointments?patient_id=${patient.id}`);
    assert.equal(appts.items.length, 1);
    apptId = appts.items[0].id;
  }));

  it('writes the note; signing lists what is missing; checks in; signs; adds an addendum', withShot(() => page, 'note', async () => {
    const checkIn = "Check the patient in first: a note is signed for a visit that took place.";
    // From "My day": the block opens the panel, which leads to the note.
    await page.getByRole('link', { name: 'My day' }).click();
    await page.locator('.appt', { hasText: 'Tomasz Chartwell' }).click();
    await page.getByRole('dialog').getByRole('link', { name: 'Session note' }).click();
    await page.getByRole('heading', { name: 'Session note — Tomasz Chartwell' }).waitFor();
    const form = page.locator('form.note-form');
    await form.getByText('Caution conditions: Sunburn.').waitFor();

    await page.getByRole('button', { name: 'Sign note' }).click();
    const refusal = form.locator('.not-signable');
    await refusal.waitFor();
    const missing = await refusal.locator('li').allTextContents();
    assert.deepEqual(missing, [
      'Record the depth for at least one area.',
      'Confirm the screening today.',
      "Tick that you reviewed the patient's caution conditions.",
      checkIn,
    ]);

    await form.getByLabel('Screening confirmed today', { exact: false }).check();
    await form.getByLabel('I reviewed the caution conditions with the patient').check();
    await form.getByLabel('Depth for Cheeks (mm)').fill('1.5');
    await form.getByLabel('Passes for Cheeks').fill('3');
    await form.getByLabel('Depth for Forehead (mm)').fill('1.25');
    // Deeper than the forehead's 1.00 mm: the reason field appears.
    await form.getByLabel('Reason to exceed 1.00 mm').fill('Thick scar tissue at the hairline');
    await form.getByLabel('Passes for Forehead').fill('2');
    await form.getByLabel('Device', { exact: true }).selectOption('pen');
    await form.getByLabel('Device model').fill('Dermapen 4');
    await form.getByLabel('Cartridge lot').fill('E2E-LOT-7');
    await form.getByLabel('Numbing product').fill('Lidocaine 23% / tetracaine 7%');
    await form.getByLabel('Applied at').fill('00:20');
    await form.getByLabel('Removed at').fill('00:45');
    await form.getByLabel(/Products applied/).fill('Hyaluronic acid serum\nSPF 50');
    await form.getByLabel('Clinical endpoint').selectOption('pinpoint_bleeding');
    await form.getByLabel('Redness').selectOption('1');
    await form.getByLabel('Aftercare explained and sheet given').check();
    await form.getByLabel('Notes', { exact: true }).fill('Tolerated well.');
    // The saved draft's answer redraws what is missing: wait for it, then for the list.
    const saved = (res) => res.request().method() === 'PUT'
      && /\/api\/v1\/appointments\/\d+\/session$/.test(new URL(res.url()).pathname);
    await withResponse(page, saved, () => page.getByRole('button', { name: 'Save draft' }).click());
    // The note is complete; the patient is not checked in yet.
    const still = form.locator('.missing');
    const left = await waitUntil('only the check-in to be missing',
      () => still.locator('li').allTextContents(), (l) => l.length === 1);
    assert.deepEqual(left, [checkIn]);
    await shot(page, 'session-note');

    // The appointment panel checks the patient in; back on the note nothing is missing.
    await page.getByRole('link', { name: 'My day' }).click();
    await page.locator('.appt', { hasText: 'Tomasz Chartwell' }).click();
    const panel = page.getByRole('dialog');
    await panel.getByRole('button', { name: 'Check in' }).click();
    await panel.getByText('Checked in.').waitFor();
    // A check-in made by mistake is undone from the panel, for 5 minutes, then made again.
    await panel.getByText(/^Undo possible until \d\d:\d\d\.$/).waitFor();
    await shot(page, 'appointment-undo');
    await panel.getByRole('button', { name: 'Undo check-in' }).click();
    await panel.getByText('Undone: the appointment is booked again.').waitFor();
    assert.equal((await call(server.base, admin, 'GET', `/appointments/${apptId}`)).status, 'booked');
    assert.equal(await panel.getByRole('button', { name: 'Undo check-in' }).count(), 0);
    await panel.getByRole('button', { name: 'Check in' }).click();
    await panel.getByText('Checked in.').waitFor();
    await panel.getByRole('link', { name: 'Session note' }).click();
    await page.getByRole('heading', { name: 'Session note — Tomasz Chartwell' }).waitFor();
    await page.locator('form.note-form').getByText('Everything needed to sign is there.').waitFor();

    // Signing asks first, naming what it will freeze; going back leaves a draft.
    await page.getByRole('button', { name: 'Sign note' }).click();
    let confirm = page.getByRole('dialog', { name: 'Sign and lock this note?' });
    await confirm.waitFor();
    assert.deepEqual(await confirm.locator('.sign-areas li').allTextContents(), [
      'Cheeks: 1.50 mm, 3 passes',
      'Forehead: 1.25 mm, 2 passes (over the maximum: Thick scar tissue at the hairline)',
    ]);
    assert.deepEqual(await confirm.locator('.sign-products li').allTextContents(), ['Hyaluronic acid serum', 'SPF 50']);
    assert.deepEqual(await confirm.locator('.sign-lots li').allTextContents(), ['Cartridge lot E2E-LOT-7']);
    await shot(page, 'session-note-sign-confirm');
    await confirm.getByRole('button', { name: 'Back to the note' }).click();
    await confirm.waitFor({ state: 'detached' });
    assert.equal((await call(server.base, admin, 'GET', `/appointments/${apptId}/session`)).status, 'draft');
    await page.locator('form.note-form').waitFor();
    await page.getByRole('button', { name: 'Sign note' }).click();
    confirm = page.getByRole('dialog', { name: 'Sign and lock this note?' });
    await confirm.getByRole('button', { name: 'Sign and lock' }).click();
    await page.getByText('This note is signed and read-only.').waitFor();
    assert.equal(await page.locator('form.note-form').count(), 0);
    await page.getByRole('cell', { name: '1.25 mm' }).waitFor();
    await page.getByRole('cell', { name: 'Thick scar tissue at the hairline' }).waitFor();

    await page.getByLabel('Addendum').fill('Called on day 2: mild redness only, settling.');
    await page.getByRole('button', { name: 'Add addendum' }).click();
    await page.locator('ol.addenda').getByText('Called on day 2: mild redness only, settling.').waitFor();
    await shot(page, 'session-note-signed');

    const note = await call(server.base, admin, 'GET', `/appointments/${apptId}/session`);
    assert.equal(note.status, 'signed');
    assert.deepEqual(note.areas.map((a) => [a.area, a.depth_mm]), [['cheeks', 1.5], ['forehead', 1.25]]);
    assert.equal(note.addenda.length, 1);
  }));

  it('finds the session by its cartridge lot', withShot(() => page, 'lots', async () => {
    await page.getByRole('link', { name: 'Lot lookup' }).click();
    await page.getByLabel('Cartridge or PRP kit lot').fill('E2E-LOT-7');
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByRole('heading', { name: 'Lot E2E-LOT-7: 1 session' }).waitFor();
    await page.getByRole('link', { name: 'Tomasz Chartwell' }).waitFor();
    await shot(page, 'lot-lookup');
    // A prefix with its final *: every lot that starts with it.
    await page.getByLabel('Cartridge or PRP kit lot').fill('E2E-LOT*');
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByRole('heading', { name: 'Lots E2E-LOT*: 1 session' }).waitFor();
    await page.getByRole('cell', { name: 'E2E-LOT-7' }).waitFor();
    await shot(page, 'lot-lookup-prefix');
  }));

  it('refuses the front desk the note: the UI says so and the API answers 403', withShot(() => page, 'desk-note', async () => {
    await logout(page);
    await page.getByLabel('Username').fill(LOGINS.desk[0]);
    await page.getByLabel('Password').fill(LOGINS.desk[1]);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('.topbar nav').waitFor();
    const nav = await page.locator('.topbar nav a').allTextContents();
    assert.deepEqual(nav, ['Day', 'Recalls', 'Patients', 'Messages']);

    const answer = page.waitForResponse((r) => r.url().endsWith(`/api/v1/appointments/${apptId}/session`));
    await page.goto(`${server.base}/#/appointments/${apptId}/session`);
    assert.equal((await answer).status(), 403);
    await page.getByRole('alert').getByText(/^Refused: session notes are clinical records/).waitFor();
    assert.equal(await page.locator('form.note-form').count(), 0);
    assert.equal(await page.getByText('Tolerated well.').count(), 0);
    await shot(page, 'session-note-refused-front-desk');
    assert.deepEqual(browser.errors, []);
  }));
});
