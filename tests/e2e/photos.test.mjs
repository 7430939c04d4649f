// Clinical photos in the chart, on a tablet (768×1024): the practitioner records the
// patient's photo consent, takes photos of three angles of one area (the earlier photo
// of an angle shows ghosted as a guide), then a later one, and compares the two of the
// same angle side by side and with the slider; the gallery in the chart holds them all.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  startServer, startBrowser, openAs, shot, apiLogin, call, withShot, LOGINS, waitUntil,
} from './lib.mjs';

// A JPEG of w×h in one grey level, made with libvips' command line.
function jpeg(dir, name, level) {
  const raw = path.join(dir, `${name}.v`);
  const out = path.join(dir, `${name}.jpg`);
  for (const args of [['black', raw, '640', '480', '--bands', '3'], ['linear', raw, out, '1', String(level), '--uchar']]) {
    const r = spawnSync('vips', args);
    if (r.status !== 0) throw new Error(`vips ${args[0]}: ${r.stderr}`);
  }
  return out;
}

describe('clinical photos', () => {
  let server;
  let browser;
  let page;
  let patient;
  let dir;
  const images = {};

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'collagenda-e2e-photos-'));
    // On PostgreSQL the photos need a folder of their own; on SQLite the option is harmless.
    server = await startServer({ extraArgs: ['--photos', path.join(dir, 'store')] });
    browser = await startBrowser({ viewport: { width: 768, height: 1024 } });
    page = browser.page;
    const admin = await apiLogin(server.base, LOGINS.admin);
    patient = await call(server.base, admin, 'POST', '/patients', {
      first_name: 'Photo', last_name: 'Seriesova', date_of_birth: '1988-04-12',
    });
    for (const [name, level] of [['front', 60], ['left', 110], ['right', 160], ['later', 220]]) {
      images[name] = jpeg(dir, name, level);
    }
  });

  after(async () => {
    if (browser) await browser.close();
    if (server) await server.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const photos = () => page.locator('section.photos');

  async function take(angle, phase, file, count) {
    const form = photos().locator('form.photo-capture');
    if (!(await form.isVisible())) await photos().getByText('Take a photo').click();
    await form.getByLabel('Area').selectOption('cheeks');
    await form.getByLabel('Angle').selectOption(angle);
    await form.getByLabel('When').selectOption(phase);
    await form.getByLabel('Photo (take one or choose a file)').setInputFiles(file);
    await form.getByRole('button', { name: 'Upload photo' }).click();
    await waitUntil(`${count} photos in the gallery`, () => photos().locator('.photo-thumb').count(), (n) => n === count);
  }

  it('records photo consent and takes three angles', withShot(() => page, 'photos-capture', async () => {
    await openAs(page, server.base, LOGINS.reyes, `#/patients/${patient.id}/chart`);
    await photos().getByText('No photo consent').waitFor();
    const consent = photos().locator('form.photo-consent-form');
    await consent.getByLabel('Signed name (typed by the patient)').fill('Photo Seriesova');
    await consent.getByRole('button', { name: 'Record photo consent' }).click();
    await photos().getByText(/Clinical photos: consent signed/).waitFor();

    await take('front', 'before', images.front, 1);
    await take('left_45', 'before', images.left, 2);
    await take('right_45', 'before', images.right, 3);
    // The series so far: one heading per angle of the area.
    for (const name of ['Cheeks, Front', 'Cheeks, Left 45°', 'Cheeks, Right 45°']) {
      await photos().getByRole('heading', { name }).waitFor();
    }
    // Taking the front again, the earlier front photo is the ghosted guide.
    const form = photos().locator('form.photo-capture');
    await form.getByLabel('Area').selectOption('cheeks');
    await form.getByLabel('Angle').selectOption('front');
    const ghost = form.locator('img.photo-ghost');
    await ghost.waitFor();
    await waitUntil('the guide names the earlier photo', () => ghost.getAttribute('src'), (v) => !!v);
    assert.match(await ghost.getAttribute('src'), /\/api\/v1\/photos\/\d+\/large$/);
    await shot(page, 'photos-capture-guide');
    await take('front', 'after', images.later, 4);
  }));

  it('compares two photos of one angle with the slider', withShot(() => page, 'photos-compare', async () => {
    const front = photos().locator('.photo-series', { has: page.getByRole('heading', { name: 'Cheeks, Front' }) });
    await waitUntil('two front photos', () => front.locator('.photo-thumb').count(), (n) => n === 2);
    await front.locator('.photo-thumb button').last().click();
    const compare = photos().locator('.photo-compare');
    await compare.waitFor();
    // Side by side: the earlier and the later photo, each with its date and phase.
    await compare.locator('.compare-cap-a', { hasText: 'Before' }).waitFor();
    await compare.locator('.compare-cap-b', { hasText: 'After' }).waitFor();
    const slider = compare.getByLabel('Slide between the two photos');
    await slider.fill('80');
    const top = compare.locator('.compare-top');
    await waitUntil('the slider uncovers the earlier photo', () => top.evaluate((el) => el.style.clipPath), (v) => /80%/.test(v));
    // Every image shown is one the server served (decoded, not broken).
    await waitUntil('the comparison images loaded', () => compare.locator('img').evaluateAll((imgs) => imgs.every((i) => i.complete && i.naturalWidth > 0)), (ok) => ok);
    await shot(page, 'photos-compare');
  }));

  it('keeps the gallery in the chart after a reload', withShot(() => page, 'photos-gallery', async () => {
    await page.reload();
    await waitUntil('four photos in the gallery', () => photos().locator('.photo-thumb').count(), (n) => n === 4);
    await waitUntil('the thumbnails loaded', () => photos().locator('.photo-thumb img').evaluateAll((imgs) => imgs.every((i) => i.complete && i.naturalWidth === 320)), (ok) => ok);
    await shot(page, 'photos-gallery');
  }));
});
