/**
 * The park agent's UI in a real browser whose own time zone is America/New_York (or
 * ZRA_BROWSER_ZONE, scripts/harness/browser.ts), with every
 * part real: the headless agent serving the built renderer, an OpenSSH SFTP gateway with a
 * password login, and central with its worker (PostgreSQL, RabbitMQ, the Rust postprocessor
 * and reporter). Each point of issue 16's park-app list is asserted as a technician meets it:
 * adding a ride, a failing login, drops kept aside and deleted, a drop central failed to
 * process, central down and its address fixed, reports by the park's days, times with their
 * zone, screens as URLs. Screenshots of every screen at 1366 and 390 px go to docs/screenshots/
 * with ZRA_SCREENSHOTS=docs.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type pg from 'pg';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateDrops, type GeneratedDrop } from '@zra/shared';
import {
  createPark,
  createPool,
  createUser,
  loadConfig,
  reportStatus,
  requestReport,
  startCentral,
  startWorker,
  type RunningCentral,
  type RunningWorker,
} from '@zra/central';
import {
  createAgent,
  createAgentMetrics,
  createStatusRouter,
  parseAgentConfig,
  silentLogger,
  startStatusServer,
  type Agent,
  type StatusServer,
} from '../src/core/index.ts';
import { putOnGateway } from '../src/core/testing/gateway-files.ts';
import { buildTestDrop } from '../src/core/testing/test-drop.ts';
import { createDashboardClient } from '../../central/src/testing/dashboard-client.ts';
import { BROWSER_ZONE, startBrowser, type TestBrowser } from '../../scripts/harness/browser.ts';
import { createTestDatabase, type TestDatabase } from '../../scripts/harness/postgres.ts';
import {
  AMQP_URL,
  CENTRAL_QUEUES,
  deleteQueues,
  uniqueQueuePrefix,
} from '../../scripts/harness/rabbitmq.ts';
import { startSftpGateway, type SftpGateway } from '../../scripts/harness/sftp-gateway.ts';
import { waitFor } from '../../scripts/harness/wait-for.ts';

const PARK = 'lago-ui';
const RIDE = 'thunder-loop';
/** The park's zone; the browser is elsewhere, so its own clock must never show. */
const PARK_ZONE = 'Europe/Rome';
const QUEUE_PREFIX = uniqueQueuePrefix('agent-ui');
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const WIDE = { width: 1366, height: 900 };
const PHONE = { width: 390, height: 844 };
const ADMIN = { username: 'hq-admin', password: 'fleet watch 2026 dashboard' };

