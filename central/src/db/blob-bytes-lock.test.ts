import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { verifyDrop } from '@zra/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../scripts/harness/wait-for.ts';
import { BlobStore } from '../blob/blob-store.ts';
import { BytePieces } from '../blob/byte-pieces.ts';
import { recordDrop } from '../ingest/commit-drop.ts';
import { inProcessChecker } from '../ingest/drop-verifier.ts';
import { createLogger } from '../logger.ts';
import { deletePulledDrop } from '../pull/pulled-quarantine.ts';
import { sweepRetention } from '../retention/retention-sweeper.ts';
import type { ParkIdentity } from '../server/park-identity.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import { ADVISORY_LOCK } from './advisory-locks.ts';

/*
 * Files are named by their bytes' SHA-256, so a quarantined drop committed now can share its
 * file with an old drop that retention is removing, or with a quarantined copy being deleted.
 * Each race is played out in both orders by holding one side at its most dangerous point: the
 * file must still be there for the quarantined row in the end.
 */

let env: TestEnvironment;
const DAY = 86_400_000;
const NOW = Date.parse('2026-11-20T12:00:00Z');
const log = createLogger('silent');
const checkDrop = inProcessChecker(verifyDrop);
const otherPark: ParkIdentity = {
  id: 'other-park',
  name: 'Other park',
  timezone: 'Europe/Rome',
  language: 'en',
};

/** A point one side of a race stops at until the test lets it go on. */
class Gate {
  private arrive!: () => void;
  private release!: () => void;
  readonly arrived = new Promise<void>((resolve) => (this.arrive = resolve));
  private readonly released = new Promise<void>((resolve) => (this.release = resolve));
  async pass(): Promise<void> {
    this.arrive();
    await this.released;
  }
  open(): void {
    this.release();
  }
}

/** The filesystem store, whose next removal stops at `removing` first when one is set. */
class HeldStore extends BlobStore {
  removing: Gate | null = null;
  override async remove(ref: string): Promise<void> {
    const gate = this.removing;
    this.removing = null;
    if (gate) await gate.pass();
    return super.remove(ref);
  }
}
let blobs: HeldStore;

beforeAll(async () => {
  env = await createTestEnvironment('blob_bytes_lock');
  blobs = new HeldStore(env.config.blobDir);
  await blobs.init();
  await env.pool.query(
    `INSERT INTO parks (id, name, timezone) VALUES
       ('test-park', 'Test park', 'Europe/Rome'), ('other-park', 'Other park', 'Europe/Rome')`,
  );
});

afterAll(async () => {
  await env?.cleanup();
});

/** Bytes stored as a drop's file, and their SHA-256. */
async function storedFile(): Promise<{ bytes: Buffer; sha256: string; ref: string }> {
  const bytes = randomBytes(4096);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { bytes, sha256, ref: await blobs.storeBytes(new BytePieces([bytes]), sha256) };
}

/** A processed drop of the test park received `daysAgo` days before NOW, holding `file`. */
async function oldDrop(file: { sha256: string; ref: string }, daysAgo: number): Promise<void> {
  await env.pool.query(
    `INSERT INTO batches (id, park_id, sha256, bytes, file_name, blob_path, state, content_id,
                          received_at)
     VALUES (gen_random_uuid(), 'test-park', $1, 4096, 'old.zip', $2, 'processed', $1, $3)`,
    [file.sha256, file.ref, new Date(NOW - daysAgo * DAY)],
  );
}

/** A file of the test park that central pull quarantined as no zip; its batch id. */
async function pulledQuarantined(file: { sha256: string; ref: string }): Promise<string> {
  const r = await env.pool.query<{ id: string }>(
    `INSERT INTO batches (id, park_id, sha256, bytes, file_name, blob_path, state, error_code,
                          error, source)
     VALUES (gen_random_uuid(), 'test-park', $1, 4096, 'copy.zip', $2, 'quarantined',
             'invalid_zip', 'not a zip', 'central')
     RETURNING id`,
    [file.sha256, file.ref],
  );
  return r.rows[0]?.id ?? '';
}

/** The other park commits a copy of these bytes, refused as another park's drop. */
function quarantineCopy(
  file: { bytes: Buffer; sha256: string },
  beforeRecorded?: Gate,
): Promise<unknown> {
  return recordDrop(env.pool, {
    park: otherPark,
    source: 'central',
    fileName: 'copy.zip',
    bytes: file.bytes.length,
    sha256: file.sha256,
    blob: async () => {
      const ref = await blobs.storeBytes(new BytePieces([file.bytes]), file.sha256);
      await beforeRecorded?.pass();
      return ref;
    },
    verdict: { ok: false, code: 'park_mismatch', reason: 'the drop belongs to another park' },
  });
}

