/**
 * The walking skeleton, end to end, with every part real: generated drops on an OpenSSH SFTP
 * gateway → park agent (SQLite buffer) → central API (PostgreSQL, blob store, outbox) →
 * RabbitMQ → worker running the Rust postprocessor → Rust reporter → PDF.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AdmZip from 'adm-zip';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cyclesFileSchema, generateDrops, type GeneratedDrop } from '@zra/shared';
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
import { createAgent, parseAgentConfig, type Agent } from '@zra/desktop';
import { startSftpGateway, type SftpGateway } from '../harness/sftp-gateway.ts';
import { createTestDatabase, type TestDatabase } from '../harness/postgres.ts';
import { AMQP_URL, CENTRAL_QUEUES, deleteQueues, uniqueQueuePrefix } from '../harness/rabbitmq.ts';
import { waitFor } from '../harness/wait-for.ts';

const PARK = 'lago-e2e';
const QUEUE_PREFIX = uniqueQueuePrefix('e2e');
const RIDE = 'thunder-loop';

let dir: string;
let gateway: SftpGateway;
let db: TestDatabase;
let pool: pg.Pool;
let central: RunningCentral;
let worker: RunningWorker;
let token: string;
let drops: GeneratedDrop[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zra-e2e-'));
  // Three consecutive afternoon hours of one ride; 10 Hz keeps the test quick.
  drops = generateDrops({
    park: PARK,
    rides: [{ id: RIDE, model: 'discovery-revolution' }],
    from: '2026-06-06',
    fromHour: 14,
    hours: 3,
    seed: 11,
    rateHz: 10,
  });
  mkdirSync(join(dir, 'gateway', RIDE), { recursive: true });
  for (const d of drops) writeFileSync(join(dir, 'gateway', RIDE, d.fileName), d.zip);

  gateway = await startSftpGateway({ root: join(dir, 'gateway') });
  db = await createTestDatabase('e2e');
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
    port: 0, // any free port: tests run side by side
  };
  central = await startCentral(config);
  worker = await startWorker(config);
  pool = createPool(db.url);
  ({ token } = await createPark(pool, { id: PARK, name: 'Lago E2E', timezone: 'Europe/Rome' }));
});

afterAll(async () => {
  await worker?.stop();
  await central?.close();
  await pool?.end();
  await db?.drop();
  await deleteQueues(QUEUE_PREFIX, CENTRAL_QUEUES);
  await gateway?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function agentFor(parkToken: string, dataDir: string): Promise<Agent> {
  return createAgent(
    parseAgentConfig({
      park: PARK,
      dataDir: join(dir, dataDir),
      central: { url: central.url, token: parkToken },
      minAgeSeconds: 0,
      rides: [
        {
          id: RIDE,
          remoteDir: RIDE,
          connection: {
            type: 'sftp',
            host: gateway.host,
            port: gateway.port,
            username: gateway.username,
            privateKeyPath: gateway.privateKeyPath,
            hostKeySha256: gateway.hostKeySha256,
          },
        },
      ],
    }),
  );
}

/** Counted from the zips themselves, independently of any part under test. */
function cyclesInZips(): number {
  return drops.reduce((sum, d) => {
    const entry = new AdmZip(d.zip).getEntry('cycles.json');
    if (!entry) throw new Error(`${d.fileName} has no cycles.json`);
    return sum + cyclesFileSchema.parse(JSON.parse(entry.getData().toString('utf8'))).length;
  }, 0);
}

async function tableCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['batches', 'cycles', 'alarms', 'hourly_aggregates', 'outbox']) {
    const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    counts[table] = Number(rows[0]?.n);
  }
  return counts;
}

async function processedBatches(): Promise<number | null> {
  const { rows } = await pool.query<{ n: string }>(
    "SELECT count(*) AS n FROM batches WHERE state = 'processed'",
  );
  const n = Number(rows[0]?.n);
  return n === drops.length ? n : null;
}

describe('one park, one ride, three drops, every part real', () => {
  it('stores exactly the cycles the drops hold, and the PDF report names the ride and its cycle count', async () => {
    const expectedCycles = cyclesInZips();
    expect(expectedCycles).toBeGreaterThan(0);

    const agent = await agentFor(token, 'agent');
    const first = await agent.runOnce();
    expect(first.upload.acknowledged).toBe(drops.length);
    await waitFor('three processed batches', processedBatches, { timeoutMs: 60_000 });

    const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM cycles');
    expect(Number(rows[0]?.n)).toBe(expectedCycles);

    // A second pull and upload finds nothing new and changes no row.
    const before = await tableCounts();
    const second = await agent.runOnce();
    expect(second.upload.acknowledged).toBe(0);
    expect(second.drops.acknowledged).toBe(drops.length);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await tableCounts()).toEqual(before);
    await agent.close();

    const first3 = drops[0];
    const last = drops.at(-1);
    if (!first3 || !last) throw new Error('no drops generated');
    const reportId = await requestReport(pool, {
      park: PARK,
      ride: RIDE,
      from: '2026-06-06T00:00:00Z',
      to: '2026-06-07T00:00:00Z',
    });
    const report = await waitFor(
      'the report',
      async () => {
        const s = await reportStatus(pool, reportId);
        if (s?.state === 'failed') throw new Error(`report failed: ${s.error}`);
        return s?.state === 'ready' ? s : null;
      },
      { timeoutMs: 60_000 },
    );
    const pdf = report.files?.pdf;
    if (!pdf) throw new Error('a ready report has no PDF path');
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    expect(text).toContain(RIDE);
    expect(text).toMatch(new RegExp(`Cycles\\s+${expectedCycles}\\b`));
  });

  it('keeps drops buffered with an actionable message when central refuses the park token', async () => {
    const agent = await agentFor('not-the-park-token-0000000000000000', 'agent-wrong-token');
    const run = await agent.runOnce();
    expect(run.upload.acknowledged).toBe(0);
    expect(run.upload.error).toMatch(/token/i);
    expect(run.drops.buffered).toBe(drops.length);
    await agent.close();
  });
});
