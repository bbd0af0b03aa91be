import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDropFileName, verifyDrop } from '@zra/shared';
import AdmZip from 'adm-zip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { createLogger } from '../logger.ts';
import { createPark } from '../parks/park-store.ts';
import {
  createParkClient,
  createTestEnvironment,
  sendChunk,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { startWorker } from '../worker/worker.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';

// Commit checks only a drop's outline (drop-outline.ts); the postprocess job checks every entry.
// Whichever of the two refuses a bad drop, it must end as the park agent would have shown it:
// quarantined with verifyDrop's code and sentence, nothing of it counted, seen in park.drops.

let env: TestEnvironment;
let central: RunningCentral;
const tokens = new Map<string, string>();

beforeAll(async () => {
  env = await createTestEnvironment('full_check');
  central = await startCentral(env.config);
  for (const id of ['gardaland-demo', 'test-park']) {
    const { token } = await createPark(env.pool, { id, name: id, timezone: 'Europe/Rome' });
    tokens.set(id, token);
  }
});

afterAll(async () => {
  await central?.close();
  await env?.cleanup();
});

const client = (park: string) => createParkClient(central.url, tokens.get(park) ?? '');

/** Waits until the outbox has handed every stored batch to the queue, then drains it. */
async function drain(): Promise<void> {
  await waitFor(
    'every stored batch queued',
    async () =>
      (await env.pool.query("SELECT 1 FROM batches WHERE state = 'stored'")).rowCount === 0,
    { timeoutMs: 20_000 },
  );
  const worker = await startWorker(env.config, {
    drain: true,
    log: createLogger('silent'),
    retryDelayMs: 10,
  });
  await worker.done;
}

interface BatchRow {
  state: string;
  error_code: string | null;
  error: string | null;
  content_id: string | null;
  superseded_by: string | null;
}

async function batch(id: string): Promise<BatchRow> {
  const r = await env.pool.query<BatchRow>(
    'SELECT state, error_code, error, content_id, superseded_by FROM batches WHERE id = $1',
    [id],
  );
  const row = r.rows[0];
  if (!row) throw new Error(`no batch ${id}`);
  return row;
}

/** Rows of every processed table that belong to the batch. */
async function countedRows(batchId: string): Promise<number> {
  let n = 0;
  for (const table of ['cycles', 'alarms', 'breaches', 'quality_findings', 'hourly_aggregates']) {
    const r = await env.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE batch_id = $1`, [
      batchId,
    ]);
    n += (r.rows[0] as { n: number }).n;
  }
  return n;
}

/** What park.drops (the agent's global view) says of a batch. */
async function parkView(park: string, batchId: string) {
  const page = await client(park).park.drops.query({ limit: 500 });
  return page.drops.find((d) => d.batchId === batchId);
}

/** A drop's zip with one byte of an entry's compressed data changed (its CRC no longer holds). */
function damageEntry(zip: Buffer, entry: string): Buffer {
  const out = Buffer.from(zip);
  const at = out.indexOf(Buffer.from(entry));
  // The local header's name: its data starts after the name and the extra field.
  const header = at - 30;
  const data = at + out.readUInt16LE(header + 26) + out.readUInt16LE(header + 28);
  out.writeUInt8(out.readUInt8(data + 5) ^ 0x5a, data + 5);
  return out;
}

/** Begin with the content id the sender claims (a lying sender), chunks, commit. */
async function uploadClaiming(park: string, zip: Buffer, fileName: string, contentId: string) {
  const c = client(park);
  const sha256 = createHash('sha256').update(zip).digest('hex');
  const begun = await c.ingest.begin.mutate({ sha256, contentId, bytes: zip.length, fileName });
  if (begun.status === 'duplicate') return begun;
  await sendChunk(c, begun.uploadId, 0, zip);
  return c.ingest.commit.mutate({ uploadId: begun.uploadId });
}

interface Vector {
  file: string;
  fileName: string | null;
  ok: boolean;
  code?: string;
  limits?: unknown;
  receivedAt?: string;
}

/** The name a PLC would give the vector: from its manifest when one is readable. */
function nameOf(v: Vector, zip: Buffer): string {
  if (v.fileName) return v.fileName;
  try {
    const m = JSON.parse(
      new AdmZip(zip).getEntry('manifest.json')?.getData().toString('utf8') ?? '',
    ) as { park: string; ride: string; window: { start: string }; sequence: number };
    return formatDropFileName({
      park: m.park,
      ride: m.ride,
      windowStart: m.window.start,
      sequence: m.sequence,
    });
  } catch {
    return v.file;
  }
}

describe('a drop commit accepts and the full check refuses', () => {
  it('every test vector ends as verifyDrop says, refused at commit or by the job: quarantined with its code and sentence, counted nowhere, shown to the park', async () => {
    const dir = fileURLToPath(new URL('../../../shared/test-vectors/', import.meta.url));
    const { vectors } = JSON.parse(await readFile(join(dir, 'expected.json'), 'utf8')) as {
      vectors: Vector[];
    };
    const cases = [];
    for (const v of vectors.filter((x) => x.limits === undefined && x.receivedAt === undefined)) {
      const zip = await readFile(join(dir, 'drops', v.file));
      // An empty file is refused at begin (an upload has at least one byte).
      if (zip.length === 0) continue;
      const fileName = nameOf(v, zip);
      // The independent verdict: what the park agent's verifier says of these bytes.
      const expected = verifyDrop(zip, { fileName });
      expect(expected.ok ? 'valid' : expected.code, v.file).toBe(v.ok ? 'valid' : v.code);
      const answer = await uploadDrop(client('gardaland-demo'), zip, fileName);
      cases.push({ v, zip, expected, answer });
    }
    await drain();

    let refusedAtCommit = 0;
    let refusedByJob = 0;
    for (const { v, expected, answer, zip } of cases) {
      const row = await batch(answer.batchId);
      if (expected.ok) {
        expect(row.state, v.file).toBe('processed');
        continue;
      }
      if (answer.status === 'duplicate' && row.state === 'processed') {
        // The same content under another name (name-mismatch.zip): identity is the content, so
        // it is the valid drop's duplicate, which holds exactly these entries.
        const unnamed = verifyDrop(zip);
        expect(unnamed.ok && unnamed.contentId, v.file).toBe(row.content_id);
        continue;
      }
      if (answer.status === 'quarantined') refusedAtCommit++;
      if (answer.status === 'stored') refusedByJob++;
      expect({ file: v.file, ...row }).toMatchObject({
        file: v.file,
        state: 'quarantined',
        error_code: expected.code,
        error: expected.reason,
        content_id: null,
        superseded_by: null,
      });
      expect(await countedRows(answer.batchId), v.file).toBe(0);
      const seen = await parkView('gardaland-demo', answer.batchId);
      expect(seen, v.file).toMatchObject({
        state: 'quarantined',
        error: { code: expected.code, reason: expected.reason },
      });
    }
    // Both paths ran, or agreement would prove little.
    expect(refusedAtCommit).toBeGreaterThanOrEqual(10);
    expect(refusedByJob).toBeGreaterThanOrEqual(5);
  }, 120_000);

  it('a refused revision gives its ride-window back to the drop it had replaced, whose figures count again', async () => {
    const start = '2026-06-02T10:00:00Z';
    const first = buildTestDrop({ start, sequence: 1 });
    const stored = await uploadDrop(client('test-park'), first.zip, first.fileName);
    expect(stored.status).toBe('stored');
    await drain();
    const cycles = await countedRows(stored.batchId);
    expect(cycles).toBeGreaterThan(0);

    // A re-export of the window whose telemetry was damaged after its manifest was written.
    const revision = buildTestDrop({ start, sequence: 2, salt: 1 });
    const bad = damageEntry(revision.zip, 'telemetry/main_motor.current.json');
    const expected = verifyDrop(bad, { fileName: revision.fileName });
    expect(expected.ok).toBe(false);
    if (expected.ok) return;
    const committed = await uploadDrop(client('test-park'), bad, revision.fileName);
    expect(committed.status).toBe('stored');
    // Until its full check, the revision stands in front of the first drop.
    expect((await batch(stored.batchId)).superseded_by).toBe(committed.batchId);
    await drain();

    expect(await batch(committed.batchId)).toMatchObject({
      state: 'quarantined',
      error_code: expected.code,
      error: expected.reason,
      superseded_by: null,
    });
    expect(await batch(stored.batchId)).toMatchObject({ state: 'processed', superseded_by: null });
    expect(await countedRows(committed.batchId)).toBe(0);
    expect(await countedRows(stored.batchId)).toBe(cycles);
    expect(await parkView('test-park', stored.batchId)).toMatchObject({ superseded: false });
    expect(await parkView('test-park', committed.batchId)).toMatchObject({
      state: 'quarantined',
      error: { code: expected.code, reason: expected.reason },
    });
  }, 60_000);

  it('bad bytes that claim the content of a valid drop never shadow it, whichever comes first', async () => {
    const good = buildTestDrop({ start: '2026-06-03T10:00:00Z', sequence: 1 });
    const verdict = verifyDrop(good.zip);
    if (!verdict.ok) throw new Error('the test drop must be valid');
    const bad = damageEntry(good.zip, 'cycles.json');
    const expected = verifyDrop(bad, { fileName: good.fileName });
    expect(expected.ok).toBe(false);
    if (expected.ok) return;

    // The bad copy first, claiming the good one's content id; its job has not run yet.
    const first = await uploadClaiming('test-park', bad, good.fileName, verdict.contentId);
    expect(first.status).toBe('stored');
    // The valid copy is neither answered as its duplicate at begin nor at commit.
    const second = await uploadDrop(client('test-park'), good.zip, good.fileName);
    expect(second.status).toBe('stored');
    expect(second.batchId).not.toBe(first.batchId);
    await drain();

    expect(await batch(second.batchId)).toMatchObject({
      state: 'processed',
      content_id: verdict.contentId,
    });
    expect(await batch(first.batchId)).toMatchObject({
      state: 'quarantined',
      error_code: expected.code,
      error: expected.reason,
    });
    expect(await countedRows(first.batchId)).toBe(0);
    expect(await countedRows(second.batchId)).toBeGreaterThan(0);
    // The same bad bytes again are its duplicate; the good ones again, the good batch's.
    const again = await uploadClaiming('test-park', bad, good.fileName, verdict.contentId);
    expect(again).toMatchObject({ status: 'duplicate', batchId: first.batchId });
    const goodAgain = await uploadDrop(client('test-park'), good.zip, good.fileName);
    expect(goodAgain).toMatchObject({ status: 'duplicate', batchId: second.batchId });
  }, 60_000);
});
