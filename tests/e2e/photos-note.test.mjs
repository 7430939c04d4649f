// A photo captured from the session note on a tablet (768×1024): the capture field asks
// the tablet's camera (accept="image/*" with capture), the chosen photo previews, and the
// upload is tied to the note's appointment; it shows in the note's photos at once and
// its thumbnail is one the server served. The page never scrolls sideways.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  startServer, startBrowser, openAs, shot, apiLogin, call, withShot, LOGINS, waitUntil, unwrittenNote,
} from './lib.mjs';

// A 1600×1200 JPEG in one grey level, made with libvips' command line.
function jpeg(dir, name, level) {
  const raw = path.join(dir, `${name}.v`);
  const out = path.join(dir, `${name}.jpg`);
  for (const args of [['black', raw, '1600', '1200', '--bands', '3'], ['linear', raw, out, '1', String(level), '--uchar']]) {
    const r = spawnSync('vips', args);
    if (r.status !== 0) throw new Error(`vips ${args[0]}: ${r.stderr}`);
  }
  return out;
}

describe('a photo from the session note', () => {
  let server;
  let browser;
  let page;
  let admin;
  let target;
  let patientId;
  let dir;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'collagenda-e2e-note-photo-'));
    // On PostgreSQL the photos need a folder of their own; on SQLite the option is harmless.
    server = await startServer({ extraArgs: ['--photos', path.join(dir, 'store')] });
    browser = await startBrowser({ viewport: { width: 768, height: 1024 } });
    page = browser.page;
    admin = await apiLogin(server.base, LOGINS.admin);
    target = await unwrittenNote(server.base, admin);
    patientId = (await call(server.base, admin, 'GET', `/appointments/${target.appt}`)).patient_id;
    await call(server.base, admin, 'POST', `/patients/${patientId}/photo-consents`, {
      scope: 'photo_clinical', form_version: '2026-1', signed_name: 'The Patient',
    });
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes a photo tied to the session at 768×1024', withShot(() => page, 'photos-note-capture', async () => {
    await openAs(page, server.base, target.who, `#/appointments/${target.appt}/session`);
    await page.locator('form.note-form').waitFor();
    const photos = page.locator('section.photos');
    await photos.getByText(/Clinical photos: consent signed/).waitFor();
    await photos.getByText('No photos yet.').waitFor();
    await photos.getByText('Take a photo').click();
    const form = photos.locator('form.photo-capture');
    await form.waitFor();
    // The tablet's camera: an image, taken rather than only chosen.
    const file = form.getByLabel('Photo (take one or choose a file)');
    assert.equal(await file.getAttribute('accept'), 'image/*');
    assert.notEqual(await file.getAttribute('capture'), null);
    await form.getByLabel('Area').selectOption('cheeks');
    await form.getByLabel('Angle').selectOption('left_45');
    await form.getByLabel('When').selectOption('after');
    await file.setInputFiles(jpeg(dir, 'taken', 140));
    const preview = form.locator('img.photo-preview');
    await waitUntil('the photo previews', () => preview.evaluate((i) => !i.hidden && i.complete && i.naturalWidth > 0), (ok) => ok);
    await shot(page, 'photos-note-preview');
    await form.getByRole('button', { name: 'Upload photo' }).click();

    await waitUntil('the photo in the note', () => photos.locator('.photo-thumb').count(), (n) => n === 1);
    await photos.getByRole('heading', { name: 'Cheeks, Left 45°' }).waitFor();
    await waitUntil('its thumbnail loaded', () => photos.locator('.photo-thumb img').evaluateAll((imgs) => imgs.every((i) => i.complete && i.naturalWidth === 320)), (ok) => ok);
    // Kept with the session, as the note's own photo.
    const list = await call(server.base, admin, 'GET', `/patients/${patientId}/photos`);
    assert.equal(list.total, 1);
    assert.equal(list.items[0].appointment_id, target.appt);
    assert.equal(list.items[0].angle, 'left_45');
    assert.equal(list.items[0].phase, 'after');
    assert.equal(list.items[0].width, 1600);
    // The note's draft is still there to write, and nothing runs off the tablet's width.
    await page.locator('form.note-form').waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 768, `the page is ${width} px wide`);
    await shot(page, 'photos-note-capture');
  }));
});
