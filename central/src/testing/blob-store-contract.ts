import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { access, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobDamagedError, BlobMissingError, type BlobStore } from '../blob/blob-store.ts';
import { BytePieces } from '../blob/byte-pieces.ts';

/** A backend under test: its store, and a way to change an object behind the store's back. */
export interface ContractBackend {
  store: BlobStore;
  /** Replaces the bytes of the object `ref` names, as a damaged disk or another writer would. */
  overwrite(ref: string, bytes: Buffer): Promise<void>;
  /** Stops the backend and removes what it kept. */
  close(): Promise<void>;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Reads a stream to its end. */
export async function collect(stream: Readable): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of stream) pieces.push(piece as Buffer);
  return Buffer.concat(pieces);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * What every blob store promises its callers (blob-store.ts), run against one backend: the
 * filesystem and the object store must behave the same for ingest, jobs and reports.
 */
export function blobStoreContract(
  name: string,
  open: () => Promise<ContractBackend>,
  hookTimeoutMs?: number,
): void {
  describe(`${name}: the blob store contract`, () => {
    let backend: ContractBackend;
    let store: BlobStore;

    beforeAll(async () => {
      backend = await open();
      store = backend.store;
      await store.init();
    }, hookTimeoutMs);

    afterAll(async () => {
      await backend?.close();
    });

    /** A local file of random bytes, as ingest or a job hands it to the store. */
    async function localFile(bytes: number): Promise<{ path: string; data: Buffer }> {
      const data = randomBytes(bytes);
      const path = store.tmpPath('.zip');
      await writeFile(path, data);
      return { path, data };
    }

    it('keeps a drop under its SHA-256 and gives it back whole: as a stream, as a local file', async () => {
      const { path, data } = await localFile(300 * 1024);
      const ref = await store.storeBlob(path, sha256(data));
      expect(ref).toBe(store.blobPath(sha256(data)));
      expect(await store.exists(ref)).toBe(true);
      const read = await store.read(ref);
      expect(read.size).toBe(data.length);
      expect((await collect(read.stream)).equals(data)).toBe(true);
      expect((await store.withLocalFile(ref, (p) => readFile(p))).equals(data)).toBe(true);
      // Content-addressed: storing the same drop again changes nothing.
      expect(await store.storeBlob(path, sha256(data))).toBe(ref);
      expect((await collect((await store.read(ref)).stream)).equals(data)).toBe(true);
    });

    it('keeps a drop held in memory (a put) under its SHA-256, readable and checked like any other', async () => {
      const data = randomBytes(200 * 1024);
      // In the uneven pieces a socket delivers, as a put's body is held.
      const pieces = [data.subarray(0, 1), data.subarray(1, 65_537), data.subarray(65_537)];
      const ref = await store.storeBytes(new BytePieces(pieces), sha256(data));
      expect(ref).toBe(store.blobPath(sha256(data)));
      expect((await collect((await store.read(ref)).stream)).equals(data)).toBe(true);
      // The same drop put again (a retry whose first answer was lost) changes nothing.
      expect(await store.storeBytes(new BytePieces([data]), sha256(data))).toBe(ref);
      expect((await store.withLocalFile(ref, (p) => readFile(p))).equals(data)).toBe(true);
      // Damage after the write is found on read, as for a drop stored from a file.
      await backend.overwrite(ref, Buffer.concat([data.subarray(1), Buffer.from([0])]));
      const read = await store.read(ref);
      await expect(collect(read.stream)).rejects.toBeInstanceOf(BlobDamagedError);
    });

    it('removes an object, and a second remove is fine', async () => {
      const { path, data } = await localFile(1000);
      const ref = await store.storeBlob(path, sha256(data));
      await store.remove(ref);
      expect(await store.exists(ref)).toBe(false);
      await store.remove(ref);
    });

    it('removes several objects at once, a missing one among them, and leaves the others', async () => {
      const kept = await localFile(1000);
      const keptRef = await store.storeBlob(kept.path, sha256(kept.data));
      const gone: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        const { path, data } = await localFile(1000);
        gone.push(await store.storeBlob(path, sha256(data)));
      }
      const missing = store.blobPath(sha256(randomBytes(16)));

      await store.removeAll([...gone, missing]);

      for (const ref of gone) expect(await store.exists(ref)).toBe(false);
      expect(await store.exists(keptRef)).toBe(true);
      await store.removeAll([]);
    });

    it('says a missing drop is missing: exists is false, read throws BlobMissingError, a local file of it ENOENT', async () => {
      const ref = store.blobPath(sha256(randomBytes(16)));
      expect(await store.exists(ref)).toBe(false);
      await expect(store.read(ref)).rejects.toBeInstanceOf(BlobMissingError);
      await expect(store.withLocalFile(ref, (p) => readFile(p))).rejects.toMatchObject({
        code: 'ENOENT',
      });
    });

    it("fails the read of a drop whose bytes no longer match the SHA-256 in its name, at the stream's end", async () => {
      const { path, data } = await localFile(64 * 1024);
      const ref = await store.storeBlob(path, sha256(data));
      const damaged = Buffer.from(data);
      damaged[1000] = (damaged[1000] ?? 0) ^ 0xff;
      await backend.overwrite(ref, damaged);
      const read = await store.read(ref);
      await expect(collect(read.stream)).rejects.toBeInstanceOf(BlobDamagedError);
    });

    it("keeps a report's files and reads them back", async () => {
      const reportId = randomUUID();
      const dir = store.reportDir(reportId);
      await mkdir(dir, { recursive: true });
      const pdf = randomBytes(20_000);
      await writeFile(join(dir, 'report.pdf'), pdf);
      await writeFile(join(dir, 'summary.json'), '{"cycles":3}');
      const refs = await store.storeReport(reportId, {
        pdf: join(dir, 'report.pdf'),
        summary: join(dir, 'summary.json'),
      });
      expect((await collect((await store.read(refs.pdf)).stream)).equals(pdf)).toBe(true);
      const summary = await store.read(refs.summary);
      expect(summary.size).toBe(12);
      expect((await collect(summary.stream)).toString()).toBe('{"cycles":3}');
    });

    it('keeps an upload chunk by chunk and reads any range, the whole stream and a local file of it', async () => {
      const uploadId = randomUUID();
      const ref = await store.uploads.create(uploadId);
      const data = randomBytes(150_000);
      await store.uploads.write(ref, 0, data.subarray(0, 64_000));
      await store.uploads.write(ref, 64_000, data.subarray(64_000, 128_000));
      await store.uploads.write(ref, 128_000, data.subarray(128_000));
      // A range across chunk boundaries.
      expect(
        (await store.uploads.read(ref, 60_000, 130_000)).equals(data.subarray(60_000, 130_000)),
      ).toBe(true);
      expect((await collect(store.uploads.stream(ref, data.length))).equals(data)).toBe(true);
      expect(
        (await collect(store.uploads.stream(ref, 64_000))).equals(data.subarray(0, 64_000)),
      ).toBe(true);
      const local = await store.uploads.withLocalFile(ref, data.length, (p) => readFile(p));
      expect(local.equals(data)).toBe(true);
      const listed = [];
      for await (const u of store.uploads.list()) listed.push(u);
      const mine = listed.find((u) => u.uploadId === uploadId);
      expect(mine?.ref).toBe(ref);
      expect(Math.abs((mine?.modifiedMs ?? 0) - Date.now())).toBeLessThan(5 * 60_000);
      await store.uploads.remove(ref);
    });

    it('a chunk written again at an offset (a retry after a crash) replaces what an interrupted write left there', async () => {
      const ref = await store.uploads.create(randomUUID());
      const first = randomBytes(40_000);
      await store.uploads.write(ref, 0, first);
      // Written, but its row was never updated: the agent sends a (shorter) chunk there again.
      await store.uploads.write(ref, 40_000, randomBytes(30_000));
      const retry = randomBytes(10_000);
      await store.uploads.write(ref, 40_000, retry);
      const expected = Buffer.concat([first, retry]);
      expect((await collect(store.uploads.stream(ref, expected.length))).equals(expected)).toBe(
        true,
      );
      await store.uploads.remove(ref);
    });

    it('a late copy of a chunk already taken, written after the chunks that follow it, leaves them whole', async () => {
      const ref = await store.uploads.create(randomUUID());
      const data = randomBytes(80_000);
      await store.uploads.write(ref, 0, data.subarray(0, 40_000));
      await store.uploads.write(ref, 40_000, data.subarray(40_000));
      // An agent's first try of the first chunk, which it gave up on and sent again, lands now.
      await store.uploads.write(ref, 0, data.subarray(0, 40_000));
      expect((await collect(store.uploads.stream(ref, data.length))).equals(data)).toBe(true);
      await store.uploads.remove(ref);
    });

    it("promotes only the upload's size: bytes a late write left past it are not in the drop", async () => {
      const ref = await store.uploads.create(randomUUID());
      const data = randomBytes(50_000);
      await store.uploads.write(ref, 0, data);
      await store.uploads.write(ref, 50_000, randomBytes(7_000));
      const blob = await store.uploads.promote(ref, data.length, sha256(data));
      expect((await collect((await store.read(blob)).stream)).equals(data)).toBe(true);
      await store.uploads.remove(ref);
    });

    it('forgets every byte of an upload at a reset: it starts again from offset 0', async () => {
      const ref = await store.uploads.create(randomUUID());
      await store.uploads.write(ref, 0, randomBytes(5000));
      await store.uploads.reset(ref);
      const again = randomBytes(3000);
      await store.uploads.write(ref, 0, again);
      expect((await store.uploads.read(ref, 0, 3000)).equals(again)).toBe(true);
      await store.uploads.remove(ref);
    });

    it('promotes a complete upload to the drop, keeps the upload until it is removed, and a removed upload cannot be promoted', async () => {
      const ref = await store.uploads.create(randomUUID());
      const data = randomBytes(100_000);
      await store.uploads.write(ref, 0, data.subarray(0, 70_000));
      await store.uploads.write(ref, 70_000, data.subarray(70_000));
      const blob = await store.uploads.promote(ref, data.length, sha256(data));
      expect(blob).toBe(store.blobPath(sha256(data)));
      expect((await collect((await store.read(blob)).stream)).equals(data)).toBe(true);
      // A retried commit promotes again: same blob.
      expect(await store.uploads.promote(ref, data.length, sha256(data))).toBe(blob);
      await store.uploads.remove(ref);
      await store.uploads.remove(ref);
      for await (const u of store.uploads.list()) expect(u.ref).not.toBe(ref);
      await expect(store.uploads.promote(ref, data.length, sha256(data))).rejects.toMatchObject({
        code: 'ENOENT',
      });
      expect((await collect((await store.read(blob)).stream)).equals(data)).toBe(true);
    });

    it('promotes a one-chunk upload (the usual drop) the same way', async () => {
      const ref = await store.uploads.create(randomUUID());
      const data = randomBytes(30_000);
      await store.uploads.write(ref, 0, data);
      const blob = await store.uploads.promote(ref, data.length, sha256(data));
      expect((await collect((await store.read(blob)).stream)).equals(data)).toBe(true);
      await store.uploads.remove(ref);
    });

    it("leaves no scratch file behind in BLOB_DIR's tmp folder", async () => {
      const { path, data } = await localFile(2000);
      const ref = await store.storeBlob(path, sha256(data));
      const tmp = join(store.root, 'tmp');
      const before = new Set(await readdir(tmp));
      await store.withLocalFile(ref, async (p) => {
        expect(await exists(p)).toBe(true);
      });
      await expect(
        store.withLocalFile(ref, () => Promise.reject(new Error('the job failed'))),
      ).rejects.toThrow('the job failed');
      expect((await readdir(tmp)).filter((f) => !before.has(f))).toEqual([]);
    });
  });
}
