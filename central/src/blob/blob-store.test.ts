import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobStore } from './blob-store.ts';
import { BytePieces } from './byte-pieces.ts';

// Issue 21, finding 5: drops and reports were world-readable (folders 755, files 644), so any
// other user or process of the machine could read every park's data.

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'zra-blob-modes-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The permission bits other users of the machine have. */
async function otherBits(path: string): Promise<number> {
  return (await stat(path)).mode & 0o007;
}

describe('blob store file modes', () => {
  it('makes its folders and stored drops unreadable by other users', async () => {
    const store = new BlobStore(join(root, 'central'));
    await store.init();
    for (const dir of ['blobs', 'uploads', 'reports', 'tmp']) {
      expect(await otherBits(join(root, 'central', dir)), dir).toBe(0);
    }
    expect(await otherBits(join(root, 'central'))).toBe(0);
    const upload = join(root, 'central', 'uploads', 'u.part');
    await writeFile(upload, 'a drop');
    const sha = 'ab'.padEnd(64, '0');
    const blob = await store.storeBlob(upload, sha);
    expect(await otherBits(blob)).toBe(0);
    expect(await otherBits(dirname(blob))).toBe(0);
    // The workers (same group) still read them.
    expect((await stat(blob)).mode & 0o040).toBe(0o040);
    // A drop sent whole (a put) is written straight in, with the same mode.
    const put = await store.storeBytes(
      new BytePieces([Buffer.from('a put')]),
      'cd'.padEnd(64, '0'),
    );
    expect(await otherBits(put)).toBe(0);
    expect((await stat(put)).mode & 0o040).toBe(0o040);
  });

  it('closes the folders an older version left open', async () => {
    const central = join(root, 'central');
    for (const dir of ['blobs', 'reports']) {
      await mkdir(join(central, dir), { recursive: true });
      await chmod(join(central, dir), 0o755);
    }
    await new BlobStore(central).init();
    expect(await otherBits(join(central, 'blobs'))).toBe(0);
    expect(await otherBits(join(central, 'reports'))).toBe(0);
  });
});
