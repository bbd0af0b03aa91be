import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { mkdir, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.ts';
import { openBufferSqlite } from '../testing/buffer-sqlite.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop, type TestDrop } from '../testing/test-drop.ts';
import { openDataDir } from './data-dir.ts';
import { DropBuffer, type PulledDrop } from './drop-buffer.ts';
import { applyMigrations } from './migrate.ts';
import { initialBuffer } from './migrations/20261127T2355-initial-buffer.ts';
import { BUFFER_MIGRATIONS } from './migrations/index.ts';

const log = silentLogger();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function freshDir(): Promise<string> {
  const t = await tempDir('buffer');
  cleanups.push(t.remove);
  return t.dir;
}

async function open(dir: string): Promise<DropBuffer> {
  const buffer = await DropBuffer.open(dir, log);
  cleanups.push(() => buffer.close());
  return buffer;
}

function pulled(drop: TestDrop, overrides: Partial<PulledDrop> = {}): PulledDrop {
  return {
    sha256: drop.sha256,
    contentId: drop.contentId,
    ride: 'r1',
    fileName: drop.fileName,
    sequence: 1,
    windowStart: '2026-06-01T10:00:00Z',
    windowEnd: '2026-06-01T11:00:00Z',
    bytes: drop.zip.length,
    state: 'buffered',
    reasonCode: null,
    reason: null,
    ...overrides,
  };
}

async function record(buffer: DropBuffer, drop: TestDrop, overrides: Partial<PulledDrop> = {}) {
  const tmp = buffer.blobs.tmpPath(drop.fileName);
  await writeFile(tmp, drop.zip);
  const remote = { ride: 'r1', name: drop.fileName, size: drop.zip.length, mtimeMs: 1000 };
  return buffer.recordPulledFile(tmp, remote, pulled(drop, overrides));
}

describe('DropBuffer', () => {
  it('opens SQLite in WAL mode with synchronous=FULL and foreign keys on', async () => {
    const data = await openDataDir(await freshDir(), log);
    cleanups.push(() => data.close());
    expect(data.db.pragma('journal_mode', { simple: true })).toBe('wal');
    // 2 = FULL
    expect(data.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(data.db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('records each migration once, however often the buffer is opened', async () => {
    const dir = await freshDir();
    (await open(dir)).close();
    (await open(dir)).close();
    const db = openBufferSqlite(dir);
    const ids = db.prepare('SELECT id FROM schema_migrations').pluck().all();
    db.close();
    expect(ids).toEqual(BUFFER_MIGRATIONS.map((m) => m.id));
  });

  it('keeps every drop and remote file when a buffer of the first schema gains the rejected state', async () => {
    const dir = await freshDir();
    const old = new Database(path.join(dir, 'buffer.sqlite'));
    old.pragma('foreign_keys = ON');
    applyMigrations(old, [initialBuffer], log);
    const sha = 'a'.repeat(64);
    old
      .prepare(
        `INSERT INTO drops (sha256, content_id, ride, file_name, bytes, state, central_batch_id,
           central_status, pulled_at, updated_at, acknowledged_at)
         VALUES (?, ?, 'r1', 'd.zip', 10, 'acknowledged', 'b-1', 'stored', 't0', 't1', 't1')`,
      )
      .run(sha, 'c'.repeat(64));
    old
      .prepare(
        `INSERT INTO remote_files (ride, name, size, mtime_ms, outcome, drop_sha256, seen_at)
         VALUES ('r1', 'd.zip', 10, 1000, 'new_drop', ?, 't0')`,
      )
      .run(sha);
    old.close();

    const buffer = await open(dir);

    expect(buffer.get(sha)).toMatchObject({
      state: 'acknowledged',
      centralBatchId: 'b-1',
      pulledAt: 't0',
      rejections: 0,
    });
    expect(buffer.isKnownRemoteFile({ ride: 'r1', name: 'd.zip', size: 10, mtimeMs: 1000 })).toBe(
      true,
    );
    const db = openBufferSqlite(dir);
    cleanups.push(() => {
      db.close();
    });
    expect(db.pragma('foreign_key_check')).toEqual([]);
    // The new state is allowed, and like quarantine it needs a reason.
    const reject = db.prepare(`UPDATE drops SET state = 'rejected', reason = ? WHERE sha256 = ?`);
    expect(() => reject.run(null, sha)).toThrow(/CHECK constraint/);
    expect(reject.run('central refused', sha).changes).toBe(1);
  });

  it('gives the drops of an older buffer ids in their old upload order, and keeps their remote files', async () => {
    const dir = await freshDir();
    const old = new Database(path.join(dir, 'buffer.sqlite'));
    old.pragma('foreign_keys = ON');
    const before = BUFFER_MIGRATIONS.filter((m) => m.id < '20261203T1000-drop-records');
    applyMigrations(old, before, log);
    // Inserted out of pull order: the old queue went by pulled_at, then rowid.
    const rows = [
      ['b'.repeat(64), 'later.zip', '2026-06-01T10:00:02.000Z', 'buffered'],
      ['a'.repeat(64), 'earlier.zip', '2026-06-01T10:00:01.000Z', 'buffered'],
      ['c'.repeat(64), 'bad.zip', '2026-06-01T10:00:03.000Z', 'quarantined'],
    ] as const;
    for (const [sha, name, at, state] of rows) {
      old
        .prepare(
          `INSERT INTO drops (sha256, content_id, ride, file_name, bytes, state, reason, pulled_at, updated_at)
           VALUES (?, ?, 'r1', ?, 10, ?, ?, ?, ?)`,
        )
        .run(
          sha,
          state === 'quarantined'
            ? null
            : `${'d'.repeat(62)}${String(name.length).padStart(2, '0')}`,
          name,
          state,
          state === 'quarantined' ? 'damaged' : null,
          at,
          at,
        );
      old
        .prepare(
          `INSERT INTO remote_files (ride, name, size, mtime_ms, outcome, drop_sha256, seen_at)
           VALUES ('r1', ?, 10, 1000, 'new_drop', ?, ?)`,
        )
        .run(name, sha, at);
    }
    old.close();
    for (const [sha] of rows) {
      await mkdir(path.join(dir, 'blobs', sha.slice(0, 2)), { recursive: true });
      await writeFile(path.join(dir, 'blobs', sha.slice(0, 2), `${sha}.zip`), 'x'.repeat(10));
    }

    const buffer = await open(dir);

    expect(buffer.list().map((d) => [d.id, d.fileName])).toEqual([
      [1, 'earlier.zip'],
      [2, 'later.zip'],
      [3, 'bad.zip'],
    ]);
    expect(buffer.uploadQueueShas()).toEqual(['a'.repeat(64), 'b'.repeat(64)]);
    expect(buffer.remoteFileDropState('r1', 'bad.zip')).toBe('quarantined');
    expect(
      buffer.isKnownRemoteFile({ ride: 'r1', name: 'later.zip', size: 10, mtimeMs: 1000 }),
    ).toBe(true);
  });

  it('rejects a drop only after central refused it the configured number of times', async () => {
    const buffer = await open(await freshDir());
    const drop = buildTestDrop();
    await record(buffer, drop);

    expect(buffer.markUploadRejected(drop.sha256, 'central refused (BAD_REQUEST): x', 2)).toBe(
      false,
    );
    expect(buffer.get(drop.sha256)).toMatchObject({ state: 'buffered', rejections: 1 });
    expect(buffer.markUploadRejected(drop.sha256, 'central refused (BAD_REQUEST): y', 2)).toBe(
      true,
    );

    expect(buffer.get(drop.sha256)).toMatchObject({
      state: 'rejected',
      reasonCode: 'central_rejected',
      reason: 'central refused (BAD_REQUEST): y',
      rejections: 2,
    });
    expect(buffer.uploadQueue()).toEqual([]);
    expect(existsSync(buffer.blobs.blobPath(drop.sha256))).toBe(true);
  });

  it('records the same bytes pulled by two rides at once as one drop and keeps its blob', async () => {
    const buffer = await open(await freshDir());
    const drop = buildTestDrop();
    const recordAs = async (ride: string) => {
      const tmp = buffer.blobs.tmpPath(drop.fileName);
      await writeFile(tmp, drop.zip);
      const remote = { ride, name: drop.fileName, size: drop.zip.length, mtimeMs: 1000 };
      return buffer.recordPulledFile(tmp, remote, pulled(drop, { ride }));
    };

    const outcomes = await Promise.all([recordAs('r1'), recordAs('r2')]);

    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['duplicate', 'new_drop']);
    expect(buffer.list()).toHaveLength(1);
    expect(existsSync(buffer.blobs.blobPath(drop.sha256))).toBe(true);
    expect(buffer.remoteFileDropState('r2', drop.fileName)).toBe('buffered');
  });

  it('refuses a buffer written by a newer agent instead of guessing its schema', async () => {
    const dir = await freshDir();
    (await open(dir)).close();
    const db = openBufferSqlite(dir);
    db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(
      '29990101T0000-from-the-future',
      new Date().toISOString(),
    );
    db.close();
    await expect(DropBuffer.open(dir, log)).rejects.toThrow(/written by a newer agent/);
  });

  it('keeps every drop, its state and its blob after the buffer is closed and reopened', async () => {
    const dir = await freshDir();
    const first = await open(dir);
    const [a, b, c] = [1, 2, 3].map((sequence) => buildTestDrop({ sequence })) as [
      TestDrop,
      TestDrop,
      TestDrop,
    ];
    for (const d of [a, b, c]) await record(first, d);
    first.markUploading(a.sha256);
    first.markAcknowledged(a.sha256, {
      batchId: '00000000-0000-4000-8000-000000000001',
      status: 'stored',
    });
    first.close();

    const again = await open(dir);
    expect(again.counts()).toEqual({
      buffered: 2,
      uploading: 0,
      acknowledged: 1,
      quarantined: 0,
      rejected: 0,
    });
    expect(again.uploadQueue().map((d) => d.sha256)).toEqual([b.sha256, c.sha256]);
    for (const d of [a, b, c]) expect(existsSync(again.blobs.blobPath(d.sha256))).toBe(true);
  });

  it('removes a blob a crash left without a record, and the temp files', async () => {
    const dir = await freshDir();
    const drop = buildTestDrop();
    const first = await open(dir);
    const orphan = first.blobs.blobPath(drop.sha256);
    first.close();
    await mkdir(path.dirname(orphan), { recursive: true });
    await writeFile(orphan, drop.zip);
    await writeFile(path.join(dir, 'tmp', 'half-downloaded.part'), 'half');

    const again = await open(dir);
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(path.join(dir, 'tmp', 'half-downloaded.part'))).toBe(false);
    expect(again.list()).toEqual([]);
  });

  it('forgets a buffered drop whose blob vanished, so the gateway copy is pulled again', async () => {
    const dir = await freshDir();
    const drop = buildTestDrop();
    const first = await open(dir);
    await record(first, drop);
    first.close();
    await rm(first.blobs.blobPath(drop.sha256));

    const again = await open(dir);
    expect(again.list()).toEqual([]);
    expect(
      again.isKnownRemoteFile({
        ride: 'r1',
        name: drop.fileName,
        size: drop.zip.length,
        mtimeMs: 1000,
      }),
    ).toBe(false);
  });

  it('forgets a buffered drop whose blob was cut short on disk, and deletes the damaged copy', async () => {
    const dir = await freshDir();
    const drop = buildTestDrop();
    const first = await open(dir);
    await record(first, drop);
    first.close();
    const blob = first.blobs.blobPath(drop.sha256);
    await truncate(blob, 10);

    const again = await open(dir);
    expect(again.list()).toEqual([]);
    expect(existsSync(blob)).toBe(false);
    expect(
      again.isKnownRemoteFile({
        ride: 'r1',
        name: drop.fileName,
        size: drop.zip.length,
        mtimeMs: 1000,
      }),
    ).toBe(false);
  });

  it('refuses a second agent on the same data directory while the first one runs', async () => {
    const dir = await freshDir();
    const first = await open(dir);
    await expect(DropBuffer.open(dir, log)).rejects.toThrow(
      `another agent (pid ${process.pid}) is using the data directory ${dir}`,
    );
    first.close();
    (await open(dir)).close();
  });

  it('takes over the lock a killed agent left behind', async () => {
    const dir = await freshDir();
    (await open(dir)).close();
    // A pid above the kernel's pid_max never runs.
    await writeFile(path.join(dir, 'agent.lock'), '99999999');
    const buffer = await open(dir);
    expect(buffer.list()).toEqual([]);
  });

  it('answers a second copy of known content as a duplicate and deletes its temp file', async () => {
    const buffer = await open(await freshDir());
    const drop = buildTestDrop();
    const stored = buildTestDrop({ stored: true });
    await record(buffer, drop);
    const tmp = buffer.blobs.tmpPath('again');
    await writeFile(tmp, stored.zip);

    const res = await buffer.recordPulledFile(
      tmp,
      { ride: 'r1', name: 'again.zip', size: stored.zip.length, mtimeMs: 5 },
      pulled(stored),
    );

    expect(res.outcome).toBe('duplicate');
    expect(res.drop.sha256).toBe(drop.sha256);
    expect(existsSync(tmp)).toBe(false);
    expect(existsSync(buffer.blobs.blobPath(stored.sha256))).toBe(false);
    expect(buffer.list()).toHaveLength(1);
  });

  it('keeps a failed upload buffered with the error and one more attempt counted', async () => {
    const buffer = await open(await freshDir());
    const drop = buildTestDrop();
    await record(buffer, drop);
    buffer.markUploading(drop.sha256);
    buffer.markUploadFailed(drop.sha256, 'connect ECONNREFUSED');

    expect(buffer.get(drop.sha256)).toMatchObject({
      state: 'buffered',
      uploadAttempts: 1,
      lastUploadError: 'connect ECONNREFUSED',
    });
  });
});
