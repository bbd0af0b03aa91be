import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { blobStoreContract } from '../testing/blob-store-contract.ts';
import { BytePieces } from './byte-pieces.ts';
import { FilesystemBlobStore } from './filesystem-blob-store.ts';

// The same contract runs against Garage in s3-blob-store.garage.test.ts.
blobStoreContract('the filesystem (BLOB_STORE=filesystem)', async () => {
  const root = await mkdtemp(join(tmpdir(), 'zra-blob-contract-'));
  return {
    store: new FilesystemBlobStore(join(root, 'central')),
    overwrite: (ref, bytes) => writeFile(ref, bytes),
    close: () => rm(root, { recursive: true, force: true }),
  };
});

describe('the blob folders', () => {
  it('are made at start-up, all 256; a drop whose folder went missing is still stored', async () => {
    const root = await mkdtemp(join(tmpdir(), 'zra-blob-folders-'));
    try {
      const store = new FilesystemBlobStore(join(root, 'central'));
      await store.init();
      const folders = await readdir(join(root, 'central', 'blobs'));
      expect(folders.length).toBe(256);
      const data = Buffer.from('a put whose folder is gone');
      const sha256 = createHash('sha256').update(data).digest('hex');
      await rm(dirname(store.blobPath(sha256)), { recursive: true });
      const ref = await store.storeBytes(new BytePieces([data]), sha256);
      expect(await readFile(ref, 'utf8')).toBe('a put whose folder is gone');
      // Starting again leaves what is there as it is.
      await store.init();
      expect(await readFile(ref, 'utf8')).toBe('a put whose folder is gone');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
