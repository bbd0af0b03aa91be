import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { putOnGateway } from '@zra/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../../src/central.ts';
import type { CentralConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createPark } from '../../src/parks/park-store.ts';
import { createTestEnvironment, type TestEnvironment } from '../../src/testing/test-central.ts';
import { buildTestDrop } from '../../src/testing/test-drop.ts';
import { createUser } from '../../src/users/user-store.ts';
import { startWorker, type RunningWorker } from '../../src/worker/worker.ts';
import { startBrowser, type TestBrowser } from '../../../scripts/harness/browser.ts';
import { startSftpGateway, type SftpGateway } from '../../../scripts/harness/sftp-gateway.ts';
import { buildDashboard } from './build-dashboard.ts';

/**
 * "Done means" of central pull, in a real Chromium against the real central, worker, Rust
 * jobs and OpenSSH gateway: an admin sets up a central-pull ride with a wrong password, sees
 * central contact the gateway and show its host key, accepts it, sees the refused login in
 * words, corrects the password, presses "Pull now", and sees the drops processed and a report.
 * (Central sends no credential to a gateway whose key nobody accepted, so the wrong password
 * shows only once the key is accepted.)
 */
const here = fileURLToPath(new URL('.', import.meta.url));
const ADMIN = { username: 'admin', password: 'admin password 1' };
const PARK = 'pull-park';
const RIDE = 'ride-1';
const DAY = '2026-06-01';
const PHONE = { width: 390, height: 844 };

let env: TestEnvironment;
let config: CentralConfig;
let central: RunningCentral;
let worker: RunningWorker;
let browser: TestBrowser;
let gw: SftpGateway;
let distDir: string;

beforeAll(async () => {
  distDir = await buildDashboard();
  env = await createTestEnvironment('central_pull_e2e');
  config = { ...env.config, gatewayCredentialsKey: randomBytes(32) };
  central = await startCentral(config, {
    scheduler: false,
    uploadSweeper: false,
    dashboardDir: distDir,
  });
  await createUser(env.pool, { ...ADMIN, role: 'admin' });
  await createPark(env.pool, { id: PARK, name: 'Pull Park', timezone: 'Europe/Rome' });
  gw = await startSftpGateway({ passwordAuth: true });
  // Three hours of the ride on its gateway, as its PLC left them.
  for (let h = 0; h < 3; h++) {
    const d = buildTestDrop({
      park: PARK,
      ride: RIDE,
      start: `${DAY}T${String(8 + h).padStart(2, '0')}:00:00Z`,
      sequence: h + 1,
      salt: h,
    });
    await putOnGateway(gw, 'ride-1', d.fileName, d.zip, 3600);
  }
  // A long-running worker takes every queue: downloads, post-processing, reports.
  worker = await startWorker(config, { log: createLogger('silent'), retryDelayMs: 10 });
  browser = await startBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await central?.close();
  await gw?.stop();
  await env?.cleanup();
  await rm(distDir, { recursive: true, force: true });
});

