/**
 * The demo: one park's day of ride data travels the whole path, by both paths into central.
 * Generator → OpenSSH SFTP gateway → headless park agent (SQLite buffer) → central API
 * (PostgreSQL, blob store, outbox → RabbitMQ) → worker (Rust postprocessor) → reports (Rust
 * reporter); one ride is pulled by central itself from the same gateway (central pull, a
 * download job on the worker), the others come through the park app. It prints progress in
 * plain words and ends with which path fed each ride and where the PDFs are.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { DEFAULT_OPENING_HOURS, localParts, localToUtc, parseDropFileName } from '@zra/shared';
import { startSftpGateway } from '../harness/sftp-gateway.ts';
import { PG_ADMIN_URL } from '../harness/postgres.ts';
import { AMQP_URL, CENTRAL_QUEUES, deleteQueues } from '../harness/rabbitmq.ts';
import { runToEnd, startPart, type RunningPart } from './child-process.ts';
import { freePort } from '../harness/port.ts';
import { waitForHttp } from './wait-for-http.ts';

const repoRoot = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const demoDir = join(repoRoot, '.data', 'demo');
const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
const PARK = 'parco-demo';
const TIMEZONE = 'Europe/Rome';
const DB_NAME = 'zra_demo';
const QUEUE_PREFIX = 'demo.';

const say = (line: string): boolean => process.stdout.write(`${line}\n`);
const parts: RunningPart[] = [];
let failure: string | null = null;
/** `npm run demo -- --serve`: keep everything running afterwards, to browse both UIs. */
const serve = process.argv.includes('--serve');

