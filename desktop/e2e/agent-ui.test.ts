/**
 * The park agent's UI in a real browser, with every part real: the headless agent serving the
 * built renderer, an OpenSSH SFTP gateway with a password login, and central with its worker
 * (PostgreSQL, RabbitMQ, the Rust postprocessor and reporter). A technician adds a ride,
 * tests the connection, accepts the host key, pulls, sees the drops processed and opens the
 * report. Screenshots of every screen go to docs/screenshots/ with ZRA_SCREENSHOTS=docs.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type pg from 'pg';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDrops, type GeneratedDrop } from '@zra/shared';
import {
  createPark,
  createPool,
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
import { startBrowser, type TestBrowser } from '../../scripts/harness/browser.ts';
import { createTestDatabase, type TestDatabase } from '../../scripts/harness/postgres.ts';
import { AMQP_URL, deleteQueues, uniqueQueuePrefix } from '../../scripts/harness/rabbitmq.ts';
import { startSftpGateway, type SftpGateway } from '../../scripts/harness/sftp-gateway.ts';
import { waitFor } from '../../scripts/harness/wait-for.ts';

const PARK = 'lago-ui';
const RIDE = 'thunder-loop';
const QUEUE_PREFIX = uniqueQueuePrefix('agent-ui');
const REPO = fileURLToPath(new URL('../../', import.meta.url));

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
    }),
    port: 0,
  };
  central = await startCentral(config);
  worker = await startWorker(config);
  pool = createPool(db.url);
  ({ token: parkToken } = await createPark(pool, {
    id: PARK,
    name: 'Lago UI',
    timezone: 'Europe/Rome',
  }));

  // No rides in the file: the technician adds the ride in the UI.
  agent = await createAgent(
    parseAgentConfig({
      park: PARK,
      dataDir: join(dir, 'agent'),
      central: { url: central.url, token: parkToken },
      minAgeSeconds: 0,
      upload: { intervalSeconds: 1 },
      globalViewSeconds: 1,
      heartbeatSeconds: 5,
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
  await deleteQueues(QUEUE_PREFIX, ['postprocess', 'postprocess.dlq', 'report', 'report.dlq']);
  await gateway?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shotDir, `desktop-${name}.png`), fullPage: true });
}

async function screen(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name }).click();
  await page.getByRole('heading', { level: 2, name, exact: true }).waitFor();
}

describe('the park agent UI, served by the headless agent', () => {
  it('lets a technician add a ride, accept its host key, pull, see the drops processed and open the report', async () => {
    const page = await browser.newPage();
    await page.goto(server.uiUrl);
    // The token left the address bar; the page still talks to the agent.
    await page.getByText('Not contacted yet').or(page.getByText('Online')).first().waitFor();
    expect(page.url()).not.toContain(server.token);
    await page.getByText('No rides yet.').waitFor();
    await shot(page, 'overview-empty');

    // Add the ride with the gateway's password login.
    await screen(page, 'Rides');
    await page.getByRole('button', { name: 'Add a ride' }).click();
    const form = page.getByRole('form', { name: 'Add a ride' });
    await form.getByLabel('Ride name', { exact: true }).fill(RIDE);
    await form.getByLabel('Gateway address', { exact: true }).fill(gateway.host);
    await form.getByLabel('Port', { exact: true }).fill(String(gateway.port));
    await form.getByLabel('User name', { exact: true }).fill(login.username);
    await form.getByLabel('Password', { exact: true }).fill(login.password);
    await form.getByLabel('Remote folder', { exact: true }).fill(RIDE);
    await form.getByLabel('When to pull', { exact: true }).fill('*/15 9-19 * * *');
    await form.getByText('every 15 minutes', { exact: false }).waitFor();
    // The rules are read in the agent's time zone, and the form says which one.
    const { timeZone } = agent.settings();
    await form.getByText(`in ${timeZone} time (change it in Settings)`, { exact: false }).waitFor();
    await shot(page, 'rides-form');
    await form.getByRole('button', { name: 'Save ride' }).click();

    // Test the connection: the gateway's fingerprint is shown and nothing was sent to it.
    const card = page.getByRole('article', { name: `Ride ${RIDE}` });
    await card
      .getByText(`every 15 minutes from 09:00 to 19:59, every day (${timeZone} time)`)
      .waitFor();
    await card.getByRole('button', { name: 'Test connection' }).click();
    const fingerprint = card.locator('.fingerprint');
    await fingerprint.waitFor();
    expect(await fingerprint.textContent()).toBe(gateway.hostKeySha256);
    await shot(page, 'rides-host-key');
    await card.getByRole('button', { name: 'Accept this host key' }).click();
    await fingerprint.waitFor({ state: 'detached' });

    // Tested again: the login works and the drops are there.
    await card.getByRole('button', { name: 'Test connection' }).click();
    await card.getByText(`${drops.length} drop files (.zip) in the folder`).waitFor();
    await shot(page, 'rides');
    await card.getByRole('button', { name: 'Pull now' }).click();

    // Drops: central processed every one of them.
    await screen(page, 'Drops');
    const processed = page.getByRole('table').last().getByText('processed', { exact: true });
    await waitFor(
      'every drop processed at central, as the Drops screen shows it',
      async () => ((await processed.count()) === drops.length ? true : null),
      { timeoutMs: 90_000 },
    );
    await shot(page, 'drops');

    await screen(page, 'Overview');
    await page
      .getByRole('article', { name: `Ride ${RIDE}` })
      .getByText('Gateway reached')
      .waitFor();
    await page.getByText(`${drops.length} drops, ${drops.length} processed`).waitFor();
    await shot(page, 'overview');

    // The report: requested at central, listed by the agent, opened as a PDF.
    await screen(page, 'Reports');
    await page.getByText('No reports yet.').waitFor();
    await shot(page, 'reports-empty');
    const reportId = await requestReport(pool, {
      park: PARK,
      ride: RIDE,
      from: '2026-06-06T00:00:00Z',
      to: '2026-06-07T00:00:00Z',
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
    const open = page.getByRole('button', { name: 'Open PDF' });
    await open.waitFor({ timeout: 30_000 });
    await shot(page, 'reports');
    const [download] = await Promise.all([page.waitForEvent('download'), open.click()]);
    const pdfPath = join(dir, 'report.pdf');
    await download.saveAs(pdfPath);
    expect(readFileSync(pdfPath).subarray(0, 5).toString()).toBe('%PDF-');
    // Inside Electron the screen takes the PDF from the router instead (no HTTP route there).
    const overIpc = await createStatusRouter(agent)
      .createCaller({ authorized: true })
      .reports.pdf({ reportId });
    expect(Buffer.from(overIpc.pdfBase64, 'base64').equals(readFileSync(pdfPath))).toBe(true);
    expect(overIpc.fileName).toBe(`report-${reportId}.pdf`);

    await screen(page, 'Settings');
    await page.getByLabel('Central address').waitFor();
    expect(await page.getByLabel('Central address').inputValue()).toBe(central.url);
    await shot(page, 'settings');

    await screen(page, 'Activity');
    await page
      .getByText(/^pull finished: \d+ new/)
      .first()
      .waitFor();
    await shot(page, 'activity');

    expect(browser.problems()).toEqual([]);
  });

  it('shows a failing ride with what to do, and refuses the API without the token', async () => {
    // A second ride whose password is wrong (its host key is already known).
    agent.addRide({
      id: 'wild-mouse',
      remoteDir: RIDE,
      connection: {
        type: 'sftp',
        host: gateway.host,
        port: gateway.port,
        username: login.username,
        password: 'not-the-password',
        hostKeySha256: gateway.hostKeySha256,
      },
    });
    await agent.pullNow('wild-mouse');
    const page = await browser.newPage();
    await page.goto(server.uiUrl);
    const card = page.getByRole('article', { name: 'Ride wild-mouse' });
    await card.getByText('What to do:').waitFor();
    expect(await card.textContent()).toMatch(/user name and password|gateway/i);
    await shot(page, 'overview-error');
    agent.removeRide('wild-mouse');

    // Keyboard only: Tab reaches the screen buttons, Enter opens one.
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      if ((await page.locator(':focus').textContent()) === 'Settings') break;
    }
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 2, name: 'Settings' }).waitFor();

    // A wrong value is explained before anything is sent, and nothing is saved.
    await page.getByLabel('Buffer size limit (GiB)').fill('0');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('The settings were not saved').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain(
      'Give the buffer size limit as a number of GiB greater than 0',
    );
    await shot(page, 'settings-error');
    expect(agent.settings().bufferMaxBytes).toBeGreaterThan(0);

    // The agent's own refusal is shown in words; a good value then applies while it runs.
    await page.getByLabel('Buffer size limit (GiB)').fill('2');
    await page.getByLabel('Time zone').fill('Mars/Olympus_Mons');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('The settings were not saved').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain(
      '"Mars/Olympus_Mons" is not an IANA time zone',
    );
    await page.getByLabel('Time zone').fill('America/New_York');
    await page.getByLabel('Rides pulled at once').fill('1');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved. The new settings apply now.').waitFor();
    expect(agent.settings()).toMatchObject({ timeZone: 'America/New_York', maxConcurrentPulls: 1 });

    // The page without its token says how to get in; the API refuses it.
    const bare = await browser.newPage();
    await bare.goto(server.url);
    await bare.getByText("This page needs the agent's access link").waitFor();
    const api = await fetch(`${server.url}/trpc/status`);
    expect(api.status).toBe(401);
    const html = await fetch(server.url);
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
    // Only the refused time zone above, which the agent answers 400 on purpose.
    expect(browser.problems()).toEqual([
      'console error: Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);
  });

  it("marks the card of a ride whose folder holds another ride's drops, once, with the file and the fix", async () => {
    const earlierProblems = browser.problems().length;
    // A ride configured on the folder of thunder-loop: every drop there names thunder-loop.
    agent.addRide({
      id: 'kiddie-coaster',
      remoteDir: RIDE,
      connection: {
        type: 'sftp',
        host: gateway.host,
        port: gateway.port,
        username: login.username,
        password: login.password,
        hostKeySha256: gateway.hostKeySha256,
      },
    });
    const [pulled] = await agent.pullNow('kiddie-coaster');
    expect(pulled).toMatchObject({
      error: null,
      result: { quarantined: drops.length, failed: [] },
    });
    const api = createStatusRouter(agent).createCaller({ authorized: true });
    const entries = async () =>
      (await api.activity.list({ limit: 500 })).events.filter(
        (e) => e.kind === 'quarantine' && e.ride === 'kiddie-coaster',
      );
    const logged = await entries();
    expect(logged[0]?.message).toMatch(
      / quarantined \(ride_mismatch\): The drop is of ride "thunder-loop"/,
    );

    const page = await browser.newPage();
    await page.goto(server.uiUrl);
    const card = page.getByRole('article', { name: 'Ride kiddie-coaster' });
    await card.getByText('Drops kept aside').waitFor();
    const text = (await card.textContent()) ?? '';
    expect(drops.some((d) => text.includes(d.fileName))).toBe(true);
    expect(text).toContain(
      `The drop is of ride "${RIDE}", but it lies in the folder "${RIDE}" of ride "kiddie-coaster"`,
    );
    expect(text).toContain('Correct the ride id in the PLC export');
    expect(text).not.toContain('Last pull failed');
    // The ride whose drops they are shows nothing of it.
    expect(await page.getByRole('article', { name: `Ride ${RIDE}` }).textContent()).not.toContain(
      'Kept aside',
    );
    await shot(page, 'overview-kept-aside');

    // Said once: the next pull knows the files and writes nothing more.
    await agent.pullNow('kiddie-coaster');
    expect(await entries()).toHaveLength(logged.length);
    agent.removeRide('kiddie-coaster');
    expect(browser.problems().slice(earlierProblems)).toEqual([]);
  });
});