async function signIn(page: Page): Promise<void> {
  await page.goto(central.url);
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

describe('an admin sets up a park without the app', () => {
  it('wrong password, host key shown and accepted, the login error in words, fixed, pull now: drops processed and a report', async () => {
    const login = gw.password;
    if (!login) throw new Error('the harness gateway has no password login');
    const since = browser.problems().length;
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await signIn(page);
    await page.getByRole('link', { name: 'Central pull', exact: true }).click();
    await page.getByText('Every ride is fed by its park app.').waitFor();

    const form = page.getByRole('form', { name: 'Central pull settings' });
    await form.getByLabel('Park').selectOption(PARK);
    await form.getByLabel('Ride id').fill(RIDE);
    await form.getByLabel('Gateway host').fill(gw.host);
    await form.getByLabel('Gateway port').fill(String(gw.port));
    await form.getByLabel('Gateway user').fill(login.username);
    await form.getByLabel('Gateway password').fill('a wrong password 1');
    await form.getByLabel('Folder on the gateway').fill('ride-1');
    await form.getByLabel(/Schedule \(cron, Europe\/Rome time\)/).fill('*/15 9-22 * * *');
    await form.getByRole('button', { name: 'Set up central pull' }).click();
    await form.getByText('Saved. Now press "Check connection"').waitFor();

    // First contact: central shows the key the gateway presented and pulls nothing.
    const ride = page.getByRole('region', { name: `Ride ${PARK}/${RIDE}` });
    await ride.getByRole('button', { name: 'Check connection' }).click();
    await ride.getByTestId('presented-key').waitFor({ timeout: 30_000 });
    expect(await ride.getByTestId('presented-key').textContent()).toBe(gw.hostKeySha256);
    await ride
      .getByRole('alert')
      .getByText(/which nobody has accepted yet/)
      .waitFor();
    await ride.getByRole('button', { name: 'Accept this host key' }).click();
    await ride.getByRole('button', { name: 'Yes, accept' }).click();
    await ride.getByTestId('pinned-key').waitFor();
    expect(await ride.getByTestId('pinned-key').textContent()).toBe(gw.hostKeySha256);

    // With the key accepted the password goes to the gateway, which refuses it.
    await ride.getByRole('button', { name: 'Check connection' }).click();
    const refused = ride.getByText(/refused the user name or credential/).first();
    await refused.waitFor({ timeout: 30_000 });
    await ride
      .getByText(/correct the user name and password or key/)
      .first()
      .waitFor();
    expect(await env.pool.query('SELECT 1 FROM batches')).toMatchObject({ rowCount: 0 });

    // Fixed: the stored settings come back into the form, the password is entered again.
    await ride.getByRole('button', { name: 'Edit settings' }).click();
    const edit = page.getByRole('form', { name: 'Central pull settings' });
    await edit.getByText(`Settings of ${PARK} / ${RIDE}`).waitFor();
    expect(await edit.getByLabel('Gateway user').inputValue()).toBe(login.username);
    expect(await edit.getByLabel('Gateway password').inputValue()).toBe('');
    await edit.getByLabel('Gateway password').fill(login.password);
    await edit.getByRole('button', { name: 'Save settings' }).click();
    await edit.getByText(/Saved\. Central pulls/).waitFor();

    await ride.getByRole('button', { name: 'Pull now' }).click();
    const downloads = ride.getByRole('table', { name: `Downloads of ${PARK}/${RIDE}` });
    await downloads.getByText('3 listed, 3 new').waitFor({ timeout: 30_000 });
    await ride.getByText('Last download failed').waitFor({ state: 'detached' });

    // The drops went the whole way: processed, on the ride's page.
    await page.goto(`${central.url}/parks/${PARK}/rides/${RIDE}`);
    await page
      .getByRole('table', { name: 'Drops of this ride' })
      .getByText('processed')
      .first()
      .waitFor({ timeout: 60_000 });
    const processed = await env.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM batches WHERE state = 'processed' AND source = 'central'",
    );
    expect(processed.rows[0]?.n).toBe(3);

    // …and into a report.
    await page.getByRole('link', { name: 'Reports', exact: true }).click();
    const request = page.getByRole('form', { name: 'Request a report' });
    await request.getByLabel('Park').selectOption(PARK);
    await request.getByLabel('First day (Europe/Rome)').fill(DAY);
    await request.getByLabel('Last day (Europe/Rome, included)').fill(DAY);
    await request.getByRole('button', { name: 'Request' }).click();
    await request.getByText('Report queued').waitFor();
    const reports = page.getByRole('table', { name: 'Reports' });
    await reports.getByRole('link', { name: 'PDF' }).first().waitFor({ timeout: 60_000 });
    const href = await reports.getByRole('link', { name: 'PDF' }).first().getAttribute('href');
    const pdf = await page.request.get(`${central.url}${href ?? ''}`);
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    await page.getByRole('link', { name: 'Central pull', exact: true }).click();
    await shoot(page, 'central-pull');
    expect(browser.problems().slice(since)).toEqual([]);
  });

  it('fits a phone: the navigation link on screen and no sideways scroll on the central pull page', async () => {
    const since = browser.problems().length;
    const page = await browser.newPage({ viewport: PHONE });
    await signIn(page);
    const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', {
      name: 'Central pull',
      exact: true,
    });
    // Every top link on screen, the added one too (they wrap onto a second row).
    for (const name of ['Fleet', 'Jobs', 'Reports', 'Central pull', 'Admin']) {
      const box = await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name, exact: true })
        .boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= PHONE.width, name).toBe(true);
    }
    await link.click();
    await page.getByRole('region', { name: `Ride ${PARK}/${RIDE}` }).waitFor();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBe(0);
    await shoot(page, 'central-pull');
    expect(browser.problems().slice(since)).toEqual([]);
  });
});

/** With ZRA_SCREENSHOTS=docs, the page as docs/screenshots shows it (1366 px, and -390). */
async function shoot(page: Page, screen: string): Promise<void> {
  if (process.env.ZRA_SCREENSHOTS !== 'docs') return;
  const suffix = (page.viewportSize()?.width ?? 0) <= 400 ? '-390' : '';
  await page.screenshot({
    path: join(here, '..', '..', '..', 'docs', 'screenshots', `dashboard-${screen}${suffix}.png`),
    fullPage: true,
  });
}
