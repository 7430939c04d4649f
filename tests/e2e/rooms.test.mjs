// Rooms for the visit: the booking dialog offers a free room of the kind the visit needs
// (a treatment room for a treatment, a consultation room first for a consultation), and
// the admin's rooms page sets a room's kind.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, startBrowser, openAs, logout, shot, apiLogin, call, addDays, nextWeekday,
  LOGINS, withShot, withResponse, apiAnswer, waitUntil, waitForText,
} from './lib.mjs';

/** day at hh:mm in the clinic's time zone, as RFC 3339 with its offset. */
function localTime(day, hhmm, zone) {
  const name = new Intl.DateTimeFormat('en-GB', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(new Date(`${day}T12:00:00Z`)).find((p) => p.type === 'timeZoneName').value;
  const offset = name.replace('GMT', '') || '+00:00';
  return `${day}T${hhmm}:00${offset}`;
}

describe('room kinds', () => {
  let server;
  let browser;
  let page;
  let admin;
  let rooms;
  let reyes;
  let patient;
  let plan;
  let day;

  before(async () => {
    server = await startServer();
    browser = await startBrowser();
    page = browser.page;
    admin = await apiLogin(server.base, LOGINS.admin);
    const today = (await call(server.base, admin, 'GET', '/day-sheet')).date;
    // A Tuesday two weeks out, a day Dr Reyes works, past the demo's appointments.
    day = nextWeekday(addDays(today, 14), 2);
    const list = (await call(server.base, admin, 'GET', '/rooms')).items;
    rooms = Object.fromEntries(list.map((r) => [r.name, r]));
    assert.equal(rooms.Consultation.kind, 'consultation');
    assert.equal(rooms['Treatment 1'].kind, 'treatment');
    const practitioners = (await call(server.base, admin, 'GET', '/practitioners')).items;
    reyes = practitioners.find((p) => p.display_name === 'Dr Elena Reyes');
    const kim = practitioners.find((p) => p.id !== reyes.id);
    patient = await call(server.base, admin, 'POST', '/patients', {
      first_name: 'Roberta', last_name: 'Roomfinder', date_of_birth: '1986-05-01',
    });
    await call(server.base, admin, 'POST', `/patients/${patient.id}/screenings`, { conditions: [] });
    plan = await call(server.base, admin, 'POST', '/plans', {
      patient_id: patient.id, treatment_type: 'MN', indication: 'pores', areas: ['cheeks'], practitioner_id: reyes.id,
    });
    // Treatment 1 is taken at 14:00 that day by someone else's consultation.
    const other = await call(server.base, admin, 'POST', '/patients', {
      first_name: 'Otto', last_name: 'Occupant', date_of_birth: '1970-01-01',
    });
    const zone = (await call(server.base, admin, 'GET', '/me')).clinic_time_zone;
    await call(server.base, admin, 'POST', '/appointments', {
      patient_id: other.id, kind: 'consultation', practitioner_id: kim.id, room_id: rooms['Treatment 1'].id,
      start: localTime(day, '13:45', zone), end: localTime(day, '14:45', zone), override_reason: 'room test',
    });
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  const roomValue = (dialog) => dialog.getByLabel('Room', { exact: true }).inputValue();
  const waitRoom = (dialog, name) => waitUntil(`the room to be ${name}`, () => roomValue(dialog), (v) => v === String(rooms[name].id));

  it('offers a free room of the kind the visit needs', withShot(() => page, 'booking-room', async () => {
    await openAs(page, server.base, LOGINS.desk, `#/day?date=${day}`);
    await page.locator(`.page[data-date="${day}"] .day-grid`).waitFor();
    await page.getByRole('button', { name: 'Book 14:00 with Dr Elena Reyes' }).click();
    const dialog = page.getByRole('dialog', { name: 'Book an appointment' });
    await dialog.waitFor();
    // A treatment: Treatment 1 is taken at 14:00, so Treatment 2.
    await waitRoom(dialog, 'Treatment 2');
    await waitForText(dialog.locator('.room-hint'), 'Treatment 2 is free at that time (a treatment room).');
    // A consultation goes to the consultation room first.
    await dialog.getByRole('radio', { name: 'Consultation' }).check();
    await waitRoom(dialog, 'Consultation');
    await dialog.getByRole('radio', { name: 'Treatment' }).check();
    await waitRoom(dialog, 'Treatment 2');

    await dialog.getByRole('combobox', { name: /Patient/ }).fill('Roomfinder');
    await withResponse(page, apiAnswer('GET', '/appointments', { plan_id: plan.id }),
      () => dialog.getByRole('option', { name: /Roomfinder, Roberta/ }).click());
    await dialog.getByRole('radio', { name: /Micro-needling \(MN\)/ }).waitFor();
    await waitRoom(dialog, 'Treatment 2');
    await shot(page, 'booking-room-default');

    // Picked by hand, the consultation room stays, and the dialog says why it will not do.
    await dialog.getByLabel('Room', { exact: true }).selectOption(String(rooms.Consultation.id));
    await waitForText(dialog.locator('.room-hint'), 'Consultation is a consultation room: a treatment needs a treatment room.');
    await dialog.getByRole('button', { name: 'Book appointment' }).click();
    await waitForText(dialog.getByRole('alert'), /^That room is a consultation room: a treatment needs a treatment room/);
    await dialog.getByLabel('Room', { exact: true }).selectOption(String(rooms['Treatment 2'].id));
    await dialog.getByRole('button', { name: 'Book appointment' }).click();
    await dialog.getByText(/^Booked: Roberta Roomfinder/).waitFor();
    const appts = await call(server.base, admin, 'GET', `/appointments?plan_id=${plan.id}`);
    assert.equal(appts.items.length, 1);
    assert.equal(appts.items[0].room_id, rooms['Treatment 2'].id);
    assert.deepEqual(browser.errors, []);
  }));

  it('lets the admin set a room\'s kind', withShot(() => page, 'admin-rooms', async () => {
    await page.keyboard.press('Escape');
    await page.locator('dialog[open]').waitFor({ state: 'detached' });
    await logout(page);
    await openAs(page, server.base, LOGINS.admin, '#/admin/rooms');
    const row = page.locator(`tr[data-room-id="${rooms.Consultation.id}"]`);
    await waitForText(row.locator('.room-kind'), 'Consultation room');
    await shot(page, 'admin-rooms');
    await page.getByRole('button', { name: 'Edit Consultation' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit Consultation' });
    await dialog.getByLabel('Kind').selectOption('treatment');
    await withResponse(page, apiAnswer('PATCH', `/rooms/${rooms.Consultation.id}`),
      () => dialog.getByRole('button', { name: 'Save' }).click());
    await waitForText(row.locator('.room-kind'), 'Treatment room');
    const list = (await call(server.base, admin, 'GET', '/rooms')).items;
    assert.equal(list.find((r) => r.id === rooms.Consultation.id).kind, 'treatment');
    assert.deepEqual(browser.errors, []);
  }));
});
