import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import { OUTBOX_KEEP_MS, pruneOutbox } from './outbox-prune.ts';

let env: TestEnvironment;

beforeAll(async () => {
  env = await createTestEnvironment('outbox_prune');
});

afterAll(async () => {
  await env?.cleanup();
});

const NOW = Date.parse('2026-12-06T12:00:00Z');
const DAY = 86_400_000;

/** A report row written `writtenDaysAgo` and published `publishedDaysAgo` (null: waiting). */
async function row(label: string, writtenDaysAgo: number, publishedDaysAgo: number | null) {
  await env.pool.query(
    `INSERT INTO outbox (queue, message, message_id, created_at, published_at)
     VALUES ('report', '{}', $1, $2, $3)`,
    [
      label,
      new Date(NOW - writtenDaysAgo * DAY),
      publishedDaysAgo === null ? null : new Date(NOW - publishedDaysAgo * DAY),
    ],
  );
}

async function left(): Promise<string[]> {
  const r = await env.pool.query<{ message_id: string }>(
    'SELECT message_id FROM outbox ORDER BY id',
  );
  return r.rows.map((x) => x.message_id);
}

describe('removing published outbox rows', () => {
  it('removes rows published over a week ago, chunk by chunk, and keeps waiting and younger ones', async () => {
    expect(OUTBOX_KEEP_MS).toBe(7 * DAY);
    await row('old-1', 30, 30);
    await row('old-2', 20, 20);
    await row('old-3', 10, 10);
    await row('waiting since long ago', 9, null);
    await row('old-4', 9, 8);
    await row('old-5', 8, 7.5);
    await row('published within the week', 7.2, 6.9);
    await row('young', 2, 2);
    await row('waiting', 0.1, null);

    expect(await pruneOutbox(env.pool, NOW, 2)).toBe(5);
    expect(await left()).toEqual([
      'waiting since long ago',
      'published within the week',
      'young',
      'waiting',
    ]);
    // Nothing more to remove: the round stops at the chunk holding a row written within the week.
    expect(await pruneOutbox(env.pool, NOW, 2)).toBe(0);
    // A day later the row published within the week has passed it too.
    expect(await pruneOutbox(env.pool, NOW + DAY, 2)).toBe(1);
    expect(await left()).toEqual(['waiting since long ago', 'young', 'waiting']);
  });

  it('reaches published rows behind a chunk of rows left waiting for over a week', async () => {
    await env.pool.query('DELETE FROM outbox');
    await row('waiting 1', 12, null);
    await row('waiting 2', 12, null);
    await row('waiting 3', 11, null);
    await row('old-6', 10, 10);
    await row('old-7', 9, 9);
    await row('young', 1, 1);

    expect(await pruneOutbox(env.pool, NOW, 2)).toBe(2);
    expect(await left()).toEqual(['waiting 1', 'waiting 2', 'waiting 3', 'young']);
  });
});
