import { writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop, type TestDrop } from '../testing/test-drop.ts';
import { ActivityLog } from './activity-log.ts';
import { openDataDir } from './data-dir.ts';
import { DropBuffer } from './drop-buffer.ts';

const log = silentLogger();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function open(dir?: string): Promise<DropBuffer> {
  let d = dir;
  if (d === undefined) {
    const t = await tempDir('drop-pages');
    cleanups.push(t.remove);
    d = t.dir;
  }
  const buffer = await DropBuffer.open(d, log);
  cleanups.push(() => buffer.close());
  return buffer;
}

async function record(buffer: DropBuffer, drop: TestDrop): Promise<void> {
  const tmp = buffer.blobs.tmpPath(drop.fileName);
  await writeFile(tmp, drop.zip);
  await buffer.recordPulledFile(
    tmp,
    { ride: 'r1', name: drop.fileName, size: drop.zip.length, mtimeMs: 1000 },
    {
      sha256: drop.sha256,
      contentId: drop.contentId,
      ride: 'r1',
      fileName: drop.fileName,
      sequence: null,
      windowStart: null,
      windowEnd: null,
      bytes: drop.zip.length,
      state: 'buffered',
      reasonCode: null,
      reason: null,
    },
  );
}

function drops(n: number): TestDrop[] {
  return Array.from({ length: n }, (_, i) => buildTestDrop({ sequence: 500 + i, riders: i + 1 }));
}

describe('drop pages for the Drops screen', () => {
  it('pages every drop newest pull first, without gaps or repeats, and filters by state', async () => {
    const buffer = await open();
    const all = drops(7);
    for (const d of all) await record(buffer, d);
    const first = all[0];
    if (!first) throw new Error('no drops built');
    buffer.markAcknowledged(first.sha256, { batchId: 'b-1', status: 'stored' });

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = buffer.page({ limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.drops.map((d) => d.sha256));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);

    expect(pages).toBe(3);
    // Recorded one after the other: newest first is the reverse of the recording order.
    expect(seen).toEqual(all.map((d) => d.sha256).reverse());
    const acknowledged = buffer.page({ state: 'acknowledged' });
    expect(acknowledged.drops.map((d) => [d.sha256, d.centralBatchId])).toEqual([
      [first.sha256, 'b-1'],
    ]);
    expect(acknowledged.nextCursor).toBeNull();
    expect(() => buffer.page({ cursor: 'nonsense' })).toThrow(/start again/);
  });

  it('puts a drop central rejected back in the queue with its counts reset; an acknowledged one is not retried', async () => {
    const buffer = await open();
    const [bad, good] = drops(2);
    if (!bad || !good) throw new Error('no drops built');
    await record(buffer, bad);
    await record(buffer, good);
    expect(buffer.markUploadRejected(bad.sha256, 'central: manifest refused', 2)).toBe(false);
    expect(buffer.markUploadRejected(bad.sha256, 'central: manifest refused', 2)).toBe(true);
    buffer.markAcknowledged(good.sha256, { batchId: 'b-2', status: 'stored' });
    expect(buffer.uploadQueueShas()).toEqual([]);

    expect(buffer.retry(bad.sha256)).toBe(true);
    expect(buffer.retry(good.sha256)).toBe(false);

    expect(buffer.get(bad.sha256)).toMatchObject({
      state: 'buffered',
      uploadAttempts: 0,
      rejections: 0,
      reason: null,
      // The last error stays visible until the next attempt says otherwise.
      lastUploadError: 'central: manifest refused',
    });
    expect(buffer.uploadQueueShas()).toEqual([bad.sha256]);
    expect(buffer.get(good.sha256)?.state).toBe('acknowledged');
  });

  it('resets the attempts of a buffered drop whose uploads failed, and refuses one never tried', async () => {
    const buffer = await open();
    const [failing, fresh] = drops(2);
    if (!failing || !fresh) throw new Error('no drops built');
    await record(buffer, failing);
    await record(buffer, fresh);
    buffer.markUploadFailed(failing.sha256, 'central unreachable');
    buffer.markUploadFailed(failing.sha256, 'central unreachable');

    expect(buffer.retry(fresh.sha256)).toBe(false);
    expect(buffer.retry(failing.sha256)).toBe(true);
    expect(buffer.get(failing.sha256)).toMatchObject({ state: 'buffered', uploadAttempts: 0 });
  });
});

describe('activity log', () => {
  it('keeps the newest 2,000 events across restarts and pages them newest first', async () => {
    const t = await tempDir('activity');
    cleanups.push(t.remove);
    const first = await openDataDir(t.dir, log);
    const activity = new ActivityLog(first.db);
    for (let i = 1; i <= 2010; i++) {
      activity.append({ level: 'info', kind: 'pull', ride: 'r1', message: `event ${i}` });
    }
    first.close();

    const reopened = await openDataDir(t.dir, log);
    cleanups.push(() => reopened.close());
    const again = new ActivityLog(reopened.db);
    const count = reopened.db.prepare('SELECT count(*) FROM activity').pluck().get();
    expect(count).toBe(2000);
    const page1 = again.list({ limit: 3 });
    expect(page1.events.map((e) => e.message)).toEqual(['event 2010', 'event 2009', 'event 2008']);
    expect(page1.events[0]).toMatchObject({ level: 'info', kind: 'pull', ride: 'r1' });
    const cursor = page1.nextCursor;
    if (cursor === null) throw new Error('expected another page');
    const page2 = again.list({ limit: 3, cursor });
    expect(page2.events.map((e) => e.message)).toEqual(['event 2007', 'event 2006', 'event 2005']);

    let oldest = '';
    let next: number | null = null;
    do {
      const page = again.list({ limit: 500, ...(next === null ? {} : { cursor: next }) });
      oldest = page.events.at(-1)?.message ?? oldest;
      next = page.nextCursor;
    } while (next !== null);
    expect(oldest).toBe('event 11');
  });
});