const sweep = () =>
  sweepRetention(env.pool, blobs, { cyclesMs: null, blobsMs: 30 * DAY }, log, NOW);

/** Whether a transaction waits for a file's lock: the other side of the race is held off. */
const waitsForFileLock = () =>
  waitFor('a transaction waiting for a file lock', async () => {
    const r = await env.pool.query(
      `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND NOT granted`,
      [ADVISORY_LOCK.blobBytes],
    );
    return (r.rowCount ?? 0) > 0;
  });

/** What the race must leave: the other park's quarantined copy, and its file. */
async function copyKeepsItsFile(sha256: string): Promise<void> {
  const r = await env.pool.query<{ blob_path: string }>(
    `SELECT blob_path FROM batches WHERE park_id = 'other-park' AND sha256 = $1
        AND state = 'quarantined'`,
    [sha256],
  );
  expect(r.rows).toHaveLength(1);
  expect(existsSync(r.rows[0]?.blob_path ?? ''), "the quarantined copy's file").toBe(true);
}

/**
 * Runs `first` until it stops at `gate`, then `second`; says whether `second` waited for
 * `first` (without the lock it runs to its end while `first` is held).
 */
async function race(
  first: () => Promise<unknown>,
  gate: Gate,
  second: () => Promise<unknown>,
): Promise<'waited' | 'ran through'> {
  const one = first();
  await gate.arrived;
  const two = second();
  const outcome = await Promise.race([
    waitsForFileLock().then(() => 'waited' as const),
    two.then(() => 'ran through' as const),
  ]);
  gate.open();
  await Promise.all([one, two]);
  return outcome;
}

describe('a quarantined drop and a removal of the same bytes’ file', () => {
  it('retention removing the file first: the copy waits, then writes the file again', async () => {
    const file = await storedFile();
    await oldDrop(file, 40);
    const removing = new Gate();
    blobs.removing = removing;
    const copy = await race(sweep, removing, () => quarantineCopy(file));
    await copyKeepsItsFile(file.sha256);
    expect(copy).toBe('waited');
  });

  it('the copy committing first: retention waits, then sees the copy and keeps the file', async () => {
    const file = await storedFile();
    await oldDrop(file, 39);
    const recording = new Gate();
    const retention = await race(() => quarantineCopy(file, recording), recording, sweep);
    await copyKeepsItsFile(file.sha256);
    expect(retention).toBe('waited');
    // The sweep did pass the old drop: its cursor is past it.
    expect(await sweep()).toEqual({ cycles: 0, blobs: 0 });
  });

  it('deleting a quarantined copy of the same bytes: the new copy waits, then writes the file again', async () => {
    const file = await storedFile();
    const id = await pulledQuarantined(file);
    const removing = new Gate();
    blobs.removing = removing;
    // The bytes are no zip: nothing but quarantined rows can hold their file.
    const copy = await race(
      () => deletePulledDrop(env.pool, blobs, checkDrop, id),
      removing,
      () => quarantineCopy(file),
    );
    await copyKeepsItsFile(file.sha256);
    expect(copy).toBe('waited');
  });

  it('a delete whose file the store fails to remove changes nothing, and can be done again', async () => {
    const file = await storedFile();
    const id = await pulledQuarantined(file);
    const failing = new (class extends BlobStore {
      override async remove(): Promise<void> {
        throw Object.assign(new Error('EIO: i/o error, unlink'), {
          code: 'EIO',
          syscall: 'unlink',
          path: file.ref,
        });
      }
    })(env.config.blobDir);
    await expect(deletePulledDrop(env.pool, failing, checkDrop, id)).rejects.toThrow(/EIO/);
    const still = await env.pool.query('SELECT 1 FROM batches WHERE id = $1', [id]);
    expect(still.rowCount).toBe(1);
    expect(existsSync(file.ref)).toBe(true);
    await deletePulledDrop(env.pool, blobs, checkDrop, id);
    expect((await env.pool.query('SELECT 1 FROM batches WHERE id = $1', [id])).rowCount).toBe(0);
    expect(existsSync(file.ref)).toBe(false);
  });
});