async function main(): Promise<void> {
  rmSync(demoDir, { recursive: true, force: true });
  for (const d of ['gateway', 'agent', 'central', 'logs', 'generated'])
    mkdirSync(join(demoDir, d), { recursive: true });
  const day = yesterdayIn(TIMEZONE);

  say(
    `\n1/6  Generating ride data: park "${PARK}", 3 rides, ${day} (${TIMEZONE}), 50 Hz telemetry`,
  );
  const generated = join(demoDir, 'generated');
  const generationStarted = Date.now();
  await runToEnd(tsx, [
    join(repoRoot, 'shared/src/generator/cli.ts'),
    ...['--park', PARK, '--rides', '3', '--from', day, '--hours', '24', '--seed', '20261127'],
    ...['--timezone', TIMEZONE, '--out', generated],
  ]);
  const rides = spreadOverRideFolders(generated, join(demoDir, 'gateway'));
  const total = [...rides.values()].reduce((a, b) => a + b, 0);
  say(
    `     ${total} drops written in ${seconds(generationStarted)} s: ${[...rides].map(([r, n]) => `${r} ${n}`).join(', ')}`,
  );

  say(
    '2/6  Starting the park gateway: OpenSSH SFTP server on 127.0.0.1, key login, pinned host key',
  );
  const gateway = await startSftpGateway({ root: join(demoDir, 'gateway') });
  say(
    `     sftp://${gateway.username}@${gateway.host}:${gateway.port}  host key ${gateway.hostKeySha256}`,
  );

  say(
    `3/6  Starting central: database "${DB_NAME}", RabbitMQ queues "${QUEUE_PREFIX}*", API and worker`,
  );
  await resetDemoDatabase();
  await deleteDemoQueues();
  const port = await freePort();
  const centralEnv = {
    // Seals the gateway login of the ride central pulls (a Kubernetes Secret in a cluster).
    GATEWAY_CREDENTIALS_KEY: randomBytes(32).toString('base64'),
    DATABASE_URL: dbUrl(),
    AMQP_URL,
    QUEUE_PREFIX,
    BLOB_DIR: join(demoDir, 'central'),
    PORT: String(port),
    LOG_LEVEL: 'info',
    // The demo serves the dashboard over plain HTTP on 127.0.0.1.
    SESSION_COOKIE_SECURE: 'false',
  };
  const centralCli = join(repoRoot, 'central/src/cli.ts');
  await runToEnd(tsx, [centralCli, 'migrate'], centralEnv);
  // A dashboard user for this run; the password is passed on stdin, never on a command line.
  const adminPassword = randomBytes(9).toString('base64url');
  await runToEnd(
    tsx,
    [centralCli, 'user', 'add', '--username', 'admin', '--admin'],
    centralEnv,
    adminPassword,
  );
  const token = (
    await runToEnd(
      tsx,
      [
        centralCli,
        'park',
        'create',
        '--id',
        PARK,
        '--name',
        'Parco Demo',
        '--timezone',
        TIMEZONE,
        // The generator's park opens 10:00–22:00: reports measure completeness against it.
        '--open',
        `${pad(DEFAULT_OPENING_HOURS.open)}:00`,
        '--close',
        `${pad(DEFAULT_OPENING_HOURS.close)}:00`,
      ],
      centralEnv,
    )
  ).trim();
  parts.push(
    startPart('central API', tsx, [centralCli, 'serve'], centralEnv, log('central-api'), fail),
  );
  parts.push(startPart('worker', tsx, [centralCli, 'worker'], centralEnv, log('worker'), fail));
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 30_000);
  say(`     API on http://127.0.0.1:${port}; park token issued (only its hash is stored)`);

  // One ride has no park app: central pulls it from the gateway itself (the original
  // system's way); the park app pulls and uploads the others.
  const [centralRide, ...appRides] = [...rides.keys()];
  if (!centralRide) throw new Error('the generator wrote no ride');
  say(
    `4/6  Central pull for ${centralRide}: central downloads it from the gateway on its schedule (key login, host key pinned)`,
  );
  await runToEnd(
    tsx,
    [
      centralCli,
      'pull',
      'source',
      ...['--park', PARK, '--ride', centralRide],
      ...['--sftp', `${gateway.host}:${gateway.port}`, '--user', gateway.username],
      ...['--key-file', gateway.privateKeyPath, '--dir', centralRide],
      // Every 10 seconds (six fields); a real park would pull every 15 minutes.
      ...['--cron', '*/10 * * * * *', '--host-key', gateway.hostKeySha256],
    ],
    centralEnv,
  );
  await runToEnd(
    tsx,
    [centralCli, 'pull', 'now', '--park', PARK, '--ride', centralRide],
    centralEnv,
  );
  say(
    `     the park agent: ${appRides.join(', ')}: pull over SFTP → SQLite buffer → upload over tRPC`,
  );
  const agentConfig = join(demoDir, 'agent', 'agent.json');
  writeFileSync(
    agentConfig,
    JSON.stringify(
      {
        park: PARK,
        dataDir: join(demoDir, 'agent'),
        central: { url: `http://127.0.0.1:${port}`, token },
        timezone: TIMEZONE,
        // A real park pulls every 15 minutes; the demo is impatient.
        upload: { intervalSeconds: 2 },
        globalViewSeconds: 5,
        rides: appRides.map((id) => ({
          id,
          remoteDir: id,
          schedule: ['*/5 * * * * *'],
          connection: {
            type: 'sftp',
            host: gateway.host,
            port: gateway.port,
            username: gateway.username,
            privateKeyPath: gateway.privateKeyPath,
            hostKeySha256: gateway.hostKeySha256,
          },
        })),
      },
      null,
      2,
    ),
  );
  const agentPort = await freePort();
  parts.push(
    startPart(
      'park agent',
      tsx,
      [
        join(repoRoot, 'desktop/src/core/cli.ts'),
        'agent',
        '--config',
        agentConfig,
        '--serve-status',
        '--status-port',
        String(agentPort),
      ],
      {},
      log('agent'),
      fail,
    ),
  );

  await waitForProcessing(total);

  await sayWhichPathFedEachRide();

  say('5/6  Requesting reports for the day: one per ride and one for the park');
  const { from, to } = dayBounds(day, TIMEZONE);
  const reportIds: string[] = [];
  for (const ride of [...rides.keys(), null]) {
    const rideArgs = ride ? ['--ride', ride] : [];
    const out = await runToEnd(
      tsx,
      [centralCli, 'report', 'request', '--park', PARK, ...rideArgs, '--from', from, '--to', to],
      centralEnv,
    );
    reportIds.push(out.trim());
  }
  const reports = await waitForReports(reportIds);

  say('6/6  Done. The reports:');
  for (const r of reports) say(`     ${r.ride ?? 'whole park'}:  ${r.pdf_path}`);
  say(
    `\nOpen a PDF (e.g. xdg-open ${reports[0]?.pdf_path ?? ''}); the same report as HTML sits beside it.`,
  );
  say(
    `Logs of every part: ${join(demoDir, 'logs')}. Central's data: database "${DB_NAME}" (psql -h 127.0.0.1 -U postgres ${DB_NAME}).`,
  );
  // The agent's link holds its access token: the demo names the 0600 file that opens it.
  const agentUi = `xdg-open ${join(demoDir, 'agent', 'open-ui.html')}  (http://127.0.0.1:${agentPort}/)`;
  const dashboard = `http://127.0.0.1:${port}/`;
  if (!serve) {
    say(
      'To browse the park agent app and the central dashboard too: npm run demo -- --serve (keeps running).',
    );
    say(
      'Next: read docs/architecture.md for how the parts fit, and run `npm test` to see every guarantee checked.',
    );
    await gateway.stop();
    return;
  }
  say(`\nEverything keeps running until you press Ctrl-C:`);
  say(`     park agent app:     ${agentUi}`);
  say(`     central dashboard:  ${dashboard}  (user admin, password ${adminPassword})`);
  say(
    `                         its Central pull page shows ${centralRide}'s downloads from the gateway`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  say('stopping the demo');
  await gateway.stop();
}

function pad(hour: number): string {
  return String(hour).padStart(2, '0');
}

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 1000);
}

function fail(message: string): void {
  failure ??= message;
}

function log(name: string): string {
  return join(demoDir, 'logs', `${name}.log`);
}