let dir: string;
let shotDir: string;
let gateway: SftpGateway;
let login: { username: string; password: string };
let db: TestDatabase;
let pool: pg.Pool;
let central: RunningCentral;
let worker: RunningWorker;
let parkToken: string;
let agent: Agent;
let server: StatusServer;
let browser: TestBrowser;
let drops: GeneratedDrop[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zra-agent-ui-'));
  shotDir =
    process.env.ZRA_SCREENSHOTS === 'docs' ? join(REPO, 'docs/screenshots') : join(dir, 'shots');
  mkdirSync(shotDir, { recursive: true });
  // The renderer exactly as shipped, built into this test's own folder.
  const rendererDir = join(dir, 'renderer');
  await build({
    configFile: join(REPO, 'desktop/vite.config.ts'),
    build: { outDir: rendererDir, emptyOutDir: true },
    logLevel: 'error',
  });

  gateway = await startSftpGateway({ passwordAuth: true });
  if (!gateway.password) throw new Error('the gateway harness gave no password login');
  login = gateway.password;
  drops = generateDrops({
    park: PARK,
    rides: [{ id: RIDE, model: 'discovery-revolution' }],
    from: '2026-06-06',
    fromHour: 14,
    hours: 2,
    seed: 5,
    rateHz: 10,
  });
  for (const d of drops) await putOnGateway(gateway, RIDE, d.fileName, d.zip);

  db = await createTestDatabase('agent-ui');
  const config = {
    ...loadConfig({
      DATABASE_URL: db.url,
      AMQP_URL,
      QUEUE_PREFIX,
      BLOB_DIR: join(dir, 'central'),
      LOG_LEVEL: 'silent',
      // Any free port: another central on this machine may hold the default one.
      METRICS_PORT: '0',
    }),
    port: 0,
  };
  central = await startCentral(config);
  worker = await startWorker(config);
  pool = createPool(db.url);
  ({ token: parkToken } = await createPark(pool, {
    id: PARK,
    name: 'Lago UI',
    timezone: PARK_ZONE,
  }));
  await createUser(pool, { ...ADMIN, role: 'admin' });

  // No rides in the file: the technician adds the ride in the UI.
  agent = await createAgent(
    parseAgentConfig({
      park: PARK,
      dataDir: join(dir, 'agent'),
      central: { url: central.url, token: parkToken, timeoutSeconds: 5 },
      timezone: PARK_ZONE,
      minAgeSeconds: 0,
      upload: { intervalSeconds: 1, retryBaseSeconds: 1, retryMaxSeconds: 2 },
      globalViewSeconds: 1,
      heartbeatSeconds: 2,
    }),
  );
  server = await startStatusServer({
    agent,
    metrics: createAgentMetrics(),
    dataDir: join(dir, 'agent'),
    log: silentLogger(),
    rendererDir,
    // What the agent command passes: central's PDF asked with the agent's own settings.
    fetchReportPdf: (id) => agent.fetchReportPdf(id),
  });
  agent.start();
  browser = await startBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await agent?.close();
  await worker?.stop();
  await central?.close();
  await pool?.end();
  await db?.drop();
  await deleteQueues(QUEUE_PREFIX, CENTRAL_QUEUES);
  await gateway?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A signed-in page (the access link), in the browser's zone, at 1366 px or phone width. */
async function openApp(viewport = WIDE, hash = '#/'): Promise<Page> {
  const page = await browser.newPage({ viewport, timezoneId: BROWSER_ZONE });
  await page.goto(server.uiUrl);
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  if (hash !== '#/') await goTo(page, hash);
  return page;
}

async function goTo(page: Page, hash: string): Promise<void> {
  await page.goto(`${server.url}/${hash}`);
  await page.getByRole('heading', { level: 1 }).waitFor();
}

async function screen(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name }).click();
  await page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shotDir, `desktop-${name}.png`), fullPage: true });
}

/** The same screen at phone width (390 px), as its own screenshot. */
async function phoneShot(hash: string, name: string, ready?: (p: Page) => Promise<void>) {
  const phone = await openApp(PHONE, hash);
  await ready?.(phone);
  // Nothing may stick out sideways at 390 px.
  const scrollWidth = Number(await phone.evaluate('document.documentElement.scrollWidth'));
  expect(scrollWidth).toBeLessThanOrEqual(PHONE.width);
  await shot(phone, `${name}-390`);
  await phone.context().close();
}

/** The zone's short name now, as the page labels times ("CET" in winter, "CEST" in summer). */
function zoneAbbreviations(): RegExp {
  const names = ['2026-01-15T12:00:00Z', '2026-07-15T12:00:00Z'].map(
    (iso) =>
      new Intl.DateTimeFormat('en-GB', { timeZone: PARK_ZONE, timeZoneName: 'short' })
        .formatToParts(new Date(iso))
        .find((p) => p.type === 'timeZoneName')?.value ?? '?',
  );
  return new RegExp(`\\d{4}, \\d\\d:\\d\\d (${names.join('|')})$`);
}

/**
 * Every time on the page is relative ("3 min ago", "in 12 min") with the park's time and zone
 * as its tooltip, or the park's time with its zone: never the browser's own clock.
 */
async function everyTimeLabelled(page: Page): Promise<number> {
  const times = await page
    .locator('time')
    .evaluateAll((els) => els.map((e) => ({ text: e.textContent ?? '', title: e.title })));
  const zoned = zoneAbbreviations();
  for (const t of times) {
    if (/ago$|^in |^just now$/.test(t.text)) expect(t.title, t.text).toMatch(zoned);
    else expect(t.text).toMatch(zoned);
  }
  return times.length;
}

