import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDrops, loadRideModels } from '@zra/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../db/pool.ts';
import { createPark } from '../parks/park-store.ts';
import { buildReportInput } from '../reports/report-input.ts';
import { reportInputSchema } from '../reports/report-input-schema.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import { postprocessResultSchema } from './postprocess-result.ts';
import { runJobBinary } from './run-job-binary.ts';
import { writeBatchResults } from './write-batch-results.ts';

/**
 * The two job contracts (docs/job-contracts.md) checked across languages: what one side
 * writes, the other side's own parser must take. zod strips keys it does not know, so "the
 * parse equals the raw JSON" also proves the Rust side writes no field central would drop;
 * serde's deny_unknown_fields does the same for what central gives the reporter.
 */
const RUST_REPORT_FIXTURE = fileURLToPath(
  new URL('../../../rust/crates/reporter/tests/data/ride-week.input.json', import.meta.url),
);
const JOB_TIMEOUT_MS = 60_000;

let env: TestEnvironment;
let work: string;

beforeAll(async () => {
  env = await createTestEnvironment('job_contracts');
  work = await mkdtemp(join(tmpdir(), 'zra-contracts-'));
  await createPark(env.pool, {
    id: 'contract-park',
    name: 'Contract Park',
    timezone: 'Europe/Rome',
  });
  await env.pool.query(
    `INSERT INTO rides (park_id, id, model, name)
     VALUES ('contract-park', 'rev-1', 'discovery-revolution', 'Revolution')`,
  );
});

afterAll(async () => {
  await env?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('job contracts between central and the Rust jobs', () => {
  it("takes the Rust reporter's own test input with central's report-input schema", async () => {
    const raw: unknown = JSON.parse(await readFile(RUST_REPORT_FIXTURE, 'utf8'));

    const parsed = reportInputSchema.safeParse(raw);

    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data).toEqual(raw);
  });

  it("takes the postprocessor's output whole, and the reporter takes the input central builds from it", async () => {
    const models = loadRideModels();
    // Three busy park-local hours with the rare events on: cycles, alarms, breaches and
    // quality findings all appear, so every part of both contracts is crossed.
    const drops = generateDrops(
      {
        park: 'contract-park',
        rides: [{ id: 'rev-1', model: 'discovery-revolution' }],
        from: '2026-07-18',
        fromHour: 14,
        hours: 3,
        rateHz: 5,
        seed: 7,
      },
      models,
    );
    const results = [];
    for (const drop of drops) {
      const zip = join(work, drop.fileName);
      const out = join(work, `${drop.fileName}.json`);
      await writeFile(zip, drop.zip);
      await runJobBinary(
        join(env.config.rustBinDir, 'postprocessor'),
        ['--drop', zip, '--ride-models', env.config.rideModelsPath, '--out', out],
        JOB_TIMEOUT_MS,
      );
      const raw: unknown = JSON.parse(await readFile(out, 'utf8'));
      const parsed = postprocessResultSchema.safeParse(raw);
      expect(parsed.error?.issues ?? []).toEqual([]);
      expect(parsed.data).toEqual(raw);
      if (parsed.data) results.push(parsed.data);
    }
    expect(results.flatMap((r) => r.cycles).length).toBeGreaterThan(0);
    expect(results.flatMap((r) => r.alarms).length).toBeGreaterThan(0);

    for (const result of results) {
      const batchId = randomUUID();
      await withTransaction(env.pool, async (c) => {
        await c.query(
          `INSERT INTO batches (id, park_id, ride_id, sequence, window_start, window_end, sha256,
                                content_id, bytes, file_name, blob_path, state, processed_at)
           VALUES ($1, 'contract-park', 'rev-1', $2, $3, $4, $5, $5, 1, 'x.zip', '/x',
                   'processed', now())`,
          [
            batchId,
            result.drop.sequence,
            result.drop.window.start,
            result.drop.window.end,
            result.drop.contentId,
          ],
        );
        await writeBatchResults(c, { batchId, parkId: 'contract-park', rideId: 'rev-1' }, result);
      });
    }
    const first = drops[0];
    const last = drops.at(-1);
    if (!first || !last) throw new Error('the generator made no drops');
    const input = await buildReportInput(
      env.pool,
      {
        parkId: 'contract-park',
        rideId: 'rev-1',
        start: new Date(first.manifest.window.start),
        end: new Date(last.manifest.window.end),
        language: 'it',
      },
      models,
    );
    const inputPath = join(work, 'report-input.json');
    await writeFile(inputPath, JSON.stringify(input));
    const outDir = join(work, 'report');

    await runJobBinary(
      join(env.config.rustBinDir, 'reporter'),
      ['--input', inputPath, '--out-dir', outDir],
      JOB_TIMEOUT_MS,
    );

    expect(input.hourly.length).toBe(3);
    for (const file of ['report.pdf', 'report.html', 'summary.json']) {
      expect((await stat(join(outDir, file))).size).toBeGreaterThan(0);
    }
  });
});
