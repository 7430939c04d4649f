// Admin pages (users, rooms, hours, catalogs, audit log) and keyboard-only use of the day
// view on a tablet-sized screen: arrow keys between free times, Enter opens the booking
// dialog, focus stays inside it, Escape closes it and focus returns.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, startBrowser, openAs, shot, withShot, apiLogin, call, addDays, nextWeekday, LOGINS,
  withResponse, apiAnswer, expectRows, waitForFocus,
} from './lib.mjs';

describe('admin pages and keyboard use', () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer();
    browser = await startBrowser();
    page = browser.page;
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('creates and edits a user', withShot(() => page, 'users', async () => {
    await openAs(page, server.base, LOGINS.admin, '#/admin/users');
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    const form = page.locator('form', { hasText: 'New user' });
    await form.getByLabel('Username').fill('desk.two');
    await form.getByLabel('Display name').fill('Sam Okafor');
    await form.getByLabel('Role').selectOption('front_desk');
    await form.getByLabel('Password').fill('short');
    await form.getByRole('button', { name: 'Create user' }).click();
    // Refused: the form keeps what was typed and says why beside the field.
    await form.getByRole('alert').waitFor();
    assert.equal(await form.getByLabel('Username').inputValue(), 'desk.two');
    await form.getByLabel('Password').fill('a-long-enough-password');
    await form.getByRole('button', { name: 'Create user' }).click();
    const row = page.locator('tbody tr', { hasText: 'desk.two' });
    await row.waitFor();
    await row.getByRole('button', { name: 'Edit desk.two' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit desk.two' });
    await dialog.getByLabel('Active (may log in)').uncheck();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.locator('tbody tr', { hasText: 'desk.two' }).getByText('Inactive').waitFor();
    await shot(page, 'admin-users');
  }));

  it('adds a room, sets hours, edits a catalog row', withShot(() => page, 'clinic', async () => {
    await page.getByRole('link', { name: 'Rooms' }).click();
    await page.getByLabel('New room name').fill('Treatment 3');
    await page.getByRole('button', { name: 'Add room' }).click();
    await page.locator('tbody tr', { hasText: 'Treatment 3' }).waitFor();

    await page.getByRole('link', { name: 'Hours' }).click();
    // Choosing the practitioner opens their page: until their hours arrive, the form on
    // screen is the previous practitioner's.
    const who = page.getByLabel('Practitioner');
    const kim = await who.locator('option', { hasText: 'Nurse Daniel Kim' }).getAttribute('value');
    await withResponse(page, apiAnswer('GET', `/practitioners/${kim}/availability`),
      () => who.selectOption({ label: 'Nurse Daniel Kim' }));
    await page.waitForURL(new RegExp(`#/admin/hours\\?p=${kim}$`));
    await page.getByRole('checkbox', { name: 'Monday: works' }).waitFor();
    await page.getByRole('checkbox', { name: 'Monday: works' }).check();
    await page.getByLabel('Monday from').fill('10:00');
    await page.getByLabel('Monday until').fill('16:00');
    await page.getByRole('button', { name: 'Save weekly hours' }).click();
    await page.getByText('Weekly hours saved.').waitFor();
    const admin = await apiLogin(server.base, LOGINS.admin);
    const saved = await call(server.base, admin, 'GET', `/practitioners/${kim}/availability`);
    assert.deepEqual(saved.hours.filter((x) => x.weekday === 1), [{ weekday: 1, start: '10:00', end: '16:00' }]);
    await shot(page, 'admin-hours');

    await page.getByRole('link', { name: 'Catalogs' }).click();
    await page.getByRole('link', { name: 'Areas' }).click();
    await page.getByRole('button', { name: 'Edit neck' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit neck' });
    await dialog.getByLabel(/Maximum depth/).fill('1.25');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.locator('tbody tr', { hasText: 'neck' }).getByText('1.25 mm').waitFor();

    // A treatment type's aftercare advice, written in its text box, line breaks kept.
    const advice = 'Keep the skin cool tonight.\nNo make-up until tomorrow.';
    await page.getByRole('link', { name: 'Treatment types' }).click();
    await page.getByRole('button', { name: 'Edit MN', exact: true }).click();
    const type = page.getByRole('dialog', { name: 'Edit MN', exact: true });
    await type.getByLabel('Aftercare advice').fill(advice);
    await type.getByRole('button', { name: 'Save' }).click();
    await page.getByText('MN saved.').waitFor();
    const types = await call(server.base, admin, 'GET', '/catalog/treatment-types');
    assert.equal(types.items.find((t) => t.code === 'MN').aftercare_text, advice);
  }));

  it('filters the audit log', withShot(() => page, 'audit', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.locator('table.audit').waitFor();
    await page.getByLabel('Entity', { exact: true }).selectOption('user');
    await withResponse(page, apiAnswer('GET', '/audit', { entity: 'user' }),
      () => page.getByRole('button', { name: 'Apply filters' }).click());
    await page.waitForURL(/entity=user/);
    // The unfiltered rows stay on screen until the filtered ones replace them.
    const rows = await expectRows(page, 'table.audit tbody tr', (shown) => {
      const acts = shown.map((row) => row[3]);
      return acts.includes('create') && acts.includes('update') && shown.every((row) => row[4].startsWith('user'));
    }, { what: 'the user events, created and updated' });
    const actions = rows.map((row) => row[3]);
    assert.ok(actions.includes('create') && actions.includes('update'), actions.join(','));
    const entities = rows.map((row) => row[4]);
    assert.ok(entities.every((e) => e.startsWith('user')), entities.join(','));
    await shot(page, 'audit-log');
  }));

  it('works from the keyboard on a tablet-sized screen', withShot(() => page, 'keyboard', async () => {
    await page.setViewportSize({ width: 768, height: 1024 });
    // A Tuesday a week or more out, so free times exist whatever the day and hour of the run
    // (the clinic is closed on Sundays, and late in the day no time today is free).
    const admin = await apiLogin(server.base, LOGINS.admin);
    const today = (await call(server.base, admin, 'GET', '/day-sheet')).date;
    const day = nextWeekday(addDays(today, 7), 2);
    await page.getByRole('link', { name: 'Day', exact: true }).click();
    await page.locator('.day-grid').waitFor();
    await page.goto(`${server.base}/#/day?date=${day}`);
    await page.locator(`.page[data-date="${day}"] .day-grid`).waitFor();
    await shot(page, 'day-view-tablet', { full: false });
    const first = page.locator('button.slot[tabindex="0"]');
    await first.focus();
    const label1 = await first.getAttribute('aria-label');
    await page.keyboard.press('ArrowDown');
    const label2 = (await waitForFocus(page, `the focus to move down from "${label1}"`,
      (f) => f.slot && f.label !== label1)).label;
    assert.notEqual(label1, label2);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Book an appointment' });
    await dialog.waitFor();
    // Focus starts in the dialog, on the patient search once the form has loaded, and
    // stays there however far one tabs.
    await waitForFocus(page, 'the focus on the patient search of the booking dialog', (f) => f.inDialog && f.name === 'patient');
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      assert.ok(await page.evaluate(() => !!document.activeElement.closest('dialog')), `focus left the dialog after ${i + 1} tabs`);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    const back = await waitForFocus(page, `the focus back on "${label2}"`, (f) => f.label === label2);
    assert.equal(back.label, label2);
    assert.deepEqual(browser.errors, []);
  }));
});
