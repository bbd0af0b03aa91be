import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TRPCClientError } from '@trpc/client';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../../src/central.ts';
import type { CentralConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createPark, parkForToken } from '../../src/parks/park-store.ts';
import { createDashboardClient } from '../../src/testing/dashboard-client.ts';
import { failingBinDir } from '../../src/testing/failing-bin.ts';
import {
  createParkClient,
  createTestEnvironment,
  uploadDrop,
  type TestEnvironment,
} from '../../src/testing/test-central.ts';
import { buildTestDrop } from '../../src/testing/test-drop.ts';
import { createUser } from '../../src/users/user-store.ts';
import { startWorker } from '../../src/worker/worker.ts';
import { BROWSER_ZONE, startBrowser, type TestBrowser } from '../../../scripts/harness/browser.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';
import { buildDashboard, screenshotDir } from './build-dashboard.ts';

/**
 * The dashboard in a real Chromium against the real central: API, outbox, RabbitMQ, worker and
 * the Rust postprocessor and reporter. The browser's own time zone is America/New_York (or
 * ZRA_BROWSER_ZONE, scripts/harness/browser.ts), so
 * every time the pages show in a Rome park's zone proves it is not the browser's. With
 * ZRA_SCREENSHOTS=docs the screenshots land in docs/screenshots/ (committed), at 1366 px and
 * 390 px wide; otherwise in a temp folder.
 */
const ADMIN = { username: 'admin', password: 'admin password 1' };
const VIEWER = { username: 'viewer', password: 'viewer password 1' };
const WIDE = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
/** The park-local day the report test asks for: delta's drops cover its opening hours. */
const REPORT_DAY = '2026-12-02';

let env: TestEnvironment;
let central: RunningCentral;
let browser: TestBrowser;
let distDir: string;
let shotDir: string;
let failedBatch = '';
let failedFile = '';
let unknownModelBatch = '';
let deltaFirstBatch = '';

async function drain(config: CentralConfig = env.config): Promise<void> {
  const worker = await startWorker(config, {
    drain: true,
    log: createLogger('silent'),
    retryDelayMs: 10,
  });
  await worker.done;
}

async function nothingUnpublished(): Promise<void> {
  await waitFor(
    'the outbox to publish every batch and report',
    async () => {
      const r = await env.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL',
      );
      return r.rows[0]?.n === 0;
    },
    { timeoutMs: 30_000 },
  );
}

async function batchState(batchId: string): Promise<string | undefined> {
  const r = await env.pool.query<{ state: string }>('SELECT state FROM batches WHERE id = $1', [
    batchId,
  ]);
  return r.rows[0]?.state;
}

