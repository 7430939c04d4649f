// Patient messages: the admin edits a template with its live preview, an unknown
// placeholder is refused where it was typed, and the desk records a patient's choice of
// how the clinic may write to them; the admin sets when reminders go and the quiet hours.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, startBrowser, openAs, logout, shot, apiLogin, call, LOGINS, withShot, withResponse,
  apiAnswer, waitForText, waitUntil,
} from './lib.mjs';

describe('patient messages', () => {
  let server;
  let browser;
  let page;
  let admin;

  before(async () => {
    server = await startServer();
    browser = await startBrowser();
    page = browser.page;
    admin = await apiLogin(server.base, LOGINS.admin);
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
  });

  const template = async (key) => (await call(server.base, admin, 'GET', '/message-templates')).items
    .find((t) => `${t.kind}/${t.language}/${t.channel}` === key);

  it('edits a template with a live preview and refuses an unknown placeholder', withShot(() => page, 'message-templates', async () => {
    await openAs(page, server.base, LOGINS.admin, '#/admin/messages');
    await page.getByRole('heading', { name: 'Patient messages' }).waitFor();
    await page.getByLabel('Message').selectOption('reminder');
    await page.getByLabel('Language').selectOption('de');
    await page.getByLabel('Channel').selectOption('sms');
    const form = page.locator('form.template-editor[data-template="reminder/de/sms"]');
    const preview = form.locator('.preview-text');
    await waitForText(preview, 'Skin Clinic: Erinnerung an Ihren Termin am Montag, 11. Januar 2027 um 10:30 Uhr. Bestätigen oder absagen: https://clinic.example/m/sample?a=confirm');
    await waitForText(form.locator('.preview-sms'), /^1 segment \(GSM-7, \d+ units\)$/);

    const text = form.getByLabel('Text');
    await text.fill('Hallo {first_name}, bis {date}.');
    await waitForText(preview, 'Hallo Anna, bis Montag, 11. Januar 2027.');
    await shot(page, 'message-template-preview');

    // A placeholder the message does not have: the preview says where, and so does a save.
    await text.fill('Hallo {first_name}, Ihre {diagnosis}');
    const error = form.locator('[data-field="body_text"] .field-error');
    await waitForText(error, /^\{diagnosis\} is not a placeholder of this message\. Use one of: \{first_name\}/);
    await form.getByRole('button', { name: 'Save template' }).click();
    await waitForText(error, /^\{diagnosis\} is not a placeholder of this message/);
    await shot(page, 'message-template-refused');
    assert.equal((await template('reminder/de/sms')).custom, false);

    // Fixed, it saves, and the editor says it is the clinic's own.
    await form.getByRole('button', { name: '{time}' }).waitFor();
    await text.fill('Hallo {first_name}, Ihr Termin ist am {date} um ');
    await text.press('End');
    await form.getByRole('button', { name: '{time}' }).click();
    await waitForText(preview, 'Hallo Anna, Ihr Termin ist am Montag, 11. Januar 2027 um 10:30');
    await withResponse(page, apiAnswer('PUT', '/message-templates/reminder/de/sms'),
      () => form.getByRole('button', { name: 'Save template' }).click());
    await waitForText(page.locator('.template-origin'), 'The clinic\'s own wording.');
    const saved = await template('reminder/de/sms');
    assert.equal(saved.custom, true);
    assert.equal(saved.body_text, 'Hallo {first_name}, Ihr Termin ist am {date} um {time}');

    // And back to the shipped wording.
    await page.locator('form.template-editor').getByRole('button', { name: 'Back to the shipped wording' }).click();
    await withResponse(page, apiAnswer('POST', '/message-templates/reminder/de/sms/reset'),
      () => page.getByRole('dialog', { name: 'Use the shipped wording' }).getByRole('button', { name: 'Use shipped wording' }).click());
    await waitForText(page.locator('.template-origin'), 'The shipped wording.');
    assert.equal((await template('reminder/de/sms')).custom, false);

    // An e-mail shows its subject and HTML part.
    await page.getByLabel('Channel').selectOption('email');
    const mail = page.locator('form.template-editor[data-template="reminder/de/email"]');
    await waitForText(mail.locator('.preview-subject'), 'Subject: Erinnerung: Ihr Termin am Montag, 11. Januar 2027 um 10:30 Uhr');
    await waitUntil('the HTML preview', () => mail.locator('iframe.preview-html').getAttribute('srcdoc'),
      (s) => typeof s === 'string' && s.includes('<p>Hallo Anna,</p>'));
    await shot(page, 'message-template-email');
    assert.deepEqual(browser.errors, []);
  }));

  it('records how the clinic may write to a patient', withShot(() => page, 'patient-contact', async () => {
    const p = await call(server.base, admin, 'POST', '/patients', {
      first_name: 'Greta', last_name: 'Contactable', date_of_birth: '1984-02-03', phone: '+49 30 5550123',
    });
    await logout(page);
    await openAs(page, server.base, LOGINS.desk, `#/patients/${p.id}`);
    const box = page.locator('.contact-consent');
    await waitForText(box, /^Messages: none allowed/);
    await box.getByRole('button', { name: 'Change' }).click();
    const dialog = page.getByRole('dialog', { name: 'Messages to the patient' });
    await dialog.getByLabel('May be sent text messages').check();
    await dialog.getByLabel('Language').selectOption('de');
    await withResponse(page, apiAnswer('PATCH', `/patients/${p.id}`),
      () => dialog.getByRole('button', { name: 'Save' }).click());
    await waitForText(page.locator('.contact-consent'), /^Messages: by text message, in German \(changed /);
    await shot(page, 'patient-contact');
    const after = await call(server.base, admin, 'GET', `/patients/${p.id}`);
    assert.equal(after.contact_sms, true);
    assert.equal(after.contact_email, false);
    assert.equal(after.language, 'de');
    assert.ok(after.contact_changed_by > 0);
    assert.deepEqual(browser.errors, []);
  }));

  it('sets when reminders go and the quiet hours', withShot(() => page, 'message-timing', async () => {
    await logout(page);
    await openAs(page, server.base, LOGINS.admin, '#/admin/messages');
    const form = page.locator('form.message-timing');
    await form.getByRole('heading', { name: 'When messages go' }).waitFor();
    assert.equal(await form.getByLabel('E-mail reminder, hours before').inputValue(), '48');
    assert.equal(await form.getByLabel('SMS reminder, hours before').inputValue(), '24');
    assert.equal(await form.getByLabel('Quiet hours from').inputValue(), '20:00');
    assert.equal(await form.getByLabel('until').inputValue(), '08:00');

    // Too far ahead: refused under its field, and nothing changes.
    await form.getByLabel('SMS reminder, hours before').fill('400');
    await form.getByRole('button', { name: 'Save timing' }).click();
    await waitForText(form.locator('[data-field="reminder_sms_hours"] .field-error'), /out of range/);
    await shot(page, 'message-timing-refused');
    assert.equal((await call(server.base, admin, 'GET', '/settings')).reminder_sms_hours, 24);

    await form.getByLabel('SMS reminder, hours before').fill('12');
    await form.getByLabel('Quiet hours from').fill('21:00');
    await form.getByLabel('until').fill('07:30');
    await form.getByLabel('Clinic phone number').fill('+49 30 5550100');
    await withResponse(page, apiAnswer('PATCH', '/settings'),
      () => form.getByRole('button', { name: 'Save timing' }).click());
    await waitForText(page.locator('.toasts'), /Settings saved\./);
    await shot(page, 'message-timing');
    const s = await call(server.base, admin, 'GET', '/settings');
    assert.equal(s.reminder_email_hours, 48);
    assert.equal(s.reminder_sms_hours, 12);
    assert.equal(s.quiet_hours_start, '21:00');
    assert.equal(s.quiet_hours_end, '07:30');
    assert.equal(s.clinic_phone, '+49 30 5550100');
    assert.deepEqual(browser.errors, []);
  }));
});
