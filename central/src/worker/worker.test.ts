import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateSmallDrop } from '@zra/shared';
import AdmZip from 'adm-zip';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import type { CentralConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { queueName, type QueueName } from '../queue/queue-names.ts';
import { reportStatus, requestReport } from '../reports/report-store.ts';
import { retryBatch } from '../batches/batch-retry.ts';
import {
  createParkClient,
  createTestEnvironment,
  createTestPark,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { buildTestDrop, type TestDropOptions } from '../testing/test-drop.ts';
import { failingBinDir } from '../testing/failing-bin.ts';
import { ConfigError } from '../config.ts';
import { startWorker } from './worker.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';

let env: TestEnvironment;
let central: RunningCentral;
let token: string;
let broker: ChannelModel;
let channel: ConfirmChannel;

beforeAll(async () => {
  env = await createTestEnvironment('worker');
  central = await startCentral(env.config);
  token = await createTestPark(env.pool);
  broker = await amqp.connect(env.config.amqpUrl);
  // Confirmed: a test that publishes and then drains must know the broker holds the message.
  channel = await broker.createConfirmChannel();
});

afterAll(async () => {
  await central?.close();
  await broker?.close();
  await env?.cleanup();
});

async function batch(id: string): Promise<{ state: string; error: string | null }> {
  const r = await env.pool.query('SELECT state, error FROM batches WHERE id = $1', [id]);
  return r.rows[0];
}

/** A UTC hour of its own for drop `n`: drops of one ride-window would be revisions. */
function windowStart(n: number): string {
  return new Date(Date.parse('2026-06-01T00:00:00Z') + n * 3_600_000).toISOString();
}

/** Uploads a drop and waits until the outbox has put it on the queue. */
async function queuedDrop(options: TestDropOptions) {
  const drop = buildTestDrop({ start: windowStart(options.sequence ?? 0), ...options });
  const result = await uploadDrop(createParkClient(central.url, token), drop.zip, drop.fileName);
  if (result.status !== 'stored') throw new Error(`upload ended ${result.status}`);
  await waitFor('queued', async () => (await batch(result.batchId)).state === 'queued', {
    timeoutMs: 20_000,
  });
  return { drop, batchId: result.batchId };
}

async function drain(
  config: CentralConfig = env.config,
  queues?: readonly QueueName[],
): Promise<void> {
  const worker = await startWorker(config, {
    drain: true,
    log: createLogger('silent'),
    retryDelayMs: 10,
    queues,
  });
  await worker.done;
}

async function resultRows(batchId: string) {
  const q = (sql: string) => env.pool.query(sql, [batchId]).then((r) => r.rows);
  return {
    cycles: await q('SELECT * FROM cycles WHERE batch_id = $1 ORDER BY ordinal'),
    alarms: await q('SELECT * FROM alarms WHERE batch_id = $1 ORDER BY ordinal'),
    breaches: await q('SELECT * FROM breaches WHERE batch_id = $1 ORDER BY ordinal'),
    quality: await q('SELECT * FROM quality_findings WHERE batch_id = $1 ORDER BY ordinal'),
    hourly: await q('SELECT * FROM hourly_aggregates WHERE batch_id = $1 ORDER BY hour_start'),
  };
}

async function jobRuns(subject: string) {
  const r = await env.pool.query(
    'SELECT attempt, outcome, error FROM job_runs WHERE subject = $1 ORDER BY id',
    [subject],
  );
  return r.rows;
}

async function published(messageId: string): Promise<boolean> {
  const r = await env.pool.query(
    'SELECT 1 FROM outbox WHERE message_id = $1 AND published_at IS NULL',
    [messageId],
  );
  return r.rowCount === 0;
}

async function errorCodes(subject: string) {
  const r = await env.pool.query<{ error_code: string | null }>(
    'SELECT error_code FROM job_runs WHERE subject = $1 ORDER BY id',
    [subject],
  );
  return r.rows.map((row) => row.error_code);
}

describe('worker', () => {
  let processedBatch: string;

  it('post-processes a queued batch: processed, one cycle row per entry of cycles.json', async () => {
    const { drop, batchId } = await queuedDrop({ sequence: 1, cycles: 4 });
    await drain();
    expect(await batch(batchId)).toEqual({ state: 'processed', error: null });
    const cyclesJson = drop.entries.find((e) => e.path === 'cycles.json');
    const expected = JSON.parse(cyclesJson?.content.toString('utf8') ?? '[]') as unknown[];
    const rows = await resultRows(batchId);
    expect(rows.cycles).toHaveLength(expected.length);
    expect(rows.alarms).toHaveLength(1);
    expect(rows.hourly.length).toBeGreaterThan(0);
    expect(rows.hourly.reduce((n, h) => n + h.cycles, 0)).toBe(4);
    expect(await jobRuns(batchId)).toEqual([{ attempt: 1, outcome: 'succeeded', error: null }]);
    processedBatch = batchId;
  });

  it('a drain pod limited to the report queue leaves postprocess work to its own pods', async () => {
    const { batchId } = await queuedDrop({ sequence: 40, cycles: 2 });
    await drain(env.config, ['report']);
    expect((await batch(batchId)).state).toBe('queued');
    await drain(env.config, ['postprocess']);
    expect(await batch(batchId)).toEqual({ state: 'processed', error: null });
  });

  it('processing the same message twice leaves the same rows', async () => {
    const before = await resultRows(processedBatch);
    channel.sendToQueue(
      queueName(env.config.queuePrefix, 'postprocess'),
      Buffer.from(JSON.stringify({ batchId: processedBatch })),
      { persistent: true, messageId: processedBatch },
    );
    // Unconfirmed, the message could reach the queue after the drain found it empty.
    await channel.waitForConfirms();
    await drain();
    expect(await resultRows(processedBatch)).toEqual(before);
    expect((await batch(processedBatch)).state).toBe('processed');
    expect(await jobRuns(processedBatch)).toHaveLength(2);
  });

  it('retries a transient failure up to the delivery limit, then shows the batch failed with the reason', async () => {
    const { batchId } = await queuedDrop({ sequence: 2 });
    const rustBinDir = await failingBinDir(1, 'cannot write the result: disk full', 'io_error');
    await drain({ ...env.config, rustBinDir });
    expect(await batch(batchId)).toEqual({
      state: 'failed',
      error:
        'the postprocessor failed (io_error): cannot write the result: disk full; gave up after 3 attempts. What to do: check free space and permissions of BLOB_DIR on the workers.',
    });
    const runs = await jobRuns(batchId);
    expect(runs.map((r) => [r.attempt, r.outcome])).toEqual([
      [1, 'retrying'],
      [2, 'retrying'],
      [3, 'failed'],
    ]);
    expect(runs[0]?.error).toBe(
      'the postprocessor failed (io_error): cannot write the result: disk full; trying again (attempt 2 of 3). If it keeps happening: check free space and permissions of BLOB_DIR on the workers.',
    );
    expect(await errorCodes(batchId)).toEqual(['io_error', 'io_error', 'io_error']);
    expect(await resultRows(batchId)).toMatchObject({ cycles: [], hourly: [] });
  });

  it('retries an error code it does not know, and says so', async () => {
    const { batchId } = await queuedDrop({ sequence: 5 });
    const rustBinDir = await failingBinDir(1, 'something new went wrong', 'brand_new_code');
    await drain({ ...env.config, rustBinDir });
    const runs = await jobRuns(batchId);
    expect(runs.map((r) => r.outcome)).toEqual(['retrying', 'retrying', 'failed']);
    expect((await batch(batchId)).error).toContain(
      'an error code this version of central does not know (brand_new_code): something new went wrong',
    );
  });

  it('fails an invalid drop (exit 2) at once: another attempt cannot help', async () => {
    const { batchId } = await queuedDrop({ sequence: 3 });
    const rustBinDir = await failingBinDir(2, 'the drop is invalid', 'hash_mismatch');
    await drain({ ...env.config, rustBinDir });
    const b = await batch(batchId);
    expect(b.state).toBe('failed');
    expect(b.error).toContain(
      'the postprocessor found the stored drop invalid (hash_mismatch): the drop is invalid. Not retried',
    );
    expect((await jobRuns(batchId)).map((r) => r.outcome)).toEqual(['failed']);
    const code = await env.pool.query('SELECT error_code FROM batches WHERE id = $1', [batchId]);
    expect(code.rows[0]?.error_code).toBe('hash_mismatch');
  });

  it('fails a drop for a ride model central does not know at once, and says an admin must add it', async () => {
    // The real postprocessor: the drop is valid, its model is missing from the ride models.
    const { batchId } = await queuedDrop({ sequence: 6, model: 'no-such-model' });
    await drain();
    const b = await batch(batchId);
    expect(b.state).toBe('failed');
    expect(b.error).toContain('no-such-model');
    expect(b.error).toContain(
      'an admin at central must add this ride model to the ride models file (RIDE_MODELS_PATH)',
    );
    expect(b.error).not.toMatch(/\/(tmp|work|home|var)\//);
    expect((await jobRuns(batchId)).map((r) => [r.attempt, r.outcome])).toEqual([[1, 'failed']]);
    expect(await errorCodes(batchId)).toEqual(['unknown_ride_model']);
  });

  it('never shows a server path in a job error (a report whose input file cannot be read)', async () => {
    const reportId = await requestReport(env.pool, {
      park: 'test-park',
      from: '2026-06-01T00:00:00Z',
      to: '2026-06-02T00:00:00Z',
    });
    await waitFor('report published', () => published(reportId), { timeoutMs: 20_000 });
    const tempFile = join(env.config.blobDir, 'tmp', '0b7e.report-input.json');
    const rustBinDir = await failingBinDir(
      3,
      `cannot read report input ${tempFile}: No such file or directory (os error 2)`,
      'input_unreadable',
    );
    await drain({ ...env.config, rustBinDir }, ['report']);
    const status = await reportStatus(env.pool, reportId);
    expect(status?.state).toBe('failed');
    expect(status?.error).toContain('cannot read report input (a file on the worker)');
    expect(status?.error).not.toContain(env.config.blobDir);
    const runs = await jobRuns(reportId);
    for (const run of runs) expect(run.error).not.toContain(env.config.blobDir);
  });

  it('a failed batch that is retried ends processed', async () => {
    const failed = await env.pool.query<{ id: string }>(
      "SELECT id FROM batches WHERE state = 'failed' ORDER BY received_at LIMIT 1",
    );
    const batchId = failed.rows[0]?.id as string;
    await retryBatch(env.pool, batchId);
    await waitFor('queued', async () => (await batch(batchId)).state === 'queued', {
      timeoutMs: 20_000,
    });
    await drain();
    expect(await batch(batchId)).toEqual({ state: 'processed', error: null });
  });

  it('refuses to start without its job binaries, naming the fix, and takes no job', async () => {
    const { batchId } = await queuedDrop({ sequence: 4 });
    const started = startWorker(
      { ...env.config, rustBinDir: '/nonexistent/bin' },
      { drain: true, log: createLogger('silent') },
    );
    await expect(started).rejects.toThrow(ConfigError);
    await expect(started).rejects.toThrow('cargo build --release');
    expect((await batch(batchId)).state).toBe('queued');
    await drain();
    expect((await batch(batchId)).state).toBe('processed');
  });

  it('builds a requested report: ready, with its PDF, HTML and a summary of the processed hours', async () => {
    const reportId = await requestReport(env.pool, {
      park: 'test-park',
      ride: 'revolution-1',
      from: '2026-06-01T00:00:00Z',
      to: '2026-06-02T00:00:00Z',
    });
    await waitFor('report published', () => published(reportId), { timeoutMs: 20_000 });
    await drain();
    const status = await reportStatus(env.pool, reportId);
    expect(status).toMatchObject({ state: 'ready', error: null });
    const files = status?.files;
    if (!files) throw new Error('a ready report has files');
    expect(files.pdf).toBe(join(env.config.blobDir, 'reports', reportId, 'report.pdf'));
    expect((await readFile(files.pdf)).subarray(0, 5).toString()).toBe('%PDF-');
    expect(await readFile(files.html, 'utf8')).toContain('<html');
    const summary = JSON.parse(await readFile(files.summary, 'utf8'));
    // A cycle counts once per (ride, cycle id) across the live batches of the period (the
    // test drops of different windows reuse cycle ids).
    const cycles = await env.pool.query<{ n: number }>(
      `SELECT count(DISTINCT (c.ride_id, c.cycle_id))::int AS n FROM cycles c
         JOIN batches b ON b.id = c.batch_id
        WHERE b.superseded_by IS NULL AND b.park_id = 'test-park' AND c.ride_id = 'revolution-1'
          AND c.start_at >= '2026-06-01T00:00:00Z' AND c.start_at < '2026-06-02T00:00:00Z'`,
    );
    expect(summary.format).toBe('zamperla.report-summary/v1');
    expect(summary.cycles).toBe(cycles.rows[0]?.n);
    expect(summary.cycles).toBeGreaterThan(0);
    expect((await jobRuns(reportId)).map((r) => r.outcome)).toEqual(['succeeded']);
  });

  it('a long-running worker processes batches as they arrive and stops cleanly', async () => {
    const worker = await startWorker(env.config, { log: createLogger('silent'), retryDelayMs: 10 });
    try {
      const drop = buildTestDrop({ sequence: 20, cycles: 2, start: windowStart(20) });
      const result = await uploadDrop(
        createParkClient(central.url, token),
        drop.zip,
        drop.fileName,
      );
      await waitFor('processed', async () => (await batch(result.batchId)).state === 'processed', {
        timeoutMs: 20_000,
      });
      expect((await resultRows(result.batchId)).cycles).toHaveLength(2);
    } finally {
      await worker.stop();
    }
  });

  it('post-processes a generated drop: one cycle row per entry of its cycles.json', async () => {
    const drop = generateSmallDrop({ park: 'test-park', ride: 'generated-1', seed: 7 });
    const cyclesJson = new AdmZip(drop.zip).getEntry('cycles.json')?.getData().toString('utf8');
    const expected = JSON.parse(cyclesJson ?? 'null') as unknown[];
    expect(expected.length).toBe(drop.cycles);
    const result = await uploadDrop(createParkClient(central.url, token), drop.zip, drop.fileName);
    if (result.status !== 'stored') throw new Error(`upload ended ${result.status}`);
    await waitFor('queued', async () => (await batch(result.batchId)).state === 'queued', {
      timeoutMs: 20_000,
    });
    await drain();
    expect(await batch(result.batchId)).toEqual({ state: 'processed', error: null });
    const rows = await resultRows(result.batchId);
    expect(rows.cycles).toHaveLength(expected.length);
    expect(rows.hourly.reduce((n, h) => n + h.cycles, 0)).toBe(expected.length);
  });
});