/** An instant on Rome's clock, worked out by the test itself ("2 Dec 2026, 09:00"). */
function romeClock(iso: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: 'Europe/Rome',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(iso))
      .map((x) => [x.type, x.value]),
  );
  const months = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');
  return `${p.day} ${months[Number(p.month) - 1]} ${p.year}, ${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}

function newPage(
  options: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {},
): Promise<Page> {
  return browser.newPage({ viewport: WIDE, timezoneId: BROWSER_ZONE, ...options });
}

async function shoot(page: Page, screen: string): Promise<void> {
  const width = page.viewportSize()?.width ?? 0;
  const suffix = width <= 400 ? '-390' : '';
  await page.screenshot({
    path: join(shotDir, `dashboard-${screen}${suffix}.png`),
    fullPage: true,
  });
}

async function signIn(page: Page, who: { username: string; password: string }): Promise<void> {
  await page.goto(central.url);
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** Browser problems (console errors, page errors, failed requests) since `since`. */
function problemsSince(since: number): string[] {
  return browser.problems().slice(since);
}

function heartbeat(extra: Record<string, unknown> = {}) {
  return {
    version: '1.0.0',
    buffer: { drops: 2, bytes: 3_000_000, capBytes: 10 * 1024 ** 3 },
    backlog: {
      drops: 2,
      bytes: 3_000_000,
      oldestPulledAt: new Date(Date.now() - 20 * 60_000).toISOString(),
    },
    offlineSince: null,
    ...extra,
  };
}

beforeAll(async () => {
  distDir = await buildDashboard();
  shotDir = await screenshotDir('dashboard');

  env = await createTestEnvironment('dashboard_e2e');
  // Today's drops are dated by Rome's calendar; shortly after midnight there some of their
  // windows are still ahead of the clock, so ingest's clock runs a day ahead.
  central = await startCentral(env.config, {
    scheduler: false,
    uploadSweeper: false,
    dashboardDir: distDir,
    now: () => Date.now() + 86_400_000,
  });
  await createUser(env.pool, { ...ADMIN, role: 'admin' });
  await createUser(env.pool, { ...VIEWER, role: 'viewer' });
  const { token: alphaToken } = await createPark(env.pool, {
    id: 'alpha',
    name: 'Alpha Park',
    timezone: 'Europe/Rome',
  });
  // A park without any drop yet: the empty states, and the one an admin may delete.
  await createPark(env.pool, { id: 'bravo', name: 'Bravo Park', timezone: 'Europe/Rome' });
  // A park whose agent went quiet 45 minutes ago: its figures are "last known".
  const { token: echoToken } = await createPark(env.pool, {
    id: 'echo',
    name: 'Echo Park',
    timezone: 'Europe/Rome',
  });
  // A park with every opening hour of REPORT_DAY covered: its day report is 100 % complete.
  const { token: deltaToken } = await createPark(env.pool, {
    id: 'delta',
    name: 'Delta Park',
    timezone: 'Europe/Rome',
  });

  // Four days of drops through the real pipeline, so the charts have bars.
  const r = await env.pool.query<{ t: Date }>(
    `SELECT date_trunc('day', now() AT TIME ZONE 'Europe/Rome') AT TIME ZONE 'Europe/Rome'
            + interval '10 hours' AS t`,
  );
  const today10 = (r.rows[0]?.t ?? new Date()).getTime();
  const at = (daysAgo: number, hour = 0) =>
    new Date(today10 - daysAgo * 86_400_000 + hour * 3_600_000).toISOString().replace('.000Z', 'Z');
  const park = createParkClient(central.url, alphaToken);
  let sequence = 1;
  for (const [daysAgo, cycles] of [
    [3, 6],
    [2, 9],
    [1, 4],
    [0, 7],
  ] as const) {
    const drop = buildTestDrop({
      park: 'alpha',
      sequence,
      salt: sequence,
      start: at(daysAgo),
      cycles,
    });
    sequence += 1;
    await uploadDrop(park, drop.zip, drop.fileName);
  }
  // Opening hours 09:00–19:00 Rome on REPORT_DAY: 08:00–18:00 UTC, one drop an hour.
  const delta = createParkClient(central.url, deltaToken);
  for (let h = 0; h < 10; h++) {
    const start = new Date(Date.parse(`${REPORT_DAY}T08:00:00Z`) + h * 3_600_000)
      .toISOString()
      .replace('.000Z', 'Z');
    const drop = buildTestDrop({ park: 'delta', sequence: h + 1, salt: h + 1, start, cycles: 4 });
    const { batchId } = await uploadDrop(delta, drop.zip, drop.fileName);
    if (h === 0) deltaFirstBatch = batchId;
  }
  // A drop of a ride model central does not know: the real postprocessor fails it for good,
  // and only an admin at central can fix that.
  const mystery = buildTestDrop({
    park: 'alpha',
    ride: 'mystery-1',
    model: 'no-such-model',
    sequence: 1,
    salt: 99,
    start: at(1, 2),
  });
  unknownModelBatch = (await uploadDrop(park, mystery.zip, mystery.fileName)).batchId;
  await nothingUnpublished();
  await drain();
  const unknown = await env.pool.query<{ state: string; error: string | null }>(
    'SELECT state, error FROM batches WHERE id = $1',
    [unknownModelBatch],
  );
  expect(unknown.rows[0]).toMatchObject({ state: 'failed' });
  // The agent of alpha is alive: one ride's gateway fails, one drop waits in quarantine.
  await park.agent.heartbeat.mutate(
    heartbeat({
      rides: [
        {
          id: 'revolution-1',
          lastPullAt: new Date().toISOString(),
          lastSuccessAt: new Date().toISOString(),
          lastError: null,
          pausedReason: null,
          hostKeyChanged: false,
        },
        {
          id: 'wave-2',
          lastPullAt: new Date().toISOString(),
          lastSuccessAt: new Date(Date.now() - 3 * 3_600_000).toISOString(),
          lastError: 'the gateway 10.0.0.7:22 does not answer: check that it is switched on',
          pausedReason: null,
          hostKeyChanged: false,
        },
      ],
      quarantine: { drops: 1, latestAt: new Date().toISOString() },
    }),
  );
  await createParkClient(central.url, echoToken).agent.heartbeat.mutate(
    heartbeat({
      backlog: {
        drops: 5,
        bytes: 5_000_000,
        oldestPulledAt: new Date(Date.now() - 60 * 60_000).toISOString(),
      },
    }),
  );
  await env.pool.query(
    "UPDATE agent_heartbeats SET received_at = now() - interval '45 minutes' WHERE park_id = 'echo'",
  );
  // One that fails in a stand-in postprocessor and succeeds after a requeue.
  const bad = buildTestDrop({
    park: 'alpha',
    sequence,
    salt: sequence,
    start: at(0, 1),
    cycles: 2,
  });
  failedFile = bad.fileName;
  failedBatch = (await uploadDrop(park, bad.zip, bad.fileName)).batchId;
  await nothingUnpublished();
  await drain({ ...env.config, rustBinDir: await failingBinDir(2, 'the drop is invalid') });
  expect(await batchState(failedBatch)).toBe('failed');
  // A ready report of the last four days.
  const admin = createDashboardClient(central.url);
  await admin.login(ADMIN.username, ADMIN.password);
  await admin.client.admin.requestReport.mutate({
    park: 'alpha',
    from: new Date(today10 - 4 * 86_400_000).toISOString(),
    to: new Date(today10 + 12 * 3_600_000).toISOString(),
  });
  await nothingUnpublished();
  await drain();
  await admin.client.admin.addReportRule.mutate({
    park: 'alpha',
    cron: '0 6 * * *',
    period: 'day',
  });

  browser = await startBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await central?.close();
  await env?.cleanup();
  await rm(distDir, { recursive: true, force: true });
  if (process.env.ZRA_SCREENSHOTS !== 'docs') await rm(shotDir, { recursive: true, force: true });
});

describe(`central dashboard in a browser (browser zone ${BROWSER_ZONE})`, () => {
  it('is served at / with the one CSP, long-cached assets and an SPA fallback', async () => {
    const index = await fetch(`${central.url}/parks/alpha`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(index.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`${central.url}${script ?? ''}`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${central.url}/assets/gone-1234.js`)).status).toBe(404);
    expect((await fetch(`${central.url}/..%2f..%2fpackage.json`)).status).not.toBe(200);
  });

  it('refuses a wrong password with a message in plain words', async () => {
    const since = browser.problems().length;
    const page = await newPage();
    await page.goto(central.url);
    await page.getByLabel('Username').fill(ADMIN.username);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('Wrong username or password');
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    await shoot(page, 'login-error');
    // The refusal itself is the one failed load Chromium reports; nothing else may appear.
    expect(problemsSince(since)).toEqual([
      'console error: Failed to load resource: the server responded with a status of 401 (Unauthorized)',
    ]);
  });

  it('answers "is every park\'s data flowing?" on one screen, with park-side problems and their freshness', async () => {
    const since = browser.problems().length;
    const page = await newPage();
    await signIn(page, VIEWER);
    const parks = page.getByRole('table', { name: 'Parks' });
    const row = (id: string) => parks.locator(`tr[data-park="${id}"]`);
    await row('alpha').waitFor();
    // alpha: a ride's gateway fails at the park, a drop is quarantined there, two failed here.
    const alpha = row('alpha');
    await alpha.getByText('rides failing at the park').waitFor();
    await alpha.getByText('quarantined at the park').first().waitFor();
    await alpha.getByText('failed drops').waitFor();
    expect(await alpha.textContent()).toContain('1 of 2 rides failing');
    expect(await alpha.textContent()).toMatch(/2 drops, oldest waits 2\d min/);
    expect(await alpha.textContent()).toMatch(/as of (just now|\d+ s ago|\d+ min ago)/);
    // echo: silent for 45 minutes; its backlog is what it said last, and says so.
    const echo = row('echo');
    await echo.getByText('agent silent').waitFor();
    expect(await echo.textContent()).toContain('5 drops');
    expect(await echo.textContent()).toMatch(/last known, 45 min ago/);
    await row('bravo').getByText('agent never heard from').waitFor();
    // Plurals and units: "1 ride" and "2 rides", never "1 rides".
    expect(await row('delta').textContent()).toContain('1 ride ·');
    expect(await alpha.textContent()).toContain('2 rides ·');
    await page.getByText('Needing attention').waitFor();
    await shoot(page, 'fleet');
    const phone = await newPage({ viewport: PHONE });
    await signIn(phone, VIEWER);
    await phone.getByRole('table', { name: 'Parks' }).locator('tr[data-park="alpha"]').waitFor();
    await shoot(phone, 'fleet');
    expect(problemsSince(since)).toEqual([]);
  });

  it("shows times in the park's zone, labelled, with the year, and sizes in MiB", async () => {
    const since = browser.problems().length;
    const page = await newPage();
    await signIn(page, VIEWER);
    await page.goto(`${central.url}/parks/delta/rides/revolution-1`);
    await page.getByText("Times are Europe/Rome time (the park's).").waitFor();
    const drops = page.getByRole('table', { name: 'Drops of this ride' });
    // The window of delta's last drop starts at 17:00 UTC: 18:00 in Rome, 12:00 in New York.
    const last = drops.getByRole('row').filter({ hasText: '20261202T170000Z' });
    await last.waitFor();
    expect(romeClock(`${REPORT_DAY}T17:00:00Z`)).toBe('2 Dec 2026, 18:00');
    expect(await last.locator('td').nth(1).textContent()).toBe('2 Dec 2026, 18:00');
    await page.goto(`${central.url}/parks/alpha`);
    await page.getByText("Times are Europe/Rome time (the park's).").waitFor();
    await page.getByText('2.9 MiB').waitFor();
    const body = (await page.locator('main').textContent()) ?? '';
    expect(body).not.toMatch(/\d (KB|MB|GB)\b/);
    expect(problemsSince(since)).toEqual([]);
  });

  it('drills down fleet → park → ride (drops paged, by state) → drop → its job runs and back', async () => {
    const since = browser.problems().length;
    const page = await newPage();
    await signIn(page, ADMIN);
    await page
      .getByRole('table', { name: 'Parks' })
      .getByRole('link', { name: 'Delta Park' })
      .click();
    await page.getByRole('heading', { name: 'Delta Park' }).waitFor();
    await page.getByRole('img', { name: /Drops per day/ }).waitFor();
    await shoot(page, 'park');
    await page
      .getByRole('table', { name: 'Rides' })
      .getByRole('link', { name: 'revolution-1' })
      .click();
    await page.getByRole('img', { name: 'Cycles per day' }).waitFor();
    const drops = page.getByRole('table', { name: 'Drops of this ride' });
    // Ten drops, eight a page.
    await expect.poll(() => drops.locator('tbody tr').count()).toBe(8);
    await page.getByRole('button', { name: 'Older' }).click();
    await expect.poll(() => drops.locator('tbody tr').count()).toBe(2);
    await page.getByRole('button', { name: 'Newer' }).click();
    await expect.poll(() => drops.locator('tbody tr').count()).toBe(8);
    await page.getByLabel('State').selectOption('failed');
    await page.getByText('No failed drops of this ride.').waitFor();
    await page.getByLabel('State').selectOption('processed');
    await expect.poll(() => drops.locator('tbody tr').count()).toBe(8);
    await shoot(page, 'ride');
    // The oldest drop: its page's breadcrumb names the ride.
    await page.getByRole('button', { name: 'Older' }).click();
    await expect.poll(() => drops.locator('tbody tr').count()).toBe(2);
    await drops.getByRole('row').filter({ hasText: '2 Dec 2026, 09:00' }).getByRole('link').click();
    const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
    await crumbs.getByRole('link', { name: 'revolution-1' }).waitFor();
    await crumbs.getByRole('link', { name: 'Delta Park' }).waitFor();
    expect(page.url()).toBe(`${central.url}/drops/${deltaFirstBatch}`);
    await page.getByRole('table', { name: 'Job runs' }).getByText('#1').waitFor();
    // Drop → its runs on the Jobs page → back to the drop.
    await page.getByRole('link', { name: 'These runs on the Jobs page' }).click();
    await page.getByRole('table', { name: 'Job runs' }).getByText('succeeded').waitFor();
    await page.getByRole('link', { name: /Open the drop/ }).click();
    await page.waitForURL(`${central.url}/drops/${deltaFirstBatch}`);
    // The Jobs page's recent runs link to their drops too.
    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    const recent = page.getByRole('table', { name: 'Recent job runs' });
    await recent
      .getByRole('row')
      .filter({ hasText: 'post-processing' })
      .first()
      .getByRole('link')
      .click();
    await page.waitForURL(/\/drops\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: 'Job runs' }).waitFor();
    // A reload of a deep link opens the same screen (the SPA fallback).
    await page.reload();
    await page.getByRole('heading', { name: 'Job runs' }).waitFor();
    expect(problemsSince(since)).toEqual([]);
  });

  it('says what failed at central and that an admin at central fixes it; a requeue needs a confirmation and numbers the runs on', async () => {
    const since = browser.problems().length;
    const page = await newPage();
    await signIn(page, ADMIN);
    await page.goto(`${central.url}/drops/${unknownModelBatch}`);
    const card = page.getByRole('region', { name: 'What failed' });
    await card
      .getByText(/unknown_ride_model|ride model/)
      .first()
      .waitFor();
    expect(await card.textContent()).toContain('An admin at central (Zamperla), not the park');
    // No results is not zero results, and an unprocessed drop was not found "fine".
    const main = page.locator('main');
    expect(await main.textContent()).not.toMatch(/\b0 cycles\b/);
    expect(await main.textContent()).not.toContain('Nothing odd found');
    await page.getByText('none: not processed').waitFor();
    await page.getByText('Not checked: the drop was not processed.').waitFor();
    const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
    await crumbs.getByRole('link', { name: 'mystery-1' }).waitFor();
    await shoot(page, 'drop-failed');
    const phone = await newPage({ viewport: PHONE });
    await signIn(phone, ADMIN);
    await phone.goto(`${central.url}/drops/${unknownModelBatch}`);
    await phone.getByRole('region', { name: 'What failed' }).waitFor();
    await shoot(phone, 'drop-failed');
    // Requeue asks first; Cancel changes nothing.
    await page.getByRole('button', { name: 'Requeue' }).click();
    const ask = page.getByRole('group', { name: 'Post-process this drop again?' });
    await ask.getByRole('button', { name: 'Cancel' }).click();
    expect(await batchState(unknownModelBatch)).toBe('failed');
    await page.getByRole('button', { name: 'Requeue' }).click();
    await ask.getByRole('button', { name: 'Yes, requeue' }).click();
    await waitFor(
      'the requeued drop to leave failed',
      async () => (await batchState(unknownModelBatch)) !== 'failed',
    );
    await nothingUnpublished();
    await drain();
    expect(await batchState(unknownModelBatch)).toBe('failed');
    // Runs numbered across the requeue; each round's attempt starts at 1.
    const runs = page.getByRole('table', { name: 'Job runs' });
    await expect.poll(() => runs.locator('tbody tr').count(), { timeout: 20_000 }).toBe(2);
    expect(await runs.locator('tbody tr').first().textContent()).toMatch(/^#2attempt 1/);
    expect(await runs.locator('tbody tr').last().textContent()).toMatch(/^#1attempt 1/);
    expect(problemsSince(since)).toEqual([]);
  });

  it('shows a viewer the failed jobs without a requeue button, and the API refuses it too', async () => {
    const since = browser.problems().length;
    const page = await newPage();
    // Keyboard only: type, Tab to the password, Enter submits.
    await page.goto(central.url);
    await page.getByLabel('Username').focus();
    await page.keyboard.type(VIEWER.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(VIEWER.password);
    await page.keyboard.press('Enter');
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    const focused = () => page.evaluate(() => document.activeElement?.textContent ?? '');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Fleet');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Jobs');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    const failed = page.getByRole('table', { name: 'Failed drops' });
    await failed.getByText(failedFile).waitFor();
    expect(await failed.getByText('the drop is invalid').count()).toBe(1);
    const mystery = failed.getByRole('row').filter({ hasText: 'mystery-1' });
    expect(await mystery.textContent()).toContain('admin at central');
    expect(await page.getByRole('button', { name: 'Requeue' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Admin', exact: true }).count()).toBe(0);
    await shoot(page, 'jobs-viewer');
    const viewer = createDashboardClient(central.url);
    await viewer.login(VIEWER.username, VIEWER.password);
    const refused = await viewer.client.admin.requeueBatch.mutate({ batchId: failedBatch }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(TRPCClientError);
    expect((refused as TRPCClientError<never>).data).toMatchObject({ code: 'FORBIDDEN' });
    expect(await batchState(failedBatch)).toBe('failed');
    expect(problemsSince(since)).toEqual([]);
  });

  it('lets an admin requeue a failed job from the Jobs page, which then gets processed', async () => {
    const since = browser.problems().length;
    const page = await newPage();
    await signIn(page, ADMIN);
    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    const failed = page.getByRole('table', { name: 'Failed drops' });
    await failed.getByText(failedFile).waitFor();
    await page.getByRole('heading', { name: 'Recent job runs' }).waitFor();
    await shoot(page, 'jobs');
    const row = failed.getByRole('row').filter({ hasText: failedFile });
    await row.getByRole('button', { name: 'Requeue' }).click();
    await row.getByRole('button', { name: 'Yes, requeue' }).click();
    await expect.poll(() => failed.getByText(failedFile).count(), { timeout: 20_000 }).toBe(0);
    await waitFor('the requeued batch to be queued', async () =>
      ['queued', 'processing', 'processed'].includes((await batchState(failedBatch)) ?? ''),
    );
    await nothingUnpublished();
    await drain();
    expect(await batchState(failedBatch)).toBe('processed');
    await page.goto(`${central.url}/parks/alpha`);
    const done = page.getByRole('row').filter({ hasText: failedFile });
    await expect.poll(() => done.textContent(), { timeout: 20_000 }).toContain('processed');
    await page.goto(`${central.url}/drops/${failedBatch}`);
    const runs = page.getByRole('table', { name: 'Job runs' });
    await expect.poll(() => runs.locator('tbody tr').count()).toBe(2);
    await shoot(page, 'drop');
    expect(problemsSince(since)).toEqual([]);
  });

  it('lets a viewer request a report of a park-local day: 00:00–24:00 Rome time, 100 % complete', async () => {
    const since = browser.problems().length;
    const page = await newPage();
    await signIn(page, VIEWER);
    await page.getByRole('link', { name: 'Reports', exact: true }).click();
    const form = page.getByRole('form', { name: 'Request a report' });
    await form.getByLabel('Park').selectOption('delta');
    await form
      .getByText("Days are the park's: Europe/Rome. Each runs from 00:00 to 24:00 there.")
      .waitFor();
    await form.getByLabel('First day (Europe/Rome)').fill(REPORT_DAY);
    await form.getByLabel('Last day (Europe/Rome, included)').fill(REPORT_DAY);
    await form.getByRole('button', { name: 'Request' }).click();
    await form.getByText('Report queued').waitFor();
    const stored = await env.pool.query<{ id: string; period_start: Date; period_end: Date }>(
      "SELECT id, period_start, period_end FROM reports WHERE park_id = 'delta'",
    );
    expect(stored.rows).toHaveLength(1);
    const report = stored.rows[0];
    // Rome is UTC+1 in December: the day starts at 23:00 UTC the day before.
    expect(report?.period_start.toISOString()).toBe('2026-12-01T23:00:00.000Z');
    expect(report?.period_end.toISOString()).toBe('2026-12-02T23:00:00.000Z');
    const table = page.getByRole('table', { name: 'Reports' });
    const row = table.locator(`tr[data-report="${report?.id ?? ''}"]`);
    // One park-local day reads as that day, not as its exclusive end ("– 3 Dec 2026, 00:00").
    await row.getByText('Europe/Rome time').waitFor();
    const period = await row.locator('td').nth(1).innerText();
    expect(period.split('\n')[0]).toBe('2 Dec 2026');
    await nothingUnpublished();
    await drain();
    await row.getByRole('link', { name: 'PDF' }).waitFor({ timeout: 20_000 });
    await shoot(page, 'reports');
    const pdfHref = await row.getByRole('link', { name: 'PDF' }).getAttribute('href');
    const pdf = await page.request.get(`${central.url}${pdfHref ?? ''}`);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    const summary = await page.request.get(
      `${central.url}/files/reports/${report?.id ?? ''}/summary`,
    );
    const json = (await summary.json()) as { completeness: { ratio: number } };
    expect(json.completeness.ratio).toBe(1);
    expect(problemsSince(since)).toEqual([]);
  });

  it("manages schedules: next report in the park's zone, pause, delete with a confirmation", async () => {
    const since = browser.problems().length;
    const page = await newPage();
    await signIn(page, ADMIN);
    await page.getByRole('link', { name: 'Reports', exact: true }).click();
    const add = page.getByRole('form', { name: 'Add a schedule' });
    await add.getByLabel('Park').selectOption('delta');
    await add.getByLabel(/When \(cron, Europe\/Rome time\)/).fill('30 7 * * *');
    await add.getByRole('button', { name: 'Add schedule' }).click();
    await add.getByText('Schedule added').waitFor();
    const rules = page.getByRole('table', { name: 'Schedule rules' });
    const rule = rules.getByRole('row').filter({ hasText: '30 7 * * *' });
    // The next 07:30 on Rome's clock, found by the test hour by hour.
    let t = Math.ceil(Date.now() / 1_800_000) * 1_800_000;
    while (!romeClock(new Date(t).toISOString()).endsWith('07:30')) t += 30 * 60_000;
    await rule.getByText(`${romeClock(new Date(t).toISOString())} CET`).waitFor();
    await shoot(page, 'schedules');
    await rule.getByRole('button', { name: 'Pause' }).click();
    await rule.getByText('paused').waitFor();
    // A paused rule has no next report. (CI once read the row as "active" right after it had
    // shown "paused"; the page now drops a load that may predate its change, and the test
    // waits for the row to settle.)
    await expect.poll(() => rule.textContent()).not.toContain('07:30 CET');
    expect(await rule.textContent()).toContain('paused');
    await rule.getByRole('button', { name: 'Delete' }).click();
    await rule.getByRole('button', { name: 'Yes, delete' }).click();
    await expect.poll(() => rule.count()).toBe(0);
    const stored = await env.pool.query("SELECT 1 FROM report_rules WHERE park_id = 'delta'");
    expect(stored.rowCount).toBe(0);
    expect(problemsSince(since)).toEqual([]);
  });

  it('adds a park with opening hours, edits them (a bad time is shown at its field), disables and deletes parks', async () => {
    const since = browser.problems().length;
    const page = await newPage();
    await signIn(page, ADMIN);
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByRole('region', { name: 'Roles' }).getByText('requests new ones').waitFor();
    const add = page.getByRole('form', { name: 'Add a park' });
    await add.getByLabel('Id').fill('foxtrot');
    await add.getByLabel('Name').fill('Foxtrot Park');
    await add.getByLabel('Opens (Europe/Rome)').fill('10:00');
    await add.getByLabel('Closes (Europe/Rome)').fill('18:30');
    await add.getByLabel('Mon').check();
    await add.getByRole('button', { name: 'Add park' }).click();
    await page.getByTestId('park-token').waitFor();
    const hours = await env.pool.query<{ opening_hours: unknown }>(
      "SELECT opening_hours FROM parks WHERE id = 'foxtrot'",
    );
    expect(hours.rows[0]?.opening_hours).toEqual({
      open: '10:00',
      close: '18:30',
      days: { mon: null },
    });
    await page.getByRole('button', { name: 'I have copied it' }).click();
    // Edit: closing before opening is refused, and said beside the closing time.
    const edit = page.getByRole('form', { name: 'Opening hours of Foxtrot Park' });
    await edit.getByLabel('Closes (Europe/Rome)').fill('08:00');
    await edit.getByRole('button', { name: 'Save hours' }).click();
    await edit.getByText('Please correct the field marked below.').waitFor();
    await edit.locator('.field-error').getByText('close must be after open').waitFor();
    await edit.getByLabel('Closes (Europe/Rome)').fill('20:00');
    await edit.getByRole('button', { name: 'Save hours' }).click();
    await edit.getByText('Opening hours saved: 10:00–20:00 Europe/Rome time').waitFor();
    // Disable it: the fleet says so, and its token is refused.
    await page.getByRole('button', { name: 'Disable park' }).click();
    await page.getByRole('button', { name: 'Yes, disable' }).click();
    await page.getByRole('button', { name: 'Enable park' }).waitFor();
    // The picker says so at once, not at its next poll five seconds later.
    await page
      .getByLabel('Park', { exact: true })
      .locator('option', { hasText: 'Foxtrot Park (foxtrot) — disabled' })
      .waitFor({ state: 'attached', timeout: 1_500 });
    await shoot(page, 'admin');
    await page.getByRole('link', { name: 'Fleet', exact: true }).click();
    await page.locator('tr[data-park="foxtrot"]').getByText('disabled').waitFor();
    // A park with data cannot be deleted; an empty one can, after a confirmation.
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByLabel('Park', { exact: true }).selectOption('alpha');
    await page.getByText('This park has drops or reports: disable it instead.').waitFor();
    expect(await page.getByRole('button', { name: 'Delete park' }).isDisabled()).toBe(true);
    await page.getByLabel('Park', { exact: true }).selectOption('bravo');
    await page.getByRole('button', { name: 'Delete park' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await expect
      .poll(() =>
        page.getByLabel('Park', { exact: true }).locator('option', { hasText: 'Bravo' }).count(),
      )
      .toBe(0);
    expect((await env.pool.query("SELECT 1 FROM parks WHERE id = 'bravo'")).rowCount).toBe(0);
    // The refused hours are the one failed load Chromium reports; nothing else may appear.
    expect(problemsSince(since)).toEqual([
      'console error: Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);
  });

  it('shows a new, labelled park token once; it works, and the list says when it was last used', async () => {
    const since = browser.problems().length;
    const page = await newPage();
    await signIn(page, ADMIN);
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByLabel('Park', { exact: true }).selectOption('echo');
    await page.getByLabel('Label of a new token').fill('access node, hall 2');
    await page.getByRole('button', { name: 'New park token' }).click();
    const shown = page.getByTestId('park-token');
    await shown.waitFor();
    const token = (await shown.textContent()) ?? '';
    expect(token.length).toBeGreaterThan(20);
    await page.getByText('It is shown only this once').waitFor();
    const tokens = page.getByRole('table', { name: 'Tokens of echo' });
    const labelled = tokens.getByRole('row').filter({ hasText: 'access node, hall 2' });
    expect(await labelled.textContent()).toContain('never');
    await expect.poll(async () => (await parkForToken(env.pool, token))?.id).toBe('echo');
    await expect.poll(() => labelled.textContent(), { timeout: 20_000 }).toMatch(/just now|s ago/);
    await page.getByRole('button', { name: 'I have copied it' }).click();
    expect(await page.getByTestId('park-token').count()).toBe(0);
    await page.reload();
    await page.getByRole('region', { name: 'Parks, rides and tokens' }).waitFor();
    expect(await page.getByText(token).count()).toBe(0);
    expect(problemsSince(since)).toEqual([]);
  });

  it('disables and deletes a user (with a confirmation); a disabled user cannot sign in', async () => {
    const since = browser.problems().length;
    await createUser(env.pool, { username: 'temp', password: 'temp password 1', role: 'viewer' });
    const page = await newPage();
    await signIn(page, ADMIN);
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    const row = page.locator('tr[data-user="temp"]');
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByRole('button', { name: 'Yes, disable' }).click();
    await row.getByText('disabled', { exact: true }).waitFor();
    const refused = createDashboardClient(central.url);
    const err = await refused.login('temp', 'temp password 1').then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as TRPCClientError<never>).data).toMatchObject({ code: 'UNAUTHORIZED' });
    // One's own row has no Disable or Delete (only "End my other sessions").
    const own = page.locator('tr[data-user="admin"]');
    expect(await own.getByRole('button', { name: /Disable|Delete/ }).count()).toBe(0);
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Yes, delete' }).click();
    await expect.poll(() => row.count()).toBe(0);
    expect(problemsSince(since)).toEqual([]);
  });

  it('keeps the top navigation usable at 390 px: every link on screen, no sideways scroll', async () => {
    const since = browser.problems().length;
    const page = await newPage({ viewport: PHONE });
    await signIn(page, ADMIN);
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const name of ['Fleet', 'Jobs', 'Reports', 'Admin']) {
      const box = await nav.getByRole('link', { name, exact: true }).boundingBox();
      expect(box, name).not.toBeNull();
      expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= PHONE.width, name).toBe(
        true,
      );
    }
    const signOut = await page.getByRole('button', { name: 'Sign out' }).boundingBox();
    expect((signOut?.x ?? 0) + (signOut?.width ?? 0)).toBeLessThanOrEqual(PHONE.width);
    const overflow = () =>
      page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
    expect(await overflow()).toBe(0);
    await nav.getByRole('link', { name: 'Reports', exact: true }).click();
    await page.getByRole('heading', { name: 'Reports' }).waitFor();
    expect(await overflow()).toBe(0);
    await shoot(page, 'reports');
    await page.goto(`${central.url}/parks/alpha`);
    await page.getByRole('heading', { name: 'Alpha Park' }).waitFor();
    expect(await overflow()).toBe(0);
    await shoot(page, 'park');
    expect(problemsSince(since)).toEqual([]);
  });

  it('follows the system colour scheme: a dark theme when the system is dark', async () => {
    const since = browser.problems().length;
    const luminance = async (page: Page) => {
      await signIn(page, VIEWER);
      await page.getByRole('table', { name: 'Parks' }).waitFor();
      const rgb = await page.evaluate(
        () => getComputedStyle(document.documentElement).backgroundColor,
      );
      const [r, g, b] = (rgb.match(/\d+/g) ?? []).map(Number);
      return (0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0)) / 255;
    };
    const dark = await newPage({ colorScheme: 'dark' });
    expect(await luminance(dark)).toBeLessThan(0.2);
    await shoot(dark, 'fleet-dark');
    const light = await newPage({ colorScheme: 'light' });
    expect(await luminance(light)).toBeGreaterThan(0.8);
    expect(problemsSince(since)).toEqual([]);
  });

  it('lets a user change their own password, which then signs them in', async () => {
    const since = browser.problems().length;
    const page = await newPage();
    const user = { username: 'techie', password: 'first password 1' };
    await createUser(env.pool, { ...user, role: 'viewer' });
    await signIn(page, user);
    await page.getByRole('link', { name: /techie/ }).click();
    await page.getByLabel('Current password').fill(user.password);
    await page.getByLabel('New password (12+ characters)').fill('second password 2');
    await page.getByLabel('New password again').fill('second password 2');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed').waitFor();
    await shoot(page, 'account');
    const fresh = await newPage();
    await signIn(fresh, { username: 'techie', password: 'second password 2' });
    expect(problemsSince(since)).toEqual([]);
  });
});