function dbUrl(): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${DB_NAME}`;
  return url.toString();
}

/** Real gateways keep one folder per ride; the generator writes one flat folder. */
function spreadOverRideFolders(from: string, gatewayRoot: string): Map<string, number> {
  const rides = new Map<string, number>();
  for (const name of readdirSync(from).sort()) {
    const parsed = parseDropFileName(name);
    if (!parsed) continue;
    mkdirSync(join(gatewayRoot, parsed.ride), { recursive: true });
    renameSync(join(from, name), join(gatewayRoot, parsed.ride, name));
    rides.set(parsed.ride, (rides.get(parsed.ride) ?? 0) + 1);
  }
  return rides;
}

async function resetDemoDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DB_NAME}`);
  } finally {
    await admin.end();
  }
}

/** A previous demo run may have left messages for batches that no longer exist. */
async function deleteDemoQueues(): Promise<void> {
  await deleteQueues(QUEUE_PREFIX, CENTRAL_QUEUES);
}

async function waitForProcessing(total: number): Promise<void> {
  const db = new pg.Client({ connectionString: dbUrl() });
  await db.connect();
  let last = '';
  let lastPrintedAt = 0;
  const started = Date.now();
  try {
    for (;;) {
      if (failure) throw new Error(failure);
      const { rows } = await db.query<{ state: string; n: string }>(
        'SELECT state, count(*) AS n FROM batches GROUP BY state',
      );
      const by = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
      const received = Object.values(by).reduce((a, b) => a + b, 0);
      const done = (by.processed ?? 0) + (by.failed ?? 0) + (by.quarantined ?? 0);
      const line = `     central received ${received}/${total} drops · processed ${by.processed ?? 0} · failed ${by.failed ?? 0} · quarantined ${by.quarantined ?? 0}`;
      if (line !== last && (Date.now() - lastPrintedAt >= 3000 || done >= total)) {
        say(line);
        last = line;
        lastPrintedAt = Date.now();
      }
      if (done >= total) {
        say(`     all ${total} drops handled in ${seconds(started)} s`);
        return;
      }
      if (Date.now() - started > 15 * 60_000)
        throw new Error(
          `only ${done}/${total} drops were handled after 15 minutes; see the logs in ${join(demoDir, 'logs')}`,
        );
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await db.end();
  }
}

/** The demo's summary of the two paths: which one brought each ride's drops in. */
async function sayWhichPathFedEachRide(): Promise<void> {
  const db = new pg.Client({ connectionString: dbUrl() });
  await db.connect();
  try {
    const { rows } = await db.query<{ ride: string; source: string; n: number }>(
      `SELECT ride_id AS ride, source, count(*)::int AS n FROM batches
        WHERE ride_id IS NOT NULL GROUP BY ride_id, source ORDER BY ride_id, source`,
    );
    say('     which path fed each ride:');
    for (const r of rows) {
      const path =
        r.source === 'central'
          ? 'central pull (central downloaded it from the gateway)'
          : 'park app (the agent pulled and uploaded it)';
      say(`       ${r.ride}: ${path}, ${r.n} drops`);
    }
  } finally {
    await db.end();
  }
}

interface ReportRow {
  id: string;
  ride: string | null;
  state: string;
  pdf_path: string;
  error: string | null;
}

async function waitForReports(ids: string[]): Promise<ReportRow[]> {
  const db = new pg.Client({ connectionString: dbUrl() });
  await db.connect();
  const started = Date.now();
  try {
    for (;;) {
      if (failure) throw new Error(failure);
      const { rows } = await db.query<ReportRow>(
        'SELECT id, ride_id AS ride, state, pdf_path, error FROM reports WHERE id = ANY($1)',
        [ids],
      );
      const failed = rows.find((r) => r.state === 'failed');
      if (failed)
        throw new Error(
          `the report for ${failed.ride ?? 'the park'} failed: ${failed.error ?? 'no reason recorded'}`,
        );
      if (rows.length === ids.length && rows.every((r) => r.state === 'ready')) return rows;
      if (Date.now() - started > 5 * 60_000)
        throw new Error(`reports not ready after 5 minutes; see ${log('worker')}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await db.end();
  }
}

/** Yesterday's date in the park's time zone, so the demo day is always a whole past day. */
function yesterdayIn(timeZone: string): string {
  const p = localParts(Date.now(), timeZone);
  const d = new Date(Date.UTC(p.year, p.month - 1, p.day - 1));
  return d.toISOString().slice(0, 10);
}

/** UTC instants of local midnight to the next local midnight (23 or 25 h on DST days). */
function dayBounds(day: string, timeZone: string): { from: string; to: string } {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return {
    from: new Date(localToUtc(timeZone, y, m, d)).toISOString(),
    to: new Date(localToUtc(timeZone, y, m, d + 1)).toISOString(),
  };
}

try {
  await main();
} catch (err) {
  process.stderr.write(
    `\n✗ The demo stopped: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exitCode = 1;
} finally {
  await Promise.all(parts.map((p) => p.stop()));
}
