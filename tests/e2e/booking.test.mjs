// Front desk: books session 1 of a series from the day view, is refused session 2 twenty
// days later with the plain sentence, books it at +28 days; room view, recall list with a
// one-click booking, the patient page. The clinic runs in Asia/Kolkata (+05:30) while the
// browser is in London, so every time shown must come from the API's clinic-local times.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, startBrowser, openAs, shot, apiLogin, call, addDays, nextWeekday, shortDate,
  escapeRe, LOGINS, withShot, withResponse, apiAnswer, waitForText, waitForCount,
} from './lib.mjs';

describe('front desk booking', () => {
  let server;
  let browser;
  let page;
  let admin;
  let patient;
  let plan;
  let reyes;
  let day1;
  let busiest;

  before(async () => {
    server = await startServer({ extraArgs: ['--tz', 'Asia/Kolkata'] });
    browser = await startBrowser({ timezoneId: 'Europe/London' });
    page = browser.page;
    admin = await apiLogin(server.base, LOGINS.admin);
    const today = (await call(server.base, admin, 'GET', '/day-sheet')).date;
    // A Tuesday at least two weeks out: +20 days is a Monday and +28 a Tuesday, days Dr
    // Reyes works, and past the demo's week of appointments.
    day1 = nextWeekday(addDays(today, 14), 2);
    // The demo's busiest day of the coming week, for the day-view screenshot.
    const week = await call(server.base, admin, 'GET', '/appointments');
    const perDay = new Map();
    for (const a of week.items) perDay.set(a.start.slice(0, 10), (perDay.get(a.start.slice(0, 10)) || 0) + 1);
    busiest = [...perDay].sort((a, b) => b[1] - a[1])[0]?.[0] || today;
    const practitioners = await call(server.base, admin, 'GET', '/practitioners');
    reyes = practitioners.items.find((p) => p.display_name === 'Dr Elena Reyes');
    patient = await call(server.base, admin, 'POST', '/patients', {
      first_name: 'Wilhelmina', last_name: 'Testbook', date_of_birth: '1988-04-12', phone: '+44 20 7946 0011',
    });
    await call(server.base, admin, 'POST', `/patients/${patient.id}/screenings`, { conditions: [] });
    plan = await call(server.base, admin, 'POST', '/plans', {
      patient_id: patient.id, treatment_type: 'MN', indication: 'acne_scars', areas: ['cheeks'], practitioner_id: reyes.id,
    });
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  async function bookFromDay(date) {
    await page.goto(`${server.base}/#/day?date=${date}`);
    await page.locator(`.page[data-date="${date}"] .day-grid`).waitFor();
    await page.getByRole('button', { name: 'Book 14:00 with Dr Elena Reyes' }).click();
    const dialog = page.getByRole('dialog', { name: 'Book an appointment' });
    await dialog.waitFor();
    await dialog.getByRole('combobox', { name: /Patient/ }).fill('Testbook');
    // Picking the patient loads their plan, then the plan's appointments, which number
    // the sessions named in a refusal.
    await withResponse(page, apiAnswer('GET', '/appointments', { plan_id: plan.id }),
      () => dialog.getByRole('option', { name: /Testbook, Wilhelmina/ }).click());
    await dialog.getByRole('radio', { name: /Micro-needling \(MN\)/ }).waitFor();
    await dialog.getByLabel('Room', { exact: true }).selectOption({ label: 'Treatment 1' });
    return dialog;
  }

  it('books session 1, is refused session 2 at +20 days with the facts, books it at +28', withShot(() => page, 'booking', async () => {
    await openAs(page, server.base, LOGINS.desk, `#/day?date=${busiest}`);
    await page.locator(`.page[data-date="${busiest}"] .day-grid .appt`).first().waitFor();
    await shot(page, 'day-view');

    let dialog = await bookFromDay(day1);
    await assert.doesNotReject(dialog.getByText(/session 1 of 3 — first session/).waitFor());
    assert.equal(await dialog.getByLabel(/Override reason/).count(), 0, 'front desk never sees the override field');
    await shot(page, 'booking-dialog');
    await dialog.getByRole('button', { name: 'Book appointment' }).click();
    await dialog.getByText(/^Booked: Wilhelmina Testbook/).waitFor();
    // No consent yet: the server's warning is shown on the booked appointment.
    await dialog.getByText(/No consent on file for MN/).waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.locator('.appt', { hasText: 'Wilhelmina Testbook' }).getByText('session 1 of 3').waitFor();

    const day20 = addDays(day1, 20);
    const day28 = addDays(day1, 28);
    dialog = await bookFromDay(day20);
    // Foreseen before confirming, from the plan's due window.
    await dialog.locator('.predictions').getByText(/^Too early: session 2 can be booked from/).waitFor();
    await dialog.getByRole('button', { name: 'Book appointment' }).click();
    const refusal = dialog.getByRole('alert');
    await refusal.waitFor();
    const sentence = new RegExp(`^Too early: session 2 can be booked from ${escapeRe(shortDate(day28))}( \\d{4})?, 28 days after session 1\\.$`);
    assert.match(await waitForText(refusal, sentence), sentence);
    await shot(page, 'booking-refused');

    // The form kept everything: change only the date and book again.
    assert.equal(await dialog.getByRole('combobox', { name: /Patient/ }).inputValue(), 'Wilhelmina Testbook');
    await dialog.getByLabel('Date', { exact: true }).fill(day28);
    await dialog.getByRole('button', { name: 'Book appointment' }).click();
    await dialog.getByText(/^Booked: Wilhelmina Testbook/).waitFor();
    await dialog.getByText(/session 2 of 3/).waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();

    const appts = await call(server.base, admin, 'GET', `/appointments?plan_id=${plan.id}`);
    const live = appts.items.filter((a) => a.status === 'booked').sort((a, b) => a.start.localeCompare(b.start));
    assert.deepEqual(live.map((a) => [a.start, a.session_number, a.room_name]), [
      [`${day1}T14:00:00+05:30`, 1, 'Treatment 1'],
      [`${day28}T14:00:00+05:30`, 2, 'Treatment 1'],
    ]);
  }));

  it('shows the day by room, with the same appointments', withShot(() => page, 'room-view', async () => {
    const day28 = addDays(day1, 28);
    await page.goto(`${server.base}/#/day?date=${day28}`);
    await page.locator(`.page[data-date="${day28}"] .day-grid`).waitFor();
    await page.getByRole('link', { name: 'By room' }).click();
    await page.locator('.page[data-view="rooms"] .day-grid').waitFor();
    const block = page.locator('.appt', { hasText: 'Wilhelmina Testbook' });
    await block.getByText('session 2 of 3').waitFor();
    await block.getByText('Dr Elena Reyes').waitFor();
    assert.match(await waitForText(block, /14:00–15:00/), /14:00–15:00/);
    await shot(page, 'room-view');
  }));

  it('finds slots for a due plan in the recall list and books one in a click', withShot(() => page, 'recalls', async () => {
    await page.getByRole('link', { name: 'Recalls' }).click();
    await page.getByRole('heading', { name: 'Recalls' }).waitFor();
    const row = page.locator('table.recalls tbody tr', { hasText: 'Chloé Lefèvre' });
    await row.getByText('Overdue', { exact: true }).waitFor();
    // No recall has gone to her yet: the last message column says so.
    await page.getByRole('columnheader', { name: 'Last message' }).waitFor();
    await row.locator('td.recall-last').getByText('—', { exact: true }).waitFor();
    await row.getByRole('button', { name: 'Find slots' }).click();
    const choice = page.locator('.slot-choice').first();
    await choice.waitFor();
    await shot(page, 'recall-list');
    await choice.click();
    await page.locator('.recall-slots').getByText(/^Booked session 2 for Chloé Lefèvre/).waitFor();
  }));

  it('shows the patient page with bookable status, plan progress and history', withShot(() => page, 'patient', async () => {
    await page.goto(`${server.base}/#/patients?q=Testbook`);
    await page.getByRole('link', { name: 'Testbook, Wilhelmina' }).click();
    await page.getByRole('heading', { name: 'Wilhelmina Testbook' }).waitFor();
    await page.getByText('Bookable for treatment.').waitFor();
    await page.getByText('0 completed · 2 booked · 3 planned').waitFor();
    const rows = page.locator('section', { hasText: 'Appointments' }).locator('tbody tr');
    assert.equal(await waitForCount(rows, 2), 2);
    assert.equal(await page.getByRole('link', { name: 'Open chart' }).count(), 0, 'no chart for the front desk');
    await shot(page, 'patient-page');
    assert.deepEqual(browser.errors, []);
  }));
});