function rideCard(page: Page, ride: string) {
  return page.getByRole('article', { name: `Ride ${ride}` });
}

function headerBadge(page: Page) {
  return page.locator('.topbar-end');
}

/** A ride on the gateway with the password login, added through the API (not the form). */
function addPasswordRide(id: string, remoteDir: string, password = login.password): void {
  agent.addRide({
    id,
    remoteDir,
    schedule: ['0 3 * * *'],
    connection: {
      type: 'sftp',
      host: gateway.host,
      port: gateway.port,
      username: login.username,
      password,
      hostKeySha256: gateway.hostKeySha256,
    },
  });
}

/** What a test added beside the first ride goes again, so the next one starts from "All good". */
afterEach(async () => {
  for (const r of agent?.rides() ?? []) if (r.id !== RIDE) agent.removeRide(r.id);
  for (const d of agent?.status().quarantined ?? []) await agent.deleteQuarantined(d.id);
});

describe(`the park agent UI, in a browser in ${BROWSER_ZONE}, for a park in Rome`, () => {
  it('lets a technician add a ride, accept its host key, pull, see the drops processed and open the report by its park-local day', async () => {
    const page = await openApp();
    // The token left the address bar; the page still talks to the agent.
    expect(page.url()).not.toContain(server.token);
    await page.getByText('No rides yet.').waitFor();
    await page.getByText(`Times are ${PARK_ZONE} time`).first().waitFor();
    await shot(page, 'overview-empty');

    // Add the ride with the gateway's password login.
    await screen(page, 'Rides');
    await page.getByRole('button', { name: 'Add a ride' }).click();
    const form = page.getByRole('form', { name: 'Add a ride' });
    await form.getByLabel('Ride name', { exact: true }).fill(RIDE);
    const host = form.getByLabel('Gateway address', { exact: true });
    // A 3,000-character host (a paste gone wrong) first.
    await host.fill('h'.repeat(3000));
    await form.getByLabel('Port', { exact: true }).fill(String(gateway.port));
    await form.getByLabel('User name', { exact: true }).fill(login.username);
    await form.getByLabel('Password', { exact: true }).fill(login.password);
    await form.getByLabel('Remote folder', { exact: true }).fill(RIDE);
    await form.getByLabel('When to pull', { exact: true }).fill('*/15 9-19 * * *');
    // The agent refuses the host in words, beside the field; the error and the form's
    // sentence go once the field is edited.
    await form.getByRole('button', { name: 'Save ride' }).click();
    const hostField = page.locator('.field').filter({ has: page.getByLabel('Gateway address') });
    await hostField.getByText('a host name is at most 253 characters').waitFor();
    await form.getByText('Please correct the field marked below.').waitFor();
    expect(await form.textContent()).not.toMatch(/\[\{|"path"|connection\.host/);
    await host.fill(gateway.host);
    await hostField.getByText('at most 253 characters').waitFor({ state: 'detached' });
    await form.getByText('Please correct the field').waitFor({ state: 'detached' });
    await form.getByText('every 15 minutes from 09:00 to 19:59', { exact: false }).waitFor();
    // The rules are read in the agent's time zone, and the form says which one.
    await form
      .getByText(`in ${PARK_ZONE} time (change it in Settings)`, { exact: false })
      .waitFor();
    await shot(page, 'rides-form');
    await form.getByRole('button', { name: 'Save ride' }).click();

    // Test the connection: the gateway's fingerprint is shown and nothing was sent to it; the
    // ride is red at once (host key not accepted), on its card and in the header.
    const card = rideCard(page, RIDE);
    await card
      .getByText(`every 15 minutes from 09:00 to 19:59, every day (${PARK_ZONE} time)`)
      .waitFor();
    await card.getByRole('button', { name: 'Test connection' }).click();
    const fingerprint = card.locator('.fingerprint');
    await fingerprint.waitFor();
    expect(await fingerprint.textContent()).toBe(gateway.hostKeySha256);
    await card.getByText('Connection test failed', { exact: true }).waitFor();
    await headerBadge(page).getByText(`Needs action: ${RIDE}: connection test failed`).waitFor();
    await shot(page, 'rides-host-key');
    await card.getByRole('button', { name: 'Accept this host key' }).click();
    await fingerprint.waitFor({ state: 'detached' });

    // Tested again: the login works and the drops are there.
    await card.getByRole('button', { name: 'Test connection' }).click();
    await card.getByText(`${drops.length} drop files (.zip) in the folder`).waitFor();
    await card.getByRole('button', { name: 'Pull now' }).click();
    await card.getByText(`Pulled: ${drops.length} new drops.`).waitFor();
    await shot(page, 'rides');
    await phoneShot('#/rides', 'rides', (p) => rideCard(p, RIDE).waitFor());

    // Drops: central processed every one of them.
    await screen(page, 'Drops');
    const atCentral = page.getByRole('table', { name: 'At central' });
    await waitFor(
      'every drop processed at central, as the Drops screen shows it',
      async () =>
        (await atCentral.getByText('processed', { exact: true }).count()) === drops.length
          ? true
          : null,
      { timeoutMs: 90_000 },
    );
    expect(await everyTimeLabelled(page)).toBeGreaterThan(drops.length);
    await shot(page, 'drops');
    await phoneShot('#/drops', 'drops', async (p) => {
      await p.getByRole('table', { name: 'At central' }).waitFor();
      await p.getByRole('table', { name: 'Drops on this computer' }).waitFor();
    });

    // Screens are URLs: Back returns to the previous screen, a reload keeps the screen.
    await screen(page, 'Overview');
    expect(new URL(page.url()).hash).toBe('#/');
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Drops' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Drops' }).waitFor();

    await screen(page, 'Overview');
    await rideCard(page, RIDE).getByText('Gateway reached').waitFor();
    await page.getByText(`${drops.length} drops, ${drops.length} processed`).waitFor();
    await headerBadge(page).getByText('All good').waitFor();
    // Cron rules in words everywhere, times relative with the zone or labelled.
    expect(await page.locator('main').textContent()).not.toContain('*/15');
    expect(await everyTimeLabelled(page)).toBeGreaterThan(0);
    await shot(page, 'overview');
    await phoneShot('#/', 'overview', (p) => rideCard(p, RIDE).waitFor());

    // The report of 6 June in Rome (22:00 UTC on 5 June to 22:00 UTC on 6 June): listed and
    // named by the day its PDF shows, not "Jun 5 – Jun 6" as a UTC formatter would say.
    await screen(page, 'Reports');
    await page.getByText('No reports yet.').waitFor();
    await shot(page, 'reports-empty');
    const reportId = await requestReport(pool, {
      park: PARK,
      ride: RIDE,
      from: '2026-06-05T22:00:00Z',
      to: '2026-06-06T22:00:00Z',
    });
    await waitFor(
      'the report',
      async () => {
        const s = await reportStatus(pool, reportId);
        if (s?.state === 'failed') throw new Error(`report failed: ${s.error}`);
        return s?.state === 'ready' ? s : null;
      },
      { timeoutMs: 90_000 },
    );
    const reports = page.getByRole('table', { name: 'Reports' });
    const open = reports.getByRole('button', { name: 'Open PDF' });
    await open.waitFor({ timeout: 30_000 });
    expect(await reports.getByRole('row').nth(1).textContent()).toContain('6 Jun 2026');
    expect(await reports.textContent()).not.toContain('5 Jun');
    await shot(page, 'reports');
    await phoneShot('#/reports', 'reports', (p) =>
      p.getByRole('button', { name: 'Open PDF' }).waitFor(),
    );
    const [download] = await Promise.all([page.waitForEvent('download'), open.click()]);
    expect(download.suggestedFilename()).toBe(`${PARK}_${RIDE}_2026-06-06.pdf`);
    const pdfPath = join(dir, 'report.pdf');
    await download.saveAs(pdfPath);
    expect(readFileSync(pdfPath).subarray(0, 5).toString()).toBe('%PDF-');
    // Inside Electron the screen takes the PDF from the router instead (no HTTP route there),
    // under the same name.
    const overIpc = await createStatusRouter(agent)
      .createCaller({ authorized: true })
      .reports.pdf({ reportId });
    expect(Buffer.from(overIpc.pdfBase64, 'base64').equals(readFileSync(pdfPath))).toBe(true);
    expect(overIpc.fileName).toBe(`${PARK}_${RIDE}_2026-06-06.pdf`);

    await screen(page, 'Settings');
    expect(await page.getByLabel('Central address').inputValue()).toBe(central.url);
    await shot(page, 'settings');
    await phoneShot('#/settings', 'settings', (p) => p.getByLabel('Central address').waitFor());

    // The activity log in the park's time with its zone, filterable by ride and level (in the
    // address, so a filtered view reloads as it was).
    await screen(page, 'Activity');
    await page
      .getByText(/^pull finished: \d+ new/)
      .first()
      .waitFor();
    expect(await everyTimeLabelled(page)).toBeGreaterThan(2);
    await shot(page, 'activity');
    await page.getByLabel('Level').selectOption('warn');
    await page.waitForURL(/#\/activity\?level=warn$/);
    await page.getByText('Nothing of this ride and level yet.').waitFor();
    await page.reload();
    expect(await page.getByLabel('Level').inputValue()).toBe('warn');
    await page.getByLabel('Level').selectOption('');
    await page.getByLabel('Ride').selectOption(RIDE);
    await page
      .getByText(/^pull finished: \d+ new/)
      .first()
      .waitFor();
    await phoneShot('#/activity', 'activity', (p) =>
      p
        .getByText(/^pull finished/)
        .first()
        .waitFor(),
    );

    // Only the refused host above, which the agent answers 400 on purpose.
    expect(browser.problems()).toEqual([
      'console error: Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);
  });

  it('shows a wrong gateway password at once, red with the right advice and a badge that leads to it, and tells central', async () => {
    const earlierProblems = browser.problems().length;
    const page = await openApp();
    // A second ride whose password is wrong (its host key is already known), tested in the UI.
    addPasswordRide('wild-mouse', RIDE, 'not-the-password');
    // Added while the agent runs, the ride is pulled at once, and that pull fails too: wait for
    // it, so the connection test below is the last word on the card (else whichever of the two
    // ends last names the problem's source).
    await waitFor(
      'the pull of the newly added ride to end',
      async () => agent.status().rides.find((r) => r.id === 'wild-mouse')?.lastErrorFrom === 'pull',
    );
    await screen(page, 'Rides');
    const card = rideCard(page, 'wild-mouse');
    await card.getByRole('button', { name: 'Test connection' }).click();
    await card.getByText('Connection test failed', { exact: true }).waitFor();
    expect(await card.locator('.steps').textContent()).toContain('no Login accepted');

    // At once on the Overview and in the header, from the test (no pull needed to show it).
    await screen(page, 'Overview');
    const overviewCard = rideCard(page, 'wild-mouse');
    await overviewCard.getByText('Connection test failed', { exact: true }).waitFor();
    expect(await overviewCard.textContent()).toMatch(/user name and password/);
    expect(await overviewCard.textContent()).not.toMatch(/cable/);
    expect(agent.status().rides.find((r) => r.id === 'wild-mouse')?.lastErrorFrom).toBe(
      'connection test',
    );
    await shot(page, 'overview-error');
    await phoneShot('#/', 'overview-error', (p) =>
      rideCard(p, 'wild-mouse').getByText('Connection test failed', { exact: true }).waitFor(),
    );

    // The badge names the problem and leads to the ride.
    await headerBadge(page).getByText('Needs action: wild-mouse: connection test failed').click();
    await page.waitForURL(/#\/rides\?ride=wild-mouse$/);
    await rideCard(page, 'wild-mouse').and(page.locator('.card-attention')).waitFor();

    // Central's fleet view shows the failing ride from the agent's heartbeat.
    expect(await agent.sendHeartbeat()).toBe(true);
    const hq = createDashboardClient(central.url);
    await hq.login(ADMIN.username, ADMIN.password);
    const fleet = await hq.client.dashboard.fleet.query();
    const park = fleet.parks.find((p) => p.id === PARK);
    expect(park?.attention).toContain('rides_failing');
    expect(park?.agent.rideCounts?.failing).toBe(1);
    const parkPage = await hq.client.dashboard.park.query({ park: PARK });
    expect(parkPage.agent.rides?.find((r) => r.id === 'wild-mouse')).toMatchObject({
      state: 'failing',
    });

    // Fixed in the edit form and tested again: clear at once; then removed in the UI.
    const rides = rideCard(page, 'wild-mouse');
    await rides.getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: 'Edit ride wild-mouse' });
    await form.getByLabel('Password', { exact: true }).fill(login.password);
    await form.getByRole('button', { name: 'Save ride' }).click();
    await form.waitFor({ state: 'detached' });
    await rides.getByRole('button', { name: 'Test connection' }).click();
    await rides.getByText('Gateway reached').or(rides.getByText('Not pulled yet')).waitFor();
    await rides.getByRole('button', { name: 'Remove' }).click();
    await rides
      .getByText(/Its drops already pulled are still uploaded; nothing changes on the gateway/)
      .waitFor();
    await rides.getByRole('button', { name: 'Remove the ride' }).click();
    await rides.waitFor({ state: 'detached' });
    expect(browser.problems().slice(earlierProblems)).toEqual([]);
  });

  it("marks the ride of drops of another park and of another ride; Delete says what happens and does it; Fetch again judges the gateway's copy", async () => {
    const earlierProblems = browser.problems().length;
    // A ride whose folder holds a drop of another park, and one of another ride.
    const foreign = buildTestDrop({ park: 'mirabilandia', ride: 'kiddie-coaster', sequence: 3 });
    const foreignPath = await putOnGateway(gateway, 'kiddie', foreign.fileName, foreign.zip);
    const stray = buildTestDrop({ park: PARK, ride: 'thunder-loop', sequence: 4 });
    await putOnGateway(gateway, 'kiddie', stray.fileName, stray.zip);
    addPasswordRide('kiddie-coaster', 'kiddie');
    await agent.pullNow('kiddie-coaster');

    const page = await openApp();
    const card = rideCard(page, 'kiddie-coaster');
    await card.getByText('Drops of another park').waitFor();
    expect(await card.textContent()).toContain('correct the park id in the PLC export');
    await headerBadge(page)
      .getByText('Needs action: kiddie-coaster: drops of another park')
      .waitFor();
    // The ride whose drops they are shows nothing of it.
    expect(await rideCard(page, RIDE).textContent()).not.toContain('Kept aside');
    await shot(page, 'overview-kept-aside');

    // Drops: each kept file names its ride; Delete asks first and says what happens.
    await card.getByRole('link', { name: /Review 2 files in Drops/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Drops' }).waitFor();
    const kept = page.getByRole('table', { name: 'Kept aside' });
    const foreignRow = kept.getByRole('row').filter({ hasText: foreign.fileName });
    expect(await foreignRow.textContent()).toContain('kiddie-coaster');
    await foreignRow.getByRole('button', { name: 'Delete' }).click();
    const question = foreignRow.getByRole('group');
    expect(await question.textContent()).toContain(
      'The file stays on the gateway, and the next pulls skip it',
    );
    await shot(page, 'drops-delete');
    await phoneShot('#/drops', 'drops-kept', async (p) => {
      await p.getByRole('table', { name: 'Kept aside' }).waitFor();
      await p.getByRole('table', { name: 'Drops on this computer' }).waitFor();
    });
    await foreignRow.getByRole('button', { name: 'Delete the copy' }).click();
    await page.getByText(`${foreign.fileName} deleted from this computer`).waitFor();
    await foreignRow.waitFor({ state: 'detached' });
    // It does what it said: the gateway keeps the file, and the next pull skips it.
    expect(existsSync(foreignPath)).toBe(true);
    const [again] = await agent.pullNow('kiddie-coaster');
    expect(again?.result).toMatchObject({ quarantined: 0 });
    expect(agent.status().quarantined.map((d) => d.fileName)).toEqual([stray.fileName]);
    await rideCard(page, 'kiddie-coaster')
      .waitFor({ state: 'detached' })
      .catch(() => undefined);

    // Fetch again: the gateway's copy is downloaded and judged anew (still another ride's).
    const strayRow = kept.getByRole('row').filter({ hasText: stray.fileName });
    await strayRow.getByRole('button', { name: 'Fetch again from the gateway' }).click();
    await strayRow.getByRole('button', { name: 'Fetch it again' }).click();
    await page.getByText(`${stray.fileName} was fetched again and is still invalid`).waitFor();

    // The header's worst problem is gone with the foreign file: only a look remains.
    await headerBadge(page)
      .getByText(/^Needs a look: 1 drop quarantined/)
      .waitFor();
    expect(browser.problems().slice(earlierProblems)).toEqual([]);
  });

  it('turns the header from "All good" when central failed to process a drop, and says who fixes it', async () => {
    const earlierProblems = browser.problems().length;
    // A drop of a ride model central does not know: uploaded, then failed by the worker.
    const unknown = buildTestDrop({
      park: PARK,
      ride: 'mystery-ride',
      sequence: 5,
      manifestPatch: { model: 'no-such-model' },
    });
    await putOnGateway(gateway, 'mystery', unknown.fileName, unknown.zip);
    addPasswordRide('mystery-ride', 'mystery');
    await agent.pullNow('mystery-ride');

    const page = await openApp();
    const card = rideCard(page, 'mystery-ride');
    await card.getByText('Failed at central').first().waitFor({ timeout: 90_000 });
    await headerBadge(page).getByText('Needs a look: 1 drop failed at central').waitFor();
    expect(await card.textContent()).toContain('Zamperla sees the failure');
    await shot(page, 'overview-failed-at-central');
    await screen(page, 'Drops');
    await page
      .getByRole('table', { name: 'At central' })
      .getByRole('row')
      .filter({ hasText: unknown.fileName })
      .getByText('processing failed')
      .waitFor();
    expect(browser.problems().slice(earlierProblems)).toEqual([]);
  });

  it('shows central down with advice about central (not the gateway), and a fixed address tested and back online at once', async () => {
    const page = await openApp(WIDE, '#/settings');
    const settings = page.getByRole('form', { name: 'Settings' });
    const address = settings.getByLabel('Central address');
    const token = settings.getByLabel('Park token');

    // A new address without the token is refused beside the token field, in words.
    await address.fill('http://127.0.0.1:9');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    const tokenField = page.locator('.field').filter({ has: page.getByLabel('Park token') });
    await tokenField.getByText('Enter the park token again with the new central address').waitFor();
    // A token of the wrong shape: the agent's own reason, beside the field, no JSON.
    await token.fill('Bearer zra abc');
    await tokenField.getByText('Enter the park token again').waitFor({ state: 'detached' });
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await tokenField.getByText(/a park token is one word of 16 to 512 letters/).waitFor();
    expect(await settings.textContent()).not.toMatch(/\[\{|"path"|parkToken/);
    await shot(page, 'settings-error');
    await phoneShot('#/settings', 'settings-error', async (p) => {
      await p.getByLabel('Central address').fill('http://127.0.0.1:9');
      await p.getByLabel('Park token').fill('Bearer zra abc');
      await p.getByRole('button', { name: 'Save settings' }).click();
      await p.getByText(/a park token is one word of 16 to 512 letters/).waitFor();
    });

    // Central down (a wrong address, saved with the token): offline, with central's advice.
    await token.fill(parkToken);
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.getByText('Saved. The new settings apply now.').waitFor();
    await screen(page, 'Overview');
    const link = page.getByRole('region', { name: 'Link to central' });
    await link.getByText('Offline', { exact: true }).waitFor({ timeout: 30_000 });
    const words = (await link.textContent()) ?? '';
    expect(words).toContain('internet connection and the central address in Settings');
    expect(words).not.toMatch(/cable|gateway/i);
    expect(words).not.toContain('never');
    expect(words).toMatch(/Next try(in \d+ s|now|just now)/);
    await headerBadge(page).getByText('Needs action: central cannot be reached').waitFor();
    await shot(page, 'overview-central-down');
    await phoneShot('#/', 'overview-central-down', (p) =>
      p
        .getByRole('region', { name: 'Link to central' })
        .getByText('Offline', { exact: true })
        .waitFor(),
    );

    // The badge leads to Settings; the fixed address is tested before it is saved.
    await headerBadge(page).getByRole('link').click();
    await page.waitForURL(/#\/settings$/);
    await address.fill(central.url);
    await settings.getByRole('button', { name: 'Test central' }).click();
    await tokenField.getByText('Enter the park token again').waitFor({ state: 'detached' });
    await settings.getByText(/enter the park token again together with the new address/).waitFor();
    await token.fill('zra_wrongwrongwrongwrongwrongwrongwrongwrongwro');
    await settings.getByRole('button', { name: 'Test central' }).click();
    await settings
      .getByText(/central answers at this address but refused the park token/)
      .waitFor();
    await token.fill(parkToken);
    await settings.getByRole('button', { name: 'Test central' }).click();
    await settings
      .getByText('Central answers at this address and accepts the park token.')
      .waitFor();
    expect(agent.settings().centralUrl).toBe('http://127.0.0.1:9');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.getByText('Saved. The new settings apply now.').waitFor();
    // Tried at once: online well before the next backoff would end.
    await screen(page, 'Overview');
    await link.getByText('Online', { exact: true }).waitFor({ timeout: 10_000 });
    // Only the drop central failed to process (the test before) is left to look at.
    await headerBadge(page).getByText('Needs a look: 1 drop failed at central').waitFor();
    // The refused saves above are the agent's 400 answers, said in words on the page.
    expect(browser.problems().every((p) => p.includes('status of 400 (Bad Request)'))).toBe(true);
  });

  it("warns when the agent's time zone is not the park's, and says how to fix it", async () => {
    const page = await openApp(WIDE, '#/settings');
    const settings = page.getByRole('form', { name: 'Settings' });
    const zone = settings.getByLabel('Time zone');
    await zone.fill('asia/kolkata');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.getByText('Saved. The new settings apply now.').waitFor();
    // Kept as the technician and central spell it (ICU itself says Asia/Calcutta).
    expect(await zone.inputValue()).toBe('Asia/Kolkata');
    const banner = page
      .getByRole('alert')
      .filter({ hasText: "This agent's time zone is not the park's" });
    await banner
      .getByText(`central has the park in ${PARK_ZONE}, and its reports count ${PARK_ZONE} days`, {
        exact: false,
      })
      .waitFor();
    await page
      .getByText(
        `Times are Asia/Kolkata time (this agent's setting; central has the park in ${PARK_ZONE}).`,
        { exact: false },
      )
      .waitFor();
    // The field itself names central's zone.
    await settings
      .getByText(`The park's (central has it in ${PARK_ZONE})`, { exact: false })
      .waitFor();
    expect(await headerBadge(page).locator('.badge').getAttribute('title')).toContain(
      `time zone Asia/Kolkata is not the park's (${PARK_ZONE})`,
    );
    await shot(page, 'settings-time-zone-mismatch');

    // Set back to the park's: the warning goes, and the times are the park's again.
    await zone.fill(PARK_ZONE);
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.getByText('Saved. The new settings apply now.').waitFor();
    await banner.waitFor({ state: 'detached' });
    await page.getByText(`Times are ${PARK_ZONE} time (the park's).`, { exact: false }).waitFor();
  });

  it('refuses the API without the token and serves the one CSP', async () => {
    // The page without its token says how to get in; the API refuses it.
    const bare = await browser.newPage({ timezoneId: BROWSER_ZONE });
    await bare.goto(server.url);
    await bare.getByText("This page needs the agent's access link").waitFor();
    const api = await fetch(`${server.url}/trpc/status`);
    expect(api.status).toBe(401);
    const html = await fetch(server.url);
    const { UI_CSP } = await import('@zra/ui/server');
    expect(html.headers.get('content-security-policy')).toBe(UI_CSP);
  });
});
