// An expired session (idle timeout of 3 seconds) lands on the login page, and logging in
// again returns to the page the user was going to.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, startBrowser, openAs, submitLogin, shot, withShot, LOGINS } from './lib.mjs';

describe('session expiry', () => {
  let server;
  let browser;
  let page;

  before(async () => {
    server = await startServer({ extraArgs: ['--idle-timeout', '3'] });
    browser = await startBrowser();
    page = browser.page;
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  it('returns to login and back to the page', withShot(() => page, 'expiry', async () => {
    await openAs(page, server.base, LOGINS.desk, '#/patients?q=Lef');
    await page.getByRole('link', { name: 'Lefèvre, Chloé' }).waitFor();
    // The session ends after 3 idle seconds.
    await sleep(4500);
    await page.getByRole('link', { name: 'Recalls' }).click();
    await page.getByRole('heading', { name: 'Log in to collagenda' }).waitFor();
    await page.getByText('Your session expired.', { exact: false }).waitFor();
    assert.match(page.url(), /#\/login\?next=%23%2Frecalls/);
    await shot(page, 'login-expired');
    await submitLogin(page, LOGINS.desk);
    await page.getByRole('heading', { name: 'Recalls' }).waitFor();
    assert.match(page.url(), /#\/recalls$/);
    assert.deepEqual(browser.errors, []);
  }));
});
