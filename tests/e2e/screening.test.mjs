// A new screening starts from the last one's answers: unticking a condition it recorded
// asks to confirm that the condition is resolved, and a screening that drops it silently
// is refused with a sentence. A plan beyond its treatment type's bounds asks for a reason.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, startBrowser, openAs, withShot, shot, LOGINS, apiLogin, call, apiAnswer, withResponse,
} from './lib.mjs';

describe('screening continuity', () => {
  let server;
  let browser;
  let page;
  let token;
  let pid;

  before(async () => {
    server = await startServer();
    browser = await startBrowser();
    page = browser.page;
    token = await apiLogin(server.base, LOGINS.reyes);
    const p = await call(server.base, token, 'POST', '/patients',
      { first_name: 'Selma', last_name: 'Sunny', date_of_birth: '1984-04-04' });
    pid = p.id;
    await call(server.base, token, 'POST', `/patients/${pid}/screenings`, { conditions: ['sunburn'] });
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('asks to confirm a condition the new screening leaves out', withShot(() => page, 'screening', async () => {
    await openAs(page, server.base, LOGINS.reyes, `#/patients/${pid}/chart`);
    await page.getByText('Record a new screening').click();
    const form = page.locator('form.screening-form');
    const box = form.locator('[name="cond_sunburn"]');
    await box.waitFor();
    assert.equal(await box.isChecked(), true, 'the last screening\'s condition starts ticked');
    const confirm = form.locator('[name="resolved_sunburn"]');
    assert.equal(await confirm.isVisible(), false);
    await box.uncheck();
    await confirm.waitFor();

    // Unconfirmed, the server refuses and the form says why.
    const path = `/patients/${pid}/screenings`;
    const refused = page.waitForResponse(apiAnswer('POST', path));
    await form.getByRole('button', { name: 'Record screening' }).click();
    assert.equal((await refused).status(), 422);
    await form.getByRole('alert').filter({ hasText: 'Conditions of the last screening are missing' }).waitFor();
    await shot(page, 'screening-dropped');

    // Confirmed as resolved, it is recorded so.
    await confirm.check();
    await withResponse(page, apiAnswer('POST', path),
      () => form.getByRole('button', { name: 'Record screening' }).click());
    const list = await call(server.base, token, 'GET', path);
    assert.deepEqual(list.items[0].conditions, []);
    assert.deepEqual(list.items[0].resolved, ['sunburn']);
    assert.deepEqual(browser.errors, []);
  }));

  it('asks for a reason only for a series outside the treatment type\'s bounds', async () => {
    // The chart drew itself again after the screening above was saved: start from a
    // page that has finished drawing, so the form filled is the one shown.
    await page.reload();
    const plan = page.locator('form.plan-form');
    const reason = plan.getByLabel('Why this series is unusual');
    await plan.getByLabel('Planned sessions').waitFor();
    assert.equal(await reason.isVisible(), false, 'three sessions of MN need no reason');
    await plan.getByLabel('Planned sessions').fill('8');
    await reason.waitFor();
    await plan.getByLabel('Planned sessions').fill('6');
    await reason.waitFor({ state: 'hidden' });
    assert.deepEqual(browser.errors, []);
  });
});
