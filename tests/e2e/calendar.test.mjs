// The calendar: the week view with the line at the current time, moving appointments by
// drag and drop (day and week view) and by keyboard, a refused move that snaps back with
// the reason, cancelled appointments that free their time, and the printed day sheet with
// phone numbers and notes. The clinic runs in Asia/Kolkata (+05:30) while the browser is
// in London: the current time and every time shown must be the clinic's.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, startBrowser, openAs, shot, apiLogin, call, addDays, nextWeekday, LOGINS,
  withShot, waitUntil, waitForText, waitForCount, waitForFocus,
} from './lib.mjs';

const ZONE = 'Asia/Kolkata';

/** Days from date a to date b (YYYY-MM-DD). */
const daysFrom = (a, b) => (Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400000;
const ROW = 28;

/** The clinic's date and minute of the day now. */
function clinicNow() {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: ZONE, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).formatToParts(new Date()).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

describe('calendar: week view, moving appointments, freed time, print', () => {
  let server;
  let browser;
  let page;
  let admin;
  let reyes;
  let kim;
  let day;
  const ids = {};

  async function patient(first, last, phone) {
    const p = await call(server.base, admin, 'POST', '/patients', {
      first_name: first, last_name: last, date_of_birth: '1985-05-05', ...(phone ? { phone } : {}),
    });
    await call(server.base, admin, 'POST', `/patients/${p.id}/screenings`, { conditions: [] });
    return p;
  }

  async function consult(p, start, end, extra = {}) {
    return call(server.base, admin, 'POST', '/appointments', {
      patient_id: p.id, kind: 'consultation', practitioner_id: reyes.id, room_id: extra.room || 1,
      start: `${day}T${start}:00+05:30`, end: `${day}T${end}:00+05:30`, ...(extra.notes ? { notes: extra.notes } : {}),
    });
  }

  async function appt(id) {
    return call(server.base, admin, 'GET', `/appointments/${id}`);
  }

  before(async () => {
    server = await startServer({ extraArgs: ['--tz', ZONE] });
    browser = await startBrowser({ timezoneId: 'Europe/London', viewport: { width: 1280, height: 1700 } });
    page = browser.page;
    admin = await apiLogin(server.base, LOGINS.admin);
    const today = (await call(server.base, admin, 'GET', '/day-sheet')).date;
    // A Tuesday beyond the demo's week of appointments: Dr Reyes works 09-17, Nurse Kim 11-19.
    day = nextWeekday(addDays(today, 14), 2);
    const practitioners = await call(server.base, admin, 'GET', '/practitioners');
    reyes = practitioners.items.find((p) => p.display_name === 'Dr Elena Reyes');
    kim = practitioners.items.find((p) => p.display_name !== 'Dr Elena Reyes');
    const rooms = await call(server.base, admin, 'GET', '/rooms');
    const room = rooms.items.find((r) => r.active).id;
    const dora = await patient('Dorothea', 'Dragwell', '+44 20 7946 0123');
    const bart = await patient('Bartholomew', 'Blocker');
    const cass = await patient('Cassandra', 'Cancelwell', '+44 20 7946 0777');
    ids.dora = (await consult(dora, '10:00', '10:30', { room, notes: 'Call to confirm the day before' })).id;
    ids.bart = (await consult(bart, '11:00', '11:30', { room })).id;
    ids.cass = (await consult(cass, '14:00', '14:30', { room })).id;
    await call(server.base, admin, 'POST', `/appointments/${ids.cass}/cancel`, { reason: 'Patient is travelling' });
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  /** The block of the appointment with this id, on the page as it is drawn now. */
  const blockOf = (id) => page.locator(`.appt[data-id="${id}"]`);

  /** Drags the block by rows (15 minutes each) and columns, as a mouse would. */
  async function drag(id, { rows = 0, cols = 0 }) {
    const block = blockOf(id);
    await block.scrollIntoViewIfNeeded();
    const box = await block.boundingBox();
    const colBox = await block.locator('xpath=..').boundingBox();
    const x = box.x + box.width / 2;
    const y = box.y + Math.min(10, box.height / 2);
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x + cols * colBox.width, y + rows * ROW, { steps: 8 });
    await page.mouse.up();
  }

  it('shows the week with its appointments and the line at the current time', withShot(() => page, 'week', async () => {
    await openAs(page, server.base, LOGINS.desk, `#/week?practitioner=${reyes.id}`);
    const now = clinicNow();
    const week = await page.locator('.page[data-week]').getAttribute('data-week');
    await page.getByRole('heading', { name: /^Week — Dr Elena Reyes/ }).waitFor();
    const cols = page.locator('.day-grid .day-col');
    assert.equal(await waitForCount(cols, 7), 7);
    // The week's appointments of Dr Reyes, as the API lists them; freed ones are markers.
    const list = await call(server.base, admin, 'GET', `/appointments?from=${week}&to=${addDays(week, 6)}&practitioner_id=${reyes.id}&limit=2000`);
    const held = list.items.filter((a) => a.status !== 'cancelled' && a.status !== 'no_show');
    assert.ok(held.length > 0, 'the demo books Dr Reyes this week');
    assert.equal(await waitForCount(page.locator('.day-grid .appt'), held.length), held.length);
    for (const a of held) {
      await cols.nth(daysFrom(week, a.start.slice(0, 10))).locator(`.appt[data-id="${a.id}"]`).waitFor();
    }
    // Today's column carries the line, at the clinic's time (not London's).
    const todayCol = cols.nth(daysFrom(week, now.date));
    const line = todayCol.locator('.now-line');
    const label = await waitForText(line, /^Now \d\d:\d\d$/);
    const [hh, mm] = label.slice(4).split(':').map(Number);
    const shown = hh * 60 + mm;
    assert.ok(Math.abs(shown - clinicNow().minutes) <= 2 || Math.abs(shown - now.minutes) <= 2, `line at ${label}, clinic time ${now.minutes}`);
    assert.equal(await page.locator('.now-line').count(), 1, 'only today has the line');
    await page.getByText('Legend: colours and status').click();
    await page.locator('.legend').getByText('Micro-needling (MN)').waitFor();
    await shot(page, 'week-view');

    // Next week, by the toolbar, then the week of the test day.
    await page.getByRole('link', { name: 'Next week' }).click();
    await page.locator(`.page[data-week="${addDays(week, 7)}"]`).waitFor();
    assert.equal(await page.locator('.now-line').count(), 0);
    await page.getByLabel('Date').fill(day);
    await page.locator(`.page[data-week="${addDays(day, -1)}"]`).waitFor();
    await cols.nth(1).locator(`.appt[data-id="${ids.dora}"]`).waitFor();
    assert.deepEqual(browser.errors, []);
  }));

  it('drags an appointment to another day in the week view', withShot(() => page, 'week-drag', async () => {
    await page.goto(`${server.base}/#/week?date=${day}&practitioner=${reyes.id}`);
    await page.locator(`.page[data-week="${addDays(day, -1)}"] .day-col`).first().waitFor();
    // Tuesday 11:00 to Wednesday 11:00 (Dr Reyes works 09-13 on Wednesdays).
    await drag(ids.bart, { cols: 1 });
    const cols = page.locator('.day-grid .day-col');
    await cols.nth(2).locator(`.appt[data-id="${ids.bart}"]`).waitFor();
    const a = await appt(ids.bart);
    assert.equal(a.start, `${addDays(day, 1)}T11:00:00+05:30`);
    assert.equal(a.end, `${addDays(day, 1)}T11:30:00+05:30`);
    // And back, with the keyboard: one column left, Enter.
    await blockOf(ids.bart).focus();
    await page.keyboard.press('ArrowLeft');
    await page.locator('.appt.ghost').waitFor();
    await page.keyboard.press('Enter');
    await cols.nth(1).locator(`.appt[data-id="${ids.bart}"]`).waitFor();
    assert.equal((await appt(ids.bart)).start, `${day}T11:00:00+05:30`);
  }));

  it('drags an appointment in the day view to another time and another practitioner', withShot(() => page, 'day-drag', async () => {
    await page.goto(`${server.base}/#/day?date=${day}`);
    await page.locator(`.page[data-date="${day}"] .day-grid`).waitFor();
    // 10:00 to 12:00 in Dr Reyes's column.
    await drag(ids.dora, { rows: 8 });
    await waitForText(blockOf(ids.dora).locator('.appt-time'), '12:00–12:30');
    let a = await appt(ids.dora);
    assert.equal(a.start, `${day}T12:00:00+05:30`);
    assert.equal(a.practitioner_id, reyes.id);
    await waitForFocus(page, 'the moved block focused', (f) => f.tag === 'button' && !f.slot);

    // Into Nurse Kim's column at the same time: the practitioner changes.
    const cols = page.locator('.day-grid .day-col');
    const reyesCol = await cols.evaluateAll((els, name) => els.findIndex((el) => el.getAttribute('aria-label') === name), 'Dr Elena Reyes');
    const kimCol = await cols.evaluateAll((els, name) => els.findIndex((el) => el.getAttribute('aria-label') === name), kim.display_name);
    await drag(ids.dora, { cols: kimCol - reyesCol });
    await cols.nth(kimCol).locator(`.appt[data-id="${ids.dora}"]`).waitFor();
    a = await appt(ids.dora);
    assert.equal(a.practitioner_id, kim.id);
    assert.equal(a.start, `${day}T12:00:00+05:30`);
    // And back to Dr Reyes.
    await drag(ids.dora, { cols: reyesCol - kimCol });
    await cols.nth(reyesCol).locator(`.appt[data-id="${ids.dora}"]`).waitFor();
    assert.equal((await appt(ids.dora)).practitioner_id, reyes.id);
  }));

  it('snaps a refused drop back and says why', withShot(() => page, 'refused-drop', async () => {
    // 12:00 onto 11:00, where Bartholomew Blocker is booked with Dr Reyes.
    const before = await appt(ids.dora);
    await drag(ids.dora, { rows: -4 });
    const refusal = page.locator('.move-refused');
    const text = await waitForText(refusal, /^Not moved: Dorothea Dragwell stays at 12:00–12:30\. /);
    assert.match(text, /The practitioner already has an appointment at that time\.$/);
    assert.equal(await refusal.getAttribute('role'), 'alert');
    // The block is where it was, and so is the appointment.
    await waitForText(blockOf(ids.dora).locator('.appt-time'), '12:00–12:30');
    const top = await blockOf(ids.dora).evaluate((el) => el.style.top);
    const rangeStart = 9 * 60;
    assert.equal(top, `${((12 * 60 - rangeStart) / 15) * ROW}px`);
    assert.equal(await page.locator('.appt.ghost').count(), 0);
    assert.equal(await page.locator('.appt.moving').count(), 0);
    assert.deepEqual(await appt(ids.dora), before);
    await shot(page, 'drop-refused');
  }));

  it('moves an appointment with the keyboard; Escape leaves it', withShot(() => page, 'keyboard-move', async () => {
    await page.goto(`${server.base}/#/day?date=${day}`);
    await page.locator(`.page[data-date="${day}"] .day-grid`).waitFor();
    await blockOf(ids.dora).focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await waitForText(page.locator('.appt.ghost .ghost-time'), '→ 12:30–13:00');
    await page.locator('.day-grid [role="status"]').getByText(/^Move Dorothea Dragwell to .*12:30–13:00, Dr Elena Reyes: Enter to move, Escape to leave it\.$/).waitFor();
    await shot(page, 'keyboard-ghost');
    await page.keyboard.press('Enter');
    await waitForText(blockOf(ids.dora).locator('.appt-time'), '12:30–13:00');
    assert.equal((await appt(ids.dora)).start, `${day}T12:30:00+05:30`);
    await waitForFocus(page, 'the moved block focused', (f) => f.tag === 'button' && !f.slot);

    // Up a step, then Escape: nothing moves.
    await page.keyboard.press('ArrowUp');
    await page.locator('.appt.ghost').waitFor();
    await page.keyboard.press('Escape');
    await waitForCount(page.locator('.appt.ghost'), 0);
    assert.equal((await appt(ids.dora)).start, `${day}T12:30:00+05:30`);
    // Enter without a move under way opens the appointment, as before.
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await waitForCount(page.locator('dialog[open]'), 0);
  }));

  it('collapses a cancelled appointment; its freed time books', withShot(() => page, 'freed', async () => {
    await page.goto(`${server.base}/#/day?date=${day}`);
    await page.locator(`.page[data-date="${day}"] .day-grid`).waitFor();
    assert.equal(await blockOf(ids.cass).count(), 0, 'no block covers the freed time');
    const marker = page.locator(`.freed[data-id="${ids.cass}"]`);
    await marker.waitFor();
    const box = await marker.boundingBox();
    assert.ok(box.width <= 12, `a thin marker (${box.width}px)`);
    // It opens to say what it was.
    assert.equal(await page.getByText('Reason: Patient is travelling').isVisible(), false);
    await marker.click();
    assert.equal(await marker.getAttribute('aria-expanded'), 'true');
    const detail = page.locator('.freed-detail:not([hidden])');
    await detail.getByText('Cassandra Cancelwell').waitFor();
    await detail.getByText('Reason: Patient is travelling').waitFor();
    await shot(page, 'freed-time');
    await page.keyboard.press('Escape');
    assert.equal(await marker.getAttribute('aria-expanded'), 'false');
    await page.getByText('Reason: Patient is travelling').waitFor({ state: 'hidden' });
    // The freed slot is a free time: it opens the booking dialog for 14:00.
    await page.getByRole('button', { name: 'Book 14:00 with Dr Elena Reyes' }).click();
    const dialog = page.getByRole('dialog', { name: 'Book an appointment' });
    await dialog.waitFor();
    assert.equal(await dialog.getByLabel('Start', { exact: true }).or(dialog.locator('input[name="time"]')).first().inputValue(), '14:00');
    assert.equal(await dialog.locator('input[name="date"]').inputValue(), day);
    await page.keyboard.press('Escape');
    await waitForCount(page.locator('dialog[open]'), 0);
  }));

  it('prints the day sheet with phone numbers and notes', withShot(() => page, 'print', async () => {
    await page.goto(`${server.base}/#/day?date=${day}`);
    await page.locator(`.page[data-date="${day}"] .day-grid`).waitFor();
    await page.emulateMedia({ media: 'print' });
    try {
      const sheet = page.locator('table.print-sheet');
      await sheet.waitFor({ state: 'visible' });
      assert.equal(await page.locator('.day-grid').isVisible(), false);
      const rows = await waitUntil('the day sheet rows', () => sheet.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim()))), (r) => r.length >= 3);
      const headers = await sheet.locator('thead th').allTextContents();
      const col = (name) => headers.indexOf(name);
      const dora = rows.find((r) => r[col('Patient')].startsWith('Dorothea Dragwell'));
      assert.equal(dora[col('Phone')], '+44 20 7946 0123');
      assert.equal(dora[col('Notes')], 'Call to confirm the day before');
      const bart = rows.find((r) => r[col('Patient')].startsWith('Bartholomew Blocker'));
      assert.equal(bart[col('Phone')], '—');
      await shot(page, 'day-sheet-print');
    } finally {
      await page.emulateMedia({ media: 'screen' });
    }
    assert.deepEqual(browser.errors, []);
  }));
});
