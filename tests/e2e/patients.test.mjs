// Finding patients the way the desk types (accents optional, phone digits), the warning
// before registering someone who may be registered already, and an admin merging two
// charts of one person.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, startBrowser, openAs, logout, shot, withShot, apiLogin, call, LOGINS, expectRows,
} from './lib.mjs';

describe('patient search, duplicates and merging', () => {
  let server;
  let browser;
  let page;
  let admin;
  let lucia;

  before(async () => {
    server = await startServer();
    browser = await startBrowser();
    page = browser.page;
    admin = await apiLogin(server.base, LOGINS.admin);
    lucia = await call(server.base, admin, 'POST', '/patients', {
      first_name: 'Lucía', last_name: 'García Ñúñez', date_of_birth: '1971-05-05', phone: '0171 912345',
    });
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  const rowOf = (p) => page.locator('tbody tr', { hasText: p.mrn });

  it('finds García by "garcia" and by the digits of her phone', withShot(() => page, 'search', async () => {
    await openAs(page, server.base, LOGINS.desk, '#/patients');
    const q = page.getByLabel('Search patients');
    await q.fill('garcia nunez');
    await expectRows(page, 'tbody tr', (rows) => rows.length === 1 && rows[0].includes('García Ñúñez, Lucía'),
      { what: 'García found by "garcia nunez"' });
    await q.fill('+49 171 912345');
    await expectRows(page, 'tbody tr', (rows) => rows.length === 1 && rows[0].includes(lucia.mrn),
      { what: 'García found by her phone with the country code' });
    await q.fill('912 345');
    await rowOf(lucia).waitFor();
    await shot(page, 'patients-search-phone');
  }));

  it('warns of a likely duplicate before registering, and creates anyway', withShot(() => page, 'duplicate', async () => {
    await page.getByRole('button', { name: 'New patient' }).click();
    const dialog = page.getByRole('dialog', { name: 'New patient' });
    await dialog.getByLabel('First name').fill('Lucia');
    await dialog.getByLabel('Last name').fill('Garcia Nunez');
    await dialog.getByLabel('Date of birth').fill('1971-05-05');
    await dialog.getByRole('button', { name: 'Register patient' }).click();
    const warning = dialog.getByRole('alert').filter({ hasText: 'may already be registered' });
    await warning.waitFor();
    assert.match(await warning.innerText(), new RegExp(lucia.mrn));
    await warning.getByRole('link', { name: 'Open this chart' }).waitFor();
    await shot(page, 'patients-duplicate-warning');
    await warning.getByRole('button', { name: 'Create anyway' }).click();
    await page.getByRole('heading', { name: 'Lucia Garcia Nunez' }).waitFor();
    const found = await call(server.base, admin, 'GET', '/patients?q=garcia%20nunez');
    assert.equal(found.total, 2);
  }));

  it('lets an admin merge the second chart into the first', withShot(() => page, 'merge', async () => {
    const found = await call(server.base, admin, 'GET', '/patients?q=garcia%20nunez');
    const dup = found.items.find((p) => p.id !== lucia.id);
    await logout(page);
    await openAs(page, server.base, LOGINS.admin, `#/patients/${lucia.id}`);
    await page.getByRole('button', { name: 'Merge another chart' }).click();
    const dialog = page.getByRole('dialog', { name: /Merge a chart into/ });
    await dialog.getByLabel('Other chart').fill('garcia');
    const choice = dialog.locator(`li[data-patient-id="${dup.id}"]`);
    await choice.getByRole('button', { name: 'Choose' }).click();
    const summary = dialog.locator('.merge-summary');
    await summary.waitFor();
    assert.match(await summary.innerText(), /0 plans, 0 appointments/);
    await shot(page, 'patients-merge-summary');
    await dialog.getByRole('button', { name: 'Merge charts' }).click();
    await page.getByText(`Merged Garcia Nunez, Lucia (${dup.mrn}) into this chart.`).waitFor();
    const merged = await call(server.base, admin, 'GET', `/patients/${dup.id}`);
    assert.equal(merged.merged_into, lucia.id);
    assert.equal(merged.archived, true);
    const left = await call(server.base, admin, 'GET', '/patients?q=garcia%20nunez');
    assert.equal(left.total, 1);
  }));
});
