// The session note's entry: a new note copies the last signed session's device, model,
// numbing product and areas (not its depths, not its lot); "1,5" is 1.5 mm; 3.5 mm says
// that 3.0 mm is the deepest possible; the draft autosaves ("Saved HH:MM") and a failed
// autosave says so and keeps what was typed; the header names "MN session 2 of 3". Then
// the small things: durations as "1 h 15 min", condition names in the appointment panel,
// the reason for time off on the day view, at most three toasts and none over the grid,
// and the booking dialog's Book button in view at 1280×800.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, startBrowser, openAs, shot, withShot, LOGINS, apiLogin, call, withResponse,
  apiAnswer, addDays, nextWeekday, waitForText, waitUntil, logout, unwrittenNote,
} from './lib.mjs';

describe('session note entry and small fixes', () => {
  let server;
  let browser;
  let page;
  let admin;
  let target;

  before(async () => {
    server = await startServer();
    browser = await startBrowser();
    page = browser.page;
    // Timers under the test's hand: the 30-second autosave is reached by moving the clock.
    await page.clock.install();
    admin = await apiLogin(server.base, LOGINS.admin);
    target = await unwrittenNote(server.base, admin);
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  const putNote = (res) => res.request().method() === 'PUT' && res.url().endsWith(`/appointments/${target.appt}/session`);

  it('copies the last session, reads 1,5 and stops at 3.0 mm, autosaves', withShot(() => page, 'note-entry', async () => {
    const { appt, note, who } = target;
    await openAs(page, server.base, who, `#/appointments/${appt}/session`);
    const form = page.locator('form.note-form');
    await form.waitFor();
    await waitForText(page.locator('.note-session'), `${note.plan.treatment_type} session ${note.plan.session_number} of ${note.plan.planned_sessions}`);
    const prev = note.previous;
    const lastCheeks = prev.areas.find((a) => a.area === 'cheeks');
    // The area's maximum and last session's depth beside the field.
    const facts = form.locator('tr[data-area="cheeks"] .depth-facts');
    await waitForText(facts, new RegExp(`^max \\d\\.\\d\\d mm\\s*last ${lastCheeks.depth_mm.toFixed(2)} mm`));

    await form.getByRole('button', { name: 'Copy from last session' }).click();
    await form.getByText(/^Copied from the session of/).waitFor();
    assert.equal(await form.getByLabel('Device', { exact: true }).inputValue(), prev.device);
    assert.equal(await form.getByLabel('Device model').inputValue(), prev.device_model);
    assert.equal(await form.getByLabel('Numbing product').inputValue(), prev.numbing_product);
    assert.equal(await form.getByLabel('Cartridge lot').inputValue(), '');
    for (const a of prev.areas) {
      const name = await form.locator(`tr[data-area="${a.area}"] th`).textContent();
      assert.equal(await form.getByLabel(`Depth for ${name} (mm)`).inputValue(), '', `${a.area} depth copied`);
    }
    assert.equal(await form.getByRole('button', { name: 'Copy from last session' }).count(), 0);

    // 3.5 mm: no reason helps.
    const cheeks = form.getByLabel('Depth for Cheeks (mm)');
    await cheeks.fill('3.5');
    await waitForText(form.locator('tr[data-area="cheeks"] .depth-limit'), '3.0 mm is the deepest possible.');
    assert.equal(await form.locator('tr[data-area="cheeks"] [data-field^="override_"]').isVisible(), false);
    await shot(page, 'note-deepest');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await form.locator('.form-message').getByText('Cheeks: 3.0 mm is the deepest possible. Lower the depth.').waitFor();

    // A decimal comma.
    await cheeks.fill('1,5');
    await form.locator('tr[data-area="cheeks"] .depth-limit').waitFor({ state: 'hidden' });
    await form.getByLabel('Cartridge lot').fill('E2E-FRESH-1');
    // Thirty seconds after the change, the draft saves itself.
    const saved = withResponse(page, putNote, () => page.clock.fastForward('00:31'));
    await saved;
    await waitForText(form.locator('.save-state'), /^Saved \d\d:\d\d$/);
    await shot(page, 'note-autosaved');
    const stored = await call(server.base, admin, 'GET', `/appointments/${appt}/session`);
    assert.deepEqual(stored.areas.map((a) => [a.area, a.depth_mm]), [['cheeks', 1.5]]);
    assert.equal(stored.device, prev.device);
    assert.equal(stored.device_model, prev.device_model);
    assert.equal(stored.numbing.product, prev.numbing_product);
    assert.equal(stored.cartridge_lot, 'E2E-FRESH-1');

    // Nothing changed: no autosave.
    let puts = 0;
    const count = (req) => { if (req.method() === 'PUT') puts += 1; };
    page.on('request', count);
    await page.clock.fastForward('00:31');
    // A failed autosave says so and keeps what was typed.
    await page.route(`**/api/v1/appointments/${appt}/session`, (route) => (route.request().method() === 'PUT'
      ? route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'storage_unavailable', message: 'The database is not available.', details: {} } }) })
      : route.continue()));
    await form.getByLabel('Notes', { exact: true }).fill('Typed while the server was away');
    await page.clock.fastForward('00:31');
    await waitForText(form.locator('.save-state'), /^Not saved: .* What you typed is kept\.$/);
    page.off('request', count);
    assert.equal(puts, 1, 'only the changed note was sent');
    assert.equal(await form.getByLabel('Notes', { exact: true }).inputValue(), 'Typed while the server was away');
    const kept = await page.evaluate(() => Object.entries(sessionStorage).filter(([k]) => k.startsWith('collagenda.draft.')).map(([, v]) => JSON.parse(v).data.values.notes));
    assert.deepEqual(kept, ['Typed while the server was away']);
    await shot(page, 'note-autosave-failed');
    await page.unroute(`**/api/v1/appointments/${appt}/session`);
    await withResponse(page, putNote, () => page.getByRole('button', { name: 'Save draft' }).click());
    await waitForText(form.locator('.save-state'), /^Saved \d\d:\d\d$/);
    assert.equal((await call(server.base, admin, 'GET', `/appointments/${appt}/session`)).notes, 'Typed while the server was away');

    // At most three toasts at once.
    for (let i = 0; i < 4; i++) {
      await withResponse(page, putNote, () => page.getByRole('button', { name: 'Save draft' }).click());
    }
    const toasts = await page.locator('.toast').count();
    assert.ok(toasts >= 1 && toasts <= 3, `${toasts} toasts`);
    // Logging out drops every draft.
    await form.getByLabel('Notes', { exact: true }).fill('Not to be kept');
    await logout(page);
    assert.deepEqual(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('collagenda.draft.'))), []);
    assert.deepEqual(browser.errors, []);
  }));

  it('durations, condition names, time off, toasts and the Book button', withShot(() => page, 'small-fixes', async () => {
    const today = (await call(server.base, admin, 'GET', '/day-sheet')).date;
    const day = nextWeekday(addDays(today, 7), 2);
    const prac = (await call(server.base, admin, 'GET', '/practitioners')).items[0];
    // The clinic's offset, as the server writes its times.
    const offset = (await call(server.base, admin, 'GET', '/appointments?limit=1')).items[0].start.slice(19);
    await call(server.base, admin, 'POST', `/practitioners/${prac.id}/time-off`, {
      start: `${day}T12:00:00${offset}`, end: `${day}T13:00:00${offset}`, reason: 'Laser training',
    });
    // A patient with a caution (sunburn), booked that day with that practitioner.
    const p = await call(server.base, admin, 'POST', '/patients', { first_name: 'Cora', last_name: 'Caution', date_of_birth: '1990-07-21' });
    await call(server.base, admin, 'POST', `/patients/${p.id}/screenings`, { conditions: ['sunburn'] });
    const rooms = await call(server.base, admin, 'GET', '/rooms');
    const avail = await call(server.base, admin, 'GET', `/practitioners/${prac.id}/availability`);
    const tue = avail.hours.find((x) => x.weekday === 2);
    assert.ok(tue, 'the practitioner works on Tuesdays');
    await call(server.base, admin, 'POST', '/appointments', {
      patient_id: p.id, kind: 'consultation', practitioner_id: prac.id, room_id: rooms.items[0].id,
      start: `${day}T${tue.start}:00${offset}`, end: `${day}T${tue.start.replace(/:00$/, ':45')}:00${offset}`,
    });

    await openAs(page, server.base, LOGINS.admin, `#/day?date=${day}`);
    await page.locator(`.page[data-date="${day}"] .day-grid`).waitFor();
    await page.locator('.time-off', { hasText: 'Time off: Laser training' }).waitFor();
    await page.locator('.day-col-head', { hasText: 'Time off 12:00–13:00: Laser training' }).waitFor();
    await shot(page, 'day-time-off');

    await page.locator('.appt', { hasText: 'Cora Caution' }).click();
    const panel = page.getByRole('dialog', { name: 'Cora Caution' });
    await panel.locator('dd', { hasText: /^Sunburn$/ }).waitFor();
    await panel.locator('dd', { hasText: /\(45 min\)$/ }).waitFor();
    await panel.getByRole('button', { name: 'Reschedule…' }).click();
    await panel.getByText('Keeps the length of 45 min').waitFor();
    await shot(page, 'appointment-panel');
    await panel.getByRole('button', { name: 'Close' }).click();

    // The booking dialog, with a patient and plan chosen (its longest form): the Book
    // button is in view without scrolling.
    await page.getByRole('button', { name: 'New appointment' }).click();
    const dialog = page.getByRole('dialog', { name: 'Book an appointment' });
    const durations = await waitUntil('the durations of the booking form', () => dialog.locator('select[name="duration"] option').allTextContents(), (o) => o.length > 0);
    assert.deepEqual(durations, ['15 min', '30 min', '45 min', '1 h', '1 h 15 min', '1 h 30 min', '2 h', '2 h 30 min', '3 h', '4 h']);
    await dialog.getByRole('combobox', { name: 'Patient' }).fill('Hart');
    await dialog.getByRole('option', { name: /Hart, Amelia/ }).click();
    await dialog.getByRole('radio', { name: /session \d of \d/ }).first().waitFor();
    const book = dialog.getByRole('button', { name: 'Book appointment' });
    const box = await book.boundingBox();
    const vp = page.viewportSize();
    assert.ok(box && box.y >= 0 && box.y + box.height <= vp.height, `Book button at ${JSON.stringify(box)} in ${JSON.stringify(vp)}`);
    await shot(page, 'booking-dialog-1280', { full: false });
    // Book a consultation instead: the toast sits above the grid, not on it.
    await dialog.getByRole('radio', { name: 'Consultation' }).check();
    await dialog.getByLabel('Start').fill(tue.end.replace(/^(\d\d):00$/, (_, h) => `${String(Number(h) - 1).padStart(2, '0')}:00`));
    await withResponse(page, apiAnswer('POST', '/appointments'), () => book.click());
    // (Toasts of the first test may still be fading out: the page was not reloaded.)
    const t = page.locator('.toast', { hasText: /^Booked: Amelia Hart/ });
    await t.waitFor();
    // The grid is drawn again with the new booking: read both once both are there.
    const [tb, gb] = await waitUntil('the toast and the day grid laid out',
      async () => [await t.boundingBox(), await page.locator('.day-grid').boundingBox()], ([a, b]) => !!a && !!b);
    assert.ok(tb.y + tb.height <= gb.y, `toast ${JSON.stringify(tb)} over the grid ${JSON.stringify(gb)}`);
    await shot(page, 'toast-above-grid', { full: false });
    await waitUntil('at most three toasts', () => page.locator('.toast').count(), (n) => n <= 3);
    assert.deepEqual(browser.errors, []);
  }));
});
