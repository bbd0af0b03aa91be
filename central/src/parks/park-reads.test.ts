import { createHash, randomUUID } from 'node:crypto';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import {
  createParkClient,
  createTestEnvironment,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import type { AppRouter } from '../server/router.ts';
import { createPark } from './park-store.ts';
import type { DropView } from './park-read-schemas.ts';

let env: TestEnvironment;
let central: RunningCentral;
const tokens: Record<string, string> = {};
const uploaded: Record<string, string[]> = { 'park-a': [], 'park-b': [] };
const DROPS = { 'park-a': 7, 'park-b': 3 } as const;

const client = (park: string, token = tokens[park] ?? '') => createParkClient(central.url, token);
const hour = (i: number) => `2026-06-01T${String(10 + i).padStart(2, '0')}:00:00Z`;

beforeAll(async () => {
  env = await createTestEnvironment('park-reads');
  central = await startCentral(env.config, { publisher: false, scheduler: false });
  for (const [id, timezone] of [
    ['park-a', 'Europe/Rome'],
    ['park-b', 'America/New_York'],
  ] as const) {
    ({ token: tokens[id] as string } = await createPark(env.pool, { id, name: id, timezone }));
    for (let i = 0; i < DROPS[id]; i++) {
      // One ride-window each (10:00, 11:00, …): all of them stay live.
      const drop = buildTestDrop({ park: id, sequence: i + 1, cycles: 1, start: hour(i) });
      await uploadDrop(client(id), drop.zip, drop.fileName);
      uploaded[id]?.push(createHash('sha256').update(drop.zip).digest('hex'));
    }
  }
  // Reports of both parks; the paths must never reach a park.
  for (const [park, state] of [
    ['park-a', 'ready'],
    ['park-a', 'failed'],
    ['park-a', 'queued'],
    ['park-b', 'ready'],
  ] as const) {
    await env.pool.query(
      `INSERT INTO reports (id, park_id, period_start, period_end, language, state, pdf_path,
         html_path, summary_path, finished_at)
       VALUES ($1, $2, '2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z', 'en', $3,
         '/srv/zra/reports/x.pdf', '/srv/zra/reports/x.html', '/srv/zra/reports/x.json',
         CASE WHEN $3 IN ('ready', 'failed') THEN now() END)`,
      [randomUUID(), park, state],
    );
  }
});

afterAll(async () => {
  await central?.close();
  await env?.cleanup();
});

async function allDrops(park: string, limit: number): Promise<DropView[]> {
  const seen: DropView[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const answer = await client(park).park.drops.query({ limit, cursor });
    expect(answer.drops.length).toBeLessThanOrEqual(limit);
    seen.push(...answer.drops);
    if (!answer.nextCursor) return seen;
    cursor = answer.nextCursor;
  }
  throw new Error(`pagination of ${park} did not end after 100 pages`);
}

describe('park read API', () => {
  it('pages through every batch of the park exactly once, newest first', async () => {
    const drops = await allDrops('park-a', 3);
    expect(drops.map((d) => d.sha256).sort()).toEqual([...(uploaded['park-a'] ?? [])].sort());
    expect(new Set(drops.map((d) => d.batchId)).size).toBe(DROPS['park-a']);
    const received = drops.map((d) => d.receivedAt);
    expect(received).toEqual([...received].sort().reverse());
    expect(drops[0]).toMatchObject({
      ride: 'revolution-1',
      superseded: false,
      error: null,
      window: { start: '2026-06-01T16:00:00.000Z', end: '2026-06-01T17:00:00.000Z' },
    });
  });

  it("never shows a park another park's batches, even with the other park's cursor", async () => {
    const a = await allDrops('park-a', 500);
    const b = await allDrops('park-b', 2);
    expect(b.map((d) => d.sha256).sort()).toEqual([...(uploaded['park-b'] ?? [])].sort());
    expect(b.some((d) => a.some((x) => x.batchId === d.batchId))).toBe(false);
    const err = await client('park-b')
      .park.drops.query({ limit: 10, cursor: a[0]?.batchId })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    expect((err as TRPCClientError<AppRouter>).data?.code).toBe('BAD_REQUEST');
  });

  it('filters by since on the last change', async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const answer = await client('park-a').park.drops.query({ limit: 10, since: future });
    expect(answer).toEqual({ drops: [], nextCursor: null });
  });

  it('lists only the finished reports of the park, without server paths', async () => {
    const a = await client('park-a').park.reports.query({ limit: 10 });
    expect(a.reports.map((r) => r.state).sort()).toEqual(['failed', 'ready']);
    expect(JSON.stringify(a)).not.toContain('/srv/');
    const b = await client('park-b').park.reports.query({ limit: 10 });
    expect(b.reports).toHaveLength(1);
    expect(a.reports.some((r) => r.id === b.reports[0]?.id)).toBe(false);
  });

  it("summarises today's batches, the last upload and the oldest unprocessed batch", async () => {
    const standing = await client('park-a').park.standing.query();
    const total = Object.values(standing.today.byState).reduce((s, n) => s + n, 0);
    expect(total).toBe(DROPS['park-a']);
    expect(standing.today.timezone).toBe('Europe/Rome');
    expect(standing.today.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(standing.lastUploadAt).not.toBeNull();
    const a = await allDrops('park-a', 500);
    const oldest = a.at(-1);
    expect(standing.oldestUnprocessed?.batchId).toBe(oldest?.batchId);

    // A revision of the oldest ride-window replaces it: still seven drops today, and the
    // oldest unprocessed one is now the next.
    const revision = buildTestDrop({ park: 'park-a', sequence: 99, cycles: 2, start: hour(0) });
    await uploadDrop(client('park-a'), revision.zip, revision.fileName);
    const after = await client('park-a').park.standing.query();
    expect(Object.values(after.today.byState).reduce((s, n) => s + n, 0)).toBe(DROPS['park-a']);
    expect(after.oldestUnprocessed?.batchId).toBe(a.at(-2)?.batchId);
    const replaced = (await allDrops('park-a', 500)).find((d) => d.batchId === oldest?.batchId);
    expect(replaced?.superseded).toBe(true);
  });

  it('refuses a call without a valid park token', async () => {
    const err = await client('park-a', 'zra_wrong')
      .park.standing.query()
      .catch((e: unknown) => e);
    expect((err as TRPCClientError<AppRouter>).data?.code).toBe('UNAUTHORIZED');
  });
});
