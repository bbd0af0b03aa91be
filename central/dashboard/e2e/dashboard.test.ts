import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TRPCClientError } from '@trpc/client';
import type { Page } from 'playwright-core';
import { build } from 'vite';
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
import { startBrowser, type TestBrowser } from '../../../scripts/harness/browser.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';

/**
 * The dashboard in a real Chromium against the real central: API, outbox, RabbitMQ, worker and
 * the Rust postprocessor and reporter. With ZRA_SCREENSHOTS=docs the screenshots land in
 * docs/screenshots/ (committed); otherwise in a temp folder.
 */
const here = fileURLToPath(new URL('.', import.meta.url));
const ADMIN = { username: 'admin', password: 'admin password 1' };
const VIEWER = { username: 'viewer', password: 'viewer password 1' };

let env: TestEnvironment;
let central: RunningCentral;
let browser: TestBrowser;
let distDir: string;
let shotDir: string;
let alphaToken = '';
let failedBatch = '';
let failedFile = '';

async function drain(config: CentralConfig = env.config): Promise<void> {
  const worker = await startWorker(config, {
    drain: true,
    log: createLogger('silent'),
    retryDelayMs: 10,
  });
  await worker.done;
}

async function nothingStored(): Promise<void> {
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

async function shoot(page: Page, screen: string): Promise<void> {
  await page.screenshot({ path: join(shotDir, `dashboard-${screen}.png`), fullPage: true });
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

beforeAll(async () => {
  distDir = await mkdtemp(join(tmpdir(), 'zra-dashboard-dist-'));
  // vitest sets NODE_ENV=test, which would make the JSX transform emit development calls
  // that React's production runtime does not have: build as `vite build` does.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: join(here, '..', 'vite.config.ts'),
      logLevel: 'warn',
      mode: 'production',
      build: { outDir: distDir, emptyOutDir: true },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  shotDir =
    process.env.ZRA_SCREENSHOTS === 'docs'
      ? join(here, '..', '..', '..', 'docs', 'screenshots')
      : await mkdtemp(join(tmpdir(), 'zra-dashboard-shots-'));
  await mkdir(shotDir, { recursive: true });

  env = await createTestEnvironment('dashboard_e2e');
  central = await startCentral(env.config, {
    scheduler: false,
    uploadSweeper: false,
    dashboardDir: distDir,
    // The drops below are today's 10:00 and 11:00 Rome windows, so the charts look the same
    // whenever the test runs; central's ingest clock (used only by the `window_in_future`
    // check) is a day ahead so that a run before 10:45 Rome does not refuse them.
    now: () => Date.now() + 86_400_000,
  });
  await createUser(env.pool, { ...ADMIN, role: 'admin' });
  await createUser(env.pool, { ...VIEWER, role: 'viewer' });
  ({ token: alphaToken } = await createPark(env.pool, {
    id: 'alpha',
    name: 'Alpha Park',
    timezone: 'Europe/Rome',
  }));
  // A park without any drop yet: the empty states.
  await createPark(env.pool, { id: 'bravo', name: 'Bravo Park', timezone: 'Europe/Rome' });

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
    const drop = buildTestDrop({ park: 'alpha', sequence: sequence++, start: at(daysAgo), cycles });
    const up = await uploadDrop(park, drop.zip, drop.fileName);
    expect(up, `the drop of ${at(daysAgo)}`).toMatchObject({ status: 'stored' });
  }
  await nothingStored();
  await drain();
  // The agent says it is alive, with two drops waiting at the park for twenty minutes.
  await park.agent.heartbeat.mutate({
    version: '1.0.0',
    buffer: { drops: 2, bytes: 3_000_000, capBytes: 10_000_000_000 },
    backlog: {
      drops: 2,
      bytes: 3_000_000,
      oldestPulledAt: new Date(Date.now() - 20 * 60_000).toISOString(),
    },
    offlineSince: null,
  });
  // One that the postprocessor refuses for good: a failed job to requeue.
  const bad = buildTestDrop({ park: 'alpha', sequence: sequence++, start: at(0, 1), cycles: 2 });
  failedFile = bad.fileName;
  const badUp = await uploadDrop(park, bad.zip, bad.fileName);
  expect(badUp, `the drop of ${at(0, 1)}`).toMatchObject({ status: 'stored' });
  failedBatch = badUp.batchId;
  await nothingStored();
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
  await nothingStored();
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

describe('central dashboard in a browser', () => {
  it('is served at / with a strict CSP, long-cached assets and an SPA fallback', async () => {
    const index = await fetch(`${central.url}/parks/alpha`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
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
    const page = await browser.newPage();
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

  it('shows a viewer the failed job without a requeue button, and the API refuses it too', async () => {
    const since = browser.problems().length;
    const page = await browser.newPage();
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

  it('walks an admin through fleet, park and ride', async () => {
    const since = browser.problems().length;
    const page = await browser.newPage();
    await signIn(page, ADMIN);
    const fleet = page.getByRole('table');
    await fleet.getByRole('link', { name: 'Alpha Park' }).waitFor();
    await fleet.getByRole('link', { name: 'Bravo Park' }).waitFor();
    await shoot(page, 'fleet');
    await fleet.getByRole('link', { name: 'Alpha Park' }).click();
    await page.getByRole('heading', { name: 'Alpha Park' }).waitFor();
    await page.getByRole('img', { name: /Drops per day/ }).waitFor();
    await page.locator('.badge', { hasText: 'processed' }).first().waitFor();
    await shoot(page, 'park');
    const rideLink = page.getByRole('table').first().getByRole('link').first();
    await rideLink.click();
    await page.getByRole('img', { name: 'Cycles per day' }).waitFor();
    await page.getByRole('heading', { name: /Most frequent alarms/ }).waitFor();
    // Channel health: the p95 of per-cycle peaks next to the ride model's threshold.
    const peaks = page.getByRole('table', { name: 'Channel peaks' });
    await peaks
      .getByText(/within threshold|beyond threshold/)
      .first()
      .waitFor();
    await shoot(page, 'ride');
    // A reload of a deep link opens the same screen (the SPA fallback).
    await page.reload();
    await page.getByRole('img', { name: 'Availability per day' }).waitFor();
    // A park with nothing yet explains itself.
    await page.goto(`${central.url}/parks/bravo`);
    await page.getByText('No rides have sent data yet').waitFor();
    await page.getByText('No drops received from this park yet').waitFor();
    await shoot(page, 'empty');
    expect(problemsSince(since)).toEqual([]);
  });

  it('lets an admin requeue a failed job, which then gets processed', async () => {
    const since = browser.problems().length;
    const page = await browser.newPage();
    await signIn(page, ADMIN);
    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    const failed = page.getByRole('table', { name: 'Failed drops' });
    await failed.getByText(failedFile).waitFor();
    await page.getByRole('heading', { name: 'Recent job runs' }).waitFor();
    await shoot(page, 'jobs');
    // The drop's own page says why it failed, attempt by attempt.
    await failed.getByRole('link', { name: failedFile }).click();
    await page.getByRole('heading', { name: failedFile }).waitFor();
    await page.getByRole('heading', { name: 'Job runs' }).waitFor();
    expect(await page.locator('.sub', { hasText: 'the drop is invalid' }).count()).toBe(1);
    await shoot(page, 'drop');
    await page.goBack();
    await failed.getByText(failedFile).waitFor();
    await failed.getByRole('button', { name: 'Requeue' }).click();
    await page.getByText('No failed drops').waitFor();
    await waitFor('the requeued batch to be queued', async () =>
      ['queued', 'processing', 'processed'].includes((await batchState(failedBatch)) ?? ''),
    );
    await nothingStored();
    await drain();
    expect(await batchState(failedBatch)).toBe('processed');
    // The park page shows it processed on its next refresh.
    await page.goto(`${central.url}/parks/alpha`);
    const row = page.getByRole('row').filter({ hasText: failedFile });
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toContain('processed');
    expect(problemsSince(since)).toEqual([]);
  });

  it('shows a new park token once, and it works for the agent', async () => {
    const since = browser.problems().length;
    const page = await browser.newPage();
    await signIn(page, ADMIN);
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByRole('heading', { name: 'Parks, rides and tokens' }).waitFor();
    await page.getByRole('button', { name: 'New park token' }).click();
    const shown = page.getByTestId('park-token');
    await shown.waitFor();
    const token = (await shown.textContent()) ?? '';
    expect(token.length).toBeGreaterThan(20);
    await expect.poll(async () => (await parkForToken(env.pool, token))?.id).toBe('alpha');
    await page.getByText('It is shown only this once').waitFor();
    await shoot(page, 'admin');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    expect(await page.getByTestId('park-token').count()).toBe(0);
    await page.reload();
    await page.getByRole('heading', { name: 'Parks, rides and tokens' }).waitFor();
    expect(await page.getByText(token).count()).toBe(0);
    expect(problemsSince(since)).toEqual([]);
  });

  it('lists a ready report whose PDF downloads', async () => {
    const since = browser.problems().length;
    const page = await browser.newPage();
    await signIn(page, ADMIN);
    await page.getByRole('link', { name: 'Reports', exact: true }).click();
    const table = page.getByRole('table', { name: 'Reports' });
    const ready = table.getByRole('row').filter({ hasText: 'ready' });
    await ready.first().waitFor();
    await shoot(page, 'reports');
    const href = await ready.first().getByRole('link', { name: 'PDF' }).getAttribute('href');
    expect(href).toMatch(/^\/files\/reports\/[0-9a-f-]{36}\/pdf$/);
    const pdf = await page.request.get(`${central.url}${href ?? ''}`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    // Generate now: the form's defaults (the last week of the first park) queue a new report.
    const before = await table.getByRole('row').count();
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByText('Report queued').waitFor();
    await expect.poll(() => table.getByRole('row').count()).toBe(before + 1);
    expect(await table.getByRole('row').filter({ hasText: 'queued' }).count()).toBe(1);
    // The schedule rule can be switched off and is then shown disabled.
    const rules = page.getByRole('table', { name: 'Schedule rules' });
    await rules.getByRole('button', { name: 'Disable' }).click();
    await rules.getByText('disabled').waitFor();
    const stored = await env.pool.query<{ enabled: boolean }>('SELECT enabled FROM report_rules');
    expect(stored.rows.map((r) => r.enabled)).toEqual([false]);
    expect(problemsSince(since)).toEqual([]);
  });

  it('lets a user change their own password, which then signs them in', async () => {
    const since = browser.problems().length;
    const page = await browser.newPage();
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
    const fresh = await browser.newPage();
    await signIn(fresh, { username: 'techie', password: 'second password 2' });
    expect(problemsSince(since)).toEqual([]);
  });
});
